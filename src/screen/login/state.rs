//! The login steps and how actions and database replies move between them.

use crate::Error;
use crate::app::action::Action;
use crate::app::command::{Pin, Request, RequestId};
use crate::app::event::Reply;
use crate::db::operators::Operator;
use crate::screen::context::Context;
use crate::screen::outcome::{Goto, Outcome};
use crate::ui::strings;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginStep {
    /// Waiting for a badge.
    Badge,
    LookingUp {
        request: RequestId,
        badge: String,
    },
    /// The badge is known; waiting for its PIN.
    Pin {
        operator: Operator,
    },
    Checking {
        request: RequestId,
        operator: Operator,
    },
}

/// A badge the database reported locked, shown until another badge is scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub badge: String,
    pub seconds: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginState {
    pub step: LoginStep,
    pub locked: Option<Locked>,
}

impl Default for LoginState {
    fn default() -> Self {
        LoginState::new()
    }
}

impl LoginState {
    pub fn new() -> LoginState {
        LoginState {
            step: LoginStep::Badge,
            locked: None,
        }
    }

    pub fn is_busy(&self) -> bool {
        matches!(
            self.step,
            LoginStep::LookingUp { .. } | LoginStep::Checking { .. }
        )
    }

    pub fn wants_pin(&self) -> bool {
        matches!(
            self.step,
            LoginStep::Pin { .. } | LoginStep::Checking { .. }
        )
    }

    pub fn on_action(&mut self, action: &Action, ctx: &mut Context) -> Outcome {
        match action {
            Action::Submit(line) => self.on_line(line, ctx),
            Action::Back => {
                self.step = LoginStep::Badge;
                Outcome::none()
            }
            _ => Outcome::none(),
        }
    }

    fn on_line(&mut self, line: &str, ctx: &mut Context) -> Outcome {
        let line = line.trim();
        if line.is_empty() {
            return Outcome::none();
        }
        match &self.step {
            LoginStep::Badge => match badge_from_scan(line) {
                Some(badge) => {
                    let request = ctx.requests.next_id();
                    self.locked = None;
                    self.step = LoginStep::LookingUp {
                        request,
                        badge: badge.clone(),
                    };
                    Outcome::command(Request::LookupBadge { request, badge })
                }
                None => Outcome::notice(strings::not_a_badge()),
            },
            LoginStep::Pin { operator } => {
                // A malformed PIN is refused here and costs no attempt.
                if !(4..=8).contains(&line.len()) || !line.bytes().all(|b| b.is_ascii_digit()) {
                    return Outcome::notice(strings::pin_expected());
                }
                let request = ctx.requests.next_id();
                let badge = operator.badge.clone();
                self.step = LoginStep::Checking {
                    request,
                    operator: operator.clone(),
                };
                Outcome::command(Request::Authenticate {
                    request,
                    badge,
                    pin: Pin::new(line),
                })
            }
            // The app holds lines back while a reply is awaited.
            LoginStep::LookingUp { .. } | LoginStep::Checking { .. } => Outcome::none(),
        }
    }

    pub fn on_reply(&mut self, reply: Reply) -> Outcome {
        match (reply, &self.step) {
            (Reply::BadgeLookedUp { request, result }, LoginStep::LookingUp { request: r, .. })
                if request == *r =>
            {
                match result {
                    Ok(operator) => {
                        self.step = LoginStep::Pin { operator };
                        Outcome::none()
                    }
                    Err(error) => self.refused(error),
                }
            }
            (
                Reply::Authenticated { request, result },
                LoginStep::Checking {
                    request: r,
                    operator,
                },
            ) if request == *r => match result {
                Ok(operator) => Outcome::goto(Goto::SignedIn(operator)),
                Err(error @ Error::WrongPin { .. }) => {
                    self.step = LoginStep::Pin {
                        operator: operator.clone(),
                    };
                    Outcome::notice(strings::error_notice(&error))
                }
                Err(error @ Error::Database(_)) => {
                    // Nothing was decided: let the operator try the PIN again.
                    self.step = LoginStep::Pin {
                        operator: operator.clone(),
                    };
                    Outcome::notice(strings::error_notice(&error))
                }
                Err(error) => self.refused(error),
            },
            _ => Outcome::none(),
        }
    }

    /// The badge cannot log in (unknown, inactive, locked): back to the badge prompt.
    fn refused(&mut self, error: Error) -> Outcome {
        if let Error::BadgeLocked { badge, seconds } = &error {
            self.locked = Some(Locked {
                badge: badge.clone(),
                seconds: *seconds,
            });
        }
        self.step = LoginStep::Badge;
        Outcome::notice(strings::error_notice(&error))
    }
}

/// A badge as scanned: an AIM symbology prefix (`]C0`) is dropped; the rest must be what the
/// operators table accepts (1 to 32 of letters, digits, `:._-`). Badges are not classified as
/// barcodes, so that an all-digit badge is never taken for a GTIN.
pub fn badge_from_scan(line: &str) -> Option<String> {
    let bytes = line.as_bytes();
    let body = match bytes {
        [b']', code, modifier, ..]
            if code.is_ascii_alphabetic() && modifier.is_ascii_alphanumeric() =>
        {
            &line[3..]
        }
        _ => line,
    };
    let valid = (1..=32).contains(&body.len())
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-'));
    valid.then(|| body.to_string())
}
