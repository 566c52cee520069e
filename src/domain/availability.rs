//! Available-to-sell (DESIGN.md): `available = sellable_on_hand − open_reserved`, and a channel's
//! figure `clamp(floor(available × share / 100) − buffer, 0, cap)`. The SQL function
//! `inv_refresh_channel_figures` computes the same in the database; a test holds the two equal.

use serde::Serialize;

/// A channel listing's allocation rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AllocationRule {
    /// Share of available, in percent (0–100).
    pub share_pct: i32,
    /// The most the channel is ever offered; `None` for no cap.
    pub cap: Option<i32>,
    /// Units held back from the channel as a safety margin.
    pub buffer: i32,
}

impl AllocationRule {
    pub const ALL: AllocationRule = AllocationRule {
        share_pct: 100,
        cap: None,
        buffer: 0,
    };

    /// The figure this channel may sell, for a warehouse's available quantity.
    pub fn figure(self, available: i64) -> i64 {
        let shared = available.max(0) * i64::from(self.share_pct.clamp(0, 100)) / 100;
        let offered = shared - i64::from(self.buffer.max(0));
        let capped = match self.cap {
            Some(cap) => offered.min(i64::from(cap.max(0))),
            None => offered,
        };
        capped.max(0)
    }
}

/// Available to sell for a (warehouse, sku); never below zero since reservations never exceed
/// sellable stock.
pub fn available(sellable_on_hand: i64, open_reserved: i64) -> i64 {
    (sellable_on_hand - open_reserved).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figure_applies_share_then_buffer_then_cap() {
        let rule = AllocationRule {
            share_pct: 80,
            cap: Some(10),
            buffer: 2,
        };
        assert_eq!(rule.figure(0), 0);
        assert_eq!(rule.figure(3), 0); // floor(2.4) - 2 = 0
        assert_eq!(rule.figure(5), 2); // floor(4.0) - 2
        assert_eq!(rule.figure(9), 5); // floor(7.2) - 2
        assert_eq!(rule.figure(100), 10); // capped
        assert_eq!(AllocationRule::ALL.figure(7), 7);
    }

    #[test]
    fn figure_is_monotone_and_bounded() {
        for share_pct in [0, 1, 33, 50, 99, 100] {
            for buffer in [0, 1, 5] {
                for cap in [None, Some(0), Some(4), Some(1000)] {
                    let rule = AllocationRule {
                        share_pct,
                        cap,
                        buffer,
                    };
                    let mut previous = 0;
                    for available in 0..300 {
                        let figure = rule.figure(available);
                        assert!(figure >= previous, "{rule:?} not monotone at {available}");
                        assert!(figure <= available);
                        assert!(cap.is_none_or(|c| figure <= i64::from(c)));
                        previous = figure;
                    }
                }
            }
        }
    }
}
