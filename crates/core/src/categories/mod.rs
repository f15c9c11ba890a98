//! Categories and qualifications (clause 2.8, `wechat-api.md` §8.2). Platform staff keep a
//! catalogue of categories (at most three levels under the root, id 0); a category may require
//! qualification documents, carry special rules, be reserved to some subject types, or be
//! delisted. A mini program applies for (first, second) pairs of the catalogue with the
//! documents the second-level category requires, as media ids from `/cgi-bin/media/upload`.
//! An application that needs no document is approved at once; the others wait for staff
//! ([`staff`]), whose decision is pushed as `wxa_category_audit`. Approved categories are what
//! `submit_audit` may name ([`check`]).
//!
//! ```text
//! reviewing ──▶ approved
//!     │  ▲
//!     ▼  │ modifycategory (new documents)
//!  rejected
//! ```

pub mod check;
pub mod member;
pub mod staff;

use serde::{Deserialize, Serialize};

use crate::accounts::{DeveloperId, SubjectType};
use crate::apps::{App, AppKey};
use crate::clock::month_of;
use crate::error::{Result, StoreError};
use crate::media::MediaKind;
use crate::store::{CATEGORY_ADD_MONTHLY_LIMIT, CATEGORY_LIMIT};
use crate::wx::WxError;
use crate::{Platform, Timestamp};

/// A node of the catalogue. Id 0 is the root and is never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CategoryId(pub i64);

impl CategoryId {
    pub const ROOT: Self = Self(0);
}

/// The deepest level of the catalogue.
pub const MAX_LEVEL: i64 = 3;
/// Categories one `addcategory` call may carry.
const CATEGORIES_PER_CALL: usize = 10;

/// A category of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: CategoryId,
    /// [`CategoryId::ROOT`] for first-level categories.
    pub parent: CategoryId,
    /// 1, 2 or 3.
    pub level: i64,
    pub name: String,
    /// Sensitive categories are not open to individuals and fail review without their
    /// documents.
    pub sensitive: bool,
    /// Names of the documents an application must carry (all of them).
    pub qualifications: Vec<String>,
    /// What the documents are, in words for the applicant.
    pub qualification_remark: String,
    /// Rules a reviewer must check by hand (submissions naming it need a person).
    pub special_rules: Option<String>,
    /// Subject types that may take it; empty means every type.
    pub subject_types: Vec<SubjectType>,
    /// Delisted categories cannot be added and fail review (85077).
    pub delisted: bool,
    pub created_at: Timestamp,
}

impl Category {
    /// Whether a subject of `subject_type` may take it.
    pub fn open_to(&self, subject_type: SubjectType) -> bool {
        let listed = self.subject_types.is_empty() || self.subject_types.contains(&subject_type);
        let sensitive_refused = self.sensitive && subject_type == SubjectType::Individual;
        listed && !sensitive_refused
    }

    /// `subject_types` as stored: comma-separated, empty for every type.
    pub fn subject_types_text(&self) -> String {
        self.subject_types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",")
    }
}

/// The whole catalogue, delisted categories included, for lookups by id.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub categories: Vec<Category>,
}

impl Catalogue {
    pub fn get(&self, id: CategoryId) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    pub fn children(&self, parent: CategoryId) -> impl DoubleEndedIterator<Item = &Category> {
        self.categories.iter().filter(move |c| c.parent == parent)
    }

    /// A first-level category and one of its second-level children, as a pair an app may
    /// apply for; `None` when they do not exist or do not belong together.
    pub fn pair(&self, first: CategoryId, second: CategoryId) -> Option<(&Category, &Category)> {
        let first_node = self.get(first).filter(|c| c.level == 1)?;
        let second_node = self.get(second).filter(|c| c.level == 2 && c.parent == first)?;
        Some((first_node, second_node))
    }

    /// The listed categories open to `subject_type` (or all listed ones), parents before
    /// children; a category whose parent is left out is left out too.
    pub fn offered(&self, subject_type: Option<SubjectType>) -> Vec<&Category> {
        let mut offered: Vec<&Category> = Vec::new();
        for level in 1..=MAX_LEVEL {
            for category in self.categories.iter().filter(|c| c.level == level) {
                let parent_offered =
                    category.parent == CategoryId::ROOT || offered.iter().any(|p| p.id == category.parent);
                let open = subject_type.is_none_or(|t| category.open_to(t));
                if parent_offered && open && !category.delisted {
                    offered.push(category);
                }
            }
        }
        offered
    }
}

