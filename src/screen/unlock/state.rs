//! Scanning badges to unlock, one after another.

use crate::app::action::Action;
use crate::app::command::{Request, RequestId};
use crate::app::event::Reply;
use crate::db::inquiry::ScanOutcome;
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
}

impl UnlockState {
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
        let Reply::Unlocked {
            request,
            badge,
            result,
        } = reply
        else {
            return Outcome::none();
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
        outcome
    }
}
