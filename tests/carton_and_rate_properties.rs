//! Property tests of the pack station's pure rules, through the public API only.
//!
//! Cartonization: a suggestion holds every unit exactly once; each carton's placements lie
//! inside it, do not overlap, and are orientations of their SKU; weight stays within the
//! carton's maximum; a single carton is the smallest (by the catalogue's order) the fit succeeds
//! in; a split happens only when no carton holds everything, and each share sits in the smallest
//! carton that holds it; errors are real.
//!
//! Rate shopping: the chosen service meets ship-by whenever any service can; it is never dearer
//! than another service that keeps the whole promise; late only when nothing is on time, and
//! then the fastest. Departure and delivery dates are checked against a day-by-day reference.

use aisle::domain::cartonization::{
    Carton, CartonCatalogue, CartonPlan, Dims, FitError, ItemLine, pack, suggest,
};
use aisle::domain::rate_shop::{
    Outcome, Promise, Quote, RateSheet, ServiceLevel, ShipmentRequest, ShopRequest, choose, shop,
};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;

/// 256 cases a property unless `PROPTEST_CASES` says otherwise (a longer search by hand).
fn config() -> Config {
    let base = Config::default();
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() {
        base.cases
    } else {
        256
    };
    Config {
        cases,
        failure_persistence: None,
        ..base
    }
}

// ---------------------------------------------------------------------------------------------
// Cartonization.

fn demo_catalogue() -> CartonCatalogue {
    CartonCatalogue::demo().expect("the demo catalogue parses")
}

fn item_line() -> impl Strategy<Value = ItemLine> {
    // Mostly parcel-sized things; now and then one too long or too heavy for any carton.
    (
        prop_oneof![9 => 10u32..320, 1 => 300u32..900],
        10u32..260,
        5u32..200,
        prop_oneof![9 => 20u32..3_000, 1 => 3_000u32..35_000],
        1u32..7,
    )
        .prop_map(|(l, w, h, g, quantity)| ItemLine {
            sku: format!("SKU-{l}x{w}x{h}-{g}"),
            dims: Dims::new(l, w, h),
            unit_weight_g: g,
            quantity,
        })
}

fn items() -> impl Strategy<Value = Vec<ItemLine>> {
    vec(item_line(), 1..6).prop_map(|mut lines| {
        // Distinct SKUs per line, as an order has them.
        for (i, line) in lines.iter_mut().enumerate() {
            line.sku = format!("{}-{i}", line.sku);
        }
        lines
    })
}

fn catalogue() -> impl Strategy<Value = CartonCatalogue> {
    prop_oneof![
        1 => Just(demo_catalogue()),
        1 => vec((100u32..700, 100u32..500, 50u32..450, 2_000u32..30_000, 1u32..2_000), 1..6)
            .prop_map(|rows| {
                let cartons = rows
                    .into_iter()
                    .enumerate()
                    .map(|(i, (l, w, h, max, cost))| Carton {
                        code: format!("C{i}"),
                        name: format!("carton {i}"),
                        inner: Dims::new(l, w, h),
                        max_weight_g: max,
                        tare_g: max / 40,
                        cost_cents: cost,
                    })
                    .collect();
                CartonCatalogue::new(cartons).expect("generated cartons are valid")
            }),
    ]
}

/// The units of each line in a plan, from its contents and, separately, its placements.
fn units_per_line(plans: &[CartonPlan], lines: usize) -> (Vec<u32>, Vec<u32>) {
    let mut by_contents = vec![0u32; lines];
    let mut by_placements = vec![0u32; lines];
    for plan in plans {
        for c in &plan.contents {
            by_contents[c.line] += c.quantity;
        }
        for p in &plan.placements {
            by_placements[p.line] += 1;
        }
    }
    (by_contents, by_placements)
}

/// The lines of one carton's share, with their quantities in it.
fn share(items: &[ItemLine], plan: &CartonPlan) -> Vec<ItemLine> {
    plan.contents
        .iter()
        .map(|c| ItemLine {
            quantity: c.quantity,
            ..items[c.line].clone()
        })
        .collect()
}

