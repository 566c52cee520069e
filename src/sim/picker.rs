//! One simulated picker: a system-actor operator of its own (a picker holds one batch at a time),
//! working batches as a terminal would — get work, build the cart from free totes, confirm each
//! task in route order (picks into the slot's tote; replenishments and put-backs from their
//! source to their bin) — through the same library calls the picker's screen makes.

use std::time::{Duration, Instant};

use sqlx::PgPool;
use uuid::Uuid;

use crate::db::floor_tasks::{self, MoveConfirm};
use crate::db::operators::{Operator, SystemActor};
use crate::db::pick_batches::{self, PickConfirm};
use crate::db::pick_work;
use crate::domain::pick_work::{BatchWork, WorkKind};
use crate::{Error, Result};

/// The simulated pickers' operators, `system:sim-0001` … (created on first use, reused after;
/// the creation is attributed to the simulator's system actor).
pub async fn ensure_operators(pool: &PgPool, count: usize) -> Result<Vec<Operator>> {
    let count = i32::try_from(count)
        .map_err(|_| Error::Invalid(format!("{count} simulated pickers is too many")))?;
    let simulator = crate::db::operators::system_actor(pool, SystemActor::Simulator).await?;
    sqlx::query(
        "with added as (
             insert into operators (badge, name, role)
             select 'system:sim-' || lpad(n::text, 4, '0'), 'Simulated picker ' || n, 'system'
               from generate_series(1, $1) as n
             on conflict (badge) do nothing
             returning badge)
         insert into audit_log (actor_id, action, subject)
         select $2, 'operator.add', badge from added",
    )
    .bind(count)
    .bind(simulator.id)
    .execute(pool)
    .await?;
    let operators: Vec<Operator> = sqlx::query_as(
        "select o.id, o.badge, o.name, o.role
           from generate_series(1, $1) as n
           join operators o on o.badge = 'system:sim-' || lpad(n::text, 4, '0')
                           and o.role = 'system'
          order by n",
    )
    .bind(count)
    .fetch_all(pool)
    .await?;
    if operators.len() != usize::try_from(count).unwrap_or(0) {
        return Err(Error::Invalid(
            "a badge system:sim-NNNN is taken by an operator who is not a system actor".into(),
        ));
    }
    Ok(operators)
}

/// The simulator's tote rack: one picker at a time finds free totes and binds them, so that two
/// pickers building carts at once never take the same tote (the database sees a tote taken only
/// once it is bound, and binding does not lock the tote).
#[derive(Debug, Default)]
pub struct ToteDesk {
    building: tokio::sync::Mutex<()>,
}

impl ToteDesk {
    /// Up to `count` free totes (bound to no open or claimed batch), empty ones first. Call
    /// with the desk held.
    async fn free(pool: &PgPool, warehouse_id: i32, count: usize) -> Result<Vec<i32>> {
        Ok(sqlx::query_scalar(
            "select l.id from locations l
              where l.warehouse_id = $1 and l.kind = 'tote' and l.active
                and not exists (
                      select 1 from batch_orders bo
                        join pick_batches b on b.warehouse_id = bo.warehouse_id and b.id = bo.batch_id
                       where bo.warehouse_id = l.warehouse_id and bo.tote_location_id = l.id
                         and b.status in ('open', 'claimed'))
              order by exists (select 1 from stock s
                                where s.warehouse_id = l.warehouse_id and s.location_id = l.id
                                  and s.on_hand > 0),
                       l.code
              limit $2",
        )
        .bind(warehouse_id)
        .bind(i64::try_from(count).unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await?)
    }
}

/// Why a picker stopped before the run's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// No batch waits and the planner released none: the demo ran out of reserved orders.
    OutOfWork,
    /// Something the simulator cannot do or a refusal it cannot get past, in words.
    Stuck(String),
}

