use std::collections::HashSet;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_with, TestApp, OTHER_ORG};

async fn vendor_count(app: &TestApp) -> usize {
    app.get("/v1/vendors?limit=200", &app.admin()).await.ok(200)["data"]
        .as_array()
        .unwrap()
        .len()
}

#[actix_web::test]
async fn create_normalises_and_returns_the_vendor_with_its_etag() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/v1/vendors",
            &app.admin(),
            &json!({
                "legal_name": "  Acme AI Ltd ",
                "display_name": "Acme",
                "domains": ["Acme.AI", "acme.ai"],
                "country": "gb",
                "owner": "jane@example.com",
                "tier": "high",
                "notes": "LLM API",
                "tags": ["LLM", "eu-data"],
                "external_ids": [{"source": "Coupa", "id": "SUP-1"}]
            }),
        )
        .await;
    let body = reply.ok(201);
    assert_eq!(reply.header("etag"), Some("\"1\""));
    assert_eq!(body["legal_name"], "Acme AI Ltd");
    assert_eq!(body["domains"], json!(["acme.ai"]));
    assert_eq!(body["country"], "GB");
    assert_eq!(body["status"], "proposed");
    assert_eq!(body["tier"], "high");
    assert_eq!(body["tags"], json!(["eu-data", "llm"]));
    assert_eq!(
        body["external_ids"],
        json!([{"source": "coupa", "id": "SUP-1"}])
    );
    assert_eq!(body["version"], 1);
    let id = body["id"].as_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);

    let fetched = app.get(&format!("/v1/vendors/{id}"), &app.admin()).await;
    assert_eq!(fetched.ok(200), body);
    assert_eq!(fetched.header("etag"), Some("\"1\""));
}

#[actix_web::test]
async fn bad_input_is_refused_naming_the_field_and_stores_nothing() {
    let app = spawn_app().await;
    let token = app.admin();
    let cases = [
        (json!({"legal_name": "A", "country": "XX"}), "country"),
        (
            json!({"legal_name": "A", "domains": ["ok.com", "not a domain"]}),
            "domains[1]",
        ),
        (json!({"legal_name": "   "}), "legal_name"),
        (json!({"legal_name": ""}), "legal_name"),
        (json!({"legal_name": "x".repeat(301)}), "legal_name"),
        (json!({}), "legal_name"),
        (json!({"legal_name": 5}), "legal_name"),
        (json!({"legal_name": "A", "tier": "enormous"}), "tier"),
        (json!({"legal_name": "A", "status": "approved"}), "status"),
        (json!({"legal_name": "A", "tags": ["two words"]}), "tags[0]"),
        (
            json!({"legal_name": "A", "external_ids": [{"source": "coupa", "id": "1"}, {"source": "coupa", "id": "2"}]}),
            "external_ids[1].source",
        ),
        (
            json!({"legal_name": "A", "external_ids": [{"source": "coupa", "id": ""}]}),
            "external_ids[0].id",
        ),
        (
            json!({"legal_name": "A", "external_ids": [{"source": "coupa"}]}),
            "external_ids[0].id",
        ),
        (json!(["legal_name"]), "body"),
    ];
    for (body, field) in cases {
        app.post("/v1/vendors", &token, &body)
            .await
            .invalid_field(field);
    }
    // Malformed JSON (also after a field of the wrong type, and with trailing text), wrong
    // media type, empty body.
    let raw = app.client.post(app.url("/v1/vendors")).bearer_auth(&token);
    for malformed in [
        "{\"legal_name\": ",
        "{\"legal_name\": 5, \"notes\": ",
        "{\"legal_name\": \"A\"} trailing",
    ] {
        app.send(
            raw.try_clone()
                .unwrap()
                .header("content-type", "application/json")
                .body(malformed),
        )
        .await
        .problem(400);
    }
    app.send(
        raw.try_clone()
            .unwrap()
            .header("content-type", "text/plain")
            .body("legal_name=x"),
    )
    .await
    .problem(415);
    app.send(raw.header("content-type", "application/json"))
        .await
        .problem(400);
    assert_eq!(vendor_count(&app).await, 0);
}

