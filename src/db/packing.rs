//! Packing at a station: binding a terminal to a station by its barcode, opening an order from
//! its tote or its number, moving units from the tote to the station one scan at a time, and
//! declaring units missing at packing. Each action is one call of a SQL function (migration 14),
//! one round trip and one transaction, and a replay of the same scan id changes nothing.
//! Cartons, labels and shipping are in [`crate::db::shipments`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::operators::Operator;
use crate::domain::role::Permission;
use crate::{Error, Result};

/// The unit a station's scale reports weights in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScaleUnit {
    G,
    Kg,
    Lb,
}

impl ScaleUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            ScaleUnit::G => "g",
            ScaleUnit::Kg => "kg",
            ScaleUnit::Lb => "lb",
        }
    }

    /// Grams in one of this unit.
    pub fn grams(self) -> f64 {
        match self {
            ScaleUnit::G => 1.0,
            ScaleUnit::Kg => 1000.0,
            ScaleUnit::Lb => 453.592_37,
        }
    }
}

impl std::str::FromStr for ScaleUnit {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "g" => Ok(ScaleUnit::G),
            "kg" => Ok(ScaleUnit::Kg),
            "lb" => Ok(ScaleUnit::Lb),
            other => Err(Error::Invalid(format!(
                "scale unit {other:?}: expected g, kg or lb"
            ))),
        }
    }
}

/// A pack station: its location, label printer and scale settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Station {
    /// The station's location id: every packing call names the station by it.
    pub id: i32,
    pub code: String,
    /// Raw TCP printer; `None` writes labels as files into [`Station::label_dir`].
    pub printer_host: Option<String>,
    pub printer_port: u16,
    /// Where label files go without a printer (`None`: the data directory's `labels/`).
    pub label_dir: Option<String>,
    pub scale_unit: ScaleUnit,
    pub tolerance_pct: f64,
    pub tolerance_min_g: i32,
}

impl Station {
    /// The printer's address, when the station has one.
    pub fn printer(&self) -> Option<(&str, u16)> {
        self.printer_host
            .as_deref()
            .map(|host| (host, self.printer_port))
    }

    /// A scale reading (in the station's unit) in whole grams.
    pub fn to_grams(&self, reading: f64) -> Result<i32> {
        let grams = (reading * self.scale_unit.grams()).round();
        if !grams.is_finite() || grams < 1.0 || grams > f64::from(i32::MAX) {
            return Err(Error::Invalid(format!(
                "expected a weight above zero in {}, got {reading}",
                self.scale_unit.as_str()
            )));
        }
        Ok(grams as i32)
    }

    /// How far a carton may weigh from what it should (the same rule as the database's
    /// `pack_weight_within`): the larger of the station's minimum and its percentage.
    pub fn tolerance_g(&self, expected_g: i32) -> f64 {
        f64::from(self.tolerance_min_g).max(f64::from(expected_g) * self.tolerance_pct / 100.0)
    }

    /// True when a carton weighing `measured_g` passes against `expected_g` (items and tare).
    pub fn weight_within(&self, measured_g: i32, expected_g: i32) -> bool {
        f64::from((measured_g - expected_g).abs()) <= self.tolerance_g(expected_g)
    }
}

#[derive(sqlx::FromRow)]
struct StationRow {
    id: Option<i32>,
    code: String,
    kind: String,
    printer_host: Option<String>,
    printer_port: Option<i32>,
    label_dir: Option<String>,
    scale_unit: Option<String>,
    tolerance_pct: Option<f64>,
    tolerance_min_g: Option<i32>,
    active: Option<bool>,
}

/// The station behind a scanned station barcode (its location code), which binds the terminal
/// to its printer and scale.
pub async fn station(pool: &PgPool, warehouse_id: i32, code: &str) -> Result<Station> {
    let row: Option<StationRow> = sqlx::query_as(
        "select s.location_id as id, l.code, l.kind::text as kind, s.printer_host, s.printer_port,
                s.label_dir, s.scale_unit, s.tolerance_pct, s.tolerance_min_g, s.active
           from locations l
           left join pack_stations s on s.warehouse_id = l.warehouse_id and s.location_id = l.id
          where l.warehouse_id = $1 and l.code = upper(btrim($2))",
    )
    .bind(warehouse_id)
    .bind(code)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Err(Error::UnknownLocation(code.trim().to_string()));
    };
    let (Some(id), Some(unit)) = (row.id, row.scale_unit.as_deref()) else {
        return Err(Error::Invalid(format!(
            "{} is a {}, not a pack station: scan the station's barcode",
            row.code,
            if row.kind == "pack_station" {
                "pack station without settings"
            } else {
                row.kind.as_str()
            }
        )));
    };
    if row.active == Some(false) {
        return Err(Error::Invalid(format!(
            "pack station {} is inactive",
            row.code
        )));
    }
    Ok(Station {
        id,
        printer_host: row.printer_host,
        printer_port: row
            .printer_port
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(9100),
        label_dir: row.label_dir,
        scale_unit: unit.parse()?,
        tolerance_pct: row.tolerance_pct.unwrap_or(5.0),
        tolerance_min_g: row.tolerance_min_g.unwrap_or(50),
        code: row.code,
    })
}

