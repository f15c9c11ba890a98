//! Staff pages for categories (clause 2.8): the catalogue (`/admin/categories`: the tree, adding
//! a category, editing its documents and rules, delisting) and the review of applications that
//! carry qualification documents (`/admin/category-reviews`), whose images only staff can open.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use miniplat_core::accounts::SubjectType;
use miniplat_core::categories::staff::CategoryInput;
use miniplat_core::categories::CategoryId;
use serde::Deserialize;

use super::auth::NoticeQuery;
use super::csrf::Posted;
use super::pages::{notice_text, page, see_other, when, Chrome, PageResult};
use super::session::Operator;
use crate::AppState;

pub struct SubjectTypeBox {
    pub name: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

pub struct NodeRow {
    pub id: i64,
    pub parent: i64,
    pub level: i64,
    pub name: String,
    pub sensitive: bool,
    pub qualifications: String,
    pub remark: String,
    pub rules: String,
    pub delisted: bool,
    pub can_have_children: bool,
    pub subject_types: Vec<SubjectTypeBox>,
}

#[derive(Template)]
#[template(path = "admin/categories.html")]
struct CatalogueView {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    nodes: Vec<NodeRow>,
    blank_types: Vec<SubjectTypeBox>,
}

fn type_boxes(checked: &[SubjectType]) -> Vec<SubjectTypeBox> {
    SubjectType::ALL
        .into_iter()
        .map(|t| SubjectTypeBox { name: t.as_str(), label: t.label(), checked: checked.contains(&t) })
        .collect()
}

pub async fn catalogue(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let Operator(signed_in) = &operator;
    let catalogue = state.platform.category_catalogue().await?;
    // Depth-first, so each category follows its parent.
    let mut nodes = Vec::new();
    let mut stack: Vec<CategoryId> = catalogue.children(CategoryId::ROOT).map(|c| c.id).rev().collect();
    while let Some(id) = stack.pop() {
        let Some(c) = catalogue.get(id) else { continue };
        stack.extend(catalogue.children(id).map(|child| child.id).rev());
        nodes.push(NodeRow {
            id: c.id.0,
            parent: c.parent.0,
            level: c.level,
            name: c.name.clone(),
            sensitive: c.sensitive,
            qualifications: c.qualifications.join("\n"),
            remark: c.qualification_remark.clone(),
            rules: c.special_rules.clone().unwrap_or_default(),
            delisted: c.delisted,
            can_have_children: c.level < miniplat_core::categories::MAX_LEVEL,
            subject_types: type_boxes(&c.subject_types),
        });
    }
    Ok(page(&CatalogueView {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "admin-categories"),
        csrf: signed_in.session.csrf_token.clone(),
        notice: notice_text(query.notice.as_deref()),
        nodes,
        blank_types: type_boxes(&[]),
    }))
}

/// The fields of the add and edit forms. Subject types are checkboxes named `type_<type>`.
#[derive(Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    parent: i64,
    name: String,
    #[serde(default)]
    sensitive: Option<String>,
    /// One qualification per line.
    #[serde(default)]
    qualifications: String,
    #[serde(default)]
    remark: String,
    #[serde(default)]
    rules: String,
    type_individual: Option<String>,
    type_enterprise: Option<String>,
    type_government: Option<String>,
    type_media: Option<String>,
    type_other_organisation: Option<String>,
}

impl CategoryForm {
    fn input(&self) -> CategoryInput {
        let boxes = [
            (SubjectType::Individual, &self.type_individual),
            (SubjectType::Enterprise, &self.type_enterprise),
            (SubjectType::Government, &self.type_government),
            (SubjectType::Media, &self.type_media),
            (SubjectType::OtherOrganisation, &self.type_other_organisation),
        ];
        CategoryInput {
            name: self.name.clone(),
            sensitive: self.sensitive.is_some(),
            qualifications: self.qualifications.lines().map(str::to_owned).collect(),
            qualification_remark: self.remark.clone(),
            special_rules: self.rules.clone(),
            subject_types: boxes.into_iter().filter(|(_, on)| on.is_some()).map(|(t, _)| t).collect(),
        }
    }
}

