use std::time::Duration;

use serde_json::json;

use crate::assessments::published_template;
use crate::helpers::{spawn_with, TestApp};
use annexa::domain::roles::Role;

async fn assessment_due(app: &TestApp, admin: &str, template_id: &str, due: &str) -> String {
    let vendor = app.create_vendor("Acme AI").await;
    let created = app
        .post(
            "/v1/assessments",
            admin,
            &json!({"vendor_id": vendor["id"], "template_id": template_id, "due_date": due}),
        )
        .await
        .ok(201)
        .clone();
    let id = created["id"].as_str().unwrap().to_owned();
    app.post(&format!("/v1/assessments/{id}/send"), admin, &json!({}))
        .await
        .ok(200);
    id
}

#[actix_web::test]
async fn an_overdue_assessment_raises_its_event_once_and_reminders_are_recorded() {
    let app = spawn_with(|s| s.scheduled_check_seconds = 1).await;
    let admin = app.admin();
    let template_id = published_template(&app, &admin).await;
    let late = assessment_due(&app, &admin, &template_id, "2020-01-31").await;
    let on_time = assessment_due(&app, &admin, &template_id, "2099-01-31").await;

    let mut notified = serde_json::Value::Null;
    for _ in 0..50 {
        let current = app.get(&format!("/v1/assessments/{late}"), &admin).await;
        notified = current.ok(200)["overdue_notified_at"].clone();
        if !notified.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(notified.is_string(), "the overdue event was never raised");
    // Later checks do not raise it again.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let events = |id: &str| {
        app.count_rows(&format!(
            "SELECT COUNT(*) AS n FROM outbox_events WHERE event_type = 'assessment.overdue' AND payload LIKE '%{id}%'"
        ))
    };
    assert_eq!(events(&late), 1);
    assert_eq!(events(&on_time), 0);
    let on_time_now = app
        .get(&format!("/v1/assessments/{on_time}"), &admin)
        .await
        .ok(200)
        .clone();
    assert!(on_time_now["overdue_notified_at"].is_null());
    let overdue_audits = app
        .audit_actions(&admin, "assessment")
        .await
        .into_iter()
        .filter(|a| a == "assessment.overdue")
        .count();
    assert_eq!(overdue_audits, 1);
    let listed = app
        .get("/v1/assessments?overdue=true", &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert_eq!(listed["data"][0]["id"], late.as_str());

    // Reminders.
    let reminders = format!("/v1/assessments/{late}/reminders");
    let recorded = app
        .post(
            &reminders,
            &admin,
            &json!({"channel": "email", "note": "  Second reminder  ", "sent_at": "2026-11-20T09:00:00+01:00"}),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(recorded["note"], "Second reminder");
    assert_eq!(recorded["sent_at"], "2026-11-20T08:00:00.000000Z");
    app.post(&reminders, &admin, &json!({"channel": "phone"}))
        .await
        .ok(201);
    app.post(&reminders, &admin, &json!({"channel": "pigeon"}))
        .await
        .invalid_field("channel");
    app.post(
        &reminders,
        &admin,
        &json!({"channel": "email", "sent_at": "yesterday"}),
    )
    .await
    .invalid_field("sent_at");
    app.post(&reminders, &admin, &json!({"channel": "email", "extra": 1}))
        .await
        .invalid_field("extra");
    let auditor = app.token(crate::helpers::ORG, &[Role::Auditor]);
    app.post(&reminders, &auditor, &json!({"channel": "email"}))
        .await
        .problem(403);
    let listed = app.get(&reminders, &auditor).await.ok(200).clone();
    let channels: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels, ["email", "phone"]);
    assert!(app
        .audit_actions(&admin, "assessment")
        .await
        .contains(&"assessment.reminder_recorded".to_owned()));
    app.get("/v1/assessments/nope/reminders", &admin)
        .await
        .problem(404);
    app.post(
        "/v1/assessments/nope/reminders",
        &admin,
        &json!({"channel": "email"}),
    )
    .await
    .problem(404);

    // A draft does not wait for the vendor yet: no reminders.
    let vendor = app.create_vendor("Draft Co").await;
    let draft = app
        .post(
            "/v1/assessments",
            &admin,
            &json!({"vendor_id": vendor["id"], "template_id": template_id}),
        )
        .await
        .ok(201)
        .clone();
    app.post(
        &format!(
            "/v1/assessments/{}/reminders",
            draft["id"].as_str().unwrap()
        ),
        &admin,
        &json!({"channel": "email"}),
    )
    .await
    .problem(409);
}
