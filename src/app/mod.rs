//! The terminal application as data, in the Elm architecture: [`Event`]s (what happened) become
//! [`Action`]s (what the operator meant) through the [`keymap`], and [`update`] turns them into
//! new state and [`Command`]s (the I/O it asks for). No terminal and no SQL here.

pub mod action;
pub mod command;
pub mod event;
pub mod keymap;
pub mod model;
pub mod notice;
pub mod update;

pub use action::Action;
pub use command::Command;
pub use event::{Event, Reply};
pub use model::App;
pub use notice::Notice;
pub use update::update;
