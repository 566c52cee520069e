//! `aisle hooks`: the HTTP receiver for channel webhooks (Shopify's `orders/*` topics).
//!
//! `POST /webhooks/shopify/{channel}`, where `{channel}` is a configured channel of kind
//! `shopify`. The body is read as raw bytes (at most [`HooksConfig::body_limit`]), its
//! `X-Shopify-Hmac-Sha256` checked in constant time against the channel's webhook secret, and
//! the order stored and reserved in one transaction with the event id that brought it, so that a
//! crash can never record the event without the order or the order without the event.
//!
//! # Answers
//!
//! Shopify waits about 5 s for an answer, retries anything but a 2xx 8 times over 4 hours, and
//! may delete a subscription that keeps failing. So a 2xx means "nothing more to do with this
//! delivery", and an error status is kept for what a retry can fix or what a human must.
//!
//! | request | status | written |
//! |---|---|---|
//! | stored (created, updated, cancelled, or a repeat of a stored order) | 200 `ok` | order + event |
//! | repeated event id (`X-Shopify-Event-Id`, else `X-Shopify-Webhook-Id`) | 200 `duplicate` | nothing |
//! | body malformed, or an order intake refuses (unknown SKU, …) | 200 `rejected` | `intake_errors` + event |
//! | a topic we do not handle (`products/update`, …) | 200 `ignored` | nothing (logged) |
//! | no or wrong signature | 401 | nothing |
//! | `X-Shopify-Shop-Domain` missing or not the channel's `shop_domain` setting (when set) | 403 | nothing |
//! | unknown channel, not of kind shopify, or inactive | 404 | nothing |
//! | not POST | 405 | nothing |
//! | no `X-Shopify-Topic`, or no event or webhook id | 400 | nothing |
//! | body over the limit | 413 | nothing |
//! | the channel's secret is not configured | 500 (logged with the variable's name) | nothing |
//! | database failure | 500 (Shopify retries; the event id makes the retry safe) | nothing |
//! | not answered within the request timeout | 503 (likewise) | nothing |
//! | any other path | 404 (logged) | nothing |
//!
//! A malformed payload is answered 200 rather than 422 because no retry of it can succeed:
//! Shopify would send the same bytes eight more times and then count the subscription as
//! failing. The rejection is stored in `intake_errors`, with the event id as its source, for
//! supervisors to see, and the event is recorded so that a retry adds no second error row.
//! Topics we do not handle are answered 200 for the same reason (a subscription someone added
//! by mistake should not get the channel's other subscriptions flagged); they are logged.
//!
//! The shop domain is checked because Shopify signs with the *app's* secret: an app installed in
//! several shops signs all their webhooks alike, so only the domain tells them apart.
//!
//! The receiver speaks plain HTTP/1.1: Shopify delivers only to HTTPS addresses, so it runs
//! behind a TLS-terminating reverse proxy or tunnel. Each request must be answered within
//! [`HooksConfig::request_timeout`] (else 503); on shutdown, requests in flight finish, and
//! connections still open after [`HooksConfig::shutdown_grace`] are closed.
//!
//! Secrets come from the environment, `AISLE_CHANNEL_<NAME>_WEBHOOK_SECRET`
//! ([`Channel::secret_variable`]), read when a request needs one; they are never logged and
//! never answered. Each request is logged once with its channel, topic, event id, outcome,
//! status and elapsed time — never the signature header.
//!
//! [`Channel::secret_variable`]: crate::db::channels::Channel::secret_variable

mod receiver;
pub mod signature;

use std::collections::HashMap;
use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;
use sqlx::PgPool;
use tokio::net::TcpListener;

pub use self::signature::Secret;
use crate::db::channels::Channel;
use crate::db::operators::{self, SystemActor};
use crate::{Error, Result};

/// The largest body accepted (413 above it). Shopify order payloads are a few KiB to a few
/// hundred KiB for orders with hundreds of lines.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// What [`Channel::secret_variable`] is asked for: `AISLE_CHANNEL_<NAME>_WEBHOOK_SECRET`.
pub const SECRET_NAME: &str = "webhook_secret";

/// The route, with `{channel}` the channel's name.
pub const SHOPIFY_ROUTE: &str = "/webhooks/shopify/{channel}";

/// Where the receiver finds each channel's webhook secret.
#[derive(Clone, Default)]
pub enum SecretSource {
    /// The environment variable [`Channel::secret_variable`]`("webhook_secret")`, read when a
    /// request needs it. An unset or empty variable means no secret: every request for that
    /// channel is answered 500, and nothing is accepted unsigned.
    #[default]
    Environment,
    /// Fixed secrets by channel name, for tests and for embedding the receiver; a channel not
    /// in the map has no secret.
    Fixed(HashMap<String, Secret>),
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Environment => f.write_str("Environment"),
            SecretSource::Fixed(map) => {
                let mut names: Vec<&str> = map.keys().map(String::as_str).collect();
                names.sort_unstable();
                f.debug_tuple("Fixed").field(&names).finish()
            }
        }
    }
}

impl SecretSource {
    /// One fixed secret for one channel.
    pub fn fixed(channel: &str, secret: impl Into<Vec<u8>>) -> Self {
        SecretSource::Fixed(HashMap::from([(channel.to_string(), Secret::new(secret))]))
    }

    /// The channel's secret, or the name of the variable that should hold it.
    pub(crate) fn lookup(&self, channel: &Channel) -> std::result::Result<Secret, String> {
        self.lookup_with(channel, |variable| std::env::var_os(variable))
    }

