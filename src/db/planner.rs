//! The batch planner (waveless release): reserved orders become pick batches, one order per
//! tote, in one transaction.
//!
//! It takes orders in queue order (manual priority, due time, age), allocates each order's
//! reserved units to bins whole or not at all ([`BinBook`]), groups them into carts with
//! [`batching::seed_batches`] (urgency first, then short added walks), sequences each cart's
//! picks along the optimal single-block route, and stores batches, their orders and pick tasks,
//! marking the orders released. Orders past picking come back for units that went back to the
//! queue (re-reserved after a pack short, or still owed after a partial shipment): see
//! [`candidates`] for when. An order whose bins cannot cover it stays in the queue and, where
//! reserve stock exists, gets a replenishment task (reserve → bin) so that it can go next time.
//! Replenishments and put-backs are floor work too: each release puts those not yet in a batch
//! into batches of their own (no cart slots), routed like the others and ranked above the pick
//! batches that need them, so that a picker asking for work is handed them first.
//! One planner runs per warehouse at a time (an advisory lock); orders someone else holds are
//! skipped, not waited for.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use crate::db::operators::Operator;
use crate::domain::allocation::{Allocation, BinBook, BinStock, LineNeed};
use crate::domain::batching;
use crate::domain::role::Permission;
use crate::domain::routing::{self, BlockLayout, PickPoint};
use crate::{Error, Result};

/// Advisory-lock namespace of the planner (the second key is the warehouse).
const PLANNER_LOCK: i32 = 0x00A1_5E01;

/// What one release did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PlanReport {
    pub batches: Vec<PlannedBatch>,
    pub orders_released: usize,
    /// Orders left in the queue because their bins cannot cover them yet.
    pub orders_waiting_for_stock_in_bins: usize,
    pub replenishments_created: usize,
    /// Batches of replenishment and put-back tasks (no cart slots), claimed before the pick
    /// batches that need them.
    pub move_batches: Vec<PlannedBatch>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedBatch {
    pub id: i64,
    pub orders: usize,
    pub tasks: usize,
    pub units: i64,
    pub route_m: f64,
}

