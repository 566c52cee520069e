//! The carton's shipping label in ZPL II, for a 4×6 in label at 203 dpi (812×1218 dots), and a
//! small ZPL reader that checks what a printer would get.
//!
//! The builder is pure: [`build_label`] turns a [`ShippingLabel`] into a [`CartonLabel`] (the
//! SSCC it is filed under and the ZPL text). Every label is the same layout, top to bottom:
//! ship-from, ship-to, carrier and service, the tracking number as a Code 128 barcode with its
//! text, the order reference, carton k of n and weight, and the carton's SSCC-18 as a GS1-128
//! barcode with its human-readable line `(00) 0 0614141 123456789 0`.
//!
//! **How the GS1-128 barcode is written.** `^BCN,254,N,N,N,N` (mode N, no interpretation line,
//! no printer-computed check digit) with field data `>;>800` followed by the 18 SSCC digits:
//! `>;` starts Code 128 in subset C, `>8` is FNC1, then AI `00` and the SSCC as ten digit pairs.
//! This is the Zebra guide's first recipe for AI 00 and was chosen over mode D (`(00)…` data)
//! because what is sent is exactly what is encoded: in mode D the printer recomputes the check
//! digit and needs x.11 firmware, so the ZPL would not show the digit actually printed. The
//! printer's own interpretation line is off; a separate text field prints the grouped digits,
//! as the guide advises. The module width is 4 dots (0.5 mm, GS1's minimum X for logistic
//! labels is 0.495 mm) and the bars are 254 dots (31.75 mm) high, GS1's minimum for an SSCC.
//!
//! **Field data.** `^` and `~` would start a ZPL command, so a field containing either is sent
//! with `^FH` and written as hex escapes (`_5E`, `_7E`; `_` itself becomes `_5F`). Control
//! characters become spaces. Text is UTF-8 (`^CI28`). Long text is cut to what fits its line.

use std::fmt::Write as _;

use crate::domain::barcode::Sscc;
use crate::domain::gs1::{GS, Gs1Elements, Gs1Error};
use crate::labels::sscc::{CompanyPrefix, human_readable};

/// Print resolution this layout is drawn for.
pub const DOTS_PER_INCH: u32 = 203;
/// 4 in at 203 dpi.
pub const LABEL_WIDTH_DOTS: u32 = 812;
/// 6 in at 203 dpi.
pub const LABEL_LENGTH_DOTS: u32 = 1218;

/// Most address lines (street, suite, …) printed for the ship-to and the ship-from.
pub const MAX_SHIP_TO_LINES: usize = 3;
pub const MAX_SHIP_FROM_LINES: usize = 2;
/// Longest tracking number accepted.
pub const MAX_TRACKING_LEN: usize = 40;

/// The SSCC barcode: module width and bar height in dots (see the module docs).
const SSCC_MODULE_DOTS: u32 = 4;
const SSCC_BAR_DOTS: u32 = 254;
const TRACKING_BAR_DOTS: u32 = 110;
const MARGIN: u32 = 30;

/// A postal address as printed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub name: String,
    /// Street lines, in order.
    pub lines: Vec<String>,
    pub city: String,
    /// State, province or region code.
    pub state: String,
    /// ZIP or postal code.
    pub postal_code: String,
    /// ISO 3166 country code.
    pub country: String,
}

/// Everything printed on one carton's label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingLabel {
    pub ship_from: Address,
    pub ship_to: Address,
    pub carrier: String,
    pub service: String,
    pub tracking_number: String,
    pub order_reference: String,
    /// This carton's number, 1-based, of `carton_count`.
    pub carton_number: u32,
    pub carton_count: u32,
    /// Measured gross weight of the carton.
    pub weight_g: u32,
    pub sscc: Sscc,
    /// The company prefix the SSCC was composed with, to group its printed digits; without it
    /// the prefix and serial reference are printed as one group.
    pub company_prefix: Option<CompanyPrefix>,
}

/// A label ready to print: the ZPL, filed under its carton's SSCC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartonLabel {
    pub sscc: Sscc,
    pub zpl: String,
}

/// Why a label was not built. Messages say what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    #[error("{what} is empty: expected {expected}")]
    Missing {
        what: &'static str,
        expected: &'static str,
    },
    #[error("{who} has {got} address lines: at most {max} fit on the label")]
    TooManyLines {
        who: &'static str,
        got: usize,
        max: usize,
    },
    #[error(
        "tracking number {found:?} cannot be a barcode: expected 1 to 40 letters, digits or dashes"
    )]
    TrackingNumber { found: String },
    #[error("carton {number} of {count}: expected a carton number from 1 to the carton count")]
    CartonNumber { number: u32, count: u32 },
    #[error("carton weight is 0 g: weigh the carton before printing its label")]
    NoWeight,
}

