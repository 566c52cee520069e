//! Composing the SSCC-18 that identifies each shipped carton (GS1 AI 00).
//!
//! An SSCC is 18 digits: an extension digit (0–9, chosen by the company, here from
//! configuration), the warehouse's GS1 company prefix, a serial reference filling the digits
//! left over (from a database sequence), and the GS1 mod-10 check digit. The prefix and the
//! serial reference share 16 digits, so a longer prefix leaves fewer serials.

use std::fmt;

use crate::domain::barcode::{BarcodeError, Sscc, gs1_check_digit};

/// Digits shared by the company prefix and the serial reference.
const PREFIX_AND_SERIAL_DIGITS: usize = 16;
/// Shortest and longest company prefix accepted for an SSCC here.
const PREFIX_DIGITS_MIN: usize = 7;
const PREFIX_DIGITS_MAX: usize = 10;

/// Why an SSCC could not be composed. Messages say what was expected: they end up in the
/// station's error line and in the configuration check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsccError {
    #[error("SSCC extension digit must be 0 to 9, got {found}")]
    ExtensionDigit { found: u8 },
    #[error(
        "GS1 company prefix is empty: expected 7 to 10 digits from the warehouse configuration"
    )]
    PrefixEmpty,
    #[error("GS1 company prefix {prefix:?} has {found:?}: expected digits only (7 to 10 of them)")]
    PrefixNotDigits { prefix: String, found: char },
    #[error("GS1 company prefix {prefix:?} has {got} digits: expected 7 to 10")]
    PrefixLength { prefix: String, got: usize },
    #[error(
        "SSCC serial reference {serial} does not fit the {digits} digits left by company prefix \
         {prefix} (at most {max}): the serial sequence has run out for this prefix"
    )]
    SerialTooLarge {
        serial: u64,
        prefix: String,
        digits: usize,
        max: u64,
    },
    #[error("composed SSCC {sscc} does not parse back: {reason}")]
    Composed { sscc: String, reason: BarcodeError },
}

/// A GS1 company prefix as used in an SSCC: 7 to 10 digits, leading zeros significant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompanyPrefix(String);

impl CompanyPrefix {
    /// Validates a prefix from configuration. Surrounding whitespace is ignored; anything else
    /// that is not a digit is refused, since a typo here would mislabel every carton.
    pub fn parse(s: &str) -> Result<CompanyPrefix, SsccError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(SsccError::PrefixEmpty);
        }
        if let Some(found) = s.chars().find(|c| !c.is_ascii_digit()) {
            return Err(SsccError::PrefixNotDigits {
                prefix: s.to_owned(),
                found,
            });
        }
        if !(PREFIX_DIGITS_MIN..=PREFIX_DIGITS_MAX).contains(&s.len()) {
            return Err(SsccError::PrefixLength {
                prefix: s.to_owned(),
                got: s.len(),
            });
        }
        Ok(CompanyPrefix(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How many digits the serial reference has under this prefix (6 to 9).
    pub fn serial_digits(&self) -> usize {
        PREFIX_AND_SERIAL_DIGITS - self.0.len()
    }

    /// The largest serial reference that fits under this prefix.
    pub fn max_serial(&self) -> u64 {
        // serial_digits() is at most 9, so this stays far below u64::MAX.
        10u64.pow(self.serial_digits() as u32) - 1
    }
}

impl fmt::Display for CompanyPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for CompanyPrefix {
    type Err = SsccError;

    fn from_str(s: &str) -> Result<CompanyPrefix, SsccError> {
        CompanyPrefix::parse(s)
    }
}

/// How a warehouse numbers its cartons: the configured extension digit and company prefix.
/// Only the serial reference changes from carton to carton.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsccScheme {
    extension_digit: u8,
    company_prefix: CompanyPrefix,
}

impl SsccScheme {
    /// Validates the configured extension digit and company prefix.
    pub fn new(extension_digit: u8, company_prefix: &str) -> Result<SsccScheme, SsccError> {
        if extension_digit > 9 {
            return Err(SsccError::ExtensionDigit {
                found: extension_digit,
            });
        }
        Ok(SsccScheme {
            extension_digit,
            company_prefix: CompanyPrefix::parse(company_prefix)?,
        })
    }

