use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};

use lru::LruCache;

use super::journal::{self, Change};
use super::{read, write, ServiceError};
use crate::db::catalog::{ControlLinkRow, ControlRow, FrameworkRow};
use crate::db::{self, DbConn, Pool};
use crate::domain::catalog::{
    self as rules, Control, ControlDetail, ControlFields, ControlFilter, ControlProfile, Framework,
};
use crate::domain::oscal;
use crate::domain::pagination::{self, Page};
use crate::domain::requirements::{self, RequiredControl};
use crate::domain::time;
use crate::domain::vendor::{Tier, Vendor};
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
        description: row.description,
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
    read(pool, |conn| detail(conn, &actor.org, id))
}

fn detail(conn: &mut DbConn, org: &str, id: &str) -> Result<ControlDetail, ServiceError> {
    let row =
        db::catalog::find(conn, org, id)?.ok_or(ServiceError::NotFound { entity: "control" })?;
    let crosswalk = db::catalog::related(conn, org, id)?
        .into_iter()
        .map(to_control)
        .collect();
    Ok(ControlDetail {
        control: to_control(row),
        crosswalk,
    })
}

const CONTROL_ENTITY: &str = "control";

/// One of the organisation's own controls; a built-in one is read-only.
fn own_control(conn: &mut DbConn, org: &str, id: &str) -> Result<ControlRow, ServiceError> {
    let row =
        db::catalog::find(conn, org, id)?.ok_or(ServiceError::NotFound { entity: "control" })?;
    if row.org_id.is_none() {
        return Err(ServiceError::Conflict(format!(
            "'{id}' is a built-in control and cannot be changed; define an organisation control instead"
        )));
    }
    Ok(row)
}

fn journal_control(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    id: &str,
    before: Option<&Control>,
    after: Option<&Control>,
) -> Result<(), ServiceError> {
    journal::audit(
        conn,
        actor,
        Change {
            action,
            entity_type: CONTROL_ENTITY,
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
        serde_json::json!({ "control": after.or(before) }),
    )
}

/// Adds a control to the organisation's own framework (created on first use).
pub fn create_control(
    pool: &Pool,
    actor: &Actor,
    fields: ControlFields,
) -> Result<Control, ServiceError> {
    let org = actor.org.as_str();
    let id = rules::org_control_id(org, &fields.reference);
    write(pool, |conn| {
        if db::catalog::find(conn, org, &id)?.is_some() {
            return Err(ServiceError::Conflict(format!(
                "the organisation already has a control '{}'",
                fields.reference
            )));
        }
        let framework_id = rules::org_framework_id(org);
        db::catalog::ensure_framework(
            conn,
            org,
            &FrameworkRow {
                id: framework_id.clone(),
                org_id: Some(org.to_owned()),
                name: rules::ORG_FRAMEWORK_NAME.to_owned(),
                description: rules::ORG_FRAMEWORK_DESCRIPTION.to_owned(),
                position: rules::ORG_FRAMEWORK_POSITION,
            },
        )?;
        let position = db::catalog::next_position(conn, org)?;
        let row = ControlRow {
            id: id.clone(),
            org_id: Some(org.to_owned()),
            framework_id,
            reference: fields.reference.clone(),
            group_ref: fields.group_ref.clone(),
            group_title: fields.group_title.clone(),
            title: fields.title.clone(),
            position,
            description: fields.description.clone(),
        };
        db::catalog::insert_control(conn, &row)?;
        let control = to_control(row);
        journal_control(conn, actor, "control.created", &id, None, Some(&control))?;
        Ok(control)
    })
}

/// Applies `edit` to one of the organisation's own controls.
pub fn update_control(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    edit: super::ai_services::Edit<'_, ControlFields, ControlFields>,
) -> Result<ControlDetail, ServiceError> {
    write(pool, |conn| {
        let current = own_control(conn, &actor.org, id)?;
        let fields = edit(&ControlFields {
            reference: current.reference.clone(),
            title: current.title.clone(),
            group_ref: current.group_ref.clone(),
            group_title: current.group_title.clone(),
            description: current.description.clone(),
        })
        .map_err(ServiceError::Validation)?;
        if fields.reference != current.reference {
            return Err(ServiceError::field(
                "ref",
                "read_only",
                "a control's ref is its identity; define a new control instead",
            ));
        }
        let updated = ControlRow {
            title: fields.title.clone(),
            group_ref: fields.group_ref.clone(),
            group_title: fields.group_title.clone(),
            description: fields.description.clone(),
            ..current.clone()
        };
        if updated != current {
            db::catalog::update_control(conn, &actor.org, &updated)?;
            journal_control(
                conn,
                actor,
                "control.updated",
                id,
                Some(&to_control(current)),
                Some(&to_control(updated)),
            )?;
        }
        detail(conn, &actor.org, id)
    })
}

/// Deletes one of the organisation's own controls and its crosswalk links; a control that a
/// profile still requires is kept.
pub fn delete_control(pool: &Pool, actor: &Actor, id: &str) -> Result<(), ServiceError> {
    write(pool, |conn| {
        let current = own_control(conn, &actor.org, id)?;
        let tiers = db::catalog::profile_tiers_with(conn, &actor.org, id)?;
        if !tiers.is_empty() {
            return Err(ServiceError::Conflict(format!(
                "the {} profile requires '{id}'; remove it from the profile first",
                tiers.join(", ")
            )));
        }
        db::catalog::delete_control(conn, &actor.org, id)?;
        journal_control(
            conn,
            actor,
            "control.deleted",
            id,
            Some(&to_control(current)),
            None,
        )
    })
}

const LINK_ENTITY: &str = "control_link";

/// The control a crosswalk link relates `id` to.
fn other_end<'a>(link: &'a ControlLinkRow, id: &str) -> &'a str {
    if link.control_id == id {
        &link.related_id
    } else {
        &link.control_id
    }
}

