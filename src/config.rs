//! Settings: defaults, then an optional TOML file, then `ANNEXA_*` environment variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use crate::domain::webhook::AllowList;

/// Name of the settings file read from the working directory when no other is named.
pub const DEFAULT_CONFIG_FILE: &str = "annexa.toml";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub listen: String,
    pub log_format: String,
    pub db_pool_size: u32,
    pub workers: Option<usize>,
    pub body_limit_bytes: usize,
    pub jwt_secret: Option<String>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub external_idp: Vec<ExternalIdpSettings>,
    /// Where evidence files are kept; `<data_dir>/evidence` when unset.
    pub evidence_dir: Option<PathBuf>,
    pub evidence_max_bytes: u64,
    /// How often the date-driven checks run: overdue assessments, expiring and expired
    /// contracts, reassessment cadence, lapsed risk acceptances.
    pub scheduled_check_seconds: u64,
    /// Days before a contract's notice or end date at which `contract.expiring` is raised.
    pub contract_notice_days: Vec<u32>,
    /// Delays between webhook delivery attempts, e.g. `["5s", "5m", "30m"]`; after the last
    /// one a delivery is given up.
    pub webhook_retry_schedule: Vec<String>,
    /// An endpoint failing without a success for this long is disabled.
    pub webhook_disable_after: String,
    /// How long one delivery attempt (or ticketing call) may take.
    pub webhook_timeout: String,
    /// How often the dispatcher looks for due deliveries.
    pub webhook_poll_interval: String,
    /// How long a rotated-out signing secret still signs deliveries.
    pub webhook_secret_grace: String,
    /// IP addresses or CIDR ranges deliveries may reach although they are loopback, private or
    /// link-local (refused by default).
    pub webhook_allow_networks: Vec<String>,
    /// Whether this process delivers webhooks and pushes tickets (turn off on API-only replicas).
    pub dispatch: bool,
}

impl Default for RawSettings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            database_url: None,
            listen: "127.0.0.1:8080".into(),
            log_format: "text".into(),
            db_pool_size: 8,
            workers: None,
            body_limit_bytes: 1024 * 1024,
            jwt_secret: None,
            jwt_issuer: "annexa".into(),
            jwt_audience: "annexa".into(),
            external_idp: Vec::new(),
            evidence_dir: None,
            evidence_max_bytes: 25 * 1024 * 1024,
            scheduled_check_seconds: 300,
            contract_notice_days: vec![60, 30, 7],
            webhook_retry_schedule: ["5s", "5m", "30m", "2h", "5h", "10h", "10h"]
                .map(String::from)
                .to_vec(),
            webhook_disable_after: "5d".into(),
            webhook_timeout: "15s".into(),
            webhook_poll_interval: "1s".into(),
            webhook_secret_grace: "24h".into(),
            webhook_allow_networks: Vec::new(),
            dispatch: true,
        }
    }
}

/// A trusted external identity provider whose tokens are verified with a public key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalIdpSettings {
    pub issuer: String,
    pub audience: String,
    /// One of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA.
    pub algorithm: String,
    pub public_key_pem: Option<String>,
    pub public_key_file: Option<PathBuf>,
    /// When set, tokens must carry this `kid` header to be checked against this key.
    pub kid: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        if let Some(path) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("a sqlite URL needs a file path, e.g. sqlite://data/annexa.db".into());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            url::Url::parse(raw).map_err(|e| format!("not a valid PostgreSQL URL: {e}"))?;
            return Ok(Self::Postgres(raw.to_owned()));
        }
        Err("must start with sqlite:// or postgres://".into())
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

/// Settings after validation: every value here is usable as is.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database: DatabaseUrl,
    pub listen: SocketAddr,
    pub log_format: LogFormat,
    pub db_pool_size: u32,
    pub workers: Option<usize>,
    pub body_limit_bytes: usize,
    pub jwt_secret: Option<String>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub external_idp: Vec<ExternalIdpSettings>,
    pub evidence_dir: PathBuf,
    pub evidence_max_bytes: u64,
    pub scheduled_check_seconds: u64,
    pub contract_notice_days: Vec<u32>,
    pub webhooks: WebhookSettings,
}

/// Outbound delivery settings, parsed.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub retry_schedule: Vec<Duration>,
    pub disable_after: Duration,
    pub timeout: Duration,
    pub poll_interval: Duration,
    pub secret_grace: Duration,
    pub allow: AllowList,
    pub dispatch: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {0}")]
    Source(#[from] Box<figment::Error>),
    #[error("invalid setting {setting}: {message}")]
    Invalid { setting: String, message: String },
}

fn invalid(setting: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        setting: setting.to_owned(),
        message: message.into(),
    }
}

