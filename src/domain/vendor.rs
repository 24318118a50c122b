//! Vendor lifecycle and field rules.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VendorStatus {
    Proposed,
    InReview,
    Approved,
    ApprovedWithConditions,
    Rejected,
    Offboarded,
}

impl VendorStatus {
    pub const ALL: [VendorStatus; 6] = [
        VendorStatus::Proposed,
        VendorStatus::InReview,
        VendorStatus::Approved,
        VendorStatus::ApprovedWithConditions,
        VendorStatus::Rejected,
        VendorStatus::Offboarded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::InReview => "in_review",
            Self::Approved => "approved",
            Self::ApprovedWithConditions => "approved_with_conditions",
            Self::Rejected => "rejected",
            Self::Offboarded => "offboarded",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// The states a vendor may move to from this one. A decided vendor goes back to
    /// `in_review` for reassessment; `offboarded` is final.
    pub fn next_states(self) -> &'static [VendorStatus] {
        use VendorStatus::*;
        match self {
            Proposed => &[InReview, Rejected],
            InReview => &[Approved, ApprovedWithConditions, Rejected],
            Approved => &[ApprovedWithConditions, InReview, Offboarded],
            ApprovedWithConditions => &[Approved, InReview, Offboarded],
            Rejected => &[InReview, Offboarded],
            Offboarded => &[],
        }
    }

    pub fn can_move_to(self, next: VendorStatus) -> bool {
        self.next_states().contains(&next)
    }

    /// A decision settles any pending reassessment.
    pub fn is_decision(self) -> bool {
        matches!(
            self,
            Self::Approved | Self::ApprovedWithConditions | Self::Rejected | Self::Offboarded
        )
    }
}

/// A tier, lowest first: a vendor's criticality (how much the organisation depends on it) or
/// its computed risk tier.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Low,
    Medium,
    High,
    Critical,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Low, Tier::Medium, Tier::High, Tier::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Low => "low",
            Tier::Medium => "medium",
            Tier::High => "high",
            Tier::Critical => "critical",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == value)
    }
}

/// Checks an ISO 3166-1 alpha-2 code and returns it upper-cased.
pub fn parse_country(field: &str, value: &str) -> Result<String, FieldError> {
    let upper = value.to_ascii_uppercase();
    if upper.len() == 2 && isocountry::CountryCode::for_alpha2(&upper).is_ok() {
        Ok(upper)
    } else {
        Err(FieldError::new(
            field,
            "country",
            format!("'{value}' is not an ISO 3166-1 alpha-2 country code"),
        ))
    }
}

/// Checks a DNS domain name (e.g. `openai.com`) and returns it lower-cased.
pub fn parse_domain(field: &str, value: &str) -> Result<String, FieldError> {
    let lower = value.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = lower.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let top_level_ok = labels
        .last()
        .is_some_and(|tld| tld.chars().any(|c| c.is_ascii_alphabetic()));
    if lower.len() <= 253 && labels.len() >= 2 && labels.iter().all(label_ok) && top_level_ok {
        Ok(lower)
    } else {
        Err(FieldError::new(
            field,
            "domain",
            format!("'{value}' is not a domain name such as example.com"),
        ))
    }
}

/// Tags are short lower-case words: letters, digits, `-`, `_`, `:` and `.`.
pub fn parse_tag(field: &str, value: &str) -> Result<String, FieldError> {
    let tag = value.trim().to_lowercase();
    let ok = !tag.is_empty()
        && tag.chars().count() <= 64
        && tag
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'));
    if ok {
        Ok(tag)
    } else {
        Err(FieldError::new(
            field,
            "tag",
            format!("'{value}' is not a tag: 1 to 64 letters, digits, '-', '_', ':' or '.'"),
        ))
    }
}

/// External id sources name the other system, e.g. `coupa` or `ariba`.
pub fn parse_source(field: &str, value: &str) -> Result<String, FieldError> {
    let source = value.trim().to_ascii_lowercase();
    let ok = !source.is_empty()
        && source.len() <= 40
        && source
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if ok {
        Ok(source)
    } else {
        Err(FieldError::new(
            field,
            "source",
            "must be 1 to 40 letters, digits, '-' or '_'",
        ))
    }
}

