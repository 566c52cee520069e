//! DESIGN.md's stock invariants, checked on a live database in one read-only snapshot. Each
//! check lists the rows that break it; an empty list means the invariant holds.

use serde::Serialize;
use sqlx::PgPool;

use crate::Result;
use crate::domain::availability::{self, AllocationRule};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Which invariant, e.g. "ledger_sums_to_on_hand".
    pub invariant: &'static str,
    /// The rows involved, in words.
    pub detail: String,
}

/// Every violation found, or an empty list.
pub async fn violations(pool: &PgPool) -> Result<Vec<Violation>> {
    let mut tx = pool.begin().await?;
    // One consistent snapshot that can never write.
    sqlx::query("set transaction isolation level repeatable read read only")
        .execute(&mut *tx)
        .await?;
    let mut found = Vec::new();

    let negative: Vec<(String, String, String, i32)> = sqlx::query_as(
        "select l.code, k.code, s.lot, s.on_hand from stock s
           join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
           join skus k on k.id = s.sku_id
          where s.on_hand < 0",
    )
    .fetch_all(&mut *tx)
    .await?;
    found.extend(negative.into_iter().map(|(loc, sku, lot, q)| Violation {
        invariant: "on_hand_not_negative",
        detail: format!("{loc} {sku} lot {lot:?} on_hand {q}"),
    }));

    let ledger: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "with moves as (
             select warehouse_id, to_location_id as location_id, sku_id, lot, quantity::bigint as q
               from ledger where to_location_id is not null
             union all
             select warehouse_id, from_location_id, sku_id, lot, -quantity::bigint
               from ledger where from_location_id is not null
         ), sums as (
             select warehouse_id, location_id, sku_id, lot, sum(q) as q from moves
              group by 1, 2, 3, 4
         )
         select l.code, k.code, coalesce(s.lot, m.lot), coalesce(s.on_hand, 0)::bigint,
                coalesce(m.q, 0)::bigint
           from stock s
           full join sums m on m.warehouse_id = s.warehouse_id and m.location_id = s.location_id
                           and m.sku_id = s.sku_id and m.lot = s.lot
           join locations l on l.warehouse_id = coalesce(s.warehouse_id, m.warehouse_id)
                           and l.id = coalesce(s.location_id, m.location_id)
           join skus k on k.id = coalesce(s.sku_id, m.sku_id)
          where coalesce(s.on_hand, 0) <> coalesce(m.q, 0)",
    )
    .fetch_all(&mut *tx)
    .await?;
    found.extend(
        ledger
            .into_iter()
            .map(|(loc, sku, lot, on_hand, sum)| Violation {
                invariant: "ledger_sums_to_on_hand",
                detail: format!("{loc} {sku} lot {lot:?}: on_hand {on_hand}, ledger sums to {sum}"),
            }),
    );

    let positions: Vec<(i32, String, i64, i64, i64, i64)> = sqlx::query_as(
        "with sellable as (
             select s.warehouse_id, s.sku_id, sum(s.on_hand)::bigint as q
               from stock s join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
              where is_sellable_location(l.kind) group by 1, 2
         ), reserved as (
             select warehouse_id, sku_id, sum(quantity)::bigint as q from reservations group by 1, 2
         ), keys as (
             select warehouse_id, sku_id from sellable union select warehouse_id, sku_id from reserved
             union select warehouse_id, sku_id from sku_positions
         )
         select k.warehouse_id, s.code,
                coalesce(p.sellable_on_hand, 0)::bigint, coalesce(se.q, 0),
                coalesce(p.open_reserved, 0)::bigint, coalesce(r.q, 0)
           from keys k join skus s on s.id = k.sku_id
           left join sku_positions p on p.warehouse_id = k.warehouse_id and p.sku_id = k.sku_id
           left join sellable se on se.warehouse_id = k.warehouse_id and se.sku_id = k.sku_id
           left join reserved r on r.warehouse_id = k.warehouse_id and r.sku_id = k.sku_id
          where coalesce(p.sellable_on_hand, 0) <> coalesce(se.q, 0)
             or coalesce(p.open_reserved, 0) <> coalesce(r.q, 0)
             or coalesce(r.q, 0) > coalesce(se.q, 0)",
    )
    .fetch_all(&mut *tx)
    .await?;
    found.extend(positions.into_iter().map(|(wh, sku, pos_sellable, sellable, pos_reserved, reserved)| {
        Violation {
            invariant: "reservations_within_stock",
            detail: format!(
                "warehouse {wh} {sku}: position says sellable {pos_sellable} reserved {pos_reserved}; \
                 stock says sellable {sellable}, reservations sum to {reserved}"
            ),
        }
    }));

    let lines: Vec<(i64, i32, i32, i32)> = sqlx::query_as(
        "select id, quantity, picked_qty, shipped_qty from order_lines
          where picked_qty > quantity or shipped_qty > quantity",
    )
    .fetch_all(&mut *tx)
    .await?;
    found.extend(lines.into_iter().map(|(id, q, picked, shipped)| Violation {
        invariant: "lines_within_ordered",
        detail: format!("order line {id}: ordered {q}, picked {picked}, shipped {shipped}"),
    }));

    // Orders, lines and reservations are kept referring to stored rows by set-wise checks
    // (migration 10) rather than foreign keys; this is their independent audit.
    let orphans: Vec<(String, i64)> = sqlx::query_as(
        "select 'order ' || o.id || ' names a missing warehouse, channel or carrier service', o.id
           from orders o
          where not exists (select 1 from warehouses w where w.id = o.warehouse_id)
             or not exists (select 1 from channels c where c.id = o.channel_id)
             or (o.carrier_service_id is not null
                 and not exists (select 1 from carrier_services s where s.id = o.carrier_service_id))
         union all
         select 'order line ' || l.id || ' names a missing order or SKU', l.id
           from order_lines l
          where not exists (select 1 from orders o where o.warehouse_id = l.warehouse_id and o.id = l.order_id)
             or (l.sku_id is not null and not exists (select 1 from skus s where s.id = l.sku_id))
         union all
         select 'reservation for line ' || r.order_line_id || ' names a missing line or another SKU',
                r.order_line_id
           from reservations r
           left join order_lines l on l.warehouse_id = r.warehouse_id and l.id = r.order_line_id
          where l.id is null or l.sku_id is distinct from r.sku_id
          order by 2",
    )
    .fetch_all(&mut *tx)
    .await?;
    found.extend(orphans.into_iter().map(|(detail, _)| Violation {
        invariant: "rows_refer_to_stored_rows",
        detail,
    }));

    // Figures are recomputed here in Rust from the rule, independently of the SQL that wrote them.
    let figures: Vec<ListingFigure> = sqlx::query_as(
        "select c.warehouse_id, c.name as channel, k.code as sku, l.share_pct, l.cap, l.buffer,
                coalesce(p.sellable_on_hand, 0)::bigint as sellable_on_hand,
                coalesce(p.open_reserved, 0)::bigint as open_reserved,
                o.quantity as sent
           from channel_listings l
           join channels c on c.id = l.channel_id and c.active
           join skus k on k.id = l.sku_id
           left join sku_positions p on p.warehouse_id = c.warehouse_id and p.sku_id = l.sku_id
           left join outbox o on o.warehouse_id = c.warehouse_id and o.channel_id = c.id
                             and o.sku_id = l.sku_id and o.kind = 'stock'",
    )
    .fetch_all(&mut *tx)
    .await?;
    for listing in figures {
        let rule = AllocationRule {
            share_pct: listing.share_pct,
            cap: listing.cap,
            buffer: listing.buffer,
        };
        let expected = rule.figure(availability::available(
            listing.sellable_on_hand,
            listing.open_reserved,
        ));
        // A listing whose figure was never computed is only consistent if it would be zero.
        let actual = listing.sent.map(i64::from);
        if actual != Some(expected) && !(actual.is_none() && expected == 0) {
            found.push(Violation {
                invariant: "channel_figures_current",
                detail: format!(
                    "warehouse {} {} {}: outbox holds {actual:?}, rule gives {expected}",
                    listing.warehouse_id, listing.channel, listing.sku
                ),
            });
        }
    }

    tx.commit().await?;
    Ok(found)
}

#[derive(sqlx::FromRow)]
struct ListingFigure {
    warehouse_id: i32,
    channel: String,
    sku: String,
    share_pct: i32,
    cap: Option<i32>,
    buffer: i32,
    sellable_on_hand: i64,
    open_reserved: i64,
    sent: Option<i32>,
}
