//! Release, gray release, rollback, visit and search status (`wechat-api.md` §7.1 rows 9–13,
//! 16–18, 25–26), who gets which version, the public directory, and enforcement with appeals
//! (clauses 2.3–2.5, 4.12), in process, on every backend.

use axum::http::StatusCode;
use miniplat_core::accounts::{Developer, EndUserId};
use miniplat_core::apps::access::{Access, EnvVersion, Viewer};
use miniplat_core::apps::versions::{DevelopVersion, TrialVersion, UploaderSlot, UserVersion, VersionFile};
use miniplat_core::apps::{App, AppId, AppStatus, Invitation, Member, MemberRole};
use miniplat_core::audit::Actor;
use miniplat_core::email::Email;
use miniplat_core::release::enforcement::{BanTerm, EnforcementId, Order};
use miniplat_core::review::{Review, ReviewId, ReviewState, Submission, Verdict};
use miniplat_core::Error;
use miniplat_testkit::visitor::Visitor;
use miniplat_testkit::{for_each_backend, TestApp};
use serde_json::{json, Value};

const DAY: i64 = 86_400;

/// A developer's mini program with an access token.
struct Shop {
    owner: Developer,
    /// The owner's all-scopes API key.
    key: String,
    appid: String,
    token: String,
}

impl Shop {
    async fn new(app: &TestApp, email: &str, name: &str) -> Self {
        let (owner, key) = app.developer(email).await;
        let (appid, secret) = app.app(&key, name).await;
        let token = app.access_token(&appid, &secret).await;
        Self { owner, key, appid, token }
    }

    async fn record(&self, app: &TestApp) -> App {
        app.platform().store.app_by_appid(&AppId::parse(&self.appid).unwrap()).await.unwrap().unwrap()
    }

    /// Uploads `user_version`, chooses it as the trial version, submits it and approves it.
    async fn approve(&self, app: &TestApp, user_version: &str) -> ReviewId {
        let platform = app.platform();
        let record = self.record(app).await;
        let now = app.clock_now();
        let version = DevelopVersion {
            id: 0,
            app: record.key,
            slot: UploaderSlot::Member(self.owner.id),
            user_version: UserVersion::parse(user_version).unwrap(),
            description: format!("notes of {user_version}"),
            uploaded_by: Some(self.owner.id),
            upload_key: None,
            package_sha256: format!("{:0>64}", user_version.replace('.', "")),
            zip_bytes: 10,
            packages: Vec::new(),
            files: vec![VersionFile {
                path: "pages/index/index.wxml".into(),
                size: 10,
                sha256: "ab".repeat(32),
            }],
            report: json!({}),
            created_at: now,
        };
        let version = platform.store.put_develop_version(&version).await.unwrap();
        let trial = TrialVersion { version: version.clone(), chosen_by: self.owner.id, chosen_at: now };
        platform.store.set_trial_version(&trial).await.unwrap();
        let review = Review {
            id: ReviewId(0),
            app: record.key,
            version,
            submission: Submission::default(),
            state: ReviewState::Queued,
            reason: None,
            screenshots: Vec::new(),
            delayed_at: None,
            delay_reason: None,
            submitted_by: Some(self.owner.id),
            submitted_at: now,
            decided_at: None,
            expedited_at: None,
        };
        let review = platform.store.insert_review(&review).await.unwrap();
        assert!(platform
            .conclude_review(&record, review.id, Verdict::Approved, Actor::System)
            .await
            .unwrap());
        review.id
    }

    async fn post(&self, app: &TestApp, path: &str, body: Value) -> Value {
        app.wx_post(path, &self.token, body).await
    }

    async fn get(&self, app: &TestApp, path_and_query: &str) -> Value {
        let separator = if path_and_query.contains('?') { '&' } else { '?' };
        let response = app.get(&format!("{path_and_query}{separator}access_token={}", self.token)).await;
        assert_eq!(response.status, StatusCode::OK);
        response.json()
    }

