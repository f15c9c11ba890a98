//! The console in a real browser (headless Chromium over WebDriver) against the platform on a
//! real socket: sign up, ask for the verification link again (htmx, with the CSRF header set by
//! console.js), open the link from the outbox, sign in, register a mini program and see its
//! AppID, with the AppSecret shown once.
//!
//! Without Chromium the test is skipped with a loud message, unless `CI` or
//! `MINIPLAT_REQUIRE_BROWSER=1` is set, which makes a missing browser a failure. Screenshots of
//! the pages go to `$CARGO_TARGET_TMPDIR/browser_console/` for people to look at.

use std::path::PathBuf;
use std::time::Duration;

use miniplat_testkit::browser::Browser;
use miniplat_testkit::TestApp;

const WAIT: Duration = Duration::from_secs(10);
const PASSWORD: &str = "correct horse battery";

fn browser_required() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
        || std::env::var("MINIPLAT_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser_console");
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    dir
}

async fn screenshot(browser: &Browser, name: &str) {
    let png = browser.screenshot_png().await.expect("screenshot");
    let path = screenshot_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).expect("screenshot is written");
    eprintln!("screenshot: {}", path.display());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_developer_registers_a_mini_program_in_a_real_browser() {
    let Some(browser) = Browser::launch().await.expect("the browser starts when installed") else {
        let message = "chromium/chromedriver not found (MINIPLAT_CHROMIUM, MINIPLAT_CHROMEDRIVER)";
        if browser_required() {
            panic!("{message}, and CI or MINIPLAT_REQUIRE_BROWSER=1 requires the browser test");
        }
        eprintln!("\n!!!!!!!! SKIPPED browser_console: {message} !!!!!!!!\n");
        return;
    };
    let app = TestApp::new().await;
    let server = app.spawn().await;
    let url = |path: &str| format!("{}{path}", server.base_url);

    // Sign up.
    browser.goto(&url("/console/signup")).await.unwrap();
    browser.fill("#email", "ada@example.com").await.unwrap();
    browser.fill("#password", PASSWORD).await.unwrap();
    screenshot(&browser, "01-signup").await;
    browser.click("form[action='/console/signup'] button[type=submit]").await.unwrap();
    browser.wait_for_text("Check your inbox", WAIT).await.unwrap();

    // Sign in before verifying; ask for the link again through htmx.
    browser.goto(&url("/console/signin")).await.unwrap();
    browser.fill("#email", "ada@example.com").await.unwrap();
    browser.fill("#password", PASSWORD).await.unwrap();
    browser.click("form[action='/console/signin'] button[type=submit]").await.unwrap();
    browser.wait_for_text("Verify your email address.", WAIT).await.unwrap();
    screenshot(&browser, "02-dashboard-unverified").await;
    browser.click("#verify-banner button[type=submit]").await.unwrap();
    browser.wait_for_text("We sent a new verification link", WAIT).await.unwrap();
    assert!(browser.current_url().await.unwrap().ends_with("/console"), "updated in place, no navigation");

    // Open the newest verification link from the outbox.
    let mails: Vec<_> = app.outbox().into_iter().filter(|m| m.to == "ada@example.com").collect();
    assert_eq!(mails.len(), 2, "sign-up and resend");
    let link = mails.last().unwrap().link("/console/verify/").expect("verification link");
    browser.goto(&server.url_of(&link)).await.unwrap();
    browser.wait_for_text("Email address verified", WAIT).await.unwrap();

    // Register a mini program: the AppID and the AppSecret, shown this once.
    browser.goto(&url("/console")).await.unwrap();
    browser.wait_for_text("No mini programs yet", WAIT).await.unwrap();
    browser.click(".page-header a.button.primary").await.unwrap();
    browser.wait_for_text("Create a mini program", WAIT).await.unwrap();
    browser.fill("#name", "Coffee Shop").await.unwrap();
    browser.fill("#introduction", "Order ahead and skip the queue.").await.unwrap();
    browser.click("form[action='/console/apps/new'] button[type=submit]").await.unwrap();
    browser.wait_for_text("it will not be shown again", WAIT).await.unwrap();
    let appid = browser.text("#appid-value").await.unwrap();
    let secret = browser.text("#secret-value").await.unwrap();
    assert!(appid.starts_with("wx") && appid.len() == 18, "{appid}");
    assert_eq!(secret.len(), 32);
    assert!(
        browser.exists("button[data-copy='secret-value']:not([hidden])").await.unwrap(),
        "console.js shows copy buttons"
    );
    screenshot(&browser, "03-app-created").await;

    // The overview shows the AppID and never the secret again.
    browser.click(".form-actions a.button.primary").await.unwrap();
    browser.wait_for_text("Visible only to members", WAIT).await.unwrap();
    let page = browser.page_text().await.unwrap();
    assert!(page.contains(&appid) && page.contains("Coffee Shop"));
    assert!(!page.contains(&secret), "the secret is shown once");
    screenshot(&browser, "04-app-overview").await;

    browser.goto(&url("/console")).await.unwrap();
    browser.wait_for_text(&appid, WAIT).await.unwrap();
    screenshot(&browser, "05-dashboard").await;

    browser.goto(&url("/console/account")).await.unwrap();
    browser.wait_for_text("Subject information", WAIT).await.unwrap();
    screenshot(&browser, "06-account").await;
    // Another subject type swaps in its own fields (htmx GET), keeping what was typed.
    browser.fill("#subject-legal_name", "Acme Coffee Ltd").await.unwrap();
    browser.click("#subject_type option[value='enterprise']").await.unwrap();
    browser.wait_for_text("Business registration number", WAIT).await.unwrap();
    assert!(browser.exists("#subject-registration_number").await.unwrap());
    assert!(!browser.exists("#subject-id_number").await.unwrap());

    browser.goto(&url(&format!("/console/apps/{appid}/members"))).await.unwrap();
    browser.wait_for_text("Invite a member", WAIT).await.unwrap();
    screenshot(&browser, "07-members").await;
    // The last admin cannot step down: the 422 fragment is swapped in place by htmx.
    browser.click("#members select option[value='developer']").await.unwrap();
    browser.click("#members form.row-form button[type=submit]").await.unwrap();
    browser.wait_for_text("The mini program must keep at least one admin.", WAIT).await.unwrap();
    assert!(browser.current_url().await.unwrap().ends_with("/members"), "updated in place, no navigation");

    // Sign out from the top bar; an operator signs in and sees the staff pages.
    browser.click(".topbar form button[type=submit]").await.unwrap();
    browser.wait_for_text("You are signed out.", WAIT).await.unwrap();
    let platform = app.platform();
    let operator = platform
        .create_verified_developer("op@example.com", miniplat_core::accounts::PlatformRole::Operator)
        .await
        .unwrap();
    platform.set_initial_developer_password(&operator, PASSWORD).await.unwrap();
    browser.fill("#email", "op@example.com").await.unwrap();
    browser.fill("#password", PASSWORD).await.unwrap();
    browser.click("form[action='/console/signin'] button[type=submit]").await.unwrap();
    browser.wait_for_text("Developers", WAIT).await.unwrap();
    browser.goto(&url("/admin/developers")).await.unwrap();
    browser.wait_for_text("ada@example.com", WAIT).await.unwrap();
    screenshot(&browser, "08-admin-developers").await;
    browser.goto(&url("/admin/registration")).await.unwrap();
    browser.wait_for_text("Registration mode", WAIT).await.unwrap();
    screenshot(&browser, "09-admin-registration").await;

    browser.goto(&url("/no/such/page")).await.unwrap();
    browser.wait_for_text("Page not found", WAIT).await.unwrap();
    screenshot(&browser, "10-not-found").await;

    browser.goto(&url("/")).await.unwrap();
    browser.wait_for_text("No mini programs are released yet", WAIT).await.unwrap();
    screenshot(&browser, "11-landing").await;

    browser.close().await.unwrap();
}
