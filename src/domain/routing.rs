//! Pick routes in a single-block warehouse: parallel aisles between a front and a back
//! cross-aisle, the depot in front. A picker walks along an aisle's centre line and changes aisle
//! only along a cross-aisle, so distances are sums of straight legs on that network. The depot
//! joins the front cross-aisle straight ahead of it; a pick in an aisle index past `aisle_xs` is
//! taken to stand in an aisle straight ahead of the depot.
//!
//! Three routing methods (Roodbergen and de Koster, 2001, compare them):
//! - [`s_shape`] (traversal): every aisle holding a pick is walked end to end, alternately up and
//!   down; with an odd number of such aisles the last one is entered from the front and left the
//!   same way. Pickers find it natural; it walks far when aisles hold few picks.
//! - [`largest_gap`] (Hall, 1993): the first and last pick aisles are walked end to end; every
//!   aisle between is entered from the back and from the front, leaving out its largest gap
//!   between picks (or between a cross-aisle and the nearest pick).
//! - [`optimal`] (Ratliff and Rosenthal, 1983): the shortest route. A dynamic program goes
//!   through the aisles left to right, keeping for each class of partial tour (the degree parity
//!   of the current aisle's front and back ends, and whether they are joined) the cheapest one;
//!   each aisle is skipped, walked through once or twice, entered from the front, from the back
//!   or from both ends leaving out its largest gap, and each stretch of cross-aisle is walked 0,
//!   1 or 2 times. The chosen walks form an Eulerian multigraph; the route is a circuit of it.
//!
//! [`best`] takes the shorter of the two heuristics for each route.

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

    /// A depth inside the aisles. NaN reads as the front, and `max`/`min` (unlike `f64::clamp`)
    /// never panic on a layout whose back is in front of its front.
    fn clamp(&self, y: f64) -> f64 {
        if y.is_nan() {
            self.front_y
        } else {
            y.max(self.front_y).min(self.back_y)
        }
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
    // total_cmp: a comparator that is not a total order may make `sort_by` panic.
    sorted.sort_by(|&a, &b| {
        points[a].aisle.cmp(&points[b].aisle).then(
            layout
                .clamp(points[a].y)
                .total_cmp(&layout.clamp(points[b].y)),
        )
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
    aisles.sort_by(|a, b| a.0.total_cmp(&b.0));
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

/// The S-shape (traversal) route. Convention: pick aisles are taken left to right, the first
/// walked front to back, the next back to front, and so on; with an odd number of them the last
/// is entered from the front as deep as its deepest pick and left the same way, so the picker
/// always ends on the front cross-aisle and walks it back to the depot.
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

/// The largest-gap route (Hall, 1993): out along the back cross-aisle, home along the front.
/// With a single pick aisle it is entered from the front as deep as its deepest pick.
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

/// The shortest route (Ratliff and Rosenthal, 1983). With no picks the picker stays at the depot
/// and the length is 0.
pub fn optimal(layout: &BlockLayout, points: &[PickPoint]) -> Route {
    if points.is_empty() {
        return Route {
            order: Vec::new(),
            length: 0.0,
        };
    }
    let columns = columns(layout, points);
    // Depot to the front cross-aisle and back: every route walks it.
    let stub = 2.0 * (layout.depot.1 - layout.front_y).abs();
    solve(layout, &columns)
        .and_then(|(length, plan)| {
            Some(Route {
                order: circuit_order(&columns, &plan, points.len())?,
                length: length + stub,
            })
        })
        // Only non-finite input leaves the program without a tour; a heuristic still gives
        // every pick a place.
        .unwrap_or_else(|| best(layout, points))
}

/// One place along the cross-aisles where the tour can turn: an aisle, or the depot's spot on
/// the front cross-aisle.
#[derive(Debug)]
struct Column {
    x: f64,
    /// Whether there is an aisle here (there is none at the depot's own spot).
    aisle: bool,
    depot: bool,
    /// Picks in the aisle (index, depth), front to back.
    picks: Vec<(usize, f64)>,
}

/// Every aisle, the aisles picks outside `aisle_xs` stand in, and the depot, left to right.
/// Empty aisles stay in, as in Ratliff and Rosenthal: the program is then exact by construction,
/// whether or not walking one is ever needed.
fn columns(layout: &BlockLayout, points: &[PickPoint]) -> Vec<Column> {
    let aisle = |x| Column {
        x,
        aisle: true,
        depot: false,
        picks: Vec::new(),
    };
    let mut columns: Vec<Column> = layout.aisle_xs.iter().map(|&x| aisle(x)).collect();
    // Aisle index -> column, for indices past `aisle_xs` (as `BlockLayout::x` places them).
    let mut stand_ins: Vec<(usize, usize)> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let column = if p.aisle < layout.aisle_xs.len() {
            p.aisle
        } else if let Some(&(_, c)) = stand_ins.iter().find(|(a, _)| *a == p.aisle) {
            c
        } else {
            columns.push(aisle(layout.depot.0));
            stand_ins.push((p.aisle, columns.len() - 1));
            columns.len() - 1
        };
        if let Some(c) = columns.get_mut(column) {
            c.picks.push((i, layout.clamp(p.y)));
        }
    }
    columns.push(Column {
        x: layout.depot.0,
        aisle: false,
        depot: true,
        picks: Vec::new(),
    });
    for c in &mut columns {
        c.picks.sort_by(|a, b| a.1.total_cmp(&b.1));
    }
    columns.sort_by(|a, b| a.x.total_cmp(&b.x));
    columns
}

/// How a tour walks one aisle (Ratliff and Rosenthal's aisle transitions). An aisle's stretches
/// run between its stops: the front end, the picks front to back, the back end. In a shortest
/// tour each stretch is walked 0, 1 or 2 times, the counts share a parity (every pick has even
/// degree) and at most one is 0 (else some picks are cut off from both ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cover {
    /// Not entered (an aisle without picks).
    Skip,
    /// End to end once.
    Through,
    /// End to end twice: joins the ends without changing their parity.
    Twice,
    /// From the front to the deepest pick and back.
    Front,
    /// From the back to the shallowest pick and back.
    Back,
    /// From both ends, leaving out stretch `n` (between picks `n - 1` and `n`): the largest gap.
    Split(usize),
}

impl Cover {
    /// Edges it adds at the front end and at the back end, and whether it joins the two.
    fn ends(self) -> (u8, u8, bool) {
        match self {
            Cover::Skip => (0, 0, false),
            Cover::Through => (1, 1, true),
            Cover::Twice => (2, 2, true),
            Cover::Front => (2, 0, false),
            Cover::Back => (0, 2, false),
            Cover::Split(_) => (2, 2, false),
        }
    }

    /// Times stretch `n` of an aisle with `picks` picks is walked (stretch 0 starts at the front
    /// end, stretch `picks` ends at the back end).
    fn times(self, n: usize, picks: usize) -> u8 {
        match self {
            Cover::Skip => 0,
            Cover::Through => 1,
            Cover::Twice => 2,
            Cover::Front if n == picks => 0,
            Cover::Back if n == 0 => 0,
            Cover::Split(gap) if n == gap => 0,
            Cover::Front | Cover::Back | Cover::Split(_) => 2,
        }
    }
}

/// The covers worth trying in a column, with their lengths. Of the covers leaving out one
/// stretch between picks, only the one leaving out the longest can be in a shortest tour.
fn covers(layout: &BlockLayout, column: &Column) -> Vec<(Cover, f64)> {
    if !column.aisle {
        return vec![(Cover::Skip, 0.0)];
    }
    let length = layout.back_y - layout.front_y;
    let (Some(&(_, first)), Some(&(_, last))) = (column.picks.first(), column.picks.last()) else {
        return vec![
            (Cover::Skip, 0.0),
            (Cover::Through, length),
            (Cover::Twice, 2.0 * length),
        ];
    };
    let mut covers = vec![
        (Cover::Through, length),
        (Cover::Twice, 2.0 * length),
        (Cover::Front, 2.0 * (last - layout.front_y)),
        (Cover::Back, 2.0 * (layout.back_y - first)),
    ];
    let largest = column
        .picks
        .windows(2)
        .enumerate()
        .map(|(n, pair)| (n + 1, pair[1].1 - pair[0].1))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((gap, width)) = largest {
        covers.push((Cover::Split(gap), 2.0 * (length - width)));
    }
    covers
}

/// Degree of a cross-aisle node in the partial tour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Degree {
    Zero,
    Even,
    Odd,
}

