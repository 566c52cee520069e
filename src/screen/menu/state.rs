//! Which entries a role gets, and choosing one.

use crate::app::action::Action;
use crate::domain::role::{Permission, Role};
use crate::screen::context::Context;
use crate::screen::outcome::{Goto, Outcome};
use crate::ui::strings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuEntry {
    Pick,
    Pack,
    Inquiry,
    UnlockBadge,
    LogOut,
}

impl MenuEntry {
    pub fn label(self) -> &'static str {
        match self {
            MenuEntry::Pick => strings::MENU_PICK,
            MenuEntry::Pack => strings::pack::MENU_PACK,
            MenuEntry::Inquiry => strings::MENU_INQUIRY,
            MenuEntry::UnlockBadge => strings::MENU_UNLOCK,
            MenuEntry::LogOut => strings::MENU_LOG_OUT,
        }
    }

    fn goto(self) -> Goto {
        match self {
            MenuEntry::Pick => Goto::Pick,
            MenuEntry::Pack => Goto::Pack,
            MenuEntry::Inquiry => Goto::Inquiry,
            MenuEntry::UnlockBadge => Goto::Unlock,
            MenuEntry::LogOut => Goto::LogOut,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuState {
    pub entries: Vec<MenuEntry>,
}

impl MenuState {
    /// Working entries only: nothing is shown that the role cannot use yet.
    pub fn for_role(role: Role) -> MenuState {
        let mut entries = Vec::new();
        // System actors may pick (the simulators) but never log in to a screen.
        if role.may(Permission::Pick) {
            entries.push(MenuEntry::Pick);
        }
        if role.may(Permission::Pack) {
            entries.push(MenuEntry::Pack);
        }
        if role.may(Permission::Inquire) {
            entries.push(MenuEntry::Inquiry);
        }
        if role.may(Permission::UnlockBadge) {
            entries.push(MenuEntry::UnlockBadge);
        }
        entries.push(MenuEntry::LogOut);
        MenuState { entries }
    }

    pub fn on_action(&mut self, action: &Action, ctx: &mut Context) -> Outcome {
        match action {
            // A number key chooses at once, without Enter.
            Action::Edited => match self.number(ctx.line) {
                Some(Ok(entry)) => Outcome {
                    take_line: true,
                    ..Outcome::goto(entry.goto())
                },
                Some(Err(())) => Outcome {
                    take_line: true,
                    ..Outcome::notice(strings::menu_expected(self.entries.len()))
                },
                None => Outcome::none(),
            },
            // A scanned number (or anything else typed) ends with Enter.
            Action::Submit(line) if !line.trim().is_empty() => match self.number(line.trim()) {
                Some(Ok(entry)) => Outcome::goto(entry.goto()),
                _ => Outcome::notice(strings::menu_expected(self.entries.len())),
            },
            _ => Outcome::none(),
        }
    }

    /// `None` unless `line` is a single digit; then the entry it chooses, if any.
    fn number(&self, line: &str) -> Option<Result<MenuEntry, ()>> {
        let mut chars = line.chars();
        let digit = chars.next()?.to_digit(10)?;
        if chars.next().is_some() {
            return None;
        }
        let index = usize::try_from(digit).ok()?.checked_sub(1);
        Some(index.and_then(|i| self.entries.get(i).copied()).ok_or(()))
    }
}
