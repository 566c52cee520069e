//! Pick batches on the floor: claiming work under a lease, renewing it while the terminal lives,
//! giving it back, binding totes and confirming picks. Each is one call of a SQL function (migration 11), one round trip.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

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

/// Binds a tote to a cart slot (one order per tote) before the first pick.
pub async fn bind_tote(
    pool: &PgPool,
    warehouse_id: i32,
    batch_id: i64,
    slot: i32,
    tote_location_id: i32,
    picker: &Operator,
) -> Result<()> {
    picker.role.require(Permission::Pick)?;
    sqlx::query("select aisle_bind_tote($1, $2, $3, $4, $5)")
        .bind(warehouse_id)
        .bind(batch_id)
        .bind(slot)
        .bind(tote_location_id)
        .bind(picker.id)
        .execute(pool)
        .await?;
    Ok(())
}

/// A pick to confirm: the terminal has checked location, item and quantity against the task;
/// the tote scan commits. `scan_id` (UUIDv7, made by the terminal) makes a retry harmless.
#[derive(Debug, Clone)]
pub struct PickConfirm {
    pub task_id: i64,
    pub tote_location_id: i32,
    pub quantity: i32,
    pub scan_id: Uuid,
    pub terminal: String,
    /// The tote scan as it arrived, for the journal.
    pub raw: String,
}

/// Where a task, its order and its batch stand after a confirm (or a replayed one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PickProgress {
    pub done_qty: i32,
    pub task_status: String,
    pub order_status: String,
    pub batch_status: String,
}

/// Moves the units from the bin into the tote in one transaction and one round trip; a replay
/// of the same scan id changes nothing and returns the progress as it stands.
pub async fn confirm_pick(
    pool: &PgPool,
    warehouse_id: i32,
    picker: &Operator,
    confirm: &PickConfirm,
) -> Result<PickProgress> {
    picker.role.require(Permission::Pick)?;
    Ok(
        sqlx::query_as("select * from aisle_confirm_pick($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(warehouse_id)
            .bind(confirm.task_id)
            .bind(picker.id)
            .bind(confirm.tote_location_id)
            .bind(confirm.quantity)
            .bind(confirm.scan_id)
            .bind(&confirm.terminal)
            .bind(&confirm.raw)
            .fetch_one(pool)
            .await?,
    )
}

/// Binds the tote scanned by its code to a cart slot, in one statement; returns the tote's
/// location id for the confirms that follow.
pub async fn bind_tote_by_code(
    pool: &PgPool,
    warehouse_id: i32,
    batch_id: i64,
    slot: i32,
    tote: &str,
    picker: &Operator,
) -> Result<i32> {
    picker.role.require(Permission::Pick)?;
    let bound: Option<i32> = sqlx::query_scalar(
        "select l.id from locations l, lateral aisle_bind_tote($1, $2, $3, l.id, $5)
          where l.warehouse_id = $1 and l.code = $4",
    )
    .bind(warehouse_id)
    .bind(batch_id)
    .bind(slot)
    .bind(tote)
    .bind(picker.id)
    .fetch_optional(pool)
    .await?;
    bound.ok_or_else(|| crate::Error::UnknownLocation(tote.to_string()))
}
