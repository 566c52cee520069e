//! Allocating an order's reserved units to pick bins (DESIGN.md, "Reservations"): earliest
//! expiry first for lot-controlled SKUs, then the bin that comes first on the walk; never more
//! from a bin than it holds minus what other open tasks already take from it. An order is
//! allocated whole or not at all, so a cart never carries an order that cannot be completed.

use std::collections::HashMap;

use chrono::NaiveDate;

/// What one bin can still give of one SKU and lot.
#[derive(Debug, Clone, PartialEq)]
pub struct BinStock {
    pub location_id: i32,
    pub sku_id: i32,
    pub lot: String,
    pub expiry: Option<NaiveDate>,
    /// on_hand minus the open tasks' remaining quantities from this (bin, SKU, lot).
    pub available: i32,
    pub pick_sequence: Option<i32>,
    pub code: String,
}

/// Units of an order line to pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineNeed {
    pub order_line_id: i64,
    pub sku_id: i32,
    pub quantity: i32,
}

/// Units of a line to take from one bin and lot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    pub order_line_id: i64,
    pub sku_id: i32,
    pub location_id: i32,
    pub lot: String,
    pub quantity: i32,
}

/// The bins of every SKU, each in the order it is drawn from.
#[derive(Debug, Clone, Default)]
pub struct BinBook {
    by_sku: HashMap<i32, Vec<BinStock>>,
}

impl BinBook {
    pub fn new(stock: impl IntoIterator<Item = BinStock>) -> Self {
        let mut by_sku: HashMap<i32, Vec<BinStock>> = HashMap::new();
        for bin in stock.into_iter().filter(|b| b.available > 0) {
            by_sku.entry(bin.sku_id).or_default().push(bin);
        }
        for bins in by_sku.values_mut() {
            bins.sort_by(|a, b| {
                // Earliest expiry first (no expiry last), then walk order, then code.
                (
                    a.expiry.is_none(),
                    a.expiry,
                    a.pick_sequence.is_none(),
                    a.pick_sequence,
                )
                    .cmp(&(
                        b.expiry.is_none(),
                        b.expiry,
                        b.pick_sequence.is_none(),
                        b.pick_sequence,
                    ))
                    .then_with(|| a.code.cmp(&b.code))
            });
        }
        BinBook { by_sku }
    }

    /// Units of a SKU the bins can still give.
    pub fn available(&self, sku_id: i32) -> i64 {
        self.by_sku
            .get(&sku_id)
            .map_or(0, |bins| bins.iter().map(|b| i64::from(b.available)).sum())
    }

    /// Allocates every line of an order and takes the units from the book, or, when some line
    /// cannot be covered, takes nothing and returns the SKUs that fell short.
    pub fn allocate_order(&mut self, lines: &[LineNeed]) -> Result<Vec<Allocation>, Vec<i32>> {
        let mut wanted: HashMap<i32, i64> = HashMap::new();
        for line in lines {
            *wanted.entry(line.sku_id).or_default() += i64::from(line.quantity.max(0));
        }
        let mut short: Vec<i32> = wanted
            .iter()
            .filter(|(sku, want)| self.available(**sku) < **want)
            .map(|(sku, _)| *sku)
            .collect();
        if !short.is_empty() {
            short.sort_unstable();
            return Err(short);
        }
        let mut allocations = Vec::new();
        for line in lines {
            let mut left = line.quantity.max(0);
            let Some(bins) = self.by_sku.get_mut(&line.sku_id) else {
                continue;
            };
            for bin in bins.iter_mut().filter(|b| b.available > 0) {
                if left == 0 {
                    break;
                }
                let take = left.min(bin.available);
                bin.available -= take;
                left -= take;
                allocations.push(Allocation {
                    order_line_id: line.order_line_id,
                    sku_id: line.sku_id,
                    location_id: bin.location_id,
                    lot: bin.lot.clone(),
                    quantity: take,
                });
            }
        }
        Ok(allocations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin(
        location_id: i32,
        lot: &str,
        expiry: Option<&str>,
        available: i32,
        seq: i32,
    ) -> BinStock {
        BinStock {
            location_id,
            sku_id: 7,
            lot: lot.into(),
            expiry: expiry.map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()),
            available,
            pick_sequence: Some(seq),
            code: format!("B-{location_id}"),
        }
    }

    fn need(line: i64, quantity: i32) -> LineNeed {
        LineNeed {
            order_line_id: line,
            sku_id: 7,
            quantity,
        }
    }

    #[test]
    fn earliest_expiry_goes_first_then_the_walk() {
        let mut book = BinBook::new([
            bin(1, "L-LATE", Some("2027-06-01"), 10, 1),
            bin(2, "L-SOON", Some("2027-01-01"), 3, 9),
            bin(3, "L-SOON", Some("2027-01-01"), 2, 5),
        ]);
        let got = book.allocate_order(&[need(100, 6)]).unwrap();
        let taken: Vec<(i32, &str, i32)> = got
            .iter()
            .map(|a| (a.location_id, a.lot.as_str(), a.quantity))
            .collect();
        assert_eq!(
            taken,
            vec![(3, "L-SOON", 2), (2, "L-SOON", 3), (1, "L-LATE", 1)]
        );
        assert_eq!(book.available(7), 9);
    }

    #[test]
    fn an_order_that_cannot_be_covered_takes_nothing() {
        let mut book = BinBook::new([bin(1, "", None, 4, 1)]);
        assert_eq!(book.allocate_order(&[need(1, 3), need(2, 2)]), Err(vec![7]));
        assert_eq!(book.available(7), 4, "nothing was taken");
        let got = book.allocate_order(&[need(3, 4)]).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(book.available(7), 0);
        // A bin other tasks already empty (available 0) is never drawn from.
        assert_eq!(book.allocate_order(&[need(4, 1)]), Err(vec![7]));
    }
}