fn check_carton(items: &[ItemLine], plan: &CartonPlan) -> Result<(), TestCaseError> {
    let inner = plan.carton.inner;
    for (i, a) in plan.placements.iter().enumerate() {
        prop_assert!(a.within(&inner), "{a:?} outside {}", plan.carton.code);
        prop_assert!(
            items[a.line].dims.orientations().contains(&a.size),
            "{a:?} is not an orientation of {:?}",
            items[a.line].dims
        );
        prop_assert_eq!(&a.sku, &items[a.line].sku);
        for b in &plan.placements[i + 1..] {
            prop_assert!(!a.overlaps(b), "{a:?} overlaps {b:?}");
        }
    }
    let items_weight: u64 = plan
        .placements
        .iter()
        .map(|p| u64::from(items[p.line].unit_weight_g))
        .sum();
    prop_assert_eq!(u64::from(plan.items_weight_g), items_weight);
    prop_assert_eq!(
        plan.gross_weight_g,
        plan.items_weight_g + plan.carton.tare_g
    );
    prop_assert!(plan.gross_weight_g <= plan.carton.max_weight_g);
    prop_assert!(plan.units() > 0);
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_suggestion_holds_every_unit_once_within_its_cartons(
        items in items(),
        catalogue in catalogue(),
    ) {
        let Ok(plans) = suggest(&items, &catalogue) else {
            return Ok(());
        };
        let (by_contents, by_placements) = units_per_line(&plans, items.len());
        let ordered: Vec<u32> = items.iter().map(|i| i.quantity).collect();
        prop_assert_eq!(&by_contents, &ordered);
        prop_assert_eq!(&by_placements, &ordered);
        for plan in &plans {
            check_carton(&items, plan)?;
        }
        // Deterministic.
        prop_assert_eq!(suggest(&items, &catalogue), Ok(plans));
    }

    #[test]
    fn a_single_carton_is_the_smallest_the_fit_succeeds_in(
        items in items(),
        catalogue in catalogue(),
    ) {
        let Ok(plans) = suggest(&items, &catalogue) else {
            return Ok(());
        };
        if let [plan] = plans.as_slice() {
            prop_assert!(pack(&items, &plan.carton).is_some());
            for smaller in catalogue.cartons() {
                if smaller.code == plan.carton.code {
                    break;
                }
                prop_assert!(
                    smaller.inner.volume_mm3() <= plan.carton.inner.volume_mm3(),
                    "catalogue order"
                );
                prop_assert!(
                    pack(&items, smaller).is_none(),
                    "{} also holds them, and it comes before {}",
                    smaller.code,
                    plan.carton.code
                );
            }
        } else {
            // Split only when no carton holds everything; each share in its smallest carton.
            for carton in catalogue.cartons() {
                prop_assert!(pack(&items, carton).is_none(), "{} holds everything", carton.code);
            }
            for plan in &plans {
                let lines = share(&items, plan);
                for smaller in catalogue.cartons() {
                    if smaller.code == plan.carton.code {
                        break;
                    }
                    prop_assert!(
                        pack(&lines, smaller).is_none(),
                        "{} would hold the share in {}",
                        smaller.code,
                        plan.carton.code
                    );
                }
            }
        }
    }

    #[test]
    fn fit_errors_are_real(items in items(), catalogue in catalogue()) {
        match suggest(&items, &catalogue) {
            Ok(_) | Err(FitError::TooManyUnits { .. }) => {}
            Err(FitError::ItemTooLarge { sku, .. }) => {
                let item = items.iter().find(|i| i.sku == sku).expect("names a SKU given");
                prop_assert!(catalogue.cartons().iter().all(|c| !item.dims.fits_within(&c.inner)));
            }
            Err(FitError::ItemTooHeavy { sku, weight_g, .. }) => {
                let item = items.iter().find(|i| i.sku == sku).expect("names a SKU given");
                prop_assert_eq!(weight_g, item.unit_weight_g);
                prop_assert!(catalogue
                    .cartons()
                    .iter()
                    .filter(|c| item.dims.fits_within(&c.inner))
                    .all(|c| item.unit_weight_g > c.payload_g()));
            }
            Err(other) => prop_assert!(false, "unexpected {other}"),
        }
    }

    #[test]
    fn every_unit_of_a_single_sku_fits_when_it_fits_alone(
        line in item_line(),
    ) {
        // One unit that fits some carton by size and weight is always suggested a carton.
        let catalogue = demo_catalogue();
        let one = ItemLine { quantity: 1, ..line };
        let fits_alone = catalogue
            .cartons()
            .iter()
            .any(|c| one.dims.fits_within(&c.inner) && one.unit_weight_g <= c.payload_g());
        prop_assert_eq!(suggest(std::slice::from_ref(&one), &catalogue).is_ok(), fits_alone);
    }
}

