//! The database handle: connecting (SQLite in WAL mode or PostgreSQL),
//! migrating, and counting the SQL statements issued (served on `/metrics`,
//! and how the tests prove that nested queries are batched).

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr,
    SqlxPostgresConnector, SqlxSqliteConnector, Statement, TransactionTrait,
};

use crate::config::DatabaseConfig;

/// Counters of the statements sent to the database.
#[derive(Debug, Default)]
pub struct DbStats {
    pub statements: AtomicU64,
    pub failed: AtomicU64,
}

/// A pooled connection to the committee's database.
#[derive(Clone, Debug)]
pub struct Db {
    pub conn: DatabaseConnection,
    pub stats: Arc<DbStats>,
    /// SQLite has one writer at a time: writers queue here rather than fail
    /// with "database is locked" when two transactions both try to write.
    write_lock: Option<Arc<tokio::sync::Mutex<()>>>,
    /// SQLite's writer: a connection of its own, used only by the holder of
    /// `write_lock`, so that a writer never waits for a connection that
    /// readers, or writers queued behind it, hold. None on PostgreSQL, whose
    /// writers share the pool.
    writer: Option<DatabaseConnection>,
    /// Woken after every committed write: the event dispatcher reads the log then.
    pub committed: Arc<tokio::sync::Notify>,
    /// Accounts known to be stored (they are written once, on a first write).
    known_accounts: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

/// A transaction that may write; on SQLite it holds the write lock until it ends.
pub struct WriteTxn {
    pub txn: DatabaseTransaction,
    committed: Arc<tokio::sync::Notify>,
    _lock: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await?;
        self.committed.notify_one();
        Ok(())
    }
}

/// How long a PostgreSQL connection may sit in the pool before it is pinged
/// as it is taken again.
const PING_AFTER_IDLE: Duration = Duration::from_millis(250);