    async fn history(&self, app: &TestApp) -> Vec<i64> {
        let answer = self.get(app, "/wxa/revertcoderelease?action=get_history_version").await;
        assert_eq!(answer["errcode"], 0, "{answer}");
        answer["version_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["app_version"].as_i64().unwrap())
            .collect()
    }

    async fn live_version(&self, app: &TestApp) -> Option<String> {
        let info = self.post(app, "/wxa/getversioninfo", json!({})).await;
        info["release_info"]["release_version"].as_str().map(str::to_owned)
    }

    async fn access(&self, app: &TestApp, viewer: &Viewer) -> Access {
        app.platform().access_to(&self.record(app).await, EnvVersion::Release, viewer).await.unwrap()
    }
}

fn assert_errcode(body: &Value, errcode: i64) {
    assert_eq!(body["errcode"], errcode, "{body}");
    if errcode != 0 {
        assert!(body["errmsg"].as_str().unwrap().contains(" rid: "), "{body}");
    }
}

/// Adds `email` as a member with `role` (an accepted invitation).
async fn add_member(app: &TestApp, shop: &Shop, email: &str, role: MemberRole) -> Developer {
    let (developer, _) = app.developer(email).await;
    let record = shop.record(app).await;
    let store = &app.platform().store;
    let now = app.clock_now();
    let invitation = Invitation {
        id: 0,
        app: record.key,
        email: Email::parse(email).unwrap(),
        role,
        token_hash: format!("hash-{email}"),
        invited_by: shop.owner.id,
        created_at: now,
        expires_at: now + DAY,
        accepted_at: None,
    };
    store.create_invitation(&invitation).await.unwrap();
    let stored = store.invitation_by_hash(&invitation.token_hash).await.unwrap().unwrap();
    let member =
        Member { app: record.key, developer_id: developer.id, email: invitation.email, role, added_at: now };
    store.accept_invitation(stored.id, &member).await.unwrap();
    developer
}

#[tokio::test(flavor = "multi_thread")]
async fn release_gray_release_and_rollback_follow_the_state_machine() {
    for_each_backend(|app| async move {
        let shop = Shop::new(&app, "dev@example.com", "Release Shop").await;
        // The body must be a JSON object; nothing to release yet.
        let empty = app.post_raw(&format!("/wxa/release?access_token={}", shop.token), "").await.json();
        assert_errcode(&empty, 44002);
        assert_errcode(&shop.post(&app, "/wxa/release", json!([])).await, 44002);
        assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 85019);
        assert_errcode(&shop.post(&app, "/wxa/grayrelease", json!({"gray_percentage": 10})).await, 85079);
        assert_eq!(shop.get(&app, "/wxa/getgrayreleaseplan").await["gray_release_plan"]["status"], 0);
        assert_eq!(shop.record(&app).await.status, AppStatus::Unreleased);

        // Release 1.0.0: live, numbered 1, and once only.
        shop.approve(&app, "1.0.0").await;
        assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 0);
        assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 85052);
        assert_eq!(shop.live_version(&app).await.as_deref(), Some("1.0.0"));
        assert_eq!(shop.record(&app).await.status, AppStatus::Released);
        let info = shop.post(&app, "/wxa/getversioninfo", json!({})).await;
        assert_eq!(info["exp_info"]["exp_version"], "1.0.0", "{info}");
        assert_eq!(info["release_info"]["release_desc"], "notes of 1.0.0", "{info}");
        assert!(shop.history(&app).await.is_empty());
        assert_errcode(&shop.get(&app, "/wxa/revertcoderelease").await, 87012);
        assert_errcode(&shop.post(&app, "/wxa/grayrelease", json!({"gray_percentage": 10})).await, 85080);

        // Gray release of 2.0.0: the percentage only rises.
        shop.approve(&app, "2.0.0").await;
        for invalid in [
            json!({"gray_percentage": 101}),
            json!({"gray_percentage": -1}),
            json!({"gray_percentage": 0}),
            json!({}),
        ] {
            assert_errcode(&shop.post(&app, "/wxa/grayrelease", invalid).await, 85081);
        }
        assert_errcode(&shop.post(&app, "/wxa/grayrelease", json!({"gray_percentage": 10})).await, 0);
        let plan = shop.get(&app, "/wxa/getgrayreleaseplan").await["gray_release_plan"].clone();
        assert_eq!(
            (plan["status"].as_i64(), plan["gray_percentage"].as_i64()),
            (Some(1), Some(10)),
            "{plan}"
        );
        assert_eq!(plan["create_timestamp"], app.clock_now());
        for lower in [10, 5] {
            assert_errcode(
                &shop.post(&app, "/wxa/grayrelease", json!({"gray_percentage": lower})).await,
                85082,
            );
        }
        let raised = json!({"gray_percentage": 20, "support_debuger_first": true});
        assert_errcode(&shop.post(&app, "/wxa/grayrelease", raised).await, 0);
        let plan = shop.get(&app, "/wxa/getgrayreleaseplan").await["gray_release_plan"].clone();
        assert_eq!(
            (plan["gray_percentage"].as_i64(), plan["support_debuger_first"].as_bool()),
            (Some(20), Some(true))
        );
        // Still 1.0.0 live; no rollback during a gray release.
        assert_eq!(shop.live_version(&app).await.as_deref(), Some("1.0.0"));
        assert_errcode(&shop.get(&app, "/wxa/revertcoderelease").await, 87011);

