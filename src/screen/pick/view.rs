//! The picking screen: one instruction at a time, the location largest. Two arrangements: a
//! tall one (20x16 handhelds, 80x24 terminals) with a line per fact, and a wide one for 8-line
//! screens (40x8) that pairs facts on a line. Reverse video and bold carry every meaning.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use super::state::{Phase, PickState, Step};
use crate::domain::pick_work::{BatchWork, WorkKind, WorkTask};
use crate::screen::chrome::Chrome;
use crate::ui::strings;
use crate::ui::text::wrap_parts;
use crate::ui::theme::Theme;
use crate::ui::widgets::big_text;

pub fn chrome(state: &PickState) -> Chrome {
    let (prompt, short_key) = match &state.phase {
        Phase::Getting | Phase::NoWork | Phase::Done => (strings::PROMPT_ENTER, false),
        Phase::BuildCart => (strings::PROMPT_TOTE, false),
        Phase::Task(step) => {
            let moving = state
                .current_task()
                .is_some_and(|task| task.kind != WorkKind::Pick);
            match step {
                Step::Location => (strings::PROMPT_LOCATION, true),
                Step::Item => (strings::PROMPT_ITEM, true),
                Step::Count { .. } => (strings::PROMPT_QTY, true),
                Step::Destination { .. } if moving => (strings::PROMPT_TO, false),
                Step::Destination { .. } => (strings::PROMPT_TOTE, false),
                Step::Short { .. } => (strings::PROMPT_FOUND, false),
            }
        }
    };
    let mut hints = Vec::new();
    if short_key {
        hints.push(strings::KEY_SHORT);
    }
    hints.extend([strings::KEY_BACK, strings::KEY_HELP]);
    Chrome {
        title: strings::PICK_TITLE,
        short_title: strings::PICK_TITLE_SHORT,
        prompt,
        masked: false,
        hints,
        page: None,
    }
}

/// `waiting`: confirms kept on the terminal while the database is away.
pub fn render_body(state: &PickState, theme: Theme, waiting: usize, area: Rect, buf: &mut Buffer) {
    let width = usize::from(area.width);
    let tall = area.height >= 10;
    let big = area.height >= 18;
    let mut lines: Vec<Line> = match (&state.phase, &state.work) {
        (Phase::Getting, _) => vec![Line::from(strings::GETTING_WORK)],
        (Phase::NoWork, _) | (_, None) => vec![
            Line::styled(strings::NO_WORK, theme.emphasis()),
            Line::from(strings::NO_WORK_DETAIL),
        ],
        (Phase::Done, Some(_)) => {
            let mut lines = vec![Line::styled(strings::BATCH_DONE, theme.highlight())];
            lines.extend(wrapped(strings::BATCH_DONE_DETAIL, width));
            lines
        }
        (Phase::BuildCart, Some(work)) => cart_lines(work, theme, width, tall),
        (Phase::Task(step), Some(work)) => match work.current_task() {
            Some(task) => task_lines(work, task, step, theme, width, tall, big),
            None => vec![Line::styled(strings::BATCH_DONE, theme.highlight())],
        },
    };
    if state.pending.is_some() && matches!(state.phase, Phase::Task(_) | Phase::BuildCart) {
        lines.push(Line::from(strings::SAVING));
    }
    let fit = theme.fit();
    let mut lines: Vec<Line> = lines
        .into_iter()
        .map(|line| {
            let style = line.style;
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            Line::styled(fit.fit(&text, width), style)
        })
        .collect();
    // The offline state takes the last row: the picker must see it whatever else is shown.
    if waiting > 0 {
        let rows = usize::from(area.height);
        lines.truncate(rows.saturating_sub(1));
        let text = if width >= 20 {
            strings::offline(waiting)
        } else {
            strings::offline_short(waiting)
        };
        while lines.len() + 1 < rows && tall {
            lines.push(Line::from(""));
        }
        lines.push(Line::styled(fit.fit(&text, width), theme.highlight()));
    }
    Paragraph::new(lines).render(area, buf);
}

fn wrapped(text: &str, width: usize) -> Vec<Line<'static>> {
    let words: Vec<String> = text.split(' ').map(str::to_string).collect();
    wrap_parts(&words, " ", width)
        .into_iter()
        .map(Line::from)
        .collect()
}

