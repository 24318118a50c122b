//! Procurement systems: the integrations that announce supplier requests, the intake of those
//! requests, and the decisions sent back.

use serde_json::json;

use super::assessments::{self, IssuedLink, NewAssessment};
use super::journal::{self, Change};
use super::{check_version, read, stored_enum, write, ServiceError};
use crate::db::procurement::{InboundRow, IntegrationRow, RequestRow};
use crate::db::{self, DbConn, Pool};
use crate::domain::pagination::{self, Page};
use crate::domain::procurement::{
    IntakeEvent, IntakeOutcome, IntegrationFields, IntegrationWithSecret, ProcurementDecision,
    ProcurementIntegration, ProcurementRequest, ProcurementSystem, SupplierRequest,
};
use crate::domain::vendor::{ExternalId, Vendor, VendorFields, VendorPatch};
use crate::domain::webhook::generate_secret;
use crate::domain::{time, Actor, FieldError};

const ENTITY: &str = "procurement integration";
/// The built-in due-diligence template (migration 000006).
pub const BUILT_IN_TEMPLATE_ID: &str = "0193a000-0000-7000-8000-000000000001";

fn not_found() -> ServiceError {
    ServiceError::NotFound { entity: ENTITY }
}

pub type Edit<'a> =
    &'a dyn Fn(&ProcurementIntegration) -> Result<IntegrationFields, Vec<FieldError>>;

fn to_integration(row: &IntegrationRow) -> Result<ProcurementIntegration, ServiceError> {
    Ok(ProcurementIntegration {
        id: row.id.clone(),
        name: row.name.clone(),
        system: stored_enum("procurement system", &row.system)?,
        template_id: row.template_id.clone(),
        send_assessment: row.send_assessment,
        assessment_due_days: row.assessment_due_days,
        enabled: row.enabled,
        version: row.version,
        created_at: row.created_at.clone(),
        updated_at: row.updated_at.clone(),
    })
}

fn to_request(row: &RequestRow) -> Result<ProcurementRequest, ServiceError> {
    Ok(ProcurementRequest {
        id: row.id.clone(),
        integration_id: row.integration_id.clone(),
        external_id: row.external_id.clone(),
        vendor_id: row.vendor_id.clone(),
        assessment_id: row.assessment_id.clone(),
        request: serde_json::from_str(&row.request)?,
        received_count: row.received_count,
        created_at: row.created_at.clone(),
        updated_at: row.updated_at.clone(),
    })
}

fn check_template(
    conn: &mut DbConn,
    org: &str,
    template_id: Option<&str>,
) -> Result<(), ServiceError> {
    if let Some(id) = template_id {
        if db::questionnaires::find_template(conn, org, id)?.is_none() {
            return Err(ServiceError::field(
                "template_id",
                "not_found",
                "is not a questionnaire template of the organisation",
            ));
        }
    }
    Ok(())
}

fn audit(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    id: &str,
    before: Option<&ProcurementIntegration>,
    after: Option<&ProcurementIntegration>,
) -> Result<(), ServiceError> {
    journal::audit(
        conn,
        actor,
        Change {
            action,
            entity_type: "procurement_integration",
            entity_id: id,
            before: before.map(journal::snapshot).transpose()?.flatten(),
            after: after.map(journal::snapshot).transpose()?.flatten(),
            reason: None,
        },
    )
}

pub fn create(
    pool: &Pool,
    actor: &Actor,
    fields: IntegrationFields,
) -> Result<IntegrationWithSecret, ServiceError> {
    write(pool, |conn| {
        check_template(conn, &actor.org, fields.template_id.as_deref())?;
        let now = time::now();
        let row = IntegrationRow {
            id: db::new_id(),
            org_id: actor.org.clone(),
            name: fields.name.clone(),
            system: crate::domain::ai_service::enum_to_text(&fields.system),
            secret: generate_secret(),
            template_id: fields.template_id.clone(),
            send_assessment: fields.send_assessment,
            assessment_due_days: fields.assessment_due_days,
            enabled: fields.enabled,
            version: 1,
            created_at: now.clone(),
            updated_at: now,
        };
        db::procurement::insert_integration(conn, &row)?;
        let integration = to_integration(&row)?;
        audit(
            conn,
            actor,
            "procurement_integration.created",
            &row.id,
            None,
            Some(&integration),
        )?;
        Ok(IntegrationWithSecret {
            integration,
            secret: row.secret,
        })
    })
}

fn load(conn: &mut DbConn, org: &str, id: &str) -> Result<IntegrationRow, ServiceError> {
    db::procurement::find_integration(conn, org, id)?.ok_or_else(not_found)
}

pub fn get(pool: &Pool, actor: &Actor, id: &str) -> Result<ProcurementIntegration, ServiceError> {
    read(pool, |conn| to_integration(&load(conn, &actor.org, id)?))
}

