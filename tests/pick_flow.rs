//! A picker's whole batch, in process, against a real database: keys go in through the runtime
//! (under `TestBackend`), as a scanner types them, and the screen and the database come out.
//! The picker logs in on the demo, gets work (released on demand), builds the cart, and picks
//! every task by scanning location, item and tote; stock ends in the totes with the ledger and
//! every invariant holds. Then the same with the terminal's connection killed in the middle of
//! the batch (`pg_terminate_backend`, and no way back until the test allows it): the picker
//! goes on offline, confirms wait in the terminal's journal, and are replayed once the database
//! is back, each applied exactly once.

mod common;

use common::terminal::TestTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aisle::app::Event;
use aisle::db::connect::connect_options;
use aisle::db::{demo, invariants, warehouses};
use aisle::domain::pick_work::{WorkKind, WorkTask};
use aisle::runtime::Effects;
use aisle::runtime::confirm_journal::ConfirmJournal;
use aisle::screen::Screen;
use aisle::screen::pick::Phase;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream, UnixStream};

/// A 20x16 handheld: the shared test terminal, with the picking flow's own steps.
struct Handheld(TestTerminal);

impl std::ops::Deref for Handheld {
    type Target = TestTerminal;
    fn deref(&self) -> &TestTerminal {
        &self.0
    }
}

impl std::ops::DerefMut for Handheld {
    fn deref_mut(&mut self) -> &mut TestTerminal {
        &mut self.0
    }
}

impl Handheld {
    fn new(warehouse: &warehouses::Warehouse, effects: Effects) -> Handheld {
        Handheld(TestTerminal::new("HH-01", warehouse, effects, 20, 16))
    }

    fn phase(&self) -> Phase {
        match self.runtime.app().screen() {
            Screen::Pick(state) => state.phase.clone(),
            other => panic!("not picking: {other:?}\n{}", self.screen()),
        }
    }

    fn task(&self) -> WorkTask {
        match self.runtime.app().screen() {
            Screen::Pick(state) => state
                .current_task()
                .cloned()
                .unwrap_or_else(|| panic!("no task: {:?}\n{}", state.phase, self.screen())),
            other => panic!("not picking: {other:?}"),
        }
    }

    /// Logs in as the demo picker and asks for work.
    async fn start_picking(&mut self) {
        self.scan("P1001\r").await;
        let screen = self.scan("1234\r").await;
        assert!(screen.contains("1 Pick"), "{screen}");
        let screen = self.scan("1").await;
        assert_eq!(self.phase(), Phase::BuildCart, "{screen}");
    }

    /// Scans an empty tote for every cart slot.
    async fn build_cart(&mut self, first_tote: usize) {
        let mut tote = first_tote;
        while self.phase() == Phase::BuildCart {
            let screen = self.scan(&format!("TOTE-{tote:04}\r")).await;
            assert!(!screen.contains('!'), "tote refused:\n{screen}");
            tote += 1;
        }
    }

    /// One task as a picker does it: location, item (its lot if it has one), each unit or the
    /// keyed quantity, then the tote or bin.
    async fn pick_one(&mut self) {
        let task = self.task();
        let screen = self.scan(&format!("{}\r", task.from_location)).await;
        assert!(screen.contains("Scan the item"), "{screen}");
        let barcode = task
            .barcodes
            .iter()
            .find(|b| b.units == 1)
            .expect("an each barcode");
        let item = match task.lot_controlled {
            true => format!("(01){}(10){}", barcode.gtin, task.lot),
            false => barcode.gtin.clone(),
        };
        let left = task.units_left();
        if task.scan_each {
            for _ in 0..left {
                self.scan(&format!("{item}\r")).await;
            }
        } else {
            self.scan(&format!("{item}\r")).await;
            if left > 1 {
                self.scan(&format!("{left}\r")).await;
            }
        }
        let destination = match task.kind {
            WorkKind::Pick => self.tote_of(&task),
            WorkKind::Replenish | WorkKind::PutBack => task.to_location.clone().expect("to"),
        };
        let screen = self.scan(&format!("{destination}\r")).await;
        assert!(!screen.contains("! "), "refused:\n{screen}");
    }

