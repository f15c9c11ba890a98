//! Request and response bodies of the platform API: the JSON contract, with OpenAPI schemas.

use miniplat_core::accounts::subject::{SubjectDetails, VerificationStatus};
use miniplat_core::accounts::{AccountStatus, Developer, PlatformRole, RegistrationMode, SubjectType};
use miniplat_core::api_keys::{ApiKey, Scope};
use miniplat_core::apps::AppStatus;
use miniplat_core::apps::{App, Invitation, Member, MemberRole};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct DeveloperView {
    pub id: i64,
    pub email: String,
    pub role: PlatformRole,
    pub status: AccountStatus,
    pub email_verified: bool,
    pub created_at: i64,
}

impl From<&Developer> for DeveloperView {
    fn from(d: &Developer) -> Self {
        Self {
            id: d.id.0,
            email: d.email.to_string(),
            role: d.role,
            status: d.status,
            email_verified: d.is_verified(),
            created_at: d.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SubjectView {
    pub subject_type: SubjectType,
    /// Shown on the public profile.
    pub public_name: String,
    pub verification: VerificationStatus,
    pub details: SubjectDetails,
    pub updated_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub developer: DeveloperView,
    pub subject: Option<SubjectView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubjectRequest {
    pub subject_type: SubjectType,
    pub details: SubjectDetails,
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    /// The first characters of the key.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl From<&ApiKey> for ApiKeyView {
    fn from(k: &ApiKey) -> Self {
        Self {
            id: k.id,
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            scopes: k.scopes.clone(),
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyList {
    pub api_keys: Vec<ApiKeyView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    pub name: String,
    /// Defaults to every scope the account may hold.
    #[serde(default)]
    pub scopes: Option<Vec<Scope>>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedApiKeyView {
    #[serde(flatten)]
    pub key: ApiKeyView,
    /// The key itself: shown once, never again.
    pub api_key: String,
}

#[derive(Serialize, ToSchema)]
pub struct AppView {
    pub appid: String,
    pub name: String,
    pub introduction: String,
    pub status: AppStatus,
    pub contact_email: Option<String>,
    /// Path of the icon image, when one is set.
    pub icon_url: Option<String>,
    /// The caller's role in this mini program.
    pub role: MemberRole,
    pub created_at: i64,
}

impl AppView {
    pub fn new(app: &App, role: MemberRole) -> Self {
        Self {
            appid: app.appid.to_string(),
            name: app.name.as_str().to_owned(),
            introduction: app.introduction.clone(),
            status: app.status,
            contact_email: app.contact_email.as_ref().map(ToString::to_string),
            icon_url: app.icon_key.as_ref().map(|_| format!("/api/v1/apps/{}/icon", app.appid)),
            role,
            created_at: app.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AppList {
    pub apps: Vec<AppView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAppRequest {
    /// 2–30 characters, unique platform-wide (case- and width-insensitive).
    pub name: String,
    #[serde(default)]
    pub introduction: String,
    /// The mini program's own account email; must not be used by any other account.
    #[serde(default)]
    pub contact_email: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedAppView {
    #[serde(flatten)]
    pub app: AppView,
    /// The AppSecret: shown once, stored only as a hash.
    pub secret: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAppRequest {
    pub introduction: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SecretView {
    pub appid: String,
    pub secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct RevokedView {
    pub revoked: u64,
}

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub developer_id: i64,
    pub email: String,
    pub role: MemberRole,
    pub added_at: i64,
}

impl From<&Member> for MemberView {
    fn from(m: &Member) -> Self {
        Self {
            developer_id: m.developer_id.0,
            email: m.email.to_string(),
            role: m.role,
            added_at: m.added_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvitationView {
    pub email: String,
    pub role: MemberRole,
    pub expires_at: i64,
}

impl From<&Invitation> for InvitationView {
    fn from(i: &Invitation) -> Self {
        Self { email: i.email.to_string(), role: i.role, expires_at: i.expires_at }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberList {
    pub members: Vec<MemberView>,
    /// Invitations not yet accepted.
    pub invitations: Vec<InvitationView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteMemberRequest {
    pub email: String,
    pub role: MemberRole,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeMemberRequest {
    pub role: MemberRole,
}

#[derive(Serialize, ToSchema)]
pub struct InvitedView {
    pub email: String,
    pub role: MemberRole,
}

#[derive(Serialize, ToSchema)]
pub struct DeveloperList {
    pub developers: Vec<DeveloperView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDeveloperRequest {
    pub email: String,
    #[serde(default)]
    pub role: Option<PlatformRole>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedDeveloperView {
    pub developer_id: i64,
    pub email: String,
    /// An API key with every scope of the account: shown once.
    pub api_key: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    pub status: AccountStatus,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationView {
    pub mode: RegistrationMode,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteDeveloperRequest {
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationLinkView {
    pub email: String,
    /// The sign-up link (also emailed).
    pub link: String,
}
