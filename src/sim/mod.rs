//! `aisle simulate`: simulated pickers working the floor through the same library calls as the
//! picker's terminal, to measure confirms per second and their latency (DESIGN.md, "Performance
//! rules").
//!
//! Each simulated picker is a tokio task with a system-actor operator of its own (a picker holds
//! one batch at a time); all share one connection pool, as terminals behind a terminal server
//! would. Two phases:
//!
//! 1. **Closed loop** (throughput): every picker confirms again as soon as it is answered, for
//!    the given seconds or until half the work there was at the start is done (so that the
//!    second phase has work too). Confirms per second over the phase, and each confirm's
//!    round-trip time.
//! 2. **Open loop** (latency): confirms arrive at a fixed rate, half the closed loop's, handed to
//!    whichever picker is ready; each latency runs from the arrival to the answer, so waiting for
//!    a free picker or connection counts too. At half the maximum this is mostly service time.
//!
//! Getting work and building carts (binding totes) are done between confirms and are not
//! timed. When no work is left and the planner can release none, the pickers stop and the report
//! says so. Batches still held at the end are handed back with their progress kept.

pub mod latency;
pub mod picker;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use sqlx::PgPool;
use tokio::sync::{Mutex, mpsc};

use crate::bench::MachineNotes;
use crate::{Error, Result};
use latency::Latency;
use picker::{SimPicker, Stop, ToteDesk};

/// Connections the pool gets unless told: one per picker, at most this many.
pub const MAX_DEFAULT_POOL: u32 = 16;

/// What to run.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub pickers: usize,
    /// Length of each phase.
    pub seconds: f64,
    /// Connections in the shared pool (only reported here: the caller makes the pool).
    pub pool: u32,
}

impl SimOptions {
    /// `min(pickers, 16)`.
    pub fn default_pool(pickers: usize) -> u32 {
        u32::try_from(pickers)
            .unwrap_or(u32::MAX)
            .clamp(1, MAX_DEFAULT_POOL)
    }
}

/// Figures of one phase.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PhaseReport {
    pub seconds: f64,
    pub confirms: u64,
    pub units: i64,
    pub batches_finished: usize,
    pub confirms_per_sec: f64,
    /// Closed loop: each confirm's round trip. Open loop: from its arrival to its answer.
    pub latency: Latency,
}

/// The open-loop phase: arrivals at a fixed rate.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OpenLoopReport {
    pub target_per_sec: f64,
    #[serde(flatten)]
    pub phase: PhaseReport,
    /// The database's part alone: each confirm's round trip.
    pub service: Latency,
}

#[derive(Debug, Clone, Serialize)]
pub struct SimReport {
    pub warehouse_id: i32,
    pub pickers: usize,
    pub pool_connections: u32,
    pub seconds_per_phase: f64,
    /// Pick tasks open in batches plus reserved lines of orders waiting for release, at the start.
    pub work_at_start: i64,
    /// The closed loop stops after this many confirms, leaving the rest for the open loop.
    pub closed_loop_budget: u64,
    pub closed_loop: PhaseReport,
    /// `None` when the closed loop confirmed nothing (no rate to halve).
    pub open_loop: Option<OpenLoopReport>,
    /// The warehouse ran out of work to pick during the run.
    pub out_of_work: bool,
    /// Pickers that stopped for another reason than time or work, with the reason.
    pub stopped: Vec<String>,
    pub notes: Vec<String>,
    pub machine: MachineNotes,
}

/// What a picker's phase ended with.
struct PickerRun {
    picker: SimPicker,
    samples: Vec<Duration>,
    service: Vec<Duration>,
    stop: Option<Stop>,
    /// Units moved and batches finished in this phase.
    units: i64,
    batches: usize,
}