/// Collects errors of several parses and reports them together.
pub fn collect<T>(results: Vec<Result<T, FieldError>>, errors: &mut Vec<FieldError>) -> Vec<T> {
    let mut values = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(v) => values.push(v),
            Err(e) => errors.push(e),
        }
    }
    values
}

/// Removes repeats, keeping first occurrences in order.
pub fn dedup<T: PartialEq>(values: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(values.len());
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vendor_stored_before_contract_flags_still_reads() {
        let stored = serde_json::json!({
            "id": "v1", "legal_name": "Acme", "display_name": null, "domains": [],
            "country": null, "owner": null, "status": "proposed", "tier": null, "notes": null,
            "tags": [], "external_ids": [], "reassessment_due": false,
            "reassessment_reason": null, "version": 1,
            "created_at": "2026-11-24T09:30:00.000000Z", "updated_at": "2026-11-24T09:30:00.000000Z"
        });
        let vendor: Vendor = serde_json::from_value(stored).unwrap();
        assert!(!vendor.contract_expired);
    }

    #[test]
    fn lifecycle_follows_the_design() {
        use VendorStatus::*;
        assert!(Proposed.can_move_to(InReview));
        assert!(!Proposed.can_move_to(Approved));
        assert!(InReview.can_move_to(ApprovedWithConditions));
        assert!(Rejected.can_move_to(Offboarded));
        assert!(Offboarded.next_states().is_empty());
        for s in VendorStatus::ALL {
            assert!(!s.can_move_to(s), "{s:?} must not move to itself");
            assert_eq!(VendorStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn countries_are_iso_alpha2() {
        assert_eq!(parse_country("country", "de").unwrap(), "DE");
        assert!(parse_country("country", "XX").is_err());
        assert!(parse_country("country", "DEU").is_err());
    }

    #[test]
    fn domains_are_checked() {
        assert_eq!(parse_domain("d", "OpenAI.com.").unwrap(), "openai.com");
        assert!(parse_domain("d", "localhost").is_err());
        assert!(parse_domain("d", "-bad.com").is_err());
        assert!(parse_domain("d", "a b.com").is_err());
        assert!(parse_domain("d", "10.0.0.1").is_err());
    }

    #[test]
    fn tags_and_sources() {
        assert_eq!(parse_tag("t", " LLM ").unwrap(), "llm");
        assert!(parse_tag("t", "two words").is_err());
        assert_eq!(parse_source("s", "Coupa").unwrap(), "coupa");
        assert!(parse_source("s", "").is_err());
    }
}

/// An id the vendor has in another system, e.g. its supplier id in the procurement tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExternalId {
    /// The other system, e.g. `coupa`, `ariba`, `zip`.
    #[schema(example = "coupa")]
    pub source: String,
    #[schema(example = "SUP-10042")]
    pub id: String,
}

/// A vendor as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Vendor {
    #[schema(example = "01936b2e-8f4a-7c3e-9a57-2f1d3c4b5a69")]
    pub id: String,
    #[schema(example = "Acme AI Ltd")]
    pub legal_name: String,
    #[schema(example = "Acme AI")]
    pub display_name: Option<String>,
    #[schema(example = json!(["acme.ai"]))]
    pub domains: Vec<String>,
    /// ISO 3166-1 alpha-2.
    #[schema(example = "GB")]
    pub country: Option<String>,
    /// Who in the organisation owns the relationship.
    #[schema(example = "jane.doe@example.com")]
    pub owner: Option<String>,
    pub status: VendorStatus,
    pub tier: Option<Tier>,
    pub notes: Option<String>,
    #[schema(example = json!(["llm", "eu-data"]))]
    pub tags: Vec<String>,
    pub external_ids: Vec<ExternalId>,
    /// Set when something the vendor provides changed materially (model, training terms…);
    /// cleared by the next decision on the vendor.
    pub reassessment_due: bool,
    #[schema(example = "ai service 'Chat API': model_version changed")]
    pub reassessment_reason: Option<String>,
    /// Set while the vendor has an expired contract and no active one.
    // Default: idempotent replays stored before this field existed still read back.
    #[serde(default)]
    #[schema(required = true)]
    pub contract_expired: bool,
    /// Increases with every change; also sent as the `ETag`.
    #[schema(example = 1)]
    pub version: i64,
    #[schema(format = DateTime, example = "2026-11-24T09:30:00.000000Z")]
    pub created_at: String,
    #[schema(format = DateTime, example = "2026-11-24T09:30:00.000000Z")]
    pub updated_at: String,
}

/// Validated editable fields of a vendor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VendorFields {
    pub legal_name: String,
    pub display_name: Option<String>,
    pub domains: Vec<String>,
    pub country: Option<String>,
    pub owner: Option<String>,
    pub tier: Option<Tier>,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub external_ids: Vec<ExternalId>,
}

