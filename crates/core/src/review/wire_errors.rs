//! The WeChat errors of submitting for review (`wechat-api.md` §7.12), kept beside the review
//! code rather than in `crate::wx` so the code-management errors stay together.

use crate::wx::WxError;

impl WxError {
    pub fn review_tag_invalid() -> Self {
        Self::new(85006, "tag format error: at most 10 space-separated tags of at most 20 characters")
    }
    pub fn review_page_invalid(page: &str) -> Self {
        Self::new(85007, format!("page path error: {page} is not a page of the trial version"))
    }
    pub fn review_in_progress() -> Self {
        Self::new(85009, "a version is already under review")
    }
    pub fn review_item_empty() -> Self {
        Self::new(85010, "item_list has an empty entry (address missing)")
    }
    pub fn review_title_invalid() -> Self {
        Self::new(85011, "title error: at most 32 characters")
    }
    pub fn invalid_audit_id() -> Self {
        Self::new(85012, "invalid audit id")
    }
    pub fn review_items_too_many() -> Self {
        Self::new(85023, "item_list may hold at most 5 items")
    }
    pub fn review_text_too_long(field: &str) -> Self {
        Self::new(85051, format!("version_desc or preview_info too long: {field}"))
    }
    pub fn submit_quota_reached() -> Self {
        Self::new(85085, "submit audit reach limit, please try later")
    }
    pub fn must_commit_before_submit() -> Self {
        Self::new(85086, "must commit before submit audit")
    }
    pub fn preview_info_invalid(detail: &str) -> Self {
        Self::new(85092, format!("invalid preview_info: {detail}"))
    }
    pub fn preview_info_too_many(detail: &str) -> Self {
        Self::new(85093, format!("too many preview media: {detail}"))
    }
    pub fn ugc_declare_needed() -> Self {
        Self::new(85094, "need add ugc declare")
    }
    pub fn no_submitted_code() -> Self {
        Self::new(86001, "no version has been submitted for review")
    }
    pub fn submit_forbidden() -> Self {
        Self::new(86007, "this account is not allowed to submit for review")
    }
    pub fn undo_quota_reached() -> Self {
        Self::new(87013, "undo audit reach limit (5 per day, 10 per month)")
    }
    pub fn not_in_audit_queue() -> Self {
        Self::new(89402, "this version is not in the audit queue")
    }
    pub fn already_expedited() -> Self {
        Self::new(89404, "this version has already been expedited")
    }
    pub fn speedup_quota_reached() -> Self {
        Self::new(89405, "the expedite quota of this month is used up")
    }
}