/// What a picker confirms next: units left of the current task, and where they go.
pub(crate) enum NextConfirm {
    /// Bin → the slot's tote.
    Pick {
        task_id: i64,
        tote: i32,
        quantity: i32,
    },
    /// A replenishment or put-back: from → to (a bin the simulator chose when the task names
    /// none).
    Move {
        task_id: i64,
        from: i32,
        to: i32,
        quantity: i32,
    },
}

impl NextConfirm {
    fn task_id(&self) -> i64 {
        match self {
            NextConfirm::Pick { task_id, .. } | NextConfirm::Move { task_id, .. } => *task_id,
        }
    }

    fn quantity(&self) -> i32 {
        match self {
            NextConfirm::Pick { quantity, .. } | NextConfirm::Move { quantity, .. } => *quantity,
        }
    }
}

/// One simulated picker and the batch it holds.
pub struct SimPicker {
    pub number: usize,
    pub operator: Operator,
    warehouse_id: i32,
    terminal: String,
    work: Option<BatchWork>,
    pub batches_finished: usize,
    pub units: i64,
}

impl SimPicker {
    pub fn new(number: usize, operator: Operator, warehouse_id: i32) -> SimPicker {
        SimPicker {
            number,
            operator,
            warehouse_id,
            terminal: format!("SIM-{number}"),
            work: None,
            batches_finished: 0,
            units: 0,
        }
    }

    /// Gets work if it holds none (or what it holds is done), builds the cart, and says what to
    /// confirm next. Nothing here is timed: only confirms are.
    pub(crate) async fn prepare(
        &mut self,
        pool: &PgPool,
        desk: &ToteDesk,
    ) -> Result<NextConfirm, Stop> {
        loop {
            if self.work.as_ref().is_none_or(BatchWork::is_finished) {
                let work = pick_work::get_work(pool, self.warehouse_id, &self.operator)
                    .await
                    .map_err(|e| Stop::Stuck(format!("get work: {e}")))?;
                match work {
                    None => return Err(Stop::OutOfWork),
                    Some(work) if work.is_finished() => {
                        return Err(Stop::Stuck(format!(
                            "batch {} was handed out with nothing left to do",
                            work.batch_id
                        )));
                    }
                    Some(work) => self.work = Some(work),
                }
            }
            self.build_cart(pool, desk).await?;
            let Some(work) = self.work.as_ref() else {
                continue;
            };
            let Some(task) = work.current_task() else {
                continue;
            };
            if task.kind != WorkKind::Pick {
                let (task_id, sku_id, from, to, quantity) = (
                    task.task_id,
                    task.sku_id,
                    task.from_location_id,
                    task.to_location_id,
                    task.units_left(),
                );
                let to = match to {
                    Some(to) => to,
                    None => self
                        .bin_for(pool, sku_id)
                        .await
                        .map_err(|e| Stop::Stuck(format!("choosing a bin to put to: {e}")))?,
                };
                return Ok(NextConfirm::Move {
                    task_id,
                    from,
                    to,
                    quantity,
                });
            }
            let tote = task
                .slot
                .and_then(|slot| work.slot(slot))
                .and_then(|slot| slot.tote_location_id)
                .ok_or_else(|| {
                    Stop::Stuck(format!(
                        "task {} of batch {} has no tote",
                        task.task_id, work.batch_id
                    ))
                })?;
            return Ok(NextConfirm::Pick {
                task_id: task.task_id,
                tote,
                quantity: task.units_left(),
            });
        }
    }

    /// Where a put-back that names no bin goes: the SKU's first bin on the walk, else the first
    /// active bin.
    async fn bin_for(&self, pool: &PgPool, sku_id: i32) -> Result<i32> {
        Ok(sqlx::query_scalar(
            "select l.id from locations l
              where l.warehouse_id = $1 and l.kind = 'bin' and l.active
              order by exists (select 1 from stock s
                                where s.warehouse_id = l.warehouse_id and s.location_id = l.id
                                  and s.sku_id = $2) desc,
                       l.pick_sequence nulls last, l.code
              limit 1",
        )
        .bind(self.warehouse_id)
        .bind(sku_id)
        .fetch_one(pool)
        .await?)
    }