/// A validated partial update: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VendorPatch {
    pub legal_name: Option<String>,
    pub display_name: Option<Option<String>>,
    pub domains: Option<Vec<String>>,
    pub country: Option<Option<String>>,
    pub owner: Option<Option<String>>,
    pub tier: Option<Option<Tier>>,
    pub notes: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub external_ids: Option<Vec<ExternalId>>,
}

impl VendorPatch {
    pub fn apply(self, current: VendorFields) -> VendorFields {
        VendorFields {
            legal_name: self.legal_name.unwrap_or(current.legal_name),
            display_name: self.display_name.unwrap_or(current.display_name),
            domains: self.domains.unwrap_or(current.domains),
            country: self.country.unwrap_or(current.country),
            owner: self.owner.unwrap_or(current.owner),
            tier: self.tier.unwrap_or(current.tier),
            notes: self.notes.unwrap_or(current.notes),
            tags: self.tags.unwrap_or(current.tags),
            external_ids: self.external_ids.unwrap_or(current.external_ids),
        }
    }
}

impl Vendor {
    pub fn fields(&self) -> VendorFields {
        VendorFields {
            legal_name: self.legal_name.clone(),
            display_name: self.display_name.clone(),
            domains: self.domains.clone(),
            country: self.country.clone(),
            owner: self.owner.clone(),
            tier: self.tier,
            notes: self.notes.clone(),
            tags: self.tags.clone(),
            external_ids: self.external_ids.clone(),
        }
    }
}

/// Two external ids from the same source on one vendor are refused.
pub fn check_external_ids(field: &str, ids: &[ExternalId]) -> Result<(), FieldError> {
    for (i, a) in ids.iter().enumerate() {
        if ids[..i].iter().any(|b| b.source == a.source) {
            return Err(FieldError::new(
                format!("{field}[{i}].source"),
                "duplicate",
                format!(
                    "a vendor has one id per source; '{}' appears twice",
                    a.source
                ),
            ));
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct VendorFilter {
    pub status: Option<VendorStatus>,
    pub tier: Option<Tier>,
    pub tag: Option<String>,
    pub owner: Option<String>,
    /// Case-insensitive substring of the legal or display name.
    pub name_contains: Option<String>,
}

/// A vendor contact as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    #[schema(example = "01936b2f-1c2d-7e3f-8a9b-0c1d2e3f4a5b")]
    pub id: String,
    pub vendor_id: String,
    #[schema(example = "Sam Lee")]
    pub name: String,
    #[schema(example = "sam.lee@acme.ai")]
    pub email: Option<String>,
    /// What the contact does for the vendor, e.g. security, privacy, account management.
    #[schema(example = "security")]
    pub role: Option<String>,
    #[schema(example = "+44 20 7946 0000")]
    pub phone: Option<String>,
    /// At most one contact per vendor is primary.
    pub is_primary: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactFields {
    pub name: String,
    pub email: Option<String>,
    pub role: Option<String>,
    pub phone: Option<String>,
    pub is_primary: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactPatch {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub role: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub is_primary: Option<bool>,
}

impl ContactPatch {
    pub fn apply(self, current: ContactFields) -> ContactFields {
        ContactFields {
            name: self.name.unwrap_or(current.name),
            email: self.email.unwrap_or(current.email),
            role: self.role.unwrap_or(current.role),
            phone: self.phone.unwrap_or(current.phone),
            is_primary: self.is_primary.unwrap_or(current.is_primary),
        }
    }
}

/// A link from a vendor to a vendor it relies on (a subprocessor, i.e. a fourth party).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SubprocessorLink {
    pub vendor_id: String,
    pub subprocessor_id: String,
    #[schema(example = "Cloud Hosting Inc")]
    pub subprocessor_legal_name: String,
    #[schema(example = "model hosting")]
    pub service_description: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}
