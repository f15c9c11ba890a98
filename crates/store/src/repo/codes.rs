//! Mini program codes and the lifetime count of the limited kinds; URL Schemes and URL Links
//! and their daily counts.

use super::*;
use miniplat_core::apps::access::EnvVersion;
use miniplat_core::codes::links::{self, Link, LinkKind};
use miniplat_core::codes::{self, Code, CodeKind};
use miniplat_core::store::{CodeStore, LinkStore};

const CODE_COLUMNS: &str = "ticket, app_id, kind, page, query, scene, env_version, created_at";

fn insert(c: &mut dyn Conn, code: &Code) -> StoreResult<()> {
    c.exec(
        &format!("INSERT INTO codes ({CODE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ticket) DO NOTHING"),
        params![
            code.ticket.clone(),
            code.app.0,
            code.kind.as_str(),
            code.page.clone(),
            code.query.clone(),
            code.scene.clone(),
            code.env.as_str(),
            code.created_at
        ],
    )?;
    Ok(())
}

fn code(row: &Row) -> StoreResult<Code> {
    let kind = row.text(2);
    let env = row.text(6);
    Ok(Code {
        ticket: row.text(0),
        app: AppKey(row.int(1)),
        kind: CodeKind::parse(&kind).ok_or_else(|| corrupt("code kind", &kind))?,
        page: row.text(3),
        query: row.text(4),
        scene: row.opt_text(5),
        env: EnvVersion::parse(&env).ok_or_else(|| corrupt("env_version", &env))?,
        created_at: row.int(7),
    })
}

#[async_trait]
impl CodeStore for SqlStore {
    async fn insert_code(&self, code: &Code) -> StoreResult<()> {
        let code = code.clone();
        self.write(move |c| insert(c, &code)).await
    }

    async fn insert_unlimited_code(&self, code: &Code, page_cap: i64) -> StoreResult<()> {
        let code = code.clone();
        self.write(move |c| {
            if c.query_opt("SELECT 1 FROM codes WHERE ticket = ?", params![code.ticket.clone()])?.is_some() {
                return Ok(());
            }
            let kind = CodeKind::Unlimited.as_str();
            let known_page = c
                .query_opt(
                    "SELECT 1 FROM codes WHERE app_id = ? AND kind = ? AND page = ? LIMIT 1",
                    params![code.app.0, kind, code.page.clone()],
                )?
                .is_some();
            if !known_page {
                // Counted only when a new page arrives: at most `page_cap` times per app.
                let pages = c
                    .query_one(
                        "SELECT COUNT(DISTINCT page) FROM codes WHERE app_id = ? AND kind = ?",
                        params![code.app.0, kind],
                    )?
                    .int(0);
                if pages >= page_cap {
                    return Err(codes::page_cap_reached());
                }
            }
            insert(c, &code)
        })
        .await
    }

    async fn insert_limited_code(&self, code: &Code, cap: i64) -> StoreResult<i64> {
        let code = code.clone();
        self.write(move |c| {
            let used = c
                .query_one(
                    "INSERT INTO code_counts (app_id, used) VALUES (?, 1) \
                     ON CONFLICT (app_id) DO UPDATE SET used = code_counts.used + 1 RETURNING used",
                    params![code.app.0],
                )?
                .int(0);
            if used > cap {
                // Rolls the count back: refused codes do not count.
                return Err(codes::cap_reached());
            }
            insert(c, &code)?;
            Ok(used)
        })
        .await
    }

    async fn code_by_ticket(&self, ticket: &str) -> StoreResult<Option<Code>> {
        let ticket = ticket.to_owned();
        self.read(move |c| {
            c.query_opt(&format!("SELECT {CODE_COLUMNS} FROM codes WHERE ticket = ?"), params![ticket])?
                .map(|r| code(&r))
                .transpose()
        })
        .await
    }
}

const LINK_COLUMNS: &str =
    "ticket, app_id, kind, page, query, env_version, cloud_base, created_at, expire_at";

fn link(row: &Row) -> StoreResult<Link> {
    let kind = row.text(2);
    let env = row.text(5);
    let cloud_base = match row.opt_text(6) {
        Some(text) => Some(serde_json::from_str(&text).map_err(|_| corrupt("cloud_base", &text))?),
        None => None,
    };
    Ok(Link {
        ticket: row.text(0),
        app: AppKey(row.int(1)),
        kind: LinkKind::parse(&kind).ok_or_else(|| corrupt("link kind", &kind))?,
        page: row.text(3),
        query: row.text(4),
        env: EnvVersion::parse(&env).ok_or_else(|| corrupt("env_version", &env))?,
        cloud_base,
        created_at: row.int(7),
        expire_at: row.int(8),
    })
}

#[async_trait]
impl LinkStore for SqlStore {
    async fn insert_link(&self, l: &Link) -> StoreResult<()> {
        let l = l.clone();
        let cloud_base =
            l.cloud_base.as_ref().map(|c| serde_json::to_string(c).expect("plain struct serialises"));
        self.write(move |c| {
            c.exec(
                &format!("INSERT INTO links ({LINK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                params![
                    l.ticket.clone(),
                    l.app.0,
                    l.kind.as_str(),
                    l.page.clone(),
                    l.query.clone(),
                    l.env.as_str(),
                    cloud_base,
                    l.created_at,
                    l.expire_at
                ],
            )
            .map(drop)
        })
        .await
    }

    async fn link_by_ticket(&self, ticket: &str) -> StoreResult<Option<Link>> {
        let ticket = ticket.to_owned();
        self.read(move |c| {
            c.query_opt(&format!("SELECT {LINK_COLUMNS} FROM links WHERE ticket = ?"), params![ticket])?
                .map(|r| link(&r))
                .transpose()
        })
        .await
    }

    async fn links_of(&self, app: AppKey) -> StoreResult<Vec<Link>> {
        self.read(move |c| {
            c.query(
                &format!(
                    "SELECT {LINK_COLUMNS} FROM links WHERE app_id = ? ORDER BY created_at DESC, ticket LIMIT 200"
                ),
                params![app.0],
            )?
            .iter()
            .map(link)
            .collect()
        })
        .await
    }

    async fn expire_link(&self, app: AppKey, ticket: &str, at: Timestamp) -> StoreResult<bool> {
        let ticket = ticket.to_owned();
        self.write(move |c| {
            let changed = c.exec(
                "UPDATE links SET expire_at = ? WHERE app_id = ? AND ticket = ? AND expire_at > ?",
                params![at, app.0, ticket, at],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn count_link_event(&self, app: AppKey, day: i64, event: &str, cap: i64) -> StoreResult<i64> {
        let event = event.to_owned();
        self.write(move |c| {
            let used = c
                .query_one(
                    "INSERT INTO link_counts (app_id, day, event, used) VALUES (?, ?, ?, 1) \
                     ON CONFLICT (app_id, day, event) DO UPDATE SET used = link_counts.used + 1 RETURNING used",
                    params![app.0, day, event],
                )?
                .int(0);
            if used > cap {
                return Err(links::daily_limit_reached());
            }
            Ok(used)
        })
        .await
    }

    async fn link_events(&self, app: AppKey, day: i64, event: &str) -> StoreResult<i64> {
        let event = event.to_owned();
        self.read(move |c| {
            let row = c.query_opt(
                "SELECT used FROM link_counts WHERE app_id = ? AND day = ? AND event = ?",
                params![app.0, day, event],
            )?;
            Ok(row.map_or(0, |r| r.int(0)))
        })
        .await
    }
}
