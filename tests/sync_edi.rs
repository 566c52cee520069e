//! EDI out (issue 6): 856 ship notices from real shipments and 846 inventory advice from the
//! outbox's stock figures, read back with the crate's own X12 parser (counts and control numbers
//! checked); control numbers unique across intake's 997s, 846s and 856s of one partner; a resend
//! rewriting the identical file under the same numbers; atomic writes.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use aisle::channels::edi::x12::{Interchange, Segment, parse_interchange};
use aisle::db::channels::{self, Channel};
use aisle::db::operators::{self, SystemActor};
use aisle::db::packing::PackOrder;
use aisle::db::shipments::{self, NewCarton};
use aisle::db::{demo, edi_intake};
use aisle::domain::barcode::gs1_check_digit;
use aisle::sync::edi_out::{
    self, ControlNumbers, OutboundSet, Partner, StockItem, build_846, build_856, key_846,
};
use chrono::NaiveDate;
use common::packing::{PackFloor, external_id, fresh_pack_floor, outbox_payload, ship_scan};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

const PARTNER: &str = "edi-bigbox";

async fn partner(pool: &PgPool, base: &Path) -> (Channel, Partner) {
    let channel = channels::by_name(pool, PARTNER).await.unwrap();
    let partner = Partner::from_channel(&channel, base).unwrap();
    (channel, partner)
}

/// An SSCC-18 from the database's next serial (as `tests/shipping.rs` makes them).
async fn next_sscc(pool: &PgPool, wh: i32) -> String {
    let serial = shipments::next_sscc_serial(pool, wh).await.unwrap();
    let width = 16 - serial.company_prefix.len();
    let body = format!("0{}{:0width$}", serial.company_prefix, serial.serial);
    format!("{body}{}", gs1_check_digit(&body).unwrap())
}

/// A labelled carton of `lines` (order line, units); returns its SSCC.
async fn label(
    pool: &PgPool,
    f: &PackFloor,
    order: &PackOrder,
    lines: &[(i64, i32)],
    tracking: &str,
) -> String {
    let sscc = next_sscc(pool, f.wh).await;
    let items: i32 = lines
        .iter()
        .map(|(id, qty)| {
            let line = order.lines.iter().find(|l| l.order_line_id == *id).unwrap();
            line.unit_weight_g * qty
        })
        .sum();
    let expected = items + 180;
    let carton = NewCarton {
        order_id: order.order_id,
        sscc: sscc.clone(),
        carton_code: "BOX-M".into(),
        suggested_code: Some("BOX-M".into()),
        lines: lines.to_vec(),
        weight_g: expected + 10,
        expected_weight_g: expected,
        tracking_number: Some(tracking.into()),
        zpl: format!("^XA^FO50,50^BCN,100,Y,N,N,D^FD(00){sscc}^FS^XZ"),
        scan_id: Uuid::now_v7(),
        carrier_service_id: None,
        carton_number: None,
    };
    shipments::add_carton(pool, f.wh, f.station.id, &f.packer, &carton)
        .await
        .unwrap();
    sscc
}

/// (order line, units) in one carton.
type CartonLines = Vec<(i64, i32)>;

/// The demo's EDI order packed in two cartons and shipped: (outbox id of its 856, SSCCs, units).
async fn ship_edi_order(pool: &PgPool, f: &PackFloor) -> (i64, Vec<String>, i64) {
    let order = f.pack_all(pool, f.edi).await;
    let (one, two): (CartonLines, CartonLines) = if order.lines.len() >= 2 {
        (
            order.lines[..1]
                .iter()
                .map(|l| (l.order_line_id, l.expected))
                .collect(),
            order.lines[1..]
                .iter()
                .map(|l| (l.order_line_id, l.expected))
                .collect(),
        )
    } else {
        let l = &order.lines[0];
        (
            vec![(l.order_line_id, l.expected / 2)],
            vec![(l.order_line_id, l.expected - l.expected / 2)],
        )
    };
    let first = label(pool, f, &order, &one, "1ZEDI0001").await;
    let second = label(pool, f, &order, &two, "1ZEDI0002").await;
    let shipped = shipments::ship(pool, f.wh, f.station.id, &f.packer, &ship_scan(f.edi))
        .await
        .unwrap();
    (
        shipped.outbox_id.unwrap(),
        vec![first, second],
        i64::from(shipped.units),
    )
}

