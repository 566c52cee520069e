//! The terminal's durable confirm journal (DESIGN invariant 5): a pick, short or move that has
//! not been acknowledged by the database is kept in an append-only JSON-lines file on the
//! terminal's side and replayed, in order, when the database is back.
//!
//! One line per event, each written with a single `write` and made durable with `fsync` before
//! the call returns:
//!
//! ```text
//! {"op":"confirm","scan_id":"0190…","warehouse_id":1,…}
//! {"op":"ack","scan_id":"0190…"}
//! ```
//!
//! Opening the file replays it: the pending list is every confirm without a later ack, in append
//! order. A last line without its newline is a write the process was killed in the middle of
//! (its `append` never returned), so it is dropped with a warning and cut off the file; any other
//! line that does not parse is an error, and the file is left as it is for someone to look at.
//!
//! Once the file has grown past a size and holds little or nothing still pending, it is
//! rewritten with only the pending confirms (a temporary file, fsync, rename, fsync of the
//! directory), so it does not grow all shift.
//!
//! One terminal process writes its journal; a second handle (a reader, a tool) may open it at
//! the same time. Writers hold an exclusive `flock` for each write and for the rewrite, and
//! follow the file to its new inode after another handle rewrote it.

use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::data_dir::default_data_dir;

/// Environment variable naming the directory of the journals, overriding the default.
pub const JOURNAL_DIR_ENV: &str = "AISLE_JOURNAL_DIR";

/// Past this size a file holding little still pending is rewritten: about a thousand confirms
/// and their acks, a few times per shift.
pub const COMPACT_AT_BYTES: u64 = 256 * 1024;

/// What a confirm does, as the database function that applies it needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PendingKind {
    Pick {
        task_id: i64,
        tote_location_id: i32,
        quantity: i32,
    },
    Short {
        task_id: i64,
        found: i32,
    },
    Move {
        task_id: i64,
        from_location_id: i32,
        to_location_id: i32,
        quantity: i32,
    },
}

impl PendingKind {
    /// The task the confirm is for.
    pub fn task_id(&self) -> i64 {
        match self {
            PendingKind::Pick { task_id, .. }
            | PendingKind::Short { task_id, .. }
            | PendingKind::Move { task_id, .. } => *task_id,
        }
    }
}

/// A confirm kept until the database has acknowledged it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingConfirm {
    /// Made by the terminal (UUIDv7); applying the same scan twice changes nothing.
    pub scan_id: Uuid,
    pub warehouse_id: i32,
    pub operator_id: i32,
    pub kind: PendingKind,
    pub terminal: String,
    /// The committing scan as it arrived.
    pub raw: String,
    pub at: DateTime<Utc>,
}

/// Why the journal could not be opened or written. Messages say what was expected, and where.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("confirm journal: cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "confirm journal {path}, line {line}: expected a confirm or an acknowledgement as JSON \
         ({source}); the file is left as it is"
    )]
    Corrupt {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("confirm journal {path}: cannot encode the entry for scan {scan_id}: {source}")]
    Encode {
        path: PathBuf,
        scan_id: Uuid,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "confirm journal {path}: scan {scan_id} is already pending with different content; \
         expected a new scan id for a new confirm"
    )]
    DuplicateScanId { path: PathBuf, scan_id: Uuid },
}

/// One line of the file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Line {
    Confirm(PendingConfirm),
    Ack { scan_id: Uuid },
}

/// The append-only journal of one terminal's unacknowledged confirms.
#[derive(Debug)]
pub struct ConfirmJournal {
    path: PathBuf,
    /// Opened for reading and appending.
    file: File,
    pending: Vec<PendingConfirm>,
    compact_at: u64,
}

/// What reading the file found.
struct Replayed {
    /// With the length of each one's line, newline included.
    pending: Vec<(PendingConfirm, u64)>,
    /// Up to the end of the last complete line.
    good_len: u64,
    /// The bytes after `good_len`: a torn last line.
    torn: Vec<u8>,
}

