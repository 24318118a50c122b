use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_with, TestApp, ORG, OTHER_ORG};
use annexa::domain::roles::Role;

fn date_in(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

async fn contract(app: &TestApp, token: &str, vendor_id: &str, body: Value) -> Value {
    app.post(&format!("/v1/vendors/{vendor_id}/contracts"), token, &body)
        .await
        .ok(201)
        .clone()
}

fn events(app: &TestApp, event_type: &str, id: &str) -> i64 {
    app.count_rows(&format!(
        "SELECT COUNT(*) AS n FROM outbox_events WHERE event_type = '{event_type}' AND payload LIKE '%{id}%'"
    ))
}

#[actix_web::test]
async fn contract_dates_raise_expiring_once_per_threshold_then_renew_or_expire() {
    let app = spawn_with(|s| s.scheduled_check_seconds = 1).await;
    let admin = app.admin();
    let vendor = app.create_vendor("Dated AI").await;
    let vendor_id = vendor["id"].as_str().unwrap();
    let ending = contract(
        &app,
        &admin,
        vendor_id,
        json!({"title": "Pilot order form", "contract_type": "order_form", "status": "active",
               "effective_date": "2026-01-01", "end_date": date_in(5)}),
    )
    .await;
    let ending_id = ending["id"].as_str().unwrap();
    let renewing = contract(
        &app,
        &admin,
        vendor_id,
        json!({"title": "Platform MSA", "contract_type": "msa", "status": "active",
               "effective_date": "2024-01-01", "end_date": date_in(-1),
               "auto_renewal": true, "renewal_term_months": 12, "notice_period_days": 30}),
    )
    .await;
    let renewing_id = renewing["id"].as_str().unwrap();
    let lapsed = contract(
        &app,
        &admin,
        vendor_id,
        json!({"title": "Old DPA", "contract_type": "dpa", "status": "active",
               "effective_date": "2024-01-01", "end_date": date_in(-1)}),
    )
    .await;
    let lapsed_id = lapsed["id"].as_str().unwrap();

    let listed = app
        .get("/v1/contracts?expiring_within=30d", &admin)
        .await
        .ok(200)
        .clone();
    let ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [ending_id]);
    let soon = app
        .get("/v1/contracts?expiring_within=3", &admin)
        .await
        .ok(200)
        .clone();
    assert!(soon["data"].as_array().unwrap().is_empty());

    // Several checks run; each threshold is announced once.
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    assert_eq!(events(&app, "contract.expiring", ending_id), 1);
    let raised = app.count_rows(&format!(
        "SELECT COUNT(*) AS n FROM contract_notices WHERE contract_id = '{ending_id}'"
    ));
    assert_eq!(
        raised, 3,
        "5 days out reaches the 60, 30 and 7 day thresholds"
    );
    assert_eq!(
        app.count_rows(&format!(
            "SELECT COUNT(*) AS n FROM outbox_events WHERE event_type = 'contract.expiring' AND payload LIKE '%\"threshold_days\":7%' AND payload LIKE '%{ending_id}%'"
        )),
        1
    );

    let renewed = app
        .get(&format!("/v1/contracts/{renewing_id}"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(renewed["status"], "active");
    let yesterday = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    let next_term = (yesterday + chrono::Months::new(12))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(renewed["end_date"], next_term.as_str());
    assert_eq!(events(&app, "contract.renewed", renewing_id), 1);

    let expired = app
        .get(&format!("/v1/contracts/{lapsed_id}"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(expired["status"], "expired");
    assert_eq!(events(&app, "contract.expired", lapsed_id), 1);
    // Another contract is still active, so the vendor is not flagged.
    let vendor_now = app
        .get(&format!("/v1/vendors/{vendor_id}"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(vendor_now["contract_expired"], false);

    // With every other contract terminated, only the expired one is left: the vendor is flagged.
    for id in [ending_id, renewing_id] {
        app.patch(
            &format!("/v1/contracts/{id}"),
            &admin,
            &json!({"status": "terminated"}),
        )
        .await
        .ok(200);
    }
    let flagged = app
        .get(&format!("/v1/vendors/{vendor_id}"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(flagged["contract_expired"], true);
    let portfolio = app.get("/v1/risk/portfolio", &admin).await.ok(200).clone();
    assert_eq!(portfolio["vendors_with_expired_contracts"], 1);
    // An expired contract can be edited without changing its status.
    app.patch(
        &format!("/v1/contracts/{lapsed_id}"),
        &admin,
        &json!({"notes": "Replaced by the 2027 DPA"}),
    )
    .await
    .ok(200);
    // A vendor with contracts is kept.
    app.delete(&format!("/v1/vendors/{vendor_id}"), &admin)
        .await
        .problem(409);
}

#[actix_web::test]
async fn contracts_and_clauses_refuse_bad_input_and_store_nothing() {
    let app = spawn_app().await;
    let admin = app.admin();
    let vendor = app.create_vendor("Strict AI").await;
    let vendor_id = vendor["id"].as_str().unwrap();
    let contracts = format!("/v1/vendors/{vendor_id}/contracts");
    let base = json!({"title": "MSA", "contract_type": "msa", "status": "active",
                      "effective_date": "2026-06-01", "end_date": "2027-05-31"});
    let with = |patch: Value| {
        let mut body = base.clone();
        json_patch::merge(&mut body, &patch);
        body
    };

    for (patch, field) in [
        (json!({"end_date": "2026-05-01"}), "end_date"),
        (json!({"notice_period_days": 400}), "notice_period_days"),
        (
            json!({"end_date": "2026-12-31", "notice_period_days": 300}),
            "notice_period_days",
        ),
        (
            json!({"end_date": null, "auto_renewal": true}),
            "auto_renewal",
        ),
        (json!({"renewal_term_months": 12}), "renewal_term_months"),
        (json!({"status": "expired"}), "status"),
        (json!({"effective_date": "01/06/2026"}), "effective_date"),
        (json!({"contract_type": "handshake"}), "contract_type"),
        (json!({"title": "  "}), "title"),
    ] {
        app.post(&contracts, &admin, &with(patch.clone()))
            .await
            .invalid_field(field);
    }
    app.post("/v1/vendors/nope/contracts", &admin, &base)
        .await
        .problem(404);
    app.post(&contracts, &app.token(ORG, &[Role::Sales]), &base)
        .await
        .problem(403);
    assert_eq!(app.count_rows("SELECT COUNT(*) AS n FROM contracts"), 0);

    let created = app.post(&contracts, &admin, &base).await.ok(201).clone();
    let path = format!("/v1/contracts/{}", created["id"].as_str().unwrap());
    app.patch(&path, &admin, &json!({"end_date": "2025-01-01"}))
        .await
        .invalid_field("end_date");
    app.patch(&path, &admin, &json!({"vendor_id": "other"}))
        .await
        .invalid_field("vendor_id");
    let stale = app
        .send(
            app.client
                .patch(app.url(&path))
                .bearer_auth(&admin)
                .header("if-match", "\"7\"")
                .json(&json!({"title": "Renamed"})),
        )
        .await;
    stale.problem(412);
    assert_eq!(app.get(&path, &admin).await.ok(200)["title"], "MSA");

    // Clause mappings: unknown controls, another organisation's control, duplicates.
    let other_admin = app.token(OTHER_ORG, &[Role::Admin]);
    app.post(
        "/v1/controls",
        &other_admin,
        &json!({"ref": "B-1", "title": "Org B's own control"}),
    )
    .await
    .ok(201);
    let clauses = format!("{path}/clauses");
    let clause = |mappings: Value| json!({"reference": "§1", "summary": "Data use", "category": "data_protection", "mappings": mappings});
    for (mappings, field) in [
        (
            json!([{"control_id": "iso42001:A.99", "coverage": "full"}]),
            "mappings[0].control_id",
        ),
        (
            json!([{"control_id": "iso42001:A.10.3", "coverage": "full"},
                   {"control_id": format!("org:{OTHER_ORG}:B-1"), "coverage": "full"}]),
            "mappings[1].control_id",
        ),
        (
            json!([{"control_id": "iso42001:A.10.3", "coverage": "full"},
                   {"control_id": "iso42001:A.10.3", "coverage": "partial"}]),
            "mappings[1].control_id",
        ),
        (
            json!([{"control_id": "iso42001:A.10.3", "coverage": "most"}]),
            "mappings[0].coverage",
        ),
    ] {
        app.post(&clauses, &admin, &clause(mappings))
            .await
            .invalid_field(field);
    }
    // Procurement may record a claim but not verify it.
    app.post(
        &clauses,
        &app.token(ORG, &[Role::Procurement]),
        &clause(json!([{"control_id": "iso42001:A.10.3", "coverage": "full", "verification": "verified"}])),
    )
    .await
    .problem(403);
    assert_eq!(
        app.count_rows("SELECT COUNT(*) AS n FROM contract_clauses"),
        0
    );
    assert_eq!(
        app.count_rows("SELECT COUNT(*) AS n FROM clause_mappings"),
        0
    );

    let created = app
        .post(
            &clauses,
            &app.token(ORG, &[Role::Procurement]),
            &clause(json!([{"control_id": "iso42001:A.10.3", "coverage": "full"}])),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(created["mappings"][0]["verification"], "claimed");
    assert_eq!(created["mappings"][0]["verified_by"], Value::Null);
    let clause_path = format!("{clauses}/{}", created["id"].as_str().unwrap());
    let mapping_path = format!(
        "{clause_path}/mappings/{}",
        created["mappings"][0]["id"].as_str().unwrap()
    );
    app.post(
        &format!("{clause_path}/mappings"),
        &admin,
        &json!({"mappings": [{"control_id": "iso42001:A.10.3", "coverage": "partial"}]}),
    )
    .await
    .invalid_field("mappings[0].control_id");
    let disputed = app
        .patch(
            &mapping_path,
            &admin,
            &json!({"verification": "disputed", "note": "The clause only covers EU data"}),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(disputed["mappings"][0]["verification"], "disputed");
    assert_eq!(disputed["mappings"][0]["verified_by"], "tester@example.com");
    app.patch(&mapping_path, &admin, &json!({"verification": "maybe"}))
        .await
        .invalid_field("verification");
    app.patch(&mapping_path, &admin, &json!({"note": " "}))
        .await
        .invalid_field("note");
    app.patch(
        &mapping_path,
        &app.token(ORG, &[Role::Procurement]),
        &json!({"verification": "verified"}),
    )
    .await
    .problem(403);
    app.patch(
        &format!("{clause_path}/mappings/nope"),
        &admin,
        &json!({"coverage": "full"}),
    )
    .await
    .problem(404);
    app.delete(&format!("{clause_path}/mappings/nope"), &admin)
        .await
        .problem(404);
    let unchanged = app.get(&clauses, &admin).await.ok(200).clone();
    assert_eq!(
        unchanged["data"][0]["mappings"][0]["verification"],
        "disputed"
    );
    assert_eq!(
        unchanged["data"][0]["mappings"][0]["note"],
        "The clause only covers EU data"
    );
    let renamed = app
        .patch(&clause_path, &admin, &json!({"reference": "§1.1"}))
        .await
        .ok(200)
        .clone();
    assert_eq!(renamed["reference"], "§1.1");
    assert_eq!(renamed["mappings"].as_array().unwrap().len(), 1);
    app.patch(&clause_path, &admin, &json!({"mappings": []}))
        .await
        .invalid_field("mappings");

    // Responsibilities: unknown and duplicate controls.
    let matrix = format!("/v1/vendors/{vendor_id}/responsibilities");
    app.put(
        &matrix,
        &admin,
        &json!({"entries": [{"control_id": "iso42001:A.10.2", "party": "supplier"},
                            {"control_id": "iso42001:A.10.2", "party": "shared"}]}),
    )
    .await
    .invalid_field("entries[1].control_id");
    app.put(
        &matrix,
        &admin,
        &json!({"entries": [{"control_id": "nope", "party": "supplier"}]}),
    )
    .await
    .invalid_field("entries[0].control_id");
    app.put(
        &matrix,
        &admin,
        &json!({"entries": [{"control_id": "iso42001:A.10.2", "party": "vendor"}]}),
    )
    .await
    .invalid_field("entries[0].party");
    assert_eq!(
        app.count_rows("SELECT COUNT(*) AS n FROM control_responsibilities"),
        0
    );

    app.get("/v1/vendors/nope/contracts", &admin)
        .await
        .problem(404);
    app.get("/v1/vendors/nope/responsibilities", &admin)
        .await
        .problem(404);
    app.get("/v1/contracts?expiring_within=soon", &admin)
        .await
        .invalid_field("expiring_within");
    app.get("/v1/contracts?expiring_within=0d", &admin)
        .await
        .invalid_field("expiring_within");

    // Another organisation sees none of it.
    app.get(&path, &other_admin).await.problem(404);
    app.get(&format!("{path}/clauses"), &other_admin)
        .await
        .problem(404);
}

#[actix_web::test]
async fn contract_documents_are_pdf_or_docx_checked_and_kept() {
    let app = spawn_app().await;
    let admin = app.admin();
    let vendor = app.create_vendor("Paper AI").await;
    let created = contract(
        &app,
        &admin,
        vendor["id"].as_str().unwrap(),
        json!({"title": "DPA", "contract_type": "dpa", "effective_date": "2026-01-01"}),
    )
    .await;
    assert_eq!(created["status"], "draft");
    let path = format!("/v1/contracts/{}", created["id"].as_str().unwrap());
    let pdf = b"%PDF-1.7\n% signed DPA\n%%EOF\n".to_vec();
    let stored = app
        .upload(
            &format!("{path}/documents?filename=DPA-signed.pdf"),
            &admin,
            "application/pdf",
            &pdf,
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(stored["content_type"], "application/pdf");
    let png =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    app.upload(
        &format!("{path}/documents?filename=scan.png"),
        &admin,
        "image/png",
        &png,
    )
    .await
    .invalid_field("body");
    app.upload(
        &format!("{path}/documents?filename=DPA.pdf"),
        &admin,
        "application/pdf",
        b"MZ\x90\0 not a pdf",
    )
    .await
    .problem(422);
    app.upload(
        "/v1/contracts/nope/documents?filename=DPA.pdf",
        &admin,
        "application/pdf",
        &pdf,
    )
    .await
    .problem(404);
    let listed = app
        .get(&format!("{path}/documents"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    let download = app
        .client
        .get(app.url(&format!(
            "{path}/documents/{}/content",
            stored["id"].as_str().unwrap()
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), pdf.as_slice());
    // Documents are evidence: the contract that holds them is kept.
    app.delete(&path, &admin).await.problem(409);
    assert_eq!(app.get(&path, &admin).await.ok(200)["title"], "DPA");
}
