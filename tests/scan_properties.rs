//! Property tests of the scanner parser, through the public API only: GTIN check digits and
//! normalisation, GS1 element strings in raw and bracketed form, refusals that name the AI
//! concerned, arbitrary input, and the keymap turning a scanner's key burst into one line.

use aisle::app::Action;
use aisle::app::keymap::Keymap;
use aisle::domain::barcode::{BarcodeError, Gtin, Sscc, Symbology, gs1_check_digit};
use aisle::domain::gs1::{GS, Gs1Elements, Gs1Error};
use aisle::domain::scan::{Scan, ScanConfig, ScanError, classify};
use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select, subsequence};
use proptest::test_runner::Config;

/// 400 cases a property unless `PROPTEST_CASES` says otherwise (a longer search by hand).
fn config() -> Config {
    let base = Config::default();
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() {
        base.cases
    } else {
        400
    };
    Config {
        cases,
        // Failures are kept as named tests at the end, not as files beside the sources.
        failure_persistence: None,
        ..base
    }
}

fn scan(line: &str) -> Result<Scan, ScanError> {
    classify(line, &ScanConfig::default())
}

// ---------------------------------------------------------------------------------------------
// Generators.

/// GS1 AI encodable character set 82, independently of the parser's own table.
const SET_82: &str =
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/// Characters GS1 data may not carry (GS itself excepted: it is the separator).
const NOT_SET_82: &[char] = &[
    ' ', '#', '$', '@', '[', '\\', ']', '^', '`', '{', '|', '}', '~', '\0', '\t', '\u{7f}', 'é',
    'Ä', '€', '\u{a0}', '（',
];

fn digits(n: usize) -> impl Strategy<Value = String> {
    vec(0u8..10, n).prop_map(|ds| ds.into_iter().map(|d| char::from(b'0' + d)).collect())
}

fn with_check(data: &str) -> String {
    let check = gs1_check_digit(data).expect("digits");
    format!("{data}{check}")
}

fn set_82(lengths: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    let chars: Vec<char> = SET_82.chars().collect();
    vec(select(chars), lengths).prop_map(|cs| cs.into_iter().collect())
}

/// Every code one digit away from `code`.
fn single_digit_changes(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..code.len() {
        for d in b'0'..=b'9' {
            if code.as_bytes()[i] != d {
                let mut bytes = code.as_bytes().to_vec();
                bytes[i] = d;
                out.push(String::from_utf8(bytes).expect("ascii"));
            }
        }
    }
    out
}

/// YYMMDD as GS1 reads it (2000–2099; day 00 is the last day of the month), or `None`.
fn gs1_date(yy: u32, mm: u32, dd: u32) -> Option<NaiveDate> {
    let year = 2000 + i32::try_from(yy).ok()?;
    if dd == 0 {
        let first_of_next = if mm == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else if (1..12).contains(&mm) {
            NaiveDate::from_ymd_opt(year, mm + 1, 1)
        } else {
            None
        };
        return first_of_next?.pred_opt();
    }
    NaiveDate::from_ymd_opt(year, mm, dd)
}

/// One element of the six AIs the floor acts on, with a valid value.
#[derive(Debug, Clone, PartialEq)]
enum Element {
    /// (00) 18 digits.
    Sscc(String),
    /// (01) 14 digits.
    Gtin(String),
    /// (10)
    Lot(String),
    /// (17) YYMMDD and the date it means.
    Expiry(String, NaiveDate),
    /// (21)
    Serial(String),
    /// (37) one to eight digits.
    Count(String),
}

impl Element {
    fn part(&self) -> Part {
        let (ai, value, variable) = match self {
            Element::Sscc(v) => ("00", v, false),
            Element::Gtin(v) => ("01", v, false),
            Element::Lot(v) => ("10", v, true),
            Element::Expiry(v, _) => ("17", v, false),
            Element::Serial(v) => ("21", v, true),
            Element::Count(v) => ("37", v, true),
        };
        Part {
            ai: ai.to_owned(),
            value: value.clone(),
            variable,
        }
    }

