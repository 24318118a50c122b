//! Which controls a vendor must evidence, and why: its tier's profile, plus controls that what
//! it provides calls for.

use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;

use super::ai_service::{
    AffectedGroup, Autonomy, DataCategory, DecisionImpact, EuAiActRiskClass, TrainingUse,
};
use super::catalog::Control;
use super::vendor::Tier;

/// Vendors not yet tiered are held to the `medium` profile until someone decides.
pub const UNTIERED_PROFILE: Tier = Tier::Medium;

/// A required control id and every reason it is required, in order of discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub control_id: String,
    pub reasons: Vec<String>,
}

/// A required control as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RequiredControl {
    // Shared: a portfolio recompute holds the same control for every vendor that needs it.
    pub control: Arc<Control>,
    #[schema(example = json!(["required of high-tier vendors", "personal data is sent to 'Chat API'"]))]
    pub reasons: Vec<String>,
}

#[derive(Default)]
struct Requirements(Vec<Requirement>);

impl Requirements {
    fn add(&mut self, control_id: &str, reason: String) {
        match self.0.iter_mut().find(|r| r.control_id == control_id) {
            Some(existing) => {
                if !existing.reasons.contains(&reason) {
                    existing.reasons.push(reason);
                }
            }
            None => self.0.push(Requirement {
                control_id: control_id.to_owned(),
                reasons: vec![reason],
            }),
        }
    }
}

/// Rules that tie what a service is to the controls it calls for.
fn service_rules(service: &ServiceProfile, out: &mut Requirements) {
    let name = &service.name;
    let personal = service
        .data_categories
        .iter()
        .any(|c| matches!(c, DataCategory::Personal | DataCategory::SpecialCategory));
    if personal {
        let reason = format!("personal data is sent to '{name}'");
        for control in [
            "iso42001:A.5.4",
            "iso42001:A.7.5",
            "nist-ai-rmf:MEASURE 2.10",
        ] {
            out.add(control, reason.clone());
        }
    }
    if !matches!(service.trains_on_customer_data, TrainingUse::No) {
        let reason = format!("'{name}' may train on the organisation's data");
        for control in ["iso42001:A.7.3", "iso42001:A.10.3"] {
            out.add(control, reason.clone());
        }
    }
    if service.subprocessors_see_data == Some(true) {
        let reason = format!("the vendor's subprocessors see data sent to '{name}'");
        for control in ["iso42001:A.10.2", "nist-ai-rmf:GOVERN 6.1"] {
            out.add(control, reason.clone());
        }
    }
    match service.eu_ai_act_risk_class {
        Some(EuAiActRiskClass::GeneralPurpose) => {
            let reason = format!("'{name}' is a general-purpose AI model");
            for control in [
                "eu-ai-act:Art. 53(1)(b)",
                "eu-ai-act:Annex XII(1)",
                "iso42001:A.6.2.7",
            ] {
                out.add(control, reason.clone());
            }
        }
        Some(EuAiActRiskClass::High) => {
            let reason = format!("'{name}' is a high-risk AI system under the EU AI Act");
            for control in [
                "eu-ai-act:Art. 26(1)",
                "eu-ai-act:Art. 26(5)",
                "eu-ai-act:Art. 26(6)",
                "iso42001:A.6.2.6",
            ] {
                out.add(control, reason.clone());
            }
        }
        _ => {}
    }
}

/// A use case's purpose, short enough for a reason.
fn short(purpose: &str) -> String {
    const MAX: usize = 60;
    if purpose.chars().count() <= MAX {
        purpose.to_owned()
    } else {
        format!("{}…", purpose.chars().take(MAX).collect::<String>())
    }
}

/// Rules that tie how the organisation uses a service to the controls that use calls for.
fn use_case_rules(service: &ServiceProfile, use_case: &UseProfile, out: &mut Requirements) {
    let name = &service.name;
    let purpose = short(&use_case.purpose);
    if use_case.decision_impact == DecisionImpact::Decides {
        let reason = format!("'{name}' decides about people in '{purpose}'");
        for control in [
            "iso42001:A.5.4",
            "iso42001:A.9.2",
            "nist-ai-rmf:GOVERN 3.2",
            "nist-ai-rmf:MAP 3.5",
        ] {
            out.add(control, reason.clone());
        }
    }
    if use_case.autonomy == Autonomy::Autonomous {
        let reason = format!("'{name}' acts without human review in '{purpose}'");
        for control in [
            "iso42001:A.6.2.6",
            "nist-ai-rmf:GOVERN 3.2",
            "nist-ai-rmf:MANAGE 2.4",
        ] {
            out.add(control, reason.clone());
        }
    }
    let affects = |group| use_case.affected_people.contains(&group);
    if affects(AffectedGroup::Minors) {
        let reason = format!("'{purpose}' affects minors");
        for control in ["iso42001:A.5.4", "iso42001:A.5.5", "nist-ai-rmf:MAP 5.1"] {
            out.add(control, reason.clone());
        }
    }
    if affects(AffectedGroup::Public) {
        let reason = format!("'{purpose}' affects the public");
        for control in ["iso42001:A.5.5", "iso42001:A.8.3", "nist-ai-rmf:MAP 5.1"] {
            out.add(control, reason.clone());
        }
    }
    if affects(AffectedGroup::Customers) && use_case.decision_impact != DecisionImpact::None {
        let reason = format!("'{purpose}' shapes decisions about customers");
        for control in ["iso42001:A.8.2", "iso42001:A.8.3"] {
            out.add(control, reason.clone());
        }
    }
}

