//! What one completed scan or typed line is, decided before anything reaches the database:
//! a product (GTIN), a logistic unit (SSCC), GS1 data, a location label, or plain text for the
//! screen to interpret (SKU codes, badges, order numbers). Barcodes are verified here, so a
//! misread never becomes a lookup.

use crate::domain::barcode::{BarcodeError, Gtin, Sscc, has_valid_check_digit};
use crate::domain::gs1::{GS, Gs1Elements, Gs1Error};

/// Per-device scanner settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanConfig {
    /// The character the scanner sends in place of GS, for scanners that cannot type Ctrl+].
    /// Pick one GS1 never carries in data, such as `|`, `^` or `~`
    /// (see [`crate::domain::gs1::is_gs1_character`]).
    pub gs_substitute: Option<char>,
}

/// A classified scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    Gtin(Gtin),
    Sscc(Sscc),
    /// Boxed: the elements are large and scans travel inside events.
    Gs1(Box<Gs1Elements>),
    /// A location, tote, cart, station or dock label, upper-cased.
    Location(String),
    /// Anything else, as scanned: the screen decides what it means.
    Text(String),
}

impl Scan {
    /// The product scanned, whether as a bare GTIN or inside GS1 data as AI (01).
    pub fn gtin(&self) -> Option<&Gtin> {
        match self {
            Scan::Gtin(gtin) => Some(gtin),
            Scan::Gs1(elements) => elements.gtin.as_ref(),
            _ => None,
        }
    }

    /// The logistic unit scanned, whether bare or inside GS1 data as AI (00).
    pub fn sscc(&self) -> Option<&Sscc> {
        match self {
            Scan::Sscc(sscc) => Some(sscc),
            Scan::Gs1(elements) => elements.sscc.as_ref(),
            _ => None,
        }
    }

    /// The code of a location or text scan. A SKU such as `TSHIRT-BLK-M` has the shape of a
    /// location label, so screens that expect a SKU or badge should read both through this.
    pub fn code(&self) -> Option<&str> {
        match self {
            Scan::Location(code) | Scan::Text(code) => Some(code),
            _ => None,
        }
    }
}

/// Why a scan was refused. `Display` is the long form, one line; [`ScanError::short`] fits a
/// 20-column handheld.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("nothing scanned")]
    Empty,
    #[error("not a valid barcode: {0}")]
    Barcode(BarcodeError),
    #[error("not a valid GS1 barcode: {0}")]
    Gs1(Gs1Error),
}

impl ScanError {
    /// At most 20 characters, for the smallest RF screens.
    pub fn short(&self) -> &'static str {
        match self {
            ScanError::Empty | ScanError::Barcode(BarcodeError::Empty) => "Nothing scanned",
            ScanError::Barcode(BarcodeError::CheckDigit { .. })
            | ScanError::Gs1(Gs1Error::BadKey { .. }) => "Bad check digit",
            ScanError::Barcode(BarcodeError::WrongLength { .. }) => "Wrong barcode length",
            ScanError::Barcode(BarcodeError::NotDigits { .. }) => "Not an EAN/UPC",
            ScanError::Barcode(BarcodeError::UpcENumberSystem { .. }) => "Not a UPC-E",
            ScanError::Gs1(Gs1Error::UnknownAi { .. }) => "Unknown GS1 AI",
            ScanError::Gs1(Gs1Error::BadDate { .. }) => "Bad date in barcode",
            ScanError::Gs1(Gs1Error::WrongLength { .. } | Gs1Error::TooLong { .. }) => {
                "Bad GS1 field length"
            }
            ScanError::Gs1(Gs1Error::EmptyValue { .. }) => "Empty GS1 field",
            ScanError::Gs1(Gs1Error::Repeated { .. }) => "Conflicting GS1 data",
            ScanError::Gs1(
                Gs1Error::Empty
                | Gs1Error::Bracket { .. }
                | Gs1Error::NotDigits { .. }
                | Gs1Error::BadCharacter { .. },
            ) => "Bad GS1 barcode",
        }
    }
}

