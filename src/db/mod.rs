//! Database access: one diesel code path over SQLite and PostgreSQL.

/// Runs `$run` with `$c` bound to the backend's own connection; used on the hot paths.
///
/// Through the multi-backend connection diesel renders a statement's SQL afresh on every
/// execution, even when the prepared statement is cached: its wrapper writes the SQL in the
/// pass that only collects bind values. That was a third of the CPU of
/// `GET /v1/vendors/{id}`. On the backend's own connection a cached statement is found by its
/// query type and only the binds are collected. `$run` is compiled once per backend, so that
/// types inferred from the backend (`as_select`) resolve in each.
macro_rules! on_backend {
    ($conn:expr, $c:ident => $run:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $run,
            $crate::db::DbConn::Pg($c) => $run,
        }
    };
}

/// Makes `$name<'_>`, a SQLite statement written out by hand, one whose text never changes (a
/// static query id), so that diesel prepares it once per connection and keeps it; diesel's own
/// `UPDATE` and `ON CONFLICT … DO UPDATE` are prepared anew on every execution. A statement over
/// a fixed number of rows, `$name<'_, N>`, has one text, and one query id, per `N`.
macro_rules! sqlite_static_statement {
    ($name:ident) => {
        impl diesel::query_builder::QueryId for $name<'_> {
            type QueryId = $name<'static>;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl diesel::RunQueryDsl<diesel::sqlite::SqliteConnection> for $name<'_> {}
    };
    ($name:ident<const $n:ident: usize>) => {
        impl<const $n: usize> diesel::query_builder::QueryId for $name<'_, $n> {
            type QueryId = $name<'static, $n>;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl<const $n: usize> diesel::RunQueryDsl<diesel::sqlite::SqliteConnection>
            for $name<'_, $n>
        {
        }
    };
}

/// Runs `$run` with `$group` bound to each fixed-size array of the slice `$rows` in turn: 64
/// rows, then 8, then one. A statement written for an array has one text per size, so each size
/// is prepared once per connection, where a slice of any length would be prepared anew every
/// time. 64 rows of the widest table stay far below either backend's limit on bound parameters.
macro_rules! in_fixed_groups {
    ($rows:expr, |$group:ident| $run:expr) => {{
        let mut rest = $rows;
        while let Some(($group, tail)) = rest.split_first_chunk::<64>() {
            $run;
            rest = tail;
        }
        while let Some(($group, tail)) = rest.split_first_chunk::<8>() {
            $run;
            rest = tail;
        }
        for row in rest {
            let $group = std::array::from_ref(row);
            $run;
        }
    }};
}

/// Inserts every row of the slice `$rows` into `$table`, several rows a statement
/// (`in_fixed_groups`: diesel gives an array insert a static query id).
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {{
        in_fixed_groups!($rows, |group| on_backend!(
            &mut *$conn, c => diesel::insert_into($table).values(group).execute(c)
        )?);
        diesel::QueryResult::Ok(())
    }};
}

pub mod ai_services;
pub mod answer_library;
pub mod assessments;
pub mod audit;
pub mod catalog;
pub mod contacts;
pub mod contracts;
pub mod customer_questionnaires;
pub mod evidence;
pub mod findings;
pub mod group_commit;
pub mod idempotency;
pub mod outbox;
pub mod procurement;
pub mod questionnaires;
pub mod risk;
pub mod schema;
pub mod seed;
pub mod subprocessors;
pub mod tickets;
pub mod vendors;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::result::Error as DieselError;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryResult, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::DatabaseUrl;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// A pool of connections and, on SQLite, the group commit its write commands share.
#[derive(Clone)]
pub struct Pool {
    connections: r2d2::Pool<ConnectionManager>,
    group_commit: Option<Arc<group_commit::GroupCommit>>,
}

pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

impl Pool {
    pub fn get(&self) -> Result<PooledConn, r2d2::Error> {
        self.connections.get()
    }

