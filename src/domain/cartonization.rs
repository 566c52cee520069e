//! Cartonization: which carton (or cartons) an order's units go in.
//!
//! The catalogue (`assets/cartons.csv`, embedded) lists each carton's inner dimensions, the
//! greatest gross weight it may carry and its own (tare) weight. [`suggest`] answers:
//!
//! 1. **One carton** when any holds every unit: the cartons are tried smallest first (by inner
//!    volume, then cost, then code) and the first one the bounded fit ([`pack`]) succeeds in is
//!    the suggestion, so a single-carton suggestion is minimal by volume among the cartons the
//!    fit succeeds in.
//! 2. **Several cartons** otherwise, greedily: each new carton is the one that takes the
//!    greatest volume of the units still to pack (first fit, skipping units that do not fit) —
//!    usually the largest carton, but a long item may need the long box; then the same for what
//!    is left, until every unit is in a carton. Each carton's share is then shrunk to the
//!    smallest carton that holds it.
//!
//! **The bounded fit** is a first-fit-decreasing packing on extreme points (Crainic, Perboli and
//! Tadei, 2008): units are taken largest volume first; each goes at the first extreme point (in
//! order of height, then depth, then width: bottom, back, left first) where one of its six
//! axis-aligned orientations (flattest first) fits inside the carton without overlapping a unit
//! already placed. Placing a unit adds the corners beyond it on each axis, each projected back
//! along the two other axes onto the nearest unit or wall. Weight counts too: the units plus the
//! tare never exceed the carton's maximum. The search is bounded: one pass, no backtracking, at
//! most [`MAX_UNITS`] units a suggestion, so it is fast and deterministic; it may miss a fit a
//! cleverer search would find (then a larger carton, or a second one, is suggested).
//!
//! Not modelled: "this side up", crushability, void fill, and the carton wall's thickness (the
//! inner dimensions are what counts).

use std::fmt;

use serde::Deserialize;

/// The demo's carton catalogue, embedded in the binary.
pub const DEMO_CARTONS_CSV: &str = include_str!("../../assets/cartons.csv");

/// The most units one suggestion packs. The fit costs about the cube of the units in a carton,
/// and an order of more units than this is packed in several sessions.
pub const MAX_UNITS: u32 = 250;

/// Length, width and height in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dims {
    pub length_mm: u32,
    pub width_mm: u32,
    pub height_mm: u32,
}

impl Dims {
    pub const fn new(length_mm: u32, width_mm: u32, height_mm: u32) -> Self {
        Dims {
            length_mm,
            width_mm,
            height_mm,
        }
    }

    pub fn volume_mm3(&self) -> u64 {
        u64::from(self.length_mm) * u64::from(self.width_mm) * u64::from(self.height_mm)
    }

    /// The sizes along x, y and z.
    pub fn axes(&self) -> [u32; 3] {
        [self.length_mm, self.width_mm, self.height_mm]
    }

    fn from_axes([length_mm, width_mm, height_mm]: [u32; 3]) -> Self {
        Dims::new(length_mm, width_mm, height_mm)
    }

    pub fn has_zero_side(&self) -> bool {
        self.axes().contains(&0)
    }

    /// The distinct axis-aligned orientations (at most six), flattest first, then the longest
    /// side along the length: a stack of flat items first, deterministic throughout.
    pub fn orientations(&self) -> Vec<Dims> {
        let [a, b, c] = self.axes();
        let mut all: Vec<Dims> = [
            [a, b, c],
            [a, c, b],
            [b, a, c],
            [b, c, a],
            [c, a, b],
            [c, b, a],
        ]
        .into_iter()
        .map(Dims::from_axes)
        .collect();
        all.sort_by_key(|d| {
            (
                d.height_mm,
                std::cmp::Reverse(d.length_mm),
                std::cmp::Reverse(d.width_mm),
            )
        });
        all.dedup();
        all
    }

    /// Whether this box fits inside `inner` in at least one orientation.
    pub fn fits_within(&self, inner: &Dims) -> bool {
        let mut mine = self.axes();
        let mut theirs = inner.axes();
        mine.sort_unstable();
        theirs.sort_unstable();
        mine.iter().zip(theirs.iter()).all(|(m, t)| m <= t)
    }
}

