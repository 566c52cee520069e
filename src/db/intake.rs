//! Intake: parsed channel orders into the one queue, reserved in the same transaction.
//!
//! A batch is mapped first (channel SKUs through the channel's listings, cases into eaches), so
//! that an order that cannot be stored is refused on its own and recorded in `intake_errors`.
//! New orders then go in set-wise, in one call of `aisle_intake_orders` per chunk: it locks the
//! SKUs' positions, grants each SKU's free units to the batch's lines in queue order, and writes
//! every order with its final status and every line with its reservation, each row once.
//! Updates and cancellations are rare and go one order at a time (re-reserved by
//! `aisle_reserve_lines`). Each order runs
//! under a savepoint of its own when the set-wise path fails, so one bad order never stops the
//! good ones. Intake is idempotent per (channel, external id).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Acquire, PgConnection, PgPool};

use crate::channels::{ParsedOrders, Rejection};
use crate::db::channels::Channel;
use crate::db::operators::Operator;
use crate::domain::incoming_order::{IncomingLine, IncomingOrder, IntakeAction, QuantityUnit};
use crate::{Error, Result};

/// Orders per transaction on the set-wise path: big enough to amortise round trips, small
/// enough to keep transactions (and the rows they lock) short.
pub const CHUNK_ORDERS: usize = 2_000;

/// What one intake call did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IntakeReport {
    pub channel: String,
    pub source: String,
    /// New orders stored.
    pub created: usize,
    /// Orders whose lines were replaced before release.
    pub updated: usize,
    pub cancelled: usize,
    /// Repeats of orders already stored (intake is idempotent).
    pub unchanged: usize,
    /// Order lines written (shipping or not).
    pub lines: usize,
    pub units_reserved: i64,
    /// Stored orders, by external id, with the status intake left them in.
    pub orders: Vec<StoredOrder>,
    pub rejected: Vec<Rejection>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredOrder {
    pub external_id: String,
    pub id: i64,
    pub status: String,
}

impl IntakeReport {
    fn new(channel: &Channel, source: &str) -> Self {
        IntakeReport {
            channel: channel.name.clone(),
            source: source.to_string(),
            ..IntakeReport::default()
        }
    }

    fn absorb(&mut self, other: IntakeReport) {
        self.created += other.created;
        self.updated += other.updated;
        self.cancelled += other.cancelled;
        self.unchanged += other.unchanged;
        self.lines += other.lines;
        self.units_reserved += other.units_reserved;
        self.orders.extend(other.orders);
        self.rejected.extend(other.rejected);
    }
}

/// A line ready to store: our SKU found, quantity in eaches.
#[derive(Debug, Clone)]
struct MappedLine {
    line_no: i32,
    external_line_id: Option<String>,
    channel_sku: Option<String>,
    sku_id: Option<i32>,
    quantity: i32,
    channel_quantity: i32,
    channel_unit: &'static str,
    requires_shipping: bool,
    description: Option<String>,
}

#[derive(Debug, Clone)]
struct MappedOrder {
    order: IncomingOrder,
    lines: Vec<MappedLine>,
    /// What intake would store, condensed: a repeated `create` (Amazon is polled again, a file is
    /// ingested twice) with the same fingerprint is a repeat; a different one (a hold lifted, a
    /// line changed) is an update.
    fingerprint: String,
}

