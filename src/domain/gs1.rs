//! GS1 element strings, as GS1-128, GS1 DataMatrix, GS1 QR and DataBar carry them: application
//! identifiers (AIs) each followed by a value. Fixed-length values run on into the next AI;
//! variable-length ones end at a group separator (GS, 0x1D) or the end of the input.
//!
//! The human-readable form with the AIs in brackets, `(01)09506000134352(17)261231(10)LOT7`, is
//! accepted too, for typed input and for scanners that cannot send GS. There, as in GS1's
//! bracketed syntax, a `(` inside a value is written `\(`: `(10)AB\(1)` is lot `AB(1)`.

use std::fmt;

use chrono::NaiveDate;

use crate::domain::barcode::{BarcodeError, Gtin, Sscc, verify_check_digit};

/// The group separator that ends a variable-length value (FNC1 in the symbol).
pub const GS: char = '\u{1d}';

/// What one GS1 barcode said. Only the AIs this warehouse acts on are understood; any other is
/// an error rather than silently dropped data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gs1Elements {
    /// (00) the logistic unit: pallet or carton.
    pub sscc: Option<Sscc>,
    /// (01) the trade item itself.
    pub gtin: Option<Gtin>,
    /// (02) the trade items inside a logistic unit, counted by (37).
    pub content_gtin: Option<Gtin>,
    /// (10) batch or lot.
    pub lot: Option<String>,
    /// (11)
    pub production_date: Option<NaiveDate>,
    /// (13)
    pub packaging_date: Option<NaiveDate>,
    /// (15)
    pub best_before: Option<NaiveDate>,
    /// (16)
    pub sell_by: Option<NaiveDate>,
    /// (17)
    pub expiry: Option<NaiveDate>,
    /// (21)
    pub serial: Option<String>,
    /// (30) variable count of items.
    pub variable_count: Option<u32>,
    /// (37) count of trade items in the logistic unit.
    pub count: Option<u32>,
    /// (310n) net weight in kilograms.
    pub net_weight: Option<NetWeightKg>,
    /// (400) customer's purchase order number.
    pub customer_po: Option<String>,
    /// (410) ship-to GLN.
    pub ship_to_gln: Option<String>,
    /// (413) ship-for GLN.
    pub ship_for_gln: Option<String>,
    /// (414) GLN of a physical location.
    pub location_gln: Option<String>,
    /// (420) ship-to postal code.
    pub ship_to_postal_code: Option<String>,
}

/// A net weight in kilograms as GS1 encodes it: an integer and a count of decimals, kept exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NetWeightKg {
    pub value: u32,
    /// 0 to 5, the last digit of the AI.
    pub decimals: u8,
}

impl NetWeightKg {
    pub fn kg(self) -> f64 {
        f64::from(self.value) / 10f64.powi(i32::from(self.decimals))
    }

    /// The weight in whole grams, rounded half up; the catalogue keeps weights in grams.
    pub fn grams(self) -> u64 {
        let value = u64::from(self.value);
        match self.decimals {
            d @ 0..=3 => value * 10u64.pow(3 - u32::from(d)),
            d => {
                let divisor = 10u64.pow(u32::from(d) - 3);
                (value + divisor / 2) / divisor
            }
        }
    }
}

impl fmt::Display for NetWeightKg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = 10u32.pow(u32::from(self.decimals));
        let (whole, fraction) = (self.value / scale, self.value % scale);
        if self.decimals == 0 {
            write!(f, "{whole} kg")
        } else {
            let width = usize::from(self.decimals);
            write!(f, "{whole}.{fraction:0width$} kg")
        }
    }
}

