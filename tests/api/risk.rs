use serde_json::{json, Value};

use crate::assessments::publish_template;
use crate::helpers::{spawn_app, TestApp, ORG, OTHER_ORG};
use annexa::domain::roles::Role;

/// A template whose questions each evidence one control, answered yes (met) or no (not met).
pub async fn one_question_per_control(app: &TestApp, token: &str) -> String {
    let question = |key: &str, control: &str| {
        json!({"key": key, "text": format!("Do you meet {control}?"), "type": "yes_no",
               "required": true, "weight": 1, "controls": [control]})
    };
    publish_template(
        app,
        token,
        json!({"name": "Support LLM check", "sections": [{"title": "Controls", "questions": [
            question("retention", "iso42001:A.7.5"),
            question("customer_terms", "iso42001:A.10.3"),
            question("incidents", "iso42001:A.8.4"),
            question("model_docs", "iso42001:A.8.2")
        ]}]}),
    )
    .await
}

/// Answers to `one_question_per_control`: retention and customer terms met, incidents and
/// model documentation not.
pub fn mixed_answers() -> Value {
    json!([
        {"question": "retention", "value": "yes"},
        {"question": "customer_terms", "value": "yes"},
        {"question": "incidents", "value": "no"},
        {"question": "model_docs", "value": "no"}
    ])
}

/// Sends, answers (through the vendor link), submits and completes an assessment.
pub async fn completed_assessment(
    app: &TestApp,
    token: &str,
    vendor_id: &str,
    template_id: &str,
    answers: Value,
) -> String {
    let created = app
        .post(
            "/v1/assessments",
            token,
            &json!({"vendor_id": vendor_id, "template_id": template_id}),
        )
        .await
        .ok(201)
        .clone();
    let base = format!("/v1/assessments/{}", created["id"].as_str().unwrap());
    let sent = app
        .post(&format!("{base}/send"), token, &json!({}))
        .await
        .ok(200)
        .clone();
    let link = sent["link"]["token"].as_str().unwrap().to_owned();
    app.put(
        &format!("{base}/answers"),
        &link,
        &json!({ "answers": answers }),
    )
    .await
    .ok(200);
    app.post(&format!("{base}/submit"), &link, &json!({}))
        .await
        .ok(200);
    for to in ["in_review", "completed"] {
        app.post(&format!("{base}/status"), token, &json!({ "status": to }))
            .await
            .ok(200);
    }
    created["id"].as_str().unwrap().to_owned()
}

fn verdicts(coverage: &Value) -> Vec<(String, String)> {
    coverage["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["control"]["id"].as_str().unwrap().to_owned(),
                c["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn verdict_of<'a>(coverage: &'a Value, control: &str) -> &'a Value {
    coverage["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control"]["id"] == control)
        .unwrap_or_else(|| panic!("{control} is not required: {coverage}"))
}

pub async fn open_gap_findings(app: &TestApp, token: &str, vendor_id: &str) -> Vec<String> {
    let mut controls: Vec<String> = app
        .get(
            &format!("/v1/findings?vendor_id={vendor_id}&source=coverage&status=open"),
            token,
        )
        .await
        .ok(200)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["control_id"].as_str().unwrap().to_owned())
        .collect();
    controls.sort();
    controls
}

/// Inventories an LLM API used for customer support with personal data (a medium-tier profile)
/// for the vendor; returns the service's id.
pub async fn add_support_llm(app: &TestApp, token: &str, vendor_id: &str) -> String {
    let service = app
        .post(
            &format!("/v1/vendors/{vendor_id}/ai-services"),
            token,
            &json!({"name": "Support LLM API", "kind": "foundation_model_api",
                    "data_categories": ["personal"], "trains_on_customer_data": "no",
                    "subprocessors_see_data": false, "eu_ai_act_risk_class": "limited"}),
        )
        .await
        .ok(201)
        .clone();
    let service_id = service["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/v1/ai-services/{service_id}/use-cases"),
        token,
        &json!({"purpose": "Draft replies to customer support tickets",
                "affected_people": ["customers"], "decision_impact": "informs",
                "autonomy": "human_on_the_loop"}),
    )
    .await
    .ok(201);
    service_id
}

