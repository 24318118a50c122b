//! Reading a vendor's CycloneDX BOM (1.4 to 1.6) into AI service fields. `services` become
//! hosted services (merged with the `machine-learning-model` component they depend on),
//! `machine-learning-model` components no service depends on become open-weight models, and
//! `data` components become datasets. annexa's own `annexa:*` properties, which its export
//! writes, carry what CycloneDX has no field for, so an exported BOM imports unchanged.
//!
//! Whatever the BOM does not state is `None` here: an import creates with defaults but never
//! erases what is already known about an existing service.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::ai_service::{
    enum_from_text, parse_endpoint, parse_region, AiServiceFields, AiServiceKind, DataCategory,
    DocumentKind, DocumentLink, EuAiActRiskClass, EuAiActRole, TrainingUse,
};
use super::vendor::dedup;
use super::FieldError;

pub const SPEC_VERSIONS: [&str; 3] = ["1.4", "1.5", "1.6"];
/// More entries than this is not one vendor's supply; split the BOM.
pub const MAX_ENTRIES: usize = 200;
pub const MAX_NAME: usize = 200;
pub const MAX_MODEL_VERSION: usize = 100;
pub const MAX_ENDPOINTS: usize = 20;
pub const MAX_REGIONS: usize = 50;
pub const MAX_DOCUMENTS: usize = 20;

/// One AI service as a BOM describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportedService {
    /// Where it came from, e.g. `services[0]`.
    pub source: String,
    /// `annexa:ai_service_id`, when the BOM was exported by annexa.
    pub known_id: Option<String>,
    pub name: String,
    pub kind: Option<AiServiceKind>,
    pub model_name: Option<String>,
    pub model_version: Option<String>,
    pub endpoints: Option<Vec<String>>,
    pub hosting_regions: Option<Vec<String>>,
    pub data_categories: Option<Vec<DataCategory>>,
    pub retention_days: Option<i32>,
    pub trains_on_customer_data: Option<TrainingUse>,
    pub subprocessors_see_data: Option<bool>,
    pub eu_ai_act_role: Option<EuAiActRole>,
    pub eu_ai_act_risk_class: Option<EuAiActRiskClass>,
    pub documentation: Option<Vec<DocumentLink>>,
}

/// A BOM entry that describes no AI service, and why it was passed over.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct IgnoredEntry {
    #[schema(example = "components[2]")]
    pub source: String,
    #[schema(example = "a 'library' component is not an AI service")]
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct ParsedBom {
    pub services: Vec<ImportedService>,
    pub ignored: Vec<IgnoredEntry>,
}

fn invalid(field: impl Into<String>, code: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, code, message)
}

fn text<'a>(entry: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    entry.get(key).and_then(Value::as_str)
}

/// A required string of bounded length, trimmed.
fn bounded(
    path: &str,
    value: Option<&Value>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match value {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            let s = s.trim();
            if s.is_empty() || s.chars().count() > max {
                errors.push(invalid(
                    path,
                    "length",
                    format!("must be between 1 and {max} characters"),
                ));
                None
            } else {
                Some(s.to_owned())
            }
        }
        Some(_) => {
            errors.push(invalid(path, "type", "must be a string"));
            None
        }
    }
}

fn array<'a>(path: &str, value: Option<&'a Value>, errors: &mut Vec<FieldError>) -> &'a [Value] {
    match value {
        None | Some(Value::Null) => &[],
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.push(invalid(path, "type", "must be an array"));
            &[]
        }
    }
}

/// Data classifications other tools write, mapped to annexa's categories.
fn data_category(classification: &str) -> Option<DataCategory> {
    let normal = classification
        .trim()
        .to_ascii_lowercase()
        .replace(['-', ' '], "_");
    enum_from_text(&normal).or(match normal.as_str() {
        "pii" | "personal_data" => Some(DataCategory::Personal),
        "phi" | "sensitive" | "special_category_data" => Some(DataCategory::SpecialCategory),
        "proprietary" | "secret" | "restricted" => Some(DataCategory::Confidential),
        _ => None,
    })
}

fn document_kind(reference_type: &str, comment: Option<&str>) -> DocumentKind {
    if let Some(kind) = comment.and_then(enum_from_text) {
        return kind;
    }
    match reference_type {
        "model-card" => DocumentKind::ModelCard,
        "documentation" => DocumentKind::SystemCard,
        "license" => DocumentKind::Terms,
        _ => DocumentKind::Other,
    }
}

