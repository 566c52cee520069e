//! Orders from a CSV file, for manual and retail-store orders (the `manual` channel), into
//! [`IncomingOrder`]s. The format is documented for users in `docs/csv-orders.md`; this is the
//! same contract.
//!
//! # The header
//!
//! The first line names the columns, in any order, in any letter case:
//!
//! ```text
//! order_id,reference,ordered_at,ship_by,service_level,hold_reason,line_no,sku,quantity,unit,requires_shipping,description,ship_to_name,ship_to_company,ship_to_address1,ship_to_address2,ship_to_city,ship_to_province,ship_to_zip,ship_to_country,ship_to_phone
//! ```
//!
//! `order_id`, `ordered_at`, `sku` and `quantity` are required; the others may be left out. A
//! column that is not one of these, a required column that is missing, or a column named twice
//! refuses the whole file, naming the column. A UTF-8 byte-order mark (as spreadsheets write)
//! is skipped.
//!
//! # Rows
//!
//! One row per order line. The rows of one order need not be next to each other: rows are
//! grouped by `order_id`, and orders come out in the order their first row appears. The
//! order-level columns (`reference`, `ordered_at`, `ship_by`, `service_level`, `hold_reason`
//! and every `ship_to_*`) must be identical, after trimming, on every row of an order; where
//! they differ the order is refused naming both lines. Rows whose cells are all blank are
//! skipped.
//!
//! | column | value | blank means |
//! |---|---|---|
//! | `order_id` | the order's id in the file's source, unique per channel | refused |
//! | `reference` | a human reference (a till receipt number) | none |
//! | `ordered_at` | RFC 3339 (`2026-03-02T14:30:00Z`, `2026-03-02T08:30:00-06:00`) or `YYYY-MM-DD HH:MM`, read as UTC | refused |
//! | `ship_by` | as `ordered_at` | none: intake derives a due time from the service level |
//! | `service_level` | a service level of the channel's shipping rules (`standard`, `express`, `overnight`) | none |
//! | `hold_reason` | any text: the order is stored and reserved but held from release | not held |
//! | `line_no` | a whole number from 1, unique within the order | the row's position within the order |
//! | `sku` | our SKU code (the `manual` channel lists them one to one) | refused, unless the line does not ship |
//! | `quantity` | a whole number, 1 or more, in `unit`s | refused |
//! | `unit` | `EA` (eaches) or `CA` (cases of the SKU's case pack) | `EA` |
//! | `requires_shipping` | `true`/`false`, `yes`/`no`, `1`/`0` | `true` |
//! | `description` | free text | none |
//! | `ship_to_country` | ISO 3166 alpha-2 (`US`) | none |
//! | other `ship_to_*` | free text | none; all blank means no ship-to |
//!
//! A bad cell refuses only its order, as `line N, column NAME: expected …, found "…"`, where N
//! is the line of the file (the header is line 1). Priority is not a column: intake computes it.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::{ParsedOrders, Rejection};
use crate::domain::incoming_order::{
    IncomingLine, IncomingOrder, IntakeAction, QuantityUnit, ShipTo,
};

/// The columns a file may have, in the documented order.
pub const COLUMNS: [&str; 21] = [
    "order_id",
    "reference",
    "ordered_at",
    "ship_by",
    "service_level",
    "hold_reason",
    "line_no",
    "sku",
    "quantity",
    "unit",
    "requires_shipping",
    "description",
    "ship_to_name",
    "ship_to_company",
    "ship_to_address1",
    "ship_to_address2",
    "ship_to_city",
    "ship_to_province",
    "ship_to_zip",
    "ship_to_country",
    "ship_to_phone",
];

/// The columns a file must have.
pub const REQUIRED_COLUMNS: [&str; 4] = ["order_id", "ordered_at", "sku", "quantity"];

/// The columns that describe the order rather than the line: the same on all its rows.
const ORDER_COLUMNS: [&str; 14] = [
    "reference",
    "ordered_at",
    "ship_by",
    "service_level",
    "hold_reason",
    "ship_to_name",
    "ship_to_company",
    "ship_to_address1",
    "ship_to_address2",
    "ship_to_city",
    "ship_to_province",
    "ship_to_zip",
    "ship_to_country",
    "ship_to_phone",
];

