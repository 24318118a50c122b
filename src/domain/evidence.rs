//! Evidence files: which documents are accepted, and what a stored file is called.
//!
//! A file is accepted for what its bytes are, not for what it claims to be: the content is
//! sniffed, and the declared `Content-Type` and the file name's extension must both agree with
//! it. An executable renamed `report.pdf` is refused, and so is a PNG declared as a PDF.

use serde::Serialize;
use utoipa::ToSchema;

use super::FieldError;

/// Longest stored file name, in characters (the extension is kept when cutting).
pub const MAX_FILE_NAME_CHARS: usize = 150;

/// A document type accepted as evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentType {
    pub media_type: &'static str,
    pub extensions: &'static [&'static str],
    /// Text types are recognised by being UTF-8 rather than by a signature.
    pub text: bool,
}

const fn binary(media_type: &'static str, extensions: &'static [&'static str]) -> DocumentType {
    DocumentType {
        media_type,
        extensions,
        text: false,
    }
}

const fn text(media_type: &'static str, extensions: &'static [&'static str]) -> DocumentType {
    DocumentType {
        media_type,
        extensions,
        text: true,
    }
}

pub const ACCEPTED: &[DocumentType] = &[
    binary("application/pdf", &["pdf"]),
    binary("image/png", &["png"]),
    binary("image/jpeg", &["jpg", "jpeg"]),
    binary("image/gif", &["gif"]),
    binary("image/webp", &["webp"]),
    binary(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &["docx"],
    ),
    binary(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &["xlsx"],
    ),
    binary(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        &["pptx"],
    ),
    binary("application/zip", &["zip"]),
    text("text/plain", &["txt", "log"]),
    text("text/csv", &["csv"]),
    text("text/markdown", &["md"]),
    text("application/json", &["json"]),
];

/// The media types accepted, for documentation and error messages.
pub fn accepted_media_types() -> Vec<&'static str> {
    ACCEPTED.iter().map(|t| t.media_type).collect()
}

/// Metadata of a stored evidence file.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct EvidenceFile {
    #[schema(example = "0193a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b")]
    pub id: String,
    pub assessment_id: String,
    /// The uploaded name, sanitised: no directories, no control characters.
    #[schema(example = "SOC2-report-2026.pdf")]
    pub file_name: String,
    #[schema(example = "application/pdf")]
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content, to check a downloaded copy against.
    #[schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    pub sha256: String,
    /// Who uploaded it: a user's subject, or `vendor-link:<link id>`.
    pub uploaded_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// A file name that is safe to keep and to hand back in `Content-Disposition`: the last path
/// component only, control characters dropped, anything but letters, digits and ` ._-()`
/// replaced by `_`, no leading dots, at most [`MAX_FILE_NAME_CHARS`]. `None` when nothing is
/// left.
pub fn sanitise_file_name(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if c.is_alphanumeric() || " ._-()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.' || c == '_') {
        return None;
    }
    if cleaned.chars().count() <= MAX_FILE_NAME_CHARS {
        return Some(cleaned);
    }
    let extension = extension_of(&cleaned)
        .map(|e| format!(".{e}"))
        .unwrap_or_default();
    let stem: String = cleaned
        .chars()
        .take(MAX_FILE_NAME_CHARS - extension.chars().count())
        .collect();
    Some(format!("{}{extension}", stem.trim_end()))
}

fn extension_of(name: &str) -> Option<String> {
    let (stem, extension) = name.rsplit_once('.')?;
    (!stem.is_empty() && !extension.is_empty() && extension.len() <= 10)
        .then(|| extension.to_ascii_lowercase())
}

/// What the bytes are: a sniffed signature, or UTF-8 text.
fn sniff(content: &[u8]) -> Result<Option<&'static str>, String> {
    if let Some(kind) = infer::get(content) {
        return Ok(Some(kind.mime_type()));
    }
    if !content.contains(&0) && std::str::from_utf8(content).is_ok() {
        return Ok(None);
    }
    Err("the content is not a document type accepted as evidence".into())
}

