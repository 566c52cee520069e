//! Packing at a station on the demo warehouse: a station's barcode binds the terminal; a tote or
//! an order number opens a picked order (an order not picked is refused); every unit scanned moves
//! from the tote to the station with the ledger; an over-scan is refused saying how many were
//! expected; a unit missing at packing is counted out of the tote and goes back to the queue,
//! re-reserved or backordered, with an exception; replays change nothing; every invariant holds.

mod common;

use aisle::Error;
use aisle::db::operators::{self, Operator, SystemActor};
use aisle::db::packing::{self, PackScan, PackShort, ScaleUnit, Station};
use aisle::db::{pick_batches, planner};
use common::floor::{
    assert_invariants, confirm, demo_warehouse, ledger_rows, open_tasks, operator, planner_actor,
    tote,
};
use sqlx::PgPool;
use uuid::Uuid;

/// The demo with one order per channel kind picked into its tote, ready to pack.
struct PackFloor {
    wh: i32,
    packer: Operator,
    station: Station,
    shopify: i64,
    amazon: i64,
}

/// Loads the demo, puts a reserved order of at least two units of each of Shopify, Amazon and
/// EDI first in the queue, releases batches and picks them whole (P1001), each order into its
/// own tote.
async fn pack_floor(pool: &PgPool) -> PackFloor {
    let wh = demo_warehouse(pool).await;
    let chosen: Vec<(String, i64)> = sqlx::query_as(
        "update orders o set priority = 100
           from (select distinct on (c.kind) c.kind::text as kind, o.id
                   from orders o join channels c on c.id = o.channel_id
                  where o.warehouse_id = $1 and o.status = 'reserved'
                    and c.kind in ('shopify', 'amazon', 'edi')
                    and (select sum(quantity) from order_lines l
                          where l.warehouse_id = o.warehouse_id and l.order_id = o.id) between 2 and 80
                  order by c.kind,
                           (select count(*) from order_lines l
                             where l.warehouse_id = o.warehouse_id and l.order_id = o.id) >= 2 desc,
                           o.id) x
          where o.warehouse_id = $1 and o.id = x.id
         returning x.kind, o.id",
    )
    .bind(wh)
    .fetch_all(pool)
    .await
    .unwrap();
    let order_of = |kind: &str| {
        chosen
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, id)| *id)
            .unwrap_or_else(|| panic!("no reserved {kind} order of 2 to 80 units in the demo"))
    };
    let (shopify, amazon, edi) = (order_of("shopify"), order_of("amazon"), order_of("edi"));
    pick_orders(pool, wh, &[shopify, amazon, edi]).await;
    let packer = operator(pool, "K2001").await;
    let station = packing::station(pool, wh, "PACK-01").await.unwrap();
    PackFloor {
        wh,
        packer,
        station,
        shopify,
        amazon,
    }
}

/// Releases batches and picks them until every order of `orders` is picked.
async fn pick_orders(pool: &PgPool, wh: i32, orders: &[i64]) {
    planner::release(pool, wh, &planner_actor(pool).await, 2)
        .await
        .unwrap();
    let picker = operator(pool, "P1001").await;
    let mut next_tote = 0;
    for _ in 0..4 {
        let waiting: i64 = sqlx::query_scalar(
            "select count(*) from orders where id = any($1) and status <> 'picked'",
        )
        .bind(orders)
        .fetch_one(pool)
        .await
        .unwrap();
        if waiting == 0 {
            break;
        }
        let Some(batch) = pick_batches::claim(pool, wh, &picker).await.unwrap() else {
            break;
        };
        let picks: i64 = sqlx::query_scalar(
            "select count(*) from tasks where batch_id = $1 and kind = 'pick'
                and status in ('open', 'in_progress')",
        )
        .bind(batch)
        .fetch_one(pool)
        .await
        .unwrap();
        if picks == 0 {
            break;
        }
        let slots: Vec<i32> =
            sqlx::query_scalar("select slot from batch_orders where batch_id = $1 order by slot")
                .bind(batch)
                .fetch_all(pool)
                .await
                .unwrap();
        for slot in slots {
            next_tote += 1;
            let tote = tote(pool, wh, next_tote).await;
            pick_batches::bind_tote(pool, wh, batch, slot, tote, &picker)
                .await
                .unwrap();
        }
        for (task, tote, left) in open_tasks(pool, batch).await {
            pick_batches::confirm_pick(pool, wh, &picker, &confirm(task, tote, left))
                .await
                .unwrap();
        }
    }
    let statuses: Vec<String> =
        sqlx::query_scalar("select status::text from orders where id = any($1) order by id")
            .bind(orders)
            .fetch_all(pool)
            .await
            .unwrap();
    assert!(
        statuses.iter().all(|s| s == "picked"),
        "expected the chosen orders picked: {statuses:?}"
    );
}

