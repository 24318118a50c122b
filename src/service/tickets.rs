//! Ticketing connections, findings pushed to tickets (on demand and by severity rule), and
//! ticket updates flowing back to findings.

use std::time::Duration;

use serde_json::{json, Map, Value};

use super::findings::{self, StatusChange};
use super::journal::{self, Change};
use super::{check_version, read, stored_enum, write, ServiceError};
use crate::db::tickets::{TicketRow, TicketingRow, CREATED, PENDING};
use crate::db::{self, DbConn, Pool};
use crate::domain::ai_service::enum_to_text;
use crate::domain::finding::{Finding, FindingStatus};
use crate::domain::ticketing::{
    FindingTicket, TicketChange, TicketingFields, TicketingIntegration, TicketingKind,
    TicketingWithSecret,
};
use crate::domain::webhook::generate_secret;
use crate::domain::{time, Actor, FieldError};

const ENTITY: &str = "ticketing integration";
/// How long one push may hold a ticket before another process may retry it.
const PUSH_LEASE: chrono::Duration = chrono::Duration::minutes(2);
/// Longest wait between automatic retries of a failed push.
const MAX_RETRY: Duration = Duration::from_secs(3600);

fn not_found() -> ServiceError {
    ServiceError::NotFound { entity: ENTITY }
}

pub type Edit<'a> = &'a dyn Fn(&TicketingIntegration) -> Result<TicketingFields, Vec<FieldError>>;

fn to_integration(row: &TicketingRow) -> Result<TicketingIntegration, ServiceError> {
    Ok(TicketingIntegration {
        id: row.id.clone(),
        name: row.name.clone(),
        kind: stored_enum("ticketing kind", &row.kind)?,
        base_url: row.base_url.clone(),
        username: row.username.clone(),
        has_credential: !row.credential.is_empty(),
        project_key: row.project_key.clone(),
        issue_type: row.issue_type.clone(),
        table_name: row.table_name.clone(),
        field_mapping: serde_json::from_str(&row.field_mapping)?,
        auto_push_severity: row
            .auto_push_severity
            .as_deref()
            .map(|s| stored_enum("severity", s))
            .transpose()?,
        version: row.version,
        created_at: row.created_at.clone(),
        updated_at: row.updated_at.clone(),
    })
}

fn to_ticket(row: &TicketRow) -> Result<FindingTicket, ServiceError> {
    Ok(FindingTicket {
        integration_id: row.integration_id.clone(),
        status: stored_enum("ticket status", &row.status)?,
        key: row.ticket_key.clone(),
        url: row.ticket_url.clone(),
        attempts: row.attempts,
        last_error: row.last_error.clone(),
        created_at: row.created_at.clone(),
        updated_at: row.updated_at.clone(),
    })
}

fn audit(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    id: &str,
    before: Option<&TicketingIntegration>,
    after: Option<&TicketingIntegration>,
) -> Result<(), ServiceError> {
    journal::audit(
        conn,
        actor,
        Change {
            action,
            entity_type: "ticketing_integration",
            entity_id: id,
            before: before.map(journal::snapshot).transpose()?.flatten(),
            after: after.map(journal::snapshot).transpose()?.flatten(),
            reason: None,
        },
    )
}

fn check_fields(fields: &TicketingFields) -> Result<(), ServiceError> {
    if fields.kind == TicketingKind::Jira && fields.project_key.is_none() {
        return Err(ServiceError::field(
            "project_key",
            "required",
            "a Jira connection needs the project key issues are created in",
        ));
    }
    Ok(())
}

pub fn create(
    pool: &Pool,
    actor: &Actor,
    fields: TicketingFields,
) -> Result<TicketingWithSecret, ServiceError> {
    check_fields(&fields)?;
    let credential = fields.credential.clone().ok_or_else(|| {
        ServiceError::field(
            "credential",
            "required",
            "the API token or password is required",
        )
    })?;
    write(pool, |conn| {
        let now = time::now();
        let row = TicketingRow {
            id: db::new_id(),
            org_id: actor.org.clone(),
            name: fields.name.clone(),
            kind: enum_to_text(&fields.kind),
            base_url: fields.base_url.clone(),
            username: fields.username.clone(),
            credential: credential.clone(),
            project_key: fields.project_key.clone(),
            issue_type: fields.issue_type.clone(),
            table_name: fields.table_name.clone(),
            field_mapping: Value::Object(fields.field_mapping.clone()).to_string(),
            auto_push_severity: fields.auto_push_severity.map(|s| enum_to_text(&s)),
            inbound_secret: generate_secret(),
            version: 1,
            created_at: now.clone(),
            updated_at: now,
        };
        db::tickets::insert_integration(conn, &row)?;
        let integration = to_integration(&row)?;
        audit(
            conn,
            actor,
            "ticketing_integration.created",
            &row.id,
            None,
            Some(&integration),
        )?;
        Ok(TicketingWithSecret {
            integration,
            inbound_secret: row.inbound_secret,
        })
    })
}

