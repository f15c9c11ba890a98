//! Fees for submissions over the monthly quota and the invoices that collect them (clause
//! 2.6). A fee is charged to the account that created the mini program (the subject). The
//! developer keeps invoicing details in the account console; platform staff issue an invoice,
//! which collects the developer's uninvoiced fees into a numbered document rendered as PDF.

use serde::{Deserialize, Serialize};

use crate::accounts::developers::ensure_operator;
use crate::accounts::{Developer, DeveloperId};
use crate::apps::AppKey;
use crate::audit::Actor;
use crate::email::Email;
use crate::error::{Error, Result};
use crate::{Platform, Timestamp};

use super::ReviewId;

/// A fee for one submission over the quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFee {
    pub id: i64,
    pub developer: DeveloperId,
    pub app: AppKey,
    pub review: ReviewId,
    pub amount_cents: i64,
    pub currency: String,
    pub created_at: Timestamp,
    pub invoice: Option<i64>,
}

/// What invoices are made out to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InvoicingDetails {
    /// The name on the invoice (person or organisation).
    pub title: String,
    /// Tax identification number; may be empty for individuals.
    pub tax_id: String,
    pub address: String,
    /// Where invoices are sent.
    pub email: String,
}

impl InvoicingDetails {
    /// Trims and checks every field.
    pub fn parse(title: &str, tax_id: &str, address: &str, email: &str) -> Result<Self> {
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 100 {
            return Err(Error::invalid("title", "is required, at most 100 characters"));
        }
        let tax_id = tax_id.trim();
        if tax_id.len() > 40 || !tax_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Error::invalid("tax_id", "is at most 40 letters, digits and dashes"));
        }
        let address = address.trim();
        if address.chars().count() > 200 || address.chars().any(char::is_control) {
            return Err(Error::invalid("address", "is one line of at most 200 characters"));
        }
        let email =
            Email::parse(email.trim()).map_err(|_| Error::invalid("email", "is not an email address"))?;
        Ok(Self {
            title: title.to_owned(),
            tax_id: tax_id.to_owned(),
            address: address.to_owned(),
            email: email.as_str().to_owned(),
        })
    }
}

/// An issued invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub id: i64,
    pub developer: DeveloperId,
    /// The invoicing details as they were at issue.
    pub details: InvoicingDetails,
    pub amount_cents: i64,
    pub currency: String,
    pub issued_by: DeveloperId,
    pub issued_at: Timestamp,
}

impl Invoice {
    /// The document number printed on it.
    pub fn number(&self) -> String {
        format!("MP-{:08}", self.id)
    }
}

/// `12345` cents → `123.45`.
pub fn format_amount(cents: i64) -> String {
    format!("{}{}.{:02}", if cents < 0 { "-" } else { "" }, cents.abs() / 100, cents.abs() % 100)
}

impl Platform {
    /// The developer's own fees, newest first.
    pub async fn my_review_fees(&self, actor: &Developer) -> Result<Vec<ReviewFee>> {
        Ok(self.store.review_fees(actor.id).await?)
    }

    /// A developer's fees, for staff.
    pub async fn developer_review_fees(
        &self,
        actor: &Developer,
        developer: DeveloperId,
    ) -> Result<Vec<ReviewFee>> {
        ensure_operator(actor)?;
        Ok(self.store.review_fees(developer).await?)
    }

    pub async fn invoicing_details(&self, actor: &Developer) -> Result<Option<InvoicingDetails>> {
        Ok(self.store.invoicing_details(actor.id).await?)
    }

    /// Saves the developer's invoicing details (used by invoices issued from now on).
    pub async fn save_invoicing_details(&self, actor: &Developer, details: &InvoicingDetails) -> Result<()> {
        actor.ensure_active()?;
        let details =
            InvoicingDetails::parse(&details.title, &details.tax_id, &details.address, &details.email)?;
        self.store.put_invoicing_details(actor.id, &details, self.clock.now()).await?;
        self.audit(Actor::Developer(actor.id), "invoicing.details", &actor.id.0.to_string(), "").await
    }

