//! The signed-in end user's profile: nickname, phone number and avatar.

use askama::Template;
use axum::extract::{Query, State};
use miniplat_core::Error;

use super::session::SignedInUser;
use crate::console::auth::NoticeQuery;
use crate::console::csrf::Uploaded;
use crate::console::pages::{
    form_status, notice_text, page, page_with, see_other, stored_image, Chrome, FormError, PageError,
    PageResult,
};
use crate::AppState;

#[derive(Template)]
#[template(path = "host/profile.html")]
struct ProfilePage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    email: String,
    nickname: String,
    phone: String,
    has_avatar: bool,
    error: FormError,
}

impl ProfilePage {
    fn new(signed_in: &SignedInUser) -> Self {
        Self {
            chrome: Chrome::host(&signed_in.user, &signed_in.session, "profile"),
            csrf: signed_in.session.csrf_token.clone(),
            notice: None,
            email: signed_in.user.email.to_string(),
            nickname: signed_in.user.nickname.clone(),
            phone: signed_in.user.phone.as_ref().map(ToString::to_string).unwrap_or_default(),
            has_avatar: signed_in.user.avatar_key.is_some(),
            error: FormError::none(),
        }
    }
}

pub async fn profile(signed_in: SignedInUser, Query(query): Query<NoticeQuery>) -> PageResult {
    let mut page_view = ProfilePage::new(&signed_in);
    page_view.notice = notice_text(query.notice.as_deref());
    Ok(page(&page_view))
}

/// Saves the nickname, the phone number and, when a file was chosen, the avatar (multipart form).
pub async fn update(State(state): State<AppState>, upload: Uploaded<SignedInUser>) -> PageResult {
    let nickname = upload.field("nickname");
    let phone = upload.field("phone");
    let avatar = upload.files.get("avatar").map(Vec::as_slice);
    match state.platform.update_end_user_profile(&upload.auth.user, nickname, phone, avatar).await {
        Ok(_) => Ok(see_other("/profile?notice=nickname-saved", false)),
        Err(error @ Error::Store(_)) => Err(error.into()),
        Err(error) => {
            let mut page_view = ProfilePage::new(&upload.auth);
            page_view.nickname = nickname.to_owned();
            page_view.phone = phone.to_owned();
            page_view.error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

/// The signed-in user's own avatar.
pub async fn avatar(State(state): State<AppState>, signed_in: SignedInUser) -> PageResult {
    let key = signed_in.user.avatar_key.as_deref().ok_or(PageError::NotFound)?;
    stored_image(&state, key, "private, no-cache").await
}
