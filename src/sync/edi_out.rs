//! EDI out: 846 inventory advice and 856 ship notices, written as files into the partner's
//! outbound directory.
//!
//! - Pure builders, [`build_856`] (from the payload the shipping transaction put in the outbox,
//!   see `pack_shipment_payload` in migration 14) and [`build_846`] (from stock figures), render a
//!   whole interchange, ISA/GS/ST … SE/GE/IEA, with the partner's ids and the control numbers
//!   given, and with the separators intake's 997 writer uses (the partner's standard ones,
//!   `*`, `:`, `~`, `^` from 005010 on). SE01, GE01 and IEA01 are counted as written.
//! - Control numbers come from the partner's one sequence, `edi_control_numbers`, which intake's
//!   997s take from too ([`next_control_numbers`]: one `INSERT … ON CONFLICT DO UPDATE …
//!   RETURNING`, the same statement as intake's), so no ISA13, GS06 or ST02 ever repeats across
//!   997s, 846s and 856s of a partner.
//! - [`write_file`] writes atomically: a hidden temporary file in the same directory, fsync,
//!   rename, fsync of the directory. A worker killed mid-write leaves at most a hidden `.…tmp`
//!   file, never half an interchange under the real name.
//!
//! # A resend reuses its control numbers (the choice made)
//!
//! A worker may die after writing a file and before recording the delivery; the message is then
//! sent again. Taking new numbers for it would hand the partner a second 856 for the same
//! shipment under another control number, which the partner would book as a second ASN. So
//! [`prepare`] records each message's control numbers and rendered file in `edi_outbound`
//! (migration 19), keyed by the message (`856:<warehouse>:<outbox id>`, or for an 846 the stock
//! figures and versions it carries, [`key_846`]), **in the transaction that takes the numbers,
//! committed before the file is written**. A resend finds the row and rewrites the identical
//! bytes under the identical name (`856_<channel>_<ISA13>.edi`): the partner sees one file, once.
//! The stored content, not a re-render, is what is rewritten, so a later change to the builders
//! or the clock cannot change a file already announced.
//!
//! Marking the outbox message delivered (and its lease and version rules) is the delivery
//! worker's part; [`send_856`] and [`send_846`] only prepare and write.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{Datelike, NaiveDateTime, Timelike, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

pub use crate::channels::edi::{
    ControlNumbers, Delimiters, OutboundEnvelope as Envelope, Usage, X12Version,
};
use crate::db::channels::Channel;
use crate::{Error, Result};

/// The two transaction sets sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboundSet {
    /// 846 inventory inquiry/advice, functional group `IB`.
    Inventory846,
    /// 856 ship notice, functional group `SH`.
    ShipNotice856,
}

impl OutboundSet {
    /// ST01.
    pub fn code(self) -> &'static str {
        match self {
            OutboundSet::Inventory846 => "846",
            OutboundSet::ShipNotice856 => "856",
        }
    }

    /// GS01.
    pub fn functional_id(self) -> &'static str {
        match self {
            OutboundSet::Inventory846 => "IB",
            OutboundSet::ShipNotice856 => "SH",
        }
    }
}

/// One line of an 846: our SKU (LIN `VP`), its UPC or EAN (LIN `UP`, left out when the SKU has
/// none) and the quantity available for sale (`QTY*33`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockItem {
    pub sku: String,
    pub upc: Option<String>,
    pub quantity: i64,
}

/// A partner as its channel settings describe it (`assets/demo/channels.csv`): `isa_qualifier`
/// (both sides, unless `our_isa_qualifier` / `partner_isa_qualifier` say otherwise),
/// `our_isa_id`, `partner_isa_id`, `our_gs_id`, `partner_gs_id`, `x12_version` (`004010` or
/// `005010`), `usage` (`T` for test interchanges, production otherwise) and `outbound_dir`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub channel_id: i32,
    pub channel_name: String,
    pub sender_qualifier: String,
    pub sender_id: String,
    pub receiver_qualifier: String,
    pub receiver_id: String,
    pub application_sender: String,
    pub application_receiver: String,
    pub version: X12Version,
    pub usage: Usage,
    /// Where 846s and 856s go.
    pub outbound_dir: PathBuf,
}

