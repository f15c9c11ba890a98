//! Media a mini program uploads for people on the platform to look at: screenshots and videos
//! for a release review (`/wxa/uploadmedia`, `preview_info`, `feedback_stuff`), and temporary
//! media such as qualification documents for categories (`/cgi-bin/media/upload`). The type is
//! read from the bytes, never taken from the client; a media id lives three days.

use serde::{Deserialize, Serialize};

use crate::apps::AppKey;
use crate::error::{Error, Result};
use crate::{Platform, Timestamp};

/// How long a media id stays usable (WeChat's temporary media live three days).
pub const MEDIA_LIFETIME_SECS: i64 = 3 * 24 * 3600;
/// Images are at most 10 MB; videos at most 50 MB.
const IMAGE_LIMIT: usize = 10 << 20;
const VIDEO_LIMIT: usize = 50 << 20;

/// What a medium is, as recognised from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Video,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "image" => Some(Self::Image),
            "video" => Some(Self::Video),
            _ => None,
        }
    }
}

/// Recognises JPEG, PNG, GIF, BMP and WebP images and MP4 videos by their signatures; returns
/// the kind and the content type to serve them with.
pub fn sniff(bytes: &[u8]) -> Option<(MediaKind, &'static str)> {
    let image = |content_type| Some((MediaKind::Image, content_type));
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => image("image/jpeg"),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => image("image/png"),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => image("image/gif"),
        [b'B', b'M', ..] => image("image/bmp"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => image("image/webp"),
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => Some((MediaKind::Video, "video/mp4")),
        _ => None,
    }
}

/// A stored medium.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    pub media_id: String,
    pub app: AppKey,
    pub kind: MediaKind,
    pub content_type: String,
    pub blob_key: String,
    pub bytes: i64,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

impl Platform {
    /// Stores an uploaded image or MP4 video of `app`; returns it with its new media id.
    /// Anything else, empty or too large, is refused and nothing is stored.
    pub async fn upload_media(&self, app: AppKey, bytes: Vec<u8>) -> Result<Media> {
        let (kind, content_type) = sniff(&bytes).ok_or_else(|| {
            Error::invalid("media", "must be a JPEG, PNG, GIF, BMP or WebP image or an MP4 video")
        })?;
        let limit = match kind {
            MediaKind::Image => IMAGE_LIMIT,
            MediaKind::Video => VIDEO_LIMIT,
        };
        if bytes.len() > limit {
            return Err(Error::invalid(
                "media",
                format!("a {} may be at most {} MB", kind.as_str(), limit >> 20),
            ));
        }
        let now = self.clock.now();
        let media_id = miniplat_crypto::random::hex(20);
        let media = Media {
            blob_key: format!("media/{}/{media_id}", app.0),
            media_id,
            app,
            kind,
            content_type: content_type.to_owned(),
            bytes: bytes.len() as i64,
            created_at: now,
            expires_at: now + MEDIA_LIFETIME_SECS,
        };
        self.blobs.put(&media.blob_key, bytes).await.map_err(crate::blobs::store_error)?;
        self.store.insert_media(&media).await?;
        Ok(media)
    }

    /// A medium of `app` that has not expired.
    pub async fn media(&self, app: AppKey, media_id: &str) -> Result<Option<Media>> {
        let now = self.clock.now();
        Ok(self.store.media(app, media_id).await?.filter(|m| m.expires_at > now))
    }

    /// A medium's bytes, for the people entitled to see it (its app's members, reviewers,
    /// staff); callers check that. Expired media stay readable where a record names them.
    pub async fn media_bytes(&self, app: AppKey, media_id: &str) -> Result<Option<(Media, Vec<u8>)>> {
        let Some(media) = self.store.media(app, media_id).await? else {
            return Ok(None);
        };
        let bytes = self.blobs.get(&media.blob_key).await.map_err(crate::blobs::store_error)?;
        Ok(bytes.map(|bytes| (media, bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest").map(|s| s.1), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1A\nrest").map(|s| s.1), Some("image/png"));
        assert_eq!(sniff(b"GIF89a...").map(|s| s.1), Some("image/gif"));
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42").map(|s| s.0), Some(MediaKind::Video));
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff(b""), None);
    }
}