/// Runs both phases with `options.pickers` pickers on `pool` in warehouse `warehouse_id`.
pub async fn run(pool: &PgPool, warehouse_id: i32, options: &SimOptions) -> Result<SimReport> {
    if options.pickers == 0 {
        return Err(Error::Invalid("expected at least one picker".into()));
    }
    if !(options.seconds.is_finite() && options.seconds > 0.0) {
        return Err(Error::Invalid(format!(
            "expected a positive number of seconds, got {}",
            options.seconds
        )));
    }
    let phase = Duration::from_secs_f64(options.seconds);
    let machine = MachineNotes::gather(pool).await?;
    let operators = picker::ensure_operators(pool, options.pickers).await?;
    let work_at_start = work_waiting(pool, warehouse_id).await?;
    let budget = u64::try_from(work_at_start.max(0) / 2 + work_at_start.max(0) % 2)
        .unwrap_or(u64::MAX)
        .max(1);
    let desk = Arc::new(ToteDesk::default());
    let mut pickers: Vec<SimPicker> = operators
        .into_iter()
        .enumerate()
        .map(|(i, op)| SimPicker::new(i + 1, op, warehouse_id))
        .collect();
    let mut stopped = Vec::new();
    let mut out_of_work = false;
    let mut parked: Vec<SimPicker> = Vec::new();

    // Phase 1: closed loop.
    let confirms = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + phase;
    let mut handles = Vec::new();
    for mut picker in pickers.drain(..) {
        let pool = pool.clone();
        let desk = Arc::clone(&desk);
        let confirms = Arc::clone(&confirms);
        handles.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let (units, batches) = (picker.units, picker.batches_finished);
            let stop = loop {
                if Instant::now() >= deadline || confirms.load(Ordering::Relaxed) >= budget {
                    break None;
                }
                let next = match picker.prepare(&pool, &desk).await {
                    Ok(next) => next,
                    Err(stop) => break Some(stop),
                };
                match picker.confirm_next(&pool, &next).await {
                    Ok(took) => {
                        samples.push(took);
                        confirms.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(stop) => break Some(stop),
                }
            };
            PickerRun {
                units: picker.units - units,
                batches: picker.batches_finished - batches,
                picker,
                samples,
                service: Vec::new(),
                stop,
            }
        }));
    }
    let runs = join(handles).await?;
    let closed_secs = started.elapsed().as_secs_f64();
    let closed_loop = summarise(&runs, closed_secs, |r| &r.samples);
    for run in runs {
        match run.stop {
            None => pickers.push(run.picker),
            Some(stop) => {
                note_stop(&run.picker, stop, &mut stopped, &mut out_of_work);
                parked.push(run.picker);
            }
        }
    }

    // Phase 2: open loop at half the closed loop's rate.
    let mut notes = Vec::new();
    let open_loop = if closed_loop.confirms == 0 || closed_loop.confirms_per_sec <= 0.0 {
        notes.push("the closed loop confirmed nothing: no rate for the open loop".into());
        None
    } else if pickers.is_empty() {
        notes.push("no picker left for the open loop".into());
        None
    } else {
        let rate = closed_loop.confirms_per_sec / 2.0;
        let period = Duration::from_secs_f64(1.0 / rate);
        let (tx, rx) = mpsc::unbounded_channel::<Instant>();
        let rx = Arc::new(Mutex::new(rx));
        let started = Instant::now();
        let deadline = started + phase;
        let ticker = tokio::spawn(async move {
            let mut k: u32 = 0;
            loop {
                let at = started + period.saturating_mul(k);
                if at >= deadline {
                    break;
                }
                tokio::time::sleep_until(at.into()).await;
                if tx.send(at).is_err() {
                    break;
                }
                k = k.saturating_add(1);
            }
        });
        let mut handles = Vec::new();
        for mut picker in pickers.drain(..) {
            let pool = pool.clone();
            let desk = Arc::clone(&desk);
            let rx = Arc::clone(&rx);
            handles.push(tokio::spawn(async move {
                let mut samples = Vec::new();
                let mut service = Vec::new();
                let (units, batches) = (picker.units, picker.batches_finished);
                let stop = loop {
                    let next = match picker.prepare(&pool, &desk).await {
                        Ok(next) => next,
                        Err(stop) => break Some(stop),
                    };
                    let arrival = { rx.lock().await.recv().await };
                    let Some(arrival) = arrival else {
                        break None;
                    };
                    match picker.confirm_next(&pool, &next).await {
                        Ok(took) => {
                            samples.push(arrival.elapsed());
                            service.push(took);
                        }
                        Err(stop) => break Some(stop),
                    }
                };
                PickerRun {
                    units: picker.units - units,
                    batches: picker.batches_finished - batches,
                    picker,
                    samples,
                    service,
                    stop,
                }
            }));
        }
        drop(rx);
        let runs = join(handles).await?;
        ticker.abort();
        let open_secs = started.elapsed().as_secs_f64();
        let phase = summarise(&runs, open_secs, |r| &r.samples);
        let service: Vec<Duration> = runs.iter().flat_map(|r| r.service.clone()).collect();
        for run in runs {
            if let Some(stop) = run.stop {
                note_stop(&run.picker, stop, &mut stopped, &mut out_of_work);
            }
            parked.push(run.picker);
        }
        Some(OpenLoopReport {
            target_per_sec: rate,
            phase,
            service: Latency::of(&service),
        })
    };
    parked.append(&mut pickers);

    for picker in &mut parked {
        if let Err(e) = picker.give_back(pool).await {
            notes.push(format!(
                "could not hand back {}'s batch: {e}",
                picker.operator.badge
            ));
        }
    }
    if out_of_work {
        notes.push(
            "the warehouse ran out of reserved orders to pick: load more orders (aisle ingest) \
             or start from a fresh demo database to simulate longer"
                .into(),
        );
    }
    if closed_loop.confirms >= budget {
        notes.push(format!(
            "the closed loop stopped after {budget} confirms, half the work there was, to leave \
             work for the open loop"
        ));
    }
    Ok(SimReport {
        warehouse_id,
        pickers: options.pickers,
        pool_connections: options.pool,
        seconds_per_phase: options.seconds,
        work_at_start,
        closed_loop_budget: budget,
        closed_loop,
        open_loop,
        out_of_work,
        stopped,
        notes,
        machine,
    })
}

