//! `update`: the one place state changes. Pure: it reads an event, changes the `App`, and
//! returns the commands (I/O) for the runtime to carry out.

use ratatui::layout::Size;

use super::action::Action;
use super::command::{Command, Request};
use super::event::{Confirmation, Event, Reply};
use super::model::{App, INFO_TICKS, MAX_TYPEAHEAD};
use crate::screen::{
    Context, Goto, InquiryState, LoginState, MenuState, Outcome, PackState, PickState, Screen,
    UnlockState, help,
};
use crate::ui::strings;

pub fn update(app: &mut App, event: Event) -> Vec<Command> {
    let mut commands = Vec::new();
    match event {
        Event::Key(key) => {
            if let Some(action) = app.keymap.on_key(key) {
                act(app, action, &mut commands);
            }
        }
        Event::Paste(text) => {
            for action in app.keymap.on_paste(&text) {
                act(app, action, &mut commands);
            }
        }
        Event::Resize { width, height } => {
            app.size = Size::new(width, height);
            with_screen(app, |screen, ctx| screen.on_resize(ctx));
            if let Some(page) = app.help {
                let last = help::page_count(&app.screen, app.size).saturating_sub(1);
                app.help = Some(page.min(last));
            }
        }
        Event::Tick => {
            app.ticks = app.ticks.saturating_add(1);
            app.notice_ticks = app.notice_ticks.saturating_add(1);
            if app.notice.as_ref().is_some_and(|n| !n.is_error()) && app.notice_ticks >= INFO_TICKS
            {
                app.notice = None;
            }
            let outcome = with_screen(app, |screen, ctx| screen.on_tick(ctx));
            apply(app, outcome, &mut commands);
            replay_if_offline(app, &mut commands);
        }
        Event::Reply(reply) => on_reply(app, reply, &mut commands),
    }
    commands
}

/// Runs `f` on the current screen with a context made of the fields it does not own.
fn with_screen<R>(app: &mut App, f: impl FnOnce(&mut Screen, &mut Context) -> R) -> R {
    let App {
        terminal_id,
        screen,
        operator,
        requests,
        size,
        theme,
        scan_config,
        keymap,
        ticks,
        ..
    } = app;
    let mut ctx = Context {
        terminal_id,
        operator: operator.as_ref(),
        requests,
        size: *size,
        theme: *theme,
        scan_config,
        line: keymap.line(),
        ticks: *ticks,
    };
    f(screen, &mut ctx)
}

fn act(app: &mut App, action: Action, commands: &mut Vec<Command>) {
    match &action {
        Action::Quit => {
            app.quitting = true;
            commands.push(Command::Quit);
            return;
        }
        Action::Help => {
            app.help = match app.help {
                Some(_) => None,
                None => Some(0),
            };
            return;
        }
        _ => {}
    }
    if let Some(page) = app.help {
        match action {
            // The help pages on its own; Esc only closes it.
            Action::PageDown => {
                let last = help::page_count(&app.screen, app.size).saturating_sub(1);
                app.help = Some((page + 1).min(last));
                return;
            }
            Action::PageUp => {
                app.help = Some(page.saturating_sub(1));
                return;
            }
            Action::Back => {
                app.help = None;
                return;
            }
            // Anything else closes it and also does what it says.
            _ => app.help = None,
        }
    }
    match &action {
        // A bare Enter means something only where a screen asks for it ("Enter: next batch").
        Action::Submit(line) if line.trim().is_empty() && !app.screen.takes_bare_enter() => {
            return;
        }
        Action::Submit(line) => {
            // A new scan answers the last message.
            app.notice = None;
            app.discarded = 0;
            if app.screen.is_busy() {
                if app.typeahead.len() < MAX_TYPEAHEAD {
                    app.typeahead.push_back(line.clone());
                } else {
                    commands.push(Command::Beep);
                }
                return;
            }
        }
        Action::Back => {
            // The operator abandons the step, and with it what was typed for the next ones.
            app.typeahead.clear();
            app.discarded = 0;
        }
        _ => {}
    }
    dispatch(app, &action, commands);
}