fn load(conn: &mut DbConn, org: &str, id: &str) -> Result<TicketingRow, ServiceError> {
    db::tickets::find_integration(conn, org, id)?.ok_or_else(not_found)
}

pub fn get(pool: &Pool, actor: &Actor, id: &str) -> Result<TicketingIntegration, ServiceError> {
    read(pool, |conn| to_integration(&load(conn, &actor.org, id)?))
}

pub fn list(pool: &Pool, actor: &Actor) -> Result<Vec<TicketingIntegration>, ServiceError> {
    read(pool, |conn| {
        db::tickets::integrations(conn, &actor.org)?
            .iter()
            .map(to_integration)
            .collect()
    })
}

pub fn update(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
    edit: Edit<'_>,
) -> Result<TicketingIntegration, ServiceError> {
    write(pool, |conn| {
        let current = load(conn, &actor.org, id)?;
        check_version(if_match, current.version)?;
        let before = to_integration(&current)?;
        let fields = edit(&before).map_err(ServiceError::Validation)?;
        check_fields(&fields)?;
        let next = TicketingRow {
            name: fields.name,
            kind: enum_to_text(&fields.kind),
            base_url: fields.base_url,
            username: fields.username,
            credential: fields
                .credential
                .unwrap_or_else(|| current.credential.clone()),
            project_key: fields.project_key,
            issue_type: fields.issue_type,
            table_name: fields.table_name,
            field_mapping: Value::Object(fields.field_mapping).to_string(),
            auto_push_severity: fields.auto_push_severity.map(|s| enum_to_text(&s)),
            version: current.version + 1,
            updated_at: time::now(),
            ..current.clone()
        };
        if !db::tickets::update_integration(conn, &next, current.version)? {
            return Err(ServiceError::PreconditionFailed {
                expected: current.version,
                current: current.version + 1,
            });
        }
        let after = to_integration(&next)?;
        audit(
            conn,
            actor,
            "ticketing_integration.updated",
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
        db::tickets::delete_integration(conn, &actor.org, id)?;
        audit(
            conn,
            actor,
            "ticketing_integration.deleted",
            id,
            Some(&to_integration(&current)?),
            None,
        )
    })
}

/// Everything a connector call needs.
#[derive(Debug, Clone)]
pub struct PushPlan {
    pub org: String,
    pub finding: Finding,
    pub kind: TicketingKind,
    pub base_url: String,
    pub username: String,
    pub credential: String,
    pub project_key: Option<String>,
    pub issue_type: Option<String>,
    pub table_name: Option<String>,
    pub mapping: Map<String, Value>,
}

pub enum Push {
    /// The finding already has its ticket.
    Existing(FindingTicket),
    Send(Box<PushPlan>),
}

fn plan(conn: &mut DbConn, ticket: &TicketRow) -> Result<PushPlan, ServiceError> {
    let integration = db::tickets::find_integration(conn, &ticket.org_id, &ticket.integration_id)?
        .ok_or_else(not_found)?;
    let finding = findings::get_in(conn, &ticket.org_id, &ticket.finding_id)?;
    Ok(PushPlan {
        org: ticket.org_id.clone(),
        finding,
        kind: stored_enum("ticketing kind", &integration.kind)?,
        base_url: integration.base_url,
        username: integration.username,
        credential: integration.credential,
        project_key: integration.project_key,
        issue_type: integration.issue_type,
        table_name: integration.table_name,
        mapping: serde_json::from_str(&integration.field_mapping)?,
    })
}

fn new_ticket(
    org: &str,
    finding_id: &str,
    integration_id: &str,
    lease: Option<String>,
) -> TicketRow {
    let now = time::now();
    TicketRow {
        finding_id: finding_id.to_owned(),
        org_id: org.to_owned(),
        integration_id: integration_id.to_owned(),
        status: PENDING.into(),
        ticket_key: None,
        ticket_url: None,
        attempts: 0,
        last_error: None,
        next_attempt_at: now.clone(),
        lease_until: lease,
        created_at: now.clone(),
        updated_at: now,
    }
}

/// Decides what pushing a finding means: its ticket if it has one, else a plan to create it
/// (the ticket is held so that a second push at the same time does not create another).
pub fn prepare_push(
    pool: &Pool,
    actor: &Actor,
    finding_id: &str,
    integration_id: Option<&str>,
) -> Result<Push, ServiceError> {
    write(pool, |conn| {
        findings::get_in(conn, &actor.org, finding_id)?;
        let now = time::now();
        let until = time::format(chrono::Utc::now() + PUSH_LEASE);
        if let Some(ticket) = db::tickets::ticket_of(conn, finding_id)? {
            if ticket.status == CREATED {
                return Ok(Push::Existing(to_ticket(&ticket)?));
            }
            if !db::tickets::lease_ticket(conn, finding_id, &now, &until)? {
                return Err(ServiceError::Conflict(
                    "the finding is being pushed right now; try again shortly".into(),
                ));
            }
            return Ok(Push::Send(Box::new(plan(conn, &ticket)?)));
        }
        let connections = db::tickets::integrations(conn, &actor.org)?;
        let chosen = match integration_id {
            Some(id) => connections
                .into_iter()
                .find(|c| c.id == id)
                .ok_or_else(|| {
                    ServiceError::field(
                        "integration_id",
                        "not_found",
                        "is not a ticketing integration of the organisation",
                    )
                })?,
            None if connections.len() == 1 => connections.into_iter().next().expect("one"),
            None if connections.is_empty() => {
                return Err(ServiceError::Conflict(
                    "the organisation has no ticketing integration; create one first".into(),
                ))
            }
            None => {
                return Err(ServiceError::field(
                    "integration_id",
                    "required",
                    "the organisation has several ticketing integrations; name one",
                ))
            }
        };
        let ticket = new_ticket(&actor.org, finding_id, &chosen.id, Some(until));
        db::tickets::insert_ticket(conn, &ticket)?;
        Ok(Push::Send(Box::new(plan(conn, &ticket)?)))
    })
}

/// Records how a push went: the ticket's key and link, or the error and when to retry.
pub fn record_push(
    pool: &Pool,
    org: &str,
    finding_id: &str,
    result: Result<(String, String), String>,
) -> Result<FindingTicket, ServiceError> {
    write(pool, |conn| {
        let current = db::tickets::ticket_of(conn, finding_id)?
            .filter(|t| t.org_id == org)
            .ok_or(ServiceError::NotFound { entity: "ticket" })?;
        let attempts = current.attempts + 1;
        let now = chrono::Utc::now();
        let next = match &result {
            Ok((key, url)) => TicketRow {
                status: CREATED.into(),
                ticket_key: Some(key.clone()),
                ticket_url: Some(url.clone()),
                attempts,
                last_error: None,
                lease_until: None,
                updated_at: time::format(now),
                ..current.clone()
            },
            Err(error) => {
                let wait =
                    Duration::from_secs(60 * 2u64.pow(attempts.clamp(0, 6) as u32)).min(MAX_RETRY);
                TicketRow {
                    attempts,
                    last_error: Some(error.chars().take(500).collect()),
                    next_attempt_at: time::format(
                        now + chrono::Duration::from_std(wait)
                            .map_err(|e| ServiceError::Internal(e.to_string()))?,
                    ),
                    lease_until: None,
                    updated_at: time::format(now),
                    ..current.clone()
                }
            }
        };
        db::tickets::update_ticket(conn, &next)?;
        let ticket = to_ticket(&next)?;
        if result.is_ok() {
            let actor = super::system_actor(org);
            journal::audit(
                conn,
                &actor,
                Change {
                    action: "finding.ticket_linked",
                    entity_type: "finding",
                    entity_id: finding_id,
                    before: None,
                    after: journal::snapshot(&ticket)?,
                    reason: None,
                },
            )?;
            journal::emit(
                conn,
                org,
                "finding.ticket_linked",
                json!({ "finding_id": finding_id, "ticket": ticket }),
            )?;
        }
        Ok(ticket)
    })
}

/// Every integration of `org` with the lowest severity it pushes by itself, if any.
pub(super) fn auto_pushes(
    conn: &mut DbConn,
    org: &str,
) -> Result<Vec<journal::AutoPush>, ServiceError> {
    db::tickets::integrations(conn, org)?
        .into_iter()
        .map(|connection| {
            let threshold = connection
                .auto_push_severity
                .as_deref()
                .map(|s| stored_enum("severity", s))
                .transpose()?;
            Ok((connection.id, threshold))
        })
        .collect()
}

/// The integration that pushes `finding` by itself, if any meets its severity.
pub(super) fn automatic_push<'a>(
    auto_pushes: &'a [journal::AutoPush],
    finding: &Finding,
) -> Option<&'a str> {
    auto_pushes
        .iter()
        .find(|(_, threshold)| threshold.is_some_and(|t| finding.severity >= t))
        .map(|(integration_id, _)| integration_id.as_str())
}