/// An order opened at a station.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackOrder {
    pub order_id: i64,
    pub external_id: String,
    /// The human reference (Shopify `#1001`), else the external id.
    pub reference: String,
    pub status: String,
    pub channel: String,
    /// shopify, amazon, edi or manual.
    pub channel_kind: String,
    pub allows_partial_shipment: bool,
    pub ship_to: Option<serde_json::Value>,
    pub ship_by: Option<DateTime<Utc>>,
    pub service_level: Option<String>,
    pub carrier_service: Option<CarrierServiceRef>,
    /// The totes holding its picked units.
    pub totes: Vec<ToteRef>,
    /// Shipping lines with units still to ship.
    pub lines: Vec<PackLine>,
    /// Labelled, unshipped cartons of the order at this station.
    pub cartons: Vec<OpenCarton>,
}

impl PackOrder {
    /// True when every unit expected is packed at this station.
    pub fn fully_packed(&self) -> bool {
        self.lines.iter().all(|l| l.packed >= l.expected)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierServiceRef {
    pub id: i32,
    /// Carrier code, e.g. UPS.
    pub carrier: String,
    /// Service code, e.g. GND.
    pub service: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToteRef {
    pub id: i32,
    pub code: String,
}

/// One shipping line as the packer verifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackLine {
    pub order_line_id: i64,
    pub line_no: i32,
    pub external_line_id: Option<String>,
    pub sku_id: i32,
    pub sku_code: String,
    pub sku_name: String,
    pub unit_weight_g: i32,
    pub length_mm: i32,
    pub width_mm: i32,
    pub height_mm: i32,
    pub barcodes: Vec<LineBarcode>,
    /// Lots of the SKU in the order's totes (empty for SKUs without lots).
    pub lots: Vec<String>,
    /// Units to pack: picked and not shipped.
    pub expected: i32,
    /// Units packed at this station and not shipped.
    pub packed: i32,
    /// Of those, units in labelled cartons.
    pub in_cartons: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineBarcode {
    /// Normalised to 14 digits.
    pub gtin: String,
    /// Eaches one scan counts.
    pub units: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenCarton {
    pub id: i64,
    pub sscc: String,
    pub carton_code: String,
    pub weight_g: i32,
    pub tracking_number: Option<String>,
    /// The service its label was made for (carrier and service codes), when recorded.
    #[serde(default)]
    pub service: Option<ServiceCodes>,
    /// Recorded, but its label never printed: print it (or void it) before shipping.
    #[serde(default)]
    pub print_pending: bool,
    /// "Carton k of n": k, as its label says (when recorded).
    #[serde(default)]
    pub number: Option<u32>,
}

/// A carrier service by its codes, e.g. UPS and GND.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceCodes {
    pub carrier: String,
    pub service: String,
}

/// The order behind a scanned tote code or a typed order number (reference or external id),
/// with what the station expects of it. An order not picked is refused with its status.
pub async fn open_order(
    pool: &PgPool,
    warehouse_id: i32,
    station_id: i32,
    tote_or_order: &str,
) -> Result<PackOrder> {
    let doc: serde_json::Value = sqlx::query_scalar("select aisle_pack_open_order($1, $2, $3)")
        .bind(warehouse_id)
        .bind(station_id)
        .bind(tote_or_order)
        .fetch_one(pool)
        .await?;
    let mut order: PackOrder = serde_json::from_value(doc)
        .map_err(|e| Error::Invalid(format!("the order opened at the station: {e}")))?;
    if !order.cartons.is_empty() {
        carton_labels(pool, warehouse_id, &mut order.cartons).await?;
    }
    Ok(order)
}

#[derive(sqlx::FromRow)]
struct CartonLabelRow {
    id: i64,
    carrier: Option<String>,
    service: Option<String>,
    print_pending: bool,
    carton_number: Option<i32>,
}

/// What the labels of cartons already made say (migration 17): their service, and whether
/// the printer ever took them.
async fn carton_labels(pool: &PgPool, warehouse_id: i32, cartons: &mut [OpenCarton]) -> Result<()> {
    let ids: Vec<i64> = cartons.iter().map(|c| c.id).collect();
    let rows: Vec<CartonLabelRow> = sqlx::query_as(
        "select c.id, ca.code as carrier, cs.code as service, c.print_pending,
                c.carton_number
           from cartons c
           left join carrier_services cs on cs.id = c.carrier_service_id
           left join carriers ca on ca.id = cs.carrier_id
          where c.warehouse_id = $1 and c.id = any($2)",
    )
    .bind(warehouse_id)
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    for row in rows {
        if let Some(carton) = cartons.iter_mut().find(|c| c.id == row.id) {
            carton.print_pending = row.print_pending;
            carton.number = row.carton_number.and_then(|n| u32::try_from(n).ok());
            carton.service = row
                .carrier
                .zip(row.service)
                .map(|(carrier, service)| ServiceCodes { carrier, service });
        }
    }
    Ok(())
}

/// A scan of units at a station: the screen has matched the item to a line (wrong items never
/// reach the database); `scan_id` (UUIDv7, made by the terminal) makes a retry harmless.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackScan {
    pub order_line_id: i64,
    /// Eaches: the barcode's units times the count keyed.
    pub quantity: i32,
    /// The lot scanned (GS1 AI 10), when the item carries one; else the earliest to expire.
    pub lot: Option<String>,
    pub scan_id: Uuid,
    pub terminal: String,
    pub raw: String,
}

/// A line after a pack scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PackProgress {
    pub order_line_id: i64,
    pub expected: i32,
    /// Packed at this station, not shipped.
    pub packed: i32,
    /// picked, or packed once every unit still to ship is packed.
    pub order_status: String,
}

/// Moves the scanned units from the order's tote to the station. Refuses an over-scan
/// ([`Error::Invalid`], saying how many units were expected) and an order that is not picked.
pub async fn pack_unit(
    pool: &PgPool,
    warehouse_id: i32,
    station_id: i32,
    packer: &Operator,
    scan: &PackScan,
) -> Result<PackProgress> {
    packer.role.require(Permission::Pack)?;
    Ok(
        sqlx::query_as("select * from aisle_pack_unit($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(warehouse_id)
            .bind(station_id)
            .bind(scan.order_line_id)
            .bind(scan.quantity)
            .bind(packer.id)
            .bind(scan.scan_id)
            .bind(&scan.terminal)
            .bind(&scan.raw)
            .bind(scan.lot.as_deref())
            .fetch_one(pool)
            .await?,
    )
}

/// Units of a line the tote should hold but does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackShort {
    pub order_line_id: i64,
    /// From 1 to the units picked and not yet packed.
    pub missing: i32,
    pub lot: Option<String>,
    pub scan_id: Uuid,
    pub terminal: String,
    pub raw: String,
}

/// What a short at packing did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PackShortOutcome {
    pub order_line_id: i64,
    /// The line's picked quantity afterwards.
    pub picked_qty: i32,
    /// Missing units re-reserved from sellable stock.
    pub reserved_qty: i32,
    /// Missing units no stock could cover.
    pub backordered_qty: i32,
    pub order_status: String,
    pub exception_id: Option<i64>,
}

