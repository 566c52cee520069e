//! Tests of EDI intake: the fixtures in `tests/fixtures/edi/` (see the README there), and
//! interchanges built here around a few segments.

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};

use super::errors::{GroupSyntaxError, SetSyntaxError};
use super::po850::{self, ProductId};
use super::x12::{self, Segment};
use super::*;
use crate::domain::incoming_order::{IntakeAction, QuantityUnit, ShipTo};

const THREE_LINES: &[u8] = include_bytes!("../../../tests/fixtures/edi/004010_850_three_lines.edi");
const TWO_850S_BAD_CTT: &[u8] =
    include_bytes!("../../../tests/fixtures/edi/005010_two_850s_bad_ctt.edi");
const BAD_SE_COUNT: &[u8] =
    include_bytes!("../../../tests/fixtures/edi/004010_850_bad_se_count.edi");
const BAD_GE_COUNT: &[u8] =
    include_bytes!("../../../tests/fixtures/edi/004010_850_bad_ge_count.edi");
const IEA_CONTROL_MISMATCH: &[u8] =
    include_bytes!("../../../tests/fixtures/edi/004010_850_iea_control_mismatch.edi");
const TRUNCATED_ISA: &[u8] =
    include_bytes!("../../../tests/fixtures/edi/004010_850_truncated_isa.edi");
const CRLF: &[u8] = include_bytes!("../../../tests/fixtures/edi/004010_850_crlf.edi");

const FIXTURES: [(&str, &[u8]); 7] = [
    ("004010_850_three_lines", THREE_LINES),
    ("005010_two_850s_bad_ctt", TWO_850S_BAD_CTT),
    ("004010_850_bad_se_count", BAD_SE_COUNT),
    ("004010_850_bad_ge_count", BAD_GE_COUNT),
    ("004010_850_iea_control_mismatch", IEA_CONTROL_MISMATCH),
    ("004010_850_truncated_isa", TRUNCATED_ISA),
    ("004010_850_crlf", CRLF),
];

const ISA_4010: &str = "ISA*00*          *00*          *ZZ*BIGBOXRETAIL   *ZZ*AISLEDEMO      \
                        *261126*1200*U*00401*000000009*0*P*>~";

/// An 004010 interchange around `sets` (each the segments between ST and SE), with correct
/// counts and control numbers.
fn interchange(functional_id: &str, sets: &[&[&str]]) -> String {
    let mut out =
        format!("{ISA_4010}\nGS*{functional_id}*BIGBOX*AISLEDEMO*20261126*1200*9*X*004010~\n");
    for (n, body) in sets.iter().enumerate() {
        let control = format!("{:04}", n + 1);
        out.push_str(&format!("ST*850*{control}~\n"));
        for segment in body.iter() {
            out.push_str(segment);
            out.push_str("~\n");
        }
        out.push_str(&format!("SE*{}*{control}~\n", body.len() + 2));
    }
    out.push_str(&format!("GE*{}*9~\nIEA*1*000000009~\n", sets.len()));
    out
}

fn minimal_po(po: &str) -> Vec<&str> {
    let _ = po;
    vec![
        "BEG*00*SA*PO-1**20261126",
        "PO1*1*2*EA*1.00**UP*812345002737",
        "CTT*1",
    ]
}

fn at() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 26)
        .and_then(|d| d.and_hms_opt(9, 31, 0))
        .unwrap()
}

fn controls() -> ControlNumbers {
    ControlNumbers {
        interchange: 7,
        group: 7,
        set: 1,
    }
}

fn parsed(bytes: &[u8]) -> EdiFile {
    match parse_file(bytes) {
        Ok(file) => file,
        Err(rejection) => panic!("expected a readable interchange, got {rejection}"),
    }
}

fn refused(bytes: &[u8]) -> Rejection {
    match parse_file(bytes) {
        Ok(file) => panic!("expected a broken interchange, got {file:?}"),
        Err(rejection) => rejection,
    }
}

fn ack_text(file: &EdiFile, group: usize) -> String {
    let env = file.reply_envelope(group, controls(), at()).unwrap();
    render_997(&file.acks[group], &env)
}

/// The segments of a rendered 997 between ISA and GE, one per line, for readable assertions.
fn ack_body(text: &str) -> Vec<String> {
    text.split('~')
        .filter(|s| !s.is_empty())
        .filter(|s| !s.starts_with("ISA") && !s.starts_with("GS") && !s.starts_with("GE"))
        .filter(|s| !s.starts_with("IEA"))
        .map(str::to_string)
        .collect()
}

fn segment(text: &str) -> Segment {
    let mut parts = text.split('*').map(str::to_string);
    Segment {
        index: 5,
        id: parts.next().unwrap_or_default(),
        elements: parts.collect(),
    }
}

// ---------------------------------------------------------------- tokenizer and envelope

