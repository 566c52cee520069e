//! The pack-station screen driven through `update` as a packer would, with the database's,
//! carriers' and printer's answers made up here: the station bound, an order opened from its
//! tote, every unit scanned (wrong items and over-scans refused on the terminal), a short
//! declared with F2, the carton suggested (or another box, refused when too small), weighed
//! (out of tolerance stops the station), labelled (a printer that is down is retried with
//! Enter), voided with F6, and shipped. Snapshots at 80x24, 160x50 and the 20x16 fallback,
//! drawn without colour and with ASCII borders.

mod common;

use common::keys::{answer, beeps, key, keys, one_request, requests};

use aisle::app::command::{Request, RequestId};
use aisle::app::{App, Command, Reply, update};
use aisle::db::operators::Operator;
use aisle::db::packing::{
    LineBarcode, PackLine, PackOrder, PackProgress, PackShortOutcome, ScaleUnit, Station, ToteRef,
};
use aisle::db::shipments::Shipped;
use aisle::db::warehouses::Warehouse;
use aisle::domain::barcode::Sscc;
use aisle::domain::rate_shop::{Candidate, Outcome, Quote, ServiceLevel, ShopResult, Shortfall};
use aisle::domain::role::Role;
use aisle::domain::scan::{self, Scan, ScanConfig};
use aisle::labels::{CartonLabel, PrintFailure, Printed, PrinterError};
use aisle::screen::pack::PackState;
use aisle::screen::pack::state::Phase;
use aisle::screen::{self, Screen};
use aisle::station::StationError;
use aisle::station::label_carton::LabelledCarton;
use aisle::ui::buffer_text::buffer_text;
use aisle::ui::theme::Theme;
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Size;
use std::time::Duration;

const STATION_ID: i32 = 42;
const ORDER_ID: i64 = 501;
const TEE_LINE: i64 = 7001;
const MUG_LINE: i64 = 7002;
/// UPC-A of the tee as a scanner sends it (GTIN 00012345678905).
const TEE: &str = "012345678905";
/// EAN-13 of the mug (GTIN 04006381333931).
const MUG: &str = "4006381333931";
const SSCC: &str = "006141411234567890";
const CARTON_ID: i64 = 88_001;

fn warehouse() -> Warehouse {
    Warehouse {
        id: 1,
        code: "DEMO".into(),
        name: "Demo warehouse".into(),
        time_zone: "UTC".into(),
        cart_size: 2,
    }
}

fn packer() -> Operator {
    Operator {
        id: 21,
        badge: "K2001".into(),
        name: "Kim Packer".into(),
        role: Role::Packer,
    }
}

fn station() -> Station {
    Station {
        id: STATION_ID,
        code: "PACK-02".into(),
        printer_host: Some("10.0.0.5".into()),
        printer_port: 9100,
        label_dir: None,
        scale_unit: ScaleUnit::G,
        tolerance_pct: 5.0,
        tolerance_min_g: 50,
    }
}

#[allow(clippy::too_many_arguments)]
fn line(
    id: i64,
    no: i32,
    sku: &str,
    name: &str,
    gtin: &str,
    weight_g: i32,
    (length_mm, width_mm, height_mm): (i32, i32, i32),
    expected: i32,
) -> PackLine {
    PackLine {
        order_line_id: id,
        line_no: no,
        external_line_id: Some(format!("gid://shopify/LineItem/{id}")),
        sku_id: i32::try_from(id).expect("small id") - 7000,
        sku_code: sku.into(),
        sku_name: name.into(),
        unit_weight_g: weight_g,
        length_mm,
        width_mm,
        height_mm,
        barcodes: vec![LineBarcode {
            gtin: gtin.into(),
            units: 1,
        }],
        lots: Vec::new(),
        expected,
        packed: 0,
        in_cartons: 0,
    }
}

