//! The release review's automated `categories` check (clause 2.8): a mismatch between the
//! pages declared in `item_list` and the mini program's approved categories, or a missing
//! qualification, fails review; special rules need a person.

use super::{ApprovedCategory, Catalogue, Category, CategoryId};
use crate::apps::App;
use crate::error::Result;
use crate::review::{CheckResult, CheckStatus, ReviewItem, Submission};
use crate::Platform;

const CHECK: &str = "categories";

impl Platform {
    /// Checks the categories of a submission: the app has an approved category; every
    /// `item_list` entry names one of them (and, with `third_id`, one of its subcategories);
    /// none is delisted; sensitive ones carry every document their category now lists.
    /// Categories with special rules need a human reviewer.
    pub async fn check_review_categories(&self, app: &App, submission: &Submission) -> Result<CheckResult> {
        let approved = self.approved_categories(app.key).await?;
        let catalogue = self.category_catalogue().await?;
        Ok(check_categories(&catalogue, &approved, &submission.item_list))
    }
}

/// The check itself, on what the store returned.
pub fn check_categories(
    catalogue: &Catalogue,
    approved: &[ApprovedCategory],
    items: &[ReviewItem],
) -> CheckResult {
    if approved.is_empty() {
        return CheckResult::new(
            CHECK,
            CheckStatus::Fail,
            "the mini program has no approved category; add one (and wait for its approval) before submitting",
        );
    }
    // The categories in use: those the pages name, or every approved one when none is named.
    let mut used: Vec<(&ApprovedCategory, Option<&Category>)> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let named = item.first_id.is_some() || item.second_id.is_some() || item.third_id.is_some();
        if !named {
            continue;
        }
        let page = item.address.as_deref().unwrap_or("(no address)");
        let label = format!("item {} ({page})", index + 1);
        let found =
            approved.iter().find(|a| Some(a.first.0) == item.first_id && Some(a.second.0) == item.second_id);
        let Some(category) = found else {
            return CheckResult::new(
                CHECK,
                CheckStatus::Fail,
                format!(
                    "{label} names category {}/{}, which is not an approved category of the mini program",
                    id_text(item.first_id),
                    id_text(item.second_id)
                ),
            );
        };
        let third = match item.third_id.filter(|id| *id != 0) {
            None => None,
            Some(id) => match catalogue.get(CategoryId(id)).filter(|t| t.parent == category.second) {
                Some(third) => Some(third),
                None => {
                    return CheckResult::new(
                        CHECK,
                        CheckStatus::Fail,
                        format!(
                            "{label} names third_id {id}, which is not a subcategory of {}",
                            category.second_name
                        ),
                    )
                }
            },
        };
        used.push((category, third));
    }
    if used.is_empty() {
        used = approved.iter().map(|a| (a, None)).collect();
    }

    let mut rules = Vec::new();
    for (category, third) in &used {
        let label = format!("{}/{}", category.first_name, category.second_name);
        let nodes: Vec<&Category> = [category.first, category.second]
            .into_iter()
            .filter_map(|id| catalogue.get(id))
            .chain(*third)
            .collect();
        if let Some(delisted) = nodes.iter().find(|n| n.delisted) {
            return CheckResult::new(
                CHECK,
                CheckStatus::Fail,
                format!(
                    "the category {} was delisted ({} no longer exists, 85077); choose another",
                    label, delisted.name
                ),
            );
        }
        if nodes.iter().any(|n| n.sensitive) {
            let required =
                catalogue.get(category.second).map(|c| c.qualifications.as_slice()).unwrap_or_default();
            let sent = &category.application.certificates;
            if let Some(missing) = required.iter().find(|q| !sent.iter().any(|c| &c.key == *q)) {
                return CheckResult::new(
                    CHECK,
                    CheckStatus::Fail,
                    format!("the sensitive category {label} lacks the qualification {missing}; send it with modifycategory"),
                );
            }
        }
        for node in &nodes {
            if let Some(rule) = &node.special_rules {
                let text = format!("{}: {rule}", node.name);
                if !rules.contains(&text) {
                    rules.push(text);
                }
            }
        }
    }
    if !rules.is_empty() {
        return CheckResult::new(CHECK, CheckStatus::NeedsHuman, rules.join("\n"));
    }
    CheckResult::new(CHECK, CheckStatus::Pass, "the declared categories are approved")
}

