//! The catalog of domain events: every event annexa writes to its outbox, what it means, and
//! the shape of its `data`. Webhook endpoints subscribe to these names; `GET /v1/event-types`
//! and the OpenAPI document's `webhooks` section are generated from this list.

use serde_json::{json, Map, Value};

/// The shape of one member of an event's `data`.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// A schema of the OpenAPI document's components.
    Ref(&'static str),
    Text,
    TextOrNull,
    Integer,
    ObjectOrNull,
    ArrayOf(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct EventType {
    pub name: &'static str,
    pub description: &'static str,
    pub data: &'static [(&'static str, Shape)],
}

use Shape::*;

const VENDOR: &[(&str, Shape)] = &[("vendor", Ref("Vendor"))];
const CONTACT: &[(&str, Shape)] = &[("contact", Ref("Contact"))];
const SUBPROCESSOR: &[(&str, Shape)] = &[("link", Ref("SubprocessorLink"))];
const AI_SERVICE: &[(&str, Shape)] = &[("ai_service", Ref("AiService"))];
const USE_CASE: &[(&str, Shape)] = &[("use_case", Ref("UseCase"))];
const CONTROL: &[(&str, Shape)] = &[("control", Ref("Control"))];
const CONTROL_LINK: &[(&str, Shape)] = &[("control_id", Text), ("related_id", Text)];
const TEMPLATE_VERSION: &[(&str, Shape)] =
    &[("template_id", Text), ("number", Integer), ("status", Text)];
const ASSESSMENT: &[(&str, Shape)] = &[("assessment", Ref("Assessment"))];
const CONTRACT: &[(&str, Shape)] = &[("contract", Ref("Contract"))];
const CLAUSE: &[(&str, Shape)] = &[("vendor_id", Text), ("clause", Ref("Clause"))];
const FINDING: &[(&str, Shape)] = &[("finding", Ref("Finding"))];
const ANSWER_ENTRY: &[(&str, Shape)] = &[("entry", Ref("AnswerEntry"))];
const ENDPOINT: &[(&str, Shape)] = &[("endpoint", Ref("WebhookEndpoint")), ("reason", Text)];

const fn event(
    name: &'static str,
    description: &'static str,
    data: &'static [(&'static str, Shape)],
) -> EventType {
    EventType {
        name,
        description,
        data,
    }
}

