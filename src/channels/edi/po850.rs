//! The 850 purchase order (004010 and 005010) into an [`IncomingOrder`].
//!
//! | 850 | order |
//! |---|---|
//! | `BEG01` purpose | `00` original → Create, `01` cancellation → Cancel, `05` replace → Update, `07` duplicate → Create (intake is idempotent per PO number, so a duplicate of a stored PO changes nothing); others are refused |
//! | `BEG03` | `external_id` (the PO number) |
//! | `BEG04` | `reference` (the release number, when there is one) |
//! | `BEG05` | `ordered_at`, 00:00 UTC of that date (the 850 carries no time) |
//! | `DTM` (heading) | `ship_by`, see [`ship_by`] |
//! | `TD5` (heading) | `service_level`, see [`service_level`] |
//! | `N1*ST` + `N3`/`N4`/`PER` | `ship_to`: N102 → name, N301/N302 (and a second N3) → address lines, N401–N404 → city, province, zip, country (`USA`/`CAN`/`MEX` → `US`/`CA`/`MX`), `PER` `TE` → phone |
//! | `PO1` | a line: PO101 → `external_line_id`, PO102 → quantity (whole; `12.0` is 12), PO103 `EA` → each, `CA` → case (intake converts by the case pack), others refused; product ids from PO106 on, see [`product_ids`] |
//! | `PID*F` (in the PO1 loop) | the line's `description` (PID05) |
//! | `CTT01` | checked against the number of PO1 segments |
//!
//! Refused, so that nothing ships to the wrong place: a second `N1*ST`, a ship-to inside a PO1
//! loop, and `SDQ` destination quantities (one PO shipping to many stores). Segments we do not
//! use (REF, ITD, PO4, AMT, MSG…) are skipped. Every refusal names the segment and element and
//! carries the AK3/AK4 note for the 997.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::domain::incoming_order::{
    IncomingLine, IncomingOrder, IntakeAction, QuantityUnit, ShipTo,
};

use super::errors::{
    ElementNote, ElementSyntaxError, Place, SegmentNote, SegmentSyntaxError, SetError,
    SetSyntaxError, shown,
};
use super::x12::{Segment, TransactionSet};

/// A parsed 850: the order, and where each of its lines sits in the set (for a 997 that
/// rejects the set later because of one line, such as an item we do not list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Po850 {
    pub order: IncomingOrder,
    pub lines: Vec<LineSegment>,
}

/// Where one order line came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineSegment {
    /// The order line's `line_no`.
    pub line_no: i32,
    /// The PO1 segment's index in the interchange, and its position in the set (AK302).
    pub segment_index: usize,
    pub position_in_set: usize,
    /// The PO1 element holding the line's `channel_sku` (PO107, PO109…), and its value.
    pub sku_element: Option<usize>,
    pub sku: Option<String>,
}

/// The PO number (BEG03) of a set, when it can be read: to name a refused set.
pub fn purchase_order_number(set: &TransactionSet) -> Option<String> {
    set.segments
        .iter()
        .find(|s| s.id == "BEG")
        .map(|s| s.element(3).trim())
        .filter(|po| !po.is_empty())
        .map(shown)
}

/// Data element reference numbers (AK402) of the elements we check.
mod reference {
    pub const PURPOSE: u16 = 353;
    pub const PO_TYPE: u16 = 92;
    pub const PO_NUMBER: u16 = 324;
    pub const DATE: u16 = 373;
    pub const QUANTITY: u16 = 330;
    pub const UNIT: u16 = 355;
    pub const PRODUCT_ID_QUALIFIER: u16 = 235;
    pub const PRODUCT_ID: u16 = 234;
    pub const LINE_COUNT: u16 = 354;
    pub const COUNTRY: u16 = 26;
}