fn dispatch(app: &mut App, action: &Action, commands: &mut Vec<Command>) {
    let outcome = with_screen(app, |screen, ctx| screen.on_action(action, ctx));
    apply(app, outcome, commands);
}

/// How often (ticks) a terminal with confirms waiting tries the database again.
const REPLAY_EVERY: u64 = 3;

/// While confirms wait in the journal, the database is tried again every few seconds.
fn replay_if_offline(app: &mut App, commands: &mut Vec<Command>) {
    if app.waiting_confirms == 0
        || app.replaying.is_some()
        || !app.ticks.is_multiple_of(REPLAY_EVERY)
    {
        return;
    }
    let request = app.requests.next_id();
    app.replaying = Some(request);
    commands.push(Command::Request(Request::Replay { request }));
}

/// The terminal's own account of confirms kept while offline, whatever screen is shown. True
/// when what it says is an error, which beeps.
fn note_waiting(app: &mut App, reply: &Reply) -> bool {
    match reply {
        Reply::Confirmed {
            result: Ok(Confirmation::Queued { waiting }),
            ..
        } => {
            app.waiting_confirms = *waiting;
            false
        }
        Reply::Replayed { request, report } => {
            if app.replaying == Some(*request) {
                app.replaying = None;
            }
            let was_waiting = app.waiting_confirms;
            app.waiting_confirms = report.waiting;
            let notice = if !report.exceptions.is_empty() {
                Some(strings::replay_exceptions(&report.exceptions))
            } else if was_waiting > 0 && report.waiting == 0 {
                Some(strings::replayed(report.applied))
            } else {
                None
            };
            if let Some(notice) = notice {
                let error = notice.is_error();
                app.notice = Some(notice);
                app.notice_ticks = 0;
                return error;
            }
            false
        }
        _ => false,
    }
}

fn on_reply(app: &mut App, reply: Reply, commands: &mut Vec<Command>) {
    if note_waiting(app, &reply) {
        commands.push(Command::Beep);
    }
    let outcome = with_screen(app, |screen, ctx| screen.on_reply(reply, ctx));
    let signed_in = matches!(outcome.goto, Some(Goto::SignedIn(_)));
    apply(app, outcome, commands);
    // Lines typed ahead go to the screen once it is free, in order.
    while !app.screen.is_busy() {
        let Some(line) = app.typeahead.pop_front() else {
            break;
        };
        dispatch(app, &Action::Submit(line), commands);
    }
    if signed_in {
        pending_menu_choice(app, commands);
    }
}

/// A key typed while the PIN was checked is still in the input line. A single digit was meant
/// for the menu, so it chooses now; anything else was typed at the masked PIN prompt and is
/// cleared, never shown in clear.
fn pending_menu_choice(app: &mut App, commands: &mut Vec<Command>) {
    if !matches!(app.screen, Screen::Menu(_)) || app.keymap.line().is_empty() {
        return;
    }
    let mut chars = app.keymap.line().chars();
    let single_digit = chars.next().is_some_and(|c| c.is_ascii_digit()) && chars.next().is_none();
    if single_digit {
        dispatch(app, &Action::Edited, commands);
    } else {
        app.keymap.clear();
    }
}

