//! [`Platform`]: the ports plus the in-memory state the use cases share. Each concept module
//! adds its use cases as `impl Platform` blocks.

use std::sync::Arc;

use miniplat_crypto::seal::{MasterKey, Sealer};
use miniplat_crypto::signed::LinkSigner;

use crate::accounts::identities::IdentityKeys;
use crate::accounts::login::LoginKeys;
use crate::accounts::sign_in::AttemptLimiter;
use crate::blobs::Blobs;
use crate::clock::Clock;
use crate::config::PlatformConfig;
use crate::mail::Mailer;
use crate::push::transport::PushTransport;
use crate::quota::QuotaMeter;
use crate::store::Store;
use crate::tokens::TokenCache;

/// The ports a platform runs on.
pub struct Ports {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn Blobs>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    /// Where pushes to developers' servers leave.
    pub push: Arc<dyn PushTransport>,
}

pub struct Platform {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn Blobs>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    pub push_transport: Arc<dyn PushTransport>,
    pub config: PlatformConfig,
    pub(crate) links: LinkSigner,
    pub(crate) subject_sealer: Sealer,
    /// Seals push Tokens and EncodingAESKeys.
    pub(crate) push_sealer: Sealer,
    pub(crate) stable_token_key: [u8; 32],
    /// Derives testers' `userstr`s.
    pub(crate) tester_key: [u8; 32],
    /// Buckets users of a gray release.
    pub(crate) gray_key: [u8; 32],
    /// Derive openids and unionids.
    pub(crate) identity_keys: IdentityKeys,
    /// Seal session keys; derive user encrypt keys.
    pub(crate) login_keys: LoginKeys,
    /// `jscode2session` logins per end user (45011); shared with the login's store unit of work.
    pub(crate) login_limiter: Arc<AttemptLimiter>,
    pub(crate) sign_in_limiter: AttemptLimiter,
    /// Account emails (verification, reset) per address.
    pub(crate) mail_limiter: AttemptLimiter,
    pub(crate) tokens: TokenCache,
    pub(crate) quota: QuotaMeter,
    /// Recently rendered code images.
    pub(crate) code_images: crate::codes::render::ImageCache,
    /// Scheme and link generations of the current second, per app (44990).
    pub(crate) link_rate: crate::codes::links::GenerationRate,
    /// The compiled content-security term list.
    pub(crate) content_terms_cache: crate::content::TermCache,
}

impl Platform {
    pub fn new(ports: Ports, master_key: &MasterKey, config: PlatformConfig) -> Self {
        Self {
            store: ports.store,
            blobs: ports.blobs,
            mailer: ports.mailer,
            clock: ports.clock,
            push_transport: ports.push,
            links: LinkSigner::new(master_key.derive("links")),
            subject_sealer: master_key.sealer("subject-details"),
            push_sealer: master_key.sealer("push-config"),
            stable_token_key: master_key.derive("stable-access-token"),
            tester_key: master_key.derive("tester-userstr"),
            gray_key: master_key.derive("gray-release-bucket"),
            identity_keys: IdentityKeys {
                openid: master_key.derive("openid"),
                unionid: master_key.derive("unionid"),
            },
            login_keys: LoginKeys {
                session_keys: master_key.sealer("session-key"),
                encrypt_keys: master_key.derive("user-encrypt-key"),
            },
            login_limiter: Arc::new(AttemptLimiter::new(config.logins_per_user_per_minute)),
            sign_in_limiter: AttemptLimiter::new(config.sign_in_attempts_per_minute),
            mail_limiter: AttemptLimiter::new(config.account_emails_per_minute),
            tokens: TokenCache::default(),
            quota: QuotaMeter::default(),
            code_images: Default::default(),
            link_rate: Default::default(),
            content_terms_cache: Default::default(),
            config,
        }
    }
}
