//! Upload keys (like miniprogram-ci's): per mini program, created by admins, shown once, stored
//! hashed, optionally limited to client addresses, revocable. A key may do one thing: upload a
//! develop version into one of its robot slots (1–30).

use std::net::IpAddr;

use ipnet::IpNet;

use super::versions::{parse_robot, DevelopVersion, Upload, Uploader};
use super::{App, AppId, AppKey, MemberRole};
use crate::accounts::{Developer, DeveloperId};
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::Platform;
use crate::Timestamp;

const KEY_PREFIX: &str = "mpu_";

/// A stored upload key (never its plaintext).
#[derive(Debug, Clone, PartialEq)]
pub struct UploadKey {
    pub id: i64,
    pub app: AppKey,
    pub label: String,
    /// The first characters of the key, so people can tell keys apart.
    pub prefix: String,
    pub hash: String,
    /// Client addresses allowed to use the key; empty means any.
    pub allowed: Vec<IpNet>,
    pub created_by: DeveloperId,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

impl UploadKey {
    pub fn allows(&self, address: IpAddr) -> bool {
        self.allowed.is_empty() || self.allowed.iter().any(|net| net.contains(&address))
    }
}

/// A newly created key with its plaintext, which exists only here.
pub struct CreatedUploadKey {
    pub key: UploadKey,
    pub plaintext: String,
}

/// Whether a bearer token is an upload key (rather than an API key).
pub fn is_upload_key(token: &str) -> bool {
    token.starts_with(KEY_PREFIX)
}

/// Parses an IP allow-list entry: an exact address (`203.0.113.7`, `2001:db8::1`) or a CIDR
/// block (`10.0.0.0/8`, `2001:db8::/32`).
pub fn parse_allowed(entry: &str) -> Result<IpNet> {
    let entry = entry.trim();
    entry
        .parse::<IpNet>()
        .map(|net| net.trunc())
        .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| Error::invalid("allowed_ips", format!("{entry:?} is not an IP address or CIDR block")))
}

/// Labels name a key for people: 1–64 characters.
fn check_label(label: &str) -> Result<String> {
    let label = label.trim();
    if !(1..=64).contains(&label.chars().count()) || label.chars().any(char::is_control) {
        return Err(Error::invalid("label", "must be 1 to 64 characters"));
    }
    Ok(label.to_owned())
}

impl Platform {
    /// Creates an upload key; needs the admin role. The plaintext is returned this once.
    pub async fn create_upload_key(
        &self,
        actor: &Developer,
        appid: &str,
        label: &str,
        allowed: Vec<IpNet>,
    ) -> Result<CreatedUploadKey> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Admin)?;
        let plaintext = format!("{KEY_PREFIX}{}", miniplat_crypto::random::hex(24));
        let key = UploadKey {
            id: 0,
            app: app.key,
            label: check_label(label)?,
            prefix: plaintext[..KEY_PREFIX.len() + 8].to_owned(),
            hash: miniplat_crypto::sha256_hex(plaintext.as_bytes()),
            allowed,
            created_by: actor.id,
            created_at: self.clock.now(),
            revoked_at: None,
            last_used_at: None,
        };
        let key = self.store.create_upload_key(&key).await?;
        self.audit(Actor::Developer(actor.id), "upload_key.create", app.appid.as_str(), &key.prefix).await?;
        Ok(CreatedUploadKey { key, plaintext })
    }

    /// The app's upload keys, revoked ones included; any member may see them.
    pub async fn upload_keys(&self, actor: &Developer, appid: &str) -> Result<(App, Vec<UploadKey>)> {
        let (app, _) = self.app_for_member(actor, appid).await?;
        let keys = self.store.upload_keys(app.key).await?;
        Ok((app, keys))
    }

    /// Revokes an upload key; needs the admin role.
    pub async fn revoke_upload_key(&self, actor: &Developer, appid: &str, id: i64) -> Result<()> {
        actor.ensure_active()?;
        let (app, role) = self.app_for_member(actor, appid).await?;
        role.ensure(MemberRole::Admin)?;
        if !self.store.revoke_upload_key(app.key, id, self.clock.now()).await? {
            return Err(Error::NotFound("upload key"));
        }
        self.audit(Actor::Developer(actor.id), "upload_key.revoke", app.appid.as_str(), &id.to_string()).await
    }

    /// The live upload key `token` names, used from `client` (which its allow-list must admit).
    /// Checked before an upload's body is read.
    pub async fn authenticate_upload_key(&self, token: &str, client: Option<IpAddr>) -> Result<UploadKey> {
        let key = self
            .store
            .upload_key_by_hash(&miniplat_crypto::sha256_hex(token.as_bytes()))
            .await?
            .filter(|k| k.revoked_at.is_none())
            .ok_or(Error::Unauthenticated)?;
        if !key.allowed.is_empty() && !client.is_some_and(|address| key.allows(address)) {
            return Err(Error::forbidden("this upload key may not be used from this address"));
        }
        Ok(key)
    }

    /// Uploads with an authenticated upload key: the key must belong to `appid`; the version
    /// goes into robot slot `robot`.
    pub async fn upload_with_key(
        &self,
        key: &UploadKey,
        appid: &str,
        robot: Option<i64>,
        upload: Upload<'_>,
    ) -> Result<(DevelopVersion, miniplat_package::Report)> {
        let app = self.store.app_by_key(key.app).await?.ok_or(Error::NotFound("mini program"))?;
        if AppId::parse(appid).as_ref() != Some(&app.appid) {
            return Err(Error::forbidden("this upload key belongs to another mini program"));
        }
        let robot =
            parse_robot(robot.ok_or_else(|| Error::invalid("robot", "is required with an upload key"))?)?;
        self.store.touch_upload_key(key.id, self.clock.now()).await?;
        self.store_upload(&app, Uploader::Robot { key_id: key.id, robot }, upload).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_entries_are_addresses_or_blocks() {
        assert_eq!(parse_allowed("203.0.113.7").unwrap().to_string(), "203.0.113.7/32");
        assert_eq!(parse_allowed(" 10.1.2.3/8 ").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(parse_allowed("2001:db8::1").unwrap().to_string(), "2001:db8::1/128");
        assert_eq!(parse_allowed("2001:db8::/32").unwrap().to_string(), "2001:db8::/32");
        assert!(parse_allowed("example.com").is_err());
        assert!(parse_allowed("10.0.0.0/33").is_err());
    }

    #[test]
    fn keys_allow_listed_addresses_only() {
        let mut key = UploadKey {
            id: 1,
            app: AppKey(1),
            label: "ci".into(),
            prefix: "mpu_".into(),
            hash: String::new(),
            allowed: Vec::new(),
            created_by: DeveloperId(1),
            created_at: 0,
            revoked_at: None,
            last_used_at: None,
        };
        let inside: IpAddr = "10.9.8.7".parse().unwrap();
        let outside: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(key.allows(outside), "no list: any address");
        key.allowed = vec![parse_allowed("10.0.0.0/8").unwrap(), parse_allowed("2001:db8::1").unwrap()];
        assert!(key.allows(inside));
        assert!(!key.allows(outside));
        assert!(key.allows("2001:db8::1".parse().unwrap()));
        assert!(!key.allows("2001:db8::2".parse().unwrap()));
    }
}
