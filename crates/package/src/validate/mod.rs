//! [`validate`]: checks a [`Package`] against the mini program format of spec §13 and scans its
//! code. One submodule per concern; they share a [`Validation`] that collects findings.

mod app_json;
mod components;
mod script;
mod sitemap;
mod sizes;
mod wxml;
mod wxss;

use std::collections::{BTreeMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

use jsonc_parser::ast::Value;
use sha2::{Digest, Sha256};

use crate::codes;
use crate::json;
use crate::package::Package;
use crate::path::PackagePath;
use crate::privacy::PrivacyCategory;
use crate::report::{
    ApiUse, Diagnostic, DynamicCall, FileEntry, Location, NetworkUrl, PrivacyUse, Report, Severity,
};
use crate::text::SourceText;

/// Stack of each validation thread, before the per-byte allowance below. The parsers recurse
/// on nesting; the bracket guard in [`Validation::too_deep`] bounds bracketed nesting, and the
/// allowance covers nesting without brackets (`a=>a=>…`, `!!!…`, `a?b:c?…`), whose depth is at
/// most the length of the file. Only the pages actually touched are committed, so the large
/// reservation costs memory only when a hostile file really nests that deep.
const BASE_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Stack reserved per byte of the largest parsed file: oxc needs under 1 KiB per nesting level
/// and every level takes at least one byte of source.
const STACK_BYTES_PER_SOURCE_BYTE: usize = 1024;

/// The stack that validating `package` needs (see [`BASE_STACK_BYTES`]).
fn stack_bytes(package: &Package) -> usize {
    let largest_source = package
        .files()
        .filter(|(path, _)| {
            let path = path.as_str();
            [".js", ".ts", ".wxs", ".wxml", ".wxss"].iter().any(|extension| path.ends_with(extension))
        })
        .map(|(_, bytes)| bytes.len())
        .max()
        .unwrap_or(0);
    BASE_STACK_BYTES + largest_source.saturating_mul(STACK_BYTES_PER_SOURCE_BYTE)
}

/// Deepest bracket nesting a file may have before the parsers are not run on it at all.
const MAX_NESTING: usize = 1000;

/// Packages with less text than this are checked on one thread: not worth a second.
const PARALLEL_BYTES: u64 = 256 * 1024;

/// Most threads one validation uses.
const MAX_WORKERS: usize = 4;

/// Validates `package` and reports everything found. Never fails: problems become
/// [`Diagnostic`]s, and [`Report::ok`] tells whether any is an error.
///
/// Runs on its own thread(s) with a large stack; large packages are checked file by file on up
/// to [`MAX_WORKERS`] threads (as many as the machine has cores), taking files from one queue.
/// The report does not depend on how the work was split.
pub fn validate(package: &Package) -> Report {
    let stack = stack_bytes(package);
    std::thread::scope(|scope| match spawn(scope, stack, move || run(package, stack)) {
        Some(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        // Without a thread of that stack the parsers could overflow this one: refuse instead.
        None => {
            let mut v = Validation::new(package);
            let message = "the server could not reserve memory to validate this package; try again later";
            v.error(codes::VALIDATION_UNAVAILABLE, Location::new("app.json", 1, 1), message);
            v.into_report(Vec::new())
        }
    })
}

fn spawn<'scope, T: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    stack: usize,
    work: impl FnOnce() -> T + Send + 'scope,
) -> Option<std::thread::ScopedJoinHandle<'scope, T>> {
    std::thread::Builder::new()
        .name("package-validate".into())
        .stack_size(stack)
        .spawn_scoped(scope, work)
        .ok()
}

fn run(package: &Package, stack: usize) -> Report {
    let mut v = Validation::new(package);
    let app = app_json::check(&mut v);
    components::check(&mut v, app.as_ref());
    sitemap::check(&mut v, app.as_ref());

    let files = work_order(package);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_WORKERS);
    if workers <= 1 || package.total_bytes() < PARALLEL_BYTES {
        check_files(&mut v, &files, &AtomicUsize::new(0));
    } else {
        // Workers take the next file from one queue, so none sits idle while another still has
        // a backlog; this thread is one of them.
        let next = AtomicUsize::new(0);
        let parsed_json = &v.parsed_json;
        let (files, next) = (&files, &next);
        let work = move || {
            let mut worker = Validation::new(package);
            worker.parsed_json.clone_from(parsed_json);
            check_files(&mut worker, files, next);
            worker
        };
        let results: Vec<Validation<'_>> = std::thread::scope(|scope| {
            // A worker that cannot be started leaves its share to the others.
            let helpers: Vec<_> = (1..workers).filter_map(|_| spawn(scope, stack, work)).collect();
            let mut results = vec![work()];
            for helper in helpers {
                results.push(helper.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
            }
            results
        });
        for result in results {
            v.merge(result);
        }
    }

    if let Some(app) = &app {
        app_json::check_private_infos_declared(&mut v, app);
    }
    let package_sizes = sizes::check(&mut v, app.as_ref());
    v.into_report(package_sizes)
}

