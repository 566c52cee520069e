//! The pick floor of the demo warehouse, as the floor tests set it up: the demo loaded, batches
//! released by the planner, one claimed by P1001 and its totes (TOTE-0001 for slot 1, and so on)
//! bound; and the small look-ups and checks those tests share.
//!
//! `dead_code` is allowed by `#![allow(dead_code)]` in `common/mod.rs`, which covers this module:
//! each test file uses its own part of it.

use aisle::db::operators::{self, Operator, SystemActor};
use aisle::db::pick_batches::{self, PickConfirm};
use aisle::db::{demo, invariants, planner};
use sqlx::PgPool;
use uuid::Uuid;

/// A batch claimed on the demo warehouse, and who is around it.
pub struct Floor {
    pub wh: i32,
    pub batch: i64,
    /// P1001, who claimed the batch.
    pub picker: Operator,
    /// P1002, to take the batch over.
    pub other: Operator,
    /// The demo's system actor, for stock moved by hand.
    pub demo_actor: Operator,
}

/// Which cart slots get their tote once the batch is claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Totes {
    /// None: the cart is still empty.
    None,
    /// Slot 1 only, with TOTE-0001.
    FirstSlot,
    /// Every slot of the batch, slot by slot, slot n with TOTE-000n.
    EverySlot,
}

/// The operator with this badge.
pub async fn operator(pool: &PgPool, badge: &str) -> Operator {
    sqlx::query_as("select id, badge, name, role from operators where badge = $1")
        .bind(badge)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The demo warehouse's id (the demo already loaded).
pub async fn warehouse(pool: &PgPool) -> i32 {
    sqlx::query_scalar("select id from warehouses where code = 'DEMO'")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Loads the demo and returns its warehouse's id.
pub async fn demo_warehouse(pool: &PgPool) -> i32 {
    demo::load(pool).await.unwrap();
    warehouse(pool).await
}

/// The planner's system actor, which releases batches.
pub async fn planner_actor(pool: &PgPool) -> Operator {
    operators::system_actor(pool, SystemActor::Planner)
        .await
        .unwrap()
}

/// The tote location for cart slot `slot`: TOTE-0001 for slot 1, and so on.
pub async fn tote(pool: &PgPool, wh: i32, slot: i32) -> i32 {
    sqlx::query_scalar(
        "select id from locations where warehouse_id = $1 and code = 'TOTE-' || lpad($2::text, 4, '0')",
    )
    .bind(wh)
    .bind(slot)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The demo, one batch planned and claimed by P1001, its totes bound slot by slot.
pub async fn claimed_batch(pool: &PgPool) -> Floor {
    claimed_batch_with(pool, 1, Totes::EverySlot).await
}

/// The demo, up to `max_batches` batches planned, the first claimed by P1001 and the totes of
/// `totes` bound.
pub async fn claimed_batch_with(pool: &PgPool, max_batches: usize, totes: Totes) -> Floor {
    let wh = demo_warehouse(pool).await;
    let planner_actor = planner_actor(pool).await;
    planner::release(pool, wh, &planner_actor, max_batches)
        .await
        .unwrap();
    let picker = operator(pool, "P1001").await;
    let other = operator(pool, "P1002").await;
    let demo_actor = operators::system_actor(pool, SystemActor::Demo)
        .await
        .unwrap();
    let batch = pick_batches::claim(pool, wh, &picker)
        .await
        .unwrap()
        .unwrap();
    let slots: Vec<i32> = match totes {
        Totes::None => Vec::new(),
        Totes::FirstSlot => vec![1],
        Totes::EverySlot => {
            sqlx::query_scalar("select slot from batch_orders where batch_id = $1 order by slot")
                .bind(batch)
                .fetch_all(pool)
                .await
                .unwrap()
        }
    };
    for slot in slots {
        let tote = tote(pool, wh, slot).await;
        pick_batches::bind_tote(pool, wh, batch, slot, tote, &picker)
            .await
            .unwrap();
    }
    Floor {
        wh,
        batch,
        picker,
        other,
        demo_actor,
    }
}

/// The picker's lease on the batch runs out and P1002 claims it.
pub async fn take_over(pool: &PgPool, floor: &Floor) {
    sqlx::query("update pick_batches set lease_until = now() - interval '1 second' where id = $1")
        .bind(floor.batch)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(
        pick_batches::claim(pool, floor.wh, &floor.other)
            .await
            .unwrap(),
        Some(floor.batch)
    );
}

/// (task, tote, quantity left) of the batch's open tasks, in route order.
pub async fn open_tasks(pool: &PgPool, batch: i64) -> Vec<(i64, i32, i32)> {
    sqlx::query_as(
        "select t.id, bo.tote_location_id, t.quantity - t.done_qty from tasks t
           join order_lines l on l.warehouse_id = t.warehouse_id and l.id = t.order_line_id
           join batch_orders bo on bo.warehouse_id = t.warehouse_id and bo.batch_id = t.batch_id
                               and bo.order_id = l.order_id
          where t.batch_id = $1 and t.status in ('open', 'in_progress') order by t.seq",
    )
    .bind(batch)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// A pick confirm of `quantity` units of `task` into `tote`, under a new scan id.
pub fn confirm(task: i64, tote: i32, quantity: i32) -> PickConfirm {
    PickConfirm {
        task_id: task,
        tote_location_id: tote,
        quantity,
        scan_id: Uuid::now_v7(),
        terminal: "test-handheld".into(),
        raw: format!("TOTE {tote}"),
    }
}

/// How many rows the ledger holds.
pub async fn ledger_rows(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from ledger")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Fails the test, listing them, if any invariant is broken.
pub async fn assert_invariants(pool: &PgPool) {
    let found = invariants::violations(pool).await.unwrap();
    assert!(found.is_empty(), "invariants broken: {found:#?}");
}
