//! Fitting text into a fixed number of columns: cutting, padding, and a label on the left with
//! its number on the right, as narrow RF screens lay out quantities.

/// `text` cut to at most `width` characters.
pub fn fit(text: &str, width: usize) -> String {
    text.chars().take(width).collect()
}

/// `left` and `right` on one line of `width` columns, `right` flush right. When both do not
/// fit, `left` is cut so that the number stays whole.
pub fn left_right(left: &str, right: &str, width: usize) -> String {
    let right_len = right.chars().count();
    if right_len >= width {
        return fit(right, width);
    }
    let left = fit(left, width.saturating_sub(right_len + 1));
    let gap = width - right_len - left.chars().count();
    format!("{left}{}{right}", " ".repeat(gap))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// One table row: each cell cut or padded to its column width, columns one space apart.
pub fn columns(cells: &[(&str, usize, Align)]) -> String {
    let mut row = String::new();
    for (i, (text, width, align)) in cells.iter().enumerate() {
        if i > 0 {
            row.push(' ');
        }
        let cell = fit(text, *width);
        let pad = " ".repeat(width - cell.chars().count());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_stay_whole_and_flush_right() {
        assert_eq!(left_right("A-01-01-1", "40", 20), "A-01-01-1         40");
        assert_eq!(
            left_right("VERY-LONG-LOCATION-CODE", "1200", 20),
            "VERY-LONG-LOCAT 1200"
        );
        assert_eq!(left_right("x", "123", 3), "123");
    }

    #[test]
    fn columns_pad_and_cut() {
        let row = columns(&[
            ("A-1", 5, Align::Left),
            ("7", 4, Align::Right),
            ("lot", 2, Align::Left),
        ]);
        assert_eq!(row, "A-1      7 lo");
    }
}