#[actix_web::test]
async fn oversize_bodies_are_413() {
    let app = spawn_with(|s| s.body_limit_bytes = 2048).await;
    let reply = app
        .post(
            "/v1/vendors",
            &app.admin(),
            &json!({"legal_name": "A", "notes": "x".repeat(4000)}),
        )
        .await;
    reply.problem(413);
    assert_eq!(vendor_count(&app).await, 0);
}

#[actix_web::test]
async fn another_organisations_vendor_is_a_404_like_a_missing_one() {
    let app = spawn_app().await;
    let theirs = app.create_vendor_in(OTHER_ORG, "Their Vendor").await;
    let path = format!("/v1/vendors/{}", theirs["id"].as_str().unwrap());
    let token = app.admin();
    app.get(&path, &token).await.problem(404);
    app.patch(&path, &token, &json!({"notes": "mine now"}))
        .await
        .problem(404);
    app.post(
        &format!("{path}/status"),
        &token,
        &json!({"status": "in_review"}),
    )
    .await
    .problem(404);
    app.delete(&path, &token).await.problem(404);
    app.get(&format!("{path}/contacts"), &token)
        .await
        .problem(404);
    app.get("/v1/vendors/00000000-0000-7000-8000-000000000000", &token)
        .await
        .problem(404);
    app.get("/v1/vendors/not-an-id", &token).await.problem(404);
    assert_eq!(vendor_count(&app).await, 0);
    // Theirs is untouched.
    let their_token = app.token(OTHER_ORG, &[annexa::domain::roles::Role::Admin]);
    let reply = app.get(&path, &their_token).await;
    assert_eq!(reply.ok(200)["version"], 1);
    assert_eq!(reply.body["notes"], Value::Null);
}

#[actix_web::test]
async fn patch_changes_only_what_is_sent_and_null_clears() {
    let app = spawn_app().await;
    let token = app.admin();
    let created = app
        .post(
            "/v1/vendors",
            &token,
            &json!({"legal_name": "Acme", "owner": "jane", "tier": "low", "tags": ["a"]}),
        )
        .await
        .ok(201)
        .clone();
    let path = format!("/v1/vendors/{}", created["id"].as_str().unwrap());
    let reply = app
        .patch(
            &path,
            &token,
            &json!({"owner": null, "tier": "critical", "tags": ["c", "b"]}),
        )
        .await;
    let body = reply.ok(200);
    assert_eq!(reply.header("etag"), Some("\"2\""));
    assert_eq!(body["owner"], Value::Null);
    assert_eq!(body["tier"], "critical");
    assert_eq!(body["tags"], json!(["b", "c"]));
    assert_eq!(body["legal_name"], "Acme");
    assert_eq!(body["version"], 2);
    // A patch that changes nothing keeps the version.
    assert_eq!(
        app.patch(&path, &token, &json!({"tier": "critical"}))
            .await
            .ok(200)["version"],
        2
    );
    assert_eq!(
        app.patch(&path, &token, &json!({})).await.ok(200)["version"],
        2
    );
    assert_eq!(
        app.patch(&path, &token, &json!({"tags": ["b", "c", "b"]}))
            .await
            .ok(200)["version"],
        2
    );
    app.patch(&path, &token, &json!({"tags": null}))
        .await
        .invalid_field("tags");
    // Bad values are refused and change nothing.
    app.patch(&path, &token, &json!({"legal_name": null}))
        .await
        .invalid_field("legal_name");
    app.patch(&path, &token, &json!({"country": "ZZ", "tier": "low"}))
        .await
        .invalid_field("country");
    app.patch(&path, &token, &json!({"status": "approved"}))
        .await
        .invalid_field("status");
    let after = app.get(&path, &token).await.ok(200).clone();
    assert_eq!(after["tier"], "critical");
    assert_eq!(after["version"], 2);
}

