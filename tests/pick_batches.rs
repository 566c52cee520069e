//! Claiming pick batches (DESIGN.md invariant 6): a batch is held by at most one picker, under a
//! lease that a silent terminal loses, with its progress kept for whoever takes it next.

mod common;
mod fixture;

use std::collections::HashSet;

use aisle::Error;
use aisle::db::operators::{self, Operator, SystemActor};
use aisle::db::pick_batches;
use aisle::domain::role::Role;
use fixture::small_warehouse;
use sqlx::PgPool;

async fn open_batches(pool: &PgPool, warehouse_id: i32, count: i32) -> Vec<i64> {
    let planner = operators::system_actor(pool, SystemActor::Planner)
        .await
        .unwrap();
    // Urgency: higher manual priority first, then the earlier due time.
    sqlx::query_scalar(
        "insert into pick_batches (warehouse_id, released_by, priority, due_at)
         select $1, $2, 0, now() + make_interval(mins => g) from generate_series(1, $3) g
         returning id",
    )
    .bind(warehouse_id)
    .bind(planner.id)
    .bind(count)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn pickers(pool: &PgPool, count: i32) -> Vec<Operator> {
    sqlx::query_as(
        "insert into operators (badge, name, role, pin_hash)
         select 'P' || (5000 + g), 'Picker ' || g, 'picker', 'not-a-real-hash'
           from generate_series(1, $1) g
         returning id, badge, name, role",
    )
    .bind(count)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn sixty_four_pickers_asking_at_once_never_share_a_batch() {
    let db = common::fresh_db_with(70).await;
    let f = small_warehouse(&db.pool).await;
    let wh = f.warehouse_id;
    let batches = open_batches(&db.pool, wh, 40).await;
    let pickers = pickers(&db.pool, 64).await;

    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(pickers.len()));
    let mut claims = Vec::new();
    for picker in pickers.clone() {
        let pool = db.pool.clone();
        let barrier = barrier.clone();
        claims.push(tokio::spawn(async move {
            barrier.wait().await;
            let batch = pick_batches::claim(&pool, wh, &picker).await.unwrap();
            (picker.id, batch)
        }));
    }
    let mut got = Vec::new();
    for claim in claims {
        got.push(claim.await.unwrap());
    }
    let claimed: Vec<i64> = got.iter().filter_map(|(_, b)| *b).collect();
    let distinct: HashSet<i64> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), 40, "every batch is claimed once: {got:?}");
    assert_eq!(distinct.len(), 40, "no batch went to two pickers: {got:?}");
    assert_eq!(distinct, batches.iter().copied().collect::<HashSet<_>>());
    assert_eq!(got.iter().filter(|(_, b)| b.is_none()).count(), 24);

    // The database agrees: each batch has one holder, each holder one batch.
    let holders: Vec<(i64, Option<i32>)> = sqlx::query_as(
        "select id, claimed_by from pick_batches where warehouse_id = $1 and status = 'claimed'",
    )
    .bind(wh)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(holders.len(), 40);
    for (batch, holder) in holders {
        assert!(got.contains(&(holder.unwrap(), Some(batch))));
    }
}

#[tokio::test]
async fn a_picker_gets_their_own_batch_back_and_the_most_urgent_first() {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    let wh = f.warehouse_id;
    let batches = open_batches(&db.pool, wh, 3).await;
    sqlx::query("update pick_batches set priority = 5 where id = $1")
        .bind(batches[2])
        .execute(&db.pool)
        .await
        .unwrap();

    let first = pick_batches::claim(&db.pool, wh, &f.picker).await.unwrap();
    assert_eq!(first, Some(batches[2]), "manual priority goes first");
    // Asking again (a terminal restarted) resumes the same batch, not a second one.
    let again = pick_batches::claim(&db.pool, wh, &f.picker).await.unwrap();
    assert_eq!(again, first);
    let next = pick_batches::claim(&db.pool, wh, &f.supervisor)
        .await
        .unwrap();
    assert_eq!(next, Some(batches[0]), "then the earliest due");

    // A packer does not pick.
    let err = pick_batches::claim(&db.pool, wh, &f.packer)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotAllowed { .. }), "{err}");
    assert_eq!(f.packer.role, Role::Packer);
}

#[tokio::test]
async fn an_expired_lease_returns_the_batch_with_its_progress() {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    let wh = f.warehouse_id;
    let batch = open_batches(&db.pool, wh, 1).await[0];
    // Two pick tasks, the first half done.
    sqlx::query(
        "insert into tasks (warehouse_id, kind, status, sku_id, quantity, batch_id, seq, done_qty)
         select $1, 'pick'::task_kind, 'in_progress'::task_status, id, 4, $2, 1, 2 from skus where code = $3
         union all
         select $1, 'pick', 'open', id, 1, $2, 2, 0 from skus where code = $3",
    )
    .bind(wh)
    .bind(batch)
    .bind(&f.sku)
    .execute(&db.pool)
    .await
    .unwrap();

    assert_eq!(
        pick_batches::claim(&db.pool, wh, &f.picker).await.unwrap(),
        Some(batch)
    );
    let lease = pick_batches::renew(&db.pool, wh, batch, &f.picker)
        .await
        .unwrap();
    assert!(lease.is_some());
    // While the lease lives nobody else gets it.
    assert_eq!(
        pick_batches::claim(&db.pool, wh, &f.supervisor)
            .await
            .unwrap(),
        None
    );

    // The handheld goes silent past its lease.
    sqlx::query("update pick_batches set lease_until = now() - interval '1 second' where id = $1")
        .bind(batch)
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        pick_batches::claim(&db.pool, wh, &f.supervisor)
            .await
            .unwrap(),
        Some(batch)
    );
    let done: Vec<i32> = sqlx::query_scalar(
        "select done_qty from tasks where warehouse_id = $1 and batch_id = $2 order by seq",
    )
    .bind(wh)
    .bind(batch)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(done, vec![2, 0], "progress is kept");
    // The first picker's terminal learns it no longer holds the batch.
    assert_eq!(
        pick_batches::renew(&db.pool, wh, batch, &f.picker)
            .await
            .unwrap(),
        None
    );
    assert!(
        !pick_batches::give_back(&db.pool, wh, batch, &f.picker)
            .await
            .unwrap()
    );

    // Given back, it waits for the next picker.
    assert!(
        pick_batches::give_back(&db.pool, wh, batch, &f.supervisor)
            .await
            .unwrap()
    );
    assert_eq!(
        pick_batches::claim(&db.pool, wh, &f.picker).await.unwrap(),
        Some(batch)
    );
}
