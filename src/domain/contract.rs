//! Contracts with a vendor, their clauses mapped to controls, the responsibility split, and
//! the dates that need attention (notice and end).

use chrono::Months;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::time::{format_date, parse_date};
use super::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContractType {
    Msa,
    Dpa,
    AiAddendum,
    Sla,
    OrderForm,
    Nda,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    Draft,
    Negotiating,
    Active,
    Terminated,
    /// Set by annexa when the end date of a contract that does not renew itself has passed.
    Expired,
}

impl ContractStatus {
    /// Only an active contract binds the vendor, so only its clauses count as coverage.
    pub fn binds(self) -> bool {
        self == ContractStatus::Active
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClauseCategory {
    DataProtection,
    Security,
    AiUse,
    TrainingData,
    Subprocessors,
    IncidentNotification,
    AuditRights,
    ModelChanges,
    Transparency,
    Liability,
    IntellectualProperty,
    Termination,
    Other,
}

/// How much of a control a clause covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClauseCoverage {
    Full,
    Partial,
}

/// Whether someone checked that the clause says what the mapping claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    Claimed,
    Verified,
    Disputed,
}

/// Who holds a control in the supplier relationship (ISO/IEC 42001 A.10.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Organisation,
    Supplier,
    Shared,
}

/// Validated fields of a contract.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractFields {
    pub title: String,
    pub contract_type: ContractType,
    pub status: ContractStatus,
    pub effective_date: String,
    pub end_date: Option<String>,
    pub auto_renewal: bool,
    pub renewal_term_months: Option<i32>,
    pub notice_period_days: Option<i32>,
    pub governing_law: Option<String>,
    pub notes: Option<String>,
}

/// A contract as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Contract {
    pub id: String,
    pub vendor_id: String,
    #[schema(example = "Acme AI master services agreement")]
    pub title: String,
    pub contract_type: ContractType,
    pub status: ContractStatus,
    #[schema(format = Date, example = "2026-01-01")]
    pub effective_date: String,
    /// Absent for an open-ended contract.
    #[schema(format = Date, example = "2027-12-31")]
    pub end_date: Option<String>,
    pub auto_renewal: bool,
    /// How long each automatic renewal runs (12 when not given).
    #[schema(example = 12)]
    pub renewal_term_months: Option<i32>,
    #[schema(example = 90)]
    pub notice_period_days: Option<i32>,
    /// The last day notice can be given: the end date less the notice period.
    #[schema(format = Date, example = "2027-10-02")]
    pub notice_date: Option<String>,
    #[schema(example = "England and Wales")]
    pub governing_law: Option<String>,
    pub notes: Option<String>,
    #[schema(example = 1)]
    pub version: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// One control a clause is mapped to.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ClauseMapping {
    pub id: String,
    #[schema(example = "iso42001:A.10.3")]
    pub control_id: String,
    pub coverage: ClauseCoverage,
    pub verification: Verification,
    /// Who last verified or disputed the mapping.
    pub verified_by: Option<String>,
    #[schema(format = DateTime)]
    pub verified_at: Option<String>,
    pub note: Option<String>,
}

/// A clause of a contract, with the controls it covers.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Clause {
    pub id: String,
    pub contract_id: String,
    #[schema(example = "§7.2")]
    pub reference: String,
    #[schema(example = "No training on customer data without written opt-in.")]
    pub summary: String,
    pub category: ClauseCategory,
    pub mappings: Vec<ClauseMapping>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Default length of an automatic renewal.
pub const DEFAULT_RENEWAL_MONTHS: u32 = 12;

/// The last day notice can be given, when the contract has both an end and a notice period.
pub fn notice_date(end_date: Option<&str>, notice_period_days: Option<i32>) -> Option<String> {
    let end = parse_date(end_date?)?;
    let days = notice_period_days?;
    end.checked_sub_days(chrono::Days::new(u64::try_from(days).ok()?))
        .map(format_date)
}

/// Rules that need more than one field: dates in order, notice and renewal only where they
/// mean something. Every broken rule is reported.
pub fn check(fields: &ContractFields) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let effective = parse_date(&fields.effective_date);
    let end = fields.end_date.as_deref().and_then(parse_date);
    if let (Some(effective), Some(end)) = (effective, end) {
        if end < effective {
            errors.push(FieldError::new(
                "end_date",
                "date_order",
                format!(
                    "the end date {} is before the effective date {}",
                    format_date(end),
                    format_date(effective)
                ),
            ));
        }
    }
    if fields.end_date.is_none() {
        if fields.notice_period_days.is_some() {
            errors.push(FieldError::new(
                "notice_period_days",
                "requires_end_date",
                "a notice period needs an end date to count back from",
            ));
        }
        if fields.auto_renewal {
            errors.push(FieldError::new(
                "auto_renewal",
                "requires_end_date",
                "a contract that renews itself needs an end date",
            ));
        }
    }
    if fields.renewal_term_months.is_some() && !fields.auto_renewal {
        errors.push(FieldError::new(
            "renewal_term_months",
            "requires_auto_renewal",
            "a renewal term applies only to a contract that renews itself",
        ));
    }
    let notice = notice_date(fields.end_date.as_deref(), fields.notice_period_days)
        .as_deref()
        .and_then(parse_date);
    if let (Some(effective), Some(notice)) = (effective, notice) {
        if notice < effective && end.is_some_and(|e| e >= effective) {
            errors.push(FieldError::new(
                "notice_period_days",
                "date_order",
                format!(
                    "the notice date {} would fall before the effective date {}",
                    format_date(notice),
                    format_date(effective)
                ),
            ));
        }
    }
    errors
}

