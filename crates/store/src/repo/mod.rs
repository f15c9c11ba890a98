//! The storage port implemented once over [`Conn`] for both backends: row mapping shared by
//! the concept modules, each of which implements one of the port's traits.

mod accounts;
mod apps;
mod categories;
mod codes;
mod content;
mod domains;
mod hosts;
mod identities;
mod jobs;
mod platform;
mod privacy;
mod push;
mod quota;
mod release;
mod review;
mod review_submit;
mod reviewing;
mod tokens;
mod versions;

use async_trait::async_trait;
use miniplat_core::accounts::developers::NewDeveloper;
use miniplat_core::accounts::end_users::NewEndUser;
use miniplat_core::accounts::sign_in::SignInState;
use miniplat_core::accounts::subject::VerificationStatus;
use miniplat_core::accounts::{
    AccountRef, AccountStatus, Developer, DeveloperId, EndUser, EndUserId, Phone, PlatformRole, Session,
    Subject, SubjectType,
};
use miniplat_core::api_keys::{ApiKey, Scope};
use miniplat_core::apps::{
    App, AppId, AppKey, AppName, AppStatus, CreateAppError, Invitation, Member, MemberRole, NewApp,
};
use miniplat_core::audit::{chain_hash, AuditEntry, NewAuditEntry, GENESIS};
use miniplat_core::email::Email;
use miniplat_core::error::StoreError;
use miniplat_core::quota::RequestRecord;
use miniplat_core::store::StoreResult;
use miniplat_core::tokens::{AccessTokenRecord, TokenKind};
use miniplat_core::Timestamp;

use crate::params;
use crate::sql::{Conn, Dialect, Row};
use crate::SqlStore;

pub(super) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Backend(format!("stored {what} is invalid: {value:?}"))
}

pub(super) fn email(text: String) -> StoreResult<Email> {
    Email::parse(&text).map_err(|_| corrupt("email", &text))
}

/// Claims an email in the shared namespace; a taken email is a `UniqueViolation`.
pub(super) fn claim_email(c: &mut dyn Conn, email: &Email, kind: &str, owner: i64) -> StoreResult<()> {
    c.exec(
        "INSERT INTO email_claims (email, kind, owner_id) VALUES (?, ?, ?)",
        params![email.as_str(), kind, owner],
    )?;
    Ok(())
}

pub(super) const DEVELOPER_COLUMNS: &str =
    "id, email, password_hash, email_verified_at, status, role, failed_sign_ins, locked_until, created_at";

pub(super) fn developer(row: &Row) -> StoreResult<Developer> {
    let status = row.text(4);
    let role = row.text(5);
    Ok(Developer {
        id: DeveloperId(row.int(0)),
        email: email(row.text(1))?,
        password_hash: row.opt_text(2),
        email_verified_at: row.opt_int(3),
        status: AccountStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        role: PlatformRole::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        sign_in: SignInState { failed_sign_ins: row.int(6), locked_until: row.opt_int(7) },
        created_at: row.int(8),
    })
}

pub(super) const END_USER_COLUMNS: &str =
    "id, email, password_hash, nickname, avatar_key, failed_sign_ins, locked_until, created_at, phone, blocked";

pub(super) fn end_user(row: &Row) -> StoreResult<EndUser> {
    Ok(EndUser {
        id: EndUserId(row.int(0)),
        email: email(row.text(1))?,
        password_hash: row.text(2),
        nickname: row.text(3),
        avatar_key: row.opt_text(4),
        sign_in: SignInState { failed_sign_ins: row.int(5), locked_until: row.opt_int(6) },
        created_at: row.int(7),
        phone: row
            .opt_text(8)
            .map(|text| Phone::from_stored(&text).ok_or_else(|| corrupt("phone", &text)))
            .transpose()?,
        blocked: row.bool(9),
    })
}

pub(super) const APP_COLUMNS: &str =
    "a.id, a.appid, a.name, a.introduction, a.icon_key, a.contact_email, a.status, a.secret_hash, \
                           a.secret_generation, a.created_by, a.created_at";

