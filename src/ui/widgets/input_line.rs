//! The input row: a prompt, what is being typed or scanned (PINs masked), and a drawn cursor.
//! A long line shows its tail, where the typing happens. While the database is asked, `wait`
//! shows on the right; typing goes on and is kept. A GS1 group separator shows as a mark in
//! reverse video (`<GS>` in ASCII), never as a character a scanner could have typed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
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
    /// The text as shown, one piece per character: PINs as stars, the group separator as a
    /// styled mark rather than a control character sent to the terminal.
    fn pieces(&self) -> Vec<(String, Style)> {
        self.text
            .chars()
            .map(|c| match c {
                _ if self.masked => ("*".to_string(), Style::new()),
                GS => (
                    self.theme.separator_mark().to_string(),
                    self.theme.separator(),
                ),
                c => (c.to_string(), Style::new()),
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
        // The tail that fits, whole pieces only.
        let pieces = self.pieces();
        let mut used = 0;
        let mut start = pieces.len();
        while start > 0 {
            let piece = Line::from(pieces[start - 1].0.as_str()).width();
            if used + piece > room {
                break;
            }
            used += piece;
            start -= 1;
        }
        let mut x = after_prompt + 1;
        if x < area.right() {
            for (text, style) in &pieces[start..] {
                let (next, _) =
                    buf.set_stringn(x, area.y, text, usize::from(area.right() - x), *style);
                x = next;
            }
            if x < area.right() {
                buf.set_stringn(x, area.y, " ", 1, self.theme.cursor());
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

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::style::Modifier;

    use super::*;
    use crate::ui::buffer_text::buffer_text;

    #[test]
    fn a_group_separator_shows_as_a_reverse_video_mark_in_ascii() {
        let area = Rect::new(0, 0, 30, 1);
        let mut buf = Buffer::empty(area);
        InputLine {
            prompt: "Scan",
            text: "0109\u{1d}10L7",
            masked: false,
            busy: false,
            theme: Theme::PLAIN,
        }
        .render(area, &mut buf);
        assert_eq!(buffer_text(&buf).trim_end(), "Scan> 0109<GS>10L7");
        assert!(buf[(10, 0)].modifier.contains(Modifier::REVERSED));
        assert!(!buf[(9, 0)].modifier.contains(Modifier::REVERSED));
    }
}
