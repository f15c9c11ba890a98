//! Quota counts and request records.

use super::*;
use miniplat_core::store::QuotaStore;

#[async_trait]
impl QuotaStore for SqlStore {
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
}
