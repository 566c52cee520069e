//! Delivery of the outbox: claiming messages under a lease, recording what the channel answered,
//! retries with backoff, the dead-letter state and the queue's status (issue 6, DESIGN.md
//! invariant 4).
//!
//! A worker never holds a row lock across a network call. It [`claim`]s due messages in one short
//! statement (`FOR UPDATE SKIP LOCKED`, so several workers take disjoint messages), which marks
//! them in flight under a lease and commits; it sends each one outside any transaction; then it
//! records the outcome with [`record_delivered`] or [`record_failure`]. A worker that dies
//! mid-send loses nothing: once its lease runs out the message is claimed again, and the resend is
//! safe because each claim carries an idempotency key (and a stock figure is an absolute
//! quantity).
//!
//! Stock figures are one row per (warehouse, channel, sku), rewritten with a new version by the
//! floor (`inv_refresh_channel_figures_of`), so they are coalesced already: a worker sends the
//! latest figure. A figure rewritten while in flight goes back to `pending` but keeps the live
//! lease, and [`claim`] skips it until the first worker has recorded its outcome: one row is held
//! by at most one worker at a time, so figures are never sent out of order. The first worker's
//! outcome then finds the newer version and leaves the row due at once, so the new figure is
//! sent next.
//!
//! Each claim is fenced by the row's claim count (`outbox.claims`, migration 18): an outcome is
//! recorded only by the claim that is still current, so a worker that outlived its lease cannot
//! overwrite the state of the worker that took the message over.
//!
//! The pure decisions (idempotency keys, backoff, what a failure leads to) are plain functions
//! next to the SQL, tested without a database.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::{Error, Result};

/// Failures after which a message goes to the dead-letter state: with the backoff below, about
/// four minutes of retries (2 + 4 + … + 128 s) before an operator has to look.
pub const MAX_ATTEMPTS: i32 = 8;

/// The longest wait between two tries of our own choosing.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The longest `Retry-After` honoured: a channel asking for more is retried after this, rather
/// than leaving a figure unsent for a day on one answer.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// How many dead messages [`status`] lists (it counts them all).
pub const DEAD_LISTED: i64 = 50;

/// What an outbox message carries (`outbox_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A channel's available quantity of one SKU.
    Stock,
    /// A shipment to confirm to Shopify or Amazon.
    Shipment,
    Edi997,
    Edi846,
    Edi856,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Stock => "stock",
            MessageKind::Shipment => "shipment",
            MessageKind::Edi997 => "edi_997",
            MessageKind::Edi846 => "edi_846",
            MessageKind::Edi856 => "edi_856",
        }
    }

    fn from_db(text: &str) -> Result<Self> {
        Ok(match text {
            "stock" => MessageKind::Stock,
            "shipment" => MessageKind::Shipment,
            "edi_997" => MessageKind::Edi997,
            "edi_846" => MessageKind::Edi846,
            "edi_856" => MessageKind::Edi856,
            other => {
                return Err(Error::Invalid(format!(
                    "unknown outbox message kind {other:?}"
                )));
            }
        })
    }
}

impl std::fmt::Display for MessageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message this worker holds until `lease_until`: send it, then record the outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claimed {
    pub warehouse_id: i32,
    pub id: i64,
    pub channel_id: i32,
    /// The channel's name and kind (`shopify`, `amazon`, `edi`, `manual`).
    pub channel: String,
    pub channel_kind: String,
    pub kind: MessageKind,
    /// For stock figures: the SKU and the figure to set.
    pub sku_id: Option<i32>,
    pub quantity: Option<i32>,
    /// The version claimed; a stock figure is marked delivered only if the row still holds it.
    pub version: i64,
    /// The version the channel last acknowledged, if any.
    pub delivered_version: Option<i64>,
    pub payload: Option<serde_json::Value>,
    /// Failed tries of this message (of this figure, for stock) before this claim.
    pub attempts: i32,
    /// Which claim of the row this is: the fence checked when the outcome is recorded.
    pub claim: i64,
    pub lease_until: DateTime<Utc>,
    /// Sent with the message where the channel takes one, so that a resend after a crash changes
    /// nothing twice: see [`idempotency_key`].
    pub idempotency_key: String,
}

