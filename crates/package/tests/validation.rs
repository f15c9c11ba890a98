//! Validation of each part of a package (spec §13): every problem gets its code at the right
//! file:line:column, and the scans report API, privacy and dynamic `wx` use.

use miniplat_package::{
    codes, validate, DynamicKind, Limits, Package, PackagePath, PrivacyCategory, Report, Severity,
};

const INDEX_PAGE: &[(&str, &str)] =
    &[("pages/index/index.js", "Page({})"), ("pages/index/index.wxml", "<view>hi</view>")];

fn package_with(limits: Limits, files: &[(&str, &str)]) -> Package {
    let files =
        files.iter().map(|(path, text)| (PackagePath::parse(path).unwrap(), text.as_bytes().to_vec()));
    Package::from_files(files, limits).unwrap()
}

/// Validates `files` plus a one-page app unless `app.json` is among them.
fn check(files: &[(&str, &str)]) -> Report {
    check_with(Limits::default(), files)
}

fn check_with(limits: Limits, files: &[(&str, &str)]) -> Report {
    let mut all: Vec<(&str, &str)> = files.to_vec();
    if !files.iter().any(|(path, _)| *path == "app.json") {
        all.push(("app.json", r#"{"pages": ["pages/index/index"]}"#));
    }
    for page in INDEX_PAGE {
        if !all.iter().any(|(path, _)| path == &page.0) {
            all.push(*page);
        }
    }
    validate(&package_with(limits, &all))
}

fn app(json: &str, extra: &[(&'static str, &'static str)]) -> Report {
    let json: &'static str = Box::leak(json.to_owned().into_boxed_str());
    let mut files = vec![("app.json", json)];
    files.extend_from_slice(extra);
    check(&files)
}

/// Asserts the report has a diagnostic `code` at `location` ("file:line:column").
#[track_caller]
fn assert_diagnostic(report: &Report, code: &str, location: &str) {
    let found = report.diagnostics.iter().any(|d| d.code == code && d.location.to_string() == location);
    let all: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
    assert!(found, "no {code} at {location}; diagnostics:\n{}", all.join("\n"));
}

#[track_caller]
fn assert_clean(report: &Report) {
    let all: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
    assert!(report.diagnostics.is_empty(), "diagnostics:\n{}", all.join("\n"));
}

#[test]
fn a_one_page_app_is_clean() {
    assert_clean(&check(&[]));
}

#[test]
fn app_json_is_required_and_must_be_an_object() {
    let report = validate(&package_with(Limits::default(), INDEX_PAGE));
    assert_diagnostic(&report, codes::APP_JSON_MISSING, "app.json:1:1");
    assert!(!report.ok());

    assert_diagnostic(&app("{\n  \"pages\": [\n    \"a\",\n  ]\n}", &[]), codes::JSON_SYNTAX, "app.json:3:8");
    assert_diagnostic(&app("[1]", &[]), codes::APP_JSON_INVALID, "app.json:1:1");
    assert_diagnostic(
        &app("{\"pages\": [\"pages/index/index\"], \"colour\": 1}", &[]),
        codes::APP_JSON_UNKNOWN_FIELD,
        "app.json:1:34",
    );
}

#[test]
fn pages_exist_with_a_script_and_a_template() {
    assert_diagnostic(&app("{}", &[]), codes::APP_JSON_NO_PAGES, "app.json:1:1");
    assert_diagnostic(&app(r#"{"pages": []}"#, &[]), codes::APP_JSON_NO_PAGES, "app.json:1:11");
    assert_diagnostic(&app(r#"{"pages": "index"}"#, &[]), codes::APP_JSON_INVALID, "app.json:1:11");

    let report = app(
        "{\"pages\": [\n  \"pages/index/index\",\n  \"pages/gone/gone\",\n  \"pages/ts/ts\",\n  \"pages/noscript/noscript\",\n  \"pages/notemplate/notemplate\",\n  \"/pages/abs\",\n  \"pages/ext.js\",\n  \"pages/index/index\"\n]}",
        &[
            ("pages/ts/ts.ts", "Page({})"),
            ("pages/ts/ts.wxml", "<view/>"),
            ("pages/noscript/noscript.wxml", "<view/>"),
            ("pages/notemplate/notemplate.js", "Page({})"),
        ],
    );
    assert_diagnostic(&report, codes::APP_JSON_PAGE_MISSING, "app.json:3:3");
    assert_diagnostic(&report, codes::APP_JSON_PAGE_SCRIPT_MISSING, "app.json:5:3");
    assert_diagnostic(&report, codes::APP_JSON_PAGE_TEMPLATE_MISSING, "app.json:6:3");
    assert_diagnostic(&report, codes::APP_JSON_PAGE_INVALID, "app.json:7:3");
    assert_diagnostic(&report, codes::APP_JSON_PAGE_INVALID, "app.json:8:3");
    assert_diagnostic(&report, codes::APP_JSON_PAGE_DUPLICATE, "app.json:9:3");
    // The TypeScript page is fine; the duplicate is only a warning.
    assert_eq!(report.errors().count(), 5, "{:#?}", report.diagnostics);
    assert_eq!(report.warnings().count(), 1);
}

#[test]
fn entry_page_path_is_a_page() {
    assert_clean(&app(r#"{"pages": ["pages/index/index"], "entryPagePath": "pages/index/index"}"#, &[]));
    let report = app(r#"{"pages": ["pages/index/index"], "entryPagePath": "pages/nope/nope"}"#, &[]);
    assert_diagnostic(&report, codes::APP_JSON_ENTRY_PAGE_MISSING, "app.json:1:51");
}

const SUB_PAGE: &[(&str, &str)] = &[("shop/pages/list.js", "Page({})"), ("shop/pages/list.wxml", "<view/>")];

#[test]
fn subpackages_have_roots_that_exist_do_not_nest_and_hold_their_pages() {
    let ok = r#"{"pages": ["pages/index/index"], "subpackages": [{"root": "shop/", "name": "shop", "pages": ["pages/list"], "independent": false}]}"#;
    let report = app(ok, SUB_PAGE);
    assert_clean(&report);
    assert_eq!(report.package_sizes[1].root, "shop");
    assert_eq!(report.package_sizes[1].files, 2);

    let alias =
        r#"{"pages": ["pages/index/index"], "subPackages": [{"root": "shop", "pages": ["pages/list"]}]}"#;
    assert_clean(&app(alias, SUB_PAGE));

    let report = app(
        "{\"pages\": [\"pages/index/index\", \"shop/home\"],\n\"subpackages\": [\n  {\"root\": \"shop\", \"name\": \"a\", \"pages\": [\"pages/list\", \"pages/gone\"]},\n  {\"root\": \"shop/inner\", \"name\": \"a\", \"pages\": []},\n  {\"root\": \"missing\", \"pages\": []},\n  {\"root\": \"../up\", \"pages\": []},\n  {\"pages\": []}\n],\n\"subPackages\": []}",
        &[
            ("shop/pages/list.js", "Page({})"),
            ("shop/pages/list.wxml", "<view/>"),
            ("shop/home.js", "Page({})"),
            ("shop/home.wxml", "<view/>"),
            ("shop/inner/x.js", ""),
        ],
    );
    assert_diagnostic(&report, codes::APP_JSON_PAGE_MISSING, "app.json:3:57");
    assert_diagnostic(&report, codes::APP_JSON_SUBPACKAGE_ROOT_NESTED, "app.json:4:12");
    assert_diagnostic(&report, codes::APP_JSON_SUBPACKAGE_NAME_DUPLICATE, "app.json:4:12");
    assert_diagnostic(&report, codes::APP_JSON_SUBPACKAGE_ROOT_MISSING, "app.json:5:12");
    assert_diagnostic(&report, codes::APP_JSON_INVALID, "app.json:6:12");
    assert_diagnostic(&report, codes::APP_JSON_INVALID, "app.json:7:3");
    assert_diagnostic(&report, codes::APP_JSON_PAGE_IN_SUBPACKAGE_ROOT, "app.json:1:33");
    assert_diagnostic(&report, codes::APP_JSON_SUBPACKAGES_TWICE, "app.json:9:1");
}

fn tab_bar(list: &str) -> String {
    format!(r#"{{"pages": ["pages/index/index", "pages/b/b"], "tabBar": {{"list": {list}}}}}"#)
}

const B_PAGE: &[(&str, &str)] = &[
    ("pages/b/b.js", "Page({})"),
    ("pages/b/b.wxml", "<view/>"),
    ("icons/a.png", "png"),
    ("shop/pages/list.js", "Page({})"),
    ("shop/pages/list.wxml", "<view/>"),
];

#[test]
fn tab_bar_has_two_to_five_items_on_main_pages_with_local_small_icons() {
    let two = r#"[{"pagePath": "pages/index/index", "text": "A", "iconPath": "icons/a.png", "selectedIconPath": "/icons/a.png"}, {"pagePath": "pages/b/b", "text": "B"}]"#;
    assert_clean(&app(&tab_bar(two), B_PAGE));

    let one = r#"[{"pagePath": "pages/index/index", "text": "A"}]"#;
    assert_diagnostic(&app(&tab_bar(one), B_PAGE), codes::APP_JSON_TABBAR_LIST_SIZE, "app.json:1:66");
    let six = format!("[{}]", [r#"{"pagePath": "pages/b/b", "text": "B"}"#; 6].join(","));
    assert_diagnostic(&app(&tab_bar(&six), B_PAGE), codes::APP_JSON_TABBAR_LIST_SIZE, "app.json:1:66");

    let bad = "[\n{\"pagePath\": \"shop/pages/list\", \"text\": \"A\"},\n{\"pagePath\": \"pages/b/b\", \"text\": \"B\", \"iconPath\": \"icons/none.png\", \"selectedIconPath\": \"https://cdn.example.com/a.png\"}\n]";
    let json = format!(
        r#"{{"pages": ["pages/index/index", "pages/b/b"], "subpackages": [{{"root": "shop", "pages": ["pages/list"]}}], "tabBar": {{"list": {bad}}}}}"#
    );
    let report = app(&json, B_PAGE);
    assert_diagnostic(&report, codes::APP_JSON_TABBAR_PAGE_MISSING, "app.json:2:14");
    assert_diagnostic(&report, codes::APP_JSON_TABBAR_ICON_MISSING, "app.json:3:52");
    assert_diagnostic(&report, codes::APP_JSON_TABBAR_ICON_MISSING, "app.json:3:90");

    let big_icon: &'static str = Box::leak("x".repeat(41 * 1024).into_boxed_str());
    let two_big = r#"[{"pagePath": "pages/index/index", "text": "A", "iconPath": "icons/big.png"}, {"pagePath": "pages/b/b", "text": "B"}]"#;
    let mut files = B_PAGE.to_vec();
    files.push(("icons/big.png", big_icon));
    assert_diagnostic(
        &app(&tab_bar(two_big), &files),
        codes::APP_JSON_TABBAR_ICON_TOO_LARGE,
        "app.json:1:126",
    );
}

#[test]
fn using_components_resolve_to_declared_components() {
    let component = |base: &'static str| -> Vec<(&'static str, &'static str)> {
        let js: &'static str = Box::leak(format!("{base}.js").into_boxed_str());
        let wxml: &'static str = Box::leak(format!("{base}.wxml").into_boxed_str());
        let json: &'static str = Box::leak(format!("{base}.json").into_boxed_str());
        vec![(js, "Component({})"), (wxml, "<view/>"), (json, r#"{"component": true}"#)]
    };
    let mut files = vec![(
        "pages/index/index.json",
        r#"{"usingComponents": {"card": "../../components/card/card", "npm-button": "vant/button", "dir": "/components/dir", "plugin": "plugin://myPlugin/comp"}}"#,
    )];
    files.extend(component("components/card/card"));
    files.extend(component("miniprogram_npm/vant/button/index"));
    files.extend(component("components/dir/index"));
    files.push((
        "components/card/card.json",
        r#"{"component": true, "usingComponents": {"badge": "./badge"}}"#,
    ));
    files.retain(|(path, text)| *path != "components/card/card.json" || text.contains("badge"));
    files.extend(component("components/card/badge"));
    let app_json = r#"{"pages": ["pages/index/index"], "usingComponents": {"card": "components/card/card"}}"#;
    files.push(("app.json", app_json));
    assert_clean(&check(&files));

    let report = check(&[
        ("app.json", "{\"pages\": [\"pages/index/index\"],\n\"usingComponents\": {\"gone\": \"/components/gone/gone\"}}"),
        (
            "pages/index/index.json",
            "{\"usingComponents\": {\n  \"plain\": \"../../components/plain/plain\",\n  \"half\": \"/components/half/half\"\n}}",
        ),
        ("components/plain/plain.js", "Component({})"),
        ("components/plain/plain.wxml", "<view/>"),
        ("components/plain/plain.json", "{\"component\": false, \"usingComponents\": {\"x\": \"./x\"}}"),
        ("components/half/half.js", "Component({})"),
    ]);
    assert_diagnostic(&report, codes::COMPONENT_UNRESOLVED, "app.json:2:29");
    assert_diagnostic(&report, codes::COMPONENT_NOT_DECLARED, "pages/index/index.json:2:12");
    assert_diagnostic(&report, codes::COMPONENT_UNRESOLVED, "pages/index/index.json:3:11");
    // The component's own references are followed too.
    assert_diagnostic(&report, codes::COMPONENT_UNRESOLVED, "components/plain/plain.json:1:47");
}

#[test]
fn page_and_component_json_syntax_and_shape() {
    let report =
        check(&[("pages/index/index.json", "{\n  \"navigationBarTitleText\": \"x\"\n  \"oops\": 1\n}")]);
    assert_diagnostic(&report, codes::JSON_SYNTAX, "pages/index/index.json:2:32");
    let report = check(&[("pages/index/index.json", "[]")]);
    assert_diagnostic(&report, codes::PAGE_JSON_INVALID, "pages/index/index.json:1:1");
    let report = check(&[("pages/index/index.json", r#"{"component": "yes", "usingComponents": []}"#)]);
    assert_diagnostic(&report, codes::PAGE_JSON_INVALID, "pages/index/index.json:1:15");
    assert_diagnostic(&report, codes::PAGE_JSON_INVALID, "pages/index/index.json:1:41");
    // Any other JSON file is at least syntax-checked.
    assert_diagnostic(&check(&[("data/cities.json", "{,}")]), codes::JSON_SYNTAX, "data/cities.json:1:2");
}

#[test]
fn required_private_infos_and_permission() {
    let good = r#"{"pages": ["pages/index/index"], "requiredPrivateInfos": ["getLocation", "chooseAddress"], "permission": {"scope.userLocation": {"desc": "Find stores near you"}}}"#;
    assert_clean(&app(good, &[]));

    let bad = "{\"pages\": [\"pages/index/index\"],\n\"requiredPrivateInfos\": [\"getLocation\", \"getPhoneNumber\"],\n\"permission\": {\n  \"scope.camera\": {\"desc\": \"x\"},\n  \"scope.userLocation\": {},\n  \"scope.userFuzzyLocation\": {\"desc\": \"This description goes on far longer than thirty characters\"}\n}}";
    let report = app(bad, &[]);
    assert_diagnostic(&report, codes::APP_JSON_UNKNOWN_PRIVATE_INFO, "app.json:2:41");
    assert_diagnostic(&report, codes::APP_JSON_UNKNOWN_PERMISSION, "app.json:4:3");
    assert_diagnostic(&report, codes::APP_JSON_PERMISSION_DESC, "app.json:5:3");
    assert_diagnostic(&report, codes::APP_JSON_PERMISSION_DESC_TOO_LONG, "app.json:6:39");
    assert_eq!(
        report.diagnostics.iter().find(|d| d.code == codes::APP_JSON_UNKNOWN_PERMISSION).unwrap().severity,
        Severity::Warning
    );
}

#[test]
fn undeclared_location_apis_are_flagged() {
    let script = "Page({ onLoad() {\n  wx.getLocation({});\n  wx.chooseAddress({});\n} })";
    let report = check(&[("pages/index/index.js", script)]);
    assert_diagnostic(&report, codes::PRIVACY_UNDECLARED, "pages/index/index.js:2:3");
    assert_diagnostic(&report, codes::PRIVACY_UNDECLARED, "pages/index/index.js:3:3");
    assert!(report.ok(), "undeclared use is a warning");

    let declared =
        r#"{"pages": ["pages/index/index"], "requiredPrivateInfos": ["getLocation", "chooseAddress"]}"#;
    assert_clean(&app(declared, &[("pages/index/index.js", script)]));
}

#[test]
fn sitemap_location_and_rules() {
    let with_sitemap = |sitemap: &'static str| {
        app(
            r#"{"pages": ["pages/index/index"], "sitemapLocation": "config/sitemap.json"}"#,
            &[("config/sitemap.json", sitemap)],
        )
    };
    assert_clean(&with_sitemap(
        r#"{"desc": "x", "rules": [{"action": "allow", "page": "pages/index/index", "params": ["id"], "matching": "exact", "priority": 1}, {"action": "disallow", "page": "*"}]}"#,
    ));
    let missing = app(r#"{"pages": ["pages/index/index"], "sitemapLocation": "sitemap.json"}"#, &[]);
    assert_diagnostic(&missing, codes::APP_JSON_SITEMAP_MISSING, "app.json:1:53");

    let report = with_sitemap(
        "{\"rules\": [\n{\"action\": \"deny\", \"page\": \"*\"},\n{\"page\": \"pages/none/none\"},\n{\"action\": \"allow\"},\n{\"page\": \"*\", \"params\": [\"id\", 2]},\n{\"page\": \"*\", \"matching\": \"fuzzy\"},\n{\"page\": \"*\", \"priority\": \"high\"},\n{\"page\": \"*\", \"weight\": 1},\n{\"page\": 7}\n]}",
    );
    assert_diagnostic(&report, codes::SITEMAP_ACTION, "config/sitemap.json:2:12");
    assert_diagnostic(&report, codes::SITEMAP_PAGE, "config/sitemap.json:3:10");
    assert_diagnostic(&report, codes::SITEMAP_PAGE, "config/sitemap.json:4:1");
    assert_diagnostic(&report, codes::SITEMAP_PARAMS, "config/sitemap.json:5:25");
    assert_diagnostic(&report, codes::SITEMAP_MATCHING, "config/sitemap.json:6:27");
    assert_diagnostic(&report, codes::SITEMAP_PRIORITY, "config/sitemap.json:7:27");
    assert_diagnostic(&report, codes::SITEMAP_UNKNOWN_FIELD, "config/sitemap.json:8:15");
    assert_diagnostic(&report, codes::SITEMAP_PAGE, "config/sitemap.json:9:10");

    let no_rules = check(&[("sitemap.json", r#"{"desc": "no rules"}"#)]);
    assert_diagnostic(&no_rules, codes::SITEMAP_INVALID, "sitemap.json:1:1");
}

#[test]
fn wxml_is_parsed_by_glass_easel_and_references_must_exist() {
    let report = check(&[("pages/index/index.wxml", "<view>\n  <text>{{ a </text>\n</view>")]);
    assert!(report
        .diagnostics
        .iter()
        .any(|d| d.code == codes::WXML_SYNTAX && d.location.file == "pages/index/index.wxml"));
    let syntax = report.diagnostics.iter().find(|d| d.code == codes::WXML_SYNTAX).unwrap();
    assert_eq!(syntax.location.line, 2, "{syntax}");

    let report = check(&[
        (
            "pages/index/index.wxml",
            "<import src=\"../../tpl/item.wxml\"/>\n<import src=\"/tpl/none.wxml\"/>\n<include src=\"../../tpl/header\"/>\n<wxs src=\"./fmt.wxs\" module=\"fmt\"/>\n<wxs src=\"./none.wxs\" module=\"none\"/>\n<view/>",
        ),
        ("tpl/item.wxml", "<template name=\"item\"><text>{{title}}</text></template>"),
        ("tpl/header.wxml", "<view>header</view>"),
        ("pages/index/fmt.wxs", "module.exports = {};"),
    ]);
    assert_diagnostic(&report, codes::WXML_IMPORT_MISSING, "pages/index/index.wxml:2:14");
    assert_diagnostic(&report, codes::WXML_WXS_MISSING, "pages/index/index.wxml:5:11");
    assert_eq!(report.errors().count(), 2, "{:#?}", report.diagnostics);
}

#[test]
fn wxss_is_parsed_by_glass_easel() {
    assert_clean(&check(&[(
        "app.wxss",
        ".a { color: red; }\n@media (min-width: 100px) { .b { margin: 1rpx } }",
    )]));
    let report = check(&[("app.wxss", ".a {\n  color: red;\n}\n}\n")]);
    assert_diagnostic(&report, codes::WXSS_SYNTAX, "app.wxss:4:1");
}

#[test]
fn scripts_are_parsed_by_oxc() {
    let report = check(&[("pages/index/index.js", "Page({\n  onLoad() {\n    let = ;\n  }\n})")]);
    assert_diagnostic(&report, codes::JS_SYNTAX, "pages/index/index.js:3:11");
    assert_clean(&check(&[
        ("pages/index/index.js", "import { x } from './x';\nexport const y = x?.z ?? 1;\nPage({});"),
        ("pages/index/x.js", "module.exports = { x: 1 };"),
        (
            "utils/typed.ts",
            "interface A { b: number }\nexport const a: A = { b: 1 };\nconst c = <T,>(t: T): T => t;",
        ),
        ("types/wx.d.ts", "declare const wx: any;"),
    ]));
}

#[test]
fn the_scan_reports_wx_apis_privacy_and_dynamic_access() {
    let script = "\
const api = wx;
const { getWeRunData, ['chooseContact']: pick, [name]: other } = wx;
if (typeof wx !== 'undefined') {
  wx.showToast({ title: 'x' });
  wx['chooseMedia']({});
  wx[`getClipboardData`]({});
  wx[name]({});
  promisify(wx).then(() => 1);
  wx.authorize({ scope: 'scope.camera' });
  wx.getRecorderManager().start();
  other.wx.getLocation();
}
Page({});";
    let report = check(&[
        ("pages/index/index.js", script),
        (
            "pages/index/index.wxml",
            "<camera/>\n<input type=\"nickname\"/>\n<button open-type=\"{{dyn}}\">x</button>",
        ),
    ]);
    let apis: Vec<(&str, String)> =
        report.api_uses.iter().map(|u| (u.name.as_str(), u.locations[0].to_string())).collect();
    let expected: Vec<(&str, String)> = [
        ("wx.authorize", "9:3"),
        ("wx.chooseContact", "2:23"),
        ("wx.chooseMedia", "5:3"),
        ("wx.getClipboardData", "6:3"),
        ("wx.getRecorderManager", "10:3"),
        ("wx.getWeRunData", "2:9"),
        ("wx.showToast", "4:3"),
    ]
    .iter()
    .map(|(name, at)| (*name, format!("pages/index/index.js:{at}")))
    .collect();
    assert_eq!(apis, expected);

    let privacy: Vec<(&str, PrivacyCategory)> =
        report.privacy_uses.iter().map(|u| (u.api.as_str(), u.category)).collect();
    assert_eq!(
        privacy,
        [
            ("<input type=\"nickname\">", PrivacyCategory::UserInfo),
            ("<camera>", PrivacyCategory::Camera),
            ("wx.authorize(scope.camera)", PrivacyCategory::Camera),
            ("wx.chooseMedia", PrivacyCategory::Album),
            ("wx.getRecorderManager", PrivacyCategory::Microphone),
            ("wx.getClipboardData", PrivacyCategory::Clipboard),
            ("wx.chooseContact", PrivacyCategory::Contacts),
            ("wx.getWeRunData", PrivacyCategory::WeRun),
        ]
    );
    assert_eq!(report.privacy_uses[1].locations[0].to_string(), "pages/index/index.wxml:1:2");

    let dynamic: Vec<(DynamicKind, String, &str)> =
        report.dynamic_calls.iter().map(|d| (d.kind, d.location.to_string(), d.snippet.as_str())).collect();
    assert_eq!(
        dynamic,
        [
            (DynamicKind::Alias, "pages/index/index.js:1:13".into(), "wx"),
            (DynamicKind::Computed, "pages/index/index.js:2:48".into(), "[name]: other"),
            (DynamicKind::Computed, "pages/index/index.js:7:3".into(), "wx[name]"),
            (DynamicKind::Alias, "pages/index/index.js:8:13".into(), "wx"),
        ]
    );
    assert_eq!(
        report.privacy_keys(),
        ["Album", "Camera", "Clipboard", "Contact", "Record", "RunData", "UserInfo"]
    );
}

#[test]
fn package_sizes_are_checked_per_package_and_in_total() {
    let limits = Limits {
        main_package_bytes: 150,
        subpackage_bytes: 60,
        total_package_bytes: 200,
        ..Limits::default()
    };
    let report = check_with(
        limits,
        &[
            ("app.json", "{\"pages\": [\"pages/index/index\"],\n\"subpackages\": [{\"root\": \"sub\", \"pages\": [\"p\"]}]}"),
            ("sub/p.js", "Page({ data: { text: 'a subpackage page that is a bit too long' } })"),
            ("sub/p.wxml", "<view/>"),
            ("assets/blob.txt", "0123456789012345678901234567890123456789012345678901234567890123456789"),
        ],
    );
    assert_diagnostic(&report, codes::SIZE_MAIN_PACKAGE, "app.json:1:1");
    assert_diagnostic(&report, codes::SIZE_SUBPACKAGE, "app.json:2:26");
    assert_diagnostic(&report, codes::SIZE_TOTAL, "app.json:1:1");
    let main = &report.package_sizes[0];
    assert_eq!((main.name.as_str(), main.limit), ("__APP__", 150));
    assert_eq!(report.package_sizes.iter().map(|s| s.bytes).sum::<u64>(), report.total_bytes);
}

#[test]
fn text_files_must_be_utf8_and_not_absurdly_nested() {
    let files = [
        (PackagePath::parse("app.json").unwrap(), br#"{"pages": ["pages/index/index"]}"#.to_vec()),
        (PackagePath::parse("pages/index/index.js").unwrap(), b"Page({})".to_vec()),
        (PackagePath::parse("pages/index/index.wxml").unwrap(), b"<view>\n caf\xe9</view>".to_vec()),
    ];
    let report = validate(&Package::from_files(files, Limits::default()).unwrap());
    assert_diagnostic(&report, codes::FILE_NOT_UTF8, "pages/index/index.wxml:2:5");

    let deep: &'static str =
        Box::leak(format!("x = {}1{};", "(".repeat(5000), ")".repeat(5000)).into_boxed_str());
    let report = check(&[("pages/index/deep.js", deep)]);
    assert_diagnostic(&report, codes::NESTING_TOO_DEEP, "pages/index/deep.js:1:1005");
}

#[test]
fn limits_deserialise_with_defaults() {
    let limits: Limits = serde_json::from_str(r#"{"main_package_bytes": 4194304}"#).unwrap();
    assert_eq!(limits.main_package_bytes, 4 * 1024 * 1024);
    assert_eq!(limits.subpackage_bytes, 2 * 1024 * 1024);
    assert_eq!(limits.total_package_bytes, 20 * 1024 * 1024);
    assert!(serde_json::from_str::<Limits>(r#"{"main_package": 1}"#).is_err());
}

/// Nesting without brackets recurses in the parsers as deep as the file is long; validation
/// must survive the longest file the limits allow rather than overflow its stack.
#[test]
fn deep_nesting_without_brackets_does_not_overflow() {
    let limits = Limits::default();
    let budget = usize::try_from(limits.max_file_bytes).unwrap() - 64;
    let arrows = format!("module.exports = {}a;", "a=>".repeat(budget / 3 - 10));
    let nots = format!("var x = {}1;", "!".repeat(budget - 20));
    let ternaries = format!("var y = {}0;", "a?b:".repeat(budget / 4 - 10));
    for script in [arrows, nots, ternaries] {
        let text: &'static str = Box::leak(script.into_boxed_str());
        let report = check_with(limits.clone(), &[("pages/index/index.js", text)]);
        // Whatever the parser makes of it, the process is still here and the report names the file.
        assert!(report.files.iter().any(|f| f.path == "pages/index/index.js"));
    }
}

/// A template the fuzzer found that makes the glass-easel parser panic: validation reports it
/// on the file instead of failing the upload (or the server).
#[test]
fn a_panicking_template_parser_becomes_a_diagnostic() {
    let input = include_bytes!("corpus/regressions/glass-easel-expr-panic.bin");
    let mut parts = input.split(|&b| b == 0);
    let (Some(path), Some(content)) = (parts.next(), parts.next()) else { panic!("path\\0content") };
    let path: &'static str = Box::leak(String::from_utf8(path.to_vec()).unwrap().into_boxed_str());
    let content: &'static str = Box::leak(String::from_utf8_lossy(content).into_owned().into_boxed_str());
    let report = check(&[(path, content)]);
    let failed = report.diagnostics.iter().find(|d| d.code == codes::PARSER_FAILED);
    assert!(failed.is_some_and(|d| d.location.file == path), "{:?}", report.diagnostics);
}

#[test]
fn a_large_package_gets_the_same_report_however_the_work_is_shared() {
    // Over the size checked on several threads, with findings of every kind in many files.
    let mut owned: Vec<(String, String)> = Vec::new();
    let mut pages = Vec::new();
    for i in 0..40 {
        let page = format!("pages/p{i}/p{i}");
        let filler = "// filler so that the package is large enough\n".repeat(200);
        let broken = if i % 7 == 0 { "Page({" } else { "Page({})" };
        let script =
            format!("{filler}wx.getLocation({{}});\nwx['x' + {i}]();\nwx.request({{}});\n{broken}\n");
        owned.push((format!("{page}.js"), script));
        let template =
            if i % 5 == 0 { "<button open-type=\"getPhoneNumber\">{{ a </button>" } else { "<view></view>" };
        owned.push((format!("{page}.wxml"), template.to_owned()));
        owned.push((format!("{page}.wxss"), if i % 6 == 0 { ".a {".into() } else { ".a {}".into() }));
        owned.push((format!("{page}.json"), if i % 4 == 0 { "{,}".into() } else { "{}".into() }));
        pages.push(format!("\"{page}\""));
    }
    owned.push(("app.json".into(), format!("{{\"pages\": [{}]}}", pages.join(", "))));
    let files: Vec<(&str, &str)> = owned.iter().map(|(path, text)| (path.as_str(), text.as_str())).collect();
    let package = package_with(Limits::default(), &files);
    assert!(package.total_bytes() > 256 * 1024);

    let first = validate(&package);
    for code in [codes::JS_SYNTAX, codes::WXML_SYNTAX, codes::WXSS_SYNTAX, codes::JSON_SYNTAX] {
        assert!(first.diagnostics.iter().filter(|d| d.code == code).count() > 1, "{code}");
    }
    assert!(first.dynamic_calls.len() > 30 && first.privacy_uses.len() == 2);
    for _ in 0..5 {
        assert_eq!(validate(&package), first);
    }
}

#[test]
fn urls_passed_to_network_apis_are_recorded() {
    let script = r#"const base = 'https://api.shop.example';
wx.request({ url: 'https://api.shop.example/items', method: 'GET' });
wx['uploadFile']({ url: `https://up.shop.example/put`, filePath: p });
wx.downloadFile({ url: base + '/file' });
wx.connectSocket({ url: 'wss://ws.shop.example' });
wx.request(options);
wx.showToast({ url: 'https://not.network.example' });
Page({})"#;
    let report = check(&[("pages/index/index.js", script)]);
    assert_clean(&report);
    let urls: Vec<(&str, Option<&str>, String)> = report
        .network_urls
        .iter()
        .map(|u| (u.api.as_str(), u.url.as_deref(), u.location.to_string()))
        .collect();
    assert_eq!(
        urls,
        [
            ("wx.request", Some("https://api.shop.example/items"), "pages/index/index.js:2:19".into()),
            ("wx.uploadFile", Some("https://up.shop.example/put"), "pages/index/index.js:3:25".into()),
            ("wx.downloadFile", None, "pages/index/index.js:4:24".into()),
            ("wx.connectSocket", Some("wss://ws.shop.example"), "pages/index/index.js:5:25".into()),
            ("wx.request", None, "pages/index/index.js:6:1".into()),
        ]
    );
    let json = serde_json::to_value(&report.network_urls[0]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"api": "wx.request", "url": "https://api.shop.example/items",
            "file": "pages/index/index.js", "line": 2, "column": 19})
    );
}

#[test]
fn reports_stored_before_network_urls_still_read() {
    let mut stored = serde_json::to_value(check(&[])).unwrap();
    stored.as_object_mut().unwrap().remove("network_urls");
    let report: Report = serde_json::from_value(stored).unwrap();
    assert!(report.network_urls.is_empty());
}
