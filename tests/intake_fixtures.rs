//! Every channel's fixture payloads (tests/fixtures/) into the demo warehouse's one queue: Shopify
//! webhooks, Amazon Orders API responses, CSV, and EDI 850s answered with 997s. Checks holds,
//! non-shipping lines, case conversion, reservations, refusals that name their place, and the
//! queue's order.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use aisle::db::{demo, queue};
use serde_json::Value;

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

struct Shell {
    url: String,
    data_dir: tempfile::TempDir,
}

impl Shell {
    fn ingest(&self, channel: &str, extra: &[&str], files: &[PathBuf]) -> (Output, Value) {
        let out = std::process::Command::new(common::aisle_bin())
            .args(["ingest", "--channel", channel, "--json"])
            .args(extra)
            .args(files)
            .env("DATABASE_URL", &self.url)
            .env("AISLE_DATA_DIR", self.data_dir.path())
            .output()
            .unwrap();
        let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "no JSON ({e}): {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out, json)
    }
}

async fn order(
    pool: &sqlx::PgPool,
    channel: &str,
    external_id: &str,
) -> (String, Option<String>, i64, i64) {
    sqlx::query_as(
        "select o.status::text, o.hold_reason,
                (select count(*) from order_lines l where l.order_id = o.id and not l.requires_shipping),
                (select coalesce(sum(r.quantity), 0)::bigint from reservations r
                   join order_lines l on l.id = r.order_line_id where l.order_id = o.id)
           from orders o join channels c on c.id = o.channel_id
          where c.name = $1 and o.external_id = $2",
    )
    .bind(channel)
    .bind(external_id)
    .fetch_one(pool)
    .await
    .unwrap_or_else(|e| panic!("order {channel} {external_id}: {e}"))
}

