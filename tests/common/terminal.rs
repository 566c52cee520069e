//! A terminal under test: the real runtime (effects against the test's database) drawing into
//! `TestBackend`, fed keys as a scanner types them, its bell counted.

use aisle::app::{App, Event};
use aisle::db::warehouses::Warehouse;
use aisle::runtime::{CountingBell, Effects, Runtime};
use aisle::ui::buffer_text::buffer_text;
use aisle::ui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Size;

pub struct TestTerminal {
    pub runtime: Runtime<TestBackend>,
    pub bell: CountingBell,
}

impl TestTerminal {
    /// A terminal `id` of `width` x `height` at the login screen.
    pub fn new(id: &str, warehouse: &Warehouse, effects: Effects, width: u16, height: u16) -> Self {
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
        let app = App::new(
            id,
            warehouse.clone(),
            Theme::PLAIN,
            Size::new(width, height),
        );
        let bell = CountingBell::default();
        let runtime = Runtime::new(terminal, app, effects, bell.clone()).expect("runtime");
        TestTerminal { runtime, bell }
    }

    pub fn app(&self) -> &App {
        self.runtime.app()
    }

    /// One key, then everything it set off, answered.
    pub async fn key(&mut self, code: KeyCode) -> String {
        self.runtime
            .handle(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        self.runtime.settle().await.expect("settle");
        self.screen()
    }

    /// Types `text` (`\r` is Enter) as a wedge scanner does, then waits for every answer.
    pub async fn scan(&mut self, text: &str) -> String {
        for c in text.chars() {
            let code = if c == '\r' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            };
            self.runtime
                .handle(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        }
        self.runtime.settle().await.expect("settle");
        self.screen()
    }

    pub fn screen(&self) -> String {
        buffer_text(self.runtime.terminal().backend().buffer())
    }
}
