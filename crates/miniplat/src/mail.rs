//! The mail transport behind the core's `Mailer` port: SMTP when configured, otherwise `.eml`
//! files in the data directory's outbox (one file per message, readable by any mail client).

use std::path::PathBuf;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use miniplat_core::mail::{Mailer, OutgoingMail};

pub enum Transport {
    Outbox(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

pub struct LettreMailer {
    from: Mailbox,
    transport: Transport,
}

impl LettreMailer {
    pub fn outbox(dir: PathBuf, from: &str) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self { from: from.parse()?, transport: Transport::Outbox(AsyncFileTransport::new(dir)) })
    }

    pub fn smtp(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.build();
        Ok(Self { from: from.parse()?, transport: Transport::Smtp(transport) })
    }
}

#[async_trait]
impl Mailer for LettreMailer {
    async fn send(&self, mail: OutgoingMail) -> Result<(), String> {
        let to: Mailbox = mail.to.as_str().parse().map_err(|e| format!("recipient: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body)
            .map_err(|e| format!("building message: {e}"))?;
        match &self.transport {
            Transport::Outbox(t) => {
                t.send(message).await.map(drop).map_err(|e| format!("writing to outbox: {e}"))
            }
            Transport::Smtp(t) => t.send(message).await.map(drop).map_err(|e| format!("SMTP: {e}")),
        }
    }
}
