//! The pack station's orchestration end to end on the demo warehouse (`aisle::station`): a picked
//! EDI order packed at a station whose printer is a loopback TCP listener, cartons suggested, the
//! service chosen by rate shop, each carton labelled at its expected weight (the listener
//! captures ZPL that parses, with a valid SSCC matching the carton row), then shipped: the 856 in
//! the outbox carries the SSCCs and tracking numbers. And a printer that is down: the carton is
//! recorded, the error says so, and a reprint to a live printer succeeds.

mod common;

use std::time::Duration;

use aisle::db::operators::Operator;
use aisle::db::packing::{self, PackOrder, PackScan, Station};
use aisle::db::shipments::{self, ShipOrder};
use aisle::domain::barcode::has_valid_check_digit;
use aisle::domain::cartonization::CartonCatalogue;
use aisle::labels::{LabelSink, Printed, parse_fields};
use aisle::station::label_carton::{
    CartonToLabel, WeighedCarton, label_carton, label_sink, reprint_carton,
};
use aisle::station::rate_choice::{carrier_service_id, choose_service};
use aisle::station::{StationError, Warehouse, suggest_cartons};
use chrono::Utc;
use common::floor::{assert_invariants, demo_warehouse};
use common::packing::{
    order_status as status, outbox_payload, pack_all, pack_scan, packer, picked_orders, ship_scan,
};
use sqlx::PgPool;
use tokio::io::AsyncReadExt as _;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use uuid::Uuid;

/// A printer on 127.0.0.1: every connection's bytes, read to the end, are one label.
async fn loopback_printer() -> (u16, mpsc::UnboundedReceiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut zpl = String::new();
                if socket.read_to_string(&mut zpl).await.is_ok() {
                    let _ = tx.send(zpl);
                }
            });
        }
    });
    (port, rx)
}

/// A port on 127.0.0.1 where nothing listens.
async fn dead_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

async fn next_label(rx: &mut mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the printer got a label in time")
        .expect("the printer is listening")
}

/// Points PACK-02's printer at 127.0.0.1:`port` and binds the station.
async fn station_printing_to(pool: &PgPool, wh: i32, port: u16) -> Station {
    sqlx::query(
        "update pack_stations s set printer_host = '127.0.0.1', printer_port = $3
           from locations l
          where l.warehouse_id = $1 and l.code = $2
            and s.warehouse_id = l.warehouse_id and s.location_id = l.id",
    )
    .bind(wh)
    .bind("PACK-02")
    .bind(i32::from(port))
    .execute(pool)
    .await
    .unwrap();
    let station = packing::station(pool, wh, "PACK-02").await.unwrap();
    assert_eq!(station.printer(), Some(("127.0.0.1", port)));
    station
}

/// The demo with one reserved EDI order of 2 to 80 units (two lines or more where possible)
/// released and picked whole by P1001, then packed whole by K2001 at PACK-02, its printer at
/// 127.0.0.1:`port`; returns (warehouse, order id, station, packer, order as packed).
async fn packed_edi_order(pool: &PgPool, port: u16) -> (i32, i64, Station, Operator, PackOrder) {
    let wh = demo_warehouse(pool).await;
    let order_id = picked_orders(pool, wh, &["edi"]).await[0];
    let station = station_printing_to(pool, wh, port).await;
    let packer = packer(pool).await;
    let order = pack_all(pool, wh, &station, &packer, order_id, |line| PackScan {
        lot: line.lots.first().cloned(),
        ..pack_scan(line.order_line_id, line.expected)
    })
    .await;
    (wh, order_id, station, packer, order)
}

fn weighed(carton: CartonToLabel) -> WeighedCarton {
    WeighedCarton {
        measured_weight_g: carton.expected_weight_g,
        carton,
        scan_id: Uuid::now_v7(),
        terminal: "test-station".into(),
    }
}

