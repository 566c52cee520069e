//! One module per channel: parsing what the channel sends us into [`IncomingOrder`]s, and
//! (later) rendering what we send back. Parsers are pure and depend on little (serde_json, csv,
//! chrono), so that they can be fuzzed.
//!
//! [`IncomingOrder`]: crate::domain::incoming_order::IncomingOrder

pub mod amazon;
pub mod csv_orders;
pub mod edi;
pub mod shopify;

use serde::Serialize;

use crate::domain::incoming_order::IncomingOrder;

/// Why one order (or a whole payload) was refused: where in the payload, and what was expected.
/// The caller adds the file name or the webhook id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// The order's id in the channel, when it could be read.
    pub external_id: Option<String>,
    /// Where: `line 14, column quantity`, `segment 12 (PO1), element 02`, `$.line_items[2].quantity`.
    pub place: String,
    /// What was expected, and what was found.
    pub message: String,
}

impl Rejection {
    pub fn new(
        external_id: Option<String>,
        place: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Rejection {
            external_id,
            place: place.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.external_id {
            Some(id) => write!(f, "order {id}: {}: {}", self.place, self.message),
            None => write!(f, "{}: {}", self.place, self.message),
        }
    }
}

/// What a parser makes of one payload: each order parsed, or refused on its own, so that one bad
/// order does not stop the good ones.
pub type ParsedOrders = Vec<Result<IncomingOrder, Rejection>>;
