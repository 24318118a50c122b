use std::collections::HashMap;

use serde_json::json;

use super::journal::{self, Change};
use super::vendors::require_vendor;
use super::{check_version, read, stored, stored_enum, write, ServiceError};
use crate::db::ai_services::{
    AiServiceChangeRow, AiServiceRow, ServiceProfileRow, UseCaseRow, UseProfileRow,
};
use crate::db::{self, DbConn, Pool};
use crate::domain::ai_bom::{self, VendorSupply};
use crate::domain::ai_bom_import::{IgnoredEntry, ParsedBom};
use crate::domain::ai_service::{
    enum_to_text, material_changes, reassessment_reason, AiService, AiServiceChange,
    AiServiceFields, AiServiceFilter, UseCase, UseCaseFields,
};
use crate::domain::pagination::{self, Page};
use crate::domain::requirements::{ServiceInUse, ServiceProfile, UseProfile};
use crate::domain::time;
use crate::domain::{Actor, FieldError};

const ENTITY: &str = "ai_service";
const USE_CASE: &str = "use_case";
/// A service used in more places than this is better split into services.
pub const MAX_USE_CASES_PER_SERVICE: i64 = 200;

/// Computes new fields from the current ones (a merge patch, say) inside the transaction.
pub type Edit<'a, T, F> = &'a (dyn Fn(&T) -> Result<F, Vec<FieldError>> + Send + Sync);

fn not_found() -> ServiceError {
    ServiceError::NotFound {
        entity: "AI service",
    }
}

fn optional_enum<T: serde::de::DeserializeOwned>(
    column: &str,
    text: &Option<String>,
) -> Result<Option<T>, ServiceError> {
    text.as_deref().map(|t| stored_enum(column, t)).transpose()
}

