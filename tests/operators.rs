//! Badges and PINs against a real Postgres: lockout after three wrong PINs, also when PINs are
//! tried in parallel; unlocking by role.

mod common;
mod fixture;

use aisle::Error;
use aisle::db::operators::{self, UnlockOutcome};
use fixture::{PIN, small_warehouse};

#[tokio::test]
async fn pins_tried_in_parallel_cannot_slip_past_the_lockout() {
    let db = common::fresh_db_with(12).await;
    let _f = small_warehouse(&db.pool).await;
    let mut tries = Vec::new();
    for n in 0..12 {
        let pool = db.pool.clone();
        tries.push(tokio::spawn(async move {
            operators::authenticate(&pool, "P1", &format!("{:04}", 9000 + n)).await
        }));
    }
    let mut wrong = 0;
    let mut locked = 0;
    for attempt in tries {
        match attempt.await.unwrap() {
            Err(Error::WrongPin { .. }) => wrong += 1,
            Err(Error::BadgeLocked { .. }) => locked += 1,
            other => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!(
        (wrong, locked),
        (2, 10),
        "only three wrong PINs may ever be checked"
    );
    // The right PIN is refused while locked.
    let err = operators::authenticate(&db.pool, "P1", PIN)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadgeLocked { .. }), "{err}");
}

#[tokio::test]
async fn supervisors_unlock_floor_badges_and_only_admins_unlock_admins() {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    assert_eq!(
        operators::unlock(&db.pool, &f.supervisor, "K1")
            .await
            .unwrap(),
        UnlockOutcome::WasNotLocked
    );
    for _ in 0..3 {
        let _ = operators::authenticate(&db.pool, "K1", "0000").await;
        let _ = operators::authenticate(&db.pool, "A1", "0000").await;
    }
    let err = operators::unlock(&db.pool, &f.picker, "K1")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotAllowed { .. }), "{err}");
    assert_eq!(
        operators::unlock(&db.pool, &f.supervisor, "K1")
            .await
            .unwrap(),
        UnlockOutcome::Unlocked
    );
    operators::authenticate(&db.pool, "K1", PIN).await.unwrap();

    let err = operators::unlock(&db.pool, &f.supervisor, "A1")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("an admin"), "{err}");
    assert_eq!(
        operators::unlock(&db.pool, &f.admin, "A1").await.unwrap(),
        UnlockOutcome::Unlocked
    );
    let audited: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'operator.unlock'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        audited, 2,
        "a badge that was not locked leaves no audit row"
    );
}