#[derive(sqlx::FromRow)]
struct ClaimedRow {
    warehouse_id: i32,
    id: i64,
    channel_id: i32,
    channel: String,
    channel_kind: String,
    kind: String,
    sku_id: Option<i32>,
    quantity: Option<i32>,
    version: i64,
    delivered_version: Option<i64>,
    payload: Option<serde_json::Value>,
    attempts: i32,
    claims: i64,
    lease_until: DateTime<Utc>,
}

impl ClaimedRow {
    fn into_claimed(self) -> Result<Claimed> {
        let kind = MessageKind::from_db(&self.kind)?;
        Ok(Claimed {
            idempotency_key: idempotency_key(kind, self.warehouse_id, self.id, self.version),
            warehouse_id: self.warehouse_id,
            id: self.id,
            channel_id: self.channel_id,
            channel: self.channel,
            channel_kind: self.channel_kind,
            kind,
            sku_id: self.sku_id,
            quantity: self.quantity,
            version: self.version,
            delivered_version: self.delivered_version,
            payload: self.payload,
            attempts: self.attempts,
            claim: self.claims,
            lease_until: self.lease_until,
        })
    }
}

/// The idempotency key of a message: a stock figure's names its version, because each version is
/// a different figure to set and the same version sent twice must count once; other messages are
/// written once and never change, so their id is enough.
pub fn idempotency_key(kind: MessageKind, warehouse_id: i32, id: i64, version: i64) -> String {
    match kind {
        MessageKind::Stock => format!("aisle-{warehouse_id}-{id}-v{version}"),
        _ => format!("aisle-{warehouse_id}-{id}"),
    }
}

/// Claims up to `limit` due messages for `worker` under a lease of `lease`, oldest due first.
///
/// Due means pending with `next_attempt_at` reached and no live lease (a stock figure rewritten
/// while another worker sends the older one waits for that worker), or in flight with a lease that
/// ran out (its worker died or hung). One statement, so one short transaction: the rows are
/// locked with `SKIP LOCKED` (concurrent workers and floor transactions are passed over, never
/// waited for), marked in flight, and committed before anything is sent.
pub async fn claim(
    pool: &PgPool,
    worker: &str,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Claimed>> {
    let rows: Vec<ClaimedRow> = sqlx::query_as(
        "with due as (
             select warehouse_id, id from outbox
              where (status = 'pending' and next_attempt_at <= now()
                     and (lease_until is null or lease_until <= now()))
                 or (status = 'in_flight' and lease_until <= now())
              order by next_attempt_at, id
              limit $3
              for update skip locked
         )
         update outbox o
            set status = 'in_flight',
                lease_until = now() + make_interval(secs => $2),
                claimed_by = $1,
                claims = o.claims + 1
           from due, channels c
          where o.warehouse_id = due.warehouse_id and o.id = due.id and c.id = o.channel_id
         returning o.warehouse_id, o.id, o.channel_id, c.name as channel,
                   c.kind::text as channel_kind, o.kind::text as kind, o.sku_id, o.quantity,
                   o.version, o.delivered_version, o.payload, o.attempts, o.claims,
                   o.lease_until",
    )
    .bind(worker)
    .bind(lease.as_secs_f64())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut claimed = rows
        .into_iter()
        .map(ClaimedRow::into_claimed)
        .collect::<Result<Vec<_>>>()?;
    // RETURNING gives no order. Messages in one claim are independent (each row's own figures
    // are kept in order by its lease), so the order of writing is as good as any.
    claimed.sort_by_key(|c| (c.warehouse_id, c.id));
    tracing::debug!(worker, claimed = claimed.len(), "claimed outbox messages");
    Ok(claimed)
}

