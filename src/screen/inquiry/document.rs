//! An inquiry's answer laid out as lines for one screen width: a few pinned lines (what the
//! item or location is, the figures that matter, what the scanned label said) that stay on
//! every page, and rows (stock, channels, barcodes) that page with PgUp/PgDn. A section that
//! runs on to another page repeats its heading there. On wide screens the rows stand in two
//! panes side by side (stock and barcodes; channels), paging together.
//!
//! Codes (SKUs, locations, lots, channels) are never shortened: their columns are as wide as
//! the longest code, and on a handheld a long code wraps. Names give way instead, with an
//! ellipsis.

use chrono::NaiveDate;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::state::Scanned;
use crate::app::command::Found;
use crate::db::inquiry::{Holding, ItemInquiry, LocationInquiry};
use crate::ui::layout::Compactness;
use crate::ui::strings;
use crate::ui::text::{Align, Fit, chars, code_and_number, widest, wrap_code, wrap_parts};
use crate::ui::theme::Theme;
use crate::ui::widgets::big_text;

/// Columns between two panes.
pub const PANE_GAP: u16 = 3;

/// Rows that belong together (a location and its lot line, a heading and the first row under
/// it): a page break never falls inside a block that fits on a page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Block {
    pub lines: Vec<Line<'static>>,
    /// The heading a page starts with when it starts with this block (empty for a block that
    /// opens its section with the heading itself).
    pub cont: Vec<Line<'static>>,
}

/// A column of blocks that pages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pane {
    pub width: u16,
    pub blocks: Vec<Block>,
}

fn is_blank(line: &Line) -> bool {
    line.spans.iter().all(|span| span.content.trim().is_empty())
}

impl Pane {
    /// Each page's rows, whole blocks where they fit; a page it runs on to starts with the
    /// section's heading again, never with a blank separator.
    fn pages(&self, per_page: usize) -> Vec<Vec<&Line<'static>>> {
        let mut pages: Vec<Vec<&Line<'static>>> = vec![Vec::new()];
        for block in &self.blocks {
            let used = pages.last().map_or(0, Vec::len);
            if used > 0 && used + block.lines.len() > per_page {
                pages.push(Vec::new());
            }
            for line in &block.lines {
                if pages.last().is_some_and(|page| page.len() >= per_page) {
                    pages.push(Vec::new());
                }
                let first_page = pages.len() == 1;
                let Some(page) = pages.last_mut() else {
                    continue;
                };
                if page.is_empty() {
                    if is_blank(line) {
                        continue;
                    }
                    if !first_page && block.cont.len() < per_page {
                        page.extend(block.cont.iter());
                    }
                }
                page.push(line);
            }
        }
        pages
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub pinned: Vec<Line<'static>>,
    /// One pane, or two side by side on a wide screen.
    pub panes: Vec<Pane>,
}

impl Document {
    /// Rows that fit under the pinned lines; at least one, so paging always moves.
    pub fn rows_per_page(&self, body_height: u16) -> usize {
        usize::from(body_height)
            .saturating_sub(self.pinned.len())
            .max(1)
    }

    pub fn page_count(&self, body_height: u16) -> usize {
        let per_page = self.rows_per_page(body_height);
        self.panes
            .iter()
            .map(|pane| pane.pages(per_page).len())
            .max()
            .unwrap_or(1)
            .max(1)
    }

