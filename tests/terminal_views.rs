//! Snapshots of the terminal screens at the sizes operators use (columns x rows): 20x16 and
//! 40x8 handhelds, an 80x24 terminal, a 160x50 pack station or wallboard. Each screen is driven
//! through `update` as the operator would, with database answers made up here (no database),
//! and drawn without colour and with ASCII borders, so the text carries every meaning.

use aisle::app::command::{Found, Request};
use aisle::app::{App, Command, Event, Reply, update};
use aisle::db::inquiry::{
    Barcode, ChannelFigure, Holding, ItemInquiry, LocationInquiry, LockedBadge, PublishedFigure,
    StockAt,
};
use aisle::db::operators::{Operator, UnlockOutcome};
use aisle::db::warehouses::Warehouse;
use aisle::domain::availability::AllocationRule;
use aisle::domain::role::Role;
use aisle::ui::buffer_text::buffer_text;
use aisle::ui::theme::Theme;
use aisle::{Error, screen};
use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Size;

const SIZES: [(u16, u16); 4] = [(20, 16), (40, 8), (80, 24), (160, 50)];

fn warehouse() -> Warehouse {
    Warehouse {
        id: 1,
        code: "DEMO".into(),
        name: "Demo warehouse".into(),
        time_zone: "Europe/Amsterdam".into(),
        cart_size: 8,
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

fn app_at(width: u16, height: u16) -> App {
    App::new("T-07", warehouse(), Theme::PLAIN, Size::new(width, height))
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Types `text`; `\r` is Enter. Returns the database requests asked for.
fn keys(app: &mut App, text: &str) -> Vec<Request> {
    let mut requests = Vec::new();
    for c in text.chars() {
        let code = if c == '\r' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        for command in update(app, key(code)) {
            if let Command::Request(request) = command {
                requests.push(request);
            }
        }
    }
    requests
}

fn one(requests: Vec<Request>) -> Request {
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests.into_iter().next().expect("one request")
}

fn answer(app: &mut App, reply: Reply) {
    update(app, Event::Reply(reply));
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

fn at_pin_prompt(width: u16, height: u16) -> App {
    let mut app = app_at(width, height);
    let Request::LookupBadge { request, .. } = one(keys(&mut app, "P1001\r")) else {
        panic!("expected a badge lookup")
    };
    answer(
        &mut app,
        Reply::BadgeLookedUp {
            request,
            result: Ok(picker()),
        },
    );
    app
}

fn logged_in(width: u16, height: u16) -> App {
    let mut app = at_pin_prompt(width, height);
    let Request::Authenticate { request, .. } = one(keys(&mut app, "1234\r")) else {
        panic!("expected authentication")
    };
    answer(
        &mut app,
        Reply::Authenticated {
            request,
            result: Ok(picker()),
        },
    );
    app
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn item() -> ItemInquiry {
    let stock = |location: &str, kind: &str, lot: &str, expiry, on_hand, sellable| StockAt {
        location: location.into(),
        kind: kind.into(),
        lot: lot.into(),
        expiry,
        on_hand,
        sellable,
    };
    let channel =
        |name: &str, kind: &str, share_pct, buffer, cap, figure, sent: Option<(i32, &str)>| {
            ChannelFigure {
                channel: name.into(),
                kind: kind.into(),
                channel_sku: format!("{name}-VIT-C-100"),
                rule: AllocationRule {
                    share_pct,
                    cap,
                    buffer,
                },
                figure,
                published: sent.map(|(quantity, status)| PublishedFigure {
                    quantity,
                    version: 3,
                    status: status.into(),
                }),
            }
        };
    ItemInquiry {
        warehouse_id: 1,
        sku_id: 42,
        sku: "VIT-C-100".into(),
        name: "Vitamin C 100 tablets".into(),
        lot_controlled: true,
        case_pack: 12,
        barcodes: vec![
            Barcode {
                gtin: "00012345678905".into(),
                symbology: "upc_a".into(),
                units: 1,
            },
            Barcode {
                gtin: "10012345678902".into(),
                symbology: "gtin14".into(),
                units: 12,
            },
        ],
        stock: vec![
            stock("A-01-02-1", "bin", "L2401", date(2026, 3, 31), 40, true),
            stock("A-01-02-1", "bin", "L2407", date(2026, 9, 30), 24, true),
            stock("R-07-01", "reserve", "L2407", date(2026, 9, 30), 96, true),
            stock("TOTE-0042", "tote", "L2401", date(2026, 3, 31), 3, false),
        ],
        on_hand: 163,
        sellable_on_hand: 160,
        open_reserved: 25,
        available: 135,
        channels: vec![
            channel("amazon", "amazon", 50, 5, None, 62, Some((62, "delivered"))),
            channel(
                "retail-edi",
                "edi",
                100,
                0,
                Some(48),
                48,
                Some((48, "pending")),
            ),
            channel("shopify", "shopify", 100, 10, None, 125, None),
        ],
    }
}

fn location() -> LocationInquiry {
    let holding = |sku: &str, name: &str, lot: &str, expiry, on_hand| Holding {
        sku: sku.into(),
        name: name.into(),
        lot: lot.into(),
        expiry,
        on_hand,
    };
    LocationInquiry {
        warehouse_id: 1,
        location_id: 5,
        location: "A-01-02-1".into(),
        kind: "bin".into(),
        active: true,
        contents: vec![
            holding("TEE-BLK-M", "T-shirt black, medium", "", None, 18),
            holding(
                "VIT-C-100",
                "Vitamin C 100 tablets",
                "L2401",
                date(2026, 3, 31),
                40,
            ),
            holding(
                "VIT-C-100",
                "Vitamin C 100 tablets",
                "L2407",
                date(2026, 9, 30),
                24,
            ),
        ],
        on_hand: 82,
    }
}

/// At the inquiry screen, after scanning `scan` and the database answering `found`.
fn inquiry_showing(width: u16, height: u16, scan: &str, found: Found) -> App {
    let mut app = logged_in(width, height);
    keys(&mut app, "2");
    let Request::Inquire { request, target } = one(keys(&mut app, &format!("{scan}\r"))) else {
        panic!("expected an inquiry")
    };
    answer(
        &mut app,
        Reply::Inquired {
            request,
            target,
            result: Ok(Some(found)),
        },
    );
    app
}

/// Snapshots the screen, trailing blanks trimmed so the files survive editors.
fn snapshot(name: &str, app: &App) {
    let size = app.size();
    let drawn = draw(app);
    let text: Vec<&str> = drawn.lines().map(str::trim_end).collect();
    insta::assert_snapshot!(
        format!("{name}_{}x{}", size.width, size.height),
        text.join("\n")
    );
}

#[test]
fn login_badge_prompt() {
    for (w, h) in SIZES {
        snapshot("login_badge", &app_at(w, h));
    }
}

#[test]
fn login_pin_prompt_after_a_wrong_pin() {
    for (w, h) in SIZES {
        let mut app = at_pin_prompt(w, h);
        let Request::Authenticate { request, .. } = one(keys(&mut app, "9999\r")) else {
            panic!("expected authentication")
        };
        let wrong = Error::WrongPin {
            badge: "P1001".into(),
            attempts_left: 2,
        };
        answer(
            &mut app,
            Reply::Authenticated {
                request,
                result: Err(wrong),
            },
        );
        keys(&mut app, "12");
        snapshot("login_pin_wrong", &app);
    }
}

#[test]
fn login_locked_badge() {
    for (w, h) in [(20, 16), (80, 24)] {
        let mut app = app_at(w, h);
        let Request::LookupBadge { request, .. } = one(keys(&mut app, "P1001\r")) else {
            panic!("expected a badge lookup")
        };
        let locked = Error::BadgeLocked {
            badge: "P1001".into(),
            seconds: 60,
        };
        answer(
            &mut app,
            Reply::BadgeLookedUp {
                request,
                result: Err(locked),
            },
        );
        snapshot("login_locked", &app);
    }
}

#[test]
fn role_menu() {
    for (w, h) in [(20, 16), (40, 8), (80, 24)] {
        snapshot("menu_picker", &logged_in(w, h));
    }
}

#[test]
fn item_inquiry() {
    for (w, h) in SIZES {
        let app = inquiry_showing(w, h, "012345678905", Found::Item(Box::new(item())));
        snapshot("inquiry_item", &app);
    }
}

#[test]
fn item_inquiry_second_page() {
    for (w, h) in [(20, 16), (40, 8)] {
        let mut app = inquiry_showing(w, h, "012345678905", Found::Item(Box::new(item())));
        update(&mut app, key(KeyCode::PageDown));
        snapshot("inquiry_item_page2", &app);
    }
}

#[test]
fn location_inquiry() {
    for (w, h) in [(20, 16), (40, 8), (80, 24)] {
        let app = inquiry_showing(w, h, "A-01-02-1", Found::Location(Box::new(location())));
        snapshot("inquiry_location", &app);
    }
}

#[test]
fn a_wrong_scan_keeps_the_answer_and_shows_why() {
    for (w, h) in [(20, 16), (80, 24)] {
        let mut app = inquiry_showing(w, h, "012345678905", Found::Item(Box::new(item())));
        assert!(keys(&mut app, "012345678901\r").is_empty());
        snapshot("inquiry_bad_check_digit", &app);
    }
}

#[test]
fn an_unknown_item_says_so() {
    let mut app = logged_in(20, 16);
    keys(&mut app, "2");
    let Request::Inquire { request, target } = one(keys(&mut app, "XYZ\r")) else {
        panic!("expected an inquiry")
    };
    answer(
        &mut app,
        Reply::Inquired {
            request,
            target,
            result: Ok(None),
        },
    );
    let text = draw(&app);
    assert!(text.contains("No item XYZ"), "{text}");
}

#[test]
fn help_panel() {
    for (w, h) in [(20, 16), (80, 24)] {
        let mut app = app_at(w, h);
        update(&mut app, key(KeyCode::F(1)));
        snapshot("help_login", &app);
    }
}

#[test]
fn below_the_minimum_the_screen_says_so() {
    for (w, h) in [(19, 16), (40, 7)] {
        let text = draw(&app_at(w, h));
        let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("Screen too small: need at least 20x8"),
            "{text}"
        );
    }
}

#[test]
fn every_screen_fits_every_size() {
    // Nothing drawn past the edge and nothing panics, at the named sizes and around them.
    for (w, h) in [
        (20, 8),
        (20, 16),
        (21, 9),
        (39, 12),
        (40, 8),
        (59, 15),
        (60, 16),
        (80, 24),
        (160, 50),
    ] {
        for app in [
            app_at(w, h),
            at_pin_prompt(w, h),
            logged_in(w, h),
            inquiry_showing(w, h, "012345678905", Found::Item(Box::new(item()))),
            inquiry_showing(w, h, "A-01-02-1", Found::Location(Box::new(location()))),
            inquiry_after_case_label(w, h),
            inquiry_showing(w, h, "D-10-03-2", Found::Location(Box::new(long_codes()))),
        ] {
            let text = draw(&app);
            assert_eq!(text.lines().count(), usize::from(h));
            assert!(text.contains("DEMO"), "{w}x{h}: header missing\n{text}");
        }
    }
}

/// The inquiry after scanning a GS1-128 case label: (01) the case GTIN, (10) lot L2407.
fn inquiry_after_case_label(width: u16, height: u16) -> App {
    inquiry_showing(
        width,
        height,
        "]C10110012345678902\u{1d}10L2407",
        Found::Item(Box::new(item())),
    )
}

#[test]
fn a_case_label_shows_the_case_and_marks_its_lot() {
    for (w, h) in SIZES {
        let app = inquiry_after_case_label(w, h);
        snapshot("inquiry_case_label", &app);
    }
    // The rows of the scanned lot stand out in reverse video; the others do not.
    let app = inquiry_after_case_label(20, 16);
    let size = app.size();
    let mut terminal =
        Terminal::new(TestBackend::new(size.width, size.height)).expect("test backend");
    terminal
        .draw(|frame| screen::view::render(&app, frame.area(), frame.buffer_mut()))
        .expect("draw");
    let buffer = terminal.backend().buffer();
    let text = buffer_text(buffer);
    let rows: Vec<&str> = text.lines().collect();
    let reversed = |y: usize| {
        buffer[(0, u16::try_from(y).expect("row"))]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    };
    let lot_rows: Vec<usize> = (0..rows.len())
        .filter(|&y| rows[y].starts_with(" L2407"))
        .collect();
    let other_rows: Vec<usize> = (0..rows.len())
        .filter(|&y| rows[y].starts_with(" L2401"))
        .collect();
    assert!(!lot_rows.is_empty() && !other_rows.is_empty(), "{text}");
    assert!(
        lot_rows.iter().all(|&y| reversed(y) && reversed(y - 1)),
        "{text}"
    );
    assert!(other_rows.iter().all(|&y| !reversed(y)), "{text}");
}

#[test]
fn a_lot_not_on_hand_is_said_so() {
    let app = inquiry_showing(
        40,
        8,
        "(01)10012345678902(10)NOPE",
        Found::Item(Box::new(item())),
    );
    let text = draw(&app);
    assert!(
        text.contains("Scanned: case x12, lot NOPE not on hand"),
        "{text}"
    );
}

fn long_codes() -> LocationInquiry {
    let holding = |sku: &str, name: &str, lot: &str, expiry, on_hand| Holding {
        sku: sku.into(),
        name: name.into(),
        lot: lot.into(),
        expiry,
        on_hand,
    };
    LocationInquiry {
        warehouse_id: 1,
        location_id: 9,
        location: "D-10-03-2".into(),
        kind: "bin".into(),
        active: true,
        contents: vec![
            holding(
                "BTL100-BLK-500ML",
                "Steel Water Bottle, Black, 500 ml",
                "",
                None,
                11,
            ),
            holding(
                "COF100-COL-12OZ",
                "Whole Bean Coffee, Colombia, 12 oz",
                "COF1023B",
                date(2027, 5, 31),
                21,
            ),
        ],
        on_hand: 32,
    }
}

#[test]
fn codes_are_never_shortened_names_are() {
    for (w, h) in [(20, 16), (40, 8), (80, 24)] {
        let app = inquiry_showing(w, h, "D-10-03-2", Found::Location(Box::new(long_codes())));
        let text = draw(&app);
        assert!(text.contains("BTL100-BLK-500ML"), "{w}x{h}\n{text}");
        snapshot("inquiry_location_long_codes", &app);
    }
}

#[test]
fn help_pages_at_40x8_with_its_own_keys() {
    let mut app = app_at(40, 8);
    update(&mut app, key(KeyCode::F(1)));
    snapshot("help_login_page1", &app);
    update(&mut app, key(KeyCode::PageDown));
    snapshot("help_login_page2", &app);
}

#[test]
fn a_refused_badge_says_what_typed_ahead_was_dropped() {
    for (w, h) in [(20, 16), (40, 8)] {
        let mut app = app_at(w, h);
        let Request::LookupBadge { request, .. } = one(keys(&mut app, "X9\r")) else {
            panic!("expected a badge lookup")
        };
        keys(&mut app, "1234\r1\r");
        answer(
            &mut app,
            Reply::BadgeLookedUp {
                request,
                result: Err(Error::UnknownBadge("X9".into())),
            },
        );
        snapshot("login_discarded", &app);
    }
}

#[test]
fn an_item_barcode_at_the_badge_prompt() {
    let mut app = app_at(20, 16);
    let Request::LookupBadge { request, badge } = one(keys(&mut app, "3012345007429\r")) else {
        panic!("expected a badge lookup")
    };
    answer(
        &mut app,
        Reply::BadgeLookedUp {
            request,
            result: Err(Error::UnknownBadge(badge)),
        },
    );
    snapshot("login_item_barcode", &app);
}

fn supervisor() -> Operator {
    Operator {
        id: 12,
        badge: "S3001".into(),
        name: "Sam Super".into(),
        role: Role::Supervisor,
    }
}

#[test]
fn unlocking_badges() {
    for (w, h) in [(20, 16), (40, 8), (80, 24)] {
        let mut app = at_pin_prompt(w, h);
        let Request::Authenticate { request, .. } = one(keys(&mut app, "1234\r")) else {
            panic!("expected authentication")
        };
        answer(
            &mut app,
            Reply::Authenticated {
                request,
                result: Ok(supervisor()),
            },
        );
        keys(&mut app, "4");
        let Request::Unlock { request, badge, .. } = one(keys(&mut app, "P1001\r")) else {
            panic!("expected an unlock")
        };
        answer(
            &mut app,
            Reply::Unlocked {
                request,
                badge,
                result: Ok(UnlockOutcome::Unlocked),
            },
        );
        let Request::Unlock { request, badge, .. } = one(keys(&mut app, "ZZ99\r")) else {
            panic!("expected an unlock")
        };
        answer(
            &mut app,
            Reply::Unlocked {
                request,
                badge: badge.clone(),
                result: Err(Error::UnknownBadge(badge)),
            },
        );
        // The list of locked badges, asked for again after each unlock.
        let screen::Screen::Unlock(state) = app.screen() else {
            panic!("expected the unlock screen")
        };
        let request = state.listing.expect("the locked badges are asked for");
        answer(
            &mut app,
            Reply::LockedBadges {
                request,
                result: Ok(vec![LockedBadge {
                    badge: "K2001".into(),
                    name: "Kim Lee-Varga".into(),
                    seconds_left: 42,
                }]),
            },
        );
        snapshot("unlock_unknown_badge", &app);
    }
}

#[test]
fn a_group_separator_being_scanned_shows_as_a_mark() {
    let mut app = logged_in(40, 8);
    keys(&mut app, "2");
    keys(&mut app, "]C10110012345678902");
    update(
        &mut app,
        Event::Key(KeyEvent::new(KeyCode::Char('5'), KeyModifiers::CONTROL)),
    );
    keys(&mut app, "10L24");
    let text = draw(&app);
    assert!(
        text.contains("Scan> ]C10110012345678902<GS>10L24"),
        "{text}"
    );
}
