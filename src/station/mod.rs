//! The pack station's I/O orchestration, as a screen calls it: choose the carrier service for an
//! order's cartons ([`rate_choice`]), then label each weighed carton and print it
//! ([`label_carton`]). The rules themselves stay pure (`domain::cartonization`,
//! `domain::rate_shop`, `labels::sscc`, `labels::zpl`); the SQL stays in `db::packing` and
//! `db::shipments`; this module only sequences the calls, at the edge.
//!
//! This file holds what both steps share: the warehouse as a shipper ([`Warehouse`]: its ship-from
//! address, SSCC numbering, carriers and default label directory), the order's units as
//! cartonization items and back ([`order_items`], [`carton_lines`]), and [`StationError`].

pub mod label_carton;
pub mod rate_choice;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sqlx::PgPool;

use crate::carriers::{AnyCarrier, CarrierError, RateSheetCarrier};
use crate::db::packing::PackOrder;
use crate::domain::cartonization::{self, CartonCatalogue, CartonPlan, Dims, FitError, ItemLine};
use crate::domain::rate_shop::{RateError, RateSheet};
use crate::labels::{Address, LabelError, PrinterError, SsccError, SsccScheme};

/// The warehouse as a shipper: what every label and rate shop at its stations needs.
#[derive(Debug, Clone)]
pub struct Warehouse {
    pub id: i32,
    pub code: String,
    /// Printed as the label's ship-from; its ZIP is the rate shop's origin.
    pub ship_from: Address,
    /// Extension digit and the warehouse's GS1 company prefix.
    pub sscc: SsccScheme,
    /// The carriers quoted and asked for tracking numbers.
    pub carriers: Vec<AnyCarrier>,
    /// The rate sheet, for the level of a service named by the channel's shipping rule.
    pub sheet: Arc<RateSheet>,
    /// Where a station with neither a printer nor a `label_dir` writes its labels
    /// (`<data dir>/labels`).
    pub default_label_dir: PathBuf,
}

/// The warehouse's row as [`Warehouse::load`] reads it.
#[derive(sqlx::FromRow)]
struct WarehouseRow {
    code: String,
    name: String,
    gs1_company_prefix: Option<String>,
    sscc_extension_digit: i16,
    ship_from_name: Option<String>,
    ship_from_address1: Option<String>,
    ship_from_address2: Option<String>,
    ship_from_city: Option<String>,
    ship_from_state: Option<String>,
    ship_from_zip: Option<String>,
    ship_from_country: Option<String>,
}

impl Warehouse {
    /// Reads the warehouse as a shipper in one round trip: its GS1 company prefix and SSCC
    /// extension digit, and its ship-from address (`warehouses.ship_from_*`, migration 15; the
    /// name falls back to the warehouse's name, the country to `US`). A warehouse without a
    /// company prefix, or without a ship-from ZIP or city, is refused with what to set. The
    /// carriers are the rate-sheet carriers of the embedded sheets. Labels of stations without a
    /// printer or a label directory go to `<data_dir>/labels`.
    pub async fn load(
        pool: &PgPool,
        warehouse_id: i32,
        data_dir: &Path,
    ) -> Result<Warehouse, StationError> {
        let row: Option<WarehouseRow> = sqlx::query_as(
            "select code, name, gs1_company_prefix, sscc_extension_digit, ship_from_name,
                    ship_from_address1, ship_from_address2, ship_from_city, ship_from_state,
                    ship_from_zip, ship_from_country
               from warehouses where id = $1",
        )
        .bind(warehouse_id)
        .fetch_optional(pool)
        .await
        .map_err(crate::Error::from)?;
        let Some(row) = row else {
            return Err(crate::Error::UnknownWarehouse(warehouse_id.to_string()).into());
        };
        let Some(prefix) = row.gs1_company_prefix else {
            return Err(StationError::NoCompanyPrefix {
                warehouse: row.code,
            });
        };
        let (Some(postal_code), Some(city)) = (set(row.ship_from_zip), set(row.ship_from_city))
        else {
            return Err(StationError::NoShipFrom {
                warehouse: row.code,
            });
        };
        // The column is checked to 0..=9; anything else is refused by the scheme.
        let extension_digit = u8::try_from(row.sscc_extension_digit).unwrap_or(u8::MAX);
        let sscc = SsccScheme::new(extension_digit, &prefix)?;
        let sheet = Arc::new(RateSheet::demo()?);
        let carriers = RateSheetCarrier::all(Arc::clone(&sheet))
            .into_iter()
            .map(AnyCarrier::from)
            .collect();
        Ok(Warehouse {
            id: warehouse_id,
            ship_from: Address {
                name: set(row.ship_from_name).unwrap_or(row.name),
                lines: [row.ship_from_address1, row.ship_from_address2]
                    .into_iter()
                    .filter_map(set)
                    .collect(),
                city,
                state: set(row.ship_from_state).unwrap_or_default(),
                postal_code,
                country: set(row.ship_from_country).unwrap_or_else(|| "US".to_owned()),
            },
            code: row.code,
            sscc,
            carriers,
            sheet,
            default_label_dir: data_dir.join("labels"),
        })
    }
}

