//! In-process flows against a real database: keys go in through the runtime (under
//! `TestBackend`), and the screen text and the database rows come out.

mod common;

use aisle::app::Event;
use aisle::db::operators::hash_pin;
use aisle::db::warehouses::{self, Warehouse};
use aisle::runtime::{CountingBell, Effects, Runtime};
use aisle::ui::buffer_text::buffer_text;
use aisle::ui::theme::Theme;
use crossterm::event::{Event as TerminalEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sqlx::PgPool;

const GTIN: &str = "012345678905";

/// A warehouse with one bin holding 40 blue mugs (UPC-A 012345678905), two channels (half less
/// two; everything capped at 10), a picker P1001 and a supervisor S2001, both with PIN 1234.
async fn floor(pool: &PgPool) -> Warehouse {
    sqlx::raw_sql(
        "insert into warehouses (code, name, time_zone) values ('W1', 'Flow test', 'UTC');
         insert into aisles (warehouse_id, code, x) select id, 'A', 1.0 from warehouses where code = 'W1';
         insert into locations (warehouse_id, code, kind, aisle, x, y, pick_sequence)
             select id, 'A-01-01-1', 'bin', 'A', 1.0, 1.0, 1 from warehouses where code = 'W1';
         insert into skus (code, name, unit_weight_g, length_mm, width_mm, height_mm)
             values ('MUG-BLUE', 'Blue mug', 350, 120, 90, 100);
         insert into barcodes (gtin, sku_id, symbology)
             select '00012345678905', id, 'upc_a' from skus where code = 'MUG-BLUE';
         insert into channels (name, kind, warehouse_id)
             select 'shopify', 'shopify'::channel_kind, id from warehouses where code = 'W1'
             union all select 'amazon', 'amazon'::channel_kind, id from warehouses where code = 'W1';
         insert into channel_listings (channel_id, channel_sku, sku_id, share_pct, buffer, cap)
             select c.id, 'MUG-1', s.id, 50, 2, null from channels c, skus s
              where c.name = 'shopify' and s.code = 'MUG-BLUE'
             union all
             select c.id, 'B00MUG', s.id, 100, 0, 10 from channels c, skus s
              where c.name = 'amazon' and s.code = 'MUG-BLUE';
         select aisle_receive(w.id, s.id, l.id, 40, '', null, o.id, 'flow test')
           from warehouses w, skus s, locations l, operators o
          where w.code = 'W1' and s.code = 'MUG-BLUE' and l.code = 'A-01-01-1'
            and o.badge = 'system:demo';",
    )
    .execute(pool)
    .await
    .expect("fixture");
    let pin_hash = hash_pin("1234").expect("hash");
    sqlx::query(
        "insert into operators (badge, name, role, pin_hash)
         values ('P1001', 'Pat Picker', 'picker', $1), ('S2001', 'Sam Super', 'supervisor', $1)",
    )
    .bind(pin_hash)
    .execute(pool)
    .await
    .expect("operators");
    warehouses::resolve(pool, Some("W1"))
        .await
        .expect("warehouse")
}

/// One terminal on the floor, driven key by key.
struct Terminal80 {
    runtime: Runtime<TestBackend>,
    bell: CountingBell,
}

impl Terminal80 {
    fn new(pool: &PgPool, warehouse: &Warehouse, width: u16, height: u16) -> Terminal80 {
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
        let app = aisle::app::App::new(
            "T-FLOW",
            warehouse.clone(),
            Theme::PLAIN,
            ratatui::layout::Size::new(width, height),
        );
        let bell = CountingBell::default();
        let runtime = Runtime::new(
            terminal,
            app,
            Effects::new(pool.clone(), warehouse.id),
            bell.clone(),
        )
        .expect("runtime");
        Terminal80 { runtime, bell }
    }

    /// Types `text` (`\r` is Enter) as a scanner would, then waits for the database.
    async fn scan(&mut self, text: &str) -> String {
        for c in text.chars() {
            let code = if c == '\r' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            };
            self.runtime
                .handle(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        }
        self.runtime.settle().await.expect("settle");
        self.screen()
    }

    fn screen(&self) -> String {
        buffer_text(self.runtime.terminal().backend().buffer())
    }
}

#[tokio::test]
async fn log_in_scan_a_gtin_and_see_stock_and_channel_figures() {
    let db = common::fresh_db().await;
    let warehouse = floor(&db.pool).await;
    let mut terminal = Terminal80::new(&db.pool, &warehouse, 80, 24);

    let screen = terminal.scan("P1001\r").await;
    assert!(screen.contains("Enter your PIN"), "{screen}");
    assert!(screen.contains("Pat Picker"), "{screen}");
    let screen = terminal.scan("1234\r").await;
    assert!(screen.contains("2 Item inquiry"), "{screen}");
    assert!(
        !screen.contains("Unlock badge"),
        "a picker may not unlock:\n{screen}"
    );
    let screen = terminal.scan("2").await;
    assert!(screen.contains("Scan an item or location"), "{screen}");

    let screen = terminal.scan(&format!("{GTIN}\r")).await;
    assert!(screen.contains("MUG-BLUE  Blue mug"), "{screen}");
    assert!(screen.contains("On hand 40"), "{screen}");
    assert!(screen.contains("Sellable 40"), "{screen}");
    assert!(screen.contains("Reserved 0"), "{screen}");
    assert!(screen.contains("Available 40"), "{screen}");
    let row = |name: &str| {
        screen
            .lines()
            .find(|line| line.contains(name))
            .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    };
    assert!(row("A-01-01-1").contains("A-01-01-1 bin 40"), "{screen}");
    // floor(40 × 50%) − 2 = 18; the outbox holds the same figure, not yet sent.
    assert!(
        row("shopify").starts_with("| shopify 18 50% -2 18 pending"),
        "{screen}"
    );
    assert!(
        row("amazon").starts_with("| amazon 10 100% cap 10 10 pending"),
        "{screen}"
    );
    assert_eq!(terminal.bell.rings(), 0);

    // A wrong check digit beeps, says why, and leaves the answer on screen.
    let screen = terminal.scan("012345678901\r").await;
    assert!(screen.contains("check digit should be 5"), "{screen}");
    assert!(screen.contains("Available 40"), "{screen}");
    assert_eq!(terminal.bell.rings(), 1);

    // A location code shows what the location holds; an unknown code says so.
    let screen = terminal.scan("a-01-01-1\r").await;
    assert!(screen.contains("Holds 40"), "{screen}");
    let screen = terminal.scan("NOPE\r").await;
    assert!(screen.contains("No item or location NOPE"), "{screen}");
    assert_eq!(terminal.bell.rings(), 2);
}

#[tokio::test]
async fn three_wrong_pins_lock_the_badge_until_a_supervisor_unlocks_it() {
    let db = common::fresh_db().await;
    let warehouse = floor(&db.pool).await;
    let mut picker = Terminal80::new(&db.pool, &warehouse, 20, 16);

    picker.scan("P1001\r").await;
    let screen = picker.scan("9999\r").await;
    assert!(screen.contains("Wrong PIN: 2 left"), "{screen}");
    let screen = picker.scan("9998\r").await;
    assert!(screen.contains("Wrong PIN: 1 left"), "{screen}");
    let screen = picker.scan("9997\r").await;
    assert!(screen.contains("Badge locked"), "{screen}");
    assert!(screen.contains("locked for 60s"), "{screen}");
    assert!(screen.contains("supervisor can"), "{screen}");
    assert_eq!(picker.bell.rings(), 3);

    let (attempts, locked): (i32, bool) = sqlx::query_as(
        "select failed_attempts, locked_until > now() from operators where badge = 'P1001'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("operator row");
    assert_eq!((attempts, locked), (3, true));

    // Even the right PIN is refused while locked: the badge itself is.
    let screen = picker.scan("P1001\r").await;
    assert!(screen.contains("Badge locked"), "{screen}");
    assert!(screen.contains("Scan your badge"), "{screen}");

    let mut supervisor = Terminal80::new(&db.pool, &warehouse, 40, 8);
    supervisor.scan("S2001\r").await;
    let screen = supervisor.scan("1234\r").await;
    assert!(screen.contains("4 Unlock badge"), "{screen}");
    supervisor.scan("4").await;
    let screen = supervisor.scan("P1001\r").await;
    assert!(screen.contains("Badge P1001 unlocked"), "{screen}");
    let locked: Option<bool> =
        sqlx::query_scalar("select locked_until is not null from operators where badge = 'P1001'")
            .fetch_one(&db.pool)
            .await
            .expect("operator row");
    assert_eq!(locked, Some(false));

    picker.scan("P1001\r").await;
    let screen = picker.scan("1234\r").await;
    assert!(screen.contains("2 Item inquiry"), "{screen}");
}

#[tokio::test]
async fn a_burst_typed_ahead_of_the_database_is_kept_in_order() {
    let db = common::fresh_db().await;
    let warehouse = floor(&db.pool).await;
    let mut terminal = Terminal80::new(&db.pool, &warehouse, 40, 8);
    // Everything at once, as a fast scanner and a practised operator would: badge, PIN, the
    // menu number, an item. The loop ends when the input does and the database has answered.
    let keys = "P1001\r1234\r2\r012345678905\r"
        .chars()
        .map(|c| {
            let code = if c == '\r' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            };
            Ok(TerminalEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)))
        })
        .collect::<Vec<_>>();
    terminal
        .runtime
        .run(futures_util::stream::iter(keys))
        .await
        .expect("run");
    let screen = terminal.screen();
    assert!(screen.contains("MUG-BLUE Blue mug"), "{screen}");
    assert!(screen.contains("Avail 40"), "{screen}");
    assert_eq!(terminal.bell.rings(), 0);
}

