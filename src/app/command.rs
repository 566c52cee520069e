//! The I/O that `update` asks for. The runtime carries each out and feeds the answer back as a
//! [`Reply`](super::event::Reply) carrying the same request id, so that an answer arriving
//! after the operator moved on is recognised and dropped.

use std::fmt;

use crate::db::inquiry::{ItemInquiry, ItemQuery, LocationInquiry, ScanRecord};
use crate::db::operators::Operator;
use crate::db::packing::{PackOrder, PackScan, PackShort, Station};
use crate::domain::cartonization::CartonPlan;
use crate::domain::rate_shop::Quote;
use crate::runtime::confirm_journal::PendingKind;
use crate::station::label_carton::WeighedCarton;

/// Tags a database request so its reply can be matched to the step that asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestId(pub u64);

/// Hands out request ids, one terminal's sequence.
#[derive(Debug, Default)]
pub struct RequestIds {
    last: u64,
}

impl RequestIds {
    pub fn next_id(&mut self) -> RequestId {
        self.last += 1;
        RequestId(self.last)
    }
}

/// A PIN in transit: never printed, not even in logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

impl Pin {
    pub fn new(pin: impl Into<String>) -> Pin {
        Pin(pin.into())
    }

    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(****)")
    }
}

/// What an inquiry asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InquiryTarget {
    /// A barcode, or a SKU code.
    Item(ItemQuery),
    /// A scanned or typed code that may be a SKU code or a location code (`TSHIRT-BLK-M` and
    /// `A-03-12-2` have the same shape): the item is tried first, then the location.
    Code(String),
}

impl InquiryTarget {
    /// The code as the operator gave it, for "No item …" messages.
    pub fn as_text(&self) -> &str {
        match self {
            InquiryTarget::Item(query) => query.as_text(),
            InquiryTarget::Code(code) => code,
        }
    }
}

/// What an inquiry found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Item(Box<ItemInquiry>),
    Location(Box<LocationInquiry>),
}

/// What `update` asks the runtime to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Ask the database; the answer comes back as a [`Reply`](super::event::Reply).
    Request(Request),
    /// Write a scan to the scan journal, fire and forget: no reply, and the screen never
    /// waits for it.
    Journal(ScanRecord),
    /// Ring the terminal bell (BEL): a wrong scan must be heard, not only seen.
    Beep,
    /// Leave the event loop and give the terminal back.
    Quit,
}

/// A question or change for the database, tagged with the id its reply will carry.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    LookupBadge {
        request: RequestId,
        badge: String,
    },
    Authenticate {
        request: RequestId,
        badge: String,
        pin: Pin,
    },
    Inquire {
        request: RequestId,
        target: InquiryTarget,
    },
    Unlock {
        request: RequestId,
        actor: Operator,
        badge: String,
    },
    /// Which badges are locked now, for the unlock screen.
    LockedBadges {
        request: RequestId,
    },
    /// The batch the picker holds, or the next one (released on demand when none waits).
    GetWork {
        request: RequestId,
        picker: Operator,
    },
    /// The batch as it stands now, after a short moved work around.
    LoadWork {
        request: RequestId,
        batch_id: i64,
    },
    /// Binds the scanned tote to a cart slot.
    BindTote {
        request: RequestId,
        picker: Operator,
        batch_id: i64,
        slot: i32,
        tote: String,
    },
    /// A pick, short or move: written to the terminal's durable journal before it is sent,
    /// and kept there until the database has answered it.
    /// The journal entry gets its scan id (UUIDv7) there, so a retry is recognised.
    Confirm {
        request: RequestId,
        picker: Operator,
        terminal: String,
        kind: PendingKind,
        /// The committing scan as it arrived.
        raw: String,
    },
    /// Keeps the batch's lease alive while the picker works.
    RenewLease {
        request: RequestId,
        picker: Operator,
        batch_id: i64,
    },
    /// Sends the confirms the journal kept while the database was away, in order.
    Replay {
        request: RequestId,
    },
    /// The pack station behind a scanned station barcode.
    BindStation {
        request: RequestId,
        code: String,
    },
    /// The order behind a tote code or an order number, as the station expects it.
    OpenPackOrder {
        request: RequestId,
        station_id: i32,
        code: String,
    },
    /// Units moved from the order's tote to the station.
    PackUnit {
        request: RequestId,
        packer: Operator,
        station_id: i32,
        scan: PackScan,
    },
    /// Units missing from the tote at packing.
    PackShort {
        request: RequestId,
        packer: Operator,
        station_id: i32,
        short: PackShort,
    },
    /// Rates the order's cartons with every carrier; the cheapest that keeps the promise wins.
    RateShop {
        request: RequestId,
        order: Box<PackOrder>,
        plans: Vec<CartonPlan>,
    },
    /// Labels a weighed carton and prints it.
    LabelCarton {
        request: RequestId,
        packer: Operator,
        station: Box<Station>,
        order: Box<PackOrder>,
        weighed: Box<WeighedCarton>,
        chosen: Box<Quote>,
    },
    /// Prints a recorded carton's label again (after the printer was down, or asked).
    ReprintLabel {
        request: RequestId,
        packer: Operator,
        station: Box<Station>,
        carton_id: i64,
    },
    /// Voids a carton's label before the order ships.
    VoidCarton {
        request: RequestId,
        packer: Operator,
        carton_id: i64,
    },
    /// Ships the order's labelled cartons with the chosen service.
    ShipPacked {
        request: RequestId,
        packer: Operator,
        station_id: i32,
        order_id: i64,
        chosen: Option<Box<Quote>>,
        scan_id: uuid::Uuid,
        terminal: String,
    },
}

impl From<Request> for Command {
    fn from(request: Request) -> Command {
        Command::Request(request)
    }
}
