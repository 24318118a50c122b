use annexa::domain::roles::Role;
use annexa::domain::spreadsheet::{self, Cell, Sheet};
use serde_json::{json, Value};

use crate::answer_library::add_entry;
use crate::helpers::{spawn_app, TestApp, ORG, OTHER_ORG};

const QUESTIONNAIRES: &str = "/v1/customer-questionnaires";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Three approved entries and one draft.
async fn library(app: &TestApp, token: &str) -> Vec<String> {
    let entries = [
        json!({"question": "Do you use customer data to train your AI models?", "answer_short": "No, never.",
               "answer_long": "Customer data is never used to train, fine-tune or evaluate models.",
               "control_ids": ["iso42001:A.7.3"], "status": "approved"}),
        json!({"question": "Is there human oversight of decisions made by the AI?", "answer_short": "Yes, a person decides.",
               "status": "approved"}),
        json!({"question": "How long do you retain prompts and outputs?", "answer_short": "30 days.",
               "status": "approved"}),
        json!({"question": "Do you hold ISO/IEC 42001 certification?", "answer_short": "In progress."}),
    ];
    let mut ids = Vec::new();
    for entry in &entries {
        ids.push(
            add_entry(app, token, entry).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    ids
}

async fn download(app: &TestApp, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

fn answer_path(questionnaire: &Value, index: usize) -> String {
    format!(
        "{QUESTIONNAIRES}/{}/questions/{}/answer",
        questionnaire["id"].as_str().unwrap(),
        questionnaire["questions"][index]["id"].as_str().unwrap()
    )
}

const CSV: &str = "Ref,Area,Question,Response\n\
AI-1,Data,Will our data be used to train your models?,\n\
AI-2,Oversight,Can a person override decisions the AI makes?,\n\
AI-3,Data,How many days are prompts and outputs retained?,\n\
AI-4,Other,\"=HYPERLINK(\"\"x\"\") Describe your quantum roadmap\",\n";

#[actix_web::test]
async fn a_csv_questionnaire_is_answered_reviewed_approved_and_exported_in_its_shape() {
    let app = spawn_app().await;
    let sales = app.token(ORG, &[Role::Sales]);
    let ids = library(&app, &sales).await;
    let imported = app
        .upload(
            &format!("{QUESTIONNAIRES}?customer=Globex%20Bank&title=AI%20review&question_column=question&section_column=Area&id_column=Ref&answer_column=Response&due_date=2027-01-15"),
            &sales,
            "text/csv",
            CSV.as_bytes(),
        )
        .await;
    let questionnaire = imported.ok(201).clone();
    assert_eq!(questionnaire["status"], "imported");
    assert_eq!(questionnaire["source_format"], "csv");
    assert_eq!(questionnaire["answer_column"], "Response");
    assert_eq!(questionnaire["question_count"], 4);
    assert_eq!(questionnaire["due_date"], "2027-01-15");
    let questions = questionnaire["questions"].as_array().unwrap();
    assert_eq!(questions[0]["reference"], "AI-1");
    assert_eq!(questions[0]["section"], "Data");
    assert_eq!(questions[0]["row_number"], 2);
    assert_eq!(questions[0]["position"], 1);
    assert_eq!(
        questions[3]["text"],
        "=HYPERLINK(\"x\") Describe your quantum roadmap"
    );
    for (i, expected) in ids.iter().take(3).enumerate() {
        let best = &questions[i]["suggestions"][0];
        assert_eq!(best["entry_id"], expected.as_str(), "question {i}");
        assert_eq!(best["approved"], true);
        assert!(best["relevance"].as_f64().unwrap() > 0.0);
        assert!(["high", "medium", "low"].contains(&best["confidence"].as_str().unwrap()));
    }
    assert_eq!(
        questions[0]["suggestions"][0]["controls"][0]["id"],
        "iso42001:A.7.3"
    );
    // Nothing in the library speaks of quantum roadmaps; the draft is never suggested.
    assert_eq!(questions[3]["suggestions"], json!([]));
    assert_eq!(questions[3]["needs_human"], true);
    assert!(questions
        .iter()
        .flat_map(|q| q["suggestions"].as_array().unwrap())
        .all(|s| s["entry_id"] != ids[3].as_str()));
    let id = questionnaire["id"].as_str().unwrap().to_owned();
    // Read back, the questions carry the suggestions as the import offered them.
    let read = app.get(&format!("{QUESTIONNAIRES}/{id}"), &sales).await;
    assert_eq!(read.ok(200)["questions"], questionnaire["questions"]);
    let status_path = format!("{QUESTIONNAIRES}/{id}/status");

    // Accept, accept the long form, edit, write (and keep in the library).
    let accepted = app
        .put(
            &answer_path(&questionnaire, 0),
            &sales,
            &json!({"entry_id": ids[0]}),
        )
        .await;
    assert_eq!(accepted.ok(200)["answer"], "No, never.");
    assert_eq!(accepted.body["answer_source"], "library");
    assert_eq!(accepted.body["answered_by"], "tester@example.com");
    let long = app
        .put(
            &answer_path(&questionnaire, 0),
            &sales,
            &json!({"entry_id": ids[0], "long_form": true}),
        )
        .await;
    assert_eq!(
        long.ok(200)["answer"],
        "Customer data is never used to train, fine-tune or evaluate models."
    );
    let edited = app
        .put(
            &answer_path(&questionnaire, 1),
            &sales,
            &json!({"entry_id": ids[1], "text": "Yes: a named person approves every decision."}),
        )
        .await;
    assert_eq!(edited.ok(200)["answer_source"], "edited");
    assert_eq!(edited.body["entry_id"], ids[1].as_str());
    app.put(
        &answer_path(&questionnaire, 2),
        &sales,
        &json!({"entry_id": ids[2]}),
    )
    .await
    .ok(200);
    // Not every question is answered yet.
    app.post(&status_path, &sales, &json!({"status": "in_review"}))
        .await
        .problem(409);
    let written = app
        .put(
            &answer_path(&questionnaire, 3),
            &sales,
            &json!({"text": "=We have no quantum roadmap.", "save_to_library": true}),
        )
        .await;
    assert_eq!(written.ok(200)["answer_source"], "written");
    let saved = written.body["entry_id"].as_str().unwrap().to_owned();
    let draft = app
        .get(&format!("/v1/answer-library/{saved}"), &sales)
        .await;
    assert_eq!(draft.ok(200)["status"], "draft");
    assert_eq!(draft.body["answer_short"], "=We have no quantum roadmap.");

    let read = app.get(&format!("{QUESTIONNAIRES}/{id}"), &sales).await;
    assert_eq!(read.ok(200)["status"], "in_progress");
    assert_eq!(read.body["answered_count"], 4);
    // Exports wait for approval.
    let (status, _, _) = download(&app, &format!("{QUESTIONNAIRES}/{id}/export"), &sales).await;
    assert_eq!(status, 409);

    let in_review = app
        .post(&status_path, &sales, &json!({"status": "in_review"}))
        .await;
    assert_eq!(in_review.ok(200)["status"], "in_review");
    app.put(
        &answer_path(&questionnaire, 0),
        &sales,
        &json!({"text": "Late change"}),
    )
    .await
    .problem(409);
    app.post(&status_path, &sales, &json!({"status": "exported"}))
        .await
        .problem(409);
    let approved = app
        .post(
            &status_path,
            &sales,
            &json!({"status": "approved", "reason": "Checked by legal"}),
        )
        .await;
    assert_eq!(approved.ok(200)["status"], "approved");

    let (status, content_type, csv) =
        download(&app, &format!("{QUESTIONNAIRES}/{id}/export"), &sales).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/csv");
    let table = spreadsheet::read_csv(&csv).unwrap();
    assert_eq!(table.header, ["Ref", "Area", "Question", "Response"]);
    assert_eq!(table.rows.len(), 4);
    assert_eq!(
        table.rows[1].1,
        [
            "AI-2",
            "Oversight",
            "Can a person override decisions the AI makes?",
            "Yes: a named person approves every decision."
        ]
    );
    assert_eq!(
        table.rows[3].1[2],
        "=HYPERLINK(\"x\") Describe your quantum roadmap"
    );
    assert_eq!(table.rows[3].1[3], "=We have no quantum roadmap.");
    assert!(String::from_utf8(csv)
        .unwrap()
        .contains("'=We have no quantum roadmap."));
    let read = app.get(&format!("{QUESTIONNAIRES}/{id}"), &sales).await;
    assert_eq!(read.ok(200)["status"], "exported");

    let (_, content_type, xlsx) = download(
        &app,
        &format!("{QUESTIONNAIRES}/{id}/export?format=xlsx"),
        &sales,
    )
    .await;
    assert_eq!(content_type, XLSX);
    let sheet = spreadsheet::read_xlsx(&xlsx).unwrap();
    assert_eq!(sheet.header, ["Ref", "Area", "Question", "Response"]);
    assert_eq!(
        sheet.rows[0].1[3],
        "Customer data is never used to train, fine-tune or evaluate models."
    );
    let (_, _, json_file) = download(
        &app,
        &format!("{QUESTIONNAIRES}/{id}/export?format=json"),
        &sales,
    )
    .await;
    let exported: Value = serde_json::from_slice(&json_file).unwrap();
    assert_eq!(exported["customer"], "Globex Bank");
    assert_eq!(exported["questions"][2]["id"], "AI-3");
    assert_eq!(exported["questions"][2]["answer"], "30 days.");

    assert_eq!(
        app.audit_actions(&app.admin(), "customer_questionnaire")
            .await,
        [
            "customer_questionnaire.exported",
            "customer_questionnaire.status_changed",
            "customer_questionnaire.status_changed",
            "customer_questionnaire.updated",
            "customer_questionnaire.updated",
            "customer_questionnaire.updated",
            "customer_questionnaire.updated",
            "customer_questionnaire.updated",
            "customer_questionnaire.imported"
        ]
    );
    assert_eq!(
        app.count_rows("SELECT COUNT(*) AS n FROM outbox_events WHERE event_type = 'customer_questionnaire.status_changed'"),
        4
    );

    // Reopened for a change, the questionnaire takes answers again.
    app.post(&status_path, &sales, &json!({"status": "in_progress"}))
        .await
        .ok(200);
    app.put(
        &answer_path(&questionnaire, 2),
        &sales,
        &json!({"text": "Thirty days."}),
    )
    .await
    .ok(200);
    let auditor = app.token(ORG, &[Role::Auditor]);
    app.get(&format!("{QUESTIONNAIRES}/{id}"), &auditor)
        .await
        .ok(200);
    app.put(
        &answer_path(&questionnaire, 2),
        &auditor,
        &json!({"text": "x"}),
    )
    .await
    .problem(403);
    let other = app.token(OTHER_ORG, &[Role::Admin]);
    app.get(&format!("{QUESTIONNAIRES}/{id}"), &other)
        .await
        .problem(404);
    app.put(
        &answer_path(&questionnaire, 2),
        &other,
        &json!({"text": "x"}),
    )
    .await
    .problem(404);
    let listed = app
        .get(&format!("{QUESTIONNAIRES}?status=in_progress"), &sales)
        .await;
    assert_eq!(listed.ok(200)["data"][0]["id"], id.as_str());
    assert!(listed.body["data"][0].get("questions").is_none());
}

#[actix_web::test]
async fn xlsx_and_json_questionnaires_come_back_in_their_own_shape() {
    let app = spawn_app().await;
    let admin = app.admin();
    let ids = library(&app, &admin).await;
    let workbook = spreadsheet::write_xlsx(&[Sheet {
        name: "Security".into(),
        header: vec!["#".into(), "Question".into(), "Notes".into()],
        rows: vec![
            vec![
                Cell::Number(1.0),
                "Do you use our data for training AI?".into(),
                "Important".into(),
            ],
            vec![
                Cell::Number(2.0),
                "Is a human overseeing AI decisions?".into(),
                "".into(),
            ],
        ],
    }])
    .unwrap();
    let imported = app
        .upload(
            &format!("{QUESTIONNAIRES}?customer=Initech&title=Vendor%20security&id_column=%23"),
            &admin,
            XLSX,
            &workbook,
        )
        .await;
    let questionnaire = imported.ok(201).clone();
    assert_eq!(questionnaire["answer_column"], "Answer");
    assert_eq!(questionnaire["questions"][0]["reference"], "1");
    for (i, entry_id) in ids.iter().take(2).enumerate() {
        app.put(
            &answer_path(&questionnaire, i),
            &admin,
            &json!({ "entry_id": entry_id }),
        )
        .await
        .ok(200);
    }
    let id = questionnaire["id"].as_str().unwrap();
    for status in ["in_review", "approved"] {
        app.post(
            &format!("{QUESTIONNAIRES}/{id}/status"),
            &admin,
            &json!({"status": status}),
        )
        .await
        .ok(200);
    }
    let (_, content_type, xlsx) =
        download(&app, &format!("{QUESTIONNAIRES}/{id}/export"), &admin).await;
    assert_eq!(content_type, XLSX);
    let sheet = spreadsheet::read_xlsx(&xlsx).unwrap();
    assert_eq!(sheet.header, ["#", "Question", "Notes", "Answer"]);
    assert_eq!(
        sheet.rows[0].1,
        [
            "1",
            "Do you use our data for training AI?",
            "Important",
            "No, never."
        ]
    );
    assert_eq!(sheet.rows[1].1[3], "Yes, a person decides.");

    let json_questionnaire = json!({
        "customer": "Hooli",
        "title": "AI addendum",
        "questions": [
            {"id": "H1", "section": "Data", "question": "How long are prompts and outputs retained?"},
            {"question": "Who is your AI governance lead?"}
        ]
    });
    let imported = app.post(QUESTIONNAIRES, &admin, &json_questionnaire).await;
    let questionnaire = imported.ok(201).clone();
    assert_eq!(questionnaire["source_format"], "json");
    assert_eq!(
        questionnaire["questions"][0]["suggestions"][0]["entry_id"],
        ids[2].as_str()
    );
    let qid = questionnaire["id"].as_str().unwrap();
    app.put(
        &answer_path(&questionnaire, 0),
        &admin,
        &json!({"entry_id": ids[2]}),
    )
    .await
    .ok(200);
    app.put(
        &answer_path(&questionnaire, 1),
        &admin,
        &json!({"text": "Our CRO."}),
    )
    .await
    .ok(200);
    for status in ["in_review", "approved"] {
        app.post(
            &format!("{QUESTIONNAIRES}/{qid}/status"),
            &admin,
            &json!({"status": status}),
        )
        .await
        .ok(200);
    }
    let (_, content_type, body) =
        download(&app, &format!("{QUESTIONNAIRES}/{qid}/export"), &admin).await;
    assert_eq!(content_type, "application/json");
    let exported: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        exported,
        json!({
            "customer": "Hooli",
            "title": "AI addendum",
            "questions": [
                {"id": "H1", "section": "Data", "question": "How long are prompts and outputs retained?", "answer": "30 days."},
                {"id": null, "section": null, "question": "Who is your AI governance lead?", "answer": "Our CRO."}
            ]
        })
    );
}

#[actix_web::test]
async fn suggestions_follow_the_library_as_it_changes() {
    let app = spawn_app().await;
    let admin = app.admin();
    let imported = app
        .post(
            QUESTIONNAIRES,
            &admin,
            &json!({"customer": "Umbrella", "title": "AI", "questions": [
                {"question": "Do you red-team your AI models before release?"},
                {"question": "Are AI systems red-teamed before each release?"}
            ]}),
        )
        .await;
    let questionnaire = imported.ok(201).clone();
    assert_eq!(questionnaire["questions"][0]["suggestions"], json!([]));
    assert_eq!(questionnaire["needs_human_count"], 2);
    app.put(
        &answer_path(&questionnaire, 1),
        &admin,
        &json!({"text": "Yes, by an outside firm."}),
    )
    .await
    .ok(200);
    let entry = add_entry(
        &app,
        &admin,
        &json!({"question": "Do you red-team AI systems before each release?", "answer_short": "Yes, every major release.", "status": "approved"}),
    )
    .await;
    let id = questionnaire["id"].as_str().unwrap();
    let refreshed = app
        .post(
            &format!("{QUESTIONNAIRES}/{id}/suggestions"),
            &admin,
            &json!({}),
        )
        .await;
    let best = &refreshed.ok(200)["questions"][0]["suggestions"][0];
    assert_eq!(best["entry_id"], entry["id"]);
    assert_eq!(best["confidence"], "high");
    assert_eq!(refreshed.body["questions"][0]["needs_human"], false);
    // An answered question keeps its answer and takes no suggestions.
    let answered = &refreshed.body["questions"][1];
    assert_eq!(answered["answer"], "Yes, by an outside firm.");
    assert_eq!(answered["suggestions"], json!([]));
    assert_eq!(refreshed.body["needs_human_count"], 0);
}

#[actix_web::test]
async fn bad_questionnaires_and_answers_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let admin = app.admin();
    let named = format!("{QUESTIONNAIRES}?customer=Acme&title=Review");
    let count = |app: &TestApp| {
        app.count_rows("SELECT COUNT(*) AS n FROM customer_questionnaires")
            + app.count_rows("SELECT COUNT(*) AS n FROM customer_questions")
    };

    app.upload(&named, &admin, XLSX, b"PK\x03\x04 this is not a workbook")
        .await
        .invalid_field("body");
    app.upload(&named, &admin, XLSX, b"Question\nplain text pretending")
        .await
        .invalid_field("body");
    app.upload(
        &named,
        &admin,
        "text/csv",
        b"Ref,Query\n1,Do you train on our data?\n",
    )
    .await
    .invalid_field("question_column");
    app.upload(
        &format!("{named}&section_column=Area"),
        &admin,
        "text/csv",
        b"Question\nDo you train on our data?\n",
    )
    .await
    .invalid_field("section_column");
    let blank = app
        .upload(&named, &admin, "text/csv", b"Ref,Question\n1,Fine?\n2,  \n")
        .await;
    blank.invalid_field("rows[3].Question");
    app.upload(&named, &admin, "text/csv", b"Question\n")
        .await
        .invalid_field("body");
    app.upload(
        QUESTIONNAIRES,
        &admin,
        "text/csv",
        b"Question\nDo you train on our data?\n",
    )
    .await
    .invalid_field("customer");
    let many = format!("Question\n{}", "Why?\n".repeat(50_000));
    let too_many = app
        .upload(&named, &admin, "text/csv", many.as_bytes())
        .await;
    too_many.invalid_field("body");
    assert!(too_many.body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("more than 5000 rows"));
    let huge = "x".repeat(2 * 1024 * 1024);
    app.upload(&named, &admin, "text/csv", huge.as_bytes())
        .await
        .problem(413);
    app.upload(&named, &admin, "application/pdf", b"%PDF-1.7")
        .await
        .problem(415);
    app.upload(&named, &admin, "application/json", b"{not json")
        .await
        .problem(400);
    for (body, field) in [
        (
            json!({"customer": "Acme", "title": "Review", "questions": []}),
            "questions",
        ),
        (
            json!({"customer": "Acme", "title": "Review", "questions": [{"question": " "}]}),
            "questions[0].question",
        ),
        (
            json!({"customer": " ", "title": "Review", "questions": [{"question": "Fine?"}]}),
            "customer",
        ),
        (
            json!({"title": "Review", "questions": [{"question": "Fine?"}]}),
            "customer",
        ),
        (
            json!({"customer": "Acme", "title": "Review", "questions": [{"question": "Fine?", "score": 3}]}),
            "questions[0].score",
        ),
    ] {
        app.post(QUESTIONNAIRES, &admin, &body)
            .await
            .invalid_field(field);
    }
    app.upload(
        &format!("{named}&due_date=soon"),
        &admin,
        "text/csv",
        b"Question\nFine?\n",
    )
    .await
    .invalid_field("due_date");
    assert_eq!(count(&app), 0);
    app.upload(
        &named,
        &app.token(ORG, &[Role::Procurement]),
        "text/csv",
        b"Question\nFine?\n",
    )
    .await
    .problem(403);

    let questionnaire = app
        .upload(
            &named,
            &admin,
            "text/csv",
            b"Question\nDo you train on our data?\n",
        )
        .await
        .ok(201)
        .clone();
    let path = answer_path(&questionnaire, 0);
    app.put(&path, &admin, &json!({}))
        .await
        .invalid_field("text");
    app.put(
        &path,
        &admin,
        &json!({"entry_id": "0193a000-0000-7000-8000-00000000dead"}),
    )
    .await
    .invalid_field("entry_id");
    app.put(
        &path,
        &admin,
        &json!({"entry_id": "x", "save_to_library": true}),
    )
    .await
    .invalid_field("save_to_library");
    app.put(&path, &admin, &json!({"text": "y".repeat(20_001)}))
        .await
        .invalid_field("text");
    let draft = add_entry(
        &app,
        &admin,
        &json!({"question": "Q?", "answer_short": "A."}),
    )
    .await;
    app.put(
        &path,
        &admin,
        &json!({"entry_id": draft["id"], "long_form": true}),
    )
    .await
    .invalid_field("long_form");
    let draft_id = draft["id"].as_str().unwrap();
    app.post(
        &format!("/v1/answer-library/{draft_id}/status"),
        &admin,
        &json!({"status": "retired"}),
    )
    .await
    .ok(200);
    app.put(&path, &admin, &json!({"entry_id": draft_id}))
        .await
        .invalid_field("entry_id");
    let id = questionnaire["id"].as_str().unwrap();
    app.put(
        &format!("{QUESTIONNAIRES}/{id}/questions/0193a000-0000-7000-8000-00000000dead/answer"),
        &admin,
        &json!({"text": "x"}),
    )
    .await
    .problem(404);
    app.post(
        &format!("{QUESTIONNAIRES}/{id}/status"),
        &admin,
        &json!({"status": "approved"}),
    )
    .await
    .problem(409);
    app.get(&format!("{QUESTIONNAIRES}/{id}/export?format=pdf"), &admin)
        .await
        .invalid_field("format");
    app.post(
        &format!("{QUESTIONNAIRES}/0193a000-0000-7000-8000-00000000dead/suggestions"),
        &admin,
        &json!({}),
    )
    .await
    .problem(404);
    app.get(&format!("{QUESTIONNAIRES}?limit=0"), &admin)
        .await
        .invalid_field("limit");
    app.send(
        app.client
            .post(app.url(&format!("{QUESTIONNAIRES}/{id}/status")))
            .bearer_auth(&admin)
            .header("if-match", "\"7\"")
            .json(&json!({"status": "in_review"})),
    )
    .await
    .problem(412);
    let unchanged = app.get(&format!("{QUESTIONNAIRES}/{id}"), &admin).await;
    assert_eq!(unchanged.ok(200)["status"], "imported");
    assert_eq!(unchanged.body["version"], 1);
    assert_eq!(unchanged.body["questions"][0]["answer"], Value::Null);
}
