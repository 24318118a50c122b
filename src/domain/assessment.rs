//! Assessments: a published questionnaire sent to a vendor. Lifecycle, which questions apply
//! given the answers so far, answer checks, and scoring with per-control results.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::questionnaire::{Condition, Question, QuestionType, TemplateContent};
use super::FieldError;

pub const MAX_TEXT_ANSWER: usize = 10_000;
pub const MAX_COMMENT: usize = 4_000;
/// A control is met from this share of its questions' scores, partially met from the next.
pub const MET_FROM: f64 = 0.8;
pub const PARTIALLY_MET_FROM: f64 = 0.4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentStatus {
    Draft,
    Sent,
    InProgress,
    Submitted,
    InReview,
    Completed,
    Returned,
}

impl AssessmentStatus {
    pub fn allowed_next(self) -> &'static [AssessmentStatus] {
        use AssessmentStatus::*;
        match self {
            Draft => &[Sent],
            Sent => &[InProgress],
            InProgress => &[Submitted],
            Submitted => &[InReview],
            InReview => &[Completed, Returned],
            Returned => &[InProgress],
            Completed => &[],
        }
    }

    pub fn can_become(self, next: AssessmentStatus) -> bool {
        self.allowed_next().contains(&next)
    }

    /// The vendor may save answers: after sending and until submission, or when returned.
    pub fn vendor_may_answer(self) -> bool {
        matches!(
            self,
            AssessmentStatus::Sent | AssessmentStatus::InProgress | AssessmentStatus::Returned
        )
    }
}

/// A reviewer's verdict on one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accepted,
    Rejected,
}

/// An assessment as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Assessment {
    pub id: String,
    pub vendor_id: String,
    pub ai_service_id: Option<String>,
    pub template_id: String,
    pub template_version_id: String,
    #[schema(example = 1)]
    pub template_version: i32,
    pub contact_id: Option<String>,
    pub status: AssessmentStatus,
    pub allowed_next_states: Vec<AssessmentStatus>,
    /// `YYYY-MM-DD`.
    #[schema(example = "2026-12-31")]
    pub due_date: Option<String>,
    /// Past its due date and not yet submitted.
    pub overdue: bool,
    /// When the `assessment.overdue` event was raised (once per assessment).
    #[schema(format = DateTime)]
    pub overdue_notified_at: Option<String>,
    /// 0 to 100, set when completed.
    pub score: Option<f64>,
    #[schema(example = 1)]
    pub version: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
    #[schema(format = DateTime)]
    pub submitted_at: Option<String>,
    #[schema(format = DateTime)]
    pub completed_at: Option<String>,
}

/// How a reminder reached the vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReminderChannel {
    Email,
    Phone,
    Meeting,
    Other,
}

/// A reminder sent to the vendor, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Reminder {
    pub id: String,
    pub assessment_id: String,
    pub channel: ReminderChannel,
    #[schema(example = "Second reminder to the security contact")]
    pub note: Option<String>,
    #[schema(format = DateTime)]
    pub sent_at: String,
    pub recorded_by: String,
}

/// Whether an assessment in `status` due on `due_date` is overdue on `today` (all
/// `YYYY-MM-DD`): it is still waiting for the vendor.
pub fn is_overdue(status: AssessmentStatus, due_date: Option<&str>, today: &str) -> bool {
    WAITING.contains(&status) && due_date.is_some_and(|d| d < today)
}

/// The statuses in which an assessment still waits for the vendor, and so can be overdue.
pub const WAITING: [AssessmentStatus; 4] = [
    AssessmentStatus::Draft,
    AssessmentStatus::Sent,
    AssessmentStatus::InProgress,
    AssessmentStatus::Returned,
];

/// One stored answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Answer {
    #[schema(example = "trains_on_data")]
    pub question: String,
    /// `"yes"`, an option value, a list of option values, text, a number, a `YYYY-MM-DD`
    /// date, or evidence file ids; `null` when not applicable.
    #[schema(value_type = Object, example = "no")]
    pub value: Value,
    #[serde(default)]
    pub not_applicable: bool,
    pub comment: Option<String>,
    pub verdict: Option<Verdict>,
    pub review_comment: Option<String>,
}

