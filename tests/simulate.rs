//! The floor simulator on a fresh demo database: simulated pickers sharing one pool confirm
//! picks, never hold the same batch at once, and leave every invariant true.

mod common;

use std::collections::HashMap;

use aisle::db::{demo, invariants};
use aisle::sim::{self, SimOptions};

#[tokio::test]
async fn four_pickers_for_two_seconds_pick_without_sharing_a_batch() {
    let _guard = common::heavy_lock().await;
    let db = common::fresh_db_with(4).await;
    demo::load(&db.pool).await.unwrap();
    let wh: i32 = sqlx::query_scalar("select id from warehouses where code = 'DEMO'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let options = SimOptions {
        pickers: 4,
        seconds: 2.0,
        pool: 4,
    };
    let report = sim::run(&db.pool, wh, &options).await.unwrap();
    assert!(report.closed_loop.confirms > 0, "{report:#?}");
    assert!(report.closed_loop.confirms_per_sec > 0.0);
    assert!(report.closed_loop.latency.p50_ms > 0.0);
    assert!(report.stopped.is_empty(), "{:#?}", report.stopped);
    let open = report.open_loop.as_ref().expect("an open-loop phase");
    assert!(open.phase.confirms > 0, "{report:#?}");
    assert!(report.to_text().contains("closed loop"));

    let confirmed: i64 = sqlx::query_scalar(
        "select count(*) from scan_journal where terminal like 'SIM-%' and outcome = 'applied'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        confirmed as u64,
        report.closed_loop.confirms + open.phase.confirms
    );

    // Four distinct simulated pickers, all system actors.
    let pickers: Vec<(i32, String)> = sqlx::query_as(
        "select id, role::text from operators where badge like 'system:sim-%' order by badge",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(pickers.len(), 4);
    assert!(pickers.iter().all(|(_, role)| role == "system"));

    // Every batch was claimed by one simulated picker only, and every unit it moved was moved
    // by that picker.
    let claims: Vec<(String, i32)> = sqlx::query_as(
        "select subject, actor_id from audit_log where action = 'batch.claim' order by id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert!(!claims.is_empty());
    let mut holder: HashMap<String, i32> = HashMap::new();
    for (batch, actor) in &claims {
        let first = holder.entry(batch.clone()).or_insert(*actor);
        assert_eq!(first, actor, "batch {batch} claimed by two pickers");
    }
    let shared: i64 = sqlx::query_scalar(
        "select count(*) from (
             select t.batch_id from scan_journal s
               join ledger g on g.warehouse_id = s.warehouse_id and g.scan_id = s.scan_id
               join tasks t on t.warehouse_id = s.warehouse_id
                           and t.id = (s.parsed ->> 'task')::bigint
              where s.terminal like 'SIM-%'
              group by t.batch_id having count(distinct g.actor_id) > 1) x",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(shared, 0);

    // Batches still held when the run ended were handed back.
    let held: i64 = sqlx::query_scalar(
        "select count(*) from pick_batches b join operators o on o.id = b.claimed_by
          where b.status = 'claimed' and o.badge like 'system:sim-%'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(held, 0);

    let found = invariants::violations(&db.pool).await.unwrap();
    assert!(found.is_empty(), "{found:#?}");
    db.drop_db().await;
}