/// Writes that arrive together may share a transaction (SQLite commits them in groups): each
/// answers for itself, a refused change stores nothing, and every accepted one is stored,
/// audited in one unbroken chain, by the time its answer arrives.
#[actix_web::test]
async fn concurrent_writes_each_land_or_are_refused_on_their_own() {
    let app = spawn_app().await;
    let token = app.admin();
    let target = app.create_vendor("Target").await;
    let path = format!("/v1/vendors/{}", target["id"].as_str().unwrap());
    let creations = (0..24).map(|n| {
        let (app, token) = (&app, &token);
        async move {
            app.post(
                "/v1/vendors",
                token,
                &json!({"legal_name": format!("Vendor {n}")}),
            )
            .await
        }
    });
    let stale_edits = (0..8).map(|n| {
        let (app, token, path) = (&app, &token, &path);
        async move {
            app.send(
                app.client
                    .patch(app.url(path))
                    .bearer_auth(token)
                    .header("if-match", "\"7\"")
                    .json(&json!({"notes": format!("edit {n}")})),
            )
            .await
        }
    });
    let (created, refused) = futures_util::future::join(
        futures_util::future::join_all(creations),
        futures_util::future::join_all(stale_edits),
    )
    .await;
    for reply in &refused {
        assert_eq!(reply.problem(412)["current_version"], 1);
    }
    for reply in &created {
        let vendor = reply.ok(201);
        let stored = app
            .get(
                &format!("/v1/vendors/{}", vendor["id"].as_str().unwrap()),
                &token,
            )
            .await;
        assert_eq!(stored.ok(200)["legal_name"], vendor["legal_name"]);
    }
    assert_eq!(app.get(&path, &token).await.ok(200)["notes"], Value::Null);
    assert_eq!(vendor_count(&app).await, 25);
    let verification = app.get("/v1/audit-events/verify", &token).await;
    assert_eq!(verification.ok(200)["valid"], true);
    assert_eq!(verification.ok(200)["records_checked"], 25);
}

#[actix_web::test]
async fn a_stale_if_match_is_412_and_changes_nothing() {
    let app = spawn_app().await;
    let token = app.admin();
    let created = app.create_vendor("Acme").await;
    let path = format!("/v1/vendors/{}", created["id"].as_str().unwrap());
    let ok = app
        .send(
            app.client
                .patch(app.url(&path))
                .bearer_auth(&token)
                .header("if-match", "\"1\"")
                .json(&json!({"notes": "first"})),
        )
        .await;
    assert_eq!(ok.ok(200)["version"], 2);
    for stale in ["\"1\"", "W/\"1\"", "garbage"] {
        let reply = app
            .send(
                app.client
                    .patch(app.url(&path))
                    .bearer_auth(&token)
                    .header("if-match", stale)
                    .json(&json!({"notes": "second"})),
            )
            .await;
        assert_eq!(reply.problem(412)["current_version"], 2);
    }
    let reply = app
        .send(
            app.client
                .post(app.url(&format!("{path}/status")))
                .bearer_auth(&token)
                .header("if-match", "\"1\"")
                .json(&json!({"status": "in_review"})),
        )
        .await;
    reply.problem(412);
    let reply = app
        .send(
            app.client
                .delete(app.url(&path))
                .bearer_auth(&token)
                .header("if-match", "\"1\""),
        )
        .await;
    reply.problem(412);
    let current = app.get(&path, &token).await.ok(200).clone();
    assert_eq!(current["notes"], "first");
    assert_eq!(current["status"], "proposed");
    assert_eq!(current["version"], 2);
    let reply = app
        .send(
            app.client
                .delete(app.url(&path))
                .bearer_auth(&token)
                .header("if-match", "\"2\""),
        )
        .await;
    assert_eq!(reply.status, 204);
    app.get(&path, &token).await.problem(404);
}

