//! The electronic name card (clause 2.2): who a mini program is — name, icon, the subject's
//! public name and type, its verification state — and the code that opens it, as data for the
//! card page and as a PNG image.
//!
//! Text needs a font. Fonts are read at run time from the files named in
//! `PlatformConfig::card_fonts` (default: Debian's `fonts-dejavu-core`, and `fonts-noto-cjk`
//! for Chinese names when installed); each character is drawn with the first font that has it.
//! Without any font file the image is refused; the card page still works.

use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use image::{imageops, Rgba, RgbaImage};

use super::render::Style;
use super::{CodeKind, CodeTarget, PagePath};
use crate::accounts::subject::VerificationStatus;
use crate::apps::access::{Access, EnvVersion, Viewer};
use crate::apps::{App, AppId};
use crate::error::{Error, Result, StoreError};
use crate::Platform;

/// What a name card shows.
pub struct NameCard {
    pub app: App,
    /// The subject's public name and type; `None` until the developer registered a subject.
    pub subject: Option<(String, &'static str)>,
    pub verification: &'static str,
    /// The URL the card's code encodes (the released home page).
    pub code_url: String,
    /// The code as JPEG.
    pub code_image: Vec<u8>,
}

impl Platform {
    /// The name card of `appid` as `viewer` may see it: once released, everyone; until then
    /// only members (clause 2.3). Others get "not found", so nothing unreleased leaks.
    pub async fn name_card(&self, appid: &str, viewer: &Viewer) -> Result<NameCard> {
        let not_found = || Error::NotFound("mini program");
        let appid = AppId::parse(appid).ok_or_else(not_found)?;
        let app = self.store.app_by_appid(&appid).await?.ok_or_else(not_found)?;
        let released = self.access_to(&app, EnvVersion::Release, viewer).await? == Access::Open;
        let member = match viewer {
            Viewer::Developer(id) => self.store.member_role(app.key, *id).await?.is_some(),
            Viewer::EndUser(_) | Viewer::Anonymous => false,
        };
        if !released && !member {
            return Err(not_found());
        }
        let subject = self.public_subject(app.created_by).await?;
        let verification = match subject.as_ref().map(|s| s.verification) {
            Some(VerificationStatus::Unverified) | None => "Unverified",
        };
        let home = PagePath::parse_optional("").expect("the home page parses");
        let code = self
            .create_code(
                app.key,
                CodeKind::Card,
                CodeTarget::Path(home),
                EnvVersion::Release,
                Style::default(),
            )
            .await
            // Card codes are not capped: only storage or rendering can fail, and both are logged.
            .map_err(|e| Error::Store(StoreError::Backend(e.errmsg)))?;
        Ok(NameCard {
            subject: subject.map(|s| (s.public_name, s.subject_type.label())),
            verification,
            code_url: code.url,
            code_image: code.image,
            app,
        })
    }

