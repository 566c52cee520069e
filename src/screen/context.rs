//! What a screen's update may read and use besides its own state.

use ratatui::layout::Size;

use crate::app::command::RequestIds;
use crate::db::operators::Operator;
use crate::domain::scan::ScanConfig;
use crate::ui::theme::Theme;

pub struct Context<'a> {
    /// This terminal's id, for the scan journal.
    pub terminal_id: &'a str,
    /// Who is logged in, if anyone.
    pub operator: Option<&'a Operator>,
    pub requests: &'a mut RequestIds,
    /// The terminal's size: paging depends on how many rows the screen has.
    pub size: Size,
    pub theme: Theme,
    pub scan_config: &'a ScanConfig,
    /// What is being typed, for screens that act on a single key (menu numbers).
    pub line: &'a str,
    /// Ticks of the clock since the terminal started (one a second): when a lock ends.
    pub ticks: u64,
}