#[test]
fn reads_the_envelope_of_an_004010_interchange() {
    let interchange = x12::parse_interchange(THREE_LINES).unwrap();
    assert_eq!(interchange.sender_qualifier, "ZZ");
    assert_eq!(interchange.sender_id, "BIGBOXRETAIL");
    assert_eq!(interchange.receiver_id, "AISLEDEMO");
    assert_eq!(interchange.control_number, "000000101");
    assert_eq!(interchange.version, "00401");
    assert_eq!(interchange.usage, Usage::Production);
    assert_eq!(
        interchange.delimiters,
        Delimiters {
            element: '*',
            component: '>',
            segment: '~',
            repetition: None,
        }
    );
    let [group] = interchange.groups.as_slice() else {
        panic!("expected one group");
    };
    assert_eq!(group.functional_id, "PO");
    assert_eq!(group.sender, "BIGBOX");
    assert_eq!(group.control_number, "101");
    assert_eq!(group.version, "004010");
    assert_eq!(group.declared_sets, Some(1));
    assert!(group.errors.is_empty());
    let [set] = group.sets.as_slice() else {
        panic!("expected one set");
    };
    assert_eq!(set.id, "850");
    assert_eq!(set.control_number, "0001");
    assert_eq!(set.first_segment_index, 3);
    assert_eq!(set.segments.len(), 20);
    assert_eq!(set.segments[0].id, "BEG");
    assert_eq!(set.segments[0].index, 4);
    assert!(set.errors.is_empty());
}

#[test]
fn reads_the_delimiters_of_an_005010_interchange() {
    let interchange = x12::parse_interchange(TWO_850S_BAD_CTT).unwrap();
    assert_eq!(interchange.version, "00501");
    assert_eq!(
        interchange.delimiters,
        Delimiters {
            element: '*',
            component: ':',
            segment: '~',
            repetition: Some('^'),
        }
    );
    assert_eq!(interchange.groups[0].sets.len(), 2);
    assert_eq!(interchange.groups[0].sets[1].first_segment_index, 16);
}

#[test]
fn other_delimiters_are_read_from_the_isa() {
    let text = interchange("PO", &[&minimal_po("PO-1")])
        .replace('*', "|")
        .replace('~', "\u{1c}")
        .replace("|>\u{1c}", "|\\\u{1c}");
    let file = parsed(text.as_bytes());
    assert_eq!(file.interchange.delimiters.element, '|');
    assert_eq!(file.interchange.delimiters.component, '\\');
    assert_eq!(file.interchange.delimiters.segment, '\u{1c}');
    assert!(file.orders[0].is_ok(), "{:?}", file.orders[0]);
}

#[test]
fn line_breaks_after_terminators_are_ignored() {
    let lf = parsed(THREE_LINES);
    let crlf = parsed(
        &String::from_utf8_lossy(THREE_LINES)
            .replace('\n', "\r\n")
            .into_bytes(),
    );
    assert_eq!(lf.orders, crlf.orders);
    let fixture = parsed(CRLF);
    assert_eq!(fixture.orders.len(), 1);
    assert!(fixture.orders[0].is_ok(), "{:?}", fixture.orders[0]);
}

#[test]
fn a_byte_order_mark_leading_blanks_and_a_last_terminator_missing_are_tolerated() {
    let mut text = String::from("\u{feff}\r\n  ");
    text.push_str(&interchange("PO", &[&minimal_po("PO-1")]));
    let text = text.trim_end().trim_end_matches('~');
    let file = parsed(text.as_bytes());
    assert!(file.orders[0].is_ok());
}

#[test]
fn a_wrong_se_count_rejects_that_set_only() {
    let file = parsed(BAD_SE_COUNT);
    assert!(file.orders[0].is_ok(), "{:?}", file.orders[0]);
    let rejection = file.orders[1].clone().unwrap_err();
    assert_eq!(
        rejection.to_string(),
        "order BB4500020002: segment 20 (SE), element 01: expected 9 segments counted from ST, \
         found 8"
    );
    let set = &file.interchange.groups[0].sets[1];
    assert_eq!(set.errors[0].code, SetSyntaxError::SegmentCountMismatch);
}

#[test]
fn a_wrong_ge_count_rejects_the_group() {
    let file = parsed(BAD_GE_COUNT);
    let group = &file.interchange.groups[0];
    assert_eq!(group.errors.len(), 1);
    assert_eq!(
        group.errors[0].code,
        Some(GroupSyntaxError::SetCountMismatch)
    );
    let rejection = file.orders[0].clone().unwrap_err();
    assert_eq!(rejection.external_id.as_deref(), Some("BB4500030001"));
    assert_eq!(rejection.place, "segment 12 (GE), element 01");
    assert!(
        rejection
            .message
            .starts_with("expected 1 transaction set (ST) in the group, found 2"),
        "{}",
        rejection.message
    );
}

#[test]
fn an_iea_control_number_that_differs_from_isa13_breaks_the_interchange() {
    let rejection = refused(IEA_CONTROL_MISMATCH);
    assert_eq!(
        rejection.to_string(),
        "segment 13 (IEA), element 02: expected 000000305 (ISA13 in segment 1), found 000000350"
    );
}

