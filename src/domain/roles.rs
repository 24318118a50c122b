use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    RiskManager,
    Procurement,
    Sales,
    /// Read-only everywhere, including the audit log.
    Auditor,
    /// Reserved for assessment links.
    Vendor,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::RiskManager,
        Role::Procurement,
        Role::Sales,
        Role::Auditor,
        Role::Vendor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::RiskManager => "risk_manager",
            Role::Procurement => "procurement",
            Role::Sales => "sales",
            Role::Auditor => "auditor",
            Role::Vendor => "vendor",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == value)
    }
}

/// Who may call what. Each endpoint names one of these sets.
pub mod access {
    use super::Role;

    /// Reading the supplier inventory: every staff role.
    pub const READ_VENDORS: &[Role] = &[
        Role::Admin,
        Role::RiskManager,
        Role::Procurement,
        Role::Sales,
        Role::Auditor,
    ];
    /// Creating and editing vendors, their contacts and subprocessor links.
    pub const WRITE_VENDORS: &[Role] = &[Role::Admin, Role::RiskManager, Role::Procurement];
    /// Deleting a vendor and deciding its status.
    pub const DECIDE_VENDORS: &[Role] = &[Role::Admin, Role::RiskManager, Role::Procurement];
    pub const DELETE_VENDORS: &[Role] = &[Role::Admin, Role::RiskManager];
    /// Changing the organisation's controls, crosswalk and what vendors must evidence.
    pub const MANAGE_CATALOG: &[Role] = &[Role::Admin, Role::RiskManager];
    /// Writing and publishing questionnaire templates.
    pub const MANAGE_QUESTIONNAIRES: &[Role] = &[Role::Admin, Role::RiskManager];
    /// Reviewing vendors' answers and completing assessments.
    pub const REVIEW_ASSESSMENTS: &[Role] = &[Role::Admin, Role::RiskManager];
    /// Verifying or disputing what a contract clause covers, accepting risks.
    pub const VERIFY_AND_ACCEPT: &[Role] = &[Role::Admin, Role::RiskManager];
    /// Changing the risk model and recomputing the portfolio.
    pub const MANAGE_RISK_MODEL: &[Role] = &[Role::Admin, Role::RiskManager];
    /// Reading and verifying the audit log.
    pub const READ_AUDIT: &[Role] = &[Role::Admin, Role::RiskManager, Role::Auditor];
    /// Webhook endpoints, procurement and ticketing connections: they hold secrets.
    pub const MANAGE_INTEGRATIONS: &[Role] = &[Role::Admin];
    /// Reading integration settings and delivery logs (never secrets).
    pub const READ_INTEGRATIONS: &[Role] = &[Role::Admin, Role::Auditor];
    /// Pushing a finding to a ticketing system.
    pub const PUSH_TICKETS: &[Role] = &[Role::Admin, Role::RiskManager, Role::Procurement];
    /// Writing the answer library and answering customers' questionnaires.
    pub const MANAGE_ANSWERS: &[Role] = &[Role::Admin, Role::RiskManager, Role::Sales];

    pub fn describe(roles: &[Role]) -> String {
        roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn auditor_and_vendor_never_write() {
        for set in [
            access::WRITE_VENDORS,
            access::DECIDE_VENDORS,
            access::DELETE_VENDORS,
        ] {
            assert!(!set.contains(&Role::Auditor));
            assert!(!set.contains(&Role::Vendor));
        }
    }
}
