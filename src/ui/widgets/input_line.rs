//! The input row: a prompt, what is being typed or scanned (PINs masked), and a drawn cursor.
//! A long line shows its tail, where the typing happens. While the database is asked, `wait`
//! shows on the right; typing goes on and is kept.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Widget;

use crate::domain::gs1::GS;
use crate::ui::strings;
use crate::ui::theme::Theme;

pub struct InputLine<'a> {
    pub prompt: &'a str,
    pub text: &'a str,
    pub masked: bool,
    pub busy: bool,
    pub theme: Theme,
}

impl InputLine<'_> {
    /// The text as shown: PINs as stars, the group separator as a visible mark rather than a
    /// control character sent to the terminal.
    fn shown(&self) -> String {
        let separator = if self.theme.ascii { '^' } else { '␝' };
        self.text
            .chars()
            .map(|c| match c {
                _ if self.masked => '*',
                GS => separator,
                c => c,
            })
            .collect()
    }
}

impl Widget for InputLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let width = usize::from(area.width);
        let prompt = format!("{}>", self.prompt);
        let (after_prompt, _) =
            buf.set_stringn(area.x, area.y, &prompt, width, self.theme.prompt());
        let busy_width = if self.busy {
            strings::BUSY.len() + 1
        } else {
            0
        };
        // Room for the text and the one-cell cursor.
        let room = usize::from(area.right().saturating_sub(after_prompt + 1))
            .saturating_sub(busy_width + 1);
        let shown = self.shown();
        let count = shown.chars().count();
        let tail: String = shown.chars().skip(count.saturating_sub(room)).collect();
        let x = after_prompt + 1;
        if x < area.right() {
            let (cursor_x, _) =
                buf.set_stringn(x, area.y, &tail, room, ratatui::style::Style::new());
            if cursor_x < area.right() {
                buf.set_stringn(cursor_x, area.y, " ", 1, self.theme.cursor());
            }
        }
        if self.busy {
            let busy = Line::from(strings::BUSY).width();
            if usize::from(area.width) > prompt.len() + busy + 2 {
                let x = area.right() - u16::try_from(busy).unwrap_or(0);
                buf.set_stringn(x, area.y, strings::BUSY, busy, self.theme.muted());
            }
        }
    }
}
