//! Carries out the database requests `update` asks for, each in its own task so the screen keeps
//! drawing and keys keep coming while the database answers; each answer comes back as a
//! [`Reply`] for `update`. Scan journal writes run the same way but answer nothing: the screen
//! never waits for them, and a failed write is logged, not shown.
//!
//! Confirms (picks, shorts, moves) go through the terminal's durable journal: each is written
//! there under a fresh scan id before it is sent and struck off once the database has answered.
//! When the database is away the confirm stays, the screen is told it is queued, and later
//! confirms queue behind it; a replay sends them in order when the database is back.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::task::JoinSet;
use uuid::Uuid;

use std::collections::HashMap;

use chrono::Utc;

use crate::app::command::{Found, InquiryTarget, Request, RequestId};
use crate::app::event::{Confirmation, ReplayReport, Reply};
use crate::db::data_dir::default_data_dir;
use crate::db::exceptions::{self, RefusedReplay};
use crate::db::floor_tasks::{self, MoveConfirm, ReplayOutcome, ShortPick};
use crate::db::inquiry::ScanRecord;
use crate::db::operators::Operator;
use crate::db::pick_batches::{self, PickConfirm};
use crate::db::{inquiry, operators, pick_work};
use crate::db::{packing, shipments};
use crate::domain::pick_work::BatchWork;
use crate::runtime::confirm_journal::{ConfirmJournal, PendingConfirm, PendingKind};
use crate::runtime::shipper::Shipper;
use crate::{Error, Result};

/// How long leaving waits for journal writes still in flight.
const JOURNAL_GRACE: Duration = Duration::from_secs(2);

pub struct Effects {
    pool: PgPool,
    warehouse_id: i32,
    running: JoinSet<(Reply, Settle)>,
    journal: JoinSet<()>,
    /// Confirms written before they are sent; `None` sends them straight (tools, some tests).
    confirms: Option<ConfirmJournal>,
    /// The confirm (or replay) being sent now: nothing else from the journal is sent until it
    /// is answered, so a scan id is never in flight twice.
    sending: bool,
    /// The warehouse as a shipper, for pack stations.
    shipper: Shipper,
}

/// What an answer settles in the confirm journal.
#[derive(Debug)]
enum Settle {
    Nothing,
    /// A confirm sent at once: struck off unless the connection was lost.
    Confirm(Uuid),
    /// A replay: these scan ids reached the database (applied, or now exceptions).
    Replayed(Vec<Uuid>),
}

impl Effects {
    pub fn new(pool: PgPool, warehouse_id: i32) -> Effects {
        Effects {
            pool,
            warehouse_id,
            running: JoinSet::new(),
            journal: JoinSet::new(),
            confirms: None,
            sending: false,
            shipper: Shipper::new(
                warehouse_id,
                default_data_dir().unwrap_or_else(|_| std::env::temp_dir().join("aisle")),
            ),
        }
    }

    /// Labels of stations without a printer or a label directory go to `<data_dir>/labels`.
    pub fn with_data_dir(mut self, data_dir: impl Into<PathBuf>) -> Effects {
        self.shipper = Shipper::new(self.warehouse_id, data_dir.into());
        self
    }

    /// Keeps confirms in `journal` until the database acknowledges them.
    pub fn with_confirm_journal(mut self, journal: ConfirmJournal) -> Effects {
        self.confirms = Some(journal);
        self
    }

    /// Confirms waiting in the journal (left by a dropped connection or a killed terminal).
    pub fn waiting(&self) -> usize {
        self.confirms.as_ref().map_or(0, ConfirmJournal::len)
    }

    /// Journals one scan under a fresh UUIDv7, in the background.
    pub fn journal(&mut self, record: ScanRecord) {
        let pool = self.pool.clone();
        let warehouse_id = self.warehouse_id;
        let scan_id = Uuid::now_v7();
        self.journal.spawn(async move {
            if let Err(error) = inquiry::journal_scan(&pool, warehouse_id, scan_id, &record).await {
                tracing::warn!(%error, %scan_id, screen = record.screen, "scan not journaled");
            }
        });
        // Finished writes are reaped as new ones start, so the set stays small.
        while let Some(done) = self.journal.try_join_next() {
            if let Err(error) = done {
                tracing::error!(%error, "scan journal write failed to finish");
            }
        }
    }

    /// Waits for the journal writes in flight (tests, and leaving).
    pub async fn journal_written(&mut self) {
        while let Some(done) = self.journal.join_next().await {
            if let Err(error) = done {
                tracing::error!(%error, "scan journal write failed to finish");
            }
        }
    }

