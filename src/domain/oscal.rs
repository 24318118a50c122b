//! OSCAL 1.1.2 JSON exports: a framework as a catalog, a tier's profile as a profile that
//! imports the catalogs its controls come from.
//!
//! OSCAL ids are tokens (a letter or `_`, then letters, digits, `.`, `-`, `_`), so a control's
//! reference is turned into one the same way in catalogs and profiles: `GOVERN 6.1` becomes
//! `GOVERN-6.1`, `Art. 25(4)` becomes `Art.-25-4`. The control's annexa id and its reference
//! are kept as properties.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};

use super::assessment::{ControlOutcome, ControlResult};
use super::catalog::{Control, ControlProfile, Framework};

pub const OSCAL_VERSION: &str = "1.1.2";
/// Namespace of annexa's own OSCAL properties.
pub const NAMESPACE: &str = "urn:annexa:oscal";

/// The OSCAL token for a reference: runs of other characters become one `-`, and a token that
/// would not start with a letter gets a leading `_`.
pub fn token(reference: &str) -> String {
    let mut out = String::with_capacity(reference.len());
    let mut gap = false;
    for c in reference.chars() {
        if c.is_alphanumeric() || matches!(c, '.' | '_' | '-') {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// Where a framework's catalog is served, for links and profile imports.
pub fn catalog_href(framework_id: &str) -> String {
    format!("/v1/frameworks/{framework_id}/oscal")
}

fn metadata(title: &str, last_modified: &str, version: &str, props: Vec<Value>) -> Value {
    json!({
        "title": title,
        "last-modified": last_modified,
        "version": version,
        "oscal-version": OSCAL_VERSION,
        "props": props,
    })
}

fn annexa_prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": NAMESPACE, "value": value })
}

/// One document instance: a fresh UUID, the time and annexa's version.
pub struct Stamp<'a> {
    /// A UUIDv4.
    pub uuid: &'a str,
    pub last_modified: &'a str,
    pub version: &'a str,
}

fn control_entry(control: &Control, related: &[Control], ids: &mut HashSet<String>) -> Value {
    let id = token(&control.reference);
    ids.insert(id.clone());
    let mut entry = json!({
        "id": id,
        "title": control.title,
        "props": [
            { "name": "label", "value": control.reference },
            annexa_prop("annexa-id", &control.id),
        ],
    });
    if let Some(description) = &control.description {
        entry["parts"] =
            json!([{ "id": format!("{id}_smt"), "name": "statement", "prose": description }]);
    }
    if !related.is_empty() {
        let links: Vec<Value> = related
            .iter()
            .map(|r| {
                let fragment = token(&r.reference);
                let href = if r.framework == control.framework {
                    format!("#{fragment}")
                } else {
                    format!("{}#{fragment}", catalog_href(&r.framework))
                };
                json!({ "href": href, "rel": "related", "text": r.id })
            })
            .collect();
        entry["links"] = json!(links);
    }
    entry
}

/// A framework's controls as an OSCAL catalog, grouped as the framework groups them, each
/// control linking to the controls the crosswalk relates it to.
pub fn catalog(
    framework: &Framework,
    controls: &[Control],
    related: &HashMap<String, Vec<Control>>,
    stamp: &Stamp<'_>,
) -> Value {
    let mut ids = HashSet::new();
    let mut groups: Vec<(String, String, Vec<Value>)> = Vec::new();
    for control in controls {
        let entry = control_entry(
            control,
            related.get(&control.id).map(Vec::as_slice).unwrap_or(&[]),
            &mut ids,
        );
        match groups.last_mut() {
            Some((group_ref, _, entries)) if *group_ref == control.group_ref => entries.push(entry),
            _ => groups.push((
                control.group_ref.clone(),
                control.group_title.clone(),
                vec![entry],
            )),
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(group_ref, title, controls)| {
            let mut id = token(&group_ref);
            while ids.contains(&id) {
                id.push_str("-group");
            }
            ids.insert(id.clone());
            json!({
                "id": id,
                "title": title,
                "props": [{ "name": "label", "value": group_ref }],
                "controls": controls,
            })
        })
        .collect();
    let mut metadata = metadata(
        &framework.name,
        stamp.last_modified,
        stamp.version,
        vec![annexa_prop("annexa-framework", &framework.id)],
    );
    metadata["remarks"] = json!(framework.description);
    let mut catalog = json!({ "uuid": stamp.uuid, "metadata": metadata });
    if !groups.is_empty() {
        catalog["groups"] = json!(groups);
    }
    json!({ "catalog": catalog })
}

/// A tier's profile: one import per framework its controls come from, in profile order. A
/// profile is never empty (clearing an organisation's profile reverts to the default).
pub fn profile(profile: &ControlProfile, stamp: &Stamp<'_>) -> Value {
    let mut imports: Vec<(String, Vec<String>)> = Vec::new();
    for control in &profile.controls {
        let id = token(&control.reference);
        match imports.iter_mut().find(|(f, _)| *f == control.framework) {
            Some((_, ids)) => ids.push(id),
            None => imports.push((control.framework.clone(), vec![id])),
        }
    }
    let imports: Vec<Value> = imports
        .into_iter()
        .map(|(framework, ids)| {
            json!({
                "href": catalog_href(&framework),
                "include-controls": [{ "with-ids": ids }],
            })
        })
        .collect();
    let tier = profile.tier.as_str();
    let metadata = metadata(
        &format!("Controls required of {tier}-tier AI vendors"),
        stamp.last_modified,
        stamp.version,
        vec![
            annexa_prop("tier", tier),
            annexa_prop(
                "customized",
                if profile.customized { "true" } else { "false" },
            ),
        ],
    );
    let body = json!({
        "uuid": stamp.uuid,
        "metadata": metadata,
        "imports": imports,
        "merge": { "as-is": true },
    });
    json!({ "profile": body })
}

/// One control's outcome in an assessment, with the control's reference.
pub struct AssessedControl<'a> {
    pub outcome: &'a ControlOutcome,
    pub reference: &'a str,
}

/// One answered question, as an observation.
pub struct AnsweredQuestion<'a> {
    pub key: &'a str,
    pub text: &'a str,
    pub answer: String,
    /// Download links of the evidence files the answer names.
    pub evidence: Vec<String>,
}

