//! The command line: `aisle` with no subcommand opens the terminal; the subcommands set up the
//! database, load the demo, and change or inspect stock from the shell. Every command accepts
//! `DATABASE_URL` (or `--database-url`) and `--data-dir`; inspection commands print JSON with
//! `--json`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use sqlx::PgPool;

use crate::db::operators::{self, Operator};
use crate::db::warehouses::{self, Warehouse};
use crate::db::{connect, demo, embedded::EmbeddedCluster, inquiry, inventory, migrate};
use crate::domain::role::Role;
use crate::{Error, Result};

#[derive(Debug, Parser)]
#[command(
    name = "aisle",
    version,
    about = "The warehouse-floor terminal: pick, pack and ship from one queue."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Postgres to use; without it aisle starts its own private cluster in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Where the private cluster and logs live (default: $XDG_DATA_HOME/aisle,
    /// ~/.local/share/aisle, or /var/lib/aisle as root).
    #[arg(long, env = "AISLE_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Warehouse code (default: the only or first warehouse).
    #[arg(long, env = "AISLE_WAREHOUSE", global = true)]
    pub warehouse: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load the demo warehouse (does nothing if it is already loaded).
    Demo(JsonFlag),
    /// The database: where it is, and the private cluster's lifecycle.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// On hand per location and lot, reserved, and available per channel for a SKU or GTIN;
    /// or what a location holds.
    Stock {
        /// SKU code, barcode (GTIN-8/12/13/14), or location code.
        sku: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Receive units into a location.
    Receive {
        /// SKU code or barcode.
        sku: String,
        /// Units to receive (a positive whole number).
        #[arg(allow_negative_numbers = true, value_parser = parse_units)]
        quantity: i32,
        /// Location code, e.g. A-03-02-1.
        #[arg(long)]
        location: String,
        /// Lot, for lot-controlled SKUs.
        #[arg(long)]
        lot: Option<String>,
        /// Expiry date of the lot (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        expiry: Option<NaiveDate>,
        /// Why, e.g. a purchase order number.
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        who: OperatorArgs,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Move units between two locations.
    Move {
        /// SKU code or barcode.
        sku: String,
        /// Units to move (a positive whole number).
        #[arg(allow_negative_numbers = true, value_parser = parse_units)]
        quantity: i32,
        /// Location the units leave, e.g. R-A-03.
        #[arg(long)]
        from: String,
        /// Location the units go to, e.g. A-03-02-1.
        #[arg(long)]
        to: String,
        /// Lot, for lot-controlled SKUs.
        #[arg(long)]
        lot: Option<String>,
        /// Why, e.g. replenishment.
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        who: OperatorArgs,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Adjust on hand at a location up or down (supervisors and admins).
    Adjust {
        /// SKU code or barcode.
        sku: String,
        /// Units to add (positive) or remove (negative), e.g. -3.
        #[arg(allow_negative_numbers = true, value_parser = parse_delta)]
        delta: i32,
        #[arg(long)]
        location: String,
        /// Why: damaged, found, count correction…
        #[arg(long)]
        reason: String,
        #[arg(long)]
        lot: Option<String>,
        #[arg(long, value_parser = parse_date)]
        expiry: Option<NaiveDate>,
        #[command(flatten)]
        who: OperatorArgs,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Take orders from channel files into the queue, reserved at once: Shopify order JSON,
    /// Amazon Orders API (2026-01-01) JSON, EDI X12 850 interchanges (answered with 997s), or
    /// CSV for manual orders (docs/csv-orders.md).
    Ingest {
        /// A configured channel, e.g. shopify-main, amazon-us, edi-bigbox, manual.
        #[arg(long)]
        channel: String,
        /// For Shopify files: the webhook topic the bodies come from.
        #[arg(long, default_value = "orders/create")]
        topic: String,
        /// Files, or directories whose files are all read (in name order).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Receive Shopify webhooks over HTTP at /webhooks/shopify/CHANNEL: HMAC-verified with the
    /// secret in AISLE_CHANNEL_<CHANNEL>_WEBHOOK_SECRET, deduplicated by event id, each order
    /// stored and reserved at once. Runs until Ctrl+C or SIGTERM.
    Hooks {
        /// Address to listen on, e.g. 127.0.0.1:8080 (TLS belongs to a proxy in front).
        #[arg(long)]
        listen: std::net::SocketAddr,
    },
    /// Benchmarks that print figures beside a baseline run in the same process.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Release pick batches once, as the planner: reserved orders in queue order, allocated to
    /// bins, grouped into carts of close-together orders and routed; replenishments where bins
    /// fall short.
    Plan {
        /// Release at most this many batches.
        #[arg(long, default_value_t = 20)]
        batches: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Open orders in the order the floor will work them, with due times and cutoff risk.
    Queue {
        /// Show at most this many orders.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// The day's shipments per carrier with cartons, weights and tracking numbers: the
    /// manifest a driver signs at pickup (dates in the warehouse's time zone).
    Manifest {
        /// Only this carrier (code, e.g. UPS).
        #[arg(long)]
        carrier: Option<String>,
        /// The day (YYYY-MM-DD; default: today in the warehouse's time zone).
        #[arg(long, value_parser = parse_date)]
        date: Option<NaiveDate>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Orders intake refused, newest first: where in the payload, and what was expected.
    IntakeErrors {
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Channel sync: the outbox's status per channel, and dead messages put back in the queue.
    Sync {
        /// Show depth, in-flight, dead, failures and the oldest unsent age per channel.
        #[arg(long, conflicts_with = "retry")]
        status: bool,
        /// Put the dead message with this id back in the queue, due now.
        #[arg(long, value_name = "ID")]
        retry: Option<i64>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Operators and their badges (admins; unlock for supervisors too).
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// Simulated pickers (system actors) working the queue on one shared pool: confirms per
    /// second closed-loop, then latency at half that rate. It picks real orders: the work it
    /// does stays done.
    Simulate {
        /// Simulated pickers, each a tokio task holding one batch at a time.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1000))]
        pickers: u16,
        /// Seconds each phase runs at most.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Connections in the shared pool (default: one per picker, at most 16).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=290))]
        pool: Option<u32>,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Metres walked with our batches and routes against first-come-first-served batches walked
    /// in an S-shape, on the same generated orders (no database).
    Walking {
        /// Orders per round.
        #[arg(long, default_value_t = 2_000)]
        orders: usize,
        /// Totes per cart (one order per tote).
        #[arg(long, default_value_t = 8)]
        cart_size: usize,
        /// Rounds, each with a new draw of orders.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Bulk intake (set-wise, reservation included) against a naive intake (a statement per row,
    /// a transaction per order), alternating rounds, medians and their ratio. Works in a scratch
    /// database of its own on the same server, dropped afterwards.
    Intake {
        /// Order lines per round for our intake.
        #[arg(long, default_value_t = 200_000)]
        lines: usize,
        /// Order lines per round for the naive intake (it is slow; lines per second compare).
        #[arg(long, default_value_t = 20_000)]
        naive_lines: usize,
        /// Rounds of each side, alternating.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Where the database is and whether the private cluster runs.
    Status(JsonFlag),
    /// Apply pending migrations.
    Migrate(JsonFlag),
    /// Start the private cluster (initialising it on first use).
    Start(JsonFlag),
    /// Stop the private cluster.
    Stop(JsonFlag),
}

#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Add an operator; the new PIN is asked on the terminal or read from AISLE_NEW_PIN.
    Add {
        badge: String,
        #[arg(long)]
        name: String,
        /// picker, packer, supervisor or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[command(flatten)]
        who: OperatorArgs,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// List operators, their roles and locks.
    List {
        #[command(flatten)]
        who: OperatorArgs,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Unlock a badge locked by wrong PINs.
    Unlock {
        badge: String,
        #[command(flatten)]
        who: OperatorArgs,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Set a badge's PIN; the new PIN is asked on the terminal or read from AISLE_NEW_PIN.
    SetPin {
        badge: String,
        #[command(flatten)]
        who: OperatorArgs,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct OperatorArgs {
    /// Your badge; the PIN is asked on the terminal or read from AISLE_PIN.
    #[arg(long, env = "AISLE_OPERATOR")]
    pub operator: String,
}

/// The most units one command may move: larger numbers are typing mistakes (the database
/// refuses them too).
const MAX_UNITS: i32 = 1_000_000;

fn parse_units(text: &str) -> std::result::Result<i32, String> {
    match text.trim().parse::<i32>() {
        Ok(n) if (1..=MAX_UNITS).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a positive whole number of units up to {MAX_UNITS}, got {text:?}"
        )),
    }
}

fn parse_delta(text: &str) -> std::result::Result<i32, String> {
    match text.trim().parse::<i32>() {
        Ok(n) if n != 0 && n.abs() <= MAX_UNITS => Ok(n),
        _ => Err(format!(
            "expected a non-zero whole number of units such as -3 or 5 (at most {MAX_UNITS}), got {text:?}"
        )),
    }
}

/// A reason left blank is no reason.
fn given(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

fn parse_date(text: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("expected a date as YYYY-MM-DD, got {text:?}"))
}

fn parse_role(text: &str) -> std::result::Result<Role, String> {
    text.parse::<Role>().map_err(|e| e.to_string())
}

/// Reads a secret from the environment, else asks on the terminal without echo.
fn secret(env_var: &str, prompt: &str) -> Result<String> {
    if let Ok(value) = std::env::var(env_var) {
        return Ok(value);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Invalid(format!(
            "{prompt}: no terminal to ask on; set {env_var}"
        )));
    }
    rpassword::prompt_password(format!("{prompt}: "))
        .map_err(|e| Error::io("reading the PIN from the terminal", e))
}

/// The operator behind `--operator`, after checking their PIN.
async fn sign_in(pool: &PgPool, who: &OperatorArgs) -> Result<Operator> {
    operators::lookup_badge(pool, &who.operator).await?;
    let pin = secret("AISLE_PIN", &format!("PIN for {}", who.operator))?;
    operators::authenticate(pool, &who.operator, pin.trim()).await
}

fn new_pin() -> Result<String> {
    let pin = secret("AISLE_NEW_PIN", "New PIN (4-8 digits)")?;
    operators::validate_pin(pin.trim())?;
    Ok(pin.trim().to_string())
}

fn print<T: Serialize>(json: bool, value: &T, human: impl FnOnce(&T) -> String) -> Result<()> {
    if json {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| Error::Invalid(format!("could not encode JSON: {e}")))?;
        println!("{text}");
    } else {
        println!("{}", human(value));
    }
    Ok(())
}

/// The pool for commands that need the database: `DATABASE_URL`, or the private cluster (started,
/// migrated, and loaded with the demo warehouse the first time).
async fn database(global: &GlobalArgs) -> Result<PgPool> {
    let target = connect::resolve(global.database_url.clone(), global.data_dir.clone()).await?;
    let (pool, _) = connect::open_migrated(&target.url, 10).await?;
    load_demo_if_empty(&pool, target.embedded).await?;
    Ok(pool)
}

/// The private cluster gets the demo warehouse while it has no warehouse at all — also after a
/// first run that was killed between migrating and loading.
async fn load_demo_if_empty(pool: &PgPool, embedded: bool) -> Result<()> {
    if !embedded {
        return Ok(());
    }
    let empty: bool = sqlx::query_scalar("select not exists (select 1 from warehouses)")
        .fetch_one(pool)
        .await?;
    if empty {
        tracing::info!("private database has no warehouse: loading the demo warehouse");
        demo::load(pool).await?;
    }
    Ok(())
}

async fn applied_migrations(pool: &PgPool) -> Result<i64> {
    // A brand-new database has no migrations table yet: that is zero, not an error.
    let exists: bool = sqlx::query_scalar("select to_regclass('_sqlx_migrations') is not null")
        .fetch_one(pool)
        .await?;
    if !exists {
        return Ok(0);
    }
    Ok(
        sqlx::query_scalar("select count(*) from _sqlx_migrations where success")
            .fetch_one(pool)
            .await?,
    )
}

/// Ctrl+C or SIGTERM (a service manager stopping us): finish what is in flight, then stop.
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

/// Every file named (directories expanded, in name order), each ingested on its own.
async fn ingest_files(
    pool: &PgPool,
    global: &GlobalArgs,
    channel: &str,
    topic: &str,
    paths: &[PathBuf],
) -> Result<Vec<crate::db::edi_intake::EdiIntakeReport>> {
    use crate::channels::{amazon, csv_orders, shopify};
    use crate::db::edi_intake::{self, EdiIntakeReport};
    let channel = crate::db::channels::by_name(pool, channel).await?;
    let actor = operators::system_actor(pool, operators::SystemActor::Intake).await?;
    let topic = shopify::ShopifyTopic::from_header(topic).ok_or_else(|| {
        Error::Invalid(format!(
            "topic {topic:?}: expected orders/create, orders/updated or orders/cancelled"
        ))
    })?;
    let data_dir = crate::db::data_dir::resolve_data_dir(global.data_dir.clone())?;
    let ack_dir = edi_intake::acknowledgement_dir(&channel, &data_dir);
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| Error::io(format!("reading directory {}", path.display()), e))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .filter(|p| {
                    !p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect();
            entries.sort();
            files.extend(entries);
        } else {
            files.push(path.clone());
        }
    }
    let mut reports = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file)
            .map_err(|e| Error::io(format!("reading {}", file.display()), e))?;
        let source = file.display().to_string();
        let report = match channel.kind.as_str() {
            "edi" => {
                edi_intake::ingest_file(pool, &channel, &file, &bytes, &actor, &ack_dir).await?
            }
            kind => {
                let parsed = match kind {
                    "shopify" => shopify::parse_file(&bytes, topic),
                    "amazon" => amazon::parse_file(&bytes),
                    _ => csv_orders::parse_file(&bytes),
                };
                EdiIntakeReport {
                    intake: crate::db::intake::ingest(pool, &channel, &source, parsed, &actor)
                        .await?,
                    acknowledgements: Vec::new(),
                }
            }
        };
        reports.push(report);
    }
    Ok(reports)
}

/// `aisle ingest` for people: per file what was stored, and every refusal with its place.
fn ingest_text(reports: &[crate::db::edi_intake::EdiIntakeReport]) -> String {
    let mut text = String::new();
    for report in reports {
        let r = &report.intake;
        text.push_str(&format!(
            "{}: {} new, {} updated, {} cancelled, {} already stored, {} refused; {} lines, {} units reserved\n",
            r.source,
            r.created,
            r.updated,
            r.cancelled,
            r.unchanged,
            r.rejected.len(),
            r.lines,
            r.units_reserved
        ));
        for rejection in &r.rejected {
            text.push_str(&format!("  refused: {}: {rejection}\n", r.source));
        }
        for ack in &report.acknowledgements {
            text.push_str(&format!("  997 written: {}\n", ack.display()));
        }
    }
    text.trim_end().to_string()
}

/// `aisle queue` for people: one order a line, at-risk ones marked.
fn plan_text(report: &crate::db::planner::PlanReport) -> String {
    let mut text = format!(
        "released {} batch(es), {} order(s); {} order(s) wait for stock in bins; {} replenishment(s) created\n",
        report.batches.len(),
        report.orders_released,
        report.orders_waiting_for_stock_in_bins,
        report.replenishments_created
    );
    for b in &report.move_batches {
        text.push_str(&format!(
            "batch {:>6}  replenish/put back  {:>3} moves  {:>4} units  route {:>6.1} m\n",
            b.id, b.tasks, b.units, b.route_m
        ));
    }
    for b in &report.batches {
        text.push_str(&format!(
            "batch {:>6}  {:>2} orders  {:>3} picks  {:>4} units  route {:>6.1} m\n",
            b.id, b.orders, b.tasks, b.units, b.route_m
        ));
    }
    text
}

fn queue_text(warehouse: &Warehouse, queue: &[crate::db::queue::QueuedOrder]) -> String {
    let mut text = format!(
        "{:>4} {:<14} {:<22} {:<12} {:<10} {:<10} {:>5} {:>5}  {}\n",
        "#", "CHANNEL", "ORDER", "STATUS", "SERVICE", "DUE", "UNITS", "RSVD", "RISK"
    );
    for o in queue {
        let risk = if o.late {
            "LATE"
        } else if o.at_risk {
            "AT RISK"
        } else {
            ""
        };
        let status = match &o.hold_reason {
            Some(reason) if o.status == "held" => format!("held: {reason}"),
            _ => o.status.clone(),
        };
        text.push_str(&format!(
            "{:>4} {:<14} {:<22} {:<12} {:<10} {:<10} {:>5} {:>5}  {risk}\n",
            o.position,
            o.channel,
            o.reference.as_deref().unwrap_or(&o.external_id),
            status,
            o.carrier_service.as_deref().unwrap_or("-"),
            o.due_local.as_deref().unwrap_or("-"),
            o.units,
            o.reserved,
        ));
    }
    text.push_str(&format!(
        "{} open order(s) shown; times in {}",
        queue.len(),
        warehouse.time_zone
    ));
    text
}

/// `aisle stock LOCATION` for people: what the location holds.
fn location_text(found: &inquiry::LocationInquiry) -> String {
    let mut text = format!(
        "{} ({}){}\n",
        found.location,
        found.kind,
        if found.active { "" } else { ", inactive" }
    );
    text.push_str(&format!(
        "{:<20} {:<12} {:<12} {:>8}  NAME\n",
        "SKU", "LOT", "EXPIRY", "ON HAND"
    ));
    for h in &found.contents {
        let expiry = h.expiry.map(|d| d.to_string()).unwrap_or_default();
        text.push_str(&format!(
            "{:<20} {:<12} {:<12} {:>8}  {}\n",
            h.sku, h.lot, expiry, h.on_hand, h.name
        ));
    }
    text.push_str(&format!("on hand {}", found.on_hand));
    text
}

/// `aisle stock` for people: where the units are, what is promised, what each channel may sell.
fn item_text(item: &inquiry::ItemInquiry) -> String {
    let mut text = format!("{}  {}\n", item.sku, item.name);
    for barcode in &item.barcodes {
        text.push_str(&format!(
            "  barcode {} ({}, {} per scan)\n",
            barcode.gtin, barcode.symbology, barcode.units
        ));
    }
    text.push_str(&format!(
        "{:<14} {:<12} {:<12} {:>8}\n",
        "LOCATION", "LOT", "EXPIRY", "ON HAND"
    ));
    for at in &item.stock {
        let expiry = at.expiry.map(|d| d.to_string()).unwrap_or_default();
        text.push_str(&format!(
            "{:<14} {:<12} {:<12} {:>8}\n",
            at.location, at.lot, expiry, at.on_hand
        ));
    }
    text.push_str(&format!(
        "on hand {}, sellable {}, reserved {}, available {}\n",
        item.on_hand, item.sellable_on_hand, item.open_reserved, item.available
    ));
    text.push_str(&format!(
        "{:<16} {:<20} {:>8}  RULE\n",
        "CHANNEL", "CHANNEL SKU", "FIGURE"
    ));
    for channel in &item.channels {
        let cap = channel
            .rule
            .cap
            .map(|c| format!(", cap {c}"))
            .unwrap_or_default();
        text.push_str(&format!(
            "{:<16} {:<20} {:>8}  {}%, buffer {}{cap}\n",
            channel.channel,
            channel.channel_sku,
            channel.figure,
            channel.rule.share_pct,
            channel.rule.buffer
        ));
    }
    text.trim_end().to_string()
}

/// The database, the warehouse and the signed-in operator, for commands that change stock.
async fn floor_session(
    global: &GlobalArgs,
    who: &OperatorArgs,
) -> Result<(PgPool, Warehouse, Operator)> {
    let pool = database(global).await?;
    let warehouse = warehouse(&pool, global).await?;
    let actor = sign_in(&pool, who).await?;
    Ok((pool, warehouse, actor))
}

async fn warehouse(pool: &PgPool, global: &GlobalArgs) -> Result<Warehouse> {
    warehouses::resolve(pool, global.warehouse.as_deref()).await
}

pub async fn run(cli: Cli) -> Result<ExitCode> {
    let global = &cli.global;
    match cli.command {
        None => {
            let pool = database(global).await?;
            let warehouse = warehouse(&pool, global).await?;
            let terminal_id = std::env::var("AISLE_TERMINAL")
                .unwrap_or_else(|_| crate::runtime::local::default_terminal_id());
            crate::runtime::run_local(pool, warehouse, terminal_id).await?;
        }
        Some(Command::Demo(flag)) => {
            let pool = database(global).await?;
            let outcome = demo::load(&pool).await?;
            print(flag.json, &outcome, |o| {
                if o.loaded {
                    format!("Loaded the demo warehouse {}.", o.warehouse_code)
                } else {
                    format!("The demo warehouse {} is already loaded.", o.warehouse_code)
                }
            })?;
        }
        Some(Command::Db { command }) => return db_command(global, command).await,
        Some(Command::Stock { sku, json }) => {
            let pool = database(global).await?;
            let warehouse = warehouse(&pool, global).await?;
            let query = inquiry::ItemQuery::parse(&sku);
            if let Some(found) = inquiry::item(&pool, warehouse.id, &query).await? {
                print(json.json, &found, item_text)?;
            } else if let Some(found) = inquiry::location(&pool, warehouse.id, &sku).await? {
                print(json.json, &found, location_text)?;
            } else if sku.trim().bytes().all(|b| b.is_ascii_digit()) {
                // All digits but no item: say why if the check digit is wrong.
                crate::domain::barcode::Gtin::parse(sku.trim())
                    .map_err(|e| Error::Invalid(format!("barcode {}: {e}", sku.trim())))?;
                return Err(Error::UnknownSku(sku));
            } else {
                return Err(Error::UnknownSku(sku));
            }
        }
        Some(Command::Receive {
            sku,
            quantity,
            location,
            lot,
            expiry,
            reason,
            who,
            json,
        }) => {
            let (pool, warehouse, actor) = floor_session(global, &who).await?;
            let receipt = inventory::Receipt {
                sku,
                location,
                quantity,
                lot,
                expiry,
                reason: given(reason),
                scan_id: None,
            };
            let outcome = inventory::receive(&pool, warehouse.id, &actor, &receipt).await?;
            print(json.json, &outcome, |o| {
                format!("Received {quantity}. {}", o.summary())
            })?;
        }
        Some(Command::Move {
            sku,
            quantity,
            from,
            to,
            lot,
            reason,
            who,
            json,
        }) => {
            let (pool, warehouse, actor) = floor_session(global, &who).await?;
            let transfer = inventory::Transfer {
                sku,
                from,
                to,
                quantity,
                lot,
                reason: given(reason),
                scan_id: None,
            };
            let outcome = inventory::transfer(&pool, warehouse.id, &actor, &transfer).await?;
            print(json.json, &outcome, |o| {
                format!("Moved {quantity}. {}", o.summary())
            })?;
        }
        Some(Command::Adjust {
            sku,
            delta,
            location,
            reason,
            lot,
            expiry,
            who,
            json,
        }) => {
            let (pool, warehouse, actor) = floor_session(global, &who).await?;
            let adjustment = inventory::Adjustment {
                sku,
                location,
                delta,
                lot,
                expiry,
                reason,
                scan_id: None,
            };
            let outcome = inventory::adjust(&pool, warehouse.id, &actor, &adjustment).await?;
            print(json.json, &outcome, |o| {
                format!("Adjusted by {delta:+}. {}", o.summary())
            })?;
        }
        Some(Command::Ingest {
            channel,
            topic,
            paths,
            json,
        }) => {
            let pool = database(global).await?;
            let reports = ingest_files(&pool, global, &channel, &topic, &paths).await?;
            let refused: usize = reports.iter().map(|r| r.intake.rejected.len()).sum();
            print(json.json, &reports, |reports| ingest_text(reports))?;
            if refused > 0 {
                // Some orders were refused (the good ones are stored): scripts can tell.
                return Ok(ExitCode::from(2));
            }
        }
        Some(Command::Hooks { listen }) => {
            let pool = database(global).await?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| Error::io(format!("listening on {listen}"), e))?;
            eprintln!("aisle hooks: listening on http://{listen}/webhooks/shopify/<channel>");
            crate::hooks::serve(pool, listener, shutdown_signal()).await?;
        }
        Some(Command::Bench {
            command:
                BenchCommand::Intake {
                    lines,
                    naive_lines,
                    rounds,
                    json,
                },
        }) => {
            let target =
                connect::resolve(global.database_url.clone(), global.data_dir.clone()).await?;
            let options = crate::bench::intake::IntakeBenchOptions {
                lines,
                naive_lines,
                rounds,
                ..Default::default()
            };
            let report = crate::bench::intake::run(&target.url, options).await?;
            print(
                json.json,
                &report,
                crate::bench::intake::IntakeBenchReport::to_text,
            )?;
        }
        Some(Command::Bench {
            command:
                BenchCommand::Walking {
                    orders,
                    cart_size,
                    rounds,
                    json,
                },
        }) => {
            let options = crate::bench::walking::WalkingBenchOptions {
                orders,
                cart_size,
                rounds,
                ..Default::default()
            };
            let report = crate::bench::walking::run(&options)?;
            print(
                json.json,
                &report,
                crate::bench::walking::WalkingBenchReport::to_text,
            )?;
        }
        Some(Command::Plan { batches, json }) => {
            let pool = database(global).await?;
            let warehouse = warehouse(&pool, global).await?;
            let planner = operators::system_actor(&pool, operators::SystemActor::Planner).await?;
            let report =
                crate::db::planner::release(&pool, warehouse.id, &planner, batches).await?;
            print(json.json, &report, plan_text)?;
        }
        Some(Command::Simulate {
            pickers,
            seconds,
            pool,
            json,
        }) => {
            let pickers = usize::from(pickers);
            let options = crate::sim::SimOptions {
                pickers,
                seconds,
                pool: pool.unwrap_or_else(|| crate::sim::SimOptions::default_pool(pickers)),
            };
            let target =
                connect::resolve(global.database_url.clone(), global.data_dir.clone()).await?;
            let (db, _) = connect::open_migrated(&target.url, options.pool).await?;
            load_demo_if_empty(&db, target.embedded).await?;
            let warehouse = warehouse(&db, global).await?;
            let report = crate::sim::run(&db, warehouse.id, &options).await?;
            print(json.json, &report, crate::sim::SimReport::to_text)?;
        }
        Some(Command::Queue { limit, json }) => {
            let pool = database(global).await?;
            let warehouse = warehouse(&pool, global).await?;
            let queue = crate::db::queue::open_orders(&pool, warehouse.id, limit).await?;
            print(json.json, &queue, |q| queue_text(&warehouse, q))?;
        }
        Some(Command::Manifest {
            carrier,
            date,
            json,
        }) => {
            let pool = database(global).await?;
            let warehouse = warehouse(&pool, global).await?;
            let manifest =
                crate::db::shipments::manifest(&pool, warehouse.id, carrier.as_deref(), date)
                    .await?;
            print(
                json.json,
                &manifest,
                crate::db::shipments::Manifest::to_text,
            )?;
        }
        Some(Command::IntakeErrors { limit, json }) => {
            let pool = database(global).await?;
            let warehouse = warehouse(&pool, global).await?;
            let errors = crate::db::intake::recent_errors(&pool, warehouse.id, limit).await?;
            print(json.json, &errors, |errors| {
                let mut text = String::new();
                for e in errors {
                    text.push_str(&format!(
                        "{} {} {}: order {}: {}: {}\n",
                        e.at.format("%Y-%m-%d %H:%M:%S"),
                        e.channel,
                        e.source,
                        e.external_id.as_deref().unwrap_or("?"),
                        e.place,
                        e.message
                    ));
                }
                if text.is_empty() {
                    "No intake errors.".into()
                } else {
                    text.trim_end().to_string()
                }
            })?;
        }
        Some(Command::Sync {
            status,
            retry,
            json,
        }) => return sync_command(global, status, retry, json.json).await,
        Some(Command::Operator { command }) => operator_command(global, command).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `aisle sync`: `--status` and `--retry` work on the outbox. The worker itself is not wired
/// yet: without its channel senders it would have nothing honest to do, so plain `aisle sync`
/// says so and exits with 2 rather than pretend to deliver.
async fn sync_command(
    global: &GlobalArgs,
    status: bool,
    retry: Option<i64>,
    json: bool,
) -> Result<ExitCode> {
    use crate::sync::delivery;
    if let Some(id) = retry {
        let pool = database(global).await?;
        let warehouse = warehouse(&pool, global).await?;
        delivery::retry_dead(&pool, warehouse.id, id).await?;
        let outcome = serde_json::json!({ "retried": id, "warehouse": warehouse.code });
        print(json, &outcome, |_| {
            format!("Outbox message {id} is back in the queue, due now.")
        })?;
    } else if status {
        let pool = database(global).await?;
        let report = delivery::status(&pool).await?;
        print(json, &report, delivery::SyncStatus::to_text)?;
    } else {
        eprintln!(
            "aisle sync: the delivery worker's channel senders are not wired yet, so nothing is \
             sent; use `aisle sync --status` or `aisle sync --retry ID`"
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

async fn db_command(global: &GlobalArgs, command: DbCommand) -> Result<ExitCode> {
    let cluster = || -> Result<EmbeddedCluster> {
        let dir = crate::db::data_dir::resolve_data_dir(global.data_dir.clone())?;
        EmbeddedCluster::new(dir)
    };
    match command {
        DbCommand::Status(flag) => {
            let status = DatabaseStatus::read(global, &cluster()?).await;
            print(flag.json, &status, DatabaseStatus::to_text)?;
        }
        DbCommand::Migrate(flag) => {
            let target =
                connect::resolve(global.database_url.clone(), global.data_dir.clone()).await?;
            let pool = connect::open(&target.url, 2).await?;
            let before = applied_migrations(&pool).await?;
            migrate::run(&pool).await?;
            let after = applied_migrations(&pool).await?;
            let outcome = serde_json::json!({ "applied_now": after - before, "applied": after });
            print(flag.json, &outcome, |_| {
                format!(
                    "Migrations: {} applied now, {after} in all.",
                    after - before
                )
            })?;
        }
        DbCommand::Start(flag) => {
            refuse_with_database_url(global, "start")?;
            let cluster = cluster()?;
            cluster.ensure_running().await?;
            let (pool, _) = connect::open_migrated(&cluster.url(), 2).await?;
            load_demo_if_empty(&pool, true).await?;
            let status = DatabaseStatus::read(global, &cluster).await;
            print(flag.json, &status, DatabaseStatus::to_text)?;
        }
        DbCommand::Stop(flag) => {
            refuse_with_database_url(global, "stop")?;
            let cluster = cluster()?;
            cluster.stop().await?;
            let status = DatabaseStatus::read(global, &cluster).await;
            print(flag.json, &status, DatabaseStatus::to_text)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn refuse_with_database_url(global: &GlobalArgs, verb: &str) -> Result<()> {
    if global.database_url.is_some() {
        return Err(Error::Invalid(format!(
            "DATABASE_URL is set: aisle does not {verb} a server it did not start; unset it to manage the private cluster"
        )));
    }
    Ok(())
}

/// `aisle db status`: which database commands use, and the private cluster's state.
#[derive(Debug, Serialize)]
pub struct DatabaseStatus {
    /// "database_url" or "embedded".
    pub source: &'static str,
    pub url: String,
    pub reachable: bool,
    pub error: Option<String>,
    pub embedded: crate::db::embedded::ClusterStatus,
}

impl DatabaseStatus {
    async fn read(global: &GlobalArgs, cluster: &EmbeddedCluster) -> DatabaseStatus {
        let embedded = cluster.status();
        let (source, url) = match &global.database_url {
            Some(url) => ("database_url", url.clone()),
            None => ("embedded", cluster.url()),
        };
        let reachable = match connect::open(&url, 1).await {
            Ok(pool) => sqlx::query("select 1")
                .execute(&pool)
                .await
                .map_err(Error::from),
            Err(e) => Err(e),
        };
        DatabaseStatus {
            source,
            url: connect::redacted_url(&url),
            reachable: reachable.is_ok(),
            error: reachable.err().map(|e| e.to_string()),
            embedded,
        }
    }

    fn to_text(&self) -> String {
        let mut text = format!(
            "Database: {} ({})\n  reachable: {}\n",
            self.url,
            if self.source == "embedded" {
                "private cluster"
            } else {
                "DATABASE_URL"
            },
            if self.reachable { "yes" } else { "no" }
        );
        let stopped_on_purpose = self.source == "embedded" && !self.embedded.running;
        if let Some(error) = self.error.as_ref().filter(|_| !stopped_on_purpose) {
            text.push_str(&format!("  error: {error}\n"));
        }
        text.push_str(&format!(
            "Private cluster: {}\n  initialised: {}\n  running: {}",
            self.embedded.data_dir.display(),
            self.embedded.initialised,
            self.embedded.running
        ));
        text
    }
}

async fn operator_command(global: &GlobalArgs, command: OperatorCommand) -> Result<()> {
    let pool = database(global).await?;
    match command {
        OperatorCommand::Add {
            badge,
            name,
            role,
            who,
            json,
        } => {
            let actor = sign_in(&pool, &who).await?;
            actor
                .role
                .require(crate::domain::role::Permission::ManageOperators)?;
            let pin = new_pin()?;
            let added = operators::add(&pool, &actor, &badge, &name, role, &pin).await?;
            print(json.json, &added, |o| {
                format!("Added {} ({}, {}).", o.badge, o.name, o.role)
            })?;
        }
        OperatorCommand::List { who, json } => {
            let actor = sign_in(&pool, &who).await?;
            actor
                .role
                .require(crate::domain::role::Permission::ManageOperators)?;
            let list = operators::list(&pool).await?;
            print(json.json, &list, |list| {
                let mut text = format!(
                    "{:<12} {:<24} {:<10} {}\n",
                    "BADGE", "NAME", "ROLE", "STATE"
                );
                for o in list {
                    let state = if !o.active {
                        "inactive".to_string()
                    } else if o.locked_seconds > 0 {
                        format!("locked {}s", o.locked_seconds)
                    } else {
                        "ok".to_string()
                    };
                    text.push_str(&format!(
                        "{:<12} {:<24} {:<10} {}\n",
                        o.badge, o.name, o.role, state
                    ));
                }
                text.trim_end().to_string()
            })?;
        }
        OperatorCommand::Unlock { badge, who, json } => {
            let actor = sign_in(&pool, &who).await?;
            let outcome = operators::unlock(&pool, &actor, &badge).await?;
            print(
                json.json,
                &serde_json::json!({ "badge": badge, "outcome": outcome }),
                |_| match outcome {
                    operators::UnlockOutcome::Unlocked => format!("Unlocked {badge}."),
                    operators::UnlockOutcome::WasNotLocked => format!("{badge} was not locked."),
                },
            )?;
        }
        OperatorCommand::SetPin { badge, who, json } => {
            let actor = sign_in(&pool, &who).await?;
            actor
                .role
                .require(crate::domain::role::Permission::ManageOperators)?;
            let pin = new_pin()?;
            operators::set_pin(&pool, &actor, &badge, &pin).await?;
            print(json.json, &serde_json::json!({ "pin_set": badge }), |_| {
                format!("New PIN set for {badge}.")
            })?;
        }
    }
    Ok(())
}
