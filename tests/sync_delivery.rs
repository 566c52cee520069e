//! Delivery of the outbox (issue 6): claims under a lease by several workers, stock figures
//! upserted while in flight, workers that die, retries with backoff, the dead-letter state, the
//! status, and `aisle sync` from the shell. Against the real Postgres, on the demo warehouse
//! (whose loader writes every channel's stock figures to the outbox).

mod common;

use std::collections::HashSet;
use std::time::Duration;

use aisle::db::inventory::{self, Receipt};
use aisle::db::operators::{self, SystemActor};
use aisle::sync::delivery::{
    self, AfterFailure, Claimed, Delivered, Failure, MAX_ATTEMPTS, MessageKind,
};
use serde_json::Value;
use sqlx::PgPool;

const LEASE: Duration = Duration::from_secs(60);

/// A Shopify stock figure of the demo whose SKU is in a bin without a lot and whose listing passes
/// the whole available quantity on (share 100, no cap, no buffer): receiving units changes it.
struct Figure {
    wh: i32,
    id: i64,
    sku: String,
    location: String,
}

async fn shopify_figure(pool: &PgPool) -> Figure {
    let (wh, id, sku, location) = sqlx::query_as(
        "select o.warehouse_id, o.id, s.code, l.code
           from outbox o
           join channels c on c.id = o.channel_id
           join skus s on s.id = o.sku_id
           join channel_listings cl on cl.channel_id = c.id and cl.sku_id = s.id
           join stock st on st.warehouse_id = o.warehouse_id and st.sku_id = s.id and st.lot = ''
           join locations l on l.warehouse_id = st.warehouse_id and l.id = st.location_id
          where c.name = 'shopify-main' and o.kind = 'stock'
            and cl.share_pct = 100 and cl.cap is null and cl.buffer = 0
          order by o.id, l.code
          limit 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    Figure {
        wh,
        id,
        sku,
        location,
    }
}

/// The demo loaded, and every message but `id` due only tomorrow, so that claims see that one.
async fn only_due(pool: &PgPool, id: i64) {
    sqlx::query(
        "update outbox set next_attempt_at = now() + interval '1 day'
          where id <> $1 and status = 'pending'",
    )
    .bind(id)
    .execute(pool)
    .await
    .unwrap();
}

/// Receives units as the floor does: the same transaction upserts the channels' figures (the
/// other channels' figures of the SKU too, which [`only_due`] pushes back to tomorrow again).
async fn receive(pool: &PgPool, figure: &Figure, quantity: i32) {
    let actor = operators::system_actor(pool, SystemActor::Demo)
        .await
        .unwrap();
    inventory::receive(
        pool,
        figure.wh,
        &actor,
        &Receipt {
            sku: figure.sku.clone(),
            location: figure.location.clone(),
            quantity,
            lot: None,
            expiry: None,
            reason: Some("sync delivery test".into()),
            scan_id: None,
        },
    )
    .await
    .unwrap();
    only_due(pool, figure.id).await;
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    status: String,
    version: i64,
    quantity: Option<i32>,
    delivered_version: Option<i64>,
    attempts: i32,
    last_error: Option<String>,
    claimed_by: Option<String>,
    due_in_s: f64,
}

async fn row(pool: &PgPool, id: i64) -> Row {
    sqlx::query_as(
        "select status::text, version, quantity, delivered_version, attempts, last_error,
                claimed_by, extract(epoch from next_attempt_at - now())::float8 as due_in_s
           from outbox where id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap()
}

fn one(mut claimed: Vec<Claimed>) -> Claimed {
    assert_eq!(claimed.len(), 1, "{claimed:?}");
    claimed.remove(0)
}

fn retry(reason: &str) -> Failure {
    Failure::Retry {
        after: None,
        reason: reason.into(),
    }
}

#[tokio::test]
async fn concurrent_workers_claim_disjoint_messages_and_every_due_one() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    aisle::db::demo::load(pool).await.unwrap();
    let due: i64 = sqlx::query_scalar("select count(*) from outbox where status = 'pending'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(due > 20, "the demo should queue many figures, got {due}");

    let workers: Vec<_> = (0..4)
        .map(|n| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let worker = format!("worker-{n}");
                let mut mine = Vec::new();
                loop {
                    let batch = delivery::claim(&pool, &worker, LEASE, 7).await.unwrap();
                    if batch.is_empty() {
                        break;
                    }
                    mine.extend(batch.into_iter().map(|c| (worker.clone(), c)));
                    tokio::task::yield_now().await;
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.unwrap());
    }

    let ids: HashSet<(i32, i64)> = all.iter().map(|(_, c)| (c.warehouse_id, c.id)).collect();
    assert_eq!(ids.len(), all.len(), "a message was claimed twice");
    assert_eq!(all.len() as i64, due, "every due message is claimed once");
    let keys: HashSet<&str> = all
        .iter()
        .map(|(_, c)| c.idempotency_key.as_str())
        .collect();
    assert_eq!(keys.len(), all.len(), "idempotency keys are unique");
    for (worker, c) in &all {
        let r = row(pool, c.id).await;
        assert_eq!(r.status, "in_flight");
        assert_eq!(r.claimed_by.as_deref(), Some(worker.as_str()));
        assert_eq!(c.claim, 1);
        if c.kind == MessageKind::Stock {
            assert_eq!(
                c.idempotency_key,
                format!("aisle-{}-{}-v{}", c.warehouse_id, c.id, c.version)
            );
            assert!(c.quantity.is_some() && c.sku_id.is_some());
        }
    }
    // Nothing is left to claim while the leases hold.
    assert!(
        delivery::claim(pool, "late", LEASE, 100)
            .await
            .unwrap()
            .is_empty()
    );
    db.drop_db().await;
}

#[tokio::test]
async fn a_figure_upserted_in_flight_is_not_marked_delivered_and_is_sent_next() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    aisle::db::demo::load(pool).await.unwrap();
    let figure = shopify_figure(pool).await;
    only_due(pool, figure.id).await;

    let first = one(delivery::claim(pool, "a", LEASE, 10).await.unwrap());
    assert_eq!(first.id, figure.id);
    assert_eq!(first.channel, "shopify-main");
    let sent_quantity = first.quantity.unwrap();

    // The floor receives units while the figure is on its way: a new version, pending again.
    receive(pool, &figure, 5).await;
    let r = row(pool, figure.id).await;
    assert_eq!(r.version, first.version + 1);
    assert_eq!(r.quantity, Some(sent_quantity + 5));
    assert_eq!(r.status, "pending");
    // Not sent out of order: no other worker takes the newer figure while "a" holds the row.
    assert!(
        delivery::claim(pool, "b", LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        delivery::record_delivered(pool, &first).await.unwrap(),
        Delivered::Superseded {
            version: first.version + 1
        }
    );
    let r = row(pool, figure.id).await;
    assert_eq!(
        r.status, "pending",
        "a stale version is never marked delivered"
    );
    assert_eq!(r.delivered_version, Some(first.version));
    assert!(r.due_in_s <= 0.0, "the newer figure is due at once");

    let next = one(delivery::claim(pool, "b", LEASE, 10).await.unwrap());
    assert_eq!(next.id, figure.id);
    assert_eq!(next.version, first.version + 1);
    assert_eq!(next.quantity, Some(sent_quantity + 5));
    assert_ne!(next.idempotency_key, first.idempotency_key);
    assert_eq!(next.delivered_version, Some(first.version));
    assert_eq!(
        delivery::record_delivered(pool, &next).await.unwrap(),
        Delivered::Delivered
    );
    let r = row(pool, figure.id).await;
    assert_eq!(r.status, "delivered");
    assert_eq!(r.delivered_version, Some(next.version));
    assert!(
        delivery::claim(pool, "c", LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );
    db.drop_db().await;
}

#[tokio::test]
async fn a_worker_that_dies_loses_nothing_and_cannot_overwrite_the_next_claim() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    aisle::db::demo::load(pool).await.unwrap();
    let figure = shopify_figure(pool).await;
    only_due(pool, figure.id).await;

    let dead_worker = one(
        delivery::claim(pool, "dies", Duration::from_millis(300), 10)
            .await
            .unwrap(),
    );
    assert!(
        delivery::claim(pool, "other", LEASE, 10)
            .await
            .unwrap()
            .is_empty(),
        "the lease holds while it runs"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;

    let taken = one(delivery::claim(pool, "other", LEASE, 10).await.unwrap());
    assert_eq!(taken.id, dead_worker.id);
    assert_eq!(taken.version, dead_worker.version);
    assert_eq!(taken.claim, dead_worker.claim + 1);
    assert_eq!(
        taken.idempotency_key, dead_worker.idempotency_key,
        "a resend of the same figure is the same request to the channel"
    );

    // The first worker wakes up late: its outcomes change nothing.
    assert_eq!(
        delivery::record_failure(pool, &dead_worker, retry("timeout"))
            .await
            .unwrap(),
        AfterFailure::ClaimLost
    );
    assert_eq!(
        delivery::record_delivered(pool, &dead_worker)
            .await
            .unwrap(),
        Delivered::ClaimLost
    );
    let r = row(pool, figure.id).await;
    assert_eq!(r.status, "in_flight");
    assert_eq!(r.attempts, 0);
    assert_eq!(r.claimed_by.as_deref(), Some("other"));

    assert_eq!(
        delivery::record_delivered(pool, &taken).await.unwrap(),
        Delivered::Delivered
    );
    assert_eq!(row(pool, figure.id).await.status, "delivered");
    db.drop_db().await;
}

#[tokio::test]
async fn failures_back_off_then_the_message_is_dead_and_can_be_retried() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    aisle::db::demo::load(pool).await.unwrap();
    let figure = shopify_figure(pool).await;
    only_due(pool, figure.id).await;

    for attempt in 1..=MAX_ATTEMPTS {
        let claimed = one(delivery::claim(pool, "w", LEASE, 10).await.unwrap());
        assert_eq!(claimed.attempts, attempt - 1);
        let reason = format!("HTTP 503 from Shopify (try {attempt})");
        let outcome = delivery::record_failure(pool, &claimed, retry(&reason))
            .await
            .unwrap();
        let r = row(pool, figure.id).await;
        assert_eq!(r.attempts, attempt);
        assert_eq!(r.last_error.as_deref(), Some(reason.as_str()));
        if attempt < MAX_ATTEMPTS {
            let wait = 2f64.powi(attempt);
            assert_eq!(
                outcome,
                AfterFailure::Retry {
                    attempts: attempt,
                    after: Duration::from_secs(wait as u64)
                }
            );
            assert_eq!(r.status, "pending");
            assert!(
                (r.due_in_s - wait).abs() < 1.5,
                "try {attempt}: due in {}s, expected {wait}s",
                r.due_in_s
            );
            assert!(
                delivery::claim(pool, "w", LEASE, 10)
                    .await
                    .unwrap()
                    .is_empty(),
                "not claimed before its backoff"
            );
            // Time passes.
            sqlx::query("update outbox set next_attempt_at = now() where id = $1")
                .bind(figure.id)
                .execute(pool)
                .await
                .unwrap();
        } else {
            assert_eq!(
                outcome,
                AfterFailure::Dead {
                    attempts: MAX_ATTEMPTS
                }
            );
            assert_eq!(r.status, "dead");
        }
    }
    sqlx::query("update outbox set next_attempt_at = now() where id = $1")
        .bind(figure.id)
        .execute(pool)
        .await
        .unwrap();
    assert!(
        delivery::claim(pool, "w", LEASE, 10)
            .await
            .unwrap()
            .is_empty(),
        "a dead message is not claimed"
    );

    let status = delivery::status(pool).await.unwrap();
    let dead = status
        .dead_messages
        .iter()
        .find(|m| m.id == figure.id)
        .unwrap();
    assert_eq!(dead.attempts, MAX_ATTEMPTS);
    assert_eq!(
        dead.last_error.as_deref(),
        Some(format!("HTTP 503 from Shopify (try {MAX_ATTEMPTS})").as_str())
    );
    assert_eq!(dead.sku.as_deref(), Some(figure.sku.as_str()));

    delivery::retry_dead(pool, figure.wh, figure.id)
        .await
        .unwrap();
    let r = row(pool, figure.id).await;
    assert_eq!((r.status.as_str(), r.attempts), ("pending", 0));
    let again = one(delivery::claim(pool, "w", LEASE, 10).await.unwrap());
    assert_eq!(again.id, figure.id);
    // Only dead messages are put back.
    assert!(
        delivery::retry_dead(pool, figure.wh, figure.id)
            .await
            .is_err()
    );
    db.drop_db().await;
}

#[tokio::test]
async fn retry_after_is_honoured_and_a_permanent_refusal_is_dead_at_once() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    aisle::db::demo::load(pool).await.unwrap();
    let figure = shopify_figure(pool).await;
    only_due(pool, figure.id).await;

    let claimed = one(delivery::claim(pool, "w", LEASE, 10).await.unwrap());
    let throttled = Failure::Retry {
        after: Some(Duration::from_secs(40)),
        reason: "HTTP 429 Too Many Requests".into(),
    };
    assert_eq!(
        delivery::record_failure(pool, &claimed, throttled)
            .await
            .unwrap(),
        AfterFailure::Retry {
            attempts: 1,
            after: Duration::from_secs(40)
        }
    );
    let due_in = row(pool, figure.id).await.due_in_s;
    assert!((due_in - 40.0).abs() < 1.5, "due in {due_in}s");

    sqlx::query("update outbox set next_attempt_at = now() where id = $1")
        .bind(figure.id)
        .execute(pool)
        .await
        .unwrap();
    let claimed = one(delivery::claim(pool, "w", LEASE, 10).await.unwrap());
    let refused = Failure::Permanent {
        reason: "userErrors: inventory item not stocked at location".into(),
    };
    assert_eq!(
        delivery::record_failure(pool, &claimed, refused)
            .await
            .unwrap(),
        AfterFailure::Dead { attempts: 2 }
    );
    let r = row(pool, figure.id).await;
    assert_eq!(r.status, "dead");
    assert_eq!(
        r.last_error.as_deref(),
        Some("userErrors: inventory item not stocked at location")
    );

    // A new figure from the floor revives a dead stock row by itself (the upsert's rule).
    receive(pool, &figure, 3).await;
    let r = row(pool, figure.id).await;
    assert_eq!((r.status.as_str(), r.attempts), ("pending", 0));
    db.drop_db().await;
}

#[tokio::test]
async fn a_failed_figure_superseded_in_flight_leaves_the_new_one_due() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    aisle::db::demo::load(pool).await.unwrap();
    let figure = shopify_figure(pool).await;
    only_due(pool, figure.id).await;

    let claimed = one(delivery::claim(pool, "w", LEASE, 10).await.unwrap());
    receive(pool, &figure, 2).await;
    let refused = Failure::Permanent {
        reason: "HTTP 422".into(),
    };
    assert!(matches!(
        delivery::record_failure(pool, &claimed, refused)
            .await
            .unwrap(),
        AfterFailure::Retry { attempts: 1, .. }
    ));
    let r = row(pool, figure.id).await;
    assert_eq!(r.status, "pending", "the newer figure gets its own tries");
    assert_eq!(r.version, claimed.version + 1);
    db.drop_db().await;
}

