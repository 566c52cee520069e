//! Labelling one weighed carton: the next SSCC serial, the SSCC composed under the warehouse's
//! company prefix, a tracking number from the chosen carrier, the ZPL (ship-from the warehouse,
//! ship-to the order's address, carton k of n), the carton recorded with its label
//! (`shipments::add_carton`, which refuses a weight out of tolerance), then the label sent to the
//! station's printer or label directory.
//!
//! **Never a lost label.** The carton and its ZPL are recorded before printing, so a printer that
//! is down returns [`StationError::PrinterDown`] with the carton id and the label itself: the
//! caller retries with `labels::print(&sink, &source.label)` (no database call; it is the first
//! print, not a reprint), or, after a restart, [`reprint_carton`] by carton id (counted as a
//! reprint). A replay of the same scan id prints the label recorded the first time, with no new
//! serial or tracking number.

use sqlx::PgPool;
use uuid::Uuid;

use super::{StationError, Warehouse, carton_lines};
use crate::carriers::{Carrier, LabelRequest, Quote};
use crate::db::operators::Operator;
use crate::db::packing::{PackOrder, Station};
use crate::db::shipments::{self, NewCarton};
use crate::domain::cartonization::CartonPlan;
use crate::labels::{
    Address, CartonLabel, LabelSink, Printed, ShippingLabel, SsccScheme, build_label, parse_fields,
    print,
};

/// A carton to label: the carton used, what it holds and what it should weigh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartonToLabel {
    /// The carton used (catalogue code), and the one suggested when the packer overrode it.
    pub carton_code: String,
    pub suggested_code: Option<String>,
    /// (order line id, units) in this carton.
    pub lines: Vec<(i64, i32)>,
    /// Items plus tare.
    pub expected_weight_g: i32,
    /// Carton `number` of `count` of the order, printed on the label.
    pub number: u32,
    pub count: u32,
}

impl CartonToLabel {
    /// The suggested cartons of an order (plans from [`super::suggest_cartons`] of the same
    /// order), numbered with the numbers no carton already labelled at the station has (a
    /// voided carton's number is free again).
    pub fn from_plans(order: &PackOrder, plans: &[CartonPlan]) -> Vec<CartonToLabel> {
        let done = u32::try_from(order.cartons.len()).unwrap_or(0);
        let count = done + u32::try_from(plans.len()).unwrap_or(0);
        let taken: Vec<u32> = order.cartons.iter().filter_map(|c| c.number).collect();
        // Cartons recorded before numbers were kept count as taking the lowest numbers.
        let unknown = order.cartons.iter().filter(|c| c.number.is_none()).count();
        let free = (1..).filter(|k| !taken.contains(k)).skip(unknown);
        free.zip(plans)
            .map(|(k, plan)| CartonToLabel {
                carton_code: plan.carton.code.clone(),
                suggested_code: Some(plan.carton.code.clone()),
                lines: carton_lines(order, plan),
                expected_weight_g: i32::try_from(plan.gross_weight_g).unwrap_or(i32::MAX),
                number: k,
                count,
            })
            .collect()
    }
}

/// A carton on the scale, as the terminal reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeighedCarton {
    pub carton: CartonToLabel,
    /// The scale's reading in grams (`Station::to_grams`).
    pub measured_weight_g: i32,
    /// Made by the terminal (UUIDv7): a retry of the same carton is harmless.
    pub scan_id: Uuid,
    pub terminal: String,
}

/// A labelled carton, recorded and printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledCarton {
    pub carton_id: i64,
    pub sscc: String,
    pub tracking_number: Option<String>,
    pub label: CartonLabel,
    pub printed: Printed,
    /// The scan id had labelled this carton before: the recorded label was printed again.
    pub replayed: bool,
}

/// Where the station's labels go: its printer (raw TCP) when it has one, else its label
/// directory, else the warehouse's default (`<data dir>/labels`).
pub fn label_sink(station: &Station, warehouse: &Warehouse) -> LabelSink {
    match station.printer() {
        Some((host, port)) => LabelSink::Tcp {
            host: host.to_owned(),
            port,
        },
        None => LabelSink::Directory(
            station
                .label_dir
                .as_deref()
                .map(Into::into)
                .unwrap_or_else(|| warehouse.default_label_dir.clone()),
        ),
    }
}

