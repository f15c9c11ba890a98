//! `POST /cgi-bin/media/upload?type=image|video` (temporary media, `wechat-api.md` §10.2): a
//! multipart `media` field, as wechatpy's `client.media.upload` sends it. The media id names
//! qualification documents in `addcategory` / `modifycategory`.

use axum::extract::{Request, State};
use axum::Json;
use miniplat_core::media::{sniff, MediaKind};
use miniplat_core::wx::WxError;
use serde_json::{json, Value};

use super::{upload_field, UploadError, WxCaller, WxFailure, WxQuery};
use crate::AppState;

/// Temporary images and videos are at most 10 MB.
const MEDIA_LIMIT: usize = 10 << 20;
/// The route's body limit: the file plus room for the form.
pub const UPLOAD_LIMIT: usize = MEDIA_LIMIT + 16 * 1024;

pub async fn upload(
    State(state): State<AppState>,
    WxCaller(caller): WxCaller,
    query: WxQuery,
    request: Request,
) -> Result<Json<Value>, WxFailure> {
    let fail = WxFailure::for_app(caller.app);
    let bytes = upload_field(request, &state, "media").await.map_err(|error| {
        fail(match error {
            UploadError::NotMultipart => {
                WxError::invalid_args("expected a multipart/form-data upload with a media field")
            }
            UploadError::Unreadable => WxError::invalid_media_size(),
            UploadError::Missing => WxError::invalid_args("media field missing"),
        })
    })?;
    // Checked once the body is read (see `upload_field`).
    let wanted = match query.get("type") {
        Some("image" | "thumb") => MediaKind::Image,
        Some("video") => MediaKind::Video,
        _ => return Err(fail(WxError::invalid_media_type())),
    };
    if bytes.len() > MEDIA_LIMIT {
        return Err(fail(WxError::invalid_media_size()));
    }
    // The type comes from the bytes; it must be what the caller said it uploads.
    match sniff(&bytes) {
        Some((kind, _)) if kind == wanted => {}
        _ => return Err(fail(WxError::invalid_file_type())),
    }
    let media = state.platform.upload_media(caller.app, bytes.to_vec()).await.map_err(|e| fail(e.into()))?;
    Ok(Json(json!({
        "type": query.get("type").unwrap_or("image"),
        "media_id": media.media_id,
        "created_at": media.created_at,
    })))
}
