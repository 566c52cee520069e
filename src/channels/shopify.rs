//! Shopify orders into [`IncomingOrder`]s: the bodies of the `orders/create`, `orders/updated`
//! and `orders/cancelled` webhooks, and files exported from the REST Admin API.
//!
//! A webhook body is the bare REST `Order` object; a REST `GET` wraps it as `{"order": …}` and a
//! list as `{"orders": […]}`. All are accepted, as is a bare JSON array of orders. The document
//! is read as a [`serde_json::Value`] and each order is walked on its own, so that one bad order
//! in a file does not stop the others and every rejection names its place as a JSON path
//! (`$.orders[1].line_items[2].quantity`). Every field is optional unless said otherwise, and
//! unknown fields are ignored: Shopify adds fields in every quarterly API version.
//!
//! # What is read
//!
//! | Shopify | [`IncomingOrder`] |
//! |---|---|
//! | `id` (number or string, required) | `external_id` |
//! | `name` (`#1001`) | `reference` |
//! | `created_at` (RFC 3339, required) | `ordered_at` |
//! | `financial_status`, `tags`, `risks[]` | `hold_reason` (see below) |
//! | `cancelled_at` non-null, or the `orders/cancelled` topic | `action` = `Cancel` |
//! | `shipping_lines[0].code` (else `.title`) | `service_level` |
//! | `shipping_address` (may be absent) | `ship_to` |
//! | `line_items[]` (required) | `lines` |
//!
//! Shopify has no ship-by time: `ship_by` is `None`, and intake derives a due time from the
//! service level.
//!
//! # Lines
//!
//! * `id` → `external_line_id` (required), `sku` → `channel_sku`, `variant_id` → the one
//!   alternate identifier, `name` (else `title`) → `description`.
//! * The quantity still to ship is the smallest of `quantity`, `fulfillable_quantity` and
//!   `current_quantity` where present: a partly fulfilled, refunded or edited line ships only
//!   what is left, and a line with nothing left is skipped. Lines are numbered 1, 2, … in the
//!   order they are kept.
//! * A line with neither a SKU nor a variant (a custom item such as engraving, a tip) is kept
//!   as a non-shipping line whatever its `requires_shipping` says: there is nothing to pick for
//!   it. A product variant with no SKU but `requires_shipping: true` stays a shipping line with
//!   no channel SKU and its variant id as the alternate identifier, so that intake refuses it
//!   loudly unless the variant is listed, rather than the warehouse silently shipping short.
//! * Non-shipping lines (`requires_shipping: false`: tips, gift cards, services) are kept with
//!   their ordered quantity; `fulfillable_quantity` does not apply to them.
//!
//! # Holds
//!
//! An order is held from release (stored and reserved, never released) when:
//!
//! * `financial_status` is `pending` → [`HOLD_PENDING_PAYMENT`] (a manual payment method, such
//!   as a bank deposit or cash on delivery, has not been received);
//! * `financial_status` is `unpaid`, `partially_paid`, `voided` or `expired` →
//!   [`HOLD_UNPAID`] (no money is secured for the goods);
//! * `financial_status` is missing or a value this parser does not know →
//!   [`HOLD_PENDING_PAYMENT`]: never release what is not known to be paid;
//! * the order is flagged for fraud review → [`HOLD_FRAUD_REVIEW`]: one of its `tags` is, in
//!   any case and with `-` or `_` read as a space, `fraud`, `fraud review`, `fraud risk`,
//!   `fraud hold`, `suspected fraud`, `high risk`, `medium risk`, `risk review` or `risk hold`
//!   (the tags Shopify Flow fraud templates and merchants use), or a legacy REST `OrderRisk`
//!   embedded as `risks[]` has `recommendation` `cancel` or `investigate`, or `cause_cancel`.
//!
//! `paid`, `partially_refunded`, `refunded` and `authorized` are not held. `authorized` is not
//! held because stores that capture payment at fulfilment keep every order `authorized` until it
//! ships; holding them would hold everything. An authorisation that lapses turns the order
//! `expired` (or `voided`), and the `orders/updated` webhook that follows holds it if it has not
//! been released yet. When fraud and payment both hold an order, the reason names both
//! (`fraud review, unpaid`). A cancellation carries no hold.

use serde_json::{Map, Value};

use self::json::{
    absent, array_field, at, bool_field, count_field, expected, field, first_text, id_field,
    parse_json, text_field, time_field,
};
use super::{ParsedOrders, Rejection};
use crate::domain::incoming_order::{
    IncomingLine, IncomingOrder, IntakeAction, QuantityUnit, ShipTo,
};

/// Hold reason for an order whose payment has not been received (`financial_status: pending`).
pub const HOLD_PENDING_PAYMENT: &str = "pending payment";
/// Hold reason for an order with no money secured (`unpaid`, `partially_paid`, `voided`,
/// `expired`).
pub const HOLD_UNPAID: &str = "unpaid";
/// Hold reason for an order flagged for fraud review by a tag or a risk recommendation.
pub const HOLD_FRAUD_REVIEW: &str = "fraud review";

/// Tags that put an order on fraud review, compared after lower-casing and reading `-` and `_`
/// as spaces.
const FRAUD_TAGS: [&str; 9] = [
    "fraud",
    "fraud review",
    "fraud risk",
    "fraud hold",
    "suspected fraud",
    "high risk",
    "medium risk",
    "risk review",
    "risk hold",
];

