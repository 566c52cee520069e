//! Intake into the one queue: set-wise storing and reservation, idempotency, holds, non-shipping
//! lines, case conversion, updates, cancellations (with put-backs), rejections that leave the
//! good orders alone, and concurrent intake on a scarce SKU.

mod common;
mod fixture;

use aisle::channels::{ParsedOrders, Rejection};
use aisle::db::channels::{self, Channel};
use aisle::db::intake::{self, IntakeReport};
use aisle::db::invariants;
use aisle::db::inventory::{self, Receipt};
use aisle::db::operators::{self, Operator, SystemActor};
use aisle::domain::incoming_order::{IncomingLine, IncomingOrder, IntakeAction, QuantityUnit};
use chrono::{Duration, TimeZone, Utc};
use fixture::{Fixture, small_warehouse};
use sqlx::PgPool;

fn line(line_no: i32, sku: &str, quantity: i32) -> IncomingLine {
    IncomingLine {
        line_no,
        external_line_id: Some(format!("L{line_no}")),
        channel_sku: Some(sku.to_string()),
        alternate_skus: vec![],
        quantity,
        unit: QuantityUnit::Each,
        requires_shipping: true,
        description: None,
    }
}

fn order(external_id: &str, lines: Vec<IncomingLine>) -> IncomingOrder {
    IncomingOrder {
        action: IntakeAction::Create,
        external_id: external_id.to_string(),
        reference: None,
        ordered_at: Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap(),
        ship_by: None,
        service_level: Some("Standard".into()),
        ship_to: None,
        hold_reason: None,
        lines,
    }
}

struct Setup {
    f: Fixture,
    shopify: Channel,
    amazon: Channel,
    edi: Channel,
    intake: Operator,
}

async fn setup(pool: &PgPool) -> Setup {
    let f = small_warehouse(pool).await;
    sqlx::query(
        "with c as (insert into carriers (code, name) values ('UPS', 'UPS') returning id),
              s as (insert into carrier_services (carrier_id, code, name, cutoff_local, transit_days)
                    select id, 'GND', 'UPS Ground', time '17:00', 3 from c
                    union all select id, '1DA', 'UPS Next Day Air', time '16:00', 1 from c returning id, code)
         insert into shipping_rules (channel_id, service_level, carrier_service_id)
         select ch.id, case s.code when 'GND' then 'Standard' else 'NextDay' end, s.id
           from channels ch cross join s",
    )
    .execute(pool)
    .await
    .unwrap();
    Setup {
        shopify: channels::by_name(pool, "shopify-main").await.unwrap(),
        amazon: channels::by_name(pool, "amazon-us").await.unwrap(),
        edi: channels::by_name(pool, "edi-bigbox").await.unwrap(),
        intake: operators::system_actor(pool, SystemActor::Intake)
            .await
            .unwrap(),
        f,
    }
}

async fn ingest(
    pool: &PgPool,
    s: &Setup,
    channel: &Channel,
    orders: Vec<IncomingOrder>,
) -> IntakeReport {
    let parsed: ParsedOrders = orders.into_iter().map(Ok).collect();
    intake::ingest(pool, channel, "test", parsed, &s.intake)
        .await
        .unwrap()
}

async fn stock(pool: &PgPool, s: &Setup, sku: &str, quantity: i32) {
    let receipt = Receipt {
        sku: sku.into(),
        location: s.f.bins[0].clone(),
        quantity,
        ..Receipt::default()
    };
    inventory::receive(pool, s.f.warehouse_id, &s.f.picker, &receipt)
        .await
        .unwrap();
}