/// Builds the ZPL for one carton's 4×6 in shipping label.
pub fn build_label(label: &ShippingLabel) -> Result<CartonLabel, LabelError> {
    validate(label)?;
    let mut zpl = Zpl::new();

    // Ship-from: small print at the top.
    let from = &label.ship_from;
    let mut y = 25;
    zpl.text(MARGIN, y, 22, "FROM:", 20);
    y += 26;
    for line in address_lines(from) {
        zpl.text(MARGIN, y, 26, &line, 50);
        y += 28;
    }
    zpl.rule(200);

    // Ship-to: the largest text on the label.
    let to = &label.ship_to;
    zpl.text(MARGIN, 212, 24, "SHIP TO:", 20);
    let mut y = 242;
    for (i, line) in address_lines(to).into_iter().enumerate() {
        let height = if i == 0 { 44 } else { 40 };
        zpl.text(MARGIN, y, height, &line, 34);
        y += height + 6;
    }
    zpl.rule(530);

    // Carrier, service and tracking number.
    let service = format!("{} {}", label.carrier.trim(), label.service.trim());
    zpl.text(MARGIN, 545, 40, &service, 34);
    zpl.code128(595, TRACKING_BAR_DOTS, &label.tracking_number);
    let tracking = format!("TRACKING # {}", label.tracking_number);
    zpl.text(MARGIN, 718, 30, &tracking, 50);
    zpl.rule(765);

    // Order, carton k of n, weight.
    let order = format!("ORDER {}", label.order_reference.trim());
    zpl.text(MARGIN, 780, 30, &order, 26);
    let carton = format!("CARTON {} OF {}", label.carton_number, label.carton_count);
    zpl.text(480, 780, 30, &carton, 20);
    zpl.text(MARGIN, 820, 30, &weight_text(label.weight_g), 40);
    zpl.rule(860);

    // The carton's SSCC as GS1-128, with its grouped human-readable digits.
    zpl.text(MARGIN, 870, 22, "SSCC", 10);
    zpl.sscc(895, &label.sscc);
    let printed = human_readable(&label.sscc, label.company_prefix.as_ref());
    zpl.text(MARGIN + 60, 1160, 40, &printed, 40);

    Ok(CartonLabel {
        sscc: label.sscc.clone(),
        zpl: zpl.finish(),
    })
}

fn validate(label: &ShippingLabel) -> Result<(), LabelError> {
    for (value, what, expected) in [
        (&label.ship_to.name, "ship-to name", "the recipient's name"),
        (&label.ship_to.city, "ship-to city", "a city"),
        (
            &label.ship_to.postal_code,
            "ship-to ZIP",
            "a ZIP or postal code",
        ),
        (&label.ship_to.country, "ship-to country", "a country code"),
        (
            &label.ship_from.name,
            "ship-from name",
            "the warehouse's name",
        ),
        (&label.carrier, "carrier", "the carrier's name"),
        (&label.service, "service", "the carrier's service"),
        (
            &label.order_reference,
            "order reference",
            "the order number",
        ),
    ] {
        if value.trim().is_empty() {
            return Err(LabelError::Missing { what, expected });
        }
    }
    if label.ship_to.lines.iter().all(|l| l.trim().is_empty()) {
        return Err(LabelError::Missing {
            what: "ship-to address",
            expected: "at least one street line",
        });
    }
    for (who, address, max) in [
        ("ship-to", &label.ship_to, MAX_SHIP_TO_LINES),
        ("ship-from", &label.ship_from, MAX_SHIP_FROM_LINES),
    ] {
        let got = non_blank(&address.lines).count();
        if got > max {
            return Err(LabelError::TooManyLines { who, got, max });
        }
    }
    let tracking = &label.tracking_number;
    if tracking.is_empty()
        || tracking.len() > MAX_TRACKING_LEN
        || !tracking
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(LabelError::TrackingNumber {
            found: tracking.clone(),
        });
    }
    if label.carton_number == 0 || label.carton_number > label.carton_count {
        return Err(LabelError::CartonNumber {
            number: label.carton_number,
            count: label.carton_count,
        });
    }
    if label.weight_g == 0 {
        return Err(LabelError::NoWeight);
    }
    Ok(())
}

fn non_blank(lines: &[String]) -> impl Iterator<Item = &str> {
    lines.iter().map(|l| l.trim()).filter(|l| !l.is_empty())
}

/// An address as printed lines: name, street lines, `City, ST ZIP`, country.
fn address_lines(address: &Address) -> Vec<String> {
    let mut out = vec![address.name.trim().to_owned()];
    out.extend(non_blank(&address.lines).map(str::to_owned));
    let city = address.city.trim();
    let state = address.state.trim();
    let zip = address.postal_code.trim();
    out.push(match (city.is_empty(), state.is_empty()) {
        (false, false) => format!("{city}, {state} {zip}"),
        (false, true) => format!("{city} {zip}"),
        (true, false) => format!("{state} {zip}"),
        (true, true) => zip.to_owned(),
    });
    let country = address.country.trim();
    if !country.is_empty() {
        out.push(country.to_owned());
    }
    out
}