/// Reads one 850 whose envelope is sound.
pub fn parse_850(set: &TransactionSet) -> Result<Po850, SetError> {
    let mut reader = Reader {
        set,
        beg: None,
        dates: Vec::new(),
        service_level: None,
        party_is_ship_to: false,
        ship_to: None,
        lines: Vec::new(),
        line_segments: Vec::new(),
        in_lines: false,
        ctt: None,
    };
    for segment in &set.segments {
        reader.read(segment)?;
    }
    reader.finish()
}

struct Beg {
    action: IntakeAction,
    po_number: String,
    release: Option<String>,
    date: NaiveDate,
}

struct Reader<'a> {
    set: &'a TransactionSet,
    beg: Option<Beg>,
    /// Heading DTMs: qualifier and date.
    dates: Vec<(String, NaiveDate)>,
    service_level: Option<String>,
    /// Whether the N1 loop we are in is the ship-to party's.
    party_is_ship_to: bool,
    ship_to: Option<ShipTo>,
    lines: Vec<IncomingLine>,
    line_segments: Vec<LineSegment>,
    /// After the first PO1.
    in_lines: bool,
    /// CTT01 and the CTT segment, once read.
    ctt: Option<(u32, &'a Segment)>,
}

impl<'a> Reader<'a> {
    fn read(&mut self, segment: &'a Segment) -> Result<(), SetError> {
        if !segment.has_valid_id() {
            return Err(self.segment_error(
                segment,
                SegmentSyntaxError::Unrecognized,
                format!(
                    "expected a segment ID of 2 or 3 letters or digits, found {}",
                    shown(&segment.id)
                ),
            ));
        }
        match segment.id.as_str() {
            "BEG" => self.beg(segment),
            "DTM" if !self.in_lines => self.dtm(segment),
            "TD5" if !self.in_lines => {
                if self.service_level.is_none() {
                    self.service_level = service_level(segment);
                }
                Ok(())
            }
            "N1" => self.n1(segment),
            "N2" | "N3" | "N4" | "PER" if self.party_is_ship_to => self.ship_to_detail(segment),
            "PO1" => self.po1(segment),
            "PID" => {
                self.pid(segment);
                Ok(())
            }
            "SDQ" => Err(self.segment_error(
                segment,
                SegmentSyntaxError::Unexpected,
                "destination quantities (SDQ) are not supported: expected one ship-to (N1*ST) \
                 for the whole purchase order",
            )),
            "CTT" => self.ctt(segment),
            _ => Ok(()),
        }
    }

    fn position(&self, segment: &Segment) -> usize {
        self.set.position_of(segment)
    }

    fn segment_error(
        &self,
        segment: &Segment,
        error: SegmentSyntaxError,
        message: impl Into<String>,
    ) -> SetError {
        SetError {
            place: segment.place(None),
            message: message.into(),
            code: SetSyntaxError::SegmentsInError,
            note: Some(Box::new(SegmentNote {
                segment_id: segment.id.clone(),
                position_in_set: self.position(segment),
                error: Some(error),
                element: None,
            })),
        }
    }

    fn element_error(
        &self,
        segment: &Segment,
        position: usize,
        reference: Option<u16>,
        error: ElementSyntaxError,
        message: impl Into<String>,
    ) -> SetError {
        let value = segment.element(position);
        SetError {
            place: segment.place(Some(position)),
            message: message.into(),
            code: SetSyntaxError::SegmentsInError,
            note: Some(Box::new(SegmentNote {
                segment_id: segment.id.clone(),
                position_in_set: self.position(segment),
                error: Some(SegmentSyntaxError::ElementErrors),
                element: Some(ElementNote {
                    position,
                    reference,
                    error,
                    copy: (!value.is_empty()).then(|| value.chars().take(99).collect()),
                }),
            })),
        }
    }

    fn missing(&self, segment: &Segment, position: usize, reference: u16, what: &str) -> SetError {
        self.element_error(
            segment,
            position,
            Some(reference),
            ElementSyntaxError::MandatoryMissing,
            format!("expected {what}, found nothing"),
        )
    }