pub const CATALOG: &[EventType] = &[
    event("vendor.created", "A vendor was added to the register.", VENDOR),
    event("vendor.updated", "A vendor's details changed.", VENDOR),
    event(
        "vendor.status_changed",
        "A vendor moved through its lifecycle (proposed, in review, approved, rejected, offboarded).",
        &[
            ("vendor", Ref("Vendor")),
            ("from", Ref("VendorStatus")),
            ("to", Ref("VendorStatus")),
            ("reason", TextOrNull),
        ],
    ),
    event("vendor.deleted", "A vendor was removed from the register.", VENDOR),
    event(
        "vendor.reassessment_due",
        "A vendor needs reassessing: a provided model changed or its cadence passed.",
        &[("vendor", Ref("Vendor")), ("reason", Text)],
    ),
    event(
        "vendor.tier_changed",
        "A vendor's computed risk tier changed.",
        &[
            ("vendor_id", Text),
            ("legal_name", Text),
            ("from", TextOrNull),
            ("to", Text),
            ("score", Ref("RiskScore")),
        ],
    ),
    event(
        "vendor.responsibilities_updated",
        "Who holds each control for a vendor (organisation, supplier, shared) changed.",
        &[("vendor_id", Text), ("responsibilities", ArrayOf("Responsibility"))],
    ),
    event(
        "vendor.contract_expired",
        "Every contract with the vendor has expired.",
        VENDOR,
    ),
    event(
        "vendor.contract_restored",
        "A vendor whose contracts had expired has an active one again.",
        VENDOR,
    ),
    event("vendor_contact.created", "A contact was added to a vendor.", CONTACT),
    event("vendor_contact.updated", "A vendor contact changed.", CONTACT),
    event("vendor_contact.deleted", "A vendor contact was removed.", CONTACT),
    event(
        "vendor_subprocessor.added",
        "A vendor was recorded as relying on another (a fourth party).",
        SUBPROCESSOR,
    ),
    event(
        "vendor_subprocessor.removed",
        "A subprocessor link was removed.",
        SUBPROCESSOR,
    ),
    event(
        "ai_service.created",
        "An AI model or API a vendor provides was added.",
        AI_SERVICE,
    ),
    event(
        "ai_service.changed",
        "An AI service changed; `changes` lists each field that moved.",
        &[("ai_service", Ref("AiService")), ("changes", ArrayOf("FieldChange"))],
    ),
    event("ai_service.deleted", "An AI service was removed.", AI_SERVICE),
    event(
        "use_case.created",
        "A use of an AI service inside the organisation was recorded.",
        USE_CASE,
    ),
    event("use_case.updated", "A use case changed.", USE_CASE),
    event("use_case.deleted", "A use case was removed.", USE_CASE),
    event(
        "control.created",
        "The organisation defined a control of its own.",
        CONTROL,
    ),
    event("control.updated", "An organisation-defined control changed.", CONTROL),
    event("control.deleted", "An organisation-defined control was removed.", CONTROL),
    event(
        "control_link.created",
        "Two controls were recorded as corresponding (crosswalk).",
        CONTROL_LINK,
    ),
    event("control_link.deleted", "A crosswalk entry was removed.", CONTROL_LINK),
    event(
        "questionnaire_version.created",
        "A draft version of a questionnaire template was created.",
        TEMPLATE_VERSION,
    ),
    event(
        "questionnaire_version.updated",
        "A draft questionnaire version changed.",
        TEMPLATE_VERSION,
    ),
    event(
        "questionnaire_version.published",
        "A questionnaire version was published and can no longer change.",
        TEMPLATE_VERSION,
    ),
    event(
        "assessment.created",
        "A due-diligence assessment was created.",
        ASSESSMENT,
    ),
    event(
        "assessment.sent",
        "An assessment was sent: the vendor has a link to answer it.",
        ASSESSMENT,
    ),
    event(
        "assessment.in_progress",
        "The vendor saved its first answers.",
        ASSESSMENT,
    ),
    event(
        "assessment.submitted",
        "The vendor submitted its answers.",
        ASSESSMENT,
    ),
    event("assessment.in_review", "A reviewer started reviewing the answers.", ASSESSMENT),
    event(
        "assessment.returned",
        "A reviewer returned the assessment to the vendor for more answers.",
        ASSESSMENT,
    ),
    event(
        "assessment.completed",
        "The review finished; the assessment's results now count towards coverage and risk.",
        ASSESSMENT,
    ),
    event(
        "assessment.overdue",
        "An assessment passed its due date unanswered.",
        ASSESSMENT,
    ),
    event("contract.created", "A contract with a vendor was recorded.", CONTRACT),
    event("contract.updated", "A contract changed.", CONTRACT),
    event("contract.deleted", "A contract was removed.", CONTRACT),
    event(
        "contract.expiring",
        "A contract's notice date or end date is near; raised once per threshold.",
        &[
            ("contract", Ref("Contract")),
            ("milestone", Text),
            ("date", Text),
            ("days_left", Integer),
            ("threshold_days", Integer),
        ],
    ),
    event(
        "contract.renewed",
        "An auto-renewing contract reached its end date and renewed.",
        CONTRACT,
    ),
    event("contract.expired", "A contract reached its end date and expired.", CONTRACT),
    event("contract_clause.created", "A clause was added to a contract.", CLAUSE),
    event(
        "contract_clause.updated",
        "A clause or its mappings to controls changed.",
        CLAUSE,
    ),
    event("contract_clause.deleted", "A clause was removed.", CLAUSE),
    event(
        "risk.score_changed",
        "A vendor's inherent or residual risk score changed.",
        &[
            ("vendor_id", Text),
            ("score", Ref("RiskScore")),
            ("previous", ObjectOrNull),
        ],
    ),
    event(
        "risk_model.updated",
        "The organisation's risk model changed; every vendor is rescored.",
        &[("model", Ref("RiskModel"))],
    ),
    event("finding.created", "A finding was raised.", FINDING),
    event("finding.updated", "A finding's details changed.", FINDING),
    event(
        "finding.status_changed",
        "A finding moved to in progress or risk accepted.",
        FINDING,
    ),
    event("finding.resolved", "A finding was resolved.", FINDING),
    event("finding.reopened", "A resolved or accepted finding was reopened.", FINDING),
    event(
        "finding.commented",
        "Someone commented on a finding.",
        &[("finding_id", Text), ("comment", Ref("FindingComment"))],
    ),
    event(
        "finding.ticket_linked",
        "A finding was pushed to a ticketing system and the ticket recorded.",
        &[("finding_id", Text), ("ticket", Ref("FindingTicket"))],
    ),
    event(
        "answer_entry.created",
        "An entry was added to the answer library.",
        ANSWER_ENTRY,
    ),
    event(
        "answer_entry.updated",
        "An answer library entry changed; the version before is kept as history.",
        ANSWER_ENTRY,
    ),
    event(
        "answer_entry.status_changed",
        "An answer library entry was approved, returned to draft or retired.",
        ANSWER_ENTRY,
    ),
    event(
        "customer_questionnaire.imported",
        "A customer's questionnaire was imported with suggestions from the answer library.",
        &[("questionnaire", Ref("CustomerQuestionnaire"))],
    ),
    event(
        "customer_questionnaire.answered",
        "A question of a customer questionnaire was answered.",
        &[("questionnaire_id", Text), ("question", Ref("CustomerQuestion"))],
    ),
    event(
        "customer_questionnaire.status_changed",
        "A customer questionnaire moved: in progress, in review, approved, exported.",
        &[
            ("questionnaire", Ref("CustomerQuestionnaire")),
            ("from", Ref("QuestionnaireStatus")),
            ("to", Ref("QuestionnaireStatus")),
        ],
    ),
    event(
        "webhook_endpoint.disabled",
        "A webhook endpoint was disabled: it answered 410 Gone or kept failing.",
        ENDPOINT,
    ),
    event(
        "procurement.request_received",
        "A procurement system announced a supplier request.",
        &[("request", Ref("ProcurementRequest"))],
    ),
    event(
        "procurement.decision",
        "A vendor brought in by a procurement system changed status or tier; for that system.",
        &[("decision", Ref("ProcurementDecision"))],
    ),
];