fn apply(app: &mut App, outcome: Outcome, commands: &mut Vec<Command>) {
    if outcome.take_line {
        app.keymap.clear();
    }
    commands.extend(outcome.commands);
    if outcome.discard_typeahead && !app.typeahead.is_empty() {
        app.discarded = app.typeahead.len();
        app.typeahead.clear();
    }
    if let Some(notice) = outcome.notice {
        if notice.is_error() {
            commands.push(Command::Beep);
        }
        app.notice = Some(notice);
        app.notice_ticks = 0;
    }
    // Leaving the pack station keeps its binding for the next visit.
    if outcome.goto.is_some()
        && let Screen::Pack(state) = &app.screen
    {
        app.pack_station = state.station.clone();
    }
    match outcome.goto {
        None => {}
        Some(Goto::SignedIn(operator)) => {
            app.notice = Some(strings::signed_in(&operator.name));
            app.notice_ticks = 0;
            app.screen = Screen::Menu(MenuState::for_role(operator.role));
            app.operator = Some(operator);
        }
        Some(Goto::Menu) => {
            app.screen = match &app.operator {
                Some(operator) => Screen::Menu(MenuState::for_role(operator.role)),
                None => Screen::Login(LoginState::new()),
            };
        }
        Some(Goto::Inquiry) => app.screen = Screen::Inquiry(InquiryState::default()),
        Some(Goto::Pick) => {
            let Some(picker) = &app.operator else {
                app.screen = Screen::Login(LoginState::new());
                return;
            };
            let (state, command) = PickState::opened(&mut app.requests, picker, app.ticks);
            app.screen = Screen::Pick(state);
            commands.push(command);
        }
        Some(Goto::Pack) => {
            app.screen = Screen::Pack(Box::new(PackState::at(app.pack_station.clone())))
        }
        Some(Goto::Unlock) => {
            let (state, command) = UnlockState::opened(&mut app.requests);
            app.screen = Screen::Unlock(state);
            commands.push(command);
        }
        Some(Goto::LogOut) => {
            app.operator = None;
            app.pack_station = None;
            app.typeahead.clear();
            app.discarded = 0;
            app.keymap.clear();
            app.screen = Screen::Login(LoginState::new());
            app.notice = Some(strings::logged_out());
            app.notice_ticks = 0;
        }
    }
}

impl App {
    /// The same as [`update`], as a method.
    pub fn update(&mut self, event: Event) -> Vec<Command> {
        update(self, event)
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::layout::Size;

    use super::*;
    use crate::Error;
    use crate::app::command::{Request, RequestId};
    use crate::db::inquiry::{ScanOutcome, ScanRecord};
    use crate::db::operators::Operator;
    use crate::db::warehouses::Warehouse;
    use crate::domain::role::Role;
    use crate::screen::login::LoginStep;
    use crate::screen::menu::MenuEntry;
    use crate::ui::theme::Theme;

    fn app() -> App {
        let warehouse = Warehouse {
            id: 1,
            code: "DEMO".into(),
            name: "Demo warehouse".into(),
            time_zone: "UTC".into(),
            cart_size: 8,
        };
        App::new("T1", warehouse, Theme::PLAIN, Size::new(20, 16))
    }

    fn operator(role: Role) -> Operator {
        Operator {
            id: 7,
            badge: "P1001".into(),
            name: "Pat Picker".into(),
            role,
        }
    }

    /// Types `text` and, if it ends in `\r`, Enter, as a wedge scanner does. Journal writes
    /// are left out; [`journaled`] returns them.
    fn keys(app: &mut App, text: &str) -> Vec<Command> {
        without_journal(all_keys(app, text))
    }

    fn without_journal(commands: Vec<Command>) -> Vec<Command> {
        commands
            .into_iter()
            .filter(|command| !matches!(command, Command::Journal(_)))
            .collect()
    }

    /// The scan journal entries typing `text` asks for.
    fn journaled(app: &mut App, text: &str) -> Vec<ScanRecord> {
        all_keys(app, text)
            .into_iter()
            .filter_map(|command| match command {
                Command::Journal(record) => Some(record),
                _ => None,
            })
            .collect()
    }

    fn all_keys(app: &mut App, text: &str) -> Vec<Command> {
        let mut commands = Vec::new();
        for c in text.chars() {
            let code = if c == '\r' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            };
            commands.extend(update(
                app,
                Event::Key(KeyEvent::new(code, KeyModifiers::NONE)),
            ));
        }
        commands
    }

    fn only_request(commands: Vec<Command>) -> Request {
        match commands.as_slice() {
            [Command::Request(request)] => request.clone(),
            other => panic!("expected one request, got {other:?}"),
        }
    }

    fn reply(app: &mut App, reply: Reply) -> Vec<Command> {
        without_journal(update(app, Event::Reply(reply)))
    }

