//! The rate-sheet carrier: prices from `assets/rates/` (see [`crate::domain::rate_shop`]),
//! tracking numbers made from the sequence the caller passes in.
//!
//! Tracking numbers, by carrier code (the same sequence always gives the same number):
//! - `UPS`: `1Z`, the shipper account (6 letters or digits, `AISLE1` by default), a two-digit
//!   service code (`GND` 03, `3DS` 12, `2DA` 02, `1DA` 01, others 00), the sequence's last 7
//!   digits and UPS's check digit (letters count `(ASCII − 63) mod 10`; odd places once, even
//!   places twice; `(10 − sum mod 10) mod 10`).
//! - `USPS`: 22 digits in the shape of an Intelligent Mail package barcode: `9400111`, the
//!   sequence's last 14 digits, and a mod-10 (3-1 weighted) check digit.
//! - `FEDEX`: 12 digits: the sequence's last 11 digits and a mod-11 check digit (weights 1, 3,
//!   7 from the right; 10 counts as 0).
//! - any other carrier: its code, the sequence's last 12 digits and a mod-10 check digit.
//!
//! These follow the carriers' public shapes so that screens and manifests look right; they are
//! not registered with any carrier.

use std::sync::Arc;

use crate::domain::barcode::gs1_check_digit;
use crate::domain::rate_shop::{RateError, RateSheet, SheetQuotes, Unquoted};

use super::{Carrier, CarrierError, LabelRequest, Quote, ShipmentRequest, TrackingNumber};

/// One carrier's services priced from a shared rate sheet.
#[derive(Debug, Clone)]
pub struct RateSheetCarrier {
    code: String,
    sheet: Arc<RateSheet>,
    /// UPS shipper account (6 letters or digits), used in UPS tracking numbers.
    account: String,
}

impl RateSheetCarrier {
    pub fn new(code: &str, sheet: Arc<RateSheet>) -> Self {
        RateSheetCarrier {
            code: code.to_owned(),
            sheet,
            account: "AISLE1".to_owned(),
        }
    }

    /// The shipper account in UPS tracking numbers: 6 ASCII letters or digits, upper-cased.
    pub fn with_account(mut self, account: &str) -> Result<Self, CarrierError> {
        let account = account.trim().to_ascii_uppercase();
        if account.len() != 6 || !account.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(CarrierError::Setting {
                carrier: self.code.clone(),
                setting: "shipper account",
                value: account,
                expected: "6 letters or digits".into(),
            });
        }
        self.account = account;
        Ok(self)
    }

    /// One carrier per carrier code on the sheet, in code order.
    pub fn all(sheet: Arc<RateSheet>) -> Vec<RateSheetCarrier> {
        let mut codes: Vec<String> = sheet
            .services()
            .iter()
            .map(|s| s.service.carrier.clone())
            .chain(sheet.unrated().iter().map(|s| s.carrier.clone()))
            .collect();
        codes.sort();
        codes.dedup();
        codes
            .iter()
            .map(|code| RateSheetCarrier::new(code, Arc::clone(&sheet)))
            .collect()
    }

    /// The demo's carriers on the embedded sheets.
    pub fn demo() -> Result<Vec<RateSheetCarrier>, RateError> {
        Ok(RateSheetCarrier::all(Arc::new(RateSheet::demo()?)))
    }

    pub fn sheet(&self) -> &RateSheet {
        &self.sheet
    }

    /// Quotes, and this carrier's services that cannot take the shipment (with the reason).
    pub fn quote_with_unavailable(
        &self,
        shipment: &ShipmentRequest,
    ) -> Result<(Vec<Quote>, Vec<Unquoted>), CarrierError> {
        let SheetQuotes {
            quotes,
            unavailable,
        } = self
            .sheet
            .quote(Some(&self.code), shipment)
            .map_err(|source| CarrierError::Rates {
                carrier: self.code.clone(),
                source,
            })?;
        Ok((quotes, unavailable))
    }

    /// The tracking number for a sequence and service (see the module documentation).
    pub fn tracking_number(&self, service: &str, sequence: u64) -> TrackingNumber {
        let number = match self.code.as_str() {
            "UPS" => {
                let service_code = match service {
                    "GND" => "03",
                    "3DS" => "12",
                    "2DA" => "02",
                    "1DA" => "01",
                    _ => "00",
                };
                let body = format!("{}{service_code}{:07}", self.account, sequence % 10_000_000);
                format!("1Z{body}{}", ups_check_digit(&body))
            }
            "USPS" => {
                let body = format!("9400111{:014}", sequence % 100_000_000_000_000);
                with_mod10(body)
            }
            "FEDEX" => {
                let body = format!("{:011}", sequence % 100_000_000_000);
                let check = fedex_check_digit(&body);
                format!("{body}{check}")
            }
            other => {
                let prefix: String = other
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .take(8)
                    .collect();
                let digits = with_mod10(format!("{:012}", sequence % 1_000_000_000_000));
                format!("{}{digits}", prefix.to_ascii_uppercase())
            }
        };
        TrackingNumber(number)
    }
}

