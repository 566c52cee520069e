//! The help panel (F1): this screen's keys, then the keys every screen shares, a page at a time
//! where the screen is short (PgUp/PgDn page it; Esc or F1 closes it).

use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::Screen;
use super::chrome::{Chrome, Page};
use crate::ui::layout::{Compactness, Regions};
use crate::ui::strings;
use crate::ui::text::wrap_parts;
use crate::ui::theme::Theme;

fn screen_keys(screen: &Screen) -> &'static [(&'static str, &'static str)] {
    match screen {
        Screen::Login(_) => strings::HELP_LOGIN,
        Screen::Menu(_) => strings::HELP_MENU,
        Screen::Inquiry(_) => strings::HELP_INQUIRY,
        Screen::Unlock(_) => strings::HELP_UNLOCK,
        Screen::Pick(_) => strings::HELP_PICK,
        Screen::Pack(_) => strings::pack::HELP_PACK,
    }
}

/// Width of the key column where there is room for one.
const KEY_COLUMN: usize = 10;

/// One line per key, or more where a narrow screen wraps the meaning under its key.
fn key_lines(
    screen: &Screen,
    theme: Theme,
    compactness: Compactness,
    width: usize,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (key, what) in screen_keys(screen).iter().chain(strings::HELP_COMMON) {
        match compactness {
            // Narrow screens cannot afford a key column: the meaning follows and wraps.
            Compactness::Ultracompact => {
                let mut words = vec![(*key).to_string()];
                words.extend(what.split(' ').map(str::to_string));
                for (i, text) in wrap_parts(&words, " ", width).into_iter().enumerate() {
                    if i == 0 {
                        let rest = text.strip_prefix(key).unwrap_or("").to_string();
                        lines.push(Line::from(vec![
                            Span::styled(*key, theme.emphasis()),
                            Span::raw(rest),
                        ]));
                    } else {
                        lines.push(Line::from(format!(" {text}")));
                    }
                }
            }
            _ => lines.push(Line::from(vec![
                Span::styled(format!("{key:<KEY_COLUMN$}"), theme.emphasis()),
                Span::raw(*what),
            ])),
        }
    }
    lines
}

/// The help's pages on a screen of `size`: each starts with the title.
fn pages(screen: &Screen, theme: Theme, size: Size) -> Vec<Vec<Line<'static>>> {
    let Some(regions) = Regions::for_size(size) else {
        return vec![Vec::new()];
    };
    let width = usize::from(regions.body.width);
    let per_page = usize::from(regions.body.height).saturating_sub(1).max(1);
    let lines = key_lines(screen, theme, regions.compactness, width);
    lines
        .chunks(per_page)
        .map(|chunk| {
            let mut page = vec![Line::styled(strings::HELP_TITLE, theme.heading())];
            page.extend(chunk.iter().cloned());
            page
        })
        .collect()
}

/// How many pages the help takes on a screen of `size`.
pub fn page_count(screen: &Screen, size: Size) -> usize {
    pages(screen, Theme::PLAIN, size).len().max(1)
}

/// The footer while the help is shown: how to close it and, if it has pages, how to page.
pub fn chrome(screen: &Screen, page: usize, size: Size, under: Chrome) -> Chrome {
    let count = page_count(screen, size);
    Chrome {
        hints: vec![strings::KEY_CLOSE],
        page: (count > 1).then_some(Page {
            current: page.min(count - 1) + 1,
            count,
        }),
        ..under
    }
}

pub fn render(
    screen: &Screen,
    theme: Theme,
    page: usize,
    size: Size,
    area: Rect,
    buf: &mut Buffer,
) {
    let pages = pages(screen, theme, size);
    let last = pages.len().saturating_sub(1);
    let lines = pages.into_iter().nth(page.min(last)).unwrap_or_default();
    Paragraph::new(lines).render(area, buf);
}