    pub fn extension_digit(&self) -> u8 {
        self.extension_digit
    }

    pub fn company_prefix(&self) -> &CompanyPrefix {
        &self.company_prefix
    }

    /// The SSCC for serial reference `serial` (the next value of the database sequence).
    pub fn compose(&self, serial: u64) -> Result<Sscc, SsccError> {
        compose_sscc(self.extension_digit, &self.company_prefix, serial)
    }
}

/// Composes an SSCC-18: extension digit, company prefix, `serial` left-padded with zeros to the
/// remaining digits, and the GS1 check digit. A serial that does not fit is refused rather than
/// truncated, since a truncated serial would repeat an SSCC already shipped.
pub fn compose_sscc(
    extension_digit: u8,
    company_prefix: &CompanyPrefix,
    serial: u64,
) -> Result<Sscc, SsccError> {
    if extension_digit > 9 {
        return Err(SsccError::ExtensionDigit {
            found: extension_digit,
        });
    }
    let max = company_prefix.max_serial();
    let digits = company_prefix.serial_digits();
    if serial > max {
        return Err(SsccError::SerialTooLarge {
            serial,
            prefix: company_prefix.to_string(),
            digits,
            max,
        });
    }
    let data = format!("{extension_digit}{company_prefix}{serial:0digits$}");
    // All digits and 17 long, so the check digit exists and the SSCC parses; the error
    // below cannot happen but keeps this free of panics.
    let check = gs1_check_digit(&data).unwrap_or(0);
    let sscc = format!("{data}{check}");
    Sscc::parse(&sscc).map_err(|reason| SsccError::Composed { sscc, reason })
}

