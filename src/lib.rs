//! aisle: the warehouse-floor terminal for omnichannel fulfilment.
//!
//! One library shared by the `aisle` binary, the tests and the benchmarks. Postgres is the only
//! state; `domain` holds the pure rules, `db` the SQL, `app`/`screen`/`ui` the terminal state and
//! views, `runtime` the I/O loop that ties them together.

pub mod app;
pub mod bench;
pub mod carriers;
pub mod channels;
pub mod cli;
pub mod db;
pub mod domain;
pub mod error;
pub mod hooks;
pub mod labels;
pub mod runtime;
pub mod screen;
pub mod sim;
pub mod station;
pub mod sync;
pub mod ui;

pub use error::{Error, Result};
