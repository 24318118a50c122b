use serde_json::Value;

use crate::helpers::spawn_app;

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
