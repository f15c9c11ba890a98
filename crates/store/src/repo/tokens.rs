//! Access tokens.

use super::*;
use miniplat_core::store::TokenStore;

#[async_trait]
impl TokenStore for SqlStore {
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
}
