//! The content-security term list and its generation.

use super::*;
use miniplat_core::content::{ContentTerm, Label, Suggest};
use miniplat_core::store::{ContentStore, CONTENT_TERMS_FULL};

const TERM_COLUMNS: &str = "id, term, label, suggest, created_by, created_at";

fn term(row: &Row) -> StoreResult<ContentTerm> {
    let label = row.int(2);
    let suggest = row.text(3);
    Ok(ContentTerm {
        id: row.int(0),
        term: row.text(1),
        label: Label::from_code(label).ok_or_else(|| corrupt("content label", &label.to_string()))?,
        suggest: Suggest::parse_for_term(&suggest).ok_or_else(|| corrupt("content suggest", &suggest))?,
        created_by: row.opt_int(4).map(DeveloperId),
        created_at: row.int(5),
    })
}

fn generation(c: &mut dyn Conn) -> StoreResult<i64> {
    Ok(c.query_one("SELECT generation FROM content_term_generation WHERE id = 1", &[])?.int(0))
}

fn bump_generation(c: &mut dyn Conn) -> StoreResult<()> {
    c.exec("UPDATE content_term_generation SET generation = generation + 1 WHERE id = 1", &[])?;
    Ok(())
}

#[async_trait]
impl ContentStore for SqlStore {
    async fn content_terms_generation(&self) -> StoreResult<i64> {
        self.read(generation).await
    }

    async fn content_terms(&self) -> StoreResult<(i64, Vec<ContentTerm>)> {
        // A write unit, so the generation and the list are one snapshot on both backends.
        self.write(|c| {
            let generation = generation(c)?;
            let terms = c
                .query(&format!("SELECT {TERM_COLUMNS} FROM content_terms ORDER BY id"), &[])?
                .iter()
                .map(term)
                .collect::<StoreResult<_>>()?;
            Ok((generation, terms))
        })
        .await
    }

    async fn add_content_term(&self, new: &ContentTerm, max_terms: i64) -> StoreResult<i64> {
        let new = new.clone();
        self.write(move |c| {
            // Serialises additions so the size check holds (SQLite's write lock does so already).
            if c.dialect() == Dialect::Postgres {
                c.query("SELECT generation FROM content_term_generation WHERE id = 1 FOR UPDATE", &[])?;
            }
            if c.query_one("SELECT COUNT(*) FROM content_terms", &[])?.int(0) >= max_terms {
                return Err(StoreError::Refused(CONTENT_TERMS_FULL));
            }
            let id = c
                .query_one(
                    "INSERT INTO content_terms (term, term_key, label, suggest, created_by, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    params![
                        new.term.as_str(),
                        new.key(),
                        new.label.code(),
                        new.suggest.as_str(),
                        new.created_by.map(|d| d.0),
                        new.created_at
                    ],
                )?
                .int(0);
            bump_generation(c)?;
            Ok(id)
        })
        .await
    }

    async fn remove_content_term(&self, id: i64) -> StoreResult<bool> {
        self.write(move |c| {
            let removed = c.exec("DELETE FROM content_terms WHERE id = ?", params![id])? > 0;
            if removed {
                bump_generation(c)?;
            }
            Ok(removed)
        })
        .await
    }
}
