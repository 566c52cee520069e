//! The bottom row: function-key labels as RF screens show them (`F1=Help Esc=Back`) and, on the
//! right, where in a long list the operator is (`page 1/3`). Hints that do not fit are dropped
//! from the end; the page indicator is kept.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Widget;

use crate::ui::theme::Theme;

pub struct KeyHints<'a> {
    pub hints: &'a [(&'a str, &'a str)],
    pub right: Option<&'a str>,
    pub theme: Theme,
}

impl Widget for KeyHints<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let bar = self.theme.bar();
        buf.set_style(area, bar);
        let width = usize::from(area.width);
        let right = self.right.unwrap_or("");
        let right_width = Line::from(right).width();
        let room = width.saturating_sub(if right.is_empty() { 0 } else { right_width + 1 });
        let mut used = 0usize;
        for (key, label) in self.hints {
            let gap = usize::from(used > 0);
            let hint_width = Line::from(*key).width() + 1 + Line::from(*label).width();
            if used + gap + hint_width > room {
                break;
            }
            let x = area.x + u16::try_from(used + gap).unwrap_or(0);
            let after_key = buf.set_stringn(x, area.y, key, hint_width, self.theme.key());
            buf.set_stringn(after_key.0, area.y, "=", 1, bar);
            buf.set_stringn(after_key.0 + 1, area.y, label, hint_width, bar);
            used += gap + hint_width;
        }
        if !right.is_empty() && right_width <= width {
            let x = area.right() - u16::try_from(right_width).unwrap_or(area.width);
            buf.set_stringn(x, area.y, right, right_width, bar);
        }
    }
}
