//! The unlock screen: the prompt and the badges unlocked so far.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use super::state::UnlockState;
use crate::screen::chrome::Chrome;
use crate::ui::strings;
use crate::ui::text::wrap_parts;
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

/// `now` is the app's clock, in ticks: locks count down.
pub fn render_body(state: &UnlockState, theme: Theme, now: u64, area: Rect, buf: &mut Buffer) {
    let width = usize::from(area.width);
    let fit = theme.fit();
    let words: Vec<String> = strings::SCAN_BADGE_TO_UNLOCK
        .split(' ')
        .map(str::to_string)
        .collect();
    let mut lines: Vec<Line> = wrap_parts(&words, " ", width)
        .into_iter()
        .map(|line| Line::styled(line, theme.emphasis()))
        .collect();
    if let Some(pending) = &state.awaiting {
        lines.push(Line::from(strings::badge_of(&pending.badge)));
        lines.push(Line::from(strings::UNLOCKING));
    }
    // Who is locked now, so the supervisor knows which badge to ask for.
    let locked: Vec<_> = state.still_locked(now).collect();
    if !locked.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::styled(strings::LOCKED_NOW, theme.heading()));
        for (badge, seconds) in locked {
            let left = strings::seconds(seconds);
            let who = format!("{} {}", badge.badge, badge.name);
            lines.push(Line::from(fit.left_right(&who, &left, width)));
        }
    }
    // A log of this visit, latest first, as many as fit: the message line says what just
    // happened, this list what has been done.
    lines.truncate(usize::from(area.height));
    let room = usize::from(area.height).saturating_sub(lines.len() + 2);
    if room > 0 && !state.unlocked.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::styled(strings::UNLOCKED_HERE, theme.heading()));
        for badge in state.unlocked.iter().rev().take(room) {
            lines.push(Line::from(badge.as_str()));
        }
    }
    Paragraph::new(lines).render(area, buf);
}
