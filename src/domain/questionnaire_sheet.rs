//! A questionnaire template as a spreadsheet: one row per question, in order, sections named
//! in the first column.
//!
//! | column | holds |
//! |---|---|
//! | `section` | the section's title; consecutive rows with the same title form one section |
//! | `key`, `text`, `type`, `help` | as in the JSON form |
//! | `required`, `allow_not_applicable` | `yes`/`no` (also `true`/`false`, `1`/`0`; empty is no) |
//! | `weight` | a number; empty is 1 |
//! | `options` | one option per line: `value \| score \| label` |
//! | `controls` | control ids, separated by commas or lines |
//! | `show_if` | the condition as JSON, e.g. `{"question": "trains", "any_of": ["yes"]}` |

use std::collections::HashMap;

use super::questionnaire::{
    AnswerOption, Condition, Question, QuestionType, Section, TemplateContent,
};
use super::spreadsheet::{Cell, Sheet, Table};
use super::FieldError;
use crate::domain::ai_service::{enum_from_text, enum_to_text};

pub const COLUMNS: [&str; 11] = [
    "section",
    "key",
    "text",
    "type",
    "required",
    "weight",
    "allow_not_applicable",
    "options",
    "controls",
    "help",
    "show_if",
];

fn yes_no(value: bool) -> Cell {
    Cell::from(if value { "yes" } else { "no" })
}

pub fn to_sheet(content: &TemplateContent) -> Sheet {
    let rows = content
        .sections
        .iter()
        .flat_map(|section| {
            section.questions.iter().map(|q| {
                vec![
                    Cell::from(section.title.as_str()),
                    Cell::from(q.key.as_str()),
                    Cell::from(q.text.as_str()),
                    Cell::from(enum_to_text(&q.kind)),
                    yes_no(q.required),
                    Cell::from(q.weight),
                    yes_no(q.allow_not_applicable),
                    Cell::from(
                        q.options
                            .iter()
                            .map(|o| format!("{} | {} | {}", o.value, o.score, o.label))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    ),
                    Cell::from(q.controls.join(", ")),
                    Cell::from(q.help.clone().unwrap_or_default()),
                    Cell::from(
                        q.show_if
                            .as_ref()
                            .and_then(|c| serde_json::to_string(c).ok())
                            .unwrap_or_default(),
                    ),
                ]
            })
        })
        .collect();
    Sheet {
        name: "Questions".into(),
        header: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        rows,
    }
}

fn parse_flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "no" | "false" | "0" | "n" => Some(false),
        "yes" | "true" | "1" | "y" => Some(true),
        _ => None,
    }
}

fn parse_options(text: &str) -> Result<Vec<AnswerOption>, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, line)| {
            let mut parts = line.splitn(3, '|').map(str::trim);
            let (Some(value), Some(score), Some(label)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(format!(
                    "option line {} is not 'value | score | label'",
                    i + 1
                ));
            };
            let score = score
                .parse::<f64>()
                .map_err(|_| format!("option line {}: '{score}' is not a score", i + 1))?;
            Ok(AnswerOption {
                value: value.to_owned(),
                label: label.to_owned(),
                score,
            })
        })
        .collect()
}

/// Where each question came from: `(section index, question index)` → sheet row.
type RowOf = HashMap<(usize, usize), usize>;

/// Where a template read from a sheet came from, to name its problems by row.
#[derive(Debug, Clone, Default)]
pub struct SheetRows {
    row_of: RowOf,
    section_rows: Vec<usize>,
}

impl SheetRows {
    /// Renames `sections[..]` paths in `errors` (from any later check) to sheet rows.
    pub fn by_row(&self, errors: Vec<FieldError>) -> Vec<FieldError> {
        errors
            .into_iter()
            .map(|e| FieldError {
                field: row_field(&e.field, &self.row_of, &self.section_rows),
                ..e
            })
            .collect()
    }
}