fn cart_lines(work: &BatchWork, theme: Theme, width: usize, tall: bool) -> Vec<Line<'static>> {
    let fit = theme.fit();
    let Some(slot) = work.next_unbound_slot() else {
        return Vec::new();
    };
    let slots = work.slots.len();
    let mut lines = Vec::new();
    if tall {
        lines.push(Line::styled(strings::BUILD_CART, theme.heading()));
        lines.push(Line::styled(
            strings::slot_of(slot.slot, slots),
            theme.highlight(),
        ));
        lines.push(Line::from(strings::order_ref(&slot.order_ref)));
        lines.push(Line::from(""));
        lines.push(Line::styled(strings::SCAN_TOTE, theme.emphasis()));
        lines.push(Line::from(""));
        for bound in work.slots.iter().filter(|s| s.tote.is_some()) {
            let tote = bound.tote.as_deref().unwrap_or_default();
            lines.push(Line::from(fit.left_right(
                &format!("{} {tote}", bound.slot),
                &bound.order_ref,
                width,
            )));
        }
    } else {
        lines.push(Line::from(fit.left_right(
            strings::BUILD_CART,
            &strings::slot_of(slot.slot, slots),
            width,
        )));
        lines.push(Line::styled(
            strings::order_ref(&slot.order_ref),
            theme.emphasis(),
        ));
        lines.push(Line::styled(strings::SCAN_TOTE, theme.emphasis()));
    }
    lines
}

fn task_lines(
    work: &BatchWork,
    task: &WorkTask,
    step: &Step,
    theme: Theme,
    width: usize,
    tall: bool,
    big: bool,
) -> Vec<Line<'static>> {
    let fit = theme.fit();
    let (position, count) = work.position();
    let left = strings::units_left(work.units_left());
    let to = match task.kind {
        WorkKind::Pick => task
            .slot
            .and_then(|slot| work.slot(slot))
            .and_then(|slot| slot.tote.clone())
            .unwrap_or_default(),
        WorkKind::Replenish | WorkKind::PutBack => task.to_location.clone().unwrap_or_default(),
    };
    let quantity = strings::quantity_to(task.units_left(), &to);
    let lot = task
        .lot_controlled
        .then(|| strings::lot_required(&task.lot));
    let (instruction, detail) = instruction(task, step, &to);
    let location_style = match step {
        Step::Location => theme.highlight(),
        _ => theme.emphasis(),
    };
    let mut lines = Vec::new();
    if tall {
        lines.push(Line::from(fit.left_right(
            &strings::task_of(position, count),
            &left,
            width,
        )));
        if task.kind != WorkKind::Pick {
            lines.push(Line::styled(
                strings::kind_label(task.kind),
                theme.heading(),
            ));
        }
        lines.push(Line::from(strings::GO_TO));
        // Big where there is room (80x24 and up): read from across the aisle.
        if big && usize::from(big_text::width(&task.from_location)) < width {
            for row in big_text::rows(&task.from_location, theme.big_glyph()) {
                lines.push(Line::styled(row, theme.emphasis()));
            }
            lines.push(Line::styled(
                format!(" {} ", task.from_location),
                location_style,
            ));
        } else {
            lines.push(Line::styled(
                format!(" {} ", task.from_location),
                location_style,
            ));
        }
        lines.push(Line::from(""));
        lines.push(Line::styled(task.sku.clone(), theme.emphasis()));
        lines.extend(wrapped(&task.name, width).into_iter().take(2));
        lines.push(Line::from(quantity));
        if let Some(lot) = lot {
            lines.push(Line::from(lot));
        }
        lines.push(Line::from(""));
        lines.push(Line::styled(instruction, theme.emphasis()));
        if let Some(detail) = detail {
            lines.push(Line::from(detail));
        }
    } else {
        let head = format!(
            "{} {} {}",
            strings::task_of_short(position, count),
            strings::GO_TO,
            task.from_location
        );
        lines.push(Line::styled(
            fit.left_right(&head, &left, width),
            location_style,
        ));
        lines.push(Line::from(format!("{} {}", task.sku, task.name)));
        let facts = match lot {
            Some(lot) => format!("{quantity}  {lot}"),
            None => quantity,
        };
        lines.push(Line::from(facts));
        let step_line = match detail {
            Some(detail) => format!("{instruction}: {detail}"),
            None => instruction,
        };
        lines.push(Line::styled(step_line, theme.emphasis()));
    }
    lines
}

/// What to do now, and a detail (the count so far) where there is one.
fn instruction(task: &WorkTask, step: &Step, to: &str) -> (String, Option<String>) {
    let scan_to = match task.kind {
        WorkKind::Pick => strings::SCAN_TOTE,
        WorkKind::Replenish | WorkKind::PutBack => strings::SCAN_DESTINATION,
    };
    let left = task.units_left();
    match step {
        Step::Location => (strings::SCAN_LOCATION.to_string(), None),
        Step::Item => (strings::SCAN_THE_ITEM.to_string(), None),
        Step::Count { counted } => {
            let how = match task.scan_each {
                true => strings::SCAN_EACH,
                false => strings::SCAN_OR_KEY_QTY,
            };
            (how.to_string(), Some(strings::counted(*counted, left)))
        }
        Step::Destination { quantity } => (
            format!("{scan_to} {to}"),
            Some(strings::counted(*quantity, left)),
        ),
        Step::Short { counted } if *counted > 0 => (
            strings::KEY_FOUND.to_string(),
            Some(strings::counted(*counted, left)),
        ),
        Step::Short { .. } => (strings::KEY_FOUND.to_string(), None),
    }
}
