//! Picking on a handheld: get work, build the cart, then guided task by task, scan by scan.

pub mod checks;
pub mod state;
pub mod view;

pub use state::{Pending, Phase, PickState, Step};
