//! Coverage, risk scores and the risk model: computed in the same transaction as whatever
//! changed an input, kept as history, summed up for the portfolio.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::journal::{self, Change, Journal};
use super::{read, system_actor, write, ServiceError};
use crate::db::assessments::AssessmentRow;
use crate::db::contracts::{ResponsibilityRow, VendorMapping};
use crate::db::findings::CoverageFindingState;
use crate::db::risk::{RiskModelRow, RiskScoreRow, VendorRiskRow};
use crate::db::{self, DbConn, Pool};
use crate::domain::ai_service::{enum_from_text, enum_to_text};
use crate::domain::assessment::AssessmentStatus;
use crate::domain::contract::{self as contract_rules, Party, Verification};
use crate::domain::coverage::{
    self as rules, ClauseInput, ControlCoverage, ControlEvidence, CoverageSummary,
};
use crate::domain::pagination::{self, Page};
use crate::domain::requirements::ServiceInUse;
use crate::domain::risk::{
    self as model_rules, FactorWeights, ReassessmentCadence, RiskExplanation, RiskModelConfig,
    TierThresholds,
};
use crate::domain::time;
use crate::domain::vendor::{Tier, Vendor};
use crate::domain::Actor;

/// The version number of the built-in model, in force until an organisation saves its own.
pub const BUILT_IN_VERSION: i32 = 0;

/// A vendor's coverage: every required control with its verdict.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VendorCoverage {
    pub vendor_id: String,
    pub summary: CoverageSummary,
    /// When the vendor's latest assessment was completed; absent if none was.
    #[schema(format = DateTime)]
    pub last_assessed_at: Option<String>,
    pub data: Vec<ControlCoverage>,
}

/// A risk computation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiskScore {
    pub id: String,
    pub vendor_id: String,
    #[schema(example = 56.25)]
    pub inherent: f64,
    #[schema(example = 33.75)]
    pub residual: f64,
    pub tier: Tier,
    #[schema(example = 1)]
    pub model_version: i32,
    /// What made annexa compute it.
    #[schema(example = "ai_service.updated")]
    pub cause: String,
    #[schema(format = DateTime)]
    pub computed_at: String,
    pub explanation: RiskExplanation,
}

/// A risk model version: its settings (as `PUT /v1/risk-model` takes them) and who saved it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiskModel {
    /// 0 is the built-in model; an organisation's saved versions count from 1.
    #[schema(example = 1)]
    pub version: i32,
    pub built_in: bool,
    pub weights: FactorWeights,
    pub thresholds: TierThresholds,
    #[schema(example = 0.8)]
    pub max_mitigation: f64,
    pub reassessment_months: ReassessmentCadence,
    pub created_by: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: Option<String>,
}

impl RiskModel {
    fn new(
        version: i32,
        config: RiskModelConfig,
        created_by: Option<String>,
        created_at: Option<String>,
    ) -> Self {
        Self {
            version,
            built_in: version == BUILT_IN_VERSION,
            weights: config.weights,
            thresholds: config.thresholds,
            max_mitigation: config.max_mitigation,
            reassessment_months: config.reassessment_months,
            created_by,
            created_at,
        }
    }

    pub fn config(&self) -> RiskModelConfig {
        RiskModelConfig {
            weights: self.weights,
            thresholds: self.thresholds,
            max_mitigation: self.max_mitigation,
            reassessment_months: self.reassessment_months,
        }
    }
}

/// What a portfolio recompute did.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct RecomputeSummary {
    /// Vendors computed.
    pub vendors: u32,
    /// Vendors whose score, tier or explanation changed (a new history entry each).
    pub rescored: u32,
    pub tier_changes: u32,
    pub elapsed_ms: u64,
}

/// What one vendor's refresh changed.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Refreshed {
    pub rescored: bool,
    pub tier_changed: bool,
}

fn to_model(row: RiskModelRow) -> Result<RiskModel, ServiceError> {
    Ok(RiskModel::new(
        row.version,
        serde_json::from_str(&row.config)?,
        Some(row.created_by),
        Some(row.created_at),
    ))
}

fn built_in_model() -> RiskModel {
    RiskModel::new(BUILT_IN_VERSION, RiskModelConfig::default(), None, None)
}

fn model_in_force(conn: &mut DbConn, org: &str) -> Result<RiskModel, ServiceError> {
    match db::risk::current_model(conn, org)? {
        Some(row) => to_model(row),
        None => Ok(built_in_model()),
    }
}