    /// An idle connection, or `None` at once when there is none.
    pub fn try_get(&self) -> Option<PooledConn> {
        self.connections.try_get()
    }
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Bound parameters per statement: under SQLite's limit (32,766) and PostgreSQL's (65,535).
pub(crate) const MAX_BINDS: usize = 30_000;

/// Held while migrating so that several replicas starting together migrate one at a time.
const MIGRATION_LOCK_KEY: i64 = 0x616e_6e65_7861;

// `temp_store = MEMORY`: SQLite's temporary files (the statement journals of statements that
// fire triggers or check foreign keys, large sorts) stay in memory; on disk, a 2,000-vendor
// first recompute made 151,000 pwrite calls, in memory 29,000.
// `wal_autocheckpoint = 100000`: the server's background task checkpoints the WAL every
// 100 ms; a commit checkpoints only when the WAL has outgrown that (400 MB), as a safety net. A
// commit's checkpoint runs while its writer holds the group commit (`group_commit`), so every
// queued command would wait for its `fsync`: at the earlier mark of 10,000 pages the server's
// core was idle in I/O waits for 15% of a run of `POST /v1/vendors`.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 5000; \
     PRAGMA wal_autocheckpoint = 100000; \
     PRAGMA temp_store = MEMORY;";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("database error: {0}")]
    Query(#[from] DieselError),
    #[error("cannot open connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("cannot create database directory {path}: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
}

pub struct ConnectionManager {
    url: DatabaseUrl,
    read_only: bool,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self {
            url,
            read_only: false,
        }
    }
}

pub fn establish(url: &DatabaseUrl) -> Result<DbConn, diesel::ConnectionError> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
            conn.batch_execute(SQLITE_PRAGMAS)
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(DbConn::Sqlite(conn))
        }
        DatabaseUrl::Postgres(url) => Ok(DbConn::Pg(PgConnection::establish(url)?)),
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = diesel::ConnectionError;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        let mut conn = establish(&self.url)?;
        if self.read_only {
            conn.batch_execute("PRAGMA query_only = ON")
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
        }
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        <DbConn as TransactionManager<DbConn>>::is_broken_transaction_manager(conn)
    }
}

/// Opens the pool; for SQLite the file's directory is created first.
pub fn connect(url: &DatabaseUrl, size: u32) -> Result<Pool, DbError> {
    if let DatabaseUrl::Sqlite(path) = url {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| DbError::Directory {
                path: dir.display().to_string(),
                source,
            })?;
        }
    }
    let pool = r2d2::Pool::builder()
        .max_size(size)
        // A SQLite connection is a file handle that does not go stale; checking it on every
        // checkout would cost a statement per request. PostgreSQL connections can drop.
        .test_on_check_out(matches!(url, DatabaseUrl::Postgres(_)))
        .connection_timeout(Duration::from_secs(10))
        .build(ConnectionManager::new(url.clone()))?;
    Ok(Pool {
        connections: pool,
        group_commit: matches!(url, DatabaseUrl::Sqlite(_)).then(Arc::default),
    })
}

/// Read-only connections for short reads served on the HTTP worker threads themselves, one per
/// worker: an inline read never yields, so a worker holds at most one at a time. SQLite only; a
/// WAL reader never waits for a writer. On PostgreSQL every statement is a network round trip,
/// so reads stay on the blocking pool and this is `None`.
pub fn connect_worker_readers(url: &DatabaseUrl, workers: u32) -> Result<Option<Pool>, DbError> {
    if !matches!(url, DatabaseUrl::Sqlite(_)) {
        return Ok(None);
    }
    let pool = r2d2::Pool::builder()
        .max_size(workers.max(1))
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(10))
        .build(ConnectionManager {
            url: url.clone(),
            read_only: true,
        })?;
    Ok(Some(Pool {
        connections: pool,
        group_commit: None,
    }))
}

/// Applies pending migrations and returns their names.
pub fn migrate(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(|e| DbError::Migration(e.to_string()))?
            .iter()
            .map(|v| v.to_string())
            .collect(),
        DbConn::Pg(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                .execute(c)?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|versions| versions.iter().map(|v| v.to_string()).collect())
                .map_err(|e| DbError::Migration(e.to_string()));
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
                .execute(c)?;
            result?
        }
    };
    Ok(applied)
}

/// Runs a write command in a transaction of its own, or on SQLite in its group's (see
/// [`group_commit`]); a connection from the pool holds it.
pub fn write<T, E, F>(pool: &Pool, command: &mut F) -> Result<T, E>
where
    F: FnMut(&mut DbConn) -> Result<T, E>,
    E: From<DieselError> + From<r2d2::Error> + group_commit::CommandFailure,
{
    match &pool.group_commit {
        Some(group) => group.run(&pool.connections, command),
        None => write_transaction(&mut *pool.get()?, command),
    }
}

