//! The HTTP carrier against a local stand-in carrier server (axum on 127.0.0.1:0): quotes and
//! labels that work, a 500, a connection dropped before and during the answer, a malformed JSON
//! answer, a server too slow to answer and one that is not there — each error naming the carrier
//! and what was expected. Then a rate shop across the rate-sheet carriers and HTTP carriers, one
//! of them failing.
//!
//! The stand-in serves every behaviour under its own path prefix, so one server covers them
//! all: `/ok`, `/fail` (500), `/garbled` (200 with bad JSON), `/drop` (the answer cut off
//! mid-body), `/slow` (never answers in time).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aisle::carriers::{
    AnyCarrier, Carrier, CarrierError, HttpCarrier, LabelRequest, RateSheetCarrier,
    ShipmentRequest, shop,
};
use aisle::domain::barcode::Sscc;
use aisle::domain::rate_shop::{Outcome, Promise, ServiceLevel};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{NaiveDate, NaiveTime};
use tokio::net::TcpListener;

/// What the stand-in received, for assertions.
#[derive(Clone, Default)]
struct Seen {
    bodies: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl Seen {
    fn record(&self, body: &str) {
        let value = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
        self.bodies.lock().expect("not poisoned").push(value);
    }

    fn last(&self) -> serde_json::Value {
        self.bodies
            .lock()
            .expect("not poisoned")
            .last()
            .cloned()
            .unwrap_or_default()
    }
}

fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn ok_rates(State(seen): State<Seen>, body: String) -> Response {
    seen.record(&body);
    json(
        serde_json::json!({"quotes": [
            {"service": "GROUND", "service_name": "FedEx Ground", "level": "standard",
             "transit_days": 3, "cutoff_local": "17:00", "price_cents": 990},
            {"service": "2DAY", "service_name": "FedEx 2Day", "level": "priority",
             "transit_days": 2, "cutoff_local": "16:30", "price_cents": 2190},
            {"service": "PO", "service_name": "FedEx Priority Overnight", "level": "overnight",
             "transit_days": 1, "cutoff_local": "16:00:00", "price_cents": 4100}
        ]})
        .to_string(),
    )
}

async fn ok_labels(State(seen): State<Seen>, body: String) -> Response {
    seen.record(&body);
    let sequence = seen.last()["sequence"].as_u64().unwrap_or(0);
    json(serde_json::json!({ "tracking_number": format!("7946{sequence:08}") }).to_string())
}

async fn fail() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "rate engine down for maintenance",
    )
        .into_response()
}

async fn garbled_rates() -> Response {
    json(r#"{"quotes": [{"service": "GROUND", "price_cents": "#.to_owned())
}

async fn garbled_labels() -> Response {
    json(r#"{"tracking": 794612345678}"#.to_owned())
}

/// Starts the answer, then fails the body stream: hyper drops the connection mid-body.
async fn drop_midway() -> Response {
    let parts: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from_static(b"{\"quotes\": [")),
        Err(std::io::Error::other("the stand-in carrier crashed")),
    ];
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(futures_util::stream::iter(parts)))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn slow() -> Response {
    tokio::time::sleep(Duration::from_secs(30)).await;
    json("{}".to_owned())
}