impl Partner {
    /// The partner of an EDI channel; a relative `outbound_dir` (default `edi/<channel>/out`) is
    /// taken from `base`, aisle's data directory, as intake does for the 997s.
    pub fn from_channel(channel: &Channel, base: &Path) -> Result<Partner> {
        if channel.kind != "edi" {
            return Err(Error::Invalid(format!(
                "channel {}: expected an EDI partner, found a {} channel",
                channel.name, channel.kind
            )));
        }
        let required = |key: &str| {
            channel
                .setting(key)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "channel {}: setting {key:?} is missing; expected it in the EDI \
                         partner's settings",
                        channel.name
                    ))
                })
        };
        let qualifier = channel.setting("isa_qualifier").unwrap_or("ZZ");
        let sender_id = required("our_isa_id")?;
        let receiver_id = required("partner_isa_id")?;
        let version = match channel.setting("x12_version").unwrap_or("004010") {
            v if v.starts_with("005") => X12Version::V5010,
            v if v.starts_with("004") => X12Version::V4010,
            other => {
                return Err(Error::Invalid(format!(
                    "channel {}: x12_version {other:?}: expected 004010 or 005010",
                    channel.name
                )));
            }
        };
        let configured = channel
            .setting("outbound_dir")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new("edi").join(&channel.name).join("out"));
        Ok(Partner {
            channel_id: channel.id,
            channel_name: channel.name.clone(),
            sender_qualifier: channel
                .setting("our_isa_qualifier")
                .unwrap_or(qualifier)
                .to_string(),
            receiver_qualifier: channel
                .setting("partner_isa_qualifier")
                .unwrap_or(qualifier)
                .to_string(),
            application_sender: channel
                .setting("our_gs_id")
                .map_or_else(|| sender_id.clone(), str::to_string),
            application_receiver: channel
                .setting("partner_gs_id")
                .map_or_else(|| receiver_id.clone(), str::to_string),
            sender_id,
            receiver_id,
            version,
            usage: if channel.setting("usage") == Some("T") {
                Usage::Test
            } else {
                Usage::Production
            },
            outbound_dir: if configured.is_absolute() {
                configured
            } else {
                base.join(configured)
            },
        })
    }

    /// The envelope of one outbound interchange to this partner.
    pub fn envelope(&self, controls: ControlNumbers, at: NaiveDateTime) -> Envelope {
        Envelope {
            sender_qualifier: self.sender_qualifier.clone(),
            sender_id: self.sender_id.clone(),
            receiver_qualifier: self.receiver_qualifier.clone(),
            receiver_id: self.receiver_id.clone(),
            application_sender: self.application_sender.clone(),
            application_receiver: self.application_receiver.clone(),
            controls,
            version: self.version,
            at,
            usage: self.usage,
            delimiters: Delimiters::standard(self.version),
        }
    }

    /// The file name of a message: `<set>_<channel>_<ISA13>.edi`, as intake names its 997s.
    pub fn file_name(&self, set: OutboundSet, controls: ControlNumbers) -> String {
        format!(
            "{}_{}_{:09}.edi",
            set.code(),
            self.channel_name,
            controls.interchange % 1_000_000_000
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Pure builders
// ---------------------------------------------------------------------------------------------

/// The 856 ship notice for a shipment's outbox payload (`pack_shipment_payload`): BSN and
/// DTM 011; the shipment level (TD1 cartons and weight, TD5 carrier SCAC and service, REF CN
/// tracking number, N1 SF/ST with the ship-to address); the order level (PRF PO number); each
/// pack (MAN GM SSCC-18) and its items (LIN UP/VP, SN1 quantity); CTT with the number of HL
/// segments. HL numbers run 1, 2, … in the order written, each pointing at its parent.
pub fn build_856(payload: &Value, envelope: &Envelope) -> String {
    wrap(envelope, OutboundSet::ShipNotice856, |w| {
        let bsn = &payload["bsn"];
        let shipment = &payload["shipment"];
        let order = &payload["order"];
        let ship_date = text(&bsn["date"]);
        let ship_time = text(&bsn["time"]);
        w.segment(
            "BSN",
            &[
                text(&bsn["purpose"]).as_str().or_if_empty("00"),
                &text(&bsn["shipment_id"]),
                &ship_date,
                &ship_time,
                text(&bsn["structure"]).as_str().or_if_empty("0001"),
            ],
        );
        if !ship_date.is_empty() {
            w.segment("DTM", &["011", &ship_date, &ship_time]);
        }

        let mut hl = Hl::default();
        let shipment_hl = hl.open(w, None, "S", true);
        let cartons = shipment["cartons"].as_i64().unwrap_or(0);
        let weight = kilograms(shipment["weight_g"].as_i64().unwrap_or(0));
        if cartons > 0 {
            w.segment(
                "TD1",
                &[
                    "CTN25",
                    &cartons.to_string(),
                    "",
                    "",
                    "",
                    "G",
                    &weight,
                    "KG",
                ],
            );
        }
        let scac = text(&shipment["carrier_scac"]);
        if !scac.is_empty() {
            w.segment("TD5", &["", "2", &scac, "U", &text(&shipment["service"])]);
        }
        let tracking = text(&shipment["tracking_number"]);
        if !tracking.is_empty() {
            w.segment("REF", &["CN", &tracking]);
        }
        let from = &shipment["ship_from"];
        let from_name = text(&from["name"]);
        if !from_name.is_empty() {
            w.segment("N1", &["SF", &from_name, "92", &text(&from["code"])]);
        }
        let to = &shipment["ship_to"];
        let to_name = {
            let name = text(&to["name"]);
            if name.is_empty() {
                text(&to["company"])
            } else {
                name
            }
        };
        if !to_name.is_empty() {
            w.segment("N1", &["ST", &to_name]);
            let address1 = text(&to["address1"]);
            if !address1.is_empty() {
                w.segment("N3", &[&address1, &text(&to["address2"])]);
            }
            let city = text(&to["city"]);
            if !city.is_empty() {
                w.segment(
                    "N4",
                    &[
                        &city,
                        &text(&to["province"]),
                        &text(&to["zip"]),
                        &text(&to["country"]),
                    ],
                );
            }
        }

        let order_hl = hl.open(w, Some(shipment_hl), "O", true);
        w.segment("PRF", &[&text(&order["po_number"])]);

        for pack in payload["packs"].as_array().map_or(&[][..], Vec::as_slice) {
            let items = pack["items"].as_array().map_or(&[][..], Vec::as_slice);
            let pack_hl = hl.open(w, Some(order_hl), "P", !items.is_empty());
            w.segment("MAN", &["GM", &text(&pack["sscc"])]);
            for item in items {
                hl.open(w, Some(pack_hl), "I", false);
                lin(w, &text(&item["upc"]), &text(&item["sku"]));
                let unit = text(&item["unit"]);
                w.segment(
                    "SN1",
                    &[
                        "",
                        &text(&item["quantity"]),
                        unit.as_str().or_if_empty("EA"),
                    ],
                );
            }
        }
        w.segment("CTT", &[&hl.count.to_string()]);
    })
}

/// The 846 inventory advice for `items`: BIA (status report `SI`, reference `AISLE<ISA13>`, the
/// envelope's date and time), then per item LIN (UP/VP) and `QTY*33` (available for sale, in
/// eaches), and CTT with the number of LIN segments.
pub fn build_846(items: &[StockItem], envelope: &Envelope) -> String {
    wrap(envelope, OutboundSet::Inventory846, |w| {
        let at = envelope.at;
        let reference = format!("AISLE{:09}", envelope.controls.interchange % 1_000_000_000);
        w.segment("BIA", &["00", "SI", &reference, &ccyymmdd(at), &hhmm(at)]);
        for item in items {
            lin(w, item.upc.as_deref().unwrap_or(""), &item.sku);
            w.segment("QTY", &["33", &item.quantity.max(0).to_string(), "EA"]);
        }
        w.segment("CTT", &[&items.len().to_string()]);
    })
}

/// `LIN**UP*{upc}*VP*{sku}`, or `LIN**VP*{sku}` without a UPC.
fn lin(w: &mut Writer<'_>, upc: &str, sku: &str) {
    if upc.is_empty() {
        w.segment("LIN", &["", "VP", sku]);
    } else {
        w.segment("LIN", &["", "UP", upc, "VP", sku]);
    }
}

/// Hierarchical levels, numbered as written.
#[derive(Default)]
struct Hl {
    count: u32,
}

impl Hl {
    fn open(
        &mut self,
        w: &mut Writer<'_>,
        parent: Option<u32>,
        level: &str,
        children: bool,
    ) -> u32 {
        self.count = self.count.saturating_add(1);
        let parent = parent.map(|p| p.to_string()).unwrap_or_default();
        w.segment(
            "HL",
            &[
                &self.count.to_string(),
                &parent,
                level,
                if children { "1" } else { "0" },
            ],
        );
        self.count
    }
}

trait OrIfEmpty {
    fn or_if_empty<'a>(&'a self, default: &'a str) -> &'a str;
}

impl OrIfEmpty for str {
    fn or_if_empty<'a>(&'a self, default: &'a str) -> &'a str {
        if self.is_empty() { default } else { self }
    }
}

/// A JSON value as element text: strings as they are, numbers written out, null as nothing.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// Grams as kilograms with up to three decimals (`1250` → `1.25`).
fn kilograms(grams: i64) -> String {
    let grams = grams.max(0);
    let whole = grams / 1000;
    let fraction = grams % 1000;
    if fraction == 0 {
        whole.to_string()
    } else {
        let digits = format!("{fraction:03}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }
}

fn ccyymmdd(at: NaiveDateTime) -> String {
    format!(
        "{:04}{:02}{:02}",
        at.year().clamp(0, 9999),
        at.month(),
        at.day()
    )
}

fn hhmm(at: NaiveDateTime) -> String {
    format!("{:02}{:02}", at.hour(), at.minute())
}

/// One interchange of one group of one set: the ISA (fixed width), GS, ST, `body`, SE (its
/// count of the segments from ST to SE), GE, IEA — as `render_997` writes its envelope.
fn wrap(env: &Envelope, set: OutboundSet, body: impl FnOnce(&mut Writer<'_>)) -> String {
    let d = &env.delimiters;
    let mut w = Writer {
        out: String::with_capacity(1024),
        delimiters: d,
        segments: 0,
    };
    let interchange_control = format!("{:09}", env.controls.interchange % 1_000_000_000);
    let group_control = (env.controls.group % 1_000_000_000).to_string();
    let set_control = format!("{:04}", env.controls.set % 1_000_000_000);
    let at = env.at;
    let repetition = match env.version {
        X12Version::V4010 => 'U',
        X12Version::V5010 => d.repetition.unwrap_or('^'),
    };
    let isa = [
        "00".to_string(),
        " ".repeat(10),
        "00".to_string(),
        " ".repeat(10),
        fixed(&env.sender_qualifier, 2, d),
        fixed(&env.sender_id, 15, d),
        fixed(&env.receiver_qualifier, 2, d),
        fixed(&env.receiver_id, 15, d),
        format!(
            "{:02}{:02}{:02}",
            at.year().rem_euclid(100),
            at.month(),
            at.day()
        ),
        hhmm(at),
        repetition.to_string(),
        env.version.isa_code().to_string(),
        interchange_control.clone(),
        "0".to_string(),
        env.usage.code().to_string(),
        d.component.to_string(),
    ];
    w.out.push_str("ISA");
    for value in &isa {
        w.out.push(d.element);
        w.out.push_str(value);
    }
    w.out.push(d.segment);
    w.segment(
        "GS",
        &[
            set.functional_id(),
            &env.application_sender,
            &env.application_receiver,
            &ccyymmdd(at),
            &hhmm(at),
            &group_control,
            "X",
            env.version.gs_code(),
        ],
    );
    w.segments = 0;
    w.segment("ST", &[set.code(), &set_control]);
    body(&mut w);
    let count = w.segments.saturating_add(1).to_string();
    w.segment("SE", &[&count, &set_control]);
    w.segment("GE", &["1", &group_control]);
    w.segment("IEA", &["1", &interchange_control]);
    w.out
}

/// The segment writer of `ack997` (private there): trailing empty elements dropped, values
/// cleaned of delimiters and control characters, segments counted.
struct Writer<'a> {
    out: String,
    delimiters: &'a Delimiters,
    segments: usize,
}

impl Writer<'_> {
    fn segment(&mut self, id: &str, elements: &[&str]) {
        let cleaned: Vec<String> = elements.iter().map(|e| clean(e, self.delimiters)).collect();
        let used = cleaned
            .iter()
            .rposition(|e| !e.is_empty())
            .map_or(0, |last| last.saturating_add(1));
        self.out.push_str(id);
        for value in cleaned.iter().take(used) {
            self.out.push(self.delimiters.element);
            self.out.push_str(value);
        }
        self.out.push(self.delimiters.segment);
        self.segments = self.segments.saturating_add(1);
    }
}

fn clean(value: &str, d: &Delimiters) -> String {
    value
        .chars()
        .filter(|&c| !d.contains(c) && !c.is_control())
        .collect()
}

fn fixed(value: &str, width: usize, d: &Delimiters) -> String {
    let mut out: String = clean(value, d)
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(width)
        .collect();
    while out.len() < width {
        out.push(' ');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// I/O at the edge
// ---------------------------------------------------------------------------------------------

/// The partner's next interchange, group and set control numbers, from the sequence intake's
/// 997s take from (`edi_control_numbers`), in their own statement: they are never given out
/// twice. Within a transaction use [`next_control_numbers_in`], so that a rollback gives them
/// back.
pub async fn next_control_numbers(pool: &PgPool, channel_id: i32) -> Result<ControlNumbers> {
    let mut conn = pool.acquire().await?;
    next_control_numbers_in(&mut conn, channel_id).await
}

/// [`next_control_numbers`] in the caller's transaction. The same statement as intake's
/// (`db::edi_intake`): one row per partner, each number wrapping from 999,999,999 to 1.
pub async fn next_control_numbers_in(
    conn: &mut PgConnection,
    channel_id: i32,
) -> Result<ControlNumbers> {
    let (interchange, group, set): (i64, i64, i64) = sqlx::query_as(
        "insert into edi_control_numbers as n (channel_id, last_interchange, last_group, last_set)
         values ($1, 1, 1, 1)
         on conflict (channel_id) do update
            set last_interchange = n.last_interchange % 999999999 + 1,
                last_group = n.last_group % 999999999 + 1,
                last_set = n.last_set % 999999999 + 1
         returning last_interchange, last_group, last_set",
    )
    .bind(channel_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(ControlNumbers {
        interchange: control(interchange)?,
        group: control(group)?,
        set: control(set)?,
    })
}

fn control(n: i64) -> Result<u32> {
    u32::try_from(n).map_err(|_| Error::Invalid(format!("control number {n} out of range")))
}

/// A message ready to write: its control numbers, file name and content as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub controls: ControlNumbers,
    pub file_name: String,
    pub content: String,
    /// Whether it was recorded by an earlier attempt (a resend), rather than now.
    pub reused: bool,
}

/// The message `key` of `partner`: as recorded by an earlier attempt, or else rendered by
/// `build` with the partner's next control numbers and recorded, both in one transaction that
/// commits before anything is written. Two workers preparing the same key at once get the same
/// message (the loser's numbers are rolled back).
pub async fn prepare(
    pool: &PgPool,
    partner: &Partner,
    key: &str,
    set: OutboundSet,
    build: impl FnOnce(&Envelope) -> String,
) -> Result<Prepared> {
    if let Some(found) = recorded(pool, partner.channel_id, key).await? {
        return Ok(found);
    }
    let mut tx = pool.begin().await?;
    let controls = next_control_numbers_in(&mut tx, partner.channel_id).await?;
    let envelope = partner.envelope(controls, Utc::now().naive_utc());
    let content = build(&envelope);
    let file_name = partner.file_name(set, controls);
    let inserted = sqlx::query(
        "insert into edi_outbound (channel_id, message_key, transaction_set, interchange,
                                   group_control, set_control, file_name, content)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (channel_id, message_key) do nothing",
    )
    .bind(partner.channel_id)
    .bind(key)
    .bind(set.code())
    .bind(i64::from(controls.interchange))
    .bind(i64::from(controls.group))
    .bind(i64::from(controls.set))
    .bind(&file_name)
    .bind(&content)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        // Another worker recorded it meanwhile: give the numbers back and use its message.
        tx.rollback().await?;
        return recorded(pool, partner.channel_id, key)
            .await?
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "EDI message {key} of channel {}: recorded by another worker, then not found",
                    partner.channel_name
                ))
            });
    }
    tx.commit().await?;
    Ok(Prepared {
        controls,
        file_name,
        content,
        reused: false,
    })
}