fn stored_tier(text: &str) -> Result<Tier, ServiceError> {
    super::stored_enum("tier", text)
}

fn to_score(row: RiskScoreRow) -> Result<RiskScore, ServiceError> {
    Ok(RiskScore {
        tier: stored_tier(&row.tier)?,
        explanation: serde_json::from_str(&row.explanation)?,
        id: row.id,
        vendor_id: row.vendor_id,
        inherent: row.inherent,
        residual: row.residual,
        model_version: row.model_version,
        cause: row.cause,
        computed_at: row.computed_at,
    })
}

/// What stays the same across the vendors of one transaction: the model in force and the tier
/// profiles with their controls. A portfolio run reads each once instead of once a vendor.
#[derive(Default)]
pub(super) struct RefreshMemo {
    model: Option<RiskModel>,
    catalog: super::catalog::CatalogMemo,
}

impl RefreshMemo {
    fn model(&mut self, conn: &mut DbConn, org: &str) -> Result<&RiskModel, ServiceError> {
        let model = match self.model.take() {
            Some(model) => model,
            None => model_in_force(conn, org)?,
        };
        Ok(self.model.insert(model))
    }
}

/// Applies the coverage rules to every control the vendor must evidence.
pub(super) fn coverage_of(
    conn: &mut DbConn,
    org: &str,
    vendor: &Vendor,
    services: &[ServiceInUse],
) -> Result<VendorCoverage, ServiceError> {
    coverage_with(conn, &mut RefreshMemo::default(), org, vendor, services)
}

/// A vendor's own records that its coverage is judged on.
pub(super) struct CoverageRecords {
    answered: super::assessments::AnsweredControls,
    responsibilities: Vec<ResponsibilityRow>,
    mappings: Vec<VendorMapping>,
}

impl CoverageRecords {
    fn of_vendor(conn: &mut DbConn, org: &str, vendor_id: &str) -> Result<Self, ServiceError> {
        Ok(Self {
            answered: super::assessments::control_evidence(conn, org, vendor_id)?,
            responsibilities: db::contracts::responsibilities(conn, org, vendor_id)?,
            mappings: db::contracts::vendor_mappings(conn, org, vendor_id)?,
        })
    }
}

/// The coverage records and gap findings of a batch of vendors with ids in (`after`, `last`],
/// read with a few statements for the whole batch.
struct BatchRecords {
    completed: HashMap<String, Vec<AssessmentRow>>,
    responsibilities: HashMap<String, Vec<ResponsibilityRow>>,
    mappings: HashMap<String, Vec<VendorMapping>>,
    findings: HashMap<String, Vec<CoverageFindingState>>,
}

impl BatchRecords {
    fn load(conn: &mut DbConn, org: &str, after: &str, last: &str) -> Result<Self, ServiceError> {
        Ok(Self {
            completed: by_vendor(
                db::assessments::completed_of_vendors_between(conn, org, after, last)?,
                |r| &r.vendor_id,
            ),
            responsibilities: by_vendor(
                db::contracts::responsibilities_between(conn, org, after, last)?,
                |r| &r.vendor_id,
            ),
            mappings: by_vendor(
                db::contracts::vendor_mappings_between(conn, org, after, last)?,
                |m| &m.vendor_id,
            ),
            findings: by_vendor(
                db::findings::coverage_findings_between(conn, org, after, last)?,
                |f| &f.vendor_id,
            ),
        })
    }

    fn take(
        &mut self,
        conn: &mut DbConn,
        org: &str,
        vendor_id: &str,
    ) -> Result<(CoverageRecords, Vec<CoverageFindingState>), ServiceError> {
        let completed = self.completed.remove(vendor_id).unwrap_or_default();
        let records = CoverageRecords {
            answered: super::assessments::answered_controls(conn, org, completed)?,
            responsibilities: self.responsibilities.remove(vendor_id).unwrap_or_default(),
            mappings: self.mappings.remove(vendor_id).unwrap_or_default(),
        };
        Ok((records, self.findings.remove(vendor_id).unwrap_or_default()))
    }
}

fn by_vendor<T>(rows: Vec<T>, vendor_of: impl Fn(&T) -> &String) -> HashMap<String, Vec<T>> {
    let mut out: HashMap<String, Vec<T>> = HashMap::new();
    for row in rows {
        out.entry(vendor_of(&row).clone()).or_default().push(row);
    }
    out
}

