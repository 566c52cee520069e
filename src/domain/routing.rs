//! Pick routes in a single-block warehouse: parallel aisles between a front and a back
//! cross-aisle, the depot in front. A picker walks along an aisle's centre line and changes aisle
//! only along a cross-aisle, so distances are sums of straight legs on that network.
//!
//! Two classic routing methods (Roodbergen and de Koster, 2001, compare them):
//! - [`s_shape`] (traversal): every aisle holding a pick is walked end to end, alternately up and
//!   down; with an odd number of such aisles the last one is entered from the front and left the
//!   same way. Pickers find it natural; it walks far when aisles hold few picks.
//! - [`largest_gap`] (Hall, 1993): the first and last pick aisles are walked end to end; every
//!   aisle between is entered from the back and from the front, leaving out its largest gap
//!   between picks (or between a cross-aisle and the nearest pick).
//!
//! [`best`] takes the shorter of the two for each route. The optimal single-block route
//! (Ratliff and Rosenthal's dynamic program) would never be longer; it is not here yet.

/// A single-block layout: aisles at sorted x positions between a front and a back cross-aisle.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockLayout {
    pub aisle_xs: Vec<f64>,
    pub front_y: f64,
    pub back_y: f64,
    /// Where carts start and end; it joins the front cross-aisle straight ahead of it.
    pub depot: (f64, f64),
}

/// A pick in aisle `aisle` (an index into `aisle_xs`) at depth `y`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PickPoint {
    pub aisle: usize,
    pub y: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// Indices into the points given, in the order they are visited (each exactly once).
    pub order: Vec<usize>,
    /// Length of the closed walk depot → points → depot, in metres.
    pub length: f64,
}

impl BlockLayout {
    fn x(&self, aisle: usize) -> f64 {
        self.aisle_xs.get(aisle).copied().unwrap_or(self.depot.0)
    }

    fn clamp(&self, y: f64) -> f64 {
        y.clamp(self.front_y, self.back_y)
    }
}

/// The shortest walk between two picks.
pub fn distance(layout: &BlockLayout, a: PickPoint, b: PickPoint) -> f64 {
    let (ya, yb) = (layout.clamp(a.y), layout.clamp(b.y));
    if a.aisle == b.aisle {
        return (ya - yb).abs();
    }
    let across = (layout.x(a.aisle) - layout.x(b.aisle)).abs();
    let via_front = (ya - layout.front_y) + (yb - layout.front_y);
    let via_back = (layout.back_y - ya) + (layout.back_y - yb);
    across + via_front.min(via_back)
}

/// The shortest walk from the depot to a pick (the same back).
pub fn from_depot(layout: &BlockLayout, p: PickPoint) -> f64 {
    (layout.depot.1 - layout.front_y).abs()
        + (layout.depot.0 - layout.x(p.aisle)).abs()
        + (layout.clamp(p.y) - layout.front_y)
}

/// A walk being laid out: waypoints on the aisle network, and the picks passed, in order.
struct Walk<'a> {
    layout: &'a BlockLayout,
    at: (f64, f64),
    length: f64,
    order: Vec<usize>,
}

impl<'a> Walk<'a> {
    fn start(layout: &'a BlockLayout) -> Self {
        let mut walk = Walk {
            layout,
            at: layout.depot,
            length: 0.0,
            order: Vec::new(),
        };
        walk.to(layout.depot.0, layout.front_y);
        walk
    }

    /// One straight leg: along an aisle (same x) or a cross-aisle (same y).
    fn to(&mut self, x: f64, y: f64) {
        self.length += (self.at.0 - x).abs() + (self.at.1 - y).abs();
        self.at = (x, y);
    }

    fn pick(&mut self, index: usize, x: f64, y: f64) {
        self.to(x, y);
        self.order.push(index);
    }

    fn finish(mut self) -> Route {
        let (x, y) = self.layout.depot;
        self.to(x, self.layout.front_y);
        self.to(x, y);
        Route {
            order: self.order,
            length: self.length,
        }
    }
}

