//! The menu: who is logged in, then one numbered entry per line.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::state::MenuState;
use crate::db::operators::Operator;
use crate::screen::chrome::Chrome;
use crate::ui::layout::Compactness;
use crate::ui::strings;
use crate::ui::theme::Theme;

pub fn chrome(_state: &MenuState) -> Chrome {
    Chrome {
        title: strings::MENU_TITLE,
        short_title: strings::MENU_TITLE,
        prompt: strings::PROMPT_CHOICE,
        masked: false,
        hints: vec![strings::KEY_HELP, strings::KEY_QUIT],
        page: None,
    }
}

pub fn render_body(
    state: &MenuState,
    operator: Option<&Operator>,
    theme: Theme,
    compactness: Compactness,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut lines: Vec<Line> = Vec::new();
    if let Some(operator) = operator {
        lines.push(Line::styled(
            theme.fit().fit(
                &strings::operator_line(&operator.name, operator.role),
                usize::from(area.width),
            ),
            theme.emphasis(),
        ));
    }
    // Short screens need every row for the entries.
    if area.height as usize > state.entries.len() + 2 {
        lines.push(Line::from(""));
    }
    for (i, entry) in state.entries.iter().enumerate() {
        lines.push(Line::from(vec![
            Span::styled(format!("{}", i + 1), theme.emphasis()),
            Span::raw(" "),
            Span::raw(entry.label()),
        ]));
    }
    if compactness == Compactness::Full {
        lines.push(Line::from(""));
        lines.push(Line::from(strings::CHOOSE));
    }
    Paragraph::new(lines).render(area, buf);
}
