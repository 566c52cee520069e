//! The picking screen driven through `update` as a picker would, with the database's answers
//! made up here: every refusal on the terminal (wrong location, item, lot, over-pick, keyed
//! quantity where each unit must be scanned, wrong tote) beeps and sends nothing; the tote scan
//! sends one confirm; a confirm the database could not take is queued and the picker goes on;
//! the lease is renewed while the batch is held. Snapshots at 20x16, 40x8 and 80x24, drawn
//! without colour and with ASCII borders.

mod common;

use common::keys::{answer, beeps, key, keys, requests};

use aisle::app::command::Request;
use aisle::app::event::{Confirmation, ReplayReport};
use aisle::app::{App, Command, Event, Reply, update};
use aisle::db::operators::Operator;
use aisle::db::warehouses::Warehouse;
use aisle::domain::pick_work::{BatchWork, CartSlot, TaskBarcode, WorkKind, WorkTask};
use aisle::domain::role::Role;
use aisle::runtime::confirm_journal::PendingKind;
use aisle::screen::pick::{Phase, Step};
use aisle::screen::{self, Screen};
use aisle::ui::buffer_text::buffer_text;
use aisle::ui::theme::Theme;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Size;

const SIZES: [(u16, u16); 3] = [(20, 16), (40, 8), (80, 24)];

fn warehouse() -> Warehouse {
    Warehouse {
        id: 1,
        code: "DEMO".into(),
        name: "Demo warehouse".into(),
        time_zone: "UTC".into(),
        cart_size: 2,
    }
}

fn picker() -> Operator {
    Operator {
        id: 11,
        badge: "P1001".into(),
        name: "Pat Picker".into(),
        role: Role::Picker,
    }
}

fn task(id: i64, seq: i32, from: &str, slot: i32, sku: &str, quantity: i32) -> WorkTask {
    WorkTask {
        task_id: id,
        kind: WorkKind::Pick,
        seq,
        from_location_id: 100 + seq,
        from_location: from.into(),
        to_location_id: None,
        to_location: None,
        slot: Some(slot),
        sku_id: 1,
        sku: sku.into(),
        name: "Organic cotton tee, black, medium".into(),
        lot: String::new(),
        lot_controlled: false,
        expiry: None,
        scan_each: false,
        barcodes: vec![TaskBarcode {
            gtin: "00012345678905".into(),
            units: 1,
        }],
        quantity,
        done_qty: 0,
    }
}

