//! Orders, order lines and reservations refer to their parents through set-wise checks (migration
//! 10) instead of per-row foreign keys. They must refuse everything a foreign key refuses: a
//! missing parent on insert, a changed identity, and deleting a parent still referred to — also
//! when the delete races an insert in another transaction.

mod common;
mod fixture;

use std::time::Duration;

use fixture::{order, small_warehouse};
use sqlx::PgPool;

async fn sku_id(pool: &PgPool, code: &str) -> i32 {
    sqlx::query_scalar("select id from skus where code = $1")
        .bind(code)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn sqlstate(err: &sqlx::Error) -> String {
    err.as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn rows_referring_to_missing_parents_are_refused_whole() {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    let wh = f.warehouse_id;
    let sku = sku_id(&db.pool, &f.sku).await;
    let order_id = order(&db.pool, &f, "R-1", &f.sku, 1, 0).await;

    // A batch of lines where one names a SKU that does not exist: nothing of it is stored.
    let err = sqlx::query(
        "insert into order_lines (warehouse_id, order_id, line_no, sku_id, quantity)
         values ($1, $2, 10, $3, 1), ($1, $2, 11, 999999, 1)",
    )
    .bind(wh)
    .bind(order_id)
    .bind(sku)
    .execute(&db.pool)
    .await
    .unwrap_err();
    assert_eq!(sqlstate(&err), "23503");
    assert!(err.to_string().contains("SKU 999999"), "{err}");
    let lines: i64 = sqlx::query_scalar(
        "select count(*) from order_lines where order_id = $1 and line_no >= 10",
    )
    .bind(order_id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(lines, 0);

    let err = sqlx::query(
        "insert into order_lines (warehouse_id, order_id, line_no, sku_id, quantity)
         values ($1, 424242, 1, $2, 1)",
    )
    .bind(wh)
    .bind(sku)
    .execute(&db.pool)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("order 424242"), "{err}");

    let err = sqlx::query(
        "insert into orders (warehouse_id, channel_id, external_id) values ($1, 777, 'X-1')",
    )
    .bind(wh)
    .execute(&db.pool)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("channel 777"), "{err}");

    let err = sqlx::query(
        "insert into reservations (warehouse_id, order_line_id, sku_id, quantity)
         values ($1, 515151, $2, 1)",
    )
    .bind(wh)
    .bind(sku)
    .execute(&db.pool)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("order line 515151"), "{err}");

    let err = sqlx::query("update order_lines set sku_id = 999999 where order_id = $1")
        .bind(order_id)
        .execute(&db.pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("SKU 999999"), "{err}");

    let err = sqlx::query("update orders set carrier_service_id = 888888 where id = $1")
        .bind(order_id)
        .execute(&db.pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("carrier service 888888"), "{err}");

    let err = sqlx::query("update order_lines set order_id = order_id + 1 where order_id = $1")
        .bind(order_id)
        .execute(&db.pool)
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "23503");
}

