//! `sitemap.json` (spec §13.3): `{"rules": [{action, page, params, matching, priority}]}`. Only
//! the fields are validated here; matching pages against rules belongs to the crawler.

use std::collections::HashSet;

use jsonc_parser::ast::Value;

use super::app_json::AppConfig;
use super::{JsonFields, Validation};
use crate::codes;

const DEFAULT_SITEMAP: &str = "sitemap.json";
const RULE_FIELDS: &[&str] = &["action", "page", "params", "matching", "priority"];
const MATCHINGS: &[&str] = &["exact", "inclusive", "exclusive", "partial"];

pub(crate) fn check(v: &mut Validation<'_>, app: Option<&AppConfig>) {
    let path = match app.and_then(|app| app.sitemap.clone()) {
        Some(path) => path,
        None if v.package.contains(DEFAULT_SITEMAP) => DEFAULT_SITEMAP.to_owned(),
        None => return,
    };
    let pages: HashSet<&str> =
        app.map(|app| app.all_pages().map(|p| p.path.as_str()).collect()).unwrap_or_default();
    let Some(source) = v.source_at(&path) else { return };
    let Some(value) = v.json(&source) else { return };
    let fields = JsonFields { source: &source, code: codes::SITEMAP_INVALID };
    let Some(object) = fields.object(v, &value, "the sitemap") else { return };
    let Some(rules) = object.get("rules") else {
        v.error(codes::SITEMAP_INVALID, source.start(), "the sitemap needs a \"rules\" array");
        return;
    };
    let Value::Array(rules) = &rules.value else {
        v.error(codes::SITEMAP_INVALID, fields.at(&rules.value), "\"rules\" must be an array");
        return;
    };
    for rule in &rules.elements {
        let Some(rule) = fields.object(v, rule, "each sitemap rule") else { continue };
        let rule_location = source.location(rule.range.start);
        for property in &rule.properties {
            let name = property.name.as_str();
            if !RULE_FIELDS.contains(&name) {
                let location = source.location(property.range.start);
                v.warning(
                    codes::SITEMAP_UNKNOWN_FIELD,
                    location,
                    format!("sitemap rules have no field \"{name}\""),
                );
            }
        }
        if let Some(action) = rule.get("action") {
            match &action.value {
                Value::StringLit(s) if s.value == "allow" || s.value == "disallow" => {}
                other => {
                    let message = "action must be \"allow\" or \"disallow\"";
                    v.error(codes::SITEMAP_ACTION, fields.at(other), message);
                }
            }
        }
        match rule.get("page").map(|p| &p.value) {
            Some(Value::StringLit(page)) => {
                let page_path = page.value.trim_start_matches('/');
                if page.value != "*" && !pages.contains(page_path) {
                    let message =
                        format!("page \"{}\" is neither \"*\" nor a page of the mini program", page.value);
                    v.error(codes::SITEMAP_PAGE, source.location(page.range.start), message);
                }
            }
            Some(other) => {
                v.error(codes::SITEMAP_PAGE, fields.at(other), "page must be a string: a page path or \"*\"")
            }
            None => v.error(
                codes::SITEMAP_PAGE,
                rule_location.clone(),
                "each rule needs a \"page\" (a page path or \"*\")",
            ),
        }
        if let Some(params) = rule.get("params") {
            let strings = match &params.value {
                Value::Array(array) => array.elements.iter().all(|e| matches!(e, Value::StringLit(_))),
                _ => false,
            };
            if !strings {
                let message = "params must be an array of parameter names (strings)";
                v.error(codes::SITEMAP_PARAMS, fields.at(&params.value), message);
            }
        }
        if let Some(matching) = rule.get("matching") {
            match &matching.value {
                Value::StringLit(s) if MATCHINGS.contains(&s.value.as_ref()) => {}
                other => {
                    let message = "matching must be \"exact\", \"inclusive\", \"exclusive\" or \"partial\"";
                    v.error(codes::SITEMAP_MATCHING, fields.at(other), message);
                }
            }
        }
        if let Some(priority) = rule.get("priority") {
            if !matches!(priority.value, Value::NumberLit(_)) {
                v.error(codes::SITEMAP_PRIORITY, fields.at(&priority.value), "priority must be a number");
            }
        }
    }
}
