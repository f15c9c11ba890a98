//! Ingest + full validation of a generated ~2 MB, ~300-file package against plain decompression
//! of the same zip, in the same run (docs/PERFORMANCE.md, "Package ingest"). Target: validation
//! costs at most 4× decompression.
//!
//! `cargo bench -p miniplat-package --bench ingest` runs criterion for both, then prints the
//! ratio from its own interleaved measurement so the two numbers come from the same conditions.

use std::hint::black_box;
use std::io::{Cursor, Read, Write};
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use miniplat_package::{ingest_zip, validate, Limits, Package};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// Deterministic pseudo-random numbers (xorshift32).
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.next() as usize % words.len()]
    }
}

const WORDS: &[&str] =
    &["order", "cart", "price", "user", "coupon", "stock", "item", "banner", "address", "detail", "total"];
const APIS: &[&str] = &[
    "request",
    "showToast",
    "navigateTo",
    "getStorageSync",
    "setStorageSync",
    "showModal",
    "login",
    "getSystemInfoSync",
];

fn page_script(rng: &mut Rng, functions: usize) -> String {
    let mut js = String::from("const api = require('../../utils/api');\nconst app = getApp();\n\nPage({\n");
    js.push_str("  data: {\n");
    for _ in 0..8 {
        js.push_str(&format!("    {}{}: [],\n", rng.pick(WORDS), rng.next() % 100));
    }
    js.push_str("  },\n");
    for f in 0..functions {
        let (a, b, api) = (rng.pick(WORDS), rng.pick(WORDS), rng.pick(APIS));
        js.push_str(&format!(
            "  load{a}{f}(options) {{\n    const {b} = options && options.{b} ? options.{b} : {{}};\n    \
             // Fetch {a} and merge it into the page state.\n    return api.get('/{a}/' + {b}.id).then((res) => {{\n      \
             const list = (res.items || []).filter((x) => x.{b} > {n}).map((x) => ({{ ...x, label: `${{x.name}} · ${{x.{b}}}` }}));\n      \
             this.setData({{ {a}: list, loading: false }});\n      wx.{api}({{ title: '{a}', success: () => app.track('{a}{f}') }});\n    \
             }});\n  }},\n",
            n = rng.next() % 1000
        ));
    }
    js.push_str("});\n");
    js
}

fn page_template(rng: &mut Rng, blocks: usize) -> String {
    let mut wxml = String::from("<view class=\"page\">\n");
    for b in 0..blocks {
        let (a, c) = (rng.pick(WORDS), rng.pick(WORDS));
        wxml.push_str(&format!(
            "  <view class=\"section section-{b}\" wx:if=\"{{{{{a}.length > 0}}}}\">\n    <text class=\"title\">{a} {b}</text>\n    \
             <view wx:for=\"{{{{{a}}}}}\" wx:key=\"id\" class=\"row\" data-id=\"{{{{item.id}}}}\" bindtap=\"open{c}\">\n      \
             <image class=\"thumb\" src=\"{{{{item.image}}}}\" mode=\"aspectFill\" lazy-load />\n      \
             <text class=\"name\">{{{{item.name}}}}</text>\n      <text class=\"price\">¥{{{{item.price / 100}}}}</text>\n    \
             </view>\n  </view>\n"
        ));
    }
    wxml.push_str("</view>\n");
    wxml
}

fn page_style(rng: &mut Rng, rules: usize) -> String {
    let mut wxss = String::new();
    for r in 0..rules {
        let a = rng.pick(WORDS);
        wxss.push_str(&format!(
            ".{a}-{r} {{\n  display: flex;\n  padding: {}rpx {}rpx;\n  color: #{:06x};\n  border-bottom: 1rpx solid #eee;\n}}\n",
            rng.next() % 48,
            rng.next() % 48,
            rng.next() & 0xff_ffff
        ));
    }
    wxss
}

/// A PNG-like file: a PNG signature and incompressible bytes, as real images are.
fn image(rng: &mut Rng, size: usize) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..size).map(|_| rng.next() as u8));
    png
}