    /// Each pane's rows on zero-based `page`, clamped to the last page; a pane with fewer pages
    /// shows nothing there.
    pub fn page_rows(&self, page: usize, body_height: u16) -> Vec<Vec<Line<'static>>> {
        let per_page = self.rows_per_page(body_height);
        let page = page.min(self.page_count(body_height).saturating_sub(1));
        self.panes
            .iter()
            .map(|pane| {
                pane.pages(per_page)
                    .get(page)
                    .map(|rows| rows.iter().map(|line| (*line).clone()).collect())
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// Collects blocks section by section; a heading waits for the block it heads.
#[derive(Default)]
struct Blocks {
    blocks: Vec<Block>,
    heading: Vec<Line<'static>>,
    cont: Vec<Line<'static>>,
}

impl Blocks {
    /// Starts a section: `heading` leads its first block, `cont` any page it runs on to.
    fn section(&mut self, heading: Vec<Line<'static>>, cont: Vec<Line<'static>>) {
        self.flush();
        self.heading = heading;
        self.cont = cont;
    }

    fn block(&mut self, lines: Vec<Line<'static>>) {
        let heading = std::mem::take(&mut self.heading);
        let cont = if heading.is_empty() {
            self.cont.clone()
        } else {
            Vec::new()
        };
        let mut all = heading;
        all.extend(lines);
        self.blocks.push(Block { lines: all, cont });
    }

    /// A heading left without rows still shows.
    fn flush(&mut self) {
        if !self.heading.is_empty() {
            let lines = std::mem::take(&mut self.heading);
            self.blocks.push(Block {
                lines,
                cont: Vec::new(),
            });
        }
    }

    fn pane(mut self, width: u16) -> Pane {
        self.flush();
        Pane {
            width,
            blocks: self.blocks,
        }
    }
}

/// How the answer is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub width: u16,
    pub compactness: Compactness,
    /// Rows of the body the answer pages in.
    pub height: u16,
    /// Room for the available quantity in big digits.
    pub big: bool,
    pub theme: Theme,
}

pub fn build(found: &Found, scanned: Option<&Scanned>, shape: Shape) -> Document {
    match found {
        Found::Item(item) => item_document(item, scanned, shape),
        Found::Location(location) => location_document(location, shape),
    }
}

fn date(date: Option<NaiveDate>) -> String {
    date.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Lot and expiry, the parts that are there.
fn lot_and_expiry(lot: &str, expiry: Option<NaiveDate>) -> Vec<String> {
    [lot.to_string(), date(expiry)]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect()
}

/// `parts` on lines of `width`, each line after `indent` spaces.
fn indented(parts: &[String], indent: usize, width: usize) -> Vec<String> {
    let pad = " ".repeat(indent);
    wrap_parts(parts, " ", width.saturating_sub(indent))
        .into_iter()
        .map(|line| format!("{pad}{line}"))
        .collect()
}

fn lines(texts: Vec<String>, style: Style) -> Vec<Line<'static>> {
    texts
        .into_iter()
        .map(|text| Line::styled(text, style))
        .collect()
}

/// What the scanned label said, and which stock it matches.
struct ScanFacts {
    /// Each fact as words, so that lines break between words and never inside a code.
    facts: Vec<Vec<String>>,
    /// The same without where the lot is, for when room is short (the marked rows say it).
    brief: Vec<Vec<String>>,
    /// The lot to mark in the stock rows.
    lot: Option<String>,
}

impl ScanFacts {
    fn of(item: &ItemInquiry, scanned: Option<&Scanned>) -> Option<ScanFacts> {
        let scanned = scanned?;
        let units = item
            .barcodes
            .iter()
            .find(|barcode| barcode.gtin == scanned.gtin)
            .map_or(1, |barcode| barcode.units);
        let mut facts = Vec::new();
        let mut brief = Vec::new();
        if units > 1 {
            facts.push(strings::scanned_case(units));
            brief.push(strings::scanned_case(units));
        }
        if let Some(count) = scanned.count {
            facts.push(strings::scanned_count(count));
            brief.push(strings::scanned_count(count));
        }
        let mut confirmed_expiry = false;
        if let Some(lot) = &scanned.lot {
            let mut places = item.stock.iter().filter(|at| at.lot == *lot);
            confirmed_expiry = item
                .stock
                .iter()
                .any(|at| at.lot == *lot && at.expiry.is_some() && at.expiry == scanned.expiry);
            match places.next() {
                Some(first) => {
                    facts.push(strings::scanned_lot_at(
                        lot,
                        &first.location,
                        places.count(),
                    ));
                    brief.push(strings::scanned_lot(lot));
                }
                None => {
                    facts.push(strings::scanned_lot_missing(lot));
                    brief.push(strings::scanned_lot_missing(lot));
                }
            }
        }
        // An expiry the stock row already shows is not repeated.
        if let Some(expiry) = scanned.expiry.filter(|_| !confirmed_expiry) {
            facts.push(strings::scanned_expiry(&date(Some(expiry))));
            brief.push(strings::scanned_expiry(&date(Some(expiry))));
        }
        if facts.is_empty() {
            return None;
        }
        let words = |facts: Vec<String>| -> Vec<Vec<String>> {
            facts
                .iter()
                .map(|fact| fact.split(' ').map(str::to_string).collect())
                .collect()
        };
        Some(ScanFacts {
            facts: words(facts),
            brief: words(brief),
            lot: scanned.lot.clone(),
        })
    }

    /// `Scanned: case x6, lot COF4826J in R-B-06`, wrapped between words; where that takes
    /// more than `max_lines`, without where the lot is.
    fn lines(
        &self,
        prefix: &str,
        width: usize,
        max_lines: usize,
        theme: Theme,
    ) -> Vec<Line<'static>> {
        let wrapped = |facts: &[Vec<String>]| {
            let mut words = vec![prefix.to_string()];
            let last = facts.len().saturating_sub(1);
            for (i, fact) in facts.iter().enumerate() {
                let mut fact = fact.clone();
                if i < last
                    && let Some(word) = fact.last_mut()
                {
                    word.push(',');
                }
                words.extend(fact);
            }
            wrap_parts(&words, " ", width)
        };
        let mut text = wrapped(&self.facts);
        if text.len() > max_lines {
            text = wrapped(&self.brief);
        }
        lines(text, theme.emphasis())
    }

    fn marks(&self, lot: &str) -> bool {
        self.lot.as_deref().is_some_and(|scanned| scanned == lot)
    }
}

fn item_document(item: &ItemInquiry, scanned: Option<&Scanned>, shape: Shape) -> Document {
    let facts = ScanFacts::of(item, scanned);
    let marks = |lot: &str| facts.as_ref().is_some_and(|facts| facts.marks(lot));
    let prefix = if shape.compactness == Compactness::Ultracompact {
        strings::SCANNED_SHORT
    } else {
        strings::SCANNED
    };
    // On a screen of a few rows, pinned facts would leave too little for the stock: they
    // lead the rows of the first page instead, on one line.
    let pin = shape.height >= 10;
    let max_lines = match (pin, shape.compactness) {
        (false, _) => 1,
        (true, Compactness::Ultracompact) => 2,
        (true, _) => 3,
    };
    let all_facts = |width: usize| {
        facts
            .as_ref()
            .map(|facts| facts.lines(prefix, width, max_lines, shape.theme))
            .unwrap_or_default()
    };
    let pinned_facts = |width: usize| if pin { all_facts(width) } else { Vec::new() };
    let mut document = match shape.compactness {
        Compactness::Ultracompact => item_ultracompact(item, shape, pinned_facts, marks),
        Compactness::Compact => item_compact(item, shape, pinned_facts, marks),
        Compactness::Full => item_full(item, shape, pinned_facts, marks),
    };
    let facts = all_facts(usize::from(shape.width));
    if !pin
        && !facts.is_empty()
        && let Some(pane) = document.panes.first_mut()
    {
        pane.blocks.insert(
            0,
            Block {
                lines: facts,
                cont: Vec::new(),
            },
        );
    }
    document
}

fn item_ultracompact(
    item: &ItemInquiry,
    shape: Shape,
    scanned_lines: impl Fn(usize) -> Vec<Line<'static>>,
    marks: impl Fn(&str) -> bool,
) -> Document {
    let theme = shape.theme;
    let fit = theme.fit();
    let w = usize::from(shape.width);
    let heading = |text: &str| vec![Line::styled(fit.fit(text, w), theme.heading())];
    let mut pinned = lines(wrap_code(&item.sku, w), theme.emphasis());
    pinned.push(Line::from(fit.fit(&item.name, w)));
    pinned.push(Line::styled(
        fit.left_right(strings::AVAILABLE, &item.available.to_string(), w),
        theme.emphasis(),
    ));
    pinned.push(Line::from(fit.fit(
        &format!(
            "{} {} {} {}",
            strings::SELLABLE_SHORT,
            item.sellable_on_hand,
            strings::RESERVED_SHORT,
            item.open_reserved
        ),
        w,
    )));
    pinned.extend(scanned_lines(w));

    let mut rows = Blocks::default();
    rows.section(
        heading(strings::STOCK),
        heading(&strings::continued(strings::STOCK)),
    );
    if item.stock.is_empty() {
        rows.block(vec![Line::from(fit.fit(strings::NO_STOCK, w))]);
    }
    for at in &item.stock {
        // Totes and stations hold picked units: say so beside the code.
        let place = if at.sellable {
            at.location.clone()
        } else {
            format!("{} {}", at.location, at.kind)
        };
        let (style, detail_style) = if marks(&at.lot) {
            (theme.highlight(), theme.highlight())
        } else {
            (Style::new(), theme.muted())
        };
        let mut block = lines(code_and_number(&place, &at.on_hand.to_string(), w), style);
        let detail = lot_and_expiry(&at.lot, at.expiry);
        if !detail.is_empty() {
            block.extend(lines(indented(&detail, 1, w), detail_style));
        }
        rows.block(block);
    }
    rows.section(
        heading(strings::CHANNELS),
        heading(&strings::continued(strings::CHANNELS)),
    );
    if item.channels.is_empty() {
        rows.block(vec![Line::from(fit.fit(strings::NO_CHANNELS, w))]);
    }
    for channel in &item.channels {
        let mut block = lines(
            code_and_number(&channel.channel, &channel.figure.to_string(), w),
            Style::new(),
        );
        block.push(Line::styled(
            fit.fit(&format!(" {}", strings::rule(&channel.rule)), w),
            theme.muted(),
        ));
        rows.block(block);
    }
    rows.section(
        heading(strings::BARCODES),
        heading(&strings::continued(strings::BARCODES)),
    );
    for barcode in &item.barcodes {
        let units = if barcode.units > 1 {
            strings::case_of(barcode.units)
        } else {
            String::new()
        };
        rows.block(lines(
            wrap_parts(&[barcode.gtin.clone(), units], " ", w),
            Style::new(),
        ));
    }
    Document {
        pinned,
        panes: vec![rows.pane(shape.width)],
    }
}

fn item_compact(
    item: &ItemInquiry,
    shape: Shape,
    scanned_lines: impl Fn(usize) -> Vec<Line<'static>>,
    marks: impl Fn(&str) -> bool,
) -> Document {
    let theme = shape.theme;
    let fit = theme.fit();
    let w = usize::from(shape.width);
    let heading = |text: &str| vec![Line::styled(fit.fit(text, w), theme.heading())];
    let mut pinned = vec![Line::from(vec![
        Span::styled(item.sku.clone(), theme.emphasis()),
        Span::raw(" "),
        Span::raw(fit.fit(&item.name, w.saturating_sub(chars(&item.sku) + 1))),
    ])];
    pinned.push(Line::from(vec![
        Span::styled(
            format!("{} {}", strings::AVAILABLE_SHORT, item.available),
            theme.emphasis(),
        ),
        Span::raw(fit.fit(
            &format!(
                "  {} {}  {} {}  {} {}",
                strings::SELLABLE_SHORT,
                item.sellable_on_hand,
                strings::RESERVED_SHORT,
                item.open_reserved,
                strings::ON_HAND_SHORT,
                item.on_hand
            ),
            w.saturating_sub(
                chars(strings::AVAILABLE_SHORT) + 1 + item.available.to_string().len(),
            ),
        )),
    ]));
    pinned.extend(scanned_lines(w));

    let mut rows = Blocks::default();
    rows.section(
        heading(strings::STOCK),
        heading(&strings::continued(strings::STOCK)),
    );
    if item.stock.is_empty() {
        rows.block(vec![Line::from(fit.fit(strings::NO_STOCK, w))]);
    }
    let location_w = widest(item.stock.iter().map(|at| at.location.as_str()), 4);
    let quantities: Vec<String> = item.stock.iter().map(|at| at.on_hand.to_string()).collect();
    let quantity_w = widest(quantities.iter().map(String::as_str), 3);
    let middle = w.saturating_sub(location_w + quantity_w + 2);
    for at in &item.stock {
        let mut detail = lot_and_expiry(&at.lot, at.expiry);
        if !at.sellable {
            detail.insert(0, at.kind.clone());
        }
        let detail_text = detail.join(" ");
        let quantity = at.on_hand.to_string();
        let style = if marks(&at.lot) {
            theme.highlight()
        } else {
            Style::new()
        };
        let block = if chars(&detail_text) <= middle {
            vec![Line::styled(
                fit.columns(&[
                    (&at.location, location_w, Align::Left),
                    (&detail_text, middle, Align::Left),
                    (&quantity, quantity_w, Align::Right),
                ]),
                style,
            )]
        } else {
            // A long lot goes on its own line rather than being cut.
            let mut block = vec![Line::styled(
                fit.columns(&[
                    (&at.location, location_w, Align::Left),
                    ("", middle, Align::Left),
                    (&quantity, quantity_w, Align::Right),
                ]),
                style,
            )];
            block.extend(lines(indented(&detail, 2, w), style));
            block
        };
        rows.block(block);
    }
    rows.section(
        heading(strings::CHANNELS),
        heading(&strings::continued(strings::CHANNELS)),
    );
    if item.channels.is_empty() {
        rows.block(vec![Line::from(fit.fit(strings::NO_CHANNELS, w))]);
    }
    let channel_w = widest(item.channels.iter().map(|c| c.channel.as_str()), 4);
    let figures: Vec<String> = item.channels.iter().map(|c| c.figure.to_string()).collect();
    let figure_w = widest(figures.iter().map(String::as_str), 3);
    let rule_w = w.saturating_sub(channel_w + figure_w + 2);
    for (channel, figure) in item.channels.iter().zip(&figures) {
        rows.block(vec![Line::from(fit.columns(&[
            (&channel.channel, channel_w, Align::Left),
            (&strings::rule(&channel.rule), rule_w, Align::Left),
            (figure, figure_w, Align::Right),
        ]))]);
    }
    rows.section(
        heading(strings::BARCODES),
        heading(&strings::continued(strings::BARCODES)),
    );
    for barcode in &item.barcodes {
        let units = if barcode.units > 1 {
            strings::case_of(barcode.units)
        } else {
            String::new()
        };
        rows.block(vec![Line::from(fit.columns(&[
            (&barcode.gtin, 14, Align::Left),
            (&barcode.symbology, 6, Align::Left),
            (&units, 6, Align::Left),
        ]))]);
    }
    Document {
        pinned,
        panes: vec![rows.pane(shape.width)],
    }
}

/// A table: its column widths and alignments, sized to the widest cell of each column.
struct Table {
    columns: Vec<(usize, Align)>,
}

impl Table {
    fn new(header: &[&str], rows: &[Vec<String>], aligns: &[Align]) -> Table {
        let columns = header
            .iter()
            .enumerate()
            .map(|(i, title)| {
                let cells = rows.iter().filter_map(|row| row.get(i)).map(String::as_str);
                let width = widest(cells, chars(title));
                (width, aligns.get(i).copied().unwrap_or(Align::Left))
            })
            .collect();
        Table { columns }
    }