/// The webhook topics intake subscribes to, from the `X-Shopify-Topic` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShopifyTopic {
    OrdersCreate,
    OrdersUpdated,
    OrdersCancelled,
}

impl ShopifyTopic {
    /// Reads an `X-Shopify-Topic` header value (`orders/create`, `orders/updated`,
    /// `orders/cancelled`); any other topic is `None`.
    pub fn from_header(value: &str) -> Option<Self> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("orders/create") {
            Some(ShopifyTopic::OrdersCreate)
        } else if value.eq_ignore_ascii_case("orders/updated") {
            Some(ShopifyTopic::OrdersUpdated)
        } else if value.eq_ignore_ascii_case("orders/cancelled") {
            Some(ShopifyTopic::OrdersCancelled)
        } else {
            None
        }
    }

    /// The header value of the topic.
    pub fn as_header(self) -> &'static str {
        match self {
            ShopifyTopic::OrdersCreate => "orders/create",
            ShopifyTopic::OrdersUpdated => "orders/updated",
            ShopifyTopic::OrdersCancelled => "orders/cancelled",
        }
    }

    fn action(self) -> IntakeAction {
        match self {
            ShopifyTopic::OrdersCreate => IntakeAction::Create,
            ShopifyTopic::OrdersUpdated => IntakeAction::Update,
            ShopifyTopic::OrdersCancelled => IntakeAction::Cancel,
        }
    }
}

/// Parses one webhook body: the bare order object, or the same wrapped as `{"order": …}`.
/// A list of orders is refused; use [`parse_file`] for those.
pub fn parse_order(body: &[u8], topic: ShopifyTopic) -> Result<IncomingOrder, Rejection> {
    let document = parse_json(body)?;
    let Some(object) = document.as_object() else {
        return Err(expected(
            "$".to_owned(),
            "a Shopify order object",
            &document,
        ));
    };
    if let Some(orders) = field(object, "orders") {
        return Err(expected(
            "$.orders".to_owned(),
            "one order (a webhook body or {\"order\": …})",
            orders,
        ));
    }
    match field(object, "order") {
        Some(order) => parse_one(order, "$.order", topic),
        None => parse_one(&document, "$", topic),
    }
}

/// Parses a file of Shopify orders: one order object, `{"order": …}`, `{"orders": […]}` or a
/// JSON array of orders. Each order is parsed, or refused, on its own.
pub fn parse_file(bytes: &[u8], topic: ShopifyTopic) -> ParsedOrders {
    let document = match parse_json(bytes) {
        Ok(document) => document,
        Err(rejection) => return vec![Err(rejection)],
    };
    match &document {
        Value::Array(orders) => parse_each(orders, "$", topic),
        Value::Object(object) => match (field(object, "orders"), field(object, "order")) {
            (Some(Value::Array(orders)), _) => parse_each(orders, "$.orders", topic),
            (Some(other), _) => vec![Err(expected(
                "$.orders".to_owned(),
                "an array of orders",
                other,
            ))],
            (None, Some(order)) => vec![parse_one(order, "$.order", topic)],
            (None, None) => vec![parse_one(&document, "$", topic)],
        },
        other => vec![Err(expected(
            "$".to_owned(),
            "a Shopify order, {\"order\": …}, {\"orders\": […]} or an array of orders",
            other,
        ))],
    }
}

fn parse_each(orders: &[Value], path: &str, topic: ShopifyTopic) -> ParsedOrders {
    orders
        .iter()
        .enumerate()
        .map(|(index, order)| parse_one(order, &format!("{path}[{index}]"), topic))
        .collect()
}

fn parse_one(value: &Value, path: &str, topic: ShopifyTopic) -> Result<IncomingOrder, Rejection> {
    let Some(order) = value.as_object() else {
        return Err(expected(path.to_owned(), "an order object", value));
    };
    let external_id = id_field(order, path, "id")?
        .ok_or_else(|| absent(at(path, "id"), "the order id (a number or a string)"))?;
    order_body(order, path, topic, &external_id).map_err(|mut rejection| {
        rejection.external_id = Some(external_id.clone());
        rejection
    })
}

fn order_body(
    order: &Map<String, Value>,
    path: &str,
    topic: ShopifyTopic,
    external_id: &str,
) -> Result<IncomingOrder, Rejection> {
    let reference = text_field(order, path, "name")?;
    let ordered_at = time_field(order, path, "created_at")?.ok_or_else(|| {
        absent(
            at(path, "created_at"),
            "the order's creation time (RFC 3339)",
        )
    })?;
    let cancelled = match field(order, "cancelled_at") {
        None => false,
        Some(Value::String(text)) => !text.trim().is_empty(),
        Some(_) => true,
    };
    let action = if cancelled {
        IntakeAction::Cancel
    } else {
        topic.action()
    };

    let financial_status = text_field(order, path, "financial_status")?;
    let tags = tags_field(order, path)?;
    let risky = risks_flag_fraud(order, path)?;
    let hold_reason = if action == IntakeAction::Cancel {
        None
    } else {
        let mut reasons = Vec::new();
        if risky || tags.iter().any(|tag| is_fraud_tag(tag)) {
            reasons.push(HOLD_FRAUD_REVIEW);
        }
        if let Some(reason) = payment_hold(financial_status.as_deref()) {
            reasons.push(reason);
        }
        (!reasons.is_empty()).then(|| reasons.join(", "))
    };

    let lines = line_items(order, path, action)?;
    let service_level = service_level(order, path)?;
    let ship_to = ship_to(order, path)?;

    Ok(IncomingOrder {
        action,
        external_id: external_id.to_owned(),
        reference,
        ordered_at,
        ship_by: None,
        service_level,
        ship_to,
        hold_reason,
        lines,
    })
}

