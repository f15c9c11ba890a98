//! JavaScript and TypeScript, parsed with `oxc_parser`: syntax errors become diagnostics, and an
//! AST walk records every `wx.*` API used (`wx.x`, `wx['x']`, `const { x } = wx`), privacy
//! scopes asked for with `wx.authorize({ scope })`, and the uses of `wx` a static scan cannot
//! follow (`wx[name]`, `wx` passed on as a value).

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, BindingPattern, CallExpression, ComputedMemberExpression, Expression, IdentifierReference,
    ObjectPropertyKind, StaticMemberExpression, UnaryExpression, UnaryOperator, VariableDeclarator,
};
use oxc_ast_visit::{walk, Visit};
use oxc_parser::Parser;
use oxc_span::{GetSpan, SourceType, Span};

use super::Validation;
use crate::codes;
use crate::path::PackagePath;
use crate::privacy;
use crate::report::{DynamicCall, DynamicKind, NetworkUrl};
use crate::text::SourceText;

const SNIPPET_CHARS: usize = 80;
/// The network APIs whose `url` option must be on a configured server domain.
const NETWORK_APIS: [&str; 4] = ["request", "uploadFile", "downloadFile", "connectSocket"];

/// Parses and scans one script; `allocator` is reused across files and reset here.
pub(crate) fn check<'p>(
    v: &mut Validation<'p>,
    allocator: &mut Allocator,
    path: &'p PackagePath,
    bytes: &'p [u8],
) {
    let Some(source) = v.source(path, bytes) else { return };
    if v.too_deep(&source, b"([{", b")]}") {
        return;
    }
    let source_type = match path.extension() {
        _ if path.file_name().ends_with(".d.ts") => SourceType::d_ts(),
        Some("ts") => SourceType::ts(),
        Some("mjs") => SourceType::mjs(),
        Some("cjs") => SourceType::cjs(),
        // Mini program scripts are CommonJS or ES modules depending on the project's settings.
        _ => SourceType::unambiguous(),
    };
    allocator.reset();
    let allocator = &*allocator;
    let Some(parsed) =
        v.guarded(&source, "JavaScript", || Parser::new(allocator, source.text, source_type).parse())
    else {
        return;
    };
    for error in parsed.diagnostics.errors() {
        let offset = error.labels.first().map_or(0, |label| label.offset());
        v.error(codes::JS_SYNTAX, source.location(offset as usize), error.message.to_string());
    }
    if parsed.panicked {
        return;
    }
    let mut scan = WxScan { v, source: &source };
    scan.visit_program(&parsed.program);
}

struct WxScan<'a, 's, 'p> {
    v: &'a mut Validation<'p>,
    source: &'a SourceText<'s>,
}

fn is_wx(expression: &Expression<'_>) -> bool {
    expression.is_specific_id("wx")
}

/// The name a computed key always has: `'x'`, or a template without substitutions.
fn constant_key<'e>(expression: &'e Expression<'_>) -> Option<&'e str> {
    match expression.get_inner_expression() {
        Expression::StringLiteral(literal) => Some(literal.value.as_str()),
        Expression::TemplateLiteral(template) if template.expressions.is_empty() => template
            .quasis
            .first()
            .and_then(|quasi| quasi.value.cooked.as_ref())
            .map(|cooked| cooked.as_str()),
        _ => None,
    }
}