impl Degree {
    const ALL: [Degree; 3] = [Degree::Zero, Degree::Even, Degree::Odd];

    /// After `edges` (0, 1 or 2) more edges.
    fn add(self, edges: u8) -> Degree {
        match (self, edges) {
            (d, 0) => d,
            (Degree::Odd, 1) => Degree::Even,
            (_, 1) => Degree::Odd,
            (Degree::Zero, _) => Degree::Even,
            (d, _) => d,
        }
    }

    fn touched(self) -> bool {
        self != Degree::Zero
    }

    fn even(self) -> bool {
        self != Degree::Odd
    }
}

/// A class of partial tours, of the edges up to a column: all that matters for extending it to
/// the right. Every component of an open partial tour holds the column's front or back node, or
/// it could never be joined to the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// No edges yet.
    Empty,
    /// A whole tour: nothing more may be added.
    Closed,
    /// `joined`: both nodes are touched and lie in one component.
    Open {
        front: Degree,
        back: Degree,
        joined: bool,
    },
}

impl Class {
    const COUNT: usize = 20;

    fn index(self) -> usize {
        match self {
            Class::Empty => 0,
            Class::Closed => 1,
            Class::Open {
                front,
                back,
                joined,
            } => 2 + (front as usize * 3 + back as usize) * 2 + usize::from(joined),
        }
    }