/// What recording a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Delivered {
    /// Marked delivered.
    Delivered,
    /// A newer figure was upserted while this one was in flight: the channel has the claimed
    /// version (recorded as `delivered_version`) and the row is due again for `version`.
    Superseded { version: i64 },
    /// The claim is no longer current (the lease ran out and another worker took the message):
    /// nothing was changed; that worker records its own outcome.
    ClaimLost,
}

/// Records that the channel accepted the message as claimed.
///
/// A stock figure is marked delivered only if its row still holds the claimed version; if a newer
/// version was upserted meanwhile the row stays pending, due at once, so the new figure is sent
/// next. `updated_at` is left alone: it says when the content was last written, which is what
/// the oldest-unsent age of [`status`] measures.
pub async fn record_delivered(pool: &PgPool, claimed: &Claimed) -> Result<Delivered> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "update outbox
            set status = case when version = $3 then 'delivered' else 'pending' end::outbox_status,
                delivered_version = case when kind = 'stock' then $3 end,
                delivered_at = case when version = $3 then now() else delivered_at end,
                next_attempt_at = case when version = $3 then next_attempt_at
                                       else least(next_attempt_at, now()) end,
                last_error = case when version = $3 then null else last_error end,
                lease_until = null
          where warehouse_id = $1 and id = $2 and claims = $4
            and status in ('in_flight', 'pending')
         returning status::text, version",
    )
    .bind(claimed.warehouse_id)
    .bind(claimed.id)
    .bind(claimed.version)
    .bind(claimed.claim)
    .fetch_optional(pool)
    .await?;
    let outcome = match row {
        None => Delivered::ClaimLost,
        Some((status, _)) if status == "delivered" => Delivered::Delivered,
        Some((_, version)) => Delivered::Superseded { version },
    };
    tracing::debug!(
        warehouse = claimed.warehouse_id,
        id = claimed.id,
        version = claimed.version,
        ?outcome,
        "delivery recorded"
    );
    Ok(outcome)
}

/// Why a send failed, as the channel's sender classifies it.
///
/// `reason` is stored as given in `outbox.last_error` and shown by `aisle sync --status`: the
/// sender passes the channel's error text and must leave credentials, tokens and signed URLs out
/// of it; nothing here can tell a secret from an error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth trying again: a timeout, a 429 (with its `Retry-After` as `after`), a 5xx, a
    /// malformed answer.
    Retry {
        after: Option<Duration>,
        reason: String,
    },
    /// The channel refused the message itself (an unknown SKU, a rejected payload): trying again
    /// cannot help, so it goes to the dead-letter state at once.
    Permanent { reason: String },
}

impl Failure {
    pub fn reason(&self) -> &str {
        match self {
            Failure::Retry { reason, .. } | Failure::Permanent { reason } => reason,
        }
    }
}

/// What a failure leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AfterFailure {
    /// Pending again, due after `after`; `attempts` failures so far.
    Retry { attempts: i32, after: Duration },
    /// In the dead-letter state after `attempts` failures, until `aisle sync --retry`.
    Dead { attempts: i32 },
    /// The claim is no longer current: nothing was changed.
    ClaimLost,
}

/// The wait before try `attempts + 1`, our own choice: 2^attempts seconds, at most
/// [`MAX_BACKOFF`]. Deterministic (no jitter): workers take disjoint messages, so they do not
/// retry in lockstep, and tests can say exactly when a message is due.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(0, 16) as u32;
    Duration::from_secs(1u64 << exponent).min(MAX_BACKOFF)
}

/// The pure decision after a failure. `attempts` counts failures including this one;
/// `superseded` says a newer stock figure was upserted while the failed one was in flight.
///
/// A retryable failure waits for the channel's `Retry-After` when it gave one (at most
/// [`MAX_RETRY_AFTER`]), else for [`backoff`], and is dead after [`MAX_ATTEMPTS`]. A permanent
/// one is dead at once — unless a newer figure is waiting: the refusal concerned the old figure,
/// so the new one gets its own tries (the floor's upsert restarted its count).
pub fn after_failure(attempts: i32, failure: &Failure, superseded: bool) -> AfterFailure {
    let retry = |after: Option<Duration>| AfterFailure::Retry {
        attempts,
        after: after.map_or_else(|| backoff(attempts), |a| a.min(MAX_RETRY_AFTER)),
    };
    match failure {
        Failure::Permanent { .. } if superseded => retry(None),
        Failure::Permanent { .. } => AfterFailure::Dead { attempts },
        Failure::Retry { after, .. } if superseded || attempts < MAX_ATTEMPTS => retry(*after),
        Failure::Retry { .. } => AfterFailure::Dead { attempts },
    }
}

