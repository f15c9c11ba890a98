//! WXSS stylesheets, parsed with WeChat's `glass-easel-stylesheet-compiler` (its errors and
//! warnings become diagnostics), plus a structural check of braces, strings and comments: the
//! compiler is a transformer that passes malformed CSS through silently.

use glass_easel_stylesheet_compiler::error::ParseErrorLevel;
use glass_easel_stylesheet_compiler::{StyleSheetOptions, StyleSheetTransformer};

use super::Validation;
use crate::codes;
use crate::path::PackagePath;

pub(crate) fn check<'p>(v: &mut Validation<'p>, path: &'p PackagePath, bytes: &'p [u8]) {
    let Some(source) = v.source(path, bytes) else { return };
    if let Some((offset, message)) = unbalanced(source.text) {
        v.error(codes::WXSS_SYNTAX, source.location(offset), message);
        return;
    }
    if v.too_deep(&source, b"{([", b"})]") {
        return;
    }
    // With an import sign set, the compiler checks `@import` placement and syntax; that is all it
    // reports (`:host` checks need `convert_host`, which would change the output), so a
    // stylesheet without `@import` has nothing to learn from it and is not run through it.
    if !source.text.contains("@import") {
        return;
    }
    let options = StyleSheetOptions { import_sign: Some("import".into()), ..StyleSheetOptions::default() };
    let parsed = v.guarded(&source, "WXSS", || {
        StyleSheetTransformer::from_css(path.as_str(), source.text, options).take_warnings()
    });
    for warning in parsed.unwrap_or_default() {
        let start = warning.location.start;
        let location = source.location_utf16(start.line, start.utf16_col);
        let message = warning.kind.to_string();
        match warning.level() {
            ParseErrorLevel::Error | ParseErrorLevel::Fatal => v.error(codes::WXSS_SYNTAX, location, message),
            ParseErrorLevel::Warn => v.warning(codes::WXSS_WARNING, location, message),
            ParseErrorLevel::Note => {}
        }
    }
}

/// The first unmatched `}`, unclosed `{`, or unterminated string or comment.
fn unbalanced(text: &str) -> Option<(usize, &'static str)> {
    let bytes = text.as_bytes();
    let mut open = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'*') => match text[i + 2..].find("*/") {
                Some(end) => i += end + 3,
                None => return Some((i, "unterminated comment")),
            },
            quote @ (b'"' | b'\'') => {
                let start = i;
                i += 1;
                loop {
                    match bytes.get(i) {
                        Some(b'\\') => i += 1,
                        Some(&b) if b == quote => break,
                        Some(b'\n') | None => return Some((start, "unterminated string")),
                        Some(_) => {}
                    }
                    i += 1;
                }
            }
            b'{' => open.push(i),
            b'}' if open.pop().is_none() => return Some((i, "unmatched \"}\"")),
            _ => {}
        }
        i += 1;
    }
    open.last().map(|&at| (at, "\"{\" is never closed"))
}

#[cfg(test)]
mod tests {
    use super::unbalanced;

    #[test]
    fn structure() {
        assert_eq!(unbalanced(".a { content: \"}\"; } /* } */ .b{}"), None);
        assert_eq!(unbalanced(".a {} }"), Some((6, "unmatched \"}\"")));
        assert_eq!(unbalanced(".a { .b {}"), Some((3, "\"{\" is never closed")));
        assert_eq!(unbalanced(".a { content: 'x\n' }"), Some((14, "unterminated string")));
        assert_eq!(unbalanced(".a {} /* x"), Some((6, "unterminated comment")));
        assert_eq!(unbalanced(".a { content: \"\\\"\" }"), None);
    }
}
