//! The inquiry screen: the prompt until something is found, then the answer, a page at a time.

use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::document::{self, Document, Shape};
use super::state::InquiryState;
use crate::app::command::Found;
use crate::screen::chrome::{Chrome, Page};
use crate::ui::layout::{Regions, has_room_for_big_text};
use crate::ui::strings;
use crate::ui::theme::Theme;

/// The answer laid out for a screen of `size`, with the body height it pages in.
fn laid_out(found: &Found, size: Size, theme: Theme) -> Option<(Document, u16)> {
    let regions = Regions::for_size(size)?;
    let shape = Shape {
        width: regions.body.width,
        compactness: regions.compactness,
        big: has_room_for_big_text(size),
        theme,
    };
    Some((document::build(found, shape), regions.body.height))
}

pub fn page_count(found: &Found, size: Size, theme: Theme) -> usize {
    laid_out(found, size, theme).map_or(1, |(doc, height)| doc.page_count(height))
}

pub fn chrome(state: &InquiryState, size: Size, theme: Theme) -> Chrome {
    // Only a list longer than the screen says which page it is on.
    let page = state
        .shown
        .as_ref()
        .map(|found| page_count(found, size, theme))
        .filter(|&count| count > 1)
        .map(|count| Page {
            current: state.page.min(count - 1) + 1,
            count,
        });
    let mut hints = vec![strings::KEY_BACK, strings::KEY_HELP];
    if page.is_some() {
        hints.push(strings::KEY_PAGE);
    }
    Chrome {
        title: strings::INQUIRY_TITLE,
        short_title: strings::INQUIRY_TITLE_SHORT,
        prompt: strings::PROMPT_SCAN,
        masked: false,
        hints,
        page,
    }
}

pub fn render_body(state: &InquiryState, theme: Theme, size: Size, area: Rect, buf: &mut Buffer) {
    let Some(found) = &state.shown else {
        let mut lines = vec![Line::styled(strings::SCAN_ITEM, theme.emphasis())];
        if let Some((_, code)) = &state.awaiting {
            lines.push(Line::from(code.as_str()));
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
    let Some((doc, height)) = laid_out(found, size, theme) else {
        return;
    };
    let mut lines = doc.pinned.clone();
    lines.extend(doc.page_rows(state.page, height));
    Paragraph::new(lines).render(area, buf);
}