/// Adds green tea, lot-controlled, in a case of 6 (GTIN-14 10095060001347) and eaches
/// (00095060001340): the earliest lot sits in reserve, the next in the bin picked later.
async fn lots(pool: &PgPool) {
    sqlx::raw_sql(
        "insert into locations (warehouse_id, code, kind, aisle, x, y, pick_sequence)
             select id, 'A-01-01-2', 'bin'::location_kind, 'A', 1.0, 2.0, 2 from warehouses where code = 'W1'
             union all select id, 'A-01-01-3', 'bin', 'A', 1.0, 3.0, 3 from warehouses where code = 'W1'
             union all select id, 'R-01-01', 'reserve', 'A', 1.0, 9.0, 9 from warehouses where code = 'W1';
         insert into skus (code, name, unit_weight_g, length_mm, width_mm, height_mm, case_pack, lot_controlled)
             values ('TEA-GRN-LOOSE-250G', 'Green tea, loose leaf, 250 g tin', 300, 80, 80, 120, 6, true);
         insert into barcodes (gtin, sku_id, symbology, units)
             select '00095060001340', id, 'ean13', 1 from skus where code = 'TEA-GRN-LOOSE-250G'
             union all select '10095060001347', id, 'gtin14', 6 from skus where code = 'TEA-GRN-LOOSE-250G';
         select aisle_receive(w.id, s.id, l.id, q.qty, q.lot, q.expiry::date, o.id, 'flow test')
           from warehouses w, skus s, operators o,
                (values ('A-01-01-2', 10, 'T2', '2027-06-30'),
                        ('A-01-01-3', 5, 'T1', '2027-01-31'),
                        ('R-01-01', 60, 'T0', '2026-12-31')) as q(location, qty, lot, expiry)
           join locations l on l.code = q.location
          where w.code = 'W1' and s.code = 'TEA-GRN-LOOSE-250G' and o.badge = 'system:demo';",
    )
    .execute(pool)
    .await
    .expect("lots fixture");
}