/// Releases up to `max_batches` batches. `actor` is the planner (a system actor) or a picker's
/// terminal asking for work when none waits.
pub async fn release(
    pool: &PgPool,
    warehouse_id: i32,
    actor: &Operator,
    max_batches: usize,
) -> Result<PlanReport> {
    actor.role.require(Permission::Pick)?;
    let mut tx = pool.begin().await?;
    sqlx::query("select pg_advisory_xact_lock($1, $2)")
        .bind(PLANNER_LOCK)
        .bind(warehouse_id)
        .execute(&mut *tx)
        .await?;
    let (layout, aisles, cart_size) = layout(&mut tx, warehouse_id).await?;
    let window = cart_size * 4;
    let candidates = candidates(&mut tx, warehouse_id, max_batches * cart_size * 4).await?;
    let skus: Vec<i32> = candidates
        .iter()
        .flat_map(|o| o.lines.iter().map(|l| l.sku_id))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let (bins, positions) = bin_stock(&mut tx, warehouse_id, &skus, &aisles).await?;
    let mut book = BinBook::new(bins);

    let mut allocated: Vec<(&Candidate, Vec<Allocation>)> = Vec::new();
    let mut shortfall: BTreeMap<i32, i64> = BTreeMap::new();
    let mut report = PlanReport::default();
    for order in &candidates {
        match book.allocate_order(&order.lines) {
            Ok(allocations) => allocated.push((order, allocations)),
            Err(short) => {
                report.orders_waiting_for_stock_in_bins += 1;
                for sku in short {
                    let wanted: i64 = order
                        .lines
                        .iter()
                        .filter(|l| l.sku_id == sku)
                        .map(|l| i64::from(l.quantity))
                        .sum();
                    *shortfall.entry(sku).or_default() += wanted;
                }
            }
        }
    }

    // Replenishments first, then every open replenishment and put-back not yet in a batch goes
    // into batches of its own, ranked above the pick batches that need it: created before the
    // pick batches, they also win ties.
    for (sku, wanted) in shortfall {
        let short = wanted - book.available(sku);
        if short > 0 && replenish(&mut tx, warehouse_id, sku, short).await? {
            report.replenishments_created += 1;
        }
    }
    report.move_batches =
        batch_move_tasks(&mut tx, warehouse_id, actor, &layout, &aisles, cart_size).await?;

    let point = |a: &Allocation| positions.get(&a.location_id).copied();
    let order_points: Vec<Vec<PickPoint>> = allocated
        .iter()
        .map(|(_, allocations)| allocations.iter().filter_map(point).collect())
        .collect();
    let carts = batching::seed_batches(&layout, &order_points, cart_size, window);
    for cart in carts.into_iter().take(max_batches) {
        let orders: Vec<&(&Candidate, Vec<Allocation>)> =
            cart.iter().map(|&i| &allocated[i]).collect();
        let picks: Vec<(usize, &Allocation)> = orders
            .iter()
            .enumerate()
            .flat_map(|(slot, (_, allocations))| allocations.iter().map(move |a| (slot, a)))
            .collect();
        let points: Vec<PickPoint> = picks.iter().filter_map(|(_, a)| point(a)).collect();
        let route = routing::optimal(&layout, &points);
        let batch = store_batch(&mut tx, warehouse_id, actor, &orders, &picks, &route).await?;
        report.orders_released += batch.orders;
        report.batches.push(batch);
    }

    sqlx::query(
        "insert into audit_log (actor_id, warehouse_id, action, details)
         values ($1, $2, 'plan.release', $3)",
    )
    .bind(actor.id)
    .bind(warehouse_id)
    .bind(serde_json::json!({
        "batches": report.batches.len(),
        "orders": report.orders_released,
        "waiting_for_bins": report.orders_waiting_for_stock_in_bins,
        "replenishments": report.replenishments_created,
        "move_batches": report.move_batches.len(),
    }))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// A queued order with the reserved units of its shipping lines.
struct Candidate {
    id: i64,
    priority: i32,
    due_at: Option<DateTime<Utc>>,
    lines: Vec<LineNeed>,
}

async fn layout(
    conn: &mut PgConnection,
    warehouse_id: i32,
) -> Result<(BlockLayout, HashMap<String, usize>, usize)> {
    let head: Option<(f64, f64, f64, f64, i32)> = sqlx::query_as(
        "select l.front_cross_aisle_y, l.back_cross_aisle_y, l.depot_x, l.depot_y, w.cart_size
           from warehouse_layouts l join warehouses w on w.id = l.warehouse_id
          where l.warehouse_id = $1",
    )
    .bind(warehouse_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((front_y, back_y, depot_x, depot_y, cart_size)) = head else {
        return Err(Error::Invalid(format!(
            "warehouse {warehouse_id} has no layout: expected a row in warehouse_layouts (aisles, cross-aisles, depot) before planning"
        )));
    };
    let aisles: Vec<(String, f64)> =
        sqlx::query_as("select code, x from aisles where warehouse_id = $1 order by x, code")
            .bind(warehouse_id)
            .fetch_all(&mut *conn)
            .await?;
    let layout = BlockLayout {
        aisle_xs: aisles.iter().map(|(_, x)| *x).collect(),
        front_y,
        back_y,
        depot: (depot_x, depot_y),
    };
    let index = aisles
        .into_iter()
        .enumerate()
        .map(|(i, (code, _))| (code, i))
        .collect();
    Ok((
        layout,
        index,
        usize::try_from(cart_size).unwrap_or(1).max(1),
    ))
}

/// Up to `limit` orders in queue order, locked (skipping those someone else holds), each with
/// units reserved and in no live batch: fully reserved ones; backordered ones where the channel
/// ships in parts; and orders past picking whose missing units went back to the queue (re-reserved
/// by a pack short, or given to them when stock arrived; migration 16):
///
/// * partly shipped: released for the rest (packing no longer takes the order as it stands);
/// * picked or packed, where the channel does not ship in parts, once every unit still to pick is
///   reserved: the units already picked or packed wait in their totes and at the station until
///   the rest arrive in another tote, and the order ships whole;
/// * picked or packed, where the channel ships in parts, once no picked unit waits to ship: the
///   packer ships what was picked first (the order is partly shipped) rather than have the order
///   taken from the station under them, and the re-reserved part follows as its own shipment. (An
///   order whose pick left it nothing to pack, a short having taken it all, goes straight away.)
///
/// Every order released is marked `released` by [`store_batch`], whatever it was, so that the
/// pick confirms (migration 13) take it through picking to `picked` again, and packing waits
/// for it until then.
async fn candidates(
    conn: &mut PgConnection,
    warehouse_id: i32,
    limit: usize,
) -> Result<Vec<Candidate>> {
    let rows: Vec<CandidateLine> = sqlx::query_as(
        "with queued as (
             select o.id, o.priority, o.due_at, o.ordered_at from orders o
               join channels c on c.id = o.channel_id
              where o.warehouse_id = $1
                and o.status in ('reserved', 'backordered', 'picked', 'packed', 'partly_shipped')
                and case
                        when o.status = 'reserved' then true
                        when o.status = 'backordered' then c.allows_partial_shipment
                        when o.status = 'partly_shipped' then true
                        -- Picked or packed, in parts: once nothing picked waits to ship.
                        when c.allows_partial_shipment then
                            not exists (select 1 from order_lines l
                                         where l.warehouse_id = o.warehouse_id and l.order_id = o.id
                                           and l.requires_shipping and l.picked_qty > l.shipped_qty)
                        -- Picked or packed, whole: once every unit still to pick is reserved.
                        else
                            not exists (select 1 from order_lines l
                                          left join reservations r
                                            on r.warehouse_id = l.warehouse_id and r.order_line_id = l.id
                                         where l.warehouse_id = o.warehouse_id and l.order_id = o.id
                                           and l.requires_shipping
                                           and l.quantity - l.cancelled_qty - l.picked_qty
                                               - coalesce(r.quantity, 0) > 0)
                    end
                -- Something to pick: an order with nothing reserved neither takes a place in
                -- the limit nor is locked (picked orders wait at packing in numbers).
                and exists (select 1 from order_lines l
                              join reservations r on r.warehouse_id = l.warehouse_id
                                                 and r.order_line_id = l.id
                             where l.warehouse_id = o.warehouse_id and l.order_id = o.id
                               and l.requires_shipping and r.quantity > 0)
                -- An order waits in at most one live batch; one whose batch is over (a short
                -- sent it back to the queue, or it went on to packing) may be released again
                -- for what is still reserved.
                and not exists (select 1 from batch_orders b
                                  join pick_batches pb on pb.warehouse_id = b.warehouse_id
                                                      and pb.id = b.batch_id
                                 where b.warehouse_id = o.warehouse_id and b.order_id = o.id
                                   and pb.status in ('open', 'claimed'))
              order by o.priority desc, o.due_at asc nulls last, o.ordered_at, o.id
              limit $2
                for update of o skip locked
         )
         select q.id as order_id, q.priority, q.due_at, l.id as line_id, l.sku_id,
                r.quantity as reserved
           from queued q
           join order_lines l on l.warehouse_id = $1 and l.order_id = q.id
           join reservations r on r.warehouse_id = l.warehouse_id and r.order_line_id = l.id
          where l.requires_shipping and r.quantity > 0
          order by q.priority desc, q.due_at asc nulls last, q.ordered_at, q.id, l.line_no",
    )
    .bind(warehouse_id)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&mut *conn)
    .await?;
    let mut orders: Vec<Candidate> = Vec::new();
    for row in rows {
        if orders.last().is_none_or(|o| o.id != row.order_id) {
            orders.push(Candidate {
                id: row.order_id,
                priority: row.priority,
                due_at: row.due_at,
                lines: Vec::new(),
            });
        }
        if let Some(order) = orders.last_mut() {
            order.lines.push(LineNeed {
                order_line_id: row.line_id,
                sku_id: row.sku_id,
                quantity: row.reserved,
            });
        }
    }
    Ok(orders)
}

