//! The batch planner on the demo warehouse: reserved orders become batches of at most a cart's
//! worth, each order once, each pick task allocated within what its bin holds, sequenced along
//! the route; orders its bins cannot cover wait, with a replenishment where reserve stock exists.

mod common;

use std::collections::{HashMap, HashSet};

use aisle::db::operators::{self, SystemActor};
use aisle::db::{demo, invariants, planner};
use sqlx::PgPool;

async fn warehouse(pool: &PgPool) -> (i32, i64) {
    sqlx::query_as("select id, cart_size::bigint from warehouses where code = 'DEMO'")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn batches_hold_each_order_once_within_bin_stock_in_route_order() {
    let db = common::fresh_db().await;
    demo::load(&db.pool).await.unwrap();
    let (wh, cart_size) = warehouse(&db.pool).await;
    let planner_actor = operators::system_actor(&db.pool, SystemActor::Planner)
        .await
        .unwrap();
    let reserved_before: i64 = sqlx::query_scalar(
        "select count(*) from orders where warehouse_id = $1 and status = 'reserved'",
    )
    .bind(wh)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(reserved_before > 0, "the demo has reserved orders");

    let report = planner::release(&db.pool, wh, &planner_actor, 5)
        .await
        .unwrap();
    assert!(!report.batches.is_empty(), "{report:?}");
    assert!(report.batches.len() <= 5);
    for batch in &report.batches {
        assert!(
            batch.orders >= 1 && batch.orders as i64 <= cart_size,
            "{batch:?}"
        );
        assert!(batch.route_m > 0.0);
    }

    // Every released order is in exactly one batch, and is released.
    let batched: Vec<(i64, String)> = sqlx::query_as(
        "select b.order_id, o.status::text from batch_orders b
           join orders o on o.warehouse_id = b.warehouse_id and o.id = b.order_id
          where b.warehouse_id = $1",
    )
    .bind(wh)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(batched.len(), report.orders_released);
    assert_eq!(
        batched
            .iter()
            .map(|(id, _)| id)
            .collect::<HashSet<_>>()
            .len(),
        batched.len()
    );
    assert!(batched.iter().all(|(_, s)| s == "released"), "{batched:?}");

    // Pick tasks cover each released line's reservation exactly.
    let uncovered: i64 = sqlx::query_scalar(
        "select count(*) from batch_orders b
           join order_lines l on l.warehouse_id = b.warehouse_id and l.order_id = b.order_id
           join reservations r on r.warehouse_id = l.warehouse_id and r.order_line_id = l.id
           left join lateral (select coalesce(sum(t.quantity), 0) as q from tasks t
                               where t.warehouse_id = l.warehouse_id and t.order_line_id = l.id
                                 and t.kind = 'pick') t on true
          where b.warehouse_id = $1 and r.quantity <> t.q",
    )
    .bind(wh)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(uncovered, 0);

    // No bin is asked for more than it holds, and picks come from bins.
    let over: i64 = sqlx::query_scalar(
        "select count(*) from (
             select t.from_location_id, t.sku_id, t.lot, sum(t.quantity) as q
               from tasks t where t.warehouse_id = $1 and t.kind = 'pick'
              group by 1, 2, 3) t
           join locations l on l.warehouse_id = $1 and l.id = t.from_location_id
           left join stock s on s.warehouse_id = $1 and s.location_id = t.from_location_id
                            and s.sku_id = t.sku_id and s.lot = t.lot
          where l.kind <> 'bin' or t.q > coalesce(s.on_hand, 0)",
    )
    .bind(wh)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(over, 0);

    // Each batch's tasks are numbered 1..n along the route.
    let seqs: Vec<(i64, i32)> = sqlx::query_as(
        "select batch_id, seq from tasks where warehouse_id = $1 and kind = 'pick' order by batch_id, seq",
    )
    .bind(wh)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let mut by_batch: HashMap<i64, Vec<i32>> = HashMap::new();
    for (batch, seq) in seqs {
        by_batch.entry(batch).or_default().push(seq);
    }
    for (batch, seqs) in &by_batch {
        let expected: Vec<i32> = (1..=seqs.len() as i32).collect();
        assert_eq!(seqs, &expected, "batch {batch}");
    }

    // Releasing again never batches an order twice, and the stock invariants still hold.
    let again = planner::release(&db.pool, wh, &planner_actor, 5)
        .await
        .unwrap();
    let total: i64 =
        sqlx::query_scalar("select count(*) from batch_orders where warehouse_id = $1")
            .bind(wh)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        total as usize,
        report.orders_released + again.orders_released
    );
    let found = invariants::violations(&db.pool).await.unwrap();
    assert!(found.is_empty(), "{found:#?}");
}

