//! Coverage: for each control a vendor must evidence, what evidences it and the verdict.
//!
//! The rules, in order (docs/risk.md explains them to users):
//! 1. The responsibility matrix says the organisation holds the control → `covered`.
//! 2. Every source is weighed: a `met` result in the latest completed assessment, a `full`
//!    clause on an active contract that someone verified, and an accepted evidence file are
//!    strong; a `partially_met` result, a `partial` clause, and a `full` clause nobody verified
//!    yet are partial; `not_met`, unanswered, and disputed clauses count for nothing.
//! 3. A strong contract clause contradicted by a `not_met` assessment result is only partial.
//! 4. Any strong source → `covered`; else any partial source → `partial`; else `gap`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::assessment::ControlResult;
use super::catalog::Control;
use super::contract::{ClauseCoverage, Party, Verification};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CoverageVerdict {
    Gap,
    Partial,
    Covered,
}

impl CoverageVerdict {
    /// The share of the control counted as covered when scoring risk.
    pub fn weight(self) -> f64 {
        match self {
            CoverageVerdict::Covered => 1.0,
            CoverageVerdict::Partial => 0.5,
            CoverageVerdict::Gap => 0.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    None,
    Partial,
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceSource {
    Responsibility,
    Questionnaire,
    Clause,
    Document,
}

/// One piece of evidence for a control and how much it counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EvidenceItem {
    pub source: EvidenceSource,
    /// The assessment, clause mapping or evidence file it comes from.
    pub reference: String,
    pub strength: Strength,
    #[schema(example = "clause §7.2 of 'Acme MSA' covers it fully (verified)")]
    pub detail: String,
}

/// The latest completed assessment's result for a control.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionnaireResult {
    pub assessment_id: String,
    pub result: ControlResult,
}

/// A clause of an active contract mapped to the control.
#[derive(Debug, Clone, PartialEq)]
pub struct ClauseInput {
    pub mapping_id: String,
    pub clause_reference: String,
    pub contract_title: String,
    pub coverage: ClauseCoverage,
    pub verification: Verification,
}

/// An evidence file a reviewer accepted, on a question mapped to the control.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentInput {
    pub evidence_id: String,
    pub file_name: String,
}

/// Everything known about one required control.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ControlEvidence {
    pub responsibility: Option<Party>,
    pub questionnaire: Option<QuestionnaireResult>,
    pub clauses: Vec<ClauseInput>,
    pub documents: Vec<DocumentInput>,
}

/// A required control with its verdict, as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ControlCoverage {
    // Shared: a portfolio recompute holds the same control for every vendor that needs it.
    pub control: Arc<Control>,
    /// Why the vendor must evidence it.
    pub required_because: Vec<String>,
    pub responsibility: Option<Party>,
    pub verdict: CoverageVerdict,
    #[schema(example = "covered by clause §7.2 of 'Acme MSA' (verified)")]
    pub reason: String,
    pub evidence: Vec<EvidenceItem>,
}

/// The verdict on one control, its reason and the evidence weighed.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub verdict: CoverageVerdict,
    pub reason: String,
    pub evidence: Vec<EvidenceItem>,
}

fn questionnaire_item(q: &QuestionnaireResult) -> EvidenceItem {
    let (strength, said) = match q.result {
        ControlResult::Met => (Strength::Full, "met"),
        ControlResult::PartiallyMet => (Strength::Partial, "partially met"),
        ControlResult::NotMet => (Strength::None, "not met"),
        ControlResult::NotAnswered => (Strength::None, "not answered"),
    };
    EvidenceItem {
        source: EvidenceSource::Questionnaire,
        reference: q.assessment_id.clone(),
        strength,
        detail: format!("the latest completed assessment found it {said}"),
    }
}

