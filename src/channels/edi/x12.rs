//! The X12 tokenizer and envelope: delimiters read from the fixed-width ISA, segments split on
//! its terminator, and the ISA/GS/ST…SE/GE/IEA nesting checked — counts (SE01, GE01, IEA01) and
//! control numbers (ISA13 = IEA02, GS06 = GE02, ST02 = SE02).
//!
//! Every segment keeps its index, its 1-based position counted from ISA, so that every message
//! can say where: `segment 12 (SE), element 01: expected 14 segments counted from ST, found 13`.
//!
//! Errors are kept at their level (see [`super::errors`]): [`parse_interchange`] fails only for
//! what breaks the whole interchange; a group's or a set's envelope errors are recorded on the
//! [`Group`] or [`TransactionSet`], so that the 997 can report each at its level and the other
//! sets are still read.

use std::collections::HashMap;
use std::iter::Peekable;
use std::vec::IntoIter;

use crate::channels::Rejection;

use super::errors::{GroupError, GroupSyntaxError, Place, SetError, SetSyntaxError, shown};

/// The ISA segment's length, from `I` to its segment terminator inclusive.
pub const ISA_LENGTH: usize = 106;

/// The widths of ISA01 … ISA16.
const ISA_WIDTHS: [usize; 16] = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];

/// The separators of an interchange, read from its ISA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    /// ISA byte 3 (`*`).
    pub element: char,
    /// ISA16 (`:` or `>`).
    pub component: char,
    /// The byte after ISA16 (`~`).
    pub segment: char,
    /// ISA11 when it is not a letter (005010: `^`); `None` in 004010, where ISA11 is `U`.
    pub repetition: Option<char>,
}

impl Delimiters {
    /// `*`, `:`, `~`, and `^` as the repetition separator from 005010 on.
    pub fn standard(version: X12Version) -> Self {
        Delimiters {
            element: '*',
            component: ':',
            segment: '~',
            repetition: match version {
                X12Version::V4010 => None,
                X12Version::V5010 => Some('^'),
            },
        }
    }

    /// Whether `c` is one of the separators (and so may not appear inside a value).
    pub fn contains(&self, c: char) -> bool {
        c == self.element || c == self.component || c == self.segment || Some(c) == self.repetition
    }
}

/// ISA15.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// `P`
    Production,
    /// `T`
    Test,
}

impl Usage {
    pub fn code(self) -> char {
        match self {
            Usage::Production => 'P',
            Usage::Test => 'T',
        }
    }
}

/// The X12 versions we answer in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum X12Version {
    /// ISA12 `00401`, GS08 `004010`.
    V4010,
    /// ISA12 `00501`, GS08 `005010`.
    V5010,
}

impl X12Version {
    /// ISA12.
    pub fn isa_code(self) -> &'static str {
        match self {
            X12Version::V4010 => "00401",
            X12Version::V5010 => "00501",
        }
    }

    /// GS08.
    pub fn gs_code(self) -> &'static str {
        match self {
            X12Version::V4010 => "004010",
            X12Version::V5010 => "005010",
        }
    }

    /// The version to answer an interchange in, from its ISA12: 005010 for `005xx`, 004010
    /// otherwise.
    pub fn answering(isa12: &str) -> Self {
        if isa12.starts_with("005") {
            X12Version::V5010
        } else {
            X12Version::V4010
        }
    }
}

/// One segment: its ID and its elements (element 01 first), as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The 1-based position in the interchange, ISA being 1.
    pub index: usize,
    pub id: String,
    pub elements: Vec<String>,
}

impl Segment {
    /// Element `n` (1-based), or `""` when the segment has no such element.
    pub fn element(&self, n: usize) -> &str {
        n.checked_sub(1)
            .and_then(|i| self.elements.get(i))
            .map_or("", String::as_str)
    }

    /// This segment, or one of its elements, as a place for messages.
    pub fn place(&self, element: Option<usize>) -> Place {
        Place {
            segment_index: self.index,
            segment_id: self.id.clone(),
            element,
        }
    }

