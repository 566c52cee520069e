//! A stand-in for Shopify's GraphQL Admin API (axum on 127.0.0.1:0), speaking the shapes
//! `aisle::sync::shopify` sends: `inventorySetQuantities` (with `changeFromQuantity` and
//! `@idempotent(key:)`), `nodes(ids:) { … on InventoryItem { inventoryLevel { quantities } } }`,
//! `order(id:) { fulfillmentOrders … fulfillments … }` and `fulfillmentCreate`.
//!
//! It keeps per-(inventory item, location) available quantities, refuses a stale
//! `changeFromQuantity` with Shopify's `CHANGE_FROM_QUANTITY_STALE`, answers a repeated
//! idempotency key with its first answer (changing nothing), records every request in order, and
//! serves the fulfillment orders of orders a test registers. A test can make it fail the next
//! requests (500, 429 with `Retry-After`, a GraphQL `THROTTLED` error, a garbled body), hang
//! without answering (before or after applying the request), or sell units itself.
//!
//! Ids are kept as gids; the helpers take numeric ids or gids.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use aisle::sync::shopify::gid;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The access token the stand-in accepts.
pub const STANDIN_TOKEN: &str = "shpat_standin_5ecr3t_0123456789abcdef";

/// One request as received.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// `inventorySetQuantities`, `read`, `order`, `fulfillmentCreate` or `unknown`.
    pub operation: String,
    /// The API version in the path.
    pub api_version: String,
    pub token_ok: bool,
    pub idempotency_key: Option<String>,
    pub variables: Value,
    /// The fault served instead of (or after) handling it, if any.
    pub fault: Option<&'static str>,
}

/// A quantity the stand-in set (each applied `inventorySetQuantities` quantity, in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedSet {
    pub item: String,
    pub location: String,
    pub quantity: i64,
    pub change_from: Option<i64>,
    pub idempotency_key: Option<String>,
}

/// A fulfillment the stand-in created.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedFulfillment {
    pub id: String,
    pub order_id: String,
    /// (fulfillment order line item gid, quantity).
    pub lines: Vec<(String, i64)>,
    pub tracking: Value,
    pub notify_customer: Option<bool>,
}

/// A fulfillment order of a registered order.
#[derive(Debug, Clone, PartialEq)]
pub struct FulfillmentOrder {
    pub id: String,
    /// OPEN, IN_PROGRESS, CLOSED, ON_HOLD, …
    pub status: String,
    pub lines: Vec<FulfillmentOrderLine>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FulfillmentOrderLine {
    /// The fulfillment order line item gid.
    pub id: String,
    /// The order's line item gid.
    pub line_item_id: String,
    pub remaining: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Fail500,
    TooMany {
        retry_after_secs: u32,
    },
    Throttled,
    Garble,
    Hang,
    /// Handle the request, then never answer.
    LoseAnswer,
}

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Fault::Fail500 => "500",
            Fault::TooMany { .. } => "429",
            Fault::Throttled => "THROTTLED",
            Fault::Garble => "garbled",
            Fault::Hang => "hang",
            Fault::LoseAnswer => "lost answer",
        }
    }
}

#[derive(Default)]
struct Inner {
    levels: HashMap<(String, String), i64>,
    /// key → (variables, answer body).
    idempotency: HashMap<String, (Value, String)>,
    received: Vec<Received>,
    faults: VecDeque<Fault>,
    /// order gid → its fulfillment orders.
    orders: HashMap<String, Vec<FulfillmentOrder>>,
    fulfillments: Vec<RecordedFulfillment>,
    applied: Vec<AppliedSet>,
    next_id: u64,
}

type Shared = Arc<Mutex<Inner>>;

/// The running stand-in; stopped when dropped.
pub struct ShopifyStandin {
    pub addr: SocketAddr,
    state: Shared,
    task: JoinHandle<()>,
}

