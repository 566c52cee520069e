//! Choosing the carrier service for an order's cartons: the shipment (ship-from ZIP, the order's
//! ship-to ZIP, one package per carton at its expected gross weight), the promise (the order's
//! ship-by and the channel's service level, in the warehouse's local time) and a rate shop over
//! the warehouse's carriers (`carriers::shop`, which chooses with `rate_shop::choose`).
//!
//! One round trip: the warehouse's local "now" and the ship-by's local date, converted in SQL
//! with the warehouse's time zone (so daylight saving is right on both dates).

use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sqlx::PgPool;

use super::{StationError, Warehouse};
use crate::carriers::{self, CarrierError, Package, Quote, ShipmentRequest};
use crate::db::packing::PackOrder;
use crate::domain::cartonization::CartonPlan;
use crate::domain::rate_shop::{Promise, ServiceLevel, ShopResult, Unquoted};

/// How long each carrier has to quote.
pub const QUOTE_TIMEOUT: Duration = Duration::from_secs(5);

/// Rates the order's cartons (one package per plan, billed at its expected gross weight: items
/// plus tare) from the warehouse's ship-from ZIP to the order's ship-to ZIP, against the order's
/// ship-by and the channel's promised level, over every carrier of the warehouse; returns the
/// choice and the alternatives. A carrier that cannot answer is listed in `unavailable` (service
/// `*`) with its error; when no service at all could be quoted, that is an error saying why.
pub async fn choose_service(
    pool: &PgPool,
    warehouse: &Warehouse,
    order: &PackOrder,
    plans: &[CartonPlan],
    now: DateTime<Utc>,
) -> Result<ShopResult, StationError> {
    let shipment = shipment_request(warehouse, order, plans)?;
    let promise = promise(pool, warehouse, order, now).await?;
    let shop = carriers::shop(&warehouse.carriers, &shipment, &promise, QUOTE_TIMEOUT).await;
    let mut result = shop.result;
    if result.chosen.is_none() {
        let reasons: Vec<String> = shop
            .failures
            .iter()
            .map(ToString::to_string)
            .chain(
                result
                    .unavailable
                    .iter()
                    .map(|u| format!("{} {}: {}", u.carrier, u.service, u.reason)),
            )
            .collect();
        return Err(StationError::NoService {
            reasons: if reasons.is_empty() {
                "no carrier quoted".to_owned()
            } else {
                reasons.join("; ")
            },
        });
    }
    result
        .unavailable
        .extend(shop.failures.into_iter().map(|failure| Unquoted {
            carrier: failing_carrier(&failure).to_owned(),
            service: "*".to_owned(),
            reason: failure.to_string(),
        }));
    Ok(result)
}

/// The shipment to rate: ship-from ZIP, the order's ship-to ZIP, a package per carton plan.
pub fn shipment_request(
    warehouse: &Warehouse,
    order: &PackOrder,
    plans: &[CartonPlan],
) -> Result<ShipmentRequest, StationError> {
    Ok(ShipmentRequest {
        from_zip: warehouse.ship_from.postal_code.clone(),
        to_zip: ship_to_zip(order)?,
        packages: plans
            .iter()
            .map(|plan| Package {
                billable_weight_g: plan.gross_weight_g,
            })
            .collect(),
    })
}

/// The order's ship-to ZIP (`ship_to.zip`, as intake stores it).
pub fn ship_to_zip(order: &PackOrder) -> Result<String, StationError> {
    order
        .ship_to
        .as_ref()
        .and_then(|to| to.get("zip").or_else(|| to.get("postal_code")))
        .and_then(|zip| zip.as_str())
        .map(str::trim)
        .filter(|zip| !zip.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| StationError::ShipTo {
            order: order.reference.clone(),
            what: "ZIP",
            expected: "a ship-to address with a ZIP code",
        })
}

/// The channel's promised level: the order's service level as the channel says it
/// (`ServiceLevel::from_channel`), else the level of the service the channel's shipping rule
/// gave the order, else standard.
pub fn promised_level(warehouse: &Warehouse, order: &PackOrder) -> ServiceLevel {
    order
        .service_level
        .as_deref()
        .and_then(ServiceLevel::from_channel)
        .or_else(|| {
            order
                .carrier_service
                .as_ref()
                .and_then(|s| warehouse.sheet.service(&s.carrier, &s.service))
                .map(|spec| spec.level)
        })
        .unwrap_or(ServiceLevel::Standard)
}

/// The promise in the warehouse's local time: `now` and the order's ship-by converted with its
/// time zone in SQL.
async fn promise(
    pool: &PgPool,
    warehouse: &Warehouse,
    order: &PackOrder,
    now: DateTime<Utc>,
) -> Result<Promise, StationError> {
    let (now_local, ship_by): (NaiveDateTime, Option<NaiveDate>) = sqlx::query_as(
        "select ($2::timestamptz at time zone time_zone),
                ($3::timestamptz at time zone time_zone)::date
           from warehouses where id = $1",
    )
    .bind(warehouse.id)
    .bind(now)
    .bind(order.ship_by)
    .fetch_optional(pool)
    .await
    .map_err(crate::Error::from)?
    .ok_or_else(|| crate::Error::UnknownWarehouse(warehouse.id.to_string()))?;
    Ok(Promise {
        now_local,
        ship_by,
        min_level: promised_level(warehouse, order),
    })
}

/// The id of the chosen service in `carrier_services`, for `shipments::ship`; `None` when the
/// foundation does not know it.
pub async fn carrier_service_id(pool: &PgPool, quote: &Quote) -> Result<Option<i32>, StationError> {
    Ok(sqlx::query_scalar(
        "select cs.id from carrier_services cs join carriers ca on ca.id = cs.carrier_id
          where upper(ca.code) = upper($1) and upper(cs.code) = upper($2)",
    )
    .bind(&quote.carrier)
    .bind(&quote.service)
    .fetch_optional(pool)
    .await
    .map_err(crate::Error::from)?)
}

/// The carrier a carrier error names.
fn failing_carrier(error: &CarrierError) -> &str {
    match error {
        CarrierError::Rates { carrier, .. }
        | CarrierError::UnknownService { carrier, .. }
        | CarrierError::Setting { carrier, .. }
        | CarrierError::Connect { carrier, .. }
        | CarrierError::Timeout { carrier, .. }
        | CarrierError::Dropped { carrier, .. }
        | CarrierError::Status { carrier, .. }
        | CarrierError::Malformed { carrier, .. } => carrier,
    }
}
