//! The [`Store`] implementation, written once over [`Conn`] for both backends.

use async_trait::async_trait;
use miniplat_core::accounts::developers::NewDeveloper;
use miniplat_core::accounts::end_users::NewEndUser;
use miniplat_core::accounts::sign_in::SignInState;
use miniplat_core::accounts::subject::VerificationStatus;
use miniplat_core::accounts::{
    AccountRef, AccountStatus, Developer, DeveloperId, EndUser, EndUserId, PlatformRole, Session, Subject,
    SubjectType,
};
use miniplat_core::api_keys::{ApiKey, Scope};
use miniplat_core::apps::{
    App, AppId, AppKey, AppName, AppStatus, CreateAppError, Invitation, Member, MemberRole, NewApp,
};
use miniplat_core::audit::{chain_hash, AuditEntry, NewAuditEntry, GENESIS};
use miniplat_core::email::Email;
use miniplat_core::error::StoreError;
use miniplat_core::quota::RequestRecord;
use miniplat_core::store::{Store, StoreResult};
use miniplat_core::tokens::{AccessTokenRecord, TokenKind};
use miniplat_core::Timestamp;

use crate::params;
use crate::sql::{Conn, Dialect, Row};
use crate::SqlStore;

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Backend(format!("stored {what} is invalid: {value:?}"))
}

fn email(text: String) -> StoreResult<Email> {
    Email::parse(&text).map_err(|_| corrupt("email", &text))
}

/// Claims an email in the shared namespace; a taken email is a `UniqueViolation`.
fn claim_email(c: &mut dyn Conn, email: &Email, kind: &str, owner: i64) -> StoreResult<()> {
    c.exec(
        "INSERT INTO email_claims (email, kind, owner_id) VALUES (?, ?, ?)",
        params![email.as_str(), kind, owner],
    )?;
    Ok(())
}

const DEVELOPER_COLUMNS: &str =
    "id, email, password_hash, email_verified_at, status, role, failed_sign_ins, locked_until, created_at";

