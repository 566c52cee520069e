//! The demo warehouse: it loads once, matches its data files, and keeps every invariant, checked
//! here with queries and arithmetic of the test's own.

mod common;

use std::collections::HashMap;

use aisle::db::demo::{self, files};
use aisle::db::{invariants, operators};
use sqlx::PgPool;

fn rows(text: &str) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader.records().map(|r| r.unwrap()).collect()
}

fn header_index(text: &str, name: &str) -> usize {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// GS1 mod 10 over every digit but the last, written out again here on purpose.
fn check_digit_ok(code: &str) -> bool {
    let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != code.len() || digits.len() < 8 {
        return false;
    }
    let (body, check) = digits.split_at(digits.len() - 1);
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == check[0]
}

/// A channel listing with the available quantity computed by the test and the figure in the
/// outbox.
#[derive(sqlx::FromRow)]
struct ListingFigure {
    channel: i32,
    available: i32,
    share: i32,
    cap: Option<i32>,
    buffer: i32,
    figure: Option<i32>,
}

async fn count(pool: &PgPool, sql: &str, wh: i32) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(wh)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[test]
fn every_barcode_in_the_files_has_a_valid_check_digit() {
    let gtin = header_index(files::BARCODES, "gtin");
    let records = rows(files::BARCODES);
    assert!(records.len() >= 1000);
    for r in &records {
        assert_eq!(
            r[gtin].len(),
            14,
            "{} is not normalised to 14 digits",
            &r[gtin]
        );
        assert!(check_digit_ok(&r[gtin]), "bad check digit: {}", &r[gtin]);
    }
    // Worked examples from the reference: 629104150021 takes 3, 123456789012 takes 8.
    assert!(check_digit_ok("06291041500213") && !check_digit_ok("06291041500212"));
    assert!(check_digit_ok("01234567890128"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loads_once_matches_its_files_and_keeps_every_invariant() {
    let db = common::fresh_db().await;
    let pool = &db.pool;

    let first = demo::load(pool).await.unwrap();
    eprintln!(
        "demo load: {} ms ({} SKUs, {} locations, {} orders)",
        first.elapsed_ms, first.skus, first.locations, first.orders
    );
    assert!(first.loaded);
    assert_eq!(first.warehouse_code, "DEMO");
    let wh = first.warehouse_id;

    // Counts match the files.
    assert_eq!(first.skus, rows(files::SKUS).len());
    assert_eq!(first.barcodes, rows(files::BARCODES).len());
    assert_eq!(first.locations, rows(files::LOCATIONS).len());
    assert_eq!(first.aisles, rows(files::AISLES).len());
    assert_eq!(first.stock_rows, rows(files::STOCK).len());
    assert_eq!(first.listings, rows(files::CHANNEL_LISTINGS).len());
    assert_eq!(first.orders, rows(files::ORDERS).len());
    assert_eq!(first.order_lines, rows(files::ORDER_LINES).len());
    assert_eq!(first.operators, rows(files::OPERATORS).len());
    assert!(first.skus >= 1000 && first.aisles >= 10 && first.orders >= 300);
    let in_db = |sql: &'static str| count(pool, sql, wh);
    assert_eq!(
        in_db("select count(*) from skus where $1 > 0").await,
        first.skus as i64
    );
    assert_eq!(
        in_db("select count(*) from locations where warehouse_id = $1").await,
        first.locations as i64
    );
    assert_eq!(
        in_db("select count(*) from aisles where warehouse_id = $1").await,
        first.aisles as i64
    );
    assert_eq!(
        in_db("select count(*) from orders where warehouse_id = $1").await,
        first.orders as i64
    );
    assert_eq!(
        in_db("select count(*) from order_lines where warehouse_id = $1").await,
        first.order_lines as i64
    );
    assert_eq!(
        in_db("select count(*) from channels where warehouse_id = $1").await,
        4
    );

    // Every stored barcode has a valid check digit.
    let gtins: Vec<String> = sqlx::query_scalar("select gtin from barcodes")
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(gtins.len(), first.barcodes);
    assert!(gtins.iter().all(|g| g.len() == 14 && check_digit_ok(g)));

    // The ledger sums to on_hand for every (location, sku, lot), and all of it is receipts by
    // the demo loader.
    let ledger_off = in_db(
        "with sums as (
             select to_location_id as location_id, sku_id, lot, sum(quantity) as q
               from ledger where warehouse_id = $1 group by 1, 2, 3
         )
         select count(*) from stock s
           full join sums m on m.location_id = s.location_id and m.sku_id = s.sku_id
                           and m.lot = s.lot
          where (s.warehouse_id = $1 or s.warehouse_id is null)
            and coalesce(s.on_hand, 0) <> coalesce(m.q, 0)",
    )
    .await;
    assert_eq!(ledger_off, 0);
    assert_eq!(
        in_db(
            "select count(*) from ledger l join operators o on o.id = l.actor_id
              where l.warehouse_id = $1
                and (l.kind <> 'receive' or o.badge <> 'system:demo' or l.from_location_id is not null)"
        )
        .await,
        0
    );

    // sku_positions equal the sums of stock in bins and reserve and of reservations.
    let positions_off = in_db(
        "with sellable as (
             select s.sku_id, sum(s.on_hand) as q from stock s
               join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
              where s.warehouse_id = $1 and l.kind in ('bin', 'reserve') group by 1
         ), reserved as (
             select sku_id, sum(quantity) as q from reservations where warehouse_id = $1
              group by 1
         )
         select count(*) from skus k
           left join sku_positions p on p.warehouse_id = $1 and p.sku_id = k.id
           left join sellable s on s.sku_id = k.id
           left join reserved r on r.sku_id = k.id
          where p.sku_id is null
             or p.sellable_on_hand <> coalesce(s.q, 0)
             or p.open_reserved <> coalesce(r.q, 0)",
    )
    .await;
    assert_eq!(positions_off, 0);

    // No reservation exceeds stock, nor its line.
    assert_eq!(
        in_db(
            "select count(*) from sku_positions
              where warehouse_id = $1 and open_reserved > sellable_on_hand"
        )
        .await,
        0
    );
    assert_eq!(
        in_db(
            "select count(*) from reservations r
               join order_lines l on l.warehouse_id = r.warehouse_id and l.id = r.order_line_id
              where r.warehouse_id = $1 and (r.quantity > l.quantity or r.sku_id <> l.sku_id)"
        )
        .await,
        0
    );

    // Some orders backordered (and really short), some held (with a reason), most reserved
    // (and really covered).
    let status = |s: &'static str| {
        let sql = format!("select count(*) from orders where warehouse_id = $1 and status = '{s}'");
        async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                .bind(wh)
                .fetch_one(pool)
                .await
                .unwrap()
        }
    };
    let held_in_file = {
        let i = header_index(files::ORDERS, "status");
        rows(files::ORDERS)
            .iter()
            .filter(|r| &r[i] == "held")
            .count() as i64
    };
    let (reserved, backordered, held) = (
        status("reserved").await,
        status("backordered").await,
        status("held").await,
    );
    eprintln!("orders: {reserved} reserved, {backordered} backordered, {held} held");
    assert!(backordered > 0);
    assert!(held > 0 && held == held_in_file);
    assert!(reserved * 2 > first.orders as i64);
    assert_eq!(reserved + backordered + held, first.orders as i64);
    assert_eq!(
        (
            first.reserved_orders,
            first.backordered_orders,
            first.held_orders
        ),
        (reserved as usize, backordered as usize, held as usize)
    );
    let short_lines = |st: &'static str| {
        let sql = format!(
            "select count(distinct o.id) from orders o
               join order_lines l on l.warehouse_id = o.warehouse_id and l.order_id = o.id
               left join reservations r on r.warehouse_id = l.warehouse_id and r.order_line_id = l.id
              where o.warehouse_id = $1 and o.status = '{st}' and l.requires_shipping
                and coalesce(r.quantity, 0) < l.quantity"
        );
        async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                .bind(wh)
                .fetch_one(pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(short_lines("reserved").await, 0);
    assert_eq!(short_lines("backordered").await, backordered);
    assert_eq!(
        in_db(
            "select count(*) from orders
              where warehouse_id = $1 and status = 'held' and coalesce(hold_reason, '') = ''"
        )
        .await,
        0
    );
    assert!(
        in_db(
            "select count(*) from order_lines
              where warehouse_id = $1 and not requires_shipping and sku_id is null"
        )
        .await
            > 0
    );

    // Each channel's outbox figure is clamp(floor(available * share / 100) - buffer, 0, cap),
    // with available computed here from stock and reservations.
    let listings: Vec<ListingFigure> = sqlx::query_as(
        "with sellable as (
             select s.sku_id, sum(s.on_hand)::int as q from stock s
               join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
              where s.warehouse_id = $1 and l.kind in ('bin', 'reserve') group by 1
         ), reserved as (
             select sku_id, sum(quantity)::int as q from reservations where warehouse_id = $1
              group by 1
         )
         select cl.channel_id as channel,
                coalesce(s.q, 0) - coalesce(r.q, 0) as available,
                cl.share_pct as share, cl.cap, cl.buffer, o.quantity as figure
           from channel_listings cl
           join channels c on c.id = cl.channel_id and c.warehouse_id = $1
           left join sellable s on s.sku_id = cl.sku_id
           left join reserved r on r.sku_id = cl.sku_id
           left join outbox o on o.warehouse_id = $1 and o.kind = 'stock'
                             and o.channel_id = cl.channel_id and o.sku_id = cl.sku_id",
    )
    .bind(wh)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(listings.len(), first.listings);
    let mut per_channel: HashMap<i32, (usize, i64)> = HashMap::new();
    let (mut capped, mut zeroed) = (std::collections::BTreeSet::new(), 0);
    for ListingFigure {
        channel,
        available,
        share,
        cap,
        buffer,
        figure,
    } in listings
    {
        assert!(available >= 0);
        let mut expected = i64::from(available) * i64::from(share) / 100 - i64::from(buffer);
        expected = expected.max(0);
        if let Some(cap) = cap {
            if expected > i64::from(cap) {
                capped.insert(cap);
            }
            expected = expected.min(i64::from(cap));
        }
        if expected == 0 {
            zeroed += 1;
        }
        assert_eq!(
            figure.map(i64::from),
            Some(expected),
            "channel {channel}: available {available}, share {share}, cap {cap:?}, buffer {buffer}"
        );
        let entry = per_channel.entry(channel).or_default();
        entry.0 += 1;
        entry.1 += expected;
    }
    assert_eq!(per_channel.len(), 4);
    assert!(
        capped.contains(&500) && capped.len() > 1,
        "the EDI caps should bind somewhere: {capped:?}"
    );
    assert!(zeroed > 0, "some listing should show zero");
    assert_eq!(
        in_db("select count(*) from outbox where warehouse_id = $1 and kind = 'stock'").await,
        first.outbox_figures as i64
    );
    assert_eq!(first.outbox_figures, first.listings);

    // The library's own invariant checks agree.
    assert_eq!(invariants::violations(pool).await.unwrap(), vec![]);

    // The demo badges log in with the PINs the README lists.
    let badge = header_index(files::OPERATORS, "badge");
    let pin = header_index(files::OPERATORS, "pin");
    for r in rows(files::OPERATORS) {
        let op = operators::authenticate(pool, &r[badge], &r[pin])
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", &r[badge]));
        assert_eq!(op.badge, &r[badge]);
    }
    assert_eq!(
        in_db(
            "select count(*) from audit_log
              where warehouse_id = $1 and action = 'demo.load'"
        )
        .await,
        1
    );

    // A second load is a no-op.
    let second = demo::load(pool).await.unwrap();
    assert!(!second.loaded);
    assert_eq!(second.warehouse_id, wh);
    assert_eq!((second.skus, second.orders), (0, 0));
    assert_eq!(
        in_db("select count(*) from orders where warehouse_id = $1").await,
        first.orders as i64
    );
    assert_eq!(
        in_db("select count(*) from audit_log where action = 'demo.load' and $1 > 0").await,
        1
    );
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_loads_load_it_once() {
    let db = common::fresh_db().await;
    let (a, b) = tokio::join!(demo::load(&db.pool), demo::load(&db.pool));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.loaded != b.loaded, "exactly one of two loads loads");
    assert_eq!(a.warehouse_id, b.warehouse_id);
    let warehouses: i64 = sqlx::query_scalar("select count(*) from warehouses where code = 'DEMO'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(warehouses, 1);
    db.drop_db().await;
}
