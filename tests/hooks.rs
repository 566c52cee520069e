//! The Shopify webhook receiver, started in-process on loopback against a fresh database with
//! the demo warehouse, and spoken to over a plain TCP socket as Shopify would: signed deliveries
//! are stored and reserved once, forged ones are refused and write nothing, cancellations
//! release stock, malformed payloads land in `intake_errors`, and shutdown is graceful.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use aisle::db::demo;
use aisle::hooks::signature::{Secret, sign};
use aisle::hooks::{self, HooksConfig, SecretSource};
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const CHANNEL: &str = "shopify-main";
const SECRET: &str = "shpss_test_only_0123456789abcdef";
const SHOP: &str = "aisle-demo.myshopify.com";
const PAID: &[u8] = include_bytes!("fixtures/shopify/orders_create_paid.json");
/// The `id` of the order in [`PAID`].
const PAID_ID: &str = "5820471230001";
/// A small limit, so the 413 test needs no large body.
const BODY_LIMIT: usize = 64 * 1024;
/// How long shutdown waits for connections left open.
const GRACE: Duration = Duration::from_secs(2);

struct Receiver {
    db: common::TestDb,
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<aisle::Result<()>>,
}

impl Receiver {
    async fn start() -> Receiver {
        Receiver::start_with(SecretSource::fixed(CHANNEL, SECRET)).await
    }

    async fn start_with(secrets: SecretSource) -> Receiver {
        logs();
        let db = common::fresh_db().await;
        demo::load(&db.pool).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let config = HooksConfig {
            body_limit: BODY_LIMIT,
            shutdown_grace: GRACE,
            secrets,
            ..HooksConfig::default()
        };
        let task = tokio::spawn(hooks::serve_with(
            db.pool.clone(),
            listener,
            config,
            async move {
                let _ = stopped.await;
            },
        ));
        Receiver {
            db,
            address,
            stop: Some(stop),
            task,
        }
    }

    fn pool(&self) -> &PgPool {
        &self.db.pool
    }

    /// A delivery as Shopify sends it: signed with the channel's secret, with the shop's domain.
    async fn deliver(&self, topic: &str, event_id: &str, body: &[u8]) -> (u16, String) {
        deliver(self.address, topic, event_id, body).await
    }

    async fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
        request(self.address, "POST", path, headers, body).await
    }

    async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        request(self.address, method, path, headers, body).await
    }

    fn signal_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Stops the receiver and checks that it returned cleanly.
    async fn stop(mut self) {
        self.signal_stop();
        tokio::time::timeout(Duration::from_secs(30), &mut self.task)
            .await
            .expect("the receiver stops within 30 s")
            .unwrap()
            .unwrap();
        assert!(
            TcpStream::connect(self.address).await.is_err(),
            "the listener is closed after shutdown"
        );
        self.db.drop_db().await;
    }
}

/// A delivery as Shopify sends it: signed with the channel's secret, with the shop's domain.
async fn deliver(address: SocketAddr, topic: &str, event_id: &str, body: &[u8]) -> (u16, String) {
    let signature = sign(&Secret::new(SECRET), body);
    let webhook_id = format!("wh-{event_id}");
    let headers = [
        ("X-Shopify-Topic", topic),
        ("X-Shopify-Hmac-Sha256", signature.as_str()),
        ("X-Shopify-Shop-Domain", SHOP),
        ("X-Shopify-API-Version", "2026-01"),
        ("X-Shopify-Webhook-Id", webhook_id.as_str()),
        ("X-Shopify-Event-Id", event_id),
        ("X-Shopify-Triggered-At", "2026-03-02T15:14:29.000Z"),
    ];
    let path = format!("/webhooks/shopify/{CHANNEL}");
    request(address, "POST", &path, &headers, body).await
}

