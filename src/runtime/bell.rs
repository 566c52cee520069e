//! The terminal bell. Backends draw cells and have no way to send BEL, so the bell is its own
//! small part of a terminal: the local one writes BEL to stdout, tests count rings.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub trait Bell: Send {
    fn ring(&mut self);
}

/// BEL on standard output, for the local terminal.
pub struct StdoutBell;

impl Bell for StdoutBell {
    fn ring(&mut self) {
        let mut out = std::io::stdout();
        // A bell that cannot ring is not worth stopping the screen for.
        if let Err(error) = out.write_all(b"\x07").and_then(|()| out.flush()) {
            tracing::warn!(%error, "could not ring the bell");
        }
    }
}

/// Counts rings, for tests; clones share the count.
#[derive(Debug, Clone, Default)]
pub struct CountingBell {
    rings: Arc<AtomicUsize>,
}

impl CountingBell {
    pub fn rings(&self) -> usize {
        self.rings.load(Ordering::SeqCst)
    }
}

impl Bell for CountingBell {
    fn ring(&mut self) {
        self.rings.fetch_add(1, Ordering::SeqCst);
    }
}
