//! `annexa seed`: a seeded portfolio is listed, scored and summarised like one built through
//! the API, and seeding refuses an organisation that already has vendors.

use annexa::db;
use annexa::service::seed::{self, Scale};
use annexa::service::ServiceError;
use serde_json::json;

use crate::assessments::publish_template;
use crate::helpers::{spawn_app, spawn_with, TestApp, ORG};
use crate::receiver::Receiver;
use crate::risk::open_gap_findings;
use crate::webhooks::{deliver_fast, endpoint};

const SMALL: Scale = Scale {
    vendors: 20,
    ai_services: 40,
    use_cases: 60,
    assessments: 10,
    contracts: 20,
    clauses_per_contract: 3,
};

async fn seed_template(app: &TestApp, admin: &str) -> String {
    publish_template(
        app,
        admin,
        json!({"name": "Seed check", "sections": [{"title": "Data", "questions": [
            {"key": "trains", "text": "Do you train on our data?", "type": "yes_no", "required": true,
             "controls": ["iso42001:A.10.3"]},
            {"key": "retention", "text": "Retention in days", "type": "number", "controls": ["iso42001:A.7.5"]},
            {"key": "contact", "text": "Incident contact", "type": "text", "controls": ["iso42001:A.8.4"]}
        ]}]}),
    )
    .await
}

/// Seeds the test organisation at `scale`, its assessments answering [`seed_template`].
async fn seed_at(app: &TestApp, admin: &str, scale: Scale) {
    let template = seed_template(app, admin).await;
    let pool = db::connect(&app.database, 1).unwrap();
    actix_web::web::block(move || seed::portfolio(&pool, ORG, scale, Some(&template)))
        .await
        .unwrap()
        .unwrap();
}

