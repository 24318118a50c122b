//! Procurement intake: the normalised supplier request a procurement system sends, the
//! integration that receives it, and the decision sent back.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::ai_service::DataCategory;
use super::vendor::{Tier, VendorStatus};

/// The procurement systems annexa documents a mapping for; `other` for anything that can send
/// the normalised shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProcurementSystem {
    Coupa,
    Ariba,
    Zip,
    Ironclad,
    Other,
}

impl ProcurementSystem {
    /// The `source` of the external id the vendor gets.
    pub fn source(self) -> &'static str {
        match self {
            Self::Coupa => "coupa",
            Self::Ariba => "ariba",
            Self::Zip => "zip",
            Self::Ironclad => "ironclad",
            Self::Other => "procurement",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a2c0-0000-7000-8000-000000000001",
    "name": "Coupa production",
    "system": "coupa",
    "template_id": null,
    "send_assessment": true,
    "assessment_due_days": 21,
    "enabled": true,
    "version": 1,
    "created_at": "2026-11-25T09:00:00.000000Z",
    "updated_at": "2026-11-25T09:00:00.000000Z"
}))]
pub struct ProcurementIntegration {
    pub id: String,
    pub name: String,
    pub system: ProcurementSystem,
    /// The questionnaire template sent to AI suppliers; the built-in due-diligence template when
    /// null.
    pub template_id: Option<String>,
    /// Whether a request that involves AI gets an assessment created and sent at once.
    pub send_assessment: bool,
    /// Days the supplier has to answer.
    pub assessment_due_days: i64,
    pub enabled: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// An integration with its signing secret: returned at creation only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntegrationWithSecret {
    #[serde(flatten)]
    pub integration: ProcurementIntegration,
    /// Standard Webhooks secret the procurement system signs its events with; shown once.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwq0f5dzMp1A8=")]
    pub secret: String,
}

/// A validated integration definition.
#[derive(Debug, Clone, PartialEq)]
pub struct IntegrationFields {
    pub name: String,
    pub system: ProcurementSystem,
    pub template_id: Option<String>,
    pub send_assessment: bool,
    pub assessment_due_days: i64,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Requester {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "Jane Doe")]
    pub name: String,
    #[validate(email, length(max = 254))]
    #[schema(format = Email, max_length = 254, example = "jane.doe@example.com")]
    pub email: Option<String>,
}

/// What a procurement system says about a supplier someone asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierRequest {
    /// The supplier's (or the request's) id in the procurement system; repeats update.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "SUP-10042")]
    pub external_id: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300, example = "Acme AI Ltd")]
    pub name: String,
    /// The supplier's web domain, e.g. `acme.ai`.
    #[validate(length(min = 1, max = 253))]
    #[schema(min_length = 1, max_length = 253, example = "acme.ai")]
    pub domain: Option<String>,
    #[validate(nested)]
    pub requester: Option<Requester>,
    /// What the organisation wants the supplier for.
    #[validate(length(min = 1, max = 2000))]
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "LLM assistant for customer support"
    )]
    pub purpose: Option<String>,
    pub ai_involved: bool,
    #[serde(default)]
    #[validate(length(max = 10))]
    #[schema(max_items = 10)]
    pub data_categories: Vec<DataCategory>,
}

/// The body of a signed intake event (the Standard Webhooks shape).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "type": "supplier.requested",
    "timestamp": "2026-11-25T09:00:00Z",
    "data": {
        "external_id": "SUP-10042",
        "name": "Acme AI Ltd",
        "domain": "acme.ai",
        "requester": {"name": "Jane Doe", "email": "jane.doe@example.com"},
        "purpose": "LLM assistant for customer support",
        "ai_involved": true,
        "data_categories": ["personal", "confidential"]
    }
}))]
pub struct IntakeEvent {
    /// `supplier.requested`.
    #[serde(rename = "type")]
    #[schema(example = "supplier.requested")]
    pub event_type: String,
    #[validate(length(max = 40))]
    #[schema(max_length = 40)]
    pub timestamp: Option<String>,
    #[validate(nested)]
    pub data: SupplierRequest,
}

pub const SUPPLIER_REQUESTED: &str = "supplier.requested";

/// A supplier request as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProcurementRequest {
    pub id: String,
    pub integration_id: String,
    pub external_id: String,
    pub vendor_id: String,
    pub assessment_id: Option<String>,
    pub request: SupplierRequest,
    /// How many events announced it.
    pub received_count: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// The answer to an intake event; a redelivered event (same `webhook-id`) gets it again.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "request_id": "0193a2c1-0000-7000-8000-000000000001",
    "vendor_id": "0193a2c1-0000-7000-8000-000000000002",
    "vendor_created": true,
    "assessment_id": "0193a2c1-0000-7000-8000-000000000003",
    "assessment_status": "sent"
}))]
pub struct IntakeOutcome {
    pub request_id: String,
    pub vendor_id: String,
    /// False when the external id was seen before (the vendor was updated instead).
    pub vendor_created: bool,
    pub assessment_id: Option<String>,
    pub assessment_status: Option<String>,
}

/// What annexa tells the procurement system when a vendor's status or tier changes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProcurementDecision {
    pub integration_id: String,
    pub system: ProcurementSystem,
    /// The id the procurement system sent.
    pub external_id: String,
    pub vendor_id: String,
    pub decision: VendorStatus,
    /// The organisation's criticality tier for the vendor.
    pub tier: Option<Tier>,
    /// The computed risk tier, when the vendor has been scored.
    pub risk_tier: Option<String>,
    /// Conditions or the reason given with the decision.
    pub conditions: Option<String>,
    pub decided_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_system_names_its_external_ids() {
        assert_eq!(ProcurementSystem::Coupa.source(), "coupa");
        assert_eq!(ProcurementSystem::Other.source(), "procurement");
    }

    #[test]
    fn intake_events_read_the_normalised_shape() {
        let event: IntakeEvent = serde_json::from_value(serde_json::json!({
            "type": "supplier.requested",
            "data": {"external_id": "S-1", "name": "Acme", "ai_involved": true,
                     "data_categories": ["personal"]}
        }))
        .unwrap();
        assert_eq!(event.data.data_categories, vec![DataCategory::Personal]);
        assert!(event.validate().is_ok());
    }
}
