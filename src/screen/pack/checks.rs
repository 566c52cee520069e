//! Each scan at the pack station checked against the order the terminal holds: which line a
//! unit belongs to (wrong items and over-scans never reach the database), a line chosen for a
//! short, a carton code, a weight. Pure: a refusal is a notice that says what was expected.

use crate::app::notice::Notice;
use crate::db::packing::{PackLine, PackOrder, Station};
use crate::domain::cartonization::CartonCatalogue;
use crate::domain::scan::{self, Scan, ScanConfig};
use crate::ui::strings;
use crate::ui::strings::pack as words;

/// A unit scan matched to its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitScan {
    /// Index into the order's lines.
    pub line: usize,
    /// Eaches this scan counts (a case barcode counts its units).
    pub units: i32,
    /// The lot on a GS1 label, when it carries one.
    pub lot: Option<String>,
}

/// The line a scanned unit belongs to: its barcode (or its SKU code typed from the label) must
/// be one of the order's, its lot one in the totes, and the line must have room for it.
pub fn unit(order: &PackOrder, scan: &Scan) -> Result<UnitScan, Notice> {
    let (matches, units, lot, shown): (Vec<usize>, i32, Option<&str>, String) = match scan {
        Scan::Gtin(_) | Scan::Gs1(_) => {
            let Some(gtin) = scan.gtin() else {
                return Err(words::wrong_item("that label"));
            };
            let lot = match scan {
                Scan::Gs1(elements) => elements.lot.as_deref(),
                _ => None,
            };
            let mut units = 0;
            let matches = lines_where(order, |line| {
                line.barcodes
                    .iter()
                    .find(|b| b.gtin == gtin.as_str())
                    .map(|b| units = b.units)
                    .is_some()
            });
            (matches, units.max(1), lot, gtin.as_str().to_owned())
        }
        Scan::Location(code) | Scan::Text(code) => {
            let matches = lines_where(order, |line| line.sku_code.eq_ignore_ascii_case(code));
            (matches, 1, None, code.clone())
        }
        Scan::Sscc(sscc) => (Vec::new(), 0, None, sscc.as_str().to_owned()),
    };
    let Some(&first) = matches.first() else {
        return Err(words::wrong_item(&shown));
    };
    let sku = &order.lines[first].sku_code;
    if let Some(lot) = lot {
        let lots = &order.lines[first].lots;
        if !lots.is_empty() && !lots.iter().any(|l| l == lot) {
            return Err(words::wrong_lot(sku, lot, lots));
        }
    }
    // Several lines of the same SKU fill in order.
    let open = matches
        .iter()
        .copied()
        .find(|&i| order.lines[i].expected - order.lines[i].packed >= units);
    match open {
        Some(line) => Ok(UnitScan {
            line,
            units,
            lot: lot.map(str::to_owned),
        }),
        None => Err(words::over_scan(
            sku,
            matches.iter().map(|&i| order.lines[i].expected).sum(),
        )),
    }
}

fn lines_where(order: &PackOrder, mut f: impl FnMut(&PackLine) -> bool) -> Vec<usize> {
    order
        .lines
        .iter()
        .enumerate()
        .filter(|(_, line)| f(line))
        .map(|(i, _)| i)
        .collect()
}

/// The line a short is for: a line number as shown (1-based), or a scan of its item.
pub fn short_line(order: &PackOrder, text: &str, config: &ScanConfig) -> Result<usize, Notice> {
    let index = match number(text) {
        Some(n) if (1..=order.lines.len()).contains(&n) => n - 1,
        Some(_) => return Err(words::line_expected(order.lines.len())),
        None => {
            let scan = scan::classify(text, config).map_err(|e| strings::scan_refused(&e))?;
            let found = match &scan {
                Scan::Location(code) | Scan::Text(code) => order
                    .lines
                    .iter()
                    .position(|l| l.sku_code.eq_ignore_ascii_case(code)),
                _ => scan.gtin().and_then(|gtin| {
                    order
                        .lines
                        .iter()
                        .position(|l| l.barcodes.iter().any(|b| b.gtin == gtin.as_str()))
                }),
            };
            found.ok_or_else(|| words::line_expected(order.lines.len()))?
        }
    };
    let line = &order.lines[index];
    if line.packed >= line.expected {
        return Err(words::nothing_missing(&line.sku_code));
    }
    Ok(index)
}

/// Units missing from a line: 1 to what is not packed yet.
pub fn missing(line: &PackLine, text: &str) -> Result<i32, Notice> {
    let most = line.expected - line.packed;
    match number(text).and_then(|n| i32::try_from(n).ok()) {
        Some(n) if (1..=most).contains(&n) => Ok(n),
        _ => Err(words::missing_expected(most)),
    }
}

/// A carton code of the catalogue, as scanned from the box or typed.
pub fn carton_code<'a>(
    catalogue: &'a CartonCatalogue,
    text: &str,
    suggested: &str,
) -> Result<&'a str, Notice> {
    let code = text.trim().trim_start_matches("]C0").trim();
    catalogue
        .get(&code.to_ascii_uppercase())
        .or_else(|| catalogue.get(code))
        .map(|carton| carton.code.as_str())
        .ok_or_else(|| {
            let codes: Vec<String> = catalogue.cartons().iter().map(|c| c.code.clone()).collect();
            words::carton_expected(suggested, &codes)
        })
}