/// Checks an upload and returns the media type to store it under; `declared` is the
/// request's media type without parameters.
pub fn classify(
    file_name: &str,
    declared: Option<&str>,
    content: &[u8],
) -> Result<&'static DocumentType, Vec<FieldError>> {
    if content.is_empty() {
        return Err(vec![FieldError::new("body", "empty", "the file is empty")]);
    }
    let accepted = accepted_media_types().join(", ");
    let sniffed = sniff(content).map_err(|m| {
        vec![FieldError::new(
            "body",
            "unsupported_type",
            format!("{m}; accepted: {accepted}"),
        )]
    })?;
    let declared = declared.unwrap_or_default();
    let document = match sniffed {
        Some(media_type) => ACCEPTED
            .iter()
            .find(|t| !t.text && t.media_type == media_type)
            .ok_or_else(|| {
                vec![FieldError::new(
                    "body",
                    "unsupported_type",
                    format!("the content is {media_type}, which is not accepted; accepted: {accepted}"),
                )]
            })?,
        None => ACCEPTED
            .iter()
            .find(|t| t.text && t.media_type == declared)
            .ok_or_else(|| {
                vec![FieldError::new(
                    "Content-Type",
                    "content_mismatch",
                    format!(
                        "declared as '{declared}' but the content is text; declare one of text/plain, text/csv, text/markdown, application/json"
                    ),
                )]
            })?,
    };
    let mut errors = Vec::new();
    if declared != document.media_type {
        errors.push(FieldError::new(
            "Content-Type",
            "content_mismatch",
            format!(
                "declared as '{declared}' but the content is {}",
                document.media_type
            ),
        ));
    }
    match extension_of(file_name) {
        Some(extension) if document.extensions.contains(&extension.as_str()) => {}
        other => errors.push(FieldError::new(
            "filename",
            "extension_mismatch",
            format!(
                "{} but the content is {}; name it *.{}",
                match other {
                    Some(extension) => format!("the name ends in .{extension}"),
                    None => "the name has no extension".to_owned(),
                },
                document.media_type,
                document.extensions[0]
            ),
        )),
    }
    if errors.is_empty() {
        Ok(document)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
    ];
    const ELF: &[u8] = &[
        0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0,
    ];

    fn codes(result: Result<&DocumentType, Vec<FieldError>>) -> Vec<(String, String)> {
        result
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn file_names_lose_directories_and_odd_characters() {
        assert_eq!(
            sanitise_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            sanitise_file_name("C:\\reports\\SOC 2 (2026).pdf").as_deref(),
            Some("SOC 2 (2026).pdf")
        );
        assert_eq!(
            sanitise_file_name("..hidden\u{0}name;rm -rf.txt").as_deref(),
            Some("hiddenname_rm -rf.txt")
        );
        assert_eq!(
            sanitise_file_name("Prüfbericht.pdf").as_deref(),
            Some("Prüfbericht.pdf")
        );
        assert_eq!(sanitise_file_name("../"), None);
        assert_eq!(sanitise_file_name("..."), None);
        let long = format!("{}.pdf", "a".repeat(400));
        let kept = sanitise_file_name(&long).unwrap();
        assert_eq!(kept.chars().count(), MAX_FILE_NAME_CHARS);
        assert!(kept.ends_with(".pdf"));
    }

    #[test]
    fn documents_are_accepted_for_what_they_are() {
        assert_eq!(
            classify("report.pdf", Some("application/pdf"), PDF)
                .unwrap()
                .media_type,
            "application/pdf"
        );
        assert_eq!(
            classify("diagram.PNG", Some("image/png"), PNG)
                .unwrap()
                .media_type,
            "image/png"
        );
        assert_eq!(
            classify("answers.csv", Some("text/csv"), b"a,b\n1,2\n")
                .unwrap()
                .media_type,
            "text/csv"
        );
    }

    #[test]
    fn disguised_files_are_refused() {
        assert_eq!(
            codes(classify("report.pdf", Some("application/pdf"), ELF)),
            [("body".to_owned(), "unsupported_type".to_owned())]
        );
        assert_eq!(
            codes(classify("report.pdf", Some("application/pdf"), PNG)),
            [
                ("Content-Type".to_owned(), "content_mismatch".to_owned()),
                ("filename".to_owned(), "extension_mismatch".to_owned())
            ]
        );
        assert_eq!(
            codes(classify(
                "notes.txt",
                Some("application/pdf"),
                b"plain words"
            )),
            [("Content-Type".to_owned(), "content_mismatch".to_owned())]
        );
        assert_eq!(
            codes(classify(
                "blob.bin",
                Some("text/plain"),
                &[0xff, 0xfe, 0, 1]
            )),
            [("body".to_owned(), "unsupported_type".to_owned())]
        );
        assert_eq!(
            codes(classify("report", Some("application/pdf"), PDF)),
            [("filename".to_owned(), "extension_mismatch".to_owned())]
        );
        assert_eq!(
            codes(classify("empty.txt", Some("text/plain"), b"")),
            [("body".to_owned(), "empty".to_owned())]
        );
    }
}