/// Why a GS1 element string was refused. Messages name the AI concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Gs1Error {
    #[error("expected GS1 data, got nothing")]
    Empty,
    #[error(
        "unknown application identifier ({ai}): expected 00, 01, 02, 10, 11, 13, 15, 16, 17, 21, \
         30, 37, 310n, 400, 410, 413, 414 or 420"
    )]
    UnknownAi { ai: String },
    #[error("expected an application identifier in brackets, like (01), got {found:?}")]
    Bracket { found: String },
    #[error("AI ({ai}) is empty")]
    EmptyValue { ai: String },
    #[error("AI ({ai}) should be {expected} digits, got {got}")]
    WrongLength {
        ai: String,
        expected: usize,
        got: usize,
    },
    #[error("AI ({ai}) allows at most {max} characters, got {got} (missing GS separator?)")]
    TooLong { ai: String, max: usize, got: usize },
    #[error("AI ({ai}) should be digits, got {value:?}")]
    NotDigits { ai: String, value: String },
    #[error("AI ({ai}) has {found:?}, which GS1 does not allow")]
    BadCharacter { ai: String, found: char },
    #[error("AI ({ai}) {value} is not a date: expected YYMMDD")]
    BadDate { ai: String, value: String },
    #[error("AI ({ai}): {reason}")]
    BadKey { ai: String, reason: BarcodeError },
    #[error("AI ({ai}) appears twice with different values")]
    Repeated { ai: String },
}

impl Gs1Elements {
    /// Parses an element string: raw (GS between variable-length values) or bracketed. The
    /// leading FNC1 is not data; a GS standing in for it at either end is ignored.
    ///
    /// Years are read as 2000–2099; GS1's sliding century window would only differ for dates
    /// before 1977 or after 2076, which no stock here carries.
    pub fn parse(input: &str) -> Result<Gs1Elements, Gs1Error> {
        let input = input.trim_matches(GS);
        if input.is_empty() {
            return Err(Gs1Error::Empty);
        }
        let mut elements = Gs1Elements::default();
        if input.starts_with('(') {
            elements.parse_bracketed(input)?;
        } else {
            elements.parse_raw(input)?;
        }
        Ok(elements)
    }

    fn parse_raw(&mut self, input: &str) -> Result<(), Gs1Error> {
        let mut rest = input;
        loop {
            rest = rest.trim_start_matches(GS);
            if rest.is_empty() {
                return Ok(());
            }
            let spec = spec_starting(rest)?;
            rest = &rest[spec.ai.len()..];
            // The value runs to the next GS, or for fixed lengths stops after its digits.
            let field_end = rest.find(GS).unwrap_or(rest.len());
            let field = &rest[..field_end];
            let value = match spec.format {
                Format::Digits(n) => {
                    let got = field.chars().count();
                    if got < n {
                        return Err(Gs1Error::WrongLength {
                            ai: spec.ai.to_owned(),
                            expected: n,
                            got,
                        });
                    }
                    let end = field.char_indices().nth(n).map_or(field.len(), |(i, _)| i);
                    &field[..end]
                }
                Format::DigitsUpTo(_) | Format::TextUpTo(_) => field,
            };
            rest = &rest[value.len()..];
            self.apply(spec, value)?;
        }
    }

