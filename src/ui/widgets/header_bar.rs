//! One row in bar style: context on the left (warehouse, screen), who is logged in on the right.
//! When both do not fit, the right side gives way.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Widget;

use crate::ui::text::Fit;

pub struct HeaderBar<'a> {
    pub left: &'a str,
    pub right: &'a str,
    pub style: Style,
    /// How the left side is shortened when it alone does not fit.
    pub fit: Fit,
}

impl Widget for HeaderBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        buf.set_style(area, self.style);
        let width = usize::from(area.width);
        let left = Line::from(self.left).width();
        let right = Line::from(self.right).width();
        buf.set_stringn(
            area.x,
            area.y,
            self.fit.fit(self.left, width),
            width,
            self.style,
        );
        if !self.right.is_empty() && left + 1 + right <= width {
            // Fits, so the width is below u16::MAX.
            let x = area.right() - u16::try_from(right).unwrap_or(area.width);
            buf.set_stringn(x, area.y, self.right, right, self.style);
        }
    }
}
