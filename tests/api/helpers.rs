//! Starts the real application on port 0 with a database of its own, and talks HTTP to it.
//!
//! SQLite (a temp file) by default; PostgreSQL (a fresh schema per test) when
//! `ANNEXA_TEST_DATABASE_URL` holds a `postgres://` URL.

use std::path::PathBuf;
use std::sync::Arc;

use annexa::auth::Authenticator;
use annexa::config::{DatabaseUrl, ExternalIdpSettings, RawSettings, Settings};
use annexa::db;
use annexa::domain::roles::Role;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123456789";
pub const ORG: &str = "org-a";
pub const OTHER_ORG: &str = "org-b";

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .expect("fixture exists")
}

enum TestDb {
    Sqlite,
    /// Another app's database, dropped by that app.
    Shared,
    Postgres {
        admin_url: String,
        schema: String,
    },
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database: DatabaseUrl,
    pub evidence_dir: PathBuf,
    authenticator: Arc<Authenticator>,
    db: TestDb,
    _dir: tempfile::TempDir,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, schema } = &self.db {
            if let Ok(mut conn) = diesel::pg::PgConnection::establish(admin_url) {
                let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
            }
        }
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json body with this status and returns it.
    #[track_caller]
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.body
        );
        assert_eq!(self.body["status"], status);
        assert!(self.body["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:annexa:problem:"));
        &self.body
    }

    /// Asserts a 422 naming `field`.
    #[track_caller]
    pub fn invalid_field(&self, field: &str) {
        let body = self.problem(422);
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .expect("errors list")
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "expected {field} among {fields:?}");
    }

    #[track_caller]
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        &self.body
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// The database URL a process needs to open `app`'s database.
pub fn database_url(app: &TestApp) -> String {
    match &app.database {
        DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        DatabaseUrl::Postgres(url) => url.clone(),
    }
}

/// A second app on `first`'s database, as a second replica would run.
pub async fn spawn_beside(first: &TestApp, customize: impl FnOnce(&mut RawSettings)) -> TestApp {
    let url = database_url(first);
    spawn_on(Some((url, TestDb::Shared)), customize).await
}

pub async fn spawn_with(customize: impl FnOnce(&mut RawSettings)) -> TestApp {
    spawn_on(None, customize).await
}

/// The test server's URL with `sslmode=disable` unless it names a mode. Loopback connections to
/// it need no TLS, and without TLS libpq never starts OpenSSL, whose exit handler can crash the
/// test process (SIGSEGV after every test passed) while other threads still hold TLS
/// connections.
fn without_tls(url: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("ANNEXA_TEST_DATABASE_URL is a URL");
    if !parsed.query_pairs().any(|(key, _)| key == "sslmode") {
        parsed.query_pairs_mut().append_pair("sslmode", "disable");
    }
    parsed.to_string()
}

fn fresh_database(dir: &tempfile::TempDir) -> (String, TestDb) {
    match std::env::var("ANNEXA_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let url = without_tls(&url);
            let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
            let mut admin =
                diesel::pg::PgConnection::establish(&url).expect("connect to the test PostgreSQL");
            admin
                .batch_execute(&format!("CREATE SCHEMA \"{schema}\""))
                .expect("create schema");
            let mut scoped = url::Url::parse(&url).expect("a URL");
            scoped
                .query_pairs_mut()
                .append_pair("options", &format!("-csearch_path={schema}"));
            (
                scoped.to_string(),
                TestDb::Postgres {
                    admin_url: url,
                    schema,
                },
            )
        }
        _ => (
            format!("sqlite://{}", dir.path().join("annexa.db").display()),
            TestDb::Sqlite,
        ),
    }
}

