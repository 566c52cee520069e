//! The help panel (F1): this screen's keys, then the keys every screen shares.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::Screen;
use crate::ui::layout::Compactness;
use crate::ui::strings;
use crate::ui::theme::Theme;

fn screen_keys(screen: &Screen) -> &'static [(&'static str, &'static str)] {
    match screen {
        Screen::Login(_) => strings::HELP_LOGIN,
        Screen::Menu(_) => strings::HELP_MENU,
        Screen::Inquiry(_) => strings::HELP_INQUIRY,
        Screen::Unlock(_) => strings::HELP_UNLOCK,
    }
}

pub fn render(
    screen: &Screen,
    theme: Theme,
    compactness: Compactness,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut lines = vec![Line::styled(strings::HELP_TITLE, theme.heading())];
    let keys = screen_keys(screen).iter().chain(strings::HELP_COMMON);
    for (key, what) in keys {
        lines.push(match compactness {
            // Narrow screens cannot afford a key column: the meaning follows and wraps.
            Compactness::Ultracompact => Line::from(vec![
                Span::styled(*key, theme.emphasis()),
                Span::raw(" "),
                Span::raw(*what),
            ]),
            _ => Line::from(vec![
                Span::styled(format!("{key:<10}"), theme.emphasis()),
                Span::raw(*what),
            ]),
        });
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}
