//! Privacy guides (one row per version), custom guide files, consents, scope grants and the
//! consent history.

use super::*;
use miniplat_core::privacy::consent::{Consent, ConsentAction, ConsentEvent, ScopeGrant};
use miniplat_core::privacy::interfaces::{self, InterfaceApplication, InterfaceStatus};
use miniplat_core::privacy::{PolicyDocument, PolicyKind, PrivacyExtFile, PrivacyPolicy};
use miniplat_core::store::PrivacyStore;

fn kind(text: &str) -> StoreResult<PolicyKind> {
    PolicyKind::parse(text).ok_or_else(|| corrupt("policy kind", text))
}

fn json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|_| corrupt(what, text))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("privacy records serialize")
}

fn policy(row: &Row) -> StoreResult<PrivacyPolicy> {
    Ok(PrivacyPolicy {
        app: AppKey(row.int(0)),
        kind: kind(&row.text(1))?,
        version: row.int(2),
        document: json::<PolicyDocument>("privacy policy", &row.text(3))?,
        created_at: row.int(4),
    })
}

const CONSENT_COLUMNS: &str = "app_id, end_user_id, kind, version, items, channel, agreed_at";

fn consent(row: &Row) -> StoreResult<Consent> {
    Ok(Consent {
        app: AppKey(row.int(0)),
        user: EndUserId(row.int(1)),
        kind: kind(&row.text(2))?,
        version: row.int(3),
        items: json("consent items", &row.text(4))?,
        channel: row.text(5),
        agreed_at: row.int(6),
    })
}

fn grant(row: &Row) -> ScopeGrant {
    ScopeGrant {
        app: AppKey(row.int(0)),
        user: EndUserId(row.int(1)),
        scope: row.text(2),
        granted: row.bool(3),
        updated_at: row.int(4),
    }
}

fn event(row: &Row) -> StoreResult<ConsentEvent> {
    let action = row.text(3);
    let policy = match (row.opt_text(4), row.opt_int(5)) {
        (Some(k), Some(version)) => Some((kind(&k)?, version)),
        _ => None,
    };
    Ok(ConsentEvent {
        id: row.int(0),
        app: AppKey(row.int(1)),
        user: EndUserId(row.int(2)),
        action: ConsentAction::parse(&action).ok_or_else(|| corrupt("consent action", &action))?,
        policy,
        items: json("consent event items", &row.text(6))?,
        channel: row.text(7),
        at: row.int(8),
    })
}

fn insert_event(c: &mut dyn Conn, e: &ConsentEvent) -> StoreResult<()> {
    c.exec(
        "INSERT INTO consent_events (app_id, end_user_id, action, kind, version, items, channel, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            e.app.0,
            e.user.0,
            e.action.as_str(),
            e.policy.map(|(k, _)| k.as_str()),
            e.policy.map(|(_, v)| v),
            to_json(&e.items),
            e.channel.clone(),
            e.at
        ],
    )?;
    Ok(())
}

const APPLICATION_COLUMNS: &str = "id, app_id, api_name, content, url_list, pic_list, video_list, status, \
     fail_reason, applied_at, decided_at, decided_by";

fn application(row: &Row) -> StoreResult<InterfaceApplication> {
    let status = row.text(7);
    Ok(InterfaceApplication {
        id: row.int(0),
        app: AppKey(row.int(1)),
        api_name: row.text(2),
        content: row.text(3),
        url_list: json("url_list", &row.text(4))?,
        pic_list: json("pic_list", &row.text(5))?,
        video_list: json("video_list", &row.text(6))?,
        status: InterfaceStatus::parse(&status).ok_or_else(|| corrupt("interface status", &status))?,
        fail_reason: row.opt_text(8),
        applied_at: row.int(9),
        decided_at: row.opt_int(10),
        decided_by: row.opt_int(11).map(DeveloperId),
    })
}

