//! The risk model: inherent risk from what a vendor provides and how it is used, residual risk
//! after coverage, and the tier. docs/risk.md is the user's copy of these rules.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ai_service::{
    AffectedGroup, Autonomy, DataCategory, DecisionImpact, EuAiActRiskClass, TrainingUse,
};
use super::coverage::CoverageSummary;
use super::requirements::ServiceInUse;
use super::vendor::Tier;
use super::FieldError;

/// How much each factor weighs in inherent risk, 0 to 10 (0 leaves it out).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FactorWeights {
    #[schema(example = 3.0)]
    pub data_sensitivity: f64,
    #[schema(example = 3.0)]
    pub decision_impact: f64,
    #[schema(example = 2.0)]
    pub autonomy: f64,
    #[schema(example = 2.0)]
    pub affected_people: f64,
    #[schema(example = 3.0)]
    pub eu_ai_act_class: f64,
    #[schema(example = 2.0)]
    pub training_on_customer_data: f64,
    #[schema(example = 1.0)]
    pub subprocessors: f64,
}

/// The residual score at which each tier starts, 0 to 100, strictly increasing; below
/// `medium` is `low`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierThresholds {
    #[schema(example = 25.0)]
    pub medium: f64,
    #[schema(example = 50.0)]
    pub high: f64,
    #[schema(example = 75.0)]
    pub critical: f64,
}

/// Months between assessments per tier, 1 to 120.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassessmentCadence {
    #[schema(example = 36)]
    pub low: u32,
    #[schema(example = 24)]
    pub medium: u32,
    #[schema(example = 12)]
    pub high: u32,
    #[schema(example = 6)]
    pub critical: u32,
}

impl ReassessmentCadence {
    pub fn months(&self, tier: Tier) -> u32 {
        match tier {
            Tier::Low => self.low,
            Tier::Medium => self.medium,
            Tier::High => self.high,
            Tier::Critical => self.critical,
        }
    }
}

/// An organisation's risk model settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskModelConfig {
    pub weights: FactorWeights,
    pub thresholds: TierThresholds,
    /// The share of inherent risk that full coverage of every required control removes, 0 to
    /// 1. Below 1, some risk always remains.
    #[schema(example = 0.8)]
    pub max_mitigation: f64,
    pub reassessment_months: ReassessmentCadence,
}

impl Default for RiskModelConfig {
    fn default() -> Self {
        Self {
            weights: FactorWeights {
                data_sensitivity: 3.0,
                decision_impact: 3.0,
                autonomy: 2.0,
                affected_people: 2.0,
                eu_ai_act_class: 3.0,
                training_on_customer_data: 2.0,
                subprocessors: 1.0,
            },
            thresholds: TierThresholds {
                medium: 25.0,
                high: 50.0,
                critical: 75.0,
            },
            max_mitigation: 0.8,
            reassessment_months: ReassessmentCadence {
                low: 36,
                medium: 24,
                high: 12,
                critical: 6,
            },
        }
    }
}

