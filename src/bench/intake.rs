//! The intake benchmark (issue 3, "Speed"): bulk intake of generated channel orders, reservation
//! included, beside a naive intake of the same kind of orders in the same process.
//!
//! It makes a scratch database on the given server, migrates it, and generates a warehouse in it
//! set-wise: a catalogue of SKUs (a few hot ones, some scarce ones), one bin per SKU (reserve
//! locations for the hot ones) stocked through the ledger, one Shopify channel listing every SKU,
//! carriers and shipping rules so that every order gets a carrier service and a due time. Orders
//! are generated in memory from a seed (1–6 lines each, most lines on a few hot SKUs), fresh
//! external ids every round.
//!
//! - **ours**: [`intake::ingest`] of a round's orders, as channel intake runs it.
//! - **naive**: a transaction per order and a statement per row: one `SELECT` per line to map its
//!   SKU through the listing, one `INSERT` for the order and one per line, then
//!   `aisle_reserve_order` (the per-order reservation, which recomputes channel figures SKU by
//!   SKU). It may run on fewer lines than ours; lines per second compare.
//!
//! The sides alternate (ours, naive, ours, naive …); after every side the invariants are checked
//! and the run fails if any is broken. The scratch database is dropped at the end, also when the
//! run fails.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use futures_util::future::BoxFuture;
use serde::Serialize;
use sqlx::postgres::{PgConnection, PgPoolOptions};
use sqlx::{Acquire, PgPool};

use super::{MachineNotes, ScratchDatabase, SeededRng, median};
use crate::channels::ParsedOrders;
use crate::db::channels::{self, Channel};
use crate::db::intake::{self, CHUNK_ORDERS};
use crate::db::operators::{self, Operator, SystemActor};
use crate::db::{connect, invariants, migrate};
use crate::domain::incoming_order::{
    IncomingLine, IncomingOrder, IntakeAction, QuantityUnit, ShipTo,
};
use crate::{Error, Result};

/// The target for ours, on a 2-core machine with a release build.
pub const TARGET_LINES_PER_SEC: f64 = 50_000.0;

/// The channel the benchmark's orders arrive on.
pub const CHANNEL: &str = "bench-shop";

/// Share of lines on the hot SKUs.
const HOT_SHARE: f64 = 0.25;
/// Lines per order, 1 to 6: most orders are small.
const LINES_PER_ORDER_WEIGHTS: [u32; 6] = [35, 25, 15, 10, 8, 7];
/// Units per line: 1, 2, or 3 to 5.
const QUANTITY_WEIGHTS: [u32; 3] = [70, 20, 10];
const MEAN_QUANTITY: f64 = 0.7 + 0.2 * 2.0 + 0.1 * 4.0;
/// Orders stored but held from release (unpaid).
const HOLD_SHARE: f64 = 0.02;
/// Orders with an extra line that never ships (a tip).
const TIP_SHARE: f64 = 0.01;
/// Orders with a ship-by promise (the others are due at the next cutoff).
const SHIP_BY_SHARE: f64 = 0.8;
/// (service level, weight, carrier service, cutoff, transit days).
const SERVICES: [(&str, u32, &str, &str, i32); 3] = [
    ("Standard", 70, "GND", "17:00", 3),
    ("Expedited", 20, "2DA", "16:00", 2),
    ("NextDay", 10, "1DA", "15:00", 1),
];
/// Normal SKUs are stocked for this much more than the whole run is expected to ask of them.
const STOCK_MARGIN: f64 = 1.3;
/// Scarce SKUs hold this share of what the run asks of them: their lines backorder.
const SCARCE_SHARE: f64 = 0.05;
const BINS_PER_AISLE: usize = 200;
const CITIES: [(&str, &str, &str); 6] = [
    ("Chicago", "IL", "60601"),
    ("Austin", "TX", "73301"),
    ("Denver", "CO", "80202"),
    ("Columbus", "OH", "43004"),
    ("Portland", "OR", "97201"),
    ("Raleigh", "NC", "27601"),
];

/// What to run. `Default` is the benchmark: 200,000 lines per round, 3 rounds, the naive
/// side on 20,000 lines, 5,000 SKUs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntakeBenchOptions {
    /// Order lines per round for ours (at least; whole orders are generated).
    pub lines: usize,
    /// Rounds of each side.
    pub rounds: usize,
    /// Order lines per round for the naive side, which is slow.
    pub naive_lines: usize,
    /// SKUs in the generated catalogue.
    pub skus: usize,
    /// Seed of the generated orders and catalogue.
    pub seed: u64,
    /// Order lines ingested (by ours, untimed) before the first round, so that the tables are
    /// not empty when their statistics are first taken. 0 for none.
    pub warmup_lines: usize,
    /// Refresh the planner's statistics of the intake tables (`ANALYZE`, untimed) before every
    /// timed side, as autovacuum would on a live server. Without statistics, plans made for
    /// empty tables make every chunk scan all orders and intake slows as the tables grow.
    pub analyze: bool,
}

impl Default for IntakeBenchOptions {
    fn default() -> Self {
        IntakeBenchOptions {
            lines: 200_000,
            rounds: 3,
            naive_lines: 20_000,
            skus: 5_000,
            seed: 2026,
            warmup_lines: 20_000,
            analyze: true,
        }
    }
}

impl IntakeBenchOptions {
    fn validate(&self) -> Result<()> {
        let check = |ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(Error::Invalid(format!("intake benchmark: {what}")))
            }
        };
        check(
            (1..=10_000_000).contains(&self.lines),
            "--lines must be from 1 to 10,000,000",
        )?;
        check(
            self.warmup_lines <= 10_000_000,
            "the warm-up takes at most 10,000,000 lines",
        )?;
        check(
            (1..=10_000_000).contains(&self.naive_lines),
            "the naive side needs from 1 to 10,000,000 lines",
        )?;
        check(
            (1..=100).contains(&self.rounds),
            "--rounds must be from 1 to 100",
        )?;
        check(
            (100..=1_000_000).contains(&self.skus),
            "the catalogue needs from 100 to 1,000,000 SKUs",
        )
    }
}