/// Where a mini program's application for a category stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryState {
    Reviewing,
    Rejected,
    Approved,
}

impl CategoryState {
    pub const ALL: [Self; 3] = [Self::Reviewing, Self::Rejected, Self::Approved];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reviewing => "reviewing",
            Self::Rejected => "rejected",
            Self::Approved => "approved",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// `audit_status` of `getcategory`: 1 reviewing, 2 rejected, 3 approved (also the `ret`
    /// of the push for the last two).
    pub fn wire(self) -> i64 {
        match self {
            Self::Reviewing => 1,
            Self::Rejected => 2,
            Self::Approved => 3,
        }
    }
}

/// One qualification document of an application: `certicates[]` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// The qualification's name, as the category lists it.
    pub key: String,
    /// The media id of the uploaded image.
    pub value: String,
}

/// A mini program's application for a (first, second) category pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppCategory {
    /// Assigned by the store.
    pub id: i64,
    pub app: AppKey,
    pub first: CategoryId,
    pub second: CategoryId,
    pub state: CategoryState,
    /// Why staff rejected it.
    pub reason: Option<String>,
    pub certificates: Vec<Certificate>,
    pub applied_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    /// The staff member who decided; `None` for automatic approvals.
    pub decided_by: Option<DeveloperId>,
}

/// How many categories a mini program may have, and add per month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryLimits {
    pub per_app: i64,
    pub adds_per_month: i64,
    /// The month the additions count against (`clock::month_of`).
    pub month: i64,
}

/// One (first, second) pair a caller asks for, with its documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRequest {
    pub first: CategoryId,
    pub second: CategoryId,
    pub certificates: Vec<Certificate>,
}

/// `getcategory`: the app's applications with the names of their categories, and its limits.
#[derive(Debug, Clone)]
pub struct AppCategoryOverview {
    pub categories: Vec<(AppCategory, String, String)>,
    /// Additions allowed per month, additions left this month, and categories allowed.
    pub limit: i64,
    pub quota: i64,
    pub category_limit: i64,
}

/// An approved category as `/wxa/get_category` lists it (and `submit_audit` names it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedCategory {
    pub first: CategoryId,
    pub first_name: String,
    pub second: CategoryId,
    pub second_name: String,
    /// Delisted since it was approved: kept, but no longer usable.
    pub delisted: bool,
    pub application: AppCategory,
}

impl Platform {
    /// The whole catalogue.
    pub async fn category_catalogue(&self) -> Result<Catalogue> {
        Ok(Catalogue { categories: self.store.categories().await? })
    }

    /// The subject type of the app's owner; an owner without subject details counts as an
    /// individual, the most restricted type.
    pub async fn app_subject_type(&self, app: &App) -> Result<SubjectType> {
        let subject = self.store.subject(app.created_by).await?;
        Ok(subject.map_or(SubjectType::Individual, |s| s.subject_type))
    }

    /// `getcategory`.
    pub async fn app_category_overview(&self, app: AppKey) -> Result<AppCategoryOverview> {
        let catalogue = self.category_catalogue().await?;
        let name = |id| catalogue.get(id).map(|c: &Category| c.name.clone()).unwrap_or_default();
        let categories = self
            .store
            .app_categories(app)
            .await?
            .into_iter()
            .map(|a| {
                let (first, second) = (name(a.first), name(a.second));
                (a, first, second)
            })
            .collect();
        let adds = self.store.category_adds(app, month_of(self.clock.now())).await?;
        let limit = self.config.category_adds_per_month;
        Ok(AppCategoryOverview {
            categories,
            limit,
            quota: (limit - adds).max(0),
            category_limit: self.config.categories_per_app,
        })
    }

