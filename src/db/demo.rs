//! The demo warehouse `DEMO`: layout, catalogue, stock, channels, carriers, operators and a few
//! hundred open orders, loaded by `aisle demo` and on the first run of the embedded database.
//!
//! The data are the CSV files in `assets/demo/` (see its README), embedded in the binary so that
//! it works from any directory. Loading is idempotent (a warehouse `DEMO` already there means
//! nothing is loaded) and all or nothing (one transaction). Big tables go in with one `UNNEST`
//! statement each; stock arrives through `receive` ledger rows written with it, orders are
//! reserved by `aisle_reserve_order` most urgent first, and every listed SKU's channel figures
//! are computed by `inv_refresh_channel_figures`, so every invariant of DESIGN.md holds from the
//! first moment.

use std::collections::HashSet;
use std::time::Instant;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};

use crate::db::operators::{SystemActor, hash_pin};
use crate::{Error, Result};

/// The demo warehouse's code.
pub const WAREHOUSE_CODE: &str = "DEMO";

/// Serialises concurrent loads (a first run of the embedded database racing `aisle demo`).
const LOAD_LOCK_KEY: i64 = 0x6169_736c_6564_656d; // "aisledem"

/// The data files, embedded at build time.
pub mod files {
    pub const WAREHOUSE: &str = include_str!("../../assets/demo/warehouse.csv");
    pub const AISLES: &str = include_str!("../../assets/demo/aisles.csv");
    pub const LOCATIONS: &str = include_str!("../../assets/demo/locations.csv");
    pub const SKUS: &str = include_str!("../../assets/demo/skus.csv");
    pub const BARCODES: &str = include_str!("../../assets/demo/barcodes.csv");
    pub const STOCK: &str = include_str!("../../assets/demo/stock.csv");
    pub const CARRIERS: &str = include_str!("../../assets/demo/carriers.csv");
    pub const CARRIER_SERVICES: &str = include_str!("../../assets/demo/carrier_services.csv");
    pub const CHANNELS: &str = include_str!("../../assets/demo/channels.csv");
    pub const SHIPPING_RULES: &str = include_str!("../../assets/demo/shipping_rules.csv");
    pub const CHANNEL_LISTINGS: &str = include_str!("../../assets/demo/channel_listings.csv");
    pub const OPERATORS: &str = include_str!("../../assets/demo/operators.csv");
    pub const ORDERS: &str = include_str!("../../assets/demo/orders.csv");
    pub const ORDER_LINES: &str = include_str!("../../assets/demo/order_lines.csv");
    pub const STATIONS: &str = include_str!("../../assets/demo/stations.csv");
}

/// What a call to [`load`] did. The counts are what this call inserted: all zero when the demo
/// warehouse was already there (`loaded` false).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DemoOutcome {
    pub loaded: bool,
    pub warehouse_code: String,
    pub warehouse_id: i32,
    pub aisles: usize,
    pub locations: usize,
    /// SKUs added to the (global) catalogue; SKUs already on file are reused.
    pub skus: usize,
    pub barcodes: usize,
    pub stock_rows: usize,
    pub units_on_hand: i64,
    pub carrier_services: usize,
    pub channels: usize,
    pub listings: usize,
    pub operators: usize,
    pub orders: usize,
    pub order_lines: usize,
    pub reserved_orders: usize,
    pub backordered_orders: usize,
    pub held_orders: usize,
    /// Channel stock figures waiting in the outbox.
    pub outbox_figures: usize,
    pub elapsed_ms: u64,
}

#[derive(Deserialize)]
struct WarehouseRow {
    code: String,
    name: String,
    time_zone: String,
    cart_size: i32,
    gs1_company_prefix: Option<String>,
    /// The warehouse as a shipper (migration 15): the labels' ship-from and the SSCC's first digit.
    ship_from_address1: Option<String>,
    ship_from_address2: Option<String>,
    ship_from_city: Option<String>,
    ship_from_state: Option<String>,
    ship_from_zip: Option<String>,
    ship_from_country: Option<String>,
    sscc_extension_digit: i16,
    front_cross_aisle_y: f64,
    back_cross_aisle_y: f64,
    depot_x: f64,
    depot_y: f64,
}

#[derive(Deserialize)]
struct AisleRow {
    code: String,
    x: f64,
}

