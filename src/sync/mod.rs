//! Channel sync (issue 6): the worker that drains the outbox and delivers each message to its
//! channel with the channel's own protocol, never raising a figure past a sale not yet seen.
//!
//! - [`delivery`]: claiming messages under a lease, recording outcomes, retries with backoff,
//!   the dead-letter state and the queue's status.
//! - [`shopify`]: the Shopify Admin GraphQL calls (inventory quantities, fulfillments).
//! - [`edi_out`]: EDI 846 inventory advice and 856 ship notices written as files.

pub mod delivery;
pub mod edi_out;
pub mod shopify;
