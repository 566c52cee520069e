//! Batching orders onto a cart of totes, one order per tote, so that urgent orders go first and a
//! cart's orders lie close together.
//!
//! Orders arrive in queue order (manual priority, at-risk cutoffs, due time: intake's order), each
//! as the pick points its lines need. Two ways to fill carts:
//!
//! - [`first_come_first_served`]: consecutive orders of the queue fill each cart. The baseline of
//!   the walking-distance benchmark, as in the order-batching literature.
//! - [`seed_batches`]: the most urgent waiting order seeds a cart; each further tote goes to the
//!   waiting order, among the next `window` in the queue, that adds the least walking to the cart's
//!   route (a seed heuristic with a route-length criterion; de Koster et al. 1999 found seed and
//!   savings methods well ahead of first come, first served). The window keeps urgency first:
//!   proximity only chooses among orders of similar rank, and the seed is always the most
//!   urgent order left, so no order waits behind more than `window` later ones.

use crate::domain::routing::{BlockLayout, PickPoint, largest_gap};

/// Consecutive runs of `cart_size` orders (indices into the queue), the last one possibly short.
pub fn first_come_first_served(orders: usize, cart_size: usize) -> Vec<Vec<usize>> {
    let cart_size = cart_size.max(1);
    (0..orders)
        .collect::<Vec<_>>()
        .chunks(cart_size)
        .map(<[usize]>::to_vec)
        .collect()
}

/// Carts of up to `cart_size` orders (indices into `orders`, which is in queue order), each seeded
/// by the most urgent order left and filled from the next `window` waiting orders by least added
/// route length. Every order lands in exactly one cart.
pub fn seed_batches(
    layout: &BlockLayout,
    orders: &[Vec<PickPoint>],
    cart_size: usize,
    window: usize,
) -> Vec<Vec<usize>> {
    let cart_size = cart_size.max(1);
    let window = window.max(1);
    // Waiting orders in queue order; removal keeps that order.
    let mut waiting: Vec<usize> = (0..orders.len()).collect();
    let mut carts = Vec::new();
    while !waiting.is_empty() {
        let seed = waiting.remove(0);
        let mut cart = vec![seed];
        let mut points = orders[seed].clone();
        let mut length = largest_gap(layout, &points).length;
        while cart.len() < cart_size && !waiting.is_empty() {
            let mut best: Option<(usize, f64)> = None;
            for (place, &candidate) in waiting.iter().enumerate().take(window) {
                let mut with = points.clone();
                with.extend_from_slice(&orders[candidate]);
                let added = largest_gap(layout, &with).length - length;
                // Ties go to the more urgent order (the earlier place).
                if best.is_none_or(|(_, best_added)| added < best_added - 1e-9) {
                    best = Some((place, added));
                }
            }
            let Some((place, added)) = best else {
                break;
            };
            let chosen = waiting.remove(place);
            points.extend_from_slice(&orders[chosen]);
            length += added;
            cart.push(chosen);
        }
        carts.push(cart);
    }
    carts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> BlockLayout {
        BlockLayout {
            aisle_xs: (0..10).map(|i| 3.0 * f64::from(i)).collect(),
            front_y: 0.0,
            back_y: 20.0,
            depot: (0.0, -1.0),
        }
    }

    fn at(aisle: usize, y: f64) -> Vec<PickPoint> {
        vec![PickPoint { aisle, y }]
    }

    #[test]
    fn first_come_first_served_cuts_the_queue_into_carts() {
        assert_eq!(
            first_come_first_served(5, 2),
            vec![vec![0, 1], vec![2, 3], vec![4]]
        );
        assert!(first_come_first_served(0, 4).is_empty());
    }

    #[test]
    fn seeds_are_the_most_urgent_and_neighbours_fill_the_cart() {
        // Queue: far left, far right, far left, far right. Two carts of two: the seed of each
        // cart is the most urgent order left, and its partner is the one in the same aisle.
        let orders = vec![at(0, 5.0), at(9, 5.0), at(0, 6.0), at(9, 6.0)];
        let carts = seed_batches(&layout(), &orders, 2, 8);
        assert_eq!(carts, vec![vec![0, 2], vec![1, 3]]);
        // First come, first served pairs the two ends of the warehouse instead.
        assert_eq!(first_come_first_served(4, 2), vec![vec![0, 1], vec![2, 3]]);
    }

    #[test]
    fn the_window_keeps_urgent_orders_from_waiting_behind_close_ones() {
        // Order 0 is far from everything else; with a window of 1 the cart takes the next order
        // in the queue whatever the distance, so nothing is skipped.
        let orders = vec![at(0, 1.0), at(9, 19.0), at(0, 2.0), at(0, 3.0)];
        let carts = seed_batches(&layout(), &orders, 2, 1);
        assert_eq!(carts, vec![vec![0, 1], vec![2, 3]]);
    }

    #[test]
    fn every_order_is_in_exactly_one_cart_of_at_most_cart_size() {
        let orders: Vec<Vec<PickPoint>> = (0..37)
            .map(|i| at(i * 7 % 10, f64::from((i * 13 % 19) as u32) + 0.5))
            .collect();
        let carts = seed_batches(&layout(), &orders, 8, 16);
        let mut seen: Vec<usize> = carts.iter().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..37).collect::<Vec<_>>());
        assert!(carts.iter().all(|c| !c.is_empty() && c.len() <= 8));
    }
}