#[actix_web::test]
async fn a_seeded_portfolio_is_served_scored_and_summarised() {
    let app = spawn_app().await;
    let admin = app.admin();
    let template = seed_template(&app, &admin).await;
    let pool = db::connect(&app.database, 1).unwrap();

    let seeded = {
        let (pool, template) = (pool.clone(), template.clone());
        actix_web::web::block(move || seed::portfolio(&pool, ORG, SMALL, Some(&template)))
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(
        (seeded.vendors, seeded.ai_services, seeded.use_cases),
        (20, 40, 60)
    );
    assert_eq!((seeded.contracts, seeded.clauses), (20, 60));
    assert_eq!((seeded.assessments, seeded.answers), (10, 30));

    let page = app
        .get("/v1/vendors?limit=100", &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(page["data"].as_array().unwrap().len(), 20);
    let vendor = page["data"][0]["id"].as_str().unwrap().to_owned();
    let services = app
        .get(&format!("/v1/ai-services?vendor_id={vendor}"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(services["data"].as_array().unwrap().len(), 2);
    let completed = app
        .get("/v1/assessments?status=completed&limit=100", &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(completed["data"].as_array().unwrap().len(), 5);

    let recomputed = app
        .post("/v1/risk/recompute", &admin, &json!({}))
        .await
        .ok(200)
        .clone();
    assert_eq!(recomputed["vendors"], 20);
    let portfolio = app.get("/v1/risk/portfolio", &admin).await.ok(200).clone();
    assert_eq!(portfolio["vendors"], 20);
    assert_eq!(portfolio["vendors_by_tier"]["unscored"], 0);
    app.get(&format!("/v1/vendors/{vendor}/coverage"), &admin)
        .await
        .ok(200);

    let again = actix_web::web::block(move || seed::portfolio(&pool, ORG, SMALL, Some(&template)))
        .await
        .unwrap();
    assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
    assert_eq!(
        app.count_rows("SELECT COUNT(*) AS n FROM vendors"),
        20,
        "a refused seed adds nothing"
    );
}

#[actix_web::test]
async fn seeding_assessments_needs_a_published_template() {
    let app = spawn_app().await;
    let pool = db::connect(&app.database, 1).unwrap();
    let result = actix_web::web::block(move || {
        let missing = seed::portfolio(&pool, ORG, SMALL, None);
        let unknown = seed::portfolio(&pool, ORG, SMALL, Some("no-such-template"));
        (missing, unknown)
    })
    .await
    .unwrap();
    for outcome in [result.0, result.1] {
        match outcome {
            Err(ServiceError::Validation(errors)) => assert_eq!(errors[0].field, "template"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
    assert_eq!(app.count_rows("SELECT COUNT(*) AS n FROM vendors"), 0);
}

/// A portfolio recompute reads vendors a batch at a time; vendors on either side of a batch
/// boundary must come out as refreshing each on its own would have them.
#[actix_web::test]
async fn a_portfolio_recompute_scores_every_batch_as_a_single_refresh_would() {
    let app = spawn_app().await;
    let admin = app.admin();
    seed_at(
        &app,
        &admin,
        Scale {
            vendors: 1100,
            ai_services: 1100,
            use_cases: 1650,
            assessments: 1100,
            contracts: 550,
            clauses_per_contract: 2,
        },
    )
    .await;

    let recomputed = app
        .post("/v1/risk/recompute", &admin, &json!({}))
        .await
        .ok(200)
        .clone();
    assert_eq!(recomputed["vendors"], 1100);
    assert_eq!(recomputed["rescored"], 1100);
    assert_eq!(
        app.count_rows("SELECT COUNT(*) AS n FROM vendor_risk"),
        1100
    );

    let mut ids: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/vendors?limit=100&cursor={c}"),
            None => "/v1/vendors?limit=100".to_owned(),
        };
        let page = app.get(&path, &admin).await.ok(200).clone();
        ids.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    ids.sort();
    assert_eq!(ids.len(), 1100);

    let mut assessed = 0;
    for index in [0, 499, 500, 999, 1000, 1099] {
        let id = &ids[index];
        let coverage = app
            .get(&format!("/v1/vendors/{id}/coverage"), &admin)
            .await
            .ok(200)
            .clone();
        let risk = app
            .get(&format!("/v1/vendors/{id}/risk"), &admin)
            .await
            .ok(200)
            .clone();
        assert_eq!(
            risk["explanation"]["coverage"], coverage["summary"],
            "vendor {index}: coverage scored in the batch"
        );
        let mut gaps: Vec<String> = coverage["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["verdict"] == "gap")
            .map(|c| c["control"]["id"].as_str().unwrap().to_owned())
            .collect();
        gaps.sort();
        if coverage["last_assessed_at"].is_null() {
            gaps.clear();
        } else {
            assessed += 1;
        }
        assert_eq!(
            open_gap_findings(&app, &admin, id).await,
            gaps,
            "vendor {index}: gap findings"
        );

        // A tier change refreshes the vendor alone; what it provides scores the same.
        let tier = if risk["tier"] == "critical" {
            "low"
        } else {
            "critical"
        };
        app.patch(&format!("/v1/vendors/{id}"), &admin, &json!({"tier": tier}))
            .await
            .ok(200);
        let alone = app
            .get(&format!("/v1/vendors/{id}/risk"), &admin)
            .await
            .ok(200)
            .clone();
        assert_eq!(
            (
                alone["inherent"].clone(),
                alone["explanation"]["factors"].clone()
            ),
            (
                risk["inherent"].clone(),
                risk["explanation"]["factors"].clone()
            ),
            "vendor {index}: services read in the batch"
        );
    }
    assert!(
        assessed > 0,
        "some sampled vendors have completed assessments"
    );
}

/// A first scoring raises thousands of gap findings in one transaction a batch, their audit
/// records, events and deliveries stored several rows a statement: each finding must still have
/// exactly one of each, in an audit chain that verifies, and later single writes extend it.
#[actix_web::test]
async fn a_first_scoring_journals_every_gap_finding_once_in_an_unbroken_chain() {
    let app = spawn_with(deliver_fast).await;
    let admin = app.admin();
    let receiver = Receiver::start();
    let (endpoint_id, _) = endpoint(&app, &receiver.url("/hook"), &["finding.created"]).await;
    seed_at(
        &app,
        &admin,
        Scale {
            vendors: 300,
            ai_services: 300,
            use_cases: 300,
            assessments: 300,
            contracts: 0,
            clauses_per_contract: 0,
        },
    )
    .await;

    app.post("/v1/risk/recompute", &admin, &json!({}))
        .await
        .ok(200);
    let findings = app.count_rows("SELECT COUNT(*) AS n FROM findings WHERE source = 'coverage'");
    assert!(findings > 200, "{findings} gap findings raised");
    for (what, sql) in [
        (
            "audit records",
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'finding.created'".to_owned(),
        ),
        (
            "events",
            "SELECT COUNT(*) AS n FROM outbox_events WHERE event_type = 'finding.created'"
                .to_owned(),
        ),
        (
            "deliveries",
            format!(
                "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = '{endpoint_id}'"
            ),
        ),
    ] {
        assert_eq!(app.count_rows(&sql), findings, "{what}: one a finding");
    }
    let records = app.count_rows("SELECT COUNT(*) AS n FROM audit_events");
    assert_eq!(verified_records(&app, &admin).await, records);

    // A finding's record and its delivered event both carry the finding as the API shows it.
    let delivered = receiver.wait_for(1).await[0].json();
    let id = delivered["data"]["finding"]["id"].as_str().unwrap();
    let finding = app
        .get(&format!("/v1/findings/{id}"), &admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(delivered["data"]["finding"]["title"], finding["title"]);
    assert_eq!(delivered["data"]["finding"]["status"], "open");
    let record = app
        .get(&format!("/v1/audit-events?entity_id={id}"), &admin)
        .await
        .ok(200)["data"][0]
        .clone();
    assert_eq!(record["action"], "finding.created");
    assert_eq!(record["after"], delivered["data"]["finding"]);

    // Nothing changed: nothing journaled. A single write after the batches extends the chain.
    app.post("/v1/risk/recompute", &admin, &json!({}))
        .await
        .ok(200);
    assert_eq!(
        app.count_rows("SELECT COUNT(*) AS n FROM audit_events"),
        records
    );
    let vendor = finding["vendor_id"].as_str().unwrap();
    app.patch(
        &format!("/v1/vendors/{vendor}"),
        &admin,
        &json!({"tier": "critical"}),
    )
    .await
    .ok(200);
    assert!(verified_records(&app, &admin).await > records);
}

/// The number of audit records checked by a verification that found the chain intact.
async fn verified_records(app: &TestApp, admin: &str) -> i64 {
    let verification = app
        .get("/v1/audit-events/verify", admin)
        .await
        .ok(200)
        .clone();
    assert_eq!(verification["valid"], true, "{verification}");
    verification["records_checked"].as_i64().unwrap()
}