impl Db {
    /// Connects to `sqlite://FILE` (created when missing, WAL mode) or `postgres://...`.
    pub async fn connect(config: &DatabaseConfig) -> Result<Self, DbErr> {
        let url = config.url.as_str();
        let mut writer_pool = None;
        let mut conn = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| DbErr::Custom(format!("invalid SQLite URL: {e}")))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            // A file does not hang up: no ping before each use of a connection.
            let open = async |connections: u32| {
                SqlitePoolOptions::new()
                    .max_connections(connections)
                    .test_before_acquire(false)
                    .connect_with(options.clone())
                    .await
                    .map(SqlxSqliteConnector::from_sqlx_sqlite_pool)
                    .map_err(|e| DbErr::Custom(format!("cannot open SQLite database: {e}")))
            };
            let readers = open(config.max_connections.max(1)).await?;
            writer_pool = Some(open(1).await?);
            readers
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            // sqlx pings a connection as it returns to the pool; it need not
            // ping it again when the next request takes it moments later.
            // One that sat idle for a while is pinged first: the server may
            // have ended its session (a restart, an administrator).
            let pool = PgPoolOptions::new()
                .max_connections(config.max_connections.max(1))
                .acquire_timeout(Duration::from_secs(10))
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for < PING_AFTER_IDLE {
                            return Ok(true);
                        }
                        sea_orm::sqlx::Connection::ping(conn).await.map(|()| true)
                    })
                })
                .connect(url)
                .await
                .map_err(|e| DbErr::Custom(format!("cannot connect to PostgreSQL: {e}")))?;
            SqlxPostgresConnector::from_sqlx_postgres_pool(pool)
        } else {
            return Err(DbErr::Custom(
                "DATABASE_URL must start with sqlite: or postgres:".to_owned(),
            ));
        };
        let stats = Arc::new(DbStats::default());
        for conn in std::iter::once(&mut conn).chain(writer_pool.as_mut()) {
            let counter = stats.clone();
            conn.set_metric_callback(move |info| {
                counter.statements.fetch_add(1, Ordering::Relaxed);
                tracing::trace!(target: "ccm_committee::sql", elapsed = ?info.elapsed, sql = %info.statement.sql);
                if info.failed {
                    counter.failed.fetch_add(1, Ordering::Relaxed);
                }
                crate::telemetry_metrics::statement(info.elapsed, info.failed);
            });
        }
        let write_lock = writer_pool
            .is_some()
            .then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(Self {
            conn,
            stats,
            write_lock,
            writer: writer_pool,
            committed: Arc::new(tokio::sync::Notify::new()),
            known_accounts: Arc::default(),
        })
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.conn, None).await
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        self.conn
            .execute_raw(Statement::from_string(self.backend(), "SELECT 1"))
            .await
            .is_ok()
    }

    /// Begins a transaction that will write. On SQLite the process's write
    /// lock is taken first, then the writer's own connection, which only the
    /// lock's holder uses: a writer waiting for the lock holds no connection,
    /// and the holder never waits for one (readers and writers queued behind
    /// it cannot hold it). SQLite's `BEGIN` is deferred, so the
    /// transaction's snapshot starts under the lock.
    pub async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        let waited = std::time::Instant::now();
        let lock = match &self.write_lock {
            Some(lock) => {
                let guard = lock.clone().lock_owned().await;
                crate::telemetry_metrics::write_wait("write_lock", waited.elapsed());
                Some(guard)
            }
            None => None,
        };
        let waited = std::time::Instant::now();
        let txn = self.writer.as_ref().unwrap_or(&self.conn).begin().await?;
        crate::telemetry_metrics::write_wait("pool", waited.elapsed());
        Ok(WriteTxn {
            txn,
            committed: self.committed.clone(),
            _lock: lock,
        })
    }

    /// Whether `subject`'s account is known to be stored.
    pub fn knows_account(&self, subject: &str) -> bool {
        self.known_accounts
            .lock()
            .is_ok_and(|known| known.contains(subject))
    }

    /// Notes that `subject`'s account is stored (call once its write committed).
    pub fn account_stored(&self, subject: &str) {
        if let Ok(mut known) = self.known_accounts.lock() {
            known.insert(subject.to_owned());
        }
    }

    /// Publishes the pool's connections in use and idle.
    pub fn observe_pool(&self) {
        let (size, idle, max) = match self.backend() {
            DatabaseBackend::Postgres => {
                let pool = self.conn.get_postgres_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            _ => {
                let pool = self.conn.get_sqlite_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
        };
        let idle = u32::try_from(idle).unwrap_or(u32::MAX);
        crate::telemetry_metrics::pool(size.saturating_sub(idle), idle, max);
    }

    /// Statements issued so far.
    pub fn statement_count(&self) -> u64 {
        self.stats.statements.load(Ordering::Relaxed)
    }
}

/// A column type both drivers decode (and sea-orm reads).
pub trait Decoded:
    sea_orm::TryGetable
    + for<'a> sea_orm::sqlx::Decode<'a, sea_orm::sqlx::Postgres>
    + sea_orm::sqlx::Type<sea_orm::sqlx::Postgres>
    + for<'a> sea_orm::sqlx::Decode<'a, sea_orm::sqlx::Sqlite>
    + sea_orm::sqlx::Type<sea_orm::sqlx::Sqlite>
{
}

impl<T> Decoded for T where
    T: sea_orm::TryGetable
        + for<'a> sea_orm::sqlx::Decode<'a, sea_orm::sqlx::Postgres>
        + sea_orm::sqlx::Type<sea_orm::sqlx::Postgres>
        + for<'a> sea_orm::sqlx::Decode<'a, sea_orm::sqlx::Sqlite>
        + sea_orm::sqlx::Type<sea_orm::sqlx::Sqlite>
{
}

/// A table whose reads may select only some of its columns ([`Projection`]).
pub trait Projected {
    /// The columns a read may select, in the order it selects and reads them.
    const COLUMNS: &'static [&'static str];
    /// How many of the first [`Self::COLUMNS`] every read selects (its key,
    /// its parent, its order).
    const ALWAYS: usize;
}

/// Which columns of `T` a read selects: those its answer uses, so that a
/// nested read does not fetch, send and decode columns nobody asked for. A
/// column left out reads as its type's default ([`Columns::selected`]), so a
/// reader asks for every column its answer uses.
pub struct Projection<T> {
    bits: u32,
    table: std::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for Projection<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Projection<T> {}

impl<T> PartialEq for Projection<T> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}

impl<T> Eq for Projection<T> {}

impl<T> std::hash::Hash for Projection<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bits.hash(state);
    }
}

impl<T> std::fmt::Debug for Projection<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Projection({:#b})", self.bits)
    }
}

impl<T: Projected> Projection<T> {
    const fn of(bits: u32) -> Self {
        assert!(T::COLUMNS.len() <= 32 && T::ALWAYS <= T::COLUMNS.len());
        Self {
            bits,
            table: std::marker::PhantomData,
        }
    }

    /// The columns every read selects.
    pub const ALWAYS: Self = Self::of((1 << T::ALWAYS) - 1);
    /// Every column.
    pub const ALL: Self = Self::of(((1u64 << T::COLUMNS.len()) - 1) as u32);

    /// These columns and `column`; a name the table does not list selects
    /// every column.
    #[must_use]
    pub fn with(self, column: &str) -> Self {
        match T::COLUMNS.iter().position(|c| *c == column) {
            Some(i) => Self::of(self.bits | 1 << i),
            None => {
                debug_assert!(false, "no column `{column}` to select");
                Self::ALL
            }
        }
    }