/// Parses a CSV file of orders. A bad header refuses the whole file (one rejection); otherwise
/// each order is parsed, or refused, on its own.
pub fn parse_file(bytes: &[u8]) -> ParsedOrders {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();

    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(error)) => return vec![Err(csv_error(&error))],
        None => {
            return vec![Err(Rejection::new(
                None,
                "line 1",
                "expected a header row naming the columns, found an empty file",
            ))];
        }
    };
    let columns = match Columns::from_header(&header) {
        Ok(columns) => columns,
        Err(rejection) => return vec![Err(rejection)],
    };

    let mut file = FileOrders::default();
    for record in records {
        match record {
            Ok(record) => file.add_row(&columns, &record),
            Err(error) => {
                file.entries.push(Entry::Refused(csv_error(&error)));
                break;
            }
        }
    }
    file.finish(&columns)
}

fn csv_error(error: &csv::Error) -> Rejection {
    let place = match error.position() {
        Some(position) => format!("line {}", position.line()),
        None => "the file".to_owned(),
    };
    Rejection::new(
        None,
        place,
        format!("expected CSV, found an unreadable row ({error})"),
    )
}

/// Where each documented column is in this file.
struct Columns {
    index: HashMap<&'static str, usize>,
    count: usize,
}

impl Columns {
    fn from_header(header: &csv::ByteRecord) -> Result<Columns, Rejection> {
        let mut index = HashMap::new();
        for (position, raw) in header.iter().enumerate() {
            let place = format!("line 1, column {}", position.saturating_add(1));
            let name = String::from_utf8_lossy(raw).trim().to_ascii_lowercase();
            let Some(known) = COLUMNS.iter().find(|column| **column == name) else {
                return Err(Rejection::new(
                    None,
                    place,
                    format!(
                        "expected one of the columns {}, found {}",
                        COLUMNS.join(", "),
                        quoted(&name)
                    ),
                ));
            };
            if index.insert(*known, position).is_some() {
                return Err(Rejection::new(
                    None,
                    place,
                    format!("expected each column once, found {} twice", quoted(known)),
                ));
            }
        }
        if let Some(missing) = REQUIRED_COLUMNS
            .iter()
            .find(|column| !index.contains_key(*column))
        {
            return Err(Rejection::new(
                None,
                "line 1",
                format!("expected a column named {}, found none", quoted(missing)),
            ));
        }
        Ok(Columns {
            index,
            count: header.len(),
        })
    }

    /// The name of the column at `position`.
    fn name_at(&self, position: usize) -> &'static str {
        self.index
            .iter()
            .find(|(_, at)| **at == position)
            .map_or("?", |(name, _)| *name)
    }

    /// The trimmed cell of `name` in `cells`; empty when the file has no such column.
    fn cell<'a>(&self, cells: &'a [String], name: &str) -> &'a str {
        self.index
            .get(name)
            .and_then(|position| cells.get(*position))
            .map_or("", |cell| cell.trim())
    }
}

/// What one data row says.
struct Row {
    line: u64,
    cells: Vec<String>,
}

impl Row {
    fn place(&self, column: &str) -> String {
        format!("line {}, column {column}", self.line)
    }

    fn refuse(&self, column: &str, expected: &str, found: &str) -> Rejection {
        Rejection::new(
            None,
            self.place(column),
            format!("expected {expected}, found {}", quoted(found)),
        )
    }
}

/// One order being gathered from its rows.
struct Gathered {
    id: String,
    first: Row,
    lines: Vec<IncomingLine>,
    /// Where each `line_no` was first seen.
    line_numbers: HashMap<i32, u64>,
    refusal: Option<Rejection>,
}

enum Entry {
    Order(usize),
    Refused(Rejection),
}

#[derive(Default)]
struct FileOrders {
    orders: Vec<Gathered>,
    by_id: HashMap<String, usize>,
    entries: Vec<Entry>,
}

impl FileOrders {
    fn add_row(&mut self, columns: &Columns, record: &csv::ByteRecord) {
        let line = record.position().map_or(0, csv::Position::line);
        let mut cells = Vec::with_capacity(record.len());
        let mut undecodable = None;
        for (position, raw) in record.iter().enumerate() {
            match std::str::from_utf8(raw) {
                Ok(text) => cells.push(text.to_owned()),
                Err(_) => {
                    undecodable.get_or_insert(position);
                    cells.push(String::from_utf8_lossy(raw).into_owned());
                }
            }
        }
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            return;
        }
        let row = Row { line, cells };
        let problem = if row.cells.len() != columns.count {
            Some(Rejection::new(
                None,
                format!("line {line}"),
                format!(
                    "expected {} cells as in the header, found {}",
                    columns.count,
                    row.cells.len()
                ),
            ))
        } else {
            undecodable.map(|position| {
                Rejection::new(
                    None,
                    row.place(columns.name_at(position)),
                    "expected UTF-8 text, found bytes that are not",
                )
            })
        };