impl fmt::Display for Dims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}x{}x{} mm",
            self.length_mm, self.width_mm, self.height_mm
        )
    }
}

/// A carton in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carton {
    pub code: String,
    pub name: String,
    pub inner: Dims,
    /// The greatest gross weight (contents plus tare) it may carry.
    pub max_weight_g: u32,
    /// The empty carton's own weight.
    pub tare_g: u32,
    /// What one carton costs, in cents; breaks ties between cartons of the same volume.
    pub cost_cents: u32,
}

impl Carton {
    /// The weight of contents it may carry: max weight minus tare.
    pub fn payload_g(&self) -> u32 {
        self.max_weight_g.saturating_sub(self.tare_g)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("carton catalogue, line {line}: {reason}")]
    Csv { line: u64, reason: String },
    #[error("carton {code}: {reason}")]
    Invalid { code: String, reason: String },
    #[error("carton {0} is listed twice: expected each carton code once")]
    Duplicate(String),
    #[error("the carton catalogue is empty: expected at least one carton")]
    Empty,
}

#[derive(Debug, Deserialize)]
struct CartonRow {
    code: String,
    name: String,
    inner_length_mm: u32,
    inner_width_mm: u32,
    inner_height_mm: u32,
    max_weight_g: u32,
    tare_g: u32,
    cost_cents: u32,
}

/// The cartons a station may use, smallest first (inner volume, then cost, then code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartonCatalogue {
    cartons: Vec<Carton>,
}

impl CartonCatalogue {
    /// Checks every carton (a code, no zero side, a tare below the max weight, codes unique).
    pub fn new(mut cartons: Vec<Carton>) -> Result<Self, CatalogueError> {
        if cartons.is_empty() {
            return Err(CatalogueError::Empty);
        }
        for carton in &cartons {
            let invalid = |reason: &str| CatalogueError::Invalid {
                code: carton.code.clone(),
                reason: reason.to_owned(),
            };
            if carton.code.trim().is_empty() {
                return Err(invalid("expected a carton code"));
            }
            if carton.inner.has_zero_side() {
                return Err(invalid(
                    "expected inner length, width and height above 0 mm",
                ));
            }
            if carton.tare_g >= carton.max_weight_g {
                return Err(invalid("expected a max weight above the tare"));
            }
        }
        cartons.sort_by(|a, b| {
            (a.inner.volume_mm3(), a.cost_cents, &a.code).cmp(&(
                b.inner.volume_mm3(),
                b.cost_cents,
                &b.code,
            ))
        });
        if let Some(pair) = cartons.windows(2).find(|w| w[0].code == w[1].code) {
            return Err(CatalogueError::Duplicate(pair[0].code.clone()));
        }
        let mut codes: Vec<&str> = cartons.iter().map(|c| c.code.as_str()).collect();
        codes.sort_unstable();
        if let Some(pair) = codes.windows(2).find(|w| w[0] == w[1]) {
            return Err(CatalogueError::Duplicate(pair[0].to_owned()));
        }
        Ok(CartonCatalogue { cartons })
    }

    /// Reads `code,name,inner_length_mm,inner_width_mm,inner_height_mm,max_weight_g,tare_g,
    /// cost_cents` (a header line, then one carton a line).
    pub fn from_csv(text: &str) -> Result<Self, CatalogueError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut cartons = Vec::new();
        for row in reader.deserialize::<CartonRow>() {
            let row = row.map_err(|e| CatalogueError::Csv {
                line: e.position().map_or(0, csv::Position::line),
                reason: format!(
                    "expected code,name,inner_length_mm,inner_width_mm,inner_height_mm,\
                     max_weight_g,tare_g,cost_cents with whole numbers: {e}"
                ),
            })?;
            cartons.push(Carton {
                code: row.code,
                name: row.name,
                inner: Dims::new(row.inner_length_mm, row.inner_width_mm, row.inner_height_mm),
                max_weight_g: row.max_weight_g,
                tare_g: row.tare_g,
                cost_cents: row.cost_cents,
            });
        }
        CartonCatalogue::new(cartons)
    }

    /// The demo catalogue (`assets/cartons.csv`).
    pub fn demo() -> Result<Self, CatalogueError> {
        CartonCatalogue::from_csv(DEMO_CARTONS_CSV)
    }

    /// Smallest first.
    pub fn cartons(&self) -> &[Carton] {
        &self.cartons
    }

    pub fn get(&self, code: &str) -> Option<&Carton> {
        self.cartons.iter().find(|c| c.code == code)
    }

    /// The largest carton by volume.
    pub fn largest(&self) -> Option<&Carton> {
        self.cartons.last()
    }
}