#[async_trait]
impl PrivacyStore for SqlStore {
    async fn insert_privacy_policy(&self, p: &PrivacyPolicy) -> StoreResult<()> {
        let p = p.clone();
        self.write(move |c| {
            c.exec(
                "INSERT INTO privacy_policies (app_id, kind, version, document, created_at) VALUES (?, ?, ?, ?, ?)",
                params![p.app.0, p.kind.as_str(), p.version, to_json(&p.document), p.created_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn privacy_policy(
        &self,
        app: AppKey,
        kind: PolicyKind,
        version: Option<i64>,
    ) -> StoreResult<Option<PrivacyPolicy>> {
        self.read(move |c| {
            let columns = "app_id, kind, version, document, created_at";
            let row = match version {
                Some(version) => c.query_opt(
                    &format!("SELECT {columns} FROM privacy_policies WHERE app_id = ? AND kind = ? AND version = ?"),
                    params![app.0, kind.as_str(), version],
                )?,
                None => c.query_opt(
                    &format!(
                        "SELECT {columns} FROM privacy_policies WHERE app_id = ? AND kind = ?
                         ORDER BY version DESC LIMIT 1"
                    ),
                    params![app.0, kind.as_str()],
                )?,
            };
            row.map(|r| policy(&r)).transpose()
        })
        .await
    }

    async fn privacy_policy_versions(
        &self,
        app: AppKey,
        kind: PolicyKind,
    ) -> StoreResult<Vec<(i64, Timestamp)>> {
        self.read(move |c| {
            let rows = c.query(
                "SELECT version, created_at FROM privacy_policies WHERE app_id = ? AND kind = ? ORDER BY version DESC",
                params![app.0, kind.as_str()],
            )?;
            Ok(rows.iter().map(|r| (r.int(0), r.int(1))).collect())
        })
        .await
    }

    async fn insert_privacy_ext_file(&self, f: &PrivacyExtFile) -> StoreResult<()> {
        let f = f.clone();
        self.write(move |c| {
            c.exec(
                "INSERT INTO privacy_ext_files (media_id, app_id, blob_key, bytes, created_at) VALUES (?, ?, ?, ?, ?)",
                params![f.media_id.clone(), f.app.0, f.blob_key.clone(), f.bytes, f.created_at],
            )?;
            Ok(())
        })
        .await
    }

    async fn privacy_ext_file(&self, app: AppKey, media_id: &str) -> StoreResult<Option<PrivacyExtFile>> {
        let media_id = media_id.to_owned();
        self.read(move |c| {
            let row = c.query_opt(
                "SELECT media_id, app_id, blob_key, bytes, created_at FROM privacy_ext_files
                 WHERE app_id = ? AND media_id = ?",
                params![app.0, media_id],
            )?;
            Ok(row.map(|r| PrivacyExtFile {
                media_id: r.text(0),
                app: AppKey(r.int(1)),
                blob_key: r.text(2),
                bytes: r.int(3),
                created_at: r.int(4),
            }))
        })
        .await
    }

    async fn record_consent(&self, k: &Consent, e: &ConsentEvent) -> StoreResult<()> {
        let (k, e) = (k.clone(), e.clone());
        self.write(move |c| {
            c.exec(
                "DELETE FROM privacy_consents WHERE app_id = ? AND end_user_id = ? AND kind = ?",
                params![k.app.0, k.user.0, k.kind.as_str()],
            )?;
            c.exec(
                &format!("INSERT INTO privacy_consents ({CONSENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"),
                params![
                    k.app.0,
                    k.user.0,
                    k.kind.as_str(),
                    k.version,
                    to_json(&k.items),
                    k.channel.clone(),
                    k.agreed_at
                ],
            )?;
            insert_event(c, &e)
        })
        .await
    }

    async fn privacy_consent(
        &self,
        app: AppKey,
        user: EndUserId,
        kind: PolicyKind,
    ) -> StoreResult<Option<Consent>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {CONSENT_COLUMNS} FROM privacy_consents WHERE app_id = ? AND end_user_id = ? AND kind = ?"
            );
            c.query_opt(&sql, params![app.0, user.0, kind.as_str()])?.map(|r| consent(&r)).transpose()
        })
        .await
    }

    async fn withdraw_privacy_consent(
        &self,
        app: AppKey,
        user: EndUserId,
        e: &ConsentEvent,
    ) -> StoreResult<bool> {
        let e = e.clone();
        self.write(move |c| {
            let consents = c.exec(
                "DELETE FROM privacy_consents WHERE app_id = ? AND end_user_id = ?",
                params![app.0, user.0],
            )?;
            let grants = c.exec(
                "DELETE FROM scope_grants WHERE app_id = ? AND end_user_id = ?",
                params![app.0, user.0],
            )?;
            if consents + grants == 0 {
                return Ok(false);
            }
            insert_event(c, &e)?;
            Ok(true)
        })
        .await
    }

    async fn set_scope_grant(&self, g: &ScopeGrant, e: &ConsentEvent) -> StoreResult<()> {
        let (g, e) = (g.clone(), e.clone());
        self.write(move |c| {
            c.exec(
                "DELETE FROM scope_grants WHERE app_id = ? AND end_user_id = ? AND scope = ?",
                params![g.app.0, g.user.0, g.scope.clone()],
            )?;
            c.exec(
                "INSERT INTO scope_grants (app_id, end_user_id, scope, granted, updated_at) VALUES (?, ?, ?, ?, ?)",
                params![g.app.0, g.user.0, g.scope.clone(), g.granted, g.updated_at],
            )?;
            insert_event(c, &e)
        })
        .await
    }

    async fn scope_grants(&self, app: AppKey, user: EndUserId) -> StoreResult<Vec<ScopeGrant>> {
        self.read(move |c| {
            let rows = c.query(
                "SELECT app_id, end_user_id, scope, granted, updated_at FROM scope_grants
                 WHERE app_id = ? AND end_user_id = ? ORDER BY scope",
                params![app.0, user.0],
            )?;
            Ok(rows.iter().map(grant).collect())
        })
        .await
    }

    async fn consents_of_user(&self, user: EndUserId) -> StoreResult<Vec<Consent>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {CONSENT_COLUMNS} FROM privacy_consents WHERE end_user_id = ? ORDER BY app_id, kind"
            );
            c.query(&sql, params![user.0])?.iter().map(consent).collect()
        })
        .await
    }

    async fn scope_grants_of_user(&self, user: EndUserId) -> StoreResult<Vec<ScopeGrant>> {
        self.read(move |c| {
            let rows = c.query(
                "SELECT app_id, end_user_id, scope, granted, updated_at FROM scope_grants
                 WHERE end_user_id = ? ORDER BY app_id, scope",
                params![user.0],
            )?;
            Ok(rows.iter().map(grant).collect())
        })
        .await
    }

    async fn consent_events_of_user(&self, user: EndUserId, limit: i64) -> StoreResult<Vec<ConsentEvent>> {
        self.read(move |c| {
            let rows = c.query(
                "SELECT id, app_id, end_user_id, action, kind, version, items, channel, at FROM consent_events
                 WHERE end_user_id = ? ORDER BY id DESC LIMIT ?",
                params![user.0, limit],
            )?;
            rows.iter().map(event).collect()
        })
        .await
    }

    async fn insert_interface_application(&self, a: &InterfaceApplication) -> StoreResult<i64> {
        let a = a.clone();
        self.write(move |c| {
            // A partial unique index allows one application under review per interface.
            let inserted = c.query_one(
                "INSERT INTO privacy_interface_applications
                 (app_id, api_name, content, url_list, pic_list, video_list, status, applied_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                params![
                    a.app.0,
                    a.api_name.clone(),
                    a.content.clone(),
                    to_json(&a.url_list),
                    to_json(&a.pic_list),
                    to_json(&a.video_list),
                    a.status.as_str(),
                    a.applied_at
                ],
            );
            match inserted {
                Ok(row) => Ok(row.int(0)),
                Err(StoreError::UniqueViolation) => Err(StoreError::Refused(interfaces::ALREADY_APPLYING)),
                Err(e) => Err(e),
            }
        })
        .await
    }

    async fn interface_applications(&self, app: AppKey) -> StoreResult<Vec<InterfaceApplication>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {APPLICATION_COLUMNS} FROM privacy_interface_applications WHERE app_id = ? ORDER BY id DESC"
            );
            c.query(&sql, params![app.0])?.iter().map(application).collect()
        })
        .await
    }

    async fn pending_interface_applications(&self, limit: i64) -> StoreResult<Vec<InterfaceApplication>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {APPLICATION_COLUMNS} FROM privacy_interface_applications WHERE status = ? ORDER BY id LIMIT ?"
            );
            c.query(&sql, params![InterfaceStatus::Applying.as_str(), limit])?.iter().map(application).collect()
        })
        .await
    }

    async fn decide_interface_application(
        &self,
        id: i64,
        status: InterfaceStatus,
        fail_reason: Option<&str>,
        at: Timestamp,
        by: DeveloperId,
    ) -> StoreResult<bool> {
        let fail_reason = fail_reason.map(str::to_owned);
        self.write(move |c| {
            let changed = c.exec(
                "UPDATE privacy_interface_applications SET status = ?, fail_reason = ?, decided_at = ?, decided_by = ?
                 WHERE id = ? AND status = ?",
                params![status.as_str(), fail_reason, at, by.0, id, InterfaceStatus::Applying.as_str()],
            )?;
            Ok(changed == 1)
        })
        .await
    }
}