    /// What the parser should make of it.
    fn apply(&self, elements: &mut Gs1Elements) {
        match self {
            Element::Sscc(v) => elements.sscc = Some(Sscc::parse(v).expect("valid SSCC")),
            Element::Gtin(v) => elements.gtin = Some(Gtin::parse(v).expect("valid GTIN")),
            Element::Lot(v) => elements.lot = Some(v.clone()),
            Element::Expiry(_, date) => elements.expiry = Some(*date),
            Element::Serial(v) => elements.serial = Some(v.clone()),
            Element::Count(v) => elements.count = Some(v.parse().expect("at most 8 digits")),
        }
    }
}

/// An AI and its value as they are written, valid or not.
#[derive(Debug, Clone, PartialEq)]
struct Part {
    ai: String,
    value: String,
    /// Ends at a GS (or the end of the data) rather than after a fixed count of digits.
    variable: bool,
}

/// The raw element string: GS after every variable-length value but the last.
fn raw(parts: &[Part]) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        out.push_str(&part.ai);
        out.push_str(&part.value);
        if part.variable && i + 1 < parts.len() {
            out.push(GS);
        }
    }
    out
}

/// The human-readable form, `(01)…(10)…`, with a `(` inside a value written `\(` as the GS1
/// bracketed syntax has it.
fn bracketed(parts: &[Part]) -> String {
    parts
        .iter()
        .map(|p| format!("({}){}", p.ai, p.value.replace('(', "\\(")))
        .collect()
}

fn sscc() -> impl Strategy<Value = String> {
    digits(17).prop_map(|d| with_check(&d))
}

fn gtin14() -> impl Strategy<Value = String> {
    digits(13).prop_map(|d| with_check(&d))
}

fn expiry() -> impl Strategy<Value = (String, NaiveDate)> {
    (0u32..100, 1u32..=12, 0u32..=31).prop_filter_map("a real date", |(yy, mm, dd)| {
        gs1_date(yy, mm, dd).map(|date| (format!("{yy:02}{mm:02}{dd:02}"), date))
    })
}

fn count() -> impl Strategy<Value = String> {
    (1usize..=8).prop_flat_map(digits)
}

/// One valid element of each kind.
fn one_of_each() -> impl Strategy<Value = Vec<Element>> {
    (
        sscc(),
        gtin14(),
        set_82(1..=20),
        expiry(),
        set_82(1..=20),
        count(),
    )
        .prop_map(|(sscc, gtin, lot, (yymmdd, date), serial, count)| {
            vec![
                Element::Sscc(sscc),
                Element::Gtin(gtin),
                Element::Lot(lot),
                Element::Expiry(yymmdd, date),
                Element::Serial(serial),
                Element::Count(count),
            ]
        })
}

/// Any subset of the six AIs, in any order, each with a valid value.
fn elements(size: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Vec<Element>> {
    one_of_each().prop_flat_map(move |all| subsequence(all, size.clone()).prop_shuffle())
}

fn expected(elements: &[Element]) -> Gs1Elements {
    let mut out = Gs1Elements::default();
    for element in elements {
        element.apply(&mut out);
    }
    out
}

fn gs1_aim() -> impl Strategy<Value = &'static str> {
    select(vec!["]C1", "]d2", "]Q3"])
}

/// Real GS1 AIs this warehouse does not act on, as many digits long as GS1 defines them.
const UNKNOWN_AIS: &[&str] = &[
    "20", "22", "235", "240", "241", "250", "251", "253", "254", "3106", "3200", "3302", "3402",
    "3502", "3602", "3902", "3922", "401", "402", "403", "411", "415", "417", "421", "422", "4300",
    "4307", "4330", "7001", "7003", "7010", "710", "711", "7230", "8001", "8003", "8004", "8008",
    "8012", "8017", "8020", "8200", "90", "91", "92", "99",
];

/// A valid element of the same AI as `element` whose value means something else.
fn different(element: &Element) -> BoxedStrategy<Element> {
    let original = element.clone();
    let candidate: BoxedStrategy<Element> = match element {
        Element::Sscc(_) => sscc().prop_map(Element::Sscc).boxed(),
        Element::Gtin(_) => gtin14().prop_map(Element::Gtin).boxed(),
        Element::Lot(_) => set_82(1..=20).prop_map(Element::Lot).boxed(),
        Element::Expiry(..) => expiry().prop_map(|(v, d)| Element::Expiry(v, d)).boxed(),
        Element::Serial(_) => set_82(1..=20).prop_map(Element::Serial).boxed(),
        Element::Count(_) => count().prop_map(Element::Count).boxed(),
    };
    candidate
        .prop_filter("a different meaning", move |other| {
            expected(std::slice::from_ref(other)) != expected(std::slice::from_ref(&original))
        })
        .boxed()
}