    fn from_index(i: usize) -> Class {
        match i {
            0 => Class::Empty,
            1 => Class::Closed,
            _ => {
                let k = i - 2;
                Class::Open {
                    front: Degree::ALL[(k / 6) % 3],
                    back: Degree::ALL[(k / 2) % 3],
                    joined: k % 2 == 1,
                }
            }
        }
    }

    fn open(front: Degree, back: Degree, joined: bool) -> Class {
        Class::Open {
            front,
            back,
            joined: joined && front.touched() && back.touched(),
        }
    }

    /// After walking the column's aisle as `cover`.
    fn after_aisle(self, cover: Cover) -> Option<Class> {
        let (add_front, add_back, link) = cover.ends();
        match self {
            Class::Closed => (cover == Cover::Skip).then_some(Class::Closed),
            Class::Empty if cover == Cover::Skip => Some(Class::Empty),
            // An end touched for the first time starts a new component unless the aisle joins it
            // to the other end.
            Class::Empty => Some(Class::open(
                Degree::Zero.add(add_front),
                Degree::Zero.add(add_back),
                link,
            )),
            Class::Open {
                front,
                back,
                joined,
            } => Some(Class::open(
                front.add(add_front),
                back.add(add_back),
                joined || link,
            )),
        }
    }

    /// After walking the front and back cross-aisles to the next column `front_edges` and
    /// `back_edges` times. The column's nodes are final then: their degrees must be even, and
    /// the depot's must not be zero.
    fn across(self, front_edges: u8, back_edges: u8, depot: bool) -> Option<Class> {
        let (front, back, joined) = match self {
            Class::Closed => {
                return (front_edges == 0 && back_edges == 0 && !depot).then_some(Class::Closed);
            }
            Class::Empty => (Degree::Zero, Degree::Zero, false),
            Class::Open {
                front,
                back,
                joined,
            } => (front, back, joined),
        };
        let (final_front, final_back) = (front.add(front_edges), back.add(back_edges));
        if !final_front.even() || !final_back.even() || (depot && !final_front.touched()) {
            return None;
        }
        let components = if joined {
            1
        } else {
            u8::from(front.touched()) + u8::from(back.touched())
        };
        // Edges from an untouched node start a component of their own.
        let started = u8::from(!front.touched() && front_edges > 0)
            + u8::from(!back.touched() && back_edges > 0);
        let ended = if joined {
            u8::from(front_edges == 0 && back_edges == 0)
        } else {
            u8::from(front.touched() && front_edges == 0)
                + u8::from(back.touched() && back_edges == 0)
        };
        if ended > 0 {
            // A component that goes no further can never meet another: it must be the tour.
            return (components + started == 1).then_some(Class::Closed);
        }
        if front_edges == 0 && back_edges == 0 {
            return Some(Class::Empty);
        }
        Some(Class::open(
            Degree::Zero.add(front_edges),
            Degree::Zero.add(back_edges),
            joined,
        ))
    }
}

