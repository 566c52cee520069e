//! Carriers behind one interface: a quote for a shipment, and a tracking number for a carton's
//! label.
//!
//! - [`RateSheetCarrier`] prices from the embedded rate sheets (`assets/rates/`) and allocates
//!   tracking numbers deterministically from a sequence the caller passes in (the carton's SSCC
//!   serial or a database sequence), so a reprint gets the same number.
//! - [`HttpCarrier`] talks JSON over HTTP/1.1 to a carrier's base URL (a local stand-in server in
//!   tests), with a small client of its own on `tokio::net::TcpStream`: no new dependency.
//!
//! [`Carrier`] is a trait with `async` methods (returning `impl Future + Send`, so the futures
//! can be spawned); [`AnyCarrier`] dispatches over the two kinds by enum, which is how a station
//! holds a list of carriers. [`shop`] asks every carrier at once and chooses with
//! [`rate_shop::choose`]; one carrier failing never fails the rate shop, it is reported.

pub mod http;
pub mod rate_sheet;

use std::fmt;
use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::barcode::Sscc;
use crate::domain::rate_shop::{self, Promise, RateError, ShopResult, Unquoted};

pub use crate::domain::rate_shop::{Package, Quote, ShipmentRequest};
pub use http::HttpCarrier;
pub use rate_sheet::RateSheetCarrier;

/// What a carrier needs to allocate a carton's tracking number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelRequest {
    /// The service chosen, by its code at this carrier (`GND`, `2DAY`, …).
    pub service: String,
    /// The carton's SSCC-18.
    pub sscc: Sscc,
    /// A number unique to this carton at this warehouse (the SSCC serial, or a database
    /// sequence): the rate-sheet carrier's tracking number is made from it.
    pub sequence: u64,
    /// The order's reference, printed on the label.
    pub reference: String,
    pub to_zip: String,
    /// The carton's weighed gross weight.
    pub weight_g: u32,
}

/// A carrier's tracking number for one carton.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TrackingNumber(String);

impl TrackingNumber {
    /// Letters and digits only, 8 to 40 of them.
    pub fn parse(text: &str) -> Option<TrackingNumber> {
        let ok = (8..=40).contains(&text.len()) && text.chars().all(|c| c.is_ascii_alphanumeric());
        ok.then(|| TrackingNumber(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrackingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What went wrong with a carrier; every message names the carrier and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CarrierError {
    #[error("carrier {carrier}: {source}")]
    Rates {
        carrier: String,
        #[source]
        source: RateError,
    },
    #[error("carrier {carrier} has no service {service:?}: expected one of {known}")]
    UnknownService {
        carrier: String,
        service: String,
        known: String,
    },
    #[error("carrier {carrier}: {setting} {value:?}: expected {expected}")]
    Setting {
        carrier: String,
        setting: &'static str,
        value: String,
        expected: String,
    },
    #[error(
        "carrier {carrier}: cannot connect to {address} for {request}: {reason}; expected the \
         carrier's server to listen there"
    )]
    Connect {
        carrier: String,
        address: String,
        request: String,
        reason: String,
    },
    #[error(
        "carrier {carrier}: no complete answer to {request} within {millis} ms: expected an \
         answer in time"
    )]
    Timeout {
        carrier: String,
        request: String,
        millis: u128,
    },
    #[error(
        "carrier {carrier}: the connection closed during {request} after {received} bytes of \
         the answer: expected {expected}"
    )]
    Dropped {
        carrier: String,
        request: String,
        received: usize,
        expected: String,
    },
    #[error(
        "carrier {carrier} answered {status} {reason} to {request}: expected 200 OK; it said: \
         {body}"
    )]
    Status {
        carrier: String,
        request: String,
        status: u16,
        reason: String,
        body: String,
    },
    #[error(
        "carrier {carrier} sent a malformed answer to {request}: expected {expected}: {detail}"
    )]
    Malformed {
        carrier: String,
        request: String,
        expected: String,
        detail: String,
    },
}

/// One carrier: quotes for a shipment, tracking numbers for labels.
pub trait Carrier {
    /// The carrier's code (`UPS`, `USPS`, `FEDEX`, as in `carriers.code`).
    fn code(&self) -> &str;

    /// Every service this carrier can offer for the shipment, priced.
    fn quote(
        &self,
        shipment: &ShipmentRequest,
    ) -> impl Future<Output = Result<Vec<Quote>, CarrierError>> + Send;

    /// A tracking number for one carton.
    fn label(
        &self,
        request: &LabelRequest,
    ) -> impl Future<Output = Result<TrackingNumber, CarrierError>> + Send;
}

/// Either kind of carrier, for a station's list of carriers.
#[derive(Debug, Clone)]
pub enum AnyCarrier {
    RateSheet(RateSheetCarrier),
    Http(HttpCarrier),
}

impl Carrier for AnyCarrier {
    fn code(&self) -> &str {
        match self {
            AnyCarrier::RateSheet(c) => c.code(),
            AnyCarrier::Http(c) => c.code(),
        }
    }

    async fn quote(&self, shipment: &ShipmentRequest) -> Result<Vec<Quote>, CarrierError> {
        match self {
            AnyCarrier::RateSheet(c) => c.quote(shipment).await,
            AnyCarrier::Http(c) => c.quote(shipment).await,
        }
    }

    async fn label(&self, request: &LabelRequest) -> Result<TrackingNumber, CarrierError> {
        match self {
            AnyCarrier::RateSheet(c) => c.label(request).await,
            AnyCarrier::Http(c) => c.label(request).await,
        }
    }
}

impl From<RateSheetCarrier> for AnyCarrier {
    fn from(c: RateSheetCarrier) -> Self {
        AnyCarrier::RateSheet(c)
    }
}

impl From<HttpCarrier> for AnyCarrier {
    fn from(c: HttpCarrier) -> Self {
        AnyCarrier::Http(c)
    }
}

/// A rate shop across carriers: the choice, and the carriers that could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierShop {
    pub result: ShopResult,
    pub failures: Vec<CarrierError>,
}

/// Asks every carrier at once (each within `timeout`), then chooses among all their quotes
/// ([`rate_shop::choose`]). A carrier that fails or is too slow is listed in `failures`; a
/// rate-sheet carrier's services that cannot take the shipment are listed as unavailable.
pub async fn shop(
    carriers: &[AnyCarrier],
    shipment: &ShipmentRequest,
    promise: &Promise,
    timeout: Duration,
) -> CarrierShop {
    let asks = carriers.iter().map(|carrier| async move {
        let answer = tokio::time::timeout(timeout, async {
            match carrier {
                // The sheet also says which services cannot take the shipment, and why.
                AnyCarrier::RateSheet(c) => c.quote_with_unavailable(shipment),
                AnyCarrier::Http(c) => c.quote(shipment).await.map(|q| (q, Vec::new())),
            }
        })
        .await;
        answer.unwrap_or_else(|_| {
            Err(CarrierError::Timeout {
                carrier: carrier.code().to_owned(),
                request: "a rate request".into(),
                millis: timeout.as_millis(),
            })
        })
    });
    let answers = futures_util::future::join_all(asks).await;
    let mut quotes = Vec::new();
    let mut unavailable: Vec<Unquoted> = Vec::new();
    let mut failures = Vec::new();
    for answer in answers {
        match answer {
            Ok((q, u)) => {
                quotes.extend(q);
                unavailable.extend(u);
            }
            Err(e) => failures.push(e),
        }
    }
    let mut result = rate_shop::choose(quotes, promise);
    result.unavailable = unavailable;
    CarrierShop { result, failures }
}
