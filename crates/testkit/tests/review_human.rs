//! Human release review, in process, on every backend: reviewers take or are given queued
//! reviews, read the submission, its media, files and changes, and approve or reject with
//! catalogue reasons and screenshots; the developer's server gets the matching push. Nobody
//! else sees a review; overdue reviews are pushed as delayed once; the guidelines are public.

use std::path::Path;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use miniplat_core::accounts::{Developer, PlatformRole};
use miniplat_core::apps::AppId;
use miniplat_core::apps::AppKey;
use miniplat_core::audit::Actor;
use miniplat_core::review::{PreviewInfo, Review, ReviewId, ReviewState, Submission};
use miniplat_core::reviewing::ReviewOrgId;
use miniplat_testkit::visitor::{csrf_of, Visitor};
use miniplat_testkit::{for_each_backend, TestApp};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";
/// The platform's own review team, seeded by the migration.
const PLATFORM_ORG: ReviewOrgId = ReviewOrgId(1);
const PNG: &[u8] = b"\x89PNG\r\n\x1A\n\0\0\0\rIHDR screenshot bytes";

/// The files of `examples/minimal`, with `replace` swapped in, zipped.
fn package(replace: Option<(&str, &str)>) -> Vec<u8> {
    use std::io::Write;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/minimal");
    let files = [
        "app.json",
        "app.js",
        "project.config.json",
        "pages/index/index.wxss",
        "pages/index/index.js",
        "pages/index/index.wxml",
        "pages/index/index.json",
    ];
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        for path in files {
            let content = match replace {
                Some((name, text)) if name == path => text.as_bytes().to_vec(),
                _ => std::fs::read(dir.join(path)).unwrap(),
            };
            zip.start_file(path, zip::write::SimpleFileOptions::default()).unwrap();
            zip.write_all(&content).unwrap();
        }
        zip.finish().unwrap();
    }
    buffer.into_inner()
}

async fn account(app: &TestApp, email: &str, role: PlatformRole) -> Developer {
    let platform = app.platform();
    let developer = platform.create_verified_developer(email, role).await.unwrap();
    platform.set_initial_developer_password(&developer, PASSWORD).await.unwrap();
    developer
}

async fn signed_in<'a>(app: &'a TestApp, email: &str) -> Visitor<'a> {
    let mut visitor = Visitor::new(app);
    let response = visitor.sign_in(email, PASSWORD).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.text());
    visitor
}

/// A mini program with push switched on, whose trial version is `zip`.
struct Shop {
    appid: String,
    key: AppKey,
    developer: Developer,
    api_key: String,
}

async fn shop(app: &TestApp, name: &str) -> Shop {
    let email = format!("{}@example.com", name.to_lowercase().replace(' ', "-"));
    let (developer, api_key) = app.developer(&email).await;
    let (appid, _) = app.app(&api_key, name).await;
    let platform = app.platform();
    let key = platform.store.app_by_appid(&AppId::parse(&appid).unwrap()).await.unwrap().unwrap().key;
    app.plain_push(key, &developer).await;
    Shop { appid, key, developer, api_key }
}

impl Shop {
    /// Uploads `zip`, makes it the trial version and queues it for review with a preview
    /// picture, as the automated checks would.
    async fn queue(&self, app: &TestApp, zip: Vec<u8>) -> ReviewId {
        let request =
            Request::post(format!("/api/v1/apps/{}/versions?version=1.0.0&description=shop", self.appid))
                .header(header::AUTHORIZATION, format!("Bearer {}", self.api_key))
                .header(header::CONTENT_TYPE, "application/zip")
                .body(Body::from(zip))
                .unwrap();
        let uploaded = app.request(request).await;
        assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.text());
        let id = uploaded.json()["id"].as_i64().unwrap();
        let platform = app.platform();
        platform.choose_trial_version(&self.developer, &self.appid, id).await.unwrap();
        let trial = platform.store.trial_version(self.key).await.unwrap().unwrap();
        let picture = platform.upload_media(self.key, PNG.to_vec()).await.unwrap();
        let review = Review {
            id: ReviewId(0),
            app: self.key,
            version: trial.version,
            submission: Submission {
                version_desc: "Test account: demo / demo".into(),
                preview_info: PreviewInfo { pic_id_list: vec![picture.media_id], video_id_list: Vec::new() },
                ..Submission::default()
            },
            state: ReviewState::Queued,
            reason: None,
            screenshots: Vec::new(),
            delayed_at: None,
            delay_reason: None,
            submitted_by: Some(self.developer.id),
            submitted_at: app.clock_now(),
            decided_at: None,
            expedited_at: None,
        };
        platform.store.insert_review(&review).await.unwrap().id
    }

    async fn review(&self, app: &TestApp, id: ReviewId) -> Review {
        app.platform().store.review(self.key, id).await.unwrap().unwrap()
    }

    /// The events queued for the developer's server: (event, fields as JSON).
    async fn pushes(&self, app: &TestApp) -> Vec<(String, Value)> {
        let now = app.clock_now();
        let jobs = app.platform().store.claim_jobs("push", now + 1, now + 60, 100).await.unwrap();
        jobs.iter()
            .filter(|j| j.app == Some(self.key))
            .map(|j| {
                let payload: Value = serde_json::from_str(&j.payload).unwrap();
                (payload["event"]["event"].as_str().unwrap().to_owned(), payload["event"]["fields"].clone())
            })
            .collect()
    }
}

