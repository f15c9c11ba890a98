//! The "Domains" tab: the server domains a mini program's network APIs may reach and the
//! web-view domains, as `modify_domain` / `setwebviewdomain` see them; one form per list.

use askama::Template;
use axum::extract::{Path, Query, State};
use miniplat_core::apps::MemberRole;
use miniplat_core::domains::{AppDomains, DomainKind};
use miniplat_core::Error;
use serde::Deserialize;

use super::apps::AppView;
use super::auth::NoticeQuery;
use super::csrf::Posted;
use super::pages::{form_status, notice_text, page, page_with, see_other, Chrome, FormError, PageResult};
use super::session::SignedIn;
use crate::AppState;

/// The web-view list's form name.
const WEBVIEW: &str = "webviewdomain";

pub struct DomainList {
    /// `requestdomain`, …, `webviewdomain`.
    pub field: &'static str,
    pub title: &'static str,
    pub scheme: &'static str,
    /// One domain per line.
    pub text: String,
    pub count: usize,
}

#[derive(Template)]
#[template(path = "console/domains.html")]
struct DomainsPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    app: AppView,
    csrf: String,
    can_change: bool,
    lists: Vec<DomainList>,
    modifications_left: i64,
    confirm_file: Option<(String, String)>,
    error: FormError,
}

fn title(field: &str) -> &'static str {
    match field {
        "requestdomain" => "request (wx.request)",
        "wsrequestdomain" => "socket (wx.connectSocket)",
        "uploaddomain" => "uploadFile",
        "downloaddomain" => "downloadFile",
        "udpdomain" => "UDP",
        "tcpdomain" => "TCP",
        _ => "web-view (business domains)",
    }
}

fn lists(domains: &AppDomains) -> Vec<DomainList> {
    DomainKind::ALL
        .into_iter()
        .map(|kind| (kind.field(), kind.scheme(), domains.server.list(kind)))
        .chain(std::iter::once((WEBVIEW, "https", &domains.webview)))
        .map(|(field, scheme, list)| DomainList {
            field,
            title: title(field),
            scheme,
            text: list.join("\n"),
            count: list.len(),
        })
        .collect()
}

async fn domains_page(state: &AppState, signed_in: &SignedIn, appid: &str) -> Result<DomainsPage, Error> {
    let (app, role, domains) = state.platform.domains_for_member(&signed_in.developer, appid).await?;
    Ok(DomainsPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        notice: None,
        app: AppView::new(&app, role),
        csrf: signed_in.session.csrf_token.clone(),
        can_change: role.ensure(MemberRole::Developer).is_ok(),
        lists: lists(&domains),
        modifications_left: domains.modifications_left(state.platform.clock.now()),
        confirm_file: domains.confirm_file.map(|f| (f.file_name, f.file_content)),
        error: FormError::none(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(appid): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut view = domains_page(&state, &signed_in, &appid).await?;
    view.notice = notice_text(query.notice.as_deref());
    Ok(page(&view))
}

#[derive(Deserialize)]
pub struct ListForm {
    list: String,
    #[serde(default)]
    domains: String,
}

pub async fn save(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedIn, ListForm>,
) -> PageResult {
    let signed_in = &posted.auth;
    let form = &posted.form;
    let kind = match DomainKind::ALL.into_iter().find(|k| k.field() == form.list) {
        Some(kind) => Some(kind),
        None if form.list == WEBVIEW => None,
        None => return Err(Error::invalid("list", "is not a domain list").into()),
    };
    let entries: Vec<String> =
        form.domains.lines().map(str::trim).filter(|line| !line.is_empty()).map(str::to_owned).collect();
    match state.platform.set_domains_as_member(&signed_in.developer, &appid, kind, entries).await {
        Ok(()) => Ok(see_other(&format!("/console/apps/{appid}/domains?notice=domains-saved"), false)),
        Err(error @ Error::Invalid { .. }) => {
            let mut view = domains_page(&state, signed_in, &appid).await?;
            if let Some(list) = view.lists.iter_mut().find(|l| l.field == form.list) {
                list.text = form.domains.clone();
            }
            view.error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &view))
        }
        Err(error) => Err(error.into()),
    }
}
