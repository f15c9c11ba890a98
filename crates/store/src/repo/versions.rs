//! Develop versions, the trial version and testers, and the collection of package blobs.

use super::*;
use miniplat_core::apps::testers::{BindTesterError, Tester};
use miniplat_core::apps::upload_keys::{parse_allowed, UploadKey};
use miniplat_core::apps::versions::{DevelopVersion, TrialVersion, UploaderSlot, UserVersion};
use miniplat_core::store::{VersionStore, PACKAGE_BLOB_CLAIMED};

const TESTER_ALREADY_BOUND: &str = "tester already bound";
const TESTER_APP_LIMIT: &str = "tester app limit";
const TESTER_USER_LIMIT: &str = "tester user limit";

/// Columns shared by `develop_versions` (id first) and `trial_versions` (source_version_id).
pub(super) const VERSION_COLUMNS: &str =
    "slot, user_version, description, uploaded_by, upload_key_id, package_sha256, \
     zip_bytes, packages_json, files_json, report_json, created_at";

/// Reads a JSON column; a value that does not parse is corrupt.
macro_rules! from_json {
    ($what:literal, $text:expr) => {{
        let text = $text;
        serde_json::from_str(&text).map_err(|_| corrupt($what, &text))
    }};
}

pub(super) fn to_json(value: serde_json::Result<String>) -> String {
    value.expect("version metadata serialises")
}

/// Maps `id, app_id, <VERSION_COLUMNS>`; `detail` reads file list and report too.
pub(super) fn develop_version(row: &Row, detail: bool) -> StoreResult<DevelopVersion> {
    let slot = row.text(2);
    let user_version = row.text(3);
    Ok(DevelopVersion {
        id: row.int(0),
        app: AppKey(row.int(1)),
        slot: UploaderSlot::parse_key(&slot).ok_or_else(|| corrupt("uploader slot", &slot))?,
        user_version: UserVersion::parse(&user_version)
            .map_err(|_| corrupt("user version", &user_version))?,
        description: row.text(4),
        uploaded_by: row.opt_int(5).map(DeveloperId),
        upload_key: row.opt_int(6),
        package_sha256: row.text(7),
        zip_bytes: u64::try_from(row.int(8)).unwrap_or_default(),
        packages: from_json!("package sizes", row.text(9))?,
        files: if detail { from_json!("file list", row.text(10))? } else { Vec::new() },
        report: if detail { from_json!("report", row.text(11))? } else { serde_json::Value::Null },
        created_at: row.int(12),
    })
}

pub(super) fn version_params(v: &DevelopVersion) -> Vec<crate::sql::Value> {
    params![
        v.slot.key(),
        v.user_version.as_str(),
        v.description.as_str(),
        v.uploaded_by.map(|d| d.0),
        v.upload_key,
        v.package_sha256.as_str(),
        i64::try_from(v.zip_bytes).unwrap_or(i64::MAX),
        to_json(serde_json::to_string(&v.packages)),
        to_json(serde_json::to_string(&v.files)),
        to_json(serde_json::to_string(&v.report)),
        v.created_at
    ]
    .to_vec()
}

/// How many versions name the package blob with this digest. Every table holding a
/// `package_sha256` is counted here: a blob none of them names is garbage.
fn package_references(c: &mut dyn Conn, sha256: &str) -> StoreResult<i64> {
    let row = c.query_one(
        "SELECT (SELECT COUNT(*) FROM develop_versions WHERE package_sha256 = ?) \
              + (SELECT COUNT(*) FROM trial_versions WHERE package_sha256 = ?) \
              + (SELECT COUNT(*) FROM reviews WHERE package_sha256 = ?) \
              + (SELECT COUNT(*) FROM releases WHERE package_sha256 = ?)",
        params![sha256, sha256, sha256, sha256],
    )?;
    Ok(row.int(0))
}

/// Notes that a version naming the blob went away at `now`: the purge looks at it after the
/// grace period.
fn touch_unreferenced(c: &mut dyn Conn, sha256: &str, now: Timestamp) -> StoreResult<()> {
    c.exec(
        "INSERT INTO package_blob_gc (package_sha256, touched_at) VALUES (?, ?) \
         ON CONFLICT (package_sha256) DO UPDATE SET touched_at = excluded.touched_at",
        params![sha256, now],
    )
    .map(drop)
}

