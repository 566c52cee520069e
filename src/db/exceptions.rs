//! Floor exceptions for the supervisor (migration 13): short picks and replayed scans the
//! server refused. Written by the floor functions in the transaction that causes them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Result;

/// One exception not yet resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FloorException {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `short_pick` or `replay_refused`.
    pub kind: String,
    pub task_id: Option<i64>,
    pub batch_id: Option<i64>,
    pub operator_id: Option<i32>,
    /// The operator's badge, when an operator raised it.
    pub operator_badge: Option<String>,
    pub terminal: Option<String>,
    pub scan_id: Option<Uuid>,
    /// What happened, in words.
    pub detail: String,
}

/// The warehouse's unresolved exceptions, oldest first.
pub async fn open(pool: &PgPool, warehouse_id: i32) -> Result<Vec<FloorException>> {
    Ok(sqlx::query_as(
        "select e.id, e.at, e.kind, e.task_id, e.batch_id, e.operator_id,
                o.badge as operator_badge, e.terminal, e.scan_id, e.detail
           from exceptions e
           left join operators o on o.id = e.operator_id
          where e.warehouse_id = $1 and e.resolved_at is null
          order by e.at, e.id",
    )
    .bind(warehouse_id)
    .fetch_all(pool)
    .await?)
}

/// A confirm from a terminal's journal that the database refused when it was replayed.
#[derive(Debug, Clone)]
pub struct RefusedReplay<'a> {
    pub task_id: i64,
    pub operator_id: i32,
    pub terminal: &'a str,
    pub scan_id: Uuid,
    pub raw: &'a str,
    /// Why it could not apply, as the database said.
    pub detail: &'a str,
}

/// Records a refused replay for the supervisor, once per scan id; returns the exception's id.
/// Only once this is stored may the terminal strike the confirm off its journal.
pub async fn record_replay_refusal(
    pool: &PgPool,
    warehouse_id: i32,
    refused: &RefusedReplay<'_>,
) -> Result<i64> {
    Ok(
        sqlx::query_scalar("select aisle_record_replay_refusal($1, $2, $3, $4, $5, $6, $7)")
            .bind(warehouse_id)
            .bind(refused.task_id)
            .bind(refused.operator_id)
            .bind(refused.terminal)
            .bind(refused.scan_id)
            .bind(refused.raw)
            .bind(refused.detail)
            .fetch_one(pool)
            .await?,
    )
}
