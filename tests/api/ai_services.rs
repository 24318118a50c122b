use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, OTHER_ORG};

fn chat_api() -> Value {
    json!({
        "name": "Acme Chat API",
        "kind": "foundation_model_api",
        "model_name": "acme-chat",
        "model_version": "2026-06",
        "endpoints": ["https://api.acme.ai/v1/chat"],
        "hosting_regions": ["eu", "US"],
        "data_categories": ["personal", "confidential"],
        "retention_days": 30,
        "trains_on_customer_data": "no",
        "subprocessors_see_data": true,
        "eu_ai_act_role": "provider",
        "eu_ai_act_risk_class": "general_purpose",
        "documentation": [{"kind": "model_card", "url": "https://acme.ai/model-card"}]
    })
}

async fn vendor_with_service(app: &TestApp) -> (String, Value) {
    let vendor = app.create_vendor("Acme AI").await;
    let vendor_id = vendor["id"].as_str().unwrap().to_owned();
    let service = app
        .post(
            &format!("/v1/vendors/{vendor_id}/ai-services"),
            &app.admin(),
            &chat_api(),
        )
        .await
        .ok(201)
        .clone();
    (vendor_id, service)
}

#[actix_web::test]
async fn ai_services_are_recorded_normalised_and_listed() {
    let app = spawn_app().await;
    let token = app.admin();
    let (vendor_id, service) = vendor_with_service(&app).await;
    assert_eq!(service["vendor_id"], vendor_id.as_str());
    assert_eq!(service["hosting_regions"], json!(["EU", "US"]));
    assert_eq!(
        service["data_categories"],
        json!(["confidential", "personal"])
    );
    assert_eq!(service["version"], 1);
    let id = service["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/v1/ai-services/{id}"), &token)
            .await
            .ok(200),
        &service
    );

    let other_vendor = app.create_vendor("Label Co").await;
    app.post(
        &format!("/v1/vendors/{}/ai-services", other_vendor["id"].as_str().unwrap()),
        &token,
        &json!({"name": "Labelling", "kind": "labelling_service", "hosting_regions": ["IN"], "trains_on_customer_data": "opt_out"}),
    )
    .await
    .ok(201);

    let names = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect()
    };
    for (query, expected) in [
        ("", vec!["Labelling", "Acme Chat API"]),
        ("?kind=foundation_model_api", vec!["Acme Chat API"]),
        ("?model=CHAT", vec!["Acme Chat API"]),
        ("?data_category=personal", vec!["Acme Chat API"]),
        ("?region=eu", vec!["Acme Chat API"]),
        ("?region=IN", vec!["Labelling"]),
        ("?trains_on_customer_data=opt_out", vec!["Labelling"]),
        (
            "?eu_ai_act_risk_class=general_purpose",
            vec!["Acme Chat API"],
        ),
        (&*format!("?vendor_id={vendor_id}"), vec!["Acme Chat API"]),
    ] {
        let body = app
            .get(&format!("/v1/ai-services{query}"), &token)
            .await
            .ok(200)
            .clone();
        assert_eq!(names(&body), expected, "query {query}");
    }
    let body = app
        .get(&format!("/v1/vendors/{vendor_id}/ai-services"), &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(names(&body), vec!["Acme Chat API"]);
    app.get("/v1/ai-services?region=Mars", &token)
        .await
        .invalid_field("region");
    // A filter on an unknown vendor matches nothing; the vendor's own list is a 404.
    let unknown = app.get("/v1/ai-services?vendor_id=nobody", &token).await;
    assert!(unknown.ok(200)["data"].as_array().unwrap().is_empty());
    app.get("/v1/vendors/nobody/ai-services", &token)
        .await
        .problem(404);
    app.get("/v1/ai-services?kind=robot", &token)
        .await
        .invalid_field("kind");

    // Another organisation sees none of it.
    let other = app.token(OTHER_ORG, &[annexa::domain::roles::Role::Admin]);
    assert!(app.get("/v1/ai-services", &other).await.ok(200)["data"]
        .as_array()
        .unwrap()
        .is_empty());
    app.get(&format!("/v1/ai-services/{id}"), &other)
        .await
        .problem(404);
    app.patch(
        &format!("/v1/ai-services/{id}"),
        &other,
        &json!({"name": "x"}),
    )
    .await
    .problem(404);
    app.post(
        &format!("/v1/vendors/{vendor_id}/ai-services"),
        &other,
        &chat_api(),
    )
    .await
    .problem(404);
}

