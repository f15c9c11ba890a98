//! The default mail transport writes readable `.eml` files into the outbox.

use miniplat::mail::LettreMailer;
use miniplat_core::email::Email;
use miniplat_core::mail::{Mailer, OutgoingMail};

#[tokio::test]
async fn outbox_files_keep_links_intact() {
    let dir = tempfile::tempdir().unwrap();
    let mailer =
        LettreMailer::outbox(dir.path().to_path_buf(), "Miniplat <no-reply@miniplat.localhost>").unwrap();
    let to = Email::parse("dev@example.com").unwrap();
    let link = format!("http://miniplat.test/console/verify/42.1795994592.{}", "A".repeat(43));
    mailer.send(OutgoingMail::member_invitation(&to, "Café «Ünicode»", "developer", &link)).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(&files[0]).unwrap();
    // Long lines are quoted-printable; undo the soft line breaks to find the link whole.
    let unfolded = text.replace("=\r\n", "");
    assert!(unfolded.contains(&link.replace('=', "=3D")), "{text}");
    assert!(text.contains("To: dev@example.com"), "{text}");
}
