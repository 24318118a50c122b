use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, ORG, OTHER_ORG};
use annexa::domain::roles::Role;

/// A published template with a conditional branch, returning its id.
pub async fn published_template(app: &TestApp, token: &str) -> String {
    publish_template(
        app,
        token,
        json!({"name": "AI vendor check", "sections": [
                {"title": "Data", "questions": [
                    {"key": "trains", "text": "Do you train on our data?", "type": "yes_no", "required": true, "weight": 2,
                     "options": [{"value": "yes", "label": "Yes", "score": 0}, {"value": "no", "label": "No", "score": 1}],
                     "controls": ["iso42001:A.7.3"]},
                    {"key": "opt_out", "text": "Is the opt-out in the contract?", "type": "yes_no", "required": true,
                     "show_if": {"question": "trains", "any_of": ["yes"]}, "controls": ["iso42001:A.7.3", "iso42001:A.10.3"]},
                    {"key": "opt_out_clause", "text": "Attach the opt-out clause", "type": "evidence",
                     "show_if": {"all": [{"question": "trains", "any_of": ["yes"]}, {"question": "opt_out", "any_of": ["yes"]}]},
                     "controls": ["iso42001:A.10.3"]},
                    {"key": "retention", "text": "Retention in days", "type": "number", "required": true, "controls": ["iso42001:A.7.5"]}
                ]},
                {"title": "Operations", "questions": [
                    {"key": "regions", "text": "Where is data processed?", "type": "multi_choice", "allow_not_applicable": true,
                     "options": [{"value": "eu", "label": "EU", "score": 1}, {"value": "us", "label": "US", "score": 0.5}],
                     "controls": ["iso42001:A.10.3"]},
                    {"key": "incident_contact", "text": "Incident contact", "type": "text", "controls": ["iso42001:A.8.4"]}
                ]}
            ]}),
    )
    .await
}

/// Creates a template from `body`, publishes its first version and returns its id.
pub async fn publish_template(app: &TestApp, token: &str, body: Value) -> String {
    let template = app
        .post("/v1/questionnaire-templates", token, &body)
        .await
        .ok(201)
        .clone();
    let id = template["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/v1/questionnaire-templates/{id}/versions/1/publish"),
        token,
        &json!({}),
    )
    .await
    .ok(200);
    id
}

