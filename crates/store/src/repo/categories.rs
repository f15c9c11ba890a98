//! Categories: the catalogue and the applications of mini programs (`categories`,
//! `app_categories`, `category_adds`).

use super::*;
use miniplat_core::categories::{
    AppCategory, Category, CategoryId, CategoryLimits, CategoryState, Certificate,
};
use miniplat_core::jobs::NewJob;
use miniplat_core::store::{CategoryStore, CATEGORY_ADD_MONTHLY_LIMIT, CATEGORY_LIMIT};

const CATEGORY_COLUMNS: &str =
    "id, parent_id, level, name, sensitive, qualifications_json, qualification_remark, \
                                special_rules, subject_types, delisted, created_at";

fn category(row: &Row) -> StoreResult<Category> {
    let qualifications = row.text(5);
    let subject_types = row.text(8);
    Ok(Category {
        id: CategoryId(row.int(0)),
        parent: CategoryId(row.int(1)),
        level: row.int(2),
        name: row.text(3),
        sensitive: row.bool(4),
        qualifications: serde_json::from_str(&qualifications)
            .map_err(|_| corrupt("category qualifications", &qualifications))?,
        qualification_remark: row.text(6),
        special_rules: row.opt_text(7),
        subject_types: subject_types
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|t| SubjectType::parse(t).ok_or_else(|| corrupt("category subject type", t)))
            .collect::<StoreResult<_>>()?,
        delisted: row.bool(9),
        created_at: row.int(10),
    })
}

const APPLICATION_COLUMNS: &str =
    "id, app_id, first_id, second_id, state, reason, certificates_json, applied_at, decided_at, decided_by";

fn application(row: &Row) -> StoreResult<AppCategory> {
    let state = row.text(4);
    let certificates = row.text(6);
    Ok(AppCategory {
        id: row.int(0),
        app: AppKey(row.int(1)),
        first: CategoryId(row.int(2)),
        second: CategoryId(row.int(3)),
        state: CategoryState::parse(&state).ok_or_else(|| corrupt("category state", &state))?,
        reason: row.opt_text(5),
        certificates: serde_json::from_str(&certificates)
            .map_err(|_| corrupt("category certificates", &certificates))?,
        applied_at: row.int(7),
        decided_at: row.opt_int(8),
        decided_by: row.opt_int(9).map(DeveloperId),
    })
}

fn certificates_json(certificates: &[Certificate]) -> String {
    serde_json::to_string(certificates).expect("certificates serialise")
}

fn qualifications_json(category: &Category) -> String {
    serde_json::to_string(&category.qualifications).expect("names serialise")
}

#[async_trait]
impl CategoryStore for SqlStore {
    async fn categories(&self) -> StoreResult<Vec<Category>> {
        self.read(move |c| {
            c.query(&format!("SELECT {CATEGORY_COLUMNS} FROM categories ORDER BY level, id"), &[])?
                .iter()
                .map(category)
                .collect()
        })
        .await
    }

    async fn insert_category(&self, new: &Category) -> StoreResult<Category> {
        let new = new.clone();
        self.write(move |c| {
            // Ids are small and chosen here (the default catalogue fixes its own), so a
            // sequence never collides with a seeded id.
            let id = c.query_one("SELECT COALESCE(MAX(id), 0) + 1 FROM categories", &[])?.int(0);
            c.exec(
                &format!(
                    "INSERT INTO categories ({CATEGORY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                params![
                    id,
                    new.parent.0,
                    new.level,
                    new.name.as_str(),
                    new.sensitive,
                    qualifications_json(&new),
                    new.qualification_remark.as_str(),
                    new.special_rules.as_deref(),
                    new.subject_types_text(),
                    new.delisted,
                    new.created_at
                ],
            )?;
            Ok(Category { id: CategoryId(id), ..new })
        })
        .await
    }