fn coverage_with(
    conn: &mut DbConn,
    memo: &mut RefreshMemo,
    org: &str,
    vendor: &Vendor,
    services: &[ServiceInUse],
) -> Result<VendorCoverage, ServiceError> {
    let records = CoverageRecords::of_vendor(conn, org, &vendor.id)?;
    judge_coverage(conn, memo, org, vendor, services, records)
}

fn judge_coverage(
    conn: &mut DbConn,
    memo: &mut RefreshMemo,
    org: &str,
    vendor: &Vendor,
    services: &[ServiceInUse],
    records: CoverageRecords,
) -> Result<VendorCoverage, ServiceError> {
    let required = memo.catalog.requirements_of(conn, org, vendor, services)?;
    let super::assessments::AnsweredControls {
        by_control: mut answered,
        last_completed,
    } = records.answered;
    let responsibilities: HashMap<String, Party> = records
        .responsibilities
        .into_iter()
        .map(|r| {
            let party = enum_from_text(&r.party).ok_or_else(|| {
                ServiceError::Internal(format!("stored party '{}' is unknown", r.party))
            })?;
            Ok((r.control_id, party))
        })
        .collect::<Result<_, ServiceError>>()?;
    let mut clauses: HashMap<String, Vec<ClauseInput>> = HashMap::new();
    for m in records.mappings {
        let binds = enum_from_text::<contract_rules::ContractStatus>(&m.contract_status)
            .is_some_and(|s| s.binds());
        if !binds {
            continue;
        }
        let (Some(coverage), Some(verification)) = (
            enum_from_text(&m.coverage),
            enum_from_text::<Verification>(&m.verification),
        ) else {
            return Err(ServiceError::Internal(format!(
                "stored mapping {} is not valid",
                m.mapping_id
            )));
        };
        clauses.entry(m.control_id).or_default().push(ClauseInput {
            mapping_id: m.mapping_id,
            clause_reference: m.clause_reference,
            contract_title: m.contract_title,
            coverage,
            verification,
        });
    }
    let data: Vec<ControlCoverage> = required
        .data
        .into_iter()
        .map(|r| {
            let id = &r.control.id;
            let (questionnaire, documents) = match answered.remove(id) {
                Some((q, d)) => (Some(q), d),
                None => (None, Vec::new()),
            };
            let input = ControlEvidence {
                responsibility: responsibilities.get(id).copied(),
                questionnaire,
                clauses: clauses.remove(id).unwrap_or_default(),
                documents,
            };
            let judgement = rules::judge(&input);
            ControlCoverage {
                responsibility: input.responsibility,
                required_because: r.reasons,
                control: r.control,
                verdict: judgement.verdict,
                reason: judgement.reason,
                evidence: judgement.evidence,
            }
        })
        .collect();
    Ok(VendorCoverage {
        vendor_id: vendor.id.clone(),
        summary: CoverageSummary::of(data.iter().map(|c| c.verdict)),
        last_assessed_at: last_completed,
        data,
    })
}

/// Recomputes the vendor's coverage, score and gap findings inside the caller's transaction.
/// A result identical to the one in force is not stored again.
pub(super) fn refresh(
    conn: &mut DbConn,
    actor: &Actor,
    vendor_id: &str,
    cause: &str,
) -> Result<Refreshed, ServiceError> {
    journal::buffered(conn, |conn, journal| {
        refresh_with(
            conn,
            &mut RefreshMemo::default(),
            journal,
            actor,
            vendor_id,
            cause,
        )
    })
}

fn refresh_with(
    conn: &mut DbConn,
    memo: &mut RefreshMemo,
    journal: &mut Journal,
    actor: &Actor,
    vendor_id: &str,
    cause: &str,
) -> Result<Refreshed, ServiceError> {
    let org = actor.org.as_str();
    let vendor = super::vendors::load(conn, org, vendor_id)?;
    let services = super::ai_services::in_use(conn, org, vendor_id)?;
    let previous = match db::risk::vendor_risk(conn, vendor_id)? {
        Some(current) => db::risk::find_score(conn, &current.score_id)?,
        None => None,
    };
    let records = CoverageRecords::of_vendor(conn, org, vendor_id)?;
    let findings = db::findings::coverage_findings(conn, org, vendor_id)?;
    let stored = StoredInputs {
        services,
        records,
        findings,
        previous,
    };
    rescore(conn, memo, journal, actor, &vendor, stored, cause)
}

