//! Scanning badges to unlock, one after another.

use crate::app::action::Action;
use crate::app::command::{Request, RequestId};
use crate::app::event::Reply;
use crate::screen::context::Context;
use crate::screen::login::state::badge_from_scan;
use crate::screen::outcome::{Goto, Outcome};
use crate::ui::strings;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnlockState {
    pub awaiting: Option<(RequestId, String)>,
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
                let Some(badge) = badge_from_scan(line.trim()) else {
                    return Outcome::notice(strings::not_a_badge());
                };
                // The menu only offers this screen to those who may; the database checks again.
                let Some(actor) = ctx.operator else {
                    return Outcome::goto(Goto::LogOut);
                };
                let request = ctx.requests.next_id();
                self.awaiting = Some((request, badge.clone()));
                Outcome::command(Request::Unlock {
                    request,
                    actor: actor.clone(),
                    badge,
                })
            }
            _ => Outcome::none(),
        }
    }

    pub fn on_reply(&mut self, reply: Reply) -> Outcome {
        let Reply::Unlocked {
            request,
            badge,
            result,
        } = reply
        else {
            return Outcome::none();
        };
        if self.awaiting.as_ref().map(|(r, _)| *r) != Some(request) {
            return Outcome::none();
        }
        self.awaiting = None;
        match result {
            Ok(crate::db::operators::UnlockOutcome::WasNotLocked) => {
                Outcome::notice(strings::not_locked(&badge))
            }
            Ok(crate::db::operators::UnlockOutcome::Unlocked) => {
                let notice = strings::unlocked(&badge);
                self.unlocked.push(badge);
                Outcome::notice(notice)
            }
            Err(error) => Outcome::notice(strings::error_notice(&error)),
        }
    }
}
