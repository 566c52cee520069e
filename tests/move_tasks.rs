//! Replenishment and put-back confirms on the demo warehouse: reserve → bin leaves sellable stock
//! alone, a put-back from a tote into a bin makes its units sellable again (and channel figures
//! follow), wrong locations are refused with what was expected, and a replay changes nothing.

mod common;

use aisle::Error;
use aisle::db::floor_tasks::{self, MoveConfirm};
use aisle::db::pick_batches::{self, PickConfirm};
use common::floor::{
    self, Floor, Totes, assert_invariants, claimed_batch_with, demo_warehouse, operator,
};
use sqlx::PgPool;
use uuid::Uuid;

async fn code(pool: &PgPool, location: i32) -> String {
    sqlx::query_scalar("select code from locations where id = $1")
        .bind(location)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn on_hand(pool: &PgPool, location: i32, sku: i32) -> i32 {
    sqlx::query_scalar(
        "select coalesce(sum(on_hand), 0)::integer from stock where location_id = $1 and sku_id = $2",
    )
    .bind(location)
    .bind(sku)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn position(pool: &PgPool, sku: i32) -> (i32, i32) {
    sqlx::query_as("select sellable_on_hand, open_reserved from sku_positions where sku_id = $1")
        .bind(sku)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn figure_versions(pool: &PgPool, sku: i32) -> Vec<(i32, i64)> {
    sqlx::query_as(
        "select channel_id, version from outbox where kind = 'stock' and sku_id = $1
          order by channel_id",
    )
    .bind(sku)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// A replenishment task as the planner makes one: (task, sku, reserve, bin, quantity).
async fn replenishment(pool: &PgPool, wh: i32) -> (i64, i32, i32, i32, i32) {
    let (sku, reserve, lot, held): (i32, i32, String, i32) = sqlx::query_as(
        "select s.sku_id, s.location_id, s.lot, s.on_hand from stock s
           join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
          where s.warehouse_id = $1 and l.kind = 'reserve' and l.active and s.on_hand >= 4
            and exists (select 1 from stock b join locations bl
                               on bl.warehouse_id = b.warehouse_id and bl.id = b.location_id
                         where b.warehouse_id = s.warehouse_id and b.sku_id = s.sku_id
                           and bl.kind = 'bin' and bl.active)
          order by s.sku_id, s.location_id limit 1",
    )
    .bind(wh)
    .fetch_one(pool)
    .await
    .unwrap();
    let bin: i32 = sqlx::query_scalar(
        "select b.location_id from stock b
           join locations bl on bl.warehouse_id = b.warehouse_id and bl.id = b.location_id
          where b.warehouse_id = $1 and b.sku_id = $2 and bl.kind = 'bin' and bl.active
          order by bl.pick_sequence limit 1",
    )
    .bind(wh)
    .bind(sku)
    .fetch_one(pool)
    .await
    .unwrap();
    let quantity = held.min(6);
    let task: i64 = sqlx::query_scalar(
        "insert into tasks (warehouse_id, kind, sku_id, lot, quantity, from_location_id,
                            to_location_id, reason)
         values ($1, 'replenish', $2, $3, $4, $5, $6, 'test') returning id",
    )
    .bind(wh)
    .bind(sku)
    .bind(lot)
    .bind(quantity)
    .bind(reserve)
    .bind(bin)
    .fetch_one(pool)
    .await
    .unwrap();
    (task, sku, reserve, bin, quantity)
}

fn mv(task: i64, from: i32, to: i32, quantity: i32) -> MoveConfirm {
    MoveConfirm {
        task_id: task,
        from_location_id: from,
        to_location_id: to,
        quantity,
        scan_id: Uuid::now_v7(),
        terminal: "test-handheld".into(),
        raw: format!("LOC {to}"),
    }
}

#[tokio::test]
async fn a_replenishment_moves_reserve_to_bin_and_leaves_sellable_alone() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let wh = demo_warehouse(pool).await;
    let picker = operator(pool, "P1001").await;
    let (task, sku, reserve, bin, quantity) = replenishment(pool, wh).await;
    let (reserve_before, bin_before) = (
        on_hand(pool, reserve, sku).await,
        on_hand(pool, bin, sku).await,
    );
    let position_before = position(pool, sku).await;
    let figures_before = figure_versions(pool, sku).await;

    let first = mv(task, reserve, bin, 1);
    let progress = floor_tasks::confirm_move(pool, wh, &picker, &first)
        .await
        .unwrap();
    assert_eq!(progress.done_qty, 1);
    assert_eq!(progress.task_status, "in_progress");
    assert_eq!(progress.batch_status, None);
    // A replay of the same scan changes nothing.
    let again = floor_tasks::confirm_move(pool, wh, &picker, &first)
        .await
        .unwrap();
    assert_eq!(again, progress);

    let progress =
        floor_tasks::confirm_move(pool, wh, &picker, &mv(task, reserve, bin, quantity - 1))
            .await
            .unwrap();
    assert_eq!(progress.done_qty, quantity);
    assert_eq!(progress.task_status, "done");
    assert_eq!(on_hand(pool, reserve, sku).await, reserve_before - quantity);
    assert_eq!(on_hand(pool, bin, sku).await, bin_before + quantity);
    let moves: i64 = sqlx::query_scalar(
        "select coalesce(sum(quantity), 0) from ledger
          where kind = 'move' and from_location_id = $1 and to_location_id = $2 and sku_id = $3",
    )
    .bind(reserve)
    .bind(bin)
    .bind(sku)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(moves, i64::from(quantity));
    assert_eq!(position(pool, sku).await, position_before);
    assert_eq!(figure_versions(pool, sku).await, figures_before);

    // Nothing is left to move.
    let err = floor_tasks::confirm_move(pool, wh, &picker, &mv(task, reserve, bin, 1))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already done"), "{err}");
    assert_invariants(pool).await;
}

#[tokio::test]
async fn a_put_back_from_a_tote_makes_the_units_sellable_again() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let Floor {
        wh, batch, picker, ..
    } = claimed_batch_with(pool, 1, Totes::FirstSlot).await;
    let tote = floor::tote(pool, wh, 1).await;
    let (task, sku, bin, line, quantity): (i64, i32, i32, i64, i32) = sqlx::query_as(
        "select t.id, t.sku_id, t.from_location_id, t.order_line_id, t.quantity from tasks t
           join order_lines l on l.warehouse_id = t.warehouse_id and l.id = t.order_line_id
           join batch_orders bo on bo.warehouse_id = t.warehouse_id and bo.batch_id = t.batch_id
                               and bo.order_id = l.order_id
          where t.batch_id = $1 and bo.slot = 1 order by t.seq limit 1",
    )
    .bind(batch)
    .fetch_one(pool)
    .await
    .unwrap();
    pick_batches::confirm_pick(
        pool,
        wh,
        &picker,
        &PickConfirm {
            task_id: task,
            tote_location_id: tote,
            quantity,
            scan_id: Uuid::now_v7(),
            terminal: "test-handheld".into(),
            raw: "TOTE-0001".into(),
        },
    )
    .await
    .unwrap();
    // The order is cancelled after picking: intake leaves a put-back naming no location.
    let put_back: i64 = sqlx::query_scalar(
        "insert into tasks (warehouse_id, kind, sku_id, quantity, order_line_id, reason)
         values ($1, 'put_back', $2, $3, $4, 'test: cancelled after picking') returning id",
    )
    .bind(wh)
    .bind(sku)
    .bind(quantity)
    .bind(line)
    .fetch_one(pool)
    .await
    .unwrap();
    let sellable_before = position(pool, sku).await.0;
    let figures_before = figure_versions(pool, sku).await;

    // A tote is no place to put back to.
    let other_tote = floor::tote(pool, wh, 150).await;
    let err = floor_tasks::confirm_move(pool, wh, &picker, &mv(put_back, tote, other_tote, 1))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("expected an active pick bin to put to, scanned TOTE-0150"),
        "{err}"
    );

    let progress = floor_tasks::confirm_move(pool, wh, &picker, &mv(put_back, tote, bin, quantity))
        .await
        .unwrap();
    assert_eq!(progress.task_status, "done");
    assert_eq!(progress.batch_status, None);
    assert_eq!(on_hand(pool, tote, sku).await, 0);
    assert_eq!(position(pool, sku).await.0, sellable_before + quantity);
    let (from, to): (Option<i32>, Option<i32>) =
        sqlx::query_as("select from_location_id, to_location_id from tasks where id = $1")
            .bind(put_back)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!((from, to), (Some(tote), Some(bin)));
    let figures_after = figure_versions(pool, sku).await;
    assert!(!figures_after.is_empty());
    assert_ne!(
        figures_after, figures_before,
        "the channel figures follow the units"
    );
    assert_invariants(pool).await;
}