/// Shopify order #1001: two tees (folded) and a mug, in TOTE-0001.
fn order() -> PackOrder {
    PackOrder {
        order_id: ORDER_ID,
        external_id: "5550001001".into(),
        reference: "#1001".into(),
        status: "picked".into(),
        channel: "Shopify".into(),
        channel_kind: "shopify".into(),
        allows_partial_shipment: false,
        ship_to: Some(serde_json::json!({
            "name": "Ada Lovelace",
            "address1": "12 Analytical Way",
            "city": "New York",
            "province": "NY",
            "zip": "10001",
        })),
        ship_by: Some(Utc.with_ymd_and_hms(2026, 3, 6, 22, 0, 0).unwrap()),
        service_level: Some("Standard".into()),
        carrier_service: None,
        totes: vec![ToteRef {
            id: 901,
            code: "TOTE-0001".into(),
        }],
        lines: vec![
            line(
                TEE_LINE,
                1,
                "TSHIRT-BLK-M",
                "Organic cotton tee, black, medium",
                "00012345678905",
                180,
                (280, 200, 25),
                2,
            ),
            line(
                MUG_LINE,
                2,
                "MUG-WHT-11",
                "Ceramic mug, white, 11 oz",
                "04006381333931",
                350,
                (120, 90, 100),
                1,
            ),
        ],
        cartons: Vec::new(),
    }
}

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, day).unwrap()
}

/// A service as the rate shop measured it; "now" is Friday 2026-03-06 at 15:45, the order's
/// ship-by day, so the USPS cutoff (15:30) has passed and USPS leaves on Monday: late.
struct Service {
    carrier: &'static str,
    code: &'static str,
    name: &'static str,
    level: ServiceLevel,
    transit_days: u32,
    cutoff: (u32, u32),
    price_cents: u32,
    departs: u32,
    delivers: u32,
}

fn candidate(s: Service) -> Candidate {
    let late = s.departs > 6;
    Candidate {
        quote: Quote {
            carrier: s.carrier.into(),
            service: s.code.into(),
            service_name: s.name.into(),
            level: s.level,
            transit_days: s.transit_days,
            cutoff_local: NaiveTime::from_hms_opt(s.cutoff.0, s.cutoff.1, 0).unwrap(),
            price_cents: s.price_cents,
            zone: Some(8),
        },
        departs_on: date(s.departs),
        delivers_on: date(s.delivers),
        meets_ship_by: !late,
        meets_level: true,
        why_not: if late {
            vec![Shortfall::Late {
                departs_on: date(s.departs),
                ship_by: date(6),
            }]
        } else {
            Vec::new()
        },
    }
}

/// UPS Ground chosen; FedEx Ground, UPS 2nd Day Air and a late USPS Ground Advantage besides.
fn shop() -> ShopResult {
    ShopResult {
        chosen: Some(candidate(Service {
            carrier: "UPS",
            code: "GND",
            name: "UPS Ground",
            level: ServiceLevel::Standard,
            transit_days: 3,
            cutoff: (17, 0),
            price_cents: 1142,
            departs: 6,
            delivers: 11,
        })),
        outcome: Outcome::OnTime,
        alternatives: vec![
            candidate(Service {
                carrier: "FEDEX",
                code: "GROUND",
                name: "FedEx Ground",
                level: ServiceLevel::Standard,
                transit_days: 3,
                cutoff: (17, 0),
                price_cents: 1206,
                departs: 6,
                delivers: 11,
            }),
            candidate(Service {
                carrier: "UPS",
                code: "2DA",
                name: "UPS 2nd Day Air",
                level: ServiceLevel::Priority,
                transit_days: 2,
                cutoff: (16, 30),
                price_cents: 2480,
                departs: 6,
                delivers: 10,
            }),
            candidate(Service {
                carrier: "USPS",
                code: "GA",
                name: "USPS Ground Advantage",
                level: ServiceLevel::Standard,
                transit_days: 4,
                cutoff: (15, 30),
                price_cents: 987,
                departs: 9,
                delivers: 13,
            }),
        ],
        unavailable: Vec::new(),
    }
}

fn carton_label() -> CartonLabel {
    CartonLabel {
        sscc: Sscc::parse(SSCC).expect("valid SSCC"),
        zpl: "^XA^FDtest^FS^XZ\n".into(),
    }
}

fn labelled() -> LabelledCarton {
    LabelledCarton {
        carton_id: CARTON_ID,
        sscc: SSCC.into(),
        tracking_number: Some("1Z999AA10123456784".into()),
        label: carton_label(),
        printed: Printed::Sent {
            printer: "10.0.0.5:9100".into(),
            bytes: 1834,
        },
        replayed: false,
    }
}

fn printer_down() -> StationError {
    StationError::PrinterDown {
        carton_id: CARTON_ID,
        sscc: SSCC.into(),
        source: Box::new(PrinterError {
            failure: PrintFailure::ConnectTimeout {
                printer: "10.0.0.5:9100".into(),
                after: Duration::from_secs(3),
            },
            label: carton_label(),
        }),
    }
}