/// The hold that a `financial_status` calls for; see the module documentation.
fn payment_hold(financial_status: Option<&str>) -> Option<&'static str> {
    let status = financial_status.map(str::to_ascii_lowercase);
    match status.as_deref() {
        Some("paid" | "partially_refunded" | "refunded" | "authorized") => None,
        Some("pending") => Some(HOLD_PENDING_PAYMENT),
        Some("unpaid" | "partially_paid" | "voided" | "expired") => Some(HOLD_UNPAID),
        // Missing or unknown: not known to be paid.
        _ => Some(HOLD_PENDING_PAYMENT),
    }
}

fn is_fraud_tag(tag: &str) -> bool {
    let normalised = tag.trim().to_ascii_lowercase().replace(['-', '_'], " ");
    FRAUD_TAGS.contains(&normalised.as_str())
}

/// `tags` is a comma-separated string in the REST API; an array of strings is accepted too.
fn tags_field(order: &Map<String, Value>, path: &str) -> Result<Vec<String>, Rejection> {
    match field(order, "tags") {
        None => Ok(Vec::new()),
        Some(Value::String(text)) => Ok(text
            .split(',')
            .map(str::trim)
            .filter(|tag| !tag.is_empty())
            .map(str::to_owned)
            .collect()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| match item {
                Value::String(tag) => Ok(tag.trim().to_owned()),
                other => Err(expected(
                    format!("{path}.tags[{index}]"),
                    "a tag (a string)",
                    other,
                )),
            })
            .collect(),
        Some(other) => Err(expected(
            at(path, "tags"),
            "a comma-separated string of tags",
            other,
        )),
    }
}

/// Legacy REST `OrderRisk` objects embedded as `risks[]` (some exports include them):
/// `recommendation` `cancel` or `investigate`, or `cause_cancel: true`, flag the order.
fn risks_flag_fraud(order: &Map<String, Value>, path: &str) -> Result<bool, Rejection> {
    let Some(risks) = array_field(order, path, "risks")? else {
        return Ok(false);
    };
    let mut flagged = false;
    for (index, risk) in risks.iter().enumerate() {
        let risk_path = format!("{path}.risks[{index}]");
        let Some(risk) = risk.as_object() else {
            return Err(expected(risk_path, "an order risk object", risk));
        };
        let recommendation = text_field(risk, &risk_path, "recommendation")?;
        let cause_cancel = bool_field(risk, &risk_path, "cause_cancel")?;
        let recommends_review = recommendation.is_some_and(|text| {
            text.eq_ignore_ascii_case("cancel") || text.eq_ignore_ascii_case("investigate")
        });
        flagged = flagged || recommends_review || cause_cancel == Some(true);
    }
    Ok(flagged)
}

fn line_items(
    order: &Map<String, Value>,
    path: &str,
    action: IntakeAction,
) -> Result<Vec<IncomingLine>, Rejection> {
    let items = array_field(order, path, "line_items")?
        .ok_or_else(|| absent(at(path, "line_items"), "an array of line items"))?;
    if items.is_empty() && action != IntakeAction::Cancel {
        return Err(Rejection::new(
            None,
            at(path, "line_items"),
            "expected at least one line item, found an empty array",
        ));
    }
    let mut lines = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let item_path = format!("{path}.line_items[{index}]");
        let line_no = i32::try_from(lines.len())
            .ok()
            .and_then(|count| count.checked_add(1))
            .ok_or_else(|| Rejection::new(None, item_path.clone(), "expected fewer line items"))?;
        if let Some(line) = line_item(item, &item_path, line_no)? {
            lines.push(line);
        }
    }
    Ok(lines)
}

/// One line item; `None` when nothing of it is left to ship.
fn line_item(item: &Value, path: &str, line_no: i32) -> Result<Option<IncomingLine>, Rejection> {
    let Some(item) = item.as_object() else {
        return Err(expected(path.to_owned(), "a line item object", item));
    };
    let line_id = id_field(item, path, "id")?
        .ok_or_else(|| absent(at(path, "id"), "the line item id (a number or a string)"))?;
    let sku = text_field(item, path, "sku")?;
    let variant_id = id_field(item, path, "variant_id")?;
    let quantity = count_field(item, path, "quantity")?
        .ok_or_else(|| absent(at(path, "quantity"), "a whole number of units"))?;
    let fulfillable = count_field(item, path, "fulfillable_quantity")?;
    let current = count_field(item, path, "current_quantity")?;
    let requires_shipping = bool_field(item, path, "requires_shipping")?.unwrap_or(true);
    let description = match text_field(item, path, "name")? {
        Some(name) => Some(name),
        None => text_field(item, path, "title")?,
    };

    // A custom line (no SKU, no variant) has nothing to pick: it never ships from here.
    let is_custom = sku.is_none() && variant_id.is_none();
    let requires_shipping = requires_shipping && !is_custom;

    let mut still_open = quantity.min(current.unwrap_or(quantity));
    if requires_shipping {
        still_open = still_open.min(fulfillable.unwrap_or(quantity));
    }
    if still_open == 0 {
        return Ok(None);
    }

    Ok(Some(IncomingLine {
        line_no,
        external_line_id: Some(line_id),
        channel_sku: sku,
        alternate_skus: variant_id.into_iter().collect(),
        quantity: still_open,
        unit: QuantityUnit::Each,
        requires_shipping,
        description,
    }))
}

