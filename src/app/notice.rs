//! One line telling the operator what just happened: an error (which also beeps) or a
//! confirmation. Each carries a short form (at most 20 columns, for handhelds) and a long form
//! that says what was expected; the view shows the long form where it fits.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Error,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub short: String,
    pub long: String,
}

impl Notice {
    pub fn error(short: impl Into<String>, long: impl Into<String>) -> Notice {
        Notice {
            kind: NoticeKind::Error,
            short: short.into(),
            long: long.into(),
        }
    }

    pub fn info(short: impl Into<String>, long: impl Into<String>) -> Notice {
        Notice {
            kind: NoticeKind::Info,
            short: short.into(),
            long: long.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.kind == NoticeKind::Error
    }

    /// The form that fits `width` columns: long if it fits, else short (cut if need be).
    pub fn fitting(&self, width: usize) -> &str {
        if self.long.chars().count() <= width {
            &self.long
        } else {
            &self.short
        }
    }
}
