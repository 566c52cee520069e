//! What happened: a key, a paste, a resize, a tick of the clock, or a database answer.

use crossterm::event::KeyEvent;

use super::command::{Found, InquiryTarget, RequestId};
use crate::Error;
use crate::db::operators::Operator;

#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    /// Text pasted in one piece (bracketed paste); some wedge emulators deliver scans this way.
    Paste(String),
    /// The terminal's new size, columns x rows.
    Resize {
        width: u16,
        height: u16,
    },
    /// The clock moved on by one [`TICK`](crate::runtime::TICK).
    Tick,
    Reply(Reply),
}

/// A database answer to a [`Command`](super::command::Command).
#[derive(Debug)]
pub enum Reply {
    BadgeLookedUp {
        request: RequestId,
        result: Result<Operator, Error>,
    },
    Authenticated {
        request: RequestId,
        result: Result<Operator, Error>,
    },
    Inquired {
        request: RequestId,
        target: InquiryTarget,
        result: Result<Option<Found>, Error>,
    },
    Unlocked {
        request: RequestId,
        badge: String,
        result: Result<crate::db::operators::UnlockOutcome, Error>,
    },
    LockedBadges {
        request: RequestId,
        result: Result<Vec<crate::db::inquiry::LockedBadge>, Error>,
    },
}

impl Reply {
    pub fn request(&self) -> RequestId {
        match self {
            Reply::BadgeLookedUp { request, .. }
            | Reply::Authenticated { request, .. }
            | Reply::Inquired { request, .. }
            | Reply::Unlocked { request, .. }
            | Reply::LockedBadges { request, .. } => *request,
        }
    }
}
