//! Amazon orders, as the Selling Partner API for Orders version **2026-01-01** returns them
//! (model: `amzn/selling-partner-api-models`, `models/orders-api-model/orders_2026-01-01.json`),
//! into [`IncomingOrder`]s. Only merchant-fulfilled (FBM) orders are ours to ship.
//!
//! A file may hold a `searchOrders` response (`SearchOrdersResponse`: `{"orders": […],
//! "pagination": {"nextToken": …}, "createdBefore"|"lastUpdatedBefore": …}`), a `getOrder`
//! response (`GetOrderResponse`: `{"order": {…}}`), a bare `Order`, or a JSON array of orders.
//! There is no `payload` wrapper in this version: a v0 response (`{"payload": …}`) is refused
//! as such. Each order is parsed on its own; rejections name their place as a JSON path.
//!
//! # What is read (field names as the model defines them)
//!
//! | `Order` | [`IncomingOrder`] |
//! |---|---|
//! | `orderId` (required) | `external_id` |
//! | `orderAliases[]` with `aliasType` `SELLER_ORDER_ID` → `aliasId` | `reference` |
//! | `createdTime` (required) | `ordered_at` |
//! | `fulfillment.fulfillmentStatus` (required), `.fulfilledBy` | `action`, `hold_reason`, or refusal |
//! | `fulfillment.fulfillmentServiceLevel` | `service_level` (see below) |
//! | `fulfillment.shipByWindow.latestDateTime` | `ship_by` |
//! | `recipient.deliveryAddress` (`CustomerAddress`) | `ship_to` |
//! | `orderItems[]` (`OrderItem`, required) | `lines` |
//!
//! `fulfillment`, `recipient` and each item's `fulfillment` and `cancellation` are *datasets*
//! that the API returns only when asked with `includedData` (`FULFILLMENT`, `RECIPIENT`,
//! `CANCELLATION`); the model marks none of them required. An order without `fulfillment` is
//! refused, since its status is unknown: fetch orders with `includedData=FULFILLMENT,RECIPIENT,
//! CANCELLATION`.
//!
//! # Statuses (`FulfillmentStatus`)
//!
//! | status | result |
//! |---|---|
//! | `UNSHIPPED`, `PARTIALLY_SHIPPED` | `Create` |
//! | `PENDING` | `Create`, held [`HOLD_PENDING_PAYMENT`] (payment not yet authorised; Amazon says not to ship) |
//! | `PENDING_AVAILABILITY` | `Create`, held [`HOLD_PENDING_AVAILABILITY`] (a pre-order before its release date) |
//! | `CANCELLED` | `Cancel` |
//! | `SHIPPED` | refused: already shipped |
//! | `UNFULFILLABLE` | refused: the model says it applies only to Amazon-fulfilled orders |
//!
//! `fulfilledBy: AMAZON` (FBA) is refused whatever the status: Amazon ships it, not this
//! warehouse. A missing `fulfilledBy` is read as `MERCHANT`.
//!
//! An order that is not cancelled is also held [`HOLD_BUYER_CANCELLATION`] when an item carries
//! a buyer's `cancellation.cancellationRequest` with no `cancellationExecution` yet: the seller
//! should cancel it, not ship it.
//!
//! # Service level
//!
//! The model's `fulfillmentServiceLevel` values are `EXPEDITED`, `FREE_ECONOMY`, `NEXT_DAY`,
//! `PRIORITY`, `SAME_DAY`, `SECOND_DAY`, `SCHEDULED` and `STANDARD`. They are written the way
//! the v0 API's `ShipmentServiceLevelCategory` spelt them (`Expedited`, `FreeEconomy`,
//! `NextDay`, …, `Standard`), which is how the shipping rules name them. A value that is not in
//! upper snake case is kept as it is.
//!
//! # Items
//!
//! `orderItemId` → `external_line_id` (`confirmShipment` is keyed by it), `product.sellerSku`
//! → `channel_sku`, `product.asin` → the one alternate identifier, `product.title` →
//! `description`. The quantity still to ship is `quantityOrdered` less the item's
//! `fulfillment.quantityFulfilled`, and no more than its `fulfillment.quantityUnfulfilled`,
//! where those are present (a partly shipped order); an item with nothing left is skipped.
//! Every Amazon item ships. `measurement` (items sold by weight or volume) is not read: the
//! quantity is in units either way.

