//! The event loop, generic over the ratatui backend and over its input stream, so the same app
//! runs on the local terminal, under `TestBackend` in tests, and per SSH session later. As in
//! slumber, it handles everything already queued before it draws, so a scanner's burst costs one
//! frame, not one per character.

use std::io;
use std::time::Duration;

use crossterm::event::Event as TerminalEvent;
use futures_util::future::poll_fn;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::task::Poll;
use tokio::time::{Instant, MissedTickBehavior};

use super::bell::Bell;
use super::effects::Effects;
use crate::app::{App, Command, Event, Reply, update};
use crate::{Error, Result};

/// How often the clock ticks (message timeouts).
pub const TICK: Duration = Duration::from_secs(1);

/// One terminal: its screen, its app state, its database work in flight, its bell.
pub struct Runtime<B: Backend> {
    terminal: Terminal<B>,
    app: App,
    effects: Effects,
    bell: Box<dyn Bell>,
}

impl<B: Backend> Runtime<B> {
    /// Tells the app the terminal's size before the first frame.
    pub fn new(
        terminal: Terminal<B>,
        mut app: App,
        effects: Effects,
        bell: impl Bell + 'static,
    ) -> Result<Runtime<B>> {
        let size = terminal.size().map_err(backend_error)?;
        update(
            &mut app,
            Event::Resize {
                width: size.width,
                height: size.height,
            },
        );
        // Confirms left in the journal by a terminal that died are sent as soon as it can.
        let waiting = effects.waiting();
        if waiting > 0 {
            tracing::info!(waiting, "confirms waiting in the journal from before");
            update(&mut app, Event::Reply(Reply::journal_left(waiting)));
        }
        Ok(Runtime {
            terminal,
            app,
            effects,
            bell: Box::new(bell),
        })
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    pub fn terminal(&self) -> &Terminal<B> {
        &self.terminal
    }

    pub fn terminal_mut(&mut self) -> &mut Terminal<B> {
        &mut self.terminal
    }

    /// Runs until the operator quits, or the input ends and no database work is left.
    pub async fn run<S>(&mut self, mut input: S) -> Result<()>
    where
        S: Stream<Item = io::Result<TerminalEvent>> + Unpin,
    {
        let mut ticks = tokio::time::interval_at(Instant::now() + TICK, TICK);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut input_open = true;
        self.draw()?;
        loop {
            if self.app.is_quitting() || (!input_open && self.effects.is_idle()) {
                self.effects.finish().await;
                return Ok(());
            }
            let idle = self.effects.is_idle();
            let event = tokio::select! {
                next = input.next(), if input_open => match next {
                    Some(Ok(event)) => from_terminal(event),
                    Some(Err(error)) => return Err(Error::io("reading the terminal", error)),
                    None => {
                        input_open = false;
                        None
                    }
                },
                Some(reply) = self.effects.next_reply(), if !idle => Some(Event::Reply(reply)),
                _ = ticks.tick() => Some(Event::Tick),
            };
            if let Some(event) = event {
                self.handle(event);
            }
            self.drain(&mut input, &mut input_open).await?;
            if !self.app.is_quitting() {
                self.draw()?;
            }
        }
    }

    /// Handles everything already waiting, without waiting for more.
    ///
    /// The input is polled with this task's own context, never a no-op waker: crossterm's
    /// `EventStream` keeps the waker of the first poll that found nothing and wakes only that
    /// one when a key arrives, so a throwaway waker here would leave keys unseen until the
    /// next tick.
    async fn drain<S>(&mut self, input: &mut S, input_open: &mut bool) -> Result<()>
    where
        S: Stream<Item = io::Result<TerminalEvent>> + Unpin,
    {
        while *input_open && !self.app.is_quitting() {
            let ready = poll_fn(|cx| match input.poll_next_unpin(cx) {
                Poll::Ready(next) => Poll::Ready(Some(next)),
                Poll::Pending => Poll::Ready(None),
            })
            .await;
            match ready {
                Some(Some(Ok(event))) => {
                    if let Some(event) = from_terminal(event) {
                        self.handle(event);
                    }
                }
                Some(Some(Err(error))) => return Err(Error::io("reading the terminal", error)),
                Some(None) => *input_open = false,
                None => break,
            }
        }
        while let Some(reply) = self.effects.try_next_reply() {
            self.handle(Event::Reply(reply));
        }
        Ok(())
    }

    /// One event through `update`, and its commands carried out.
    pub fn handle(&mut self, event: Event) {
        for command in update(&mut self.app, event) {
            match command {
                Command::Request(request) => self.effects.start(request),
                Command::Journal(record) => self.effects.journal(record),
                Command::Beep => self.bell.ring(),
                Command::Quit => tracing::info!(terminal = self.app.terminal_id(), "quit"),
            }
        }
    }

    /// Waits until no database work is in flight, handling each answer (and whatever it asks
    /// for next), then draws. Tests use it to step through a flow.
    pub async fn settle(&mut self) -> Result<()> {
        while let Some(reply) = self.effects.next_reply().await {
            self.handle(Event::Reply(reply));
        }
        self.effects.journal_written().await;
        self.draw()
    }

    pub fn draw(&mut self) -> Result<()> {
        let app = &self.app;
        self.terminal
            .draw(|frame| {
                let area = frame.area();
                crate::screen::view::render(app, area, frame.buffer_mut());
            })
            .map_err(backend_error)?;
        Ok(())
    }
}

/// Keys, pastes and resizes matter; focus and mouse events do not.
pub fn from_terminal(event: TerminalEvent) -> Option<Event> {
    match event {
        TerminalEvent::Key(key) => Some(Event::Key(key)),
        TerminalEvent::Paste(text) => Some(Event::Paste(text)),
        TerminalEvent::Resize(width, height) => Some(Event::Resize { width, height }),
        _ => None,
    }
}

fn backend_error(error: impl std::fmt::Display) -> Error {
    Error::io("drawing the screen", io::Error::other(error.to_string()))
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Waker};

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::backend::TestBackend;
    use ratatui::layout::Size;
    use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