    /// Logs in with a badge and PIN, answering the requests as the database would.
    fn logged_in(role: Role) -> App {
        let mut app = app();
        let Request::LookupBadge { request, .. } = only_request(keys(&mut app, "P1001\r")) else {
            panic!("expected a badge lookup");
        };
        reply(
            &mut app,
            Reply::BadgeLookedUp {
                request,
                result: Ok(operator(role)),
            },
        );
        let Request::Authenticate { request, .. } = only_request(keys(&mut app, "1234\r")) else {
            panic!("expected authentication");
        };
        reply(
            &mut app,
            Reply::Authenticated {
                request,
                result: Ok(operator(role)),
            },
        );
        app
    }

    #[test]
    fn badge_then_pin_logs_in_to_the_menu() {
        let mut app = app();
        let request = only_request(keys(&mut app, "]C0P1001\r"));
        let Request::LookupBadge { request: id, badge } = request else {
            panic!("{request:?}")
        };
        assert_eq!(badge, "P1001");
        assert!(app.screen().is_busy());
        reply(
            &mut app,
            Reply::BadgeLookedUp {
                request: id,
                result: Ok(operator(Role::Picker)),
            },
        );
        let Screen::Login(login) = app.screen() else {
            panic!()
        };
        assert!(matches!(login.step, LoginStep::Pin { .. }));
        let request = only_request(keys(&mut app, "1234\r"));
        let Request::Authenticate {
            request: id,
            badge,
            pin,
        } = request
        else {
            panic!("{request:?}")
        };
        assert_eq!((badge.as_str(), pin.reveal()), ("P1001", "1234"));
        assert_eq!(format!("{pin:?}"), "Pin(****)");
        reply(
            &mut app,
            Reply::Authenticated {
                request: id,
                result: Ok(operator(Role::Picker)),
            },
        );
        assert!(matches!(app.screen(), Screen::Menu(_)));
        assert_eq!(app.operator().map(|o| o.badge.as_str()), Some("P1001"));
    }

    #[test]
    fn a_wrong_pin_beeps_and_says_how_many_attempts_are_left() {
        let mut app = app();
        let Request::LookupBadge { request, .. } = only_request(keys(&mut app, "P1001\r")) else {
            panic!()
        };
        reply(
            &mut app,
            Reply::BadgeLookedUp {
                request,
                result: Ok(operator(Role::Picker)),
            },
        );
        let Request::Authenticate { request, .. } = only_request(keys(&mut app, "9999\r")) else {
            panic!()
        };
        let wrong = Error::WrongPin {
            badge: "P1001".into(),
            attempts_left: 2,
        };
        let commands = reply(
            &mut app,
            Reply::Authenticated {
                request,
                result: Err(wrong),
            },
        );
        assert_eq!(commands, vec![Command::Beep]);
        assert_eq!(
            app.notice().map(|n| n.short.as_str()),
            Some("Wrong PIN: 2 left")
        );
        let Screen::Login(login) = app.screen() else {
            panic!()
        };
        assert!(
            matches!(login.step, LoginStep::Pin { .. }),
            "still asks for the PIN"
        );

        // The third wrong PIN locks the badge: back to the badge prompt, saying so.
        let Request::Authenticate { request, .. } = only_request(keys(&mut app, "9998\r")) else {
            panic!()
        };
        let locked = Error::BadgeLocked {
            badge: "P1001".into(),
            seconds: 60,
        };
        assert_eq!(
            reply(
                &mut app,
                Reply::Authenticated {
                    request,
                    result: Err(locked)
                }
            ),
            vec![Command::Beep]
        );
        let Screen::Login(login) = app.screen() else {
            panic!()
        };
        assert_eq!(login.step, LoginStep::Badge);
        assert_eq!(login.locked.as_ref().map(|l| l.seconds_left(0)), Some(60));
        assert!(
            app.notice()
                .is_some_and(|n| n.long.contains("supervisor can unlock"))
        );
    }