        let order_id = columns.cell(&row.cells, "order_id").to_owned();
        if order_id.is_empty() {
            let rejection = problem.unwrap_or_else(|| row.refuse("order_id", "an order id", ""));
            self.entries.push(Entry::Refused(rejection));
            return;
        }
        let index = match self.by_id.get(&order_id) {
            Some(index) => *index,
            None => {
                let index = self.orders.len();
                self.orders.push(Gathered {
                    id: order_id.clone(),
                    first: Row {
                        line: row.line,
                        cells: row.cells.clone(),
                    },
                    lines: Vec::new(),
                    line_numbers: HashMap::new(),
                    refusal: None,
                });
                self.by_id.insert(order_id, index);
                self.entries.push(Entry::Order(index));
                index
            }
        };
        let Some(order) = self.orders.get_mut(index) else {
            return;
        };
        if order.refusal.is_some() {
            return;
        }
        let line = match problem {
            Some(rejection) => Err(rejection),
            None => check_agreement(columns, &order.first, &row)
                .and_then(|()| order_line(columns, &row, order)),
        };
        match line {
            Ok(line) => order.lines.push(line),
            Err(rejection) => order.refusal = Some(rejection),
        }
    }

    fn finish(self, columns: &Columns) -> ParsedOrders {
        let FileOrders {
            orders, entries, ..
        } = self;
        let mut orders: Vec<Option<Gathered>> = orders.into_iter().map(Some).collect();
        entries
            .into_iter()
            .filter_map(|entry| match entry {
                Entry::Refused(rejection) => Some(Err(rejection)),
                Entry::Order(index) => orders
                    .get_mut(index)
                    .and_then(Option::take)
                    .map(|order| finish_order(columns, order)),
            })
            .collect()
    }
}

/// The order-level cells of `row` must be those of the order's first row.
fn check_agreement(columns: &Columns, first: &Row, row: &Row) -> Result<(), Rejection> {
    for column in ORDER_COLUMNS {
        let expected = columns.cell(&first.cells, column);
        let found = columns.cell(&row.cells, column);
        if expected != found {
            return Err(Rejection::new(
                None,
                row.place(column),
                format!(
                    "expected {} as on line {} (the order's first row), found {}",
                    quoted(expected),
                    first.line,
                    quoted(found)
                ),
            ));
        }
    }
    Ok(())
}

fn order_line(
    columns: &Columns,
    row: &Row,
    order: &mut Gathered,
) -> Result<IncomingLine, Rejection> {
    let line_no = match columns.cell(&row.cells, "line_no") {
        "" => i32::try_from(order.lines.len())
            .ok()
            .and_then(|count| count.checked_add(1))
            .ok_or_else(|| row.refuse("line_no", "fewer lines in one order", ""))?,
        text => text
            .parse::<i32>()
            .ok()
            .filter(|number| *number >= 1)
            .ok_or_else(|| row.refuse("line_no", "a whole number, 1 or more", text))?,
    };
    if let Some(seen) = order.line_numbers.get(&line_no) {
        return Err(Rejection::new(
            None,
            row.place("line_no"),
            format!(
                "expected a line number not yet used in order {}, found \"{line_no}\", already \
                 on line {seen}",
                order.id
            ),
        ));
    }
    order.line_numbers.insert(line_no, row.line);

    let requires_shipping = match columns
        .cell(&row.cells, "requires_shipping")
        .to_ascii_lowercase()
        .as_str()
    {
        "" | "true" | "yes" | "1" => true,
        "false" | "no" | "0" => false,
        _ => {
            return Err(row.refuse(
                "requires_shipping",
                "true, false, yes, no, 1 or 0",
                columns.cell(&row.cells, "requires_shipping"),
            ));
        }
    };
    let sku = columns.cell(&row.cells, "sku");
    if sku.is_empty() && requires_shipping {
        return Err(row.refuse(
            "sku",
            "a SKU code (or requires_shipping false for a line that does not ship)",
            sku,
        ));
    }
    let quantity_text = columns.cell(&row.cells, "quantity");
    let quantity = quantity_text
        .parse::<i32>()
        .ok()
        .filter(|quantity| *quantity >= 1)
        .ok_or_else(|| row.refuse("quantity", "a whole number, 1 or more", quantity_text))?;
    let unit = match columns
        .cell(&row.cells, "unit")
        .to_ascii_uppercase()
        .as_str()
    {
        "" | "EA" => QuantityUnit::Each,
        "CA" => QuantityUnit::Case,
        _ => {
            return Err(row.refuse(
                "unit",
                "EA (eaches) or CA (cases)",
                columns.cell(&row.cells, "unit"),
            ));
        }
    };
    Ok(IncomingLine {
        line_no,
        external_line_id: None,
        channel_sku: (!sku.is_empty()).then(|| sku.to_owned()),
        alternate_skus: Vec::new(),
        quantity,
        unit,
        requires_shipping,
        description: text(columns, row, "description"),
    })
}