impl Replayed {
    fn live_bytes(&self) -> u64 {
        self.pending.iter().map(|(_, len)| len).sum()
    }

    fn into_pending(self) -> Vec<PendingConfirm> {
        self.pending.into_iter().map(|(entry, _)| entry).collect()
    }
}

impl ConfirmJournal {
    /// Creates or opens the journal at `path` (and its directory) and rebuilds the pending list.
    pub fn open(path: &Path) -> Result<ConfirmJournal, JournalError> {
        ConfirmJournal::open_compacting_at(path, COMPACT_AT_BYTES)
    }

    fn open_compacting_at(path: &Path, compact_at: u64) -> Result<ConfirmJournal, JournalError> {
        let path = path.to_path_buf();
        if let Some(dir) = parent_dir(&path) {
            // Private, like the data directory it usually sits in (which the embedded cluster
            // opens up as it needs when run as root).
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(io_error("create the directory", dir))?;
        }
        let file = open_file(&path)?;
        // The file's name must survive a crash too, not only its content.
        sync_dir(&path)?;
        let mut journal = ConfirmJournal {
            path,
            file,
            pending: Vec::new(),
            compact_at,
        };
        journal.with_lock(ConfirmJournal::load_locked)?;
        Ok(journal)
    }

    /// Writes one confirm and makes it durable: once this returns, the confirm survives a killed
    /// process or a power cut. Appending a scan id that is already pending with the same
    /// content does nothing (a retry); with different content it is an error.
    pub fn append(&mut self, entry: PendingConfirm) -> Result<(), JournalError> {
        if let Some(existing) = self.pending.iter().find(|p| p.scan_id == entry.scan_id) {
            return if *existing == entry {
                Ok(())
            } else {
                Err(JournalError::DuplicateScanId {
                    path: self.path.clone(),
                    scan_id: entry.scan_id,
                })
            };
        }
        let line = self.encode(entry.scan_id, &Line::Confirm(entry.clone()))?;
        self.with_lock(|journal| journal.write_line_locked(&line))?;
        self.pending.push(entry);
        Ok(())
    }

    /// Records that the database has answered scan `scan_id` (durably, like [`append`]) and
    /// drops it from the pending list. An id that is not pending is recorded all the same: the
    /// file, not this handle's list, is the truth.
    ///
    /// [`append`]: ConfirmJournal::append
    pub fn acknowledge(&mut self, scan_id: Uuid) -> Result<(), JournalError> {
        let line = self.encode(scan_id, &Line::Ack { scan_id })?;
        self.with_lock(|journal| {
            journal.write_line_locked(&line)?;
            journal.pending.retain(|p| p.scan_id != scan_id);
            // The ack is durable now; a compaction that fails is only a larger file.
            if journal.pending.is_empty()
                && let Err(error) = journal.compact_if_large()
            {
                tracing::warn!(path = %journal.path.display(), %error, "confirm journal not compacted");
            }
            Ok(())
        })
    }

