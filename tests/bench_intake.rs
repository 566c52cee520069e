//! The intake benchmark's code works: a tiny run builds its warehouse, runs both sides, reserves
//! and backorders, keeps the invariants, reports sane figures, and leaves no scratch database
//! behind. Timing is reported, never asserted (DESIGN.md, "Performance rules").

mod common;

use aisle::bench::intake::{self, IntakeBenchOptions};
use sqlx::{Connection, PgConnection};

#[tokio::test]
async fn a_tiny_run_ingests_both_sides_and_cleans_up() {
    let server = common::server_url().await;
    let options = IntakeBenchOptions {
        lines: 2_000,
        rounds: 2,
        naive_lines: 300,
        skus: 500,
        seed: 7,
        warmup_lines: 500,
        analyze: true,
    };
    let report = intake::run(&server, options).await.expect("benchmark runs");

    assert_eq!(report.rounds.len(), 2);
    assert_eq!(report.invariant_checks, 4);
    for round in &report.rounds {
        assert!(round.ours.lines >= 2_000 && round.ours.lines < 2_007);
        assert!(round.naive.lines >= 300 && round.naive.lines < 307);
        for side in [&round.ours, &round.naive] {
            assert!(side.lines_per_sec > 0.0);
            assert_eq!(side.invariant_violations, 0);
            let shipping =
                side.reserved_lines + side.partly_reserved_lines + side.backordered_lines;
            assert_eq!(shipping + side.non_shipping_lines, side.lines as i64);
            // Most lines reserve; scarce SKUs leave some backordered.
            assert!(side.reserved_lines * 10 > shipping * 8, "{side:?}");
            let stored: i64 = side.orders_by_status.values().sum();
            assert_eq!(stored, side.orders as i64);
        }
        assert!(round.ours.backordered_lines + round.ours.partly_reserved_lines > 0);
    }
    // Same stream, so the naive side's orders are the first ours ingested, under other ids.
    assert_eq!(report.rounds[0].naive.orders, report.naive_orders);
    assert!(report.ours_lines_per_sec_median > 0.0);
    assert!(report.ratio > 0.0);

    let text = report.to_text();
    assert!(text.contains("median"), "{text}");
    assert!(text.contains("subset"), "{text}");
    let json = serde_json::to_value(&report).expect("serialises");
    for field in [
        "ours_lines_per_sec_median",
        "naive_lines_per_sec_median",
        "ratio",
        "rounds",
        "lines",
        "naive_lines",
        "machine",
    ] {
        assert!(json.get(field).is_some(), "{field} missing from {json}");
    }

    let mut admin = PgConnection::connect(&server).await.expect("connect");
    let left: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(&report.database)
            .fetch_one(&mut admin)
            .await
            .expect("query");
    assert!(
        !left,
        "scratch database {} was not dropped",
        report.database
    );
}

#[tokio::test]
async fn nonsense_options_are_refused_before_touching_the_server() {
    let options = IntakeBenchOptions {
        rounds: 0,
        ..IntakeBenchOptions::default()
    };
    let err = intake::run("postgres://nobody@127.0.0.1:1/none", options)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("--rounds"), "{err}");
}
