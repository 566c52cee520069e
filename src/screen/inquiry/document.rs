//! An inquiry's answer laid out as lines for one screen width: a few pinned lines (what the
//! item or location is, the figures that matter) that stay on every page, and rows (stock,
//! channels, barcodes) that page with PgUp/PgDn.

use ratatui::text::{Line, Span};

use crate::app::command::Found;
use crate::db::inquiry::{ItemInquiry, LocationInquiry};
use crate::ui::layout::Compactness;
use crate::ui::strings;
use crate::ui::text::{Align, columns, fit, left_right};
use crate::ui::theme::Theme;
use crate::ui::widgets::big_text;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub pinned: Vec<Line<'static>>,
    /// Rows in blocks that belong together (a location and its lot line, a heading and the
    /// first row under it): a page break never falls inside a block that fits on a page.
    pub blocks: Vec<Vec<Line<'static>>>,
}

impl Document {
    /// Rows that fit under the pinned lines; at least one, so paging always moves.
    pub fn rows_per_page(&self, body_height: u16) -> usize {
        usize::from(body_height)
            .saturating_sub(self.pinned.len())
            .max(1)
    }

    /// Each page's rows, whole blocks where they fit.
    pub fn pages(&self, body_height: u16) -> Vec<Vec<&Line<'static>>> {
        let per_page = self.rows_per_page(body_height);
        let mut pages: Vec<Vec<&Line<'static>>> = vec![Vec::new()];
        for block in &self.blocks {
            let used = pages.last().map_or(0, Vec::len);
            if used > 0 && used + block.len() > per_page {
                pages.push(Vec::new());
            }
            for line in block {
                if pages.last().is_some_and(|page| page.len() >= per_page) {
                    pages.push(Vec::new());
                }
                if let Some(page) = pages.last_mut() {
                    page.push(line);
                }
            }
        }
        pages
    }

    pub fn page_count(&self, body_height: u16) -> usize {
        self.pages(body_height).len()
    }

    /// The rows of zero-based `page`, clamped to the last page.
    pub fn page_rows(&self, page: usize, body_height: u16) -> Vec<Line<'static>> {
        let pages = self.pages(body_height);
        let last = pages.len().saturating_sub(1);
        pages
            .get(page.min(last))
            .map(|rows| rows.iter().map(|line| (*line).clone()).collect())
            .unwrap_or_default()
    }
}

/// Collects blocks; headings wait for the block they head.
#[derive(Default)]
struct Blocks {
    blocks: Vec<Vec<Line<'static>>>,
    heading: Vec<Line<'static>>,
}

impl Blocks {
    fn heading(&mut self, line: Line<'static>) {
        self.heading.push(line);
    }

    fn block(&mut self, lines: Vec<Line<'static>>) {
        let mut block = std::mem::take(&mut self.heading);
        block.extend(lines);
        self.blocks.push(block);
    }

    fn finish(mut self) -> Vec<Vec<Line<'static>>> {
        if !self.heading.is_empty() {
            self.blocks.push(self.heading);
        }
        self.blocks
    }
}

/// How the answer is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub width: u16,
    pub compactness: Compactness,
    /// Room for the available quantity in big digits.
    pub big: bool,
    pub theme: Theme,
}

pub fn build(found: &Found, shape: Shape) -> Document {
    match found {
        Found::Item(item) => item_document(item, shape),
        Found::Location(location) => location_document(location, shape),
    }
}