fn draw(app: &App) -> String {
    let size = app.size();
    let mut terminal =
        Terminal::new(TestBackend::new(size.width, size.height)).expect("test backend");
    terminal
        .draw(|frame| screen::view::render(app, frame.area(), frame.buffer_mut()))
        .expect("draw");
    buffer_text(terminal.backend().buffer())
}

fn state(app: &App) -> &PackState {
    match app.screen() {
        Screen::Pack(state) => state,
        other => panic!("not packing: {other:?}"),
    }
}

fn phase(app: &App) -> Phase {
    state(app).phase.clone()
}

fn notice(app: &App) -> String {
    app.notice().map(|n| n.long.clone()).unwrap_or_default()
}

/// What the carton at hand should weigh, in grams (the station weighs in grams).
fn expected_weight(app: &App) -> i32 {
    state(app)
        .current_carton()
        .expect("a carton at hand")
        .expected_weight_g
}

/// Logged in as a packer, "1 Pack" chosen and PACK-02 bound.
fn at_station(width: u16, height: u16) -> App {
    let mut app = App::new("T-12", warehouse(), Theme::PLAIN, Size::new(width, height));
    let Request::LookupBadge { request, .. } = one_request(&keys(&mut app, "K2001\r")) else {
        panic!("expected a badge lookup")
    };
    answer(
        &mut app,
        Reply::BadgeLookedUp {
            request,
            result: Ok(packer()),
        },
    );
    let Request::Authenticate { request, .. } = one_request(&keys(&mut app, "1234\r")) else {
        panic!("expected authentication")
    };
    answer(
        &mut app,
        Reply::Authenticated {
            request,
            result: Ok(packer()),
        },
    );
    assert!(requests(&keys(&mut app, "1")).is_empty());
    assert_eq!(phase(&app), Phase::Station, "the menu's 1 is Pack");
    let Request::BindStation { request, code } = one_request(&keys(&mut app, "PACK-02\r")) else {
        panic!("expected a station binding")
    };
    assert_eq!(code, "PACK-02");
    answer(
        &mut app,
        Reply::StationBound {
            request,
            result: Ok(station()),
        },
    );
    assert_eq!(phase(&app), Phase::Order);
    assert_eq!(notice(&app), "Bound to PACK-02: labels go to 10.0.0.5:9100");
    app
}

/// Answers an `OpenPackOrder` among `commands` with `order`.
fn open_with(app: &mut App, commands: &[Command], order: PackOrder) -> Vec<Command> {
    let Request::OpenPackOrder {
        request,
        station_id,
        ..
    } = one_request(commands)
    else {
        panic!("expected to open an order: {commands:?}")
    };
    assert_eq!(station_id, STATION_ID);
    answer(
        app,
        Reply::PackOrderOpened {
            request,
            result: Ok(Box::new(order)),
        },
    );
    Vec::new()
}

/// At the station with order #1001 opened from TOTE-0001.
fn opened(width: u16, height: u16) -> App {
    let mut app = at_station(width, height);
    let commands = keys(&mut app, "TOTE-0001\r");
    let Request::OpenPackOrder { code, .. } = one_request(&commands) else {
        panic!("expected to open an order")
    };
    assert_eq!(code, "TOTE-0001");
    open_with(&mut app, &commands, order());
    assert_eq!(phase(&app), Phase::Verify);
    app
}

/// Scans one unit, checks the `PackUnit` sent, and answers it as the database would; returns
/// the commands the answer brought (a rate shop after the last unit).
fn pack(app: &mut App, scan: &str, line_id: i64) -> Vec<Command> {
    let commands = keys(app, &format!("{scan}\r"));
    assert_eq!(beeps(&commands), 0, "{scan} was refused: {}", notice(app));
    let Request::PackUnit {
        request,
        packer,
        station_id,
        scan: sent,
    } = one_request(&commands)
    else {
        panic!("expected a pack scan: {commands:?}")
    };
    assert_eq!((packer.badge.as_str(), station_id), ("K2001", STATION_ID));
    assert_eq!((sent.order_line_id, sent.quantity), (line_id, 1));
    assert_eq!(sent.raw, scan);
    let line = state(app)
        .order
        .as_ref()
        .and_then(|o| o.lines.iter().find(|l| l.order_line_id == line_id))
        .expect("the line is in the order")
        .clone();
    answer(
        app,
        Reply::UnitPacked {
            request,
            result: Ok(PackProgress {
                order_line_id: line_id,
                expected: line.expected,
                packed: line.packed + sent.quantity,
                order_status: "picked".into(),
            }),
        },
    )
}

