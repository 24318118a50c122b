//! `annexa seed`: a seeded portfolio is listed, scored and summarised like one built through
//! the API, and seeding refuses an organisation that already has vendors.

use annexa::db;
use annexa::service::seed::{self, Scale};
use annexa::service::ServiceError;
use serde_json::json;

use crate::assessments::publish_template;
use crate::helpers::{spawn_app, ORG};

const SMALL: Scale = Scale {
    vendors: 20,
    ai_services: 40,
    use_cases: 60,
    assessments: 10,
    contracts: 20,
    clauses_per_contract: 3,
};

#[actix_web::test]
async fn a_seeded_portfolio_is_served_scored_and_summarised() {
    let app = spawn_app().await;
    let admin = app.admin();
    let template = publish_template(
        &app,
        &admin,
        json!({"name": "Seed check", "sections": [{"title": "Data", "questions": [
            {"key": "trains", "text": "Do you train on our data?", "type": "yes_no", "required": true,
             "controls": ["iso42001:A.10.3"]},
            {"key": "retention", "text": "Retention in days", "type": "number", "controls": ["iso42001:A.7.5"]},
            {"key": "contact", "text": "Incident contact", "type": "text", "controls": ["iso42001:A.8.4"]}
        ]}]}),
    )
    .await;
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