/// Declares units missing from the tote: its stock is counted down (ledger `count`), the line's
/// picked quantity goes down, the units go back to the queue (re-reserved where sellable stock
/// allows, else backordered) and the supervisor sees an exception.
pub async fn pack_short(
    pool: &PgPool,
    warehouse_id: i32,
    station_id: i32,
    packer: &Operator,
    short: &PackShort,
) -> Result<PackShortOutcome> {
    packer.role.require(Permission::Pack)?;
    Ok(
        sqlx::query_as("select * from aisle_pack_short($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(warehouse_id)
            .bind(station_id)
            .bind(short.order_line_id)
            .bind(short.missing)
            .bind(packer.id)
            .bind(short.scan_id)
            .bind(&short.terminal)
            .bind(&short.raw)
            .bind(short.lot.as_deref())
            .fetch_one(pool)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn station(unit: ScaleUnit) -> Station {
        Station {
            id: 1,
            code: "PACK-01".into(),
            printer_host: None,
            printer_port: 9100,
            label_dir: None,
            scale_unit: unit,
            tolerance_pct: 5.0,
            tolerance_min_g: 50,
        }
    }

    #[test]
    fn readings_become_grams() {
        assert_eq!(station(ScaleUnit::G).to_grams(1234.4).unwrap(), 1234);
        assert_eq!(station(ScaleUnit::Kg).to_grams(1.2345).unwrap(), 1235);
        assert_eq!(station(ScaleUnit::Lb).to_grams(2.0).unwrap(), 907);
        assert!(station(ScaleUnit::G).to_grams(0.0).is_err());
        assert!(station(ScaleUnit::G).to_grams(f64::NAN).is_err());
    }

    #[test]
    fn tolerance_is_the_larger_of_minimum_and_percentage() {
        let s = station(ScaleUnit::G);
        assert!(s.weight_within(550, 500));
        assert!(!s.weight_within(551, 500));
        assert!(s.weight_within(2100, 2000));
        assert!(!s.weight_within(2101, 2000));
        assert!(s.weight_within(1900, 2000));
    }
}