/// One side of one round.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SideFigures {
    pub orders: usize,
    /// Order lines stored (shipping or not).
    pub lines: usize,
    pub seconds: f64,
    pub lines_per_sec: f64,
    /// Shipping lines wholly reserved, partly reserved, and with nothing reserved.
    pub reserved_lines: i64,
    pub partly_reserved_lines: i64,
    pub backordered_lines: i64,
    pub non_shipping_lines: i64,
    pub units_reserved: i64,
    /// Orders by the status intake left them in (reserved, backordered, held).
    pub orders_by_status: BTreeMap<String, i64>,
    /// Invariant violations found right after this side ran (the run fails unless 0).
    pub invariant_violations: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntakeBenchRound {
    pub round: usize,
    pub ours: SideFigures,
    pub naive: SideFigures,
    /// ours lines/s ÷ naive lines/s in this round.
    pub ratio: f64,
}

/// Time spent in one function (PL/pgSQL, or SQL where not inlined) on the server over all rounds of a side
/// (`pg_stat_user_functions`; total includes the functions it calls, self does not).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionTime {
    pub function: String,
    pub calls: i64,
    pub total_ms: f64,
    pub self_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntakeBenchReport {
    /// The scratch database the run used (dropped afterwards).
    pub database: String,
    pub seed: u64,
    pub skus: usize,
    pub hot_skus: usize,
    pub scarce_skus: usize,
    /// Lines and orders per round for ours (the first round's; later rounds are alike).
    pub lines: usize,
    pub orders: usize,
    /// Lines and orders per round for the naive side: the first orders of the same stream.
    pub naive_lines: usize,
    pub naive_orders: usize,
    pub chunk_orders: usize,
    /// Lines ingested untimed before the first round.
    pub warmup_lines: usize,
    /// Whether statistics were refreshed before every timed side.
    pub analyzed: bool,
    pub rounds: Vec<IntakeBenchRound>,
    pub ours_lines_per_sec_median: f64,
    pub naive_lines_per_sec_median: f64,
    /// ours median ÷ naive median.
    pub ratio: f64,
    pub target_lines_per_sec: f64,
    pub meets_target: bool,
    /// Invariant checks run (one after every side of every round), all clean.
    pub invariant_checks: usize,
    pub setup_seconds: f64,
    /// Where the server's time went, when the server lets us track functions.
    pub ours_server_functions: Vec<FunctionTime>,
    pub naive_server_functions: Vec<FunctionTime>,
    pub machine: MachineNotes,
    pub notes: Vec<String>,
}

impl IntakeBenchReport {
    /// The report for people: a table of rounds, the medians, the ratio and the notes.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "aisle intake benchmark: ours {} lines ({} orders) per round, naive {} lines ({} orders) per round\n",
            thousands(self.lines as f64),
            thousands(self.orders as f64),
            thousands(self.naive_lines as f64),
            thousands(self.naive_orders as f64),
        ));
        out.push_str(&format!(
            "catalogue {} SKUs ({} hot, {} scarce), seed {}, setup {:.1}s\n\n",
            thousands(self.skus as f64),
            self.hot_skus,
            self.scarce_skus,
            self.seed,
            self.setup_seconds
        ));
        out.push_str(&format!(
            "{:<7} {:>13} {:>13} {:>8}   {:<30} {:<30}\n",
            "round",
            "ours lines/s",
            "naive lines/s",
            "ratio",
            "ours reserved/partly/back",
            "naive reserved/partly/back"
        ));
        for r in &self.rounds {
            out.push_str(&format!(
                "{:<7} {:>13} {:>13} {:>7.1}x   {:<30} {:<30}\n",
                r.round,
                thousands(r.ours.lines_per_sec),
                thousands(r.naive.lines_per_sec),
                r.ratio,
                split(&r.ours),
                split(&r.naive),
            ));
        }
        out.push_str(&format!(
            "{:<7} {:>13} {:>13} {:>7.1}x\n\n",
            "median",
            thousands(self.ours_lines_per_sec_median),
            thousands(self.naive_lines_per_sec_median),
            self.ratio
        ));
        out.push_str(&format!(
            "target: ours at least {} lines/s: {}\n",
            thousands(self.target_lines_per_sec),
            if self.meets_target { "met" } else { "NOT met" }
        ));
        out.push_str(&format!(
            "invariants: checked after each of {} sides, none broken\n",
            self.invariant_checks
        ));
        for (side, functions) in [
            ("ours", &self.ours_server_functions),
            ("naive", &self.naive_server_functions),
        ] {
            if functions.is_empty() {
                continue;
            }
            let listed: Vec<String> = functions
                .iter()
                .take(6)
                .map(|f| {
                    format!(
                        "{} {} calls {:.0} ms (self {:.0} ms)",
                        f.function,
                        thousands(f.calls as f64),
                        f.total_ms,
                        f.self_ms
                    )
                })
                .collect();
            out.push_str(&format!(
                "server time, {side}, all rounds: {}\n",
                listed.join("; ")
            ));
        }
        out.push_str(&format!("machine: {}\n", self.machine.to_text()));
        for note in &self.notes {
            out.push_str(&format!("note: {note}\n"));
        }
        out
    }
}

fn split(side: &SideFigures) -> String {
    format!(
        "{}/{}/{}",
        side.reserved_lines, side.partly_reserved_lines, side.backordered_lines
    )
}

