use serde_json::json;

use crate::helpers::{spawn_app, OTHER_ORG};

#[actix_web::test]
async fn contacts_can_be_added_read_changed_and_removed() {
    let app = spawn_app().await;
    let token = app.admin();
    let vendor = app.create_vendor("Acme").await;
    let base = format!("/v1/vendors/{}/contacts", vendor["id"].as_str().unwrap());
    let sam = app
        .post(&base, &token, &json!({"name": "Sam Lee", "email": "sam@acme.ai", "role": "security", "is_primary": true}))
        .await
        .ok(201)
        .clone();
    assert_eq!(sam["is_primary"], true);
    let kim = app
        .post(
            &base,
            &token,
            &json!({"name": "Kim", "phone": "+44 20 7946 0000", "is_primary": true}),
        )
        .await
        .ok(201)
        .clone();
    // One primary contact at a time.
    let list = app.get(&base, &token).await.ok(200).clone();
    let primaries: Vec<bool> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["is_primary"].as_bool().unwrap())
        .collect();
    assert_eq!(primaries, vec![false, true]);

    let sam_path = format!("{base}/{}", sam["id"].as_str().unwrap());
    let changed = app
        .patch(
            &sam_path,
            &token,
            &json!({"role": null, "name": "Samuel Lee"}),
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(changed["role"], serde_json::Value::Null);
    assert_eq!(changed["name"], "Samuel Lee");
    assert_eq!(changed["email"], "sam@acme.ai");
    assert_eq!(app.get(&sam_path, &token).await.ok(200), &changed);

    app.delete(&sam_path, &token).await.ok(204);
    app.get(&sam_path, &token).await.problem(404);
    let remaining = app.get(&base, &token).await.ok(200).clone();
    assert_eq!(remaining["data"].as_array().unwrap().len(), 1);
    assert_eq!(remaining["data"][0]["id"], kim["id"]);
}

#[actix_web::test]
async fn bad_contacts_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let token = app.admin();
    let vendor = app.create_vendor("Acme").await;
    let base = format!("/v1/vendors/{}/contacts", vendor["id"].as_str().unwrap());
    app.post(
        &base,
        &token,
        &json!({"name": "Sam", "email": "not-an-email"}),
    )
    .await
    .invalid_field("email");
    app.post(&base, &token, &json!({"name": " "}))
        .await
        .invalid_field("name");
    app.post(&base, &token, &json!({"email": "a@b.co"}))
        .await
        .invalid_field("name");
    app.post(&base, &token, &json!({"name": "Sam", "phone": "call me"}))
        .await
        .invalid_field("phone");
    app.post(&base, &token, &json!({"name": "Sam", "nickname": "S"}))
        .await
        .invalid_field("nickname");
    assert!(app.get(&base, &token).await.ok(200)["data"]
        .as_array()
        .unwrap()
        .is_empty());
    let contact = app
        .post(&base, &token, &json!({"name": "Sam"}))
        .await
        .ok(201)
        .clone();
    let path = format!("{base}/{}", contact["id"].as_str().unwrap());
    app.patch(&path, &token, &json!({"email": "nope"}))
        .await
        .invalid_field("email");
    app.patch(&path, &token, &json!({"name": null}))
        .await
        .invalid_field("name");
    assert_eq!(app.get(&path, &token).await.ok(200)["name"], "Sam");
}

#[actix_web::test]
async fn contacts_are_scoped_to_their_vendor_and_organisation() {
    let app = spawn_app().await;
    let token = app.admin();
    let mine = app.create_vendor("Mine").await;
    let other_vendor = app.create_vendor("Other").await;
    let theirs = app.create_vendor_in(OTHER_ORG, "Theirs").await;
    let base = format!("/v1/vendors/{}/contacts", mine["id"].as_str().unwrap());
    let contact = app
        .post(&base, &token, &json!({"name": "Sam"}))
        .await
        .ok(201)
        .clone();
    let cid = contact["id"].as_str().unwrap();
    // Under another vendor the contact does not exist.
    app.get(
        &format!(
            "/v1/vendors/{}/contacts/{cid}",
            other_vendor["id"].as_str().unwrap()
        ),
        &token,
    )
    .await
    .problem(404);
    // Another organisation's vendor is a 404 for every verb.
    let their_base = format!("/v1/vendors/{}/contacts", theirs["id"].as_str().unwrap());
    app.post(&their_base, &token, &json!({"name": "Intruder"}))
        .await
        .problem(404);
    // Another organisation cannot reach my contact.
    let their_token = app.token(OTHER_ORG, &[annexa::domain::roles::Role::Admin]);
    app.get(&format!("{base}/{cid}"), &their_token)
        .await
        .problem(404);
    app.delete(&format!("{base}/{cid}"), &their_token)
        .await
        .problem(404);
    app.get(&format!("{base}/{cid}"), &token).await.ok(200);
}

#[actix_web::test]
async fn a_vendor_takes_at_most_100_contacts() {
    let app = spawn_app().await;
    let token = app.admin();
    let vendor = app.create_vendor("Acme").await;
    let base = format!("/v1/vendors/{}/contacts", vendor["id"].as_str().unwrap());
    for i in 0..100 {
        app.post(&base, &token, &json!({"name": format!("Person {i}")}))
            .await
            .ok(201);
    }
    app.post(&base, &token, &json!({"name": "One too many"}))
        .await
        .problem(409);
    assert_eq!(
        app.get(&base, &token).await.ok(200)["data"]
            .as_array()
            .unwrap()
            .len(),
        100
    );
}
