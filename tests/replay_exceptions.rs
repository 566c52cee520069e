//! Replaying pick confirms a terminal journalled while offline: applied now, applied before, or
//! refused as an exception for the supervisor (the batch was taken over after the lease expired,
//! or someone else finished the task). A refused replay is recorded once however often it comes.

mod common;

use aisle::db::exceptions;
use aisle::db::floor_tasks::{self, ReplayOutcome};
use aisle::db::pick_batches;
use common::floor::{
    assert_invariants, claimed_batch, confirm, ledger_rows, open_tasks, take_over,
};
use sqlx::PgPool;
use uuid::Uuid;

async fn exception_rows(pool: &PgPool, scan: Uuid) -> i64 {
    sqlx::query_scalar("select count(*) from exceptions where scan_id = $1")
        .bind(scan)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_replay_applies_once_and_then_reports_already_applied() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let floor = claimed_batch(pool).await;
    let (task, tote, left) = open_tasks(pool, floor.batch).await[0];
    let scan = confirm(task, tote, left);
    let before = ledger_rows(pool).await;

    let applied = floor_tasks::replay_pick(pool, floor.wh, &floor.picker, &scan)
        .await
        .unwrap();
    let ReplayOutcome::Applied(progress) = applied else {
        panic!("expected applied, got {applied:?}");
    };
    assert_eq!(progress.done_qty, left);
    assert_eq!(progress.task_status, "done");
    let after = ledger_rows(pool).await;
    assert_eq!(after, before + 1);

    let again = floor_tasks::replay_pick(pool, floor.wh, &floor.picker, &scan)
        .await
        .unwrap();
    assert_eq!(again, ReplayOutcome::AlreadyApplied(progress.clone()));
    assert_eq!(ledger_rows(pool).await, after);

    // A confirm that went through online, replayed after the answer was lost.
    let (task, tote, left) = open_tasks(pool, floor.batch).await[0];
    let online = confirm(task, tote, left);
    let progress = pick_batches::confirm_pick(pool, floor.wh, &floor.picker, &online)
        .await
        .unwrap();
    let replayed = floor_tasks::replay_pick(pool, floor.wh, &floor.picker, &online)
        .await
        .unwrap();
    assert_eq!(replayed, ReplayOutcome::AlreadyApplied(progress));
    assert!(exceptions::open(pool, floor.wh).await.unwrap().is_empty());
    assert_invariants(pool).await;
}

#[tokio::test]
async fn a_replay_after_a_takeover_is_an_exception_recorded_once() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let floor = claimed_batch(pool).await;
    let (task, tote, _) = open_tasks(pool, floor.batch).await[0];
    // The terminal journalled this confirm offline; meanwhile its lease ran out and another
    // picker took the batch.
    let offline = confirm(task, tote, 1);
    take_over(pool, &floor).await;
    let before = ledger_rows(pool).await;

    let first = floor_tasks::replay_pick(pool, floor.wh, &floor.picker, &offline)
        .await
        .unwrap();
    let ReplayOutcome::Exception {
        exception_id,
        detail,
    } = first.clone()
    else {
        panic!("expected an exception, got {first:?}");
    };
    assert!(detail.contains("held by P1002"), "{detail}");
    let second = floor_tasks::replay_pick(pool, floor.wh, &floor.picker, &offline)
        .await
        .unwrap();
    assert_eq!(second, first);
    assert_eq!(exception_rows(pool, offline.scan_id).await, 1);
    assert_eq!(ledger_rows(pool).await, before);

    let journal: (String, Option<String>) =
        sqlx::query_as("select outcome, message from scan_journal where scan_id = $1")
            .bind(offline.scan_id)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(journal.0, "exception");
    assert_eq!(journal.1.as_deref(), Some(detail.as_str()));
    let open = exceptions::open(pool, floor.wh).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id, exception_id);
    assert_eq!(open[0].kind, "replay_refused");
    assert_eq!(open[0].operator_badge.as_deref(), Some("P1001"));
    assert_eq!(open[0].batch_id, Some(floor.batch));
    assert_invariants(pool).await;
}

#[tokio::test]
async fn a_replay_of_a_task_someone_else_finished_is_an_exception() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let floor = claimed_batch(pool).await;
    let (task, tote, left) = open_tasks(pool, floor.batch).await[0];
    // Another terminal of the same picker (or a retry under a new scan id) finished the task.
    pick_batches::confirm_pick(pool, floor.wh, &floor.picker, &confirm(task, tote, left))
        .await
        .unwrap();
    let stale = confirm(task, tote, 1);
    let before = ledger_rows(pool).await;
    let out = floor_tasks::replay_pick(pool, floor.wh, &floor.picker, &stale)
        .await
        .unwrap();
    let ReplayOutcome::Exception { detail, .. } = &out else {
        panic!("expected an exception, got {out:?}");
    };
    assert!(detail.contains("already done"), "{detail}");
    assert_eq!(ledger_rows(pool).await, before);
    assert_eq!(
        floor_tasks::replay_pick(pool, floor.wh, &floor.picker, &stale)
            .await
            .unwrap(),
        out
    );
    assert_eq!(exception_rows(pool, stale.scan_id).await, 1);
    assert_invariants(pool).await;
}

/// The terminal's side: its journal holds a short for a batch that is no longer the picker's
/// (the lease ran out and P1002 took it). The replay cannot apply it; the refusal is stored for
/// the supervisor first, and only then is the confirm struck off the journal.
#[tokio::test]
async fn a_refused_replay_of_a_short_is_recorded_before_it_leaves_the_journal() {
    use aisle::app::Reply;
    use aisle::app::command::{Request, RequestId};
    use aisle::runtime::Effects;
    use aisle::runtime::confirm_journal::{ConfirmJournal, PendingConfirm, PendingKind};

    let db = common::fresh_db().await;
    let pool = &db.pool;
    let floor = claimed_batch(pool).await;
    let (task, _, _) = open_tasks(pool, floor.batch).await[0];
    take_over(pool, &floor).await;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("HH-09.jsonl");
    let mut journal = ConfirmJournal::open(&path).unwrap();
    let scan_id = Uuid::now_v7();
    journal
        .append(PendingConfirm {
            scan_id,
            warehouse_id: floor.wh,
            operator_id: floor.picker.id,
            kind: PendingKind::Short {
                task_id: task,
                found: 0,
            },
            terminal: "HH-09".into(),
            raw: "0".into(),
            at: chrono::Utc::now(),
        })
        .unwrap();
    drop(journal);

    let ledger_before = ledger_rows(pool).await;
    let journal = ConfirmJournal::open(&path).unwrap();
    let mut effects = Effects::new(pool.clone(), floor.wh).with_confirm_journal(journal);
    assert_eq!(effects.waiting(), 1);
    effects.start(Request::Replay {
        request: RequestId(1),
    });
    let Some(Reply::Replayed { report, .. }) = effects.next_reply().await else {
        panic!("expected the replay's report");
    };
    assert_eq!(report.applied, 0);
    assert_eq!(report.waiting, 0, "struck off once recorded");
    assert_eq!(report.exceptions.len(), 1);
    assert!(
        report.exceptions[0].contains("no longer yours"),
        "{report:?}"
    );
    assert_eq!(exception_rows(pool, scan_id).await, 1);
    assert_eq!(ledger_rows(pool).await, ledger_before, "nothing moved");
    assert_eq!(ConfirmJournal::open(&path).unwrap().len(), 0);
    assert_invariants(pool).await;
}