/// 12345.6 → "12,346".
fn thousands(value: f64) -> String {
    if !value.is_finite() {
        return "-".into();
    }
    let digits = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if value < -0.5 { format!("-{out}") } else { out }
}

/// Runs the benchmark on a scratch database of its own on the server `server_url` points at,
/// and drops that database afterwards (also when the run fails).
pub async fn run(server_url: &str, options: IntakeBenchOptions) -> Result<IntakeBenchReport> {
    options.validate()?;
    let scratch = ScratchDatabase::create(server_url).await?;
    let pool = match open_pool(&scratch.url).await {
        Ok(pool) => pool,
        Err(e) => {
            if let Err(drop) = scratch.drop_now(None).await {
                tracing::warn!(error = %drop, "could not drop the benchmark's scratch database");
            }
            return Err(e);
        }
    };
    let name = scratch.name.clone();
    let outcome = run_on(&pool, &name, &options).await;
    let dropped = scratch.drop_now(Some(&pool)).await;
    match (outcome, dropped) {
        (Ok(report), Ok(())) => Ok(report),
        (Ok(mut report), Err(e)) => {
            tracing::warn!(error = %e, database = %name, "could not drop the scratch database");
            report.notes.push(format!(
                "the scratch database {name} could not be dropped: {e}"
            ));
            Ok(report)
        }
        (Err(e), dropped) => {
            if let Err(drop) = dropped {
                tracing::warn!(error = %drop, database = %name, "could not drop the scratch database");
            }
            Err(e)
        }
    }
}

/// One connection: both sides are one client, and server statistics are then flushed by the
/// backend that did the work. Function timing is switched on where the server allows it.
async fn open_pool(url: &str) -> Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(connect::ACQUIRE_TIMEOUT)
        .after_connect(|conn, _meta| -> BoxFuture<'_, sqlx::Result<()>> {
            Box::pin(async move {
                // Needs superuser (or SET privilege); without it there is no server breakdown.
                if let Err(e) = sqlx::query("set track_functions = 'all'")
                    .execute(&mut *conn)
                    .await
                {
                    tracing::debug!(error = %e, "track_functions not set");
                }
                Ok(())
            })
        })
        .connect_with(connect::connect_options(url)?)
        .await?;
    migrate::run(&pool).await?;
    Ok(pool)
}

async fn run_on(
    pool: &PgPool,
    database: &str,
    options: &IntakeBenchOptions,
) -> Result<IntakeBenchReport> {
    let catalogue = Catalogue::new(options.skus);
    let started = Instant::now();
    // Every unit the whole run is expected to ask for, to size the stock.
    let expected_units = (options.warmup_lines
        + options.rounds * (options.lines + options.naive_lines)) as f64
        * MEAN_QUANTITY;
    let warehouse_id = build_warehouse(pool, &catalogue, expected_units).await?;
    let channel = channels::by_name(pool, CHANNEL).await?;
    let actor = operators::system_actor(pool, SystemActor::Intake).await?;
    sqlx::query("analyze").execute(pool).await?;
    let setup_seconds = started.elapsed().as_secs_f64();
    let machine = MachineNotes::gather(pool).await?;

    let mut warmup_lines = 0;
    if options.warmup_lines > 0 {
        // A stream of its own (round 0), under its own ids.
        let mut orders = generate_orders(
            &catalogue,
            SeededRng::stream(options.seed, 0),
            "W-",
            options.warmup_lines,
        )
        .into_iter();
        // In growing slices, each up to three times what is stored, with statistics refreshed
        // after each as autovacuum would (it analyzes a table once a tenth of it changed): a
        // slice never runs on plans made for much smaller tables.
        let mut slice = 500;
        loop {
            let part: Vec<IncomingOrder> = orders.by_ref().take(slice).collect();
            if part.is_empty() {
                break;
            }
            warmup_lines += run_ours(pool, &channel, &actor, 0, part).await?.lines;
            refresh_statistics(pool, options.analyze).await?;
            slice *= 3;
        }
    }

    let mut rounds = Vec::with_capacity(options.rounds);
    let mut ours_functions = BTreeMap::new();
    let mut naive_functions = BTreeMap::new();
    for round in 1..=options.rounds {
        let stream = SeededRng::stream(options.seed, round as u64);
        let ours_orders = generate_orders(
            &catalogue,
            stream.clone(),
            &format!("O{round}-"),
            options.lines,
        );
        let naive_orders = generate_orders(
            &catalogue,
            stream,
            &format!("N{round}-"),
            options.naive_lines,
        );

        refresh_statistics(pool, options.analyze).await?;
        let before = function_times(pool).await?;
        let ours = run_ours(pool, &channel, &actor, round, ours_orders).await?;
        let ours = settle_side(pool, warehouse_id, "ours", round, ours).await?;
        accumulate(&mut ours_functions, &before, &function_times(pool).await?);

        refresh_statistics(pool, options.analyze).await?;
        let before = function_times(pool).await?;
        let naive = run_naive(pool, &channel, naive_orders).await?;
        let naive = settle_side(pool, warehouse_id, "naive", round, naive).await?;
        accumulate(&mut naive_functions, &before, &function_times(pool).await?);

        tracing::info!(
            round,
            ours_lines_per_sec = ours.lines_per_sec,
            naive_lines_per_sec = naive.lines_per_sec,
            "intake benchmark round"
        );
        rounds.push(IntakeBenchRound {
            round,
            ratio: ratio(ours.lines_per_sec, naive.lines_per_sec),
            ours,
            naive,
        });
    }

    let ours_median = median(
        &rounds
            .iter()
            .map(|r| r.ours.lines_per_sec)
            .collect::<Vec<_>>(),
    );
    let naive_median = median(
        &rounds
            .iter()
            .map(|r| r.naive.lines_per_sec)
            .collect::<Vec<_>>(),
    );
    let first = rounds.first();
    let (lines, orders) = first.map_or((0, 0), |r| (r.ours.lines, r.ours.orders));
    let (naive_lines, naive_orders) = first.map_or((0, 0), |r| (r.naive.lines, r.naive.orders));
    let mut notes = vec![
        format!(
            "ours is intake::ingest: chunks of {CHUNK_ORDERS} orders, one transaction each, set-wise \
             inserts and reservation in one aisle_intake_orders call per chunk"
        ),
        "naive is a transaction per order and a statement per row: a SELECT per line for its \
         listing, an INSERT for the order and one per line, then aisle_reserve_order"
            .to_string(),
        format!(
            "the sides alternate (ours, naive, ours, naive …) over {} rounds; figures are medians",
            options.rounds
        ),
        format!(
            "both sides reserve against the same stock: {} scarce SKUs hold {:.0}% of what the run asks of them, \
             so later rounds leave more lines backordered",
            catalogue.scarce_count(),
            SCARCE_SHARE * 100.0
        ),
    ];
    if naive_lines != lines {
        notes.push(format!(
            "the naive side runs on a subset, {} lines per round (the first orders of the same \
             generated stream) against {} for ours: compare lines per second, not totals",
            thousands(naive_lines as f64),
            thousands(lines as f64)
        ));
    }
    if warmup_lines > 0 {
        notes.push(format!(
            "{} lines were ingested untimed before the first round (a warm-up)",
            thousands(warmup_lines as f64)
        ));
    }
    if options.analyze {
        notes.push(format!(
            "the intake tables were analyzed (untimed) before every timed side, as autovacuum \
             would on a live server (autovacuum is {} here)",
            machine.autovacuum
        ));
    } else {
        notes.push(
            "the intake tables were not analyzed between sides: with autovacuum off, plans \
             rest on whatever statistics the tables had"
                .to_string(),
        );
    }
    if machine.build == "debug" {
        notes.push("a debug build: measure with a release build".to_string());
    }
    if ours_functions.is_empty() {
        notes
            .push("no server-side breakdown: the server did not allow track_functions".to_string());
    }
    Ok(IntakeBenchReport {
        database: database.to_string(),
        seed: options.seed,
        skus: catalogue.skus,
        hot_skus: catalogue.hot,
        scarce_skus: catalogue.scarce_count(),
        lines,
        orders,
        naive_lines,
        naive_orders,
        chunk_orders: CHUNK_ORDERS,
        warmup_lines,
        analyzed: options.analyze,
        invariant_checks: rounds.len() * 2,
        ours_lines_per_sec_median: ours_median,
        naive_lines_per_sec_median: naive_median,
        ratio: ratio(ours_median, naive_median),
        target_lines_per_sec: TARGET_LINES_PER_SEC,
        meets_target: ours_median >= TARGET_LINES_PER_SEC,
        rounds,
        setup_seconds,
        ours_server_functions: sorted_functions(ours_functions),
        naive_server_functions: sorted_functions(naive_functions),
        machine,
        notes,
    })
}