// ---------------------------------------------------------------------------------------------
// Rate shopping.

fn level() -> impl Strategy<Value = ServiceLevel> {
    select(ServiceLevel::ALL.to_vec())
}

fn quotes() -> impl Strategy<Value = Vec<Quote>> {
    vec(
        (
            select(vec!["UPS", "USPS", "FEDEX"]),
            level(),
            0u32..6,
            (12u32..19, select(vec![0u32, 30])),
            100u32..10_000,
        ),
        0..9,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(
                |(i, (carrier, level, transit_days, (h, m), price_cents))| Quote {
                    carrier: carrier.to_owned(),
                    service: format!("S{i}"),
                    service_name: format!("{carrier} service {i}"),
                    level,
                    transit_days,
                    cutoff_local: NaiveTime::from_hms_opt(h, m, 0).expect("a time"),
                    price_cents,
                    zone: None,
                },
            )
            .collect()
    })
}

fn promise() -> impl Strategy<Value = Promise> {
    // Three weeks from Monday 2026-11-30, any minute of the day; ship-by from two days before
    // to twelve days after, or none.
    (
        0i64..21,
        0u32..24,
        0u32..60,
        proptest::option::weighted(0.85, -2i64..12),
        level(),
    )
        .prop_map(|(day, hour, minute, ship_by, min_level)| {
            let start = NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date");
            let today = start + Duration::days(day);
            Promise {
                now_local: NaiveDateTime::new(
                    today,
                    NaiveTime::from_hms_opt(hour, minute, 0).expect("a time"),
                ),
                ship_by: ship_by.map(|d| today + Duration::days(d)),
                min_level,
            }
        })
}

fn weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Day by day: the first business day on or after today whose departure has not passed.
fn reference_delivery(promise: &Promise, quote: &Quote) -> (NaiveDate, NaiveDate) {
    let today = promise.now_local.date();
    let mut departs = today;
    while !weekday(departs) || (departs == today && promise.now_local.time() >= quote.cutoff_local)
    {
        departs += Duration::days(1);
    }
    let mut delivers = departs;
    let mut left = quote.transit_days;
    while left > 0 {
        delivers += Duration::days(1);
        if weekday(delivers) {
            left -= 1;
        }
    }
    (departs, delivers)
}

/// Ship-by is the last day the parcel may leave.
fn meets_ship_by(promise: &Promise, quote: &Quote) -> bool {
    let (departs, _) = reference_delivery(promise, quote);
    promise.ship_by.is_none_or(|by| departs <= by)
}