    /// The confirms not yet acknowledged, in the order they were appended.
    pub fn pending(&self) -> &[PendingConfirm] {
        &self.pending
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file, cuts off a torn last line, rewrites the file if it is mostly acked.
    fn load_locked(&mut self) -> Result<(), JournalError> {
        let replayed = self.read_locked()?;
        if !replayed.torn.is_empty() {
            tracing::warn!(
                path = %self.path.display(),
                offset = replayed.good_len,
                bytes = replayed.torn.len(),
                line = %String::from_utf8_lossy(&replayed.torn[..replayed.torn.len().min(200)]),
                "confirm journal ends in a torn line (a write cut short); dropping it"
            );
            self.file
                .set_len(replayed.good_len)
                .and_then(|()| self.file.sync_data())
                .map_err(io_error("cut the torn last line off", &self.path))?;
        }
        if replayed.good_len > self.compact_at
            && replayed.live_bytes() * 2 <= replayed.good_len
            && let Err(error) = self.compact_locked(&replayed)
        {
            tracing::warn!(path = %self.path.display(), %error, "confirm journal not compacted");
        }
        self.pending = replayed.into_pending();
        Ok(())
    }

    /// Rewrites a file grown past the threshold. Another handle may have appended since this
    /// one read the file, so it is read again, and what it holds pending is kept and adopted.
    fn compact_if_large(&mut self) -> Result<(), JournalError> {
        if self.file_len()? <= self.compact_at {
            return Ok(());
        }
        let replayed = self.read_locked()?;
        self.compact_locked(&replayed)?;
        self.pending = replayed.into_pending();
        Ok(())
    }

    /// The whole file, replayed.
    fn read_locked(&mut self) -> Result<Replayed, JournalError> {
        let mut bytes = Vec::new();
        self.file
            .seek(SeekFrom::Start(0))
            .and_then(|_| self.file.read_to_end(&mut bytes))
            .map_err(io_error("read", &self.path))?;
        let mut pending: Vec<(PendingConfirm, u64)> = Vec::new();
        let mut offset = 0usize;
        let mut line_number = 0usize;
        while let Some(newline) = bytes[offset..].iter().position(|&b| b == b'\n') {
            line_number += 1;
            let line = &bytes[offset..offset + newline];
            let line_len = u64::try_from(newline + 1).unwrap_or(u64::MAX);
            offset += newline + 1;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Line>(line) {
                Ok(Line::Confirm(entry)) => {
                    if !pending.iter().any(|(p, _)| p.scan_id == entry.scan_id) {
                        pending.push((entry, line_len));
                    }
                }
                Ok(Line::Ack { scan_id }) => pending.retain(|(p, _)| p.scan_id != scan_id),
                Err(source) => {
                    return Err(JournalError::Corrupt {
                        path: self.path.clone(),
                        line: line_number,
                        source,
                    });
                }
            }
        }
        let good_len = u64::try_from(offset).unwrap_or(u64::MAX);
        let torn = bytes.split_off(offset);
        Ok(Replayed {
            pending,
            good_len,
            torn,
        })
    }

    /// Replaces the file with one holding only the pending confirms: written beside it, synced,
    /// renamed over it, the directory synced. A crash at any point leaves either file whole.
    fn compact_locked(&mut self, replayed: &Replayed) -> Result<(), JournalError> {
        let mut content = Vec::new();
        for (entry, _) in &replayed.pending {
            content.extend(self.encode(entry.scan_id, &Line::Confirm(entry.clone()))?);
        }
        let temp = temp_path(&self.path);
        let write_temp = || -> std::io::Result<()> {
            let mut file = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&temp)?;
            file.write_all(&content)?;
            file.sync_all()
        };
        write_temp().map_err(io_error("write the compacted journal", &temp))?;
        std::fs::rename(&temp, &self.path).map_err(io_error(
            "replace the journal with its compacted copy",
            &self.path,
        ))?;
        sync_dir(&self.path)?;
        // The old file (and its lock) goes; a writer waiting on it follows to the new one.
        self.file = open_file(&self.path)?;
        tracing::debug!(
            path = %self.path.display(),
            before = replayed.good_len,
            after = content.len(),
            pending = replayed.pending.len(),
            "confirm journal compacted"
        );
        Ok(())
    }

    /// One line in one `write`, then `fsync`. A failed write is cut back off, so that the next
    /// line does not land glued to half of this one.
    fn write_line_locked(&mut self, line: &[u8]) -> Result<(), JournalError> {
        let before = self.file_len()?;
        let written = self
            .file
            .write_all(line)
            .and_then(|()| self.file.sync_data());
        if let Err(source) = written {
            if let Err(error) = self.file.set_len(before) {
                tracing::warn!(path = %self.path.display(), %error, "could not cut back a failed journal write");
            }
            return Err(JournalError::Io {
                action: "write and sync",
                path: self.path.clone(),
                source,
            });
        }
        Ok(())
    }