fn factor<'a>(risk: &'a Value, name: &str) -> &'a Value {
    risk["explanation"]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["factor"] == name)
        .unwrap()
}

#[actix_web::test]
async fn an_llm_support_vendor_is_assessed_contracted_scored_and_rescored_on_change() {
    let app = spawn_app().await;
    let admin = app.admin();
    let vendor = app.create_vendor("Acme LLM").await;
    let vendor_id = vendor["id"].as_str().unwrap().to_owned();
    let vendor_path = format!("/v1/vendors/{vendor_id}");

    let service_id = add_support_llm(&app, &admin, &vendor_id).await;

    let risk = app
        .get(&format!("{vendor_path}/risk"), &admin)
        .await
        .ok(200)
        .clone();
    // (3×0.8 + 3×0.5 + 2×0.5 + 2×0.6 + 3×0.3) / 16 × 100: no coverage yet, so residual = inherent.
    assert_eq!(risk["inherent"], 43.75);
    assert_eq!(risk["residual"], 43.75);
    assert_eq!(risk["tier"], "medium");
    assert_eq!(risk["model_version"], 0);
    assert_eq!(risk["cause"], "use_case.created");
    assert_eq!(
        factor(&risk, "data_sensitivity")["reason"],
        "personal data is sent to 'Support LLM API'"
    );
    assert_eq!(factor(&risk, "data_sensitivity")["points"], 15.0);
    assert_eq!(factor(&risk, "training_on_customer_data")["points"], 0.0);
    // No finding before the first completed assessment: every control is a gap until then.
    assert!(open_gap_findings(&app, &admin, &vendor_id).await.is_empty());

    // Assessment: retention and customer terms met; incidents and model docs not met.
    let template_id = one_question_per_control(&app, &admin).await;
    let assessment_id =
        completed_assessment(&app, &admin, &vendor_id, &template_id, mixed_answers()).await;
    assert_eq!(
        open_gap_findings(&app, &admin, &vendor_id).await,
        [
            "iso42001:A.10.2",
            "iso42001:A.5.4",
            "iso42001:A.6.2.6",
            "iso42001:A.8.2",
            "iso42001:A.8.3",
            "iso42001:A.8.4",
            "iso42001:A.9.4",
            "nist-ai-rmf:MEASURE 2.10"
        ]
    );

    // Contract: §4.1 allocates supplier responsibilities (verified); §9 covers documentation
    // partly and transparency to customers fully, as claimed by the vendor.
    let contract = app
        .post(
            &format!("{vendor_path}/contracts"),
            &admin,
            &json!({"title": "Acme LLM MSA", "contract_type": "msa", "status": "active",
                    "effective_date": "2026-01-01", "end_date": "2099-12-31",
                    "auto_renewal": true, "notice_period_days": 90,
                    "governing_law": "England and Wales"}),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(contract["notice_date"], "2099-10-02");
    assert_eq!(contract["renewal_term_months"], Value::Null);
    let contract_path = format!("/v1/contracts/{}", contract["id"].as_str().unwrap());
    let clause = app
        .post(
            &format!("{contract_path}/clauses"),
            &admin,
            &json!({"reference": "§4.1", "summary": "Each party's AI responsibilities are listed in Annex B.",
                    "category": "ai_use",
                    "mappings": [{"control_id": "iso42001:A.10.2", "coverage": "full", "verification": "verified"}]}),
        )
        .await
        .ok(201)
        .clone();
    assert_eq!(clause["mappings"][0]["verified_by"], "tester@example.com");
    app.post(
        &format!("{contract_path}/clauses"),
        &admin,
        &json!({"reference": "§9", "summary": "Model documentation and customer notices.",
                "category": "transparency",
                "mappings": [{"control_id": "iso42001:A.8.2", "coverage": "partial"},
                             {"control_id": "iso42001:A.8.3", "coverage": "full"}]}),
    )
    .await
    .ok(201);
    let matrix = app
        .put(
            &format!("{vendor_path}/responsibilities"),
            &admin,
            &json!({"entries": [
                {"control_id": "iso42001:A.9.4", "party": "organisation", "note": "We decide intended use"},
                {"control_id": "iso42001:A.5.4", "party": "shared"}
            ]}),
        )
        .await
        .ok(200)
        .clone();
    let a94 = matrix["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["control"]["id"] == "iso42001:A.9.4")
        .unwrap();
    assert_eq!(a94["party"], "organisation");
    assert_eq!(a94["required"], true);

    let coverage = app
        .get(&format!("{vendor_path}/coverage"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(
        verdicts(&coverage),
        [
            ("iso42001:A.10.2", "covered"),
            ("iso42001:A.10.3", "covered"),
            ("iso42001:A.9.4", "covered"),
            ("iso42001:A.8.4", "gap"),
            ("iso42001:A.6.2.6", "gap"),
            ("iso42001:A.5.4", "gap"),
            ("iso42001:A.7.5", "covered"),
            ("nist-ai-rmf:MEASURE 2.10", "gap"),
            ("iso42001:A.8.2", "partial"),
            ("iso42001:A.8.3", "partial"),
        ]
        .map(|(c, v)| (c.to_owned(), v.to_owned()))
    );
    assert_eq!(
        coverage["summary"],
        json!({"required": 10, "covered": 4, "partial": 2, "gaps": 4})
    );
    assert_eq!(
        verdict_of(&coverage, "iso42001:A.10.2")["reason"],
        "covered: clause §4.1 of 'Acme LLM MSA' covers it fully (verified)"
    );
    assert_eq!(
        verdict_of(&coverage, "iso42001:A.8.2")["reason"],
        "only partly covered: clause §9 of 'Acme LLM MSA' claims to cover it partly (not yet verified)"
    );
    assert_eq!(
        verdict_of(&coverage, "iso42001:A.8.4")["reason"],
        "not covered: the latest completed assessment found it not met"
    );
    assert_eq!(
        verdict_of(&coverage, "iso42001:A.8.4")["evidence"][0]["reference"],
        assessment_id.as_str()
    );
    assert!(verdict_of(&coverage, "iso42001:A.6.2.6")["reason"]
        .as_str()
        .unwrap()
        .starts_with("no evidence"));
    assert_eq!(
        verdict_of(&coverage, "iso42001:A.9.4")["reason"],
        "the organisation holds this control, not the supplier"
    );

    // Gaps closed by the contract and the matrix closed their findings; the rest stay open.
    assert_eq!(
        open_gap_findings(&app, &admin, &vendor_id).await,
        [
            "iso42001:A.5.4",
            "iso42001:A.6.2.6",
            "iso42001:A.8.4",
            "nist-ai-rmf:MEASURE 2.10"
        ]
    );
    let resolved = app
        .get(
            &format!("/v1/findings?vendor_id={vendor_id}&status=resolved"),
            &admin,
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(resolved["data"].as_array().unwrap().len(), 4);

    let risk = app
        .get(&format!("{vendor_path}/risk"), &admin)
        .await
        .ok(200)
        .clone();
    // Half the required controls count as covered: 43.75 × (1 − 0.8 × 0.5).
    assert_eq!(risk["inherent"], 43.75);
    assert_eq!(risk["residual"], 26.25);
    assert_eq!(risk["tier"], "medium");
    assert_eq!(risk["explanation"]["coverage_ratio"], 0.5);
    assert_eq!(risk["explanation"]["mitigation"], 17.5);
    assert_eq!(
        risk["explanation"]["tier_reason"],
        "residual 26.25 is at or above the medium threshold (25) and below high (50)"
    );

    // The vendor starts training on customer data: the score, A.7.3 and its finding follow.
    app.patch(
        &format!("/v1/ai-services/{service_id}"),
        &admin,
        &json!({"trains_on_customer_data": "yes"}),
    )
    .await
    .ok(200);
    let rescored = app
        .get(&format!("{vendor_path}/risk"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(rescored["inherent"], 56.25);
    // 56.25 × (1 − 0.8 × 5/11)
    assert_eq!(rescored["residual"], 35.8);
    assert_eq!(rescored["cause"], "ai_service.updated");
    assert_eq!(
        factor(&rescored, "training_on_customer_data")["reason"],
        "'Support LLM API' trains on the organisation's data"
    );
    assert_eq!(
        factor(&rescored, "training_on_customer_data")["points"],
        12.5
    );
    assert!(open_gap_findings(&app, &admin, &vendor_id)
        .await
        .contains(&"iso42001:A.7.3".to_owned()));
    let history = app
        .get(&format!("{vendor_path}/risk/history"), &admin)
        .await
        .ok(200)
        .clone();
    let moves: Vec<(f64, f64)> = history["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["inherent"].as_f64().unwrap(),
                h["residual"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(moves[0], (56.25, 35.8));
    assert!(moves.contains(&(43.75, 26.25)));
    assert!(moves.contains(&(43.75, 43.75)));
    assert_eq!(
        app.count_rows(&format!(
            "SELECT COUNT(*) AS n FROM outbox_events WHERE event_type = 'risk.score_changed' AND payload LIKE '%\"inherent\":56.25%' AND payload LIKE '%{vendor_id}%'"
        )),
        1
    );

    // A stricter model puts the vendor in the high tier, and says so.
    let saved = app
        .put(
            "/v1/risk-model",
            &admin,
            &json!({
                "weights": {"data_sensitivity": 3, "decision_impact": 3, "autonomy": 2,
                            "affected_people": 2, "eu_ai_act_class": 3,
                            "training_on_customer_data": 2, "subprocessors": 1},
                "thresholds": {"medium": 20, "high": 30, "critical": 80},
                "max_mitigation": 0.8,
                "reassessment_months": {"low": 36, "medium": 24, "high": 12, "critical": 6}
            }),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(saved["model"]["version"], 1);
    assert_eq!(saved["recompute"]["vendors"], 1);
    assert_eq!(saved["recompute"]["tier_changes"], 1);
    let high = app
        .get(&format!("{vendor_path}/risk"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(high["tier"], "high");
    assert_eq!(high["model_version"], 1);
    assert_eq!(high["cause"], "risk_model.updated");
    assert_eq!(
        app.count_rows(&format!(
            "SELECT COUNT(*) AS n FROM outbox_events WHERE event_type = 'vendor.tier_changed' AND payload LIKE '%\"from\":\"medium\"%' AND payload LIKE '%\"to\":\"high\"%' AND payload LIKE '%{vendor_id}%'"
        )),
        1
    );
    let audit = app.audit_actions(&admin, "vendor").await;
    assert!(audit.contains(&"vendor.tier_changed".to_owned()));

    // Recomputing without a change stores nothing new.
    let entries = history["data"].as_array().unwrap().len() + 1;
    let again = app
        .post("/v1/risk/recompute", &admin, &json!({}))
        .await
        .ok(200)
        .clone();
    assert_eq!(again["rescored"], 0);
    let history = app
        .get(&format!("{vendor_path}/risk/history"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(history["data"].as_array().unwrap().len(), entries);

    let portfolio = app.get("/v1/risk/portfolio", &admin).await.ok(200).clone();
    assert_eq!(portfolio["vendors"], 1);
    assert_eq!(portfolio["vendors_by_tier"]["high"], 1);
    assert_eq!(portfolio["vendors_by_status"]["proposed"], 1);
    assert_eq!(portfolio["top_risks"][0]["vendor_id"], vendor_id.as_str());
    assert_eq!(portfolio["open_findings"]["medium"], 5);
    assert_eq!(portfolio["model_version"], 1);
}

/// A vendor is scored when it is created without reading records it cannot have yet; a
/// recompute reading everything must find nothing to change.
#[actix_web::test]
async fn a_new_vendor_is_scored_as_a_recompute_would_score_it() {
    let app = spawn_app().await;
    let admin = app.admin();
    for body in [
        json!({"legal_name": "Tiered", "tier": "critical", "domains": ["tiered.example.com"]}),
        json!({"legal_name": "Untiered"}),
    ] {
        let created = app.post("/v1/vendors", &admin, &body).await.ok(201).clone();
        let id = created["id"].as_str().unwrap();
        let risk = app
            .get(&format!("/v1/vendors/{id}/risk"), &admin)
            .await
            .ok(200)
            .clone();
        assert_eq!(risk["cause"], "vendor.created");
        assert!(
            risk["explanation"]["coverage"]["required"]
                .as_u64()
                .unwrap()
                > 0
        );
    }
    let recomputed = app
        .post("/v1/risk/recompute", &admin, &json!({}))
        .await
        .ok(200)
        .clone();
    assert_eq!(
        (
            recomputed["vendors"].clone(),
            recomputed["rescored"].clone()
        ),
        (json!(2), json!(0))
    );
}

/// The portfolio's counts are kept as vendors, scores and findings change (cascades included),
/// per organisation; each must equal a count of the rows themselves.
#[actix_web::test]
async fn the_portfolio_counts_follow_every_change_to_vendors_scores_and_findings() {
    let app = spawn_app().await;
    let admin = app.admin();
    let mut ids = Vec::new();
    for (name, tier) in [("Alpha", "low"), ("Beta", "high"), ("Gamma", "critical")] {
        let vendor = app
            .post(
                "/v1/vendors",
                &admin,
                &json!({"legal_name": name, "tier": tier}),
            )
            .await
            .ok(201)
            .clone();
        ids.push(vendor["id"].as_str().unwrap().to_owned());
    }
    app.create_vendor_in(OTHER_ORG, "Elsewhere").await;
    app.post(
        &format!("/v1/vendors/{}/status", ids[0]),
        &admin,
        &json!({"status": "in_review"}),
    )
    .await
    .ok(200);
    let mut findings = Vec::new();
    for severity in ["low", "high", "medium"] {
        let finding = app
            .post(
                "/v1/findings",
                &admin,
                &json!({"vendor_id": ids[1], "title": "Gap", "severity": severity}),
            )
            .await
            .ok(201)
            .clone();
        findings.push(finding["id"].as_str().unwrap().to_owned());
    }
    app.patch(
        &format!("/v1/findings/{}", findings[0]),
        &admin,
        &json!({"severity": "critical"}),
    )
    .await
    .ok(200);
    for (finding, status) in [(&findings[1], "resolved"), (&findings[2], "in_progress")] {
        app.post(
            &format!("/v1/findings/{finding}/status"),
            &admin,
            &json!({ "status": status }),
        )
        .await
        .ok(200);
    }
    // Its score goes with it, by cascade.
    app.delete(&format!("/v1/vendors/{}", ids[2]), &admin)
        .await
        .ok(204);

    let portfolio = app.get("/v1/risk/portfolio", &admin).await.ok(200).clone();
    assert_eq!(portfolio["vendors"], 2);
    assert_eq!(
        portfolio["vendors_by_status"],
        json!({"in_review": 1, "proposed": 1})
    );
    assert_eq!(
        portfolio["open_findings"],
        json!({"low": 0, "medium": 1, "high": 0, "critical": 1})
    );
    for tier in ["low", "medium", "high", "critical"] {
        let stored = app.count_rows(&format!(
            "SELECT COUNT(*) AS n FROM vendor_risk WHERE org_id = '{ORG}' AND tier = '{tier}'"
        ));
        assert_eq!(portfolio["vendors_by_tier"][tier], stored, "{tier}");
    }
    assert_eq!(portfolio["vendors_by_tier"]["unscored"], 0);
    let scored: i64 = ["low", "medium", "high", "critical"]
        .iter()
        .map(|t| portfolio["vendors_by_tier"][t].as_i64().unwrap())
        .sum();
    assert_eq!(scored, 2);

    let other = app.token(OTHER_ORG, &[Role::Admin]);
    let elsewhere = app.get("/v1/risk/portfolio", &other).await.ok(200).clone();
    assert_eq!(elsewhere["vendors"], 1);
    assert_eq!(elsewhere["vendors_by_status"], json!({"proposed": 1}));
    assert_eq!(
        elsewhere["open_findings"],
        json!({"low": 0, "medium": 0, "high": 0, "critical": 0})
    );
}
