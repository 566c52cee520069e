//! Cartons, labels and shipments (migration 14): a serial for each carton's SSCC, a carton
//! recorded when its label is made, reprints and voids before shipping, shipping an order in one
//! transaction (stock, ledger, lines, status and the channel's message), and the end-of-day
//! manifest per carrier.
//!
//! SSCCs are made in two steps, each one round trip: [`next_sscc_serial`] when a carton is
//! started, and the SSCC composed from it (`labels::sscc`: extension digit, the warehouse's GS1
//! company prefix, the serial, the check digit) is recorded by [`add_carton`] with the label.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::operators::Operator;
use crate::domain::role::Permission;
use crate::{Error, Result};

/// A serial reference for a new SSCC, with the company prefix it goes with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SsccSerial {
    pub serial: i64,
    pub company_prefix: String,
}

/// The next SSCC serial for the warehouse (a database sequence: never handed out twice).
pub async fn next_sscc_serial(pool: &PgPool, warehouse_id: i32) -> Result<SsccSerial> {
    Ok(sqlx::query_as("select * from aisle_next_sscc_serial($1)")
        .bind(warehouse_id)
        .fetch_one(pool)
        .await?)
}

/// A carton whose label was made: its weight passed and the carrier gave a tracking number.
#[derive(Debug, Clone)]
pub struct NewCarton {
    pub order_id: i64,
    /// The SSCC-18 composed from [`next_sscc_serial`].
    pub sscc: String,
    /// The carton used, and the one cartonization suggested (recorded when overridden).
    pub carton_code: String,
    pub suggested_code: Option<String>,
    /// (order line, eaches) packed into it.
    pub lines: Vec<(i64, i32)>,
    pub weight_g: i32,
    /// Items plus tare.
    pub expected_weight_g: i32,
    pub tracking_number: Option<String>,
    /// The label as printed, kept for reprints.
    pub zpl: String,
    pub scan_id: Uuid,
    /// The service the label was made for (`carrier_services.id`), when known.
    pub carrier_service_id: Option<i32>,
    /// "Carton k of n": k, as printed on the label.
    pub carton_number: Option<i32>,
}

