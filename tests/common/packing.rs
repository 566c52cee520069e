//! The pack floor of the demo warehouse, as the packing and shipping tests set it up: reserved
//! orders put first in the queue, released and picked whole by P1001 (each order into its own
//! tote), ready to pack at a station by K2001; and the look-ups, scans and steps those tests share.
//!
//! `dead_code` is allowed by `#![allow(dead_code)]` in `common/mod.rs`, which covers this module:
//! each test file uses its own part of it.

use aisle::Result;
use aisle::db::operators::Operator;
use aisle::db::packing::{
    self, PackLine, PackOrder, PackProgress, PackScan, PackShort, PackShortOutcome, Station,
};
use aisle::db::shipments::ShipOrder;
use aisle::db::{pick_batches, planner};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::TestDb;
use super::floor::{confirm, demo_warehouse, open_tasks, operator, planner_actor, tote};

/// The demo with one order per channel kind picked into its tote, ready to pack at PACK-01.
pub struct PackFloor {
    pub wh: i32,
    /// K2001.
    pub packer: Operator,
    /// PACK-01.
    pub station: Station,
    pub shopify: i64,
    pub amazon: i64,
    pub edi: i64,
}

/// Loads the demo, puts a reserved order of 2 to 80 units of each of Shopify, Amazon and EDI
/// first in the queue and picks them (see [`picked_orders`]).
pub async fn pack_floor(pool: &PgPool) -> PackFloor {
    let wh = demo_warehouse(pool).await;
    let [shopify, amazon, edi] = picked_orders(pool, wh, &["shopify", "amazon", "edi"])
        .await
        .try_into()
        .unwrap();
    PackFloor {
        wh,
        packer: packer(pool).await,
        station: packing::station(pool, wh, "PACK-01").await.unwrap(),
        shopify,
        amazon,
        edi,
    }
}

/// A fresh database and the [`pack_floor`] on it.
pub async fn fresh_pack_floor() -> (TestDb, PackFloor) {
    let db = super::fresh_db().await;
    let f = pack_floor(&db.pool).await;
    (db, f)
}

impl PackFloor {
    /// Opens `order` at the station by its order number.
    pub async fn open(&self, pool: &PgPool, order: i64) -> PackOrder {
        open_order(pool, self.wh, &self.station, order).await
    }

    /// Opens the order `scanned` (a tote or an order number) names at the station.
    pub async fn open_scanned(&self, pool: &PgPool, scanned: &str) -> Result<PackOrder> {
        packing::open_order(pool, self.wh, self.station.id, scanned).await
    }

    /// The packer scans `scan` at the station.
    pub async fn pack_unit(&self, pool: &PgPool, scan: &PackScan) -> Result<PackProgress> {
        packing::pack_unit(pool, self.wh, self.station.id, &self.packer, scan).await
    }

    /// The packer reports units missing at the station.
    pub async fn pack_short(&self, pool: &PgPool, short: &PackShort) -> Result<PackShortOutcome> {
        packing::pack_short(pool, self.wh, self.station.id, &self.packer, short).await
    }

    /// Packs `quantity` units of a line in one scan.
    pub async fn pack(&self, pool: &PgPool, line: i64, quantity: i32) -> PackProgress {
        self.pack_unit(pool, &pack_scan(line, quantity))
            .await
            .unwrap()
    }

    /// Packs every unit the order expects, a line per scan; returns the order as reopened.
    pub async fn pack_all(&self, pool: &PgPool, order: i64) -> PackOrder {
        pack_all(pool, self.wh, &self.station, &self.packer, order, |line| {
            pack_scan(line.order_line_id, line.expected)
        })
        .await
    }
}