async fn status(pool: &PgPool, channel: &Channel, external_id: &str) -> String {
    sqlx::query_scalar("select status::text from orders where channel_id = $1 and external_id = $2")
        .bind(channel.id)
        .bind(external_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn reserved(pool: &PgPool, channel: &Channel, external_id: &str) -> i64 {
    sqlx::query_scalar(
        "select coalesce(sum(r.quantity), 0)::bigint from reservations r
           join order_lines l on l.id = r.order_line_id join orders o on o.id = l.order_id
          where o.channel_id = $1 and o.external_id = $2",
    )
    .bind(channel.id)
    .bind(external_id)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn assert_invariants(pool: &PgPool) {
    let found = invariants::violations(pool).await.unwrap();
    assert!(found.is_empty(), "invariants broken: {found:#?}");
}

#[tokio::test]
async fn orders_are_stored_reserved_held_and_given_a_carrier_service_and_due_time() {
    let db = common::fresh_db().await;
    let s = setup(&db.pool).await;
    stock(&db.pool, &s, "MUG-BLUE", 10).await;

    let mut tip = line(2, "", 1);
    tip.channel_sku = None;
    tip.requires_shipping = false;
    tip.description = Some("Tip".into());
    let mut cases = line(3, "MUG-BLUE", 1);
    cases.unit = QuantityUnit::Case; // a case of 6
    let plain = order("1001", vec![line(1, "MUG-BLUE", 2), tip, cases]);
    let mut unpaid = order("1002", vec![line(1, "MUG-BLUE", 1)]);
    unpaid.hold_reason = Some("unpaid".into());
    let report = ingest(&db.pool, &s, &s.shopify, vec![plain, unpaid]).await;
    assert_eq!(
        (report.created, report.lines, report.units_reserved),
        (2, 4, 9)
    );
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);

    assert_eq!(status(&db.pool, &s.shopify, "1001").await, "reserved");
    assert_eq!(status(&db.pool, &s.shopify, "1002").await, "held");
    assert_eq!(
        reserved(&db.pool, &s.shopify, "1002").await,
        1,
        "held orders are reserved too"
    );
    let lines: Vec<(i32, Option<i32>, i32, String, bool)> = sqlx::query_as(
        "select l.line_no, l.sku_id, l.quantity, l.channel_unit, l.requires_shipping
           from order_lines l join orders o on o.id = l.order_id where o.external_id = '1001' order by 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(lines[1].1, None, "the tip has no SKU");
    assert!(!lines[1].4);
    assert_eq!(
        (lines[2].2, lines[2].3.as_str()),
        (6, "case"),
        "one case of six is six eaches"
    );

    // UPS Ground (17:00 London) is the default service for "Standard"; no ship-by means the
    // next cutoff from now.
    let (service, due): (String, chrono::DateTime<Utc>) = sqlx::query_as(
        "select cs.code, o.due_at from orders o join carrier_services cs on cs.id = o.carrier_service_id
          where o.external_id = '1001'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(service, "GND");
    assert!(
        due > Utc::now() && due <= Utc::now() + Duration::days(1),
        "{due}"
    );

    // Channel figures moved with the reservations: 10 on hand, 9 reserved.
    let figure: i32 = sqlx::query_scalar(
        "select quantity from outbox where channel_id = $1 and kind = 'stock' and sku_id = (select id from skus where code = 'MUG-BLUE')",
    )
    .bind(s.shopify.id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(figure, 1);
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn intake_is_idempotent_and_one_bad_order_does_not_stop_the_others() {
    let db = common::fresh_db().await;
    let s = setup(&db.pool).await;
    stock(&db.pool, &s, "MUG-BLUE", 5).await;
    let good = order("A-1", vec![line(1, "AMZ-MUG-BLUE", 1)]);
    let unknown = order(
        "A-2",
        vec![line(1, "AMZ-MUG-BLUE", 1), line(2, "AMZ-NOPE", 1)],
    );
    let zero = order("A-3", vec![line(1, "AMZ-MUG-BLUE", 0)]);
    let parse_error: Result<IncomingOrder, Rejection> = Err(Rejection::new(
        Some("A-4".into()),
        "$.orderItems[0].quantityOrdered",
        "expected a number, found \"two\"",
    ));
    let parsed: ParsedOrders = vec![Ok(good.clone()), Ok(unknown), Ok(zero), parse_error];
    let report = intake::ingest(&db.pool, &s.amazon, "orders.json", parsed, &s.intake)
        .await
        .unwrap();
    assert_eq!(report.created, 1);
    assert_eq!(report.rejected.len(), 3);
    assert!(
        report.rejected[1].to_string().contains("line 2")
            && report.rejected[1].message.contains("AMZ-NOPE")
    );

    let errors: Vec<(String, Option<String>, String, String)> =
        sqlx::query_as("select source, external_id, place, message from intake_errors order by id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(errors.len(), 3);
    assert!(errors.iter().all(|e| e.0 == "orders.json"));
    let stored: i64 = sqlx::query_scalar("select count(*) from orders")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 1, "nothing of a refused order is written");

    let again = ingest(&db.pool, &s, &s.amazon, vec![good]).await;
    assert_eq!(
        (again.created, again.unchanged, again.units_reserved),
        (0, 1, 0)
    );
    assert_eq!(reserved(&db.pool, &s.amazon, "A-1").await, 1);
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn a_batch_grants_scarce_stock_in_queue_order() {
    let db = common::fresh_db().await;
    let s = setup(&db.pool).await;
    stock(&db.pool, &s, "MUG-BLUE", 5).await;
    let now = Utc::now();
    let mut later = order("late-due", vec![line(1, "MUG-BLUE", 4)]);
    later.ship_by = Some(now + Duration::days(3));
    let mut sooner = order("soon-due", vec![line(1, "MUG-BLUE", 4)]);
    sooner.ship_by = Some(now + Duration::days(1));
    sooner.service_level = Some("NextDay".into());
    ingest(&db.pool, &s, &s.shopify, vec![later, sooner]).await;
    assert_eq!(status(&db.pool, &s.shopify, "soon-due").await, "reserved");
    assert_eq!(
        status(&db.pool, &s.shopify, "late-due").await,
        "backordered"
    );
    assert_eq!(reserved(&db.pool, &s.shopify, "late-due").await, 1);

    // Stock arriving goes to the waiting backorder.
    stock(&db.pool, &s, "MUG-BLUE", 3).await;
    assert_eq!(status(&db.pool, &s.shopify, "late-due").await, "reserved");
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn updates_replace_lines_before_release_and_cancellations_release_or_put_back() {
    let db = common::fresh_db().await;
    let s = setup(&db.pool).await;
    stock(&db.pool, &s, "MUG-BLUE", 6).await;
    ingest(
        &db.pool,
        &s,
        &s.shopify,
        vec![order("U-1", vec![line(1, "MUG-BLUE", 4)])],
    )
    .await;
    ingest(
        &db.pool,
        &s,
        &s.shopify,
        vec![order("U-2", vec![line(1, "MUG-BLUE", 4)])],
    )
    .await;
    assert_eq!(status(&db.pool, &s.shopify, "U-2").await, "backordered");

    // U-1 drops to one unit: U-2 gets what U-1 gave back, after U-1's new line.
    let mut update = order("U-1", vec![line(1, "MUG-BLUE", 1)]);
    update.action = IntakeAction::Update;
    let report = ingest(&db.pool, &s, &s.shopify, vec![update]).await;
    assert_eq!(report.updated, 1);
    assert_eq!(reserved(&db.pool, &s.shopify, "U-1").await, 1);
    assert_eq!(status(&db.pool, &s.shopify, "U-2").await, "reserved");

    let mut cancel = order("U-2", vec![]);
    cancel.action = IntakeAction::Cancel;
    let report = ingest(&db.pool, &s, &s.shopify, vec![cancel.clone()]).await;
    assert_eq!(report.cancelled, 1);
    assert_eq!(status(&db.pool, &s.shopify, "U-2").await, "cancelled");
    assert_eq!(reserved(&db.pool, &s.shopify, "U-2").await, 0);
    assert_eq!(
        ingest(&db.pool, &s, &s.shopify, vec![cancel])
            .await
            .unchanged,
        1
    );

    // After picking, an update is refused and a cancellation leaves a put-back task.
    sqlx::query("update orders set status = 'picked' where external_id = 'U-1'")
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("update order_lines set picked_qty = 1 where order_id = (select id from orders where external_id = 'U-1')")
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("update reservations set quantity = 0 where order_line_id in (select l.id from order_lines l join orders o on o.id = l.order_id where o.external_id = 'U-1')")
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("update sku_positions set open_reserved = open_reserved - 1, sellable_on_hand = sellable_on_hand - 1")
        .execute(&db.pool)
        .await
        .unwrap();
    let mut late_update = order("U-1", vec![line(1, "MUG-BLUE", 3)]);
    late_update.action = IntakeAction::Update;
    let report = ingest(&db.pool, &s, &s.shopify, vec![late_update]).await;
    assert_eq!(report.rejected.len(), 1);
    assert!(
        report.rejected[0].message.contains("not yet released"),
        "{:?}",
        report.rejected
    );
    let mut cancel = order("U-1", vec![]);
    cancel.action = IntakeAction::Cancel;
    ingest(&db.pool, &s, &s.shopify, vec![cancel]).await;
    let put_backs: Vec<(String, i32)> = sqlx::query_as("select kind::text, quantity from tasks")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(put_backs, vec![("put_back".to_string(), 1)]);

    // A cancellation that arrives before its order keeps a later create from reserving.
    let mut early_cancel = order("U-3", vec![line(1, "MUG-BLUE", 1)]);
    early_cancel.action = IntakeAction::Cancel;
    ingest(&db.pool, &s, &s.shopify, vec![early_cancel]).await;
    let report = ingest(
        &db.pool,
        &s,
        &s.shopify,
        vec![order("U-3", vec![line(1, "MUG-BLUE", 1)])],
    )
    .await;
    assert_eq!(report.unchanged, 1);
    assert_eq!(status(&db.pool, &s.shopify, "U-3").await, "cancelled");
}

#[tokio::test]
async fn concurrent_intake_from_three_channels_never_reserves_more_than_stock() {
    let _heavy = common::heavy_lock().await;
    let db = common::fresh_db_with(24).await;
    let s = std::sync::Arc::new(setup(&db.pool).await);
    stock(&db.pool, &s, "MUG-BLUE", 40).await;

    let mut tasks = Vec::new();
    for worker in 0..24 {
        let pool = db.pool.clone();
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let (channel, sku) = match worker % 3 {
                0 => (s.shopify.clone(), "MUG-BLUE"),
                1 => (s.amazon.clone(), "AMZ-MUG-BLUE"),
                _ => (s.edi.clone(), "MUG-BLUE"),
            };
            for n in 0..5 {
                let o = order(
                    &format!("W{worker}-{n}"),
                    vec![line(1, sku, 1 + (worker + n) % 3)],
                );
                ingest(&pool, &s, &channel, vec![o]).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let (reserved, demand): (i64, i64) = sqlx::query_as(
        "select (select sum(quantity) from reservations)::bigint, (select sum(quantity) from order_lines)::bigint",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(reserved, 40, "all the stock and no more is reserved");
    assert!(demand > 40);
    let backordered: i64 =
        sqlx::query_scalar("select count(*) from orders where status = 'backordered'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(backordered > 0);
    assert_invariants(&db.pool).await;

    // A receipt reserves the waiting orders by priority: the highest manual priority first.
    sqlx::query("update orders set priority = 9 where external_id = (select max(external_id) from orders where status = 'backordered')")
        .execute(&db.pool)
        .await
        .unwrap();
    let (first, want): (String, i64) = sqlx::query_as(
        "select o.external_id, (l.quantity - coalesce(r.quantity, 0))::bigint from orders o
           join order_lines l on l.order_id = o.id left join reservations r on r.order_line_id = l.id
          where o.priority = 9",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    stock(&db.pool, &s, "MUG-BLUE", want as i32).await;
    let channel_id: i32 =
        sqlx::query_scalar("select channel_id from orders where external_id = $1")
            .bind(&first)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let status: String = sqlx::query_scalar(
        "select status::text from orders where channel_id = $1 and external_id = $2",
    )
    .bind(channel_id)
    .bind(&first)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(status, "reserved");
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn a_repeated_create_that_changed_updates_the_order_and_an_identical_one_does_nothing() {
    let db = common::fresh_db().await;
    let s = setup(&db.pool).await;
    stock(&db.pool, &s, "MUG-BLUE", 5).await;
    // Amazon polled again: the order first seen PENDING (held) comes back UNSHIPPED.
    let mut pending = order("113-1", vec![line(1, "AMZ-MUG-BLUE", 2)]);
    pending.hold_reason = Some("pending payment".into());
    ingest(&db.pool, &s, &s.amazon, vec![pending.clone()]).await;
    assert_eq!(status(&db.pool, &s.amazon, "113-1").await, "held");
    assert_eq!(
        ingest(&db.pool, &s, &s.amazon, vec![pending])
            .await
            .unchanged,
        1
    );
    let report = ingest(
        &db.pool,
        &s,
        &s.amazon,
        vec![order("113-1", vec![line(1, "AMZ-MUG-BLUE", 2)])],
    )
    .await;
    assert_eq!(report.updated, 1);
    assert_eq!(status(&db.pool, &s.amazon, "113-1").await, "reserved");
    assert_eq!(reserved(&db.pool, &s.amazon, "113-1").await, 2);
    assert_invariants(&db.pool).await;
}
