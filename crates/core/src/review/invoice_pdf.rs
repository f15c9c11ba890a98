//! A minimal PDF writer for invoices: text only, Helvetica 11 pt, A4 pages of at most
//! [`LINES_PER_PAGE`] lines. Invoices need nothing more, so no PDF library is pulled in.
//! Helvetica's standard encoding covers printable ASCII only; other characters print as `?`
//! (invoicing details in other scripts are kept in full in the console and the email).

/// Lines on one page before the next begins.
pub const LINES_PER_PAGE: usize = 40;

const PAGE_WIDTH: u32 = 595;
const PAGE_HEIGHT: u32 = 842;
const MARGIN: u32 = 56;
const LEADING: u32 = 18;

/// Renders `lines` as a PDF document.
pub fn render(lines: &[String]) -> Vec<u8> {
    let pages: Vec<&[String]> =
        if lines.is_empty() { vec![&[][..]] } else { lines.chunks(LINES_PER_PAGE).collect() };
    // Objects: 1 catalog, 2 page tree, 3 font, then a page and its content stream per page.
    let page_object = |index: usize| 4 + 2 * index;
    let mut objects: Vec<Vec<u8>> = Vec::new();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..pages.len()).map(|i| format!("{} 0 R", page_object(i))).collect();
    objects
        .push(format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), pages.len()).into_bytes());
    objects
        .push(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec());
    for (index, page_lines) in pages.iter().enumerate() {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] \
                 /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                page_object(index) + 1
            )
            .into_bytes(),
        );
        let mut content = format!("BT /F1 11 Tf {LEADING} TL {MARGIN} {} Td\n", PAGE_HEIGHT - MARGIN);
        for line in page_lines.iter() {
            content.push('(');
            content.push_str(&escape(line));
            content.push_str(") Tj T*\n");
        }
        content.push_str("ET");
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(content.as_bytes());
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }

    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (index, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", index + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1)
            .as_bytes(),
    );
    pdf
}

/// A PDF string literal's content: printable ASCII with `\`, `(` and `)` escaped.
fn escape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '\\' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_hold_forty_lines_and_the_cross_reference_points_at_objects() {
        let lines: Vec<String> = (0..85).map(|i| format!("line {i} (x)")).collect();
        let pdf = render(&lines);
        let text = String::from_utf8(pdf.clone()).unwrap();
        assert!(text.starts_with("%PDF-1.4"));
        assert!(text.ends_with("%%EOF\n"));
        assert!(text.contains("/Count 3"));
        assert!(text.contains("(line 84 \\(x\\)) Tj"));
        // Every xref entry names the offset of its object.
        let xref = text.rfind("xref\n").unwrap();
        for (index, entry) in text[xref..].lines().skip(3).take(9).enumerate() {
            let offset: usize = entry[..10].parse().unwrap();
            assert!(text[offset..].starts_with(&format!("{} 0 obj", index + 1)), "{entry}");
        }
    }

    #[test]
    fn non_ascii_prints_as_question_marks() {
        assert_eq!(escape("深圳 a\\b"), "?? a\\\\b");
    }
}