    fn file_len(&self) -> Result<u64, JournalError> {
        self.file
            .metadata()
            .map(|m| m.len())
            .map_err(io_error("read the size of", &self.path))
    }

    /// The entry as one JSON line with its newline.
    fn encode(&self, scan_id: Uuid, line: &Line) -> Result<Vec<u8>, JournalError> {
        let mut bytes = serde_json::to_vec(line).map_err(|source| JournalError::Encode {
            path: self.path.clone(),
            scan_id,
            source,
        })?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// Runs `f` holding the exclusive lock on the file the path names now. If another handle
    /// replaced the file while this one waited, the lock is taken again on the new file.
    fn with_lock<T>(
        &mut self,
        f: impl FnOnce(&mut ConfirmJournal) -> Result<T, JournalError>,
    ) -> Result<T, JournalError> {
        loop {
            self.file.lock().map_err(io_error("lock", &self.path))?;
            if self.names_open_file()? {
                break;
            }
            // Dropping the old handle releases its lock.
            self.file = open_file(&self.path)?;
        }
        let result = f(self);
        // After a compaction this is the new file, not locked: unlocking it changes nothing.
        if let Err(error) = self.file.unlock() {
            tracing::warn!(path = %self.path.display(), %error, "could not unlock the journal");
        }
        result
    }

    /// Whether the path still names the file this handle has open.
    fn names_open_file(&self) -> Result<bool, JournalError> {
        use std::os::unix::fs::MetadataExt;
        let open = self
            .file
            .metadata()
            .map_err(io_error("read the metadata of", &self.path))?;
        match std::fs::metadata(&self.path) {
            Ok(named) => Ok(named.dev() == open.dev() && named.ino() == open.ino()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(error) => Err(io_error("read the metadata of", &self.path)(error)),
        }
    }
}

/// Where terminal `terminal_id` keeps its journal: `$AISLE_JOURNAL_DIR/<terminal>.jsonl` if set,
/// else `journal/<terminal>.jsonl` in aisle's data directory (beside the embedded cluster; see
/// [`crate::db::data_dir`]). The terminal id is escaped into a safe file name.
pub fn default_path(terminal_id: &str) -> PathBuf {
    let dir = match std::env::var_os(JOURNAL_DIR_ENV).filter(|dir| !dir.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => match default_data_dir() {
            Ok(data_dir) => journal_dir_in(&data_dir),
            Err(error) => {
                let fallback = journal_dir_in(&std::env::temp_dir().join("aisle"));
                tracing::warn!(
                    %error,
                    fallback = %fallback.display(),
                    "no data directory for the confirm journal; set {JOURNAL_DIR_ENV}"
                );
                fallback
            }
        },
    };
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    path_in(&dir, terminal_id)
}

/// The journal directory inside a data directory (`--data-dir`).
pub fn journal_dir_in(data_dir: &Path) -> PathBuf {
    data_dir.join("journal")
}

/// The journal of `terminal_id` in directory `dir`.
pub fn path_in(dir: &Path, terminal_id: &str) -> PathBuf {
    dir.join(format!("{}.jsonl", file_stem(terminal_id)))
}

/// The terminal id with every byte other than ASCII letters, digits, `-` and `_` written as
/// `%XX`, so that no id escapes the directory (`../x`, `pts/3`) and no two ids share a file.
fn file_stem(terminal_id: &str) -> String {
    if terminal_id.is_empty() {
        return "%".to_owned();
    }
    let mut stem = String::with_capacity(terminal_id.len());
    for byte in terminal_id.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            stem.push(char::from(byte));
        } else {
            stem.push_str(&format!("%{byte:02X}"));
        }
    }
    stem
}

fn open_file(path: &Path) -> Result<File, JournalError> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(io_error("open", path))
}

