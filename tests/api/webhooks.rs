//! Webhook endpoints and delivery: Standard Webhooks signatures checked by an independent
//! verifier, retries, Retry-After, 410, disabling, replay, rotation, the address guard, two
//! dispatchers on one database, and a server killed mid-delivery.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use annexa::config::RawSettings;
use annexa::domain::roles::Role;
use serde_json::{json, Value};

use crate::helpers::{database_url, spawn_beside, spawn_with, TestApp, ORG, SECRET};
use crate::receiver::{Answer, Received, Receiver};

pub fn deliver_fast(s: &mut RawSettings) {
    s.webhook_allow_networks = vec!["127.0.0.1".into()];
    s.webhook_poll_interval = "50ms".into();
    s.webhook_retry_schedule = vec!["100ms".into(), "100ms".into()];
    s.webhook_timeout = "2s".into();
}

/// Registers an endpoint; returns its id and signing secret.
pub async fn endpoint(app: &TestApp, url: &str, event_types: &[&str]) -> (String, String) {
    let created = app
        .post(
            "/v1/webhook-endpoints",
            &app.admin(),
            &json!({ "url": url, "event_types": event_types }),
        )
        .await;
    let body = created.ok(201);
    (
        body["id"].as_str().unwrap().to_owned(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

fn verify(secret: &str, received: &Received) {
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .verify(&received.body, &received.headers)
        .unwrap_or_else(|e| panic!("signature does not verify with {secret}: {e}"));
}

fn webhook_ids(received: &[Received]) -> Vec<String> {
    received
        .iter()
        .map(|r| r.header("webhook-id").unwrap().to_owned())
        .collect()
}

async fn deliveries(app: &TestApp, endpoint_id: &str) -> Vec<Value> {
    app.get(
        &format!("/v1/webhook-endpoints/{endpoint_id}/deliveries"),
        &app.admin(),
    )
    .await
    .ok(200)["data"]
        .as_array()
        .unwrap()
        .clone()
}

async fn wait_for_delivery(app: &TestApp, endpoint_id: &str, status: &str) -> Vec<Value> {
    for _ in 0..400 {
        let list = deliveries(app, endpoint_id).await;
        if list.iter().any(|d| d["status"] == status) {
            return list;
        }
        actix_web::rt::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no delivery became {status}");
}

#[actix_web::test]
async fn events_reach_subscribed_endpoints_signed_per_standard_webhooks() {
    let receiver = Receiver::start();
    let app = spawn_with(deliver_fast).await;
    let admin = app.admin();
    let created = app
        .post(
            "/v1/webhook-endpoints",
            &admin,
            &json!({
                "url": receiver.url("/hooks"),
                "description": "procurement",
                "event_types": ["vendor.created", "vendor.status_changed"]
            }),
        )
        .await;
    let body = created.ok(201).clone();
    let secret = body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.header("etag"), Some("\"1\""));

    // The secret is shown at creation only.
    let read = app
        .get(&format!("/v1/webhook-endpoints/{id}"), &admin)
        .await;
    assert!(read.ok(200).get("secret").is_none());
    assert_eq!(
        read.body["event_types"],
        json!(["vendor.created", "vendor.status_changed"])
    );
    let listed = app.get("/v1/webhook-endpoints", &admin).await;
    assert!(listed.ok(200)["data"][0].get("secret").is_none());
    let auditor = app.token(ORG, &[Role::Auditor]);
    app.get(&format!("/v1/webhook-endpoints/{id}"), &auditor)
        .await
        .ok(200);

    let vendor = app.create_vendor("Acme AI").await;
    let vendor_id = vendor["id"].as_str().unwrap();
    app.patch(
        &format!("/v1/vendors/{vendor_id}"),
        &admin,
        &json!({ "notes": "not subscribed" }),
    )
    .await
    .ok(200);
    app.post(
        &format!("/v1/vendors/{vendor_id}/status"),
        &admin,
        &json!({ "status": "in_review", "reason": "questionnaire sent" }),
    )
    .await
    .ok(200);

    let got = receiver.wait_for(2).await;
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.received().len(),
        2,
        "vendor.updated is not subscribed"
    );
    for r in &got {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/hooks");
        assert_eq!(r.header("content-type"), Some("application/json"));
        verify(&secret, r);
    }
    let first = got[0].json();
    assert_eq!(first["type"], "vendor.created");
    assert_eq!(first["data"]["vendor"]["id"], vendor_id);
    assert!(chrono::DateTime::parse_from_rfc3339(first["timestamp"].as_str().unwrap()).is_ok());
    let second = got[1].json();
    assert_eq!(second["type"], "vendor.status_changed");
    assert_eq!(second["data"]["to"], "in_review");
    let ids = webhook_ids(&got);
    assert!(ids[0] < ids[1], "{ids:?}");

    // A body changed on the way no longer verifies.
    let mut tampered = got[0].clone();
    tampered.body = br#"{"type":"vendor.created","timestamp":"x","data":{}}"#.to_vec();
    assert!(standardwebhooks::Webhook::new(&secret)
        .unwrap()
        .verify(&tampered.body, &tampered.headers)
        .is_err());

    let log = wait_for_delivery(&app, &id, "succeeded").await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["event_type"], "vendor.status_changed");
    assert_eq!(log[0]["webhook_id"], ids[1]);
    assert_eq!(log[1]["status"], "succeeded");
    assert_eq!(log[1]["attempts"], 1);
    assert_eq!(log[1]["attempt_log"][0]["status_code"], 200);
    assert_eq!(log[1]["attempt_log"][0]["response_snippet"], "ok");
    assert_eq!(log[1]["next_attempt_at"], Value::Null);

    let catalog = app.get("/v1/event-types", &auditor).await;
    let names: Vec<&str> = catalog.ok(200)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    for name in [
        "vendor.created",
        "assessment.completed",
        "contract.expiring",
        "finding.resolved",
        "risk.score_changed",
        "webhook_endpoint.disabled",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert_eq!(
        catalog.body["data"][0]["data_schema"]["properties"]["vendor"]["$ref"],
        "#/components/schemas/Vendor"
    );
}

#[actix_web::test]
async fn failed_deliveries_retry_honour_retry_after_give_up_and_can_be_replayed() {
    let receiver = Receiver::start();
    receiver.script(vec![
        Answer::status(500).with_body("boom"),
        Answer::status(429).with_header("retry-after", "1"),
    ]);
    let app = spawn_with(deliver_fast).await;
    let (id, _) = endpoint(&app, &receiver.url("/in"), &["vendor.created"]).await;
    app.create_vendor("Retry Ltd").await;

    let got = receiver.wait_for(3).await;
    let ids = webhook_ids(&got);
    assert!(
        ids.iter().all(|i| *i == ids[0]),
        "webhook-id is stable: {ids:?}"
    );
    assert!(got[1].at - got[0].at >= Duration::from_millis(80));
    assert!(
        got[2].at - got[1].at >= Duration::from_millis(990),
        "Retry-After: 1 was not honoured ({:?})",
        got[2].at - got[1].at
    );
    let log = wait_for_delivery(&app, &id, "succeeded").await;
    let codes: Vec<&Value> = log[0]["attempt_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status_code"])
        .collect();
    assert_eq!(codes, [&json!(500), &json!(429), &json!(200)]);
    assert_eq!(log[0]["attempt_log"][0]["response_snippet"], "boom");
    assert_eq!(log[0]["attempts"], 3);

    // Every scheduled attempt fails: the delivery is given up, then replayed by hand.
    receiver.answer_by_default(Answer::status(503));
    app.create_vendor("Down Ltd").await;
    let log = wait_for_delivery(&app, &id, "failed").await;
    let failed = log
        .iter()
        .find(|d| d["status"] == "failed")
        .unwrap()
        .clone();
    assert_eq!(failed["attempts"], 3);
    assert!(failed["completed_at"].is_string());
    receiver.answer_by_default(Answer::status(204));
    let before = receiver.received().len();
    let replay = app
        .post(
            &format!(
                "/v1/webhook-endpoints/{id}/deliveries/{}/replay",
                failed["id"].as_str().unwrap()
            ),
            &app.admin(),
            &json!({}),
        )
        .await;
    assert_eq!(replay.ok(202)["replay_of"], failed["id"]);
    assert_eq!(replay.body["webhook_id"], failed["webhook_id"]);
    let got = receiver.wait_for(before + 1).await;
    assert_eq!(
        got.last().unwrap().header("webhook-id"),
        failed["webhook_id"].as_str()
    );
    let missing = app
        .post(
            &format!(
                "/v1/webhook-endpoints/{id}/deliveries/0193a2b1-0000-7000-8000-000000000000/replay"
            ),
            &app.admin(),
            &json!({}),
        )
        .await;
    missing.problem(404);
}

#[actix_web::test]
async fn gone_or_long_failing_endpoints_are_disabled_and_an_event_says_so() {
    let gone = Receiver::start();
    gone.answer_by_default(Answer::status(410));
    let failing = Receiver::start();
    failing.answer_by_default(Answer::status(500));
    let watcher = Receiver::start();
    let app = spawn_with(|s| {
        deliver_fast(s);
        s.webhook_retry_schedule = vec!["100ms".into(); 20];
        s.webhook_disable_after = "600ms".into();
    })
    .await;
    let admin = app.admin();
    let (gone_id, _) = endpoint(&app, &gone.url("/"), &["vendor.created"]).await;
    let (failing_id, _) = endpoint(&app, &failing.url("/"), &["vendor.created"]).await;
    endpoint(&app, &watcher.url("/"), &["webhook_endpoint.disabled"]).await;
    app.create_vendor("Gone Ltd").await;

    let notices = watcher.wait_for(2).await;
    let mut reasons: Vec<(String, String)> = notices
        .iter()
        .map(|n| {
            let body = n.json();
            assert_eq!(body["type"], "webhook_endpoint.disabled");
            (
                body["data"]["endpoint"]["id"].as_str().unwrap().to_owned(),
                body["data"]["endpoint"]["disabled_reason"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    reasons.sort();
    let mut expected = vec![
        (gone_id.clone(), "gone".to_owned()),
        (failing_id.clone(), "failing".to_owned()),
    ];
    expected.sort();
    assert_eq!(reasons, expected);
    assert_eq!(gone.received().len(), 1, "410 is not retried");
    let read = app
        .get(&format!("/v1/webhook-endpoints/{gone_id}"), &admin)
        .await;
    assert_eq!(read.ok(200)["enabled"], false);
    assert_eq!(read.body["disabled_reason"], "gone");
    let read = app
        .get(&format!("/v1/webhook-endpoints/{failing_id}"), &admin)
        .await;
    assert_eq!(read.ok(200)["disabled_reason"], "failing");
    assert!(read.body["failing_since"].is_string());
    assert!(app
        .audit_actions(&admin, "webhook_endpoint")
        .await
        .contains(&"webhook_endpoint.disabled".to_owned()));

    // Nothing is queued for a disabled endpoint; enabling it again clears the record.
    let queued = app.count_rows(&format!(
        "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = '{gone_id}'"
    ));
    app.create_vendor("Later Ltd").await;
    assert_eq!(
        app.count_rows(&format!(
            "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = '{gone_id}'"
        )),
        queued
    );
    gone.answer_by_default(Answer::status(200));
    let enabled = app
        .patch(
            &format!("/v1/webhook-endpoints/{gone_id}"),
            &admin,
            &json!({ "enabled": true }),
        )
        .await;
    assert_eq!(enabled.ok(200)["disabled_reason"], Value::Null);
    assert_eq!(enabled.body["failing_since"], Value::Null);
    app.create_vendor("Back Ltd").await;
    let got = gone.wait_for(2).await;
    assert_eq!(got[1].json()["data"]["vendor"]["legal_name"], "Back Ltd");
}

#[actix_web::test]
async fn a_rotated_secret_signs_beside_the_new_one_during_the_grace_period() {
    let receiver = Receiver::start();
    let app = spawn_with(deliver_fast).await;
    let (id, old_secret) = endpoint(&app, &receiver.url("/"), &["vendor.created"]).await;
    let rotated = app
        .post(
            &format!("/v1/webhook-endpoints/{id}/rotate-secret"),
            &app.admin(),
            &json!({}),
        )
        .await;
    let new_secret = rotated.ok(200)["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, old_secret);
    assert!(rotated.body["previous_secret_expires_at"].is_string());
    app.create_vendor("Rotate Ltd").await;
    let got = receiver.wait_for(1).await;
    assert_eq!(
        got[0]
            .header("webhook-signature")
            .unwrap()
            .split(' ')
            .count(),
        2
    );
    verify(&old_secret, &got[0]);
    verify(&new_secret, &got[0]);
    assert!(app
        .audit_actions(&app.admin(), "webhook_endpoint")
        .await
        .contains(&"webhook_endpoint.secret_rotated".to_owned()));
}

#[actix_web::test]
async fn webhook_endpoints_refuse_bad_urls_forbidden_addresses_and_unknown_events() {
    let app = spawn_with(|_| {}).await;
    let admin = app.admin();
    let cases = [
        (json!({ "url": "ftp://example.com/hook" }), "url"),
        (json!({ "url": "not a url" }), "url"),
        (json!({ "url": "http://127.0.0.1:9/hook" }), "url"),
        (
            json!({ "url": "http://169.254.169.254/latest/meta-data" }),
            "url",
        ),
        (json!({ "url": "http://[::1]/hook" }), "url"),
        (json!({ "url": "http://10.0.0.8/hook" }), "url"),
        (json!({ "url": "http://localhost:8080/hook" }), "url"),
        (
            json!({ "url": "https://user:pw@hooks.example.com/" }),
            "url",
        ),
        (
            json!({ "url": "https://hooks.example.com/", "event_types": ["vendor.created", "vendor.exploded"] }),
            "event_types[1]",
        ),
        (
            json!({ "url": "https://hooks.example.com/", "description": "  " }),
            "description",
        ),
    ];
    for (body, field) in cases {
        app.post("/v1/webhook-endpoints", &admin, &body)
            .await
            .invalid_field(field);
    }
    app.post(
        "/v1/webhook-endpoints",
        &admin,
        &json!({ "url": "https://hooks.example.com/", "secret": "mine" }),
    )
    .await
    .problem(422);
    assert_eq!(
        app.count_rows("SELECT COUNT(*) AS n FROM webhook_endpoints"),
        0
    );
    let procurement = app.token(ORG, &[Role::Procurement]);
    app.post(
        "/v1/webhook-endpoints",
        &procurement,
        &json!({ "url": "https://hooks.example.com/" }),
    )
    .await
    .problem(403);

    // A stored endpoint is not changed by a refused patch.
    let created = app
        .post(
            "/v1/webhook-endpoints",
            &admin,
            &json!({ "url": "https://hooks.example.com/annexa" }),
        )
        .await;
    let id = created.ok(201)["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/webhook-endpoints/{id}");
    app.patch(&path, &admin, &json!({ "url": "http://169.254.169.254/" }))
        .await
        .invalid_field("url");
    app.patch(&path, &admin, &json!({ "event_types": ["nope.nope"] }))
        .await
        .invalid_field("event_types[0]");
    app.patch(&path, &admin, &json!({ "version": 7 }))
        .await
        .problem(422);
    let read = app.get(&path, &admin).await;
    assert_eq!(read.ok(200)["url"], "https://hooks.example.com/annexa");
    assert_eq!(read.body["version"], 1);
    let stale = app
        .send(
            app.client
                .delete(app.url(&path))
                .bearer_auth(&admin)
                .header("if-match", "\"9\""),
        )
        .await;
    stale.problem(412);
    app.get(
        "/v1/webhook-endpoints/0193a2b1-0000-7000-8000-000000000000",
        &admin,
    )
    .await
    .problem(404);
    app.get(&format!("{path}/deliveries?status=lost"), &admin)
        .await
        .invalid_field("status");
    let other = app.token(crate::helpers::OTHER_ORG, &[Role::Admin]);
    app.get(&path, &other).await.problem(404);
    app.delete(&path, &admin).await.ok(204);
    app.get(&path, &admin).await.problem(404);
}

#[actix_web::test]
async fn redirects_to_refused_addresses_are_not_followed() {
    let receiver = Receiver::start();
    receiver.answer_by_default(
        Answer::status(307)
            .with_header("location", &format!("http://127.0.0.2:{}/x", receiver.port)),
    );
    let app = spawn_with(|s| {
        deliver_fast(s);
        s.webhook_retry_schedule = vec!["100ms".into()];
    })
    .await;
    app.post(
        "/v1/webhook-endpoints",
        &app.admin(),
        &json!({ "url": format!("http://127.0.0.2:{}/x", receiver.port) }),
    )
    .await
    .invalid_field("url");
    let (id, _) = endpoint(&app, &receiver.url("/start"), &["vendor.created"]).await;
    app.create_vendor("Redirect Ltd").await;
    let log = wait_for_delivery(&app, &id, "failed").await;
    let error = log[0]["attempt_log"][0]["error"].as_str().unwrap();
    assert!(error.contains("127.0.0.2"), "{error}");
    assert!(receiver.received().iter().all(|r| r.path == "/start"));
}

#[actix_web::test]
async fn two_dispatchers_on_one_database_never_send_an_attempt_twice() {
    let receiver = Receiver::start();
    let first = spawn_with(deliver_fast).await;
    let second = spawn_beside(&first, deliver_fast).await;
    let paths = ["/e0", "/e1", "/e2", "/e3"];
    for path in paths {
        endpoint(&first, &receiver.url(path), &["vendor.created"]).await;
    }
    for i in 0..25 {
        let app = if i % 2 == 0 { &first } else { &second };
        app.create_vendor(&format!("Vendor {i:02}")).await;
    }
    let got = receiver.wait_for(100).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let got_all = receiver.received();
    assert_eq!(got_all.len(), 100, "every delivery exactly once");
    let pairs: HashSet<(String, String)> = got
        .iter()
        .map(|r| (r.path.clone(), r.header("webhook-id").unwrap().to_owned()))
        .collect();
    assert_eq!(pairs.len(), 100);
    for path in paths {
        let ids: Vec<String> = got_all
            .iter()
            .filter(|r| r.path == path)
            .map(|r| r.header("webhook-id").unwrap().to_owned())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "{path} received out of order");
    }
    assert_eq!(
        first.count_rows("SELECT COUNT(*) AS n FROM webhook_attempts"),
        100
    );
}

fn dispatcher_process(app: &TestApp, data_dir: &std::path::Path) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_annexa"));
    for (key, _) in std::env::vars() {
        if key.starts_with("ANNEXA_") {
            command.env_remove(key);
        }
    }
    command
        .arg("serve")
        .env("ANNEXA_DATABASE_URL", database_url(app))
        .env("ANNEXA_DATA_DIR", data_dir)
        .env("ANNEXA_LISTEN", "127.0.0.1:0")
        .env("ANNEXA_JWT_SECRET", SECRET)
        .env("ANNEXA_WEBHOOK_ALLOW_NETWORKS", "[\"127.0.0.1\"]")
        .env("ANNEXA_WEBHOOK_POLL_INTERVAL", "50ms")
        .env("ANNEXA_WEBHOOK_TIMEOUT", "1s")
        .current_dir(data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the annexa binary starts")
}

#[actix_web::test]
async fn a_killed_server_loses_no_event_and_keeps_each_endpoints_order() {
    let receiver = Receiver::start();
    receiver.delay(Duration::from_millis(150));
    let app = spawn_with(|s| {
        deliver_fast(s);
        s.dispatch = false;
    })
    .await;
    endpoint(&app, &receiver.url("/orders"), &["vendor.created"]).await;
    for i in 0..30 {
        app.create_vendor(&format!("Vendor {i:02}")).await;
    }
    let data_dir = tempfile::tempdir().unwrap();
    let mut server = dispatcher_process(&app, data_dir.path());
    receiver.wait_for(5).await;
    server.kill().expect("SIGKILL");
    server.wait().unwrap();
    let before_restart = receiver.received().len();
    assert!(
        before_restart < 30,
        "the kill came too late to prove anything"
    );

    let mut server = dispatcher_process(&app, data_dir.path());
    let got = receiver
        .wait_until(Duration::from_secs(40), |r| {
            webhook_ids(r).into_iter().collect::<HashSet<_>>().len() >= 30
        })
        .await;
    server.kill().unwrap();
    server.wait().unwrap();

    let mut first_seen: Vec<String> = Vec::new();
    for id in webhook_ids(&got) {
        if !first_seen.contains(&id) {
            first_seen.push(id);
        }
    }
    let mut sorted = first_seen.clone();
    sorted.sort();
    assert_eq!(first_seen, sorted, "deliveries left their endpoint's order");
    let event_ids = app
        .count_rows("SELECT COUNT(*) AS n FROM outbox_events WHERE event_type = 'vendor.created'");
    assert_eq!(first_seen.len() as i64, event_ids, "an event was lost");
}

#[actix_web::test]
async fn a_slow_receiver_does_not_hold_up_deliveries_to_the_others() {
    let slow = Receiver::start();
    slow.delay(Duration::from_millis(1800));
    let fast = Receiver::start();
    let app = spawn_with(deliver_fast).await;
    endpoint(&app, &slow.url("/hook"), &["vendor.created"]).await;
    endpoint(&app, &fast.url("/hook"), &["vendor.created"]).await;

    app.create_vendor("First").await;
    fast.wait_for(1).await;
    slow.wait_for(1).await;
    // The slow receiver is still answering the first event while two more are raised.
    app.create_vendor("Second").await;
    app.create_vendor("Third").await;
    let received = fast
        .wait_until(Duration::from_millis(1200), |r| r.len() >= 3)
        .await;
    assert_eq!(received.len(), 3);
    assert_eq!(
        slow.received().len(),
        1,
        "the slow endpoint's queue waits for its own answer only"
    );
    let all = slow.wait_for(3).await;
    assert_eq!(all.len(), 3);
}

#[actix_web::test]
async fn a_delivery_waiting_to_retry_holds_back_its_endpoints_later_events() {
    let receiver = Receiver::start();
    receiver.script(vec![Answer::status(503).with_header("retry-after", "1")]);
    let app = spawn_with(deliver_fast).await;
    endpoint(&app, &receiver.url("/hook"), &["vendor.created"]).await;

    app.create_vendor("First").await;
    receiver.wait_for(1).await;
    // Both are due at once; the first event's retry is not.
    app.create_vendor("Second").await;
    app.create_vendor("Third").await;
    let got = receiver.wait_for(4).await;
    let ids = webhook_ids(&got);
    assert_eq!(ids[0], ids[1], "the retry comes first");
    let names: Vec<Value> = got
        .iter()
        .map(|r| r.json()["data"]["vendor"]["legal_name"].clone())
        .collect();
    assert_eq!(
        names,
        [
            json!("First"),
            json!("First"),
            json!("Second"),
            json!("Third")
        ]
    );
    assert!(got[1].at - got[0].at >= Duration::from_millis(990));
}