/// What an assessment-results document reports.
pub struct AssessmentReport<'a> {
    pub assessment_id: &'a str,
    pub title: String,
    pub start: &'a str,
    pub end: Option<&'a str>,
    pub final_result: bool,
    pub controls: Vec<AssessedControl<'a>>,
    pub answers: Vec<AnsweredQuestion<'a>>,
}

fn result_text(result: ControlResult) -> &'static str {
    match result {
        ControlResult::Met => "met",
        ControlResult::PartiallyMet => "partially-met",
        ControlResult::NotMet => "not-met",
        ControlResult::NotAnswered => "not-answered",
    }
}

/// An assessment's per-control results as OSCAL assessment-results: every answered question
/// an observation (`EXAMINE`, with its evidence files as relevant evidence), every control a
/// finding whose target is the control's objective, `satisfied` only when the control is met
/// (otherwise `not-satisfied` with the reason). `new_uuid` gives a UUIDv4 per element.
pub fn assessment_results(
    report: &AssessmentReport<'_>,
    stamp: &Stamp<'_>,
    new_uuid: &mut dyn FnMut() -> String,
) -> Value {
    let collected = report.end.unwrap_or(stamp.last_modified);
    let mut observation_of: HashMap<&str, String> = HashMap::new();
    let observations: Vec<Value> = report
        .answers
        .iter()
        .map(|answer| {
            let uuid = new_uuid();
            observation_of.insert(answer.key, uuid.clone());
            let mut observation = json!({
                "uuid": uuid,
                "title": answer.key,
                "description": format!("{}\n\nAnswer: {}", answer.text, answer.answer),
                "props": [annexa_prop("question", answer.key)],
                "methods": ["EXAMINE"],
                "collected": collected,
            });
            if !answer.evidence.is_empty() {
                observation["relevant-evidence"] = json!(answer
                    .evidence
                    .iter()
                    .map(|href| json!({ "href": href, "description": "Evidence file uploaded with the answer" }))
                    .collect::<Vec<_>>());
            }
            observation
        })
        .collect();
    let mut control_ids: Vec<String> = Vec::new();
    let findings: Vec<Value> = report
        .controls
        .iter()
        .map(|control| {
            let id = token(control.reference);
            if !control_ids.contains(&id) {
                control_ids.push(id.clone());
            }
            let result = control.outcome.result;
            let mut status = json!({
                "state": if result == ControlResult::Met { "satisfied" } else { "not-satisfied" },
            });
            if result != ControlResult::Met {
                status["reason"] = json!(result_text(result));
            }
            let ratio = control
                .outcome
                .ratio
                .map_or("no answered question".to_owned(), |r| {
                    format!("mean score {r:.2}")
                });
            let mut finding = json!({
                "uuid": new_uuid(),
                "title": format!("{} {}", control.reference, result_text(result)),
                "description": format!(
                    "{} from {} question(s): {}",
                    result_text(result),
                    control.outcome.questions.len(),
                    ratio
                ),
                "props": [
                    annexa_prop("annexa-id", &control.outcome.control_id),
                    annexa_prop("result", result_text(result)),
                ],
                "target": {
                    "type": "objective-id",
                    "target-id": id,
                    "status": status,
                },
            });
            let related: Vec<Value> = control
                .outcome
                .questions
                .iter()
                .filter_map(|q| observation_of.get(q.as_str()))
                .map(|uuid| json!({ "observation-uuid": uuid }))
                .collect();
            if !related.is_empty() {
                finding["related-observations"] = json!(related);
            }
            finding
        })
        .collect();
    let selection = if control_ids.is_empty() {
        json!({ "include-all": {} })
    } else {
        json!({ "include-controls": control_ids.iter().map(|id| json!({ "control-id": id })).collect::<Vec<_>>() })
    };
    let mut result = json!({
        "uuid": new_uuid(),
        "title": report.title,
        "description": if report.final_result {
            "Results of the completed due-diligence assessment."
        } else {
            "Provisional results: the assessment is not completed yet."
        },
        "start": report.start,
        "props": [annexa_prop("final", if report.final_result { "true" } else { "false" })],
        "reviewed-controls": { "control-selections": [selection] },
    });
    if let Some(end) = report.end {
        result["end"] = json!(end);
    }
    if !observations.is_empty() {
        result["observations"] = json!(observations);
    }
    if !findings.is_empty() {
        result["findings"] = json!(findings);
    }
    let metadata = metadata(
        &report.title,
        stamp.last_modified,
        stamp.version,
        vec![annexa_prop("assessment-id", report.assessment_id)],
    );
    json!({
        "assessment-results": {
            "uuid": stamp.uuid,
            "metadata": metadata,
            "import-ap": { "href": format!("/v1/assessments/{}", report.assessment_id) },
            "results": [result],
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_become_oscal_tokens() {
        assert_eq!(token("A.10.3"), "A.10.3");
        assert_eq!(token("GOVERN 6.1"), "GOVERN-6.1");
        assert_eq!(token("Art. 25(4)"), "Art.-25-4");
        assert_eq!(token("Art. 53(1)(b)"), "Art.-53-1-b");
        assert_eq!(token("Annex XII(1)"), "Annex-XII-1");
        assert_eq!(token("42-AI"), "_42-AI");
    }

    #[test]
    fn assessment_results_report_each_control_as_a_finding() {
        let met = ControlOutcome {
            control_id: "iso42001:A.7.3".into(),
            result: ControlResult::Met,
            ratio: Some(1.0),
            questions: vec!["trains".into()],
        };
        let gap = ControlOutcome {
            control_id: "nist-ai-rmf:GOVERN 6.1".into(),
            result: ControlResult::PartiallyMet,
            ratio: Some(0.5),
            questions: vec!["trains".into(), "unanswered".into()],
        };
        let report = AssessmentReport {
            assessment_id: "a1",
            title: "Acme".into(),
            start: "2026-11-01T00:00:00.000000Z",
            end: Some("2026-11-02T00:00:00.000000Z"),
            final_result: true,
            controls: vec![
                AssessedControl {
                    outcome: &met,
                    reference: "A.7.3",
                },
                AssessedControl {
                    outcome: &gap,
                    reference: "GOVERN 6.1",
                },
            ],
            answers: vec![AnsweredQuestion {
                key: "trains",
                text: "Do you train on our data?",
                answer: "no".into(),
                evidence: vec!["/v1/assessments/a1/evidence/e1/content".into()],
            }],
        };
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("00000000-0000-4000-8000-{n:012}")
        };
        let stamp = Stamp {
            uuid: "u",
            last_modified: "2026-11-03T00:00:00.000000Z",
            version: "0.1.0",
        };
        let doc = assessment_results(&report, &stamp, &mut next);
        let result = &doc["assessment-results"]["results"][0];
        assert_eq!(result["end"], "2026-11-02T00:00:00.000000Z");
        let findings = result["findings"].as_array().unwrap();
        assert_eq!(
            findings[0]["target"]["status"],
            json!({"state": "satisfied"})
        );
        assert_eq!(
            findings[1]["target"],
            json!({"type": "objective-id", "target-id": "GOVERN-6.1",
                   "status": {"state": "not-satisfied", "reason": "partially-met"}})
        );
        let observation = &result["observations"][0];
        assert_eq!(
            findings[1]["related-observations"],
            json!([{"observation-uuid": observation["uuid"]}])
        );
        assert_eq!(
            observation["relevant-evidence"][0]["href"],
            "/v1/assessments/a1/evidence/e1/content"
        );
        assert_eq!(
            result["reviewed-controls"]["control-selections"][0]["include-controls"],
            json!([{"control-id": "A.7.3"}, {"control-id": "GOVERN-6.1"}])
        );
    }
}