/// About 2 MB in about 300 files: 60 pages (js, wxml, wxss, json), 10 components, 8 bundled
/// vendor scripts, 64 images, app files.
fn generate_package() -> Vec<u8> {
    let mut rng = Rng(0x9E37_79B9);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let pages: Vec<String> = (0..60).map(|i| format!("pages/p{i}/p{i}")).collect();
    let app_json = format!(
        "{{\"pages\": [{}],\n\"window\": {{\"navigationBarTitleText\": \"Bench\"}}}}",
        pages.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
    );
    files.push(("app.json".into(), app_json.into_bytes()));
    files.push(("app.js".into(), page_script(&mut rng, 4).replace("Page(", "App(").into_bytes()));
    files.push(("app.wxss".into(), page_style(&mut rng, 30).into_bytes()));
    files.push((
        "utils/api.js".into(),
        b"module.exports = { get: (url) => Promise.resolve({ url }) };".to_vec(),
    ));
    for page in &pages {
        files.push((format!("{page}.js"), page_script(&mut rng, 12).into_bytes()));
        files.push((format!("{page}.wxml"), page_template(&mut rng, 7).into_bytes()));
        files.push((format!("{page}.wxss"), page_style(&mut rng, 14).into_bytes()));
        files.push((
            format!("{page}.json"),
            br#"{"navigationBarTitleText": "Page", "usingComponents": {"c0": "/components/c0/c0"}}"#.to_vec(),
        ));
    }
    for c in 0..10 {
        let base = format!("components/c{c}/c{c}");
        files.push((
            format!("{base}.js"),
            page_script(&mut rng, 6).replace("Page(", "Component(").into_bytes(),
        ));
        files.push((format!("{base}.wxml"), page_template(&mut rng, 3).into_bytes()));
        files.push((format!("{base}.wxss"), page_style(&mut rng, 8).into_bytes()));
        files.push((format!("{base}.json"), br#"{"component": true}"#.to_vec()));
    }
    for v in 0..8 {
        files.push((format!("vendor/lib{v}.js"), page_script(&mut rng, 90).into_bytes()));
    }
    for i in 0..64 {
        files.push((format!("images/img{i}.png"), image(&mut rng, 14 * 1024)));
    }

    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, data) in &files {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The baseline: inflate every entry, nothing else.
fn decompress(zip: &[u8]) -> usize {
    let mut archive = ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut total = 0;
    let mut buffer = Vec::new();
    for i in 0..archive.len() {
        buffer.clear();
        archive.by_index(i).unwrap().read_to_end(&mut buffer).unwrap();
        total += buffer.len();
    }
    total
}

/// The floor under any validation: only the two parsers the issue names, over the package's
/// templates and scripts, on this thread, producing nothing but their trees.
fn parse_only(package: &Package) -> usize {
    let mut allocator = oxc_allocator::Allocator::default();
    let mut nodes = 0;
    for (path, bytes) in package.files() {
        let Ok(text) = std::str::from_utf8(bytes) else { continue };
        if path.as_str().ends_with(".wxml") {
            let (template, _) = glass_easel_template_compiler::parse::parse(path.as_str(), text);
            nodes += template.content.len();
        } else if path.as_str().ends_with(".js") {
            allocator.reset();
            let parsed = oxc_parser::Parser::new(&allocator, text, oxc_span::SourceType::cjs()).parse();
            nodes += parsed.program.body.len();
        }
    }
    nodes
}

fn ingest_and_validate(zip: &[u8], limits: &Limits) -> bool {
    let package = ingest_zip(zip, limits).unwrap();
    validate(&package).ok()
}

fn benches(c: &mut Criterion) {
    let zip = generate_package();
    let limits = Limits::default();
    assert!(ingest_and_validate(&zip, &limits), "the generated package validates");
    let mut group = c.benchmark_group("package");
    group.sample_size(30).measurement_time(Duration::from_secs(6));
    group.bench_function("decompress", |b| b.iter(|| decompress(black_box(&zip))));
    group.bench_function("ingest_and_validate", |b| b.iter(|| ingest_and_validate(black_box(&zip), &limits)));
    group.finish();
}

/// Medians from interleaved runs, so both see the same machine state.
fn summary() {
    let zip = generate_package();
    let limits = Limits::default();
    let package = ingest_zip(&zip, &limits).unwrap();
    let (mut baseline, mut full, mut parsers) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..40 {
        let start = Instant::now();
        black_box(decompress(black_box(&zip)));
        baseline.push(start.elapsed());
        let start = Instant::now();
        black_box(ingest_and_validate(black_box(&zip), &limits));
        full.push(start.elapsed());
        let start = Instant::now();
        black_box(parse_only(black_box(&package)));
        parsers.push(start.elapsed());
    }
    let median = |mut times: Vec<Duration>| {
        times.sort();
        times[times.len() / 2].as_secs_f64()
    };
    let (baseline, full, parsers) = (median(baseline), median(full), median(parsers));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    println!(
        "package ingest: {} files, {} bytes unpacked, {} bytes zipped; decompress {:.2} ms, \
         ingest+validate {:.2} ms, ratio {:.2}x (target <= 4x)",
        package.len(),
        package.total_bytes(),
        zip.len(),
        baseline * 1e3,
        full * 1e3,
        full / baseline,
    );
    // What no validation with these parsers can go below: their work alone, split perfectly
    // over the cores validation uses.
    println!(
        "  the two parsers alone: {:.2} ms on one thread = {:.2}x decompression; \
         perfectly split over {cores} cores {:.2}x",
        parsers * 1e3,
        parsers / baseline,
        parsers / baseline / cores as f64,
    );
}

criterion_group!(package, benches);

fn main() {
    package();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
