//! Webhook endpoints, the fan-out of every outbox event to the endpoints subscribed to it, and
//! the delivery log.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;

use super::journal::{self, Change};
use super::{check_version, read, write, ServiceError};
use crate::db::webhooks::{AttemptRow, DeliveryRow, EndpointRow, PENDING};
use crate::db::{self, DbConn, Pool};
use crate::domain::pagination::{self, Page};
use crate::domain::time;
use crate::domain::webhook::{failing_for_at_least, generate_secret};
use crate::domain::webhook_endpoint::{
    subscribes, Delivery, DeliveryAttempt, DeliveryStatus, EndpointFields, EndpointWithSecret,
    WebhookEndpoint,
};
use crate::domain::{Actor, FieldError};

const ENTITY: &str = "webhook endpoint";

fn not_found() -> ServiceError {
    ServiceError::NotFound { entity: ENTITY }
}

pub type Edit<'a> = &'a dyn Fn(&WebhookEndpoint) -> Result<EndpointFields, Vec<FieldError>>;

pub fn to_endpoint(row: &EndpointRow) -> Result<WebhookEndpoint, ServiceError> {
    Ok(WebhookEndpoint {
        id: row.id.clone(),
        url: row.url.clone(),
        description: row.description.clone(),
        event_types: serde_json::from_str(&row.event_types)?,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason.clone(),
        failing_since: row.failing_since.clone(),
        previous_secret_expires_at: row.previous_secret_expires_at.clone(),
        version: row.version,
        created_at: row.created_at.clone(),
        updated_at: row.updated_at.clone(),
    })
}

/// The enabled endpoints of `org` with the event types each subscribes to.
pub(super) fn subscriptions(
    conn: &mut DbConn,
    org: &str,
) -> Result<Vec<journal::Subscription>, ServiceError> {
    db::webhooks::enabled_subscriptions(conn, org)?
        .into_iter()
        .map(|(endpoint_id, event_types)| Ok((endpoint_id, serde_json::from_str(&event_types)?)))
        .collect()
}

/// The deliveries of one event: one for each endpoint subscribed to its type.
pub(super) fn deliveries_of<'a>(
    subscriptions: &'a [journal::Subscription],
    org: &'a str,
    event_id: &'a str,
    event_type: &'a str,
    now: &'a str,
) -> impl Iterator<Item = DeliveryRow> + 'a {
    subscriptions
        .iter()
        .filter(move |(_, subscribed)| subscribes(subscribed, event_type))
        .map(move |(endpoint_id, _)| {
            new_delivery(org, endpoint_id, event_id, event_type, now, None)
        })
}

fn new_delivery(
    org: &str,
    endpoint_id: &str,
    event_id: &str,
    event_type: &str,
    now: &str,
    replay_of: Option<String>,
) -> DeliveryRow {
    DeliveryRow {
        id: db::new_id(),
        org_id: org.to_owned(),
        endpoint_id: endpoint_id.to_owned(),
        event_id: event_id.to_owned(),
        event_type: event_type.to_owned(),
        status: PENDING.into(),
        attempts: 0,
        next_attempt_at: now.to_owned(),
        lease_until: None,
        last_status_code: None,
        replay_of,
        created_at: now.to_owned(),
        completed_at: None,
    }
}

