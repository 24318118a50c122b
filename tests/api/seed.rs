//! `annexa seed`: a seeded portfolio is listed, scored and summarised like one built through
//! the API, and seeding refuses an organisation that already has vendors.

use annexa::db;
use annexa::service::seed::{self, Scale};
use annexa::service::ServiceError;
use serde_json::json;

use crate::assessments::publish_template;
use crate::helpers::{spawn_app, TestApp, ORG};
use crate::risk::open_gap_findings;

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
    let template = seed_template(&app, &admin).await;
    let pool = db::connect(&app.database, 1).unwrap();
    let scale = Scale {
        vendors: 1100,
        ai_services: 1100,
        use_cases: 1650,
        assessments: 1100,
        contracts: 550,
        clauses_per_contract: 2,
    };
    actix_web::web::block(move || seed::portfolio(&pool, ORG, scale, Some(&template)))
        .await
        .unwrap()
        .unwrap();

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