#[actix_web::test]
async fn external_ids_are_unique_per_organisation_and_source() {
    let app = spawn_app().await;
    let token = app.admin();
    let first = app
        .post(
            "/v1/vendors",
            &token,
            &json!({"legal_name": "One", "external_ids": [{"source": "coupa", "id": "S1"}]}),
        )
        .await
        .ok(201)
        .clone();
    let reply = app
        .post(
            "/v1/vendors",
            &token,
            &json!({"legal_name": "Two", "external_ids": [{"source": "coupa", "id": "S1"}]}),
        )
        .await;
    assert!(reply.problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains(first["id"].as_str().unwrap()));
    assert_eq!(vendor_count(&app).await, 1);
    // The same id from another source, or in another organisation, is fine.
    app.post(
        "/v1/vendors",
        &token,
        &json!({"legal_name": "Two", "external_ids": [{"source": "ariba", "id": "S1"}]}),
    )
    .await
    .ok(201);
    let other = app.token(OTHER_ORG, &[annexa::domain::roles::Role::Admin]);
    app.post(
        "/v1/vendors",
        &other,
        &json!({"legal_name": "Three", "external_ids": [{"source": "coupa", "id": "S1"}]}),
    )
    .await
    .ok(201);
    // Taking another vendor's id by PATCH is refused too.
    let second = app.create_vendor("Four").await;
    let path = format!("/v1/vendors/{}", second["id"].as_str().unwrap());
    app.patch(
        &path,
        &token,
        &json!({"external_ids": [{"source": "coupa", "id": "S1"}]}),
    )
    .await
    .problem(409);
    assert_eq!(
        app.get(&path, &token).await.ok(200)["external_ids"],
        json!([])
    );
}

const STATES: [&str; 6] = [
    "proposed",
    "in_review",
    "approved",
    "approved_with_conditions",
    "rejected",
    "offboarded",
];

fn allowed(from: &str) -> &'static [&'static str] {
    match from {
        "proposed" => &["in_review", "rejected"],
        "in_review" => &["approved", "approved_with_conditions", "rejected"],
        "approved" => &["approved_with_conditions", "in_review", "offboarded"],
        "approved_with_conditions" => &["approved", "in_review", "offboarded"],
        "rejected" => &["in_review", "offboarded"],
        _ => &[],
    }
}

fn path_to(state: &str) -> &'static [&'static str] {
    match state {
        "proposed" => &[],
        "in_review" => &["in_review"],
        "approved" => &["in_review", "approved"],
        "approved_with_conditions" => &["in_review", "approved_with_conditions"],
        "rejected" => &["rejected"],
        _ => &["rejected", "offboarded"],
    }
}

