//! Postgres: the pool, the migrator, the embedded default, and one file of SQL per aggregate.

pub mod catalog;
pub mod channels;
pub mod connect;
pub mod data_dir;
pub mod demo;
pub mod edi_intake;
pub mod embedded;
pub mod exceptions;
pub mod floor_tasks;
pub mod inquiry;
pub mod intake;
pub mod invariants;
pub mod inventory;
pub mod migrate;
pub mod operators;
pub mod packing;
pub mod pick_batches;
pub mod pick_work;
pub mod planner;
pub mod queue;
pub mod shipments;
pub mod warehouses;
