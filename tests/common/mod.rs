//! Shared by every integration test file (`mod common;`): a fresh, migrated database per test,
//! a lock for tests that open many connections, and the path of the `aisle` binary.
//!
//! The server is `DATABASE_URL` when set; otherwise one private cluster in
//! `<temp dir>/aisle-test-cluster-<uid>`, shared by every test process and left running for the
//! next run (restarted if it died). Each test database is cloned from a template that holds the
//! migrated schema (`aisle_tpl_<fingerprint of the migrations>`), so a fresh database costs one
//! `CREATE DATABASE`. Test databases are named `aisle_t_<host>_<pid>_<n>`; databases left by
//! processes that have exited are dropped by the next test process.

#![allow(dead_code)] // each test file uses its own part of this module

pub mod floor;
pub mod keys;
pub mod packing;
pub mod shopify_standin;
pub mod terminal;

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use aisle::db::connect::{self, with_database};
use aisle::db::embedded::{self, EmbeddedCluster};
use aisle::db::migrate;
use sqlx::{Connection, PgConnection, PgPool};

/// Connections per test pool unless a test asks for more.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// Serialises template creation among processes (advisory locks are per database: every process
/// takes it in the server's admin database).
const TEMPLATE_LOCK_KEY: i64 = 0x6169_736c_655f_7470; // "aisle_tp"

/// A brand-new database with the migrated schema, for one test.
pub struct TestDb {
    pub pool: PgPool,
    /// Its URL, for code (or the `aisle` binary) that opens its own connections.
    pub url: String,
    pub name: String,
}

impl TestDb {
    /// Drops the database now (otherwise a later test process drops it once this one exited).
    pub async fn drop_db(self) {
        self.pool.close().await;
        let url = server_url().await;
        let mut admin = PgConnection::connect(&url)
            .await
            .expect("connect to test server");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&self.name)
        )))
        .execute(&mut admin)
        .await
        .expect("drop test database");
        let _ = admin.close().await;
    }
}

/// A fresh migrated database with a pool of [`DEFAULT_MAX_CONNECTIONS`].
pub async fn fresh_db() -> TestDb {
    fresh_db_with(DEFAULT_MAX_CONNECTIONS).await
}

/// A fresh migrated database with a pool of at most `max_connections`.
pub async fn fresh_db_with(max_connections: u32) -> TestDb {
    let server = server_url().await;
    drop_stale_databases_once(&server).await;
    let name = next_db_name();
    let mut admin = PgConnection::connect(&server)
        .await
        .expect("connect to test server");
    let mut attempt = 0;
    loop {
        let template = ensure_template(&server, &mut admin).await;
        let create = format!(
            "CREATE DATABASE {} TEMPLATE {}",
            quote_ident(&name),
            quote_ident(&template)
        );
        match retry_while_in_use(&mut admin, &create).await {
            Ok(()) => break,
            // The template was dropped by a process built with other migrations: remake it.
            Err(err) if attempt < 3 && sql_state(&err).as_deref() == Some("3D000") => attempt += 1,
            Err(err) => panic!("{create}: {err}"),
        }
    }
    let _ = admin.close().await;
    let url = with_database(&server, &name).expect("test database URL");
    let pool = connect::open(&url, max_connections)
        .await
        .expect("open test database");
    TestDb { pool, url, name }
}

/// A brand-new database with nothing in it (no migrations), e.g. to test migrating from
/// scratch or what happens on a fresh database.
pub async fn empty_db() -> TestDb {
    let server = server_url().await;
    drop_stale_databases_once(&server).await;
    let name = next_db_name();
    let mut admin = PgConnection::connect(&server)
        .await
        .expect("connect to test server");
    let create = format!("CREATE DATABASE {} TEMPLATE template0", quote_ident(&name));
    retry_while_in_use(&mut admin, &create)
        .await
        .unwrap_or_else(|err| panic!("{create}: {err}"));
    let _ = admin.close().await;
    let url = with_database(&server, &name).expect("test database URL");
    let pool = connect::open(&url, DEFAULT_MAX_CONNECTIONS)
        .await
        .expect("open test database");
    TestDb { pool, url, name }
}

/// Held by tests that open many connections, so that no two of them run at the same time, in
/// any test process. Released on drop.
pub struct HeavyGuard {
    _lock: File,
}

pub async fn heavy_lock() -> HeavyGuard {
    let path = std::env::temp_dir().join(format!("aisle-heavy-tests-{}.lock", euid()));
    let lock = embedded::lock_exclusive(path)
        .await
        .expect("heavy-test lock");
    HeavyGuard { _lock: lock }
}

/// The `aisle` binary cargo built for these tests.
pub fn aisle_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_aisle"))
}

/// True when the tests run against `DATABASE_URL` rather than the shared private cluster.
pub fn uses_database_url() -> bool {
    database_url_env().is_some()
}

/// The data directory of the private cluster shared by test processes without `DATABASE_URL`.
pub fn test_cluster_dir() -> PathBuf {
    std::env::temp_dir().join(format!("aisle-test-cluster-{}", euid()))
}