    fn width(&self) -> usize {
        let cells: usize = self.columns.iter().map(|(width, _)| width).sum();
        cells + self.columns.len().saturating_sub(1)
    }

    fn row(&self, fit: Fit, cells: &[String]) -> String {
        let cells: Vec<(&str, usize, Align)> = cells
            .iter()
            .zip(&self.columns)
            .map(|(text, (width, align))| (text.as_str(), *width, *align))
            .collect();
        fit.columns(&cells)
    }

    /// Drops columns from the end, down to `keep`, while the table is wider than `width`;
    /// rows drawn after that leave the dropped cells out.
    fn narrow_to(&mut self, keep: usize, width: usize) {
        while self.columns.len() > keep && self.width() > width {
            self.columns.pop();
        }
    }
}

fn item_full(
    item: &ItemInquiry,
    shape: Shape,
    scanned_lines: impl Fn(usize) -> Vec<Line<'static>>,
    marks: impl Fn(&str) -> bool,
) -> Document {
    let theme = shape.theme;
    let fit = theme.fit();
    let w = usize::from(shape.width);
    let mut pinned = vec![Line::from(vec![
        Span::styled(item.sku.clone(), theme.emphasis()),
        Span::raw("  "),
        Span::raw(fit.fit(&item.name, w.saturating_sub(chars(&item.sku) + 2))),
    ])];
    if shape.big {
        pinned.push(Line::from(""));
        pinned.extend(figures_beside_big_available(item, theme));
    } else {
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
    }
    pinned.extend(scanned_lines(w));
    pinned.push(Line::from(""));

    // Stock: lot and expiry columns only where the item has lots.
    let lots = item
        .stock
        .iter()
        .any(|at| !at.lot.is_empty() || at.expiry.is_some());
    let mut stock_header = vec![strings::COLUMN_LOCATION, strings::COLUMN_KIND];
    let mut stock_aligns = vec![Align::Left, Align::Left];
    if lots {
        stock_header.extend([strings::COLUMN_LOT, strings::COLUMN_EXPIRY]);
        stock_aligns.extend([Align::Left, Align::Left]);
    }
    stock_header.push(strings::COLUMN_QTY);
    stock_aligns.push(Align::Right);
    let stock_rows: Vec<Vec<String>> = item
        .stock
        .iter()
        .map(|at| {
            let mut row = vec![at.location.clone(), at.kind.clone()];
            if lots {
                row.extend([at.lot.clone(), date(at.expiry)]);
            }
            row.push(at.on_hand.to_string());
            row
        })
        .collect();
    let stock = Table::new(&stock_header, &stock_rows, &stock_aligns);

    // Channels: the quantity last sent, right-aligned, and its status in a column of its own.
    let channel_header = [
        strings::COLUMN_CHANNEL,
        strings::COLUMN_FIGURE,
        strings::COLUMN_RULE,
        strings::COLUMN_PUBLISHED,
        strings::COLUMN_STATUS,
        strings::COLUMN_CHANNEL_SKU,
    ];
    let channel_aligns = [
        Align::Left,
        Align::Right,
        Align::Left,
        Align::Right,
        Align::Left,
        Align::Left,
    ];
    let channel_rows: Vec<Vec<String>> = item
        .channels
        .iter()
        .map(|channel| {
            let (sent, status) = channel
                .published
                .as_ref()
                .map(|p| (p.quantity.to_string(), p.status.clone()))
                .unwrap_or_default();
            vec![
                channel.channel.clone(),
                channel.figure.to_string(),
                strings::rule(&channel.rule),
                sent,
                status,
                channel.channel_sku.clone(),
            ]
        })
        .collect();
    let mut channels = Table::new(&channel_header, &channel_rows, &channel_aligns);

    let barcode_header = [
        strings::BARCODES,
        strings::COLUMN_KIND,
        strings::COLUMN_UNITS,
    ];
    let barcode_aligns = [Align::Left, Align::Left, Align::Right];
    let barcode_rows: Vec<Vec<String>> = item
        .barcodes
        .iter()
        .map(|b| vec![b.gtin.clone(), b.symbology.clone(), b.units.to_string()])
        .collect();
    let barcodes = Table::new(&barcode_header, &barcode_rows, &barcode_aligns);

    let left_w = stock.width().max(barcodes.width());
    let gap = usize::from(PANE_GAP);
    let side_by_side = left_w + gap + channels.width() <= w;
    let channel_pane_w = if side_by_side { w - left_w - gap } else { w };
    // A channel SKU that does not fit is left out rather than cut.
    channels.narrow_to(5, channel_pane_w);

    let header = |table: &Table, titles: &[&str]| {
        let titles: Vec<String> = titles.iter().map(|t| (*t).to_string()).collect();
        Line::styled(table.row(fit, &titles), theme.heading())
    };
    // An empty table is headed by its name, not by columns over nothing.
    let title = |text: &str| Line::styled(text.to_string(), theme.heading());
    let stock_heading = if item.stock.is_empty() {
        title(strings::STOCK)
    } else {
        header(&stock, &stock_header)
    };
    let channel_heading = if item.channels.is_empty() {
        title(strings::CHANNELS)
    } else {
        header(&channels, &channel_header)
    };
    let barcode_heading = header(&barcodes, &barcode_header);

    let mut left = Blocks::default();
    left.section(vec![stock_heading.clone()], vec![stock_heading]);
    if item.stock.is_empty() {
        left.block(vec![Line::from(strings::NO_STOCK)]);
    }
    for (at, row) in item.stock.iter().zip(&stock_rows) {
        let style = if marks(&at.lot) {
            theme.highlight()
        } else {
            Style::new()
        };
        left.block(vec![Line::styled(stock.row(fit, row), style)]);
    }
    let mut right = Blocks::default();
    let channels_pane = if side_by_side { &mut right } else { &mut left };
    let separator = if side_by_side {
        Vec::new()
    } else {
        vec![Line::from("")]
    };
    let mut opening = separator.clone();
    opening.push(channel_heading.clone());
    channels_pane.section(opening, vec![channel_heading]);
    if item.channels.is_empty() {
        channels_pane.block(vec![Line::from(strings::NO_CHANNELS)]);
    }
    for row in &channel_rows {
        channels_pane.block(vec![Line::from(channels.row(fit, row))]);
    }
    let mut opening = vec![Line::from("")];
    opening.push(barcode_heading.clone());
    left.section(opening, vec![barcode_heading]);
    for row in &barcode_rows {
        left.block(vec![Line::from(barcodes.row(fit, row))]);
    }
    let panes = if side_by_side {
        let left_width = u16::try_from(left_w).unwrap_or(shape.width);
        let right_width = u16::try_from(channel_pane_w).unwrap_or(0);
        vec![left.pane(left_width), right.pane(right_width)]
    } else {
        vec![left.pane(shape.width)]
    };
    Document { pinned, panes }
}

/// On hand, sellable and reserved on the left; the available quantity, labelled, in big digits
/// beside them: the one figure read from a distance, shown once.
fn figures_beside_big_available(item: &ItemInquiry, theme: Theme) -> Vec<Line<'static>> {
    let figures = [
        (strings::ON_HAND, item.on_hand.to_string()),
        (strings::SELLABLE, item.sellable_on_hand.to_string()),
        (strings::RESERVED, item.open_reserved.to_string()),
    ];
    let label_w = widest(figures.iter().map(|(label, _)| *label), 0);
    let number_w = widest(figures.iter().map(|(_, n)| n.as_str()), 0);
    let left_w = label_w + 2 + number_w + 6;
    let mut right = vec![Line::styled(strings::AVAILABLE, theme.heading())];
    for row in big_text::rows(&item.available.to_string(), theme.big_glyph()) {
        right.push(Line::styled(row, theme.emphasis()));
    }
    right
        .into_iter()
        .enumerate()
        .map(|(i, big)| {
            let left = figures
                .get(i)
                .map(|(label, n)| format!("{label:<label_w$}  {n:>number_w$}"))
                .unwrap_or_default();
            let mut spans = vec![Span::raw(format!("{left:<left_w$}"))];
            spans.extend(
                big.spans
                    .into_iter()
                    .map(|span| span.patch_style(big.style)),
            );
            Line::from(spans)
        })
        .collect()
}

