//! Group commit on SQLite: write commands that queue behind each other share one transaction
//! and one commit.
//!
//! SQLite has one writer at a time, and a commit costs more than most commands: it writes
//! every page the command changed to the WAL, and most of those pages (the right-hand edges of
//! the same indexes, the portfolio counts) are the same for every command. A command that
//! finds others queued when it is done leaves the transaction open for them and waits for its
//! commit; the last of them commits for all. A command never waits for one that is not
//! already queued: when nobody has queued after it yields the core once, it commits. Each
//! command after the first runs in a savepoint of its own, so one that fails or panics takes
//! back only its own changes. A command reports success only once its group has committed;
//! when the commit fails, every command of the group fails with it and nothing of the group is
//! stored.
//!
//! Queued commands wait on a mutex, woken as soon as it is free, rather than in SQLite's busy
//! handler, which sleeps 1, 2, 5, 10… ms between tries.

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use diesel::connection::TransactionManager;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::Connection;

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
    /// Every group up to this number has committed or failed.
    through: u64,
    /// Groups whose commit failed: the error, and how many members have yet to read it.
    failed: HashMap<u64, (String, usize)>,
}

impl GroupCommit {
    /// Runs `command` in the open group's transaction, opening one if none is, and returns
    /// once the group has committed.
    pub fn run<T, E, F>(
        &self,
        pool: &r2d2::Pool<ConnectionManager>,
        command: &mut F,
    ) -> Result<T, E>
    where
        F: FnMut(&mut DbConn) -> Result<T, E>,
        E: From<DieselError> + From<r2d2::Error>,
    {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        self.queued.fetch_sub(1, Ordering::SeqCst);
        if open.conn.is_none() {
            let mut conn = pool.get()?;
            begin_write(&mut conn)?;
            open.conn = Some(conn);
            open.number += 1;
            open.members = 0;
        }
        let group = open.number;
        let joining = open.members > 0;
        let conn: &mut DbConn = open.conn.as_mut().expect("a group is open");
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            if joining {
                conn.transaction(|conn| command(conn))
            } else {
                command(conn)
            }
        }));
        match &outcome {
            Ok(Ok(_)) => open.members += 1,
            // The first command's changes are the whole transaction.
            _ if !joining => {
                if let Some(mut conn) = open.conn.take() {
                    // A failed rollback leaves the transaction manager broken, and the pool
                    // then discards the connection.
                    let _ = <DbConn as TransactionManager<DbConn>>::rollback_transaction(&mut conn);
                }
            }
            // diesel unwinds through its savepoint without releasing it.
            Err(_) => {
                let _ = <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn);
            }
            // diesel has rolled back to the savepoint.
            Ok(Err(_)) => {}
        }
        let succeeded = matches!(outcome, Ok(Ok(_)));
        let closed = self.close_if_last(&mut open, succeeded);
        drop(open);
        let result = match outcome {
            Ok(result) => result,
            Err(payload) => panic::resume_unwind(payload),
        };
        // A command that failed took back its own changes, whatever becomes of the group's.
        if !succeeded {
            return result;
        }
        match closed {
            Ok(true) => result,
            Ok(false) => {
                self.wait_for(group)?;
                result
            }
            Err(commit_failed) => Err(commit_failed.into()),
        }
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
        // A command that panicked inside a transaction of its own left that level open, and the
        // commit only closed it; the pool discards a connection with an open transaction, and
        // closing it rolls the group back.
        if committed.is_ok()
            && <DbConn as TransactionManager<DbConn>>::is_broken_transaction_manager(&mut conn)
        {
            committed = Err(DieselError::BrokenTransactionManager);
        }
        drop(conn);
        let others = open.members - usize::from(member);
        let mut finished = self.finished.lock().unwrap_or_else(PoisonError::into_inner);
        finished.through = open.number;
        if let Err(error) = &committed {
            if others > 0 {
                finished
                    .failed
                    .insert(open.number, (error.to_string(), others));
            }
        }
        drop(finished);
        self.group_finished.notify_all();
        committed.map(|()| true)
    }

    /// Waits until group `group` has committed; its commit's error when it failed.
    fn wait_for(&self, group: u64) -> Result<(), DieselError> {
        let mut finished = self.finished.lock().unwrap_or_else(PoisonError::into_inner);
        while finished.through < group {
            finished = self
                .group_finished
                .wait(finished)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let Some((message, unread)) = finished.failed.get_mut(&group) else {
            return Ok(());
        };
        let message = format!("the transaction holding this change did not commit: {message}");
        *unread -= 1;
        if *unread == 0 {
            finished.failed.remove(&group);
        }
        Err(DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(message),
        ))
    }
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
    use diesel::RunQueryDsl;

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

        /// Runs a first command that inserts `n` and holds the group open until `others`
        /// commands are queued behind it.
        fn hold_open(&self, n: i64, others: usize) -> thread::JoinHandle<Result<(), DbError>> {
            let group = self.group.clone();
            let holder = self.spawn(move |conn| {
                insert(conn, n)?;
                let since = Instant::now();
                while group.queued.load(Ordering::SeqCst) < others {
                    assert!(since.elapsed() < Duration::from_secs(10), "nobody queued");
                    thread::sleep(Duration::from_millis(1));
                }
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
    fn queued_commands_share_one_commit_and_a_failed_one_takes_back_only_its_own_rows() {
        let fixture = fixture();
        let first = fixture.hold_open(1, 2);
        let failing = fixture.spawn(|conn| {
            insert(conn, 2)?;
            Err::<(), _>(refused())
        });
        let second = fixture.spawn(|conn| insert(conn, 3));
        assert!(matches!(
            failing.join().unwrap(),
            Err(DbError::Query(DieselError::RollbackTransaction))
        ));
        second.join().unwrap().unwrap();
        first.join().unwrap().unwrap();
        assert_eq!(fixture.rows(), "1,3");
        assert_eq!(fixture.groups(), 1, "one transaction held all three");
    }

    #[test]
    fn a_command_that_panics_takes_back_its_rows_and_its_group_still_commits() {
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
        assert_eq!(fixture.groups(), 2);
    }

    #[test]
    fn a_command_that_panics_inside_a_transaction_of_its_own_fails_its_whole_group() {
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
        let first = first.join().unwrap().unwrap_err().to_string();
        assert!(first.contains("did not commit"), "{first}");
        assert_eq!(fixture.rows(), "");
        fixture.insert_alone(4);
        assert_eq!(fixture.rows(), "4");
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