/// Records a failed send: pending again after a wait, or dead with the channel's error text in
/// `last_error` (see [`Failure`] on secrets). One short transaction: the row is read under lock,
/// the decision made by [`after_failure`], the row written.
pub async fn record_failure(
    pool: &PgPool,
    claimed: &Claimed,
    failure: Failure,
) -> Result<AfterFailure> {
    let mut tx = pool.begin().await?;
    let row: Option<(i32, i64)> = sqlx::query_as(
        "select attempts, version from outbox
          where warehouse_id = $1 and id = $2 and claims = $3
            and status in ('in_flight', 'pending')
          for update",
    )
    .bind(claimed.warehouse_id)
    .bind(claimed.id)
    .bind(claimed.claim)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((attempts, version)) = row else {
        return Ok(AfterFailure::ClaimLost);
    };
    let attempts = attempts.saturating_add(1);
    let decision = after_failure(attempts, &failure, version != claimed.version);
    let (dead, wait) = match decision {
        AfterFailure::Dead { .. } => (true, Duration::ZERO),
        AfterFailure::Retry { after, .. } => (false, after),
        AfterFailure::ClaimLost => return Ok(decision),
    };
    sqlx::query(
        "update outbox
            set status = case when $3 then 'dead' else 'pending' end::outbox_status,
                attempts = $4,
                next_attempt_at = now() + make_interval(secs => $5),
                last_error = $6,
                lease_until = null
          where warehouse_id = $1 and id = $2",
    )
    .bind(claimed.warehouse_id)
    .bind(claimed.id)
    .bind(dead)
    .bind(attempts)
    .bind(wait.as_secs_f64())
    .bind(failure.reason())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    if dead {
        tracing::warn!(
            warehouse = claimed.warehouse_id,
            id = claimed.id,
            channel = %claimed.channel,
            attempts,
            "outbox message is dead"
        );
    } else {
        tracing::info!(
            warehouse = claimed.warehouse_id,
            id = claimed.id,
            channel = %claimed.channel,
            attempts,
            wait_s = wait.as_secs_f64(),
            "outbox message will be retried"
        );
    }
    Ok(decision)
}

