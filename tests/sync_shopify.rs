//! The Shopify client of `aisle sync` against a local stand-in of the GraphQL Admin API
//! (`common::shopify_standin`): a burst of available figures ends exactly at the last one,
//! received in order; a repeated idempotency key changes nothing (also after a lost answer); a
//! sale on the channel makes the next compare-and-swap stale and is handled by re-reading and
//! recomputing; 429, 500, THROTTLED, garbled answers and hangs are retryable (with the wait
//! Shopify asked for); refusals are permanent with Shopify's message; a shipment is fulfilled
//! once and a resend skips it; the access token appears in no error.

mod common;

use std::time::Duration;

use aisle::db::channels::Channel;
use aisle::sync::shopify::{
    AccessToken, Disposition, FulfillmentOutcome, FulfillmentRequest, ShopifyClient, ShopifyError,
};
use common::shopify_standin::{STANDIN_TOKEN, ShopifyStandin};
use serde_json::json;

const LOCATION: &str = "gid://shopify/Location/71234500001";
const ITEM: &str = "gid://shopify/InventoryItem/4410001";
const OTHER_ITEM: &str = "gid://shopify/InventoryItem/4410002";

fn client(standin: &ShopifyStandin) -> ShopifyClient {
    ShopifyClient::new(
        "shopify-main",
        &standin.base_url(),
        "2026-01",
        AccessToken::new(STANDIN_TOKEN),
    )
    .expect("client")
    .with_location(LOCATION)
    .with_timeout(Duration::from_millis(400))
}

/// The key a delivery worker would use: the figure's version and the compare value.
fn key(version: u32, compare: Option<i64>) -> String {
    match compare {
        Some(c) => format!("shopify-main:4410001:v{version}:from{c}"),
        None => format!("shopify-main:4410001:v{version}:new"),
    }
}

#[tokio::test]
async fn a_burst_ends_with_exactly_the_final_figures_in_order() {
    let standin = ShopifyStandin::start().await;
    let shopify = client(&standin);
    let figures = [10, 9, 7, 12, 3, 0, 5];
    let other = [4, 2, 6];
    let mut last: Option<i64> = None;
    let mut other_last: Option<i64> = None;
    for (version, figure) in figures.iter().enumerate() {
        shopify
            .set_available(ITEM, LOCATION, *figure, last, &key(version as u32, last))
            .await
            .expect("set");
        last = Some(*figure);
        if let Some(o) = other.get(version) {
            let k = format!("shopify-main:4410002:v{version}");
            shopify
                .set_available(OTHER_ITEM, LOCATION, *o, other_last, &k)
                .await
                .expect("set the other item");
            other_last = Some(*o);
        }
    }
    assert_eq!(standin.available(ITEM, LOCATION), Some(5));
    assert_eq!(standin.available(OTHER_ITEM, LOCATION), Some(6));
    let applied: Vec<i64> = standin
        .applied_sets()
        .iter()
        .filter(|s| s.item == ITEM)
        .map(|s| s.quantity)
        .collect();
    assert_eq!(applied, figures, "received in order, each once");
    // Each compared against the figure before it.
    let compares: Vec<Option<i64>> = standin
        .applied_sets()
        .iter()
        .filter(|s| s.item == ITEM)
        .map(|s| s.change_from)
        .collect();
    assert_eq!(
        compares,
        [None, Some(10), Some(9), Some(7), Some(12), Some(3), Some(0)]
    );
    let received = standin.received();
    assert_eq!(received.len(), figures.len() + other.len());
    for r in &received {
        assert!(r.token_ok, "{r:?}");
        assert_eq!(r.api_version, "2026-01");
        assert_eq!(r.operation, "inventorySetQuantities");
        assert!(r.idempotency_key.is_some());
        let input = &r.variables["input"];
        assert_eq!(input["name"], "available");
        assert_eq!(input["reason"], "correction");
        assert!(
            input["referenceDocumentUri"]
                .as_str()
                .is_some_and(|u| u.starts_with("gid://aisle/")),
            "{input}"
        );
        assert!(input["quantities"][0].get("changeFromQuantity").is_some());
    }
    let levels = shopify
        .read_available(&[ITEM, OTHER_ITEM, "4410003"], LOCATION)
        .await
        .expect("read");
    let read: Vec<Option<i64>> = levels.iter().map(|l| l.available).collect();
    assert_eq!(read, [Some(5), Some(6), None]);
    assert_eq!(levels[2].item, "4410003");
}

