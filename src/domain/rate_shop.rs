//! Rate shopping: which carrier service ships a carton (or a shipment of cartons), and why.
//!
//! **Rate sheets** (`assets/rates/`, embedded; formats in its README): a zone chart from the
//! warehouse's ZIP3 to the destination's ZIP3 (zone 2..8), each service's level and weight limit,
//! and per service a table of whole-pound weight brackets × zones → price in US cents. The
//! services themselves (codes, names, cutoffs, transit days) are the foundation's
//! `carrier_services`, so the codes are the demo's (`UPS GND`, `USPS PM`, `FEDEX 2DAY`, …).
//!
//! **Time.** Everything is in the warehouse's local time, converted by the caller (for example
//! with `now() at time zone warehouses.time_zone` in SQL): `now_local` is the local wall-clock
//! date and time, cutoffs are local times of day, and the order's `ship_by` is given as a local
//! date. No time-zone database is needed here.
//!
//! **The promise** a service must keep ([`Promise`]):
//! - *Ship-by.* The order's `ship_by` (its local date) is the day the parcel must leave the
//!   warehouse: Amazon's `shipByWindow.latestDateTime`, or what intake derives from the service
//!   level. How fast it then travels is the service level's business, below. A service leaves
//!   on its **next departure**: today if today is a business day (Monday to Friday) and
//!   `now_local` is before the service's cutoff, else the next business day. It meets ship-by
//!   when that departure is on or before the ship-by date. It **delivers on** the departure date
//!   plus `transit_days` business days (shown to the packer, and the tie-break). An order without
//!   a ship-by date has no deadline. Holidays are not modelled.
//! - *Service level.* The channel's promised minimum level (`standard` < `expedited` <
//!   `priority` < `overnight`): a service meets it when its own level is at least that.
//!
//! **The choice** ([`choose`]):
//! 1. The cheapest service that meets both (ties: earlier delivery, fewer transit days, then
//!    carrier and service code) — [`Outcome::OnTime`].
//! 2. Else, if some services meet ship-by but none of them the level: among those, the highest
//!    level, then the cheapest — [`Outcome::BelowLevel`]; the parcel arrives on time in a lower
//!    class than promised, and the station says so.
//! 3. Else (nothing meets ship-by): the fastest (earliest delivery; then one that meets the
//!    level; then the cheapest) — [`Outcome::Late`], flagged.
//!
//! So the chosen service meets ship-by whenever any service can, and it is never dearer than
//! another service that meets both parts of the promise. Every other quote is kept as an
//! alternative, each saying whether it keeps the promise and, if not, why not.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday,
};
use serde::{Deserialize, Serialize};

use crate::domain::cartonization::Dims;

/// The zone chart (`assets/rates/zones.csv`).
pub const DEMO_ZONES_CSV: &str = include_str!("../../assets/rates/zones.csv");
/// Service levels and weight limits (`assets/rates/services.csv`).
pub const DEMO_SERVICE_LEVELS_CSV: &str = include_str!("../../assets/rates/services.csv");
/// Price tables (`assets/rates/rates.csv`).
pub const DEMO_RATES_CSV: &str = include_str!("../../assets/rates/rates.csv");
/// The foundation's demo carrier services: codes, names, cutoffs and transit days.
pub const DEMO_CARRIER_SERVICES_CSV: &str = include_str!("../../assets/demo/carrier_services.csv");

/// Grams in a pound, times 100 000 (453.592 37 g), for integer rounding.
const CENTIGRAMS_PER_LB_E5: u64 = 45_359_237;
/// The common US dimensional-weight divisor: cubic inches per pound.
pub const DIM_DIVISOR_IN3_PER_LB: u64 = 139;

/// The class of service a channel promises and a carrier service gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceLevel {
    Standard,
    Expedited,
    Priority,
    Overnight,
}

impl ServiceLevel {
    pub const ALL: [ServiceLevel; 4] = [
        ServiceLevel::Standard,
        ServiceLevel::Expedited,
        ServiceLevel::Priority,
        ServiceLevel::Overnight,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceLevel::Standard => "standard",
            ServiceLevel::Expedited => "expedited",
            ServiceLevel::Priority => "priority",
            ServiceLevel::Overnight => "overnight",
        }
    }

    /// A channel's service level as the demo's channels send them, any case: Shopify
    /// `Standard`/`Express`/`Overnight`, Amazon `Standard`/`Expedited`/`SecondDay`/`NextDay`,
    /// EDI routings (`UPSN-GROUND`, `UPSN-3DAY`), manual `standard`/`express`/`overnight`.
    ///
    /// | channel says | level |
    /// |---|---|
    /// | standard, ground, economy, free | standard |
    /// | expedited, 3day, three day | expedited |
    /// | express, secondday, second day, 2day, two day, priority | priority |
    /// | overnight, nextday, next day, 1day, one day, sameday | overnight |
    ///
    /// Anything else is `None`: the caller decides (the foundation's `shipping_rules` give the
    /// channel's default service, whose level [`RateSheet::service`] knows).
    pub fn from_channel(level: &str) -> Option<ServiceLevel> {
        let key: String = level
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| key.contains(w));
        if has(&["overnight", "nextday", "1day", "oneday", "sameday"]) {
            Some(ServiceLevel::Overnight)
        } else if has(&["express", "secondday", "2day", "twoday", "priority"]) {
            Some(ServiceLevel::Priority)
        } else if has(&["expedited", "3day", "threeday"]) {
            Some(ServiceLevel::Expedited)
        } else if has(&["standard", "ground", "economy", "free"]) {
            Some(ServiceLevel::Standard)
        } else {
            None
        }
    }
}