/// The answers by question key. The keys are the template's own question keys, so a keyed
/// (DoS-resistant) hash buys nothing here and the faster Fx hash is used.
pub type Answers = FxHashMap<String, Answer>;

/// The questions of a template by key, so that visibility is worked out in one pass.
type QuestionIndex<'a> = FxHashMap<&'a str, &'a Question>;

fn condition_holds<'a>(
    index: &QuestionIndex<'a>,
    condition: &Condition,
    answers: &Answers,
    memo: &mut FxHashMap<&'a str, bool>,
) -> bool {
    match condition {
        Condition::Answer(c) => {
            if !is_visible(index, &c.question, answers, memo) {
                return false;
            }
            match answers.get(&c.question) {
                Some(a) if !a.not_applicable => match &a.value {
                    Value::String(s) => c.any_of.contains(s),
                    Value::Array(items) => items
                        .iter()
                        .filter_map(Value::as_str)
                        .any(|s| c.any_of.iter().any(|v| v == s)),
                    _ => false,
                },
                _ => false,
            }
        }
        Condition::All(all) => all
            .all
            .iter()
            .all(|c| condition_holds(index, c, answers, memo)),
        Condition::Any(any) => any
            .any
            .iter()
            .any(|c| condition_holds(index, c, answers, memo)),
    }
}

fn is_visible<'a>(
    index: &QuestionIndex<'a>,
    key: &str,
    answers: &Answers,
    memo: &mut FxHashMap<&'a str, bool>,
) -> bool {
    let Some((&key, question)) = index.get_key_value(key) else {
        return false;
    };
    if let Some(known) = memo.get(key) {
        return *known;
    }
    let visible = match &question.show_if {
        None => true,
        Some(condition) => condition_holds(index, condition, answers, memo),
    };
    memo.insert(key, visible);
    visible
}

/// The keys of the questions that apply given the answers (a hidden question's answer never
/// shows another question). Templates are checked acyclic when saved.
pub fn visible_questions<'a>(content: &'a TemplateContent, answers: &Answers) -> Vec<&'a Question> {
    let index = content.questions_by_key();
    let mut memo = FxHashMap::with_capacity_and_hasher(index.len(), Default::default());
    content
        .questions()
        .filter(|q| is_visible(&index, &q.key, answers, &mut memo))
        .collect()
}

fn is_date(value: &str) -> bool {
    super::time::parse_date(value).is_some()
}

/// Checks one answer against its question: the value's type, options, N/A allowed.
/// `evidence_ok` tells whether an evidence id belongs to this assessment's question.
pub fn check_answer(
    at: &str,
    question: &Question,
    value: &Value,
    not_applicable: bool,
    evidence_ok: &dyn Fn(&str) -> bool,
) -> Result<(), FieldError> {
    if not_applicable {
        if !question.allow_not_applicable {
            return Err(FieldError::new(
                format!("{at}.not_applicable"),
                "not_allowed",
                format!("'{}' may not be answered N/A", question.key),
            ));
        }
        if !value.is_null() {
            return Err(FieldError::new(
                format!("{at}.value"),
                "not_allowed",
                "an N/A answer has no value",
            ));
        }
        return Ok(());
    }
    let field = format!("{at}.value");
    let option = |v: &str| question.options.iter().any(|o| o.value == v);
    let wrong = |what: &str| {
        Err(FieldError::new(
            field.clone(),
            "type",
            format!("'{}' is a {what}", question.key),
        ))
    };
    match (question.kind, value) {
        (QuestionType::YesNo | QuestionType::SingleChoice, Value::String(v)) => {
            if option(v) {
                Ok(())
            } else {
                Err(FieldError::new(
                    field,
                    "option",
                    format!("'{v}' is not an option of '{}'", question.key),
                ))
            }
        }
        (QuestionType::YesNo, _) => wrong("yes_no question: answer \"yes\" or \"no\""),
        (QuestionType::SingleChoice, _) => wrong("single_choice question: answer one option value"),
        (QuestionType::MultiChoice, Value::Array(items)) if !items.is_empty() => {
            let mut seen = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(v) if option(v) && !seen.contains(&v) => seen.push(v),
                    Some(v) if seen.contains(&v) => {
                        return Err(FieldError::new(
                            format!("{field}[{i}]"),
                            "duplicate",
                            format!("'{v}' is chosen twice"),
                        ))
                    }
                    _ => {
                        return Err(FieldError::new(
                            format!("{field}[{i}]"),
                            "option",
                            format!("{item} is not an option of '{}'", question.key),
                        ))
                    }
                }
            }
            Ok(())
        }
        (QuestionType::MultiChoice, _) => {
            wrong("multi_choice question: answer a non-empty list of option values")
        }
        (QuestionType::Text, Value::String(text)) => {
            let len = text.trim().chars().count();
            if len == 0 || len > MAX_TEXT_ANSWER {
                Err(FieldError::new(
                    field,
                    "length",
                    format!("must be between 1 and {MAX_TEXT_ANSWER} characters"),
                ))
            } else {
                Ok(())
            }
        }
        (QuestionType::Text, _) => wrong("text question: answer a string"),
        (QuestionType::Number, Value::Number(_)) => Ok(()),
        (QuestionType::Number, _) => wrong("number question: answer a number"),
        (QuestionType::Date, Value::String(d)) if is_date(d) => Ok(()),
        (QuestionType::Date, _) => wrong("date question: answer a YYYY-MM-DD date"),
        (QuestionType::Evidence, Value::Array(ids)) if !ids.is_empty() => {
            for (i, id) in ids.iter().enumerate() {
                if !id.as_str().is_some_and(evidence_ok) {
                    return Err(FieldError::new(
                        format!("{field}[{i}]"),
                        "not_found",
                        format!(
                            "{id} is not an evidence file of this assessment (answering '{}')",
                            question.key
                        ),
                    ));
                }
            }
            Ok(())
        }
        (QuestionType::Evidence, _) => {
            wrong("evidence question: answer a list of uploaded evidence file ids")
        }
    }
}

