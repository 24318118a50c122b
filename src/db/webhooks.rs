use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::schema::{outbox_events, webhook_attempts, webhook_deliveries, webhook_endpoints};
use super::DbConn;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = webhook_endpoints, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct EndpointRow {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub description: Option<String>,
    pub event_types: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<String>,
    pub failing_since: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries, treat_none_as_default_value = false)]
pub struct DeliveryRow {
    pub id: String,
    pub org_id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub lease_until: Option<String>,
    pub last_status_code: Option<i64>,
    pub replay_of: Option<String>,
    pub created_at: String,
    pub completed_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts, treat_none_as_default_value = false)]
pub struct AttemptRow {
    pub id: String,
    pub delivery_id: String,
    pub attempt: i64,
    pub attempted_at: String,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub response_snippet: Option<String>,
    pub error: Option<String>,
    pub succeeded: bool,
}

pub const PENDING: &str = "pending";
pub const IN_FLIGHT: &str = "in_flight";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";

pub fn insert_endpoint(conn: &mut DbConn, row: &EndpointRow) -> QueryResult<()> {
    diesel::insert_into(webhook_endpoints::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_endpoint(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<Option<EndpointRow>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(id))
        .filter(webhook_endpoints::org_id.eq(org))
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_endpoints(
    conn: &mut DbConn,
    org: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<EndpointRow>> {
    let mut query = webhook_endpoints::table
        .filter(webhook_endpoints::org_id.eq(org))
        .select(EndpointRow::as_select())
        .order(webhook_endpoints::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(webhook_endpoints::id.lt(after.to_owned()));
    }
    query.load(conn)
}

/// The organisation's enabled endpoints with their subscriptions (JSON arrays).
pub fn enabled_subscriptions(conn: &mut DbConn, org: &str) -> QueryResult<Vec<(String, String)>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::org_id.eq(org))
        .filter(webhook_endpoints::enabled.eq(true))
        .select((webhook_endpoints::id, webhook_endpoints::event_types))
        .order(webhook_endpoints::id.asc())
        .load(conn)
}

/// Writes the user-editable state of `row` if its version is still `expected_version`; the
/// dispatcher's lease columns are left alone.
pub fn update_endpoint(
    conn: &mut DbConn,
    row: &EndpointRow,
    expected_version: i64,
) -> QueryResult<bool> {
    let changed = diesel::update(
        webhook_endpoints::table
            .filter(webhook_endpoints::id.eq(&row.id))
            .filter(webhook_endpoints::org_id.eq(&row.org_id))
            .filter(webhook_endpoints::version.eq(expected_version)),
    )
    .set((
        webhook_endpoints::url.eq(&row.url),
        webhook_endpoints::description.eq(&row.description),
        webhook_endpoints::event_types.eq(&row.event_types),
        webhook_endpoints::enabled.eq(row.enabled),
        webhook_endpoints::disabled_reason.eq(&row.disabled_reason),
        webhook_endpoints::secret.eq(&row.secret),
        webhook_endpoints::previous_secret.eq(&row.previous_secret),
        webhook_endpoints::previous_secret_expires_at.eq(&row.previous_secret_expires_at),
        webhook_endpoints::failing_since.eq(&row.failing_since),
        webhook_endpoints::version.eq(row.version),
        webhook_endpoints::updated_at.eq(&row.updated_at),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn delete_endpoint(conn: &mut DbConn, org: &str, id: &str) -> QueryResult<usize> {
    // Deliveries and their attempts go with the endpoint (ON DELETE CASCADE).
    diesel::delete(
        webhook_endpoints::table
            .filter(webhook_endpoints::id.eq(id))
            .filter(webhook_endpoints::org_id.eq(org)),
    )
    .execute(conn)
}

pub fn insert_deliveries(conn: &mut DbConn, rows: &[DeliveryRow]) -> QueryResult<()> {
    insert_rows!(conn, webhook_deliveries::table, rows)
}

pub fn find_delivery(
    conn: &mut DbConn,
    endpoint_id: &str,
    id: &str,
) -> QueryResult<Option<DeliveryRow>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(id))
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_deliveries(
    conn: &mut DbConn,
    endpoint_id: &str,
    status: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .select(DeliveryRow::as_select())
        .order(webhook_deliveries::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(webhook_deliveries::status.eq(status.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(webhook_deliveries::id.lt(after.to_owned()));
    }
    query.load(conn)
}

pub fn attempts_of(conn: &mut DbConn, delivery_ids: &[String]) -> QueryResult<Vec<AttemptRow>> {
    webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(delivery_ids))
        .select(AttemptRow::as_select())
        .order((webhook_attempts::delivery_id, webhook_attempts::attempt))
        .load(conn)
}

/// Deliveries left in flight by a dispatcher that stopped (a crash, a kill) go back to the
/// queue once their lease has passed: delivery is at least once.
pub fn release_expired(conn: &mut DbConn, now: &str) -> QueryResult<usize> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::status.eq(IN_FLIGHT))
            .filter(webhook_deliveries::lease_until.lt(now)),
    )
    .set((
        webhook_deliveries::status.eq(PENDING),
        webhook_deliveries::lease_until.eq(None::<String>),
    ))
    .execute(conn)
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Endpoints whose oldest undelivered delivery is due, and that no live dispatcher holds;
/// least recently served first. PostgreSQL skips rows another dispatcher is claiming.
const CLAIMABLE: &str = "SELECT e.id FROM webhook_endpoints e \
     WHERE e.enabled AND (e.lease_until IS NULL OR e.lease_until < $1) \
     AND EXISTS (SELECT 1 FROM webhook_deliveries d \
         WHERE d.id = (SELECT min(p.id) FROM webhook_deliveries p \
             WHERE p.endpoint_id = e.id AND p.status = 'pending') \
         AND d.next_attempt_at <= $1 \
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries h \
             WHERE h.endpoint_id = e.id AND h.status = 'in_flight' AND h.id < d.id)) \
     ORDER BY COALESCE(e.lease_until, '') LIMIT $2";

/// Leases up to `limit` endpoints with due work to `owner` until `until`.
pub fn claim_endpoints(
    conn: &mut DbConn,
    owner: &str,
    now: &str,
    until: &str,
    limit: i64,
) -> QueryResult<Vec<EndpointRow>> {
    let ids: Vec<IdRow> = match conn {
        DbConn::Pg(pg) => diesel::sql_query(format!("{CLAIMABLE} FOR UPDATE OF e SKIP LOCKED"))
            .bind::<Text, _>(now)
            .bind::<BigInt, _>(limit)
            .load(pg)?,
        DbConn::Sqlite(lite) => {
            diesel::sql_query(CLAIMABLE.replace("$1", "?1").replace("$2", "?2"))
                .bind::<Text, _>(now)
                .bind::<BigInt, _>(limit)
                .load(lite)?
        }
    };
    let ids: Vec<String> = ids.into_iter().map(|r| r.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(webhook_endpoints::table.filter(webhook_endpoints::id.eq_any(&ids)))
        .set((
            webhook_endpoints::lease_owner.eq(owner),
            webhook_endpoints::lease_until.eq(until),
        ))
        .execute(conn)?;
    webhook_endpoints::table
        .filter(webhook_endpoints::id.eq_any(&ids))
        .select(EndpointRow::as_select())
        .load(conn)
}

/// Extends or ends (`until` = now) a lease this dispatcher holds.
pub fn set_lease(
    conn: &mut DbConn,
    endpoint_id: &str,
    owner: &str,
    until: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(
        webhook_endpoints::table
            .filter(webhook_endpoints::id.eq(endpoint_id))
            .filter(webhook_endpoints::lease_owner.eq(owner)),
    )
    .set(webhook_endpoints::lease_until.eq(until))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A due delivery with what it carries.
#[derive(Debug, Clone, Queryable)]
pub struct QueuedDelivery {
    pub id: String,
    pub event_id: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub event_type: String,
    pub payload: String,
    pub event_created_at: String,
}

/// The endpoint's undelivered deliveries, oldest first.
pub fn queue_head(
    conn: &mut DbConn,
    endpoint_id: &str,
    limit: i64,
) -> QueryResult<Vec<QueuedDelivery>> {
    // One read per status, each in `webhook_deliveries_queue` order, merged here: a single
    // `status IN (..)` read walks the endpoint's deliveries by id, past every one ever made.
    let mut head = queued_with_status(conn, endpoint_id, PENDING, limit)?;
    head.extend(queued_with_status(conn, endpoint_id, IN_FLIGHT, limit)?);
    head.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    head.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(head)
}

fn queued_with_status(
    conn: &mut DbConn,
    endpoint_id: &str,
    status: &str,
    limit: i64,
) -> QueryResult<Vec<QueuedDelivery>> {
    webhook_deliveries::table
        .inner_join(outbox_events::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .filter(webhook_deliveries::status.eq(status))
        .order(webhook_deliveries::id.asc())
        .limit(limit)
        .select((
            webhook_deliveries::id,
            webhook_deliveries::event_id,
            webhook_deliveries::status,
            webhook_deliveries::attempts,
            webhook_deliveries::next_attempt_at,
            outbox_events::event_type,
            outbox_events::payload,
            outbox_events::created_at,
        ))
        .load(conn)
}

/// Marks pending deliveries in flight until `until`; returns how many it took (fewer than
/// asked means another dispatcher got there first).
pub fn take_deliveries(conn: &mut DbConn, ids: &[String], until: &str) -> QueryResult<usize> {
    match conn {
        DbConn::Sqlite(lite) => sqlite_update_deliveries(
            lite,
            &format!("status = '{IN_FLIGHT}', lease_until = ?2"),
            PENDING,
            ids,
            Some(until),
        ),
        DbConn::Pg(pg) => diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq_any(ids))
                .filter(webhook_deliveries::status.eq(PENDING)),
        )
        .set((
            webhook_deliveries::status.eq(IN_FLIGHT),
            webhook_deliveries::lease_until.eq(until),
        ))
        .execute(pg),
    }
}

/// `UPDATE webhook_deliveries SET {set} WHERE id IN ids AND status = {status}` on SQLite, the
/// ids bound as one JSON array (`?1`) and `until`, when given, as `?2`. The status test is kept
/// off the indexes (`+status`): with the values bound, SQLite otherwise plans the update through
/// `webhook_deliveries_lease (status, …)` and walks every delivery in that status (the whole
/// backlog of an endpoint that is failing) instead of looking up a batch's ids.
fn sqlite_update_deliveries(
    lite: &mut diesel::sqlite::SqliteConnection,
    set: &str,
    status: &str,
    ids: &[String],
    until: Option<&str>,
) -> QueryResult<usize> {
    let ids = serde_json::to_string(ids)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let query = diesel::sql_query(format!(
        "UPDATE webhook_deliveries SET {set} \
         WHERE id IN (SELECT value FROM json_each(?1)) AND +status = '{status}'"
    ))
    .bind::<Text, _>(ids);
    match until {
        Some(until) => query.bind::<Text, _>(until).execute(lite),
        None => query.execute(lite),
    }
}

/// Puts in-flight deliveries back untouched (they were not attempted).
pub fn untake_deliveries(conn: &mut DbConn, ids: &[String]) -> QueryResult<usize> {
    match conn {
        DbConn::Sqlite(lite) => sqlite_update_deliveries(
            lite,
            &format!("status = '{PENDING}', lease_until = NULL"),
            IN_FLIGHT,
            ids,
            None,
        ),
        DbConn::Pg(pg) => diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq_any(ids))
                .filter(webhook_deliveries::status.eq(IN_FLIGHT)),
        )
        .set((
            webhook_deliveries::status.eq(PENDING),
            webhook_deliveries::lease_until.eq(None::<String>),
        ))
        .execute(pg),
    }
}

/// Records an attempt and the delivery's new state.
pub fn finish_attempt(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    status: &str,
    next_attempt_at: &str,
    completed_at: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(webhook_attempts::table)
        .values(attempt)
        .execute(conn)?;
    diesel::update(
        webhook_deliveries::table.filter(webhook_deliveries::id.eq(&attempt.delivery_id)),
    )
    .set((
        webhook_deliveries::status.eq(status),
        webhook_deliveries::attempts.eq(attempt.attempt),
        webhook_deliveries::next_attempt_at.eq(next_attempt_at),
        webhook_deliveries::lease_until.eq(None::<String>),
        webhook_deliveries::last_status_code.eq(attempt.status_code),
        webhook_deliveries::completed_at.eq(completed_at),
    ))
    .execute(conn)?;
    Ok(())
}

/// The dispatcher's view of an endpoint's health after a batch.
pub fn set_health(
    conn: &mut DbConn,
    endpoint_id: &str,
    failing_since: Option<&str>,
) -> QueryResult<()> {
    diesel::update(webhook_endpoints::table.filter(webhook_endpoints::id.eq(endpoint_id)))
        .set(webhook_endpoints::failing_since.eq(failing_since))
        .execute(conn)?;
    Ok(())
}

pub fn find_endpoint_any_org(conn: &mut DbConn, id: &str) -> QueryResult<Option<EndpointRow>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(id))
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()
}

pub fn extend_deliveries(conn: &mut DbConn, ids: &[String], until: &str) -> QueryResult<usize> {
    match conn {
        DbConn::Sqlite(lite) => {
            sqlite_update_deliveries(lite, "lease_until = ?2", IN_FLIGHT, ids, Some(until))
        }
        DbConn::Pg(pg) => diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq_any(ids))
                .filter(webhook_deliveries::status.eq(IN_FLIGHT)),
        )
        .set(webhook_deliveries::lease_until.eq(until))
        .execute(pg),
    }
}