/// What the requirement and risk rules read of a service; the rest of its record (endpoints,
/// regions, documentation…) plays no part, so a portfolio run does not load it.
#[derive(Debug, Clone)]
pub struct ServiceProfile {
    pub name: String,
    pub data_categories: Vec<DataCategory>,
    pub trains_on_customer_data: TrainingUse,
    pub subprocessors_see_data: Option<bool>,
    pub eu_ai_act_risk_class: Option<EuAiActRiskClass>,
}

/// What the rules read of a use case.
#[derive(Debug, Clone)]
pub struct UseProfile {
    pub purpose: String,
    pub affected_people: Vec<AffectedGroup>,
    pub decision_impact: DecisionImpact,
    pub autonomy: Autonomy,
}

/// One of the vendor's services with the organisation's use cases of it.
#[derive(Debug, Clone)]
pub struct ServiceInUse {
    pub service: ServiceProfile,
    pub use_cases: Vec<UseProfile>,
}

/// The tier's profile first, in profile order, then what the services and their use add.
pub fn required_controls(
    tier: Option<Tier>,
    profile: &[String],
    services: &[ServiceInUse],
) -> Vec<Requirement> {
    let mut out = Requirements::default();
    let profile_reason = match tier {
        Some(tier) => format!("required of {}-tier vendors", tier.as_str()),
        None => format!(
            "required of {}-tier vendors (the vendor has no tier yet)",
            UNTIERED_PROFILE.as_str()
        ),
    };
    for control in profile {
        out.add(control, profile_reason.clone());
    }
    for in_use in services {
        service_rules(&in_use.service, &mut out);
        for use_case in &in_use.use_cases {
            use_case_rules(&in_use.service, use_case, &mut out);
        }
    }
    out.0
}

#[cfg(test)]
mod tests {
    use super::*;
    fn service(
        categories: Vec<DataCategory>,
        training: TrainingUse,
        class: Option<EuAiActRiskClass>,
    ) -> ServiceProfile {
        ServiceProfile {
            name: "Chat".into(),
            data_categories: categories,
            trains_on_customer_data: training,
            subprocessors_see_data: None,
            eu_ai_act_risk_class: class,
        }
    }

    fn in_use(service: ServiceProfile) -> ServiceInUse {
        ServiceInUse {
            service,
            use_cases: Vec::new(),
        }
    }

    fn use_case(
        affected_people: Vec<AffectedGroup>,
        decision_impact: DecisionImpact,
        autonomy: Autonomy,
    ) -> UseProfile {
        UseProfile {
            purpose: "Grade homework".into(),
            affected_people,
            decision_impact,
            autonomy,
        }
    }

    #[test]
    fn profile_comes_first_and_services_add_with_reasons() {
        let profile = vec!["iso42001:A.10.2".to_owned(), "iso42001:A.10.3".to_owned()];
        let services = [in_use(service(
            vec![DataCategory::Personal],
            TrainingUse::OptOut,
            Some(EuAiActRiskClass::GeneralPurpose),
        ))];
        let required = required_controls(Some(Tier::Low), &profile, &services);
        let ids: Vec<&str> = required.iter().map(|r| r.control_id.as_str()).collect();
        assert_eq!(&ids[..2], ["iso42001:A.10.2", "iso42001:A.10.3"]);
        assert!(ids.contains(&"iso42001:A.7.5"));
        assert!(ids.contains(&"eu-ai-act:Art. 53(1)(b)"));
        let a103 = &required[1];
        assert_eq!(
            a103.reasons,
            vec![
                "required of low-tier vendors".to_owned(),
                "'Chat' may train on the organisation's data".to_owned()
            ]
        );
    }

    #[test]
    fn a_quiet_service_adds_nothing() {
        let mut quiet = in_use(service(vec![DataCategory::Public], TrainingUse::No, None));
        quiet.use_cases.push(use_case(
            vec![AffectedGroup::Employees],
            DecisionImpact::Informs,
            Autonomy::HumanInTheLoop,
        ));
        assert!(required_controls(None, &[], &[quiet]).is_empty());
    }

    #[test]
    fn a_use_case_that_decides_about_minors_adds_impact_controls() {
        let mut chat = in_use(service(vec![DataCategory::Public], TrainingUse::No, None));
        chat.use_cases.push(use_case(
            vec![AffectedGroup::Minors],
            DecisionImpact::Decides,
            Autonomy::Autonomous,
        ));
        let required = required_controls(Some(Tier::Low), &[], &[chat]);
        let a54 = required
            .iter()
            .find(|r| r.control_id == "iso42001:A.5.4")
            .unwrap();
        assert_eq!(
            a54.reasons,
            vec![
                "'Chat' decides about people in 'Grade homework'".to_owned(),
                "'Grade homework' affects minors".to_owned()
            ]
        );
        let ids: Vec<&str> = required.iter().map(|r| r.control_id.as_str()).collect();
        assert!(ids.contains(&"nist-ai-rmf:MANAGE 2.4"));
        assert!(ids.contains(&"iso42001:A.5.5"));
        assert!(!ids.contains(&"iso42001:A.8.2"));
    }
}
