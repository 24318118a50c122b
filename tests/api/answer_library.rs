use annexa::domain::roles::Role;
use serde_json::{json, Value};

use crate::helpers::{fixture, spawn_app, TestApp, ORG, OTHER_ORG};

const LIBRARY: &str = "/v1/answer-library";

fn training_entry() -> Value {
    json!({
        "question": "Do you use customer data to train or fine-tune your AI models?",
        "alternatives": ["Is customer content used to improve your models?"],
        "answer_short": "No. Customer data is never used to train, fine-tune or evaluate models.",
        "owner": "trust@example.com",
        "tags": ["Training", "data"],
        "control_ids": ["iso42001:A.7.3", "nist-ai-rmf:GOVERN 6.1"],
        "evidence": [{"title": "Data processing addendum", "url": "https://trust.example.com/dpa.pdf"}]
    })
}

pub async fn add_entry(app: &TestApp, token: &str, entry: &Value) -> Value {
    app.post(LIBRARY, token, entry).await.ok(201).clone()
}

fn entry_count(app: &TestApp) -> i64 {
    app.count_rows("SELECT COUNT(*) AS n FROM answer_entries")
}

#[actix_web::test]
async fn entries_are_drafted_approved_revised_with_history_and_audited() {
    let app = spawn_app().await;
    let sales = app.token(ORG, &[Role::Sales]);
    let created = add_entry(&app, &sales, &training_entry()).await;
    assert_eq!(created["status"], "draft");
    assert_eq!(created["tags"], json!(["data", "training"]));
    assert_eq!(created["version"], 1);
    assert_eq!(created["stale"], false);
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("{LIBRARY}/{id}");

    // Drafts are not suggested.
    let none = app
        .get(
            &format!("{LIBRARY}/suggestions?q=is%20our%20data%20used%20for%20training"),
            &sales,
        )
        .await;
    assert_eq!(none.ok(200)["data"], json!([]));
    assert_eq!(none.body["needs_human"], true);

    let approved = app
        .post(
            &format!("{path}/status"),
            &sales,
            &json!({"status": "approved"}),
        )
        .await;
    assert_eq!(approved.ok(200)["status"], "approved");
    let in_a_year = (chrono::Utc::now().date_naive() + chrono::Days::new(365)).to_string();
    assert_eq!(approved.body["review_by"], in_a_year);
    assert_eq!(approved.header("etag"), Some("\"2\""));

    let revised = app
        .send(
            app.client
                .patch(app.url(&path))
                .bearer_auth(&sales)
                .header("if-match", "\"2\"")
                .json(&json!({"answer_short": "No, never.", "answer_long": "Customer data is never used for training."})),
        )
        .await;
    assert_eq!(revised.ok(200)["answer_short"], "No, never.");
    assert_eq!(revised.body["version"], 3);
    assert_eq!(revised.body["status"], "approved");
    // A stale If-Match changes nothing.
    app.send(
        app.client
            .patch(app.url(&path))
            .bearer_auth(&sales)
            .header("if-match", "\"2\"")
            .json(&json!({"answer_short": "Lost update"})),
    )
    .await
    .problem(412);

    let history = app.get(&format!("{path}/history"), &sales).await;
    let versions = history.ok(200)["data"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["version"], 2);
    assert_eq!(
        versions[0]["entry"]["answer_short"],
        "No. Customer data is never used to train, fine-tune or evaluate models."
    );
    assert_eq!(versions[1]["entry"]["status"], "draft");
    assert_eq!(versions[0]["replaced_by"], "tester@example.com");

    let ask =
        format!("{LIBRARY}/suggestions?q=Is%20our%20data%20used%20for%20training%20AI%20models%3F");
    let found = app.get(&ask, &sales).await;
    let best = &found.ok(200)["data"][0];
    assert_eq!(best["entry_id"], id.as_str());
    assert_eq!(best["answer_short"], "No, never.");
    assert_eq!(best["approved"], true);
    assert_eq!(best["rank"], 1);
    assert_eq!(best["controls"][0]["reference"], "A.7.3");
    assert_eq!(best["evidence"][0]["title"], "Data processing addendum");
    // What a suggestion shows of an entry is kept with the search index: a revision shows in
    // the next one.
    app.patch(
        &path,
        &sales,
        &json!({"answer_short": "Never.", "evidence": [{"title": "AI terms", "url": "https://trust.example.com/ai.pdf"}]}),
    )
    .await
    .ok(200);
    let found = app.get(&ask, &sales).await;
    let best = &found.ok(200)["data"][0];
    assert_eq!(best["answer_short"], "Never.");
    assert_eq!(best["evidence"][0]["title"], "AI terms");
    assert_eq!(
        best["evidence"][0]["url"],
        "https://trust.example.com/ai.pdf"
    );

    let retired = app
        .post(
            &format!("{path}/status"),
            &sales,
            &json!({"status": "retired", "reason": "Replaced"}),
        )
        .await;
    assert_eq!(retired.ok(200)["status"], "retired");
    app.post(
        &format!("{path}/status"),
        &sales,
        &json!({"status": "approved"}),
    )
    .await
    .problem(409);
    let gone = app
        .get(
            &format!("{LIBRARY}/suggestions?q=customer%20data%20training"),
            &sales,
        )
        .await;
    assert_eq!(gone.ok(200)["data"], json!([]));

    let listed = app
        .get(&format!("{LIBRARY}?status=retired&tag=training"), &sales)
        .await;
    assert_eq!(listed.ok(200)["data"].as_array().unwrap().len(), 1);
    let none = app.get(&format!("{LIBRARY}?tag=train"), &sales).await;
    assert_eq!(none.ok(200)["data"].as_array().unwrap().len(), 0);
    let by_control = app
        .get(
            &format!("{LIBRARY}?control_id=iso42001:A.7.3&q=FINE-TUNE"),
            &sales,
        )
        .await;
    assert_eq!(by_control.ok(200)["data"][0]["id"], id.as_str());

    assert_eq!(
        app.audit_actions(&app.admin(), "answer_entry").await,
        [
            "answer_entry.status_changed",
            "answer_entry.updated",
            "answer_entry.updated",
            "answer_entry.status_changed",
            "answer_entry.created"
        ]
    );
    assert_eq!(
        app.count_rows(
            "SELECT COUNT(*) AS n FROM outbox_events WHERE event_type LIKE 'answer_entry.%'"
        ),
        5
    );

    // Auditors read; they do not write. Other organisations see nothing.
    let auditor = app.token(ORG, &[Role::Auditor]);
    app.get(&path, &auditor).await.ok(200);
    app.post(LIBRARY, &auditor, &training_entry())
        .await
        .problem(403);
    let procurement = app.token(ORG, &[Role::Procurement]);
    app.post(LIBRARY, &procurement, &training_entry())
        .await
        .problem(403);
    let other = app.token(OTHER_ORG, &[Role::Admin]);
    app.get(&path, &other).await.problem(404);
    app.get(&format!("{path}/history"), &other)
        .await
        .problem(404);
    app.post(
        &format!("{path}/status"),
        &other,
        &json!({"status": "draft"}),
    )
    .await
    .problem(404);
}