/// Before a new version row names the blob: locks the blob's collection row, if it has one, so
/// that a concurrent claim waits for this unit of work and then sees the reference, and refuses
/// when a purge has already claimed the blob.
pub(super) fn reference_package(c: &mut dyn Conn, sha256: &str, now: Timestamp) -> StoreResult<()> {
    let row = c.query_opt(
        "UPDATE package_blob_gc SET touched_at = ? WHERE package_sha256 = ? RETURNING claimed_at",
        params![now, sha256],
    )?;
    match row.and_then(|row| row.opt_int(0)) {
        Some(_) => Err(StoreError::Refused(PACKAGE_BLOB_CLAIMED)),
        None => Ok(()),
    }
}

const UPLOAD_KEY_COLUMNS: &str =
    "id, app_id, label, prefix, hash, allowed_ips, created_by, created_at, revoked_at, last_used_at";

fn upload_key(row: &Row) -> StoreResult<UploadKey> {
    let allowed = row.text(5);
    Ok(UploadKey {
        id: row.int(0),
        app: AppKey(row.int(1)),
        label: row.text(2),
        prefix: row.text(3),
        hash: row.text(4),
        allowed: allowed
            .split_whitespace()
            .map(|entry| parse_allowed(entry).map_err(|_| corrupt("allowed address", entry)))
            .collect::<StoreResult<_>>()?,
        created_by: DeveloperId(row.int(6)),
        created_at: row.int(7),
        revoked_at: row.opt_int(8),
        last_used_at: row.opt_int(9),
    })
}

fn tester(row: &Row) -> StoreResult<Tester> {
    Ok(Tester {
        app: AppKey(row.int(0)),
        user: EndUserId(row.int(1)),
        email: row.opt_text(2).map(email).transpose()?,
        userstr: row.text(3),
        bound_at: row.int(4),
    })
}

#[async_trait]
impl VersionStore for SqlStore {
    // ---- develop versions ----

    async fn put_develop_version(&self, v: &DevelopVersion) -> StoreResult<DevelopVersion> {
        let mut v = v.clone();
        self.write(move |c| {
            reference_package(c, &v.package_sha256, v.created_at)?;
            let replaced = c.query_opt(
                "DELETE FROM develop_versions WHERE app_id = ? AND slot = ? RETURNING package_sha256",
                params![v.app.0, v.slot.key()],
            )?;
            if let Some(replaced) = replaced {
                touch_unreferenced(c, &replaced.text(0), v.created_at)?;
            }
            let mut values = vec![crate::sql::Value::from(v.app.0)];
            values.extend(version_params(&v));
            let sql = format!(
                "INSERT INTO develop_versions (app_id, {VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
            );
            v.id = c.query_one(&sql, &values)?.int(0);
            Ok(v)
        })
        .await
    }