#[test]
fn an_isa_that_is_not_106_characters_breaks_the_interchange() {
    let rejection = refused(TRUNCATED_ISA);
    assert_eq!(rejection.place, "segment 1 (ISA), element 06");
    assert!(
        rejection.message.starts_with("expected 15 characters")
            && rejection.message.ends_with("found 12"),
        "{}",
        rejection.message
    );
    // Cut inside the ISA.
    let rejection = refused(&THREE_LINES[..60]);
    assert_eq!(rejection.place, "segment 1 (ISA), element 08");
    assert!(
        rejection.message.contains("106 characters"),
        "{}",
        rejection.message
    );
    // Too long a value.
    let long =
        String::from_utf8_lossy(THREE_LINES).replacen("AISLEDEMO      ", "AISLEDEMO       ", 1);
    let rejection = refused(long.as_bytes());
    assert_eq!(rejection.place, "segment 1 (ISA), element 08");
    assert!(
        rejection.message.ends_with("found 16"),
        "{}",
        rejection.message
    );
}

#[test]
fn files_that_are_not_interchanges_are_refused() {
    let rejection = refused(b"");
    assert_eq!(
        rejection.message,
        "expected an interchange starting with ISA, found an empty file"
    );
    let rejection = refused(b"GS*PO*A*B~");
    assert_eq!(
        rejection.message,
        "expected an interchange starting with ISA, found GS*"
    );
    let rejection = refused(b"ISA");
    assert_eq!(rejection.place, "segment 1 (ISA), element 01");
}

#[test]
fn separators_must_differ_and_isa_values_must_be_well_formed() {
    let text = interchange("PO", &[&minimal_po("PO-1")]).replacen("*P*>~", "*P*~~", 1);
    let rejection = refused(text.as_bytes());
    assert!(rejection.message.contains("must all differ"), "{rejection}");

    let text = interchange("PO", &[&minimal_po("PO-1")]).replacen("*P*>~", "*X*>~", 1);
    let rejection = refused(text.as_bytes());
    assert_eq!(
        rejection.to_string(),
        "segment 1 (ISA), element 15: expected P (production) or T (test), found X"
    );

    let text = interchange("PO", &[&minimal_po("PO-1")]).replacen("000000009*0", "00000000A*0", 1);
    let rejection = refused(text.as_bytes());
    assert_eq!(rejection.place, "segment 1 (ISA), element 13");
}

#[test]
fn a_missing_iea_breaks_the_interchange() {
    let text = interchange("PO", &[&minimal_po("PO-1")]);
    let text = text.replace("IEA*1*000000009~\n", "");
    let rejection = refused(text.as_bytes());
    assert_eq!(rejection.place, "segment 9");
    assert!(rejection.message.contains("expected IEA"), "{rejection}");

    // A file cut inside a set.
    let text = interchange("PO", &[&minimal_po("PO-1")]);
    let cut = text.find("CTT").unwrap();
    let rejection = refused(&text.as_bytes()[..cut]);
    assert!(
        rejection
            .message
            .starts_with("the file ends inside the transaction set opened in segment 3"),
        "{rejection}"
    );
}

#[test]
fn an_iea_count_that_does_not_match_breaks_the_interchange() {
    let text = interchange("PO", &[&minimal_po("PO-1")]).replace("IEA*1*", "IEA*2*");
    let rejection = refused(text.as_bytes());
    assert_eq!(
        rejection.to_string(),
        "segment 9 (IEA), element 01: expected 1 functional group (GS) in the interchange, found 2"
    );
}

#[test]
fn data_after_iea_and_segments_outside_groups_break_the_interchange() {
    let mut text = interchange("PO", &[&minimal_po("PO-1")]);
    text.push_str("GS*PO*X*Y~");
    let rejection = refused(text.as_bytes());
    assert!(rejection.message.contains("after IEA"), "{rejection}");

    let text = interchange("PO", &[&minimal_po("PO-1")]).replacen("GS*", "REF*X~GS*", 1);
    let rejection = refused(text.as_bytes());
    assert_eq!(
        rejection.to_string(),
        "segment 2 (REF): expected GS (a functional group) or IEA, found REF"
    );
}

#[test]
fn an_se_control_number_that_differs_from_st02_rejects_the_set() {
    let text = interchange("PO", &[&minimal_po("PO-1")]).replace("SE*5*0001", "SE*5*0009");
    let file = parsed(text.as_bytes());
    let rejection = file.orders[0].clone().unwrap_err();
    assert_eq!(
        rejection.to_string(),
        "order PO-1: segment 7 (SE), element 02: expected 0001 (ST02 in segment 3), found 0009"
    );
    assert_eq!(
        ack_body(&ack_text(&file, 0))[3..5],
        ["AK5*R*3".to_string(), "AK9*R*1*1*0".to_string()]
    );
}

#[test]
fn a_missing_se_rejects_that_set_and_the_next_is_read() {
    let text = interchange("PO", &[&minimal_po("PO-1"), &minimal_po("PO-2")]).replacen(
        "SE*5*0001~\n",
        "",
        1,
    );
    let file = parsed(text.as_bytes());
    assert_eq!(file.orders.len(), 2);
    let rejection = file.orders[0].clone().unwrap_err();
    assert_eq!(rejection.place, "segment 3 (ST)");
    assert!(
        rejection
            .message
            .starts_with("the transaction set has no SE"),
        "{rejection}"
    );
    assert!(file.orders[1].is_ok(), "{:?}", file.orders[1]);
    // The group counted two sets: GE01 = 2 matches.
    assert!(file.interchange.groups[0].errors.is_empty());
    assert_eq!(file.acks[0].status(), GroupStatus::PartiallyAccepted);
}

