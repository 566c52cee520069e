//! The login screen: one prompt, the badge being logged in, and why a badge is locked.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::state::{LoginState, LoginStep};
use crate::screen::chrome::Chrome;
use crate::ui::strings;
use crate::ui::theme::Theme;

pub fn chrome(state: &LoginState) -> Chrome {
    let mut hints = Vec::new();
    if state.wants_pin() {
        hints.push(strings::KEY_BACK);
    }
    hints.extend([strings::KEY_HELP, strings::KEY_QUIT]);
    Chrome {
        title: strings::LOGIN_TITLE,
        short_title: strings::LOGIN_TITLE,
        prompt: if state.wants_pin() {
            strings::PROMPT_PIN
        } else {
            strings::PROMPT_BADGE
        },
        masked: state.wants_pin(),
        hints,
        page: None,
    }
}

/// `now` is the app's clock, in ticks: a locked badge counts down.
pub fn render_body(state: &LoginState, theme: Theme, now: u64, area: Rect, buf: &mut Buffer) {
    let mut lines: Vec<Line> = Vec::new();
    match &state.step {
        LoginStep::Badge => {
            lines.push(Line::styled(strings::SCAN_BADGE, theme.emphasis()));
        }
        LoginStep::LookingUp { badge, .. } => {
            lines.push(Line::from(strings::badge_of(badge)));
            lines.push(Line::from(strings::CHECKING_BADGE));
        }
        LoginStep::Pin { operator } | LoginStep::Checking { operator, .. } => {
            lines.push(Line::from(vec![Span::styled(
                strings::badge_of(&operator.badge),
                theme.emphasis(),
            )]));
            lines.push(Line::from(operator.name.as_str()));
            lines.push(Line::from(""));
            let prompt = if matches!(state.step, LoginStep::Checking { .. }) {
                strings::CHECKING_PIN
            } else {
                strings::ENTER_PIN
            };
            lines.push(Line::styled(prompt, theme.emphasis()));
        }
    }
    if let Some(locked) = &state.locked {
        lines.push(Line::from(""));
        lines.push(Line::from(strings::badge_locked_explained(
            &locked.badge,
            locked.seconds_left(now),
        )));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}