fn ratio(ours: f64, naive: f64) -> f64 {
    if naive > 0.0 { ours / naive } else { 0.0 }
}

/// What one side did, timed, before its outcome is read back.
struct Timed {
    orders: usize,
    lines: usize,
    elapsed: Duration,
    /// Orders of the warehouse with a larger id were stored by this side.
    after_order_id: i64,
}

async fn last_order_id(pool: &PgPool) -> Result<i64> {
    Ok(
        sqlx::query_scalar("select coalesce(max(id), 0)::bigint from orders")
            .fetch_one(pool)
            .await?,
    )
}

async fn run_ours(
    pool: &PgPool,
    channel: &Channel,
    actor: &Operator,
    round: usize,
    orders: Vec<IncomingOrder>,
) -> Result<Timed> {
    let after_order_id = last_order_id(pool).await?;
    let count = orders.len();
    let lines: usize = orders.iter().map(|o| o.lines.len()).sum();
    let parsed: ParsedOrders = orders.into_iter().map(Ok).collect();
    let source = format!("bench round {round}");
    let start = Instant::now();
    let report = intake::ingest(pool, channel, &source, parsed, actor).await?;
    let elapsed = start.elapsed();
    if !report.rejected.is_empty() || report.created != count || report.lines != lines {
        return Err(Error::Invalid(format!(
            "intake benchmark: generated {count} orders of {lines} lines, but intake created {} of {} lines and rejected {} (first: {})",
            report.created,
            report.lines,
            report.rejected.len(),
            report
                .rejected
                .first()
                .map_or_else(String::new, ToString::to_string)
        )));
    }
    Ok(Timed {
        orders: count,
        lines,
        elapsed,
        after_order_id,
    })
}

async fn run_naive(pool: &PgPool, channel: &Channel, orders: Vec<IncomingOrder>) -> Result<Timed> {
    let after_order_id = last_order_id(pool).await?;
    let mut conn = pool.acquire().await?;
    let start = Instant::now();
    let mut stored = 0;
    let mut lines = 0;
    for order in &orders {
        lines += naive_ingest_one(&mut conn, channel, order).await?;
        stored += 1;
    }
    let elapsed = start.elapsed();
    Ok(Timed {
        orders: stored,
        lines,
        elapsed,
        after_order_id,
    })
}