async fn recorded(pool: &PgPool, channel_id: i32, key: &str) -> Result<Option<Prepared>> {
    let row: Option<(i64, i64, i64, String, String)> = sqlx::query_as(
        "select interchange, group_control, set_control, file_name, content
           from edi_outbound where channel_id = $1 and message_key = $2",
    )
    .bind(channel_id)
    .bind(key)
    .fetch_optional(pool)
    .await?;
    row.map(|(interchange, group, set, file_name, content)| {
        Ok(Prepared {
            controls: ControlNumbers {
                interchange: control(interchange)?,
                group: control(group)?,
                set: control(set)?,
            },
            file_name,
            content,
            reused: true,
        })
    })
    .transpose()
}

/// The key of a shipment's 856: its outbox message.
pub fn key_856(warehouse_id: i32, outbox_id: i64) -> String {
    format!("856:{warehouse_id}:{outbox_id}")
}

/// The key of an 846 carrying stock figures `(warehouse, outbox id, version)`: the same figures
/// at the same versions are the same message, in whatever order given.
pub fn key_846(figures: &[(i32, i64, i64)]) -> String {
    let mut figures = figures.to_vec();
    figures.sort_unstable();
    let parts: Vec<String> = figures
        .iter()
        .map(|(wh, id, version)| format!("{wh}:{id}@{version}"))
        .collect();
    format!("846:{}", parts.join(","))
}