/// What the tour does at a column: the aisle's cover, and the times it walks the front and back
/// cross-aisles to the next column.
type Step = (Cover, u8, u8);

/// The dynamic program: the shortest tour's length (without the depot's stub) and its steps.
/// `None` only when no length is finite.
fn solve(layout: &BlockLayout, columns: &[Column]) -> Option<(f64, Vec<Step>)> {
    const N: usize = Class::COUNT;
    let mut cost = [f64::INFINITY; N];
    cost[Class::Empty.index()] = 0.0;
    // Per column, for each class: the class it came from and how.
    let mut aisle_from: Vec<[Option<(usize, Cover)>; N]> = Vec::with_capacity(columns.len());
    let mut across_from: Vec<[Option<(usize, u8, u8)>; N]> = Vec::with_capacity(columns.len());
    for (j, column) in columns.iter().enumerate() {
        let mut inside = [f64::INFINITY; N];
        let mut came = [None; N];
        let covers = covers(layout, column);
        for (from, &c) in cost.iter().enumerate() {
            if !c.is_finite() {
                continue;
            }
            for &(cover, length) in &covers {
                if let Some(to) = Class::from_index(from).after_aisle(cover) {
                    let total = c + length;
                    if total < inside[to.index()] {
                        inside[to.index()] = total;
                        came[to.index()] = Some((from, cover));
                    }
                }
            }
        }
        aisle_from.push(came);

        // After the last column nothing lies to the right.
        let (width, most) = match columns.get(j + 1) {
            Some(next) => (next.x - column.x, 2),
            None => (0.0, 0),
        };
        let mut next = [f64::INFINITY; N];
        let mut came = [None; N];
        for (from, &c) in inside.iter().enumerate() {
            if !c.is_finite() {
                continue;
            }
            for front_edges in 0..=most {
                for back_edges in 0..=most {
                    let class = Class::from_index(from);
                    if let Some(to) = class.across(front_edges, back_edges, column.depot) {
                        let total = c + f64::from(front_edges + back_edges) * width;
                        if total < next[to.index()] {
                            next[to.index()] = total;
                            came[to.index()] = Some((from, front_edges, back_edges));
                        }
                    }
                }
            }
        }
        across_from.push(came);
        cost = next;
    }

    let length = cost[Class::Closed.index()];
    if !length.is_finite() {
        return None;
    }
    let mut steps = vec![(Cover::Skip, 0, 0); columns.len()];
    let mut class = Class::Closed.index();
    for j in (0..columns.len()).rev() {
        let (inside, front_edges, back_edges) = across_from.get(j)?[class]?;
        let (from, cover) = aisle_from.get(j)?[inside]?;
        steps[j] = (cover, front_edges, back_edges);
        class = from;
    }
    Some((length, steps))
}

