//! The web console for developers and operators (`/console`, `/admin`): server-rendered HTML
//! (askama templates in `crates/http/templates`) with htmx for small in-place updates. Every
//! form also works as a plain POST followed by a redirect.
//!
//! Layout:
//! - [`session`]: who is signed in (`SignedIn`, `Operator` extractors);
//! - [`csrf`]: the CSRF check every POST passes through (`Posted`, `Uploaded`);
//! - [`cookies`], [`pages`]: cookies, the page frame, error pages (shared with the web host);
//! - one module per group of pages: [`auth`], [`dashboard`], [`apps`], [`members`], [`share`],
//!   [`versions`], [`testers`], [`upload_keys`], [`push`], [`categories`], [`account`], [`admin`]
//!   (with `admin_categories`).

pub mod account;
pub mod admin;
mod admin_categories;
mod admin_enforcement;
mod admin_interfaces;
mod admin_reviewers;
mod admin_terms;
pub mod apps;
pub mod auth;
mod billing;
mod categories;
pub mod cookies;
pub mod csrf;
pub mod dashboard;
mod domains;
pub mod hosts;
pub mod members;
pub mod pages;
mod privacy;
mod push;
mod release;
mod review;
mod review_desk;
pub mod session;
mod share;
mod testers;
mod upload_keys;
mod versions;
mod violations;