#[tokio::test]
async fn parents_still_referred_to_cannot_be_deleted() {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    let order_id = order(&db.pool, &f, "R-2", &f.sku, 1, 0).await;

    for (what, statement) in [
        ("sku", "delete from skus where code = $1"),
        (
            "order",
            "delete from orders where external_id = 'R-2' and $1 <> ''",
        ),
        (
            "channel",
            "delete from channels where name = 'shopify-main' and $1 <> ''",
        ),
    ] {
        let err = sqlx::query(statement)
            .bind(&f.sku)
            .execute(&db.pool)
            .await
            .unwrap_err();
        assert_eq!(sqlstate(&err), "23503", "{what}: {err}");
    }

    // A line with a reservation stays; once the reservation is gone, the line can go.
    sqlx::query(
        "insert into reservations (warehouse_id, order_line_id, sku_id, quantity)
         select warehouse_id, id, sku_id, 0 from order_lines where order_id = $1
         on conflict do nothing",
    )
    .bind(order_id)
    .execute(&db.pool)
    .await
    .unwrap();
    let err = sqlx::query("delete from order_lines where order_id = $1")
        .bind(order_id)
        .execute(&db.pool)
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), "23503");
    let mut tx = db.pool.begin().await.unwrap();
    sqlx::query(
        "delete from reservations r using order_lines l
          where l.warehouse_id = r.warehouse_id and l.id = r.order_line_id and l.order_id = $1",
    )
    .bind(order_id)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query("delete from order_lines where order_id = $1")
        .bind(order_id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn a_delete_racing_an_insert_never_leaves_an_orphan() {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    let wh = f.warehouse_id;
    let order_id = order(&db.pool, &f, "R-3", &f.sku, 1, 0).await;
    let spare: i32 = sqlx::query_scalar(
        "insert into skus (code, name, unit_weight_g, length_mm, width_mm, height_mm)
         values ('SPARE-1', 'Spare', 1, 1, 1, 1) returning id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();

    // The insert locks the SKU first; the delete waits for it and then sees the line.
    let mut inserting = db.pool.begin().await.unwrap();
    sqlx::query(
        "insert into order_lines (warehouse_id, order_id, line_no, sku_id, quantity)
         values ($1, $2, 20, $3, 1)",
    )
    .bind(wh)
    .bind(order_id)
    .bind(spare)
    .execute(&mut *inserting)
    .await
    .unwrap();
    let pool = db.pool.clone();
    let deleting = tokio::spawn(async move {
        sqlx::query("delete from skus where id = $1")
            .bind(spare)
            .execute(&pool)
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !deleting.is_finished(),
        "the delete must wait for the inserting transaction"
    );
    inserting.commit().await.unwrap();
    let err = deleting.await.unwrap().unwrap_err();
    assert_eq!(sqlstate(&err), "23503");

    // The other way round: the delete goes first; the insert waits, then finds no SKU.
    let gone: i32 = sqlx::query_scalar(
        "insert into skus (code, name, unit_weight_g, length_mm, width_mm, height_mm)
         values ('SPARE-2', 'Spare', 1, 1, 1, 1) returning id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let mut deleting = db.pool.begin().await.unwrap();
    sqlx::query("delete from skus where id = $1")
        .bind(gone)
        .execute(&mut *deleting)
        .await
        .unwrap();
    let pool = db.pool.clone();
    let inserting = tokio::spawn(async move {
        sqlx::query(
            "insert into order_lines (warehouse_id, order_id, line_no, sku_id, quantity)
             values ($1, $2, 21, $3, 1)",
        )
        .bind(wh)
        .bind(order_id)
        .bind(gone)
        .execute(&pool)
        .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !inserting.is_finished(),
        "the insert must wait for the deleting transaction"
    );
    deleting.commit().await.unwrap();
    let err = inserting.await.unwrap().unwrap_err();
    assert_eq!(sqlstate(&err), "23503");
    let orphans: i64 = sqlx::query_scalar(
        "select count(*) from order_lines l where l.sku_id is not null
            and not exists (select 1 from skus s where s.id = l.sku_id)",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0);
}

#[tokio::test]
async fn the_invariant_checker_reports_an_orphan_that_bypassed_the_checks() {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    let order_id = order(&db.pool, &f, "R-4", &f.sku, 1, 0).await;
    assert!(
        aisle::db::invariants::violations(&db.pool)
            .await
            .unwrap()
            .is_empty()
    );

    // Triggers off (as a bulk restore might run) lets a broken row in; the audit finds it.
    let mut tx = db.pool.begin().await.unwrap();
    sqlx::query("set local session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "insert into order_lines (warehouse_id, order_id, line_no, sku_id, quantity)
         values ($1, $2, 30, 999999, 1)",
    )
    .bind(f.warehouse_id)
    .bind(order_id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let found = aisle::db::invariants::violations(&db.pool).await.unwrap();
    assert!(
        found
            .iter()
            .any(|v| v.invariant == "rows_refer_to_stored_rows"),
        "{found:#?}"
    );
}
