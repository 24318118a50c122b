use super::journal::{self, Change};
use super::{read, write, ServiceError};
use crate::db::catalog::ControlRow;
use crate::db::{self, DbConn, Pool};
use crate::domain::catalog::{Control, ControlDetail, ControlFilter, ControlProfile, Framework};
use crate::domain::pagination::{self, Page};
use crate::domain::requirements::{self, RequiredControl};
use crate::domain::vendor::Tier;
use crate::domain::{Actor, FieldError};

fn to_control(row: ControlRow) -> Control {
    Control {
        built_in: row.org_id.is_none(),
        id: row.id,
        framework: row.framework_id,
        reference: row.reference,
        group_ref: row.group_ref,
        group_title: row.group_title,
        title: row.title,
    }
}

pub fn frameworks(pool: &Pool, actor: &Actor) -> Result<Vec<Framework>, ServiceError> {
    read(pool, |conn| {
        Ok(db::catalog::frameworks(conn, &actor.org)?
            .into_iter()
            .map(|(row, control_count)| Framework {
                built_in: row.org_id.is_none(),
                id: row.id,
                name: row.name,
                description: row.description,
                control_count,
            })
            .collect())
    })
}

/// Controls in catalog order; the cursor is a catalog position.
pub fn list(
    pool: &Pool,
    actor: &Actor,
    filter: &ControlFilter,
    page: &Page,
) -> Result<(Vec<Control>, Option<String>), ServiceError> {
    let after = match &page.after {
        Some(key) => Some(key.parse::<i32>().map_err(|_| {
            ServiceError::field("cursor", "cursor", "is not a cursor this API returned")
        })?),
        None => None,
    };
    read(pool, |conn| {
        let rows = db::catalog::list(conn, &actor.org, filter, after, page.limit)?;
        let (rows, next) = pagination::finish(rows, page.limit, |r| r.position.to_string());
        Ok((rows.into_iter().map(to_control).collect(), next))
    })
}

pub fn get(pool: &Pool, actor: &Actor, id: &str) -> Result<ControlDetail, ServiceError> {
    read(pool, |conn| {
        let row = db::catalog::find(conn, &actor.org, id)?
            .ok_or(ServiceError::NotFound { entity: "control" })?;
        let crosswalk = db::catalog::related(conn, &actor.org, id)?
            .into_iter()
            .map(to_control)
            .collect();
        Ok(ControlDetail {
            control: to_control(row),
            crosswalk,
        })
    })
}

const PROFILE_ENTITY: &str = "control_profile";

/// Loads controls by id in the given order; an id that does not resolve is reported by index.
fn resolve(
    conn: &mut DbConn,
    org: &str,
    ids: &[String],
) -> Result<Vec<Result<Control, usize>>, ServiceError> {
    let mut found: std::collections::HashMap<String, Control> =
        db::catalog::find_many(conn, org, ids)?
            .into_iter()
            .map(|row| (row.id.clone(), to_control(row)))
            .collect();
    Ok(ids
        .iter()
        .enumerate()
        .map(|(i, id)| found.remove(id).ok_or(i))
        .collect())
}

fn resolve_all(conn: &mut DbConn, org: &str, ids: &[String]) -> Result<Vec<Control>, ServiceError> {
    resolve(conn, org, ids)?
        .into_iter()
        .map(|c| {
            c.map_err(|i| {
                ServiceError::Internal(format!("control '{}' is not in the catalog", ids[i]))
            })
        })
        .collect()
}

fn load_profile(conn: &mut DbConn, org: &str, tier: Tier) -> Result<ControlProfile, ServiceError> {
    let (ids, customized) = db::catalog::profile(conn, org, tier.as_str())?;
    Ok(ControlProfile {
        tier,
        customized,
        controls: resolve_all(conn, org, &ids)?,
    })
}

pub fn profiles(pool: &Pool, actor: &Actor) -> Result<Vec<ControlProfile>, ServiceError> {
    read(pool, |conn| {
        Tier::ALL
            .into_iter()
            .map(|tier| load_profile(conn, &actor.org, tier))
            .collect()
    })
}

/// Replaces the organisation's profile for `tier`; an empty list reverts to the default.
pub fn set_profile(
    pool: &Pool,
    actor: &Actor,
    tier: Tier,
    control_ids: Vec<String>,
) -> Result<ControlProfile, ServiceError> {
    let ids = crate::domain::vendor::dedup(control_ids);
    write(pool, |conn| {
        let unknown: Vec<FieldError> = resolve(conn, &actor.org, &ids)?
            .into_iter()
            .filter_map(Result::err)
            .map(|i| {
                FieldError::new(
                    format!("controls[{i}]"),
                    "not_found",
                    format!("'{}' is not a control in the catalog", ids[i]),
                )
            })
            .collect();
        if !unknown.is_empty() {
            return Err(ServiceError::Validation(unknown));
        }
        let before = load_profile(conn, &actor.org, tier)?;
        db::catalog::replace_profile(conn, &actor.org, tier.as_str(), &ids)?;
        let after = load_profile(conn, &actor.org, tier)?;
        let snapshot = |p: &ControlProfile| {
            serde_json::json!({
                "customized": p.customized,
                "controls": p.controls.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
            })
        };
        journal::audit(
            conn,
            actor,
            Change {
                action: "control_profile.updated",
                entity_type: PROFILE_ENTITY,
                entity_id: tier.as_str(),
                before: Some(snapshot(&before)),
                after: Some(snapshot(&after)),
                reason: None,
            },
        )?;
        Ok(after)
    })
}

/// The controls a vendor must evidence, each with why.
pub fn required_controls(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
) -> Result<VendorRequirements, ServiceError> {
    read(pool, |conn| {
        let vendor = super::vendors::load(conn, &actor.org, vendor_id)?;
        let profile_tier = vendor.tier.unwrap_or(requirements::UNTIERED_PROFILE);
        let (profile, _) = db::catalog::profile(conn, &actor.org, profile_tier.as_str())?;
        let services = super::ai_services::in_use(conn, &actor.org, vendor_id)?;
        let required = requirements::required_controls(vendor.tier, &profile, &services);
        let ids: Vec<String> = required.iter().map(|r| r.control_id.clone()).collect();
        let controls = resolve_all(conn, &actor.org, &ids)?;
        Ok(VendorRequirements {
            vendor_id: vendor.id,
            tier: vendor.tier,
            profile_tier,
            data: controls
                .into_iter()
                .zip(required)
                .map(|(control, r)| RequiredControl {
                    control,
                    reasons: r.reasons,
                })
                .collect(),
        })
    })
}

/// A vendor's required controls.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VendorRequirements {
    pub vendor_id: String,
    pub tier: Option<Tier>,
    /// The tier whose profile applies (`medium` for a vendor with no tier yet).
    pub profile_tier: Tier,
    pub data: Vec<RequiredControl>,
}
