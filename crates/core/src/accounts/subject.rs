//! Real-name subject information (clause 2.7): who stands behind a developer account. The
//! identifying details are sealed with a key derived from the master key; only the public name
//! and type are stored in clear, because they are shown on the public profile.

use serde::{Deserialize, Serialize};

use super::{Developer, DeveloperId};
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::Platform;
use crate::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectType {
    Individual,
    Enterprise,
    Government,
    Media,
    OtherOrganisation,
}

impl SubjectType {
    pub const ALL: [Self; 5] =
        [Self::Individual, Self::Enterprise, Self::Government, Self::Media, Self::OtherOrganisation];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Individual => "individual",
            Self::Enterprise => "enterprise",
            Self::Government => "government",
            Self::Media => "media",
            Self::OtherOrganisation => "other_organisation",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Individual => "Individual",
            Self::Enterprise => "Enterprise",
            Self::Government => "Government",
            Self::Media => "Media",
            Self::OtherOrganisation => "Other organisation",
        }
    }

    /// The detail fields this type must fill in, with labels for forms.
    pub fn required_fields(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Individual => &[("legal_name", "Legal name"), ("id_number", "Identity document number")],
            Self::Enterprise => &[
                ("legal_name", "Registered company name"),
                ("registration_number", "Business registration number"),
                ("legal_representative", "Legal representative"),
            ],
            Self::Government | Self::Media | Self::OtherOrganisation => &[
                ("legal_name", "Organisation name"),
                ("registration_number", "Organisation code"),
                ("legal_representative", "Responsible person"),
            ],
        }
    }
}

/// Everything a developer states about their subject. Fields a type does not need stay empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubjectDetails {
    #[serde(default)]
    pub legal_name: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub registration_number: String,
    #[serde(default)]
    pub legal_representative: String,
    #[serde(default)]
    pub contact_phone: String,
}

impl SubjectDetails {
    fn field(&self, name: &str) -> &str {
        match name {
            "legal_name" => &self.legal_name,
            "id_number" => &self.id_number,
            "registration_number" => &self.registration_number,
            "legal_representative" => &self.legal_representative,
            "contact_phone" => &self.contact_phone,
            _ => "",
        }
    }

    fn trimmed(self) -> Self {
        Self {
            legal_name: self.legal_name.trim().to_owned(),
            id_number: self.id_number.trim().to_owned(),
            registration_number: self.registration_number.trim().to_owned(),
            legal_representative: self.legal_representative.trim().to_owned(),
            contact_phone: self.contact_phone.trim().to_owned(),
        }
    }

    /// Checks the fields `subject_type` requires, and bounds every field.
    pub fn validate(&self, subject_type: SubjectType) -> Result<()> {
        for (name, _) in subject_type.required_fields() {
            if self.field(name).is_empty() {
                return Err(Error::Invalid {
                    field: "subject",
                    message: format!("{name} is required for this subject type"),
                });
            }
        }
        for name in
            ["legal_name", "id_number", "registration_number", "legal_representative", "contact_phone"]
        {
            let value = self.field(name);
            if value.chars().count() > 100 || value.chars().any(char::is_control) {
                return Err(Error::Invalid {
                    field: "subject",
                    message: format!("{name} must be at most 100 printable characters"),
                });
            }
        }
        Ok(())
    }
}

/// Verification state of a subject (clause 3.1; verification itself comes later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerificationStatus {
    Unverified,
}

#[derive(Debug, Clone)]
pub struct Subject {
    pub developer_id: DeveloperId,
    pub subject_type: SubjectType,
    /// Shown publicly (clause 2.7): the legal name of the subject.
    pub public_name: String,
    /// `SubjectDetails` as JSON, sealed.
    pub sealed_details: Vec<u8>,
    pub verification: VerificationStatus,
    pub updated_at: Timestamp,
}

impl Platform {
    /// Records (or replaces) the subject of the signed-in developer. Any change resets the
    /// verification state.
    pub async fn set_subject(
        &self,
        developer: &Developer,
        subject_type: SubjectType,
        details: SubjectDetails,
    ) -> Result<Subject> {
        let details = details.trimmed();
        details.validate(subject_type)?;
        let plaintext = serde_json::to_vec(&details).expect("details serialise");
        let subject = Subject {
            developer_id: developer.id,
            subject_type,
            public_name: details.legal_name.clone(),
            sealed_details: self.subject_sealer.seal(&plaintext, &subject_aad(developer.id)),
            verification: VerificationStatus::Unverified,
            updated_at: self.clock.now(),
        };
        self.store.put_subject(&subject).await?;
        self.audit(
            Actor::Developer(developer.id),
            "subject.set",
            &format!("developer:{}", developer.id.0),
            subject_type.as_str(),
        )
        .await?;
        Ok(subject)
    }

    pub async fn subject(&self, id: DeveloperId) -> Result<Option<Subject>> {
        Ok(self.store.subject(id).await?)
    }

    /// The subject shown on a developer's public profile (clause 2.7): only for accounts the
    /// platform still serves (a suspended or refused account has no public profile).
    pub async fn public_subject(&self, id: DeveloperId) -> Result<Option<Subject>> {
        match self.store.developer_by_id(id).await? {
            Some(developer) if developer.status == super::AccountStatus::Active => self.subject(id).await,
            _ => Ok(None),
        }
    }

    /// Opens the sealed details of a subject. Only its own developer (or audited staff) reads them.
    pub fn open_subject_details(&self, subject: &Subject) -> Result<SubjectDetails> {
        let plaintext = self
            .subject_sealer
            .open(&subject.sealed_details, &subject_aad(subject.developer_id))
            .map_err(|_| Error::forbidden("the subject details cannot be decrypted with this master key"))?;
        serde_json::from_slice(&plaintext).map_err(|_| Error::forbidden("the subject details are corrupt"))
    }
}

fn subject_aad(id: DeveloperId) -> Vec<u8> {
    format!("subject:developer:{}", id.0).into_bytes()
}