fn developer(row: &Row) -> StoreResult<Developer> {
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

const END_USER_COLUMNS: &str =
    "id, email, password_hash, nickname, avatar_key, failed_sign_ins, locked_until, created_at";

fn end_user(row: &Row) -> StoreResult<EndUser> {
    Ok(EndUser {
        id: EndUserId(row.int(0)),
        email: email(row.text(1))?,
        password_hash: row.text(2),
        nickname: row.text(3),
        avatar_key: row.opt_text(4),
        sign_in: SignInState { failed_sign_ins: row.int(5), locked_until: row.opt_int(6) },
        created_at: row.int(7),
    })
}

const APP_COLUMNS: &str =
    "a.id, a.appid, a.name, a.introduction, a.icon_key, a.contact_email, a.status, a.secret_hash, \
                           a.secret_generation, a.created_by, a.created_at";

fn app(row: &Row) -> StoreResult<App> {
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

fn member_role(text: String) -> StoreResult<MemberRole> {
    MemberRole::parse(&text).ok_or_else(|| corrupt("member role", &text))
}

const API_KEY_COLUMNS: &str = "id, developer_id, name, prefix, scopes, created_at, last_used_at, revoked_at";

fn api_key(row: &Row) -> StoreResult<ApiKey> {
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

const INVITATION_COLUMNS: &str =
    "id, app_id, email, role, token_hash, invited_by, created_at, expires_at, accepted_at";

fn invitation(row: &Row) -> StoreResult<Invitation> {
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

const TOKEN_COLUMNS: &str = "hash, app_id, kind, nonce, forced, issued_at, expires_at, invalid_after";

fn access_token(row: &Row) -> StoreResult<AccessTokenRecord> {
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

const AUDIT_COLUMNS: &str = "seq, at, actor, action, target, detail, prev_hash, hash";

fn audit_entry(row: &Row) -> AuditEntry {
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

fn find_app(c: &mut dyn Conn, condition: &str, value: crate::sql::Value) -> StoreResult<Option<App>> {
    let sql = format!("SELECT {APP_COLUMNS} FROM apps a WHERE {condition}");
    c.query_opt(&sql, &[value])?.as_ref().map(app).transpose()
}

#[async_trait]
impl Store for SqlStore {
    async fn migrate(&self) -> StoreResult<usize> {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs()
                as i64;
        self.read(move |c| crate::migrations::migrate(c, now)).await
    }

    fn backend(&self) -> &'static str {
        match &*self.pool {
            crate::Pool::Sqlite(_) => "sqlite",
            crate::Pool::Postgres(_) => "postgres",
        }
    }

    async fn email_in_use(&self, email: &Email) -> StoreResult<bool> {
        let email = email.clone();
        self.read(move |c| {
            Ok(c.query_opt("SELECT 1 FROM email_claims WHERE email = ?", params![email.as_str()])?.is_some())
        })
        .await
    }

    // ---- developers ----

    async fn create_developer(&self, new: &NewDeveloper) -> StoreResult<Developer> {
        let new = new.clone();
        self.write(move |c| {
            let sql = format!(
                "INSERT INTO developers (email, password_hash, email_verified_at, status, role, failed_sign_ins, created_at) \
                 VALUES (?, ?, ?, 'active', ?, 0, ?) RETURNING {DEVELOPER_COLUMNS}"
            );
            let row = c.query_one(
                &sql,
                params![new.email.as_str(), new.password_hash.clone(), new.email_verified_at, new.role.as_str(), new.created_at],
            )?;
            let developer = developer(&row)?;
            claim_email(c, &developer.email, "developer", developer.id.0)?;
            Ok(developer)
        })
        .await
    }

    async fn developer_by_id(&self, id: DeveloperId) -> StoreResult<Option<Developer>> {
        self.read(move |c| {
            let sql = format!("SELECT {DEVELOPER_COLUMNS} FROM developers WHERE id = ?");
            c.query_opt(&sql, params![id.0])?.as_ref().map(developer).transpose()
        })
        .await
    }

    async fn developer_by_email(&self, email: &Email) -> StoreResult<Option<Developer>> {
        let email = email.clone();
        self.read(move |c| {
            let sql = format!("SELECT {DEVELOPER_COLUMNS} FROM developers WHERE email = ?");
            c.query_opt(&sql, params![email.as_str()])?.as_ref().map(developer).transpose()
        })
        .await
    }

    async fn list_developers(&self) -> StoreResult<Vec<Developer>> {
        self.read(move |c| {
            let sql = format!("SELECT {DEVELOPER_COLUMNS} FROM developers ORDER BY id");
            c.query(&sql, &[])?.iter().map(developer).collect()
        })
        .await
    }

    async fn update_developer(&self, d: &Developer) -> StoreResult<()> {
        let d = d.clone();
        self.write(move |c| {
            c.exec(
                "UPDATE developers SET password_hash = ?, email_verified_at = ?, status = ?, failed_sign_ins = ?, \
                 locked_until = ? WHERE id = ?",
                params![d.password_hash, d.email_verified_at, d.status.as_str(), d.sign_in.failed_sign_ins, d.sign_in.locked_until, d.id.0],
            )?;
            Ok(())
        })
        .await
    }

    async fn operator_exists(&self) -> StoreResult<bool> {
        self.read(|c| Ok(c.query_opt("SELECT 1 FROM developers WHERE role = 'operator'", &[])?.is_some()))
            .await
    }

    async fn put_subject(&self, s: &Subject) -> StoreResult<()> {
        let s = s.clone();
        self.write(move |c| {
            c.exec("DELETE FROM subjects WHERE developer_id = ?", params![s.developer_id.0])?;
            c.exec(
                "INSERT INTO subjects (developer_id, subject_type, public_name, sealed_details, verification, updated_at) \
                 VALUES (?, ?, ?, ?, 'unverified', ?)",
                params![s.developer_id.0, s.subject_type.as_str(), s.public_name, s.sealed_details, s.updated_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn subject(&self, id: DeveloperId) -> StoreResult<Option<Subject>> {
        self.read(move |c| {
            let row = c.query_opt(
                "SELECT developer_id, subject_type, public_name, sealed_details, updated_at FROM subjects WHERE developer_id = ?",
                params![id.0],
            )?;
            row.map(|row| {
                let kind = row.text(1);
                Ok(Subject {
                    developer_id: DeveloperId(row.int(0)),
                    subject_type: SubjectType::parse(&kind).ok_or_else(|| corrupt("subject type", &kind))?,
                    public_name: row.text(2),
                    sealed_details: row.blob(3),
                    verification: VerificationStatus::Unverified,
                    updated_at: row.int(4),
                })
            })
            .transpose()
        })
        .await
    }

    async fn create_sign_in_link(
        &self,
        hash: &str,
        developer: DeveloperId,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        let hash = hash.to_owned();
        self.write(move |c| {
            c.exec(
                "INSERT INTO sign_in_links (hash, developer_id, expires_at) VALUES (?, ?, ?)",
                params![hash, developer.0, expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn take_sign_in_link(&self, hash: &str, now: Timestamp) -> StoreResult<Option<DeveloperId>> {
        let hash = hash.to_owned();
        self.write(move |c| {
            let row = c.query_opt(
                "UPDATE sign_in_links SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ? RETURNING developer_id",
                params![now, hash, now],
            )?;
            Ok(row.map(|r| DeveloperId(r.int(0))))
        })
        .await
    }

    // ---- end users ----

    async fn create_end_user(&self, new: &NewEndUser) -> StoreResult<EndUser> {
        let new = new.clone();
        self.write(move |c| {
            let sql = format!(
                "INSERT INTO end_users (email, password_hash, nickname, failed_sign_ins, created_at) VALUES (?, ?, ?, 0, ?) \
                 RETURNING {END_USER_COLUMNS}"
            );
            let row = c.query_one(&sql, params![new.email.as_str(), new.password_hash, new.nickname, new.created_at])?;
            let user = end_user(&row)?;
            claim_email(c, &user.email, "end_user", user.id.0)?;
            Ok(user)
        })
        .await
    }

    async fn end_user_by_id(&self, id: EndUserId) -> StoreResult<Option<EndUser>> {
        self.read(move |c| {
            let sql = format!("SELECT {END_USER_COLUMNS} FROM end_users WHERE id = ?");
            c.query_opt(&sql, params![id.0])?.as_ref().map(end_user).transpose()
        })
        .await
    }

    async fn end_user_by_email(&self, email: &Email) -> StoreResult<Option<EndUser>> {
        let email = email.clone();
        self.read(move |c| {
            let sql = format!("SELECT {END_USER_COLUMNS} FROM end_users WHERE email = ?");
            c.query_opt(&sql, params![email.as_str()])?.as_ref().map(end_user).transpose()
        })
        .await
    }

    async fn update_end_user(&self, u: &EndUser) -> StoreResult<()> {
        let u = u.clone();
        self.write(move |c| {
            c.exec(
                "UPDATE end_users SET password_hash = ?, nickname = ?, avatar_key = ?, failed_sign_ins = ?, locked_until = ? \
                 WHERE id = ?",
                params![u.password_hash, u.nickname, u.avatar_key, u.sign_in.failed_sign_ins, u.sign_in.locked_until, u.id.0],
            )?;
            Ok(())
        })
        .await
    }

    // ---- sessions ----

    async fn create_session(&self, s: &Session) -> StoreResult<()> {
        let s = s.clone();
        self.write(move |c| {
            c.exec(
                "INSERT INTO sessions (hash, account_kind, account_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                params![s.id_hash, s.account.kind(), s.account.id(), s.csrf_token, s.created_at, s.expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn session_by_hash(&self, hash: &str) -> StoreResult<Option<Session>> {
        let hash = hash.to_owned();
        self.read(move |c| {
            let row = c.query_opt(
                "SELECT hash, account_kind, account_id, csrf_token, created_at, expires_at FROM sessions WHERE hash = ?",
                params![hash],
            )?;
            row.map(|row| {
                let kind = row.text(1);
                Ok(Session {
                    id_hash: row.text(0),
                    account: AccountRef::from_parts(&kind, row.int(2)).ok_or_else(|| corrupt("account kind", &kind))?,
                    csrf_token: row.text(3),
                    created_at: row.int(4),
                    expires_at: row.int(5),
                })
            })
            .transpose()
        })
        .await
    }

    async fn delete_session(&self, hash: &str) -> StoreResult<()> {
        let hash = hash.to_owned();
        self.write(move |c| c.exec("DELETE FROM sessions WHERE hash = ?", params![hash]).map(drop)).await
    }

    async fn delete_sessions_of(&self, account: AccountRef) -> StoreResult<()> {
        self.write(move |c| {
            c.exec(
                "DELETE FROM sessions WHERE account_kind = ? AND account_id = ?",
                params![account.kind(), account.id()],
            )
            .map(drop)
        })
        .await
    }

    // ---- API keys ----

    async fn create_api_key(&self, key: &ApiKey, hash: &str) -> StoreResult<ApiKey> {
        let (key, hash) = (key.clone(), hash.to_owned());
        self.write(move |c| {
            let scopes: Vec<&str> = key.scopes.iter().map(|s| s.as_str()).collect();
            let sql = format!(
                "INSERT INTO api_keys (developer_id, name, prefix, hash, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?) \
                 RETURNING {API_KEY_COLUMNS}"
            );
            api_key(&c.query_one(&sql, params![key.developer_id.0, key.name, key.prefix, hash, scopes.join(" "), key.created_at])?)
        })
        .await
    }

    async fn api_key_by_hash(&self, hash: &str) -> StoreResult<Option<ApiKey>> {
        let hash = hash.to_owned();
        self.read(move |c| {
            let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE hash = ?");
            c.query_opt(&sql, params![hash])?.as_ref().map(api_key).transpose()
        })
        .await
    }

    async fn api_keys_of(&self, developer: DeveloperId) -> StoreResult<Vec<ApiKey>> {
        self.read(move |c| {
            let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE developer_id = ? ORDER BY id");
            c.query(&sql, params![developer.0])?.iter().map(api_key).collect()
        })
        .await
    }

    async fn touch_api_key(&self, id: i64, at: Timestamp) -> StoreResult<()> {
        self.write(move |c| {
            c.exec("UPDATE api_keys SET last_used_at = ? WHERE id = ?", params![at, id]).map(drop)
        })
        .await
    }

    async fn revoke_api_key(&self, developer: DeveloperId, id: i64, at: Timestamp) -> StoreResult<bool> {
        self.write(move |c| {
            let changed = c.exec(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND developer_id = ? AND revoked_at IS NULL",
                params![at, id, developer.0],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn revoke_api_keys_of(&self, developer: DeveloperId, at: Timestamp) -> StoreResult<()> {
        self.write(move |c| {
            c.exec(
                "UPDATE api_keys SET revoked_at = ? WHERE developer_id = ? AND revoked_at IS NULL",
                params![at, developer.0],
            )
            .map(drop)
        })
        .await
    }

    // ---- mini programs ----

    async fn create_app(&self, new: &NewApp) -> Result<App, CreateAppError> {
        let new = new.clone();
        let created = self
            .write(move |c| {
                if c.query_opt("SELECT 1 FROM apps WHERE name_key = ?", params![new.name.key()])?.is_some() {
                    return Err(StoreError::Refused(NAME_TAKEN));
                }
                // The email is claimed before the app row exists, so a taken email is always
                // reported as such: the app's own unique `contact_email` would otherwise fail
                // first and read as a name clash. The owner is filled in below.
                if let Some(email) = &new.contact_email {
                    claim_email(c, email, "app", 0).map_err(|e| match e {
                        StoreError::UniqueViolation => StoreError::Refused(EMAIL_TAKEN),
                        other => other,
                    })?;
                }
                let sql = "INSERT INTO apps (appid, name, name_key, introduction, contact_email, status, secret_hash, \
                           secret_generation, created_by, created_at) VALUES (?, ?, ?, ?, ?, 'unreleased', ?, 1, ?, ?) RETURNING id";
                let contact_email = new.contact_email.as_ref().map(|e| e.as_str());
                let id = c
                    .query_one(
                        sql,
                        params![
                            new.appid.as_str(),
                            new.name.as_str(),
                            new.name.key(),
                            new.introduction,
                            contact_email,
                            new.secret_hash,
                            new.created_by.0,
                            new.created_at
                        ],
                    )
                    .map_err(|e| match e {
                        // Two creators racing for one name: the unique index decides.
                        StoreError::UniqueViolation => StoreError::Refused(NAME_TAKEN),
                        other => other,
                    })?
                    .int(0);
                if let Some(email) = &new.contact_email {
                    c.exec("UPDATE email_claims SET owner_id = ? WHERE email = ?", params![id, email.as_str()])?;
                }
                c.exec(
                    "INSERT INTO app_members (app_id, developer_id, role, added_at) VALUES (?, ?, 'admin', ?)",
                    params![id, new.created_by.0, new.created_at],
                )?;
                find_app(c, "a.id = ?", id.into())?.ok_or_else(|| StoreError::Backend("created app vanished".into()))
            })
            .await;
        created.map_err(|e| match e {
            StoreError::Refused(NAME_TAKEN) => CreateAppError::NameTaken,
            StoreError::Refused(EMAIL_TAKEN) => CreateAppError::EmailTaken,
            other => CreateAppError::Store(other),
        })
    }

    async fn app_by_appid(&self, appid: &AppId) -> StoreResult<Option<App>> {
        let appid = appid.clone();
        self.read(move |c| find_app(c, "a.appid = ?", appid.as_str().into())).await
    }

    async fn app_by_key(&self, key: AppKey) -> StoreResult<Option<App>> {
        self.read(move |c| find_app(c, "a.id = ?", key.0.into())).await
    }

    async fn apps_of(&self, developer: DeveloperId) -> StoreResult<Vec<(App, MemberRole)>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {APP_COLUMNS}, m.role FROM apps a JOIN app_members m ON m.app_id = a.id \
                 WHERE m.developer_id = ? ORDER BY a.created_at DESC, a.id DESC"
            );
            c.query(&sql, params![developer.0])?
                .iter()
                .map(|row| Ok((app(row)?, member_role(row.text(11))?)))
                .collect()
        })
        .await
    }

    async fn update_app_profile(&self, a: &App) -> StoreResult<()> {
        let a = a.clone();
        self.write(move |c| {
            c.exec(
                "UPDATE apps SET introduction = ?, icon_key = ? WHERE id = ?",
                params![a.introduction, a.icon_key, a.key.0],
            )
            .map(drop)
        })
        .await
    }

    async fn replace_app_secret(&self, key: AppKey, secret_hash: &str, now: Timestamp) -> StoreResult<App> {
        let secret_hash = secret_hash.to_owned();
        self.write(move |c| {
            c.exec(
                "UPDATE apps SET secret_hash = ?, secret_generation = secret_generation + 1 WHERE id = ?",
                params![secret_hash, key.0],
            )?;
            invalidate_tokens(c, key, now)?;
            find_app(c, "a.id = ?", key.0.into())?.ok_or_else(|| StoreError::Backend("app vanished".into()))
        })
        .await
    }

    async fn member_role(&self, key: AppKey, developer: DeveloperId) -> StoreResult<Option<MemberRole>> {
        self.read(move |c| {
            let row = c.query_opt(
                "SELECT role FROM app_members WHERE app_id = ? AND developer_id = ?",
                params![key.0, developer.0],
            )?;
            row.map(|r| member_role(r.text(0))).transpose()
        })
        .await
    }

    async fn members(&self, key: AppKey) -> StoreResult<Vec<Member>> {
        self.read(move |c| {
            let rows = c.query(
                "SELECT m.app_id, m.developer_id, d.email, m.role, m.added_at FROM app_members m \
                 JOIN developers d ON d.id = m.developer_id WHERE m.app_id = ? ORDER BY m.added_at, m.developer_id",
                params![key.0],
            )?;
            rows.iter()
                .map(|r| {
                    Ok(Member {
                        app: AppKey(r.int(0)),
                        developer_id: DeveloperId(r.int(1)),
                        email: email(r.text(2))?,
                        role: member_role(r.text(3))?,
                        added_at: r.int(4),
                    })
                })
                .collect()
        })
        .await
    }

    async fn set_member_role(
        &self,
        key: AppKey,
        developer: DeveloperId,
        role: Option<MemberRole>,
    ) -> StoreResult<()> {
        self.write(move |c| {
            match role {
                Some(role) => c.exec(
                    "UPDATE app_members SET role = ? WHERE app_id = ? AND developer_id = ?",
                    params![role.as_str(), key.0, developer.0],
                )?,
                None => c.exec(
                    "DELETE FROM app_members WHERE app_id = ? AND developer_id = ?",
                    params![key.0, developer.0],
                )?,
            };
            Ok(())
        })
        .await
    }

    async fn create_invitation(&self, i: &Invitation) -> StoreResult<()> {
        let i = i.clone();
        self.write(move |c| {
            c.exec(
                "INSERT INTO app_invitations (app_id, email, role, token_hash, invited_by, created_at, expires_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
                params![i.app.0, i.email.as_str(), i.role.as_str(), i.token_hash, i.invited_by.0, i.created_at, i.expires_at],
            )
            .map(drop)
        })
        .await
    }

    async fn invitation_by_hash(&self, hash: &str) -> StoreResult<Option<Invitation>> {
        let hash = hash.to_owned();
        self.read(move |c| {
            let sql = format!("SELECT {INVITATION_COLUMNS} FROM app_invitations WHERE token_hash = ?");
            c.query_opt(&sql, params![hash])?.as_ref().map(invitation).transpose()
        })
        .await
    }

    async fn invitations(&self, key: AppKey) -> StoreResult<Vec<Invitation>> {
        self.read(move |c| {
            let sql =
                format!("SELECT {INVITATION_COLUMNS} FROM app_invitations WHERE app_id = ? ORDER BY id");
            c.query(&sql, params![key.0])?.iter().map(invitation).collect()
        })
        .await
    }

    async fn accept_invitation(&self, invitation_id: i64, m: &Member) -> StoreResult<()> {
        let m = m.clone();
        self.write(move |c| {
            let changed = c.exec(
                "UPDATE app_invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL",
                params![m.added_at, invitation_id],
            )?;
            if changed != 1 {
                return Err(StoreError::Refused("invitation already accepted"));
            }
            c.exec(
                "INSERT INTO app_members (app_id, developer_id, role, added_at) VALUES (?, ?, ?, ?)",
                params![m.app.0, m.developer_id.0, m.role.as_str(), m.added_at],
            )?;
            Ok(())
        })
        .await
    }

    // ---- access tokens ----

    async fn insert_access_token(
        &self,
        r: &AccessTokenRecord,
        supersede_at: Option<Timestamp>,
    ) -> StoreResult<()> {
        let r = r.clone();
        self.write(move |c| {
            if let Some(at) = supersede_at {
                // Tokens superseded or revoked earlier already end before `at` (time only moves
                // forward), so only the open-ended ones need a limit.
                c.exec(
                    "UPDATE access_tokens SET invalid_after = ? WHERE app_id = ? AND kind = ? AND invalid_after IS NULL",
                    params![at, r.app.0, r.kind.as_str()],
                )?;
            }
            c.exec(
                "INSERT INTO access_tokens (hash, app_id, kind, nonce, forced, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                params![r.hash, r.app.0, r.kind.as_str(), r.nonce, r.forced, r.issued_at, r.expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn access_token_by_hash(&self, hash: &str) -> StoreResult<Option<AccessTokenRecord>> {
        let hash = hash.to_owned();
        self.read(move |c| {
            let sql = format!("SELECT {TOKEN_COLUMNS} FROM access_tokens WHERE hash = ?");
            c.query_opt(&sql, params![hash])?.as_ref().map(access_token).transpose()
        })
        .await
    }

    async fn current_stable_token(
        &self,
        key: AppKey,
        now: Timestamp,
    ) -> StoreResult<Option<AccessTokenRecord>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM access_tokens WHERE app_id = ? AND kind = 'stable' AND expires_at > ? \
                 AND (invalid_after IS NULL OR invalid_after > ?) ORDER BY issued_at DESC, expires_at DESC LIMIT 1"
            );
            c.query_opt(&sql, params![key.0, now, now])?.as_ref().map(access_token).transpose()
        })
        .await
    }

    async fn forced_stable_refreshes(
        &self,
        key: AppKey,
        since: Timestamp,
    ) -> StoreResult<(i64, Option<Timestamp>)> {
        self.read(move |c| {
            let today = c
                .query_one(
                    "SELECT COUNT(*) FROM access_tokens WHERE app_id = ? AND kind = 'stable' AND forced = 1 AND issued_at >= ?",
                    params![key.0, since],
                )?
                .int(0);
            let last = c
                .query_one("SELECT MAX(issued_at) FROM access_tokens WHERE app_id = ? AND kind = 'stable' AND forced = 1", params![key.0])?
                .opt_int(0);
            Ok((today, last))
        })
        .await
    }

    async fn revoke_tokens(&self, key: AppKey, now: Timestamp) -> StoreResult<u64> {
        self.write(move |c| invalidate_tokens(c, key, now)).await
    }

    // ---- quotas and request records ----

    async fn quota_used(&self, key: AppKey, api: &str, day: i64) -> StoreResult<i64> {
        let api = api.to_owned();
        self.read(move |c| {
            let row = c.query_opt(
                "SELECT used FROM quota_usage WHERE app_id = ? AND api = ? AND day = ?",
                params![key.0, api, day],
            )?;
            Ok(row.map_or(0, |r| r.int(0)))
        })
        .await
    }

    async fn add_quota_used(&self, key: AppKey, api: &str, day: i64, delta: i64) -> StoreResult<i64> {
        let api = api.to_owned();
        self.write(move |c| {
            let row = c.query_one(
                "INSERT INTO quota_usage (app_id, api, day, used) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (app_id, api, day) DO UPDATE SET used = quota_usage.used + excluded.used RETURNING used",
                params![key.0, api, day, delta],
            )?;
            Ok(row.int(0))
        })
        .await
    }

    async fn reset_quota_used(&self, key: AppKey, day: i64) -> StoreResult<()> {
        self.write(move |c| {
            c.exec("DELETE FROM quota_usage WHERE app_id = ? AND day = ?", params![key.0, day]).map(drop)
        })
        .await
    }

    async fn record_quota_clear(&self, key: AppKey, month: i64, limit: i64) -> StoreResult<bool> {
        self.write(move |c| {
            let row = c.query_one(
                "INSERT INTO quota_clears (app_id, month, count) VALUES (?, ?, 1) \
                 ON CONFLICT (app_id, month) DO UPDATE SET count = quota_clears.count + 1 RETURNING count",
                params![key.0, month],
            )?;
            if row.int(0) > limit {
                // Rolls the count back: refused clears do not count.
                return Err(StoreError::Refused(LIMIT_REACHED));
            }
            Ok(true)
        })
        .await
        .or_else(|e| match e {
            StoreError::Refused(LIMIT_REACHED) => Ok(false),
            other => Err(other),
        })
    }

    async fn insert_request_record(&self, r: &RequestRecord) -> StoreResult<()> {
        let r = r.clone();
        self.write(move |c| {
            c.exec(
                "INSERT INTO request_records (rid, app_id, invoke_time, cost_in_ms, request_url, request_body, response_body, client_ip) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                params![r.rid, r.app.0, r.invoke_time, r.cost_in_ms, r.request_url, r.request_body, r.response_body, r.client_ip],
            )
            .map(drop)
        })
        .await
    }

    async fn request_record(&self, rid: &str) -> StoreResult<Option<RequestRecord>> {
        let rid = rid.to_owned();
        self.read(move |c| {
            let row = c.query_opt(
                "SELECT rid, app_id, invoke_time, cost_in_ms, request_url, request_body, response_body, client_ip \
                 FROM request_records WHERE rid = ?",
                params![rid],
            )?;
            Ok(row.map(|r| RequestRecord {
                rid: r.text(0),
                app: AppKey(r.int(1)),
                invoke_time: r.int(2),
                cost_in_ms: r.int(3),
                request_url: r.text(4),
                request_body: r.text(5),
                response_body: r.text(6),
                client_ip: r.text(7),
            }))
        })
        .await
    }

    // ---- settings and audit ----

    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        let key = key.to_owned();
        self.read(move |c| {
            Ok(c.query_opt("SELECT value FROM settings WHERE key = ?", params![key])?.map(|r| r.text(0)))
        })
        .await
    }

    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.write(move |c| {
            c.exec(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(drop)
        })
        .await
    }

    async fn append_audit(&self, entry: &NewAuditEntry) -> StoreResult<AuditEntry> {
        let entry = entry.clone();
        self.write(move |c| {
            if c.dialect() == Dialect::Postgres {
                // Serialise appends so the chain never forks (SQLite's write lock already does).
                c.query("SELECT pg_advisory_xact_lock(7243412)", &[])?;
            }
            let last = c.query_opt("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", &[])?;
            let (seq, prev_hash) = last.map_or((1, GENESIS.to_owned()), |r| (r.int(0) + 1, r.text(1)));
            let hash = chain_hash(&prev_hash, seq, &entry);
            c.exec(
                "INSERT INTO audit_log (seq, at, actor, action, target, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                params![seq, entry.at, entry.actor.clone(), entry.action.clone(), entry.target.clone(), entry.detail.clone(), prev_hash.clone(), hash.clone()],
            )?;
            Ok(AuditEntry {
                seq,
                at: entry.at,
                actor: entry.actor,
                action: entry.action,
                target: entry.target,
                detail: entry.detail,
                prev_hash,
                hash,
            })
        })
        .await
    }

    async fn audit_tail(&self, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        self.read(move |c| {
            let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT ?");
            let mut entries: Vec<AuditEntry> =
                c.query(&sql, params![limit])?.iter().map(audit_entry).collect();
            entries.reverse();
            Ok(entries)
        })
        .await
    }

    async fn purge_expired(&self, now: Timestamp) -> StoreResult<u64> {
        self.write(move |c| {
            let mut purged = c.exec("DELETE FROM sessions WHERE expires_at <= ?", params![now])?;
            purged += c.exec("DELETE FROM sign_in_links WHERE expires_at <= ?", params![now])?;
            purged += c.exec("DELETE FROM access_tokens WHERE expires_at <= ?", params![now - 86_400])?;
            purged +=
                c.exec("DELETE FROM request_records WHERE invoke_time <= ?", params![now - 7 * 86_400])?;
            Ok(purged)
        })
        .await
    }
}

const LIMIT_REACHED: &str = "limit reached";
const NAME_TAKEN: &str = "name taken";
const EMAIL_TAKEN: &str = "email taken";

fn invalidate_tokens(c: &mut dyn Conn, key: AppKey, now: Timestamp) -> StoreResult<u64> {
    c.exec(
        "UPDATE access_tokens SET invalid_after = ? WHERE app_id = ? AND expires_at > ? AND (invalid_after IS NULL OR invalid_after > ?)",
        params![now, key.0, now, now],
    )
}