#[tokio::test]
async fn wrong_locations_are_refused_with_what_was_expected() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let wh = demo_warehouse(pool).await;
    let picker = operator(pool, "P1001").await;
    let (task, sku, reserve, bin, _) = replenishment(pool, wh).await;
    let elsewhere: i32 = sqlx::query_scalar(
        "select id from locations where warehouse_id = $1 and kind = 'bin' and id not in ($2, $3)
          order by id limit 1",
    )
    .bind(wh)
    .bind(reserve)
    .bind(bin)
    .fetch_one(pool)
    .await
    .unwrap();
    let before = (
        on_hand(pool, reserve, sku).await,
        on_hand(pool, bin, sku).await,
    );

    let err = floor_tasks::confirm_move(pool, wh, &picker, &mv(task, elsewhere, bin, 1))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err}");
    let expected = format!(
        "wrong location to take from: expected {}, scanned {}",
        code(pool, reserve).await,
        code(pool, elsewhere).await
    );
    assert!(err.to_string().contains(&expected), "{err}");

    let err = floor_tasks::confirm_move(pool, wh, &picker, &mv(task, reserve, elsewhere, 1))
        .await
        .unwrap_err();
    let expected = format!(
        "wrong location to put to: expected {}, scanned {}",
        code(pool, bin).await,
        code(pool, elsewhere).await
    );
    assert!(err.to_string().contains(&expected), "{err}");

    let err = floor_tasks::confirm_move(pool, wh, &picker, &mv(task, reserve, bin, 1000))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("expected a quantity from 1 to"),
        "{err}"
    );
    assert_eq!(
        (
            on_hand(pool, reserve, sku).await,
            on_hand(pool, bin, sku).await
        ),
        before
    );
    assert_invariants(pool).await;
}
