//! Pure rules of the floor, no I/O.

pub mod allocation;
pub mod availability;
pub mod barcode;
pub mod batching;
pub mod cartonization;
pub mod gs1;
pub mod incoming_order;
pub mod pick_work;
pub mod rate_shop;
pub mod role;
pub mod routing;
pub mod scan;
