//! Seeds one organisation with a synthetic portfolio at benchmark scale: vendors with tags,
//! their AI services and use cases, contracts with clauses mapped to Annex A controls, and
//! assessments answered against a published template (half of them completed and scored).
//!
//! Rows are built by the same builders the commands use and written many to a statement in
//! transactions of `CHUNK` vendors. Seeded records carry no audit history and no events: they
//! stand for a portfolio that existed before, not for changes anyone made. Risk scores are not
//! written either; the first full recompute produces them.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::json;

use super::ai_services::{to_row, use_case_row, RowMeta};
use super::assessments::latest_published;
use super::contracts::new_row;
use super::vendors::{row_from, VendorState};
use super::ServiceError;
use crate::db::ai_services::{AiServiceRow, UseCaseRow};
use crate::db::assessments::{AnswerRow, AssessmentRow};
use crate::db::contracts::{ClauseRow, ContractRow, MappingRow};
use crate::db::seed::{self as rows, VendorTagRow};
use crate::db::vendors::VendorRow;
use crate::db::{self, write_transaction, DbConn, Pool};
use crate::domain::ai_service::{
    enum_to_text, AffectedGroup, AiServiceFields, AiServiceKind, Autonomy, DataCategory,
    DecisionImpact, DocumentKind, DocumentLink, EuAiActRiskClass, TrainingUse, UseCaseFields,
};
use crate::domain::assessment::{self as rules, Answer, Answers, AssessmentStatus};
use crate::domain::contract::{ClauseCategory, ContractFields, ContractStatus, ContractType};
use crate::domain::questionnaire::{QuestionType, TemplateContent};
use crate::domain::time;
use crate::domain::vendor::{Tier, VendorFields, VendorStatus};

/// Vendors per transaction.
const CHUNK: usize = 1000;
const FRAMEWORK: &str = "iso42001";

/// How much to seed. `Scale::portfolio(1.0)` is the benchmark's organisation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub vendors: usize,
    pub ai_services: usize,
    pub use_cases: usize,
    pub assessments: usize,
    pub contracts: usize,
    pub clauses_per_contract: usize,
}

impl Scale {
    /// 100,000 vendors, 200,000 AI services, 300,000 use cases, 50,000 assessments and
    /// 100,000 contracts of three clauses each, times `factor`.
    pub fn portfolio(factor: f64) -> Self {
        let of = |n: f64| ((n * factor).round() as usize).max(1);
        Self {
            vendors: of(100_000.0),
            ai_services: of(200_000.0),
            use_cases: of(300_000.0),
            assessments: of(50_000.0),
            contracts: of(100_000.0),
            clauses_per_contract: 3,
        }
    }
}

/// What was written, and how long it took.
#[derive(Debug, Default, Serialize)]
pub struct SeedReport {
    pub vendors: usize,
    pub vendor_tags: usize,
    pub ai_services: usize,
    pub use_cases: usize,
    pub contracts: usize,
    pub clauses: usize,
    pub clause_mappings: usize,
    pub assessments: usize,
    pub answers: usize,
    pub seconds: f64,
}

/// The published template version seeded assessments answer.
struct Template {
    version_id: String,
    content: TemplateContent,
}

