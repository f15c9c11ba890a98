//! Categories from the developer console: the same use cases as the wire API, for members of
//! the mini program. Reading needs membership; changing needs the developer role. Documents
//! arrive as image files and are stored as media first.

use super::{AppCategoryOverview, CategoryId, CategoryRequest, Certificate};
use crate::accounts::Developer;
use crate::apps::{App, MemberRole};
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::wx::WxError;
use crate::Platform;

/// A WeChat refusal of a console request, as a sentence next to the form.
fn refused(error: WxError) -> Error {
    if error.errcode == WxError::system_busy().errcode {
        return Error::Store(crate::error::StoreError::Backend(error.errmsg));
    }
    Error::invalid("category", format!("was refused ({}): {}", error.errcode, error.errmsg))
}

impl Platform {
    /// The app's categories and limits, for a member.
    pub async fn member_app_categories(
        &self,
        actor: &Developer,
        appid: &str,
    ) -> Result<(App, MemberRole, AppCategoryOverview)> {
        let (app, role) = self.app_for_member(actor, appid).await?;
        let overview = self.app_category_overview(app.key).await?;
        Ok((app, role, overview))
    }

    /// Applies for a category with one image per qualification (`documents`: qualification
    /// name and file bytes); needs the developer role.
    pub async fn member_add_category(
        &self,
        actor: &Developer,
        appid: &str,
        first: CategoryId,
        second: CategoryId,
        documents: Vec<(String, Vec<u8>)>,
    ) -> Result<()> {
        let app = self.app_for_category_change(actor, appid).await?;
        let certificates = self.store_documents(&app, documents).await?;
        self.add_app_categories(app.key, vec![CategoryRequest { first, second, certificates }])
            .await
            .map_err(refused)?;
        let detail = format!("{}/{}", first.0, second.0);
        self.audit(Actor::Developer(actor.id), "category.apply", app.appid.as_str(), &detail).await
    }

    /// Sends new documents for a rejected category; needs the developer role.
    pub async fn member_resubmit_category(
        &self,
        actor: &Developer,
        appid: &str,
        first: CategoryId,
        second: CategoryId,
        documents: Vec<(String, Vec<u8>)>,
    ) -> Result<()> {
        let app = self.app_for_category_change(actor, appid).await?;
        let certificates = self.store_documents(&app, documents).await?;
        self.modify_app_category(app.key, CategoryRequest { first, second, certificates })
            .await
            .map_err(refused)?;
        let detail = format!("{}/{}", first.0, second.0);
        self.audit(Actor::Developer(actor.id), "category.resubmit", app.appid.as_str(), &detail).await
    }

    /// Removes a category that is not under review; needs the developer role.
    pub async fn member_delete_category(
        &self,
        actor: &Developer,
        appid: &str,
        first: CategoryId,
        second: CategoryId,
    ) -> Result<()> {
        let app = self.app_for_category_change(actor, appid).await?;
        self.delete_app_category(app.key, first, second).await.map_err(refused)?;
        let detail = format!("{}/{}", first.0, second.0);
        self.audit(Actor::Developer(actor.id), "category.delete", app.appid.as_str(), &detail).await
    }

    async fn app_for_category_change(&self, actor: &Developer, appid: &str) -> Result<App> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Developer)?;
        Ok(app)
    }

    async fn store_documents(
        &self,
        app: &App,
        documents: Vec<(String, Vec<u8>)>,
    ) -> Result<Vec<Certificate>> {
        let mut certificates = Vec::with_capacity(documents.len());
        for (key, bytes) in documents {
            let media = self.upload_media(app.key, bytes).await?;
            if media.kind != crate::media::MediaKind::Image {
                return Err(Error::invalid("document", "must be an image"));
            }
            certificates.push(Certificate { key, value: media.media_id });
        }
        Ok(certificates)
    }
}
