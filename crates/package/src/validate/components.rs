//! Page and component `.json` files and `usingComponents` resolution: every reference, from
//! `app.json`, a page or a component, must lead to a component (`.js`/`.ts` + `.wxml`, and a
//! `.json` with `"component": true`). Paths may be absolute (`/components/x`), relative
//! (`./x`, `../x`), bare (tried relative, then in `miniprogram_npm` up the tree, then from the
//! root) or `plugin://` references, which belong to plugins and are not checked here.

use std::collections::{HashSet, VecDeque};

use jsonc_parser::ast::Value;

use super::app_json::AppConfig;
use super::{component_refs, ComponentRef, JsonFields, Validation};
use crate::codes;
use crate::path::PackagePath;

pub(crate) fn check(v: &mut Validation<'_>, app: Option<&AppConfig>) {
    let mut queue: VecDeque<String> = VecDeque::new();
    let mut seen: HashSet<String> = HashSet::new();
    if let Some(app) = app {
        for reference in &app.using_components {
            resolve(v, "", reference, &mut queue, &mut seen);
        }
        for page in app.all_pages() {
            let dir = page.path.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
            if let Some(refs) = read_config(v, &page.path, false) {
                for reference in &refs {
                    resolve(v, &dir, reference, &mut queue, &mut seen);
                }
            }
        }
    }
    while let Some(component) = queue.pop_front() {
        let dir = component.rsplit_once('/').map_or("", |(dir, _)| dir).to_owned();
        if let Some(refs) = read_config(v, &component, true) {
            for reference in &refs {
                resolve(v, &dir, reference, &mut queue, &mut seen);
            }
        }
    }
}

/// Reads `<base>.json` of a page or component, returning its `usingComponents`.
fn read_config(v: &mut Validation<'_>, base: &str, component: bool) -> Option<Vec<ComponentRef>> {
    let path = format!("{base}.json");
    if !v.package.contains(&path) {
        return None;
    }
    let source = v.source_at(&path)?;
    let value = v.json(&source)?;
    let fields = JsonFields { source: &source, code: codes::PAGE_JSON_INVALID };
    let what = if component { "a component's .json" } else { "a page's .json" };
    let object = fields.object(v, &value, what)?;
    if let Some(flag) = object.get("component") {
        fields.boolean(v, &flag.value, "component");
    }
    Some(
        object
            .get("usingComponents")
            .map(|using| component_refs(v, &fields, &using.value))
            .unwrap_or_default(),
    )
}

/// Resolves one reference written in a file under `dir`, queueing newly found components.
fn resolve(
    v: &mut Validation<'_>,
    dir: &str,
    reference: &ComponentRef,
    queue: &mut VecDeque<String>,
    seen: &mut HashSet<String>,
) {
    let written = reference.reference.as_str();
    if written.starts_with("plugin://") || written.starts_with("plugin-private://") {
        return;
    }
    let Some(base) = find_component(v, dir, written) else {
        let message = format!(
            "usingComponents[\"{}\"]: \"{written}\" does not lead to a component (.js or .ts and .wxml)",
            reference.tag
        );
        v.error(codes::COMPONENT_UNRESOLVED, reference.location.clone(), message);
        return;
    };
    if !declares_component(v, &base) {
        let message = format!(
            "usingComponents[\"{}\"]: {base}.json must exist and say \"component\": true",
            reference.tag
        );
        v.error(codes::COMPONENT_NOT_DECLARED, reference.location.clone(), message);
    }
    if seen.insert(base.clone()) {
        queue.push_back(base);
    }
}

/// The base path (without extension) of the component a reference leads to.
fn find_component(v: &Validation<'_>, dir: &str, written: &str) -> Option<String> {
    let mut candidates = vec![PackagePath::resolve(dir, written)];
    let explicit = written.starts_with('/') || written.starts_with("./") || written.starts_with("../");
    if !explicit {
        let mut ancestor = Some(dir);
        while let Some(current) = ancestor {
            candidates.push(PackagePath::resolve(current, &format!("miniprogram_npm/{written}")));
            ancestor =
                (!current.is_empty()).then(|| current.rsplit_once('/').map_or("", |(parent, _)| parent));
        }
        candidates.push(PackagePath::resolve("", written));
    }
    let package = v.package;
    let is_component = |base: &str| {
        (package.contains(&format!("{base}.js")) || package.contains(&format!("{base}.ts")))
            && package.contains(&format!("{base}.wxml"))
    };
    candidates.into_iter().flatten().find_map(|candidate| {
        let base = candidate.as_str();
        let index = format!("{base}/index");
        if is_component(base) {
            Some(base.to_owned())
        } else if is_component(&index) {
            Some(index)
        } else {
            None
        }
    })
}

/// Whether `<base>.json` says `"component": true` (syntax errors are reported when the file is
/// read for its own references).
fn declares_component(v: &Validation<'_>, base: &str) -> bool {
    let Some(bytes) = v.package.get(&format!("{base}.json")) else { return false };
    let Ok(text) = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)) else {
        return false;
    };
    let Ok(Value::Object(object)) = crate::json::parse(text) else { return true };
    matches!(object.get("component").map(|c| &c.value), Some(Value::BooleanLit(flag)) if flag.value)
}
