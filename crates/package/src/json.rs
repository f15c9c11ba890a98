//! Strict JSON parsing that keeps byte ranges, so a diagnostic about a value can point at it.
//! WeChat's configuration files are plain JSON (no comments, no trailing commas); the parser is
//! `jsonc-parser` with every extension switched off and its nesting-depth limit left on.

use jsonc_parser::ast::Value;
use jsonc_parser::{CollectOptions, ParseOptions};

/// A JSON syntax error at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonSyntaxError {
    pub offset: usize,
    pub message: String,
}

/// Parses `text` as strict JSON.
pub(crate) fn parse(text: &str) -> Result<Value<'_>, JsonSyntaxError> {
    let options = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    match jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &options) {
        Ok(result) => result
            .value
            .ok_or_else(|| JsonSyntaxError { offset: 0, message: "the file holds no JSON value".into() }),
        Err(error) => Err(JsonSyntaxError { offset: error.range().start, message: error.kind().to_string() }),
    }
}

/// The byte offset where a value starts.
pub(crate) fn start(value: &Value<'_>) -> usize {
    match value {
        Value::StringLit(v) => v.range.start,
        Value::NumberLit(v) => v.range.start,
        Value::BooleanLit(v) => v.range.start,
        Value::Object(v) => v.range.start,
        Value::Array(v) => v.range.start,
        Value::NullKeyword(v) => v.range.start,
    }
}

/// The JSON type name of a value, for messages.
pub(crate) fn type_name(value: &Value<'_>) -> &'static str {
    match value {
        Value::StringLit(_) => "a string",
        Value::NumberLit(_) => "a number",
        Value::BooleanLit(_) => "a boolean",
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::NullKeyword(_) => "null",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict() {
        assert!(parse(r#"{"a": [1, "x", true, null]}"#).is_ok());
        assert_eq!(parse("{\n  // no\n}").unwrap_err().offset, 4);
        assert!(parse(r#"{"a": 1,}"#).is_err());
        assert!(parse("{'a': 1}").is_err());
        assert!(parse("").is_err());
        assert!(parse(&"[".repeat(100_000)).is_err());
    }
}
