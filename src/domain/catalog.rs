//! Control catalogs: ISO/IEC 42001 Annex A, NIST AI RMF 1.0, the EU AI Act, and a crosswalk.

use serde::Serialize;
use utoipa::ToSchema;

use super::FieldError;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Framework {
    #[schema(example = "iso42001")]
    pub id: String,
    #[schema(example = "ISO/IEC 42001:2023 Annex A")]
    pub name: String,
    pub description: String,
    /// Shipped with annexa and read-only, or defined by the organisation.
    pub built_in: bool,
    #[schema(example = 38)]
    pub control_count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Control {
    /// `<framework>:<reference>`.
    #[schema(example = "iso42001:A.10.3")]
    pub id: String,
    #[schema(example = "iso42001")]
    pub framework: String,
    /// The control's number in its framework.
    #[serde(rename = "ref")]
    #[schema(example = "A.10.3")]
    pub reference: String,
    #[schema(example = "A.10")]
    pub group_ref: String,
    #[schema(example = "Third-party and customer relationships")]
    pub group_title: String,
    /// annexa's own short label, not the framework's text.
    #[schema(
        example = "Supplier services and products align with the organisation's responsible-AI approach"
    )]
    pub title: String,
    /// The organisation's own wording; built-in controls have none.
    pub description: Option<String>,
    pub built_in: bool,
}

/// A control with the controls the crosswalk relates it to.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ControlDetail {
    #[serde(flatten)]
    pub control: Control,
    pub crosswalk: Vec<Control>,
}

/// The controls vendors of one tier must evidence.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ControlProfile {
    pub tier: super::vendor::Tier,
    /// True when the organisation replaced the built-in default for this tier.
    pub customized: bool,
    pub controls: Vec<Control>,
}

#[derive(Debug, Clone, Default)]
pub struct ControlFilter {
    pub framework: Option<String>,
    pub group: Option<String>,
    /// Case-insensitive part of the reference or title.
    pub text: Option<String>,
}

/// Organisation-defined controls live in one framework per organisation, `org:<org>`, and are
/// identified as `org:<org>:<ref>`; built-in ids never contain the `org:` prefix.
pub const ORG_FRAMEWORK_PREFIX: &str = "org:";
pub const ORG_FRAMEWORK_NAME: &str = "Organisation controls";
pub const ORG_FRAMEWORK_DESCRIPTION: &str = "Controls defined by the organisation";
/// Built-in frameworks come first in lists.
pub const ORG_FRAMEWORK_POSITION: i32 = 100;
pub const DEFAULT_GROUP_REF: &str = "ORG";
pub const DEFAULT_GROUP_TITLE: &str = "Organisation controls";
pub const MAX_REF: usize = 50;
pub const MAX_TITLE: usize = 300;
pub const MAX_DESCRIPTION: usize = 4000;

pub fn org_framework_id(org: &str) -> String {
    format!("{ORG_FRAMEWORK_PREFIX}{org}")
}

pub fn org_control_id(org: &str, reference: &str) -> String {
    format!("{}:{reference}", org_framework_id(org))
}

/// A control reference: letters, digits, `.`, `-` and `_`, starting with a letter or digit,
/// so that it is safe in ids, URLs and OSCAL exports.
pub fn parse_reference(field: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    let valid = !value.is_empty()
        && value.len() <= MAX_REF
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if valid {
        Ok(value.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "pattern",
            format!(
                "must be 1 to {MAX_REF} letters, digits, '.', '-' or '_', starting with a letter or digit"
            ),
        ))
    }
}

/// The editable fields of an organisation-defined control, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlFields {
    pub reference: String,
    pub title: String,
    pub group_ref: String,
    pub group_title: String,
    pub description: Option<String>,
}

impl ControlFields {
    pub fn parse(
        reference: &str,
        title: &str,
        group_ref: Option<&str>,
        group_title: Option<&str>,
        description: Option<&str>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let reference = parse_reference("ref", reference)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let mut bounded = |field: &str, value: &str, max: usize| {
            let value = value.trim();
            if value.is_empty() || value.chars().count() > max {
                errors.push(FieldError::new(
                    field,
                    "length",
                    format!("must be between 1 and {max} characters"),
                ));
            }
            value.to_owned()
        };
        let title = bounded("title", title, MAX_TITLE);
        let group_ref = bounded("group_ref", group_ref.unwrap_or(DEFAULT_GROUP_REF), MAX_REF);
        let group_title = bounded(
            "group_title",
            group_title.unwrap_or(DEFAULT_GROUP_TITLE),
            MAX_TITLE,
        );
        let description = description.map(|d| bounded("description", d, MAX_DESCRIPTION));
        if errors.is_empty() {
            Ok(Self {
                reference,
                title,
                group_ref,
                group_title,
                description,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_safe_tokens() {
        assert_eq!(parse_reference("ref", " AI-SEC.1 ").unwrap(), "AI-SEC.1");
        for bad in ["", "-lead", "has space", "colon:no", "é1", &"x".repeat(51)] {
            assert!(parse_reference("ref", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fields_default_their_group_and_name_every_problem() {
        let fields =
            ControlFields::parse("AI-1", "Vendor keeps prompts 30 days", None, None, None).unwrap();
        assert_eq!(fields.group_ref, "ORG");
        let errors = ControlFields::parse("bad ref", " ", Some(""), None, Some("")).unwrap_err();
        let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["ref", "title", "group_ref", "description"]);
    }
}
