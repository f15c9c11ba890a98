//! Native hosts and the end users they name.

use miniplat_core::accounts::hosts::{HostUserProfile, NewHost};
use miniplat_core::accounts::{Host, HostId};
use miniplat_core::store::HostStore;

use super::*;

const HOST_COLUMNS: &str = "id, host_key, name, secret_hash, created_by, created_at, revoked_at";

fn host(row: &Row) -> Host {
    Host {
        id: HostId(row.int(0)),
        key: row.text(1),
        name: row.text(2),
        secret_hash: row.text(3),
        created_by: row.opt_int(4).map(DeveloperId),
        created_at: row.int(5),
        revoked_at: row.opt_int(6),
    }
}

fn find_host_user(c: &mut dyn Conn, host: HostId, external_id: &str) -> StoreResult<Option<EndUser>> {
    let columns = END_USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {columns} FROM host_users h JOIN end_users u ON u.id = h.end_user_id \
         WHERE h.host_id = ? AND h.external_id = ?"
    );
    c.query_opt(&sql, params![host.0, external_id])?.as_ref().map(end_user).transpose()
}

#[async_trait]
impl HostStore for SqlStore {
    async fn create_host(&self, new: &NewHost) -> StoreResult<Host> {
        let new = new.clone();
        self.write(move |c| {
            let sql = format!(
                "INSERT INTO hosts (host_key, name, secret_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?) \
                 RETURNING {HOST_COLUMNS}"
            );
            let row = c.query_one(
                &sql,
                params![new.key, new.name, new.secret_hash, new.created_by.map(|d| d.0), new.created_at],
            )?;
            Ok(host(&row))
        })
        .await
    }

    async fn host_by_key(&self, key: &str) -> StoreResult<Option<Host>> {
        let key = key.to_owned();
        self.read(move |c| {
            let sql = format!("SELECT {HOST_COLUMNS} FROM hosts WHERE host_key = ?");
            Ok(c.query_opt(&sql, params![key])?.as_ref().map(host))
        })
        .await
    }

    async fn list_hosts(&self) -> StoreResult<Vec<Host>> {
        self.read(|c| {
            let sql = format!("SELECT {HOST_COLUMNS} FROM hosts ORDER BY id");
            Ok(c.query(&sql, &[])?.iter().map(host).collect())
        })
        .await
    }

    async fn revoke_host(&self, key: &str, at: Timestamp) -> StoreResult<bool> {
        let key = key.to_owned();
        self.write(move |c| {
            let changed = c.exec(
                "UPDATE hosts SET revoked_at = ? WHERE host_key = ? AND revoked_at IS NULL",
                params![at, key],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn upsert_host_user(
        &self,
        host: HostId,
        external_id: &str,
        profile: &HostUserProfile,
    ) -> StoreResult<(EndUser, bool)> {
        let external_id = external_id.to_owned();
        let profile = profile.clone();
        self.write(move |c| {
            let phone = profile.phone.as_ref().map(ToString::to_string);
            if let Some(existing) = find_host_user(c, host, &external_id)? {
                c.exec(
                    "UPDATE end_users SET nickname = ?, phone = ? WHERE id = ?",
                    params![profile.new.nickname.clone(), phone.clone(), existing.id.0],
                )?;
                let updated = EndUser { nickname: profile.new.nickname, phone: profile.phone, ..existing };
                return Ok((updated, false));
            }
            let new = &profile.new;
            let sql = format!(
                "INSERT INTO end_users (email, password_hash, nickname, failed_sign_ins, created_at, phone) \
                 VALUES (?, ?, ?, 0, ?, ?) RETURNING {END_USER_COLUMNS}"
            );
            let row = c.query_one(
                &sql,
                params![
                    new.email.as_str(),
                    new.password_hash.clone(),
                    new.nickname.clone(),
                    new.created_at,
                    phone
                ],
            )?;
            let user = end_user(&row)?;
            claim_email(c, &user.email, "end_user", user.id.0)?;
            c.exec(
                "INSERT INTO host_users (host_id, external_id, end_user_id) VALUES (?, ?, ?)",
                params![host.0, external_id, user.id.0],
            )?;
            Ok((user, true))
        })
        .await
    }

    async fn host_user(&self, host: HostId, external_id: &str) -> StoreResult<Option<EndUser>> {
        let external_id = external_id.to_owned();
        self.read(move |c| find_host_user(c, host, &external_id)).await
    }
}
