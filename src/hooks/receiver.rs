//! One Shopify webhook delivery, from the request to its answer (the table in [`super`] says
//! which answer when). Each request ends in exactly one [`Outcome`], logged once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use sqlx::PgConnection;

use super::{HooksState, signature};
use crate::channels::ParsedOrders;
use crate::channels::shopify::{self, ShopifyTopic};
use crate::db::channels::{self, Channel};
use crate::db::intake::{self, IntakeReport};
use crate::{Error, Result};

const HMAC_HEADER: &str = "x-shopify-hmac-sha256";
const TOPIC_HEADER: &str = "x-shopify-topic";
const EVENT_ID_HEADER: &str = "x-shopify-event-id";
const WEBHOOK_ID_HEADER: &str = "x-shopify-webhook-id";
const SHOP_DOMAIN_HEADER: &str = "x-shopify-shop-domain";
const TRIGGERED_AT_HEADER: &str = "x-shopify-triggered-at";

/// Longest event id taken (Shopify's are UUIDs); longer ones are refused with 400.
const MAX_EVENT_ID: usize = 200;

/// Attempts of one delivery's transaction when Postgres reports a deadlock or a serialisation
/// failure (nothing was applied; trying again is safe).
const ATTEMPTS: u32 = 3;

/// How one delivery ended.
enum Outcome {
    Stored(IntakeReport),
    Rejected(IntakeReport),
    Duplicate,
    IgnoredTopic(String),
    BadSignature,
    ShopMismatch,
    UnknownChannel,
    NotShopify,
    Inactive,
    MissingTopic,
    MissingEventId,
    BadEventId,
    BodyRefused(StatusCode, String),
    TimedOut,
    NoSecret(String),
    Failed(Error),
}

