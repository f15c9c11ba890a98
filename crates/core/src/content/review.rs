//! The release review's "content" check: the term list against everything a submission shows
//! people — the mini program's name and introduction, the version's and the submission's
//! descriptions, the declared page titles and the text of the package's WXML pages.

use super::matcher::{self, Hit};
use super::Suggest;
use crate::apps::App;
use crate::error::{Error, Result};
use crate::review::{CheckResult, CheckStatus, Review};
use crate::Platform;

const CHECK: &str = "content";
/// How many findings a reason names before it says "and N more".
const REASON_FINDINGS: usize = 5;

/// A term found in one place of a submission.
struct Finding {
    hit: Hit,
    place: String,
}

impl Platform {
    /// The "content" check: a `risky` term anywhere fails the review (naming the term and
    /// where it was found), a `review` term asks for a person, otherwise it passes.
    pub async fn check_review_content(&self, app: &App, review: &Review) -> Result<CheckResult> {
        let matcher = self.content_matcher().await?;
        let mut texts: Vec<(String, String)> = vec![
            ("the mini program's name".into(), app.name.as_str().to_owned()),
            ("the mini program's introduction".into(), app.introduction.clone()),
            ("the version description".into(), review.version.description.clone()),
            ("the submission's version_desc".into(), review.submission.version_desc.clone()),
        ];
        for (index, item) in review.submission.item_list.iter().enumerate() {
            if let Some(title) = &item.title {
                texts.push((format!("the title of item {}", index + 1), title.clone()));
            }
        }
        texts.extend(self.package_page_texts(review).await?);
        let findings: Vec<Finding> = texts
            .iter()
            .flat_map(|(place, text)| {
                matcher.scan(text).into_iter().map(|hit| Finding { hit, place: place.clone() })
            })
            .collect();
        let (worst, _) = matcher::verdict(&findings.iter().map(|f| f.hit.clone()).collect::<Vec<_>>());
        Ok(match worst {
            Suggest::Pass => CheckResult::new(CHECK, CheckStatus::Pass, "no listed term was found"),
            Suggest::Review => CheckResult::new(
                CHECK,
                CheckStatus::NeedsHuman,
                format!("terms that need a reviewer's judgement: {}", describe(&findings, Suggest::Review)),
            ),
            Suggest::Risky => CheckResult::new(
                CHECK,
                CheckStatus::Fail,
                format!("prohibited content: {}", describe(&findings, Suggest::Risky)),
            ),
        })
    }

    /// The text of every WXML file of the reviewed version's package, by file name.
    async fn package_page_texts(&self, review: &Review) -> Result<Vec<(String, String)>> {
        let zip = self
            .blobs
            .get(&review.version.blob_key())
            .await
            .map_err(crate::blobs::store_error)?
            .ok_or(Error::NotFound("package"))?;
        let package = miniplat_package::ingest_zip(&zip, &self.config.packages)
            .map_err(|e| Error::PackageRejected(e.to_string()))?;
        Ok(package
            .files()
            .filter(|(path, _)| path.extension() == Some("wxml"))
            .map(|(path, bytes)| (path.to_string(), wxml_text(&String::from_utf8_lossy(bytes))))
            .collect())
    }
}

/// The findings of one severity, said for the developer: `"刷单" (fraud) in pages/a.wxml`.
fn describe(findings: &[Finding], suggest: Suggest) -> String {
    let chosen: Vec<&Finding> = findings.iter().filter(|f| f.hit.suggest == suggest).collect();
    let mut parts: Vec<String> = chosen
        .iter()
        .take(REASON_FINDINGS)
        .map(|f| format!("\"{}\" ({}) in {}", f.hit.term, f.hit.label.name(), f.place))
        .collect();
    if chosen.len() > REASON_FINDINGS {
        parts.push(format!("and {} more", chosen.len() - REASON_FINDINGS));
    }
    parts.join("; ")
}

/// The text nodes of a WXML page: comments, tags, `{{ }}` bindings and `<wxs>` script bodies
/// removed. A cheap scan, not a parser — the package was already validated on upload.
pub(crate) fn wxml_text(source: &str) -> String {
    let mut text = String::with_capacity(source.len() / 2);
    let mut rest = source;
    while let Some(start) = rest.find(['<', '{']) {
        text.push_str(&rest[..start]);
        text.push(' ');
        let tail = &rest[start..];
        let skip_to = |end: &str| tail.find(end).map_or(tail.len(), |at| at + end.len());
        let consumed = if tail.starts_with("<!--") {
            skip_to("-->")
        } else if tail.starts_with("<wxs") {
            skip_to("</wxs>")
        } else if tail.starts_with("{{") {
            skip_to("}}")
        } else if tail.starts_with('<') {
            skip_to(">")
        } else {
            text.push('{');
            1
        };
        rest = &tail[consumed..];
    }
    text.push_str(rest);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wxml_text_keeps_only_text_nodes() {
        let page = r#"<!-- 刷单 --><view class="刷单">Hello {{name}}<text>加微信</text></view>
<wxs module="m">var a = "赌博";</wxs>{ plain }"#;
        let text = wxml_text(page);
        assert!(text.contains("Hello") && text.contains("加微信") && text.contains("{ plain }"));
        assert!(!text.contains("刷单") && !text.contains("name") && !text.contains("赌博"));
    }
}
