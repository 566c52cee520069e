//! Confirming picks on the demo warehouse: a whole batch picked into its totes moves stock bin to
//! tote with the ledger, turns reservations into picked units and leaves every invariant true; a
//! replayed confirm changes nothing; a wrong tote, an over-pick and a batch taken over by
//! someone else are refused and change nothing.

mod common;

use aisle::Error;
use aisle::db::operators::{self, Operator, SystemActor};
use aisle::db::pick_batches::{self, PickConfirm};
use aisle::db::{demo, invariants, planner};
use sqlx::PgPool;
use uuid::Uuid;

struct Floor {
    wh: i32,
    batch: i64,
    picker: Operator,
    other: Operator,
}

async fn picker(pool: &PgPool, badge: &str) -> Operator {
    sqlx::query_as("select id, badge, name, role from operators where badge = $1")
        .bind(badge)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The demo, one batch planned and claimed by P1001, its totes bound slot by slot.
async fn claimed_batch(pool: &PgPool) -> Floor {
    demo::load(pool).await.unwrap();
    let wh: i32 = sqlx::query_scalar("select id from warehouses where code = 'DEMO'")
        .fetch_one(pool)
        .await
        .unwrap();
    let planner_actor = operators::system_actor(pool, SystemActor::Planner)
        .await
        .unwrap();
    planner::release(pool, wh, &planner_actor, 1).await.unwrap();
    let picker = picker(pool, "P1001").await;
    let other = picker_other(pool).await;
    let batch = pick_batches::claim(pool, wh, &picker)
        .await
        .unwrap()
        .unwrap();
    let slots: Vec<i32> =
        sqlx::query_scalar("select slot from batch_orders where batch_id = $1 order by slot")
            .bind(batch)
            .fetch_all(pool)
            .await
            .unwrap();
    for slot in slots {
        let tote: i32 = sqlx::query_scalar(
            "select id from locations where warehouse_id = $1 and code = 'TOTE-' || lpad($2::text, 4, '0')",
        )
        .bind(wh)
        .bind(slot)
        .fetch_one(pool)
        .await
        .unwrap();
        pick_batches::bind_tote(pool, wh, batch, slot, tote, &picker)
            .await
            .unwrap();
    }
    Floor {
        wh,
        batch,
        picker,
        other,
    }
}

async fn picker_other(pool: &PgPool) -> Operator {
    picker(pool, "P1002").await
}

/// (task, tote, quantity left) of the batch's open tasks, in route order.
async fn open_tasks(pool: &PgPool, batch: i64) -> Vec<(i64, i32, i32)> {
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

fn confirm(task: i64, tote: i32, quantity: i32) -> PickConfirm {
    PickConfirm {
        task_id: task,
        tote_location_id: tote,
        quantity,
        scan_id: Uuid::now_v7(),
        terminal: "test-handheld".into(),
        raw: format!("TOTE {tote}"),
    }
}

async fn units_in_totes(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "select coalesce(sum(s.on_hand), 0)::bigint from stock s
           join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
          where l.kind = 'tote'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn assert_invariants(pool: &PgPool) {
    let found = invariants::violations(pool).await.unwrap();
    assert!(found.is_empty(), "invariants broken: {found:#?}");
}

#[tokio::test]
async fn a_whole_batch_picked_moves_stock_and_keeps_every_invariant() {
    let db = common::fresh_db().await;
    let floor = claimed_batch(&db.pool).await;
    let tasks = open_tasks(&db.pool, floor.batch).await;
    assert!(!tasks.is_empty());
    let in_totes_before = units_in_totes(&db.pool).await;

    let mut units = 0_i64;
    let mut last = None;
    for (task, tote, left) in &tasks {
        let progress = pick_batches::confirm_pick(
            &db.pool,
            floor.wh,
            &floor.picker,
            &confirm(*task, *tote, *left),
        )
        .await
        .unwrap();
        assert_eq!(progress.task_status, "done");
        units += i64::from(*left);
        last = Some(progress);
    }
    let last = last.unwrap();
    assert_eq!(last.batch_status, "done");
    assert_eq!(last.order_status, "picked");

    let in_totes_after = units_in_totes(&db.pool).await;
    assert_eq!(in_totes_after - in_totes_before, units);
    let statuses: Vec<String> = sqlx::query_scalar(
        "select distinct o.status::text from batch_orders b
           join orders o on o.warehouse_id = b.warehouse_id and o.id = b.order_id
          where b.batch_id = $1",
    )
    .bind(floor.batch)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(statuses, vec!["picked".to_string()]);
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn a_replayed_confirm_changes_nothing() {
    let db = common::fresh_db().await;
    let floor = claimed_batch(&db.pool).await;
    let (task, tote, left) = open_tasks(&db.pool, floor.batch).await[0];
    let once = confirm(task, tote, left);
    let first = pick_batches::confirm_pick(&db.pool, floor.wh, &floor.picker, &once)
        .await
        .unwrap();
    let ledger_rows: i64 = sqlx::query_scalar("select count(*) from ledger")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let again = pick_batches::confirm_pick(&db.pool, floor.wh, &floor.picker, &once)
        .await
        .unwrap();
    assert_eq!(first, again);
    let after: i64 = sqlx::query_scalar("select count(*) from ledger")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(after, ledger_rows);
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn wrong_tote_over_pick_and_taken_over_work_are_refused_and_change_nothing() {
    let db = common::fresh_db().await;
    let floor = claimed_batch(&db.pool).await;
    let tasks = open_tasks(&db.pool, floor.batch).await;
    let (task, tote, left) = tasks[0];
    let ledger = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from ledger")
            .fetch_one(&db.pool)
            .await
            .unwrap()
    };
    let before = ledger().await;

    let wrong_tote: i32 = sqlx::query_scalar(
        "select id from locations where warehouse_id = $1 and code = 'TOTE-0150'",
    )
    .bind(floor.wh)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let err = pick_batches::confirm_pick(
        &db.pool,
        floor.wh,
        &floor.picker,
        &confirm(task, wrong_tote, 1),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("wrong tote: expected TOTE-"),
        "{err}"
    );

    let err = pick_batches::confirm_pick(
        &db.pool,
        floor.wh,
        &floor.picker,
        &confirm(task, tote, left + 1),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains(&format!("from 1 to {left}")),
        "{err}"
    );
    assert_eq!(ledger().await, before);

    // The lease runs out and another picker takes the batch: the first terminal's confirm is
    // refused as taken over, for the supervisor's exceptions, not silently dropped.
    sqlx::query("update pick_batches set lease_until = now() - interval '1 second' where id = $1")
        .bind(floor.batch)
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        pick_batches::claim(&db.pool, floor.wh, &floor.other)
            .await
            .unwrap(),
        Some(floor.batch)
    );
    let err =
        pick_batches::confirm_pick(&db.pool, floor.wh, &floor.picker, &confirm(task, tote, 1))
            .await
            .unwrap_err();
    assert!(matches!(err, Error::TakenOver(_)), "{err}");
    assert_eq!(ledger().await, before);
    // The new holder goes on where it stood.
    let progress =
        pick_batches::confirm_pick(&db.pool, floor.wh, &floor.other, &confirm(task, tote, 1))
            .await
            .unwrap();
    assert_eq!(progress.done_qty, 1);
    assert_invariants(&db.pool).await;
}