/// Prepares the 856 of an `edi_856` outbox message (see [`prepare`]).
pub async fn prepare_856(
    pool: &PgPool,
    partner: &Partner,
    warehouse_id: i32,
    outbox_id: i64,
) -> Result<Prepared> {
    let key = key_856(warehouse_id, outbox_id);
    if let Some(found) = recorded(pool, partner.channel_id, &key).await? {
        return Ok(found);
    }
    let row: Option<(String, i32, Option<Value>)> = sqlx::query_as(
        "select kind::text, channel_id, payload from outbox where warehouse_id = $1 and id = $2",
    )
    .bind(warehouse_id)
    .bind(outbox_id)
    .fetch_optional(pool)
    .await?;
    let payload = match row {
        Some((kind, channel, Some(payload)))
            if kind == "edi_856" && channel == partner.channel_id =>
        {
            payload
        }
        _ => {
            return Err(Error::Invalid(format!(
                "outbox message {outbox_id} of warehouse {warehouse_id}: expected an 856 \
                 (edi_856) for channel {}",
                partner.channel_name
            )));
        }
    };
    prepare(pool, partner, &key, OutboundSet::ShipNotice856, |env| {
        build_856(&payload, env)
    })
    .await
}

/// Prepares an 846 of `items`, the message of the stock figures `key` names ([`key_846`]).
pub async fn prepare_846(
    pool: &PgPool,
    partner: &Partner,
    key: &str,
    items: &[StockItem],
) -> Result<Prepared> {
    prepare(pool, partner, key, OutboundSet::Inventory846, |env| {
        build_846(items, env)
    })
    .await
}