#[derive(sqlx::FromRow)]
struct CandidateLine {
    order_id: i64,
    priority: i32,
    due_at: Option<DateTime<Utc>>,
    line_id: i64,
    sku_id: i32,
    reserved: i32,
}

#[derive(sqlx::FromRow)]
struct BinRow {
    location_id: i32,
    sku_id: i32,
    lot: String,
    expiry: Option<NaiveDate>,
    available: i32,
    pick_sequence: Option<i32>,
    code: String,
    aisle: String,
    y: f64,
}

/// What the pick bins hold of some SKUs, less what open tasks already take from them, and where
/// each bin lies on the layout.
async fn bin_stock(
    conn: &mut PgConnection,
    warehouse_id: i32,
    skus: &[i32],
    aisles: &HashMap<String, usize>,
) -> Result<(Vec<BinStock>, HashMap<i32, PickPoint>)> {
    let rows: Vec<BinRow> = sqlx::query_as(
        "select s.location_id, s.sku_id, s.lot, s.expiry,
                    (s.on_hand - coalesce(t.taking, 0))::integer as available, l.pick_sequence,
                    l.code, l.aisle, l.y
               from unnest($2::int[]) as k(sku_id)
               join stock s on s.warehouse_id = $1 and s.sku_id = k.sku_id
               join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
               left join lateral (
                     select sum(t.quantity - t.done_qty) as taking from tasks t
                      where t.warehouse_id = s.warehouse_id and t.from_location_id = s.location_id
                        and t.sku_id = s.sku_id and t.lot = s.lot
                        and t.status in ('open', 'in_progress')) t on true
              where l.kind = 'bin' and l.active and s.on_hand > 0",
    )
    .bind(warehouse_id)
    .bind(skus)
    .fetch_all(&mut *conn)
    .await?;
    let mut positions = HashMap::new();
    let mut bins = Vec::new();
    for row in rows {
        // A bin on an aisle the layout does not know cannot be routed to: not allocated.
        let Some(&aisle) = aisles.get(&row.aisle) else {
            continue;
        };
        positions.insert(row.location_id, PickPoint { aisle, y: row.y });
        bins.push(BinStock {
            location_id: row.location_id,
            sku_id: row.sku_id,
            lot: row.lot,
            expiry: row.expiry,
            available: row.available,
            pick_sequence: row.pick_sequence,
            code: row.code,
        });
    }
    Ok((bins, positions))
}