fn journal_link(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    link: &ControlLinkRow,
    created: bool,
) -> Result<(), ServiceError> {
    let snapshot =
        serde_json::json!({ "control_id": link.control_id, "related_id": link.related_id });
    journal::audit(
        conn,
        actor,
        Change {
            action,
            entity_type: LINK_ENTITY,
            entity_id: &link.id,
            before: (!created).then(|| snapshot.to_string()),
            after: created.then(|| snapshot.to_string()),
            reason: None,
        },
    )?;
    journal::emit(conn, &actor.org, action, snapshot)
}

/// Records that two visible controls correspond, as the organisation's own crosswalk entry.
pub fn add_link(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    related_id: &str,
) -> Result<ControlDetail, ServiceError> {
    write(pool, |conn| {
        let org = actor.org.as_str();
        db::catalog::find(conn, org, id)?.ok_or(ServiceError::NotFound { entity: "control" })?;
        if related_id == id {
            return Err(ServiceError::field(
                "related_id",
                "self",
                "a control cannot be related to itself",
            ));
        }
        if db::catalog::find(conn, org, related_id)?.is_none() {
            return Err(ServiceError::field(
                "related_id",
                "not_found",
                format!("'{related_id}' is not a control in the catalog"),
            ));
        }
        let linked = db::catalog::links_of(conn, org, id)?
            .iter()
            .any(|l| other_end(l, id) == related_id);
        if linked {
            return Err(ServiceError::Conflict(format!(
                "'{id}' and '{related_id}' are already related"
            )));
        }
        let link = ControlLinkRow {
            id: db::new_id(),
            org_id: Some(org.to_owned()),
            control_id: id.to_owned(),
            related_id: related_id.to_owned(),
        };
        db::catalog::insert_link(conn, &link)?;
        journal_link(conn, actor, "control_link.created", &link, true)?;
        detail(conn, org, id)
    })
}

/// Removes one of the organisation's own crosswalk entries; built-in entries stay.
pub fn remove_link(
    pool: &Pool,
    actor: &Actor,
    id: &str,
    related_id: &str,
) -> Result<(), ServiceError> {
    write(pool, |conn| {
        let org = actor.org.as_str();
        db::catalog::find(conn, org, id)?.ok_or(ServiceError::NotFound { entity: "control" })?;
        let link = db::catalog::links_of(conn, org, id)?
            .into_iter()
            .find(|l| other_end(l, id) == related_id)
            .ok_or(ServiceError::NotFound {
                entity: "crosswalk entry",
            })?;
        if link.org_id.is_none() {
            return Err(ServiceError::Conflict(format!(
                "the crosswalk entry between '{id}' and '{related_id}' is built in and cannot be removed"
            )));
        }
        db::catalog::delete_link(conn, org, &link.id)?;
        journal_link(conn, actor, "control_link.deleted", &link, false)
    })
}

const PROFILE_ENTITY: &str = "control_profile";