/// `2.35 KG (5.18 LB)`: kilograms to the nearest 10 g, and pounds for US carriers.
fn weight_text(grams: u32) -> String {
    let centi_kg = (u64::from(grams) + 5) / 10;
    let pounds = f64::from(grams) / 453.592_37;
    format!(
        "WEIGHT {}.{:02} KG ({pounds:.2} LB)",
        centi_kg / 100,
        centi_kg % 100
    )
}

/// Appends ZPL fields to a label format.
struct Zpl {
    out: String,
}

impl Zpl {
    fn new() -> Zpl {
        let mut out = String::with_capacity(2048);
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "^XA\n^CI28^PW{LABEL_WIDTH_DOTS}^LL{LABEL_LENGTH_DOTS}^LH0,0"
        );
        Zpl { out }
    }

    /// A line of text in the scalable font, `height` dots tall, cut to `max_chars`.
    fn text(&mut self, x: u32, y: u32, height: u32, text: &str, max_chars: usize) {
        let cut: String = text.chars().take(max_chars).collect();
        let (hex, data) = field_data(&cut);
        let width = height * 9 / 10;
        let _ = writeln!(
            self.out,
            "^FO{x},{y}^A0N,{height},{width}{}^FD{data}^FS",
            if hex { "^FH" } else { "" }
        );
    }

    /// A horizontal rule across the label at `y`.
    fn rule(&mut self, y: u32) {
        let width = LABEL_WIDTH_DOTS - 2 * MARGIN;
        let _ = writeln!(self.out, "^FO{MARGIN},{y}^GB{width},3,3^FS");
    }

    /// A centred Code 128 barcode of `data` (letters, digits and dashes: no character needs
    /// an invocation code). All-digit data of even length is packed in subset C.
    fn code128(&mut self, y: u32, height: u32, data: &str) {
        let subset_c = data.len().is_multiple_of(2) && data.bytes().all(|b| b.is_ascii_digit());
        let symbols = if subset_c { data.len() / 2 } else { data.len() } as u32;
        // Start, data, check symbol (11 modules each) and the 13-module stop.
        let modules = 11 * (symbols + 2) + 13;
        // The widest module that leaves a quiet zone of ten modules on both sides.
        let module = (1..=3)
            .rev()
            .find(|m| (modules + 20) * m <= LABEL_WIDTH_DOTS)
            .unwrap_or(1);
        let x = LABEL_WIDTH_DOTS.saturating_sub(modules * module) / 2;
        let start = if subset_c { ">;" } else { ">:" };
        let _ = writeln!(
            self.out,
            "^FO{x},{y}^BY{module}^BCN,{height},N,N,N,N^FD{start}{data}^FS"
        );
    }

    /// The SSCC as GS1-128: subset C, FNC1, AI 00, the 18 digits.
    fn sscc(&mut self, y: u32, sscc: &Sscc) {
        // Start C, FNC1, ten digit pairs, check symbol, stop.
        let width = (11 * 13 + 13) * SSCC_MODULE_DOTS;
        let x = (LABEL_WIDTH_DOTS - width) / 2;
        let _ = writeln!(
            self.out,
            "^FO{x},{y}^BY{SSCC_MODULE_DOTS}^BCN,{SSCC_BAR_DOTS},N,N,N,N^FD>;>800{sscc}^FS"
        );
    }

    fn finish(mut self) -> String {
        self.out.push_str("^XZ\n");
        self.out
    }
}

