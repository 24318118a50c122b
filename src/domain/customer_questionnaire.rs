//! Customer questionnaires: the AI-governance questions a customer sends, read from the file
//! they came in, answered from the library, reviewed, and written back in the same shape.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

use super::answer_library::Suggestion;
use super::spreadsheet::{Cell, Sheet, Table, MAX_ROWS};
use super::FieldError;

/// Questions one questionnaire may hold: as many rows as a spreadsheet import reads.
pub const MAX_QUESTIONS: usize = MAX_ROWS;
/// Longest question kept.
pub const MAX_QUESTION_CHARS: usize = 5_000;
/// Longest answer kept.
pub const MAX_ANSWER_CHARS: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionnaireStatus {
    Imported,
    /// Someone has answered at least one question.
    InProgress,
    /// Every question answered; waiting for a reviewer.
    InReview,
    Approved,
    /// Approved and exported at least once.
    Exported,
}

impl QuestionnaireStatus {
    /// Moves a person may ask for; `in_progress` on the first answer and `exported` on the first
    /// export of an approved questionnaire happen by themselves.
    pub fn allowed_next(self) -> &'static [QuestionnaireStatus] {
        use QuestionnaireStatus::*;
        match self {
            Imported => &[InReview],
            InProgress => &[InReview],
            InReview => &[InProgress, Approved],
            Approved => &[InProgress],
            Exported => &[InProgress],
        }
    }

    pub fn can_become(self, next: QuestionnaireStatus) -> bool {
        self.allowed_next().contains(&next)
    }

    /// Answers may change until the questionnaire goes to review.
    pub fn accepts_answers(self) -> bool {
        matches!(
            self,
            QuestionnaireStatus::Imported | QuestionnaireStatus::InProgress
        )
    }

    pub fn can_export(self) -> bool {
        matches!(
            self,
            QuestionnaireStatus::Approved | QuestionnaireStatus::Exported
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Json,
    Csv,
    Xlsx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnswerSource {
    /// A library answer taken as it stands.
    Library,
    /// A library answer changed before use.
    Edited,
    /// Written for this question.
    Written,
}

/// Where things are in the file the questionnaire came as, to write it back the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Layout {
    /// The header row as it came (for JSON: `id`, `section`, `question`).
    pub header: Vec<String>,
    pub question_column: usize,
    pub section_column: Option<usize>,
    pub id_column: Option<usize>,
    /// The column answers are written to: the file's own when it had one by that name, or
    /// one added after the last.
    pub answer_column: usize,
    pub answer_column_name: String,
}

/// How to read a spreadsheet: the names of its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    pub question: String,
    pub section: Option<String>,
    pub id: Option<String>,
    pub answer: String,
}

/// One question as read from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedQuestion {
    /// The question's row in the sheet (the header is row 1); none for JSON.
    pub row_number: Option<usize>,
    pub section: Option<String>,
    pub reference: Option<String>,
    pub text: String,
    pub cells: Vec<String>,
}