    /// Whether the ID is 2 or 3 upper-case letters and digits, as every X12 segment ID is.
    pub fn has_valid_id(&self) -> bool {
        (2..=3).contains(&self.id.len())
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    }
}

/// An interchange whose envelope (ISA … IEA) is sound. Its groups and sets may still carry
/// errors of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interchange {
    /// ISA05, ISA06, ISA07, ISA08 (padding removed).
    pub sender_qualifier: String,
    pub sender_id: String,
    pub receiver_qualifier: String,
    pub receiver_id: String,
    /// ISA09 (YYMMDD) and ISA10 (HHMM).
    pub date: String,
    pub time: String,
    /// ISA13, nine digits.
    pub control_number: String,
    /// ISA12: `00401`, `00501`.
    pub version: String,
    /// ISA15.
    pub usage: Usage,
    pub delimiters: Delimiters,
    pub groups: Vec<Group>,
}

/// A functional group, GS … GE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// GS01: `PO` for purchase orders.
    pub functional_id: String,
    /// GS02, GS03: the application sender's and receiver's codes.
    pub sender: String,
    pub receiver: String,
    /// GS04 (CCYYMMDD), GS05 (HHMM…).
    pub date: String,
    pub time: String,
    /// GS06.
    pub control_number: String,
    /// GS08: `004010`, `005010`, `005010X…`.
    pub version: String,
    /// The index of the GS segment.
    pub segment_index: usize,
    /// GE01 as received, when there was a readable one (AK902 echoes it).
    pub declared_sets: Option<u32>,
    pub sets: Vec<TransactionSet>,
    /// Errors of the group as a whole (its GS/GE here; [`parse_file`](super::parse_file) adds
    /// an unsupported group or version); when there are any, every set in it is refused.
    pub errors: Vec<GroupError>,
}

/// A transaction set, ST … SE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionSet {
    /// ST01: `850`.
    pub id: String,
    /// ST02.
    pub control_number: String,
    /// The segments between ST and SE, both excluded.
    pub segments: Vec<Segment>,
    /// The index of the ST segment: a segment's position in the set (AK302) is
    /// `index - first_segment_index + 1`.
    pub first_segment_index: usize,
    /// Errors of the set's envelope (ST/SE); when there are any, the set is refused.
    pub errors: Vec<SetError>,
}

impl TransactionSet {
    /// The position of `segment` in this set, ST being 1 (AK302).
    pub fn position_of(&self, segment: &Segment) -> usize {
        segment
            .index
            .saturating_sub(self.first_segment_index)
            .saturating_add(1)
    }
}

/// The ISA segment as read, with the delimiters it declares.
struct Isa {
    segment: Segment,
    delimiters: Delimiters,
}