impl fmt::Display for ServiceLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ServiceLevel {
    type Err = RateError;

    /// Our own names only: `standard`, `expedited`, `priority`, `overnight`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ServiceLevel::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| RateError::UnknownLevel(s.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RateError {
    #[error("{file}, line {line}: {reason}")]
    Csv {
        file: &'static str,
        line: u64,
        reason: String,
    },
    #[error("unknown service level {0:?}: expected standard, expedited, priority or overnight")]
    UnknownLevel(String),
    #[error("{which} ZIP {zip:?} is not a US ZIP code: expected five digits, e.g. 60431")]
    BadZip { which: &'static str, zip: String },
    #[error(
        "no zone from ZIP3 {origin:03} to ZIP3 {destination:03}: expected the zone chart to \
         cover that origin and destination"
    )]
    NoZone { origin: u16, destination: u16 },
    #[error("a shipment needs at least one package: expected a billable weight per carton")]
    NoPackages,
}

/// A service as the foundation's `carrier_services` holds it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CarrierService {
    #[serde(rename = "carrier_code")]
    pub carrier: String,
    pub code: String,
    pub name: String,
    /// Daily cutoff, warehouse local time.
    #[serde(deserialize_with = "time_of_day")]
    pub cutoff_local: NaiveTime,
    pub transit_days: u32,
}

/// A service with what rating needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSpec {
    pub service: CarrierService,
    pub level: ServiceLevel,
    pub max_weight_lb: u32,
}

/// Zone 2..8 from an origin ZIP3 to ranges of destination ZIP3s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneChart {
    rows: Vec<ZoneRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
struct ZoneRow {
    origin_zip3: u16,
    dest_zip3_from: u16,
    dest_zip3_to: u16,
    zone: u8,
}

impl ZoneChart {
    /// `origin_zip3,dest_zip3_from,dest_zip3_to,zone`; ranges inclusive, not overlapping per
    /// origin, zones 2..8.
    pub fn from_csv(text: &str) -> Result<Self, RateError> {
        const FILE: &str = "zone chart";
        let mut rows: Vec<ZoneRow> = read_csv(
            FILE,
            text,
            "origin_zip3,dest_zip3_from,dest_zip3_to,zone with whole numbers",
        )?;
        for (i, row) in rows.iter().enumerate() {
            let line = i as u64 + 2;
            if !(2..=8).contains(&row.zone) || row.dest_zip3_from > row.dest_zip3_to {
                return Err(RateError::Csv {
                    file: FILE,
                    line,
                    reason: "expected a zone from 2 to 8 and a range from low to high".into(),
                });
            }
        }
        rows.sort_by_key(|r| (r.origin_zip3, r.dest_zip3_from));
        if let Some(pair) = rows.windows(2).find(|w| {
            w[0].origin_zip3 == w[1].origin_zip3 && w[1].dest_zip3_from <= w[0].dest_zip3_to
        }) {
            return Err(RateError::Csv {
                file: FILE,
                line: 0,
                reason: format!(
                    "ranges {:03}-{:03} and {:03}-{:03} from {:03} overlap: expected each \
                     destination in one range",
                    pair[0].dest_zip3_from,
                    pair[0].dest_zip3_to,
                    pair[1].dest_zip3_from,
                    pair[1].dest_zip3_to,
                    pair[0].origin_zip3
                ),
            });
        }
        Ok(ZoneChart { rows })
    }

    /// The zone from one ZIP to another (five-digit ZIPs, ZIP+4 allowed).
    pub fn zone(&self, from_zip: &str, to_zip: &str) -> Result<u8, RateError> {
        let origin = zip3(from_zip, "ship-from")?;
        let destination = zip3(to_zip, "ship-to")?;
        self.rows
            .iter()
            .find(|r| {
                r.origin_zip3 == origin
                    && r.dest_zip3_from <= destination
                    && destination <= r.dest_zip3_to
            })
            .map(|r| r.zone)
            .ok_or(RateError::NoZone {
                origin,
                destination,
            })
    }
}

/// The three-digit prefix of a US ZIP code: `60431`, `60431-1234` or `604311234`.
pub fn zip3(zip: &str, which: &'static str) -> Result<u16, RateError> {
    let trimmed = zip.trim();
    let digits: String = trimmed.chars().filter(|c| *c != '-').collect();
    let well_formed = (digits.len() == 5 || digits.len() == 9)
        && digits.chars().all(|c| c.is_ascii_digit())
        && (!trimmed.contains('-') || (trimmed.len() == 10 && trimmed.as_bytes()[5] == b'-'));
    match digits.get(..3).map(str::parse::<u16>) {
        Some(Ok(prefix)) if well_formed => Ok(prefix),
        _ => Err(RateError::BadZip {
            which,
            zip: zip.to_owned(),
        }),
    }
}

/// A service's prices: ascending whole-pound brackets, each with a price per zone 2..8.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RateTable {
    brackets: Vec<(u32, [u32; 7])>,
}

impl RateTable {
    /// The price of a package of `weight_lb` (whole pounds) to `zone`, in cents; `None` beyond
    /// the last bracket or outside zones 2..8.
    pub fn price_cents(&self, weight_lb: u32, zone: u8) -> Option<u32> {
        let column = usize::from(zone.checked_sub(2)?);
        self.brackets
            .iter()
            .find(|(max_lb, _)| weight_lb <= *max_lb)
            .and_then(|(_, prices)| prices.get(column).copied())
    }

