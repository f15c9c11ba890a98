//! Review fees and invoices (clause 2.6). Developers keep their invoicing details and see
//! their fees and invoices at `/console/account/billing`; staff see an account's review service
//! at `/admin/developers/{id}/review`: suspend or resume it, and issue an invoice for its
//! uninvoiced fees. Invoices download as PDF for the developer and staff.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use miniplat_core::accounts::{Developer, DeveloperId};
use miniplat_core::review::fees::{format_amount, Invoice, InvoicingDetails, ReviewFee};
use miniplat_core::Error;
use serde::Deserialize;

use super::auth::{NoFields, NoticeQuery};
use super::csrf::Posted;
use super::pages::{
    form_status, notice_text, page, page_with, see_other, when, Chrome, FormError, PageError, PageResult,
};
use super::session::{Operator, SignedIn};
use crate::AppState;

pub struct FeeRow {
    pub at: String,
    pub app: String,
    pub review: i64,
    pub amount: String,
    pub invoice: String,
}

pub struct InvoiceRow {
    pub id: i64,
    pub number: String,
    pub issued: String,
    pub amount: String,
}

impl From<&Invoice> for InvoiceRow {
    fn from(i: &Invoice) -> Self {
        Self {
            id: i.id,
            number: i.number(),
            issued: when(i.issued_at),
            amount: format!("{} {}", format_amount(i.amount_cents), i.currency),
        }
    }
}

async fn fee_rows(state: &AppState, fees: &[ReviewFee]) -> Result<Vec<FeeRow>, Error> {
    let mut rows = Vec::with_capacity(fees.len());
    for fee in fees {
        let app = state.platform.store.app_by_key(fee.app).await?;
        rows.push(FeeRow {
            at: when(fee.created_at),
            app: app.map(|a| a.appid.as_str().to_owned()).unwrap_or_default(),
            review: fee.review.0,
            amount: format!("{} {}", format_amount(fee.amount_cents), fee.currency),
            invoice: fee.invoice.map(|id| format!("MP-{id:08}")).unwrap_or_else(|| "not yet invoiced".into()),
        });
    }
    Ok(rows)
}

fn billing_notice(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "invoicing-saved" => "Your invoicing details were saved; invoices issued from now on use them.",
        "invoice-issued" => "The invoice was issued; the developer sees it in their account.",
        "review-suspended" => "The account's review service is suspended: its submissions answer 86007.",
        "review-resumed" => "The account's review service is resumed.",
        other => return notice_text(Some(other)),
    })
}

// ---- the developer's billing page ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "console/billing.html")]
struct BillingPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    error: FormError,
    details: InvoicingDetails,
    fees: Vec<FeeRow>,
    invoices: Vec<InvoiceRow>,
}

async fn billing_page(state: &AppState, signed_in: &SignedIn) -> Result<BillingPage, Error> {
    let developer = &signed_in.developer;
    let fees = state.platform.my_review_fees(developer).await?;
    Ok(BillingPage {
        chrome: Chrome::console(developer, &signed_in.session, "account"),
        csrf: signed_in.session.csrf_token.clone(),
        notice: None,
        error: FormError::none(),
        details: state.platform.invoicing_details(developer).await?.unwrap_or_default(),
        fees: fee_rows(state, &fees).await?,
        invoices: state
            .platform
            .invoices(developer, developer.id)
            .await?
            .iter()
            .map(InvoiceRow::from)
            .collect(),
    })
}

pub async fn billing(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut view = billing_page(&state, &signed_in).await?;
    view.notice = billing_notice(query.notice.as_deref());
    Ok(page(&view))
}

#[derive(Deserialize)]
pub struct DetailsForm {
    title: String,
    #[serde(default)]
    tax_id: String,
    #[serde(default)]
    address: String,
    email: String,
}

pub async fn save_details(
    State(state): State<AppState>,
    posted: Posted<SignedIn, DetailsForm>,
) -> PageResult {
    let form = &posted.form;
    let details = InvoicingDetails {
        title: form.title.clone(),
        tax_id: form.tax_id.clone(),
        address: form.address.clone(),
        email: form.email.clone(),
    };
    match state.platform.save_invoicing_details(&posted.auth.developer, &details).await {
        Ok(()) => Ok(see_other("/console/account/billing?notice=invoicing-saved", posted.htmx)),
        Err(error @ Error::Store(_)) => Err(error.into()),
        Err(error) => {
            let mut view = billing_page(&state, &posted.auth).await?;
            view.details = details;
            view.error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &view))
        }
    }
}

