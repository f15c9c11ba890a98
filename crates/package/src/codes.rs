//! The stable catalogue of diagnostic codes in a [`crate::Report`]. Codes are part of the stored
//! report and of what developers see: add new ones, never rename or reuse one.
//! (Ingest refusals have their own codes, from [`crate::IngestError::code`].)

// Files in general.
/// A text file (`.json`, `.js`, `.ts`, `.wxml`, `.wxss`, `.wxs`) is not UTF-8.
pub const FILE_NOT_UTF8: &str = "file.not_utf8";
/// A `.json` file is not valid JSON.
pub const JSON_SYNTAX: &str = "json.syntax";

// app.json.
/// `app.json` is missing at the package root.
pub const APP_JSON_MISSING: &str = "app_json.missing";
/// A field of `app.json` has the wrong type or shape.
pub const APP_JSON_INVALID: &str = "app_json.invalid";
/// A field `app.json` does not define (warning).
pub const APP_JSON_UNKNOWN_FIELD: &str = "app_json.unknown_field";
/// `pages` is missing or empty.
pub const APP_JSON_NO_PAGES: &str = "app_json.no_pages";
/// A page is listed twice (warning).
pub const APP_JSON_PAGE_DUPLICATE: &str = "app_json.page_duplicate";
/// A page path is malformed (extension, leading `/`, `..`).
pub const APP_JSON_PAGE_INVALID: &str = "app_json.page_invalid";
/// A listed page has neither its script nor its template.
pub const APP_JSON_PAGE_MISSING: &str = "app_json.page_missing";
/// A page has a template but no `.js` / `.ts`.
pub const APP_JSON_PAGE_SCRIPT_MISSING: &str = "app_json.page_script_missing";
/// A page has a script but no `.wxml`.
pub const APP_JSON_PAGE_TEMPLATE_MISSING: &str = "app_json.page_template_missing";
/// `entryPagePath` is not one of the pages.
pub const APP_JSON_ENTRY_PAGE_MISSING: &str = "app_json.entry_page_missing";
/// Both `subpackages` and `subPackages` are present.
pub const APP_JSON_SUBPACKAGES_TWICE: &str = "app_json.subpackages_twice";
/// A subpackage root has no files.
pub const APP_JSON_SUBPACKAGE_ROOT_MISSING: &str = "app_json.subpackage_root_missing";
/// A subpackage root lies inside another one.
pub const APP_JSON_SUBPACKAGE_ROOT_NESTED: &str = "app_json.subpackage_root_nested";
/// A main-package page lies under a subpackage root.
pub const APP_JSON_PAGE_IN_SUBPACKAGE_ROOT: &str = "app_json.page_in_subpackage_root";
/// Two subpackages share a `name`.
pub const APP_JSON_SUBPACKAGE_NAME_DUPLICATE: &str = "app_json.subpackage_name_duplicate";
/// `tabBar.list` has fewer than 2 or more than 5 items.
pub const APP_JSON_TABBAR_LIST_SIZE: &str = "app_json.tabbar_list_size";
/// A tab's `pagePath` is not a main-package page.
pub const APP_JSON_TABBAR_PAGE_MISSING: &str = "app_json.tabbar_page_missing";
/// A tab icon does not exist in the package (network images are not allowed).
pub const APP_JSON_TABBAR_ICON_MISSING: &str = "app_json.tabbar_icon_missing";
/// A tab icon is larger than the limit (40 KB by default).
pub const APP_JSON_TABBAR_ICON_TOO_LARGE: &str = "app_json.tabbar_icon_too_large";
/// A `requiredPrivateInfos` value is not one of spec §6.5's.
pub const APP_JSON_UNKNOWN_PRIVATE_INFO: &str = "app_json.unknown_private_info";
/// A `permission` key is not a known scope (warning).
pub const APP_JSON_UNKNOWN_PERMISSION: &str = "app_json.unknown_permission";
/// A `permission` entry lacks its `desc` string.
pub const APP_JSON_PERMISSION_DESC: &str = "app_json.permission_desc";
/// A `permission` `desc` is longer than 30 characters (warning).
pub const APP_JSON_PERMISSION_DESC_TOO_LONG: &str = "app_json.permission_desc_too_long";
/// `sitemapLocation` names a file that does not exist.
pub const APP_JSON_SITEMAP_MISSING: &str = "app_json.sitemap_missing";

// Page and component configuration.
/// A page or component `.json` is not an object or has a field of the wrong type.
pub const PAGE_JSON_INVALID: &str = "page_json.invalid";
/// A `usingComponents` path does not lead to a component's `.js`/`.ts` and `.wxml`.
pub const COMPONENT_UNRESOLVED: &str = "component.unresolved";
/// A `usingComponents` target has no `.json` with `"component": true`.
pub const COMPONENT_NOT_DECLARED: &str = "component.not_declared";

// sitemap.json.
/// The sitemap is not an object with a `rules` array.
pub const SITEMAP_INVALID: &str = "sitemap.invalid";
/// A rule's `action` is neither `allow` nor `disallow`.
pub const SITEMAP_ACTION: &str = "sitemap.action";
/// A rule has no `page`, or it is neither `*` nor a page of the mini program.
pub const SITEMAP_PAGE: &str = "sitemap.page";
/// A rule's `params` is not an array of strings.
pub const SITEMAP_PARAMS: &str = "sitemap.params";
/// A rule's `matching` is not `exact`, `inclusive`, `exclusive` or `partial`.
pub const SITEMAP_MATCHING: &str = "sitemap.matching";
/// A rule's `priority` is not a number.
pub const SITEMAP_PRIORITY: &str = "sitemap.priority";
/// A rule field the sitemap format does not define (warning).
pub const SITEMAP_UNKNOWN_FIELD: &str = "sitemap.unknown_field";

// WXML, WXSS, scripts.
/// glass-easel's template parser reports an error.
pub const WXML_SYNTAX: &str = "wxml.syntax";
/// glass-easel's template parser reports a warning (warning).
pub const WXML_WARNING: &str = "wxml.warning";
/// `<import src>` or `<include src>` names a file that does not exist.
pub const WXML_IMPORT_MISSING: &str = "wxml.import_missing";
/// `<wxs src>` names a file that does not exist.
pub const WXML_WXS_MISSING: &str = "wxml.wxs_missing";
/// glass-easel's stylesheet parser reports an error.
pub const WXSS_SYNTAX: &str = "wxss.syntax";
/// glass-easel's stylesheet parser reports a warning (warning).
pub const WXSS_WARNING: &str = "wxss.warning";
/// oxc cannot parse a `.js` / `.ts` file.
pub const JS_SYNTAX: &str = "js.syntax";
/// A third-party parser failed on a file (a bug to report upstream; the file is not checked).
pub const PARSER_FAILED: &str = "file.parser_failed";
/// The server could not start validation with the stack it needs.
pub const VALIDATION_UNAVAILABLE: &str = "validate.unavailable";
/// A file nests brackets deeper than the parsers are allowed to recurse.
pub const NESTING_TOO_DEEP: &str = "file.nesting_too_deep";

// Privacy.
/// Code calls a location/address API that `requiredPrivateInfos` does not declare (warning;
/// WeChat refuses such code at review with 61040).
pub const PRIVACY_UNDECLARED: &str = "privacy.undeclared_private_info";

// Sizes.
/// The main package is over its limit.
pub const SIZE_MAIN_PACKAGE: &str = "size.main_package";
/// A subpackage is over its limit.
pub const SIZE_SUBPACKAGE: &str = "size.subpackage";
/// All packages together are over the limit.
pub const SIZE_TOTAL: &str = "size.total";
