//! Driving the pure app as a scanner or a keyboard would, for the screen tests: keys in,
//! commands out, database answers made up by the test.

use aisle::app::command::Request;
use aisle::app::{App, Command, Event, Reply, update};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Types `text` (`\r` is Enter) and returns every command asked for.
pub fn keys(app: &mut App, text: &str) -> Vec<Command> {
    let mut commands = Vec::new();
    for c in text.chars() {
        let code = if c == '\r' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        commands.extend(update(app, key(code)));
    }
    commands
}

/// The database requests among `commands`.
pub fn requests(commands: &[Command]) -> Vec<Request> {
    commands
        .iter()
        .filter_map(|command| match command {
            Command::Request(request) => Some(request.clone()),
            _ => None,
        })
        .collect()
}

/// The one request in `commands`.
pub fn one_request(commands: &[Command]) -> Request {
    match &requests(commands)[..] {
        [request] => request.clone(),
        other => panic!("expected one request: {other:?}"),
    }
}

/// How many times `commands` ring the bell.
pub fn beeps(commands: &[Command]) -> usize {
    commands
        .iter()
        .filter(|command| matches!(command, Command::Beep))
        .count()
}

/// A database answer arrives.
pub fn answer(app: &mut App, reply: Reply) -> Vec<Command> {
    update(app, Event::Reply(reply))
}
