//! Units that go back to the queue after picking come out of it again: a unit missing at packing
//! is re-reserved (or backordered until stock arrives), and an order that shipped in parts still
//! owes the rest. The planner releases those units again — never while the order is in another
//! live batch — into a second tote; they are picked, packed with what already waits at the
//! station, and shipped, and the order ends shipped. Where the channel does not ship in parts
//! the order goes back at once and ships whole; where it does, what was picked ships first and
//! the rest follows as its own shipment. Every invariant holds throughout.

mod common;

use aisle::db::operators::{self, Operator, SystemActor};
use aisle::db::packing::{PackOrder, PackShort};
use aisle::db::pick_batches::{self, PickProgress};
use aisle::db::planner::{self, PlanReport};
use aisle::db::shipments::{self, NewCarton, Shipped};
use aisle::domain::barcode::gs1_check_digit;
use common::floor::{assert_invariants, confirm, operator, planner_actor, tote};
use common::packing::{PackFloor, fresh_pack_floor, order_status, outbox_payload, ship_scan};
use sqlx::PgPool;
use uuid::Uuid;

fn short(line: i64, missing: i32) -> PackShort {
    PackShort {
        order_line_id: line,
        missing,
        lot: None,
        scan_id: Uuid::now_v7(),
        terminal: "test-station".into(),
        raw: "SHORT".into(),
    }
}

/// Units reserved (not yet picked) for an order line.
async fn reserved(pool: &PgPool, line: i64) -> i32 {
    sqlx::query_scalar(
        "select coalesce((select quantity from reservations where order_line_id = $1), 0)",
    )
    .bind(line)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Sellable units of a SKU not reserved.
async fn free(pool: &PgPool, wh: i32, sku: i32) -> i32 {
    sqlx::query_scalar(
        "select coalesce((select sellable_on_hand - open_reserved from sku_positions
                           where warehouse_id = $1 and sku_id = $2), 0)",
    )
    .bind(wh)
    .bind(sku)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn demo_actor(pool: &PgPool) -> Operator {
    operators::system_actor(pool, SystemActor::Demo)
        .await
        .unwrap()
}