    fn beg(&mut self, segment: &Segment) -> Result<(), SetError> {
        if self.beg.is_some() {
            return Err(self.segment_error(
                segment,
                SegmentSyntaxError::ExceedsMaximumUse,
                "expected one BEG per purchase order, found a second",
            ));
        }
        if self.in_lines {
            return Err(self.segment_error(
                segment,
                SegmentSyntaxError::OutOfSequence,
                "expected BEG before the first PO1",
            ));
        }
        let action = match segment.element(1) {
            "" => return Err(self.missing(segment, 1, reference::PURPOSE, "a purpose code")),
            "00" | "07" => IntakeAction::Create,
            "01" => IntakeAction::Cancel,
            "05" => IntakeAction::Update,
            other => {
                return Err(self.element_error(
                    segment,
                    1,
                    Some(reference::PURPOSE),
                    ElementSyntaxError::InvalidCode,
                    format!(
                        "expected purpose 00 (original), 01 (cancellation), 05 (replace) or 07 \
                         (duplicate), found {}",
                        shown(other)
                    ),
                ));
            }
        };
        if segment.element(2).is_empty() {
            return Err(self.missing(
                segment,
                2,
                reference::PO_TYPE,
                "a purchase order type such as SA",
            ));
        }
        let po_number = segment.element(3).trim();
        if po_number.is_empty() {
            return Err(self.missing(
                segment,
                3,
                reference::PO_NUMBER,
                "the purchase order number",
            ));
        }
        if po_number.chars().count() > 22 {
            return Err(self.element_error(
                segment,
                3,
                Some(reference::PO_NUMBER),
                ElementSyntaxError::TooLong,
                format!(
                    "expected a purchase order number of at most 22 characters, found {}",
                    shown(po_number)
                ),
            ));
        }
        let release = Some(segment.element(4).trim())
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        let date = self.date(segment, 5, "the purchase order date")?;
        self.beg = Some(Beg {
            action,
            po_number: po_number.to_string(),
            release,
            date,
        });
        Ok(())
    }

    /// A CCYYMMDD date in `position`.
    fn date(&self, segment: &Segment, position: usize, what: &str) -> Result<NaiveDate, SetError> {
        let value = segment.element(position);
        if value.is_empty() {
            return Err(self.missing(segment, position, reference::DATE, what));
        }
        parse_date(value).ok_or_else(|| {
            self.element_error(
                segment,
                position,
                Some(reference::DATE),
                ElementSyntaxError::InvalidDate,
                format!("expected {what} as CCYYMMDD, found {}", shown(value)),
            )
        })
    }

    fn dtm(&mut self, segment: &Segment) -> Result<(), SetError> {
        let qualifier = segment.element(1);
        if SHIP_DATE_QUALIFIERS.contains(&qualifier) {
            let date = self.date(segment, 2, &format!("the date of DTM {qualifier}"))?;
            self.dates.push((qualifier.to_string(), date));
        }
        Ok(())
    }

    fn n1(&mut self, segment: &Segment) -> Result<(), SetError> {
        let is_ship_to = segment.element(1) == "ST";
        if is_ship_to && self.in_lines {
            return Err(self.segment_error(
                segment,
                SegmentSyntaxError::Unexpected,
                "a ship-to per line (N1*ST inside a PO1 loop) is not supported: expected one \
                 ship-to for the whole purchase order",
            ));
        }
        if is_ship_to && self.ship_to.is_some() {
            return Err(self.segment_error(
                segment,
                SegmentSyntaxError::Unexpected,
                "expected one ship-to (N1*ST) per purchase order, found a second",
            ));
        }
        self.party_is_ship_to = is_ship_to;
        if is_ship_to {
            self.ship_to = Some(ShipTo {
                name: text(segment.element(2)),
                ..ShipTo::default()
            });
        }
        Ok(())
    }

