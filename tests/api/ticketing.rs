//! Ticketing: findings pushed to Jira Cloud and ServiceNow (receivers that check what the real
//! services document), never twice, automatically by severity, and closed by ticket webhooks.

use base64::Engine;
use hmac::Mac;
use serde_json::{json, Value};

use crate::helpers::{spawn_with, Reply, TestApp};
use crate::receiver::{Answer, Receiver};
use crate::webhooks::deliver_fast;

async fn connect(app: &TestApp, body: Value) -> (String, String) {
    let created = app
        .post("/v1/integrations/ticketing", &app.admin(), &body)
        .await;
    let body = created.ok(201);
    assert!(body.get("credential").is_none());
    (
        body["id"].as_str().unwrap().to_owned(),
        body["inbound_secret"].as_str().unwrap().to_owned(),
    )
}

async fn finding(app: &TestApp, vendor_id: &str, severity: &str) -> String {
    app.post(
        "/v1/findings",
        &app.admin(),
        &json!({
            "vendor_id": vendor_id,
            "title": "No data processing agreement",
            "description": "Sign a DPA covering AI processing",
            "severity": severity,
            "control_id": "iso42001:A.10.3"
        }),
    )
    .await
    .ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn basic(user: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"))
    )
}

async fn ticket_event(
    app: &TestApp,
    integration_id: &str,
    header: (&str, String),
    body: &Value,
) -> Reply {
    app.send(
        app.client
            .post(app.url(&format!(
                "/v1/integrations/ticketing/{integration_id}/events"
            )))
            .header("content-type", "application/json")
            .header(header.0, header.1)
            .body(body.to_string()),
    )
    .await
}