    pub fn max_lb(&self) -> u32 {
        self.brackets.last().map_or(0, |(max_lb, _)| *max_lb)
    }
}

#[derive(Debug, Deserialize)]
struct RateRow {
    carrier: String,
    service: String,
    max_lb: u32,
    zone_2: u32,
    zone_3: u32,
    zone_4: u32,
    zone_5: u32,
    zone_6: u32,
    zone_7: u32,
    zone_8: u32,
}

#[derive(Debug, Deserialize)]
struct LevelRow {
    carrier: String,
    service: String,
    #[serde(deserialize_with = "level")]
    level: ServiceLevel,
    max_weight_lb: u32,
}

/// Zone chart, services and their price tables: all a rate-sheet carrier needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateSheet {
    zones: ZoneChart,
    services: Vec<ServiceSpec>,
    tables: BTreeMap<(String, String), RateTable>,
    /// Services on file with no level or price table here: never quoted, always reported.
    unrated: Vec<CarrierService>,
}

/// A carrier service's price for a shipment and what it promises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub carrier: String,
    pub service: String,
    pub service_name: String,
    pub level: ServiceLevel,
    pub transit_days: u32,
    /// Daily cutoff, warehouse local time.
    pub cutoff_local: NaiveTime,
    /// The whole shipment (all its packages), in US cents.
    pub price_cents: u32,
    /// The zone a rate sheet used, when the quote comes from one.
    pub zone: Option<u8>,
}

/// A service that could not be quoted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unquoted {
    pub carrier: String,
    pub service: String,
    pub reason: String,
}

/// One package (carton) of a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// The greater of gross and dimensional weight ([`billable_weight_g`]), in grams.
    pub billable_weight_g: u32,
}

/// What to rate: where from, where to, and the packages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentRequest {
    /// The warehouse's ZIP.
    pub from_zip: String,
    /// The order's ship-to ZIP.
    pub to_zip: String,
    pub packages: Vec<Package>,
}

impl ShipmentRequest {
    /// One package of this billable weight.
    pub fn single(from_zip: &str, to_zip: &str, billable_weight_g: u32) -> Self {
        ShipmentRequest {
            from_zip: from_zip.to_owned(),
            to_zip: to_zip.to_owned(),
            packages: vec![Package { billable_weight_g }],
        }
    }
}

/// A sheet's answer: the services it priced and those it could not.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SheetQuotes {
    pub quotes: Vec<Quote>,
    pub unavailable: Vec<Unquoted>,
}

impl RateSheet {
    /// Joins the services on file with levels and price tables (`services.csv` and `rates.csv`
    /// formats). A service without both is kept as unrated: reported, never quoted.
    pub fn new(
        zones: ZoneChart,
        services: Vec<CarrierService>,
        levels_csv: &str,
        rates_csv: &str,
    ) -> Result<Self, RateError> {
        let levels: Vec<LevelRow> = read_csv(
            "service levels",
            levels_csv,
            "carrier,service,level,max_weight_lb",
        )?;
        let rows: Vec<RateRow> = read_csv(
            "rate table",
            rates_csv,
            "carrier,service,max_lb,zone_2..zone_8 with whole numbers (pounds, cents)",
        )?;
        let mut tables: BTreeMap<(String, String), RateTable> = BTreeMap::new();
        for (i, row) in rows.into_iter().enumerate() {
            let table = tables
                .entry((row.carrier.clone(), row.service.clone()))
                .or_default();
            if table.max_lb() >= row.max_lb {
                return Err(RateError::Csv {
                    file: "rate table",
                    line: i as u64 + 2,
                    reason: format!(
                        "{} {}: expected weight brackets in ascending order",
                        row.carrier, row.service
                    ),
                });
            }
            table.brackets.push((
                row.max_lb,
                [
                    row.zone_2, row.zone_3, row.zone_4, row.zone_5, row.zone_6, row.zone_7,
                    row.zone_8,
                ],
            ));
        }
        let mut specs = Vec::new();
        let mut unrated = Vec::new();
        for service in services {
            let key = (service.carrier.clone(), service.code.clone());
            let level = levels
                .iter()
                .find(|l| l.carrier == key.0 && l.service == key.1);
            match (level, tables.contains_key(&key)) {
                (Some(level), true) => specs.push(ServiceSpec {
                    level: level.level,
                    max_weight_lb: level.max_weight_lb,
                    service,
                }),
                _ => unrated.push(service),
            }
        }
        Ok(RateSheet {
            zones,
            services: specs,
            tables,
            unrated,
        })
    }

    /// The embedded assets with the given services (as read from `carrier_services`).
    pub fn from_assets(services: Vec<CarrierService>) -> Result<Self, RateError> {
        RateSheet::new(
            ZoneChart::from_csv(DEMO_ZONES_CSV)?,
            services,
            DEMO_SERVICE_LEVELS_CSV,
            DEMO_RATES_CSV,
        )
    }

    /// The embedded assets with the demo's carrier services.
    pub fn demo() -> Result<Self, RateError> {
        RateSheet::from_assets(read_csv(
            "carrier services",
            DEMO_CARRIER_SERVICES_CSV,
            "carrier_code,code,name,cutoff_local (HH:MM),transit_days",
        )?)
    }

    pub fn services(&self) -> &[ServiceSpec] {
        &self.services
    }

    pub fn service(&self, carrier: &str, code: &str) -> Option<&ServiceSpec> {
        self.services
            .iter()
            .find(|s| s.service.carrier == carrier && s.service.code == code)
    }

