//! Drawing codes: a standard QR code (error correction M, 4-module quiet zone) scaled to exactly
//! the requested width.
//!
//! WeChat's round "sun" codes can only be read by WeChat's own scanner; ours are plain QR codes
//! that any camera app reads, whatever endpoint made them. The image is JPEG, except with
//! `is_hyaline`: JPEG has no transparency, so those are PNG with a transparent background —
//! served as `image/jpeg` all the same, as WeChat does, because SDKs accept only that type.

use std::collections::HashMap;
use std::sync::Mutex;

use image::{ImageFormat, Rgba, RgbaImage};
use qrcode::{Color, EcLevel, QrCode};

use super::CodeKind;

/// The drawing options of the code endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Style {
    /// Image width (and height) in pixels, already clamped to 280–1280.
    pub width: u32,
    pub line_color: LineColor,
    /// Transparent background (PNG).
    pub hyaline: bool,
}

impl Style {
    pub const MIN_WIDTH: u32 = 280;
    pub const MAX_WIDTH: u32 = 1280;
    pub const DEFAULT_WIDTH: u32 = 430;

    /// WeChat clamps out-of-range widths rather than refusing them; so do we.
    pub fn clamp_width(width: Option<i64>) -> u32 {
        let width = width.unwrap_or(i64::from(Self::DEFAULT_WIDTH));
        width.clamp(i64::from(Self::MIN_WIDTH), i64::from(Self::MAX_WIDTH)) as u32
    }
}

impl Default for Style {
    fn default() -> Self {
        Self { width: Self::DEFAULT_WIDTH, line_color: LineColor::BLACK, hyaline: false }
    }
}

/// The colour of the dark modules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LineColor {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl LineColor {
    pub const BLACK: Self = Self { r: 0, g: 0, b: 0 };
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("data does not fit a QR code: {0}")]
    Encode(#[from] qrcode::types::QrError),
    #[error("image encoding failed: {0}")]
    Image(#[from] image::ImageError),
}

/// Renders `data` as a QR code image (JPEG bytes, or PNG bytes when hyaline).
pub fn render(data: &str, _kind: CodeKind, style: Style) -> Result<Vec<u8>, RenderError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)?;
    let modules = code.width();
    let colors = code.to_colors();
    let total = modules + 2 * QUIET_ZONE;
    let width = style.width;
    let dark = Rgba([style.line_color.r, style.line_color.g, style.line_color.b, 255]);
    let light = if style.hyaline { Rgba([255, 255, 255, 0]) } else { Rgba([255, 255, 255, 255]) };
    // Each pixel takes the module it falls in; modules differ by at most one pixel in size.
    let module_of = |px: u32| (px as usize * total) / width as usize;
    let image = RgbaImage::from_fn(width, width, |x, y| {
        let (mx, my) = (module_of(x), module_of(y));
        let inside = (QUIET_ZONE..QUIET_ZONE + modules).contains(&mx)
            && (QUIET_ZONE..QUIET_ZONE + modules).contains(&my);
        if inside && colors[(my - QUIET_ZONE) * modules + (mx - QUIET_ZONE)] == Color::Dark {
            dark
        } else {
            light
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    if style.hyaline {
        image.write_to(&mut out, ImageFormat::Png)?;
    } else {
        let rgb = image::DynamicImage::ImageRgba8(image).into_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).encode_image(&rgb)?;
    }
    Ok(out.into_inner())
}

/// Renders `data` for a terminal: two rows of modules per line with Unicode half blocks.
pub fn render_terminal(data: &str) -> Result<String, RenderError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)?;
    Ok(code
        .render::<qrcode::render::unicode::Dense1x2>()
        .dark_color(qrcode::render::unicode::Dense1x2::Light)
        .light_color(qrcode::render::unicode::Dense1x2::Dark)
        .build())
}

/// Images of recently requested codes, keyed by ticket and style, so repeated identical
/// requests skip rendering (and, for unlimited codes, the store). Bounded: when full it starts
/// over, which keeps it simple and is cheap next to rendering.
#[derive(Default)]
pub struct ImageCache {
    images: Mutex<HashMap<(String, Style), Vec<u8>>>,
}

impl ImageCache {
    const CAPACITY: usize = 512;

    pub fn get(&self, ticket: &str, style: Style) -> Option<Vec<u8>> {
        self.images.lock().expect("image cache lock").get(&(ticket.to_owned(), style)).cloned()
    }

    pub fn put(&self, ticket: String, style: Style, image: Vec<u8>) {
        let mut images = self.images.lock().expect("image cache lock");
        if images.len() >= Self::CAPACITY {
            images.clear();
        }
        images.insert((ticket, style), image);
    }
}

const QUIET_ZONE: usize = 4;
const JPEG_QUALITY: u8 = 90;
