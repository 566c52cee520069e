//! A packer at a station, in process, against a real database: keys go in through the runtime
//! (under `TestBackend` at 80x24), as a scanner types them, and the screen, the printer (a
//! loopback TCP listener) and the database come out. A demo order picked in the picking flow is
//! packed by scanning its tote and every unit; a wrong item and an over-scan are refused on the
//! terminal; the suggested carton is weighed (a wrong weight stops the station), its label
//! prints with no key press and parses as ZPL with a valid SSCC; Enter ships it. Then: a printer
//! that is down (the carton is kept, Enter prints it once the printer is back), a void and a new
//! label, a unit missing (F2), and a bulky two-carton order end to end.

mod common;

use common::terminal::TestTerminal;
use std::time::Duration;

use aisle::db::packing::{PackLine, PackOrder};
use aisle::db::warehouses;
use aisle::domain::barcode::has_valid_check_digit;
use aisle::labels::parse_fields;
use aisle::runtime::Effects;
use aisle::screen::Screen;
use aisle::screen::pack::state::Phase;
use common::floor::{assert_invariants, demo_warehouse};
use common::packing::{order_status, picked_orders};
use crossterm::event::KeyCode;
use sqlx::PgPool;
use tokio::io::AsyncReadExt as _;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// An 80x24 station terminal: the shared test terminal, with the packing flow's own steps.
struct PackTerminal(TestTerminal);

impl std::ops::Deref for PackTerminal {
    type Target = TestTerminal;
    fn deref(&self) -> &TestTerminal {
        &self.0
    }
}

impl std::ops::DerefMut for PackTerminal {
    fn deref_mut(&mut self) -> &mut TestTerminal {
        &mut self.0
    }
}

impl PackTerminal {
    fn new(pool: &PgPool, warehouse: &warehouses::Warehouse, labels: &std::path::Path) -> Self {
        let effects = Effects::new(pool.clone(), warehouse.id).with_data_dir(labels);
        PackTerminal(TestTerminal::new("PACK-TERM-1", warehouse, effects, 80, 24))
    }

    fn phase(&self) -> Phase {
        match self.runtime.app().screen() {
            Screen::Pack(state) => state.phase.clone(),
            other => panic!("not packing: {other:?}\n{}", self.screen()),
        }
    }

    fn order(&self) -> PackOrder {
        match self.runtime.app().screen() {
            Screen::Pack(state) => state.order.clone().expect("an order is open"),
            other => panic!("not packing: {other:?}"),
        }
    }

    fn expected_weight(&self) -> i32 {
        match self.runtime.app().screen() {
            Screen::Pack(state) => state.current_carton().expect("a carton").expected_weight_g,
            other => panic!("not packing: {other:?}"),
        }
    }

    /// Logs in as the demo packer, opens the pack station screen and binds `station`.
    async fn start(&mut self, station: &str) {
        self.scan("K2001\r").await;
        let screen = self.scan("4321\r").await;
        assert!(screen.contains("1 Pack"), "{screen}");
        self.scan("1").await;
        assert_eq!(self.phase(), Phase::Station);
        let screen = self.scan(&format!("{station}\r")).await;
        assert_eq!(self.phase(), Phase::Order, "{screen}");
    }

    /// Scans every unit still expected, each by its own barcode (with its lot where it has
    /// one), until the station moves on from verification.
    async fn scan_every_unit(&mut self) {
        let mut scans = 0;
        while self.phase() == Phase::Verify {
            let order = self.order();
            let line = order
                .lines
                .iter()
                .find(|l| l.packed < l.expected)
                .expect("a line with units left");
            let scan = unit_scan(line);
            let screen = self.scan(&scan).await;
            // A refusal keeps the station verifying; what follows the last unit may warn.
            assert!(
                self.phase() != Phase::Verify || !screen.contains("! "),
                "refused:\n{screen}"
            );
            scans += 1;
            assert!(scans < 200, "verification never ends");
        }
    }

