//! Submitting the trial version for release review (`wechat-api.md` §7.1 rows 2, 5–7, §7.2,
//! §7.12): the body is validated field by field against the trial version and the app's
//! media, then the review, its checks job and (over the quota) its fee are stored in one unit
//! of work. Also the read side: a review's status, the newest review, the pages one may name.

use serde_json::Value;

use crate::accounts::{Developer, DeveloperId};
use crate::apps::versions::TrialVersion;
use crate::apps::{App, AppKey, MemberRole};
use crate::audit::Actor;
use crate::config::OverQuotaPolicy;
use crate::error::{Error, Result, StoreError};
use crate::media::MediaKind;
use crate::store::{SubmitQuota, REVIEW_IN_PROGRESS, REVIEW_SUSPENDED, SUBMIT_QUOTA_USED};
use crate::wx::WxError;
use crate::Platform;

use super::checks::checks_job;
use super::fees::ReviewFee;
use super::quota::month_start;
use super::{CheckResult, PreviewInfo, Review, ReviewId, ReviewItem, ReviewState, Submission, UgcDeclare};

/// `item_list` holds one to five pages (85023).
pub const MAX_ITEMS: usize = 5;
const MAX_TAGS: usize = 10;
const MAX_TAG_CHARS: usize = 20;
const MAX_TITLE_CHARS: usize = 32;
/// Version notes for the reviewer (85051 beyond).
pub const MAX_VERSION_DESC_CHARS: usize = 500;
const MAX_FEEDBACK_INFO_CHARS: usize = 200;
const MAX_FEEDBACK_STUFF: usize = 5;
/// `preview_info` holds at most 10 pictures and 5 videos (85093 beyond).
pub const MAX_PREVIEW_PICTURES: usize = 10;
pub const MAX_PREVIEW_VIDEOS: usize = 5;
const MAX_MEDIA_ID_LEN: usize = 128;
const MAX_DECLARE_CHARS: usize = 256;
const MAX_PATH_LEN: usize = 256;
const MAX_CLASS_CHARS: usize = 64;
/// Category names of user-generated content, which need a `ugc_declare` (85094). Categories
/// come from the category registry; until it is merged, the item's class names decide.
const UGC_CATEGORY_WORDS: [&str; 5] = ["社交", "论坛", "社区", "问答", "笔记"];

/// Reads a `submit_audit` body (§7.2): nulls count as absent, ids may be numbers or numeric
/// strings, `feedback_stuff` is `|`-separated. Wrong types are 47001.
pub fn submission_from_wire(body: &Value) -> Result<Submission, WxError> {
    let object = body.as_object().ok_or_else(|| WxError::malformed_body("the body must be a JSON object"))?;
    let field = |name: &str| object.get(name).filter(|v| !v.is_null());
    let items = match field("item_list") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(item_from_wire).collect::<Result<_, _>>()?,
        Some(_) => return Err(WxError::malformed_body("item_list must be an array")),
    };
    let preview_info = match field("preview_info") {
        None => PreviewInfo::default(),
        Some(Value::Object(preview)) => PreviewInfo {
            video_id_list: string_list(preview.get("video_id_list"), "preview_info.video_id_list")?,
            pic_id_list: string_list(preview.get("pic_id_list"), "preview_info.pic_id_list")?,
        },
        Some(_) => return Err(WxError::malformed_body("preview_info must be an object")),
    };
    let ugc_declare = match field("ugc_declare") {
        None => None,
        Some(Value::Object(ugc)) => {
            let get = |name: &str| ugc.get(name).filter(|v| !v.is_null());
            Some(UgcDeclare {
                scene: int_list(get("scene"), "ugc_declare.scene")?,
                other_scene_desc: text(get("other_scene_desc"), "ugc_declare.other_scene_desc")?
                    .unwrap_or_default(),
                method: int_list(get("method"), "ugc_declare.method")?,
                has_audit_team: int(get("has_audit_team"), "ugc_declare.has_audit_team")?.unwrap_or(0),
                audit_desc: text(get("audit_desc"), "ugc_declare.audit_desc")?.unwrap_or_default(),
            })
        }
        Some(_) => return Err(WxError::malformed_body("ugc_declare must be an object")),
    };
    let feedback_stuff = text(field("feedback_stuff"), "feedback_stuff")?
        .map(|s| s.split('|').map(str::trim).filter(|id| !id.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default();
    let privacy_api_not_use = match field("privacy_api_not_use") {
        None => false,
        Some(Value::Bool(flag)) => *flag,
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        Some(_) => return Err(WxError::malformed_body("privacy_api_not_use must be a boolean")),
    };
    Ok(Submission {
        item_list: items,
        version_desc: text(field("version_desc"), "version_desc")?.unwrap_or_default(),
        feedback_info: text(field("feedback_info"), "feedback_info")?.unwrap_or_default(),
        feedback_stuff,
        preview_info,
        ugc_declare,
        privacy_api_not_use,
        order_path: text(field("order_path"), "order_path")?.filter(|p| !p.is_empty()),
    })
}

fn item_from_wire(item: &Value) -> Result<ReviewItem, WxError> {
    let object = item.as_object().ok_or_else(|| WxError::malformed_body("item_list holds objects"))?;
    let get = |name: &str| object.get(name).filter(|v| !v.is_null());
    Ok(ReviewItem {
        address: text(get("address"), "item_list.address")?,
        tag: text(get("tag"), "item_list.tag")?,
        first_class: text(get("first_class"), "item_list.first_class")?,
        second_class: text(get("second_class"), "item_list.second_class")?,
        third_class: text(get("third_class"), "item_list.third_class")?,
        first_id: int(get("first_id"), "item_list.first_id")?,
        second_id: int(get("second_id"), "item_list.second_id")?,
        third_id: int(get("third_id"), "item_list.third_id")?,
        title: text(get("title"), "item_list.title")?,
    })
}

fn text(value: Option<&Value>, name: &str) -> Result<Option<String>, WxError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(WxError::malformed_body(&format!("{name} must be a string"))),
    }
}

