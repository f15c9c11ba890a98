//! Rendering HTML pages for the console and the web host: the shared page frame ([`Chrome`]),
//! inline form errors ([`FormError`]), the error pages (404, 403, 500 …) and small response
//! helpers (Post/Redirect/Get that also works for htmx requests).

use askama::Template;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use miniplat_core::accounts::{Developer, EndUser, Session};
use miniplat_core::Error;

use crate::RequestId;

/// Which surface a page belongs to; decides the navigation and the sign-in links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Console,
    Host,
    /// Error pages, which may be reached from either surface.
    Neutral,
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// Everything the page frame (`base.html`) shows around a page: the top bar with sign-in state,
/// the navigation, and the session's CSRF token for the sign-out form and for htmx.
pub struct Chrome {
    pub surface: Surface,
    pub home: &'static str,
    pub nav: Vec<NavItem>,
    /// Who is signed in (email or nickname), if anyone.
    pub user: Option<String>,
    pub csrf: Option<String>,
    pub sign_in: &'static str,
    pub sign_up: &'static str,
    pub sign_out: &'static str,
}

impl Chrome {
    /// A console page for a visitor who is not signed in.
    pub fn console_anonymous() -> Self {
        Self {
            surface: Surface::Console,
            home: "/console",
            nav: Vec::new(),
            user: None,
            csrf: None,
            sign_in: "/console/signin",
            sign_up: "/console/signup",
            sign_out: "/console/signout",
        }
    }

    /// A console page of a signed-in developer; `section` marks the current navigation item.
    pub fn console(developer: &Developer, session: &Session, section: &str) -> Self {
        let mut items =
            vec![("/console", "Mini programs", "apps"), ("/console/account", "Account", "account")];
        if developer.is_operator() {
            items.push(("/admin/developers", "Developers", "admin-developers"));
            items.push(("/admin/registration", "Registration", "admin-registration"));
            items.push(("/admin/interfaces", "Interfaces", "admin-interfaces"));
            items.push(("/admin/terms", "Content terms", "admin-terms"));
            items.push(("/admin/enforcement", "Enforcement", "admin-enforcement"));
            items.push(("/admin/categories", "Categories", "admin-categories"));
            items.push(("/admin/category-reviews", "Category reviews", "admin-category-reviews"));
            items.push(("/admin/hosts", "Hosts & end users", "admin-hosts"));
            items.push(("/admin/reviewers", "Reviewers", "admin-reviewers"));
            items.push(("/review", "Review", "review"));
        }
        Self {
            nav: items
                .into_iter()
                .map(|(href, label, key)| NavItem { href, label, current: key == section })
                .collect(),
            user: Some(developer.email.to_string()),
            csrf: Some(session.csrf_token.clone()),
            ..Self::console_anonymous()
        }
    }

    /// A web host page for a visitor who is not signed in.
    pub fn host_anonymous() -> Self {
        Self {
            surface: Surface::Host,
            home: "/",
            nav: vec![NavItem { href: "/console", label: "For developers", current: false }],
            user: None,
            csrf: None,
            sign_in: "/signin",
            sign_up: "/signup",
            sign_out: "/signout",
        }
    }

    /// A web host page of a signed-in end user.
    pub fn host(user: &EndUser, session: &Session, section: &str) -> Self {
        Self {
            nav: vec![
                NavItem { href: "/profile", label: "Profile", current: section == "profile" },
                NavItem { href: "/privacy", label: "Privacy", current: section == "privacy" },
                NavItem { href: "/console", label: "For developers", current: false },
            ],
            user: Some(user.nickname.clone()),
            csrf: Some(session.csrf_token.clone()),
            ..Self::host_anonymous()
        }
    }

    /// Error pages: no account state, links to both surfaces.
    pub fn neutral() -> Self {
        Self {
            surface: Surface::Neutral,
            nav: vec![
                NavItem { href: "/", label: "Home", current: false },
                NavItem { href: "/console", label: "Developer console", current: false },
            ],
            ..Self::host_anonymous()
        }
    }

    pub fn is_console(&self) -> bool {
        self.surface == Surface::Console
    }

    pub fn is_neutral(&self) -> bool {
        self.surface == Surface::Neutral
    }
}

/// An error to show on a form, next to the input the user typed (which the page keeps).
#[derive(Debug, Default)]
pub struct FormError {
    pub message: Option<String>,
    /// The input the error is about, marked `aria-invalid` on the form.
    pub field: Option<&'static str>,
}

impl FormError {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn message(message: impl Into<String>) -> Self {
        Self { message: Some(message.into()), field: None }
    }