/// For each of `kinds` (channel kinds), the reserved order of 2 to 80 units (two lines or more
/// where possible) put first in the queue; then releases batches and picks them whole (P1001),
/// each order into its own tote, until those orders are picked. Returns them in `kinds` order.
pub async fn picked_orders(pool: &PgPool, wh: i32, kinds: &[&str]) -> Vec<i64> {
    let chosen: Vec<(String, i64)> = sqlx::query_as(
        "update orders o set priority = 100
           from (select distinct on (c.kind) c.kind::text as kind, o.id
                   from orders o join channels c on c.id = o.channel_id
                  where o.warehouse_id = $1 and o.status = 'reserved'
                    and c.kind::text = any($2)
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
    .bind(kinds)
    .fetch_all(pool)
    .await
    .unwrap();
    let orders: Vec<i64> = kinds
        .iter()
        .map(|kind| {
            chosen
                .iter()
                .find(|(k, _)| k == kind)
                .map(|(_, id)| *id)
                .unwrap_or_else(|| panic!("no reserved {kind} order of 2 to 80 units in the demo"))
        })
        .collect();
    pick_orders(pool, wh, &orders).await;
    orders
}

/// Releases batches and picks them (P1001), binding TOTE-0001, TOTE-0002, ... slot by slot,
/// until every order of `orders` is picked.
pub async fn pick_orders(pool: &PgPool, wh: i32, orders: &[i64]) {
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
    for &order in orders {
        assert_eq!(order_status(pool, order).await, "picked", "order {order}");
    }
}

/// K2001, the demo's packer.
pub async fn packer(pool: &PgPool) -> Operator {
    operator(pool, "K2001").await
}

/// The order's status, as text.
pub async fn order_status(pool: &PgPool, order: i64) -> String {
    sqlx::query_scalar("select status::text from orders where id = $1")
        .bind(order)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The order number a packer scans: the order's reference, else its external id.
pub async fn reference(pool: &PgPool, order: i64) -> String {
    sqlx::query_scalar("select coalesce(reference, external_id) from orders where id = $1")
        .bind(order)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The order's id at its channel.
pub async fn external_id(pool: &PgPool, order: i64) -> String {
    sqlx::query_scalar("select external_id from orders where id = $1")
        .bind(order)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Opens `order` at `station` by its order number.
pub async fn open_order(pool: &PgPool, wh: i32, station: &Station, order: i64) -> PackOrder {
    packing::open_order(pool, wh, station.id, &reference(pool, order).await)
        .await
        .unwrap()
}

/// A station scan of `quantity` units of `line`, under a new scan id.
pub fn pack_scan(line: i64, quantity: i32) -> PackScan {
    PackScan {
        order_line_id: line,
        quantity,
        lot: None,
        scan_id: Uuid::now_v7(),
        terminal: "test-station".into(),
        raw: format!("line {line}"),
    }
}

/// Packs every unit the order expects, one `scan` per line; returns the order as reopened,
/// fully packed.
pub async fn pack_all(
    pool: &PgPool,
    wh: i32,
    station: &Station,
    packer: &Operator,
    order: i64,
    scan: impl Fn(&PackLine) -> PackScan,
) -> PackOrder {
    for line in open_order(pool, wh, station, order).await.lines {
        packing::pack_unit(pool, wh, station.id, packer, &scan(&line))
            .await
            .unwrap();
    }
    let packed = open_order(pool, wh, station, order).await;
    assert!(packed.fully_packed());
    packed
}

/// A ship scan of `order`, under a new scan id, with no carrier service given.
pub fn ship_scan(order: i64) -> ShipOrder {
    ShipOrder {
        order_id: order,
        carrier_service_id: None,
        scan_id: Uuid::now_v7(),
        terminal: "test-station".into(),
        raw: "SHIP".into(),
    }
}

/// (kind, payload) of an outbox message.
pub async fn outbox_payload(pool: &PgPool, outbox: i64) -> (String, Value) {
    sqlx::query_as("select kind::text, payload from outbox where id = $1")
        .bind(outbox)
        .fetch_one(pool)
        .await
        .unwrap()
}
