//! The `annexa` binary's subcommands, run as a user would.

use std::process::Command;

use crate::helpers::spawn_with;

fn annexa() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_annexa"));
    for (key, _) in std::env::vars() {
        if key.starts_with("ANNEXA_") {
            command.env_remove(key);
        }
    }
    command
}

#[actix_web::test]
async fn a_token_from_the_cli_is_accepted_by_a_server_with_the_same_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let output = annexa()
        .args([
            "token",
            "--org",
            "acme",
            "--role",
            "auditor",
            "--role",
            "risk_manager",
            "--sub",
            "ann",
            "--ttl",
            "1h",
        ])
        .env("ANNEXA_DATA_DIR", dir.path())
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let secret = std::fs::read_to_string(dir.path().join("jwt-secret")).unwrap();
    let app = spawn_with(|s| s.jwt_secret = Some(secret)).await;
    app.get("/v1/vendors", &token).await.ok(200);
    app.post(
        "/v1/vendors",
        &token,
        &serde_json::json!({"legal_name": "X"}),
    )
    .await
    .ok(201);
}

#[test]
fn invalid_settings_are_named_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("ANNEXA_LISTEN", "not-an-address"),
        ("ANNEXA_LOG_FORMAT", "xml"),
        ("ANNEXA_DATABASE_URL", "mysql://localhost/db"),
        ("ANNEXA_DB_POOL_SIZE", "lots"),
    ];
    for (key, value) in cases {
        let output = annexa()
            .arg("migrate")
            .env("ANNEXA_DATA_DIR", dir.path())
            .env(key, value)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(!output.status.success(), "{key}={value} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr).to_uppercase();
        assert!(
            stderr.contains(key) || stderr.contains(&key["ANNEXA_".len()..]),
            "{key}: {stderr}"
        );
    }
}

#[test]
fn the_settings_file_is_read_and_the_environment_wins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("annexa.toml"), "log_format = \"yaml\"\n").unwrap();
    let output = annexa()
        .arg("migrate")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("ANNEXA_LOG_FORMAT"));
    let output = annexa()
        .arg("migrate")
        .env("ANNEXA_LOG_FORMAT", "json")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dir.path().join("data/annexa.db").exists());
}

#[test]
fn token_refuses_unknown_roles() {
    let dir = tempfile::tempdir().unwrap();
    let output = annexa()
        .args(["token", "--org", "acme", "--role", "superuser"])
        .env("ANNEXA_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("superuser"));
}

fn seed(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    annexa()
        .arg("seed")
        .args(args)
        .env("ANNEXA_DATA_DIR", dir)
        .output()
        .unwrap()
}

#[test]
fn seed_fills_an_empty_organisation_once_and_refuses_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    for (args, named) in [
        (&["--org", "", "--scale", "0.001"][..], "--org"),
        (&["--org", "acme", "--scale", "0"][..], "--scale"),
        (&["--org", "acme", "--scale", "11"][..], "--scale"),
        (
            &["--org", "acme", "--scale", "0.001", "--template", "nope"][..],
            "--template",
        ),
    ] {
        let output = seed(dir.path(), args);
        assert!(!output.status.success(), "{args:?} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(named), "{args:?}: {stderr}");
    }

    let output = seed(dir.path(), &["--org", "acme", "--scale", "0.001"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["vendors"], 100);
    assert_eq!(report["ai_services"], 200);
    assert_eq!(report["assessments"], 0);

    let again = seed(dir.path(), &["--org", "acme", "--scale", "0.001"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has vendors"));
}