fn blank_to_none(value: Option<&String>) -> Option<String> {
    value
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn check_question(field: String, text: &str, errors: &mut Vec<FieldError>) {
    if text.trim().is_empty() {
        errors.push(FieldError::new(field, "required", "the question is empty"));
    } else if text.chars().count() > MAX_QUESTION_CHARS {
        errors.push(FieldError::new(
            field,
            "length",
            format!("is longer than {MAX_QUESTION_CHARS} characters"),
        ));
    }
}

fn too_many(count: usize) -> Option<FieldError> {
    (count > MAX_QUESTIONS).then(|| {
        FieldError::new(
            "questions",
            "too_many",
            format!("{count} questions; at most {MAX_QUESTIONS} in one questionnaire, split it"),
        )
    })
}

/// Reads the questions out of a spreadsheet's rows. Every row must ask something: a blank
/// question is named by its row (`rows[7].Question`), and nothing is imported then.
pub fn from_table(
    table: &Table,
    columns: &Columns,
) -> Result<(Layout, Vec<ImportedQuestion>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let find = |param: &str, name: &str, errors: &mut Vec<FieldError>| {
        let found = table.column(name);
        if found.is_none() {
            errors.push(FieldError::new(
                param,
                "not_found",
                format!(
                    "no column named '{name}' in the header (it has: {})",
                    table.header.join(", ")
                ),
            ));
        }
        found
    };
    let question_column = find("question_column", &columns.question, &mut errors);
    let section_column = columns
        .section
        .as_deref()
        .and_then(|name| find("section_column", name, &mut errors));
    let id_column = columns
        .id
        .as_deref()
        .and_then(|name| find("id_column", name, &mut errors));
    let Some(question_column) = question_column.filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    if table.rows.is_empty() {
        return Err(vec![FieldError::new(
            "body",
            "empty",
            "the file has a header but no questions under it",
        )]);
    }
    let header_name = table.header[question_column].trim().to_owned();
    let mut questions = Vec::with_capacity(table.rows.len());
    for (row_number, cells) in &table.rows {
        let text = cells
            .get(question_column)
            .map(|t| t.trim().to_owned())
            .unwrap_or_default();
        check_question(
            format!("rows[{row_number}].{header_name}"),
            &text,
            &mut errors,
        );
        questions.push(ImportedQuestion {
            row_number: Some(*row_number),
            section: section_column.and_then(|c| blank_to_none(cells.get(c))),
            reference: id_column.and_then(|c| blank_to_none(cells.get(c))),
            text,
            cells: cells.clone(),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let (answer_column, answer_column_name) = match table.column(&columns.answer) {
        Some(c) => (c, table.header[c].clone()),
        None => (table.header.len(), columns.answer.trim().to_owned()),
    };
    Ok((
        Layout {
            header: table.header.clone(),
            question_column,
            section_column,
            id_column,
            answer_column,
            answer_column_name,
        },
        questions,
    ))
}

/// A question of a questionnaire sent as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonQuestion {
    /// The customer's own id for the question.
    #[schema(example = "AI-07")]
    pub id: Option<String>,
    #[schema(example = "Model governance")]
    pub section: Option<String>,
    #[schema(example = "Is our data ever used to train your AI models?")]
    pub question: String,
}

pub const JSON_HEADER: [&str; 3] = ["id", "section", "question"];

/// The layout and questions of a JSON questionnaire; each empty question is named by index.
pub fn from_json(
    questions: &[JsonQuestion],
) -> Result<(Layout, Vec<ImportedQuestion>), Vec<FieldError>> {
    if let Some(e) = too_many(questions.len()) {
        return Err(vec![e]);
    }
    if questions.is_empty() {
        return Err(vec![FieldError::new(
            "questions",
            "empty",
            "a questionnaire needs at least one question",
        )]);
    }
    let mut errors = Vec::new();
    let imported = questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            check_question(format!("questions[{i}].question"), &q.question, &mut errors);
            ImportedQuestion {
                row_number: None,
                section: blank_to_none(q.section.as_ref()),
                reference: blank_to_none(q.id.as_ref()),
                text: q.question.trim().to_owned(),
                cells: vec![
                    q.id.clone().unwrap_or_default(),
                    q.section.clone().unwrap_or_default(),
                    q.question.clone(),
                ],
            }
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((
        Layout {
            header: JSON_HEADER.map(str::to_owned).to_vec(),
            question_column: 2,
            section_column: Some(1),
            id_column: Some(0),
            answer_column: 3,
            answer_column_name: "answer".into(),
        },
        imported,
    ))
}

/// A question with its suggestions and answer, as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CustomerQuestion {
    pub id: String,
    /// Order in the questionnaire, from 1.
    pub position: i64,
    /// Row in the file it came from (the header is row 1).
    pub row_number: Option<i64>,
    pub section: Option<String>,
    /// The customer's id for the question.
    pub reference: Option<String>,
    pub text: String,
    /// Library entries that may answer it, best first.
    #[schema(value_type = Vec<Suggestion>)]
    pub suggestions: SuggestionsJson,
    /// No suggestion is approved with at least medium confidence: a person should answer.
    pub needs_human: bool,
    pub answer: Option<String>,
    pub answer_source: Option<AnswerSource>,
    /// The library entry the answer came from, or was saved to.
    pub entry_id: Option<String>,
    pub answered_by: Option<String>,
    #[schema(format = DateTime)]
    pub answered_at: Option<String>,
}

/// A question's suggestions as the JSON they were stored in: written once when they are made
/// and passed through as it is, not parsed and written again for every response (a
/// 300-question questionnaire carries about half a megabyte of them).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SuggestionsJson(Box<RawValue>);

impl SuggestionsJson {
    pub fn of(suggestions: &[Suggestion]) -> serde_json::Result<Self> {
        serde_json::value::to_raw_value(suggestions).map(Self)
    }

    pub fn as_str(&self) -> &str {
        self.0.get()
    }
}

impl PartialEq for SuggestionsJson {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

/// A questionnaire without its questions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "01936b2e-8f4a-7c3e-9a57-2f1d3c4b5a70",
    "customer": "Globex Bank",
    "title": "AI vendor assessment 2027",
    "source_format": "xlsx",
    "answer_column": "Response",
    "status": "in_progress",
    "owner": "sam@example.com",
    "due_date": "2027-01-15",
    "question_count": 120,
    "answered_count": 87,
    "needs_human_count": 9,
    "version": 14,
    "created_by": "sam@example.com",
    "created_at": "2026-12-01T09:00:00.000000Z",
    "updated_at": "2026-12-01T11:00:00.000000Z"
}))]
pub struct CustomerQuestionnaire {
    pub id: String,
    pub customer: String,
    pub title: String,
    pub source_format: FileFormat,
    /// The column answers are written to on export.
    pub answer_column: String,
    pub status: QuestionnaireStatus,
    pub owner: Option<String>,
    #[schema(format = Date)]
    pub due_date: Option<String>,
    pub question_count: i64,
    pub answered_count: i64,
    /// Questions still unanswered that the library could not answer with confidence.
    pub needs_human_count: i64,
    pub version: i64,
    pub created_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// The questionnaire as a sheet again: the columns it came with, answers in their column.
pub fn to_sheet(layout: &Layout, questions: &[CustomerQuestion], cells: &[Vec<String>]) -> Sheet {
    let mut header = layout.header.clone();
    if layout.answer_column >= header.len() {
        header.resize(layout.answer_column, String::new());
        header.push(layout.answer_column_name.clone());
    }
    let width = header.len();
    let rows = questions
        .iter()
        .zip(cells)
        .map(|(question, cells)| {
            let mut row: Vec<Cell> = cells.iter().map(|c| Cell::Text(c.clone())).collect();
            row.resize(width, Cell::Text(String::new()));
            row[layout.answer_column] = Cell::Text(question.answer.clone().unwrap_or_default());
            row
        })
        .collect();
    Sheet {
        name: "Questionnaire".into(),
        header,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            header: vec![
                "Ref".into(),
                "Area".into(),
                "Question".into(),
                "Response".into(),
            ],
            rows: vec![
                (
                    2,
                    vec![
                        "1".into(),
                        "Data".into(),
                        "Do you train on our data?".into(),
                    ],
                ),
                (
                    4,
                    vec!["2".into(), "".into(), "Who owns AI risk?".into(), "".into()],
                ),
            ],
        }
    }