/// The SSCC as printed under its barcode: `(00) 0 0614141 123456789 0` — AI, extension digit,
/// company prefix, serial reference, check digit. When `company_prefix` is not given, or the
/// SSCC was composed under another prefix, the prefix and serial are printed as one group.
pub fn human_readable(sscc: &Sscc, company_prefix: Option<&CompanyPrefix>) -> String {
    let digits = sscc.as_str();
    // An Sscc is always 18 ASCII digits, so these byte ranges are in bounds.
    let (extension, body, check) = (&digits[..1], &digits[1..17], &digits[17..]);
    match company_prefix {
        Some(prefix) if body.starts_with(prefix.as_str()) => {
            let (prefix, serial) = body.split_at(prefix.as_str().len());
            format!("(00) {extension} {prefix} {serial} {check}")
        }
        _ => format!("(00) {extension} {body} {check}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::barcode::has_valid_check_digit;
    use proptest::prelude::*;

    fn prefix(s: &str) -> CompanyPrefix {
        CompanyPrefix::parse(s).expect("valid prefix")
    }

    #[test]
    fn composes_the_gs1_example() {
        // GS1 General Specifications' example SSCC: 0 0614141 123456789 0.
        let sscc = compose_sscc(0, &prefix("0614141"), 123_456_789).expect("fits");
        assert_eq!(sscc.as_str(), "006141411234567890");
        assert_eq!(
            human_readable(&sscc, Some(&prefix("0614141"))),
            "(00) 0 0614141 123456789 0"
        );
        assert_eq!(human_readable(&sscc, None), "(00) 0 0614141123456789 0");
        assert_eq!(
            human_readable(&sscc, Some(&prefix("1234567"))),
            "(00) 0 0614141123456789 0"
        );
        let scheme = SsccScheme::new(1, "0614141").expect("valid");
        assert_eq!(
            scheme.compose(123_456_789).map(|s| s.to_string()),
            Ok("106141411234567897".to_owned())
        );
    }

    #[test]
    fn serial_is_left_padded_and_its_width_follows_the_prefix() {
        let seven = prefix("0614141");
        assert_eq!(seven.serial_digits(), 9);
        assert_eq!(seven.max_serial(), 999_999_999);
        let sscc = compose_sscc(3, &seven, 42).expect("fits");
        assert_eq!(&sscc.as_str()[..17], "30614141000000042");
        let ten = prefix("0614141999");
        assert_eq!(ten.serial_digits(), 6);
        assert_eq!(ten.max_serial(), 999_999);
        assert!(compose_sscc(0, &ten, 999_999).is_ok());
        assert!(compose_sscc(0, &ten, 0).is_ok());
    }

    #[test]
    fn refuses_a_serial_that_does_not_fit() {
        let err = compose_sscc(0, &prefix("0614141999"), 1_000_000).expect_err("too big");
        assert_eq!(
            err.to_string(),
            "SSCC serial reference 1000000 does not fit the 6 digits left by company prefix \
             0614141999 (at most 999999): the serial sequence has run out for this prefix"
        );
        assert!(compose_sscc(0, &prefix("0614141"), u64::MAX).is_err());
    }

    #[test]
    fn validates_the_configuration() {
        assert_eq!(
            SsccScheme::new(10, "0614141"),
            Err(SsccError::ExtensionDigit { found: 10 })
        );
        assert_eq!(
            compose_sscc(12, &prefix("0614141"), 1),
            Err(SsccError::ExtensionDigit { found: 12 })
        );
        assert_eq!(CompanyPrefix::parse("  "), Err(SsccError::PrefixEmpty));
        assert_eq!(
            CompanyPrefix::parse("061414").map_err(|e| e.to_string()),
            Err("GS1 company prefix \"061414\" has 6 digits: expected 7 to 10".to_owned())
        );
        assert!(matches!(
            CompanyPrefix::parse("06141412345"),
            Err(SsccError::PrefixLength { got: 11, .. })
        ));
        assert_eq!(
            CompanyPrefix::parse("0614-141").map_err(|e| e.to_string()),
            Err(
                "GS1 company prefix \"0614-141\" has '-': expected digits only (7 to 10 of them)"
                    .to_owned()
            )
        );
        assert_eq!(
            " 0614141\n".parse::<CompanyPrefix>().map(|p| p.to_string()),
            Ok("0614141".to_owned())
        );
    }

    proptest! {
        #[test]
        fn every_composed_sscc_is_valid_and_round_trips(
            extension in 0u8..=9,
            prefix_digits in proptest::collection::vec(0u8..=9, 7..=10),
            serial_seed in any::<u64>(),
        ) {
            let prefix_text: String =
                prefix_digits.iter().map(|d| char::from(b'0' + d)).collect();
            let prefix = CompanyPrefix::parse(&prefix_text).expect("7 to 10 digits");
            let serial = serial_seed % (prefix.max_serial() + 1);
            let sscc = compose_sscc(extension, &prefix, serial).expect("serial fits");
            let digits = sscc.as_str();
            prop_assert_eq!(digits.len(), 18);
            prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()));
            prop_assert!(has_valid_check_digit(digits));
            prop_assert_eq!(&digits[..1], extension.to_string());
            prop_assert_eq!(&digits[1..1 + prefix_text.len()], prefix_text.as_str());
            prop_assert_eq!(digits[1 + prefix_text.len()..17].parse::<u64>().ok(), Some(serial));
            prop_assert_eq!(Sscc::parse(digits), Ok(sscc.clone()));
            let printed = human_readable(&sscc, Some(&prefix));
            prop_assert_eq!(printed.replace(['(', ')', ' '], ""), format!("00{digits}"));
        }

        #[test]
        fn serials_past_the_prefix_capacity_are_refused(
            prefix_len in 7usize..=10,
            over in 1u64..1_000_000,
        ) {
            let prefix = CompanyPrefix::parse(&"7".repeat(prefix_len)).expect("valid");
            let serial = prefix.max_serial() + over;
            let refused = matches!(
                compose_sscc(0, &prefix, serial),
                Err(SsccError::SerialTooLarge { .. })
            );
            prop_assert!(refused);
        }
    }
}
