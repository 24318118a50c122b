//! What a vendor provides: AI services (the LLM/API supplier inventory) and where the
//! organisation uses them.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AiServiceKind {
    FoundationModelApi,
    HostedModel,
    EmbeddedAiFeature,
    OpenWeightModel,
    Dataset,
    LabellingService,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataCategory {
    Public,
    Internal,
    Confidential,
    Personal,
    SpecialCategory,
    SourceCode,
    Financial,
}

/// Whether the vendor trains its models on the organisation's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrainingUse {
    Yes,
    No,
    /// Used unless the organisation opts out.
    OptOut,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EuAiActRole {
    Provider,
    Deployer,
    Importer,
    Distributor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EuAiActRiskClass {
    Prohibited,
    High,
    Limited,
    Minimal,
    GeneralPurpose,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AffectedGroup {
    Employees,
    Customers,
    Public,
    Minors,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionImpact {
    /// Output is not used in decisions about people.
    None,
    /// Output informs a human decision.
    Informs,
    /// Output decides.
    Decides,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Autonomy {
    /// A human reviews every output before it takes effect.
    HumanInTheLoop,
    /// Outputs take effect; a human monitors and can intervene.
    HumanOnTheLoop,
    Autonomous,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    ModelCard,
    SystemCard,
    Terms,
    Privacy,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentLink {
    pub kind: DocumentKind,
    #[schema(example = "https://acme.ai/model-card")]
    pub url: String,
}

/// An AI service as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AiService {
    pub id: String,
    pub vendor_id: String,
    #[schema(example = "Acme Chat API")]
    pub name: String,
    pub kind: AiServiceKind,
    #[schema(example = "acme-chat")]
    pub model_name: Option<String>,
    #[schema(example = "2026-06")]
    pub model_version: Option<String>,
    #[schema(example = json!(["https://api.acme.ai/v1/chat"]))]
    pub endpoints: Vec<String>,
    /// ISO 3166-1 alpha-2 codes, or `EU`, `EEA`, `GLOBAL`.
    #[schema(example = json!(["EU", "US"]))]
    pub hosting_regions: Vec<String>,
    pub data_categories: Vec<DataCategory>,
    /// How long the vendor keeps what it is sent; absent when unknown.
    #[schema(example = 30)]
    pub retention_days: Option<i32>,
    pub trains_on_customer_data: TrainingUse,
    /// Whether the vendor's own subprocessors see the data; absent when unknown.
    pub subprocessors_see_data: Option<bool>,
    pub eu_ai_act_role: Option<EuAiActRole>,
    pub eu_ai_act_risk_class: Option<EuAiActRiskClass>,
    pub human_oversight: Option<String>,
    pub documentation: Vec<DocumentLink>,
    #[schema(example = 1)]
    pub version: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Validated editable fields of an AI service.
#[derive(Debug, Clone, PartialEq)]
pub struct AiServiceFields {
    pub name: String,
    pub kind: AiServiceKind,
    pub model_name: Option<String>,
    pub model_version: Option<String>,
    pub endpoints: Vec<String>,
    pub hosting_regions: Vec<String>,
    pub data_categories: Vec<DataCategory>,
    pub retention_days: Option<i32>,
    pub trains_on_customer_data: TrainingUse,
    pub subprocessors_see_data: Option<bool>,
    pub eu_ai_act_role: Option<EuAiActRole>,
    pub eu_ai_act_risk_class: Option<EuAiActRiskClass>,
    pub human_oversight: Option<String>,
    pub documentation: Vec<DocumentLink>,
}

impl AiService {
    pub fn fields(&self) -> AiServiceFields {
        AiServiceFields {
            name: self.name.clone(),
            kind: self.kind,
            model_name: self.model_name.clone(),
            model_version: self.model_version.clone(),
            endpoints: self.endpoints.clone(),
            hosting_regions: self.hosting_regions.clone(),
            data_categories: self.data_categories.clone(),
            retention_days: self.retention_days,
            trains_on_customer_data: self.trains_on_customer_data,
            subprocessors_see_data: self.subprocessors_see_data,
            eu_ai_act_role: self.eu_ai_act_role,
            eu_ai_act_risk_class: self.eu_ai_act_risk_class,
            human_oversight: self.human_oversight.clone(),
            documentation: self.documentation.clone(),
        }
    }
}

/// One field's value before and after a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldChange {
    #[schema(example = "model_version")]
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// A recorded material change of an AI service.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AiServiceChange {
    pub id: String,
    pub ai_service_id: String,
    #[schema(format = DateTime)]
    pub changed_at: String,
    pub actor: String,
    pub changes: Vec<FieldChange>,
}

fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The changes that alter the vendor's risk and so call for a reassessment: the model, its
/// version, where it is hosted, what data it is sent, whether it trains on that data, and
/// whether subprocessors see it.
pub fn material_changes(before: &AiServiceFields, after: &AiServiceFields) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let mut compare = |field: &str, a: Value, b: Value| {
        if a != b {
            changes.push(FieldChange {
                field: field.to_owned(),
                before: a,
                after: b,
            });
        }
    };
    compare(
        "model_name",
        to_value(&before.model_name),
        to_value(&after.model_name),
    );
    compare(
        "model_version",
        to_value(&before.model_version),
        to_value(&after.model_version),
    );
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    compare(
        "hosting_regions",
        to_value(&sorted(&before.hosting_regions)),
        to_value(&sorted(&after.hosting_regions)),
    );
    let categories = |v: &[DataCategory]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    compare(
        "data_categories",
        to_value(&categories(&before.data_categories)),
        to_value(&categories(&after.data_categories)),
    );
    compare(
        "trains_on_customer_data",
        to_value(&before.trains_on_customer_data),
        to_value(&after.trains_on_customer_data),
    );
    compare(
        "subprocessors_see_data",
        to_value(&before.subprocessors_see_data),
        to_value(&after.subprocessors_see_data),
    );
    changes
}

/// The reason recorded on the vendor when a service changes materially.
pub fn reassessment_reason(service_name: &str, changes: &[FieldChange]) -> String {
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    format!("AI service '{service_name}' changed: {}", fields.join(", "))
}

/// Region groups accepted besides ISO 3166-1 alpha-2 country codes.
pub const REGION_GROUPS: [&str; 3] = ["EU", "EEA", "GLOBAL"];

pub fn parse_region(field: &str, value: &str) -> Result<String, FieldError> {
    let upper = value.trim().to_ascii_uppercase();
    if REGION_GROUPS.contains(&upper.as_str()) {
        return Ok(upper);
    }
    super::vendor::parse_country(field, value).map_err(|_| {
        FieldError::new(
            field,
            "region",
            format!("'{value}' is not an ISO 3166-1 alpha-2 code, EU, EEA or GLOBAL"),
        )
    })
}

/// Endpoints are absolute `https` (or `http`) URLs.
pub fn parse_endpoint(field: &str, value: &str) -> Result<String, FieldError> {
    match url::Url::parse(value.trim()) {
        Ok(u)
            if matches!(u.scheme(), "https" | "http")
                && u.host_str().is_some()
                && value.len() <= 2000 =>
        {
            Ok(u.to_string())
        }
        _ => Err(FieldError::new(
            field,
            "url",
            format!("'{value}' is not an http(s) URL"),
        )),
    }
}

/// Enums are stored as their API spelling.
pub fn enum_to_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

pub fn enum_from_text<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(Value::String(text.to_owned())).ok()
}

/// Where the organisation uses an AI service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UseCase {
    pub id: String,
    pub ai_service_id: String,
    #[schema(example = "Draft replies to customer support tickets")]
    pub purpose: String,
    #[schema(example = "head.of.support@example.com")]
    pub business_owner: Option<String>,
    pub affected_people: Vec<AffectedGroup>,
    pub decision_impact: DecisionImpact,
    pub autonomy: Autonomy,
    #[schema(example = "An agent edits and sends every draft")]
    pub human_oversight: Option<String>,
    /// Roughly how many uses a month.
    #[schema(example = 20000)]
    pub monthly_volume: Option<i64>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UseCaseFields {
    pub purpose: String,
    pub business_owner: Option<String>,
    pub affected_people: Vec<AffectedGroup>,
    pub decision_impact: DecisionImpact,
    pub autonomy: Autonomy,
    pub human_oversight: Option<String>,
    pub monthly_volume: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AiServiceFilter {
    pub vendor_id: Option<String>,
    pub kind: Option<AiServiceKind>,
    /// Case-insensitive part of the model name.
    pub model: Option<String>,
    pub data_category: Option<DataCategory>,
    pub region: Option<String>,
    pub trains_on_customer_data: Option<TrainingUse>,
    pub eu_ai_act_risk_class: Option<EuAiActRiskClass>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> AiServiceFields {
        AiServiceFields {
            name: "Chat".into(),
            kind: AiServiceKind::FoundationModelApi,
            model_name: Some("m".into()),
            model_version: Some("1".into()),
            endpoints: vec![],
            hosting_regions: vec!["EU".into(), "US".into()],
            data_categories: vec![DataCategory::Personal],
            retention_days: Some(30),
            trains_on_customer_data: TrainingUse::No,
            subprocessors_see_data: Some(false),
            eu_ai_act_role: None,
            eu_ai_act_risk_class: None,
            human_oversight: None,
            documentation: vec![],
        }
    }

    #[test]
    fn material_changes_are_the_risky_ones_only() {
        let before = fields();
        let mut after = fields();
        after.name = "Renamed".into();
        after.retention_days = Some(60);
        after.hosting_regions = vec!["US".into(), "EU".into()];
        assert!(material_changes(&before, &after).is_empty());

        after.model_version = Some("2".into());
        after.trains_on_customer_data = TrainingUse::OptOut;
        let changes = material_changes(&before, &after);
        let names: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(names, vec!["model_version", "trains_on_customer_data"]);
        assert_eq!(changes[1].before, Value::String("no".into()));
        assert_eq!(
            reassessment_reason("Chat", &changes),
            "AI service 'Chat' changed: model_version, trains_on_customer_data"
        );
    }

    #[test]
    fn regions_and_endpoints() {
        assert_eq!(parse_region("r", "eu").unwrap(), "EU");
        assert_eq!(parse_region("r", "de").unwrap(), "DE");
        assert!(parse_region("r", "Mars").is_err());
        assert!(parse_endpoint("e", "https://api.acme.ai/v1").is_ok());
        assert!(parse_endpoint("e", "ftp://acme.ai").is_err());
        assert!(parse_endpoint("e", "not a url").is_err());
    }

    #[test]
    fn enums_round_trip_as_text() {
        assert_eq!(
            enum_to_text(&AiServiceKind::FoundationModelApi),
            "foundation_model_api"
        );
        assert_eq!(
            enum_from_text::<TrainingUse>("opt_out"),
            Some(TrainingUse::OptOut)
        );
        assert_eq!(enum_from_text::<TrainingUse>("maybe"), None);
    }
}
