//! Push configurations (secrets arrive sealed) and the delivery log.

use super::*;
use miniplat_core::push::{DeliveryOutcome, PushDelivery, PushFormat, PushMode, StoredPushConfig};
use miniplat_core::store::PushStore;

const CONFIG_COLUMNS: &str = "app_id, url, mode, format, sealed_secrets, verified_at, updated_by, updated_at";
const DELIVERY_COLUMNS: &str =
    "id, app_id, event_id, event, attempt, at, outcome, status_code, error, duration_ms";

fn config(row: &Row) -> StoreResult<StoredPushConfig> {
    let mode = row.text(2);
    let format = row.text(3);
    Ok(StoredPushConfig {
        app: AppKey(row.int(0)),
        url: row.text(1),
        mode: PushMode::parse(&mode).ok_or_else(|| corrupt("push mode", &mode))?,
        format: PushFormat::parse(&format).ok_or_else(|| corrupt("push format", &format))?,
        sealed_secrets: row.blob(4),
        verified_at: row.int(5),
        updated_by: DeveloperId(row.int(6)),
        updated_at: row.int(7),
    })
}

fn delivery(row: &Row) -> StoreResult<PushDelivery> {
    let outcome = row.text(6);
    Ok(PushDelivery {
        id: row.int(0),
        app: AppKey(row.int(1)),
        event_id: row.text(2),
        event: row.text(3),
        attempt: row.int(4),
        at: row.int(5),
        outcome: DeliveryOutcome::parse(&outcome).ok_or_else(|| corrupt("delivery outcome", &outcome))?,
        status_code: row.opt_int(7),
        error: row.opt_text(8),
        duration_ms: row.int(9),
    })
}

#[async_trait]
impl PushStore for SqlStore {
    async fn put_push_config(&self, config: &StoredPushConfig) -> StoreResult<()> {
        let p = config.clone();
        self.write(move |c| {
            c.exec(
                &format!(
                    "INSERT INTO push_configs ({CONFIG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
                     ON CONFLICT (app_id) DO UPDATE SET url = excluded.url, mode = excluded.mode, \
                     format = excluded.format, sealed_secrets = excluded.sealed_secrets, \
                     verified_at = excluded.verified_at, updated_by = excluded.updated_by, \
                     updated_at = excluded.updated_at"
                ),
                params![
                    p.app.0,
                    p.url,
                    p.mode.as_str(),
                    p.format.as_str(),
                    p.sealed_secrets,
                    p.verified_at,
                    p.updated_by.0,
                    p.updated_at
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn push_config(&self, app: AppKey) -> StoreResult<Option<StoredPushConfig>> {
        self.read(move |c| {
            c.query_opt(
                &format!("SELECT {CONFIG_COLUMNS} FROM push_configs WHERE app_id = ?"),
                params![app.0],
            )?
            .as_ref()
            .map(config)
            .transpose()
        })
        .await
    }

    async fn delete_push_config(&self, app: AppKey) -> StoreResult<bool> {
        self.write(move |c| Ok(c.exec("DELETE FROM push_configs WHERE app_id = ?", params![app.0])? > 0))
            .await
    }

    async fn record_push_deliveries(&self, deliveries: &[PushDelivery]) -> StoreResult<()> {
        if deliveries.is_empty() {
            return Ok(());
        }
        let deliveries = deliveries.to_vec();
        self.write(move |c| {
            for d in deliveries {
                c.exec(
                    "INSERT INTO push_deliveries (app_id, event_id, event, attempt, at, outcome, status_code, error, \
                     duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    params![
                        d.app.0,
                        d.event_id,
                        d.event,
                        d.attempt,
                        d.at,
                        d.outcome.as_str(),
                        d.status_code,
                        d.error,
                        d.duration_ms
                    ],
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn push_deliveries(&self, app: AppKey, limit: i64) -> StoreResult<Vec<PushDelivery>> {
        self.read(move |c| {
            c.query(
                &format!("SELECT {DELIVERY_COLUMNS} FROM push_deliveries WHERE app_id = ? ORDER BY id DESC LIMIT ?"),
                params![app.0, limit],
            )?
            .iter()
            .map(delivery)
            .collect()
        })
        .await
    }

    async fn purge_push_deliveries(&self, before: Timestamp) -> StoreResult<u64> {
        self.write(move |c| c.exec("DELETE FROM push_deliveries WHERE at < ?", params![before])).await
    }
}
