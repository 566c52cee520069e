//! `update`: the one place state changes. Pure: it reads an event, changes the `App`, and
//! returns the commands (I/O) for the runtime to carry out.

use ratatui::layout::Size;

use super::action::Action;
use super::command::Command;
use super::event::{Event, Reply};
use super::model::{App, INFO_TICKS, MAX_TYPEAHEAD};
use crate::screen::{Context, Goto, InquiryState, LoginState, MenuState, Outcome, Screen, UnlockState};
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
            if app.notice.as_ref().is_some_and(|n| !n.is_error()) && app.notice_ticks >= INFO_TICKS {
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