#[tokio::test]
async fn status_counts_match_the_outbox_per_channel() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    aisle::db::demo::load(pool).await.unwrap();

    // Some in flight, one delivered, one failed and pending, one dead.
    let claimed = delivery::claim(pool, "w", LEASE, 6).await.unwrap();
    assert_eq!(claimed.len(), 6);
    delivery::record_delivered(pool, &claimed[0]).await.unwrap();
    delivery::record_failure(pool, &claimed[1], retry("timeout"))
        .await
        .unwrap();
    delivery::record_failure(
        pool,
        &claimed[2],
        Failure::Permanent {
            reason: "HTTP 400".into(),
        },
    )
    .await
    .unwrap();
    sqlx::query("update outbox set updated_at = now() - interval '90 seconds' where id = $1")
        .bind(claimed[3].id)
        .execute(pool)
        .await
        .unwrap();

    let status = delivery::status(pool).await.unwrap();
    let expected: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
        "select c.name,
                count(o.id) filter (where o.status in ('pending', 'in_flight')),
                count(o.id) filter (where o.status = 'in_flight'),
                count(o.id) filter (where o.status = 'dead'),
                count(o.id) filter (where o.status <> 'delivered' and o.attempts > 0)
           from channels c left join outbox o on o.channel_id = c.id
          group by c.name order by c.name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let got: Vec<(String, i64, i64, i64, i64)> = status
        .channels
        .iter()
        .map(|c| {
            (
                c.channel.clone(),
                c.counts.depth,
                c.counts.in_flight,
                c.counts.dead,
                c.counts.failures,
            )
        })
        .collect();
    assert_eq!(got, expected);

    let total: i64 =
        sqlx::query_scalar("select count(*) from outbox where status in ('pending', 'in_flight')")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(status.totals.depth, total);
    assert_eq!(status.totals.in_flight, 3);
    assert_eq!(status.totals.dead, 1);
    assert_eq!(status.totals.failures, 2);
    let oldest = status.totals.oldest_unsent_age_s.unwrap();
    assert!((90..600).contains(&oldest), "oldest unsent {oldest}s");
    assert_eq!(status.dead_messages.len(), 1);
    assert_eq!(status.dead_messages[0].id, claimed[2].id);
    assert!(status.to_text().contains("HTTP 400"));
    db.drop_db().await;
}

