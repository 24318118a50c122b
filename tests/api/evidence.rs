use serde_json::{json, Value};

use crate::assessments::{sent_assessment, SentAssessment};
use crate::helpers::{spawn_app, spawn_with, TestApp};
use annexa::domain::roles::Role;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
];
const ELF: &[u8] = &[
    0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0,
];

/// A sent assessment: its id and the vendor link.
async fn sent(app: &TestApp, admin: &str) -> (String, String) {
    let SentAssessment { id, link, .. } = sent_assessment(app, admin).await;
    (id, link)
}

fn codes(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

#[actix_web::test]
async fn disguised_and_unnamed_uploads_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let admin = app.admin();
    let (id, link) = sent(&app, &admin).await;
    let at = |name: &str| format!("/v1/assessments/{id}/evidence?filename={name}");

    let executable = app
        .upload(&at("report.pdf"), &link, "application/pdf", ELF)
        .await;
    assert_eq!(
        codes(executable.problem(422)),
        [pair("body", "unsupported_type")]
    );
    let png_as_pdf = app
        .upload(&at("report.pdf"), &link, "application/pdf", PNG)
        .await;
    assert_eq!(
        codes(png_as_pdf.problem(422)),
        [
            pair("Content-Type", "content_mismatch"),
            pair("filename", "extension_mismatch")
        ]
    );
    let renamed = app.upload(&at("logo.pdf"), &link, "image/png", PNG).await;
    assert_eq!(
        codes(renamed.problem(422)),
        [pair("filename", "extension_mismatch")]
    );
    let text_as_pdf = app
        .upload(&at("notes.pdf"), &link, "application/pdf", b"just words")
        .await;
    text_as_pdf.invalid_field("Content-Type");
    app.upload(&at("empty.txt"), &link, "text/plain", b"")
        .await
        .invalid_field("body");
    app.upload(
        &format!("/v1/assessments/{id}/evidence"),
        &link,
        "application/pdf",
        PDF,
    )
    .await
    .invalid_field("filename");
    app.upload(&at(".."), &link, "application/pdf", PDF)
        .await
        .invalid_field("filename");

    let listed = app
        .get(&format!("/v1/assessments/{id}/evidence"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(listed["data"], json!([]));
    assert_eq!(std::fs::read_dir(&app.evidence_dir).unwrap().count(), 0);

    // A name with directories keeps only its last part; the file lands inside the store.
    let stored = app
        .upload(
            &at("..%2F..%2Fetc%2Fpasswd.txt"),
            &link,
            "text/plain",
            b"hello",
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(stored["file_name"], "passwd.txt");
    assert_eq!(
        stored["sha256"],
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    );
    let on_disk: Vec<_> = std::fs::read_dir(&app.evidence_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(on_disk, [stored["id"].as_str().unwrap()]);

    // Media type parameters do not matter; the type is stored without them.
    let csv = app
        .upload(
            &at("answers.csv"),
            &link,
            "Text/CSV; charset=utf-8",
            b"a,b\n1,2\n",
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(csv["content_type"], "text/csv");
}

#[actix_web::test]
async fn an_assessment_holds_at_most_200_files() {
    let app = spawn_app().await;
    let admin = app.admin();
    let (id, link) = sent(&app, &admin).await;
    let upload = format!("/v1/assessments/{id}/evidence?filename=note.txt");
    for i in 0..200 {
        app.upload(&upload, &link, "text/plain", format!("note {i}").as_bytes())
            .await
            .ok(201);
    }
    let refused = app
        .upload(&upload, &link, "text/plain", b"one too many")
        .await;
    assert!(refused.problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("200"));
    // The refused file is not left behind.
    assert_eq!(std::fs::read_dir(&app.evidence_dir).unwrap().count(), 200);
}

#[actix_web::test]
async fn oversized_uploads_are_refused_before_they_are_stored() {
    let app = spawn_with(|s| s.evidence_max_bytes = 1024).await;
    let admin = app.admin();
    let (id, link) = sent(&app, &admin).await;
    let big = [b'a'; 2048];
    let refused = app
        .upload(
            &format!("/v1/assessments/{id}/evidence?filename=big.txt"),
            &link,
            "text/plain",
            &big,
        )
        .await;
    assert!(refused.problem(413)["detail"]
        .as_str()
        .unwrap()
        .contains("1024"));
    // A chunked body carries no length up front; it is cut off at the limit too.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(vec![b'a'; 800]), Ok(vec![b'a'; 800])];
    let streamed = app
        .send(
            app.client
                .post(app.url(&format!("/v1/assessments/{id}/evidence?filename=big.txt")))
                .bearer_auth(&link)
                .header("content-type", "text/plain")
                .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                    chunks,
                ))),
        )
        .await;
    streamed.problem(413);
    app.upload(
        &format!("/v1/assessments/{id}/evidence?filename=small.txt"),
        &link,
        "text/plain",
        &big[..1024],
    )
    .await
    .ok(201);
    let listed = app
        .get(&format!("/v1/assessments/{id}/evidence"), &link)
        .await
        .ok(200)
        .clone();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn evidence_belongs_to_its_assessment_and_is_checked_on_download() {
    let app = spawn_app().await;
    let admin = app.admin();
    let (id, link) = sent(&app, &admin).await;
    let (other_id, other_link) = sent(&app, &admin).await;
    let upload = format!("/v1/assessments/{id}/evidence?filename=policy.pdf");

    // Another assessment's link, a read-only role: refused.
    app.upload(&upload, &other_link, "application/pdf", PDF)
        .await
        .problem(403);
    let auditor = app.token(crate::helpers::ORG, &[Role::Auditor]);
    app.upload(&upload, &auditor, "application/pdf", PDF)
        .await
        .problem(403);
    // The vendor may list but not download; the organisation downloads.
    let stored = app
        .upload(&upload, &link, "application/pdf", PDF)
        .await
        .ok(201)
        .clone();
    let evidence_id = stored["id"].as_str().unwrap();
    let content = format!("/v1/assessments/{id}/evidence/{evidence_id}/content");
    app.get(&content, &link).await.problem(403);
    app.get(
        &format!("/v1/assessments/{other_id}/evidence/{evidence_id}/content"),
        &admin,
    )
    .await
    .problem(404);
    let downloaded = app.get(&content, &auditor).await;
    assert_eq!(downloaded.status, 200);
    assert_eq!(
        downloaded.header("repr-digest"),
        Some(
            format!(
                "sha-256=:{}:",
                base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    hex::decode(stored["sha256"].as_str().unwrap()).unwrap()
                )
            )
            .as_str()
        )
    );

    // An answer may only name this assessment's files.
    let answers = format!("/v1/assessments/{other_id}/answers");
    let other_answers = app
        .put(
            &answers,
            &other_link,
            &json!({"answers": [
                {"question": "trains", "value": "yes"},
                {"question": "opt_out", "value": "yes"},
                {"question": "opt_out_clause", "value": [evidence_id]}
            ]}),
        )
        .await;
    other_answers.invalid_field("answers[2].value[0]");

    // A file changed on disk behind the service's back is not served.
    std::fs::write(app.evidence_dir.join(evidence_id), b"%PDF-1.7 tampered").unwrap();
    app.get(&content, &admin).await.problem(500);

    // Once submitted, the vendor cannot add files.
    app.put(
        &format!("/v1/assessments/{id}/answers"),
        &link,
        &json!({"answers": [{"question": "trains", "value": "no"}, {"question": "retention", "value": 30}]}),
    )
    .await
    .ok(200);
    app.post(&format!("/v1/assessments/{id}/submit"), &link, &json!({}))
        .await
        .ok(200);
    app.upload(&upload, &link, "application/pdf", PDF)
        .await
        .problem(409);
}
