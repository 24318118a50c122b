//! The answer library (A.10.4): approved answers to the AI-governance questions customers ask,
//! with who owns them, when they must be reviewed again, and what backs them up.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    /// Written but not yet approved: suggested only as a draft, never as approved.
    Draft,
    Approved,
    /// Kept for the record, never suggested.
    Retired,
}

impl EntryStatus {
    pub fn allowed_next(self) -> &'static [EntryStatus] {
        use EntryStatus::*;
        match self {
            Draft => &[Approved, Retired],
            Approved => &[Draft, Retired],
            Retired => &[Draft],
        }
    }

    pub fn can_become(self, next: EntryStatus) -> bool {
        self.allowed_next().contains(&next)
    }
}

/// Evidence behind an answer: a document, a page, a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "ISO/IEC 42001 certificate", "url": "https://trust.example.com/iso42001.pdf"}))]
pub struct EvidenceLink {
    pub title: String,
    /// An http(s) address where the evidence can be read.
    pub url: Option<String>,
    /// Where it is kept otherwise (a document id, a policy number).
    pub reference: Option<String>,
}

/// A control an answer relies on, as cited with a suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ControlCitation {
    #[schema(example = "iso42001:A.10.4")]
    pub id: String,
    #[schema(example = "A.10.4")]
    pub reference: String,
    #[schema(example = "Customers")]
    pub title: String,
}

/// What a person writes of an entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryFields {
    pub question: String,
    pub alternatives: Vec<String>,
    pub answer_short: String,
    pub answer_long: Option<String>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub control_ids: Vec<String>,
    pub evidence: Vec<EvidenceLink>,
    pub review_by: Option<String>,
}

/// An entry as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "01936b2e-8f4a-7c3e-9a57-2f1d3c4b5a69",
    "question": "Do you train your models on customer data?",
    "alternatives": ["Is customer content used to improve your AI?"],
    "answer_short": "No. Customer data is never used to train or fine-tune models.",
    "answer_long": null,
    "owner": "trust@example.com",
    "tags": ["data", "training"],
    "control_ids": ["iso42001:A.7.3"],
    "evidence": [{"title": "Data processing addendum", "url": "https://trust.example.com/dpa.pdf", "reference": null}],
    "status": "approved",
    "review_by": "2027-06-30",
    "stale": false,
    "version": 2,
    "created_by": "sam@example.com",
    "created_at": "2026-12-01T09:00:00.000000Z",
    "updated_at": "2026-12-01T09:30:00.000000Z"
}))]
pub struct AnswerEntry {
    pub id: String,
    /// The canonical wording of the question.
    pub question: String,
    /// Other wordings customers use for the same question.
    pub alternatives: Vec<String>,
    /// The approved answer as a sentence or two.
    pub answer_short: String,
    /// The full answer, where a customer wants detail.
    pub answer_long: Option<String>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    /// The organisation's own controls (ISO/IEC 42001 Annex A, NIST AI RMF, its own) this
    /// answer describes.
    pub control_ids: Vec<String>,
    pub evidence: Vec<EvidenceLink>,
    pub status: EntryStatus,
    /// When the answer must be reviewed again; past it the entry is stale.
    #[schema(format = Date)]
    pub review_by: Option<String>,
    /// Past its review date: never suggested as approved until reviewed.
    pub stale: bool,
    pub version: i64,
    pub created_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// An entry is stale once its review date has passed.
pub fn is_stale(review_by: Option<&str>, today: &str) -> bool {
    review_by.is_some_and(|date| date < today)
}

/// Days an approval lasts when no review date is given.
pub const DEFAULT_REVIEW_DAYS: u32 = 365;

/// Approving needs a review date in the future: an answer approved past its review date would
/// be stale the moment it is approved.
pub fn check_approval(review_by: Option<&str>, today: &str) -> Result<(), FieldError> {
    match review_by {
        Some(date) if date <= today => Err(FieldError::new(
            "review_by",
            "past",
            format!("is {date}; an approved answer needs a review date after today"),
        )),
        _ => Ok(()),
    }
}

/// Checks what the person wrote beyond field lengths: distinct wordings, http(s) evidence.
pub fn check_fields(fields: &EntryFields) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let canonical = fields.question.to_lowercase();
    let mut seen: Vec<String> = Vec::new();
    for (i, alternative) in fields.alternatives.iter().enumerate() {
        let lower = alternative.to_lowercase();
        if lower == canonical || seen.contains(&lower) {
            errors.push(FieldError::new(
                format!("alternatives[{i}]"),
                "duplicate",
                "repeats the question or another wording",
            ));
        }
        seen.push(lower);
    }
    for (i, evidence) in fields.evidence.iter().enumerate() {
        if evidence.title.trim().is_empty() {
            errors.push(FieldError::new(
                format!("evidence[{i}].title"),
                "required",
                "must not be blank",
            ));
        }
        if let Some(url) = &evidence.url {
            let ok = url::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !ok {
                errors.push(FieldError::new(
                    format!("evidence[{i}].url"),
                    "format",
                    "must be an http or https URL",
                ));
            }
        }
    }
    errors
}

