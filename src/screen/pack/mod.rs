//! The pack station: verify by scan, box, weigh, label, ship.

pub mod checks;
pub mod state;
pub mod view;

pub use state::PackState;
