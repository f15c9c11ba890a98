//! End users in mini programs: blocking, service users, login and phone-number codes.

use miniplat_core::accounts::identities::ServiceUser;
use miniplat_core::accounts::login::{CodeLogin, CodeTake, LoginDecision, UserCode};
use miniplat_core::store::IdentityStore;

use super::*;

const SERVICE_USER_COLUMNS: &str =
    "app_id, end_user_id, openid, unionid, first_seen, last_login, session_key, session_key_issued_at";

fn service_user(row: &Row) -> ServiceUser {
    ServiceUser {
        app: AppKey(row.int(0)),
        user: EndUserId(row.int(1)),
        openid: row.text(2),
        unionid: row.text(3),
        first_seen: row.int(4),
        last_login: row.int(5),
        sealed_session_key: row.opt_blob(6),
        session_key_issued_at: row.opt_int(7),
    }
}

/// Why a code was not taken (it changes nothing).
fn why_not_taken(
    c: &mut dyn Conn,
    hash: &str,
    kind: &str,
    app: AppKey,
    user: Option<EndUserId>,
) -> StoreResult<CodeTake> {
    let found = c.query_opt(
        "SELECT app_id, end_user_id, expires_at, used_at FROM user_codes WHERE hash = ? AND kind = ?",
        params![hash, kind],
    )?;
    let Some(row) = found else { return Ok(CodeTake::Unknown) };
    Ok(if row.int(0) != app.0 {
        CodeTake::OtherApp
    } else if user.is_some_and(|u| u.0 != row.int(1)) {
        CodeTake::OtherUser
    } else if row.opt_int(3).is_some() {
        CodeTake::AlreadyUsed
    } else {
        CodeTake::Expired
    })
}

/// Creates the service user on first sight, else updates `last_login`; in both cases stores the
/// new sealed session key and its issue time.
fn upsert_service_user(c: &mut dyn Conn, login: &ServiceUser) -> StoreResult<()> {
    c.exec(
        "INSERT INTO service_users (app_id, end_user_id, openid, unionid, first_seen, last_login, session_key, \
         session_key_issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (app_id, end_user_id) DO UPDATE SET last_login = excluded.last_login, \
         session_key = excluded.session_key, session_key_issued_at = excluded.session_key_issued_at",
        params![
            login.app.0,
            login.user.0,
            &login.openid,
            &login.unionid,
            login.first_seen,
            login.last_login,
            login.sealed_session_key.as_deref().unwrap_or_default(),
            login.session_key_issued_at
        ],
    )?;
    Ok(())
}

#[async_trait]
impl IdentityStore for SqlStore {
    async fn set_end_user_blocked(&self, user: EndUserId, blocked: bool) -> StoreResult<bool> {
        self.write(move |c| {
            Ok(c.exec("UPDATE end_users SET blocked = ? WHERE id = ?", params![i64::from(blocked), user.0])?
                == 1)
        })
        .await
    }

    async fn put_user_code(&self, code: &UserCode, purge_before: Timestamp) -> StoreResult<()> {
        let code = code.clone();
        self.write(move |c| {
            c.exec("DELETE FROM user_codes WHERE expires_at < ?", params![purge_before])?;
            c.exec(
                "INSERT INTO user_codes (hash, kind, app_id, end_user_id, expires_at) VALUES (?, ?, ?, ?, ?)",
                params![code.hash, code.kind.as_str(), code.app.0, code.user.0, code.expires_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn take_user_code(
        &self,
        hash: &str,
        kind: &str,
        app: AppKey,
        user: Option<EndUserId>,
        now: Timestamp,
    ) -> StoreResult<CodeTake> {
        let (hash, kind) = (hash.to_owned(), kind.to_owned());
        self.write(move |c| {
            let taken = c.query_opt(
                "UPDATE user_codes SET used_at = ? \
                 WHERE hash = ? AND kind = ? AND app_id = ? AND used_at IS NULL AND expires_at > ? \
                 AND end_user_id = COALESCE(?, end_user_id) RETURNING end_user_id",
                params![now, &hash, &kind, app.0, now, user.map(|u| u.0)],
            )?;
            match taken {
                Some(row) => Ok(CodeTake::Taken(EndUserId(row.int(0)))),
                None => why_not_taken(c, &hash, &kind, app, user),
            }
        })
        .await
    }

    async fn log_in_with_code(
        &self,
        hash: &str,
        app: AppKey,
        now: Timestamp,
        mut decide: LoginDecision,
    ) -> StoreResult<CodeLogin> {
        let hash = hash.to_owned();
        // Logins arrive concurrently and each one writes: they commit in groups.
        self.write_grouped(move |c| {
            // Used and its user read in one statement; `blocked` is NULL for a user who is gone.
            let taken = c.query_opt(
                "UPDATE user_codes SET used_at = ? \
                 WHERE hash = ? AND kind = 'login' AND app_id = ? AND used_at IS NULL AND expires_at > ? \
                 RETURNING end_user_id, (SELECT blocked FROM end_users WHERE id = user_codes.end_user_id)",
                params![now, &hash, app.0, now],
            )?;
            let Some(row) = taken else {
                return Ok(CodeLogin::NotTaken(why_not_taken(c, &hash, "login", app, None)?));
            };
            let user = EndUserId(row.int(0));
            match row.opt_int(1) {
                None => return Ok(CodeLogin::NotTaken(CodeTake::Unknown)),
                Some(blocked) if blocked != 0 => return Ok(CodeLogin::Blocked),
                Some(_) => {}
            }
            let Some(login) = decide(user) else { return Ok(CodeLogin::Refused) };
            upsert_service_user(c, &login)?;
            Ok(CodeLogin::LoggedIn(login))
        })
        .await
    }

    async fn record_login(&self, login: &ServiceUser) -> StoreResult<()> {
        let login = login.clone();
        self.write(move |c| upsert_service_user(c, &login)).await
    }

    async fn service_user_by_openid(&self, app: AppKey, openid: &str) -> StoreResult<Option<ServiceUser>> {
        let openid = openid.to_owned();
        self.read(move |c| {
            let sql =
                format!("SELECT {SERVICE_USER_COLUMNS} FROM service_users WHERE openid = ? AND app_id = ?");
            Ok(c.query_opt(&sql, params![openid, app.0])?.as_ref().map(service_user))
        })
        .await
    }

    async fn service_user(&self, app: AppKey, user: EndUserId) -> StoreResult<Option<ServiceUser>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {SERVICE_USER_COLUMNS} FROM service_users WHERE app_id = ? AND end_user_id = ?"
            );
            Ok(c.query_opt(&sql, params![app.0, user.0])?.as_ref().map(service_user))
        })
        .await
    }

    async fn replace_session_key(&self, app: AppKey, user: EndUserId, sealed: &[u8]) -> StoreResult<()> {
        let sealed = sealed.to_vec();
        self.write(move |c| {
            c.exec(
                "UPDATE service_users SET session_key = ? WHERE app_id = ? AND end_user_id = ?",
                params![sealed, app.0, user.0],
            )?;
            Ok(())
        })
        .await
    }

    async fn service_users_of(&self, user: EndUserId) -> StoreResult<Vec<ServiceUser>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {SERVICE_USER_COLUMNS} FROM service_users WHERE end_user_id = ? ORDER BY first_seen, app_id"
            );
            let rows = c.query(&sql, params![user.0])?;
            Ok(rows.iter().map(|row| ServiceUser { sealed_session_key: None, ..service_user(row) }).collect())
        })
        .await
    }
}