/// Loads controls by id in the given order; an id that does not resolve is reported by index.
fn resolve(
    conn: &mut DbConn,
    org: &str,
    ids: &[String],
) -> Result<Vec<Result<Control, usize>>, ServiceError> {
    let mut found: HashMap<String, Control> = db::catalog::find_many(conn, org, ids)?
        .into_iter()
        .map(|row| (row.id.clone(), to_control(row)))
        .collect();
    Ok(ids
        .iter()
        .enumerate()
        .map(|(i, id)| found.remove(id).ok_or(i))
        .collect())
}

/// Refuses ids that are not controls the organisation can see (built-in or its own), each
/// named by `field_of(index)`.
pub(super) fn require_controls(
    conn: &mut DbConn,
    org: &str,
    ids: &[String],
    field_of: impl Fn(usize) -> String,
) -> Result<(), ServiceError> {
    let unknown: Vec<FieldError> = resolve(conn, org, ids)?
        .into_iter()
        .filter_map(Result::err)
        .map(|i| {
            FieldError::new(
                field_of(i),
                "not_found",
                format!("'{}' is not a control in the catalog", ids[i]),
            )
        })
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Validation(unknown))
    }
}

pub(super) fn resolve_all(
    conn: &mut DbConn,
    org: &str,
    ids: &[String],
) -> Result<Vec<Control>, ServiceError> {
    resolve(conn, org, ids)?
        .into_iter()
        .map(|c| c.map_err(|i| not_in_catalog(&ids[i])))
        .collect()
}

/// A control a profile or a requirement names that the catalog does not hold: stored data
/// that has gone wrong, not a caller's mistake.
fn not_in_catalog(id: &str) -> ServiceError {
    ServiceError::Internal(format!("control '{id}' is not in the catalog"))
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
        require_controls(conn, &actor.org, &ids, |i| format!("controls[{i}]"))?;
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
                before: Some(snapshot(&before).to_string()),
                after: Some(snapshot(&after).to_string()),
                reason: None,
            },
        )?;
        // The profile decides what every vendor of that tier must evidence.
        super::risk::refresh_all(conn, actor, "control_profile.updated")?;
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
        let services = super::ai_services::in_use(conn, &actor.org, vendor_id)?;
        requirements_of(conn, &actor.org, &vendor, &services)
    })
}

/// What the vendor's tier profile and its services (with their use cases) call for.
pub(super) fn requirements_of(
    conn: &mut DbConn,
    org: &str,
    vendor: &Vendor,
    services: &[requirements::ServiceInUse],
) -> Result<VendorRequirements, ServiceError> {
    CatalogMemo::default().requirements_of(conn, org, vendor, services)
}

/// An organisation's catalog as the requirement rules read it: its profile for each tier and
/// every control it sees.
struct CatalogSnapshot {
    profiles: HashMap<Tier, Vec<String>>,
    controls: HashMap<String, Arc<Control>>,
}

impl CatalogSnapshot {
    fn read(conn: &mut DbConn, org: &str) -> Result<Self, ServiceError> {
        let mut profiles = HashMap::new();
        for tier in Tier::ALL {
            profiles.insert(tier, db::catalog::profile(conn, org, tier.as_str())?.0);
        }
        let controls = db::catalog::visible(conn, org)?
            .into_iter()
            .map(|row| (row.id.clone(), Arc::new(to_control(row))))
            .collect();
        Ok(Self { profiles, controls })
    }
}

/// How many organisations' catalogs stay in memory.
const SNAPSHOTS_KEPT: NonZeroUsize = NonZeroUsize::new(256).unwrap();

/// Catalogs read by this process, by organisation, each with the stamp it was read under
/// (`db::catalog::stamp`). Every created vendor is scored against its tier profile's controls
/// at once: reading them was a tenth of a creation. A change to an organisation's controls or
/// profiles replaces its stamp in the same transaction, by whichever server makes it, so a
/// transaction that reads the stamp it was read under reads the same catalog. An organisation
/// without a stamp has changed nothing and sees the built-in catalog, the same in every
/// database this process opens.
static SNAPSHOTS: LazyLock<Mutex<Snapshots>> =
    LazyLock::new(|| Mutex::new(LruCache::new(SNAPSHOTS_KEPT)));

/// By organisation: the stamp a catalog was read under, and the catalog.
type Snapshots = LruCache<String, (Option<String>, Arc<CatalogSnapshot>)>;