#[derive(Deserialize)]
struct LocationRow {
    code: String,
    kind: String,
    aisle: Option<String>,
    bay: Option<i32>,
    level: Option<i32>,
    x: Option<f64>,
    y: Option<f64>,
    pick_sequence: Option<i32>,
}

/// A pack station's printer and scale settings (migration 14), for a `pack_station` location.
#[derive(Deserialize)]
struct StationRow {
    station_code: String,
    printer_host: Option<String>,
    printer_port: i32,
    label_dir: Option<String>,
    scale_unit: String,
    tolerance_pct: f64,
    tolerance_min_g: i32,
}

#[derive(Deserialize)]
struct SkuRow {
    code: String,
    name: String,
    unit_weight_g: i32,
    length_mm: i32,
    width_mm: i32,
    height_mm: i32,
    case_pack: i32,
    lot_controlled: bool,
}

#[derive(Deserialize)]
struct BarcodeRow {
    gtin: String,
    sku_code: String,
    symbology: String,
    units: i32,
}

#[derive(Deserialize)]
struct StockRow {
    location_code: String,
    sku_code: String,
    lot: Option<String>,
    expiry_days: Option<i32>,
    on_hand: i32,
}

#[derive(Deserialize)]
struct CarrierRow {
    code: String,
    name: String,
    scac: Option<String>,
}

#[derive(Deserialize)]
struct CarrierServiceRow {
    carrier_code: String,
    code: String,
    name: String,
    cutoff_local: String,
    transit_days: i32,
}

#[derive(Deserialize)]
struct ChannelRow {
    name: String,
    kind: String,
    allows_partial_shipment: bool,
    active: bool,
    settings: String,
}

#[derive(Deserialize)]
struct ShippingRuleRow {
    channel: String,
    service_level: String,
    carrier_code: String,
    service_code: String,
}

#[derive(Deserialize)]
struct ListingRow {
    channel: String,
    channel_sku: String,
    sku_code: String,
    share_pct: i32,
    cap: Option<i32>,
    buffer: i32,
    external_id: Option<String>,
}

#[derive(Deserialize)]
struct OperatorRow {
    badge: String,
    name: String,
    role: String,
    pin: String,
}

#[derive(Deserialize)]
struct OrderRow {
    channel: String,
    external_id: String,
    status: String,
    hold_reason: Option<String>,
    ordered_at_offset_h: f64,
    ship_by_offset_h: Option<f64>,
    service_level: Option<String>,
    priority: i32,
    ship_to: Option<String>,
}

#[derive(Deserialize)]
struct OrderLineRow {
    channel: String,
    external_id: String,
    line_no: i32,
    external_line_id: Option<String>,
    channel_sku: Option<String>,
    sku_code: Option<String>,
    quantity: i32,
    requires_shipping: bool,
}

/// Parses one embedded CSV file into rows.
fn parse<T: DeserializeOwned>(file: &str, text: &str) -> Result<Vec<T>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader
        .deserialize()
        .enumerate()
        .map(|(i, row)| {
            // Row numbers as an editor shows them: the header is line 1.
            row.map_err(|e| Error::Invalid(format!("assets/demo/{file} line {}: {e}", i + 2)))
        })
        .collect()
}

/// True when the demo warehouse is already in the database.
pub async fn is_loaded(pool: &PgPool) -> Result<bool> {
    let found: bool =
        sqlx::query_scalar("select exists (select 1 from warehouses where code = $1)")
            .bind(WAREHOUSE_CODE)
            .fetch_one(pool)
            .await?;
    Ok(found)
}

