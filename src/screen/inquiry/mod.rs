//! Item inquiry: scan or type a SKU code, a GTIN (UPC/EAN/GTIN-14 or GS1-128 with (01)) or a
//! location code, and see what the warehouse holds and what each channel may sell.

pub mod document;
pub mod state;
pub mod view;

pub use state::InquiryState;
