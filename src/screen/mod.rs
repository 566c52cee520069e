//! The screens: each a state with its update (actions and database replies in, an
//! [`Outcome`] out) and a view (a pure function of the state into a buffer).

pub mod chrome;
pub mod context;
pub mod help;
pub mod inquiry;
pub mod journal;
pub mod login;
pub mod menu;
pub mod outcome;
pub mod pack;
pub mod pick;
pub mod unlock;
pub mod view;

use ratatui::layout::Size;

use crate::app::action::Action;
use crate::app::event::Reply;
use crate::ui::theme::Theme;
pub use chrome::{Chrome, Page};
pub use context::Context;
pub use inquiry::InquiryState;
pub use login::LoginState;
pub use menu::MenuState;
pub use outcome::{Goto, Outcome};
pub use pack::PackState;
pub use pick::PickState;
pub use unlock::UnlockState;

#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    Login(LoginState),
    Menu(MenuState),
    Inquiry(InquiryState),
    Unlock(UnlockState),
    Pick(PickState),
    /// Boxed: the station holds an order, its cartons and the services quoted.
    Pack(Box<PackState>),
}

impl Screen {
    /// Waiting for the database: completed lines are held back until the answer arrives.
    pub fn is_busy(&self) -> bool {
        match self {
            Screen::Login(state) => state.is_busy(),
            Screen::Menu(_) => false,
            Screen::Inquiry(state) => state.is_busy(),
            Screen::Unlock(state) => state.is_busy(),
            Screen::Pick(state) => state.is_busy(),
            Screen::Pack(state) => state.is_busy(),
        }
    }

    /// Whether Enter on an empty line is an answer here (picking's "Enter: get work").
    pub fn takes_bare_enter(&self) -> bool {
        match self {
            Screen::Pick(state) => state.takes_bare_enter(),
            Screen::Pack(state) => state.takes_bare_enter(),
            _ => false,
        }
    }

    pub fn on_action(&mut self, action: &Action, ctx: &mut Context) -> Outcome {
        match self {
            Screen::Login(state) => state.on_action(action, ctx),
            Screen::Menu(state) => state.on_action(action, ctx),
            Screen::Inquiry(state) => state.on_action(action, ctx),
            Screen::Unlock(state) => state.on_action(action, ctx),
            Screen::Pick(state) => state.on_action(action, ctx),
            Screen::Pack(state) => state.on_action(action, ctx),
        }
    }

    /// A database answer; one that is not for this screen's pending request is ignored.
    pub fn on_reply(&mut self, reply: Reply, ctx: &mut Context) -> Outcome {
        match self {
            Screen::Login(state) => state.on_reply(reply, ctx),
            Screen::Menu(_) => Outcome::none(),
            Screen::Inquiry(state) => state.on_reply(reply, ctx),
            Screen::Unlock(state) => state.on_reply(reply, ctx),
            Screen::Pick(state) => state.on_reply(reply, ctx),
            Screen::Pack(state) => state.on_reply(reply, ctx),
        }
    }

    /// The clock moved on by one tick.
    pub fn on_tick(&mut self, ctx: &mut Context) -> Outcome {
        match self {
            Screen::Login(state) => state.on_tick(ctx),
            Screen::Pick(state) => state.on_tick(ctx),
            Screen::Menu(_) | Screen::Inquiry(_) | Screen::Unlock(_) | Screen::Pack(_) => {
                Outcome::none()
            }
        }
    }

    pub fn on_resize(&mut self, ctx: &Context) {
        if let Screen::Inquiry(state) = self {
            state.clamp_page(ctx);
        }
    }

    pub fn chrome(&self, size: Size, theme: Theme) -> Chrome {
        match self {
            Screen::Login(state) => login::view::chrome(state),
            Screen::Menu(state) => menu::view::chrome(state),
            Screen::Inquiry(state) => inquiry::view::chrome(state, size, theme),
            Screen::Unlock(state) => unlock::view::chrome(state),
            Screen::Pick(state) => pick::view::chrome(state),
            Screen::Pack(state) => pack::view::chrome(state),
        }
    }
}