/// The picks in the order an Eulerian circuit of the tour's edges first passes them, starting
/// at the depot (Hierholzer's algorithm). Nodes: column `j`'s front end is `2j`, its back end
/// `2j + 1`, pick `i` is `2 * columns + i`.
fn circuit_order(columns: &[Column], steps: &[Step], picks: usize) -> Option<Vec<usize>> {
    let first_pick = 2 * columns.len();
    let mut edges: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (j, (column, &(cover, front_edges, back_edges))) in columns.iter().zip(steps).enumerate() {
        if column.depot {
            start = Some(2 * j);
        }
        let stops: Vec<usize> = std::iter::once(2 * j)
            .chain(column.picks.iter().map(|&(i, _)| first_pick + i))
            .chain(std::iter::once(2 * j + 1))
            .collect();
        for (n, pair) in stops.windows(2).enumerate() {
            for _ in 0..cover.times(n, column.picks.len()) {
                edges.push((pair[0], pair[1]));
            }
        }
        for _ in 0..front_edges {
            edges.push((2 * j, 2 * j + 2));
        }
        for _ in 0..back_edges {
            edges.push((2 * j + 1, 2 * j + 3));
        }
    }

    let nodes = first_pick + picks;
    let mut incident: Vec<Vec<usize>> = vec![Vec::new(); nodes];
    for (e, &(u, v)) in edges.iter().enumerate() {
        incident.get_mut(u)?.push(e);
        incident.get_mut(v)?.push(e);
    }
    let mut used = vec![false; edges.len()];
    let mut tried = vec![0usize; nodes];
    let mut seen = vec![false; picks];
    let mut order = Vec::with_capacity(picks);
    let mut stack = vec![start?];
    // Nodes leave the stack in the order of a circuit (the reverse of the one built, which is
    // just as good a walk).
    while let Some(&node) = stack.last() {
        let mut onward = None;
        while let Some(&e) = incident[node].get(tried[node]) {
            tried[node] += 1;
            if !used[e] {
                used[e] = true;
                let (u, v) = edges[e];
                onward = Some(if u == node { v } else { u });
                break;
            }
        }
        match onward {
            Some(next) => stack.push(next),
            None => {
                stack.pop();
                if let Some(i) = node.checked_sub(first_pick)
                    && !std::mem::replace(&mut seen[i], true)
                {
                    order.push(i);
                }
            }
        }
    }
    (order.len() == picks).then_some(order)
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

    /// A small xorshift64 generator, so the property tests need no crate and repeat exactly.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }

        /// A multiple of 0.5 in [low, low + steps / 2).
        fn half_steps(&mut self, low: f64, steps: u64) -> f64 {
            low + self.below(steps) as f64 / 2.0
        }
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
        // Optimal beats both: 2 + 10 along the front, up aisle 1 (20), 10 along the back, aisle
        // 2's pick from the back (2*2), 20 back along the back, down aisle 0 (20), 2 = 88.
        let route = optimal(&l, &three);
        assert_eq!(route.length, 88.0);
        assert_eq!(route.order.len(), 3);
        assert_eq!(walk_of(&l, &three, &route.order), 88.0);
        assert_eq!(s_shape(&l, &[]).length, 4.0);
    }

    #[test]
    fn optimal_hand_computed() {
        let l = layout();
        // Shallow picks in aisles 0 and 2, and two in aisle 1 at 5 and 15. Optimal: every aisle
        // from the front: 2 + 2*2 (aisle 0) + 2*15 (aisle 1) + 2*2 (aisle 2) + 2*20 (the front
        // to aisle 2 and back) + 2 = 82.
        // S-shape: 2 + 20 (up 0) + 10 + 20 (down 1) + 10 + 2*2 (into 2) + 20 + 2 = 88.
        // Largest gap: 2 + 20 (up 0) + 10 + 2*5 (aisle 1 to 15 from the back) + 10
        // + 20 (down 2) + 10 + 2*5 (aisle 1 to 5 from the front) + 10 + 2 = 104.
        let four = [p(0, 2.0), p(1, 5.0), p(1, 15.0), p(2, 2.0)];
        assert_eq!(optimal(&l, &four).length, 82.0);
        assert_eq!(s_shape(&l, &four).length, 88.0);
        assert_eq!(largest_gap(&l, &four).length, 104.0);

        // The depot on the front cross-aisle right of every aisle, at x = 30. Both heuristics
        // walk 30 along the front, up aisle 0, 10 along the back, down aisle 1 and 20 home: 100.
        // Optimal: two trips from the front, 2*30 across + 2*18 + 2*1 = 98.
        let right = BlockLayout {
            depot: (30.0, 0.0),
            ..layout()
        };
        let deep_and_shallow = [p(0, 18.0), p(1, 1.0)];
        assert_eq!(optimal(&right, &deep_and_shallow).length, 98.0);
        assert_eq!(s_shape(&right, &deep_and_shallow).length, 100.0);
        assert_eq!(largest_gap(&right, &deep_and_shallow).length, 100.0);

        // The depot in front of the middle aisle, deep picks in the outer two: 2 + 10 along the
        // front, up aisle 0, 20 along the back, down aisle 2, 10 home + 2 = 84 (two trips from the
        // front would walk 2 + 2*10 + 2*18 + 2*10 + 2*18 + 2 = 116).
        let middle = BlockLayout {
            depot: (10.0, -2.0),
            ..layout()
        };
        let outer = [p(0, 18.0), p(2, 18.0)];
        assert_eq!(optimal(&middle, &outer).length, 84.0);
        assert_eq!(s_shape(&middle, &outer).length, 84.0);

        // Every pick in one aisle: 2 + 20 to aisle 2, 12 up to the deepest pick, and back: 68.
        let one_aisle = [p(2, 3.0), p(2, 12.0), p(2, 7.0)];
        let route = optimal(&l, &one_aisle);
        assert_eq!(route.length, 68.0);
        assert_eq!(walk_of(&l, &one_aisle, &route.order), 68.0);
    }

    #[test]
    fn optimal_of_nothing_is_nothing() {
        let route = optimal(&layout(), &[]);
        assert_eq!(route.order, Vec::<usize>::new());
        assert_eq!(route.length, 0.0);
    }

    #[test]
    fn bad_input_does_not_panic() {
        let l = layout();
        let odd = [p(1, f64::NAN), p(7, 5.0), p(0, -3.0), p(2, 99.0)];
        for route in [optimal(&l, &odd), s_shape(&l, &odd), largest_gap(&l, &odd)] {
            let mut seen = route.order.clone();
            seen.sort_unstable();
            assert_eq!(seen, vec![0, 1, 2, 3]);
        }
        // A NaN layout gives no meaningful length, but still a permutation.
        let nan = BlockLayout {
            aisle_xs: vec![0.0, f64::NAN],
            back_y: f64::NAN,
            ..layout()
        };
        let mut seen = optimal(&nan, &odd).order;
        seen.sort_unstable();
        assert_eq!(seen, vec![0, 1, 2, 3]);
        let inverted = BlockLayout {
            front_y: 20.0,
            back_y: 0.0,
            ..layout()
        };
        assert_eq!(optimal(&inverted, &odd).order.len(), 4);
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

    /// The true optimum by Held–Karp over the shortest distances (small instances only).
    fn brute_force(l: &BlockLayout, points: &[PickPoint]) -> f64 {
        let n = points.len();
        if n == 0 {
            return 0.0;
        }
        let full = 1usize << n;
        // best[set * n + last]: shortest walk from the depot through `set`, ending at `last`.
        let mut best = vec![f64::INFINITY; full * n];
        for (i, &point) in points.iter().enumerate() {
            best[(1 << i) * n + i] = from_depot(l, point);
        }
        for set in 1..full {
            for last in 0..n {
                let here = best[set * n + last];
                if set & (1 << last) == 0 || !here.is_finite() {
                    continue;
                }
                for next in (0..n).filter(|next| set & (1 << next) == 0) {
                    let to = (set | 1 << next) * n + next;
                    let length = here + distance(l, points[last], points[next]);
                    if length < best[to] {
                        best[to] = length;
                    }
                }
            }
        }
        (0..n)
            .map(|last| best[(full - 1) * n + last] + from_depot(l, points[last]))
            .fold(f64::INFINITY, f64::min)
    }

    fn assert_permutation(order: &[usize], n: usize, points: &[PickPoint]) {
        let mut seen = order.to_vec();
        seen.sort_unstable();
        assert_eq!(seen, (0..n).collect::<Vec<_>>(), "{points:?}");
    }

    #[test]
    fn every_route_visits_each_pick_once_and_is_a_real_walk() {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let l = BlockLayout {
            aisle_xs: (0..6).map(|i| 3.0 * f64::from(i) + 1.0).collect(),
            front_y: 0.0,
            back_y: 30.0,
            depot: (0.0, -1.0),
        };
        for _ in 0..300 {
            let n = 1 + rng.below(6) as usize;
            let points: Vec<PickPoint> = (0..n)
                .map(|_| p(rng.below(6) as usize, rng.below(300) as f64 / 10.0))
                .collect();
            let optimum = brute_force(&l, &points);
            for route in [
                s_shape(&l, &points),
                largest_gap(&l, &points),
                best(&l, &points),
                optimal(&l, &points),
            ] {
                assert_permutation(&route.order, n, &points);
                // The method's walk passes the picks in its order, so the shortest walk in
                // that order is no longer; and nothing beats the optimum.
                assert!(walk_of(&l, &points, &route.order) <= route.length + 1e-9);
                assert!(route.length >= optimum - 1e-9, "{points:?}");
            }
            assert!(
                (optimal(&l, &points).length - optimum).abs() < 1e-6,
                "{points:?}"
            );
        }
    }

    /// A random layout: 1 to 6 aisles at uneven (sometimes equal) spacing, the depot left of,
    /// right of, between or in front of the aisles, on or in front of the front cross-aisle.
    fn random_layout(rng: &mut Rng) -> BlockLayout {
        let aisles = 1 + rng.below(6) as usize;
        let mut x = rng.half_steps(-5.0, 20);
        let mut aisle_xs = Vec::with_capacity(aisles);
        for _ in 0..aisles {
            aisle_xs.push(x);
            x += rng.half_steps(0.0, 17);
        }
        let front_y = rng.half_steps(-3.0, 12);
        let back_y = front_y + rng.half_steps(1.0, 50);
        let (left, right) = (aisle_xs[0], aisle_xs[aisles - 1]);
        let depot_x = match rng.below(4) {
            0 => aisle_xs[rng.below(aisles as u64) as usize],
            1 => left - rng.half_steps(0.5, 20),
            2 => right + rng.half_steps(0.5, 20),
            _ => left + (right - left) * rng.below(101) as f64 / 100.0,
        };
        let depot_y = front_y - rng.half_steps(0.0, 3) * rng.below(2) as f64;
        BlockLayout {
            aisle_xs,
            front_y,
            back_y,
            depot: (depot_x, depot_y),
        }
    }

    fn random_points(rng: &mut Rng, l: &BlockLayout, n: usize) -> Vec<PickPoint> {
        let aisles = l.aisle_xs.len() as u64;
        let depth = l.back_y - l.front_y;
        (0..n)
            .map(|_| {
                // Now and then an aisle index past the layout (it stands in front of the depot).
                let aisle = if rng.below(25) == 0 {
                    aisles + rng.below(2)
                } else {
                    rng.below(aisles)
                } as usize;
                let y = match rng.below(8) {
                    0 => l.front_y,
                    1 => l.back_y,
                    // Outside the aisle: clamped.
                    2 => l.front_y - 1.0,
                    _ => l.front_y + depth * rng.below(41) as f64 / 40.0,
                };
                p(aisle, y)
            })
            .collect()
    }

    #[test]
    fn optimal_matches_brute_force_on_random_layouts() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..500 {
            let l = random_layout(&mut rng);
            let n = 1 + rng.below(8) as usize;
            let points = random_points(&mut rng, &l, n);
            let optimum = brute_force(&l, &points);
            let route = optimal(&l, &points);
            assert!(
                (route.length - optimum).abs() < 1e-6,
                "optimal {} against {optimum}: {l:?} {points:?}",
                route.length
            );
            assert_permutation(&route.order, n, &points);
            // The order is walked in `length`, and no order is walked in less than the optimum.
            assert!(
                walk_of(&l, &points, &route.order) <= route.length + 1e-6,
                "{l:?} {points:?}"
            );
            for heuristic in [s_shape(&l, &points), largest_gap(&l, &points)] {
                assert_permutation(&heuristic.order, n, &points);
                assert!(heuristic.length >= route.length - 1e-9, "{l:?} {points:?}");
            }
        }
    }

    #[test]
    fn optimal_on_sixty_picks_over_twelve_aisles() {
        let mut rng = Rng(0xD1B5_4A32_D192_ED03);
        let l = BlockLayout {
            aisle_xs: (0..12).map(|i| 3.0 * f64::from(i)).collect(),
            front_y: 0.0,
            back_y: 30.0,
            depot: (0.0, -1.0),
        };
        for _ in 0..20 {
            let points: Vec<PickPoint> = (0..60)
                .map(|_| p(rng.below(12) as usize, rng.below(301) as f64 / 10.0))
                .collect();
            let route = optimal(&l, &points);
            assert_permutation(&route.order, 60, &points);
            assert!((walk_of(&l, &points, &route.order) - route.length).abs() < 1e-6);
            assert!(route.length <= s_shape(&l, &points).length + 1e-9);
            assert!(route.length <= largest_gap(&l, &points).length + 1e-9);
        }
    }
}