async fn join(handles: Vec<tokio::task::JoinHandle<PickerRun>>) -> Result<Vec<PickerRun>> {
    let mut runs = Vec::with_capacity(handles.len());
    for handle in handles {
        runs.push(
            handle
                .await
                .map_err(|e| Error::Invalid(format!("a simulated picker failed: {e}")))?,
        );
    }
    Ok(runs)
}

fn note_stop(picker: &SimPicker, stop: Stop, stopped: &mut Vec<String>, out_of_work: &mut bool) {
    match stop {
        Stop::OutOfWork => *out_of_work = true,
        Stop::Stuck(why) => stopped.push(format!("{}: {why}", picker.operator.badge)),
    }
}

fn summarise(
    runs: &[PickerRun],
    seconds: f64,
    samples: impl Fn(&PickerRun) -> &Vec<Duration>,
) -> PhaseReport {
    let all: Vec<Duration> = runs.iter().flat_map(|r| samples(r).clone()).collect();
    let confirms = all.len() as u64;
    PhaseReport {
        seconds,
        confirms,
        units: runs.iter().map(|r| r.units).sum(),
        batches_finished: runs.iter().map(|r| r.batches).sum(),
        confirms_per_sec: if seconds > 0.0 {
            confirms as f64 / seconds
        } else {
            0.0
        },
        latency: Latency::of(&all),
    }
}

/// Pick tasks still open in open or claimed batches, plus the reserved lines of orders the
/// planner could release: about how many confirms the warehouse has in it.
async fn work_waiting(pool: &PgPool, warehouse_id: i32) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "select (select count(*) from tasks t
                   join pick_batches b on b.warehouse_id = t.warehouse_id and b.id = t.batch_id
                  where t.warehouse_id = $1 and t.kind = 'pick'
                    and t.status in ('open', 'in_progress') and b.status in ('open', 'claimed'))
              + (select count(*) from orders o
                   join channels c on c.id = o.channel_id
                   join order_lines l on l.warehouse_id = o.warehouse_id and l.order_id = o.id
                   join reservations r on r.warehouse_id = l.warehouse_id and r.order_line_id = l.id
                  where o.warehouse_id = $1
                    and (o.status = 'reserved'
                         or (o.status = 'backordered' and c.allows_partial_shipment))
                    and l.requires_shipping and r.quantity > 0
                    and not exists (select 1 from batch_orders b
                                     where b.warehouse_id = o.warehouse_id and b.order_id = o.id))",
    )
    .bind(warehouse_id)
    .fetch_one(pool)
    .await?)
}

impl SimReport {
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "aisle simulate: {} picker(s) on a pool of {} connection(s), up to {} s per phase\n\
             work at the start: {} pick(s) in batches or waiting for release; the closed loop stops after {}\n\n",
            self.pickers,
            self.pool_connections,
            self.seconds_per_phase,
            self.work_at_start,
            self.closed_loop_budget
        );
        text.push_str(&format!(
            "{:<26} {:>6} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8}\n",
            "phase", "secs", "confirms", "confirm/s", "p50 ms", "p95 ms", "p99 ms", "max ms"
        ));
        let row = |name: &str, p: &PhaseReport, l: &Latency| {
            format!(
                "{:<26} {:>6.2} {:>8} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2}\n",
                name,
                p.seconds,
                p.confirms,
                p.confirms_per_sec,
                l.p50_ms,
                l.p95_ms,
                l.p99_ms,
                l.max_ms
            )
        };
        text.push_str(&row(
            "closed loop (maximum)",
            &self.closed_loop,
            &self.closed_loop.latency,
        ));
        if let Some(open) = &self.open_loop {
            text.push_str(&row(
                &format!("open loop at {:.1}/s", open.target_per_sec),
                &open.phase,
                &open.phase.latency,
            ));
            text.push_str(&row("  of which the database", &open.phase, &open.service));
        }
        text.push('\n');
        text.push_str(
            "closed loop: each picker confirms again as soon as it is answered; latency is the round trip.\n\
             open loop: confirms arrive at half the closed loop's rate; latency runs from arrival to answer.\n",
        );
        for stop in &self.stopped {
            text.push_str(&format!("stopped: {stop}\n"));
        }
        for note in &self.notes {
            text.push_str(&format!("note: {note}\n"));
        }
        text.push_str(&format!("machine: {}", self.machine.to_text()));
        text
    }
}