/// The naive intake of one order: its own transaction, a statement per row. Returns the lines
/// stored.
async fn naive_ingest_one(
    conn: &mut PgConnection,
    channel: &Channel,
    order: &IncomingOrder,
) -> Result<usize> {
    let mut tx = conn.begin().await?;
    let mut mapped = Vec::with_capacity(order.lines.len());
    for line in &order.lines {
        if !line.requires_shipping {
            mapped.push((None, line.quantity));
            continue;
        }
        let channel_sku = line.channel_sku.as_deref().unwrap_or_default();
        let found: Option<(i32, i32)> = sqlx::query_as(
            "select l.sku_id, s.case_pack
               from channel_listings l join skus s on s.id = l.sku_id
              where l.channel_id = $1 and l.channel_sku = $2",
        )
        .bind(channel.id)
        .bind(channel_sku)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((sku_id, case_pack)) = found else {
            return Err(Error::Invalid(format!(
                "intake benchmark: channel SKU {channel_sku} is not listed"
            )));
        };
        let quantity = match line.unit {
            QuantityUnit::Each => line.quantity,
            QuantityUnit::Case => line.quantity.saturating_mul(case_pack),
        };
        mapped.push((Some(sku_id), quantity));
    }
    let order_id: Option<i64> = sqlx::query_scalar(
        "insert into orders (warehouse_id, channel_id, external_id, reference, status, hold_reason,
                             ordered_at, ship_by, service_level, carrier_service_id, due_at, ship_to)
         select $1, $2, $3, $4, case when $5::text is null then 'new' else 'held' end::order_status,
                $5, $6, $7, $8, cs.id, aisle_due_at(w.time_zone, cs.cutoff_local, $7, now()), $9
           from warehouses w
           left join shipping_rules sr on sr.channel_id = $2 and lower(sr.service_level) = lower($8)
           left join carrier_services cs on cs.id = sr.carrier_service_id
          where w.id = $1
         on conflict (warehouse_id, channel_id, external_id) do nothing
         returning id",
    )
    .bind(channel.warehouse_id)
    .bind(channel.id)
    .bind(&order.external_id)
    .bind(order.reference.as_deref())
    .bind(order.hold_reason.as_deref())
    .bind(order.ordered_at)
    .bind(order.ship_by)
    .bind(order.service_level.as_deref())
    .bind(
        order
            .ship_to
            .as_ref()
            .and_then(|s| serde_json::to_value(s).ok()),
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(order_id) = order_id else {
        return Err(Error::Invalid(format!(
            "intake benchmark: order {} was already stored",
            order.external_id
        )));
    };
    for (line, (sku_id, quantity)) in order.lines.iter().zip(&mapped) {
        sqlx::query(
            "insert into order_lines (warehouse_id, order_id, line_no, external_line_id, channel_sku,
                                      sku_id, quantity, channel_quantity, channel_unit,
                                      requires_shipping, description)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(channel.warehouse_id)
        .bind(order_id)
        .bind(line.line_no)
        .bind(line.external_line_id.as_deref())
        .bind(line.channel_sku.as_deref())
        .bind(*sku_id)
        .bind(*quantity)
        .bind(line.quantity)
        .bind(match line.unit {
            QuantityUnit::Each => "each",
            QuantityUnit::Case => "case",
        })
        .bind(line.requires_shipping)
        .bind(line.description.as_deref())
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("select aisle_reserve_order($1, $2)::text")
        .bind(channel.warehouse_id)
        .bind(order_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(order.lines.len())
}

/// Reads back what a side left (reserved, partly reserved and backordered lines, order
/// statuses) and checks the invariants; a broken invariant fails the run.
async fn settle_side(
    pool: &PgPool,
    warehouse_id: i32,
    side: &str,
    round: usize,
    timed: Timed,
) -> Result<SideFigures> {
    let seconds = timed.elapsed.as_secs_f64();
    let (reserved, partly, backordered, non_shipping, units): (i64, i64, i64, i64, i64) =
        sqlx::query_as(
            "select count(*) filter (where l.requires_shipping
                                       and coalesce(r.quantity, 0) >= l.quantity - l.cancelled_qty),
                    count(*) filter (where l.requires_shipping and coalesce(r.quantity, 0) > 0
                                       and coalesce(r.quantity, 0) < l.quantity - l.cancelled_qty),
                    count(*) filter (where l.requires_shipping and coalesce(r.quantity, 0) = 0),
                    count(*) filter (where not l.requires_shipping),
                    coalesce(sum(r.quantity), 0)::bigint
               from order_lines l
               left join reservations r on r.warehouse_id = l.warehouse_id and r.order_line_id = l.id
              where l.warehouse_id = $1 and l.order_id > $2",
        )
        .bind(warehouse_id)
        .bind(timed.after_order_id)
        .fetch_one(pool)
        .await?;
    let statuses: Vec<(String, i64)> = sqlx::query_as(
        "select status::text, count(*) from orders
          where warehouse_id = $1 and id > $2 group by 1 order by 1",
    )
    .bind(warehouse_id)
    .bind(timed.after_order_id)
    .fetch_all(pool)
    .await?;
    let violations = invariants::violations(pool).await?;
    if !violations.is_empty() {
        let shown: Vec<String> = violations
            .iter()
            .take(5)
            .map(|v| format!("{}: {}", v.invariant, v.detail))
            .collect();
        return Err(Error::Invalid(format!(
            "intake benchmark: {} invariant violation(s) after {side} round {round}: {}",
            violations.len(),
            shown.join("; ")
        )));
    }
    Ok(SideFigures {
        orders: timed.orders,
        lines: timed.lines,
        seconds,
        lines_per_sec: if seconds > 0.0 {
            timed.lines as f64 / seconds
        } else {
            0.0
        },
        reserved_lines: reserved,
        partly_reserved_lines: partly,
        backordered_lines: backordered,
        non_shipping_lines: non_shipping,
        units_reserved: units,
        orders_by_status: statuses.into_iter().collect(),
        invariant_violations: 0,
    })
}

/// `ANALYZE` of the tables intake writes and reads, when asked to.
async fn refresh_statistics(pool: &PgPool, analyze: bool) -> Result<()> {
    if analyze {
        sqlx::query("analyze orders, order_lines, reservations, sku_positions, outbox")
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// Cumulative (calls, total ms, self ms) per function (PL/pgSQL and SQL) of the database, after asking the
/// backend to flush its pending statistics. Empty where functions are not tracked.
async fn function_times(pool: &PgPool) -> Result<BTreeMap<String, (i64, f64, f64)>> {
    let tracked: String = sqlx::query_scalar("select current_setting('track_functions')")
        .fetch_one(pool)
        .await?;
    if tracked == "none" {
        return Ok(BTreeMap::new());
    }
    // Flushed when the backend next goes idle, i.e. before the next statement.
    sqlx::query("select pg_stat_force_next_flush()")
        .execute(pool)
        .await?;
    let rows: Vec<(String, i64, f64, f64)> = sqlx::query_as(
        "select funcname::text, calls, total_time, self_time
           from pg_stat_user_functions where schemaname = 'public'",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, calls, total, own)| (name, (calls, total, own)))
        .collect())
}

fn accumulate(
    into: &mut BTreeMap<String, (i64, f64, f64)>,
    before: &BTreeMap<String, (i64, f64, f64)>,
    after: &BTreeMap<String, (i64, f64, f64)>,
) {
    for (name, (calls, total, own)) in after {
        let (c0, t0, s0) = before.get(name).copied().unwrap_or((0, 0.0, 0.0));
        if calls - c0 <= 0 {
            continue;
        }
        let entry = into.entry(name.clone()).or_insert((0, 0.0, 0.0));
        entry.0 += calls - c0;
        entry.1 += total - t0;
        entry.2 += own - s0;
    }
}

fn sorted_functions(functions: BTreeMap<String, (i64, f64, f64)>) -> Vec<FunctionTime> {
    let mut list: Vec<FunctionTime> = functions
        .into_iter()
        .map(|(function, (calls, total_ms, self_ms))| FunctionTime {
            function,
            calls,
            total_ms,
            self_ms,
        })
        .collect();
    list.sort_by(|a, b| b.total_ms.total_cmp(&a.total_ms));
    list
}

/// The generated catalogue: SKU `i` (0-based) is `BX-<i+1>`; the first `hot` SKUs take
/// [`HOT_SHARE`] of the lines; every 50th SKU, and a few hot ones, are scarce.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub skus: usize,
    pub hot: usize,
}

impl Catalogue {
    pub fn new(skus: usize) -> Self {
        Catalogue {
            skus,
            hot: (skus / 100).clamp(1, 50),
        }
    }

    pub fn code(&self, i: usize) -> String {
        format!("BX-{:06}", i + 1)
    }

    pub fn channel_sku(&self, i: usize) -> String {
        format!("SHOP-BX-{:06}", i + 1)
    }

    pub fn is_hot(&self, i: usize) -> bool {
        i < self.hot
    }

    pub fn is_scarce(&self, i: usize) -> bool {
        if self.is_hot(i) {
            i % 16 == 7
        } else {
            i % 50 == 25
        }
    }

    pub fn scarce_count(&self) -> usize {
        (0..self.skus).filter(|i| self.is_scarce(*i)).count()
    }

    /// The expected share of all lines on SKU `i`.
    fn share(&self, i: usize) -> f64 {
        let uniform = (1.0 - HOT_SHARE) / self.skus as f64;
        if self.is_hot(i) {
            uniform + HOT_SHARE / self.hot as f64
        } else {
            uniform
        }
    }

    fn pick(&self, rng: &mut SeededRng) -> usize {
        if rng.chance(HOT_SHARE) {
            rng.below(self.hot)
        } else {
            rng.below(self.skus)
        }
    }

    /// Units on hand for SKU `i` when the run is expected to ask for `expected_units` in all.
    fn stock(&self, i: usize, expected_units: f64) -> i32 {
        let expected = self.share(i) * expected_units;
        let units = if self.is_scarce(i) {
            (expected * SCARCE_SHARE).round().max(1.0)
        } else {
            (expected * STOCK_MARGIN).ceil() + 10.0
        };
        units.min(900_000.0) as i32
    }
}

/// Whole orders from `rng` until they hold at least `min_lines` lines; external ids start with
/// `prefix`. The same stream with another prefix gives the same orders under other ids.
pub fn generate_orders(
    catalogue: &Catalogue,
    mut rng: SeededRng,
    prefix: &str,
    min_lines: usize,
) -> Vec<IncomingOrder> {
    let base = Utc
        .with_ymd_and_hms(2026, 11, 26, 6, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let services: Vec<u32> = SERVICES.iter().map(|s| s.1).collect();
    let mut orders = Vec::new();
    let mut lines = 0;
    while lines < min_lines {
        let n = orders.len();
        let ordered_at = base + chrono::Duration::milliseconds(n as i64 * 250);
        let count = rng.weighted(&LINES_PER_ORDER_WEIGHTS) + 1;
        let mut chosen = HashSet::with_capacity(count);
        let mut order_lines = Vec::with_capacity(count + 1);
        while order_lines.len() < count {
            let sku = catalogue.pick(&mut rng);
            if !chosen.insert(sku) {
                continue;
            }
            let line_no = order_lines.len() as i32 + 1;
            let quantity = match rng.weighted(&QUANTITY_WEIGHTS) {
                0 => 1,
                1 => 2,
                _ => 3 + rng.below(3) as i32,
            };
            order_lines.push(IncomingLine {
                line_no,
                external_line_id: Some(format!("{}", 10_000_000 + n * 10 + line_no as usize)),
                channel_sku: Some(catalogue.channel_sku(sku)),
                alternate_skus: vec![],
                quantity,
                unit: QuantityUnit::Each,
                requires_shipping: true,
                description: Some(format!("Item {}", catalogue.code(sku))),
            });
        }
        if count < 6 && rng.chance(TIP_SHARE) {
            let line_no = order_lines.len() as i32 + 1;
            order_lines.push(IncomingLine {
                line_no,
                external_line_id: Some(format!("{}", 10_000_000 + n * 10 + line_no as usize)),
                channel_sku: None,
                alternate_skus: vec![],
                quantity: 1,
                unit: QuantityUnit::Each,
                requires_shipping: false,
                description: Some("Tip".into()),
            });
        }
        let service = SERVICES[rng.weighted(&services)].0;
        let ship_by = rng
            .chance(SHIP_BY_SHARE)
            .then(|| ordered_at + chrono::Duration::hours(24 + rng.below(48) as i64));
        let (city, province, zip) = CITIES[rng.below(CITIES.len())];
        lines += order_lines.len();
        orders.push(IncomingOrder {
            action: IntakeAction::Create,
            external_id: format!("{prefix}{n:07}"),
            reference: Some(format!("#{}", 100_000 + n)),
            ordered_at,
            ship_by,
            service_level: Some(service.to_string()),
            ship_to: Some(ShipTo {
                name: Some(format!("Customer {}", rng.below(100_000))),
                address1: Some(format!("{} Main St", 1 + rng.below(9_999))),
                city: Some(city.into()),
                province: Some(province.into()),
                zip: Some(zip.into()),
                country: Some("US".into()),
                ..ShipTo::default()
            }),
            hold_reason: rng.chance(HOLD_SHARE).then(|| "unpaid".to_string()),
            lines: order_lines,
        });
    }
    orders
}

/// Builds the benchmark's warehouse set-wise, in one transaction: layout, bins (and reserve
/// locations for the hot SKUs), the catalogue, opening stock through the ledger, positions,
/// carriers, the channel with its shipping rules and a listing per SKU (whose trigger computes
/// every channel figure). Returns the warehouse id.
async fn build_warehouse(pool: &PgPool, catalogue: &Catalogue, expected_units: f64) -> Result<i32> {
    let mut tx = pool.begin().await?;
    let wh: i32 = sqlx::query_scalar(
        "insert into warehouses (code, name, time_zone, cart_size)
         values ('BENCH', 'Intake benchmark', 'America/Chicago', 8) returning id",
    )
    .fetch_one(&mut *tx)
    .await?;
    let aisles = catalogue.skus.div_ceil(BINS_PER_AISLE) + 1;
    sqlx::query(
        "insert into warehouse_layouts
             (warehouse_id, front_cross_aisle_y, back_cross_aisle_y, depot_x, depot_y)
         values ($1, 0, 65, 0, -2)",
    )
    .bind(wh)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into aisles (warehouse_id, code, x)
         select $1, 'A' || lpad(n::text, 3, '0'), n * 3.0 from generate_series(1, $2) n",
    )
    .bind(wh)
    .bind(aisles as i32)
    .execute(&mut *tx)
    .await?;

    // One bin per SKU, 4 levels of 50 bays per aisle; reserve locations in the last aisle.
    let mut codes = Vec::with_capacity(catalogue.skus + catalogue.hot);
    let mut kinds = Vec::with_capacity(codes.capacity());
    let mut aisle_codes = Vec::with_capacity(codes.capacity());
    let mut bays = Vec::with_capacity(codes.capacity());
    let mut levels = Vec::with_capacity(codes.capacity());
    let mut xs = Vec::with_capacity(codes.capacity());
    let mut ys = Vec::with_capacity(codes.capacity());
    let mut stock_locations = Vec::new();
    let mut stock_skus = Vec::new();
    let mut stock_units = Vec::new();
    for i in 0..catalogue.skus {
        let aisle = i / BINS_PER_AISLE + 1;
        let bay = (i % BINS_PER_AISLE) / 4 + 1;
        let level = i % 4 + 1;
        let code = format!("B{aisle:03}-{bay:02}-{level}");
        codes.push(code.clone());
        kinds.push("bin");
        aisle_codes.push(format!("A{aisle:03}"));
        bays.push(bay as i32);
        levels.push(level as i32);
        xs.push(aisle as f64 * 3.0);
        ys.push(bay as f64 * 1.2);
        let units = catalogue.stock(i, expected_units);
        if catalogue.is_hot(i) && units > 10 {
            let reserve = format!("R{:03}-{:02}", aisles, i + 1);
            codes.push(reserve.clone());
            kinds.push("reserve");
            aisle_codes.push(format!("A{aisles:03}"));
            bays.push(i as i32 + 1);
            levels.push(5);
            xs.push(aisles as f64 * 3.0);
            ys.push((i + 1) as f64 * 1.2);
            let in_bin = units * 2 / 5;
            stock_locations.push(code);
            stock_skus.push(catalogue.code(i));
            stock_units.push(in_bin);
            stock_locations.push(reserve);
            stock_skus.push(catalogue.code(i));
            stock_units.push(units - in_bin);
        } else {
            stock_locations.push(code);
            stock_skus.push(catalogue.code(i));
            stock_units.push(units);
        }
    }
    sqlx::query(
        "insert into locations (warehouse_id, code, kind, aisle, bay, level, x, y, pick_sequence)
         select $1, t.code, t.kind::location_kind, t.aisle, t.bay, t.level, t.x, t.y, t.n
           from unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::int[],
                       $7::float8[], $8::float8[]) with ordinality
                as t(code, kind, aisle, bay, level, x, y, n)",
    )
    .bind(wh)
    .bind(&codes)
    .bind(&kinds)
    .bind(&aisle_codes)
    .bind(&bays)
    .bind(&levels)
    .bind(&xs)
    .bind(&ys)
    .execute(&mut *tx)
    .await?;

    let mut rng = SeededRng::new(0x5eed);
    let sku_codes: Vec<String> = (0..catalogue.skus).map(|i| catalogue.code(i)).collect();
    let names: Vec<String> = (0..catalogue.skus)
        .map(|i| format!("Bench item {}", i + 1))
        .collect();
    let weights: Vec<i32> = (0..catalogue.skus)
        .map(|_| 50 + rng.below(2_000) as i32)
        .collect();
    let sides: Vec<i32> = (0..catalogue.skus)
        .map(|_| 40 + rng.below(300) as i32)
        .collect();
    let case_packs: Vec<i32> = (0..catalogue.skus)
        .map(|i| if i % 10 == 0 { 6 } else { 1 })
        .collect();
    sqlx::query(
        "insert into skus (code, name, unit_weight_g, length_mm, width_mm, height_mm, case_pack)
         select code, name, weight, side, greatest(20, side / 2), greatest(20, side / 3), case_pack
           from unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[])
                as t(code, name, weight, side, case_pack)",
    )
    .bind(&sku_codes)
    .bind(&names)
    .bind(&weights)
    .bind(&sides)
    .bind(&case_packs)
    .execute(&mut *tx)
    .await?;

    let demo_actor: i32 =
        sqlx::query_scalar("select id from operators where badge = 'system:demo'")
            .fetch_one(&mut *tx)
            .await?;
    sqlx::query(
        "with input as (
             select l.id as location_id, k.id as sku_id, t.on_hand
               from unnest($2::text[], $3::text[], $4::int[]) as t(location_code, sku_code, on_hand)
               join locations l on l.warehouse_id = $1 and l.code = t.location_code
               join skus k on k.code = t.sku_code
         ), stocked as (
             insert into stock (warehouse_id, location_id, sku_id, lot, on_hand)
             select $1, location_id, sku_id, '', on_hand from input
             returning location_id, sku_id, on_hand
         )
         insert into ledger (warehouse_id, kind, sku_id, lot, quantity, to_location_id, reason, actor_id)
         select $1, 'receive', sku_id, '', on_hand, location_id, 'intake benchmark: opening stock', $5
           from stocked where on_hand > 0",
    )
    .bind(wh)
    .bind(&stock_locations)
    .bind(&stock_skus)
    .bind(&stock_units)
    .bind(demo_actor)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into sku_positions (warehouse_id, sku_id, sellable_on_hand)
         select $1, k.id, coalesce(sum(s.on_hand), 0)
           from skus k left join stock s on s.warehouse_id = $1 and s.sku_id = k.id
          group by k.id",
    )
    .bind(wh)
    .execute(&mut *tx)
    .await?;

    let service_levels: Vec<&str> = SERVICES.iter().map(|s| s.0).collect();
    let service_codes: Vec<&str> = SERVICES.iter().map(|s| s.2).collect();
    let cutoffs: Vec<&str> = SERVICES.iter().map(|s| s.3).collect();
    let transit: Vec<i32> = SERVICES.iter().map(|s| s.4).collect();
    let channel_id: i32 = sqlx::query_scalar(
        "insert into channels (name, kind, warehouse_id, allows_partial_shipment)
         values ($2, 'shopify', $1, false) returning id",
    )
    .bind(wh)
    .bind(CHANNEL)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "with carrier as (
             insert into carriers (code, name, scac) values ('BENCHPOST', 'Bench Post', 'BNCH')
             returning id
         ), services as (
             insert into carrier_services (carrier_id, code, name, cutoff_local, transit_days)
             select carrier.id, t.code, 'Bench Post ' || t.level, t.cutoff::time, t.transit
               from carrier, unnest($2::text[], $3::text[], $4::text[], $5::int[])
                    as t(level, code, cutoff, transit)
             returning id, code
         )
         insert into shipping_rules (channel_id, service_level, carrier_service_id)
         select $1, t.level, s.id
           from unnest($2::text[], $3::text[]) as t(level, code)
           join services s on s.code = t.code",
    )
    .bind(channel_id)
    .bind(&service_levels)
    .bind(&service_codes)
    .bind(&cutoffs)
    .bind(&transit)
    .execute(&mut *tx)
    .await?;
    // Most listings give the channel everything; some keep a buffer or a cap.
    sqlx::query(
        "insert into channel_listings (channel_id, channel_sku, sku_id, share_pct, cap, buffer)
         select $1, 'SHOP-' || k.code, k.id,
                case when k.id % 7 = 0 then 80 else 100 end,
                case when k.id % 11 = 0 then 50 end,
                case when k.id % 5 = 0 then 2 else 0 end
           from skus k where k.code = any($2)",
    )
    .bind(channel_id)
    .bind(&sku_codes)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(wh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_are_deterministic_and_shaped_as_promised() {
        let catalogue = Catalogue::new(1_000);
        let a = generate_orders(&catalogue, SeededRng::stream(1, 1), "O1-", 5_000);
        let b = generate_orders(&catalogue, SeededRng::stream(1, 1), "N1-", 500);
        let lines: usize = a.iter().map(|o| o.lines.len()).sum();
        assert!((5_000..5_007).contains(&lines));
        assert!(a.iter().all(|o| (1..=7).contains(&o.lines.len())));
        // The naive side gets the first orders of the same stream under other ids.
        assert_eq!(a[0].lines, b[0].lines);
        assert_ne!(a[0].external_id, b[0].external_id);
        let hot = a
            .iter()
            .flat_map(|o| o.shipping_lines())
            .filter(|l| {
                l.channel_sku
                    .as_deref()
                    .is_some_and(|s| s <= catalogue.channel_sku(catalogue.hot - 1).as_str())
            })
            .count();
        // A quarter of the lines (and their uniform share) land on the 1% hot SKUs.
        assert!(hot > lines / 5 && hot < lines / 3, "{hot} of {lines}");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(12_345.6), "12,346");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
    }
}
