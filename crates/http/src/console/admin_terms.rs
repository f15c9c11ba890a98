//! The content-security term list for platform staff (`/admin/terms`): what `msg_sec_check`
//! and the release review's content check look for, with each term's label and suggestion.

use askama::Template;
use axum::extract::{Path, Query, State};
use miniplat_core::content::{ContentTerm, Label};
use miniplat_core::Error;
use serde::Deserialize;

use super::auth::{NoFields, NoticeQuery};
use super::csrf::Posted;
use super::pages::{
    form_status, notice_text, page, page_with, see_other, when, Chrome, FormError, PageResult,
};
use super::session::{Operator, SignedIn};
use crate::AppState;

pub struct TermRow {
    pub id: i64,
    pub term: String,
    pub label: String,
    pub suggest: &'static str,
    pub added: String,
}

pub struct LabelOption {
    pub code: i64,
    pub name: &'static str,
}

#[derive(Template)]
#[template(path = "admin/terms.html")]
struct TermsPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    terms: Vec<TermRow>,
    labels: Vec<LabelOption>,
    term: String,
    error: FormError,
}

async fn terms_page(state: &AppState, signed_in: &SignedIn) -> Result<TermsPage, Error> {
    let terms = state.platform.content_terms(&signed_in.developer).await?;
    Ok(TermsPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "admin-terms"),
        csrf: signed_in.session.csrf_token.clone(),
        notice: None,
        terms: terms.iter().map(row).collect(),
        labels: Label::TERM_LABELS.iter().map(|l| LabelOption { code: l.code(), name: l.name() }).collect(),
        term: String::new(),
        error: FormError::none(),
    })
}

fn row(term: &ContentTerm) -> TermRow {
    TermRow {
        id: term.id,
        term: term.term.clone(),
        label: format!("{} {}", term.label.code(), term.label.name()),
        suggest: term.suggest.as_str(),
        added: if term.created_by.is_some() { when(term.created_at) } else { "default".into() },
    }
}

pub async fn list(
    State(state): State<AppState>,
    operator: Operator,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut view = terms_page(&state, &operator.0).await?;
    view.notice = notice_text(query.notice.as_deref());
    Ok(page(&view))
}

#[derive(Deserialize)]
pub struct AddForm {
    term: String,
    label: i64,
    suggest: String,
}

pub async fn add(State(state): State<AppState>, posted: Posted<Operator, AddForm>) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    let form = &posted.form;
    match state.platform.add_content_term(&signed_in.developer, &form.term, form.label, &form.suggest).await {
        Ok(_) => Ok(see_other("/admin/terms?notice=term-added", false)),
        Err(error @ Error::Invalid { .. }) => {
            let mut view = terms_page(&state, signed_in).await?;
            view.term = form.term.clone();
            view.error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &view))
        }
        Err(error) => Err(error.into()),
    }
}

pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Operator, NoFields>,
) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    state.platform.remove_content_term(&signed_in.developer, id).await?;
    Ok(see_other("/admin/terms?notice=term-removed", posted.htmx))
}
