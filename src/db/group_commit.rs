//! Group commit on SQLite: write commands that queue behind each other share one transaction
//! and one commit.
//!
//! SQLite has one writer at a time, and a commit costs more than most commands: it writes
//! every page the command changed to the WAL, and most of those pages (the right-hand edges of
//! the same indexes, the portfolio counts) are the same for every command. A command that
//! finds others queued when it is done leaves the transaction open for them and waits for its
//! commit; the last of them commits for all. A command never waits for one that is not
//! already queued: when nobody has queued after it yields the core once, it commits. A command
//! reports success only once its group has committed; when the commit fails, every command of
//! the group fails with it and nothing of the group is stored.
//!
//! Commands run in the group's transaction itself, not in savepoints of their own: a savepoint
//! makes SQLite copy every page a command touches before changing it, a tenth of a creation's
//! CPU. A command that refuses having changed nothing (a stale version, a refused transition)
//! leaves the group as it was. One that fails or panics after changing rows cannot be taken
//! back alone, nor can one whose failure SQLite reported (some errors end the transaction), so
//! the whole transaction is rolled back: that command reports its own failure, and the
//! commands that had run in the group run again, in a new one.
//!
//! Queued commands wait on a mutex, woken as soon as it is free, rather than in SQLite's busy
//! handler, which sleeps 1, 2, 5, 10… ms between tries.

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use diesel::connection::TransactionManager;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{QueryResult, RunQueryDsl};

use super::{begin_write, ConnectionManager, DbConn, PooledConn};

/// Commands in one group at most, so that a group under steady load still commits.
const MAX_GROUP: usize = 64;

#[derive(Default)]
pub struct GroupCommit {
    open: Mutex<OpenGroup>,
    /// Commands waiting for `open`.
    queued: AtomicUsize,
    finished: Mutex<Finished>,
    group_finished: Condvar,
}

#[derive(Default)]
struct OpenGroup {
    /// The connection holding the group's transaction; `None` while no transaction is open.
    conn: Option<PooledConn>,
    /// The number of the open group, or of the last one when none is open.
    number: u64,
    /// Commands whose changes the open transaction holds.
    members: usize,
}

#[derive(Default)]
struct Finished {
    /// Every group up to this number has committed, failed or been rolled back.
    through: u64,
    /// Groups that did not commit: how each ended, and how many members have yet to read it.
    not_committed: HashMap<u64, (Uncommitted, usize)>,
}

#[derive(Clone)]
enum Uncommitted {
    /// The commit failed with this error; the group's commands fail with it.
    Failed(String),
    /// A later command's failure rolled the group back (see [`CommandFailure`]); its commands
    /// run again.
    RolledBack,
}

/// What a command's failure says about the group's transaction.
pub trait CommandFailure {
    /// True when the failure may have ended the transaction: SQLite rolls a whole transaction
    /// back on some errors (a full disk, an I/O error), after which the group's later commands
    /// would each commit on their own. Only a failure the command raised itself (a refusal, a
    /// stale version) leaves the group to go on.
    fn may_have_ended_the_transaction(&self) -> bool;
}

/// [`CommandFailure::may_have_ended_the_transaction`] for a diesel error: false only for those
/// raised without a statement failing (no row found, a rollback the command asked for).
pub fn diesel_error_may_end_the_transaction(error: &DieselError) -> bool {
    !matches!(
        error,
        DieselError::NotFound | DieselError::RollbackTransaction
    )
}

impl CommandFailure for super::DbError {
    fn may_have_ended_the_transaction(&self) -> bool {
        match self {
            super::DbError::Query(error) => diesel_error_may_end_the_transaction(error),
            _ => true,
        }
    }
}

diesel::define_sql_function!(
    /// Rows changed on the connection since it opened, by statements that completed.
    fn total_changes() -> diesel::sql_types::BigInt
);