    /// The app's approved categories (`/wxa/get_category` lists those not delisted).
    pub async fn approved_categories(&self, app: AppKey) -> Result<Vec<ApprovedCategory>> {
        let catalogue = self.category_catalogue().await?;
        let approved =
            self.store.app_categories(app).await?.into_iter().filter(|a| a.state == CategoryState::Approved);
        Ok(approved
            .filter_map(|application| {
                let first = catalogue.get(application.first)?;
                let second = catalogue.get(application.second)?;
                Some(ApprovedCategory {
                    first: first.id,
                    first_name: first.name.clone(),
                    second: second.id,
                    second_name: second.name.clone(),
                    delisted: first.delisted || second.delisted,
                    application,
                })
            })
            .collect())
    }

    /// `addcategory`: applies for every requested category, or for none. Categories that need
    /// no document are approved at once.
    pub async fn add_app_categories(
        &self,
        app: AppKey,
        requests: Vec<CategoryRequest>,
    ) -> Result<(), WxError> {
        if requests.is_empty() || requests.len() > CATEGORIES_PER_CALL {
            return Err(WxError::category_invalid_params(&format!(
                "categories must list 1 to {CATEGORIES_PER_CALL} categories"
            )));
        }
        let app = self.store.app_by_key(app).await?.ok_or_else(WxError::system_busy)?;
        let catalogue = self.category_catalogue().await?;
        let subject_type = self.app_subject_type(&app).await?;
        let now = self.clock.now();
        let mut applications = Vec::with_capacity(requests.len());
        for (index, request) in requests.iter().enumerate() {
            if requests[..index].iter().any(|r| (r.first, r.second) == (request.first, request.second)) {
                return Err(WxError::category_duplicate());
            }
            let (first, second) = listed_pair(&catalogue, request.first, request.second)?;
            if !first.open_to(subject_type) || !second.open_to(subject_type) {
                return Err(WxError::category_subject_not_allowed());
            }
            self.check_certificates(app.key, second, &request.certificates).await?;
            let state = if second.qualifications.is_empty() {
                CategoryState::Approved
            } else {
                CategoryState::Reviewing
            };
            applications.push(AppCategory {
                id: 0,
                app: app.key,
                first: request.first,
                second: request.second,
                state,
                reason: None,
                certificates: request.certificates.clone(),
                applied_at: now,
                decided_at: (state == CategoryState::Approved).then_some(now),
                decided_by: None,
            });
        }
        let limits = CategoryLimits {
            per_app: self.config.categories_per_app,
            adds_per_month: self.config.category_adds_per_month,
            month: month_of(now),
        };
        self.store.add_app_categories(&applications, limits).await.map_err(|error| match error {
            StoreError::UniqueViolation => WxError::category_duplicate(),
            StoreError::Refused(CATEGORY_LIMIT) => WxError::category_limit_reached(),
            StoreError::Refused(CATEGORY_ADD_MONTHLY_LIMIT) => WxError::category_monthly_limit_reached(),
            other => other.into(),
        })
    }

    /// `deletecategory`. Categories under review cannot be deleted (53308).
    pub async fn delete_app_category(
        &self,
        app: AppKey,
        first: CategoryId,
        second: CategoryId,
    ) -> Result<(), WxError> {
        let application = self.app_category(app, first, second).await?;
        if application.state == CategoryState::Reviewing {
            return Err(WxError::category_reviewing());
        }
        if !self.store.delete_app_category(app, application.id).await? {
            // Put back under review meanwhile.
            return Err(WxError::category_reviewing());
        }
        Ok(())
    }

    /// `modifycategory`: new documents for a rejected category, which goes back to review.
    pub async fn modify_app_category(&self, app: AppKey, request: CategoryRequest) -> Result<(), WxError> {
        let application = self.app_category(app, request.first, request.second).await?;
        let catalogue = self.category_catalogue().await?;
        let (_, second) = listed_pair(&catalogue, request.first, request.second)?;
        if second.qualifications.is_empty() {
            return Err(WxError::category_only_qualifications());
        }
        if application.state != CategoryState::Rejected {
            return Err(WxError::category_not_rejected());
        }
        self.check_certificates(app, second, &request.certificates).await?;
        let resubmitted = self
            .store
            .resubmit_app_category(app, application.id, &request.certificates, self.clock.now())
            .await?;
        if !resubmitted {
            return Err(WxError::category_not_rejected());
        }
        Ok(())
    }

