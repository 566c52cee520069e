//! Where an error sits in an interchange, and the X12 syntax error codes a 997 reports it with.
//!
//! Errors come in three levels, and each is answered at its own level:
//! - the **interchange** (an unreadable ISA, a missing or mismatched IEA): the file is refused
//!   as a whole with a [`Rejection`]; no 997 can be built (X12 answers these with a TA1);
//! - a **functional group** ([`GroupError`]: a GE count or control number that does not match,
//!   an unsupported group): every set in it is refused, and the 997 says `AK9*R` with the code;
//! - a **transaction set** ([`SetError`]: an SE count or control number that does not match, or
//!   a bad segment inside the purchase order): that set alone is refused, `AK5*R` with the code
//!   and, where the segment is known, `AK3`/`AK4` pointing at it.

use std::fmt;

use crate::channels::Rejection;

/// AK502–AK506, transaction set syntax error codes (X12 code list 718).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetSyntaxError {
    /// 1: the set is not one we read (anything but an 850 in a PO group).
    NotSupported,
    /// 2: no SE before the next ST, GE, GS or IEA.
    TrailerMissing,
    /// 3: SE02 differs from ST02.
    ControlNumberMismatch,
    /// 4: SE01 differs from the segments counted from ST to SE.
    SegmentCountMismatch,
    /// 5: a segment inside the set is in error (see the AK3/AK4 notes).
    SegmentsInError,
    /// 6: ST01 missing or not a set identifier.
    BadSetIdentifier,
    /// 7: ST02 missing or malformed.
    BadControlNumber,
    /// 23: another set of the group has the same ST02.
    ControlNumberNotUnique,
}

impl SetSyntaxError {
    pub fn code(self) -> &'static str {
        match self {
            SetSyntaxError::NotSupported => "1",
            SetSyntaxError::TrailerMissing => "2",
            SetSyntaxError::ControlNumberMismatch => "3",
            SetSyntaxError::SegmentCountMismatch => "4",
            SetSyntaxError::SegmentsInError => "5",
            SetSyntaxError::BadSetIdentifier => "6",
            SetSyntaxError::BadControlNumber => "7",
            SetSyntaxError::ControlNumberNotUnique => "23",
        }
    }
}

/// AK905–AK909, functional group syntax error codes (X12 code list 716).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupSyntaxError {
    /// 1: a group other than PO (purchase orders).
    NotSupported,
    /// 2: GS08 is neither 004xxx nor 005xxx.
    VersionNotSupported,
    /// 3: no GE before the next GS or IEA.
    TrailerMissing,
    /// 4: GE02 differs from GS06.
    ControlNumberMismatch,
    /// 5: GE01 differs from the number of sets in the group.
    SetCountMismatch,
    /// 6: GS06 is not 1 to 9 digits.
    BadControlNumber,
}

impl GroupSyntaxError {
    pub fn code(self) -> &'static str {
        match self {
            GroupSyntaxError::NotSupported => "1",
            GroupSyntaxError::VersionNotSupported => "2",
            GroupSyntaxError::TrailerMissing => "3",
            GroupSyntaxError::ControlNumberMismatch => "4",
            GroupSyntaxError::SetCountMismatch => "5",
            GroupSyntaxError::BadControlNumber => "6",
        }
    }
}

/// AK304, segment syntax error codes (X12 code list 720).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentSyntaxError {
    /// 1: the segment ID is not 2 or 3 letters and digits.
    Unrecognized,
    /// 2: a segment we cannot accept where it is (a second ship-to, per-line destinations).
    Unexpected,
    /// 3: a mandatory segment (BEG, PO1) is missing.
    MandatoryMissing,
    /// 5: a segment used more often than allowed (a second BEG).
    ExceedsMaximumUse,
    /// 7: a segment out of order (PO1 after CTT).
    OutOfSequence,
    /// 8: an element of the segment is in error (see the AK4 note).
    ElementErrors,
}

impl SegmentSyntaxError {
    pub fn code(self) -> &'static str {
        match self {
            SegmentSyntaxError::Unrecognized => "1",
            SegmentSyntaxError::Unexpected => "2",
            SegmentSyntaxError::MandatoryMissing => "3",
            SegmentSyntaxError::ExceedsMaximumUse => "5",
            SegmentSyntaxError::OutOfSequence => "7",
            SegmentSyntaxError::ElementErrors => "8",
        }
    }
}

/// AK403, data element syntax error codes (X12 code list 723). The 997 has no code for a value
/// that is well formed but not acceptable to us (a CTT count that does not match, a unit of
/// measure we do not stock in, an item we do not list): those are reported as 7, invalid code
/// value, with the value copied into AK404.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementSyntaxError {
    /// 1
    MandatoryMissing,
    /// 2
    ConditionalMissing,
    /// 5
    TooLong,
    /// 6
    InvalidCharacter,
    /// 7
    InvalidCode,
    /// 8
    InvalidDate,
}

impl ElementSyntaxError {
    pub fn code(self) -> &'static str {
        match self {
            ElementSyntaxError::MandatoryMissing => "1",
            ElementSyntaxError::ConditionalMissing => "2",
            ElementSyntaxError::TooLong => "5",
            ElementSyntaxError::InvalidCharacter => "6",
            ElementSyntaxError::InvalidCode => "7",
            ElementSyntaxError::InvalidDate => "8",
        }
    }
}

/// A place in an interchange: the segment's 1-based position counted from ISA, its ID, and
/// optionally a 1-based element position. Displays as `segment 12 (SE), element 01`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub segment_index: usize,
    pub segment_id: String,
    pub element: Option<usize>,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "segment {} ({})",
            self.segment_index,
            shown(&self.segment_id)
        )?;
        if let Some(element) = self.element {
            write!(f, ", element {element:02}")?;
        }
        Ok(())
    }
}

/// A value quoted in a message: control characters escaped, at most 40 characters, so that a
/// file with no segment terminators does not make a message the size of the file.
pub fn shown(value: &str) -> String {
    const MAX: usize = 40;
    let mut out = String::new();
    for (n, c) in value.chars().enumerate() {
        if n >= MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// AK3 (and its AK4): the segment of a transaction set that is in error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentNote {
    /// AK301.
    pub segment_id: String,
    /// AK302: the position in the set, ST being 1.
    pub position_in_set: usize,
    /// AK304.
    pub error: Option<SegmentSyntaxError>,
    /// AK4, when one element is to blame.
    pub element: Option<ElementNote>,
}

/// AK4: the element in error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementNote {
    /// AK401: the element's position in the segment, 1-based.
    pub position: usize,
    /// AK402: the data element reference number in the X12 dictionary, when we know it.
    pub reference: Option<u16>,
    /// AK403.
    pub error: ElementSyntaxError,
    /// AK404: a copy of the bad value (at most 99 characters), when there was one.
    pub copy: Option<String>,
}

/// Why one transaction set is refused: where, what was expected, and what the 997 says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetError {
    pub place: Place,
    pub message: String,
    /// AK502.
    pub code: SetSyntaxError,
    /// AK3/AK4, when one segment is to blame (boxed: errors travel in `Result`s).
    pub note: Option<Box<SegmentNote>>,
}

impl SetError {
    /// The rejection intake stores for this set's order.
    pub fn to_rejection(&self, external_id: Option<String>) -> Rejection {
        Rejection::new(external_id, self.place.to_string(), self.message.clone())
    }
}

/// Why a whole functional group is refused: every set in it is refused with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupError {
    pub place: Place,
    pub message: String,
    /// AK905; `None` for errors X12 has no code for (a segment outside any set).
    pub code: Option<GroupSyntaxError>,
}