/// A stable digest (FNV-1a over canonical JSON, whose object keys are sorted) of everything
/// intake stores for an order.
fn fingerprint(order: &IncomingOrder, lines: &[MappedLine]) -> String {
    let content = serde_json::json!({
        "reference": order.reference,
        "hold": order.hold_reason,
        "ship_by": order.ship_by,
        "service": order.service_level,
        "ship_to": order.ship_to,
        "lines": lines
            .iter()
            .map(|l| (l.line_no, &l.external_line_id, l.sku_id, l.quantity, l.requires_shipping, &l.channel_sku))
            .collect::<Vec<_>>(),
    });
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in content.to_string().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn still_in_queue(status: &str) -> bool {
    matches!(status, "new" | "held" | "reserved" | "backordered")
}

/// Ingests parsed orders for a channel, in transactions of [`CHUNK_ORDERS`], and records every
/// rejection. `source` names where they came from (a file, a webhook event) in the report and in
/// `intake_errors`.
pub async fn ingest(
    pool: &PgPool,
    channel: &Channel,
    source: &str,
    parsed: ParsedOrders,
    actor: &Operator,
) -> Result<IntakeReport> {
    let mut report = IntakeReport::new(channel, source);
    let mut pending: Vec<Result<IncomingOrder, Rejection>> = Vec::new();
    for item in parsed {
        pending.push(item);
        if pending.len() >= CHUNK_ORDERS {
            let chunk = std::mem::take(&mut pending);
            report.absorb(ingest_chunk_retrying(pool, channel, source, chunk, actor).await?);
        }
    }
    if !pending.is_empty() {
        report.absorb(ingest_chunk_retrying(pool, channel, source, pending, actor).await?);
    }
    Ok(report)
}

async fn ingest_chunk_retrying(
    pool: &PgPool,
    channel: &Channel,
    source: &str,
    chunk: ParsedOrders,
    actor: &Operator,
) -> Result<IntakeReport> {
    let mut attempt = 1;
    loop {
        let mut tx = pool.begin().await?;
        match ingest_in(&mut tx, channel, source, chunk.clone(), actor).await {
            Ok(report) => {
                tx.commit().await?;
                return Ok(report);
            }
            Err(e) if e.is_retryable() && attempt < 3 => {
                tracing::warn!(error = %e, attempt, "intake chunk retried");
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Ingests parsed orders inside the caller's transaction (EDI intake adds its 997 to the same
/// transaction). Rejections are written to `intake_errors` in it too.
pub async fn ingest_in(
    conn: &mut PgConnection,
    channel: &Channel,
    source: &str,
    parsed: ParsedOrders,
    actor: &Operator,
) -> Result<IntakeReport> {
    let mut report = IntakeReport::new(channel, source);
    if !channel.active {
        return Err(Error::Invalid(format!(
            "channel {} is inactive: its orders are not taken",
            channel.name
        )));
    }
    let mut incoming = Vec::new();
    for item in parsed {
        match item {
            Ok(order) => incoming.push(order),
            Err(rejection) => report.rejected.push(rejection),
        }
    }
    let listings = listings(conn, channel, &incoming).await?;
    let mut mapped = Vec::new();
    for order in incoming {
        match map_order(channel, &listings, order) {
            Ok(order) => mapped.push(order),
            Err(rejection) => report.rejected.push(rejection),
        }
    }

    let existing = existing_orders(conn, channel, &mapped).await?;
    let mut seen = HashSet::new();
    let mut creates = Vec::new();
    let mut others = Vec::new();
    for mut order in mapped {
        let id = order.order.external_id.clone();
        let first_time = seen.insert(id.clone());
        match (order.order.action, existing.get(&id), first_time) {
            (IntakeAction::Create, None, true) | (IntakeAction::Update, None, true) => {
                creates.push(order)
            }
            (IntakeAction::Create, Some((_, status, stored)), true)
                if stored.as_deref() != Some(order.fingerprint.as_str())
                    && still_in_queue(status) =>
            {
                order.order.action = IntakeAction::Update;
                others.push(order);
            }
            (IntakeAction::Create, _, _) => report.unchanged += 1,
            _ => others.push(order),
        }
    }

    if !creates.is_empty() {
        let created = {
            let mut savepoint = conn.begin().await?;
            match create_orders(&mut savepoint, channel, &creates).await {
                Ok(created) => {
                    savepoint.commit().await?;
                    Some(created)
                }
                Err(e) if e.is_retryable() => return Err(e),
                Err(e) => {
                    tracing::warn!(error = %e, "set-wise intake failed; storing orders one by one");
                    savepoint.rollback().await?;
                    None
                }
            }
        };
        match created {
            Some(created) => report.absorb(created),
            None => {
                for order in creates {
                    let mut savepoint = conn.begin().await?;
                    let one = std::slice::from_ref(&order);
                    match create_orders(&mut savepoint, channel, one).await {
                        Ok(created) => {
                            savepoint.commit().await?;
                            report.absorb(created);
                        }
                        Err(e) if e.is_retryable() => return Err(e),
                        Err(e) => {
                            savepoint.rollback().await?;
                            report.rejected.push(Rejection::new(
                                Some(order.order.external_id.clone()),
                                "order",
                                format!("could not be stored: {e}"),
                            ));
                        }
                    }
                }
            }
        }
    }

    for order in others {
        let mut savepoint = conn.begin().await?;
        let outcome = match order.order.action {
            IntakeAction::Cancel => cancel_order(&mut savepoint, channel, &order).await,
            _ => update_order(&mut savepoint, channel, &order).await,
        };
        match outcome {
            Ok(done) => {
                savepoint.commit().await?;
                report.absorb(done);
            }
            Err(e) if e.is_retryable() => return Err(e),
            Err(e) => {
                savepoint.rollback().await?;
                report.rejected.push(match e {
                    Error::Invalid(message) => {
                        Rejection::new(Some(order.order.external_id.clone()), "order", message)
                    }
                    other => Rejection::new(
                        Some(order.order.external_id.clone()),
                        "order",
                        format!("could not be stored: {other}"),
                    ),
                });
            }
        }
    }

    record_rejections(conn, channel, source, &report.rejected, actor).await?;
    Ok(report)
}

/// Our SKU and case pack for every identifier the batch uses that the channel lists.
async fn listings(
    conn: &mut PgConnection,
    channel: &Channel,
    orders: &[IncomingOrder],
) -> Result<HashMap<String, (i32, i32)>> {
    let identifiers: Vec<String> = orders
        .iter()
        .flat_map(|o| o.shipping_lines())
        .flat_map(|l| l.channel_sku.iter().chain(l.alternate_skus.iter()))
        .cloned()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let rows: Vec<(String, i32, i32)> = sqlx::query_as(
        "select l.channel_sku, l.sku_id, s.case_pack
           from channel_listings l join skus s on s.id = l.sku_id
          where l.channel_id = $1 and l.channel_sku = any($2)",
    )
    .bind(channel.id)
    .bind(&identifiers)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(channel_sku, sku_id, case_pack)| (channel_sku, (sku_id, case_pack)))
        .collect())
}

fn map_order(
    channel: &Channel,
    listings: &HashMap<String, (i32, i32)>,
    order: IncomingOrder,
) -> std::result::Result<MappedOrder, Rejection> {
    let reject = |place: String, message: String| {
        Rejection::new(Some(order.external_id.clone()), place, message)
    };
    if order.external_id.trim().is_empty() {
        return Err(reject(
            "order".into(),
            "expected an order id, found none".into(),
        ));
    }
    let mut lines = Vec::with_capacity(order.lines.len());
    for line in &order.lines {
        let place = format!("line {}", line.line_no);
        if line.quantity <= 0 {
            return Err(reject(
                place,
                format!("expected a positive quantity, found {}", line.quantity),
            ));
        }
        let (sku_id, quantity) = if line.requires_shipping {
            let Some((sku_id, case_pack)) = lookup(listings, line) else {
                return Err(reject(place, unknown_sku_message(channel, line)));
            };
            let eaches = match line.unit {
                QuantityUnit::Each => Some(line.quantity),
                QuantityUnit::Case => line.quantity.checked_mul(case_pack),
            };
            let Some(eaches) = eaches else {
                return Err(reject(
                    place,
                    format!("{} cases is too many", line.quantity),
                ));
            };
            (Some(sku_id), eaches)
        } else {
            (None, line.quantity)
        };
        lines.push(MappedLine {
            line_no: line.line_no,
            external_line_id: line.external_line_id.clone(),
            channel_sku: line.channel_sku.clone(),
            sku_id,
            quantity,
            channel_quantity: line.quantity,
            channel_unit: match line.unit {
                QuantityUnit::Each => "each",
                QuantityUnit::Case => "case",
            },
            requires_shipping: line.requires_shipping,
            description: line.description.clone(),
        });
    }
    let mut numbers = HashSet::new();
    if let Some(line) = lines.iter().find(|l| !numbers.insert(l.line_no)) {
        return Err(reject(
            format!("line {}", line.line_no),
            "expected each line number once, found it twice".into(),
        ));
    }
    let fingerprint = fingerprint(&order, &lines);
    Ok(MappedOrder {
        order,
        lines,
        fingerprint,
    })
}

fn lookup(listings: &HashMap<String, (i32, i32)>, line: &IncomingLine) -> Option<(i32, i32)> {
    line.channel_sku
        .iter()
        .chain(line.alternate_skus.iter())
        .find_map(|id| listings.get(id).copied())
}

fn unknown_sku_message(channel: &Channel, line: &IncomingLine) -> String {
    let ids: Vec<&str> = line
        .channel_sku
        .iter()
        .chain(line.alternate_skus.iter())
        .map(String::as_str)
        .collect();
    if ids.is_empty() {
        "expected a SKU on a line that ships, found none".into()
    } else {
        format!(
            "unknown channel SKU {}: expected an item listed on channel {}",
            ids.join(" / "),
            channel.name
        )
    }
}

/// Orders of the batch already stored for this channel, by external id.
async fn existing_orders(
    conn: &mut PgConnection,
    channel: &Channel,
    orders: &[MappedOrder],
) -> Result<HashMap<String, (i64, String, Option<String>)>> {
    let ids: Vec<&str> = orders
        .iter()
        .map(|o| o.order.external_id.as_str())
        .collect();
    let rows: Vec<(String, i64, String, Option<String>)> = sqlx::query_as(
        // Probed by key, id by id (LATERAL ... LIMIT 1): as a join or `= any`, the planner
        // scans the whole orders table once it is large.
        "select o.external_id, o.id, o.status::text, o.intake_fingerprint
           from unnest($3::text[]) as x(external_id)
          cross join lateral (
                select e.external_id, e.id, e.status, e.intake_fingerprint from orders e
                 where e.warehouse_id = $1 and e.channel_id = $2 and e.external_id = x.external_id
                 limit 1) o",
    )
    .bind(channel.warehouse_id)
    .bind(channel.id)
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(external_id, id, status, fingerprint)| (external_id, (id, status, fingerprint)))
        .collect())
}

/// Stores new orders set-wise and reserves them, in one call of `aisle_intake_orders`, which
/// grants free units before it inserts, so every row is written once. Orders someone else stored
/// meanwhile (the same external id) are counted unchanged.
async fn create_orders(
    conn: &mut PgConnection,
    channel: &Channel,
    orders: &[MappedOrder],
) -> Result<IntakeReport> {
    let mut report = IntakeReport::default();
    let batch = IntakeBatch::of(orders);
    let stored: Vec<(String, i64, String, i32, i64)> = sqlx::query_as(
        "select * from aisle_intake_orders($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
                                           $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
    )
    .bind(channel.warehouse_id)
    .bind(channel.id)
    .bind(&batch.external_ids)
    .bind(&batch.references)
    .bind(&batch.holds)
    .bind(&batch.ordered_at)
    .bind(&batch.ship_by)
    .bind(&batch.service_levels)
    .bind(&batch.ship_to)
    .bind(&batch.fingerprints)
    .bind(&batch.line_orders)
    .bind(&batch.line_nos)
    .bind(&batch.external_line_ids)
    .bind(&batch.channel_skus)
    .bind(&batch.sku_ids)
    .bind(&batch.quantities)
    .bind(&batch.channel_quantities)
    .bind(&batch.channel_units)
    .bind(&batch.requires_shipping)
    .bind(&batch.descriptions)
    .fetch_all(&mut *conn)
    .await?;
    report.unchanged = orders.len() - stored.len();
    report.created = stored.len();
    for (external_id, id, status, lines, reserved) in stored {
        report.lines += usize::try_from(lines).unwrap_or_default();
        report.units_reserved += reserved;
        report.orders.push(StoredOrder {
            external_id,
            id,
            status,
        });
    }
    Ok(report)
}

/// A batch of new orders as the parallel arrays `aisle_intake_orders` takes; a line names its
/// order by the order's 1-based place in the batch.
#[derive(Default)]
struct IntakeBatch<'a> {
    external_ids: Vec<&'a str>,
    references: Vec<Option<&'a str>>,
    holds: Vec<Option<&'a str>>,
    ordered_at: Vec<DateTime<Utc>>,
    ship_by: Vec<Option<DateTime<Utc>>>,
    service_levels: Vec<Option<&'a str>>,
    ship_to: Vec<Option<serde_json::Value>>,
    fingerprints: Vec<&'a str>,
    line_orders: Vec<i32>,
    line_nos: Vec<i32>,
    external_line_ids: Vec<Option<&'a str>>,
    channel_skus: Vec<Option<&'a str>>,
    sku_ids: Vec<Option<i32>>,
    quantities: Vec<i32>,
    channel_quantities: Vec<i32>,
    channel_units: Vec<&'static str>,
    requires_shipping: Vec<bool>,
    descriptions: Vec<Option<&'a str>>,
}

