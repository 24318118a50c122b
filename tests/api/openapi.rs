use std::path::PathBuf;

use serde_json::Value;

use crate::helpers::spawn_app;

#[test]
fn the_committed_document_matches_the_code() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = annexa::api::openapi::document_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run scripts/openapi.sh and commit the result"
    );
}

#[test]
fn every_operation_documents_its_errors_and_security() {
    let doc: Value = serde_json::from_str(&annexa::api::openapi::document_json()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{method} {path}: no success response"
            );
            // Inbound integration events are authenticated by their signature, not a token.
            let signed = path.starts_with("/v1/integrations/") && path.ends_with("/events");
            if path.starts_with("/v1/") {
                let expected: &[&str] = if signed {
                    &["401", "422"]
                } else {
                    &["401", "403", "422"]
                };
                for status in expected {
                    assert!(
                        responses.contains_key(*status),
                        "{method} {path}: {status} undocumented"
                    );
                }
                assert_eq!(
                    op["security"].is_array(),
                    !signed,
                    "{method} {path}: bearer security {}",
                    if signed {
                        "on a signed event endpoint"
                    } else {
                        "missing"
                    }
                );
                if op.get("requestBody").is_some() {
                    assert!(
                        responses.contains_key("413"),
                        "{method} {path}: 413 undocumented"
                    );
                    let content = op["requestBody"]["content"].as_object().unwrap();
                    assert!(!content.is_empty(), "{method} {path}: no request content");
                    for (media_type, entry) in content {
                        assert!(
                            !entry["schema"].is_null(),
                            "{method} {path}: no request schema for {media_type}"
                        );
                    }
                }
            }
        }
    }
}

#[actix_web::test]
async fn the_served_document_is_the_generated_one() {
    let app = spawn_app().await;
    let reply = app.send(app.client.get(app.url("/openapi.json"))).await;
    let generated: Value = serde_json::from_str(&annexa::api::openapi::document_json()).unwrap();
    assert_eq!(reply.ok(200), &generated);
}

fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                found.push(target.clone());
            }
            map.values().for_each(|v| references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, found)),
        _ => {}
    }
}

#[test]
fn every_schema_reference_resolves() {
    let doc: Value = serde_json::from_str(&annexa::api::openapi::document_json()).unwrap();
    let mut found = Vec::new();
    references(&doc, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {target}"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{target} is not defined"
        );
    }
}