    /// Accepts the suggested box and keys the weight it should have: its label prints.
    async fn box_and_weigh(&mut self) -> String {
        assert_eq!(self.phase(), Phase::Carton, "{}", self.screen());
        self.scan("\r").await;
        assert_eq!(self.phase(), Phase::Weigh);
        let grams = self.expected_weight();
        self.scan(&format!("{grams}\r")).await
    }
}

/// One unit of `line` as its each barcode scans, with its lot where it has one, and Enter.
fn unit_scan(line: &PackLine) -> String {
    let barcode = line
        .barcodes
        .iter()
        .find(|b| b.units == 1)
        .expect("an each barcode");
    match line.lots.first() {
        Some(lot) => format!("(01){}(10){lot}\r", barcode.gtin),
        None => format!("{}\r", barcode.gtin),
    }
}

/// A printer on 127.0.0.1: every connection's bytes, read to the end, are one label.
async fn printer_on(listener: TcpListener) -> mpsc::UnboundedReceiver<String> {
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
    rx
}

async fn next_label(rx: &mut mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the printer got a label in time")
        .expect("the printer is listening")
}

/// Points PACK-02's printer at 127.0.0.1:`port`.
async fn printer_port(pool: &PgPool, wh: i32, port: u16) {
    sqlx::query(
        "update pack_stations s set printer_host = '127.0.0.1', printer_port = $2
           from locations l
          where l.warehouse_id = $1 and l.code = 'PACK-02'
            and s.warehouse_id = l.warehouse_id and s.location_id = l.id",
    )
    .bind(wh)
    .bind(i32::from(port))
    .execute(pool)
    .await
    .unwrap();
}

/// The demo, one picked order of `kind`, PACK-02 printing to a fresh loopback printer.
async fn floor(
    pool: &PgPool,
    kind: &str,
) -> (
    warehouses::Warehouse,
    i64,
    String,
    mpsc::UnboundedReceiver<String>,
) {
    let wh = demo_warehouse(pool).await;
    let order = picked_orders(pool, wh, &[kind]).await[0];
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    printer_port(pool, wh, listener.local_addr().unwrap().port()).await;
    let printer = printer_on(listener).await;
    let tote: String = sqlx::query_scalar(
        "select l.code from batch_orders b join locations l on l.id = b.tote_location_id
          where b.warehouse_id = $1 and b.order_id = $2 order by b.batch_id desc limit 1",
    )
    .bind(wh)
    .bind(order)
    .fetch_one(pool)
    .await
    .unwrap();
    let warehouse = warehouses::resolve(pool, Some("DEMO")).await.unwrap();
    (warehouse, order, tote, printer)
}