use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/signup", get(auth::signup_page).post(auth::sign_up))
        .route("/console/signup/sent", get(auth::signup_sent))
        .route("/console/signin", get(auth::signin_page).post(auth::sign_in))
        .route("/console/signout", post(auth::sign_out))
        .route("/console/forgot", get(auth::forgot_page).post(auth::forgot))
        .route("/console/forgot/sent", get(auth::forgot_sent))
        .route("/console/reset/{token}", get(auth::reset_page).post(auth::reset))
        .route("/console/verify/resend", post(auth::resend_verification))
        .route("/console/verify/{token}", get(auth::verify))
        .route("/console/link/{token}", get(auth::link_page).post(auth::use_link))
        .route("/console/account/password", get(auth::password_page).post(auth::set_password))
        .route("/console", get(dashboard::dashboard))
        .route("/console/apps/new", get(apps::new_app_page).post(apps::create_app))
        .route("/console/apps/{appid}", get(apps::app_page))
        .route("/console/apps/{appid}/icon", get(apps::icon))
        .route("/console/apps/{appid}/profile", get(apps::back_to_app).post(apps::update_profile))
        .route("/console/apps/{appid}/secret", get(apps::back_to_app).post(apps::reset_secret))
        .route("/console/apps/{appid}/members", get(members::list).post(members::invite))
        .route("/console/apps/{appid}/members/{developer_id}", post(members::change))
        .route("/console/apps/{appid}/versions", get(versions::list))
        .route("/console/apps/{appid}/versions/{id}", get(versions::show))
        .route("/console/apps/{appid}/versions/{id}/files/{*path}", get(versions::file))
        .route("/console/apps/{appid}/versions/{id}/delete", post(versions::delete))
        .route("/console/apps/{appid}/versions/{id}/trial", post(versions::choose_trial))
        .route("/console/apps/{appid}/testers", get(testers::list).post(testers::add))
        .route("/console/apps/{appid}/testers/remove", post(testers::remove))
        .route("/console/apps/{appid}/upload-keys", get(upload_keys::list).post(upload_keys::create))
        .route("/console/apps/{appid}/upload-keys/{id}/revoke", post(upload_keys::revoke))
        .route(
            "/console/apps/{appid}/categories",
            get(categories::show)
                .post(categories::add)
                .layer(axum::extract::DefaultBodyLimit::max(categories::UPLOAD_LIMIT)),
        )
        .route(
            "/console/apps/{appid}/categories/resubmit",
            post(categories::resubmit).layer(axum::extract::DefaultBodyLimit::max(categories::UPLOAD_LIMIT)),
        )
        .route("/console/apps/{appid}/categories/delete", post(categories::delete))
        .route("/console/apps/{appid}/privacy", get(privacy::show).post(privacy::save))
        .route("/console/apps/{appid}/push", get(push::show).post(push::save))
        .route("/console/apps/{appid}/push/test", post(push::send_test))
        .route("/console/apps/{appid}/push/remove", post(push::remove))
        .route("/console/apps/{appid}/domains", get(domains::show).post(domains::save))
        .route("/console/apps/{appid}/release", get(release::show).post(release::act))
        .route("/console/apps/{appid}/violations", get(violations::show))
        .route("/console/apps/{appid}/violations/{id}/appeal", post(violations::appeal))
        .route("/console/apps/{appid}/share", get(share::share))
        .route("/console/apps/{appid}/share/links", post(share::generate_link))
        .route("/console/apps/{appid}/share/links/{ticket}/revoke", post(share::revoke_link))
        .route("/console/apps/{appid}/share/{file}", get(share::code_image))
        .route("/console/invitations/{token}", get(members::invitation_page).post(members::accept_invitation))
        .route("/console/account", get(account::account))
        .route("/console/account/subject", post(account::save_subject))
        .route("/console/account/subject-fields", get(account::subject_fields))
        .route("/console/account/api-keys", post(account::create_key))
        .route("/console/account/api-keys/{id}/revoke", post(account::revoke_key))
        .route("/admin", get(admin::index))
        .route("/admin/developers", get(admin::developers))
        .route("/admin/developers/{id}/status", post(admin::set_status))
        .route("/admin/registration", get(admin::registration).post(admin::set_registration))
        .route("/admin/invitations", post(admin::invite))
        .route("/admin/enforcement", get(admin_enforcement::list).post(admin_enforcement::order))
        .route("/admin/enforcement/{id}/lift", post(admin_enforcement::lift))
        .route("/admin/enforcement/{id}/escalate", post(admin_enforcement::escalate))
        .route("/admin/appeals/{id}", post(admin_enforcement::decide_appeal))
        .route("/admin/interfaces", get(admin_interfaces::list))
        .route("/admin/interfaces/{id}", post(admin_interfaces::decide))
        .route("/admin/terms", get(admin_terms::list).post(admin_terms::add))
        .route("/admin/terms/{id}/remove", post(admin_terms::remove))
        .route("/admin/categories", get(admin_categories::catalogue).post(admin_categories::add))
        .route("/admin/categories/{id}", post(admin_categories::edit))
        .route("/admin/categories/{id}/listing", post(admin_categories::set_listing))
        .route("/admin/category-reviews", get(admin_categories::reviews))
        .route("/admin/category-reviews/{id}", post(admin_categories::decide))
        .route("/admin/category-reviews/{id}/documents/{media_id}", get(admin_categories::document))
        .route("/admin/hosts", get(hosts::hosts).post(hosts::create_host))
        .route("/admin/hosts/{key}/revoke", post(hosts::revoke_host))
        .route("/admin/end-users/blocked", post(hosts::set_blocked))
        .merge(review_desk::routes())
        .merge(admin_reviewers::routes())
        .merge(review_routes())
}

/// The "Review" tab of a mini program; review fees, invoices and suspensions.
fn review_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/console/apps/{appid}/review",
            get(review::show)
                .post(review::submit)
                .layer(axum::extract::DefaultBodyLimit::max(review::UPLOAD_LIMIT)),
        )
        .route("/console/apps/{appid}/review/withdraw", post(review::withdraw))
        .route("/console/apps/{appid}/review/{id}/expedite", post(review::expedite))
        .route("/console/apps/{appid}/review/media/{media_id}", get(review::media))
        .route("/console/account/billing", get(billing::billing).post(billing::save_details))
        .route("/console/account/invoices/{file}", get(billing::my_invoice))
        .route("/admin/developers/{id}/review", get(billing::review_account))
        .route("/admin/developers/{id}/review/suspension", post(billing::set_suspension))
        .route("/admin/developers/{id}/review/invoices", post(billing::issue_invoice))
        .route("/admin/developers/{id}/invoices/{file}", get(billing::account_invoice))
}