fn keeps_promise(promise: &Promise, quote: &Quote) -> bool {
    meets_ship_by(promise, quote) && quote.level >= promise.min_level
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_choice_keeps_the_promise_whenever_it_can(quotes in quotes(), promise in promise()) {
        let result = choose(quotes.clone(), &promise);
        prop_assert_eq!(
            result.alternatives.len() + usize::from(result.chosen.is_some()),
            quotes.len()
        );
        let Some(chosen) = &result.chosen else {
            prop_assert!(quotes.is_empty());
            prop_assert_eq!(result.outcome, Outcome::NoQuotes);
            return Ok(());
        };
        // Dates agree with the day-by-day reference, for every candidate.
        for c in result.alternatives.iter().chain(std::iter::once(chosen)) {
            let (departs, delivers) = reference_delivery(&promise, &c.quote);
            prop_assert_eq!(c.departs_on, departs);
            prop_assert_eq!(c.delivers_on, delivers);
            prop_assert_eq!(c.meets_ship_by, meets_ship_by(&promise, &c.quote));
            prop_assert_eq!(c.meets_level, c.quote.level >= promise.min_level);
            prop_assert_eq!(c.keeps_promise(), c.why_not.is_empty());
        }

        let any_on_time = quotes.iter().any(|q| meets_ship_by(&promise, q));
        if any_on_time {
            prop_assert!(chosen.meets_ship_by, "{chosen:?} is late though a service is on time");
        }
        let qualifying: Vec<&Quote> = quotes.iter().filter(|q| keeps_promise(&promise, q)).collect();
        for q in &qualifying {
            prop_assert!(
                chosen.quote.price_cents <= q.price_cents,
                "chose {} at {} over {} at {}",
                chosen.quote.service, chosen.quote.price_cents, q.service, q.price_cents
            );
        }
        match result.outcome {
            Outcome::OnTime => prop_assert!(chosen.keeps_promise()),
            Outcome::BelowLevel => {
                prop_assert!(qualifying.is_empty());
                prop_assert!(chosen.meets_ship_by && !chosen.meets_level);
            }
            Outcome::Late => {
                prop_assert!(!any_on_time);
                let fastest = quotes
                    .iter()
                    .map(|q| reference_delivery(&promise, q).1)
                    .min();
                prop_assert_eq!(Some(chosen.delivers_on), fastest);
            }
            Outcome::NoQuotes => prop_assert!(false, "a choice with no quotes"),
        }
        prop_assert_eq!(result.outcome == Outcome::OnTime, !qualifying.is_empty());
        // Alternatives: those keeping the promise first, each group by price.
        let keeps: Vec<bool> = result.alternatives.iter().map(|c| c.keeps_promise()).collect();
        prop_assert!(keeps.windows(2).all(|w| w[0] || !w[1]), "{keeps:?}");
    }

    #[test]
    fn the_demo_sheet_choice_keeps_the_promise_whenever_it_can(
        to_zip in select(vec!["60601", "63101", "64105", "11201", "92101", "98101", "33101", "02108"]),
        grams in vec(50u32..40_000, 1..4),
        promise in promise(),
    ) {
        let sheet = RateSheet::demo().expect("the demo sheet parses");
        let shipment = ShipmentRequest {
            from_zip: "60431".into(),
            to_zip: to_zip.into(),
            packages: grams
                .iter()
                .map(|g| aisle::domain::rate_shop::Package { billable_weight_g: *g })
                .collect(),
        };
        let result = shop(&sheet, &ShopRequest { shipment, promise }).expect("the demo ZIPs rate");
        let mut all: Vec<&Quote> = result.alternatives.iter().map(|c| &c.quote).collect();
        let chosen = result.chosen.as_ref().expect("a demo shipment is always quotable");
        all.push(&chosen.quote);
        prop_assert_eq!(all.len() + result.unavailable.len(), 10);
        if all.iter().any(|q| meets_ship_by(&promise, q)) {
            prop_assert!(chosen.meets_ship_by);
        }
        for q in all.iter().filter(|q| keeps_promise(&promise, q)) {
            prop_assert!(chosen.quote.price_cents <= q.price_cents);
        }
    }
}

/// The generators reach every case the properties speak of: single cartons, splits and errors;
/// on time, below level and late.
#[test]
fn generators_reach_every_case() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let (mut single, mut split, mut error) = (0, 0, 0);
    for _ in 0..300 {
        let items = items().new_tree(&mut runner).expect("items").current();
        let catalogue = catalogue()
            .new_tree(&mut runner)
            .expect("a catalogue")
            .current();
        match suggest(&items, &catalogue) {
            Ok(plans) if plans.len() == 1 => single += 1,
            Ok(_) => split += 1,
            Err(_) => error += 1,
        }
    }
    assert!(
        single >= 20 && split >= 20 && error >= 20,
        "{single} {split} {error}"
    );

    let mut outcomes = std::collections::HashMap::new();
    for _ in 0..300 {
        let quotes = quotes().new_tree(&mut runner).expect("quotes").current();
        let promise = promise()
            .new_tree(&mut runner)
            .expect("a promise")
            .current();
        *outcomes
            .entry(format!("{:?}", choose(quotes, &promise).outcome))
            .or_insert(0) += 1;
    }
    for outcome in ["OnTime", "BelowLevel", "Late", "NoQuotes"] {
        assert!(
            outcomes.get(outcome).copied().unwrap_or(0) >= 5,
            "{outcomes:?}"
        );
    }
}
