//! Styles that carry meaning without colour: reverse video marks bars and errors, bold marks
//! what matters. Colour, when the terminal has it, only reinforces the same distinctions, so a
//! monochrome handheld loses nothing.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

use crate::ui::text::{ASCII_ELLIPSIS, ELLIPSIS, Fit};

/// Box-drawing characters in plain ASCII, for VT emulations without line-drawing fonts.
pub const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Whether colour may reinforce the styles.
    pub colour: bool,
    /// Whether borders and big text use ASCII only.
    pub ascii: bool,
}

impl Theme {
    /// No colour, ASCII only: what the oldest VT emulation can show.
    pub const PLAIN: Theme = Theme {
        colour: false,
        ascii: true,
    };

    /// Chooses from what the terminal reports: `NO_COLOR` (no-color.org) turns colour off; VT
    /// emulations (`TERM=vt100`, `vt220`, …), a dumb terminal or a locale without UTF-8 get
    /// ASCII borders, since handheld emulators often lack line-drawing glyphs.
    pub fn for_terminal(term: Option<&str>, no_color: bool, utf8_locale: bool) -> Theme {
        let term = term.unwrap_or("");
        let vt = term.starts_with("vt") || term == "dumb" || term.is_empty();
        Theme {
            colour: !no_color && !vt,
            ascii: vt || !utf8_locale,
        }
    }

    pub fn border_set(&self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::PLAIN
        }
    }

    /// Header and footer bars: reverse video, or white on blue where colour helps.
    pub fn bar(&self) -> Style {
        if self.colour {
            Style::new().fg(Color::White).bg(Color::Blue)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// Key names inside the footer bar.
    pub fn key(&self) -> Style {
        self.bar().add_modifier(Modifier::BOLD)
    }

    /// An error on the message line: the operator must notice it at arm's length.
    pub fn error(&self) -> Style {
        if self.colour {
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    /// A confirmation on the message line.
    pub fn info(&self) -> Style {
        let style = Style::new().add_modifier(Modifier::BOLD);
        if self.colour {
            style.fg(Color::Green)
        } else {
            style
        }
    }

    /// The value the screen is about: a SKU, a location, the available quantity. Bold only:
    /// any foreground colour is unreadable on some handheld's background.
    pub fn emphasis(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// A section heading inside a screen ("Stock", "Channels").
    pub fn heading(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    /// The prompt of the input line.
    pub fn prompt(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The cursor cell at the end of the input: drawn, so it shows even where the terminal's
    /// own cursor is hidden.
    pub fn cursor(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Secondary text: units, rule details.
    pub fn muted(&self) -> Style {
        if self.colour {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    /// A row that matches what was scanned (the lot on the label): reverse video, which reads
    /// without colour, or black on yellow.
    pub fn highlight(&self) -> Style {
        if self.colour {
            Style::new().fg(Color::Black).bg(Color::Yellow)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// A group separator shown in the input line: a mark in reverse video, so that it cannot be
    /// taken for a character the scanner typed.
    pub fn separator(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// How the input line shows a group separator: `<GS>` in ASCII, since `^` and `|` are what
    /// scanners often send in its place; else the Unicode control picture.
    pub fn separator_mark(&self) -> &'static str {
        if self.ascii { "<GS>" } else { "␝" }
    }

    /// Text shortened with `…`, or `~` where only ASCII shows.
    pub fn fit(&self) -> Fit {
        Fit {
            ellipsis: if self.ascii { ASCII_ELLIPSIS } else { ELLIPSIS },
        }
    }

    /// What goes before an error on the message line: nothing where colour tells it apart
    /// from the reverse-video key-hint bar, `! ` where nothing else does.
    pub fn error_mark(&self) -> &'static str {
        if self.colour {
            ""
        } else {
            crate::ui::strings::ERROR_MARK
        }
    }

    /// Characters for big digits: a full block, or `#` in ASCII.
    pub fn big_glyph(&self) -> char {
        if self.ascii { '#' } else { '█' }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meaning_survives_without_colour() {
        let plain = Theme::PLAIN;
        assert!(plain.error().add_modifier.contains(Modifier::REVERSED));
        assert!(plain.bar().add_modifier.contains(Modifier::REVERSED));
        assert!(plain.emphasis().add_modifier.contains(Modifier::BOLD));
        assert_eq!(plain.error().fg, None);
    }

    #[test]
    fn vt_terminals_get_ascii_and_no_colour() {
        let vt = Theme::for_terminal(Some("vt220"), false, true);
        assert_eq!(vt, Theme::PLAIN);
        let xterm = Theme::for_terminal(Some("xterm-256color"), false, true);
        assert!(xterm.colour && !xterm.ascii);
        assert!(!Theme::for_terminal(Some("xterm"), true, true).colour);
        assert!(Theme::for_terminal(Some("xterm"), false, false).ascii);
    }
}
