//! The I/O around the pure app: the event loop (generic over backend and input), the database
//! effects, the bell, and the local terminal.

pub mod bell;
pub mod confirm_journal;
pub mod effects;
pub mod event_loop;
pub mod local;
pub mod shipper;

pub use bell::{Bell, CountingBell, StdoutBell};
pub use effects::Effects;
pub use event_loop::{Runtime, TICK};
pub use local::run_local;