fn keys(questionnaire: &Value) -> Vec<String> {
    questionnaire["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["questions"].as_array().unwrap())
        .map(|q| q["key"].as_str().unwrap().to_owned())
        .collect()
}

async fn status(app: &TestApp, id: &str, token: &str, to: &str) -> Value {
    app.post(
        &format!("/v1/assessments/{id}/status"),
        token,
        &json!({ "status": to }),
    )
    .await
    .ok(200)
    .clone()
}

/// An assessment on the published template for a new vendor, sent.
pub struct SentAssessment {
    pub template_id: String,
    pub vendor: Value,
    pub id: String,
    /// The vendor's link token.
    pub link: String,
}

pub async fn sent_assessment(app: &TestApp, admin: &str) -> SentAssessment {
    let template_id = published_template(app, admin).await;
    sent_assessment_of(app, admin, template_id).await
}

/// An assessment of a new vendor on the template `template_id`, sent with a link.
pub async fn sent_assessment_of(app: &TestApp, admin: &str, template_id: String) -> SentAssessment {
    let vendor = app.create_vendor("Acme AI").await;
    let created = app
        .post(
            "/v1/assessments",
            admin,
            &json!({"vendor_id": vendor["id"], "template_id": template_id}),
        )
        .await
        .ok(201)
        .clone();
    let id = created["id"].as_str().unwrap().to_owned();
    let link = app
        .post(&format!("/v1/assessments/{id}/send"), admin, &json!({}))
        .await
        .ok(200)["link"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    SentAssessment {
        template_id,
        vendor,
        id,
        link,
    }
}

#[actix_web::test]
async fn a_vendor_answers_through_the_link_and_the_assessment_is_reviewed_and_scored() {
    let app = spawn_app().await;
    let admin = app.admin();
    let template_id = published_template(&app, &admin).await;
    let vendor = app.create_vendor("Acme AI").await;
    let vendor_id = vendor["id"].as_str().unwrap();

    let created = app
        .post(
            "/v1/assessments",
            &admin,
            &json!({"vendor_id": vendor_id, "template_id": template_id, "due_date": "2099-01-31"}),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(created["status"], "draft");
    assert_eq!(created["template_version"], 1);
    assert_eq!(created["overdue"], false);
    let id = created["id"].as_str().unwrap();
    let base = format!("/v1/assessments/{id}");

    let sent = app
        .post(&format!("{base}/send"), &admin, &json!({"link_ttl": "7d"}))
        .await
        .ok(200)
        .clone();
    assert_eq!(sent["assessment"]["status"], "sent");
    let link = sent["link"]["token"].as_str().unwrap().to_owned();
    app.post(&format!("{base}/send"), &admin, &json!({}))
        .await
        .problem(409);

    // The vendor sees the questions that apply; the conditional one is hidden at first.
    let questionnaire = app
        .get(&format!("{base}/questionnaire"), &link)
        .await
        .ok(200)
        .clone();
    assert_eq!(
        keys(&questionnaire),
        ["trains", "retention", "regions", "incident_contact"]
    );
    assert_eq!(
        questionnaire["unanswered_required"],
        json!(["trains", "retention"])
    );

    let answers = format!("{base}/answers");
    let saved = app
        .put(
            &answers,
            &link,
            &json!({"answers": [{"question": "trains", "value": "yes"}, {"question": "retention", "value": 30}]}),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(saved["status"], "in_progress");
    assert_eq!(
        keys(&saved),
        [
            "trains",
            "opt_out",
            "retention",
            "regions",
            "incident_contact"
        ]
    );
    let refused = app.post(&format!("{base}/submit"), &link, &json!({})).await;
    refused.invalid_field("answers.opt_out");

    // The clause is uploaded as evidence and named in the answer the opt-out branch shows.
    let clause = b"%PDF-1.7\n% Clause 12.3: no training on customer data without opt-in\n%%EOF\n";
    let uploaded = app
        .send(
            app.client
                .post(app.url(&format!("{base}/evidence?filename=clause-12.3.pdf")))
                .bearer_auth(&link)
                .header("content-type", "application/pdf")
                .body(clause.to_vec()),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(uploaded["content_type"], "application/pdf");
    assert_eq!(uploaded["file_name"], "clause-12.3.pdf");
    assert_eq!(uploaded["size_bytes"], clause.len());
    let evidence_id = uploaded["id"].as_str().unwrap().to_owned();
    let with_clause = app
        .put(
            &answers,
            &link,
            &json!({"answers": [
                {"question": "opt_out", "value": "yes", "comment": "Clause 12.3"},
                {"question": "opt_out_clause", "value": [evidence_id]},
                {"question": "regions", "value": null, "not_applicable": true}
            ]}),
        )
        .await
        .ok(200)
        .clone();
    assert!(keys(&with_clause).contains(&"opt_out_clause".to_owned()));
    let listed = app
        .get(&format!("{base}/evidence"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(listed["data"][0]["id"], evidence_id.as_str());
    let download = app
        .client
        .get(app.url(&format!("{base}/evidence/{evidence_id}/content")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(download.headers()["x-content-type-options"], "nosniff");
    assert!(download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("clause-12.3.pdf"));
    assert_eq!(download.bytes().await.unwrap().as_ref(), clause);
    let submitted = app
        .post(&format!("{base}/submit"), &link, &json!({}))
        .await
        .ok(200)
        .clone();
    assert_eq!(submitted["status"], "submitted");
    app.put(
        &answers,
        &link,
        &json!({"answers": [{"question": "retention", "value": 1}]}),
    )
    .await
    .problem(409);

    // Review: one answer rejected, the assessment returned for clarification.
    app.put(
        &format!("{base}/answers/opt_out/review"),
        &admin,
        &json!({"verdict": "accepted"}),
    )
    .await
    .problem(409);
    app.post(
        &format!("{base}/status"),
        &admin,
        &json!({"status": "completed"}),
    )
    .await
    .problem(409);
    app.post(
        &format!("{base}/status"),
        &admin,
        &json!({"status": "done"}),
    )
    .await
    .invalid_field("status");
    status(&app, id, &admin, "in_review").await;
    app.put(
        &format!("{base}/answers/opt_out/review"),
        &admin,
        &json!({"verdict": "maybe"}),
    )
    .await
    .invalid_field("verdict");
    app.put(
        &format!("{base}/answers/incident_contact/review"),
        &admin,
        &json!({"verdict": "accepted"}),
    )
    .await
    .problem(404);
    let reviewed = app
        .put(
            &format!("{base}/answers/opt_out/review"),
            &admin,
            &json!({"verdict": "rejected", "comment": "Send the clause"}),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(reviewed["verdict"], "rejected");
    let returned = status(&app, id, &admin, "returned").await;
    assert_eq!(returned["allowed_next_states"], json!(["in_progress"]));
    let back = app
        .get(&format!("{base}/questionnaire"), &link)
        .await
        .ok(200)
        .clone();
    let opt_out = back["answers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["question"] == "opt_out")
        .unwrap()
        .clone();
    assert_eq!(opt_out["review_comment"], "Send the clause");
    app.put(
        &answers,
        &link,
        &json!({"answers": [{"question": "trains", "value": "no"}]}),
    )
    .await
    .ok(200);
    app.post(&format!("{base}/submit"), &link, &json!({}))
        .await
        .ok(200);
    status(&app, id, &admin, "in_review").await;
    let completed = status(&app, id, &admin, "completed").await;
    assert_eq!(completed["status"], "completed");
    // trains "no" scores 1 × 2; opt_out no longer applies; regions N/A; → 2 / 2.
    assert_eq!(completed["score"], 100.0);

    let results = app
        .get(&format!("{base}/results"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(results["final_result"], true);
    assert_eq!(results["points"], 2.0);
    assert_eq!(results["max_points"], 2.0);
    let control = |id: &str| {
        results["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["control_id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(control("iso42001:A.7.3")["result"], "met");
    assert_eq!(control("iso42001:A.7.5")["result"], "met");
    assert_eq!(control("iso42001:A.8.4")["result"], "not_answered");
    let bases: Vec<&str> = results["explanation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["basis"].as_str().unwrap())
        .collect();
    assert_eq!(
        bases,
        ["scored", "unscored", "not_applicable", "not_answered"]
    );
    app.post(
        &format!("{base}/status"),
        &admin,
        &json!({"status": "in_review"}),
    )
    .await
    .problem(409);

    // The record: JSON and XLSX exports, and OSCAL assessment-results.
    let export = app
        .get(&format!("{base}/export"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(export["vendor_name"], "Acme AI");
    assert_eq!(export["template_name"], "AI vendor check");
    let questions = export["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 6);
    let clause_question = questions
        .iter()
        .find(|q| q["key"] == "opt_out_clause")
        .unwrap();
    assert_eq!(clause_question["applies"], false);
    assert_eq!(clause_question["answer"]["value"], json!([evidence_id]));
    assert_eq!(export["evidence"][0]["sha256"], uploaded["sha256"]);
    assert_eq!(export["results"]["score"], 100.0);
    let xlsx = app
        .client
        .get(app.url(&format!("{base}/export?format=xlsx")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let sheet = annexa::domain::spreadsheet::read_xlsx(&xlsx.bytes().await.unwrap()).unwrap();
    assert_eq!(sheet.rows.len(), 6);
    let answer_column = sheet.column("answer").unwrap();
    assert_eq!(sheet.rows[0].1[answer_column], "no");
    let oscal = app
        .get(&format!("{base}/oscal"), &admin)
        .await
        .ok(200)
        .clone();
    let result = &oscal["assessment-results"]["results"][0];
    assert_eq!(result["end"], completed["completed_at"]);
    let finding = |target: &str| {
        result["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["target"]["target-id"] == target)
            .cloned()
            .unwrap()
    };
    assert_eq!(finding("A.7.3")["target"]["status"]["state"], "satisfied");
    assert_eq!(
        finding("A.8.4")["target"]["status"],
        json!({"state": "not-satisfied", "reason": "not-answered"})
    );
    app.get(&format!("{base}/export?format=pdf"), &admin)
        .await
        .invalid_field("format");

    let actions = app.audit_actions(&admin, "assessment").await;
    for action in [
        "assessment.created",
        "assessment.sent",
        "vendor_link.issued",
        "assessment.answers_saved",
        "assessment.evidence_uploaded",
        "assessment.submitted",
        "assessment.answer_reviewed",
        "assessment.returned",
        "assessment.completed",
    ] {
        assert!(actions.contains(&action.to_owned()), "{action} not audited");
    }
}

/// Saves `body` through `link` and checks that the save answered `expected` and that the
/// questionnaire read afterwards shows the same: what the save answered is what was stored.
async fn assert_save_stores(app: &TestApp, id: &str, link: &str, body: &Value, expected: &Value) {
    let saved = app
        .put(&format!("/v1/assessments/{id}/answers"), link, body)
        .await
        .ok(200)
        .clone();
    assert_eq!(saved["answers"], *expected);
    let stored = app
        .get(&format!("/v1/assessments/{id}/questionnaire"), link)
        .await
        .ok(200)
        .clone();
    assert_eq!(stored["answers"], *expected);
}

/// The template version's sections keeping only the questions keyed in `shown`, and only the
/// sections left with a question: what a questionnaire showing `shown` must hold.
fn sections_showing(version: &Value, shown: &[&str]) -> Value {
    let sections: Vec<Value> = version["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|section| {
            let questions: Vec<Value> = section["questions"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|q| shown.contains(&q["key"].as_str().unwrap()))
                .cloned()
                .collect();
            json!({"title": section["title"], "questions": questions})
        })
        .filter(|section| !section["questions"].as_array().unwrap().is_empty())
        .collect();
    Value::Array(sections)
}

#[actix_web::test]
async fn the_questionnaire_shows_each_question_as_its_template_version_holds_it() {
    let app = spawn_app().await;
    let admin = app.admin();
    let SentAssessment {
        template_id,
        id,
        link,
        ..
    } = sent_assessment(&app, &admin).await;
    let version = app
        .get(
            &format!("/v1/questionnaire-templates/{template_id}/versions/1"),
            &admin,
        )
        .await
        .ok(200)
        .clone();
    let path = format!("/v1/assessments/{id}/questionnaire");
    let unconditional = ["trains", "retention", "regions", "incident_contact"];
    let before = app.get(&path, &link).await.ok(200).clone();
    assert_eq!(
        before["sections"],
        sections_showing(&version, &unconditional)
    );

    // Answering `trains` yes shows `opt_out` between questions shown before, and answering
    // `opt_out` yes shows the evidence question after it, in the same section.
    let saved = app
        .put(
            &format!("/v1/assessments/{id}/answers"),
            &link,
            &json!({"answers": [{"question": "trains", "value": "yes"},
                                {"question": "opt_out", "value": "yes"}]}),
        )
        .await
        .ok(200)
        .clone();
    let all = [
        "trains",
        "opt_out",
        "opt_out_clause",
        "retention",
        "regions",
        "incident_contact",
    ];
    assert_eq!(saved["sections"], sections_showing(&version, &all));
    let after = app.get(&path, &link).await.ok(200).clone();
    assert_eq!(after["sections"], saved["sections"]);
    assert_eq!(after["unanswered_required"], json!(["retention"]));
}

#[actix_web::test]
async fn a_save_replaces_earlier_answers_and_adds_new_ones() {
    let app = spawn_app().await;
    let admin = app.admin();
    let SentAssessment { id, link, .. } = sent_assessment(&app, &admin).await;
    let answers = format!("/v1/assessments/{id}/answers");
    app.put(
        &answers,
        &link,
        &json!({"answers": [{"question": "trains", "value": "no"}, {"question": "retention", "value": 30}]}),
    )
    .await
    .ok(200);
    let expected = json!([
        {"question": "regions", "value": ["eu"], "not_applicable": false, "comment": null,
         "verdict": null, "review_comment": null},
        {"question": "retention", "value": 45, "not_applicable": false,
         "comment": "Shortened in 2026", "verdict": null, "review_comment": null},
        {"question": "trains", "value": "no", "not_applicable": false, "comment": null,
         "verdict": null, "review_comment": null}
    ]);
    let changes = json!({"answers": [
        {"question": "retention", "value": 45, "comment": "Shortened in 2026"},
        {"question": "regions", "value": ["eu"]}
    ]});
    assert_save_stores(&app, &id, &link, &changes, &expected).await;
}

#[actix_web::test]
async fn answers_are_stored_exactly_as_sent() {
    let app = spawn_app().await;
    let admin = app.admin();
    let SentAssessment { id, link, .. } = sent_assessment(&app, &admin).await;
    let awkward = "Ann \"Ops\" O'Neil \\ on call\n\tnaïve 日本 🚀 \u{7f} ->> 0";
    let sent = json!({"answers": [
        {"question": "trains", "value": "no", "comment": awkward},
        {"question": "retention", "value": 12.75},
        {"question": "regions", "value": ["eu", "us"], "comment": "[\"not\", \"json\"]"},
        {"question": "incident_contact", "value": awkward}
    ]});
    let expected = json!([
        {"question": "incident_contact", "value": awkward, "not_applicable": false,
         "comment": null, "verdict": null, "review_comment": null},
        {"question": "regions", "value": ["eu", "us"], "not_applicable": false,
         "comment": "[\"not\", \"json\"]", "verdict": null, "review_comment": null},
        {"question": "retention", "value": 12.75, "not_applicable": false, "comment": null,
         "verdict": null, "review_comment": null},
        {"question": "trains", "value": "no", "not_applicable": false, "comment": awkward,
         "verdict": null, "review_comment": null}
    ]);
    assert_save_stores(&app, &id, &link, &sent, &expected).await;
}

#[actix_web::test]
async fn a_long_save_stores_every_answer_once_and_a_second_save_replaces_them() {
    let app = spawn_app().await;
    let admin = app.admin();
    // 75 answers: on SQLite one statement of 64 rows, one of 8 and three of one.
    let keys: Vec<String> = (0..75).map(|i| format!("q{i:02}")).collect();
    let questions: Vec<Value> = keys
        .iter()
        .map(|key| json!({"key": key, "text": format!("Question {key}"), "type": "text"}))
        .collect();
    let template_id = publish_template(
        &app,
        &admin,
        json!({"name": "Long check", "sections": [{"title": "All", "questions": questions}]}),
    )
    .await;
    let SentAssessment { id, link, .. } = sent_assessment_of(&app, &admin, template_id).await;
    let answers = |round: &str| -> Vec<Value> {
        keys.iter()
            .map(|key| json!({"question": key, "value": format!("{round} {key}")}))
            .collect()
    };
    let expected = |round: &str| -> Vec<Value> {
        keys.iter()
            .map(|key| {
                json!({"question": key, "value": format!("{round} {key}"), "not_applicable": false,
                       "comment": null, "verdict": null, "review_comment": null})
            })
            .collect()
    };
    for round in ["first", "second"] {
        let body = json!({"answers": answers(round)});
        assert_save_stores(&app, &id, &link, &body, &json!(expected(round))).await;
    }
}

#[actix_web::test]
async fn vendor_answers_must_fit_their_questions() {
    let app = spawn_app().await;
    let admin = app.admin();
    let SentAssessment {
        template_id,
        vendor,
        id,
        link,
    } = sent_assessment(&app, &admin).await;
    let id = id.as_str();
    let answers = format!("/v1/assessments/{id}/answers");
    let cases = [
        (
            json!({"question": "trains", "value": true}),
            "answers[0].value",
        ),
        (
            json!({"question": "trains", "value": "maybe"}),
            "answers[0].value",
        ),
        (
            json!({"question": "retention", "value": "thirty"}),
            "answers[0].value",
        ),
        (
            json!({"question": "regions", "value": ["eu", "mars"]}),
            "answers[0].value[1]",
        ),
        (
            json!({"question": "trains", "value": null, "not_applicable": true}),
            "answers[0].not_applicable",
        ),
        (
            json!({"question": "opt_out", "value": "yes"}),
            "answers[0].question",
        ),
        (
            json!({"question": "nope", "value": "yes"}),
            "answers[0].question",
        ),
        (
            json!({"question": "trains", "value": "no", "extra": 1}),
            "answers[0].extra",
        ),
    ];
    for (answer, field) in cases {
        app.put(&answers, &link, &json!({ "answers": [answer] }))
            .await
            .invalid_field(field);
    }
    // One bad answer refuses the good ones with it.
    app.put(
        &answers,
        &link,
        &json!({"answers": [{"question": "retention", "value": 30}, {"question": "trains", "value": 1}]}),
    )
    .await
    .invalid_field("answers[1].value");
    let questionnaire = app
        .get(&format!("/v1/assessments/{id}/questionnaire"), &link)
        .await
        .ok(200)
        .clone();
    assert_eq!(questionnaire["answers"], json!([]));
    assert_eq!(questionnaire["status"], "sent");

    // A draft version cannot be assessed; unknown references are named.
    let draft = app
        .post(
            &format!("/v1/questionnaire-templates/{template_id}/versions"),
            &admin,
            &json!({}),
        )
        .await
        .ok(201)
        .clone();
    app.post(
        "/v1/assessments",
        &admin,
        &json!({"vendor_id": vendor["id"], "template_id": template_id, "template_version": draft["number"]}),
    )
    .await
    .invalid_field("template_version");
    app.post(
        "/v1/assessments",
        &admin,
        &json!({"vendor_id": vendor["id"], "template_id": template_id, "due_date": "31/12/2026"}),
    )
    .await
    .invalid_field("due_date");
    app.post(
        "/v1/assessments",
        &admin,
        &json!({"vendor_id": vendor["id"], "template_id": template_id, "contact_id": "nobody"}),
    )
    .await
    .invalid_field("contact_id");
    app.post(
        "/v1/assessments",
        &admin,
        &json!({"vendor_id": vendor["id"], "template_id": "nope"}),
    )
    .await
    .invalid_field("template_id");
    app.post(
        "/v1/assessments",
        &admin,
        &json!({"vendor_id": "nope", "template_id": template_id}),
    )
    .await
    .invalid_field("vendor_id");
}

#[actix_web::test]
async fn a_vendor_link_opens_its_assessment_and_nothing_else() {
    let app = spawn_app().await;
    let admin = app.admin();
    let template_id = published_template(&app, &admin).await;
    let vendor = app.create_vendor("Acme AI").await;
    let mut links = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let created = app
            .post(
                "/v1/assessments",
                &admin,
                &json!({"vendor_id": vendor["id"], "template_id": template_id, "due_date": "2020-01-01"}),
            )
            .await
            .ok(201)
            .clone();
        let id = created["id"].as_str().unwrap().to_owned();
        let sent = app
            .post(&format!("/v1/assessments/{id}/send"), &admin, &json!({}))
            .await
            .ok(200)
            .clone();
        links.push(sent["link"]["token"].as_str().unwrap().to_owned());
        ids.push(id);
    }
    let (link, id, other_id) = (&links[0], &ids[0], &ids[1]);

    // Nothing but its own assessment's vendor endpoints.
    for path in [
        "/v1/vendors".to_owned(),
        format!("/v1/vendors/{}", vendor["id"].as_str().unwrap()),
        "/v1/assessments".to_owned(),
        format!("/v1/assessments/{id}"),
        format!("/v1/assessments/{id}/results"),
        format!("/v1/assessments/{other_id}/questionnaire"),
        "/v1/audit-events".to_owned(),
    ] {
        app.get(&path, link).await.problem(403);
    }
    app.post(
        &format!("/v1/assessments/{id}/status"),
        link,
        &json!({"status": "in_review"}),
    )
    .await
    .problem(403);
    app.put(
        &format!("/v1/assessments/{other_id}/answers"),
        link,
        &json!({"answers": [{"question": "trains", "value": "no"}]}),
    )
    .await
    .problem(403);
    // Staff tokens cannot answer as the vendor.
    app.put(
        &format!("/v1/assessments/{id}/answers"),
        &admin,
        &json!({"answers": [{"question": "trains", "value": "no"}]}),
    )
    .await
    .problem(403);

    // Overdue: due in the past and waiting for the vendor.
    let overdue = app
        .get("/v1/assessments?overdue=true", &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(overdue["data"].as_array().unwrap().len(), 2);
    assert_eq!(overdue["data"][0]["overdue"], true);

    // Revoked links are refused; a fresh link works.
    app.delete(&format!("/v1/assessments/{id}/links"), &admin)
        .await
        .ok(200);
    app.get(&format!("/v1/assessments/{id}/questionnaire"), link)
        .await
        .problem(401);
    let fresh = app
        .post(
            &format!("/v1/assessments/{id}/links"),
            &admin,
            &json!({"link_ttl": "1s"}),
        )
        .await
        .ok(201)
        .clone();
    let fresh = fresh["token"].as_str().unwrap();
    app.get(&format!("/v1/assessments/{id}/questionnaire"), fresh)
        .await
        .ok(200);
    // It expires.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.get(&format!("/v1/assessments/{id}/questionnaire"), fresh)
        .await
        .problem(401);
    app.post(
        &format!("/v1/assessments/{id}/links"),
        &admin,
        &json!({"link_ttl": "365d"}),
    )
    .await
    .invalid_field("link_ttl");

    // Another organisation cannot see it; procurement cannot review.
    let other = app.token(OTHER_ORG, &[Role::Admin]);
    app.get(&format!("/v1/assessments/{id}"), &other)
        .await
        .problem(404);
    // An assessed vendor is kept: its assessments are evidence.
    let vendor_path = format!("/v1/vendors/{}", vendor["id"].as_str().unwrap());
    app.delete(&vendor_path, &admin).await.problem(409);
    app.get(&vendor_path, &admin).await.ok(200);
    let procurement = app.token(ORG, &[Role::Procurement]);
    app.post(
        &format!("/v1/assessments/{id}/status"),
        &procurement,
        &json!({"status": "in_review"}),
    )
    .await
    .problem(403);
}

/// A save names no version, so saves racing each other (two tabs, a retrying client) must all
/// land, one after the other, on either database.
#[actix_web::test]
async fn concurrent_answer_saves_all_land() {
    let app = spawn_app().await;
    let admin = app.admin();
    let SentAssessment { id, link, .. } = sent_assessment(&app, &admin).await;
    let id = id.as_str();
    let answers = format!("/v1/assessments/{id}/answers");
    app.put(
        &answers,
        &link,
        &json!({"answers": [{"question": "retention", "value": 1}]}),
    )
    .await
    .ok(200);
    let before = app
        .get(&format!("/v1/assessments/{id}"), &admin)
        .await
        .ok(200)["version"]
        .as_i64()
        .unwrap();
    let saves = (2..10).map(|days| {
        let body = json!({"answers": [{"question": "retention", "value": days}]});
        let (app, answers, link) = (&app, &answers, &link);
        async move { app.put(answers, link, &body).await }
    });
    for reply in futures_util::future::join_all(saves).await {
        reply.ok(200);
    }
    let saved = app
        .get(&format!("/v1/assessments/{id}"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(
        saved["version"],
        json!(before + 8),
        "one version a save: {saved}"
    );
}
