//! `app.json` (spec §13.2): pages and their files, `entryPagePath`, subpackages, tabBar,
//! `requiredPrivateInfos`, `permission`, `sitemapLocation`; its `usingComponents` are read here
//! and resolved in [`super::components`].

use std::collections::HashSet;

use jsonc_parser::ast::{Object, Value};

use super::{component_refs, ComponentRef, JsonFields, Validation};
use crate::codes;
use crate::path::PackagePath;
use crate::privacy::REQUIRED_PRIVATE_INFOS;
use crate::report::Location;

pub(crate) const APP_JSON: &str = "app.json";

/// Fields `app.json` may have (spec §13.2 and the framework configuration reference).
const KNOWN_FIELDS: &[&str] = &[
    "pages",
    "entryPagePath",
    "window",
    "tabBar",
    "networkTimeout",
    "subpackages",
    "subPackages",
    "preloadRule",
    "plugins",
    "requiredPrivateInfos",
    "permission",
    "requiredBackgroundModes",
    "sitemapLocation",
    "debug",
    "functionalPages",
    "workers",
    "resizable",
    "usingComponents",
    "componentPlaceholder",
    "style",
    "useExtendedLib",
    "entranceDeclare",
    "darkmode",
    "themeLocation",
    "lazyCodeLoading",
    "singlePage",
    "embeddedAppIdList",
    "navigateToMiniProgramAppIdList",
    "halfPage",
    "debugOptions",
    "enablePassiveEvent",
    "resolveAlias",
    "renderer",
    "rendererOptions",
    "componentFramework",
    "chatTools",
    "convertRpxToVw",
    "supportedMaterials",
    "serviceProviderTicket",
    "miniApp",
    "static",
    "cloud",
    "__usePrivacyCheck__",
];

/// `permission` scopes WeChat documents.
const PERMISSION_SCOPES: &[&str] =
    &["scope.userLocation", "scope.userFuzzyLocation", "scope.userLocationBackground"];

/// Longest `permission.*.desc`, in characters.
const PERMISSION_DESC_CHARS: usize = 30;

/// A page: full path from the package root, without extension.
pub(crate) struct Page {
    pub path: String,
    pub location: Location,
}

pub(crate) struct Subpackage {
    /// Normalised root directory, without trailing `/`.
    pub root: String,
    pub name: Option<String>,
    /// Where the root is declared.
    pub location: Location,
    pub pages: Vec<Page>,
}

/// What the rest of validation needs from `app.json`.
pub(crate) struct AppConfig {
    pub pages: Vec<Page>,
    pub subpackages: Vec<Subpackage>,
    pub using_components: Vec<ComponentRef>,
    pub required_private_infos: Vec<String>,
    /// The sitemap file `sitemapLocation` names, if it exists.
    pub sitemap: Option<String>,
}

impl AppConfig {
    /// Every page of every package.
    pub fn all_pages(&self) -> impl Iterator<Item = &Page> {
        self.pages.iter().chain(self.subpackages.iter().flat_map(|s| s.pages.iter()))
    }
}

/// Checks `app.json` and returns what it declares, or `None` when it is missing or unreadable.
pub(crate) fn check(v: &mut Validation<'_>) -> Option<AppConfig> {
    if !v.package.contains(APP_JSON) {
        v.error(
            codes::APP_JSON_MISSING,
            Location::new(APP_JSON, 1, 1),
            "app.json is missing from the package root",
        );
        return None;
    }
    let source = v.source_at(APP_JSON)?;
    let value = v.json(&source)?;
    let fields = JsonFields { source: &source, code: codes::APP_JSON_INVALID };
    let object = fields.object(v, &value, "app.json")?;

    for property in &object.properties {
        let name = property.name.as_str();
        if !KNOWN_FIELDS.contains(&name) {
            let location = source.location(property.range.start);
            v.warning(codes::APP_JSON_UNKNOWN_FIELD, location, format!("app.json has no field \"{name}\""));
        }
    }

    let mut config = AppConfig {
        pages: Vec::new(),
        subpackages: Vec::new(),
        using_components: Vec::new(),
        required_private_infos: Vec::new(),
        sitemap: None,
    };
    config.pages = check_pages(v, &fields, object);
    config.subpackages = check_subpackages(v, &fields, object);
    check_overlaps(v, &config);
    let all_pages: HashSet<&str> = config.all_pages().map(|p| p.path.as_str()).collect();

    if let Some(entry) = object.get("entryPagePath") {
        if let Some(path) = fields.string(v, &entry.value, "entryPagePath") {
            if !all_pages.contains(path.trim_start_matches('/')) {
                let message = format!("entryPagePath \"{path}\" is not one of the pages");
                v.error(codes::APP_JSON_ENTRY_PAGE_MISSING, fields.at(&entry.value), message);
            }
        }
    }
    if let Some(tab_bar) = object.get("tabBar") {
        check_tab_bar(v, &fields, &tab_bar.value, &config);
    }
    if let Some(using) = object.get("usingComponents") {
        config.using_components = component_refs(v, &fields, &using.value);
    }
    if let Some(infos) = object.get("requiredPrivateInfos") {
        for (info, location) in fields.strings(v, &infos.value, "requiredPrivateInfos") {
            if !REQUIRED_PRIVATE_INFOS.contains(&info.as_str()) {
                let message = format!(
                    "\"{info}\" is not a requiredPrivateInfos value (allowed: {})",
                    REQUIRED_PRIVATE_INFOS.join(", ")
                );
                v.error(codes::APP_JSON_UNKNOWN_PRIVATE_INFO, location, message);
            }
            config.required_private_infos.push(info);
        }
    }
    if let Some(permission) = object.get("permission") {
        check_permission(v, &fields, &permission.value);
    }
    if let Some(sitemap) = object.get("sitemapLocation") {
        if let Some(path) = fields.string(v, &sitemap.value, "sitemapLocation") {
            match PackagePath::resolve("", path).filter(|p| v.package.contains(p.as_str())) {
                Some(path) => config.sitemap = Some(path.to_string()),
                None => {
                    let message = format!("sitemapLocation \"{path}\" names no file in the package");
                    v.error(codes::APP_JSON_SITEMAP_MISSING, fields.at(&sitemap.value), message);
                }
            }
        }
    }
    Some(config)
}

