//! What a screen's update hands back to the app: commands to run, a notice to show, a screen to
//! go to.

use crate::app::command::Command;
use crate::app::notice::Notice;
use crate::db::operators::Operator;

/// Where to go next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Goto {
    /// The PIN was right: this operator's session starts at the menu.
    SignedIn(Operator),
    Menu,
    Inquiry,
    Unlock,
    LogOut,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub commands: Vec<Command>,
    /// Replaces the message line; an error also beeps and drops typed-ahead lines.
    pub notice: Option<Notice>,
    pub goto: Option<Goto>,
    /// The screen used what is being typed (a menu number), so the input line starts over.
    pub take_line: bool,
}

impl Outcome {
    pub fn none() -> Outcome {
        Outcome::default()
    }

    pub fn command(command: impl Into<Command>) -> Outcome {
        Outcome {
            commands: vec![command.into()],
            ..Outcome::default()
        }
    }

    pub fn notice(notice: Notice) -> Outcome {
        Outcome {
            notice: Some(notice),
            ..Outcome::default()
        }
    }

    pub fn goto(goto: Goto) -> Outcome {
        Outcome {
            goto: Some(goto),
            ..Outcome::default()
        }
    }
}
