//! Outgoing email as a port, and the platform's messages. The binary supplies the transport
//! (SMTP, or `.eml` files in the data directory's outbox by default).

use async_trait::async_trait;

use crate::email::Email;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: Email,
    pub subject: String,
    pub body: String,
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: OutgoingMail) -> Result<(), String>;
}

impl OutgoingMail {
    pub fn verify_email(to: &Email, link: &str) -> Self {
        Self {
            to: to.clone(),
            subject: "Verify your Miniplat developer account".into(),
            body: format!(
                "Welcome to Miniplat.\n\nConfirm that this is your email address by opening this link:\n\n{link}\n\n\
                 The link expires in 48 hours. If you did not sign up, ignore this message.\n"
            ),
        }
    }

    pub fn reset_password(to: &Email, link: &str) -> Self {
        Self {
            to: to.clone(),
            subject: "Reset your Miniplat password".into(),
            body: format!(
                "Someone asked to reset the password of the Miniplat account for this address.\n\n\
                 Choose a new password here (the link works once and expires in one hour):\n\n{link}\n\n\
                 If it was not you, ignore this message; your password stays as it is.\n"
            ),
        }
    }

    pub fn registration_invitation(to: &Email, link: &str) -> Self {
        Self {
            to: to.clone(),
            subject: "You are invited to Miniplat".into(),
            body: format!(
                "You are invited to create a Miniplat developer account.\n\nSign up here:\n\n{link}\n"
            ),
        }
    }

    pub fn member_invitation(to: &Email, app_name: &str, role: &str, link: &str) -> Self {
        Self {
            to: to.clone(),
            subject: format!("Join the mini program \"{app_name}\" on Miniplat"),
            body: format!(
                "You are invited to join the mini program \"{app_name}\" as {role}.\n\n\
                 Members handle end users' personal data and are bound to confidentiality.\n\n\
                 Accept the invitation (sign in or sign up with this email address first):\n\n{link}\n"
            ),
        }
    }
}

/// A mailer that keeps messages in memory, for tests of the domain layer.
#[derive(Default)]
pub struct MemoryMailer(pub std::sync::Mutex<Vec<OutgoingMail>>);

#[async_trait]
impl Mailer for MemoryMailer {
    async fn send(&self, mail: OutgoingMail) -> Result<(), String> {
        self.0.lock().expect("mailer lock").push(mail);
        Ok(())
    }
}