    #[test]
    fn a_malformed_pin_is_refused_without_asking_the_database() {
        let mut app = app();
        let Request::LookupBadge { request, .. } = only_request(keys(&mut app, "P1001\r")) else {
            panic!()
        };
        reply(
            &mut app,
            Reply::BadgeLookedUp {
                request,
                result: Ok(operator(Role::Picker)),
            },
        );
        assert_eq!(keys(&mut app, "12\r"), vec![Command::Beep]);
        assert_eq!(keys(&mut app, "12ab\r"), vec![Command::Beep]);
        let Screen::Login(login) = app.screen() else {
            panic!()
        };
        assert!(matches!(login.step, LoginStep::Pin { .. }));
    }

    #[test]
    fn an_unknown_badge_beeps_and_asks_again() {
        let mut app = app();
        let Request::LookupBadge { request, .. } = only_request(keys(&mut app, "X9\r")) else {
            panic!()
        };
        let commands = reply(
            &mut app,
            Reply::BadgeLookedUp {
                request,
                result: Err(Error::UnknownBadge("X9".into())),
            },
        );
        assert_eq!(commands, vec![Command::Beep]);
        assert_eq!(app.notice().map(|n| n.short.as_str()), Some("No badge X9"));
        assert_eq!(keys(&mut app, "bad badge!\r"), vec![Command::Beep]);
    }

    #[test]
    fn a_pin_typed_before_the_badge_is_confirmed_is_kept_and_used() {
        let mut app = app();
        let Request::LookupBadge { request, .. } = only_request(keys(&mut app, "P1001\r")) else {
            panic!()
        };
        assert_eq!(keys(&mut app, "1234\r"), vec![]);
        assert_eq!(app.typeahead().count(), 1);
        let commands = reply(
            &mut app,
            Reply::BadgeLookedUp {
                request,
                result: Ok(operator(Role::Picker)),
            },
        );
        assert!(matches!(
            only_request(commands),
            Request::Authenticate { pin, .. } if pin.reveal() == "1234"
        ));
        assert_eq!(app.typeahead().count(), 0);
    }

    #[test]
    fn a_reply_for_an_abandoned_request_is_ignored() {
        let mut app = app();
        let Request::LookupBadge { request, .. } = only_request(keys(&mut app, "P1001\r")) else {
            panic!()
        };
        update(
            &mut app,
            Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
        );
        let Request::LookupBadge {
            request: second, ..
        } = only_request(keys(&mut app, "P1002\r"))
        else {
            panic!()
        };
        assert_ne!(request, second);
        reply(
            &mut app,
            Reply::BadgeLookedUp {
                request,
                result: Ok(operator(Role::Picker)),
            },
        );
        let Screen::Login(login) = app.screen() else {
            panic!()
        };
        assert!(matches!(login.step, LoginStep::LookingUp { request, .. } if request == second));
        assert_eq!(RequestId(2), second);
    }

    #[test]
    fn menus_show_only_what_the_role_may_do() {
        let entries = |role| MenuState::for_role(role).entries;
        use MenuEntry::*;
        assert_eq!(entries(Role::Picker), vec![Pick, Inquiry, LogOut]);
        assert_eq!(entries(Role::Packer), vec![Pack, Inquiry, LogOut]);
        assert_eq!(
            entries(Role::Supervisor),
            vec![Pick, Pack, Inquiry, UnlockBadge, LogOut]
        );
        assert_eq!(
            entries(Role::Admin),
            vec![Pick, Pack, Inquiry, UnlockBadge, LogOut]
        );
    }

    #[test]
    fn a_number_key_chooses_at_once_and_a_wrong_one_beeps() {
        let mut picker = logged_in(Role::Picker);
        assert_eq!(keys(&mut picker, "4"), vec![Command::Beep]);
        assert_eq!(picker.line(), "");
        assert_eq!(keys(&mut picker, "2"), vec![]);
        assert!(matches!(picker.screen(), Screen::Inquiry(_)));
        // The scanner's Enter after a scanned number changes nothing.
        assert_eq!(keys(&mut picker, "\r"), vec![]);

        let mut supervisor = logged_in(Role::Supervisor);
        keys(&mut supervisor, "4");
        assert!(matches!(supervisor.screen(), Screen::Unlock(_)));
        let request = only_request(keys(&mut supervisor, "P1002\r"));
        assert!(
            matches!(request, Request::Unlock { ref badge, ref actor, .. }
            if badge == "P1002" && actor.role == Role::Supervisor)
        );
    }

