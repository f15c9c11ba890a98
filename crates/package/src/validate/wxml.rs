//! WXML templates, parsed with WeChat's `glass-easel-template-compiler`: its errors and warnings
//! become diagnostics, `<import>` / `<include>` / `<wxs src>` targets must exist, and elements
//! and attributes that hand personal data over (`<camera>`,
//! `<button open-type="getPhoneNumber">`, `<input type="nickname">`, …) are recorded as privacy
//! uses.

use glass_easel_template_compiler::parse::tag::{Element, ElementKind, Node, Script, Value};
use glass_easel_template_compiler::parse::{self, ParseErrorLevel, Position};

use super::Validation;
use crate::codes;
use crate::path::PackagePath;
use crate::privacy::{self, PrivacyCategory};
use crate::text::SourceText;

pub(crate) fn check<'p>(v: &mut Validation<'p>, path: &'p PackagePath, bytes: &'p [u8]) {
    let Some(source) = v.source(path, bytes) else { return };
    // `<` opens a tag and `{` an expression; `</` and `/>` close one (counted via '/'), `}` the other.
    if v.too_deep(&source, b"<{", b"/}") {
        return;
    }
    let Some((template, state)) = v.guarded(&source, "WXML", || parse::parse(path.as_str(), source.text))
    else {
        return;
    };
    for warning in state.warnings() {
        let location = at(&source, warning.location.start);
        let message = warning.kind.to_string();
        match warning.level() {
            ParseErrorLevel::Error | ParseErrorLevel::Fatal => v.error(codes::WXML_SYNTAX, location, message),
            ParseErrorLevel::Warn => v.warning(codes::WXML_WARNING, location, message),
            ParseErrorLevel::Note => {}
        }
    }

    let dir = path.parent();
    let globals = &template.globals;
    let imports = globals.imports.iter().map(|i| (&i.src.name, i.src.location.start));
    let includes = globals.includes.iter().map(|i| (&i.src.name, i.src.location.start));
    for (src, position) in imports.chain(includes) {
        if !exists(v, dir, src, "wxml") {
            let message = format!("\"{src}\" names no template in the package");
            v.error(codes::WXML_IMPORT_MISSING, at(&source, position), message);
        }
    }
    for script in &globals.scripts {
        if let Script::GlobalRef { src, .. } = script {
            if !exists(v, dir, &src.name, "wxs") {
                let message = format!("\"{}\" names no .wxs module in the package", src.name);
                v.error(codes::WXML_WXS_MISSING, at(&source, src.location.start), message);
            }
        }
    }

    let mut scan = PrivacyScan { v, source: &source };
    scan.nodes(&template.content);
    for sub in &globals.sub_templates {
        scan.nodes(&sub.content);
    }
}

fn at(source: &SourceText<'_>, position: Position) -> crate::report::Location {
    source.location_utf16(position.line, position.utf16_col)
}

/// Whether a template reference resolves, with or without its extension written.
fn exists(v: &Validation<'_>, dir: &str, src: &str, extension: &str) -> bool {
    if src.contains("{{") {
        return true; // computed at run time
    }
    let found = |reference: &str| {
        PackagePath::resolve(dir, reference).is_some_and(|p| v.package.contains(p.as_str()))
    };
    found(src) || found(&format!("{src}.{extension}"))
}

struct PrivacyScan<'a, 'v, 'p> {
    v: &'a mut Validation<'p>,
    source: &'a SourceText<'v>,
}

impl PrivacyScan<'_, '_, '_> {
    fn nodes(&mut self, nodes: &[Node]) {
        for node in nodes {
            if let Node::Element(element) = node {
                self.element(element);
            }
        }
    }

    fn element(&mut self, element: &Element) {
        if let ElementKind::Normal { tag_name, attributes, .. } = &element.kind {
            let tag = tag_name.name.as_str();
            for category in privacy::element(tag) {
                let location = at(self.source, tag_name.location.start);
                self.v.privacy_use(format!("<{tag}>"), category, location);
            }
            for attribute in attributes {
                let Some(Value::Static { value, .. }) = &attribute.value else { continue };
                let found: Option<(&str, (PrivacyCategory, &'static str))> =
                    match (tag, attribute.name.name.as_str()) {
                        ("button", "open-type" | "openType") => {
                            privacy::open_type(value).map(|c| ("open-type", c))
                        }
                        ("input", "type") if value.as_str() == "nickname" => {
                            Some(("type", (PrivacyCategory::UserInfo, "UserInfo")))
                        }
                        _ => None,
                    };
                if let Some((name, category)) = found {
                    let api = format!("<{tag} {name}=\"{value}\">");
                    self.v.privacy_use(api, category, at(self.source, attribute.name.location.start));
                }
            }
        }
        for child in element.iter_children() {
            if let Node::Element(child) = child {
                self.element(child);
            }
        }
    }
}
