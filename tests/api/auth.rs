use annexa::domain::roles::Role;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::helpers::{external_idp, fixture, spawn_app, spawn_with, TestApp, ORG, SECRET};

fn claims(overrides: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut base = json!({
        "sub": "mallory", "org": ORG, "roles": ["admin"],
        "iss": "annexa", "aud": "annexa", "iat": now, "exp": now + 600
    });
    for (k, v) in overrides.as_object().unwrap() {
        if v.is_null() {
            base.as_object_mut().unwrap().remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

fn hs256(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn signed(alg: Algorithm, key: EncodingKey, claims: &Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &key).unwrap()
}

#[track_caller]
fn assert_unauthorized(reply: &crate::helpers::Reply) {
    reply.problem(401);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
}

async fn list_with(app: &TestApp, token: &str) -> crate::helpers::Reply {
    app.get("/v1/vendors", token).await
}

#[actix_web::test]
async fn a_missing_or_malformed_authorization_header_is_401() {
    let app = spawn_app().await;
    assert_unauthorized(&app.send(app.client.get(app.url("/v1/vendors"))).await);
    let basic = app
        .client
        .get(app.url("/v1/vendors"))
        .header("authorization", "Basic Zm9vOmJhcg==");
    assert_unauthorized(&app.send(basic).await);
    assert_unauthorized(&list_with(&app, "not-a-jwt").await);
}

#[actix_web::test]
async fn a_valid_local_token_is_accepted() {
    let app = spawn_app().await;
    list_with(&app, &hs256(&claims(json!({})), SECRET))
        .await
        .ok(200);
}

#[actix_web::test]
async fn a_token_accepted_once_is_refused_once_it_expires() {
    let app = spawn_app().await;
    // Expired 27 s ago: still inside the 30 s leeway for about 3 s.
    let now = chrono::Utc::now().timestamp();
    let token = hs256(&claims(json!({"exp": now - 27})), SECRET);
    list_with(&app, &token).await.ok(200);
    tokio::time::sleep(std::time::Duration::from_millis(4_500)).await;
    assert_unauthorized(&list_with(&app, &token).await);
}

#[actix_web::test]
async fn token_attacks_are_refused() {
    let app = spawn_with(|s| {
        s.external_idp = vec![external_idp("RS256", "rsa-public.pem", "https://idp.test/")];
    })
    .await;
    let now = chrono::Utc::now().timestamp();

    // Expired beyond the leeway; not yet valid.
    assert_unauthorized(&list_with(&app, &hs256(&claims(json!({"exp": now - 120})), SECRET)).await);
    assert_unauthorized(&list_with(&app, &hs256(&claims(json!({"nbf": now + 600})), SECRET)).await);
    // Wrong audience or issuer; missing exp.
    assert_unauthorized(
        &list_with(
            &app,
            &hs256(&claims(json!({"aud": "someone-else"})), SECRET),
        )
        .await,
    );
    assert_unauthorized(&list_with(&app, &hs256(&claims(json!({"iss": "evil"})), SECRET)).await);
    assert_unauthorized(&list_with(&app, &hs256(&claims(json!({"exp": null})), SECRET)).await);
    // Signed with another secret.
    assert_unauthorized(
        &list_with(
            &app,
            &hs256(&claims(json!({})), "another-secret-another-secret-0000"),
        )
        .await,
    );
    // alg: none.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(json!({})).to_string());
    assert_unauthorized(&list_with(&app, &format!("{header}.{payload}.")).await);
    // HS256 signed with the identity provider's public key as the secret.
    let confused = hs256(
        &claims(json!({"iss": "https://idp.test/", "aud": "annexa-test"})),
        &fixture("rsa-public.pem"),
    );
    assert_unauthorized(&list_with(&app, &confused).await);
    // A valid token whose payload was edited afterwards.
    let valid = hs256(&claims(json!({})), SECRET);
    // Accepted first, so that the server remembers it as verified.
    list_with(&app, &valid).await.ok(200);
    let parts: Vec<&str> = valid.split('.').collect();
    let forged = URL_SAFE_NO_PAD.encode(claims(json!({"org": "org-b"})).to_string());
    assert_unauthorized(&list_with(&app, &format!("{}.{}.{}", parts[0], forged, parts[2])).await);
    // No organisation claim.
    assert_unauthorized(&list_with(&app, &hs256(&claims(json!({"org": null})), SECRET)).await);
    // An algorithm no key is configured for.
    let es = signed(
        Algorithm::ES256,
        EncodingKey::from_ec_pem(fixture("ec-private.pem").as_bytes()).unwrap(),
        &claims(json!({})),
    );
    assert_unauthorized(&list_with(&app, &es).await);
    // RS256 from the right issuer but signed by another key.
    let other = signed(
        Algorithm::RS256,
        EncodingKey::from_rsa_pem(fixture("rsa-other-private.pem").as_bytes()).unwrap(),
        &claims(json!({"iss": "https://idp.test/", "aud": "annexa-test"})),
    );
    assert_unauthorized(&list_with(&app, &other).await);
}

#[actix_web::test]
async fn external_identity_provider_tokens_are_verified_with_their_pinned_key() {
    let app = spawn_with(|s| {
        s.external_idp = vec![
            external_idp("RS256", "rsa-public.pem", "https://rsa.idp.test/"),
            external_idp("ES256", "ec-public.pem", "https://ec.idp.test/"),
            external_idp("EdDSA", "ed-public.pem", "https://ed.idp.test/"),
        ];
    })
    .await;
    let cases = [
        (
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(fixture("rsa-private.pem").as_bytes()).unwrap(),
            "https://rsa.idp.test/",
        ),
        (
            Algorithm::ES256,
            EncodingKey::from_ec_pem(fixture("ec-private.pem").as_bytes()).unwrap(),
            "https://ec.idp.test/",
        ),
        (
            Algorithm::EdDSA,
            EncodingKey::from_ed_pem(fixture("ed-private.pem").as_bytes()).unwrap(),
            "https://ed.idp.test/",
        ),
    ];
    for (alg, key, issuer) in cases {
        let good = signed(
            alg,
            key.clone(),
            &claims(json!({"iss": issuer, "aud": "annexa-test"})),
        );
        list_with(&app, &good).await.ok(200);
        // The key is bound to its issuer and audience.
        let wrong_issuer = signed(
            alg,
            key.clone(),
            &claims(json!({"iss": "https://other.test/", "aud": "annexa-test"})),
        );
        assert_unauthorized(&list_with(&app, &wrong_issuer).await);
        let wrong_audience = signed(alg, key, &claims(json!({"iss": issuer, "aud": "annexa"})));
        assert_unauthorized(&list_with(&app, &wrong_audience).await);
    }
}

#[actix_web::test]
async fn each_role_gets_what_it_may_and_nothing_more() {
    let app = spawn_app().await;
    let vendor = app.create_vendor("Role Test Ltd").await;
    let id = vendor["id"].as_str().unwrap();
    let path = format!("/v1/vendors/{id}");
    let body = json!({"legal_name": "Another Ltd"});

    for role in [
        Role::Admin,
        Role::RiskManager,
        Role::Procurement,
        Role::Sales,
        Role::Auditor,
    ] {
        let token = app.token(ORG, &[role]);
        app.get("/v1/vendors", &token).await.ok(200);
        app.get(&path, &token).await.ok(200);
        app.get(&format!("{path}/contacts"), &token).await.ok(200);
    }
    for role in [Role::Admin, Role::RiskManager, Role::Procurement] {
        let token = app.token(ORG, &[role]);
        app.post("/v1/vendors", &token, &body).await.ok(201);
        app.patch(&path, &token, &json!({"notes": role.as_str()}))
            .await
            .ok(200);
    }
    for role in [Role::Sales, Role::Auditor, Role::Vendor] {
        let token = app.token(ORG, &[role]);
        app.post("/v1/vendors", &token, &body).await.problem(403);
        app.patch(&path, &token, &json!({"notes": "x"}))
            .await
            .problem(403);
        app.post(
            &format!("{path}/status"),
            &token,
            &json!({"status": "in_review"}),
        )
        .await
        .problem(403);
        app.delete(&path, &token).await.problem(403);
    }
    // The vendor role is reserved for assessment links: it reads nothing yet.
    app.get("/v1/vendors", &app.token(ORG, &[Role::Vendor]))
        .await
        .problem(403);
    // A token with no known role can do nothing.
    app.get("/v1/vendors", &app.token(ORG, &[]))
        .await
        .problem(403);
    // Deleting needs admin or risk_manager.
    app.delete(&path, &app.token(ORG, &[Role::Procurement]))
        .await
        .problem(403);
    // The audit log is for admin, risk_manager and auditor.
    for role in [Role::Admin, Role::RiskManager, Role::Auditor] {
        app.get("/v1/audit-events", &app.token(ORG, &[role]))
            .await
            .ok(200);
        app.get("/v1/audit-events/verify", &app.token(ORG, &[role]))
            .await
            .ok(200);
    }
    for role in [Role::Procurement, Role::Sales, Role::Vendor] {
        app.get("/v1/audit-events", &app.token(ORG, &[role]))
            .await
            .problem(403);
    }
    app.delete(&path, &app.token(ORG, &[Role::RiskManager]))
        .await
        .ok(204);
    app.get(&path, &app.admin()).await.problem(404);
}
