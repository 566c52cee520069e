//! Floor exceptions to the happy path of picking: a short pick (the bin holds fewer units than
//! the task needs), replenishment and put-back confirms, and replaying a pick confirm that a
//! terminal journalled while offline. Each is one call of a SQL function (migration 13), one
//! round trip and one transaction.

use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Result;
use crate::db::operators::Operator;
use crate::db::pick_batches::{PickConfirm, PickProgress};
use crate::domain::role::Permission;

/// The picker at a pick task's bin holds only `found` more units of its SKU and lot (beyond
/// those already picked), fewer than the task still needs.
#[derive(Debug, Clone)]
pub struct ShortPick {
    pub task_id: i64,
    /// Units the bin really holds, from 0 to one less than the task still needs.
    pub found: i32,
    /// Made by the terminal (UUIDv7): a retry of the same short changes nothing.
    pub scan_id: Uuid,
    pub terminal: String,
    /// What the picker keyed or scanned, for the journal.
    pub raw: String,
}

/// What a short did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ShortOutcome {
    /// The shorted task: still open with what the bin holds, or done / cancelled.
    pub task_status: String,
    /// The first pick task added to the batch for the rest, from another bin; `None` when no
    /// bin could give any of it.
    pub new_task_id: Option<i64>,
    /// Units no bin could give: released from the line's reservation and backordered.
    pub backordered_qty: i32,
    pub batch_status: String,
}

/// Records that the bin holds only `short.found` units: the bin is counted down (ledger kind
/// `count`), the rest of the task goes to other bins as new tasks of the batch or is
/// backordered, a count task is opened for the bin, channel figures follow, and the supervisor
/// sees an exception. The batch must be the picker's ([`crate::Error::TakenOver`] otherwise).
pub async fn short_pick(
    pool: &PgPool,
    warehouse_id: i32,
    picker: &Operator,
    short: &ShortPick,
) -> Result<ShortOutcome> {
    picker.role.require(Permission::Pick)?;
    Ok(
        sqlx::query_as("select * from aisle_short_pick($1, $2, $3, $4, $5, $6, $7)")
            .bind(warehouse_id)
            .bind(short.task_id)
            .bind(picker.id)
            .bind(short.found)
            .bind(short.scan_id)
            .bind(&short.terminal)
            .bind(&short.raw)
            .fetch_one(pool)
            .await?,
    )
}

/// A replenishment (reserve → bin) or put-back (tote or station → bin) to confirm.
#[derive(Debug, Clone)]
pub struct MoveConfirm {
    pub task_id: i64,
    pub from_location_id: i32,
    pub to_location_id: i32,
    pub quantity: i32,
    pub scan_id: Uuid,
    pub terminal: String,
    /// The last scan (the destination) as it arrived, for the journal.
    pub raw: String,
}

/// Where a replenishment or put-back stands after a confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MoveProgress {
    pub done_qty: i32,
    pub task_status: String,
    /// `None` for a task outside a batch.
    pub batch_status: Option<String>,
}

/// Moves units for a replenishment or put-back task, checking the locations against the task
/// (a put-back raised by a cancellation takes any active pick bin). Pickers may move stock, so
/// the picker flow needs nothing more than [`Permission::Move`].
pub async fn confirm_move(
    pool: &PgPool,
    warehouse_id: i32,
    operator: &Operator,
    confirm: &MoveConfirm,
) -> Result<MoveProgress> {
    operator.role.require(Permission::Move)?;
    Ok(
        sqlx::query_as("select * from aisle_confirm_move($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(warehouse_id)
            .bind(confirm.task_id)
            .bind(operator.id)
            .bind(confirm.from_location_id)
            .bind(confirm.to_location_id)
            .bind(confirm.quantity)
            .bind(confirm.scan_id)
            .bind(&confirm.terminal)
            .bind(&confirm.raw)
            .fetch_one(pool)
            .await?,
    )
}

/// What the server made of a replayed pick confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReplayOutcome {
    /// Applied now.
    Applied(PickProgress),
    /// Applied before (the terminal lost the answer): nothing changed.
    AlreadyApplied(PickProgress),
    /// It can no longer apply; the supervisor sees the exception.
    Exception { exception_id: i64, detail: String },
}

#[derive(sqlx::FromRow)]
struct ReplayRow {
    outcome: String,
    done_qty: Option<i32>,
    task_status: Option<String>,
    order_status: Option<String>,
    batch_status: Option<String>,
    exception_id: Option<i64>,
    detail: Option<String>,
}

/// Replays a pick confirm journalled by a terminal while it was offline. A confirm that can no
/// longer apply (the batch is someone else's now, the task was finished or shorted, the
/// quantity no longer fits) is recorded as an exception and reported, never raised; replaying
/// it again reports the same exception.
pub async fn replay_pick(
    pool: &PgPool,
    warehouse_id: i32,
    picker: &Operator,
    confirm: &PickConfirm,
) -> Result<ReplayOutcome> {
    picker.role.require(Permission::Pick)?;
    let row: ReplayRow =
        sqlx::query_as("select * from aisle_replay_pick($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(warehouse_id)
            .bind(confirm.task_id)
            .bind(picker.id)
            .bind(confirm.tote_location_id)
            .bind(confirm.quantity)
            .bind(confirm.scan_id)
            .bind(&confirm.terminal)
            .bind(&confirm.raw)
            .fetch_one(pool)
            .await?;
    row.into_outcome()
}

impl ReplayRow {
    fn into_outcome(self) -> Result<ReplayOutcome> {
        let progress = |row: ReplayRow| -> Result<PickProgress> {
            match (
                row.done_qty,
                row.task_status,
                row.order_status,
                row.batch_status,
            ) {
                (Some(done_qty), Some(task_status), Some(order_status), Some(batch_status)) => {
                    Ok(PickProgress {
                        done_qty,
                        task_status,
                        order_status,
                        batch_status,
                    })
                }
                _ => Err(crate::Error::Invalid(
                    "the replay returned no progress for its task".into(),
                )),
            }
        };
        match self.outcome.as_str() {
            "applied" => Ok(ReplayOutcome::Applied(progress(self)?)),
            "already_applied" => Ok(ReplayOutcome::AlreadyApplied(progress(self)?)),
            "exception" => Ok(ReplayOutcome::Exception {
                exception_id: self.exception_id.unwrap_or_default(),
                detail: self.detail.unwrap_or_default(),
            }),
            other => Err(crate::Error::Invalid(format!(
                "expected a replay outcome applied, already_applied or exception, got {other:?}"
            ))),
        }
    }
}