fn parse_enum<T: serde::de::DeserializeOwned>(
    path: &str,
    value: &str,
    what: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let parsed = enum_from_text(value.trim());
    if parsed.is_none() {
        errors.push(invalid(
            path,
            "enum",
            format!("'{value}' is not a known {what}"),
        ));
    }
    parsed
}

/// Reads the `annexa:*` properties of one entry into `service`.
fn read_properties(
    path: &str,
    entry: &Map<String, Value>,
    service: &mut ImportedService,
    errors: &mut Vec<FieldError>,
) {
    let props_path = format!("{path}.properties");
    for (i, prop) in array(&props_path, entry.get("properties"), errors)
        .iter()
        .enumerate()
    {
        let at = format!("{props_path}[{i}].value");
        let (Some(name), Some(value)) = (
            prop.get("name").and_then(Value::as_str),
            prop.get("value").and_then(Value::as_str),
        ) else {
            continue;
        };
        let Some(key) = name.strip_prefix("annexa:") else {
            continue;
        };
        match key {
            "ai_service_id" => service.known_id = Some(value.trim().to_owned()),
            "name" => {
                if let Some(name) = bounded(&at, prop.get("value"), MAX_NAME, errors) {
                    service.name = name;
                }
            }
            "kind" => service.kind = parse_enum(&at, value, "AI service kind", errors),
            "hosting_region" => match parse_region(&at, value) {
                Ok(region) => service
                    .hosting_regions
                    .get_or_insert_with(Vec::new)
                    .push(region),
                Err(e) => errors.push(e),
            },
            "data_category" => match data_category(value) {
                Some(c) => service.data_categories.get_or_insert_with(Vec::new).push(c),
                None => errors.push(invalid(
                    &at,
                    "enum",
                    format!("'{value}' is not a known data category"),
                )),
            },
            "retention_days" => match value.trim().parse::<i32>() {
                Ok(days) if (0..=36500).contains(&days) => service.retention_days = Some(days),
                _ => errors.push(invalid(
                    &at,
                    "range",
                    "retention_days must be a whole number of days from 0 to 36500",
                )),
            },
            "trains_on_customer_data" => {
                service.trains_on_customer_data = parse_enum(
                    &at,
                    value,
                    "training use (yes, no, opt_out, unknown)",
                    errors,
                )
            }
            "subprocessors_see_data" => match value.trim() {
                "true" => service.subprocessors_see_data = Some(true),
                "false" => service.subprocessors_see_data = Some(false),
                _ => errors.push(invalid(&at, "type", "must be 'true' or 'false'")),
            },
            "eu_ai_act_role" => {
                service.eu_ai_act_role = parse_enum(&at, value, "EU AI Act role", errors)
            }
            "eu_ai_act_risk_class" => {
                service.eu_ai_act_risk_class =
                    parse_enum(&at, value, "EU AI Act risk class", errors)
            }
            // Other annexa properties are informational.
            _ => {}
        }
    }
}

