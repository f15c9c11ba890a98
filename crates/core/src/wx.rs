//! The WeChat-compatible error contract (`wechat-api.md` §1.1): numeric `errcode`s with their
//! messages. The HTTP layer adds the ` rid: …` suffix and always answers HTTP 200.

/// A WeChat API error: `{"errcode": N, "errmsg": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WxError {
    pub errcode: i64,
    pub errmsg: String,
}

impl WxError {
    pub fn new(errcode: i64, errmsg: impl Into<String>) -> Self {
        Self { errcode, errmsg: errmsg.into() }
    }

    pub fn system_busy() -> Self {
        Self::new(-1, "system error")
    }
    pub fn invalid_credential(detail: &str) -> Self {
        Self::new(40001, format!("invalid credential, {detail}"))
    }
    pub fn invalid_grant_type() -> Self {
        Self::new(40002, "invalid grant_type")
    }
    pub fn invalid_appid() -> Self {
        Self::new(40013, "invalid appid")
    }
    pub fn invalid_appsecret() -> Self {
        Self::new(40125, "invalid appsecret")
    }
    pub fn missing_access_token() -> Self {
        Self::new(41001, "access_token missing")
    }
    pub fn missing_appid() -> Self {
        Self::new(41002, "appid missing")
    }
    pub fn missing_secret() -> Self {
        Self::new(41004, "appsecret missing")
    }
    /// SDKs (EasyWeChat 6) look for `access_token expired` in the body.
    pub fn access_token_expired() -> Self {
        Self::new(42001, "access_token expired")
    }
    pub fn require_post() -> Self {
        Self::new(43002, "require POST method")
    }
    pub fn empty_post_body() -> Self {
        Self::new(44002, "empty post data")
    }
    pub fn daily_quota_reached() -> Self {
        Self::new(45009, "reach max api daily quota limit")
    }
    pub fn minute_quota_reached() -> Self {
        Self::new(45011, "api minute-quota reach limit  mustslower  retry next minute")
    }
    pub fn malformed_body(detail: &str) -> Self {
        Self::new(47001, format!("data format error: {detail}"))
    }
    pub fn clear_quota_limit() -> Self {
        Self::new(48006, "api forbidden for too many times, clear quota limit reached")
    }
    pub fn account_frozen() -> Self {
        Self::new(50007, "account frozen")
    }
    pub fn cgi_path_not_found() -> Self {
        Self::new(76021, "cgi_path not found, please check")
    }
    pub fn cgi_path_not_owned() -> Self {
        Self::new(76022, "could not use this cgi_path, no permission")
    }
    pub fn rid_not_found() -> Self {
        Self::new(76001, "rid not found")
    }
    pub fn rid_malformed() -> Self {
        Self::new(76002, "rid is error")
    }
    pub fn rid_not_owned() -> Self {
        Self::new(76003, "rid is not belong to this account")
    }
    pub fn rid_too_old() -> Self {
        Self::new(76004, "rid is stale, only rids within 7 days can be queried")
    }
    pub fn invalid_scene() -> Self {
        Self::new(40129, "invalid scene")
    }
    pub fn invalid_path(detail: &str) -> Self {
        Self::new(40159, format!("invalid length for path, or the data is not json string: {detail}"))
    }
    pub fn invalid_width() -> Self {
        Self::new(40189, "invalid width")
    }
    pub fn scene_too_long() -> Self {
        Self::new(40169, "invalid length for scene, or the data is not json string")
    }
    pub fn invalid_link_path() -> Self {
        Self::new(40165, "invalid weapp pagepath")
    }
    pub fn invalid_link_query() -> Self {
        Self::new(40212, "invalid query, must be k1=v1&k2=v2 of allowed characters")
    }
    pub fn link_rate_reached() -> Self {
        Self::new(44990, "reach max api rate limit of scheme and url link generation per second")
    }
    pub fn link_daily_limit_reached() -> Self {
        Self::new(44993, "reach max daily generation limit of scheme and url link")
    }
    pub fn no_released_version() -> Self {
        Self::new(85079, "miniprogram has no online release")
    }
    pub fn invalid_link_expiry() -> Self {
        Self::new(85401, "time limit between 1min and 30days")
    }
    pub fn invalid_link_env_version() -> Self {
        Self::new(85402, "invalid env_version")
    }
    pub fn link_not_found() -> Self {
        Self::new(85403, "scheme or url link not exist")
    }
    pub fn invalid_page(detail: &str) -> Self {
        Self::new(41030, format!("invalid page: {detail}"))
    }
    pub fn code_limit_reached() -> Self {
        Self::new(45029, "qrcode count out of limit")
    }
    pub fn reserved_scancode_time() -> Self {
        Self::new(85096, "not allow include scancode_time field")
    }
    pub fn invalid_args(detail: &str) -> Self {
        Self::new(40097, format!("invalid args: {detail}"))
    }
    pub fn tester_not_found() -> Self {
        Self::new(85001, "user not exist or not searchable")
    }
    pub fn tester_app_limit() -> Self {
        Self::new(85002, "the number of testers of this mini program has reached its limit")
    }
    pub fn tester_user_limit() -> Self {
        Self::new(85003, "this user is a tester of too many mini programs")
    }
    pub fn tester_already_bound() -> Self {
        Self::new(85004, "this user is already a tester")
    }
    pub fn interface_under_review() -> Self {
        Self::new(61031, "an application for this interface is under review")
    }
    pub fn video_not_mp4() -> Self {
        Self::new(61032, "video_list must be an mp4 video")
    }
    pub fn missing_interface_args() -> Self {
        Self::new(61034, "api_name, content and one of url_list, pic_list or video_list are required")
    }
    pub fn interface_needs_no_application() -> Self {
        Self::new(61035, "this api does not need applying")
    }
    /// `get_code_privacy_info` before any code was uploaded.
    pub fn code_privacy_check_pending() -> Self {
        Self::new(61039, "the privacy check of the code is not finished; upload code first")
    }
    pub fn invalid_media_id() -> Self {
        Self::new(40007, "invalid media_id")
    }
    /// `setprivacysetting` without a required `owner_setting` field.
    pub fn owner_setting_incomplete(field: &str) -> Self {
        Self::new(86069, format!("owner_setting required field missing: {field}"))
    }
    pub fn invalid_privacy_ver() -> Self {
        Self::new(86071, "invalid privacy_ver")
    }
    pub fn invalid_store_expire_timestamp() -> Self {
        Self::new(86072, "invalid store_expire_timestamp")
    }
    /// `privacy_ver` 1 before any version with a privacy guide was released.
    pub fn no_live_privacy_guide() -> Self {
        Self::new(86074, "no privacy guide is live; set privacy_ver 2 and release a version")
    }
    pub fn invalid_code() -> Self {
        Self::new(40029, "invalid code")
    }
    pub fn code_been_used() -> Self {
        Self::new(40163, "code been used")
    }
    pub fn code_blocked() -> Self {
        Self::new(40226, "code blocked, high risk user")
    }
    pub fn missing_code() -> Self {
        Self::new(41008, "missing code")
    }
    /// A phone-number code minted for another mini program.
    pub fn code_of_other_appid() -> Self {
        Self::new(40013, "invalid appid, the code was not issued to this appid")
    }
    pub fn session_key_missing() -> Self {
        Self::new(87007, "session_key is not existed or expired")
    }
    pub fn invalid_sig_method() -> Self {
        Self::new(87008, "invalid sig_method")
    }
    pub fn invalid_signature() -> Self {
        Self::new(87009, "invalid signature")
    }
    pub fn invalid_openid() -> Self {
        Self::new(40003, "invalid openid")
    }
    pub fn openid_not_of_app() -> Self {
        Self::new(43104, "appid does not match openid")
    }
    /// The per-minute limit of the content-security APIs (§5.1, §12.1).
    pub fn sec_check_minute_limit() -> Self {
        Self::new(44991, "api minute-quota reach limit, try again next minute")
    }
    pub fn risky_content() -> Self {
        Self::new(87014, "risky content")
    }
    pub fn too_many_domains(limit: usize) -> Self {
        Self::new(85016, format!("domain count over limit, at most {limit} per list"))
    }
    /// §12.1 files `modify_domain`'s monthly limit under 85016.
    pub fn domain_modification_limit(limit: i64) -> Self {
        Self::new(85016, format!("domain modification limit reached, at most {limit} changes a month"))
    }
    pub fn no_domain_change() -> Self {
        Self::new(85017, "no domain to modify after filtered, please confirm the domain has been set")
    }
    pub fn no_webview_domain_change() -> Self {
        Self::new(89019, "webview domain not change")
    }
    pub fn too_many_webview_domains(limit: usize) -> Self {
        Self::new(89029, format!("webview domain count over limit, at most {limit}"))
    }
    // Temporary media (`/cgi-bin/media/upload`).
    pub fn invalid_media_type() -> Self {
        Self::new(40004, "invalid media type")
    }
    pub fn invalid_file_type() -> Self {
        Self::new(40005, "invalid file type, must be a JPEG, PNG, GIF, BMP or WebP image or an MP4 video")
    }
    pub fn invalid_media_size() -> Self {
        Self::new(40006, "invalid media size, images and videos may be at most 10 MB")
    }
    // Categories (§8.2).
    pub fn category_monthly_limit_reached() -> Self {
        Self::new(53300, "the monthly limit of category additions is reached")
    }
    pub fn category_limit_reached() -> Self {
        Self::new(53301, "too many categories")
    }
    pub fn category_subject_not_allowed() -> Self {
        Self::new(53302, "the subject type of the mini program may not take this category")
    }
    pub fn category_invalid_params(detail: &str) -> Self {
        Self::new(53303, format!("invalid params: {detail}"))
    }
    pub fn category_duplicate() -> Self {
        Self::new(53304, "the category is already added")
    }
    pub fn category_only_qualifications() -> Self {
        Self::new(53306, "only the qualifications of a category may be modified, and this one needs none")
    }
    pub fn category_not_rejected() -> Self {
        Self::new(53307, "only rejected categories can be modified")
    }
    pub fn category_reviewing() -> Self {
        Self::new(53308, "a category under review cannot be deleted")
    }
    pub fn category_needs_material(qualification: &str) -> Self {
        Self::new(53311, format!("need material: {qualification}"))
    }
}

impl From<crate::error::Error> for WxError {
    /// Domain failures inside a WeChat endpoint surface as "system error" (they are logged).
    fn from(error: crate::error::Error) -> Self {
        tracing::error!(%error, "domain error in a WeChat endpoint");
        Self::system_busy()
    }
}

impl From<crate::error::StoreError> for WxError {
    fn from(error: crate::error::StoreError) -> Self {
        tracing::error!(%error, "storage error in a WeChat endpoint");
        Self::system_busy()
    }
}
