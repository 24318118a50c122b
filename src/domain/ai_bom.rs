//! The AI bill of materials: a CycloneDX 1.6 document of what the organisation's AI vendors
//! provide. Models are `machine-learning-model` components (with a model card where use cases
//! are known), datasets are `data` components, hosted APIs are `services`.

use serde_json::{json, Map, Value};

use super::ai_service::{enum_to_text, AiService, AiServiceKind, DocumentKind};
use super::vendor::Vendor;

pub const MEDIA_TYPE: &str = "application/vnd.cyclonedx+json";

/// One vendor's services with, for each, the purposes of its use cases.
pub struct VendorSupply {
    pub vendor: Vendor,
    pub services: Vec<(AiService, Vec<String>)>,
}

fn supplier(vendor: &Vendor) -> Value {
    let mut entity = json!({ "name": vendor.legal_name });
    if !vendor.domains.is_empty() {
        let urls: Vec<String> = vendor
            .domains
            .iter()
            .map(|d| format!("https://{d}"))
            .collect();
        entity["url"] = json!(urls);
    }
    entity
}

fn is_hosted(kind: AiServiceKind) -> bool {
    matches!(
        kind,
        AiServiceKind::FoundationModelApi
            | AiServiceKind::HostedModel
            | AiServiceKind::EmbeddedAiFeature
            | AiServiceKind::LabellingService
            | AiServiceKind::Other
    )
}

fn external_references(service: &AiService) -> Vec<Value> {
    service
        .documentation
        .iter()
        .map(|doc| {
            let kind = match doc.kind {
                DocumentKind::ModelCard => "model-card",
                DocumentKind::SystemCard => "documentation",
                DocumentKind::Terms => "license",
                DocumentKind::Privacy | DocumentKind::Other => "other",
            };
            json!({ "type": kind, "url": doc.url, "comment": enum_to_text(&doc.kind) })
        })
        .collect()
}

fn property(name: &str, value: impl Into<String>) -> Value {
    json!({ "name": format!("annexa:{name}"), "value": value.into() })
}

fn properties(service: &AiService) -> Vec<Value> {
    let mut props = vec![
        property("ai_service_id", &service.id),
        property("name", &service.name),
        property("kind", enum_to_text(&service.kind)),
        property(
            "trains_on_customer_data",
            enum_to_text(&service.trains_on_customer_data),
        ),
    ];
    props.extend(
        service
            .hosting_regions
            .iter()
            .map(|r| property("hosting_region", r)),
    );
    props.extend(
        service
            .data_categories
            .iter()
            .map(|c| property("data_category", enum_to_text(c))),
    );
    if let Some(days) = service.retention_days {
        props.push(property("retention_days", days.to_string()));
    }
    if let Some(seen) = service.subprocessors_see_data {
        props.push(property("subprocessors_see_data", seen.to_string()));
    }
    if let Some(role) = &service.eu_ai_act_role {
        props.push(property("eu_ai_act_role", enum_to_text(role)));
    }
    if let Some(class) = &service.eu_ai_act_risk_class {
        props.push(property("eu_ai_act_risk_class", enum_to_text(class)));
    }
    props
}

fn insert_common(entry: &mut Map<String, Value>, service: &AiService) {
    let references = external_references(service);
    if !references.is_empty() {
        entry.insert("externalReferences".into(), json!(references));
    }
    entry.insert("properties".into(), json!(properties(service)));
}

/// Builds the BOM. `serial` is a UUIDv4 and `timestamp` an RFC 3339 time.
pub fn build(
    supplies: &[VendorSupply],
    serial: &str,
    timestamp: &str,
    tool_version: &str,
) -> Value {
    let mut components = Vec::new();
    let mut services = Vec::new();
    let mut dependencies = Vec::new();
    for supply in supplies {
        let supplier = supplier(&supply.vendor);
        for (service, use_cases) in &supply.services {
            let model_ref = format!("model:{}", service.id);
            let service_ref = format!("service:{}", service.id);
            let has_model =
                service.model_name.is_some() || service.kind == AiServiceKind::OpenWeightModel;
            if service.kind == AiServiceKind::Dataset {
                let mut component = Map::new();
                component.insert("type".into(), json!("data"));
                component.insert("bom-ref".into(), json!(format!("data:{}", service.id)));
                component.insert("name".into(), json!(service.name));
                component.insert("supplier".into(), supplier.clone());
                insert_common(&mut component, service);
                components.push(Value::Object(component));
                continue;
            }
            if has_model {
                let mut component = Map::new();
                component.insert("type".into(), json!("machine-learning-model"));
                component.insert("bom-ref".into(), json!(model_ref));
                component.insert(
                    "name".into(),
                    json!(service
                        .model_name
                        .clone()
                        .unwrap_or_else(|| service.name.clone())),
                );
                if let Some(version) = &service.model_version {
                    component.insert("version".into(), json!(version));
                }
                component.insert("supplier".into(), supplier.clone());
                component.insert("description".into(), json!(service.name));
                if !use_cases.is_empty() {
                    component.insert(
                        "modelCard".into(),
                        json!({ "considerations": { "useCases": use_cases } }),
                    );
                }
                insert_common(&mut component, service);
                components.push(Value::Object(component));
            }
            if is_hosted(service.kind) {
                let mut entry = Map::new();
                entry.insert("bom-ref".into(), json!(service_ref));
                entry.insert("provider".into(), supplier.clone());
                entry.insert("name".into(), json!(service.name));
                if let Some(version) = &service.model_version {
                    entry.insert("version".into(), json!(version));
                }
                if !service.endpoints.is_empty() {
                    entry.insert("endpoints".into(), json!(service.endpoints));
                }
                let data: Vec<Value> = service
                    .data_categories
                    .iter()
                    .map(|c| json!({ "flow": "inbound", "classification": enum_to_text(c) }))
                    .collect();
                if !data.is_empty() {
                    entry.insert("data".into(), json!(data));
                }
                insert_common(&mut entry, service);
                services.push(Value::Object(entry));
                if has_model {
                    dependencies.push(json!({ "ref": service_ref, "dependsOn": [model_ref] }));
                }
            }
        }
    }
    let mut bom = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{serial}"),
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": { "components": [{ "type": "application", "name": "annexa", "version": tool_version }] }
        },
        "components": components,
        "services": services,
    });
    if !dependencies.is_empty() {
        bom["dependencies"] = json!(dependencies);
    }
    bom
}