/// The service level from the first shipping line's `code`, else its `title`.
fn service_level(order: &Map<String, Value>, path: &str) -> Result<Option<String>, Rejection> {
    let Some(shipping_lines) = array_field(order, path, "shipping_lines")? else {
        return Ok(None);
    };
    let Some(first) = shipping_lines.first() else {
        return Ok(None);
    };
    let first_path = format!("{path}.shipping_lines[0]");
    let Some(first) = first.as_object() else {
        return Err(expected(first_path, "a shipping line object", first));
    };
    match text_field(first, &first_path, "code")? {
        Some(code) => Ok(Some(code)),
        None => text_field(first, &first_path, "title"),
    }
}

fn ship_to(order: &Map<String, Value>, path: &str) -> Result<Option<ShipTo>, Rejection> {
    let Some(address) = field(order, "shipping_address") else {
        return Ok(None);
    };
    let address_path = at(path, "shipping_address");
    let Some(address) = address.as_object() else {
        return Err(expected(address_path, "an address object", address));
    };
    let p = address_path.as_str();
    let name = match text_field(address, p, "name")? {
        Some(name) => Some(name),
        None => {
            let parts: Vec<String> = [
                text_field(address, p, "first_name")?,
                text_field(address, p, "last_name")?,
            ]
            .into_iter()
            .flatten()
            .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        }
    };
    let ship_to = ShipTo {
        name,
        company: text_field(address, p, "company")?,
        address1: text_field(address, p, "address1")?,
        address2: text_field(address, p, "address2")?,
        city: text_field(address, p, "city")?,
        province: first_text(address, p, &["province_code", "province"])?,
        zip: text_field(address, p, "zip")?,
        country: first_text(address, p, &["country_code", "country"])?,
        phone: text_field(address, p, "phone")?,
    };
    Ok((ship_to != ShipTo::default()).then_some(ship_to))
}

/// Reading a JSON order field by field, naming the place of every refusal as a JSON path
/// (`$.line_items[2].quantity`). JSON `null` counts as absent, and so does an empty string.
/// Shared by the channels whose payloads are JSON.
pub(crate) mod json {
    use chrono::{DateTime, Utc};
    use serde_json::{Map, Value};

    use crate::channels::Rejection;

    pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, Rejection> {
        serde_json::from_slice(bytes).map_err(|error| {
            Rejection::new(
                None,
                format!("line {}, column {}", error.line(), error.column()),
                format!("expected a JSON document, found malformed JSON ({error})"),
            )
        })
    }

    pub(crate) fn first_text(
        object: &Map<String, Value>,
        path: &str,
        keys: &[&str],
    ) -> Result<Option<String>, Rejection> {
        for key in keys {
            if let Some(text) = text_field(object, path, key)? {
                return Ok(Some(text));
            }
        }
        Ok(None)
    }

    pub(crate) fn at(path: &str, key: &str) -> String {
        format!("{path}.{key}")
    }