    /// Gives journal writes in flight a moment to finish before the terminal goes.
    pub async fn finish(&mut self) {
        if tokio::time::timeout(JOURNAL_GRACE, self.journal_written())
            .await
            .is_err()
        {
            tracing::warn!(
                left = self.journal.len(),
                "leaving with scan journal writes unfinished"
            );
        }
    }

    /// No command is being carried out.
    pub fn is_idle(&self) -> bool {
        self.running.is_empty()
    }

    pub fn start(&mut self, request: Request) {
        let pool = self.pool.clone();
        let warehouse_id = self.warehouse_id;
        tracing::debug!(?request, "database request");
        match request {
            Request::Confirm {
                request,
                picker,
                terminal,
                kind,
                raw,
            } => {
                let entry = PendingConfirm {
                    scan_id: Uuid::now_v7(),
                    warehouse_id,
                    operator_id: picker.id,
                    kind,
                    terminal,
                    raw,
                    at: Utc::now(),
                };
                self.confirm(request, picker, entry);
            }
            Request::Replay { request } => self.replay(request),
            request => {
                let shipper = self.shipper.clone();
                self.running.spawn(async move {
                    let reply = execute(&pool, warehouse_id, &shipper, request).await;
                    (reply, Settle::Nothing)
                });
            }
        }
    }

    fn confirm(&mut self, request: RequestId, picker: Operator, entry: PendingConfirm) {
        let backlog = self.waiting();
        if let Some(journal) = &mut self.confirms
            && let Err(error) = journal.append(entry.clone())
        {
            let error = Error::io(
                "keeping the confirm in the terminal's journal",
                std::io::Error::other(error.to_string()),
            );
            self.answer_now(Reply::Confirmed {
                request,
                result: Err(error),
            });
            return;
        }
        // Older confirms wait for the database (or one is being sent): this one waits behind
        // them, in order.
        if backlog > 0 || self.sending {
            let waiting = self.waiting();
            self.answer_now(Reply::Confirmed {
                request,
                result: Ok(Confirmation::Queued { waiting }),
            });
            return;
        }
        let pool = self.pool.clone();
        self.sending = self.confirms.is_some();
        self.running.spawn(async move {
            let result = apply_in_time(&pool, &picker, &entry).await;
            let reply = Reply::Confirmed { request, result };
            (reply, Settle::Confirm(entry.scan_id))
        });
    }

    fn answer_now(&mut self, reply: Reply) {
        self.running.spawn(async move { (reply, Settle::Nothing) });
    }

    fn replay(&mut self, request: RequestId) {
        let pending: Vec<PendingConfirm> = match (&self.confirms, self.sending) {
            (Some(journal), false) => journal.pending().to_vec(),
            // A confirm is on its way: its answer settles it, and the replay waits its turn.
            _ => Vec::new(),
        };
        if pending.is_empty() {
            let report = ReplayReport {
                waiting: self.waiting(),
                ..ReplayReport::default()
            };
            self.answer_now(Reply::Replayed { request, report });
            return;
        }
        self.sending = true;
        let pool = self.pool.clone();
        self.running.spawn(async move {
            let (report, settled) = replay(&pool, &pending).await;
            (
                Reply::Replayed { request, report },
                Settle::Replayed(settled),
            )
        });
    }

    /// Strikes answered confirms off the journal; a confirm whose connection was lost stays
    /// and is reported as queued.
    fn settle(&mut self, reply: Reply, settle: Settle) -> Reply {
        if matches!(settle, Settle::Confirm(_) | Settle::Replayed(_)) {
            self.sending = false;
        }
        let Some(journal) = &mut self.confirms else {
            return reply;
        };
        let mut strike = |scan_id: Uuid| {
            if let Err(error) = journal.acknowledge(scan_id) {
                // Left in the journal, it is replayed once more: harmless, the scan id applies once.
                tracing::error!(%error, %scan_id, "confirm not struck off the journal");
            }
        };
        match (reply, settle) {
            (Reply::Confirmed { request, result }, Settle::Confirm(scan_id)) => match result {
                Err(error) if error.is_transient() => {
                    tracing::warn!(%error, %scan_id, "database away: confirm kept for replay");
                    Reply::Confirmed {
                        request,
                        result: Ok(Confirmation::Queued {
                            waiting: journal.len(),
                        }),
                    }
                }
                result => {
                    strike(scan_id);
                    Reply::Confirmed { request, result }
                }
            },
            (
                Reply::Replayed {
                    request,
                    mut report,
                },
                Settle::Replayed(settled),
            ) => {
                for scan_id in settled {
                    strike(scan_id);
                }
                report.waiting = journal.len();
                Reply::Replayed { request, report }
            }
            // Work loaded while confirms still wait shows them as done: the picker must not
            // be sent back for units already in the tote.
            (
                Reply::WorkLoaded {
                    request,
                    result: Ok(Some(mut work)),
                },
                _,
            ) => {
                overlay(&mut work, journal.pending());
                Reply::WorkLoaded {
                    request,
                    result: Ok(Some(work)),
                }
            }
            (reply, _) => reply,
        }
    }

