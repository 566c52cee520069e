//! Tests of the test harness itself and of the embedded cluster it is built on.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use aisle::db::connect;
use aisle::db::embedded::EmbeddedCluster;
use aisle::db::migrate::MIGRATOR;

async fn applied_migrations(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
        .expect("_sqlx_migrations exists in a fresh database")
}

#[tokio::test]
async fn fresh_databases_are_isolated_and_migrated() {
    let a = common::fresh_db().await;
    let b = common::fresh_db().await;
    assert_ne!(a.name, b.name);

    let expected = MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .count() as i64;
    assert_eq!(applied_migrations(&a.pool).await, expected);
    assert_eq!(applied_migrations(&b.pool).await, expected);

    let current: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&a.pool)
        .await
        .expect("current_database");
    assert_eq!(current, a.name);

    sqlx::query("CREATE TABLE only_in_a (id int)")
        .execute(&a.pool)
        .await
        .expect("create table in a");
    let in_b: bool = sqlx::query_scalar("SELECT to_regclass('only_in_a') IS NOT NULL")
        .fetch_one(&b.pool)
        .await
        .expect("look in b");
    assert!(!in_b, "a table made in one test database shows in another");

    // The URL works for code that opens its own pool, and the application is named.
    let pool = connect::open(&a.url, 1).await.expect("open by URL");
    let app: String = sqlx::query_scalar("SELECT current_setting('application_name')")
        .fetch_one(&pool)
        .await
        .expect("application_name");
    assert_eq!(app, "aisle");
    pool.close().await;

    let name = a.name.clone();
    a.drop_db().await;
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&common::server_url().await)
        .await
        .expect("admin");
    let still_there: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .expect("pg_database");
    assert!(!still_there);
    b.drop_db().await;
}

#[tokio::test]
async fn open_migrated_reports_a_fresh_database_once() {
    let db = common::fresh_db().await;
    // The clone already holds the migrations: not fresh.
    let (pool, outcome) = connect::open_migrated(&db.url, 2)
        .await
        .expect("open_migrated");
    assert!(!outcome.fresh_database);
    pool.close().await;

    // An empty database is fresh for exactly one of two racing callers.
    let empty = common::empty_db().await;
    let url = empty.url.clone();
    let (first, second) = tokio::join!(
        connect::open_migrated(&url, 2),
        connect::open_migrated(&url, 2)
    );
    let (first, first_outcome) = first.expect("first open_migrated");
    let (second, second_outcome) = second.expect("second open_migrated");
    assert!(
        first_outcome.fresh_database ^ second_outcome.fresh_database,
        "exactly one concurrent caller sees a fresh database"
    );
    first.close().await;
    second.close().await;
    db.drop_db().await;
    empty.drop_db().await;
}

/// Stops the cluster if a test fails half-way, so no server outlives its deleted directory.
struct StopOnDrop(EmbeddedCluster);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = self.0.status().pid {
            // SAFETY: SIGINT asks the postmaster for a fast shutdown.
            unsafe {
                libc::kill(pid, libc::SIGINT);
            }
        }
    }
}

#[tokio::test]
async fn embedded_cluster_stops_and_restarts_with_its_data() {
    let dir = tempfile::Builder::new()
        .prefix("aisle-embedded-")
        .tempdir_in(std::env::temp_dir())
        .expect("temp dir");
    // As root the server runs as an unprivileged user, which must be able to traverse it.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711))
        .expect("chmod temp dir");
    let data_dir = dir.path().join("data");
    let cluster = EmbeddedCluster::new(&data_dir).expect("cluster");
    let guard = StopOnDrop(cluster.clone());

    let before = cluster.status();
    assert!(!before.initialised);
    assert!(!before.running);
    assert!(before.binaries.is_some(), "{:?}", before.binaries_problem);

    // Two racing starts: one initialises and starts, the other finds it running.
    let (first, second) = tokio::join!(cluster.ensure_running(), cluster.ensure_running());
    let url = first.expect("ensure_running");
    assert_eq!(second.expect("concurrent ensure_running"), url);
    assert_eq!(url, cluster.url());
    assert!(url.contains("?host=/"), "{url}");

    let status = cluster.status();
    assert!(status.initialised && status.running, "{status:?}");
    assert_eq!(status.server_state.as_deref(), Some("ready"));
    assert!(status.pid.is_some());
    let socket_dir = std::fs::metadata(cluster.socket_dir()).expect("socket dir");
    assert_eq!(socket_dir.permissions().mode() & 0o777, 0o700);
    let pg_dir = std::fs::metadata(cluster.pg_dir()).expect("pg dir");
    if unsafe { libc::geteuid() } == 0 {
        assert_ne!(pg_dir.uid(), 0, "the server must not run as root");
    }
    serde_json::to_string(&status).expect("status serialises");

    let pool = connect::open(&url, 2)
        .await
        .expect("connect over the socket");
    let settings: (String, String, String) = sqlx::query_as(
        "SELECT current_setting('max_connections'), current_setting('synchronous_commit'), \
                current_setting('listen_addresses')",
    )
    .fetch_one(&pool)
    .await
    .expect("settings");
    assert_eq!(settings, ("300".into(), "on".into(), String::new()));
    sqlx::raw_sql("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('survives a restart')")
        .execute(&pool)
        .await
        .expect("write");
    pool.close().await;

    assert!(cluster.stop().await.expect("stop"));
    let stopped = cluster.status();
    assert!(!stopped.running, "{stopped:?}");
    assert!(stopped.pid.is_none());
    assert!(
        !cluster.stop().await.expect("second stop"),
        "already stopped"
    );

    assert_eq!(cluster.ensure_running().await.expect("restart"), url);
    assert!(cluster.status().running);
    let pool = connect::open(&url, 1).await.expect("reconnect");
    let note: String = sqlx::query_scalar("SELECT note FROM kept")
        .fetch_one(&pool)
        .await
        .expect("data kept");
    assert_eq!(note, "survives a restart");
    pool.close().await;

    assert!(cluster.stop().await.expect("final stop"));
    drop(guard);
    dir.close().expect("remove temp dir");
}

#[tokio::test]
async fn heavy_lock_is_exclusive() {
    let guard = common::heavy_lock().await;
    let waiter = tokio::spawn(async { common::heavy_lock().await });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!waiter.is_finished(), "a second holder got the lock");
    drop(guard);
    let _second = waiter.await.expect("second holder");
    assert!(common::aisle_bin().ends_with("aisle"));
}

#[tokio::test]
async fn a_data_dir_the_server_user_cannot_reach_is_refused_clearly() {
    if unsafe { libc::geteuid() } != 0 {
        return; // only root hands the server to another user
    }
    let dir = tempfile::Builder::new()
        .prefix("aisle-private-")
        .tempdir_in(std::env::temp_dir())
        .expect("temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
        .expect("chmod temp dir");
    let cluster = EmbeddedCluster::new(dir.path().join("data")).expect("cluster");
    let err = cluster
        .ensure_running()
        .await
        .expect_err("the server user cannot traverse a 0700 root directory");
    let message = err.to_string();
    assert!(message.contains("cannot reach"), "{message}");
    assert!(!cluster.status().running);
}