/// Loads the demo warehouse unless it is already there. One transaction: all or nothing.
pub async fn load(pool: &PgPool) -> Result<DemoOutcome> {
    let started = Instant::now();
    let skipped = DemoOutcome {
        loaded: false,
        warehouse_code: WAREHOUSE_CODE.to_string(),
        ..DemoOutcome::default()
    };
    if is_loaded(pool).await? {
        return Ok(DemoOutcome {
            warehouse_id: warehouse_id(pool).await?,
            ..skipped
        });
    }
    // Argon2 is deliberately slow: hash before the transaction, off the async threads.
    let operators: Vec<OperatorRow> = parse("operators.csv", files::OPERATORS)?;
    let pins: Vec<String> = operators.iter().map(|o| o.pin.clone()).collect();
    let hashes = tokio::task::spawn_blocking(move || {
        pins.iter()
            .map(|pin| hash_pin(pin))
            .collect::<Result<Vec<String>>>()
    })
    .await
    .map_err(|e| Error::Invalid(format!("hashing the demo PINs: {e}")))??;

    let mut tx = pool.begin().await?;
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(LOAD_LOCK_KEY)
        .execute(&mut *tx)
        .await?;
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from warehouses where code = $1)")
            .bind(WAREHOUSE_CODE)
            .fetch_one(&mut *tx)
            .await?;
    if exists {
        // Someone else loaded it while we hashed.
        tx.rollback().await?;
        return Ok(DemoOutcome {
            warehouse_id: warehouse_id(pool).await?,
            ..skipped
        });
    }
    let mut outcome = load_in(&mut tx, &operators, &hashes).await?;
    outcome.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let details = serde_json::to_value(&outcome)
        .map_err(|e| Error::Invalid(format!("demo outcome as JSON: {e}")))?;
    sqlx::query(
        "insert into audit_log (actor_id, warehouse_id, action, subject, details)
         select id, $1, 'demo.load', $2, $3 from operators where badge = $4",
    )
    .bind(outcome.warehouse_id)
    .bind(WAREHOUSE_CODE)
    .bind(details)
    .bind(SystemActor::Demo.badge())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    outcome.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    tracing::info!(
        skus = outcome.skus,
        locations = outcome.locations,
        orders = outcome.orders,
        elapsed_ms = outcome.elapsed_ms,
        "demo warehouse loaded"
    );
    Ok(outcome)
}

async fn warehouse_id(pool: &PgPool) -> Result<i32> {
    let id: i32 = sqlx::query_scalar("select id from warehouses where code = $1")
        .bind(WAREHOUSE_CODE)
        .fetch_one(pool)
        .await?;
    Ok(id)
}

/// Refuses a file whose rows did not all find what they name (an unknown code drops out of a
/// join, so fewer rows arrive than the file holds).
fn expect_rows(file: &str, expected: usize, inserted: u64) -> Result<usize> {
    if inserted as usize == expected {
        Ok(expected)
    } else {
        Err(Error::Invalid(format!(
            "assets/demo/{file}: {expected} rows, but only {inserted} could be loaded; \
             a row names a code that is not on file (or is already taken)"
        )))
    }
}

fn column<T, U>(rows: &[T], f: impl Fn(&T) -> U) -> Vec<U> {
    rows.iter().map(f).collect()
}