    #[test]
    fn logging_out_returns_to_the_badge_prompt() {
        let mut picker = logged_in(Role::Picker);
        keys(&mut picker, "3");
        assert!(matches!(picker.screen(), Screen::Login(_)));
        assert!(picker.operator().is_none());
    }

    #[test]
    fn a_bad_check_digit_beeps_shows_the_short_message_and_asks_nothing() {
        let mut app = logged_in(Role::Picker);
        keys(&mut app, "2");
        assert_eq!(keys(&mut app, "012345678901\r"), vec![Command::Beep]);
        assert_eq!(
            app.notice().map(|n| n.short.as_str()),
            Some("Bad check digit")
        );
        let Screen::Inquiry(inquiry) = app.screen() else {
            panic!()
        };
        assert_eq!(inquiry, &InquiryState::default());
    }

    #[test]
    fn scans_become_the_right_inquiries() {
        use crate::app::command::InquiryTarget;
        use crate::db::inquiry::ItemQuery;
        let mut app = logged_in(Role::Picker);
        keys(&mut app, "2");
        let first = target_of(keys(&mut app, "012345678905\r"));
        assert!(
            matches!(first, InquiryTarget::Item(ItemQuery::Gtin(ref g)) if g.as_str() == "00012345678905")
        );
        // While that is answered, the next scans wait their turn.
        assert_eq!(keys(&mut app, "]C10100012345678905\u{1d}10LOT7\r"), vec![]);
        let request = match &app.screen {
            Screen::Inquiry(InquiryState {
                awaiting: Some(awaiting),
                ..
            }) => awaiting.request,
            other => panic!("{other:?}"),
        };
        let next = reply(
            &mut app,
            Reply::Inquired {
                request,
                target: first,
                result: Ok(None),
            },
        );
        // "No item" beeps, and the scan typed ahead is still asked: in an inquiry each scan
        // stands alone, and none is dropped.
        let [
            Command::Beep,
            Command::Request(Request::Inquire { target, .. }),
        ] = next.as_slice()
        else {
            panic!("{next:?}")
        };
        assert!(
            matches!(target, InquiryTarget::Item(ItemQuery::Gtin(g)) if g.as_str() == "00012345678905")
        );
        assert_eq!(
            app.notice().map(|n| n.short.as_str()),
            Some("No item 00012345678905")
        );
        let Screen::Inquiry(InquiryState {
            awaiting: Some(awaiting),
            ..
        }) = &app.screen
        else {
            panic!("{:?}", app.screen)
        };
        let scanned = awaiting.scanned.as_ref().map(|s| s.lot.as_deref());
        assert_eq!(scanned, Some(Some("LOT7")), "the label's lot is kept");
        let request = awaiting.request;
        reply(
            &mut app,
            Reply::Inquired {
                request,
                target: target.clone(),
                result: Ok(None),
            },
        );
        let code = target_of(keys(&mut app, "a-01-01-1\r"));
        assert_eq!(code, InquiryTarget::Code("A-01-01-1".into()));
    }

    fn target_of(commands: Vec<Command>) -> crate::app::command::InquiryTarget {
        match only_request(commands) {
            Request::Inquire { target, .. } => target,
            other => panic!("{other:?}"),
        }
    }

    /// Answers the badge lookup, leaving the PIN prompt.
    fn at_pin(app: &mut App) {
        let Request::LookupBadge { request, .. } = only_request(keys(app, "P1001\r")) else {
            panic!("expected a badge lookup")
        };
        reply(
            app,
            Reply::BadgeLookedUp {
                request,
                result: Ok(operator(Role::Picker)),
            },
        );
    }