impl Outcome {
    fn status(&self) -> StatusCode {
        match self {
            Outcome::Stored(_)
            | Outcome::Rejected(_)
            | Outcome::Duplicate
            | Outcome::IgnoredTopic(_) => StatusCode::OK,
            Outcome::BadSignature => StatusCode::UNAUTHORIZED,
            Outcome::ShopMismatch => StatusCode::FORBIDDEN,
            Outcome::UnknownChannel | Outcome::NotShopify | Outcome::Inactive => {
                StatusCode::NOT_FOUND
            }
            Outcome::MissingTopic | Outcome::MissingEventId | Outcome::BadEventId => {
                StatusCode::BAD_REQUEST
            }
            Outcome::BodyRefused(status, _) => *status,
            Outcome::TimedOut => StatusCode::SERVICE_UNAVAILABLE,
            Outcome::NoSecret(_) | Outcome::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A short name for the log.
    fn name(&self) -> &'static str {
        match self {
            Outcome::Stored(_) => "stored",
            Outcome::Rejected(_) => "rejected",
            Outcome::Duplicate => "duplicate",
            Outcome::IgnoredTopic(_) => "ignored",
            Outcome::BadSignature => "bad signature",
            Outcome::ShopMismatch => "shop mismatch",
            Outcome::UnknownChannel => "unknown channel",
            Outcome::NotShopify => "not a shopify channel",
            Outcome::Inactive => "inactive channel",
            Outcome::MissingTopic => "no topic",
            Outcome::MissingEventId => "no event id",
            Outcome::BadEventId => "bad event id",
            Outcome::BodyRefused(..) => "body refused",
            Outcome::TimedOut => "timed out",
            Outcome::NoSecret(_) => "no secret",
            Outcome::Failed(_) => "failed",
        }
    }

    /// The answer's body: one line for whoever reads Shopify's delivery log, never a secret.
    fn message(&self) -> String {
        match self {
            Outcome::Stored(_) => "ok".into(),
            Outcome::Rejected(report) => format!(
                "rejected: {} (recorded in intake_errors)",
                report
                    .rejected
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Outcome::Duplicate => "duplicate: this event was received before".into(),
            Outcome::IgnoredTopic(topic) => format!("ignored: topic {topic:?} is not handled"),
            Outcome::BadSignature => {
                "unauthorized: expected X-Shopify-Hmac-Sha256, the base64 HMAC-SHA256 of the body under the channel's webhook secret".into()
            }
            Outcome::ShopMismatch => {
                "forbidden: X-Shopify-Shop-Domain is not this channel's shop".into()
            }
            Outcome::UnknownChannel => {
                "not found: expected the name of a configured channel".into()
            }
            Outcome::NotShopify => "not found: that channel does not take Shopify webhooks".into(),
            Outcome::Inactive => "not found: that channel is inactive".into(),
            Outcome::MissingTopic => "bad request: expected an X-Shopify-Topic header".into(),
            Outcome::MissingEventId => {
                "bad request: expected an X-Shopify-Event-Id or X-Shopify-Webhook-Id header".into()
            }
            Outcome::BadEventId => format!(
                "bad request: expected an event id of at most {MAX_EVENT_ID} visible ASCII characters"
            ),
            Outcome::BodyRefused(_, why) => why.clone(),
            Outcome::TimedOut => "service unavailable: not done in time; try again".into(),
            Outcome::NoSecret(_) => {
                "server error: the channel's webhook secret is not configured".into()
            }
            Outcome::Failed(_) => "server error: try again".into(),
        }
    }
}

/// What the log says about the request, whatever its outcome.
#[derive(Default)]
struct Delivery {
    topic: Option<String>,
    event_id: Option<String>,
    triggered_at: Option<String>,
}

/// `POST /webhooks/shopify/{channel}`.
pub(super) async fn shopify(
    State(state): State<Arc<HooksState>>,
    Path(channel_name): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let started = Instant::now();
    let headers = request.headers().clone();
    let delivery = Delivery {
        topic: text(&headers, TOPIC_HEADER).map(for_log),
        event_id: event_id(&headers).map(for_log),
        triggered_at: text(&headers, TRIGGERED_AT_HEADER).map(for_log),
    };
    let outcome = tokio::time::timeout(
        state.config.request_timeout,
        receive(&state, &channel_name, &headers, request),
    )
    .await
    .unwrap_or(Outcome::TimedOut);
    let status = outcome.status();
    log(&for_log(&channel_name), peer, &delivery, &outcome, started);
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        outcome.message(),
    )
        .into_response()
}

async fn receive(
    state: &HooksState,
    channel_name: &str,
    headers: &HeaderMap,
    request: Request,
) -> Outcome {
    // Refuse an announced oversized body before reading any of it.
    let announced = text(headers, header::CONTENT_LENGTH.as_str()).and_then(|v| v.parse().ok());
    if announced.is_some_and(|length: u64| length > state.config.body_limit as u64) {
        return Outcome::BodyRefused(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "payload too large: expected at most {} bytes",
                state.config.body_limit
            ),
        );
    }
    let channel = match channels::by_name(&state.pool, channel_name).await {
        Ok(channel) => channel,
        Err(Error::Invalid(_)) => return Outcome::UnknownChannel,
        Err(e) => return Outcome::Failed(e),
    };
    if channel.kind != "shopify" {
        return Outcome::NotShopify;
    }
    if !channel.active {
        return Outcome::Inactive;
    }
    // The body as received, byte for byte: the signature covers exactly these bytes.
    let body = match Bytes::from_request(request, &()).await {
        Ok(body) => body,
        Err(rejection) => {
            return Outcome::BodyRefused(rejection.status(), rejection.body_text());
        }
    };
    let secret = match state.config.secrets.lookup(&channel) {
        Ok(secret) => secret,
        Err(variable) => return Outcome::NoSecret(variable),
    };
    let signed =
        text(headers, HMAC_HEADER).is_some_and(|value| signature::verify(&secret, &body, value));
    if !signed {
        return Outcome::BadSignature;
    }
    if let Some(shop) = channel.setting("shop_domain") {
        let sent = text(headers, SHOP_DOMAIN_HEADER).unwrap_or_default();
        if !sent.trim().eq_ignore_ascii_case(shop.trim()) {
            return Outcome::ShopMismatch;
        }
    }
    let Some(topic_header) = text(headers, TOPIC_HEADER) else {
        return Outcome::MissingTopic;
    };
    let Some(topic) = ShopifyTopic::from_header(topic_header) else {
        return Outcome::IgnoredTopic(topic_header.to_owned());
    };
    let Some(event_id) = event_id(headers) else {
        return Outcome::MissingEventId;
    };
    if event_id.len() > MAX_EVENT_ID || !event_id.bytes().all(|b| b.is_ascii_graphic()) {
        return Outcome::BadEventId;
    }
    // Parsed before the transaction opens, so that it holds the event's key no longer than the
    // intake takes.
    let parsed: ParsedOrders = vec![shopify::parse_order(&body, topic)];
    match apply(state, &channel, topic, event_id, parsed).await {
        Ok(None) => Outcome::Duplicate,
        Ok(Some(report)) if report.rejected.is_empty() => Outcome::Stored(report),
        Ok(Some(report)) => Outcome::Rejected(report),
        Err(e) => Outcome::Failed(e),
    }
}

