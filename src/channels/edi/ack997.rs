//! The 997 functional acknowledgement: one per functional group received, saying which of its
//! transaction sets were accepted and why the others were not.
//!
//! [`acknowledge`] starts from the envelope's verdict on a group (its GE and each set's SE);
//! [`parse_file`](super::parse_file) adds what the 850 parser refused; intake, which may refuse
//! a set later (an item the channel does not list, say), marks it with
//! [`FunctionalAck::reject_set`] or [`FunctionalAck::reject_line`] before rendering. The caller
//! gives the control numbers, drawn from the partner's sequence in the database.
//!
//! ```text
//! ISA…~GS*FA…~ST*997*0001~AK1*PO*{GS06}~
//! AK2*850*{ST02}~[AK3*{segment}*{position}**{code}~[AK4*{element}*{ref}*{code}*{copy}~]]AK5*{A|E|R}*{codes}~ (per set)
//! AK9*{A|E|P|R}*{GE01}*{sets received}*{sets accepted}*{codes}~SE~GE~IEA~
//! ```

use chrono::{Datelike, NaiveDateTime, Timelike};

use super::errors::{
    ElementNote, ElementSyntaxError, GroupSyntaxError, SegmentNote, SegmentSyntaxError, SetError,
    SetSyntaxError,
};
use super::po850::LineSegment;
use super::x12::{Delimiters, Group, Interchange, Usage, X12Version};

/// AK501.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetStatus {
    /// `A`
    Accepted,
    /// `E`: accepted, errors noted.
    AcceptedWithErrors,
    /// `R`
    Rejected,
}

impl SetStatus {
    pub fn code(self) -> &'static str {
        match self {
            SetStatus::Accepted => "A",
            SetStatus::AcceptedWithErrors => "E",
            SetStatus::Rejected => "R",
        }
    }
}

/// AK901.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupStatus {
    /// `A`: every set accepted.
    Accepted,
    /// `E`: every set accepted, errors noted on some.
    AcceptedWithErrors,
    /// `P`: some sets accepted, some rejected.
    PartiallyAccepted,
    /// `R`: the group, or every set in it, rejected.
    Rejected,
}

impl GroupStatus {
    pub fn code(self) -> &'static str {
        match self {
            GroupStatus::Accepted => "A",
            GroupStatus::AcceptedWithErrors => "E",
            GroupStatus::PartiallyAccepted => "P",
            GroupStatus::Rejected => "R",
        }
    }
}

/// The acknowledgement of one transaction set (AK2 … AK5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAck {
    /// AK201, AK202: ST01 and ST02 as received.
    pub set_id: String,
    pub control_number: String,
    pub status: SetStatus,
    /// AK502–AK506.
    pub errors: Vec<SetSyntaxError>,
    /// AK3/AK4.
    pub notes: Vec<SegmentNote>,
    /// Why, in words, for logs and the intake-errors table; not sent.
    pub reasons: Vec<String>,
    /// Where each order line came from, for [`FunctionalAck::reject_line`].
    pub lines: Vec<LineSegment>,
}

impl SetAck {
    fn reject(&mut self, code: Option<SetSyntaxError>, note: Option<SegmentNote>, reason: String) {
        self.status = SetStatus::Rejected;
        if let Some(code) = code
            && !self.errors.contains(&code)
        {
            self.errors.push(code);
        }
        if let Some(note) = note {
            self.notes.push(note);
        }
        self.reasons.push(reason);
    }
}

/// The acknowledgement of one functional group: what a 997 says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionalAck {
    /// AK101, AK102: GS01 and GS06 as received.
    pub functional_id: String,
    pub group_control_number: String,
    /// GS08 as received (AK103 in 005010).
    pub group_version: String,
    /// GE01 as received; AK902 falls back to the sets counted when it was unreadable.
    pub declared_sets: Option<u32>,
    /// Whether the group as a whole is rejected (its envelope is wrong, or it is not a PO group).
    pub group_rejected: bool,
    /// AK905–AK909.
    pub errors: Vec<GroupSyntaxError>,
    /// Why the group was rejected, in words; not sent.
    pub reasons: Vec<String>,
    pub sets: Vec<SetAck>,
}

