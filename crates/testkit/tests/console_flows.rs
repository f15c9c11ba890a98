//! The web console and the web host in process, as a browser would use them: forms with CSRF
//! tokens, cookies, redirects and emailed links. Stories: a developer signs up, verifies, signs
//! in, registers a mini program (its secret shown once) and invites a team; forged or stale
//! forms change nothing; sign-in failures and lockout; what non-members, non-operators and
//! suspended accounts see; end users; public profiles.

use axum::http::StatusCode;
use miniplat_core::accounts::{DeveloperId, PlatformRole};
use miniplat_testkit::visitor::{attribute_after, csrf_of, Visitor};
use miniplat_testkit::{for_each_backend, path_of, TestApp, TestResponse};

const PASSWORD: &str = "correct horse battery";

/// The text inside the element with `id`.
fn element_text(html: &str, id: &str) -> Option<String> {
    let marker = format!(r#"id="{id}""#);
    let start = html.find(&marker)?;
    let open_end = html[start..].find('>')? + start + 1;
    let close = html[open_end..].find('<')? + open_end;
    Some(html[open_end..close].trim().to_owned())
}

fn location(response: &TestResponse) -> &str {
    response
        .header("location")
        .unwrap_or_else(|| panic!("a redirect, got {}: {}", response.status, response.text()))
}

fn assert_redirect(response: &TestResponse, to: &str) {
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.text());
    assert_eq!(location(response), to);
}

/// Signs up a developer through the platform, opens the verification link in `visitor`, and
/// signs in through the console.
async fn verified_developer(app: &TestApp, visitor: &mut Visitor<'_>, email: &str) -> DeveloperId {
    let developer = app.platform().sign_up_developer(email, PASSWORD, None).await.expect("sign-up");
    let mail = app.outbox().into_iter().rev().find(|m| m.to == email).expect("verification email");
    let verified = visitor.get(path_of(&mail.link("/console/verify/").expect("a link"))).await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.text());
    assert_redirect(&visitor.sign_in(email, PASSWORD).await, "/console");
    developer.id
}

async fn developer_id(app: &TestApp, email: &str) -> DeveloperId {
    let email = miniplat_core::email::Email::parse(email).unwrap();
    app.platform().store.developer_by_email(&email).await.unwrap().expect("developer exists").id
}

/// An operator account with a password, signed in.
async fn signed_in_operator(app: &TestApp, visitor: &mut Visitor<'_>, email: &str) {
    let platform = app.platform();
    let operator = platform.create_verified_developer(email, PlatformRole::Operator).await.expect("operator");
    platform.set_initial_developer_password(&operator, PASSWORD).await.expect("password");
    assert_redirect(&visitor.sign_in(email, PASSWORD).await, "/console");
}

/// Registers a mini program through the console; returns (appid, secret) read from the page.
async fn create_app(visitor: &mut Visitor<'_>, name: &str) -> (String, String) {
    let created = visitor
        .submit("/console/apps/new", "/console/apps/new", &[("name", name), ("introduction", "Coffee to go")])
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text());
    let html = created.text();
    let appid = element_text(&html, "appid-value").expect("the appid is shown");
    let secret = element_text(&html, "secret-value").expect("the secret is shown");
    (appid, secret)
}

