//! Packing at a station on the demo warehouse: a station's barcode binds the terminal; a tote or
//! an order number opens a picked order (an order not picked is refused); every unit scanned moves
//! from the tote to the station with the ledger; an over-scan is refused saying how many were
//! expected; a unit missing at packing is counted out of the tote and goes back to the queue,
//! re-reserved or backordered, with an exception; replays change nothing; every invariant holds.

mod common;

use aisle::Error;
use aisle::db::operators::{self, SystemActor};
use aisle::db::packing::{self, PackShort, ScaleUnit};
use common::floor::{assert_invariants, ledger_rows, operator};
use common::packing::{fresh_pack_floor, order_status, pack_scan as scan};
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

#[tokio::test]
async fn a_station_scan_binds_and_a_tote_or_order_number_opens_a_picked_order() {
    let (db, f) = fresh_pack_floor().await;
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

    let by_number = f.open(&db.pool, f.shopify).await;
    assert_eq!(by_number.order_id, f.shopify);
    assert_eq!(by_number.channel_kind, "shopify");
    assert!(!by_number.allows_partial_shipment);
    let tote = by_number.totes[0].code.clone();
    let by_tote = f.open_scanned(&db.pool, &tote).await.unwrap();
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
    let err = f.open_scanned(&db.pool, &queued_ref).await.unwrap_err();
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
    let err = f.pack_unit(&db.pool, &scan(line, 1)).await.unwrap_err();
    assert!(
        err.to_string().contains("only picked orders are packed"),
        "{err}"
    );
    let err = f.open_scanned(&db.pool, "NO-SUCH-ORDER").await.unwrap_err();
    assert!(err.to_string().contains("no tote or order"), "{err}");
}

#[tokio::test]
async fn every_unit_scanned_moves_from_tote_to_station_and_an_over_scan_is_refused() {
    let (db, f) = fresh_pack_floor().await;
    let order = f.open(&db.pool, f.shopify).await;
    let tote = order.totes[0].id;
    let ledger_before = ledger_rows(&db.pool).await;
    let mut scans = 0;
    for line in &order.lines {
        let in_tote = on_hand(&db.pool, tote, line.sku_id).await;
        let at_station = on_hand(&db.pool, f.station.id, line.sku_id).await;
        // One unit at a time, as a packer scans them.
        for n in 1..=line.expected {
            let progress = f
                .pack_unit(&db.pool, &scan(line.order_line_id, 1))
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
        let err = f
            .pack_unit(&db.pool, &scan(line.order_line_id, 1))
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
    let reopened = f
        .open_scanned(&db.pool, &order.totes[0].code)
        .await
        .unwrap();
    assert!(reopened.fully_packed());
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn a_replayed_pack_scan_changes_nothing() {
    let (db, f) = fresh_pack_floor().await;
    let order = f.open(&db.pool, f.amazon).await;
    let line = &order.lines[0];
    let once = scan(line.order_line_id, 1);
    let first = f.pack_unit(&db.pool, &once).await.unwrap();
    let before = ledger_rows(&db.pool).await;
    let again = f.pack_unit(&db.pool, &once).await.unwrap();
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
    let (db, f) = fresh_pack_floor().await;
    let order = f.open(&db.pool, f.amazon).await;
    let line = &order.lines[0];
    let tote = order.totes[0].id;
    let in_tote = on_hand(&db.pool, tote, line.sku_id).await;
    let picked_before: i32 = sqlx::query_scalar("select picked_qty from order_lines where id = $1")
        .bind(line.order_line_id)
        .fetch_one(&db.pool)
        .await
        .unwrap();

    // More missing than the tote should hold is refused.
    let err = f
        .pack_short(&db.pool, &short(line.order_line_id, line.expected + 1))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("expected the missing units from 1 to"),
        "{err}"
    );

    let once = short(line.order_line_id, 1);
    let outcome = f.pack_short(&db.pool, &once).await.unwrap();
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
    let again = f.pack_short(&db.pool, &once).await.unwrap();
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
    let (db, f) = fresh_pack_floor().await;
    let order = f.open(&db.pool, f.shopify).await;
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

    let outcome = f
        .pack_short(&db.pool, &short(line.order_line_id, 1))
        .await
        .unwrap();
    assert_eq!(outcome.reserved_qty, 0);
    assert_eq!(outcome.backordered_qty, 1);
    // Shopify does not ship in parts: the whole order waits for the unit.
    assert_eq!(outcome.order_status, "backordered");
    assert_invariants(&db.pool).await;
}