async fn store_batch(
    conn: &mut PgConnection,
    warehouse_id: i32,
    actor: &Operator,
    orders: &[&(&Candidate, Vec<Allocation>)],
    picks: &[(usize, &Allocation)],
    route: &routing::Route,
) -> Result<PlannedBatch> {
    let priority = orders.iter().map(|(o, _)| o.priority).max().unwrap_or(0);
    let due_at = orders.iter().filter_map(|(o, _)| o.due_at).min();
    let batch_id: i64 = sqlx::query_scalar(
        "insert into pick_batches (warehouse_id, priority, due_at, route_m, released_by)
         values ($1, $2, $3, $4, $5) returning id",
    )
    .bind(warehouse_id)
    .bind(priority)
    .bind(due_at)
    .bind(route.length)
    .bind(actor.id)
    .fetch_one(&mut *conn)
    .await?;
    let order_ids: Vec<i64> = orders.iter().map(|(o, _)| o.id).collect();
    sqlx::query(
        "insert into batch_orders (warehouse_id, batch_id, slot, order_id)
         select $1, $2, slot, order_id from unnest($3::bigint[]) with ordinality as x(order_id, slot)",
    )
    .bind(warehouse_id)
    .bind(batch_id)
    .bind(&order_ids)
    .execute(&mut *conn)
    .await?;
    // Route order: the k-th stop of the route is picks[route.order[k]].
    let mut seq = vec![0_i32; picks.len()];
    for (k, &pick) in route.order.iter().enumerate() {
        if let Some(slot) = seq.get_mut(pick) {
            *slot = i32::try_from(k + 1).unwrap_or(i32::MAX);
        }
    }
    let lines: Vec<i64> = picks.iter().map(|(_, a)| a.order_line_id).collect();
    let skus: Vec<i32> = picks.iter().map(|(_, a)| a.sku_id).collect();
    let lots: Vec<&str> = picks.iter().map(|(_, a)| a.lot.as_str()).collect();
    let quantities: Vec<i32> = picks.iter().map(|(_, a)| a.quantity).collect();
    let bins: Vec<i32> = picks.iter().map(|(_, a)| a.location_id).collect();
    sqlx::query(
        "insert into tasks (warehouse_id, kind, sku_id, lot, quantity, from_location_id,
                            order_line_id, batch_id, seq)
         select $1, 'pick', sku_id, lot, quantity, bin, line, $2, seq
           from unnest($3::bigint[], $4::int[], $5::text[], $6::int[], $7::int[], $8::int[])
                as x(line, sku_id, lot, quantity, bin, seq)",
    )
    .bind(warehouse_id)
    .bind(batch_id)
    .bind(&lines)
    .bind(&skus)
    .bind(&lots)
    .bind(&quantities)
    .bind(&bins)
    .bind(&seq)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update orders set status = 'released', updated_at = now()
          where warehouse_id = $1 and id = any($2)",
    )
    .bind(warehouse_id)
    .bind(&order_ids)
    .execute(&mut *conn)
    .await?;
    Ok(PlannedBatch {
        id: batch_id,
        orders: order_ids.len(),
        tasks: picks.len(),
        units: quantities.iter().map(|&q| i64::from(q)).sum(),
        route_m: route.length,
    })
}

