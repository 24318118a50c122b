//! Findings: raised by hand or from coverage gaps, worked to resolution, every change audited.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::ai_services::Edit;
use super::journal::{self, snapshot, Change, Journal};
use super::risk::VendorCoverage;
use super::{check_version, read, stored_enum, system_actor, write, ServiceError};
use crate::db::findings::{CommentRow, CoverageFindingState, FindingRow};
use crate::db::{self, DbConn, Pool};
use crate::domain::ai_service::enum_to_text;
use crate::domain::coverage::CoverageVerdict;
use crate::domain::finding::{
    coverage_key, gap_action, Finding, FindingComment, FindingFields, FindingFilter, FindingSource,
    FindingStatus, GapAction, Severity,
};
use crate::domain::pagination::{self, Page};
use crate::domain::time;
use crate::domain::vendor::{Tier, Vendor};
use crate::domain::Actor;

const ENTITY: &str = "finding";
/// Comments one finding may hold.
pub const MAX_COMMENTS: i64 = 500;

fn not_found() -> ServiceError {
    ServiceError::NotFound { entity: ENTITY }
}

fn to_finding(row: FindingRow) -> Result<Finding, ServiceError> {
    Ok(Finding {
        source: stored_enum("source", &row.source)?,
        severity: stored_enum("severity", &row.severity)?,
        status: stored_enum("status", &row.status)?,
        id: row.id,
        vendor_id: row.vendor_id,
        control_id: row.control_id,
        title: row.title,
        description: row.description,
        owner: row.owner,
        due_date: row.due_date,
        status_reason: row.status_reason,
        risk_accepted_until: row.risk_accepted_until,
        risk_accepted_by: row.risk_accepted_by,
        created_by: row.created_by,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        resolved_at: row.resolved_at,
    })
}

fn to_comment(row: CommentRow) -> FindingComment {
    FindingComment {
        id: row.id,
        finding_id: row.finding_id,
        author: row.author,
        body: row.body,
        created_at: row.created_at,
    }
}

/// A finding with its comments.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingDetail {
    #[serde(flatten)]
    pub finding: Finding,
    pub comments: Vec<FindingComment>,
    /// The ticket the finding was pushed to.
    pub ticket: Option<crate::domain::ticketing::FindingTicket>,
}

fn load_row(conn: &mut DbConn, org: &str, id: &str) -> Result<FindingRow, ServiceError> {
    db::findings::find(conn, org, id)?.ok_or_else(not_found)
}

/// Stores the next state of a finding (version bumped), audits it and raises `event`.
fn store(
    conn: &mut DbConn,
    journal: &mut Journal,
    actor: &Actor,
    event: &str,
    before: Option<&FindingRow>,
    mut after: FindingRow,
    reason: Option<&str>,
) -> Result<Finding, ServiceError> {
    let previous = before.map(|b| to_finding(b.clone())).transpose()?;
    match before {
        Some(b) => {
            after.version = b.version + 1;
            after.updated_at = time::now();
            if !db::findings::update(conn, &after, b.version)? {
                return Err(ServiceError::Conflict(
                    "the finding was changed by another request; fetch it and try again".into(),
                ));
            }
        }
        None => journal.insert_finding(after.clone()),
    }
    let current = to_finding(after)?;
    // Written once: the audit record keeps it and the event carries it.
    let after_state = serde_json::to_string(&current)?;
    let payload = format!("{{\"finding\":{after_state}}}");
    journal.audit(
        conn,
        actor,
        Change {
            action: event,
            entity_type: ENTITY,
            entity_id: &current.id,
            before: previous.as_ref().map(snapshot).transpose()?.flatten(),
            after: Some(after_state),
            reason,
        },
    )?;
    journal.emit_text(conn, &actor.org, event, payload)?;
    if matches!(event, "finding.created" | "finding.reopened") {
        let auto_pushes = journal.auto_pushes(conn, &actor.org)?;
        if let Some(integration) = super::tickets::automatic_push(auto_pushes, &current) {
            let integration = integration.to_owned();
            journal.store(conn)?;
            super::tickets::queue_push(conn, &actor.org, &current, &integration)?;
        }
    }
    Ok(current)
}

/// [`store`] for a change that is the command's only one: the journal is stored with it.
fn store_alone(
    conn: &mut DbConn,
    actor: &Actor,
    event: &str,
    before: Option<&FindingRow>,
    after: FindingRow,
    reason: Option<&str>,
) -> Result<Finding, ServiceError> {
    journal::buffered(conn, |conn, journal| {
        store(conn, journal, actor, event, before, after, reason)
    })
}

fn due_in(severity: Severity) -> Result<String, ServiceError> {
    let today = time::today();
    time::add_days(&today, severity.days_to_act())
        .ok_or_else(|| ServiceError::Internal("date out of range".into()))
}

