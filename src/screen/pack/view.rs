//! The pack station's screen: the order's expected lines beside what is scanned, then the
//! carton at hand (box, what it holds, what it should weigh), the service and its alternatives,
//! and the cartons labelled. A desk terminal (80x24 and up) shows it all; a wallboard-sized
//! window (160x50) shows the same with every alternative and the item names in full; a 20x16
//! handheld gets the fallback: the step, the counts, and the next thing to do.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use super::checks::shown_weight;
use super::state::{CartonAction, PackState, Phase};
use crate::db::packing::{PackOrder, Station};
use crate::domain::rate_shop::Candidate;
use crate::screen::chrome::Chrome;
use crate::ui::strings::pack as words;
use crate::ui::text::{Align, code_and_number, widest};
use crate::ui::theme::Theme;

pub fn chrome(state: &PackState) -> Chrome {
    let prompt = match state.phase {
        Phase::Station => words::PROMPT_STATION,
        Phase::Order => words::PROMPT_ORDER,
        Phase::Verify => words::PROMPT_UNIT,
        Phase::ShortLine => words::PROMPT_LINE,
        Phase::ShortCount { .. } => words::PROMPT_MISSING,
        Phase::Carton => words::PROMPT_BOX,
        Phase::Weigh => words::PROMPT_WEIGHT,
        Phase::ChooseService | Phase::ChooseCarton(_) => words::PROMPT_NUMBER,
        Phase::Rating | Phase::PrinterDown { .. } | Phase::Ship => words::PROMPT_ENTER,
    };
    let labelled = state.order.as_ref().is_some_and(|o| !o.cartons.is_empty());
    let mut hints = Vec::new();
    match state.phase {
        Phase::Verify => hints.push(words::KEY_SHORT),
        Phase::Carton | Phase::Weigh => {
            if state.services.len() > 1 && !labelled {
                hints.push(words::KEY_SERVICE);
            }
            if labelled {
                hints.extend([words::KEY_REPRINT, words::KEY_VOID]);
            }
        }
        Phase::Ship | Phase::PrinterDown { .. } => {
            hints.extend([words::KEY_REPRINT, words::KEY_VOID])
        }
        _ => {}
    }
    hints.extend([crate::ui::strings::KEY_BACK, crate::ui::strings::KEY_HELP]);
    Chrome {
        title: words::PACK_TITLE,
        short_title: words::PACK_TITLE_SHORT,
        prompt,
        masked: false,
        hints,
        page: None,
    }
}

pub fn render_body(state: &PackState, theme: Theme, area: Rect, buf: &mut Buffer) {
    let width = usize::from(area.width);
    let rows = usize::from(area.height);
    let lines = if width < 40 {
        narrow(state, theme, width)
    } else {
        wide(state, theme, width, rows)
    };
    let fit = theme.fit();
    let lines: Vec<Line> = lines
        .into_iter()
        .take(rows)
        .map(|(text, style)| Line::styled(fit.fit(&text, width), style))
        .collect();
    Paragraph::new(lines).render(area, buf);
}

type Row = (String, ratatui::style::Style);

fn plain(text: impl Into<String>) -> Row {
    (text.into(), ratatui::style::Style::default())
}