pub(super) fn to_service(row: AiServiceRow) -> Result<AiService, ServiceError> {
    Ok(AiService {
        kind: stored_enum("kind", &row.kind)?,
        endpoints: stored("endpoints", &row.endpoints)?,
        hosting_regions: stored("hosting_regions", &row.hosting_regions)?,
        data_categories: stored("data_categories", &row.data_categories)?,
        trains_on_customer_data: stored_enum(
            "trains_on_customer_data",
            &row.trains_on_customer_data,
        )?,
        eu_ai_act_role: optional_enum("eu_ai_act_role", &row.eu_ai_act_role)?,
        eu_ai_act_risk_class: optional_enum("eu_ai_act_risk_class", &row.eu_ai_act_risk_class)?,
        documentation: stored("documentation", &row.documentation)?,
        id: row.id,
        vendor_id: row.vendor_id,
        name: row.name,
        model_name: row.model_name,
        model_version: row.model_version,
        retention_days: row.retention_days,
        subprocessors_see_data: row.subprocessors_see_data,
        human_oversight: row.human_oversight,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

pub(super) struct RowMeta<'a> {
    pub org: &'a str,
    pub id: &'a str,
    pub vendor_id: &'a str,
    pub version: i64,
    pub created_at: &'a str,
    pub updated_at: &'a str,
}

pub(super) fn to_row(meta: RowMeta<'_>, f: &AiServiceFields) -> Result<AiServiceRow, ServiceError> {
    Ok(AiServiceRow {
        id: meta.id.to_owned(),
        org_id: meta.org.to_owned(),
        vendor_id: meta.vendor_id.to_owned(),
        name: f.name.clone(),
        kind: enum_to_text(&f.kind),
        model_name: f.model_name.clone(),
        model_version: f.model_version.clone(),
        endpoints: serde_json::to_string(&f.endpoints)?,
        hosting_regions: serde_json::to_string(&f.hosting_regions)?,
        data_categories: serde_json::to_string(&f.data_categories)?,
        retention_days: f.retention_days,
        trains_on_customer_data: enum_to_text(&f.trains_on_customer_data),
        subprocessors_see_data: f.subprocessors_see_data,
        eu_ai_act_role: f.eu_ai_act_role.map(|r| enum_to_text(&r)),
        eu_ai_act_risk_class: f.eu_ai_act_risk_class.map(|c| enum_to_text(&c)),
        human_oversight: f.human_oversight.clone(),
        documentation: serde_json::to_string(&f.documentation)?,
        version: meta.version,
        created_at: meta.created_at.to_owned(),
        updated_at: meta.updated_at.to_owned(),
    })
}

fn load(conn: &mut DbConn, org: &str, id: &str) -> Result<AiService, ServiceError> {
    db::ai_services::find(conn, org, id)?
        .ok_or_else(not_found)
        .and_then(to_service)
}

pub fn list(
    pool: &Pool,
    actor: &Actor,
    filter: &AiServiceFilter,
    page: &Page,
) -> Result<(Vec<AiService>, Option<String>), ServiceError> {
    read(pool, |conn| {
        let rows =
            db::ai_services::list(conn, &actor.org, filter, page.after.as_deref(), page.limit)?;
        let (rows, next) = pagination::finish(rows, page.limit, |r| r.id.clone());
        let services = rows.into_iter().map(to_service).collect::<Result<_, _>>()?;
        Ok((services, next))
    })
}

/// One vendor's services; unlike a filter, an unknown vendor is a 404.
pub fn list_for_vendor(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
    page: &Page,
) -> Result<(Vec<AiService>, Option<String>), ServiceError> {
    read(pool, |conn| require_vendor(conn, &actor.org, vendor_id))?;
    let filter = AiServiceFilter {
        vendor_id: Some(vendor_id.to_owned()),
        ..AiServiceFilter::default()
    };
    list(pool, actor, &filter, page)
}

pub fn get(pool: &Pool, actor: &Actor, id: &str) -> Result<AiService, ServiceError> {
    read(pool, |conn| load(conn, &actor.org, id))
}

pub fn create(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
    fields: AiServiceFields,
) -> Result<AiService, ServiceError> {
    write(pool, |conn| {
        require_vendor(conn, &actor.org, vendor_id)?;
        insert_service(conn, actor, vendor_id, &fields)
    })
}

fn insert_service(
    conn: &mut DbConn,
    actor: &Actor,
    vendor_id: &str,
    fields: &AiServiceFields,
) -> Result<AiService, ServiceError> {
    let id = db::new_id();
    let now = time::now();
    let meta = RowMeta {
        org: &actor.org,
        id: &id,
        vendor_id,
        version: 1,
        created_at: &now,
        updated_at: &now,
    };
    db::ai_services::insert(conn, &to_row(meta, fields)?)?;
    let service = load(conn, &actor.org, &id)?;
    journal::audit(
        conn,
        actor,
        Change {
            action: "ai_service.created",
            entity_type: ENTITY,
            entity_id: &id,
            before: None,
            after: journal::snapshot(&service)?,
            reason: None,
        },
    )?;
    journal::emit(
        conn,
        &actor.org,
        "ai_service.created",
        json!({ "ai_service": service }),
    )?;
    super::risk::refresh(conn, actor, &service.vendor_id, "ai_service.created")?;
    Ok(service)
}

/// Applies `edit` to the stored service. A material change (model, version, regions, data
/// categories, training terms, subprocessors) is recorded in the service's change history and
/// marks the vendor for reassessment, all in the same transaction.
pub fn update(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    if_match: Option<i64>,
    edit: Edit<'_, AiService, AiServiceFields>,
) -> Result<AiService, ServiceError> {
    write(pool, |conn| {
        let current = load(conn, &actor.org, id)?;
        check_version(if_match, current.version)?;
        let fields = edit(&current).map_err(ServiceError::Validation)?;
        replace_fields(conn, actor, current, fields)
    })
}

/// Stores `fields` over `current`; a material change is recorded and flags the vendor.
fn replace_fields(
    conn: &mut DbConn,
    actor: &Actor,
    current: AiService,
    fields: AiServiceFields,
) -> Result<AiService, ServiceError> {
    if fields == current.fields() {
        return Ok(current);
    }
    let id = current.id.as_str();
    let now = time::now();
    let meta = RowMeta {
        org: &actor.org,
        id,
        vendor_id: &current.vendor_id,
        version: current.version + 1,
        created_at: &current.created_at,
        updated_at: &now,
    };
    if !db::ai_services::update(conn, &to_row(meta, &fields)?, current.version)? {
        return Err(ServiceError::Conflict(
            "the AI service was changed by another request; fetch it and try again".into(),
        ));
    }
    let updated = load(conn, &actor.org, id)?;
    journal::audit(
        conn,
        actor,
        Change {
            action: "ai_service.updated",
            entity_type: ENTITY,
            entity_id: id,
            before: journal::snapshot(&current)?,
            after: journal::snapshot(&updated)?,
            reason: None,
        },
    )?;
    let changes = material_changes(&current.fields(), &fields);
    if !changes.is_empty() {
        db::ai_services::insert_change(
            conn,
            &AiServiceChangeRow {
                id: db::new_id(),
                org_id: actor.org.clone(),
                ai_service_id: id.to_owned(),
                changed_at: now.clone(),
                actor: actor.subject.clone(),
                changes: serde_json::to_string(&changes)?,
            },
        )?;
        let reason = reassessment_reason(&updated.name, &changes);
        super::vendors::flag_reassessment(conn, actor, &updated.vendor_id, &reason)?;
        journal::emit(
            conn,
            &actor.org,
            "ai_service.changed",
            json!({ "ai_service": updated, "changes": changes }),
        )?;
    }
    super::risk::refresh(conn, actor, &updated.vendor_id, "ai_service.updated")?;
    Ok(updated)
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
        db::ai_services::delete(conn, &actor.org, id)?;
        journal::audit(
            conn,
            actor,
            Change {
                action: "ai_service.deleted",
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
            "ai_service.deleted",
            json!({ "ai_service": current }),
        )?;
        super::risk::refresh(conn, actor, &current.vendor_id, "ai_service.deleted")?;
        Ok(())
    })
}

pub fn changes(pool: &Pool, actor: &Actor, id: &str) -> Result<Vec<AiServiceChange>, ServiceError> {
    read(pool, |conn| {
        load(conn, &actor.org, id)?;
        db::ai_services::changes(conn, &actor.org, id)?
            .into_iter()
            .map(|row| {
                Ok(AiServiceChange {
                    changes: stored("changes", &row.changes)?,
                    id: row.id,
                    ai_service_id: row.ai_service_id,
                    changed_at: row.changed_at,
                    actor: row.actor,
                })
            })
            .collect()
    })
}

/// The vendor's services, each with the organisation's use cases of it, as the rules read them.
pub(super) fn in_use(
    conn: &mut DbConn,
    org: &str,
    vendor_id: &str,
) -> Result<Vec<ServiceInUse>, ServiceError> {
    let services = db::ai_services::profiles_of_vendor(conn, org, vendor_id)?;
    if services.is_empty() {
        return Ok(Vec::new());
    }
    let use_cases = db::ai_services::use_profiles_of_vendor(conn, org, vendor_id)?;
    Ok(with_use_cases(services, use_cases)?
        .into_iter()
        .map(|(_, in_use)| in_use)
        .collect())
}

/// The services of each vendor with an id in (`after`, `last`], with their use cases, by vendor.
pub(super) fn in_use_between(
    conn: &mut DbConn,
    org: &str,
    after: Option<&str>,
    last: &str,
) -> Result<HashMap<String, Vec<ServiceInUse>>, ServiceError> {
    let after = after.unwrap_or("");
    let services = db::ai_services::profiles_between(conn, org, after, last)?;
    let use_cases = db::ai_services::use_profiles_between(conn, org, after, last)?;
    let mut by_vendor: HashMap<String, Vec<ServiceInUse>> = HashMap::new();
    for (vendor_id, in_use) in with_use_cases(services, use_cases)? {
        by_vendor.entry(vendor_id).or_default().push(in_use);
    }
    Ok(by_vendor)
}

/// Each service (with its vendor's id) and its use cases, in the services' order.
fn with_use_cases(
    services: Vec<ServiceProfileRow>,
    use_cases: Vec<UseProfileRow>,
) -> Result<Vec<(String, ServiceInUse)>, ServiceError> {
    let mut by_service: HashMap<String, Vec<UseProfile>> = HashMap::new();
    for row in use_cases {
        let use_case = UseProfile {
            purpose: row.purpose,
            affected_people: stored("affected_people", &row.affected_people)?,
            decision_impact: stored_enum("decision_impact", &row.decision_impact)?,
            autonomy: stored_enum("autonomy", &row.autonomy)?,
        };
        by_service
            .entry(row.ai_service_id)
            .or_default()
            .push(use_case);
    }
    services
        .into_iter()
        .map(|row| {
            let use_cases = by_service.remove(&row.id).unwrap_or_default();
            let service = ServiceProfile {
                data_categories: stored("data_categories", &row.data_categories)?,
                trains_on_customer_data: stored_enum(
                    "trains_on_customer_data",
                    &row.trains_on_customer_data,
                )?,
                subprocessors_see_data: row.subprocessors_see_data,
                eu_ai_act_risk_class: optional_enum(
                    "eu_ai_act_risk_class",
                    &row.eu_ai_act_risk_class,
                )?,
                name: row.name,
            };
            Ok((row.vendor_id, ServiceInUse { service, use_cases }))
        })
        .collect()
}

fn to_use_case(row: UseCaseRow) -> Result<UseCase, ServiceError> {
    Ok(UseCase {
        affected_people: stored("affected_people", &row.affected_people)?,
        decision_impact: stored_enum("decision_impact", &row.decision_impact)?,
        autonomy: stored_enum("autonomy", &row.autonomy)?,
        id: row.id,
        ai_service_id: row.ai_service_id,
        purpose: row.purpose,
        business_owner: row.business_owner,
        human_oversight: row.human_oversight,
        monthly_volume: row.monthly_volume,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

pub(super) fn use_case_row(
    org: &str,
    service_id: &str,
    id: &str,
    f: &UseCaseFields,
    created_at: &str,
    updated_at: &str,
) -> Result<UseCaseRow, ServiceError> {
    Ok(UseCaseRow {
        id: id.to_owned(),
        org_id: org.to_owned(),
        ai_service_id: service_id.to_owned(),
        purpose: f.purpose.clone(),
        business_owner: f.business_owner.clone(),
        affected_people: serde_json::to_string(&f.affected_people)?,
        decision_impact: enum_to_text(&f.decision_impact),
        autonomy: enum_to_text(&f.autonomy),
        human_oversight: f.human_oversight.clone(),
        monthly_volume: f.monthly_volume,
        created_at: created_at.to_owned(),
        updated_at: updated_at.to_owned(),
    })
}

fn load_use_case(
    conn: &mut DbConn,
    org: &str,
    service_id: &str,
    id: &str,
) -> Result<UseCase, ServiceError> {
    load(conn, org, service_id)?;
    db::ai_services::find_use_case(conn, org, service_id, id)?
        .ok_or(ServiceError::NotFound { entity: "use case" })
        .and_then(to_use_case)
}

fn journal_use_case(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    id: &str,
    before: Option<&UseCase>,
    after: Option<&UseCase>,
) -> Result<(), ServiceError> {
    journal::audit(
        conn,
        actor,
        Change {
            action,
            entity_type: USE_CASE,
            entity_id: id,
            before: before.map(journal::snapshot).transpose()?.flatten(),
            after: after.map(journal::snapshot).transpose()?.flatten(),
            reason: None,
        },
    )?;
    journal::emit(
        conn,
        &actor.org,
        action,
        json!({ "use_case": after.or(before) }),
    )?;
    if let Some(use_case) = after.or(before) {
        let service = load(conn, &actor.org, &use_case.ai_service_id)?;
        super::risk::refresh(conn, actor, &service.vendor_id, action)?;
    }
    Ok(())
}

pub fn list_use_cases(
    pool: &Pool,
    actor: &Actor,
    service_id: &str,
) -> Result<Vec<UseCase>, ServiceError> {
    read(pool, |conn| {
        load(conn, &actor.org, service_id)?;
        db::ai_services::use_cases_of(conn, &actor.org, service_id)?
            .into_iter()
            .map(to_use_case)
            .collect()
    })
}

pub fn get_use_case(
    pool: &Pool,
    actor: &Actor,
    service_id: &str,
    id: &str,
) -> Result<UseCase, ServiceError> {
    read(pool, |conn| load_use_case(conn, &actor.org, service_id, id))
}

pub fn create_use_case(
    pool: &Pool,
    actor: &Actor,
    service_id: &str,
    fields: UseCaseFields,
) -> Result<UseCase, ServiceError> {
    write(pool, |conn| {
        load(conn, &actor.org, service_id)?;
        if db::ai_services::count_use_cases(conn, service_id)? >= MAX_USE_CASES_PER_SERVICE {
            return Err(ServiceError::Conflict(format!(
                "an AI service has at most {MAX_USE_CASES_PER_SERVICE} use cases"
            )));
        }
        let now = time::now();
        let row = use_case_row(&actor.org, service_id, &db::new_id(), &fields, &now, &now)?;
        db::ai_services::insert_use_case(conn, &row)?;
        let use_case = to_use_case(row)?;
        journal_use_case(
            conn,
            actor,
            "use_case.created",
            &use_case.id,
            None,
            Some(&use_case),
        )?;
        Ok(use_case)
    })
}

pub fn update_use_case(
    pool: &Pool,
    actor: &Actor,
    service_id: &str,
    id: &str,
    edit: Edit<'_, UseCase, UseCaseFields>,
) -> Result<UseCase, ServiceError> {
    write(pool, |conn| {
        let current = load_use_case(conn, &actor.org, service_id, id)?;
        let fields = edit(&current).map_err(ServiceError::Validation)?;
        if fields == fields_of(&current) {
            return Ok(current);
        }
        let row = use_case_row(
            &actor.org,
            service_id,
            id,
            &fields,
            &current.created_at,
            &time::now(),
        )?;
        db::ai_services::update_use_case(conn, &row)?;
        let updated = to_use_case(row)?;
        journal_use_case(
            conn,
            actor,
            "use_case.updated",
            id,
            Some(&current),
            Some(&updated),
        )?;
        Ok(updated)
    })
}

fn fields_of(u: &UseCase) -> UseCaseFields {
    UseCaseFields {
        purpose: u.purpose.clone(),
        business_owner: u.business_owner.clone(),
        affected_people: u.affected_people.clone(),
        decision_impact: u.decision_impact,
        autonomy: u.autonomy,
        human_oversight: u.human_oversight.clone(),
        monthly_volume: u.monthly_volume,
    }
}

pub fn delete_use_case(
    pool: &Pool,
    actor: &Actor,
    service_id: &str,
    id: &str,
) -> Result<(), ServiceError> {
    write(pool, |conn| {
        let current = load_use_case(conn, &actor.org, service_id, id)?;
        db::ai_services::delete_use_case(conn, &actor.org, service_id, id)?;
        journal_use_case(conn, actor, "use_case.deleted", id, Some(&current), None)
    })
}

/// The CycloneDX 1.6 AI-BOM of one vendor, or of the whole portfolio.
pub fn bom(
    pool: &Pool,
    actor: &Actor,
    vendor_id: Option<&str>,
) -> Result<serde_json::Value, ServiceError> {
    read(pool, |conn| {
        if let Some(vendor_id) = vendor_id {
            require_vendor(conn, &actor.org, vendor_id)?;
        }
        let rows = db::ai_services::all_for(conn, &actor.org, vendor_id)?;
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut purposes: std::collections::HashMap<String, Vec<String>> =
            std::collections::HashMap::new();
        for (service_id, purpose) in db::ai_services::purposes_for(conn, &ids)? {
            purposes.entry(service_id).or_default().push(purpose);
        }
        let mut supplies: Vec<VendorSupply> = Vec::new();
        for row in rows {
            let service = to_service(row)?;
            let use_cases = purposes.remove(&service.id).unwrap_or_default();
            match supplies.last_mut() {
                Some(supply) if supply.vendor.id == service.vendor_id => {
                    supply.services.push((service, use_cases))
                }
                _ => supplies.push(VendorSupply {
                    vendor: super::vendors::load(conn, &actor.org, &service.vendor_id)?,
                    services: vec![(service, use_cases)],
                }),
            }
        }
        let serial = uuid::Uuid::new_v4().to_string();
        Ok(ai_bom::build(
            &supplies,
            &serial,
            &time::now(),
            env!("CARGO_PKG_VERSION"),
        ))
    })
}

/// What an import did with one AI service described by the BOM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ImportedEntry {
    /// The BOM entry it came from.
    #[schema(example = "services[0]")]
    pub source: String,
    pub outcome: ImportOutcome,
    pub ai_service: AiService,
}

/// The result of importing a BOM.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct BomImport {
    pub vendor_id: String,
    pub data: Vec<ImportedEntry>,
    pub ignored: Vec<IgnoredEntry>,
}

/// Creates or updates the vendor's AI services from a parsed BOM, in one transaction: an entry
/// matches an existing service by its `annexa:ai_service_id`, else by name (ignoring case).
pub fn import_bom(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
    bom: ParsedBom,
) -> Result<BomImport, ServiceError> {
    write(pool, |conn| {
        require_vendor(conn, &actor.org, vendor_id)?;
        let existing: Vec<AiService> = db::ai_services::all_for(conn, &actor.org, Some(vendor_id))?
            .into_iter()
            .map(to_service)
            .collect::<Result<_, _>>()?;
        let mut claimed: std::collections::HashMap<String, String> =
            std::collections::HashMap::new();
        let mut matches = Vec::with_capacity(bom.services.len());
        let mut errors = Vec::new();
        for entry in &bom.services {
            let found = entry
                .known_id
                .as_deref()
                .and_then(|id| existing.iter().find(|s| s.id == id))
                .or_else(|| {
                    existing
                        .iter()
                        .find(|s| s.name.to_lowercase() == entry.name.to_lowercase())
                });
            if let Some(service) = found {
                if let Some(first) = claimed.insert(service.id.clone(), entry.source.clone()) {
                    errors.push(FieldError::new(
                        entry.source.clone(),
                        "duplicate",
                        format!(
                            "describes the same AI service as {first} ('{}')",
                            service.name
                        ),
                    ));
                }
            }
            matches.push(found.cloned());
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let mut data = Vec::with_capacity(matches.len());
        for (entry, current) in bom.services.iter().zip(matches) {
            let (outcome, ai_service) = match current {
                None => (
                    ImportOutcome::Created,
                    insert_service(conn, actor, vendor_id, &entry.merged_over(None))?,
                ),
                Some(current) => {
                    let fields = entry.merged_over(Some(&current.fields()));
                    if fields == current.fields() {
                        (ImportOutcome::Unchanged, current)
                    } else {
                        (
                            ImportOutcome::Updated,
                            replace_fields(conn, actor, current, fields)?,
                        )
                    }
                }
            };
            data.push(ImportedEntry {
                source: entry.source.clone(),
                outcome,
                ai_service,
            });
        }
        Ok(BomImport {
            vendor_id: vendor_id.to_owned(),
            data,
            ignored: bom.ignored.clone(),
        })
    })
}