    fn lookup_with(
        &self,
        channel: &Channel,
        env: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> std::result::Result<Secret, String> {
        let variable = channel.secret_variable(SECRET_NAME);
        let secret = match self {
            SecretSource::Environment => {
                env(&variable).map(|value| Secret::new(value.into_encoded_bytes()))
            }
            SecretSource::Fixed(map) => map.get(&channel.name).cloned(),
        };
        secret.filter(|s| !s.is_empty()).ok_or(variable)
    }
}

/// How long one request may take, body included, before it is answered 503 (and its
/// transaction, if any, rolled back). Shopify gives up after about 5 s, and retries.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// How long shutdown waits for connections still open (a request in flight, a client that never
/// finishes its headers) before closing them.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How the receiver runs.
#[derive(Debug, Clone)]
pub struct HooksConfig {
    /// The largest request body accepted, in bytes; larger ones are answered 413.
    pub body_limit: usize,
    /// See [`DEFAULT_REQUEST_TIMEOUT`].
    pub request_timeout: Duration,
    /// See [`DEFAULT_SHUTDOWN_GRACE`].
    pub shutdown_grace: Duration,
    pub secrets: SecretSource,
}

impl Default for HooksConfig {
    fn default() -> Self {
        HooksConfig {
            body_limit: DEFAULT_BODY_LIMIT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            secrets: SecretSource::Environment,
        }
    }
}

/// What every request handler shares.
struct HooksState {
    pool: PgPool,
    config: HooksConfig,
    /// `system:intake`, the actor of everything the receiver writes.
    actor: operators::Operator,
}

/// Serves Shopify webhooks on `listener` with the default configuration (secrets from the
/// environment) until `shutdown` completes, then finishes the requests in flight and returns.
pub async fn serve(
    pool: PgPool,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    serve_with(pool, listener, HooksConfig::default(), shutdown).await
}

/// [`serve`] with a configuration of the caller's.
pub async fn serve_with(
    pool: PgPool,
    listener: TcpListener,
    config: HooksConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let actor = operators::system_actor(&pool, SystemActor::Intake).await?;
    warn_about_missing_secrets(&pool, &config.secrets).await?;
    let address = listener
        .local_addr()
        .map_err(|e| Error::io("the webhook listener's address", e))?;
    let body_limit = config.body_limit;
    let grace = config.shutdown_grace;
    let state = Arc::new(HooksState {
        pool,
        config,
        actor,
    });
    let app = Router::new()
        .route(SHOPIFY_ROUTE, post(receiver::shopify))
        .fallback(receiver::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state);
    tracing::info!(%address, body_limit, "webhook receiver listening");
    // Graceful shutdown waits for every open connection; after the grace period the ones left
    // are dropped (a request cut off there rolls back, and Shopify's retry is deduplicated).
    let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!(%address, "webhook receiver stopping");
        let _ = stopping.send(());
    });
    let overdue = async move {
        if stopped.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        served = server.into_future() => {
            served.map_err(|e| Error::io(format!("serving webhooks on {address}"), e))?;
        }
        () = overdue => {
            tracing::warn!(%address, ?grace, "connections still open after the grace period: closed");
        }
    }
    tracing::info!(%address, "webhook receiver stopped");
    Ok(())
}

/// Says at startup which active Shopify channels cannot be verified, so that a missing secret
/// is found before the first order is refused.
async fn warn_about_missing_secrets(pool: &PgPool, secrets: &SecretSource) -> Result<()> {
    let channels = sqlx::query_as::<_, Channel>(
        "select id, name, kind::text as kind, warehouse_id, allows_partial_shipment, active, settings
           from channels where kind = 'shopify' and active order by name",
    )
    .fetch_all(pool)
    .await?;
    for channel in &channels {
        if let Err(variable) = secrets.lookup(channel) {
            tracing::warn!(
                channel = %channel.name,
                %variable,
                "no webhook secret configured: its webhooks will be answered 500 until it is set"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(name: &str) -> Channel {
        Channel {
            id: 1,
            name: name.into(),
            kind: "shopify".into(),
            warehouse_id: 1,
            allows_partial_shipment: false,
            active: true,
            settings: serde_json::json!({}),
        }
    }

    #[test]
    fn the_environment_source_reads_the_channels_own_variable() {
        let env = |variable: &str| {
            (variable == "AISLE_CHANNEL_SHOPIFY_MAIN_WEBHOOK_SECRET").then(|| "s3cret".into())
        };
        let source = SecretSource::Environment;
        assert_eq!(
            source.lookup_with(&channel("shopify-main"), env),
            Ok(Secret::new("s3cret"))
        );
        assert_eq!(
            source.lookup_with(&channel("shopify-eu"), env),
            Err("AISLE_CHANNEL_SHOPIFY_EU_WEBHOOK_SECRET".to_string())
        );
        let empty = |_: &str| Some("".into());
        assert!(source.lookup_with(&channel("shopify-main"), empty).is_err());
    }

    #[test]
    fn fixed_secrets_are_by_channel_name_and_never_shown() {
        let source = SecretSource::fixed("shopify-main", "s3cret");
        let none = |_: &str| None;
        assert_eq!(
            source.lookup_with(&channel("shopify-main"), none),
            Ok(Secret::new("s3cret"))
        );
        assert!(source.lookup_with(&channel("shopify-eu"), none).is_err());
        let shown = format!(
            "{:?}",
            HooksConfig {
                secrets: source,
                ..HooksConfig::default()
            }
        );
        assert!(
            shown.contains("shopify-main") && !shown.contains("s3cret"),
            "{shown}"
        );
    }
}
