use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, OTHER_ORG};

const BUILT_IN: &str = "0193a000-0000-7000-8000-000000000001";
const TEMPLATES: &str = "/v1/questionnaire-templates";

fn short_template() -> Value {
    json!({
        "name": "Generative AI vendors",
        "description": "Short form",
        "sections": [{"title": "Data use", "questions": [
            {"key": "trains_on_data", "text": "Do you train models on our data?", "type": "yes_no", "required": true,
             "options": [{"value": "yes", "label": "Yes", "score": 0}, {"value": "no", "label": "No", "score": 1}],
             "weight": 3, "controls": ["iso42001:A.7.3"]},
            {"key": "opt_out", "text": "Is the opt-out contractual?", "type": "yes_no",
             "show_if": {"question": "trains_on_data", "any_of": ["yes"]}, "controls": ["iso42001:A.10.3"]},
            {"key": "retention", "text": "Retention in days", "type": "number"}
        ]}]
    })
}

async fn create(app: &TestApp, token: &str) -> Value {
    app.post(TEMPLATES, token, &short_template())
        .await
        .ok(201)
        .clone()
}

#[actix_web::test]
async fn the_built_in_due_diligence_template_ships_published_and_maps_every_question() {
    let app = spawn_app().await;
    let token = app.token(crate::helpers::ORG, &[annexa::domain::roles::Role::Auditor]);
    let list = app.get(TEMPLATES, &token).await.ok(200).clone();
    let built_in = &list["data"][0];
    assert_eq!(built_in["id"], BUILT_IN);
    assert_eq!(built_in["name"], "AI supplier due diligence");
    assert_eq!(built_in["built_in"], true);
    assert_eq!(built_in["versions"][0]["status"], "published");

    let version = app
        .get(&format!("{TEMPLATES}/{BUILT_IN}/versions/1"), &token)
        .await
        .ok(200)
        .clone();
    let questions: Vec<&Value> = version["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["questions"].as_array().unwrap())
        .collect();
    assert!(
        (40..=70).contains(&questions.len()),
        "{} questions",
        questions.len()
    );
    assert_eq!(version["question_count"], questions.len());
    for question in &questions {
        assert!(
            !question["controls"].as_array().unwrap().is_empty(),
            "{} maps to no control",
            question["key"]
        );
    }
    let mapped: Vec<&str> = questions
        .iter()
        .flat_map(|q| q["controls"].as_array().unwrap())
        .map(|c| c.as_str().unwrap())
        .collect();
    for control in [
        "iso42001:A.10.2",
        "iso42001:A.10.3",
        "iso42001:A.7.3",
        "iso42001:A.7.5",
        "iso42001:A.4.3",
        "iso42001:A.4.4",
        "iso42001:A.6.2.5",
        "iso42001:A.6.2.6",
        "iso42001:A.6.2.7",
        "iso42001:A.6.2.8",
        "iso42001:A.8.4",
        "iso42001:A.9.4",
        "eu-ai-act:Art. 25(4)",
        "eu-ai-act:Art. 53(1)(b)",
    ] {
        assert!(mapped.contains(&control), "{control} is not covered");
    }
    assert!(questions.iter().any(|q| q["show_if"]["all"].is_array()));

    // Its questions pass the same rules as an organisation's own: copying them is accepted.
    let admin = app.admin();
    let copy = app
        .post(
            TEMPLATES,
            &admin,
            &json!({"name": "Our due diligence", "sections": version["sections"]}),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(copy["versions"][0]["question_count"], questions.len());

    // The built-in template is read-only.
    let base = format!("{TEMPLATES}/{BUILT_IN}");
    app.patch(&base, &admin, &json!({"name": "Mine"}))
        .await
        .problem(409);
    app.put(
        &format!("{base}/versions/1"),
        &admin,
        &json!({"sections": version["sections"]}),
    )
    .await
    .problem(409);
    app.post(&format!("{base}/versions"), &admin, &json!({}))
        .await
        .problem(409);
    app.post(&format!("{base}/versions/1/publish"), &admin, &json!({}))
        .await
        .problem(409);
}

#[actix_web::test]
async fn drafts_are_edited_then_published_and_published_versions_never_change() {
    let app = spawn_app().await;
    let token = app.admin();
    let template = create(&app, &token).await;
    assert_eq!(template["built_in"], false);
    assert_eq!(template["versions"][0]["status"], "draft");
    assert_eq!(template["versions"][0]["question_count"], 3);
    let id = template["id"].as_str().unwrap();
    let v1 = format!("{TEMPLATES}/{id}/versions/1");

    let mut sections = short_template()["sections"].clone();
    sections[0]["questions"][2]["required"] = json!(true);
    let edited = app
        .put(&v1, &token, &json!({ "sections": sections }))
        .await
        .ok(200)
        .clone();
    assert_eq!(edited["sections"][0]["questions"][2]["required"], true);
    // Defaults are filled in: yes/no options for `opt_out`, weight 1.
    assert_eq!(
        edited["sections"][0]["questions"][1]["options"],
        json!([{"value": "yes", "label": "Yes", "score": 1.0}, {"value": "no", "label": "No", "score": 0.0}])
    );

    let published = app
        .post(&format!("{v1}/publish"), &token, &json!({}))
        .await
        .ok(200)
        .clone();
    assert_eq!(published["status"], "published");
    assert!(published["published_at"].is_string());
    app.put(&v1, &token, &json!({ "sections": sections }))
        .await
        .problem(409);
    app.post(&format!("{v1}/publish"), &token, &json!({}))
        .await
        .problem(409);
    // The database refuses it too.
    assert!(app
        .execute_sql("UPDATE questionnaire_versions SET content = '{}' WHERE status = 'published'")
        .is_err());
    assert_eq!(app.get(&v1, &token).await.ok(200), &published);

    // The next version starts as a copy; one draft at a time.
    let v2 = app
        .post(&format!("{TEMPLATES}/{id}/versions"), &token, &json!({}))
        .await
        .ok(201)
        .clone();
    assert_eq!(v2["number"], 2);
    assert_eq!(v2["status"], "draft");
    assert_eq!(v2["sections"], published["sections"]);
    app.post(&format!("{TEMPLATES}/{id}/versions"), &token, &json!({}))
        .await
        .problem(409);
    app.post(
        &format!("{TEMPLATES}/{id}/versions/2/publish"),
        &token,
        &json!({}),
    )
    .await
    .ok(200);
    let v3 = app
        .post(
            &format!("{TEMPLATES}/{id}/versions"),
            &token,
            &json!({"sections": [{"title": "Only", "questions": [{"key": "q", "text": "Q?", "type": "text"}]}]}),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(v3["number"], 3);
    assert_eq!(v3["question_count"], 1);

    let renamed = app
        .patch(
            &format!("{TEMPLATES}/{id}"),
            &token,
            &json!({"name": "Gen AI vendors", "description": null}),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(renamed["name"], "Gen AI vendors");
    app.patch(&format!("{TEMPLATES}/{id}"), &token, &json!({"name": "  "}))
        .await
        .invalid_field("name");
    app.patch(
        &format!("{TEMPLATES}/{id}"),
        &token,
        &json!({"owner": "me"}),
    )
    .await
    .invalid_field("owner");
    assert_eq!(renamed["description"], Value::Null);
    let statuses: Vec<&str> = renamed["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["published", "published", "draft"]);

    let actions = app.audit_actions(&token, "questionnaire_version").await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "questionnaire_version.published")
            .count(),
        2
    );
}

#[actix_web::test]
async fn unsound_templates_are_refused_with_every_problem_named() {
    let app = spawn_app().await;
    let token = app.admin();
    let with_questions = |questions: Value| json!({"name": "T", "sections": [{"title": "S", "questions": questions}]});
    let cases = [
        (
            with_questions(json!([{"key": "a", "text": "A", "type": "essay"}])),
            "sections[0].questions[0].type",
        ),
        (
            with_questions(json!([
                {"key": "a", "text": "A", "type": "text", "show_if": {"question": "zz", "any_of": ["yes"]}}
            ])),
            "sections[0].questions[0].show_if.question",
        ),
        (
            with_questions(json!([
                {"key": "a", "text": "A", "type": "yes_no", "show_if": {"question": "b", "any_of": ["yes"]}},
                {"key": "b", "text": "B", "type": "yes_no", "show_if": {"question": "a", "any_of": ["no"]}}
            ])),
            "sections[0].questions[0].show_if",
        ),
        (
            with_questions(json!([
                {"key": "a", "text": "A", "type": "yes_no"},
                {"key": "b", "text": "B", "type": "text", "show_if": {"question": "a", "any_of": ["perhaps"]}}
            ])),
            "sections[0].questions[1].show_if.any_of[0]",
        ),
        (
            with_questions(
                json!([{"key": "a", "text": "A", "type": "text", "controls": ["iso42001:A.99"]}]),
            ),
            "sections[0].questions[0].controls[0]",
        ),
        (
            with_questions(json!([
                {"key": "a", "text": "A", "type": "single_choice", "options": [{"value": "x", "label": "X", "score": 1}]}
            ])),
            "sections[0].questions[0].options",
        ),
        (
            with_questions(
                json!([{"key": "a", "text": "A", "type": "text"}, {"key": "a", "text": "B", "type": "text"}]),
            ),
            "sections[0].questions[1].key",
        ),
        (json!({"name": "T", "sections": []}), "sections"),
        (
            json!({"name": "  ", "sections": [{"title": "S", "questions": [{"key": "a", "text": "A", "type": "text"}]}]}),
            "name",
        ),
    ];
    for (body, field) in cases {
        app.post(TEMPLATES, &token, &body)
            .await
            .invalid_field(field);
    }
    let list = app.get(TEMPLATES, &token).await.ok(200).clone();
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        1,
        "nothing was written"
    );

    // A bad edit leaves the draft as it was.
    let template = create(&app, &token).await;
    let id = template["id"].as_str().unwrap();
    let v1 = format!("{TEMPLATES}/{id}/versions/1");
    let before = app.get(&v1, &token).await.ok(200).clone();
    app.put(&v1,
        &token,
        &json!({"sections": [{"title": "S", "questions": [{"key": "a", "text": "", "type": "text"}]}]}),
    )
    .await
    .invalid_field("sections[0].questions[0].text");
    assert_eq!(app.get(&v1, &token).await.ok(200), &before);

    // Roles, tenancy and unknown versions.
    let procurement = app.token(
        crate::helpers::ORG,
        &[annexa::domain::roles::Role::Procurement],
    );
    app.post(TEMPLATES, &procurement, &short_template())
        .await
        .problem(403);
    let other = app.token(OTHER_ORG, &[annexa::domain::roles::Role::Admin]);
    app.get(&format!("{TEMPLATES}/{id}"), &other)
        .await
        .problem(404);
    app.get(&format!("{TEMPLATES}/{id}/versions/9"), &token)
        .await
        .problem(404);
    app.get(&format!("{TEMPLATES}/{id}/versions/first"), &token)
        .await
        .problem(404);
}

async fn download(app: &TestApp, path: &str, token: &str) -> (String, Vec<u8>) {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    (content_type, response.bytes().await.unwrap().to_vec())
}

async fn sections_of(app: &TestApp, template: &Value, token: &str) -> Value {
    let id = template["id"].as_str().unwrap();
    app.get(&format!("{TEMPLATES}/{id}/versions/1"), token)
        .await
        .ok(200)["sections"]
        .clone()
}

#[actix_web::test]
async fn templates_go_out_and_come_back_as_json_csv_and_xlsx() {
    let app = spawn_app().await;
    let admin = app.admin();
    let built_in = app
        .get(&format!("{TEMPLATES}/{BUILT_IN}/versions/1"), &admin)
        .await
        .ok(200)["sections"]
        .clone();
    let export = format!("{TEMPLATES}/{BUILT_IN}/versions/1/export");
    let xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    for (format, media_type) in [
        ("json", "application/json"),
        ("csv", "text/csv"),
        ("xlsx", xlsx_type),
    ] {
        let (content_type, file) =
            download(&app, &format!("{export}?format={format}"), &admin).await;
        assert_eq!(content_type, media_type);
        let imported = app
            .upload(
                &format!("{TEMPLATES}/import?name=Copy%20as%20{format}"),
                &admin,
                media_type,
                &file,
            )
            .await
            .ok(201)
            .clone();
        assert_eq!(imported["name"], format!("Copy as {format}"));
        assert_eq!(imported["versions"][0]["status"], "draft");
        assert_eq!(
            sections_of(&app, &imported, &admin).await,
            built_in,
            "{format}"
        );
    }
    // JSON carries its own name.
    let (_, json_file) = download(&app, &export, &admin).await;
    let named = app
        .upload(
            &format!("{TEMPLATES}/import"),
            &admin,
            "application/json",
            &json_file,
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(named["name"], "AI supplier due diligence");
    app.get(&format!("{export}?format=pdf"), &admin)
        .await
        .invalid_field("format");
    app.get(&format!("{TEMPLATES}/{BUILT_IN}/versions/9/export"), &admin)
        .await
        .problem(404);
}

#[actix_web::test]
async fn a_malformed_sheet_is_refused_with_its_bad_rows() {
    let app = spawn_app().await;
    let admin = app.admin();
    let import = format!("{TEMPLATES}/import?name=Broken");
    let count = |app: &TestApp| app.count_rows("SELECT COUNT(*) AS n FROM questionnaire_templates");
    let before = count(&app);

    let csv = "section,key,text,type,required,weight,options,controls\n\
               Data,trains,Do you train on our data?,yes_no,yes,2,,iso42001:A.7.3\n\
               Data,essay,Tell us,essay,,,,\n\
               ,blank_section,Question,text,maybe,,,\n\
               Data,pick,Pick one,single_choice,,,only-one-part,\n\
               Data,ctl,Control,text,,,,iso42001:A.99\n";
    let refused = app
        .upload(&import, &admin, "text/csv", csv.as_bytes())
        .await;
    let fields: Vec<&str> = refused.problem(422)["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["rows[3].type", "rows[4].required", "rows[5].options"]
    );
    // Rows that parse are then checked like any template: an unknown control, by row.
    let unknown_control = "section,key,text,type,controls\nData,ctl,Control,text,iso42001:A.99\n";
    app.upload(&import, &admin, "text/csv", unknown_control.as_bytes())
        .await
        .invalid_field("rows[2].controls[0]");

    app.upload(&import, &admin, "text/csv", b"key,text\nk,Question\n")
        .await
        .invalid_field("columns.section");
    app.upload(&import, &admin, "text/csv", b"")
        .await
        .invalid_field("body");
    app.upload(
        &import,
        &admin,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK\x03\x04 this is not a workbook",
    )
    .await
    .invalid_field("body");
    app.upload(
        &format!("{TEMPLATES}/import"),
        &admin,
        "text/csv",
        b"section,key,text,type\nData,k,Question,text\n",
    )
    .await
    .invalid_field("name");
    app.upload(&import, &admin, "application/pdf", b"%PDF-1.7")
        .await
        .problem(415);
    app.upload(&import, &admin, "application/json", b"{\"name\": \"x\"}")
        .await
        .invalid_field("sections");
    let reader = app.token(crate::helpers::ORG, &[annexa::domain::roles::Role::Auditor]);
    app.upload(&import, &reader, "text/csv", csv.as_bytes())
        .await
        .problem(403);
    assert_eq!(count(&app), before);
}