fn audit(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    before: Option<&WebhookEndpoint>,
    after: Option<&WebhookEndpoint>,
    id: &str,
) -> Result<(), ServiceError> {
    journal::audit(
        conn,
        actor,
        Change {
            action,
            entity_type: "webhook_endpoint",
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
    fields: EndpointFields,
) -> Result<EndpointWithSecret, ServiceError> {
    write(pool, |conn| {
        let now = time::now();
        let row = EndpointRow {
            id: db::new_id(),
            org_id: actor.org.clone(),
            url: fields.url.clone(),
            description: fields.description.clone(),
            event_types: serde_json::to_string(&fields.event_types)?,
            enabled: fields.enabled,
            disabled_reason: None,
            secret: generate_secret(),
            previous_secret: None,
            previous_secret_expires_at: None,
            failing_since: None,
            lease_owner: None,
            lease_until: None,
            version: 1,
            created_at: now.clone(),
            updated_at: now,
        };
        db::webhooks::insert_endpoint(conn, &row)?;
        let endpoint = to_endpoint(&row)?;
        audit(
            conn,
            actor,
            "webhook_endpoint.created",
            None,
            Some(&endpoint),
            &row.id,
        )?;
        Ok(EndpointWithSecret {
            endpoint,
            secret: row.secret,
        })
    })
}

fn load(conn: &mut DbConn, org: &str, id: &str) -> Result<EndpointRow, ServiceError> {
    db::webhooks::find_endpoint(conn, org, id)?.ok_or_else(not_found)
}

pub fn get(pool: &Pool, actor: &Actor, id: &str) -> Result<WebhookEndpoint, ServiceError> {
    read(pool, |conn| to_endpoint(&load(conn, &actor.org, id)?))
}

pub fn list(
    pool: &Pool,
    actor: &Actor,
    page: &Page,
) -> Result<(Vec<WebhookEndpoint>, Option<String>), ServiceError> {
    read(pool, |conn| {
        let rows =
            db::webhooks::list_endpoints(conn, &actor.org, page.after.as_deref(), page.limit)?;
        let (rows, next) = pagination::finish(rows, page.limit, |r| r.id.clone());
        let data = rows.iter().map(to_endpoint).collect::<Result<_, _>>()?;
        Ok((data, next))
    })
}

fn save(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    current: &EndpointRow,
    next: EndpointRow,
) -> Result<EndpointRow, ServiceError> {
    let next = EndpointRow {
        version: current.version + 1,
        updated_at: time::now(),
        ..next
    };
    if !db::webhooks::update_endpoint(conn, &next, current.version)? {
        return Err(ServiceError::PreconditionFailed {
            expected: current.version,
            current: current.version + 1,
        });
    }
    audit(
        conn,
        actor,
        action,
        Some(&to_endpoint(current)?),
        Some(&to_endpoint(&next)?),
        &next.id,
    )?;
    Ok(next)
}

pub fn update(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
    edit: Edit<'_>,
) -> Result<WebhookEndpoint, ServiceError> {
    write(pool, |conn| {
        let current = load(conn, &actor.org, id)?;
        check_version(if_match, current.version)?;
        let fields = edit(&to_endpoint(&current)?).map_err(ServiceError::Validation)?;
        let re_enabled = fields.enabled && !current.enabled;
        let next = EndpointRow {
            url: fields.url,
            description: fields.description,
            event_types: serde_json::to_string(&fields.event_types)?,
            enabled: fields.enabled,
            disabled_reason: if fields.enabled {
                None
            } else {
                current.disabled_reason.clone()
            },
            failing_since: if re_enabled {
                None
            } else {
                current.failing_since.clone()
            },
            ..current.clone()
        };
        to_endpoint(&save(
            conn,
            actor,
            "webhook_endpoint.updated",
            &current,
            next,
        )?)
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
        db::webhooks::delete_endpoint(conn, &actor.org, id)?;
        audit(
            conn,
            actor,
            "webhook_endpoint.deleted",
            Some(&to_endpoint(&current)?),
            None,
            id,
        )
    })
}

/// A new signing secret; the old one keeps signing (beside the new) for `grace`.
pub fn rotate_secret(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    grace: Duration,
) -> Result<EndpointWithSecret, ServiceError> {
    write(pool, |conn| {
        let current = load(conn, &actor.org, id)?;
        let until = chrono::Utc::now()
            + chrono::Duration::from_std(grace)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let next = EndpointRow {
            secret: generate_secret(),
            previous_secret: (!grace.is_zero()).then(|| current.secret.clone()),
            previous_secret_expires_at: (!grace.is_zero()).then(|| time::format(until)),
            ..current.clone()
        };
        let saved = save(
            conn,
            actor,
            "webhook_endpoint.secret_rotated",
            &current,
            next,
        )?;
        Ok(EndpointWithSecret {
            endpoint: to_endpoint(&saved)?,
            secret: saved.secret,
        })
    })
}

fn delivery_status(text: &str) -> Result<DeliveryStatus, ServiceError> {
    super::stored_enum("delivery status", text)
}

fn to_attempt(row: AttemptRow) -> DeliveryAttempt {
    DeliveryAttempt {
        attempt: row.attempt,
        attempted_at: row.attempted_at,
        status_code: row.status_code,
        latency_ms: row.latency_ms,
        response_snippet: row.response_snippet,
        error: row.error,
        succeeded: row.succeeded,
    }
}

fn to_deliveries(conn: &mut DbConn, rows: Vec<DeliveryRow>) -> Result<Vec<Delivery>, ServiceError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut attempts: HashMap<String, Vec<DeliveryAttempt>> = HashMap::new();
    for attempt in db::webhooks::attempts_of(conn, &ids)? {
        attempts
            .entry(attempt.delivery_id.clone())
            .or_default()
            .push(to_attempt(attempt));
    }
    rows.into_iter()
        .map(|row| {
            let status = delivery_status(&row.status)?;
            Ok(Delivery {
                webhook_id: row.event_id,
                event_type: row.event_type,
                next_attempt_at: matches!(status, DeliveryStatus::Pending)
                    .then_some(row.next_attempt_at),
                status,
                attempts: row.attempts,
                last_status_code: row.last_status_code,
                replay_of: row.replay_of,
                created_at: row.created_at,
                completed_at: row.completed_at,
                attempt_log: attempts.remove(&row.id).unwrap_or_default(),
                id: row.id,
            })
        })
        .collect()
}

pub fn deliveries(
    pool: &Pool,
    actor: &Actor,
    endpoint_id: &str,
    status: Option<DeliveryStatus>,
    page: &Page,
) -> Result<(Vec<Delivery>, Option<String>), ServiceError> {
    read(pool, |conn| {
        load(conn, &actor.org, endpoint_id)?;
        let status = status.map(|s| crate::domain::ai_service::enum_to_text(&s));
        let rows = db::webhooks::list_deliveries(
            conn,
            endpoint_id,
            status.as_deref(),
            page.after.as_deref(),
            page.limit,
        )?;
        let (rows, next) = pagination::finish(rows, page.limit, |r| r.id.clone());
        Ok((to_deliveries(conn, rows)?, next))
    })
}

/// Queues the delivery's event for the endpoint again, behind what is already queued.
pub fn replay(
    pool: &Pool,
    actor: &Actor,
    endpoint_id: &str,
    delivery_id: &str,
) -> Result<Delivery, ServiceError> {
    write(pool, |conn| {
        let endpoint = load(conn, &actor.org, endpoint_id)?;
        let original = db::webhooks::find_delivery(conn, &endpoint.id, delivery_id)?
            .ok_or(ServiceError::NotFound { entity: "delivery" })?;
        let now = time::now();
        let row = new_delivery(
            &actor.org,
            &endpoint.id,
            &original.event_id,
            &original.event_type,
            &now,
            Some(original.id.clone()),
        );
        db::webhooks::insert_deliveries(conn, std::slice::from_ref(&row))?;
        journal::audit(
            conn,
            actor,
            Change {
                action: "webhook_delivery.replayed",
                entity_type: "webhook_endpoint",
                entity_id: &endpoint.id,
                before: None,
                after: Some(json!({ "delivery_id": row.id, "replay_of": original.id }).to_string()),
                reason: None,
            },
        )?;
        Ok(to_deliveries(conn, vec![row])?.remove(0))
    })
}

/// What the dispatcher needs to send one delivery.
pub struct Outgoing {
    pub delivery_id: String,
    pub webhook_id: String,
    pub attempt: i64,
    pub body: String,
}

/// An endpoint leased to one dispatcher, with the deliveries it took.
pub struct Batch {
    pub endpoint_id: String,
    pub url: String,
    pub secrets: Vec<String>,
    pub failing_since: Option<String>,
    pub deliveries: Vec<Outgoing>,
}

/// Leases endpoints with due deliveries to `owner` and takes each one's due deliveries, oldest
/// first, up to `batch` each. Deliveries whose dispatcher stopped mid-flight are queued again.
pub fn claim_batches(
    pool: &Pool,
    owner: &str,
    endpoints: i64,
    batch: i64,
    lease: Duration,
) -> Result<Vec<Batch>, ServiceError> {
    let now_time = chrono::Utc::now();
    let now = time::format(now_time);
    let until = time::format(
        now_time
            + chrono::Duration::from_std(lease)
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
    );
    write(pool, |conn| {
        db::webhooks::release_expired(conn, &now)?;
        let claimed = db::webhooks::claim_endpoints(conn, owner, &now, &until, endpoints)?;
        let mut batches = Vec::new();
        for endpoint in claimed {
            let queued = db::webhooks::queue_head(conn, &endpoint.id, batch)?;
            let due: Vec<_> = queued
                .into_iter()
                .take_while(|d| d.status == PENDING && d.next_attempt_at <= now)
                .collect();
            let ids: Vec<String> = due.iter().map(|d| d.id.clone()).collect();
            if ids.is_empty() || db::webhooks::take_deliveries(conn, &ids, &until)? != ids.len() {
                db::webhooks::untake_deliveries(conn, &ids)?;
                db::webhooks::set_lease(conn, &endpoint.id, owner, &now)?;
                continue;
            }
            let mut secrets = vec![endpoint.secret.clone()];
            if let (Some(previous), Some(expires)) = (
                &endpoint.previous_secret,
                &endpoint.previous_secret_expires_at,
            ) {
                if *expires > now {
                    secrets.push(previous.clone());
                }
            }
            let deliveries = due
                .into_iter()
                .map(|d| {
                    let data: serde_json::Value = serde_json::from_str(&d.payload)?;
                    let body = json!({
                        "type": d.event_type,
                        "timestamp": d.event_created_at,
                        "data": data,
                    });
                    Ok(Outgoing {
                        delivery_id: d.id,
                        webhook_id: d.event_id,
                        attempt: d.attempts + 1,
                        body: body.to_string(),
                    })
                })
                .collect::<Result<Vec<_>, ServiceError>>()?;
            batches.push(Batch {
                endpoint_id: endpoint.id,
                url: endpoint.url,
                secrets,
                failing_since: endpoint.failing_since,
                deliveries,
            });
        }
        Ok(batches)
    })
}

/// How one attempt went.
pub struct AttemptOutcome {
    pub delivery_id: String,
    pub attempt: i64,
    pub attempted_at: String,
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    pub response_snippet: Option<String>,
    pub error: Option<String>,
    pub retry_after: Option<Duration>,
}

impl AttemptOutcome {
    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Delivery policy the dispatcher runs with.
pub struct Policy<'a> {
    pub retry_schedule: &'a [Duration],
    pub disable_after: Duration,
}

/// Records a batch's attempts, schedules retries, gives up spent deliveries, returns the ones
/// not attempted to the queue, disables an endpoint that is gone or kept failing, and ends the
/// lease. One transaction.
pub fn record_batch(
    pool: &Pool,
    owner: &str,
    batch: &Batch,
    outcomes: &[AttemptOutcome],
    policy: &Policy<'_>,
) -> Result<(), ServiceError> {
    use crate::db::webhooks::{FAILED, SUCCEEDED};
    use crate::domain::webhook::next_delay;
    write(pool, |conn| {
        let now_time = chrono::Utc::now();
        let now = time::format(now_time);
        let mut failing_since = batch.failing_since.clone();
        let mut gone = false;
        for outcome in outcomes {
            let row = AttemptRow {
                id: db::new_id(),
                delivery_id: outcome.delivery_id.clone(),
                attempt: outcome.attempt,
                attempted_at: outcome.attempted_at.clone(),
                status_code: outcome.status_code.map(i64::from),
                latency_ms: outcome.latency_ms,
                response_snippet: outcome.response_snippet.clone(),
                error: outcome.error.clone(),
                succeeded: outcome.succeeded(),
            };
            if outcome.succeeded() {
                failing_since = None;
                db::webhooks::finish_attempt(conn, &row, SUCCEEDED, &now, Some(&now))?;
                continue;
            }
            failing_since.get_or_insert_with(|| outcome.attempted_at.clone());
            gone |= outcome.status_code == Some(410);
            let failed = usize::try_from(outcome.attempt).unwrap_or(usize::MAX);
            let delay = if outcome.status_code == Some(410) {
                None
            } else {
                next_delay(
                    policy.retry_schedule,
                    failed,
                    outcome.retry_after,
                    rand::random::<f64>(),
                )
            };
            match delay {
                Some(delay) => {
                    let at = now_time
                        + chrono::Duration::from_std(delay)
                            .map_err(|e| ServiceError::Internal(e.to_string()))?;
                    db::webhooks::finish_attempt(conn, &row, PENDING, &time::format(at), None)?
                }
                None => db::webhooks::finish_attempt(conn, &row, FAILED, &now, Some(&now))?,
            }
        }
        let untouched: Vec<String> = batch
            .deliveries
            .iter()
            .skip(outcomes.len())
            .map(|d| d.delivery_id.clone())
            .collect();
        db::webhooks::untake_deliveries(conn, &untouched)?;
        db::webhooks::set_health(conn, &batch.endpoint_id, failing_since.as_deref())?;
        let failing_too_long = failing_since
            .as_deref()
            .is_some_and(|since| failing_for_at_least(since, now_time, policy.disable_after));
        if gone || failing_too_long {
            disable(
                conn,
                &batch.endpoint_id,
                if gone { "gone" } else { "failing" },
            )?;
        }
        db::webhooks::set_lease(conn, &batch.endpoint_id, owner, &now)?;
        Ok(())
    })
}

fn disable(conn: &mut DbConn, endpoint_id: &str, reason: &str) -> Result<(), ServiceError> {
    let Some(current) = db::webhooks::find_endpoint_any_org(conn, endpoint_id)? else {
        return Ok(());
    };
    if !current.enabled {
        return Ok(());
    }
    let actor = super::system_actor(&current.org_id);
    let next = EndpointRow {
        enabled: false,
        disabled_reason: Some(reason.to_owned()),
        ..current.clone()
    };
    let saved = save(conn, &actor, "webhook_endpoint.disabled", &current, next)?;
    let endpoint = to_endpoint(&saved)?;
    let explanation = match reason {
        "gone" => "the endpoint answered 410 Gone",
        _ => "the endpoint kept failing for longer than the configured limit",
    };
    journal::emit(
        conn,
        &current.org_id,
        "webhook_endpoint.disabled",
        json!({ "endpoint": endpoint, "reason": explanation }),
    )
}

/// Extends this dispatcher's hold on an endpoint and the deliveries it still has to send;
/// false when the lease was lost (another dispatcher took the endpoint over).
pub fn extend_lease(
    pool: &Pool,
    owner: &str,
    endpoint_id: &str,
    deliveries: &[String],
    lease: Duration,
) -> Result<bool, ServiceError> {
    let until = time::format(
        chrono::Utc::now()
            + chrono::Duration::from_std(lease)
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
    );
    write(pool, |conn| {
        if !db::webhooks::set_lease(conn, endpoint_id, owner, &until)? {
            return Ok(false);
        }
        db::webhooks::extend_deliveries(conn, deliveries, &until)?;
        Ok(true)
    })
}