    /// The card as a PNG image; `icon` is the stored icon's bytes, if any.
    pub fn name_card_png(&self, card: &NameCard, icon: Option<&[u8]>) -> Result<Vec<u8>> {
        let fonts = load_fonts(&self.config.card_fonts);
        if fonts.is_empty() {
            return Err(Error::forbidden("no font is installed for name card images (see card_fonts)"));
        }
        draw(card, icon, &fonts)
            .map_err(|e| Error::Store(StoreError::Backend(format!("drawing a name card: {e}"))))
    }
}

fn load_fonts(paths: &[String]) -> Vec<FontVec> {
    paths
        .iter()
        .filter_map(|path| std::fs::read(path).ok())
        .filter_map(|bytes| FontVec::try_from_vec(bytes).ok())
        .collect()
}

const WIDTH: u32 = 640;
const HEIGHT: u32 = 940;
const MARGIN: i32 = 48;
const INK: Rgba<u8> = Rgba([28, 28, 30, 255]);
const MUTED: Rgba<u8> = Rgba([110, 110, 115, 255]);
const ACCENT: Rgba<u8> = Rgba([7, 193, 96, 255]);

fn draw(
    card: &NameCard,
    icon: Option<&[u8]>,
    fonts: &[FontVec],
) -> std::result::Result<Vec<u8>, image::ImageError> {
    let mut canvas = RgbaImage::from_pixel(WIDTH, HEIGHT, Rgba([255, 255, 255, 255]));
    for y in 0..10 {
        for x in 0..WIDTH {
            canvas.put_pixel(x, y, ACCENT);
        }
    }
    // Icon (or the name's first letter on grey), 120 px.
    let icon = icon.and_then(|bytes| image::load_from_memory(bytes).ok());
    match icon {
        Some(icon) => {
            let icon = icon.resize_exact(120, 120, imageops::FilterType::Triangle).to_rgba8();
            imageops::overlay(&mut canvas, &icon, i64::from(MARGIN), 56);
        }
        None => {
            let grey = RgbaImage::from_pixel(120, 120, Rgba([229, 229, 234, 255]));
            imageops::overlay(&mut canvas, &grey, i64::from(MARGIN), 56);
            let initial: String = card.app.name.as_str().chars().take(1).collect();
            text(&mut canvas, fonts, &initial, MARGIN + 40, 80, 64.0, MUTED);
        }
    }
    let left = MARGIN + 120 + 28;
    text(&mut canvas, fonts, card.app.name.as_str(), left, 68, 38.0, INK);
    text(&mut canvas, fonts, card.app.appid.as_str(), left, 124, 20.0, MUTED);
    let subject = match &card.subject {
        Some((name, kind)) => format!("{name} · {kind}"),
        None => "No subject registered".to_owned(),
    };
    text(&mut canvas, fonts, &format!("Subject: {subject}"), MARGIN, 212, 22.0, INK);
    text(&mut canvas, fonts, &format!("Verification: {}", card.verification), MARGIN, 248, 22.0, INK);
    if !card.app.introduction.is_empty() {
        let intro: String = card.app.introduction.chars().take(48).collect();
        text(&mut canvas, fonts, &intro, MARGIN, 290, 20.0, MUTED);
    }
    let code =
        image::load_from_memory(&card.code_image)?.resize_exact(430, 430, imageops::FilterType::Nearest);
    imageops::overlay(&mut canvas, &code.to_rgba8(), i64::from((WIDTH - 430) / 2), 340);
    text(&mut canvas, fonts, "Scan to open this mini program", 150, 800, 24.0, INK);
    text(&mut canvas, fonts, "Miniplat", MARGIN, 880, 20.0, ACCENT);
    let mut out = std::io::Cursor::new(Vec::new());
    canvas.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// Draws one line of text with its top-left corner at (x, y).
fn text(canvas: &mut RgbaImage, fonts: &[FontVec], line: &str, x: i32, y: i32, size: f32, color: Rgba<u8>) {
    let scale = PxScale::from(size);
    let mut pen = x as f32;
    for c in line.chars() {
        // The first font with a glyph for the character; else the first font's "missing" box.
        let font = fonts.iter().find(|f| f.glyph_id(c).0 != 0).unwrap_or(&fonts[0]);
        let scaled = font.as_scaled(scale);
        let mut glyph = scaled.scaled_glyph(c);
        let advance = scaled.h_advance(glyph.id);
        glyph.position = ab_glyph::point(pen, y as f32 + scaled.ascent());
        if let Some(outline) = font.outline_glyph(glyph) {
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i32 + gx as i32;
                let py = bounds.min.y as i32 + gy as i32;
                if px < 0 || py < 0 || px >= canvas.width() as i32 || py >= canvas.height() as i32 {
                    return;
                }
                let pixel = canvas.get_pixel_mut(px as u32, py as u32);
                for i in 0..3 {
                    let under = f32::from(pixel[i]);
                    pixel[i] = (under + (f32::from(color[i]) - under) * coverage.min(1.0)).round() as u8;
                }
            });
        }
        pen += advance;
    }
}