/// Reads an interchange: the ISA, then GS groups of ST sets, then the IEA. Fails only when the
/// interchange as a whole cannot be read or does not add up: an unreadable ISA, a missing IEA,
/// an IEA count or control number that does not match, a segment outside any group, or data
/// after the IEA (one interchange per file).
pub fn parse_interchange(bytes: &[u8]) -> Result<Interchange, Rejection> {
    let (isa, rest) = read_isa(bytes)?;
    let delimiters = isa.delimiters;
    let isa = isa.segment;
    let version = isa.element(12).to_string();
    if version.len() != 5 || !all_digits(&version) {
        return Err(broken(
            &isa,
            Some(12),
            format!(
                "expected a 5-digit version such as 00401 or 00501, found {}",
                shown(&version)
            ),
        ));
    }
    let control_number = isa.element(13).to_string();
    if !all_digits(&control_number) {
        return Err(broken(
            &isa,
            Some(13),
            format!(
                "expected a 9-digit interchange control number, found {}",
                shown(&control_number)
            ),
        ));
    }
    let usage = match isa.element(15) {
        "P" => Usage::Production,
        "T" => Usage::Test,
        other => {
            return Err(broken(
                &isa,
                Some(15),
                format!(
                    "expected P (production) or T (test), found {}",
                    shown(other)
                ),
            ));
        }
    };

    let mut cursor = Cursor::new(split_segments(rest, &delimiters, 2), isa.index);
    let mut groups = Vec::new();
    loop {
        match cursor.peek_kind() {
            Kind::Gs => {
                if let Some(gs) = cursor.next() {
                    groups.push(read_group(gs, &mut cursor)?);
                }
            }
            Kind::Iea => {
                if let Some(iea) = cursor.next() {
                    check_iea(&iea, &isa, groups.len())?;
                }
                break;
            }
            Kind::End => {
                return Err(Rejection::new(
                    None,
                    format!("segment {}", cursor.last_index.saturating_add(1)),
                    format!(
                        "the file ends after segment {}: expected IEA closing the interchange \
                         opened in segment {}",
                        cursor.last_index, isa.index
                    ),
                ));
            }
            Kind::St | Kind::Se | Kind::Ge | Kind::Other => {
                if let Some(seg) = cursor.next() {
                    return Err(broken(
                        &seg,
                        None,
                        format!(
                            "expected GS (a functional group) or IEA, found {}",
                            shown(&seg.id)
                        ),
                    ));
                }
            }
        }
    }
    if let Some(extra) = cursor.next() {
        return Err(broken(
            &extra,
            None,
            format!(
                "expected the end of the file after IEA, found {} (one interchange per file)",
                shown(&extra.id)
            ),
        ));
    }

    Ok(Interchange {
        sender_qualifier: isa.element(5).trim().to_string(),
        sender_id: isa.element(6).trim().to_string(),
        receiver_qualifier: isa.element(7).trim().to_string(),
        receiver_id: isa.element(8).trim().to_string(),
        date: isa.element(9).to_string(),
        time: isa.element(10).to_string(),
        control_number,
        version,
        usage,
        delimiters,
        groups,
    })
}