impl Settings {
    /// Reads settings from `file` (or `annexa.toml` in the working directory when present) and
    /// from the environment; environment variables win.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(RawSettings::default()));
        match file {
            Some(path) => {
                if !path.exists() {
                    return Err(invalid(
                        "ANNEXA_CONFIG",
                        format!("settings file {} does not exist", path.display()),
                    ));
                }
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file(DEFAULT_CONFIG_FILE)),
        }
        figment = figment.merge(Env::prefixed("ANNEXA_").ignore(&["CONFIG"]).split("__"));
        let raw: RawSettings = figment.extract().map_err(Box::new)?;
        Self::validate(raw)
    }

    pub fn validate(raw: RawSettings) -> Result<Self, ConfigError> {
        let listen: SocketAddr = raw.listen.parse().map_err(|_| {
            invalid(
                "ANNEXA_LISTEN",
                format!(
                    "'{}' is not a socket address such as 127.0.0.1:8080",
                    raw.listen
                ),
            )
        })?;
        let log_format = match raw.log_format.as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(invalid(
                    "ANNEXA_LOG_FORMAT",
                    format!("'{other}' is not one of text, json"),
                ))
            }
        };
        if raw.data_dir.as_os_str().is_empty() {
            return Err(invalid("ANNEXA_DATA_DIR", "must not be empty"));
        }
        let database = match &raw.database_url {
            Some(url) => DatabaseUrl::parse(url).map_err(|m| invalid("ANNEXA_DATABASE_URL", m))?,
            None => DatabaseUrl::Sqlite(raw.data_dir.join("annexa.db")),
        };
        if raw.db_pool_size == 0 || raw.db_pool_size > 512 {
            return Err(invalid("ANNEXA_DB_POOL_SIZE", "must be between 1 and 512"));
        }
        if raw.workers == Some(0) {
            return Err(invalid("ANNEXA_WORKERS", "must be at least 1"));
        }
        if raw.body_limit_bytes < 1024 {
            return Err(invalid("ANNEXA_BODY_LIMIT_BYTES", "must be at least 1024"));
        }
        if let Some(secret) = &raw.jwt_secret {
            if secret.len() < 32 {
                return Err(invalid(
                    "ANNEXA_JWT_SECRET",
                    "must be at least 32 characters",
                ));
            }
        }
        if raw.jwt_issuer.trim().is_empty() {
            return Err(invalid("ANNEXA_JWT_ISSUER", "must not be empty"));
        }
        if raw.jwt_audience.trim().is_empty() {
            return Err(invalid("ANNEXA_JWT_AUDIENCE", "must not be empty"));
        }
        for (i, idp) in raw.external_idp.iter().enumerate() {
            let name = format!("external_idp[{i}]");
            if idp.public_key_pem.is_none() == idp.public_key_file.is_none() {
                return Err(invalid(
                    &name,
                    "set exactly one of public_key_pem, public_key_file",
                ));
            }
            if idp.issuer.trim().is_empty() || idp.audience.trim().is_empty() {
                return Err(invalid(&name, "issuer and audience must not be empty"));
            }
        }
        if raw.evidence_max_bytes == 0 || raw.evidence_max_bytes > 1024 * 1024 * 1024 {
            return Err(invalid(
                "ANNEXA_EVIDENCE_MAX_BYTES",
                "must be between 1 and 1073741824 (1 GiB)",
            ));
        }
        if raw.scheduled_check_seconds == 0 || raw.scheduled_check_seconds > 86_400 {
            return Err(invalid(
                "ANNEXA_SCHEDULED_CHECK_SECONDS",
                "must be between 1 and 86400",
            ));
        }
        if raw.contract_notice_days.is_empty()
            || raw.contract_notice_days.len() > 10
            || raw
                .contract_notice_days
                .iter()
                .any(|d| !(1..=365).contains(d))
        {
            return Err(invalid(
                "ANNEXA_CONTRACT_NOTICE_DAYS",
                "must list 1 to 10 day counts from 1 to 365, like [60,30,7]",
            ));
        }
        let webhooks = webhook_settings(&raw)?;
        let evidence_dir = match raw.evidence_dir {
            Some(dir) if dir.as_os_str().is_empty() => {
                return Err(invalid("ANNEXA_EVIDENCE_DIR", "must not be empty"))
            }
            Some(dir) => dir,
            None => raw.data_dir.join("evidence"),
        };
        Ok(Self {
            evidence_dir,
            evidence_max_bytes: raw.evidence_max_bytes,
            scheduled_check_seconds: raw.scheduled_check_seconds,
            contract_notice_days: raw.contract_notice_days,
            webhooks,
            data_dir: raw.data_dir,
            database,
            listen,
            log_format,
            db_pool_size: raw.db_pool_size,
            workers: raw.workers,
            body_limit_bytes: raw.body_limit_bytes,
            jwt_secret: raw.jwt_secret,
            jwt_issuer: raw.jwt_issuer,
            jwt_audience: raw.jwt_audience,
            external_idp: raw.external_idp,
        })
    }
}