/// The envelope's verdict on a group: rejected as a whole when its GS/GE is wrong or it is not
/// a PO group (every set then rejected with it), otherwise each set accepted unless its ST/SE
/// is wrong. The caller then rejects what the 850 parser or intake refused.
pub fn acknowledge(group: &Group) -> FunctionalAck {
    let group_rejected = !group.errors.is_empty();
    let mut errors = Vec::new();
    for code in group.errors.iter().filter_map(|e| e.code) {
        if !errors.contains(&code) {
            errors.push(code);
        }
    }
    let sets = group
        .sets
        .iter()
        .map(|set| {
            let mut ack = SetAck {
                set_id: set.id.clone(),
                control_number: set.control_number.clone(),
                status: SetStatus::Accepted,
                errors: Vec::new(),
                notes: Vec::new(),
                reasons: Vec::new(),
                lines: Vec::new(),
            };
            for error in &set.errors {
                ack.reject(
                    Some(error.code),
                    error.note.as_deref().cloned(),
                    format!("{}: {}", error.place, error.message),
                );
            }
            if group_rejected && ack.status != SetStatus::Rejected {
                ack.reject(None, None, "its functional group was rejected".to_string());
            }
            ack
        })
        .collect();
    FunctionalAck {
        functional_id: group.functional_id.clone(),
        group_control_number: group.control_number.clone(),
        group_version: group.version.clone(),
        declared_sets: group.declared_sets,
        group_rejected,
        errors,
        reasons: group
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.place, e.message))
            .collect(),
        sets,
    }
}

impl FunctionalAck {
    /// Rejects set `set` (its index in the group) for an error the parser found. `false` when
    /// there is no such set.
    pub fn reject(&mut self, set: usize, error: &SetError) -> bool {
        let Some(ack) = self.sets.get_mut(set) else {
            return false;
        };
        ack.reject(
            Some(error.code),
            error.note.as_deref().cloned(),
            format!("{}: {}", error.place, error.message),
        );
        true
    }

    /// Rejects set `set` for a reason of intake's that no segment is to blame for (a PO number
    /// already stored under another partner, say): `AK5*R` without a code.
    pub fn reject_set(&mut self, set: usize, reason: impl Into<String>) -> bool {
        let Some(ack) = self.sets.get_mut(set) else {
            return false;
        };
        ack.reject(None, None, reason.into());
        true
    }

    /// Rejects set `set` because of order line `line_no`'s item (not listed, not stocked):
    /// `AK3*PO1*{position}**8`, `AK4*{element}*234*7*{id}` pointing at the product id, and
    /// `AK5*R*5`. Without a record of the line, the set is rejected as by [`Self::reject_set`].
    pub fn reject_line(&mut self, set: usize, line_no: i32, reason: impl Into<String>) -> bool {
        let Some(ack) = self.sets.get_mut(set) else {
            return false;
        };
        let note = ack
            .lines
            .iter()
            .find(|l| l.line_no == line_no)
            .map(|line| SegmentNote {
                segment_id: "PO1".to_string(),
                position_in_set: line.position_in_set,
                error: Some(SegmentSyntaxError::ElementErrors),
                element: line.sku_element.map(|position| ElementNote {
                    position,
                    reference: Some(234),
                    error: ElementSyntaxError::InvalidCode,
                    copy: line.sku.clone(),
                }),
            });
        let code = note.as_ref().map(|_| SetSyntaxError::SegmentsInError);
        ack.reject(code, note, reason.into());
        true
    }

    /// AK903: the sets received.
    pub fn received(&self) -> usize {
        self.sets.len()
    }

    /// AK904: the sets accepted (with or without errors noted).
    pub fn accepted(&self) -> usize {
        if self.group_rejected {
            return 0;
        }
        self.sets
            .iter()
            .filter(|s| s.status != SetStatus::Rejected)
            .count()
    }