#[actix_web::test]
async fn every_illegal_status_transition_is_409_with_the_allowed_next_states() {
    let app = spawn_app().await;
    let token = app.admin();
    for from in STATES {
        let vendor = app.create_vendor(&format!("Vendor {from}")).await;
        let path = format!("/v1/vendors/{}/status", vendor["id"].as_str().unwrap());
        for step in path_to(from) {
            let reply = app
                .post(
                    &path,
                    &token,
                    &json!({"status": step, "reason": "moving along"}),
                )
                .await;
            assert_eq!(reply.ok(200)["status"], *step);
        }
        for to in STATES {
            if allowed(from).contains(&to) {
                continue;
            }
            let reply = app.post(&path, &token, &json!({"status": to})).await;
            let body = reply.problem(409);
            let listed: HashSet<&str> = body["allowed_next_states"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            assert_eq!(
                listed,
                allowed(from).iter().copied().collect(),
                "from {from} to {to}"
            );
        }
        let vendor_path = format!("/v1/vendors/{}", vendor["id"].as_str().unwrap());
        assert_eq!(app.get(&vendor_path, &token).await.ok(200)["status"], from);
    }
    let vendor = app.create_vendor("Bad status").await;
    let path = format!("/v1/vendors/{}/status", vendor["id"].as_str().unwrap());
    app.post(&path, &token, &json!({"status": "paused"}))
        .await
        .invalid_field("status");
    app.post(&path, &token, &json!({"reason": "no status"}))
        .await
        .invalid_field("status");
}

#[actix_web::test]
async fn idempotency_keys_replay_the_first_result() {
    let app = spawn_app().await;
    let token = app.admin();
    let request = |body: Value, key: &str| {
        app.client
            .post(app.url("/v1/vendors"))
            .bearer_auth(&token)
            .header("idempotency-key", key)
            .json(&body)
    };
    let first = app
        .send(request(json!({"legal_name": "Once Ltd"}), "key-1"))
        .await;
    let first_body = first.ok(201).clone();
    assert_eq!(first.header("idempotency-replayed"), None);
    let replay = app
        .send(request(json!({"legal_name": "Once Ltd"}), "key-1"))
        .await;
    assert_eq!(replay.ok(201), &first_body);
    assert_eq!(replay.header("idempotency-replayed"), Some("true"));
    assert_eq!(replay.header("etag"), Some("\"1\""));
    app.send(request(json!({"legal_name": "Different Ltd"}), "key-1"))
        .await
        .problem(409);
    app.send(request(json!({"legal_name": "Once Ltd"}), "key-2"))
        .await
        .ok(201);
    app.send(request(json!({"legal_name": "Once Ltd"}), &"k".repeat(256)))
        .await
        .invalid_field("Idempotency-Key");
    assert_eq!(vendor_count(&app).await, 2);
    // Keys are per organisation.
    let other = app.token(OTHER_ORG, &[annexa::domain::roles::Role::Admin]);
    let theirs = app
        .send(
            app.client
                .post(app.url("/v1/vendors"))
                .bearer_auth(&other)
                .header("idempotency-key", "key-1")
                .json(&json!({"legal_name": "Once Ltd"})),
        )
        .await;
    assert_ne!(theirs.ok(201)["id"], first_body["id"]);
}

#[actix_web::test]
async fn pagination_walks_every_vendor_once_newest_first() {
    let app = spawn_app().await;
    let token = app.admin();
    let mut created = Vec::new();
    for i in 0..7 {
        created.push(
            app.create_vendor(&format!("Vendor {i}")).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    created.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/vendors?limit=3&cursor={c}"),
            None => "/v1/vendors?limit=3".to_owned(),
        };
        let body = app.get(&path, &token).await.ok(200).clone();
        pages += 1;
        seen.extend(
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["id"].as_str().unwrap().to_owned()),
        );
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);
    app.get("/v1/vendors?limit=0", &token)
        .await
        .invalid_field("limit");
    app.get("/v1/vendors?limit=abc", &token)
        .await
        .invalid_field("limit");
    app.get("/v1/vendors?cursor=!!!", &token)
        .await
        .invalid_field("cursor");
    app.get("/v1/vendors?colour=red", &token)
        .await
        .invalid_field("colour");
    app.get("/v1/vendors?status=paused", &token)
        .await
        .invalid_field("status");
    assert_eq!(
        app.get("/v1/vendors?limit=100000", &token).await.ok(200)["data"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
}

#[actix_web::test]
async fn a_page_carries_each_vendors_own_tags_and_external_ids() {
    let app = spawn_app().await;
    let token = app.admin();
    let bodies = [
        json!({"legal_name": "Alpha", "tags": ["llm", "eu-data"], "external_ids": [{"source": "zip", "id": "A-2"}, {"source": "coupa", "id": "A-1"}]}),
        json!({"legal_name": "Beta"}),
        json!({"legal_name": "Gamma", "tags": ["vision"], "external_ids": [{"source": "coupa", "id": "G-1"}]}),
    ];
    let mut expected = Vec::new();
    for body in &bodies {
        expected.push(app.post("/v1/vendors", &token, body).await.ok(201).clone());
    }
    expected.reverse();
    let page = app.get("/v1/vendors", &token).await.ok(200).clone();
    assert_eq!(page["data"], json!(expected));
    assert_eq!(page["data"][0]["tags"], json!(["vision"]));
    assert_eq!(page["data"][1]["tags"], json!([]));
    assert_eq!(page["data"][1]["external_ids"], json!([]));
    assert_eq!(
        page["data"][2]["external_ids"],
        json!([{"source": "coupa", "id": "A-1"}, {"source": "zip", "id": "A-2"}])
    );

    // A change to the tags and external ids shows in pages, in lookups by tag and in the
    // uniqueness of external ids alike.
    let alpha = page["data"][2]["id"].as_str().unwrap().to_owned();
    let changed = app
        .patch(
            &format!("/v1/vendors/{alpha}"),
            &token,
            &json!({"tags": ["vision", "audio"], "external_ids": [{"source": "zip", "id": "A-9"}]}),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(changed["tags"], json!(["audio", "vision"]));
    let page = app.get("/v1/vendors", &token).await.ok(200).clone();
    assert_eq!(page["data"][2], changed);
    let tagged = app
        .get("/v1/vendors?tag=vision", &token)
        .await
        .ok(200)
        .clone();
    let names: Vec<&str> = tagged["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["legal_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Gamma", "Alpha"]);
    assert_eq!(
        app.get("/v1/vendors?tag=llm", &token).await.ok(200)["data"],
        json!([])
    );
    // The external id Alpha gave up is free for another vendor; the one it holds is not.
    app.post(
        "/v1/vendors",
        &token,
        &json!({"legal_name": "Delta", "external_ids": [{"source": "zip", "id": "A-2"}]}),
    )
    .await
    .ok(201);
    let taken = app
        .post(
            "/v1/vendors",
            &token,
            &json!({"legal_name": "Epsilon", "external_ids": [{"source": "zip", "id": "A-9"}]}),
        )
        .await;
    assert!(taken.problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains(&alpha));
}

/// A page's vendors are written as JSON by the database itself; each must be the vendor as
/// `GET /v1/vendors/{id}` shows it, whatever its text holds and whichever fields are empty.
#[actix_web::test]
async fn a_listed_vendor_is_the_vendor_read_alone_field_for_field() {
    let app = spawn_app().await;
    let token = app.admin();
    let full = app
        .post(
            "/v1/vendors",
            &token,
            &json!({
                "legal_name": "Ünïcode \"Quoted\" \\ Back\\slash — 🚀 Ltd",
                "display_name": "<b>Acme</b> & 'Co' / slash",
                "domains": ["acme.ai", "xn--mnchen-3ya.de"],
                "country": "de",
                "owner": "jane+ai@example.com",
                "tier": "critical",
                "notes": "line one\nline two\ttabbed\r\u{1} control \u{7f} \u{2028} end",
                "tags": ["eu-data", "llm", "ü"],
                "external_ids": [{"source": "coupa", "id": "S\"1"}, {"source": "zip", "id": "Z-1"}]
            }),
        )
        .await
        .ok(201)
        .clone();
    let bare = app.create_vendor("Bare").await;
    let full_id = full["id"].as_str().unwrap();
    app.execute_sql(&format!(
        "UPDATE vendors SET reassessment_due = TRUE, contract_expired = TRUE, \
         reassessment_reason = 'AI service ''Chat'' changed: model_version' \
         WHERE id = '{full_id}'"
    ))
    .unwrap();

    let page = app.get("/v1/vendors", &token).await.ok(200).clone();
    let listed = page["data"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(page["next_cursor"], Value::Null);
    for (listed, created) in listed.iter().zip([&bare, &full]) {
        let id = created["id"].as_str().unwrap();
        let alone = app
            .get(&format!("/v1/vendors/{id}"), &token)
            .await
            .ok(200)
            .clone();
        assert_eq!(listed, &alone);
    }
    let full = &listed[1];
    assert_eq!(full["reassessment_due"], true);
    assert_eq!(full["contract_expired"], true);
    assert_eq!(full["version"], 1);
    assert!(full["notes"].as_str().unwrap().contains("\r\u{1} control"));
    let bare = &listed[0];
    for field in [
        "display_name",
        "country",
        "owner",
        "tier",
        "notes",
        "reassessment_reason",
    ] {
        assert_eq!(bare[field], Value::Null, "{field}");
    }
    assert_eq!(bare["reassessment_due"], false);
    assert_eq!(bare["tags"], json!([]));

    // Pages after the first carry a cursor and the same vendors.
    let first = app.get("/v1/vendors?limit=1", &token).await.ok(200).clone();
    let cursor = first["next_cursor"].as_str().unwrap();
    assert_eq!(first["data"], json!([listed[0]]));
    let second = app
        .get(&format!("/v1/vendors?limit=1&cursor={cursor}"), &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(second["data"], json!([listed[1]]));
    assert_eq!(second["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn vendors_are_read_while_another_writer_holds_its_lock() {
    use diesel::connection::SimpleConnection;
    let app = spawn_app().await;
    let token = app.admin();
    let vendor = app.create_vendor("Held Vendor").await;
    let id = vendor["id"].as_str().unwrap();
    let mut writer = annexa::db::establish(&app.database).expect("connect");
    writer
        .batch_execute(if app.is_postgres() {
            "BEGIN; LOCK TABLE vendors IN EXCLUSIVE MODE"
        } else {
            "BEGIN IMMEDIATE"
        })
        .expect("take the write lock");
    assert_eq!(
        app.get(&format!("/v1/vendors/{id}"), &token).await.ok(200),
        &vendor
    );
    assert_eq!(
        app.get("/v1/vendors", &token).await.ok(200)["data"],
        json!([vendor])
    );
    assert_eq!(
        app.get(&format!("/v1/vendors/{id}/risk"), &token)
            .await
            .ok(200)["vendor_id"],
        vendor["id"]
    );
    writer.batch_execute("ROLLBACK").expect("release the lock");
}

#[actix_web::test]
async fn worker_readers_exist_on_sqlite_only_and_refuse_writes() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let readers = annexa::db::connect_worker_readers(&app.database, 1).expect("readers open");
    match readers {
        None => assert!(app.is_postgres()),
        Some(readers) => {
            assert!(!app.is_postgres());
            let mut reader = readers.get().expect("a reader");
            let refused = match &mut *reader {
                annexa::db::DbConn::Sqlite(c) => {
                    diesel::sql_query("DELETE FROM vendors").execute(c)
                }
                annexa::db::DbConn::Pg(_) => unreachable!("SQLite readers only"),
            }
            .expect_err("a worker reader cannot write");
            assert!(refused.to_string().contains("readonly"), "{refused}");
        }
    }
}

#[actix_web::test]
async fn list_filters_by_status_tier_tag_owner_and_name() {
    let app = spawn_app().await;
    let token = app.admin();
    let a = app
        .post("/v1/vendors", &token, &json!({"legal_name": "OpenModel Inc", "tier": "high", "tags": ["llm"], "owner": "ann"}))
        .await
        .ok(201)
        .clone();
    app.post("/v1/vendors", &token, &json!({"legal_name": "Label_Works 100%", "display_name": "LabelCo", "tier": "low", "tags": ["labelling"], "owner": "bob"}))
        .await
        .ok(201);
    app.post(
        &format!("/v1/vendors/{}/status", a["id"].as_str().unwrap()),
        &token,
        &json!({"status": "in_review"}),
    )
    .await
    .ok(200);
    let names = |body: &Value| -> Vec<String> {
        body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["legal_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let check = |query: &'static str, expected: &'static [&'static str]| {
        let app = &app;
        let token = &token;
        async move {
            let body = app
                .get(&format!("/v1/vendors?{query}"), token)
                .await
                .ok(200)
                .clone();
            assert_eq!(names(&body), expected, "query {query}");
        }
    };
    check("status=in_review", &["OpenModel Inc"]).await;
    check("status=proposed", &["Label_Works 100%"]).await;
    check("tier=low", &["Label_Works 100%"]).await;
    check("tag=LLM", &["OpenModel Inc"]).await;
    check("owner=bob", &["Label_Works 100%"]).await;
    check("q=openmodel", &["OpenModel Inc"]).await;
    check("q=labelco", &["Label_Works 100%"]).await;
    check("q=100%25", &["Label_Works 100%"]).await;
    check("q=n_o", &[]).await;
    check("q=%25", &["Label_Works 100%"]).await;
    check("tier=high&tag=labelling", &[]).await;
    // Another organisation sees none of them.
    let other = app.token(OTHER_ORG, &[annexa::domain::roles::Role::Auditor]);
    assert!(app.get("/v1/vendors", &other).await.ok(200)["data"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[actix_web::test]
async fn concurrent_creates_all_land_and_keep_the_audit_chain_whole() {
    let app = spawn_app().await;
    let token = app.admin();
    let bodies: Vec<Value> = (0..20)
        .map(|i| json!({"legal_name": format!("Parallel {i}")}))
        .collect();
    let requests = bodies
        .iter()
        .map(|body| app.post("/v1/vendors", &token, body));
    for reply in futures_util::future::join_all(requests).await {
        reply.ok(201);
    }
    assert_eq!(vendor_count(&app).await, 20);
    let verification = app
        .get("/v1/audit-events/verify", &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(verification["valid"], true);
    assert_eq!(verification["records_checked"], 20);
}
