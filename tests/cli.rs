//! The `aisle` binary from the shell: stock changes with an operator's badge and PIN, JSON output,
//! and bad input refused with a clear message and no change.

mod common;
mod fixture;

use std::process::Output;

use fixture::{PIN, small_warehouse, snapshot};
use serde_json::Value;

struct Shell {
    url: String,
    data_dir: tempfile::TempDir,
}

impl Shell {
    fn run(&self, args: &[&str], pin: &str) -> Output {
        std::process::Command::new(common::aisle_bin())
            .args(args)
            .env("DATABASE_URL", &self.url)
            .env("AISLE_DATA_DIR", self.data_dir.path())
            .env("AISLE_PIN", pin)
            .env_remove("AISLE_OPERATOR")
            .env_remove("AISLE_WAREHOUSE")
            .output()
            .unwrap()
    }

    fn ok_json(&self, args: &[&str]) -> Value {
        let out = self.run(args, PIN);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Runs a command that must fail, and returns what it said on stderr.
    fn refused(&self, args: &[&str], pin: &str) -> String {
        let out = self.run(args, pin);
        assert!(!out.status.success(), "{args:?} should have failed");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

async fn shell() -> (common::TestDb, fixture::Fixture, Shell) {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    let shell = Shell {
        url: db.url.clone(),
        data_dir: tempfile::tempdir().unwrap(),
    };
    (db, f, shell)
}

#[tokio::test]
async fn receive_move_adjust_and_stock_from_the_shell() {
    let (_db, f, sh) = shell().await;
    let out = sh.ok_json(&[
        "receive",
        &f.sku,
        "12",
        "--location",
        &f.bins[0],
        "--operator",
        "P1",
        "--json",
    ]);
    assert_eq!(out["locations"][0]["on_hand"], 12);
    let out = sh.ok_json(&[
        "move",
        &f.sku_gtin,
        "5",
        "--from",
        &f.bins[0],
        "--to",
        &f.bins[1],
        "--operator",
        "K1",
        "--json",
    ]);
    assert_eq!(out["locations"][1]["on_hand"], 5);
    let out = sh.ok_json(&[
        "adjust",
        &f.sku,
        "-2",
        "--location",
        &f.bins[1],
        "--reason",
        "damaged",
        "--operator",
        "S1",
        "--json",
    ]);
    assert_eq!(out["available"], 10);

    let stock = sh.ok_json(&["stock", &f.sku_gtin, "--json"]);
    assert_eq!(stock["sku"], "MUG-BLUE");
    assert_eq!(stock["available"], 10);
    let amazon = stock["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == "amazon-us")
        .unwrap();
    assert_eq!(amazon["figure"], 6); // floor(10 * 0.8) - 2

    let human = sh.run(&["stock", &f.sku], PIN);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("A-01-01-1") && text.contains("amazon-us"),
        "{text}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_message_and_changes_nothing() {
    let (db, f, sh) = shell().await;
    sh.ok_json(&[
        "receive",
        &f.sku,
        "3",
        "--location",
        &f.bins[0],
        "--operator",
        "P1",
        "--json",
    ]);
    let before = snapshot(&db.pool).await;

    let said = sh.refused(
        &[
            "receive",
            "NOPE-1",
            "1",
            "--location",
            &f.bins[0],
            "--operator",
            "P1",
        ],
        PIN,
    );
    assert!(
        said.contains("unknown SKU") && said.contains("NOPE-1"),
        "{said}"
    );
    let said = sh.refused(
        &[
            "receive",
            &f.sku,
            "1",
            "--location",
            "Q-9",
            "--operator",
            "P1",
        ],
        PIN,
    );
    assert!(
        said.contains("unknown location") && said.contains("Q-9"),
        "{said}"
    );
    let said = sh.refused(
        &[
            "adjust",
            &f.sku,
            "-4",
            "--location",
            &f.bins[0],
            "--reason",
            "count",
            "--operator",
            "S1",
        ],
        PIN,
    );
    assert!(
        said.contains("holds 3") && said.contains("cannot take 4"),
        "{said}"
    );
    let said = sh.refused(
        &[
            "receive",
            &f.sku,
            "abc",
            "--location",
            &f.bins[0],
            "--operator",
            "P1",
        ],
        PIN,
    );
    assert!(said.contains("expected a positive whole number"), "{said}");
    let said = sh.refused(
        &[
            "receive",
            &f.sku,
            "1",
            "--location",
            &f.bins[0],
            "--operator",
            "P1",
        ],
        "9999",
    );
    assert!(said.contains("wrong PIN"), "{said}");
    let said = sh.refused(
        &[
            "adjust",
            &f.sku,
            "-1",
            "--location",
            &f.bins[0],
            "--reason",
            "count",
            "--operator",
            "P1",
        ],
        PIN,
    );
    assert!(said.contains("picker may not adjust stock"), "{said}");
    let said = sh.refused(
        &[
            "adjust",
            &f.sku,
            "0",
            "--location",
            &f.bins[0],
            "--reason",
            "count",
            "--operator",
            "S1",
        ],
        PIN,
    );
    assert!(said.contains("non-zero"), "{said}");

    assert_eq!(snapshot(&db.pool).await, before);
}

#[tokio::test]
async fn operators_are_managed_by_admins_and_unlocked_by_supervisors() {
    let (db, _f, sh) = shell().await;
    let said = sh.refused(&["operator", "list", "--operator", "S1"], PIN);
    assert!(
        said.contains("supervisor may not manage operators"),
        "{said}"
    );
    let list = sh.ok_json(&["operator", "list", "--operator", "A1", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 4);
    assert!(!String::from_utf8_lossy(&serde_json::to_vec(&list).unwrap()).contains("argon2"));

    // Three wrong PINs lock the badge; a supervisor unlocks it.
    for _ in 0..3 {
        sh.refused(
            &[
                "receive",
                "MUG-BLUE",
                "1",
                "--location",
                "A-01-01-1",
                "--operator",
                "K1",
            ],
            "0000",
        );
    }
    let said = sh.refused(
        &[
            "receive",
            "MUG-BLUE",
            "1",
            "--location",
            "A-01-01-1",
            "--operator",
            "K1",
        ],
        PIN,
    );
    assert!(said.contains("locked"), "{said}");
    sh.ok_json(&["operator", "unlock", "K1", "--operator", "S1", "--json"]);
    sh.ok_json(&[
        "receive",
        "MUG-BLUE",
        "1",
        "--location",
        "A-01-01-1",
        "--operator",
        "K1",
        "--json",
    ]);
    let audit: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action in ('operator.locked', 'operator.unlock')",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(audit, 2);
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["demo", "--help"],
        vec!["db", "--help"],
        vec!["db", "status", "--help"],
        vec!["db", "migrate", "--help"],
        vec!["db", "start", "--help"],
        vec!["db", "stop", "--help"],
        vec!["stock", "--help"],
        vec!["receive", "--help"],
        vec!["move", "--help"],
        vec!["adjust", "--help"],
        vec!["operator", "--help"],
        vec!["operator", "add", "--help"],
        vec!["operator", "list", "--help"],
        vec!["operator", "unlock", "--help"],
        vec!["operator", "set-pin", "--help"],
        vec!["ingest", "--help"],
        vec!["hooks", "--help"],
        vec!["queue", "--help"],
        vec!["intake-errors", "--help"],
        vec!["bench", "--help"],
        vec!["bench", "intake", "--help"],
    ] {
        let out = std::process::Command::new(common::aisle_bin())
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[tokio::test]
async fn db_migrate_applies_everything_to_an_empty_database_then_nothing() {
    let db = common::empty_db().await;
    let sh = Shell {
        url: db.url.clone(),
        data_dir: tempfile::tempdir().unwrap(),
    };
    let first = sh.ok_json(&["db", "migrate", "--json"]);
    let total = aisle::db::migrate::MIGRATOR.iter().count() as i64;
    assert_eq!(
        (first["applied_now"].as_i64(), first["applied"].as_i64()),
        (Some(total), Some(total))
    );
    let second = sh.ok_json(&["db", "migrate", "--json"]);
    assert_eq!(second["applied_now"], 0);
    // A password in the URL never reaches the output (trust auth ignores it).
    let (scheme, rest) = db.url.split_once("://").unwrap();
    let (user, host) = rest.split_once('@').unwrap();
    let with_password = Shell {
        url: format!("{scheme}://{user}:s3cret-pw@{host}"),
        data_dir: tempfile::tempdir().unwrap(),
    };
    let status = with_password.ok_json(&["db", "status", "--json"]);
    assert_eq!(
        (status["source"].as_str(), status["reachable"].as_bool()),
        (Some("database_url"), Some(true))
    );
    assert!(!status.to_string().contains("s3cret-pw"), "{status}");
}
