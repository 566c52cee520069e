//! Each scan of the guided flow checked against the task the terminal holds: the location, the
//! item (and its lot), the quantity and the destination. Pure: a refusal is a notice that says
//! what was expected, and nothing reaches the database.

use crate::app::notice::Notice;
use crate::domain::pick_work::{CartSlot, WorkKind, WorkTask};
use crate::domain::scan::Scan;
use crate::ui::strings;

/// The scan at the "go to location" step.
pub fn location(task: &WorkTask, scan: &Scan) -> Result<(), Notice> {
    match scan {
        Scan::Location(code) if *code == task.from_location => Ok(()),
        _ if item(task, scan).is_ok() => Err(strings::location_first(&task.from_location)),
        _ => Err(strings::wrong_location(&task.from_location)),
    }
}

/// The scan at the item step: how many units it counts. A lot-controlled SKU's scan must carry
/// the allocated lot (GS1 AI 10); a SKU code typed from the label counts one unit where keying
/// is allowed.
pub fn item(task: &WorkTask, scan: &Scan) -> Result<i32, Notice> {
    let (gtin, lot) = match scan {
        Scan::Gtin(gtin) => (gtin.as_str(), None),
        Scan::Gs1(elements) => match &elements.gtin {
            Some(gtin) => (gtin.as_str(), elements.lot.as_deref()),
            None => return Err(strings::wrong_item(&task.sku)),
        },
        // SKU codes have the shape of location codes (`TEE-BLK-M`), or none at all.
        Scan::Location(code) | Scan::Text(code)
            if code.eq_ignore_ascii_case(&task.sku) && !task.scan_each =>
        {
            return match task.lot_controlled {
                true => Err(strings::lot_needed(&task.lot)),
                false => Ok(1),
            };
        }
        _ => return Err(strings::wrong_item(&task.sku)),
    };
    let Some(units) = task.units_per_scan(gtin) else {
        return Err(strings::wrong_item(&task.sku));
    };
    if task.lot_controlled {
        match lot {
            None => return Err(strings::lot_needed(&task.lot)),
            Some(lot) if lot != task.lot => return Err(strings::wrong_lot(&task.lot, lot)),
            Some(_) => {}
        }
    }
    Ok(units)
}

/// Adds a scan's units to what was counted, refusing an over-pick.
pub fn count(task: &WorkTask, counted: i32, units: i32) -> Result<i32, Notice> {
    let left = task.units_left();
    match counted + units {
        total if total > left => Err(strings::over_pick(left - counted)),
        total => Ok(total),
    }
}

/// A keyed quantity: digits only, from 1 to what is left, where the SKU allows keying.
pub fn keyed_quantity(task: &WorkTask, text: &str) -> Option<Result<i32, Notice>> {
    let quantity = parse_number(text)?;
    let left = task.units_left();
    Some(if task.scan_each {
        Err(strings::scan_each_unit())
    } else if !(1..=left).contains(&quantity) {
        Err(strings::quantity_expected(left))
    } else {
        Ok(quantity)
    })
}

/// What the picker keyed as the bin's real content at a short: fewer than the task needs.
pub fn found(task: &WorkTask, counted: i32, text: &str) -> Result<i32, Notice> {
    let left = task.units_left() - counted;
    match parse_number(text) {
        Some(found) if (0..left).contains(&found) => Ok(found),
        _ => Err(strings::found_expected(left)),
    }
}

/// The committing scan: the slot's tote for a pick, the task's bin for a move. Returns the
/// destination's location id.
pub fn destination(task: &WorkTask, slot: Option<&CartSlot>, scan: &Scan) -> Result<i32, Notice> {
    let code = match scan {
        Scan::Location(code) => Some(code.as_str()),
        _ => None,
    };
    match task.kind {
        WorkKind::Pick => {
            let tote = slot.and_then(|slot| slot.tote.as_deref().zip(slot.tote_location_id));
            match (tote, code) {
                (Some((tote, id)), Some(code)) if code == tote => Ok(id),
                (Some((tote, _)), _) => Err(strings::wrong_tote(tote)),
                (None, _) => Err(strings::tote_expected()),
            }
        }
        WorkKind::Replenish | WorkKind::PutBack => {
            let to = task.to_location.as_deref().zip(task.to_location_id);
            match (to, code) {
                (Some((to, id)), Some(code)) if code == to => Ok(id),
                (Some((to, _)), _) => Err(strings::wrong_destination(to)),
                (None, _) => Err(strings::wrong_destination("?")),
            }
        }
    }
}

