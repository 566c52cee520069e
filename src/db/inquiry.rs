//! Read-only inquiries: what the warehouse knows about one item or one location. Each is one
//! statement (one round trip, one snapshot, so on hand, reserved and the channel figures agree
//! with each other), built on the indexes `skus(code)`, `barcodes(gtin)`, `stock(warehouse_id,
//! sku_id)` and the stock primary key by location.
//!
//! The result types are `Serialize` and complete, so that `aisle stock SKU --json` prints the
//! same facts the inquiry screen shows.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use sqlx::types::Json;
use uuid::Uuid;

use crate::Result;
use crate::domain::availability::{self, AllocationRule};
use crate::domain::barcode::Gtin;

/// How an item is named: by its SKU code or by any of its barcodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemQuery {
    Code(String),
    Gtin(Gtin),
}

impl ItemQuery {
    /// Reads what an operator typed on the command line: digits that make a valid GTIN are a
    /// GTIN, anything else a SKU code (codes are upper case in the catalogue).
    pub fn parse(input: &str) -> ItemQuery {
        let input = input.trim();
        match Gtin::parse(input) {
            Ok(gtin) => ItemQuery::Gtin(gtin),
            Err(_) => ItemQuery::Code(input.to_ascii_uppercase()),
        }
    }

    /// The query as the operator would recognise it, for "No item …" messages.
    pub fn as_text(&self) -> &str {
        match self {
            ItemQuery::Code(code) => code,
            ItemQuery::Gtin(gtin) => gtin.as_str(),
        }
    }
}