fn clause_item(c: &ClauseInput) -> EvidenceItem {
    let (strength, how) = match (c.coverage, c.verification) {
        (_, Verification::Disputed) => (Strength::None, "is disputed"),
        (ClauseCoverage::Full, Verification::Verified) => {
            (Strength::Full, "covers it fully (verified)")
        }
        (ClauseCoverage::Full, Verification::Claimed) => (
            Strength::Partial,
            "claims to cover it fully (not yet verified)",
        ),
        (ClauseCoverage::Partial, Verification::Verified) => {
            (Strength::Partial, "covers it partly (verified)")
        }
        (ClauseCoverage::Partial, Verification::Claimed) => (
            Strength::Partial,
            "claims to cover it partly (not yet verified)",
        ),
    };
    EvidenceItem {
        source: EvidenceSource::Clause,
        reference: c.mapping_id.clone(),
        strength,
        detail: format!(
            "clause {} of '{}' {how}",
            c.clause_reference, c.contract_title
        ),
    }
}

fn document_item(d: &DocumentInput) -> EvidenceItem {
    EvidenceItem {
        source: EvidenceSource::Document,
        reference: d.evidence_id.clone(),
        strength: Strength::Full,
        detail: format!("evidence file '{}' was accepted by a reviewer", d.file_name),
    }
}

