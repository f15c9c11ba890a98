//! The Share tab and the name card in a real browser (headless Chromium over WebDriver) against
//! the platform on a real socket: a member signs in, opens the Share tab, generates a URL Link
//! through the form, sees it listed, opens it, revokes it and opens the name card.
//!
//! Skipped like `browser_console.rs` without Chromium, unless `CI` or
//! `MINIPLAT_REQUIRE_BROWSER=1` is set. Screenshots go to `$CARGO_TARGET_TMPDIR/browser_share/`.

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

async fn screenshot(browser: &Browser, name: &str) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser_share");
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, browser.screenshot_png().await.expect("screenshot"))
        .expect("screenshot is written");
    eprintln!("screenshot: {}", path.display());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_generates_a_link_and_opens_the_name_card_in_a_real_browser() {
    let Some(browser) = Browser::launch().await.expect("the browser starts when installed") else {
        let message = "chromium/chromedriver not found (MINIPLAT_CHROMIUM, MINIPLAT_CHROMEDRIVER)";
        if browser_required() {
            panic!("{message}, and CI or MINIPLAT_REQUIRE_BROWSER=1 requires the browser test");
        }
        eprintln!("\n!!!!!!!! SKIPPED browser_share: {message} !!!!!!!!\n");
        return;
    };
    let app = TestApp::new().await;
    let server = app.spawn().await;
    let url = |path: &str| format!("{}{path}", server.base_url);
    let (developer, key) = app.developer("grace@example.com").await;
    app.platform().set_initial_developer_password(&developer, PASSWORD).await.unwrap();
    let (appid, _) = app.app(&key, "Tea House").await;

    browser.goto(&url("/console/signin")).await.unwrap();
    browser.fill("#email", "grace@example.com").await.unwrap();
    browser.fill("#password", PASSWORD).await.unwrap();
    browser.click("form[action='/console/signin'] button[type=submit]").await.unwrap();
    browser.wait_for_text("Tea House", WAIT).await.unwrap();

    // The Share tab: codes, the name card, no links yet, and the form.
    browser.goto(&url(&format!("/console/apps/{appid}/share"))).await.unwrap();
    browser.wait_for_text("Generate a link", WAIT).await.unwrap();
    assert!(browser.page_text().await.unwrap().contains("None yet."));
    screenshot(&browser, "01-share-empty").await;

    // Generate a URL Link to a page with a query, valid for 7 days.
    browser.fill("#link-path", "pages/menu/menu").await.unwrap();
    browser.fill("#link-query", "table=12").await.unwrap();
    browser.fill("#link-days", "7").await.unwrap();
    browser.click("#generate form button[type=submit]").await.unwrap();
    browser.wait_for_text(&format!("{}/l/", miniplat_testkit::PUBLIC_URL), WAIT).await.unwrap();
    let link = browser.text("#created-link").await.unwrap();
    assert!(link.starts_with(&format!("{}/l/", miniplat_testkit::PUBLIC_URL)), "{link}");
    let page = browser.page_text().await.unwrap();
    assert!(page.contains("pages/menu/menu?table=12") && page.contains("trial"), "listed: {page}");
    assert!(!page.contains("None yet."));
    screenshot(&browser, "02-share-link-generated").await;

    // A refused expiry keeps the input and says why.
    browser.fill("#link-path", "/pages/menu").await.unwrap();
    browser.click("#generate form button[type=submit]").await.unwrap();
    browser.wait_for_text("without a leading /", WAIT).await.unwrap();
    assert!(browser.exists("#link-path[aria-invalid='true']").await.unwrap());
    screenshot(&browser, "03-share-refused").await;

    // The link opens its page in the web host (the member may see the trial version).
    browser.goto(&server.url_of(&link)).await.unwrap();
    browser.wait_for_text("Tea House", WAIT).await.unwrap();
    screenshot(&browser, "04-link-opened").await;

    // Revoke it: the row says expired, and opening it says so.
    browser.goto(&url(&format!("/console/apps/{appid}/share"))).await.unwrap();
    browser.click("form[action$='/revoke'] button[type=submit]").await.unwrap();
    browser.wait_for_text("The link was revoked", WAIT).await.unwrap();
    assert!(browser.page_text().await.unwrap().contains("expired"));
    screenshot(&browser, "05-share-link-revoked").await;
    browser.goto(&server.url_of(&link)).await.unwrap();
    browser.wait_for_text("expired", WAIT).await.unwrap();
    screenshot(&browser, "06-link-expired").await;

    // The name card, from the Share tab.
    browser.goto(&url(&format!("/console/apps/{appid}/share"))).await.unwrap();
    browser.click(&format!("a[href='/apps/{appid}/card']")).await.unwrap();
    browser.wait_for_text("Tea House", WAIT).await.unwrap();
    assert!(browser.current_url().await.unwrap().ends_with(&format!("/apps/{appid}/card")));
    screenshot(&browser, "07-name-card").await;

    browser.close().await.unwrap();
}