/// Units of one SKU to pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemLine {
    pub sku: String,
    pub dims: Dims,
    pub unit_weight_g: u32,
    pub quantity: u32,
}

/// One unit in a carton: the corner nearest the carton's origin (bottom, back, left) and its
/// size as oriented, along the carton's length (x), width (y) and height (z).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Index of its line in the items given.
    pub line: usize,
    pub sku: String,
    pub origin: [u32; 3],
    pub size: Dims,
}

impl Placement {
    /// The far corner: origin plus size on each axis.
    pub fn end(&self) -> [u32; 3] {
        let size = self.size.axes();
        [
            self.origin[0] + size[0],
            self.origin[1] + size[1],
            self.origin[2] + size[2],
        ]
    }

    /// Whether the two boxes share any volume (touching faces do not count).
    pub fn overlaps(&self, other: &Placement) -> bool {
        boxes_overlap(self.origin, self.end(), other.origin, other.end())
    }

    /// Whether the box lies inside `inner` (a carton's inner dimensions).
    pub fn within(&self, inner: &Dims) -> bool {
        self.end()
            .iter()
            .zip(inner.axes().iter())
            .all(|(end, side)| end <= side)
    }
}

/// Units of one line in one carton.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedUnits {
    /// Index of its line in the items given.
    pub line: usize,
    pub sku: String,
    pub quantity: u32,
}

/// One carton and what goes in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartonPlan {
    pub carton: Carton,
    /// Units per line, in the order of the lines given.
    pub contents: Vec<PackedUnits>,
    /// Where each unit goes (one placement per unit).
    pub placements: Vec<Placement>,
    pub items_weight_g: u32,
    /// Items plus tare: what the scale should read, within the station's tolerance.
    pub gross_weight_g: u32,
}

impl CartonPlan {
    pub fn units(&self) -> u32 {
        self.contents.iter().map(|c| c.quantity).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FitError {
    #[error("nothing to pack: expected at least one unit to ship")]
    NothingToPack,
    #[error(
        "SKU {sku} has no dimensions on file ({dims}): expected its length, width and height \
         above 0 mm"
    )]
    NoDimensions { sku: String, dims: Dims },
    #[error(
        "SKU {sku} ({dims}) fits no carton in any orientation: expected an item within the \
         largest carton, {largest} ({largest_dims})"
    )]
    ItemTooLarge {
        sku: String,
        dims: Dims,
        largest: String,
        largest_dims: Dims,
    },
    #[error(
        "SKU {sku} weighs {weight_g} g a unit, more than any carton it fits in may carry: \
         expected at most {max_payload_g} g"
    )]
    ItemTooHeavy {
        sku: String,
        weight_g: u32,
        max_payload_g: u32,
    },
    #[error(
        "{units} units to pack: expected at most {max} in one suggestion; pack the order in \
         parts"
    )]
    TooManyUnits { units: u64, max: u32 },
}