/// The files in the order workers take them: parsed files (scripts, templates, stylesheets,
/// JSON) before the others, which are only hashed, and the largest first within each, so that
/// the last files taken are small and the workers finish together. Deterministic.
fn work_order(package: &Package) -> Vec<(&PackagePath, &[u8])> {
    let mut files: Vec<(&PackagePath, &[u8])> = package.files().collect();
    let parsed = |path: &PackagePath| {
        matches!(path.extension(), Some("js" | "ts" | "mjs" | "cjs" | "wxml" | "wxss" | "json"))
    };
    files.sort_by(|a, b| (parsed(b.0), b.1.len()).cmp(&(parsed(a.0), a.1.len())).then_with(|| a.0.cmp(b.0)));
    files
}

/// The per-file checks (templates, stylesheets, scripts, JSON syntax, content digests) of the
/// files taken from `files` through `next` until none is left.
fn check_files<'p>(v: &mut Validation<'p>, files: &[(&'p PackagePath, &'p [u8])], next: &AtomicUsize) {
    let mut allocator = oxc_allocator::Allocator::default();
    while let Some(&(path, bytes)) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
        v.digests.insert(path.as_str(), hex::encode(Sha256::digest(bytes)));
        match path.extension() {
            Some("wxml") => wxml::check(v, path, bytes),
            Some("wxss") => wxss::check(v, path, bytes),
            Some("js" | "ts" | "mjs" | "cjs") => script::check(v, &mut allocator, path, bytes),
            Some("json") if !v.parsed_json.contains(path.as_str()) => {
                if let Some(source) = v.source(path, bytes) {
                    v.json(&source);
                }
            }
            _ => {}
        }
    }
}

/// Findings collected while validating one package.
pub(crate) struct Validation<'p> {
    pub package: &'p Package,
    diagnostics: Vec<Diagnostic>,
    api_uses: BTreeMap<String, Vec<Location>>,
    privacy_uses: BTreeMap<(PrivacyCategory, String), (&'static str, Vec<Location>)>,
    dynamic_calls: Vec<DynamicCall>,
    network_urls: Vec<NetworkUrl>,
    /// JSON files already parsed (and so already reported on).
    parsed_json: HashSet<String>,
    /// Hex SHA-256 of each file.
    digests: BTreeMap<&'p str, String>,
}

impl<'p> Validation<'p> {
    fn new(package: &'p Package) -> Self {
        Self {
            package,
            diagnostics: Vec::new(),
            api_uses: BTreeMap::new(),
            privacy_uses: BTreeMap::new(),
            dynamic_calls: Vec::new(),
            network_urls: Vec::new(),
            parsed_json: HashSet::new(),
            digests: BTreeMap::new(),
        }
    }

    /// Adds what another validation of the same package (a worker's) found.
    fn merge(&mut self, other: Validation<'p>) {
        self.diagnostics.extend(other.diagnostics);
        for (name, locations) in other.api_uses {
            self.api_uses.entry(name).or_default().extend(locations);
        }
        for (key, (privacy_key, locations)) in other.privacy_uses {
            self.privacy_uses.entry(key).or_insert_with(|| (privacy_key, Vec::new())).1.extend(locations);
        }
        self.dynamic_calls.extend(other.dynamic_calls);
        self.network_urls.extend(other.network_urls);
        self.parsed_json.extend(other.parsed_json);
        self.digests.extend(other.digests);
    }

    pub fn error(&mut self, code: &str, location: Location, message: impl Into<String>) {
        self.push(Severity::Error, code, location, message.into());
    }

    pub fn warning(&mut self, code: &str, location: Location, message: impl Into<String>) {
        self.push(Severity::Warning, code, location, message.into());
    }