impl RiskModelConfig {
    /// Every value out of range, and thresholds out of order, named by field.
    pub fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let w = &self.weights;
        for (name, value) in [
            ("data_sensitivity", w.data_sensitivity),
            ("decision_impact", w.decision_impact),
            ("autonomy", w.autonomy),
            ("affected_people", w.affected_people),
            ("eu_ai_act_class", w.eu_ai_act_class),
            ("training_on_customer_data", w.training_on_customer_data),
            ("subprocessors", w.subprocessors),
        ] {
            if !(0.0..=10.0).contains(&value) {
                errors.push(FieldError::new(
                    format!("weights.{name}"),
                    "range",
                    "must be from 0 to 10",
                ));
            }
        }
        if self.weight_total() == 0.0 && errors.is_empty() {
            errors.push(FieldError::new(
                "weights",
                "all_zero",
                "at least one factor must weigh more than 0",
            ));
        }
        let t = &self.thresholds;
        for (name, value) in [
            ("medium", t.medium),
            ("high", t.high),
            ("critical", t.critical),
        ] {
            if !(value > 0.0 && value <= 100.0) {
                errors.push(FieldError::new(
                    format!("thresholds.{name}"),
                    "range",
                    "must be above 0 and at most 100",
                ));
            }
        }
        if t.high <= t.medium {
            errors.push(FieldError::new(
                "thresholds.high",
                "order",
                format!("must be above thresholds.medium ({})", t.medium),
            ));
        }
        if t.critical <= t.high {
            errors.push(FieldError::new(
                "thresholds.critical",
                "order",
                format!("must be above thresholds.high ({})", t.high),
            ));
        }
        if !(0.0..=1.0).contains(&self.max_mitigation) {
            errors.push(FieldError::new(
                "max_mitigation",
                "range",
                "must be from 0 to 1",
            ));
        }
        let c = &self.reassessment_months;
        for (name, value) in [
            ("low", c.low),
            ("medium", c.medium),
            ("high", c.high),
            ("critical", c.critical),
        ] {
            if !(1..=120).contains(&value) {
                errors.push(FieldError::new(
                    format!("reassessment_months.{name}"),
                    "range",
                    "must be from 1 to 120",
                ));
            }
        }
        errors
    }

    fn weight_total(&self) -> f64 {
        let w = &self.weights;
        w.data_sensitivity
            + w.decision_impact
            + w.autonomy
            + w.affected_people
            + w.eu_ai_act_class
            + w.training_on_customer_data
            + w.subprocessors
    }

    /// The tier a residual score falls in.
    pub fn tier(&self, residual: f64) -> Tier {
        let t = &self.thresholds;
        if residual >= t.critical {
            Tier::Critical
        } else if residual >= t.high {
            Tier::High
        } else if residual >= t.medium {
            Tier::Medium
        } else {
            Tier::Low
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    DataSensitivity,
    DecisionImpact,
    Autonomy,
    AffectedPeople,
    EuAiActClass,
    TrainingOnCustomerData,
    Subprocessors,
}

/// One factor's part in inherent risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FactorContribution {
    pub factor: Factor,
    pub weight: f64,
    /// How far the worst case found goes, 0 to 1.
    #[schema(example = 1.0)]
    pub value: f64,
    /// Points of inherent risk (0 to 100 in all) this factor adds.
    #[schema(example = 18.75)]
    pub points: f64,
    #[schema(example = "special-category data is sent to 'Chat API'")]
    pub reason: String,
}

/// Why a score is what it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RiskExplanation {
    pub factors: Vec<FactorContribution>,
    pub coverage: CoverageSummary,
    /// Covered controls count 1, partial ones ½, over the required controls.
    #[schema(example = 0.5)]
    pub coverage_ratio: f64,
    /// Points taken off inherent risk: inherent × max_mitigation × coverage_ratio.
    #[schema(example = 20.0)]
    pub mitigation: f64,
    #[schema(example = "residual 30 is at or above the medium threshold (25) and below high (50)")]
    pub tier_reason: String,
}

/// The outcome of one computation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RiskAssessment {
    #[schema(example = 50.0)]
    pub inherent: f64,
    #[schema(example = 30.0)]
    pub residual: f64,
    pub tier: Tier,
    pub explanation: RiskExplanation,
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The worst value found for a factor and where it was found.
struct Worst {
    value: f64,
    reason: String,
}

impl Worst {
    fn none(reason: &str) -> Self {
        Self {
            value: 0.0,
            reason: reason.to_owned(),
        }
    }

    fn consider(&mut self, value: f64, reason: impl FnOnce() -> String) {
        if value > self.value {
            self.value = value;
            self.reason = reason();
        }
    }
}

fn data_value(category: DataCategory) -> (f64, &'static str) {
    match category {
        DataCategory::SpecialCategory => (1.0, "special-category data"),
        DataCategory::Personal => (0.8, "personal data"),
        DataCategory::Financial => (0.7, "financial data"),
        DataCategory::Confidential => (0.6, "confidential data"),
        DataCategory::SourceCode => (0.6, "source code"),
        DataCategory::Internal => (0.3, "internal data"),
        DataCategory::Public => (0.0, "public data"),
    }
}