/// Answers the rate shop among `commands` with [`shop`].
fn rate(app: &mut App, commands: &[Command]) {
    let Request::RateShop {
        request,
        order,
        plans,
    } = one_request(commands)
    else {
        panic!("expected a rate shop: {commands:?}")
    };
    assert_eq!(order.order_id, ORDER_ID);
    assert_eq!(plans.len(), 1, "three small items go in one carton");
    assert_eq!(plans[0].units(), 3);
    answer(
        app,
        Reply::Rated {
            request,
            result: Ok(Box::new(shop())),
        },
    );
}

/// Every unit scanned and the carriers answered: at the carton.
fn at_carton(width: u16, height: u16) -> App {
    let mut app = opened(width, height);
    assert!(requests(&pack(&mut app, TEE, TEE_LINE)).is_empty());
    assert!(requests(&pack(&mut app, MUG, MUG_LINE)).is_empty());
    let last = pack(&mut app, TEE, TEE_LINE);
    assert_eq!(phase(&app), Phase::Rating);
    rate(&mut app, &last);
    assert_eq!(phase(&app), Phase::Carton);
    app
}

/// Keys `grams` and returns the `LabelCarton` sent.
fn weigh(app: &mut App, grams: i32) -> (RequestId, Request) {
    let commands = keys(app, &format!("{grams}\r"));
    assert_eq!(beeps(&commands), 0, "{grams} g refused: {}", notice(app));
    let request = one_request(&commands);
    let Request::LabelCarton { request: id, .. } = request else {
        panic!("expected a label: {request:?}")
    };
    (id, request)
}

/// Labelled at the expected weight: ready to ship.
fn at_ship(width: u16, height: u16) -> App {
    let mut app = at_carton(width, height);
    keys(&mut app, "\r");
    let grams = expected_weight(&app);
    let (request, _) = weigh(&mut app, grams);
    answer(
        &mut app,
        Reply::Labelled {
            request,
            result: Ok(Box::new(labelled())),
        },
    );
    assert_eq!(phase(&app), Phase::Ship);
    app
}