#[tokio::test]
async fn a_picked_order_is_packed_rated_labelled_to_a_loopback_printer_and_shipped() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let data_dir = tempfile::tempdir().unwrap();
    let (port, mut printer) = loopback_printer().await;
    let (wh, order_id, station, packer, order) = packed_edi_order(pool, port).await;
    let warehouse = Warehouse::load(pool, wh, data_dir.path()).await.unwrap();
    assert_eq!(
        label_sink(&station, &warehouse),
        LabelSink::Tcp {
            host: "127.0.0.1".into(),
            port
        }
    );

    let plans = suggest_cartons(&order, &CartonCatalogue::demo().unwrap()).unwrap();
    assert!(!plans.is_empty());
    let shop = choose_service(pool, &warehouse, &order, &plans, Utc::now())
        .await
        .unwrap();
    let chosen = shop.chosen.clone().expect("a service is chosen").quote;
    assert!(!shop.alternatives.is_empty(), "{shop:#?}");
    assert!(
        shop.alternatives
            .iter()
            .filter(|c| c.keeps_promise())
            .all(|c| !shop.chosen.as_ref().unwrap().keeps_promise()
                || c.quote.price_cents >= chosen.price_cents),
        "{shop:#?}"
    );

    let cartons = CartonToLabel::from_plans(&order, &plans);
    eprintln!(
        "order {}: {} unit(s) in {} carton(s), {} {} at {} cents ({:?})",
        order.reference,
        order.lines.iter().map(|l| l.expected).sum::<i32>(),
        cartons.len(),
        chosen.carrier,
        chosen.service,
        chosen.price_cents,
        shop.outcome
    );
    let units: i32 = order.lines.iter().map(|l| l.expected).sum();
    assert_eq!(
        cartons
            .iter()
            .flat_map(|c| &c.lines)
            .map(|(_, q)| q)
            .sum::<i32>(),
        units
    );
    let mut labelled = Vec::new();
    for carton in cartons {
        let number = carton.number;
        let count = carton.count;
        let done = label_carton(
            pool,
            &warehouse,
            &station,
            &order,
            &weighed(carton),
            &chosen,
            &packer,
        )
        .await
        .unwrap();
        assert!(!done.replayed);
        assert!(matches!(done.printed, Printed::Sent { .. }), "{done:?}");
        let zpl = next_label(&mut printer).await;
        assert_eq!(zpl, done.label.zpl);
        let parsed = parse_fields(&zpl).unwrap();
        let sscc = parsed.sscc().unwrap();
        assert!(has_valid_check_digit(sscc.as_str()));
        assert_eq!(sscc.as_str(), done.sscc);
        assert_eq!(&done.sscc[1..8], "0614141");
        let tracking = done.tracking_number.clone().unwrap();
        assert!(zpl.contains(&tracking));
        assert!(parsed.has_text(&order.reference), "{parsed:#?}");
        assert!(
            parsed.has_text(&format!("CARTON {number} OF {count}")),
            "{parsed:#?}"
        );
        let row: (String, Option<String>, String) =
            sqlx::query_as("select sscc, tracking_number, label_status from cartons where id = $1")
                .bind(done.carton_id)
                .fetch_one(pool)
                .await
                .unwrap();
        assert_eq!(row, (done.sscc.clone(), Some(tracking), "printed".into()));
        labelled.push(done);
    }

    let shipped = shipments::ship(
        pool,
        wh,
        station.id,
        &packer,
        &ShipOrder {
            carrier_service_id: carrier_service_id(pool, &chosen).await.unwrap(),
            ..ship_scan(order_id)
        },
    )
    .await
    .unwrap();
    assert_eq!(shipped.order_status, "shipped");
    assert_eq!(shipped.units, units);
    assert_eq!(shipped.cartons as usize, labelled.len());
    assert_eq!(status(pool, order_id).await, "shipped");
    let (kind, body) = outbox_payload(pool, shipped.outbox_id.unwrap()).await;
    assert_eq!(kind, "edi_856");
    assert_eq!(body["shipment"]["carrier"], chosen.carrier.as_str());
    assert_eq!(body["shipment"]["service"], chosen.service.as_str());
    let packs = body["packs"].as_array().unwrap();
    assert_eq!(packs.len(), labelled.len());
    for (pack, done) in packs.iter().zip(&labelled) {
        assert_eq!(pack["sscc"], done.sscc.as_str());
        assert_eq!(
            pack["tracking_number"],
            done.tracking_number.as_deref().unwrap()
        );
    }
    assert_invariants(pool).await;
}

#[tokio::test]
async fn a_printer_that_is_down_keeps_the_carton_and_a_reprint_prints_it() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let data_dir = tempfile::tempdir().unwrap();
    let down = dead_port().await;
    let (wh, order_id, station, packer, order) = packed_edi_order(pool, down).await;
    let warehouse = Warehouse::load(pool, wh, data_dir.path()).await.unwrap();
    let plans = suggest_cartons(&order, &CartonCatalogue::demo().unwrap()).unwrap();
    let chosen = choose_service(pool, &warehouse, &order, &plans, Utc::now())
        .await
        .unwrap()
        .chosen
        .unwrap()
        .quote;
    let first = CartonToLabel::from_plans(&order, &plans).remove(0);
    let scan = weighed(first);

    let err = label_carton(pool, &warehouse, &station, &order, &scan, &chosen, &packer)
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("is recorded"), "{message}");
    assert!(message.contains("did not print"), "{message}");
    assert!(message.contains(&format!("127.0.0.1:{down}")), "{message}");
    assert!(message.contains("retry"), "{message}");
    let StationError::PrinterDown {
        carton_id,
        sscc,
        source,
    } = err
    else {
        panic!("expected the printer to be down: {message}");
    };
    assert_eq!(source.label.sscc.as_str(), sscc);
    let (row_sscc, label_status, zpl): (String, String, String) =
        sqlx::query_as("select sscc, label_status, zpl from cartons where id = $1")
            .bind(carton_id)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(row_sscc, sscc);
    assert_eq!(label_status, "printed");
    assert_eq!(zpl, source.label.zpl);

    // The printer is back: reprint the carton by its id.
    let (port, mut printer) = loopback_printer().await;
    let sink = LabelSink::Tcp {
        host: "127.0.0.1".into(),
        port,
    };
    let printed = reprint_carton(pool, wh, &sink, carton_id, &packer)
        .await
        .unwrap();
    assert!(matches!(printed, Printed::Sent { .. }), "{printed:?}");
    let reprinted = next_label(&mut printer).await;
    assert_eq!(reprinted, zpl);
    assert_eq!(
        parse_fields(&reprinted).unwrap().sscc().unwrap().as_str(),
        sscc
    );
    let reprints: i32 = sqlx::query_scalar("select reprints from cartons where id = $1")
        .bind(carton_id)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(reprints, 1);

    // The terminal retrying the same carton scan gets the same carton and label, printed.
    let station = station_printing_to(pool, wh, port).await;
    let again = label_carton(pool, &warehouse, &station, &order, &scan, &chosen, &packer)
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(
        (again.carton_id, again.sscc.as_str()),
        (carton_id, sscc.as_str())
    );
    assert_eq!(next_label(&mut printer).await, zpl);
    let cartons: i64 = sqlx::query_scalar("select count(*) from cartons where order_id = $1")
        .bind(order_id)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(cartons, 1);
    assert_invariants(pool).await;
}
