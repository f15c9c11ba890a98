//! The release review's "domains" check: every URL the package's code passes to a network API
//! as a string literal must be on the matching server-domain list. The package validation found
//! those URLs on upload (`network_urls` of the stored report).

use miniplat_package::NetworkUrl;

use super::rules::DomainKind;
use crate::apps::App;
use crate::error::Result;
use crate::review::{CheckResult, CheckStatus, Review};
use crate::Platform;

const CHECK: &str = "domains";
/// How many problems a reason names before it says "and N more".
const REASON_PROBLEMS: usize = 5;

impl Platform {
    /// The "domains" check: a literal URL whose host is not on the list its API needs (or
    /// that does not use the list's scheme) fails the review; URLs built at run time, which
    /// cannot be checked, are a warning; otherwise it passes.
    pub async fn check_review_domains(&self, app: &App, review: &Review) -> Result<CheckResult> {
        let domains = self.app_domains(app.key).await?;
        let urls: Vec<NetworkUrl> = review
            .version
            .report
            .get("network_urls")
            .cloned()
            .and_then(|value| serde_json::from_value(value).ok())
            .unwrap_or_default();
        let mut failures = Vec::new();
        let mut unchecked = Vec::new();
        for found in &urls {
            let Some(kind) = DomainKind::of_api(&found.api) else { continue };
            let place = format!("{}:{}", found.location.file, found.location.line);
            let Some(url) = found.url.as_deref() else {
                unchecked.push(format!("{} at {place}", found.api));
                continue;
            };
            let Ok(parsed) = url::Url::parse(url) else {
                failures.push(format!("{place}: {} needs an absolute {}:// URL", found.api, kind.scheme()));
                continue;
            };
            let host = parsed.host_str().unwrap_or_default();
            if parsed.scheme() != kind.scheme() {
                failures.push(format!("{place}: {} must use {}:// ({host})", found.api, kind.scheme()));
            } else if !domains.server.allows(kind, host) {
                failures.push(format!("{place}: {host} is not a configured {}", kind.field()));
            }
        }
        Ok(if !failures.is_empty() {
            CheckResult::new(CHECK, CheckStatus::Fail, format!("server domains: {}", summary(&failures)))
        } else if !unchecked.is_empty() {
            CheckResult::new(
                CHECK,
                CheckStatus::Warn,
                format!("URLs built at run time cannot be checked: {}", summary(&unchecked)),
            )
        } else {
            CheckResult::new(CHECK, CheckStatus::Pass, "every literal network URL is on a configured domain")
        })
    }
}

fn summary(items: &[String]) -> String {
    let mut parts: Vec<String> = items.iter().take(REASON_PROBLEMS).cloned().collect();
    if items.len() > REASON_PROBLEMS {
        parts.push(format!("and {} more", items.len() - REASON_PROBLEMS));
    }
    parts.join("; ")
}