    #[test]
    fn a_refused_login_drops_what_was_typed_ahead_and_says_how_much() {
        let mut app = app();
        let Request::LookupBadge { request, .. } = only_request(keys(&mut app, "X9\r")) else {
            panic!()
        };
        // The PIN and the menu number, typed while the badge is checked.
        keys(&mut app, "1234\r1\r");
        assert_eq!(app.typeahead().count(), 2);
        let commands = reply(
            &mut app,
            Reply::BadgeLookedUp {
                request,
                result: Err(Error::UnknownBadge("X9".into())),
            },
        );
        assert_eq!(
            commands,
            vec![Command::Beep],
            "the PIN is not taken for a badge"
        );
        assert_eq!(app.typeahead().count(), 0);
        assert_eq!(app.discarded(), 2);
        assert_eq!(
            strings::discarded(app.discarded()).long,
            "2 scans discarded: scan again"
        );
        // The next line answers it.
        keys(&mut app, "P1001\r");
        assert_eq!(app.discarded(), 0);
    }

    #[test]
    fn a_wrong_pin_drops_the_menu_number_typed_ahead() {
        let mut app = app();
        at_pin(&mut app);
        let Request::Authenticate { request, .. } = only_request(keys(&mut app, "9999\r")) else {
            panic!()
        };
        keys(&mut app, "1\r");
        let wrong = Error::WrongPin {
            badge: "P1001".into(),
            attempts_left: 1,
        };
        reply(
            &mut app,
            Reply::Authenticated {
                request,
                result: Err(wrong),
            },
        );
        assert_eq!(app.discarded(), 1);
        assert_eq!(
            app.notice().map(|n| n.long.as_str()),
            Some("Wrong PIN: 1 attempt left before the badge locks")
        );
    }

    #[test]
    fn a_menu_number_typed_while_the_pin_is_checked_chooses_after_sign_in() {
        let mut app = app();
        at_pin(&mut app);
        let Request::Authenticate { request, .. } = only_request(keys(&mut app, "1234\r")) else {
            panic!()
        };
        keys(&mut app, "2");
        assert_eq!(app.line(), "2");
        reply(
            &mut app,
            Reply::Authenticated {
                request,
                result: Ok(operator(Role::Picker)),
            },
        );
        assert!(matches!(app.screen(), Screen::Inquiry(_)), "{app:?}");
        assert_eq!(app.line(), "", "the digit is not glued onto the next scan");

        // Anything else typed at the masked prompt is cleared, never shown in clear.
        let mut app = self::app();
        at_pin(&mut app);
        let Request::Authenticate { request, .. } = only_request(keys(&mut app, "1234\r")) else {
            panic!()
        };
        keys(&mut app, "56");
        reply(
            &mut app,
            Reply::Authenticated {
                request,
                result: Ok(operator(Role::Picker)),
            },
        );
        assert!(matches!(app.screen(), Screen::Menu(_)));
        assert_eq!(app.line(), "");
    }

    #[test]
    fn a_lock_counts_down_with_the_clock_and_ends() {
        let mut app = app();
        let Request::LookupBadge { request, .. } = only_request(keys(&mut app, "K2001\r")) else {
            panic!()
        };
        update(&mut app, Event::Tick);
        reply(
            &mut app,
            Reply::BadgeLookedUp {
                request,
                result: Err(Error::BadgeLocked {
                    badge: "K2001".into(),
                    seconds: 3,
                }),
            },
        );
        let left = |app: &App| match app.screen() {
            Screen::Login(login) => login.locked.as_ref().map(|l| l.seconds_left(app.ticks())),
            _ => None,
        };
        assert_eq!(left(&app), Some(3));
        update(&mut app, Event::Tick);
        assert_eq!(left(&app), Some(2));
        update(&mut app, Event::Tick);
        update(&mut app, Event::Tick);
        assert_eq!(left(&app), None, "the lock is over");
        assert_eq!(app.notice().map(|n| n.short.as_str()), Some("Lock ended"));
    }