/// Classifies one line: trailing CR/LF and surrounding spaces are ignored.
///
/// An AIM symbology identifier (`]C1`, `]E0`, …) is stripped and chooses the parser: GS1
/// symbologies (`]C1`, `]d2`, `]Q3`, `]e0`) must hold a GS1 element string; EAN/UPC (`]E0`,
/// `]E4`) a GTIN, which also settles UPC-E against GTIN-8. Without one, the shape decides:
///
/// - GS1 data: bracketed AIs; two digits and a GS anywhere after them; an AI with its key
///   alone (`01` + 14 digits, `00` + 18); or an AI, a key whose check digit passes, and more;
/// - 8, 12, 13 or 14 digits: a GTIN, 18 digits: an SSCC, and a wrong check digit is an error,
///   not text, since it is far more often a misread than a code that happens to be that long;
/// - letters then up to four dash-separated parts (`A-03-12-2`, `TOTE-0001`): a location;
/// - anything else: text.
///
/// Plain Code 128, Code 39 and non-GS1 2D codes (`]C0`, `]A0`, `]d1`, `]Q1`) carry their own
/// check, so there a GTIN-length number that fails the GS1 check is text: an order number.
pub fn classify(line: &str, config: &ScanConfig) -> Result<Scan, ScanError> {
    let line = line.trim_matches([' ', '\t', '\r', '\n']);
    let (aim, body) = split_aim(line);
    if body.is_empty() {
        return Err(ScanError::Empty);
    }
    let with_gs = match config.gs_substitute {
        Some(substitute) => body.replace(substitute, &GS.to_string()),
        None => body.to_owned(),
    };
    match aim {
        Some("C1" | "d2" | "Q3" | "e0") => gs1(&with_gs),
        Some("E0") => {
            // Readers send UPC-E as 8 digits under E0 (EAN-8 has its own E4).
            let parsed = if body.len() == 8 {
                Gtin::parse_upc_e(body)
            } else {
                Gtin::parse(body)
            };
            parsed.map(Scan::Gtin).map_err(ScanError::Barcode)
        }
        Some("E4") => Gtin::parse_gtin8(body)
            .map(Scan::Gtin)
            .map_err(ScanError::Barcode),
        Some("C0" | "A0" | "d1" | "Q1") => by_shape(body, &with_gs, Strictness::Lenient),
        _ => by_shape(body, &with_gs, Strictness::Strict),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strictness {
    /// A GTIN-length number with a bad check digit is a misread.
    Strict,
    /// The symbology has its own check, so such a number is just a number.
    Lenient,
}

/// Splits a leading AIM identifier (`]`, a letter, a letter or digit) from the data.
fn split_aim(line: &str) -> (Option<&str>, &str) {
    match line.as_bytes() {
        [b']', code, modifier, ..]
            if code.is_ascii_alphabetic() && modifier.is_ascii_alphanumeric() =>
        {
            // Three ASCII bytes, so both slices fall on char boundaries.
            (Some(&line[1..3]), &line[3..])
        }
        _ => (None, line),
    }
}

fn gs1(with_gs: &str) -> Result<Scan, ScanError> {
    Gs1Elements::parse(with_gs)
        .map(|elements| Scan::Gs1(Box::new(elements)))
        .map_err(ScanError::Gs1)
}

fn by_shape(body: &str, with_gs: &str, strictness: Strictness) -> Result<Scan, ScanError> {
    if looks_like_gs1(with_gs) {
        return gs1(with_gs);
    }
    if body.bytes().all(|b| b.is_ascii_digit()) {
        let parsed = match body.len() {
            8 | 12 | 13 | 14 => Some(Gtin::parse(body).map(Scan::Gtin)),
            18 => Some(Sscc::parse(body).map(Scan::Sscc)),
            _ => None,
        };
        match (parsed, strictness) {
            (Some(Ok(scan)), _) => return Ok(scan),
            (Some(Err(error)), Strictness::Strict) => return Err(ScanError::Barcode(error)),
            (Some(Err(_)), Strictness::Lenient) | (None, _) => {}
        }
    }
    let upper = body.to_ascii_uppercase();
    if is_location_code(&upper) {
        return Ok(Scan::Location(upper));
    }
    Ok(Scan::Text(body.to_owned()))
}

/// Whether the data has the shape of a GS1 element string rather than a bare key or text.
fn looks_like_gs1(s: &str) -> bool {
    let bytes = s.as_bytes();
    let digits_at = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    if let Some(inner) = s.strip_prefix('(') {
        return inner
            .find(')')
            .is_some_and(|close| (2..=4).contains(&close) && digits_at(1..close + 1));
    }
    if !digits_at(0..2) {
        return false;
    }
    if s.contains(GS) {
        return true;
    }
    // An AI followed by exactly its key is GS1 whatever the check digit says, so that a bad
    // one is reported as such; with more data after it, the key must check out and room must
    // be left for another AI and a value: an 18-digit SSCC may start 01 or 02.
    let key_len = match &s[..2] {
        "00" => 18,
        "01" | "02" => 14,
        _ => return false,
    };
    let end = 2 + key_len;
    if s.len() == end {
        return digits_at(0..end);
    }
    s.len() >= end + 3 && digits_at(2..end) && has_valid_check_digit(&s[2..end])
}

/// `^[A-Z]{1,6}(-[0-9A-Z]{1,6}){1,4}$`: aisle-bay-level-position bins (`A-03-12-2`), reserve
/// (`R-01-02`), stations (`PACK-01`), totes (`TOTE-0001`), carts (`CART-01`), docks (`DOCK-1`).
pub fn is_location_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let head_ok = parts.next().is_some_and(|head| {
        (1..=6).contains(&head.len()) && head.bytes().all(|b| b.is_ascii_uppercase())
    });
    let mut tail = 0;
    let tail_ok = parts.all(|part| {
        tail += 1;
        (1..=6).contains(&part.len())
            && part
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    });
    head_ok && tail_ok && (1..=4).contains(&tail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::barcode::{Symbology, gs1_check_digit};

    fn scan(line: &str) -> Result<Scan, ScanError> {
        classify(line, &ScanConfig::default())
    }

    fn gtin(s: &str) -> Scan {
        Scan::Gtin(Gtin::parse(s).expect(s))
    }

    #[test]
    fn bare_gtins_and_ssccs() {
        assert_eq!(scan("6291041500213"), Ok(gtin("6291041500213")));
        assert_eq!(scan("123456789012\r\n"), Ok(gtin("123456789012")));
        assert_eq!(scan("  96385074 "), Ok(gtin("96385074")));
        assert_eq!(scan("10614141000415"), Ok(gtin("10614141000415")));
        assert_eq!(
            scan("106141411234567897"),
            Ok(Scan::Sscc(
                Sscc::parse("106141411234567897").expect("valid")
            ))
        );
    }

    #[test]
    fn a_bad_check_digit_is_an_error_not_text() {
        let error = scan("6291041500214").expect_err("bad check digit");
        assert_eq!(
            error.to_string(),
            "not a valid barcode: check digit should be 3, not 4 (scan again)"
        );
        assert_eq!(error.short(), "Bad check digit");
        assert!(scan("106141411234567898").is_err());
        assert!(scan("96385075").is_err());
    }

    #[test]
    fn other_numbers_are_text() {
        assert_eq!(scan("12345"), Ok(Scan::Text("12345".to_owned())));
        assert_eq!(
            scan("12345678901"),
            Ok(Scan::Text("12345678901".to_owned()))
        );
        assert_eq!(
            scan("123456789012345"),
            Ok(Scan::Text("123456789012345".to_owned()))
        );
    }

    #[test]
    fn aim_identifiers_choose_the_parser() {
        let gs1 = scan("]C101095060001343521726123110LOT7").expect("GS1-128");
        assert_eq!(gs1.gtin(), Gtin::parse("09506000134352").ok().as_ref());
        let Scan::Gs1(elements) = &gs1 else {
            panic!("{gs1:?}")
        };
        assert_eq!(elements.lot.as_deref(), Some("LOT7"));
        for aim in ["]d2", "]Q3", "]e0"] {
            assert_eq!(
                scan(&format!("{aim}0109506000134352")).map(|s| s.gtin().cloned()),
                Ok(Gtin::parse("09506000134352").ok()),
                "{aim}"
            );
        }
        // GS1 symbologies must hold GS1 data.
        assert!(matches!(
            scan("]C1A-03-12-2"),
            Err(ScanError::Gs1(Gs1Error::UnknownAi { .. }))
        ));
        assert_eq!(scan("]E04006381333931"), Ok(gtin("4006381333931")));
        assert_eq!(scan("]E00123456789012"), Ok(gtin("123456789012")));
        assert_eq!(scan("]I110614141000415"), Ok(gtin("10614141000415")));
        assert_eq!(
            scan("]A0A-03-12-2"),
            Ok(Scan::Location("A-03-12-2".to_owned()))
        );
        assert_eq!(scan("]C0SKU123"), Ok(Scan::Text("SKU123".to_owned())));
        assert_eq!(scan("]C1"), Err(ScanError::Empty));
    }

    #[test]
    fn aim_settles_upc_e_against_gtin8() {
        // 01234565 passes both checks.
        let upc_e = scan("]E001234565").expect("UPC-E");
        assert_eq!(upc_e.gtin().map(Gtin::as_str), Some("00012345000065"));
        let ean8 = scan("]E401234565").expect("EAN-8");
        assert_eq!(ean8.gtin().map(Gtin::symbology), Some(Symbology::Gtin8));
        assert_eq!(
            scan("01234565").map(|s| s.gtin().map(Gtin::symbology)),
            Ok(Some(Symbology::UpcA))
        );
        assert!(matches!(
            scan("]E46291041500213"),
            Err(ScanError::Barcode(BarcodeError::WrongLength { .. }))
        ));
        assert_eq!(scan("]E0ABC").map_err(|e| e.short()), Err("Not an EAN/UPC"));
    }

    #[test]
    fn plain_code_128_numbers_need_not_be_gtins() {
        assert_eq!(
            scan("]C05012345678901"),
            Ok(Scan::Text("5012345678901".to_owned()))
        );
        // A valid GTIN in plain Code 128 is still a GTIN.
        assert_eq!(scan("]C06291041500213"), Ok(gtin("6291041500213")));
        // ITF carries GTIN-14s, so it stays strict.
        assert!(scan("]I010614141000416").is_err());
    }

    #[test]
    fn gs1_without_aim() {
        let bracketed = scan("(01)09506000134352(17)261231(10)LOT7").expect("bracketed");
        let raw = scan("01095060001343521726123110LOT7").expect("raw");
        assert_eq!(bracketed, raw);
        assert!(matches!(raw, Scan::Gs1(_)));
        // AI and key alone, as a GS1-128 SSCC label reads.
        let sscc = scan("00106141411234567897").expect("SSCC label");
        assert_eq!(sscc.sscc().map(Sscc::as_str), Some("106141411234567897"));
        assert_eq!(
            scan("0109506000134352").map(|s| s.gtin().cloned()),
            Ok(Gtin::parse("09506000134352").ok())
        );
        // GS between digits.
        assert!(matches!(scan("10LOT7\u{1d}3712"), Ok(Scan::Gs1(_))));
        // An AI and exactly its key is reported when the key is wrong.
        assert!(matches!(
            scan("0109506000134353"),
            Err(ScanError::Gs1(Gs1Error::BadKey { .. }))
        ));
        // A long number that merely starts 01 is text.
        assert_eq!(
            scan("01095060001343539"),
            Ok(Scan::Text("01095060001343539".to_owned()))
        );
    }

    #[test]
    fn gs_substitute() {
        let config = ScanConfig {
            gs_substitute: Some('|'),
        };
        let with_sub = classify("]C10109506000134352|10LOT7|3712", &config).expect("valid");
        let with_gs = scan("]C10109506000134352\u{1d}10LOT7\u{1d}3712").expect("valid");
        assert_eq!(with_sub, with_gs);
        let Scan::Gs1(elements) = &with_sub else {
            panic!("{with_sub:?}")
        };
        assert_eq!(elements.count, Some(12));
        // Without AIM, digits then the substitute read as GS1.
        let expected = Scan::Gs1(Box::new(Gs1Elements {
            lot: Some("LOT7".to_owned()),
            count: Some(12),
            ..Gs1Elements::default()
        }));
        assert_eq!(classify("10LOT7|3712", &config), Ok(expected));
        // Text keeps its substitute characters.
        assert_eq!(
            classify("NOTE|A", &config),
            Ok(Scan::Text("NOTE|A".to_owned()))
        );
        // Without the setting, `|` is refused inside a GS1 lot.
        assert!(matches!(
            scan("]C11012|3712"),
            Err(ScanError::Gs1(Gs1Error::BadCharacter { found: '|', .. }))
        ));
    }

    #[test]
    fn locations() {
        for code in [
            "A-03-12-2",
            "R-01-02",
            "PACK-01",
            "TOTE-0001",
            "CART-01",
            "DOCK-1",
            "AB-1-2-3-4",
        ] {
            assert_eq!(scan(code), Ok(Scan::Location(code.to_owned())), "{code}");
        }
        assert_eq!(
            scan("a-03-12-2"),
            Ok(Scan::Location("A-03-12-2".to_owned()))
        );
        assert_eq!(
            scan("tote-0001").map(|s| s.code().map(str::to_owned)),
            Ok(Some("TOTE-0001".to_owned()))
        );
        for not_location in [
            "A",
            "A-",
            "-01",
            "A--01",
            "1-03",
            "ABCDEFG-01",
            "A-1234567",
            "A-1-2-3-4-5",
            "A_01",
            "A-0É",
            "PACK 01",
        ] {
            assert!(
                !is_location_code(&not_location.to_ascii_uppercase()),
                "{not_location}"
            );
            assert_eq!(
                scan(not_location),
                Ok(Scan::Text(not_location.to_owned())),
                "{not_location}"
            );
        }
    }

    #[test]
    fn text_and_empty() {
        assert_eq!(scan("SKU-ABC.1"), Ok(Scan::Text("SKU-ABC.1".to_owned())));
        assert_eq!(scan("#1001"), Ok(Scan::Text("#1001".to_owned())));
        assert_eq!(scan("]"), Ok(Scan::Text("]".to_owned())));
        assert_eq!(scan(""), Err(ScanError::Empty));
        assert_eq!(scan(" \r\n"), Err(ScanError::Empty));
        assert_eq!(scan("").map_err(|e| e.short()), Err("Nothing scanned"));
    }

    #[test]
    fn short_messages_fit_twenty_columns() {
        let errors = [
            scan(""),
            scan("6291041500214"),
            scan("]E4123"),
            scan("]E0ABC"),
            scan("]E021234565"),
            scan("]C199X"),
            scan("]C117251301"),
            scan("]C110ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
            scan("]C1010950600013"),
            scan("]C110\u{1d}21X"),
            scan("]C1(10)A(10)B"),
            scan("]C1(01"),
            scan("]C10109506000134353"),
        ];
        for result in errors {
            let error = result.expect_err("an error");
            assert!(error.short().len() <= 20, "{:?}", error.short());
            assert!(!error.to_string().contains('\n'));
        }
    }

    #[test]
    fn generated_gtins_classify_and_single_digit_changes_are_refused() {
        for n in (0..10_000_000u64).step_by(9_973) {
            let data = format!("{:012}", 590_000_000_000 + n * 37);
            let code = format!("{data}{}", gs1_check_digit(&data).expect("digits"));
            assert_eq!(scan(&code), Ok(gtin(&code)));
            assert_eq!(scan(&format!("]E0{code}")), Ok(gtin(&code)));
            for i in 0..code.len() {
                let mut bytes = code.clone().into_bytes();
                bytes[i] = b'0' + (bytes[i] - b'0' + 7) % 10;
                let changed = String::from_utf8(bytes).expect("ascii");
                assert_eq!(
                    scan(&changed).map_err(|e| e.short()),
                    Err("Bad check digit"),
                    "{changed}"
                );
            }
        }
    }
}