/// A weight keyed in the station's unit (`1.25`, `1,25`) or scanned from the scale's GS1 label
/// (AI 310n, net weight in kg), in grams.
pub fn weight(station: &Station, text: &str, config: &ScanConfig) -> Result<i32, Notice> {
    let refused = || words::weight_expected(station.scale_unit.as_str());
    let keyed = text.trim().replace(',', ".");
    if !keyed.is_empty() && keyed.chars().all(|c| c.is_ascii_digit() || c == '.') {
        let reading: f64 = keyed.parse().map_err(|_| refused())?;
        return station.to_grams(reading).map_err(|_| refused());
    }
    match scan::classify(text, config) {
        Ok(Scan::Gs1(elements)) => elements
            .net_weight
            .and_then(|w| i32::try_from(w.grams()).ok())
            .filter(|g| *g > 0)
            .ok_or_else(refused),
        _ => Err(refused()),
    }
}

/// A weight as the packer reads it, in the station's unit.
pub fn shown_weight(station: &Station, grams: i32) -> String {
    let value = f64::from(grams) / station.scale_unit.grams();
    match station.scale_unit.as_str() {
        "g" => format!("{value:.0} g"),
        unit => format!("{value:.3} {unit}"),
    }
}

/// A plain number: digits only, at most six.
pub fn number(text: &str) -> Option<usize> {
    let text = text.trim();
    if text.is_empty() || text.len() > 6 || !text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::packing::{LineBarcode, ScaleUnit};

    fn line(sku: &str, gtin: &str, expected: i32, packed: i32) -> PackLine {
        PackLine {
            order_line_id: 1,
            line_no: 1,
            external_line_id: None,
            sku_id: 1,
            sku_code: sku.into(),
            sku_name: sku.into(),
            unit_weight_g: 100,
            length_mm: 10,
            width_mm: 10,
            height_mm: 10,
            barcodes: vec![LineBarcode {
                gtin: gtin.into(),
                units: 1,
            }],
            lots: Vec::new(),
            expected,
            packed,
            in_cartons: 0,
        }
    }

    fn order(lines: Vec<PackLine>) -> PackOrder {
        PackOrder {
            order_id: 1,
            external_id: "X1".into(),
            reference: "#1001".into(),
            status: "picked".into(),
            channel: "Shop".into(),
            channel_kind: "shopify".into(),
            allows_partial_shipment: false,
            ship_to: None,
            ship_by: None,
            service_level: None,
            carrier_service: None,
            totes: Vec::new(),
            lines,
            cartons: Vec::new(),
        }
    }

    fn station(unit: ScaleUnit) -> Station {
        Station {
            id: 1,
            code: "PACK-01".into(),
            printer_host: None,
            printer_port: 9100,
            label_dir: None,
            scale_unit: unit,
            tolerance_pct: 5.0,
            tolerance_min_g: 50,
        }
    }

    const GTIN: &str = "00012345678905";

    #[test]
    fn a_unit_finds_its_line_and_an_extra_one_is_an_over_scan() {
        let cfg = ScanConfig::default();
        let o = order(vec![line("TEE", GTIN, 2, 1)]);
        let scan = scan::classify("012345678905", &cfg).unwrap();
        assert_eq!(unit(&o, &scan).unwrap().line, 0);
        let full = order(vec![line("TEE", GTIN, 2, 2)]);
        let refused = unit(&full, &scan).unwrap_err();
        assert!(refused.long.contains("Over-scan"), "{refused:?}");
    }

    #[test]
    fn an_item_not_in_the_order_is_a_wrong_item() {
        let cfg = ScanConfig::default();
        let o = order(vec![line("TEE", GTIN, 2, 0)]);
        let scan = scan::classify("4006381333931", &cfg).unwrap();
        let refused = unit(&o, &scan).unwrap_err();
        assert!(refused.long.starts_with("Wrong item"), "{refused:?}");
    }

    #[test]
    fn weights_are_keyed_in_the_station_unit_or_scanned() {
        let cfg = ScanConfig::default();
        assert_eq!(weight(&station(ScaleUnit::Kg), "1.25", &cfg), Ok(1250));
        assert_eq!(weight(&station(ScaleUnit::Kg), "1,25", &cfg), Ok(1250));
        assert_eq!(weight(&station(ScaleUnit::G), "830", &cfg), Ok(830));
        assert_eq!(weight(&station(ScaleUnit::Lb), "2", &cfg), Ok(907));
        assert_eq!(
            weight(&station(ScaleUnit::G), "(3103)001250", &cfg),
            Ok(1250)
        );
        assert!(weight(&station(ScaleUnit::G), "heavy", &cfg).is_err());
        assert!(weight(&station(ScaleUnit::G), "0", &cfg).is_err());
    }

    #[test]
    fn a_short_names_a_line_with_units_left() {
        let cfg = ScanConfig::default();
        let o = order(vec![
            line("TEE", GTIN, 2, 2),
            line("CAP", "00012345678912", 3, 1),
        ]);
        assert_eq!(short_line(&o, "2", &cfg), Ok(1));
        assert!(short_line(&o, "1", &cfg).is_err(), "all packed");
        assert!(short_line(&o, "3", &cfg).is_err());
        assert_eq!(short_line(&o, "cap", &cfg), Ok(1));
        assert_eq!(missing(&o.lines[1], "2"), Ok(2));
        assert!(missing(&o.lines[1], "3").is_err());
        assert!(missing(&o.lines[1], "0").is_err());
    }
}