#[tokio::test]
async fn a_case_label_with_a_lot_shows_the_case_the_lot_and_the_lot_to_pick_first_on_top() {
    let db = common::fresh_db().await;
    let warehouse = floor(&db.pool).await;
    lots(&db.pool).await;
    let mut terminal = Terminal80::new(&db.pool, &warehouse, 80, 24);
    terminal.scan("P1001\r1234\r").await;
    terminal.scan("2").await;

    // GS1-128: (01) the case, (10) lot T2, (17) its expiry; GS as Ctrl+5 would send it.
    let screen = terminal
        .scan("]C10110095060001347\u{1d}10T2\u{1d}17270630\r")
        .await;
    assert!(
        screen.contains("Scanned: case x6, lot T2 in A-01-01-2"),
        "{screen}"
    );
    // Bins first, earliest expiry first; reserve after the bins though its lot is older.
    let at = |row: &str| screen.find(row).unwrap_or(usize::MAX);
    assert!(
        at("A-01-01-3 bin") < at("A-01-01-2 bin") && at("A-01-01-2 bin") < at("R-01-01"),
        "{screen}"
    );
    // The code is whole: the SKU column is as wide as the longest code.
    assert!(screen.contains("TEA-GRN-LOOSE-250G  Green tea"), "{screen}");

    // A lot that is not on hand is said so.
    let screen = terminal.scan("]C10110095060001347\u{1d}10NOPE\r").await;
    assert!(screen.contains("lot NOPE not on hand"), "{screen}");
    assert_eq!(terminal.bell.rings(), 0);
}