    fn parse_bracketed(&mut self, input: &str) -> Result<(), Gs1Error> {
        let mut rest = input;
        loop {
            rest = rest.trim_start_matches(GS);
            if rest.is_empty() {
                return Ok(());
            }
            let bracket_error = || Gs1Error::Bracket {
                found: rest.chars().take(8).collect(),
            };
            let inner = rest.strip_prefix('(').ok_or_else(bracket_error)?;
            let close = inner.find(')').ok_or_else(bracket_error)?;
            let ai = &inner[..close];
            if ai.is_empty() || ai.len() > 4 || !ai.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bracket_error());
            }
            let spec = AIS
                .iter()
                .find(|spec| spec.ai == ai)
                .ok_or_else(|| Gs1Error::UnknownAi { ai: ai.to_owned() })?;
            rest = &inner[close + 1..];
            let end = bracketed_value_end(rest);
            let value = rest[..end].replace("\\(", "(");
            let value = value.as_str();
            rest = &rest[end..];
            if let Format::Digits(n) = spec.format {
                let got = value.chars().count();
                if got != n {
                    return Err(Gs1Error::WrongLength {
                        ai: spec.ai.to_owned(),
                        expected: n,
                        got,
                    });
                }
            }
            self.apply(spec, value)?;
        }
    }

    /// Checks `value` against the AI's format and stores it.
    fn apply(&mut self, spec: &AiSpec, value: &str) -> Result<(), Gs1Error> {
        let ai = spec.ai;
        if value.is_empty() {
            return Err(Gs1Error::EmptyValue { ai: ai.to_owned() });
        }
        match spec.format {
            Format::Digits(_) | Format::DigitsUpTo(_) => {
                if !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Gs1Error::NotDigits {
                        ai: ai.to_owned(),
                        value: value.to_owned(),
                    });
                }
            }
            Format::TextUpTo(_) => {
                if let Some(found) = value.chars().find(|&c| !is_gs1_character(c)) {
                    return Err(Gs1Error::BadCharacter {
                        ai: ai.to_owned(),
                        found,
                    });
                }
            }
        }
        if let Format::DigitsUpTo(max) | Format::TextUpTo(max) = spec.format {
            let got = value.chars().count();
            if got > max {
                return Err(Gs1Error::TooLong {
                    ai: ai.to_owned(),
                    max,
                    got,
                });
            }
        }
        let key_error = |reason| Gs1Error::BadKey {
            ai: ai.to_owned(),
            reason,
        };
        let text = || value.to_owned();
        match spec.field {
            Field::Sscc => put(&mut self.sscc, Sscc::parse(value).map_err(key_error)?, ai),
            Field::Gtin => put(&mut self.gtin, Gtin::parse(value).map_err(key_error)?, ai),
            Field::ContentGtin => put(
                &mut self.content_gtin,
                Gtin::parse(value).map_err(key_error)?,
                ai,
            ),
            Field::Lot => put(&mut self.lot, text(), ai),
            Field::ProductionDate => put(&mut self.production_date, date(ai, value)?, ai),
            Field::PackagingDate => put(&mut self.packaging_date, date(ai, value)?, ai),
            Field::BestBefore => put(&mut self.best_before, date(ai, value)?, ai),
            Field::SellBy => put(&mut self.sell_by, date(ai, value)?, ai),
            Field::Expiry => put(&mut self.expiry, date(ai, value)?, ai),
            Field::Serial => put(&mut self.serial, text(), ai),
            Field::VariableCount => put(&mut self.variable_count, number(value), ai),
            Field::Count => put(&mut self.count, number(value), ai),
            Field::NetWeightKg(decimals) => {
                let weight = NetWeightKg {
                    value: number(value),
                    decimals,
                };
                put(&mut self.net_weight, weight, ai)
            }
            Field::CustomerPo => put(&mut self.customer_po, text(), ai),
            Field::ShipToGln | Field::ShipForGln | Field::LocationGln => {
                verify_check_digit(value).map_err(key_error)?;
                let slot = match spec.field {
                    Field::ShipToGln => &mut self.ship_to_gln,
                    Field::ShipForGln => &mut self.ship_for_gln,
                    _ => &mut self.location_gln,
                };
                put(slot, text(), ai)
            }
            Field::ShipToPostal => put(&mut self.ship_to_postal_code, text(), ai),
        }
    }
}

/// Where a bracketed value ends: at a GS or at the next `(` that is not written `\(`.
fn bracketed_value_end(rest: &str) -> usize {
    let mut after_backslash = false;
    for (i, c) in rest.char_indices() {
        if c == GS || (c == '(' && !after_backslash) {
            return i;
        }
        after_backslash = c == '\\';
    }
    rest.len()
}

/// Stores a value; an AI may repeat only with the same value.
fn put<T: PartialEq>(slot: &mut Option<T>, value: T, ai: &str) -> Result<(), Gs1Error> {
    match slot {
        Some(existing) if *existing != value => Err(Gs1Error::Repeated { ai: ai.to_owned() }),
        _ => {
            *slot = Some(value);
            Ok(())
        }
    }
}