#[test]
fn an_order_is_verified_boxed_weighed_labelled_and_shipped() {
    let mut app = opened(80, 24);
    assert_eq!(state(&app).units_left(), 3);
    assert!(requests(&pack(&mut app, TEE, TEE_LINE)).is_empty());
    assert_eq!(notice(&app), "Packed TSHIRT-BLK-M: 1 of 2");
    assert_eq!(phase(&app), Phase::Verify);
    // The tote scanned again is not an item: nothing happens.
    let tote = keys(&mut app, "TOTE-0001\r");
    assert_eq!((beeps(&tote), requests(&tote).len()), (0, 0));
    assert!(requests(&pack(&mut app, MUG, MUG_LINE)).is_empty());
    let last = pack(&mut app, TEE, TEE_LINE);
    assert_eq!(state(&app).units_left(), 0);
    assert_eq!(phase(&app), Phase::Rating);
    rate(&mut app, &last);
    assert_eq!(phase(&app), Phase::Carton);
    assert_eq!(state(&app).services.len(), 4);
    let suggested = state(&app).current_carton().unwrap().carton_code.clone();

    // Enter alone takes the suggested box.
    assert!(requests(&keys(&mut app, "\r")).is_empty());
    assert_eq!(phase(&app), Phase::Weigh);
    let grams = expected_weight(&app);
    assert!(grams > 710, "items 710 g and a box: {grams} g");
    let (request, label) = weigh(&mut app, grams + 20);
    let Request::LabelCarton {
        packer,
        station,
        order,
        weighed,
        chosen,
        ..
    } = label
    else {
        unreachable!()
    };
    assert_eq!(packer.badge, "K2001");
    assert_eq!(station.code, "PACK-02");
    assert_eq!(order.order_id, ORDER_ID);
    assert_eq!(weighed.measured_weight_g, grams + 20);
    assert_eq!(weighed.terminal, "T-12");
    assert_eq!(weighed.carton.carton_code, suggested);
    assert_eq!(weighed.carton.expected_weight_g, grams);
    assert_eq!((weighed.carton.number, weighed.carton.count), (1, 1));
    let mut lines = weighed.carton.lines.clone();
    lines.sort_unstable();
    assert_eq!(lines, vec![(TEE_LINE, 2), (MUG_LINE, 1)]);
    assert_eq!(
        (chosen.carrier.as_str(), chosen.service.as_str()),
        ("UPS", "GND")
    );
    assert_eq!(phase(&app), Phase::Weigh, "waits for the label");

    let commands = answer(
        &mut app,
        Reply::Labelled {
            request,
            result: Ok(Box::new(labelled())),
        },
    );
    assert_eq!((beeps(&commands), requests(&commands).len()), (0, 0));
    assert_eq!(phase(&app), Phase::Ship);
    assert_eq!(
        notice(&app),
        format!("Label printed: carton 1 of 1, SSCC {SSCC}")
    );
    let cartons = &state(&app).order.as_ref().unwrap().cartons;
    assert_eq!(cartons.len(), 1);
    assert_eq!(
        (cartons[0].id, cartons[0].weight_g),
        (CARTON_ID, grams + 20)
    );

    let Request::ShipPacked {
        request,
        packer,
        station_id,
        order_id,
        chosen,
        terminal,
        ..
    } = one_request(&keys(&mut app, "\r"))
    else {
        panic!("expected to ship")
    };
    assert_eq!(packer.badge, "K2001");
    assert_eq!((station_id, order_id), (STATION_ID, ORDER_ID));
    assert_eq!(terminal, "T-12");
    let chosen = chosen.expect("a service chosen");
    assert_eq!(*chosen, shop().chosen.unwrap().quote);
    let commands = answer(
        &mut app,
        Reply::ShippedOrder {
            request,
            result: Ok(Shipped {
                shipment_id: 3001,
                order_status: "shipped".into(),
                units: 3,
                cartons: 1,
                outbox_id: Some(9001),
            }),
        },
    );
    assert_eq!((beeps(&commands), requests(&commands).len()), (0, 0));
    assert_eq!(phase(&app), Phase::Order);
    assert!(state(&app).order.is_none());
    assert_eq!(
        notice(&app),
        "Shipped #1001: 1 carton(s), order shipped. Scan the next tote"
    );
    // The station stays bound: the next tote opens the next order.
    let next = keys(&mut app, "TOTE-0002\r");
    assert!(matches!(
        one_request(&next),
        Request::OpenPackOrder {
            station_id: STATION_ID,
            ..
        }
    ));
}

#[test]
fn a_wrong_item_and_an_over_scan_beep_and_send_nothing() {
    let config = ScanConfig::default();
    let Ok(Scan::Gtin(gtin)) = scan::classify("5012345678900", &config) else {
        panic!("5012345678900 should be a valid EAN-13")
    };
    assert_eq!(gtin.as_str(), "05012345678900");

    let mut app = opened(80, 24);
    let wrong = keys(&mut app, "5012345678900\r");
    assert_eq!(beeps(&wrong), 1);
    assert!(requests(&wrong).is_empty(), "{wrong:?}");
    assert!(
        wrong.iter().any(|c| matches!(c, Command::Journal(_))),
        "a refused scan is journaled"
    );
    assert!(
        notice(&app).starts_with("Wrong item: 05012345678900 is not in this order"),
        "{}",
        notice(&app)
    );
    assert_eq!(phase(&app), Phase::Verify);

    // A misread is not a wrong item, but refused the same way.
    let misread = keys(&mut app, "012345678901\r");
    assert_eq!((beeps(&misread), requests(&misread).len()), (1, 0));
    assert!(notice(&app).contains("check digit"), "{}", notice(&app));

    pack(&mut app, TEE, TEE_LINE);
    pack(&mut app, TEE, TEE_LINE);
    let over = keys(&mut app, &format!("{TEE}\r"));
    assert_eq!(beeps(&over), 1);
    assert!(requests(&over).is_empty(), "{over:?}");
    assert!(
        notice(&app).starts_with("Over-scan") && notice(&app).contains("TSHIRT-BLK-M"),
        "{}",
        notice(&app)
    );
    // The SKU code typed from the label counts as the item too: still an over-scan.
    let typed = keys(&mut app, "tshirt-blk-m\r");
    assert_eq!((beeps(&typed), requests(&typed).len()), (1, 0));
    assert!(notice(&app).starts_with("Over-scan"), "{}", notice(&app));
    assert_eq!(phase(&app), Phase::Verify);
    assert_eq!(state(&app).units_left(), 1);
}