/// What to do now, in a sentence.
fn instruction(state: &PackState) -> String {
    let station_unit = state
        .station
        .as_ref()
        .map_or("kg", |s| s.scale_unit.as_str());
    match &state.phase {
        Phase::Station if state.pending.is_some() => words::BINDING.into(),
        Phase::Station => match &state.station {
            Some(station) => words::rebind(&station.code),
            None => words::SCAN_STATION.into(),
        },
        Phase::Order if state.pending.is_some() => words::OPENING.into(),
        Phase::Order => words::SCAN_ORDER.into(),
        Phase::Verify if state.pending.is_some() => words::SAVING.into(),
        Phase::Verify => format!("{}: {} left", words::SCAN_UNITS, state.units_left()),
        Phase::ShortLine => words::SHORT_WHICH.into(),
        Phase::ShortCount { line } => {
            let (sku, left) = state
                .order
                .as_ref()
                .and_then(|o| o.lines.get(*line))
                .map_or((String::new(), 0), |l| {
                    (l.sku_code.clone(), l.expected - l.packed)
                });
            format!("Key how many {sku} are missing (1 to {left})")
        }
        Phase::Rating if state.pending.is_some() => words::RATING.into(),
        Phase::Rating => words::RATE_FAILED.into(),
        Phase::Carton => match state.current_carton() {
            Some(c) => format!(
                "Scan the box: {} suggested (Enter uses it)",
                c.suggested_code.as_deref().unwrap_or(&c.carton_code)
            ),
            None => words::BOX_BY_HAND.into(),
        },
        Phase::Weigh if state.pending.is_some() => words::LABELLING.into(),
        Phase::Weigh => format!("Weigh the carton: key its weight in {station_unit}"),
        Phase::PrinterDown { sscc, .. } if state.pending.is_some() => {
            format!("Printing {sscc} again...")
        }
        Phase::PrinterDown { sscc, .. } => format!("Printer down: Enter prints {sscc}"),
        Phase::Ship if state.pending.is_some() => words::SHIPPING.into(),
        Phase::Ship => words::READY_TO_SHIP.into(),
        Phase::ChooseService => words::CHOOSE_SERVICE.into(),
        Phase::ChooseCarton(CartonAction::Reprint) => words::CHOOSE_REPRINT.into(),
        Phase::ChooseCarton(CartonAction::Void) => words::CHOOSE_VOID.into(),
    }
}

/// 20-column fallback: the step and its counts, nothing that needs a table.
fn narrow(state: &PackState, theme: Theme, width: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    if let Some(station) = &state.station {
        rows.push((station.code.clone(), theme.muted()));
    }
    if let Some(order) = &state.order {
        rows.push((order.reference.clone(), theme.emphasis()));
        let expected: i32 = order.lines.iter().map(|l| l.expected).sum();
        let packed: i32 = order.lines.iter().map(|l| l.packed).sum();
        rows.push(plain(format!("Packed {packed}/{expected}")));
        if matches!(state.phase, Phase::Verify | Phase::ShortLine) {
            for (i, line) in order.lines.iter().enumerate() {
                let mark = if line.packed >= line.expected {
                    ' '
                } else {
                    '>'
                };
                // A code is never cut: the count moves to a line of its own when both do not fit.
                for row in code_and_number(
                    &format!("{mark}{} {}", i + 1, line.sku_code),
                    &words::line_of(line.packed, line.expected),
                    width,
                ) {
                    rows.push(plain(row));
                }
            }
        }
        if let Some(carton) = state.current_carton() {
            rows.push(plain(words::carton_of(carton.number, carton.count)));
            rows.push(plain(format!("Box {}", carton.carton_code)));
            if let Some(station) = &state.station {
                rows.push(plain(format!(
                    "Exp {}",
                    shown_weight(station, carton.expected_weight_g)
                )));
            }
        }
        if let Some(quote) = state.chosen() {
            rows.push(plain(format!("{} {}", quote.carrier, quote.service)));
        }
    }
    if let Some(stop) = weight_stop(state) {
        rows.push((stop, theme.highlight()));
    }
    for part in wrap(&instruction(state), width) {
        rows.push((part, theme.emphasis()));
    }
    rows
}