pub async fn add(State(state): State<AppState>, posted: Posted<Operator, CategoryForm>) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    let parent = CategoryId(posted.form.parent);
    state.platform.add_category(&signed_in.developer, parent, &posted.form.input()).await?;
    Ok(see_other("/admin/categories?notice=category-saved", posted.htmx))
}

pub async fn edit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Operator, CategoryForm>,
) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    state.platform.edit_category(&signed_in.developer, CategoryId(id), &posted.form.input()).await?;
    Ok(see_other(&format!("/admin/categories?notice=category-saved#category-{id}"), posted.htmx))
}

#[derive(Deserialize)]
pub struct ListingForm {
    /// `delist` or `relist`.
    action: String,
}

pub async fn set_listing(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Operator, ListingForm>,
) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    let delisted = match posted.form.action.as_str() {
        "delist" => true,
        "relist" => false,
        _ => return Err(miniplat_core::Error::invalid("action", "is delist or relist").into()),
    };
    state.platform.set_category_delisted(&signed_in.developer, CategoryId(id), delisted).await?;
    Ok(see_other(&format!("/admin/categories?notice=category-saved#category-{id}"), posted.htmx))
}

// ---- reviews ----------------------------------------------------------------------------------

pub struct DocumentLink {
    pub name: String,
    pub href: String,
}

pub struct ReviewRow {
    pub id: i64,
    pub app_name: String,
    pub appid: String,
    pub category: String,
    pub remark: String,
    pub documents: Vec<DocumentLink>,
    pub applied: String,
}

#[derive(Template)]
#[template(path = "admin/category_reviews.html")]
struct ReviewsView {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    applications: Vec<ReviewRow>,
}

pub async fn reviews(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let Operator(signed_in) = &operator;
    let pending = state.platform.pending_category_applications(&signed_in.developer).await?;
    let applications = pending
        .into_iter()
        .map(|p| ReviewRow {
            id: p.application.id,
            app_name: p.app.name.as_str().to_owned(),
            appid: p.app.appid.to_string(),
            category: format!("{} / {}", p.first_name, p.second_name),
            remark: p.qualification_remark,
            documents: p
                .application
                .certificates
                .iter()
                .map(|c| DocumentLink {
                    name: c.key.clone(),
                    href: format!("/admin/category-reviews/{}/documents/{}", p.application.id, c.value),
                })
                .collect(),
            applied: when(p.application.applied_at),
        })
        .collect();
    Ok(page(&ReviewsView {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "admin-category-reviews"),
        csrf: signed_in.session.csrf_token.clone(),
        notice: notice_text(query.notice.as_deref()),
        applications,
    }))
}

/// A qualification image, for staff only; never cached by shared caches.
pub async fn document(
    State(state): State<AppState>,
    operator: Operator,
    Path((id, media_id)): Path<(i64, String)>,
) -> PageResult {
    let Operator(signed_in) = &operator;
    let (media, bytes) = state.platform.category_document(&signed_in.developer, id, &media_id).await?;
    let content_type = header::HeaderValue::from_str(&media.content_type)
        .unwrap_or(header::HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, header::HeaderValue::from_static("private, no-store")),
            (header::X_CONTENT_TYPE_OPTIONS, header::HeaderValue::from_static("nosniff")),
        ],
        bytes,
    )
        .into_response())
}

pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Operator, super::admin_interfaces::DecisionForm>,
) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    let approve = posted.form.approves()?;
    state
        .platform
        .decide_category_application(&signed_in.developer, id, approve, &posted.form.reason)
        .await?;
    Ok(see_other("/admin/category-reviews?notice=category-decided", posted.htmx))
}