impl WxScan<'_, '_, '_> {
    fn api(&mut self, name: &str, offset: u32) {
        let location = self.source.location(offset as usize);
        let qualified = format!("wx.{name}");
        if let Some(category) = privacy::api(name) {
            self.v.privacy_use(qualified.clone(), category, location.clone());
        }
        self.v.api_use(qualified, location);
    }

    fn dynamic(&mut self, kind: DynamicKind, span: Span) {
        let text = self.source.text.get(span.start as usize..span.end as usize).unwrap_or_default();
        let mut snippet: String = text.chars().take(SNIPPET_CHARS).collect();
        if text.chars().nth(SNIPPET_CHARS).is_some() {
            snippet.push('…');
        }
        let location = self.source.location(span.start as usize);
        self.v.dynamic_call(DynamicCall { kind, location, snippet });
    }

    /// `wx.authorize({ scope: 'scope.camera' })` asks for a privacy permission up front.
    fn authorize_scope(&mut self, call: &CallExpression<'_>) {
        let Some(Argument::ObjectExpression(options)) = call.arguments.first() else { return };
        for property in &options.properties {
            let ObjectPropertyKind::ObjectProperty(property) = property else { continue };
            if !property.key.is_specific_id("scope") {
                continue;
            }
            let Some(scope) = constant_key(&property.value) else { continue };
            if let Some(category) = privacy::scope(scope) {
                let location = self.source.location(property.value.span().start as usize);
                self.v.privacy_use(format!("wx.authorize({scope})"), category, location);
            }
        }
    }

    /// `wx.request({ url: 'https://…' })`: records the URL when it is a constant, or that the
    /// call's URL is built at run time.
    fn network_url(&mut self, api: &str, call: &CallExpression<'_>) {
        let url_property = match call.arguments.first() {
            Some(Argument::ObjectExpression(options)) => {
                options.properties.iter().find_map(|property| match property {
                    ObjectPropertyKind::ObjectProperty(p) if p.key.is_specific_id("url") => Some(&p.value),
                    _ => None,
                })
            }
            _ => None,
        };
        let url = url_property.and_then(constant_key).map(str::to_owned);
        let at = url_property.map_or(call.span.start, |value| value.span().start);
        let location = self.source.location(at as usize);
        self.v.network_url(NetworkUrl { api: format!("wx.{api}"), url, location });
    }
}

/// The `wx` API a call calls directly (`wx.request(…)`, `wx['request'](…)`).
fn called_api<'e>(call: &'e CallExpression<'_>) -> Option<&'e str> {
    match call.callee.get_inner_expression() {
        Expression::StaticMemberExpression(callee) if is_wx(&callee.object) => {
            Some(callee.property.name.as_str())
        }
        Expression::ComputedMemberExpression(callee) if is_wx(&callee.object) => {
            constant_key(&callee.expression)
        }
        _ => None,
    }
}

impl<'a> Visit<'a> for WxScan<'_, '_, '_> {
    fn visit_static_member_expression(&mut self, it: &StaticMemberExpression<'a>) {
        if is_wx(&it.object) {
            self.api(&it.property.name, it.span.start);
        } else {
            walk::walk_static_member_expression(self, it);
        }
    }

    fn visit_computed_member_expression(&mut self, it: &ComputedMemberExpression<'a>) {
        if is_wx(&it.object) {
            match constant_key(&it.expression) {
                Some(name) => self.api(name, it.span.start),
                None => self.dynamic(DynamicKind::Computed, it.span),
            }
            self.visit_expression(&it.expression);
        } else {
            walk::walk_computed_member_expression(self, it);
        }
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        match called_api(it) {
            Some("authorize") => self.authorize_scope(it),
            Some(api) if NETWORK_APIS.contains(&api) => self.network_url(api, it),
            _ => {}
        }
        walk::walk_call_expression(self, it);
    }

    fn visit_unary_expression(&mut self, it: &UnaryExpression<'a>) {
        // `typeof wx` only asks whether the API exists.
        if it.operator == UnaryOperator::Typeof && is_wx(&it.argument) {
            return;
        }
        walk::walk_unary_expression(self, it);
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        // `const { getLocation, [name]: f, ...rest } = wx`
        if let (BindingPattern::ObjectPattern(pattern), Some(init)) = (&it.id, &it.init) {
            if is_wx(init) {
                for property in &pattern.properties {
                    match property.key.static_name() {
                        Some(name) if !property.computed || constant_key_of_key(&property.key) => {
                            self.api(&name, property.span.start);
                        }
                        _ => self.dynamic(DynamicKind::Computed, property.span),
                    }
                }
                if let Some(rest) = &pattern.rest {
                    self.dynamic(DynamicKind::Alias, rest.span);
                }
                self.visit_binding_pattern(&it.id);
                return;
            }
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        // Any `wx` not consumed above is handed on as a value.
        if it.name == "wx" {
            self.dynamic(DynamicKind::Alias, it.span);
        }
    }
}

/// Whether a computed pattern key is still a constant (`{ ['getLocation']: f } = wx`).
fn constant_key_of_key(key: &oxc_ast::ast::PropertyKey<'_>) -> bool {
    key.as_expression().is_some_and(|expression| constant_key(expression).is_some())
}