    /// Services on file that this sheet cannot price.
    pub fn unrated(&self) -> &[CarrierService] {
        &self.unrated
    }

    pub fn zones(&self) -> &ZoneChart {
        &self.zones
    }

    /// Prices every service (of `carrier` only, when given) for the shipment. A ZIP outside the
    /// zone chart is an error; a package over a service's weight limit makes that service
    /// unavailable, with the reason.
    pub fn quote(
        &self,
        carrier: Option<&str>,
        shipment: &ShipmentRequest,
    ) -> Result<SheetQuotes, RateError> {
        if shipment.packages.is_empty() {
            return Err(RateError::NoPackages);
        }
        let zone = self.zones.zone(&shipment.from_zip, &shipment.to_zip)?;
        let wanted = |c: &str| carrier.is_none_or(|wanted| wanted == c);
        let mut answer = SheetQuotes::default();
        for service in self.unrated.iter().filter(|s| wanted(&s.carrier)) {
            answer.unavailable.push(Unquoted {
                carrier: service.carrier.clone(),
                service: service.code.clone(),
                reason: "no rate sheet for this service: expected its level in \
                         assets/rates/services.csv and prices in assets/rates/rates.csv"
                    .into(),
            });
        }
        for spec in self.services.iter().filter(|s| wanted(&s.service.carrier)) {
            let service = &spec.service;
            let key = (service.carrier.clone(), service.code.clone());
            let table = self.tables.get(&key);
            let mut total: u64 = 0;
            let mut refusal = None;
            for package in &shipment.packages {
                let lb = billable_weight_lb(package.billable_weight_g);
                let price = table
                    .filter(|_| lb <= spec.max_weight_lb)
                    .and_then(|t| t.price_cents(lb, zone));
                match price {
                    Some(price) => total += u64::from(price),
                    None => {
                        let limit = spec.max_weight_lb.min(table.map_or(0, RateTable::max_lb));
                        refusal = Some(format!(
                            "a {lb} lb package is over the service's limit: expected at most \
                             {limit} lb a package"
                        ));
                        break;
                    }
                }
            }
            match (refusal, u32::try_from(total)) {
                (None, Ok(price_cents)) => answer.quotes.push(Quote {
                    carrier: service.carrier.clone(),
                    service: service.code.clone(),
                    service_name: service.name.clone(),
                    level: spec.level,
                    transit_days: service.transit_days,
                    cutoff_local: service.cutoff_local,
                    price_cents,
                    zone: Some(zone),
                }),
                (refusal, _) => answer.unavailable.push(Unquoted {
                    carrier: service.carrier.clone(),
                    service: service.code.clone(),
                    reason: refusal.unwrap_or_else(|| "price out of range".into()),
                }),
            }
        }
        Ok(answer)
    }
}

/// Billable pounds of a weight in grams: rounded up to a whole pound, at least 1.
pub fn billable_weight_lb(weight_g: u32) -> u32 {
    let lb = (u64::from(weight_g) * 100_000).div_ceil(CENTIGRAMS_PER_LB_E5);
    u32::try_from(lb.max(1)).unwrap_or(u32::MAX)
}

/// Dimensional weight in grams: each side in whole inches (rounded to nearest), their product
/// divided by 139 in³/lb, rounded up to a whole pound.
pub fn dim_weight_g(outer: Dims) -> u32 {
    let inches = |mm: u32| (u64::from(mm) * 10 + 127) / 254;
    let cubic_in = outer.axes().into_iter().map(inches).product::<u64>();
    let lb = cubic_in.div_ceil(DIM_DIVISOR_IN3_PER_LB);
    // Rounded down, so that it bills as exactly `lb` pounds again.
    let grams = lb * CENTIGRAMS_PER_LB_E5 / 100_000;
    u32::try_from(grams).unwrap_or(u32::MAX)
}

/// The greater of gross and dimensional weight.
pub fn billable_weight_g(gross_g: u32, outer: Dims) -> u32 {
    gross_g.max(dim_weight_g(outer))
}

// ---------------------------------------------------------------------------------------------
// The promise and the choice.

/// What the order was promised, in warehouse local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Promise {
    /// Local wall-clock date and time at the warehouse now.
    pub now_local: NaiveDateTime,
    /// The order's ship-by, as a local date: the last day the parcel may leave; `None`: no
    /// deadline.
    pub ship_by: Option<NaiveDate>,
    /// The channel's promised minimum service level.
    pub min_level: ServiceLevel,
}

impl Promise {
    /// From instants and the warehouse's UTC offset now (for example from
    /// `extract(timezone from now() at time zone warehouses.time_zone)` in SQL). The same offset
    /// converts `ship_by`, so a daylight-saving change between now and then can move a ship-by
    /// near midnight by a day; convert in SQL when that matters.
    pub fn at_offset(
        now: DateTime<Utc>,
        offset: FixedOffset,
        ship_by: Option<DateTime<Utc>>,
        min_level: ServiceLevel,
    ) -> Promise {
        Promise {
            now_local: now.with_timezone(&offset).naive_local(),
            ship_by: ship_by.map(|t| t.with_timezone(&offset).date_naive()),
            min_level,
        }
    }
}

/// Why a quote does not keep the promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortfall {
    /// Its next departure is after the ship-by date (its cutoff has passed).
    Late {
        departs_on: NaiveDate,
        ship_by: NaiveDate,
    },
    /// Its level is below the channel's promised level.
    BelowLevel {
        level: ServiceLevel,
        required: ServiceLevel,
    },
}

