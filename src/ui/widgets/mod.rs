//! Small widgets every screen shares.

pub mod big_text;
pub mod header_bar;
pub mod input_line;
pub mod key_hints;
pub mod message_line;
pub mod too_small;

pub use big_text::BigText;
pub use header_bar::HeaderBar;
pub use input_line::InputLine;
pub use key_hints::{KeyHints, Paging};
pub use message_line::MessageLine;
pub use too_small::TooSmall;