fn date(date: Option<chrono::NaiveDate>) -> String {
    date.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Lot and expiry in the fewest columns: `L7 2026-12-31`.
fn lot_and_expiry(lot: &str, expiry: Option<chrono::NaiveDate>) -> String {
    [lot.to_string(), date(expiry)]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn item_document(item: &ItemInquiry, shape: Shape) -> Document {
    let theme = shape.theme;
    let w = usize::from(shape.width);
    let heading = |text: &str| Line::styled(fit(text, w), theme.heading());
    let mut pinned = Vec::new();
    let mut rows = Blocks::default();
    match shape.compactness {
        Compactness::Ultracompact => {
            pinned.push(Line::styled(fit(&item.sku, w), theme.emphasis()));
            pinned.push(Line::from(fit(&item.name, w)));
            pinned.push(Line::styled(
                left_right(strings::AVAILABLE, &item.available.to_string(), w),
                theme.emphasis(),
            ));
            pinned.push(Line::from(fit(
                &format!(
                    "{} {} {} {}",
                    strings::SELLABLE_SHORT,
                    item.sellable_on_hand,
                    strings::RESERVED_SHORT,
                    item.open_reserved
                ),
                w,
            )));
            rows.heading(heading(strings::STOCK));
            if item.stock.is_empty() {
                rows.block(vec![Line::from(fit(strings::NO_STOCK, w))]);
            }
            for at in &item.stock {
                // Totes and stations hold picked units: say so beside the code.
                let place = if at.sellable {
                    at.location.clone()
                } else {
                    format!("{} {}", at.location, at.kind)
                };
                let mut block = vec![Line::from(left_right(&place, &at.on_hand.to_string(), w))];
                let detail = lot_and_expiry(&at.lot, at.expiry);
                if !detail.is_empty() {
                    block.push(Line::styled(fit(&format!(" {detail}"), w), theme.muted()));
                }
                rows.block(block);
            }
            rows.heading(heading(strings::CHANNELS));
            if item.channels.is_empty() {
                rows.block(vec![Line::from(fit(strings::NO_CHANNELS, w))]);
            }
            for channel in &item.channels {
                rows.block(vec![
                    Line::from(left_right(&channel.channel, &channel.figure.to_string(), w)),
                    Line::styled(
                        fit(&format!(" {}", strings::rule(&channel.rule)), w),
                        theme.muted(),
                    ),
                ]);
            }
            rows.heading(heading(strings::BARCODES));
            for barcode in &item.barcodes {
                let units = if barcode.units > 1 {
                    format!(" {}", strings::case_of(barcode.units))
                } else {
                    String::new()
                };
                rows.block(vec![Line::from(fit(
                    &format!("{}{units}", barcode.gtin),
                    w,
                ))]);
            }
        }
        Compactness::Compact => {
            pinned.push(Line::from(vec![
                Span::styled(item.sku.clone(), theme.emphasis()),
                Span::raw(" "),
                Span::raw(item.name.clone()),
            ]));
            pinned.push(Line::from(vec![
                Span::styled(
                    format!("{} {}", strings::AVAILABLE_SHORT, item.available),
                    theme.emphasis(),
                ),
                Span::raw(format!(
                    "  {} {}  {} {}  {} {}",
                    strings::SELLABLE_SHORT,
                    item.sellable_on_hand,
                    strings::RESERVED_SHORT,
                    item.open_reserved,
                    strings::ON_HAND_SHORT,
                    item.on_hand
                )),
            ]));
            let middle = w.saturating_sub(12 + 5 + 2);
            rows.heading(heading(strings::STOCK));
            if item.stock.is_empty() {
                rows.block(vec![Line::from(fit(strings::NO_STOCK, w))]);
            }
            for at in &item.stock {
                let mut detail = lot_and_expiry(&at.lot, at.expiry);
                if !at.sellable {
                    detail = format!("{} {detail}", at.kind).trim().to_string();
                }
                rows.block(vec![Line::from(columns(&[
                    (&at.location, 12, Align::Left),
                    (&detail, middle, Align::Left),
                    (&at.on_hand.to_string(), 5, Align::Right),
                ]))]);
            }
            rows.heading(heading(strings::CHANNELS));
            if item.channels.is_empty() {
                rows.block(vec![Line::from(fit(strings::NO_CHANNELS, w))]);
            }
            for channel in &item.channels {
                rows.block(vec![Line::from(columns(&[
                    (&channel.channel, 12, Align::Left),
                    (&strings::rule(&channel.rule), middle, Align::Left),
                    (&channel.figure.to_string(), 5, Align::Right),
                ]))]);
            }
            rows.heading(heading(strings::BARCODES));
            for barcode in &item.barcodes {
                let units = if barcode.units > 1 {
                    strings::case_of(barcode.units)
                } else {
                    String::new()
                };
                rows.block(vec![Line::from(columns(&[
                    (&barcode.gtin, 14, Align::Left),
                    (&barcode.symbology, 6, Align::Left),
                    (&units, 6, Align::Left),
                ]))]);
            }
        }
        Compactness::Full => {
            pinned.push(Line::from(vec![
                Span::styled(item.sku.clone(), theme.emphasis()),
                Span::raw("  "),
                Span::raw(item.name.clone()),
            ]));
            pinned.push(Line::from(vec![
                Span::raw(format!(
                    "{} {}   {} {}   {} {}   ",
                    strings::ON_HAND,
                    item.on_hand,
                    strings::SELLABLE,
                    item.sellable_on_hand,
                    strings::RESERVED,
                    item.open_reserved
                )),
                Span::styled(
                    format!("{} {}", strings::AVAILABLE, item.available),
                    theme.emphasis(),
                ),
            ]));
            if shape.big {
                pinned.push(Line::from(""));
                pinned.push(Line::styled(strings::AVAILABLE, theme.heading()));
                let figure = item.available.to_string();
                for row in big_text::rows(&figure, theme.big_glyph()) {
                    pinned.push(Line::styled(row, theme.emphasis()));
                }
            }
            pinned.push(Line::from(""));
            rows.heading(Line::styled(
                columns(&[
                    (strings::COLUMN_LOCATION, 14, Align::Left),
                    (strings::COLUMN_KIND, 12, Align::Left),
                    (strings::COLUMN_LOT, 14, Align::Left),
                    (strings::COLUMN_EXPIRY, 10, Align::Left),
                    (strings::COLUMN_QTY, 8, Align::Right),
                ]),
                theme.heading(),
            ));
            if item.stock.is_empty() {
                rows.block(vec![Line::from(strings::NO_STOCK)]);
            }
            for at in &item.stock {
                rows.block(vec![Line::from(columns(&[
                    (&at.location, 14, Align::Left),
                    (&at.kind, 12, Align::Left),
                    (&at.lot, 14, Align::Left),
                    (&date(at.expiry), 10, Align::Left),
                    (&at.on_hand.to_string(), 8, Align::Right),
                ]))]);
            }
            rows.heading(Line::from(""));
            rows.heading(Line::styled(
                columns(&[
                    (strings::COLUMN_CHANNEL, 14, Align::Left),
                    (strings::COLUMN_FIGURE, 6, Align::Right),
                    (strings::COLUMN_RULE, 18, Align::Left),
                    (strings::COLUMN_PUBLISHED, 14, Align::Left),
                    (strings::COLUMN_SKU, 20, Align::Left),
                ]),
                theme.heading(),
            ));
            if item.channels.is_empty() {
                rows.block(vec![Line::from(strings::NO_CHANNELS)]);
            }
            for channel in &item.channels {
                let sent = channel
                    .published
                    .as_ref()
                    .map(|p| strings::published(p.quantity, &p.status))
                    .unwrap_or_default();
                rows.block(vec![Line::from(columns(&[
                    (&channel.channel, 14, Align::Left),
                    (&channel.figure.to_string(), 6, Align::Right),
                    (&strings::rule(&channel.rule), 18, Align::Left),
                    (&sent, 14, Align::Left),
                    (&channel.channel_sku, 20, Align::Left),
                ]))]);
            }
            rows.heading(Line::from(""));
            rows.heading(Line::styled(
                columns(&[
                    (strings::BARCODES, 14, Align::Left),
                    (strings::COLUMN_KIND, 8, Align::Left),
                    (strings::COLUMN_UNITS, 6, Align::Right),
                ]),
                theme.heading(),
            ));
            for barcode in &item.barcodes {
                rows.block(vec![Line::from(columns(&[
                    (&barcode.gtin, 14, Align::Left),
                    (&barcode.symbology, 8, Align::Left),
                    (&barcode.units.to_string(), 6, Align::Right),
                ]))]);
            }
        }
    }
    Document {
        pinned,
        blocks: rows.finish(),
    }
}

fn location_document(location: &LocationInquiry, shape: Shape) -> Document {
    let theme = shape.theme;
    let w = usize::from(shape.width);
    let mut kind = location.kind.clone();
    if !location.active {
        kind = format!("{kind} ({})", strings::INACTIVE);
    }
    let total = location.on_hand.to_string();
    let mut pinned = Vec::new();
    let mut rows = Blocks::default();
    match shape.compactness {
        Compactness::Ultracompact => {
            pinned.push(Line::styled(fit(&location.location, w), theme.emphasis()));
            pinned.push(Line::from(fit(&kind, w)));
            pinned.push(Line::styled(
                left_right(strings::LOCATION_HOLDS, &total, w),
                theme.emphasis(),
            ));
            for holding in &location.contents {
                let mut block = vec![
                    Line::from(left_right(&holding.sku, &holding.on_hand.to_string(), w)),
                    Line::from(fit(&format!(" {}", holding.name), w)),
                ];
                let detail = lot_and_expiry(&holding.lot, holding.expiry);
                if !detail.is_empty() {
                    block.push(Line::styled(fit(&format!(" {detail}"), w), theme.muted()));
                }
                rows.block(block);
            }
        }
        Compactness::Compact => {
            pinned.push(Line::from(vec![
                Span::styled(location.location.clone(), theme.emphasis()),
                Span::raw(format!(" {kind}")),
            ]));
            pinned.push(Line::styled(
                format!("{} {total}", strings::LOCATION_HOLDS),
                theme.emphasis(),
            ));
            let middle = w.saturating_sub(14 + 5 + 2);
            for holding in &location.contents {
                let mut block = vec![Line::from(columns(&[
                    (&holding.sku, 14, Align::Left),
                    (&holding.name, middle, Align::Left),
                    (&holding.on_hand.to_string(), 5, Align::Right),
                ]))];
                let detail = lot_and_expiry(&holding.lot, holding.expiry);
                if !detail.is_empty() {
                    block.push(Line::styled(fit(&format!("  {detail}"), w), theme.muted()));
                }
                rows.block(block);
            }
        }
        Compactness::Full => {
            pinned.push(Line::from(vec![
                Span::styled(location.location.clone(), theme.emphasis()),
                Span::raw(format!("  {kind}")),
            ]));
            pinned.push(Line::styled(
                format!("{} {total}", strings::LOCATION_HOLDS),
                theme.emphasis(),
            ));
            pinned.push(Line::from(""));
            rows.heading(Line::styled(
                columns(&[
                    (strings::COLUMN_SKU, 16, Align::Left),
                    (strings::COLUMN_NAME, 24, Align::Left),
                    (strings::COLUMN_LOT, 12, Align::Left),
                    (strings::COLUMN_EXPIRY, 10, Align::Left),
                    (strings::COLUMN_QTY, 8, Align::Right),
                ]),
                theme.heading(),
            ));
            for holding in &location.contents {
                rows.block(vec![Line::from(columns(&[
                    (&holding.sku, 16, Align::Left),
                    (&holding.name, 24, Align::Left),
                    (&holding.lot, 12, Align::Left),
                    (&date(holding.expiry), 10, Align::Left),
                    (&holding.on_hand.to_string(), 8, Align::Right),
                ]))]);
            }
        }
    }
    if location.contents.is_empty() {
        rows.block(vec![Line::from(fit(strings::LOCATION_EMPTY, w))]);
    }
    Document {
        pinned,
        blocks: rows.finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize) -> Vec<Line<'static>> {
        (0..n).map(|i| Line::from(i.to_string())).collect()
    }

    #[test]
    fn pages_break_between_blocks_and_split_only_blocks_too_tall() {
        let doc = Document {
            pinned: lines(2),
            blocks: vec![lines(2), lines(2), lines(1), lines(5)],
        };
        // 5 rows of body, 2 pinned: 3 rows a page.
        let sizes: Vec<usize> = doc.pages(5).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![2, 3, 3, 2]);
        assert_eq!(doc.page_count(5), 4);
        assert_eq!(doc.page_rows(99, 5).len(), 2, "clamped to the last page");
    }

    #[test]
    fn an_empty_document_has_one_page() {
        assert_eq!(Document::default().page_count(10), 1);
    }
}
