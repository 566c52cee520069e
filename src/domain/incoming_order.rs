//! An order as a channel sent it, after parsing and before it touches the database: the one
//! shape every channel parser (Shopify, Amazon, EDI 850, CSV) produces and intake stores.
//! Channel SKUs are not yet mapped to ours and quantities may still be in cases; intake maps
//! them through the channel's listings and converts cases by the SKU's case pack.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the channel asks intake to do with the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntakeAction {
    /// A new order (a repeat of one already stored changes nothing).
    Create,
    /// The order changed before release: replace its lines and reserve again.
    Update,
    /// The channel cancelled it: release its reservations (put back what was picked).
    Cancel,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomingOrder {
    pub action: IntakeAction,
    /// The channel's order id (Shopify `id`, Amazon `orderId`, the EDI PO number, CSV `order_id`).
    pub external_id: String,
    /// A human reference when it differs from the id (Shopify `name` such as `#1001`).
    pub reference: Option<String>,
    pub ordered_at: DateTime<Utc>,
    /// The latest time the order may leave the warehouse and keep the channel's promise.
    pub ship_by: Option<DateTime<Utc>>,
    /// The channel's service level, mapped to a carrier service by the shipping rules.
    pub service_level: Option<String>,
    pub ship_to: Option<ShipTo>,
    /// Why the order must not be released yet (unpaid, pending payment, fraud review…).
    pub hold_reason: Option<String>,
    pub lines: Vec<IncomingLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomingLine {
    /// 1-based position on the order.
    pub line_no: i32,
    /// The channel's id for the line (Shopify line item id, Amazon `orderItemId`, EDI PO101):
    /// shipment confirmations are keyed by it.
    pub external_line_id: Option<String>,
    /// The identifier the channel lists the item under; `None` on lines with no item (a tip).
    pub channel_sku: Option<String>,
    /// Other identifiers of the same item, tried in order when `channel_sku` is not listed
    /// (EDI gives UPC, vendor and buyer part numbers).
    pub alternate_skus: Vec<String>,
    pub quantity: i32,
    pub unit: QuantityUnit,
    /// False for lines that never ship (gift cards, tips, custom lines with no SKU): kept on the
    /// order, never reserved or picked.
    pub requires_shipping: bool,
    pub description: Option<String>,
}

/// The unit a line's quantity is in; stock is kept in eaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuantityUnit {
    Each,
    /// Cases of the SKU's case pack (EDI `CA`).
    Case,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipTo {
    pub name: Option<String>,
    pub company: Option<String>,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    /// State or province code.
    pub province: Option<String>,
    pub zip: Option<String>,
    /// ISO 3166 alpha-2.
    pub country: Option<String>,
    pub phone: Option<String>,
}

impl IncomingOrder {
    /// Lines that go into a box, which intake maps and reserves.
    pub fn shipping_lines(&self) -> impl Iterator<Item = &IncomingLine> {
        self.lines.iter().filter(|line| line.requires_shipping)
    }
}