/// The connection's [`total_changes`]; an error on PostgreSQL, which has no group commit.
fn changes_so_far(conn: &mut DbConn) -> QueryResult<i64> {
    match conn {
        DbConn::Sqlite(c) => diesel::select(total_changes()).get_result(c),
        DbConn::Pg(_) => Err(DieselError::QueryBuilderError(
            "group commit runs on SQLite only".into(),
        )),
    }
}

impl GroupCommit {
    /// Runs `command` in the open group's transaction, opening one if none is, and returns
    /// once the group has committed. `command` runs again when a later command of its group
    /// rolls the group back.
    pub fn run<T, E, F>(
        &self,
        pool: &r2d2::Pool<ConnectionManager>,
        command: &mut F,
    ) -> Result<T, E>
    where
        F: FnMut(&mut DbConn) -> Result<T, E>,
        E: From<DieselError> + From<r2d2::Error> + CommandFailure,
    {
        loop {
            if let Some(result) = self.attempt(pool, command) {
                return result;
            }
        }
    }

    /// One run of `command` in a group; `None` when the group was rolled back and the command
    /// must run again.
    fn attempt<T, E, F>(
        &self,
        pool: &r2d2::Pool<ConnectionManager>,
        command: &mut F,
    ) -> Option<Result<T, E>>
    where
        F: FnMut(&mut DbConn) -> Result<T, E>,
        E: From<DieselError> + From<r2d2::Error> + CommandFailure,
    {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        self.queued.fetch_sub(1, Ordering::SeqCst);
        if open.conn.is_none() {
            let mut conn = match pool.get() {
                Ok(conn) => conn,
                Err(error) => return Some(Err(error.into())),
            };
            if let Err(error) = begin_write(&mut conn) {
                return Some(Err(error.into()));
            }
            open.conn = Some(conn);
            open.number += 1;
            open.members = 0;
        }
        let group = open.number;
        let joining = open.members > 0;
        let conn: &mut DbConn = open.conn.as_mut().expect("a group is open");
        let changes_before = if joining {
            changes_so_far(conn).ok()
        } else {
            None
        };
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| command(conn)));
        let succeeded = matches!(outcome, Ok(Ok(_)));
        if succeeded {
            open.members += 1;
        } else {
            // A joining command refused before it changed anything leaves its group as it was;
            // otherwise its changes are undone with the whole transaction (the first command's
            // changes are the whole transaction anyway).
            let unchanged = matches!(&outcome, Ok(Err(e)) if !e.may_have_ended_the_transaction())
                && changes_before.is_some()
                && changes_so_far(conn).ok() == changes_before;
            if !unchanged {
                self.roll_back(&mut open);
            }
        }
        let closed = self.close_if_last(&mut open, succeeded);
        drop(open);
        let result = match outcome {
            Ok(result) => result,
            Err(payload) => panic::resume_unwind(payload),
        };
        // A command that failed took back its own changes, whatever becomes of the group's.
        if !succeeded {
            return Some(result);
        }
        match closed {
            Ok(true) => Some(result),
            Ok(false) => match self.wait_for(group) {
                Ok(()) => Some(result),
                Err(Uncommitted::RolledBack) => None,
                Err(Uncommitted::Failed(message)) => Some(Err(commit_failed(&message).into())),
            },
            Err(error) => Some(Err(error.into())),
        }
    }

    /// Rolls the open group's transaction back; its members run again.
    fn roll_back(&self, open: &mut OpenGroup) {
        if let Some(mut conn) = open.conn.take() {
            // A command that failed inside a transaction of its own may leave that level open,
            // and the rollback then closes only it, or a failed rollback leaves the transaction
            // manager broken: either way the pool discards the connection, and closing it
            // rolls the rest back.
            let _ = <DbConn as TransactionManager<DbConn>>::rollback_transaction(&mut conn);
        }
        self.finish(open, Some((Uncommitted::RolledBack, open.members)));
    }

    /// Marks the open group ended and wakes its members; `not_committed` says how it ended
    /// when it did not commit, and how many members are waiting to read it.
    fn finish(&self, open: &OpenGroup, not_committed: Option<(Uncommitted, usize)>) {
        let mut finished = self.finished.lock().unwrap_or_else(PoisonError::into_inner);
        finished.through = open.number;
        if let Some(ended) = not_committed.filter(|(_, waiting)| *waiting > 0) {
            finished.not_committed.insert(open.number, ended);
        }
        drop(finished);
        self.group_finished.notify_all();
    }

    /// Commits the open group when no command is queued to join it (or it is full); true when
    /// this call committed it. The error is the commit's, which fails `member` too.
    fn close_if_last(&self, open: &mut OpenGroup, member: bool) -> Result<bool, DieselError> {
        if open.conn.is_none() {
            return Ok(false);
        }
        // On a busy core the command runs to its end before the HTTP worker is scheduled to
        // hand over the requests that arrived meanwhile, so nobody has queued yet: 98% of the
        // groups of a creation load held one command. Yielding once lets them queue; with
        // nothing else to run it returns at once.
        if self.queued.load(Ordering::SeqCst) == 0 {
            std::thread::yield_now();
        }
        if self.queued.load(Ordering::SeqCst) > 0 && open.members < MAX_GROUP {
            return Ok(false);
        }
        let mut conn = open.conn.take().expect("a group is open");
        let mut committed = <DbConn as TransactionManager<DbConn>>::commit_transaction(&mut conn);
        // A level a command left open (a panic unwinding through diesel's `transaction` does,
        // though a panic rolls its group back) would be all the commit closed; the pool
        // discards a connection with an open transaction, and closing it rolls the group back.
        if committed.is_ok()
            && <DbConn as TransactionManager<DbConn>>::is_broken_transaction_manager(&mut conn)
        {
            committed = Err(DieselError::BrokenTransactionManager);
        }
        drop(conn);
        let others = open.members - usize::from(member);
        let failed = committed
            .as_ref()
            .err()
            .map(|error| (Uncommitted::Failed(error.to_string()), others));
        self.finish(open, failed);
        committed.map(|()| true)
    }

    /// Waits until group `group` has ended; how, when it did not commit.
    fn wait_for(&self, group: u64) -> Result<(), Uncommitted> {
        let mut finished = self.finished.lock().unwrap_or_else(PoisonError::into_inner);
        while finished.through < group {
            finished = self
                .group_finished
                .wait(finished)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let Some((ended, unread)) = finished.not_committed.get_mut(&group) else {
            return Ok(());
        };
        let ended = ended.clone();
        *unread -= 1;
        if *unread == 0 {
            finished.not_committed.remove(&group);
        }
        Err(ended)
    }
}

