//! Cartons and shipping on the demo warehouse: an order packed at a station, labelled in one or
//! two cartons (SSCC-18 from the database's serial) and shipped in one transaction — units leave
//! the station with the ledger, the order is shipped or partly shipped, and its channel's message
//! carries this shipment's own lines (Shopify line item ids, Amazon orderItemIds, the 856's
//! SSCCs). Voids before shipping, reprints, weights out of tolerance, partial shipment where
//! the channel refuses it, replays, and the manifest, human and JSON, from the binary.

mod common;

use aisle::Result;
use aisle::db::packing::{PackLine, PackOrder};
use aisle::db::shipments::{self, NewCarton, ShipOrder, Shipped};
use aisle::domain::barcode::gs1_check_digit;
use common::floor::{assert_invariants, ledger_rows};
use common::packing::{
    PackFloor, external_id, fresh_pack_floor, order_status as status, outbox_payload as payload,
    ship_scan,
};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// An SSCC-18 from the database's next serial, as labels::sscc composes it: extension digit 0,
/// the company prefix, the serial padded to 16 digits in all, the check digit.
async fn next_sscc(pool: &PgPool, wh: i32) -> String {
    let serial = shipments::next_sscc_serial(pool, wh).await.unwrap();
    let width = 16 - serial.company_prefix.len();
    let body = format!("0{}{:0width$}", serial.company_prefix, serial.serial);
    format!("{body}{}", gs1_check_digit(&body).unwrap())
}

/// The packer records `carton` at the station.
async fn add_carton(pool: &PgPool, f: &PackFloor, carton: &NewCarton) -> Result<i64> {
    shipments::add_carton(pool, f.wh, f.station.id, &f.packer, carton).await
}

/// A carton of `lines` (line id, units) weighing what it should; returns (carton id, SSCC).
async fn label(
    pool: &PgPool,
    f: &PackFloor,
    order: &PackOrder,
    lines: &[(i64, i32)],
    tracking: &str,
) -> (i64, String) {
    let sscc = next_sscc(pool, f.wh).await;
    let items: i32 = lines
        .iter()
        .map(|(id, qty)| {
            let line = order.lines.iter().find(|l| l.order_line_id == *id).unwrap();
            line.unit_weight_g * qty
        })
        .sum();
    let expected = items + 180;
    let carton = NewCarton {
        order_id: order.order_id,
        sscc: sscc.clone(),
        carton_code: "BOX-M".into(),
        suggested_code: Some("BOX-M".into()),
        lines: lines.to_vec(),
        weight_g: expected + 10,
        expected_weight_g: expected,
        tracking_number: Some(tracking.into()),
        zpl: format!("^XA^FO50,50^BCN,100,Y,N,N,D^FD(00){sscc}^FS^XZ"),
        scan_id: Uuid::now_v7(),
        carrier_service_id: None,
        carton_number: None,
    };
    let id = add_carton(pool, f, &carton).await.unwrap();
    (id, sscc)
}

/// (order line, units) in one carton.
type CartonLines = Vec<(i64, i32)>;

/// Every unit `lines` expect, in one carton.
fn carton_lines(lines: &[PackLine]) -> CartonLines {
    lines
        .iter()
        .map(|l| (l.order_line_id, l.expected))
        .collect()
}

/// The packer scans `scan` at the station.
async fn ship_with(pool: &PgPool, f: &PackFloor, scan: &ShipOrder) -> Result<Shipped> {
    shipments::ship(pool, f.wh, f.station.id, &f.packer, scan).await
}

async fn ship(pool: &PgPool, f: &PackFloor, order: i64) -> Shipped {
    ship_with(pool, f, &ship_scan(order)).await.unwrap()
}

/// Why a new ship scan of `order` is refused.
async fn ship_refused(pool: &PgPool, f: &PackFloor, order: i64) -> aisle::Error {
    ship_with(pool, f, &ship_scan(order)).await.unwrap_err()
}