/// Records the event and ingests its order in one transaction. `None` when the event was
/// recorded before (nothing is applied again).
async fn apply(
    state: &HooksState,
    channel: &Channel,
    topic: ShopifyTopic,
    event_id: &str,
    parsed: ParsedOrders,
) -> Result<Option<IntakeReport>> {
    let mut attempt = 1;
    loop {
        let mut tx = state.pool.begin().await?;
        match apply_in(&mut tx, state, channel, topic, event_id, parsed.clone()).await {
            Ok(Some(report)) => {
                tx.commit().await?;
                return Ok(Some(report));
            }
            Ok(None) => {
                tx.rollback().await?;
                return Ok(None);
            }
            Err(e) if e.is_retryable() && attempt < ATTEMPTS => {
                tracing::warn!(error = %e, attempt, event_id, "webhook transaction retried");
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn apply_in(
    conn: &mut PgConnection,
    state: &HooksState,
    channel: &Channel,
    topic: ShopifyTopic,
    event_id: &str,
    parsed: ParsedOrders,
) -> Result<Option<IntakeReport>> {
    // A concurrent delivery of the same event waits here on the key until the first commits
    // (then finds it) or rolls back (then goes on).
    let first = sqlx::query(
        "insert into webhook_events (channel_id, event_id, topic) values ($1, $2, $3)
         on conflict (channel_id, event_id) do nothing",
    )
    .bind(channel.id)
    .bind(event_id)
    .bind(topic.as_header())
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if !first {
        return Ok(None);
    }
    let source = format!("webhook {} event {event_id}", topic.as_header());
    let report = intake::ingest_in(conn, channel, &source, parsed, &state.actor).await?;
    Ok(Some(report))
}

/// A header's value as text, when present, non-blank and visible ASCII.
fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// `X-Shopify-Event-Id` (the id Shopify's dedupe guidance names), else `X-Shopify-Webhook-Id`
/// (the same on every retry of one delivery).
fn event_id(headers: &HeaderMap) -> Option<&str> {
    text(headers, EVENT_ID_HEADER).or_else(|| text(headers, WEBHOOK_ID_HEADER))
}

/// Any other path: 404, logged, so that a subscription with a mistyped address shows up.
pub(super) async fn not_found(
    method: Method,
    uri: Uri,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> impl IntoResponse {
    tracing::warn!(
        %peer,
        %method,
        path = for_log(uri.path()),
        status = 404,
        "no such webhook address: expected POST /webhooks/shopify/<channel>"
    );
    (
        StatusCode::NOT_FOUND,
        "not found: expected POST /webhooks/shopify/<channel>",
    )
}

/// At most [`MAX_EVENT_ID`] characters of a value the sender chose, before anything verified it.
fn for_log(value: &str) -> String {
    value.chars().take(MAX_EVENT_ID).collect()
}

fn log(channel: &str, peer: SocketAddr, delivery: &Delivery, outcome: &Outcome, started: Instant) {
    let status = outcome.status().as_u16();
    let outcome_name = outcome.name();
    let elapsed = started.elapsed();
    let topic = delivery.topic.as_deref().unwrap_or("-");
    let event_id = delivery.event_id.as_deref().unwrap_or("-");
    let triggered_at = delivery.triggered_at.as_deref().unwrap_or("-");
    macro_rules! event {
        ($level:ident, $($extra:tt)*) => {
            tracing::$level!(
                channel,
                %peer,
                topic,
                event_id,
                triggered_at,
                outcome = outcome_name,
                status,
                ?elapsed,
                $($extra)*
            )
        };
    }
    match outcome {
        Outcome::Stored(report) => event!(
            info,
            created = report.created,
            updated = report.updated,
            cancelled = report.cancelled,
            unchanged = report.unchanged,
            units_reserved = report.units_reserved,
            "webhook applied"
        ),
        Outcome::Rejected(report) => event!(
            warn,
            rejected = %outcome.message(),
            stored = report.orders.len(),
            "webhook payload refused; recorded in intake_errors"
        ),
        Outcome::Duplicate => event!(info, "webhook event seen before; nothing applied"),
        Outcome::IgnoredTopic(_) => event!(info, "webhook topic not handled; ignored"),
        Outcome::NoSecret(variable) => event!(
            error,
            %variable,
            "webhook refused: the channel's secret variable is not set"
        ),
        Outcome::Failed(error) => event!(error, %error, "webhook failed"),
        _ => event!(warn, "webhook refused"),
    }
}
