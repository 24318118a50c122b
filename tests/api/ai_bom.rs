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

async fn services_of(app: &crate::helpers::TestApp, vendor_id: &str, token: &str) -> Vec<Value> {
    app.get(&format!("/v1/vendors/{vendor_id}/ai-services"), token)
        .await
        .ok(200)["data"]
        .as_array()
        .unwrap()
        .clone()
}

#[actix_web::test]
async fn an_exported_bom_imports_unchanged_and_an_edited_one_updates_and_creates() {
    let app = spawn_app().await;
    let token = app.admin();
    let vendor = app.create_vendor("Acme AI Ltd").await;
    let vendor_id = vendor["id"].as_str().unwrap();
    let chat = app
        .post(
            &format!("/v1/vendors/{vendor_id}/ai-services"),
            &token,
            &json!({
                "name": "Acme Chat API", "kind": "foundation_model_api", "model_name": "acme-chat", "model_version": "2026-06",
                "endpoints": ["https://api.acme.ai/v1/chat"], "hosting_regions": ["EU", "US"], "data_categories": ["personal"],
                "trains_on_customer_data": "no", "retention_days": 30, "subprocessors_see_data": false,
                "eu_ai_act_role": "provider", "eu_ai_act_risk_class": "general_purpose",
                "human_oversight": "Agents review every reply",
                "documentation": [{"kind": "model_card", "url": "https://acme.ai/card"}, {"kind": "privacy", "url": "https://acme.ai/privacy"}]
            }),
        )
        .await
        .ok(201)
        .clone();
    app.post(
        &format!("/v1/vendors/{vendor_id}/ai-services"),
        &token,
        &json!({"name": "Acme Weights", "kind": "open_weight_model", "model_name": "acme-7b", "model_version": "7b"}),
    )
    .await
    .ok(201);
    let before = services_of(&app, vendor_id, &token).await;

    let bom = app
        .get(&format!("/v1/vendors/{vendor_id}/ai-bom"), &token)
        .await
        .ok(200)
        .clone();
    let reply = app
        .post(&format!("/v1/vendors/{vendor_id}/ai-bom"), &token, &bom)
        .await;
    let report = reply.ok(200);
    let outcomes: Vec<&str> = report["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, vec!["unchanged", "unchanged"], "{report:#}");
    assert_eq!(services_of(&app, vendor_id, &token).await, before);

    // The vendor ships a new model version and a new dataset; the BOM's library is not AI.
    let mut edited = bom.clone();
    edited["components"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["name"] == "acme-chat")
        .unwrap()["version"] = json!("2026-09");
    edited["components"].as_array_mut().unwrap().extend([
        json!({"type": "data", "name": "Support transcripts", "properties": [{"name": "annexa:data_category", "value": "confidential"}]}),
        json!({"type": "library", "name": "tokenizers", "version": "0.20"}),
    ]);
    let report = app
        .post(&format!("/v1/vendors/{vendor_id}/ai-bom"), &token, &edited)
        .await
        .ok(200)
        .clone();
    let by_name = |name: &str| {
        report["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["ai_service"]["name"] == name)
            .cloned()
            .unwrap()
    };
    let chat_entry = by_name("Acme Chat API");
    assert_eq!(chat_entry["outcome"], "updated");
    assert_eq!(chat_entry["ai_service"]["id"], chat["id"]);
    assert_eq!(chat_entry["ai_service"]["model_version"], "2026-09");
    // What the BOM cannot say is kept.
    assert_eq!(
        chat_entry["ai_service"]["human_oversight"],
        "Agents review every reply"
    );
    assert_eq!(
        chat_entry["ai_service"]["hosting_regions"],
        json!(["EU", "US"])
    );
    let dataset = by_name("Support transcripts");
    assert_eq!(dataset["outcome"], "created");
    assert_eq!(dataset["ai_service"]["kind"], "dataset");
    assert_eq!(
        dataset["ai_service"]["data_categories"],
        json!(["confidential"])
    );
    assert_eq!(by_name("Acme Weights")["outcome"], "unchanged");
    assert_eq!(
        report["ignored"],
        json!([{"source": "components[3]", "reason": "a 'library' component is not an AI service"}])
    );

    // The version change is a material change: recorded, and the vendor is flagged.
    let chat_id = chat["id"].as_str().unwrap();
    let changes = app
        .get(&format!("/v1/ai-services/{chat_id}/changes"), &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(changes["data"][0]["changes"][0]["field"], "model_version");
    let vendor = app
        .get(&format!("/v1/vendors/{vendor_id}"), &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(vendor["reassessment_due"], true);
    assert_eq!(services_of(&app, vendor_id, &token).await.len(), 3);
}

#[actix_web::test]
async fn a_bom_from_another_tool_creates_services_by_its_cyclonedx_fields() {
    let app = spawn_app().await;
    let token = app.admin();
    let vendor = app.create_vendor("Globex").await;
    let vendor_id = vendor["id"].as_str().unwrap();
    let bom = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "components": [
            {"type": "machine-learning-model", "bom-ref": "pkg:huggingface/globex/vision@v3", "name": "globex-vision", "version": "v3",
             "externalReferences": [{"type": "model-card", "url": "https://globex.example/cards/vision"}]}
        ],
        "services": [
            {"bom-ref": "vision-api", "name": "Globex Vision API", "endpoints": ["https://vision.globex.example/v3"],
             "data": [{"flow": "inbound", "classification": "PII"}, {"flow": "inbound", "classification": "confidential"}]}
        ],
        "dependencies": [{"ref": "vision-api", "dependsOn": ["pkg:huggingface/globex/vision@v3"]}]
    });
    let reply = app
        .send(
            reqwest::Client::new()
                .post(app.url(&format!("/v1/vendors/{vendor_id}/ai-bom")))
                .bearer_auth(&token)
                .header("content-type", "application/vnd.cyclonedx+json")
                .body(bom.to_string()),
        )
        .await;
    let report = reply.ok(200);
    assert_eq!(report["data"].as_array().unwrap().len(), 1);
    let service = &report["data"][0]["ai_service"];
    assert_eq!(report["data"][0]["source"], "services[0]");
    assert_eq!(service["name"], "Globex Vision API");
    assert_eq!(service["kind"], "foundation_model_api");
    assert_eq!(service["model_name"], "globex-vision");
    assert_eq!(service["model_version"], "v3");
    assert_eq!(
        service["endpoints"],
        json!(["https://vision.globex.example/v3"])
    );
    assert_eq!(
        service["data_categories"],
        json!(["confidential", "personal"])
    );
    assert_eq!(service["trains_on_customer_data"], "unknown");
    assert_eq!(
        service["documentation"],
        json!([{"kind": "model_card", "url": "https://globex.example/cards/vision"}])
    );

    // The same BOM again matches by name and changes nothing.
    let again = app
        .post(&format!("/v1/vendors/{vendor_id}/ai-bom"), &token, &bom)
        .await
        .ok(200)
        .clone();
    assert_eq!(again["data"][0]["outcome"], "unchanged");
    assert_eq!(again["data"][0]["ai_service"]["id"], service["id"]);
}

#[actix_web::test]
async fn a_bad_bom_is_refused_whole_with_every_problem_named() {
    let app = spawn_app().await;
    let token = app.admin();
    let vendor = app.create_vendor("Initech").await;
    let vendor_id = vendor["id"].as_str().unwrap();
    let path = format!("/v1/vendors/{vendor_id}/ai-bom");
    app.post(
        &format!("/v1/vendors/{vendor_id}/ai-services"),
        &token,
        &json!({"name": "Existing", "kind": "other"}),
    )
    .await
    .ok(201);
    let before = services_of(&app, vendor_id, &token).await;

    // An SPDX document, an old CycloneDX, and something that is not an object.
    app.post(
        &path,
        &token,
        &json!({"spdxVersion": "SPDX-2.3", "name": "x"}),
    )
    .await
    .invalid_field("bomFormat");
    app.post(
        &path,
        &token,
        &json!({"bomFormat": "CycloneDX", "specVersion": "1.3"}),
    )
    .await
    .invalid_field("specVersion");
    app.post(&path, &token, &json!(["CycloneDX"]))
        .await
        .problem(422);

    // One good entry and several bad ones: nothing is written, each problem has its path.
    let reply = app
        .post(
            &path,
            &token,
            &json!({
                "bomFormat": "CycloneDX", "specVersion": "1.6",
                "services": [
                    {"name": "Fine API", "endpoints": ["https://fine.example"]},
                    {"name": "Broken API", "endpoints": ["not a url"],
                     "properties": [{"name": "annexa:hosting_region", "value": "XX1"},
                                    {"name": "annexa:trains_on_customer_data", "value": "sometimes"}]},
                    {"endpoints": []}
                ],
                "components": [{"type": "data", "name": "fine api"}]
            }),
        )
        .await;
    let problem = reply.problem(422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec![
            "services[1].endpoints[0]",
            "services[1].properties[0].value",
            "services[1].properties[1].value",
            "services[2].name",
            "components[0].name"
        ],
        "{problem:#}"
    );
    assert_eq!(services_of(&app, vendor_id, &token).await, before);

    // Too many entries.
    let many: Vec<Value> = (0..201)
        .map(|i| json!({"type": "data", "name": format!("set {i}")}))
        .collect();
    app.post(
        &path,
        &token,
        &json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": many}),
    )
    .await
    .invalid_field("components");

    // Read-only roles may not import; another organisation's vendor is a 404.
    let auditor = app.token(crate::helpers::ORG, &[annexa::domain::roles::Role::Auditor]);
    let bom = json!({"bomFormat": "CycloneDX", "specVersion": "1.6"});
    app.post(&path, &auditor, &bom).await.problem(403);
    let other = app.token(OTHER_ORG, &[annexa::domain::roles::Role::Admin]);
    app.post(&path, &other, &bom).await.problem(404);
    assert_eq!(services_of(&app, vendor_id, &token).await, before);
}