use serde_json::{Map, Value};

use super::shopify::json::{
    absent, array_field, at, count_field, expected, field, id_field, object_field, parse_json,
    text_field, time_field,
};
use super::{ParsedOrders, Rejection};
use crate::domain::incoming_order::{
    IncomingLine, IncomingOrder, IntakeAction, QuantityUnit, ShipTo,
};

/// Hold reason for a `PENDING` order: payment is not authorised yet.
pub const HOLD_PENDING_PAYMENT: &str = "pending payment";
/// Hold reason for a `PENDING_AVAILABILITY` order: a pre-order before its release date.
pub const HOLD_PENDING_AVAILABILITY: &str = "pending availability";
/// Hold reason for an order with a buyer's cancellation request on an item.
pub const HOLD_BUYER_CANCELLATION: &str = "buyer requested cancellation";

/// Parses a file of Amazon orders: a `searchOrders` or `getOrder` response, a bare order or a
/// JSON array of orders. Each order is parsed, or refused, on its own.
pub fn parse_file(bytes: &[u8]) -> ParsedOrders {
    let document = match parse_json(bytes) {
        Ok(document) => document,
        Err(rejection) => return vec![Err(rejection)],
    };
    let object = match &document {
        Value::Array(orders) => return parse_each(orders, "$"),
        Value::Object(object) => object,
        other => {
            return vec![Err(expected(
                "$".to_owned(),
                "a searchOrders or getOrder response, an order or an array of orders",
                other,
            ))];
        }
    };
    if let Some(orders) = field(object, "orders") {
        return match orders {
            Value::Array(orders) => parse_each(orders, "$.orders"),
            other => vec![Err(expected(
                "$.orders".to_owned(),
                "an array of orders",
                other,
            ))],
        };
    }
    if let Some(order) = field(object, "order") {
        return vec![parse_one(order, "$.order")];
    }
    if field(object, "orderId").is_none() {
        if let Some(payload) = field(object, "payload") {
            return vec![Err(expected(
                "$.payload".to_owned(),
                "an Orders API 2026-01-01 response, which has no `payload` wrapper (this looks \
                 like a v0 response)",
                payload,
            ))];
        }
        if let Some(errors) = field(object, "errors") {
            return vec![Err(Rejection::new(
                None,
                "$.errors",
                format!(
                    "expected orders, found an error response: {}",
                    errors_text(errors)
                ),
            ))];
        }
    }
    vec![parse_one(&document, "$")]
}

/// `ErrorList.errors[]` as `CODE: message; …`, for a refusal.
fn errors_text(errors: &Value) -> String {
    let Some(errors) = errors.as_array() else {
        return "an unreadable error list".to_owned();
    };
    let texts: Vec<String> = errors
        .iter()
        .take(5)
        .map(|error| {
            let code = error.get("code").and_then(Value::as_str).unwrap_or("?");
            let message = error.get("message").and_then(Value::as_str).unwrap_or("");
            let message: String = message.chars().take(120).collect();
            format!("{code}: {message}")
        })
        .collect();
    texts.join("; ")
}

fn parse_each(orders: &[Value], path: &str) -> ParsedOrders {
    orders
        .iter()
        .enumerate()
        .map(|(index, order)| parse_one(order, &format!("{path}[{index}]")))
        .collect()
}

fn parse_one(value: &Value, path: &str) -> Result<IncomingOrder, Rejection> {
    let Some(order) = value.as_object() else {
        return Err(expected(path.to_owned(), "an order object", value));
    };
    let external_id = text_field(order, path, "orderId")?
        .ok_or_else(|| absent(at(path, "orderId"), "the Amazon order id"))?;
    order_body(order, path, &external_id).map_err(|mut rejection| {
        rejection.external_id = Some(external_id.clone());
        rejection
    })
}

