//! The walking-distance benchmark (issue 4): how far pickers walk with our batches and routes,
//! beside first-come-first-served batches walked in an S-shape, on the same generated orders.
//!
//! A single-block warehouse is generated (aisles between a front and a back cross-aisle, the
//! depot at the front left), and orders of one to four lines at uniformly random bin positions
//! (random storage, as in most of the batching literature). Each round draws new orders from its
//! own seed and walks them four ways: batching first come, first served or by
//! [`batching::seed_batches`], each route walked S-shape or optimally ([`routing::optimal`],
//! Ratliff and Rosenthal). The headline compares ours (seed batches, optimal routes) with the
//! baseline (FCFS, S-shape); the two middle rows show what each half contributes. No database:
//! this measures distance, not speed.

use serde::Serialize;

use super::{SeededRng, median};
use crate::domain::batching;
use crate::domain::routing::{self, BlockLayout, PickPoint};
use crate::{Error, Result};

/// What to run.
#[derive(Debug, Clone)]
pub struct WalkingBenchOptions {
    pub orders: usize,
    pub cart_size: usize,
    pub rounds: usize,
    pub aisles: usize,
    /// How many waiting orders (in queue order) a cart may choose from.
    pub window: usize,
    pub seed: u64,
}

impl Default for WalkingBenchOptions {
    fn default() -> Self {
        WalkingBenchOptions {
            orders: 2_000,
            cart_size: 8,
            rounds: 5,
            aisles: 12,
            window: 32,
            seed: 2026,
        }
    }
}

/// Aisle geometry, in metres: the demo warehouse's proportions.
const AISLE_SPACING: f64 = 3.0;
const AISLE_LENGTH: f64 = 30.0;
/// Bin positions along each aisle (both sides share a position).
const POSITIONS_PER_AISLE: usize = 40;
/// Lines per order, 1 to 4: most orders are small.
const LINES_PER_ORDER_WEIGHTS: [u32; 4] = [50, 25, 15, 10];

/// One way of batching and routing, over all rounds.
#[derive(Debug, Clone, Serialize)]
pub struct Method {
    pub name: &'static str,
    /// Total metres walked, per round.
    pub per_round_m: Vec<f64>,
    pub median_m: f64,
    /// Saving against the baseline, in percent of the baseline (median over rounds).
    pub saving_pct: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct WalkingBenchReport {
    pub orders_per_round: usize,
    pub lines_per_round: Vec<usize>,
    pub cart_size: usize,
    pub aisles: usize,
    pub window: usize,
    pub rounds: usize,
    pub seed: u64,
    pub methods: Vec<Method>,
    pub notes: Vec<String>,
}

impl WalkingBenchReport {
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "aisle walking benchmark: {} orders per round ({} lines median), carts of {}, {} aisles of {AISLE_LENGTH} m, {} rounds, seed {}\n\n",
            self.orders_per_round,
            self.lines_per_round
                .get(self.lines_per_round.len() / 2)
                .copied()
                .unwrap_or_default(),
            self.cart_size,
            self.aisles,
            self.rounds,
            self.seed,
        );
        text.push_str(&format!(
            "{:<38} {:>14} {:>10}\n",
            "batching + routing", "metres, median", "saving"
        ));
        for method in &self.methods {
            text.push_str(&format!(
                "{:<38} {:>14.0} {:>9.1}%\n",
                method.name, method.median_m, method.saving_pct
            ));
        }
        text.push('\n');
        for note in &self.notes {
            text.push_str(&format!("note: {note}\n"));
        }
        text
    }
}