#[tokio::test]
async fn an_order_its_bins_cannot_cover_waits_and_reserve_stock_is_sent_down() {
    let db = common::fresh_db().await;
    demo::load(&db.pool).await.unwrap();
    let (wh, _) = warehouse(&db.pool).await;
    let planner_actor = operators::system_actor(&db.pool, SystemActor::Planner)
        .await
        .unwrap();
    // Empty every bin of one reserved order's SKU into a reserve location (sellable stock and
    // its reservations unchanged), so that only the reserve can cover it.
    let (order_id, sku_id): (i64, i32) = sqlx::query_as(
        "select o.id, l.sku_id from orders o
           join order_lines l on l.warehouse_id = o.warehouse_id and l.order_id = o.id
          where o.warehouse_id = $1 and o.status = 'reserved' and l.requires_shipping
          order by o.priority desc, o.due_at nulls last, o.id limit 1",
    )
    .bind(wh)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let reserve: i32 = sqlx::query_scalar(
        "select id from locations where warehouse_id = $1 and kind = 'reserve' order by code limit 1",
    )
    .bind(wh)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let admin = operators::system_actor(&db.pool, SystemActor::Demo)
        .await
        .unwrap();
    let bins: Vec<(i32, String, i32)> = sqlx::query_as(
        "select s.location_id, s.lot, s.on_hand from stock s
           join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
          where s.warehouse_id = $1 and s.sku_id = $2 and l.kind = 'bin' and s.on_hand > 0",
    )
    .bind(wh)
    .bind(sku_id)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert!(!bins.is_empty());
    for (bin, lot, on_hand) in bins {
        sqlx::query(
            "select aisle_move($1, $2, $3, $4, $5, nullif($6, ''), $7, 'test: empty the bins')",
        )
        .bind(wh)
        .bind(sku_id)
        .bind(bin)
        .bind(reserve)
        .bind(on_hand)
        .bind(&lot)
        .bind(admin.id)
        .execute(&db.pool)
        .await
        .unwrap();
    }

    let report = planner::release(&db.pool, wh, &planner_actor, 50)
        .await
        .unwrap();
    assert!(report.orders_waiting_for_stock_in_bins >= 1, "{report:?}");
    let in_batch: bool = sqlx::query_scalar(
        "select exists (select 1 from batch_orders where warehouse_id = $1 and order_id = $2)",
    )
    .bind(wh)
    .bind(order_id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(!in_batch, "an order the bins cannot cover is not released");
    let replenish: Vec<(Option<i32>, Option<i32>, i32)> = sqlx::query_as(
        "select from_location_id, to_location_id, quantity from tasks
          where warehouse_id = $1 and kind = 'replenish' and sku_id = $2 and status = 'open'",
    )
    .bind(wh)
    .bind(sku_id)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(replenish.len(), 1, "{replenish:?}");
    let from_reserve: bool = sqlx::query_scalar(
        "select exists (select 1 from locations l join stock s
                          on s.warehouse_id = l.warehouse_id and s.location_id = l.id
                         where l.warehouse_id = $1 and l.id = $2 and l.kind = 'reserve'
                           and s.sku_id = $3 and s.on_hand >= $4)",
    )
    .bind(wh)
    .bind(replenish[0].0)
    .bind(sku_id)
    .bind(replenish[0].2)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(
        from_reserve,
        "taken from a reserve location holding the SKU: {replenish:?}"
    );
    assert!(replenish[0].1.is_some(), "sent down to the SKU's bin");
    assert!(replenish[0].2 > 0);
    // Planning again does not raise a second replenishment for the same SKU.
    planner::release(&db.pool, wh, &planner_actor, 50)
        .await
        .unwrap();
    let count: i64 = sqlx::query_scalar(
        "select count(*) from tasks where warehouse_id = $1 and kind = 'replenish' and sku_id = $2",
    )
    .bind(wh)
    .bind(sku_id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(count, 1);
}
