//! What happened: a key, a paste, a resize, a tick of the clock, or a database answer.

use crossterm::event::KeyEvent;

use super::command::{Found, InquiryTarget, RequestId};
use crate::Error;
use crate::db::operators::Operator;
use crate::db::packing::{PackOrder, PackProgress, PackShortOutcome, Station};
use crate::db::shipments::Shipped;
use crate::domain::pick_work::BatchWork;
use crate::domain::rate_shop::ShopResult;
use crate::station::StationError;
use crate::station::label_carton::LabelledCarton;

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
    /// `None`: no work, even after asking the planner to release some.
    WorkLoaded {
        request: RequestId,
        result: Result<Option<BatchWork>, Error>,
    },
    /// The tote's location id, bound to the slot.
    ToteBound {
        request: RequestId,
        result: Result<i32, Error>,
    },
    Confirmed {
        request: RequestId,
        result: Result<Confirmation, Error>,
    },
    /// `None`: the batch is no longer the picker's.
    LeaseRenewed {
        request: RequestId,
        result: Result<Option<chrono::DateTime<chrono::Utc>>, Error>,
    },
    Replayed {
        request: RequestId,
        report: ReplayReport,
    },
    StationBound {
        request: RequestId,
        result: Result<Station, Error>,
    },
    PackOrderOpened {
        request: RequestId,
        result: Result<Box<PackOrder>, Error>,
    },
    UnitPacked {
        request: RequestId,
        result: Result<PackProgress, Error>,
    },
    PackShorted {
        request: RequestId,
        result: Result<PackShortOutcome, Error>,
    },
    Rated {
        request: RequestId,
        result: Result<Box<ShopResult>, StationError>,
    },
    Labelled {
        request: RequestId,
        result: Result<Box<LabelledCarton>, StationError>,
    },
    Reprinted {
        request: RequestId,
        carton_id: i64,
        result: Result<(), StationError>,
    },
    /// The voided SSCC.
    Voided {
        request: RequestId,
        result: Result<String, Error>,
    },
    ShippedOrder {
        request: RequestId,
        result: Result<Shipped, Error>,
    },
}

/// What became of a confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// The database applied it (or had already: a retry).
    Applied {
        /// The batch has no work left.
        batch_done: bool,
        /// The batch's tasks changed on the server (a short moved the rest to another bin):
        /// load them again.
        reload: bool,
    },
    /// The database is away: the confirm waits in the terminal's journal with `waiting` others
    /// (itself included) and is sent when the database is back.
    Queued { waiting: usize },
}

/// What a replay of the journal did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayReport {
    /// Confirms the database took (or had already taken).
    pub applied: usize,
    /// Confirms that could no longer apply, each now an exception for the supervisor: what
    /// the picker is told.
    pub exceptions: Vec<String>,
    /// Confirms still waiting: the database is still away.
    pub waiting: usize,
}

impl Reply {
    /// What the journal holds as the terminal starts: confirms a dead terminal left, waiting.
    pub fn journal_left(waiting: usize) -> Reply {
        Reply::Replayed {
            request: RequestId(0),
            report: ReplayReport {
                waiting,
                ..ReplayReport::default()
            },
        }
    }

    pub fn request(&self) -> RequestId {
        match self {
            Reply::BadgeLookedUp { request, .. }
            | Reply::Authenticated { request, .. }
            | Reply::Inquired { request, .. }
            | Reply::Unlocked { request, .. }
            | Reply::LockedBadges { request, .. }
            | Reply::WorkLoaded { request, .. }
            | Reply::ToteBound { request, .. }
            | Reply::Confirmed { request, .. }
            | Reply::LeaseRenewed { request, .. }
            | Reply::Replayed { request, .. }
            | Reply::StationBound { request, .. }
            | Reply::PackOrderOpened { request, .. }
            | Reply::UnitPacked { request, .. }
            | Reply::PackShorted { request, .. }
            | Reply::Rated { request, .. }
            | Reply::Labelled { request, .. }
            | Reply::Reprinted { request, .. }
            | Reply::Voided { request, .. }
            | Reply::ShippedOrder { request, .. } => *request,
        }
    }
}