/// Queues the finding's ticket with `integration_id` unless it has one. The finding must be
/// stored: the ticket refers to it.
pub(super) fn queue_push(
    conn: &mut DbConn,
    org: &str,
    finding: &Finding,
    integration_id: &str,
) -> Result<(), ServiceError> {
    if db::tickets::ticket_of(conn, &finding.id)?.is_none() {
        let ticket = new_ticket(org, &finding.id, integration_id, None);
        db::tickets::insert_ticket(conn, &ticket)?;
    }
    Ok(())
}

/// Holds due automatic pushes for this process and returns their plans.
pub fn claim_due(pool: &Pool, limit: i64) -> Result<Vec<PushPlan>, ServiceError> {
    write(pool, |conn| {
        let now = time::now();
        let until = time::format(chrono::Utc::now() + PUSH_LEASE);
        let mut plans = Vec::new();
        for ticket in db::tickets::due_tickets(conn, &now, limit)? {
            if db::tickets::lease_ticket(conn, &ticket.finding_id, &now, &until)? {
                plans.push(plan(conn, &ticket)?);
            }
        }
        Ok(plans)
    })
}

/// The secret inbound ticket webhooks of a connection must prove, and its kind.
pub fn inbound_secret(
    pool: &Pool,
    integration_id: &str,
) -> Result<(String, TicketingKind), ServiceError> {
    read(pool, |conn| {
        let row =
            db::tickets::find_integration_by_id(conn, integration_id)?.ok_or_else(not_found)?;
        Ok((
            row.inbound_secret.clone(),
            stored_enum("ticketing kind", &row.kind)?,
        ))
    })
}

