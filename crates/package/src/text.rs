//! Source text of a package file: UTF-8 decoding and conversion of byte offsets (oxc, JSON) and
//! UTF-16 columns (glass-easel) into the 1-based line:column every diagnostic carries. Columns
//! count Unicode scalar values, as editors do.

use std::cell::OnceCell;

use crate::path::PackagePath;
use crate::report::Location;

/// A package file decoded as UTF-8 (a leading byte-order mark removed). Line starts are found
/// on the first location asked for: most files never need one.
pub(crate) struct SourceText<'p> {
    pub path: &'p PackagePath,
    pub text: &'p str,
    line_starts: OnceCell<Vec<usize>>,
}

impl<'p> SourceText<'p> {
    /// Decodes `bytes`; on invalid UTF-8 returns the location of the first bad byte.
    pub fn decode(path: &'p PackagePath, bytes: &'p [u8]) -> Result<Self, Location> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Self::new(path, text)),
            Err(error) => {
                let valid = std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap_or_default();
                Err(Self::new(path, valid).location(valid.len()))
            }
        }
    }

    fn new(path: &'p PackagePath, text: &'p str) -> Self {
        Self { path, text, line_starts: OnceCell::new() }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(self.text.match_indices('\n').map(|(i, _)| i + 1));
            starts
        })
    }

    /// The location of byte `offset` (clamped to the text, moved back to a character boundary).
    pub fn location(&self, offset: usize) -> Location {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_starts = self.line_starts();
        let line = line_starts.partition_point(|&start| start <= offset) - 1;
        let column = self.text[line_starts[line]..offset].chars().count();
        self.at(line, column)
    }

    /// The location of a 0-based line and UTF-16 column, as glass-easel reports them.
    pub fn location_utf16(&self, line: u32, utf16_column: u32) -> Location {
        let line_starts = self.line_starts();
        let line = (line as usize).min(line_starts.len() - 1);
        let start = line_starts[line];
        let end = line_starts.get(line + 1).copied().unwrap_or(self.text.len());
        let mut units = 0u32;
        let mut column = 0usize;
        for ch in self.text[start..end].chars() {
            if units >= utf16_column {
                break;
            }
            units += ch.len_utf16() as u32;
            column += 1;
        }
        self.at(line, column)
    }

    /// The location of the first character of the file.
    pub fn start(&self) -> Location {
        self.at(0, 0)
    }

    fn at(&self, line: usize, column: usize) -> Location {
        Location::new(self.path.as_str(), line as u32 + 1, column as u32 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based_in_characters() {
        let path = PackagePath::parse("a.js").unwrap();
        let source = SourceText::decode(&path, "ab\n\u{4e2d}\u{6587}x\n".as_bytes()).unwrap();
        assert_eq!(source.location(0).to_string(), "a.js:1:1");
        assert_eq!(source.location(3).to_string(), "a.js:2:1");
        assert_eq!(source.location(9).to_string(), "a.js:2:3");
        assert_eq!(source.location_utf16(1, 2).to_string(), "a.js:2:3");
        assert_eq!(source.location(1000).to_string(), "a.js:3:1");
    }

    #[test]
    fn bom_is_skipped_and_bad_utf8_located() {
        let path = PackagePath::parse("a.js").unwrap();
        assert_eq!(SourceText::decode(&path, b"\xEF\xBB\xBFx").unwrap().text, "x");
        assert_eq!(SourceText::decode(&path, b"ok\nab\xFF").err().unwrap().to_string(), "a.js:2:3");
    }
}