    /// Staff issue an invoice for the developer's uninvoiced fees, made out with the
    /// developer's current invoicing details.
    pub async fn issue_invoice(&self, actor: &Developer, developer: DeveloperId) -> Result<Invoice> {
        ensure_operator(actor)?;
        let details = self.store.invoicing_details(developer).await?.ok_or_else(|| {
            Error::invalid("invoicing details", "are missing: the developer must fill them in first")
        })?;
        let invoice = self
            .store
            .issue_invoice(developer, &details, actor.id, self.clock.now())
            .await?
            .ok_or_else(|| Error::invalid("fees", "none are waiting to be invoiced"))?;
        let detail =
            format!("{} {} {}", invoice.number(), format_amount(invoice.amount_cents), invoice.currency);
        self.audit(Actor::Developer(actor.id), "invoice.issue", &developer.0.to_string(), &detail).await?;
        Ok(invoice)
    }

    /// The invoices of `developer`, for that developer or staff.
    pub async fn invoices(&self, actor: &Developer, developer: DeveloperId) -> Result<Vec<Invoice>> {
        ensure_self_or_operator(actor, developer)?;
        Ok(self.store.invoices(developer).await?)
    }

    /// An invoice as PDF, for its developer or staff.
    pub async fn invoice_pdf(
        &self,
        actor: &Developer,
        developer: DeveloperId,
        id: i64,
    ) -> Result<(Invoice, Vec<u8>)> {
        ensure_self_or_operator(actor, developer)?;
        let (invoice, fees) = self.store.invoice(developer, id).await?.ok_or(Error::NotFound("invoice"))?;
        let mut apps = std::collections::HashMap::new();
        for fee in &fees {
            if let std::collections::hash_map::Entry::Vacant(entry) = apps.entry(fee.app) {
                let appid = self.store.app_by_key(fee.app).await?.map(|a| a.appid.as_str().to_owned());
                entry.insert(appid.unwrap_or_else(|| format!("app {}", fee.app.0)));
            }
        }
        let lines = invoice_lines(&invoice, &fees, |app| apps.get(&app).cloned().unwrap_or_default());
        Ok((invoice, super::invoice_pdf::render(&lines)))
    }
}

fn ensure_self_or_operator(actor: &Developer, developer: DeveloperId) -> Result<()> {
    if actor.id == developer || actor.is_operator() {
        Ok(())
    } else {
        Err(Error::NotFound("invoice"))
    }
}

/// The text of an invoice, line by line.
fn invoice_lines(invoice: &Invoice, fees: &[ReviewFee], appid: impl Fn(AppKey) -> String) -> Vec<String> {
    let d = &invoice.details;
    let mut lines = vec![
        format!("Miniplat invoice {}", invoice.number()),
        format!("Issued {}", crate::clock::format_utc(invoice.issued_at)),
        String::new(),
        format!("Billed to: {}", d.title),
        format!("Tax id: {}", if d.tax_id.is_empty() { "-" } else { &d.tax_id }),
        format!("Address: {}", d.address),
        format!("Email: {}", d.email),
        String::new(),
        "Release review submissions over the monthly quota:".to_owned(),
    ];
    for fee in fees {
        lines.push(format!(
            "{}  {}  review {}  {} {}",
            crate::clock::format_utc(fee.created_at),
            appid(fee.app),
            fee.review.0,
            format_amount(fee.amount_cents),
            fee.currency
        ));
    }
    lines.push(String::new());
    lines.push(format!("Total: {} {}", format_amount(invoice.amount_cents), invoice.currency));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_have_two_decimals() {
        assert_eq!(format_amount(5000), "50.00");
        assert_eq!(format_amount(5), "0.05");
        assert_eq!(format_amount(-150), "-1.50");
    }

    #[test]
    fn invoicing_details_are_checked() {
        assert!(InvoicingDetails::parse("Acme Ltd", "91440300-X", "1 Road", "billing@acme.example").is_ok());
        assert!(InvoicingDetails::parse(" ", "", "", "a@b.example").is_err());
        assert!(InvoicingDetails::parse("Acme", "bad id!", "", "a@b.example").is_err());
        assert!(InvoicingDetails::parse("Acme", "", "line\nbreak", "a@b.example").is_err());
        assert!(InvoicingDetails::parse("Acme", "", "", "not-an-email").is_err());
    }
}
