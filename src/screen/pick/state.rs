//! Picking: get work, build the cart (a tote per order), then one task at a time: go to the
//! location and scan it, scan the item, count, scan the tote. Everything a scan is checked
//! against is on the terminal already, so a wrong scan costs no round trip; the tote scan
//! commits. While the database is away, confirms wait in the terminal's journal and the picker
//! goes on with the tasks already held.

use crate::Error;
use crate::app::action::Action;
use crate::app::command::{Command, Request, RequestId, RequestIds};
use crate::app::event::{Confirmation, Reply};
use crate::app::notice::Notice;
use crate::db::operators::Operator;
use crate::domain::pick_work::{BatchWork, WorkKind, WorkTask};
use crate::domain::scan::{self, Scan};
use crate::runtime::confirm_journal::PendingKind;
use crate::screen::context::Context;
use crate::screen::journal;
use crate::screen::outcome::{Goto, Outcome};
use crate::ui::strings;

use super::checks;

/// Where the picker is in the flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Asking for work.
    Getting,
    /// Nothing waiting; Enter asks again.
    NoWork,
    /// Scan a tote for the first slot without one.
    BuildCart,
    /// The current task, at this step.
    Task(Step),
    /// The batch is finished; Enter gets the next.
    Done,
}

/// The steps of one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Go to the location and scan it.
    Location,
    /// Scan the item.
    Item,
    /// Units counted so far; more scans of the item, or a keyed quantity.
    Count { counted: i32 },
    /// All counted: scan the tote (or the bin of a move) to commit.
    Destination { quantity: i32 },
    /// F2: the bin holds less than the task needs; key what it holds. `counted` units were
    /// already counted into the hand and are kept.
    Short { counted: i32 },
}

/// A request in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    Work(RequestId),
    Bind {
        request: RequestId,
        slot: i32,
        tote: String,
    },
    Confirm {
        request: RequestId,
        task_id: i64,
        /// Units moved by a pick or move; for a short, units the bin still holds.
        quantity: i32,
        short: bool,
        /// Where the units went, for the message.
        to: String,
    },
}