/// `pages`: required, non-empty, each with its files.
fn check_pages(v: &mut Validation<'_>, fields: &JsonFields<'_, '_>, object: &Object<'_>) -> Vec<Page> {
    let Some(pages) = object.get("pages") else {
        v.error(codes::APP_JSON_NO_PAGES, fields.source.start(), "app.json must list its pages in \"pages\"");
        return Vec::new();
    };
    let listed = fields.strings(v, &pages.value, "pages");
    if listed.is_empty() && matches!(pages.value, Value::Array(_)) {
        v.error(codes::APP_JSON_NO_PAGES, fields.at(&pages.value), "\"pages\" must list at least one page");
    }
    page_list(v, "", listed)
}

/// Checks page paths (relative to `root`) and their files; returns the valid ones.
fn page_list(v: &mut Validation<'_>, root: &str, listed: Vec<(String, Location)>) -> Vec<Page> {
    let mut seen = HashSet::new();
    let mut pages = Vec::new();
    for (page, location) in listed {
        let Some(path) = page_path(v, root, &page, &location) else { continue };
        if !seen.insert(path.clone()) {
            v.warning(codes::APP_JSON_PAGE_DUPLICATE, location, format!("page \"{page}\" is listed twice"));
            continue;
        }
        check_page_files(v, &path, &location);
        pages.push(Page { path, location });
    }
    pages
}

/// A listed page's full path, or an error if it is not a bare relative path.
fn page_path(v: &mut Validation<'_>, root: &str, page: &str, location: &Location) -> Option<String> {
    let problem = if page.starts_with('/') {
        Some("must not start with \"/\"")
    } else if [".js", ".ts", ".wxml", ".wxss", ".json"].iter().any(|ext| page.ends_with(ext)) {
        Some("must not have a file extension")
    } else if page.split('/').any(|segment| segment == ".." || segment == ".") {
        Some("must not contain \".\" or \"..\"")
    } else {
        None
    };
    let full = if root.is_empty() { page.to_owned() } else { format!("{root}/{page}") };
    match (problem, PackagePath::parse(&full)) {
        (None, Ok(path)) => Some(path.to_string()),
        (Some(problem), _) => {
            v.error(codes::APP_JSON_PAGE_INVALID, location.clone(), format!("page \"{page}\" {problem}"));
            None
        }
        (None, Err(reason)) => {
            v.error(codes::APP_JSON_PAGE_INVALID, location.clone(), format!("page \"{page}\": {reason}"));
            None
        }
    }
}

/// A page needs `.js` or `.ts` and `.wxml`; `.json` and `.wxss` are optional.
pub(crate) fn check_page_files(v: &mut Validation<'_>, page: &str, location: &Location) {
    let package = v.package;
    let script = package.contains(&format!("{page}.js")) || package.contains(&format!("{page}.ts"));
    let template = package.contains(&format!("{page}.wxml"));
    let (code, message) = match (script, template) {
        (true, true) => return,
        (false, false) => {
            (codes::APP_JSON_PAGE_MISSING, format!("page \"{page}\" has no {page}.js/.ts nor {page}.wxml"))
        }
        (false, true) => {
            (codes::APP_JSON_PAGE_SCRIPT_MISSING, format!("page \"{page}\" has no {page}.js or {page}.ts"))
        }
        (true, false) => {
            (codes::APP_JSON_PAGE_TEMPLATE_MISSING, format!("page \"{page}\" has no {page}.wxml"))
        }
    };
    v.error(code, location.clone(), message);
}