/// How sure a suggestion is, from its relevance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// The library's wording asks what the customer asks.
    High,
    /// Much in common; read it before accepting.
    Medium,
    /// A distant match: a person should answer.
    Low,
}

/// Relevance at or above which a suggestion is `high`.
pub const HIGH_RELEVANCE: f64 = 0.6;
/// Relevance at or above which a suggestion is `medium`; below it, `low`.
pub const MEDIUM_RELEVANCE: f64 = 0.3;

pub fn confidence(relevance: f64) -> Confidence {
    if relevance >= HIGH_RELEVANCE {
        Confidence::High
    } else if relevance >= MEDIUM_RELEVANCE {
        Confidence::Medium
    } else {
        Confidence::Low
    }
}

/// One library entry suggested for a question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Suggestion {
    pub entry_id: String,
    /// 1 for the best suggestion.
    pub rank: u32,
    /// Search score (BM25) of the best-matching wording; only comparable within one question.
    pub score: f64,
    /// From 0 to 1: how much of the question the wording covers and of the wording the
    /// question asks, each word weighted by how rare it is in the library.
    pub relevance: f64,
    pub confidence: Confidence,
    /// The entry's wording that matched best.
    pub matched_phrasing: String,
    pub answer_short: String,
    pub status: EntryStatus,
    pub stale: bool,
    /// Approved and not stale: fit to accept as it stands.
    pub approved: bool,
    pub controls: Vec<ControlCitation>,
    pub evidence: Vec<EvidenceLink>,
}

/// Whether a question needs a person: no suggestion fit to accept with at least medium
/// confidence.
pub fn needs_human(suggestions: &[Suggestion]) -> bool {
    suggestions
        .first()
        .is_none_or(|best| !best.approved || best.confidence == Confidence::Low)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> EntryFields {
        EntryFields {
            question: "Do you train on customer data?".into(),
            alternatives: vec!["Is our data used for training?".into()],
            answer_short: "No.".into(),
            answer_long: None,
            owner: None,
            tags: vec![],
            control_ids: vec![],
            evidence: vec![EvidenceLink {
                title: "DPA".into(),
                url: Some("https://trust.example.com/dpa".into()),
                reference: None,
            }],
            review_by: None,
        }
    }

    #[test]
    fn staleness_follows_the_review_date() {
        assert!(is_stale(Some("2026-11-30"), "2026-12-01"));
        assert!(!is_stale(Some("2026-12-01"), "2026-12-01"));
        assert!(!is_stale(None, "2026-12-01"));
        assert!(check_approval(Some("2026-12-01"), "2026-12-01").is_err());
        assert!(check_approval(Some("2026-12-02"), "2026-12-01").is_ok());
        assert!(check_approval(None, "2026-12-01").is_ok());
    }

    #[test]
    fn repeated_wordings_and_bad_evidence_are_named() {
        assert!(check_fields(&fields()).is_empty());
        let mut bad = fields();
        bad.alternatives = vec![
            "do you train on customer data?".into(),
            "A".into(),
            "a".into(),
        ];
        bad.evidence[0].url = Some("ftp://x".into());
        let named: Vec<String> = check_fields(&bad).into_iter().map(|e| e.field).collect();
        assert_eq!(
            named,
            ["alternatives[0]", "alternatives[2]", "evidence[0].url"]
        );
    }

    #[test]
    fn statuses_move_as_documented() {
        assert!(EntryStatus::Draft.can_become(EntryStatus::Approved));
        assert!(EntryStatus::Approved.can_become(EntryStatus::Retired));
        assert!(!EntryStatus::Retired.can_become(EntryStatus::Approved));
    }

    #[test]
    fn bands_and_the_need_for_a_person() {
        assert_eq!(confidence(0.8), Confidence::High);
        assert_eq!(confidence(0.4), Confidence::Medium);
        assert_eq!(confidence(0.1), Confidence::Low);
        assert!(needs_human(&[]));
        let mut s = Suggestion {
            entry_id: "e".into(),
            rank: 1,
            score: 3.0,
            relevance: 0.7,
            confidence: Confidence::High,
            matched_phrasing: "q".into(),
            answer_short: "a".into(),
            status: EntryStatus::Approved,
            stale: false,
            approved: true,
            controls: vec![],
            evidence: vec![],
        };
        assert!(!needs_human(std::slice::from_ref(&s)));
        s.approved = false;
        assert!(needs_human(std::slice::from_ref(&s)));
        s.approved = true;
        s.confidence = Confidence::Low;
        assert!(needs_human(&[s]));
    }
}