fn class_value(class: Option<EuAiActRiskClass>) -> (f64, &'static str) {
    match class {
        Some(EuAiActRiskClass::Prohibited) => (1.0, "a prohibited practice"),
        Some(EuAiActRiskClass::High) => (0.9, "high-risk"),
        Some(EuAiActRiskClass::GeneralPurpose) => (0.6, "a general-purpose AI model"),
        None => (0.3, "not yet classified"),
        Some(EuAiActRiskClass::Limited) => (0.3, "limited-risk"),
        Some(EuAiActRiskClass::Minimal) => (0.1, "minimal-risk"),
    }
}

fn training_value(training: TrainingUse) -> (f64, &'static str) {
    match training {
        TrainingUse::Yes => (1.0, "trains on the organisation's data"),
        TrainingUse::OptOut => (0.7, "trains on the organisation's data unless it opts out"),
        TrainingUse::Unknown => (0.5, "may train on the organisation's data (unknown)"),
        TrainingUse::No => (0.0, "does not train on the organisation's data"),
    }
}

fn affected_value(group: AffectedGroup) -> (f64, &'static str) {
    match group {
        AffectedGroup::Minors => (1.0, "minors"),
        AffectedGroup::Public => (0.8, "the public"),
        AffectedGroup::Customers => (0.6, "customers"),
        AffectedGroup::Employees => (0.3, "employees"),
    }
}

/// Each factor's worst case across the vendor's services and their use cases.
fn factor_values(services: &[ServiceInUse]) -> Vec<(Factor, Worst)> {
    let mut data = Worst::none("no data categories recorded");
    let mut decision = Worst::none("no use case informs or takes decisions about people");
    let mut autonomy = Worst::none("no use case recorded");
    let mut affected = Worst::none("no use case recorded");
    let mut class = Worst::none("no AI service recorded");
    let mut training = Worst::none("no service trains on the organisation's data");
    let mut subprocessors = Worst::none("no subprocessor sees the organisation's data");
    for in_use in services {
        let s = &in_use.service;
        let name = &s.name;
        for category in &s.data_categories {
            let (value, label) = data_value(*category);
            data.consider(value, || format!("{label} is sent to '{name}'"));
        }
        let (value, label) = class_value(s.eu_ai_act_risk_class);
        class.consider(value, || format!("'{name}' is {label} under the EU AI Act"));
        let (value, label) = training_value(s.trains_on_customer_data);
        training.consider(value, || format!("'{name}' {label}"));
        let (value, label) = match s.subprocessors_see_data {
            Some(true) => (1.0, "the vendor's subprocessors see data sent to"),
            None => (
                0.5,
                "it is not known whether subprocessors see data sent to",
            ),
            Some(false) => (0.0, ""),
        };
        subprocessors.consider(value, || format!("{label} '{name}'"));
        for use_case in &in_use.use_cases {
            let purpose = &use_case.purpose;
            let (value, label) = match use_case.decision_impact {
                DecisionImpact::Decides => (1.0, "decides about people"),
                DecisionImpact::Informs => (0.5, "informs decisions about people"),
                DecisionImpact::None => (0.0, ""),
            };
            decision.consider(value, || format!("'{name}' {label} in '{purpose}'"));
            let (value, label) = match use_case.autonomy {
                Autonomy::Autonomous => (1.0, "acts without human review"),
                Autonomy::HumanOnTheLoop => (0.5, "acts with a human monitoring"),
                Autonomy::HumanInTheLoop => (0.1, "acts only after human review"),
            };
            autonomy.consider(value, || format!("'{name}' {label} in '{purpose}'"));
            for group in &use_case.affected_people {
                let (value, label) = affected_value(*group);
                affected.consider(value, || format!("'{purpose}' affects {label}"));
            }
        }
    }
    vec![
        (Factor::DataSensitivity, data),
        (Factor::DecisionImpact, decision),
        (Factor::Autonomy, autonomy),
        (Factor::AffectedPeople, affected),
        (Factor::EuAiActClass, class),
        (Factor::TrainingOnCustomerData, training),
        (Factor::Subprocessors, subprocessors),
    ]
}

