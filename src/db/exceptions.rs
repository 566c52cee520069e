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
