//! What platform staff do with categories: keep the catalogue (add, edit, delist) and decide
//! the applications that carry qualification documents. Every change is in the audit log with
//! the staff member who made it; every decision is pushed as `wxa_category_audit`.

use super::{AppCategory, Category, CategoryId, CategoryState, MAX_LEVEL};
use crate::accounts::developers::ensure_operator;
use crate::accounts::{Developer, SubjectType};
use crate::apps::App;
use crate::audit::Actor;
use crate::error::{Error, Result, StoreError};
use crate::media::Media;
use crate::push::PushEvent;
use crate::Platform;

const NAME_LIMIT: usize = 32;
const QUALIFICATIONS_LIMIT: usize = 10;
const QUALIFICATION_NAME_LIMIT: usize = 40;
const REMARK_LIMIT: usize = 200;
const RULES_LIMIT: usize = 1000;
const REASON_LIMIT: usize = 500;

/// What staff type in for a category.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CategoryInput {
    pub name: String,
    pub sensitive: bool,
    pub qualifications: Vec<String>,
    pub qualification_remark: String,
    pub special_rules: String,
    pub subject_types: Vec<SubjectType>,
}

/// An application waiting for staff, with what they need to decide it.
#[derive(Debug, Clone)]
pub struct PendingCategory {
    pub app: App,
    pub application: AppCategory,
    pub first_name: String,
    pub second_name: String,
    /// The qualifications the category asks for, and what they are.
    pub qualification_remark: String,
}

impl CategoryInput {
    /// Trims and checks every field; the parts of a [`Category`] staff may set.
    fn validated(&self) -> Result<Self> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > NAME_LIMIT {
            return Err(Error::invalid("name", format!("must be 1 to {NAME_LIMIT} characters")));
        }
        let qualifications: Vec<String> =
            self.qualifications.iter().map(|q| q.trim().to_owned()).filter(|q| !q.is_empty()).collect();
        if qualifications.len() > QUALIFICATIONS_LIMIT
            || qualifications.iter().any(|q| q.chars().count() > QUALIFICATION_NAME_LIMIT)
        {
            return Err(Error::invalid(
                "qualifications",
                format!("at most {QUALIFICATIONS_LIMIT}, each at most {QUALIFICATION_NAME_LIMIT} characters"),
            ));
        }
        if qualifications.iter().enumerate().any(|(i, q)| qualifications[..i].contains(q)) {
            return Err(Error::invalid("qualifications", "must not repeat a name"));
        }
        let remark = self.qualification_remark.trim();
        if remark.chars().count() > REMARK_LIMIT {
            return Err(Error::invalid("qualification_remark", format!("at most {REMARK_LIMIT} characters")));
        }
        let rules = self.special_rules.trim();
        if rules.chars().count() > RULES_LIMIT {
            return Err(Error::invalid("special_rules", format!("at most {RULES_LIMIT} characters")));
        }
        Ok(Self {
            name: name.to_owned(),
            sensitive: self.sensitive,
            qualifications,
            qualification_remark: remark.to_owned(),
            special_rules: rules.to_owned(),
            subject_types: self.subject_types.clone(),
        })
    }

    fn apply_to(self, category: &mut Category) {
        category.name = self.name;
        category.sensitive = self.sensitive;
        category.qualifications = self.qualifications;
        category.qualification_remark = self.qualification_remark;
        category.special_rules = Some(self.special_rules).filter(|r| !r.is_empty());
        category.subject_types = self.subject_types;
    }
}

fn sibling_name_taken(error: StoreError) -> Error {
    match error {
        StoreError::UniqueViolation => {
            Error::invalid("name", "is already used by a category with the same parent")
        }
        other => other.into(),
    }
}

impl Platform {
    /// Adds a category under `parent` (the root for a first-level one).
    pub async fn add_category(
        &self,
        actor: &Developer,
        parent: CategoryId,
        input: &CategoryInput,
    ) -> Result<Category> {
        ensure_operator(actor)?;
        let input = input.validated()?;
        let catalogue = self.category_catalogue().await?;
        let level = if parent == CategoryId::ROOT {
            1
        } else {
            let parent =
                catalogue.get(parent).ok_or_else(|| Error::invalid("parent", "is not a category"))?;
            if parent.level >= MAX_LEVEL {
                return Err(Error::invalid("parent", format!("is at level {MAX_LEVEL}, the deepest")));
            }
            parent.level + 1
        };
        let mut category = Category {
            id: CategoryId(0),
            parent,
            level,
            name: String::new(),
            sensitive: false,
            qualifications: Vec::new(),
            qualification_remark: String::new(),
            special_rules: None,
            subject_types: Vec::new(),
            delisted: false,
            created_at: self.clock.now(),
        };
        input.apply_to(&mut category);
        let category = self.store.insert_category(&category).await.map_err(sibling_name_taken)?;
        let detail = format!("{} under {}", category.name, parent.0);
        self.audit(Actor::Developer(actor.id), "category.add", &category.id.0.to_string(), &detail).await?;
        Ok(category)
    }

    /// Changes a category's name, documents, rules and who may take it. Applications already
    /// approved stay approved; the review check sees the new documents and rules.
    pub async fn edit_category(
        &self,
        actor: &Developer,
        id: CategoryId,
        input: &CategoryInput,
    ) -> Result<()> {
        ensure_operator(actor)?;
        let input = input.validated()?;
        let mut category = self.category_for_staff(id).await?;
        input.apply_to(&mut category);
        if !self.store.update_category(&category).await.map_err(sibling_name_taken)? {
            return Err(Error::NotFound("category"));
        }
        self.audit(Actor::Developer(actor.id), "category.edit", &id.0.to_string(), &category.name).await
    }