fn commit_failed(message: &str) -> DieselError {
    DieselError::DatabaseError(
        DatabaseErrorKind::Unknown,
        Box::new(format!(
            "the transaction holding this change did not commit: {message}"
        )),
    )
}

#[cfg(test)]
mod tests {
    //! The group's mechanics, made deterministic: the first command holds the group open until
    //! the others are queued behind it. SQLite only, as group commit is.

    use std::sync::Arc;
    use std::thread;
    use std::time::{Duration, Instant};

    use diesel::connection::SimpleConnection;
    use diesel::sql_types::Text;
    use diesel::Connection;

    use super::*;
    use crate::config::DatabaseUrl;
    use crate::db::{connect, DbError, Pool};

    struct Fixture {
        _dir: tempfile::TempDir,
        pool: Pool,
        group: Arc<GroupCommit>,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let pool = connect(&DatabaseUrl::Sqlite(dir.path().join("group.db")), 4).unwrap();
        pool.get()
            .unwrap()
            .batch_execute(
                "CREATE TABLE parent (n INTEGER PRIMARY KEY); \
                 CREATE TABLE row (n INTEGER PRIMARY KEY, \
                   parent INTEGER REFERENCES parent (n) DEFERRABLE INITIALLY DEFERRED);",
            )
            .unwrap();
        let group = pool.group_commit.clone().expect("SQLite commits in groups");
        Fixture {
            _dir: dir,
            pool,
            group,
        }
    }