pub fn list(
    pool: &Pool,
    actor: &Actor,
    page: &Page,
) -> Result<(Vec<ProcurementIntegration>, Option<String>), ServiceError> {
    read(pool, |conn| {
        let rows = db::procurement::list_integrations(
            conn,
            &actor.org,
            page.after.as_deref(),
            page.limit,
        )?;
        let (rows, next) = pagination::finish(rows, page.limit, |r| r.id.clone());
        let data = rows.iter().map(to_integration).collect::<Result<_, _>>()?;
        Ok((data, next))
    })
}

pub fn update(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
    edit: Edit<'_>,
) -> Result<ProcurementIntegration, ServiceError> {
    write(pool, |conn| {
        let current = load(conn, &actor.org, id)?;
        check_version(if_match, current.version)?;
        let before = to_integration(&current)?;
        let fields = edit(&before).map_err(ServiceError::Validation)?;
        check_template(conn, &actor.org, fields.template_id.as_deref())?;
        let next = IntegrationRow {
            name: fields.name,
            system: crate::domain::ai_service::enum_to_text(&fields.system),
            template_id: fields.template_id,
            send_assessment: fields.send_assessment,
            assessment_due_days: fields.assessment_due_days,
            enabled: fields.enabled,
            version: current.version + 1,
            updated_at: time::now(),
            ..current.clone()
        };
        if !db::procurement::update_integration(conn, &next, current.version)? {
            return Err(ServiceError::PreconditionFailed {
                expected: current.version,
                current: current.version + 1,
            });
        }
        let after = to_integration(&next)?;
        audit(
            conn,
            actor,
            "procurement_integration.updated",
            id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

pub fn delete(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
) -> Result<(), ServiceError> {
    write(pool, |conn| {
        let current = load(conn, &actor.org, id)?;
        check_version(if_match, current.version)?;
        db::procurement::delete_integration(conn, &actor.org, id)?;
        audit(
            conn,
            actor,
            "procurement_integration.deleted",
            id,
            Some(&to_integration(&current)?),
            None,
        )
    })
}

/// The secret intake events must be signed with, and the integration's organisation.
pub fn verification_secret(pool: &Pool, integration_id: &str) -> Result<String, ServiceError> {
    read(pool, |conn| {
        let row =
            db::procurement::find_integration_by_id(conn, integration_id)?.ok_or_else(not_found)?;
        if !row.enabled {
            return Err(ServiceError::Conflict(
                "the integration is disabled; enable it to receive events".into(),
            ));
        }
        Ok(row.secret)
    })
}

/// How an intake event was handled; `replayed` when its `webhook-id` was seen before.
pub struct Received {
    pub org: String,
    pub outcome: IntakeOutcome,
    /// The link issued with the assessment, for the API layer to sign.
    pub link: Option<IssuedLink>,
    pub replayed: bool,
}

/// What a handled message's answer is stored as, to be given again on a redelivery.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredAnswer {
    outcome: IntakeOutcome,
    link: Option<IssuedLink>,
}

fn vendor_fields(system: ProcurementSystem, request: &SupplierRequest) -> VendorFields {
    let mut tags = vec!["procurement-intake".to_owned()];
    if request.ai_involved {
        tags.push("ai".to_owned());
    }
    VendorFields {
        legal_name: request.name.clone(),
        display_name: None,
        domains: request.domain.iter().cloned().collect(),
        country: None,
        owner: request
            .requester
            .as_ref()
            .map(|r| r.email.clone().unwrap_or_else(|| r.name.clone())),
        tier: None,
        notes: request.purpose.clone(),
        tags,
        external_ids: vec![ExternalId {
            source: system.source().to_owned(),
            id: request.external_id.clone(),
        }],
    }
}

/// Records a supplier request announced by a procurement system: creates the vendor
/// (`proposed`) or updates the one the external id already names, and, when the request
/// involves AI and the integration says so, creates and sends an assessment. A `webhook-id`
/// seen before gets its first answer back and changes nothing.
pub fn receive(
    pool: &Pool,
    integration_id: &str,
    message_id: &str,
    event: &IntakeEvent,
) -> Result<Received, ServiceError> {
    write(pool, |conn| {
        let integration =
            db::procurement::find_integration_by_id(conn, integration_id)?.ok_or_else(not_found)?;
        let org = integration.org_id.clone();
        if let Some(seen) = db::procurement::find_inbound(conn, integration_id, message_id)? {
            let stored: StoredAnswer = serde_json::from_str(&seen.response_body)?;
            return Ok(Received {
                org,
                outcome: stored.outcome,
                link: stored.link,
                replayed: true,
            });
        }
        let actor = Actor {
            org: org.clone(),
            subject: format!("procurement:{}", integration.id),
            roles: Vec::new(),
            request_id: None,
        };
        let system: ProcurementSystem = stored_enum("procurement system", &integration.system)?;
        let request = &event.data;
        let now = time::now();
        let existing = db::procurement::find_request(conn, integration_id, &request.external_id)?;
        let (mut row, vendor_created) = match existing {
            Some(existing) => {
                let patch = VendorPatch {
                    legal_name: Some(request.name.clone()),
                    domains: request.domain.as_ref().map(|d| vec![d.clone()]),
                    ..VendorPatch::default()
                };
                super::vendors::update_in(conn, &actor, &existing.vendor_id, None, &patch)?;
                let row = RequestRow {
                    request: serde_json::to_string(request)?,
                    received_count: existing.received_count + 1,
                    updated_at: now.clone(),
                    ..existing
                };
                db::procurement::update_request(conn, &row)?;
                (row, false)
            }
            None => {
                let known = db::vendors::external_id_holder(
                    conn,
                    &org,
                    "",
                    system.source(),
                    &request.external_id,
                )?;
                let vendor: Vendor = match &known {
                    Some(vendor_id) => super::vendors::load(conn, &org, vendor_id)?,
                    None => {
                        super::vendors::insert_new(conn, &actor, &vendor_fields(system, request))?
                    }
                };
                let row = RequestRow {
                    id: db::new_id(),
                    org_id: org.clone(),
                    integration_id: integration_id.to_owned(),
                    external_id: request.external_id.clone(),
                    vendor_id: vendor.id,
                    assessment_id: None,
                    request: serde_json::to_string(request)?,
                    received_count: 1,
                    created_at: now.clone(),
                    updated_at: now.clone(),
                };
                db::procurement::insert_request(conn, &row)?;
                (row, known.is_none())
            }
        };
        let mut outcome = IntakeOutcome {
            request_id: row.id.clone(),
            vendor_id: row.vendor_id.clone(),
            vendor_created,
            assessment_id: row.assessment_id.clone(),
            assessment_status: None,
        };
        let mut issued = None;
        if row.assessment_id.is_none() && request.ai_involved && integration.send_assessment {
            let due = time::add_days(
                &time::today(),
                u32::try_from(integration.assessment_due_days).unwrap_or(21),
            );
            let created = assessments::create_in(
                conn,
                &actor,
                &NewAssessment {
                    vendor_id: row.vendor_id.clone(),
                    ai_service_id: None,
                    template_id: integration
                        .template_id
                        .clone()
                        .unwrap_or_else(|| BUILT_IN_TEMPLATE_ID.to_owned()),
                    template_version: None,
                    due_date: due.clone(),
                    contact_id: None,
                },
            )?;
            let expires = format!("{}T23:59:59.000000Z", due.unwrap_or_else(time::today));
            let (sent, link) = assessments::send_in(conn, &actor, &created.id, None, &expires)?;
            row.assessment_id = Some(sent.id.clone());
            db::procurement::update_request(conn, &row)?;
            outcome.assessment_id = Some(sent.id);
            outcome.assessment_status = Some(crate::domain::ai_service::enum_to_text(&sent.status));
            issued = Some(link);
        }
        let recorded = to_request(&row)?;
        journal::audit(
            conn,
            &actor,
            Change {
                action: "procurement_request.received",
                entity_type: "vendor",
                entity_id: &row.vendor_id,
                before: None,
                after: journal::snapshot(&recorded)?,
                reason: None,
            },
        )?;
        journal::emit(
            conn,
            &org,
            "procurement.request_received",
            json!({ "request": recorded }),
        )?;
        db::procurement::insert_inbound(
            conn,
            &InboundRow {
                integration_id: integration_id.to_owned(),
                message_id: message_id.to_owned(),
                org_id: org.clone(),
                response_status: 202,
                response_body: serde_json::to_string(&StoredAnswer {
                    outcome: outcome.clone(),
                    link: issued.clone(),
                })?,
                received_at: now,
            },
        )?;
        Ok(Received {
            org,
            outcome,
            link: issued,
            replayed: false,
        })
    })
}

/// Tells each procurement system that brought the vendor in about its status and tiers, as a
/// `procurement.decision` event, in the transaction of the change.
pub(super) fn announce_decision(
    conn: &mut DbConn,
    actor: &Actor,
    vendor: &Vendor,
    conditions: Option<&str>,
) -> Result<(), ServiceError> {
    let requests = db::procurement::requests_for_vendor(conn, &actor.org, &vendor.id)?;
    if requests.is_empty() {
        return Ok(());
    }
    let risk_tier = db::risk::vendor_risk(conn, &vendor.id)?.map(|r| r.tier);
    for (request, integration) in requests {
        let decision = ProcurementDecision {
            integration_id: integration.id.clone(),
            system: stored_enum("procurement system", &integration.system)?,
            external_id: request.external_id,
            vendor_id: vendor.id.clone(),
            decision: vendor.status,
            tier: vendor.tier,
            risk_tier: risk_tier.clone(),
            conditions: conditions.map(str::to_owned),
            decided_at: time::now(),
        };
        journal::emit(
            conn,
            &actor.org,
            "procurement.decision",
            json!({ "decision": decision }),
        )?;
    }
    Ok(())
}
