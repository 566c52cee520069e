//! The inquiry screen: the prompt until something is found, then the answer, a page at a time:
//! the pinned lines on top, the rows of each pane (one, or two side by side) under them.

use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::document::{self, Document, PANE_GAP, Shape};
use super::state::{InquiryState, Scanned};
use crate::app::command::Found;
use crate::screen::chrome::{Chrome, Page};
use crate::ui::layout::{Regions, has_room_for_big_text};
use crate::ui::strings;
use crate::ui::theme::Theme;

/// The answer laid out for a screen of `size`, with the body height it pages in.
fn laid_out(
    found: &Found,
    scanned: Option<&Scanned>,
    size: Size,
    theme: Theme,
) -> Option<(Document, u16)> {
    let regions = Regions::for_size(size)?;
    let shape = Shape {
        width: regions.body.width,
        height: regions.body.height,
        compactness: regions.compactness,
        big: has_room_for_big_text(size),
        theme,
    };
    Some((document::build(found, scanned, shape), regions.body.height))
}

pub fn page_count(found: &Found, scanned: Option<&Scanned>, size: Size, theme: Theme) -> usize {
    laid_out(found, scanned, size, theme).map_or(1, |(doc, height)| doc.page_count(height))
}

pub fn chrome(state: &InquiryState, size: Size, theme: Theme) -> Chrome {
    // Only a list longer than the screen says which page it is on.
    let page = state
        .shown
        .as_ref()
        .map(|found| page_count(found, state.scanned.as_ref(), size, theme))
        .filter(|&count| count > 1)
        .map(|count| Page {
            current: state.page.min(count - 1) + 1,
            count,
        });
    Chrome {
        title: strings::INQUIRY_TITLE,
        short_title: strings::INQUIRY_TITLE_SHORT,
        prompt: strings::PROMPT_SCAN,
        masked: false,
        hints: vec![strings::KEY_BACK, strings::KEY_HELP],
        page,
    }
}

pub fn render_body(state: &InquiryState, theme: Theme, size: Size, area: Rect, buf: &mut Buffer) {
    let Some(found) = &state.shown else {
        let mut lines = vec![Line::styled(strings::SCAN_ITEM, theme.emphasis())];
        if let Some(awaiting) = &state.awaiting {
            lines.push(Line::from(awaiting.code.as_str()));
            lines.push(Line::from(strings::LOOKING_UP));
        } else if area.height > 3 {
            lines.push(Line::from(""));
            lines.push(Line::from(strings::SCAN_ITEM_DETAIL));
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .render(area, buf);
        return;
    };
    let Some((doc, height)) = laid_out(found, state.scanned.as_ref(), size, theme) else {
        return;
    };
    let pinned = u16::try_from(doc.pinned.len()).unwrap_or(area.height);
    Paragraph::new(doc.pinned.clone()).render(area, buf);
    let rows_area = Rect::new(
        area.x,
        area.y.saturating_add(pinned),
        area.width,
        area.height.saturating_sub(pinned),
    );
    let mut x = rows_area.x;
    for (pane, rows) in doc.panes.iter().zip(doc.page_rows(state.page, height)) {
        let width = pane.width.min(rows_area.right().saturating_sub(x));
        let pane_area = Rect::new(x, rows_area.y, width, rows_area.height);
        Paragraph::new(rows).render(pane_area, buf);
        x = x.saturating_add(pane.width).saturating_add(PANE_GAP);
    }
}