/// The carton or cartons for these units: one carton when any holds them all (the smallest
/// such), else several (see the module documentation). Lines of quantity 0 are left out.
pub fn suggest(
    items: &[ItemLine],
    catalogue: &CartonCatalogue,
) -> Result<Vec<CartonPlan>, FitError> {
    let units = expand(items)?;
    validate(items, catalogue)?;

    for carton in catalogue.cartons() {
        if let Some(packing) = pack_units(&units, carton, Mode::All) {
            return Ok(vec![plan(items, carton, &units, &packing)]);
        }
    }

    // Split greedily: each carton takes the greatest volume it can of what is left.
    let mut remaining = units;
    let mut shares: Vec<Vec<Unit>> = Vec::new();
    while let Some(first) = remaining.first() {
        let best = catalogue
            .cartons()
            .iter()
            .enumerate()
            .filter_map(|(index, carton)| {
                pack_units(&remaining, carton, Mode::SkipMisfits).map(|p| (index, p))
            })
            .max_by(|(a_index, a), (b_index, b)| {
                // Most volume, then most units; on a tie the earlier (smaller) carton wins,
                // hence the reversed comparison of the indices.
                (a.volume_mm3, a.placed.len())
                    .cmp(&(b.volume_mm3, b.placed.len()))
                    .then_with(|| b_index.cmp(a_index))
            })
            .map(|(_, packing)| packing);
        let Some(best) = best.filter(|p| !p.placed.is_empty()) else {
            // Unreachable after `validate`: every unit alone fits some carton.
            return Err(too_large(&items[first.line], catalogue));
        };
        let mut taken = vec![false; remaining.len()];
        for placed in &best.placed {
            taken[placed.unit] = true;
        }
        let (share, rest): (Vec<_>, Vec<_>) = remaining
            .into_iter()
            .zip(taken)
            .partition(|(_, taken)| *taken);
        shares.push(share.into_iter().map(|(unit, _)| unit).collect());
        remaining = rest.into_iter().map(|(unit, _)| unit).collect();
    }

    // Shrink each share to the smallest carton that holds it. Packing a share alone, in the
    // same order, in the carton it came from repeats the same placements, so one always does.
    let mut plans = Vec::with_capacity(shares.len());
    for share in &shares {
        let shrunk = catalogue.cartons().iter().find_map(|carton| {
            pack_units(share, carton, Mode::All).map(|packing| plan(items, carton, share, &packing))
        });
        match shrunk {
            Some(p) => plans.push(p),
            None => return Err(too_large(&items[share[0].line], catalogue)),
        }
    }
    Ok(plans)
}

/// The bounded fit of every unit of `items` in `carton`, or `None` when it does not hold them
/// all (by the fit, or by weight). What [`suggest`] uses to try a carton, public so that a
/// packer's choice of another carton can be checked and weighed the same way.
pub fn pack(items: &[ItemLine], carton: &Carton) -> Option<CartonPlan> {
    let units = expand(items).ok()?;
    if items
        .iter()
        .any(|i| i.quantity > 0 && i.dims.has_zero_side())
    {
        return None;
    }
    pack_units(&units, carton, Mode::All).map(|packing| plan(items, carton, &units, &packing))
}

/// What a carton of these items should weigh: the units plus the carton's tare. For a carton
/// the packer chose that the fit would not suggest.
pub fn expected_gross_weight_g(items: &[ItemLine], carton: &Carton) -> u64 {
    items
        .iter()
        .map(|i| u64::from(i.unit_weight_g) * u64::from(i.quantity))
        .sum::<u64>()
        + u64::from(carton.tare_g)
}

// ---------------------------------------------------------------------------------------------

/// One unit of a line.
#[derive(Debug, Clone, Copy)]
struct Unit {
    line: usize,
    dims: Dims,
    weight_g: u32,
}

/// Every unit, largest volume first, then longest side, then line order (first fit decreasing).
fn expand(items: &[ItemLine]) -> Result<Vec<Unit>, FitError> {
    let total: u64 = items.iter().map(|i| u64::from(i.quantity)).sum();
    if total == 0 {
        return Err(FitError::NothingToPack);
    }
    if total > u64::from(MAX_UNITS) {
        return Err(FitError::TooManyUnits {
            units: total,
            max: MAX_UNITS,
        });
    }
    let mut units: Vec<Unit> = items
        .iter()
        .enumerate()
        .flat_map(|(line, item)| {
            (0..item.quantity).map(move |_| Unit {
                line,
                dims: item.dims,
                weight_g: item.unit_weight_g,
            })
        })
        .collect();
    units.sort_by(|a, b| {
        let longest = |u: &Unit| u.dims.axes().into_iter().max().unwrap_or(0);
        (b.dims.volume_mm3(), longest(b))
            .cmp(&(a.dims.volume_mm3(), longest(a)))
            .then_with(|| a.line.cmp(&b.line))
    });
    Ok(units)
}

