//! The state of one terminal: which screen, who is logged in, what is being typed, and the
//! one message line. Each terminal (local, or one SSH session later) has its own `App`; there is
//! no process-wide UI state.

use std::collections::VecDeque;

use ratatui::layout::Size;

use super::command::RequestIds;
use super::keymap::Keymap;
use super::notice::Notice;
use crate::db::operators::Operator;
use crate::db::warehouses::Warehouse;
use crate::domain::scan::ScanConfig;
use crate::screen::{LoginState, Screen};
use crate::ui::theme::Theme;

/// Completed lines held back while the database answers; a scanner can outrun it, and a scan
/// must never be lost. Bounded, so a stuck request cannot hoard a shift's worth of scans.
pub const MAX_TYPEAHEAD: usize = 16;

/// Ticks (seconds) a confirmation stays on the message line; errors stay until the next input.
pub const INFO_TICKS: u32 = 5;

pub struct App {
    pub(super) terminal_id: String,
    pub(super) warehouse: Warehouse,
    pub(super) theme: Theme,
    pub(super) scan_config: ScanConfig,
    pub(super) size: Size,
    pub(super) keymap: Keymap,
    pub(super) screen: Screen,
    pub(super) operator: Option<Operator>,
    pub(super) notice: Option<Notice>,
    pub(super) notice_ticks: u32,
    /// The help panel's page while it is shown.
    pub(super) help: Option<usize>,
    pub(super) typeahead: VecDeque<String>,
    /// Typed-ahead lines dropped by the last refusal, said on screen until the next line.
    pub(super) discarded: usize,
    /// Ticks of the clock since the terminal started.
    pub(super) ticks: u64,
    pub(super) requests: RequestIds,
    pub(super) quitting: bool,
    /// Confirms kept in the terminal's journal while the database is away.
    pub(super) waiting_confirms: usize,
    /// A replay of those confirms in flight.
    pub(super) replaying: Option<super::command::RequestId>,
    /// The pack station this terminal was bound to: kept across trips to the menu, dropped at
    /// log-out.
    pub(super) pack_station: Option<crate::db::packing::Station>,
}

/// What is typed ahead may hold a PIN: debug output counts those lines instead of showing them.
impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("terminal_id", &self.terminal_id)
            .field("warehouse", &self.warehouse.code)
            .field("size", &self.size)
            .field("keymap", &self.keymap)
            .field("screen", &self.screen)
            .field("operator", &self.operator)
            .field("notice", &self.notice)
            .field("help", &self.help)
            .field("typeahead_lines", &self.typeahead.len())
            .field("discarded", &self.discarded)
            .field("waiting_confirms", &self.waiting_confirms)
            .field("quitting", &self.quitting)
            .finish_non_exhaustive()
    }
}

impl App {
    /// A terminal at the login screen.
    pub fn new(
        terminal_id: impl Into<String>,
        warehouse: Warehouse,
        theme: Theme,
        size: Size,
    ) -> App {
        App {
            terminal_id: terminal_id.into(),
            warehouse,
            theme,
            scan_config: ScanConfig::default(),
            size,
            keymap: Keymap::default(),
            screen: Screen::Login(LoginState::new()),
            operator: None,
            notice: None,
            notice_ticks: 0,
            help: None,
            typeahead: VecDeque::new(),
            discarded: 0,
            ticks: 0,
            requests: RequestIds::default(),
            quitting: false,
            waiting_confirms: 0,
            replaying: None,
            pack_station: None,
        }
    }

    /// Per-device scanner settings (a GS substitute character, say).
    pub fn with_scan_config(mut self, scan_config: ScanConfig) -> App {
        self.scan_config = scan_config;
        self
    }

    pub fn terminal_id(&self) -> &str {
        &self.terminal_id
    }

    pub fn warehouse(&self) -> &Warehouse {
        &self.warehouse
    }

    pub fn theme(&self) -> Theme {
        self.theme
    }

    pub fn size(&self) -> Size {
        self.size
    }

    pub fn screen(&self) -> &Screen {
        &self.screen
    }

    pub fn operator(&self) -> Option<&Operator> {
        self.operator.as_ref()
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    /// What is being typed or scanned.
    pub fn line(&self) -> &str {
        self.keymap.line()
    }

    pub fn help_shown(&self) -> bool {
        self.help.is_some()
    }

    /// Zero-based page of the help panel, while it is shown.
    pub fn help_page(&self) -> Option<usize> {
        self.help
    }

    /// How many typed-ahead lines the last refusal dropped (0 when none, or once answered).
    pub fn discarded(&self) -> usize {
        self.discarded
    }

    /// Ticks of the clock (seconds) since the terminal started.
    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    /// Completed lines waiting for the screen to be free.
    pub fn typeahead(&self) -> impl Iterator<Item = &str> {
        self.typeahead.iter().map(String::as_str)
    }

    /// Confirms waiting on the terminal for the database to come back (0 when online).
    pub fn waiting_confirms(&self) -> usize {
        self.waiting_confirms
    }

    pub fn is_quitting(&self) -> bool {
        self.quitting
    }
}