/// A replenishment task for a SKU whose bins fall `short` units, from the reserve location that
/// holds most of it (earliest expiry first) to the SKU's first bin on the walk. None when the
/// reserve holds nothing or a replenishment of that SKU is already open.
async fn replenish(
    conn: &mut PgConnection,
    warehouse_id: i32,
    sku_id: i32,
    short: i64,
) -> Result<bool> {
    let created = sqlx::query(
        "insert into tasks (warehouse_id, kind, sku_id, lot, quantity, from_location_id,
                            to_location_id, reason)
         select $1, 'replenish', s.sku_id, s.lot, least(s.on_hand, $3)::integer, s.location_id,
                (select b.id from locations b
                   join stock bs on bs.warehouse_id = b.warehouse_id and bs.location_id = b.id
                  where b.warehouse_id = $1 and b.kind = 'bin' and b.active and bs.sku_id = $2
                  order by b.pick_sequence nulls last, b.code limit 1),
                'bins short for released work'
           from stock s
           join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
          where s.warehouse_id = $1 and s.sku_id = $2 and l.kind = 'reserve' and l.active
            and s.on_hand > 0
            and not exists (select 1 from tasks t
                             where t.warehouse_id = $1 and t.kind = 'replenish' and t.sku_id = $2
                               and t.status in ('open', 'in_progress'))
          order by s.expiry nulls last, s.on_hand desc, l.code
          limit 1",
    )
    .bind(warehouse_id)
    .bind(sku_id)
    .bind(short)
    .execute(&mut *conn)
    .await?;
    Ok(created.rows_affected() > 0)
}

/// An open replenishment or put-back not yet in a batch, with where it goes on the layout and
/// how urgent the work that waits for it is.
#[derive(sqlx::FromRow)]
struct MoveTaskRow {
    id: i64,
    quantity: i32,
    from_aisle: Option<String>,
    from_y: Option<f64>,
    to_location_id: Option<i32>,
    to_aisle: Option<String>,
    to_y: Option<f64>,
    priority: i32,
    due_at: Option<DateTime<Utc>>,
}