/// A plain count: digits only, at most six of them.
fn parse_number(text: &str) -> Option<i32> {
    let text = text.trim();
    if text.is_empty() || text.len() > 6 || !text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pick_work::TaskBarcode;
    use crate::domain::scan::{ScanConfig, classify};

    fn task() -> WorkTask {
        WorkTask {
            task_id: 1,
            kind: WorkKind::Pick,
            seq: 1,
            from_location_id: 10,
            from_location: "A-01-02-1".into(),
            to_location_id: None,
            to_location: None,
            slot: Some(2),
            sku_id: 5,
            sku: "VIT-C".into(),
            name: "Vitamin C".into(),
            lot: "L42".into(),
            lot_controlled: true,
            expiry: None,
            scan_each: false,
            barcodes: vec![
                TaskBarcode {
                    gtin: "00012345678905".into(),
                    units: 1,
                },
                TaskBarcode {
                    gtin: "10012345678902".into(),
                    units: 6,
                },
            ],
            quantity: 8,
            done_qty: 1,
        }
    }

    fn scan(text: &str) -> Scan {
        classify(text, &ScanConfig::default()).expect("a valid scan")
    }

    #[test]
    fn the_location_must_be_the_tasks() {
        let task = task();
        assert_eq!(location(&task, &scan("a-01-02-1")), Ok(()));
        assert_eq!(
            location(&task, &scan("A-01-02-2")).map_err(|n| n.long),
            Err("Wrong location: expected A-01-02-1".into())
        );
        let early = location(&task, &scan("(01)00012345678905(10)L42"));
        assert!(early.is_err_and(|n| n.long.contains("first")));
    }

    #[test]
    fn a_lot_controlled_item_needs_its_allocated_lot() {
        let task = task();
        assert_eq!(item(&task, &scan("(01)00012345678905(10)L42")), Ok(1));
        assert_eq!(item(&task, &scan("(01)10012345678902(10)L42")), Ok(6));
        assert_eq!(
            item(&task, &scan("(01)00012345678905(10)L43")).map_err(|n| n.long),
            Err("Wrong lot: expected L42, scanned L43".into())
        );
        assert!(item(&task, &scan("012345678905")).is_err_and(|n| n.long.contains("lot L42")));
        assert!(item(&task, &scan("4006381333931")).is_err_and(|n| n.short.starts_with("Expect")));
    }

    #[test]
    fn counting_refuses_an_over_pick_and_keying_follows_the_sku() {
        let mut task = task();
        assert_eq!(count(&task, 1, 6), Ok(7));
        assert!(count(&task, 2, 6).is_err_and(|n| n.short == "Over-pick: 5 left"));
        assert_eq!(keyed_quantity(&task, "7"), Some(Ok(7)));
        assert!(keyed_quantity(&task, "8").is_some_and(|r| r.is_err()));
        assert_eq!(keyed_quantity(&task, "A-01"), None);
        task.scan_each = true;
        assert!(
            keyed_quantity(&task, "2")
                .is_some_and(|r| r.is_err_and(|n| n.short == "Scan each unit"))
        );
        assert_eq!(found(&task, 0, "3"), Ok(3));
        assert!(found(&task, 0, "7").is_err(), "7 would not be short of 7");
    }

    #[test]
    fn the_destination_is_the_slots_tote() {
        let task = task();
        let slot = CartSlot {
            slot: 2,
            order_id: 9,
            order_ref: "#1001".into(),
            tote_location_id: Some(77),
            tote: Some("TOTE-0007".into()),
        };
        assert_eq!(destination(&task, Some(&slot), &scan("TOTE-0007")), Ok(77));
        assert_eq!(
            destination(&task, Some(&slot), &scan("TOTE-0008")).map_err(|n| n.long),
            Err("Wrong tote: expected TOTE-0007".into())
        );
    }
}
