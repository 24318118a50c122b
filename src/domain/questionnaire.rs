//! Questionnaire templates: sections of ordered questions with answer options, scores,
//! weights, mapped controls and display conditions; the rules that make a template sound.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::FieldError;

pub const MAX_SECTIONS: usize = 50;
pub const MAX_QUESTIONS: usize = 500;
pub const MAX_OPTIONS: usize = 50;
pub const MAX_CONTROLS_PER_QUESTION: usize = 20;
pub const MAX_CONDITION_DEPTH: usize = 5;
pub const MAX_KEY: usize = 64;
pub const MAX_TEXT: usize = 2000;
pub const MAX_WEIGHT: f64 = 100.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    YesNo,
    SingleChoice,
    MultiChoice,
    Text,
    Number,
    Date,
    Evidence,
}

impl QuestionType {
    /// Yes/no and choice questions: answered with option values, and scored.
    pub fn has_options(self) -> bool {
        matches!(
            self,
            QuestionType::YesNo | QuestionType::SingleChoice | QuestionType::MultiChoice
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerOption {
    /// The stored answer: letters, digits, `.`, `-`, `_`.
    #[schema(example = "yes")]
    pub value: String,
    #[schema(example = "Yes")]
    pub label: String,
    /// The answer's score, 0 (worst) to 1 (best).
    #[schema(example = 1.0, minimum = 0, maximum = 1)]
    pub score: f64,
}

/// When a question is shown: an answer condition, or all / any of nested conditions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Condition {
    /// Shown when `question` was answered with one of `any_of`.
    Answer(AnswerCondition),
    All(AllCondition),
    Any(AnyCondition),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerCondition {
    #[schema(example = "trains_on_data")]
    pub question: String,
    #[schema(example = json!(["yes"]))]
    pub any_of: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllCondition {
    #[schema(no_recursion)]
    pub all: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnyCondition {
    #[schema(no_recursion)]
    pub any: Vec<Condition>,
}

fn default_weight() -> f64 {
    1.0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Unique within the template: letters, digits, `.`, `-`, `_`.
    #[schema(example = "trains_on_data")]
    pub key: String,
    #[schema(example = "Do you use customer data to train or improve your models?")]
    pub text: String,
    pub help: Option<String>,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    #[serde(default)]
    pub required: bool,
    /// Answer options with their scores; `yes_no` questions get yes (1) / no (0) when omitted.
    #[serde(default)]
    pub options: Vec<AnswerOption>,
    #[serde(default = "default_weight")]
    #[schema(example = 1.0, minimum = 0, maximum = 100)]
    pub weight: f64,
    #[serde(default)]
    pub allow_not_applicable: bool,
    /// Control ids the answer evidences.
    #[serde(default)]
    #[schema(example = json!(["iso42001:A.10.3"]))]
    pub controls: Vec<String>,
    pub show_if: Option<Condition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Section {
    #[schema(example = "Training and data use")]
    pub title: String,
    pub questions: Vec<Question>,
}

/// A template version's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateContent {
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// Editable; cannot be sent to vendors.
    Draft,
    /// Immutable; can be sent to vendors.
    Published,
}

/// A template version without its questions.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct VersionSummary {
    pub id: String,
    #[schema(example = 1)]
    pub number: i32,
    pub status: VersionStatus,
    #[schema(example = 58)]
    pub question_count: i32,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(format = DateTime)]
    pub published_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct QuestionnaireTemplate {
    pub id: String,
    #[schema(example = "AI supplier due diligence")]
    pub name: String,
    pub description: Option<String>,
    /// Shipped with annexa and read-only.
    pub built_in: bool,
    /// Oldest first.
    pub versions: Vec<VersionSummary>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A template version with its questions.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TemplateVersion {
    pub template_id: String,
    #[serde(flatten)]
    pub summary: VersionSummary,
    pub sections: Vec<Section>,
}

fn is_key(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= MAX_KEY
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

fn yes_no_options() -> Vec<AnswerOption> {
    vec![
        AnswerOption {
            value: "yes".into(),
            label: "Yes".into(),
            score: 1.0,
        },
        AnswerOption {
            value: "no".into(),
            label: "No".into(),
            score: 0.0,
        },
    ]
}

impl TemplateContent {
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }

    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions().find(|q| q.key == key)
    }

    /// The questions by key, for callers that look up many (`question` walks the sections).
    pub fn questions_by_key(&self) -> rustc_hash::FxHashMap<&str, &Question> {
        self.questions().map(|q| (q.key.as_str(), q)).collect()
    }

    /// Every control id the questions map to, once each.
    pub fn control_ids(&self) -> Vec<String> {
        let mut seen = HashSet::new();
        self.questions()
            .flat_map(|q| q.controls.iter())
            .filter(|c| seen.insert(c.as_str()))
            .cloned()
            .collect()
    }

    /// Checks the content and fills in defaults (trimmed texts, yes/no options). Every problem
    /// is reported with its path, e.g. `sections[0].questions[2].show_if.question`.
    pub fn normalised(mut self) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.sections.is_empty() || self.sections.len() > MAX_SECTIONS {
            errors.push(FieldError::new(
                "sections",
                "length",
                format!("must have 1 to {MAX_SECTIONS} sections"),
            ));
        }
        let total: usize = self.sections.iter().map(|s| s.questions.len()).sum();
        if total > MAX_QUESTIONS {
            errors.push(FieldError::new(
                "sections",
                "length",
                format!("at most {MAX_QUESTIONS} questions in all"),
            ));
        }
        let mut keys: HashMap<String, String> = HashMap::new();
        for (s, section) in self.sections.iter_mut().enumerate() {
            let at = format!("sections[{s}]");
            section.title = section.title.trim().to_owned();
            if section.title.is_empty() || section.title.chars().count() > 300 {
                errors.push(FieldError::new(
                    format!("{at}.title"),
                    "length",
                    "must be between 1 and 300 characters",
                ));
            }
            if section.questions.is_empty() {
                errors.push(FieldError::new(
                    format!("{at}.questions"),
                    "length",
                    "a section needs at least one question",
                ));
            }
            for (q, question) in section.questions.iter_mut().enumerate() {
                let at = format!("{at}.questions[{q}]");
                normalise_question(&at, question, &mut errors);
                if let Some(first) = keys.insert(question.key.clone(), at.clone()) {
                    errors.push(FieldError::new(
                        format!("{at}.key"),
                        "duplicate",
                        format!("'{}' is also the key of {first}", question.key),
                    ));
                }
            }
        }
        if errors.is_empty() {
            check_conditions(&self, &keys, &mut errors);
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

fn normalise_question(at: &str, q: &mut Question, errors: &mut Vec<FieldError>) {
    q.key = q.key.trim().to_owned();
    if !is_key(&q.key) {
        errors.push(FieldError::new(
            format!("{at}.key"),
            "pattern",
            format!("must be 1 to {MAX_KEY} letters, digits, '.', '-' or '_'"),
        ));
    }
    q.text = q.text.trim().to_owned();
    if q.text.is_empty() || q.text.chars().count() > MAX_TEXT {
        errors.push(FieldError::new(
            format!("{at}.text"),
            "length",
            format!("must be between 1 and {MAX_TEXT} characters"),
        ));
    }
    q.help = q
        .help
        .take()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty());
    if q.help
        .as_ref()
        .is_some_and(|h| h.chars().count() > MAX_TEXT)
    {
        errors.push(FieldError::new(
            format!("{at}.help"),
            "length",
            format!("at most {MAX_TEXT} characters"),
        ));
    }
    if !(0.0..=MAX_WEIGHT).contains(&q.weight) || !q.weight.is_finite() {
        errors.push(FieldError::new(
            format!("{at}.weight"),
            "range",
            format!("must be from 0 to {MAX_WEIGHT}"),
        ));
    }
    if q.kind == QuestionType::YesNo && q.options.is_empty() {
        q.options = yes_no_options();
    }
    if q.kind.has_options() {
        if q.options.len() < 2 || q.options.len() > MAX_OPTIONS {
            errors.push(FieldError::new(
                format!("{at}.options"),
                "length",
                format!("a choice question needs 2 to {MAX_OPTIONS} options"),
            ));
        }
        if q.kind == QuestionType::YesNo {
            let mut values: Vec<&str> = q.options.iter().map(|o| o.value.as_str()).collect();
            values.sort_unstable();
            if values != ["no", "yes"] {
                errors.push(FieldError::new(
                    format!("{at}.options"),
                    "yes_no",
                    "a yes_no question's options are exactly 'yes' and 'no'",
                ));
            }
        }
        let mut seen = HashSet::new();
        for (i, option) in q.options.iter_mut().enumerate() {
            let at = format!("{at}.options[{i}]");
            option.value = option.value.trim().to_owned();
            option.label = option.label.trim().to_owned();
            if !is_key(&option.value) {
                errors.push(FieldError::new(
                    format!("{at}.value"),
                    "pattern",
                    format!("must be 1 to {MAX_KEY} letters, digits, '.', '-' or '_'"),
                ));
            } else if !seen.insert(option.value.clone()) {
                errors.push(FieldError::new(
                    format!("{at}.value"),
                    "duplicate",
                    format!("'{}' is already an option", option.value),
                ));
            }
            if option.label.is_empty() || option.label.chars().count() > 300 {
                errors.push(FieldError::new(
                    format!("{at}.label"),
                    "length",
                    "must be between 1 and 300 characters",
                ));
            }
            if !(0.0..=1.0).contains(&option.score) {
                errors.push(FieldError::new(
                    format!("{at}.score"),
                    "range",
                    "must be from 0 to 1",
                ));
            }
        }
    } else if !q.options.is_empty() {
        errors.push(FieldError::new(
            format!("{at}.options"),
            "not_allowed",
            "only yes_no, single_choice and multi_choice questions have options",
        ));
    }
    q.controls = super::vendor::dedup(q.controls.iter().map(|c| c.trim().to_owned()).collect());
    if q.controls.len() > MAX_CONTROLS_PER_QUESTION {
        errors.push(FieldError::new(
            format!("{at}.controls"),
            "length",
            format!("at most {MAX_CONTROLS_PER_QUESTION} controls per question"),
        ));
    }
}

/// Conditions must name earlier-or-later questions that exist, have options, and offer the
/// values named; a question may not depend on itself, directly or through others.
fn check_conditions(
    content: &TemplateContent,
    paths: &HashMap<String, String>,
    errors: &mut Vec<FieldError>,
) {
    let mut depends_on: HashMap<&str, Vec<&str>> = HashMap::new();
    for question in content.questions() {
        let Some(condition) = &question.show_if else {
            continue;
        };
        let at = format!("{}.show_if", paths[&question.key]);
        let mut referenced = Vec::new();
        check_condition(content, &at, condition, 1, &mut referenced, errors);
        depends_on.insert(question.key.as_str(), referenced);
    }
    if !errors.is_empty() {
        return;
    }
    let mut finished: HashSet<&str> = HashSet::new();
    let mut keys: Vec<&str> = depends_on.keys().copied().collect();
    keys.sort_unstable();
    for start in keys {
        let mut path = Vec::new();
        if let Some(cycle) = find_cycle(start, &depends_on, &mut path, &mut finished) {
            errors.push(FieldError::new(
                format!("{}.show_if", paths[start]),
                "cycle",
                format!("conditions form a cycle: {cycle}"),
            ));
            return;
        }
    }
}

/// Depth-first search from `node`; returns the cycle as `a -> b -> a` when there is one.
fn find_cycle<'a>(
    node: &'a str,
    depends_on: &HashMap<&'a str, Vec<&'a str>>,
    path: &mut Vec<&'a str>,
    finished: &mut HashSet<&'a str>,
) -> Option<String> {
    if let Some(at) = path.iter().position(|n| *n == node) {
        let mut cycle = path[at..].to_vec();
        cycle.push(node);
        return Some(cycle.join(" -> "));
    }
    if finished.contains(node) {
        return None;
    }
    path.push(node);
    for next in depends_on.get(node).map(Vec::as_slice).unwrap_or(&[]) {
        if let Some(cycle) = find_cycle(next, depends_on, path, finished) {
            return Some(cycle);
        }
    }
    path.pop();
    finished.insert(node);
    None
}

fn check_condition<'a>(
    content: &'a TemplateContent,
    at: &str,
    condition: &'a Condition,
    depth: usize,
    referenced: &mut Vec<&'a str>,
    errors: &mut Vec<FieldError>,
) {
    if depth > MAX_CONDITION_DEPTH {
        errors.push(FieldError::new(
            at,
            "depth",
            format!("conditions nest at most {MAX_CONDITION_DEPTH} deep"),
        ));
        return;
    }
    let nested = match condition {
        Condition::Answer(answer) => {
            match content.question(&answer.question) {
                None => errors.push(FieldError::new(
                    format!("{at}.question"),
                    "not_found",
                    format!("'{}' is not a question of this template", answer.question),
                )),
                Some(target) if !target.kind.has_options() => errors.push(FieldError::new(
                    format!("{at}.question"),
                    "type",
                    format!(
                        "'{}' has no options to compare; conditions need a yes_no or choice question",
                        answer.question
                    ),
                )),
                Some(target) => {
                    referenced.push(target.key.as_str());
                    if answer.any_of.is_empty() {
                        errors.push(FieldError::new(
                            format!("{at}.any_of"),
                            "length",
                            "name at least one answer",
                        ));
                    }
                    for (i, value) in answer.any_of.iter().enumerate() {
                        if !target.options.iter().any(|o| &o.value == value) {
                            errors.push(FieldError::new(
                                format!("{at}.any_of[{i}]"),
                                "not_found",
                                format!("'{value}' is not an option of '{}'", target.key),
                            ));
                        }
                    }
                }
            }
            return;
        }
        Condition::All(all) => ("all", &all.all),
        Condition::Any(any) => ("any", &any.any),
    };
    let (name, children) = nested;
    if children.is_empty() {
        errors.push(FieldError::new(
            format!("{at}.{name}"),
            "length",
            "name at least one condition",
        ));
    }
    for (i, child) in children.iter().enumerate() {
        check_condition(
            content,
            &format!("{at}.{name}[{i}]"),
            child,
            depth + 1,
            referenced,
            errors,
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn content(value: serde_json::Value) -> TemplateContent {
        serde_json::from_value(value).unwrap()
    }

    fn fields(result: Result<TemplateContent, Vec<FieldError>>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn yes_no_questions_get_default_options_and_texts_are_trimmed() {
        let c = content(json!({"sections": [{"title": " Data ", "questions": [
            {"key": "q1", "text": " Train on data? ", "type": "yes_no"}
        ]}]}))
        .normalised()
        .unwrap();
        assert_eq!(c.sections[0].title, "Data");
        let q = &c.sections[0].questions[0];
        assert_eq!(q.text, "Train on data?");
        assert_eq!(q.options.len(), 2);
        assert_eq!(q.weight, 1.0);
    }

    #[test]
    fn unknown_questions_and_values_in_conditions_are_refused() {
        let result = content(json!({"sections": [{"title": "S", "questions": [
            {"key": "q1", "text": "A", "type": "yes_no"},
            {"key": "q2", "text": "B", "type": "text", "show_if": {"question": "q9", "any_of": ["yes"]}},
            {"key": "q3", "text": "C", "type": "text", "show_if": {"all": [{"question": "q1", "any_of": ["maybe"]}]}},
            {"key": "q4", "text": "D", "type": "text", "show_if": {"question": "q2", "any_of": ["x"]}}
        ]}]}))
        .normalised();
        assert_eq!(
            fields(result),
            [
                "sections[0].questions[1].show_if.question",
                "sections[0].questions[2].show_if.all[0].any_of[0]",
                "sections[0].questions[3].show_if.question"
            ]
        );
    }

    #[test]
    fn cycles_are_refused() {
        let result = content(json!({"sections": [{"title": "S", "questions": [
            {"key": "a", "text": "A", "type": "yes_no", "show_if": {"question": "c", "any_of": ["yes"]}},
            {"key": "b", "text": "B", "type": "yes_no", "show_if": {"question": "a", "any_of": ["yes"]}},
            {"key": "c", "text": "C", "type": "yes_no", "show_if": {"any": [{"question": "b", "any_of": ["no"]}]}}
        ]}]}))
        .normalised()
        .unwrap_err();
        assert_eq!(result.len(), 1);
        assert_eq!(result[0].code, "cycle");
        let selfish = content(json!({"sections": [{"title": "S", "questions": [
            {"key": "a", "text": "A", "type": "yes_no", "show_if": {"question": "a", "any_of": ["yes"]}}
        ]}]}))
        .normalised()
        .unwrap_err();
        assert_eq!(selfish[0].code, "cycle");
    }

    #[test]
    fn options_keys_and_weights_are_checked() {
        let result = content(json!({"sections": [{"title": "S", "questions": [
            {"key": "bad key", "text": "A", "type": "single_choice", "options": [{"value": "a", "label": "A", "score": 2}]},
            {"key": "q2", "text": "B", "type": "text", "options": [{"value": "a", "label": "A", "score": 1}], "weight": -1},
            {"key": "q2", "text": "C", "type": "yes_no", "options": [{"value": "si", "label": "Sí", "score": 1}, {"value": "no", "label": "No", "score": 0}]}
        ]}]}))
        .normalised();
        assert_eq!(
            fields(result),
            [
                "sections[0].questions[0].key",
                "sections[0].questions[0].options",
                "sections[0].questions[0].options[0].score",
                "sections[0].questions[1].weight",
                "sections[0].questions[1].options",
                "sections[0].questions[2].options",
                "sections[0].questions[2].key"
            ]
        );
    }
}