/// A vendor's coverage as just judged, and the tier its new score puts it in.
pub(super) struct Judged<'a> {
    pub coverage: &'a VendorCoverage,
    pub tier: Tier,
}

/// Opens, reopens and resolves the vendor's gap findings to match its coverage. Nothing is
/// raised before the vendor's first completed assessment: until then every control is a gap
/// by construction, and the assessment is how they get closed.
/// `existing` is the vendor's coverage findings as stored.
pub(super) fn sync_gaps(
    conn: &mut DbConn,
    journal: &mut Journal,
    org: &str,
    vendor: &Vendor,
    existing: Vec<CoverageFindingState>,
    judged: Judged<'_>,
    cause: &str,
) -> Result<(), ServiceError> {
    let Judged { coverage, tier } = judged;
    let mut existing: HashMap<String, CoverageFindingState> = existing
        .into_iter()
        .filter_map(|r| r.control_id.clone().map(|c| (c, r)))
        .collect();
    if coverage.last_assessed_at.is_none() && existing.is_empty() {
        return Ok(());
    }
    let actor = system_actor(org);
    for control in &coverage.data {
        let id = control.control.id.as_str();
        let is_gap = control.verdict == CoverageVerdict::Gap;
        let current = existing.remove(id);
        let status = current
            .as_ref()
            .map(|r| stored_enum::<FindingStatus>("status", &r.status))
            .transpose()?;
        match (gap_action(is_gap, status), current) {
            (GapAction::Create, _) => {
                let severity = Severity::for_tier(tier);
                let now = time::now();
                let row = FindingRow {
                    id: db::new_id(),
                    org_id: org.to_owned(),
                    vendor_id: vendor.id.clone(),
                    control_id: Some(id.to_owned()),
                    source: enum_to_text(&FindingSource::Coverage),
                    auto_key: Some(coverage_key(&vendor.id, id)),
                    title: format!(
                        "{} {} is not evidenced",
                        control.control.reference, control.control.title
                    ),
                    description: Some(control.reason.clone()),
                    severity: enum_to_text(&severity),
                    owner: vendor.owner.clone(),
                    due_date: Some(due_in(severity)?),
                    status: enum_to_text(&FindingStatus::Open),
                    status_reason: Some(format!("coverage gap found after {cause}")),
                    risk_accepted_until: None,
                    risk_accepted_by: None,
                    created_by: actor.subject.clone(),
                    version: 1,
                    created_at: now.clone(),
                    updated_at: now,
                    resolved_at: None,
                };
                store(
                    conn,
                    journal,
                    &actor,
                    "finding.created",
                    None,
                    row,
                    Some(cause),
                )?;
            }
            (GapAction::Reopen, Some(state)) => {
                let row = load_row(conn, org, &state.id)?;
                let next = FindingRow {
                    status: enum_to_text(&FindingStatus::Open),
                    status_reason: Some(format!("the gap came back after {cause}")),
                    description: Some(control.reason.clone()),
                    resolved_at: None,
                    ..row.clone()
                };
                store(
                    conn,
                    journal,
                    &actor,
                    "finding.reopened",
                    Some(&row),
                    next,
                    Some(cause),
                )?;
            }
            (GapAction::Resolve, Some(state)) => {
                let row = load_row(conn, org, &state.id)?;
                resolve_closed_gap(conn, journal, &actor, row, &control.reason, cause)?
            }
            _ => {}
        }
    }
    // Findings for controls no longer required close too: nothing is left to evidence.
    for (_, state) in existing {
        let status: FindingStatus = stored_enum("status", &state.status)?;
        if status.is_open() {
            let row = load_row(conn, org, &state.id)?;
            resolve_closed_gap(
                conn,
                journal,
                &actor,
                row,
                "the control is no longer required",
                cause,
            )?;
        }
    }
    Ok(())
}

fn resolve_closed_gap(
    conn: &mut DbConn,
    journal: &mut Journal,
    actor: &Actor,
    row: FindingRow,
    why: &str,
    cause: &str,
) -> Result<(), ServiceError> {
    let next = FindingRow {
        status: enum_to_text(&FindingStatus::Resolved),
        status_reason: Some(format!("gap closed after {cause}: {why}")),
        resolved_at: Some(time::now()),
        risk_accepted_until: None,
        risk_accepted_by: None,
        ..row.clone()
    };
    store(
        conn,
        journal,
        actor,
        "finding.resolved",
        Some(&row),
        next,
        Some(cause),
    )?;
    Ok(())
}