impl Pending {
    fn request(&self) -> RequestId {
        match self {
            Pending::Work(request)
            | Pending::Bind { request, .. }
            | Pending::Confirm { request, .. } => *request,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PickState {
    pub phase: Phase,
    pub work: Option<BatchWork>,
    pub pending: Option<Pending>,
    /// The app's tick when the lease was last renewed (a confirm renews it too).
    pub renewed_at: u64,
    pub renewing: Option<RequestId>,
    /// The location last scanned: the next task at the same bin needs no second scan of it.
    pub location_scanned: Option<String>,
}

impl PickState {
    /// The screen as it opens: asking for work at once.
    pub fn opened(
        requests: &mut RequestIds,
        picker: &Operator,
        ticks: u64,
    ) -> (PickState, Command) {
        let request = requests.next_id();
        let state = PickState {
            phase: Phase::Getting,
            work: None,
            pending: Some(Pending::Work(request)),
            renewed_at: ticks,
            renewing: None,
            location_scanned: None,
        };
        let command = Command::Request(Request::GetWork {
            request,
            picker: picker.clone(),
        });
        (state, command)
    }

    /// "No work" and "batch done" wait for Enter alone.
    pub fn takes_bare_enter(&self) -> bool {
        matches!(self.phase, Phase::NoWork | Phase::Done) && self.pending.is_none()
    }

    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    /// The task being worked, if the flow is at one.
    pub fn current_task(&self) -> Option<&WorkTask> {
        match self.phase {
            Phase::Task(_) => self.work.as_ref()?.current_task(),
            _ => None,
        }
    }

    fn get_work(&mut self, ctx: &mut Context) -> Option<Command> {
        let picker = ctx.operator?.clone();
        let request = ctx.requests.next_id();
        self.phase = Phase::Getting;
        self.pending = Some(Pending::Work(request));
        Some(Command::Request(Request::GetWork { request, picker }))
    }

    pub fn on_action(&mut self, action: &Action, ctx: &mut Context) -> Outcome {
        match action {
            Action::Back => self.back(),
            Action::Function(2) => self.start_short(),
            Action::Submit(line) if self.takes_bare_enter() || !line.trim().is_empty() => {
                self.on_line(line.trim(), ctx)
            }
            _ => Outcome::none(),
        }
    }

    /// Esc steps back within a task (a short, a count) and otherwise leaves for the menu; a held
    /// batch stays the picker's until its lease runs out, and "Pick" resumes it.
    fn back(&mut self) -> Outcome {
        // A confirm on its way is answered here, whatever happens to it: no leaving now.
        if matches!(self.pending, Some(Pending::Confirm { .. })) {
            return Outcome::none();
        }
        match self.phase {
            Phase::Task(Step::Short { .. }) | Phase::Task(Step::Count { .. }) => {
                self.phase = Phase::Task(Step::Item);
                Outcome::none()
            }
            Phase::Task(Step::Destination { .. }) => {
                self.phase = Phase::Task(Step::Item);
                Outcome::none()
            }
            _ => {
                self.pending = None;
                Outcome::goto(Goto::Menu)
            }
        }
    }

    fn start_short(&mut self) -> Outcome {
        let counted = match self.phase {
            Phase::Task(Step::Location | Step::Item) => 0,
            Phase::Task(Step::Count { counted }) => counted,
            _ => return Outcome::none(),
        };
        if self.pending.is_some() || self.current_task().is_none() {
            return Outcome::none();
        }
        self.phase = Phase::Task(Step::Short { counted });
        Outcome::none()
    }

    fn on_line(&mut self, line: &str, ctx: &mut Context) -> Outcome {
        match self.phase.clone() {
            Phase::Getting => Outcome::none(),
            // Only Enter itself gets work: scans typed ahead after the last confirm must not
            // claim a batch and be taken for its totes.
            Phase::NoWork | Phase::Done if line.is_empty() => Outcome {
                commands: self.get_work(ctx).into_iter().collect(),
                ..Outcome::none()
            },
            Phase::NoWork | Phase::Done => Outcome {
                discard_typeahead: true,
                ..refuse(ctx, line, strings::enter_for_work())
            },
            Phase::BuildCart => self.scan_tote_for_cart(line, ctx),
            Phase::Task(step) => self.scan_at(step, line, ctx),
        }
    }

    fn scan_tote_for_cart(&mut self, line: &str, ctx: &mut Context) -> Outcome {
        let (Some(work), Some(picker)) = (&self.work, ctx.operator) else {
            return Outcome::none();
        };
        let Some(slot) = work.next_unbound_slot() else {
            return Outcome::none();
        };
        let tote = match scan::classify(line, ctx.scan_config) {
            Ok(Scan::Location(code)) => code,
            Ok(_) => return refuse(ctx, line, strings::tote_expected()),
            Err(error) => return refuse(ctx, line, strings::scan_refused(&error)),
        };
        if work.slots.iter().any(|s| s.tote.as_deref() == Some(&tote)) {
            return refuse(ctx, line, strings::tote_in_cart(&tote));
        }
        let request = ctx.requests.next_id();
        let command = Request::BindTote {
            request,
            picker: picker.clone(),
            batch_id: work.batch_id,
            slot: slot.slot,
            tote: tote.clone(),
        };
        self.pending = Some(Pending::Bind {
            request,
            slot: slot.slot,
            tote,
        });
        Outcome::command(command)
    }

    fn scan_at(&mut self, step: Step, line: &str, ctx: &mut Context) -> Outcome {
        let Some(task) = self.current_task().cloned() else {
            return Outcome::none();
        };
        if let Step::Short { counted } = step {
            return match checks::found(&task, counted, line) {
                Ok(found) => self.confirm_short(&task, counted + found, line, ctx),
                Err(notice) => refuse(ctx, line, notice),
            };
        }
        // Digits are a quantity where one is expected, before they are taken for a barcode.
        if let Step::Count { .. } | Step::Item = step
            && let Some(keyed) = checks::keyed_quantity(&task, line)
        {
            return match (step, keyed) {
                (Step::Item, _) => refuse(ctx, line, strings::count_item_first()),
                (_, Ok(quantity)) => {
                    self.phase = Phase::Task(Step::Destination { quantity });
                    Outcome::none()
                }
                (_, Err(notice)) => refuse(ctx, line, notice),
            };
        }
        let scan = match scan::classify(line, ctx.scan_config) {
            Ok(scan) => scan,
            Err(error) => return refuse(ctx, line, strings::scan_refused(&error)),
        };
        match step {
            Step::Location => match checks::location(&task, &scan) {
                Ok(()) => {
                    self.location_scanned = Some(task.from_location.clone());
                    self.phase = Phase::Task(Step::Item);
                    Outcome::none()
                }
                Err(notice) => refuse(ctx, line, notice),
            },
            Step::Item => self.count_scan(&task, 0, &scan, line, ctx),
            Step::Count { counted } => {
                // The tote scanned early commits what was counted so far; a location code
                // that is not the item was meant as the tote.
                if matches!(scan, Scan::Location(_)) && checks::item(&task, &scan).is_err() {
                    return match checks::destination(&task, self.slot_of(&task), &scan) {
                        Ok(to) => self.confirm_move(&task, counted, to, line, ctx),
                        Err(notice) => refuse(ctx, line, notice),
                    };
                }
                self.count_scan(&task, counted, &scan, line, ctx)
            }
            Step::Destination { quantity } => {
                match checks::destination(&task, self.slot_of(&task), &scan) {
                    Ok(to) => self.confirm_move(&task, quantity, to, line, ctx),
                    Err(notice) => match checks::item(&task, &scan) {
                        // Another unit when all are counted is an over-pick.
                        Ok(_) => refuse(ctx, line, strings::over_pick(0)),
                        Err(_) => refuse(ctx, line, notice),
                    },
                }
            }
            Step::Short { .. } => Outcome::none(),
        }
    }

    fn count_scan(
        &mut self,
        task: &WorkTask,
        counted: i32,
        scan: &Scan,
        line: &str,
        ctx: &mut Context,
    ) -> Outcome {
        if let Scan::Location(code) = scan
            && *code == task.from_location
        {
            return Outcome::none();
        }
        let counted =
            match checks::item(task, scan).and_then(|units| checks::count(task, counted, units)) {
                Ok(counted) => counted,
                Err(notice) => return refuse(ctx, line, notice),
            };
        self.phase = Phase::Task(if counted == task.units_left() {
            Step::Destination { quantity: counted }
        } else {
            Step::Count { counted }
        });
        Outcome::none()
    }

    fn slot_of(&self, task: &WorkTask) -> Option<&crate::domain::pick_work::CartSlot> {
        self.work.as_ref()?.slot(task.slot?)
    }

    /// The committing scan: a pick into its tote, or a move into its bin.
    fn confirm_move(
        &mut self,
        task: &WorkTask,
        quantity: i32,
        to: i32,
        line: &str,
        ctx: &mut Context,
    ) -> Outcome {
        let kind = match task.kind {
            WorkKind::Pick => PendingKind::Pick {
                task_id: task.task_id,
                tote_location_id: to,
                quantity,
            },
            WorkKind::Replenish | WorkKind::PutBack => PendingKind::Move {
                task_id: task.task_id,
                from_location_id: task.from_location_id,
                to_location_id: to,
                quantity,
            },
        };
        let to = match scan::classify(line, ctx.scan_config) {
            Ok(Scan::Location(code)) => code,
            _ => line.to_string(),
        };
        self.send(task, kind, quantity, false, to, line, ctx)
    }

    fn confirm_short(
        &mut self,
        task: &WorkTask,
        found: i32,
        line: &str,
        ctx: &mut Context,
    ) -> Outcome {
        let kind = PendingKind::Short {
            task_id: task.task_id,
            found,
        };
        let from = task.from_location.clone();
        self.send(task, kind, found, true, from, line, ctx)
    }

    #[allow(clippy::too_many_arguments)]
    fn send(
        &mut self,
        task: &WorkTask,
        kind: PendingKind,
        quantity: i32,
        short: bool,
        to: String,
        line: &str,
        ctx: &mut Context,
    ) -> Outcome {
        let Some(picker) = ctx.operator else {
            return Outcome::goto(Goto::LogOut);
        };
        let request = ctx.requests.next_id();
        self.pending = Some(Pending::Confirm {
            request,
            task_id: task.task_id,
            quantity,
            short,
            to,
        });
        Outcome::command(Request::Confirm {
            request,
            picker: picker.clone(),
            terminal: ctx.terminal_id.to_string(),
            kind,
            raw: line.to_string(),
        })
    }

    pub fn on_reply(&mut self, reply: Reply, ctx: &mut Context) -> Outcome {
        match reply {
            Reply::LeaseRenewed { request, result } if self.renewing == Some(request) => {
                self.renewing = None;
                match result {
                    Ok(Some(_)) => {
                        self.renewed_at = ctx.ticks;
                        Outcome::none()
                    }
                    Ok(None) => self.taken_over(),
                    // Offline: the lease is the server's to keep; confirms renew it on return.
                    Err(_) => Outcome::none(),
                }
            }
            Reply::Replayed { report, .. } => {
                // Back online after a short made offline: the server moved work around.
                if report.waiting == 0
                    && (report.applied > 0 || !report.exceptions.is_empty())
                    && self.pending.is_none()
                    && let Some(work) = &self.work
                {
                    return self.load(work.batch_id, ctx);
                }
                Outcome::none()
            }
            reply => {
                let Some(pending) = self.pending.take_if(|p| p.request() == reply.request()) else {
                    return Outcome::none();
                };
                self.answered(pending, reply, ctx)
            }
        }
    }

    fn load(&mut self, batch_id: i64, ctx: &mut Context) -> Outcome {
        let request = ctx.requests.next_id();
        self.pending = Some(Pending::Work(request));
        Outcome::command(Request::LoadWork { request, batch_id })
    }

    fn answered(&mut self, pending: Pending, reply: Reply, ctx: &mut Context) -> Outcome {
        match (pending, reply) {
            (Pending::Work(_), Reply::WorkLoaded { result, .. }) => match result {
                Ok(Some(work)) => {
                    self.renewed_at = ctx.ticks;
                    self.work = Some(work);
                    self.settle_phase();
                    Outcome::none()
                }
                Ok(None) => {
                    self.work = None;
                    self.phase = Phase::NoWork;
                    Outcome::none()
                }
                Err(error) if error.is_connection_lost() => {
                    self.phase = self.phase_after_failed_load();
                    Outcome::refusal(strings::needs_database("getting work"))
                }
                Err(error) => {
                    self.phase = self.phase_after_failed_load();
                    Outcome::refusal(strings::pick_refused(&error))
                }
            },
            (Pending::Bind { slot, tote, .. }, Reply::ToteBound { result, .. }) => match result {
                Ok(tote_id) => {
                    if let Some(work) = &mut self.work
                        && let Some(cart_slot) = work.slots.iter_mut().find(|s| s.slot == slot)
                    {
                        cart_slot.tote = Some(tote.clone());
                        cart_slot.tote_location_id = Some(tote_id);
                    }
                    self.renewed_at = ctx.ticks;
                    self.settle_phase();
                    Outcome::notice(strings::tote_bound(&tote, slot))
                }
                Err(Error::TakenOver(_)) => self.taken_over(),
                Err(error) if error.is_connection_lost() => {
                    Outcome::refusal(strings::needs_database("building the cart"))
                }
                Err(error) => Outcome::refusal(strings::pick_refused(&error)),
            },
            (
                Pending::Confirm {
                    task_id,
                    quantity,
                    short,
                    to,
                    ..
                },
                Reply::Confirmed { result, .. },
            ) => match result {
                Ok(Confirmation::Applied { batch_done, reload }) => {
                    self.renewed_at = ctx.ticks;
                    self.record_locally(task_id, quantity, short);
                    let notice = match short {
                        true => strings::shorted(),
                        false => strings::confirmed(quantity, &to),
                    };
                    let mut outcome = match (batch_done, reload, &self.work) {
                        (true, _, _) => {
                            self.phase = Phase::Done;
                            Outcome::none()
                        }
                        (false, true, Some(work)) => self.load(work.batch_id, ctx),
                        _ => {
                            self.settle_phase();
                            Outcome::none()
                        }
                    };
                    outcome.notice = Some(notice);
                    outcome
                }
                Ok(Confirmation::Queued { waiting }) => {
                    self.record_locally(task_id, quantity, short);
                    self.settle_phase();
                    Outcome::notice(strings::queued(waiting))
                }
                Err(Error::TakenOver(_)) => self.taken_over(),
                Err(error) => {
                    // Refused by the database: nothing moved; the picker scans again.
                    Outcome::refusal(strings::pick_refused(&error))
                }
            },
            _ => Outcome::none(),
        }
    }

    /// A failed load leaves the batch as held, if any, else "no work".
    fn phase_after_failed_load(&mut self) -> Phase {
        self.settle_phase();
        self.phase.clone()
    }

    /// The terminal's copy of the batch follows what was confirmed, so the picker goes on
    /// while the database is away. A short leaves the task with what the bin still holds; the
    /// rest is the server's to reallocate.
    fn record_locally(&mut self, task_id: i64, quantity: i32, short: bool) {
        let Some(work) = &mut self.work else { return };
        let Some(task) = work.tasks.iter_mut().find(|t| t.task_id == task_id) else {
            return;
        };
        if short {
            task.quantity = task.done_qty + quantity;
        } else {
            task.done_qty = (task.done_qty + quantity).min(task.quantity);
        }
    }

    /// The phase that follows from the batch as held: the cart first, then the next task.
    fn settle_phase(&mut self) {
        let Some(work) = &self.work else {
            self.phase = Phase::NoWork;
            return;
        };
        self.phase = if work.next_unbound_slot().is_some() {
            Phase::BuildCart
        } else {
            match work.current_task() {
                None => Phase::Done,
                // The next task at the same bin needs no second location scan.
                Some(task) if self.location_scanned.as_deref() == Some(&task.from_location) => {
                    Phase::Task(Step::Item)
                }
                Some(_) => Phase::Task(Step::Location),
            }
        };
        if !matches!(self.phase, Phase::Task(Step::Item)) {
            self.location_scanned = None;
        }
    }

    fn taken_over(&mut self) -> Outcome {
        self.work = None;
        self.pending = None;
        self.phase = Phase::NoWork;
        Outcome::refusal(strings::taken_over())
    }

    /// Keeps the lease alive: renewed a third of the way into it, while the batch is held.
    pub fn on_tick(&mut self, ctx: &mut Context) -> Outcome {
        let (Some(work), Some(picker)) = (&self.work, ctx.operator) else {
            return Outcome::none();
        };
        let holding = matches!(self.phase, Phase::BuildCart | Phase::Task(_));
        let every = u64::try_from(work.lease_seconds / 3).unwrap_or(60).max(10);
        if !holding || self.renewing.is_some() || ctx.ticks < self.renewed_at + every {
            return Outcome::none();
        }
        let request = ctx.requests.next_id();
        self.renewing = Some(request);
        Outcome::command(Request::RenewLease {
            request,
            picker: picker.clone(),
            batch_id: work.batch_id,
        })
    }
}

/// A scan refused on the terminal: beep, say what was expected, journal it, change nothing.
fn refuse(ctx: &Context, line: &str, notice: Notice) -> Outcome {
    let record = journal::rejected(ctx, journal::PICK, line, &notice);
    let mut outcome = Outcome::notice(notice);
    outcome.commands.push(record);
    outcome
}