/// Consecutive holdings of one SKU (the contents come ordered by SKU code).
fn by_sku(contents: &[Holding]) -> Vec<&[Holding]> {
    contents.chunk_by(|a, b| a.sku == b.sku).collect()
}

fn location_document(location: &LocationInquiry, shape: Shape) -> Document {
    let theme = shape.theme;
    let fit = theme.fit();
    let w = usize::from(shape.width);
    let mut kind = location.kind.clone();
    if !location.active {
        kind = format!("{kind} ({})", strings::INACTIVE);
    }
    let total = location.on_hand.to_string();
    let groups = by_sku(&location.contents);
    let group_total = |group: &[Holding]| -> String {
        group
            .iter()
            .map(|h| i64::from(h.on_hand))
            .sum::<i64>()
            .to_string()
    };
    let has_lot = |h: &Holding| !h.lot.is_empty() || h.expiry.is_some();
    let mut pinned = Vec::new();
    let mut rows = Blocks::default();
    match shape.compactness {
        Compactness::Ultracompact => {
            pinned.extend(lines(wrap_code(&location.location, w), theme.emphasis()));
            pinned.push(Line::from(fit.fit(&kind, w)));
            pinned.push(Line::styled(
                fit.left_right(strings::LOCATION_HOLDS, &total, w),
                theme.emphasis(),
            ));
            for group in &groups {
                let Some(first) = group.first() else {
                    continue;
                };
                let mut block = lines(
                    code_and_number(&first.sku, &group_total(group), w),
                    theme.emphasis(),
                );
                block.push(Line::from(fit.fit(&format!(" {}", first.name), w)));
                for holding in group.iter().filter(|h| has_lot(h)) {
                    let detail = lot_and_expiry(&holding.lot, holding.expiry);
                    if group.len() == 1 {
                        block.extend(lines(indented(&detail, 1, w), theme.muted()));
                        continue;
                    }
                    // Each lot with its own quantity; a long lot keeps its line to itself.
                    let quantity = holding.on_hand.to_string();
                    let one_line = format!(" {}", detail.join(" "));
                    if chars(&one_line) + 1 + quantity.len() <= w {
                        block.push(Line::from(fit.left_right(&one_line, &quantity, w)));
                    } else {
                        let lot_line = format!(" {}", holding.lot);
                        block.extend(lines(
                            code_and_number(&lot_line, &quantity, w),
                            Style::new(),
                        ));
                        if holding.expiry.is_some() {
                            block.push(Line::styled(
                                format!("  {}", date(holding.expiry)),
                                theme.muted(),
                            ));
                        }
                    }
                }
                rows.block(block);
            }
        }
        Compactness::Compact => {
            pinned.push(Line::from(vec![
                Span::styled(location.location.clone(), theme.emphasis()),
                Span::raw(fit.fit(
                    &format!(" {kind}"),
                    w.saturating_sub(chars(&location.location)),
                )),
            ]));
            pinned.push(Line::styled(
                format!("{} {total}", strings::LOCATION_HOLDS),
                theme.emphasis(),
            ));
            let sku_w = widest(location.contents.iter().map(|h| h.sku.as_str()), 3);
            let totals: Vec<String> = groups.iter().map(|g| group_total(g)).collect();
            let quantity_w = widest(totals.iter().map(String::as_str), 3);
            let name_w = w.saturating_sub(sku_w + quantity_w + 2);
            for (group, sku_total) in groups.iter().zip(&totals) {
                let Some(first) = group.first() else {
                    continue;
                };
                let mut block = vec![Line::from(fit.columns(&[
                    (&first.sku, sku_w, Align::Left),
                    (&first.name, name_w, Align::Left),
                    (sku_total, quantity_w, Align::Right),
                ]))];
                for holding in group.iter().filter(|h| has_lot(h)) {
                    let detail = format!(
                        "  {}",
                        lot_and_expiry(&holding.lot, holding.expiry).join(" ")
                    );
                    let line = if group.len() == 1 {
                        fit.fit(&detail, w)
                    } else {
                        fit.columns(&[
                            (&detail, w.saturating_sub(quantity_w + 1), Align::Left),
                            (&holding.on_hand.to_string(), quantity_w, Align::Right),
                        ])
                    };
                    block.push(Line::styled(line, theme.muted()));
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
            let lots = location.contents.iter().any(has_lot);
            let sku_w = widest(
                location.contents.iter().map(|h| h.sku.as_str()),
                chars(strings::COLUMN_SKU),
            );
            let lot_w = widest(
                location.contents.iter().map(|h| h.lot.as_str()),
                chars(strings::COLUMN_LOT),
            );
            let quantities: Vec<String> = location
                .contents
                .iter()
                .map(|h| h.on_hand.to_string())
                .collect();
            let quantity_w = widest(
                quantities.iter().map(String::as_str),
                chars(strings::COLUMN_QTY),
            );
            let lot_columns = if lots { lot_w + 1 + 10 + 1 } else { 0 };
            let name_w = w
                .saturating_sub(sku_w + 1 + lot_columns + quantity_w + 1)
                .max(8);
            let row = |sku: &str, name: &str, lot: &str, expiry: &str, quantity: &str| {
                let mut cells = vec![(sku, sku_w, Align::Left), (name, name_w, Align::Left)];
                if lots {
                    cells.extend([(lot, lot_w, Align::Left), (expiry, 10, Align::Left)]);
                }
                cells.push((quantity, quantity_w, Align::Right));
                fit.columns(&cells)
            };
            let header = Line::styled(
                row(
                    strings::COLUMN_SKU,
                    strings::COLUMN_NAME,
                    strings::COLUMN_LOT,
                    strings::COLUMN_EXPIRY,
                    strings::COLUMN_QTY,
                ),
                theme.heading(),
            );
            rows.section(vec![header.clone()], vec![header]);
            for group in &groups {
                // The SKU and its name once, the lots under them.
                let block = group
                    .iter()
                    .enumerate()
                    .map(|(i, h)| {
                        let (sku, name) = if i == 0 {
                            (h.sku.as_str(), h.name.as_str())
                        } else {
                            ("", "")
                        };
                        Line::from(row(
                            sku,
                            name,
                            &h.lot,
                            &date(h.expiry),
                            &h.on_hand.to_string(),
                        ))
                    })
                    .collect();
                rows.block(block);
            }
        }
    }
    if location.contents.is_empty() {
        rows.block(vec![Line::from(fit.fit(strings::LOCATION_EMPTY, w))]);
    }
    Document {
        pinned,
        panes: vec![rows.pane(shape.width)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize) -> Vec<Line<'static>> {
        (0..n).map(|i| Line::from(format!("row {i}"))).collect()
    }

    fn block(n: usize, cont: bool) -> Block {
        Block {
            lines: lines(n),
            cont: if cont {
                vec![Line::from("Heading (cont.)")]
            } else {
                Vec::new()
            },
        }
    }

    fn text(rows: &[Line]) -> Vec<String> {
        rows.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn pages_break_between_blocks_and_split_only_blocks_too_tall() {
        let doc = Document {
            pinned: lines(2),
            panes: vec![Pane {
                width: 20,
                blocks: vec![
                    block(2, false),
                    block(2, false),
                    block(1, false),
                    block(5, false),
                ],
            }],
        };
        // 5 rows of body, 2 pinned: 3 rows a page.
        let sizes: Vec<usize> = doc.panes[0].pages(3).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![2, 3, 3, 2]);
        assert_eq!(doc.page_count(5), 4);
        assert_eq!(doc.page_rows(99, 5)[0].len(), 2, "clamped to the last page");
    }

    #[test]
    fn a_section_running_on_repeats_its_heading() {
        let doc = Document {
            pinned: Vec::new(),
            panes: vec![Pane {
                width: 20,
                blocks: vec![block(2, false), block(1, true), block(1, true)],
            }],
        };
        assert_eq!(text(&doc.page_rows(0, 3)[0]), ["row 0", "row 1", "row 0"]);
        assert_eq!(text(&doc.page_rows(1, 3)[0]), ["Heading (cont.)", "row 0"]);
    }

    #[test]
    fn an_empty_document_has_one_page() {
        assert_eq!(Document::default().page_count(10), 1);
    }
}