impl fmt::Display for Shortfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shortfall::Late {
                departs_on,
                ship_by,
            } => write!(
                f,
                "late: leaves {} {departs_on}, after its ship-by {} {ship_by}",
                departs_on.weekday(),
                ship_by.weekday()
            ),
            Shortfall::BelowLevel { level, required } => {
                write!(
                    f,
                    "{level} service: the channel promised at least {required}"
                )
            }
        }
    }
}

/// A quote measured against the promise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub quote: Quote,
    /// The next departure: today before the cutoff on a business day, else the next one.
    pub departs_on: NaiveDate,
    pub delivers_on: NaiveDate,
    pub meets_ship_by: bool,
    pub meets_level: bool,
    /// Empty when it keeps the promise.
    pub why_not: Vec<Shortfall>,
}

impl Candidate {
    pub fn keeps_promise(&self) -> bool {
        self.meets_ship_by && self.meets_level
    }
}

/// How well the chosen service keeps the promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The cheapest service that meets ship-by and the level.
    OnTime,
    /// On time, but no on-time service is of the promised level.
    BelowLevel,
    /// No service meets ship-by: the fastest, late.
    Late,
    /// Nothing was quoted.
    NoQuotes,
}

/// The chosen service, the alternatives, and what could not be quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopResult {
    pub chosen: Option<Candidate>,
    pub outcome: Outcome,
    /// Every other quote: those that keep the promise first, cheapest first; then those on
    /// time, then the rest, each by price.
    pub alternatives: Vec<Candidate>,
    pub unavailable: Vec<Unquoted>,
}

/// A rate shop: the shipment and the promise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopRequest {
    pub shipment: ShipmentRequest,
    pub promise: Promise,
}

/// Rates the shipment on the sheet and chooses (see the module documentation).
pub fn shop(sheet: &RateSheet, request: &ShopRequest) -> Result<ShopResult, RateError> {
    let SheetQuotes {
        quotes,
        unavailable,
    } = sheet.quote(None, &request.shipment)?;
    let mut result = choose(quotes, &request.promise);
    result.unavailable = unavailable;
    Ok(result)
}

/// Measures each quote against the promise and chooses one. Pure; quotes may come from any
/// carriers.
pub fn choose(quotes: Vec<Quote>, promise: &Promise) -> ShopResult {
    let mut candidates: Vec<Candidate> = quotes
        .into_iter()
        .map(|quote| assess(quote, promise))
        .collect();
    // Each rule sorts the candidates so that the chosen one is first; ties end on the codes.
    let codes = |c: &Candidate| (c.quote.carrier.clone(), c.quote.service.clone());
    let outcome = if candidates.iter().any(Candidate::keeps_promise) {
        candidates.sort_by_key(|c| {
            (
                !c.keeps_promise(),
                c.quote.price_cents,
                c.delivers_on,
                c.quote.transit_days,
                codes(c),
            )
        });
        Outcome::OnTime
    } else if candidates.iter().any(|c| c.meets_ship_by) {
        candidates.sort_by_key(|c| {
            (
                !c.meets_ship_by,
                std::cmp::Reverse(c.quote.level),
                c.quote.price_cents,
                c.delivers_on,
                codes(c),
            )
        });
        Outcome::BelowLevel
    } else if !candidates.is_empty() {
        candidates.sort_by_key(|c| (c.delivers_on, !c.meets_level, c.quote.price_cents, codes(c)));
        Outcome::Late
    } else {
        Outcome::NoQuotes
    };
    let chosen = if candidates.is_empty() {
        None
    } else {
        Some(candidates.remove(0))
    };
    candidates.sort_by_key(|c| {
        (
            !c.keeps_promise(),
            !c.meets_ship_by,
            c.quote.price_cents,
            c.delivers_on,
            codes(c),
        )
    });
    ShopResult {
        chosen,
        outcome,
        alternatives: candidates,
        unavailable: Vec::new(),
    }
}

/// A quote measured against the promise.
pub fn assess(quote: Quote, promise: &Promise) -> Candidate {
    let departs_on = next_departure(promise.now_local, quote.cutoff_local);
    let delivers_on = add_business_days(departs_on, quote.transit_days);
    let mut why_not = Vec::new();
    let meets_ship_by = match promise.ship_by {
        Some(ship_by) if departs_on > ship_by => {
            why_not.push(Shortfall::Late {
                departs_on,
                ship_by,
            });
            false
        }
        _ => true,
    };
    let meets_level = quote.level >= promise.min_level;
    if !meets_level {
        why_not.push(Shortfall::BelowLevel {
            level: quote.level,
            required: promise.min_level,
        });
    }
    Candidate {
        quote,
        departs_on,
        delivers_on,
        meets_ship_by,
        meets_level,
        why_not,
    }
}

pub fn is_business_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Today if it is a business day and `now_local` is before the cutoff, else the next
/// business day.
pub fn next_departure(now_local: NaiveDateTime, cutoff_local: NaiveTime) -> NaiveDate {
    let today = now_local.date();
    if is_business_day(today) && now_local.time() < cutoff_local {
        today
    } else {
        add_business_days(today, 1)
    }
}

/// The date `days` business days after `date` (`days` = 0: `date` itself).
pub fn add_business_days(date: NaiveDate, days: u32) -> NaiveDate {
    let mut day = date;
    let mut left = days;
    while left > 0 {
        day += Duration::days(1);
        if is_business_day(day) {
            left -= 1;
        }
    }
    day
}

// ---------------------------------------------------------------------------------------------