/// Runs `f` in a write transaction on `conn`.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DieselError>,
{
    begin_write(conn)?;
    match f(conn) {
        Ok(value) => {
            <DbConn as TransactionManager<DbConn>>::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn) {
            Ok(()) | Err(DieselError::BrokenTransactionManager) => Err(error),
            Err(rollback_error) => Err(rollback_error.into()),
        },
    }
}

/// Opens a write transaction. SQLite takes the write lock up front (`BEGIN IMMEDIATE`): a
/// deferred transaction that later writes fails with SQLITE_BUSY instead of waiting.
fn begin_write(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c),
    }
}

/// Runs `f` in a read transaction so that it sees one consistent snapshot.
pub fn read_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<DieselError>,
{
    conn.transaction(f)
}

/// Moves WAL content into the database file without blocking writers, so that commits never
/// pay for a large checkpoint themselves.
pub fn checkpoint(conn: &mut DbConn) -> Result<(), DieselError> {
    if let DbConn::Sqlite(c) = conn {
        c.batch_execute("PRAGMA wal_checkpoint(PASSIVE)")?;
    }
    Ok(())
}

pub fn ping(conn: &mut DbConn) -> Result<(), DieselError> {
    conn.batch_execute("SELECT 1")
}

/// `column IN (ids)` for SQLite with the ids bound as one JSON array:
/// `column IN (SELECT value FROM json_each(?))`. Its SQL is the same whatever the number of ids,
/// so a query using it keeps its prepared statement in diesel's cache; diesel prepares a
/// statement with an `IN` list of binds (and any literal SQL) anew on every execution.
/// (PostgreSQL's own `eq_any`, `= ANY($1)`, is cached as it is.)
#[derive(Debug, Clone)]
pub(crate) struct SqliteOneOf<C> {
    column: C,
    ids: String,
}

pub(crate) fn sqlite_one_of<C>(column: C, ids: &[String]) -> SqliteOneOf<C> {
    SqliteOneOf {
        column,
        ids: serde_json::Value::from(ids).to_string(),
    }
}

impl<C: diesel::expression::Expression> diesel::expression::Expression for SqliteOneOf<C> {
    type SqlType = diesel::sql_types::Bool;
}

impl<C, QS> diesel::expression::AppearsOnTable<QS> for SqliteOneOf<C> where
    C: diesel::expression::AppearsOnTable<QS>
{
}

impl<C, GB> diesel::expression::ValidGrouping<GB> for SqliteOneOf<C>
where
    C: diesel::expression::ValidGrouping<GB>,
{
    type IsAggregate = C::IsAggregate;
}

impl<C: diesel::query_builder::QueryId + 'static> diesel::query_builder::QueryId
    for SqliteOneOf<C>
{
    type QueryId = SqliteOneOf<C::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C> diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for SqliteOneOf<C>
where
    C: diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<diesel::sql_types::Text, _>(&self.ids)?;
        out.push_sql("))");
        Ok(())
    }
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

diesel::define_sql_function!(
    /// SQL `lower()`, the same on both backends.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);

/// A `LIKE` pattern (with `ESCAPE '\\'`) matching text that contains `needle`, lower-cased.
pub fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::from("%");
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

pub fn is_foreign_key_violation(error: &DieselError) -> bool {
    matches!(
        error,
        DieselError::DatabaseError(diesel::result::DatabaseErrorKind::ForeignKeyViolation, _)
    )
}

/// PostgreSQL chose this transaction as a deadlock's victim, or could not serialise it: the
/// transaction was rolled back whole and running it again is safe. (diesel reports no SQLSTATE
/// for a deadlock, so it is known by PostgreSQL's message.)
pub fn is_retryable(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(diesel::result::DatabaseErrorKind::SerializationFailure, _) => {
            true
        }
        DieselError::DatabaseError(_, info) => info.message().starts_with("deadlock detected"),
        _ => false,
    }
}

pub fn is_unique_violation(error: &DieselError) -> bool {
    matches!(
        error,
        DieselError::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