/// A configured text setting, trimmed; blank counts as not set.
fn set(value: Option<String>) -> Option<String> {
    let value = value?;
    let trimmed = value.trim();
    if trimmed.is_empty() {
        None
    } else {
        Some(trimmed.to_owned())
    }
}

/// The units of the order at the station not yet in a carton, as cartonization items: one item
/// per line of `order.lines`, in the same order (lines with nothing left have quantity 0, which
/// cartonization leaves out), so a [`CartonPlan`]'s `PackedUnits::line` indexes `order.lines`.
pub fn order_items(order: &PackOrder) -> Vec<ItemLine> {
    order
        .lines
        .iter()
        .map(|line| ItemLine {
            sku: line.sku_code.clone(),
            dims: Dims::new(
                u32::try_from(line.length_mm).unwrap_or(0),
                u32::try_from(line.width_mm).unwrap_or(0),
                u32::try_from(line.height_mm).unwrap_or(0),
            ),
            unit_weight_g: u32::try_from(line.unit_weight_g).unwrap_or(0),
            quantity: u32::try_from(line.packed - line.in_cartons).unwrap_or(0),
        })
        .collect()
}

/// The cartons suggested for the order's packed units not yet in a carton.
pub fn suggest_cartons(
    order: &PackOrder,
    catalogue: &CartonCatalogue,
) -> Result<Vec<CartonPlan>, FitError> {
    cartonization::suggest(&order_items(order), catalogue)
}

/// A plan's contents as (order line id, units), for `shipments::add_carton`. The plan must come
/// from [`order_items`] of the same order.
pub fn carton_lines(order: &PackOrder, plan: &CartonPlan) -> Vec<(i64, i32)> {
    let mut lines: Vec<(i64, i32)> = Vec::new();
    for units in &plan.contents {
        let Some(line) = order.lines.get(units.line) else {
            continue;
        };
        let quantity = i32::try_from(units.quantity).unwrap_or(i32::MAX);
        match lines.iter_mut().find(|(id, _)| *id == line.order_line_id) {
            Some((_, q)) => *q = q.saturating_add(quantity),
            None if quantity > 0 => lines.push((line.order_line_id, quantity)),
            None => {}
        }
    }
    lines
}

/// What stops the station, each saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum StationError {
    /// The database refused or failed (weight out of tolerance, SSCC reused, …): its message.
    #[error(transparent)]
    Db(#[from] crate::Error),
    #[error("warehouse {warehouse} has no GS1 company prefix: set warehouses.gs1_company_prefix")]
    NoCompanyPrefix { warehouse: String },
    #[error(
        "warehouse {warehouse} has no ship-from address for its labels and rates: \
         set warehouses.ship_from_zip and ship_from_city"
    )]
    NoShipFrom { warehouse: String },
    #[error(transparent)]
    Sscc(#[from] SsccError),
    #[error("rate sheet: {0}")]
    Rates(#[from] RateError),
    #[error(transparent)]
    Carrier(#[from] CarrierError),
    #[error("carrier {carrier} is not one of this warehouse's carriers: choose another service")]
    UnknownCarrier { carrier: String },
    #[error("no carrier service can take this shipment: {reasons}")]
    NoService { reasons: String },
    #[error("order {order} has no ship-to {what}: expected {expected}")]
    ShipTo {
        order: String,
        what: &'static str,
        expected: &'static str,
    },
    #[error("label: {0}")]
    Label(#[from] LabelError),
    #[error("carton {carton} to label: {reason}")]
    Carton { carton: String, reason: String },
    /// The carton **is recorded** (with its label) but the label did not print. Retry with
    /// `labels::print(sink, &source.label)` (the label is in `source`, unchanged), or after a restart
    /// with [`label_carton::reprint_carton`] by `carton_id`.
    #[error("carton {sscc} is recorded (carton {carton_id}) but its label did not print: {source}")]
    PrinterDown {
        carton_id: i64,
        sscc: String,
        #[source]
        source: Box<PrinterError>,
    },
    #[error("the stored label of carton {carton_id} does not read: {reason}")]
    StoredLabel { carton_id: i64, reason: String },
}