    /// The next answer; pending forever when nothing runs, so guard it with
    /// [`is_idle`](Self::is_idle) in a `select!`.
    pub async fn next_reply(&mut self) -> Option<Reply> {
        loop {
            match self.running.join_next().await? {
                Ok((reply, settle)) => return Some(self.settle(reply, settle)),
                // Our database code does not panic; if it ever does, the screen's Esc still
                // leaves the step that waits.
                Err(error) => tracing::error!(%error, "database request failed to finish"),
            }
        }
    }

    /// An answer that is already in, without waiting.
    pub fn try_next_reply(&mut self) -> Option<Reply> {
        loop {
            match self.running.try_join_next()? {
                Ok((reply, settle)) => return Some(self.settle(reply, settle)),
                Err(error) => tracing::error!(%error, "database request failed to finish"),
            }
        }
    }
}

async fn execute(pool: &PgPool, warehouse_id: i32, shipper: &Shipper, request: Request) -> Reply {
    let started = Instant::now();
    let reply = match request {
        Request::LookupBadge { request, badge } => Reply::BadgeLookedUp {
            request,
            result: operators::lookup_badge(pool, &badge).await,
        },
        Request::Authenticate {
            request,
            badge,
            pin,
        } => Reply::Authenticated {
            request,
            result: operators::authenticate(pool, &badge, pin.reveal()).await,
        },
        Request::Inquire { request, target } => {
            let result = inquire(pool, warehouse_id, &target).await;
            Reply::Inquired {
                request,
                target,
                result,
            }
        }
        Request::Unlock {
            request,
            actor,
            badge,
        } => {
            let result = operators::unlock(pool, &actor, &badge).await;
            Reply::Unlocked {
                request,
                badge,
                result,
            }
        }
        Request::LockedBadges { request } => Reply::LockedBadges {
            request,
            result: inquiry::locked_badges(pool).await,
        },
        Request::GetWork { request, picker } => Reply::WorkLoaded {
            request,
            result: pick_work::get_work(pool, warehouse_id, &picker).await,
        },
        Request::LoadWork { request, batch_id } => Reply::WorkLoaded {
            request,
            result: pick_work::load(pool, warehouse_id, batch_id).await,
        },
        Request::BindTote {
            request,
            picker,
            batch_id,
            slot,
            tote,
        } => Reply::ToteBound {
            request,
            result: pick_batches::bind_tote_by_code(
                pool,
                warehouse_id,
                batch_id,
                slot,
                &tote,
                &picker,
            )
            .await,
        },
        Request::RenewLease {
            request,
            picker,
            batch_id,
        } => Reply::LeaseRenewed {
            request,
            result: pick_batches::renew(pool, warehouse_id, batch_id, &picker).await,
        },
        // Carried out by `start` itself, with the journal.
        Request::Confirm { request, .. } => Reply::Confirmed {
            request,
            result: Err(Error::Invalid(
                "a confirm must go through the journal".into(),
            )),
        },
        Request::Replay { request } => Reply::Replayed {
            request,
            report: ReplayReport::default(),
        },
        Request::BindStation { request, code } => Reply::StationBound {
            request,
            result: packing::station(pool, warehouse_id, &code).await,
        },
        Request::OpenPackOrder {
            request,
            station_id,
            code,
        } => Reply::PackOrderOpened {
            request,
            result: packing::open_order(pool, warehouse_id, station_id, &code)
                .await
                .map(Box::new),
        },
        Request::PackUnit {
            request,
            packer,
            station_id,
            scan,
        } => Reply::UnitPacked {
            request,
            result: packing::pack_unit(pool, warehouse_id, station_id, &packer, &scan).await,
        },
        Request::PackShort {
            request,
            packer,
            station_id,
            short,
        } => Reply::PackShorted {
            request,
            result: packing::pack_short(pool, warehouse_id, station_id, &packer, &short).await,
        },
        Request::RateShop {
            request,
            order,
            plans,
        } => Reply::Rated {
            request,
            result: shipper.rate(pool, &order, &plans).await.map(Box::new),
        },
        Request::LabelCarton {
            request,
            packer,
            station,
            order,
            weighed,
            chosen,
        } => Reply::Labelled {
            request,
            result: shipper
                .label(pool, &station, &order, &weighed, &chosen, &packer)
                .await
                .map(Box::new),
        },
        Request::ReprintLabel {
            request,
            packer,
            station,
            carton_id,
        } => Reply::Reprinted {
            request,
            carton_id,
            result: shipper.reprint(pool, &station, carton_id, &packer).await,
        },
        Request::VoidCarton {
            request,
            packer,
            carton_id,
        } => Reply::Voided {
            request,
            result: shipments::void_carton(pool, warehouse_id, carton_id, &packer, None).await,
        },
        Request::ShipPacked {
            request,
            packer,
            station_id,
            order_id,
            chosen,
            scan_id,
            terminal,
        } => Reply::ShippedOrder {
            request,
            result: shipper
                .ship(
                    pool,
                    station_id,
                    order_id,
                    chosen.as_deref(),
                    scan_id,
                    terminal,
                    &packer,
                )
                .await,
        },
    };
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        ?reply,
        "database reply"
    );
    reply
}