#[tokio::test]
async fn a_repeated_idempotency_key_changes_nothing() {
    let standin = ShopifyStandin::start().await;
    let shopify = client(&standin);
    let first = shopify
        .set_available(ITEM, LOCATION, 10, None, "k1")
        .await
        .expect("set");
    standin.sell(ITEM, LOCATION, 3);
    // The same message sent again (a worker restarted before recording it): the first answer,
    // and the sale is not overwritten.
    let again = shopify
        .set_available(ITEM, LOCATION, 10, None, "k1")
        .await
        .expect("resend");
    assert_eq!(first, again);
    assert_eq!(standin.available(ITEM, LOCATION), Some(7));
    assert_eq!(standin.applied_sets().len(), 1);

    // Applied, but the answer is lost: the worker sees a timeout and resends the same key.
    standin.lose_answer_next(1);
    let lost = shopify
        .set_available(ITEM, LOCATION, 8, Some(7), "k2")
        .await
        .expect_err("no answer");
    assert!(matches!(lost, ShopifyError::Timeout { .. }), "{lost}");
    assert!(lost.is_retryable());
    assert_eq!(standin.available(ITEM, LOCATION), Some(8));
    shopify
        .set_available(ITEM, LOCATION, 8, Some(7), "k2")
        .await
        .expect("resend after a lost answer");
    assert_eq!(standin.available(ITEM, LOCATION), Some(8));
    assert_eq!(standin.applied_sets().len(), 2, "applied once");

    // Reusing a key for another figure is Shopify's permanent refusal, with its message.
    let reused = shopify
        .set_available(ITEM, LOCATION, 9, Some(8), "k2")
        .await
        .expect_err("key reused");
    assert_eq!(reused.disposition(), Disposition::Permanent);
    assert!(
        reused
            .to_string()
            .contains("IDEMPOTENCY_KEY_PARAMETER_MISMATCH"),
        "{reused}"
    );
    assert_eq!(standin.available(ITEM, LOCATION), Some(8));
}

#[tokio::test]
async fn a_sale_on_the_channel_makes_the_next_set_stale_and_is_handled() {
    let standin = ShopifyStandin::start().await;
    let shopify = client(&standin);
    shopify
        .set_available(ITEM, LOCATION, 10, None, &key(1, None))
        .await
        .expect("first figure");
    // Two units sold on Shopify that intake has not seen yet.
    standin.sell(ITEM, LOCATION, 2);
    // Our figure rose to 12 (a receipt); the set compares against the 10 we last set.
    let err = shopify
        .set_available(ITEM, LOCATION, 12, Some(10), &key(2, Some(10)))
        .await
        .expect_err("stale");
    assert_eq!(err, ShopifyError::Stale { current: Some(8) });
    assert_eq!(err.disposition(), Disposition::Stale { current: Some(8) });
    assert!(!err.is_retryable());
    assert_eq!(
        standin.available(ITEM, LOCATION),
        Some(8),
        "never overwritten blindly"
    );
    // Re-read, intake ingests the sale (12 − 2 = 10), and the new figure goes with the new
    // compare under a new key.
    let read = shopify
        .read_available(&[ITEM], LOCATION)
        .await
        .expect("re-read");
    assert_eq!(read[0].available, Some(8));
    shopify
        .set_available(ITEM, LOCATION, 10, Some(8), &key(3, Some(8)))
        .await
        .expect("set with the new compare");
    assert_eq!(standin.available(ITEM, LOCATION), Some(10));
    let applied: Vec<(i64, Option<i64>)> = standin
        .applied_sets()
        .iter()
        .map(|s| (s.quantity, s.change_from))
        .collect();
    assert_eq!(applied, [(10, None), (10, Some(8))]);
}