async fn station_units(pool: &PgPool, station: i32) -> i64 {
    sqlx::query_scalar("select coalesce(sum(on_hand), 0)::bigint from stock where location_id = $1")
        .bind(station)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// (SKU, sellable on hand, open reserved) of the order's SKUs.
async fn positions(pool: &PgPool, order: &PackOrder) -> Vec<(i32, i32, i32)> {
    sqlx::query_as(
        "select sku_id, sellable_on_hand, open_reserved from sku_positions
          where sku_id = any($1) order by sku_id",
    )
    .bind(order.lines.iter().map(|l| l.sku_id).collect::<Vec<_>>())
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn outbox_rows(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from outbox")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn shipping_a_packed_shopify_order_writes_ledger_status_and_fulfillment() {
    let (db, f) = fresh_pack_floor().await;
    let order = f.pack_all(&db.pool, f.shopify).await;
    let units: i32 = order.lines.iter().map(|l| l.expected).sum();
    let lines = carton_lines(&order.lines);
    let (_, sscc) = label(&db.pool, &f, &order, &lines, "9400111899223197428490").await;
    assert_eq!(sscc.len(), 18);
    assert_eq!(&sscc[1..8], "0614141");
    let at_station = station_units(&db.pool, f.station.id).await;
    let positions_before = positions(&db.pool, &order).await;

    let once = ship_scan(f.shopify);
    let shipped = ship_with(&db.pool, &f, &once).await.unwrap();
    assert_eq!(shipped.order_status, "shipped");
    assert_eq!(shipped.units, units);
    assert_eq!(shipped.cartons, 1);
    assert_eq!(status(&db.pool, f.shopify).await, "shipped");
    assert_eq!(
        station_units(&db.pool, f.station.id).await,
        at_station - i64::from(units)
    );
    let shipped_out: i64 = sqlx::query_scalar(
        "select sum(quantity)::bigint from ledger
          where kind = 'ship' and scan_id = $1 and from_location_id = $2 and to_location_id is null",
    )
    .bind(once.scan_id)
    .bind(f.station.id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(shipped_out, i64::from(units));
    let lines_shipped: Vec<(i32, i32, i32)> = sqlx::query_as(
        "select quantity, picked_qty, shipped_qty from order_lines where order_id = $1",
    )
    .bind(f.shopify)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert!(lines_shipped.iter().all(|(q, p, s)| q == p && p == s));
    // Picked units were no longer sellable: shipping moves neither positions nor figures.
    let positions_after = positions(&db.pool, &order).await;
    assert_eq!(positions_after, positions_before);

    let (kind, body) = payload(&db.pool, shipped.outbox_id.unwrap()).await;
    assert_eq!(kind, "shipment");
    let items = body["fulfillment"]["line_items"].as_array().unwrap();
    assert_eq!(items.len(), order.lines.len());
    for line in &order.lines {
        let item = items
            .iter()
            .find(|i| i["id"] == line.external_line_id.as_deref().unwrap())
            .unwrap_or_else(|| panic!("no line item {:?} in {body}", line.external_line_id));
        assert_eq!(item["quantity"], line.expected);
    }
    assert_eq!(
        body["fulfillment"]["tracking_info"]["number"],
        "9400111899223197428490"
    );
    assert!(body["fulfillment"]["tracking_info"]["company"].is_string());
    assert_invariants(&db.pool).await;

    // The same ship scan again changes nothing and answers the same.
    let ledger = ledger_rows(&db.pool).await;
    let outbox = outbox_rows(&db.pool).await;
    let again = ship_with(&db.pool, &f, &once).await.unwrap();
    assert_eq!(again, shipped);
    assert_eq!(ledger_rows(&db.pool).await, ledger);
    let outbox_after = outbox_rows(&db.pool).await;
    assert_eq!(outbox_after, outbox);
    // A new ship scan finds nothing left to ship.
    let err = ship_refused(&db.pool, &f, f.shopify).await;
    assert!(err.to_string().contains("no labelled carton"), "{err}");
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn amazon_ships_in_parts_keyed_by_order_item_id() {
    let (db, f) = fresh_pack_floor().await;
    let order = f.open(&db.pool, f.amazon).await;
    assert!(order.allows_partial_shipment);
    let first = &order.lines[0];
    f.pack(&db.pool, first.order_line_id, 1).await;
    let (_, _) = label(
        &db.pool,
        &f,
        &order,
        &[(first.order_line_id, 1)],
        "1Z999AA10123456784",
    )
    .await;
    let shipped = ship(&db.pool, &f, f.amazon).await;
    assert_eq!(shipped.units, 1);
    assert_eq!(shipped.order_status, "partly_shipped");
    let (kind, body) = payload(&db.pool, shipped.outbox_id.unwrap()).await;
    assert_eq!(kind, "shipment");
    let amazon_order_id = external_id(&db.pool, f.amazon).await;
    assert_eq!(body["amazonOrderId"], amazon_order_id.as_str());
    assert_eq!(body["marketplaceId"], "ATVPDKIKX0DER");
    let detail = &body["packageDetail"];
    assert_eq!(detail["trackingNumber"], "1Z999AA10123456784");
    assert!(detail["carrierCode"].is_string());
    assert!(detail["shipDate"].as_str().unwrap().ends_with('Z'));
    // This shipment's own line and quantity only.
    let items = detail["orderItems"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0]["orderItemId"],
        first.external_line_id.as_deref().unwrap()
    );
    assert_eq!(items[0]["quantity"], 1);
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn units_not_packed_or_not_in_a_carton_are_refused() {
    let (db, f) = fresh_pack_floor().await;
    let order = f.open(&db.pool, f.shopify).await;
    let total: i32 = order.lines.iter().map(|l| l.expected).sum();
    assert!(total >= 2);
    let first = &order.lines[0];
    f.pack(&db.pool, first.order_line_id, 1).await;

    // Nothing labelled yet.
    let err = ship_refused(&db.pool, &f, f.shopify).await;
    assert!(err.to_string().contains("no labelled carton"), "{err}");
    // A carton may not hold more than is packed.
    let sscc = next_sscc(&db.pool, f.wh).await;
    let too_many = NewCarton {
        order_id: f.shopify,
        sscc,
        carton_code: "BOX-S".into(),
        suggested_code: None,
        lines: vec![(first.order_line_id, 2)],
        weight_g: 1000,
        expected_weight_g: 1000,
        tracking_number: None,
        zpl: "^XA^XZ".into(),
        scan_id: Uuid::now_v7(),
        carrier_service_id: None,
        carton_number: None,
    };
    let err = add_carton(&db.pool, &f, &too_many).await.unwrap_err();
    assert!(err.to_string().contains("more do not fit"), "{err}");

    label(&db.pool, &f, &order, &[(first.order_line_id, 1)], "TRK1").await;
    // Shopify does not ship in parts.
    let ledger = ledger_rows(&db.pool).await;
    let err = ship_refused(&db.pool, &f, f.shopify).await;
    assert!(
        err.to_string()
            .contains("channel shopify-main does not ship in parts"),
        "{err}"
    );
    assert_eq!(ledger_rows(&db.pool).await, ledger);
    assert_eq!(status(&db.pool, f.shopify).await, "picked");
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn a_two_carton_edi_order_lists_both_ssccs_in_its_856() {
    let (db, f) = fresh_pack_floor().await;
    let order = f.pack_all(&db.pool, f.edi).await;
    // Split the units over two cartons: the first line in one, the rest in the other (or a
    // single line's units halved).
    let (one, two): (CartonLines, CartonLines) = if order.lines.len() >= 2 {
        (
            carton_lines(&order.lines[..1]),
            carton_lines(&order.lines[1..]),
        )
    } else {
        let l = &order.lines[0];
        (
            vec![(l.order_line_id, l.expected / 2)],
            vec![(l.order_line_id, l.expected - l.expected / 2)],
        )
    };
    let (_, first) = label(&db.pool, &f, &order, &one, "1ZEDI0001").await;
    let (_, second) = label(&db.pool, &f, &order, &two, "1ZEDI0002").await;
    assert_ne!(first, second);
    let shipped = ship(&db.pool, &f, f.edi).await;
    assert_eq!(shipped.cartons, 2);
    assert_eq!(shipped.order_status, "shipped");
    let (kind, body) = payload(&db.pool, shipped.outbox_id.unwrap()).await;
    assert_eq!(kind, "edi_856");
    let po = external_id(&db.pool, f.edi).await;
    assert_eq!(body["order"]["po_number"], po.as_str());
    assert_eq!(body["shipment"]["level"], "S");
    assert!(body["shipment"]["carrier_scac"].is_string());
    let packs = body["packs"].as_array().unwrap();
    let ssccs: Vec<&str> = packs.iter().map(|p| p["sscc"].as_str().unwrap()).collect();
    assert_eq!(ssccs, vec![first.as_str(), second.as_str()]);
    assert_eq!(packs[0]["man"], format!("MAN*GM*{first}"));
    assert_eq!(packs[1]["man"], format!("MAN*GM*{second}"));
    let units: i64 = packs
        .iter()
        .flat_map(|p| p["items"].as_array().unwrap())
        .map(|i| i["quantity"].as_i64().unwrap())
        .sum();
    assert_eq!(units, i64::from(shipped.units));
    for item in packs.iter().flat_map(|p| p["items"].as_array().unwrap()) {
        assert_eq!(item["level"], "I");
        assert!(item["upc"].is_string() && item["sku"].is_string(), "{item}");
    }
    // HL numbers run 1..n with parents pointing up the hierarchy.
    let hl_count = body["hl_count"].as_i64().unwrap();
    let items: usize = packs
        .iter()
        .map(|p| p["items"].as_array().unwrap().len())
        .sum();
    assert_eq!(hl_count as usize, 2 + packs.len() + items);
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn a_carton_is_voided_before_shipping_reprinted_and_weighed() {
    let (db, f) = fresh_pack_floor().await;
    let order = f.pack_all(&db.pool, f.shopify).await;
    let lines = carton_lines(&order.lines);

    // Out of tolerance: refused, nothing recorded.
    let heavy = NewCarton {
        order_id: f.shopify,
        sscc: next_sscc(&db.pool, f.wh).await,
        carton_code: "BOX-M".into(),
        suggested_code: Some("BOX-M".into()),
        lines: lines.clone(),
        weight_g: 5_000,
        expected_weight_g: 2_000,
        tracking_number: None,
        zpl: "^XA^XZ".into(),
        scan_id: Uuid::now_v7(),
        carrier_service_id: None,
        carton_number: None,
    };
    let err = add_carton(&db.pool, &f, &heavy).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("weighs 5000 g, expected 2000 g (tolerance 100 g)"),
        "{err}"
    );
    assert!(!f.station.weight_within(5_000, 2_000));

    let (voided, voided_sscc) = label(&db.pool, &f, &order, &lines, "TRK-VOID").await;
    let zpl = shipments::reprint(&db.pool, f.wh, voided, &f.packer)
        .await
        .unwrap();
    assert!(zpl.contains(&voided_sscc));
    assert_eq!(
        shipments::void_carton(&db.pool, f.wh, voided, &f.packer, Some("torn label"))
            .await
            .unwrap(),
        voided_sscc
    );
    let (status_, by): (String, Option<i32>) =
        sqlx::query_as("select label_status, voided_by from cartons where id = $1")
            .bind(voided)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(status_, "voided");
    assert_eq!(by, Some(f.packer.id));
    let err = shipments::reprint(&db.pool, f.wh, voided, &f.packer)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("voided"), "{err}");
    // The voided carton's units need a new carton before the order ships.
    let err = ship_refused(&db.pool, &f, f.shopify).await;
    assert!(err.to_string().contains("no labelled carton"), "{err}");

    let (kept, kept_sscc) = label(&db.pool, &f, &order, &lines, "TRK-KEPT").await;
    let shipped = ship(&db.pool, &f, f.shopify).await;
    assert_eq!(shipped.cartons, 1);
    let err = shipments::void_carton(&db.pool, f.wh, kept, &f.packer, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("can no longer be voided"), "{err}");
    let (_, body) = payload(&db.pool, shipped.outbox_id.unwrap()).await;
    assert_eq!(body["fulfillment"]["tracking_info"]["number"], "TRK-KEPT");
    let manifest = shipments::manifest(&db.pool, f.wh, None, None)
        .await
        .unwrap();
    let cartons: Vec<&str> = manifest
        .carriers
        .iter()
        .flat_map(|c| &c.shipments)
        .flat_map(|s| &s.cartons)
        .map(|c| c.sscc.as_str())
        .collect();
    assert_eq!(cartons, vec![kept_sscc.as_str()]);
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn the_manifest_lists_todays_shipments_per_carrier_from_the_binary() {
    let (db, f) = fresh_pack_floor().await;
    let order = f.pack_all(&db.pool, f.shopify).await;
    let lines = carton_lines(&order.lines);
    let (_, sscc) = label(&db.pool, &f, &order, &lines, "TRK-MANIFEST-1").await;
    let shipped = ship(&db.pool, &f, f.shopify).await;
    let carrier = order.carrier_service.as_ref().unwrap().carrier.clone();

    let manifest = shipments::manifest(&db.pool, f.wh, Some(&carrier), None)
        .await
        .unwrap();
    assert_eq!(manifest.carriers.len(), 1);
    assert_eq!(
        manifest.carriers[0].shipments[0].shipment_id,
        shipped.shipment_id
    );
    let other = shipments::manifest(&db.pool, f.wh, Some("NO-SUCH"), None)
        .await
        .unwrap();
    assert!(other.carriers.is_empty());
    let yesterday = manifest.date.pred_opt().unwrap();
    let before = shipments::manifest(&db.pool, f.wh, None, Some(yesterday))
        .await
        .unwrap();
    assert!(before.carriers.is_empty());

    let data_dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(common::aisle_bin())
            .args(args)
            .env("DATABASE_URL", &db.url)
            .env("AISLE_DATA_DIR", data_dir.path())
            .env_remove("AISLE_WAREHOUSE")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let json: Value = serde_json::from_str(&run(&["manifest", "--json"])).unwrap();
    assert_eq!(json["warehouse"], "DEMO");
    assert_eq!(json["date"], manifest.date.to_string());
    let carton = &json["carriers"][0]["shipments"][0]["cartons"][0];
    assert_eq!(carton["sscc"], sscc.as_str());
    assert_eq!(carton["tracking_number"], "TRK-MANIFEST-1");
    assert!(carton["weight_g"].as_i64().unwrap() > 0);
    let text = run(&["manifest", "--carrier", &carrier]);
    assert!(text.contains(&sscc), "{text}");
    assert!(text.contains("TRK-MANIFEST-1"), "{text}");
    assert!(text.contains(&order.reference), "{text}");
    let none = run(&["manifest", "--date", &yesterday.to_string()]);
    assert!(none.contains("No shipments."), "{none}");
}

#[tokio::test]
async fn a_shipment_takes_its_cartons_service_and_refuses_a_mix_or_an_unprinted_label() {
    let (db, f) = fresh_pack_floor().await;
    let pool = &db.pool;
    let order = f.pack_all(pool, f.edi).await;
    let services: Vec<i32> =
        sqlx::query_scalar("select id from carrier_services order by id limit 2")
            .fetch_all(pool)
            .await
            .unwrap();
    // Two cartons: the first line in one, the rest in the other (or one line's units halved).
    let (first_lines, lines): (CartonLines, CartonLines) = if order.lines.len() >= 2 {
        (
            carton_lines(&order.lines[..1]),
            carton_lines(&order.lines[1..]),
        )
    } else {
        let l = &order.lines[0];
        (
            vec![(l.order_line_id, l.expected / 2)],
            vec![(l.order_line_id, l.expected - l.expected / 2)],
        )
    };
    assert!(first_lines.iter().chain(&lines).all(|(_, q)| *q > 0));
    let carton = |lines: Vec<(i64, i32)>, service: i32| {
        let order = order.clone();
        async move {
            let sscc = next_sscc(pool, f.wh).await;
            let items: i32 = lines
                .iter()
                .map(|(id, qty)| {
                    order
                        .lines
                        .iter()
                        .find(|l| l.order_line_id == *id)
                        .unwrap()
                        .unit_weight_g
                        * qty
                })
                .sum();
            NewCarton {
                order_id: order.order_id,
                sscc: sscc.clone(),
                carton_code: "BOX-M".into(),
                suggested_code: None,
                lines,
                weight_g: items + 180,
                expected_weight_g: items + 180,
                tracking_number: Some(format!("T{}", &sscc[10..])),
                zpl: format!("^XA^FD(00){sscc}^FS^XZ"),
                scan_id: Uuid::now_v7(),
                carrier_service_id: Some(service),
                carton_number: None,
            }
        }
    };
    let first = carton(first_lines, services[0]).await;
    add_carton(pool, &f, &first).await.unwrap();
    // A second carton labelled for another service is refused, and nothing of it stays.
    let other = carton(lines.clone(), services[1]).await;
    let err = add_carton(pool, &f, &other).await.unwrap_err();
    assert!(err.to_string().contains("another service"), "{err}");
    let cartons: i64 = sqlx::query_scalar("select count(*) from cartons where order_id = $1")
        .bind(f.edi)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(cartons, 1);
    let rest = carton(lines, services[0]).await;
    let rest_id = add_carton(pool, &f, &rest).await.unwrap();

    // A label that never printed holds the shipment back, whole.
    shipments::set_print_pending(pool, f.wh, rest_id, true)
        .await
        .unwrap();
    let err = ship_refused(pool, &f, f.edi).await;
    assert!(err.to_string().contains("did not print"), "{err}");
    assert_eq!(status(pool, f.edi).await, "packed");
    shipments::set_print_pending(pool, f.wh, rest_id, false)
        .await
        .unwrap();

    // The station asks for no service: the shipment takes the one its labels name.
    let shipped = ship(pool, &f, f.edi).await;
    let recorded: Option<i32> =
        sqlx::query_scalar("select carrier_service_id from shipments where id = $1")
            .bind(shipped.shipment_id)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(recorded, Some(services[0]));
    assert_invariants(pool).await;
}