async fn cartons(pool: &PgPool, order: i64) -> Vec<(String, String, i32)> {
    sqlx::query_as(
        "select sscc, label_status, weight_g from cartons where order_id = $1 order by id",
    )
    .bind(order)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn recorded_id(pool: &PgPool, order: i64) -> i64 {
    sqlx::query_scalar("select min(id) from cartons where order_id = $1")
        .bind(order)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn assert_label(zpl: &str, reference: &str) -> String {
    let parsed = parse_fields(zpl).expect("the label parses as ZPL");
    let sscc = parsed.sscc().expect("the label carries an SSCC");
    assert!(has_valid_check_digit(sscc.as_str()), "{}", sscc.as_str());
    assert!(parsed.has_text(reference), "{parsed:#?}");
    sscc.as_str().to_owned()
}

#[tokio::test]
async fn a_picked_demo_order_is_verified_boxed_weighed_labelled_and_shipped() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let labels = tempfile::tempdir().unwrap();
    let (warehouse, order_id, tote, mut printer) = floor(pool, "shopify").await;
    let mut station = PackTerminal::new(pool, &warehouse, labels.path());
    station.start("PACK-02").await;

    let screen = station.scan(&format!("{tote}\r")).await;
    assert_eq!(station.phase(), Phase::Verify, "{screen}");
    let order = station.order();
    assert!(screen.contains(&order.reference), "{screen}");
    for line in &order.lines {
        assert!(screen.contains(&line.sku_code), "{screen}");
    }

    // A wrong item: beep, said at once, nothing packed.
    let rings = station.bell.rings();
    let screen = station.scan("4006381333931\r").await;
    assert!(screen.contains("Wrong item"), "{screen}");
    assert_eq!(station.bell.rings(), rings + 1);
    let packed: i64 = sqlx::query_scalar("select count(*) from pack_lines")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(packed, 0);

    // Every unit but the last of the first line, then that line once too often.
    let first = order.lines[0].clone();
    let item = unit_scan(&first);
    for _ in 0..first.expected {
        station.scan(&item).await;
    }
    let rings = station.bell.rings();
    let screen = station.scan(&item).await;
    assert!(screen.contains("Over-scan"), "{screen}");
    assert_eq!(station.bell.rings(), rings + 1);
    assert_eq!(station.order().lines[0].packed, first.expected);

    station.scan_every_unit().await;
    assert_eq!(station.phase(), Phase::Carton, "{}", station.screen());
    let screen = station.screen();
    assert!(screen.contains("Carton 1 of"), "{screen}");
    assert!(screen.contains("> 1 "), "the chosen service:\n{screen}");

    // A weight far off stops the station: no serial, no label, no carton.
    station.scan("\r").await;
    let grams = station.expected_weight();
    let rings = station.bell.rings();
    let screen = station.scan(&format!("{}\r", grams * 2 + 500)).await;
    assert!(screen.contains("STOP"), "{screen}");
    assert_eq!(station.bell.rings(), rings + 1);
    assert_eq!(station.phase(), Phase::Weigh);
    assert!(cartons(pool, order_id).await.is_empty());

    // The right weight prints the label with no further key.
    let mut count = 0;
    loop {
        let grams = station.expected_weight();
        let screen = station.scan(&format!("{grams}\r")).await;
        let zpl = next_label(&mut printer).await;
        let sscc = assert_label(&zpl, &order.reference);
        assert!(screen.contains(&sscc), "{screen}");
        count += 1;
        match station.phase() {
            Phase::Ship => break,
            Phase::Carton => {
                station.scan("\r").await;
            }
            other => panic!("{other:?}\n{}", station.screen()),
        }
    }
    let recorded = cartons(pool, order_id).await;
    assert_eq!(recorded.len(), count);
    assert!(recorded.iter().all(|(_, status, _)| status == "printed"));

    let chosen = match station.app().screen() {
        Screen::Pack(state) => state.chosen().cloned().expect("a service"),
        _ => unreachable!(),
    };
    let screen = station.scan("\r").await;
    assert!(screen.contains("Shipped"), "{screen}");
    assert_eq!(station.phase(), Phase::Order);
    assert_eq!(order_status(pool, order_id).await, "shipped");
    // The shipment names the service its labels were made for, the one chosen on screen.
    let services: Vec<(String, String)> = sqlx::query_as(
        "select ca.code, cs.code from shipments s
           join carrier_services cs on cs.id = s.carrier_service_id
           join carriers ca on ca.id = cs.carrier_id
          where s.order_id = $1
         union
         select ca.code, cs.code from cartons c
           join carrier_services cs on cs.id = c.carrier_service_id
           join carriers ca on ca.id = cs.carrier_id
          where c.order_id = $1",
    )
    .bind(order_id)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        services,
        vec![(chosen.carrier.clone(), chosen.service.clone())]
    );
    let outbox: i64 =
        sqlx::query_scalar("select count(*) from outbox where payload::text like '%' || $1 || '%'")
            .bind(&order.external_id)
            .fetch_one(pool)
            .await
            .unwrap();
    assert!(outbox >= 1, "the channel's fulfillment is in the outbox");
    assert_invariants(pool).await;

    // Esc twice to the menu and back: still bound to PACK-02, ready for the next tote.
    let screen = station.key(KeyCode::Esc).await;
    assert_eq!(station.phase(), Phase::Station);
    assert!(screen.contains("Bound to PACK-02"), "{screen}");
    station.key(KeyCode::Esc).await;
    let screen = station.scan("1").await;
    assert_eq!(station.phase(), Phase::Order, "{screen}");
    assert!(screen.contains("PACK-02"), "{screen}");
}

