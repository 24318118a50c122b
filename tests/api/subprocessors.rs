use serde_json::json;

use crate::helpers::{spawn_app, OTHER_ORG};

#[actix_web::test]
async fn subprocessors_link_and_unlink_without_cycles() {
    let app = spawn_app().await;
    let token = app.admin();
    let a = app.create_vendor("A").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = app.create_vendor("B Hosting").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = app.create_vendor("C").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let link = |from: &str, to: &str| {
        let path = format!("/v1/vendors/{from}/subprocessors");
        let body = json!({"subprocessor_id": to, "service_description": "hosting"});
        let app = &app;
        let token = &token;
        async move { app.post(&path, token, &body).await }
    };
    let ab = link(&a, &b).await;
    assert_eq!(ab.ok(201)["subprocessor_legal_name"], "B Hosting");
    link(&b, &c).await.ok(201);
    // Self-links, cycles and repeats are refused.
    link(&a, &a).await.problem(409);
    link(&c, &a).await.problem(409);
    link(&c, &b).await.problem(409);
    link(&a, &b).await.problem(409);
    // Unknown or foreign subprocessors are a bad field.
    link(&a, "00000000-0000-7000-8000-000000000000")
        .await
        .invalid_field("subprocessor_id");
    let theirs = app.create_vendor_in(OTHER_ORG, "Theirs").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    link(&a, &theirs).await.invalid_field("subprocessor_id");
    link(&theirs, &a).await.problem(404);
    // A body of the wrong shape names the field.
    let add = format!("/v1/vendors/{a}/subprocessors");
    app.post(&add, &token, &json!({"service_description": "hosting"}))
        .await
        .invalid_field("subprocessor_id");
    app.post(&add, &token, &json!({"subprocessor_id": b, "sla": "99.9"}))
        .await
        .invalid_field("sla");
    app.post(
        &add,
        &token,
        &json!({"subprocessor_id": b, "service_description": "x".repeat(501)}),
    )
    .await
    .invalid_field("service_description");

    let list = app
        .get(&format!("/v1/vendors/{a}/subprocessors"), &token)
        .await
        .ok(200)
        .clone();
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["subprocessor_id"], b.as_str());

    app.delete(&format!("/v1/vendors/{a}/subprocessors/{b}"), &token)
        .await
        .ok(204);
    app.delete(&format!("/v1/vendors/{a}/subprocessors/{b}"), &token)
        .await
        .problem(404);
    assert!(app
        .get(&format!("/v1/vendors/{a}/subprocessors"), &token)
        .await
        .ok(200)["data"]
        .as_array()
        .unwrap()
        .is_empty());
    // With a→b gone, c→a no longer closes a cycle (b→c remains).
    link(&c, &a).await.ok(201);
    // Deleting a vendor removes its links.
    app.delete(&format!("/v1/vendors/{c}"), &token)
        .await
        .ok(204);
    assert!(app
        .get(&format!("/v1/vendors/{b}/subprocessors"), &token)
        .await
        .ok(200)["data"]
        .as_array()
        .unwrap()
        .is_empty());
}
