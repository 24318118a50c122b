use std::path::PathBuf;

use jsonschema::{Registry, Resource};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, OTHER_ORG};

fn schema_file(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cyclonedx")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Validates against the official CycloneDX 1.6 schema, offline.
#[track_caller]
fn assert_valid_cyclonedx(bom: &Value) {
    let registry = Registry::new()
        .add(
            "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json",
            Resource::from_contents(schema_file("spdx.SNAPSHOT.schema.json")),
        )
        .unwrap()
        .add(
            "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json",
            Resource::from_contents(schema_file("jsf-0.82.SNAPSHOT.schema.json")),
        )
        .unwrap()
        .prepare()
        .unwrap();
    let schema = schema_file("bom-1.6.SNAPSHOT.schema.json");
    let validator = jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the CycloneDX schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(bom)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid CycloneDX 1.6: {errors:#?}\n{bom:#}"
    );
}

#[actix_web::test]
async fn the_ai_bom_is_valid_cyclonedx_1_6_and_describes_every_service() {
    let app = spawn_app().await;
    let token = app.admin();
    let acme = app
        .post(
            "/v1/vendors",
            &token,
            &json!({"legal_name": "Acme AI Ltd", "domains": ["acme.ai"]}),
        )
        .await
        .ok(201)
        .clone();
    let acme_id = acme["id"].as_str().unwrap();
    let chat = app
        .post(
            &format!("/v1/vendors/{acme_id}/ai-services"),
            &token,
            &json!({
                "name": "Acme Chat API", "kind": "foundation_model_api", "model_name": "acme-chat", "model_version": "2026-06",
                "endpoints": ["https://api.acme.ai/v1/chat"], "hosting_regions": ["EU"], "data_categories": ["personal"],
                "trains_on_customer_data": "no", "retention_days": 30, "eu_ai_act_risk_class": "general_purpose",
                "documentation": [{"kind": "model_card", "url": "https://acme.ai/card"}, {"kind": "terms", "url": "https://acme.ai/terms"}]
            }),
        )
        .await
        .ok(201)
        .clone();
    let chat_id = chat["id"].as_str().unwrap();
    app.post(
        &format!("/v1/ai-services/{chat_id}/use-cases"),
        &token,
        &json!({"purpose": "Summarise contracts", "decision_impact": "informs", "autonomy": "human_in_the_loop"}),
    )
    .await
    .ok(201);
    app.post(
        &format!("/v1/vendors/{acme_id}/ai-services"),
        &token,
        &json!({"name": "Acme Weights", "kind": "open_weight_model", "model_version": "7b"}),
    )
    .await
    .ok(201);
    let data_vendor = app.create_vendor("Data House").await;
    let data_vendor_id = data_vendor["id"].as_str().unwrap();
    app.post(
        &format!("/v1/vendors/{data_vendor_id}/ai-services"),
        &token,
        &json!({"name": "Support transcripts", "kind": "dataset"}),
    )
    .await
    .ok(201);
    app.post(
        &format!("/v1/vendors/{data_vendor_id}/ai-services"),
        &token,
        &json!({"name": "Smart search", "kind": "embedded_ai_feature"}),
    )
    .await
    .ok(201);

    let reply = app
        .get(&format!("/v1/vendors/{acme_id}/ai-bom"), &token)
        .await;
    assert_eq!(
        reply.header("content-type"),
        Some("application/vnd.cyclonedx+json")
    );
    let bom = reply.ok(200).clone();
    assert_valid_cyclonedx(&bom);
    assert_eq!(bom["specVersion"], "1.6");
    let models = bom["components"].as_array().unwrap();
    assert_eq!(models.len(), 2);
    let chat_model = models.iter().find(|c| c["name"] == "acme-chat").unwrap();
    assert_eq!(chat_model["type"], "machine-learning-model");
    assert_eq!(chat_model["version"], "2026-06");
    assert_eq!(
        chat_model["supplier"],
        json!({"name": "Acme AI Ltd", "url": ["https://acme.ai"]})
    );
    assert_eq!(
        chat_model["modelCard"]["considerations"]["useCases"],
        json!(["Summarise contracts"])
    );
    let services = bom["services"].as_array().unwrap();
    assert_eq!(services.len(), 1);
    assert_eq!(
        services[0]["endpoints"],
        json!(["https://api.acme.ai/v1/chat"])
    );
    assert_eq!(
        services[0]["data"],
        json!([{"flow": "inbound", "classification": "personal"}])
    );
    assert_eq!(services[0]["provider"]["name"], "Acme AI Ltd");
    assert_eq!(
        bom["dependencies"][0]["dependsOn"][0],
        format!("model:{chat_id}")
    );

    let portfolio = app
        .get(
            "/v1/ai-bom",
            &app.token(crate::helpers::ORG, &[annexa::domain::roles::Role::Auditor]),
        )
        .await
        .ok(200)
        .clone();
    assert_valid_cyclonedx(&portfolio);
    assert_eq!(portfolio["components"].as_array().unwrap().len(), 3);
    assert_eq!(portfolio["services"].as_array().unwrap().len(), 2);
    assert!(portfolio["components"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["type"] == "data" && c["supplier"]["name"] == "Data House"));
    assert_ne!(portfolio["serialNumber"], bom["serialNumber"]);

    // Nothing of another organisation's, and their vendor is a 404.
    let other = app.token(OTHER_ORG, &[annexa::domain::roles::Role::Admin]);
    let empty = app.get("/v1/ai-bom", &other).await.ok(200).clone();
    assert_valid_cyclonedx(&empty);
    assert!(empty["components"].as_array().unwrap().is_empty());
    app.get(&format!("/v1/vendors/{acme_id}/ai-bom"), &other)
        .await
        .problem(404);
}