fn scan(line: i64, quantity: i32) -> PackScan {
    PackScan {
        order_line_id: line,
        quantity,
        lot: None,
        scan_id: Uuid::now_v7(),
        terminal: "test-station".into(),
        raw: format!("line {line}"),
    }
}

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

async fn on_hand(pool: &PgPool, location: i32, sku: i32) -> i64 {
    sqlx::query_scalar(
        "select coalesce(sum(on_hand), 0)::bigint from stock where location_id = $1 and sku_id = $2",
    )
    .bind(location)
    .bind(sku)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn order_status(pool: &PgPool, order: i64) -> String {
    sqlx::query_scalar("select status::text from orders where id = $1")
        .bind(order)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_station_scan_binds_and_a_tote_or_order_number_opens_a_picked_order() {
    let db = common::fresh_db().await;
    let f = pack_floor(&db.pool).await;
    assert_eq!(f.station.code, "PACK-01");
    assert_eq!(f.station.printer(), None, "PACK-01 writes label files");
    let pack02 = packing::station(&db.pool, f.wh, "pack-02").await.unwrap();
    assert_eq!(pack02.printer(), Some(("127.0.0.1", 9100)));
    assert_eq!(pack02.scale_unit, ScaleUnit::G);
    let err = packing::station(&db.pool, f.wh, "TOTE-0001")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a pack station"), "{err}");
    assert!(matches!(
        packing::station(&db.pool, f.wh, "NOWHERE").await,
        Err(Error::UnknownLocation(_))
    ));

    let by_number = packing::open_order(
        &db.pool,
        f.wh,
        f.station.id,
        &reference(&db.pool, f.shopify).await,
    )
    .await
    .unwrap();
    assert_eq!(by_number.order_id, f.shopify);
    assert_eq!(by_number.channel_kind, "shopify");
    assert!(!by_number.allows_partial_shipment);
    let tote = by_number.totes[0].code.clone();
    let by_tote = packing::open_order(&db.pool, f.wh, f.station.id, &tote)
        .await
        .unwrap();
    assert_eq!(by_tote, by_number);
    assert!(!by_tote.lines.is_empty());
    for line in &by_tote.lines {
        assert!(line.expected > 0);
        assert_eq!(line.packed, 0);
        assert!(!line.barcodes.is_empty(), "{line:?}");
        assert!(line.unit_weight_g > 0 && line.length_mm > 0);
    }
    assert!(by_tote.ship_to.is_some());

    // An order still in the queue is not packed.
    let (queued, queued_ref): (i64, String) = sqlx::query_as(
        "select id, coalesce(reference, external_id) from orders
          where warehouse_id = $1 and status = 'reserved' order by id limit 1",
    )
    .bind(f.wh)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let err = packing::open_order(&db.pool, f.wh, f.station.id, &queued_ref)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("is reserved: only picked orders are packed"),
        "{err}"
    );
    let line: i64 = sqlx::query_scalar("select id from order_lines where order_id = $1 limit 1")
        .bind(queued)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let err = packing::pack_unit(&db.pool, f.wh, f.station.id, &f.packer, &scan(line, 1))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("only picked orders are packed"),
        "{err}"
    );
    let err = packing::open_order(&db.pool, f.wh, f.station.id, "NO-SUCH-ORDER")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no tote or order"), "{err}");
}