/// A date in a contract's life that someone must act on before it passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    /// The last day to give notice (to end or renegotiate a contract that renews itself).
    Notice,
    /// The contract's end date.
    End,
}

impl Milestone {
    pub fn as_str(self) -> &'static str {
        match self {
            Milestone::Notice => "notice",
            Milestone::End => "end",
        }
    }
}

/// The contract's milestones with their dates, notice first.
pub fn milestones(
    end_date: Option<&str>,
    notice_period_days: Option<i32>,
) -> Vec<(Milestone, String)> {
    let mut out = Vec::new();
    if let Some(notice) = notice_date(end_date, notice_period_days) {
        out.push((Milestone::Notice, notice));
    }
    if let Some(end) = end_date {
        out.push((Milestone::End, end.to_owned()));
    }
    out
}

/// The thresholds a milestone `days_left` away has reached: every threshold at or above it.
/// The smallest of them is the one announced; the larger ones count as announced too, so a
/// contract entered 5 days before its end raises one event, not three.
pub fn reached_thresholds(days_left: i64, thresholds: &[u32]) -> Vec<u32> {
    if days_left < 0 {
        return Vec::new();
    }
    let mut reached: Vec<u32> = thresholds
        .iter()
        .copied()
        .filter(|t| i64::from(*t) >= days_left)
        .collect();
    reached.sort_unstable();
    reached
}

/// The end date after automatic renewals: whole renewal terms added until it is today or later.
pub fn renewed_end(end_date: &str, term_months: u32, today: &str) -> Option<String> {
    let today = parse_date(today)?;
    let mut end = parse_date(end_date)?;
    let term = Months::new(term_months.max(1));
    while end < today {
        end = end.checked_add_months(term)?;
    }
    Some(format_date(end))
}

/// `30d` or `30` → 30; 1 to 3650 days.
pub fn parse_window(field: &str, value: &str) -> Result<u32, FieldError> {
    let digits = value.strip_suffix('d').unwrap_or(value);
    match digits.parse::<u32>() {
        Ok(days) if (1..=3650).contains(&days) => Ok(days),
        _ => Err(FieldError::new(
            field,
            "window",
            "must be a number of days from 1 to 3650, like 30d",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> ContractFields {
        ContractFields {
            title: "MSA".into(),
            contract_type: ContractType::Msa,
            status: ContractStatus::Active,
            effective_date: "2026-01-01".into(),
            end_date: Some("2027-01-01".into()),
            auto_renewal: true,
            renewal_term_months: Some(12),
            notice_period_days: Some(90),
            governing_law: None,
            notes: None,
        }
    }

    fn codes(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect()
    }

    #[test]
    fn a_sound_contract_passes() {
        assert!(check(&fields()).is_empty());
        assert_eq!(
            notice_date(Some("2027-01-01"), Some(90)).as_deref(),
            Some("2026-10-03")
        );
    }

    #[test]
    fn dates_out_of_order_are_named() {
        let mut f = fields();
        f.end_date = Some("2025-06-30".into());
        assert!(codes(&check(&f)).contains(&("end_date", "date_order")));

        let mut f = fields();
        f.notice_period_days = Some(400);
        assert_eq!(codes(&check(&f)), [("notice_period_days", "date_order")]);
    }

    #[test]
    fn notice_and_renewal_need_an_end_date() {
        let mut f = fields();
        f.end_date = None;
        assert_eq!(
            codes(&check(&f)),
            [
                ("notice_period_days", "requires_end_date"),
                ("auto_renewal", "requires_end_date")
            ]
        );
        let mut f = fields();
        f.auto_renewal = false;
        assert_eq!(
            codes(&check(&f)),
            [("renewal_term_months", "requires_auto_renewal")]
        );
    }

    #[test]
    fn thresholds_reached_announce_the_smallest_once() {
        assert_eq!(reached_thresholds(45, &[60, 30, 7]), [60]);
        assert_eq!(reached_thresholds(5, &[60, 30, 7]), [7, 30, 60]);
        assert_eq!(reached_thresholds(61, &[60, 30, 7]), Vec::<u32>::new());
        assert_eq!(reached_thresholds(-1, &[60, 30, 7]), Vec::<u32>::new());
    }

    #[test]
    fn renewal_adds_whole_terms() {
        assert_eq!(
            renewed_end("2025-03-31", 12, "2026-11-25").as_deref(),
            Some("2027-03-31")
        );
        assert_eq!(
            renewed_end("2026-12-01", 12, "2026-11-25").as_deref(),
            Some("2026-12-01")
        );
    }

    #[test]
    fn windows_read_days() {
        assert_eq!(parse_window("w", "30d"), Ok(30));
        assert_eq!(parse_window("w", "7"), Ok(7));
        assert!(parse_window("w", "0d").is_err());
        assert!(parse_window("w", "a month").is_err());
    }
}