    impl Fixture {
        /// Runs `command` in the group on a thread of its own.
        fn spawn<T: Send + 'static>(
            &self,
            mut command: impl FnMut(&mut DbConn) -> Result<T, DbError> + Send + 'static,
        ) -> thread::JoinHandle<Result<T, DbError>> {
            let (pool, group) = (self.pool.connections.clone(), self.group.clone());
            thread::spawn(move || group.run(&pool, &mut command))
        }

        /// Runs a first command that inserts `n` and, the first time it runs, holds the group
        /// open until `others` commands are queued behind it.
        fn hold_open(&self, n: i64, others: usize) -> thread::JoinHandle<Result<(), DbError>> {
            let group = self.group.clone();
            let mut held = false;
            let holder = self.spawn(move |conn| {
                insert(conn, n)?;
                let since = Instant::now();
                while !held && group.queued.load(Ordering::SeqCst) < others {
                    assert!(since.elapsed() < Duration::from_secs(10), "nobody queued");
                    thread::sleep(Duration::from_millis(1));
                }
                held = true;
                Ok(())
            });
            self.wait_until_open();
            holder
        }

        fn wait_until_open(&self) {
            let since = Instant::now();
            while self.group.open.try_lock().is_ok() {
                assert!(since.elapsed() < Duration::from_secs(10), "no group opened");
                thread::sleep(Duration::from_millis(1));
            }
        }

        /// Queues `middle` behind a held first command that inserts 1, with a second that
        /// inserts 3 queued beside it; both of those must succeed. What `middle` answered.
        fn between_two_inserts(
            &self,
            middle: impl FnMut(&mut DbConn) -> Result<(), DbError> + Send + 'static,
        ) -> Result<(), DbError> {
            let first = self.hold_open(1, 2);
            let middle = self.spawn(middle);
            let second = self.spawn(|conn| insert(conn, 3));
            let answered = middle.join().unwrap();
            second.join().unwrap().unwrap();
            first.join().unwrap().unwrap();
            answered
        }

        /// Inserts `n` in a group of its own, as nothing else runs meanwhile.
        fn insert_alone(&self, n: i64) {
            self.spawn(move |conn| insert(conn, n))
                .join()
                .unwrap()
                .unwrap();
        }

        /// The committed rows, read on a connection of their own.
        fn rows(&self) -> String {
            diesel::select(diesel::dsl::sql::<Text>(
                "(SELECT coalesce(group_concat(n), '') FROM (SELECT n FROM row ORDER BY n))",
            ))
            .get_result(&mut *self.pool.get().unwrap())
            .unwrap()
        }