#[tokio::test]
async fn a_printer_that_is_down_keeps_the_carton_and_enter_prints_it_when_back() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let labels = tempfile::tempdir().unwrap();
    let (warehouse, order_id, tote, _live) = floor(pool, "edi").await;
    // The station's printer is a port where nothing listens yet.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    printer_port(pool, warehouse.id, port).await;
    let mut station = PackTerminal::new(pool, &warehouse, labels.path());
    station.start("PACK-02").await;
    station.scan(&format!("{tote}\r")).await;
    station.scan_every_unit().await;

    let rings = station.bell.rings();
    let screen = station.box_and_weigh().await;
    assert!(
        matches!(station.phase(), Phase::PrinterDown { .. }),
        "{screen}"
    );
    assert!(screen.contains("Printer down"), "{screen}");
    assert!(station.bell.rings() > rings);
    let recorded = cartons(pool, order_id).await;
    assert_eq!(recorded.len(), 1, "the carton is kept with its label");

    // Enter while the printer is still down: still down, still kept, nothing twice.
    station.scan("\r").await;
    assert!(matches!(station.phase(), Phase::PrinterDown { .. }));
    assert_eq!(cartons(pool, order_id).await.len(), 1);

    // The packer leaves the order and comes back to it: the unprinted label is what is asked
    // for first, and the order cannot ship with it.
    station.key(KeyCode::Esc).await;
    assert_eq!(station.phase(), Phase::Order);
    let screen = station.scan(&format!("{tote}\r")).await;
    assert!(
        matches!(station.phase(), Phase::PrinterDown { .. }),
        "{screen}"
    );
    assert!(screen.contains("never printed"), "{screen}");
    let pending: bool = sqlx::query_scalar("select print_pending from cartons where id = $1")
        .bind(recorded_id(pool, order_id).await)
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(pending, "shipping refuses the order until it prints");

    // The printer is back on the same address: Enter prints the recorded label.
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let mut printer = printer_on(listener).await;
    station.scan("\r").await;
    let zpl = next_label(&mut printer).await;
    assert_eq!(
        assert_label(&zpl, &station.order().reference),
        recorded[0].0
    );
    assert!(
        matches!(station.phase(), Phase::Carton | Phase::Ship),
        "{}",
        station.screen()
    );
}

#[tokio::test]
async fn a_voided_label_sends_its_units_back_to_a_new_carton_and_a_reprint_prints_the_same() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let labels = tempfile::tempdir().unwrap();
    let (warehouse, order_id, tote, mut printer) = floor(pool, "amazon").await;
    let mut station = PackTerminal::new(pool, &warehouse, labels.path());
    station.start("PACK-02").await;
    station.scan(&format!("{tote}\r")).await;
    station.scan_every_unit().await;
    while station.phase() == Phase::Carton {
        station.box_and_weigh().await;
        next_label(&mut printer).await;
    }
    assert_eq!(station.phase(), Phase::Ship, "{}", station.screen());
    let before = cartons(pool, order_id).await;

    // F5 reprints (carton 1 when there are several), the same label.
    station.key(KeyCode::F(5)).await;
    if before.len() > 1 {
        station.scan("1\r").await;
    }
    let again = next_label(&mut printer).await;
    assert_eq!(
        assert_label(&again, &station.order().reference),
        before[0].0
    );

    // F6 voids: the carton's units need a carton again, with a new SSCC.
    station.key(KeyCode::F(6)).await;
    if before.len() > 1 {
        station.scan("1\r").await;
    }
    assert_eq!(station.phase(), Phase::Carton, "{}", station.screen());
    let after_void = cartons(pool, order_id).await;
    assert_eq!(after_void[0].1, "voided");
    station.box_and_weigh().await;
    let zpl = next_label(&mut printer).await;
    let sscc = assert_label(&zpl, &station.order().reference);
    assert!(before.iter().all(|(old, _, _)| *old != sscc));
    // It takes the voided carton's number: no two live labels say the same "k of n".
    let parsed = parse_fields(&zpl).unwrap();
    assert!(
        parsed.has_text(&format!("CARTON 1 OF {}", before.len())),
        "{parsed:#?}"
    );
    assert_eq!(station.phase(), Phase::Ship);
    station.scan("\r").await;
    assert_eq!(order_status(pool, order_id).await, "shipped");
    assert_invariants(pool).await;
}

