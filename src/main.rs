use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use annexa::auth::{self, Authenticator};
use annexa::config::Settings;
use annexa::domain::roles::Role;
use annexa::{api, db, server, service, telemetry};

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The organisation the first-start token is issued for.
const BOOTSTRAP_ORG: &str = "default";
const BOOTSTRAP_TTL_SECONDS: i64 = 24 * 3600;

#[derive(Parser)]
#[command(
    name = "annexa",
    version,
    about = "Govern the AI you buy and sell (ISO/IEC 42001 Annex A)"
)]
struct Cli {
    /// Settings file (TOML). Defaults to ./annexa.toml when present.
    #[arg(long, global = true, env = "ANNEXA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations and serve the API.
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Print a signed token accepted by a server with the same settings.
    Token {
        /// Organisation (tenant) id.
        #[arg(long)]
        org: String,
        /// Role; repeat for several. One of admin, risk_manager, procurement, sales, auditor.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Subject: who the token speaks for.
        #[arg(long, default_value = "cli")]
        sub: String,
        /// Lifetime, e.g. 3600, 90m, 12h, 30d.
        #[arg(long, default_value = "12h")]
        ttl: String,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Fill an empty organisation with a synthetic portfolio for benchmarks and demos
    /// (vendors, AI services, use cases, contracts with clauses, assessments); prints counts.
    Seed {
        /// Organisation (tenant) id; it must have no vendors yet.
        #[arg(long)]
        org: String,
        /// Multiplies 100,000 vendors, 200,000 AI services, 300,000 use cases, 50,000
        /// assessments and 100,000 contracts.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Published questionnaire template the assessments answer; without it none are seeded.
        #[arg(long)]
        template: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    if let Command::Openapi = cli.command {
        print!("{}", api::openapi::document_json());
        return Ok(());
    }
    let settings = Settings::load(cli.config.as_deref()).map_err(|e| e.to_string())?;
    match cli.command {
        Command::Serve => serve(settings),
        Command::Migrate => {
            let pool = db::connect(&settings.database, 1).map_err(|e| e.to_string())?;
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            let applied = db::migrate(&mut conn).map_err(|e| e.to_string())?;
            if applied.is_empty() {
                println!("database is up to date");
            }
            for name in applied {
                println!("applied {name}");
            }
            Ok(())
        }
        Command::Token {
            org,
            roles,
            sub,
            ttl,
        } => {
            let roles = roles
                .iter()
                .map(|r| Role::parse(r).ok_or_else(|| format!("unknown role '{r}'")))
                .collect::<Result<Vec<_>, _>>()?;
            check_org(&org)?;
            let ttl = auth::parse_ttl(&ttl).map_err(|e| format!("--ttl: {e}"))?;
            let (secret, _) = auth::load_or_create_secret(&settings).map_err(|e| e.to_string())?;
            let authenticator =
                Authenticator::new(&settings, &secret).map_err(|e| e.to_string())?;
            println!("{}", authenticator.issue(&sub, &org, &roles, ttl));
            Ok(())
        }
        Command::Seed {
            org,
            scale,
            template,
        } => {
            check_org(&org)?;
            if !(scale > 0.0 && scale <= 10.0) {
                return Err("--scale must be above 0 and at most 10".into());
            }
            let pool = db::connect(&settings.database, 1).map_err(|e| e.to_string())?;
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            db::migrate(&mut conn).map_err(|e| e.to_string())?;
            drop(conn);
            let mut plan = service::seed::Scale::portfolio(scale);
            if template.is_none() {
                plan.assessments = 0;
            }
            let report =
                service::seed::portfolio(&pool, &org, plan, template.as_deref()).map_err(|e| {
                    match e {
                        service::ServiceError::Validation(errors) => errors
                            .iter()
                            .map(|f| format!("--{}: {}", f.field, f.message))
                            .collect::<Vec<_>>()
                            .join("; "),
                        other => other.to_string(),
                    }
                })?;
            println!(
                "{}",
                serde_json::to_string(&report).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Command::Openapi => unreachable!("handled above"),
    }
}

fn check_org(org: &str) -> Result<(), String> {
    if org.trim().is_empty() || org.len() > 100 {
        return Err("--org must be 1 to 100 characters".into());
    }
    Ok(())
}

fn serve(settings: Settings) -> Result<(), String> {
    telemetry::init(settings.log_format);
    let prepared = server::prepare(settings).map_err(|e| e.to_string())?;
    for name in &prepared.applied_migrations {
        tracing::info!(migration = %name, "applied migration");
    }
    if prepared.secret_created {
        let token = prepared.authenticator.issue(
            "bootstrap-admin",
            BOOTSTRAP_ORG,
            &[Role::Admin],
            BOOTSTRAP_TTL_SECONDS,
        );
        println!(
            "\nFirst start: a signing secret was created in {}.\n\
             Admin token for organisation '{BOOTSTRAP_ORG}' (valid 24 hours, shown only now):\n\n{token}\n\n\
             Get another at any time with:\n  cargo run --release -- token --org {BOOTSTRAP_ORG} --role admin --sub you@example.com\n",
            prepared.settings.data_dir.display()
        );
    } else {
        println!(
            "Get a token with:\n  cargo run --release -- token --org {BOOTSTRAP_ORG} --role admin --sub you@example.com"
        );
    }
    let listen = prepared.settings.listen;
    actix_web::rt::System::new().block_on(async move {
        let app = server::start(&prepared).map_err(|e| e.to_string())?;
        tracing::info!(
            address = %listen,
            port = app.port,
            database = prepared.settings.database.backend_name(),
            "annexa is listening; docs at /docs"
        );
        app.server.await.map_err(|e| e.to_string())
    })
}