/// The interchange in `text`, checked whole: one group of one set, no envelope errors, and
/// ISA13/IEA02, GS06/GE02, ST02/SE02 the numbers given (the parser checks SE01, GE01, IEA01 and
/// that each pair matches).
fn parse_checked(text: &str, set_id: &str, controls: ControlNumbers) -> Interchange {
    let interchange = parse_interchange(text.as_bytes()).unwrap_or_else(|r| panic!("{r:?}"));
    assert_eq!(
        interchange.control_number,
        format!("{:09}", controls.interchange)
    );
    assert_eq!(interchange.sender_id, "AISLEDEMO");
    assert_eq!(interchange.receiver_id, "BIGBOXRETAIL");
    assert_eq!(interchange.sender_qualifier, "ZZ");
    assert_eq!(interchange.version, "00401");
    assert_eq!(interchange.groups.len(), 1);
    let group = &interchange.groups[0];
    assert!(group.errors.is_empty(), "{:?}", group.errors);
    assert_eq!(group.control_number, controls.group.to_string());
    assert_eq!(group.declared_sets, Some(1));
    assert_eq!(
        (group.sender.as_str(), group.receiver.as_str()),
        ("AISLEDEMO", "BIGBOX")
    );
    assert_eq!(group.version, "004010");
    assert_eq!(group.sets.len(), 1);
    let set = &group.sets[0];
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    assert_eq!(set.id, set_id);
    assert_eq!(set.control_number, format!("{:04}", controls.set));
    // SE01 as written equals the segments counted from ST to SE (the parser agreed above).
    let se = text
        .split('~')
        .find(|s| s.trim_start().starts_with("SE*"))
        .unwrap();
    let declared: usize = se.trim().split('*').nth(1).unwrap().parse().unwrap();
    assert_eq!(declared, set.segments.len() + 2);
    interchange
}

fn segments<'a>(interchange: &'a Interchange, id: &str) -> Vec<&'a Segment> {
    interchange.groups[0].sets[0]
        .segments
        .iter()
        .filter(|s| s.id == id)
        .collect()
}