    /// Delists a category (it can no longer be added and fails review) or lists it again.
    pub async fn set_category_delisted(
        &self,
        actor: &Developer,
        id: CategoryId,
        delisted: bool,
    ) -> Result<()> {
        ensure_operator(actor)?;
        let mut category = self.category_for_staff(id).await?;
        category.delisted = delisted;
        if !self.store.update_category(&category).await? {
            return Err(Error::NotFound("category"));
        }
        let action = if delisted { "category.delist" } else { "category.relist" };
        self.audit(Actor::Developer(actor.id), action, &id.0.to_string(), &category.name).await
    }

    async fn category_for_staff(&self, id: CategoryId) -> Result<Category> {
        self.category_catalogue().await?.get(id).cloned().ok_or(Error::NotFound("category"))
    }

    /// Applications waiting for staff, oldest first.
    pub async fn pending_category_applications(&self, actor: &Developer) -> Result<Vec<PendingCategory>> {
        ensure_operator(actor)?;
        let catalogue = self.category_catalogue().await?;
        let mut pending = Vec::new();
        for application in self.store.pending_app_categories(200).await? {
            let Some(app) = self.store.app_by_key(application.app).await? else { continue };
            let name = |id| catalogue.get(id).map(|c| c.name.clone()).unwrap_or_default();
            pending.push(PendingCategory {
                first_name: name(application.first),
                second_name: name(application.second),
                qualification_remark: catalogue
                    .get(application.second)
                    .map(|c| c.qualification_remark.clone())
                    .unwrap_or_default(),
                app,
                application,
            });
        }
        Ok(pending)
    }

    /// A qualification document of an application, for staff only: the media id must be one
    /// the application names.
    pub async fn category_document(
        &self,
        actor: &Developer,
        application: i64,
        media_id: &str,
    ) -> Result<(Media, Vec<u8>)> {
        ensure_operator(actor)?;
        let application = self
            .store
            .app_category_by_id(application)
            .await?
            .ok_or(Error::NotFound("category application"))?;
        if !application.certificates.iter().any(|c| c.value == media_id) {
            return Err(Error::NotFound("document"));
        }
        self.media_bytes(application.app, media_id).await?.ok_or(Error::NotFound("document"))
    }

    /// Approves an application under review, or rejects it with a reason the developer reads;
    /// pushes `wxa_category_audit` (`first`, `second`, `ret` 3 approved / 2 rejected,
    /// `reason`) in the same unit of work.
    pub async fn decide_category_application(
        &self,
        actor: &Developer,
        id: i64,
        approve: bool,
        reason: &str,
    ) -> Result<()> {
        ensure_operator(actor)?;
        let reason = reason.trim();
        let (state, reason) = if approve {
            (CategoryState::Approved, None)
        } else if reason.is_empty() || reason.chars().count() > REASON_LIMIT {
            return Err(Error::invalid(
                "reason",
                format!("is required to reject, at most {REASON_LIMIT} characters"),
            ));
        } else {
            (CategoryState::Rejected, Some(reason))
        };
        let not_pending = Error::NotFound("category application under review");
        let application = self.store.app_category_by_id(id).await?.ok_or(not_pending)?;
        let app = self.store.app_by_key(application.app).await?.ok_or(Error::NotFound("mini program"))?;
        let event = PushEvent::new("wxa_category_audit")
            .int("first", application.first.0)
            .int("second", application.second.0)
            .int("ret", state.wire())
            .text("reason", reason.unwrap_or_default());
        let push = self.push_job(&app, event).await?;
        let decided = self
            .store
            .decide_app_category(id, state, reason, actor.id, self.clock.now(), push.as_ref().map(|p| &p.job))
            .await?;
        if !decided {
            return Err(Error::NotFound("category application under review"));
        }
        let detail = format!("{} {}/{}", state.as_str(), application.first.0, application.second.0);
        self.audit(Actor::Developer(actor.id), "category.decide", app.appid.as_str(), &detail).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_trimmed_and_bounded() {
        let input = CategoryInput {
            name: "  效率 ".into(),
            qualifications: vec![" 营业执照 ".into(), "".into()],
            special_rules: "  ".into(),
            ..Default::default()
        };
        let valid = input.validated().unwrap();
        assert_eq!(valid.name, "效率");
        assert_eq!(valid.qualifications, ["营业执照"]);
        let mut category = Category {
            id: CategoryId(1),
            parent: CategoryId::ROOT,
            level: 1,
            name: String::new(),
            sensitive: true,
            qualifications: Vec::new(),
            qualification_remark: String::new(),
            special_rules: Some("old".into()),
            subject_types: Vec::new(),
            delisted: false,
            created_at: 0,
        };
        valid.apply_to(&mut category);
        assert_eq!(category.special_rules, None, "blank rules clear them");

        let too_long = CategoryInput { name: "x".repeat(NAME_LIMIT + 1), ..Default::default() };
        assert!(too_long.validated().is_err());
        let repeated = CategoryInput {
            name: "a".into(),
            qualifications: vec!["q".into(), "q".into()],
            ..Default::default()
        };
        assert!(repeated.validated().is_err());
    }
}
