//! Release reviews. A review row repeats the trial version's columns (a snapshot), so the
//! version mappers of `versions.rs` read and write them.

use super::versions::{develop_version, reference_package, to_json, version_params, VERSION_COLUMNS};
use super::*;
use miniplat_core::jobs::NewJob;
use miniplat_core::media::{Media, MediaKind};
use miniplat_core::review::{Review, ReviewId, ReviewState, Submission};
use miniplat_core::store::{ReviewStore, ReviewUpdate, REVIEW_IN_PROGRESS};

/// `source_version_id, app_id, <VERSION_COLUMNS>` first (the version mapper's layout), then
/// the review's own columns from index 13.
fn review_columns() -> String {
    format!(
        "source_version_id, app_id, {VERSION_COLUMNS}, id, submission_json, state, reason, screenshots, \
         delayed_at, delay_reason, submitted_by, submitted_at, decided_at, expedited_at"
    )
}

fn review(row: &Row, detail: bool) -> StoreResult<Review> {
    let submission = row.text(14);
    let state = row.text(15);
    Ok(Review {
        id: ReviewId(row.int(13)),
        app: AppKey(row.int(1)),
        version: develop_version(row, detail)?,
        submission: serde_json::from_str::<Submission>(&submission)
            .map_err(|_| corrupt("review submission", &submission))?,
        state: ReviewState::parse(&state).ok_or_else(|| corrupt("review state", &state))?,
        reason: row.opt_text(16),
        screenshots: split_media_ids(&row.text(17)),
        delayed_at: row.opt_int(18),
        delay_reason: row.opt_text(19),
        submitted_by: row.opt_int(20).map(DeveloperId),
        submitted_at: row.int(21),
        decided_at: row.opt_int(22),
        expedited_at: row.opt_int(23),
    })
}

/// Media ids are stored as on the wire: `|`-separated.
fn split_media_ids(text: &str) -> Vec<String> {
    text.split('|').filter(|id| !id.is_empty()).map(str::to_owned).collect()
}

const MEDIA_COLUMNS: &str = "media_id, app_id, kind, content_type, blob_key, bytes, created_at, expires_at";

fn media(row: &Row) -> StoreResult<Media> {
    let kind = row.text(2);
    Ok(Media {
        media_id: row.text(0),
        app: AppKey(row.int(1)),
        kind: MediaKind::parse(&kind).ok_or_else(|| corrupt("media kind", &kind))?,
        content_type: row.text(3),
        blob_key: row.text(4),
        bytes: row.int(5),
        created_at: row.int(6),
        expires_at: row.int(7),
    })
}

fn select_reviews(where_clause: &str) -> String {
    format!("SELECT {} FROM reviews WHERE {where_clause}", review_columns())
}

/// Inserts a review row (the trial version's snapshot referencing its package blob); refused
/// with [`REVIEW_IN_PROGRESS`] when the app has an open review.
pub(super) fn insert_review_row(c: &mut dyn Conn, r: Review) -> StoreResult<Review> {
    reference_package(c, &r.version.package_sha256, r.submitted_at)?;
    let mut values = params![r.version.id, r.app.0].to_vec();
    values.extend(version_params(&r.version));
    values.extend(
        params![
            to_json(serde_json::to_string(&r.submission)),
            r.state.as_str(),
            r.reason.as_deref(),
            r.screenshots.join("|"),
            r.delayed_at,
            r.delay_reason.as_deref(),
            r.submitted_by.map(|d| d.0),
            r.submitted_at,
            r.decided_at,
            r.expedited_at
        ]
        .iter()
        .cloned(),
    );
    let sql = format!(
        "INSERT INTO reviews (source_version_id, app_id, {VERSION_COLUMNS}, submission_json, state, reason, \
         screenshots, delayed_at, delay_reason, submitted_by, submitted_at, decided_at, expedited_at) \
         VALUES ({}) RETURNING id",
        vec!["?"; values.len()].join(", ")
    );
    let id = match c.query_one(&sql, &values) {
        Ok(row) => ReviewId(row.int(0)),
        Err(StoreError::UniqueViolation) => return Err(StoreError::Refused(REVIEW_IN_PROGRESS)),
        Err(error) => return Err(error),
    };
    Ok(Review { id, ..r })
}

#[async_trait]
impl ReviewStore for SqlStore {
    async fn insert_review(&self, r: &Review) -> StoreResult<Review> {
        let r = r.clone();
        self.write(move |c| insert_review_row(c, r)).await
    }

    async fn review(&self, app: AppKey, id: ReviewId) -> StoreResult<Option<Review>> {
        self.read(move |c| {
            c.query_opt(&select_reviews("app_id = ? AND id = ?"), params![app.0, id.0])?
                .map(|row| review(&row, true))
                .transpose()
        })
        .await
    }

    async fn latest_review(&self, app: AppKey) -> StoreResult<Option<Review>> {
        self.read(move |c| {
            c.query_opt(&(select_reviews("app_id = ?") + " ORDER BY id DESC LIMIT 1"), params![app.0])?
                .map(|row| review(&row, true))
                .transpose()
        })
        .await
    }

    async fn reviews(&self, app: AppKey, limit: i64) -> StoreResult<Vec<Review>> {
        self.read(move |c| {
            c.query(&(select_reviews("app_id = ?") + " ORDER BY id DESC LIMIT ?"), params![app.0, limit])?
                .iter()
                .map(|row| review(row, false))
                .collect()
        })
        .await
    }

    async fn update_review(&self, update: &ReviewUpdate, push: Option<&NewJob>) -> StoreResult<bool> {
        let u = update.clone();
        let push = push.cloned();
        self.write(move |c| {
            let decided_at = (!u.to.is_open()).then_some(u.at);
            let mut values = params![
                u.to.as_str(),
                u.reason.as_deref(),
                u.screenshots.join("|"),
                decided_at,
                u.app.0,
                u.review.0
            ]
            .to_vec();
            values.extend(u.from.iter().map(|state| crate::sql::Value::from(state.as_str())));
            let sql = format!(
                "UPDATE reviews SET state = ?, reason = ?, screenshots = ?, decided_at = ? \
                 WHERE app_id = ? AND id = ? AND state IN ({})",
                vec!["?"; u.from.len()].join(", ")
            );
            if u.from.is_empty() || c.exec(&sql, &values)? == 0 {
                return Ok(false);
            }
            if let Some(job) = &push {
                super::jobs::insert_job(c, job)?;
            }
            Ok(true)
        })
        .await
    }

    async fn insert_media(&self, m: &Media) -> StoreResult<()> {
        let m = m.clone();
        self.write(move |c| {
            c.exec(
                &format!("INSERT INTO media ({MEDIA_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                params![
                    m.media_id,
                    m.app.0,
                    m.kind.as_str(),
                    m.content_type,
                    m.blob_key,
                    m.bytes,
                    m.created_at,
                    m.expires_at
                ],
            )
            .map(drop)
        })
        .await
    }

    async fn media(&self, app: AppKey, media_id: &str) -> StoreResult<Option<Media>> {
        let media_id = media_id.to_owned();
        self.read(move |c| {
            c.query_opt(
                &format!("SELECT {MEDIA_COLUMNS} FROM media WHERE app_id = ? AND media_id = ?"),
                params![app.0, media_id],
            )?
            .as_ref()
            .map(media)
            .transpose()
        })
        .await
    }
}