pub fn find(name: &str) -> Option<&'static EventType> {
    CATALOG.iter().find(|e| e.name == name)
}

fn reference(component: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{component}") })
}

fn shape_schema(shape: Shape) -> Value {
    match shape {
        Ref(c) => reference(c),
        Text => json!({ "type": "string" }),
        TextOrNull => json!({ "type": ["string", "null"] }),
        Integer => json!({ "type": "integer" }),
        ObjectOrNull => json!({ "type": ["object", "null"] }),
        ArrayOf(c) => json!({ "type": "array", "items": reference(c) }),
    }
}

impl EventType {
    /// JSON Schema of the event's `data`; `$ref`s point into the OpenAPI document's components.
    pub fn data_schema(&self) -> Value {
        let mut properties = Map::new();
        for (name, shape) in self.data {
            properties.insert((*name).to_owned(), shape_schema(*shape));
        }
        let required: Vec<&str> = self.data.iter().map(|(name, _)| *name).collect();
        json!({ "type": "object", "required": required, "properties": properties })
    }

    /// JSON Schema of the whole body delivered to a webhook endpoint.
    pub fn envelope_schema(&self) -> Value {
        json!({
            "type": "object",
            "required": ["type", "timestamp", "data"],
            "properties": {
                "type": { "type": "string", "const": self.name },
                "timestamp": { "type": "string", "format": "date-time" },
                "data": self.data_schema(),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_dotted() {
        let mut names: Vec<&str> = CATALOG.iter().map(|e| e.name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
        assert!(names.iter().all(|n| n.split('.').count() == 2
            && n.chars()
                .all(|c| c == '.' || c == '_' || c.is_ascii_lowercase())));
    }

    #[test]
    fn data_schema_names_every_member() {
        let schema = find("vendor.status_changed").unwrap().data_schema();
        assert_eq!(
            schema["required"],
            json!(["vendor", "from", "to", "reason"])
        );
        assert_eq!(
            schema["properties"]["vendor"]["$ref"],
            "#/components/schemas/Vendor"
        );
    }
}