fn read_csv<T: serde::de::DeserializeOwned>(
    file: &'static str,
    text: &str,
    expected: &str,
) -> Result<Vec<T>, RateError> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
        .deserialize()
        .map(|row| {
            row.map_err(|e| RateError::Csv {
                file,
                line: e.position().map_or(0, csv::Position::line),
                reason: format!("expected {expected}: {e}"),
            })
        })
        .collect()
}

/// A cutoff as files and carriers write it: `HH:MM` or `HH:MM:SS`.
pub fn parse_cutoff(text: &str) -> Option<NaiveTime> {
    let text = text.trim();
    NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .ok()
}

fn time_of_day<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
    let text = String::deserialize(d)?;
    parse_cutoff(&text).ok_or_else(|| {
        serde::de::Error::custom(format!("time {text:?}: expected HH:MM, e.g. 16:30"))
    })
}

fn level<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ServiceLevel, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> RateSheet {
        RateSheet::demo().expect("the demo rate sheet parses")
    }

    fn at(date: &str, time: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%Y-%m-%d %H:%M")
            .expect("a test date")
    }

    fn date(d: &str) -> NaiveDate {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("a test date")
    }

    fn quote(carrier: &str, service: &str, level: ServiceLevel, days: u32, cents: u32) -> Quote {
        Quote {
            carrier: carrier.into(),
            service: service.into(),
            service_name: format!("{carrier} {service}"),
            level,
            transit_days: days,
            cutoff_local: NaiveTime::from_hms_opt(16, 0, 0).expect("a time"),
            price_cents: cents,
            zone: None,
        }
    }

    #[test]
    fn the_demo_sheet_rates_every_demo_service() {
        let sheet = sheet();
        assert_eq!(sheet.services().len(), 10);
        assert!(sheet.unrated().is_empty(), "{:?}", sheet.unrated());
        let gnd = sheet.service("UPS", "GND").expect("UPS GND");
        assert_eq!(gnd.level, ServiceLevel::Standard);
        assert_eq!(gnd.service.transit_days, 3);
        assert_eq!(
            gnd.service.cutoff_local,
            NaiveTime::from_hms_opt(17, 0, 0).expect("a time")
        );
        assert_eq!(
            sheet.service("FEDEX", "PO").map(|s| s.level),
            Some(ServiceLevel::Overnight)
        );
    }

    #[test]
    fn zones_from_joliet() {
        let zones = sheet().zones().clone();
        assert_eq!(zones.zone("60431", "60601"), Ok(2));
        assert_eq!(zones.zone("60431", "63101"), Ok(3));
        assert_eq!(zones.zone("60431", "64105"), Ok(4));
        assert_eq!(zones.zone("60431", "11201"), Ok(5));
        assert_eq!(zones.zone("60431", "92101-1234"), Ok(8));
        assert_eq!(
            zones.zone("10001", "92101"),
            Err(RateError::NoZone {
                origin: 100,
                destination: 921
            })
        );
        let err = zones.zone("60431", "ABCDE").expect_err("not a ZIP");
        assert!(err.to_string().contains("ship-to ZIP"), "{err}");
        assert!(zip3("6043", "ship-to").is_err());
        assert!(zip3("60431-12", "ship-to").is_err());
        assert_eq!(zip3(" 60431 ", "ship-to"), Ok(604));
    }

    #[test]
    fn every_demo_order_destination_has_a_zone() {
        let zones = sheet().zones().clone();
        for line in include_str!("../../assets/demo/orders.csv").lines().skip(1) {
            if let Some(at) = line.find("\"\"zip\"\":\"\"") {
                let zip = &line[at + 10..at + 15];
                assert!(zones.zone("60431", zip).is_ok(), "no zone for {zip}");
            }
        }
    }

    #[test]
    fn weights_round_up_to_whole_pounds() {
        assert_eq!(billable_weight_lb(0), 1);
        assert_eq!(billable_weight_lb(453), 1);
        assert_eq!(billable_weight_lb(454), 2);
        assert_eq!(billable_weight_lb(4535), 10);
        assert_eq!(billable_weight_lb(4536), 11);
        // 12x9x6 in box: 648 in³ / 139 = 4.66 → 5 lb.
        assert_eq!(
            billable_weight_lb(dim_weight_g(Dims::new(305, 229, 152))),
            5
        );
        assert_eq!(billable_weight_g(3000, Dims::new(305, 229, 152)), 3000);
        assert_eq!(billable_weight_g(100, Dims::new(305, 229, 152)), 2267);
    }

    #[test]
    fn the_sheet_prices_by_zone_and_bracket() {
        let sheet = sheet();
        let near = sheet
            .quote(Some("UPS"), &ShipmentRequest::single("60431", "60601", 400))
            .expect("rates");
        let far = sheet
            .quote(Some("UPS"), &ShipmentRequest::single("60431", "92101", 400))
            .expect("rates");
        assert_eq!(near.quotes.len(), 4);
        let price = |q: &SheetQuotes, s: &str| {
            q.quotes
                .iter()
                .find(|q| q.service == s)
                .map(|q| q.price_cents)
        };
        assert_eq!(price(&near, "GND"), Some(1045));
        assert!(price(&far, "GND") > price(&near, "GND"));
        // Two packages cost the sum of their prices.
        let two = ShipmentRequest {
            packages: vec![
                Package {
                    billable_weight_g: 400,
                },
                Package {
                    billable_weight_g: 400,
                },
            ],
            ..ShipmentRequest::single("60431", "60601", 400)
        };
        let both = sheet.quote(Some("UPS"), &two).expect("rates");
        assert_eq!(price(&both, "GND"), Some(2090));
    }

    #[test]
    fn heavy_packages_are_over_usps_limits() {
        let answer = sheet()
            .quote(None, &ShipmentRequest::single("60431", "60601", 40_000))
            .expect("rates");
        assert_eq!(answer.quotes.len(), 7, "{answer:#?}");
        assert_eq!(answer.unavailable.len(), 3);
        assert!(answer.unavailable.iter().all(|u| u.carrier == "USPS"));
        assert!(
            answer.unavailable[0].reason.contains("89 lb"),
            "{answer:#?}"
        );
    }

    #[test]
    fn a_promise_from_instants_and_an_offset() {
        let chicago = FixedOffset::west_opt(6 * 3600).expect("an offset");
        let now = DateTime::parse_from_rfc3339("2026-12-03T03:30:00Z")
            .expect("an instant")
            .with_timezone(&Utc);
        let ship_by = DateTime::parse_from_rfc3339("2026-12-05T04:00:00Z")
            .expect("an instant")
            .with_timezone(&Utc);
        let promise = Promise::at_offset(now, chicago, Some(ship_by), ServiceLevel::Standard);
        assert_eq!(promise.now_local, at("2026-12-02", "21:30"));
        assert_eq!(promise.ship_by, Some(date("2026-12-04")));
    }

    #[test]
    fn departures_and_business_days() {
        let cutoff = NaiveTime::from_hms_opt(16, 30, 0).expect("a time");
        // 2026-12-04 is a Friday.
        assert_eq!(
            next_departure(at("2026-12-04", "09:00"), cutoff),
            date("2026-12-04")
        );
        assert_eq!(
            next_departure(at("2026-12-04", "16:30"), cutoff),
            date("2026-12-07")
        );
        assert_eq!(
            next_departure(at("2026-12-05", "09:00"), cutoff),
            date("2026-12-07")
        );
        assert_eq!(add_business_days(date("2026-12-04"), 1), date("2026-12-07"));
        assert_eq!(add_business_days(date("2026-12-04"), 0), date("2026-12-04"));
        assert_eq!(add_business_days(date("2026-12-02"), 3), date("2026-12-07"));
    }

    #[test]
    fn cheapest_service_of_the_promised_level_that_leaves_by_ship_by() {
        // Wednesday 15:30, due to leave today, two-day service promised.
        let promise = Promise {
            now_local: at("2026-12-02", "15:30"),
            ship_by: Some(date("2026-12-02")),
            min_level: ServiceLevel::Priority,
        };
        // Cheaper, of the level, but its 15:00 cutoff has passed: it leaves tomorrow.
        let mut missed = quote("C", "2DAY", ServiceLevel::Priority, 2, 900);
        missed.cutoff_local = NaiveTime::from_hms_opt(15, 0, 0).expect("a time");
        let quotes = vec![
            quote("A", "GROUND", ServiceLevel::Standard, 4, 800),
            quote("A", "2DAY", ServiceLevel::Priority, 2, 1500),
            quote("B", "2DAY", ServiceLevel::Priority, 2, 1400),
            quote("B", "NEXT", ServiceLevel::Overnight, 1, 3000),
            missed,
        ];
        let result = choose(quotes, &promise);
        assert_eq!(result.outcome, Outcome::OnTime);
        let chosen = result.chosen.expect("chosen");
        assert_eq!(
            (chosen.quote.carrier.as_str(), chosen.quote.service.as_str()),
            ("B", "2DAY")
        );
        assert_eq!(chosen.departs_on, date("2026-12-02"));
        assert_eq!(chosen.delivers_on, date("2026-12-04"));
        // Those that keep the promise, then on time below the level, then late.
        let order: Vec<(&str, &str)> = result
            .alternatives
            .iter()
            .map(|c| (c.quote.carrier.as_str(), c.quote.service.as_str()))
            .collect();
        assert_eq!(
            order,
            vec![("A", "2DAY"), ("B", "NEXT"), ("A", "GROUND"), ("C", "2DAY")]
        );
        let late = &result.alternatives[3];
        assert_eq!(
            late.why_not,
            vec![Shortfall::Late {
                departs_on: date("2026-12-03"),
                ship_by: date("2026-12-02")
            }]
        );
        assert!(
            late.why_not[0]
                .to_string()
                .contains("late: leaves Thu 2026-12-03"),
            "{}",
            late.why_not[0]
        );
    }

    #[test]
    fn the_channel_level_rules_out_cheaper_services() {
        let promise = Promise {
            now_local: at("2026-12-02", "10:00"),
            ship_by: None,
            min_level: ServiceLevel::Overnight,
        };
        let quotes = vec![
            quote("A", "GROUND", ServiceLevel::Standard, 4, 800),
            quote("B", "NEXT", ServiceLevel::Overnight, 1, 3000),
        ];
        let result = choose(quotes, &promise);
        assert_eq!(result.outcome, Outcome::OnTime);
        assert_eq!(result.chosen.expect("chosen").quote.service, "NEXT");
        assert_eq!(
            result.alternatives[0].why_not,
            vec![Shortfall::BelowLevel {
                level: ServiceLevel::Standard,
                required: ServiceLevel::Overnight
            }]
        );
    }

    #[test]
    fn on_time_below_level_beats_late() {
        let promise = Promise {
            now_local: at("2026-12-02", "17:00"),
            ship_by: Some(date("2026-12-07")),
            min_level: ServiceLevel::Overnight,
        };
        let quotes = vec![
            quote("A", "GROUND", ServiceLevel::Standard, 3, 800),
            quote("A", "2DAY", ServiceLevel::Priority, 2, 1500),
        ];
        let result = choose(quotes, &promise);
        assert_eq!(result.outcome, Outcome::BelowLevel);
        assert_eq!(result.chosen.expect("chosen").quote.service, "2DAY");
    }

    #[test]
    fn when_nothing_is_on_time_the_fastest_goes_late() {
        // Friday after every cutoff, due the same day.
        let promise = Promise {
            now_local: at("2026-12-04", "18:00"),
            ship_by: Some(date("2026-12-04")),
            min_level: ServiceLevel::Standard,
        };
        let quotes = vec![
            quote("A", "GROUND", ServiceLevel::Standard, 3, 800),
            quote("B", "NEXT", ServiceLevel::Overnight, 1, 3000),
            quote("A", "NEXT", ServiceLevel::Overnight, 1, 2900),
        ];
        let result = choose(quotes, &promise);
        assert_eq!(result.outcome, Outcome::Late);
        let chosen = result.chosen.expect("chosen");
        assert_eq!(
            (chosen.quote.carrier.as_str(), chosen.quote.service.as_str()),
            ("A", "NEXT")
        );
        assert_eq!(chosen.delivers_on, date("2026-12-08"));
        assert!(!chosen.meets_ship_by);
        assert_eq!(choose(Vec::new(), &promise).outcome, Outcome::NoQuotes);
    }

    #[test]
    fn shop_on_the_demo_sheet() {
        // Shopify #1002 style: Brooklyn, overnight, due tomorrow, Wednesday 10:00.
        let request = ShopRequest {
            shipment: ShipmentRequest::single("60431", "11201", 1200),
            promise: Promise {
                now_local: at("2026-12-02", "10:00"),
                ship_by: Some(date("2026-12-03")),
                min_level: ServiceLevel::from_channel("Overnight").expect("a level"),
            },
        };
        let result = shop(&sheet(), &request).expect("rates");
        assert_eq!(result.outcome, Outcome::OnTime);
        let chosen = result.chosen.expect("chosen");
        assert_eq!(chosen.quote.level, ServiceLevel::Overnight);
        assert_eq!(chosen.quote.zone, Some(5));
        assert_eq!(result.alternatives.len(), 9);
        let cheapest_overnight = result
            .alternatives
            .iter()
            .filter(|c| c.keeps_promise())
            .map(|c| c.quote.price_cents)
            .min();
        assert!(cheapest_overnight >= Some(chosen.quote.price_cents));
    }

    #[test]
    fn channel_levels_map_to_ours() {
        use ServiceLevel::*;
        for (said, level) in [
            ("Standard", Standard),
            ("standard", Standard),
            ("Expedited", Expedited),
            ("SecondDay", Priority),
            ("NextDay", Overnight),
            ("Express", Priority),
            ("express", Priority),
            ("Overnight", Overnight),
            ("UPSN-GROUND", Standard),
            ("FDEG-GROUND", Standard),
            ("UPSN-3DAY", Expedited),
        ] {
            assert_eq!(ServiceLevel::from_channel(said), Some(level), "{said}");
        }
        assert_eq!(ServiceLevel::from_channel("Scheduled"), None);
        assert_eq!("Priority".parse(), Ok(Priority));
        assert!("fast".parse::<ServiceLevel>().is_err());
    }

    #[test]
    fn services_without_sheets_are_reported() {
        let mut services: Vec<CarrierService> = read_csv(
            "carrier services",
            DEMO_CARRIER_SERVICES_CSV,
            "carrier services",
        )
        .expect("parses");
        services.push(CarrierService {
            carrier: "UPS".into(),
            code: "SAVER".into(),
            name: "UPS Saver".into(),
            cutoff_local: NaiveTime::from_hms_opt(15, 0, 0).expect("a time"),
            transit_days: 1,
        });
        let sheet = RateSheet::from_assets(services).expect("builds");
        let answer = sheet
            .quote(Some("UPS"), &ShipmentRequest::single("60431", "60601", 500))
            .expect("rates");
        assert_eq!(answer.quotes.len(), 4);
        assert_eq!(answer.unavailable.len(), 1);
        assert!(answer.unavailable[0].reason.contains("no rate sheet"));
    }

    #[test]
    fn bad_sheets_are_refused() {
        let err =
            ZoneChart::from_csv("origin_zip3,dest_zip3_from,dest_zip3_to,zone\n604,000,100,9\n")
                .expect_err("zone 9");
        assert!(err.to_string().contains("zone from 2 to 8"), "{err}");
        let err = ZoneChart::from_csv(
            "origin_zip3,dest_zip3_from,dest_zip3_to,zone\n604,000,100,2\n604,100,200,3\n",
        )
        .expect_err("overlap");
        assert!(err.to_string().contains("overlap"), "{err}");
        let rates = "carrier,service,max_lb,zone_2,zone_3,zone_4,zone_5,zone_6,zone_7,zone_8\n\
                     UPS,GND,2,1,1,1,1,1,1,1\nUPS,GND,1,1,1,1,1,1,1,1\n";
        let err = RateSheet::new(
            ZoneChart::from_csv(DEMO_ZONES_CSV).expect("parses"),
            Vec::new(),
            DEMO_SERVICE_LEVELS_CSV,
            rates,
        )
        .expect_err("descending brackets");
        assert!(err.to_string().contains("ascending"), "{err}");
    }
}