fn hub_signature(secret: &str, body: &Value) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.to_string().as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[actix_web::test]
async fn a_finding_goes_to_jira_once_and_its_webhook_resolves_it() {
    let jira = Receiver::start();
    jira.script(vec![Answer::json(
        201,
        json!({ "id": "10001", "key": "GRC-1", "self": "https://acme.atlassian.net/rest/api/3/issue/10001" }),
    )]);
    let app = spawn_with(deliver_fast).await;
    let admin = app.admin();
    let (id, secret) = connect(
        &app,
        json!({
            "name": "Jira GRC", "kind": "jira", "base_url": jira.base,
            "username": "grc-bot@acme.com", "credential": "api-token-1",
            "project_key": "GRC", "field_mapping": { "labels": ["annexa"] }
        }),
    )
    .await;
    let read = app
        .get(&format!("/v1/integrations/ticketing/{id}"), &admin)
        .await;
    assert_eq!(read.ok(200)["has_credential"], true);
    assert!(read.body.get("credential").is_none());
    let vendor = app.create_vendor("Acme AI").await;
    let finding_id = finding(&app, vendor["id"].as_str().unwrap(), "medium").await;

    let pushed = app
        .post(
            &format!("/v1/findings/{finding_id}/ticket"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(pushed.ok(201)["key"], "GRC-1");
    assert_eq!(pushed.body["url"], format!("{}/browse/GRC-1", jira.base));
    let calls = jira.received();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.method, "POST");
    assert_eq!(call.path, "/rest/api/3/issue");
    assert_eq!(
        call.header("authorization"),
        Some(basic("grc-bot@acme.com", "api-token-1").as_str())
    );
    let issue = call.json();
    assert_eq!(issue["fields"]["project"]["key"], "GRC");
    assert_eq!(issue["fields"]["issuetype"]["name"], "Task");
    assert_eq!(
        issue["fields"]["summary"],
        "[annexa] No data processing agreement"
    );
    assert_eq!(issue["fields"]["labels"], json!(["annexa"]));
    let description = &issue["fields"]["description"];
    assert_eq!(description["type"], "doc");
    assert_eq!(description["version"], 1);
    assert_eq!(description["content"][0]["type"], "paragraph");
    assert_eq!(
        description["content"][0]["content"][0]["text"],
        "Sign a DPA covering AI processing"
    );

    // A second push changes nothing.
    let again = app
        .post(
            &format!("/v1/findings/{finding_id}/ticket"),
            &admin,
            &json!({}),
        )
        .await;
    assert_eq!(again.ok(200)["key"], "GRC-1");
    assert_eq!(jira.received().len(), 1);
    let detail = app.get(&format!("/v1/findings/{finding_id}"), &admin).await;
    assert_eq!(detail.ok(200)["ticket"]["key"], "GRC-1");
    assert_eq!(detail.body["ticket"]["status"], "created");

    let done = json!({
        "webhookEvent": "jira:issue_updated",
        "issue": { "key": "GRC-1", "fields": { "status": { "name": "Done", "statusCategory": { "key": "done" } } } }
    });
    ticket_event(
        &app,
        &id,
        ("x-hub-signature", hub_signature("wrong", &done)),
        &done,
    )
    .await
    .problem(401);
    ticket_event(&app, &id, ("x-annexa-token", "wrong".into()), &done)
        .await
        .problem(401);
    let detail = app.get(&format!("/v1/findings/{finding_id}"), &admin).await;
    assert_eq!(detail.ok(200)["status"], "open");
    let unknown = json!({
        "webhookEvent": "jira:issue_updated",
        "issue": { "key": "OPS-9", "fields": { "status": { "statusCategory": { "key": "done" } } } }
    });
    let ignored = ticket_event(
        &app,
        &id,
        ("x-hub-signature", hub_signature(&secret, &unknown)),
        &unknown,
    )
    .await;
    assert_eq!(ignored.ok(202)["applied"], false);
    let resolved = ticket_event(
        &app,
        &id,
        ("x-hub-signature", hub_signature(&secret, &done)),
        &done,
    )
    .await;
    assert_eq!(resolved.ok(202)["applied"], true);
    assert_eq!(resolved.body["status"], "resolved");
    let detail = app.get(&format!("/v1/findings/{finding_id}"), &admin).await;
    assert_eq!(detail.ok(200)["status"], "resolved");
    let actions = app.audit_actions(&admin, "finding").await;
    assert!(
        actions.contains(&"finding.ticket_linked".to_owned()),
        "{actions:?}"
    );
    ticket_event(
        &app,
        &id,
        ("x-annexa-token", secret.clone()),
        &json!({"hello": 1}),
    )
    .await
    .invalid_field("body");
}

#[actix_web::test]
async fn severe_findings_reach_servicenow_on_their_own_and_its_business_rule_resolves_them() {
    let servicenow = Receiver::start();
    servicenow.script(vec![Answer::json(
        201,
        json!({ "result": { "number": "INC0010001", "sys_id": "9d385017c611228701d22104cc95c371" } }),
    )]);
    let app = spawn_with(deliver_fast).await;
    let admin = app.admin();
    let (id, secret) = connect(
        &app,
        json!({
            "name": "ServiceNow", "kind": "servicenow", "base_url": servicenow.base,
            "username": "annexa.integration", "credential": "s3cret",
            "table_name": "incident", "auto_push_severity": "high",
            "field_mapping": { "assignment_group": "AI Governance" }
        }),
    )
    .await;
    let vendor = app.create_vendor("Model Co").await;
    let vendor_id = vendor["id"].as_str().unwrap();
    let low = finding(&app, vendor_id, "low").await;
    let critical = finding(&app, vendor_id, "critical").await;
    let calls = servicenow.wait_for(1).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(servicenow.received().len(), 1, "only the critical finding");
    let call = &calls[0];
    assert_eq!(call.method, "POST");
    assert_eq!(call.path, "/api/now/table/incident");
    assert_eq!(call.header("accept"), Some("application/json"));
    assert_eq!(
        call.header("authorization"),
        Some(basic("annexa.integration", "s3cret").as_str())
    );
    let record = call.json();
    assert_eq!(
        record["short_description"],
        "[annexa] No data processing agreement"
    );
    assert_eq!(record["impact"], "1");
    assert_eq!(record["urgency"], "1");
    assert_eq!(record["correlation_id"], critical.as_str());
    assert_eq!(record["assignment_group"], "AI Governance");

    let mut detail = Value::Null;
    for _ in 0..100 {
        detail = app
            .get(&format!("/v1/findings/{critical}"), &admin)
            .await
            .ok(200)
            .clone();
        if detail["ticket"]["status"] == "created" {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(detail["ticket"]["key"], "INC0010001");
    assert!(detail["ticket"]["url"]
        .as_str()
        .unwrap()
        .contains("9d385017c611228701d22104cc95c371"));
    let low_detail = app.get(&format!("/v1/findings/{low}"), &admin).await;
    assert_eq!(low_detail.ok(200)["ticket"], Value::Null);

    let resolved = json!({ "number": "INC0010001", "state": "6" });
    ticket_event(&app, &id, ("x-annexa-token", "nope".into()), &resolved)
        .await
        .problem(401);
    let applied = ticket_event(&app, &id, ("x-annexa-token", secret), &resolved).await;
    assert_eq!(applied.ok(202)["status"], "resolved");
}

#[actix_web::test]
async fn ticketing_refuses_bad_connections_and_reports_failed_pushes() {
    let jira = Receiver::start();
    jira.answer_by_default(Answer::json(
        400,
        json!({ "errorMessages": [], "errors": { "project": "project is required" } }),
    ));
    let app = spawn_with(deliver_fast).await;
    let admin = app.admin();
    let vendor = app.create_vendor("Acme AI").await;
    let finding_id = finding(&app, vendor["id"].as_str().unwrap(), "medium").await;
    app.post(
        &format!("/v1/findings/{finding_id}/ticket"),
        &admin,
        &json!({}),
    )
    .await
    .problem(409);

    let good = json!({
        "name": "Jira", "kind": "jira", "base_url": jira.base,
        "username": "bot@acme.com", "credential": "t", "project_key": "GRC"
    });
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    let mut without_key = good.clone();
    without_key.as_object_mut().unwrap().remove("project_key");
    let mut without_credential = good.clone();
    without_credential
        .as_object_mut()
        .unwrap()
        .remove("credential");
    for (body, field) in [
        (without_key, "project_key"),
        (without_credential, "credential"),
        (
            with("base_url", json!("ftp://acme.atlassian.net")),
            "base_url",
        ),
        (
            with("base_url", json!("http://169.254.169.254/")),
            "base_url",
        ),
        (with("project_key", json!("grc project")), "project_key"),
        (with("kind", json!("trello")), "kind"),
        (with("table_name", json!("Bad Table")), "table_name"),
        (
            with("auto_push_severity", json!("urgent")),
            "auto_push_severity",
        ),
    ] {
        app.post("/v1/integrations/ticketing", &admin, &body)
            .await
            .invalid_field(field);
    }
    assert_eq!(
        app.count_rows("SELECT COUNT(*) AS n FROM ticketing_integrations"),
        0
    );
    app.post(
        "/v1/integrations/ticketing",
        &app.token(
            crate::helpers::ORG,
            &[annexa::domain::roles::Role::RiskManager],
        ),
        &good,
    )
    .await
    .problem(403);

    let (id, _) = connect(&app, good.clone()).await;
    let failed = app
        .post(
            &format!("/v1/findings/{finding_id}/ticket"),
            &admin,
            &json!({}),
        )
        .await;
    assert!(failed.problem(502)["detail"]
        .as_str()
        .unwrap()
        .contains("400"));
    let detail = app.get(&format!("/v1/findings/{finding_id}"), &admin).await;
    assert_eq!(detail.ok(200)["ticket"]["status"], "pending");
    assert!(detail.body["ticket"]["last_error"]
        .as_str()
        .unwrap()
        .contains("project is required"));
    app.post(
        "/v1/findings/0193a2b1-0000-7000-8000-000000000000/ticket",
        &admin,
        &json!({}),
    )
    .await
    .problem(404);
    app.post(
        &format!("/v1/findings/{finding_id}/ticket"),
        &admin,
        &json!({ "integration_id": 7 }),
    )
    .await
    .invalid_field("integration_id");
    // A patch keeps the stored credential unless it names a new one.
    let patched = app
        .patch(
            &format!("/v1/integrations/ticketing/{id}"),
            &admin,
            &json!({ "issue_type": "Bug" }),
        )
        .await;
    assert_eq!(patched.ok(200)["issue_type"], "Bug");
    assert_eq!(patched.body["has_credential"], true);
    app.patch(
        &format!("/v1/integrations/ticketing/{id}"),
        &admin,
        &json!({ "base_url": "http://10.1.1.1/" }),
    )
    .await
    .invalid_field("base_url");
    let listed = app.get("/v1/integrations/ticketing", &admin).await;
    assert_eq!(listed.ok(200)["data"].as_array().unwrap().len(), 1);
    assert!(listed.body["data"][0].get("credential").is_none());
    assert!(listed.body["data"][0].get("inbound_secret").is_none());
    ticket_event(&app, &id, ("x-annexa-token", "x".into()), &json!({}))
        .await
        .problem(401);
    // Removing the connection removes the pending ticket with it.
    app.delete(&format!("/v1/integrations/ticketing/{id}"), &admin)
        .await
        .ok(204);
    let detail = app.get(&format!("/v1/findings/{finding_id}"), &admin).await;
    assert_eq!(detail.ok(200)["ticket"], Value::Null);
    app.post(
        &format!("/v1/findings/{finding_id}/ticket"),
        &admin,
        &json!({}),
    )
    .await
    .problem(409);
    ticket_event(
        &app,
        "0193a2b1-0000-7000-8000-000000000000",
        ("x-annexa-token", "x".into()),
        &json!({}),
    )
    .await
    .problem(404);
}
