//! Shopify's GraphQL Admin API for one channel: available quantities set with compare-and-swap
//! under an idempotency key, read back for reconciliation, and shipments confirmed as
//! fulfillments of the order's fulfillment orders.
//!
//! # The wire
//!
//! Every call is `POST {base}/admin/api/{version}/graphql.json` with the header
//! `X-Shopify-Access-Token` and a JSON body `{"query": …, "variables": …}`:
//!
//! - [`ShopifyClient::set_available`]: `inventorySetQuantities(input: {name: "available",
//!   reason: "correction", referenceDocumentUri, quantities: [{inventoryItemId, locationId,
//!   quantity, changeFromQuantity}]}) @idempotent(key: …)`. `changeFromQuantity` is the figure we
//!   last set (compare-and-swap); Shopify refuses with `CHANGE_FROM_QUANTITY_STALE` when the
//!   channel's figure moved since (a sale we have not ingested yet), which comes back as
//!   [`ShopifyError::Stale`] with the channel's current figure, read at once. `null` opts out of
//!   the check and is only for the first figure ever set. The `@idempotent` directive
//!   (optional from 2026-01, required from 2026-04) makes a resend after a lost answer change
//!   nothing: the key must be the same for the same request and new for a new one, so a caller
//!   that recomputes after a stale answer sends the new figure under a new key (build it from the
//!   figure's version *and* its compare value).
//! - [`ShopifyClient::read_available`]: `nodes(ids:) { … on InventoryItem { inventoryLevel(
//!   locationId:) { quantities(names: ["available"]) { name quantity } } } }`.
//! - [`ShopifyClient::create_fulfillment`]: `order(id:) { fulfillmentOrders { … lineItems { id
//!   remainingQuantity lineItem { id } } } fulfillments { trackingInfo { number } } }`, then
//!   `fulfillmentCreate(fulfillment: {lineItemsByFulfillmentOrder, trackingInfo,
//!   notifyCustomer})`. A shipment whose tracking number is already on one of the order's
//!   fulfillments, or whose lines have nothing left to fulfil, is not fulfilled again: a resend
//!   after a crash confirms nothing twice.
//!
//! `changeFromQuantity` and `@idempotent` need API version 2026-01 or later (the channel's
//! `api_version` setting, [`DEFAULT_API_VERSION`] when unset).
//!
//! # Failures
//!
//! [`ShopifyError::disposition`] tells the delivery worker what to do: timeouts, refused or
//! dropped connections, HTTP 429 (with its `Retry-After`), 5xx, GraphQL `THROTTLED` errors (the
//! wait worked out from `extensions.cost.throttleStatus`) and malformed answers are retried;
//! other 4xx answers, GraphQL errors and `userErrors` are permanent and carry Shopify's message;
//! a stale compare means re-read and recompute. The access token is only ever written into the
//! request header: it is in no error's text and no `Debug` output.
//!
//! # Transport
//!
//! A minimal HTTP/1.1 client on `tokio::net::TcpStream`, in the style of
//! `crate::carriers::http`: one request per connection, the whole exchange within the client's
//! timeout, an answer of at most 1 MiB. **Plain `http://` only**: there is no TLS crate in the
//! build, so the real `https://{shop}.myshopify.com` is refused with a clear
//! [`ShopifyError::Setting`] until a TLS client (or a local TLS-terminating proxy named as the
//! channel's `base_url`) is added. Tests point `base_url` at a local stand-in.

use std::fmt;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::db::channels::Channel;

/// The API version used when the channel does not name one.
pub const DEFAULT_API_VERSION: &str = "2026-01";
/// The default time for one whole exchange (connect, send, answer).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// The longest answer read from Shopify.
pub const MAX_ANSWER_BYTES: usize = 1 << 20;
/// What [`Channel::secret_variable`] is asked for: `AISLE_CHANNEL_<NAME>_ACCESS_TOKEN`.
pub const TOKEN_SECRET_NAME: &str = "access_token";
/// The most inventory items read in one query (Shopify's `nodes(ids:)` limit).
const READ_CHUNK: usize = 250;

const SET_MUTATION: &str = "mutation aisleSetAvailable($input: InventorySetQuantitiesInput!, \
$idempotencyKey: String!) { inventorySetQuantities(input: $input) \
@idempotent(key: $idempotencyKey) { inventoryAdjustmentGroup { id } \
userErrors { code field message } } }";

const READ_QUERY: &str = "query aisleReadAvailable($ids: [ID!]!, $locationId: ID!) { \
nodes(ids: $ids) { ... on InventoryItem { id inventoryLevel(locationId: $locationId) { \
quantities(names: [\"available\"]) { name quantity } } } } }";

const ORDER_QUERY: &str = "query aisleFulfillmentOrders($id: ID!) { order(id: $id) { id \
fulfillmentOrders(first: 20) { nodes { id status lineItems(first: 100) { nodes { id \
remainingQuantity lineItem { id sku } } } } } \
fulfillments(first: 50) { id status trackingInfo(first: 10) { number company } } } }";

const FULFILL_MUTATION: &str = "mutation aisleFulfill($fulfillment: FulfillmentInput!) { \
fulfillmentCreate(fulfillment: $fulfillment) { fulfillment { id status } \
userErrors { field message } } }";

// ---------------------------------------------------------------------------------------------
// The token.