/// Puts every open replenishment and put-back task that is in no batch into batches of their
/// own (no cart slots, at most a cart's worth of tasks each), routed like pick batches.
///
/// A replenishment ranks one above the most urgent order still holding reserved units of its
/// SKU (so the planner's claim order hands it out before any pick batch that needs it) and is
/// due when the earliest of those orders is; a put-back (units of a cancelled order going back
/// to a bin) ranks as ordinary work, due from when it was raised. A put-back raised by a
/// cancellation names no location yet: it is taken from the tote its order's units were picked
/// into, and the bin is the first in walk order holding the SKU.
async fn batch_move_tasks(
    conn: &mut PgConnection,
    warehouse_id: i32,
    actor: &Operator,
    layout: &BlockLayout,
    aisles: &HashMap<String, usize>,
    cart_size: usize,
) -> Result<Vec<PlannedBatch>> {
    sqlx::query(
        "with src as (
             select distinct on (t.id) t.id, s.location_id, s.lot
               from tasks t
               join order_lines l on l.warehouse_id = t.warehouse_id and l.id = t.order_line_id
               join batch_orders bo on bo.warehouse_id = l.warehouse_id and bo.order_id = l.order_id
               join stock s on s.warehouse_id = bo.warehouse_id
                           and s.location_id = bo.tote_location_id and s.sku_id = t.sku_id
              where t.warehouse_id = $1 and t.kind = 'put_back' and t.status = 'open'
                and t.batch_id is null and t.from_location_id is null and s.on_hand > 0
              order by t.id, s.on_hand desc, bo.batch_id desc)
         update tasks t set from_location_id = src.location_id, lot = src.lot, updated_at = now()
           from src where t.warehouse_id = $1 and t.id = src.id",
    )
    .bind(warehouse_id)
    .execute(&mut *conn)
    .await?;
    // And its bin: the first in walk order already holding the SKU, so that the picker's
    // terminal can check the scan of where the units go. Without one it waits out of batches.
    sqlx::query(
        "with dest as (
             select distinct on (t.id) t.id, s.location_id
               from tasks t
               join stock s on s.warehouse_id = t.warehouse_id and s.sku_id = t.sku_id
               join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
              where t.warehouse_id = $1 and t.kind = 'put_back' and t.status = 'open'
                and t.batch_id is null and t.to_location_id is null
                and l.kind = 'bin' and l.active
              order by t.id, l.pick_sequence, l.id)
         update tasks t set to_location_id = dest.location_id, updated_at = now()
           from dest where t.warehouse_id = $1 and t.id = dest.id",
    )
    .bind(warehouse_id)
    .execute(&mut *conn)
    .await?;
    let rows: Vec<MoveTaskRow> = sqlx::query_as(
        "with mine as (
             select t.id, t.kind, t.sku_id, t.quantity, t.from_location_id, t.to_location_id,
                    t.created_at
               from tasks t
              where t.warehouse_id = $1 and t.kind in ('replenish', 'put_back')
                and t.status = 'open' and t.batch_id is null and t.from_location_id is not null
                and (t.kind = 'replenish' or t.to_location_id is not null)
              order by t.id
                for update skip locked)
         select m.id, m.quantity, fl.aisle as from_aisle, fl.y as from_y, m.to_location_id,
                tl.aisle as to_aisle, tl.y as to_y,
                case when m.kind = 'replenish' then coalesce(need.priority, 0) + 1 else 0 end
                    as priority,
                case when m.kind = 'replenish' then need.due_at else m.created_at end as due_at
           from mine m
           join locations fl on fl.warehouse_id = $1 and fl.id = m.from_location_id
           left join locations tl on tl.warehouse_id = $1 and tl.id = m.to_location_id
           left join lateral (
                 select max(o.priority) as priority, min(o.due_at) as due_at
                   from reservations r
                   join order_lines l on l.warehouse_id = r.warehouse_id and l.id = r.order_line_id
                   join orders o on o.warehouse_id = l.warehouse_id and o.id = l.order_id
                  where r.warehouse_id = $1 and r.sku_id = m.sku_id and r.quantity > 0) need
             on m.kind = 'replenish'
          order by priority desc, due_at asc nulls last, m.id",
    )
    .bind(warehouse_id)
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // Locations off the layout (totes, stations) stand straight ahead of the depot.
    let place = |aisle: &Option<String>, y: Option<f64>| -> PickPoint {
        match (aisle.as_ref().and_then(|a| aisles.get(a)), y) {
            (Some(&aisle), Some(y)) => PickPoint { aisle, y },
            _ => PickPoint {
                aisle: layout.aisle_xs.len(),
                y: layout.front_y,
            },
        }
    };
    let stops: Vec<(PickPoint, Option<PickPoint>)> = rows
        .iter()
        .map(|r| {
            let from = place(&r.from_aisle, r.from_y);
            let to = r.to_location_id.map(|_| place(&r.to_aisle, r.to_y));
            (from, to)
        })
        .collect();
    let task_points: Vec<Vec<PickPoint>> = stops
        .iter()
        .map(|(from, to)| std::iter::once(*from).chain(*to).collect())
        .collect();
    // Tasks come most urgent first, so each cart is seeded by the most urgent task left.
    let carts = batching::seed_batches(layout, &task_points, cart_size, cart_size * 4);
    let mut planned = Vec::new();
    for cart in carts {
        // Each task is walked from its source to its bin; the tasks go in the order of the
        // shortest route through their sources.
        let sources: Vec<PickPoint> = cart.iter().map(|&i| stops[i].0).collect();
        let route = routing::optimal(layout, &sources);
        let ordered: Vec<usize> = route.order.iter().map(|&k| cart[k]).collect();
        let mut walk = 0.0;
        let mut here: Option<PickPoint> = None;
        for &i in &ordered {
            let (from, to) = stops[i];
            walk += match here {
                None => routing::from_depot(layout, from),
                Some(at) => routing::distance(layout, at, from),
            };
            here = Some(from);
            if let Some(to) = to {
                walk += routing::distance(layout, from, to);
                here = Some(to);
            }
        }
        if let Some(at) = here {
            walk += routing::from_depot(layout, at);
        }
        let priority = cart.iter().map(|&i| rows[i].priority).max().unwrap_or(0);
        let due_at = cart.iter().filter_map(|&i| rows[i].due_at).min();
        let batch_id: i64 = sqlx::query_scalar(
            "insert into pick_batches (warehouse_id, priority, due_at, route_m, released_by)
             values ($1, $2, $3, $4, $5) returning id",
        )
        .bind(warehouse_id)
        .bind(priority)
        .bind(due_at)
        .bind(walk)
        .bind(actor.id)
        .fetch_one(&mut *conn)
        .await?;
        let ids: Vec<i64> = ordered.iter().map(|&i| rows[i].id).collect();
        let seqs: Vec<i32> = (1..=ordered.len())
            .map(|k| i32::try_from(k).unwrap_or(i32::MAX))
            .collect();
        sqlx::query(
            "update tasks t set batch_id = $2, seq = x.seq, updated_at = now()
               from unnest($3::bigint[], $4::int[]) as x(id, seq)
              where t.warehouse_id = $1 and t.id = x.id",
        )
        .bind(warehouse_id)
        .bind(batch_id)
        .bind(&ids)
        .bind(&seqs)
        .execute(&mut *conn)
        .await?;
        planned.push(PlannedBatch {
            id: batch_id,
            orders: 0,
            tasks: ids.len(),
            units: ordered.iter().map(|&i| i64::from(rows[i].quantity)).sum(),
            route_m: walk,
        });
    }
    Ok(planned)
}