/// One invalid part and the AI its refusal must name.
fn fault() -> impl Strategy<Value = (Vec<Part>, String)> {
    let bad_check = |key: BoxedStrategy<String>, ai: &'static str| {
        (key, any::<Index>(), 1u8..10).prop_map(move |(code, at, delta)| {
            let mut bytes = code.into_bytes();
            let i = at.index(bytes.len());
            bytes[i] = b'0' + (bytes[i] - b'0' + delta) % 10;
            let value = String::from_utf8(bytes).expect("ascii");
            (part(ai, value, false), ai.to_owned())
        })
    };
    let bad_date = (0u32..100, 0u32..100, 0u32..100)
        .prop_filter("not a date", |&(yy, mm, dd)| gs1_date(yy, mm, dd).is_none())
        .prop_map(|(yy, mm, dd)| {
            let value = format!("{yy:02}{mm:02}{dd:02}");
            (part("17", value, false), "17".to_owned())
        });
    let long_lot = set_82(21..=40).prop_map(|lot| (part("10", lot, true), "10".to_owned()));
    let unknown = (select(UNKNOWN_AIS.to_vec()), set_82(1..=12))
        .prop_map(|(ai, value)| (part(ai, value, true), ai.to_owned()));
    let bad_char = (
        select(vec!["10", "21"]),
        set_82(1..=19),
        select(NOT_SET_82.to_vec()),
        any::<Index>(),
    )
        .prop_map(|(ai, value, c, at)| {
            // Never last, so that trimming the line cannot take it and `\` cannot escape a `(`.
            let mut chars: Vec<char> = value.chars().collect();
            chars.insert(at.index(chars.len()), c);
            (part(ai, chars.into_iter().collect(), true), ai.to_owned())
        });
    let single = prop_oneof![
        bad_check(sscc().boxed(), "00"),
        bad_check(gtin14().boxed(), "01"),
        bad_date,
        long_lot,
        unknown,
        bad_char,
    ]
    .prop_map(|(part, ai)| (vec![part], ai));
    let repeated = one_of_each()
        .prop_flat_map(select)
        .prop_flat_map(|element| (Just(element.clone()), different(&element)))
        .prop_map(|(a, b)| (vec![a.part(), b.part()], a.part().ai));
    // Insert the faulty parts at random places among valid elements.
    (
        elements(0..=5),
        prop_oneof![4 => single, 1 => repeated],
        vec(any::<Index>(), 2),
    )
        .prop_map(|(valid, (faulty, ai), at)| {
            let mut parts: Vec<Part> = valid.iter().map(Element::part).collect();
            for (part, at) in faulty.into_iter().zip(at) {
                let i = at.index(parts.len() + 1);
                parts.insert(i, part);
            }
            (parts, ai)
        })
}

fn part(ai: &str, value: String, variable: bool) -> Part {
    Part {
        ai: ai.to_owned(),
        value,
        variable,
    }
}