/// Prepares the 856 of an outbox message and writes it into the partner's outbound directory;
/// returns the file's path. A resend rewrites the identical file.
pub async fn send_856(
    pool: &PgPool,
    partner: &Partner,
    warehouse_id: i32,
    outbox_id: i64,
) -> Result<PathBuf> {
    let prepared = prepare_856(pool, partner, warehouse_id, outbox_id).await?;
    deliver(pool, partner, &key_856(warehouse_id, outbox_id), &prepared).await
}

/// Prepares an 846 and writes it into the partner's outbound directory; returns the path.
pub async fn send_846(
    pool: &PgPool,
    partner: &Partner,
    key: &str,
    items: &[StockItem],
) -> Result<PathBuf> {
    let prepared = prepare_846(pool, partner, key, items).await?;
    deliver(pool, partner, key, &prepared).await
}

async fn deliver(
    pool: &PgPool,
    partner: &Partner,
    key: &str,
    prepared: &Prepared,
) -> Result<PathBuf> {
    let path = write_file(
        &partner.outbound_dir,
        &prepared.file_name,
        prepared.content.as_bytes(),
    )?;
    sqlx::query(
        "update edi_outbound set written_at = now() where channel_id = $1 and message_key = $2",
    )
    .bind(partner.channel_id)
    .bind(key)
    .execute(pool)
    .await?;
    Ok(path)
}