/// The value of field `name` in a queued event's fields, as text.
fn field(fields: &Value, name: &str) -> String {
    let value = fields.as_array().unwrap().iter().find(|f| f[0] == name).map(|f| f[1].clone()).unwrap();
    match value {
        Value::String(text) => text,
        Value::Object(map) => {
            map.values().next().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).unwrap()
        }
        other => other.to_string(),
    }
}

async fn staff(app: &TestApp) -> Developer {
    account(app, "staff@example.com", PlatformRole::Operator).await
}

async fn reviewer(app: &TestApp, staff: &Developer, email: &str) -> Developer {
    let developer = account(app, email, PlatformRole::Developer).await;
    app.platform().add_reviewer(staff, email, PLATFORM_ORG).await.unwrap();
    developer
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reviewer_takes_the_next_review_reads_it_and_approves_then_sees_the_changes_of_the_next() {
    for_each_backend(|app| async move {
        let staff = staff(&app).await;
        reviewer(&app, &staff, "rita@example.com").await;
        let shop = shop(&app, "Review Shop").await;
        let first = shop.queue(&app, package(None)).await;

        let mut rita = signed_in(&app, "rita@example.com").await;
        let desk = rita.get("/review").await;
        assert_eq!(desk.status, StatusCode::OK);
        assert!(!desk.text().contains(&format!("/review/{}\"", first.0)), "nothing is assigned yet");
        let claimed = rita.submit("/review", "/review/claim", &[]).await;
        assert_eq!(claimed.status, StatusCode::SEE_OTHER);
        assert_eq!(claimed.header("location"), Some(format!("/review/{}", first.0).as_str()));

        let page = rita.get(&format!("/review/{}", first.0)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let html = page.text();
        assert!(html.contains("Review Shop") && html.contains("Test account: demo / demo"));
        assert!(html.contains("every file is new"));
        let picture = shop.review(&app, first).await.submission.preview_info.pic_id_list[0].clone();
        let media = rita.get(&format!("/review/{}/media/{picture}", first.0)).await;
        assert_eq!((media.status, media.header("content-type")), (StatusCode::OK, Some("image/png")));
        let file = rita.get(&format!("/review/{}/files/pages/index/index.wxml", first.0)).await;
        assert!(file.text().contains("Tapped {{taps}} times"));

        let token = csrf_of(&page);
        let decided = rita.upload(&format!("/review/{}/decide", first.0), &[("csrf", &token), ("decision", "approve")], &[]).await;
        assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.text());
        assert_eq!(shop.review(&app, first).await.state, ReviewState::Approved);
        let pushes = shop.pushes(&app).await;
        assert_eq!(pushes.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(), ["weapp_audit_success"]);
        assert_eq!(field(&pushes[0].1, "SuccTime"), app.clock_now().to_string());
        let again = rita.upload(&format!("/review/{}/decide", first.0), &[("csrf", &token), ("decision", "reject"), ("note", "x")], &[]).await;
        assert_ne!(again.status, StatusCode::SEE_OTHER, "a decided review stays decided");
        assert_eq!(shop.review(&app, first).await.state, ReviewState::Approved);

        // Once released, the next version changes one page; staff see what changed since the
        // live one.
        let platform = app.platform();
        let released = platform.store.app_by_key(shop.key).await.unwrap().unwrap();
        platform.release(&released, Actor::System).await.expect("the approved version is released");
        let changed = "<view class=\"page\">\n  <text class=\"greeting\">{{greeting}}</text>\n  <button bindtap=\"onTap\">Tap me</button>\n</view>\n";
        let second = shop.queue(&app, package(Some(("pages/index/index.wxml", changed)))).await;
        let mut boss = signed_in(&app, "staff@example.com").await;
        let listed = boss.get("/review").await.text();
        assert!(listed.contains(&format!("/review/{}\"", second.0)), "staff see every open review");
        let page = boss.get(&format!("/review/{}", second.0)).await.text();
        assert!(page.contains("changed</span> <a class=\"mono\" href=\"/review/"), "{page}");
        assert!(!page.contains("app.json</a></li>"), "unchanged files are not listed as changes");
        let diff = boss.get(&format!("/review/{}/diff/pages/index/index.wxml", second.0)).await.text();
        assert!(diff.contains("diff-removed\">-   &#60;text class=&#34;hint&#34;&#62;Launched at"), "{diff}");
        assert!(diff.contains("diff-added\">+   &#60;button bindtap=&#34;onTap&#34;&#62;Tap me"), "{diff}");
        assert!(diff.contains("diff-same\">    &#60;text class=&#34;greeting&#34;&#62;"), "{diff}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_assign_and_the_reviewer_rejects_with_catalogue_reasons_and_screenshots() {
    for_each_backend(|app| async move {
        let staff = staff(&app).await;
        let rita = reviewer(&app, &staff, "rita@example.com").await;
        let shop = shop(&app, "Reject Shop").await;
        let id = shop.queue(&app, package(None)).await;

        let mut boss = signed_in(&app, "staff@example.com").await;
        let to = format!("reviewer-{}-{}", PLATFORM_ORG.0, rita.id.0);
        let assigned = boss
            .submit(&format!("/review/{}", id.0), &format!("/review/{}/assign", id.0), &[("to", &to)])
            .await;
        assert_eq!(assigned.status, StatusCode::SEE_OTHER, "{}", assigned.text());

        let mut visitor = signed_in(&app, "rita@example.com").await;
        let desk = visitor.get("/review").await.text();
        assert!(desk.contains(&format!("/review/{}\"", id.0)), "the assigned review is listed");
        let page = visitor.get(&format!("/review/{}", id.0)).await;
        assert!(page.text().contains("name=\"reason:R-5.1\""), "the catalogue is offered");
        let token = csrf_of(&page);

        // An unknown code changes nothing.
        let refused = visitor
            .upload(
                &format!("/review/{}/decide", id.0),
                &[("csrf", &token), ("decision", "reject"), ("reason:R-99.9", "on")],
                &[],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text());
        assert_eq!(shop.review(&app, id).await.state, ReviewState::Queued);

        let fields = [
            ("csrf", token.as_str()),
            ("decision", "reject"),
            ("reason:R-1.1", "on"),
            ("reason:R-5.1", "on"),
            ("note", "The cart page is <empty>."),
        ];
        let decided =
            visitor.upload(&format!("/review/{}/decide", id.0), &fields, &[("screenshot1", PNG)]).await;
        assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.text());

        let review = shop.review(&app, id).await;
        assert_eq!(review.state, ReviewState::Rejected);
        let reason = review.reason.clone().unwrap();
        assert!(reason.starts_with("R-1.1 Incomplete functionality: "), "{reason}");
        assert!(reason.contains("<br>R-5.1 Login required without a test account: "), "{reason}");
        assert!(reason.ends_with("<br>The cart page is &lt;empty&gt;."), "{reason}");
        assert_eq!(review.screenshots.len(), 1);
        let stored = app.platform().media_bytes(shop.key, &review.screenshots[0]).await.unwrap().unwrap();
        assert_eq!(stored.1, PNG);

        let pushes = shop.pushes(&app).await;
        assert_eq!(pushes.len(), 1);
        assert_eq!(pushes[0].0, "weapp_audit_fail");
        assert_eq!(field(&pushes[0].1, "Reason"), reason);
        assert_eq!(field(&pushes[0].1, "ScreenShot"), review.screenshots[0]);

        let audit = app.platform().store.audit_tail(20).await.unwrap();
        assert!(audit
            .iter()
            .any(|e| e.action == "review.assigned" && e.actor == format!("developer:{}", staff.id.0)));
        assert!(audit
            .iter()
            .any(|e| e.action == "review.concluded" && e.actor == format!("developer:{}", rita.id.0)));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reviews_are_hidden_from_other_reviewers_and_the_console_from_developers() {
    for_each_backend(|app| async move {
        let staff = staff(&app).await;
        let rita = reviewer(&app, &staff, "rita@example.com").await;
        reviewer(&app, &staff, "otto@example.com").await;
        let shop = shop(&app, "Hidden Shop").await;
        let id = shop.queue(&app, package(None)).await;
        app.platform().assign_review(&staff, id, PLATFORM_ORG, Some(rita.id)).await.unwrap();
        let picture = shop.review(&app, id).await.submission.preview_info.pic_id_list[0].clone();

        let mut otto = signed_in(&app, "otto@example.com").await;
        let desk = otto.get("/review").await;
        assert_eq!(desk.status, StatusCode::OK);
        assert!(!desk.text().contains(&format!("/review/{}\"", id.0)));
        let token = csrf_of(&desk);
        for path in [
            format!("/review/{}", id.0),
            format!("/review/{}/files/app.json", id.0),
            format!("/review/{}/diff/app.json", id.0),
            format!("/review/{}/media/{picture}", id.0),
        ] {
            assert_eq!(otto.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
        }
        let decided = otto
            .upload(&format!("/review/{}/decide", id.0), &[("csrf", &token), ("decision", "approve")], &[])
            .await;
        assert_eq!(decided.status, StatusCode::NOT_FOUND);
        let assigned =
            otto.post(&format!("/review/{}/assign", id.0), &[("csrf", &token), ("to", "org-1")]).await;
        assert_ne!(assigned.status, StatusCode::SEE_OTHER, "reviewers do not assign");
        assert_eq!(shop.review(&app, id).await.state, ReviewState::Queued);
        assert_eq!(
            app.platform().store.review_assignment(id).await.unwrap().unwrap().reviewer,
            Some(rita.id)
        );
        assert!(shop.pushes(&app).await.is_empty());

        // A developer who is no reviewer does not see the console at all; neither does a
        // deactivated reviewer.
        let mut developer = Visitor::new(&app);
        account(&app, "dev@example.com", PlatformRole::Developer).await;
        developer.sign_in("dev@example.com", PASSWORD).await;
        assert_eq!(developer.get("/review").await.status, StatusCode::NOT_FOUND);
        assert_eq!(developer.get(&format!("/review/{}", id.0)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(developer.get("/admin/reviewers").await.status, StatusCode::NOT_FOUND);
        app.platform().set_reviewer_active(&staff, rita.id, false).await.unwrap();
        let mut rita_visitor = signed_in(&app, "rita@example.com").await;
        assert_eq!(rita_visitor.get(&format!("/review/{}", id.0)).await.status, StatusCode::NOT_FOUND);
        let back = app.platform().store.review_assignment(id).await.unwrap().unwrap();
        assert_eq!((back.org, back.reviewer), (PLATFORM_ORG, None), "her review went back to the pool");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_claims_get_different_reviews_expedited_first() {
    for_each_backend(|app| async move {
        let staff = staff(&app).await;
        let platform = app.platform();
        let mut desks = Vec::new();
        for email in ["a@review.example", "b@review.example", "c@review.example"] {
            let developer = reviewer(&app, &staff, email).await;
            desks.push(platform.review_desk(&developer).await.unwrap());
        }
        let older = shop(&app, "Older Shop").await.queue(&app, package(None)).await;
        app.clock.advance(10);
        let newer = shop(&app, "Newer Shop").await.queue(&app, package(None)).await;
        app.clock.advance(10);
        let urgent = shop(&app, "Urgent Shop").await.queue(&app, package(None)).await;
        platform.expedite_review_as_staff(&staff, urgent).await.unwrap();

        let (a, b, c) = tokio::join!(
            platform.claim_next_review(&desks[0]),
            platform.claim_next_review(&desks[1]),
            platform.claim_next_review(&desks[2]),
        );
        let mut claimed: Vec<ReviewId> = [a, b, c].into_iter().map(|r| r.unwrap().unwrap()).collect();
        claimed.sort();
        let mut all = vec![older, newer, urgent];
        all.sort();
        assert_eq!(claimed, all, "each review went to exactly one reviewer");
        assert_eq!(platform.claim_next_review(&desks[0]).await.unwrap(), None, "the queue is empty");

        // Nobody reviews a mini program they are a member of.
        let own = shop(&app, "Own Shop").await;
        let own_review = own.queue(&app, package(None)).await;
        platform.add_reviewer(&staff, own.developer.email.as_str(), PLATFORM_ORG).await.unwrap();
        let own_desk = platform.review_desk(&own.developer).await.unwrap();
        assert_eq!(platform.claim_next_review(&own_desk).await.unwrap(), None);
        let refused = platform.assign_review(&staff, own_review, PLATFORM_ORG, Some(own.developer.id)).await;
        assert!(refused.is_err(), "{refused:?}");
        assert_eq!(platform.claim_next_review(&desks[1]).await.unwrap(), Some(own_review));

        // One by one, the queue order shows: expedited first, then the oldest.
        let solo = shop(&app, "Solo Shop").await.queue(&app, package(None)).await;
        let other = shop(&app, "Other Shop").await.queue(&app, package(None)).await;
        platform.expedite_review_as_staff(&staff, other).await.unwrap();
        assert_eq!(platform.claim_next_review(&desks[0]).await.unwrap(), Some(other));
        assert_eq!(platform.claim_next_review(&desks[0]).await.unwrap(), Some(solo));
        for desk in &desks {
            let listed = platform.desk_reviews(desk).await.unwrap();
            assert!(listed
                .iter()
                .all(|e| e.assignment.as_ref().unwrap().reviewer == Some(desk.developer.id)));
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn overdue_reviews_are_pushed_as_delayed_once() {
    for_each_backend(|app| async move {
        let shop = shop(&app, "Slow Shop").await;
        let id = shop.queue(&app, package(None)).await;
        let platform = app.platform();
        assert_eq!(platform.mark_overdue_reviews().await.unwrap(), 0, "not due yet");
        app.clock.advance(7 * 86_400 + 1);
        assert_eq!(platform.mark_overdue_reviews().await.unwrap(), 1);
        assert_eq!(platform.mark_overdue_reviews().await.unwrap(), 0, "marked once");

        let review = shop.review(&app, id).await;
        assert_eq!(review.delayed_at, Some(app.clock_now()));
        assert_eq!(review.wire_status(), 4);
        let pushes = shop.pushes(&app).await;
        assert_eq!(pushes.len(), 1);
        assert_eq!(pushes[0].0, "weapp_audit_delay");
        assert_eq!(field(&pushes[0].1, "DelayTime"), app.clock_now().to_string());
        assert_eq!(field(&pushes[0].1, "Reason"), review.delay_reason.unwrap());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_guidelines_are_public_and_staff_edit_them() {
    for_each_backend(|app| async move {
        let public = app.get("/review-guidelines").await;
        assert_eq!(public.status, StatusCode::OK);
        let html = public.text();
        assert!(html.contains("R-4.1") && html.contains("Category mismatch"));
        assert_eq!(html.matches("<tr id=\"R-").count(), 15, "the default catalogue");

        staff(&app).await;
        let mut boss = signed_in(&app, "staff@example.com").await;
        let fields = [
            ("code", "R-8.1"),
            ("title", "Gambling"),
            ("description", "Games of chance for money are not allowed."),
            ("clause", "2.5"),
            ("position", "99"),
        ];
        let saved = boss.submit("/admin/rejection-reasons", "/admin/rejection-reasons", &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let mut bad_fields = fields;
        bad_fields[0] = ("code", "nope");
        let bad = boss.submit("/admin/rejection-reasons", "/admin/rejection-reasons", &bad_fields).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        let deleted =
            boss.submit("/admin/rejection-reasons", "/admin/rejection-reasons/R-1.3/delete", &[]).await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER);
        let html = app.get("/review-guidelines").await.text();
        assert!(html.contains("Gambling") && !html.contains("R-1.3"));

        // Organisations and reviewers from the staff page.
        let created =
            boss.submit("/admin/reviewers", "/admin/reviewers/orgs", &[("name", "Acme Review Ltd")]).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER);
        account(&app, "ext@example.com", PlatformRole::Developer).await;
        let added = boss
            .submit("/admin/reviewers", "/admin/reviewers", &[("email", "ext@example.com"), ("org", "2")])
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
        let page = boss.get("/admin/reviewers").await.text();
        assert!(page.contains("Acme Review Ltd") && page.contains("ext@example.com"));
    })
    .await;
}