/// An item by barcode or code; a bare code that is no SKU may be a location.
async fn inquire(
    pool: &PgPool,
    warehouse_id: i32,
    target: &InquiryTarget,
) -> Result<Option<Found>> {
    match target {
        InquiryTarget::Item(query) => Ok(inquiry::item(pool, warehouse_id, query)
            .await?
            .map(|item| Found::Item(Box::new(item)))),
        InquiryTarget::Code(code) => {
            let query = inquiry::ItemQuery::Code(code.clone());
            if let Some(item) = inquiry::item(pool, warehouse_id, &query).await? {
                return Ok(Some(Found::Item(Box::new(item))));
            }
            Ok(inquiry::location(pool, warehouse_id, code)
                .await?
                .map(|location| Found::Location(Box::new(location))))
        }
    }
}

/// How long a confirm may wait for its answer before the terminal calls the database away: a
/// half-open connection (a handheld roaming between access points) must not hold the picker.
/// Safe to give up on: the scan id applies once, and the confirm is kept and replayed.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(10);

async fn apply_in_time(
    pool: &PgPool,
    picker: &Operator,
    entry: &PendingConfirm,
) -> Result<Confirmation> {
    match tokio::time::timeout(CONFIRM_TIMEOUT, apply(pool, picker, entry)).await {
        Ok(result) => result,
        Err(_) => Err(no_answer()),
    }
}

fn no_answer() -> Error {
    Error::Connect {
        url: "the database".into(),
        reason: format!("no answer within {} s", CONFIRM_TIMEOUT.as_secs()),
    }
}

/// The confirms still waiting, laid over work loaded from the database.
fn overlay(work: &mut BatchWork, pending: &[PendingConfirm]) {
    for entry in pending {
        let (task_id, done, short) = match entry.kind {
            PendingKind::Pick {
                task_id, quantity, ..
            }
            | PendingKind::Move {
                task_id, quantity, ..
            } => (task_id, quantity, None),
            PendingKind::Short { task_id, found } => (task_id, 0, Some(found)),
        };
        if let Some(task) = work.tasks.iter_mut().find(|t| t.task_id == task_id) {
            match short {
                Some(found) => task.quantity = (task.done_qty + found).min(task.quantity),
                None => task.done_qty = (task.done_qty + done).min(task.quantity),
            }
        }
    }
}

/// A journaled pick as the database call takes it, under the journal entry's scan id.
fn pick_confirm(
    entry: &PendingConfirm,
    task_id: i64,
    tote_location_id: i32,
    quantity: i32,
) -> PickConfirm {
    PickConfirm {
        task_id,
        tote_location_id,
        quantity,
        scan_id: entry.scan_id,
        terminal: entry.terminal.clone(),
        raw: entry.raw.clone(),
    }
}

