//! Builds the application from settings and runs it.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, ErrorHandlers};
use actix_web::{web, App, HttpServer};

use crate::api::extract::BodyLimit;
use crate::api::problem::{normalize_error_response, ApiError};
use crate::api::{self, AppState};
use crate::auth::{self, Authenticator};
use crate::config::{DatabaseUrl, Settings};
use crate::db::{self, Pool};
use crate::service;
use crate::storage::EvidenceStore;
use crate::telemetry;

const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(100);

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] db::DbError),
    #[error(transparent)]
    Auth(#[from] auth::AuthSetupError),
    #[error("cannot open the evidence directory {dir}: {source}")]
    Evidence { dir: String, source: std::io::Error },
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: String,
        source: std::io::Error,
    },
}

/// What `serve` needs before it can accept requests.
pub struct Prepared {
    pub settings: Settings,
    pub pool: Pool,
    /// SQLite only: connections for short reads on the worker threads.
    pub worker_readers: Option<Pool>,
    pub authenticator: Arc<Authenticator>,
    pub evidence: EvidenceStore,
    /// True on first start: the signing secret was just generated.
    pub secret_created: bool,
    pub applied_migrations: Vec<String>,
}

/// Connects, migrates, and loads (or on first start creates) the signing secret.
pub fn prepare(settings: Settings) -> Result<Prepared, StartError> {
    let (secret, secret_created) = auth::load_or_create_secret(&settings)?;
    let authenticator = Arc::new(Authenticator::new(&settings, &secret)?);
    let evidence = EvidenceStore::open(&settings.evidence_dir, settings.evidence_max_bytes)
        .map_err(|source| StartError::Evidence {
            dir: settings.evidence_dir.display().to_string(),
            source,
        })?;
    let pool = db::connect(&settings.database, settings.db_pool_size)?;
    let mut conn = pool.get().map_err(db::DbError::from)?;
    let applied_migrations = db::migrate(&mut conn)?;
    drop(conn);
    let workers = settings.workers.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let worker_readers = db::connect_worker_readers(
        &settings.database,
        u32::try_from(workers).unwrap_or(u32::MAX),
    )?;
    Ok(Prepared {
        settings,
        pool,
        worker_readers,
        authenticator,
        evidence,
        secret_created,
        applied_migrations,
    })
}

pub struct Application {
    pub port: u16,
    pub server: Server,
}

/// Binds the listener (port 0 picks a free port) and builds the server; await `server` to run.
pub fn start(prepared: &Prepared) -> Result<Application, StartError> {
    let settings = &prepared.settings;
    let listener = TcpListener::bind(settings.listen).map_err(|source| StartError::Listen {
        address: settings.listen.to_string(),
        source,
    })?;
    let port = listener
        .local_addr()
        .map_err(|source| StartError::Listen {
            address: settings.listen.to_string(),
            source,
        })?
        .port();
    let backend = settings.database.backend_name();
    let state = web::Data::new(AppState {
        pool: prepared.pool.clone(),
        worker_readers: prepared.worker_readers.clone(),
        backend,
        evidence: prepared.evidence.clone(),
        webhooks: settings.webhooks.clone(),
        outbound: crate::webhooks::guard::client(
            &settings.webhooks.allow,
            settings.webhooks.timeout,
        ),
        answers: Default::default(),
    });
    let authenticator = web::Data::new(prepared.authenticator.clone());
    let body_limit = BodyLimit(settings.body_limit_bytes);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(authenticator.clone())
            .app_data(body_limit)
            .configure(api::routes)
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(ApiError::not_found("no such resource"))
            }))
            .wrap(ErrorHandlers::new().default_handler(normalize_error_response))
            .wrap(from_fn(telemetry::request_context))
    })
    .listen(listener)
    .map_err(|source| StartError::Listen {
        address: settings.listen.to_string(),
        source,
    })?;
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    if matches!(settings.database, DatabaseUrl::Sqlite(_)) {
        spawn_checkpointer(prepared.pool.clone());
    }
    spawn_scheduled_checks(
        prepared.pool.clone(),
        Duration::from_secs(settings.scheduled_check_seconds),
        settings.contract_notice_days.clone(),
    );
    crate::webhooks::dispatcher::spawn(prepared.pool.clone(), settings.webhooks.clone());
    Ok(Application {
        port,
        server: server.run(),
    })
}

/// Keeps the SQLite WAL short in the background so that commits never stall on a checkpoint.
fn spawn_checkpointer(pool: Pool) {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(CHECKPOINT_INTERVAL);
        loop {
            ticks.tick().await;
            let pool = pool.clone();
            let result = web::block(move || {
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                db::checkpoint(&mut conn).map_err(|e| e.to_string())
            })
            .await;
            if let Ok(Err(cause)) = result {
                tracing::warn!(error = %cause, "WAL checkpoint failed");
            }
        }
    });
}

/// The date-driven checks, at start and then every `every`: overdue assessments, expiring,
/// renewed and expired contracts, reassessment cadence, lapsed risk acceptances. Each commits on
/// its own, so one failing does not hold back the others.
fn spawn_scheduled_checks(pool: Pool, every: Duration, notice_days: Vec<u32>) {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(every);
        loop {
            ticks.tick().await;
            let pool = pool.clone();
            let notice_days = notice_days.clone();
            let ran = web::block(move || run_scheduled_checks(&pool, &notice_days)).await;
            if let Err(cause) = ran {
                tracing::warn!(error = %cause, "scheduled checks did not run");
            }
        }
    });
}

fn run_scheduled_checks(pool: &Pool, notice_days: &[u32]) {
    match service::assessments::raise_overdue(pool) {
        Ok(0) => {}
        Ok(raised) => tracing::info!(raised, "overdue assessments raised"),
        Err(cause) => tracing::warn!(error = %cause, "overdue check failed"),
    }
    match service::contracts::check_dates(pool, notice_days) {
        Ok(done) if done == Default::default() => {}
        Ok(done) => tracing::info!(
            expiring = done.expiring_raised,
            renewed = done.renewed,
            expired = done.expired,
            "contract dates checked"
        ),
        Err(cause) => tracing::warn!(error = %cause, "contract date check failed"),
    }
    match service::risk::check_cadence(pool) {
        Ok(0) => {}
        Ok(flagged) => tracing::info!(flagged, "vendors due for reassessment"),
        Err(cause) => tracing::warn!(error = %cause, "reassessment cadence check failed"),
    }
    match service::findings::lapse_acceptances(pool) {
        Ok(0) => {}
        Ok(reopened) => tracing::info!(reopened, "lapsed risk acceptances reopened"),
        Err(cause) => tracing::warn!(error = %cause, "risk acceptance check failed"),
    }
}
