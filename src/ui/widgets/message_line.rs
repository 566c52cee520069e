//! The message row: an error in reverse video across the whole row (visible at arm's length,
//! with or without colour), or a confirmation in bold. Shows the long form where it fits.
//! Without colour an error starts with `! `, so that it is not taken for the key-hint bar,
//! which is reverse video too.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use crate::app::notice::Notice;
use crate::ui::theme::Theme;

pub struct MessageLine<'a> {
    pub notice: &'a Notice,
    pub theme: Theme,
}

impl Widget for MessageLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let width = usize::from(area.width);
        let style = if self.notice.is_error() {
            self.theme.error()
        } else {
            self.theme.info()
        };
        let mark = if self.notice.is_error() {
            self.theme.error_mark()
        } else {
            ""
        };
        let room = width.saturating_sub(mark.chars().count());
        let text = format!(
            "{mark}{}",
            self.theme.fit().fit(self.notice.fitting(room), room)
        );
        buf.set_style(area, style);
        buf.set_stringn(area.x, area.y, &text, width, style);
    }
}