    pub fn on(field: &'static str, message: impl Into<String>) -> Self {
        Self { message: Some(message.into()), field: Some(field) }
    }

    /// The domain error as a sentence for people. Internal failures are logged here, once, and
    /// shown only as a reference.
    pub fn from_error(error: &Error) -> Self {
        let field = match error {
            Error::Invalid { field, .. } => Some(*field),
            Error::Conflict(miniplat_core::error::Conflict::EmailTaken) => Some("email"),
            Error::Conflict(miniplat_core::error::Conflict::AppNameTaken) => Some("name"),
            _ => None,
        };
        Self { message: Some(sentence(error)), field }
    }

    /// True when the error concerns input `name` (for `aria-invalid`).
    pub fn is_on(&self, name: &str) -> bool {
        self.field == Some(name)
    }
}

/// A domain error's safe message as a sentence: capitalised and ending with a full stop.
/// Storage failures are logged with the request id and replaced by a generic sentence.
pub fn sentence(error: &Error) -> String {
    if let Error::Store(cause) = error {
        let rid = RequestId::current();
        tracing::error!(error = %cause, rid = %rid, "web page failed");
        return format!("Something went wrong on our side. Please try again. (Reference: {rid})");
    }
    let text = error.to_string();
    let mut chars = text.chars();
    let mut out: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// The HTTP status a form re-rendered with an error answers with.
pub fn form_status(error: &Error) -> StatusCode {
    match error {
        Error::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        other => crate::api::error::status_of(other),
    }
}

/// Renders a page with status 200.
pub fn page(template: &impl Template) -> Response {
    page_with(StatusCode::OK, template)
}

/// Renders a page. Pages may carry personal data or one-time secrets, so no cache keeps them.
pub fn page_with(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")],
            html,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, rid = %RequestId::current(), "template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
        }
    }
}

/// True for requests htmx sent (they want a fragment, or `HX-Redirect` instead of a redirect).
pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
}

/// Post/Redirect/Get: `303 See Other` for plain form posts, `HX-Redirect` for htmx.
pub fn see_other(location: &str, htmx: bool) -> Response {
    let Ok(value) = HeaderValue::from_str(location) else {
        return PageError::NotFound.into_response();
    };
    if htmx {
        (StatusCode::OK, [("hx-redirect", value)]).into_response()
    } else {
        (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response()
    }
}

/// A stored icon or avatar as an image response (the 404 page when the blob is gone).
/// Ends the session the cookie `name` holds (server-side too), clears the cookie and redirects.
pub async fn end_session(
    state: &crate::AppState,
    headers: &HeaderMap,
    name: &str,
    location: &str,
    htmx: bool,
) -> PageResult {
    if let Some(cookie) = super::cookies::get(headers, name) {
        state.platform.close_session(cookie).await?;
    }
    let mut response = see_other(location, htmx);
    response.headers_mut().append(header::SET_COOKIE, super::cookies::clear(name, state.web.secure_cookies));
    Ok(response)
}

pub async fn stored_image(state: &crate::AppState, key: &str, cache_control: &'static str) -> PageResult {
    let bytes = state.platform.blobs.get(key).await.map_err(miniplat_core::blobs::store_error)?;
    let bytes = bytes.ok_or(PageError::NotFound)?;
    let content_type = if key.ends_with(".png") { "image/png" } else { "image/jpeg" };
    Ok(([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, cache_control)], bytes)
        .into_response())
}

/// `2026-11-29 23:03 UTC`.
pub fn when(at: miniplat_core::Timestamp) -> String {
    miniplat_core::clock::format_utc(at)
}

