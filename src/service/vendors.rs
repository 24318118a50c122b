use serde_json::json;

use super::journal::{self, Change};
use super::{check_version, write, ServiceError};
use crate::db::idempotency::IdempotencyRow;
use crate::db::vendors::{ExternalIdRow, VendorRow};
use crate::db::{self, DbConn, Pool};
use crate::domain::pagination::{self, Page};
use crate::domain::time;
use crate::domain::vendor::{
    ExternalId, Tier, Vendor, VendorFields, VendorFilter, VendorPatch, VendorStatus,
};
use crate::domain::Actor;

const ENTITY: &str = "vendor";
const CREATE_SCOPE: &str = "POST /v1/vendors";

/// An `Idempotency-Key` and a digest of the request it came with.
#[derive(Debug, Clone)]
pub struct IdempotentRequest {
    pub key: String,
    pub request_hash: String,
}

#[derive(Debug)]
pub enum Created {
    New(Vendor),
    /// The same key and request were seen before: this is the first result.
    Replayed(Vendor),
}

fn not_found() -> ServiceError {
    ServiceError::NotFound { entity: ENTITY }
}

fn to_vendor(row: VendorRow) -> Result<Vendor, ServiceError> {
    let status = VendorStatus::parse(&row.status).ok_or_else(|| {
        ServiceError::Internal(format!("stored status '{}' is unknown", row.status))
    })?;
    let tier = match &row.tier {
        Some(t) => Some(
            Tier::parse(t)
                .ok_or_else(|| ServiceError::Internal(format!("stored tier '{t}' is unknown")))?,
        ),
        None => None,
    };
    Ok(Vendor {
        domains: serde_json::from_str(&row.domains)?,
        tags: serde_json::from_str(&row.tags)?,
        external_ids: serde_json::from_str(&row.external_ids)?,
        id: row.id,
        legal_name: row.legal_name,
        display_name: row.display_name,
        country: row.country,
        owner: row.owner,
        status,
        tier,
        notes: row.notes,
        reassessment_due: row.reassessment_due,
        reassessment_reason: row.reassessment_reason,
        contract_expired: row.contract_expired,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn assemble(rows: Vec<VendorRow>) -> Result<Vec<Vendor>, ServiceError> {
    rows.into_iter().map(to_vendor).collect()
}

/// The vendor's legal name, or 404 when the organisation has no such vendor.
pub(super) fn require_vendor(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
) -> Result<String, ServiceError> {
    db::vendors::find(conn, org, vendor_id)?
        .map(|v| v.legal_name)
        .ok_or_else(not_found)
}

pub(super) fn load(conn: &mut DbConn, org: &str, id: &str) -> Result<Vendor, ServiceError> {
    to_vendor(db::vendors::find(conn, org, id)?.ok_or_else(not_found)?)
}

/// Up to `limit` vendors in id order after `after` (from the first when `None`).
pub(super) fn load_after(
    conn: &mut DbConn,
    org: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Vendor>, ServiceError> {
    assemble(db::vendors::after_id(
        conn,
        org,
        after.unwrap_or(""),
        limit,
    )?)
}

/// The stored parts of a vendor that are not its editable fields.
pub(super) struct VendorState<'a> {
    pub status: VendorStatus,
    pub reassessment: Option<&'a str>,
    pub contract_expired: bool,
    pub version: i64,
    pub created_at: &'a str,
    pub updated_at: &'a str,
}

pub(super) fn row_from(
    org: &str,
    id: &str,
    fields: &VendorFields,
    state: VendorState<'_>,
) -> Result<VendorRow, ServiceError> {
    Ok(VendorRow {
        id: id.to_owned(),
        org_id: org.to_owned(),
        legal_name: fields.legal_name.clone(),
        display_name: fields.display_name.clone(),
        domains: serde_json::to_string(&fields.domains)?,
        country: fields.country.clone(),
        owner: fields.owner.clone(),
        status: state.status.as_str().to_owned(),
        tier: fields.tier.map(|t| t.as_str().to_owned()),
        notes: fields.notes.clone(),
        version: state.version,
        created_at: state.created_at.to_owned(),
        updated_at: state.updated_at.to_owned(),
        reassessment_due: state.reassessment.is_some(),
        reassessment_reason: state.reassessment.map(str::to_owned),
        contract_expired: state.contract_expired,
        tags: serde_json::to_string(&in_byte_order(&fields.tags, |t| t.as_str()))?,
        external_ids: serde_json::to_string(&in_byte_order(&fields.external_ids, |e| {
            e.source.as_str()
        }))?,
    })
}

/// Tags and external ids read back in one order whatever order they were sent in.
fn in_byte_order<T>(values: &[T], key: impl Fn(&T) -> &str) -> Vec<&T> {
    let mut sorted: Vec<&T> = values.iter().collect();
    sorted.sort_by(|a, b| key(a).cmp(key(b)));
    sorted
}

/// External ids are unique per organisation and source: a second vendor claiming one is a
/// conflict, reported with the holder.
fn claim_external_ids(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
    ids: &[ExternalId],
) -> Result<(), ServiceError> {
    for ext in ids {
        if let Some(holder) =
            db::vendors::external_id_holder(conn, org, vendor_id, &ext.source, &ext.id)?
        {
            return Err(ServiceError::Conflict(format!(
                "external id {}:{} already belongs to vendor {holder}",
                ext.source, ext.id
            )));
        }
    }
    let rows: Vec<ExternalIdRow> = ids
        .iter()
        .map(|e| ExternalIdRow {
            vendor_id: vendor_id.to_owned(),
            org_id: org.to_owned(),
            source: e.source.clone(),
            external_id: e.id.clone(),
        })
        .collect();
    db::vendors::replace_external_ids(conn, vendor_id, &rows)?;
    Ok(())
}

pub fn create(
    pool: &Pool,
    actor: &Actor,
    fields: VendorFields,
    idempotency: Option<IdempotentRequest>,
) -> Result<Created, ServiceError> {
    write(pool, |conn| {
        if let Some(request) = &idempotency {
            if let Some(seen) = db::idempotency::find(conn, &actor.org, CREATE_SCOPE, &request.key)?
            {
                if seen.request_hash != request.request_hash {
                    return Err(ServiceError::Conflict(
                        "this Idempotency-Key was used with a different request".into(),
                    ));
                }
                return Ok(Created::Replayed(serde_json::from_str(
                    &seen.response_body,
                )?));
            }
        }
        let vendor = insert_new(conn, actor, &fields)?;
        let now = vendor.created_at.clone();
        if let Some(request) = &idempotency {
            db::idempotency::insert(
                conn,
                &IdempotencyRow {
                    org_id: actor.org.clone(),
                    scope: CREATE_SCOPE.into(),
                    idempotency_key: request.key.clone(),
                    request_hash: request.request_hash.clone(),
                    response_status: 201,
                    response_body: serde_json::to_string(&vendor)?,
                    created_at: now.clone(),
                },
            )?;
        }
        Ok(Created::New(vendor))
    })
}

/// Adds a vendor (`proposed`) inside the caller's transaction: audited, announced, scored.
pub(super) fn insert_new(
    conn: &mut DbConn,
    actor: &Actor,
    fields: &VendorFields,
) -> Result<Vendor, ServiceError> {
    let id = db::new_id();
    let now = time::now();
    let state = VendorState {
        status: VendorStatus::Proposed,
        reassessment: None,
        contract_expired: false,
        version: 1,
        created_at: &now,
        updated_at: &now,
    };
    let row = row_from(&actor.org, &id, fields, state)?;
    db::vendors::insert(conn, &row)?;
    db::vendors::replace_tags(conn, &actor.org, &id, &fields.tags)?;
    claim_external_ids(conn, &actor.org, &id, &fields.external_ids)?;
    let vendor = to_vendor(row)?;
    // One journal for the record, the event and the score: the webhook subscriptions are read
    // once, and the event is written from the vendor without a `serde_json::Value` between.
    journal::buffered(conn, |conn, journal| {
        journal.audit(
            conn,
            actor,
            Change {
                action: "vendor.created",
                entity_type: ENTITY,
                entity_id: &id,
                before: None,
                after: journal::snapshot(&vendor)?,
                reason: None,
            },
        )?;
        journal.emit_text(
            conn,
            &actor.org,
            "vendor.created",
            serde_json::to_string(&VendorCreated { vendor: &vendor })?,
        )?;
        super::risk::score_new(conn, journal, actor, &vendor, "vendor.created")
    })?;
    Ok(vendor)
}

/// The `vendor.created` event's data.
#[derive(serde::Serialize)]
struct VendorCreated<'a> {
    vendor: &'a Vendor,
}

/// A short read: runs on the connection its caller holds (see `api::AppState::short_read`).
/// One statement, which sees one snapshot on its own: no transaction is opened around it
/// (`BEGIN` and `COMMIT` were a twentieth of a list page's CPU).
pub fn get(conn: &mut DbConn, actor: &Actor, id: &str) -> Result<Vendor, ServiceError> {
    load(conn, &actor.org, id)
}

/// A short read of one statement, like `get`: one page of vendors as the API's JSON objects.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    filter: &VendorFilter,
    page: &Page,
) -> Result<(Vec<String>, Option<String>), ServiceError> {
    let rows = db::vendors::list(conn, &actor.org, filter, page.after.as_deref(), page.limit)?;
    let (rows, next) = pagination::finish(rows, page.limit, |(id, _)| id.clone());
    Ok((rows.into_iter().map(|(_, vendor)| vendor).collect(), next))
}

/// Writes `fields`, `status` and the reassessment flag over the stored vendor, guarded by its
/// version.
fn save(
    conn: &mut DbConn,
    actor: &Actor,
    current: &Vendor,
    fields: &VendorFields,
    status: VendorStatus,
    reassessment: Option<&str>,
) -> Result<Vendor, ServiceError> {
    save_flagged(
        conn,
        actor,
        current,
        fields,
        status,
        reassessment,
        current.contract_expired,
    )
}

fn save_flagged(
    conn: &mut DbConn,
    actor: &Actor,
    current: &Vendor,
    fields: &VendorFields,
    status: VendorStatus,
    reassessment: Option<&str>,
    contract_expired: bool,
) -> Result<Vendor, ServiceError> {
    let now = time::now();
    let state = VendorState {
        status,
        reassessment,
        contract_expired,
        version: current.version + 1,
        created_at: &current.created_at,
        updated_at: &now,
    };
    let row = row_from(&actor.org, &current.id, fields, state)?;
    if !db::vendors::update(conn, &row, current.version)? {
        return Err(ServiceError::Conflict(
            "the vendor was changed by another request; fetch it and try again".into(),
        ));
    }
    if fields.tags != current.tags {
        db::vendors::replace_tags(conn, &actor.org, &current.id, &fields.tags)?;
    }
    if fields.external_ids != current.external_ids {
        claim_external_ids(conn, &actor.org, &current.id, &fields.external_ids)?;
    }
    to_vendor(row)
}

pub fn update(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
    patch: VendorPatch,
) -> Result<Vendor, ServiceError> {
    write(pool, |conn| update_in(conn, actor, id, if_match, &patch))
}

/// Applies a vendor patch inside the caller's transaction.
pub(super) fn update_in(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
    patch: &VendorPatch,
) -> Result<Vendor, ServiceError> {
    let current = load(conn, &actor.org, id)?;
    check_version(if_match, current.version)?;
    let fields = patch.clone().apply(current.fields());
    if fields == current.fields() {
        return Ok(current);
    }
    let updated = save(
        conn,
        actor,
        &current,
        &fields,
        current.status,
        current.reassessment_reason.as_deref(),
    )?;
    journal::audit(
        conn,
        actor,
        Change {
            action: "vendor.updated",
            entity_type: ENTITY,
            entity_id: id,
            before: journal::snapshot(&current)?,
            after: journal::snapshot(&updated)?,
            reason: None,
        },
    )?;
    journal::emit(
        conn,
        &actor.org,
        "vendor.updated",
        json!({ "vendor": updated }),
    )?;
    // The tier picks the profile of required controls, so coverage and risk follow it.
    if updated.tier != current.tier {
        super::risk::refresh(conn, actor, id, "vendor.updated")?;
        super::procurement::announce_decision(conn, actor, &updated, None)?;
    }
    Ok(updated)
}

pub fn change_status(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
    to: VendorStatus,
    reason: Option<String>,
) -> Result<Vendor, ServiceError> {
    write(pool, |conn| {
        let current = load(conn, &actor.org, id)?;
        check_version(if_match, current.version)?;
        if !current.status.can_move_to(to) {
            return Err(ServiceError::IllegalTransition {
                from: current.status.as_str().into(),
                to: to.as_str().into(),
                allowed: current
                    .status
                    .next_states()
                    .iter()
                    .map(|s| s.as_str().to_owned())
                    .collect(),
            });
        }
        let reassessment = if to.is_decision() {
            None
        } else {
            current.reassessment_reason.as_deref()
        };
        let updated = save(conn, actor, &current, &current.fields(), to, reassessment)?;
        journal::audit(
            conn,
            actor,
            Change {
                action: "vendor.status_changed",
                entity_type: ENTITY,
                entity_id: id,
                before: journal::snapshot(&current)?,
                after: journal::snapshot(&updated)?,
                reason: reason.as_deref(),
            },
        )?;
        journal::emit(
            conn,
            &actor.org,
            "vendor.status_changed",
            json!({ "vendor": updated, "from": current.status, "to": to, "reason": reason }),
        )?;
        super::procurement::announce_decision(conn, actor, &updated, reason.as_deref())?;
        Ok(updated)
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
        db::vendors::delete(conn, &actor.org, id)?;
        journal::audit(
            conn,
            actor,
            Change {
                action: "vendor.deleted",
                entity_type: ENTITY,
                entity_id: id,
                before: journal::snapshot(&current)?,
                after: None,
                reason: None,
            },
        )?;
        journal::emit(
            conn,
            &actor.org,
            "vendor.deleted",
            json!({ "vendor": current }),
        )?;
        Ok(())
    })
}

/// Marks the vendor for reassessment, inside the caller's transaction.
pub(super) fn flag_reassessment(
    conn: &mut DbConn,
    actor: &Actor,
    vendor_id: &str,
    reason: &str,
) -> Result<Vendor, ServiceError> {
    let current = load(conn, &actor.org, vendor_id)?;
    let updated = save(
        conn,
        actor,
        &current,
        &current.fields(),
        current.status,
        Some(reason),
    )?;
    journal::audit(
        conn,
        actor,
        Change {
            action: "vendor.reassessment_due",
            entity_type: ENTITY,
            entity_id: vendor_id,
            before: journal::snapshot(&current)?,
            after: journal::snapshot(&updated)?,
            reason: Some(reason),
        },
    )?;
    journal::emit(
        conn,
        &actor.org,
        "vendor.reassessment_due",
        json!({ "vendor": updated, "reason": reason }),
    )?;
    Ok(updated)
}

/// Sets or clears the expired-contract flag, inside the caller's transaction.
pub(super) fn set_contract_expired(
    conn: &mut DbConn,
    actor: &Actor,
    vendor_id: &str,
    expired: bool,
) -> Result<(), ServiceError> {
    let current = load(conn, &actor.org, vendor_id)?;
    if current.contract_expired == expired {
        return Ok(());
    }
    let updated = save_flagged(
        conn,
        actor,
        &current,
        &current.fields(),
        current.status,
        current.reassessment_reason.as_deref(),
        expired,
    )?;
    let action = if expired {
        "vendor.contract_expired"
    } else {
        "vendor.contract_restored"
    };
    journal::audit(
        conn,
        actor,
        Change {
            action,
            entity_type: ENTITY,
            entity_id: vendor_id,
            before: journal::snapshot(&current)?,
            after: journal::snapshot(&updated)?,
            reason: None,
        },
    )?;
    journal::emit(conn, &actor.org, action, json!({ "vendor": updated }))
}
