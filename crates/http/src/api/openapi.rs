//! The OpenAPI document of `/api/v1`, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{account, admin, apps, codes, hosts, push, release, reviews, upload_keys, versions};

#[derive(OpenApi)]
#[openapi(
    info(title = "Miniplat platform API", version = "1", description = "Developer and operator API of Miniplat. \
        Authenticate with `Authorization: Bearer <API key>`. Errors use one envelope; codes are listed in docs/API.md."),
    paths(
        account::me, account::put_subject, account::list_api_keys, account::create_api_key, account::revoke_api_key,
        apps::list_apps, apps::create_app, apps::show_app, apps::update_app, apps::put_icon, apps::get_icon,
        apps::reset_secret, apps::revoke_tokens, apps::list_members, apps::invite_member, apps::change_member,
        apps::remove_member, apps::accept_invitation,
        admin::list_developers, admin::create_developer, admin::set_status, admin::registration, admin::set_registration,
        admin::invite, hosts::list_hosts, hosts::create_host, hosts::revoke_host, hosts::set_blocked,
        versions::upload_version, versions::list_versions, versions::show_version, versions::version_file,
        versions::delete_version, versions::choose_trial, versions::show_trial,
        upload_keys::create_upload_key, upload_keys::list_upload_keys, upload_keys::revoke_upload_key,
        codes::trial_qrcode,
        push::show_push, push::put_push, push::delete_push, push::test_push, push::list_deliveries,
        release::release,
        reviews::submit_review, reviews::list_reviews, reviews::show_review, reviews::withdraw_review,
    ),
    modifiers(&BearerKeys),
    tags(
        (name = "account", description = "The caller's account, subject and API keys"),
        (name = "apps", description = "Mini programs"),
        (name = "members", description = "Members of a mini program"),
        (name = "admin", description = "Operator functions (admin scope)"),
        (name = "versions", description = "Code packages: develop versions and the trial version"),
        (name = "push", description = "Push to the developer's server: configuration, test event, delivery log"),
        (name = "release", description = "Releasing the approved version"),
        (name = "reviews", description = "Release review: submit the trial version, status and checks, withdraw"),
    )
)]
pub struct ApiDoc;

struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as pretty JSON (what `docs/openapi.json` holds).
pub fn document() -> String {
    ApiDoc::openapi().to_pretty_json().expect("the OpenAPI document serialises")
}

pub async fn serve() -> Json<serde_json::Value> {
    Json(serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serialises"))
}