    fn push(&mut self, severity: Severity, code: &str, location: Location, message: String) {
        self.diagnostics.push(Diagnostic { code: code.to_owned(), severity, message, location });
    }

    /// Decodes a text file, reporting it if it is not UTF-8.
    pub fn source(&mut self, path: &'p PackagePath, bytes: &'p [u8]) -> Option<SourceText<'p>> {
        match SourceText::decode(path, bytes) {
            Ok(source) => Some(source),
            Err(location) => {
                self.error(codes::FILE_NOT_UTF8, location, "the file is not valid UTF-8");
                None
            }
        }
    }

    /// Decodes the file at `path` if the package has it.
    pub fn source_at(&mut self, path: &str) -> Option<SourceText<'p>> {
        let (path, bytes) = self.package.entry(path)?;
        self.source(path, bytes)
    }

    /// Parses a JSON file once, reporting syntax errors.
    pub fn json<'s>(&mut self, source: &SourceText<'s>) -> Option<Value<'s>> {
        self.parsed_json.insert(source.path.as_str().to_owned());
        if self.too_deep(source, b"[{", b"]}") {
            return None;
        }
        match json::parse(source.text) {
            Ok(value) => Some(value),
            Err(error) => {
                self.error(codes::JSON_SYNTAX, source.location(error.offset), error.message);
                None
            }
        }
    }

    /// Whether `source` nests brackets deeper than [`MAX_NESTING`] (counting naively, strings and
    /// comments included: real code comes nowhere near). Reports it if so.
    pub fn too_deep(&mut self, source: &SourceText<'_>, open: &[u8], close: &[u8]) -> bool {
        let mut step = [0i8; 256];
        for &byte in open {
            step[usize::from(byte)] = 1;
        }
        for &byte in close {
            step[usize::from(byte)] = -1;
        }
        let mut depth = 0usize;
        for (offset, &byte) in source.text.as_bytes().iter().enumerate() {
            match step[usize::from(byte)] {
                0 => {}
                1 => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        let message =
                            format!("nesting deeper than {MAX_NESTING} levels; the file was not parsed");
                        self.error(codes::NESTING_TOO_DEEP, source.location(offset), message);
                        return true;
                    }
                }
                _ => depth = depth.saturating_sub(1),
            }
        }
        false
    }

    /// Runs a third-party parser, turning a panic into an error on the file instead of taking
    /// the whole validation (and the upload request) down with it.
    pub fn guarded<T>(
        &mut self,
        source: &SourceText<'_>,
        what: &str,
        parse: impl FnOnce() -> T,
    ) -> Option<T> {
        match catch_unwind(AssertUnwindSafe(parse)) {
            Ok(value) => Some(value),
            Err(_) => {
                let message = format!("the {what} parser failed on this file");
                self.error(codes::PARSER_FAILED, source.start(), message);
                None
            }
        }
    }

    pub fn api_use(&mut self, name: String, location: Location) {
        self.api_uses.entry(name).or_default().push(location);
    }

    pub fn privacy_use(
        &mut self,
        api: String,
        (category, key): (PrivacyCategory, &'static str),
        location: Location,
    ) {
        self.privacy_uses.entry((category, api)).or_insert_with(|| (key, Vec::new())).1.push(location);
    }

    pub fn dynamic_call(&mut self, call: DynamicCall) {
        self.dynamic_calls.push(call);
    }

    pub fn network_url(&mut self, url: NetworkUrl) {
        self.network_urls.push(url);
    }

    /// Whether code uses `wx.<name>`, and where first.
    pub fn first_api_use(&self, name: &str) -> Option<&Location> {
        self.api_uses.get(name).and_then(|locations| locations.iter().min())
    }

    fn into_report(self, package_sizes: Vec<crate::report::PackageSize>) -> Report {
        let mut diagnostics = self.diagnostics;
        diagnostics
            .sort_by(|a, b| (&a.location, &a.code, &a.message).cmp(&(&b.location, &b.code, &b.message)));
        diagnostics.dedup();
        let sorted = |mut locations: Vec<Location>| {
            locations.sort();
            locations.dedup();
            locations
        };
        let api_uses = self
            .api_uses
            .into_iter()
            .map(|(name, locations)| ApiUse { name, locations: sorted(locations) })
            .collect();
        let privacy_uses = self
            .privacy_uses
            .into_iter()
            .map(|((category, api), (key, locations))| PrivacyUse {
                api,
                category,
                privacy_key: key.to_owned(),
                locations: sorted(locations),
            })
            .collect();
        let mut dynamic_calls = self.dynamic_calls;
        dynamic_calls.sort_by(|a, b| (&a.location, &a.snippet).cmp(&(&b.location, &b.snippet)));
        let mut network_urls = self.network_urls;
        network_urls.sort_by(|a, b| (&a.location, &a.api, &a.url).cmp(&(&b.location, &b.api, &b.url)));
        let mut digests = self.digests;
        let files = self
            .package
            .files()
            .map(|(path, bytes)| FileEntry {
                path: path.to_string(),
                size: bytes.len() as u64,
                sha256: digests.remove(path.as_str()).unwrap_or_else(|| hex::encode(Sha256::digest(bytes))),
            })
            .collect();
        Report {
            diagnostics,
            api_uses,
            privacy_uses,
            dynamic_calls,
            network_urls,
            package_sizes,
            total_bytes: self.package.total_bytes(),
            files,
        }
    }
}

