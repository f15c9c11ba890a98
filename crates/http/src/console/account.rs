//! The developer's own account: real-name subject information (clause 2.7) as the public
//! profile shows it, the password, and API keys for the platform API and the CLI.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use miniplat_core::accounts::subject::{Subject, SubjectDetails};
use miniplat_core::accounts::SubjectType;
use miniplat_core::api_keys::{ApiKey, Scope};
use miniplat_core::Error;
use serde::Deserialize;

use super::auth::NoFields;
use super::csrf::Posted;
use super::pages::{
    form_status, notice_text, page, page_with, see_other, when, Chrome, FormError, PageResult,
};
use super::session::SignedIn;
use crate::AppState;

/// One input of the subject form.
pub struct FieldInput {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub required: bool,
    pub invalid: bool,
}

pub struct TypeOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// The inputs `subject_type` asks for (its required fields, then the contact phone), filled
/// from `details`.
fn subject_inputs(subject_type: SubjectType, details: &SubjectDetails, error: &FormError) -> Vec<FieldInput> {
    let value = |name: &str| match name {
        "legal_name" => details.legal_name.clone(),
        "id_number" => details.id_number.clone(),
        "registration_number" => details.registration_number.clone(),
        "legal_representative" => details.legal_representative.clone(),
        _ => String::new(),
    };
    let mut inputs: Vec<FieldInput> = subject_type
        .required_fields()
        .iter()
        .map(|(name, label)| FieldInput {
            name,
            label,
            value: value(name),
            required: true,
            invalid: error.is_on(name),
        })
        .collect();
    inputs.push(FieldInput {
        name: "contact_phone",
        label: "Contact phone",
        value: details.contact_phone.clone(),
        required: false,
        invalid: error.is_on("contact_phone"),
    });
    inputs
}

fn type_options(selected: SubjectType) -> Vec<TypeOption> {
    SubjectType::ALL
        .into_iter()
        .map(|t| TypeOption { value: t.as_str(), label: t.label(), selected: t == selected })
        .collect()
}

pub struct KeyRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

impl From<&ApiKey> for KeyRow {
    fn from(key: &ApiKey) -> Self {
        Self {
            id: key.id,
            name: key.name.clone(),
            prefix: key.prefix.clone(),
            scopes: key.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
            created: when(key.created_at),
            last_used: key.last_used_at.map_or_else(|| "Never".to_owned(), when),
            revoked: key.revoked_at.is_some(),
        }
    }
}

pub struct ScopeOption {
    pub value: &'static str,
    pub description: &'static str,
    pub checked: bool,
}

fn scope_description(scope: Scope) -> &'static str {
    match scope {
        Scope::AppsRead => "Read mini programs and members",
        Scope::AppsWrite => "Create and change mini programs, secrets and members",
        Scope::Account => "Read and change this account: subject information, API keys",
        Scope::Admin => "Operator functions",
    }
}

/// The API keys table, rendered in the page and on its own for htmx updates.
pub struct KeysTable {
    pub csrf: String,
    pub keys: Vec<KeyRow>,
}

#[derive(Template)]
#[template(path = "console/account.html")]
struct AccountPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<&'static str>,
    email: String,
    verified: bool,
    developer_id: i64,
    /// As the public profile shows it: public name and type label.
    public_subject: Option<(String, &'static str)>,
    subject_types: Vec<TypeOption>,
    subject_fields: Vec<FieldInput>,
    subject_error: FormError,
    initial: bool,
    error: FormError,
    keys_table: KeysTable,
    scopes: Vec<ScopeOption>,
    key_name: String,
    key_error: FormError,
}

#[derive(Template)]
#[template(path = "console/subject_fields.html")]
struct SubjectFieldsFragment {
    subject_fields: Vec<FieldInput>,
}

#[derive(Template)]
#[template(path = "console/api_keys_table.html")]
struct KeysFragment {
    keys_table: KeysTable,
}

async fn account_page(state: &AppState, signed_in: &SignedIn) -> Result<AccountPage, Error> {
    let SignedIn { developer, session } = signed_in;
    let subject = state.platform.subject(developer.id).await?;
    let (subject_type, details) = match &subject {
        Some(subject) => (subject.subject_type, state.platform.open_subject_details(subject)?),
        None => (SubjectType::Individual, SubjectDetails::default()),
    };
    let keys = state.platform.api_keys(developer).await?;
    Ok(AccountPage {
        chrome: Chrome::console(developer, session, "account"),
        csrf: session.csrf_token.clone(),
        notice: None,
        email: developer.email.to_string(),
        verified: developer.is_verified(),
        developer_id: developer.id.0,
        public_subject: subject.as_ref().map(public_subject),
        subject_types: type_options(subject_type),
        subject_fields: subject_inputs(subject_type, &details, &FormError::none()),
        subject_error: FormError::none(),
        initial: developer.password_hash.is_none(),
        error: FormError::none(),
        keys_table: KeysTable {
            csrf: session.csrf_token.clone(),
            keys: keys.iter().map(KeyRow::from).collect(),
        },
        scopes: Scope::all_for(developer)
            .into_iter()
            .map(|s| ScopeOption {
                value: s.as_str(),
                description: scope_description(s),
                checked: s != Scope::Admin,
            })
            .collect(),
        key_name: String::new(),
        key_error: FormError::none(),
    })
}

fn public_subject(subject: &Subject) -> (String, &'static str) {
    (subject.public_name.clone(), subject.subject_type.label())
}

#[derive(Deserialize, Default)]
pub struct AccountQuery {
    notice: Option<String>,
}

pub async fn account(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<AccountQuery>,
) -> PageResult {
    let mut page_view = account_page(&state, &signed_in).await?;
    page_view.notice = notice_text(query.notice.as_deref());
    Ok(page(&page_view))
}