    /// AK901.
    pub fn status(&self) -> GroupStatus {
        let accepted = self.accepted();
        if self.group_rejected || (accepted == 0 && self.received() > 0) {
            GroupStatus::Rejected
        } else if accepted < self.received() {
            GroupStatus::PartiallyAccepted
        } else if self
            .sets
            .iter()
            .any(|s| s.status == SetStatus::AcceptedWithErrors)
        {
            GroupStatus::AcceptedWithErrors
        } else {
            GroupStatus::Accepted
        }
    }
}

/// The control numbers of an outbound interchange, from the partner's sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlNumbers {
    /// ISA13/IEA02: written as 9 digits.
    pub interchange: u32,
    /// GS06/GE02.
    pub group: u32,
    /// ST02/SE02: written with at least 4 digits.
    pub set: u32,
}

/// The envelope of an outbound interchange. Control numbers above 999,999,999 are written
/// modulo 10^9 (X12 control numbers have nine digits; sequences should cycle below that).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundEnvelope {
    /// ISA05–ISA08: us as sender, the partner as receiver.
    pub sender_qualifier: String,
    pub sender_id: String,
    pub receiver_qualifier: String,
    pub receiver_id: String,
    /// GS02, GS03.
    pub application_sender: String,
    pub application_receiver: String,
    pub controls: ControlNumbers,
    pub version: X12Version,
    /// ISA09/ISA10 and GS04/GS05.
    pub at: NaiveDateTime,
    pub usage: Usage,
    /// All ASCII and all different, as [`Delimiters::standard`] and the received ones are.
    pub delimiters: Delimiters,
}

impl OutboundEnvelope {
    /// The envelope answering `group` of `interchange`: sender and receiver swapped, in the
    /// interchange's version, usage and delimiters (with `^` as the repetition separator when
    /// answering 005010 and none was received).
    pub fn answering(
        interchange: &Interchange,
        group: &Group,
        controls: ControlNumbers,
        at: NaiveDateTime,
    ) -> Self {
        let version = X12Version::answering(&interchange.version);
        let mut delimiters = interchange.delimiters;
        if version == X12Version::V5010 && delimiters.repetition.is_none() {
            let standard = Delimiters::standard(version);
            delimiters.repetition = standard
                .repetition
                .filter(|&r| !delimiters.contains(r))
                .or_else(|| {
                    ['^', '|', '!']
                        .into_iter()
                        .find(|&c| !delimiters.contains(c))
                });
        }
        OutboundEnvelope {
            sender_qualifier: interchange.receiver_qualifier.clone(),
            sender_id: interchange.receiver_id.clone(),
            receiver_qualifier: interchange.sender_qualifier.clone(),
            receiver_id: interchange.sender_id.clone(),
            application_sender: group.receiver.clone(),
            application_receiver: group.sender.clone(),
            controls,
            version,
            at,
            usage: interchange.usage,
            delimiters,
        }
    }
}