async fn reference(pool: &PgPool, order: i64) -> String {
    sqlx::query_scalar("select coalesce(reference, external_id) from orders where id = $1")
        .bind(order)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_unit_scanned_moves_from_tote_to_station_and_an_over_scan_is_refused() {
    let db = common::fresh_db().await;
    let f = pack_floor(&db.pool).await;
    let order = packing::open_order(
        &db.pool,
        f.wh,
        f.station.id,
        &reference(&db.pool, f.shopify).await,
    )
    .await
    .unwrap();
    let tote = order.totes[0].id;
    let ledger_before = ledger_rows(&db.pool).await;
    let mut scans = 0;
    for line in &order.lines {
        let in_tote = on_hand(&db.pool, tote, line.sku_id).await;
        let at_station = on_hand(&db.pool, f.station.id, line.sku_id).await;
        // One unit at a time, as a packer scans them.
        for n in 1..=line.expected {
            let progress = packing::pack_unit(
                &db.pool,
                f.wh,
                f.station.id,
                &f.packer,
                &scan(line.order_line_id, 1),
            )
            .await
            .unwrap();
            assert_eq!(progress.packed, n);
            assert_eq!(progress.expected, line.expected);
            scans += 1;
        }
        assert_eq!(
            on_hand(&db.pool, tote, line.sku_id).await,
            in_tote - i64::from(line.expected)
        );
        assert_eq!(
            on_hand(&db.pool, f.station.id, line.sku_id).await,
            at_station + i64::from(line.expected)
        );
        // One more is an over-scan, refused with what was expected.
        let err = packing::pack_unit(
            &db.pool,
            f.wh,
            f.station.id,
            &f.packer,
            &scan(line.order_line_id, 1),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{err}");
        assert!(
            err.to_string().contains(&format!(
                "over-scan: line {} expected {} unit(s)",
                line.line_no, line.expected
            )),
            "{err}"
        );
    }
    let moves: i64 = sqlx::query_scalar(
        "select count(*) from ledger where kind = 'move' and to_location_id = $1 and from_location_id = $2",
    )
    .bind(f.station.id)
    .bind(tote)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(moves >= 1);
    assert_eq!(ledger_rows(&db.pool).await - ledger_before, scans);
    assert_eq!(order_status(&db.pool, f.shopify).await, "packed");
    let reopened = packing::open_order(&db.pool, f.wh, f.station.id, &order.totes[0].code)
        .await
        .unwrap();
    assert!(reopened.fully_packed());
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn a_replayed_pack_scan_changes_nothing() {
    let db = common::fresh_db().await;
    let f = pack_floor(&db.pool).await;
    let order = packing::open_order(
        &db.pool,
        f.wh,
        f.station.id,
        &reference(&db.pool, f.amazon).await,
    )
    .await
    .unwrap();
    let line = &order.lines[0];
    let once = scan(line.order_line_id, 1);
    let first = packing::pack_unit(&db.pool, f.wh, f.station.id, &f.packer, &once)
        .await
        .unwrap();
    let before = ledger_rows(&db.pool).await;
    let again = packing::pack_unit(&db.pool, f.wh, f.station.id, &f.packer, &once)
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(ledger_rows(&db.pool).await, before);

    // Packing is a packer's work.
    let picker = operator(&db.pool, "P1001").await;
    let err = packing::pack_unit(
        &db.pool,
        f.wh,
        f.station.id,
        &picker,
        &scan(line.order_line_id, 1),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::NotAllowed { .. }), "{err}");
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn a_unit_missing_at_packing_is_re_reserved_with_an_exception() {
    let db = common::fresh_db().await;
    let f = pack_floor(&db.pool).await;
    let order = packing::open_order(
        &db.pool,
        f.wh,
        f.station.id,
        &reference(&db.pool, f.amazon).await,
    )
    .await
    .unwrap();
    let line = &order.lines[0];
    let tote = order.totes[0].id;
    let in_tote = on_hand(&db.pool, tote, line.sku_id).await;
    let picked_before: i32 = sqlx::query_scalar("select picked_qty from order_lines where id = $1")
        .bind(line.order_line_id)
        .fetch_one(&db.pool)
        .await
        .unwrap();

    // More missing than the tote should hold is refused.
    let err = packing::pack_short(
        &db.pool,
        f.wh,
        f.station.id,
        &f.packer,
        &short(line.order_line_id, line.expected + 1),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("expected the missing units from 1 to"),
        "{err}"
    );

    let once = short(line.order_line_id, 1);
    let outcome = packing::pack_short(&db.pool, f.wh, f.station.id, &f.packer, &once)
        .await
        .unwrap();
    assert_eq!(outcome.picked_qty, picked_before - 1);
    assert_eq!(outcome.reserved_qty + outcome.backordered_qty, 1);
    assert_eq!(
        outcome.reserved_qty, 1,
        "the demo has sellable stock for it"
    );
    assert_eq!(on_hand(&db.pool, tote, line.sku_id).await, in_tote - 1);
    let count: (i32, Option<i32>, String) = sqlx::query_as(
        "select quantity, from_location_id, reason from ledger where scan_id = $1 and kind = 'count'",
    )
    .bind(once.scan_id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(count.0, 1);
    assert_eq!(count.1, Some(tote));
    assert!(count.2.starts_with("pack short"));
    let exception: (String, Option<i64>, String) =
        sqlx::query_as("select kind, order_id, detail from exceptions where id = $1")
            .bind(outcome.exception_id.unwrap())
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(exception.0, "pack_short");
    assert_eq!(exception.1, Some(f.amazon));
    assert!(
        exception.2.contains("1 re-reserved, 0 backordered"),
        "{}",
        exception.2
    );
    let reserved: i32 =
        sqlx::query_scalar("select quantity from reservations where order_line_id = $1")
            .bind(line.order_line_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(reserved >= 1);

    // A replay returns the outcome as recorded and changes nothing.
    let before = ledger_rows(&db.pool).await;
    let again = packing::pack_short(&db.pool, f.wh, f.station.id, &f.packer, &once)
        .await
        .unwrap();
    assert_eq!(again, outcome);
    assert_eq!(ledger_rows(&db.pool).await, before);
    let exceptions: i64 =
        sqlx::query_scalar("select count(*) from exceptions where kind = 'pack_short'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(exceptions, 1);
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn a_unit_missing_with_no_free_stock_is_backordered() {
    let db = common::fresh_db().await;
    let f = pack_floor(&db.pool).await;
    let order = packing::open_order(
        &db.pool,
        f.wh,
        f.station.id,
        &reference(&db.pool, f.shopify).await,
    )
    .await
    .unwrap();
    let line = &order.lines[0];
    // Nothing of the SKU is free to sell: a supervisor counts the free units out of its bins.
    let demo_actor = operators::system_actor(&db.pool, SystemActor::Demo)
        .await
        .unwrap()
        .id;
    let mut free: i32 = sqlx::query_scalar(
        "select sellable_on_hand - open_reserved from sku_positions where warehouse_id = $1 and sku_id = $2",
    )
    .bind(f.wh)
    .bind(line.sku_id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let bins: Vec<(i32, String, i32)> = sqlx::query_as(
        "select s.location_id, s.lot, s.on_hand from stock s
           join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
          where s.warehouse_id = $1 and s.sku_id = $2 and l.kind in ('bin', 'reserve') and s.on_hand > 0
          order by s.location_id, s.lot",
    )
    .bind(f.wh)
    .bind(line.sku_id)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    for (location, lot, on_hand) in bins {
        if free == 0 {
            break;
        }
        let take = free.min(on_hand);
        sqlx::query("select aisle_adjust($1, $2, $3, $4, $5, null, $6, 'damaged', null)")
            .bind(f.wh)
            .bind(line.sku_id)
            .bind(location)
            .bind(-take)
            .bind(&lot)
            .bind(demo_actor)
            .execute(&db.pool)
            .await
            .unwrap();
        free -= take;
    }
    assert_eq!(free, 0);

    let outcome = packing::pack_short(
        &db.pool,
        f.wh,
        f.station.id,
        &f.packer,
        &short(line.order_line_id, 1),
    )
    .await
    .unwrap();
    assert_eq!(outcome.reserved_qty, 0);
    assert_eq!(outcome.backordered_qty, 1);
    // Shopify does not ship in parts: the whole order waits for the unit.
    assert_eq!(outcome.order_status, "backordered");
    assert_invariants(&db.pool).await;
}
