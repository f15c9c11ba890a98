//! Accounts: the email namespace, developers, end users, sessions, API keys.

use super::*;
use miniplat_core::store::AccountStore;

#[async_trait]
impl AccountStore for SqlStore {
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
                "UPDATE end_users SET password_hash = ?, nickname = ?, avatar_key = ?, failed_sign_ins = ?, locked_until = ?, \
                 phone = ? WHERE id = ?",
                params![u.password_hash, u.nickname, u.avatar_key, u.sign_in.failed_sign_ins, u.sign_in.locked_until, u.phone.as_ref().map(ToString::to_string), u.id.0],
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
}
