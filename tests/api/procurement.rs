//! Procurement intake: signed, idempotent supplier requests that create vendors and send
//! assessments, and decisions flowing back to the procurement system.

use annexa::domain::roles::Role;
use serde_json::{json, Value};

use crate::helpers::{spawn_with, Reply, TestApp, ORG};
use crate::receiver::Receiver;
use crate::webhooks::{deliver_fast, endpoint};

async fn integration(app: &TestApp, body: Value) -> (String, String) {
    let created = app
        .post("/v1/integrations/procurement", &app.admin(), &body)
        .await;
    let body = created.ok(201);
    (
        body["id"].as_str().unwrap().to_owned(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

/// Posts `body` to the intake endpoint, signed by the `standardwebhooks` crate.
async fn deliver(
    app: &TestApp,
    integration_id: &str,
    secret: &str,
    message_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Reply {
    let signature = standardwebhooks::Webhook::new(secret)
        .unwrap()
        .sign(message_id, timestamp, body)
        .unwrap();
    app.send(
        app.client
            .post(app.url(&format!(
                "/v1/integrations/procurement/{integration_id}/events"
            )))
            .header("content-type", "application/json")
            .header("webhook-id", message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_vec()),
    )
    .await
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn supplier_request(external_id: &str, name: &str, ai: bool) -> Vec<u8> {
    json!({
        "type": "supplier.requested",
        "timestamp": "2026-11-25T09:00:00Z",
        "data": {
            "external_id": external_id,
            "name": name,
            "domain": "acme.ai",
            "requester": {"name": "Jane Doe", "email": "jane.doe@example.com"},
            "purpose": "LLM assistant for customer support",
            "ai_involved": ai,
            "data_categories": ["personal", "confidential"]
        }
    })
    .to_string()
    .into_bytes()
}

#[actix_web::test]
async fn a_signed_supplier_request_creates_a_vendor_sends_an_assessment_and_decisions_flow_back() {
    let receiver = Receiver::start();
    let app = spawn_with(deliver_fast).await;
    let admin = app.admin();
    endpoint(&app, &receiver.url("/coupa"), &["procurement.decision"]).await;
    let (id, secret) = integration(
        &app,
        json!({ "name": "Coupa production", "system": "coupa", "assessment_due_days": 14 }),
    )
    .await;
    let read = app
        .get(&format!("/v1/integrations/procurement/{id}"), &admin)
        .await;
    assert!(read.ok(200).get("secret").is_none());
    assert_eq!(read.body["send_assessment"], true);

    let body = supplier_request("SUP-10042", "Acme AI Ltd", true);
    let first = deliver(&app, &id, &secret, "msg_1", now(), &body).await;
    let outcome = first.ok(202).clone();
    assert_eq!(outcome["vendor_created"], true);
    assert_eq!(outcome["assessment_status"], "sent");
    let vendor_id = outcome["vendor_id"].as_str().unwrap().to_owned();
    let assessment_id = outcome["assessment_id"].as_str().unwrap().to_owned();
    let vendor = app.get(&format!("/v1/vendors/{vendor_id}"), &admin).await;
    assert_eq!(vendor.ok(200)["status"], "proposed");
    assert_eq!(
        vendor.body["external_ids"],
        json!([{ "source": "coupa", "id": "SUP-10042" }])
    );
    assert_eq!(vendor.body["domains"], json!(["acme.ai"]));
    assert_eq!(vendor.body["owner"], "jane.doe@example.com");
    let assessment = app
        .get(&format!("/v1/assessments/{assessment_id}"), &admin)
        .await;
    assert_eq!(assessment.ok(200)["status"], "sent");
    assert_eq!(
        assessment.body["due_date"],
        annexa::domain::time::add_days(&annexa::domain::time::today(), 14).unwrap()
    );
    // The link handed back opens the questionnaire for the supplier.
    let token = outcome["vendor_link"]["token"].as_str().unwrap();
    app.get(
        &format!("/v1/assessments/{assessment_id}/questionnaire"),
        token,
    )
    .await
    .ok(200);

    // The same message again: the first answer, nothing new.
    let again = deliver(&app, &id, &secret, "msg_1", now(), &body).await;
    assert_eq!(again.ok(202)["request_id"], outcome["request_id"]);
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    assert_eq!(
        again.body["vendor_link"]["link_id"],
        outcome["vendor_link"]["link_id"]
    );
    // A new message about the same supplier updates it.
    let renamed = supplier_request("SUP-10042", "Acme AI Limited", true);
    let update = deliver(&app, &id, &secret, "msg_2", now(), &renamed).await;
    assert_eq!(update.ok(202)["vendor_created"], false);
    assert_eq!(update.body["vendor_id"], vendor_id.as_str());
    assert_eq!(update.body["assessment_id"], assessment_id.as_str());
    assert_eq!(app.count_rows("SELECT COUNT(*) AS n FROM vendors"), 1);
    assert_eq!(app.count_rows("SELECT COUNT(*) AS n FROM assessments"), 1);
    assert_eq!(
        app.count_rows("SELECT received_count AS n FROM procurement_requests"),
        2
    );
    let vendor = app.get(&format!("/v1/vendors/{vendor_id}"), &admin).await;
    assert_eq!(vendor.ok(200)["legal_name"], "Acme AI Limited");
    // No AI involved: a vendor, no assessment.
    let plain = deliver(
        &app,
        &id,
        &secret,
        "msg_3",
        now(),
        &supplier_request("SUP-2", "Paper Co", false),
    )
    .await;
    assert_eq!(plain.ok(202)["assessment_id"], Value::Null);
    assert!(app
        .audit_actions(&admin, "vendor")
        .await
        .contains(&"procurement_request.received".to_owned()));
    // A supplier already on the register under the system's id is linked, not duplicated.
    let known = app
        .post(
            "/v1/vendors",
            &admin,
            &json!({ "legal_name": "Known AI", "external_ids": [{ "source": "coupa", "id": "SUP-77" }] }),
        )
        .await;
    let known_id = known.ok(201)["id"].clone();
    let linked = deliver(
        &app,
        &id,
        &secret,
        "msg_4",
        now(),
        &supplier_request("SUP-77", "Known AI", false),
    )
    .await;
    assert_eq!(linked.ok(202)["vendor_created"], false);
    assert_eq!(linked.body["vendor_id"], known_id);

    // Decisions go back to the procurement system.
    app.post(
        &format!("/v1/vendors/{vendor_id}/status"),
        &admin,
        &json!({ "status": "in_review", "reason": "questionnaire out" }),
    )
    .await
    .ok(200);
    app.patch(
        &format!("/v1/vendors/{vendor_id}"),
        &admin,
        &json!({ "tier": "high" }),
    )
    .await
    .ok(200);
    let got = receiver.wait_for(2).await;
    let first = got[0].json();
    assert_eq!(first["type"], "procurement.decision");
    assert_eq!(first["data"]["decision"]["external_id"], "SUP-10042");
    assert_eq!(first["data"]["decision"]["system"], "coupa");
    assert_eq!(first["data"]["decision"]["decision"], "in_review");
    assert_eq!(first["data"]["decision"]["conditions"], "questionnaire out");
    let second = got[1].json();
    assert_eq!(second["data"]["decision"]["tier"], "high");
    // Every decision sent after the change carries the risk tier it put in force.
    let risk = app
        .get(&format!("/v1/vendors/{vendor_id}/risk"), &admin)
        .await
        .ok(200)
        .clone();
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let after_change: Vec<Value> = receiver.received()[1..]
        .iter()
        .map(|r| r.json()["data"]["decision"].clone())
        .collect();
    for decision in &after_change {
        assert_eq!(decision["risk_tier"], risk["tier"], "{decision}");
    }

    // An AI service handling personal data moves the vendor's risk tier: the rescore announces
    // the decision again, with the tier it has just put in force.
    let sent = receiver.received().len();
    crate::risk::add_support_llm(&app, &admin, &vendor_id).await;
    let risk = app
        .get(&format!("/v1/vendors/{vendor_id}/risk"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(risk["tier"], "medium");
    let got = receiver
        .wait_until(std::time::Duration::from_secs(20), |r| r.len() > sent)
        .await;
    let decision = &got.last().unwrap().json()["data"]["decision"];
    assert_eq!(decision["risk_tier"], "medium", "{decision}");
}

#[actix_web::test]
async fn intake_refuses_unsigned_stale_oversized_and_malformed_events_and_stores_nothing() {
    let app = spawn_with(|_| {}).await;
    let admin = app.admin();
    let (id, secret) = integration(&app, json!({ "name": "Zip", "system": "zip" })).await;
    let path = format!("/v1/integrations/procurement/{id}/events");
    let body = supplier_request("SUP-9", "Nine AI", true);

    let unsigned = app
        .send(
            app.client
                .post(app.url(&path))
                .header("content-type", "application/json")
                .body(body.clone()),
        )
        .await;
    assert!(unsigned.problem(401)["detail"]
        .as_str()
        .unwrap()
        .contains("webhook-id"));
    let other_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    deliver(&app, &id, other_secret, "m1", now(), &body)
        .await
        .problem(401);
    let stale = deliver(&app, &id, &secret, "m2", now() - 600, &body).await;
    assert!(stale.problem(401)["detail"]
        .as_str()
        .unwrap()
        .contains("five minutes"));
    deliver(&app, &id, &secret, "m3", now() + 600, &body)
        .await
        .problem(401);
    let huge = vec![b' '; 70 * 1024];
    deliver(&app, &id, &secret, "m4", now(), &huge)
        .await
        .problem(413);
    deliver(&app, &id, &secret, "m5", now(), b"{not json")
        .await
        .problem(400);
    let cases = [
        (
            json!({"type": "supplier.requested", "data": {"external_id": "S", "ai_involved": true}}),
            "data.name",
        ),
        (
            json!({"type": "supplier.requested", "data": {"external_id": "S", "name": "N", "ai_involved": true, "data_categories": ["secrets"]}}),
            "data.data_categories[0]",
        ),
        (
            json!({"type": "supplier.deleted", "data": {"external_id": "S", "name": "N", "ai_involved": true}}),
            "type",
        ),
        (
            json!({"type": "supplier.requested", "data": {"external_id": "S", "name": "N", "ai_involved": true, "domain": "not a domain"}}),
            "data.domain",
        ),
        (
            json!({"type": "supplier.requested", "data": {"external_id": "", "name": "N", "ai_involved": true}}),
            "data.external_id",
        ),
        (
            json!({"type": "supplier.requested", "data": {"external_id": "S", "name": "N", "ai_involved": true, "requester": {"name": "J", "email": "nope"}}}),
            "data.requester.email",
        ),
    ];
    for (i, (event, field)) in cases.into_iter().enumerate() {
        deliver(
            &app,
            &id,
            &secret,
            &format!("bad-{i}"),
            now(),
            event.to_string().as_bytes(),
        )
        .await
        .invalid_field(field);
    }
    deliver(
        &app,
        "0193a2b1-0000-7000-8000-000000000000",
        &secret,
        "m6",
        now(),
        &body,
    )
    .await
    .problem(404);
    app.patch(
        &format!("/v1/integrations/procurement/{id}"),
        &admin,
        &json!({ "enabled": false }),
    )
    .await
    .ok(200);
    deliver(&app, &id, &secret, "m7", now(), &body)
        .await
        .problem(409);
    for table in [
        "vendors",
        "procurement_requests",
        "inbound_messages",
        "assessments",
    ] {
        assert_eq!(
            app.count_rows(&format!("SELECT COUNT(*) AS n FROM {table}")),
            0,
            "{table}"
        );
    }

    // Integration settings are checked too.
    let integrations = app.count_rows("SELECT COUNT(*) AS n FROM procurement_integrations");
    for (body, field) in [
        (json!({ "name": "X", "system": "sap" }), "system"),
        (json!({ "name": " ", "system": "coupa" }), "name"),
        (
            json!({ "name": "X", "system": "coupa", "assessment_due_days": 0 }),
            "assessment_due_days",
        ),
        (
            json!({ "name": "X", "system": "coupa", "template_id": "0193a2b1-0000-7000-8000-000000000000" }),
            "template_id",
        ),
    ] {
        app.post("/v1/integrations/procurement", &admin, &body)
            .await
            .invalid_field(field);
    }
    assert_eq!(
        app.count_rows("SELECT COUNT(*) AS n FROM procurement_integrations"),
        integrations
    );
    let procurement = app.token(ORG, &[Role::Procurement]);
    app.post(
        "/v1/integrations/procurement",
        &procurement,
        &json!({ "name": "X", "system": "coupa" }),
    )
    .await
    .problem(403);
    let settings = format!("/v1/integrations/procurement/{id}");
    app.patch(&settings, &admin, &json!({ "assessment_due_days": 400 }))
        .await
        .invalid_field("assessment_due_days");
    app.patch(&settings, &admin, &json!({ "system": "sap" }))
        .await
        .invalid_field("system");
    app.patch(&settings, &admin, &json!({ "secret": "mine" }))
        .await
        .problem(422);
    let read = app.get(&settings, &admin).await;
    assert_eq!(read.ok(200)["system"], "zip");
    assert_eq!(read.body["assessment_due_days"], 21);
    assert_eq!(read.body["version"], 2);
    let listed = app.get("/v1/integrations/procurement", &admin).await;
    assert_eq!(listed.ok(200)["data"].as_array().unwrap().len(), 1);
    assert!(listed.body["data"][0].get("secret").is_none());
    app.get(
        &settings,
        &app.token(crate::helpers::OTHER_ORG, &[Role::Admin]),
    )
    .await
    .problem(404);
    app.delete(&settings, &admin).await.ok(204);
    app.get(&settings, &admin).await.problem(404);
}