    fn ship_to_detail(&mut self, segment: &Segment) -> Result<(), SetError> {
        let country = if segment.id == "N4" {
            self.country(segment)?
        } else {
            None
        };
        let Some(ship_to) = self.ship_to.as_mut() else {
            return Ok(());
        };
        match segment.id.as_str() {
            "N3" => {
                for value in [segment.element(1), segment.element(2)] {
                    let Some(value) = text(value) else { continue };
                    if ship_to.address1.is_none() {
                        ship_to.address1 = Some(value);
                    } else if ship_to.address2.is_none() {
                        ship_to.address2 = Some(value);
                    }
                }
            }
            "N4" => {
                ship_to.city = text(segment.element(1));
                ship_to.province = text(segment.element(2));
                ship_to.zip = text(segment.element(3));
                ship_to.country = country;
            }
            "PER" if ship_to.phone.is_none() => {
                ship_to.phone = [(3, 4), (5, 6), (7, 8)]
                    .into_iter()
                    .find(|&(q, _)| segment.element(q) == "TE")
                    .and_then(|(_, v)| text(segment.element(v)));
            }
            _ => {}
        }
        Ok(())
    }

    /// N404 as ISO 3166 alpha-2.
    fn country(&self, segment: &Segment) -> Result<Option<String>, SetError> {
        let value = segment.element(4).trim();
        let code = match value {
            "" => return Ok(None),
            "USA" => "US",
            "CAN" => "CA",
            "MEX" => "MX",
            two if two.len() == 2 && two.bytes().all(|b| b.is_ascii_uppercase()) => two,
            other => {
                return Err(self.element_error(
                    segment,
                    4,
                    Some(reference::COUNTRY),
                    ElementSyntaxError::InvalidCode,
                    format!(
                        "expected a 2-letter ISO country code such as US, found {}",
                        shown(other)
                    ),
                ));
            }
        };
        Ok(Some(code.to_string()))
    }

    fn po1(&mut self, segment: &Segment) -> Result<(), SetError> {
        if self.ctt.is_some() {
            return Err(self.segment_error(
                segment,
                SegmentSyntaxError::OutOfSequence,
                "expected PO1 lines before CTT, found one after it",
            ));
        }
        if self.beg.is_none() {
            return Err(self.beg_missing());
        }
        self.in_lines = true;
        self.party_is_ship_to = false;

        let quantity = segment.element(2);
        if quantity.is_empty() {
            return Err(self.missing(segment, 2, reference::QUANTITY, "the quantity ordered"));
        }
        let quantity = match whole_quantity(quantity) {
            Ok(q) => q,
            Err(QuantityError::NotWhole) => {
                return Err(self.element_error(
                    segment,
                    2,
                    Some(reference::QUANTITY),
                    ElementSyntaxError::InvalidCharacter,
                    format!(
                        "expected a whole number of units, found {}",
                        shown(quantity)
                    ),
                ));
            }
            Err(QuantityError::Zero) => {
                return Err(self.element_error(
                    segment,
                    2,
                    Some(reference::QUANTITY),
                    ElementSyntaxError::InvalidCode,
                    format!(
                        "expected a quantity of at least 1, found {}",
                        shown(quantity)
                    ),
                ));
            }
            Err(QuantityError::TooLarge) => {
                return Err(self.element_error(
                    segment,
                    2,
                    Some(reference::QUANTITY),
                    ElementSyntaxError::TooLong,
                    format!(
                        "expected a quantity of at most {}, found {}",
                        i32::MAX,
                        shown(quantity)
                    ),
                ));
            }
        };
        let unit = match segment.element(3) {
            "" => {
                return Err(self.missing(
                    segment,
                    3,
                    reference::UNIT,
                    "a unit of measure (EA or CA)",
                ));
            }
            "EA" => QuantityUnit::Each,
            "CA" => QuantityUnit::Case,
            other => {
                return Err(self.element_error(
                    segment,
                    3,
                    Some(reference::UNIT),
                    ElementSyntaxError::InvalidCode,
                    format!(
                        "unit of measure {} is not supported: expected EA (each) or CA (case)",
                        shown(other)
                    ),
                ));
            }
        };
        let ids = self.product_ids(segment)?;
        let Some(primary) = ids.primary else {
            return Err(self.element_error(
                segment,
                6,
                Some(reference::PRODUCT_ID_QUALIFIER),
                ElementSyntaxError::ConditionalMissing,
                "expected a product id from PO106 on (UP, EN, UK, VP, BP…, then its value), \
                 found none",
            ));
        };
        let line_no = i32::try_from(self.lines.len())
            .ok()
            .and_then(|n| n.checked_add(1))
            .ok_or_else(|| {
                self.segment_error(
                    segment,
                    SegmentSyntaxError::ExceedsMaximumUse,
                    "too many PO1 lines",
                )
            })?;
        let sku_element = Some(primary.element);
        let sku = Some(primary.value.clone());
        self.lines.push(IncomingLine {
            line_no,
            external_line_id: text(segment.element(1)),
            channel_sku: Some(primary.value),
            alternate_skus: ids.alternates,
            quantity,
            unit,
            requires_shipping: true,
            description: None,
        });
        self.line_segments.push(LineSegment {
            line_no,
            segment_index: segment.index,
            position_in_set: self.position(segment),
            sku_element,
            sku,
        });
        Ok(())
    }