/// Two orders on a cart of two: three picks, the second lot-controlled and scanned unit by unit.
fn batch() -> BatchWork {
    let mut vitamins = task(2, 2, "A-02-04-1", 2, "VIT-C-60", 2);
    vitamins.lot_controlled = true;
    vitamins.lot = "L2611".into();
    vitamins.scan_each = true;
    vitamins.name = "Vitamin C 60 tablets".into();
    vitamins.barcodes = vec![TaskBarcode {
        gtin: "04006381333931".into(),
        units: 1,
    }];
    BatchWork {
        batch_id: 7,
        route_m: Some(84.5),
        lease_seconds: 300,
        slots: vec![
            CartSlot {
                slot: 1,
                order_id: 501,
                order_ref: "#1001".into(),
                tote_location_id: None,
                tote: None,
            },
            CartSlot {
                slot: 2,
                order_id: 502,
                order_ref: "113-5550123-7".into(),
                tote_location_id: None,
                tote: None,
            },
        ],
        tasks: vec![
            task(1, 1, "A-01-02-1", 1, "TEE-BLK-M", 3),
            vitamins,
            task(3, 3, "A-03-01-2", 2, "TEE-BLK-M", 1),
        ],
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

fn phase(app: &App) -> Phase {
    match app.screen() {
        Screen::Pick(state) => state.phase.clone(),
        other => panic!("not picking: {other:?}"),
    }
}

fn notice(app: &App) -> String {
    app.notice().map(|n| n.long.clone()).unwrap_or_default()
}

/// Logged in as a picker, "1 Pick" chosen and the batch answered.
fn picking(width: u16, height: u16, work: BatchWork) -> App {
    let mut app = App::new("T-07", warehouse(), Theme::PLAIN, Size::new(width, height));
    let [Request::LookupBadge { request, .. }] = requests(&keys(&mut app, "P1001\r"))[..] else {
        panic!("expected a badge lookup")
    };
    answer(
        &mut app,
        Reply::BadgeLookedUp {
            request,
            result: Ok(picker()),
        },
    );
    let [Request::Authenticate { request, .. }] = requests(&keys(&mut app, "1234\r"))[..] else {
        panic!("expected authentication")
    };
    answer(
        &mut app,
        Reply::Authenticated {
            request,
            result: Ok(picker()),
        },
    );
    let [
        Request::GetWork {
            request,
            ref picker,
        },
    ] = requests(&keys(&mut app, "1"))[..]
    else {
        panic!("expected to ask for work")
    };
    assert_eq!(picker.badge, "P1001");
    answer(
        &mut app,
        Reply::WorkLoaded {
            request,
            result: Ok(Some(work)),
        },
    );
    app
}

/// Scans a tote and answers the binding with location id `id`.
fn bind(app: &mut App, tote: &str, id: i32) {
    let commands = keys(app, &format!("{tote}\r"));
    let [Request::BindTote { request, .. }] = requests(&commands)[..] else {
        panic!("expected a tote binding: {commands:?}")
    };
    answer(
        app,
        Reply::ToteBound {
            request,
            result: Ok(id),
        },
    );
}

/// At the first task, the cart built with TOTE-0001 (id 901) and TOTE-0002 (id 902).
fn at_first_task(width: u16, height: u16) -> App {
    let mut app = picking(width, height, batch());
    bind(&mut app, "TOTE-0001", 901);
    bind(&mut app, "TOTE-0002", 902);
    app
}

/// The confirm sent by the last keys, with its request id.
fn sent_confirm(commands: &[Command]) -> (aisle::app::command::RequestId, PendingKind) {
    match requests(commands)[..] {
        [
            Request::Confirm {
                request, ref kind, ..
            },
        ] => (request, kind.clone()),
        ref other => panic!("expected one confirm: {other:?}"),
    }
}

#[test]
fn the_cart_is_built_slot_by_slot_and_a_tote_is_used_once() {
    let mut app = picking(20, 16, batch());
    assert_eq!(phase(&app), Phase::BuildCart);
    bind(&mut app, "TOTE-0001", 901);
    let commands = keys(&mut app, "tote-0001\r");
    assert_eq!(beeps(&commands), 1);
    assert!(requests(&commands).is_empty());
    assert_eq!(
        notice(&app),
        "TOTE-0001 is already on this cart: take an empty tote"
    );
    let commands = keys(&mut app, "012345678905\r");
    assert_eq!((beeps(&commands), requests(&commands).len()), (1, 0));
    bind(&mut app, "TOTE-0002", 902);
    assert_eq!(phase(&app), Phase::Task(Step::Location));
}

#[test]
fn wrong_scans_beep_say_what_was_expected_and_send_nothing() {
    let mut app = at_first_task(20, 16);
    let refused = |app: &mut App, scan: &str| {
        let commands = keys(app, &format!("{scan}\r"));
        assert_eq!(beeps(&commands), 1, "{scan} should beep");
        assert!(requests(&commands).is_empty(), "{scan} asked the database");
        notice(app)
    };
    assert_eq!(
        refused(&mut app, "A-01-02-2"),
        "Wrong location: expected A-01-02-1"
    );
    assert_eq!(
        refused(&mut app, "012345678905"),
        "Scan the location A-01-02-1 first, then the item"
    );
    assert_eq!(
        refused(&mut app, "012345678901"),
        "Not a valid barcode: check digit should be 5, not 1 (scan again)"
    );
    keys(&mut app, "A-01-02-1\r");
    assert_eq!(phase(&app), Phase::Task(Step::Item));
    assert_eq!(
        refused(&mut app, "4006381333931"),
        "Wrong item: expected TEE-BLK-M"
    );
    keys(&mut app, "012345678905\r");
    assert_eq!(phase(&app), Phase::Task(Step::Count { counted: 1 }));
    assert_eq!(
        refused(&mut app, "5"),
        "Expected a quantity from 1 to 3",
        "5 is more than the task needs"
    );
    keys(&mut app, "012345678905\r012345678905\r");
    assert_eq!(phase(&app), Phase::Task(Step::Destination { quantity: 3 }));
    assert_eq!(
        refused(&mut app, "012345678905"),
        "Over-pick: this task needs 0 more, not that many"
    );
    assert_eq!(
        refused(&mut app, "TOTE-0002"),
        "Wrong tote: expected TOTE-0001"
    );
    let (_, kind) = sent_confirm(&keys(&mut app, "TOTE-0001\r"));
    assert_eq!(
        kind,
        PendingKind::Pick {
            task_id: 1,
            tote_location_id: 901,
            quantity: 3
        }
    );
}

#[test]
fn a_lot_controlled_item_scanned_unit_by_unit() {
    let mut app = at_first_task(20, 16);
    keys(&mut app, "A-01-02-1\r");
    let (request, _) = sent_confirm(&keys(&mut app, "012345678905\r3\rTOTE-0001\r"));
    answer(
        &mut app,
        Reply::Confirmed {
            request,
            result: Ok(Confirmation::Applied {
                batch_done: false,
                reload: false,
            }),
        },
    );
    assert_eq!(notice(&app), "3 confirmed into TOTE-0001");
    keys(&mut app, "A-02-04-1\r");
    let wrong_lot = keys(&mut app, "(01)04006381333931(10)L2612\r");
    assert_eq!(beeps(&wrong_lot), 1);
    assert_eq!(notice(&app), "Wrong lot: expected L2611, scanned L2612");
    let no_lot = keys(&mut app, "4006381333931\r");
    assert_eq!(beeps(&no_lot), 1);
    assert_eq!(
        notice(&app),
        "Lot-controlled: scan the GS1 label with lot L2611"
    );
    keys(&mut app, "]C10104006381333931\u{1d}10L2611\r");
    assert_eq!(phase(&app), Phase::Task(Step::Count { counted: 1 }));
    let keyed = keys(&mut app, "2\r");
    assert_eq!(beeps(&keyed), 1);
    assert_eq!(
        notice(&app),
        "This item is counted by scanning each unit: keying is off"
    );
    keys(&mut app, "(01)04006381333931(10)L2611\r");
    let (_, kind) = sent_confirm(&keys(&mut app, "TOTE-0002\r"));
    assert_eq!(
        kind,
        PendingKind::Pick {
            task_id: 2,
            tote_location_id: 902,
            quantity: 2
        }
    );
}

#[test]
fn a_short_sends_what_the_bin_holds_and_reloads_the_batch() {
    let mut app = at_first_task(20, 16);
    keys(&mut app, "A-01-02-1\r012345678905\r");
    update(&mut app, key(KeyCode::F(2)));
    assert_eq!(phase(&app), Phase::Task(Step::Short { counted: 1 }));
    let refused = keys(&mut app, "2\r");
    assert_eq!(
        beeps(&refused),
        1,
        "1 in hand and 2 in the bin is not short of 3"
    );
    let (request, kind) = sent_confirm(&keys(&mut app, "0\r"));
    assert_eq!(
        kind,
        PendingKind::Short {
            task_id: 1,
            found: 1
        }
    );
    let commands = answer(
        &mut app,
        Reply::Confirmed {
            request,
            result: Ok(Confirmation::Applied {
                batch_done: false,
                reload: true,
            }),
        },
    );
    assert!(
        matches!(
            requests(&commands)[..],
            [Request::LoadWork { batch_id: 7, .. }]
        ),
        "{commands:?}"
    );
}

#[test]
fn offline_confirms_queue_and_the_picker_goes_on() {
    let mut app = at_first_task(40, 8);
    keys(&mut app, "A-01-02-1\r012345678905\r3\r");
    let (request, _) = sent_confirm(&keys(&mut app, "TOTE-0001\r"));
    answer(
        &mut app,
        Reply::Confirmed {
            request,
            result: Ok(Confirmation::Queued { waiting: 1 }),
        },
    );
    assert_eq!(app.waiting_confirms(), 1);
    assert_eq!(phase(&app), Phase::Task(Step::Location));
    let screen = draw(&app);
    assert!(screen.contains("OFFLINE 1 waiting"), "{screen}");
    assert!(screen.contains("2/3 Go to A-02-04-1"), "{screen}");
    insta::assert_snapshot!("pick_offline_40x8", screen);

    // Every third tick the terminal tries the database again.
    let mut replays = Vec::new();
    for _ in 0..3 {
        replays.extend(requests(&update(&mut app, Event::Tick)));
    }
    let [Request::Replay { request }] = replays[..] else {
        panic!("expected one replay: {replays:?}")
    };
    let commands = answer(
        &mut app,
        Reply::Replayed {
            request,
            report: ReplayReport {
                applied: 0,
                exceptions: vec!["task 1 was finished by someone else".into()],
                waiting: 0,
            },
        },
    );
    assert_eq!(app.waiting_confirms(), 0);
    assert_eq!(beeps(&commands), 1, "an exception is heard");
    assert!(notice(&app).contains("finished by someone else"));
}

#[test]
fn a_batch_taken_over_sends_the_picker_back_for_work() {
    let mut app = at_first_task(20, 16);
    keys(&mut app, "A-01-02-1\r012345678905\r3\r");
    let (request, _) = sent_confirm(&keys(&mut app, "TOTE-0001\r"));
    let commands = answer(
        &mut app,
        Reply::Confirmed {
            request,
            result: Err(aisle::Error::TakenOver("batch 7 is no longer yours".into())),
        },
    );
    assert_eq!(beeps(&commands), 1);
    assert_eq!(phase(&app), Phase::NoWork);
    let asked = requests(&keys(&mut app, "\r"));
    assert!(matches!(asked[..], [Request::GetWork { .. }]), "{asked:?}");
}

#[test]
fn the_lease_is_renewed_while_the_batch_is_held() {
    let mut app = at_first_task(20, 16);
    let mut renewals = Vec::new();
    for _ in 0..100 {
        renewals.extend(requests(&update(&mut app, Event::Tick)));
    }
    let [
        Request::RenewLease {
            request,
            batch_id: 7,
            ..
        },
    ] = renewals[..]
    else {
        panic!("expected one renewal in 100 s of a 300 s lease: {renewals:?}")
    };
    answer(
        &mut app,
        Reply::LeaseRenewed {
            request,
            result: Ok(None),
        },
    );
    assert_eq!(phase(&app), Phase::NoWork);
    assert_eq!(
        notice(&app),
        "This batch is no longer yours (lease expired): get work again"
    );
}

#[test]
fn screens_at_the_sizes_pickers_use() {
    for (width, height) in SIZES {
        let mut app = picking(width, height, batch());
        bind(&mut app, "TOTE-0001", 901);
        insta::assert_snapshot!(format!("pick_cart_{width}x{height}"), draw(&app));
        bind(&mut app, "TOTE-0002", 902);
        insta::assert_snapshot!(format!("pick_location_{width}x{height}"), draw(&app));
        keys(&mut app, "A-01-02-1\r012345678905\r");
        insta::assert_snapshot!(format!("pick_count_{width}x{height}"), draw(&app));
        keys(&mut app, "TOTE-0002\r");
        insta::assert_snapshot!(format!("pick_wrong_tote_{width}x{height}"), draw(&app));
    }
}

#[test]
fn a_replenishment_is_guided_from_the_reserve_to_its_bin() {
    let mut replenish = task(40, 1, "R-01-02", 0, "TEE-BLK-M", 12);
    replenish.kind = WorkKind::Replenish;
    replenish.from_location_id = 501;
    replenish.slot = None;
    replenish.to_location_id = Some(101);
    replenish.to_location = Some("A-01-02-1".into());
    let work = BatchWork {
        batch_id: 9,
        route_m: Some(40.0),
        lease_seconds: 300,
        slots: vec![],
        tasks: vec![replenish],
    };
    let mut app = picking(20, 16, work);
    // No cart to build: straight to the reserve location.
    assert_eq!(phase(&app), Phase::Task(Step::Location));
    let screen = draw(&app);
    assert!(screen.contains("Replenish"), "{screen}");
    assert!(screen.contains("Qty 12 -> A-01-02-1"), "{screen}");
    keys(&mut app, "R-01-02\r012345678905\r12\r");
    assert_eq!(phase(&app), Phase::Task(Step::Destination { quantity: 12 }));
    let wrong = keys(&mut app, "A-01-02-2\r");
    assert_eq!(beeps(&wrong), 1);
    assert_eq!(notice(&app), "Wrong destination: expected A-01-02-1");
    let (_, kind) = sent_confirm(&keys(&mut app, "A-01-02-1\r"));
    assert_eq!(
        kind,
        PendingKind::Move {
            task_id: 40,
            from_location_id: 501,
            to_location_id: 101,
            quantity: 12
        }
    );
}

#[test]
fn scans_typed_ahead_after_the_last_confirm_do_not_claim_a_batch() {
    let mut work = batch();
    work.tasks.truncate(1);
    let mut app = picking(20, 16, work);
    bind(&mut app, "TOTE-0001", 901);
    bind(&mut app, "TOTE-0002", 902);
    keys(&mut app, "A-01-02-1\r012345678905\r3\r");
    let (request, _) = sent_confirm(&keys(&mut app, "TOTE-0001\r"));
    // The picker scans on while the last confirm is answered.
    assert!(requests(&keys(&mut app, "TOTE-0003\r")).is_empty());
    let commands = answer(
        &mut app,
        Reply::Confirmed {
            request,
            result: Ok(Confirmation::Applied {
                batch_done: true,
                reload: false,
            }),
        },
    );
    assert_eq!(phase(&app), Phase::Done);
    assert!(requests(&commands).is_empty(), "{commands:?}");
    assert_eq!(beeps(&commands), 1, "the scan typed ahead is refused");
    assert!(draw(&app).contains("Batch done"));
    let asked = requests(&keys(&mut app, "\r"));
    assert!(matches!(asked[..], [Request::GetWork { .. }]), "{asked:?}");
}