/// A channel's Admin API access token. Its `Debug` shows nothing of it and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(token: impl Into<String>) -> Self {
        AccessToken(token.into())
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

// ---------------------------------------------------------------------------------------------
// Errors.

/// What the delivery worker does with a failed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Send it again later, no sooner than `after` when Shopify said how long to wait.
    Retry { after: Option<Duration> },
    /// The channel's figure moved since we last set it: re-read, wait for intake, recompute.
    /// Never resend the same figure over it.
    Stale { current: Option<i64> },
    /// Shopify refused it; sending the same message again will not help (dead letter).
    Permanent,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShopifyError {
    #[error("Shopify channel {channel}: setting {setting} {value:?}: expected {expected}")]
    Setting {
        channel: String,
        setting: &'static str,
        value: String,
        expected: String,
    },
    #[error("Shopify channel {channel}: no access token: set the environment variable {variable}")]
    MissingToken { channel: String, variable: String },
    #[error("Shopify channel {channel}: {request}: cannot connect to {address}: {reason}")]
    Connect {
        channel: String,
        request: String,
        address: String,
        reason: String,
    },
    #[error("Shopify channel {channel}: {request}: no answer within {millis} ms")]
    Timeout {
        channel: String,
        request: String,
        millis: u128,
    },
    #[error(
        "Shopify channel {channel}: {request}: connection dropped after {received} bytes of the answer"
    )]
    Dropped {
        channel: String,
        request: String,
        received: usize,
    },
    #[error("Shopify channel {channel}: {request}: throttled ({detail}){}", after_text(*.retry_after))]
    Throttled {
        channel: String,
        request: String,
        detail: String,
        retry_after: Option<Duration>,
    },
    #[error("Shopify channel {channel}: {request}: HTTP {status}: {body}")]
    Status {
        channel: String,
        request: String,
        status: u16,
        body: String,
    },
    #[error(
        "Shopify channel {channel}: {request}: malformed answer: expected {expected}: {detail}"
    )]
    Malformed {
        channel: String,
        request: String,
        expected: String,
        detail: String,
    },
    #[error("Shopify channel {channel}: {request}: {}{message}", code_text(.code))]
    GraphQl {
        channel: String,
        request: String,
        code: Option<String>,
        message: String,
    },
    #[error("Shopify channel {channel}: {request}: refused: {}{message}{}", code_text(.code), field_text(.field))]
    Rejected {
        channel: String,
        request: String,
        code: Option<String>,
        field: Option<String>,
        message: String,
    },
    #[error("Shopify channel {channel}: order {order}: {detail}")]
    Unfulfillable {
        channel: String,
        order: String,
        detail: String,
    },
    /// Shopify's `CHANGE_FROM_QUANTITY_STALE`: the figure is no longer the one we compared
    /// against. `current` is the channel's figure read straight after (None if that read
    /// failed or the item is not stocked at the location).
    #[error("Shopify: the available quantity changed on the channel since we last set it{}", current_text(*.current))]
    Stale { current: Option<i64> },
}

fn after_text(after: Option<Duration>) -> String {
    match after {
        Some(d) => format!("; retry after {} ms", d.as_millis()),
        None => String::new(),
    }
}

fn code_text(code: &Option<String>) -> String {
    match code {
        Some(code) => format!("{code}: "),
        None => String::new(),
    }
}

fn field_text(field: &Option<String>) -> String {
    match field {
        Some(field) => format!(" (field {field})"),
        None => String::new(),
    }
}

fn current_text(current: Option<i64>) -> String {
    match current {
        Some(n) => format!(" (it is now {n})"),
        None => String::new(),
    }
}

/// GraphQL error codes Shopify answers for trouble on its side.
const RETRYABLE_GRAPHQL_CODES: [&str; 4] = [
    "INTERNAL_SERVER_ERROR",
    "SERVICE_UNAVAILABLE",
    "TIMEOUT",
    "THROTTLED",
];

impl ShopifyError {
    /// What the delivery worker should do with the message that failed so.
    pub fn disposition(&self) -> Disposition {
        use ShopifyError::*;
        match self {
            Connect { .. } | Timeout { .. } | Dropped { .. } | Malformed { .. } => {
                Disposition::Retry { after: None }
            }
            Throttled { retry_after, .. } => Disposition::Retry {
                after: *retry_after,
            },
            Status { status, .. } if *status >= 500 || *status == 408 => {
                Disposition::Retry { after: None }
            }
            GraphQl {
                code: Some(code), ..
            } if RETRYABLE_GRAPHQL_CODES.contains(&code.as_str()) => {
                Disposition::Retry { after: None }
            }
            Rejected {
                code: Some(code), ..
            } if code == "IDEMPOTENCY_CONCURRENT_REQUEST" => Disposition::Retry { after: None },
            Stale { current } => Disposition::Stale { current: *current },
            Setting { .. }
            | MissingToken { .. }
            | Status { .. }
            | GraphQl { .. }
            | Rejected { .. }
            | Unfulfillable { .. } => Disposition::Permanent,
        }
    }

    /// True when sending the same message again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self.disposition(), Disposition::Retry { .. })
    }

    /// How long Shopify asked us to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.disposition() {
            Disposition::Retry { after } => after,
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Requests and answers of the API.

/// One inventory item's available quantity at a location, as read from Shopify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailableLevel {
    /// The item as the caller named it.
    pub item: String,
    /// None when the item is unknown or not stocked at the location.
    pub available: Option<i64>,
}