/// The server's admin URL: `DATABASE_URL`, or the shared test cluster (started if needed).
pub async fn server_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    if let Some(url) = URL.get() {
        return url.clone();
    }
    let url = match database_url_env() {
        Some(url) => url,
        None => {
            let dir = test_cluster_dir();
            if let Ok(meta) = std::fs::metadata(&dir) {
                assert_eq!(
                    meta.uid(),
                    euid(),
                    "{} belongs to another user; remove it",
                    dir.display()
                );
            }
            let cluster = EmbeddedCluster::new(&dir).expect("test cluster directory");
            cluster
                .ensure_running()
                .await
                .unwrap_or_else(|err| panic!("cannot start the test cluster: {err}"))
        }
    };
    URL.get_or_init(|| url).clone()
}

fn database_url_env() -> Option<String> {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// The template holding the current migrations, made once per server under an advisory lock.
/// It is built under another name and renamed when complete, so a creator that dies leaves no
/// half-migrated template; it refuses connections, so cloning never finds one open.
async fn ensure_template(server: &str, admin: &mut PgConnection) -> String {
    let name = format!("aisle_tpl_{}", migrate::fingerprint());
    if database_exists(admin, &name).await {
        return name;
    }
    execute(
        admin,
        &format!("SELECT pg_advisory_lock({TEMPLATE_LOCK_KEY})"),
    )
    .await;
    if !database_exists(admin, &name).await {
        build_template(server, admin, &name).await;
        drop_other_templates(admin, &name).await;
    }
    execute(
        admin,
        &format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK_KEY})"),
    )
    .await;
    name
}

/// Templates of other migrations (and unfinished builds) would pile up as migrations change.
/// A process still using one remakes it (see `fresh_db_with`).
async fn drop_other_templates(admin: &mut PgConnection, keep: &str) {
    let others: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE starts_with(datname, 'aisle_tpl_') AND datname <> $1",
    )
    .bind(keep)
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    for other in others {
        let other = quote_ident(&other);
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE {other} WITH IS_TEMPLATE false"
        )))
        .execute(&mut *admin)
        .await;
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {other} WITH (FORCE)"
        )))
        .execute(&mut *admin)
        .await;
    }
}

async fn build_template(server: &str, admin: &mut PgConnection, name: &str) {
    let building = format!("{name}_building");
    execute(
        admin,
        &format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&building)
        ),
    )
    .await;
    execute(
        admin,
        &format!("CREATE DATABASE {}", quote_ident(&building)),
    )
    .await;
    let url = with_database(server, &building).expect("template URL");
    let pool = connect::open(&url, 2).await.expect("open template");
    migrate::run(&pool)
        .await
        .unwrap_or_else(|err| panic!("migrating the test template: {err}"));
    pool.close().await;
    execute(
        admin,
        &format!(
            "ALTER DATABASE {} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true",
            quote_ident(&building)
        ),
    )
    .await;
    // The migration connections' backends may take a moment to exit after the pool closed.
    let rename = format!(
        "ALTER DATABASE {} RENAME TO {}",
        quote_ident(&building),
        quote_ident(name)
    );
    retry_while_in_use(admin, &rename)
        .await
        .unwrap_or_else(|err| panic!("{rename}: {err}"));
}

/// Runs `sql`, retrying while Postgres says another session uses the database (55006).
async fn retry_while_in_use(conn: &mut PgConnection, sql: &str) -> Result<(), sqlx::Error> {
    let mut attempt = 0;
    loop {
        match sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut *conn)
            .await
        {
            Ok(_) => return Ok(()),
            Err(err) if attempt < 100 && sql_state(&err).as_deref() == Some("55006") => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(err) => return Err(err),
        }
    }
}

fn sql_state(err: &sqlx::Error) -> Option<String> {
    err.as_database_error()
        .and_then(|db| db.code())
        .map(|code| code.into_owned())
}

async fn execute(conn: &mut PgConnection, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(conn)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
}

async fn database_exists(conn: &mut PgConnection, name: &str) -> bool {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(conn)
        .await
        .expect("query pg_database")
}

fn db_name_prefix() -> String {
    format!("aisle_t_{}_", host_tag())
}

fn next_db_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() % 1_000_000_000)
        .unwrap_or(0);
    // The time keeps a name unique when a pid is reused while an old database is still there.
    format!("{}{}_{n}_{millis}", db_name_prefix(), std::process::id())
}

/// Drops test databases whose creating process (on this host) has exited. Once per process;
/// failures (another process dropping the same one) are ignored.
async fn drop_stale_databases_once(server: &str) {
    static DONE: AtomicBool = AtomicBool::new(false);
    if DONE.swap(true, Ordering::SeqCst) {
        return;
    }
    let Ok(mut admin) = PgConnection::connect(server).await else {
        return;
    };
    let prefix = db_name_prefix();
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
            .bind(&prefix)
            .fetch_all(&mut admin)
            .await
            .unwrap_or_default();
    for name in names {
        let pid = name[prefix.len()..]
            .split('_')
            .next()
            .and_then(|pid| pid.parse::<i32>().ok());
        let Some(pid) = pid else { continue };
        if pid as u32 == std::process::id() || process_alive(pid) {
            continue;
        }
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&name)
        )))
        .execute(&mut admin)
        .await;
    }
    let _ = admin.close().await;
}

fn process_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Six hex digits of the host name: pids are only meaningful on the host that made them, and
/// a server may be shared by several hosts (containers).
fn host_tag() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its whole length.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let name: &[u8] = if rc == 0 {
        let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
        &buf[..end]
    } else {
        b"unknown"
    };
    let mut hash: u32 = 0x811c_9dc5;
    for byte in name {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{:06x}", hash & 0xff_ffff)
}

fn euid() -> u32 {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() }
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