async fn spawn_on(
    shared: Option<(String, TestDb)>,
    customize: impl FnOnce(&mut RawSettings),
) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let (database_url, test_db) = match shared {
        Some(shared) => shared,
        None => fresh_database(&dir),
    };
    let mut raw = RawSettings {
        database_url: Some(database_url),
        listen: "127.0.0.1:0".into(),
        workers: Some(1),
        db_pool_size: 4,
        jwt_secret: Some(SECRET.into()),
        data_dir: dir.path().to_owned(),
        ..RawSettings::default()
    };
    customize(&mut raw);
    let settings = Settings::validate(raw).expect("valid test settings");
    let prepared = tokio::task::spawn_blocking(move || annexa::server::prepare(settings))
        .await
        .unwrap()
        .expect("app prepares");
    let app = annexa::server::start(&prepared).expect("app starts");
    actix_web::rt::spawn(app.server);
    TestApp {
        address: format!("http://127.0.0.1:{}", app.port),
        client: reqwest::Client::new(),
        database: prepared.settings.database.clone(),
        evidence_dir: prepared.settings.evidence_dir.clone(),
        authenticator: prepared.authenticator.clone(),
        db: test_db,
        _dir: dir,
    }
}

pub fn external_idp(algorithm: &str, public_key: &str, issuer: &str) -> ExternalIdpSettings {
    ExternalIdpSettings {
        issuer: issuer.into(),
        audience: "annexa-test".into(),
        algorithm: algorithm.into(),
        public_key_pem: Some(fixture(public_key)),
        public_key_file: None,
        kid: None,
    }
}

impl TestApp {
    pub fn token(&self, org: &str, roles: &[Role]) -> String {
        self.authenticator
            .issue("tester@example.com", org, roles, 3600)
    }

    pub fn admin(&self) -> String {
        self.token(ORG, &[Role::Admin])
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body read");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(self.client.get(self.url(path)).bearer_auth(token))
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .post(self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .patch(self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.send(
            self.client
                .put(self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    /// The actions of the audit records about one kind of entity, newest first.
    pub async fn audit_actions(&self, token: &str, entity_type: &str) -> Vec<String> {
        let page = self
            .get(
                &format!("/v1/audit-events?entity_type={entity_type}"),
                token,
            )
            .await;
        page.ok(200)["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect()
    }

    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.send(self.client.delete(self.url(path)).bearer_auth(token))
            .await
    }

    /// Creates a vendor as admin of `org` and returns its body.
    pub async fn create_vendor_in(&self, org: &str, legal_name: &str) -> Value {
        let token = self.token(org, &[Role::Admin]);
        self.post("/v1/vendors", &token, &json!({ "legal_name": legal_name }))
            .await
            .ok(201)
            .clone()
    }

    pub async fn create_vendor(&self, legal_name: &str) -> Value {
        self.create_vendor_in(ORG, legal_name).await
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.db, TestDb::Postgres { .. })
    }

    /// Sends `content` as the raw body, declared as `content_type`.
    pub async fn upload(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        content: &[u8],
    ) -> Reply {
        self.send(
            self.client
                .post(self.url(path))
                .bearer_auth(token)
                .header("content-type", content_type)
                .body(content.to_vec()),
        )
        .await
    }

    /// The number of rows `sql` (a `SELECT COUNT(*) AS n ...`) counts.
    pub fn count_rows(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = db::establish(&self.database).expect("connect");
        let rows: Vec<Count> = match &mut conn {
            db::DbConn::Sqlite(c) => diesel::RunQueryDsl::load(diesel::sql_query(sql), c),
            db::DbConn::Pg(c) => diesel::RunQueryDsl::load(diesel::sql_query(sql), c),
        }
        .expect("count query runs");
        rows[0].n
    }

    /// Runs SQL straight against the app's database, as someone with database access would.
    pub fn execute_sql(&self, sql: &str) -> Result<(), diesel::result::Error> {
        let mut conn = db::establish(&self.database).expect("connect");
        match &mut conn {
            db::DbConn::Sqlite(c) => c.batch_execute(sql),
            db::DbConn::Pg(c) => c.batch_execute(sql),
        }
    }
}