/// A number, or a string of digits (SDKs differ).
fn int(value: Option<&Value>, name: &str) -> Result<Option<i64>, WxError> {
    let bad = || WxError::malformed_body(&format!("{name} must be an integer"));
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

fn int_list(value: Option<&Value>, name: &str) -> Result<Vec<i64>, WxError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(values)) => {
            values.iter().map(|v| int(Some(v), name).map(Option::unwrap_or_default)).collect()
        }
        Some(_) => Err(WxError::malformed_body(&format!("{name} must be an array"))),
    }
}

fn string_list(value: Option<&Value>, name: &str) -> Result<Vec<String>, WxError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(values)) => {
            values.iter().map(|v| text(Some(v), name).map(Option::unwrap_or_default)).collect()
        }
        Some(_) => Err(WxError::malformed_body(&format!("{name} must be an array"))),
    }
}

/// The pages `app.json` declares, main package first, subpackage pages with their root
/// (`packages/order/pages/checkout/checkout`), as `get_page` lists them.
pub fn app_json_pages(app_json: &Value) -> Vec<String> {
    let strings = |value: Option<&Value>| -> Vec<String> {
        value
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(|p| p.trim_matches('/').to_owned()).collect())
            .unwrap_or_default()
    };
    let mut pages = strings(app_json.get("pages"));
    let subpackages = app_json.get("subpackages").or_else(|| app_json.get("subPackages"));
    for subpackage in subpackages.and_then(Value::as_array).into_iter().flatten() {
        let root = subpackage.get("root").and_then(Value::as_str).unwrap_or("").trim_matches('/');
        for page in strings(subpackage.get("pages")) {
            pages.push(if root.is_empty() { page } else { format!("{root}/{page}") });
        }
    }
    pages
}

/// The page part of an address (`pages/a/a?x=1` → `pages/a/a`), without a leading `/`.
fn page_of(address: &str) -> &str {
    address.split('?').next().unwrap_or("").trim_start_matches('/')
}

fn is_ugc_category(item: &ReviewItem) -> bool {
    [&item.first_class, &item.second_class, &item.third_class]
        .into_iter()
        .flatten()
        .any(|class| UGC_CATEGORY_WORDS.iter().any(|word| class.contains(word)))
}

fn too_long(text: &str, limit: usize) -> bool {
    text.chars().count() > limit
}

