//! Findings: gaps and issues with an owner, a due date and a status, raised by hand or from
//! coverage gaps.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::vendor::Tier;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// A gap finding is as severe as the vendor's risk tier.
    pub fn for_tier(tier: Tier) -> Self {
        match tier {
            Tier::Low => Severity::Low,
            Tier::Medium => Severity::Medium,
            Tier::High => Severity::High,
            Tier::Critical => Severity::Critical,
        }
    }

    /// Days allowed to act on a finding of this severity when no due date is given.
    pub fn days_to_act(self) -> u32 {
        match self {
            Severity::Critical => 14,
            Severity::High => 30,
            Severity::Medium => 60,
            Severity::Low => 90,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    Open,
    InProgress,
    /// Accepted by an admin or risk manager until a date; open again after it.
    RiskAccepted,
    Resolved,
}

impl FindingStatus {
    pub fn allowed_next(self) -> &'static [FindingStatus] {
        use FindingStatus::*;
        match self {
            Open => &[InProgress, RiskAccepted, Resolved],
            InProgress => &[Open, RiskAccepted, Resolved],
            RiskAccepted => &[Open, InProgress, Resolved],
            Resolved => &[Open],
        }
    }

    pub fn can_become(self, next: FindingStatus) -> bool {
        self.allowed_next().contains(&next)
    }

    pub fn is_open(self) -> bool {
        self != FindingStatus::Resolved
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingSource {
    /// Raised and closed by annexa from a coverage gap.
    Coverage,
    Manual,
}

/// A finding as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Finding {
    pub id: String,
    pub vendor_id: String,
    #[schema(example = "iso42001:A.10.3")]
    pub control_id: Option<String>,
    pub source: FindingSource,
    #[schema(example = "No evidence for A.10.3 Suppliers")]
    pub title: String,
    pub description: Option<String>,
    pub severity: Severity,
    #[schema(example = "jane.doe@example.com")]
    pub owner: Option<String>,
    #[schema(format = Date, example = "2026-12-25")]
    pub due_date: Option<String>,
    pub status: FindingStatus,
    /// Why the status last changed.
    pub status_reason: Option<String>,
    #[schema(format = Date)]
    pub risk_accepted_until: Option<String>,
    pub risk_accepted_by: Option<String>,
    pub created_by: String,
    #[schema(example = 1)]
    pub version: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(format = DateTime)]
    pub resolved_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FindingComment {
    pub id: String,
    pub finding_id: String,
    pub author: String,
    #[schema(example = "Vendor says the DPA annex is coming next week.")]
    pub body: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// Editable fields of a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingFields {
    pub title: String,
    pub description: Option<String>,
    pub severity: Severity,
    pub owner: Option<String>,
    pub due_date: Option<String>,
    pub control_id: Option<String>,
}

/// Filters for the findings list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub vendor_id: Option<String>,
    pub status: Option<FindingStatus>,
    pub severity: Option<Severity>,
    pub source: Option<FindingSource>,
    pub control_id: Option<String>,
    pub owner: Option<String>,
    /// Open findings whose due date is before this date.
    pub due_before: Option<String>,
}

/// The key that makes a coverage finding unique per vendor and control.
pub fn coverage_key(vendor_id: &str, control_id: &str) -> String {
    format!("coverage:{vendor_id}:{control_id}")
}

/// What to do with the coverage finding for one control, given the control's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapAction {
    Create,
    Reopen,
    Resolve,
    Keep,
}

/// `existing` is the status of the control's coverage finding, if it has one.
pub fn gap_action(is_gap: bool, existing: Option<FindingStatus>) -> GapAction {
    match (is_gap, existing) {
        (true, None) => GapAction::Create,
        (true, Some(FindingStatus::Resolved)) => GapAction::Reopen,
        (false, Some(status)) if status.is_open() => GapAction::Resolve,
        _ => GapAction::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_create_once_reopen_and_resolve() {
        assert_eq!(gap_action(true, None), GapAction::Create);
        assert_eq!(gap_action(true, Some(FindingStatus::Open)), GapAction::Keep);
        assert_eq!(
            gap_action(true, Some(FindingStatus::RiskAccepted)),
            GapAction::Keep
        );
        assert_eq!(
            gap_action(true, Some(FindingStatus::Resolved)),
            GapAction::Reopen
        );
        assert_eq!(
            gap_action(false, Some(FindingStatus::InProgress)),
            GapAction::Resolve
        );
        assert_eq!(
            gap_action(false, Some(FindingStatus::Resolved)),
            GapAction::Keep
        );
        assert_eq!(gap_action(false, None), GapAction::Keep);
    }

    #[test]
    fn a_resolved_finding_can_only_reopen() {
        assert_eq!(
            FindingStatus::Resolved.allowed_next(),
            &[FindingStatus::Open]
        );
        assert!(FindingStatus::Open.can_become(FindingStatus::RiskAccepted));
        assert!(!FindingStatus::Open.can_become(FindingStatus::Open));
    }
}