fn weight_of(weights: &FactorWeights, factor: Factor) -> f64 {
    match factor {
        Factor::DataSensitivity => weights.data_sensitivity,
        Factor::DecisionImpact => weights.decision_impact,
        Factor::Autonomy => weights.autonomy,
        Factor::AffectedPeople => weights.affected_people,
        Factor::EuAiActClass => weights.eu_ai_act_class,
        Factor::TrainingOnCustomerData => weights.training_on_customer_data,
        Factor::Subprocessors => weights.subprocessors,
    }
}

fn tier_reason(model: &RiskModelConfig, residual: f64, tier: Tier) -> String {
    let t = &model.thresholds;
    match tier {
        Tier::Low => format!(
            "residual {residual} is below the medium threshold ({})",
            t.medium
        ),
        Tier::Medium => format!(
            "residual {residual} is at or above the medium threshold ({}) and below high ({})",
            t.medium, t.high
        ),
        Tier::High => format!(
            "residual {residual} is at or above the high threshold ({}) and below critical ({})",
            t.high, t.critical
        ),
        Tier::Critical => format!(
            "residual {residual} is at or above the critical threshold ({})",
            t.critical
        ),
    }
}

/// Inherent risk is the weighted mean of the factors' worst cases, 0 to 100; residual risk is
/// inherent less inherent × max_mitigation × coverage ratio; the tier comes from residual.
pub fn assess(
    model: &RiskModelConfig,
    services: &[ServiceInUse],
    coverage: CoverageSummary,
) -> RiskAssessment {
    let total = model.weight_total();
    let factors: Vec<FactorContribution> = factor_values(services)
        .into_iter()
        .map(|(factor, worst)| {
            let weight = weight_of(&model.weights, factor);
            let points = if total > 0.0 {
                100.0 * weight * worst.value / total
            } else {
                0.0
            };
            FactorContribution {
                factor,
                weight,
                value: worst.value,
                points: round2(points),
                reason: worst.reason,
            }
        })
        .collect();
    let raw: f64 = factors
        .iter()
        .map(|f| {
            if total > 0.0 {
                100.0 * f.weight * f.value / total
            } else {
                0.0
            }
        })
        .sum();
    let inherent = round2(raw.clamp(0.0, 100.0));
    let ratio = coverage.ratio();
    let residual = round2(inherent * (1.0 - model.max_mitigation * ratio)).min(inherent);
    let tier = model.tier(residual);
    RiskAssessment {
        inherent,
        residual,
        tier,
        explanation: RiskExplanation {
            factors,
            coverage,
            coverage_ratio: round2(ratio * 100.0) / 100.0,
            mitigation: round2(inherent - residual),
            tier_reason: tier_reason(model, residual, tier),
        },
    }
}