fn details(items: &[&EvidenceItem]) -> String {
    items
        .iter()
        .map(|i| i.detail.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Applies the rules in the module documentation to one control.
pub fn judge(input: &ControlEvidence) -> Judgement {
    if input.responsibility == Some(Party::Organisation) {
        let item = EvidenceItem {
            source: EvidenceSource::Responsibility,
            reference: "organisation".into(),
            strength: Strength::Full,
            detail: "the responsibility matrix assigns it to the organisation".into(),
        };
        return Judgement {
            verdict: CoverageVerdict::Covered,
            reason: "the organisation holds this control, not the supplier".into(),
            evidence: vec![item],
        };
    }
    let mut evidence: Vec<EvidenceItem> = Vec::new();
    evidence.extend(input.questionnaire.iter().map(questionnaire_item));
    evidence.extend(input.clauses.iter().map(clause_item));
    evidence.extend(input.documents.iter().map(document_item));

    let found_not_met = input
        .questionnaire
        .as_ref()
        .is_some_and(|q| q.result == ControlResult::NotMet);
    if found_not_met {
        for item in evidence
            .iter_mut()
            .filter(|i| i.source == EvidenceSource::Clause && i.strength == Strength::Full)
        {
            item.strength = Strength::Partial;
            item.detail
                .push_str(", but the latest assessment found the control not met");
        }
    }
    let of = |s: Strength| {
        evidence
            .iter()
            .filter(|i| i.strength == s)
            .collect::<Vec<_>>()
    };
    let (full, partial, none) = (
        of(Strength::Full),
        of(Strength::Partial),
        of(Strength::None),
    );
    let (verdict, reason) = if !full.is_empty() {
        (
            CoverageVerdict::Covered,
            format!("covered: {}", details(&full)),
        )
    } else if !partial.is_empty() {
        (
            CoverageVerdict::Partial,
            format!("only partly covered: {}", details(&partial)),
        )
    } else if !none.is_empty() {
        (
            CoverageVerdict::Gap,
            format!("not covered: {}", details(&none)),
        )
    } else {
        (
            CoverageVerdict::Gap,
            "no evidence: no completed assessment answers it, no active contract clause maps to it and no accepted document supports it".into(),
        )
    };
    Judgement {
        verdict,
        reason,
        evidence,
    }
}

/// How many required controls fall under each verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CoverageSummary {
    pub required: u32,
    pub covered: u32,
    pub partial: u32,
    pub gaps: u32,
}

impl CoverageSummary {
    pub fn of(verdicts: impl IntoIterator<Item = CoverageVerdict>) -> Self {
        let mut s = CoverageSummary::default();
        for v in verdicts {
            s.required += 1;
            match v {
                CoverageVerdict::Covered => s.covered += 1,
                CoverageVerdict::Partial => s.partial += 1,
                CoverageVerdict::Gap => s.gaps += 1,
            }
        }
        s
    }

    /// Covered controls count 1, partial ones ½; 0 when nothing is required.
    pub fn ratio(&self) -> f64 {
        if self.required == 0 {
            return 0.0;
        }
        (f64::from(self.covered) + 0.5 * f64::from(self.partial)) / f64::from(self.required)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(coverage: ClauseCoverage, verification: Verification) -> ClauseInput {
        ClauseInput {
            mapping_id: "m1".into(),
            clause_reference: "§7.2".into(),
            contract_title: "MSA".into(),
            coverage,
            verification,
        }
    }

    fn answered(result: ControlResult) -> Option<QuestionnaireResult> {
        Some(QuestionnaireResult {
            assessment_id: "a1".into(),
            result,
        })
    }

    #[test]
    fn nothing_known_is_a_gap_that_says_so() {
        let j = judge(&ControlEvidence::default());
        assert_eq!(j.verdict, CoverageVerdict::Gap);
        assert!(j.reason.starts_with("no evidence"));
    }

    #[test]
    fn a_verified_full_clause_covers() {
        let j = judge(&ControlEvidence {
            clauses: vec![clause(ClauseCoverage::Full, Verification::Verified)],
            ..Default::default()
        });
        assert_eq!(j.verdict, CoverageVerdict::Covered);
        assert_eq!(
            j.reason,
            "covered: clause §7.2 of 'MSA' covers it fully (verified)"
        );
    }

    #[test]
    fn an_unverified_or_partial_clause_is_partial_and_a_disputed_one_nothing() {
        for (coverage, verification) in [
            (ClauseCoverage::Full, Verification::Claimed),
            (ClauseCoverage::Partial, Verification::Verified),
        ] {
            let j = judge(&ControlEvidence {
                clauses: vec![clause(coverage, verification)],
                ..Default::default()
            });
            assert_eq!(j.verdict, CoverageVerdict::Partial);
        }
        let j = judge(&ControlEvidence {
            clauses: vec![clause(ClauseCoverage::Full, Verification::Disputed)],
            ..Default::default()
        });
        assert_eq!(j.verdict, CoverageVerdict::Gap);
        assert!(j.reason.contains("is disputed"));
    }

    #[test]
    fn questionnaire_results_count_by_result() {
        let verdict = |r| {
            judge(&ControlEvidence {
                questionnaire: answered(r),
                ..Default::default()
            })
            .verdict
        };
        assert_eq!(verdict(ControlResult::Met), CoverageVerdict::Covered);
        assert_eq!(
            verdict(ControlResult::PartiallyMet),
            CoverageVerdict::Partial
        );
        assert_eq!(verdict(ControlResult::NotMet), CoverageVerdict::Gap);
        assert_eq!(verdict(ControlResult::NotAnswered), CoverageVerdict::Gap);
    }

    #[test]
    fn a_clause_contradicted_by_the_assessment_is_only_partial() {
        let j = judge(&ControlEvidence {
            questionnaire: answered(ControlResult::NotMet),
            clauses: vec![clause(ClauseCoverage::Full, Verification::Verified)],
            ..Default::default()
        });
        assert_eq!(j.verdict, CoverageVerdict::Partial);
        assert!(j.reason.contains("found the control not met"));
    }

    #[test]
    fn the_organisation_holding_a_control_covers_it() {
        let j = judge(&ControlEvidence {
            responsibility: Some(Party::Organisation),
            questionnaire: answered(ControlResult::NotMet),
            ..Default::default()
        });
        assert_eq!(j.verdict, CoverageVerdict::Covered);
        let shared = judge(&ControlEvidence {
            responsibility: Some(Party::Shared),
            ..Default::default()
        });
        assert_eq!(shared.verdict, CoverageVerdict::Gap);
    }

    #[test]
    fn an_accepted_document_covers() {
        let j = judge(&ControlEvidence {
            documents: vec![DocumentInput {
                evidence_id: "e1".into(),
                file_name: "cert.pdf".into(),
            }],
            ..Default::default()
        });
        assert_eq!(j.verdict, CoverageVerdict::Covered);
    }

    #[test]
    fn the_ratio_counts_partial_as_half() {
        let s = CoverageSummary::of([
            CoverageVerdict::Covered,
            CoverageVerdict::Partial,
            CoverageVerdict::Gap,
            CoverageVerdict::Gap,
        ]);
        assert_eq!((s.required, s.covered, s.partial, s.gaps), (4, 1, 1, 2));
        assert!((s.ratio() - 0.375).abs() < 1e-9);
        assert_eq!(CoverageSummary::default().ratio(), 0.0);
    }
}