        fn groups(&self) -> u64 {
            self.group.open.lock().unwrap().number
        }
    }

    fn insert(conn: &mut DbConn, n: i64) -> Result<(), DbError> {
        diesel::sql_query(format!("INSERT INTO row (n) VALUES ({n})")).execute(conn)?;
        Ok(())
    }

    fn refused() -> DbError {
        DbError::Query(DieselError::RollbackTransaction)
    }

    #[test]
    fn queued_commands_share_one_commit_and_one_refused_before_writing_leaves_the_group_as_it_was()
    {
        let fixture = fixture();
        let refused_early = fixture.between_two_inserts(|_| Err(refused()));
        assert!(matches!(
            refused_early,
            Err(DbError::Query(DieselError::RollbackTransaction))
        ));
        assert_eq!(fixture.rows(), "1,3");
        assert_eq!(fixture.groups(), 1, "one transaction held all three");
    }

    #[test]
    fn a_command_that_fails_after_writing_takes_back_its_rows_and_the_others_run_again() {
        let fixture = fixture();
        let failing = fixture.between_two_inserts(|conn| {
            insert(conn, 2)?;
            Err(refused())
        });
        assert!(matches!(
            failing,
            Err(DbError::Query(DieselError::RollbackTransaction))
        ));
        assert_eq!(fixture.rows(), "1,3");
        assert!(fixture.groups() >= 2, "the first group was rolled back");
    }

    #[test]
    fn a_database_error_that_ended_the_transaction_rolls_the_group_back() {
        let fixture = fixture();
        // As SQLite does on a full disk: the transaction ends, then the statement fails.
        let ending = fixture.between_two_inserts(|conn| {
            diesel::sql_query("ROLLBACK").execute(conn)?;
            diesel::sql_query("INSERT INTO missing (n) VALUES (1)").execute(conn)?;
            Ok(())
        });
        assert!(matches!(
            ending,
            Err(DbError::Query(DieselError::DatabaseError(..)))
        ));
        assert_eq!(fixture.rows(), "1,3");
    }

    #[test]
    fn a_command_that_panics_takes_back_its_rows_and_the_others_run_again() {
        let fixture = fixture();
        let first = fixture.hold_open(1, 1);
        let panicking = fixture.spawn(|conn| -> Result<(), DbError> {
            insert(conn, 2)?;
            panic!("a bug in a command");
        });
        assert!(panicking.join().is_err());
        first.join().unwrap().unwrap();
        assert_eq!(fixture.rows(), "1");
        fixture.insert_alone(3);
        assert_eq!(fixture.rows(), "1,3");
        assert_eq!(
            fixture.groups(),
            3,
            "rolled back, run again, then the insert alone"
        );
    }

    #[test]
    fn a_command_that_panics_inside_a_transaction_of_its_own_is_taken_back_whole() {
        let fixture = fixture();
        let first = fixture.hold_open(1, 1);
        let panicking = fixture.spawn(|conn| -> Result<(), DbError> {
            insert(conn, 2)?;
            conn.transaction(|conn| -> Result<(), DbError> {
                insert(conn, 3)?;
                panic!("a bug in a nested transaction");
            })
        });
        assert!(panicking.join().is_err());
        first.join().unwrap().unwrap();
        assert_eq!(fixture.rows(), "1");
        fixture.insert_alone(4);
        assert_eq!(fixture.rows(), "1,4");
    }

    #[test]
    fn when_the_commit_fails_every_command_of_the_group_fails_and_nothing_is_stored() {
        let fixture = fixture();
        let first = fixture.hold_open(1, 1);
        // The missing parent is found only at the commit (the key is deferred).
        let orphan = fixture.spawn(|conn| {
            diesel::sql_query("INSERT INTO row (n, parent) VALUES (2, 99)").execute(conn)?;
            Ok(())
        });
        assert!(matches!(
            orphan.join().unwrap(),
            Err(DbError::Query(DieselError::DatabaseError(
                DatabaseErrorKind::ForeignKeyViolation,
                _
            )))
        ));
        let first = first.join().unwrap().unwrap_err().to_string();
        assert!(first.contains("did not commit"), "{first}");
        assert_eq!(fixture.rows(), "");
        fixture.insert_alone(3);
        assert_eq!(fixture.rows(), "3");
    }

    #[test]
    fn a_first_command_that_fails_leaves_nothing_and_the_next_opens_a_group_of_its_own() {
        let fixture = fixture();
        let failing = fixture.spawn(|conn| {
            insert(conn, 1)?;
            Err::<(), _>(refused())
        });
        assert!(failing.join().unwrap().is_err());
        fixture.insert_alone(2);
        assert_eq!(fixture.rows(), "2");
        assert_eq!(fixture.groups(), 2);
    }
}