impl Drop for ShopifyStandin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ShopifyStandin {
    pub async fn start() -> Self {
        let state: Shared = Arc::default();
        let app = Router::new()
            .route("/admin/api/{version}/graphql.json", post(graphql))
            .with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the Shopify stand-in");
        let addr = listener.local_addr().expect("stand-in address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        ShopifyStandin { addr, state, task }
    }

    /// `http://127.0.0.1:<port>`, the channel's `base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.state.lock().expect("stand-in state")
    }

    /// Sets a level directly, as the merchant would in Shopify's admin.
    pub fn set_level(&self, item: &str, location: &str, quantity: i64) {
        self.inner()
            .levels
            .insert(level_key(item, location), quantity);
    }

    pub fn available(&self, item: &str, location: &str) -> Option<i64> {
        self.inner().levels.get(&level_key(item, location)).copied()
    }

    /// A sale on Shopify itself: lowers the available quantity by `units`.
    pub fn sell(&self, item: &str, location: &str, units: i64) {
        *self
            .inner()
            .levels
            .entry(level_key(item, location))
            .or_insert(0) -= units;
    }

    fn push_faults(&self, fault: Fault, n: usize) {
        let mut inner = self.inner();
        for _ in 0..n {
            inner.faults.push_back(fault);
        }
    }

    /// The next `n` requests get a 500.
    pub fn fail_next(&self, n: usize) {
        self.push_faults(Fault::Fail500, n);
    }

    /// The next `n` requests get a 429 with `Retry-After: <secs>`.
    pub fn too_many_next(&self, n: usize, retry_after_secs: u32) {
        self.push_faults(Fault::TooMany { retry_after_secs }, n);
    }

    /// The next `n` requests get a 200 with a GraphQL `THROTTLED` error.
    pub fn throttle_next(&self, n: usize) {
        self.push_faults(Fault::Throttled, n);
    }

    /// The next `n` requests get a 200 whose body is not JSON.
    pub fn garble_next(&self, n: usize) {
        self.push_faults(Fault::Garble, n);
    }

    /// The next `n` requests are never answered (nor handled).
    pub fn hang_next(&self, n: usize) {
        self.push_faults(Fault::Hang, n);
    }

    /// The next `n` requests are handled, but their answer never comes.
    pub fn lose_answer_next(&self, n: usize) {
        self.push_faults(Fault::LoseAnswer, n);
    }

    /// Every request received, in order.
    pub fn received(&self) -> Vec<Received> {
        self.inner().received.clone()
    }

    /// Every quantity applied by `inventorySetQuantities`, in order.
    pub fn applied_sets(&self) -> Vec<AppliedSet> {
        self.inner().applied.clone()
    }

    /// Registers an order and its fulfillment orders.
    pub fn register_order(&self, order_id: &str, fulfillment_orders: Vec<FulfillmentOrder>) {
        self.inner()
            .orders
            .insert(gid("Order", order_id), fulfillment_orders);
    }

    /// Registers an order with one open fulfillment order holding `lines` (line item id,
    /// quantity); the fulfillment order is `FulfillmentOrder/<order>` and its line items
    /// `FulfillmentOrderLineItem/<line item>`.
    pub fn register_simple_order(&self, order_id: &str, lines: &[(&str, i64)]) {
        let bare = |id: &str| id.rsplit('/').next().unwrap_or(id).to_owned();
        let fo = FulfillmentOrder {
            id: format!("gid://shopify/FulfillmentOrder/{}", bare(order_id)),
            status: "OPEN".into(),
            lines: lines
                .iter()
                .map(|(line, qty)| FulfillmentOrderLine {
                    id: format!("gid://shopify/FulfillmentOrderLineItem/{}", bare(line)),
                    line_item_id: gid("LineItem", line),
                    remaining: *qty,
                })
                .collect(),
        };
        self.register_order(order_id, vec![fo]);
    }

    /// An order's fulfillment orders as they are now.
    pub fn fulfillment_orders(&self, order_id: &str) -> Vec<FulfillmentOrder> {
        self.inner()
            .orders
            .get(&gid("Order", order_id))
            .cloned()
            .unwrap_or_default()
    }

    pub fn fulfillments(&self) -> Vec<RecordedFulfillment> {
        self.inner().fulfillments.clone()
    }
}