#[tokio::test]
async fn a_unit_missing_at_packing_is_declared_with_f2_and_the_rest_ships() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let labels = tempfile::tempdir().unwrap();
    let (warehouse, order_id, tote, mut printer) = floor(pool, "edi").await;
    let mut station = PackTerminal::new(pool, &warehouse, labels.path());
    station.start("PACK-02").await;
    station.scan(&format!("{tote}\r")).await;
    let order = station.order();
    let expected: i32 = order.lines.iter().map(|l| l.expected).sum();

    station.key(KeyCode::F(2)).await;
    assert_eq!(station.phase(), Phase::ShortLine);
    station.scan("1\r").await;
    assert_eq!(station.phase(), Phase::ShortCount { line: 0 });
    let screen = station.scan("1\r").await;
    assert!(screen.contains("Short"), "{screen}");
    let exceptions: i64 =
        sqlx::query_scalar("select count(*) from exceptions where kind = 'pack_short'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(exceptions, 1);
    let after = station.order();
    assert_eq!(
        after.lines.iter().map(|l| l.expected).sum::<i32>(),
        expected - 1,
        "the missing unit is no longer expected here"
    );

    if station.phase() == Phase::Verify {
        station.scan_every_unit().await;
    }
    while station.phase() == Phase::Carton {
        station.box_and_weigh().await;
        next_label(&mut printer).await;
    }
    assert_eq!(station.phase(), Phase::Ship, "{}", station.screen());
    let screen = station.scan("\r").await;
    assert!(
        screen.contains("Shipped") || screen.contains("Not shipped"),
        "{screen}"
    );
    let status = order_status(pool, order_id).await;
    assert!(
        ["shipped", "partly_shipped", "picked", "packed"].contains(&status.as_str()),
        "{status}"
    );
    assert_invariants(pool).await;
}

#[tokio::test]
async fn a_bulky_order_goes_in_two_cartons_each_labelled_then_shipped_together() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let labels = tempfile::tempdir().unwrap();
    let (warehouse, order_id, tote, mut printer) = floor(pool, "edi").await;
    // Every SKU of the order becomes bulky: one unit fills the largest carton.
    sqlx::query(
        "update skus k set length_mm = 600, width_mm = 450, height_mm = 400
          where k.id in (select sku_id from order_lines where order_id = $1)",
    )
    .bind(order_id)
    .execute(pool)
    .await
    .unwrap();
    let mut station = PackTerminal::new(pool, &warehouse, labels.path());
    station.start("PACK-02").await;
    station.scan(&format!("{tote}\r")).await;
    let units: i32 = station.order().lines.iter().map(|l| l.expected).sum();
    assert!(units >= 2);
    station.scan_every_unit().await;
    let screen = station.screen();
    assert!(screen.contains(&format!("Carton 1 of {units}")), "{screen}");

    let mut ssccs = Vec::new();
    while station.phase() == Phase::Carton {
        station.box_and_weigh().await;
        ssccs.push(assert_label(
            &next_label(&mut printer).await,
            &station.order().reference,
        ));
    }
    assert_eq!(ssccs.len(), usize::try_from(units).unwrap());
    assert_eq!(station.phase(), Phase::Ship);
    station.scan("\r").await;
    assert_eq!(order_status(pool, order_id).await, "shipped");
    // The 856 lists every carton's SSCC.
    let payload: String = sqlx::query_scalar(
        "select payload::text from outbox where payload::text like '%' || $1 || '%'
          order by id desc limit 1",
    )
    .bind(&ssccs[0])
    .fetch_one(pool)
    .await
    .unwrap();
    for sscc in &ssccs {
        assert!(payload.contains(sscc.as_str()), "{payload}");
    }
    assert_invariants(pool).await;
}

