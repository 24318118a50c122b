use serde_json::json;

use super::journal::{self, Change};
use super::vendors::require_vendor;
use super::{read, write, ServiceError};
use crate::db::subprocessors::SubprocessorLinkRow;
use crate::db::{self, Pool};
use crate::domain::subprocessor_graph::would_create_cycle;
use crate::domain::time;
use crate::domain::vendor::SubprocessorLink;
use crate::domain::Actor;

const ENTITY: &str = "vendor_subprocessor";

fn to_link(row: SubprocessorLinkRow, legal_name: String) -> SubprocessorLink {
    SubprocessorLink {
        vendor_id: row.vendor_id,
        subprocessor_id: row.subprocessor_id,
        subprocessor_legal_name: legal_name,
        service_description: row.service_description,
        created_at: row.created_at,
    }
}

pub fn list(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
) -> Result<Vec<SubprocessorLink>, ServiceError> {
    read(pool, |conn| {
        require_vendor(conn, &actor.org, vendor_id)?;
        Ok(db::subprocessors::list(conn, &actor.org, vendor_id)?
            .into_iter()
            .map(|(row, name)| to_link(row, name))
            .collect())
    })
}

pub fn add(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
    subprocessor_id: &str,
    service_description: Option<String>,
) -> Result<SubprocessorLink, ServiceError> {
    write(pool, |conn| {
        require_vendor(conn, &actor.org, vendor_id)?;
        let legal_name = db::vendors::find(conn, &actor.org, subprocessor_id)?
            .map(|v| v.legal_name)
            .ok_or_else(|| {
                ServiceError::field("subprocessor_id", "not_found", "no vendor with this id")
            })?;
        if db::subprocessors::find(conn, &actor.org, vendor_id, subprocessor_id)?.is_some() {
            return Err(ServiceError::Conflict(
                "this vendor already lists that subprocessor".into(),
            ));
        }
        let edges = db::subprocessors::all_edges(conn, &actor.org)?;
        if would_create_cycle(&edges, vendor_id, subprocessor_id) {
            return Err(ServiceError::Conflict(
                "the link would make a cycle: the subprocessor already relies on this vendor, directly or through others".into(),
            ));
        }
        let row = SubprocessorLinkRow {
            vendor_id: vendor_id.to_owned(),
            subprocessor_id: subprocessor_id.to_owned(),
            org_id: actor.org.clone(),
            service_description: service_description.clone(),
            created_at: time::now(),
        };
        db::subprocessors::insert(conn, &row)?;
        let link = to_link(row, legal_name);
        let entity_id = format!("{vendor_id}/{subprocessor_id}");
        journal::audit(
            conn,
            actor,
            Change {
                action: "vendor_subprocessor.added",
                entity_type: ENTITY,
                entity_id: &entity_id,
                before: None,
                after: journal::snapshot(&link)?,
                reason: None,
            },
        )?;
        journal::emit(
            conn,
            &actor.org,
            "vendor_subprocessor.added",
            json!({ "link": link }),
        )?;
        Ok(link)
    })
}

pub fn remove(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
    subprocessor_id: &str,
) -> Result<(), ServiceError> {
    write(pool, |conn| {
        require_vendor(conn, &actor.org, vendor_id)?;
        let row = db::subprocessors::find(conn, &actor.org, vendor_id, subprocessor_id)?.ok_or(
            ServiceError::NotFound {
                entity: "subprocessor link",
            },
        )?;
        let legal_name = require_vendor(conn, &actor.org, subprocessor_id)?;
        db::subprocessors::delete(conn, &actor.org, vendor_id, subprocessor_id)?;
        let link = to_link(row, legal_name);
        let entity_id = format!("{vendor_id}/{subprocessor_id}");
        journal::audit(
            conn,
            actor,
            Change {
                action: "vendor_subprocessor.removed",
                entity_type: ENTITY,
                entity_id: &entity_id,
                before: journal::snapshot(&link)?,
                after: None,
                reason: None,
            },
        )?;
        journal::emit(
            conn,
            &actor.org,
            "vendor_subprocessor.removed",
            json!({ "link": link }),
        )
    })
}