/// Reads the fixed-width ISA at the start of `bytes` (after a byte-order mark or white space),
/// returning it and the bytes after it.
fn read_isa(bytes: &[u8]) -> Result<(Isa, &[u8]), Rejection> {
    let mut data = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    while let Some((first, rest)) = data.split_first() {
        if first.is_ascii_whitespace() {
            data = rest;
        } else {
            break;
        }
    }
    let isa_place = || "segment 1 (ISA)".to_string();
    if !data.starts_with(b"ISA") {
        let found = if data.is_empty() {
            "an empty file".to_string()
        } else {
            shown(&String::from_utf8_lossy(data.get(..3).unwrap_or(data)))
        };
        return Err(Rejection::new(
            None,
            "segment 1",
            format!("expected an interchange starting with ISA, found {found}"),
        ));
    }
    let truncated = |element: usize| {
        Rejection::new(
            None,
            format!("segment 1 (ISA), element {element:02}"),
            format!(
                "the file ends inside the ISA after {} characters: expected the fixed-width ISA \
                 segment of {ISA_LENGTH} characters",
                data.len()
            ),
        )
    };
    let Some(&separator) = data.get(3) else {
        return Err(truncated(1));
    };
    let element = delimiter(separator).ok_or_else(|| {
        Rejection::new(
            None,
            isa_place(),
            format!(
                "expected an element separator such as * after ISA, found {}",
                shown(&String::from_utf8_lossy(&[separator]))
            ),
        )
    })?;

    let mut values = Vec::with_capacity(ISA_WIDTHS.len());
    let mut pos = 4usize;
    for (n, width) in ISA_WIDTHS.iter().copied().enumerate() {
        let number = n.saturating_add(1);
        let end = pos.saturating_add(width);
        let Some(field) = data.get(pos..end) else {
            // The field may be cut short by the end of the file, or by an early separator.
            if let Some(found) = data
                .get(pos..)
                .and_then(|tail| tail.iter().position(|&b| b == separator))
            {
                return Err(wrong_width(number, width, found));
            }
            return Err(truncated(number));
        };
        if let Some(found) = field.iter().position(|&b| b == separator) {
            return Err(wrong_width(number, width, found));
        }
        values.push(String::from_utf8_lossy(field).into_owned());
        if number < ISA_WIDTHS.len() {
            match data.get(end) {
                Some(&b) if b == separator => {}
                Some(_) => {
                    let found = data
                        .get(pos..)
                        .and_then(|tail| tail.iter().position(|&b| b == separator));
                    return Err(match found {
                        Some(found) => wrong_width(number, width, found),
                        None => Rejection::new(
                            None,
                            format!("segment 1 (ISA), element {number:02}"),
                            format!(
                                "expected {width} characters followed by the element separator \
                                 {}, found no further separator",
                                shown(&String::from_utf8_lossy(&[separator]))
                            ),
                        ),
                    });
                }
                None => return Err(truncated(number.saturating_add(1))),
            }
            pos = end.saturating_add(1);
        } else {
            pos = end;
        }
    }
    // `pos` is now 105, the segment terminator.
    let Some(&terminator) = data.get(pos) else {
        return Err(truncated(16));
    };
    let component_byte = data.get(104).copied().unwrap_or(b' ');
    let place16 = "segment 1 (ISA), element 16";
    let component = delimiter(component_byte).ok_or_else(|| {
        Rejection::new(
            None,
            place16,
            format!(
                "expected a component separator such as : or >, found {}",
                shown(&String::from_utf8_lossy(&[component_byte]))
            ),
        )
    })?;
    let segment = terminator_char(terminator).ok_or_else(|| {
        Rejection::new(
            None,
            isa_place(),
            format!(
                "expected a segment terminator such as ~ after ISA16 (character {ISA_LENGTH}), \
                 found {}",
                shown(&String::from_utf8_lossy(&[terminator]))
            ),
        )
    })?;
    let repetition_byte = data.get(82).copied().unwrap_or(b'U');
    let repetition = if repetition_byte.is_ascii_alphanumeric() || repetition_byte == b' ' {
        None
    } else {
        Some(delimiter(repetition_byte).ok_or_else(|| {
            Rejection::new(
                None,
                "segment 1 (ISA), element 11",
                format!(
                    "expected U or a repetition separator such as ^, found {}",
                    shown(&String::from_utf8_lossy(&[repetition_byte]))
                ),
            )
        })?)
    };
    let mut seen: Vec<char> = Vec::with_capacity(4);
    for c in [Some(element), Some(component), Some(segment), repetition]
        .into_iter()
        .flatten()
    {
        if seen.contains(&c) {
            return Err(Rejection::new(
                None,
                isa_place(),
                format!(
                    "the separators must all differ, but {} is used twice (element {}, \
                     component {}, segment {}{})",
                    shown(&c.to_string()),
                    shown(&element.to_string()),
                    shown(&component.to_string()),
                    shown(&segment.to_string()),
                    repetition
                        .map(|r| format!(", repetition {}", shown(&r.to_string())))
                        .unwrap_or_default()
                ),
            ));
        }
        seen.push(c);
    }
    let rest = data.get(pos.saturating_add(1)..).unwrap_or(&[]);
    Ok((
        Isa {
            segment: Segment {
                index: 1,
                id: "ISA".to_string(),
                elements: values,
            },
            delimiters: Delimiters {
                element,
                component,
                segment,
                repetition,
            },
        },
        rest,
    ))
}

fn wrong_width(element: usize, width: usize, found: usize) -> Rejection {
    Rejection::new(
        None,
        format!("segment 1 (ISA), element {element:02}"),
        format!(
            "expected {width} characters (the ISA is fixed-width, {ISA_LENGTH} characters, \
             values padded with spaces), found {found}"
        ),
    )
}

/// An element, component or repetition separator: printable ASCII or a control character
/// other than CR and LF, never a letter, digit or space.
fn delimiter(b: u8) -> Option<char> {
    (b.is_ascii() && !b.is_ascii_alphanumeric() && b != b' ' && b != b'\r' && b != b'\n')
        .then_some(char::from(b))
}