/// Labels a weighed carton and prints it (see the module documentation). Refused before any
/// serial or tracking number is taken when the weight is out of the station's tolerance; the
/// database checks it again, with the lines, when recording the carton.
pub async fn label_carton(
    pool: &PgPool,
    warehouse: &Warehouse,
    station: &Station,
    order: &PackOrder,
    weighed: &WeighedCarton,
    chosen: &Quote,
    packer: &Operator,
) -> Result<LabelledCarton, StationError> {
    let carton = &weighed.carton;
    let sink = label_sink(station, warehouse);
    if let Some(done) = recorded(pool, warehouse.id, weighed.scan_id).await? {
        tracing::info!(carton = done.carton_id, terminal = %weighed.terminal, "carton label replayed");
        return print_recorded(pool, warehouse.id, &sink, done, true).await;
    }
    check_carton(station, weighed)?;

    let serial = shipments::next_sscc_serial(pool, warehouse.id).await?;
    // The database's prefix is the one it checks the SSCC against.
    let scheme = SsccScheme::new(warehouse.sscc.extension_digit(), &serial.company_prefix)?;
    let sscc = scheme.compose(u64::try_from(serial.serial).unwrap_or(0))?;
    let to_zip = super::rate_choice::ship_to_zip(order)?;
    let carrier = warehouse
        .carriers
        .iter()
        .find(|c| c.code().eq_ignore_ascii_case(&chosen.carrier))
        .ok_or_else(|| StationError::UnknownCarrier {
            carrier: chosen.carrier.clone(),
        })?;
    let weight_g = u32::try_from(weighed.measured_weight_g).unwrap_or(0);
    let tracking = carrier
        .label(&LabelRequest {
            service: chosen.service.clone(),
            sscc: sscc.clone(),
            sequence: u64::try_from(serial.serial).unwrap_or(0),
            reference: order.reference.clone(),
            to_zip,
            weight_g,
        })
        .await?;
    let label = build_label(&ShippingLabel {
        ship_from: warehouse.ship_from.clone(),
        ship_to: ship_to_address(order)?,
        carrier: chosen.carrier.clone(),
        service: chosen.service_name.clone(),
        tracking_number: tracking.as_str().to_owned(),
        order_reference: order.reference.clone(),
        carton_number: carton.number,
        carton_count: carton.count,
        weight_g,
        sscc: sscc.clone(),
        company_prefix: Some(scheme.company_prefix().clone()),
    })?;
    let carrier_service_id = super::rate_choice::carrier_service_id(pool, chosen).await?;
    let carton_id = shipments::add_carton(
        pool,
        warehouse.id,
        station.id,
        packer,
        &NewCarton {
            order_id: order.order_id,
            sscc: sscc.as_str().to_owned(),
            carton_code: carton.carton_code.clone(),
            suggested_code: carton.suggested_code.clone(),
            lines: carton.lines.clone(),
            weight_g: weighed.measured_weight_g,
            expected_weight_g: carton.expected_weight_g,
            tracking_number: Some(tracking.as_str().to_owned()),
            zpl: label.zpl.clone(),
            scan_id: weighed.scan_id,
            carrier_service_id,
            carton_number: i32::try_from(carton.number).ok(),
        },
    )
    .await?;
    tracing::info!(
        carton = carton_id, %sscc, tracking = %tracking, terminal = %weighed.terminal, "carton labelled"
    );
    print_recorded(
        pool,
        warehouse.id,
        &sink,
        Recorded {
            carton_id,
            tracking_number: Some(tracking.as_str().to_owned()),
            label,
        },
        false,
    )
    .await
}

/// Prints a recorded carton's label again (counted as a reprint; a voided label is refused)
/// to `sink`. The retry after [`StationError::PrinterDown`] once the carton id is all the
/// caller kept.
pub async fn reprint_carton(
    pool: &PgPool,
    warehouse_id: i32,
    sink: &LabelSink,
    carton_id: i64,
    packer: &Operator,
) -> Result<Printed, StationError> {
    let zpl = shipments::reprint(pool, warehouse_id, carton_id, packer).await?;
    let label = stored_label(carton_id, zpl)?;
    let printed = print(sink, &label)
        .await
        .map_err(|source| StationError::PrinterDown {
            carton_id,
            sscc: label.sscc.as_str().to_owned(),
            source: Box::new(source),
        })?;
    shipments::set_print_pending(pool, warehouse_id, carton_id, false).await?;
    Ok(printed)
}

/// A carton already recorded, with its label.
struct Recorded {
    carton_id: i64,
    tracking_number: Option<String>,
    label: CartonLabel,
}