/// One confirm, sent for the first time.
async fn apply(pool: &PgPool, picker: &Operator, entry: &PendingConfirm) -> Result<Confirmation> {
    let wh = entry.warehouse_id;
    Ok(match &entry.kind {
        &PendingKind::Pick {
            task_id,
            tote_location_id,
            quantity,
        } => {
            let confirm = pick_confirm(entry, task_id, tote_location_id, quantity);
            let progress = pick_batches::confirm_pick(pool, wh, picker, &confirm).await?;
            Confirmation::Applied {
                batch_done: progress.batch_status == "done",
                reload: false,
            }
        }
        PendingKind::Short { task_id, found } => {
            let short = ShortPick {
                task_id: *task_id,
                found: *found,
                scan_id: entry.scan_id,
                terminal: entry.terminal.clone(),
                raw: entry.raw.clone(),
            };
            let outcome = floor_tasks::short_pick(pool, wh, picker, &short).await?;
            Confirmation::Applied {
                batch_done: outcome.batch_status == "done",
                reload: true,
            }
        }
        PendingKind::Move {
            task_id,
            from_location_id,
            to_location_id,
            quantity,
        } => {
            let confirm = MoveConfirm {
                task_id: *task_id,
                from_location_id: *from_location_id,
                to_location_id: *to_location_id,
                quantity: *quantity,
                scan_id: entry.scan_id,
                terminal: entry.terminal.clone(),
                raw: entry.raw.clone(),
            };
            let progress = floor_tasks::confirm_move(pool, wh, picker, &confirm).await?;
            Confirmation::Applied {
                batch_done: progress.batch_status.as_deref() == Some("done"),
                reload: false,
            }
        }
    })
}

/// Sends the journal's confirms in order until the database is away again. Each reaches the
/// database once by its scan id: applied, already applied, or refused and recorded there as an
/// exception for the supervisor. A confirm is settled (struck off) only once the database holds
/// its outcome. Returns the report and the scan ids settled.
async fn replay(pool: &PgPool, pending: &[PendingConfirm]) -> (ReplayReport, Vec<Uuid>) {
    let mut report = ReplayReport::default();
    let mut settled = Vec::new();
    let mut operators: HashMap<i32, Operator> = HashMap::new();
    for entry in pending {
        let outcome =
            match tokio::time::timeout(CONFIRM_TIMEOUT, replay_one(pool, entry, &mut operators))
                .await
            {
                Ok(outcome) => outcome,
                Err(_) => Err(no_answer()),
            };
        let refusal = match outcome {
            Ok(None) => {
                report.applied += 1;
                settled.push(entry.scan_id);
                continue;
            }
            Ok(Some(detail)) => {
                report.exceptions.push(detail);
                settled.push(entry.scan_id);
                continue;
            }
            Err(error) if error.is_transient() => break,
            Err(error) => error,
        };
        // Refused by the database: the refusal is stored for the supervisor before the confirm
        // leaves the journal.
        let detail = refusal.to_string();
        tracing::warn!(%detail, scan_id = %entry.scan_id, "replayed confirm refused");
        let refused = RefusedReplay {
            task_id: entry.kind.task_id(),
            operator_id: entry.operator_id,
            terminal: &entry.terminal,
            scan_id: entry.scan_id,
            raw: &entry.raw,
            detail: &detail,
        };
        match exceptions::record_replay_refusal(pool, entry.warehouse_id, &refused).await {
            Ok(_) => {
                report.exceptions.push(detail);
                settled.push(entry.scan_id);
            }
            Err(error) => {
                tracing::error!(%error, scan_id = %entry.scan_id, "refusal not recorded: kept");
                break;
            }
        }
    }
    (report, settled)
}

/// One journaled confirm sent again: `None` when it applied (now or before), the reason when
/// the database recorded it as an exception itself.
async fn replay_one(
    pool: &PgPool,
    entry: &PendingConfirm,
    operators: &mut HashMap<i32, Operator>,
) -> Result<Option<String>> {
    let picker = match operators.get(&entry.operator_id) {
        Some(picker) => picker.clone(),
        None => {
            let picker = operators::by_id(pool, entry.operator_id).await?;
            operators.insert(picker.id, picker.clone());
            picker
        }
    };
    match &entry.kind {
        &PendingKind::Pick {
            task_id,
            tote_location_id,
            quantity,
        } => {
            let confirm = pick_confirm(entry, task_id, tote_location_id, quantity);
            Ok(
                match floor_tasks::replay_pick(pool, entry.warehouse_id, &picker, &confirm).await? {
                    ReplayOutcome::Applied(_) | ReplayOutcome::AlreadyApplied(_) => None,
                    ReplayOutcome::Exception { detail, .. } => Some(detail),
                },
            )
        }
        // Shorts and moves are idempotent by scan id: sent again as they were.
        _ => apply(pool, &picker, entry).await.map(|_| None),
    }
}
