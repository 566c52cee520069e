//! Log in: scan (or type) a badge, then enter a PIN. Three wrong PINs lock the badge for a
//! minute (the database counts); a supervisor can unlock it.

pub mod state;
pub mod view;

pub use state::{LoginState, LoginStep};