/// Picks grouped by aisle, left to right, each aisle's picks front to back.
fn by_aisle(layout: &BlockLayout, points: &[PickPoint]) -> Vec<(f64, Vec<(usize, f64)>)> {
    let mut aisles: Vec<(usize, Vec<(usize, f64)>)> = Vec::new();
    let mut sorted: Vec<usize> = (0..points.len()).collect();
    sorted.sort_by(|&a, &b| {
        (points[a].aisle, layout.clamp(points[a].y))
            .partial_cmp(&(points[b].aisle, layout.clamp(points[b].y)))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    for i in sorted {
        let p = points[i];
        match aisles.last_mut() {
            Some((aisle, picks)) if *aisle == p.aisle => picks.push((i, layout.clamp(p.y))),
            _ => aisles.push((p.aisle, vec![(i, layout.clamp(p.y))])),
        }
    }
    let mut aisles: Vec<(f64, Vec<(usize, f64)>)> = aisles
        .into_iter()
        .map(|(aisle, picks)| (layout.x(aisle), picks))
        .collect();
    aisles.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    aisles
}

/// Into an aisle from the front, as deep as its deepest pick, and back out.
fn return_trip(walk: &mut Walk, x: f64, picks: &[(usize, f64)]) {
    let front = walk.layout.front_y;
    walk.to(x, front);
    for &(i, y) in picks {
        walk.pick(i, x, y);
    }
    walk.to(x, front);
}

pub fn s_shape(layout: &BlockLayout, points: &[PickPoint]) -> Route {
    let aisles = by_aisle(layout, points);
    let mut walk = Walk::start(layout);
    let traversed = if aisles.len().is_multiple_of(2) {
        aisles.len()
    } else {
        aisles.len() - 1
    };
    for (k, (x, picks)) in aisles.iter().enumerate() {
        if k >= traversed {
            return_trip(&mut walk, *x, picks);
        } else if k % 2 == 0 {
            walk.to(*x, layout.front_y);
            for &(i, y) in picks {
                walk.pick(i, *x, y);
            }
            walk.to(*x, layout.back_y);
        } else {
            walk.to(*x, layout.back_y);
            for &(i, y) in picks.iter().rev() {
                walk.pick(i, *x, y);
            }
            walk.to(*x, layout.front_y);
        }
    }
    walk.finish()
}

pub fn largest_gap(layout: &BlockLayout, points: &[PickPoint]) -> Route {
    let aisles = by_aisle(layout, points);
    let mut walk = Walk::start(layout);
    match aisles.as_slice() {
        [] => {}
        [(x, picks)] => return_trip(&mut walk, *x, picks),
        [first, middle @ .., last] => {
            // Where each middle aisle splits: picks before it are taken from the front, the
            // rest from the back; the largest gap is never walked.
            let splits: Vec<usize> = middle
                .iter()
                .map(|(_, picks)| split(layout, picks))
                .collect();
            walk.to(first.0, layout.front_y);
            for &(i, y) in &first.1 {
                walk.pick(i, first.0, y);
            }
            walk.to(first.0, layout.back_y);
            for ((x, picks), &cut) in middle.iter().zip(&splits) {
                if cut < picks.len() {
                    walk.to(*x, layout.back_y);
                    for &(i, y) in picks[cut..].iter().rev() {
                        walk.pick(i, *x, y);
                    }
                    walk.to(*x, layout.back_y);
                }
            }
            walk.to(last.0, layout.back_y);
            for &(i, y) in last.1.iter().rev() {
                walk.pick(i, last.0, y);
            }
            walk.to(last.0, layout.front_y);
            for ((x, picks), &cut) in middle.iter().zip(&splits).rev() {
                if cut > 0 {
                    return_trip(&mut walk, *x, &picks[..cut]);
                }
            }
        }
    }
    walk.finish()
}

/// How many of an aisle's picks (front to back) to take from the front: the cut sits at the
/// largest gap, counting the gaps to both cross-aisles.
fn split(layout: &BlockLayout, picks: &[(usize, f64)]) -> usize {
    let mut edges = vec![layout.front_y];
    edges.extend(picks.iter().map(|&(_, y)| y));
    edges.push(layout.back_y);
    let mut best = (0, f64::NEG_INFINITY);
    for (cut, pair) in edges.windows(2).enumerate() {
        let gap = pair[1] - pair[0];
        if gap > best.1 {
            best = (cut, gap);
        }
    }
    best.0
}

/// The shorter of [`s_shape`] and [`largest_gap`].
pub fn best(layout: &BlockLayout, points: &[PickPoint]) -> Route {
    let s = s_shape(layout, points);
    let g = largest_gap(layout, points);
    if g.length < s.length { g } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> BlockLayout {
        // Three aisles 10 m apart, 20 m long, the depot 2 m in front of the first.
        BlockLayout {
            aisle_xs: vec![0.0, 10.0, 20.0],
            front_y: 0.0,
            back_y: 20.0,
            depot: (0.0, -2.0),
        }
    }

    fn p(aisle: usize, y: f64) -> PickPoint {
        PickPoint { aisle, y }
    }

    #[test]
    fn hand_computed_routes() {
        let l = layout();
        // Picks in aisles 0 and 2. S-shape: 2 to the front, up aisle 0 (20), across the back
        // (20), down aisle 2 (20), back along the front (20), 2 to the depot: 84. Largest gap
        // walks the same here.
        let two = [p(0, 5.0), p(2, 15.0)];
        assert_eq!(s_shape(&l, &two).length, 84.0);
        assert_eq!(largest_gap(&l, &two).length, 84.0);
        // One pick 4 m into aisle 1: 2 + 10 + 4, and back: 32.
        assert_eq!(s_shape(&l, &[p(1, 4.0)]).length, 32.0);
        assert_eq!(largest_gap(&l, &[p(1, 4.0)]).order, vec![0]);
        // Three aisles, the middle one with a pick near the front: S-shape traverses aisles 0
        // and 1 and makes a return trip into aisle 2: 2 + 20 + 10 + 20 + 10 + 2*18 + 20 + 2 = 120.
        let three = [p(0, 10.0), p(1, 3.0), p(2, 18.0)];
        assert_eq!(s_shape(&l, &three).length, 120.0);
        // Largest gap: up aisle 0, across the back to aisle 2, down it, and the middle pick from
        // the front on the way home: 2 + 20 + 20 + 20 + (10 + 2*3 + 10) + 2 = 90.
        assert_eq!(largest_gap(&l, &three).length, 90.0);
        assert_eq!(best(&l, &three).length, 90.0);
        assert_eq!(s_shape(&l, &[]).length, 4.0);
    }

    /// Shortest closed walk through the points in the given order, over the network.
    fn walk_of(l: &BlockLayout, points: &[PickPoint], order: &[usize]) -> f64 {
        let Some((&first, _)) = order.split_first() else {
            return 2.0 * (l.depot.1 - l.front_y).abs();
        };
        let last = order[order.len() - 1];
        from_depot(l, points[first])
            + order
                .windows(2)
                .map(|w| distance(l, points[w[0]], points[w[1]]))
                .sum::<f64>()
            + from_depot(l, points[last])
    }

    /// The true optimum by trying every order (small instances only).
    fn brute_force(l: &BlockLayout, points: &[PickPoint]) -> f64 {
        fn permute(
            l: &BlockLayout,
            points: &[PickPoint],
            order: &mut Vec<usize>,
            left: &mut Vec<usize>,
            best: &mut f64,
        ) {
            if left.is_empty() {
                *best = best.min(walk_of(l, points, order));
                return;
            }
            for k in 0..left.len() {
                let next = left.remove(k);
                order.push(next);
                permute(l, points, order, left, best);
                order.pop();
                left.insert(k, next);
            }
        }
        let mut best = f64::INFINITY;
        permute(
            l,
            points,
            &mut Vec::new(),
            &mut (0..points.len()).collect(),
            &mut best,
        );
        best
    }

    #[test]
    fn every_route_visits_each_pick_once_and_is_a_real_walk() {
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let l = BlockLayout {
            aisle_xs: (0..6).map(|i| 3.0 * f64::from(i) + 1.0).collect(),
            front_y: 0.0,
            back_y: 30.0,
            depot: (0.0, -1.0),
        };
        for _ in 0..300 {
            let n = 1 + next(6) as usize;
            let points: Vec<PickPoint> = (0..n)
                .map(|_| p(next(6) as usize, next(300) as f64 / 10.0))
                .collect();
            let optimum = brute_force(&l, &points);
            for route in [
                s_shape(&l, &points),
                largest_gap(&l, &points),
                best(&l, &points),
            ] {
                let mut seen = route.order.clone();
                seen.sort_unstable();
                assert_eq!(seen, (0..n).collect::<Vec<_>>(), "{points:?}");
                // The method's walk passes the picks in its order, so the shortest walk in
                // that order is no longer; and nothing beats the optimum.
                assert!(walk_of(&l, &points, &route.order) <= route.length + 1e-9);
                assert!(route.length >= optimum - 1e-9, "{points:?}");
            }
        }
    }
}