impl<'a> IntakeBatch<'a> {
    fn of(orders: &'a [MappedOrder]) -> Self {
        let mut batch = IntakeBatch::default();
        for (place, mapped) in (1_i32..).zip(orders) {
            let order = &mapped.order;
            batch.external_ids.push(&order.external_id);
            batch.references.push(order.reference.as_deref());
            batch.holds.push(order.hold_reason.as_deref());
            batch.ordered_at.push(order.ordered_at);
            batch.ship_by.push(order.ship_by);
            batch.service_levels.push(order.service_level.as_deref());
            batch.ship_to.push(
                order
                    .ship_to
                    .as_ref()
                    .and_then(|s| serde_json::to_value(s).ok()),
            );
            batch.fingerprints.push(&mapped.fingerprint);
            for line in &mapped.lines {
                batch.line_orders.push(place);
                batch.line_nos.push(line.line_no);
                batch
                    .external_line_ids
                    .push(line.external_line_id.as_deref());
                batch.channel_skus.push(line.channel_sku.as_deref());
                batch.sku_ids.push(line.sku_id);
                batch.quantities.push(line.quantity);
                batch.channel_quantities.push(line.channel_quantity);
                batch.channel_units.push(line.channel_unit);
                batch.requires_shipping.push(line.requires_shipping);
                batch.descriptions.push(line.description.as_deref());
            }
        }
        batch
    }
}

