//! Turning a scan into an inquiry, showing its answer, and paging through it.

use chrono::NaiveDate;

use crate::app::action::Action;
use crate::app::command::{Found, InquiryTarget, Request, RequestId};
use crate::app::event::Reply;
use crate::db::inquiry::ItemQuery;
use crate::domain::scan::{self, Scan};
use crate::screen::context::Context;
use crate::screen::journal;
use crate::screen::outcome::{Goto, Outcome};
use crate::ui::strings;

/// What the scan itself said beyond which item it names: a GS1 barcode's lot, expiry and count.
/// Which barcode was scanned also tells whether it was a case, once the answer names the
/// item's barcodes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scanned {
    /// The GTIN scanned, in its 14-digit form.
    pub gtin: String,
    /// (10)
    pub lot: Option<String>,
    /// (17)
    pub expiry: Option<NaiveDate>,
    /// (37) trade items counted in the scanned unit.
    pub count: Option<u32>,
}

impl Scanned {
    fn from_scan(scan: &Scan) -> Option<Scanned> {
        let gtin = scan.gtin()?.as_str().to_string();
        let (lot, expiry, count) = match scan {
            Scan::Gs1(elements) => (elements.lot.clone(), elements.expiry, elements.count),
            _ => (None, None, None),
        };
        Some(Scanned {
            gtin,
            lot,
            expiry,
            count,
        })
    }
}

/// An inquiry asked for and not yet answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Awaiting {
    pub request: RequestId,
    /// The code as the operator gave it.
    pub code: String,
    pub scanned: Option<Scanned>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InquiryState {
    pub awaiting: Option<Awaiting>,
    /// The last answer, kept on screen until a new one arrives: a wrong scan changes nothing.
    pub shown: Option<Found>,
    /// What the scan behind the shown answer said, when it was a barcode.
    pub scanned: Option<Scanned>,
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
            super::view::page_count(found, self.scanned.as_ref(), ctx.size, ctx.theme)
        })
    }

    /// Keeps the page within the answer after the screen changed size.
    pub fn clamp_page(&mut self, ctx: &Context) {
        self.page = self.page.min(self.page_count(ctx).saturating_sub(1));
    }

    /// Each scan stands alone: a refused one is journaled and said, and the next is read as
    /// if it had not happened (nothing typed ahead is dropped).
    fn on_scan(&mut self, line: &str, ctx: &mut Context) -> Outcome {
        let scan = match scan::classify(line, ctx.scan_config) {
            Ok(scan) => scan,
            Err(error) => return refused(ctx, line, strings::scan_refused(&error)),
        };
        let target = if let Some(gtin) = scan.gtin() {
            InquiryTarget::Item(ItemQuery::Gtin(gtin.clone()))
        } else if scan.sscc().is_some() {
            return refused(ctx, line, strings::carton_label_not_item());
        } else if let Some(code) = scan.code() {
            InquiryTarget::Code(code.trim().to_ascii_uppercase())
        } else {
            debug_assert!(matches!(scan, Scan::Gs1(_)));
            return refused(ctx, line, strings::gs1_without_gtin());
        };
        let request = ctx.requests.next_id();
        self.awaiting = Some(Awaiting {
            request,
            code: target.as_text().to_string(),
            scanned: Scanned::from_scan(&scan),
        });
        let mut outcome = Outcome::command(Request::Inquire { request, target });
        outcome.commands.push(journal::lookup(
            ctx,
            journal::INQUIRY,
            line,
            journal::parsed(&scan),
        ));
        outcome
    }

    pub fn on_reply(&mut self, reply: Reply, _ctx: &mut Context) -> Outcome {
        let Reply::Inquired {
            request,
            target,
            result,
        } = reply
        else {
            return Outcome::none();
        };
        let Some(awaiting) = self.awaiting.take_if(|a| a.request == request) else {
            return Outcome::none();
        };
        match result {
            Ok(Some(found)) => {
                self.scanned = match found {
                    Found::Item(_) => awaiting.scanned,
                    Found::Location(_) => None,
                };
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

/// A scan refused on the terminal: said, beeped, journaled; the answer shown stays.
fn refused(ctx: &Context, line: &str, notice: crate::app::notice::Notice) -> Outcome {
    let record = journal::rejected(ctx, journal::INQUIRY, line, &notice);
    let mut outcome = Outcome::notice(notice);
    outcome.commands.push(record);
    outcome
}
