//! The OpenAPI 3.1 document, generated from the handlers and types, and the docs UI.

use actix_web::{web, HttpResponse};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use super::{
    ai_services, answer_library, assessments, audit, catalog, contacts, contracts,
    customer_questionnaires, evidence, findings, health, problem, procurement, questionnaires,
    responsibilities, risk, subprocessors, ticketing, vendors, webhooks,
};
use crate::domain::events::CATALOG;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "annexa",
        description = "Governance of the AI an organisation buys and sells, under ISO/IEC 42001 Annex A: supplier inventory, due diligence, contracts, risk, and a tamper-evident audit log.\n\nAuthenticate with `Authorization: Bearer <JWT>`. Errors are RFC 9457 `application/problem+json`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    paths(
        health::healthz,
        health::readyz,
        vendors::create_vendor,
        vendors::list_vendors,
        vendors::get_vendor,
        vendors::update_vendor,
        vendors::change_vendor_status,
        vendors::delete_vendor,
        contacts::list_contacts,
        contacts::create_contact,
        contacts::get_contact,
        contacts::update_contact,
        contacts::delete_contact,
        subprocessors::list_subprocessors,
        subprocessors::add_subprocessor,
        subprocessors::remove_subprocessor,
        ai_services::list_vendor_ai_services,
        ai_services::create_ai_service,
        ai_services::list_ai_services,
        ai_services::get_ai_service,
        ai_services::update_ai_service,
        ai_services::delete_ai_service,
        ai_services::list_ai_service_changes,
        ai_services::list_use_cases,
        ai_services::create_use_case,
        ai_services::get_use_case,
        ai_services::update_use_case,
        ai_services::delete_use_case,
        ai_services::get_vendor_ai_bom,
        ai_services::import_vendor_ai_bom,
        ai_services::get_ai_bom,
        catalog::list_frameworks,
        catalog::get_framework_oscal,
        catalog::list_controls,
        catalog::get_control,
        catalog::create_control,
        catalog::update_control,
        catalog::delete_control,
        catalog::add_crosswalk_entry,
        catalog::remove_crosswalk_entry,
        catalog::list_control_profiles,
        catalog::get_control_profile_oscal,
        catalog::set_control_profile,
        catalog::reset_control_profile,
        catalog::get_required_controls,
        questionnaires::list_templates,
        questionnaires::create_template,
        questionnaires::get_template,
        questionnaires::update_template,
        questionnaires::create_template_version,
        questionnaires::get_template_version,
        questionnaires::replace_template_version,
        questionnaires::publish_template_version,
        questionnaires::import_template,
        questionnaires::export_template_version,
        assessments::create_assessment,
        assessments::list_assessments,
        assessments::get_assessment,
        assessments::send_assessment,
        assessments::issue_vendor_link,
        assessments::revoke_vendor_links,
        assessments::get_questionnaire,
        assessments::save_answers,
        assessments::submit_assessment,
        assessments::change_assessment_status,
        assessments::review_answer,
        assessments::get_assessment_results,
        assessments::export_assessment,
        assessments::get_assessment_oscal,
        assessments::record_reminder,
        assessments::list_reminders,
        evidence::upload_evidence,
        evidence::list_evidence,
        evidence::download_evidence,
        contracts::create_contract,
        contracts::list_vendor_contracts,
        contracts::list_contracts,
        contracts::get_contract,
        contracts::update_contract,
        contracts::delete_contract,
        contracts::upload_document,
        contracts::list_documents,
        contracts::download_document,
        contracts::create_clause,
        contracts::list_clauses,
        contracts::update_clause,
        contracts::delete_clause,
        contracts::add_mappings,
        contracts::update_mapping,
        contracts::delete_mapping,
        responsibilities::get_responsibilities,
        responsibilities::set_responsibilities,
        risk::get_coverage,
        risk::get_risk,
        risk::risk_history,
        risk::get_model,
        risk::model_versions,
        risk::set_model,
        risk::recompute,
        risk::portfolio,
        findings::create_finding,
        findings::list_findings,
        findings::get_finding,
        findings::update_finding,
        findings::change_status,
        findings::add_comment,
        webhooks::list_event_types,
        webhooks::create_endpoint,
        webhooks::list_endpoints,
        webhooks::get_endpoint,
        webhooks::update_endpoint,
        webhooks::delete_endpoint,
        webhooks::rotate_secret,
        webhooks::list_deliveries,
        webhooks::replay_delivery,
        procurement::create_integration,
        procurement::list_integrations,
        procurement::get_integration,
        procurement::update_integration,
        procurement::delete_integration,
        procurement::receive_event,
        ticketing::create_integration,
        ticketing::list_integrations,
        ticketing::get_integration,
        ticketing::update_integration,
        ticketing::delete_integration,
        ticketing::push_finding,
        ticketing::receive_update,
        answer_library::create_entry,
        answer_library::list_entries,
        answer_library::suggest,
        answer_library::get_entry,
        answer_library::update_entry,
        answer_library::change_status,
        answer_library::entry_history,
        customer_questionnaires::import_questionnaire,
        customer_questionnaires::list_questionnaires,
        customer_questionnaires::get_questionnaire,
        customer_questionnaires::answer_question,
        customer_questionnaires::change_status,
        customer_questionnaires::refresh_suggestions,
        customer_questionnaires::export_questionnaire,
        audit::list_audit_events,
        audit::verify_audit_chain,
    ),
    components(schemas(
        problem::Problem,
        questionnaires::TemplateFileFormat,
        assessments::AssessmentFileFormat,
        crate::domain::customer_questionnaire::QuestionnaireStatus,
        crate::domain::procurement::ProcurementRequest,
        crate::domain::procurement::ProcurementDecision
    )),
    modifiers(&BearerAuth, &EventWebhooks),
    tags(
        (name = "vendors", description = "AI suppliers and their lifecycle"),
        (name = "vendor contacts", description = "People at a vendor"),
        (name = "vendor subprocessors", description = "Fourth parties a vendor relies on"),
        (name = "ai services", description = "What vendors provide, where it is used, how it changed"),
        (name = "controls", description = "Control catalogs (ISO/IEC 42001 Annex A, NIST AI RMF, EU AI Act) and their crosswalk"),
        (name = "questionnaires", description = "Due-diligence questionnaire templates, versioned; a published version is immutable"),
        (name = "assessments", description = "Questionnaires sent to vendors, answered through a scoped link, reviewed and scored"),
        (name = "contracts", description = "Contracts with vendors, clauses mapped to controls, and who holds each control"),
        (name = "risk", description = "Coverage of required controls, explainable risk scores, the risk model and the portfolio"),
        (name = "findings", description = "Gaps and issues with an owner, a due date and a status"),
        (name = "webhooks", description = "Signed event delivery to your endpoints (Standard Webhooks), the delivery log, and the event catalog"),
        (name = "integrations", description = "Procurement systems announcing supplier requests, and ticketing systems findings are pushed to"),
        (name = "answer library", description = "Approved answers to customers' AI-governance questions (A.10.4), searched for suggestions"),
        (name = "customer questionnaires", description = "Customers' questionnaires answered from the library, reviewed and exported in the shape they came in"),
        (name = "audit", description = "Hash-chained record of every change"),
        (name = "health", description = "Probes")
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("JWT with claims sub, org, roles, exp, iss, aud"))
                    .build(),
            ),
        );
    }
}