// ---------------------------------------------------------------------------------------------
// (a) GTINs and SSCCs: check digits and normalisation.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_gtin_with_its_check_digit_classifies_as_that_gtin(
        data in prop_oneof![digits(7), digits(11), digits(12), digits(13)],
    ) {
        let code = with_check(&data);
        let padded = format!("{code:0>14}");
        // Eight digits starting 0 or 1 may be a UPC-E (documented in `Gtin::parse`); the AIM
        // identifier of EAN-8, `]E4`, settles it.
        let plain_is_gtin8 = code.len() != 8 || !code.starts_with(['0', '1']);
        let mut lines = vec![format!("]E4{code}")];
        if code.len() != 8 {
            lines = vec![code.clone(), format!(" {code}\r\n"), format!("]I1{code}")];
            if code.len() < 14 {
                lines.push(format!("]E0{code}"));
            }
        } else if plain_is_gtin8 {
            lines.push(code.clone());
        }
        for line in &lines {
            let scanned = scan(line);
            prop_assert!(matches!(scanned, Ok(Scan::Gtin(_))), "{line:?}: {scanned:?}");
            prop_assert_eq!(scanned.ok().and_then(|s| s.gtin().map(|g| g.as_str().to_owned())),
                Some(padded.clone()), "{:?}", line);
        }
        if !plain_is_gtin8 {
            // Read as UPC-E or as GTIN-8, but never refused.
            let gtin = scan(&code).ok().and_then(|s| s.gtin().cloned());
            let upc_e = Gtin::parse_upc_e(&code).ok();
            prop_assert!(gtin.is_some(), "{}", code);
            prop_assert!(gtin.as_ref().map(Gtin::as_str) == Some(padded.as_str()) || gtin == upc_e);
        }
    }

    #[test]
    fn changing_one_digit_of_a_gtin_is_a_check_digit_error(
        data in prop_oneof![digits(7), digits(11), digits(12), digits(13)],
    ) {
        let code = with_check(&data);
        for changed in single_digit_changes(&code) {
            if code.len() == 8 {
                // As EAN-8 the check always catches it.
                prop_assert!(matches!(
                    scan(&format!("]E4{changed}")),
                    Err(ScanError::Barcode(BarcodeError::CheckDigit { .. }))
                ), "{}", changed);
                // Without AIM an 8-digit code starting 0 or 1 may be a valid UPC-E instead.
                let plain = scan(&changed);
                let as_upc_e = changed.starts_with(['0', '1'])
                    && plain.is_ok()
                    && plain.as_ref().ok().and_then(Scan::gtin) == Gtin::parse_upc_e(&changed).ok().as_ref();
                prop_assert!(
                    as_upc_e || matches!(plain, Err(ScanError::Barcode(BarcodeError::CheckDigit { .. }))),
                    "{changed} (from {code}): {plain:?}"
                );
                continue;
            }
            let scanned = scan(&changed);
            prop_assert!(
                matches!(scanned, Err(ScanError::Barcode(BarcodeError::CheckDigit { .. }))),
                "{changed} (from {code}): {scanned:?}"
            );
            prop_assert_eq!(scanned.map_err(|e| e.short()), Err("Bad check digit"));
            prop_assert!(Gtin::parse(&changed).is_err(), "{}", changed);
            // Inside GS1 data too.
            let in_gs1 = Gs1Elements::parse(&format!("(01){changed:0>14}"));
            prop_assert!(
                matches!(in_gs1, Err(Gs1Error::BadKey { ref ai, .. }) if ai == "01"),
                "{changed}: {in_gs1:?}"
            );
        }
    }

    #[test]
    fn upc_a_ean_13_and_gtin_14_forms_are_one_gtin(data in digits(11)) {
        let upc_a = with_check(&data);
        let ean_13 = format!("0{upc_a}");
        let gtin_14 = format!("00{upc_a}");
        let gtin = Gtin::parse(&upc_a).expect("valid UPC-A");
        prop_assert_eq!(gtin.as_str(), gtin_14.as_str());
        prop_assert_eq!(Gtin::parse(&ean_13), Ok(gtin.clone()));
        prop_assert_eq!(Gtin::parse(&gtin_14), Ok(gtin.clone()));
        for line in [&upc_a, &ean_13, &gtin_14] {
            let scanned = scan(line);
            prop_assert_eq!(scanned.ok().and_then(|s| s.gtin().cloned()), Some(gtin.clone()));
        }
        // The printed form reads back as the same GTIN, by the parser its symbology calls for.
        let printed = gtin.printed();
        prop_assert!(gtin_14.ends_with(printed));
        let reread = match gtin.symbology() {
            Symbology::Gtin8 => Gtin::parse_gtin8(printed),
            _ => Gtin::parse(printed),
        };
        prop_assert_eq!(reread, Ok(gtin.clone()));
        prop_assert_eq!(Gtin::parse(&gtin.to_string()), Ok(gtin));
    }

    #[test]
    fn every_gtin_length_normalises_and_reads_back(
        data in prop_oneof![digits(7), digits(11), digits(12), digits(13)],
    ) {
        let code = with_check(&data);
        let gtin = if code.len() == 8 { Gtin::parse_gtin8(&code) } else { Gtin::parse(&code) }
            .expect("valid");
        prop_assert_eq!(gtin.as_str(), format!("{code:0>14}"));
        prop_assert_eq!(Gtin::parse(gtin.as_str()), Ok(gtin.clone()));
        if !code.starts_with('0') {
            prop_assert_eq!(gtin.symbology().digit_count(), code.len());
            prop_assert_eq!(gtin.printed(), code.as_str());
        }
    }

    #[test]
    fn an_sscc_with_its_check_digit_classifies_as_that_sscc(data in digits(17)) {
        let code = with_check(&data);
        let scanned = scan(&code);
        prop_assert_eq!(
            scanned.as_ref().ok().and_then(Scan::sscc).map(Sscc::as_str),
            Some(code.as_str()),
            "{:?}", scanned
        );
        prop_assert!(matches!(scanned, Ok(Scan::Sscc(_))), "{scanned:?}");
        for changed in single_digit_changes(&code) {
            let scanned = scan(&changed);
            prop_assert!(
                matches!(scanned, Err(ScanError::Barcode(BarcodeError::CheckDigit { .. }))),
                "{changed} (from {code}): {scanned:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (b) Valid GS1 element strings, raw and bracketed.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn raw_and_bracketed_element_strings_parse_to_the_same_elements(
        elements in elements(1..=6),
        aim in gs1_aim(),
    ) {
        let parts: Vec<Part> = elements.iter().map(Element::part).collect();
        let want = expected(&elements);
        let raw = raw(&parts);
        let bracketed = bracketed(&parts);
        prop_assert_eq!(Gs1Elements::parse(&raw), Ok(want.clone()), "{:?}", raw);
        prop_assert_eq!(Gs1Elements::parse(&bracketed), Ok(want.clone()), "{:?}", bracketed);
        // A leading FNC1 sent as GS changes nothing.
        prop_assert_eq!(Gs1Elements::parse(&format!("{GS}{raw}")), Ok(want.clone()));
        let as_gs1 = Ok(Scan::Gs1(Box::new(want.clone())));
        for line in [format!("{aim}{raw}"), format!("{aim}{raw}\r\n"), format!("{aim}{bracketed}"), bracketed.clone()] {
            prop_assert_eq!(scan(&line), as_gs1.clone(), "{:?}", line);
        }
        // Without an AIM identifier the shape decides (see `classify`): data starting with a
        // key, or holding a GS, is GS1.
        if raw.contains(GS) || raw.starts_with("00") || raw.starts_with("01") {
            prop_assert_eq!(scan(&raw), as_gs1.clone(), "{:?}", raw);
        }
        // The values round-trip.
        let parsed = Gs1Elements::parse(&raw).expect("valid");
        for element in &elements {
            match element {
                Element::Sscc(v) => prop_assert_eq!(parsed.sscc.as_ref().map(Sscc::as_str), Some(v.as_str())),
                Element::Gtin(v) => prop_assert_eq!(parsed.gtin.as_ref().map(Gtin::as_str), Some(v.as_str())),
                Element::Lot(v) => prop_assert_eq!(parsed.lot.as_deref(), Some(v.as_str())),
                Element::Expiry(v, date) => {
                    prop_assert_eq!(parsed.expiry, Some(*date));
                    if !v.ends_with("00") {
                        prop_assert_eq!(parsed.expiry.map(|d| d.format("%y%m%d").to_string()), Some(v.clone()));
                    }
                }
                Element::Serial(v) => prop_assert_eq!(parsed.serial.as_deref(), Some(v.as_str())),
                Element::Count(v) => prop_assert_eq!(parsed.count.map(|c| format!("{c:0>width$}", width = v.len())), Some(v.clone())),
            }
        }
    }

    #[test]
    fn a_gs_substitute_reads_like_gs(elements in elements(1..=6), sub in select(vec!['|', '^', '~'])) {
        let parts: Vec<Part> = elements.iter().map(Element::part).collect();
        let raw = raw(&parts);
        let config = ScanConfig { gs_substitute: Some(sub) };
        let substituted = raw.replace(GS, &sub.to_string());
        prop_assert_eq!(
            classify(&format!("]C1{substituted}"), &config),
            Ok(Scan::Gs1(Box::new(expected(&elements))))
        );
    }
}

// ---------------------------------------------------------------------------------------------
// (c) Invalid element strings are refused, naming the AI concerned.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn an_invalid_part_is_refused_naming_its_ai((parts, ai) in fault(), aim in gs1_aim()) {
        let named = format!("({ai})");
        let raw = raw(&parts);
        let bracketed = bracketed(&parts);
        for input in [&raw, &bracketed] {
            let parsed = Gs1Elements::parse(input);
            prop_assert!(
                parsed.as_ref().is_err_and(|e| e.to_string().contains(&named)),
                "{input:?}: {parsed:?}, expected an error naming {named}"
            );
        }
        for line in [format!("{aim}{raw}"), format!("{aim}{bracketed}"), bracketed.clone()] {
            let scanned = scan(&line);
            let Err(ScanError::Gs1(error)) = &scanned else {
                return Err(TestCaseError::fail(format!("{line:?}: {scanned:?}, expected a GS1 error naming {named}")));
            };
            let message = ScanError::Gs1(error.clone()).to_string();
            prop_assert!(message.contains(&named), "{:?}: {}", line, message);
            prop_assert!(ScanError::Gs1(error.clone()).short().len() <= 20);
            prop_assert!(!message.contains('\n'));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (d) Nothing panics.

/// Text made of the pieces scans are made of, to reach deeper than random strings do.
fn scan_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        digits(1),
        digits(2),
        digits(6),
        digits(14),
        select(vec![
            "]", "]C1", "]E0", "]E4", "]d2", "]Q3", "]e0", "]C0", "]A0", "]I1", "(", ")", "(01)",
            "(17)", "(10)", "(3103)", "(99)", "\\(", "\u{1d}", "|", "-", " ", "\r", "\n", "A-",
            "TOTE", "00", "01", "02", "10", "17", "21", "37", "310", "3105", "400", "410", "8200",
            "é",
        ])
        .prop_map(str::to_owned),
        any::<char>().prop_map(String::from),
    ];
    vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

fn any_config() -> impl Strategy<Value = ScanConfig> {
    prop_oneof![
        Just(None),
        select(vec!['|', '^', '~', '1', ' ', ']', '(', 'é']).prop_map(Some),
        any::<char>().prop_map(Some),
    ]
    .prop_map(|gs_substitute| ScanConfig { gs_substitute })
}

fn check_no_panic(line: &str, config: &ScanConfig) -> Result<(), TestCaseError> {
    match classify(line, config) {
        Ok(_) => {}
        Err(error) => {
            prop_assert!(error.short().len() <= 20, "{:?}", error.short());
            prop_assert!(!error.to_string().contains('\n'), "{}", error);
        }
    }
    // The same answer twice: classification is a pure function of the line.
    prop_assert_eq!(classify(line, config), classify(line, config));
    let _ = Gs1Elements::parse(line);
    let _ = Gtin::parse(line);
    let _ = Sscc::parse(line);
    Ok(())
}

proptest! {
    #![proptest_config(Config { cases: config().cases * 5, ..config() })]

    #[test]
    fn arbitrary_strings_never_panic(line in any::<String>(), config in any_config()) {
        check_no_panic(&line, &config)?;
    }

    #[test]
    fn scan_like_strings_never_panic(line in scan_like(), config in any_config()) {
        check_no_panic(&line, &config)?;
    }
}

// ---------------------------------------------------------------------------------------------
// (e) The keymap: a scanner's burst of keys and its Enter give one line.

/// How a keyboard wedge may type one character of a scan.
fn keys_for(c: char, gs_as_ctrl_bracket: bool, shift_letters: bool) -> Vec<KeyEvent> {
    let key = if c == GS {
        let code = KeyCode::Char(if gs_as_ctrl_bracket { ']' } else { '5' });
        KeyEvent::new(code, KeyModifiers::CONTROL)
    } else if c.is_ascii_uppercase() && shift_letters {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT)
    } else {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    };
    vec![key]
}