/// What a successful set did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetOutcome {
    /// The `InventoryAdjustmentGroup` id; None when nothing changed (same figure) .
    pub adjustment_group: Option<String>,
}

/// One order line to confirm as shipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfillmentLine {
    /// The Shopify line item id (numeric or `gid://shopify/LineItem/…`).
    pub line_item_id: String,
    pub quantity: i64,
}

/// The carrier's tracking of a shipment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tracking {
    pub company: Option<String>,
    /// The shipment's (first carton's) tracking number.
    pub number: Option<String>,
    /// Every carton's tracking number.
    pub numbers: Vec<String>,
}

/// A shipment to confirm on a Shopify order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfillmentRequest {
    /// The Shopify order id (numeric or `gid://shopify/Order/…`).
    pub order_id: String,
    pub lines: Vec<FulfillmentLine>,
    pub tracking: Tracking,
    pub notify_customer: bool,
}

impl FulfillmentRequest {
    /// Reads the outbox payload written at shipping (`pack_shipment_payload`, kind shopify):
    /// `{"order_id", "fulfillment": {"line_items": [{"id", "quantity"}], "tracking_info":
    /// {"number", "company"}, "tracking_numbers": [...], "notify_customer"}}`.
    pub fn from_payload(channel: &str, payload: &Value) -> Result<Self, ShopifyError> {
        let bad = |detail: String| ShopifyError::Malformed {
            channel: channel.to_owned(),
            request: "shipment message".into(),
            expected: "{\"order_id\", \"fulfillment\": {\"line_items\": [{\"id\", \"quantity\"}], \
                       \"tracking_info\": {\"number\", \"company\"}}}"
                .into(),
            detail,
        };
        let order_id = id_text(&payload["order_id"]).ok_or_else(|| bad("no order_id".into()))?;
        let fulfillment = &payload["fulfillment"];
        let items = fulfillment["line_items"]
            .as_array()
            .ok_or_else(|| bad("no fulfillment.line_items".into()))?;
        let mut lines = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let line_item_id =
                id_text(&item["id"]).ok_or_else(|| bad(format!("line_items[{i}] has no id")))?;
            let quantity = item["quantity"]
                .as_i64()
                .filter(|q| *q > 0)
                .ok_or_else(|| bad(format!("line_items[{i}] has no positive quantity")))?;
            lines.push(FulfillmentLine {
                line_item_id,
                quantity,
            });
        }
        let info = &fulfillment["tracking_info"];
        let text = |v: &Value| {
            v.as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let numbers = fulfillment["tracking_numbers"]
            .as_array()
            .map(|a| a.iter().filter_map(text).collect())
            .unwrap_or_default();
        Ok(FulfillmentRequest {
            order_id,
            lines,
            tracking: Tracking {
                company: text(&info["company"]),
                number: text(&info["number"]),
                numbers,
            },
            notify_customer: fulfillment["notify_customer"].as_bool().unwrap_or(true),
        })
    }
}

/// What [`ShopifyClient::create_fulfillment`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FulfillmentOutcome {
    /// A fulfillment was created. `not_fulfilled` lists what Shopify had no open remaining
    /// quantity for (fulfilled by someone else meanwhile), if anything.
    Created {
        fulfillment_id: String,
        not_fulfilled: Vec<FulfillmentLine>,
    },
    /// Nothing was sent: the shipment's tracking number is already on one of the order's
    /// fulfillments (`fulfillment_id`), or its lines have nothing left to fulfil.
    AlreadyFulfilled { fulfillment_id: Option<String> },
}

// ---------------------------------------------------------------------------------------------
// The client.

/// The GraphQL Admin API of one Shopify channel.
#[derive(Debug, Clone)]
pub struct ShopifyClient {
    channel: String,
    host: String,
    port: u16,
    /// `{prefix}/admin/api/{version}/graphql.json`.
    path: String,
    token: AccessToken,
    location_id: Option<String>,
    timeout: Duration,
}