/// Every unit must fit some carton on its own, by size and by weight.
fn validate(items: &[ItemLine], catalogue: &CartonCatalogue) -> Result<(), FitError> {
    for item in items.iter().filter(|i| i.quantity > 0) {
        if item.dims.has_zero_side() {
            return Err(FitError::NoDimensions {
                sku: item.sku.clone(),
                dims: item.dims,
            });
        }
        let fitting: Vec<&Carton> = catalogue
            .cartons()
            .iter()
            .filter(|c| item.dims.fits_within(&c.inner))
            .collect();
        if fitting.is_empty() {
            return Err(too_large(item, catalogue));
        }
        let max_payload_g = fitting.iter().map(|c| c.payload_g()).max().unwrap_or(0);
        if item.unit_weight_g > max_payload_g {
            return Err(FitError::ItemTooHeavy {
                sku: item.sku.clone(),
                weight_g: item.unit_weight_g,
                max_payload_g,
            });
        }
    }
    Ok(())
}

fn too_large(item: &ItemLine, catalogue: &CartonCatalogue) -> FitError {
    let (largest, largest_dims) = catalogue
        .largest()
        .map_or((String::new(), Dims::new(0, 0, 0)), |c| {
            (c.code.clone(), c.inner)
        });
    FitError::ItemTooLarge {
        sku: item.sku.clone(),
        dims: item.dims,
        largest,
        largest_dims,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every unit or nothing.
    All,
    /// As many as fit, in order, passing over those that do not.
    SkipMisfits,
}

#[derive(Debug, Clone, Copy)]
struct Placed {
    /// Index into the units given.
    unit: usize,
    origin: [u32; 3],
    end: [u32; 3],
}

#[derive(Debug)]
struct Packing {
    placed: Vec<Placed>,
    volume_mm3: u64,
}

/// First fit decreasing on extreme points; `units` are already in packing order.
fn pack_units(units: &[Unit], carton: &Carton, mode: Mode) -> Option<Packing> {
    let inner = carton.inner.axes();
    let payload = u64::from(carton.payload_g());
    if mode == Mode::All {
        let volume: u64 = units.iter().map(|u| u.dims.volume_mm3()).sum();
        let weight: u64 = units.iter().map(|u| u64::from(u.weight_g)).sum();
        if volume > carton.inner.volume_mm3()
            || weight > payload
            || units.iter().any(|u| !u.dims.fits_within(&carton.inner))
        {
            return None;
        }
    }

    let mut placed: Vec<Placed> = Vec::with_capacity(units.len());
    let mut points: Vec<[u32; 3]> = vec![[0, 0, 0]];
    let mut weight: u64 = 0;
    let mut volume: u64 = 0;
    for (index, unit) in units.iter().enumerate() {
        let spot = if weight + u64::from(unit.weight_g) > payload
            || !unit.dims.fits_within(&carton.inner)
        {
            None
        } else {
            first_fit(unit, &points, &placed, inner)
        };
        let Some((origin, size)) = spot else {
            match mode {
                Mode::All => return None,
                Mode::SkipMisfits => continue,
            }
        };
        let end = [
            origin[0] + size[0],
            origin[1] + size[1],
            origin[2] + size[2],
        ];
        placed.push(Placed {
            unit: index,
            origin,
            end,
        });
        weight += u64::from(unit.weight_g);
        volume += unit.dims.volume_mm3();
        add_extreme_points(&mut points, &placed, origin, end, inner);
    }
    Some(Packing {
        placed,
        volume_mm3: volume,
    })
}

/// The first extreme point, and the first orientation there, where the unit fits.
fn first_fit(
    unit: &Unit,
    points: &[[u32; 3]],
    placed: &[Placed],
    inner: [u32; 3],
) -> Option<([u32; 3], [u32; 3])> {
    let orientations = unit.dims.orientations();
    for point in points {
        for orientation in &orientations {
            let size = orientation.axes();
            let end = [point[0] + size[0], point[1] + size[1], point[2] + size[2]];
            if end.iter().zip(inner.iter()).any(|(e, side)| e > side) {
                continue;
            }
            if placed
                .iter()
                .all(|p| !boxes_overlap(*point, end, p.origin, p.end))
            {
                return Some((*point, size));
            }
        }
    }
    None
}

fn boxes_overlap(a_origin: [u32; 3], a_end: [u32; 3], b_origin: [u32; 3], b_end: [u32; 3]) -> bool {
    (0..3).all(|axis| a_origin[axis] < b_end[axis] && b_origin[axis] < a_end[axis])
}

/// After placing a box at `origin..end`: its three far corners along x, y and z, each projected
/// along the two other axes onto the nearest box face or wall; points now inside a box go.
fn add_extreme_points(
    points: &mut Vec<[u32; 3]>,
    placed: &[Placed],
    origin: [u32; 3],
    end: [u32; 3],
    inner: [u32; 3],
) {
    for axis in 0..3 {
        let mut corner = origin;
        corner[axis] = end[axis];
        if corner[axis] >= inner[axis] {
            continue;
        }
        for along in (0..3).filter(|a| *a != axis) {
            points.push(project(corner, along, placed));
        }
    }
    points.retain(|p| {
        !placed
            .iter()
            .any(|b| (0..3).all(|axis| b.origin[axis] <= p[axis] && p[axis] < b.end[axis]))
    });
    points.sort_by_key(|p| (p[2], p[1], p[0]));
    points.dedup();
}

/// Moves `point` towards 0 along `axis` until it meets a box face (a box whose far side along
/// that axis is at or before the point and whose extent on the other two axes covers it).
fn project(point: [u32; 3], axis: usize, placed: &[Placed]) -> [u32; 3] {
    let stop = placed
        .iter()
        .filter(|b| {
            b.end[axis] <= point[axis]
                && (0..3)
                    .filter(|a| *a != axis)
                    .all(|a| b.origin[a] <= point[a] && point[a] < b.end[a])
        })
        .map(|b| b.end[axis])
        .max()
        .unwrap_or(0);
    let mut projected = point;
    projected[axis] = stop;
    projected
}

/// The plan of a packing: contents per line in line order, placements, weights.
fn plan(items: &[ItemLine], carton: &Carton, units: &[Unit], packing: &Packing) -> CartonPlan {
    let mut per_line = vec![0u32; items.len()];
    let mut items_weight: u64 = 0;
    let mut placements = Vec::with_capacity(packing.placed.len());
    for placed in &packing.placed {
        let unit = &units[placed.unit];
        per_line[unit.line] += 1;
        items_weight += u64::from(unit.weight_g);
        placements.push(Placement {
            line: unit.line,
            sku: items[unit.line].sku.clone(),
            origin: placed.origin,
            size: Dims::from_axes([
                placed.end[0] - placed.origin[0],
                placed.end[1] - placed.origin[1],
                placed.end[2] - placed.origin[2],
            ]),
        });
    }
    let contents = per_line
        .iter()
        .enumerate()
        .filter(|(_, quantity)| **quantity > 0)
        .map(|(line, quantity)| PackedUnits {
            line,
            sku: items[line].sku.clone(),
            quantity: *quantity,
        })
        .collect();
    // Within the payload, which is a u32, so these never saturate.
    let items_weight_g = u32::try_from(items_weight).unwrap_or(u32::MAX);
    CartonPlan {
        carton: carton.clone(),
        contents,
        placements,
        items_weight_g,
        gross_weight_g: items_weight_g.saturating_add(carton.tare_g),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(sku: &str, l: u32, w: u32, h: u32, g: u32, qty: u32) -> ItemLine {
        ItemLine {
            sku: sku.to_owned(),
            dims: Dims::new(l, w, h),
            unit_weight_g: g,
            quantity: qty,
        }
    }

    fn demo() -> CartonCatalogue {
        CartonCatalogue::demo().expect("the demo catalogue parses")
    }

    fn check_plan(plan: &CartonPlan) {
        for (i, a) in plan.placements.iter().enumerate() {
            assert!(
                a.within(&plan.carton.inner),
                "{a:?} outside {}",
                plan.carton.code
            );
            for b in &plan.placements[i + 1..] {
                assert!(!a.overlaps(b), "{a:?} overlaps {b:?}");
            }
        }
        assert!(plan.gross_weight_g <= plan.carton.max_weight_g);
        assert_eq!(plan.placements.len() as u32, plan.units());
    }

    #[test]
    fn demo_catalogue_is_sorted_smallest_first() {
        let catalogue = demo();
        assert!(catalogue.cartons().len() >= 6);
        let volumes: Vec<u64> = catalogue
            .cartons()
            .iter()
            .map(|c| c.inner.volume_mm3())
            .collect();
        assert!(volumes.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(catalogue.cartons()[0].code, "MLR-S");
        assert!(catalogue.get("BOX-LONG").is_some());
    }

    #[test]
    fn catalogue_refuses_bad_rows() {
        let header = "code,name,inner_length_mm,inner_width_mm,inner_height_mm,max_weight_g,tare_g,cost_cents\n";
        let err = CartonCatalogue::from_csv(&format!("{header}A,a,10,10,ten,100,1,1\n"))
            .expect_err("a word for a number");
        assert!(matches!(err, CatalogueError::Csv { line: 2, .. }), "{err}");
        let err = CartonCatalogue::from_csv(&format!("{header}A,a,10,0,10,100,1,1\n"))
            .expect_err("a zero side");
        assert!(err.to_string().contains("above 0 mm"), "{err}");
        let err = CartonCatalogue::from_csv(&format!("{header}A,a,10,10,10,100,100,1\n"))
            .expect_err("tare at max");
        assert!(
            err.to_string().contains("max weight above the tare"),
            "{err}"
        );
        let err = CartonCatalogue::from_csv(&format!(
            "{header}A,a,10,10,10,100,1,1\nA,b,20,10,10,100,1,1\n"
        ))
        .expect_err("duplicate");
        assert_eq!(err, CatalogueError::Duplicate("A".into()));
        assert_eq!(
            CartonCatalogue::from_csv(header),
            Err(CatalogueError::Empty)
        );
    }

    #[test]
    fn orientations_are_distinct_and_flattest_first() {
        let o = Dims::new(30, 20, 10).orientations();
        assert_eq!(o.len(), 6);
        assert_eq!(o[0], Dims::new(30, 20, 10));
        assert_eq!(Dims::new(10, 10, 10).orientations().len(), 1);
        assert_eq!(Dims::new(20, 10, 10).orientations().len(), 3);
        assert!(Dims::new(300, 100, 50).fits_within(&Dims::new(60, 310, 120)));
        assert!(!Dims::new(300, 100, 50).fits_within(&Dims::new(290, 290, 120)));
    }

    #[test]
    fn one_small_item_goes_in_the_small_mailer() {
        let plans = suggest(&[item("MUG", 120, 90, 60, 350, 1)], &demo()).expect("fits");
        assert_eq!(plans.len(), 1);
        assert_eq!(plans[0].carton.code, "MLR-S");
        assert_eq!(plans[0].gross_weight_g, 350 + 90);
        assert_eq!(plans[0].placements[0].origin, [0, 0, 0]);
        check_plan(&plans[0]);
    }

    #[test]
    fn a_tee_lies_flat_in_the_flat_mailer() {
        let plans = suggest(&[item("TEE", 300, 250, 20, 180, 2)], &demo()).expect("fits");
        assert_eq!(plans.len(), 1);
        assert_eq!(plans[0].carton.code, "MLR-F");
        check_plan(&plans[0]);
        // Stacked: one on top of the other.
        assert_eq!(plans[0].placements[1].origin, [0, 0, 20]);
    }

    #[test]
    fn items_are_rotated_to_fit() {
        // 200 mm tall standing up, but the 12x9x6 box takes it lying down.
        let plans = suggest(&[item("BOTTLE", 80, 80, 260, 900, 2)], &demo()).expect("fits");
        check_plan(&plans[0]);
        assert_eq!(plans[0].carton.code, "BOX-12");
        assert!(plans[0].placements.iter().all(|p| p.size.height_mm == 80));
    }

    #[test]
    fn the_long_item_goes_in_the_long_box() {
        let plans = suggest(&[item("YGM100-BLK-6MM", 657, 156, 165, 1293, 1)], &demo())
            .expect("fits the long box");
        assert_eq!(plans.len(), 1);
        assert_eq!(plans[0].carton.code, "BOX-LONG");
    }

    #[test]
    fn units_split_when_no_carton_holds_them_all() {
        let items = [
            item("BLK100-BLU-6080", 424, 312, 99, 1053, 9),
            item("YGM100-BLK-6MM", 657, 156, 165, 1293, 1),
            item("TEE", 300, 250, 20, 180, 3),
        ];
        let plans = suggest(&items, &demo()).expect("splits");
        assert!(plans.len() >= 2, "{plans:#?}");
        let mut per_line = [0u32; 3];
        for plan in &plans {
            check_plan(plan);
            for c in &plan.contents {
                per_line[c.line] += c.quantity;
            }
        }
        assert_eq!(per_line, [9, 1, 3]);
        assert!(plans.iter().any(|p| p.carton.code == "BOX-LONG"));
    }

    #[test]
    fn weight_splits_a_dense_order() {
        // Small but heavy: 12 x 4 kg is beyond every carton's 31.5 kg.
        let plans = suggest(&[item("KETTLEBELL", 150, 150, 150, 4000, 12)], &demo())
            .expect("splits by weight");
        assert!(plans.len() >= 2);
        let total: u32 = plans.iter().map(CartonPlan::units).sum();
        assert_eq!(total, 12);
        for plan in &plans {
            check_plan(plan);
        }
    }

    #[test]
    fn clear_errors() {
        let catalogue = demo();
        let err =
            suggest(&[item("SOFA", 2000, 900, 800, 40000, 1)], &catalogue).expect_err("too large");
        assert!(
            matches!(&err, FitError::ItemTooLarge { sku, largest, .. } if sku == "SOFA" && largest == "BOX-24"),
            "{err}"
        );
        assert!(err.to_string().contains("SKU SOFA"), "{err}");
        let err =
            suggest(&[item("ANVIL", 200, 200, 200, 40000, 1)], &catalogue).expect_err("too heavy");
        assert!(matches!(err, FitError::ItemTooHeavy { .. }), "{err}");
        let err = suggest(&[item("GHOST", 0, 10, 10, 1, 1)], &catalogue).expect_err("no dims");
        assert!(matches!(err, FitError::NoDimensions { .. }), "{err}");
        assert_eq!(
            suggest(&[item("A", 1, 1, 1, 1, 0)], &catalogue),
            Err(FitError::NothingToPack)
        );
        assert!(matches!(
            suggest(&[item("A", 1, 1, 1, 1, MAX_UNITS + 1)], &catalogue),
            Err(FitError::TooManyUnits { .. })
        ));
    }

    #[test]
    fn pack_and_expected_weight_for_an_override() {
        let catalogue = demo();
        let items = [item("MUG", 120, 90, 60, 350, 2)];
        let big = catalogue.get("BOX-24").expect("listed");
        let plan = pack(&items, big).expect("fits");
        assert_eq!(plan.gross_weight_g, 700 + big.tare_g);
        assert_eq!(
            expected_gross_weight_g(&items, big),
            700 + u64::from(big.tare_g)
        );
        let small = catalogue.get("MLR-S").expect("listed");
        assert!(pack(&[item("MUG", 120, 90, 60, 350, 9)], small).is_none());
    }

    #[test]
    fn a_full_order_is_fast_enough() {
        // The largest demo order is 74 units; MAX_UNITS small ones must also stay quick.
        let items = [
            item("SOCK", 160, 90, 15, 60, MAX_UNITS / 2),
            item("TEE", 300, 250, 20, 180, MAX_UNITS / 2),
        ];
        let plans = suggest(&items, &demo()).expect("fits");
        let total: u32 = plans.iter().map(CartonPlan::units).sum();
        assert_eq!(total, MAX_UNITS / 2 * 2);
        for plan in &plans {
            check_plan(plan);
        }
    }
}