fn snapshots() -> MutexGuard<'static, Snapshots> {
    // The cache holds finished snapshots only; a panic elsewhere cannot leave one half-written.
    SNAPSHOTS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The organisation's catalog as the transaction sees it.
fn snapshot(conn: &mut DbConn, org: &str) -> Result<Arc<CatalogSnapshot>, ServiceError> {
    let stamp = db::catalog::stamp(conn, org)?;
    if let Some((held_stamp, held)) = snapshots().get(org) {
        if *held_stamp == stamp {
            return Ok(Arc::clone(held));
        }
    }
    let read = Arc::new(CatalogSnapshot::read(conn, org)?);
    snapshots().put(org.to_owned(), (stamp, Arc::clone(&read)));
    Ok(read)
}

/// The catalog read once and reused while the requirements of many vendors of one
/// organisation are worked out in one transaction; a later catalog change needs a new memo.
#[derive(Default)]
pub(super) struct CatalogMemo {
    snapshot: Option<(String, Arc<CatalogSnapshot>)>,
}

impl CatalogMemo {
    fn snapshot(
        &mut self,
        conn: &mut DbConn,
        org: &str,
    ) -> Result<Arc<CatalogSnapshot>, ServiceError> {
        match &self.snapshot {
            Some((held_org, held)) if held_org == org => Ok(Arc::clone(held)),
            _ => {
                let read = snapshot(conn, org)?;
                self.snapshot = Some((org.to_owned(), Arc::clone(&read)));
                Ok(read)
            }
        }
    }

    pub(super) fn requirements_of(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        vendor: &Vendor,
        services: &[requirements::ServiceInUse],
    ) -> Result<VendorRequirements, ServiceError> {
        let catalog = self.snapshot(conn, org)?;
        let profile_tier = vendor.tier.unwrap_or(requirements::UNTIERED_PROFILE);
        let profile = catalog
            .profiles
            .get(&profile_tier)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let data = requirements::required_controls(vendor.tier, profile, services)
            .into_iter()
            .map(|r| {
                let control = catalog
                    .controls
                    .get(&r.control_id)
                    .ok_or_else(|| not_in_catalog(&r.control_id))?;
                Ok(RequiredControl {
                    control: Arc::clone(control),
                    reasons: r.reasons,
                })
            })
            .collect::<Result<_, ServiceError>>()?;
        Ok(VendorRequirements {
            vendor_id: vendor.id.clone(),
            tier: vendor.tier,
            profile_tier,
            data,
        })
    }
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

fn stamp_now() -> (String, String) {
    (uuid::Uuid::new_v4().to_string(), time::now())
}

/// A framework as an OSCAL catalog, with the organisation's crosswalk as links.
pub fn oscal_catalog(
    pool: &Pool,
    actor: &Actor,
    framework_id: &str,
) -> Result<serde_json::Value, ServiceError> {
    read(pool, |conn| {
        let org = actor.org.as_str();
        let row =
            db::catalog::framework(conn, org, framework_id)?.ok_or(ServiceError::NotFound {
                entity: "framework",
            })?;
        let controls: Vec<Control> = db::catalog::all_in_framework(conn, org, framework_id)?
            .into_iter()
            .map(to_control)
            .collect();
        let mut related = HashMap::new();
        for control in &controls {
            let linked: Vec<Control> = db::catalog::related(conn, org, &control.id)?
                .into_iter()
                .map(to_control)
                .collect();
            related.insert(control.id.clone(), linked);
        }
        let framework = Framework {
            built_in: row.org_id.is_none(),
            control_count: controls.len() as i64,
            id: row.id,
            name: row.name,
            description: row.description,
        };
        let (uuid, now) = stamp_now();
        Ok(oscal::catalog(
            &framework,
            &controls,
            &related,
            &oscal::Stamp {
                uuid: &uuid,
                last_modified: &now,
                version: env!("CARGO_PKG_VERSION"),
            },
        ))
    })
}

/// The profile in force for a tier as an OSCAL profile.
pub fn oscal_profile(
    pool: &Pool,
    actor: &Actor,
    tier: Tier,
) -> Result<serde_json::Value, ServiceError> {
    read(pool, |conn| {
        let profile = load_profile(conn, &actor.org, tier)?;
        let (uuid, now) = stamp_now();
        Ok(oscal::profile(
            &profile,
            &oscal::Stamp {
                uuid: &uuid,
                last_modified: &now,
                version: env!("CARGO_PKG_VERSION"),
            },
        ))
    })
}
