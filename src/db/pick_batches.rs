//! Pick batches on the floor: claiming work under a lease, renewing it while the terminal lives,
//! giving it back. Each is one call of a SQL function (migration 11), one round trip.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::Result;
use crate::db::operators::Operator;
use crate::domain::role::Permission;

/// The batch `picker` holds (its lease renewed), or else the most urgent one waiting or left by
/// a silent terminal; `None` when there is no work.
pub async fn claim(pool: &PgPool, warehouse_id: i32, picker: &Operator) -> Result<Option<i64>> {
    picker.role.require(Permission::Pick)?;
    Ok(sqlx::query_scalar("select aisle_claim_batch($1, $2)")
        .bind(warehouse_id)
        .bind(picker.id)
        .fetch_one(pool)
        .await?)
}

/// Extends the lease; `None` when the batch is no longer the picker's (it expired and someone
/// else took it), which the terminal must tell the picker.
pub async fn renew(
    pool: &PgPool,
    warehouse_id: i32,
    batch_id: i64,
    picker: &Operator,
) -> Result<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar("select aisle_renew_lease($1, $2, $3)")
        .bind(warehouse_id)
        .bind(batch_id)
        .bind(picker.id)
        .fetch_one(pool)
        .await?)
}

/// Hands a held batch back to the queue with its progress kept; false when it was not theirs.
pub async fn give_back(
    pool: &PgPool,
    warehouse_id: i32,
    batch_id: i64,
    picker: &Operator,
) -> Result<bool> {
    Ok(
        sqlx::query_scalar("select aisle_give_back_batch($1, $2, $3)")
            .bind(warehouse_id)
            .bind(batch_id)
            .bind(picker.id)
            .fetch_one(pool)
            .await?,
    )
}