fn finish_order(columns: &Columns, order: Gathered) -> Result<IncomingOrder, Rejection> {
    let id = order.id;
    let with_id = |mut rejection: Rejection| {
        rejection.external_id = Some(id.clone());
        rejection
    };
    if let Some(refusal) = order.refusal {
        return Err(with_id(refusal));
    }
    order_fields(columns, &order.first, order.lines, &id).map_err(with_id)
}

/// The order-level columns, read from the order's first row.
fn order_fields(
    columns: &Columns,
    first: &Row,
    lines: Vec<IncomingLine>,
    id: &str,
) -> Result<IncomingOrder, Rejection> {
    let ordered_at_text = columns.cell(&first.cells, "ordered_at");
    let ordered_at = parse_time(ordered_at_text)
        .ok_or_else(|| first.refuse("ordered_at", TIME_FORMATS, ordered_at_text))?;
    let ship_by = match columns.cell(&first.cells, "ship_by") {
        "" => None,
        text => Some(parse_time(text).ok_or_else(|| first.refuse("ship_by", TIME_FORMATS, text))?),
    };
    let country = match columns.cell(&first.cells, "ship_to_country") {
        "" => None,
        code if code.len() == 2 && code.chars().all(|c| c.is_ascii_alphabetic()) => {
            Some(code.to_ascii_uppercase())
        }
        code => {
            return Err(first.refuse(
                "ship_to_country",
                "an ISO 3166 alpha-2 country code such as US",
                code,
            ));
        }
    };
    let ship_to = ShipTo {
        name: text(columns, first, "ship_to_name"),
        company: text(columns, first, "ship_to_company"),
        address1: text(columns, first, "ship_to_address1"),
        address2: text(columns, first, "ship_to_address2"),
        city: text(columns, first, "ship_to_city"),
        province: text(columns, first, "ship_to_province"),
        zip: text(columns, first, "ship_to_zip"),
        country,
        phone: text(columns, first, "ship_to_phone"),
    };
    Ok(IncomingOrder {
        action: IntakeAction::Create,
        external_id: id.to_owned(),
        reference: text(columns, first, "reference"),
        ordered_at,
        ship_by,
        service_level: text(columns, first, "service_level"),
        ship_to: (ship_to != ShipTo::default()).then_some(ship_to),
        hold_reason: text(columns, first, "hold_reason"),
        lines,
    })
}

const TIME_FORMATS: &str =
    "an RFC 3339 time (2026-03-02T14:30:00Z) or YYYY-MM-DD HH:MM in UTC (2026-03-02 14:30)";

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
        .ok()
        .map(|time| time.and_utc())
}

fn text(columns: &Columns, row: &Row, name: &str) -> Option<String> {
    let cell = columns.cell(&row.cells, name);
    (!cell.is_empty()).then(|| cell.to_owned())
}