/// A segment terminator: as a separator, but a line feed or carriage return is allowed too.
fn terminator_char(b: u8) -> Option<char> {
    (b.is_ascii() && !b.is_ascii_alphanumeric() && b != b' ').then_some(char::from(b))
}

/// Splits the bytes after the ISA into segments, numbering them from `first_index`. Line breaks
/// around terminators are ignored, and so are empty segments (white space, NUL or SUB padding).
fn split_segments(rest: &[u8], delimiters: &Delimiters, first_index: usize) -> Vec<Segment> {
    // Delimiters are ASCII (see `delimiter`), so each is one byte.
    let terminator = u8::try_from(delimiters.segment).unwrap_or(b'~');
    let element = u8::try_from(delimiters.element).unwrap_or(b'*');
    let mut segments = Vec::new();
    let mut index = first_index;
    for chunk in rest.split(|&b| b == terminator) {
        let chunk = trim_line_breaks(chunk);
        if chunk
            .iter()
            .all(|&b| b.is_ascii_whitespace() || b == 0 || b == 0x1A)
        {
            continue;
        }
        segments.push(segment_from(chunk, element, index));
        index = index.saturating_add(1);
    }
    segments
}

fn trim_line_breaks(mut chunk: &[u8]) -> &[u8] {
    while let Some((first, rest)) = chunk.split_first() {
        if *first == b'\r' || *first == b'\n' {
            chunk = rest;
        } else {
            break;
        }
    }
    while let Some((last, rest)) = chunk.split_last() {
        if *last == b'\r' || *last == b'\n' {
            chunk = rest;
        } else {
            break;
        }
    }
    chunk
}

/// One segment from its bytes (line breaks trimmed): the ID, then the elements.
fn segment_from(chunk: &[u8], element: u8, index: usize) -> Segment {
    let mut parts = chunk
        .split(|&b| b == element)
        .map(|part| String::from_utf8_lossy(part).into_owned());
    let id = parts.next().unwrap_or_default();
    Segment {
        index,
        id,
        elements: parts.collect(),
    }
}

/// What the next segment is, as far as the envelope cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gs,
    St,
    Se,
    Ge,
    Iea,
    Other,
    End,
}

struct Cursor {
    segments: Peekable<IntoIter<Segment>>,
    /// The index of the last segment taken.
    last_index: usize,
}

impl Cursor {
    fn new(segments: Vec<Segment>, last_index: usize) -> Self {
        Cursor {
            segments: segments.into_iter().peekable(),
            last_index,
        }
    }

    fn peek_kind(&mut self) -> Kind {
        match self.segments.peek().map(|s| s.id.as_str()) {
            None => Kind::End,
            Some("GS") => Kind::Gs,
            Some("ST") => Kind::St,
            Some("SE") => Kind::Se,
            Some("GE") => Kind::Ge,
            Some("IEA") => Kind::Iea,
            Some(_) => Kind::Other,
        }
    }

    fn peek_place(&mut self) -> String {
        match self.segments.peek() {
            Some(seg) => format!("{} in segment {}", shown(&seg.id), seg.index),
            None => "the end of the file".to_string(),
        }
    }

    fn next(&mut self) -> Option<Segment> {
        let segment = self.segments.next();
        if let Some(segment) = &segment {
            self.last_index = segment.index;
        }
        segment
    }
}