/// Everything about one SKU in one warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemInquiry {
    pub warehouse_id: i32,
    pub sku_id: i32,
    pub sku: String,
    pub name: String,
    pub lot_controlled: bool,
    pub case_pack: i32,
    pub barcodes: Vec<Barcode>,
    /// Every location holding units of it, with lot and expiry: bins first, then reserve, then
    /// totes and stations; within each, earliest expiry first (the lot to pick first is on
    /// top), then pick sequence.
    pub stock: Vec<StockAt>,
    /// All units in the warehouse, including those in totes, carts, stations and docks.
    pub on_hand: i64,
    /// Units in bins and reserve locations.
    pub sellable_on_hand: i32,
    /// Reserved for orders and not yet picked.
    pub open_reserved: i32,
    /// `sellable_on_hand - open_reserved`.
    pub available: i64,
    /// Available-to-sell for every active channel this warehouse feeds that lists the SKU.
    pub channels: Vec<ChannelFigure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Barcode {
    /// Normalised to 14 digits.
    pub gtin: String,
    pub symbology: String,
    /// Eaches one scan counts (a case barcode counts the case pack).
    pub units: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockAt {
    pub location: String,
    pub kind: String,
    /// Blank when the SKU is not lot-controlled.
    pub lot: String,
    pub expiry: Option<NaiveDate>,
    pub on_hand: i32,
    /// Bins and reserve locations hold sellable stock; totes and stations hold picked units.
    pub sellable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelFigure {
    pub channel: String,
    pub kind: String,
    pub channel_sku: String,
    pub rule: AllocationRule,
    /// What the rule gives from `available` now.
    pub figure: i64,
    /// What the outbox last recorded for this channel, if anything yet.
    pub published: Option<PublishedFigure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedFigure {
    pub quantity: i32,
    pub version: i64,
    /// pending, in_flight, delivered or dead.
    pub status: String,
}

/// What one location holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocationInquiry {
    pub warehouse_id: i32,
    pub location_id: i32,
    pub location: String,
    pub kind: String,
    pub active: bool,
    /// Per SKU and lot, by SKU code.
    pub contents: Vec<Holding>,
    pub on_hand: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holding {
    pub sku: String,
    pub name: String,
    pub lot: String,
    pub expiry: Option<NaiveDate>,
    pub on_hand: i32,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    sku_id: i32,
    sku: String,
    name: String,
    lot_controlled: bool,
    case_pack: i32,
    sellable_on_hand: i32,
    open_reserved: i32,
    barcodes: Json<Vec<Barcode>>,
    stock: Json<Vec<StockAt>>,
    channels: Json<Vec<ListingRow>>,
}

#[derive(Deserialize)]
struct ListingRow {
    channel: String,
    kind: String,
    channel_sku: String,
    share_pct: i32,
    buffer: i32,
    cap: Option<i32>,
    published: Option<PublishedFigure>,
}

/// The item part after the `sku` CTE; `$1` is the warehouse. A macro, so that each full
/// statement is one `&'static str` built by `concat!`.
macro_rules! item_facts {
    () => {
        r#"
select sku.id as sku_id, sku.code as sku, sku.name, sku.lot_controlled, sku.case_pack,
       coalesce(p.sellable_on_hand, 0) as sellable_on_hand,
       coalesce(p.open_reserved, 0) as open_reserved,
       coalesce((select json_agg(json_build_object(
                            'gtin', b.gtin, 'symbology', b.symbology, 'units', b.units)
                        order by b.units, b.gtin)
                   from barcodes b where b.sku_id = sku.id), '[]') as barcodes,
       coalesce((select json_agg(json_build_object(
                            'location', l.code, 'kind', l.kind, 'lot', st.lot,
                            'expiry', st.expiry, 'on_hand', st.on_hand,
                            'sellable', is_sellable_location(l.kind))
                        order by is_sellable_location(l.kind) desc, l.kind = 'reserve',
                                 st.expiry nulls last, l.pick_sequence nulls last, l.code, st.lot)
                   from stock st
                   join locations l on l.warehouse_id = st.warehouse_id and l.id = st.location_id
                  where st.warehouse_id = $1 and st.sku_id = sku.id and st.on_hand > 0),
                '[]') as stock,
       coalesce((select json_agg(json_build_object(
                            'channel', c.name, 'kind', c.kind, 'channel_sku', cl.channel_sku,
                            'share_pct', cl.share_pct, 'buffer', cl.buffer, 'cap', cl.cap,
                            'published', case when o.id is not null then json_build_object(
                                'quantity', o.quantity, 'version', o.version,
                                'status', o.status) end)
                        order by c.name)
                   from channel_listings cl
                   join channels c on c.id = cl.channel_id
                   left join outbox o on o.warehouse_id = $1 and o.channel_id = c.id
                                     and o.sku_id = sku.id and o.kind = 'stock'
                  where cl.sku_id = sku.id and c.warehouse_id = $1 and c.active),
                '[]') as channels
  from sku
  left join sku_positions p on p.warehouse_id = $1 and p.sku_id = sku.id
"#
    };
}

/// Looks an item up in one warehouse by SKU code or barcode; `None` when no SKU answers to it.
pub async fn item(
    pool: &PgPool,
    warehouse_id: i32,
    query: &ItemQuery,
) -> Result<Option<ItemInquiry>> {
    let (sql, key) = match query {
        ItemQuery::Code(code) => (
            concat!(
                "with sku as (select * from skus where code = $2)",
                item_facts!()
            ),
            code.as_str(),
        ),
        ItemQuery::Gtin(gtin) => (
            concat!(
                "with sku as (select s.* from skus s join barcodes b on b.sku_id = s.id ",
                "where b.gtin = $2)",
                item_facts!()
            ),
            gtin.as_str(),
        ),
    };
    let row: Option<ItemRow> = sqlx::query_as(sql)
        .bind(warehouse_id)
        .bind(key)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|row| item_from_row(warehouse_id, row)))
}

fn item_from_row(warehouse_id: i32, row: ItemRow) -> ItemInquiry {
    let available = availability::available(
        i64::from(row.sellable_on_hand),
        i64::from(row.open_reserved),
    );
    let on_hand = row.stock.iter().map(|at| i64::from(at.on_hand)).sum();
    let channels = row
        .channels
        .0
        .into_iter()
        .map(|listing| {
            let rule = AllocationRule {
                share_pct: listing.share_pct,
                cap: listing.cap,
                buffer: listing.buffer,
            };
            ChannelFigure {
                figure: rule.figure(available),
                channel: listing.channel,
                kind: listing.kind,
                channel_sku: listing.channel_sku,
                rule,
                published: listing.published,
            }
        })
        .collect();
    ItemInquiry {
        warehouse_id,
        sku_id: row.sku_id,
        sku: row.sku,
        name: row.name,
        lot_controlled: row.lot_controlled,
        case_pack: row.case_pack,
        barcodes: row.barcodes.0,
        stock: row.stock.0,
        on_hand,
        sellable_on_hand: row.sellable_on_hand,
        open_reserved: row.open_reserved,
        available,
        channels,
    }
}

#[derive(sqlx::FromRow)]
struct LocationRow {
    location_id: i32,
    location: String,
    kind: String,
    active: bool,
    contents: Json<Vec<Holding>>,
}

/// What a location of one warehouse holds, per SKU and lot; `None` when no location has that
/// code there.
pub async fn location(
    pool: &PgPool,
    warehouse_id: i32,
    code: &str,
) -> Result<Option<LocationInquiry>> {
    let row: Option<LocationRow> = sqlx::query_as(
        r#"
        select l.id as location_id, l.code as location, l.kind::text as kind, l.active,
               coalesce((select json_agg(json_build_object(
                                    'sku', s.code, 'name', s.name, 'lot', st.lot,
                                    'expiry', st.expiry, 'on_hand', st.on_hand)
                                order by s.code, st.expiry nulls last, st.lot)
                           from stock st join skus s on s.id = st.sku_id
                          where st.warehouse_id = l.warehouse_id and st.location_id = l.id
                            and st.on_hand > 0), '[]') as contents
          from locations l
         where l.warehouse_id = $1 and l.code = $2
        "#,
    )
    .bind(warehouse_id)
    .bind(code)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| LocationInquiry {
        warehouse_id,
        location_id: row.location_id,
        on_hand: row.contents.iter().map(|h| i64::from(h.on_hand)).sum(),
        location: row.location,
        kind: row.kind,
        active: row.active,
        contents: row.contents.0,
    }))
}

