//! Below the minimum size every screen says so plainly instead of drawing a broken layout.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::ui::layout::{MIN_HEIGHT, MIN_WIDTH};
use crate::ui::strings;

pub struct TooSmall;

impl Widget for TooSmall {
    fn render(self, area: Rect, buf: &mut Buffer) {
        Paragraph::new(strings::too_small(MIN_WIDTH, MIN_HEIGHT))
            .wrap(Wrap { trim: true })
            .render(area, buf);
    }
}