/// Reads a template's content from a table; each problem names its row (`rows[7].type`).
/// The content is then checked like any other (keys, options, conditions, cycles), and those
/// problems are named by row too.
pub fn from_table(table: &Table) -> Result<(TemplateContent, SheetRows), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut columns = HashMap::new();
    for name in COLUMNS {
        match table.column(name) {
            Some(index) => {
                columns.insert(name, index);
            }
            None if matches!(name, "section" | "key" | "text" | "type") => {
                errors.push(FieldError::new(
                    format!("columns.{name}"),
                    "required",
                    format!("the header row needs a '{name}' column"),
                ))
            }
            None => {}
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if table.rows.is_empty() {
        return Err(vec![FieldError::new(
            "rows",
            "length",
            "the sheet has no questions",
        )]);
    }
    let mut sections: Vec<Section> = Vec::new();
    let mut row_of = RowOf::new();
    let mut section_rows = Vec::new();
    for (number, cells) in &table.rows {
        let at = format!("rows[{number}]");
        let cell = |name: &str| {
            columns
                .get(name)
                .and_then(|&i| cells.get(i))
                .map(|c| c.trim().to_owned())
                .unwrap_or_default()
        };
        let mut bad = |column: &str, code: &str, message: String| {
            errors.push(FieldError::new(format!("{at}.{column}"), code, message));
        };
        let kind = match enum_from_text::<QuestionType>(&cell("type")) {
            Some(kind) => kind,
            None => {
                bad(
                    "type",
                    "enum",
                    format!(
                        "'{}' is not one of yes_no, single_choice, multi_choice, text, number, date, evidence",
                        cell("type")
                    ),
                );
                QuestionType::Text
            }
        };
        let mut flag = |column: &str| {
            parse_flag(&cell(column)).unwrap_or_else(|| {
                bad(
                    column,
                    "type",
                    format!("'{}' is not yes or no", cell(column)),
                );
                false
            })
        };
        let required = flag("required");
        let allow_not_applicable = flag("allow_not_applicable");
        let weight = match cell("weight").as_str() {
            "" => 1.0,
            text => text.parse::<f64>().unwrap_or_else(|_| {
                bad("weight", "type", format!("'{text}' is not a number"));
                1.0
            }),
        };
        let options = parse_options(&cell("options")).unwrap_or_else(|m| {
            bad("options", "format", m);
            Vec::new()
        });
        let show_if = match cell("show_if").as_str() {
            "" => None,
            text => serde_json::from_str::<Condition>(text)
                .map_err(|_| {
                    bad(
                        "show_if",
                        "format",
                        "is not a condition such as {\"question\": \"key\", \"any_of\": [\"yes\"]}"
                            .into(),
                    )
                })
                .ok(),
        };
        let controls = cell("controls")
            .split([',', '\n'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        let help = Some(cell("help")).filter(|h| !h.is_empty());
        let question = Question {
            key: cell("key"),
            text: cell("text"),
            help,
            kind,
            required,
            options,
            weight,
            allow_not_applicable,
            controls,
            show_if,
        };
        let title = cell("section");
        if sections.last().is_none_or(|s| s.title != title) {
            sections.push(Section {
                title,
                questions: Vec::new(),
            });
            section_rows.push(*number);
        }
        let s = sections.len() - 1;
        let section = &mut sections[s];
        row_of.insert((s, section.questions.len()), *number);
        section.questions.push(question);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let rows = SheetRows {
        row_of,
        section_rows,
    };
    match (TemplateContent { sections }).normalised() {
        Ok(content) => Ok((content, rows)),
        Err(errors) => Err(rows.by_row(errors)),
    }
}

/// `sections[1].questions[2].show_if.question` → `rows[9].show_if.question`;
/// `sections[1].title` → `rows[7].section`.
fn row_field(field: &str, row_of: &RowOf, section_rows: &[usize]) -> String {
    let index = |text: &str, prefix: &str| -> Option<(usize, usize)> {
        let rest = text.strip_prefix(prefix)?;
        let end = rest.find(']')?;
        Some((rest[..end].parse().ok()?, prefix.len() + end + 1))
    };
    let Some((s, used)) = index(field, "sections[") else {
        return field.replacen("sections", "rows", 1);
    };
    let rest = &field[used..];
    if let Some((q, used)) = index(rest, ".questions[") {
        if let Some(row) = row_of.get(&(s, q)) {
            return format!("rows[{row}]{}", &rest[used..]);
        }
    }
    match (rest, section_rows.get(s)) {
        (".title", Some(row)) => format!("rows[{row}].section"),
        _ => field.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::spreadsheet::{read_csv, write_csv};

    fn content() -> TemplateContent {
        serde_json::from_value(serde_json::json!({"sections": [
            {"title": "Data", "questions": [
                {"key": "trains", "text": "Do you train on our data?", "type": "yes_no", "required": true, "weight": 2,
                 "options": [{"value": "yes", "label": "Yes, we do", "score": 0}, {"value": "no", "label": "No", "score": 1}],
                 "controls": ["iso42001:A.7.3", "iso42001:A.10.3"]},
                {"key": "opt_out", "text": "Opt-out?", "type": "text", "help": "Name the clause",
                 "show_if": {"question": "trains", "any_of": ["yes"]}}
            ]},
            {"title": "Ops", "questions": [
                {"key": "regions", "text": "=Where?", "type": "multi_choice", "allow_not_applicable": true,
                 "options": [{"value": "eu", "label": "EU", "score": 1}, {"value": "us", "label": "US", "score": 0.5}]}
            ]}
        ]}))
        .unwrap()
    }

    #[test]
    fn a_template_survives_the_round_trip_through_csv() {
        let original = content().normalised().unwrap();
        let csv = write_csv(&to_sheet(&original)).unwrap();
        let (back, _) = from_table(&read_csv(&csv).unwrap()).unwrap();
        assert_eq!(back, original);
    }

    #[test]
    fn bad_rows_are_named() {
        let csv = "section,key,text,type,required,weight,options,show_if\n\
                   Data,a,Question A,yes_no,maybe,heavy,,\n\
                   Data,b,Question B,essay,,,,\n\
                   Data,c,Question C,single_choice,,,only one part,\n\
                   Data,d,Question D,text,,,,{not json\n\
                   Data,a,Question E,text,,,,\n";
        let errors = from_table(&read_csv(csv.as_bytes()).unwrap()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "rows[2].required",
                "rows[2].weight",
                "rows[3].type",
                "rows[4].options",
                "rows[5].show_if"
            ]
        );
        let csv = "section,key,text,type,show_if\n\
                   Data,a,Question A,text,\n\
                   Data,a,Question B,text,\n\
                   ,c,Question C,text,\"{\"\"question\"\": \"\"zz\"\", \"\"any_of\"\": [\"\"x\"\"]}\"\n";
        let errors = from_table(&read_csv(csv.as_bytes()).unwrap()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["rows[3].key", "rows[4].section"]);
        let errors = from_table(&read_csv(b"key,text\n").unwrap()).unwrap_err();
        assert_eq!(errors[0].field, "columns.section");
    }
}