fn check_control(
    conn: &mut DbConn,
    org: &str,
    control_id: Option<&String>,
) -> Result<(), ServiceError> {
    if let Some(id) = control_id {
        super::catalog::require_controls(conn, org, std::slice::from_ref(id), |_| {
            "control_id".into()
        })?;
    }
    Ok(())
}

pub fn create(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
    fields: FindingFields,
) -> Result<Finding, ServiceError> {
    write(pool, |conn| {
        if db::vendors::find(conn, &actor.org, vendor_id)?.is_none() {
            return Err(ServiceError::field(
                "vendor_id",
                "not_found",
                "is not a vendor of this organisation",
            ));
        }
        check_control(conn, &actor.org, fields.control_id.as_ref())?;
        let now = time::now();
        let due_date = match fields.due_date.clone() {
            Some(d) => Some(d),
            None => Some(due_in(fields.severity)?),
        };
        let row = FindingRow {
            id: db::new_id(),
            org_id: actor.org.clone(),
            vendor_id: vendor_id.to_owned(),
            control_id: fields.control_id.clone(),
            source: enum_to_text(&FindingSource::Manual),
            auto_key: None,
            title: fields.title.clone(),
            description: fields.description.clone(),
            severity: enum_to_text(&fields.severity),
            owner: fields.owner.clone(),
            due_date,
            status: enum_to_text(&FindingStatus::Open),
            status_reason: None,
            risk_accepted_until: None,
            risk_accepted_by: None,
            created_by: actor.subject.clone(),
            version: 1,
            created_at: now.clone(),
            updated_at: now,
            resolved_at: None,
        };
        store_alone(conn, actor, "finding.created", None, row, None)
    })
}

/// A finding of `org`, inside the caller's transaction.
pub(super) fn get_in(conn: &mut DbConn, org: &str, id: &str) -> Result<Finding, ServiceError> {
    to_finding(load_row(conn, org, id)?)
}

pub fn get(pool: &Pool, actor: &Actor, id: &str) -> Result<FindingDetail, ServiceError> {
    read(pool, |conn| {
        let row = load_row(conn, &actor.org, id)?;
        let comments = db::findings::comments(conn, id)?
            .into_iter()
            .map(to_comment)
            .collect();
        Ok(FindingDetail {
            finding: to_finding(row)?,
            comments,
            ticket: super::tickets::ticket_in(conn, id)?,
        })
    })
}

pub fn list(
    pool: &Pool,
    actor: &Actor,
    filter: &FindingFilter,
    page: &Page,
) -> Result<(Vec<Finding>, Option<String>), ServiceError> {
    read(pool, |conn| {
        let rows = db::findings::list(conn, &actor.org, filter, page.after.as_deref(), page.limit)?;
        let (rows, next) = pagination::finish(rows, page.limit, |r| r.id.clone());
        let data = rows.into_iter().map(to_finding).collect::<Result<_, _>>()?;
        Ok((data, next))
    })
}

pub fn update(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
    edit: Edit<'_, Finding, FindingFields>,
) -> Result<Finding, ServiceError> {
    write(pool, |conn| {
        let current = load_row(conn, &actor.org, id)?;
        check_version(if_match, current.version)?;
        let fields = edit(&to_finding(current.clone())?).map_err(ServiceError::Validation)?;
        let is_gap_finding = current.source == enum_to_text(&FindingSource::Coverage);
        if is_gap_finding && fields.control_id != current.control_id {
            return Err(ServiceError::field(
                "control_id",
                "read_only",
                "a finding raised from a coverage gap stays with its control",
            ));
        }
        if fields.control_id != current.control_id {
            check_control(conn, &actor.org, fields.control_id.as_ref())?;
        }
        let next = FindingRow {
            title: fields.title,
            description: fields.description,
            severity: enum_to_text(&fields.severity),
            owner: fields.owner,
            due_date: fields.due_date,
            control_id: fields.control_id,
            ..current.clone()
        };
        if next == current {
            return to_finding(current);
        }
        store_alone(conn, actor, "finding.updated", Some(&current), next, None)
    })
}

/// A requested status change.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub status: FindingStatus,
    pub reason: Option<String>,
    /// Required for `risk_accepted`: the date the acceptance lapses.
    pub risk_accepted_until: Option<String>,
}