/// Puts a dead message back in the queue, due now, with its count of tries restarted; its last
/// error stays until the next try replaces it. Refused for a message that is not dead.
pub async fn retry_dead(pool: &PgPool, warehouse_id: i32, id: i64) -> Result<()> {
    let mut tx = pool.begin().await?;
    let status: Option<String> = sqlx::query_scalar(
        "select status::text from outbox where warehouse_id = $1 and id = $2 for update",
    )
    .bind(warehouse_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    match status.as_deref() {
        None => {
            return Err(Error::Invalid(format!(
                "no outbox message {id} in this warehouse"
            )));
        }
        Some("dead") => {}
        Some(other) => {
            return Err(Error::Invalid(format!(
                "outbox message {id} is {other}, not dead: only dead messages are retried"
            )));
        }
    }
    sqlx::query(
        "update outbox
            set status = 'pending', attempts = 0, next_attempt_at = now(), lease_until = null
          where warehouse_id = $1 and id = $2",
    )
    .bind(warehouse_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(warehouse = warehouse_id, id, "dead outbox message put back");
    Ok(())
}

/// Counts of one channel's queue, or of all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    /// Messages not yet delivered and not dead: pending and in flight.
    pub depth: i64,
    pub in_flight: i64,
    pub dead: i64,
    /// Messages not delivered that failed at least once (dead ones included).
    pub failures: i64,
    /// Seconds since the oldest message not delivered (dead ones included) was written; none
    /// when everything is delivered.
    pub oldest_unsent_age_s: Option<i64>,
}

impl QueueCounts {
    fn add(&mut self, other: &QueueCounts) {
        self.depth += other.depth;
        self.in_flight += other.in_flight;
        self.dead += other.dead;
        self.failures += other.failures;
        self.oldest_unsent_age_s = match (self.oldest_unsent_age_s, other.oldest_unsent_age_s) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// One channel's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelQueue {
    pub channel: String,
    pub kind: String,
    #[serde(flatten)]
    pub counts: QueueCounts,
}

/// A message in the dead-letter state, with the channel's error text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DeadMessage {
    pub warehouse_id: i32,
    pub id: i64,
    pub channel: String,
    pub kind: String,
    pub sku: Option<String>,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// The outbox as `aisle sync --status` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// Every channel, in name order, also those with nothing queued.
    pub channels: Vec<ChannelQueue>,
    pub totals: QueueCounts,
    /// The oldest [`DEAD_LISTED`] dead messages (`totals.dead` counts them all).
    pub dead_messages: Vec<DeadMessage>,
}

#[derive(sqlx::FromRow)]
struct ChannelRow {
    channel: String,
    kind: String,
    depth: i64,
    in_flight: i64,
    dead: i64,
    failures: i64,
    oldest_unsent_age_s: Option<i64>,
}

/// Depth, dead messages, failures and the oldest unsent age per channel, and their totals.
pub async fn status(pool: &PgPool) -> Result<SyncStatus> {
    let rows: Vec<ChannelRow> = sqlx::query_as(
        "select c.name as channel, c.kind::text as kind,
                count(o.id) filter (where o.status in ('pending', 'in_flight')) as depth,
                count(o.id) filter (where o.status = 'in_flight') as in_flight,
                count(o.id) filter (where o.status = 'dead') as dead,
                count(o.id) filter (where o.status <> 'delivered' and o.attempts > 0) as failures,
                floor(extract(epoch from now() - min(o.updated_at)
                                                  filter (where o.status <> 'delivered')))::bigint
                    as oldest_unsent_age_s
           from channels c
           left join outbox o on o.channel_id = c.id
          group by c.id
          order by c.name",
    )
    .fetch_all(pool)
    .await?;
    let dead_messages: Vec<DeadMessage> = sqlx::query_as(
        "select o.warehouse_id, o.id, c.name as channel, o.kind::text as kind, s.code as sku,
                o.attempts, o.last_error
           from outbox o
           join channels c on c.id = o.channel_id
           left join skus s on s.id = o.sku_id
          where o.status = 'dead'
          order by o.updated_at, o.id
          limit $1",
    )
    .bind(DEAD_LISTED)
    .fetch_all(pool)
    .await?;
    let channels: Vec<ChannelQueue> = rows
        .into_iter()
        .map(|r| ChannelQueue {
            channel: r.channel,
            kind: r.kind,
            counts: QueueCounts {
                depth: r.depth,
                in_flight: r.in_flight,
                dead: r.dead,
                failures: r.failures,
                oldest_unsent_age_s: r.oldest_unsent_age_s.map(|s| s.max(0)),
            },
        })
        .collect();
    let mut totals = QueueCounts::default();
    for channel in &channels {
        totals.add(&channel.counts);
    }
    Ok(SyncStatus {
        channels,
        totals,
        dead_messages,
    })
}

impl SyncStatus {
    /// The status as a table, for `aisle sync --status`.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{:<16} {:<8} {:>7} {:>9} {:>6} {:>8}  {}\n",
            "channel", "kind", "depth", "in flight", "dead", "failures", "oldest unsent"
        );
        let mut line = |name: &str, kind: &str, c: &QueueCounts| {
            text.push_str(&format!(
                "{:<16} {:<8} {:>7} {:>9} {:>6} {:>8}  {}\n",
                name,
                kind,
                c.depth,
                c.in_flight,
                c.dead,
                c.failures,
                c.oldest_unsent_age_s.map_or_else(|| "-".to_string(), age)
            ));
        };
        for channel in &self.channels {
            line(&channel.channel, &channel.kind, &channel.counts);
        }
        line("total", "", &self.totals);
        if !self.dead_messages.is_empty() {
            text.push_str("\nDead messages (put one back with `aisle sync --retry ID`):\n");
            for m in &self.dead_messages {
                text.push_str(&format!(
                    "{:>8}  {} {}{} after {} tries: {}\n",
                    m.id,
                    m.channel,
                    m.kind,
                    m.sku
                        .as_deref()
                        .map(|s| format!(" {s}"))
                        .unwrap_or_default(),
                    m.attempts,
                    m.last_error.as_deref().unwrap_or("(no error recorded)")
                ));
            }
        }
        text.trim_end().to_string()
    }
}