#[test]
fn a_missing_ge_rejects_the_group() {
    let text = interchange("PO", &[&minimal_po("PO-1")]).replace("GE*1*9~\n", "");
    let file = parsed(text.as_bytes());
    let group = &file.interchange.groups[0];
    assert_eq!(group.errors[0].code, Some(GroupSyntaxError::TrailerMissing));
    assert!(file.orders[0].is_err());
    let body = ack_body(&ack_text(&file, 0));
    assert_eq!(body.last().map(String::as_str), Some("SE*6*0001"));
    assert!(body.contains(&"AK9*R*1*1*0*3".to_string()), "{body:?}");
}

#[test]
fn duplicate_set_control_numbers_reject_the_later_set() {
    let text =
        interchange("PO", &[&minimal_po("PO-1"), &minimal_po("PO-2")]).replace("0002", "0001");
    let file = parsed(text.as_bytes());
    assert!(file.orders[0].is_ok());
    let rejection = file.orders[1].clone().unwrap_err();
    assert!(rejection.message.contains("not used before"), "{rejection}");
    assert!(ack_text(&file, 0).contains("AK5*R*23~"));
}

#[test]
fn groups_and_sets_that_are_not_purchase_orders_are_refused_per_set() {
    let text = interchange("IN", &[&minimal_po("PO-1")]);
    let file = parsed(text.as_bytes());
    let rejection = file.orders[0].clone().unwrap_err();
    assert_eq!(rejection.place, "segment 2 (GS), element 01");
    assert!(
        rejection
            .message
            .starts_with("functional group IN is not supported: expected PO"),
        "{rejection}"
    );
    assert!(ack_text(&file, 0).contains("AK9*R*1*1*0*1~"));

    let text = interchange("PO", &[&minimal_po("PO-1")]).replace("ST*850", "ST*855");
    let file = parsed(text.as_bytes());
    let rejection = file.orders[0].clone().unwrap_err();
    assert_eq!(
        rejection.to_string(),
        "order PO-1: segment 3 (ST), element 01: transaction set 855 is not supported: expected \
         850 (purchase order)"
    );
    assert!(ack_text(&file, 0).contains("AK2*855*0001~AK5*R*1~AK9*R*1*1*0~"));
}

// ---------------------------------------------------------------- 850

#[test]
fn an_004010_850_becomes_an_order() {
    let file = parsed(THREE_LINES);
    let [Ok(order)] = file.orders.as_slice() else {
        panic!("expected one order, got {:?}", file.orders);
    };
    assert_eq!(order.action, IntakeAction::Create);
    assert_eq!(order.external_id, "BB4500012345");
    assert_eq!(order.reference, None);
    assert_eq!(
        order.ordered_at,
        Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap()
    );
    // DTM*010 (requested ship) wins over DTM*002 (delivery requested).
    assert_eq!(
        order.ship_by,
        Some(Utc.with_ymd_and_hms(2026, 11, 28, 23, 59, 59).unwrap())
    );
    assert_eq!(order.service_level.as_deref(), Some("UPSN-GROUND"));
    assert_eq!(order.hold_reason, None);
    assert_eq!(
        order.ship_to,
        Some(ShipTo {
            name: Some("BIGBOX DC 042".into()),
            company: None,
            address1: Some("1200 DISTRIBUTION WAY".into()),
            address2: Some("DOCK 7".into()),
            city: Some("COLUMBUS".into()),
            province: Some("OH".into()),
            zip: Some("43219".into()),
            country: Some("US".into()),
            phone: Some("6145550142".into()),
        })
    );
    let lines = &order.lines;
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].line_no, 1);
    assert_eq!(lines[0].external_line_id.as_deref(), Some("1"));
    assert_eq!(lines[0].channel_sku.as_deref(), Some("812345002737"));
    assert_eq!(lines[0].alternate_skus, ["BLK100-GRN-6080", "BB0200184"]);
    assert_eq!(lines[0].quantity, 2);
    assert_eq!(lines[0].unit, QuantityUnit::Each);
    assert_eq!(
        lines[0].description.as_deref(),
        Some("FLEECE THROW BLANKET FOREST GREEN 60X80")
    );
    assert!(lines[0].requires_shipping);
    // Two cases of a 24-pack: intake converts to 48 eaches.
    assert_eq!(lines[1].channel_sku.as_deref(), Some("850012009795"));
    assert_eq!(lines[1].quantity, 2);
    assert_eq!(lines[1].unit, QuantityUnit::Case);
    // `3.0` is three; an EAN (EN) is the channel SKU when there is no UPC.
    assert_eq!(lines[2].quantity, 3);
    assert_eq!(lines[2].channel_sku.as_deref(), Some("3012345007252"));
    assert_eq!(lines[2].alternate_skus, ["BLK100-BUR-5060"]);
    // Where each line came from, for a later rejection.
    let set = &file.acks[0].sets[0];
    assert_eq!(set.lines.len(), 3);
    assert_eq!(set.lines[1].position_in_set, 16);
    assert_eq!(set.lines[1].sku_element, Some(7));
}