async fn reserve_lines(
    conn: &mut PgConnection,
    warehouse_id: i32,
    line_ids: &[i64],
) -> Result<i64> {
    if line_ids.is_empty() {
        return Ok(0);
    }
    Ok(sqlx::query_scalar("select aisle_reserve_lines($1, $2)")
        .bind(warehouse_id)
        .bind(line_ids)
        .fetch_one(&mut *conn)
        .await?)
}

async fn statuses(
    conn: &mut PgConnection,
    warehouse_id: i32,
    order_ids: &[i64],
) -> Result<Vec<StoredOrder>> {
    let rows: Vec<(String, i64, String)> = sqlx::query_as(
        "select external_id, id, status::text from orders
          where warehouse_id = $1 and id = any($2) order by id",
    )
    .bind(warehouse_id)
    .bind(order_ids)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(external_id, id, status)| StoredOrder {
            external_id,
            id,
            status,
        })
        .collect())
}

/// The stored order, locked, with its status. The positions of every SKU the change touches
/// (`skus`, plus the SKUs of the order's current lines) are locked first, as every inventory
/// function does, so that intake never deadlocks against the floor.
async fn lock_order(
    conn: &mut PgConnection,
    channel: &Channel,
    external_id: &str,
    skus: &[i32],
) -> Result<Option<(i64, String)>> {
    sqlx::query(
        "select inv_lock_positions($1, array(
             select distinct s from (
                 select l.sku_id as s from orders o
                   join order_lines l on l.warehouse_id = o.warehouse_id and l.order_id = o.id
                  where o.warehouse_id = $1 and o.channel_id = $2 and o.external_id = $3
                    and l.sku_id is not null
                 union select unnest($4::int[])) x order by s))",
    )
    .bind(channel.warehouse_id)
    .bind(channel.id)
    .bind(external_id)
    .bind(skus)
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query_as(
        "select id, status::text from orders
          where warehouse_id = $1 and channel_id = $2 and external_id = $3 for update",
    )
    .bind(channel.warehouse_id)
    .bind(channel.id)
    .bind(external_id)
    .fetch_optional(&mut *conn)
    .await?)
}