/// The stand-in carrier server; it runs until the test's runtime ends.
async fn stand_in() -> (SocketAddr, Seen) {
    let seen = Seen::default();
    let app = Router::new()
        .route("/ok/rates", post(ok_rates))
        .route("/ok/labels", post(ok_labels))
        .route("/fail/rates", post(fail))
        .route("/fail/labels", post(fail))
        .route("/garbled/rates", post(garbled_rates))
        .route("/garbled/labels", post(garbled_labels))
        .route("/drop/rates", post(drop_midway))
        .route("/drop/labels", post(drop_midway))
        .route("/slow/rates", post(slow))
        .with_state(seen.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a port");
    let address = listener.local_addr().expect("a local address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (address, seen)
}

fn carrier(address: SocketAddr, behaviour: &str) -> HttpCarrier {
    HttpCarrier::new("FEDEX", &format!("http://{address}/{behaviour}"))
        .expect("a base URL")
        .with_timeout(Duration::from_secs(5))
}

fn shipment() -> ShipmentRequest {
    ShipmentRequest::single("60431", "11201", 1200)
}

fn label_request() -> LabelRequest {
    LabelRequest {
        service: "2DAY".into(),
        sscc: Sscc::parse("006141410000000012").expect("a valid SSCC"),
        sequence: 12,
        reference: "#1002".into(),
        to_zip: "11201".into(),
        weight_g: 1234,
    }
}

#[tokio::test]
async fn quotes_and_labels_from_the_stand_in() {
    let (address, seen) = stand_in().await;
    let fedex = carrier(address, "ok");
    assert_eq!(fedex.code(), "FEDEX");

    let quotes = fedex.quote(&shipment()).await.expect("quotes");
    assert_eq!(quotes.len(), 3);
    assert!(
        quotes
            .iter()
            .all(|q| q.carrier == "FEDEX" && q.zone.is_none())
    );
    assert_eq!(quotes[1].service, "2DAY");
    assert_eq!(quotes[1].level, ServiceLevel::Priority);
    assert_eq!(quotes[1].price_cents, 2190);
    assert_eq!(
        quotes[1].cutoff_local,
        NaiveTime::from_hms_opt(16, 30, 0).expect("a time")
    );
    assert_eq!(
        quotes[2].cutoff_local,
        NaiveTime::from_hms_opt(16, 0, 0).expect("a time")
    );
    assert_eq!(
        seen.last(),
        serde_json::json!({"from_zip": "60431", "to_zip": "11201",
                           "packages": [{"billable_weight_g": 1200}]})
    );

    let tracking = fedex
        .label(&label_request())
        .await
        .expect("a tracking number");
    assert_eq!(tracking.as_str(), "794600000012");
    assert_eq!(
        seen.last(),
        serde_json::json!({"service": "2DAY", "sscc": "006141410000000012", "sequence": 12,
                           "reference": "#1002", "to_zip": "11201", "weight_g": 1234})
    );
}

#[tokio::test]
async fn a_500_names_the_carrier_and_what_it_said() {
    let (address, _) = stand_in().await;
    let err = carrier(address, "fail")
        .quote(&shipment())
        .await
        .expect_err("a 500");
    assert!(
        matches!(err, CarrierError::Status { status: 500, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "carrier FEDEX answered 500 Internal Server Error to POST /fail/rates: expected 200 OK; \
         it said: rate engine down for maintenance"
    );
    let err = carrier(address, "fail")
        .label(&label_request())
        .await
        .expect_err("a 500");
    assert!(err.to_string().contains("to POST /fail/labels"), "{err}");
}

#[tokio::test]
async fn malformed_json_says_what_was_expected() {
    let (address, _) = stand_in().await;
    let err = carrier(address, "garbled")
        .quote(&shipment())
        .await
        .expect_err("bad JSON");
    assert!(matches!(err, CarrierError::Malformed { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with(
            "carrier FEDEX sent a malformed answer to POST /garbled/rates: expected JSON \
             {\"quotes\": [{\"service\""
        ),
        "{text}"
    );
    let err = carrier(address, "garbled")
        .label(&label_request())
        .await
        .expect_err("no tracking number");
    let text = err.to_string();
    assert!(
        text.contains("expected JSON {\"tracking_number\""),
        "{text}"
    );
    assert!(text.contains("missing field `tracking_number`"), "{text}");
}

#[tokio::test]
async fn a_connection_dropped_midway_is_a_clear_error() {
    let (address, _) = stand_in().await;
    let err = carrier(address, "drop")
        .quote(&shipment())
        .await
        .expect_err("dropped");
    assert!(matches!(err, CarrierError::Dropped { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with("carrier FEDEX: the connection closed during POST /drop/rates after "),
        "{text}"
    );
    assert!(
        text.ends_with("expected a complete HTTP/1.1 answer (status line, headers and body)"),
        "{text}"
    );
}

#[tokio::test]
async fn a_connection_dropped_before_any_answer_is_a_clear_error() {
    // A server that reads the request and hangs up without a word.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a port");
    let address = listener.local_addr().expect("a local address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            use tokio::io::AsyncReadExt;
            let mut buffer = [0u8; 1024];
            let _ = socket.read(&mut buffer).await;
            drop(socket);
        }
    });
    let err = carrier(address, "ok")
        .quote(&shipment())
        .await
        .expect_err("dropped");
    assert!(
        matches!(err, CarrierError::Dropped { received: 0, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("after 0 bytes of the answer"),
        "{err}"
    );
}

#[tokio::test]
async fn a_slow_carrier_times_out_and_a_missing_one_cannot_be_reached() {
    let (address, _) = stand_in().await;
    let slow = carrier(address, "slow").with_timeout(Duration::from_millis(200));
    let err = slow.quote(&shipment()).await.expect_err("too slow");
    assert_eq!(
        err.to_string(),
        "carrier FEDEX: no complete answer to POST /slow/rates within 200 ms: expected an \
         answer in time"
    );

    // A port nobody listens on: bind one, note it, let it go.
    let gone = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a port")
        .local_addr()
        .expect("a local address");
    let err = carrier(gone, "ok")
        .quote(&shipment())
        .await
        .expect_err("refused");
    assert!(matches!(err, CarrierError::Connect { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "carrier FEDEX: cannot connect to {gone} for POST /ok/rates: "
        )),
        "{text}"
    );
    assert!(
        text.ends_with("expected the carrier's server to listen there"),
        "{text}"
    );
}

#[tokio::test]
async fn a_rate_shop_across_carriers_survives_one_failing() {
    let (address, _) = stand_in().await;
    let mut carriers: Vec<AnyCarrier> = RateSheetCarrier::demo()
        .expect("the demo sheet")
        .into_iter()
        .filter(|c| c.code() != "FEDEX")
        .map(AnyCarrier::from)
        .collect();
    carriers.push(carrier(address, "ok").into());
    carriers.push(
        HttpCarrier::new("ACME", &format!("http://{address}/fail"))
            .expect("a base URL")
            .into(),
    );
    // Wednesday 10:00 at the warehouse; Brooklyn by Friday; the channel promised priority.
    let promise = Promise {
        now_local: NaiveDate::from_ymd_opt(2026, 12, 2)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("a time"),
        ship_by: NaiveDate::from_ymd_opt(2026, 12, 4),
        min_level: ServiceLevel::Priority,
    };
    let answer = shop(&carriers, &shipment(), &promise, Duration::from_secs(5)).await;

    assert_eq!(answer.failures.len(), 1, "{:?}", answer.failures);
    assert!(
        answer.failures[0]
            .to_string()
            .starts_with("carrier ACME answered 500"),
        "{}",
        answer.failures[0]
    );
    let result = answer.result;
    assert_eq!(result.outcome, Outcome::OnTime);
    let chosen = result.chosen.expect("a service");
    assert!(chosen.keeps_promise());
    // UPS 4 + USPS 3 from the sheets, FedEx 3 from the stand-in.
    assert_eq!(result.alternatives.len() + 1, 10);
    assert!(
        result
            .alternatives
            .iter()
            .any(|c| c.quote.carrier == "FEDEX")
    );
    for other in result.alternatives.iter().filter(|c| c.keeps_promise()) {
        assert!(chosen.quote.price_cents <= other.quote.price_cents);
    }
    // Ground services are too slow class-wise and flagged with the reason.
    let ground = result
        .alternatives
        .iter()
        .find(|c| c.quote.carrier == "FEDEX" && c.quote.service == "GROUND")
        .expect("FedEx Ground quoted");
    assert!(!ground.keeps_promise());
    assert!(
        ground
            .why_not
            .iter()
            .any(|w| w.to_string() == "standard service: the channel promised at least priority"),
        "{:?}",
        ground.why_not
    );

    // Labels through the same interface.
    let ups = carriers
        .iter()
        .find(|c| c.code() == "UPS")
        .expect("UPS listed");
    let number = ups
        .label(&LabelRequest {
            service: "2DA".into(),
            ..label_request()
        })
        .await
        .expect("a tracking number");
    assert!(number.as_str().starts_with("1ZAISLE1020000012"), "{number}");
}
