//! Members of a mini program and their roles; people join by an emailed invitation.

use serde::{Deserialize, Serialize};

use super::{App, AppKey};
use crate::accounts::{Developer, DeveloperId};
use crate::audit::Actor;
use crate::email::Email;
use crate::error::{Conflict, Error, Result, StoreError};
use crate::mail::OutgoingMail;
use crate::Platform;
use crate::Timestamp;

/// A member's role. Admins manage members and secrets; developers upload code; operators run
/// the mini program's operations; analysts read data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Admin,
    Developer,
    Operator,
    Analyst,
}

impl MemberRole {
    pub const ALL: [Self; 4] = [Self::Admin, Self::Developer, Self::Operator, Self::Analyst];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Developer => "developer",
            Self::Operator => "operator",
            Self::Analyst => "analyst",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// Refuses a member whose role is not `needed` (admins may do everything).
    pub fn ensure(self, needed: MemberRole) -> Result<()> {
        if self == MemberRole::Admin || self == needed {
            Ok(())
        } else {
            Err(Error::forbidden(format!("this needs the {} role in the mini program", needed.as_str())))
        }
    }
}

#[derive(Debug, Clone)]
pub struct Member {
    pub app: AppKey,
    pub developer_id: DeveloperId,
    pub email: Email,
    pub role: MemberRole,
    pub added_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: i64,
    pub app: AppKey,
    pub email: Email,
    pub role: MemberRole,
    pub token_hash: String,
    pub invited_by: DeveloperId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
}

impl Platform {
    pub async fn members(
        &self,
        actor: &Developer,
        appid: &str,
    ) -> Result<(App, Vec<Member>, Vec<Invitation>)> {
        let (app, _) = self.app_for_member(actor, appid).await?;
        let members = self.store.members(app.key).await?;
        let now = self.clock.now();
        let pending = self
            .store
            .invitations(app.key)
            .await?
            .into_iter()
            .filter(|i| i.accepted_at.is_none() && i.expires_at > now)
            .collect();
        Ok((app, members, pending))
    }

    /// Invites `email` to join with `role`; returns the acceptance link (also emailed).
    pub async fn invite_member(
        &self,
        actor: &Developer,
        appid: &str,
        email: &str,
        role: MemberRole,
    ) -> Result<String> {
        actor.ensure_active()?;
        let (app, actor_role) = self.app_for_member(actor, appid).await?;
        actor_role.ensure(MemberRole::Admin)?;
        let email = Email::parse(email)?;
        if self.store.members(app.key).await?.iter().any(|m| m.email == email) {
            return Err(Error::Conflict(Conflict::AlreadyMember));
        }
        let token = miniplat_crypto::random::hex(24);
        let now = self.clock.now();
        let invitation = Invitation {
            id: 0,
            app: app.key,
            email: email.clone(),
            role,
            token_hash: miniplat_crypto::sha256_hex(token.as_bytes()),
            invited_by: actor.id,
            created_at: now,
            expires_at: now + self.config.invitation_ttl_secs,
            accepted_at: None,
        };
        self.store.create_invitation(&invitation).await?;
        let link = format!("{}/console/invitations/{token}", self.config.public_url);
        self.mailer
            .send(OutgoingMail::member_invitation(&email, app.name.as_str(), role.as_str(), &link))
            .await
            .map_err(|e| Error::Store(StoreError::Backend(format!("mail: {e}"))))?;
        self.audit(
            Actor::Developer(actor.id),
            "member.invite",
            app.appid.as_str(),
            &format!("{email} as {}", role.as_str()),
        )
        .await?;
        Ok(link)
    }

    /// Accepts an invitation for the signed-in developer, whose email must be the invited one.
    pub async fn accept_invitation(&self, developer: &Developer, token: &str) -> Result<App> {
        developer.ensure_active()?;
        let hash = miniplat_crypto::sha256_hex(token.as_bytes());
        let invitation = self.store.invitation_by_hash(&hash).await?.ok_or(Error::LinkInvalid)?;
        if invitation.accepted_at.is_some() {
            return Err(Error::LinkInvalid);
        }
        if invitation.expires_at <= self.clock.now() {
            return Err(Error::LinkExpired);
        }
        if invitation.email != developer.email {
            return Err(Error::forbidden(format!(
                "this invitation was sent to {}; sign in with that account",
                invitation.email
            )));
        }
        let member = Member {
            app: invitation.app,
            developer_id: developer.id,
            email: developer.email.clone(),
            role: invitation.role,
            added_at: self.clock.now(),
        };
        match self.store.accept_invitation(invitation.id, &member).await {
            Ok(()) => {}
            Err(StoreError::UniqueViolation) => return Err(Error::Conflict(Conflict::AlreadyMember)),
            Err(e) => return Err(e.into()),
        }
        let app = self.store.app_by_key(invitation.app).await?.ok_or(Error::NotFound("mini program"))?;
        self.audit(
            Actor::Developer(developer.id),
            "member.join",
            app.appid.as_str(),
            invitation.role.as_str(),
        )
        .await?;
        Ok(app)
    }

    /// Changes a member's role or removes them (`role = None`). The last admin stays.
    pub async fn set_member_role(
        &self,
        actor: &Developer,
        appid: &str,
        member: DeveloperId,
        role: Option<MemberRole>,
    ) -> Result<()> {
        actor.ensure_active()?;
        let (app, actor_role) = self.app_for_member(actor, appid).await?;
        actor_role.ensure(MemberRole::Admin)?;
        let members = self.store.members(app.key).await?;
        let target = members.iter().find(|m| m.developer_id == member).ok_or(Error::NotFound("member"))?;
        let admins = members.iter().filter(|m| m.role == MemberRole::Admin).count();
        if target.role == MemberRole::Admin && role != Some(MemberRole::Admin) && admins <= 1 {
            return Err(Error::Conflict(Conflict::LastAdmin));
        }
        self.store.set_member_role(app.key, member, role).await?;
        let detail = role.map_or("removed", MemberRole::as_str);
        self.audit(
            Actor::Developer(actor.id),
            "member.set_role",
            app.appid.as_str(),
            &format!("developer:{} {detail}", member.0),
        )
        .await
    }
}