/// `subpackages` (or its alias `subPackages`): roots that exist, pages inside them.
fn check_subpackages(
    v: &mut Validation<'_>,
    fields: &JsonFields<'_, '_>,
    object: &Object<'_>,
) -> Vec<Subpackage> {
    let lower = object.get("subpackages");
    let upper = object.get("subPackages");
    if let (Some(_), Some(second)) = (lower, upper) {
        let message = "both \"subpackages\" and \"subPackages\" are present; use one";
        v.error(codes::APP_JSON_SUBPACKAGES_TWICE, fields.source.location(second.range.start), message);
    }
    let Some(property) = lower.or(upper) else { return Vec::new() };
    let Value::Array(array) = &property.value else {
        let message = "subpackages must be an array of objects";
        v.error(codes::APP_JSON_INVALID, fields.at(&property.value), message);
        return Vec::new();
    };
    let mut subpackages = Vec::new();
    let mut names = HashSet::new();
    for element in &array.elements {
        let Some(sub) = fields.object(v, element, "each subpackage") else { continue };
        let Some(root_value) = sub.get("root") else {
            v.error(codes::APP_JSON_INVALID, fields.at(element), "a subpackage needs a \"root\"");
            continue;
        };
        let Some(raw_root) = fields.string(v, &root_value.value, "root") else { continue };
        let location = fields.at(&root_value.value);
        let root = match PackagePath::parse(raw_root) {
            Ok(root) if !raw_root.starts_with('/') => root.to_string(),
            Ok(_) | Err(_) => {
                let message =
                    format!("subpackage root \"{raw_root}\" must be a relative directory inside the package");
                v.error(codes::APP_JSON_INVALID, location, message);
                continue;
            }
        };
        if !v.package.has_dir(&root) {
            let message = format!("subpackage root \"{raw_root}\" holds no files");
            v.error(codes::APP_JSON_SUBPACKAGE_ROOT_MISSING, location.clone(), message);
        }
        let name = sub.get("name").and_then(|n| fields.string(v, &n.value, "name")).map(str::to_owned);
        if let Some(name) = &name {
            if !names.insert(name.clone()) {
                let message = format!("two subpackages are named \"{name}\"");
                v.error(codes::APP_JSON_SUBPACKAGE_NAME_DUPLICATE, location.clone(), message);
            }
        }
        if let Some(independent) = sub.get("independent") {
            fields.boolean(v, &independent.value, "independent");
        }
        let listed = match sub.get("pages") {
            Some(pages) => fields.strings(v, &pages.value, "subpackage pages"),
            None => {
                v.error(codes::APP_JSON_INVALID, location.clone(), "a subpackage needs \"pages\"");
                Vec::new()
            }
        };
        let pages = page_list(v, &root, listed);
        subpackages.push(Subpackage { root, name, location, pages });
    }
    subpackages
}

/// Subpackage roots may not nest, and main-package pages may not live under them.
fn check_overlaps(v: &mut Validation<'_>, config: &AppConfig) {
    for (i, sub) in config.subpackages.iter().enumerate() {
        for other in &config.subpackages[..i] {
            let nested =
                sub.root == other.root || under(&sub.root, &other.root) || under(&other.root, &sub.root);
            if nested {
                let message = format!("subpackage root \"{}\" overlaps \"{}\"", sub.root, other.root);
                v.error(codes::APP_JSON_SUBPACKAGE_ROOT_NESTED, sub.location.clone(), message);
            }
        }
        for page in &config.pages {
            if under(&page.path, &sub.root) {
                let message = format!(
                    "main-package page \"{}\" lies under subpackage root \"{}\"",
                    page.path, sub.root
                );
                v.error(codes::APP_JSON_PAGE_IN_SUBPACKAGE_ROOT, page.location.clone(), message);
            }
        }
    }
}

fn under(path: &str, dir: &str) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

