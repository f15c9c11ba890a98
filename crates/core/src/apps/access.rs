//! Who may open which version of a mini program (clause 2.3). The surfaces that open a mini
//! program (the web host, QR codes, links) ask [`Platform::access_to`] and show the refusal.

use super::App;
use crate::accounts::{DeveloperId, EndUserId};
use crate::error::Result;
use crate::Platform;

/// Which version of a mini program is asked for (`env_version` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvVersion {
    Release,
    Trial,
    Develop,
}

impl EnvVersion {
    /// The wire names: `release`, `trial`, `develop`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "release" => Some(Self::Release),
            "trial" => Some(Self::Trial),
            "develop" => Some(Self::Develop),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Release => "release",
            Self::Trial => "trial",
            Self::Develop => "develop",
        }
    }
}

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    EndUser(EndUserId),
    Developer(DeveloperId),
}

/// The answer: open it, or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Open,
    /// No released version exists (yet).
    NotReleased,
    /// The viewer may see the trial version, but none is chosen.
    NoTrialVersion,
    /// Only members (and, for the trial version, testers) may open it.
    NotPermitted,
    /// The developer paused the service (`change_visitstatus` close).
    Paused,
    /// Platform staff banned the released mini program (clause 2.5).
    Banned,
}

impl Platform {
    /// Decides whether `viewer` may open `version` of `app`. A released version is open to
    /// everyone unless paused or banned ([`Platform::served_version`] says which version each
    /// viewer gets during a gray release). Permission is checked before the
    /// version's existence, so outsiders learn nothing about unreleased work.
    pub async fn access_to(&self, app: &App, version: EnvVersion, viewer: &Viewer) -> Result<Access> {
        match version {
            EnvVersion::Release => {
                if self.store.live_release(app.key).await?.is_none() {
                    Ok(Access::NotReleased)
                } else if self.ban_in_force(app).await?.is_some() {
                    Ok(Access::Banned)
                } else if self.store.release_settings(app.key).await?.visit_paused {
                    Ok(Access::Paused)
                } else {
                    Ok(Access::Open)
                }
            }
            EnvVersion::Develop => {
                Ok(if self.is_member(app, viewer).await? { Access::Open } else { Access::NotPermitted })
            }
            EnvVersion::Trial => {
                let permitted = match viewer {
                    Viewer::Anonymous => false,
                    Viewer::Developer(_) => self.is_member(app, viewer).await?,
                    Viewer::EndUser(user) => self.store.is_tester(app.key, *user).await?,
                };
                if !permitted {
                    Ok(Access::NotPermitted)
                } else if self.store.trial_version(app.key).await?.is_none() {
                    Ok(Access::NoTrialVersion)
                } else {
                    Ok(Access::Open)
                }
            }
        }
    }

    async fn is_member(&self, app: &App, viewer: &Viewer) -> Result<bool> {
        Ok(match viewer {
            Viewer::Developer(id) => self.store.member_role(app.key, *id).await?.is_some(),
            Viewer::Anonymous | Viewer::EndUser(_) => false,
        })
    }
}