/// Scores a vendor inserted in this transaction. It has no services, assessments, contracts,
/// findings or score yet, so none of its own records need reading.
pub(super) fn score_new(
    conn: &mut DbConn,
    journal: &mut Journal,
    actor: &Actor,
    vendor: &Vendor,
    cause: &str,
) -> Result<Refreshed, ServiceError> {
    let stored = StoredInputs {
        services: Vec::new(),
        records: CoverageRecords {
            answered: super::assessments::AnsweredControls::default(),
            responsibilities: Vec::new(),
            mappings: Vec::new(),
        },
        findings: Vec::new(),
        previous: None,
    };
    rescore(
        conn,
        &mut RefreshMemo::default(),
        journal,
        actor,
        vendor,
        stored,
        cause,
    )
}

/// What a vendor's score is computed from and compared with, as stored before the refresh.
struct StoredInputs {
    services: Vec<ServiceInUse>,
    records: CoverageRecords,
    /// The vendor's coverage findings.
    findings: Vec<CoverageFindingState>,
    /// The score in force.
    previous: Option<RiskScoreRow>,
}

/// Scores the vendor against the score in force, storing and announcing what moved.
fn rescore(
    conn: &mut DbConn,
    memo: &mut RefreshMemo,
    journal: &mut Journal,
    actor: &Actor,
    vendor: &Vendor,
    stored: StoredInputs,
    cause: &str,
) -> Result<Refreshed, ServiceError> {
    let org = actor.org.as_str();
    let vendor_id = vendor.id.as_str();
    let StoredInputs {
        services,
        records,
        findings,
        previous,
    } = stored;
    let coverage = judge_coverage(conn, memo, org, vendor, &services, records)?;
    let model = memo.model(conn, org)?;
    let model_version = model.version;
    let result = model_rules::assess(&model.config(), &services, coverage.summary);
    super::findings::sync_gaps(
        conn,
        journal,
        org,
        vendor,
        findings,
        super::findings::Judged {
            coverage: &coverage,
            tier: result.tier,
        },
        cause,
    )?;

    let explanation = serde_json::to_string(&result.explanation)?;
    let tier = result.tier.as_str().to_owned();
    let unchanged = previous.as_ref().is_some_and(|p| {
        p.inherent == result.inherent
            && p.residual == result.residual
            && p.tier == tier
            && p.model_version == model_version
            && p.explanation == explanation
    });
    if unchanged {
        return Ok(Refreshed::default());
    }
    let now = time::now();
    let row = RiskScoreRow {
        id: db::new_id(),
        org_id: org.to_owned(),
        vendor_id: vendor_id.to_owned(),
        model_version,
        inherent: result.inherent,
        residual: result.residual,
        tier: tier.clone(),
        explanation,
        cause: cause.to_owned(),
        computed_at: now.clone(),
    };
    let in_force = VendorRiskRow {
        vendor_id: vendor_id.to_owned(),
        org_id: org.to_owned(),
        score_id: row.id.clone(),
        inherent: row.inherent,
        residual: row.residual,
        tier: tier.clone(),
        model_version,
        computed_at: now,
    };
    journal.set_score(row.clone(), in_force);
    let before = previous
        .as_ref()
        .map(|p| json!({ "inherent": p.inherent, "residual": p.residual, "tier": p.tier }));
    let score = to_score(row)?;
    let moved = previous
        .as_ref()
        .is_none_or(|p| p.inherent != score.inherent || p.residual != score.residual);
    if moved {
        let changed = ScoreChanged {
            vendor_id,
            score: &score,
            previous: before,
        };
        journal.emit_text(
            conn,
            org,
            "risk.score_changed",
            serde_json::to_string(&changed)?,
        )?;
    }
    let tier_changed = previous.as_ref().is_some_and(|p| p.tier != tier);
    if tier_changed {
        let from = previous.as_ref().map(|p| p.tier.clone());
        journal.audit(
            conn,
            actor,
            Change {
                action: "vendor.tier_changed",
                entity_type: "vendor",
                entity_id: vendor_id,
                before: Some(json!({ "risk_tier": from }).to_string()),
                after: Some(json!({ "risk_tier": tier, "residual": score.residual }).to_string()),
                reason: Some(cause),
            },
        )?;
        journal.emit(
            conn,
            org,
            "vendor.tier_changed",
            &json!({
                "vendor_id": vendor_id,
                "legal_name": vendor.legal_name,
                "from": from,
                "to": tier,
                "score": score,
            }),
        )?;
        // The decision carries the score in force, read back from the database.
        journal.store(conn)?;
        super::procurement::announce_decision(conn, actor, vendor, None)?;
    }
    Ok(Refreshed {
        rescored: true,
        tier_changed,
    })
}