/// Types `text` (GS as Ctrl+5 or Ctrl+], chosen per GS by `gs_choice`), optionally with the
/// release events of the kitty protocol, then Enter; returns every action.
fn type_scan(text: &str, gs_choice: &[bool], shift: bool, releases: bool) -> Vec<Action> {
    let mut keymap = Keymap::default();
    let mut actions = Vec::new();
    let mut gs_seen = 0;
    for c in text.chars() {
        let by_bracket = c == GS && gs_choice.get(gs_seen).copied().unwrap_or(false);
        if c == GS {
            gs_seen += 1;
        }
        for key in keys_for(c, by_bracket, shift) {
            actions.extend(keymap.on_key(key));
            if releases {
                let mut release = key;
                release.kind = KeyEventKind::Release;
                actions.extend(keymap.on_key(release));
            }
        }
    }
    actions.extend(keymap.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    actions
}

/// Printable scan text with group separators.
fn scan_text() -> impl Strategy<Value = String> {
    let printable: Vec<char> = (' '..='~').collect();
    vec(
        prop_oneof![9 => select(printable), 1 => Just(GS)],
        1..=aisle::app::keymap::MAX_LINE,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_key_burst_and_enter_submit_exactly_the_scan(
        text in scan_text(),
        gs_choice in vec(any::<bool>(), 0..=128),
        shift in any::<bool>(),
        releases in any::<bool>(),
    ) {
        let actions = type_scan(&text, &gs_choice, shift, releases);
        let submits: Vec<&Action> = actions.iter().filter(|a| matches!(a, Action::Submit(_))).collect();
        let want = Action::Submit(text.clone());
        prop_assert_eq!(submits, vec![&want]);
        prop_assert_eq!(actions.last(), Some(&want));
        prop_assert!(actions[..actions.len() - 1].iter().all(|a| *a == Action::Edited), "{:?}", actions);
    }

    #[test]
    fn a_gs1_scan_typed_by_a_wedge_keeps_its_aim_identifier(
        elements in elements(1..=6),
        aim in gs1_aim(),
        gs_choice in vec(any::<bool>(), 6),
        shift in any::<bool>(),
        releases in any::<bool>(),
    ) {
        let parts: Vec<Part> = elements.iter().map(Element::part).collect();
        let text = format!("{aim}{}", raw(&parts));
        let actions = type_scan(&text, &gs_choice, shift, releases);
        let submitted: Vec<&String> = actions
            .iter()
            .filter_map(|a| match a { Action::Submit(line) => Some(line), _ => None })
            .collect();
        prop_assert_eq!(submitted, vec![&text]);
        prop_assert_eq!(scan(&text), Ok(Scan::Gs1(Box::new(expected(&elements)))));
    }
}

// ---------------------------------------------------------------------------------------------
// Cases the properties found, kept by name.

#[test]
fn found_a_bare_sscc_starting_01_or_02_is_an_sscc_not_gs1() {
    // 01 + a valid GTIN-14 + 2 more digits: the old shape rule took it for GS1 and refused it.
    for data in [
        "01095060001343520",
        "02095060001343521",
        "01000000000000007",
    ] {
        let code = with_check(data);
        assert!(
            matches!(scan(&code), Ok(Scan::Sscc(_))),
            "{code}: {:?}",
            scan(&code)
        );
    }
}

#[test]
fn found_a_bracketed_value_may_hold_an_escaped_bracket() {
    let parsed = Gs1Elements::parse("(10)AB\\(1)(21)X\\(Y").expect("valid");
    assert_eq!(parsed.lot.as_deref(), Some("AB(1)"));
    assert_eq!(parsed.serial.as_deref(), Some("X(Y"));
    // Unescaped, a `(` starts the next AI.
    assert!(Gs1Elements::parse("(10)AB(1)").is_err());
    // A backslash on its own is no GS1 character.
    assert_eq!(
        Gs1Elements::parse("(10)A\\B"),
        Err(Gs1Error::BadCharacter {
            ai: "10".to_owned(),
            found: '\\'
        })
    );
}

#[test]
fn found_unknown_four_digit_ais_are_named_whole() {
    for (input, ai) in [("43001234", "4300"), ("8200http", "8200")] {
        assert_eq!(
            Gs1Elements::parse(input),
            Err(Gs1Error::UnknownAi { ai: ai.to_owned() }),
            "{input}"
        );
    }
}

#[test]
fn found_an_unknown_ai_message_stays_on_one_line() {
    let error = scan("]C1\n0").expect_err("no AI starts with a line feed");
    assert_eq!(
        error,
        ScanError::Gs1(Gs1Error::UnknownAi {
            ai: "\\n0".to_owned()
        })
    );
    assert!(!error.to_string().contains('\n'), "{error}");
}
