//! What changed between the live version and the one under review: files added, removed and
//! changed (by SHA-256), and a line diff of one changed text file (longest common subsequence).

use std::collections::BTreeMap;

use crate::apps::versions::VersionFile;

/// How a file differs between two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileChange {
    Added,
    Removed,
    Changed,
}

impl FileChange {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Changed => "changed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    pub path: String,
    pub change: FileChange,
}

/// Files of `new` not in `old`, of `old` not in `new`, and in both with other content; by path.
pub fn diff_files(old: &[VersionFile], new: &[VersionFile]) -> Vec<ChangedFile> {
    let old: BTreeMap<&str, &str> = old.iter().map(|f| (f.path.as_str(), f.sha256.as_str())).collect();
    let new: BTreeMap<&str, &str> = new.iter().map(|f| (f.path.as_str(), f.sha256.as_str())).collect();
    let mut paths: Vec<&str> = old.keys().chain(new.keys()).copied().collect();
    paths.sort_unstable();
    paths.dedup();
    paths
        .into_iter()
        .filter_map(|path| {
            let change = match (old.get(path), new.get(path)) {
                (None, Some(_)) => FileChange::Added,
                (Some(_), None) => FileChange::Removed,
                (Some(a), Some(b)) if a != b => FileChange::Changed,
                _ => return None,
            };
            Some(ChangedFile { path: path.to_owned(), change })
        })
        .collect()
}

/// One line of a line diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineOp {
    Same,
    Added,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub op: LineOp,
    pub text: String,
}

/// The LCS table is (old lines × new lines) after the common head and tail are cut; past this
/// many cells the diff is refused rather than made slow.
const MAX_CELLS: usize = 4_000_000;

/// A line diff of two texts: lines both keep, lines removed from `old` and added in `new`, in
/// order. `None` when the changed middle is too large to diff.
pub fn diff_lines(old: &str, new: &str) -> Option<Vec<DiffLine>> {
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    let head = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let tail = old[head..].iter().rev().zip(new[head..].iter().rev()).take_while(|(a, b)| a == b).count();
    let (a, b) = (&old[head..old.len() - tail], &new[head..new.len() - tail]);
    if a.len().saturating_mul(b.len()) > MAX_CELLS {
        return None;
    }
    let line = |op, text: &str| DiffLine { op, text: text.to_owned() };
    let mut out: Vec<DiffLine> = old[..head].iter().map(|t| line(LineOp::Same, t)).collect();
    // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
    let width = b.len() + 1;
    let mut lcs = vec![0u32; (a.len() + 1) * width];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i * width + j] = if a[i] == b[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push(line(LineOp::Same, a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
            // Removals first, as diffs usually show a replaced line.
            out.push(line(LineOp::Removed, a[i]));
            i += 1;
        } else {
            out.push(line(LineOp::Added, b[j]));
            j += 1;
        }
    }
    out.extend(old[old.len() - tail..].iter().map(|t| line(LineOp::Same, t)));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, sha256: &str) -> VersionFile {
        VersionFile { path: path.into(), size: 1, sha256: sha256.into() }
    }

    #[test]
    fn files_are_added_removed_or_changed_by_content() {
        let old = [file("app.js", "a"), file("app.json", "b"), file("gone.js", "c")];
        let new = [file("app.js", "a"), file("app.json", "B"), file("new.js", "d")];
        let changes: Vec<_> = diff_files(&old, &new).into_iter().map(|c| (c.path, c.change)).collect();
        assert_eq!(
            changes,
            [
                ("app.json".to_owned(), FileChange::Changed),
                ("gone.js".to_owned(), FileChange::Removed),
                ("new.js".to_owned(), FileChange::Added),
            ]
        );
    }

    fn render(lines: &[DiffLine]) -> String {
        lines
            .iter()
            .map(|l| {
                let mark = match l.op {
                    LineOp::Same => ' ',
                    LineOp::Added => '+',
                    LineOp::Removed => '-',
                };
                format!("{mark}{}\n", l.text)
            })
            .collect()
    }

    #[test]
    fn line_diffs_keep_the_common_subsequence() {
        let old = "a\nb\nc\nd\ne\n";
        let new = "a\nc\nd\nx\ne\ny\n";
        assert_eq!(render(&diff_lines(old, new).unwrap()), " a\n-b\n c\n d\n+x\n e\n+y\n");
        assert_eq!(render(&diff_lines("", "one").unwrap()), "+one\n");
        assert_eq!(render(&diff_lines("same", "same").unwrap()), " same\n");
        assert_eq!(render(&diff_lines("old", "").unwrap()), "-old\n");
        assert_eq!(render(&diff_lines("a\nold\nz", "a\nnew\nz").unwrap()), " a\n-old\n+new\n z\n");
    }

    #[test]
    fn huge_rewrites_are_refused() {
        let old: String = (0..2100).map(|i| format!("o{i}\n")).collect();
        let new: String = (0..2100).map(|i| format!("n{i}\n")).collect();
        assert_eq!(diff_lines(&old, &new), None);
    }
}
