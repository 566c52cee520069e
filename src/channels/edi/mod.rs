//! EDI X12 intake: 850 purchase orders (004010 and 005010) in, 997 functional
//! acknowledgements out.
//!
//! - [`x12`]: the tokenizer (delimiters from the ISA) and the envelope (ISA/GS/ST…SE/GE/IEA,
//!   counts and control numbers checked);
//! - [`po850`]: one 850 into an [`IncomingOrder`](crate::domain::incoming_order::IncomingOrder);
//! - [`ack997`]: the 997 for each functional group;
//! - [`errors`]: where an error is, and the X12 code each level of the 997 reports it with.
//!
//! [`parse_file`] ties them together: a broken interchange is refused as a whole (naming the
//! segment); otherwise every transaction set gives one order or one rejection, and every
//! functional group a [`FunctionalAck`] to render once intake has had its say.
//!
//! # Why our own parser, not the `x12-types` crate
//!
//! `x12-types` (typed 005010 sets, parse and render) was weighed and left out:
//! - it checks no envelope counts or control numbers: an 846 with a wrong SE count parses
//!   without complaint, and the 997s that report such errors are ours to write anyway;
//! - a debug build of it took about 4 minutes and 5 GB of memory on a 2-core machine like our
//!   CI, which builds from clean on every run;
//! - we need one inbound set (the 850) and a handful of its segments, and every refusal must name
//!   the segment and element; a small tokenizer over the ISA's delimiters does that in a few
//!   hundred lines with no dependency beyond chrono, and is easy to fuzz (it never panics).
//!
//! Parsing is pure: no I/O, no database. Interchange-level errors get no 997 (X12 answers them
//! with a TA1, which we do not send yet).

pub mod ack997;
pub mod errors;
pub mod po850;
pub mod x12;

#[cfg(test)]
mod tests;

use chrono::NaiveDateTime;

pub use ack997::{
    ControlNumbers, FunctionalAck, GroupStatus, OutboundEnvelope, SetAck, SetStatus, acknowledge,
    render_997,
};
pub use errors::{GroupError, Place, SetError};
pub use po850::{Po850, parse_850};
pub use x12::{Delimiters, Group, Interchange, Segment, TransactionSet, Usage, X12Version};

use super::{ParsedOrders, Rejection};
use errors::{GroupSyntaxError, SetSyntaxError};

/// The hold put on orders from a test interchange (ISA15 `T`): stored and reserved like any
/// other, never released until a supervisor decides.
pub const TEST_INTERCHANGE_HOLD: &str = "EDI test interchange (ISA15 = T)";

/// What [`parse_file`] makes of one file: the interchange refused as a whole, or read.
pub type EdiParse = Result<EdiFile, Rejection>;

/// A readable interchange: an order or a rejection per transaction set, and an acknowledgement
/// per functional group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdiFile {
    /// The envelope: who sent it, its control number, version and usage, delimiters.
    pub interchange: Interchange,
    /// One entry per transaction set, in the order of the file (group by group).
    pub orders: ParsedOrders,
    /// One per functional group, in the order of the file; `acks[g].sets[s]` answers the `s`-th
    /// set of group `g`.
    pub acks: Vec<FunctionalAck>,
}

impl EdiFile {
    /// Where `orders[order]` came from: (group, set within the group).
    pub fn origin(&self, order: usize) -> Option<(usize, usize)> {
        let mut remaining = order;
        for (g, ack) in self.acks.iter().enumerate() {
            if remaining < ack.sets.len() {
                return Some((g, remaining));
            }
            remaining = remaining.saturating_sub(ack.sets.len());
        }
        None
    }

    /// Intake refused `orders[order]` after parsing: its set is rejected in the 997, pointing at
    /// line `line_no`'s product id when the line is to blame. `false` when there is no such order.
    pub fn reject_order(
        &mut self,
        order: usize,
        line_no: Option<i32>,
        reason: impl Into<String>,
    ) -> bool {
        let Some((g, s)) = self.origin(order) else {
            return false;
        };
        let Some(ack) = self.acks.get_mut(g) else {
            return false;
        };
        match line_no {
            Some(line_no) => ack.reject_line(s, line_no, reason),
            None => ack.reject_set(s, reason),
        }
    }