    /// Binds a free tote to every slot still without one.
    async fn build_cart(&mut self, pool: &PgPool, desk: &ToteDesk) -> Result<(), Stop> {
        let Some(work) = self.work.as_mut() else {
            return Ok(());
        };
        let unbound: Vec<i32> = work
            .slots
            .iter()
            .filter(|s| s.tote_location_id.is_none())
            .map(|s| s.slot)
            .collect();
        if unbound.is_empty() {
            return Ok(());
        }
        let _building = desk.building.lock().await;
        let totes = ToteDesk::free(pool, self.warehouse_id, unbound.len())
            .await
            .map_err(|e| Stop::Stuck(format!("finding free totes: {e}")))?;
        if totes.len() < unbound.len() {
            return Err(Stop::Stuck(format!(
                "batch {} needs {} totes, {} are free",
                work.batch_id,
                unbound.len(),
                totes.len()
            )));
        }
        for (&slot, &tote) in unbound.iter().zip(&totes) {
            pick_batches::bind_tote(
                pool,
                self.warehouse_id,
                work.batch_id,
                slot,
                tote,
                &self.operator,
            )
            .await
            .map_err(|e| Stop::Stuck(format!("binding a tote: {e}")))?;
            if let Some(s) = work.slots.iter_mut().find(|s| s.slot == slot) {
                s.tote_location_id = Some(tote);
            }
        }
        Ok(())
    }

    /// Confirms the next task's units left; returns how long the database took to answer.
    pub(crate) async fn confirm(&mut self, pool: &PgPool, next: &NextConfirm) -> Result<Duration> {
        let started = Instant::now();
        let (done_qty, batch_status) = match *next {
            NextConfirm::Pick {
                task_id,
                tote,
                quantity,
            } => {
                let confirm = PickConfirm {
                    task_id,
                    tote_location_id: tote,
                    quantity,
                    scan_id: Uuid::now_v7(),
                    terminal: self.terminal.clone(),
                    raw: format!("SIM tote {tote}"),
                };
                let progress =
                    pick_batches::confirm_pick(pool, self.warehouse_id, &self.operator, &confirm)
                        .await?;
                (progress.done_qty, Some(progress.batch_status))
            }
            NextConfirm::Move {
                task_id,
                from,
                to,
                quantity,
            } => {
                let confirm = MoveConfirm {
                    task_id,
                    from_location_id: from,
                    to_location_id: to,
                    quantity,
                    scan_id: Uuid::now_v7(),
                    terminal: self.terminal.clone(),
                    raw: format!("SIM location {to}"),
                };
                let progress =
                    floor_tasks::confirm_move(pool, self.warehouse_id, &self.operator, &confirm)
                        .await?;
                (progress.done_qty, progress.batch_status)
            }
        };
        let took = started.elapsed();
        self.units += i64::from(next.quantity());
        if let Some(work) = self.work.as_mut() {
            if let Some(task) = work.tasks.iter_mut().find(|t| t.task_id == next.task_id()) {
                task.done_qty = done_qty;
            }
            if batch_status.as_deref() == Some("done") {
                self.batches_finished += 1;
                self.work = None;
            }
        }
        Ok(took)
    }

    /// Confirms what [`SimPicker::prepare`] found; `Err` when the picker must stop.
    pub(crate) async fn confirm_next(
        &mut self,
        pool: &PgPool,
        next: &NextConfirm,
    ) -> Result<Duration, Stop> {
        self.confirm(pool, next)
            .await
            .map_err(|e| Stop::Stuck(format!("confirming task {}: {e}", next.task_id())))
    }

    /// Hands back a batch still held at the end of the run, so that people can finish it.
    pub async fn give_back(&mut self, pool: &PgPool) -> Result<()> {
        if let Some(work) = self.work.take() {
            pick_batches::give_back(pool, self.warehouse_id, work.batch_id, &self.operator).await?;
        }
        Ok(())
    }
}