/// What an inbound ticket update did.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TicketUpdateOutcome {
    /// The finding the ticket belongs to, when annexa knows the ticket.
    pub finding_id: Option<String>,
    /// Whether the finding's status changed.
    pub applied: bool,
    /// The finding's status afterwards.
    pub status: Option<FindingStatus>,
    pub detail: String,
}

/// Moves the finding behind ticket `key` as the ticket moved: resolved, or in progress.
pub fn apply_update(
    pool: &Pool,
    integration_id: &str,
    key: &str,
    change: TicketChange,
) -> Result<TicketUpdateOutcome, ServiceError> {
    let ticket = read(pool, |conn| {
        Ok(db::tickets::ticket_by_key(conn, integration_id, key)?)
    })?;
    let Some(ticket) = ticket else {
        return Ok(TicketUpdateOutcome {
            finding_id: None,
            applied: false,
            status: None,
            detail: format!("no finding is linked to ticket {key}"),
        });
    };
    let actor = Actor {
        subject: format!("ticketing:{integration_id}"),
        ..super::system_actor(&ticket.org_id)
    };
    let finding = read(pool, |conn| {
        findings::get_in(conn, &ticket.org_id, &ticket.finding_id)
    })?;
    let target = match change {
        TicketChange::Resolved => FindingStatus::Resolved,
        TicketChange::InProgress if finding.status == FindingStatus::Open => {
            FindingStatus::InProgress
        }
        _ => {
            return Ok(TicketUpdateOutcome {
                finding_id: Some(finding.id),
                applied: false,
                status: Some(finding.status),
                detail: "the ticket's change does not move the finding".into(),
            })
        }
    };
    if finding.status == target {
        return Ok(TicketUpdateOutcome {
            finding_id: Some(finding.id),
            applied: false,
            status: Some(finding.status),
            detail: "the finding is already there".into(),
        });
    }
    let moved = findings::change_status(
        pool,
        &actor,
        &finding.id,
        None,
        StatusChange {
            status: target,
            reason: Some(format!("ticket {key} changed")),
            risk_accepted_until: None,
        },
    );
    match moved {
        Ok(updated) => Ok(TicketUpdateOutcome {
            finding_id: Some(updated.id),
            applied: true,
            status: Some(updated.status),
            detail: format!("ticket {key} moved the finding"),
        }),
        Err(ServiceError::Conflict(reason)) => Ok(TicketUpdateOutcome {
            finding_id: Some(finding.id),
            applied: false,
            status: Some(finding.status),
            detail: reason,
        }),
        Err(ServiceError::IllegalTransition { from, to, .. }) => Ok(TicketUpdateOutcome {
            finding_id: Some(finding.id),
            applied: false,
            status: Some(finding.status),
            detail: format!("a finding cannot move from {from} to {to}"),
        }),
        Err(other) => Err(other),
    }
}

/// The ticket of a finding, if it has one.
pub fn ticket_in(
    conn: &mut DbConn,
    finding_id: &str,
) -> Result<Option<FindingTicket>, ServiceError> {
    db::tickets::ticket_of(conn, finding_id)?
        .as_ref()
        .map(to_ticket)
        .transpose()
}