/// The available-for-sale figures the outbox holds for a channel, summed over the warehouses
/// that feed it, per SKU (with its UPC as the 856 gives it), in SKU order; and the figures
/// `(warehouse, outbox id, version)` they come from, for [`key_846`].
pub async fn stock_items(
    pool: &PgPool,
    channel_id: i32,
) -> Result<(Vec<StockItem>, Vec<(i32, i64, i64)>)> {
    let rows: Vec<(i32, i64, i64, String, Option<String>, i32)> = sqlx::query_as(
        "select o.warehouse_id, o.id, o.version, k.code, pack_item_upc(k.id), o.quantity
           from outbox o join skus k on k.id = o.sku_id
          where o.channel_id = $1 and o.kind = 'stock'
          order by k.code, o.warehouse_id",
    )
    .bind(channel_id)
    .fetch_all(pool)
    .await?;
    let mut items: Vec<StockItem> = Vec::new();
    let mut figures = Vec::with_capacity(rows.len());
    for (wh, id, version, sku, upc, quantity) in rows {
        figures.push((wh, id, version));
        match items.last_mut() {
            Some(last) if last.sku == sku => {
                last.quantity = last.quantity.saturating_add(i64::from(quantity));
            }
            _ => items.push(StockItem {
                sku,
                upc,
                quantity: i64::from(quantity),
            }),
        }
    }
    Ok((items, figures))
}