fn broken(segment: &Segment, element: Option<usize>, message: impl Into<String>) -> Rejection {
    Rejection::new(None, segment.place(element).to_string(), message)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A count element (SE01, GE01, IEA01): 1 to 10 digits.
fn count(s: &str) -> Option<u32> {
    if s.len() > 10 || !all_digits(s) {
        return None;
    }
    s.parse().ok()
}

fn check_iea(iea: &Segment, isa: &Segment, groups: usize) -> Result<(), Rejection> {
    let declared = iea.element(1);
    if count(declared).and_then(|n| usize::try_from(n).ok()) != Some(groups) {
        return Err(broken(
            iea,
            Some(1),
            format!(
                "expected {groups} functional group{} (GS) in the interchange, found {}",
                if groups == 1 { "" } else { "s" },
                shown(declared)
            ),
        ));
    }
    let control = iea.element(2);
    if control != isa.element(13) {
        return Err(broken(
            iea,
            Some(2),
            format!(
                "expected {} (ISA13 in segment {}), found {}",
                isa.element(13),
                isa.index,
                shown(control)
            ),
        ));
    }
    Ok(())
}

fn group_error(
    segment: &Segment,
    element: Option<usize>,
    code: Option<GroupSyntaxError>,
    message: impl Into<String>,
) -> GroupError {
    GroupError {
        place: segment.place(element),
        message: message.into(),
        code,
    }
}

fn set_error(
    segment: &Segment,
    element: Option<usize>,
    code: SetSyntaxError,
    message: impl Into<String>,
) -> SetError {
    SetError {
        place: segment.place(element),
        message: message.into(),
        code,
        note: None,
    }
}

/// Reads a group after its GS, up to and including its GE.
fn read_group(gs: Segment, cursor: &mut Cursor) -> Result<Group, Rejection> {
    let mut group = Group {
        functional_id: gs.element(1).to_string(),
        sender: gs.element(2).to_string(),
        receiver: gs.element(3).to_string(),
        date: gs.element(4).to_string(),
        time: gs.element(5).to_string(),
        control_number: gs.element(6).to_string(),
        version: gs.element(8).to_string(),
        segment_index: gs.index,
        declared_sets: None,
        sets: Vec::new(),
        errors: Vec::new(),
    };
    if group.control_number.len() > 9 || !all_digits(&group.control_number) {
        group.errors.push(group_error(
            &gs,
            Some(6),
            Some(GroupSyntaxError::BadControlNumber),
            format!(
                "expected a group control number of 1 to 9 digits, found {}",
                shown(&group.control_number)
            ),
        ));
    }
    let mut seen = HashMap::new();
    loop {
        match cursor.peek_kind() {
            Kind::St => {
                if let Some(st) = cursor.next() {
                    let set = read_set(st, cursor, &mut seen)?;
                    group.sets.push(set);
                }
            }
            Kind::Ge => {
                if let Some(ge) = cursor.next() {
                    check_ge(&ge, &gs, &mut group);
                }
                return Ok(group);
            }
            Kind::Gs | Kind::Iea => {
                let found = cursor.peek_place();
                group.errors.push(group_error(
                    &gs,
                    None,
                    Some(GroupSyntaxError::TrailerMissing),
                    format!(
                        "the functional group has no GE: expected GE before {found}, after \
                         segment {}",
                        cursor.last_index
                    ),
                ));
                return Ok(group);
            }
            Kind::End => {
                return Err(Rejection::new(
                    None,
                    format!("segment {}", cursor.last_index.saturating_add(1)),
                    format!(
                        "the file ends inside the functional group opened in segment {}: \
                         expected GE, then IEA",
                        gs.index
                    ),
                ));
            }
            Kind::Se | Kind::Other => {
                if let Some(seg) = cursor.next() {
                    group.errors.push(group_error(
                        &seg,
                        None,
                        None,
                        format!(
                            "expected ST (a transaction set) or GE, found {} outside any \
                             transaction set",
                            shown(&seg.id)
                        ),
                    ));
                }
            }
        }
    }
}

fn check_ge(ge: &Segment, gs: &Segment, group: &mut Group) {
    let declared = ge.element(1);
    group.declared_sets = count(declared);
    let sets = group.sets.len();
    if count(declared).and_then(|n| usize::try_from(n).ok()) != Some(sets) {
        group.errors.push(group_error(
            ge,
            Some(1),
            Some(GroupSyntaxError::SetCountMismatch),
            format!(
                "expected {sets} transaction set{} (ST) in the group, found {}",
                if sets == 1 { "" } else { "s" },
                shown(declared)
            ),
        ));
    }
    let control = ge.element(2);
    if control != gs.element(6) {
        group.errors.push(group_error(
            ge,
            Some(2),
            Some(GroupSyntaxError::ControlNumberMismatch),
            format!(
                "expected {} (GS06 in segment {}), found {}",
                shown(gs.element(6)),
                gs.index,
                shown(control)
            ),
        ));
    }
}

/// Reads a set after its ST, up to and including its SE.
/// `seen` maps the control numbers of the group's earlier sets to their ST's index.
fn read_set(
    st: Segment,
    cursor: &mut Cursor,
    seen: &mut HashMap<String, usize>,
) -> Result<TransactionSet, Rejection> {
    let mut set = TransactionSet {
        id: st.element(1).to_string(),
        control_number: st.element(2).to_string(),
        segments: Vec::new(),
        first_segment_index: st.index,
        errors: Vec::new(),
    };
    if set.id.len() != 3 || !all_digits(&set.id) {
        set.errors.push(set_error(
            &st,
            Some(1),
            SetSyntaxError::BadSetIdentifier,
            format!(
                "expected a transaction set identifier such as 850, found {}",
                shown(&set.id)
            ),
        ));
    }
    let control_ok = !set.control_number.is_empty()
        && set.control_number.len() <= 9
        && set
            .control_number
            .chars()
            .all(|c| c.is_ascii_alphanumeric());
    if !control_ok {
        set.errors.push(set_error(
            &st,
            Some(2),
            SetSyntaxError::BadControlNumber,
            format!(
                "expected a transaction set control number of 1 to 9 letters or digits, found {}",
                shown(&set.control_number)
            ),
        ));
    } else if let Some(earlier) = seen.get(&set.control_number) {
        set.errors.push(set_error(
            &st,
            Some(2),
            SetSyntaxError::ControlNumberNotUnique,
            format!(
                "expected a control number not used before in the group, found {}, already \
                 used by the set in segment {}",
                shown(&set.control_number),
                earlier
            ),
        ));
    } else {
        seen.insert(set.control_number.clone(), st.index);
    }

    loop {
        match cursor.peek_kind() {
            Kind::Se => {
                if let Some(se) = cursor.next() {
                    check_se(&se, &st, &mut set);
                }
                return Ok(set);
            }
            Kind::St | Kind::Ge | Kind::Gs | Kind::Iea => {
                let found = cursor.peek_place();
                set.errors.push(set_error(
                    &st,
                    None,
                    SetSyntaxError::TrailerMissing,
                    format!(
                        "the transaction set has no SE: expected SE before {found}, after \
                         segment {}",
                        cursor.last_index
                    ),
                ));
                return Ok(set);
            }
            Kind::End => {
                return Err(Rejection::new(
                    None,
                    format!("segment {}", cursor.last_index.saturating_add(1)),
                    format!(
                        "the file ends inside the transaction set opened in segment {}: \
                         expected SE, GE, then IEA",
                        st.index
                    ),
                ));
            }
            Kind::Other => {
                if let Some(seg) = cursor.next() {
                    set.segments.push(seg);
                }
            }
        }
    }
}

fn check_se(se: &Segment, st: &Segment, set: &mut TransactionSet) {
    let counted = se.index.saturating_sub(st.index).saturating_add(1);
    let declared = se.element(1);
    if count(declared).and_then(|n| usize::try_from(n).ok()) != Some(counted) {
        set.errors.push(set_error(
            se,
            Some(1),
            SetSyntaxError::SegmentCountMismatch,
            format!(
                "expected {counted} segments counted from ST, found {}",
                shown(declared)
            ),
        ));
    }
    let control = se.element(2);
    if control != st.element(2) {
        set.errors.push(set_error(
            se,
            Some(2),
            SetSyntaxError::ControlNumberMismatch,
            format!(
                "expected {} (ST02 in segment {}), found {}",
                shown(st.element(2)),
                st.index,
                shown(control)
            ),
        ));
    }
}
