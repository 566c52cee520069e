//! Turning a scan into an inquiry, showing its answer, and paging through it.

use crate::app::action::Action;
use crate::app::command::{Found, InquiryTarget, Request, RequestId};
use crate::app::event::Reply;
use crate::app::notice::Notice;
use crate::db::inquiry::ItemQuery;
use crate::domain::scan::{self, Scan};
use crate::screen::context::Context;
use crate::screen::outcome::{Goto, Outcome};
use crate::ui::strings;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InquiryState {
    /// The inquiry asked for and the code as the operator gave it.
    pub awaiting: Option<(RequestId, String)>,
    /// The last answer, kept on screen until a new one arrives: a wrong scan changes nothing.
    pub shown: Option<Found>,
    /// Zero-based page of the shown answer.
    pub page: usize,
}

impl InquiryState {
    pub fn is_busy(&self) -> bool {
        self.awaiting.is_some()
    }

    pub fn on_action(&mut self, action: &Action, ctx: &mut Context) -> Outcome {
        match action {
            Action::Submit(line) if !line.trim().is_empty() => self.on_scan(line, ctx),
            Action::Back => {
                self.awaiting = None;
                Outcome::goto(Goto::Menu)
            }
            Action::PageDown => {
                let pages = self.page_count(ctx);
                self.page = (self.page + 1).min(pages.saturating_sub(1));
                Outcome::none()
            }
            Action::PageUp => {
                self.page = self.page.saturating_sub(1);
                Outcome::none()
            }
            _ => Outcome::none(),
        }
    }

    /// Pages of the shown answer on this terminal's screen.
    pub fn page_count(&self, ctx: &Context) -> usize {
        self.shown.as_ref().map_or(1, |found| {
            super::view::page_count(found, ctx.size, ctx.theme)
        })
    }

    /// Keeps the page within the answer after the screen changed size.
    pub fn clamp_page(&mut self, ctx: &Context) {
        self.page = self.page.min(self.page_count(ctx).saturating_sub(1));
    }

    fn on_scan(&mut self, line: &str, ctx: &mut Context) -> Outcome {
        let scan = match scan::classify(line, ctx.scan_config) {
            Ok(scan) => scan,
            Err(error) => {
                return Outcome::notice(Notice::error(
                    error.short(),
                    capitalised(&error.to_string()),
                ));
            }
        };
        let target = if let Some(gtin) = scan.gtin() {
            InquiryTarget::Item(ItemQuery::Gtin(gtin.clone()))
        } else if scan.sscc().is_some() {
            return Outcome::notice(strings::carton_label_not_item());
        } else if let Some(code) = scan.code() {
            InquiryTarget::Code(code.trim().to_ascii_uppercase())
        } else {
            debug_assert!(matches!(scan, Scan::Gs1(_)));
            return Outcome::notice(strings::gs1_without_gtin());
        };
        let request = ctx.requests.next_id();
        self.awaiting = Some((request, target.as_text().to_string()));
        Outcome::command(Request::Inquire { request, target })
    }

    pub fn on_reply(&mut self, reply: Reply) -> Outcome {
        let Reply::Inquired {
            request,
            target,
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
            Ok(Some(found)) => {
                self.shown = Some(found);
                self.page = 0;
                Outcome::none()
            }
            Ok(None) => Outcome::notice(match &target {
                InquiryTarget::Item(query) => strings::no_item(query.as_text()),
                InquiryTarget::Code(code) => strings::no_item_or_location(code),
            }),
            Err(error) => Outcome::notice(strings::error_notice(&error)),
        }
    }
}

/// Library messages start lower case, for embedding; on their own line they start upper case.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
