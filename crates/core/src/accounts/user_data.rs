//! Open data (`wechat-api.md` §3.5–3.6): what a host hands a mini program's front end about its
//! user — the profile as `rawData` + `signature` and as `encryptedData` + `iv`, and the phone
//! number as a single-use code the mini program's server trades with `getuserphonenumber` (plus
//! the legacy `encryptedData`). Everything is produced with the user's current session key, so
//! the user must have logged in to the mini program first.
//!
//! [`Platform::user_profile_data`] and [`Platform::mint_phone_code`] release data only through
//! the consent gate ([`Platform::ensure_consented`]): the privacy guide of the version in use
//! must declare `UserInfo` / `PhoneNumber` and the user must have agreed to its current version.

use serde_json::{json, Value};

use super::identities::ServiceUser;
use super::login::CodeKind;
use super::{EndUser, Phone};
use crate::apps::access::EnvVersion;
use crate::apps::App;
use crate::error::{Error, Result};
use crate::tokens::TokenContext;
use crate::wx::WxError;
use crate::Platform;

/// `wx.getUserProfile`'s answer.
#[derive(Debug, Clone)]
pub struct ProfileData {
    pub user_info: Value,
    pub raw_data: String,
    pub signature: String,
    pub encrypted_data: String,
    pub iv: String,
}

/// The `getPhoneNumber` button's answer: the code for the server, and the legacy encrypted form.
#[derive(Debug, Clone)]
pub struct PhoneCode {
    pub code: String,
    pub encrypted_data: String,
    pub iv: String,
}

/// `phone_info` of `getuserphonenumber`.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneInfo {
    pub phone: Phone,
    pub appid: String,
    pub timestamp: i64,
}

impl PhoneInfo {
    /// The wire object (camelCase keys, `countryCode` a string).
    pub fn to_json(&self) -> Value {
        json!({
            "phoneNumber": self.phone.wechat_phone_number(),
            "purePhoneNumber": self.phone.national(),
            "countryCode": self.phone.country_code(),
            "watermark": { "timestamp": self.timestamp, "appid": self.appid },
        })
    }
}

fn not_logged_in() -> Error {
    Error::forbidden("the user has not logged in to this mini program (call wx.login first)")
}

impl Platform {
    /// The mini program, the user's service-user record and current session key, for producing
    /// open data of kind `privacy_key`; refused unless the user may open the version, the
    /// mini program declared that data and the user agreed to its privacy guide, and the user
    /// has logged in.
    async fn open_data_context(
        &self,
        appid: &str,
        env: EnvVersion,
        user: &EndUser,
        privacy_key: &str,
    ) -> Result<(App, ServiceUser, String)> {
        let app = self.app_open_to(appid, env, user.id).await?;
        self.ensure_consented(&app, env, user.id, privacy_key).await?;
        let service_user = self.store.service_user(app.key, user.id).await?.ok_or_else(not_logged_in)?;
        let session_key = self.open_session_key(&service_user).ok_or_else(not_logged_in)?;
        Ok((app, service_user, session_key))
    }

    fn encrypt_open_data(&self, session_key: &str, mut data: Value, app: &App) -> Result<(String, String)> {
        data["watermark"] = json!({ "appid": app.appid.as_str(), "timestamp": self.clock.now() });
        let iv = miniplat_crypto::open_data::new_iv();
        let encrypted = miniplat_crypto::open_data::encrypt(session_key, &iv, data.to_string().as_bytes())
            .map_err(|_| Error::Store(crate::error::StoreError::Backend("unusable session key".into())))?;
        Ok((encrypted, iv))
    }

    /// `wx.getUserProfile`: the user's public profile, signed and encrypted for the mini program.
    pub async fn user_profile_data(
        &self,
        appid: &str,
        env: EnvVersion,
        user: &EndUser,
    ) -> Result<ProfileData> {
        let (app, service_user, session_key) = self.open_data_context(appid, env, user, "UserInfo").await?;
        // Location and gender are not collected here; WeChat sends the same neutral defaults.
        let user_info = json!({
            "nickName": user.nickname,
            "avatarUrl": "",
            "gender": 0,
            "language": "",
            "city": "",
            "province": "",
            "country": "",
        });
        let raw_data = user_info.to_string();
        let signature = miniplat_crypto::open_data::raw_data_signature(&raw_data, &session_key);
        let mut private = user_info.clone();
        private["openId"] = json!(service_user.openid);
        private["unionId"] = json!(service_user.unionid);
        let (encrypted_data, iv) = self.encrypt_open_data(&session_key, private, &app)?;
        Ok(ProfileData { user_info, raw_data, signature, encrypted_data, iv })
    }

    /// The `getPhoneNumber` button: a single-use, 5-minute code for the user's phone number in
    /// this mini program, and the legacy `encryptedData` of it.
    pub async fn mint_phone_code(&self, appid: &str, env: EnvVersion, user: &EndUser) -> Result<PhoneCode> {
        let phone =
            user.phone.clone().ok_or_else(|| Error::invalid("phone", "the user has no phone number"))?;
        let (app, _, session_key) = self.open_data_context(appid, env, user, "PhoneNumber").await?;
        let code = self.mint_code(CodeKind::Phone, app.key, user.id).await?;
        let legacy = json!({
            "phoneNumber": phone.wechat_phone_number(),
            "purePhoneNumber": phone.national(),
            "countryCode": phone.country_code(),
        });
        let (encrypted_data, iv) = self.encrypt_open_data(&session_key, legacy, &app)?;
        Ok(PhoneCode { code, encrypted_data, iv })
    }

    /// `POST /wxa/business/getuserphonenumber`: the phone number behind a phone code. 40013 for
    /// a code of another mini program, 40029 for an unknown, expired or used code, or one of
    /// another user than `openid` names.
    pub async fn phone_number(
        &self,
        caller: &TokenContext,
        code: &str,
        openid: Option<&str>,
    ) -> Result<PhoneInfo, WxError> {
        if code.is_empty() || code.len() > 128 {
            return Err(WxError::invalid_code());
        }
        let expected_user = match openid.filter(|o| !o.is_empty()) {
            Some(openid) => Some(
                self.store
                    .service_user_by_openid(caller.app, openid)
                    .await?
                    .ok_or_else(WxError::invalid_code)?
                    .user,
            ),
            None => None,
        };
        let user = match self.take_code(CodeKind::Phone, code, caller.app, expected_user).await {
            // A phone code works once; its reuse is an invalid code, as documented.
            Err(error) if error.errcode == WxError::code_been_used().errcode => Err(WxError::invalid_code()),
            other => other,
        }?;
        let user = self.store.end_user_by_id(user).await?.ok_or_else(WxError::invalid_code)?;
        // The number as it is now: a user who removed it meanwhile shares nothing.
        let phone = user.phone.ok_or_else(WxError::invalid_code)?;
        Ok(PhoneInfo { phone, appid: caller.appid.as_str().to_owned(), timestamp: self.clock.now() })
    }
}