#[tokio::test]
async fn throttles_failures_and_hangs_are_retryable() {
    let standin = ShopifyStandin::start().await;
    let shopify = client(&standin);

    standin.too_many_next(1, 2);
    let err = shopify
        .set_available(ITEM, LOCATION, 5, None, "a")
        .await
        .expect_err("429");
    assert!(matches!(err, ShopifyError::Throttled { .. }), "{err}");
    assert_eq!(
        err.disposition(),
        Disposition::Retry {
            after: Some(Duration::from_secs(2))
        }
    );

    standin.throttle_next(1);
    let err = shopify
        .read_available(&[ITEM], LOCATION)
        .await
        .expect_err("THROTTLED");
    // (752 requested − 666 available) / 50 per second, rounded up.
    assert_eq!(err.retry_after(), Some(Duration::from_secs(2)), "{err}");

    standin.fail_next(1);
    let err = shopify
        .set_available(ITEM, LOCATION, 5, None, "a")
        .await
        .expect_err("500");
    assert!(
        matches!(err, ShopifyError::Status { status: 500, .. }),
        "{err}"
    );
    assert_eq!(err.disposition(), Disposition::Retry { after: None });
    assert!(err.to_string().contains("went wrong on our end"), "{err}");

    standin.garble_next(1);
    let err = shopify
        .set_available(ITEM, LOCATION, 5, None, "a")
        .await
        .expect_err("garbled");
    assert!(matches!(err, ShopifyError::Malformed { .. }), "{err}");
    assert!(err.is_retryable());

    standin.hang_next(1);
    let err = shopify
        .set_available(ITEM, LOCATION, 5, None, "a")
        .await
        .expect_err("hang");
    assert!(matches!(err, ShopifyError::Timeout { .. }), "{err}");
    assert!(err.is_retryable());

    assert_eq!(standin.applied_sets().len(), 0, "nothing applied so far");
    shopify
        .set_available(ITEM, LOCATION, 5, None, "a")
        .await
        .expect("then it goes through");
    assert_eq!(standin.available(ITEM, LOCATION), Some(5));
    assert_eq!(standin.applied_sets().len(), 1);

    // Nobody listening: retryable.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    let gone = ShopifyClient::new(
        "shopify-main",
        &format!("http://{closed}"),
        "2026-01",
        AccessToken::new(STANDIN_TOKEN),
    )
    .expect("client");
    let err = gone
        .read_available(&[ITEM], LOCATION)
        .await
        .expect_err("refused");
    assert!(matches!(err, ShopifyError::Connect { .. }), "{err}");
    assert!(err.is_retryable());

    // A wrong token: permanent.
    let wrong = ShopifyClient::new(
        "shopify-main",
        &standin.base_url(),
        "2026-01",
        AccessToken::new("shpat_wrong"),
    )
    .expect("client");
    let err = wrong
        .read_available(&[ITEM], LOCATION)
        .await
        .expect_err("401");
    assert!(
        matches!(err, ShopifyError::Status { status: 401, .. }),
        "{err}"
    );
    assert_eq!(err.disposition(), Disposition::Permanent);
    assert!(err.to_string().contains("Invalid API key"), "{err}");
}

fn shipment_payload(
    order: &str,
    lines: &[(&str, i64)],
    tracking: Option<&str>,
) -> FulfillmentRequest {
    let payload = json!({
        "shipment_id": 17,
        "order_id": order,
        "order_name": "#1001",
        "fulfillment": {
            "line_items": lines.iter().map(|(id, q)| json!({"id": id, "quantity": q}))
                .collect::<Vec<_>>(),
            "tracking_info": {"number": tracking, "company": "UPS"},
            "tracking_numbers": tracking.map(|t| vec![t]).unwrap_or_default(),
            "notify_customer": true,
        }
    });
    FulfillmentRequest::from_payload("shopify-main", &payload).expect("payload")
}

#[tokio::test]
async fn a_fulfillment_is_created_once_and_a_resend_skips_it() {
    let standin = ShopifyStandin::start().await;
    let shopify = client(&standin);
    standin.register_simple_order("5001", &[("9001", 3), ("9002", 1)]);

    // First shipment: 2 of line 9001 and the one of 9002.
    let first = shipment_payload(
        "5001",
        &[("9001", 2), ("9002", 1)],
        Some("1Z999AA10123456784"),
    );
    let created = shopify.create_fulfillment(&first).await.expect("fulfil");
    let FulfillmentOutcome::Created {
        fulfillment_id,
        not_fulfilled,
    } = created
    else {
        panic!("expected a fulfillment, got {created:?}");
    };
    assert!(not_fulfilled.is_empty());
    let recorded = standin.fulfillments();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].id, fulfillment_id);
    assert_eq!(recorded[0].order_id, "gid://shopify/Order/5001");
    assert_eq!(
        recorded[0].lines,
        [
            ("gid://shopify/FulfillmentOrderLineItem/9001".to_owned(), 2),
            ("gid://shopify/FulfillmentOrderLineItem/9002".to_owned(), 1)
        ]
    );
    assert_eq!(recorded[0].tracking["number"], "1Z999AA10123456784");
    assert_eq!(recorded[0].tracking["company"], "UPS");
    assert_eq!(recorded[0].notify_customer, Some(true));

    // The same message again (a crash before it was recorded): skipped, although one unit of
    // 9001 is still open.
    let again = shopify.create_fulfillment(&first).await.expect("resend");
    assert_eq!(
        again,
        FulfillmentOutcome::AlreadyFulfilled {
            fulfillment_id: Some(fulfillment_id.clone())
        }
    );
    assert_eq!(standin.fulfillments().len(), 1);
    let ops: Vec<String> = standin
        .received()
        .iter()
        .map(|r| r.operation.clone())
        .collect();
    assert_eq!(ops, ["order", "fulfillmentCreate", "order"]);

    // The rest ships later in its own shipment.
    let second = shipment_payload("5001", &[("9001", 1)], Some("1Z999AA10123456799"));
    assert!(matches!(
        shopify.create_fulfillment(&second).await.expect("second"),
        FulfillmentOutcome::Created { .. }
    ));
    assert_eq!(standin.fulfillments().len(), 2);
    assert_eq!(standin.fulfillment_orders("5001")[0].status, "CLOSED");

    // A shipment without tracking whose lines have nothing left: skipped too.
    let untracked = shipment_payload("5001", &[("9001", 1)], None);
    assert_eq!(
        shopify
            .create_fulfillment(&untracked)
            .await
            .expect("untracked"),
        FulfillmentOutcome::AlreadyFulfilled {
            fulfillment_id: None
        }
    );
    assert_eq!(standin.fulfillments().len(), 2);

    // An order Shopify does not have, and a line not on it: permanent.
    let unknown = shipment_payload("5999", &[("9001", 1)], Some("1Z1"));
    let err = shopify
        .create_fulfillment(&unknown)
        .await
        .expect_err("no order");
    assert_eq!(err.disposition(), Disposition::Permanent, "{err}");
    let stray = shipment_payload("5001", &[("9555", 1)], Some("1Z2"));
    let err = shopify
        .create_fulfillment(&stray)
        .await
        .expect_err("no line");
    assert_eq!(err.disposition(), Disposition::Permanent, "{err}");

    // A 500 on the way: retryable, and nothing fulfilled twice on the retry.
    standin.register_simple_order("5002", &[("9101", 1)]);
    let third = shipment_payload("5002", &[("9101", 1)], Some("1Z3"));
    standin.fail_next(1);
    assert!(
        shopify
            .create_fulfillment(&third)
            .await
            .expect_err("500")
            .is_retryable()
    );
    assert!(matches!(
        shopify.create_fulfillment(&third).await.expect("retry"),
        FulfillmentOutcome::Created { .. }
    ));
    assert!(matches!(
        shopify.create_fulfillment(&third).await.expect("resend"),
        FulfillmentOutcome::AlreadyFulfilled { .. }
    ));
    assert_eq!(standin.fulfillments().len(), 3);
}