/// Records a carton and its lines at a station; returns its id. Refused when the weight is out of
/// the station's tolerance, the SSCC is malformed, not this warehouse's or already used, or the
/// lines hold more than is packed at the station. A replayed scan id returns the same carton.
pub async fn add_carton(
    pool: &PgPool,
    warehouse_id: i32,
    station_id: i32,
    packer: &Operator,
    carton: &NewCarton,
) -> Result<i64> {
    packer.role.require(Permission::Pack)?;
    let (lines, quantities): (Vec<i64>, Vec<i32>) = carton.lines.iter().copied().unzip();
    // The carton and the service its label names, in one transaction.
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "select aisle_add_carton($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(warehouse_id)
    .bind(station_id)
    .bind(carton.order_id)
    .bind(&carton.sscc)
    .bind(&carton.carton_code)
    .bind(carton.suggested_code.as_deref())
    .bind(lines)
    .bind(quantities)
    .bind(carton.weight_g)
    .bind(carton.expected_weight_g)
    .bind(carton.tracking_number.as_deref())
    .bind(&carton.zpl)
    .bind(packer.id)
    .bind(carton.scan_id)
    .fetch_one(&mut *tx)
    .await?;
    if carton.carton_number.is_some() {
        sqlx::query("update cartons set carton_number = $3 where warehouse_id = $1 and id = $2")
            .bind(warehouse_id)
            .bind(id)
            .bind(carton.carton_number)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(service) = carton.carrier_service_id {
        // One shipment, one service: the order's other live cartons here must agree.
        let mixed: Option<String> = sqlx::query_scalar(
            "select string_agg(o.sscc, ', ' order by o.id)
               from cartons c
               join cartons o on o.warehouse_id = c.warehouse_id and o.order_id = c.order_id
                             and o.station_id = c.station_id and o.id <> c.id
              where c.warehouse_id = $1 and c.id = $2
                and o.label_status = 'printed' and o.shipment_id is null
                and o.carrier_service_id is distinct from $3",
        )
        .bind(warehouse_id)
        .bind(id)
        .bind(service)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(others) = mixed {
            return Err(Error::Invalid(format!(
                "carton(s) {others} of this order are labelled for another service: label this \
                 one the same way, or void them first"
            )));
        }
        sqlx::query(
            "update cartons set carrier_service_id = $3 where warehouse_id = $1 and id = $2",
        )
        .bind(warehouse_id)
        .bind(id)
        .bind(service)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Whether a carton's label is still to print: set when the printer did not take it, cleared
/// when a print of it succeeds. Shipping refuses the order while it is set.
pub async fn set_print_pending(
    pool: &PgPool,
    warehouse_id: i32,
    carton_id: i64,
    pending: bool,
) -> Result<()> {
    sqlx::query("update cartons set print_pending = $3 where warehouse_id = $1 and id = $2")
        .bind(warehouse_id)
        .bind(carton_id)
        .bind(pending)
        .execute(pool)
        .await?;
    Ok(())
}

/// Voids a carton's label before its order ships (who and when are recorded); its units may go
/// into another carton. Returns the voided SSCC. Voiding twice changes nothing.
pub async fn void_carton(
    pool: &PgPool,
    warehouse_id: i32,
    carton_id: i64,
    packer: &Operator,
    reason: Option<&str>,
) -> Result<String> {
    packer.role.require(Permission::Pack)?;
    Ok(
        sqlx::query_scalar("select aisle_void_carton($1, $2, $3, $4)")
            .bind(warehouse_id)
            .bind(carton_id)
            .bind(packer.id)
            .bind(reason)
            .fetch_one(pool)
            .await?,
    )
}

/// The label of a carton to print again (counted); a voided label is not reprinted.
pub async fn reprint(
    pool: &PgPool,
    warehouse_id: i32,
    carton_id: i64,
    packer: &Operator,
) -> Result<String> {
    packer.role.require(Permission::Pack)?;
    let zpl: Option<(String, String)> = sqlx::query_as(
        "with c as (select label_status, zpl from cartons where warehouse_id = $1 and id = $2),
              counted as (update cartons set reprints = reprints + 1
                           where warehouse_id = $1 and id = $2 and label_status = 'printed')
         select label_status, zpl from c",
    )
    .bind(warehouse_id)
    .bind(carton_id)
    .fetch_optional(pool)
    .await?;
    match zpl {
        None => Err(Error::Invalid(format!("no carton {carton_id}"))),
        Some((status, _)) if status != "printed" => Err(Error::Invalid(format!(
            "carton {carton_id}'s label is {status}: it is not reprinted"
        ))),
        Some((_, zpl)) => Ok(zpl),
    }
}

/// Shipping an order from a station.
#[derive(Debug, Clone)]
pub struct ShipOrder {
    pub order_id: i64,
    /// The service chosen at the station (rate shopping); `None` keeps the order's.
    pub carrier_service_id: Option<i32>,
    pub scan_id: Uuid,
    pub terminal: String,
    pub raw: String,
}

/// What shipping wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Shipped {
    pub shipment_id: i64,
    /// shipped, or partly_shipped when units remain to ship later.
    pub order_status: String,
    pub units: i32,
    pub cartons: i32,
    /// The channel's message (none for manual orders).
    pub outbox_id: Option<i64>,
}

/// Ships the order's labelled cartons at the station in one transaction: shipment, cartons,
/// ledger `ship` rows leaving the station, stock, shipped quantities, the order's status and the
/// channel's message in the outbox. Refused when a packed unit is in no carton, or units are
/// not packed and the channel does not ship in parts. A replayed scan id changes nothing.
pub async fn ship(
    pool: &PgPool,
    warehouse_id: i32,
    station_id: i32,
    packer: &Operator,
    order: &ShipOrder,
) -> Result<Shipped> {
    packer.role.require(Permission::Pack)?;
    Ok(
        sqlx::query_as("select * from aisle_ship_order($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(warehouse_id)
            .bind(order.order_id)
            .bind(station_id)
            .bind(packer.id)
            .bind(order.scan_id)
            .bind(&order.terminal)
            .bind(&order.raw)
            .bind(order.carrier_service_id)
            .fetch_one(pool)
            .await?,
    )
}

/// The document a driver signs at pickup: one day's shipments per carrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    pub warehouse: String,
    pub time_zone: String,
    pub date: NaiveDate,
    pub carriers: Vec<ManifestCarrier>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestCarrier {
    /// Carrier code, or "NONE" for shipments without a carrier service.
    pub carrier: String,
    pub name: String,
    pub scac: Option<String>,
    pub shipments: Vec<ManifestShipment>,
    pub cartons: usize,
    pub weight_g: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestShipment {
    pub shipment_id: i64,
    pub order: String,
    pub channel: String,
    pub service: Option<String>,
    pub shipped_at: DateTime<Utc>,
    /// In the warehouse's time zone, HH:MM.
    pub shipped_local: String,
    pub ship_to: Option<String>,
    pub cartons: Vec<ManifestCarton>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestCarton {
    pub sscc: String,
    pub carton_code: String,
    pub weight_g: i32,
    pub tracking_number: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ManifestRow {
    warehouse: String,
    time_zone: String,
    day: NaiveDate,
    carrier: Option<String>,
    carrier_name: Option<String>,
    scac: Option<String>,
    shipment_id: Option<i64>,
    order_ref: Option<String>,
    channel: Option<String>,
    service: Option<String>,
    shipped_at: Option<DateTime<Utc>>,
    shipped_local: Option<String>,
    ship_to: Option<String>,
    sscc: Option<String>,
    carton_code: Option<String>,
    weight_g: Option<i32>,
    tracking_number: Option<String>,
}

/// The shipments of one day (`None`: today), in the warehouse's time zone, per carrier (only
/// `carrier` when given, by code), with their cartons, weights and tracking numbers.
pub async fn manifest(
    pool: &PgPool,
    warehouse_id: i32,
    carrier: Option<&str>,
    date: Option<NaiveDate>,
) -> Result<Manifest> {
    let rows: Vec<ManifestRow> = sqlx::query_as(
        "with w as (
             select id, code, time_zone,
                    coalesce($3::date, (now() at time zone time_zone)::date) as day
               from warehouses where id = $1
         )
         select w.code as warehouse, w.time_zone, w.day,
                x.carrier, x.carrier_name, x.scac, x.shipment_id, x.order_ref, x.channel,
                x.service, x.shipped_at,
                to_char(x.shipped_at at time zone w.time_zone, 'HH24:MI') as shipped_local,
                x.ship_to, c.sscc, c.carton_code, c.weight_g, c.tracking_number
           from w
           left join lateral (
                select s.id as shipment_id, s.shipped_at, ca.code as carrier,
                       ca.name as carrier_name, ca.scac, cs.code as service,
                       coalesce(o.reference, o.external_id) as order_ref, ch.name as channel,
                       nullif(concat_ws(', ', o.ship_to ->> 'name', o.ship_to ->> 'city',
                                        o.ship_to ->> 'province', o.ship_to ->> 'zip'), '') as ship_to
                  from shipments s
                  left join carrier_services cs on cs.id = s.carrier_service_id
                  left join carriers ca on ca.id = cs.carrier_id
                  left join orders o on o.warehouse_id = s.warehouse_id and o.id = s.order_id
                  left join channels ch on ch.id = o.channel_id
                 where s.warehouse_id = w.id
                   and s.shipped_at >= (w.day::timestamp at time zone w.time_zone)
                   and s.shipped_at < ((w.day + 1)::timestamp at time zone w.time_zone)
                   and ($2::text is null or upper(ca.code) = upper($2::text))
           ) x on true
           left join cartons c on c.warehouse_id = w.id and c.shipment_id = x.shipment_id
          order by x.carrier nulls last, x.shipped_at, x.shipment_id, c.id",
    )
    .bind(warehouse_id)
    .bind(carrier)
    .bind(date)
    .fetch_all(pool)
    .await?;
    let Some(first) = rows.first() else {
        return Err(Error::UnknownWarehouse(warehouse_id.to_string()));
    };
    let mut manifest = Manifest {
        warehouse: first.warehouse.clone(),
        time_zone: first.time_zone.clone(),
        date: first.day,
        carriers: Vec::new(),
    };
    for row in rows {
        let (Some(shipment_id), Some(shipped_at)) = (row.shipment_id, row.shipped_at) else {
            continue;
        };
        let code = row.carrier.clone().unwrap_or_else(|| "NONE".to_string());
        if manifest.carriers.last().is_none_or(|c| c.carrier != code) {
            manifest.carriers.push(ManifestCarrier {
                carrier: code.clone(),
                name: row
                    .carrier_name
                    .clone()
                    .unwrap_or_else(|| "no carrier service".to_string()),
                scac: row.scac.clone(),
                shipments: Vec::new(),
                cartons: 0,
                weight_g: 0,
            });
        }
        let Some(carrier) = manifest.carriers.last_mut() else {
            continue;
        };
        if carrier
            .shipments
            .last()
            .is_none_or(|s| s.shipment_id != shipment_id)
        {
            carrier.shipments.push(ManifestShipment {
                shipment_id,
                order: row.order_ref.clone().unwrap_or_default(),
                channel: row.channel.clone().unwrap_or_default(),
                service: row.service.clone(),
                shipped_at,
                shipped_local: row.shipped_local.clone().unwrap_or_default(),
                ship_to: row.ship_to.clone(),
                cartons: Vec::new(),
            });
        }
        if let (Some(sscc), Some(weight_g)) = (row.sscc, row.weight_g) {
            carrier.cartons += 1;
            carrier.weight_g += i64::from(weight_g);
            if let Some(shipment) = carrier.shipments.last_mut() {
                shipment.cartons.push(ManifestCarton {
                    sscc,
                    carton_code: row.carton_code.unwrap_or_default(),
                    weight_g,
                    tracking_number: row.tracking_number,
                });
            }
        }
    }
    Ok(manifest)
}

impl Manifest {
    /// The manifest as people read it.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "Manifest {} {} (times in {})\n",
            self.warehouse, self.date, self.time_zone
        );
        if self.carriers.is_empty() {
            text.push_str("No shipments.");
            return text;
        }
        for carrier in &self.carriers {
            text.push_str(&format!(
                "\n{} {}{}: {} shipment(s), {} carton(s), {:.2} kg\n",
                carrier.carrier,
                carrier.name,
                carrier
                    .scac
                    .as_deref()
                    .map(|s| format!(" (SCAC {s})"))
                    .unwrap_or_default(),
                carrier.shipments.len(),
                carrier.cartons,
                carrier.weight_g as f64 / 1000.0
            ));
            text.push_str(&format!(
                "  {:<6} {:<22} {:<5} {:<20} {:<8} {:>9}  {}\n",
                "TIME", "ORDER", "SVC", "SSCC", "CARTON", "WEIGHT", "TRACKING"
            ));
            for s in &carrier.shipments {
                for (i, c) in s.cartons.iter().enumerate() {
                    let (time, order, service) = if i == 0 {
                        (
                            s.shipped_local.as_str(),
                            s.order.as_str(),
                            s.service.as_deref().unwrap_or("-"),
                        )
                    } else {
                        ("", "", "")
                    };
                    text.push_str(&format!(
                        "  {:<6} {:<22} {:<5} {:<20} {:<8} {:>7} g  {}\n",
                        time,
                        order,
                        service,
                        c.sscc,
                        c.carton_code,
                        c.weight_g,
                        c.tracking_number.as_deref().unwrap_or("-")
                    ));
                }
            }
        }
        text.push_str("\nDriver signature: ______________________  Date: __________");
        text
    }
}
