use crate::helpers::spawn_app;

#[actix_web::test]
async fn healthz_answers_without_a_token() {
    let app = spawn_app().await;
    let reply = app.send(app.client.get(app.url("/healthz"))).await;
    assert_eq!(reply.ok(200)["status"], "ok");
}

#[actix_web::test]
async fn readyz_checks_the_database() {
    let app = spawn_app().await;
    let reply = app.send(app.client.get(app.url("/readyz"))).await;
    let expected = if app.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(reply.ok(200)["database"], expected);
}

#[actix_web::test]
async fn every_response_carries_a_request_id_and_keeps_the_callers() {
    let app = spawn_app().await;
    let reply = app.send(app.client.get(app.url("/healthz"))).await;
    assert!(reply.header("x-request-id").is_some_and(|v| v.len() >= 32));
    let reply = app
        .send(
            app.client
                .get(app.url("/healthz"))
                .header("x-request-id", "trace-123"),
        )
        .await;
    assert_eq!(reply.header("x-request-id"), Some("trace-123"));
}

#[actix_web::test]
async fn docs_are_served_from_vendored_assets() {
    let app = spawn_app().await;
    let reply = app.send(app.client.get(app.url("/docs/"))).await;
    assert_eq!(reply.status, 200);
    let html = reply.body.as_str().expect("html");
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("unpkg.com") && !html.contains("cdn."),
        "docs must not load from a CDN"
    );
    let reply = app
        .send(app.client.get(app.url("/docs/swagger-ui-bundle.js")))
        .await;
    assert_eq!(reply.status, 200);
}

#[actix_web::test]
async fn unknown_routes_and_methods_answer_problem_json() {
    let app = spawn_app().await;
    let reply = app.get("/v1/nowhere", &app.admin()).await;
    reply.problem(404);
    let reply = app
        .send(
            app.client
                .put(app.url("/v1/vendors"))
                .bearer_auth(app.admin()),
        )
        .await;
    reply.problem(405);
    assert_eq!(reply.header("allow"), Some("GET, POST"));
}