/// One HTTP/1.1 request on a new connection; the status and the body of the answer.
async fn request(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nConnection: close\r\n"
    );
    let framed = headers.iter().any(|(name, _)| {
        name.eq_ignore_ascii_case("content-length")
            || name.eq_ignore_ascii_case("transfer-encoding")
    });
    if !framed {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .expect("an answer within 30 s")
        .unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let status: u16 = answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The receiver's log lines, shown with a failing test's output (`RUST_LOG` to change the filter).
fn logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("aisle::hooks=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

async fn scalar(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn orders_of_paid(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "select count(*) from orders o join channels c on c.id = o.channel_id
          where c.name = $1 and o.external_id = $2",
    )
    .bind(CHANNEL)
    .bind(PAID_ID)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn status_of_paid(pool: &PgPool) -> String {
    sqlx::query_scalar(
        "select o.status::text from orders o join channels c on c.id = o.channel_id
          where c.name = $1 and o.external_id = $2",
    )
    .bind(CHANNEL)
    .bind(PAID_ID)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn reserved_for_paid(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "select coalesce(sum(r.quantity), 0)::bigint from reservations r
           join order_lines l on l.warehouse_id = r.warehouse_id and l.id = r.order_line_id
           join orders o on o.warehouse_id = l.warehouse_id and o.id = l.order_id
           join channels c on c.id = o.channel_id
          where c.name = $1 and o.external_id = $2",
    )
    .bind(CHANNEL)
    .bind(PAID_ID)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn events(pool: &PgPool) -> i64 {
    scalar(pool, "select count(*) from webhook_events").await
}

async fn intake_errors(pool: &PgPool) -> i64 {
    scalar(pool, "select count(*) from intake_errors").await
}

async fn orders(pool: &PgPool) -> i64 {
    scalar(pool, "select count(*) from orders").await
}

#[tokio::test]
async fn a_signed_order_is_stored_and_reserved_once_however_often_it_is_delivered() {
    let r = Receiver::start().await;
    let orders_before = orders(r.pool()).await;

    let (status, body) = r.deliver("orders/create", "evt-create-1", PAID).await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert_eq!(orders_of_paid(r.pool()).await, 1);
    assert_eq!(status_of_paid(r.pool()).await, "reserved");
    // 2 blankets and 1 pair of sunglasses; the tip and the monogram ship nothing.
    assert_eq!(reserved_for_paid(r.pool()).await, 3);
    let lines: i64 = sqlx::query_scalar(
        "select count(*) from order_lines l join orders o on o.id = l.order_id
          where o.external_id = $1",
    )
    .bind(PAID_ID)
    .fetch_one(r.pool())
    .await
    .unwrap();
    assert_eq!(lines, 4);
    let (topic, source_ok): (String, bool) = sqlx::query_as(
        "select topic, received_at <= now() from webhook_events where event_id = 'evt-create-1'",
    )
    .fetch_one(r.pool())
    .await
    .unwrap();
    assert_eq!(topic, "orders/create");
    assert!(source_ok);

    // Shopify's retry of the same event: answered 200, nothing applied again.
    let (status, body) = r.deliver("orders/create", "evt-create-1", PAID).await;
    assert_eq!(status, 200);
    assert!(body.starts_with("duplicate"), "{body}");
    // Two more retries racing each other.
    let (a, b) = tokio::join!(
        r.deliver("orders/create", "evt-create-1", PAID),
        r.deliver("orders/create", "evt-create-1", PAID)
    );
    assert_eq!((a.0, b.0), (200, 200));
    assert_eq!(orders_of_paid(r.pool()).await, 1);
    assert_eq!(orders(r.pool()).await, orders_before + 1);
    assert_eq!(events(r.pool()).await, 1);
    assert_eq!(reserved_for_paid(r.pool()).await, 3);

    // Without X-Shopify-Event-Id the webhook id is the key.
    let signature = sign(&Secret::new(SECRET), PAID);
    let by_webhook_id = [
        ("X-Shopify-Topic", "orders/create"),
        ("X-Shopify-Hmac-Sha256", signature.as_str()),
        ("X-Shopify-Shop-Domain", SHOP),
        ("X-Shopify-Webhook-Id", "wh-only-1"),
    ];
    let path = format!("/webhooks/shopify/{CHANNEL}");
    assert_eq!(r.post(&path, &by_webhook_id, PAID).await.0, 200);
    assert_eq!(r.post(&path, &by_webhook_id, PAID).await.0, 200);
    let keyed: i64 =
        sqlx::query_scalar("select count(*) from webhook_events where event_id = 'wh-only-1'")
            .fetch_one(r.pool())
            .await
            .unwrap();
    assert_eq!(keyed, 1);
    // A new event for the same order is recorded, and intake's own idempotency keeps one order.
    assert_eq!(orders_of_paid(r.pool()).await, 1);
    assert_eq!(intake_errors(r.pool()).await, 0);
    r.stop().await;
}

#[tokio::test]
async fn a_wrongly_signed_delivery_is_refused_with_401_and_writes_nothing() {
    let r = Receiver::start().await;
    let orders_before = orders(r.pool()).await;
    let path = format!("/webhooks/shopify/{CHANNEL}");
    let good = sign(&Secret::new(SECRET), PAID);
    let other_key = sign(&Secret::new("shpss_someone_else"), PAID);
    let mut tampered = PAID.to_vec();
    tampered[PAID.len() / 2] ^= 0x01;
    let cases: [(&str, Option<&str>, &[u8]); 5] = [
        ("signed with another secret", Some(&other_key), PAID),
        ("no signature", None, PAID),
        ("signature not base64", Some("not*base64"), PAID),
        ("body changed after signing", Some(&good), &tampered),
        ("empty signature", Some(""), PAID),
    ];
    for (i, (what, signature, body)) in cases.into_iter().enumerate() {
        let event = format!("evt-forged-{i}");
        let mut headers = vec![
            ("X-Shopify-Topic", "orders/create"),
            ("X-Shopify-Shop-Domain", SHOP),
            ("X-Shopify-Event-Id", event.as_str()),
        ];
        if let Some(signature) = signature {
            headers.push(("X-Shopify-Hmac-Sha256", signature));
        }
        let (status, answer) = r.post(&path, &headers, body).await;
        assert_eq!(status, 401, "{what}: {answer}");
        assert!(
            !answer.contains(SECRET),
            "{what}: the answer shows the secret"
        );
    }
    assert_eq!(orders(r.pool()).await, orders_before);
    assert_eq!(orders_of_paid(r.pool()).await, 0);
    assert_eq!(events(r.pool()).await, 0);
    assert_eq!(intake_errors(r.pool()).await, 0);

    // The correct signature for the same event id still goes through: nothing was recorded.
    let (status, _) = r.deliver("orders/create", "evt-forged-0", PAID).await;
    assert_eq!(status, 200);
    assert_eq!(orders_of_paid(r.pool()).await, 1);
    r.stop().await;
}

#[tokio::test]
async fn a_cancellation_cancels_the_order_and_releases_its_reservations() {
    let r = Receiver::start().await;
    assert_eq!(r.deliver("orders/create", "evt-c-1", PAID).await.0, 200);
    assert_eq!(reserved_for_paid(r.pool()).await, 3);

    // The `orders/cancelled` body is the order as it now stands.
    let mut order: serde_json::Value = serde_json::from_slice(PAID).unwrap();
    order["cancelled_at"] = "2026-03-02T11:00:00-06:00".into();
    order["cancel_reason"] = "customer".into();
    order["financial_status"] = "refunded".into();
    let cancelled = serde_json::to_vec(&order).unwrap();
    let (status, body) = r.deliver("orders/cancelled", "evt-c-2", &cancelled).await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert_eq!(status_of_paid(r.pool()).await, "cancelled");
    assert_eq!(reserved_for_paid(r.pool()).await, 0);

    // A late retry of the create cannot revive it, nor can a retry of the cancellation
    // double-count anything.
    assert_eq!(r.deliver("orders/create", "evt-c-1", PAID).await.0, 200);
    assert_eq!(
        r.deliver("orders/cancelled", "evt-c-2", &cancelled).await.0,
        200
    );
    assert_eq!(status_of_paid(r.pool()).await, "cancelled");
    assert_eq!(reserved_for_paid(r.pool()).await, 0);
    assert_eq!(events(r.pool()).await, 2);
    let found = aisle::db::invariants::violations(r.pool()).await.unwrap();
    assert!(found.is_empty(), "invariants broken: {found:#?}");
    r.stop().await;
}

#[tokio::test]
async fn a_malformed_payload_is_recorded_in_intake_errors_and_answered_200_once() {
    let r = Receiver::start().await;
    let orders_before = orders(r.pool()).await;
    let broken = br#"{"id": 5820479990001, "line_items": [ {"sku": "#;
    let (status, body) = r.deliver("orders/create", "evt-bad-1", broken).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("rejected"), "{body}");
    // Shopify's retries of it add nothing.
    assert_eq!(r.deliver("orders/create", "evt-bad-1", broken).await.0, 200);

    let malformed_quantity = include_bytes!("fixtures/shopify/malformed_quantity.json");
    let (status, body) = r
        .deliver("orders/create", "evt-bad-2", malformed_quantity)
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("line_items[1].quantity"), "{body}");

    let rows: Vec<(String, String, String)> =
        sqlx::query_as("select source, place, message from intake_errors order by id")
            .fetch_all(r.pool())
            .await
            .unwrap();
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert!(rows[0].0.contains("evt-bad-1"), "{rows:#?}");
    assert!(rows[1].0.contains("evt-bad-2"), "{rows:#?}");
    assert!(rows[1].1.contains("line_items[1].quantity"), "{rows:#?}");
    assert_eq!(orders(r.pool()).await, orders_before);
    assert_eq!(events(r.pool()).await, 2);
    r.stop().await;
}

#[tokio::test]
async fn requests_that_are_not_signed_order_webhooks_for_a_shopify_channel_are_refused() {
    let r = Receiver::start().await;
    let orders_before = orders(r.pool()).await;
    let signature = sign(&Secret::new(SECRET), PAID);
    let headers = |topic: &'static str, event: &'static str| {
        vec![
            ("X-Shopify-Topic", topic),
            ("X-Shopify-Hmac-Sha256", signature.as_str()),
            ("X-Shopify-Shop-Domain", SHOP),
            ("X-Shopify-Event-Id", event),
        ]
    };
    let ok_headers = headers("orders/create", "evt-r-1");

    // Channels: unknown, not Shopify.
    let (status, _) = r
        .post("/webhooks/shopify/no-such-shop", &ok_headers, PAID)
        .await;
    assert_eq!(status, 404);
    let (status, _) = r
        .post("/webhooks/shopify/amazon-us", &ok_headers, PAID)
        .await;
    assert_eq!(status, 404);
    assert_eq!(r.post("/webhooks/other", &ok_headers, PAID).await.0, 404);

    let path = format!("/webhooks/shopify/{CHANNEL}");
    // Only POST.
    let (status, _) = r.request("GET", &path, &[], b"").await;
    assert_eq!(status, 405);
    let (status, _) = r.request("PUT", &path, &ok_headers, PAID).await;
    assert_eq!(status, 405);

    // Headers: no topic, no event id, another shop.
    let mut no_topic = ok_headers.clone();
    no_topic.retain(|(name, _)| *name != "X-Shopify-Topic");
    assert_eq!(r.post(&path, &no_topic, PAID).await.0, 400);
    let mut no_event = ok_headers.clone();
    no_event.retain(|(name, _)| *name != "X-Shopify-Event-Id");
    assert_eq!(r.post(&path, &no_event, PAID).await.0, 400);
    let mut other_shop = ok_headers.clone();
    other_shop.retain(|(name, _)| *name != "X-Shopify-Shop-Domain");
    assert_eq!(r.post(&path, &other_shop, PAID).await.0, 403);
    other_shop.push(("X-Shopify-Shop-Domain", "someone-else.myshopify.com"));
    assert_eq!(r.post(&path, &other_shop, PAID).await.0, 403);

    // A topic we do not handle: 200, so that Shopify keeps the subscription, and ignored.
    let (status, body) = r
        .post(&path, &headers("products/update", "evt-r-2"), PAID)
        .await;
    assert_eq!(status, 200);
    assert!(body.starts_with("ignored"), "{body}");

    // Too large: refused from its Content-Length, before any of it is read.
    let too_long = (BODY_LIMIT + 1).to_string();
    let mut oversized = ok_headers.clone();
    oversized.push(("Content-Length", too_long.as_str()));
    let (status, _) = r.post(&path, &oversized, b"").await;
    assert_eq!(status, 413);
    // And when it arrives chunked, with no length announced, once it passes the limit.
    let big = vec![b' '; BODY_LIMIT + 10];
    let mut chunked_body = format!("{:x}\r\n", big.len()).into_bytes();
    chunked_body.extend_from_slice(&big);
    chunked_body.extend_from_slice(b"\r\n0\r\n\r\n");
    let mut chunked = ok_headers.clone();
    chunked.push(("Transfer-Encoding", "chunked"));
    let (status, _) = r.post(&path, &chunked, &chunked_body).await;
    assert_eq!(status, 413);

    assert_eq!(orders(r.pool()).await, orders_before);
    assert_eq!(events(r.pool()).await, 0);
    assert_eq!(intake_errors(r.pool()).await, 0);
    r.stop().await;
}

#[tokio::test]
async fn a_channel_without_a_configured_secret_accepts_nothing() {
    let r = Receiver::start_with(SecretSource::fixed("some-other-channel", SECRET)).await;
    let (status, body) = r.deliver("orders/create", "evt-ns-1", PAID).await;
    assert_eq!(status, 500, "{body}");
    assert!(!body.contains(SECRET));
    assert_eq!(orders_of_paid(r.pool()).await, 0);
    assert_eq!(events(r.pool()).await, 0);
    r.stop().await;
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_and_does_not_wait_for_idle_clients() {
    let mut r = Receiver::start().await;
    let channel_id: i32 = sqlx::query_scalar("select id from channels where name = $1")
        .bind(CHANNEL)
        .fetch_one(r.pool())
        .await
        .unwrap();
    // Hold the event's key in another transaction, so the delivery waits inside its own.
    let mut blocker = r.pool().begin().await.unwrap();
    sqlx::query(
        "insert into webhook_events (channel_id, event_id, topic)
         values ($1, 'evt-slow', 'orders/create')",
    )
    .bind(channel_id)
    .execute(&mut *blocker)
    .await
    .unwrap();
    let address = r.address;
    let in_flight = tokio::spawn(deliver(address, "orders/create", "evt-slow", PAID));
    // A client that opens a connection and never finishes its request.
    let mut idle = TcpStream::connect(r.address).await.unwrap();
    idle.write_all(b"POST /webhooks/shopify/shopify-main HTTP/1.1\r\n")
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "select count(*) from pg_stat_activity
              where datname = current_database() and wait_event_type = 'Lock'",
        )
        .fetch_one(r.pool())
        .await
        .unwrap();
        if waiting > 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the delivery never waited"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    r.signal_stop();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !r.task.is_finished(),
        "shutdown waits for the request in flight"
    );
    blocker.rollback().await.unwrap();
    let (status, body) = in_flight.await.unwrap();
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert_eq!(orders_of_paid(r.pool()).await, 1);

    // The idle client holds shutdown for the grace period at most.
    let started = tokio::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(30), &mut r.task)
        .await
        .expect("the receiver stops after the grace period")
        .unwrap()
        .unwrap();
    assert!(started.elapsed() < GRACE + Duration::from_secs(5));
    assert!(TcpStream::connect(r.address).await.is_err());
    drop(idle);
    r.db.drop_db().await;
}