/// What an order's `FulfillmentStatus` asks of intake.
enum Disposition {
    Create(Option<&'static str>),
    Cancel,
}

fn order_body(
    order: &Map<String, Value>,
    path: &str,
    external_id: &str,
) -> Result<IncomingOrder, Rejection> {
    let ordered_at = time_field(order, path, "createdTime")?
        .ok_or_else(|| absent(at(path, "createdTime"), "the order's creation time"))?;
    let reference = seller_order_id(order, path)?;

    let fulfillment_path = at(path, "fulfillment");
    let fulfillment = object_field(order, path, "fulfillment")?.ok_or_else(|| {
        absent(
            fulfillment_path.clone(),
            "the order's fulfillment data (fetch orders with includedData=FULFILLMENT)",
        )
    })?;
    let disposition = disposition(fulfillment, &fulfillment_path)?;
    let service_level = text_field(fulfillment, &fulfillment_path, "fulfillmentServiceLevel")?
        .map(|level| service_level_name(&level));
    let ship_by = match object_field(fulfillment, &fulfillment_path, "shipByWindow")? {
        Some(window) => time_field(
            window,
            &at(&fulfillment_path, "shipByWindow"),
            "latestDateTime",
        )?,
        None => None,
    };
    let ship_to = ship_to(order, path)?;

    let items = array_field(order, path, "orderItems")?
        .ok_or_else(|| absent(at(path, "orderItems"), "an array of order items"))?;
    let (action, status_hold) = match disposition {
        Disposition::Create(hold) => (IntakeAction::Create, hold),
        Disposition::Cancel => (IntakeAction::Cancel, None),
    };
    if items.is_empty() && action != IntakeAction::Cancel {
        return Err(Rejection::new(
            None,
            at(path, "orderItems"),
            "expected at least one order item, found an empty array",
        ));
    }
    let mut lines = Vec::new();
    let mut cancellation_requested = false;
    for (index, item) in items.iter().enumerate() {
        let item_path = format!("{path}.orderItems[{index}]");
        let line_no = i32::try_from(lines.len())
            .ok()
            .and_then(|count| count.checked_add(1))
            .ok_or_else(|| Rejection::new(None, item_path.clone(), "expected fewer items"))?;
        let (line, requested) = order_item(item, &item_path, line_no)?;
        cancellation_requested = cancellation_requested || requested;
        lines.extend(line);
    }

    let mut reasons: Vec<&str> = status_hold.into_iter().collect();
    if cancellation_requested && action != IntakeAction::Cancel {
        reasons.push(HOLD_BUYER_CANCELLATION);
    }
    let hold_reason = (!reasons.is_empty()).then(|| reasons.join(", "));

    Ok(IncomingOrder {
        action,
        external_id: external_id.to_owned(),
        reference,
        ordered_at,
        ship_by,
        service_level,
        ship_to,
        hold_reason,
        lines,
    })
}

fn disposition(fulfillment: &Map<String, Value>, path: &str) -> Result<Disposition, Rejection> {
    match text_field(fulfillment, path, "fulfilledBy")?.as_deref() {
        None | Some("MERCHANT") => {}
        Some("AMAZON") => {
            return Err(Rejection::new(
                None,
                at(path, "fulfilledBy"),
                "expected an order fulfilled by the merchant (MERCHANT), found \"AMAZON\": \
                 fulfilled by Amazon, not by this warehouse",
            ));
        }
        Some(other) => {
            return Err(expected(
                at(path, "fulfilledBy"),
                "MERCHANT",
                &Value::String(other.to_owned()),
            ));
        }
    }
    let status_place = at(path, "fulfillmentStatus");
    let status = text_field(fulfillment, path, "fulfillmentStatus")?
        .ok_or_else(|| absent(status_place.clone(), "the order's fulfillment status"))?;
    let still_to_ship = "an order still to ship (PENDING, PENDING_AVAILABILITY, UNSHIPPED, \
                         PARTIALLY_SHIPPED) or CANCELLED";
    match status.as_str() {
        "UNSHIPPED" | "PARTIALLY_SHIPPED" => Ok(Disposition::Create(None)),
        "PENDING" => Ok(Disposition::Create(Some(HOLD_PENDING_PAYMENT))),
        "PENDING_AVAILABILITY" => Ok(Disposition::Create(Some(HOLD_PENDING_AVAILABILITY))),
        "CANCELLED" => Ok(Disposition::Cancel),
        "SHIPPED" => Err(Rejection::new(
            None,
            status_place,
            format!("expected {still_to_ship}, found \"SHIPPED\": already shipped"),
        )),
        "UNFULFILLABLE" => Err(Rejection::new(
            None,
            status_place,
            format!(
                "expected {still_to_ship}, found \"UNFULFILLABLE\", which only Amazon-fulfilled \
                 orders have"
            ),
        )),
        _ => Err(expected(
            status_place,
            still_to_ship,
            &Value::String(status.clone()),
        )),
    }
}

/// `STANDARD` → `Standard`, `SECOND_DAY` → `SecondDay`: the v0 category spelling that the
/// shipping rules use. Anything not in upper snake case is kept.
fn service_level_name(level: &str) -> String {
    let upper_snake = level
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !upper_snake {
        return level.to_owned();
    }
    level
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_string() + &chars.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect()
}

/// The seller's own order number, when the order carries one (`orderAliases[]`).
fn seller_order_id(order: &Map<String, Value>, path: &str) -> Result<Option<String>, Rejection> {
    let Some(aliases) = array_field(order, path, "orderAliases")? else {
        return Ok(None);
    };
    for (index, alias) in aliases.iter().enumerate() {
        let alias_path = format!("{path}.orderAliases[{index}]");
        let Some(alias) = alias.as_object() else {
            return Err(expected(alias_path, "an alias object", alias));
        };
        if text_field(alias, &alias_path, "aliasType")?.as_deref() == Some("SELLER_ORDER_ID") {
            return text_field(alias, &alias_path, "aliasId");
        }
    }
    Ok(None)
}

/// `recipient.deliveryAddress`, a `CustomerAddress`; `addressLine3` joins `addressLine2`.
fn ship_to(order: &Map<String, Value>, path: &str) -> Result<Option<ShipTo>, Rejection> {
    let Some(recipient) = object_field(order, path, "recipient")? else {
        return Ok(None);
    };
    let recipient_path = at(path, "recipient");
    let Some(address) = object_field(recipient, &recipient_path, "deliveryAddress")? else {
        return Ok(None);
    };
    let p = at(&recipient_path, "deliveryAddress");
    let address2 = [
        text_field(address, &p, "addressLine2")?,
        text_field(address, &p, "addressLine3")?,
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>();
    let ship_to = ShipTo {
        name: text_field(address, &p, "name")?,
        company: text_field(address, &p, "companyName")?,
        address1: text_field(address, &p, "addressLine1")?,
        address2: (!address2.is_empty()).then(|| address2.join(", ")),
        city: text_field(address, &p, "city")?,
        province: text_field(address, &p, "stateOrRegion")?,
        zip: text_field(address, &p, "postalCode")?,
        country: text_field(address, &p, "countryCode")?,
        phone: text_field(address, &p, "phone")?,
    };
    Ok((ship_to != ShipTo::default()).then_some(ship_to))
}

/// One `OrderItem`: its line, unless nothing is left to ship, and whether the buyer asked to
/// cancel it.
fn order_item(
    item: &Value,
    path: &str,
    line_no: i32,
) -> Result<(Option<IncomingLine>, bool), Rejection> {
    let Some(item) = item.as_object() else {
        return Err(expected(path.to_owned(), "an order item object", item));
    };
    let item_id = id_field(item, path, "orderItemId")?
        .ok_or_else(|| absent(at(path, "orderItemId"), "the order item id"))?;
    let ordered = count_field(item, path, "quantityOrdered")?
        .ok_or_else(|| absent(at(path, "quantityOrdered"), "a whole number of units"))?;
    let product_path = at(path, "product");
    let product = object_field(item, path, "product")?
        .ok_or_else(|| absent(product_path.clone(), "the item's product"))?;
    let seller_sku = text_field(product, &product_path, "sellerSku")?;
    let asin = text_field(product, &product_path, "asin")?;
    if seller_sku.is_none() && asin.is_none() {
        return Err(absent(
            at(&product_path, "sellerSku"),
            "the product's sellerSku or asin",
        ));
    }
    let description = text_field(product, &product_path, "title")?;

    let mut still_open = ordered;
    if let Some(fulfillment) = object_field(item, path, "fulfillment")? {
        let fulfillment_path = at(path, "fulfillment");
        if let Some(fulfilled) = count_field(fulfillment, &fulfillment_path, "quantityFulfilled")? {
            still_open = ordered
                .checked_sub(fulfilled)
                .filter(|open| *open >= 0)
                .ok_or_else(|| {
                    Rejection::new(
                        None,
                        at(&fulfillment_path, "quantityFulfilled"),
                        format!(
                            "expected at most quantityOrdered ({ordered}) units fulfilled, found \
                             {fulfilled}"
                        ),
                    )
                })?;
        }
        if let Some(unfulfilled) =
            count_field(fulfillment, &fulfillment_path, "quantityUnfulfilled")?
        {
            still_open = still_open.min(unfulfilled);
        }
    }

    // A buyer's request that the seller has not acted on yet (no `cancellationExecution`).
    let cancellation_requested = match object_field(item, path, "cancellation")? {
        Some(cancellation) => {
            let cancellation_path = at(path, "cancellation");
            object_field(cancellation, &cancellation_path, "cancellationRequest")?.is_some()
                && object_field(cancellation, &cancellation_path, "cancellationExecution")?
                    .is_none()
        }
        None => false,
    };

    let line = (still_open > 0).then(|| IncomingLine {
        line_no,
        external_line_id: Some(item_id),
        channel_sku: seller_sku,
        alternate_skus: asin.into_iter().collect(),
        quantity: still_open,
        unit: QuantityUnit::Each,
        requires_shipping: true,
        description,
    });
    Ok((line, cancellation_requested))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::shopify::tests::{garble, mutate_json};
    use chrono::{DateTime, TimeZone, Utc};

    const SEARCH: &[u8] = include_bytes!("../../tests/fixtures/amazon/search_orders.json");
    const PARTIAL: &[u8] =
        include_bytes!("../../tests/fixtures/amazon/get_order_partially_shipped.json");
    const FBA: &[u8] = include_bytes!("../../tests/fixtures/amazon/fba_order.json");
    const MALFORMED: &[u8] =
        include_bytes!("../../tests/fixtures/amazon/search_orders_malformed.json");
    const ALL: [&[u8]; 4] = [SEARCH, PARTIAL, FBA, MALFORMED];

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn line(
        line_no: i32,
        id: &str,
        sku: &str,
        asin: &str,
        quantity: i32,
        title: &str,
    ) -> IncomingLine {
        IncomingLine {
            line_no,
            external_line_id: Some(id.to_owned()),
            channel_sku: Some(sku.to_owned()),
            alternate_skus: vec![asin.to_owned()],
            quantity,
            unit: QuantityUnit::Each,
            requires_shipping: true,
            description: Some(title.to_owned()),
        }
    }

    #[test]
    fn a_search_orders_page() {
        let parsed = parse_file(SEARCH);
        assert_eq!(parsed.len(), 3);
        let unshipped = IncomingOrder {
            action: IntakeAction::Create,
            external_id: "113-4820193-5512047".into(),
            reference: Some("AISLE-WEB-000187".into()),
            ordered_at: utc(2026, 3, 2, 14, 22, 31),
            ship_by: Some(utc(2026, 3, 4, 4, 59, 59)),
            service_level: Some("Standard".into()),
            ship_to: Some(ShipTo {
                name: Some("Priya Natarajan".into()),
                company: None,
                address1: Some("4127 N Lincoln Ave".into()),
                address2: Some("Unit 3".into()),
                city: Some("Chicago".into()),
                province: Some("IL".into()),
                zip: Some("60618-3027".into()),
                country: Some("US".into()),
                phone: Some("+1 312-555-0199 ext. 40718".into()),
            }),
            hold_reason: None,
            lines: vec![
                line(
                    1,
                    "40100001234501",
                    "AMZ-SWT100-GRY-S",
                    "B0DW2TG4JC",
                    2,
                    "Crewneck Sweatshirt, Heather Grey, S",
                ),
                line(
                    2,
                    "40100001234502",
                    "AMZ-BWL100-PNK-24OZ",
                    "B0ANVJQCU3",
                    1,
                    "Stoneware Bowl, Pink, 24 oz",
                ),
            ],
        };
        assert_eq!(parsed[0], Ok(unshipped));

        let pending = IncomingOrder {
            action: IntakeAction::Create,
            external_id: "113-7734521-0092218".into(),
            reference: None,
            ordered_at: utc(2026, 3, 2, 15, 3, 44),
            ship_by: Some(utc(2026, 3, 4, 4, 59, 59)),
            service_level: Some("Standard".into()),
            ship_to: None,
            hold_reason: Some(HOLD_PENDING_PAYMENT.into()),
            lines: vec![line(
                1,
                "40100001234611",
                "AMZ-TWL100-GRN-HND",
                "B0E51K4FFE",
                1,
                "Cotton Towel, Forest Green, Hand",
            )],
        };
        assert_eq!(parsed[1], Ok(pending));

        let cancelled = parsed[2].as_ref().unwrap();
        assert_eq!(cancelled.action, IntakeAction::Cancel);
        assert_eq!(cancelled.external_id, "114-2201987-6643310");
        assert_eq!(cancelled.hold_reason, None);
        assert_eq!(cancelled.service_level.as_deref(), Some("Expedited"));
        assert_eq!(
            cancelled
                .ship_to
                .as_ref()
                .and_then(|s| s.company.as_deref()),
            Some("Ortega Landscaping LLC")
        );
        assert_eq!(
            cancelled.lines[0].external_line_id.as_deref(),
            Some("40100001233990")
        );
    }

    #[test]
    fn a_partly_shipped_order_ships_the_rest() {
        let parsed = parse_file(PARTIAL);
        assert_eq!(parsed.len(), 1);
        let order = parsed[0].as_ref().unwrap();
        assert_eq!(order.action, IntakeAction::Create);
        assert_eq!(order.external_id, "114-5569023-7781044");
        assert_eq!(order.service_level.as_deref(), Some("SecondDay"));
        assert_eq!(order.ship_by, Some(utc(2026, 3, 2, 23, 59, 59)));
        assert_eq!(order.hold_reason, None);
        assert_eq!(
            order.lines,
            vec![line(
                1,
                "40100001231101",
                "AMZ-BLK100-BLK-5060",
                "B06JDZP2QQ",
                2,
                "Fleece Throw Blanket, Black, 50x60 in",
            )]
        );
        let address = order.ship_to.as_ref().unwrap();
        assert_eq!(address.address2.as_deref(), Some("Apt 5, c/o Front Desk"));
        assert_eq!(address.zip.as_deref(), Some("02116"));
    }

    #[test]
    fn fulfilled_by_amazon_is_refused() {
        let parsed = parse_file(FBA);
        assert_eq!(
            parsed,
            vec![Err(Rejection::new(
                Some("112-9038416-2271539".into()),
                "$.fulfillment.fulfilledBy",
                "expected an order fulfilled by the merchant (MERCHANT), found \"AMAZON\": \
                 fulfilled by Amazon, not by this warehouse",
            ))]
        );
    }

    #[test]
    fn bad_orders_are_refused_one_by_one() {
        let parsed = parse_file(MALFORMED);
        assert_eq!(parsed.len(), 4);
        let good = parsed[0].as_ref().unwrap();
        assert_eq!(good.external_id, "113-1190457-3308261");
        assert_eq!(good.service_level.as_deref(), Some("NextDay"));
        assert_eq!(good.ship_by, Some(utc(2026, 3, 2, 23, 0, 0)));
        assert_eq!(good.lines[0].quantity, 1);

        let quantity = parsed[1].as_ref().unwrap_err();
        assert_eq!(quantity.external_id.as_deref(), Some("113-1190457-3308262"));
        assert_eq!(quantity.place, "$.orders[1].orderItems[0].quantityOrdered");
        assert_eq!(
            quantity.message,
            "expected a whole number of units (0 to 2147483647), found \"1\""
        );

        let shipped = parsed[2].as_ref().unwrap_err();
        assert_eq!(shipped.place, "$.orders[2].fulfillment.fulfillmentStatus");
        assert!(
            shipped.message.ends_with("already shipped"),
            "{}",
            shipped.message
        );

        let no_fulfillment = parsed[3].as_ref().unwrap_err();
        assert_eq!(no_fulfillment.place, "$.orders[3].fulfillment");
        assert!(no_fulfillment.message.contains("includedData=FULFILLMENT"));
    }

    #[test]
    fn statuses() {
        let order = |status: &str| {
            format!(
                r#"{{"orderId": "1", "createdTime": "2026-03-02T10:00:00Z",
                    "fulfillment": {{"fulfillmentStatus": "{status}"}},
                    "orderItems": [{{"orderItemId": "9", "quantityOrdered": 1,
                                     "product": {{"sellerSku": "AMZ-SUN100-RED"}}}}]}}"#
            )
        };
        let parse = |status: &str| parse_file(order(status).as_bytes()).remove(0);
        let hold = |status: &str| parse(status).unwrap().hold_reason;
        assert_eq!(hold("UNSHIPPED"), None);
        assert_eq!(hold("PARTIALLY_SHIPPED"), None);
        assert_eq!(hold("PENDING").as_deref(), Some(HOLD_PENDING_PAYMENT));
        assert_eq!(
            hold("PENDING_AVAILABILITY").as_deref(),
            Some(HOLD_PENDING_AVAILABILITY)
        );
        assert_eq!(parse("CANCELLED").unwrap().action, IntakeAction::Cancel);
        for refused in ["SHIPPED", "UNFULFILLABLE", "Unshipped", "LOST"] {
            let rejection = parse(refused).unwrap_err();
            assert_eq!(rejection.place, "$.fulfillment.fulfillmentStatus");
            assert_eq!(rejection.external_id.as_deref(), Some("1"));
        }
    }