#[test]
fn an_005010_group_with_a_bad_ctt_count_rejects_that_po_only() {
    let file = parsed(TWO_850S_BAD_CTT);
    assert_eq!(file.orders.len(), 2);
    let order = file.orders[0].as_ref().unwrap();
    assert_eq!(order.external_id, "BB4500012346");
    assert_eq!(
        order.ship_by,
        Some(Utc.with_ymd_and_hms(2026, 11, 30, 23, 59, 59).unwrap())
    );
    assert_eq!(order.service_level.as_deref(), Some("FDEG-GROUND"));
    let ship_to = order.ship_to.as_ref().unwrap();
    assert_eq!(ship_to.country.as_deref(), Some("US"));
    assert_eq!(ship_to.city.as_deref(), Some("SAN FRANCISCO"));
    assert_eq!(order.lines[1].unit, QuantityUnit::Case);
    assert_eq!(order.lines[1].channel_sku.as_deref(), Some("8712345001421"));
    assert_eq!(order.lines[1].alternate_skus, ["BB0201031"]);

    let rejection = file.orders[1].clone().unwrap_err();
    assert_eq!(
        rejection.to_string(),
        "order BB4500012347: segment 25 (CTT), element 01: expected 2 line items (PO1 segments), \
         found 3"
    );
}

fn one_order(body: &[&str]) -> Result<IncomingOrder, Rejection> {
    let file = parsed(interchange("PO", &[body]).as_bytes());
    file.orders.into_iter().next().unwrap()
}

fn one_rejection(body: &[&str]) -> String {
    match one_order(body) {
        Ok(order) => panic!("expected a rejection, got {order:?}"),
        Err(rejection) => rejection.to_string(),
    }
}

use crate::domain::incoming_order::IncomingOrder;

#[test]
fn beg01_sets_the_action() {
    let order = one_order(&["BEG*01*SA*PO-9**20261126"]).unwrap();
    assert_eq!(order.action, IntakeAction::Cancel);
    assert!(order.lines.is_empty());
    let order = one_order(&["BEG*05*SA*PO-9**20261126", "PO1*1*1*EA***UP*1"]).unwrap();
    assert_eq!(order.action, IntakeAction::Update);
    let order = one_order(&["BEG*07*SA*PO-9**20261126", "PO1*1*1*EA***UP*1"]).unwrap();
    assert_eq!(order.action, IntakeAction::Create);
    assert_eq!(
        one_rejection(&["BEG*06*SA*PO-9**20261126", "PO1*1*1*EA***UP*1"]),
        "order PO-9: segment 4 (BEG), element 01: expected purpose 00 (original), 01 \
         (cancellation), 05 (replace) or 07 (duplicate), found 06"
    );
    // An original with no lines.
    assert_eq!(
        one_rejection(&["BEG*00*SA*PO-9**20261126"]),
        "order PO-9: segment 3 (ST): expected at least one line (PO1), found none"
    );
}

#[test]
fn beg_is_required_and_checked() {
    assert_eq!(
        one_rejection(&["PO1*1*1*EA***UP*1"]),
        "segment 3 (ST): expected BEG (the purchase order number and date) right after ST, found \
         none"
    );
    assert_eq!(
        one_rejection(&["BEG*00*SA*PO-9**20261131", "PO1*1*1*EA***UP*1"]),
        "order PO-9: segment 4 (BEG), element 05: expected the purchase order date as CCYYMMDD, \
         found 20261131"
    );
    assert_eq!(
        one_rejection(&["BEG*00*SA***20261126", "PO1*1*1*EA***UP*1"]),
        "segment 4 (BEG), element 03: expected the purchase order number, found nothing"
    );
    let order = one_order(&["BEG*00*RL*PO-9*0003*20261126", "PO1*1*1*EA***UP*1"]).unwrap();
    assert_eq!(order.reference.as_deref(), Some("0003"));
}

#[test]
fn po1_quantities_and_units_are_checked() {
    let beg = "BEG*00*SA*PO-9**20261126";
    assert_eq!(
        one_rejection(&[beg, "PO1*1*6*BX*1.00**UP*812345002737"]),
        "order PO-9: segment 5 (PO1), element 03: unit of measure BX is not supported: expected \
         EA (each) or CA (case)"
    );
    assert_eq!(
        one_rejection(&[beg, "PO1*1*1.5*EA*1.00**UP*812345002737"]),
        "order PO-9: segment 5 (PO1), element 02: expected a whole number of units, found 1.5"
    );
    assert!(one_rejection(&[beg, "PO1*1*0*EA***UP*1"]).contains("at least 1"));
    assert!(one_rejection(&[beg, "PO1*1*99999999999*EA***UP*1"]).contains("at most"));
    assert!(one_rejection(&[beg, "PO1*1**EA***UP*1"]).contains("the quantity ordered"));
    assert_eq!(
        one_rejection(&[beg, "PO1*1*1*EA*1.00"]),
        "order PO-9: segment 5 (PO1), element 06: expected a product id from PO106 on (UP, EN, \
         UK, VP, BP…, then its value), found none"
    );
    assert!(one_rejection(&[beg, "PO1*1*1*EA***UP*"]).contains("element 07"));
    assert!(one_rejection(&[beg, "PO1*1*1*EA****1234"]).contains("element 06"));
    let order = one_order(&[beg, "PO1**12.00*CA***VP*ABC*BP*XYZ"]).unwrap();
    assert_eq!(order.lines[0].external_line_id, None);
    assert_eq!(order.lines[0].quantity, 12);
    // No GTIN: the first id is the channel SKU.
    assert_eq!(order.lines[0].channel_sku.as_deref(), Some("ABC"));
    assert_eq!(order.lines[0].alternate_skus, ["XYZ"]);
}