    async fn app_category(
        &self,
        app: AppKey,
        first: CategoryId,
        second: CategoryId,
    ) -> Result<AppCategory, WxError> {
        let applications = self.store.app_categories(app).await?;
        applications
            .into_iter()
            .find(|a| (a.first, a.second) == (first, second))
            .ok_or_else(|| WxError::category_invalid_params("the mini program has no such category"))
    }

    /// Every document the category lists must be present, named as listed, and be an
    /// unexpired image of this app.
    async fn check_certificates(
        &self,
        app: AppKey,
        category: &Category,
        certificates: &[Certificate],
    ) -> Result<(), WxError> {
        if certificates.len() > category.qualifications.len().max(1) {
            return Err(WxError::category_invalid_params("too many certicates for this category"));
        }
        for certificate in certificates {
            if !category.qualifications.contains(&certificate.key) {
                return Err(WxError::category_invalid_params(&format!(
                    "{} does not ask for the qualification {:?}",
                    category.name, certificate.key
                )));
            }
            let media = self.media(app, &certificate.value).await?;
            if !media.is_some_and(|m| m.kind == MediaKind::Image) {
                return Err(WxError::invalid_media_id());
            }
        }
        if let Some(missing) =
            category.qualifications.iter().find(|q| !certificates.iter().any(|c| &c.key == *q))
        {
            return Err(WxError::category_needs_material(missing));
        }
        Ok(())
    }
}

/// A listed (first, second) pair of the catalogue; unknown pairs and delisted categories are
/// invalid parameters.
fn listed_pair(
    catalogue: &Catalogue,
    first: CategoryId,
    second: CategoryId,
) -> Result<(&Category, &Category), WxError> {
    let (first, second) = catalogue.pair(first, second).ok_or_else(|| {
        WxError::category_invalid_params("first and second must name a category and its subcategory")
    })?;
    if first.delisted || second.delisted {
        return Err(WxError::category_invalid_params("the category is delisted"));
    }
    Ok((first, second))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: i64, parent: i64, level: i64, sensitive: bool, types: Vec<SubjectType>) -> Category {
        Category {
            id: CategoryId(id),
            parent: CategoryId(parent),
            level,
            name: format!("c{id}"),
            sensitive,
            qualifications: Vec::new(),
            qualification_remark: String::new(),
            special_rules: None,
            subject_types: types,
            delisted: false,
            created_at: 0,
        }
    }

    #[test]
    fn states_round_trip_and_map_to_the_wire() {
        for state in CategoryState::ALL {
            assert_eq!(CategoryState::parse(state.as_str()), Some(state));
        }
        let wire: Vec<i64> = CategoryState::ALL.iter().map(|s| s.wire()).collect();
        assert_eq!(wire, [1, 2, 3]);
    }

    #[test]
    fn individuals_never_get_sensitive_categories() {
        let sensitive = node(1, 0, 1, true, Vec::new());
        assert!(!sensitive.open_to(SubjectType::Individual));
        assert!(sensitive.open_to(SubjectType::Enterprise));
        let enterprise_only = node(2, 0, 1, false, vec![SubjectType::Enterprise]);
        assert!(!enterprise_only.open_to(SubjectType::Media));
    }

    #[test]
    fn offered_categories_drop_children_of_hidden_parents_and_delisted_ones() {
        let mut delisted = node(4, 0, 1, false, Vec::new());
        delisted.delisted = true;
        let catalogue = Catalogue {
            categories: vec![
                node(1, 0, 1, true, Vec::new()),
                node(11, 1, 2, false, Vec::new()),
                node(2, 0, 1, false, Vec::new()),
                node(21, 2, 2, false, Vec::new()),
                node(211, 21, 3, false, Vec::new()),
                delisted,
                node(41, 4, 2, false, Vec::new()),
            ],
        };
        let ids = |t| catalogue.offered(t).iter().map(|c| c.id.0).collect::<Vec<_>>();
        assert_eq!(ids(Some(SubjectType::Individual)), [2, 21, 211]);
        assert_eq!(ids(Some(SubjectType::Enterprise)), [1, 2, 11, 21, 211]);
        assert!(catalogue.pair(CategoryId(2), CategoryId(21)).is_some());
        assert!(catalogue.pair(CategoryId(1), CategoryId(21)).is_none(), "21 is not a child of 1");
        assert!(catalogue.pair(CategoryId(21), CategoryId(211)).is_none(), "pairs start at level 1");
    }
}
