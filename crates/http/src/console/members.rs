//! Members of a mini program: the list with roles, pending invitations, inviting by email,
//! changing a role or removing someone (admins only), and accepting an invitation link.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use miniplat_core::accounts::DeveloperId;
use miniplat_core::apps::{App, Invitation, Member, MemberRole};
use miniplat_core::Error;
use serde::Deserialize;

use super::apps::AppView;
use super::auth::{NoFields, NoticeQuery};
use super::csrf::Posted;
use super::dashboard::role_label;
use super::pages::{
    form_status, notice_text, page, page_with, see_other, when, Chrome, FormError, PageResult,
};
use super::session::SignedIn;
use crate::AppState;

pub struct MemberRow {
    pub developer_id: i64,
    pub email: String,
    pub role: &'static str,
    pub role_value: &'static str,
    pub is_me: bool,
    pub added: String,
}

pub struct InvitationRow {
    pub email: String,
    pub role: &'static str,
    pub expires: String,
}

pub struct RoleOption {
    pub value: &'static str,
    pub label: &'static str,
}

/// The members table, rendered in the page and on its own for htmx updates.
pub struct MembersTable {
    pub appid: String,
    pub csrf: String,
    pub is_admin: bool,
    pub members: Vec<MemberRow>,
    pub roles: Vec<RoleOption>,
    pub error: FormError,
}

impl MembersTable {
    fn new(signed_in: &SignedIn, app: &App, role: MemberRole, members: &[Member]) -> Self {
        Self {
            appid: app.appid.to_string(),
            csrf: signed_in.session.csrf_token.clone(),
            is_admin: role == MemberRole::Admin,
            members: members
                .iter()
                .map(|m| MemberRow {
                    developer_id: m.developer_id.0,
                    email: m.email.to_string(),
                    role: role_label(m.role),
                    role_value: m.role.as_str(),
                    is_me: m.developer_id == signed_in.developer.id,
                    added: when(m.added_at),
                })
                .collect(),
            roles: role_options(),
            error: FormError::none(),
        }
    }
}

fn role_options() -> Vec<RoleOption> {
    MemberRole::ALL.into_iter().map(|r| RoleOption { value: r.as_str(), label: role_label(r) }).collect()
}

#[derive(Template)]
#[template(path = "console/members.html")]
struct MembersPage {
    chrome: Chrome,
    notice: Option<&'static str>,
    app: AppView,
    table: MembersTable,
    pending: Vec<InvitationRow>,
    invite_email: String,
    invite_role: String,
    invite_error: FormError,
}

#[derive(Template)]
#[template(path = "console/members_table.html")]
struct MembersFragment {
    table: MembersTable,
}

/// Loads everything the members page shows; non-members get "not found".
async fn members_page(state: &AppState, signed_in: &SignedIn, appid: &str) -> Result<MembersPage, Error> {
    let (app, role) = state.platform.app_for_member(&signed_in.developer, appid).await?;
    let (_, members, pending) = state.platform.members(&signed_in.developer, appid).await?;
    Ok(MembersPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        notice: None,
        app: AppView::new(&app, role),
        table: MembersTable::new(signed_in, &app, role, &members),
        pending: pending.iter().map(invitation_row).collect(),
        invite_email: String::new(),
        invite_role: MemberRole::Developer.as_str().to_owned(),
        invite_error: FormError::none(),
    })
}

fn invitation_row(invitation: &Invitation) -> InvitationRow {
    InvitationRow {
        email: invitation.email.to_string(),
        role: role_label(invitation.role),
        expires: when(invitation.expires_at),
    }
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(appid): Path<String>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut page_view = members_page(&state, &signed_in, &appid).await?;
    page_view.notice = notice_text(query.notice.as_deref());
    Ok(page(&page_view))
}

#[derive(Deserialize)]
pub struct InviteForm {
    email: String,
    role: String,
}

pub async fn invite(
    State(state): State<AppState>,
    Path(appid): Path<String>,
    posted: Posted<SignedIn, InviteForm>,
) -> PageResult {
    let signed_in = &posted.auth;
    let form = &posted.form;
    let outcome = match MemberRole::parse(&form.role) {
        Some(role) => {
            state.platform.invite_member(&signed_in.developer, &appid, &form.email, role).await.map(drop)
        }
        None => Err(Error::invalid("role", "is not a member role")),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("/console/apps/{appid}/members?notice=member-invited"), false)),
        Err(error @ (Error::Store(_) | Error::NotFound(_))) => Err(error.into()),
        Err(error) => {
            let mut page_view = members_page(&state, signed_in, &appid).await?;
            page_view.invite_email = form.email.clone();
            page_view.invite_role = form.role.clone();
            page_view.invite_error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    /// A role, or `remove`.
    role: String,
}

/// Changes a member's role or removes them. htmx gets the refreshed table (with the error, if
/// any); a plain form post is redirected, or shown the page with the error.
pub async fn change(
    State(state): State<AppState>,
    Path((appid, member)): Path<(String, i64)>,
    posted: Posted<SignedIn, RoleForm>,
) -> PageResult {
    let signed_in = &posted.auth;
    let role = match posted.form.role.as_str() {
        "remove" => Ok(None),
        other => {
            MemberRole::parse(other).map(Some).ok_or_else(|| Error::invalid("role", "is not a member role"))
        }
    };
    let outcome = match role {
        Ok(role) => state
            .platform
            .set_member_role(&signed_in.developer, &appid, DeveloperId(member), role)
            .await
            .map(|()| role),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(None) if member == signed_in.developer.id.0 => Ok(see_other("/console", posted.htmx)),
        Ok(role) => {
            if posted.htmx {
                let page_view = members_page(&state, signed_in, &appid).await?;
                return Ok(page(&MembersFragment { table: page_view.table }));
            }
            let notice = if role.is_some() { "member-updated" } else { "member-removed" };
            Ok(see_other(&format!("/console/apps/{appid}/members?notice={notice}"), false))
        }
        Err(error @ (Error::Store(_) | Error::NotFound(_))) => Err(error.into()),
        Err(error) => {
            let mut page_view = members_page(&state, signed_in, &appid).await?;
            page_view.table.error = FormError::from_error(&error);
            if posted.htmx {
                // htmx swaps 422 answers (see console.js), so the error appears in place.
                return Ok(page_with(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &MembersFragment { table: page_view.table },
                ));
            }
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

// ---- invitations --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "console/invitation.html")]
struct InvitationPage {
    chrome: Chrome,
    csrf: String,
    email: String,
}

/// Asks the signed-in developer to accept (visitors are sent to sign in and brought back).
pub async fn invitation_page(signed_in: SignedIn, Path(_token): Path<String>) -> Response {
    page(&InvitationPage {
        chrome: Chrome::console(&signed_in.developer, &signed_in.session, "apps"),
        csrf: signed_in.session.csrf_token.clone(),
        email: signed_in.developer.email.to_string(),
    })
}

pub async fn accept_invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
    posted: Posted<SignedIn, NoFields>,
) -> PageResult {
    let app = state.platform.accept_invitation(&posted.auth.developer, &token).await?;
    Ok(see_other(&format!("/console/apps/{}?notice=joined", app.appid), false))
}