    async fn update_category(&self, category: &Category) -> StoreResult<bool> {
        let category = category.clone();
        self.write(move |c| {
            let changed = c.exec(
                "UPDATE categories SET name = ?, sensitive = ?, qualifications_json = ?, qualification_remark = ?, \
                 special_rules = ?, subject_types = ?, delisted = ? WHERE id = ?",
                params![
                    category.name.as_str(),
                    category.sensitive,
                    qualifications_json(&category),
                    category.qualification_remark.as_str(),
                    category.special_rules.as_deref(),
                    category.subject_types_text(),
                    category.delisted,
                    category.id.0
                ],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn app_categories(&self, app: AppKey) -> StoreResult<Vec<AppCategory>> {
        self.read(move |c| {
            c.query(
                &format!("SELECT {APPLICATION_COLUMNS} FROM app_categories WHERE app_id = ? ORDER BY id"),
                params![app.0],
            )?
            .iter()
            .map(application)
            .collect()
        })
        .await
    }

    async fn app_category_by_id(&self, id: i64) -> StoreResult<Option<AppCategory>> {
        self.read(move |c| {
            c.query_opt(
                &format!("SELECT {APPLICATION_COLUMNS} FROM app_categories WHERE id = ?"),
                params![id],
            )?
            .as_ref()
            .map(application)
            .transpose()
        })
        .await
    }

    async fn add_app_categories(
        &self,
        applications: &[AppCategory],
        limits: CategoryLimits,
    ) -> StoreResult<()> {
        let applications = applications.to_vec();
        self.write(move |c| {
            let Some(app) = applications.first().map(|a| a.app) else { return Ok(()) };
            let adding = applications.len() as i64;
            let adds = c
                .query_one(
                    "INSERT INTO category_adds (app_id, month, count) VALUES (?, ?, ?) \
                     ON CONFLICT (app_id, month) DO UPDATE SET count = category_adds.count + ? RETURNING count",
                    params![app.0, limits.month, adding, adding],
                )?
                .int(0);
            if adds > limits.adds_per_month {
                return Err(StoreError::Refused(CATEGORY_ADD_MONTHLY_LIMIT));
            }
            for a in &applications {
                c.exec(
                    "INSERT INTO app_categories (app_id, first_id, second_id, state, reason, certificates_json, \
                     applied_at, decided_at, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    params![
                        app.0,
                        a.first.0,
                        a.second.0,
                        a.state.as_str(),
                        a.reason.as_deref(),
                        certificates_json(&a.certificates),
                        a.applied_at,
                        a.decided_at,
                        a.decided_by.map(|d| d.0)
                    ],
                )?;
            }
            let total = c.query_one("SELECT COUNT(*) FROM app_categories WHERE app_id = ?", params![app.0])?.int(0);
            if total > limits.per_app {
                return Err(StoreError::Refused(CATEGORY_LIMIT));
            }
            Ok(())
        })
        .await
    }

    async fn category_adds(&self, app: AppKey, month: i64) -> StoreResult<i64> {
        self.read(move |c| {
            Ok(c.query_opt(
                "SELECT count FROM category_adds WHERE app_id = ? AND month = ?",
                params![app.0, month],
            )?
            .map_or(0, |row| row.int(0)))
        })
        .await
    }

    async fn delete_app_category(&self, app: AppKey, id: i64) -> StoreResult<bool> {
        self.write(move |c| {
            let deleted = c.exec(
                "DELETE FROM app_categories WHERE app_id = ? AND id = ? AND state <> ?",
                params![app.0, id, CategoryState::Reviewing.as_str()],
            )?;
            Ok(deleted == 1)
        })
        .await
    }

    async fn resubmit_app_category(
        &self,
        app: AppKey,
        id: i64,
        certificates: &[Certificate],
        at: Timestamp,
    ) -> StoreResult<bool> {
        let certificates = certificates_json(certificates);
        self.write(move |c| {
            let changed = c.exec(
                "UPDATE app_categories SET state = ?, reason = NULL, certificates_json = ?, applied_at = ?, \
                 decided_at = NULL, decided_by = NULL WHERE app_id = ? AND id = ? AND state = ?",
                params![
                    CategoryState::Reviewing.as_str(),
                    certificates,
                    at,
                    app.0,
                    id,
                    CategoryState::Rejected.as_str()
                ],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn pending_app_categories(&self, limit: i64) -> StoreResult<Vec<AppCategory>> {
        self.read(move |c| {
            c.query(
                &format!(
                    "SELECT {APPLICATION_COLUMNS} FROM app_categories WHERE state = ? ORDER BY applied_at, id LIMIT ?"
                ),
                params![CategoryState::Reviewing.as_str(), limit],
            )?
            .iter()
            .map(application)
            .collect()
        })
        .await
    }

    async fn decide_app_category(
        &self,
        id: i64,
        to: CategoryState,
        reason: Option<&str>,
        by: DeveloperId,
        at: Timestamp,
        push: Option<&NewJob>,
    ) -> StoreResult<bool> {
        let reason = reason.map(str::to_owned);
        let push = push.cloned();
        self.write(move |c| {
            let changed = c.exec(
                "UPDATE app_categories SET state = ?, reason = ?, decided_at = ?, decided_by = ? \
                 WHERE id = ? AND state = ?",
                params![to.as_str(), reason, at, by.0, id, CategoryState::Reviewing.as_str()],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            if let Some(job) = &push {
                super::jobs::insert_job(c, job)?;
            }
            Ok(true)
        })
        .await
    }
}