static TEMP_SERIAL: AtomicU64 = AtomicU64::new(0);

/// Writes `contents` as `dir/name` atomically: into a hidden temporary file in `dir` (partners'
/// pollers skip dot files), flushed to disk, renamed over `name`, and the directory synced, so
/// that the file is either absent, or whole (a rewrite replaces it whole). Creates `dir`.
pub fn write_file(dir: &Path, name: &str, contents: &[u8]) -> Result<PathBuf> {
    if name.is_empty()
        || name.starts_with('.')
        || name.contains('/')
        || name.contains('\\')
        || name.contains('\0')
    {
        return Err(Error::Invalid(format!(
            "EDI file name {name:?}: expected a plain file name, not hidden, without a directory"
        )));
    }
    fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let path = dir.join(name);
    // Unique per process and call, so that two writers never share a temporary file.
    let serial = TEMP_SERIAL.fetch_add(1, Ordering::Relaxed);
    let temp = dir.join(format!(".{name}.{}.{serial}.tmp", std::process::id()));
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)?;
        file.write_all(contents)?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(Error::io(format!("writing {}", temp.display()), e));
    }
    if let Err(e) = fs::rename(&temp, &path) {
        let _ = fs::remove_file(&temp);
        return Err(Error::io(format!("renaming to {}", path.display()), e));
    }
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(format!("syncing {}", dir.display()), e))?;
    Ok(path)
}
