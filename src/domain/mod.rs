//! Pure rules of the floor, no I/O.

pub mod availability;
pub mod barcode;
pub mod gs1;
pub mod incoming_order;
pub mod role;
pub mod scan;