/// Field data safe to put between `^FD` and `^FS`: control characters become spaces, and if
/// `^` or `~` occur the data is hex-escaped for `^FH` (returned `true`).
fn field_data(text: &str) -> (bool, String) {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if !text.contains(['^', '~']) {
        return (false, text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '^' | '~' | '_' => {
                let _ = write!(out, "_{:02X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    (true, out)
}

// ---------------------------------------------------------------------------------------------
// Reading ZPL back.

/// Why ZPL was refused by [`parse_fields`], or had no SSCC barcode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZplError {
    #[error("expected the label to start with ^XA, found {found:?}")]
    NoStart { found: String },
    #[error("expected ^XZ to end the label, found the end of the data")]
    NoEnd,
    #[error("expected nothing after ^XZ (one label), found {found:?}")]
    AfterEnd { found: String },
    #[error("unknown command {command} at byte {at}")]
    UnknownCommand { command: String, at: usize },
    #[error("^FD at byte {at} is not closed by ^FS (found {found:?})")]
    UnclosedData { at: usize, found: String },
    #[error("field at byte {at} is not closed by ^FS before {next}")]
    UnclosedField { at: usize, next: String },
    #[error("{command} at byte {at}: {reason}")]
    BadParameters {
        command: String,
        at: usize,
        reason: String,
    },
    #[error("field data at byte {at}: {reason}")]
    BadFieldData { at: usize, reason: String },
    #[error("Code 128 data {data:?}: {reason}")]
    BadCode128 { data: String, reason: String },
    #[error("no GS1-128 barcode with an SSCC (AI 00) on the label")]
    NoSscc,
    #[error("GS1-128 barcode: {0}")]
    Gs1(#[from] Gs1Error),
}

/// What a label would print, as read by [`parse_fields`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedLabel {
    /// `^PW`, in dots.
    pub print_width: Option<u32>,
    /// `^LL`, in dots.
    pub label_length: Option<u32>,
    /// `^CI28` was given: field data is UTF-8.
    pub utf8: bool,
    /// The fields that carry data, in order; graphic fields (`^GB`) are checked but not listed.
    pub fields: Vec<ParsedField>,
}

/// One `^FD … ^FS` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedField {
    /// Field origin (`^FO`/`^FT`), in dots; (0, 0) when none was given.
    pub x: u32,
    pub y: u32,
    /// The field data after `^FH` hex escapes are decoded.
    pub data: String,
    pub kind: FieldKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Code128(Code128),
}

/// A Code 128 barcode's content as a scanner would report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code128 {
    /// The `^BC` mode: `N`, `A` or `D`.
    pub mode: char,
    /// Starts with FNC1: a GS1-128 symbol.
    pub gs1: bool,
    /// The encoded characters, with the leading FNC1 dropped and any other FNC1 as GS (0x1D).
    pub content: String,
}

impl ParsedLabel {
    /// The text fields' data, in order.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.fields
            .iter()
            .filter(|f| f.kind == FieldKind::Text)
            .map(|f| f.data.as_str())
    }

    /// Whether some text field contains `needle`.
    pub fn has_text(&self, needle: &str) -> bool {
        self.texts().any(|t| t.contains(needle))
    }

    /// The Code 128 barcodes, in order.
    pub fn code128(&self) -> impl Iterator<Item = &Code128> {
        self.fields.iter().filter_map(|f| match &f.kind {
            FieldKind::Code128(code) => Some(code),
            FieldKind::Text => None,
        })
    }

    /// The SSCC carried by the label's GS1-128 barcode, its check digit verified by the GS1
    /// parser.
    pub fn sscc(&self) -> Result<Sscc, ZplError> {
        for code in self.code128().filter(|c| c.gs1) {
            if let Some(sscc) = Gs1Elements::parse(&code.content)?.sscc {
                return Ok(sscc);
            }
        }
        Err(ZplError::NoSscc)
    }
}

/// Reads one ZPL label (`^XA` … `^XZ`) and returns its fields. Checks the structure a printer
/// depends on: the label brackets, every `^FD` closed by `^FS`, only the commands this crate's
/// labels use (`^CI ^PW ^LL ^LH ^LS ^FO ^FT ^A ^CF ^FH ^FD ^FS ^FX ^GB ^BY ^BC ^PQ`), no `~`
/// control commands, and Code 128 data that encodes as written.
pub fn parse_fields(zpl: &str) -> Result<ParsedLabel, ZplError> {
    let start = zpl.len() - zpl.trim_start().len();
    if !zpl[start..].starts_with("^XA") {
        return Err(ZplError::NoStart {
            found: zpl[start..].chars().take(12).collect(),
        });
    }
    let mut label = ParsedLabel::default();
    let mut field = PendingField::default();
    let mut pos = start;
    loop {
        let Some(prefix) = zpl[pos..].chars().next() else {
            return Err(ZplError::NoEnd);
        };
        let at = pos;
        if prefix == '~' {
            return Err(ZplError::UnknownCommand {
                command: zpl[pos..].chars().take(3).collect(),
                at,
            });
        }
        // Every command ends where the next prefix starts; see the loop's end.
        pos += 1;
        let name_len = match zpl[pos..].chars().next() {
            None => return Err(ZplError::NoEnd),
            Some('A') => 1,
            Some(_) => zpl[pos..].chars().take(2).map(char::len_utf8).sum(),
        };
        let name = &zpl[pos..pos + name_len];
        pos += name_len;
        let end = zpl[pos..].find(['^', '~']).map_or(zpl.len(), |i| pos + i);
        let raw = &zpl[pos..end];
        pos = end;
        let params = raw.trim();
        let bad = |reason: &str| ZplError::BadParameters {
            command: format!("^{name}"),
            at,
            reason: reason.to_owned(),
        };
        match name {
            "XA" if at == start => no_params(params, bad)?,
            "XA" => return Err(bad("a label cannot start inside another")),
            "XZ" => {
                no_params(params, bad)?;
                if field.is_open() {
                    return Err(ZplError::UnclosedField {
                        at: field.at,
                        next: "^XZ".to_owned(),
                    });
                }
                let rest = zpl[pos..].trim();
                if !rest.is_empty() {
                    return Err(ZplError::AfterEnd {
                        found: rest.chars().take(12).collect(),
                    });
                }
                return Ok(label);
            }
            "CI" => label.utf8 = params == "28",
            "PW" => label.print_width = Some(numbers(params, 1, bad)?[0]),
            "LL" => label.label_length = Some(numbers(params, 1, bad)?[0]),
            "LH" => {
                numbers(params, 2, bad)?;
            }
            "LS" | "PQ" | "FX" | "CF" => {}
            "FO" | "FT" => {
                if field.is_open() {
                    return Err(ZplError::UnclosedField {
                        at: field.at,
                        next: format!("^{name}"),
                    });
                }
                let xy = numbers(params, 2, bad)?;
                field.open(at);
                field.origin = (xy[0], xy[1]);
            }
            "A" => {
                if params.is_empty() {
                    return Err(bad("expected a font name, such as ^A0N,30,30"));
                }
                field.open(at);
            }
            "FH" => {
                field.open(at);
                field.hex = Some(params.chars().next().unwrap_or('_'));
            }
            "BY" => {
                let module = numbers(params, 1, bad)?[0];
                if !(1..=10).contains(&module) {
                    return Err(bad("module width must be 1 to 10 dots"));
                }
            }
            "BC" => {
                let mode = params.split(',').nth(5).map_or("N", str::trim);
                let mode = match mode {
                    "" | "N" => 'N',
                    "A" => 'A',
                    "D" => 'D',
                    _ => return Err(bad("expected Code 128 mode N, A or D")),
                };
                field.open(at);
                field.barcode = Some(mode);
            }
            "GB" => {
                numbers(params, 1, bad)?;
                field.open(at);
            }
            "FD" => {
                // Field data runs to the next prefix, which must be ^FS.
                if !zpl[pos..].starts_with("^FS") {
                    return Err(ZplError::UnclosedData {
                        at,
                        found: zpl[pos..].chars().take(6).collect(),
                    });
                }
                if field.data.is_some() {
                    return Err(bad("the field already has data"));
                }
                field.open(at);
                // Line breaks in a format are not data.
                let data: String = raw.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
                let data = match field.hex {
                    Some(indicator) => decode_hex(&data, indicator, at)?,
                    None => data,
                };
                field.data = Some(data);
            }
            "FS" => {
                no_params(params, bad)?;
                if let Some(done) = field.take()? {
                    label.fields.push(done);
                }
            }
            _ => {
                return Err(ZplError::UnknownCommand {
                    command: format!("^{name}"),
                    at,
                });
            }
        }
    }
}