    /// The product ids of a PO1 (PO106/PO107, PO108/PO109 … in pairs).
    fn product_ids(&self, segment: &Segment) -> Result<ProductIds, SetError> {
        let mut pairs = Vec::new();
        let mut qualifier_at = 6usize;
        while qualifier_at <= segment.elements.len() {
            let value_at = qualifier_at.saturating_add(1);
            let qualifier = segment.element(qualifier_at).trim();
            let value = segment.element(value_at).trim();
            match (qualifier.is_empty(), value.is_empty()) {
                (true, true) => {}
                (false, false) => pairs.push(ProductId {
                    qualifier: qualifier.to_string(),
                    value: value.to_string(),
                    element: value_at,
                }),
                (false, true) => {
                    return Err(self.element_error(
                        segment,
                        value_at,
                        Some(reference::PRODUCT_ID),
                        ElementSyntaxError::ConditionalMissing,
                        format!(
                            "expected the product id qualified by {} in PO1{qualifier_at:02}, \
                             found nothing",
                            shown(qualifier)
                        ),
                    ));
                }
                (true, false) => {
                    return Err(self.element_error(
                        segment,
                        qualifier_at,
                        Some(reference::PRODUCT_ID_QUALIFIER),
                        ElementSyntaxError::ConditionalMissing,
                        format!(
                            "expected a qualifier (UP, EN, UK, VP, BP…) for the product id {}, \
                             found nothing",
                            shown(value)
                        ),
                    ));
                }
            }
            qualifier_at = qualifier_at.saturating_add(2);
        }
        Ok(product_ids(pairs))
    }

    fn pid(&mut self, segment: &Segment) {
        if !self.in_lines || segment.element(1) != "F" {
            return;
        }
        if let Some(line) = self.lines.last_mut()
            && line.description.is_none()
        {
            line.description = text(segment.element(5));
        }
    }

    fn ctt(&mut self, segment: &'a Segment) -> Result<(), SetError> {
        if self.ctt.is_some() {
            return Err(self.segment_error(
                segment,
                SegmentSyntaxError::ExceedsMaximumUse,
                "expected one CTT, found a second",
            ));
        }
        let value = segment.element(1);
        if value.is_empty() {
            return Err(self.missing(
                segment,
                1,
                reference::LINE_COUNT,
                "the number of line items",
            ));
        }
        let count = if value.len() <= 9 && value.bytes().all(|b| b.is_ascii_digit()) {
            value.parse::<u32>().ok()
        } else {
            None
        };
        let Some(count) = count else {
            return Err(self.element_error(
                segment,
                1,
                Some(reference::LINE_COUNT),
                ElementSyntaxError::InvalidCharacter,
                format!("expected the number of line items, found {}", shown(value)),
            ));
        };
        self.ctt = Some((count, segment));
        Ok(())
    }