fn duration(
    setting: &str,
    value: &str,
    min: Duration,
    max: Duration,
) -> Result<Duration, ConfigError> {
    let parsed = humantime::parse_duration(value.trim()).map_err(|_| {
        invalid(
            setting,
            format!("'{value}' is not a duration such as 500ms, 30s, 5m, 2h or 5d"),
        )
    })?;
    if parsed < min || parsed > max {
        return Err(invalid(
            setting,
            format!(
                "must be between {} and {}",
                humantime::format_duration(min),
                humantime::format_duration(max)
            ),
        ));
    }
    Ok(parsed)
}

fn webhook_settings(raw: &RawSettings) -> Result<WebhookSettings, ConfigError> {
    const DAY: Duration = Duration::from_secs(86_400);
    const MS: Duration = Duration::from_millis(1);
    if raw.webhook_retry_schedule.is_empty() || raw.webhook_retry_schedule.len() > 20 {
        return Err(invalid(
            "ANNEXA_WEBHOOK_RETRY_SCHEDULE",
            "must list 1 to 20 delays, like [\"5s\",\"5m\",\"30m\"]",
        ));
    }
    let retry_schedule = raw
        .webhook_retry_schedule
        .iter()
        .map(|d| duration("ANNEXA_WEBHOOK_RETRY_SCHEDULE", d, MS, DAY))
        .collect::<Result<Vec<_>, _>>()?;
    let allow = AllowList::parse(&raw.webhook_allow_networks)
        .map_err(|m| invalid("ANNEXA_WEBHOOK_ALLOW_NETWORKS", m))?;
    Ok(WebhookSettings {
        retry_schedule,
        disable_after: duration(
            "ANNEXA_WEBHOOK_DISABLE_AFTER",
            &raw.webhook_disable_after,
            MS,
            DAY * 90,
        )?,
        timeout: duration(
            "ANNEXA_WEBHOOK_TIMEOUT",
            &raw.webhook_timeout,
            MS * 100,
            Duration::from_secs(120),
        )?,
        poll_interval: duration(
            "ANNEXA_WEBHOOK_POLL_INTERVAL",
            &raw.webhook_poll_interval,
            MS * 10,
            Duration::from_secs(3600),
        )?,
        secret_grace: duration(
            "ANNEXA_WEBHOOK_SECRET_GRACE",
            &raw.webhook_secret_grace,
            Duration::ZERO,
            DAY * 30,
        )?,
        allow,
        dispatch: raw.dispatch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_database_is_sqlite_in_the_data_dir() {
        let settings = Settings::validate(RawSettings::default()).unwrap();
        assert_eq!(
            settings.database,
            DatabaseUrl::Sqlite(PathBuf::from("./data/annexa.db"))
        );
    }

    #[test]
    fn bad_settings_are_named() {
        let raw = RawSettings {
            listen: "nowhere".into(),
            ..RawSettings::default()
        };
        let err = Settings::validate(raw).unwrap_err().to_string();
        assert!(err.contains("ANNEXA_LISTEN"), "{err}");

        let raw = RawSettings {
            database_url: Some("mysql://x".into()),
            ..RawSettings::default()
        };
        let err = Settings::validate(raw).unwrap_err().to_string();
        assert!(err.contains("ANNEXA_DATABASE_URL"), "{err}");

        let raw = RawSettings {
            webhook_retry_schedule: vec!["5s".into(), "soon".into()],
            ..RawSettings::default()
        };
        let err = Settings::validate(raw).unwrap_err().to_string();
        assert!(err.contains("ANNEXA_WEBHOOK_RETRY_SCHEDULE"), "{err}");

        let raw = RawSettings {
            webhook_allow_networks: vec!["localhost".into()],
            ..RawSettings::default()
        };
        let err = Settings::validate(raw).unwrap_err().to_string();
        assert!(err.contains("ANNEXA_WEBHOOK_ALLOW_NETWORKS"), "{err}");
    }

    #[test]
    fn default_retry_schedule_spans_about_a_day() {
        let settings = Settings::validate(RawSettings::default()).unwrap();
        let total: Duration = settings.webhooks.retry_schedule.iter().sum();
        assert!(total > Duration::from_secs(20 * 3600) && total < Duration::from_secs(36 * 3600));
    }
}