/// An answer as text: option values and list items joined by `, `.
pub fn answer_text(answer: &Answer) -> String {
    if answer.not_applicable {
        return "N/A".into();
    }
    match &answer.value {
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Required questions that apply and have no answer, by key.
pub fn unanswered_required(content: &TemplateContent, answers: &Answers) -> Vec<String> {
    unanswered_among(&visible_questions(content, answers), answers)
}

/// The required questions among `visible` that have no answer.
pub fn unanswered_among(visible: &[&Question], answers: &Answers) -> Vec<String> {
    visible
        .iter()
        .filter(|q| q.required && !answers.contains_key(&q.key))
        .map(|q| q.key.clone())
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ControlResult {
    Met,
    PartiallyMet,
    NotMet,
    NotAnswered,
}

/// How one question counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuestionContribution {
    pub question: String,
    pub text: String,
    /// The answer's score, 0 to 1; absent when the question is not scored.
    pub score: Option<f64>,
    pub weight: f64,
    /// score × weight, the question's share of the numerator.
    pub contribution: f64,
    /// Why it counts as it does: `scored`, `not_applicable`, `not_answered`, `rejected`,
    /// `unscored`.
    #[schema(example = "scored")]
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ControlOutcome {
    #[schema(example = "iso42001:A.10.3")]
    pub control_id: String,
    pub result: ControlResult,
    /// Mean of the counted questions' scores (unscored answered questions count 1), 0 to 1.
    pub ratio: Option<f64>,
    pub questions: Vec<String>,
}

/// An assessment's score, per-control results and the explanation of both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Scorecard {
    /// 0 to 100; absent when no scored question applies.
    #[schema(example = 82.5)]
    pub score: Option<f64>,
    pub max_points: f64,
    pub points: f64,
    pub controls: Vec<ControlOutcome>,
    pub explanation: Vec<QuestionContribution>,
}

fn answer_score(question: &Question, value: &Value) -> Option<f64> {
    let score_of = |v: &str| {
        question
            .options
            .iter()
            .find(|o| o.value == v)
            .map(|o| o.score)
    };
    match value {
        Value::String(v) => score_of(v),
        Value::Array(items) => {
            let scores: Vec<f64> = items
                .iter()
                .filter_map(|i| i.as_str().and_then(score_of))
                .collect();
            (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64)
        }
        _ => None,
    }
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Scores the questions that apply: each scored question (options, weight above 0) adds
/// score × weight out of weight; N/A answers leave the denominator; unanswered and rejected
/// answers count 0. A control's result is the mean over its applicable questions.
pub fn score(content: &TemplateContent, answers: &Answers) -> Scorecard {
    let mut explanation = Vec::new();
    let mut per_control: BTreeMap<String, (Vec<f64>, Vec<String>)> = BTreeMap::new();
    let (mut points, mut max_points) = (0.0, 0.0);
    for question in visible_questions(content, answers) {
        let answer = answers.get(&question.key);
        let scored = question.kind.has_options() && question.weight > 0.0;
        let (basis, score, control_value) = match answer {
            Some(a) if a.not_applicable => ("not_applicable", None, None),
            None => ("not_answered", scored.then_some(0.0), Some(0.0)),
            Some(a) if a.verdict == Some(Verdict::Rejected) => {
                ("rejected", scored.then_some(0.0), Some(0.0))
            }
            Some(a) if scored => {
                let s = answer_score(question, &a.value).unwrap_or(0.0);
                ("scored", Some(s), Some(s))
            }
            Some(a) if question.kind.has_options() => (
                "unscored",
                None,
                answer_score(question, &a.value).or(Some(1.0)),
            ),
            Some(_) => ("unscored", None, Some(1.0)),
        };
        let contribution = score.map(|s| s * question.weight).unwrap_or(0.0);
        if score.is_some() {
            points += contribution;
            max_points += question.weight;
        }
        for control in &question.controls {
            let entry = per_control.entry(control.clone()).or_default();
            entry.1.push(question.key.clone());
            if let Some(v) = control_value {
                entry.0.push(v);
            }
        }
        explanation.push(QuestionContribution {
            question: question.key.clone(),
            text: question.text.clone(),
            score: score.map(round),
            weight: question.weight,
            contribution: round(contribution),
            basis: basis.to_owned(),
        });
    }
    let controls = per_control
        .into_iter()
        .map(|(control_id, (values, questions))| {
            let ratio =
                (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
            let answered = questions
                .iter()
                .any(|q| answers.get(q).is_some_and(|a| !a.not_applicable));
            let result = match ratio {
                _ if !answered => ControlResult::NotAnswered,
                None => ControlResult::NotAnswered,
                Some(r) if r >= MET_FROM => ControlResult::Met,
                Some(r) if r >= PARTIALLY_MET_FROM => ControlResult::PartiallyMet,
                Some(_) => ControlResult::NotMet,
            };
            ControlOutcome {
                control_id,
                result,
                ratio: ratio.map(round),
                questions,
            }
        })
        .collect();
    Scorecard {
        score: (max_points > 0.0).then(|| round(points / max_points * 100.0)),
        max_points: round(max_points),
        points: round(points),
        controls,
        explanation,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn content() -> TemplateContent {
        serde_json::from_value::<TemplateContent>(json!({"sections": [{"title": "S", "questions": [
            {"key": "trains", "text": "Train on our data?", "type": "yes_no", "required": true, "weight": 2,
             "options": [{"value": "yes", "label": "Yes", "score": 0}, {"value": "no", "label": "No", "score": 1}],
             "controls": ["iso42001:A.7.3"]},
            {"key": "opt_out", "text": "Contractual opt-out?", "type": "yes_no", "required": true,
             "show_if": {"question": "trains", "any_of": ["yes"]}, "controls": ["iso42001:A.7.3", "iso42001:A.10.3"]},
            {"key": "regions", "text": "Regions", "type": "multi_choice", "allow_not_applicable": true,
             "options": [{"value": "eu", "label": "EU", "score": 1}, {"value": "us", "label": "US", "score": 0.5}],
             "controls": ["iso42001:A.10.3"]},
            {"key": "policy", "text": "Policy link", "type": "text", "weight": 0, "controls": ["iso42001:A.10.2"]}
        ]}]}))
        .unwrap()
        .normalised()
        .unwrap()
    }

    fn answer(question: &str, value: Value) -> (String, Answer) {
        (
            question.to_owned(),
            Answer {
                question: question.to_owned(),
                value,
                not_applicable: false,
                comment: None,
                verdict: None,
                review_comment: None,
            },
        )
    }

    fn keys(content: &TemplateContent, answers: &Answers) -> Vec<String> {
        visible_questions(content, answers)
            .into_iter()
            .map(|q| q.key.clone())
            .collect()
    }

    #[test]
    fn conditional_questions_appear_with_the_answer_that_shows_them() {
        let c = content();
        let mut answers = Answers::default();
        assert_eq!(keys(&c, &answers), ["trains", "regions", "policy"]);
        answers.extend([answer("trains", json!("yes"))]);
        assert_eq!(
            keys(&c, &answers),
            ["trains", "opt_out", "regions", "policy"]
        );
        assert_eq!(unanswered_required(&c, &answers), ["opt_out"]);
    }

    #[test]
    fn answers_are_checked_against_their_question() {
        let c = content();
        let ok = |_: &str| true;
        let trains = c.question("trains").unwrap();
        assert!(check_answer("a", trains, &json!("no"), false, &ok).is_ok());
        assert_eq!(
            check_answer("a", trains, &json!("maybe"), false, &ok)
                .unwrap_err()
                .code,
            "option"
        );
        assert_eq!(
            check_answer("a", trains, &json!(true), false, &ok)
                .unwrap_err()
                .code,
            "type"
        );
        assert_eq!(
            check_answer("a", trains, &Value::Null, true, &ok)
                .unwrap_err()
                .field,
            "a.not_applicable"
        );
        let regions = c.question("regions").unwrap();
        assert!(check_answer("a", regions, &Value::Null, true, &ok).is_ok());
        assert_eq!(
            check_answer("a", regions, &json!(["eu", "eu"]), false, &ok)
                .unwrap_err()
                .field,
            "a.value[1]"
        );
    }

    #[test]
    fn scores_weigh_answers_exclude_na_and_explain_each_question() {
        let c = content();
        let answers: Answers = [
            answer("trains", json!("yes")),
            answer("opt_out", json!("yes")),
            answer("regions", json!(["eu", "us"])),
            answer("policy", json!("https://example.com/policy")),
        ]
        .into_iter()
        .collect();
        let card = score(&c, &answers);
        // trains 0×2, opt_out 1×1, regions 0.75×1 → 1.75 / 4.
        assert_eq!(card.points, 1.75);
        assert_eq!(card.max_points, 4.0);
        assert_eq!(card.score, Some(43.75));
        let a73 = card
            .controls
            .iter()
            .find(|c| c.control_id == "iso42001:A.7.3")
            .unwrap();
        assert_eq!(a73.result, ControlResult::PartiallyMet);
        let a102 = card
            .controls
            .iter()
            .find(|c| c.control_id == "iso42001:A.10.2")
            .unwrap();
        assert_eq!(a102.result, ControlResult::Met);
        assert_eq!(card.explanation[3].basis, "unscored");

        let mut na = answers.clone();
        na.insert(
            "regions".into(),
            Answer {
                value: Value::Null,
                not_applicable: true,
                ..answers["regions"].clone()
            },
        );
        let card = score(&c, &na);
        assert_eq!(card.max_points, 3.0);
        assert_eq!(card.explanation[2].basis, "not_applicable");

        let mut rejected = answers.clone();
        rejected.get_mut("opt_out").unwrap().verdict = Some(Verdict::Rejected);
        assert_eq!(score(&c, &rejected).points, 0.75);
    }

    #[test]
    fn the_lifecycle_only_moves_forward_or_back_to_the_vendor() {
        use AssessmentStatus::*;
        assert!(Draft.can_become(Sent));
        assert!(!Draft.can_become(Completed));
        assert!(InReview.can_become(Returned));
        assert!(Returned.can_become(InProgress));
        assert!(Completed.allowed_next().is_empty());
    }

    #[test]
    fn answers_read_as_text() {
        let answer = |value: Value, not_applicable: bool| Answer {
            question: "q".into(),
            value,
            not_applicable,
            comment: None,
            verdict: None,
            review_comment: None,
        };
        assert_eq!(answer_text(&answer(json!("yes"), false)), "yes");
        assert_eq!(answer_text(&answer(json!(["eu", "us"]), false)), "eu, us");
        assert_eq!(answer_text(&answer(json!(30), false)), "30");
        assert_eq!(answer_text(&answer(Value::Null, true)), "N/A");
        assert_eq!(answer_text(&answer(Value::Null, false)), "");
    }
}