#[test]
fn ctt_is_optional_but_must_count_the_po1s() {
    let beg = "BEG*00*SA*PO-9**20261126";
    let order = one_order(&[beg, "PO1*1*1*EA***UP*1", "PO1*2*1*EA***UP*2"]).unwrap();
    assert_eq!(order.lines.len(), 2);
    assert!(one_rejection(&[beg, "PO1*1*1*EA***UP*1", "CTT*X"]).contains("number of line items"));
    assert!(
        one_rejection(&[beg, "PO1*1*1*EA***UP*1", "CTT*1", "PO1*2*1*EA***UP*2"])
            .contains("before CTT")
    );
}

#[test]
fn one_ship_to_per_purchase_order() {
    let beg = "BEG*00*SA*PO-9**20261126";
    assert!(
        one_rejection(&[beg, "N1*ST*A", "N1*ST*B", "PO1*1*1*EA***UP*1"]).contains("found a second")
    );
    assert!(one_rejection(&[beg, "PO1*1*1*EA***UP*1", "N1*ST*A"]).contains("ship-to per line"));
    assert!(one_rejection(&[beg, "PO1*1*1*EA***UP*1", "SDQ*EA*92*1*1"]).contains("SDQ"));
    assert_eq!(
        one_rejection(&[beg, "N1*ST*A", "N4*X*Y*1*ZZZZ", "PO1*1*1*EA***UP*1"]),
        "order PO-9: segment 6 (N4), element 04: expected a 2-letter ISO country code such as US, \
         found ZZZZ"
    );
    // N3/N4 of another party are not the ship-to's.
    let order = one_order(&[
        beg,
        "N1*BT*PAYER",
        "N3*1 PAY ST",
        "N1*ST*DC",
        "N3*2 DOCK RD",
        "PO1*1*1*EA***UP*1",
    ])
    .unwrap();
    let ship_to = order.ship_to.unwrap();
    assert_eq!(ship_to.name.as_deref(), Some("DC"));
    assert_eq!(ship_to.address1.as_deref(), Some("2 DOCK RD"));
}

#[test]
fn bad_segment_ids_and_repeated_beg_are_refused() {
    let beg = "BEG*00*SA*PO-9**20261126";
    assert!(one_rejection(&[beg, "po1*1*1*EA***UP*1"]).contains("segment ID"));
    assert!(one_rejection(&[beg, beg, "PO1*1*1*EA***UP*1"]).contains("one BEG"));
}

#[test]
fn test_interchanges_are_held() {
    let text = interchange("PO", &[&minimal_po("PO-1")]).replacen("*P*>~", "*T*>~", 1);
    let file = parsed(text.as_bytes());
    assert_eq!(file.interchange.usage, Usage::Test);
    let order = file.orders[0].as_ref().unwrap();
    assert_eq!(order.hold_reason.as_deref(), Some(TEST_INTERCHANGE_HOLD));
}

#[test]
fn td5_maps_to_the_service_levels_of_the_shipping_rules() {
    let level = |td5: &str| po850::service_level(&segment(td5));
    assert_eq!(
        level("TD5**2*UPSN*U*UPS GROUND").as_deref(),
        Some("UPSN-GROUND")
    );
    assert_eq!(
        level("TD5**2*FDEG*U*FEDEX GROUND").as_deref(),
        Some("FDEG-GROUND")
    );
    assert_eq!(
        level("TD5**2*UPSN*U*UPS 3 DAY SELECT").as_deref(),
        Some("UPSN-3DAY")
    );
    assert_eq!(
        level("TD5**2*UPSN*U*Ground").as_deref(),
        Some("UPSN-GROUND")
    );
    assert_eq!(
        level("TD5**2*UPSN*U*UPSN GROUND").as_deref(),
        Some("UPSN-GROUND")
    );
    assert_eq!(
        level("TD5**2*upsn*M********3D").as_deref(),
        Some("UPSN-3DAY")
    );
    assert_eq!(
        level("TD5**2*UPSN*U*UPS*******CG").as_deref(),
        Some("UPSN-GROUND")
    );
    assert_eq!(
        level("TD5**2*UPSN*U*2ND DAY AIR").as_deref(),
        Some("UPSN-2DAY")
    );
    assert_eq!(
        level("TD5**2*FDE*A*FEDEX OVERNIGHT").as_deref(),
        Some("FDE-NEXTDAY")
    );
    assert_eq!(
        level("TD5**2*FDEG*U*HOME DELIVERY").as_deref(),
        Some("FDEG-HOMEDELIVERY")
    );
    assert_eq!(level("TD5**2*UPSN").as_deref(), Some("UPSN"));
    assert_eq!(level("TD5**2*UPSN*U*UPS").as_deref(), Some("UPSN"));
    assert_eq!(level("TD5*****GROUND").as_deref(), Some("GROUND"));
    // TD503 qualified by something other than a SCAC is not a carrier.
    assert_eq!(level("TD5**92*ROUTE7*U*GROUND").as_deref(), Some("GROUND"));
    assert_eq!(level("TD5*O").as_deref(), None);
}