pub(super) fn app(row: &Row) -> StoreResult<App> {
    let appid = row.text(1);
    let status = row.text(6);
    Ok(App {
        key: AppKey(row.int(0)),
        appid: AppId::parse(&appid).ok_or_else(|| corrupt("appid", &appid))?,
        name: AppName::from_stored(row.text(2)),
        introduction: row.text(3),
        icon_key: row.opt_text(4),
        contact_email: row.opt_text(5).map(email).transpose()?,
        status: AppStatus::parse(&status).ok_or_else(|| corrupt("app status", &status))?,
        secret_hash: row.text(7),
        secret_generation: row.int(8),
        created_by: DeveloperId(row.int(9)),
        created_at: row.int(10),
    })
}

pub(super) fn member_role(text: String) -> StoreResult<MemberRole> {
    MemberRole::parse(&text).ok_or_else(|| corrupt("member role", &text))
}

pub(super) const API_KEY_COLUMNS: &str =
    "id, developer_id, name, prefix, scopes, created_at, last_used_at, revoked_at";

pub(super) fn api_key(row: &Row) -> StoreResult<ApiKey> {
    let scopes = row.text(4);
    Ok(ApiKey {
        id: row.int(0),
        developer_id: DeveloperId(row.int(1)),
        name: row.text(2),
        prefix: row.text(3),
        scopes: scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(|s| Scope::parse(s).ok_or_else(|| corrupt("scope", s)))
            .collect::<StoreResult<_>>()?,
        created_at: row.int(5),
        last_used_at: row.opt_int(6),
        revoked_at: row.opt_int(7),
    })
}

pub(super) const INVITATION_COLUMNS: &str =
    "id, app_id, email, role, token_hash, invited_by, created_at, expires_at, accepted_at";

pub(super) fn invitation(row: &Row) -> StoreResult<Invitation> {
    Ok(Invitation {
        id: row.int(0),
        app: AppKey(row.int(1)),
        email: email(row.text(2))?,
        role: member_role(row.text(3))?,
        token_hash: row.text(4),
        invited_by: DeveloperId(row.int(5)),
        created_at: row.int(6),
        expires_at: row.int(7),
        accepted_at: row.opt_int(8),
    })
}

pub(super) const TOKEN_COLUMNS: &str =
    "hash, app_id, kind, nonce, forced, issued_at, expires_at, invalid_after";

pub(super) fn access_token(row: &Row) -> StoreResult<AccessTokenRecord> {
    let kind = row.text(2);
    Ok(AccessTokenRecord {
        hash: row.text(0),
        app: AppKey(row.int(1)),
        kind: TokenKind::parse(&kind).ok_or_else(|| corrupt("token kind", &kind))?,
        nonce: row.opt_text(3),
        forced: row.bool(4),
        issued_at: row.int(5),
        expires_at: row.int(6),
        invalid_after: row.opt_int(7),
    })
}

pub(super) const AUDIT_COLUMNS: &str = "seq, at, actor, action, target, detail, prev_hash, hash";

pub(super) fn audit_entry(row: &Row) -> AuditEntry {
    AuditEntry {
        seq: row.int(0),
        at: row.int(1),
        actor: row.text(2),
        action: row.text(3),
        target: row.text(4),
        detail: row.text(5),
        prev_hash: row.text(6),
        hash: row.text(7),
    }
}

pub(super) fn find_app(
    c: &mut dyn Conn,
    condition: &str,
    value: crate::sql::Value,
) -> StoreResult<Option<App>> {
    let sql = format!("SELECT {APP_COLUMNS} FROM apps a WHERE {condition}");
    c.query_opt(&sql, &[value])?.as_ref().map(app).transpose()
}

pub(super) const LIMIT_REACHED: &str = "limit reached";
pub(super) const NAME_TAKEN: &str = "name taken";
pub(super) const EMAIL_TAKEN: &str = "email taken";

pub(super) fn invalidate_tokens(c: &mut dyn Conn, key: AppKey, now: Timestamp) -> StoreResult<u64> {
    c.exec(
        "UPDATE access_tokens SET invalid_after = ? WHERE app_id = ? AND expires_at > ? AND (invalid_after IS NULL OR invalid_after > ?)",
        params![now, key.0, now, now],
    )
}
