//! Fitting text into a fixed number of columns, as narrow RF screens need: names and other prose
//! are shortened with an ellipsis, so the operator sees that something is missing; codes (SKUs,
//! locations, lots, badges) are never shortened but wrapped, since a cut code is a wrong code;
//! and a number stays whole on the right of its label.

/// The mark that ends a shortened text.
pub const ELLIPSIS: char = '…';
/// The same for terminals that show ASCII only.
pub const ASCII_ELLIPSIS: char = '~';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Shortens text with one terminal's ellipsis (see [`Theme::fit`](crate::ui::theme::Theme)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fit {
    pub ellipsis: char,
}

impl Default for Fit {
    fn default() -> Fit {
        Fit { ellipsis: ELLIPSIS }
    }
}

impl Fit {
    /// `text` in at most `width` columns: whole if it fits, else cut and ended with the
    /// ellipsis.
    pub fn fit(self, text: &str, width: usize) -> String {
        if chars(text) <= width {
            return text.to_string();
        }
        if width == 0 {
            return String::new();
        }
        let mut cut: String = text.chars().take(width - 1).collect();
        // A cut that ends in a space reads as a finished word: drop the space.
        let trimmed = cut.trim_end().len();
        cut.truncate(trimmed);
        cut.push(self.ellipsis);
        cut
    }

    /// `left` and `right` on one line of `width` columns, `right` flush right and whole, one
    /// space at least between them; `left` is shortened if both do not fit.
    pub fn left_right(self, left: &str, right: &str, width: usize) -> String {
        let right_len = chars(right);
        if right_len >= width {
            return self.fit(right, width);
        }
        let left = self.fit(left, width.saturating_sub(right_len + 1));
        let gap = width - right_len - chars(&left);
        format!("{left}{}{right}", " ".repeat(gap))
    }

    /// One table row: each cell padded to its column width, or shortened with the ellipsis,
    /// columns one space apart. Size code columns to their longest code so that they are never
    /// shortened.
    pub fn columns(self, cells: &[(&str, usize, Align)]) -> String {
        let mut row = String::new();
        for (i, (text, width, align)) in cells.iter().enumerate() {
            if i > 0 {
                row.push(' ');
            }
            let cell = self.fit(text, *width);
            let pad = " ".repeat(width.saturating_sub(chars(&cell)));
            match align {
                Align::Left => {
                    row.push_str(&cell);
                    row.push_str(&pad);
                }
                Align::Right => {
                    row.push_str(&pad);
                    row.push_str(&cell);
                }
            }
        }
        row.trim_end().to_string()
    }
}

/// Characters in `text`, the columns it takes (codes and names here are narrow characters).
pub fn chars(text: &str) -> usize {
    text.chars().count()
}

/// The widest of `texts`, and at least `min`: a column wide enough for every code in it.
pub fn widest<'a>(texts: impl IntoIterator<Item = &'a str>, min: usize) -> usize {
    texts.into_iter().map(chars).fold(min, usize::max)
}

/// A code on lines of `width` columns, whole: split across lines only where it is longer than
/// a line.
pub fn wrap_code(code: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let all: Vec<char> = code.chars().collect();
    if all.is_empty() {
        return vec![String::new()];
    }
    all.chunks(width)
        .map(|chunk| chunk.iter().collect())
        .collect()
}

/// A code and its number on lines of `width`: one line when both fit, the number flush right;
/// else the code wrapped whole and the number on the last line it fits on.
pub fn code_and_number(code: &str, number: &str, width: usize) -> Vec<String> {
    let number_len = chars(number);
    if chars(code) + 1 + number_len <= width {
        return vec![Fit::default().left_right(code, number, width)];
    }
    let mut lines = wrap_code(code, width);
    let fits_last = lines
        .last()
        .is_some_and(|last| chars(last) + 1 + number_len <= width);
    if fits_last {
        if let Some(last) = lines.last_mut() {
            let gap = width - chars(last) - number_len;
            last.push_str(&" ".repeat(gap));
            last.push_str(number);
        }
    } else {
        lines.push(format!(
            "{}{number}",
            " ".repeat(width.saturating_sub(number_len))
        ));
    }
    lines
}

/// Words (or phrases) joined by `separator` on lines of `width`, breaking only between them; a
/// part longer than a line is wrapped as a code.
pub fn wrap_parts(parts: &[String], separator: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for part in parts {
        if line.is_empty() {
            line.clone_from(part);
        } else if chars(&line) + chars(separator) + chars(part) <= width {
            line.push_str(separator);
            line.push_str(part);
        } else {
            lines.push(std::mem::take(&mut line));
            line.clone_from(part);
        }
        if chars(&line) > width {
            let mut pieces = wrap_code(&line, width);
            line = pieces.pop().unwrap_or_default();
            lines.extend(pieces);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortened_text_ends_with_an_ellipsis() {
        let fit = Fit::default();
        assert_eq!(fit.fit("Vitamin C 100 tablets", 12), "Vitamin C 1…");
        assert_eq!(fit.fit("Vitamin C 100 tablets", 11), "Vitamin C…");
        assert_eq!(fit.fit("short", 12), "short");
        assert_eq!(fit.fit("abc", 0), "");
        let ascii = Fit {
            ellipsis: ASCII_ELLIPSIS,
        };
        assert_eq!(ascii.fit("Steel Water Bottle", 8), "Steel W~");
    }

    #[test]
    fn numbers_stay_whole_and_flush_right() {
        let fit = Fit::default();
        assert_eq!(
            fit.left_right("A-01-01-1", "40", 20),
            "A-01-01-1         40"
        );
        assert_eq!(
            fit.left_right("VERY-LONG-LOCATION-CODE", "1200", 20),
            "VERY-LONG-LOCA… 1200"
        );
        assert_eq!(fit.left_right("x", "123", 3), "123");
    }

    #[test]
    fn columns_pad_and_shorten_with_one_space_between() {
        let row = Fit::default().columns(&[
            ("A-1", 5, Align::Left),
            ("7", 4, Align::Right),
            ("lots", 3, Align::Left),
            ("x", 1, Align::Left),
        ]);
        assert_eq!(row, "A-1      7 lo… x");
    }

    #[test]
    fn codes_wrap_whole_and_keep_their_number() {
        assert_eq!(
            code_and_number("BTL100-BLK-500ML", "40", 20),
            vec!["BTL100-BLK-500ML  40"]
        );
        assert_eq!(
            code_and_number("COF100-COL-12OZ-EXTRA", "1200", 20),
            vec!["COF100-COL-12OZ-EXTR", "A               1200"]
        );
        assert_eq!(
            code_and_number("ABCDEFGHIJKLMNOPQR", "40", 20),
            vec!["ABCDEFGHIJKLMNOPQR", "                  40"]
        );
        assert_eq!(widest(["A-1", "BTL100-BLK-500ML"], 3), 16);
    }

    #[test]
    fn parts_wrap_between_parts() {
        let parts = ["Scanned:", "case x6,", "lot COF4826J", "in R-B-06"].map(String::from);
        assert_eq!(
            wrap_parts(&parts, " ", 20),
            vec!["Scanned: case x6,", "lot COF4826J", "in R-B-06"]
        );
    }
}