/// Checks what needs no store: counts, lengths, tags, titles, pages, the UGC declaration.
fn check_submission(submission: &Submission, pages: &[String]) -> Result<(), WxError> {
    if submission.item_list.len() > MAX_ITEMS {
        return Err(WxError::review_items_too_many());
    }
    for item in &submission.item_list {
        let address = item.address.as_deref().map(str::trim).unwrap_or("");
        if address.is_empty() {
            return Err(WxError::review_item_empty());
        }
        if address.len() > MAX_PATH_LEN || !pages.iter().any(|p| p == page_of(address)) {
            return Err(WxError::review_page_invalid(page_of(address)));
        }
        if let Some(tag) = item.tag.as_deref() {
            let tags: Vec<&str> = tag.split_whitespace().collect();
            if tags.len() > MAX_TAGS || tags.iter().any(|t| too_long(t, MAX_TAG_CHARS)) {
                return Err(WxError::review_tag_invalid());
            }
        }
        if item.title.as_deref().is_some_and(|t| too_long(t, MAX_TITLE_CHARS)) {
            return Err(WxError::review_title_invalid());
        }
        let classes = [&item.first_class, &item.second_class, &item.third_class];
        if classes.into_iter().flatten().any(|c| too_long(c, MAX_CLASS_CHARS)) {
            return Err(WxError::invalid_args("category names are at most 64 characters"));
        }
    }
    if too_long(&submission.version_desc, MAX_VERSION_DESC_CHARS) {
        return Err(WxError::review_text_too_long("version_desc is at most 500 characters"));
    }
    if too_long(&submission.feedback_info, MAX_FEEDBACK_INFO_CHARS) {
        return Err(WxError::review_text_too_long("feedback_info is at most 200 characters"));
    }
    let preview = &submission.preview_info;
    let media_ids =
        preview.pic_id_list.iter().chain(&preview.video_id_list).chain(&submission.feedback_stuff);
    for media_id in media_ids {
        if media_id.is_empty() || media_id.len() > MAX_MEDIA_ID_LEN {
            return Err(WxError::review_text_too_long("a media id is 1 to 128 characters"));
        }
    }
    if preview.pic_id_list.len() > MAX_PREVIEW_PICTURES {
        return Err(WxError::preview_info_too_many("at most 10 pictures"));
    }
    if preview.video_id_list.len() > MAX_PREVIEW_VIDEOS {
        return Err(WxError::preview_info_too_many("at most 5 videos"));
    }
    if submission.feedback_stuff.len() > MAX_FEEDBACK_STUFF {
        return Err(WxError::preview_info_too_many("feedback_stuff holds at most 5 images"));
    }
    if let Some(path) = submission.order_path.as_deref() {
        if path.len() > MAX_PATH_LEN || !pages.iter().any(|p| p == page_of(path)) {
            return Err(WxError::review_page_invalid(page_of(path)));
        }
    }
    match &submission.ugc_declare {
        Some(ugc) => check_ugc_declare(ugc)?,
        None if submission.item_list.iter().any(is_ugc_category) => return Err(WxError::ugc_declare_needed()),
        None => {}
    }
    Ok(())
}

fn check_ugc_declare(ugc: &UgcDeclare) -> Result<(), WxError> {
    if ugc.scene.is_empty() || ugc.scene.iter().any(|s| !(0..=5).contains(s)) {
        return Err(WxError::invalid_args("ugc_declare.scene holds 0 to 5"));
    }
    if ugc.method.iter().any(|m| !(1..=4).contains(m)) {
        return Err(WxError::invalid_args("ugc_declare.method holds 1 to 4"));
    }
    if !(0..=1).contains(&ugc.has_audit_team) {
        return Err(WxError::invalid_args("ugc_declare.has_audit_team is 0 or 1"));
    }
    if too_long(&ugc.other_scene_desc, MAX_DECLARE_CHARS) || too_long(&ugc.audit_desc, MAX_DECLARE_CHARS) {
        return Err(WxError::invalid_args("ugc_declare descriptions are at most 256 characters"));
    }
    Ok(())
}

impl Platform {
    /// The mini program an access token acts for (the wire side of the review endpoints).
    pub async fn app_of_token(&self, caller: &crate::tokens::TokenContext) -> Result<App, WxError> {
        self.store.app_by_key(caller.app).await?.ok_or_else(WxError::invalid_appid)
    }