/// Whether a vendor last assessed on `last_assessed` (a date) is due again on `today`.
pub fn reassessment_due(
    model: &RiskModelConfig,
    tier: Tier,
    last_assessed: &str,
    today: &str,
) -> Option<String> {
    let last = super::time::parse_date(last_assessed.get(..10)?)?;
    let months = model.reassessment_months.months(tier);
    let due = last.checked_add_months(chrono::Months::new(months))?;
    let today = super::time::parse_date(today)?;
    (due <= today).then(|| {
        format!(
            "last assessed on {}; {}-tier vendors are reassessed every {months} months",
            last.format("%Y-%m-%d"),
            tier.as_str()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::requirements::{ServiceProfile, UseProfile};
    use proptest::prelude::*;

    fn service(
        data: Vec<DataCategory>,
        training: TrainingUse,
        class: Option<EuAiActRiskClass>,
        subprocessors: Option<bool>,
    ) -> ServiceProfile {
        ServiceProfile {
            name: "Chat API".into(),
            data_categories: data,
            trains_on_customer_data: training,
            subprocessors_see_data: subprocessors,
            eu_ai_act_risk_class: class,
        }
    }

    fn use_case(
        affected: Vec<AffectedGroup>,
        impact: DecisionImpact,
        autonomy: Autonomy,
    ) -> UseProfile {
        UseProfile {
            purpose: "Customer support".into(),
            affected_people: affected,
            decision_impact: impact,
            autonomy,
        }
    }

    fn support_bot(training: TrainingUse) -> Vec<ServiceInUse> {
        vec![ServiceInUse {
            service: service(
                vec![DataCategory::Personal],
                training,
                Some(EuAiActRiskClass::Limited),
                Some(false),
            ),
            use_cases: vec![use_case(
                vec![AffectedGroup::Customers],
                DecisionImpact::Informs,
                Autonomy::HumanOnTheLoop,
            )],
        }]
    }

    fn coverage(covered: u32, partial: u32, gaps: u32) -> CoverageSummary {
        CoverageSummary {
            required: covered + partial + gaps,
            covered,
            partial,
            gaps,
        }
    }

    #[test]
    fn a_support_bot_scores_as_documented() {
        let model = RiskModelConfig::default();
        let r = assess(&model, &support_bot(TrainingUse::No), coverage(0, 0, 4));
        // (3×0.8 + 3×0.5 + 2×0.5 + 2×0.6 + 3×0.3 + 2×0 + 1×0) / 16 × 100
        assert_eq!(r.inherent, 43.75);
        assert_eq!(r.residual, 43.75);
        assert_eq!(r.tier, Tier::Medium);
        let data = &r.explanation.factors[0];
        assert_eq!(data.factor, Factor::DataSensitivity);
        assert_eq!(data.points, 15.0);
        assert_eq!(data.reason, "personal data is sent to 'Chat API'");

        let trained = assess(&model, &support_bot(TrainingUse::Yes), coverage(2, 0, 2));
        assert_eq!(trained.inherent, 56.25);
        // 56.25 × (1 − 0.8 × 0.5)
        assert_eq!(trained.residual, 33.75);
        assert_eq!(trained.explanation.mitigation, 22.5);
    }

    #[test]
    fn nothing_provided_is_no_risk() {
        let r = assess(&RiskModelConfig::default(), &[], coverage(0, 0, 3));
        assert_eq!((r.inherent, r.residual, r.tier), (0.0, 0.0, Tier::Low));
    }

    #[test]
    fn thresholds_must_rise_and_weights_stay_in_range() {
        let mut model = RiskModelConfig::default();
        model.thresholds.high = 20.0;
        model.weights.autonomy = 11.0;
        model.reassessment_months.low = 0;
        let fields: Vec<String> = model.check().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "weights.autonomy",
                "thresholds.high",
                "reassessment_months.low"
            ]
        );
        assert!(RiskModelConfig::default().check().is_empty());
    }

    #[test]
    fn cadence_counts_months_from_the_last_assessment() {
        let model = RiskModelConfig::default();
        assert!(
            reassessment_due(&model, Tier::High, "2025-11-25T10:00:00Z", "2026-11-24").is_none()
        );
        assert_eq!(
            reassessment_due(&model, Tier::High, "2025-11-25T10:00:00Z", "2026-11-25").as_deref(),
            Some("last assessed on 2025-11-25; high-tier vendors are reassessed every 12 months")
        );
    }

    fn any_service() -> impl Strategy<Value = ServiceInUse> {
        let data = prop::collection::vec(
            prop::sample::select(vec![
                DataCategory::Public,
                DataCategory::Internal,
                DataCategory::Confidential,
                DataCategory::Personal,
                DataCategory::SpecialCategory,
                DataCategory::SourceCode,
                DataCategory::Financial,
            ]),
            0..4,
        );
        let training = prop::sample::select(vec![
            TrainingUse::Yes,
            TrainingUse::No,
            TrainingUse::OptOut,
            TrainingUse::Unknown,
        ]);
        let class = prop::option::of(prop::sample::select(vec![
            EuAiActRiskClass::Prohibited,
            EuAiActRiskClass::High,
            EuAiActRiskClass::Limited,
            EuAiActRiskClass::Minimal,
            EuAiActRiskClass::GeneralPurpose,
        ]));
        let subprocessors = prop::option::of(any::<bool>());
        let use_cases = prop::collection::vec(
            (
                prop::collection::vec(
                    prop::sample::select(vec![
                        AffectedGroup::Employees,
                        AffectedGroup::Customers,
                        AffectedGroup::Public,
                        AffectedGroup::Minors,
                    ]),
                    0..3,
                ),
                prop::sample::select(vec![
                    DecisionImpact::None,
                    DecisionImpact::Informs,
                    DecisionImpact::Decides,
                ]),
                prop::sample::select(vec![
                    Autonomy::HumanInTheLoop,
                    Autonomy::HumanOnTheLoop,
                    Autonomy::Autonomous,
                ]),
            )
                .prop_map(|(a, d, au)| use_case(a, d, au)),
            0..3,
        );
        (data, training, class, subprocessors, use_cases).prop_map(
            |(data, training, class, subprocessors, use_cases)| ServiceInUse {
                service: service(data, training, class, subprocessors),
                use_cases,
            },
        )
    }

    fn any_model() -> impl Strategy<Value = RiskModelConfig> {
        (
            prop::array::uniform7(0.0..=10.0f64),
            0.0..=1.0f64,
            (1.0..30.0f64, 1.0..30.0f64, 1.0..40.0f64),
        )
            .prop_map(|(w, max_mitigation, (m, h, c))| RiskModelConfig {
                weights: FactorWeights {
                    data_sensitivity: w[0],
                    decision_impact: w[1],
                    autonomy: w[2],
                    affected_people: w[3],
                    eu_ai_act_class: w[4],
                    training_on_customer_data: w[5],
                    subprocessors: w[6],
                },
                thresholds: TierThresholds {
                    medium: m,
                    high: m + h,
                    critical: m + h + c,
                },
                max_mitigation,
                ..RiskModelConfig::default()
            })
    }

    proptest! {
        #[test]
        fn residual_never_exceeds_inherent(
            model in any_model(),
            services in prop::collection::vec(any_service(), 0..4),
            (covered, partial, gaps) in (0u32..20, 0u32..20, 0u32..20),
        ) {
            let r = assess(&model, &services, coverage(covered, partial, gaps));
            prop_assert!(r.residual <= r.inherent);
            prop_assert!((0.0..=100.0).contains(&r.inherent));
            prop_assert!(r.residual >= 0.0);
        }

        #[test]
        fn more_coverage_never_raises_residual(
            model in any_model(),
            services in prop::collection::vec(any_service(), 0..4),
            (covered, partial, gaps) in (0u32..20, 0u32..20, 1u32..20),
            to_covered in any::<bool>(),
        ) {
            let before = assess(&model, &services, coverage(covered, partial, gaps));
            // One gap becomes covered or partial; nothing else changes.
            let better = if to_covered {
                coverage(covered + 1, partial, gaps - 1)
            } else {
                coverage(covered, partial + 1, gaps - 1)
            };
            let after = assess(&model, &services, better);
            prop_assert!(after.residual <= before.residual);
            prop_assert!(after.tier <= before.tier);
            prop_assert_eq!(after.inherent, before.inherent);
        }

        #[test]
        fn the_same_inputs_give_the_same_score(
            model in any_model(),
            services in prop::collection::vec(any_service(), 0..4),
            (covered, partial, gaps) in (0u32..20, 0u32..20, 0u32..20),
        ) {
            let a = assess(&model, &services, coverage(covered, partial, gaps));
            let b = assess(&model, &services, coverage(covered, partial, gaps));
            prop_assert_eq!(a, b);
        }
    }
}