/// screen, raw, outcome, parsed, message, operator_id
type JournalRow = (
    String,
    String,
    String,
    Option<serde_json::Value>,
    Option<String>,
    Option<i32>,
);

#[tokio::test]
async fn scans_typed_ahead_in_an_inquiry_are_all_answered_and_journaled() {
    let db = common::fresh_db().await;
    let warehouse = floor(&db.pool).await;
    let mut terminal = Terminal80::new(&db.pool, &warehouse, 40, 8);
    // Badge, PIN, menu number and three scans in one burst: the second is on nobody's file
    // and the third has a wrong check digit; neither costs the others.
    let keys = "P1001\r1234\r2\rNOPE\r012345678901\r012345678905\r"
        .chars()
        .map(|c| {
            let code = if c == '\r' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            };
            Ok(TerminalEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)))
        })
        .collect::<Vec<_>>();
    terminal
        .runtime
        .run(futures_util::stream::iter(keys))
        .await
        .expect("run");
    let screen = terminal.screen();
    assert!(screen.contains("MUG-BLUE Blue mug"), "{screen}");
    assert_eq!(terminal.bell.rings(), 2, "one beep for each refused scan");

    let journal: Vec<JournalRow> = sqlx::query_as(
        "select screen, raw, outcome, parsed, message, operator_id
               from scan_journal order by scan_id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("journal");
    let summary: Vec<(&str, &str, &str)> = journal
        .iter()
        .map(|(screen, raw, outcome, ..)| (screen.as_str(), raw.as_str(), outcome.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("login", "P1001", "lookup"),
            ("inquiry", "NOPE", "lookup"),
            ("inquiry", "012345678901", "rejected"),
            ("inquiry", "012345678905", "lookup"),
        ],
        "the PIN is never journaled"
    );
    assert_eq!(
        journal[3].3,
        Some(serde_json::json!({"kind": "gtin", "gtin": "00012345678905"}))
    );
    assert!(
        journal[2]
            .4
            .as_deref()
            .is_some_and(|m| m.contains("check digit should be 5")),
        "{journal:?}"
    );
    let picker: i32 = sqlx::query_scalar("select id from operators where badge = 'P1001'")
        .fetch_one(&db.pool)
        .await
        .expect("picker");
    assert_eq!(journal[1].5, Some(picker));
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar("select scan_id from scan_journal")
        .fetch_all(&db.pool)
        .await
        .expect("ids");
    assert!(ids.iter().all(|id| id.get_version_num() == 7), "{ids:?}");
}
