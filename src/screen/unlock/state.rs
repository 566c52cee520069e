//! Scanning badges to unlock, one after another.

use crate::app::action::Action;
use crate::app::command::{Command, RequestIds};
use crate::app::command::{Request, RequestId};
use crate::app::event::Reply;
use crate::db::inquiry::{LockedBadge, ScanOutcome};
use crate::db::operators::UnlockOutcome;
use crate::screen::context::Context;
use crate::screen::journal;
use crate::screen::login::state::{badge_from_scan, barcode_kind, not_a_badge};
use crate::screen::outcome::{Goto, Outcome};
use crate::ui::strings;

/// An unlock asked for and not yet answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub request: RequestId,
    pub badge: String,
    /// The line as scanned, for the journal.
    pub raw: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnlockState {
    pub awaiting: Option<Pending>,
    /// The badges unlocked on this visit, latest last.
    pub unlocked: Vec<String>,
    /// The badges locked when last asked, and the tick of the app's clock then.
    pub locked: Vec<LockedBadge>,
    pub locked_at_tick: u64,
    /// The list of locked badges asked for and not yet answered.
    pub listing: Option<RequestId>,
}

impl UnlockState {
    /// The screen as it opens, asking which badges are locked.
    pub fn opened(requests: &mut RequestIds) -> (UnlockState, Command) {
        let mut state = UnlockState::default();
        let command = state.list_locked(requests);
        (state, command)
    }

    fn list_locked(&mut self, requests: &mut RequestIds) -> Command {
        let request = requests.next_id();
        self.listing = Some(request);
        Command::Request(Request::LockedBadges { request })
    }

    pub fn is_busy(&self) -> bool {
        self.awaiting.is_some()
    }

    pub fn on_action(&mut self, action: &Action, ctx: &mut Context) -> Outcome {
        match action {
            Action::Back => {
                self.awaiting = None;
                Outcome::goto(Goto::Menu)
            }
            Action::Submit(line) if !line.trim().is_empty() => {
                let line = line.trim();
                let Some(badge) = badge_from_scan(line) else {
                    let notice = not_a_badge(line, ctx);
                    let record = journal::rejected(ctx, journal::UNLOCK, line, &notice);
                    let mut outcome = Outcome::notice(notice);
                    outcome.commands.push(record);
                    return outcome;
                };
                // The menu only offers this screen to those who may; the database checks again.
                let Some(actor) = ctx.operator else {
                    return Outcome::goto(Goto::LogOut);
                };
                let request = ctx.requests.next_id();
                self.awaiting = Some(Pending {
                    request,
                    badge: badge.clone(),
                    raw: line.to_string(),
                });
                Outcome::command(Request::Unlock {
                    request,
                    actor: actor.clone(),
                    badge,
                })
            }
            _ => Outcome::none(),
        }
    }

    pub fn on_reply(&mut self, reply: Reply, ctx: &mut Context) -> Outcome {
        let (request, badge, result) = match reply {
            Reply::Unlocked {
                request,
                badge,
                result,
            } => (request, badge, result),
            Reply::LockedBadges { request, result } => {
                if self.listing == Some(request) {
                    self.listing = None;
                    // The list only helps; if it cannot be read, scanning still works.
                    self.locked = result.unwrap_or_default();
                    self.locked_at_tick = ctx.ticks;
                }
                return Outcome::none();
            }
            _ => return Outcome::none(),
        };
        let Some(pending) = self.awaiting.take_if(|pending| pending.request == request) else {
            return Outcome::none();
        };
        let (notice, outcome) = match result {
            Ok(UnlockOutcome::WasNotLocked) => (strings::not_locked(&badge), ScanOutcome::Rejected),
            Ok(UnlockOutcome::Unlocked) => {
                let notice = strings::unlocked(&badge);
                self.unlocked.push(badge.clone());
                (notice, ScanOutcome::Applied)
            }
            // No badge has that number, and it reads as a product or carton barcode.
            Err(crate::Error::UnknownBadge(_)) if barcode_kind(&pending.raw, ctx).is_some() => {
                (not_a_badge(&pending.raw, ctx), ScanOutcome::Rejected)
            }
            Err(error) => (
                strings::unlock_refused(&badge, &error),
                ScanOutcome::Rejected,
            ),
        };
        let message = (outcome != ScanOutcome::Applied).then(|| notice.long.clone());
        let record = journal::answered(
            ctx,
            journal::UNLOCK,
            &pending.raw,
            serde_json::json!({ "badge": badge }),
            outcome,
            message,
        );
        let mut outcome = Outcome::notice(notice);
        outcome.commands.push(record);
        outcome.commands.push(self.list_locked(ctx.requests));
        outcome
    }

    /// The badges still locked at tick `now`, with the seconds each has left.
    pub fn still_locked(&self, now: u64) -> impl Iterator<Item = (&LockedBadge, u64)> {
        let elapsed = now.saturating_sub(self.locked_at_tick);
        self.locked.iter().filter_map(move |locked| {
            let left = u64::try_from(locked.seconds_left)
                .unwrap_or(0)
                .saturating_sub(elapsed);
            (left > 0 && !self.unlocked.contains(&locked.badge)).then_some((locked, left))
        })
    }
}