async fn print_recorded(
    pool: &PgPool,
    warehouse_id: i32,
    sink: &LabelSink,
    done: Recorded,
    replayed: bool,
) -> Result<LabelledCarton, StationError> {
    let result = print(sink, &done.label).await;
    // Shipping refuses a carton whose label never printed; a replay that prints clears it.
    let pending = result.is_err();
    if (pending || replayed)
        && let Err(error) =
            shipments::set_print_pending(pool, warehouse_id, done.carton_id, pending).await
    {
        tracing::warn!(%error, carton = done.carton_id, pending, "label print state not recorded");
    }
    match result {
        Ok(printed) => Ok(LabelledCarton {
            carton_id: done.carton_id,
            sscc: done.label.sscc.as_str().to_owned(),
            tracking_number: done.tracking_number,
            label: done.label,
            printed,
            replayed,
        }),
        Err(source) => Err(StationError::PrinterDown {
            carton_id: done.carton_id,
            sscc: done.label.sscc.as_str().to_owned(),
            source: Box::new(source),
        }),
    }
}

/// The carton this scan id recorded before, if any.
async fn recorded(
    pool: &PgPool,
    warehouse_id: i32,
    scan_id: Uuid,
) -> Result<Option<Recorded>, StationError> {
    let row: Option<(i64, Option<String>, String)> = sqlx::query_as(
        "select id, tracking_number, zpl from cartons where warehouse_id = $1 and scan_id = $2",
    )
    .bind(warehouse_id)
    .bind(scan_id)
    .fetch_optional(pool)
    .await
    .map_err(crate::Error::from)?;
    row.map(|(carton_id, tracking_number, zpl)| {
        Ok(Recorded {
            carton_id,
            tracking_number,
            label: stored_label(carton_id, zpl)?,
        })
    })
    .transpose()
}

/// A recorded ZPL as a label, its SSCC read from its GS1-128 barcode.
fn stored_label(carton_id: i64, zpl: String) -> Result<CartonLabel, StationError> {
    let sscc = parse_fields(&zpl)
        .and_then(|parsed| parsed.sscc())
        .map_err(|e| StationError::StoredLabel {
            carton_id,
            reason: e.to_string(),
        })?;
    Ok(CartonLabel { sscc, zpl })
}

/// What the station can refuse before taking a serial: an empty carton, a weight out of
/// tolerance (the same rule as the database's).
fn check_carton(station: &Station, weighed: &WeighedCarton) -> Result<(), StationError> {
    let carton = &weighed.carton;
    let refuse = |reason: String| StationError::Carton {
        carton: carton.carton_code.clone(),
        reason,
    };
    if carton.lines.is_empty() || carton.lines.iter().any(|(_, q)| *q < 1) {
        return Err(refuse(
            "expected at least one order line with units in it".into(),
        ));
    }
    if weighed.measured_weight_g < 1 || carton.expected_weight_g < 1 {
        return Err(refuse(
            "expected its measured and expected weights above 0 g".into(),
        ));
    }
    if !station.weight_within(weighed.measured_weight_g, carton.expected_weight_g) {
        return Err(refuse(format!(
            "the carton weighs {} g, expected {} g (tolerance {} g): check its contents",
            weighed.measured_weight_g,
            carton.expected_weight_g,
            station.tolerance_g(carton.expected_weight_g).round()
        )));
    }
    Ok(())
}

/// The order's ship-to as printed, from its `ship_to` JSON (`name`, `company`, `address1`,
/// `address2`, `city`, `province`, `zip`, `country`, as intake stores it).
pub fn ship_to_address(order: &PackOrder) -> Result<Address, StationError> {
    let missing = |what, expected| StationError::ShipTo {
        order: order.reference.clone(),
        what,
        expected,
    };
    let to = order
        .ship_to
        .as_ref()
        .ok_or_else(|| missing("address", "the order's ship-to address"))?;
    let field = |key: &str| {
        to.get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let name = field("name");
    let company = field("company");
    let mut lines = Vec::new();
    if name.is_some()
        && let Some(company) = &company
    {
        lines.push(company.clone());
    }
    lines.extend(field("address1"));
    lines.extend(field("address2"));
    Ok(Address {
        name: name
            .or(company)
            .ok_or_else(|| missing("name", "the recipient's name"))?,
        lines,
        city: field("city").ok_or_else(|| missing("city", "a city"))?,
        state: field("province").unwrap_or_default(),
        postal_code: field("zip")
            .or_else(|| field("postal_code"))
            .ok_or_else(|| missing("ZIP", "a ZIP code"))?,
        country: field("country").unwrap_or_else(|| "US".to_owned()),
    })
}
