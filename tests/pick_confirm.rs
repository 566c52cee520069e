//! Confirming picks on the demo warehouse: a whole batch picked into its totes moves stock bin to
//! tote with the ledger, turns reservations into picked units and leaves every invariant true; a
//! replayed confirm changes nothing; a wrong tote, an over-pick and a batch taken over by
//! someone else are refused and change nothing.

mod common;

use aisle::Error;
use aisle::db::pick_batches;
use common::floor::{
    assert_invariants, claimed_batch, confirm, ledger_rows, open_tasks, take_over,
    tote as tote_of_slot,
};
use sqlx::PgPool;

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
    let before = ledger_rows(&db.pool).await;
    let again = pick_batches::confirm_pick(&db.pool, floor.wh, &floor.picker, &once)
        .await
        .unwrap();
    assert_eq!(first, again);
    let after = ledger_rows(&db.pool).await;
    assert_eq!(after, before);
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn wrong_tote_over_pick_and_taken_over_work_are_refused_and_change_nothing() {
    let db = common::fresh_db().await;
    let floor = claimed_batch(&db.pool).await;
    let tasks = open_tasks(&db.pool, floor.batch).await;
    let (task, tote, left) = tasks[0];
    let before = ledger_rows(&db.pool).await;

    let wrong_tote = tote_of_slot(&db.pool, floor.wh, 150).await;
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
    assert_eq!(ledger_rows(&db.pool).await, before);

    // The lease runs out and another picker takes the batch: the first terminal's confirm is
    // refused as taken over, for the supervisor's exceptions, not silently dropped.
    take_over(&db.pool, &floor).await;
    let err =
        pick_batches::confirm_pick(&db.pool, floor.wh, &floor.picker, &confirm(task, tote, 1))
            .await
            .unwrap_err();
    assert!(matches!(err, Error::TakenOver(_)), "{err}");
    assert_eq!(ledger_rows(&db.pool).await, before);
    // The new holder goes on where it stood.
    let progress =
        pick_batches::confirm_pick(&db.pool, floor.wh, &floor.other, &confirm(task, tote, 1))
            .await
            .unwrap();
    assert_eq!(progress.done_qty, 1);
    assert_invariants(&db.pool).await;
}