/// Runs every round and every method.
pub fn run(options: &WalkingBenchOptions) -> Result<WalkingBenchReport> {
    if options.orders == 0 || options.cart_size == 0 || options.rounds == 0 || options.aisles == 0 {
        return Err(Error::Invalid(
            "walking benchmark: expected at least one order, one tote per cart, one round and one aisle"
                .into(),
        ));
    }
    let layout = BlockLayout {
        aisle_xs: (0..options.aisles)
            .map(|i| AISLE_SPACING * (i as f64 + 1.0))
            .collect(),
        front_y: 0.0,
        back_y: AISLE_LENGTH,
        depot: (0.0, -2.0),
    };
    type Batcher<'a> = Box<dyn Fn(&[Vec<PickPoint>]) -> Vec<Vec<usize>> + 'a>;
    type Router = fn(&BlockLayout, &[PickPoint]) -> routing::Route;
    let fcfs: Batcher =
        Box::new(|orders| batching::first_come_first_served(orders.len(), options.cart_size));
    let seed: Batcher = Box::new(|orders| {
        batching::seed_batches(&layout, orders, options.cart_size, options.window)
    });
    let ways: [(&'static str, &Batcher, Router); 4] = [
        ("FCFS + S-shape (baseline)", &fcfs, routing::s_shape),
        ("FCFS + optimal route", &fcfs, routing::optimal),
        ("seed batches + S-shape", &seed, routing::s_shape),
        (
            "seed batches + optimal route (ours)",
            &seed,
            routing::optimal,
        ),
    ];

    let mut per_method: Vec<Vec<f64>> = vec![Vec::new(); ways.len()];
    let mut lines_per_round = Vec::new();
    for round in 0..options.rounds {
        let mut rng = SeededRng::stream(options.seed, round as u64);
        let orders = generate_orders(&mut rng, options);
        lines_per_round.push(orders.iter().map(Vec::len).sum());
        for (totals, (_, batcher, router)) in per_method.iter_mut().zip(ways.iter()) {
            let total: f64 = batcher(&orders)
                .iter()
                .map(|cart| {
                    let points: Vec<PickPoint> = cart
                        .iter()
                        .flat_map(|&o| orders[o].iter().copied())
                        .collect();
                    router(&layout, &points).length
                })
                .sum();
            totals.push(total);
        }
    }
    let baseline = per_method[0].clone();
    let methods = ways
        .iter()
        .zip(per_method)
        .map(|((name, _, _), per_round_m)| {
            let savings: Vec<f64> = per_round_m
                .iter()
                .zip(&baseline)
                .map(|(ours, base)| 100.0 * (base - ours) / base)
                .collect();
            Method {
                name,
                median_m: median(&per_round_m),
                saving_pct: median(&savings),
                per_round_m,
            }
        })
        .collect();
    lines_per_round.sort_unstable();
    Ok(WalkingBenchReport {
        orders_per_round: options.orders,
        lines_per_round,
        cart_size: options.cart_size,
        aisles: options.aisles,
        window: options.window,
        rounds: options.rounds,
        seed: options.seed,
        methods,
        notes: vec![
            format!(
                "single block: {} aisles {AISLE_SPACING} m apart between a front and a back cross-aisle, depot at the front left",
                options.aisles
            ),
            format!(
                "orders of 1-4 lines at uniformly random bins ({POSITIONS_PER_AISLE} positions per aisle), a new draw each round; one order per tote"
            ),
            format!(
                "seed batches: the most urgent waiting order seeds a cart, the rest chosen among the next {} waiting orders by least added route length (largest-gap estimate)",
                options.window
            ),
            "S-shape: every aisle with a pick walked end to end; optimal: Ratliff and Rosenthal's dynamic program for a single block".to_string(),
            "saving: against the baseline in the same round, median over rounds".to_string(),
        ],
    })
}

fn generate_orders(rng: &mut SeededRng, options: &WalkingBenchOptions) -> Vec<Vec<PickPoint>> {
    let total_weight: u32 = LINES_PER_ORDER_WEIGHTS.iter().sum();
    let step = AISLE_LENGTH / POSITIONS_PER_AISLE as f64;
    (0..options.orders)
        .map(|_| {
            let mut pick = rng.below(total_weight as usize) as u32;
            let mut lines = 1;
            for (i, weight) in LINES_PER_ORDER_WEIGHTS.iter().enumerate() {
                if pick < *weight {
                    lines = i + 1;
                    break;
                }
                pick -= weight;
            }
            (0..lines)
                .map(|_| PickPoint {
                    aisle: rng.below(options.aisles),
                    y: step * (rng.below(POSITIONS_PER_AISLE) as f64 + 0.5),
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ours_never_walks_further_than_the_baseline_and_rows_are_consistent() {
        let options = WalkingBenchOptions {
            orders: 120,
            rounds: 2,
            ..WalkingBenchOptions::default()
        };
        let report = run(&options).unwrap();
        assert_eq!(report.methods.len(), 4);
        let baseline = &report.methods[0];
        assert_eq!(baseline.saving_pct, 0.0);
        // The optimal route never loses to S-shape on the same carts.
        for round in 0..2 {
            assert!(report.methods[1].per_round_m[round] <= baseline.per_round_m[round] + 1e-6);
            assert!(
                report.methods[3].per_round_m[round] <= report.methods[2].per_round_m[round] + 1e-6
            );
        }
        assert!(report.methods[3].saving_pct > 0.0, "{}", report.to_text());
        assert!(report.to_text().contains("(ours)"));
    }

    #[test]
    fn the_same_seed_gives_the_same_figures() {
        let options = WalkingBenchOptions {
            orders: 50,
            rounds: 1,
            ..WalkingBenchOptions::default()
        };
        let a = run(&options).unwrap();
        let b = run(&options).unwrap();
        assert_eq!(a.methods[3].per_round_m, b.methods[3].per_round_m);
    }
}
