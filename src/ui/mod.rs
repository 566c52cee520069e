//! Presentation shared by every screen: the theme, the adaptive layout, all operator-facing
//! strings, and small widgets.

pub mod buffer_text;
pub mod layout;
pub mod strings;
pub mod text;
pub mod theme;
pub mod widgets;