#[test]
fn dtm_qualifiers_give_the_ship_by_time() {
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
    let end = |d: u32| Some(Utc.with_ymd_and_hms(2026, 12, d, 23, 59, 59).unwrap());
    let start = |d: u32| Some(Utc.with_ymd_and_hms(2026, 12, d, 0, 0, 0).unwrap());
    assert_eq!(po850::ship_by(&[]), None);
    assert_eq!(po850::ship_by(&[("038", day(5)), ("010", day(3))]), end(5));
    assert_eq!(po850::ship_by(&[("010", day(3)), ("002", day(8))]), end(3));
    assert_eq!(po850::ship_by(&[("002", day(8))]), start(8));
    assert_eq!(
        po850::ship_by(&[("063", day(9)), ("002", day(8))]),
        start(8)
    );
    assert_eq!(po850::ship_by(&[("010", day(4)), ("010", day(2))]), end(2));
    // Cancel-after caps the others, and stands alone.
    assert_eq!(po850::ship_by(&[("038", day(5)), ("001", day(4))]), end(4));
    assert_eq!(po850::ship_by(&[("001", day(4))]), end(4));
    // Through the parser, with a bad date refused.
    let order = one_order(&[
        "BEG*00*SA*PO-9**20261126",
        "DTM*002*20261208",
        "PO1*1*1*EA***UP*1",
    ])
    .unwrap();
    assert_eq!(order.ship_by, start(8));
    assert!(
        one_rejection(&[
            "BEG*00*SA*PO-9**20261126",
            "DTM*038*2026-12-08",
            "PO1*1*1*EA***UP*1"
        ])
        .contains("element 02: expected the date of DTM 038 as CCYYMMDD")
    );
    // Line-level dates and unknown qualifiers are ignored.
    let order = one_order(&[
        "BEG*00*SA*PO-9**20261126",
        "DTM*999*garbage",
        "PO1*1*1*EA***UP*1",
        "DTM*038*20261201",
    ])
    .unwrap();
    assert_eq!(order.ship_by, None);
}

#[test]
fn product_ids_choose_a_gtin_first_and_keep_the_rest() {
    let id = |q: &str, v: &str, e: usize| ProductId {
        qualifier: q.into(),
        value: v.into(),
        element: e,
    };
    let ids = po850::product_ids(vec![
        id("VP", "SKU-1", 7),
        id("UK", "00812345002737", 9),
        id("BP", "B-1", 11),
    ]);
    let primary = ids.primary.unwrap();
    assert_eq!(primary.value, "00812345002737");
    assert_eq!(primary.element, 9);
    assert_eq!(
        ids.alternates,
        ["SKU-1", "B-1", "0812345002737", "812345002737"]
    );
    let ids = po850::product_ids(vec![
        id("EN", "3012345007252", 7),
        id("UP", "812345002737", 9),
    ]);
    assert_eq!(ids.primary.unwrap().value, "812345002737");
    assert_eq!(ids.alternates, ["3012345007252"]);
    assert_eq!(po850::product_ids(vec![]).primary, None);
}

// ---------------------------------------------------------------- 997

#[test]
fn the_997_of_an_accepted_004010_po() {
    let file = parsed(THREE_LINES);
    assert_eq!(
        ack_text(&file, 0),
        "ISA*00*          *00*          *ZZ*AISLEDEMO      *ZZ*BIGBOXRETAIL   *261126*0931*U*\
         00401*000000007*0*P*>~GS*FA*AISLEDEMO*BIGBOX*20261126*0931*7*X*004010~ST*997*0001~\
         AK1*PO*101~AK2*850*0001~AK5*A~AK9*A*1*1*1~SE*6*0001~GE*1*7~IEA*1*000000007~"
    );
}

#[test]
fn the_997_of_an_005010_group_reports_the_bad_ctt() {
    let file = parsed(TWO_850S_BAD_CTT);
    let text = ack_text(&file, 0);
    assert!(text.starts_with("ISA*00*"), "{text}");
    assert_eq!(text.get(82..83), Some("^"));
    assert_eq!(text.get(84..89), Some("00501"));
    assert_eq!(text.get(104..106), Some(":~"));
    assert_eq!(
        ack_body(&text),
        [
            "ST*997*0001",
            "AK1*PO*202*005010",
            "AK2*850*0001",
            "AK5*A",
            "AK2*850*0002",
            "AK3*CTT*10**8",
            "AK4*1*354*7*3",
            "AK5*R*5",
            "AK9*P*2*2*1",
            "SE*10*0001",
        ]
    );
}