    #[test]
    fn an_item_barcode_at_login_is_told_apart_from_a_badge() {
        let mut app = app();
        let Request::LookupBadge { request, badge } = only_request(keys(&mut app, "13012345007\r"))
        else {
            panic!()
        };
        // Not a GTIN (11 digits): an unknown badge is just that.
        reply(
            &mut app,
            Reply::BadgeLookedUp {
                request,
                result: Err(Error::UnknownBadge(badge)),
            },
        );
        assert_eq!(
            app.notice().map(|n| n.short.as_str()),
            Some("No badge 13012345007")
        );
        // A GTIN that is no one's badge.
        let Request::LookupBadge { request, badge } =
            only_request(keys(&mut app, "012345678905\r"))
        else {
            panic!()
        };
        reply(
            &mut app,
            Reply::BadgeLookedUp {
                request,
                result: Err(Error::UnknownBadge(badge)),
            },
        );
        assert_eq!(
            app.notice().map(|n| n.long.as_str()),
            Some("That is an item barcode: scan your badge")
        );
        // GS1 data cannot be a badge at all.
        assert_eq!(
            keys(&mut app, "(01)00012345678905(10)L7\r"),
            vec![Command::Beep]
        );
        assert_eq!(
            app.notice().map(|n| n.short.as_str()),
            Some("Item, not a badge")
        );
    }

    #[test]
    fn scans_are_journaled_and_pins_never() {
        let mut app = app();
        let login = journaled(&mut app, "P1001\r");
        assert_eq!(login.len(), 1);
        assert_eq!(
            (login[0].screen, login[0].outcome, login[0].raw.as_str()),
            ("login", ScanOutcome::Lookup, "P1001")
        );
        let Screen::Login(state) = app.screen() else {
            panic!()
        };
        let LoginStep::LookingUp { request, .. } = state.step else {
            panic!()
        };
        // The PIN typed ahead, then sent once the badge is known: never journaled.
        assert!(journaled(&mut app, "1234\r").is_empty());
        let commands = update(
            &mut app,
            Event::Reply(Reply::BadgeLookedUp {
                request,
                result: Ok(operator(Role::Picker)),
            }),
        );
        assert!(!commands.iter().any(|c| matches!(c, Command::Journal(_))));

        let mut app = logged_in(Role::Picker);
        keys(&mut app, "2");
        let lookup = journaled(&mut app, "]C10100012345678905\u{1d}10LOT7\r");
        assert_eq!(lookup.len(), 1);
        assert_eq!(lookup[0].outcome, ScanOutcome::Lookup);
        assert_eq!(lookup[0].operator_id, Some(7));
        assert_eq!(lookup[0].terminal, "T1");
        assert_eq!(
            lookup[0].parsed,
            Some(serde_json::json!({"kind": "gs1", "gtin": "00012345678905", "lot": "LOT7"}))
        );
        let Screen::Inquiry(InquiryState {
            awaiting: Some(awaiting),
            ..
        }) = app.screen()
        else {
            panic!()
        };
        let request = awaiting.request;
        reply(
            &mut app,
            Reply::Inquired {
                request,
                target: crate::app::command::InquiryTarget::Code("X".into()),
                result: Ok(None),
            },
        );
        let refused = journaled(&mut app, "012345678901\r");
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].outcome, ScanOutcome::Rejected);
        assert_eq!(
            refused[0].message.as_deref(),
            Some("Not a valid barcode: check digit should be 5, not 1 (scan again)")
        );
    }

    #[test]
    fn help_pages_on_a_short_screen_and_esc_closes_it() {
        let mut app = app();
        update(
            &mut app,
            Event::Resize {
                width: 40,
                height: 8,
            },
        );
        update(
            &mut app,
            Event::Key(KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE)),
        );
        assert_eq!(app.help_page(), Some(0));
        assert!(help::page_count(app.screen(), app.size()) > 1);
        update(
            &mut app,
            Event::Key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE)),
        );
        assert_eq!(app.help_page(), Some(1));
        update(
            &mut app,
            Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
        );
        assert_eq!(app.help_page(), None);
        assert!(matches!(app.screen(), Screen::Login(_)));
    }
}