#[actix_web::test]
async fn bad_entries_are_refused_naming_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let admin = app.admin();
    let with = |change: Value| {
        let mut entry = training_entry();
        json_patch::merge(&mut entry, &change);
        entry
    };
    for (change, field) in [
        (json!({"question": "   "}), "question"),
        (json!({"answer_short": ""}), "answer_short"),
        (json!({"control_ids": ["iso42001:A.99"]}), "control_ids[0]"),
        (
            json!({"evidence": [{"title": "DPA", "url": "ftp://x"}]}),
            "evidence[0].url",
        ),
        (json!({"evidence": [{"title": " "}]}), "evidence[0].title"),
        (
            json!({"alternatives": ["do you use customer data to train or fine-tune your ai models?"]}),
            "alternatives[0]",
        ),
        (json!({"tags": ["no spaces"]}), "tags[0]"),
        (json!({"review_by": "2026-02-30"}), "review_by"),
        (
            json!({"status": "approved", "review_by": "2020-01-01"}),
            "review_by",
        ),
        (json!({"status": "retired"}), "status"),
        (json!({"status": "published"}), "status"),
        (json!({"colour": "blue"}), "colour"),
    ] {
        app.post(LIBRARY, &admin, &with(change.clone()))
            .await
            .invalid_field(field);
    }
    assert_eq!(entry_count(&app), 0);

    let entry = add_entry(&app, &admin, &training_entry()).await;
    let path = format!("{LIBRARY}/{}", entry["id"].as_str().unwrap());
    app.patch(&path, &admin, &json!({"question": null}))
        .await
        .invalid_field("question");
    app.patch(&path, &admin, &json!({"version": 7}))
        .await
        .invalid_field("version");
    app.patch(&path, &admin, &json!({"status": "approved"}))
        .await
        .invalid_field("status");
    app.patch(&path, &admin, &json!({"control_ids": ["nope"]}))
        .await
        .invalid_field("control_ids[0]");
    app.post(
        &format!("{path}/status"),
        &admin,
        &json!({"status": "draft"}),
    )
    .await
    .problem(409);
    app.get(&format!("{LIBRARY}/suggestions?q=%20"), &admin)
        .await
        .invalid_field("q");
    app.get(&format!("{LIBRARY}/suggestions"), &admin)
        .await
        .invalid_field("q");
    app.get(&format!("{LIBRARY}?limit=0"), &admin)
        .await
        .invalid_field("limit");
    app.get(
        &format!("{LIBRARY}/0193a000-0000-7000-8000-00000000dead"),
        &admin,
    )
    .await
    .problem(404);
    let unchanged = app.get(&path, &admin).await;
    assert_eq!(unchanged.ok(200)["version"], 1);
    assert_eq!(
        unchanged.body["control_ids"],
        training_entry()["control_ids"]
    );
    assert_eq!(
        app.count_rows("SELECT COUNT(*) AS n FROM answer_entry_versions"),
        0
    );
}