    use super::*;
    use crate::db::warehouses::Warehouse;
    use crate::runtime::bell::CountingBell;
    use crate::ui::theme::Theme;

    /// What the test feeds in, and the one waker the stream will wake.
    #[derive(Default)]
    struct Feed {
        events: VecDeque<TerminalEvent>,
        waker: Option<Waker>,
    }

    /// Input that behaves like crossterm's `EventStream`: when nothing is waiting it keeps the
    /// waker of the first poll that found nothing, ignores later ones until it has woken that
    /// one, and wakes it when an event arrives.
    struct FirstWakerStream(Arc<Mutex<Feed>>);

    impl Stream for FirstWakerStream {
        type Item = io::Result<TerminalEvent>;

        fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            let Ok(mut feed) = self.0.lock() else {
                return Poll::Ready(None);
            };
            if let Some(event) = feed.events.pop_front() {
                return Poll::Ready(Some(Ok(event)));
            }
            if feed.waker.is_none() {
                feed.waker = Some(cx.waker().clone());
            }
            Poll::Pending
        }
    }

    fn send(feed: &Arc<Mutex<Feed>>, code: KeyCode, modifiers: KeyModifiers) {
        let waker = {
            let mut feed = feed.lock().expect("feed");
            feed.events
                .push_back(TerminalEvent::Key(KeyEvent::new(code, modifiers)));
            feed.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn runtime() -> Runtime<TestBackend> {
        let warehouse = Warehouse {
            id: 1,
            code: "DEMO".into(),
            name: "Demo warehouse".into(),
            time_zone: "UTC".into(),
            cart_size: 8,
        };
        let app = App::new("T1", warehouse, Theme::PLAIN, Size::new(40, 8));
        // Never connects: no key in this test reaches the database.
        let pool = PgPoolOptions::new().connect_lazy_with(PgConnectOptions::new());
        let terminal = Terminal::new(TestBackend::new(40, 8)).expect("test backend");
        Runtime::new(
            terminal,
            app,
            Effects::new(pool, 1),
            CountingBell::default(),
        )
        .expect("runtime")
    }

    /// Keys typed after the loop has gone idle are seen when they arrive, not at the next tick.
    #[tokio::test(start_paused = true)]
    async fn keys_are_handled_when_they_arrive_not_at_the_next_tick() {
        let mut runtime = runtime();
        let feed = Arc::new(Mutex::new(Feed::default()));
        let typist = Arc::clone(&feed);
        let started = Instant::now();
        tokio::spawn(async move {
            for c in "P1001".chars() {
                tokio::time::sleep(Duration::from_millis(100)).await;
                send(&typist, KeyCode::Char(c), KeyModifiers::NONE);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            send(&typist, KeyCode::Char('c'), KeyModifiers::CONTROL);
        });
        runtime
            .run(FirstWakerStream(feed))
            .await
            .expect("runs until Ctrl+C");
        // Six keys 100 ms apart: the loop saw the last at 600 ms, well before a 1 s tick.
        let elapsed = started.elapsed();
        assert!(
            elapsed < Duration::from_millis(700),
            "keys were seen late: {elapsed:?}"
        );
        assert_eq!(runtime.app().line(), "P1001");
    }
}