impl ShopifyClient {
    /// A client for `base_url` (`http://host[:port][/prefix]`), the given API version and token.
    pub fn new(
        channel: &str,
        base_url: &str,
        api_version: &str,
        token: AccessToken,
    ) -> Result<Self, ShopifyError> {
        let bad = |setting: &'static str, value: &str, expected: &str| ShopifyError::Setting {
            channel: channel.to_owned(),
            setting,
            value: value.to_owned(),
            expected: expected.to_owned(),
        };
        let url = base_url.trim();
        // Credentials in the URL would be repeated by every error that quotes it (and so reach
        // `last_error` and `aisle sync --status --json`): refused without quoting it.
        let authority = url.split_once("://").map_or(url, |(_, rest)| rest);
        let authority = authority.split('/').next().unwrap_or_default();
        if authority.contains('@') {
            return Err(bad(
                "base_url",
                "(withheld: it names credentials)",
                "http://host:port without user:password@; the token goes in the channel's \
                 access token variable",
            ));
        }
        if url.starts_with("https://") {
            return Err(bad(
                "base_url",
                url,
                "http://host:port: this build has no TLS client; reach https:// Shopify through \
                 a local TLS proxy named as the channel's base_url",
            ));
        }
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| bad("base_url", url, "http://host:port"))?;
        let (authority, prefix) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| {
                bad(
                    "base_url",
                    url,
                    "an IPv6 host in brackets, e.g. http://[::1]:8080",
                )
            })?;
            (host, after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(bad("base_url", url, "a host, e.g. http://127.0.0.1:8080"));
        }
        let port = match port {
            None => 80,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| bad("base_url", url, "a port from 1 to 65535"))?,
        };
        if prefix.contains(['?', '#', ' ']) {
            return Err(bad(
                "base_url",
                url,
                "a path without query, fragment or spaces",
            ));
        }
        let version = api_version.trim();
        let valid_version = version == "unstable"
            || (version.len() == 7
                && version.as_bytes()[4] == b'-'
                && version
                    .chars()
                    .enumerate()
                    .all(|(i, c)| i == 4 || c.is_ascii_digit()));
        if !valid_version {
            return Err(bad("api_version", version, "YYYY-MM, e.g. 2026-01"));
        }
        if token.expose().trim().is_empty() || token.expose().contains(['\r', '\n']) {
            return Err(ShopifyError::Setting {
                channel: channel.to_owned(),
                setting: "access token",
                value: "(not shown)".into(),
                expected: "a non-empty token on one line".into(),
            });
        }
        Ok(ShopifyClient {
            channel: channel.to_owned(),
            host: host.to_owned(),
            port,
            path: format!(
                "{}/admin/api/{version}/graphql.json",
                prefix.trim_end_matches('/')
            ),
            token,
            location_id: None,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// A client from a channel's configuration: settings `base_url` (else
    /// `https://{shop_domain}`, refused until TLS is available), `api_version` (else
    /// [`DEFAULT_API_VERSION`]) and `location_id`; the token from the environment variable
    /// `AISLE_CHANNEL_<NAME>_ACCESS_TOKEN`.
    pub fn from_channel(channel: &Channel) -> Result<Self, ShopifyError> {
        if channel.kind != "shopify" {
            return Err(ShopifyError::Setting {
                channel: channel.name.clone(),
                setting: "kind",
                value: channel.kind.clone(),
                expected: "shopify".into(),
            });
        }
        let base_url = match (channel.setting("base_url"), channel.setting("shop_domain")) {
            (Some(url), _) => url.to_owned(),
            (None, Some(domain)) => format!("https://{}", domain.trim()),
            (None, None) => {
                return Err(ShopifyError::Setting {
                    channel: channel.name.clone(),
                    setting: "base_url",
                    value: String::new(),
                    expected: "a base_url or shop_domain setting".into(),
                });
            }
        };
        let variable = channel.secret_variable(TOKEN_SECRET_NAME);
        let token = std::env::var(&variable)
            .ok()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| ShopifyError::MissingToken {
                channel: channel.name.clone(),
                variable,
            })?;
        let version = channel
            .setting("api_version")
            .unwrap_or(DEFAULT_API_VERSION);
        let client = Self::new(&channel.name, &base_url, version, AccessToken::new(token))?;
        Ok(match channel.setting("location_id") {
            Some(location) => client.with_location(location),
            None => client,
        })
    }

    /// The time allowed for one whole exchange (connect, send, answer).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The channel's location (numeric or `gid://shopify/Location/…`).
    pub fn with_location(mut self, location_id: &str) -> Self {
        self.location_id = Some(gid("Location", location_id));
        self
    }

    /// The channel's location as a gid, when configured.
    pub fn location_id(&self) -> Option<&str> {
        self.location_id.as_deref()
    }

    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The GraphQL endpoint, e.g. `http://127.0.0.1:8080/admin/api/2026-01/graphql.json`.
    pub fn endpoint(&self) -> String {
        if self.host.contains(':') {
            format!("http://[{}]:{}{}", self.host, self.port, self.path)
        } else {
            format!("http://{}:{}{}", self.host, self.port, self.path)
        }
    }

    /// Sets the available quantity of an inventory item (numeric or `gid://shopify/
    /// InventoryItem/…`) at a location to `quantity`, provided the channel still holds
    /// `compare` (`None`: unconditionally; only for a figure never set before). A mismatch is
    /// [`ShopifyError::Stale`] with the channel's figure read straight after; nothing is
    /// overwritten. A resend under the same `idempotency_key` changes nothing twice.
    pub async fn set_available(
        &self,
        item: &str,
        location: &str,
        quantity: i64,
        compare: Option<i64>,
        idempotency_key: &str,
    ) -> Result<SetOutcome, ShopifyError> {
        const OP: &str = "inventorySetQuantities";
        if idempotency_key.trim().is_empty() {
            return Err(ShopifyError::Setting {
                channel: self.channel.clone(),
                setting: "idempotency key",
                value: String::new(),
                expected: "a non-empty key made from the figure's version".into(),
            });
        }
        let item_gid = gid("InventoryItem", item);
        let location_gid = gid("Location", location);
        let variables = json!({
            "input": {
                "name": "available",
                "reason": "correction",
                "referenceDocumentUri": reference_uri(idempotency_key),
                "quantities": [{
                    "inventoryItemId": item_gid,
                    "locationId": location_gid,
                    "quantity": quantity,
                    "changeFromQuantity": compare,
                }],
            },
            "idempotencyKey": idempotency_key,
        });
        let data = self.graphql(OP, SET_MUTATION, variables).await?;
        let payload = &data[OP];
        if payload.is_null() {
            return Err(self.malformed(OP, "data.inventorySetQuantities", "it is null".into()));
        }
        let errors = user_errors(payload);
        if errors
            .iter()
            .any(|e| e.code.as_deref() == Some("CHANGE_FROM_QUANTITY_STALE"))
        {
            let current = match self.read_available(&[item], location).await {
                Ok(levels) => levels.first().and_then(|l| l.available),
                Err(_) => None,
            };
            return Err(ShopifyError::Stale { current });
        }
        if let Some(first) = errors.into_iter().next() {
            return Err(self.rejected(OP, first));
        }
        Ok(SetOutcome {
            adjustment_group: payload["inventoryAdjustmentGroup"]["id"]
                .as_str()
                .map(str::to_owned),
        })
    }

    /// Reads the available quantity of each item at a location, in the order given.
    pub async fn read_available(
        &self,
        items: &[&str],
        location: &str,
    ) -> Result<Vec<AvailableLevel>, ShopifyError> {
        const OP: &str = "nodes";
        let location_gid = gid("Location", location);
        let mut levels = Vec::with_capacity(items.len());
        for chunk in items.chunks(READ_CHUNK) {
            let ids: Vec<String> = chunk.iter().map(|i| gid("InventoryItem", i)).collect();
            let data = self
                .graphql(
                    "inventoryLevel",
                    READ_QUERY,
                    json!({ "ids": ids, "locationId": location_gid }),
                )
                .await?;
            let nodes = data[OP].as_array().ok_or_else(|| {
                self.malformed("inventoryLevel", "data.nodes: an array", "missing".into())
            })?;
            for (index, item) in chunk.iter().enumerate() {
                let node = nodes.get(index).unwrap_or(&Value::Null);
                let available = node["inventoryLevel"]["quantities"]
                    .as_array()
                    .and_then(|qs| {
                        qs.iter()
                            .find(|q| q["name"].as_str() == Some("available"))
                            .and_then(|q| q["quantity"].as_i64())
                    });
                levels.push(AvailableLevel {
                    item: (*item).to_owned(),
                    available,
                });
            }
        }
        Ok(levels)
    }

    /// Confirms a shipment: fulfils its lines on the order's open fulfillment orders with its
    /// tracking, unless it was confirmed already (see [`FulfillmentOutcome::AlreadyFulfilled`]).
    pub async fn create_fulfillment(
        &self,
        request: &FulfillmentRequest,
    ) -> Result<FulfillmentOutcome, ShopifyError> {
        let order_gid = gid("Order", &request.order_id);
        let data = self
            .graphql(
                "order.fulfillmentOrders",
                ORDER_QUERY,
                json!({ "id": order_gid }),
            )
            .await?;
        let order = &data["order"];
        if order.is_null() {
            return Err(self.unfulfillable(&order_gid, "no such order on the shop".into()));
        }

        // A shipment already confirmed carries its tracking number on a fulfillment.
        let ours: Vec<&str> = request
            .tracking
            .number
            .iter()
            .chain(request.tracking.numbers.iter())
            .map(String::as_str)
            .collect();
        if !ours.is_empty() {
            for f in order["fulfillments"].as_array().into_iter().flatten() {
                if f["status"].as_str() == Some("CANCELLED") {
                    continue;
                }
                let numbers = f["trackingInfo"].as_array().into_iter().flatten();
                if numbers
                    .filter_map(|t| t["number"].as_str())
                    .any(|n| ours.contains(&n))
                {
                    return Ok(FulfillmentOutcome::AlreadyFulfilled {
                        fulfillment_id: f["id"].as_str().map(str::to_owned),
                    });
                }
            }
        }

        let plan = plan_fulfillment(&order["fulfillmentOrders"]["nodes"], &request.lines)
            .map_err(|detail| self.unfulfillable(&order_gid, detail))?;
        if plan.groups.is_empty() {
            if plan.held > 0 {
                return Err(self.unfulfillable(
                    &order_gid,
                    "its fulfillment orders are on hold or not open".into(),
                ));
            }
            return Ok(FulfillmentOutcome::AlreadyFulfilled {
                fulfillment_id: None,
            });
        }

        let mut tracking = serde_json::Map::new();
        if let Some(company) = &request.tracking.company {
            tracking.insert("company".into(), json!(company));
        }
        let mut numbers: Vec<&str> = Vec::new();
        for n in &ours {
            if !numbers.contains(n) {
                numbers.push(n);
            }
        }
        match numbers.as_slice() {
            [] => {}
            [one] => {
                tracking.insert("number".into(), json!(one));
            }
            many => {
                tracking.insert("numbers".into(), json!(many));
            }
        }
        let groups: Vec<Value> = plan
            .groups
            .iter()
            .map(|(fo, lines)| {
                json!({
                    "fulfillmentOrderId": fo,
                    "fulfillmentOrderLineItems": lines
                        .iter()
                        .map(|(id, quantity)| json!({ "id": id, "quantity": quantity }))
                        .collect::<Vec<_>>(),
                })
            })
            .collect();
        let variables = json!({
            "fulfillment": {
                "lineItemsByFulfillmentOrder": groups,
                "trackingInfo": Value::Object(tracking),
                "notifyCustomer": request.notify_customer,
            }
        });
        const OP: &str = "fulfillmentCreate";
        let data = self.graphql(OP, FULFILL_MUTATION, variables).await?;
        let payload = &data[OP];
        if let Some(first) = user_errors(payload).into_iter().next() {
            return Err(self.rejected(OP, first));
        }
        let fulfillment_id = payload["fulfillment"]["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| {
                self.malformed(
                    OP,
                    "data.fulfillmentCreate.fulfillment.id",
                    "missing".into(),
                )
            })?;
        Ok(FulfillmentOutcome::Created {
            fulfillment_id,
            not_fulfilled: plan.short,
        })
    }

    // -----------------------------------------------------------------------------------------

    fn request_label(&self, operation: &str) -> String {
        format!("POST {} ({operation})", self.path)
    }

    fn malformed(&self, operation: &str, expected: &str, detail: String) -> ShopifyError {
        ShopifyError::Malformed {
            channel: self.channel.clone(),
            request: self.request_label(operation),
            expected: expected.to_owned(),
            detail,
        }
    }

    fn rejected(&self, operation: &str, error: UserError) -> ShopifyError {
        ShopifyError::Rejected {
            channel: self.channel.clone(),
            request: self.request_label(operation),
            code: error.code,
            field: error.field,
            message: error.message,
        }
    }

    fn unfulfillable(&self, order: &str, detail: String) -> ShopifyError {
        ShopifyError::Unfulfillable {
            channel: self.channel.clone(),
            order: order.to_owned(),
            detail,
        }
    }

    /// Posts one GraphQL document and returns its `data`, or the classified failure.
    async fn graphql(
        &self,
        operation: &str,
        query: &str,
        variables: Value,
    ) -> Result<Value, ShopifyError> {
        let request = self.request_label(operation);
        let body = serde_json::to_vec(&json!({ "query": query, "variables": variables }))
            .map_err(|e| self.malformed(operation, "a request to send", e.to_string()))?;
        let answer = tokio::time::timeout(self.timeout, self.exchange(&request, body))
            .await
            .map_err(|_| ShopifyError::Timeout {
                channel: self.channel.clone(),
                request: request.clone(),
                millis: self.timeout.as_millis(),
            })??;
        if answer.status == 429 {
            return Err(ShopifyError::Throttled {
                channel: self.channel.clone(),
                request,
                detail: "HTTP 429".into(),
                retry_after: answer.retry_after,
            });
        }
        if answer.status != 200 {
            return Err(ShopifyError::Status {
                channel: self.channel.clone(),
                request,
                status: answer.status,
                body: excerpt(&answer.body, &answer.reason),
            });
        }
        let document: Value = serde_json::from_slice(&answer.body)
            .map_err(|e| self.malformed(operation, "a JSON GraphQL answer", e.to_string()))?;
        if !document.is_object() {
            return Err(self.malformed(operation, "a JSON GraphQL answer", "not an object".into()));
        }
        if let Some(first) = document["errors"].as_array().and_then(|e| e.first()) {
            let code = first["extensions"]["code"].as_str().map(str::to_owned);
            let message = first["message"]
                .as_str()
                .unwrap_or("(no message)")
                .to_owned();
            if code.as_deref() == Some("THROTTLED") || message.eq_ignore_ascii_case("throttled") {
                return Err(ShopifyError::Throttled {
                    channel: self.channel.clone(),
                    request,
                    detail: "GraphQL THROTTLED".into(),
                    retry_after: throttle_wait(&document["extensions"]["cost"]),
                });
            }
            return Err(ShopifyError::GraphQl {
                channel: self.channel.clone(),
                request,
                code,
                message,
            });
        }
        match document.get("data") {
            Some(data) if data.is_object() => Ok(data.clone()),
            _ => Err(self.malformed(
                operation,
                "a JSON GraphQL answer with data",
                "no data".into(),
            )),
        }
    }

    async fn exchange(&self, request: &str, body: Vec<u8>) -> Result<Answer, ShopifyError> {
        let address = format!("{}:{}", self.host, self.port);
        let mut stream = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| ShopifyError::Connect {
                channel: self.channel.clone(),
                request: request.to_owned(),
                address: address.clone(),
                reason: e.to_string(),
            })?;
        let host_header = if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            address
        };
        let mut message = format!(
            "POST {} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: aisle/{}\r\n\
             Content-Type: application/json\r\nAccept: application/json\r\n\
             X-Shopify-Access-Token: {}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.path,
            env!("CARGO_PKG_VERSION"),
            self.token.expose(),
            body.len()
        )
        .into_bytes();
        message.extend_from_slice(&body);
        let dropped = |received: usize| ShopifyError::Dropped {
            channel: self.channel.clone(),
            request: request.to_owned(),
            received,
        };
        stream.write_all(&message).await.map_err(|_| dropped(0))?;
        let mut buffer = Vec::with_capacity(4096);
        let mut chunk = [0u8; 8192];
        loop {
            let read = match stream.read(&mut chunk).await {
                Ok(n) => n,
                Err(_) => return Err(dropped(buffer.len())),
            };
            let eof = read == 0;
            buffer.extend_from_slice(&chunk[..read]);
            if buffer.len() > MAX_ANSWER_BYTES {
                return Err(ShopifyError::Malformed {
                    channel: self.channel.clone(),
                    request: request.to_owned(),
                    expected: "an answer of at most 1 MiB".into(),
                    detail: format!("{} bytes so far", buffer.len()),
                });
            }
            match parse_answer(&buffer, eof) {
                Parsed::Complete(answer) => return Ok(answer),
                Parsed::Invalid(detail) => {
                    return Err(ShopifyError::Malformed {
                        channel: self.channel.clone(),
                        request: request.to_owned(),
                        expected: "an HTTP/1.1 answer".into(),
                        detail,
                    });
                }
                Parsed::Incomplete if eof => return Err(dropped(buffer.len())),
                Parsed::Incomplete => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/// A Shopify global id: `gid://shopify/{kind}/{id}` for a bare id; a gid is kept as it is.
pub fn gid(kind: &str, id: &str) -> String {
    let id = id.trim();
    if id.starts_with("gid://") {
        id.to_owned()
    } else {
        format!("gid://shopify/{kind}/{id}")
    }
}

/// The adjustment's reference document: the outbox message it came from.
fn reference_uri(key: &str) -> String {
    let safe: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':') {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("gid://aisle/ChannelFigure/{safe}")
}

/// A JSON id given as a string or a number.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn excerpt(body: &[u8], reason: &str) -> String {
    let text = String::from_utf8_lossy(body);
    let said: String = text.trim().chars().take(200).collect();
    if said.is_empty() {
        if reason.is_empty() {
            "(nothing)".into()
        } else {
            reason.to_owned()
        }
    } else {
        said
    }
}

#[derive(Debug)]
struct UserError {
    code: Option<String>,
    field: Option<String>,
    message: String,
}

fn user_errors(payload: &Value) -> Vec<UserError> {
    payload["userErrors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| UserError {
                    code: e["code"].as_str().map(str::to_owned),
                    field: e["field"].as_array().map(|parts| {
                        parts
                            .iter()
                            .map(|p| match p {
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            })
                            .collect::<Vec<_>>()
                            .join(".")
                    }),
                    message: e["message"].as_str().unwrap_or("(no message)").to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// How long until the bucket holds the throttled query's cost again:
/// `(requestedQueryCost − currentlyAvailable) / restoreRate`, at least one second.
fn throttle_wait(cost: &Value) -> Option<Duration> {
    let requested = cost["requestedQueryCost"].as_f64()?;
    let status = &cost["throttleStatus"];
    let available = status["currentlyAvailable"].as_f64()?;
    let rate = status["restoreRate"].as_f64().filter(|r| *r > 0.0)?;
    let seconds = ((requested - available) / rate).ceil().clamp(1.0, 60.0);
    Some(Duration::from_secs_f64(seconds))
}

/// The fulfillment-order line items to fulfil for a shipment.
#[derive(Debug, Default)]
struct Plan {
    /// (fulfillment order id, [(fulfillment order line item id, quantity)]).
    groups: Vec<(String, Vec<(String, i64)>)>,
    /// What could not be placed on an open fulfillment order.
    short: Vec<FulfillmentLine>,
    /// Remaining units found only on fulfillment orders that are not open (on hold, …).
    held: i64,
}

/// Places each shipped line on the open fulfillment orders' remaining quantities.
fn plan_fulfillment(fulfillment_orders: &Value, lines: &[FulfillmentLine]) -> Result<Plan, String> {
    let fos = fulfillment_orders.as_array().cloned().unwrap_or_default();
    // (fo id, open, fo line id, line item id, remaining)
    let mut slots: Vec<(String, bool, String, String, i64)> = Vec::new();
    for fo in &fos {
        let fo_id = fo["id"].as_str().unwrap_or_default().to_owned();
        let status = fo["status"].as_str().unwrap_or_default();
        let open = matches!(status, "OPEN" | "IN_PROGRESS");
        for li in fo["lineItems"]["nodes"].as_array().into_iter().flatten() {
            slots.push((
                fo_id.clone(),
                open,
                li["id"].as_str().unwrap_or_default().to_owned(),
                li["lineItem"]["id"].as_str().unwrap_or_default().to_owned(),
                li["remainingQuantity"].as_i64().unwrap_or(0),
            ));
        }
    }
    let mut plan = Plan::default();
    for line in lines {
        let wanted_gid = gid("LineItem", &line.line_item_id);
        if !slots.iter().any(|s| s.3 == wanted_gid) {
            return Err(format!(
                "line item {wanted_gid} is on none of the order's fulfillment orders"
            ));
        }
        let mut left = line.quantity;
        for slot in slots.iter_mut().filter(|s| s.3 == wanted_gid) {
            if left == 0 {
                break;
            }
            if !slot.1 {
                plan.held += slot.4;
                continue;
            }
            let take = left.min(slot.4);
            if take <= 0 {
                continue;
            }
            slot.4 -= take;
            left -= take;
            match plan.groups.iter_mut().find(|g| g.0 == slot.0) {
                Some(group) => group.1.push((slot.2.clone(), take)),
                None => plan
                    .groups
                    .push((slot.0.clone(), vec![(slot.2.clone(), take)])),
            }
        }
        if left > 0 {
            plan.short.push(FulfillmentLine {
                line_item_id: line.line_item_id.clone(),
                quantity: left,
            });
        }
    }
    Ok(plan)
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 answers (as in `crate::carriers::http`, keeping `Retry-After`).

#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    status: u16,
    reason: String,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Parsed {
    Complete(Answer),
    Incomplete,
    Invalid(String),
}

/// Parses what has arrived so far; `eof`: the peer has closed its side.
fn parse_answer(buffer: &[u8], eof: bool) -> Parsed {
    let Some(head_end) = find(buffer, b"\r\n\r\n") else {
        return Parsed::Incomplete;
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]);
    let rest = &buffer[head_end + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let status = parts.next().and_then(|s| s.parse::<u16>().ok());
    let reason = parts.next().unwrap_or_default().to_owned();
    let status = match status {
        Some(s) if version.starts_with("HTTP/1.") && (100..600).contains(&s) => s,
        _ => {
            let shown: String = status_line.chars().take(80).collect();
            return Parsed::Invalid(format!("status line {shown:?}"));
        }
    };
    let mut content_length = None;
    let mut chunked = false;
    let mut retry_after = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Parsed::Invalid(format!("header line {line:?}"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            match value.parse::<usize>() {
                Ok(n) => content_length = Some(n),
                Err(_) => return Parsed::Invalid(format!("Content-Length {value:?}")),
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        } else if name.eq_ignore_ascii_case("retry-after") {
            // Seconds (Shopify sends a decimal such as `2.0`); an HTTP date is ignored.
            retry_after = value
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| Duration::from_secs_f64(s.min(3600.0)));
        }
    }
    if (100..200).contains(&status) {
        return match parse_answer(rest, eof) {
            Parsed::Invalid(_) if rest.is_empty() => Parsed::Incomplete,
            other => other,
        };
    }
    let body = if chunked {
        match dechunk(rest) {
            Ok(Some(body)) => body,
            Ok(None) => return Parsed::Incomplete,
            Err(detail) => return Parsed::Invalid(detail),
        }
    } else if let Some(length) = content_length {
        if rest.len() < length {
            return Parsed::Incomplete;
        }
        rest[..length].to_vec()
    } else if status == 204 || status == 304 {
        Vec::new()
    } else if eof {
        rest.to_vec()
    } else {
        return Parsed::Incomplete;
    };
    Parsed::Complete(Answer {
        status,
        reason,
        retry_after,
        body,
    })
}

/// A chunked body: `Ok(None)` until the last (empty) chunk has arrived.
fn dechunk(mut data: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut body = Vec::new();
    loop {
        let Some(line_end) = find(data, b"\r\n") else {
            return Ok(None);
        };
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size_hex = size_text.split(';').next().unwrap_or_default().trim();
        let size =
            usize::from_str_radix(size_hex, 16).map_err(|_| format!("chunk size {size_hex:?}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(Some(body));
        }
        if data.len() < size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&data[..size]);
        if &data[size..size + 2] != b"\r\n" {
            return Err("a chunk not followed by CRLF".into());
        }
        data = &data[size + 2..];
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_versions() {
        let token = || AccessToken::new("shpat_x");
        let c =
            ShopifyClient::new("s", "http://127.0.0.1:8080/p/", "2026-01", token()).expect("a URL");
        assert_eq!(
            c.endpoint(),
            "http://127.0.0.1:8080/p/admin/api/2026-01/graphql.json"
        );
        let err = ShopifyClient::new("s", "https://a.myshopify.com", "2026-01", token())
            .expect_err("https");
        assert!(err.to_string().contains("no TLS client"), "{err}");
        assert!(ShopifyClient::new("s", "http://h:1", "2026-1", token()).is_err());
        // Credentials in the URL are refused without being repeated.
        for url in [
            "http://admin:hunter2@h:1/",
            "https://admin:hunter2@a.myshopify.com",
        ] {
            let err = ShopifyClient::new("s", url, "2026-01", token()).expect_err("credentials");
            assert!(!format!("{err} {err:?}").contains("hunter2"), "{err:?}");
            assert!(err.to_string().contains("user:password@"), "{err}");
        }
        assert!(ShopifyClient::new("s", "http://h:1", "2026-01", AccessToken::new(" ")).is_err());
    }

    #[test]
    fn retry_after_and_throttle_wait() {
        let text =
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2.0\r\nContent-Length: 0\r\n\r\n";
        match parse_answer(text.as_bytes(), false) {
            Parsed::Complete(a) => {
                assert_eq!(a.status, 429);
                assert_eq!(a.retry_after, Some(Duration::from_secs(2)));
            }
            other => panic!("{other:?}"),
        }
        let cost = json!({"requestedQueryCost": 752, "throttleStatus":
            {"maximumAvailable": 1000.0, "currentlyAvailable": 666, "restoreRate": 50.0}});
        assert_eq!(throttle_wait(&cost), Some(Duration::from_secs(2)));
    }

    #[test]
    fn gids() {
        assert_eq!(gid("Order", "42"), "gid://shopify/Order/42");
        assert_eq!(
            gid("Order", "gid://shopify/Order/42"),
            "gid://shopify/Order/42"
        );
        assert_eq!(reference_uri("v 7/x"), "gid://aisle/ChannelFigure/v-7-x");
    }

    #[test]
    fn payload_of_pack_shipment() {
        let payload = json!({"shipment_id": 3, "order_id": "5001", "order_name": "#1001",
            "fulfillment": {"line_items": [{"id": "9001", "quantity": 2}],
              "tracking_info": {"number": "1Z999", "company": "UPS"},
              "tracking_numbers": ["1Z999", "1Z998"], "notify_customer": true}});
        let r = FulfillmentRequest::from_payload("s", &payload).expect("payload");
        assert_eq!(r.order_id, "5001");
        assert_eq!(r.lines[0].quantity, 2);
        assert_eq!(r.tracking.numbers.len(), 2);
        assert_eq!(r.tracking.company.as_deref(), Some("UPS"));
    }
}
