//! `update`: the one place state changes. Pure: it reads an event, changes the `App`, and
//! returns the commands (I/O) for the runtime to carry out.

use ratatui::layout::Size;

use super::action::Action;
use super::command::Command;
use super::event::{Event, Reply};
use super::model::{App, INFO_TICKS, MAX_TYPEAHEAD};
use crate::screen::{
    Context, Goto, InquiryState, LoginState, MenuState, Outcome, Screen, UnlockState,
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
        }
        Event::Tick => {
            app.notice_ticks = app.notice_ticks.saturating_add(1);
            if app.notice.as_ref().is_some_and(|n| !n.is_error()) && app.notice_ticks >= INFO_TICKS
            {
                app.notice = None;
            }
        }
        Event::Reply(reply) => on_reply(app, reply, &mut commands),
    }
    commands
}

/// Runs `f` on the current screen with a context made of the fields it does not own.
fn with_screen<R>(app: &mut App, f: impl FnOnce(&mut Screen, &mut Context) -> R) -> R {
    let App {
        screen,
        operator,
        requests,
        size,
        theme,
        scan_config,
        keymap,
        ..
    } = app;
    let mut ctx = Context {
        operator: operator.as_ref(),
        requests,
        size: *size,
        theme: *theme,
        scan_config,
        line: keymap.line(),
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
            app.help = !app.help;
            return;
        }
        _ => {}
    }
    if app.help {
        app.help = false;
        // Esc only closes the help; anything else also does what it says.
        if action == Action::Back {
            return;
        }
    }
    match &action {
        Action::Submit(line) if line.trim().is_empty() => return,
        Action::Submit(line) => {
            // A new scan answers the last message.
            app.notice = None;
            if app.screen.is_busy() {
                if app.typeahead.len() < MAX_TYPEAHEAD {
                    app.typeahead.push_back(line.clone());
                } else {
                    commands.push(Command::Beep);
                }
                return;
            }
        }
        Action::Back => app.typeahead.clear(),
        _ => {}
    }
    dispatch(app, &action, commands);
}

fn dispatch(app: &mut App, action: &Action, commands: &mut Vec<Command>) {
    let outcome = with_screen(app, |screen, ctx| screen.on_action(action, ctx));
    apply(app, outcome, commands);
}

fn on_reply(app: &mut App, reply: Reply, commands: &mut Vec<Command>) {
    let outcome = app.screen.on_reply(reply);
    apply(app, outcome, commands);
    // Lines typed ahead go to the screen once it is free, in order.
    while !app.screen.is_busy() {
        let Some(line) = app.typeahead.pop_front() else {
            break;
        };
        dispatch(app, &Action::Submit(line), commands);
    }
}

fn apply(app: &mut App, outcome: Outcome, commands: &mut Vec<Command>) {
    if outcome.take_line {
        app.keymap.clear();
    }
    commands.extend(outcome.commands);
    if let Some(notice) = outcome.notice {
        if notice.is_error() {
            // What was typed ahead assumed this step would succeed.
            app.typeahead.clear();
            commands.push(Command::Beep);
        }
        app.notice = Some(notice);
        app.notice_ticks = 0;
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
        Some(Goto::Unlock) => app.screen = Screen::Unlock(UnlockState::default()),
        Some(Goto::LogOut) => {
            app.operator = None;
            app.typeahead.clear();
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

    /// Types `text` and, if it ends in `\r`, Enter, as a wedge scanner does.
    fn keys(app: &mut App, text: &str) -> Vec<Command> {
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
        update(app, Event::Reply(reply))
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
        assert_eq!(login.locked.as_ref().map(|l| l.seconds), Some(60));
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
        assert_eq!(entries(Role::Picker), vec![Inquiry, LogOut]);
        assert_eq!(entries(Role::Packer), vec![Inquiry, LogOut]);
        assert_eq!(
            entries(Role::Supervisor),
            vec![Inquiry, UnlockBadge, LogOut]
        );
        assert_eq!(entries(Role::Admin), vec![Inquiry, UnlockBadge, LogOut]);
    }

    #[test]
    fn a_number_key_chooses_at_once_and_a_wrong_one_beeps() {
        let mut picker = logged_in(Role::Picker);
        assert_eq!(keys(&mut picker, "3"), vec![Command::Beep]);
        assert_eq!(picker.line(), "");
        assert_eq!(keys(&mut picker, "1"), vec![]);
        assert!(matches!(picker.screen(), Screen::Inquiry(_)));
        // The scanner's Enter after a scanned number changes nothing.
        assert_eq!(keys(&mut picker, "\r"), vec![]);

        let mut supervisor = logged_in(Role::Supervisor);
        keys(&mut supervisor, "2");
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
        keys(&mut picker, "2");
        assert!(matches!(picker.screen(), Screen::Login(_)));
        assert!(picker.operator().is_none());
    }

    #[test]
    fn a_bad_check_digit_beeps_shows_the_short_message_and_asks_nothing() {
        let mut app = logged_in(Role::Picker);
        keys(&mut app, "1");
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
        keys(&mut app, "1");
        let target = |commands: Vec<Command>| match only_request(commands) {
            Request::Inquire { target, .. } => target,
            other => panic!("{other:?}"),
        };
        let first = target(keys(&mut app, "012345678905\r"));
        assert!(
            matches!(first, InquiryTarget::Item(ItemQuery::Gtin(ref g)) if g.as_str() == "00012345678905")
        );
        // While that is answered, the next scans wait their turn.
        assert_eq!(keys(&mut app, "]C10100012345678905\u{1d}10LOT7\r"), vec![]);
        let request = match &app.screen {
            Screen::Inquiry(InquiryState {
                awaiting: Some((request, _)),
                ..
            }) => *request,
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
        // "No item" is an error: it beeps and drops what was typed ahead.
        assert_eq!(next, vec![Command::Beep]);
        assert_eq!(
            app.notice().map(|n| n.short.as_str()),
            Some("No item 00012345678905")
        );
        let code = target(keys(&mut app, "a-01-01-1\r"));
        assert_eq!(code, InquiryTarget::Code("A-01-01-1".into()));
    }
}