    /// The mini program of a member with `needed` (the console and platform API side of the
    /// review endpoints; the wire side is the access token's app).
    pub async fn app_for_review(
        &self,
        actor: &Developer,
        appid: &str,
        needed: Option<MemberRole>,
    ) -> Result<App> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        if let Some(needed) = needed {
            role.ensure(needed)?;
        }
        Ok(app)
    }

    /// `POST /wxa/submit_audit`: submits the trial version with `submission`; `by` is the
    /// member who submitted (`None` for an access token). Returns the review (state
    /// `checking`; its checks job is queued) and the fee when it was over the monthly quota.
    pub async fn submit_for_review(
        &self,
        app: &App,
        submission: Submission,
        by: Option<DeveloperId>,
    ) -> Result<(Review, Option<ReviewFee>), WxError> {
        let trial =
            self.store.trial_version(app.key).await?.ok_or_else(WxError::must_commit_before_submit)?;
        let pages = self.trial_pages_of(&trial).await?;
        check_submission(&submission, &pages)?;
        self.check_submission_media(app.key, &submission).await?;

        let now = self.clock.now();
        let review = Review {
            id: ReviewId(0),
            app: app.key,
            version: trial.version,
            submission,
            state: ReviewState::Checking,
            reason: None,
            screenshots: Vec::new(),
            delayed_at: None,
            delay_reason: None,
            submitted_by: by,
            submitted_at: now,
            decided_at: None,
            expedited_at: None,
        };
        let config = &self.config.review;
        let quota = SubmitQuota {
            subject: app.created_by,
            month_start: month_start(now),
            limit: config.submit_quota_per_month,
            fee: (config.over_quota_policy == OverQuotaPolicy::Charge)
                .then(|| (config.fee_cents, config.fee_currency.clone())),
        };
        // The id is not known yet; the job finds its review by app (the one being checked).
        let job = checks_job(app.key, now);
        let (review, fee) = self.store.submit_review(&review, &quota, &job).await.map_err(|e| match e {
            StoreError::Refused(REVIEW_IN_PROGRESS) => WxError::review_in_progress(),
            StoreError::Refused(SUBMIT_QUOTA_USED) => WxError::submit_quota_reached(),
            StoreError::Refused(REVIEW_SUSPENDED) => WxError::submit_forbidden(),
            e => e.into(),
        })?;
        let actor = by.map_or(Actor::System, Actor::Developer);
        let detail = match &fee {
            Some(fee) => {
                format!("review {} (over quota: fee {} {})", review.id.0, fee.amount_cents, fee.currency)
            }
            None => format!("review {}", review.id.0),
        };
        self.audit(actor, "review.submit", app.appid.as_str(), &detail).await?;
        Ok((review, fee))
    }

    /// Every media id of the submission must be this app's, unexpired, of the right kind.
    async fn check_submission_media(&self, app: AppKey, submission: &Submission) -> Result<(), WxError> {
        let preview = &submission.preview_info;
        let wanted = preview
            .pic_id_list
            .iter()
            .chain(&submission.feedback_stuff)
            .map(|id| (id, MediaKind::Image))
            .chain(preview.video_id_list.iter().map(|id| (id, MediaKind::Video)));
        for (media_id, kind) in wanted {
            match self.media(app, media_id).await? {
                Some(media) if media.kind == kind => {}
                Some(_) => {
                    return Err(WxError::preview_info_invalid(&format!(
                        "{media_id} is not a {}",
                        kind.as_str()
                    )))
                }
                None => {
                    return Err(WxError::preview_info_invalid(&format!(
                        "media id {media_id} is unknown or expired"
                    )))
                }
            }
        }
        Ok(())
    }

    /// `GET /wxa/get_page`: the trial version's pages; 86001 without a trial version.
    pub async fn trial_pages(&self, app: AppKey) -> Result<Vec<String>, WxError> {
        let trial = self.store.trial_version(app).await?.ok_or_else(WxError::no_submitted_code)?;
        Ok(self.trial_pages_of(&trial).await?)
    }

    async fn trial_pages_of(&self, trial: &TrialVersion) -> Result<Vec<String>> {
        let app_json = self.version_app_json(&trial.version).await?;
        Ok(app_json.as_ref().map(app_json_pages).unwrap_or_default())
    }

    /// A version's `app.json`, read from its stored package (`None` if it has none).
    pub(crate) async fn version_app_json(
        &self,
        version: &crate::apps::versions::DevelopVersion,
    ) -> Result<Option<Value>> {
        let zip = self.blobs.get(&version.blob_key()).await.map_err(crate::blobs::store_error)?;
        let Some(zip) = zip else { return Ok(None) };
        let path = miniplat_package::PackagePath::parse("app.json").expect("a valid package path");
        let bytes = miniplat_package::read_package_file(&zip, &path, &self.config.packages)
            .map_err(|e| Error::PackageRejected(e.to_string()))?;
        Ok(bytes.and_then(|b| serde_json::from_slice(&b).ok()))
    }

    /// `get_auditstatus`: one review of the app; 85012 for any other id.
    pub async fn review_of(&self, app: AppKey, id: ReviewId) -> Result<Review, WxError> {
        self.store.review(app, id).await?.ok_or_else(WxError::invalid_audit_id)
    }

    /// `get_latest_auditstatus`: the app's newest review; 86001 when it never submitted.
    pub async fn latest_review(&self, app: AppKey) -> Result<Review, WxError> {
        self.store.latest_review(app).await?.ok_or_else(WxError::no_submitted_code)
    }

    /// The app's reviews, newest first (at most 50).
    pub async fn reviews_of(&self, app: AppKey) -> Result<Vec<Review>> {
        Ok(self.store.reviews(app, 50).await?)
    }

    /// One review with its automated checks' results, in the order they ran.
    pub async fn review_with_checks(&self, app: AppKey, id: ReviewId) -> Result<(Review, Vec<CheckResult>)> {
        let review = self.store.review(app, id).await?.ok_or(Error::NotFound("review"))?;
        let checks = self.store.review_checks(app, id).await?;
        Ok((review, checks))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pages() -> Vec<String> {
        vec!["pages/index/index".into(), "pkg/pages/a".into()]
    }

    fn with_item(item: Value) -> Result<(), WxError> {
        let submission = submission_from_wire(&json!({ "item_list": [item] }))?;
        check_submission(&submission, &pages())
    }

    #[test]
    fn pages_include_subpackages() {
        let app_json = json!({ "pages": ["pages/index/index"], "subPackages": [{ "root": "pkg/", "pages": ["pages/a"] }] });
        assert_eq!(app_json_pages(&app_json), pages());
    }

    #[test]
    fn items_are_checked_in_the_order_of_the_spec() {
        let code = |r: Result<(), WxError>| r.err().map(|e| e.errcode);
        assert_eq!(
            code(with_item(json!({ "address": "/pages/index/index?x=1", "tag": "a b", "title": "t" }))),
            None
        );
        assert_eq!(code(with_item(json!({ "tag": "a" }))), Some(85010));
        assert_eq!(code(with_item(json!({ "address": "pages/nope" }))), Some(85007));
        let many_tags = (0..11).map(|i| i.to_string()).collect::<Vec<_>>().join(" ");
        assert_eq!(code(with_item(json!({ "address": "pkg/pages/a", "tag": many_tags }))), Some(85006));
        assert_eq!(code(with_item(json!({ "address": "pkg/pages/a", "tag": "x".repeat(21) }))), Some(85006));
        assert_eq!(
            code(with_item(json!({ "address": "pkg/pages/a", "title": "题".repeat(33) }))),
            Some(85011)
        );
        assert_eq!(
            code(with_item(
                json!({ "address": "pkg/pages/a", "first_class": "社交", "second_class": "论坛" })
            )),
            Some(85094)
        );
        assert_eq!(code(with_item(json!({ "address": 5 }))), Some(47001));
        assert_eq!(
            code(with_item(json!({ "address": "pkg/pages/a", "first_id": "12", "second_id": null }))),
            None
        );
        let six = json!({ "item_list": vec![json!({ "address": "pkg/pages/a" }); 6] });
        assert_eq!(
            check_submission(&submission_from_wire(&six).unwrap(), &pages()).unwrap_err().errcode,
            85023
        );
    }

    #[test]
    fn ugc_declarations_are_checked() {
        let body = |ugc: Value| json!({ "item_list": [{ "address": "pkg/pages/a", "first_class": "社区" }], "ugc_declare": ugc });
        let check = |b: Value| check_submission(&submission_from_wire(&b).unwrap(), &pages());
        assert!(check(body(json!({ "scene": [1, 4], "method": [1], "has_audit_team": 1 }))).is_ok());
        assert_eq!(check(body(json!({ "scene": [9] }))).unwrap_err().errcode, 40097);
        assert_eq!(
            check(body(json!({ "scene": [1], "audit_desc": "x".repeat(257) }))).unwrap_err().errcode,
            40097
        );
    }

    #[test]
    fn lengths_and_counts_of_text_and_media() {
        let check = |b: Value| {
            check_submission(&submission_from_wire(&b).unwrap(), &pages()).err().map(|e| e.errcode)
        };
        assert_eq!(check(json!({ "version_desc": "x".repeat(501) })), Some(85051));
        assert_eq!(check(json!({ "feedback_info": "x".repeat(201) })), Some(85051));
        assert_eq!(check(json!({ "preview_info": { "pic_id_list": vec!["m"; 11] } })), Some(85093));
        assert_eq!(check(json!({ "preview_info": { "video_id_list": vec!["m"; 6] } })), Some(85093));
        assert_eq!(check(json!({ "feedback_stuff": "a|b|c|d|e|f" })), Some(85093));
        assert_eq!(check(json!({ "preview_info": { "pic_id_list": ["x".repeat(129)] } })), Some(85051));
        assert_eq!(check(json!({ "order_path": "pages/nope" })), Some(85007));
        assert_eq!(check(json!({ "order_path": "pages/index/index", "privacy_api_not_use": true })), None);
    }
}