fn wide(state: &PackState, theme: Theme, width: usize, rows: usize) -> Vec<Row> {
    let fit = theme.fit();
    let mut out = Vec::new();
    let station = state.station.as_ref();
    let station_text = station.map_or_else(|| "no station".to_owned(), station_line);
    let Some(order) = &state.order else {
        out.push(plain(fit.left_right("", &station_text, width)));
        out.push(plain(""));
        out.push((instruction(state), theme.emphasis()));
        if matches!(state.phase, Phase::Station) && state.station.is_none() {
            out.push(plain(words::SCAN_STATION_DETAIL));
        }
        return out;
    };
    let code = station.map_or("", |s| s.code.as_str());
    out.push((
        fit.left_right(&order_line(order), code, width),
        theme.heading(),
    ));
    if matches!(state.phase, Phase::ChooseService) {
        out.push(plain(ship_to_line(order)));
        out.push(plain(""));
        out.push((instruction(state), theme.emphasis()));
        for (i, candidate) in state.services.iter().enumerate() {
            let mark = if i == state.service { '>' } else { ' ' };
            out.push(plain(format!(
                "{mark}{:>2} {}",
                i + 1,
                service_text(candidate, width >= 120)
            )));
        }
        return out;
    }
    out.push(plain(ship_to_line(order)));
    out.push((station_text, theme.muted()));
    out.extend(lines_table(state, order, theme, width));
    out.push(plain(""));
    if let Some(stop) = weight_stop(state) {
        out.push((stop, theme.highlight()));
    }
    out.push((instruction(state), theme.emphasis()));
    if let (Some(carton), Some(station)) = (state.current_carton(), station) {
        out.push(plain(""));
        let suggested = carton.suggested_code.as_deref().unwrap_or("");
        let note = if suggested != carton.carton_code && !suggested.is_empty() {
            format!(" (suggested {suggested})")
        } else {
            String::new()
        };
        let size = state
            .to_label
            .plans
            .first()
            .map(|p| {
                format!(
                    " {}x{}x{} mm",
                    p.carton.inner.length_mm, p.carton.inner.width_mm, p.carton.inner.height_mm
                )
            })
            .unwrap_or_default();
        out.push((
            format!(
                "{}: box {}{note}{size}",
                words::carton_of(carton.number, carton.count),
                carton.carton_code
            ),
            theme.emphasis(),
        ));
        let holds: Vec<String> = carton
            .lines
            .iter()
            .filter_map(|(id, units)| {
                order
                    .lines
                    .iter()
                    .find(|l| l.order_line_id == *id)
                    .map(|l| format!("{} x{units}", l.sku_code))
            })
            .collect();
        out.push(plain(format!("  holds {}", holds.join(", "))));
        out.push(plain(format!(
            "  should weigh {} (+/-{})",
            shown_weight(station, carton.expected_weight_g),
            shown_weight(
                station,
                station.tolerance_g(carton.expected_weight_g).round() as i32
            )
        )));
    }
    if !state.services.is_empty() {
        out.push(plain(""));
        // Every service on a big screen; the choice and two more on a desk terminal, all of
        // them while choosing.
        let room = if matches!(state.phase, Phase::ChooseService) || rows >= 40 {
            state.services.len()
        } else {
            3
        };
        for (i, candidate) in state.services.iter().enumerate().take(room) {
            let mark = if i == state.service { '>' } else { ' ' };
            let text = format!(
                "{mark}{:>2} {}",
                i + 1,
                service_text(candidate, width >= 120)
            );
            let style = if i == state.service {
                theme.emphasis()
            } else {
                ratatui::style::Style::default()
            };
            out.push((text, style));
        }
        if room < state.services.len() {
            let more = state.services.len() - room;
            let choosable =
                matches!(state.phase, Phase::Carton | Phase::Weigh) && order.cartons.is_empty();
            let text = match choosable {
                true => format!("  +{more} more: F3 to see or choose"),
                false => format!("  +{more} more"),
            };
            out.push((text, theme.muted()));
        }
    }
    if !order.cartons.is_empty() {
        out.push(plain(""));
        out.push((
            format!("Labelled ({})", order.cartons.len()),
            theme.heading(),
        ));
        let code_width = widest(order.cartons.iter().map(|c| c.carton_code.as_str()), 4);
        for (i, carton) in order.cartons.iter().enumerate() {
            let weight = station.map_or_else(
                || format!("{} g", carton.weight_g),
                |s| shown_weight(s, carton.weight_g),
            );
            out.push(plain(format!(
                " {} {} {:<code_width$} {:>10} {}",
                i + 1,
                carton.sscc,
                carton.carton_code,
                weight,
                carton.tracking_number.as_deref().unwrap_or("-")
            )));
        }
    }
    out
}

fn station_line(station: &Station) -> String {
    let printer = match station.printer() {
        Some((host, port)) => format!("{host}:{port}"),
        None => "label files".to_owned(),
    };
    format!(
        "Station {}: labels to {printer}, scale in {}",
        station.code,
        station.scale_unit.as_str()
    )
}