    /// A field's value; JSON `null` counts as absent.
    pub(crate) fn field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
        object.get(key).filter(|value| !value.is_null())
    }

    pub(crate) fn expected(place: String, what: &str, found: &Value) -> Rejection {
        Rejection::new(
            None,
            place,
            format!("expected {what}, found {}", describe(found)),
        )
    }

    pub(crate) fn absent(place: String, what: &str) -> Rejection {
        Rejection::new(None, place, format!("expected {what}, found nothing"))
    }

    /// A short description of a JSON value for a rejection message.
    pub(crate) fn describe(value: &Value) -> String {
        match value {
            Value::Null => "null".to_owned(),
            Value::Bool(flag) => flag.to_string(),
            Value::Number(number) => number.to_string(),
            Value::String(text) => {
                let mut shown: String = text.chars().take(60).collect();
                if shown.len() < text.len() {
                    shown.push('…');
                }
                format!("{shown:?}")
            }
            Value::Array(items) => format!("an array of {} items", items.len()),
            Value::Object(_) => "an object".to_owned(),
        }
    }

    /// A string field, trimmed; empty counts as absent.
    pub(crate) fn text_field(
        object: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Result<Option<String>, Rejection> {
        match field(object, key) {
            None => Ok(None),
            Some(Value::String(text)) => {
                let text = text.trim();
                Ok((!text.is_empty()).then(|| text.to_owned()))
            }
            Some(other) => Err(expected(at(path, key), "a string", other)),
        }
    }

    /// An id that Shopify sends as a number (a string in some exports).
    pub(crate) fn id_field(
        object: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Result<Option<String>, Rejection> {
        match field(object, key) {
            None => Ok(None),
            Some(Value::Number(number)) if number.is_u64() || number.is_i64() => {
                Ok(Some(number.to_string()))
            }
            Some(Value::String(text)) if !text.trim().is_empty() => {
                Ok(Some(text.trim().to_owned()))
            }
            Some(other) => Err(expected(
                at(path, key),
                "an id (a whole number or a string)",
                other,
            )),
        }
    }

    /// A whole number of units, from 0 to `i32::MAX`.
    pub(crate) fn count_field(
        object: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Result<Option<i32>, Rejection> {
        match field(object, key) {
            None => Ok(None),
            Some(value) => value
                .as_u64()
                .and_then(|number| i32::try_from(number).ok())
                .map(Some)
                .ok_or_else(|| {
                    expected(
                        at(path, key),
                        "a whole number of units (0 to 2147483647)",
                        value,
                    )
                }),
        }
    }

    pub(crate) fn bool_field(
        object: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Result<Option<bool>, Rejection> {
        match field(object, key) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(other) => Err(expected(at(path, key), "true or false", other)),
        }
    }

    pub(crate) fn array_field<'a>(
        object: &'a Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Result<Option<&'a Vec<Value>>, Rejection> {
        match field(object, key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(other) => Err(expected(at(path, key), "an array", other)),
        }
    }

    pub(crate) fn object_field<'a>(
        object: &'a Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Result<Option<&'a Map<String, Value>>, Rejection> {
        match field(object, key) {
            None => Ok(None),
            Some(Value::Object(inner)) => Ok(Some(inner)),
            Some(other) => Err(expected(at(path, key), "an object", other)),
        }
    }

    pub(crate) fn time_field(
        object: &Map<String, Value>,
        path: &str,
        key: &str,
    ) -> Result<Option<DateTime<Utc>>, Rejection> {
        match field(object, key) {
            None => Ok(None),
            Some(Value::String(text)) => DateTime::parse_from_rfc3339(text.trim())
                .map(|time| Some(time.with_timezone(&Utc)))
                .map_err(|_| {
                    expected(
                        at(path, key),
                        "an RFC 3339 time such as 2026-03-02T09:14:27-06:00",
                        &Value::String(text.clone()),
                    )
                }),
            Some(other) => Err(expected(
                at(path, key),
                "an RFC 3339 time (a string)",
                other,
            )),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};

    const PAID: &[u8] = include_bytes!("../../tests/fixtures/shopify/orders_create_paid.json");
    const PENDING: &[u8] =
        include_bytes!("../../tests/fixtures/shopify/orders_create_pending.json");
    const NO_ADDRESS: &[u8] =
        include_bytes!("../../tests/fixtures/shopify/orders_create_no_shipping_address.json");
    const UPDATED: &[u8] = include_bytes!("../../tests/fixtures/shopify/orders_updated.json");
    const CANCELLED: &[u8] = include_bytes!("../../tests/fixtures/shopify/orders_cancelled.json");
    const MALFORMED: &[u8] = include_bytes!("../../tests/fixtures/shopify/malformed_quantity.json");
    const EXPORT: &[u8] = include_bytes!("../../tests/fixtures/shopify/orders_export.json");
    const ALL: [&[u8]; 7] = [
        PAID, PENDING, NO_ADDRESS, UPDATED, CANCELLED, MALFORMED, EXPORT,
    ];

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn line(
        line_no: i32,
        id: &str,
        sku: Option<&str>,
        variant: Option<&str>,
        quantity: i32,
        requires_shipping: bool,
        description: &str,
    ) -> IncomingLine {
        IncomingLine {
            line_no,
            external_line_id: Some(id.to_owned()),
            channel_sku: sku.map(str::to_owned),
            alternate_skus: variant.map(str::to_owned).into_iter().collect(),
            quantity,
            unit: QuantityUnit::Each,
            requires_shipping,
            description: Some(description.to_owned()),
        }
    }

    fn jordan() -> ShipTo {
        ShipTo {
            name: Some("Jordan Reyes".into()),
            company: None,
            address1: Some("1450 Larimer St".into()),
            address2: Some("Apt 1204".into()),
            city: Some("Denver".into()),
            province: Some("CO".into()),
            zip: Some("80202".into()),
            country: Some("US".into()),
            phone: Some("+1 303-555-0148".into()),
        }
    }

    #[test]
    fn topics_come_from_the_header() {
        assert_eq!(
            ShopifyTopic::from_header("orders/create"),
            Some(ShopifyTopic::OrdersCreate)
        );
        assert_eq!(
            ShopifyTopic::from_header(" Orders/Updated "),
            Some(ShopifyTopic::OrdersUpdated)
        );
        assert_eq!(
            ShopifyTopic::from_header("orders/cancelled"),
            Some(ShopifyTopic::OrdersCancelled)
        );
        assert_eq!(ShopifyTopic::from_header("orders/paid"), None);
        assert_eq!(ShopifyTopic::from_header(""), None);
        for topic in [
            ShopifyTopic::OrdersCreate,
            ShopifyTopic::OrdersUpdated,
            ShopifyTopic::OrdersCancelled,
        ] {
            assert_eq!(ShopifyTopic::from_header(topic.as_header()), Some(topic));
        }
    }

    #[test]
    fn paid_order_with_a_tip_and_a_custom_line() {
        let order = parse_order(PAID, ShopifyTopic::OrdersCreate).unwrap();
        let expected = IncomingOrder {
            action: IntakeAction::Create,
            external_id: "5820471230001".into(),
            reference: Some("#1041".into()),
            ordered_at: utc(2026, 3, 2, 15, 14, 27),
            ship_by: None,
            service_level: Some("Standard".into()),
            ship_to: Some(jordan()),
            hold_reason: None,
            lines: vec![
                line(
                    1,
                    "13580041001",
                    Some("BLK100-BLK-5060"),
                    Some("44120004501"),
                    2,
                    true,
                    "Fleece Throw Blanket - Black / 50x60 in",
                ),
                line(
                    2,
                    "13580041002",
                    Some("SUN100-RED"),
                    Some("44120007702"),
                    1,
                    true,
                    "Polarized Sunglasses - Red",
                ),
                line(3, "13580041003", None, None, 1, false, "Tip"),
                line(
                    4,
                    "13580041004",
                    None,
                    None,
                    1,
                    false,
                    "Monogram embroidery",
                ),
            ],
        };
        assert_eq!(order, expected);
        assert_eq!(order.shipping_lines().count(), 2);
    }

    #[test]
    fn the_wrapped_rest_form_reads_the_same() {
        let bare = parse_order(PAID, ShopifyTopic::OrdersCreate).unwrap();
        let mut wrapped = b"{\"order\":".to_vec();
        wrapped.extend_from_slice(PAID);
        wrapped.push(b'}');
        assert_eq!(
            parse_order(&wrapped, ShopifyTopic::OrdersCreate).unwrap(),
            bare
        );
        assert_eq!(
            parse_file(&wrapped, ShopifyTopic::OrdersCreate),
            vec![Ok(bare.clone())]
        );
        let mut array = b"[".to_vec();
        array.extend_from_slice(PAID);
        array.extend_from_slice(b",");
        array.extend_from_slice(PAID);
        array.push(b']');
        assert_eq!(
            parse_file(&array, ShopifyTopic::OrdersCreate),
            vec![Ok(bare.clone()), Ok(bare)]
        );
    }

    #[test]
    fn a_list_is_not_one_webhook_body() {
        let rejection = parse_order(EXPORT, ShopifyTopic::OrdersCreate).unwrap_err();
        assert_eq!(rejection.place, "$.orders");
        let rejection = parse_order(b"[1]", ShopifyTopic::OrdersCreate).unwrap_err();
        assert_eq!(rejection.place, "$");
        assert_eq!(
            rejection.message,
            "expected a Shopify order object, found an array of 1 items"
        );
    }

    #[test]
    fn pending_payment_is_held() {
        let order = parse_order(PENDING, ShopifyTopic::OrdersCreate).unwrap();
        assert_eq!(order.action, IntakeAction::Create);
        assert_eq!(order.external_id, "5820471230002");
        assert_eq!(order.reference.as_deref(), Some("#1042"));
        assert_eq!(order.hold_reason.as_deref(), Some(HOLD_PENDING_PAYMENT));
        assert_eq!(order.service_level.as_deref(), Some("Express"));
        assert_eq!(
            order.lines,
            vec![line(
                1,
                "13580042001",
                Some("TWL100-TEA-SHT"),
                Some("44120011003"),
                3,
                true,
                "Cotton Towel - Teal / Sheet",
            )]
        );
        assert_eq!(
            order.ship_to,
            Some(ShipTo {
                name: Some("Michael Okonkwo".into()),
                company: Some("Okonkwo Dental Studio".into()),
                address1: Some("212 W Washington St".into()),
                address2: None,
                city: Some("Chicago".into()),
                province: Some("IL".into()),
                zip: Some("60606".into()),
                country: Some("US".into()),
                phone: None,
            })
        );
    }

    #[test]
    fn an_order_without_a_shipping_address() {
        let order = parse_order(NO_ADDRESS, ShopifyTopic::OrdersCreate).unwrap();
        assert_eq!(order.external_id, "5820471230003");
        assert_eq!(order.ordered_at, utc(2026, 3, 2, 17, 40, 0));
        assert_eq!(order.ship_to, None);
        assert_eq!(order.service_level, None);
        assert_eq!(order.hold_reason, None);
        assert_eq!(
            order.lines,
            vec![line(
                1,
                "13580043001",
                Some("SWT100-GRY-S"),
                Some("44120015004"),
                1,
                true,
                "Crewneck Sweatshirt - Heather Grey / S",
            )]
        );
    }

    #[test]
    fn an_update_replaces_the_open_lines() {
        let order = parse_order(UPDATED, ShopifyTopic::OrdersUpdated).unwrap();
        assert_eq!(order.action, IntakeAction::Update);
        assert_eq!(order.external_id, "5820471230001");
        assert_eq!(order.hold_reason, None, "partially_refunded is paid");
        assert_eq!(order.service_level.as_deref(), Some("Standard"));
        assert_eq!(order.ship_to, Some(jordan()));
        assert_eq!(
            order.lines,
            vec![
                line(
                    1,
                    "13580041001",
                    Some("BLK100-BLK-5060"),
                    Some("44120004501"),
                    3,
                    true,
                    "Fleece Throw Blanket - Black / 50x60 in",
                ),
                line(2, "13580041003", None, None, 1, false, "Tip"),
                line(
                    3,
                    "13580041004",
                    None,
                    None,
                    1,
                    false,
                    "Monogram embroidery"
                ),
                line(
                    4,
                    "13580041005",
                    Some("CAN100-CIT-8OZ"),
                    Some("44120019905"),
                    4,
                    true,
                    "Soy Candle - Citrus / 8 oz",
                ),
            ]
        );
    }

    #[test]
    fn a_cancellation() {
        let order = parse_order(CANCELLED, ShopifyTopic::OrdersCancelled).unwrap();
        assert_eq!(order.action, IntakeAction::Cancel);
        assert_eq!(order.external_id, "5820471230002");
        assert_eq!(order.hold_reason, None);
        assert!(order.lines.is_empty());
        // `cancelled_at` alone makes it a cancellation, whatever the topic.
        let order = parse_order(CANCELLED, ShopifyTopic::OrdersUpdated).unwrap();
        assert_eq!(order.action, IntakeAction::Cancel);
    }

    #[test]
    fn a_quantity_in_words_is_refused_at_its_place() {
        let rejection = parse_order(MALFORMED, ShopifyTopic::OrdersCreate).unwrap_err();
        assert_eq!(
            rejection,
            Rejection::new(
                Some("5820471230004".into()),
                "$.line_items[1].quantity",
                "expected a whole number of units (0 to 2147483647), found \"two\"",
            )
        );
        assert_eq!(
            rejection.to_string(),
            "order 5820471230004: $.line_items[1].quantity: expected a whole number of units \
             (0 to 2147483647), found \"two\""
        );
    }

    #[test]
    fn one_bad_order_in_an_export_does_not_stop_the_others() {
        let parsed = parse_file(EXPORT, ShopifyTopic::OrdersCreate);
        assert_eq!(parsed.len(), 3);
        let fraud = parsed[0].as_ref().unwrap();
        assert_eq!(fraud.external_id, "5820471230005");
        assert_eq!(fraud.hold_reason.as_deref(), Some(HOLD_FRAUD_REVIEW));
        assert_eq!(fraud.service_level.as_deref(), Some("Overnight"));
        assert_eq!(fraud.lines.len(), 1);
        assert_eq!(fraud.lines[0].quantity, 10);
        let authorized = parsed[1].as_ref().unwrap();
        assert_eq!(authorized.external_id, "5820471230006");
        assert_eq!(authorized.hold_reason, None);
        assert_eq!(authorized.ordered_at, utc(2026, 3, 2, 13, 45, 0));
        assert_eq!(authorized.service_level.as_deref(), Some("Standard"));
        assert_eq!(
            authorized.lines[0].external_line_id.as_deref(),
            Some("13580046001")
        );
        assert_eq!(
            authorized.ship_to.as_ref().and_then(|s| s.name.as_deref()),
            Some("Dana Whitfield")
        );
        let rejection = parsed[2].as_ref().unwrap_err();
        assert_eq!(rejection.external_id.as_deref(), Some("5820471230007"));
        assert_eq!(rejection.place, "$.orders[2].created_at");
        assert!(rejection.message.contains("found \"yesterday\""));
    }

    #[test]
    fn payment_holds() {
        for (status, hold) in [
            (Some("paid"), None),
            (Some("partially_refunded"), None),
            (Some("refunded"), None),
            (Some("authorized"), None),
            (Some("PAID"), None),
            (Some("pending"), Some(HOLD_PENDING_PAYMENT)),
            (Some("unpaid"), Some(HOLD_UNPAID)),
            (Some("partially_paid"), Some(HOLD_UNPAID)),
            (Some("voided"), Some(HOLD_UNPAID)),
            (Some("expired"), Some(HOLD_UNPAID)),
            (Some("something_new"), Some(HOLD_PENDING_PAYMENT)),
            (None, Some(HOLD_PENDING_PAYMENT)),
        ] {
            assert_eq!(payment_hold(status), hold, "{status:?}");
        }
    }

    fn minimal(extra: &str) -> String {
        format!(
            r#"{{"id": 1, "created_at": "2026-03-02T10:00:00Z", "financial_status": "paid",
                "line_items": [{{"id": 2, "sku": "SUN100-RED", "variant_id": 3, "quantity": 1}}]
                {extra}}}"#
        )
    }

    #[test]
    fn fraud_flags() {
        let hold = |extra: &str| {
            parse_order(minimal(extra).as_bytes(), ShopifyTopic::OrdersCreate)
                .unwrap()
                .hold_reason
        };
        assert_eq!(hold(""), None);
        assert_eq!(
            hold(r#", "tags": "wholesale, high_risk""#).as_deref(),
            Some("fraud review")
        );
        assert_eq!(
            hold(r#", "tags": ["fraud"]"#).as_deref(),
            Some("fraud review")
        );
        assert_eq!(hold(r#", "tags": "fraud-cleared, low risk""#), None);
        assert_eq!(
            hold(r#", "risks": [{"recommendation": "accept"}, {"recommendation": "investigate"}]"#)
                .as_deref(),
            Some("fraud review")
        );
        assert_eq!(
            hold(r#", "risks": [{"recommendation": "accept", "cause_cancel": true}]"#).as_deref(),
            Some("fraud review")
        );
        assert_eq!(hold(r#", "risks": [{"recommendation": "accept"}]"#), None);
        let both = parse_order(
            minimal(r#", "tags": "Fraud Review""#)
                .replace("\"paid\"", "\"unpaid\"")
                .as_bytes(),
            ShopifyTopic::OrdersCreate,
        )
        .unwrap();
        assert_eq!(both.hold_reason.as_deref(), Some("fraud review, unpaid"));
        let rejection = parse_order(
            minimal(r#", "tags": 7"#).as_bytes(),
            ShopifyTopic::OrdersCreate,
        )
        .unwrap_err();
        assert_eq!(rejection.place, "$.tags");
    }

    #[test]
    fn a_variant_without_a_sku_still_ships() {
        let body = r#"{"id": 1, "created_at": "2026-03-02T10:00:00Z", "financial_status": "paid",
            "line_items": [{"id": 2, "sku": " ", "variant_id": 3, "quantity": 2,
                            "requires_shipping": true, "title": "Mystery box"}]}"#;
        let order = parse_order(body.as_bytes(), ShopifyTopic::OrdersCreate).unwrap();
        assert_eq!(
            order.lines,
            vec![line(1, "2", None, Some("3"), 2, true, "Mystery box")]
        );
    }

    #[test]
    fn places_of_other_refusals() {
        let cases: [(&str, &str, Option<&str>); 8] = [
            ("", "line 1, column 0", None),
            ("{\"id\": 1,", "line 1, column 9", None),
            (r##"{"name": "#1"}"##, "$.id", None),
            (r#"{"id": 1.5}"#, "$.id", None),
            (
                r#"{"id": 1, "created_at": "2026-03-02T10:00:00Z"}"#,
                "$.line_items",
                Some("1"),
            ),
            (
                r#"{"id": 1, "created_at": "2026-03-02T10:00:00Z", "line_items": []}"#,
                "$.line_items",
                Some("1"),
            ),
            (
                r#"{"id": 1, "created_at": "2026-03-02T10:00:00Z", "line_items": [{"id": 2, "quantity": -1}]}"#,
                "$.line_items[0].quantity",
                Some("1"),
            ),
            (
                r#"{"id": 1, "created_at": "2026-03-02T10:00:00Z", "line_items": [{"id": 2, "quantity": 1}], "shipping_address": "here"}"#,
                "$.shipping_address",
                Some("1"),
            ),
        ];
        for (body, place, id) in cases {
            let rejection = parse_order(body.as_bytes(), ShopifyTopic::OrdersCreate).unwrap_err();
            assert_eq!(rejection.place, place, "{body}");
            assert_eq!(rejection.external_id.as_deref(), id, "{body}");
        }
    }

    /// Feeds `parse` every prefix and suffix of `fixture` and byte-garbled copies of it.
    pub(crate) fn garble(fixture: &[u8], parse: &dyn Fn(&[u8])) {
        for end in 0..fixture.len() {
            parse(&fixture[..end]);
            parse(&fixture[end..]);
        }
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..300 {
            let mut bytes = fixture.to_vec();
            for _ in 0..(1 + round % 8) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let len = bytes.len().max(1) as u64;
                if let Some(byte) = bytes.get_mut((seed % len) as usize) {
                    *byte = (seed >> 32) as u8;
                }
            }
            parse(&bytes);
        }
    }

    /// Feeds `parse` the JSON `fixture` with each leaf replaced in turn by odd values (null,
    /// negative, huge, fractional, empty, wrong type).
    pub(crate) fn mutate_json(fixture: &[u8], parse: &dyn Fn(&[u8])) {
        let weird = [
            Value::Null,
            serde_json::json!(-1),
            serde_json::json!(u64::MAX),
            serde_json::json!(i64::MIN),
            serde_json::json!(1e300),
            serde_json::json!(0.5),
            serde_json::json!(""),
            serde_json::json!("ünïcødé ✓ \u{0}"),
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!(true),
        ];
        let document: Value = serde_json::from_slice(fixture).unwrap();
        for mutated in mutations(&document, &weird) {
            parse(&serde_json::to_vec(&mutated).unwrap());
        }
    }

    /// Every JSON leaf of `value`, replaced in turn by each of `weird`.
    fn mutations(value: &Value, weird: &[Value]) -> Vec<Value> {
        let mut out = Vec::new();
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    for mutated in mutations(child, weird) {
                        let mut copy = map.clone();
                        copy.insert(key.clone(), mutated);
                        out.push(Value::Object(copy));
                    }
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    for mutated in mutations(child, weird) {
                        let mut copy = items.clone();
                        copy[index] = mutated;
                        out.push(Value::Array(copy));
                    }
                }
            }
            _ => out.extend(weird.iter().cloned()),
        }
        out
    }

    #[test]
    fn no_input_makes_it_panic() {
        let parse_all = |bytes: &[u8]| {
            for topic in [
                ShopifyTopic::OrdersCreate,
                ShopifyTopic::OrdersUpdated,
                ShopifyTopic::OrdersCancelled,
            ] {
                let _ = parse_file(bytes, topic);
            }
            let _ = parse_order(bytes, ShopifyTopic::OrdersCreate);
        };
        for fixture in ALL {
            garble(fixture, &parse_all);
            mutate_json(fixture, &parse_all);
        }
        let deep = "[".repeat(100_000);
        assert_eq!(
            parse_file(deep.as_bytes(), ShopifyTopic::OrdersCreate).len(),
            1
        );
    }
}