// ---- subject ------------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct SubjectForm {
    subject_type: String,
    #[serde(default)]
    legal_name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    registration_number: String,
    #[serde(default)]
    legal_representative: String,
    #[serde(default)]
    contact_phone: String,
}

impl SubjectForm {
    /// The details the chosen type asks for; inputs of other types are dropped.
    fn details(&self, subject_type: SubjectType) -> SubjectDetails {
        let wanted = |name: &str| subject_type.required_fields().iter().any(|(n, _)| *n == name);
        let keep = |name: &str, value: &String| if wanted(name) { value.clone() } else { String::new() };
        SubjectDetails {
            legal_name: keep("legal_name", &self.legal_name),
            id_number: keep("id_number", &self.id_number),
            registration_number: keep("registration_number", &self.registration_number),
            legal_representative: keep("legal_representative", &self.legal_representative),
            contact_phone: self.contact_phone.clone(),
        }
    }
}

/// The first required field left empty, as an error on that input.
fn missing_field(subject_type: SubjectType, details: &SubjectDetails) -> Option<FormError> {
    let value = |name: &str| match name {
        "legal_name" => &details.legal_name,
        "id_number" => &details.id_number,
        "registration_number" => &details.registration_number,
        _ => &details.legal_representative,
    };
    subject_type
        .required_fields()
        .iter()
        .find(|(name, _)| value(name).trim().is_empty())
        .map(|(name, label)| FormError::on(name, format!("{label} is required for this subject type.")))
}

pub async fn save_subject(
    State(state): State<AppState>,
    posted: Posted<SignedIn, SubjectForm>,
) -> PageResult {
    let signed_in = &posted.auth;
    let subject_type = SubjectType::parse(&posted.form.subject_type).unwrap_or(SubjectType::Individual);
    let details = posted.form.details(subject_type);
    let error = match missing_field(subject_type, &details) {
        Some(error) => error,
        None => match state.platform.set_subject(&signed_in.developer, subject_type, details.clone()).await {
            Ok(_) => return Ok(see_other("/console/account?notice=subject-saved#subject", false)),
            Err(error @ Error::Store(_)) => return Err(error.into()),
            Err(error) => FormError::from_error(&error),
        },
    };
    let mut page_view = account_page(&state, signed_in).await?;
    page_view.subject_types = type_options(subject_type);
    page_view.subject_fields = subject_inputs(subject_type, &details, &error);
    page_view.subject_error = error;
    Ok(page_with(StatusCode::UNPROCESSABLE_ENTITY, &page_view))
}

/// The subject inputs for another type (htmx swaps them in when the type changes), keeping what
/// was already typed.
pub async fn subject_fields(_signed_in: SignedIn, Query(form): Query<SubjectForm>) -> PageResult {
    let subject_type = SubjectType::parse(&form.subject_type).unwrap_or(SubjectType::Individual);
    let details = SubjectDetails {
        legal_name: form.legal_name,
        id_number: form.id_number,
        registration_number: form.registration_number,
        legal_representative: form.legal_representative,
        contact_phone: form.contact_phone,
    };
    Ok(page(&SubjectFieldsFragment {
        subject_fields: subject_inputs(subject_type, &details, &FormError::none()),
    }))
}

// ---- API keys -----------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "console/api_key_created.html")]
struct KeyCreatedPage {
    chrome: Chrome,
    name: String,
    scopes: String,
    plaintext: String,
}

/// Creates a key from a name and the ticked scopes, and shows it this once.
pub async fn create_key(
    State(state): State<AppState>,
    posted: Posted<SignedIn, Vec<(String, String)>>,
) -> PageResult {
    let SignedIn { developer, session } = &posted.auth;
    let name = posted.form.iter().find(|(k, _)| k == "name").map(|(_, v)| v.clone()).unwrap_or_default();
    let scopes: Result<Vec<Scope>, Error> = posted
        .form
        .iter()
        .filter(|(k, _)| k == "scopes")
        .map(|(_, v)| Scope::parse(v).ok_or_else(|| Error::invalid("scopes", "names an unknown scope")))
        .collect();
    let outcome = match scopes {
        Ok(scopes) => state.platform.create_api_key(developer, &name, &scopes).await,
        Err(error) => Err(error),
    };
    match outcome {
        Ok(created) => Ok(page(&KeyCreatedPage {
            chrome: Chrome::console(developer, session, "account"),
            name: created.key.name.clone(),
            scopes: KeyRow::from(&created.key).scopes,
            plaintext: created.plaintext,
        })),
        Err(error @ Error::Store(_)) => Err(error.into()),
        Err(error) => {
            let ticked: Vec<&str> =
                posted.form.iter().filter(|(k, _)| k == "scopes").map(|(_, v)| v.as_str()).collect();
            let mut page_view = account_page(&state, &posted.auth).await?;
            for option in &mut page_view.scopes {
                option.checked = ticked.contains(&option.value);
            }
            page_view.key_name = name;
            page_view.key_error = FormError::from_error(&error);
            Ok(page_with(form_status(&error), &page_view))
        }
    }
}

pub async fn revoke_key(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<SignedIn, NoFields>,
) -> PageResult {
    let SignedIn { developer, session } = &posted.auth;
    state.platform.revoke_api_key(developer, id).await?;
    if posted.htmx {
        let keys = state.platform.api_keys(developer).await?;
        let keys_table =
            KeysTable { csrf: session.csrf_token.clone(), keys: keys.iter().map(KeyRow::from).collect() };
        return Ok(page(&KeysFragment { keys_table }));
    }
    Ok(see_other("/console/account?notice=key-revoked#api-keys", false))
}