    #[test]
    fn a_buyer_cancellation_request_holds_the_order() {
        let body = r#"{"orderId": "1", "createdTime": "2026-03-02T10:00:00Z",
            "fulfillment": {"fulfillmentStatus": "UNSHIPPED"},
            "orderItems": [{"orderItemId": "9", "quantityOrdered": 1,
                            "product": {"sellerSku": "AMZ-SUN100-RED"},
                            "cancellation": {"cancellationRequest": {"requester": "BUYER"}}}]}"#;
        let order = parse_file(body.as_bytes()).remove(0).unwrap();
        assert_eq!(order.hold_reason.as_deref(), Some(HOLD_BUYER_CANCELLATION));
    }

    #[test]
    fn service_level_names() {
        for (model, ours) in [
            ("STANDARD", "Standard"),
            ("EXPEDITED", "Expedited"),
            ("SECOND_DAY", "SecondDay"),
            ("NEXT_DAY", "NextDay"),
            ("FREE_ECONOMY", "FreeEconomy"),
            ("SAME_DAY", "SameDay"),
            ("SecondDay", "SecondDay"),
            ("Std US D2D Dom", "Std US D2D Dom"),
            ("__", ""),
        ] {
            assert_eq!(service_level_name(model), ours);
        }
    }

    #[test]
    fn document_shapes() {
        let order = r#"{"orderId": "1", "createdTime": "2026-03-02T10:00:00Z",
            "fulfillment": {"fulfillmentStatus": "UNSHIPPED"},
            "orderItems": [{"orderItemId": "9", "quantityOrdered": 1, "product": {"asin": "B0PMU77A5T"}}]}"#;
        let bare = parse_file(order.as_bytes());
        assert_eq!(bare.len(), 1);
        let line = &bare[0].as_ref().unwrap().lines[0];
        assert_eq!(line.channel_sku, None);
        assert_eq!(line.alternate_skus, vec!["B0PMU77A5T".to_owned()]);
        assert_eq!(parse_file(format!("[{order},{order}]").as_bytes()).len(), 2);
        assert_eq!(
            parse_file(format!("{{\"order\": {order}}}").as_bytes()),
            bare
        );
        assert_eq!(parse_file(b"{\"orders\": []}"), vec![]);

        let v0 = parse_file(br#"{"payload": {"Orders": []}}"#);
        assert_eq!(v0[0].as_ref().unwrap_err().place, "$.payload");
        let errors = parse_file(
            br#"{"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied."}]}"#,
        );
        assert_eq!(
            errors[0].as_ref().unwrap_err().message,
            "expected orders, found an error response: Unauthorized: Access to requested \
             resource is denied."
        );
        assert_eq!(parse_file(b"7")[0].as_ref().unwrap_err().place, "$");
        assert_eq!(
            parse_file(b"{\"orders\": {}}")[0]
                .as_ref()
                .unwrap_err()
                .place,
            "$.orders"
        );
        assert_eq!(
            parse_file(b"{\"orderId\": ")[0].as_ref().unwrap_err().place,
            "line 1, column 12"
        );
    }

    #[test]
    fn item_refusals() {
        let with_item = |item: &str| {
            format!(
                r#"{{"orderId": "1", "createdTime": "2026-03-02T10:00:00Z",
                    "fulfillment": {{"fulfillmentStatus": "PARTIALLY_SHIPPED"}},
                    "orderItems": [{item}]}}"#
            )
        };
        for (item, place) in [
            (
                r#"{"quantityOrdered": 1, "product": {"sellerSku": "A"}}"#,
                "$.orderItems[0].orderItemId",
            ),
            (
                r#"{"orderItemId": "9", "product": {"sellerSku": "A"}}"#,
                "$.orderItems[0].quantityOrdered",
            ),
            (
                r#"{"orderItemId": "9", "quantityOrdered": 1}"#,
                "$.orderItems[0].product",
            ),
            (
                r#"{"orderItemId": "9", "quantityOrdered": 1, "product": {"title": "x"}}"#,
                "$.orderItems[0].product.sellerSku",
            ),
            (
                r#"{"orderItemId": "9", "quantityOrdered": 1, "product": {"sellerSku": "A"}, "fulfillment": {"quantityFulfilled": 2}}"#,
                "$.orderItems[0].fulfillment.quantityFulfilled",
            ),
            ("[]", "$.orderItems[0]"),
        ] {
            let rejection = parse_file(with_item(item).as_bytes())
                .remove(0)
                .unwrap_err();
            assert_eq!(rejection.place, place, "{item}");
            assert_eq!(rejection.external_id.as_deref(), Some("1"));
        }
    }

    #[test]
    fn no_input_makes_it_panic() {
        let parse = |bytes: &[u8]| {
            let _ = parse_file(bytes);
        };
        for fixture in ALL {
            garble(fixture, &parse);
            mutate_json(fixture, &parse);
        }
    }
}