/// The `risk.score_changed` event's data, written without a `serde_json::Value` between: a
/// first scoring writes one for every vendor.
#[derive(serde::Serialize)]
struct ScoreChanged<'a> {
    vendor_id: &'a str,
    score: &'a RiskScore,
    previous: Option<serde_json::Value>,
}

/// Vendors refreshed per batch when the whole portfolio is recomputed.
const RECOMPUTE_BATCH: i64 = 500;

/// Recomputes every vendor of the organisation inside the caller's transaction.
pub(super) fn refresh_all(
    conn: &mut DbConn,
    actor: &Actor,
    cause: &str,
) -> Result<RecomputeSummary, ServiceError> {
    let started = Instant::now();
    let mut memo = RefreshMemo::default();
    let mut summary = RecomputeSummary::default();
    let mut after: Option<String> = None;
    while let Some(last) = journal::buffered(conn, |conn, journal| {
        refresh_batch(
            conn,
            &mut memo,
            journal,
            actor,
            after.as_deref(),
            cause,
            &mut summary,
        )
    })? {
        after = Some(last);
    }
    summary.elapsed_ms = elapsed_ms(started);
    Ok(summary)
}

/// Refreshes the next batch of vendors after `after` in id order, adding to `summary`; the last
/// id refreshed, or `None` when no vendor was left.
fn refresh_batch(
    conn: &mut DbConn,
    memo: &mut RefreshMemo,
    journal: &mut Journal,
    actor: &Actor,
    after: Option<&str>,
    cause: &str,
    summary: &mut RecomputeSummary,
) -> Result<Option<String>, ServiceError> {
    let org = actor.org.as_str();
    let vendors = super::vendors::load_after(conn, org, after, RECOMPUTE_BATCH)?;
    let Some(last) = vendors.last().map(|v| v.id.clone()) else {
        return Ok(None);
    };
    // What each vendor's score reads of its own records, fetched for the batch at once.
    let first = after.unwrap_or("");
    let mut services = super::ai_services::in_use_between(conn, org, after, &last)?;
    let mut previous: HashMap<String, RiskScoreRow> =
        db::risk::scores_in_force_between(conn, org, first, &last)?
            .into_iter()
            .map(|row| (row.vendor_id.clone(), row))
            .collect();
    let mut batch = BatchRecords::load(conn, org, first, &last)?;
    for vendor in &vendors {
        let (records, findings) = batch.take(conn, org, &vendor.id)?;
        let stored = StoredInputs {
            services: services.remove(&vendor.id).unwrap_or_default(),
            records,
            findings,
            previous: previous.remove(&vendor.id),
        };
        let refreshed = rescore(conn, memo, journal, actor, vendor, stored, cause)?;
        summary.vendors += 1;
        summary.rescored += u32::from(refreshed.rescored);
        summary.tier_changes += u32::from(refreshed.tier_changed);
    }
    Ok(Some(last))
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Recomputes the portfolio a batch of vendors per transaction, so that other writers (the
/// event dispatcher among them) are held up for one batch at a time rather than for the whole
/// run. Each vendor's result stands on its own: a run that fails part-way leaves the batches
/// before it committed, and running it again finishes the rest.
pub fn recompute_all(pool: &Pool, actor: &Actor) -> Result<RecomputeSummary, ServiceError> {
    let started = Instant::now();
    let mut summary = RecomputeSummary::default();
    let mut after: Option<String> = None;
    loop {
        let mut batch = RecomputeSummary::default();
        // A fresh memo per transaction: a profile or model saved between batches applies.
        let last = write(pool, |conn| {
            batch = RecomputeSummary::default();
            journal::buffered(conn, |conn, journal| {
                refresh_batch(
                    conn,
                    &mut RefreshMemo::default(),
                    journal,
                    actor,
                    after.as_deref(),
                    "risk.recompute",
                    &mut batch,
                )
            })
        })?;
        summary.vendors += batch.vendors;
        summary.rescored += batch.rescored;
        summary.tier_changes += batch.tier_changes;
        match last {
            Some(last) => after = Some(last),
            None => break,
        }
    }
    summary.elapsed_ms = elapsed_ms(started);
    Ok(summary)
}

pub fn coverage(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
) -> Result<VendorCoverage, ServiceError> {
    read(pool, |conn| {
        let vendor = super::vendors::load(conn, &actor.org, vendor_id)?;
        let services = super::ai_services::in_use(conn, &actor.org, vendor_id)?;
        coverage_of(conn, &actor.org, &vendor, &services)
    })
}

fn score_in_force(conn: &mut DbConn, vendor_id: &str) -> Result<Option<RiskScore>, ServiceError> {
    match db::risk::vendor_risk(conn, vendor_id)? {
        Some(current) => db::risk::find_score(conn, &current.score_id)?
            .map(to_score)
            .transpose(),
        None => Ok(None),
    }
}

/// The vendor's score in force, `None` when it was never scored (then `score_first`). A short
/// read: runs on the connection its caller holds (see `api::AppState::short_read`).
pub fn stored_vendor_risk(
    conn: &mut DbConn,
    actor: &Actor,
    vendor_id: &str,
) -> Result<Option<RiskScore>, ServiceError> {
    db::read_transaction(conn, |conn| {
        super::vendors::require_vendor(conn, &actor.org, vendor_id)?;
        score_in_force(conn, vendor_id)
    })
}

/// Scores a vendor that has no score yet (one created before scoring existed, say).
pub fn score_first(pool: &Pool, actor: &Actor, vendor_id: &str) -> Result<RiskScore, ServiceError> {
    write(pool, |conn| {
        refresh(conn, actor, vendor_id, "risk.first_read")?;
        score_in_force(conn, vendor_id)?
            .ok_or_else(|| ServiceError::Internal("the score just computed is missing".into()))
    })
}

pub fn history(
    pool: &Pool,
    actor: &Actor,
    vendor_id: &str,
    page: &Page,
) -> Result<(Vec<RiskScore>, Option<String>), ServiceError> {
    read(pool, |conn| {
        super::vendors::require_vendor(conn, &actor.org, vendor_id)?;
        let rows = db::risk::history(
            conn,
            &actor.org,
            vendor_id,
            page.after.as_deref(),
            page.limit,
        )?;
        let (rows, next) = pagination::finish(rows, page.limit, |r| r.id.clone());
        let scores = rows.into_iter().map(to_score).collect::<Result<_, _>>()?;
        Ok((scores, next))
    })
}

pub fn model(pool: &Pool, actor: &Actor) -> Result<RiskModel, ServiceError> {
    read(pool, |conn| model_in_force(conn, &actor.org))
}

/// Every saved version, newest first, then the built-in model.
pub fn model_versions(pool: &Pool, actor: &Actor) -> Result<Vec<RiskModel>, ServiceError> {
    read(pool, |conn| {
        let mut versions = db::risk::models(conn, &actor.org)?
            .into_iter()
            .map(to_model)
            .collect::<Result<Vec<_>, _>>()?;
        versions.push(built_in_model());
        Ok(versions)
    })
}

/// Saves a new model version and rescores the portfolio with it, in one transaction.
pub fn set_model(
    pool: &Pool,
    actor: &Actor,
    config: RiskModelConfig,
) -> Result<(RiskModel, RecomputeSummary), ServiceError> {
    let errors = config.check();
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    write(pool, |conn| {
        let current = model_in_force(conn, &actor.org)?;
        let row = RiskModelRow {
            id: db::new_id(),
            org_id: actor.org.clone(),
            version: current.version + 1,
            config: serde_json::to_string(&config)?,
            created_by: actor.subject.clone(),
            created_at: time::now(),
        };
        db::risk::insert_model(conn, &row)?;
        let saved = to_model(row)?;
        journal::audit(
            conn,
            actor,
            Change {
                action: "risk_model.updated",
                entity_type: "risk_model",
                entity_id: &saved.version.to_string(),
                before: journal::snapshot(&current)?,
                after: journal::snapshot(&saved)?,
                reason: None,
            },
        )?;
        journal::emit(
            conn,
            &actor.org,
            "risk_model.updated",
            json!({ "model": saved }),
        )?;
        let summary = refresh_all(conn, actor, "risk_model.updated")?;
        Ok((saved, summary))
    })
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct TierCounts {
    pub low: i64,
    pub medium: i64,
    pub high: i64,
    pub critical: i64,
    /// Vendors with no score yet (created before scoring existed; recompute to score them).
    pub unscored: i64,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct SeverityCounts {
    pub low: i64,
    pub medium: i64,
    pub high: i64,
    pub critical: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopRisk {
    pub vendor_id: String,
    pub legal_name: String,
    pub inherent: f64,
    pub residual: f64,
    pub tier: Tier,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DueVendor {
    pub vendor_id: String,
    pub legal_name: String,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReassessmentDue {
    pub count: i64,
    /// The first 50, by vendor id.
    pub vendors: Vec<DueVendor>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExpiringContracts {
    #[schema(example = 30)]
    pub within_days: u32,
    /// Active contracts whose notice or end date falls within the window.
    pub count: i64,
}

/// What a management review (ISO/IEC 42001 clause 9.3) needs about suppliers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Portfolio {
    #[schema(format = DateTime)]
    pub generated_at: String,
    pub model_version: i32,
    pub vendors: i64,
    pub vendors_by_tier: TierCounts,
    /// Vendor counts by lifecycle status.
    #[schema(example = json!({"proposed": 3, "approved": 12}))]
    pub vendors_by_status: BTreeMap<String, i64>,
    /// The ten highest residual risks among vendors not offboarded.
    pub top_risks: Vec<TopRisk>,
    pub reassessment_due: ReassessmentDue,
    /// Assessments past their due date that still wait for the vendor.
    pub overdue_assessments: i64,
    pub expiring_contracts: ExpiringContracts,
    pub vendors_with_expired_contracts: i64,
    pub open_findings: SeverityCounts,
}

const TOP_RISKS: i64 = 10;
const DUE_LISTED: i64 = 50;

/// The portfolio's kept counts, read into the summary's shapes.
struct Counts {
    vendors: i64,
    vendors_by_status: BTreeMap<String, i64>,
    tiers: TierCounts,
    open_findings: SeverityCounts,
}

fn counts(rows: Vec<(String, String, i64)>) -> Result<Counts, ServiceError> {
    let mut tiers = TierCounts::default();
    let mut vendors_by_status: BTreeMap<String, i64> = BTreeMap::new();
    let mut open_findings = SeverityCounts::default();
    for (dimension, key, n) in rows {
        // A count that fell back to zero keeps its row; the summary leaves it out as a count
        // of rows would.
        if n == 0 {
            continue;
        }
        match dimension.as_str() {
            "vendor_status" => {
                vendors_by_status.insert(key, n);
            }
            "risk_tier" => match stored_tier(&key)? {
                Tier::Low => tiers.low = n,
                Tier::Medium => tiers.medium = n,
                Tier::High => tiers.high = n,
                Tier::Critical => tiers.critical = n,
            },
            "open_finding_severity" => match key.as_str() {
                "low" => open_findings.low = n,
                "medium" => open_findings.medium = n,
                "high" => open_findings.high = n,
                "critical" => open_findings.critical = n,
                other => {
                    return Err(ServiceError::Internal(format!(
                        "stored severity '{other}' is unknown"
                    )))
                }
            },
            other => {
                return Err(ServiceError::Internal(format!(
                    "portfolio count '{other}' is unknown"
                )))
            }
        }
    }
    let vendors: i64 = vendors_by_status.values().sum();
    tiers.unscored = vendors - (tiers.low + tiers.medium + tiers.high + tiers.critical);
    Ok(Counts {
        vendors,
        vendors_by_status,
        tiers,
        open_findings,
    })
}

pub fn portfolio(pool: &Pool, actor: &Actor, within_days: u32) -> Result<Portfolio, ServiceError> {
    read(pool, |conn| {
        let org = actor.org.as_str();
        let today = time::today();
        let Counts {
            vendors,
            vendors_by_status,
            tiers,
            open_findings,
        } = counts(db::risk::portfolio_counts(conn, org)?)?;
        let top_risks = db::risk::top_risks(conn, org, TOP_RISKS)?
            .into_iter()
            .map(|(r, legal_name)| {
                Ok(TopRisk {
                    tier: stored_tier(&r.tier)?,
                    vendor_id: r.vendor_id,
                    legal_name,
                    inherent: r.inherent,
                    residual: r.residual,
                })
            })
            .collect::<Result<_, ServiceError>>()?;
        let (due_count, due) = db::risk::reassessment_due(conn, org, DUE_LISTED)?;
        let waiting: Vec<String> = crate::domain::assessment::WAITING
            .iter()
            .map(enum_to_text::<AssessmentStatus>)
            .collect();
        let until = time::add_days(&today, within_days)
            .ok_or_else(|| ServiceError::Internal("date out of range".into()))?;
        Ok(Portfolio {
            generated_at: time::now(),
            model_version: model_in_force(conn, org)?.version,
            vendors,
            vendors_by_tier: tiers,
            vendors_by_status,
            top_risks,
            reassessment_due: ReassessmentDue {
                count: due_count,
                vendors: due
                    .into_iter()
                    .map(|(vendor_id, legal_name, reason)| DueVendor {
                        vendor_id,
                        legal_name,
                        reason,
                    })
                    .collect(),
            },
            overdue_assessments: db::risk::overdue_assessments(conn, org, &today, &waiting)?,
            expiring_contracts: ExpiringContracts {
                within_days,
                count: db::contracts::count_with_milestone_between(conn, org, &today, &until)?,
            },
            vendors_with_expired_contracts: db::risk::count_expired_contract_vendors(conn, org)?,
            open_findings,
        })
    })
}

/// Vendors looked at per cadence batch.
const CADENCE_BATCH: i64 = 500;

/// Flags approved vendors whose last completed assessment is older than their tier's cadence
/// (or that were never assessed since they were added that long ago). Returns how many.
///
/// Every vendor in use is looked at on a read snapshot, so writers are not held up meanwhile;
/// only those found due are looked at again and flagged, in write transactions of a batch each.
pub fn check_cadence(pool: &Pool) -> Result<usize, ServiceError> {
    let today = time::today();
    let due = read(pool, |conn| {
        let mut models = HashMap::new();
        let mut due = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let batch = db::risk::cadence_candidates(conn, after.as_deref(), CADENCE_BATCH)?;
            let Some(last) = batch.last().map(|c| c.vendor_id.clone()) else {
                break;
            };
            for candidate in batch {
                if cadence_passed(conn, &mut models, &candidate, &today)?.is_some() {
                    due.push(candidate.vendor_id);
                }
            }
            after = Some(last);
        }
        Ok(due)
    })?;
    let mut flagged = 0;
    for chunk in due.chunks(CADENCE_BATCH as usize) {
        flagged += write(pool, |conn| {
            let mut models = HashMap::new();
            let mut flagged = 0;
            // Approved, flagged or assessed since the snapshot: judged on what is stored now.
            for vendor_id in chunk {
                let Some(candidate) = db::risk::cadence_candidate(conn, vendor_id)? else {
                    continue;
                };
                if let Some(reason) = cadence_passed(conn, &mut models, &candidate, &today)? {
                    super::vendors::flag_reassessment(
                        conn,
                        &system_actor(&candidate.org_id),
                        vendor_id,
                        &reason,
                    )?;
                    flagged += 1;
                }
            }
            Ok(flagged)
        })?;
    }
    Ok(flagged)
}

/// Why the candidate is due for reassessment on `today`, if it is. `models` keeps each
/// organisation's model in force.
fn cadence_passed(
    conn: &mut DbConn,
    models: &mut HashMap<String, RiskModelConfig>,
    candidate: &db::risk::CadenceCandidate,
    today: &str,
) -> Result<Option<String>, ServiceError> {
    let model = match models.get(&candidate.org_id) {
        Some(model) => *model,
        None => {
            let model = model_in_force(conn, &candidate.org_id)?.config();
            models.insert(candidate.org_id.clone(), model);
            model
        }
    };
    let tier = stored_tier(&candidate.tier)?;
    let created_at = &candidate.created_at;
    Ok(match &candidate.last_completed {
        Some(at) => model_rules::reassessment_due(&model, tier, at, today),
        None => model_rules::reassessment_due(&model, tier, created_at, today).map(|_| {
            format!(
                "never assessed since it was added on {}; {}-tier vendors are reassessed every {} months",
                created_at.get(..10).unwrap_or(created_at),
                tier.as_str(),
                model.reassessment_months.months(tier)
            )
        }),
    })
}