/// OpenAPI 3.1 `webhooks`: one entry per event type, the body annexa POSTs to endpoints.
struct EventWebhooks;

impl Modify for EventWebhooks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut hooks = serde_json::Map::new();
        for event in CATALOG {
            hooks.insert(
                event.name.to_owned(),
                serde_json::json!({
                    "post": {
                        "summary": event.description,
                        "tags": ["webhooks"],
                        "parameters": [
                            {"name": "webhook-id", "in": "header", "required": true, "description": "The event's id, the same on every attempt", "schema": {"type": "string"}},
                            {"name": "webhook-timestamp", "in": "header", "required": true, "description": "Unix seconds when the attempt was signed", "schema": {"type": "string"}},
                            {"name": "webhook-signature", "in": "header", "required": true, "description": "Space-separated `v1,<base64 HMAC-SHA256>` signatures of `id.timestamp.body`, one per live secret", "schema": {"type": "string"}}
                        ],
                        "requestBody": {
                            "required": true,
                            "content": {"application/json": {"schema": event.envelope_schema()}}
                        },
                        "responses": {
                            "2XX": {"description": "Received; any other answer is retried on the schedule, 410 disables the endpoint"}
                        }
                    }
                }),
            );
        }
        openapi
            .extensions
            .get_or_insert_with(Default::default)
            .insert("webhooks".into(), serde_json::Value::Object(hooks));
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as committed in `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut json = document()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", document()))
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("Location", "/docs/"))
                    .finish()
            }),
        );
}