fn parent_dir(path: &Path) -> Option<&Path> {
    path.parent().filter(|dir| !dir.as_os_str().is_empty())
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .unwrap_or(OsStr::new("journal"))
        .to_os_string();
    name.push(".compacting");
    path.with_file_name(name)
}

/// Makes the directory entry of `path` durable (a created or renamed file).
fn sync_dir(path: &Path) -> Result<(), JournalError> {
    let dir = parent_dir(path).unwrap_or(Path::new("."));
    File::open(dir)
        .and_then(|dir| dir.sync_all())
        .map_err(io_error("sync the directory", dir))
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> JournalError {
    let path = path.to_path_buf();
    move |source| JournalError::Io {
        action,
        path,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(n: u32) -> PendingConfirm {
        let kind = match n % 3 {
            0 => PendingKind::Pick {
                task_id: i64::from(n),
                tote_location_id: 7,
                quantity: 2,
            },
            1 => PendingKind::Short {
                task_id: i64::from(n),
                found: 0,
            },
            _ => PendingKind::Move {
                task_id: i64::from(n),
                from_location_id: 3,
                to_location_id: 4,
                quantity: 5,
            },
        };
        PendingConfirm {
            scan_id: Uuid::now_v7(),
            warehouse_id: 1,
            operator_id: 42,
            kind,
            terminal: "RF-07".to_owned(),
            raw: format!("]C10109506000134352\u{1d}10LOT{n}"),
            at: Utc
                .timestamp_opt(1_790_000_000 + i64::from(n), 123_456_789)
                .single()
                .expect("valid time"),
        }
    }

    fn journal_path(dir: &tempfile::TempDir) -> PathBuf {
        dir.path().join("journal").join("RF-07.jsonl")
    }

    fn file_len(path: &Path) -> u64 {
        std::fs::metadata(path).expect("metadata").len()
    }

    #[test]
    fn append_ack_and_reopen_keep_unacknowledged_entries_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = journal_path(&dir);
        let entries: Vec<PendingConfirm> = (0..5).map(entry).collect();
        {
            let mut journal = ConfirmJournal::open(&path).expect("open");
            assert!(journal.is_empty());
            for e in &entries {
                journal.append(e.clone()).expect("append");
            }
            journal.acknowledge(entries[1].scan_id).expect("ack");
            journal.acknowledge(entries[3].scan_id).expect("ack");
            assert_eq!(
                journal.pending(),
                [entries[0].clone(), entries[2].clone(), entries[4].clone()]
            );
        }
        let mut reopened = ConfirmJournal::open(&path).expect("reopen");
        assert_eq!(
            reopened.pending(),
            [entries[0].clone(), entries[2].clone(), entries[4].clone()]
        );
        assert_eq!(reopened.len(), 3);
        // Acks survive too, and an ack of an unknown id is harmless.
        reopened.acknowledge(entries[0].scan_id).expect("ack");
        reopened.acknowledge(Uuid::now_v7()).expect("ack unknown");
        let again = ConfirmJournal::open(&path).expect("reopen");
        assert_eq!(again.pending(), [entries[2].clone(), entries[4].clone()]);
    }

    #[test]
    fn the_file_is_json_lines_that_name_the_operation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = journal_path(&dir);
        let mut journal = ConfirmJournal::open(&path).expect("open");
        let e = entry(0);
        journal.append(e.clone()).expect("append");
        journal.acknowledge(e.scan_id).expect("ack");
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].starts_with(r#"{"op":"confirm","scan_id":""#),
            "{text}"
        );
        assert!(
            lines[0].contains(r#""kind":{"Pick":{"task_id":0"#),
            "{text}"
        );
        assert_eq!(
            lines[1],
            format!(r#"{{"op":"ack","scan_id":"{}"}}"#, e.scan_id)
        );
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_cut_off() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = journal_path(&dir);
        let (a, b, c) = (entry(1), entry(2), entry(3));
        {
            let mut journal = ConfirmJournal::open(&path).expect("open");
            journal.append(a.clone()).expect("append");
            journal.append(b.clone()).expect("append");
        }
        let good = file_len(&path);
        // A process killed in the middle of writing c's line.
        let full = serde_json::to_string(&Line::Confirm(c.clone())).expect("encode");
        let mut file = OpenOptions::new().append(true).open(&path).expect("open");
        file.write_all(&full.as_bytes()[..full.len() / 2])
            .expect("write");
        drop(file);
        let mut journal = ConfirmJournal::open(&path).expect("a torn line is no error");
        assert_eq!(journal.pending(), [a.clone(), b.clone()]);
        assert_eq!(file_len(&path), good);
        // The next line starts clean.
        journal.append(c.clone()).expect("append");
        let reopened = ConfirmJournal::open(&path).expect("reopen");
        assert_eq!(reopened.pending(), [a, b, c]);
    }

    #[test]
    fn a_corrupt_complete_line_is_an_error_naming_the_file_and_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = journal_path(&dir);
        {
            let mut journal = ConfirmJournal::open(&path).expect("open");
            journal.append(entry(1)).expect("append");
        }
        let mut file = OpenOptions::new().append(true).open(&path).expect("open");
        file.write_all(b"{\"op\":\"confirm\",\"scan_id\":\"nope\"}\n")
            .expect("write");
        drop(file);
        let before = std::fs::read(&path).expect("read");
        let error = ConfirmJournal::open(&path).expect_err("corrupt");
        assert!(
            matches!(error, JournalError::Corrupt { line: 2, .. }),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("line 2"), "{message}");
        assert_eq!(std::fs::read(&path).expect("read"), before, "left as it is");
    }

    #[test]
    fn compaction_on_open_keeps_pending_entries_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = journal_path(&dir);
        let mut kept = Vec::new();
        {
            let mut journal = ConfirmJournal::open_compacting_at(&path, u64::MAX).expect("open");
            for n in 0..60 {
                let e = entry(n);
                journal.append(e.clone()).expect("append");
                if n % 20 == 7 {
                    kept.push(e);
                } else {
                    journal.acknowledge(e.scan_id).expect("ack");
                }
            }
            assert_eq!(journal.pending(), kept.as_slice());
        }
        let before = file_len(&path);
        let journal = ConfirmJournal::open_compacting_at(&path, 4096).expect("open");
        assert_eq!(journal.pending(), kept.as_slice());
        let after = file_len(&path);
        assert!(after < before / 10, "{before} -> {after}");
        assert!(!temp_path(&path).exists());
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text.lines().count(), kept.len());
        let reopened = ConfirmJournal::open(&path).expect("reopen");
        assert_eq!(reopened.pending(), kept.as_slice());
    }

    #[test]
    fn acknowledging_the_last_pending_entry_compacts_a_large_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = journal_path(&dir);
        let mut journal = ConfirmJournal::open_compacting_at(&path, 2048).expect("open");
        let mut largest = 0;
        for n in 0..100 {
            let e = entry(n);
            journal.append(e.clone()).expect("append");
            largest = largest.max(file_len(&path));
            journal.acknowledge(e.scan_id).expect("ack");
        }
        assert!(largest < 2048 + 1024, "the file stays bounded: {largest}");
        // With something pending it is not rewritten under it.
        let pending = entry(1000);
        journal.append(pending.clone()).expect("append");
        for n in 0..30 {
            let e = entry(n);
            journal.append(e.clone()).expect("append");
            journal.acknowledge(e.scan_id).expect("ack");
        }
        assert!(file_len(&path) > 2048);
        journal.acknowledge(pending.scan_id).expect("ack");
        assert_eq!(file_len(&path), 0);
        assert!(ConfirmJournal::open(&path).expect("reopen").is_empty());
    }

    #[test]
    fn a_second_open_reads_what_the_first_handle_appended() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = journal_path(&dir);
        let (a, b) = (entry(1), entry(2));
        let mut first = ConfirmJournal::open(&path).expect("open");
        first.append(a.clone()).expect("append");
        let second = ConfirmJournal::open(&path).expect("second open");
        assert_eq!(second.pending(), std::slice::from_ref(&a));
        first.append(b.clone()).expect("append");
        first.acknowledge(a.scan_id).expect("ack");
        let third = ConfirmJournal::open(&path).expect("third open");
        assert_eq!(third.pending(), std::slice::from_ref(&b));
        assert_eq!(first.pending(), [b]);
    }

    #[test]
    fn a_writer_follows_the_file_another_handle_compacted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = journal_path(&dir);
        let mut first = ConfirmJournal::open_compacting_at(&path, 1024).expect("open");
        let mut second = ConfirmJournal::open_compacting_at(&path, 1024).expect("open");
        for n in 0..20 {
            let e = entry(n);
            second.append(e.clone()).expect("append");
            second.acknowledge(e.scan_id).expect("ack");
        }
        // The second handle rewrote the file: the first one's appends must land in the new one.
        let late = entry(99);
        first.append(late.clone()).expect("append");
        let reopened = ConfirmJournal::open(&path).expect("reopen");
        assert_eq!(reopened.pending(), std::slice::from_ref(&late));
        // And a compaction by the second handle does not drop the first one's pending entry.
        for n in 100..120 {
            let e = entry(n);
            second.append(e.clone()).expect("append");
            second.acknowledge(e.scan_id).expect("ack");
        }
        let reopened = ConfirmJournal::open(&path).expect("reopen");
        assert_eq!(reopened.pending(), [late]);
    }

    #[test]
    fn appending_a_pending_scan_id_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = journal_path(&dir);
        let mut journal = ConfirmJournal::open(&path).expect("open");
        let e = entry(1);
        journal.append(e.clone()).expect("append");
        let len = file_len(&path);
        journal.append(e.clone()).expect("a retry is no error");
        assert_eq!(file_len(&path), len);
        assert_eq!(journal.len(), 1);
        let mut different = e.clone();
        different.raw.push('X');
        let error = journal.append(different).expect_err("different content");
        assert!(matches!(error, JournalError::DuplicateScanId { .. }));
        assert!(error.to_string().contains(&e.scan_id.to_string()));
    }

    #[test]
    fn paths_escape_terminal_ids() {
        let dir = Path::new("/var/lib/aisle/journal");
        assert_eq!(path_in(dir, "RF-07"), dir.join("RF-07.jsonl"));
        assert_eq!(path_in(dir, "../etc/x"), dir.join("%2E%2E%2Fetc%2Fx.jsonl"));
        assert_eq!(path_in(dir, "pts/3"), dir.join("pts%2F3.jsonl"));
        assert_eq!(path_in(dir, "a b"), dir.join("a%20b.jsonl"));
        assert_eq!(path_in(dir, ""), dir.join("%.jsonl"));
        assert_ne!(path_in(dir, "a_b"), path_in(dir, "a/b"));
        assert_eq!(
            journal_dir_in(Path::new("/var/lib/aisle")),
            PathBuf::from("/var/lib/aisle/journal")
        );
        let default = default_path("RF-07");
        assert!(default.is_absolute(), "{}", default.display());
        assert!(default.ends_with("RF-07.jsonl"));
    }

    #[test]
    fn io_errors_name_the_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocker = dir.path().join("not-a-dir");
        std::fs::write(&blocker, b"x").expect("write");
        let error = ConfirmJournal::open(&blocker.join("RF-07.jsonl")).expect_err("not a dir");
        let message = error.to_string();
        assert!(message.contains("not-a-dir"), "{message}");
        assert!(message.starts_with("confirm journal: cannot "), "{message}");
    }
}
