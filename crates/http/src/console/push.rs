//! The "Push" tab: the push configuration (saved after the URL passed the handshake; Token and
//! EncodingAESKey shown only as hints), a test event, and the delivery log.

use askama::Template;
use axum::extract::{Path, Query, State};
use miniplat_core::apps::MemberRole;
use miniplat_core::push::{EncodingAesKey, PushConfigInput, PushDelivery, PushFormat, PushMode};
use miniplat_core::Error;
use serde::Deserialize;

use super::apps::AppView;
use super::auth::{NoFields, NoticeQuery};
use super::csrf::Posted;
use super::pages::{
    form_status, notice_text, page, page_with, see_other, when, Chrome, FormError, PageResult,
};
use super::session::SignedIn;
use crate::AppState;

pub struct CurrentConfig {
    pub url: String,
    pub mode: &'static str,
    pub format: &'static str,
    pub token_hint: String,
    pub key_hint: String,
    pub verified: String,
}

pub struct DeliveryRow {
    pub at: String,
    pub event: String,
    pub event_id: String,
    pub attempt: i64,
    pub outcome: &'static str,
    pub outcome_class: &'static str,
    pub status: String,
    pub error: String,
    pub duration_ms: i64,
}

impl From<&PushDelivery> for DeliveryRow {
    fn from(d: &PushDelivery) -> Self {
        use miniplat_core::push::DeliveryOutcome::*;
        Self {
            at: when(d.at),
            event: d.event.clone(),
            event_id: d.event_id.clone(),
            attempt: d.attempt,
            outcome: d.outcome.as_str(),
            outcome_class: match d.outcome {
                Delivered => "success",
                Retrying => "warning",
                Dead => "danger",
                Dropped => "neutral",
            },
            status: d.status_code.map_or_else(|| "—".into(), |s| s.to_string()),
            error: d.error.clone().unwrap_or_default(),
            duration_ms: d.duration_ms,
        }
    }
}

#[derive(Template)]
#[template(path = "console/push.html")]
struct PushPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    app: AppView,
    csrf: String,
    can_edit: bool,
    current: Option<CurrentConfig>,
    deliveries: Vec<DeliveryRow>,
    /// The form's values.
    url: String,
    encoding_aes_key: String,
    mode: &'static str,
    format: &'static str,
    error: FormError,
}

async fn push_page(state: &AppState, signed_in: &SignedIn, appid: &str) -> Result<PushPage, Error> {
    let (app, config) = state.platform.push_config(&signed_in.developer, appid).await?;
    let (_, role) = state.platform.app_for_member(&signed_in.developer, appid).await?;
    let (_, deliveries) = state.platform.push_deliveries(&signed_in.developer, appid).await?;
    let current = config.as_ref().map(|c| CurrentConfig {
        url: c.url.to_string(),
        mode: c.mode.as_str(),
        format: c.format.as_str(),
        token_hint: c.token_hint(),
        key_hint: c.encoding_aes_key_hint(),
        verified: when(c.verified_at),
    });
    Ok(PushPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        notice: None,
        app: AppView::new(&app, role),
        csrf: signed_in.session.csrf_token.clone(),
        can_edit: matches!(role, MemberRole::Admin | MemberRole::Developer),
        url: current.as_ref().map(|c| c.url.clone()).unwrap_or_default(),
        // A first configuration gets a fresh key to start from; later ones keep theirs
        // unless a new one is typed in.
        encoding_aes_key: if config.is_none() {
            EncodingAesKey::generate().as_str().to_owned()
        } else {
            String::new()
        },
        mode: current.as_ref().map_or("safe", |c| c.mode),
        format: current.as_ref().map_or("json", |c| c.format),
        current,
        deliveries: deliveries.iter().map(DeliveryRow::from).collect(),
        error: FormError::none(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(appid): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut page_view = push_page(&state, &signed_in, &appid).await?;
    page_view.notice = notice_text(query.notice.as_deref());
    Ok(page(&page_view))
}

#[derive(Deserialize)]
pub struct ConfigForm {
    url: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    encoding_aes_key: String,
    mode: String,
    format: String,
}

pub async fn save(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedIn, ConfigForm>,
) -> PageResult {
    let signed_in = &posted.auth;
    let form = &posted.form;
    let input = match (PushMode::parse(&form.mode), PushFormat::parse(&form.format)) {
        (Some(mode), Some(format)) => Ok(PushConfigInput {
            url: form.url.clone(),
            token: Some(form.token.clone()),
            encoding_aes_key: Some(form.encoding_aes_key.clone()),
            mode: Some(mode),
            format: Some(format),
        }),
        (None, _) => Err(Error::invalid("mode", "must be plain, compatible or safe")),
        (_, None) => Err(Error::invalid("format", "must be xml or json")),
    };
    let outcome = match input {
        Ok(input) => state.platform.set_push_config(&signed_in.developer, &appid, input).await.map(|_| ()),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/console/apps/{appid}/push?notice=push-saved"), posted.htmx)),
        Err(error @ (Error::Store(_) | Error::NotFound(_))) => Err(error.into()),
        Err(error) => {
            let mut page_view = push_page(&state, signed_in, &appid).await?;
            page_view.url = form.url.clone();
            page_view.encoding_aes_key = form.encoding_aes_key.clone();
            page_view.mode = PushMode::parse(&form.mode).map_or("safe", PushMode::as_str);
            page_view.format = PushFormat::parse(&form.format).map_or("json", PushFormat::as_str);
            page_view.error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

pub async fn send_test(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedIn, NoFields>,
) -> PageResult {
    state.platform.push_test_event(&posted.auth.developer, &appid, "").await?;
    Ok(see_other(&format!("/console/apps/{appid}/push?notice=push-test-queued"), posted.htmx))
}

pub async fn remove(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedIn, NoFields>,
) -> PageResult {
    state.platform.delete_push_config(&posted.auth.developer, &appid).await?;
    Ok(see_other(&format!("/console/apps/{appid}/push?notice=push-removed"), posted.htmx))
}