#[test]
fn f2_declares_a_unit_missing_and_the_order_is_opened_again() {
    let mut app = opened(80, 24);
    pack(&mut app, TEE, TEE_LINE);
    update(&mut app, key(KeyCode::F(2)));
    assert_eq!(phase(&app), Phase::ShortLine);
    assert!(requests(&keys(&mut app, "2\r")).is_empty());
    assert_eq!(phase(&app), Phase::ShortCount { line: 1 });
    // The mug line has one unit: two cannot be missing.
    let refused = keys(&mut app, "2\r");
    assert_eq!((beeps(&refused), requests(&refused).len()), (1, 0));
    assert_eq!(notice(&app), "Expected how many units are missing: 1 to 1");
    let Request::PackShort {
        request,
        packer,
        station_id,
        short,
    } = one_request(&keys(&mut app, "1\r"))
    else {
        panic!("expected a short")
    };
    assert_eq!(packer.badge, "K2001");
    assert_eq!(station_id, STATION_ID);
    assert_eq!((short.order_line_id, short.missing), (MUG_LINE, 1));
    assert_eq!(short.terminal, "T-12");

    let commands = answer(
        &mut app,
        Reply::PackShorted {
            request,
            result: Ok(PackShortOutcome {
                order_line_id: MUG_LINE,
                picked_qty: 0,
                reserved_qty: 0,
                backordered_qty: 1,
                order_status: "picked".into(),
                exception_id: Some(77),
            }),
        },
    );
    assert_eq!(beeps(&commands), 0);
    let Request::OpenPackOrder {
        station_id, code, ..
    } = one_request(&commands)
    else {
        panic!("expected the order opened again: {commands:?}")
    };
    assert_eq!((station_id, code.as_str()), (STATION_ID, "5550001001"));
    assert_eq!(
        notice(&app),
        "Short MUG-WHT-11: 0 re-reserved, 1 backordered; the supervisor is told"
    );
    // Recorded: the count prompt is gone, so a failed reload cannot lead to a second short.
    assert_eq!(phase(&app), Phase::Verify);
    // The database now has only the tees to pack here, one of them packed.
    let mut reloaded = order();
    reloaded.lines.truncate(1);
    reloaded.lines[0].packed = 1;
    open_with(&mut app, &commands, reloaded);
    assert_eq!(phase(&app), Phase::Verify);
    assert_eq!(state(&app).units_left(), 1);
    // F2 with a line all packed is refused.
    pack(&mut app, TEE, TEE_LINE);
    assert_eq!(phase(&app), Phase::Rating);
}

#[test]
fn a_line_all_packed_cannot_be_short() {
    let mut app = opened(80, 24);
    pack(&mut app, TEE, TEE_LINE);
    pack(&mut app, TEE, TEE_LINE);
    update(&mut app, key(KeyCode::F(2)));
    let refused = keys(&mut app, "1\r");
    assert_eq!((beeps(&refused), requests(&refused).len()), (1, 0));
    assert_eq!(
        notice(&app),
        "TSHIRT-BLK-M is all packed: nothing of it can be missing"
    );
    assert_eq!(phase(&app), Phase::ShortLine);
    // Esc goes back to scanning.
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(phase(&app), Phase::Verify);
}

#[test]
fn a_weight_out_of_tolerance_stops_the_station() {
    let mut app = at_carton(80, 24);
    keys(&mut app, "\r");
    let grams = expected_weight(&app);
    let heavy = keys(&mut app, &format!("{}\r", grams * 2));
    assert_eq!(beeps(&heavy), 1);
    assert!(requests(&heavy).is_empty(), "{heavy:?}");
    assert_eq!(phase(&app), Phase::Weigh);
    assert!(
        notice(&app).starts_with(&format!("STOP: {} g, expected {grams} g", grams * 2)),
        "{}",
        notice(&app)
    );
    assert_eq!(state(&app).weight_stop, Some((grams * 2, grams)));
    let screen = draw(&app);
    assert!(
        screen.contains(&format!("STOP: weighs {} g, expected {grams} g", grams * 2)),
        "{screen}"
    );
    // Not a weight at all.
    let junk = keys(&mut app, "heavy\r");
    assert_eq!((beeps(&junk), requests(&junk).len()), (1, 0));
    assert_eq!(phase(&app), Phase::Weigh);

    let (_, label) = weigh(&mut app, grams - 10);
    let Request::LabelCarton { weighed, .. } = label else {
        unreachable!()
    };
    assert_eq!(weighed.measured_weight_g, grams - 10);
    assert_eq!(state(&app).weight_stop, None);
}