    fn tote_of(&self, task: &WorkTask) -> String {
        match self.runtime.app().screen() {
            Screen::Pick(state) => state
                .work
                .as_ref()
                .and_then(|work| work.slot(task.slot?))
                .and_then(|slot| slot.tote.clone())
                .expect("a bound tote"),
            _ => panic!("not picking"),
        }
    }
}

async fn demo_warehouse(pool: &PgPool) -> warehouses::Warehouse {
    demo::load(pool).await.expect("demo");
    warehouses::resolve(pool, Some("DEMO"))
        .await
        .expect("warehouse")
}

/// Units now in totes, per the stock table.
async fn units_in_totes(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "select coalesce(sum(s.on_hand), 0)::bigint from stock s
           join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
          where l.kind = 'tote'",
    )
    .fetch_one(pool)
    .await
    .expect("units in totes")
}

async fn assert_invariants(pool: &PgPool) {
    let violations = invariants::violations(pool).await.expect("invariants");
    assert!(violations.is_empty(), "{violations:?}");
}

#[tokio::test]
async fn a_picker_picks_a_whole_demo_batch_by_scanning() {
    let db = common::fresh_db().await;
    let warehouse = demo_warehouse(&db.pool).await;
    let mut handheld = Handheld::new(&warehouse, Effects::new(db.pool.clone(), warehouse.id));
    handheld.start_picking().await;
    handheld.build_cart(1).await;

    // A wrong location is refused on the terminal with a beep.
    let rings = handheld.bell.rings();
    let screen = handheld.scan("Z-99-99-9\r").await;
    assert!(screen.contains("! Expect"), "{screen}");
    assert_eq!(handheld.bell.rings(), rings + 1);

    let mut units = 0;
    let mut tasks = 0;
    while matches!(handheld.phase(), Phase::Task(_)) {
        units += i64::from(handheld.task().units_left());
        handheld.pick_one().await;
        tasks += 1;
        assert!(tasks < 200, "the batch never ends");
    }
    assert_eq!(handheld.phase(), Phase::Done, "{}", handheld.screen());
    assert!(handheld.screen().contains("Batch done"));
    assert_eq!(units_in_totes(&db.pool).await, units);
    let batch_status: String = sqlx::query_scalar(
        "select b.status::text from pick_batches b join operators o on o.id = b.claimed_by
          where o.badge = 'P1001'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("batch");
    assert_eq!(batch_status, "done");
    let unpicked: i64 = sqlx::query_scalar(
        "select count(*) from orders o
           join batch_orders bo on bo.warehouse_id = o.warehouse_id and bo.order_id = o.id
           join pick_batches b on b.warehouse_id = bo.warehouse_id and b.id = bo.batch_id
           join operators p on p.id = b.claimed_by
          where p.badge = 'P1001' and o.status <> 'picked'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("orders");
    assert_eq!(unpicked, 0, "every order of the batch is picked");
    assert_invariants(&db.pool).await;

    // Enter gets the next batch; a tote still holding the last batch's units is refused.
    let screen = handheld.scan("\r").await;
    assert_eq!(handheld.phase(), Phase::BuildCart, "{screen}");
    let screen = handheld.scan("TOTE-0001\r").await;
    assert!(screen.contains("! Not applied"), "{screen}");
    assert_eq!(handheld.phase(), Phase::BuildCart);
    let long = handheld.runtime.app().notice().map(|n| n.long.clone());
    assert!(
        long.as_deref().is_some_and(|l| l.contains("not empty")),
        "{long:?}"
    );
}

/// A TCP proxy to the database that the test can cut: while closed, new connections are
/// dropped at once, as an unreachable server's would be.
struct Cable {
    open: Arc<AtomicBool>,
    port: u16,
}

impl Cable {
    async fn to(options: &PgConnectOptions) -> Cable {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let open = Arc::new(AtomicBool::new(true));
        let host = options.get_host().to_string();
        let server_port = options.get_port();
        // A socket is named by its directory and the port.
        let socket_dir = options.get_socket().cloned().or_else(|| {
            host.starts_with('/')
                .then(|| std::path::PathBuf::from(&host))
        });
        let socket = socket_dir.map(|dir| dir.join(format!(".s.PGSQL.{server_port}")));
        let gate = Arc::clone(&open);
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if !gate.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let socket = socket.clone();
                let host = host.clone();
                tokio::spawn(async move {
                    match socket {
                        Some(path) => {
                            if let Ok(mut server) = UnixStream::connect(&path).await {
                                let _ = copy_bidirectional(&mut client, &mut server).await;
                            }
                        }
                        None => {
                            if let Ok(mut server) =
                                TcpStream::connect((host.as_str(), server_port)).await
                            {
                                let _ = copy_bidirectional(&mut client, &mut server).await;
                            }
                        }
                    }
                });
            }
        });
        Cable { open, port }
    }

    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
    }

    fn mend(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_killed_connection_mid_batch_loses_no_confirm() {
    let db = common::fresh_db().await;
    let warehouse = demo_warehouse(&db.pool).await;
    let options = connect_options(&db.url).expect("options");
    let cable = Cable::to(&options).await;
    let through_cable = PgConnectOptions::new()
        .host("127.0.0.1")
        .port(cable.port)
        .username(options.get_username())
        .database(options.get_database().expect("a database name"))
        .application_name("aisle-handheld-under-test");
    let terminal_pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(2))
        .connect_with(through_cable)
        .await
        .expect("terminal pool");
    let journal_dir = tempfile::tempdir().expect("temp dir");
    let journal = ConfirmJournal::open(&journal_dir.path().join("HH-01.jsonl")).expect("journal");
    let effects = Effects::new(terminal_pool.clone(), warehouse.id).with_confirm_journal(journal);
    let mut handheld = Handheld::new(&warehouse, effects);
    handheld.start_picking().await;
    handheld.build_cart(1).await;

    // The first task goes through while the database is there.
    let mut units = i64::from(handheld.task().units_left());
    handheld.pick_one().await;
    assert_eq!(units_in_totes(&db.pool).await, units);

    // The cable is cut and the terminal's sessions are killed from the server side.
    cable.cut();
    let killed: i64 = sqlx::query_scalar(
        "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity
          where application_name = 'aisle-handheld-under-test') t",
    )
    .fetch_one(&db.pool)
    .await
    .expect("terminate");
    assert!(killed >= 1, "the terminal had a session to kill");

    // The picker goes on: two more tasks, kept on the terminal.
    let mut offline_units = 0;
    for _ in 0..2 {
        if !matches!(handheld.phase(), Phase::Task(_)) {
            break;
        }
        offline_units += i64::from(handheld.task().units_left());
        handheld.pick_one().await;
    }
    let screen = handheld.screen();
    assert!(screen.contains("OFFLINE 2"), "{screen}");
    assert_eq!(handheld.runtime.app().waiting_confirms(), 2);
    assert_eq!(
        units_in_totes(&db.pool).await,
        units,
        "nothing applied while away"
    );

    // They are on disk: a second look at the journal file finds both.
    let journal_path = journal_dir.path().join("HH-01.jsonl");
    let on_disk = ConfirmJournal::open(&journal_path).expect("journal");
    assert_eq!(on_disk.len(), 2);
    drop(on_disk);

    // The terminal dies with them (its process killed); a new one starts on the same journal
    // and, once the database is back, sends both in order, each once.
    drop(handheld);
    cable.mend();
    let journal = ConfirmJournal::open(&journal_path).expect("journal");
    let effects = Effects::new(terminal_pool.clone(), warehouse.id).with_confirm_journal(journal);
    let mut handheld = Handheld::new(&warehouse, effects);
    assert_eq!(handheld.runtime.app().waiting_confirms(), 2);
    for _ in 0..3 {
        handheld.runtime.handle(Event::Tick);
        handheld.runtime.settle().await.expect("settle");
    }
    assert_eq!(
        handheld.runtime.app().waiting_confirms(),
        0,
        "{}",
        handheld.screen()
    );
    units += offline_units;
    assert_eq!(units_in_totes(&db.pool).await, units);
    let replays: i64 = sqlx::query_scalar(
        "select count(*) from scan_journal where screen = 'pick' and outcome = 'applied'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("journal");
    assert_eq!(replays, 3, "three confirms, each applied once");

    // The picker logs in again and resumes the batch where the replays left it.
    handheld.scan("P1001\r").await;
    handheld.scan("1234\r").await;
    handheld.scan("1").await;
    assert!(
        matches!(handheld.phase(), Phase::Task(_)),
        "{}",
        handheld.screen()
    );
    while matches!(handheld.phase(), Phase::Task(_)) {
        units += i64::from(handheld.task().units_left());
        handheld.pick_one().await;
    }
    assert_eq!(handheld.phase(), Phase::Done);
    assert_eq!(units_in_totes(&db.pool).await, units);
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn a_short_at_an_empty_bin_counts_it_down_and_the_batch_goes_on() {
    let db = common::fresh_db().await;
    let warehouse = demo_warehouse(&db.pool).await;
    let mut handheld = Handheld::new(&warehouse, Effects::new(db.pool.clone(), warehouse.id));
    handheld.start_picking().await;
    handheld.build_cart(1).await;

    let short = handheld.task();
    handheld.scan(&format!("{}\r", short.from_location)).await;
    handheld
        .runtime
        .handle(Event::Key(KeyEvent::new(KeyCode::F(2), KeyModifiers::NONE)));
    let screen = handheld.scan("").await;
    assert!(screen.contains("Key units in the bin"), "{screen}");
    let screen = handheld.scan("0\r").await;
    assert!(screen.contains("Short recorded"), "{screen}");

    // The bin is counted down to nothing, with a count task and an exception for the supervisor.
    let left: i64 = sqlx::query_scalar(
        "select coalesce(sum(on_hand), 0)::bigint from stock
          where location_id = $1 and sku_id = $2 and lot = $3",
    )
    .bind(short.from_location_id)
    .bind(short.sku_id)
    .bind(&short.lot)
    .fetch_one(&db.pool)
    .await
    .expect("bin stock");
    assert_eq!(left, 0);
    let counts: i64 = sqlx::query_scalar(
        "select count(*) from tasks where kind = 'count' and status = 'open'
          and from_location_id = $1",
    )
    .bind(short.from_location_id)
    .fetch_one(&db.pool)
    .await
    .expect("count tasks");
    assert_eq!(counts, 1);
    let exceptions: i64 =
        sqlx::query_scalar("select count(*) from exceptions where kind = 'short_pick'")
            .fetch_one(&db.pool)
            .await
            .expect("exceptions");
    assert_eq!(exceptions, 1);
    assert_invariants(&db.pool).await;

    // The picker is never sent back to the shorted bin, and finishes the batch.
    let mut tasks = 0;
    while matches!(handheld.phase(), Phase::Task(_)) {
        let next = handheld.task();
        assert!(
            !(next.from_location_id == short.from_location_id && next.sku_id == short.sku_id),
            "sent back to the empty bin"
        );
        handheld.pick_one().await;
        tasks += 1;
        assert!(tasks < 200, "the batch never ends");
    }
    assert_eq!(handheld.phase(), Phase::Done, "{}", handheld.screen());
    assert_invariants(&db.pool).await;
}
