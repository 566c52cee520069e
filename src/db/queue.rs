//! The unified queue: every open order of a warehouse in the order the floor will work it —
//! manual priority first, then the carrier cutoff it must make (due time), then age — with
//! whether it is at risk of missing that cutoff.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::Result;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct QueuedOrder {
    /// 1-based place in the queue.
    pub position: i64,
    pub id: i64,
    pub channel: String,
    pub external_id: String,
    pub reference: Option<String>,
    pub status: String,
    pub hold_reason: Option<String>,
    pub priority: i32,
    pub service_level: Option<String>,
    /// Carrier and service, e.g. `UPS GND`, when a shipping rule matched.
    pub carrier_service: Option<String>,
    pub ship_by: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    /// The due time in the warehouse's zone, as the floor reads it.
    pub due_local: Option<String>,
    pub lines: i64,
    /// Units still to ship, and how many of them are reserved.
    pub units: i64,
    pub reserved: i64,
    /// Due within the warehouse's at-risk window and not yet packed.
    pub at_risk: bool,
    /// The cutoff has passed.
    pub late: bool,
}

/// Open orders in queue order; `limit` caps the list (the queue can be long).
pub async fn open_orders(pool: &PgPool, warehouse_id: i32, limit: i64) -> Result<Vec<QueuedOrder>> {
    Ok(sqlx::query_as::<_, QueuedOrder>(
        "select row_number() over (order by o.priority desc, o.due_at asc nulls last,
                                            o.ordered_at, o.id) as position,
                o.id, c.name as channel, o.external_id, o.reference, o.status::text as status,
                o.hold_reason, o.priority, o.service_level,
                ca.code || ' ' || cs.code as carrier_service, o.ship_by, o.due_at,
                to_char(o.due_at at time zone w.time_zone, 'Dy HH24:MI') as due_local,
                coalesce(l.lines, 0) as lines, coalesce(l.units, 0) as units,
                coalesce(l.reserved, 0) as reserved,
                (o.due_at is not null and o.status not in ('packed')
                  and o.due_at <= now() + make_interval(mins => w.at_risk_minutes)) as at_risk,
                (o.due_at is not null and o.due_at < now()) as late
           from orders o
           join warehouses w on w.id = o.warehouse_id
           join channels c on c.id = o.channel_id
           left join carrier_services cs on cs.id = o.carrier_service_id
           left join carriers ca on ca.id = cs.carrier_id
           left join lateral (
               select count(*) as lines,
                      sum(ol.quantity - ol.cancelled_qty - ol.shipped_qty)::bigint as units,
                      sum(coalesce(r.quantity, 0) + ol.picked_qty - ol.shipped_qty)::bigint as reserved
                 from order_lines ol
                 left join reservations r on r.warehouse_id = ol.warehouse_id and r.order_line_id = ol.id
                where ol.warehouse_id = o.warehouse_id and ol.order_id = o.id and ol.requires_shipping
           ) l on true
          where o.warehouse_id = $1 and o.status not in ('shipped', 'cancelled')
          order by position
          limit $2",
    )
    .bind(warehouse_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