/// A value already checked to be at most 8 digits, which always fits.
fn number(digits: &str) -> u32 {
    digits.bytes().fold(0, |n, b| {
        n.saturating_mul(10).saturating_add(u32::from(b - b'0'))
    })
}

/// YYMMDD, where day 00 means the last day of the month.
fn date(ai: &str, value: &str) -> Result<NaiveDate, Gs1Error> {
    let bad = || Gs1Error::BadDate {
        ai: ai.to_owned(),
        value: value.to_owned(),
    };
    let part = |i: usize| value.get(i..i + 2).and_then(|p| p.parse::<u32>().ok());
    let (Some(yy), Some(month), Some(day)) = (part(0), part(2), part(4)) else {
        return Err(bad());
    };
    let year = 2000 + i32::try_from(yy).map_err(|_| bad())?;
    if day == 0 {
        let next_month = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else if (1..12).contains(&month) {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        } else {
            None
        };
        return next_month.and_then(|d| d.pred_opt()).ok_or_else(bad);
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(bad)
}

/// GS1 AI encodable character set 82: printable ASCII except space, `#`, `$`, `@`, `[`, `\`,
/// `]`, `^`, backquote, `{`, `|`, `}` and `~`. Scanners substitute some of those for GS, so a
/// value containing one points at a scanner set up differently from its terminal.
pub fn is_gs1_character(c: char) -> bool {
    matches!(c,
        '!' | '"' | '%'..='?' | 'A'..='Z' | '_' | 'a'..='z')
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Digits(usize),
    DigitsUpTo(usize),
    TextUpTo(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Sscc,
    Gtin,
    ContentGtin,
    Lot,
    ProductionDate,
    PackagingDate,
    BestBefore,
    SellBy,
    Expiry,
    Serial,
    VariableCount,
    Count,
    NetWeightKg(u8),
    CustomerPo,
    ShipToGln,
    ShipForGln,
    LocationGln,
    ShipToPostal,
}

struct AiSpec {
    ai: &'static str,
    field: Field,
    format: Format,
}

const fn ai(ai: &'static str, field: Field, format: Format) -> AiSpec {
    AiSpec { ai, field, format }
}

/// The AIs understood. None is a prefix of another, so the first match in raw data is the AI.
const AIS: &[AiSpec] = &[
    ai("00", Field::Sscc, Format::Digits(18)),
    ai("01", Field::Gtin, Format::Digits(14)),
    ai("02", Field::ContentGtin, Format::Digits(14)),
    ai("10", Field::Lot, Format::TextUpTo(20)),
    ai("11", Field::ProductionDate, Format::Digits(6)),
    ai("13", Field::PackagingDate, Format::Digits(6)),
    ai("15", Field::BestBefore, Format::Digits(6)),
    ai("16", Field::SellBy, Format::Digits(6)),
    ai("17", Field::Expiry, Format::Digits(6)),
    ai("21", Field::Serial, Format::TextUpTo(20)),
    ai("30", Field::VariableCount, Format::DigitsUpTo(8)),
    ai("37", Field::Count, Format::DigitsUpTo(8)),
    ai("3100", Field::NetWeightKg(0), Format::Digits(6)),
    ai("3101", Field::NetWeightKg(1), Format::Digits(6)),
    ai("3102", Field::NetWeightKg(2), Format::Digits(6)),
    ai("3103", Field::NetWeightKg(3), Format::Digits(6)),
    ai("3104", Field::NetWeightKg(4), Format::Digits(6)),
    ai("3105", Field::NetWeightKg(5), Format::Digits(6)),
    ai("400", Field::CustomerPo, Format::TextUpTo(30)),
    ai("410", Field::ShipToGln, Format::Digits(13)),
    ai("413", Field::ShipForGln, Format::Digits(13)),
    ai("414", Field::LocationGln, Format::Digits(13)),
    ai("420", Field::ShipToPostal, Format::TextUpTo(20)),
];

/// The AI at the start of raw data, or an error naming the unknown one.
fn spec_starting(rest: &str) -> Result<&'static AiSpec, Gs1Error> {
    if let Some(spec) = AIS.iter().find(|spec| rest.starts_with(spec.ai)) {
        return Ok(spec);
    }
    // Name as many digits as GS1 gives AIs with this start, so the message shows the real AI.
    let len = match rest.get(..2) {
        Some("23" | "24" | "25" | "40" | "41" | "42" | "71") => 3,
        Some(
            "31" | "32" | "33" | "34" | "35" | "36" | "39" | "43" | "70" | "72" | "80" | "81"
            | "82",
        ) => 4,
        _ => 2,
    };
    // Control characters escaped, so that the message stays on one line whatever was sent.
    let mut ai = String::new();
    for c in rest.chars().take(len).take_while(|&c| c != GS) {
        if c.is_control() {
            ai.extend(c.escape_debug());
        } else {
            ai.push(c);
        }
    }
    Err(Gs1Error::UnknownAi { ai })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn gtin(s: &str) -> Gtin {
        Gtin::parse(s).expect(s)
    }

    #[test]
    fn raw_gtin_expiry_and_lot() {
        let parsed = Gs1Elements::parse("01095060001343521726123110LOT7").expect("valid");
        assert_eq!(
            parsed,
            Gs1Elements {
                gtin: Some(gtin("09506000134352")),
                expiry: Some(ymd(2026, 12, 31)),
                lot: Some("LOT7".to_owned()),
                ..Gs1Elements::default()
            }
        );
    }

    #[test]
    fn bracketed_form_is_the_same_data() {
        let raw = Gs1Elements::parse("01095060001343521726123110LOT7");
        let bracketed = Gs1Elements::parse("(01)09506000134352(17)261231(10)LOT7");
        assert_eq!(raw, bracketed);
        assert!(raw.is_ok());
    }

    #[test]
    fn variable_values_end_at_gs() {
        let parsed =
            Gs1Elements::parse("\u{1d}0109506000134352\u{1d}10ABC-1/2\u{1d}21SN0042\u{1d}3712")
                .expect("valid");
        assert_eq!(parsed.gtin, Some(gtin("09506000134352")));
        assert_eq!(parsed.lot.as_deref(), Some("ABC-1/2"));
        assert_eq!(parsed.serial.as_deref(), Some("SN0042"));
        assert_eq!(parsed.count, Some(12));
        // A trailing GS is tolerated too.
        assert_eq!(
            Gs1Elements::parse("3712\u{1d}").map(|e| e.count),
            Ok(Some(12))
        );
    }

    #[test]
    fn logistic_unit_label() {
        let parsed = Gs1Elements::parse(
            "00106141411234567897\u{1d}020061414100001237120\u{1d}4001234-AB\u{1d}4105412345000013",
        )
        .expect("valid");
        assert_eq!(
            parsed.sscc.as_ref().map(Sscc::as_str),
            Some("106141411234567897")
        );
        assert_eq!(parsed.content_gtin, Some(gtin("00614141000012")));
        assert_eq!(parsed.count, Some(120));
        assert_eq!(parsed.customer_po.as_deref(), Some("1234-AB"));
        assert_eq!(parsed.ship_to_gln.as_deref(), Some("5412345000013"));
    }

    #[test]
    fn all_dates_and_day_zero() {
        let parsed = Gs1Elements::parse("(11)240229(13)250100(15)240200(16)231200(17)270600")
            .expect("valid");
        assert_eq!(parsed.production_date, Some(ymd(2024, 2, 29)));
        assert_eq!(parsed.packaging_date, Some(ymd(2025, 1, 31)));
        assert_eq!(parsed.best_before, Some(ymd(2024, 2, 29)));
        assert_eq!(parsed.sell_by, Some(ymd(2023, 12, 31)));
        assert_eq!(parsed.expiry, Some(ymd(2027, 6, 30)));
        assert_eq!(
            Gs1Elements::parse("17250200").map(|e| e.expiry),
            Ok(Some(ymd(2025, 2, 28)))
        );
    }

    #[test]
    fn impossible_dates_are_refused() {
        for value in ["250229", "251301", "250001", "250431", "250000", "251300"] {
            assert_eq!(
                Gs1Elements::parse(&format!("17{value}")),
                Err(Gs1Error::BadDate {
                    ai: "17".to_owned(),
                    value: value.to_owned()
                }),
                "{value}"
            );
        }
        assert_eq!(
            Gs1Elements::parse("(17)251301").map_err(|e| e.to_string()),
            Err("AI (17) 251301 is not a date: expected YYMMDD".to_owned())
        );
    }

    #[test]
    fn net_weight_keeps_its_decimals() {
        let parsed = Gs1Elements::parse("3103001250").expect("valid");
        let weight = parsed.net_weight.expect("weight");
        assert_eq!(
            weight,
            NetWeightKg {
                value: 1250,
                decimals: 3
            }
        );
        assert_eq!(weight.to_string(), "1.250 kg");
        assert_eq!(weight.grams(), 1250);
        assert!((weight.kg() - 1.25).abs() < 1e-9);
        let whole = NetWeightKg {
            value: 12,
            decimals: 0,
        };
        assert_eq!(
            (whole.to_string(), whole.grams()),
            ("12 kg".to_owned(), 12_000)
        );
        let fine = NetWeightKg {
            value: 123_456,
            decimals: 5,
        };
        assert_eq!(
            (fine.to_string(), fine.grams()),
            ("1.23456 kg".to_owned(), 1235)
        );
        assert_eq!(
            Gs1Elements::parse("(3105)000007").map(|e| e.net_weight.map(|w| w.grams())),
            Ok(Some(0))
        );
    }

    #[test]
    fn variable_count_and_serial() {
        let parsed = Gs1Elements::parse("(30)5(21)A!\"%&'*+,-./:;<=>?_z").expect("valid");
        assert_eq!(parsed.variable_count, Some(5));
        assert_eq!(parsed.serial.as_deref(), Some("A!\"%&'*+,-./:;<=>?_z"));
    }

    #[test]
    fn key_check_digits_are_verified() {
        assert_eq!(
            Gs1Elements::parse("0109506000134353").map_err(|e| e.to_string()),
            Err("AI (01): check digit should be 2, not 3 (scan again)".to_owned())
        );
        assert!(matches!(
            Gs1Elements::parse("00106141411234567898"),
            Err(Gs1Error::BadKey { ref ai, .. }) if ai == "00"
        ));
        assert!(matches!(
            Gs1Elements::parse("(02)00614141000015(37)3"),
            Err(Gs1Error::BadKey { ref ai, .. }) if ai == "02"
        ));
        assert!(matches!(
            Gs1Elements::parse("4145412345000014"),
            Err(Gs1Error::BadKey { ref ai, .. }) if ai == "414"
        ));
    }

    #[test]
    fn unknown_ais_are_named() {
        let unknown = |s: &str| match Gs1Elements::parse(s) {
            Err(Gs1Error::UnknownAi { ai }) => ai,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(unknown("99ABC"), "99");
        assert_eq!(unknown("0109506000134352240XYZ"), "240");
        assert_eq!(unknown("3106001250"), "3106");
        assert_eq!(unknown("3202001250"), "3202");
        assert_eq!(unknown("(99)ABC"), "99");
        assert_eq!(unknown("(01)09506000134352(7003)2612310930"), "7003");
        assert!(
            Gs1Elements::parse("(92)X")
                .map_err(|e| e.to_string())
                .is_err_and(|m| m.starts_with("unknown application identifier (92): expected"))
        );
    }

    #[test]
    fn lengths_and_characters_are_checked() {
        assert_eq!(
            Gs1Elements::parse("01095060001343"),
            Err(Gs1Error::WrongLength {
                ai: "01".to_owned(),
                expected: 14,
                got: 12
            })
        );
        assert_eq!(
            Gs1Elements::parse("(01)095060001343521"),
            Err(Gs1Error::WrongLength {
                ai: "01".to_owned(),
                expected: 14,
                got: 15
            })
        );
        assert_eq!(
            Gs1Elements::parse("10ABCDEFGHIJKLMNOPQRSTU").map_err(|e| e.to_string()),
            Err("AI (10) allows at most 20 characters, got 21 (missing GS separator?)".to_owned())
        );
        assert_eq!(
            Gs1Elements::parse("37123456789"),
            Err(Gs1Error::TooLong {
                ai: "37".to_owned(),
                max: 8,
                got: 9
            })
        );
        // A missing GS after a variable count swallows the next AI.
        assert_eq!(
            Gs1Elements::parse("371210LOT"),
            Err(Gs1Error::NotDigits {
                ai: "37".to_owned(),
                value: "1210LOT".to_owned()
            })
        );
        assert_eq!(
            Gs1Elements::parse("10LOT 7"),
            Err(Gs1Error::BadCharacter {
                ai: "10".to_owned(),
                found: ' '
            })
        );
        assert_eq!(
            Gs1Elements::parse("10LOT|7"),
            Err(Gs1Error::BadCharacter {
                ai: "10".to_owned(),
                found: '|'
            })
        );
        assert_eq!(
            Gs1Elements::parse("10\u{1d}17261231"),
            Err(Gs1Error::EmptyValue {
                ai: "10".to_owned()
            })
        );
        assert_eq!(
            Gs1Elements::parse("(17)2612A1"),
            Err(Gs1Error::NotDigits {
                ai: "17".to_owned(),
                value: "2612A1".to_owned()
            })
        );
        assert_eq!(
            Gs1Elements::parse("(01)09506000134352ä"),
            Err(Gs1Error::WrongLength {
                ai: "01".to_owned(),
                expected: 14,
                got: 15
            })
        );
        assert!(Gs1Elements::parse("01ä9506000134352").is_err());
    }

    #[test]
    fn empty_and_malformed_input() {
        assert_eq!(Gs1Elements::parse(""), Err(Gs1Error::Empty));
        assert_eq!(Gs1Elements::parse("\u{1d}\u{1d}"), Err(Gs1Error::Empty));
        for bad in [
            "(01",
            "()123",
            "(0a)1",
            "(12345)1",
            "(01)09506000134352 (10)X",
        ] {
            assert!(Gs1Elements::parse(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            Gs1Elements::parse("(01"),
            Err(Gs1Error::Bracket { .. })
        ));
    }

    #[test]
    fn repeated_ais_must_agree() {
        assert_eq!(
            Gs1Elements::parse("(10)A(10)A").map(|e| e.lot),
            Ok(Some("A".to_owned()))
        );
        assert_eq!(
            Gs1Elements::parse("(10)A(10)B"),
            Err(Gs1Error::Repeated {
                ai: "10".to_owned()
            })
        );
    }

    #[test]
    fn every_generated_gtin_round_trips_and_single_digit_changes_are_rejected() {
        for n in (0..10_000_000u64).step_by(4_999) {
            let data = format!("{:013}", 1_000_000_000_000 + n * 131);
            let check = crate::domain::barcode::gs1_check_digit(&data).expect("digits");
            let code = format!("{data}{check}");
            let input = format!("01{code}10L{n}");
            let parsed = Gs1Elements::parse(&input).expect(&input);
            assert_eq!(parsed.gtin.as_ref().map(Gtin::as_str), Some(code.as_str()));
            assert_eq!(parsed.lot, Some(format!("L{n}")));
            for i in 0..code.len() {
                let mut bytes = code.clone().into_bytes();
                bytes[i] = b'0' + (bytes[i] - b'0' + 1) % 10;
                let changed = String::from_utf8(bytes).expect("ascii");
                assert!(
                    matches!(
                        Gs1Elements::parse(&format!("(01){changed}")),
                        Err(Gs1Error::BadKey { .. })
                    ),
                    "{changed}"
                );
            }
        }
    }
}
