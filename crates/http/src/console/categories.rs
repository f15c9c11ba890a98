//! The "Categories" tab: the mini program's categories with their review state and reason,
//! applying for one (pick it, then upload one image per qualification it asks for), deleting
//! one, and sending new documents for a rejected one.

use askama::Template;
use axum::extract::{Path, Query, State};
use miniplat_core::apps::MemberRole;
use miniplat_core::categories::{Catalogue, CategoryId, CategoryState};
use miniplat_core::Error;
use serde::Deserialize;

use super::apps::AppView;
use super::csrf::{Posted, Uploaded};
use super::pages::{
    form_status, notice_text, page, page_with, see_other, when, Chrome, FormError, PageResult,
};
use super::session::SignedIn;
use crate::AppState;

/// The upload routes' body limit: a few qualification images of up to 10 MB.
pub const UPLOAD_LIMIT: usize = 32 << 20;

pub struct CategoryRow {
    pub first: i64,
    pub second: i64,
    pub name: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub reason: String,
    pub applied: String,
    pub deletable: bool,
    /// The documents to send again (rejected categories that need some).
    pub resubmit: Vec<String>,
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

/// The category picked for an application, with the documents it needs.
pub struct Picked {
    pub first: i64,
    pub second: i64,
    pub name: String,
    pub qualifications: Vec<String>,
    pub remark: String,
}

#[derive(Template)]
#[template(path = "console/categories.html")]
struct CategoriesPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    app: AppView,
    csrf: String,
    can_change: bool,
    rows: Vec<CategoryRow>,
    choices: Vec<Choice>,
    picked: Option<Picked>,
    limit: i64,
    quota: i64,
    category_limit: i64,
    error: FormError,
}

#[derive(Deserialize, Default)]
pub struct CategoriesQuery {
    notice: Option<String>,
    /// `first:second`, from the picker.
    category: Option<String>,
}

fn parse_pair(text: &str) -> Option<(CategoryId, CategoryId)> {
    let (first, second) = text.split_once(':')?;
    Some((CategoryId(first.trim().parse().ok()?), CategoryId(second.trim().parse().ok()?)))
}

fn label(catalogue: &Catalogue, first: CategoryId, second: CategoryId) -> String {
    let name = |id| catalogue.get(id).map_or_else(|| format!("#{}", id.0), |c| c.name.clone());
    format!("{} / {}", name(first), name(second))
}