fn read_documentation(
    path: &str,
    entry: &Map<String, Value>,
    service: &mut ImportedService,
    errors: &mut Vec<FieldError>,
) {
    let refs_path = format!("{path}.externalReferences");
    let refs = array(&refs_path, entry.get("externalReferences"), errors);
    if refs.is_empty() {
        return;
    }
    let docs = service.documentation.get_or_insert_with(Vec::new);
    for (i, reference) in refs.iter().enumerate() {
        let url = reference.get("url").and_then(Value::as_str).unwrap_or("");
        match parse_endpoint(&format!("{refs_path}[{i}].url"), url) {
            Ok(url) => {
                let kind = document_kind(
                    reference.get("type").and_then(Value::as_str).unwrap_or(""),
                    reference.get("comment").and_then(Value::as_str),
                );
                let link = DocumentLink { kind, url };
                if !docs.contains(&link) {
                    docs.push(link);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if docs.len() > MAX_DOCUMENTS {
        errors.push(invalid(
            refs_path,
            "length",
            format!("at most {MAX_DOCUMENTS} documentation links per service"),
        ));
    }
}

fn read_model(
    path: &str,
    component: &Map<String, Value>,
    service: &mut ImportedService,
    errors: &mut Vec<FieldError>,
) {
    service.model_name = bounded(
        &format!("{path}.name"),
        component.get("name"),
        MAX_NAME,
        errors,
    );
    service.model_version = bounded(
        &format!("{path}.version"),
        component.get("version"),
        MAX_MODEL_VERSION,
        errors,
    );
}

fn read_service(
    path: &str,
    entry: &Map<String, Value>,
    model: Option<(&str, &Map<String, Value>)>,
    errors: &mut Vec<FieldError>,
) -> ImportedService {
    let mut service = ImportedService {
        source: path.to_owned(),
        ..ImportedService::default()
    };
    if let Some(name) = bounded(&format!("{path}.name"), entry.get("name"), MAX_NAME, errors) {
        service.name = name;
    } else if !entry.contains_key("name") {
        errors.push(invalid(format!("{path}.name"), "required", "is required"));
    }
    if let Some((model_path, component)) = model {
        read_model(model_path, component, &mut service, errors);
        read_documentation(model_path, component, &mut service, errors);
        read_properties(model_path, component, &mut service, errors);
        service.kind = service.kind.or(Some(AiServiceKind::FoundationModelApi));
    } else {
        service.model_version = bounded(
            &format!("{path}.version"),
            entry.get("version"),
            MAX_MODEL_VERSION,
            errors,
        );
    }
    let endpoints_path = format!("{path}.endpoints");
    if entry.contains_key("endpoints") {
        let endpoints: Vec<String> = array(&endpoints_path, entry.get("endpoints"), errors)
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                parse_endpoint(&format!("{endpoints_path}[{i}]"), e.as_str().unwrap_or(""))
                    .map_err(|e| errors.push(e))
                    .ok()
            })
            .collect();
        let endpoints = dedup(endpoints);
        if endpoints.len() > MAX_ENDPOINTS {
            errors.push(invalid(
                &endpoints_path,
                "length",
                format!("at most {MAX_ENDPOINTS} endpoints per service"),
            ));
        }
        service.endpoints = Some(endpoints);
    }
    let data_path = format!("{path}.data");
    for (i, flow) in array(&data_path, entry.get("data"), errors)
        .iter()
        .enumerate()
    {
        let Some(classification) = flow.get("classification").and_then(Value::as_str) else {
            continue;
        };
        match data_category(classification) {
            Some(c) => service.data_categories.get_or_insert_with(Vec::new).push(c),
            None => errors.push(invalid(
                format!("{data_path}[{i}].classification"),
                "enum",
                format!(
                    "'{classification}' is not a known data category (public, internal, confidential, personal, special_category, source_code, financial)"
                ),
            )),
        }
    }
    read_documentation(path, entry, &mut service, errors);
    read_properties(path, entry, &mut service, errors);
    service.kind = service.kind.or(Some(AiServiceKind::Other));
    service
}

fn read_component(
    path: &str,
    component: &Map<String, Value>,
    kind: AiServiceKind,
    errors: &mut Vec<FieldError>,
) -> ImportedService {
    let mut service = ImportedService {
        source: path.to_owned(),
        kind: Some(kind),
        ..ImportedService::default()
    };
    let name = bounded(
        &format!("{path}.name"),
        component.get("name"),
        MAX_NAME,
        errors,
    );
    if name.is_none() && !component.contains_key("name") {
        errors.push(invalid(format!("{path}.name"), "required", "is required"));
    }
    service.name = name.clone().unwrap_or_default();
    if kind == AiServiceKind::OpenWeightModel {
        read_model(path, component, &mut service, errors);
    }
    read_documentation(path, component, &mut service, errors);
    read_properties(path, component, &mut service, errors);
    service
}

/// The bom-refs each service depends on, from the BOM's `dependencies`.
fn dependencies(bom: &Map<String, Value>) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    if let Some(Value::Array(deps)) = bom.get("dependencies") {
        for dep in deps {
            if let (Some(from), Some(Value::Array(to))) =
                (dep.get("ref").and_then(Value::as_str), dep.get("dependsOn"))
            {
                out.entry(from.to_owned())
                    .or_default()
                    .extend(to.iter().filter_map(Value::as_str).map(str::to_owned));
            }
        }
    }
    out
}

fn finish(service: &mut ImportedService) {
    if let Some(regions) = service.hosting_regions.take() {
        let mut regions = dedup(regions);
        regions.sort();
        service.hosting_regions = Some(regions);
    }
    if let Some(categories) = service.data_categories.take() {
        let mut categories = dedup(categories);
        categories.sort();
        service.data_categories = Some(categories);
    }
}

/// Parses a CycloneDX JSON BOM. Every problem is reported with its JSON path, so nothing is
/// imported from a BOM that is partly wrong.
pub fn parse(bom: &Value) -> Result<ParsedBom, Vec<FieldError>> {
    let Some(bom) = bom.as_object() else {
        return Err(vec![invalid(
            "",
            "type",
            "a CycloneDX BOM is a JSON object",
        )]);
    };
    if text(bom, "bomFormat") != Some("CycloneDX") {
        return Err(vec![invalid(
            "bomFormat",
            "cyclonedx",
            "must be 'CycloneDX': this is not a CycloneDX JSON BOM",
        )]);
    }
    match text(bom, "specVersion") {
        Some(v) if SPEC_VERSIONS.contains(&v) => {}
        other => {
            return Err(vec![invalid(
                "specVersion",
                "unsupported",
                format!(
                    "CycloneDX {} is not supported; use 1.4, 1.5 or 1.6",
                    other.unwrap_or("(missing)")
                ),
            )])
        }
    }
    let mut errors = Vec::new();
    let components = array("components", bom.get("components"), &mut errors);
    let services = array("services", bom.get("services"), &mut errors);
    if components.len() + services.len() > MAX_ENTRIES {
        return Err(vec![invalid(
            "components",
            "length",
            format!("at most {MAX_ENTRIES} components and services in one import"),
        )]);
    }
    let depends_on = dependencies(bom);
    let models: HashMap<&str, (String, &Map<String, Value>)> = components
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let c = c.as_object()?;
            (text(c, "type") == Some("machine-learning-model"))
                .then(|| Some((text(c, "bom-ref")?, (format!("components[{i}]"), c))))?
        })
        .collect();
    let mut used_models: HashSet<&str> = HashSet::new();
    let mut parsed = ParsedBom::default();
    for (i, entry) in services.iter().enumerate() {
        let path = format!("services[{i}]");
        let Some(entry) = entry.as_object() else {
            errors.push(invalid(path, "type", "must be an object"));
            continue;
        };
        let model = text(entry, "bom-ref")
            .and_then(|r| depends_on.get(r))
            .and_then(|deps| deps.iter().find_map(|d| models.get_key_value(d.as_str())));
        if let Some((model_ref, _)) = model {
            used_models.insert(model_ref);
        }
        let model = model.map(|(_, (p, c))| (p.as_str(), *c));
        parsed
            .services
            .push(read_service(&path, entry, model, &mut errors));
    }
    for (i, component) in components.iter().enumerate() {
        let path = format!("components[{i}]");
        let Some(component) = component.as_object() else {
            errors.push(invalid(path, "type", "must be an object"));
            continue;
        };
        let kind = match text(component, "type") {
            Some("machine-learning-model") => {
                if text(component, "bom-ref").is_some_and(|r| used_models.contains(r)) {
                    continue;
                }
                AiServiceKind::OpenWeightModel
            }
            Some("data") => AiServiceKind::Dataset,
            other => {
                parsed.ignored.push(IgnoredEntry {
                    source: path,
                    reason: format!(
                        "a '{}' component is not an AI service",
                        other.unwrap_or("untyped")
                    ),
                });
                continue;
            }
        };
        parsed
            .services
            .push(read_component(&path, component, kind, &mut errors));
    }
    let mut seen: HashMap<String, &str> = HashMap::new();
    for service in &parsed.services {
        if service.name.is_empty() {
            continue;
        }
        if let Some(first) = seen.insert(service.name.to_lowercase(), &service.source) {
            errors.push(invalid(
                format!("{}.name", service.source),
                "duplicate",
                format!("'{}' is also the name of {first}", service.name),
            ));
        }
    }
    for service in &mut parsed.services {
        finish(service);
        if service
            .hosting_regions
            .as_ref()
            .is_some_and(|r| r.len() > MAX_REGIONS)
        {
            errors.push(invalid(
                format!("{}.properties", service.source),
                "length",
                format!("at most {MAX_REGIONS} hosting regions per service"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(errors)
    }
}

impl ImportedService {
    /// The fields after the import: what the BOM states over what is already known (`current`),
    /// or over the defaults for a new service.
    pub fn merged_over(&self, current: Option<&AiServiceFields>) -> AiServiceFields {
        let base = current.cloned().unwrap_or_else(|| AiServiceFields {
            name: self.name.clone(),
            kind: AiServiceKind::Other,
            model_name: None,
            model_version: None,
            endpoints: Vec::new(),
            hosting_regions: Vec::new(),
            data_categories: Vec::new(),
            retention_days: None,
            trains_on_customer_data: TrainingUse::Unknown,
            subprocessors_see_data: None,
            eu_ai_act_role: None,
            eu_ai_act_risk_class: None,
            human_oversight: None,
            documentation: Vec::new(),
        });
        AiServiceFields {
            name: self.name.clone(),
            kind: self.kind.unwrap_or(base.kind),
            model_name: self.model_name.clone().or(base.model_name),
            model_version: self.model_version.clone().or(base.model_version),
            endpoints: self.endpoints.clone().unwrap_or(base.endpoints),
            hosting_regions: self.hosting_regions.clone().unwrap_or(base.hosting_regions),
            data_categories: self.data_categories.clone().unwrap_or(base.data_categories),
            retention_days: self.retention_days.or(base.retention_days),
            trains_on_customer_data: self
                .trains_on_customer_data
                .unwrap_or(base.trains_on_customer_data),
            subprocessors_see_data: self.subprocessors_see_data.or(base.subprocessors_see_data),
            eu_ai_act_role: self.eu_ai_act_role.or(base.eu_ai_act_role),
            eu_ai_act_risk_class: self.eu_ai_act_risk_class.or(base.eu_ai_act_risk_class),
            human_oversight: base.human_oversight,
            documentation: self.documentation.clone().unwrap_or(base.documentation),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn bom(body: Value) -> Value {
        let mut bom = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1});
        bom.as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        bom
    }

    #[test]
    fn a_service_depending_on_a_model_is_one_foundation_model_api() {
        let parsed = parse(&bom(json!({
            "components": [{"type": "machine-learning-model", "bom-ref": "m1", "name": "acme-chat", "version": "2026-06"}],
            "services": [{"bom-ref": "s1", "name": "Acme Chat API", "endpoints": ["https://api.acme.ai/v1"],
                          "data": [{"flow": "inbound", "classification": "PII"}]}],
            "dependencies": [{"ref": "s1", "dependsOn": ["m1"]}]
        })))
        .unwrap();
        assert_eq!(parsed.services.len(), 1);
        let s = &parsed.services[0];
        assert_eq!(s.name, "Acme Chat API");
        assert_eq!(s.kind, Some(AiServiceKind::FoundationModelApi));
        assert_eq!(s.model_name.as_deref(), Some("acme-chat"));
        assert_eq!(s.model_version.as_deref(), Some("2026-06"));
        assert_eq!(s.data_categories, Some(vec![DataCategory::Personal]));
        assert_eq!(s.hosting_regions, None);
    }

    #[test]
    fn standalone_models_and_datasets_are_services_and_libraries_are_ignored() {
        let parsed = parse(&bom(json!({
            "components": [
                {"type": "machine-learning-model", "name": "llama-open"},
                {"type": "data", "name": "Labelled tickets"},
                {"type": "library", "name": "left-pad"}
            ]
        })))
        .unwrap();
        let kinds: Vec<_> = parsed.services.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            vec![
                Some(AiServiceKind::OpenWeightModel),
                Some(AiServiceKind::Dataset)
            ]
        );
        assert_eq!(parsed.ignored[0].source, "components[2]");
    }

    #[test]
    fn not_cyclonedx_is_refused_on_bom_format() {
        let errors = parse(&json!({"spdxVersion": "SPDX-2.3"})).unwrap_err();
        assert_eq!(errors[0].field, "bomFormat");
        let errors = parse(&json!({"bomFormat": "CycloneDX", "specVersion": "1.2"})).unwrap_err();
        assert_eq!(errors[0].field, "specVersion");
    }

    #[test]
    fn every_bad_value_is_named_by_its_path() {
        let errors = parse(&bom(json!({
            "services": [
                {"name": "A", "endpoints": ["ftp://x"], "data": [{"classification": "mystery"}],
                 "properties": [{"name": "annexa:hosting_region", "value": "Atlantis"}]},
                {"name": "a"}
            ]
        })))
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "services[0].endpoints[0]",
                "services[0].data[0].classification",
                "services[0].properties[0].value",
                "services[1].name"
            ]
        );
    }
}