fn line_skus(order: &MappedOrder) -> Vec<i32> {
    order.lines.iter().filter_map(|l| l.sku_id).collect()
}

/// An update before release replaces the order's lines and reserves them again; the units it
/// gave up go to other backorders only after its new lines have had their turn.
async fn update_order(
    conn: &mut PgConnection,
    channel: &Channel,
    order: &MappedOrder,
) -> Result<IntakeReport> {
    let Some((order_id, status)) =
        lock_order(conn, channel, &order.order.external_id, &line_skus(order)).await?
    else {
        return create_orders(conn, channel, std::slice::from_ref(order)).await;
    };
    if !matches!(status.as_str(), "new" | "held" | "reserved" | "backordered") {
        return Err(Error::Invalid(format!(
            "expected an order not yet released to the floor, found it {status}: the update is not applied"
        )));
    }
    let wh = channel.warehouse_id;
    let freed: Vec<i32> = sqlx::query_scalar("select inv_release_reservations($1, $2)")
        .bind(wh)
        .bind(order_id)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(
        "delete from reservations r using order_lines l
          where l.warehouse_id = r.warehouse_id and l.id = r.order_line_id
            and l.warehouse_id = $1 and l.order_id = $2",
    )
    .bind(wh)
    .bind(order_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("delete from order_lines where warehouse_id = $1 and order_id = $2")
        .bind(wh)
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    let o = &order.order;
    sqlx::query(
        "update orders o
            set reference = $3, hold_reason = $4, ship_by = $5, service_level = $6, ship_to = $7,
                intake_fingerprint = $9,
                status = case when $4::text is null then 'new' else 'held' end::order_status,
                carrier_service_id = cs.id,
                due_at = aisle_due_at(w.time_zone, cs.cutoff_local, $5, now()),
                updated_at = now()
           from warehouses w
           left join shipping_rules sr on sr.channel_id = $8 and lower(sr.service_level) = lower($6)
           left join carrier_services cs on cs.id = sr.carrier_service_id
          where w.id = o.warehouse_id and o.warehouse_id = $1 and o.id = $2",
    )
    .bind(wh)
    .bind(order_id)
    .bind(o.reference.as_deref())
    .bind(o.hold_reason.as_deref())
    .bind(o.ship_by)
    .bind(o.service_level.as_deref())
    .bind(
        o.ship_to
            .as_ref()
            .and_then(|s| serde_json::to_value(s).ok()),
    )
    .bind(channel.id)
    .bind(&order.fingerprint)
    .execute(&mut *conn)
    .await?;
    let mut line_ids = Vec::with_capacity(order.lines.len());
    for line in &order.lines {
        let id: i64 = sqlx::query_scalar(
            "insert into order_lines (warehouse_id, order_id, line_no, external_line_id, channel_sku,
                                      sku_id, quantity, channel_quantity, channel_unit,
                                      requires_shipping, description)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id",
        )
        .bind(wh)
        .bind(order_id)
        .bind(line.line_no)
        .bind(line.external_line_id.as_deref())
        .bind(line.channel_sku.as_deref())
        .bind(line.sku_id)
        .bind(line.quantity)
        .bind(line.channel_quantity)
        .bind(line.channel_unit)
        .bind(line.requires_shipping)
        .bind(line.description.as_deref())
        .fetch_one(&mut *conn)
        .await?;
        line_ids.push(id);
    }
    let reserved = reserve_lines(conn, wh, &line_ids).await?;
    if !freed.is_empty() {
        sqlx::query(
            "select inv_fill_backorders($1, sku) from unnest($2::int[]) as sku order by sku",
        )
        .bind(wh)
        .bind(&freed)
        .execute(&mut *conn)
        .await?;
        sqlx::query("select inv_refresh_channel_figures_of($1, $2)")
            .bind(wh)
            .bind(&freed)
            .execute(&mut *conn)
            .await?;
    }
    Ok(IntakeReport {
        updated: 1,
        lines: line_ids.len(),
        units_reserved: reserved,
        orders: statuses(conn, wh, &[order_id]).await?,
        ..IntakeReport::default()
    })
}