/// The field being assembled between its first command and `^FS`.
#[derive(Debug, Default)]
struct PendingField {
    /// Where the field's first command was; `None` when no field is open.
    opened: Option<usize>,
    at: usize,
    origin: (u32, u32),
    hex: Option<char>,
    barcode: Option<char>,
    data: Option<String>,
}

impl PendingField {
    fn is_open(&self) -> bool {
        self.opened.is_some()
    }

    fn open(&mut self, at: usize) {
        if self.opened.is_none() {
            self.opened = Some(at);
            self.at = at;
        }
    }

    /// Closes the field; a field with data is returned.
    fn take(&mut self) -> Result<Option<ParsedField>, ZplError> {
        let field = std::mem::take(self);
        let Some(data) = field.data else {
            return Ok(None);
        };
        let kind = match field.barcode {
            None => FieldKind::Text,
            Some(mode) => FieldKind::Code128(decode_code128(&data, mode)?),
        };
        Ok(Some(ParsedField {
            x: field.origin.0,
            y: field.origin.1,
            data,
            kind,
        }))
    }
}

fn no_params(params: &str, bad: impl Fn(&str) -> ZplError) -> Result<(), ZplError> {
    if params.is_empty() {
        Ok(())
    } else {
        Err(bad("expected no parameters"))
    }
}

/// The first `count` comma-separated parameters as numbers of dots.
fn numbers(
    params: &str,
    count: usize,
    bad: impl Fn(&str) -> ZplError,
) -> Result<Vec<u32>, ZplError> {
    let values: Vec<u32> = params
        .split(',')
        .take(count)
        .map(|p| p.trim().parse::<u32>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad("expected whole numbers of dots"))?;
    if values.len() < count {
        return Err(bad("expected more parameters"));
    }
    Ok(values)
}