/// Renders the 997 for `ack` as a complete interchange (ISA … IEA) with correct counts. Values
/// are cleaned of the delimiters, so that whatever was received, the 997 parses.
pub fn render_997(ack: &FunctionalAck, env: &OutboundEnvelope) -> String {
    let d = &env.delimiters;
    let mut w = Writer {
        out: String::with_capacity(512),
        delimiters: d,
        segments: 0,
    };
    let interchange_control = format!("{:09}", env.controls.interchange % 1_000_000_000);
    let group_control = (env.controls.group % 1_000_000_000).to_string();
    let set_control = format!("{:04}", env.controls.set % 1_000_000_000);
    let at = env.at;
    let repetition = match env.version {
        X12Version::V4010 => 'U',
        X12Version::V5010 => d.repetition.unwrap_or('^'),
    };

    // The ISA is fixed-width: write it whole.
    let isa = [
        "00".to_string(),
        " ".repeat(10),
        "00".to_string(),
        " ".repeat(10),
        fixed(&env.sender_qualifier, 2, d),
        fixed(&env.sender_id, 15, d),
        fixed(&env.receiver_qualifier, 2, d),
        fixed(&env.receiver_id, 15, d),
        format!(
            "{:02}{:02}{:02}",
            at.year().rem_euclid(100),
            at.month(),
            at.day()
        ),
        format!("{:02}{:02}", at.hour(), at.minute()),
        repetition.to_string(),
        env.version.isa_code().to_string(),
        interchange_control.clone(),
        "0".to_string(),
        env.usage.code().to_string(),
        d.component.to_string(),
    ];
    w.out.push_str("ISA");
    for value in &isa {
        w.out.push(d.element);
        w.out.push_str(value);
    }
    w.out.push(d.segment);

    let gs_date = format!(
        "{:04}{:02}{:02}",
        at.year().clamp(0, 9999),
        at.month(),
        at.day()
    );
    let gs_time = format!("{:02}{:02}", at.hour(), at.minute());
    w.segment(
        "GS",
        &[
            "FA",
            &env.application_sender,
            &env.application_receiver,
            &gs_date,
            &gs_time,
            &group_control,
            "X",
            env.version.gs_code(),
        ],
    );

    w.segments = 0;
    w.segment("ST", &["997", &set_control]);
    match env.version {
        X12Version::V4010 => w.segment("AK1", &[&ack.functional_id, &ack.group_control_number]),
        X12Version::V5010 => w.segment(
            "AK1",
            &[
                &ack.functional_id,
                &ack.group_control_number,
                &ack.group_version,
            ],
        ),
    }
    for set in &ack.sets {
        w.segment("AK2", &[&set.set_id, &set.control_number]);
        if set.status != SetStatus::Accepted {
            for note in &set.notes {
                let position = note.position_in_set.to_string();
                w.segment(
                    "AK3",
                    &[
                        &note.segment_id,
                        &position,
                        "",
                        note.error.map_or("", SegmentSyntaxError::code),
                    ],
                );
                if let Some(element) = &note.element {
                    let position = element.position.to_string();
                    let reference = element.reference.map(|r| r.to_string()).unwrap_or_default();
                    w.segment(
                        "AK4",
                        &[
                            &position,
                            &reference,
                            element.error.code(),
                            element.copy.as_deref().unwrap_or(""),
                        ],
                    );
                }
            }
        }
        let mut ak5 = vec![set.status.code()];
        ak5.extend(set.errors.iter().take(5).map(|e| e.code()));
        w.segment("AK5", &ak5);
    }
    let included = ack
        .declared_sets
        .map_or_else(|| ack.received().to_string(), |n| n.to_string());
    let received = ack.received().to_string();
    let accepted = ack.accepted().to_string();
    let mut ak9 = vec![
        ack.status().code(),
        included.as_str(),
        received.as_str(),
        accepted.as_str(),
    ];
    ak9.extend(ack.errors.iter().take(5).map(|e| e.code()));
    w.segment("AK9", &ak9);
    let count = w.segments.saturating_add(1).to_string();
    w.segment("SE", &[&count, &set_control]);
    w.segment("GE", &["1", &group_control]);
    w.segment("IEA", &["1", &interchange_control]);
    w.out
}

struct Writer<'a> {
    out: String,
    delimiters: &'a Delimiters,
    /// Segments written since the count was last reset.
    segments: usize,
}

impl Writer<'_> {
    /// Writes a segment, dropping trailing empty elements.
    fn segment(&mut self, id: &str, elements: &[&str]) {
        let cleaned: Vec<String> = elements.iter().map(|e| clean(e, self.delimiters)).collect();
        let used = cleaned
            .iter()
            .rposition(|e| !e.is_empty())
            .map_or(0, |last| last.saturating_add(1));
        self.out.push_str(id);
        for value in cleaned.iter().take(used) {
            self.out.push(self.delimiters.element);
            self.out.push_str(value);
        }
        self.out.push(self.delimiters.segment);
        self.segments = self.segments.saturating_add(1);
    }
}

/// A value without delimiters or control characters.
fn clean(value: &str, d: &Delimiters) -> String {
    value
        .chars()
        .filter(|&c| !d.contains(c) && !c.is_control())
        .collect()
}

/// A fixed-width ISA value: printable ASCII only, cut or padded with spaces to `width`.
fn fixed(value: &str, width: usize, d: &Delimiters) -> String {
    let mut out: String = clean(value, d)
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(width)
        .collect();
    while out.len() < width {
        out.push(' ');
    }
    out
}
