//! Server and web-view domains: one row per app, lists as JSON, saved with a revision check.

use super::*;
use miniplat_core::domains::{AppDomains, ConfirmFile, ServerDomains};
use miniplat_core::store::DomainStore;

const DOMAIN_COLUMNS: &str = "app_id, server_domains, webview_domains, revision, month, modifications, \
                              confirm_file_name, confirm_file_content, updated_at";

fn domains(row: &Row) -> StoreResult<AppDomains> {
    let server = row.text(1);
    let webview = row.text(2);
    Ok(AppDomains {
        app: AppKey(row.int(0)),
        server: serde_json::from_str::<ServerDomains>(&server)
            .map_err(|_| corrupt("server domains", &server))?,
        webview: serde_json::from_str(&webview).map_err(|_| corrupt("web-view domains", &webview))?,
        revision: row.int(3),
        month: row.int(4),
        modifications: row.int(5),
        confirm_file: match (row.opt_text(6), row.opt_text(7)) {
            (Some(file_name), Some(file_content)) => Some(ConfirmFile { file_name, file_content }),
            _ => None,
        },
        updated_at: row.int(8),
    })
}

#[async_trait]
impl DomainStore for SqlStore {
    async fn app_domains(&self, app: AppKey) -> StoreResult<Option<AppDomains>> {
        self.read(move |c| {
            c.query_opt(
                &format!("SELECT {DOMAIN_COLUMNS} FROM app_domains WHERE app_id = ?"),
                params![app.0],
            )?
            .as_ref()
            .map(domains)
            .transpose()
        })
        .await
    }

    async fn save_app_domains(&self, d: &AppDomains) -> StoreResult<bool> {
        let d = d.clone();
        let server = serde_json::to_string(&d.server).map_err(|e| StoreError::Backend(e.to_string()))?;
        let webview = serde_json::to_string(&d.webview).map_err(|e| StoreError::Backend(e.to_string()))?;
        self.write(move |c| {
            let (name, content) = match &d.confirm_file {
                Some(file) => (Some(file.file_name.clone()), Some(file.file_content.clone())),
                None => (None, None),
            };
            let saved = if d.revision == 1 {
                c.exec(
                    &format!(
                        "INSERT INTO app_domains ({DOMAIN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
                         ON CONFLICT (app_id) DO NOTHING"
                    ),
                    params![d.app.0, server, webview, d.revision, d.month, d.modifications, name, content, d.updated_at],
                )?
            } else {
                c.exec(
                    "UPDATE app_domains SET server_domains = ?, webview_domains = ?, revision = ?, month = ?, \
                     modifications = ?, confirm_file_name = ?, confirm_file_content = ?, updated_at = ? \
                     WHERE app_id = ? AND revision = ?",
                    params![
                        server,
                        webview,
                        d.revision,
                        d.month,
                        d.modifications,
                        name,
                        content,
                        d.updated_at,
                        d.app.0,
                        d.revision - 1
                    ],
                )?
            };
            Ok(saved == 1)
        })
        .await
    }
}
