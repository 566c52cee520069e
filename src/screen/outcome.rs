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
    /// Picking: asks for work as it opens.
    Pick,
    /// The pack station: scan the station first.
    Pack,
    LogOut,
}

#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    pub commands: Vec<Command>,
    /// Replaces the message line; an error also beeps.
    pub notice: Option<Notice>,
    pub goto: Option<Goto>,
    /// The screen used what is being typed (a menu number), so the input line starts over.
    pub take_line: bool,
    /// Lines typed ahead assumed this step would succeed and it did not (a login refused):
    /// they are dropped, and the screen says how many. Screens whose scans stand alone (an
    /// inquiry) leave this unset, so that no scan is lost.
    pub discard_typeahead: bool,
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

    /// An error that makes whatever was typed ahead meaningless.
    pub fn refusal(notice: Notice) -> Outcome {
        Outcome {
            notice: Some(notice),
            discard_typeahead: true,
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
