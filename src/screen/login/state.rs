//! The login steps and how actions and database replies move between them.

use crate::Error;
use crate::app::action::Action;
use crate::app::command::{Pin, Request, RequestId};
use crate::app::event::Reply;
use crate::app::notice::Notice;
use crate::db::operators::Operator;
use crate::domain::scan;
use crate::screen::context::Context;
use crate::screen::journal;
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

/// A badge the database reported locked, shown counting down until the lock ends or another
/// badge is scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub badge: String,
    /// The tick of the app's clock at which the lock ends.
    pub until_tick: u64,
}

impl Locked {
    /// Seconds of the lock left at tick `now`.
    pub fn seconds_left(&self, now: u64) -> u64 {
        self.until_tick.saturating_sub(now)
    }
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
                    let mut outcome = Outcome::command(Request::LookupBadge {
                        request,
                        badge: badge.clone(),
                    });
                    // A line shaped like a PIN is kept out of the journal, in case it is one.
                    if !is_pin_shaped(line) {
                        outcome.commands.push(journal::lookup(
                            ctx,
                            journal::LOGIN,
                            line,
                            serde_json::json!({ "badge": badge }),
                        ));
                    }
                    outcome
                }
                None => {
                    let notice = not_a_badge(line, ctx);
                    let mut outcome = Outcome::refusal(notice.clone());
                    if !is_pin_shaped(line) {
                        outcome.commands.push(journal::rejected(
                            ctx,
                            journal::LOGIN,
                            line,
                            &notice,
                        ));
                    }
                    outcome
                }
            },
            LoginStep::Pin { operator } => {
                // A malformed PIN is refused here and costs no attempt.
                if !is_pin_shaped(line) {
                    return Outcome::refusal(strings::pin_expected());
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

    pub fn on_reply(&mut self, reply: Reply, ctx: &mut Context) -> Outcome {
        match (reply, &self.step) {
            (
                Reply::BadgeLookedUp { request, result },
                LoginStep::LookingUp { request: r, badge },
            ) if request == *r => match result {
                Ok(operator) => {
                    self.step = LoginStep::Pin { operator };
                    Outcome::none()
                }
                // No badge has that number, and it reads as a product or carton barcode.
                Err(Error::UnknownBadge(_)) if barcode_kind(badge, ctx).is_some() => {
                    let notice = not_a_badge(badge, ctx);
                    self.step = LoginStep::Badge;
                    Outcome::refusal(notice)
                }
                Err(error) => self.refused(error, ctx),
            },
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
                    Outcome::refusal(strings::error_notice(&error))
                }
                Err(error @ Error::Database(_)) => {
                    // Nothing was decided: let the operator try the PIN again.
                    self.step = LoginStep::Pin {
                        operator: operator.clone(),
                    };
                    Outcome::refusal(strings::error_notice(&error))
                }
                Err(error) => self.refused(error, ctx),
            },
            _ => Outcome::none(),
        }
    }

    /// A lock that has run out is no longer shown, and the message says the badge may log in.
    pub fn on_tick(&mut self, ctx: &mut Context) -> Outcome {
        match &self.locked {
            Some(locked) if locked.seconds_left(ctx.ticks) == 0 => {
                let notice = strings::lock_ended(&locked.badge);
                self.locked = None;
                Outcome::notice(notice)
            }
            _ => Outcome::none(),
        }
    }

    /// The badge cannot log in (unknown, inactive, locked): back to the badge prompt, and what
    /// was typed ahead for it (a PIN, a menu number) is dropped.
    fn refused(&mut self, error: Error, ctx: &Context) -> Outcome {
        if let Error::BadgeLocked { badge, seconds } = &error {
            let seconds = u64::try_from(*seconds).unwrap_or(0).max(1);
            self.locked = Some(Locked {
                badge: badge.clone(),
                until_tick: ctx.ticks.saturating_add(seconds),
            });
        }
        self.step = LoginStep::Badge;
        Outcome::refusal(strings::error_notice(&error))
    }
}

/// 4 to 8 digits: what a PIN looks like.
fn is_pin_shaped(line: &str) -> bool {
    (4..=8).contains(&line.len()) && line.bytes().all(|b| b.is_ascii_digit())
}

/// What kind of barcode a line that is no badge reads as, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarcodeKind {
    Item,
    Carton,
}

/// Whether `line` reads as a product (GTIN, GS1 with (01)) or carton (SSCC) barcode.
pub fn barcode_kind(line: &str, ctx: &Context) -> Option<BarcodeKind> {
    let scan = scan::classify(line, ctx.scan_config).ok()?;
    if scan.gtin().is_some() {
        Some(BarcodeKind::Item)
    } else if scan.sscc().is_some() {
        Some(BarcodeKind::Carton)
    } else {
        None
    }
}

/// Why `line` is not taken as a badge: an item or carton barcode says so; anything else is told
/// what a badge looks like.
pub fn not_a_badge(line: &str, ctx: &Context) -> Notice {
    match barcode_kind(line, ctx) {
        Some(BarcodeKind::Item) => strings::item_barcode_not_badge(),
        Some(BarcodeKind::Carton) => strings::carton_label_not_badge(),
        None => strings::not_a_badge(),
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
