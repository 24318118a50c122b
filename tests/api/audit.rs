use serde_json::{json, Value};

use crate::helpers::{spawn_app, OTHER_ORG};

#[actix_web::test]
async fn every_mutation_is_audited_with_before_and_after() {
    let app = spawn_app().await;
    let token = app.admin();
    let vendor = app.create_vendor("Audited Ltd").await;
    let id = vendor["id"].as_str().unwrap();
    let path = format!("/v1/vendors/{id}");
    app.patch(&path, &token, &json!({"tier": "high"}))
        .await
        .ok(200);
    app.post(
        &format!("{path}/status"),
        &token,
        &json!({"status": "in_review", "reason": "DDQ sent"}),
    )
    .await
    .ok(200);
    let contact = app
        .post(&format!("{path}/contacts"), &token, &json!({"name": "Sam"}))
        .await
        .ok(201)
        .clone();
    app.delete(
        &format!("{path}/contacts/{}", contact["id"].as_str().unwrap()),
        &token,
    )
    .await
    .ok(204);
    app.delete(&path, &token).await.ok(204);

    let events = app
        .get(&format!("/v1/audit-events?entity_id={id}"), &token)
        .await
        .ok(200)
        .clone();
    let actions: Vec<&str> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "vendor.deleted",
            "vendor.status_changed",
            "vendor.updated",
            "vendor.created"
        ]
    );
    let status_change = &events["data"][1];
    assert_eq!(status_change["reason"], "DDQ sent");
    assert_eq!(status_change["before"]["status"], "proposed");
    assert_eq!(status_change["after"]["status"], "in_review");
    assert_eq!(status_change["actor"], "tester@example.com");
    assert!(status_change["request_id"].is_string());
    assert_eq!(events["data"][0]["after"], Value::Null);
    assert_eq!(events["data"][0]["before"]["tier"], "high");

    let all = app.get("/v1/audit-events", &token).await.ok(200).clone();
    assert_eq!(all["data"].as_array().unwrap().len(), 6);
    let contact_events = app
        .get("/v1/audit-events?entity_type=vendor_contact", &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(contact_events["data"].as_array().unwrap().len(), 2);
    app.get("/v1/audit-events?since=yesterday", &token)
        .await
        .invalid_field("since");
    app.get("/v1/audit-events?cursor=!!", &token)
        .await
        .invalid_field("cursor");
    app.get("/v1/audit-events?limit=0", &token)
        .await
        .invalid_field("limit");
    app.get("/v1/audit-events?table=x", &token)
        .await
        .invalid_field("table");
    let future = app
        .get("/v1/audit-events?since=2999-01-01T00:00:00Z", &token)
        .await
        .ok(200)
        .clone();
    assert!(future["data"].as_array().unwrap().is_empty());

    // Another organisation sees none of it, and its own chain is separate.
    let other = app.token(OTHER_ORG, &[annexa::domain::roles::Role::Auditor]);
    assert!(app.get("/v1/audit-events", &other).await.ok(200)["data"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        app.get("/v1/audit-events/verify", &other).await.ok(200)["records_checked"],
        0
    );
}

#[actix_web::test]
async fn audit_pages_chain_together() {
    let app = spawn_app().await;
    let token = app.admin();
    for i in 0..5 {
        app.create_vendor(&format!("V{i}")).await;
    }
    let first = app
        .get("/v1/audit-events?limit=2", &token)
        .await
        .ok(200)
        .clone();
    let seqs: Vec<i64> = first["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![5, 4]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/v1/audit-events?limit=2&cursor={cursor}"), &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(second["data"][0]["seq"], 3);
    assert_eq!(second["data"][0]["hash"], first["data"][1]["prev_hash"]);
}

#[actix_web::test]
async fn the_chain_verifies_and_a_tampered_record_is_found() {
    let app = spawn_app().await;
    let token = app.admin();
    for i in 0..4 {
        app.create_vendor(&format!("V{i}")).await;
    }
    let verification = app
        .get("/v1/audit-events/verify", &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(verification["valid"], true);
    assert_eq!(verification["records_checked"], 4);

    // The database refuses edits to the log...
    let edit = "UPDATE audit_events SET actor = 'someone-else' WHERE seq = 3";
    assert!(
        app.execute_sql(edit).is_err(),
        "audit_events must be append-only"
    );
    // ...so an attacker with database access removes the guard first.
    let drop_guard = if app.is_postgres() {
        "DROP TRIGGER audit_events_no_update ON audit_events"
    } else {
        "DROP TRIGGER audit_events_no_update"
    };
    app.execute_sql(drop_guard).unwrap();
    app.execute_sql(edit).unwrap();

    let verification = app
        .get("/v1/audit-events/verify", &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(verification["valid"], false);
    assert_eq!(verification["records_checked"], 2);
    assert_eq!(verification["first_broken"]["seq"], 3);
    assert!(verification["first_broken"]["reason"]
        .as_str()
        .unwrap()
        .contains("hash"));
}