async fn load_in(
    tx: &mut PgConnection,
    operators: &[OperatorRow],
    hashes: &[String],
) -> Result<DemoOutcome> {
    let mut out = DemoOutcome {
        loaded: true,
        warehouse_code: WAREHOUSE_CODE.to_string(),
        ..DemoOutcome::default()
    };
    let actor: i32 = sqlx::query_scalar("select id from operators where badge = $1")
        .bind(SystemActor::Demo.badge())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::UnknownBadge(SystemActor::Demo.badge().to_string()))?;

    // Warehouse and layout.
    let warehouses: Vec<WarehouseRow> = parse("warehouse.csv", files::WAREHOUSE)?;
    let [w] = warehouses.as_slice() else {
        return Err(Error::Invalid(
            "assets/demo/warehouse.csv must hold exactly one warehouse".into(),
        ));
    };
    if w.code != WAREHOUSE_CODE {
        return Err(Error::Invalid(format!(
            "assets/demo/warehouse.csv: the demo warehouse is {WAREHOUSE_CODE}, not {}",
            w.code
        )));
    }
    let wh: i32 = sqlx::query_scalar(
        "insert into warehouses (code, name, time_zone, cart_size, gs1_company_prefix,
                                 ship_from_address1, ship_from_address2, ship_from_city,
                                 ship_from_state, ship_from_zip, ship_from_country,
                                 sscc_extension_digit)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id",
    )
    .bind(&w.code)
    .bind(&w.name)
    .bind(&w.time_zone)
    .bind(w.cart_size)
    .bind(&w.gs1_company_prefix)
    .bind(&w.ship_from_address1)
    .bind(&w.ship_from_address2)
    .bind(&w.ship_from_city)
    .bind(&w.ship_from_state)
    .bind(&w.ship_from_zip)
    .bind(&w.ship_from_country)
    .bind(w.sscc_extension_digit)
    .fetch_one(&mut *tx)
    .await?;
    out.warehouse_id = wh;
    sqlx::query(
        "insert into warehouse_layouts
             (warehouse_id, front_cross_aisle_y, back_cross_aisle_y, depot_x, depot_y)
         values ($1, $2, $3, $4, $5)",
    )
    .bind(wh)
    .bind(w.front_cross_aisle_y)
    .bind(w.back_cross_aisle_y)
    .bind(w.depot_x)
    .bind(w.depot_y)
    .execute(&mut *tx)
    .await?;

    let aisles: Vec<AisleRow> = parse("aisles.csv", files::AISLES)?;
    let done = sqlx::query(
        "insert into aisles (warehouse_id, code, x)
         select $1, t.code, t.x from unnest($2::text[], $3::float8[]) as t(code, x)",
    )
    .bind(wh)
    .bind(column(&aisles, |r| r.code.clone()))
    .bind(column(&aisles, |r| r.x))
    .execute(&mut *tx)
    .await?;
    out.aisles = expect_rows("aisles.csv", aisles.len(), done.rows_affected())?;

    let locations: Vec<LocationRow> = parse("locations.csv", files::LOCATIONS)?;
    let done = sqlx::query(
        "insert into locations (warehouse_id, code, kind, aisle, bay, level, x, y, pick_sequence)
         select $1, t.code, t.kind::location_kind, t.aisle, t.bay, t.level, t.x, t.y, t.seq
           from unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::float8[],
                       $8::float8[], $9::int[])
                as t(code, kind, aisle, bay, level, x, y, seq)",
    )
    .bind(wh)
    .bind(column(&locations, |r| r.code.clone()))
    .bind(column(&locations, |r| r.kind.clone()))
    .bind(column(&locations, |r| r.aisle.clone()))
    .bind(column(&locations, |r| r.bay))
    .bind(column(&locations, |r| r.level))
    .bind(column(&locations, |r| r.x))
    .bind(column(&locations, |r| r.y))
    .bind(column(&locations, |r| r.pick_sequence))
    .execute(&mut *tx)
    .await?;
    out.locations = expect_rows("locations.csv", locations.len(), done.rows_affected())?;

    let stations: Vec<StationRow> = parse("stations.csv", files::STATIONS)?;
    let done = sqlx::query(
        "insert into pack_stations (warehouse_id, location_id, printer_host, printer_port,
                                    label_dir, scale_unit, tolerance_pct, tolerance_min_g)
         select $1, l.id, t.host, t.port, t.dir, t.unit, t.pct, t.min_g
           from unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::float8[],
                       $8::int[]) as t(code, host, port, dir, unit, pct, min_g)
           join locations l on l.warehouse_id = $1 and l.code = t.code",
    )
    .bind(wh)
    .bind(column(&stations, |r| r.station_code.clone()))
    .bind(column(&stations, |r| r.printer_host.clone()))
    .bind(column(&stations, |r| r.printer_port))
    .bind(column(&stations, |r| r.label_dir.clone()))
    .bind(column(&stations, |r| r.scale_unit.clone()))
    .bind(column(&stations, |r| r.tolerance_pct))
    .bind(column(&stations, |r| r.tolerance_min_g))
    .execute(&mut *tx)
    .await?;
    expect_rows("stations.csv", stations.len(), done.rows_affected())?;

    // The catalogue is global: SKUs and barcodes already on file are kept as they are.
    let skus: Vec<SkuRow> = parse("skus.csv", files::SKUS)?;
    let done = sqlx::query(
        // The demo's lot-controlled goods (supplements, cosmetics) are also counted unit by
        // unit at picking: each scan proves the lot.
        "insert into skus (code, name, unit_weight_g, length_mm, width_mm, height_mm, case_pack,
                           lot_controlled, scan_each)
         select t.*, t.lot from unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[],
                                       $6::int[], $7::int[], $8::bool[])
                  as t(code, name, weight, length, width, height, pack, lot)
         on conflict (code) do nothing",
    )
    .bind(column(&skus, |r| r.code.clone()))
    .bind(column(&skus, |r| r.name.clone()))
    .bind(column(&skus, |r| r.unit_weight_g))
    .bind(column(&skus, |r| r.length_mm))
    .bind(column(&skus, |r| r.width_mm))
    .bind(column(&skus, |r| r.height_mm))
    .bind(column(&skus, |r| r.case_pack))
    .bind(column(&skus, |r| r.lot_controlled))
    .execute(&mut *tx)
    .await?;
    out.skus = done.rows_affected() as usize;
    let sku_codes = column(&skus, |r| r.code.clone());

    let barcodes: Vec<BarcodeRow> = parse("barcodes.csv", files::BARCODES)?;
    let done = sqlx::query(
        "insert into barcodes (gtin, sku_id, symbology, units)
         select t.gtin, k.id, t.symbology, t.units
           from unnest($1::text[], $2::text[], $3::text[], $4::int[])
                as t(gtin, sku_code, symbology, units)
           join skus k on k.code = t.sku_code
         on conflict (gtin) do nothing",
    )
    .bind(column(&barcodes, |r| r.gtin.clone()))
    .bind(column(&barcodes, |r| r.sku_code.clone()))
    .bind(column(&barcodes, |r| r.symbology.clone()))
    .bind(column(&barcodes, |r| r.units))
    .execute(&mut *tx)
    .await?;
    out.barcodes = done.rows_affected() as usize;

    // People: badges are global too; a badge already on file keeps its PIN.
    let done = sqlx::query(
        "insert into operators (badge, name, role, pin_hash)
         select t.badge, t.name, t.role::operator_role, t.pin_hash
           from unnest($1::text[], $2::text[], $3::text[], $4::text[])
                as t(badge, name, role, pin_hash)
         on conflict (badge) do nothing",
    )
    .bind(column(operators, |r| r.badge.clone()))
    .bind(column(operators, |r| r.name.clone()))
    .bind(column(operators, |r| r.role.clone()))
    .bind(hashes.to_vec())
    .execute(&mut *tx)
    .await?;
    out.operators = done.rows_affected() as usize;

    // Opening stock: each stock row arrives by one `receive` ledger row of the same quantity, so
    // the ledger sums to on_hand. Expiries are days after the warehouse's today.
    let stock: Vec<StockRow> = parse("stock.csv", files::STOCK)?;
    let received: Option<i64> = sqlx::query_scalar(
        "with input as (
             select l.id as location_id, k.id as sku_id, coalesce(t.lot, '') as lot,
                    t.expiry_days, t.on_hand
               from unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::int[])
                    as t(location_code, sku_code, lot, expiry_days, on_hand)
               join locations l on l.warehouse_id = $1 and l.code = t.location_code
               join skus k on k.code = t.sku_code
         ), today as (
             select (now() at time zone time_zone)::date as d from warehouses where id = $1
         ), stocked as (
             insert into stock (warehouse_id, location_id, sku_id, lot, expiry, on_hand)
             select $1, i.location_id, i.sku_id, i.lot, today.d + i.expiry_days, i.on_hand
               from input i cross join today
             returning location_id, sku_id, lot, on_hand
         ), received as (
             insert into ledger (warehouse_id, kind, sku_id, lot, quantity, to_location_id,
                                 reason, actor_id)
             select $1, 'receive', sku_id, lot, on_hand, location_id,
                    'demo warehouse: opening stock', $7
               from stocked where on_hand > 0
             returning quantity
         )
         select sum(quantity)::bigint from received",
    )
    .bind(wh)
    .bind(column(&stock, |r| r.location_code.clone()))
    .bind(column(&stock, |r| r.sku_code.clone()))
    .bind(column(&stock, |r| r.lot.clone()))
    .bind(column(&stock, |r| r.expiry_days))
    .bind(column(&stock, |r| r.on_hand))
    .bind(actor)
    .fetch_one(&mut *tx)
    .await?;
    out.units_on_hand = received.unwrap_or(0);
    let stock_rows: i64 = sqlx::query_scalar("select count(*) from stock where warehouse_id = $1")
        .bind(wh)
        .fetch_one(&mut *tx)
        .await?;
    out.stock_rows = expect_rows("stock.csv", stock.len(), stock_rows as u64)?;
    let expected_units: i64 = stock.iter().map(|r| i64::from(r.on_hand)).sum();
    if expected_units != out.units_on_hand {
        return Err(Error::Invalid(format!(
            "assets/demo/stock.csv holds {expected_units} units, but {} were received",
            out.units_on_hand
        )));
    }

    // Every demo SKU's position, from stock in bins and reserve (nothing is reserved yet).
    sqlx::query(
        "insert into sku_positions (warehouse_id, sku_id, sellable_on_hand)
         select $1, k.id, coalesce(sum(s.on_hand) filter (where is_sellable_location(l.kind)), 0)
           from skus k
           left join stock s on s.warehouse_id = $1 and s.sku_id = k.id
           left join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
          where k.code = any($2)
          group by k.id",
    )
    .bind(wh)
    .bind(&sku_codes)
    .execute(&mut *tx)
    .await?;

    // Carriers and services are global; the demo's are reused when already on file.
    let carriers: Vec<CarrierRow> = parse("carriers.csv", files::CARRIERS)?;
    sqlx::query(
        "insert into carriers (code, name, scac)
         select * from unnest($1::text[], $2::text[], $3::text[])
         on conflict (code) do nothing",
    )
    .bind(column(&carriers, |r| r.code.clone()))
    .bind(column(&carriers, |r| r.name.clone()))
    .bind(column(&carriers, |r| r.scac.clone()))
    .execute(&mut *tx)
    .await?;
    let services: Vec<CarrierServiceRow> = parse("carrier_services.csv", files::CARRIER_SERVICES)?;
    let done = sqlx::query(
        "insert into carrier_services (carrier_id, code, name, cutoff_local, transit_days)
         select c.id, t.code, t.name, t.cutoff::time, t.transit_days
           from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[])
                as t(carrier_code, code, name, cutoff, transit_days)
           join carriers c on c.code = t.carrier_code
         on conflict (carrier_id, code) do nothing",
    )
    .bind(column(&services, |r| r.carrier_code.clone()))
    .bind(column(&services, |r| r.code.clone()))
    .bind(column(&services, |r| r.name.clone()))
    .bind(column(&services, |r| r.cutoff_local.clone()))
    .bind(column(&services, |r| r.transit_days))
    .execute(&mut *tx)
    .await?;
    out.carrier_services = done.rows_affected() as usize;

    // Channels belong to the demo warehouse: a name already taken is an error, not a reuse.
    let channels: Vec<ChannelRow> = parse("channels.csv", files::CHANNELS)?;
    let done = sqlx::query(
        "insert into channels (name, kind, warehouse_id, allows_partial_shipment, active, settings)
         select t.name, t.kind::channel_kind, $1, t.partial, t.active, t.settings::jsonb
           from unnest($2::text[], $3::text[], $4::bool[], $5::bool[], $6::text[])
                as t(name, kind, partial, active, settings)
         on conflict (name) do nothing",
    )
    .bind(wh)
    .bind(column(&channels, |r| r.name.clone()))
    .bind(column(&channels, |r| r.kind.clone()))
    .bind(column(&channels, |r| r.allows_partial_shipment))
    .bind(column(&channels, |r| r.active))
    .bind(column(&channels, |r| r.settings.clone()))
    .execute(&mut *tx)
    .await?;
    out.channels = expect_rows("channels.csv", channels.len(), done.rows_affected())?;

    let rules: Vec<ShippingRuleRow> = parse("shipping_rules.csv", files::SHIPPING_RULES)?;
    let done = sqlx::query(
        "insert into shipping_rules (channel_id, service_level, carrier_service_id)
         select ch.id, t.service_level, s.id
           from unnest($2::text[], $3::text[], $4::text[], $5::text[])
                as t(channel, service_level, carrier_code, service_code)
           join channels ch on ch.warehouse_id = $1 and ch.name = t.channel
           join carriers c on c.code = t.carrier_code
           join carrier_services s on s.carrier_id = c.id and s.code = t.service_code",
    )
    .bind(wh)
    .bind(column(&rules, |r| r.channel.clone()))
    .bind(column(&rules, |r| r.service_level.clone()))
    .bind(column(&rules, |r| r.carrier_code.clone()))
    .bind(column(&rules, |r| r.service_code.clone()))
    .execute(&mut *tx)
    .await?;
    expect_rows("shipping_rules.csv", rules.len(), done.rows_affected())?;

    let listings: Vec<ListingRow> = parse("channel_listings.csv", files::CHANNEL_LISTINGS)?;
    let done = sqlx::query(
        "insert into channel_listings (channel_id, channel_sku, sku_id, share_pct, cap, buffer,
                                       external_id)
         select ch.id, t.channel_sku, k.id, t.share_pct, t.cap, t.buffer, t.external_id
           from unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[],
                       $8::text[])
                as t(channel, channel_sku, sku_code, share_pct, cap, buffer, external_id)
           join channels ch on ch.warehouse_id = $1 and ch.name = t.channel
           join skus k on k.code = t.sku_code",
    )
    .bind(wh)
    .bind(column(&listings, |r| r.channel.clone()))
    .bind(column(&listings, |r| r.channel_sku.clone()))
    .bind(column(&listings, |r| r.sku_code.clone()))
    .bind(column(&listings, |r| r.share_pct))
    .bind(column(&listings, |r| r.cap))
    .bind(column(&listings, |r| r.buffer))
    .bind(column(&listings, |r| r.external_id.clone()))
    .execute(&mut *tx)
    .await?;
    out.listings = expect_rows("channel_listings.csv", listings.len(), done.rows_affected())?;

    // Orders: times are offsets in hours from now, so the demo is always current. The carrier
    // service comes from the channel's shipping rule for the order's service level.
    let orders: Vec<OrderRow> = parse("orders.csv", files::ORDERS)?;
    let done = sqlx::query(
        "insert into orders (warehouse_id, channel_id, external_id, status, hold_reason,
                             ordered_at, ship_by, service_level, carrier_service_id, priority,
                             ship_to)
         select $1, ch.id, t.external_id, t.status::order_status, t.hold_reason,
                now() + t.ordered_h * interval '1 hour', now() + t.ship_by_h * interval '1 hour',
                t.service_level, r.carrier_service_id, t.priority, t.ship_to::jsonb
           from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::float8[],
                       $7::float8[], $8::text[], $9::int[], $10::text[])
                as t(channel, external_id, status, hold_reason, ordered_h, ship_by_h,
                     service_level, priority, ship_to)
           join channels ch on ch.warehouse_id = $1 and ch.name = t.channel
           left join shipping_rules r on r.channel_id = ch.id and r.service_level = t.service_level",
    )
    .bind(wh)
    .bind(column(&orders, |r| r.channel.clone()))
    .bind(column(&orders, |r| r.external_id.clone()))
    .bind(column(&orders, |r| r.status.clone()))
    .bind(column(&orders, |r| r.hold_reason.clone()))
    .bind(column(&orders, |r| r.ordered_at_offset_h))
    .bind(column(&orders, |r| r.ship_by_offset_h))
    .bind(column(&orders, |r| r.service_level.clone()))
    .bind(column(&orders, |r| r.priority))
    .bind(column(&orders, |r| r.ship_to.clone()))
    .execute(&mut *tx)
    .await?;
    out.orders = expect_rows("orders.csv", orders.len(), done.rows_affected())?;
    // The cutoff each order must make, as intake computes it.
    sqlx::query(
        "update orders o
            set due_at = aisle_due_at(w.time_zone, cs.cutoff_local, o.ship_by, now())
           from warehouses w, carrier_services cs
          where w.id = o.warehouse_id and cs.id = o.carrier_service_id and o.warehouse_id = $1",
    )
    .bind(wh)
    .execute(&mut *tx)
    .await?;

    let lines: Vec<OrderLineRow> = parse("order_lines.csv", files::ORDER_LINES)?;
    let known: HashSet<(&str, &str)> = orders
        .iter()
        .map(|o| (o.channel.as_str(), o.external_id.as_str()))
        .collect();
    if let Some(stray) = lines
        .iter()
        .find(|l| !known.contains(&(l.channel.as_str(), l.external_id.as_str())))
    {
        return Err(Error::Invalid(format!(
            "assets/demo/order_lines.csv: no order {} {} in orders.csv",
            stray.channel, stray.external_id
        )));
    }
    let done = sqlx::query(
        "insert into order_lines (warehouse_id, order_id, line_no, external_line_id, channel_sku,
                                  sku_id, quantity, requires_shipping)
         select $1, o.id, t.line_no, t.external_line_id, t.channel_sku, k.id, t.quantity,
                t.requires_shipping
           from unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[],
                       $8::int[], $9::bool[])
                as t(channel, external_id, line_no, external_line_id, channel_sku, sku_code,
                     quantity, requires_shipping)
           join channels ch on ch.warehouse_id = $1 and ch.name = t.channel
           join orders o on o.warehouse_id = $1 and o.channel_id = ch.id
                        and o.external_id = t.external_id
           left join skus k on k.code = t.sku_code
          where t.sku_code is null or k.id is not null",
    )
    .bind(wh)
    .bind(column(&lines, |r| r.channel.clone()))
    .bind(column(&lines, |r| r.external_id.clone()))
    .bind(column(&lines, |r| r.line_no))
    .bind(column(&lines, |r| r.external_line_id.clone()))
    .bind(column(&lines, |r| r.channel_sku.clone()))
    .bind(column(&lines, |r| r.sku_code.clone()))
    .bind(column(&lines, |r| r.quantity))
    .bind(column(&lines, |r| r.requires_shipping))
    .execute(&mut *tx)
    .await?;
    out.order_lines = expect_rows("order_lines.csv", lines.len(), done.rows_affected())?;

    // Reserve, most urgent first, as intake would have: short lines leave orders backordered,
    // held orders are reserved and stay held. One round trip: a DO block (which takes no
    // parameters, hence the warehouse id as a literal: an integer from the database).
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "do $reserve$
         declare
             r record;
         begin
             for r in select id from orders where warehouse_id = {wh}
                       order by priority desc, ship_by asc nulls last, ordered_at, id
             loop
                 perform aisle_reserve_order({wh}, r.id);
             end loop;
         end $reserve$"
    )))
    .execute(&mut *tx)
    .await?;

    // Every listed SKU's figure for every channel, into the outbox.
    sqlx::query(
        "select count(inv_refresh_channel_figures($1, sku_id))
           from (select distinct l.sku_id from channel_listings l
                   join channels c on c.id = l.channel_id where c.warehouse_id = $1) as listed",
    )
    .bind(wh)
    .execute(&mut *tx)
    .await?;

    let (reserved, backordered, held): (i64, i64, i64) = sqlx::query_as(
        "select count(*) filter (where status = 'reserved'),
                count(*) filter (where status = 'backordered'),
                count(*) filter (where status = 'held')
           from orders where warehouse_id = $1",
    )
    .bind(wh)
    .fetch_one(&mut *tx)
    .await?;
    out.reserved_orders = reserved as usize;
    out.backordered_orders = backordered as usize;
    out.held_orders = held as usize;
    let figures: i64 = sqlx::query_scalar(
        "select count(*) from outbox where warehouse_id = $1 and kind = 'stock'",
    )
    .bind(wh)
    .fetch_one(&mut *tx)
    .await?;
    out.outbox_figures = figures as usize;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses() {
        parse::<WarehouseRow>("warehouse.csv", files::WAREHOUSE).unwrap();
        parse::<AisleRow>("aisles.csv", files::AISLES).unwrap();
        parse::<LocationRow>("locations.csv", files::LOCATIONS).unwrap();
        parse::<SkuRow>("skus.csv", files::SKUS).unwrap();
        parse::<BarcodeRow>("barcodes.csv", files::BARCODES).unwrap();
        parse::<StockRow>("stock.csv", files::STOCK).unwrap();
        parse::<CarrierRow>("carriers.csv", files::CARRIERS).unwrap();
        parse::<CarrierServiceRow>("carrier_services.csv", files::CARRIER_SERVICES).unwrap();
        parse::<ChannelRow>("channels.csv", files::CHANNELS).unwrap();
        parse::<ShippingRuleRow>("shipping_rules.csv", files::SHIPPING_RULES).unwrap();
        parse::<ListingRow>("channel_listings.csv", files::CHANNEL_LISTINGS).unwrap();
        parse::<OperatorRow>("operators.csv", files::OPERATORS).unwrap();
        parse::<OrderRow>("orders.csv", files::ORDERS).unwrap();
        parse::<OrderLineRow>("order_lines.csv", files::ORDER_LINES).unwrap();
        parse::<StationRow>("stations.csv", files::STATIONS).unwrap();
    }

    #[test]
    fn channel_settings_hold_no_secrets() {
        let secret = [
            "token",
            "access_token",
            "secret",
            "client_secret",
            "password",
            "api_key",
            "refresh_token",
            "hmac_secret",
        ];
        for row in parse::<ChannelRow>("channels.csv", files::CHANNELS).unwrap() {
            let settings: serde_json::Value = serde_json::from_str(&row.settings).unwrap();
            let object = settings.as_object().unwrap();
            assert!(object.keys().all(|k| !secret.contains(&k.as_str())));
        }
    }
}
