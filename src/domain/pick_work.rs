//! A claimed batch as the picker's terminal holds it: the cart's slots (one order per tote) and
//! the tasks in walking order. The terminal checks location, item, lot and quantity against this
//! before anything reaches the database, and goes on from it while the database is away.

use chrono::NaiveDate;
use serde::Serialize;

/// What a task does with units; all use the same guided flow (from, item, quantity, to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    /// Bin → the tote of the task's cart slot.
    Pick,
    /// Reserve → bin, ahead of picks that need it.
    Replenish,
    /// Tote or station → bin, after a cancellation.
    PutBack,
}

impl WorkKind {
    pub fn from_db(kind: &str) -> Option<WorkKind> {
        match kind {
            "pick" => Some(WorkKind::Pick),
            "replenish" => Some(WorkKind::Replenish),
            "put_back" => Some(WorkKind::PutBack),
            _ => None,
        }
    }
}

/// One cart slot: the order it carries and, once the cart is built, its tote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CartSlot {
    pub slot: i32,
    pub order_id: i64,
    /// The order's reference as the channel gave it (`#1001`, an Amazon order id, a PO).
    pub order_ref: String,
    pub tote_location_id: Option<i32>,
    /// The tote's code (`TOTE-0001`) once bound.
    pub tote: Option<String>,
}

/// A GTIN of the task's SKU and how many eaches one scan of it counts (a case counts its pack).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskBarcode {
    /// Normalised to 14 digits.
    pub gtin: String,
    pub units: i32,
}

/// One task line, as the terminal guides it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkTask {
    pub task_id: i64,
    pub kind: WorkKind,
    /// Route order within the batch, 1-based.
    pub seq: i32,
    pub from_location_id: i32,
    pub from_location: String,
    /// Where the units go: the bin of a replenishment or put-back; `None` for a pick, which
    /// goes to its slot's tote.
    pub to_location_id: Option<i32>,
    pub to_location: Option<String>,
    /// The cart slot a pick fills; `None` for replenishment and put-back.
    pub slot: Option<i32>,
    pub sku_id: i32,
    pub sku: String,
    pub name: String,
    /// The allocated lot (blank when the SKU is not lot-controlled).
    pub lot: String,
    pub lot_controlled: bool,
    pub expiry: Option<NaiveDate>,
    /// Every unit must be scanned; otherwise the quantity may be keyed.
    pub scan_each: bool,
    pub barcodes: Vec<TaskBarcode>,
    pub quantity: i32,
    pub done_qty: i32,
}

impl WorkTask {
    pub fn units_left(&self) -> i32 {
        (self.quantity - self.done_qty).max(0)
    }

    pub fn is_finished(&self) -> bool {
        self.units_left() == 0
    }

    /// How many units one scan of `gtin` counts, if it is this task's SKU.
    pub fn units_per_scan(&self, gtin: &str) -> Option<i32> {
        self.barcodes
            .iter()
            .find(|barcode| barcode.gtin == gtin)
            .map(|barcode| barcode.units)
    }
}

/// A claimed batch: its cart and its tasks in walking order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchWork {
    pub batch_id: i64,
    /// The planned walk, depot to depot, in metres.
    pub route_m: Option<f64>,
    /// How long the claim lives without a renewal, so the terminal renews well before.
    pub lease_seconds: i32,
    pub slots: Vec<CartSlot>,
    pub tasks: Vec<WorkTask>,
}

impl BatchWork {
    /// The first slot still without a tote: the cart is built slot by slot.
    pub fn next_unbound_slot(&self) -> Option<&CartSlot> {
        self.slots
            .iter()
            .find(|slot| slot.tote_location_id.is_none())
    }

    /// The first task with units left, in route order.
    pub fn current_task(&self) -> Option<&WorkTask> {
        self.tasks.iter().find(|task| !task.is_finished())
    }

    /// 1-based position of the current task among all tasks, and how many there are.
    pub fn position(&self) -> (usize, usize) {
        let done = self.tasks.iter().filter(|task| task.is_finished()).count();
        ((done + 1).min(self.tasks.len()), self.tasks.len())
    }

    /// Units still to move over the whole batch.
    pub fn units_left(&self) -> i32 {
        self.tasks.iter().map(WorkTask::units_left).sum()
    }

    pub fn slot(&self, slot: i32) -> Option<&CartSlot> {
        self.slots.iter().find(|s| s.slot == slot)
    }

    /// Every task has been done (or shorted to nothing left).
    pub fn is_finished(&self) -> bool {
        self.tasks.iter().all(WorkTask::is_finished)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: i64, quantity: i32, done_qty: i32) -> WorkTask {
        WorkTask {
            task_id: id,
            kind: WorkKind::Pick,
            seq: i32::try_from(id).unwrap(),
            from_location_id: 1,
            from_location: "A-01-01-1".into(),
            to_location_id: None,
            to_location: None,
            slot: Some(1),
            sku_id: 1,
            sku: "TEE-M".into(),
            name: "Tee".into(),
            lot: String::new(),
            lot_controlled: false,
            expiry: None,
            scan_each: false,
            barcodes: vec![TaskBarcode {
                gtin: "00012345678905".into(),
                units: 1,
            }],
            quantity,
            done_qty,
        }
    }

    #[test]
    fn the_current_task_is_the_first_with_units_left() {
        let work = BatchWork {
            batch_id: 1,
            route_m: None,
            lease_seconds: 300,
            slots: vec![],
            tasks: vec![task(1, 2, 2), task(2, 3, 1), task(3, 1, 0)],
        };
        assert_eq!(work.current_task().map(|t| t.task_id), Some(2));
        assert_eq!(work.position(), (2, 3));
        assert_eq!(work.units_left(), 3);
        assert!(!work.is_finished());
        assert_eq!(work.tasks[1].units_per_scan("00012345678905"), Some(1));
        assert_eq!(work.tasks[1].units_per_scan("00000000000000"), None);
    }
}