/// Short confirmations shown after a redirect (`?notice=key`); only these fixed texts can be
/// shown, so a crafted link cannot put words in the platform's mouth.
pub fn notice_text(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "verification-sent" => "We sent a new verification link. Check your inbox.",
        "profile-saved" => "The mini program's profile was saved.",
        "member-invited" => "The invitation was sent.",
        "member-updated" => "The member's role was changed.",
        "member-removed" => "The member was removed.",
        "joined" => "You joined the mini program.",
        "subject-saved" => "Your subject information was saved.",
        "password-changed" => "Your password was changed.",
        "password-set" => "Your password is set. Use it to sign in from now on.",
        "key-revoked" => "The API key was revoked.",
        "status-changed" => "The account status was changed.",
        "mode-changed" => "The registration mode was changed.",
        "signed-out" => "You are signed out.",
        "password-reset" => "Your password was changed. Sign in with the new one.",
        "nickname-saved" => "Your profile was saved.",
        "version-deleted" => "The develop version was deleted.",
        "trial-chosen" => "The trial version was chosen.",
        "tester-added" => "The tester was added.",
        "tester-removed" => "The tester was removed.",
        "upload-key-revoked" => "The upload key was revoked.",
        "link-revoked" => "The link was revoked; opening it now says it has expired.",
        "consent-withdrawn" => "Your consent was withdrawn. The mini program must ask again before it gets any of your information.",
        "permission-revoked" => "The permission was taken back.",
        "application-decided" => "The decision was recorded; the developer sees it in get_privacy_interface.",
        "privacy-saved" => "The development privacy guide was saved. It becomes live with the next release.",
        "host-revoked" => "The host was revoked; its secret no longer works.",
        "user-blocked" => "The end user is blocked: logins to mini programs answer 40226.",
        "user-unblocked" => "The end user is unblocked.",
        "push-saved" => "Your server answered the verification; push is on.",
        "push-test-queued" => "A debug_demo event was queued; the delivery log shows how it went.",
        "push-removed" => "Push is off; queued events will not be sent.",
        "term-added" => "The term was added; checks use it at once.",
        "term-removed" => "The term was removed.",
        "domains-saved" => "The domains were saved.",
        "released" => "The version is live.",
        "gray-released" => "The gray release was updated.",
        "gray-reverted" => "The gray release was reverted; its users are back on the live version.",
        "rolled-back" => "Rolled back: the chosen version is live again.",
        "service-paused" => "The service is paused: nobody can open the mini program.",
        "service-resumed" => "The service is running again.",
        "search-changed" => "Search visibility was changed.",
        "appeal-sent" => "Your appeal was sent; platform staff will decide.",
        "enforcement-ordered" => "The action was recorded and is in force.",
        "enforcement-lifted" => "The action was lifted.",
        "appeal-decided" => "The appeal was decided.",
        "category-added" => "The category was added. Categories that need documents wait for platform staff.",
        "category-resubmitted" => "The new documents were sent; the category is under review again.",
        "category-deleted" => "The category was deleted.",
        "category-saved" => "The catalogue was saved.",
        "category-decided" => "The decision was recorded and pushed to the developer (wxa_category_audit).",
        _ => return None,
    })
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    title: String,
    message: String,
}

/// Why a page could not be shown. Each becomes a full HTML error page.
#[derive(Debug)]
pub enum PageError {
    /// Also what non-members and non-operators see, so nothing unreleased leaks.
    NotFound,
    /// The CSRF token was missing or wrong; nothing was changed.
    CsrfRejected,
    /// The form body could not be read.
    BadForm,
    TooLarge,
    Domain(Error),
}

impl From<Error> for PageError {
    fn from(error: Error) -> Self {
        match error {
            Error::NotFound(_) => Self::NotFound,
            other => Self::Domain(other),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found".to_owned(),
                "There is nothing here, or you do not have access to it.".to_owned(),
            ),
            Self::CsrfRejected => (
                StatusCode::FORBIDDEN,
                "This form has expired".to_owned(),
                "The form could not be verified as coming from this site, so nothing was changed. \
                 Go back, reload the page and try again."
                    .to_owned(),
            ),
            Self::BadForm => (
                StatusCode::BAD_REQUEST,
                "The form could not be read".to_owned(),
                "Nothing was changed. Go back, reload the page and try again.".to_owned(),
            ),
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "The upload is too large".to_owned(),
                "Nothing was changed. Choose a smaller file and try again.".to_owned(),
            ),
            Self::Domain(error) => {
                let status = crate::api::error::status_of(&error);
                let title = match status {
                    StatusCode::INTERNAL_SERVER_ERROR => "Something went wrong",
                    StatusCode::GONE => "This link cannot be used",
                    StatusCode::FORBIDDEN => "Not allowed",
                    _ => "That did not work",
                };
                (status, title.to_owned(), sentence(&error))
            }
        };
        page_with(status, &ErrorPage { chrome: Chrome::neutral(), title, message })
    }
}

/// The result type of page handlers.
pub type PageResult = Result<Response, PageError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_capitalised_and_end_with_a_stop() {
        assert_eq!(
            sentence(&Error::invalid("password", "must be at least 10 characters long")),
            "Password must be at least 10 characters long."
        );
        assert_eq!(sentence(&Error::BadCredentials), "The email or password is wrong.");
    }

    #[test]
    fn notices_come_from_a_fixed_list() {
        assert!(notice_text(Some("profile-saved")).is_some());
        assert!(notice_text(Some("<script>")).is_none());
        assert!(notice_text(None).is_none());
    }
}
