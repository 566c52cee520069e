//! The unlock screen: the prompt and the badges unlocked so far.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::state::UnlockState;
use crate::screen::chrome::Chrome;
use crate::ui::strings;
use crate::ui::theme::Theme;

pub fn chrome(_state: &UnlockState) -> Chrome {
    Chrome {
        title: strings::UNLOCK_TITLE,
        short_title: strings::UNLOCK_TITLE_SHORT,
        prompt: strings::PROMPT_BADGE,
        masked: false,
        hints: vec![strings::KEY_BACK, strings::KEY_HELP],
        page: None,
    }
}

pub fn render_body(state: &UnlockState, theme: Theme, area: Rect, buf: &mut Buffer) {
    let mut lines = vec![Line::styled(
        strings::SCAN_BADGE_TO_UNLOCK,
        theme.emphasis(),
    )];
    if let Some(pending) = &state.awaiting {
        lines.push(Line::from(strings::badge_of(&pending.badge)));
        lines.push(Line::from(strings::UNLOCKING));
    }
    // A log of this visit, latest first, as many as fit: the message line says what just
    // happened, this list what has been done.
    let room = usize::from(area.height).saturating_sub(lines.len() + 2);
    if room > 0 && !state.unlocked.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::styled(strings::UNLOCKED_HERE, theme.heading()));
        for badge in state.unlocked.iter().rev().take(room) {
            lines.push(Line::from(badge.as_str()));
        }
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}