/// An age in seconds the way an operator reads it: 45s, 12m 5s, 3h 20m.
fn age(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m {}s", s / 60, s % 60),
        s => format!("{}h {}m", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry(after: Option<u64>) -> Failure {
        Failure::Retry {
            after: after.map(Duration::from_secs),
            reason: "HTTP 503".into(),
        }
    }

    #[test]
    fn stock_keys_name_the_version_and_others_do_not() {
        assert_eq!(
            idempotency_key(MessageKind::Stock, 1, 42, 7),
            "aisle-1-42-v7"
        );
        assert_ne!(
            idempotency_key(MessageKind::Stock, 1, 42, 7),
            idempotency_key(MessageKind::Stock, 1, 42, 8)
        );
        assert_eq!(
            idempotency_key(MessageKind::Shipment, 1, 42, 7),
            idempotency_key(MessageKind::Shipment, 1, 42, 1)
        );
        assert_ne!(
            idempotency_key(MessageKind::Edi856, 1, 42, 1),
            idempotency_key(MessageKind::Edi856, 2, 42, 1)
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let secs: Vec<u64> = (1..=10).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(backoff(i32::MAX), MAX_BACKOFF);
        assert_eq!(backoff(-3), Duration::from_secs(1));
    }

    #[test]
    fn retries_until_the_limit_then_dead() {
        for n in 1..MAX_ATTEMPTS {
            assert_eq!(
                after_failure(n, &retry(None), false),
                AfterFailure::Retry {
                    attempts: n,
                    after: backoff(n)
                }
            );
        }
        assert_eq!(
            after_failure(MAX_ATTEMPTS, &retry(None), false),
            AfterFailure::Dead {
                attempts: MAX_ATTEMPTS
            }
        );
    }

    #[test]
    fn retry_after_is_honoured_within_bounds() {
        assert_eq!(
            after_failure(1, &retry(Some(30)), false),
            AfterFailure::Retry {
                attempts: 1,
                after: Duration::from_secs(30)
            }
        );
        assert_eq!(
            after_failure(1, &retry(Some(86_400)), false),
            AfterFailure::Retry {
                attempts: 1,
                after: MAX_RETRY_AFTER
            }
        );
    }

    #[test]
    fn permanent_is_dead_at_once_unless_a_newer_figure_waits() {
        let refused = Failure::Permanent {
            reason: "unknown SKU".into(),
        };
        assert_eq!(
            after_failure(1, &refused, false),
            AfterFailure::Dead { attempts: 1 }
        );
        assert_eq!(
            after_failure(1, &refused, true),
            AfterFailure::Retry {
                attempts: 1,
                after: backoff(1)
            }
        );
        assert!(matches!(
            after_failure(MAX_ATTEMPTS, &retry(None), true),
            AfterFailure::Retry { .. }
        ));
    }

    #[test]
    fn ages_read_plainly() {
        assert_eq!(age(45), "45s");
        assert_eq!(age(725), "12m 5s");
        assert_eq!(age(12_000), "3h 20m");
    }
}