#[actix_web::test]
async fn stale_entries_are_flagged_and_never_suggested_as_approved() {
    let app = spawn_app().await;
    let admin = app.admin();
    let mut approved = training_entry();
    approved["status"] = json!("approved");
    let entry = add_entry(&app, &admin, &approved).await;
    let id = entry["id"].as_str().unwrap();
    let ask = format!("{LIBRARY}/suggestions?q=Will%20our%20data%20train%20your%20models%3F");
    let fresh = app.get(&ask, &admin).await;
    assert_eq!(fresh.ok(200)["data"][0]["approved"], true);

    // Its review date passes. Stamped as every write stamps an entry, which is what tells the
    // suggestion index the library changed.
    app.execute_sql(&format!(
        "UPDATE answer_entries SET review_by = '2020-01-01', updated_at = '{}' WHERE id = '{id}'",
        annexa::domain::time::now()
    ))
    .unwrap();
    let read = app.get(&format!("{LIBRARY}/{id}"), &admin).await;
    assert_eq!(read.ok(200)["stale"], true);
    let stale = app.get(&format!("{LIBRARY}?stale=true"), &admin).await;
    assert_eq!(stale.ok(200)["data"][0]["id"], id);
    let suggested = app.get(&ask, &admin).await;
    let best = &suggested.ok(200)["data"][0];
    assert_eq!(best["entry_id"], id);
    assert_eq!(best["stale"], true);
    assert_eq!(best["approved"], false);
    assert_eq!(suggested.body["needs_human"], true);

    // Editing it means reviewing it: a new review date is required.
    app.patch(
        &format!("{LIBRARY}/{id}"),
        &admin,
        &json!({"owner": "sam@example.com"}),
    )
    .await
    .invalid_field("review_by");
    let reviewed = app
        .patch(
            &format!("{LIBRARY}/{id}"),
            &admin,
            &json!({"review_by": "2099-01-01"}),
        )
        .await;
    assert_eq!(reviewed.ok(200)["stale"], false);
    assert_eq!(
        app.get(&ask, &admin).await.ok(200)["data"][0]["approved"],
        true
    );
}

/// Loads the library side of the quality fixture as approved entries; returns their ids in
/// fixture order and the customers' wordings.
pub async fn load_quality_library(app: &TestApp, token: &str) -> (Vec<String>, Vec<String>) {
    let pairs: Vec<Value> = serde_json::from_str(&fixture("answer_library/pairs.json")).unwrap();
    let mut ids = Vec::new();
    let mut customer = Vec::new();
    for pair in &pairs {
        let entry = add_entry(
            app,
            token,
            &json!({
                "question": pair["question"],
                "alternatives": pair.get("alternatives").cloned().unwrap_or(json!([])),
                "answer_short": pair["answer"],
                "tags": pair["tags"],
                "status": "approved"
            }),
        )
        .await;
        ids.push(entry["id"].as_str().unwrap().to_owned());
        customer.push(pair["customer"].as_str().unwrap().to_owned());
    }
    (ids, customer)
}

#[actix_web::test]
async fn customers_wordings_find_the_right_answer_first_for_most_questions() {
    let app = spawn_app().await;
    let sales = app.token(ORG, &[Role::Sales]);
    let (ids, wordings) = load_quality_library(&app, &sales).await;
    assert!(ids.len() >= 100, "{} pairs", ids.len());
    let questions: Vec<Value> = wordings
        .iter()
        .enumerate()
        .map(|(i, q)| json!({"id": format!("Q{i}"), "question": q}))
        .collect();
    let imported = app
        .post(
            "/v1/customer-questionnaires",
            &sales,
            &json!({"customer": "Quality check", "title": "Wordings", "questions": questions}),
        )
        .await;
    let questions = imported.ok(201)["questions"].as_array().unwrap();
    assert_eq!(questions.len(), ids.len());
    let (mut first, mut top_three) = (0, 0);
    for (question, expected) in questions.iter().zip(&ids) {
        let ranked: Vec<&str> = question["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["entry_id"].as_str().unwrap())
            .collect();
        match ranked.iter().position(|id| id == expected) {
            Some(0) => {
                first += 1;
                top_three += 1;
            }
            Some(1 | 2) => top_three += 1,
            _ => {}
        }
    }
    let total = ids.len() as f64;
    let (first_share, top_three_share) = (first as f64 / total, top_three as f64 / total);
    eprintln!(
        "answer library quality: {first}/{} first ({:.1}%), {top_three}/{} in the top three ({:.1}%)",
        ids.len(),
        first_share * 100.0,
        ids.len(),
        top_three_share * 100.0
    );
    assert!(
        first_share >= 0.80,
        "first suggestion right for {first_share:.3}"
    );
    assert!(
        top_three_share >= 0.95,
        "top three right for {top_three_share:.3}"
    );
}
