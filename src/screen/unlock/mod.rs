//! Unlock a badge locked by wrong PINs: supervisors and admins scan the badge.

pub mod state;
pub mod view;

pub use state::UnlockState;