    fn beg_missing(&self) -> SetError {
        SetError {
            place: Place {
                segment_index: self.set.first_segment_index,
                segment_id: "ST".to_string(),
                element: None,
            },
            message: "expected BEG (the purchase order number and date) right after ST, found \
                      none"
                .to_string(),
            code: SetSyntaxError::SegmentsInError,
            note: Some(Box::new(SegmentNote {
                segment_id: "BEG".to_string(),
                position_in_set: 2,
                error: Some(SegmentSyntaxError::MandatoryMissing),
                element: None,
            })),
        }
    }

    fn finish(self) -> Result<Po850, SetError> {
        let Some(beg) = self.beg.as_ref() else {
            return Err(self.beg_missing());
        };
        if let Some((declared, segment)) = self.ctt {
            let lines = self.lines.len();
            if usize::try_from(declared).ok() != Some(lines) {
                return Err(self.element_error(
                    segment,
                    1,
                    Some(reference::LINE_COUNT),
                    ElementSyntaxError::InvalidCode,
                    format!(
                        "expected {lines} line item{} (PO1 segments), found {declared}",
                        if lines == 1 { "" } else { "s" }
                    ),
                ));
            }
        }
        if self.lines.is_empty() && beg.action != IntakeAction::Cancel {
            let segments = self.set.segments.len();
            return Err(SetError {
                place: Place {
                    segment_index: self.set.first_segment_index,
                    segment_id: "ST".to_string(),
                    element: None,
                },
                message: "expected at least one line (PO1), found none".to_string(),
                code: SetSyntaxError::SegmentsInError,
                note: Some(Box::new(SegmentNote {
                    segment_id: "PO1".to_string(),
                    // Where it was expected: before SE.
                    position_in_set: segments.saturating_add(2),
                    error: Some(SegmentSyntaxError::MandatoryMissing),
                    element: None,
                })),
            });
        }
        let dates: Vec<(&str, NaiveDate)> =
            self.dates.iter().map(|(q, d)| (q.as_str(), *d)).collect();
        let order = IncomingOrder {
            action: beg.action,
            external_id: beg.po_number.clone(),
            reference: beg.release.clone(),
            ordered_at: beg.date.and_time(NaiveTime::MIN).and_utc(),
            ship_by: ship_by(&dates),
            service_level: self.service_level,
            ship_to: self.ship_to,
            hold_reason: None,
            lines: self.lines,
        };
        Ok(Po850 {
            order,
            lines: self.line_segments,
        })
    }
}

/// A trimmed value, `None` when empty.
fn text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// CCYYMMDD.
fn parse_date(value: &str) -> Option<NaiveDate> {
    if value.len() != 8 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(value, "%Y%m%d").ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuantityError {
    NotWhole,
    Zero,
    TooLarge,
}

/// PO102: digits, optionally followed by a decimal point and zeros only (`12`, `12.0`, `12.`).
fn whole_quantity(value: &str) -> Result<i32, QuantityError> {
    let (whole, fraction) = match value.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (value, ""),
    };
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b == b'0')
    {
        return Err(QuantityError::NotWhole);
    }
    let mut quantity: i32 = 0;
    for digit in whole.bytes() {
        quantity = quantity
            .checked_mul(10)
            .and_then(|q| q.checked_add(i32::from(digit.saturating_sub(b'0'))))
            .ok_or(QuantityError::TooLarge)?;
    }
    if quantity == 0 {
        return Err(QuantityError::Zero);
    }
    Ok(quantity)
}

/// The DTM qualifiers that bear on the ship-by time.
const SHIP_DATE_QUALIFIERS: [&str; 5] = ["038", "010", "001", "002", "063"];