#[test]
fn a_label_that_did_not_print_is_printed_with_enter() {
    let mut app = at_carton(80, 24);
    keys(&mut app, "\r");
    let grams = expected_weight(&app);
    let (request, _) = weigh(&mut app, grams);
    let commands = answer(
        &mut app,
        Reply::Labelled {
            request,
            result: Err(printer_down()),
        },
    );
    assert_eq!(beeps(&commands), 1);
    assert!(requests(&commands).is_empty());
    assert_eq!(
        phase(&app),
        Phase::PrinterDown {
            carton_id: CARTON_ID,
            sscc: SSCC.into()
        }
    );
    assert!(notice(&app).starts_with(&format!("Printer down: carton {SSCC} is saved")));
    // Anything but Enter is refused.
    let scanned = keys(&mut app, &format!("{TEE}\r"));
    assert_eq!((beeps(&scanned), requests(&scanned).len()), (1, 0));

    let Request::ReprintLabel {
        request,
        packer,
        station,
        carton_id,
    } = one_request(&keys(&mut app, "\r"))
    else {
        panic!("expected a reprint")
    };
    assert_eq!(packer.badge, "K2001");
    assert_eq!((station.id, carton_id), (STATION_ID, CARTON_ID));
    let commands = answer(
        &mut app,
        Reply::Reprinted {
            request,
            carton_id,
            result: Ok(()),
        },
    );
    assert_eq!((beeps(&commands), requests(&commands).len()), (0, 0));
    assert_eq!(phase(&app), Phase::Ship);
    assert_eq!(notice(&app), format!("Label {SSCC} printed"));
    assert!(matches!(
        one_request(&keys(&mut app, "\r")),
        Request::ShipPacked { .. }
    ));
}

#[test]
fn a_printer_still_down_on_the_retry_stays_down() {
    let mut app = at_carton(80, 24);
    keys(&mut app, "\r");
    let grams = expected_weight(&app);
    let (request, _) = weigh(&mut app, grams);
    answer(
        &mut app,
        Reply::Labelled {
            request,
            result: Err(printer_down()),
        },
    );
    let Request::ReprintLabel { request, .. } = one_request(&keys(&mut app, "\r")) else {
        panic!("expected a reprint")
    };
    let commands = answer(
        &mut app,
        Reply::Reprinted {
            request,
            carton_id: CARTON_ID,
            result: Err(printer_down()),
        },
    );
    assert_eq!(beeps(&commands), 1);
    assert!(matches!(phase(&app), Phase::PrinterDown { .. }));
    assert!(matches!(
        one_request(&keys(&mut app, "\r")),
        Request::ReprintLabel { .. }
    ));
}

#[test]
fn f6_voids_the_one_labelled_carton_and_the_order_is_opened_again() {
    let mut app = at_ship(80, 24);
    let Request::VoidCarton {
        request,
        packer,
        carton_id,
    } = one_request(&update(&mut app, key(KeyCode::F(6))))
    else {
        panic!("expected a void")
    };
    assert_eq!((packer.badge.as_str(), carton_id), ("K2001", CARTON_ID));
    let commands = answer(
        &mut app,
        Reply::Voided {
            request,
            result: Ok(SSCC.into()),
        },
    );
    assert_eq!(beeps(&commands), 0);
    let Request::OpenPackOrder { code, .. } = one_request(&commands) else {
        panic!("expected the order opened again: {commands:?}")
    };
    assert_eq!(code, "5550001001");
    assert_eq!(
        notice(&app),
        format!("Label {SSCC} voided: destroy it; its units go in a new carton")
    );
    // The voided carton is gone at once: Enter cannot ship it, F6 cannot void it again.
    assert!(state(&app).order.as_ref().unwrap().cartons.is_empty());
    assert_ne!(phase(&app), Phase::Ship);
    // Every unit packed, none in a carton: the box is suggested again, the rate kept.
    let mut reloaded = order();
    for line in &mut reloaded.lines {
        line.packed = line.expected;
    }
    open_with(&mut app, &commands, reloaded);
    assert_eq!(phase(&app), Phase::Carton);
    assert_eq!(state(&app).current_carton().map(|c| c.number), Some(1));
}