/// ISA13, GS06 and ST02 of a file.
fn controls_of(text: &str) -> (String, String, String) {
    let interchange = parse_interchange(text.as_bytes()).unwrap();
    let group = &interchange.groups[0];
    (
        interchange.control_number.clone(),
        group.control_number.clone(),
        group.sets[0].control_number.clone(),
    )
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn an_856_from_a_shipped_two_carton_order_parses_back_and_a_resend_is_identical() {
    let (db, f) = fresh_pack_floor().await;
    let base = tempfile::tempdir().unwrap();
    let (_, partner) = partner(&db.pool, base.path()).await;
    assert_eq!(partner.outbound_dir, base.path().join("edi/bigbox/out"));
    let (outbox, ssccs, units) = ship_edi_order(&db.pool, &f).await;
    let po = external_id(&db.pool, f.edi).await;

    let path = edi_out::send_856(&db.pool, &partner, f.wh, outbox)
        .await
        .unwrap();
    let prepared = edi_out::prepare_856(&db.pool, &partner, f.wh, outbox)
        .await
        .unwrap();
    assert!(prepared.reused);
    assert_eq!(
        path,
        partner.outbound_dir.join(format!(
            "856_edi-bigbox_{:09}.edi",
            prepared.controls.interchange
        ))
    );
    let text = read(&path);
    assert_eq!(text, prepared.content);
    let x12 = parse_checked(&text, "856", prepared.controls);
    assert_eq!(x12.groups[0].functional_id, "SH");

    // BSN names the shipment; PRF the PO; one MAN*GM per carton with its SSCC.
    let (_, payload) = outbox_payload(&db.pool, outbox).await;
    let bsn = segments(&x12, "BSN");
    assert_eq!(bsn.len(), 1);
    assert_eq!(bsn[0].element(1), "00");
    assert_eq!(
        bsn[0].element(2),
        payload["bsn"]["shipment_id"].as_str().unwrap()
    );
    assert_eq!(bsn[0].element(5), "0001");
    assert_eq!(segments(&x12, "DTM")[0].element(1), "011");
    assert_eq!(segments(&x12, "PRF")[0].element(1), po);
    let mans: Vec<(&str, &str)> = segments(&x12, "MAN")
        .iter()
        .map(|m| (m.element(1), m.element(2)))
        .collect();
    assert_eq!(
        mans,
        ssccs.iter().map(|s| ("GM", s.as_str())).collect::<Vec<_>>()
    );
    let td1 = segments(&x12, "TD1");
    assert_eq!(td1[0].element(2), "2");
    assert_eq!(
        segments(&x12, "TD5")[0].element(3),
        payload["shipment"]["carrier_scac"].as_str().unwrap()
    );

    // HL: 1 shipment, 2 order, then each pack and its items, every parent an earlier HL of the
    // level above; CTT counts them.
    let hls = segments(&x12, "HL");
    let levels: Vec<&str> = hls.iter().map(|h| h.element(3)).collect();
    assert_eq!(&levels[..2], &["S", "O"]);
    let mut level_of = std::collections::HashMap::new();
    for (n, hl) in hls.iter().enumerate() {
        assert_eq!(hl.element(1), (n + 1).to_string());
        let expected_parent = match hl.element(3) {
            "S" => None,
            "O" => Some("S"),
            "P" => Some("O"),
            "I" => Some("P"),
            other => panic!("level {other}"),
        };
        assert_eq!(
            level_of.get(hl.element(2)).copied(),
            expected_parent,
            "{hl:?}"
        );
        level_of.insert(hl.element(1).to_string(), hl.element(3));
    }
    assert_eq!(levels.iter().filter(|l| **l == "P").count(), 2);
    assert_eq!(hls.len() as i64, payload["hl_count"].as_i64().unwrap());
    assert_eq!(segments(&x12, "CTT")[0].element(1), hls.len().to_string());

    // Every item: LIN with UP and VP as the payload has them, SN1 in eaches summing to the units.
    let lins = segments(&x12, "LIN");
    let items: Vec<&Value> = payload["packs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["items"].as_array().unwrap())
        .collect();
    assert_eq!(lins.len(), items.len());
    for (lin, item) in lins.iter().zip(&items) {
        assert_eq!(lin.element(2), "UP");
        assert_eq!(lin.element(3), item["upc"].as_str().unwrap());
        assert_eq!(lin.element(4), "VP");
        assert_eq!(lin.element(5), item["sku"].as_str().unwrap());
    }
    let sn1 = segments(&x12, "SN1");
    assert!(sn1.iter().all(|s| s.element(3) == "EA"));
    let shipped: i64 = sn1
        .iter()
        .map(|s| s.element(2).parse::<i64>().unwrap())
        .sum();
    assert_eq!(shipped, units);

    // A resend after a crash (file gone, or half-copied by hand): same numbers, same name,
    // identical bytes; the partner's sequence does not move.
    std::fs::write(&path, "ISA*garbage").unwrap();
    let again = edi_out::send_856(&db.pool, &partner, f.wh, outbox)
        .await
        .unwrap();
    assert_eq!(again, path);
    assert_eq!(read(&again), text);
    std::fs::remove_file(&path).unwrap();
    let again = edi_out::send_856(&db.pool, &partner, f.wh, outbox)
        .await
        .unwrap();
    assert_eq!(read(&again), text);
    assert_eq!(
        entries(&partner.outbound_dir),
        vec![format!(
            "856_edi-bigbox_{:09}.edi",
            prepared.controls.interchange
        )]
    );
    let next = edi_out::next_control_numbers(&db.pool, partner.channel_id)
        .await
        .unwrap();
    assert_eq!(next.interchange, prepared.controls.interchange + 1);

    // Only an edi_856 message of this partner makes an 856.
    let err = edi_out::prepare_856(&db.pool, &partner, f.wh, outbox + 1_000_000)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("expected an 856"), "{err}");
    db.drop_db().await;
}

#[tokio::test]
async fn an_846_of_the_partners_stock_figures_parses_back_and_a_resend_is_identical() {
    let db = common::fresh_db().await;
    demo::load(&db.pool).await.unwrap();
    let base = tempfile::tempdir().unwrap();
    let (_, partner) = partner(&db.pool, base.path()).await;
    let (items, figures) = edi_out::stock_items(&db.pool, partner.channel_id)
        .await
        .unwrap();
    assert!(!items.is_empty());
    assert_eq!(
        figures.len(),
        items.len(),
        "one warehouse feeds the partner"
    );
    let key = key_846(&figures);

    let path = edi_out::send_846(&db.pool, &partner, &key, &items)
        .await
        .unwrap();
    let text = read(&path);
    let prepared = edi_out::prepare_846(&db.pool, &partner, &key, &items)
        .await
        .unwrap();
    assert!(prepared.reused);
    assert_eq!(prepared.content, text);
    let x12 = parse_checked(&text, "846", prepared.controls);
    assert_eq!(x12.groups[0].functional_id, "IB");
    let bia = segments(&x12, "BIA");
    assert_eq!((bia[0].element(1), bia[0].element(2)), ("00", "SI"));
    let lins = segments(&x12, "LIN");
    let qtys = segments(&x12, "QTY");
    assert_eq!(lins.len(), items.len());
    assert_eq!(qtys.len(), items.len());
    for ((lin, qty), item) in lins.iter().zip(&qtys).zip(&items) {
        match &item.upc {
            Some(upc) => {
                assert_eq!((lin.element(2), lin.element(3)), ("UP", upc.as_str()));
                assert_eq!((lin.element(4), lin.element(5)), ("VP", item.sku.as_str()));
            }
            None => assert_eq!((lin.element(2), lin.element(3)), ("VP", item.sku.as_str())),
        }
        assert_eq!(qty.element(1), "33");
        assert_eq!(qty.element(2), item.quantity.to_string());
        assert_eq!(qty.element(3), "EA");
    }
    assert_eq!(segments(&x12, "CTT")[0].element(1), items.len().to_string());

    // The same figures resent: the identical file; a figure at a new version: a new message.
    std::fs::remove_file(&path).unwrap();
    let again = edi_out::send_846(&db.pool, &partner, &key, &items)
        .await
        .unwrap();
    assert_eq!((again.clone(), read(&again)), (path.clone(), text.clone()));
    let mut moved = figures.clone();
    moved[0].2 += 1;
    let newer = edi_out::prepare_846(&db.pool, &partner, &key_846(&moved), &items)
        .await
        .unwrap();
    assert!(!newer.reused);
    assert_eq!(
        newer.controls.interchange,
        prepared.controls.interchange + 1
    );

    // Two workers preparing one message at once end with one message and one set of numbers.
    let fresh = key_846(&[(1, 1, 999)]);
    let (a, b) = tokio::join!(
        edi_out::prepare_846(&db.pool, &partner, &fresh, &items),
        edi_out::prepare_846(&db.pool, &partner, &fresh, &items),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.controls, b.controls);
    assert_eq!(a.content, b.content);
    assert_ne!(a.reused, b.reused);
    db.drop_db().await;
}

#[tokio::test]
async fn control_numbers_never_repeat_across_997s_846s_and_856s_of_a_partner() {
    let (db, f) = fresh_pack_floor().await;
    let base = tempfile::tempdir().unwrap();
    let (channel, partner) = partner(&db.pool, base.path()).await;

    // Intake's 997, into its own directory.
    let source =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edi/004010_850_three_lines.edi");
    let ack_dir = base.path().join("acks");
    let actor = operators::system_actor(&db.pool, SystemActor::Intake)
        .await
        .unwrap();
    let report = edi_intake::ingest_file(
        &db.pool,
        &channel,
        &source,
        &std::fs::read(&source).unwrap(),
        &actor,
        &ack_dir,
    )
    .await
    .unwrap();
    assert_eq!(report.acknowledgements.len(), 1);
    let mut files: Vec<PathBuf> = report.acknowledgements.clone();

    // An 856, an 846, and the 997 of a second interchange, interleaved.
    let (outbox, _, _) = ship_edi_order(&db.pool, &f).await;
    files.push(
        edi_out::send_856(&db.pool, &partner, f.wh, outbox)
            .await
            .unwrap(),
    );
    let (items, figures) = edi_out::stock_items(&db.pool, partner.channel_id)
        .await
        .unwrap();
    files.push(
        edi_out::send_846(&db.pool, &partner, &key_846(&figures), &items)
            .await
            .unwrap(),
    );
    let second = read(&source)
        .replace("000000101", "000000102")
        .replace("*101*X*", "*102*X*")
        .replace("GE*1*101", "GE*1*102")
        .replace("BB4500012345", "BB4500012346");
    let report = edi_intake::ingest_file(
        &db.pool,
        &channel,
        &base.path().join("in/second.edi"),
        second.as_bytes(),
        &actor,
        &ack_dir,
    )
    .await
    .unwrap();
    assert_eq!(report.acknowledgements.len(), 1);
    files.extend(report.acknowledgements);

    let mut interchanges = HashSet::new();
    let mut groups = HashSet::new();
    let mut sets = HashSet::new();
    let mut kinds = Vec::new();
    for file in &files {
        let text = read(file);
        let x12 = parse_interchange(text.as_bytes()).unwrap();
        kinds.push(x12.groups[0].sets[0].id.clone());
        let (isa, gs, st) = controls_of(&text);
        assert!(
            interchanges.insert(isa.clone()),
            "ISA13 {isa} repeated in {file:?}"
        );
        assert!(groups.insert(gs.clone()), "GS06 {gs} repeated in {file:?}");
        assert!(sets.insert(st.clone()), "ST02 {st} repeated in {file:?}");
    }
    assert_eq!(kinds, vec!["997", "856", "846", "997"]);
    // And the numbers taken directly come after all of them.
    let next = edi_out::next_control_numbers(&db.pool, partner.channel_id)
        .await
        .unwrap();
    assert!(!interchanges.contains(&format!("{:09}", next.interchange)));
    assert_eq!(next.interchange, 5);
    db.drop_db().await;
}

fn sample_envelope(partner: &Partner) -> aisle::sync::edi_out::Envelope {
    partner.envelope(
        ControlNumbers {
            interchange: 42,
            group: 43,
            set: 44,
        },
        NaiveDate::from_ymd_opt(2026, 11, 27)
            .unwrap()
            .and_hms_opt(8, 5, 0)
            .unwrap(),
    )
}

#[tokio::test]
async fn the_builders_are_pure_and_clean_delimiters_out_of_values() {
    let db = common::fresh_db().await;
    demo::load(&db.pool).await.unwrap();
    let (_, partner) = partner(&db.pool, Path::new("/data")).await;
    let env = sample_envelope(&partner);
    let items = vec![
        StockItem {
            sku: "A*B~C".into(),
            upc: None,
            quantity: 5,
        },
        StockItem {
            sku: "SKU-2".into(),
            upc: Some("012345678905".into()),
            quantity: -3,
        },
    ];
    let text = build_846(&items, &env);
    assert_eq!(text, build_846(&items, &env));
    assert!(text.starts_with("ISA*00*          *00*          *ZZ*AISLEDEMO      *ZZ*BIGBOXRETAIL   *261127*0805*U*00401*000000042*0*P*:~GS*IB*AISLEDEMO*BIGBOX*20261127*0805*43*X*004010~ST*846*0044~BIA*00*SI*AISLE000000042*20261127*0805~"), "{text}");
    assert!(text.contains("LIN**VP*ABC~QTY*33*5*EA~LIN**UP*012345678905*VP*SKU-2~QTY*33*0*EA~CTT*2~SE*8*0044~GE*1*43~IEA*1*000000042~"), "{text}");
    parse_checked(&text, "846", env.controls);

    // An 856 from a minimal payload: no carrier, no tracking, one pack of one item.
    let payload = serde_json::json!({
        "bsn": {"purpose": "00", "shipment_id": "7", "date": "20261127", "time": "0805", "structure": "0001"},
        "shipment": {"cartons": 1, "weight_g": 1250},
        "order": {"po_number": "PO-1"},
        "packs": [{"sscc": "000123456789012345", "items": [{"upc": "012345678905", "sku": "SKU-2", "quantity": 3, "unit": "EA"}]}],
    });
    let text = build_856(&payload, &env);
    assert!(text.contains("~ST*856*0044~BSN*00*7*20261127*0805*0001~DTM*011*20261127*0805~HL*1**S*1~TD1*CTN25*1****G*1.25*KG~HL*2*1*O*1~PRF*PO-1~HL*3*2*P*1~MAN*GM*000123456789012345~HL*4*3*I*0~LIN**UP*012345678905*VP*SKU-2~SN1**3*EA~CTT*4~SE*14*0044~GE*1*43~IEA*1*000000042~"), "{text}");
    parse_checked(&text, "856", env.controls);
    assert_eq!(OutboundSet::ShipNotice856.functional_id(), "SH");
    assert_eq!(
        partner.file_name(OutboundSet::Inventory846, env.controls),
        "846_edi-bigbox_000000042.edi"
    );
    assert_eq!(partner.outbound_dir, Path::new("/data/edi/bigbox/out"));
    // An 846's key names its figures and versions, in whatever order given.
    assert_eq!(
        key_846(&[(1, 9, 2), (1, 3, 5)]),
        key_846(&[(1, 3, 5), (1, 9, 2)])
    );
    assert_ne!(key_846(&[(1, 3, 5)]), key_846(&[(1, 3, 6)]));
    db.drop_db().await;
}

#[test]
fn a_file_is_written_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let big = "ISA*".to_string() + &"X".repeat(1 << 20) + "~";
    let path = edi_out::write_file(&out, "856_p_000000001.edi", big.as_bytes()).unwrap();
    assert_eq!(read(&path), big);
    assert_eq!(entries(&out), vec!["856_p_000000001.edi"]);

    // A rewrite replaces the file whole, leaving no temporary file beside it.
    let path = edi_out::write_file(&out, "856_p_000000001.edi", b"short~").unwrap();
    assert_eq!(read(&path), "short~");
    assert_eq!(entries(&out), vec!["856_p_000000001.edi"]);

    // When the target cannot be replaced (a directory stands there), nothing is left behind:
    // no temporary file and nothing under the name.
    std::fs::create_dir(out.join("846_p_000000002.edi")).unwrap();
    std::fs::write(out.join("846_p_000000002.edi/keep"), "x").unwrap();
    let err = edi_out::write_file(&out, "846_p_000000002.edi", b"whole~").unwrap_err();
    assert!(err.to_string().contains("renaming"), "{err}");
    assert_eq!(
        entries(&out),
        vec!["846_p_000000002.edi", "856_p_000000001.edi"]
    );
    assert!(out.join("846_p_000000002.edi").is_dir());

    // Names that would land elsewhere, or hidden, are refused.
    for bad in ["", ".hidden.edi", "../escape.edi", "a/b.edi"] {
        assert!(edi_out::write_file(&out, bad, b"x").is_err(), "{bad:?}");
    }
    assert_eq!(
        entries(&out),
        vec!["846_p_000000002.edi", "856_p_000000001.edi"]
    );
}
