//! Image uploads (mini program icons, avatars): PNG or JPEG within size and dimension limits.

use crate::error::{Error, Result};
use crate::Platform;

/// A checked image.
pub struct CheckedImage {
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
}

impl Platform {
    /// Decodes the image fully (so a truncated or forged file is refused) under allocation
    /// limits, then checks format, byte size and dimensions.
    pub fn check_image(&self, bytes: &[u8], field: &'static str) -> Result<CheckedImage> {
        let config = &self.config;
        if bytes.len() > config.icon_max_bytes {
            return Err(Error::invalid(field, format!("must be at most {} bytes", config.icon_max_bytes)));
        }
        let format =
            image::guess_format(bytes).map_err(|_| Error::invalid(field, "must be a PNG or JPEG image"))?;
        let extension = match format {
            image::ImageFormat::Png => "png",
            image::ImageFormat::Jpeg => "jpg",
            _ => return Err(Error::invalid(field, "must be a PNG or JPEG image")),
        };
        let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(config.icon_max_px);
        limits.max_image_height = Some(config.icon_max_px);
        limits.max_alloc = Some(64 * 1024 * 1024);
        reader.limits(limits);
        let decoded = reader.decode().map_err(|_| {
            Error::invalid(
                field,
                format!("is not a readable image of at most {0}x{0} pixels", config.icon_max_px),
            )
        })?;
        let (width, height) = (decoded.width(), decoded.height());
        if width < config.icon_min_px || height < config.icon_min_px {
            return Err(Error::invalid(
                field,
                format!("must be at least {0}x{0} pixels", config.icon_min_px),
            ));
        }
        Ok(CheckedImage { extension, width, height })
    }
}