/// A SKU's first bin on the walk: (bin, lot, expiry, units not taken by open tasks).
async fn first_bin(
    pool: &PgPool,
    wh: i32,
    sku: i32,
) -> (i32, String, Option<chrono::NaiveDate>, i32) {
    sqlx::query_as(
        "select s.location_id, s.lot, s.expiry,
                (s.on_hand - coalesce((select sum(t.quantity - t.done_qty) from tasks t
                                        where t.warehouse_id = s.warehouse_id
                                          and t.from_location_id = s.location_id
                                          and t.sku_id = s.sku_id and t.lot = s.lot
                                          and t.status in ('open', 'in_progress')), 0))::integer
           from stock s
           join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
          where s.warehouse_id = $1 and s.sku_id = $2 and l.kind = 'bin' and l.active
          order by l.pick_sequence nulls last, l.code, s.lot limit 1",
    )
    .bind(wh)
    .bind(sku)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// `qty` units of a SKU arrive in its first bin on the walk, in the lot that bin holds, and more
/// if open tasks already take more than the bin holds (so that the planner can allocate `qty`).
async fn receive_into_bin(pool: &PgPool, wh: i32, sku: i32, qty: i32) {
    let (bin, lot, expiry, available) = first_bin(pool, wh, sku).await;
    sqlx::query("select aisle_receive($1, $2, $3, $4, $5, $6, $7, 'test: stock arrives')")
        .bind(wh)
        .bind(sku)
        .bind(bin)
        .bind(qty + (-available).max(0))
        .bind(&lot)
        .bind(expiry)
        .bind(demo_actor(pool).await.id)
        .execute(pool)
        .await
        .unwrap();
}

/// Makes sure at least one unit of the SKU is sellable and not reserved, and that its first bin
/// can give one (stock arrives until so: backorders of the SKU take theirs first).
async fn ensure_free(pool: &PgPool, wh: i32, sku: i32) {
    for _ in 0..10 {
        if free(pool, wh, sku).await >= 1 && first_bin(pool, wh, sku).await.3 >= 1 {
            return;
        }
        receive_into_bin(pool, wh, sku, 20).await;
    }
    panic!("no free unit of SKU {sku} after receiving");
}

/// A supervisor counts `units` of a SKU out of its bins and reserve locations.
async fn count_down(pool: &PgPool, wh: i32, sku: i32, units: i32) {
    let actor = demo_actor(pool).await.id;
    let mut left = units;
    let places: Vec<(i32, String, i32)> = sqlx::query_as(
        "select s.location_id, s.lot, s.on_hand from stock s
           join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
          where s.warehouse_id = $1 and s.sku_id = $2 and l.kind in ('bin', 'reserve')
            and s.on_hand > 0
          order by s.location_id, s.lot",
    )
    .bind(wh)
    .bind(sku)
    .fetch_all(pool)
    .await
    .unwrap();
    for (location, lot, on_hand) in places {
        if left == 0 {
            break;
        }
        let take = left.min(on_hand);
        sqlx::query("select aisle_adjust($1, $2, $3, $4, $5, null, $6, 'counted', null, 'count')")
            .bind(wh)
            .bind(sku)
            .bind(location)
            .bind(-take)
            .bind(&lot)
            .bind(actor)
            .execute(pool)
            .await
            .unwrap();
        left -= take;
    }
    assert_eq!(left, 0, "the SKU's locations hold {units} units");
}

async fn release(pool: &PgPool, wh: i32) -> PlanReport {
    planner::release(pool, wh, &planner_actor(pool).await, 4)
        .await
        .unwrap()
}

/// (batch, slot) of the live batches (open or claimed) holding the order.
async fn live_batches(pool: &PgPool, order: i64) -> Vec<(i64, i32)> {
    sqlx::query_as(
        "select b.batch_id, b.slot from batch_orders b
           join pick_batches pb on pb.warehouse_id = b.warehouse_id and pb.id = b.batch_id
          where b.order_id = $1 and pb.status in ('open', 'claimed')
          order by b.batch_id",
    )
    .bind(order)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// (order line, units) the pick tasks of a batch hold for an order.
async fn task_units(pool: &PgPool, batch: i64, order: i64) -> Vec<(i64, i64)> {
    sqlx::query_as(
        "select t.order_line_id, sum(t.quantity)::bigint from tasks t
           join order_lines l on l.warehouse_id = t.warehouse_id and l.id = t.order_line_id
          where t.batch_id = $1 and l.order_id = $2 and t.kind = 'pick'
          group by t.order_line_id order by t.order_line_id",
    )
    .bind(batch)
    .bind(order)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// The order is in exactly one live batch, released, whose picks are exactly `units` of `line`.
async fn assert_released_for(pool: &PgPool, order: i64, line: i64, units: i64) -> i64 {
    let live = live_batches(pool, order).await;
    assert_eq!(live.len(), 1, "order {order} in one live batch: {live:?}");
    assert_eq!(order_status(pool, order).await, "released");
    assert_eq!(
        task_units(pool, live[0].0, order).await,
        vec![(line, units)],
        "the batch picks only what went back to the queue"
    );
    live[0].0
}

/// The order's live batch is claimed (by whichever picker is handed it: more urgent work may be
/// waiting), a fresh tote `tote_no` is bound to its slot, and its picks are confirmed. Returns
/// the tote and the last confirm's progress.
async fn pick_again(pool: &PgPool, wh: i32, order: i64, tote_no: i32) -> (i32, PickProgress) {
    let live = live_batches(pool, order).await;
    assert_eq!(live.len(), 1, "{live:?}");
    let (batch, slot) = live[0];
    let mut picker = None;
    for badge in ["P1001", "P1002", "P1003", "S3001", "A9001"] {
        let who = operator(pool, badge).await;
        if pick_batches::claim(pool, wh, &who).await.unwrap() == Some(batch) {
            picker = Some(who);
            break;
        }
    }
    let picker = picker.unwrap_or_else(|| panic!("nobody was handed batch {batch}"));
    let tote = tote(pool, wh, tote_no).await;
    pick_batches::bind_tote(pool, wh, batch, slot, tote, &picker)
        .await
        .unwrap();
    let tasks: Vec<(i64, i32)> = sqlx::query_as(
        "select t.id, t.quantity - t.done_qty from tasks t
           join order_lines l on l.warehouse_id = t.warehouse_id and l.id = t.order_line_id
          where t.batch_id = $1 and l.order_id = $2 and t.kind = 'pick'
            and t.status in ('open', 'in_progress')
          order by t.seq",
    )
    .bind(batch)
    .bind(order)
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(!tasks.is_empty());
    let mut last = None;
    for (task, left) in tasks {
        last = Some(
            pick_batches::confirm_pick(pool, wh, &picker, &confirm(task, tote, left))
                .await
                .unwrap(),
        );
    }
    (tote, last.unwrap())
}

/// Packs every unit of the order not yet packed at the station; returns the order as reopened.
async fn pack_rest(pool: &PgPool, f: &PackFloor, order: i64) -> PackOrder {
    for line in f.open(pool, order).await.lines {
        if line.expected > line.packed {
            f.pack(pool, line.order_line_id, line.expected - line.packed)
                .await;
        }
    }
    f.open(pool, order).await
}

/// An SSCC-18 from the database's next serial (extension digit 0, the company prefix, the
/// serial, the check digit).
async fn next_sscc(pool: &PgPool, wh: i32) -> String {
    let serial = shipments::next_sscc_serial(pool, wh).await.unwrap();
    let width = 16 - serial.company_prefix.len();
    let body = format!("0{}{:0width$}", serial.company_prefix, serial.serial);
    format!("{body}{}", gs1_check_digit(&body).unwrap())
}

/// Every unit packed at the station and not yet in a carton goes into one labelled carton,
/// weighing what it should; then the order ships.
async fn label_and_ship(pool: &PgPool, f: &PackFloor, order: i64) -> Shipped {
    let opened = f.open(pool, order).await;
    let lines: Vec<(i64, i32)> = opened
        .lines
        .iter()
        .filter(|l| l.packed > l.in_cartons)
        .map(|l| (l.order_line_id, l.packed - l.in_cartons))
        .collect();
    assert!(!lines.is_empty(), "nothing packed to label: {opened:?}");
    let items: i32 = lines
        .iter()
        .map(|(id, qty)| {
            let line = opened
                .lines
                .iter()
                .find(|l| l.order_line_id == *id)
                .unwrap();
            line.unit_weight_g * qty
        })
        .sum();
    let expected = items + 180;
    let sscc = next_sscc(pool, f.wh).await;
    let carton = NewCarton {
        order_id: order,
        sscc: sscc.clone(),
        carton_code: "BOX-M".into(),
        suggested_code: Some("BOX-M".into()),
        lines,
        weight_g: expected,
        expected_weight_g: expected,
        tracking_number: Some(format!("TRK-{}", &sscc[10..])),
        zpl: format!("^XA^FD(00){sscc}^FS^XZ"),
        scan_id: Uuid::now_v7(),
        carrier_service_id: None,
        carton_number: None,
    };
    shipments::add_carton(pool, f.wh, f.station.id, &f.packer, &carton)
        .await
        .unwrap();
    shipments::ship(pool, f.wh, f.station.id, &f.packer, &ship_scan(order))
        .await
        .unwrap()
}

/// Units of every shipping line of the order: (ordered, picked, shipped).
async fn line_units(pool: &PgPool, order: i64) -> Vec<(i32, i32, i32)> {
    sqlx::query_as(
        "select quantity, picked_qty, shipped_qty from order_lines
          where order_id = $1 and requires_shipping order by line_no",
    )
    .bind(order)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Packs the order but for one unit of its first line, which is declared missing; returns that
/// line's id.
async fn pack_all_but_one_then_short(pool: &PgPool, f: &PackFloor, order: i64) -> i64 {
    let opened = f.open(pool, order).await;
    let first = opened.lines[0].order_line_id;
    for line in &opened.lines {
        let qty = line.expected - i32::from(line.order_line_id == first);
        if qty > 0 {
            f.pack(pool, line.order_line_id, qty).await;
        }
    }
    assert_eq!(
        order_status(pool, order).await,
        "picked",
        "one unit unpacked"
    );
    first
}

#[tokio::test]
async fn a_whole_order_short_at_packing_is_picked_again_into_a_second_tote_and_ships_whole() {
    let (db, f) = fresh_pack_floor().await;
    let pool = &db.pool;
    let order = f.shopify;
    let opened = f.open(pool, order).await;
    assert!(!opened.allows_partial_shipment);
    let first_tote = opened.totes[0].id;
    let sku = opened.lines[0].sku_id;
    ensure_free(pool, f.wh, sku).await;

    let line = pack_all_but_one_then_short(pool, &f, order).await;
    let packed_before: i64 = opened
        .lines
        .iter()
        .map(|l| i64::from(l.expected))
        .sum::<i64>()
        - 1;
    let outcome = f.pack_short(pool, &short(line, 1)).await.unwrap();
    assert_eq!((outcome.reserved_qty, outcome.backordered_qty), (1, 0));
    // Shopify does not ship in parts: the order goes back to the queue; what is packed waits at
    // the station, and the station refuses to ship it without the missing unit.
    assert_eq!(outcome.order_status, "reserved");
    assert_eq!(reserved(pool, line).await, 1);
    let err = f
        .open_scanned(pool, &opened.totes[0].code)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("is reserved: only picked orders are packed"),
        "{err}"
    );

    // The planner releases the re-reserved unit, once: releasing again adds no second batch.
    release(pool, f.wh).await;
    assert_released_for(pool, order, line, 1).await;
    release(pool, f.wh).await;
    assert_eq!(live_batches(pool, order).await.len(), 1);
    // The other orders at packing have nothing reserved: they stay where they are.
    for other in [f.amazon, f.edi] {
        assert!(live_batches(pool, other).await.is_empty());
        assert_eq!(order_status(pool, other).await, "picked");
    }

    let (second_tote, progress) = pick_again(pool, f.wh, order, 101).await;
    assert_ne!(second_tote, first_tote);
    assert_eq!(progress.order_status, "picked");
    assert_eq!(reserved(pool, line).await, 0);

    // At the station: both totes belong to the order; the second tote's unit completes it.
    let reopened = f
        .open_scanned(pool, &format!("TOTE-{:04}", 101))
        .await
        .unwrap();
    assert_eq!(reopened.order_id, order);
    let totes: Vec<i32> = reopened.totes.iter().map(|t| t.id).collect();
    assert!(
        totes.contains(&first_tote) && totes.contains(&second_tote),
        "{totes:?}"
    );
    let packed_now: i64 = reopened.lines.iter().map(|l| i64::from(l.packed)).sum();
    assert_eq!(
        packed_now, packed_before,
        "what was packed waited at the station"
    );
    let done = pack_rest(pool, &f, order).await;
    assert!(done.fully_packed());
    assert_eq!(order_status(pool, order).await, "packed");

    let shipped = label_and_ship(pool, &f, order).await;
    assert_eq!(shipped.order_status, "shipped");
    assert_eq!(i64::from(shipped.units), packed_before + 1);
    assert!(
        line_units(pool, order)
            .await
            .iter()
            .all(|(q, p, s)| q == p && p == s)
    );
    assert_invariants(pool).await;
}

#[tokio::test]
async fn an_order_shipping_in_parts_ships_what_was_picked_then_the_re_reserved_rest() {
    let (db, f) = fresh_pack_floor().await;
    let pool = &db.pool;
    let order = f.amazon;
    let opened = f.open(pool, order).await;
    assert!(opened.allows_partial_shipment);
    let sku = opened.lines[0].sku_id;
    ensure_free(pool, f.wh, sku).await;

    let line = pack_all_but_one_then_short(pool, &f, order).await;
    let external_line = opened.lines[0].external_line_id.clone();
    let outcome = f.pack_short(pool, &short(line, 1)).await.unwrap();
    assert_eq!((outcome.reserved_qty, outcome.backordered_qty), (1, 0));
    assert_eq!(outcome.order_status, "picked");

    // While what was picked waits at the station, the order stays there: the planner does not
    // take it from under the packer.
    release(pool, f.wh).await;
    assert!(live_batches(pool, order).await.is_empty());
    assert_eq!(order_status(pool, order).await, "picked");
    let first = label_and_ship(pool, &f, order).await;
    assert_eq!(first.order_status, "partly_shipped");
    assert_eq!(reserved(pool, line).await, 1);

    // Then the re-reserved unit goes back to the floor, in a batch of its own order's.
    release(pool, f.wh).await;
    assert_released_for(pool, order, line, 1).await;
    let (_, progress) = pick_again(pool, f.wh, order, 102).await;
    assert_eq!(progress.order_status, "picked");
    let reopened = pack_rest(pool, &f, order).await;
    assert!(reopened.fully_packed());
    assert_eq!(
        reopened.lines.len(),
        1,
        "only the missing line is left to ship"
    );
    assert_eq!(order_status(pool, order).await, "packed");

    let second = label_and_ship(pool, &f, order).await;
    assert_eq!(second.order_status, "shipped");
    assert_eq!(second.units, 1);
    assert!(
        line_units(pool, order)
            .await
            .iter()
            .all(|(q, p, s)| q == p && p == s)
    );
    // The channel hears of this shipment's own line and unit.
    let (_, body) = outbox_payload(pool, second.outbox_id.unwrap()).await;
    let items = body["packageDetail"]["orderItems"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{body}");
    assert_eq!(items[0]["orderItemId"], external_line.as_deref().unwrap());
    assert_eq!(items[0]["quantity"], 1);
    assert_invariants(pool).await;
}

#[tokio::test]
async fn a_partly_shipped_order_is_released_again_when_its_backordered_units_arrive() {
    let (db, f) = fresh_pack_floor().await;
    let pool = &db.pool;
    let order = f.amazon;
    let opened = f.open(pool, order).await;
    let sku = opened.lines[0].sku_id;
    count_down(pool, f.wh, sku, free(pool, f.wh, sku).await).await;
    assert_eq!(free(pool, f.wh, sku).await, 0);

    let line = pack_all_but_one_then_short(pool, &f, order).await;
    let outcome = f.pack_short(pool, &short(line, 1)).await.unwrap();
    assert_eq!((outcome.reserved_qty, outcome.backordered_qty), (0, 1));
    let first = label_and_ship(pool, &f, order).await;
    assert_eq!(first.order_status, "partly_shipped");
    assert_eq!(reserved(pool, line).await, 0);
    release(pool, f.wh).await;
    assert!(
        live_batches(pool, order).await.is_empty(),
        "nothing reserved yet"
    );

    // Had a batch found nothing more for it, the order would be partly shipped still, not
    // picked with nothing to pack.
    let last_batch: i64 =
        sqlx::query_scalar("select max(batch_id) from batch_orders where order_id = $1")
            .bind(order)
            .fetch_one(pool)
            .await
            .unwrap();
    let after_picks: String =
        sqlx::query_scalar("select floor_order_status_after_picks($1, $2, $3)::text")
            .bind(f.wh)
            .bind(order)
            .bind(last_batch)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(after_picks, "partly_shipped");

    // Stock arrives: the order, first in the queue, gets its unit, and the planner releases it.
    receive_into_bin(pool, f.wh, sku, 3).await;
    assert_eq!(reserved(pool, line).await, 1);
    assert_eq!(order_status(pool, order).await, "partly_shipped");
    release(pool, f.wh).await;
    assert_released_for(pool, order, line, 1).await;

    let (_, progress) = pick_again(pool, f.wh, order, 103).await;
    assert_eq!(progress.order_status, "picked");
    assert!(pack_rest(pool, &f, order).await.fully_packed());
    let second = label_and_ship(pool, &f, order).await;
    assert_eq!(second.order_status, "shipped");
    assert_eq!(second.units, 1);
    assert!(
        line_units(pool, order)
            .await
            .iter()
            .all(|(q, p, s)| q == p && p == s)
    );
    let shipments: i64 = sqlx::query_scalar("select count(*) from shipments where order_id = $1")
        .bind(order)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(shipments, 2);
    assert_invariants(pool).await;
}

#[tokio::test]
async fn units_re_reserved_at_packing_give_way_when_stock_is_counted_down() {
    let (db, f) = fresh_pack_floor().await;
    let pool = &db.pool;
    let order = f.amazon;
    let opened = f.open(pool, order).await;
    let line = opened.lines[0].order_line_id;
    let sku = opened.lines[0].sku_id;
    ensure_free(pool, f.wh, sku).await;
    let outcome = f.pack_short(pool, &short(line, 1)).await.unwrap();
    assert_eq!(outcome.reserved_qty, 1);
    assert_eq!(outcome.order_status, "picked");
    // The least urgent order of all, so that it is the first to give its units up.
    sqlx::query("update orders set priority = -1000 where id = $1")
        .bind(order)
        .execute(pool)
        .await
        .unwrap();

    // A count finds one unit fewer than is free: one reserved unit must give way, and it is
    // this order's (it is in no batch), not refused as if it were promised to the floor.
    let free_units = free(pool, f.wh, sku).await;
    count_down(pool, f.wh, sku, free_units + 1).await;
    assert_eq!(reserved(pool, line).await, 0);
    assert_eq!(order_status(pool, order).await, "picked");
    assert_eq!(free(pool, f.wh, sku).await, 0);
    assert_invariants(pool).await;
}