/// Decodes `^FH` escapes: the indicator followed by two hex digits is that byte.
fn decode_hex(data: &str, indicator: char, at: usize) -> Result<String, ZplError> {
    let mut bytes = Vec::with_capacity(data.len());
    let mut chars = data.chars();
    while let Some(c) = chars.next() {
        if c != indicator {
            let mut buf = [0; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let hex: String = chars.by_ref().take(2).collect();
        let byte = (hex.len() == 2)
            .then(|| u8::from_str_radix(&hex, 16).ok())
            .flatten()
            .ok_or_else(|| ZplError::BadFieldData {
                at,
                reason: format!("expected two hex digits after {indicator:?}, got {hex:?}"),
            })?;
        bytes.push(byte);
    }
    String::from_utf8(bytes).map_err(|_| ZplError::BadFieldData {
        at,
        reason: "hex escapes do not make UTF-8".to_owned(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subset {
    A,
    B,
    C,
}

/// What a Code 128 field encodes. Mode N follows the Zebra invocation codes this crate writes
/// (`>:`, `>;`, `>9` start codes; `>5`, `>6`, `>7` subset changes; `>8` FNC1; `><` for `>`);
/// mode D strips the parentheses and spaces, as the printer does; mode A is taken as written.
fn decode_code128(data: &str, mode: char) -> Result<Code128, ZplError> {
    let bad = |reason: &str| ZplError::BadCode128 {
        data: data.to_owned(),
        reason: reason.to_owned(),
    };
    match mode {
        'A' => {
            return Ok(Code128 {
                mode,
                gs1: false,
                content: data.to_owned(),
            });
        }
        'D' => {
            let content: String = data
                .replace(">8", &GS.to_string())
                .chars()
                .filter(|c| !matches!(c, '(' | ')' | ' '))
                .collect();
            return Ok(Code128 {
                mode,
                gs1: true,
                content,
            });
        }
        _ => {}
    }
    let mut subset = Subset::B;
    let mut gs1 = false;
    let mut content = String::new();
    let mut pending_digit: Option<char> = None;
    let mut chars = data.chars();
    let mut first = true;
    let mut symbols = 0usize;
    while let Some(c) = chars.next() {
        if c == '>' {
            let code = chars
                .next()
                .ok_or_else(|| bad("ends with a lone '>' (write >< for '>')"))?;
            if pending_digit.is_some() {
                return Err(bad(
                    "an odd digit is left before a subset change in subset C",
                ));
            }
            match code {
                '9' | ':' | ';' if first => {
                    subset = match code {
                        '9' => Subset::A,
                        ':' => Subset::B,
                        _ => Subset::C,
                    };
                }
                '9' | ':' | ';' => return Err(bad("a start code is only allowed first")),
                '8' => {
                    if symbols == 0 {
                        gs1 = true;
                    } else {
                        content.push(GS);
                    }
                    symbols += 1;
                }
                '<' if subset != Subset::C => {
                    content.push('>');
                    symbols += 1;
                }
                '5' if subset != Subset::C => subset = Subset::C,
                '6' if subset != Subset::B => subset = Subset::B,
                '7' if subset != Subset::A => subset = Subset::A,
                _ => return Err(bad("uses an invocation code this reader does not support")),
            }
            first = false;
            continue;
        }
        first = false;
        match subset {
            Subset::C => {
                if !c.is_ascii_digit() {
                    return Err(bad("subset C holds digit pairs only"));
                }
                match pending_digit.take() {
                    Some(d) => {
                        content.push(d);
                        content.push(c);
                        symbols += 1;
                    }
                    None => pending_digit = Some(c),
                }
            }
            Subset::B if (' '..='~').contains(&c) => {
                content.push(c);
                symbols += 1;
            }
            Subset::A if (' '..='_').contains(&c) => {
                content.push(c);
                symbols += 1;
            }
            _ => return Err(bad("has a character its subset cannot encode")),
        }
    }
    if pending_digit.is_some() {
        return Err(bad("an odd number of digits in subset C"));
    }
    if symbols == 0 {
        return Err(bad("encodes nothing"));
    }
    Ok(Code128 { mode, gs1, content })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::barcode::has_valid_check_digit;
    use crate::labels::sscc::compose_sscc;

    fn address(name: &str, lines: &[&str], city: &str, state: &str, zip: &str) -> Address {
        Address {
            name: name.to_owned(),
            lines: lines.iter().map(|l| (*l).to_owned()).collect(),
            city: city.to_owned(),
            state: state.to_owned(),
            postal_code: zip.to_owned(),
            country: "US".to_owned(),
        }
    }

    fn sample() -> ShippingLabel {
        let prefix = CompanyPrefix::parse("0614141").expect("prefix");
        ShippingLabel {
            ship_from: address(
                "Aisle Demo Warehouse",
                &["100 Dock Road"],
                "Reno",
                "NV",
                "89502",
            ),
            ship_to: address(
                "Ada Lovelace",
                &["12 Analytical Way", "Suite 3"],
                "Portland",
                "OR",
                "97201",
            ),
            carrier: "UPS".to_owned(),
            service: "Ground".to_owned(),
            tracking_number: "1Z999AA10123456784".to_owned(),
            order_reference: "SHOP-1001".to_owned(),
            carton_number: 1,
            carton_count: 2,
            weight_g: 2_345,
            sscc: compose_sscc(0, &prefix, 123_456_789).expect("sscc"),
            company_prefix: Some(prefix),
        }
    }

    #[test]
    fn label_parses_back_with_every_field() {
        let built = build_label(&sample()).expect("builds");
        assert_eq!(built.sscc.as_str(), "006141411234567890");
        let parsed = parse_fields(&built.zpl).expect("parses");
        assert_eq!(parsed.print_width, Some(812));
        assert_eq!(parsed.label_length, Some(1218));
        assert!(parsed.utf8);
        for text in [
            "Aisle Demo Warehouse",
            "Reno, NV 89502",
            "Ada Lovelace",
            "12 Analytical Way",
            "Suite 3",
            "Portland, OR 97201",
            "UPS Ground",
            "TRACKING # 1Z999AA10123456784",
            "ORDER SHOP-1001",
            "CARTON 1 OF 2",
            "WEIGHT 2.35 KG (5.17 LB)",
            "(00) 0 0614141 123456789 0",
        ] {
            assert!(parsed.has_text(text), "{text} missing from\n{}", built.zpl);
        }
        let codes: Vec<&Code128> = parsed.code128().collect();
        assert_eq!(codes.len(), 2);
        assert_eq!(codes[0].content, "1Z999AA10123456784");
        assert!(!codes[0].gs1);
        assert!(codes[1].gs1);
        assert_eq!(codes[1].content, "00006141411234567890");
        let sscc = parsed.sscc().expect("SSCC barcode");
        assert_eq!(sscc, built.sscc);
        assert!(has_valid_check_digit(sscc.as_str()));
        assert!(
            built
                .zpl
                .contains("^BCN,254,N,N,N,N^FD>;>800006141411234567890^FS")
        );
    }

    #[test]
    fn every_field_fits_the_label() {
        let built = build_label(&sample()).expect("builds");
        let parsed = parse_fields(&built.zpl).expect("parses");
        for field in &parsed.fields {
            assert!(field.x < LABEL_WIDTH_DOTS, "{field:?}");
            assert!(field.y + 40 < LABEL_LENGTH_DOTS, "{field:?}");
        }
        // The SSCC barcode sits centred with GS1's quiet zones (10 modules) on both sides.
        let sscc_field = parsed
            .fields
            .iter()
            .find(|f| matches!(&f.kind, FieldKind::Code128(c) if c.gs1))
            .expect("sscc field");
        assert!(sscc_field.x >= 10 * SSCC_MODULE_DOTS);
        assert!(sscc_field.y + SSCC_BAR_DOTS < 1160);
    }

    #[test]
    fn all_digit_tracking_numbers_use_subset_c() {
        let mut label = sample();
        label.tracking_number = "9400111899223197428490".to_owned();
        let built = build_label(&label).expect("builds");
        assert!(built.zpl.contains("^FD>;9400111899223197428490^FS"));
        let parsed = parse_fields(&built.zpl).expect("parses");
        assert_eq!(
            parsed.code128().next().map(|c| c.content.as_str()),
            Some("9400111899223197428490")
        );
    }

    #[test]
    fn caret_and_tilde_in_data_are_hex_escaped() {
        let mut label = sample();
        label.ship_to.name = "Ada ^XZ Love~lace_".to_owned();
        label.ship_to.lines = vec!["12 Way\r\n^FS".to_owned()];
        label.order_reference = "PO^1".to_owned();
        let built = build_label(&label).expect("builds");
        assert!(built.zpl.contains("^FH^FDAda _5EXZ Love_7Elace_5F^FS"));
        assert!(!built.zpl.contains("^XZ Love"));
        let parsed = parse_fields(&built.zpl).expect("parses");
        assert!(parsed.has_text("Ada ^XZ Love~lace_"));
        assert!(parsed.has_text("12 Way  ^FS"));
        assert!(parsed.has_text("ORDER PO^1"));
        // Underscores without ^ or ~ need no escaping.
        assert_eq!(field_data("a_b"), (false, "a_b".to_owned()));
    }

    #[test]
    fn utf8_text_is_kept() {
        let mut label = sample();
        label.ship_to.city = "Zürich".to_owned();
        label.ship_to.state = String::new();
        label.ship_to.country = "CH".to_owned();
        let parsed = parse_fields(&build_label(&label).expect("builds").zpl).expect("parses");
        assert!(parsed.has_text("Zürich 97201"));
        assert!(parsed.has_text("CH"));
        let escaped = "^XA^CI28^FO0,0^A0N,20,20^FH^FDZ_C3_BCrich_5E^FS^XZ";
        let parsed = parse_fields(escaped).expect("parses");
        assert_eq!(parsed.texts().collect::<Vec<_>>(), ["Zürich^"]);
    }

    #[test]
    fn refuses_labels_it_cannot_print() {
        let mut label = sample();
        label.tracking_number = "1Z 999".to_owned();
        assert!(matches!(
            build_label(&label),
            Err(LabelError::TrackingNumber { .. })
        ));
        let mut label = sample();
        label.carton_number = 3;
        assert_eq!(
            build_label(&label).map_err(|e| e.to_string()),
            Err("carton 3 of 2: expected a carton number from 1 to the carton count".to_owned())
        );
        let mut label = sample();
        label.weight_g = 0;
        assert_eq!(build_label(&label), Err(LabelError::NoWeight));
        let mut label = sample();
        label.ship_to.postal_code = " ".to_owned();
        assert_eq!(
            build_label(&label).map_err(|e| e.to_string()),
            Err("ship-to ZIP is empty: expected a ZIP or postal code".to_owned())
        );
        let mut label = sample();
        label.ship_to.lines = vec!["a".into(), "b".into(), "c".into(), "d".into()];
        assert_eq!(
            build_label(&label),
            Err(LabelError::TooManyLines {
                who: "ship-to",
                got: 4,
                max: 3
            })
        );
        let mut label = sample();
        label.ship_to.lines = vec![String::new()];
        assert!(matches!(
            build_label(&label),
            Err(LabelError::Missing {
                what: "ship-to address",
                ..
            })
        ));
    }

    #[test]
    fn weight_is_rounded_to_ten_grams() {
        assert_eq!(weight_text(2_345), "WEIGHT 2.35 KG (5.17 LB)");
        assert_eq!(weight_text(995), "WEIGHT 1.00 KG (2.19 LB)");
        assert_eq!(weight_text(4), "WEIGHT 0.00 KG (0.01 LB)");
    }

    #[test]
    fn the_reader_checks_structure() {
        let ok = "^XA\n^FO10,10^A0N,20,20^FDhi^FS\n^XZ\n";
        assert_eq!(
            parse_fields(ok).map(|l| l.texts().map(str::to_owned).collect::<Vec<_>>()),
            Ok(vec!["hi".to_owned()])
        );
        assert!(matches!(
            parse_fields("^FO10,10^FDhi^FS^XZ"),
            Err(ZplError::NoStart { .. })
        ));
        assert_eq!(parse_fields("^XA^FO10,10^FDhi^FS"), Err(ZplError::NoEnd));
        assert!(matches!(
            parse_fields("^XA^FO10,10^FDhi^XZ"),
            Err(ZplError::UnclosedData { .. })
        ));
        assert!(matches!(
            parse_fields("^XA^FO10,10^FDhi~JA^FS^XZ"),
            Err(ZplError::UnclosedData { .. })
        ));
        assert!(matches!(
            parse_fields("^XA^FO10,10^GB100,3,3^XZ"),
            Err(ZplError::UnclosedField { .. })
        ));
        assert!(matches!(
            parse_fields("^XA^FO10,10^FDa^FS^FO1,1^FDb^FS^XZ^XA^XZ"),
            Err(ZplError::AfterEnd { .. })
        ));
        assert_eq!(
            parse_fields("^XA^FO1,1^ZZ1^FDa^FS^XZ"),
            Err(ZplError::UnknownCommand {
                command: "^ZZ".to_owned(),
                at: 9
            })
        );
        assert!(matches!(
            parse_fields("^XA~HS^XZ"),
            Err(ZplError::UnknownCommand { .. })
        ));
        assert!(matches!(
            parse_fields("^XA^FOx,1^FDa^FS^XZ"),
            Err(ZplError::BadParameters { .. })
        ));
        assert!(matches!(
            parse_fields("^XA^FO1,1^FH^FDa_4^FS^XZ"),
            Err(ZplError::BadFieldData { .. })
        ));
        assert!(matches!(
            parse_fields("^XA^FO1,1^FDa^FDb^FS^XZ"),
            Err(ZplError::UnclosedData { .. })
        ));
    }

    #[test]
    fn code128_data_is_decoded_as_the_printer_would() {
        let decode = |data: &str| decode_code128(data, 'N');
        assert_eq!(
            decode(">;>800006141411234567890").map(|c| (c.gs1, c.content)),
            Ok((true, "00006141411234567890".to_owned()))
        );
        assert_eq!(
            decode("AB>5123456>6C><").map(|c| c.content),
            Ok("AB123456C>".to_owned())
        );
        assert_eq!(
            decode(">;>80112345678901234>810>6LOT7").map(|c| c.content),
            Ok("0112345678901234\u{1d}10LOT7".to_owned())
        );
        assert_eq!(
            decode(">;>80112345678901234>810LOT7"),
            Err(ZplError::BadCode128 {
                data: ">;>80112345678901234>810LOT7".to_owned(),
                reason: "subset C holds digit pairs only".to_owned()
            })
        );
        assert!(decode(">;123").is_err());
        assert!(decode("A>").is_err());
        assert!(decode(">:A>;").is_err());
        assert!(decode("").is_err());
        assert_eq!(
            decode_code128("(00)006141411234567890", 'D').map(|c| (c.gs1, c.content)),
            Ok((true, "00006141411234567890".to_owned()))
        );
    }

    #[test]
    fn a_wrong_check_digit_in_the_barcode_is_caught() {
        let zpl = "^XA^FO94,895^BY4^BCN,254,N,N,N,N^FD>;>800006141411234567891^FS^XZ";
        let parsed = parse_fields(zpl).expect("well formed");
        assert!(matches!(parsed.sscc(), Err(ZplError::Gs1(_))));
        let no_sscc = parse_fields("^XA^FO1,1^BCN,50,N,N,N,N^FDABC^FS^XZ").expect("parses");
        assert_eq!(no_sscc.sscc(), Err(ZplError::NoSscc));
    }
}