fn id_text(id: Option<i64>) -> String {
    id.map_or_else(|| "?".into(), |id| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::{AppCategory, CategoryState, Certificate};
    use super::*;
    use crate::apps::AppKey;

    fn node(id: i64, parent: i64, level: i64) -> Category {
        Category {
            id: CategoryId(id),
            parent: CategoryId(parent),
            level,
            name: format!("c{id}"),
            sensitive: false,
            qualifications: Vec::new(),
            qualification_remark: String::new(),
            special_rules: None,
            subject_types: Vec::new(),
            delisted: false,
            created_at: 0,
        }
    }

    fn approved(first: i64, second: i64, certificates: &[&str]) -> ApprovedCategory {
        ApprovedCategory {
            first: CategoryId(first),
            first_name: format!("c{first}"),
            second: CategoryId(second),
            second_name: format!("c{second}"),
            delisted: false,
            application: AppCategory {
                id: 1,
                app: AppKey(1),
                first: CategoryId(first),
                second: CategoryId(second),
                state: CategoryState::Approved,
                reason: None,
                certificates: certificates
                    .iter()
                    .map(|k| Certificate { key: (*k).into(), value: "m".into() })
                    .collect(),
                applied_at: 0,
                decided_at: Some(0),
                decided_by: None,
            },
        }
    }

    fn item(first: i64, second: i64, third: Option<i64>) -> ReviewItem {
        ReviewItem {
            address: Some("pages/index/index".into()),
            first_id: Some(first),
            second_id: Some(second),
            third_id: third,
            ..Default::default()
        }
    }

    fn catalogue() -> Catalogue {
        let mut sensitive = node(2, 0, 1);
        sensitive.sensitive = true;
        let mut licensed = node(21, 2, 2);
        licensed.qualifications = vec!["licence".into()];
        let mut ruled = node(3, 0, 1);
        ruled.special_rules = Some("UGC needs moderation".into());
        Catalogue {
            categories: vec![
                node(1, 0, 1),
                node(11, 1, 2),
                node(111, 11, 3),
                sensitive,
                licensed,
                ruled,
                node(31, 3, 2),
            ],
        }
    }

    #[test]
    fn no_approved_category_fails() {
        let result = check_categories(&catalogue(), &[], &[]);
        assert_eq!(result.status, CheckStatus::Fail);
        assert!(result.reason.contains("no approved category"));
    }

    #[test]
    fn items_must_name_approved_categories_and_their_subcategories() {
        let approved = [approved(1, 11, &[])];
        assert_eq!(check_categories(&catalogue(), &approved, &[]).status, CheckStatus::Pass);
        assert_eq!(
            check_categories(&catalogue(), &approved, &[item(1, 11, Some(111))]).status,
            CheckStatus::Pass
        );
        let wrong = check_categories(&catalogue(), &approved, &[item(1, 11, None), item(2, 21, None)]);
        assert_eq!(wrong.status, CheckStatus::Fail);
        assert!(wrong.reason.contains("item 2 (pages/index/index)"), "{}", wrong.reason);
        let bad_third = check_categories(&catalogue(), &approved, &[item(1, 11, Some(21))]);
        assert_eq!(bad_third.status, CheckStatus::Fail);
    }

    #[test]
    fn delisted_and_incomplete_sensitive_categories_fail_and_rules_need_a_person() {
        let mut delisted = catalogue();
        delisted.categories[1].delisted = true;
        let result = check_categories(&delisted, &[approved(1, 11, &[])], &[]);
        assert_eq!(result.status, CheckStatus::Fail);
        assert!(result.reason.contains("delisted"));

        let incomplete = check_categories(&catalogue(), &[approved(2, 21, &[])], &[]);
        assert_eq!(incomplete.status, CheckStatus::Fail);
        assert!(incomplete.reason.contains("licence"));
        assert_eq!(
            check_categories(&catalogue(), &[approved(2, 21, &["licence"])], &[]).status,
            CheckStatus::Pass
        );

        let ruled = check_categories(&catalogue(), &[approved(3, 31, &[])], &[]);
        assert_eq!(ruled.status, CheckStatus::NeedsHuman);
        assert!(ruled.reason.contains("UGC needs moderation"));
    }
}