fn order_line(order: &PackOrder) -> String {
    let by = order
        .ship_by
        .map(|t| format!("  ship by {}", t.format("%m-%d %H:%M UTC")))
        .unwrap_or_default();
    let totes: Vec<&str> = order.totes.iter().map(|t| t.code.as_str()).collect();
    let totes = if totes.is_empty() {
        String::new()
    } else {
        format!("  {}", totes.join(" "))
    };
    format!("Order {} {}{by}{totes}", order.reference, order.channel)
}

fn ship_to_line(order: &PackOrder) -> String {
    let Some(to) = &order.ship_to else {
        return "Ship to: (no address)".to_owned();
    };
    let field = |k: &str| to.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
    let parts: Vec<String> = ["name", "city", "province", "zip"]
        .iter()
        .map(|k| field(k))
        .filter(|v| !v.is_empty())
        .collect();
    let level = order
        .service_level
        .as_deref()
        .map(|l| format!("  promised {l}"))
        .unwrap_or_default();
    format!("Ship to: {}{level}", parts.join(", "))
}

/// Expected beside scanned, a row a line; the line being worked on marked.
fn lines_table(state: &PackState, order: &PackOrder, theme: Theme, width: usize) -> Vec<Row> {
    let fit = theme.fit();
    let sku_width = widest(order.lines.iter().map(|l| l.sku_code.as_str()), 3);
    let count_width = 9;
    // Names beyond 40 columns push the counts too far from their SKU on a wallboard.
    let name_width = width
        .saturating_sub(4 + sku_width + count_width + 3 + 10)
        .min(40);
    let mut rows = vec![(
        fit.columns(&[
            (" #", 3, Align::Left),
            ("SKU", sku_width, Align::Left),
            ("Item", name_width, Align::Left),
            ("Expected", 8, Align::Right),
            ("Scanned", count_width, Align::Right),
        ]),
        theme.muted(),
    )];
    let short_line = match state.phase {
        Phase::ShortCount { line } => Some(line),
        _ => None,
    };
    for (i, line) in order.lines.iter().enumerate() {
        let done = line.packed >= line.expected;
        let mark = if Some(i) == short_line {
            "?"
        } else if done {
            " "
        } else {
            ">"
        };
        let number = format!("{mark}{}", i + 1);
        let expected = line.expected.to_string();
        let packed = line.packed.to_string();
        let row = fit.columns(&[
            (&number, 3, Align::Left),
            (&line.sku_code, sku_width, Align::Left),
            (&line.sku_name, name_width, Align::Left),
            (&expected, 8, Align::Right),
            (&packed, count_width, Align::Right),
        ]);
        let style = if done {
            theme.muted()
        } else {
            ratatui::style::Style::default()
        };
        rows.push((row, style));
    }
    rows
}

/// A service as one row: price, arrival, and whether it keeps the promise (why not, where there
/// is room).
fn service_text(candidate: &Candidate, why: bool) -> String {
    let quote = &candidate.quote;
    let promise = match (candidate.keeps_promise(), candidate.meets_ship_by) {
        (true, _) => "on time".to_owned(),
        (false, true) => "below level".to_owned(),
        (false, false) => "LATE".to_owned(),
    };
    // The reasons say "late: ..." themselves.
    let promise = if why && !candidate.why_not.is_empty() {
        let reasons: Vec<String> = candidate.why_not.iter().map(ToString::to_string).collect();
        reasons.join("; ")
    } else {
        promise
    };
    let price = format!(
        "${}.{:02}",
        quote.price_cents / 100,
        quote.price_cents % 100
    );
    // The service's name carries its carrier's; the codes are for the label and the manifest.
    format!(
        "{:<26} {price:>8}  arrives {}  {promise}",
        quote.service_name,
        candidate.delivers_on.format("%m-%d"),
    )
}

/// A weight that stopped the station, said large.
fn weight_stop(state: &PackState) -> Option<String> {
    let (measured, expected) = state.weight_stop?;
    let station = state.station.as_ref()?;
    Some(format!(
        "STOP: weighs {}, expected {}",
        shown_weight(station, measured),
        shown_weight(station, expected)
    ))
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let words: Vec<String> = text.split(' ').map(str::to_string).collect();
    crate::ui::text::wrap_parts(&words, " ", width)
}