pub fn change_status(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
    change: StatusChange,
) -> Result<Finding, ServiceError> {
    write(pool, |conn| {
        let current = load_row(conn, &actor.org, id)?;
        check_version(if_match, current.version)?;
        let from: FindingStatus = stored_enum("status", &current.status)?;
        let to = change.status;
        if !from.can_become(to) {
            return Err(ServiceError::IllegalTransition {
                from: enum_to_text(&from),
                to: enum_to_text(&to),
                allowed: from.allowed_next().iter().map(enum_to_text).collect(),
            });
        }
        let mut next = FindingRow {
            status: enum_to_text(&to),
            status_reason: change.reason.clone(),
            risk_accepted_until: None,
            risk_accepted_by: None,
            resolved_at: None,
            ..current.clone()
        };
        match to {
            FindingStatus::RiskAccepted => {
                let until = change.risk_accepted_until.clone().ok_or_else(|| {
                    ServiceError::field(
                        "risk_accepted_until",
                        "required",
                        "accepting a risk needs the date the acceptance lapses",
                    )
                })?;
                let today = time::today();
                if time::days_until(&until, &today).is_none_or(|d| d < 1) {
                    return Err(ServiceError::field(
                        "risk_accepted_until",
                        "future",
                        "must be a date after today",
                    ));
                }
                if change.reason.is_none() {
                    return Err(ServiceError::field(
                        "reason",
                        "required",
                        "say why the risk is accepted",
                    ));
                }
                next.risk_accepted_until = Some(until);
                next.risk_accepted_by = Some(actor.subject.clone());
            }
            FindingStatus::Resolved => {
                if current.source == enum_to_text(&FindingSource::Coverage) {
                    let gap_open = gap_still_open(conn, &actor.org, &current)?;
                    if gap_open {
                        return Err(ServiceError::Conflict(
                            "the coverage gap behind this finding is still open: close it (answer, clause, responsibility) or accept the risk".into(),
                        ));
                    }
                }
                next.resolved_at = Some(time::now());
            }
            _ => {}
        }
        if change.risk_accepted_until.is_some() && to != FindingStatus::RiskAccepted {
            return Err(ServiceError::field(
                "risk_accepted_until",
                "not_allowed",
                "applies only to status risk_accepted",
            ));
        }
        let event = match to {
            FindingStatus::Resolved => "finding.resolved",
            FindingStatus::Open if from == FindingStatus::Resolved => "finding.reopened",
            _ => "finding.status_changed",
        };
        store_alone(
            conn,
            actor,
            event,
            Some(&current),
            next,
            change.reason.as_deref(),
        )
    })
}

fn gap_still_open(conn: &mut DbConn, org: &str, row: &FindingRow) -> Result<bool, ServiceError> {
    let vendor = super::vendors::load(conn, org, &row.vendor_id)?;
    let services = super::ai_services::in_use(conn, org, &row.vendor_id)?;
    let coverage = super::risk::coverage_of(conn, org, &vendor, &services)?;
    Ok(coverage.data.iter().any(|c| {
        Some(&c.control.id) == row.control_id.as_ref() && c.verdict == CoverageVerdict::Gap
    }))
}

pub fn add_comment(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    body: String,
) -> Result<FindingComment, ServiceError> {
    write(pool, |conn| {
        let finding = load_row(conn, &actor.org, id)?;
        if db::findings::count_comments(conn, id)? >= MAX_COMMENTS {
            return Err(ServiceError::Conflict(format!(
                "a finding holds at most {MAX_COMMENTS} comments"
            )));
        }
        let row = CommentRow {
            id: db::new_id(),
            org_id: actor.org.clone(),
            finding_id: finding.id.clone(),
            author: actor.subject.clone(),
            body: body.clone(),
            created_at: time::now(),
        };
        db::findings::insert_comment(conn, &row)?;
        let comment = to_comment(row);
        journal::audit(
            conn,
            actor,
            Change {
                action: "finding.commented",
                entity_type: ENTITY,
                entity_id: id,
                before: None,
                after: journal::snapshot(&comment)?,
                reason: None,
            },
        )?;
        journal::emit(
            conn,
            &actor.org,
            "finding.commented",
            json!({ "finding_id": id, "comment": comment }),
        )?;
        Ok(comment)
    })
}

/// Findings raised per lapse check; the rest wait for the next one.
const LAPSE_BATCH: i64 = 500;

/// Risk acceptances whose date has passed open their findings again. Returns how many.
pub fn lapse_acceptances(pool: &Pool) -> Result<usize, ServiceError> {
    let today = time::today();
    write(pool, |conn| {
        let rows = db::findings::lapsed_acceptances(conn, &today, LAPSE_BATCH)?;
        let count = rows.len();
        for row in rows {
            let actor = system_actor(&row.org_id);
            let reason = format!(
                "the risk acceptance lapsed on {}",
                row.risk_accepted_until.as_deref().unwrap_or("?")
            );
            let next = FindingRow {
                status: enum_to_text(&FindingStatus::Open),
                status_reason: Some(reason.clone()),
                risk_accepted_until: None,
                risk_accepted_by: None,
                ..row.clone()
            };
            store_alone(
                conn,
                &actor,
                "finding.reopened",
                Some(&row),
                next,
                Some(&reason),
            )?;
        }
        Ok(count)
    })
}