#[tokio::test]
async fn a_short_on_a_channel_that_ships_whole_orders_sends_the_order_back_and_the_rest_waits() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let labels = tempfile::tempdir().unwrap();
    let (warehouse, order_id, tote, _printer) = floor(pool, "shopify").await;
    let mut station = PackTerminal::new(pool, &warehouse, labels.path());
    station.start("PACK-02").await;
    station.scan(&format!("{tote}\r")).await;
    let order = station.order();
    assert!(
        !order.allows_partial_shipment,
        "Shopify ships whole orders here"
    );
    // One unit of the first line packed, the second reported missing.
    let item = unit_scan(&order.lines[0]);
    station.scan(&item).await;
    station.key(KeyCode::F(2)).await;
    station.scan("1\r").await;
    let screen = station.scan("1\r").await;
    assert!(screen.contains("back to picking"), "{screen}");
    assert_eq!(station.phase(), Phase::Order, "{screen}");
    assert_eq!(order_status(pool, order_id).await, "reserved");
    // The packed unit waits at the station, recorded against the order.
    let at_station: i64 = sqlx::query_scalar(
        "select coalesce(sum(packed_qty - shipped_qty), 0)::bigint from pack_lines where order_id = $1",
    )
    .bind(order_id)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(at_station, 1);
    // Until the rest is picked, the order does not open at the station.
    let rings = station.bell.rings();
    let screen = station.scan(&format!("{}\r", order.external_id)).await;
    assert!(screen.contains("only picked orders"), "{screen}");
    assert_eq!(station.bell.rings(), rings + 1);
    assert_invariants(pool).await;
}

#[tokio::test]
async fn an_item_no_carton_fits_is_boxed_by_hand_in_the_box_scanned() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let labels = tempfile::tempdir().unwrap();
    let (warehouse, order_id, tote, mut printer) = floor(pool, "shopify").await;
    // One SKU of the order is two metres long: no carton of the catalogue holds it.
    sqlx::query(
        "update skus set length_mm = 2000 where id = (
             select sku_id from order_lines where order_id = $1 order by line_no limit 1)",
    )
    .bind(order_id)
    .execute(pool)
    .await
    .unwrap();
    let mut station = PackTerminal::new(pool, &warehouse, labels.path());
    station.start("PACK-02").await;
    station.scan(&format!("{tote}\r")).await;
    station.scan_every_unit().await;
    let screen = station.screen();
    assert_eq!(station.phase(), Phase::Carton, "{screen}");
    assert!(screen.contains("No carton suggested"), "{screen}");
    // Enter alone has nothing to accept; a code that is no box is refused.
    let rings = station.bell.rings();
    station.scan("\r").await;
    station.scan("CRATE\r").await;
    assert_eq!(station.bell.rings(), rings + 2);
    // The box scanned holds every unit; the carriers are asked, then the weight prints.
    station.scan("BOX-24\r").await;
    assert_eq!(station.phase(), Phase::Weigh, "{}", station.screen());
    let grams = station.expected_weight();
    station.scan(&format!("{grams}\r")).await;
    assert_label(&next_label(&mut printer).await, &station.order().reference);
    assert_eq!(station.phase(), Phase::Ship, "{}", station.screen());
    let (code, suggested): (String, Option<String>) =
        sqlx::query_as("select carton_code, suggested_code from cartons where order_id = $1")
            .bind(order_id)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!((code.as_str(), suggested), ("BOX-24", None));
    station.scan("\r").await;
    assert_eq!(order_status(pool, order_id).await, "shipped");
    assert_invariants(pool).await;
}