async fn categories_page(
    state: &AppState,
    signed_in: &SignedIn,
    appid: &str,
    pick: Option<&str>,
) -> Result<CategoriesPage, Error> {
    let platform = &state.platform;
    let (app, role, overview) = platform.member_app_categories(&signed_in.developer, appid).await?;
    let catalogue = platform.category_catalogue().await?;
    let subject_type = platform.app_subject_type(&app).await?;
    let can_change = matches!(role, MemberRole::Admin | MemberRole::Developer);
    let rows = overview
        .categories
        .iter()
        .map(|(a, _, _)| {
            let (state_label, state_class) = match a.state {
                CategoryState::Reviewing => ("Under review", "warning"),
                CategoryState::Rejected => ("Rejected", "danger"),
                CategoryState::Approved => ("Approved", "success"),
            };
            let needed = catalogue.get(a.second).map(|c| c.qualifications.clone()).unwrap_or_default();
            CategoryRow {
                first: a.first.0,
                second: a.second.0,
                name: label(&catalogue, a.first, a.second),
                state: state_label,
                state_class,
                reason: a.reason.clone().unwrap_or_default(),
                applied: when(a.applied_at),
                deletable: a.state != CategoryState::Reviewing,
                resubmit: if a.state == CategoryState::Rejected { needed } else { Vec::new() },
            }
        })
        .collect();
    let offered = catalogue.offered(Some(subject_type));
    let taken = |first: CategoryId, second: CategoryId| {
        overview.categories.iter().any(|(a, _, _)| (a.first, a.second) == (first, second))
    };
    let choices = offered
        .iter()
        .filter(|c| c.level == 2 && !taken(c.parent, c.id))
        .map(|c| Choice {
            value: format!("{}:{}", c.parent.0, c.id.0),
            label: format!(
                "{}{}",
                label(&catalogue, c.parent, c.id),
                if c.qualifications.is_empty() { "" } else { " (needs documents)" }
            ),
        })
        .collect();
    let picked = pick.and_then(parse_pair).and_then(|(first, second)| {
        let (_, second_node) = catalogue.pair(first, second)?;
        Some(Picked {
            first: first.0,
            second: second.0,
            name: label(&catalogue, first, second),
            qualifications: second_node.qualifications.clone(),
            remark: second_node.qualification_remark.clone(),
        })
    });
    Ok(CategoriesPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        notice: None,
        app: AppView::new(&app, role),
        csrf: signed_in.session.csrf_token.clone(),
        can_change,
        rows,
        choices,
        picked,
        limit: overview.limit,
        quota: overview.quota,
        category_limit: overview.category_limit,
        error: FormError::none(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(appid): Path<String>,
    Query(query): Query<CategoriesQuery>,
) -> PageResult {
    let mut view = categories_page(&state, &signed_in, &appid, query.category.as_deref()).await?;
    view.notice = notice_text(query.notice.as_deref());
    Ok(page(&view))
}

/// The page again with the error next to the forms (or the error page for failures that are
/// not the visitor's).
async fn refused(
    state: &AppState,
    signed_in: &SignedIn,
    appid: &str,
    pick: Option<&str>,
    error: Error,
) -> PageResult {
    if matches!(error, Error::Store(_) | Error::NotFound(_)) {
        return Err(error.into());
    }
    let mut view = categories_page(state, signed_in, appid, pick).await?;
    view.error = FormError::from_error(&error);
    Ok(page_with(form_status(&error), &view))
}

/// The documents of an upload, named by the qualifications of the category in order
/// (`doc0`, `doc1` …); inputs left empty are left out.
async fn documents(
    state: &AppState,
    upload: &Uploaded<SignedIn>,
    second: CategoryId,
) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let catalogue = state.platform.category_catalogue().await?;
    let qualifications = catalogue.get(second).map(|c| c.qualifications.clone()).unwrap_or_default();
    Ok(qualifications
        .into_iter()
        .enumerate()
        .filter_map(|(index, name)| {
            upload.files.get(&format!("doc{index}")).map(|bytes| (name, bytes.clone()))
        })
        .collect())
}

fn pair_of(upload: &Uploaded<SignedIn>) -> Result<(CategoryId, CategoryId), Error> {
    parse_pair(&format!("{}:{}", upload.field("first"), upload.field("second")))
        .ok_or_else(|| Error::invalid("category", "pick a category first"))
}

pub async fn add(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    upload: Uploaded<SignedIn>,
) -> PageResult {
    let pick = format!("{}:{}", upload.field("first"), upload.field("second"));
    let outcome = async {
        let (first, second) = pair_of(&upload)?;
        let documents = documents(&state, &upload, second).await?;
        state.platform.member_add_category(&upload.auth.developer, &appid, first, second, documents).await
    }
    .await;
    match outcome {
        Ok(()) => Ok(see_other(&format!("/console/apps/{appid}/categories?notice=category-added"), false)),
        Err(error) => refused(&state, &upload.auth, &appid, Some(&pick), error).await,
    }
}

pub async fn resubmit(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    upload: Uploaded<SignedIn>,
) -> PageResult {
    let outcome = async {
        let (first, second) = pair_of(&upload)?;
        let documents = documents(&state, &upload, second).await?;
        state
            .platform
            .member_resubmit_category(&upload.auth.developer, &appid, first, second, documents)
            .await
    }
    .await;
    match outcome {
        Ok(()) => {
            Ok(see_other(&format!("/console/apps/{appid}/categories?notice=category-resubmitted"), false))
        }
        Err(error) => refused(&state, &upload.auth, &appid, None, error).await,
    }
}

#[derive(Deserialize)]
pub struct PairForm {
    first: i64,
    second: i64,
}

pub async fn delete(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedIn, PairForm>,
) -> PageResult {
    let (first, second) = (CategoryId(posted.form.first), CategoryId(posted.form.second));
    match state.platform.member_delete_category(&posted.auth.developer, &appid, first, second).await {
        Ok(()) => {
            Ok(see_other(&format!("/console/apps/{appid}/categories?notice=category-deleted"), posted.htmx))
        }
        Err(error) => refused(&state, &posted.auth, &appid, None, error).await,
    }
}
