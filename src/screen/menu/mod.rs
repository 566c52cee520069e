//! The role menu after login: only what this role can do, numbered; choose by pressing or
//! scanning the number.

pub mod state;
pub mod view;

pub use state::{MenuEntry, MenuState};