#[test]
fn another_box_that_fits_is_recorded_and_one_too_small_is_refused() {
    let mut app = at_carton(80, 24);
    let suggested = state(&app).current_carton().unwrap().carton_code.clone();
    assert_ne!(suggested, "MLR-S");
    assert_ne!(suggested, "BOX-24");
    let suggested_weight = expected_weight(&app);

    let small = keys(&mut app, "MLR-S\r");
    assert_eq!((beeps(&small), requests(&small).len()), (1, 0));
    assert_eq!(
        notice(&app),
        format!("The items do not fit in MLR-S (size or weight): use {suggested} or larger")
    );
    assert_eq!(phase(&app), Phase::Carton);

    let unknown = keys(&mut app, "BOX-99\r");
    assert_eq!((beeps(&unknown), requests(&unknown).len()), (1, 0));
    assert!(
        notice(&app).starts_with(&format!("Expected a carton code: {suggested} suggested")),
        "{}",
        notice(&app)
    );

    // Another box bills another weight: the carriers are asked again, for BOX-24.
    let bigger = keys(&mut app, "BOX-24\r");
    assert_eq!(beeps(&bigger), 0);
    let Request::RateShop { request, plans, .. } = one_request(&bigger) else {
        panic!("expected the carriers asked again: {bigger:?}")
    };
    assert_eq!(plans[0].carton.code, "BOX-24");
    answer(
        &mut app,
        Reply::Rated {
            request,
            result: Ok(Box::new(shop())),
        },
    );
    assert_eq!(phase(&app), Phase::Weigh);
    assert_eq!(
        notice(&app),
        format!("Box BOX-24 used instead of {suggested}: recorded")
    );
    // Esc and Enter: Enter alone is the suggested box again, as the screen says.
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(phase(&app), Phase::Carton);
    let back = keys(&mut app, "\r");
    rate(&mut app, &back);
    assert_eq!(phase(&app), Phase::Weigh);
    assert_eq!(state(&app).current_carton().unwrap().carton_code, suggested);
    assert_eq!(expected_weight(&app), suggested_weight);
    update(&mut app, key(KeyCode::Esc));
    let commands = keys(&mut app, "BOX-24\r");
    let Request::RateShop { request, .. } = one_request(&commands) else {
        panic!("expected a rate shop: {commands:?}")
    };
    answer(
        &mut app,
        Reply::Rated {
            request,
            result: Ok(Box::new(shop())),
        },
    );
    // BOX-24 weighs 1250 g empty: the carton should weigh more than with the suggested box.
    let grams = expected_weight(&app);
    assert!(grams > suggested_weight, "{grams} <= {suggested_weight}");
    let (_, label) = weigh(&mut app, grams);
    let Request::LabelCarton { weighed, .. } = label else {
        unreachable!()
    };
    assert_eq!(weighed.carton.carton_code, "BOX-24");
    assert_eq!(
        weighed.carton.suggested_code.as_deref(),
        Some(suggested.as_str())
    );
    assert_eq!(weighed.carton.expected_weight_g, grams);
}

#[test]
fn snapshots_at_the_desk_and_on_a_wallboard() {
    for (width, height) in [(80, 24), (160, 50)] {
        let mut app = opened(width, height);
        pack(&mut app, TEE, TEE_LINE);
        let verify = draw(&app);
        assert!(verify.contains("TSHIRT-BLK-M"), "{verify}");
        assert!(verify.contains("MUG-WHT-11"), "{verify}");
        insta::assert_snapshot!(format!("pack_verify_{width}x{height}"), verify);

        let mut app = at_carton(width, height);
        keys(&mut app, "\r");
        let weigh = draw(&app);
        assert!(weigh.contains("FedEx Ground"), "{weigh}");
        insta::assert_snapshot!(format!("pack_weigh_{width}x{height}"), weigh);

        let app = at_ship(width, height);
        let ship = draw(&app);
        assert!(ship.contains(SSCC), "{ship}");
        insta::assert_snapshot!(format!("pack_ship_{width}x{height}"), ship);
    }
}

#[test]
fn snapshots_of_the_handheld_fallback() {
    let mut app = opened(20, 16);
    pack(&mut app, TEE, TEE_LINE);
    let verify = draw(&app);
    assert!(verify.contains("Packed 1/3"), "{verify}");
    insta::assert_snapshot!("pack_verify_20x16", verify);

    let mut app = at_carton(20, 16);
    keys(&mut app, "\r");
    insta::assert_snapshot!("pack_weigh_20x16", draw(&app));
}