#[test]
fn the_997_reports_each_level_of_error_at_its_level() {
    // Set level: SE01.
    let file = parsed(BAD_SE_COUNT);
    let body = ack_body(&ack_text(&file, 0));
    assert_eq!(
        body[2..7],
        [
            "AK2*850*0001",
            "AK5*A",
            "AK2*850*0002",
            "AK5*R*4",
            "AK9*P*2*2*1"
        ]
    );
    // Group level: GE01; the set inside is rejected with it.
    let file = parsed(BAD_GE_COUNT);
    let body = ack_body(&ack_text(&file, 0));
    assert_eq!(body[2..5], ["AK2*850*0001", "AK5*R", "AK9*R*2*1*0*5"]);
}

#[test]
fn intake_can_reject_a_set_later_naming_the_line() {
    let mut file = parsed(THREE_LINES);
    assert!(file.reject_order(0, Some(1), "UPC 812345002737 is not listed for edi-bigbox"));
    let body = ack_body(&ack_text(&file, 0));
    assert_eq!(
        body[2..7],
        [
            "AK2*850*0001",
            "AK3*PO1*14**8",
            "AK4*7*234*7*812345002737",
            "AK5*R*5",
            "AK9*R*1*1*0",
        ]
    );
    assert_eq!(
        file.acks[0].sets[0].reasons,
        ["UPC 812345002737 is not listed for edi-bigbox"]
    );
    let mut file = parsed(BAD_SE_COUNT);
    assert!(file.reject_order(0, None, "duplicate PO"));
    assert!(ack_text(&file, 0).contains("AK2*850*0001~AK5*R~"));
    assert!(!file.reject_order(2, None, "no such order"));
    assert_eq!(file.origin(1), Some((0, 1)));
}

#[test]
fn rendered_997s_parse_back_with_valid_counts() {
    for (name, bytes) in FIXTURES {
        let Ok(mut file) = parse_file(bytes) else {
            continue;
        };
        let _ = file.reject_order(0, Some(1), "later");
        for group in 0..file.acks.len() {
            let text = ack_text(&file, group);
            let back = x12::parse_interchange(text.as_bytes())
                .unwrap_or_else(|e| panic!("{name}: the 997 does not parse: {e}\n{text}"));
            assert_eq!(back.control_number, "000000007");
            assert_eq!(back.sender_id, file.interchange.receiver_id);
            assert_eq!(back.version, file.interchange.version);
            let [group_997] = back.groups.as_slice() else {
                panic!("{name}: expected one group");
            };
            assert!(
                group_997.errors.is_empty(),
                "{name}: {:?}",
                group_997.errors
            );
            assert_eq!(group_997.functional_id, "FA");
            let [set] = group_997.sets.as_slice() else {
                panic!("{name}: expected one set");
            };
            assert!(set.errors.is_empty(), "{name}: {:?}\n{text}", set.errors);
            assert_eq!(set.id, "997");
        }
    }
}

#[test]
fn the_997_cleans_values_and_pads_the_isa() {
    let file = parsed(THREE_LINES);
    let mut env = file.reply_envelope(0, controls(), at()).unwrap();
    env.sender_id = "A*VERY~LONG>SENDER-ID-INDEED".into();
    env.controls = ControlNumbers {
        interchange: 4_000_000_001,
        group: 12,
        set: 123_456,
    };
    let mut ack = file.acks[0].clone();
    ack.group_control_number = "1*0~1".into();
    let text = render_997(&ack, &env);
    assert_eq!(text.get(..106).map(str::len), Some(106));
    assert!(text.contains("*AVERYLONGSENDER*"), "{text}");
    assert!(text.contains("*000000001*0*P*>~"), "{text}");
    assert!(text.contains("ST*997*123456~AK1*PO*101~"), "{text}");
    assert!(x12::parse_interchange(text.as_bytes()).is_ok());
}

// ---------------------------------------------------------------- never panic

fn exercise(bytes: &[u8]) {
    if let Ok(mut file) = parse_file(bytes) {
        let _ = file.reject_order(0, Some(1), "later");
        for group in 0..file.acks.len() {
            if let Some(env) = file.reply_envelope(group, controls(), at()) {
                let text = render_997(&file.acks[group], &env);
                assert!(
                    x12::parse_interchange(text.as_bytes()).is_ok(),
                    "a 997 that does not parse:\n{text}"
                );
            }
        }
    }
}

#[test]
fn truncations_and_byte_flips_of_every_fixture_never_panic() {
    const REPLACEMENTS: [u8; 12] = [
        0, b'*', b'~', b':', b'^', b'>', b'\n', b'\r', b'0', b'A', 0x7F, 0xFF,
    ];
    for (_, bytes) in FIXTURES {
        for len in 0..=bytes.len() {
            exercise(&bytes[..len]);
        }
        let mut copy = bytes.to_vec();
        for i in 0..copy.len() {
            let original = copy[i];
            for replacement in REPLACEMENTS {
                copy[i] = replacement;
                exercise(&copy);
            }
            copy[i] = original;
        }
        // Bytes dropped and doubled.
        for i in 0..bytes.len() {
            let mut dropped = bytes.to_vec();
            dropped.remove(i);
            exercise(&dropped);
            let mut doubled = bytes.to_vec();
            doubled.insert(i, bytes[i]);
            exercise(&doubled);
        }
    }
}