fn level_key(item: &str, location: &str) -> (String, String) {
    (gid("InventoryItem", item), gid("Location", location))
}

fn json_answer(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn data(value: Value) -> String {
    json!({ "data": value }).to_string()
}

/// The idempotency key of `@idempotent(key: $var)` or `@idempotent(key: "literal")`.
fn idempotency_key(query: &str, variables: &Value) -> Option<String> {
    let at = query.find("@idempotent(")?;
    let rest = &query[at + "@idempotent(".len()..];
    let rest = rest.trim_start().strip_prefix("key:")?.trim_start();
    if let Some(var) = rest.strip_prefix('$') {
        let name: String = var
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        return variables[name.as_str()].as_str().map(str::to_owned);
    }
    let literal = rest.strip_prefix('"')?;
    literal.split('"').next().map(str::to_owned)
}

async fn graphql(
    State(state): State<Shared>,
    axum::extract::Path(api_version): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let document: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let query = document["query"].as_str().unwrap_or_default().to_owned();
    let variables = document["variables"].clone();
    let operation = if query.contains("inventorySetQuantities") {
        "inventorySetQuantities"
    } else if query.contains("fulfillmentCreate") {
        "fulfillmentCreate"
    } else if query.contains("fulfillmentOrders") {
        "order"
    } else if query.contains("inventoryLevel") {
        "read"
    } else {
        "unknown"
    };
    let token_ok = headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok())
        == Some(STANDIN_TOKEN);
    let key = idempotency_key(&query, &variables);

    let (fault, answer) = {
        let mut inner = state.lock().expect("stand-in state");
        let fault = inner.faults.pop_front();
        inner.received.push(Received {
            operation: operation.to_owned(),
            api_version,
            token_ok,
            idempotency_key: key.clone(),
            variables: variables.clone(),
            fault: fault.map(Fault::name),
        });
        let handled = match fault {
            None | Some(Fault::LoseAnswer) => Some(if !token_ok {
                (
                    StatusCode::UNAUTHORIZED,
                    json!({"errors": "[API] Invalid API key or access token \
                                      (unrecognized login or wrong password)"})
                    .to_string(),
                )
            } else {
                (
                    StatusCode::OK,
                    handle(&mut inner, operation, &variables, key.as_deref()),
                )
            }),
            _ => None,
        };
        (fault, handled)
    };

    match fault {
        Some(Fault::Hang) | Some(Fault::LoseAnswer) => std::future::pending::<Response>().await,
        Some(Fault::Fail500) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error. Looks like something went wrong on our end.",
        )
            .into_response(),
        Some(Fault::TooMany { retry_after_secs }) => (
            StatusCode::TOO_MANY_REQUESTS,
            [
                (header::RETRY_AFTER, format!("{retry_after_secs}.0")),
                (header::CONTENT_TYPE, "application/json".to_owned()),
            ],
            json!({"errors": "Exceeded 2 calls per second for api client. Reduce request rates \
                              to resume uninterrupted service."})
            .to_string(),
        )
            .into_response(),
        Some(Fault::Throttled) => json_answer(
            StatusCode::OK,
            json!({
                "errors": [{"message": "Throttled", "extensions": {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": {"cost": {"requestedQueryCost": 752, "actualQueryCost": null,
                    "throttleStatus": {"maximumAvailable": 1000.0, "currentlyAvailable": 666,
                                       "restoreRate": 50.0}}}
            })
            .to_string(),
        ),
        Some(Fault::Garble) => json_answer(StatusCode::OK, "{\"data\": {\"inventorySet".into()),
        None => match answer {
            Some((status, body)) => json_answer(status, body),
            None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
    }
}

fn handle(inner: &mut Inner, operation: &str, variables: &Value, key: Option<&str>) -> String {
    match operation {
        "inventorySetQuantities" => {
            let Some(key) = key else {
                return json!({"errors": [{"message":
                    "The @idempotent directive is required for this mutation.",
                    "extensions": {"code": "BAD_REQUEST"}}]})
                .to_string();
            };
            if let Some((first_variables, first_answer)) = inner.idempotency.get(key) {
                if first_variables == variables {
                    return first_answer.clone();
                }
                return data(json!({"inventorySetQuantities": {
                    "inventoryAdjustmentGroup": null,
                    "userErrors": [{"code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                        "field": null,
                        "message": "The same idempotency key cannot be used with different \
                                    operation parameters."}]}}));
            }
            let answer = set_quantities(inner, variables, key);
            inner
                .idempotency
                .insert(key.to_owned(), (variables.clone(), answer.clone()));
            answer
        }
        "read" => {
            let location = variables["locationId"].as_str().unwrap_or_default();
            let nodes: Vec<Value> = variables["ids"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|id| {
                    let id = id.as_str().unwrap_or_default();
                    match inner.levels.get(&(id.to_owned(), location.to_owned())) {
                        Some(q) => json!({"id": id, "inventoryLevel": {"quantities":
                            [{"name": "available", "quantity": q}]}}),
                        None => json!({"id": id, "inventoryLevel": null}),
                    }
                })
                .collect();
            data(json!({ "nodes": nodes }))
        }
        "order" => {
            let id = variables["id"].as_str().unwrap_or_default();
            let Some(fos) = inner.orders.get(id) else {
                return data(json!({ "order": null }));
            };
            let fulfillments: Vec<Value> = inner
                .fulfillments
                .iter()
                .filter(|f| f.order_id == id)
                .map(|f| {
                    let mut info = Vec::new();
                    if let Some(n) = f.tracking["number"].as_str() {
                        info.push(json!({"number": n, "company": f.tracking["company"]}));
                    }
                    for n in f.tracking["numbers"].as_array().into_iter().flatten() {
                        info.push(json!({"number": n, "company": f.tracking["company"]}));
                    }
                    json!({"id": f.id, "status": "SUCCESS", "trackingInfo": info})
                })
                .collect();
            let nodes: Vec<Value> = fos
                .iter()
                .map(|fo| {
                    json!({"id": fo.id, "status": fo.status, "lineItems": {"nodes":
                        fo.lines.iter().map(|l| json!({"id": l.id,
                            "remainingQuantity": l.remaining,
                            "lineItem": {"id": l.line_item_id, "sku": null}}))
                        .collect::<Vec<_>>()}})
                })
                .collect();
            data(
                json!({"order": {"id": id, "fulfillmentOrders": {"nodes": nodes},
                "fulfillments": fulfillments}}),
            )
        }
        "fulfillmentCreate" => fulfil(inner, variables),
        _ => json!({"errors": [{"message": "the stand-in does not know this operation",
            "extensions": {"code": "BAD_REQUEST"}}]})
        .to_string(),
    }
}

fn set_quantities(inner: &mut Inner, variables: &Value, key: &str) -> String {
    let input = &variables["input"];
    let refuse = |code: &str, field: Value, message: &str| {
        data(
            json!({"inventorySetQuantities": {"inventoryAdjustmentGroup": null,
            "userErrors": [{"code": code, "field": field, "message": message}]}}),
        )
    };
    if input["name"].as_str() != Some("available") {
        return refuse(
            "INVALID_NAME",
            json!(["input", "name"]),
            "The quantity name must be either 'available' or 'on_hand'.",
        );
    }
    let quantities = input["quantities"].as_array().cloned().unwrap_or_default();
    let mut changes = Vec::new();
    for (i, q) in quantities.iter().enumerate() {
        let item = q["inventoryItemId"].as_str().unwrap_or_default().to_owned();
        let location = q["locationId"].as_str().unwrap_or_default().to_owned();
        let Some(quantity) = q["quantity"].as_i64() else {
            return refuse(
                "INVALID_QUANTITY_TOO_LOW",
                json!(["input", "quantities", i.to_string(), "quantity"]),
                "The quantity is missing.",
            );
        };
        let Some(change_from) = q.get("changeFromQuantity") else {
            return refuse(
                "CHANGE_FROM_QUANTITY_REQUIRED",
                json!(["input", "quantities", i.to_string(), "changeFromQuantity"]),
                "changeFromQuantity must be given (null to opt out of the check).",
            );
        };
        let change_from = change_from.as_i64();
        let current = inner.levels.get(&(item.clone(), location.clone())).copied();
        if let Some(expected) = change_from
            && current.unwrap_or(0) != expected
        {
            return refuse(
                "CHANGE_FROM_QUANTITY_STALE",
                json!(["input", "quantities", i.to_string(), "changeFromQuantity"]),
                "The specified compare quantity does not match the current quantity.",
            );
        }
        changes.push(AppliedSet {
            item,
            location,
            quantity,
            change_from,
            idempotency_key: Some(key.to_owned()),
        });
    }
    for change in &changes {
        inner.levels.insert(
            (change.item.clone(), change.location.clone()),
            change.quantity,
        );
    }
    inner.applied.extend(changes);
    inner.next_id += 1;
    data(json!({"inventorySetQuantities": {
        "inventoryAdjustmentGroup": {"id":
            format!("gid://shopify/InventoryAdjustmentGroup/{}", inner.next_id)},
        "userErrors": []}}))
}

fn fulfil(inner: &mut Inner, variables: &Value) -> String {
    let input = &variables["fulfillment"];
    let refuse = |message: &str| {
        data(json!({"fulfillmentCreate": {"fulfillment": null,
            "userErrors": [{"field": ["fulfillment"], "message": message}]}}))
    };
    let groups = input["lineItemsByFulfillmentOrder"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if groups.is_empty() {
        return refuse("lineItemsByFulfillmentOrder must not be empty.");
    }
    // Validate everything first, then apply.
    let mut order_of = None;
    let mut plan: Vec<(String, String, i64)> = Vec::new();
    for group in &groups {
        let fo_id = group["fulfillmentOrderId"].as_str().unwrap_or_default();
        let Some((order_id, fo)) = inner
            .orders
            .iter()
            .find_map(|(o, fos)| fos.iter().find(|f| f.id == fo_id).map(|f| (o.clone(), f)))
        else {
            return refuse("Fulfillment order does not exist.");
        };
        if !matches!(fo.status.as_str(), "OPEN" | "IN_PROGRESS") {
            return refuse("Fulfillment order is not in an open state.");
        }
        if order_of.get_or_insert(order_id.clone()) != &order_id {
            return refuse("All fulfillment orders must belong to the same order.");
        }
        for item in group["fulfillmentOrderLineItems"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let id = item["id"].as_str().unwrap_or_default();
            let quantity = item["quantity"].as_i64().unwrap_or(0);
            let Some(line) = fo.lines.iter().find(|l| l.id == id) else {
                return refuse("Fulfillment order line item does not exist.");
            };
            if quantity <= 0 || quantity > line.remaining {
                return refuse("Invalid fulfillment order line item quantity requested.");
            }
            plan.push((fo_id.to_owned(), id.to_owned(), quantity));
        }
    }
    let order_id = order_of.unwrap_or_default();
    if let Some(fos) = inner.orders.get_mut(&order_id) {
        for (fo_id, line_id, quantity) in &plan {
            if let Some(fo) = fos.iter_mut().find(|f| &f.id == fo_id) {
                if let Some(line) = fo.lines.iter_mut().find(|l| &l.id == line_id) {
                    line.remaining -= quantity;
                }
                fo.status = if fo.lines.iter().all(|l| l.remaining == 0) {
                    "CLOSED".into()
                } else {
                    "IN_PROGRESS".into()
                };
            }
        }
    }
    inner.next_id += 1;
    let id = format!("gid://shopify/Fulfillment/{}", inner.next_id);
    inner.fulfillments.push(RecordedFulfillment {
        id: id.clone(),
        order_id,
        lines: plan.into_iter().map(|(_, l, q)| (l, q)).collect(),
        tracking: input["trackingInfo"].clone(),
        notify_customer: input["notifyCustomer"].as_bool(),
    });
    data(
        json!({"fulfillmentCreate": {"fulfillment": {"id": id, "status": "SUCCESS"},
        "userErrors": []}}),
    )
}