#[actix_web::test]
async fn bad_ai_services_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let token = app.admin();
    let vendor = app.create_vendor("Acme AI").await;
    let path = format!("/v1/vendors/{}/ai-services", vendor["id"].as_str().unwrap());
    let with = |key: &str, value: Value| {
        let mut body = chat_api();
        body[key] = value;
        body
    };
    let cases = [
        (with("kind", json!("robot")), "kind"),
        (
            with("hosting_regions", json!(["EU", "Atlantis"])),
            "hosting_regions[1]",
        ),
        (
            with("data_categories", json!(["gossip"])),
            "data_categories[0]",
        ),
        (
            with("trains_on_customer_data", json!("sometimes")),
            "trains_on_customer_data",
        ),
        (
            with("eu_ai_act_risk_class", json!("spicy")),
            "eu_ai_act_risk_class",
        ),
        (with("endpoints", json!(["ftp://acme.ai"])), "endpoints[0]"),
        (with("retention_days", json!(-1)), "retention_days"),
        (with("name", json!(" ")), "name"),
        (
            with("hosting_regions", json!(vec!["EU"; 51])),
            "hosting_regions",
        ),
        (
            with(
                "documentation",
                json!([{"kind": "model_card", "url": "nope"}]),
            ),
            "documentation[0].url",
        ),
        (with("colour", json!("red")), "colour"),
    ];
    for (body, field) in cases {
        app.post(&path, &token, &body).await.invalid_field(field);
    }
    assert!(app.get("/v1/ai-services", &token).await.ok(200)["data"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[actix_web::test]
async fn a_material_change_is_recorded_and_flags_the_vendor_for_reassessment() {
    let app = spawn_app().await;
    let token = app.admin();
    let (vendor_id, service) = vendor_with_service(&app).await;
    let path = format!("/v1/ai-services/{}", service["id"].as_str().unwrap());
    let vendor_path = format!("/v1/vendors/{vendor_id}");

    // Cosmetic changes are not material.
    let renamed = app
        .patch(
            &path,
            &token,
            &json!({"name": "Acme Chat", "retention_days": null}),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(renamed["name"], "Acme Chat");
    assert_eq!(renamed["retention_days"], Value::Null);
    assert_eq!(renamed["model_version"], "2026-06");
    assert_eq!(renamed["version"], 2);
    assert!(
        app.get(&format!("{path}/changes"), &token).await.ok(200)["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.get(&vendor_path, &token).await.ok(200)["reassessment_due"],
        false
    );

    // A new model version and new training terms are.
    let changed = app
        .patch(
            &path,
            &token,
            &json!({"model_version": "2026-11", "trains_on_customer_data": "opt_out"}),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(changed["version"], 3);
    let history = app
        .get(&format!("{path}/changes"), &token)
        .await
        .ok(200)
        .clone();
    let change = &history["data"][0];
    assert_eq!(change["actor"], "tester@example.com");
    assert_eq!(
        change["changes"],
        json!([
            {"field": "model_version", "before": "2026-06", "after": "2026-11"},
            {"field": "trains_on_customer_data", "before": "no", "after": "opt_out"}
        ])
    );
    let vendor = app.get(&vendor_path, &token).await.ok(200).clone();
    assert_eq!(vendor["reassessment_due"], true);
    assert_eq!(
        vendor["reassessment_reason"],
        "AI service 'Acme Chat' changed: model_version, trains_on_customer_data"
    );
    let audit = app
        .get(
            &format!("/v1/audit-events?entity_id={vendor_id}&action=vendor.reassessment_due"),
            &token,
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(audit["data"].as_array().unwrap().len(), 1);

    // A decision on the vendor settles the reassessment.
    let status = format!("{vendor_path}/status");
    app.post(&status, &token, &json!({"status": "in_review"}))
        .await
        .ok(200);
    assert_eq!(
        app.get(&vendor_path, &token).await.ok(200)["reassessment_due"],
        true
    );
    let approved = app
        .post(&status, &token, &json!({"status": "approved"}))
        .await
        .ok(200)
        .clone();
    assert_eq!(approved["reassessment_due"], false);
    assert_eq!(approved["reassessment_reason"], Value::Null);
}

#[actix_web::test]
async fn bad_patches_change_nothing() {
    let app = spawn_app().await;
    let token = app.admin();
    let (_, service) = vendor_with_service(&app).await;
    let path = format!("/v1/ai-services/{}", service["id"].as_str().unwrap());
    app.patch(&path, &token, &json!({"name": null}))
        .await
        .invalid_field("name");
    app.patch(&path, &token, &json!({"kind": "robot"}))
        .await
        .invalid_field("kind");
    app.patch(&path, &token, &json!({"id": "mine"}))
        .await
        .invalid_field("id");
    app.patch(&path, &token, &json!({"hosting_regions": ["XX"]}))
        .await
        .invalid_field("hosting_regions[0]");
    app.patch(&path, &token, &json!(["not", "an", "object"]))
        .await
        .invalid_field("body");
    let stale = app
        .send(
            app.client
                .patch(app.url(&path))
                .bearer_auth(&token)
                .header("if-match", "\"7\"")
                .json(&json!({"name": "x"})),
        )
        .await;
    assert_eq!(stale.problem(412)["current_version"], 1);
    assert_eq!(app.get(&path, &token).await.ok(200), &service);
    app.delete(
        &path,
        &app.token(
            crate::helpers::ORG,
            &[annexa::domain::roles::Role::Procurement],
        ),
    )
    .await
    .problem(403);
    app.delete(&path, &token).await.ok(204);
    app.get(&path, &token).await.problem(404);
}

#[actix_web::test]
async fn use_cases_describe_where_a_service_is_used() {
    let app = spawn_app().await;
    let token = app.admin();
    let (_, service) = vendor_with_service(&app).await;
    let base = format!(
        "/v1/ai-services/{}/use-cases",
        service["id"].as_str().unwrap()
    );
    let created = app
        .post(
            &base,
            &token,
            &json!({
                "purpose": "Draft support replies",
                "business_owner": "support lead",
                "affected_people": ["customers", "employees", "customers"],
                "decision_impact": "informs",
                "autonomy": "human_in_the_loop",
                "monthly_volume": 20000
            }),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(
        created["affected_people"],
        json!(["employees", "customers"])
    );
    let path = format!("{base}/{}", created["id"].as_str().unwrap());
    let updated = app
        .patch(
            &path,
            &token,
            &json!({"decision_impact": "decides", "autonomy": "autonomous"}),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(updated["decision_impact"], "decides");
    assert_eq!(updated["purpose"], "Draft support replies");
    assert_eq!(app.get(&base, &token).await.ok(200)["data"][0], updated);

    app.post(
        &base,
        &token,
        &json!({"purpose": "x", "decision_impact": "maybe", "autonomy": "autonomous"}),
    )
    .await
    .invalid_field("decision_impact");
    app.post(
        &base,
        &token,
        &json!({"purpose": "x", "decision_impact": "none"}),
    )
    .await
    .invalid_field("autonomy");
    app.post(&base, &token, &json!({"purpose": "x", "decision_impact": "none", "autonomy": "autonomous", "affected_people": ["aliens"]})).await.invalid_field("affected_people[0]");
    app.patch(&path, &token, &json!({"monthly_volume": -5}))
        .await
        .invalid_field("monthly_volume");
    assert_eq!(
        app.get(&base, &token).await.ok(200)["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let other = app.token(OTHER_ORG, &[annexa::domain::roles::Role::Admin]);
    app.get(&path, &other).await.problem(404);
    app.delete(&path, &token).await.ok(204);
    app.get(&path, &token).await.problem(404);
    // Deleting the vendor removes its services and their use cases.
    app.post(
        &base,
        &token,
        &json!({"purpose": "again", "decision_impact": "none", "autonomy": "autonomous"}),
    )
    .await
    .ok(201);
    app.delete(
        &format!("/v1/vendors/{}", service["vendor_id"].as_str().unwrap()),
        &token,
    )
    .await
    .ok(204);
    app.get(&base, &token).await.problem(404);
}

#[actix_web::test]
async fn a_service_takes_at_most_200_use_cases() {
    let app = spawn_app().await;
    let token = app.admin();
    let (_, service) = vendor_with_service(&app).await;
    let base = format!(
        "/v1/ai-services/{}/use-cases",
        service["id"].as_str().unwrap()
    );
    let use_case = |i: usize| json!({"purpose": format!("Use {i}"), "decision_impact": "none", "autonomy": "autonomous"});
    for i in 0..200 {
        app.post(&base, &token, &use_case(i)).await.ok(201);
    }
    app.post(&base, &token, &use_case(200)).await.problem(409);
    assert_eq!(
        app.get(&base, &token).await.ok(200)["data"]
            .as_array()
            .unwrap()
            .len(),
        200
    );
}