    async fn develop_versions(&self, app: AppKey) -> StoreResult<Vec<DevelopVersion>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT id, app_id, {VERSION_COLUMNS} FROM develop_versions WHERE app_id = ? ORDER BY created_at DESC, id DESC"
            );
            c.query(&sql, params![app.0])?.iter().map(|r| develop_version(r, false)).collect()
        })
        .await
    }

    async fn develop_version(&self, app: AppKey, id: i64) -> StoreResult<Option<DevelopVersion>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT id, app_id, {VERSION_COLUMNS} FROM develop_versions WHERE app_id = ? AND id = ?"
            );
            c.query_opt(&sql, params![app.0, id])?.map(|r| develop_version(&r, true)).transpose()
        })
        .await
    }

    async fn delete_develop_version(&self, app: AppKey, id: i64, now: Timestamp) -> StoreResult<bool> {
        self.write(move |c| {
            let deleted = c.query_opt(
                "DELETE FROM develop_versions WHERE app_id = ? AND id = ? RETURNING package_sha256",
                params![app.0, id],
            )?;
            let Some(deleted) = deleted else { return Ok(false) };
            touch_unreferenced(c, &deleted.text(0), now)?;
            Ok(true)
        })
        .await
    }

    // ---- the trial version ----

    async fn set_trial_version(&self, t: &TrialVersion) -> StoreResult<()> {
        let t = t.clone();
        self.write(move |c| {
            reference_package(c, &t.version.package_sha256, t.chosen_at)?;
            let replaced = c.query_opt(
                "DELETE FROM trial_versions WHERE app_id = ? RETURNING package_sha256",
                params![t.version.app.0],
            )?;
            if let Some(replaced) = replaced {
                touch_unreferenced(c, &replaced.text(0), t.chosen_at)?;
            }
            let mut values = vec![crate::sql::Value::from(t.version.app.0), crate::sql::Value::from(t.version.id)];
            values.extend(version_params(&t.version));
            values.extend(params![t.chosen_by.0, t.chosen_at].iter().cloned());
            let sql = format!(
                "INSERT INTO trial_versions (app_id, source_version_id, {VERSION_COLUMNS}, chosen_by, chosen_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            );
            c.exec(&sql, &values).map(drop)
        })
        .await
    }

    async fn trial_version(&self, app: AppKey) -> StoreResult<Option<TrialVersion>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT source_version_id, app_id, {VERSION_COLUMNS}, chosen_by, chosen_at FROM trial_versions WHERE app_id = ?"
            );
            c.query_opt(&sql, params![app.0])?
                .map(|r| {
                    Ok(TrialVersion {
                        version: develop_version(&r, true)?,
                        chosen_by: DeveloperId(r.int(13)),
                        chosen_at: r.int(14),
                    })
                })
                .transpose()
        })
        .await
    }

    // ---- package blobs ----

    async fn touch_package_blob(
        &self,
        sha256: &str,
        now: Timestamp,
        abandoned_at: Timestamp,
    ) -> StoreResult<bool> {
        let sha256 = sha256.to_owned();
        self.write(move |c| {
            let row = c.query_one(
                "INSERT INTO package_blob_gc (package_sha256, touched_at) VALUES (?, ?) \
                 ON CONFLICT (package_sha256) DO UPDATE SET touched_at = excluded.touched_at, \
                 claimed_at = CASE WHEN package_blob_gc.claimed_at <= ? THEN NULL ELSE package_blob_gc.claimed_at END \
                 RETURNING claimed_at",
                params![sha256, now, abandoned_at],
            )?;
            Ok(row.opt_int(0).is_none())
        })
        .await
    }

    async fn claim_package_blobs(
        &self,
        now: Timestamp,
        touched_by: Timestamp,
        abandoned_at: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<String>> {
        self.write(move |c| {
            const CLAIMABLE: &str = "touched_at <= ? AND (claimed_at IS NULL OR claimed_at <= ?)";
            let due = c.query(
                &format!("SELECT package_sha256 FROM package_blob_gc WHERE {CLAIMABLE} ORDER BY touched_at LIMIT ?"),
                params![touched_by, abandoned_at, limit],
            )?;
            let mut claimed = Vec::new();
            for row in due {
                let sha256 = row.text(0);
                // Claim first: the row lock orders this against units of work adding a
                // reference, so the count below sees theirs (or they see the claim).
                let locked = c.exec(
                    &format!("UPDATE package_blob_gc SET claimed_at = ? WHERE package_sha256 = ? AND {CLAIMABLE}"),
                    params![now, &sha256, touched_by, abandoned_at],
                )?;
                if locked == 0 {
                    continue;
                }
                if package_references(c, &sha256)? > 0 {
                    c.exec("DELETE FROM package_blob_gc WHERE package_sha256 = ?", params![&sha256])?;
                } else {
                    claimed.push(sha256);
                }
            }
            Ok(claimed)
        })
        .await
    }

    async fn end_package_blob_claim(
        &self,
        sha256: &str,
        claimed_at: Timestamp,
        deleted: bool,
    ) -> StoreResult<()> {
        let sha256 = sha256.to_owned();
        self.write(move |c| {
            let sql = if deleted {
                "DELETE FROM package_blob_gc WHERE package_sha256 = ? AND claimed_at = ?"
            } else {
                "UPDATE package_blob_gc SET claimed_at = NULL WHERE package_sha256 = ? AND claimed_at = ?"
            };
            c.exec(sql, params![sha256, claimed_at]).map(drop)
        })
        .await
    }

    // ---- upload keys ----

    async fn create_upload_key(&self, k: &UploadKey) -> StoreResult<UploadKey> {
        let mut k = k.clone();
        self.write(move |c| {
            let allowed: Vec<String> = k.allowed.iter().map(ToString::to_string).collect();
            k.id = c
                .query_one(
                    "INSERT INTO upload_keys (app_id, label, prefix, hash, allowed_ips, created_by, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    params![k.app.0, &k.label, &k.prefix, &k.hash, allowed.join(" "), k.created_by.0, k.created_at],
                )?
                .int(0);
            Ok(k)
        })
        .await
    }

    async fn upload_keys(&self, app: AppKey) -> StoreResult<Vec<UploadKey>> {
        self.read(move |c| {
            let sql = format!("SELECT {UPLOAD_KEY_COLUMNS} FROM upload_keys WHERE app_id = ? ORDER BY created_at DESC, id DESC");
            c.query(&sql, params![app.0])?.iter().map(upload_key).collect()
        })
        .await
    }

    async fn upload_key_by_hash(&self, hash: &str) -> StoreResult<Option<UploadKey>> {
        let hash = hash.to_owned();
        self.read(move |c| {
            let sql = format!("SELECT {UPLOAD_KEY_COLUMNS} FROM upload_keys WHERE hash = ?");
            c.query_opt(&sql, params![hash])?.map(|r| upload_key(&r)).transpose()
        })
        .await
    }

    async fn revoke_upload_key(&self, app: AppKey, id: i64, now: Timestamp) -> StoreResult<bool> {
        self.write(move |c| {
            let changed = c.exec(
                "UPDATE upload_keys SET revoked_at = ? WHERE app_id = ? AND id = ? AND revoked_at IS NULL",
                params![now, app.0, id],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn touch_upload_key(&self, id: i64, now: Timestamp) -> StoreResult<()> {
        self.write(move |c| {
            c.exec("UPDATE upload_keys SET last_used_at = ? WHERE id = ?", params![now, id]).map(drop)
        })
        .await
    }

    // ---- testers ----

    async fn bind_tester(&self, t: &Tester, per_app: i64, per_user: i64) -> Result<(), BindTesterError> {
        let t = t.clone();
        let outcome = self
            .write(move |c| {
                let bound = c.query_opt(
                    "SELECT 1 FROM app_testers WHERE app_id = ? AND end_user_id = ?",
                    params![t.app.0, t.user.0],
                )?;
                if bound.is_some() {
                    return Err(StoreError::Refused(TESTER_ALREADY_BOUND));
                }
                if c.query_one("SELECT COUNT(*) FROM app_testers WHERE app_id = ?", params![t.app.0])?.int(0)
                    >= per_app
                {
                    return Err(StoreError::Refused(TESTER_APP_LIMIT));
                }
                let apps =
                    c.query_one("SELECT COUNT(*) FROM app_testers WHERE end_user_id = ?", params![t.user.0])?;
                if apps.int(0) >= per_user {
                    return Err(StoreError::Refused(TESTER_USER_LIMIT));
                }
                c.exec(
                    "INSERT INTO app_testers (app_id, end_user_id, userstr, bound_at) VALUES (?, ?, ?, ?)",
                    params![t.app.0, t.user.0, t.userstr, t.bound_at],
                )
                .map_err(|e| match e {
                    // A concurrent bind of the same user won.
                    StoreError::UniqueViolation => StoreError::Refused(TESTER_ALREADY_BOUND),
                    other => other,
                })?;
                Ok(())
            })
            .await;
        outcome.map_err(|e| match e {
            StoreError::Refused(TESTER_ALREADY_BOUND) => BindTesterError::AlreadyBound,
            StoreError::Refused(TESTER_APP_LIMIT) => BindTesterError::AppLimit,
            StoreError::Refused(TESTER_USER_LIMIT) => BindTesterError::UserLimit,
            other => BindTesterError::Store(other),
        })
    }

    async fn unbind_tester(
        &self,
        app: AppKey,
        user: Option<EndUserId>,
        userstr: Option<&str>,
    ) -> StoreResult<bool> {
        let userstr = userstr.map(str::to_owned);
        self.write(move |c| {
            let removed = match (user, userstr) {
                (Some(user), _) => c.exec(
                    "DELETE FROM app_testers WHERE app_id = ? AND end_user_id = ?",
                    params![app.0, user.0],
                )?,
                (None, Some(userstr)) => c.exec(
                    "DELETE FROM app_testers WHERE app_id = ? AND userstr = ?",
                    params![app.0, userstr],
                )?,
                (None, None) => 0,
            };
            Ok(removed > 0)
        })
        .await
    }

    async fn testers(&self, app: AppKey) -> StoreResult<Vec<Tester>> {
        self.read(move |c| {
            c.query(
                "SELECT t.app_id, t.end_user_id, u.email, t.userstr, t.bound_at FROM app_testers t \
                 JOIN end_users u ON u.id = t.end_user_id WHERE t.app_id = ? ORDER BY t.bound_at, t.end_user_id",
                params![app.0],
            )?
            .iter()
            .map(tester)
            .collect()
        })
        .await
    }

    async fn is_tester(&self, app: AppKey, user: EndUserId) -> StoreResult<bool> {
        self.read(move |c| {
            Ok(c.query_opt(
                "SELECT 1 FROM app_testers WHERE app_id = ? AND end_user_id = ?",
                params![app.0, user.0],
            )?
            .is_some())
        })
        .await
    }
}