/// The ship-by time from the heading DTMs (qualifier, date). The 850 gives dates, not times, and
/// the parser does not know the warehouse's time zone, so days are taken in UTC:
///
/// 1. `038` ship no later than: the end of that day (23:59:59 UTC);
/// 2. otherwise `010` requested ship date: the end of that day;
/// 3. otherwise `002` delivery requested or `063` do not deliver after: 00:00 UTC of that day,
///    an upper bound that ignores transit time (intake may tighten it by the service's transit
///    days);
/// 4. `001` cancel after caps all of these at the end of its day, and stands alone when it is
///    the only one.
///
/// Where a qualifier repeats, its earliest date counts. None of these: `None`. For warehouses
/// west of Greenwich, the end of a UTC day falls in the local afternoon, so the rule errs early.
pub fn ship_by(dates: &[(&str, NaiveDate)]) -> Option<DateTime<Utc>> {
    let earliest = |qualifiers: &[&str]| {
        dates
            .iter()
            .filter(|(q, _)| qualifiers.contains(q))
            .map(|&(_, d)| d)
            .min()
    };
    let chosen = earliest(&["038"])
        .map(end_of_day)
        .or_else(|| earliest(&["010"]).map(end_of_day))
        .or_else(|| earliest(&["002", "063"]).map(start_of_day));
    let cancel_after = earliest(&["001"]).map(end_of_day);
    match (chosen, cancel_after) {
        (Some(chosen), Some(cancel)) => Some(chosen.min(cancel)),
        (chosen, cancel) => chosen.or(cancel),
    }
}

fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(23, 59, 59)
        .unwrap_or_else(|| date.and_time(NaiveTime::MIN))
        .and_utc()
}

fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

/// The service level from a TD5 (carrier details): `{SCAC}-{SERVICE}`, as the shipping rules
/// spell EDI service levels (`UPSN-GROUND`, `FDEG-GROUND`, `UPSN-3DAY`).
///
/// - SCAC: TD503, upper-cased, letters and digits only, when TD502 is `2` (SCAC) or empty.
/// - SERVICE: TD512, the service level code, when it is one we know — `CG`, `SG` → `GROUND`;
///   `3D` → `3DAY`; `SC`, `SE` → `2DAY`; `ND`, `ON`, `NM` → `NEXTDAY`. Otherwise TD505, the
///   free-text routing: upper-cased, letters and digits only, a leading carrier name (the SCAC,
///   `UPS`, `FEDEX`, `FDX`, `USPS`, `DHL`) dropped, then `GROUND`/`GRND`/`GND` → `GROUND`,
///   `3DAY`/`3DAYSELECT`/`THREEDAY`/`3DS` → `3DAY`, `2DAY`/`2NDDAY`/`2NDDAYAIR`/`SECONDDAY`/
///   `SECONDDAYAIR`/`2DA` → `2DAY`, `NEXTDAY`/`NEXTDAYAIR`/`OVERNIGHT`/`1DAY`/`1DA` → `NEXTDAY`;
///   anything else is kept as it is compacted (`HOMEDELIVERY`).
///
/// So `TD5**2*UPSN*U*UPS GROUND` → `UPSN-GROUND`, `TD5**2*FDEG*U*FEDEX GROUND` →
/// `FDEG-GROUND`, `TD5**2*UPSN*U*UPS 3 DAY SELECT` → `UPSN-3DAY`, `TD5**2*UPSN*U****…*3D` →
/// `UPSN-3DAY`. With only a SCAC, the SCAC; with only a service, the service; neither, `None`.
/// A level the shipping rules do not list falls to the channel's default service at intake.
pub fn service_level(td5: &Segment) -> Option<String> {
    let scac = if matches!(td5.element(2), "2" | "") {
        Some(compact(td5.element(3))).filter(|s| !s.is_empty())
    } else {
        None
    };
    let service = service_code(td5.element(12))
        .map(str::to_string)
        .or_else(|| routing_service(td5.element(5), scac.as_deref()));
    match (scac, service) {
        (Some(scac), Some(service)) => Some(format!("{scac}-{service}")),
        (Some(scac), None) => Some(scac),
        (None, service) => service,
    }
}

