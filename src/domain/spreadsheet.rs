//! Tables in and out of XLSX (rust_xlsxwriter to write, calamine to read) and CSV.
//!
//! A table is a header row and rows of text. Text that a spreadsheet program would run as a
//! formula (`=`, `+`, `-`, `@`, tab or CR first) is written to CSV with a leading `'`, which
//! reading takes off again; XLSX cells are written as strings, never as formulas.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook};

pub const XLSX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Rows read from one file at most; more is refused rather than half-imported.
pub const MAX_ROWS: usize = 5_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
}

impl From<&str> for Cell {
    fn from(value: &str) -> Self {
        Cell::Text(value.to_owned())
    }
}

impl From<String> for Cell {
    fn from(value: String) -> Self {
        Cell::Text(value)
    }
}

impl From<f64> for Cell {
    fn from(value: f64) -> Self {
        Cell::Number(value)
    }
}

/// One worksheet to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// What was read: the header and the rows under it, each with its row number in the sheet
/// (the header is row 1), fully blank rows left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// The column named `name` (case and surrounding spaces ignored).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name.trim()))
    }
}

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn guard(text: &str) -> String {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn unguard(text: String) -> String {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest.to_owned(),
        _ => text,
    }
}

fn number_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

pub fn write_xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, String> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(&sheet.name).map_err(|e| e.to_string())?;
        for (c, title) in sheet.header.iter().enumerate() {
            let col = u16::try_from(c).map_err(|e| e.to_string())?;
            worksheet
                .write_string_with_format(0, col, title, &bold)
                .map_err(|e| e.to_string())?;
        }
        worksheet
            .set_freeze_panes(1, 0)
            .map_err(|e| e.to_string())?;
        for (r, row) in sheet.rows.iter().enumerate() {
            let at = u32::try_from(r + 1).map_err(|e| e.to_string())?;
            for (c, cell) in row.iter().enumerate() {
                let col = u16::try_from(c).map_err(|e| e.to_string())?;
                match cell {
                    Cell::Text(text) if text.is_empty() => {}
                    Cell::Text(text) => {
                        worksheet
                            .write_string(at, col, text)
                            .map_err(|e| e.to_string())?;
                    }
                    Cell::Number(value) => {
                        worksheet
                            .write_number(at, col, *value)
                            .map_err(|e| e.to_string())?;
                    }
                }
            }
        }
    }
    workbook.save_to_buffer().map_err(|e| e.to_string())
}

pub fn write_csv(sheet: &Sheet) -> Result<Vec<u8>, String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(sheet.header.iter().map(|h| guard(h)))
        .map_err(|e| e.to_string())?;
    for row in &sheet.rows {
        writer
            .write_record(row.iter().map(|cell| match cell {
                Cell::Text(text) => guard(text),
                Cell::Number(value) => number_text(*value),
            }))
            .map_err(|e| e.to_string())?;
    }
    writer.into_inner().map_err(|e| e.to_string())
}

/// `header_row` is the header's row number in the sheet, counting from 1.
fn finish(
    mut lines: impl Iterator<Item = Result<Vec<String>, String>>,
    header_row: usize,
) -> Result<Table, String> {
    let header = lines
        .next()
        .transpose()?
        .ok_or_else(|| "the file has no header row".to_owned())?;
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        let cells = line?;
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(format!("more than {MAX_ROWS} rows; split the file"));
        }
        rows.push((header_row + 1 + i, cells));
    }
    Ok(Table { header, rows })
}

pub fn read_csv(content: &[u8]) -> Result<Table, String> {
    let content = content.strip_prefix(b"\xef\xbb\xbf").unwrap_or(content);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(content);
    let lines = reader.records().map(|record| {
        record
            .map(|r| r.iter().map(|c| unguard(c.to_owned())).collect())
            .map_err(|e| format!("not valid CSV: {e}"))
    });
    finish(lines, 1)
}

/// Reads the first worksheet.
pub fn read_xlsx(content: &[u8]) -> Result<Table, String> {
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(content)).map_err(|e| format!("not an XLSX workbook: {e}"))?;
    let first = workbook
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| "the workbook has no worksheet".to_owned())?;
    let range = workbook
        .worksheet_range(&first)
        .map_err(|e| format!("the worksheet cannot be read: {e}"))?;
    // The used range may start below the sheet's first row; numbers are the sheet's own.
    let header_row = range.start().map_or(1, |(row, _)| row as usize + 1);
    let lines = range
        .rows()
        .map(|r| Ok(r.iter().map(|c| c.to_string()).collect()));
    finish(lines, header_row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Sheet {
        Sheet {
            name: "Questions".into(),
            header: vec!["key".into(), "text".into(), "weight".into()],
            rows: vec![
                vec!["a".into(), "=HYPERLINK(\"x\")".into(), 2.0.into()],
                vec!["b".into(), "Plain, with a comma".into(), 0.5.into()],
            ],
        }
    }

    #[test]
    fn csv_round_trips_and_defuses_formulas() {
        let bytes = write_csv(&sample()).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("'=HYPERLINK"), "{text}");
        let table = read_csv(&bytes).unwrap();
        assert_eq!(table.header, ["key", "text", "weight"]);
        assert_eq!(
            table.rows,
            [
                (2, vec!["a".into(), "=HYPERLINK(\"x\")".into(), "2".into()]),
                (
                    3,
                    vec!["b".into(), "Plain, with a comma".into(), "0.5".into()]
                ),
            ]
        );
        assert_eq!(table.column(" Weight "), Some(2));
    }

    #[test]
    fn xlsx_round_trips() {
        let bytes = write_xlsx(&[sample()]).unwrap();
        let table = read_xlsx(&bytes).unwrap();
        assert_eq!(table.header, ["key", "text", "weight"]);
        assert_eq!(table.rows[0].1[1], "=HYPERLINK(\"x\")");
        assert_eq!(
            table.rows[1],
            (
                3,
                vec!["b".into(), "Plain, with a comma".into(), "0.5".into()]
            )
        );
    }

    #[test]
    fn what_is_not_a_table_is_refused() {
        assert!(read_xlsx(b"PK\x03\x04 not really").is_err());
        assert!(read_xlsx(b"key,text\n").is_err());
        assert!(read_csv(b"").is_err());
        let many = format!("key\n{}", "x\n".repeat(MAX_ROWS + 1));
        assert!(read_csv(many.as_bytes()).unwrap_err().contains("more than"));
    }
}