/// Reads a JSON object's properties with diagnostics for wrong types, for the configuration
/// checkers.
pub(crate) struct JsonFields<'v, 's> {
    pub source: &'v SourceText<'s>,
    pub code: &'static str,
}

impl<'v, 's> JsonFields<'v, 's> {
    /// The location of a value.
    pub fn at(&self, value: &Value<'_>) -> Location {
        self.source.location(json::start(value))
    }

    /// `value` as a string, or an error naming `what`.
    pub fn string<'a>(&self, v: &mut Validation<'_>, value: &'a Value<'s>, what: &str) -> Option<&'a str> {
        match value {
            Value::StringLit(s) => Some(s.value.as_ref()),
            other => {
                let message = format!("{what} must be a string, not {}", json::type_name(other));
                v.error(self.code, self.at(other), message);
                None
            }
        }
    }

    /// `value` as an array of strings with their locations; wrong elements are reported and
    /// skipped.
    pub fn strings(&self, v: &mut Validation<'_>, value: &Value<'s>, what: &str) -> Vec<(String, Location)> {
        let Value::Array(array) = value else {
            let message = format!("{what} must be an array of strings, not {}", json::type_name(value));
            v.error(self.code, self.at(value), message);
            return Vec::new();
        };
        array
            .elements
            .iter()
            .filter_map(|element| {
                self.string(v, element, &format!("each of {what}")).map(|s| (s.to_owned(), self.at(element)))
            })
            .collect()
    }

    /// `value` as an object, or an error naming `what`.
    pub fn object<'a>(
        &self,
        v: &mut Validation<'_>,
        value: &'a Value<'s>,
        what: &str,
    ) -> Option<&'a jsonc_parser::ast::Object<'s>> {
        match value {
            Value::Object(object) => Some(object),
            other => {
                let message = format!("{what} must be an object, not {}", json::type_name(other));
                v.error(self.code, self.at(other), message);
                None
            }
        }
    }

    /// `value` as a boolean, or an error naming `what`.
    pub fn boolean(&self, v: &mut Validation<'_>, value: &Value<'s>, what: &str) -> Option<bool> {
        match value {
            Value::BooleanLit(b) => Some(b.value),
            other => {
                let message = format!("{what} must be true or false, not {}", json::type_name(other));
                v.error(self.code, self.at(other), message);
                None
            }
        }
    }
}

/// A `usingComponents` entry: tag name, path as written, where it was written.
pub(crate) struct ComponentRef {
    pub tag: String,
    pub reference: String,
    pub location: Location,
}

/// Reads a `usingComponents` object.
pub(crate) fn component_refs(
    v: &mut Validation<'_>,
    fields: &JsonFields<'_, '_>,
    value: &Value<'_>,
) -> Vec<ComponentRef> {
    let Some(object) = fields.object(v, value, "usingComponents") else { return Vec::new() };
    let mut refs = Vec::new();
    for property in &object.properties {
        let tag = property.name.as_str().to_owned();
        if let Some(reference) = fields.string(v, &property.value, &format!("usingComponents[\"{tag}\"]")) {
            refs.push(ComponentRef {
                tag,
                reference: reference.to_owned(),
                location: fields.at(&property.value),
            });
        }
    }
    refs
}