    /// The envelope of the 997 answering group `group`.
    pub fn reply_envelope(
        &self,
        group: usize,
        controls: ControlNumbers,
        at: NaiveDateTime,
    ) -> Option<OutboundEnvelope> {
        let group = self.interchange.groups.get(group)?;
        Some(OutboundEnvelope::answering(
            &self.interchange,
            group,
            controls,
            at,
        ))
    }
}

/// Marks a group that is not 004010/005010 purchase orders as rejected, ahead of any envelope
/// error (AK905 1 or 2).
fn refuse_unsupported(group: &mut Group) {
    let place = |element| Place {
        segment_index: group.segment_index,
        segment_id: "GS".to_string(),
        element: Some(element),
    };
    let mut refusals = Vec::new();
    if group.functional_id != "PO" {
        refusals.push(GroupError {
            place: place(1),
            message: format!(
                "functional group {} is not supported: expected PO (purchase orders, 850)",
                errors::shown(&group.functional_id)
            ),
            code: Some(GroupSyntaxError::NotSupported),
        });
    }
    if !(group.version.starts_with("004") || group.version.starts_with("005")) {
        refusals.push(GroupError {
            place: place(8),
            message: format!(
                "version {} is not supported: expected 004010 or 005010",
                errors::shown(&group.version)
            ),
            code: Some(GroupSyntaxError::VersionNotSupported),
        });
    }
    refusals.append(&mut group.errors);
    group.errors = refusals;
}

/// Reads one EDI file. Only functional group `PO` with `850` sets gives orders; any other group
/// or set is refused, each set with its own rejection. Orders of a test interchange are held
/// ([`TEST_INTERCHANGE_HOLD`]).
pub fn parse_file(bytes: &[u8]) -> EdiParse {
    let mut interchange = x12::parse_interchange(bytes)?;
    for group in &mut interchange.groups {
        refuse_unsupported(group);
    }
    let mut orders: ParsedOrders = Vec::new();
    let mut acks = Vec::with_capacity(interchange.groups.len());
    for group in &interchange.groups {
        let mut ack = acknowledge(group);
        for (s, set) in group.sets.iter().enumerate() {
            let po_number = po850::purchase_order_number(set);
            if let Some(error) = group.errors.first() {
                orders.push(Err(Rejection::new(
                    po_number,
                    error.place.to_string(),
                    format!(
                        "{} (the functional group is rejected, so transaction set {} in segment \
                         {} is not read)",
                        error.message,
                        errors::shown(&set.control_number),
                        set.first_segment_index
                    ),
                )));
                continue;
            }
            if let Some(error) = set.errors.first() {
                orders.push(Err(error.to_rejection(po_number)));
                continue;
            }
            if set.id != "850" {
                let error = SetError {
                    place: Place {
                        segment_index: set.first_segment_index,
                        segment_id: "ST".to_string(),
                        element: Some(1),
                    },
                    message: format!(
                        "transaction set {} is not supported: expected 850 (purchase order)",
                        errors::shown(&set.id)
                    ),
                    code: SetSyntaxError::NotSupported,
                    note: None,
                };
                ack.reject(s, &error);
                orders.push(Err(error.to_rejection(po_number)));
                continue;
            }
            match parse_850(set) {
                Ok(Po850 { mut order, lines }) => {
                    if interchange.usage == Usage::Test {
                        order.hold_reason = Some(TEST_INTERCHANGE_HOLD.to_string());
                    }
                    if let Some(set_ack) = ack.sets.get_mut(s) {
                        set_ack.lines = lines;
                    }
                    orders.push(Ok(order));
                }
                Err(error) => {
                    ack.reject(s, &error);
                    orders.push(Err(error.to_rejection(po_number)));
                }
            }
        }
        acks.push(ack);
    }
    Ok(EdiFile {
        interchange,
        orders,
        acks,
    })
}
