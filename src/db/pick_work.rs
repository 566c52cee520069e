//! The work a picker's terminal holds: a claimed batch with its cart slots and its tasks in
//! walking order ([`BatchWork`]), read in two queries; and "Get work", which claims the most
//! urgent batch and, when none waits, has the planner release some first.

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::Result;
use crate::db::operators::{self, Operator, SystemActor};
use crate::db::{pick_batches, planner};
use crate::domain::pick_work::{BatchWork, CartSlot, TaskBarcode, WorkKind, WorkTask};

/// Batches the planner releases when a picker asks for work and none waits: a few, so that the
/// next pickers asking find work without each running the planner.
pub const RELEASE_ON_DEMAND: usize = 4;

/// Whether every unit of a task's SKU must be scanned, as SQL over the SKU row `k`: the one
/// place that decides it. `skus.scan_each` came with migration 20261127000013 (floor
/// exceptions); before it, this read `false`.
macro_rules! scan_each_sql {
    () => {
        "k.scan_each"
    };
}

#[derive(sqlx::FromRow)]
struct SlotRow {
    route_m: Option<f64>,
    lease_seconds: i32,
    slot: Option<i32>,
    order_id: Option<i64>,
    order_ref: Option<String>,
    tote_location_id: Option<i32>,
    tote: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TaskRow {
    task_id: i64,
    kind: String,
    seq: Option<i32>,
    from_location_id: i32,
    from_location: String,
    to_location_id: Option<i32>,
    to_location: Option<String>,
    slot: Option<i32>,
    sku_id: i32,
    sku: String,
    name: String,
    lot: String,
    lot_controlled: bool,
    expiry: Option<NaiveDate>,
    scan_each: bool,
    gtins: Option<Vec<String>>,
    units: Option<Vec<i32>>,
    quantity: i32,
    done_qty: i32,
}

/// The batch as the terminal works it: its cart slots in slot order (each order's channel
/// reference and, once bound, its tote) and its tasks that are not cancelled in route order,
/// done ones included (so the terminal shows "k of n"). `None` when the warehouse has no such
/// batch. Two queries: the batch with its slots, then its tasks.
pub async fn load(pool: &PgPool, warehouse_id: i32, batch_id: i64) -> Result<Option<BatchWork>> {
    let slot_rows: Vec<SlotRow> = sqlx::query_as(
        "select b.route_m, w.pick_lease_seconds as lease_seconds, bo.slot, bo.order_id,
                coalesce(o.reference, o.external_id) as order_ref, bo.tote_location_id,
                tl.code as tote
           from pick_batches b
           join warehouses w on w.id = b.warehouse_id
           left join batch_orders bo on bo.warehouse_id = b.warehouse_id and bo.batch_id = b.id
           left join orders o on o.warehouse_id = bo.warehouse_id and o.id = bo.order_id
           left join locations tl on tl.warehouse_id = bo.warehouse_id
                                 and tl.id = bo.tote_location_id
          where b.warehouse_id = $1 and b.id = $2
          order by bo.slot",
    )
    .bind(warehouse_id)
    .bind(batch_id)
    .fetch_all(pool)
    .await?;
    let Some(head) = slot_rows.first() else {
        return Ok(None);
    };
    let (route_m, lease_seconds) = (head.route_m, head.lease_seconds);
    let slots = slot_rows
        .into_iter()
        .filter_map(|row| {
            Some(CartSlot {
                slot: row.slot?,
                order_id: row.order_id?,
                order_ref: row.order_ref.unwrap_or_default(),
                tote_location_id: row.tote_location_id,
                tote: row.tote,
            })
        })
        .collect();

    let task_rows: Vec<TaskRow> = sqlx::query_as(concat!(
        "select t.id as task_id, t.kind::text as kind, t.seq, t.from_location_id,
                fl.code as from_location, t.to_location_id, tl.code as to_location, bo.slot,
                t.sku_id, k.code as sku, k.name, t.lot, k.lot_controlled, s.expiry,
                ",
        scan_each_sql!(),
        " as scan_each, bc.gtins, bc.units, t.quantity, t.done_qty
           from tasks t
           join skus k on k.id = t.sku_id
           join locations fl on fl.warehouse_id = t.warehouse_id and fl.id = t.from_location_id
           left join locations tl on tl.warehouse_id = t.warehouse_id and tl.id = t.to_location_id
           left join order_lines l on t.kind = 'pick' and l.warehouse_id = t.warehouse_id
                                  and l.id = t.order_line_id
           left join batch_orders bo on bo.warehouse_id = t.warehouse_id
                                    and bo.batch_id = t.batch_id and bo.order_id = l.order_id
           left join stock s on s.warehouse_id = t.warehouse_id
                            and s.location_id = t.from_location_id and s.sku_id = t.sku_id
                            and s.lot = t.lot
           left join lateral (
                 select array_agg(b.gtin order by b.units, b.gtin) as gtins,
                        array_agg(b.units order by b.units, b.gtin) as units
                   from barcodes b where b.sku_id = t.sku_id) bc on true
          where t.warehouse_id = $1 and t.batch_id = $2 and t.status <> 'cancelled'
          order by t.seq nulls last, t.id"
    ))
    .bind(warehouse_id)
    .bind(batch_id)
    .fetch_all(pool)
    .await?;
    let tasks = task_rows
        .into_iter()
        .enumerate()
        .filter_map(|(i, row)| {
            let Some(kind) = WorkKind::from_db(&row.kind) else {
                tracing::warn!(task = row.task_id, kind = %row.kind, "task of a kind a picker does not do, left out");
                return None;
            };
            let barcodes = row
                .gtins
                .unwrap_or_default()
                .into_iter()
                .zip(row.units.unwrap_or_default())
                .map(|(gtin, units)| TaskBarcode { gtin, units })
                .collect();
            Some(WorkTask {
                task_id: row.task_id,
                kind,
                seq: row
                    .seq
                    .unwrap_or_else(|| i32::try_from(i + 1).unwrap_or(i32::MAX)),
                from_location_id: row.from_location_id,
                from_location: row.from_location,
                to_location_id: row.to_location_id,
                to_location: row.to_location,
                slot: row.slot,
                sku_id: row.sku_id,
                sku: row.sku,
                name: row.name,
                lot: row.lot,
                lot_controlled: row.lot_controlled,
                expiry: row.expiry,
                scan_each: row.scan_each,
                barcodes,
                quantity: row.quantity,
                done_qty: row.done_qty,
            })
        })
        .collect();
    Ok(Some(BatchWork {
        batch_id,
        route_m,
        lease_seconds,
        slots,
        tasks,
    }))
}

/// "Get work": the batch `picker` holds (its lease renewed) or the most urgent one waiting;
/// when none waits, the planner (as its system actor) releases up to [`RELEASE_ON_DEMAND`]
/// batches and the claim is tried once more. `None` when there is still no work.
pub async fn get_work(
    pool: &PgPool,
    warehouse_id: i32,
    picker: &Operator,
) -> Result<Option<BatchWork>> {
    let mut claimed = pick_batches::claim(pool, warehouse_id, picker).await?;
    if claimed.is_none() {
        let planner_actor = operators::system_actor(pool, SystemActor::Planner).await?;
        let report =
            planner::release(pool, warehouse_id, &planner_actor, RELEASE_ON_DEMAND).await?;
        tracing::info!(
            picker = %picker.badge,
            batches = report.batches.len(),
            move_batches = report.move_batches.len(),
            "no work waiting: released on demand"
        );
        claimed = pick_batches::claim(pool, warehouse_id, picker).await?;
    }
    match claimed {
        Some(batch_id) => load(pool, warehouse_id, batch_id).await,
        None => Ok(None),
    }
}