#[tokio::test]
async fn every_channels_fixtures_land_in_one_reserved_queue() {
    let db = common::fresh_db().await;
    demo::load(&db.pool).await.unwrap();
    let sh = Shell {
        url: db.url.clone(),
        data_dir: tempfile::tempdir().unwrap(),
    };
    let ack_dir = sh.data_dir.path().join("acks");
    sqlx::query("update channels set settings = settings || jsonb_build_object('ack_dir', $1::text) where name = 'edi-bigbox'")
        .bind(ack_dir.to_str().unwrap())
        .execute(&db.pool)
        .await
        .unwrap();

    // Shopify: a paid order with a tip and a custom line, an unpaid one, one with no address.
    let (out, report) = sh.ingest(
        "shopify-main",
        &[],
        &[
            fixture("shopify/orders_create_paid.json"),
            fixture("shopify/orders_create_pending.json"),
            fixture("shopify/orders_create_no_shipping_address.json"),
        ],
    );
    assert!(out.status.success(), "{report}");
    let (status, hold, non_shipping, reserved) =
        order(&db.pool, "shopify-main", "5820471230001").await;
    assert!(status == "reserved" || status == "backordered", "{status}");
    assert_eq!(
        (hold, non_shipping),
        (None, 2),
        "the tip and the custom line are kept, not shipped"
    );
    assert!(reserved > 0);
    let (status, hold, _, reserved) = order(&db.pool, "shopify-main", "5820471230002").await;
    assert_eq!(
        (status.as_str(), hold.as_deref()),
        ("held", Some("pending payment"))
    );
    assert_eq!(reserved, 3, "held orders are reserved but not released");
    order(&db.pool, "shopify-main", "5820471230003").await;

    // An update before release replaces the lines; a cancellation releases the reservation.
    let (_, report) = sh.ingest(
        "shopify-main",
        &["--topic", "orders/updated"],
        &[fixture("shopify/orders_updated.json")],
    );
    assert_eq!(report[0]["updated"], 1, "{report}");
    let lines: i64 = sqlx::query_scalar(
        "select count(*) from order_lines l join orders o on o.id = l.order_id where o.external_id = '5820471230001'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        lines, 4,
        "the refunded sunglasses line has nothing left to ship"
    );
    sh.ingest(
        "shopify-main",
        &["--topic", "orders/cancelled"],
        &[fixture("shopify/orders_cancelled.json")],
    );
    let (status, _, _, reserved) = order(&db.pool, "shopify-main", "5820471230002").await;
    assert_eq!((status.as_str(), reserved), ("cancelled", 0));

    // A malformed payload is refused with its place, stored for supervisors, exit code 2.
    let (out, report) = sh.ingest(
        "shopify-main",
        &[],
        &[fixture("shopify/malformed_quantity.json")],
    );
    assert_eq!(out.status.code(), Some(2));
    let place = report[0]["rejected"][0]["place"].as_str().unwrap();
    assert!(place.contains("quantity"), "{report}");

    // Amazon: unshipped reserved, pending held, cancelled kept as cancelled; FBA refused.
    let (_, report) = sh.ingest(
        "amazon-us",
        &[],
        &[
            fixture("amazon/search_orders.json"),
            fixture("amazon/fba_order.json"),
        ],
    );
    assert_eq!(
        report[1]["rejected"].as_array().unwrap().len(),
        1,
        "{report}"
    );
    let (status, _, _, _) = order(&db.pool, "amazon-us", "113-4820193-5512047").await;
    assert!(status == "reserved" || status == "backordered", "{status}");
    assert_eq!(
        order(&db.pool, "amazon-us", "113-7734521-0092218").await.0,
        "held"
    );
    assert_eq!(
        order(&db.pool, "amazon-us", "114-2201987-6643310").await.0,
        "cancelled"
    );
    let item_ids: Vec<Option<String>> = sqlx::query_scalar(
        "select l.external_line_id from order_lines l join orders o on o.id = l.order_id
          where o.external_id = '113-4820193-5512047' order by l.line_no",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert!(
        item_ids
            .iter()
            .all(|id| id.as_deref().is_some_and(|s| !s.is_empty())),
        "orderItemId kept"
    );

    // CSV: cases become eaches; the held order keeps its non-shipping line; a bad cell refuses
    // only its order.
    let (_, report) = sh.ingest(
        "manual",
        &[],
        &[
            fixture("csv/orders_good.csv"),
            fixture("csv/orders_one_bad_row.csv"),
        ],
    );
    assert_eq!(report[0]["created"], 3, "{report}");
    assert_eq!(
        (
            report[1]["created"].as_i64(),
            report[1]["rejected"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );
    assert!(
        report[1]["rejected"][0]["place"]
            .as_str()
            .unwrap()
            .contains("line 4"),
        "{report}"
    );
    let case_line: (i32, i32, String) = sqlx::query_as(
        "select l.quantity, l.channel_quantity, l.channel_unit from order_lines l
           join orders o on o.id = l.order_id join skus s on s.id = l.sku_id
          where o.external_id = 'M-20260302-002' and s.code = 'CAN100-CIT-8OZ'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(case_line, (24, 2, "case".to_string()), "2 cases of 12");
    assert_eq!(order(&db.pool, "manual", "M-20260302-003").await.0, "held");

    // EDI: every 850 answered with a 997 in the partner's directory; cases converted.
    let (_, report) = sh.ingest(
        "edi-bigbox",
        &[],
        &[
            fixture("edi/004010_850_three_lines.edi"),
            fixture("edi/005010_two_850s_bad_ctt.edi"),
        ],
    );
    assert_eq!(report[0]["created"], 1, "{report}");
    let acks: Vec<PathBuf> = std::fs::read_dir(&ack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(acks.len(), 2, "one 997 per interchange's group: {acks:?}");
    let first =
        std::fs::read_to_string(report[0]["acknowledgements"][0].as_str().unwrap()).unwrap();
    assert!(
        first.contains("AK1*PO*101") && first.contains("AK5*A") && first.contains("AK9*A*1*1*1"),
        "{first}"
    );
    let second =
        std::fs::read_to_string(report[1]["acknowledgements"][0].as_str().unwrap()).unwrap();
    assert!(
        second.contains("AK9^P^2^2^1") || second.contains("AK9*P*2*2*1"),
        "{second}"
    );
    let cable: i32 = sqlx::query_scalar(
        "select l.quantity from order_lines l join orders o on o.id = l.order_id join skus s on s.id = l.sku_id
          where o.external_id = 'BB4500012345' and s.code = 'CBL100-CHR-3M'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(cable, 48, "2 cases of 24");
    let controls: Vec<i64> = sqlx::query_scalar("select last_interchange from edi_control_numbers")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        controls,
        [2],
        "control numbers come from the partner's sequence"
    );

    // A broken envelope is refused naming the segment, with no 997.
    let (out, report) = sh.ingest(
        "edi-bigbox",
        &[],
        &[
            fixture("edi/004010_850_bad_se_count.edi"),
            fixture("edi/004010_850_truncated_isa.edi"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        report[0]["rejected"][0]["place"]
            .as_str()
            .unwrap()
            .contains("(SE)"),
        "{report}"
    );
    assert!(
        report[1]["rejected"][0]["place"]
            .as_str()
            .unwrap()
            .contains("ISA"),
        "{report}"
    );
    assert!(report[1]["acknowledgements"].as_array().unwrap().is_empty());

    // Everything again: nothing changes (intake is idempotent per channel and external id).
    let (_, report) = sh.ingest("amazon-us", &[], &[fixture("amazon/search_orders.json")]);
    assert_eq!(
        (report[0]["created"].as_i64(), report[0]["updated"].as_i64()),
        (Some(0), Some(0)),
        "{report}"
    );
    let (_, report) = sh.ingest("manual", &[], &[fixture("csv/orders_good.csv")]);
    assert_eq!(report[0]["unchanged"], 3, "{report}");

    // One queue, in the order the floor works it: manual priority, then due time.
    let wh: i32 = sqlx::query_scalar("select id from warehouses")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let queue = queue::open_orders(&db.pool, wh, 100_000).await.unwrap();
    let channels: std::collections::HashSet<&str> =
        queue.iter().map(|o| o.channel.as_str()).collect();
    assert_eq!(channels.len(), 4, "{channels:?}");
    for pair in queue.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(
            a.priority > b.priority
                || (a.priority == b.priority
                    && (b.due_at.is_none() || a.due_at.is_some_and(|d| Some(d) <= b.due_at))),
            "queue out of order: {a:?} before {b:?}"
        );
    }
    let errors: i64 = sqlx::query_scalar("select count(*) from intake_errors")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(errors >= 5, "refusals are kept for supervisors: {errors}");
    let violations = aisle::db::invariants::violations(&db.pool).await.unwrap();
    assert!(violations.is_empty(), "{violations:#?}");
}