/// A cancellation releases the order's reservations (handing the units to other backorders) and
/// raises a put-back task for units already picked, so that none are lost. A cancellation of an
/// order never seen is stored as a cancelled order, so that a late `create` cannot revive it.
async fn cancel_order(
    conn: &mut PgConnection,
    channel: &Channel,
    order: &MappedOrder,
) -> Result<IntakeReport> {
    let wh = channel.warehouse_id;
    let Some((order_id, status)) = lock_order(conn, channel, &order.order.external_id, &[]).await?
    else {
        let mut tombstone = order.clone();
        tombstone.order.action = IntakeAction::Create;
        tombstone.order.hold_reason = Some("cancelled before it arrived".into());
        let mut report = create_orders(conn, channel, std::slice::from_ref(&tombstone)).await?;
        for stored in &report.orders {
            sqlx::query("select aisle_release_order($1, $2)")
                .bind(wh)
                .bind(stored.id)
                .execute(&mut *conn)
                .await?;
            mark_cancelled(conn, wh, stored.id).await?;
        }
        report.created = 0;
        report.cancelled = report.orders.len();
        report.units_reserved = 0;
        report.orders = statuses(
            conn,
            wh,
            &report.orders.iter().map(|o| o.id).collect::<Vec<_>>(),
        )
        .await?;
        return Ok(report);
    };
    match status.as_str() {
        "cancelled" => {
            return Ok(IntakeReport {
                unchanged: 1,
                ..IntakeReport::default()
            });
        }
        "shipped" | "partly_shipped" => {
            return Err(Error::Invalid(format!(
                "expected an order not yet shipped, found it {status}: the cancellation is not applied"
            )));
        }
        _ => {}
    }
    sqlx::query("select aisle_release_order($1, $2)")
        .bind(wh)
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "insert into tasks (warehouse_id, kind, sku_id, quantity, order_line_id, reason)
         select l.warehouse_id, 'put_back', l.sku_id, l.picked_qty - l.shipped_qty, l.id,
                'order ' || o.external_id || ' cancelled after picking'
           from order_lines l join orders o on o.warehouse_id = l.warehouse_id and o.id = l.order_id
          where l.warehouse_id = $1 and l.order_id = $2 and l.requires_shipping
            and l.picked_qty > l.shipped_qty",
    )
    .bind(wh)
    .bind(order_id)
    .execute(&mut *conn)
    .await?;
    mark_cancelled(conn, wh, order_id).await?;
    Ok(IntakeReport {
        cancelled: 1,
        orders: statuses(conn, wh, &[order_id]).await?,
        ..IntakeReport::default()
    })
}

