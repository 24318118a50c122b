use serde_json::json;

use super::journal::{self, Change};
use super::vendors::require_vendor;
use super::{read, write, ServiceError};
use crate::db::contacts::ContactRow;
use crate::db::{self, DbConn, Pool};
use crate::domain::time;
use crate::domain::vendor::{Contact, ContactFields, ContactPatch};
use crate::domain::Actor;

const ENTITY: &str = "vendor_contact";
/// A vendor with more contacts than this is a data-entry mistake, not a vendor.
pub const MAX_CONTACTS_PER_VENDOR: i64 = 100;

fn not_found() -> ServiceError {
    ServiceError::NotFound { entity: "contact" }
}

fn to_contact(row: ContactRow) -> Contact {
    Contact {
        id: row.id,
        vendor_id: row.vendor_id,
        name: row.name,
        email: row.email,
        role: row.role,
        phone: row.phone,
        is_primary: row.is_primary,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn fields_of(contact: &Contact) -> ContactFields {
    ContactFields {
        name: contact.name.clone(),
        email: contact.email.clone(),
        role: contact.role.clone(),
        phone: contact.phone.clone(),
        is_primary: contact.is_primary,
    }
}

fn load(conn: &mut DbConn, org: &str, vendor_id: &str, id: &str) -> Result<Contact, ServiceError> {
    require_vendor(conn, org, vendor_id)?;
    db::contacts::find(conn, org, vendor_id, id)?
        .map(to_contact)
        .ok_or_else(not_found)
}

pub fn list(pool: &Pool, actor: &Actor, vendor_id: &str) -> Result<Vec<Contact>, ServiceError> {
    read(pool, |conn| {
        require_vendor(conn, &actor.org, vendor_id)?;
        Ok(db::contacts::list(conn, &actor.org, vendor_id)?
            .into_iter()
            .map(to_contact)
            .collect())
    })
}

pub fn get(pool: &Pool, actor: &Actor, vendor_id: &str, id: &str) -> Result<Contact, ServiceError> {
    read(pool, |conn| load(conn, &actor.org, vendor_id, id))
}

fn journal_change(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    id: &str,
    before: Option<&Contact>,
    after: Option<&Contact>,
) -> Result<(), ServiceError> {
    journal::audit(
        conn,
        actor,
        Change {
            action,
            entity_type: ENTITY,
            entity_id: id,
            before: before.map(journal::snapshot).transpose()?.flatten(),
            after: after.map(journal::snapshot).transpose()?.flatten(),
            reason: None,
        },
    )?;
    let contact = after.or(before);
    journal::emit(conn, &actor.org, action, json!({ "contact": contact }))
}

pub fn create(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
    fields: ContactFields,
) -> Result<Contact, ServiceError> {
    write(pool, |conn| {
        require_vendor(conn, &actor.org, vendor_id)?;
        if db::contacts::count(conn, vendor_id)? >= MAX_CONTACTS_PER_VENDOR {
            return Err(ServiceError::Conflict(format!(
                "a vendor has at most {MAX_CONTACTS_PER_VENDOR} contacts"
            )));
        }
        let now = time::now();
        let row = ContactRow {
            id: db::new_id(),
            org_id: actor.org.clone(),
            vendor_id: vendor_id.to_owned(),
            name: fields.name.clone(),
            email: fields.email.clone(),
            role: fields.role.clone(),
            phone: fields.phone.clone(),
            is_primary: fields.is_primary,
            created_at: now.clone(),
            updated_at: now,
        };
        db::contacts::insert(conn, &row)?;
        if row.is_primary {
            db::contacts::clear_primary(conn, vendor_id, &row.id)?;
        }
        let contact = to_contact(row);
        journal_change(
            conn,
            actor,
            "vendor_contact.created",
            &contact.id,
            None,
            Some(&contact),
        )?;
        Ok(contact)
    })
}

pub fn update(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
    id: &str,
    patch: ContactPatch,
) -> Result<Contact, ServiceError> {
    write(pool, |conn| {
        let current = load(conn, &actor.org, vendor_id, id)?;
        let fields = patch.clone().apply(fields_of(&current));
        if fields == fields_of(&current) {
            return Ok(current);
        }
        let row = ContactRow {
            id: current.id.clone(),
            org_id: actor.org.clone(),
            vendor_id: vendor_id.to_owned(),
            name: fields.name,
            email: fields.email,
            role: fields.role,
            phone: fields.phone,
            is_primary: fields.is_primary,
            created_at: current.created_at.clone(),
            updated_at: time::now(),
        };
        db::contacts::update(conn, &row)?;
        if row.is_primary {
            db::contacts::clear_primary(conn, vendor_id, &row.id)?;
        }
        let updated = to_contact(row);
        journal_change(
            conn,
            actor,
            "vendor_contact.updated",
            id,
            Some(&current),
            Some(&updated),
        )?;
        Ok(updated)
    })
}

pub fn delete(pool: &Pool, actor: &Actor, vendor_id: &str, id: &str) -> Result<(), ServiceError> {
    write(pool, |conn| {
        let current = load(conn, &actor.org, vendor_id, id)?;
        db::contacts::delete(conn, &actor.org, vendor_id, id)?;
        journal_change(
            conn,
            actor,
            "vendor_contact.deleted",
            id,
            Some(&current),
            None,
        )
    })
}
