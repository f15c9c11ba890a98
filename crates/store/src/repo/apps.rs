//! Mini programs, members and invitations.

use super::*;
use miniplat_core::store::AppStore;

#[async_trait]
impl AppStore for SqlStore {
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
}