    fn columns() -> Columns {
        Columns {
            question: "question".into(),
            section: Some("area".into()),
            id: Some("ref".into()),
            answer: "Response".into(),
        }
    }

    #[test]
    fn a_sheet_is_read_by_its_named_columns() {
        let (layout, questions) = from_table(&table(), &columns()).unwrap();
        assert_eq!(layout.question_column, 2);
        assert_eq!(layout.answer_column, 3);
        assert_eq!(questions[0].section.as_deref(), Some("Data"));
        assert_eq!(questions[1].section, None);
        assert_eq!(questions[1].reference.as_deref(), Some("2"));
        assert_eq!(questions[1].row_number, Some(4));
    }

    #[test]
    fn missing_columns_and_blank_questions_are_named() {
        let mut cols = columns();
        cols.question = "Query".into();
        cols.id = Some("Number".into());
        let errors = from_table(&table(), &cols).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["question_column", "id_column"]);
        let mut t = table();
        t.rows[1].1[2] = "  ".into();
        let errors = from_table(&t, &columns()).unwrap_err();
        assert_eq!(errors[0].field, "rows[4].Question");
    }

    #[test]
    fn an_answer_column_is_added_when_the_file_has_none() {
        let mut cols = columns();
        cols.answer = "Answer".into();
        let (layout, _) = from_table(&table(), &cols).unwrap();
        assert_eq!(layout.answer_column, 4);
        let question = CustomerQuestion {
            id: "q".into(),
            position: 1,
            row_number: Some(2),
            section: None,
            reference: None,
            text: "Do you train on our data?".into(),
            suggestions: SuggestionsJson::of(&[]).unwrap(),
            needs_human: false,
            answer: Some("No.".into()),
            answer_source: Some(AnswerSource::Written),
            entry_id: None,
            answered_by: None,
            answered_at: None,
        };
        let sheet = to_sheet(&layout, &[question], &[table().rows[0].1.clone()]);
        assert_eq!(
            sheet.header,
            ["Ref", "Area", "Question", "Response", "Answer"]
        );
        assert_eq!(sheet.rows[0][4], Cell::Text("No.".into()));
        assert_eq!(sheet.rows[0][3], Cell::Text(String::new()));
    }

    #[test]
    fn json_questionnaires_need_questions() {
        assert_eq!(from_json(&[]).unwrap_err()[0].field, "questions");
        let q = |t: &str| JsonQuestion {
            id: None,
            section: None,
            question: t.into(),
        };
        assert_eq!(
            from_json(&[q("fine?"), q(" ")]).unwrap_err()[0].field,
            "questions[1].question"
        );
        let many: Vec<JsonQuestion> = (0..=MAX_QUESTIONS).map(|_| q("x")).collect();
        assert_eq!(from_json(&many).unwrap_err()[0].code, "too_many");
    }
}