#[tokio::test]
async fn the_token_never_appears_in_errors() {
    let standin = ShopifyStandin::start().await;
    let shopify = client(&standin);
    assert!(!format!("{shopify:?}").contains(STANDIN_TOKEN));

    let mut errors: Vec<ShopifyError> = Vec::new();
    standin.fail_next(1);
    errors.push(
        shopify
            .read_available(&[ITEM], LOCATION)
            .await
            .expect_err("500"),
    );
    standin.too_many_next(1, 1);
    errors.push(
        shopify
            .read_available(&[ITEM], LOCATION)
            .await
            .expect_err("429"),
    );
    standin.hang_next(1);
    errors.push(
        shopify
            .read_available(&[ITEM], LOCATION)
            .await
            .expect_err("hang"),
    );
    standin.garble_next(1);
    errors.push(
        shopify
            .read_available(&[ITEM], LOCATION)
            .await
            .expect_err("garbled"),
    );
    shopify
        .set_available(ITEM, LOCATION, 3, None, "t1")
        .await
        .expect("set");
    standin.sell(ITEM, LOCATION, 1);
    errors.push(
        shopify
            .set_available(ITEM, LOCATION, 4, Some(3), "t2")
            .await
            .expect_err("stale"),
    );
    errors.push(
        ShopifyClient::new(
            "shopify-main",
            "https://aisle-demo.myshopify.com",
            "2026-01",
            AccessToken::new(STANDIN_TOKEN),
        )
        .expect_err("https"),
    );
    errors.push(
        ShopifyClient::new(
            "shopify-main",
            "http://127.0.0.1:1",
            "2026-01",
            AccessToken::new(format!("{STANDIN_TOKEN}\r\nX: y")),
        )
        .expect_err("token on two lines"),
    );
    let channel = Channel {
        id: 1,
        name: "shopify-no-token-test".into(),
        kind: "shopify".into(),
        warehouse_id: 1,
        allows_partial_shipment: false,
        active: true,
        settings: json!({"base_url": standin.base_url(), "location_id": "71234500001"}),
    };
    let missing = ShopifyClient::from_channel(&channel).expect_err("no token in the environment");
    assert!(
        missing
            .to_string()
            .contains("AISLE_CHANNEL_SHOPIFY_NO_TOKEN_TEST_ACCESS_TOKEN"),
        "{missing}"
    );
    errors.push(missing);
    for err in &errors {
        let shown = format!("{err} / {err:?}");
        assert!(!shown.contains(STANDIN_TOKEN), "{shown}");
        assert!(!shown.contains("5ecr3t"), "{shown}");
    }
    assert_eq!(errors.len(), 8);
}