fn png(size: u32) -> Vec<u8> {
    let image =
        image::RgbImage::from_fn(size, size, |x, y| image::Rgb([(x % 255) as u8, (y % 255) as u8, 128]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).expect("png encodes");
    bytes.into_inner()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_developer_signs_up_verifies_creates_a_mini_program_and_invites_a_member() {
    for_each_backend(|app| async move {
        let mut dev = Visitor::new(&app);

        // Sign up: the form sets the double-submit cookie and carries the same token.
        let form = dev.get("/console/signup").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text().contains("Create a developer account"));
        let csrf_cookie = form.header("set-cookie").expect("the CSRF cookie is set");
        assert!(
            csrf_cookie.contains("HttpOnly")
                && csrf_cookie.contains("SameSite=Lax")
                && csrf_cookie.contains("Path=/")
        );
        assert_eq!(dev.cookie("mp_csrf"), Some(csrf_of(&form).as_str()));
        let signed_up = dev
            .submit(
                "/console/signup",
                "/console/signup",
                &[("email", "Ada@Example.com"), ("password", PASSWORD), ("invitation", "")],
            )
            .await;
        assert_redirect(&signed_up, "/console/signup/sent");
        assert!(dev.get("/console/signup/sent").await.text().contains("Check your inbox"));

        // Signed in before verifying: the dashboard asks to verify, and creating is refused.
        assert_redirect(&dev.sign_in("ada@example.com", PASSWORD).await, "/console");
        let session_cookie = dev.cookie("mp_console").expect("session cookie").to_owned();
        let dashboard = dev.get("/console").await;
        assert!(dashboard.text().contains("Verify your email address"), "{}", dashboard.text());
        assert!(dashboard.text().contains("Add your subject information"));
        let refused = dev.submit("/console/apps/new", "/console/apps/new", &[("name", "Too Early")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused.text().contains("Verify your email address first"), "{}", refused.text());
        assert!(refused.text().contains(r#"value="Too Early""#), "input is kept");

        // Resend (htmx) sends another link; the link from the outbox verifies.
        let token = csrf_of(&dev.get("/console").await);
        let resent = dev.htmx_post("/console/verify/resend", &token, &[]).await;
        assert_eq!(resent.status, StatusCode::OK);
        assert!(resent.text().contains("We sent a new verification link"));
        let mails: Vec<_> = app.outbox().into_iter().filter(|m| m.to == "ada@example.com").collect();
        assert_eq!(mails.len(), 2, "sign-up and resend");
        let link = mails[1].link("/console/verify/").expect("verification link");
        let verified = dev.get(path_of(&link)).await;
        assert_eq!(verified.status, StatusCode::OK);
        assert!(verified.text().contains("Email address verified"));
        assert!(!dev.get("/console").await.text().contains("Verify your email address"));
        let bad_link = dev.get("/console/verify/not-a-real-token").await;
        assert_eq!(bad_link.status, StatusCode::GONE);
        assert!(bad_link.text().contains("This link is not valid"));

        // Create a mini program: the secret is on this page only, and it works.
        let (appid, secret) = create_app(&mut dev, "Coffee Shop").await;
        assert!(appid.starts_with("wx") && appid.len() == 18, "{appid}");
        assert_eq!(secret.len(), 32);
        let token = app
            .get(&format!("/cgi-bin/token?grant_type=client_credential&appid={appid}&secret={secret}"))
            .await;
        assert!(token.json()["access_token"].is_string(), "{}", token.text());
        let overview = dev.get(&format!("/console/apps/{appid}")).await;
        assert_eq!(overview.status, StatusCode::OK);
        let html = overview.text();
        assert!(html.contains(&appid) && html.contains("Coffee Shop") && html.contains("Coffee to go"));
        assert!(html.contains("Unreleased"));
        assert!(!html.contains(&secret), "the secret is never shown again");
        assert_eq!(overview.header("cache-control"), Some("no-store"));
        let listed = dev.get("/console").await.text();
        assert!(listed.contains("Coffee Shop") && listed.contains(&appid) && listed.contains("Admin"));

        // Edit the introduction and upload an icon.
        let token = csrf_of(&overview);
        let icon = png(128);
        let saved = dev
            .upload(
                &format!("/console/apps/{appid}/profile"),
                &[("csrf", &token), ("introduction", "Fresh coffee, fast")],
                &[("icon", &icon)],
            )
            .await;
        assert_redirect(&saved, &format!("/console/apps/{appid}?notice=profile-saved"));
        let overview = dev.get(location(&saved)).await.text();
        assert!(overview.contains("Fresh coffee, fast") && overview.contains("was saved"), "{overview}");
        let icon_url = attribute_after(&overview, r#"class="app-icon" src=""#).expect("the icon is shown");
        let served = dev.get(&icon_url.replace("&amp;", "&")).await;
        assert_eq!(served.status, StatusCode::OK);
        assert_eq!(served.header("content-type"), Some("image/png"));
        let too_small = dev
            .upload(
                &format!("/console/apps/{appid}/profile"),
                &[("csrf", &token), ("introduction", "x")],
                &[("icon", &png(20))],
            )
            .await;
        assert_eq!(too_small.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(too_small.text().contains("Icon must be at least 108x108 pixels"), "{}", too_small.text());

        // Reset the secret: the password is asked for again; the new one is shown once.
        let wrong = dev
            .submit(
                &format!("/console/apps/{appid}"),
                &format!("/console/apps/{appid}/secret"),
                &[("password", "nope")],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.text().contains("the secret was not reset"));
        let reset = dev
            .submit(
                &format!("/console/apps/{appid}"),
                &format!("/console/apps/{appid}/secret"),
                &[("password", PASSWORD)],
            )
            .await;
        assert_eq!(reset.status, StatusCode::OK);
        let new_secret = element_text(&reset.text(), "secret-value").expect("new secret shown");
        assert_ne!(new_secret, secret);
        assert!(reset.text().contains("it will not be shown again"));

        // Invite a member; they sign up, sign in and accept; then the admin changes their role.
        let invited = dev
            .submit(
                &format!("/console/apps/{appid}/members"),
                &format!("/console/apps/{appid}/members"),
                &[("email", "bob@example.com"), ("role", "developer")],
            )
            .await;
        assert_redirect(&invited, &format!("/console/apps/{appid}/members?notice=member-invited"));
        let members = dev.get(&format!("/console/apps/{appid}/members")).await.text();
        assert!(members.contains("Pending invitations") && members.contains("bob@example.com"));
        let invitation =
            app.outbox().into_iter().find(|m| m.to == "bob@example.com").expect("invitation mail");
        let invitation_path = path_of(&invitation.link("/console/invitations/").expect("link")).to_owned();

        let mut bob = Visitor::new(&app);
        // Not signed in: off to sign in, with the invitation remembered in a cookie (not the URL).
        assert_redirect(&bob.get(&invitation_path).await, "/console/signin");
        assert_eq!(bob.cookie("mp_return"), Some(invitation_path.as_str()));
        let bob_id = app.platform().sign_up_developer("bob@example.com", PASSWORD, None).await.unwrap().id;
        assert_redirect(&bob.sign_in("bob@example.com", PASSWORD).await, &invitation_path);
        assert_eq!(bob.cookie("mp_return"), None, "used once");
        let accepted = bob.submit(&invitation_path, &invitation_path, &[]).await;
        assert_redirect(&accepted, &format!("/console/apps/{appid}?notice=joined"));
        let bob_view = bob.get(&format!("/console/apps/{appid}")).await.text();
        assert!(bob_view.contains("Your role: Developer"));
        assert!(bob_view.contains("Only admins of this mini program can reset the AppSecret"));

        let members = dev.get(&format!("/console/apps/{appid}/members")).await;
        let token = csrf_of(&members);
        let changed = dev
            .htmx_post(&format!("/console/apps/{appid}/members/{}", bob_id.0), &token, &[("role", "analyst")])
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
        assert!(changed.text().starts_with(r#"<div id="members">"#), "an htmx fragment");
        assert!(changed.text().contains(r#"<option value="analyst" selected>"#));

        // The last admin cannot step down: the error shows in place (htmx) or on the page.
        let me = developer_id(&app, "ada@example.com").await;
        let last = dev
            .htmx_post(&format!("/console/apps/{appid}/members/{}", me.0), &token, &[("role", "developer")])
            .await;
        assert_eq!(last.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(last.text().contains("must keep at least one admin"), "{}", last.text());
        let last = dev
            .post(&format!("/console/apps/{appid}/members/{}", me.0), &[("csrf", &token), ("role", "remove")])
            .await;
        assert_eq!(last.status, StatusCode::CONFLICT);
        assert!(last.text().contains("must keep at least one admin"));

        // Removing Bob (plain form): he loses access at once.
        let removed = dev
            .post(
                &format!("/console/apps/{appid}/members/{}", bob_id.0),
                &[("csrf", &token), ("role", "remove")],
            )
            .await;
        assert_redirect(&removed, &format!("/console/apps/{appid}/members?notice=member-removed"));
        assert_eq!(bob.get(&format!("/console/apps/{appid}")).await.status, StatusCode::NOT_FOUND);

        // Sign out ends the session on the server: the old cookie no longer works.
        let token = csrf_of(&dev.get("/console").await);
        let signed_out = dev.post("/console/signout", &[("csrf", &token)]).await;
        assert_redirect(&signed_out, "/console/signin?notice=signed-out");
        assert_eq!(dev.cookie("mp_console"), None);
        let mut replay = Visitor::new(&app);
        replay.cookies.insert("mp_console".into(), session_cookie);
        assert_redirect(&replay.get("/console").await, "/console/signin");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forms_without_the_right_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::new().await;
    let platform = app.platform();
    let email = miniplat_core::email::Email::parse("mallory@example.com").unwrap();

    // Anonymous form: no cookie at all, then a cookie that does not match the field.
    let mut visitor = Visitor::new(&app);
    let fields = [("email", "mallory@example.com"), ("password", PASSWORD)];
    let refused = visitor
        .post("/console/signup", &[("csrf", "0123456789abcdef0123456789abcdef"), fields[0], fields[1]])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text().contains("This form has expired"));
    visitor.get("/console/signup").await;
    let refused = visitor
        .post("/console/signup", &[("csrf", "ffffffffffffffffffffffffffffffff"), fields[0], fields[1]])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = visitor.post("/console/signup", &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(platform.store.developer_by_email(&email).await.unwrap().is_none(), "nobody signed up");
    assert!(app.outbox().is_empty());

    // Signed in: the session's token is required, in the field or the htmx header.
    let mut dev = Visitor::new(&app);
    let id = verified_developer(&app, &mut dev, "dev@example.com").await;
    let developer = platform.developer(id).await.unwrap();
    let missing = dev.post("/console/apps/new", &[("name", "Forged")]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let wrong = dev.post("/console/apps/new", &[("csrf", "nope"), ("name", "Forged")]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let anonymous_token = dev.cookie("mp_csrf").unwrap().to_owned();
    let wrong_kind = dev.post("/console/apps/new", &[("csrf", &anonymous_token), ("name", "Forged")]).await;
    assert_eq!(
        wrong_kind.status,
        StatusCode::FORBIDDEN,
        "the anonymous token does not stand in for the session's"
    );
    let header_wrong = dev.htmx_post("/console/apps/new", "nope", &[("name", "Forged")]).await;
    assert_eq!(header_wrong.status, StatusCode::FORBIDDEN);
    let upload = dev.upload("/console/account/api-keys", &[("name", "x")], &[]).await;
    assert_eq!(upload.status, StatusCode::FORBIDDEN);
    assert!(platform.apps_of(&developer).await.unwrap().is_empty(), "nothing was created");

    // Another visitor's session token does not work for this session.
    let mut other = Visitor::new(&app);
    verified_developer(&app, &mut other, "other@example.com").await;
    let others_token = csrf_of(&other.get("/console").await);
    let crossed = dev.post("/console/apps/new", &[("csrf", &others_token), ("name", "Forged")]).await;
    assert_eq!(crossed.status, StatusCode::FORBIDDEN);
    assert!(platform.apps_of(&developer).await.unwrap().is_empty());

    // With the right token in the htmx header, the same request goes through.
    let token = csrf_of(&dev.get("/console").await);
    let created = dev.htmx_post("/console/apps/new", &token, &[("name", "Honest")]).await;
    assert_eq!(created.status, StatusCode::OK);
    assert_eq!(platform.apps_of(&developer).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_passwords_show_an_inline_error_and_repeated_failures_lock_the_account() {
    let app = TestApp::new().await;
    app.platform().sign_up_developer("dev@example.com", PASSWORD, None).await.unwrap();
    let mut visitor = Visitor::new(&app);

    let wrong = visitor.sign_in("dev@example.com", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let html = wrong.text();
    assert!(html.contains("The email or password is wrong."), "{html}");
    assert!(html.contains(r#"value="dev@example.com""#), "the email is kept");
    assert!(!html.contains("not the password"), "the password is never echoed");
    assert!(visitor.cookie("mp_console").is_none());

    for _ in 0..4 {
        visitor.sign_in("dev@example.com", "not the password").await;
    }
    let locked = visitor.sign_in("dev@example.com", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.text().contains("Too many failed sign-ins; try again after"), "{}", locked.text());
    assert!(visitor.cookie("mp_console").is_none());

    app.clock.advance(16 * 60);
    assert_redirect(&visitor.sign_in("dev@example.com", PASSWORD).await, "/console");
}

#[tokio::test(flavor = "multi_thread")]
async fn non_members_get_the_404_page_for_a_mini_program() {
    let app = TestApp::new().await;
    let mut owner = Visitor::new(&app);
    verified_developer(&app, &mut owner, "owner@example.com").await;
    let (appid, _) = create_app(&mut owner, "Secret Project").await;

    let mut stranger = Visitor::new(&app);
    verified_developer(&app, &mut stranger, "stranger@example.com").await;
    for path in [
        format!("/console/apps/{appid}"),
        format!("/console/apps/{appid}/members"),
        format!("/console/apps/{appid}/icon"),
        "/console/apps/wx0000000000000000".to_owned(),
        "/console/apps/not-an-appid".to_owned(),
    ] {
        let response = stranger.get(&path).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert!(response.text().contains("Page not found"), "{path}");
        assert!(!response.text().contains("Secret Project"));
    }
    let token = csrf_of(&stranger.get("/console").await);
    let reset = stranger
        .post(&format!("/console/apps/{appid}/secret"), &[("csrf", &token), ("password", PASSWORD)])
        .await;
    assert_eq!(reset.status, StatusCode::NOT_FOUND);
    let invite = stranger
        .post(
            &format!("/console/apps/{appid}/members"),
            &[("csrf", &token), ("email", "x@example.com"), ("role", "admin")],
        )
        .await;
    assert_eq!(invite.status, StatusCode::NOT_FOUND);

    // Not signed in at all: sign in first.
    assert_redirect(&Visitor::new(&app).get(&format!("/console/apps/{appid}")).await, "/console/signin");
}

#[tokio::test(flavor = "multi_thread")]
async fn operator_pages_are_hidden_from_developers_and_suspension_ends_sessions() {
    let app = TestApp::new().await;
    let mut dev = Visitor::new(&app);
    let dev_id = verified_developer(&app, &mut dev, "dev@example.com").await;
    for path in ["/admin/developers", "/admin/registration", "/admin"] {
        let response = dev.get(path).await;
        let expected = if path == "/admin" { StatusCode::SEE_OTHER } else { StatusCode::NOT_FOUND };
        assert_eq!(response.status, expected, "{path}");
    }
    let token = csrf_of(&dev.get("/console").await);
    let forged = dev
        .post(&format!("/admin/developers/{}/status", dev_id.0), &[("csrf", &token), ("status", "suspended")])
        .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    assert!(!dev.get("/console").await.text().contains("/admin/developers"), "no staff navigation");

    let mut operator = Visitor::new(&app);
    signed_in_operator(&app, &mut operator, "op@example.com").await;
    let list = operator.get("/admin/developers").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text().contains("dev@example.com") && list.text().contains("Active"));

    // Suspending ends the developer's session at once.
    let token = csrf_of(&list);
    let suspended = operator
        .post(&format!("/admin/developers/{}/status", dev_id.0), &[("csrf", &token), ("status", "suspended")])
        .await;
    assert_redirect(&suspended, "/admin/developers?notice=status-changed");
    assert_redirect(&dev.get("/console").await, "/console/signin");
    let again = dev.sign_in("dev@example.com", PASSWORD).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert!(again.text().contains("This account is suspended."));
    assert!(operator.get("/admin/developers").await.text().contains("Suspended"));

    // Refusing service asks for confirmation first; then it is final.
    let ask = operator
        .post(&format!("/admin/developers/{}/status", dev_id.0), &[("csrf", &token), ("status", "refused")])
        .await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.text().contains("Refuse service to dev@example.com?"));
    let developer = app.platform().developer(dev_id).await.unwrap();
    assert_eq!(developer.status, miniplat_core::accounts::AccountStatus::Suspended, "not yet refused");
    let refused = operator
        .post(
            &format!("/admin/developers/{}/status", dev_id.0),
            &[("csrf", &token), ("status", "refused"), ("confirmed", "yes")],
        )
        .await;
    assert_redirect(&refused, "/admin/developers?notice=status-changed");
    let reinstate = operator
        .post(&format!("/admin/developers/{}/status", dev_id.0), &[("csrf", &token), ("status", "active")])
        .await;
    assert_eq!(reinstate.status, StatusCode::FORBIDDEN);
    assert!(reinstate.text().contains("A refused account cannot be reinstated."));
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_modes_and_developer_invitations() {
    let app = TestApp::new().await;
    let mut operator = Visitor::new(&app);
    signed_in_operator(&app, &mut operator, "op@example.com").await;

    let closed = operator.submit("/admin/registration", "/admin/registration", &[("mode", "closed")]).await;
    assert_redirect(&closed, "/admin/registration?notice=mode-changed");
    let mut visitor = Visitor::new(&app);
    let page = visitor.get("/console/signup").await.text();
    assert!(page.contains("Registration is closed") && !page.contains(r#"name="password""#));

    operator.submit("/admin/registration", "/admin/registration", &[("mode", "invite_only")]).await;
    let page = visitor.get("/console/signup").await.text();
    assert!(page.contains("Registration is by invitation only"));
    // Without an invitation there is no form; a hand-made post is refused all the same.
    let token = visitor.cookie("mp_csrf").expect("the page set the CSRF cookie").to_owned();
    let refused = visitor
        .post("/console/signup", &[("csrf", &token), ("email", "new@example.com"), ("password", PASSWORD)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let invited =
        operator.submit("/admin/registration", "/admin/invitations", &[("email", "new@example.com")]).await;
    assert_eq!(invited.status, StatusCode::OK);
    let link = element_text(&invited.text(), "invite-link").expect("the link is shown").replace("&amp;", "&");
    let mail = app.outbox().into_iter().find(|m| m.to == "new@example.com").expect("invitation mail");
    assert_eq!(mail.link("/console/signup").unwrap(), link);
    let path = path_of(&link).to_owned();
    let token = path.split("invitation=").nth(1).unwrap().to_owned();
    let form = visitor.get(&path).await.text();
    assert!(form.contains(r#"name="password""#) && form.contains(&token));
    let signed_up = visitor
        .submit(
            &path,
            "/console/signup",
            &[("email", "new@example.com"), ("password", PASSWORD), ("invitation", &token)],
        )
        .await;
    assert_redirect(&signed_up, "/console/signup/sent");

    let taken =
        operator.submit("/admin/registration", "/admin/invitations", &[("email", "new@example.com")]).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.text().contains("already used by another account"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bootstrap_link_signs_in_once_and_asks_for_a_password() {
    let app = TestApp::new().await;
    let link = app.platform().bootstrap_operator("root@example.com").await.unwrap().expect("first operator");
    let path = path_of(&link).to_owned();
    let mut visitor = Visitor::new(&app);
    // Opening the link (say, by a mail scanner) does not use it up.
    let shown = visitor.get(&path).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(visitor.cookie("mp_console").is_none());
    let used = visitor.submit(&path, &path, &[]).await;
    assert_redirect(&used, "/console/account/password");
    let form = visitor.get("/console/account/password").await.text();
    assert!(form.contains("Set your password") && !form.contains(r#"name="current""#));
    let set = visitor
        .submit(
            "/console/account/password",
            "/console/account/password",
            &[("password", PASSWORD), ("confirm", PASSWORD)],
        )
        .await;
    assert_redirect(&set, "/console/account?notice=password-set");

    let again = Visitor::new(&app).submit(&path, &path, &[]).await;
    assert_eq!(again.status, StatusCode::GONE, "the link works once");
    let mut fresh = Visitor::new(&app);
    assert_redirect(&fresh.sign_in("root@example.com", PASSWORD).await, "/console");
    assert!(fresh.get("/console").await.text().contains("/admin/developers"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forgotten_password_is_reset_by_link() {
    let app = TestApp::new().await;
    app.platform().sign_up_developer("dev@example.com", PASSWORD, None).await.unwrap();
    let mut visitor = Visitor::new(&app);
    for email in ["dev@example.com", "nobody@example.com"] {
        let sent = visitor.submit("/console/forgot", "/console/forgot", &[("email", email)]).await;
        assert_redirect(&sent, "/console/forgot/sent");
    }
    assert!(visitor.get("/console/forgot/sent").await.text().contains("If the address is registered"));
    let mail = app.outbox().into_iter().find(|m| m.subject.contains("Reset")).expect("reset mail");
    let path = path_of(&mail.link("/console/reset/").unwrap()).to_owned();
    let differ =
        visitor.submit(&path, &path, &[("password", "new password 123"), ("confirm", "other")]).await;
    assert_eq!(differ.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(differ.text().contains("The two passwords differ."));
    let reset = visitor
        .submit(&path, &path, &[("password", "new password 123"), ("confirm", "new password 123")])
        .await;
    assert_redirect(&reset, "/console/signin?notice=password-reset");
    let reused = visitor
        .submit(&path, &path, &[("password", "another one 456"), ("confirm", "another one 456")])
        .await;
    assert_eq!(reused.status, StatusCode::GONE, "the link works once");
    assert_redirect(&visitor.sign_in("dev@example.com", "new password 123").await, "/console");
}

#[tokio::test(flavor = "multi_thread")]
async fn subject_information_makes_a_public_profile_without_the_identity_number() {
    let app = TestApp::new().await;
    let mut dev = Visitor::new(&app);
    let id = verified_developer(&app, &mut dev, "ada@example.com").await;
    assert_eq!(Visitor::new(&app).get(&format!("/developers/{}", id.0)).await.status, StatusCode::NOT_FOUND);

    let missing = dev
        .submit(
            "/console/account",
            "/console/account/subject",
            &[("subject_type", "individual"), ("legal_name", "Ada Lovelace")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.text().contains("Identity document number is required"), "{}", missing.text());
    assert!(missing.text().contains(r#"value="Ada Lovelace""#), "input is kept");

    let saved = dev
        .submit(
            "/console/account",
            "/console/account/subject",
            &[
                ("subject_type", "individual"),
                ("legal_name", "Ada Lovelace"),
                ("id_number", "ID-998877"),
                ("contact_phone", "+44 20 0000"),
            ],
        )
        .await;
    assert_redirect(&saved, "/console/account?notice=subject-saved#subject");
    let account = dev.get("/console/account").await.text();
    assert!(account.contains("Your public profile shows") && account.contains("Ada Lovelace"));
    assert!(account.contains(&format!("/developers/{}", id.0)));

    let public = Visitor::new(&app).get(&format!("/developers/{}", id.0)).await;
    assert_eq!(public.status, StatusCode::OK);
    let html = public.text();
    assert!(html.contains("Ada Lovelace") && html.contains("Individual") && html.contains("Unverified"));
    assert!(!html.contains("ID-998877") && !html.contains("+44 20 0000"), "sealed details stay sealed");

    // Another type asks for other fields (the htmx swap), keeping what was typed.
    let fields =
        dev.get("/console/account/subject-fields?subject_type=enterprise&legal_name=Acme").await.text();
    assert!(fields.contains("Business registration number") && fields.contains(r#"value="Acme""#));
    assert_eq!(Visitor::new(&app).get("/developers/not-a-number").await.status, StatusCode::NOT_FOUND);

    // The platform no longer shows the profile of an account it stopped serving.
    let (operator, _) = app.operator("op@example.com").await;
    let status = miniplat_core::accounts::AccountStatus::Suspended;
    app.platform().set_developer_status(&operator, id, status).await.unwrap();
    assert_eq!(Visitor::new(&app).get(&format!("/developers/{}", id.0)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn api_keys_are_shown_once_and_revoked_in_place() {
    let app = TestApp::new().await;
    let mut dev = Visitor::new(&app);
    verified_developer(&app, &mut dev, "dev@example.com").await;
    let page = dev.get("/console/account").await.text();
    assert!(!page.contains(r#"value="admin""#), "developers are not offered the admin scope");

    let none = dev.submit("/console/account", "/console/account/api-keys", &[("name", "ci")]).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.text().contains("Scopes must name at least one scope"));

    let created = dev
        .submit(
            "/console/account",
            "/console/account/api-keys",
            &[("name", "ci"), ("scopes", "apps:read"), ("scopes", "apps:write")],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK);
    let key = element_text(&created.text(), "key-value").expect("the key is shown");
    assert!(key.starts_with("mpk_"));
    assert_eq!(
        app.json(axum::http::Method::GET, "/api/v1/apps", None, Some(&key)).await.status,
        StatusCode::OK
    );
    let account = dev.get("/console/account").await;
    assert!(
        account.text().contains(&key[..12]) && !account.text().contains(&key),
        "only the prefix is listed"
    );

    let id = attribute_after(&account.text(), r#"action="/console/account/api-keys/"#).unwrap();
    let id = id.trim_end_matches("/revoke");
    let revoked =
        dev.htmx_post(&format!("/console/account/api-keys/{id}/revoke"), &csrf_of(&account), &[]).await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert!(revoked.text().starts_with(r#"<div id="api-keys-table">"#) && revoked.text().contains("Revoked"));
    assert_eq!(
        app.json(axum::http::Method::GET, "/api/v1/apps", None, Some(&key)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn end_users_sign_up_and_edit_their_profile() {
    let app = TestApp::new().await;
    let mut user = Visitor::new(&app);
    let landing = user.get("/").await.text();
    assert!(landing.contains("No mini programs are released yet") && landing.contains("/console"));

    let signed_up = user
        .submit(
            "/signup",
            "/signup",
            &[("email", "eve@example.com"), ("password", PASSWORD), ("nickname", "Eve")],
        )
        .await;
    assert_redirect(&signed_up, "/");
    assert!(user.cookie("mp_host").is_some());
    assert!(user.get("/").await.text().contains("Welcome back, <strong>Eve</strong>"));

    let profile = user.get("/profile").await;
    assert!(profile.text().contains("eve@example.com"));
    let token = csrf_of(&profile);
    let saved =
        user.upload("/profile", &[("csrf", &token), ("nickname", "Evelyn")], &[("avatar", &png(120))]).await;
    assert_redirect(&saved, "/profile?notice=nickname-saved");
    let profile = user.get("/profile").await.text();
    assert!(profile.contains("Evelyn") && profile.contains(r#"src="/profile/avatar""#));
    let avatar = user.get("/profile/avatar").await;
    assert_eq!(avatar.status, StatusCode::OK);
    assert_eq!(avatar.header("content-type"), Some("image/png"));
    let bad = user.upload("/profile", &[("csrf", &token), ("nickname", "")], &[]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("Nickname must be 1 to 32 printable characters."));
    let forged = user.upload("/profile", &[("nickname", "Forged")], &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // The host session is not a console session, and signing out ends it.
    assert_redirect(&user.get("/console").await, "/console/signin");
    let signed_out = user.post("/signout", &[("csrf", &token)]).await;
    assert_redirect(&signed_out, "/");
    assert_redirect(&user.get("/profile").await, "/signin");
    assert_eq!(user.get("/profile/avatar").await.status, StatusCode::SEE_OTHER);

    let wrong = user
        .submit("/signin", "/signin", &[("email", "eve@example.com"), ("password", "wrong password")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("The email or password is wrong."));
    let back =
        user.submit("/signin", "/signin", &[("email", "eve@example.com"), ("password", PASSWORD)]).await;
    assert_redirect(&back, "/");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_email_address_serves_one_account_of_any_kind() {
    let app = TestApp::new().await;
    app.platform().sign_up_developer("dev@example.com", PASSWORD, None).await.unwrap();
    let mut user = Visitor::new(&app);
    let taken = user
        .submit(
            "/signup",
            "/signup",
            &[("email", "DEV@example.com"), ("password", PASSWORD), ("nickname", "Dev")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    let html = taken.text();
    assert!(html.contains("This email address is already used by another account."), "{html}");
    assert!(html.contains(r#"value="DEV@example.com""#) && html.contains(r#"value="Dev""#));
    assert!(user.cookie("mp_host").is_none());

    app.platform().sign_up_end_user("user@example.com", PASSWORD, "User").await.unwrap();
    let mut dev = Visitor::new(&app);
    let taken = dev
        .submit(
            "/console/signup",
            "/console/signup",
            &[("email", "user@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.text().contains("already used by another account"));
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_are_html_with_a_404_fallback_and_no_inline_scripts() {
    let app = TestApp::new().await;
    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(missing.text().contains("Page not found") && missing.text().contains("Miniplat"));

    for path in ["/", "/signin", "/signup", "/console/signin", "/console/signup", "/console/forgot"] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let html = page.text();
        assert!(html.contains(r#"<link rel="stylesheet" href="/assets/style.css">"#));
        assert!(
            !html.contains("<script>") && !html.contains("style=\""),
            "{path}: the CSP allows no inline code"
        );
        assert!(page.header("content-security-policy").unwrap().contains("script-src 'self'"));
    }
    for asset in ["/assets/style.css", "/assets/console.js", "/assets/htmx.min.js"] {
        let response = app.get(asset).await;
        assert_eq!(response.status, StatusCode::OK);
        assert!(!response.body.is_empty(), "{asset}");
    }
}