/// A badge locked by wrong PINs, for the supervisor's unlock screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LockedBadge {
    pub badge: String,
    pub name: String,
    /// Seconds until the lock ends by itself.
    pub seconds_left: i64,
}

/// The badges locked now, the longest-locked first; a small read of the operators table.
pub async fn locked_badges(pool: &PgPool) -> Result<Vec<LockedBadge>> {
    let locked = sqlx::query_as(
        "select badge, name,
                greatest(0, ceil(extract(epoch from locked_until - now())))::bigint as seconds_left
           from operators
          where locked_until > now() and role <> 'system'
          order by locked_until desc, badge
          limit 50",
    )
    .fetch_all(pool)
    .await?;
    Ok(locked)
}

/// What came of a scan, as the scan journal records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanOutcome {
    Applied,
    Rejected,
    Replayed,
    Exception,
    /// It reached the database to be looked up, and changed nothing.
    Lookup,
}

impl ScanOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanOutcome::Applied => "applied",
            ScanOutcome::Rejected => "rejected",
            ScanOutcome::Replayed => "replayed",
            ScanOutcome::Exception => "exception",
            ScanOutcome::Lookup => "lookup",
        }
    }
}

/// One scan for the journal, as a terminal saw it. Never a PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRecord {
    pub terminal: String,
    pub operator_id: Option<i32>,
    /// Which screen read it: `login`, `inquiry`, `unlock`.
    pub screen: &'static str,
    /// The line as scanned, group separators included.
    pub raw: String,
    /// What it parsed to.
    pub parsed: Option<serde_json::Value>,
    pub outcome: ScanOutcome,
    /// What the operator was told, for a refused scan.
    pub message: Option<String>,
}

/// Writes one scan to the journal under the id the terminal made for it; writing the same id
/// twice keeps the first.
pub async fn journal_scan(
    pool: &PgPool,
    warehouse_id: i32,
    scan_id: Uuid,
    record: &ScanRecord,
) -> Result<()> {
    sqlx::query(
        "insert into scan_journal
             (warehouse_id, scan_id, terminal, operator_id, screen, raw, parsed, outcome, message)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (warehouse_id, scan_id) do nothing",
    )
    .bind(warehouse_id)
    .bind(scan_id)
    .bind(&record.terminal)
    .bind(record.operator_id)
    .bind(record.screen)
    .bind(&record.raw)
    .bind(record.parsed.as_ref().map(Json))
    .bind(record.outcome.as_str())
    .bind(record.message.as_deref())
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_with_a_good_check_digit_are_a_gtin() {
        assert!(matches!(
            ItemQuery::parse("012345678905"),
            ItemQuery::Gtin(g) if g.as_str() == "00012345678905"
        ));
        assert_eq!(
            ItemQuery::parse(" tee-red-m "),
            ItemQuery::Code("TEE-RED-M".into())
        );
        assert_eq!(
            ItemQuery::parse("012345678901"),
            ItemQuery::Code("012345678901".into())
        );
    }
}