/// `tabBar`: 2–5 items on main-package pages, with local icons within the size limit.
fn check_tab_bar(v: &mut Validation<'_>, fields: &JsonFields<'_, '_>, value: &Value<'_>, config: &AppConfig) {
    let Some(tab_bar) = fields.object(v, value, "tabBar") else { return };
    let Some(list) = tab_bar.get("list") else {
        v.error(codes::APP_JSON_INVALID, fields.at(value), "tabBar needs a \"list\" of 2 to 5 items");
        return;
    };
    let Value::Array(items) = &list.value else {
        v.error(codes::APP_JSON_INVALID, fields.at(&list.value), "tabBar.list must be an array");
        return;
    };
    if !(2..=5).contains(&items.elements.len()) {
        let message = format!("tabBar.list has {} items; it must have 2 to 5", items.elements.len());
        v.error(codes::APP_JSON_TABBAR_LIST_SIZE, fields.at(&list.value), message);
    }
    let main_pages: HashSet<&str> = config.pages.iter().map(|p| p.path.as_str()).collect();
    for item in &items.elements {
        let Some(item) = fields.object(v, item, "each tabBar item") else { continue };
        match item.get("pagePath") {
            Some(page) => {
                if let Some(path) = fields.string(v, &page.value, "pagePath") {
                    if !main_pages.contains(path.trim_start_matches('/')) {
                        let message = format!("tabBar pagePath \"{path}\" is not a page of the main package");
                        v.error(codes::APP_JSON_TABBAR_PAGE_MISSING, fields.at(&page.value), message);
                    }
                }
            }
            None => {
                let location = fields.source.location(item.range.start);
                v.error(codes::APP_JSON_INVALID, location, "each tabBar item needs a \"pagePath\"");
            }
        }
        if let Some(text) = item.get("text") {
            fields.string(v, &text.value, "text");
        }
        for key in ["iconPath", "selectedIconPath"] {
            if let Some(icon) = item.get(key) {
                if let Some(path) = fields.string(v, &icon.value, key) {
                    check_icon(v, path, fields.at(&icon.value));
                }
            }
        }
    }
}

fn check_icon(v: &mut Validation<'_>, icon: &str, location: Location) {
    if icon.is_empty() {
        return;
    }
    let limit = v.package.limits().tab_bar_icon_bytes;
    let found =
        PackagePath::resolve("", icon).and_then(|path| v.package.get(path.as_str()).map(|b| b.len() as u64));
    match found {
        None if icon.contains("://") => {
            let message =
                format!("tabBar icon \"{icon}\" is a network image; icons must be files in the package");
            v.error(codes::APP_JSON_TABBAR_ICON_MISSING, location, message);
        }
        None => {
            let message = format!("tabBar icon \"{icon}\" names no file in the package");
            v.error(codes::APP_JSON_TABBAR_ICON_MISSING, location, message);
        }
        Some(size) if size > limit => {
            let message = format!("tabBar icon \"{icon}\" is {size} bytes, over the limit of {limit}");
            v.error(codes::APP_JSON_TABBAR_ICON_TOO_LARGE, location, message);
        }
        Some(_) => {}
    }
}

/// `permission`: known scopes, each with a short `desc`.
fn check_permission(v: &mut Validation<'_>, fields: &JsonFields<'_, '_>, value: &Value<'_>) {
    let Some(permission) = fields.object(v, value, "permission") else { return };
    for property in &permission.properties {
        let scope = property.name.as_str();
        let location = fields.source.location(property.range.start);
        if !PERMISSION_SCOPES.contains(&scope) {
            let message = format!("\"{scope}\" is not a permission scope app.json can describe");
            v.warning(codes::APP_JSON_UNKNOWN_PERMISSION, location.clone(), message);
        }
        let desc = match &property.value {
            Value::Object(object) => object.get("desc").map(|d| &d.value),
            _ => None,
        };
        match desc {
            Some(Value::StringLit(desc)) => {
                let chars = desc.value.chars().count();
                if chars > PERMISSION_DESC_CHARS {
                    let message = format!(
                        "permission[\"{scope}\"].desc is {chars} characters; WeChat shows at most {PERMISSION_DESC_CHARS}"
                    );
                    v.warning(
                        codes::APP_JSON_PERMISSION_DESC_TOO_LONG,
                        fields.source.location(desc.range.start),
                        message,
                    );
                }
            }
            _ => {
                let message = format!("permission[\"{scope}\"] needs a \"desc\" string saying why");
                v.error(codes::APP_JSON_PERMISSION_DESC, location, message);
            }
        }
    }
}

/// Location and address APIs the code calls must be declared in `requiredPrivateInfos`
/// (spec §6.5); WeChat refuses undeclared use at review (61040).
pub(crate) fn check_private_infos_declared(v: &mut Validation<'_>, config: &AppConfig) {
    for info in REQUIRED_PRIVATE_INFOS {
        if config.required_private_infos.iter().any(|declared| declared == info) {
            continue;
        }
        if let Some(first) = v.first_api_use(&format!("wx.{info}")).cloned() {
            let message = format!("wx.{info} is used but not declared in app.json requiredPrivateInfos");
            v.warning(codes::PRIVACY_UNDECLARED, first, message);
        }
    }
}