fn aisle(url: &str, data_dir: &tempfile::TempDir, args: &[&str]) -> std::process::Output {
    std::process::Command::new(common::aisle_bin())
        .args(args)
        .env("DATABASE_URL", url)
        .env("AISLE_DATA_DIR", data_dir.path())
        .env_remove("AISLE_WAREHOUSE")
        .output()
        .unwrap()
}

#[tokio::test]
async fn aisle_sync_status_json_and_retry_from_the_shell() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    aisle::db::demo::load(pool).await.unwrap();
    let data_dir = tempfile::tempdir().unwrap();

    let claimed = delivery::claim(pool, "w", LEASE, 1).await.unwrap();
    delivery::record_failure(
        pool,
        &claimed[0],
        Failure::Permanent {
            reason: "HTTP 404".into(),
        },
    )
    .await
    .unwrap();

    let out = aisle(&db.url, &data_dir, &["sync", "--status", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let depth: i64 =
        sqlx::query_scalar("select count(*) from outbox where status in ('pending', 'in_flight')")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(json["totals"]["depth"], depth);
    assert_eq!(json["totals"]["dead"], 1);
    assert_eq!(json["dead_messages"][0]["id"], claimed[0].id);
    assert_eq!(json["dead_messages"][0]["last_error"], "HTTP 404");
    let shopify = json["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == "shopify-main")
        .unwrap();
    assert!(shopify["depth"].as_i64().unwrap() > 0);

    let text = aisle(&db.url, &data_dir, &["sync", "--status"]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("shopify-main") && text.contains("HTTP 404"),
        "{text}"
    );

    let id = claimed[0].id.to_string();
    let out = aisle(&db.url, &data_dir, &["sync", "--retry", &id, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(row(pool, claimed[0].id).await.status, "pending");
    // Not dead any more: refused, with a reason.
    let again = aisle(&db.url, &data_dir, &["sync", "--retry", &id]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not dead"));

    // The worker is not wired yet: it says so rather than pretend to deliver.
    let worker = aisle(&db.url, &data_dir, &["sync"]);
    assert_eq!(worker.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&worker.stderr).contains("not wired"));
    let delivered: i64 =
        sqlx::query_scalar("select count(*) from outbox where status = 'delivered'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(delivered, 0);
    db.drop_db().await;
}
