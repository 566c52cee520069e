//! The bottom row: function-key labels as RF screens show them (`F1=Help Esc=Back`) and, on the
//! right, where in a long list the operator is (`page 1/3`). On a narrow row the paging key is
//! kept before anything else, in a short form (`F8=More 1/2`), so that the operator can always
//! see how to reach the rest; other hints give way from the end.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Widget;

use crate::ui::strings;
use crate::ui::theme::Theme;

/// One-based page and page count of what the body shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub current: usize,
    pub count: usize,
}

pub struct KeyHints<'a> {
    pub hints: &'a [Hint],
    /// When the body has more than one page: the paging key and the page are shown.
    pub paging: Option<Paging>,
    pub theme: Theme,
}

/// A key and what it does, both from [`strings`].
pub type Hint = (&'static str, &'static str);

fn width(text: &str) -> usize {
    Line::from(text).width()
}

fn row_width(hints: &[Hint], right: &str) -> usize {
    let keys: usize = hints
        .iter()
        .map(|(key, label)| width(key) + 1 + width(label))
        .sum();
    let gaps = hints.len().saturating_sub(1);
    let right = if right.is_empty() {
        0
    } else {
        width(right) + 1
    };
    keys + gaps + right
}

impl KeyHints<'_> {
    /// The hints and right-hand text to draw in `room` columns, the most telling that fit.
    fn choose(&self, room: usize) -> (Vec<Hint>, String) {
        let Some(paging) = self.paging else {
            return (self.hints.to_vec(), String::new());
        };
        let short_key = if paging.current < paging.count {
            strings::KEY_MORE
        } else {
            strings::KEY_PREVIOUS
        };
        let long_page = strings::page(paging.current, paging.count);
        let short_page = strings::page_short(paging.current, paging.count);
        let with = |hints: &[Hint], key: Hint| {
            let mut all: Vec<Hint> = hints.to_vec();
            all.push(key);
            all
        };
        let hints = self.hints;
        let mut candidates: Vec<(Vec<Hint>, String)> = vec![
            (with(hints, strings::KEY_PAGE), long_page.clone()),
            (with(hints, short_key), long_page),
            (with(hints, short_key), short_page.clone()),
        ];
        for keep in (0..hints.len()).rev() {
            candidates.push((with(&hints[..keep], short_key), short_page.clone()));
        }
        candidates.push((vec![short_key], String::new()));
        candidates
            .into_iter()
            .find(|(hints, right)| row_width(hints, right) <= room)
            .unwrap_or_else(|| (vec![short_key], String::new()))
    }
}

impl Widget for KeyHints<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let bar = self.theme.bar();
        buf.set_style(area, bar);
        let room = usize::from(area.width);
        let (hints, right) = self.choose(room);
        let right_width = width(&right);
        let left_room = room.saturating_sub(if right.is_empty() { 0 } else { right_width + 1 });
        let mut used = 0usize;
        for (key, label) in hints {
            let gap = usize::from(used > 0);
            let hint_width = width(key) + 1 + width(label);
            if used + gap + hint_width > left_room {
                break;
            }
            let x = area.x + u16::try_from(used + gap).unwrap_or(0);
            let after_key = buf.set_stringn(x, area.y, key, hint_width, self.theme.key());
            buf.set_stringn(after_key.0, area.y, "=", 1, bar);
            buf.set_stringn(after_key.0 + 1, area.y, label, hint_width, bar);
            used += gap + hint_width;
        }
        if !right.is_empty() && right_width <= room {
            let x = area.right() - u16::try_from(right_width).unwrap_or(area.width);
            buf.set_stringn(x, area.y, &right, right_width, bar);
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;

    use super::*;
    use crate::ui::buffer_text::buffer_text;

    fn drawn(width: u16, hints: &[Hint], paging: Option<Paging>) -> String {
        let area = Rect::new(0, 0, width, 1);
        let mut buf = Buffer::empty(area);
        KeyHints {
            hints,
            paging,
            theme: Theme::PLAIN,
        }
        .render(area, &mut buf);
        buffer_text(&buf).trim_end().to_string()
    }

    #[test]
    fn the_paging_key_is_kept_before_other_hints() {
        let hints = [strings::KEY_BACK, strings::KEY_HELP];
        let first = Some(Paging {
            current: 1,
            count: 2,
        });
        assert_eq!(
            drawn(80, &hints, first),
            format!("Esc=Back F1=Help PgUp/PgDn=Page{}page 1/2", " ".repeat(41))
        );
        assert_eq!(drawn(20, &hints, first), "Esc=Back F8=More 1/2");
        let last = Some(Paging {
            current: 2,
            count: 2,
        });
        assert_eq!(drawn(20, &hints, last), "Esc=Back F7=Prev 2/2");
        assert_eq!(drawn(20, &hints, None), "Esc=Back F1=Help");
    }
}
