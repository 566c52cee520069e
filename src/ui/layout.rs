//! Layout chosen from the area, as atuin's `to_compactness` does: a bordered full layout where
//! there is room, a borderless compact one on 40x8-class screens, an ultracompact one on
//! 20x16-class handhelds, and a plain message below the minimum.

use ratatui::layout::{Rect, Size};

/// The smallest screen every view is designed for (16x20 RF handhelds read sideways are 20
/// columns; 8x40 ones have 8 rows).
pub const MIN_WIDTH: u16 = 20;
pub const MIN_HEIGHT: u16 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Compactness {
    /// 20 to 39 columns: one value per line.
    Ultracompact,
    /// 40 columns or more but too short or narrow for borders.
    Compact,
    /// 60x16 and up: borders, tables, every hint.
    Full,
}

/// `None` when the screen is below the minimum and views must say so instead.
pub fn to_compactness(size: Size) -> Option<Compactness> {
    if size.width < MIN_WIDTH || size.height < MIN_HEIGHT {
        None
    } else if size.width >= 60 && size.height >= 16 {
        Some(Compactness::Full)
    } else if size.width >= 40 {
        Some(Compactness::Compact)
    } else {
        Some(Compactness::Ultracompact)
    }
}

/// Whether there is room for big digits beside a screen's summary (wallboards and pack
/// stations, not handhelds).
pub fn has_room_for_big_text(size: Size) -> bool {
    size.width >= 100 && size.height >= 30
}

/// The regions every screen shares, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Regions {
    pub compactness: Compactness,
    /// The whole area, whose border (in the full layout) carries the header.
    pub frame: Rect,
    /// One row: warehouse, screen, operator.
    pub header: Rect,
    pub body: Rect,
    /// One row for errors and confirmations.
    pub message: Rect,
    /// One row: the prompt and what is being typed or scanned.
    pub input: Rect,
    /// One row of key hints. On screens under ten rows it is the message row: a message
    /// replaces the hints until the next key.
    pub footer: Rect,
}

impl Regions {
    pub fn new(area: Rect, compactness: Compactness) -> Regions {
        let row = |y: u16, inner: Rect| Rect::new(inner.x, y, inner.width, 1);
        match compactness {
            Compactness::Full => {
                // The header sits in the top border; everything else inside, a column clear of
                // the side borders.
                let inner = Rect::new(
                    area.x + 2,
                    area.y + 1,
                    area.width.saturating_sub(4),
                    area.height.saturating_sub(2),
                );
                let bottom = inner.bottom();
                let footer = row(bottom.saturating_sub(1), inner);
                let input = row(bottom.saturating_sub(2), inner);
                let message = row(bottom.saturating_sub(3), inner);
                let body = Rect::new(
                    inner.x,
                    inner.y,
                    inner.width,
                    inner.height.saturating_sub(4),
                );
                Regions {
                    compactness,
                    frame: area,
                    header: row(area.y, area),
                    body,
                    message,
                    input,
                    footer,
                }
            }
            Compactness::Compact | Compactness::Ultracompact => {
                let bottom = area.bottom();
                let shared = area.height < 10;
                let footer = row(bottom.saturating_sub(1), area);
                let input = row(bottom.saturating_sub(2), area);
                let message = if shared {
                    footer
                } else {
                    row(bottom.saturating_sub(3), area)
                };
                let reserved = if shared { 3 } else { 4 };
                let body = Rect::new(
                    area.x,
                    area.y + 1,
                    area.width,
                    area.height.saturating_sub(reserved),
                );
                Regions {
                    compactness,
                    frame: area,
                    header: row(area.y, area),
                    body,
                    message,
                    input,
                    footer,
                }
            }
        }
    }

    /// The regions for a whole screen of `size`, or `None` below the minimum.
    pub fn for_size(size: Size) -> Option<Regions> {
        let compactness = to_compactness(size)?;
        Some(Regions::new(
            Rect::new(0, 0, size.width, size.height),
            compactness,
        ))
    }

    /// Whether the message shares its row with the footer.
    pub fn message_shares_footer(&self) -> bool {
        self.message == self.footer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compactness_follows_the_rf_sizes() {
        let at = |w, h| to_compactness(Size::new(w, h));
        assert_eq!(at(20, 16), Some(Compactness::Ultracompact));
        assert_eq!(at(40, 8), Some(Compactness::Compact));
        assert_eq!(at(80, 24), Some(Compactness::Full));
        assert_eq!(at(160, 50), Some(Compactness::Full));
        assert_eq!(at(19, 16), None);
        assert_eq!(at(40, 7), None);
    }

    #[test]
    fn regions_fill_the_screen_without_overlap() {
        for (w, h) in [(20, 16), (40, 8), (80, 24), (160, 50), (20, 8), (59, 9)] {
            let Some(r) = Regions::for_size(Size::new(w, h)) else {
                panic!("{w}x{h} should fit");
            };
            assert!(r.body.height >= 3, "{w}x{h}: {r:?}");
            if r.message_shares_footer() {
                assert!(r.body.bottom() <= r.input.y, "{w}x{h}: {r:?}");
            } else {
                assert!(r.body.bottom() <= r.message.y, "{w}x{h}: {r:?}");
                assert!(r.message.bottom() <= r.input.y, "{w}x{h}: {r:?}");
            }
            assert!(r.input.bottom() <= r.footer.y, "{w}x{h}: {r:?}");
            assert!(r.footer.bottom() <= h);
        }
        let tiny = Regions::for_size(Size::new(40, 8));
        assert!(tiny.is_some_and(|r| r.message_shares_footer()));
    }
}