/// A cell for a message: quoted, and cut at 60 characters.
fn quoted(cell: &str) -> String {
    let mut shown: String = cell.chars().take(60).collect();
    if shown.len() < cell.len() {
        shown.push('…');
    }
    format!("{shown:?}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::shopify::tests::garble;
    use chrono::TimeZone;

    const GOOD: &[u8] = include_bytes!("../../tests/fixtures/csv/orders_good.csv");
    const ONE_BAD: &[u8] = include_bytes!("../../tests/fixtures/csv/orders_one_bad_row.csv");

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn line(
        line_no: i32,
        sku: Option<&str>,
        quantity: i32,
        unit: QuantityUnit,
        requires_shipping: bool,
        description: &str,
    ) -> IncomingLine {
        IncomingLine {
            line_no,
            external_line_id: None,
            channel_sku: sku.map(str::to_owned),
            alternate_skus: Vec::new(),
            quantity,
            unit,
            requires_shipping,
            description: Some(description.to_owned()),
        }
    }

    #[test]
    fn the_documented_columns_are_in_the_docs() {
        let docs = include_str!("../../docs/csv-orders.md");
        assert!(docs.contains(&COLUMNS.join(",")));
    }

    #[test]
    fn a_good_file() {
        let parsed = parse_file(GOOD);
        assert_eq!(parsed.len(), 3);
        let rosa = ShipTo {
            name: Some("Rosa Delgado".into()),
            company: None,
            address1: Some("55 Cass St".into()),
            address2: None,
            city: Some("Joliet".into()),
            province: Some("IL".into()),
            zip: Some("60432".into()),
            country: Some("US".into()),
            phone: Some("+1 815-555-0133".into()),
        };
        assert_eq!(
            parsed[0],
            Ok(IncomingOrder {
                action: IntakeAction::Create,
                external_id: "M-20260302-001".into(),
                reference: Some("Till 3 receipt 00412".into()),
                ordered_at: utc(2026, 3, 2, 16, 15),
                ship_by: None,
                service_level: Some("standard".into()),
                ship_to: Some(rosa),
                hold_reason: None,
                lines: vec![
                    line(
                        1,
                        Some("TOT100-CHR"),
                        2,
                        QuantityUnit::Each,
                        true,
                        "Canvas Tote Bag, Charcoal"
                    ),
                    line(
                        2,
                        Some("BLK100-BLK-5060"),
                        1,
                        QuantityUnit::Each,
                        true,
                        "Fleece Throw Blanket, Black, 50x60 in"
                    ),
                ],
            })
        );
        assert_eq!(
            parsed[1],
            Ok(IncomingOrder {
                action: IntakeAction::Create,
                external_id: "M-20260302-002".into(),
                reference: Some("PO 7781".into()),
                ordered_at: utc(2026, 3, 2, 16, 40),
                ship_by: Some(utc(2026, 3, 3, 22, 0)),
                service_level: Some("express".into()),
                ship_to: Some(ShipTo {
                    name: Some("Receiving".into()),
                    company: Some("Maple & Wick Home Goods".into()),
                    address1: Some("1200 Commerce Dr".into()),
                    address2: Some("Dock 4".into()),
                    city: Some("Naperville".into()),
                    province: Some("IL".into()),
                    zip: Some("60563".into()),
                    country: Some("US".into()),
                    phone: None,
                }),
                hold_reason: None,
                lines: vec![
                    line(
                        1,
                        Some("CAN100-CIT-8OZ"),
                        2,
                        QuantityUnit::Case,
                        true,
                        "Soy Candle, Citrus, 8 oz (case of 12)"
                    ),
                    line(
                        2,
                        Some("SUN100-RED"),
                        3,
                        QuantityUnit::Each,
                        true,
                        "Polarized Sunglasses, Red"
                    ),
                ],
            })
        );
        let held = parsed[2].as_ref().unwrap();
        assert_eq!(held.external_id, "M-20260302-003");
        assert_eq!(held.reference, None);
        assert_eq!(held.ordered_at, utc(2026, 3, 2, 17, 5));
        assert_eq!(held.service_level.as_deref(), Some("overnight"));
        assert_eq!(
            held.hold_reason.as_deref(),
            Some("awaiting payment by invoice")
        );
        assert_eq!(
            held.lines,
            vec![
                line(
                    1,
                    Some("TWL100-TEA-SHT"),
                    1,
                    QuantityUnit::Each,
                    true,
                    "Cotton Towel, Teal, Sheet"
                ),
                line(
                    2,
                    None,
                    1,
                    QuantityUnit::Each,
                    false,
                    "Gift message card: \"Happy birthday, Sam!\""
                ),
            ]
        );
    }

    #[test]
    fn one_bad_row_refuses_only_its_order() {
        let parsed = parse_file(ONE_BAD);
        assert_eq!(parsed.len(), 3);
        let first = parsed[0].as_ref().unwrap();
        assert_eq!(first.external_id, "B-1");
        assert_eq!(first.lines.len(), 2);
        assert_eq!(first.lines[1].line_no, 2);
        assert_eq!(first.ship_by, None);
        assert_eq!(first.reference, None);
        assert_eq!(
            parsed[1],
            Err(Rejection::new(
                Some("B-2".into()),
                "line 4, column quantity",
                "expected a whole number, 1 or more, found \"ten\"",
            ))
        );
        assert_eq!(
            parsed[1].as_ref().unwrap_err().to_string(),
            "order B-2: line 4, column quantity: expected a whole number, 1 or more, found \"ten\""
        );
        assert_eq!(parsed[2].as_ref().unwrap().external_id, "B-3");
    }

    const HEADER: &str =
        "order_id,ordered_at,ship_by,line_no,sku,quantity,unit,requires_shipping,ship_to_country\n";

    fn refusal(rows: &str) -> Rejection {
        let parsed = parse_file(format!("{HEADER}{rows}").as_bytes());
        parsed.into_iter().find_map(Result::err).expect("a refusal")
    }

    #[test]
    fn bad_cells_name_their_line_and_column() {
        for (rows, place, message) in [
            (
                "A,2026-03-02 10:00,,,SUN100-RED,1,EA,true,US\nA,2026-03-02 10:01,,,SUN100-RED,1,EA,true,US\n",
                "line 3, column ordered_at",
                "expected \"2026-03-02 10:00\" as on line 2 (the order's first row), found \"2026-03-02 10:01\"",
            ),
            (
                "A,2026-03-02 10:00,,1,SUN100-RED,1,EA,true,US\nA,2026-03-02 10:00,,1,TOT100-CHR,1,EA,true,US\n",
                "line 3, column line_no",
                "expected a line number not yet used in order A, found \"1\", already on line 2",
            ),
            (
                "A,yesterday,,,SUN100-RED,1,EA,true,US\n",
                "line 2, column ordered_at",
                "expected an RFC 3339 time (2026-03-02T14:30:00Z) or YYYY-MM-DD HH:MM in UTC (2026-03-02 14:30), found \"yesterday\"",
            ),
            (
                "A,2026-03-02 10:00,2026-02-30 10:00,,SUN100-RED,1,EA,true,US\n",
                "line 2, column ship_by",
                "expected an RFC 3339 time (2026-03-02T14:30:00Z) or YYYY-MM-DD HH:MM in UTC (2026-03-02 14:30), found \"2026-02-30 10:00\"",
            ),
            (
                "A,2026-03-02 10:00,,,SUN100-RED,0,EA,true,US\n",
                "line 2, column quantity",
                "expected a whole number, 1 or more, found \"0\"",
            ),
            (
                "A,2026-03-02 10:00,,,SUN100-RED,99999999999,EA,true,US\n",
                "line 2, column quantity",
                "expected a whole number, 1 or more, found \"99999999999\"",
            ),
            (
                "A,2026-03-02 10:00,,,SUN100-RED,1,PK,true,US\n",
                "line 2, column unit",
                "expected EA (eaches) or CA (cases), found \"PK\"",
            ),
            (
                "A,2026-03-02 10:00,,,SUN100-RED,1,EA,maybe,US\n",
                "line 2, column requires_shipping",
                "expected true, false, yes, no, 1 or 0, found \"maybe\"",
            ),
            (
                "A,2026-03-02 10:00,,,,1,EA,true,US\n",
                "line 2, column sku",
                "expected a SKU code (or requires_shipping false for a line that does not ship), found \"\"",
            ),
            (
                "A,2026-03-02 10:00,,0,SUN100-RED,1,EA,true,US\n",
                "line 2, column line_no",
                "expected a whole number, 1 or more, found \"0\"",
            ),
            (
                "A,2026-03-02 10:00,,,SUN100-RED,1,EA,true,USA\n",
                "line 2, column ship_to_country",
                "expected an ISO 3166 alpha-2 country code such as US, found \"USA\"",
            ),
            (
                "A,2026-03-02 10:00,,,SUN100-RED,1\n",
                "line 2",
                "expected 9 cells as in the header, found 6",
            ),
            (
                ",2026-03-02 10:00,,,SUN100-RED,1,EA,true,US\n",
                "line 2, column order_id",
                "expected an order id, found \"\"",
            ),
        ] {
            let rejection = refusal(rows);
            assert_eq!(rejection.place, place, "{rows}");
            assert_eq!(rejection.message, message, "{rows}");
        }
    }

    #[test]
    fn a_bad_header_refuses_the_file() {
        let refused = |bytes: &[u8]| {
            let parsed = parse_file(bytes);
            assert_eq!(parsed.len(), 1);
            parsed.into_iter().next().unwrap().unwrap_err()
        };
        let unknown = refused(b"order_id,ordered_at,sku,qty\nA,2026-03-02 10:00,X,1\n");
        assert_eq!(unknown.place, "line 1, column 4");
        assert!(
            unknown.message.ends_with("found \"qty\""),
            "{}",
            unknown.message
        );
        let missing = refused(b"order_id,ordered_at,sku\nA,2026-03-02 10:00,X\n");
        assert_eq!(missing.place, "line 1");
        assert_eq!(
            missing.message,
            "expected a column named \"quantity\", found none"
        );
        let twice = refused(b"order_id,ordered_at,sku,quantity,SKU\n");
        assert_eq!(twice.place, "line 1, column 5");
        assert_eq!(
            twice.message,
            "expected each column once, found \"sku\" twice"
        );
        assert_eq!(refused(b"").place, "line 1");
        assert_eq!(
            refused(b"\xff\xfe,ordered_at,sku,quantity\n").place,
            "line 1, column 1"
        );
    }

    #[test]
    fn header_spelling_and_layout_are_forgiving() {
        let bytes = "\u{feff}Quantity , SKU,Ordered_At,ORDER_ID\r\n\
                     2,TOT100-CHR,2026-03-02T10:00:00Z,Z-1\r\n\
                     ,,,\r\n\
                     \r\n\
                     \"1\",\"SUN100-RED\",2026-03-02T10:00:00Z,Z-1\r\n";
        let parsed = parse_file(bytes.as_bytes());
        assert_eq!(parsed.len(), 1);
        let order = parsed[0].as_ref().unwrap();
        assert_eq!(order.external_id, "Z-1");
        assert_eq!(order.ship_to, None);
        assert_eq!(order.lines.len(), 2);
        assert_eq!(order.lines[1].channel_sku.as_deref(), Some("SUN100-RED"));
        assert_eq!(order.lines[1].line_no, 2);
        assert_eq!(parse_file(b"order_id,ordered_at,sku,quantity\n"), vec![]);
    }

    #[test]
    fn line_numbers_count_lines_of_the_file() {
        let rows = "A,2026-03-02 10:00,,,SUN100-RED,1,EA,true,US\n\
                    B,2026-03-02 10:00,,,TOT100-CHR,\"2\nx\",EA,true,US\n\
                    C,2026-03-02 10:00,,,TOT100-CHR,x,EA,true,US\n";
        let parsed = parse_file(format!("{HEADER}{rows}").as_bytes());
        assert_eq!(parsed.len(), 3);
        assert_eq!(
            parsed[1].as_ref().unwrap_err().place,
            "line 3, column quantity"
        );
        assert_eq!(
            parsed[2].as_ref().unwrap_err().place,
            "line 5, column quantity"
        );
    }

    #[test]
    fn text_that_is_not_utf8() {
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend_from_slice(b"A,2026-03-02 10:00,,,SUN\xff,1,EA,true,US\n");
        let rejection = parse_file(&bytes).remove(0).unwrap_err();
        assert_eq!(rejection.place, "line 2, column sku");
        assert_eq!(rejection.external_id.as_deref(), Some("A"));
    }

    #[test]
    fn no_input_makes_it_panic() {
        let parse = |bytes: &[u8]| {
            let _ = parse_file(bytes);
        };
        for fixture in [GOOD, ONE_BAD] {
            garble(fixture, &parse);
            // Each cell of each row replaced in turn by odd values.
            let text = std::str::from_utf8(fixture).unwrap();
            let rows: Vec<&str> = text.lines().collect();
            for (row_index, row) in rows.iter().enumerate() {
                let cells: Vec<&str> = row.split(',').collect();
                for cell_index in 0..cells.len() {
                    for odd in ["", "\"", "-1", "2147483648", "ÿ", "CA", "0", "\"a\nb\""] {
                        let mut changed = cells.clone();
                        changed[cell_index] = odd;
                        let mut all = rows.clone();
                        let joined = changed.join(",");
                        all[row_index] = &joined;
                        parse(all.join("\n").as_bytes());
                    }
                }
            }
        }
    }
}
