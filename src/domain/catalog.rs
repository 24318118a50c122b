//! Control catalogs: ISO/IEC 42001 Annex A, NIST AI RMF 1.0, the EU AI Act, and a crosswalk.

use serde::Serialize;
use utoipa::ToSchema;

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