    /// The select list, each column prefixed with `prefix`.
    pub fn select_list(self, prefix: &str) -> String {
        let mut list = String::new();
        for (i, column) in T::COLUMNS.iter().enumerate() {
            if self.bits & 1 << i != 0 {
                if !list.is_empty() {
                    list.push_str(", ");
                }
                list.push_str(prefix);
                list.push_str(column);
            }
        }
        list
    }
}

/// Reads a row's columns by position, in the order its statement selects
/// them: sqlx finds a column by name through a hash of the name for every
/// column of every row, and a nested read decodes thousands of them. Each
/// read names its column, checked against the row's own in debug builds.
///
/// NULLs are read as `None` by the driver: sea-orm reads a NULL as an error
/// that names the column in a freshly formatted string, then turns it into
/// `None`, so a page of a few hundred rows with a handful of NULLs each would
/// format thousands of strings.
pub struct Columns<'r> {
    row: &'r sea_orm::QueryResult,
    next: usize,
    /// The place in the table's columns of the next column asked for, and
    /// which of them the row holds.
    slot: usize,
    selected: u32,
    names: &'static [&'static str],
}

impl<'r> Columns<'r> {
    /// A row of a read that selected `projection`: it is asked for each of
    /// `T::COLUMNS` in order, and a column it does not hold reads as its
    /// type's default.
    pub fn selected<T: Projected>(
        row: &'r sea_orm::QueryResult,
        projection: Projection<T>,
    ) -> Self {
        Self {
            row,
            next: 0,
            slot: 0,
            selected: projection.bits,
            names: T::COLUMNS,
        }
    }

    /// The next column, which must not be NULL.
    pub fn get<T: Decoded + Default>(&mut self, column: &str) -> Result<T, DbErr> {
        if !self.holds(column) {
            return Ok(T::default());
        }
        self.read::<T>(column)
    }

    /// The next column, NULL read as `None`.
    pub fn nullable<T: Decoded>(&mut self, column: &str) -> Result<Option<T>, DbErr> {
        if !self.holds(column) {
            return Ok(None);
        }
        self.read::<Option<T>>(column)
    }

    /// Whether the row holds `column`, the next of its table's columns.
    fn holds(&mut self, column: &str) -> bool {
        let slot = self.slot;
        self.slot += 1;
        debug_assert_eq!(self.names.get(slot), Some(&column), "columns read in order");
        self.selected & 1 << slot != 0
    }

    fn read<T: Decoded>(&mut self, column: &str) -> Result<T, DbErr> {
        use sea_orm::sqlx::{Column, Row};
        let index = self.next;
        self.next += 1;
        let decoded = if let Some(row) = self.row.try_as_pg_row() {
            debug_assert_eq!(row.columns().get(index).map(|c| c.name()), Some(column));
            row.try_get::<T, _>(index)
        } else if let Some(row) = self.row.try_as_sqlite_row() {
            debug_assert_eq!(row.columns().get(index).map(|c| c.name()), Some(column));
            row.try_get::<T, _>(index)
        } else {
            return self.row.try_get("", column);
        };
        decoded.map_err(|e| DbErr::Type(format!("column {column}: {e}")))
    }
}

/// The advisory lock key that serialises start-ups (an arbitrary, fixed key).
const STARTUP_LOCK: i64 = 0x0CC0_5747;

/// Held while one process migrates and loads the reference data, so that any
/// number of replicas can start together: on PostgreSQL a session-level
/// advisory lock on a connection of its own; on SQLite (one process) nothing.
pub struct StartupLock(Option<DatabaseConnection>);

impl StartupLock {
    /// Waits for the lock.
    pub async fn acquire(config: &DatabaseConfig) -> Result<Self, DbErr> {
        if !(config.url.starts_with("postgres:") || config.url.starts_with("postgresql:")) {
            return Ok(Self(None));
        }
        let mut options = sea_orm::ConnectOptions::new(config.url.clone());
        options
            .max_connections(1)
            .min_connections(1)
            .sqlx_logging(false);
        let conn = sea_orm::Database::connect(options).await?;
        conn.execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_advisory_lock($1)",
            [STARTUP_LOCK.into()],
        ))
        .await?;
        Ok(Self(Some(conn)))
    }

    /// Lets the next process in.
    pub async fn release(self) {
        if let Some(conn) = self.0 {
            let _ = conn
                .execute_raw(Statement::from_sql_and_values(
                    DatabaseBackend::Postgres,
                    "SELECT pg_advisory_unlock($1)",
                    [STARTUP_LOCK.into()],
                ))
                .await;
            let _ = conn.close().await;
        }
    }
}