async fn mark_cancelled(conn: &mut PgConnection, warehouse_id: i32, order_id: i64) -> Result<()> {
    sqlx::query(
        "update order_lines set cancelled_qty = quantity - picked_qty
          where warehouse_id = $1 and order_id = $2",
    )
    .bind(warehouse_id)
    .bind(order_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update orders set status = 'cancelled', hold_reason = null, updated_at = now()
          where warehouse_id = $1 and id = $2",
    )
    .bind(warehouse_id)
    .bind(order_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn record_rejections(
    conn: &mut PgConnection,
    channel: &Channel,
    source: &str,
    rejected: &[Rejection],
    actor: &Operator,
) -> Result<()> {
    if rejected.is_empty() {
        return Ok(());
    }
    let external_ids: Vec<Option<&str>> =
        rejected.iter().map(|r| r.external_id.as_deref()).collect();
    let places: Vec<&str> = rejected.iter().map(|r| r.place.as_str()).collect();
    let messages: Vec<&str> = rejected.iter().map(|r| r.message.as_str()).collect();
    sqlx::query(
        "insert into intake_errors (channel_id, warehouse_id, source, external_id, place, message, actor_id)
         select $1, $2, $3, * , $7 from unnest($4::text[], $5::text[], $6::text[])",
    )
    .bind(channel.id)
    .bind(channel.warehouse_id)
    .bind(source)
    .bind(&external_ids)
    .bind(&places)
    .bind(&messages)
    .bind(actor.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A refused order as supervisors see it later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct IntakeError {
    pub at: DateTime<Utc>,
    pub channel: String,
    pub source: String,
    pub external_id: Option<String>,
    pub place: String,
    pub message: String,
}

/// The newest intake errors of a warehouse.
pub async fn recent_errors(
    pool: &PgPool,
    warehouse_id: i32,
    limit: i64,
) -> Result<Vec<IntakeError>> {
    Ok(sqlx::query_as::<_, IntakeError>(
        "select e.at, c.name as channel, e.source, e.external_id, e.place, e.message
           from intake_errors e join channels c on c.id = e.channel_id
          where e.warehouse_id = $1 order by e.id desc limit $2",
    )
    .bind(warehouse_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}
