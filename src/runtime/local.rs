//! The local terminal: raw mode and the alternate screen for the length of a session, restored
//! on the way out, on error and on panic; crossterm's event stream as input.

use std::io::{self, Stdout};
use std::panic::PanicHookInfo;
use std::sync::Arc;

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste, EventStream};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use sqlx::PgPool;

use super::bell::StdoutBell;
use super::confirm_journal::{self, ConfirmJournal};
use super::effects::Effects;
use super::event_loop::Runtime;
use crate::app::App;
use crate::db::warehouses::Warehouse;
use crate::ui::theme::Theme;
use crate::{Error, Result};

/// Runs the terminal screens on this process's terminal until the operator quits.
pub async fn run_local(pool: PgPool, warehouse: Warehouse, terminal_id: String) -> Result<()> {
    let theme = theme_from_environment();
    tracing::info!(%terminal_id, warehouse = %warehouse.code, ?theme, "local terminal starting");
    // Confirms survive a dropped connection and a killed terminal: kept on disk until the
    // database has them.
    let journal_path = confirm_journal::default_path(&terminal_id);
    let journal = ConfirmJournal::open(&journal_path).map_err(|error| {
        Error::io(
            format!("opening the terminal's journal {}", journal_path.display()),
            io::Error::other(error.to_string()),
        )
    })?;
    let effects = Effects::new(pool, warehouse.id).with_confirm_journal(journal);
    let _screen = ScreenGuard::enter()?;
    let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))
        .map_err(|e| Error::io("opening the terminal", e))?;
    let size = terminal
        .size()
        .map_err(|e| Error::io("reading the terminal size", e))?;
    let app = App::new(terminal_id, warehouse, theme, size);
    let mut runtime: Runtime<CrosstermBackend<Stdout>> =
        Runtime::new(terminal, app, effects, StdoutBell)?;
    let result = runtime.run(EventStream::new()).await;
    tracing::info!(ok = result.is_ok(), "local terminal stopped");
    result
}

/// This terminal's id when `AISLE_TERMINAL` does not name it: the host and the terminal line
/// (`wh-gun-07-pts3`). It must outlive the process: the journal of confirms waiting for the
/// database is kept under it, and a terminal started again on the same line finds and sends them.
pub fn default_terminal_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    let line = std::fs::read_link("/proc/self/fd/0")
        .ok()
        .and_then(|path| {
            let path = path.to_string_lossy().into_owned();
            path.strip_prefix("/dev/").map(|line| line.replace('/', ""))
        })
        .unwrap_or_else(|| "console".into());
    format!("{host}-{line}")
}

fn theme_from_environment() -> Theme {
    let term = std::env::var("TERM").ok();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
        .to_ascii_uppercase();
    let utf8 = locale.contains("UTF-8") || locale.contains("UTF8");
    let mut theme = Theme::for_terminal(term.as_deref(), no_color, utf8);
    if std::env::var_os("AISLE_ASCII").is_some_and(|v| v == "1") {
        theme.ascii = true;
    }
    theme
}

type PanicHook = Box<dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static>;

/// Raw mode, the alternate screen and bracketed paste while it lives; a panic hook that gives
/// the terminal back before the panic message is printed, so the message is readable.
struct ScreenGuard {
    previous_hook: Arc<PanicHook>,
}

impl ScreenGuard {
    fn enter() -> Result<ScreenGuard> {
        let previous_hook: Arc<PanicHook> = Arc::new(std::panic::take_hook());
        let chained = Arc::clone(&previous_hook);
        std::panic::set_hook(Box::new(move |info| {
            restore();
            chained(info);
        }));
        let guard = ScreenGuard { previous_hook };
        enable_raw_mode().map_err(|e| Error::io("switching the terminal to raw mode", e))?;
        execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)
            .map_err(|e| Error::io("entering the alternate screen", e))?;
        Ok(guard)
    }
}

impl Drop for ScreenGuard {
    fn drop(&mut self) {
        restore();
        let previous = Arc::clone(&self.previous_hook);
        std::panic::set_hook(Box::new(move |info| previous(info)));
    }
}

/// Best effort: on the way out there is nobody left to tell about a failure but the log.
fn restore() {
    if let Err(error) = execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    ) {
        tracing::warn!(%error, "could not leave the alternate screen");
    }
    if let Err(error) = disable_raw_mode() {
        tracing::warn!(%error, "could not leave raw mode");
    }
}
