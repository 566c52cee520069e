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

/// The demo warehouse's ship-from ZIP (Joliet, IL). The foundation keeps no warehouse address:
/// `warehouses` has a name and a time zone, and the rate sheets' zone chart (`assets/rates/`)
/// knows only the origin ZIP3 `604` ("Joliet IL, the demo warehouse"). Until a warehouse address
/// is configured, the demo's full ZIP is this constant; a deployment sets
/// [`Warehouse::ship_from`] itself.
pub const DEMO_SHIP_FROM_ZIP: &str = "60431";
pub const DEMO_SHIP_FROM_CITY: &str = "Joliet";
pub const DEMO_SHIP_FROM_STATE: &str = "IL";

/// The extension digit of every SSCC this warehouse composes (the configuration has none).
pub const SSCC_EXTENSION_DIGIT: u8 = 0;

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

impl Warehouse {
    /// Reads the warehouse's name and GS1 company prefix (one round trip); the ship-from is the
    /// demo's Joliet address under the warehouse's name (see [`DEMO_SHIP_FROM_ZIP`]) and the
    /// carriers the rate-sheet carriers of the embedded sheets. Labels of stations without a
    /// printer or a label directory go to `<data_dir>/labels`.
    pub async fn load(
        pool: &PgPool,
        warehouse_id: i32,
        data_dir: &Path,
    ) -> Result<Warehouse, StationError> {
        let row: Option<(String, String, Option<String>)> =
            sqlx::query_as("select code, name, gs1_company_prefix from warehouses where id = $1")
                .bind(warehouse_id)
                .fetch_optional(pool)
                .await
                .map_err(crate::Error::from)?;
        let Some((code, name, prefix)) = row else {
            return Err(crate::Error::UnknownWarehouse(warehouse_id.to_string()).into());
        };
        let Some(prefix) = prefix else {
            return Err(StationError::NoCompanyPrefix { warehouse: code });
        };
        let sscc = SsccScheme::new(SSCC_EXTENSION_DIGIT, &prefix)?;
        let sheet = Arc::new(RateSheet::demo()?);
        let carriers = RateSheetCarrier::all(Arc::clone(&sheet))
            .into_iter()
            .map(AnyCarrier::from)
            .collect();
        Ok(Warehouse {
            id: warehouse_id,
            ship_from: Address {
                name,
                lines: Vec::new(),
                city: DEMO_SHIP_FROM_CITY.to_owned(),
                state: DEMO_SHIP_FROM_STATE.to_owned(),
                postal_code: DEMO_SHIP_FROM_ZIP.to_owned(),
                country: "US".to_owned(),
            },
            code,
            sscc,
            carriers,
            sheet,
            default_label_dir: data_dir.join("labels"),
        })
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