        // Revert the gray release: plan "deleted"; a new plan may start lower.
        assert_errcode(&shop.get(&app, "/wxa/revertgrayrelease").await, 0);
        assert_eq!(shop.get(&app, "/wxa/getgrayreleaseplan").await["gray_release_plan"]["status"], 4);
        assert_errcode(&shop.get(&app, "/wxa/revertgrayrelease").await, 85020);
        assert_errcode(&shop.post(&app, "/wxa/grayrelease", json!({"gray_percentage": 5})).await, 0);
        // Reaching 100 % releases it and finishes the plan.
        assert_errcode(&shop.post(&app, "/wxa/grayrelease", json!({"gray_percentage": 100})).await, 0);
        assert_eq!(shop.get(&app, "/wxa/getgrayreleaseplan").await["gray_release_plan"]["status"], 3);
        assert_eq!(shop.live_version(&app).await.as_deref(), Some("2.0.0"));
        assert_eq!(shop.history(&app).await, [1]);

        // 3.0.0 by a gray plan finished with a full release.
        shop.approve(&app, "3.0.0").await;
        assert_errcode(&shop.post(&app, "/wxa/grayrelease", json!({"gray_percentage": 50})).await, 0);
        assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 0);
        assert_eq!(shop.get(&app, "/wxa/getgrayreleaseplan").await["gray_release_plan"]["status"], 3);
        let listed = shop.get(&app, "/wxa/revertcoderelease?action=get_history_version").await;
        let first = &listed["version_list"][0];
        assert_eq!((first["app_version"].as_i64(), first["user_version"].as_str()), (Some(2), Some("2.0.0")));
        assert_eq!(first["user_desc"], "notes of 2.0.0");
        assert!(first["commit_time"].as_i64().is_some());
        assert_eq!(shop.history(&app).await, [2, 1]);

        // Roll back once: 2.0.0 is live again, the history is empty, a second rollback fails.
        assert_errcode(&shop.get(&app, "/wxa/revertcoderelease?app_version=9").await, 87012);
        assert_errcode(&shop.get(&app, "/wxa/revertcoderelease?app_version=x").await, 40097);
        assert_errcode(&shop.get(&app, "/wxa/revertcoderelease").await, 0);
        assert_eq!(shop.live_version(&app).await.as_deref(), Some("2.0.0"));
        assert!(shop.history(&app).await.is_empty());
        assert_errcode(&shop.get(&app, "/wxa/revertcoderelease").await, 87012);
        // The reverted review stays released; a new one releases as version 4.
        assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 85052);
        shop.approve(&app, "4.0.0").await;
        assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 0);
        assert_eq!(shop.history(&app).await, [2, 1]);
        assert_errcode(&shop.get(&app, "/wxa/revertcoderelease?app_version=1").await, 0);
        assert_eq!(shop.live_version(&app).await.as_deref(), Some("1.0.0"));
        let releases = app.platform().releases(&shop.record(&app).await).await.unwrap();
        let numbers: Vec<(i64, bool)> =
            releases.iter().map(|r| (r.app_version, r.reverted_at.is_some())).collect();
        assert_eq!(numbers, [(4, true), (3, true), (2, true), (1, false)]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn releasing_publishes_the_development_privacy_guide() {
    for_each_backend(|app| async move {
        let shop = Shop::new(&app, "dev@example.com", "Privacy Release").await;
        let setting = json!({
            "privacy_ver": 2,
            "owner_setting": {"contact_email": "dev@example.com", "notice_method": "pop-up"},
            "setting_list": [{"privacy_key": "UserInfo", "privacy_text": "show your name"}]
        });
        assert_errcode(&shop.post(&app, "/cgi-bin/component/setprivacysetting", setting).await, 0);
        let record = shop.record(&app).await;
        let live = miniplat_core::privacy::PolicyKind::Live;
        assert!(app.platform().privacy_policy(record.key, live).await.unwrap().is_none());
        shop.approve(&app, "1.0.0").await;
        assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 0);
        let policy = app.platform().privacy_policy(record.key, live).await.unwrap().expect("a live guide");
        assert!(policy.document.declares("UserInfo"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn visit_and_search_status_pause_and_hide_a_released_mini_program() {
    for_each_backend(|app| async move {
        let shop = Shop::new(&app, "dev@example.com", "Visit Shop").await;
        assert_errcode(&shop.post(&app, "/wxa/change_visitstatus", json!({"action": "close"})).await, 85021);
        assert_errcode(&shop.post(&app, "/wxa/getvisitstatus", json!("x")).await, 44002);
        assert_eq!(shop.access(&app, &Viewer::Anonymous).await, Access::NotReleased);
        shop.approve(&app, "1.0.0").await;
        assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 0);
        assert_eq!(shop.access(&app, &Viewer::Anonymous).await, Access::Open);

        assert_errcode(&shop.post(&app, "/wxa/change_visitstatus", json!({"action": "shut"})).await, 85022);
        assert_errcode(&shop.post(&app, "/wxa/change_visitstatus", json!({})).await, 85022);
        assert_eq!(shop.post(&app, "/wxa/getvisitstatus", json!({})).await["status"], 1);
        assert_errcode(&shop.post(&app, "/wxa/change_visitstatus", json!({"action": "close"})).await, 0);
        assert_eq!(shop.post(&app, "/wxa/getvisitstatus", json!({})).await["status"], 0);
        assert_eq!(shop.access(&app, &Viewer::Anonymous).await, Access::Paused);
        assert!(!directory(&app, "").await.contains("Visit Shop"), "a paused mini program is not listed");
        assert_errcode(&shop.post(&app, "/wxa/change_visitstatus", json!({"action": "open"})).await, 0);
        assert_eq!(shop.access(&app, &Viewer::Anonymous).await, Access::Open);
        assert!(directory(&app, "visit").await.contains("Visit Shop"));

        assert_eq!(shop.get(&app, "/wxa/getwxasearchstatus").await["status"], 0);
        assert_errcode(&shop.post(&app, "/wxa/changewxasearchstatus", json!({"status": 2})).await, 85084);
        assert_errcode(&shop.post(&app, "/wxa/changewxasearchstatus", json!({})).await, 85084);
        assert_errcode(&shop.post(&app, "/wxa/changewxasearchstatus", json!({"status": 1})).await, 0);
        assert_eq!(shop.get(&app, "/wxa/getwxasearchstatus").await["status"], 1);
        assert!(!directory(&app, "").await.contains("Visit Shop"), "a hidden mini program is not listed");
        // Hidden from the directory, still open to those who have a link.
        assert_eq!(shop.access(&app, &Viewer::Anonymous).await, Access::Open);
        assert_errcode(&shop.post(&app, "/wxa/changewxasearchstatus", json!({"status": 0})).await, 0);
        assert!(directory(&app, "").await.contains("Visit Shop"));
    })
    .await;
}

async fn directory(app: &TestApp, query: &str) -> String {
    let page = app.get(&format!("/mini-programs?q={query}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.text()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_directory_lists_released_mini_programs_by_name() {
    for_each_backend(|app| async move {
        let coffee = Shop::new(&app, "coffee@example.com", "Coffee Corner").await;
        let tea = Shop::new(&app, "tea@example.com", "Tea House").await;
        let _draft = Shop::new(&app, "draft@example.com", "Coffee Draft").await;
        for shop in [&coffee, &tea] {
            shop.approve(&app, "1.0.0").await;
            assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 0);
        }
        let all = directory(&app, "").await;
        assert!(all.contains("Coffee Corner") && all.contains("Tea House"), "{all}");
        assert!(!all.contains("Coffee Draft"), "unreleased mini programs are never listed");
        let found = directory(&app, "COFFEE").await;
        assert!(found.contains("Coffee Corner") && !found.contains("Tea House"));
        assert!(found.contains(&format!("/mini-programs/{}", coffee.appid)), "links to open it");
        assert!(!directory(&app, "%25").await.contains("Coffee Corner"), "wildcards match literally");
        let opened = app.get(&format!("/mini-programs/{}", coffee.appid)).await;
        assert_eq!(opened.status, StatusCode::OK);
        assert!(opened.text().contains("Coffee Corner"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gray_users_are_bucketed_deterministically() {
    for_each_backend(|app| async move {
        let shop = Shop::new(&app, "dev@example.com", "Gray Shop").await;
        shop.approve(&app, "1.0.0").await;
        assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 0);
        shop.approve(&app, "2.0.0").await;
        let platform = app.platform();
        let record = shop.record(&app).await;
        let gray_users = |percentage: i64| {
            let record = record.clone();
            async move {
                let _ = percentage;
                let mut users = Vec::new();
                for user in 1..=200 {
                    let served =
                        platform.served_version(&record, &Viewer::EndUser(EndUserId(user))).await.unwrap();
                    if served.unwrap().gray {
                        users.push(user);
                    }
                }
                users
            }
        };
        // Members first at 0 %: the member gets 2.0.0, nobody else.
        let members_first = json!({"gray_percentage": 0, "support_debuger_first": true});
        assert_errcode(&shop.post(&app, "/wxa/grayrelease", members_first).await, 0);
        let member =
            platform.served_version(&record, &Viewer::Developer(shop.owner.id)).await.unwrap().unwrap();
        assert_eq!((member.gray, member.version.user_version.as_str()), (true, "2.0.0"));
        assert!(gray_users(0).await.is_empty());
        assert_errcode(&shop.post(&app, "/wxa/grayrelease", json!({"gray_percentage": 30})).await, 0);
        let at_30 = gray_users(30).await;
        assert_eq!(gray_users(30).await, at_30, "the same users every time");
        assert!((30..=90).contains(&at_30.len()), "about 30 % of 200: {}", at_30.len());
        assert_errcode(&shop.post(&app, "/wxa/grayrelease", json!({"gray_percentage": 60})).await, 0);
        let at_60 = gray_users(60).await;
        assert!(at_30.iter().all(|user| at_60.contains(user)), "nobody leaves the gray group");
        assert!(at_60.len() > at_30.len());
        let anonymous = platform.served_version(&record, &Viewer::Anonymous).await.unwrap().unwrap();
        assert_eq!((anonymous.gray, anonymous.version.user_version.as_str()), (false, "1.0.0"));
        // Reverted: everyone is back on 1.0.0.
        assert_errcode(&shop.get(&app, "/wxa/revertgrayrelease").await, 0);
        assert!(gray_users(0).await.is_empty());
        let member =
            platform.served_version(&record, &Viewer::Developer(shop.owner.id)).await.unwrap().unwrap();
        assert_eq!(member.version.user_version.as_str(), "1.0.0");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bans_restrictions_and_rectifications_with_appeals() {
    for_each_backend(|app| async move {
        let shop = Shop::new(&app, "dev@example.com", "Banned Shop").await;
        let (staff, _) = app.operator("staff@example.com").await;
        let platform = app.platform();
        let now = app.clock_now();
        let short_ban = Order::Ban { term: BanTerm::Short, until: Some(now + 7 * DAY) };

        // Only staff enforce; a ban needs a released mini program.
        let refused = platform.enforce(&shop.owner, &shop.appid, short_ban, "spam").await;
        assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
        let unreleased = platform.enforce(&staff, &shop.appid, short_ban, "spam").await;
        assert!(matches!(unreleased, Err(Error::Invalid { .. })), "{unreleased:?}");
        shop.approve(&app, "1.0.0").await;
        assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 0);
        let empty_reason = platform.enforce(&staff, &shop.appid, short_ban, "  ").await;
        assert!(matches!(empty_reason, Err(Error::Invalid { field: "reason", .. })));

        let ban = platform.enforce(&staff, &shop.appid, short_ban, "misleading content").await.unwrap();
        assert_eq!(shop.access(&app, &Viewer::Anonymous).await, Access::Banned);
        assert_eq!(shop.access(&app, &Viewer::Developer(shop.owner.id)).await, Access::Banned);
        assert!(!directory(&app, "").await.contains("Banned Shop"));
        shop.approve(&app, "2.0.0").await;
        assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 85020);
        assert_errcode(&shop.post(&app, "/wxa/grayrelease", json!({"gray_percentage": 10})).await, 85020);
        assert_errcode(&shop.post(&app, "/wxa/changewxasearchstatus", json!({"status": 0})).await, 85083);
        assert_errcode(&shop.post(&app, "/wxa/change_visitstatus", json!({"action": "open"})).await, 85021);

        // The developer appeals once; staff lift the ban and access returns.
        let (_, _, records) = platform.violations(&shop.owner, &shop.appid).await.unwrap();
        assert_eq!(records.len(), 1);
        let appeal =
            platform.appeal(&shop.owner, &shop.appid, ban.id, "we removed the content").await.unwrap();
        let twice = platform.appeal(&shop.owner, &shop.appid, ban.id, "again").await;
        assert!(matches!(twice, Err(Error::Forbidden(_))), "{twice:?}");
        let not_staff = platform.decide_appeal(&shop.owner, appeal.id, true, "").await;
        assert!(matches!(not_staff, Err(Error::Forbidden(_))));
        platform.decide_appeal(&staff, appeal.id, true, "content removed").await.unwrap();
        assert!(platform.decide_appeal(&staff, appeal.id, false, "").await.is_err(), "decided once");
        assert_eq!(shop.access(&app, &Viewer::Anonymous).await, Access::Open);
        assert!(directory(&app, "").await.contains("Banned Shop"));

        // A release restriction refuses releases but leaves the mini program open.
        let restriction = platform
            .enforce(&staff, &shop.appid, Order::RestrictRelease { until: None }, "pending investigation")
            .await
            .unwrap();
        assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 85020);
        assert_eq!(shop.access(&app, &Viewer::Anonymous).await, Access::Open);
        platform.lift_enforcement(&staff, restriction.id).await.unwrap();
        assert!(platform.lift_enforcement(&staff, restriction.id).await.is_err(), "lifted once");
        assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 0);

        // A rectification past its deadline becomes a (short-term) ban, which then expires.
        let rectify = Order::Rectify { deadline: now + 3 * DAY };
        let order = platform.enforce(&staff, &shop.appid, rectify, "add a privacy guide").await.unwrap();
        let early =
            platform.escalate_rectification(&staff, order.id, BanTerm::Short, Some(now + 5 * DAY)).await;
        assert!(matches!(early, Err(Error::Forbidden(_))), "{early:?}");
        app.clock.advance(3 * DAY);
        let escalated = platform
            .escalate_rectification(&staff, order.id, BanTerm::Short, Some(now + 5 * DAY))
            .await
            .unwrap();
        assert!(escalated.reason.contains("not done by its deadline"));
        assert_eq!(shop.access(&app, &Viewer::Anonymous).await, Access::Banned);
        let again = platform.escalate_rectification(&staff, order.id, BanTerm::Permanent, None).await;
        assert!(again.is_err(), "a rectification becomes a ban once");
        app.clock.advance(2 * DAY);
        assert_eq!(shop.access(&app, &Viewer::Anonymous).await, Access::Open, "the short-term ban ended");
        assert!(platform
            .escalate_rectification(&staff, EnforcementId(9_999), BanTerm::Permanent, None)
            .await
            .is_err());

        // Every step is in the audit log, naming who acted.
        let entries = platform.store.audit_tail(200).await.unwrap();
        let staff_label = format!("developer:{}", staff.id.0);
        for action in ["enforcement.ordered", "enforcement.lifted", "enforcement.appeal_decided"] {
            assert!(
                entries
                    .iter()
                    .any(|e| e.action == action && e.actor == staff_label && e.target == shop.appid),
                "{action} by staff is audited"
            );
        }
        let owner_label = format!("developer:{}", shop.owner.id.0);
        assert!(entries.iter().any(|e| e.action == "enforcement.appealed" && e.actor == owner_label));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn only_release_members_of_the_mini_program_may_release() {
    for_each_backend(|app| async move {
        let shop = Shop::new(&app, "dev@example.com", "Guarded Shop").await;
        let other = Shop::new(&app, "other@example.com", "Other Shop").await;
        shop.approve(&app, "1.0.0").await;
        let platform = app.platform();
        let analyst = add_member(&app, &shop, "analyst@example.com", MemberRole::Analyst).await;
        let developer = add_member(&app, &shop, "coder@example.com", MemberRole::Developer).await;
        let operator = add_member(&app, &shop, "ops@example.com", MemberRole::Operator).await;
        for member in [&analyst, &developer] {
            let refused = platform.app_for_release(member, &shop.appid).await;
            assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
        }
        let stranger = platform.app_for_release(&other.owner, &shop.appid).await;
        assert!(matches!(stranger, Err(Error::NotFound(_))), "{stranger:?}");
        // Another mini program's token releases nothing here.
        assert_errcode(&other.post(&app, "/wxa/release", json!({})).await, 85019);
        assert_eq!(shop.live_version(&app).await, None);
        let record = platform.app_for_release(&operator, &shop.appid).await.unwrap();
        let released = platform.release(&record, Actor::Developer(operator.id)).await.unwrap();
        assert_eq!((released.app_version, released.released_by), (1, Some(operator.id)));
    })
    .await;
}

const PASSWORD: &str = "a long enough password";

async fn signed_in<'a>(app: &'a TestApp, developer: &Developer) -> Visitor<'a> {
    app.platform().set_initial_developer_password(developer, PASSWORD).await.unwrap();
    let mut visitor = Visitor::new(app);
    let email = developer.email.as_str().to_owned();
    let response = visitor
        .submit("/console/signin", "/console/signin", &[("email", &email), ("password", PASSWORD)])
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.text());
    visitor
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_release_tab_releases_gray_releases_and_rolls_back() {
    for_each_backend(|app| async move {
        let shop = Shop::new(&app, "dev@example.com", "Console Release").await;
        let page = format!("/console/apps/{}/release", shop.appid);
        let analyst = add_member(&app, &shop, "analyst@example.com", MemberRole::Analyst).await;
        let stranger = Shop::new(&app, "stranger@example.com", "Stranger Shop").await;
        shop.approve(&app, "1.0.0").await;

        // Members without the Operator role see the tab but cannot act; nothing changes.
        let mut analyst = signed_in(&app, &analyst).await;
        let html = analyst.get(&page).await.text();
        assert!(html.contains("1.0.0") && !html.contains("Release to everyone"), "{html}");
        let refused = analyst.submit(&page, &page, &[("action", "release")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(shop.live_version(&app).await, None);
        // A developer of another mini program does not even see it.
        let mut stranger = signed_in(&app, &stranger.owner).await;
        assert_eq!(stranger.get(&page).await.status, StatusCode::NOT_FOUND);

        let mut owner = signed_in(&app, &shop.owner).await;
        let html = owner.get(&page).await.text();
        assert!(html.contains(r#"aria-current="page">Release</a>"#) && html.contains("Release to everyone"));
        let released = owner.submit(&page, &page, &[("action", "release")]).await;
        assert_eq!(released.status, StatusCode::SEE_OTHER, "{}", released.text());
        assert_eq!(shop.live_version(&app).await.as_deref(), Some("1.0.0"));
        let again = owner.submit(&page, &page, &[("action", "release")]).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(
            again.text().contains("errcode 85019") || again.text().contains("errcode 85052"),
            "{}",
            again.text()
        );

        shop.approve(&app, "2.0.0").await;
        let gray = owner
            .submit(&page, &page, &[("action", "gray"), ("percentage", "10"), ("testers_first", "1")])
            .await;
        assert_eq!(gray.status, StatusCode::SEE_OTHER, "{}", gray.text());
        let lower = owner.submit(&page, &page, &[("action", "gray"), ("percentage", "5")]).await;
        assert_eq!(lower.status, StatusCode::CONFLICT);
        assert!(lower.text().contains("errcode 85082"));
        let html = owner.get(&page).await.text();
        assert!(
            html.contains("Running") && html.contains("10 %") && html.contains("Revert the gray release")
        );
        let reverted = owner.submit(&page, &page, &[("action", "revert-gray")]).await;
        assert_eq!(reverted.status, StatusCode::SEE_OTHER);
        assert_eq!(owner.submit(&page, &page, &[("action", "release")]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(shop.live_version(&app).await.as_deref(), Some("2.0.0"));

        let html = owner.get(&page).await.text();
        assert!(html.contains("Roll back to") && html.contains(r#"<option value="1">"#), "{html}");
        let rolled = owner.submit(&page, &page, &[("action", "rollback"), ("app_version", "1")]).await;
        assert_eq!(rolled.status, StatusCode::SEE_OTHER, "{}", rolled.text());
        assert_eq!(shop.live_version(&app).await.as_deref(), Some("1.0.0"));

        assert_eq!(owner.submit(&page, &page, &[("action", "pause")]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(shop.access(&app, &Viewer::Anonymous).await, Access::Paused);
        let paused = app.get(&format!("/mini-programs/{}", shop.appid)).await;
        assert_eq!(paused.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(paused.text().contains("paused by its developer"));
        assert_eq!(owner.submit(&page, &page, &[("action", "resume")]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(owner.submit(&page, &page, &[("action", "hide")]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(shop.get(&app, "/wxa/getwxasearchstatus").await["status"], 1);
        // The analyst's refused attempts changed nothing either.
        let refused = analyst.submit(&page, &page, &[("action", "show")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(shop.get(&app, "/wxa/getwxasearchstatus").await["status"], 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_ban_from_the_admin_page_and_developers_appeal_from_the_console() {
    for_each_backend(|app| async move {
        let shop = Shop::new(&app, "dev@example.com", "Appeal Shop").await;
        shop.approve(&app, "1.0.0").await;
        assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 0);
        let (staff, _) = app.operator("staff@example.com").await;
        let mut staff = signed_in(&app, &staff).await;
        let admin = "/admin/enforcement";

        // Developers cannot reach the admin page.
        let mut owner = signed_in(&app, &shop.owner).await;
        assert_ne!(owner.get(admin).await.status, StatusCode::OK);

        let bad_date = staff
            .submit(
                admin,
                admin,
                &[("appid", &shop.appid), ("kind", "ban-short"), ("until", "soon"), ("reason", "x")],
            )
            .await;
        assert_eq!(bad_date.status, StatusCode::BAD_REQUEST);
        let ordered = staff
            .submit(
                admin,
                admin,
                &[("appid", &shop.appid), ("kind", "ban-permanent"), ("reason", "fraudulent shop")],
            )
            .await;
        assert_eq!(ordered.status, StatusCode::SEE_OTHER, "{}", ordered.text());
        let banned = app.get(&format!("/mini-programs/{}", shop.appid)).await;
        assert_eq!(banned.status, StatusCode::FORBIDDEN);
        assert!(banned.text().contains("banned by the platform"));

        let violations = format!("/console/apps/{}/violations", shop.appid);
        let html = owner.get(&violations).await.text();
        assert!(
            html.contains("Permanent ban")
                && html.contains("fraudulent shop")
                && html.contains("Send the appeal")
        );
        let release_tab = owner.get(&format!("/console/apps/{}/release", shop.appid)).await.text();
        assert!(release_tab.contains("The platform banned this mini program"));
        let record = app.platform().violations(&shop.owner, &shop.appid).await.unwrap().2[0].0.id.0;
        let action = format!("{violations}/{record}/appeal");
        let empty = owner.submit(&violations, &action, &[("text", " ")]).await;
        assert_eq!(empty.status, StatusCode::BAD_REQUEST);
        let sent = owner.submit(&violations, &action, &[("text", "the listing was a mistake")]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
        let html = owner.get(&violations).await.text();
        assert!(html.contains("waiting for a decision") && !html.contains("Send the appeal"));
        assert_eq!(
            owner.submit(&violations, &action, &[("text", "again")]).await.status,
            StatusCode::FORBIDDEN
        );

        let html = staff.get(admin).await.text();
        assert!(html.contains("the listing was a mistake") && html.contains("Appeal Shop"));
        let appeal = app.platform().store.appeals(None, 10).await.unwrap()[0].id;
        let decided = staff
            .submit(admin, &format!("/admin/appeals/{appeal}"), &[("decision", "lift"), ("note", "ok")])
            .await;
        assert_eq!(decided.status, StatusCode::SEE_OTHER);
        assert_eq!(shop.access(&app, &Viewer::Anonymous).await, Access::Open);
        assert!(owner.get(&violations).await.text().contains("accepted: the action was lifted"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn codes_and_links_reach_the_released_version() {
    for_each_backend(|app| async move {
        let shop = Shop::new(&app, "dev@example.com", "Linked Shop").await;
        let link = json!({"path": "pages/index/index", "env_version": "release", "expire_type": 1, "expire_interval": 1});
        assert_errcode(&shop.post(&app, "/wxa/generate_urllink", link.clone()).await, 85079);
        let code = json!({"scene": "a", "page": "pages/index/index"});
        let unreleased = app
            .json(axum::http::Method::POST, &format!("/wxa/getwxacodeunlimit?access_token={}", shop.token), Some(code.clone()), None)
            .await;
        assert_errcode(&unreleased.json(), 41030);

        shop.approve(&app, "1.0.0").await;
        assert_errcode(&shop.post(&app, "/wxa/release", json!({})).await, 0);
        let image = app
            .json(axum::http::Method::POST, &format!("/wxa/getwxacodeunlimit?access_token={}", shop.token), Some(code), None)
            .await;
        assert_eq!(image.header("content-type"), Some("image/jpeg"), "a page of the live version");
        let missing = json!({"scene": "a", "page": "pages/missing/missing"});
        let refused = app
            .json(axum::http::Method::POST, &format!("/wxa/getwxacodeunlimit?access_token={}", shop.token), Some(missing), None)
            .await;
        assert_errcode(&refused.json(), 41030);

        let generated = shop.post(&app, "/wxa/generate_urllink", link).await;
        let url_link = generated["url_link"].as_str().unwrap_or_else(|| panic!("{generated}")).to_owned();
        let opened = app.get(miniplat_testkit::path_of(&url_link)).await.text();
        assert!(opened.contains("Linked Shop") && opened.contains("You may open this version"), "{opened}");
        let (staff, _) = app.operator("staff@example.com").await;
        let ban = Order::Ban { term: BanTerm::Permanent, until: None };
        app.platform().enforce(&staff, &shop.appid, ban, "fraud").await.unwrap();
        let opened = app.get(miniplat_testkit::path_of(&url_link)).await.text();
        assert!(opened.contains("banned by the platform") && !opened.contains("Linked Shop"), "{opened}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_platform_api_releases_for_release_members() {
    for_each_backend(|app| async move {
        let shop = Shop::new(&app, "dev@example.com", "Api Release").await;
        let path = format!("/api/v1/apps/{}/release", shop.appid);
        let none = app.json(axum::http::Method::POST, &path, None, Some(&shop.key)).await;
        assert_eq!(none.status, StatusCode::FORBIDDEN, "{}", none.text());
        assert!(none.text().contains("no approved version"), "{}", none.text());
        shop.approve(&app, "1.0.0").await;
        let (analyst, analyst_key) = app.developer("analyst@example.com").await;
        let _ = analyst;
        let stranger = app.json(axum::http::Method::POST, &path, None, Some(&analyst_key)).await;
        assert_eq!(stranger.status, StatusCode::NOT_FOUND);
        let released = app.json(axum::http::Method::POST, &path, None, Some(&shop.key)).await;
        assert_eq!(released.status, StatusCode::CREATED, "{}", released.text());
        let body = released.json();
        assert_eq!((body["app_version"].as_i64(), body["user_version"].as_str()), (Some(1), Some("1.0.0")));
        let again = app.json(axum::http::Method::POST, &path, None, Some(&shop.key)).await;
        assert_eq!(again.status, StatusCode::FORBIDDEN);
        assert!(again.text().contains("already released"));
    })
    .await;
}
