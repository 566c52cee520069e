//! The embedded default through the real binary: with no DATABASE_URL, `aisle` starts its own
//! cluster in the data directory, migrates it, loads the demo warehouse once, keeps it running
//! for later commands, and stops it on `aisle db stop`.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use serde_json::Value;

fn aisle(data_dir: &std::path::Path, args: &[&str]) -> Output {
    std::process::Command::new(common::aisle_bin())
        .args(["--data-dir", data_dir.to_str().unwrap()])
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("AISLE_DATA_DIR")
        .env_remove("AISLE_WAREHOUSE")
        .output()
        .unwrap()
}

fn json(out: Output) -> Value {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Stops the cluster even when an assertion fails, so no server outlives its directory.
struct StopOnDrop(std::path::PathBuf);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        let _ = aisle(&self.0, &["db", "stop"]);
    }
}

#[test]
fn the_private_cluster_starts_loads_the_demo_once_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    // The server runs as an unprivileged account when tests run as root: let it in.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data_dir = dir.path().join("aisle");
    let _stop = StopOnDrop(data_dir.clone());

    let status = json(aisle(&data_dir, &["db", "status", "--json"]));
    assert_eq!(status["embedded"]["initialised"], false);
    assert_eq!(status["reachable"], false);

    // Any command that needs the database starts it; the first one loads the demo.
    let item = json(aisle(&data_dir, &["stock", "074312003813", "--json"]));
    assert_eq!(item["sku"], "BLK100-BLK-5060");
    assert!(item["on_hand"].as_i64().unwrap() > 0);
    assert!(item["channels"].as_array().unwrap().len() >= 3);

    let again = json(aisle(&data_dir, &["demo", "--json"]));
    assert_eq!(again["loaded"], false, "the demo must load only once");

    let status = json(aisle(&data_dir, &["db", "status", "--json"]));
    assert_eq!(
        (
            status["embedded"]["running"].clone(),
            status["reachable"].clone()
        ),
        (Value::Bool(true), Value::Bool(true))
    );
    assert_eq!(status["source"], "embedded");

    let stopped = json(aisle(&data_dir, &["db", "stop", "--json"]));
    assert_eq!(stopped["embedded"]["running"], false);

    // Started again, the data is still there and nothing is loaded twice.
    let started = json(aisle(&data_dir, &["db", "start", "--json"]));
    assert_eq!(started["reachable"], true);
    let item_again = json(aisle(&data_dir, &["stock", "074312003813", "--json"]));
    assert_eq!(item_again["on_hand"], item["on_hand"]);
    json(aisle(&data_dir, &["db", "stop", "--json"]));
}

#[test]
fn a_database_url_is_never_started_or_stopped_by_aisle() {
    let out = std::process::Command::new(common::aisle_bin())
        .args(["db", "stop"])
        .env(
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/postgres",
        )
        .env(
            "AISLE_DATA_DIR",
            std::env::temp_dir().join("aisle-never-used"),
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not stop a server it did not start")
    );
}