/// An invoice as PDF, for `viewer` (its developer or staff).
async fn invoice_pdf(state: &AppState, viewer: &Developer, developer: DeveloperId, id: i64) -> PageResult {
    let (invoice, pdf) = state.platform.invoice_pdf(viewer, developer, id).await?;
    let disposition = format!("attachment; filename=\"{}.pdf\"", invoice.number());
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        pdf,
    )
        .into_response())
}

/// `12.pdf` → invoice 12.
fn invoice_id(file: &str) -> Result<i64, PageError> {
    file.strip_suffix(".pdf").and_then(|id| id.parse().ok()).ok_or(PageError::NotFound)
}

pub async fn my_invoice(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(file): Path<String>,
) -> PageResult {
    invoice_pdf(&state, &signed_in.developer, signed_in.developer.id, invoice_id(&file)?).await
}

// ---- staff: one account's review service ---------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/review_account.html")]
struct ReviewAccountPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    error: FormError,
    id: i64,
    email: String,
    suspension: Option<(String, String)>,
    has_details: bool,
    fees: Vec<FeeRow>,
    invoices: Vec<InvoiceRow>,
}

async fn review_account_page(
    state: &AppState,
    operator: &Operator,
    id: i64,
) -> Result<ReviewAccountPage, Error> {
    let Operator(signed_in) = operator;
    let staff = &signed_in.developer;
    let developer = DeveloperId(id);
    let target = state.platform.developer(developer).await?;
    let fees = state.platform.developer_review_fees(staff, developer).await?;
    let suspension = state.platform.review_suspension(developer).await?;
    Ok(ReviewAccountPage {
        chrome: Chrome::console(staff, &signed_in.session, "admin-developers"),
        csrf: signed_in.session.csrf_token.clone(),
        notice: None,
        error: FormError::none(),
        id,
        email: target.email.to_string(),
        suspension: suspension.map(|s| (s.reason, when(s.suspended_at))),
        has_details: state.platform.store.invoicing_details(developer).await?.is_some(),
        fees: fee_rows(state, &fees).await?,
        invoices: state.platform.invoices(staff, developer).await?.iter().map(InvoiceRow::from).collect(),
    })
}

pub async fn review_account(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<i64>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let mut view = review_account_page(&state, &operator, id).await?;
    view.notice = billing_notice(query.notice.as_deref());
    Ok(page(&view))
}

#[derive(Deserialize)]
pub struct SuspensionForm {
    /// Empty to resume.
    #[serde(default)]
    reason: String,
    action: String,
}

pub async fn set_suspension(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Operator, SuspensionForm>,
) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    let suspend = posted.form.action == "suspend";
    let reason = suspend.then_some(posted.form.reason.as_str());
    match state.platform.set_review_suspension(&signed_in.developer, DeveloperId(id), reason).await {
        Ok(()) => {
            let notice = if suspend { "review-suspended" } else { "review-resumed" };
            Ok(see_other(&format!("/admin/developers/{id}/review?notice={notice}"), posted.htmx))
        }
        Err(error @ (Error::Store(_) | Error::NotFound(_) | Error::Forbidden(_))) => Err(error.into()),
        Err(error) => {
            let mut view = review_account_page(&state, &posted.auth, id).await?;
            view.error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &view))
        }
    }
}

pub async fn issue_invoice(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<Operator, NoFields>,
) -> PageResult {
    let Operator(signed_in) = &posted.auth;
    match state.platform.issue_invoice(&signed_in.developer, DeveloperId(id)).await {
        Ok(_) => Ok(see_other(&format!("/admin/developers/{id}/review?notice=invoice-issued"), posted.htmx)),
        Err(error @ (Error::Store(_) | Error::NotFound(_) | Error::Forbidden(_))) => Err(error.into()),
        Err(error) => {
            let mut view = review_account_page(&state, &posted.auth, id).await?;
            view.error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &view))
        }
    }
}

pub async fn account_invoice(
    State(state): State<AppState>,
    Operator(signed_in): Operator,
    Path((id, file)): Path<(i64, String)>,
) -> PageResult {
    invoice_pdf(&state, &signed_in.developer, DeveloperId(id), invoice_id(&file)?).await
}
