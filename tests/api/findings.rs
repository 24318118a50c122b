use serde_json::json;

use crate::helpers::{spawn_app, spawn_with, ORG};
use crate::risk::{completed_assessment, mixed_answers, one_question_per_control};
use annexa::domain::roles::Role;

#[actix_web::test]
async fn findings_move_through_their_lifecycle_with_comments_and_audit() {
    let app = spawn_app().await;
    let admin = app.admin();
    let procurement = app.token(ORG, &[Role::Procurement]);
    let vendor = app.create_vendor("Finding AI").await;
    let vendor_id = vendor["id"].as_str().unwrap();

    for (body, field) in [
        (
            json!({"vendor_id": "nope", "title": "x", "severity": "low"}),
            "vendor_id",
        ),
        (
            json!({"vendor_id": vendor_id, "title": "x", "severity": "low", "control_id": "iso42001:Z.1"}),
            "control_id",
        ),
        (
            json!({"vendor_id": vendor_id, "title": "x", "severity": "low", "due_date": "next week"}),
            "due_date",
        ),
        (
            json!({"vendor_id": vendor_id, "title": "x", "severity": "severe"}),
            "severity",
        ),
        (
            json!({"vendor_id": vendor_id, "title": " ", "severity": "low"}),
            "title",
        ),
    ] {
        app.post("/v1/findings", &admin, &body)
            .await
            .invalid_field(field);
    }
    assert_eq!(app.count_rows("SELECT COUNT(*) AS n FROM findings"), 0);

    let created = app
        .post(
            "/v1/findings",
            &procurement,
            &json!({"vendor_id": vendor_id, "title": "Model change notice is only 7 days",
                    "severity": "high", "control_id": "iso42001:A.6.2.5"}),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(created["status"], "open");
    assert_eq!(created["source"], "manual");
    // High severity: due in 30 days unless a date is given.
    let in_30_days = (chrono::Utc::now().date_naive() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(created["due_date"], in_30_days.as_str());
    let id = created["id"].as_str().unwrap();
    let path = format!("/v1/findings/{id}");

    let commented = app
        .post(
            &format!("{path}/comments"),
            &procurement,
            &json!({"body": "Asked the vendor for 30 days."}),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(commented["author"], "tester@example.com");
    app.post(
        &format!("{path}/comments"),
        &procurement,
        &json!({"body": ""}),
    )
    .await
    .invalid_field("body");
    let detail = app.get(&path, &admin).await.ok(200).clone();
    assert_eq!(
        detail["comments"][0]["body"],
        "Asked the vendor for 30 days."
    );

    let updated = app
        .patch(
            &path,
            &admin,
            &json!({"owner": "sam@example.com", "due_date": "2020-01-31"}),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(updated["owner"], "sam@example.com");
    assert_eq!(updated["version"], 2);
    app.patch(&path, &admin, &json!({"status": "resolved"}))
        .await
        .invalid_field("status");
    let overdue = app
        .get("/v1/findings?overdue=true", &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(overdue["data"][0]["id"], id);
    let low = app
        .get("/v1/findings?severity=low", &admin)
        .await
        .ok(200)
        .clone();
    assert!(low["data"].as_array().unwrap().is_empty());

    app.get("/v1/findings?status=closed", &admin)
        .await
        .invalid_field("status");
    app.post("/v1/findings/nope/comments", &admin, &json!({"body": "hi"}))
        .await
        .problem(404);
    app.post(
        "/v1/findings/nope/status",
        &admin,
        &json!({"status": "resolved"}),
    )
    .await
    .problem(404);
    let status = format!("{path}/status");
    app.post(&status, &admin, &json!({"status": "in_progress"}))
        .await
        .ok(200);
    app.post(
        &status,
        &procurement,
        &json!({"status": "risk_accepted", "risk_accepted_until": "2099-01-01", "reason": "ok"}),
    )
    .await
    .problem(403);
    app.post(
        &status,
        &admin,
        &json!({"status": "risk_accepted", "reason": "ok"}),
    )
    .await
    .invalid_field("risk_accepted_until");
    app.post(
        &status,
        &admin,
        &json!({"status": "risk_accepted", "risk_accepted_until": "2099-01-01"}),
    )
    .await
    .invalid_field("reason");
    app.post(
        &status,
        &admin,
        &json!({"status": "risk_accepted", "risk_accepted_until": "2020-01-01", "reason": "ok"}),
    )
    .await
    .invalid_field("risk_accepted_until");
    app.post(
        &status,
        &admin,
        &json!({"status": "resolved", "risk_accepted_until": "2099-01-01"}),
    )
    .await
    .invalid_field("risk_accepted_until");
    let accepted = app
        .post(
            &status,
            &admin,
            &json!({"status": "risk_accepted", "risk_accepted_until": "2099-01-01",
                    "reason": "We pin the model version ourselves"}),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(accepted["risk_accepted_by"], "tester@example.com");
    assert_eq!(accepted["risk_accepted_until"], "2099-01-01");
    let resolved = app
        .post(
            &status,
            &admin,
            &json!({"status": "resolved", "reason": "Vendor agreed 30 days"}),
        )
        .await
        .ok(200)
        .clone();
    assert!(resolved["resolved_at"].is_string());
    assert_eq!(resolved["risk_accepted_until"], serde_json::Value::Null);
    let illegal = app
        .post(&status, &admin, &json!({"status": "in_progress"}))
        .await;
    assert_eq!(illegal.problem(409)["allowed_next_states"], json!(["open"]));

    let mut actions = app.audit_actions(&admin, "finding").await;
    actions.sort();
    actions.dedup();
    assert_eq!(
        actions,
        [
            "finding.commented",
            "finding.created",
            "finding.resolved",
            "finding.status_changed",
            "finding.updated"
        ]
    );
}

#[actix_web::test]
async fn gap_findings_stay_until_the_gap_closes_and_lapsed_acceptances_reopen() {
    let app = spawn_with(|s| s.scheduled_check_seconds = 1).await;
    let admin = app.admin();
    let vendor = app.create_vendor("Gap AI").await;
    let vendor_id = vendor["id"].as_str().unwrap();
    let template_id = one_question_per_control(&app, &admin).await;
    completed_assessment(&app, &admin, vendor_id, &template_id, mixed_answers()).await;
    let findings = app
        .get(
            &format!("/v1/findings?vendor_id={vendor_id}&control_id=iso42001:A.8.4"),
            &admin,
        )
        .await
        .ok(200)
        .clone();
    let finding = &findings["data"][0];
    assert_eq!(finding["source"], "coverage");
    assert_eq!(finding["severity"], "low");
    let path = format!("/v1/findings/{}", finding["id"].as_str().unwrap());
    app.post(
        &format!("{path}/status"),
        &admin,
        &json!({"status": "resolved"}),
    )
    .await
    .problem(409);
    app.patch(&path, &admin, &json!({"control_id": "iso42001:A.8.2"}))
        .await
        .invalid_field("control_id");
    app.post(
        &format!("{path}/status"),
        &admin,
        &json!({"status": "risk_accepted", "risk_accepted_until": "2099-01-01", "reason": "Low volume pilot"}),
    )
    .await
    .ok(200);
    // Recomputing keeps the accepted finding as it is: one per vendor and control.
    app.post("/v1/risk/recompute", &admin, &json!({}))
        .await
        .ok(200);
    assert_eq!(
        app.count_rows(&format!(
            "SELECT COUNT(*) AS n FROM findings WHERE vendor_id = '{vendor_id}' AND control_id = 'iso42001:A.8.4'"
        )),
        1
    );
    assert_eq!(
        app.get(&path, &admin).await.ok(200)["status"],
        "risk_accepted"
    );

    // The acceptance lapses: the scheduled check opens the finding again.
    app.execute_sql(&format!(
        "UPDATE findings SET risk_accepted_until = '2020-01-01' WHERE id = '{}'",
        finding["id"].as_str().unwrap()
    ))
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let reopened = app.get(&path, &admin).await.ok(200).clone();
    assert_eq!(reopened["status"], "open");
    assert_eq!(
        reopened["status_reason"],
        "the risk acceptance lapsed on 2020-01-01"
    );
    assert_eq!(reopened["created_by"], "annexa");

    // The organisation takes the control over: the gap closes and so does the finding.
    app.put(
        &format!("/v1/vendors/{vendor_id}/responsibilities"),
        &admin,
        &json!({"entries": [{"control_id": "iso42001:A.8.4", "party": "organisation"}]}),
    )
    .await
    .ok(200);
    let closed = app.get(&path, &admin).await.ok(200).clone();
    assert_eq!(closed["status"], "resolved");
    assert!(closed["status_reason"]
        .as_str()
        .unwrap()
        .starts_with("gap closed after vendor.responsibilities_updated"));
}

#[actix_web::test]
async fn approved_vendors_past_their_cadence_are_due_for_reassessment() {
    let app = spawn_with(|s| s.scheduled_check_seconds = 1).await;
    let admin = app.admin();
    let vendor = app.create_vendor("Cadence AI").await;
    let vendor_id = vendor["id"].as_str().unwrap();
    let template_id = one_question_per_control(&app, &admin).await;
    let assessment_id = completed_assessment(
        &app,
        &admin,
        vendor_id,
        &template_id,
        json!([
            {"question": "retention", "value": "yes"},
            {"question": "customer_terms", "value": "yes"},
            {"question": "incidents", "value": "yes"},
            {"question": "model_docs", "value": "yes"}
        ]),
    )
    .await;
    for to in ["in_review", "approved"] {
        app.post(
            &format!("/v1/vendors/{vendor_id}/status"),
            &admin,
            &json!({"status": to}),
        )
        .await
        .ok(200);
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let fresh = app
        .get(&format!("/v1/vendors/{vendor_id}"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(fresh["reassessment_due"], false);

    // Never assessed, approved, and added long ago: due too, counted from when it was added.
    let unassessed = app.create_vendor("Unassessed AI").await;
    let unassessed_id = unassessed["id"].as_str().unwrap();
    for to in ["in_review", "approved"] {
        app.post(
            &format!("/v1/vendors/{unassessed_id}/status"),
            &admin,
            &json!({"status": to}),
        )
        .await
        .ok(200);
    }
    let tier = app
        .get(&format!("/v1/vendors/{unassessed_id}/risk"), &admin)
        .await
        .ok(200)["tier"]
        .as_str()
        .unwrap()
        .to_owned();
    let months = match tier.as_str() {
        "low" => 36,
        "medium" => 24,
        "high" => 12,
        _ => 6,
    };
    app.execute_sql(&format!(
        "UPDATE vendors SET created_at = '2019-03-15T10:00:00.000000Z' WHERE id = '{unassessed_id}'"
    ))
    .unwrap();
    // Low tier: every 36 months. Completed four years ago, it is due.
    app.execute_sql(&format!(
        "UPDATE assessments SET completed_at = '2022-11-01T10:00:00.000000Z' WHERE id = '{assessment_id}'"
    ))
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let due = app
        .get(&format!("/v1/vendors/{vendor_id}"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(due["reassessment_due"], true);
    assert_eq!(
        due["reassessment_reason"],
        "last assessed on 2022-11-01; low-tier vendors are reassessed every 36 months"
    );
    let never = app
        .get(&format!("/v1/vendors/{unassessed_id}"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(never["reassessment_due"], true);
    assert_eq!(
        never["reassessment_reason"],
        format!(
            "never assessed since it was added on 2019-03-15; {tier}-tier vendors are reassessed every {months} months"
        )
    );
    let portfolio = app.get("/v1/risk/portfolio", &admin).await.ok(200).clone();
    assert_eq!(portfolio["reassessment_due"]["count"], 2);
    let mut flagged: Vec<&str> = portfolio["reassessment_due"]["vendors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["vendor_id"].as_str().unwrap())
        .collect();
    flagged.sort_unstable();
    let mut expected = vec![vendor_id, unassessed_id];
    expected.sort_unstable();
    assert_eq!(flagged, expected);
}

#[actix_web::test]
async fn the_risk_model_refuses_what_it_cannot_use_and_keeps_its_versions() {
    let app = spawn_app().await;
    let admin = app.admin();
    let model = app.get("/v1/risk-model", &admin).await.ok(200).clone();
    assert_eq!(model["version"], 0);
    assert_eq!(model["built_in"], true);
    let valid = json!({
        "weights": {"data_sensitivity": 3, "decision_impact": 3, "autonomy": 2,
                    "affected_people": 2, "eu_ai_act_class": 3,
                    "training_on_customer_data": 2, "subprocessors": 1},
        "thresholds": {"medium": 25, "high": 50, "critical": 75},
        "max_mitigation": 0.8,
        "reassessment_months": {"low": 36, "medium": 24, "high": 12, "critical": 6}
    });
    let with = |patch: serde_json::Value| {
        let mut body = valid.clone();
        json_patch::merge(&mut body, &patch);
        body
    };
    for (patch, field) in [
        (json!({"thresholds": {"high": 20}}), "thresholds.high"),
        (
            json!({"thresholds": {"critical": 150}}),
            "thresholds.critical",
        ),
        (json!({"weights": {"autonomy": -1}}), "weights.autonomy"),
        (json!({"max_mitigation": 1.5}), "max_mitigation"),
        (
            json!({"reassessment_months": {"high": 0}}),
            "reassessment_months.high",
        ),
        (json!({"weights": {"vibes": 1}}), "weights.vibes"),
        (
            json!({"weights": {"data_sensitivity": 0, "decision_impact": 0, "autonomy": 0,
                               "affected_people": 0, "eu_ai_act_class": 0,
                               "training_on_customer_data": 0, "subprocessors": 0}}),
            "weights",
        ),
    ] {
        app.put("/v1/risk-model", &admin, &with(patch))
            .await
            .invalid_field(field);
    }
    app.put(
        "/v1/risk-model",
        &app.token(ORG, &[Role::Procurement]),
        &valid,
    )
    .await
    .problem(403);
    assert_eq!(app.count_rows("SELECT COUNT(*) AS n FROM risk_models"), 0);

    app.put("/v1/risk-model", &admin, &valid).await.ok(200);
    let versions = app
        .get("/v1/risk-model/versions", &admin)
        .await
        .ok(200)
        .clone();
    let numbers: Vec<i64> = versions["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 0]);
    app.get("/v1/risk/portfolio?expiring_within=never", &admin)
        .await
        .invalid_field("expiring_within");
    app.post(
        "/v1/risk/recompute",
        &app.token(ORG, &[Role::Procurement]),
        &json!({}),
    )
    .await
    .problem(403);
    let vendor = app.create_vendor("History AI").await;
    app.get(
        &format!(
            "/v1/vendors/{}/risk/history?limit=0",
            vendor["id"].as_str().unwrap()
        ),
        &admin,
    )
    .await
    .invalid_field("limit");
    app.get("/v1/vendors/nope/risk/history", &admin)
        .await
        .problem(404);
    app.get("/v1/vendors/nope/risk", &admin).await.problem(404);
    app.get("/v1/vendors/nope/coverage", &admin)
        .await
        .problem(404);
}