impl Carrier for RateSheetCarrier {
    fn code(&self) -> &str {
        &self.code
    }

    async fn quote(&self, shipment: &ShipmentRequest) -> Result<Vec<Quote>, CarrierError> {
        self.quote_with_unavailable(shipment)
            .map(|(quotes, _)| quotes)
    }

    async fn label(&self, request: &LabelRequest) -> Result<TrackingNumber, CarrierError> {
        if self.sheet.service(&self.code, &request.service).is_none() {
            let known: Vec<&str> = self
                .sheet
                .services()
                .iter()
                .filter(|s| s.service.carrier == self.code)
                .map(|s| s.service.code.as_str())
                .collect();
            return Err(CarrierError::UnknownService {
                carrier: self.code.clone(),
                service: request.service.clone(),
                known: known.join(", "),
            });
        }
        Ok(self.tracking_number(&request.service, request.sequence))
    }
}

/// UPS's check digit over the 15 characters after `1Z`.
fn ups_check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let value = c
                .to_digit(10)
                .unwrap_or_else(|| (u32::from(c as u8).saturating_sub(63)) % 10);
            if i % 2 == 0 { value } else { 2 * value }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// FedEx's 12-digit check digit over 11 digits: weights 1, 3, 7 from the right, mod 11.
fn fedex_check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .zip([1, 3, 7].into_iter().cycle())
        .map(|(d, w)| d * w)
        .sum();
    (sum % 11) % 10
}

/// The digits followed by their GS1 (3-1 weighted) mod-10 check digit.
fn with_mod10(body: String) -> String {
    let check = gs1_check_digit(&body).unwrap_or(0);
    format!("{body}{check}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carriers() -> Vec<RateSheetCarrier> {
        RateSheetCarrier::demo().expect("the demo sheet parses")
    }

    #[test]
    fn the_ups_check_digit_matches_the_published_example() {
        // 1Z 999AA1 01 2345678 4 is UPS's documented sample.
        assert_eq!(ups_check_digit("999AA1012345678"), 4);
    }

    #[test]
    fn one_carrier_per_code() {
        let codes: Vec<String> = carriers().iter().map(|c| c.code().to_owned()).collect();
        assert_eq!(codes, ["FEDEX", "UPS", "USPS"]);
    }

    #[test]
    fn tracking_numbers_are_deterministic_and_shaped() {
        let all = carriers();
        let ups = &all[1];
        let number = ups.tracking_number("GND", 1234);
        assert_eq!(number, ups.tracking_number("GND", 1234));
        assert_ne!(number, ups.tracking_number("GND", 1235));
        assert!(number.as_str().starts_with("1ZAISLE1030001234"), "{number}");
        assert_eq!(number.as_str().len(), 18);

        let usps = all[2].tracking_number("PM", 42);
        assert_eq!(usps.as_str().len(), 22);
        assert_eq!(
            gs1_check_digit(&usps.as_str()[..21]).map(u32::from),
            usps.as_str()[21..].parse().ok()
        );

        let fedex = all[0].tracking_number("2DAY", 42);
        assert_eq!(fedex.as_str().len(), 12);
        assert!(TrackingNumber::parse(fedex.as_str()).is_some());
    }

    #[tokio::test]
    async fn quotes_are_this_carriers_only_and_labels_need_a_known_service() {
        let all = carriers();
        let fedex = &all[0];
        let quotes = fedex
            .quote(&ShipmentRequest::single("60431", "92101", 2000))
            .await
            .expect("rates");
        assert_eq!(quotes.len(), 3);
        assert!(quotes.iter().all(|q| q.carrier == "FEDEX"));

        let request = LabelRequest {
            service: "GND".into(),
            sscc: crate::domain::barcode::Sscc::parse("006141410000000012").expect("an SSCC"),
            sequence: 1,
            reference: "#1001".into(),
            to_zip: "64105".into(),
            weight_g: 500,
        };
        let err = fedex.label(&request).await.expect_err("FedEx has no GND");
        assert_eq!(
            err.to_string(),
            "carrier FEDEX has no service \"GND\": expected one of GROUND, 2DAY, PO"
        );
        let ok = fedex
            .label(&LabelRequest {
                service: "GROUND".into(),
                ..request
            })
            .await
            .expect("a number");
        assert_eq!(ok, fedex.tracking_number("GROUND", 1));

        let err = fedex
            .quote(&ShipmentRequest::single("60431", "ABC", 2000))
            .await
            .expect_err("bad ZIP");
        assert!(
            err.to_string().starts_with("carrier FEDEX: ship-to ZIP"),
            "{err}"
        );
    }
}