pub fn portfolio(
    pool: &Pool,
    org: &str,
    scale: Scale,
    template_id: Option<&str>,
) -> Result<SeedReport, ServiceError> {
    let started = Instant::now();
    let mut conn = super::connection(pool)?;
    if rows::has_vendors(&mut conn, org)? {
        return Err(ServiceError::Conflict(format!(
            "organisation '{org}' already has vendors; seed an empty one"
        )));
    }
    let controls = rows::control_ids(&mut conn, FRAMEWORK)?;
    let template = match template_id {
        Some(id) => Some(published_template(&mut conn, org, id)?),
        None if scale.assessments > 0 => {
            return Err(ServiceError::field(
                "template",
                "required",
                "assessments need a published questionnaire template",
            ))
        }
        None => None,
    };
    let mut rng = StdRng::seed_from_u64(42);
    let mut report = SeedReport::default();
    let mut first = 0;
    while first < scale.vendors {
        let last = (first + CHUNK).min(scale.vendors);
        let batch = Batch::build(
            &mut rng,
            org,
            &scale,
            first..last,
            &controls,
            template.as_ref(),
        )?;
        write_transaction(&mut conn, |conn| batch.insert(conn, &mut report))?;
        first = last;
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn published_template(conn: &mut DbConn, org: &str, id: &str) -> Result<Template, ServiceError> {
    if db::questionnaires::find_template(conn, org, id)?.is_none() {
        return Err(ServiceError::field(
            "template",
            "not_found",
            "is not a questionnaire template",
        ));
    }
    let version = latest_published(db::questionnaires::versions(conn, id)?).ok_or_else(|| {
        ServiceError::field("template", "unpublished", "has no published version")
    })?;
    Ok(Template {
        content: serde_json::from_str(&version.content)?,
        version_id: version.id,
    })
}

/// The rows of one chunk of vendors and everything that hangs off them.
#[derive(Default)]
struct Batch {
    vendors: Vec<VendorRow>,
    tags: Vec<VendorTagRow>,
    services: Vec<AiServiceRow>,
    use_cases: Vec<UseCaseRow>,
    contracts: Vec<ContractRow>,
    clauses: Vec<ClauseRow>,
    mappings: Vec<MappingRow>,
    assessments: Vec<AssessmentRow>,
    answers: Vec<AnswerRow>,
}

const COUNTRIES: [&str; 8] = ["GB", "DE", "US", "FR", "IE", "NL", "SE", "JP"];
const TAGS: [&str; 10] = [
    "llm",
    "vision",
    "speech",
    "analytics",
    "hr",
    "marketing",
    "support",
    "security",
    "finance",
    "legal",
];
const REGIONS: [&str; 5] = [
    "eu-west-1",
    "eu-central-1",
    "us-east-1",
    "us-west-2",
    "ap-northeast-1",
];

/// `count` items spread over `total` parents: parent `i` gets its share, rounding kept fair.
fn share(i: usize, total: usize, count: usize) -> usize {
    (i + 1) * count / total - i * count / total
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

impl Batch {
    fn build(
        rng: &mut StdRng,
        org: &str,
        scale: &Scale,
        vendors: std::ops::Range<usize>,
        controls: &[String],
        template: Option<&Template>,
    ) -> Result<Self, ServiceError> {
        let mut batch = Batch::default();
        let now = time::now();
        for i in vendors {
            let vendor_id = db::new_id();
            batch.vendor(rng, org, i, &vendor_id, &now)?;
            for s in 0..share(i, scale.vendors, scale.ai_services) {
                let service_id = db::new_id();
                batch.service(rng, org, i, s, &vendor_id, &service_id, &now)?;
                let service_index = i * scale.ai_services / scale.vendors + s;
                for u in 0..share(service_index, scale.ai_services, scale.use_cases) {
                    batch.use_case(rng, org, &service_id, u, &now)?;
                }
            }
            for _ in 0..share(i, scale.vendors, scale.contracts) {
                batch.contract(
                    rng,
                    org,
                    &vendor_id,
                    scale.clauses_per_contract,
                    controls,
                    &now,
                );
            }
            if let Some(template) = template {
                for a in 0..share(i, scale.vendors, scale.assessments) {
                    // Every other assessment of the portfolio is completed (and scored).
                    let n = i * scale.assessments / scale.vendors + a;
                    batch.assessment(rng, org, &vendor_id, n % 2 == 0, template, &now)?;
                }
            }
        }
        Ok(batch)
    }

    fn vendor(
        &mut self,
        rng: &mut StdRng,
        org: &str,
        i: usize,
        id: &str,
        now: &str,
    ) -> Result<(), ServiceError> {
        let tags = vec![pick(rng, &TAGS).to_string()];
        let fields = VendorFields {
            legal_name: format!("Vendor {i:06} Ltd"),
            display_name: Some(format!("Vendor {i}")),
            domains: vec![format!("vendor{i}.example.com")],
            country: Some(pick(rng, &COUNTRIES).to_string()),
            owner: Some(format!("owner{}@example.com", i % 50)),
            tier: Some(*pick(
                rng,
                &[Tier::Low, Tier::Medium, Tier::High, Tier::Critical],
            )),
            notes: None,
            tags: tags.clone(),
            external_ids: Vec::new(),
        };
        let status = match rng.random_range(0..100) {
            0..50 => VendorStatus::Approved,
            50..60 => VendorStatus::ApprovedWithConditions,
            60..80 => VendorStatus::InReview,
            80..95 => VendorStatus::Proposed,
            95..98 => VendorStatus::Rejected,
            _ => VendorStatus::Offboarded,
        };
        let state = VendorState {
            status,
            reassessment: None,
            contract_expired: false,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.vendors.push(row_from(org, id, &fields, state)?);
        self.tags.extend(tags.into_iter().map(|tag| VendorTagRow {
            vendor_id: id.to_owned(),
            org_id: org.to_owned(),
            tag,
        }));
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn service(
        &mut self,
        rng: &mut StdRng,
        org: &str,
        vendor: usize,
        n: usize,
        vendor_id: &str,
        id: &str,
        now: &str,
    ) -> Result<(), ServiceError> {
        let kind = *pick(
            rng,
            &[
                AiServiceKind::FoundationModelApi,
                AiServiceKind::HostedModel,
                AiServiceKind::EmbeddedAiFeature,
                AiServiceKind::OpenWeightModel,
            ],
        );
        let mut data = vec![DataCategory::Internal];
        if rng.random_bool(0.5) {
            data.push(DataCategory::Personal);
        }
        if rng.random_bool(0.2) {
            data.push(DataCategory::Confidential);
        }
        let fields = AiServiceFields {
            name: format!("Service {n} of vendor {vendor}"),
            kind,
            model_name: Some(format!("model-{}", rng.random_range(1..200))),
            model_version: Some(format!(
                "{}.{}",
                rng.random_range(1..5),
                rng.random_range(0..10)
            )),
            endpoints: vec![format!("https://api.vendor{vendor}.example.com/v1")],
            hosting_regions: vec![pick(rng, &REGIONS).to_string()],
            data_categories: data,
            retention_days: Some(*pick(rng, &[0, 30, 90, 365])),
            trains_on_customer_data: *pick(
                rng,
                &[
                    TrainingUse::No,
                    TrainingUse::OptOut,
                    TrainingUse::Yes,
                    TrainingUse::Unknown,
                ],
            ),
            subprocessors_see_data: Some(rng.random_bool(0.3)),
            eu_ai_act_role: None,
            eu_ai_act_risk_class: Some(*pick(
                rng,
                &[
                    EuAiActRiskClass::Minimal,
                    EuAiActRiskClass::Limited,
                    EuAiActRiskClass::High,
                    EuAiActRiskClass::GeneralPurpose,
                ],
            )),
            human_oversight: None,
            documentation: vec![DocumentLink {
                kind: DocumentKind::ModelCard,
                url: format!("https://vendor{vendor}.example.com/model-card"),
            }],
        };
        let meta = RowMeta {
            org,
            id,
            vendor_id,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.services.push(to_row(meta, &fields)?);
        Ok(())
    }

    fn use_case(
        &mut self,
        rng: &mut StdRng,
        org: &str,
        service_id: &str,
        n: usize,
        now: &str,
    ) -> Result<(), ServiceError> {
        let fields = UseCaseFields {
            purpose: format!("Use case {n}: {}", pick(rng, &PURPOSES)),
            business_owner: Some(format!("team{}@example.com", rng.random_range(0..40))),
            affected_people: vec![*pick(
                rng,
                &[
                    AffectedGroup::Employees,
                    AffectedGroup::Customers,
                    AffectedGroup::Public,
                ],
            )],
            decision_impact: *pick(
                rng,
                &[
                    DecisionImpact::None,
                    DecisionImpact::Informs,
                    DecisionImpact::Decides,
                ],
            ),
            autonomy: *pick(
                rng,
                &[
                    Autonomy::HumanInTheLoop,
                    Autonomy::HumanOnTheLoop,
                    Autonomy::Autonomous,
                ],
            ),
            human_oversight: None,
            monthly_volume: Some(rng.random_range(100..1_000_000)),
        };
        self.use_cases.push(use_case_row(
            org,
            service_id,
            &db::new_id(),
            &fields,
            now,
            now,
        )?);
        Ok(())
    }

    fn contract(
        &mut self,
        rng: &mut StdRng,
        org: &str,
        vendor_id: &str,
        clauses: usize,
        controls: &[String],
        now: &str,
    ) {
        let fields = ContractFields {
            title: "Master services agreement with AI addendum".into(),
            contract_type: ContractType::Msa,
            status: *pick(
                rng,
                &[
                    ContractStatus::Active,
                    ContractStatus::Active,
                    ContractStatus::Negotiating,
                ],
            ),
            effective_date: "2026-01-01".into(),
            end_date: Some(format!("{}-12-31", rng.random_range(2027..2030))),
            auto_renewal: rng.random_bool(0.5),
            renewal_term_months: Some(12),
            notice_period_days: Some(90),
            governing_law: Some("England and Wales".into()),
            notes: None,
        };
        let row = new_row(org, vendor_id, &fields, now);
        for c in 0..clauses {
            let (category, summary) = pick(rng, &CLAUSES);
            let clause = ClauseRow {
                id: db::new_id(),
                org_id: org.to_owned(),
                contract_id: row.id.clone(),
                reference: format!("{}.{}", 10 + c, rng.random_range(1..9)),
                summary: (*summary).to_owned(),
                category: enum_to_text(category),
                created_at: now.to_owned(),
                updated_at: now.to_owned(),
            };
            if !controls.is_empty() {
                self.mappings.push(MappingRow {
                    id: db::new_id(),
                    org_id: org.to_owned(),
                    clause_id: clause.id.clone(),
                    control_id: pick(rng, controls).clone(),
                    coverage: (*pick(rng, &["full", "partial"])).to_owned(),
                    verification: (*pick(rng, &["claimed", "verified"])).to_owned(),
                    verified_by: None,
                    verified_at: None,
                    note: None,
                    created_at: now.to_owned(),
                });
            }
            self.clauses.push(clause);
        }
        self.contracts.push(row);
    }

    fn assessment(
        &mut self,
        rng: &mut StdRng,
        org: &str,
        vendor_id: &str,
        completed: bool,
        template: &Template,
        now: &str,
    ) -> Result<(), ServiceError> {
        let id = db::new_id();
        let mut answers = Answers::default();
        for question in template.content.questions() {
            let value = match question.kind {
                QuestionType::YesNo => json!(if rng.random_bool(0.7) { "yes" } else { "no" }),
                QuestionType::SingleChoice => match question.options.first() {
                    Some(option) => json!(option.value),
                    None => continue,
                },
                QuestionType::Number => json!(rng.random_range(0..365)),
                QuestionType::Text => json!("Described in our AI governance policy, section 4."),
                _ => continue,
            };
            answers.insert(
                question.key.clone(),
                Answer {
                    question: question.key.clone(),
                    value,
                    not_applicable: false,
                    comment: None,
                    verdict: None,
                    review_comment: None,
                },
            );
        }
        let (status, scorecard) = if completed {
            let card = rules::score(&template.content, &answers);
            (AssessmentStatus::Completed, Some(card))
        } else {
            (AssessmentStatus::InProgress, None)
        };
        self.answers.extend(answers.values().map(|a| AnswerRow {
            id: db::new_id(),
            org_id: org.to_owned(),
            assessment_id: id.clone(),
            answer: super::assessments::stored(a),
            updated_at: now.to_owned(),
        }));
        let done = completed.then(|| now.to_owned());
        self.assessments.push(AssessmentRow {
            id,
            org_id: org.to_owned(),
            vendor_id: vendor_id.to_owned(),
            ai_service_id: None,
            template_version_id: template.version_id.clone(),
            contact_id: None,
            status: enum_to_text(&status),
            due_date: Some(time::add_days(&time::today(), 30).unwrap_or_default()),
            score: scorecard.as_ref().and_then(|c| c.score),
            scorecard: scorecard.map(|c| serde_json::to_string(&c)).transpose()?,
            version: 1,
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
            sent_at: Some(now.to_owned()),
            submitted_at: done.clone(),
            completed_at: done,
            overdue_notified_at: None,
        });
        Ok(())
    }

    fn insert(&self, conn: &mut DbConn, report: &mut SeedReport) -> Result<(), ServiceError> {
        report.vendors += rows::vendors(conn, &self.vendors)?;
        report.vendor_tags += rows::vendor_tags(conn, &self.tags)?;
        report.ai_services += rows::ai_services(conn, &self.services)?;
        report.use_cases += rows::use_cases(conn, &self.use_cases)?;
        report.contracts += rows::contracts(conn, &self.contracts)?;
        report.clauses += rows::clauses(conn, &self.clauses)?;
        report.clause_mappings += rows::mappings(conn, &self.mappings)?;
        report.assessments += rows::assessments(conn, &self.assessments)?;
        report.answers += rows::answers(conn, &self.answers)?;
        Ok(())
    }
}

const PURPOSES: [&str; 6] = [
    "summarise support tickets",
    "draft marketing copy",
    "screen job applications",
    "detect fraudulent payments",
    "translate product documentation",
    "answer employee policy questions",
];

const CLAUSES: [(ClauseCategory, &str); 6] = [
    (
        ClauseCategory::TrainingData,
        "Customer data is not used to train or improve models.",
    ),
    (
        ClauseCategory::IncidentNotification,
        "Security incidents are notified within 72 hours.",
    ),
    (
        ClauseCategory::Subprocessors,
        "New subprocessors are announced 30 days in advance.",
    ),
    (
        ClauseCategory::ModelChanges,
        "Material model changes are notified 60 days ahead.",
    ),
    (
        ClauseCategory::AuditRights,
        "The customer may audit once a year.",
    ),
    (
        ClauseCategory::DataProtection,
        "Personal data is processed under the DPA.",
    ),
];
