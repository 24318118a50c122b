use serde_json::Value;

use crate::helpers::{spawn_app, TestApp};

const ISO_42001_ANNEX_A: [&str; 38] = [
    "A.2.2", "A.2.3", "A.2.4", "A.3.2", "A.3.3", "A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6",
    "A.5.2", "A.5.3", "A.5.4", "A.5.5", "A.6.1.2", "A.6.1.3", "A.6.2.2", "A.6.2.3", "A.6.2.4",
    "A.6.2.5", "A.6.2.6", "A.6.2.7", "A.6.2.8", "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6",
    "A.8.2", "A.8.3", "A.8.4", "A.8.5", "A.9.2", "A.9.3", "A.9.4", "A.10.2", "A.10.3", "A.10.4",
];

fn refs(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ref"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn iso_42001_annex_a_has_exactly_its_38_controls_in_order() {
    let app = spawn_app().await;
    let body = app
        .get("/v1/controls?framework=iso42001", &app.admin())
        .await
        .ok(200)
        .clone();
    assert_eq!(refs(&body), ISO_42001_ANNEX_A);
    assert_eq!(body["next_cursor"], Value::Null);
    assert!(body["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["built_in"] == true));
}

#[actix_web::test]
async fn frameworks_list_their_sizes() {
    let app = spawn_app().await;
    let body = app
        .get(
            "/v1/frameworks",
            &app.token(crate::helpers::ORG, &[annexa::domain::roles::Role::Auditor]),
        )
        .await
        .ok(200)
        .clone();
    let sizes: Vec<(String, i64)> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["control_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(sizes[0], ("iso42001".to_owned(), 38));
    assert_eq!(sizes[1], ("nist-ai-rmf".to_owned(), 72));
    assert_eq!(sizes[2].0, "eu-ai-act");
}

#[actix_web::test]
async fn controls_filter_page_and_crosswalk() {
    let app = spawn_app().await;
    let token = app.admin();
    let govern = app
        .get("/v1/controls?framework=nist-ai-rmf&group=GOVERN", &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(govern["data"].as_array().unwrap().len(), 19);
    let suppliers = app
        .get("/v1/controls?q=third-party", &token)
        .await
        .ok(200)
        .clone();
    assert!(refs(&suppliers).contains(&"GOVERN 6.1".to_owned()));

    // Pages walk the whole catalog once, in order.
    let mut seen = Vec::new();
    let mut path = "/v1/controls?limit=40".to_owned();
    loop {
        let page = app.get(&path, &token).await.ok(200).clone();
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/controls?limit=40&cursor={cursor}"),
            None => break,
        }
    }
    let total: i64 = app.get("/v1/frameworks", &token).await.ok(200)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["control_count"].as_i64().unwrap())
        .sum();
    assert_eq!(seen.len() as i64, total);
    assert_eq!(seen[0], "iso42001:A.2.2");

    let detail = app
        .get("/v1/controls/iso42001:A.10.3", &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(detail["ref"], "A.10.3");
    assert_eq!(detail["group_ref"], "A.10");
    let related: Vec<&str> = detail["crosswalk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(related.contains(&"nist-ai-rmf:GOVERN 6.1"), "{related:?}");
    assert!(related.contains(&"eu-ai-act:Art. 25(4)"), "{related:?}");
    // The crosswalk reads both ways.
    let back = app
        .get("/v1/controls/eu-ai-act:Art.%2025(4)", &token)
        .await
        .ok(200)
        .clone();
    assert!(back["crosswalk"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == "iso42001:A.10.3"));

    app.get("/v1/controls/iso42001:A.99", &token)
        .await
        .problem(404);
    app.get("/v1/controls?cursor=!!", &token)
        .await
        .invalid_field("cursor");
    app.get("/v1/controls?framework=", &token)
        .await
        .invalid_field("framework");
    app.get(
        "/v1/controls",
        &app.token(crate::helpers::ORG, &[annexa::domain::roles::Role::Vendor]),
    )
    .await
    .problem(403);
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn profiles_default_per_tier_and_can_be_replaced_and_reverted() {
    let app = spawn_app().await;
    let token = app.admin();
    let profiles = app
        .get("/v1/control-profiles", &token)
        .await
        .ok(200)
        .clone();
    let tiers: Vec<&str> = profiles["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["tier"].as_str().unwrap())
        .collect();
    assert_eq!(tiers, ["low", "medium", "high", "critical"]);
    let critical = &profiles["data"][3];
    assert_eq!(critical["customized"], false);
    let critical_ids = ids(&critical["controls"]);
    for id in [
        "iso42001:A.10.2",
        "iso42001:A.10.3",
        "iso42001:A.10.4",
        "iso42001:A.7.5",
        "iso42001:A.8.4",
    ] {
        assert!(
            critical_ids.contains(&id.to_owned()),
            "{id} missing from critical"
        );
    }

    let set = app.put("/v1/control-profiles/low", &token, &serde_json::json!({"controls": ["nist-ai-rmf:GOVERN 6.1", "iso42001:A.10.3", "iso42001:A.10.3"]})).await;
    let low = set.ok(200).clone();
    assert_eq!(low["customized"], true);
    assert_eq!(
        ids(&low["controls"]),
        ["nist-ai-rmf:GOVERN 6.1", "iso42001:A.10.3"]
    );

    // Unknown ids are refused by index and change nothing.
    let bad = app
        .put(
            "/v1/control-profiles/low",
            &token,
            &serde_json::json!({"controls": ["iso42001:A.10.3", "iso42001:A.99"]}),
        )
        .await;
    bad.invalid_field("controls[1]");
    app.put(
        "/v1/control-profiles/enormous",
        &token,
        &serde_json::json!({"controls": []}),
    )
    .await
    .problem(404);
    let risk_officer_only = app.token(
        crate::helpers::ORG,
        &[annexa::domain::roles::Role::Procurement],
    );
    app.delete("/v1/control-profiles/low", &risk_officer_only)
        .await
        .problem(403);
    app.delete("/v1/control-profiles/enormous", &token)
        .await
        .problem(404);
    let not_a_list = serde_json::json!({"controls": "iso42001:A.10.3"});
    app.put("/v1/control-profiles/low", &token, &not_a_list)
        .await
        .invalid_field("controls");
    let now = app
        .get("/v1/control-profiles", &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(
        ids(&now["data"][0]["controls"]),
        ["nist-ai-rmf:GOVERN 6.1", "iso42001:A.10.3"]
    );

    // Another organisation still has the default.
    let other = app.token(
        crate::helpers::OTHER_ORG,
        &[annexa::domain::roles::Role::Admin],
    );
    assert_eq!(
        app.get("/v1/control-profiles", &other).await.ok(200)["data"][0]["customized"],
        false
    );

    let reverted = app
        .delete("/v1/control-profiles/low", &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(reverted["customized"], false);
    assert_eq!(
        ids(&reverted["controls"]),
        ["iso42001:A.10.2", "iso42001:A.10.3"]
    );
    let audit = app
        .get("/v1/audit-events?entity_type=control_profile", &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(audit["data"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn required_controls_follow_the_tier_and_what_the_vendor_provides() {
    let app = spawn_app().await;
    let token = app.admin();
    let vendor = app
        .post(
            "/v1/vendors",
            &token,
            &serde_json::json!({"legal_name": "Acme", "tier": "low"}),
        )
        .await
        .ok(201)
        .clone();
    let vendor_id = vendor["id"].as_str().unwrap();
    let path = format!("/v1/vendors/{vendor_id}/required-controls");
    let required = app.get(&path, &token).await.ok(200).clone();
    assert_eq!(required["profile_tier"], "low");
    let listed: Vec<String> = required["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["control"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, ["iso42001:A.10.2", "iso42001:A.10.3"]);
    assert_eq!(
        required["data"][0]["reasons"],
        serde_json::json!(["required of low-tier vendors"])
    );

    app.post(
        &format!("/v1/vendors/{vendor_id}/ai-services"),
        &token,
        &serde_json::json!({
            "name": "Chat API", "kind": "foundation_model_api", "data_categories": ["personal"],
            "trains_on_customer_data": "opt_out", "subprocessors_see_data": true,
            "eu_ai_act_risk_class": "high"
        }),
    )
    .await
    .ok(201);
    let required = app.get(&path, &token).await.ok(200).clone();
    let by_id = |id: &str| -> Value {
        required["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["control"]["id"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        by_id("iso42001:A.10.3")["reasons"],
        serde_json::json!([
            "required of low-tier vendors",
            "'Chat API' may train on the organisation's data"
        ])
    );
    assert_eq!(
        by_id("iso42001:A.7.5")["reasons"],
        serde_json::json!(["personal data is sent to 'Chat API'"])
    );
    assert!(by_id("eu-ai-act:Art. 26(5)").is_object());
    assert!(by_id("nist-ai-rmf:GOVERN 6.1").is_object());
    assert!(by_id("nist-ai-rmf:MANAGE 2.4").is_null());

    // How the organisation uses the service adds controls too.
    let chat_id = app
        .get(&format!("/v1/vendors/{vendor_id}/ai-services"), &token)
        .await
        .ok(200)["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/v1/ai-services/{chat_id}/use-cases"),
        &token,
        &serde_json::json!({
            "purpose": "Shortlist applicants for the apprenticeship scheme",
            "affected_people": ["minors", "public"], "decision_impact": "decides", "autonomy": "autonomous"
        }),
    )
    .await
    .ok(201);
    let required = app.get(&path, &token).await.ok(200).clone();
    let reasons = |id: &str| -> Value {
        required["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["control"]["id"] == id)
            .map(|r| r["reasons"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        reasons("iso42001:A.5.4"),
        serde_json::json!([
            "personal data is sent to 'Chat API'",
            "'Chat API' decides about people in 'Shortlist applicants for the apprenticeship scheme'",
            "'Shortlist applicants for the apprenticeship scheme' affects minors"
        ])
    );
    assert_eq!(
        reasons("nist-ai-rmf:MANAGE 2.4"),
        serde_json::json!([
            "'Chat API' acts without human review in 'Shortlist applicants for the apprenticeship scheme'"
        ])
    );
    assert!(reasons("iso42001:A.8.3").is_array());

    // A vendor without a tier is held to the medium profile.
    let untiered = app.create_vendor("Untiered").await;
    let body = app
        .get(
            &format!(
                "/v1/vendors/{}/required-controls",
                untiered["id"].as_str().unwrap()
            ),
            &token,
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(body["tier"], Value::Null);
    assert_eq!(body["profile_tier"], "medium");
    assert_eq!(body["data"].as_array().unwrap().len(), 5);

    let other = app.token(
        crate::helpers::OTHER_ORG,
        &[annexa::domain::roles::Role::Admin],
    );
    app.get(&path, &other).await.problem(404);
}

fn crosswalk_ids(detail: &Value) -> Vec<String> {
    detail["crosswalk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn organisations_define_their_own_controls() {
    let app = spawn_app().await;
    let token = app.admin();
    let created = app
        .post(
            "/v1/controls",
            &token,
            &serde_json::json!({
                "ref": "AI-SEC-1", "title": "Vendor deletes prompts within 30 days",
                "group_ref": "AI-SEC", "group_title": "AI security",
                "description": "Prompts are deleted within 30 days and never used for training."
            }),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(created["id"], "org:org-a:AI-SEC-1");
    assert_eq!(created["framework"], "org:org-a");
    assert_eq!(created["built_in"], false);
    app.post(
        "/v1/controls",
        &token,
        &serde_json::json!({"ref": "AI-SEC-2", "title": "Vendor logs model changes"}),
    )
    .await
    .ok(201);

    let frameworks = app.get("/v1/frameworks", &token).await.ok(200).clone();
    let own = frameworks["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "org:org-a")
        .cloned()
        .unwrap();
    assert_eq!(own["built_in"], false);
    assert_eq!(own["control_count"], 2);
    let listed = app
        .get("/v1/controls?framework=org:org-a", &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(refs(&listed), ["AI-SEC-1", "AI-SEC-2"]);
    assert_eq!(listed["data"][1]["group_ref"], "ORG");
    let iso = app
        .get("/v1/controls?framework=iso42001&limit=200", &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(refs(&iso).len(), 38);

    // Another organisation sees none of it.
    let other = app.token(
        crate::helpers::OTHER_ORG,
        &[annexa::domain::roles::Role::Admin],
    );
    app.get("/v1/controls/org:org-a:AI-SEC-1", &other)
        .await
        .problem(404);
    let theirs = app.get("/v1/frameworks", &other).await.ok(200).clone();
    assert!(!theirs["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "org:org-a"));

    // Bad input.
    app.post(
        "/v1/controls",
        &token,
        &serde_json::json!({"ref": "AI-SEC-1", "title": "Again"}),
    )
    .await
    .problem(409);
    app.post(
        "/v1/controls",
        &token,
        &serde_json::json!({"ref": "has space", "title": "x"}),
    )
    .await
    .invalid_field("ref");
    app.post(
        "/v1/controls",
        &token,
        &serde_json::json!({"ref": "AI-3", "title": "   "}),
    )
    .await
    .invalid_field("title");
    app.post(
        "/v1/controls",
        &token,
        &serde_json::json!({"ref": "AI-3", "title": "x", "owner": "me"}),
    )
    .await
    .invalid_field("owner");
    let procurement = app.token(
        crate::helpers::ORG,
        &[annexa::domain::roles::Role::Procurement],
    );
    app.post(
        "/v1/controls",
        &procurement,
        &serde_json::json!({"ref": "AI-3", "title": "x"}),
    )
    .await
    .problem(403);

    // Edit by merge patch; the ref is the identity; built-in controls are read-only.
    let path = "/v1/controls/org:org-a:AI-SEC-1";
    let patched = app
        .patch(
            path,
            &token,
            &serde_json::json!({"title": "Vendor deletes prompts within 7 days", "description": null}),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(patched["title"], "Vendor deletes prompts within 7 days");
    assert_eq!(patched["description"], Value::Null);
    assert_eq!(patched["group_title"], "AI security");
    app.patch(path, &token, &serde_json::json!({"ref": "AI-SEC-9"}))
        .await
        .invalid_field("ref");
    app.patch(path, &token, &serde_json::json!({"title": ""}))
        .await
        .invalid_field("title");
    app.patch(
        "/v1/controls/iso42001:A.10.3",
        &token,
        &serde_json::json!({"title": "Mine now"}),
    )
    .await
    .problem(409);
    app.delete("/v1/controls/iso42001:A.10.3", &token)
        .await
        .problem(409);
    let unchanged = app.get(path, &token).await.ok(200).clone();
    assert_eq!(unchanged["title"], "Vendor deletes prompts within 7 days");

    // A control a profile requires is kept until the profile lets go of it.
    app.put(
        "/v1/control-profiles/low",
        &token,
        &serde_json::json!({"controls": ["iso42001:A.10.2", "org:org-a:AI-SEC-1"]}),
    )
    .await
    .ok(200);
    let refused = app.delete(path, &token).await.problem(409).clone();
    assert!(refused["detail"].as_str().unwrap().contains("low"));
    app.delete("/v1/control-profiles/low", &token).await.ok(200);
    app.delete(path, &token).await.ok(204);
    app.get(path, &token).await.problem(404);

    let actions = app.audit_actions(&token, "control").await;
    assert_eq!(
        actions.iter().filter(|a| *a == "control.created").count(),
        2
    );
    assert!(actions.contains(&"control.updated".to_owned()));
    assert!(actions.contains(&"control.deleted".to_owned()));
}

#[actix_web::test]
async fn organisations_add_and_remove_their_own_crosswalk_entries() {
    let app = spawn_app().await;
    let token = app.admin();
    app.post(
        "/v1/controls",
        &token,
        &serde_json::json!({"ref": "SUP-1", "title": "Supplier AI terms reviewed"}),
    )
    .await
    .ok(201);
    let own = "org:org-a:SUP-1";
    let detail = app
        .post(
            &format!("/v1/controls/{own}/crosswalk"),
            &token,
            &serde_json::json!({"related_id": "iso42001:A.10.3"}),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(crosswalk_ids(&detail), ["iso42001:A.10.3"]);
    // Between two built-in controls too, and read from either end.
    app.post(
        "/v1/controls/iso42001:A.2.2/crosswalk",
        &token,
        &serde_json::json!({"related_id": "nist-ai-rmf:MAP 5.1"}),
    )
    .await
    .ok(201);
    let a103 = app
        .get("/v1/controls/iso42001:A.10.3", &token)
        .await
        .ok(200)
        .clone();
    assert!(crosswalk_ids(&a103).contains(&own.to_owned()));
    let map51 = app
        .get("/v1/controls/nist-ai-rmf:MAP%205.1", &token)
        .await
        .ok(200)
        .clone();
    assert!(crosswalk_ids(&map51).contains(&"iso42001:A.2.2".to_owned()));

    // Another organisation's crosswalk is its own.
    let other = app.token(
        crate::helpers::OTHER_ORG,
        &[annexa::domain::roles::Role::Admin],
    );
    let theirs = app
        .get("/v1/controls/nist-ai-rmf:MAP%205.1", &other)
        .await
        .ok(200)
        .clone();
    assert!(!crosswalk_ids(&theirs).contains(&"iso42001:A.2.2".to_owned()));
    app.post(
        "/v1/controls/iso42001:A.2.2/crosswalk",
        &other,
        &serde_json::json!({"related_id": "nist-ai-rmf:MAP 5.1"}),
    )
    .await
    .ok(201);

    // Bad input: already related (either way, built-in included), itself, unknown.
    let link = |id: &str, related: &str| {
        (
            format!("/v1/controls/{id}/crosswalk"),
            serde_json::json!({ "related_id": related }),
        )
    };
    for (path, body) in [
        link(own, "iso42001:A.10.3"),
        link("iso42001:A.10.3", own),
        link("iso42001:A.10.3", "nist-ai-rmf:GOVERN 6.1"),
    ] {
        app.post(&path, &token, &body).await.problem(409);
    }
    let (path, body) = link(own, own);
    app.post(&path, &token, &body)
        .await
        .invalid_field("related_id");
    let (path, body) = link(own, "iso42001:A.99");
    app.post(&path, &token, &body)
        .await
        .invalid_field("related_id");
    let (path, body) = link("iso42001:A.99", own);
    app.post(&path, &token, &body).await.problem(404);
    app.post(&path, &token, &serde_json::json!({}))
        .await
        .problem(422);

    // Built-in entries stay; the organisation's own go; a control is not related to itself.
    app.delete(
        "/v1/controls/iso42001:A.10.3/crosswalk/iso42001:A.10.3",
        &token,
    )
    .await
    .problem(404);
    app.delete(
        "/v1/controls/iso42001:A.10.3/crosswalk/nist-ai-rmf:GOVERN%206.1",
        &token,
    )
    .await
    .problem(409);
    app.delete(
        &format!("/v1/controls/iso42001:A.10.3/crosswalk/{own}"),
        &token,
    )
    .await
    .ok(204);
    app.delete(
        &format!("/v1/controls/iso42001:A.10.3/crosswalk/{own}"),
        &token,
    )
    .await
    .problem(404);
    let a103 = app
        .get("/v1/controls/iso42001:A.10.3", &token)
        .await
        .ok(200)
        .clone();
    assert!(!crosswalk_ids(&a103).contains(&own.to_owned()));
    assert!(crosswalk_ids(&a103).contains(&"nist-ai-rmf:GOVERN 6.1".to_owned()));
}

fn oscal_control_ids(catalog: &Value) -> Vec<String> {
    catalog["catalog"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["controls"].as_array().unwrap().iter())
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn catalogs_and_profiles_export_as_oscal() {
    let app = spawn_app().await;
    let token = app.admin();
    let iso = app
        .get("/v1/frameworks/iso42001/oscal", &token)
        .await
        .ok(200)
        .clone();
    let catalog = &iso["catalog"];
    assert_eq!(catalog["metadata"]["oscal-version"], "1.1.2");
    assert_eq!(catalog["metadata"]["title"], "ISO/IEC 42001:2023 Annex A");
    let uuid = catalog["uuid"].as_str().unwrap();
    assert_eq!(
        uuid::Uuid::parse_str(uuid).unwrap().get_version_num(),
        4,
        "OSCAL wants a v4 or v5 UUID"
    );
    assert_eq!(oscal_control_ids(&iso), ISO_42001_ANNEX_A);
    let groups: Vec<&str> = catalog["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        groups,
        ["A.2", "A.3", "A.4", "A.5", "A.6", "A.7", "A.8", "A.9", "A.10"]
    );
    let a103 = catalog["groups"][8]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "A.10.3")
        .unwrap();
    assert!(a103["props"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!({"name": "label", "value": "A.10.3"})));
    assert!(a103["links"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!({
            "href": "/v1/frameworks/nist-ai-rmf/oscal#GOVERN-6.1",
            "rel": "related",
            "text": "nist-ai-rmf:GOVERN 6.1"
        })));

    // References that are not OSCAL tokens are made into tokens, consistently.
    let eu = app
        .get("/v1/frameworks/eu-ai-act/oscal", &token)
        .await
        .ok(200)
        .clone();
    let eu_ids = oscal_control_ids(&eu);
    assert!(eu_ids.contains(&"Art.-25-4".to_owned()), "{eu_ids:?}");
    assert!(eu_ids.contains(&"Annex-XII-1".to_owned()), "{eu_ids:?}");

    let profile = app
        .get("/v1/control-profiles/high/oscal", &token)
        .await
        .ok(200)
        .clone();
    let imports = profile["profile"]["imports"].as_array().unwrap();
    assert_eq!(imports.len(), 2);
    assert_eq!(imports[0]["href"], "/v1/frameworks/iso42001/oscal");
    assert_eq!(
        imports[1]["include-controls"][0]["with-ids"],
        serde_json::json!(["GOVERN-6.1"])
    );
    assert_eq!(
        imports[0]["include-controls"][0]["with-ids"]
            .as_array()
            .unwrap()
            .len(),
        11
    );

    // The organisation's own framework exports too, with its description as the statement.
    app.post(
        "/v1/controls",
        &token,
        &serde_json::json!({"ref": "AI-SEC-1", "title": "Prompts deleted", "description": "Within 30 days."}),
    )
    .await
    .ok(201);
    let own = app
        .get("/v1/frameworks/org:org-a/oscal", &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(
        own["catalog"]["groups"][0]["controls"][0]["parts"][0],
        serde_json::json!({"id": "AI-SEC-1_smt", "name": "statement", "prose": "Within 30 days."})
    );
    let other = app.token(
        crate::helpers::OTHER_ORG,
        &[annexa::domain::roles::Role::Auditor],
    );
    app.get("/v1/frameworks/org:org-a/oscal", &other)
        .await
        .problem(404);
    app.get("/v1/frameworks/cobit/oscal", &token)
        .await
        .problem(404);
    app.get("/v1/control-profiles/extreme/oscal", &token)
        .await
        .problem(404);
}

/// The number of controls the first score of a new `tier` vendor was computed against, and the
/// titles of the controls the vendor is now required to evidence.
async fn new_vendor_requirements(app: &TestApp, token: &str, tier: &str) -> (u64, Vec<String>) {
    let vendor = app
        .post(
            "/v1/vendors",
            token,
            &serde_json::json!({"legal_name": "Newcomer", "tier": tier}),
        )
        .await
        .ok(201)
        .clone();
    let id = vendor["id"].as_str().unwrap();
    let risk = app
        .get(&format!("/v1/vendors/{id}/risk"), token)
        .await
        .ok(200)
        .clone();
    let scored = risk["explanation"]["coverage"]["required"]
        .as_u64()
        .unwrap();
    let required = app
        .get(&format!("/v1/vendors/{id}/required-controls"), token)
        .await
        .ok(200)
        .clone();
    let titles = required["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["control"]["title"].as_str().unwrap().to_owned())
        .collect();
    (scored, titles)
}

#[actix_web::test]
async fn new_vendors_are_held_to_the_catalog_as_it_was_last_changed() {
    let app = spawn_app().await;
    let token = app.admin();
    let (scored, titles) = new_vendor_requirements(&app, &token, "low").await;
    assert_eq!(scored, 2);
    assert_eq!(titles.len(), 2);

    app.post(
        "/v1/controls",
        &token,
        &serde_json::json!({"ref": "AI-SEC-1", "title": "Prompts are deleted"}),
    )
    .await
    .ok(201);
    app.put(
        "/v1/control-profiles/low",
        &token,
        &serde_json::json!({"controls": ["org:org-a:AI-SEC-1"]}),
    )
    .await
    .ok(200);
    assert_eq!(
        new_vendor_requirements(&app, &token, "low").await,
        (1, vec!["Prompts are deleted".to_owned()])
    );

    app.patch(
        "/v1/controls/org:org-a:AI-SEC-1",
        &token,
        &serde_json::json!({"title": "Prompts are deleted within 7 days"}),
    )
    .await
    .ok(200);
    assert_eq!(
        new_vendor_requirements(&app, &token, "low").await,
        (1, vec!["Prompts are deleted within 7 days".to_owned()])
    );

    // Another organisation, unchanged, keeps the built-in profile.
    let other = app.token(
        crate::helpers::OTHER_ORG,
        &[annexa::domain::roles::Role::Admin],
    );
    assert_eq!(
        new_vendor_requirements(&app, &other, "low").await,
        (scored, titles.clone())
    );

    app.delete("/v1/control-profiles/low", &token).await.ok(200);
    app.delete("/v1/controls/org:org-a:AI-SEC-1", &token)
        .await
        .ok(204);
    assert_eq!(
        new_vendor_requirements(&app, &token, "low").await,
        (scored, titles)
    );
}