fn compact(value: &str) -> String {
    value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// TD512 (service level code, X12 element 284).
fn service_code(code: &str) -> Option<&'static str> {
    match code.trim() {
        "CG" | "SG" => Some("GROUND"),
        "3D" => Some("3DAY"),
        "SC" | "SE" => Some("2DAY"),
        "ND" | "ON" | "NM" => Some("NEXTDAY"),
        _ => None,
    }
}

/// TD505 (free-text routing) as a service.
fn routing_service(routing: &str, scac: Option<&str>) -> Option<String> {
    let mut text = compact(routing);
    let carriers = [
        scac.unwrap_or(""),
        "UNITEDPARCELSERVICE",
        "FEDERALEXPRESS",
        "FEDEX",
        "USPS",
        "UPS",
        "FDX",
        "DHL",
    ];
    if let Some(rest) = carriers
        .iter()
        .filter(|c| !c.is_empty())
        .find_map(|c| text.strip_prefix(c))
    {
        text = rest.to_string();
    }
    let service = match text.as_str() {
        "" => return None,
        "GROUND" | "GRND" | "GND" => "GROUND",
        "3DAY" | "3DAYSELECT" | "THREEDAY" | "3DS" => "3DAY",
        "2DAY" | "2NDDAY" | "2NDDAYAIR" | "SECONDDAY" | "SECONDDAYAIR" | "2DA" => "2DAY",
        "NEXTDAY" | "NEXTDAYAIR" | "OVERNIGHT" | "1DAY" | "1DA" => "NEXTDAY",
        _ => return Some(text),
    };
    Some(service.to_string())
}

/// One product id of a PO1: qualifier, value, and the element holding the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductId {
    pub qualifier: String,
    pub value: String,
    pub element: usize,
}

/// The ids of one line: the one intake looks up first, and the others in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductIds {
    pub primary: Option<ProductId>,
    pub alternates: Vec<String>,
}

/// GTIN qualifiers, in the order the primary id is chosen: `UP` (UPC-A), `EN` (EAN-13), `UK`
/// (GTIN-14).
const GTIN_QUALIFIERS: [&str; 3] = ["UP", "EN", "UK"];

/// Chooses a line's channel SKU among its product ids. The channel lists items by UPC (or EAN),
/// so the primary id is the first `UP`, else `EN`, else `UK`; with none of those, the first id
/// of any kind. The alternates, tried in order when the primary is not listed, are the other
/// ids in the order they came (VP vendor part, BP buyer part, IN, SK…), then the shorter forms
/// of a GTIN with leading zeros (a GTIN-14 `00812345002737` also as `0812345002737` and
/// `812345002737`), since listings hold UPCs as 12 digits and EANs as 13.
pub fn product_ids(ids: Vec<ProductId>) -> ProductIds {
    let primary_at = GTIN_QUALIFIERS
        .iter()
        .find_map(|q| ids.iter().position(|id| id.qualifier == *q))
        .or_else(|| (!ids.is_empty()).then_some(0));
    let mut ids = ids;
    let primary = primary_at.and_then(|i| (i < ids.len()).then(|| ids.remove(i)));
    let mut alternates: Vec<String> = Vec::new();
    let push = |value: &str, alternates: &mut Vec<String>| {
        let taken = primary.as_ref().is_some_and(|p| p.value == value);
        if !taken && !alternates.iter().any(|a| a == value) {
            alternates.push(value.to_string());
        }
    };
    for id in &ids {
        push(&id.value, &mut alternates);
    }
    let gtins = primary
        .iter()
        .chain(ids.iter())
        .filter(|id| GTIN_QUALIFIERS.contains(&id.qualifier.as_str()))
        .map(|id| id.value.clone())
        .collect::<Vec<_>>();
    for gtin in gtins {
        if !gtin.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let mut shorter = gtin.as_str();
        while shorter.len() > 12 {
            match shorter.strip_prefix('0') {
                Some(rest) => {
                    shorter = rest;
                    push(shorter, &mut alternates);
                }
                None => break,
            }
        }
    }
    ProductIds {
        primary,
        alternates,
    }
}
