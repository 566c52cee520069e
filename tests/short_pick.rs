//! Short picks on the demo warehouse: the bin is counted down to what the picker found, the rest
//! of the task goes to another bin as a new task of the same batch or is backordered, a count
//! task is opened once, channel figures follow, a replay changes nothing and a batch that is
//! not the picker's is refused. Every invariant holds afterwards.

mod common;

use aisle::Error;
use aisle::db::exceptions;
use aisle::db::floor_tasks::{self, ShortPick};
use aisle::db::pick_batches::{self, PickConfirm};
use common::floor::{assert_invariants, claimed_batch};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
struct Task {
    id: i64,
    sku_id: i32,
    lot: String,
    from_location_id: i32,
    quantity: i32,
    done_qty: i32,
    order_line_id: i64,
    order_id: i64,
    tote: i32,
}

const TASKS: &str = "select t.id, t.sku_id, t.lot, t.from_location_id, t.quantity, t.done_qty,
                            t.order_line_id, l.order_id, bo.tote_location_id as tote
                       from tasks t
                       join order_lines l on l.warehouse_id = t.warehouse_id and l.id = t.order_line_id
                       join orders o on o.warehouse_id = l.warehouse_id and o.id = l.order_id
                       join channels c on c.id = o.channel_id
                       join batch_orders bo on bo.warehouse_id = t.warehouse_id
                                           and bo.batch_id = t.batch_id and bo.order_id = l.order_id";

/// The batch's open tasks in route order, those of orders whose channel does not ship in parts
/// first when `whole_orders_first`.
async fn open_tasks(pool: &PgPool, batch: i64, whole_orders_first: bool) -> Vec<Task> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{TASKS} where t.batch_id = $1 and t.status in ('open', 'in_progress')
          order by case when $2 then c.allows_partial_shipment else false end,
                   t.quantity - t.done_qty desc, t.seq"
    )))
    .bind(batch)
    .bind(whole_orders_first)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn task(pool: &PgPool, id: i64) -> (String, i32, i32) {
    sqlx::query_as("select status::text, quantity, done_qty from tasks where id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn on_hand(pool: &PgPool, location: i32, sku: i32, lot: &str) -> i32 {
    sqlx::query_scalar(
        "select coalesce(sum(on_hand), 0)::integer from stock
          where location_id = $1 and sku_id = $2 and lot = $3",
    )
    .bind(location)
    .bind(sku)
    .bind(lot)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn count_tasks(pool: &PgPool, location: i32, sku: i32) -> i64 {
    sqlx::query_scalar(
        "select count(*) from tasks where kind = 'count' and from_location_id = $1 and sku_id = $2
            and status in ('open', 'in_progress')",
    )
    .bind(location)
    .bind(sku)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// (channel, version, quantity) of every stock figure of a SKU.
async fn figures(pool: &PgPool, sku: i32) -> Vec<(i32, i64, Option<i32>)> {
    sqlx::query_as(
        "select channel_id, version, quantity from outbox
          where kind = 'stock' and sku_id = $1 order by channel_id",
    )
    .bind(sku)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn reserved(pool: &PgPool, line: i64) -> i32 {
    sqlx::query_scalar(
        "select coalesce(sum(quantity), 0)::integer from reservations where order_line_id = $1",
    )
    .bind(line)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Some empty active bin, to put stock of a SKU in a second place.
async fn empty_bin(pool: &PgPool, wh: i32) -> i32 {
    sqlx::query_scalar(
        "select l.id from locations l
          where l.warehouse_id = $1 and l.kind = 'bin' and l.active
            and not exists (select 1 from stock s where s.warehouse_id = l.warehouse_id
                                                    and s.location_id = l.id and s.on_hand > 0)
          order by l.pick_sequence desc nulls last limit 1",
    )
    .bind(wh)
    .fetch_one(pool)
    .await
    .unwrap()
}

fn short(task: i64, found: i32) -> ShortPick {
    ShortPick {
        task_id: task,
        found,
        scan_id: Uuid::now_v7(),
        terminal: "test-handheld".into(),
        raw: format!("SHORT {found}"),
    }
}

fn confirm(task: &Task, quantity: i32) -> PickConfirm {
    PickConfirm {
        task_id: task.id,
        tote_location_id: task.tote,
        quantity,
        scan_id: Uuid::now_v7(),
        terminal: "test-handheld".into(),
        raw: format!("TOTE {}", task.tote),
    }
}

#[tokio::test]
async fn an_empty_bin_sends_the_rest_to_another_bin_and_opens_one_count() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let floor = claimed_batch(pool).await;
    let t = open_tasks(pool, floor.batch, false).await[0].clone();
    let left = t.quantity - t.done_qty;
    // A second bin holds plenty of the SKU.
    let second = empty_bin(pool, floor.wh).await;
    sqlx::query("select aisle_receive($1, $2, $3, 50, $4, null, $5, 'test stock')")
        .bind(floor.wh)
        .bind(t.sku_id)
        .bind(second)
        .bind(&t.lot)
        .bind(floor.demo_actor.id)
        .execute(pool)
        .await
        .unwrap();
    let bin_before = on_hand(pool, t.from_location_id, t.sku_id, &t.lot).await;
    assert!(bin_before >= left);
    let figures_before = figures(pool, t.sku_id).await;
    let reserved_before = reserved(pool, t.order_line_id).await;
    let (max_seq, max_id): (i32, i64) =
        sqlx::query_as("select max(seq), max(id) from tasks where batch_id = $1")
            .bind(floor.batch)
            .fetch_one(pool)
            .await
            .unwrap();

    // First the bin holds one unit fewer than needed, if the task needs two or more; the task
    // keeps what is there.
    if left >= 2 {
        let out = floor_tasks::short_pick(pool, floor.wh, &floor.picker, &short(t.id, left - 1))
            .await
            .unwrap();
        assert_eq!(out.backordered_qty, 0);
        assert!(out.new_task_id.is_some());
        let (status, quantity, _) = task(pool, t.id).await;
        assert_eq!(status, t_status_open(t.done_qty));
        assert_eq!(quantity, t.done_qty + left - 1);
        assert_eq!(count_tasks(pool, t.from_location_id, t.sku_id).await, 1);
    }

    // Now the bin is empty.
    let (_, quantity, done) = task(pool, t.id).await;
    assert!(quantity > done);
    let bin_now = on_hand(pool, t.from_location_id, t.sku_id, &t.lot).await;
    let shorted = short(t.id, 0);
    let out = floor_tasks::short_pick(pool, floor.wh, &floor.picker, &shorted)
        .await
        .unwrap();
    assert_eq!(out.backordered_qty, 0, "{out:?}");
    assert_eq!(out.batch_status, "claimed");
    let new_task = out.new_task_id.expect("a new task from another bin");
    assert_eq!(out.task_status, "cancelled");
    assert_eq!(task(pool, t.id).await.0, "cancelled");

    // The new tasks of the batch take the whole task from other bins, same line, after the route.
    let added: Vec<(i64, i32, i32, i64, i32)> = sqlx::query_as(
        "select id, from_location_id, quantity, order_line_id, seq from tasks
          where batch_id = $1 and kind = 'pick' and id > $2 order by id",
    )
    .bind(floor.batch)
    .bind(max_id)
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(added.iter().any(|a| a.0 == new_task));
    assert!(added.iter().all(|a| a.1 != t.from_location_id));
    assert!(added.iter().all(|a| a.3 == t.order_line_id));
    assert!(added.iter().all(|a| a.4 > max_seq));
    assert_eq!(added.iter().map(|a| a.2).sum::<i32>(), left);
    // The line keeps its reservation: the units come from elsewhere.
    assert_eq!(reserved(pool, t.order_line_id).await, reserved_before);

    // The bin was counted down to nothing, with a count row in the ledger.
    assert_eq!(on_hand(pool, t.from_location_id, t.sku_id, &t.lot).await, 0);
    let (kind, quantity, from, reason): (String, i32, Option<i32>, Option<String>) =
        sqlx::query_as(
            "select kind::text, quantity, from_location_id, reason from ledger where scan_id = $1",
        )
        .bind(shorted.scan_id)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(
        (kind.as_str(), quantity, from, reason.as_deref()),
        (
            "count",
            bin_now,
            Some(t.from_location_id),
            Some("short pick")
        )
    );

    // One open count task for the bin, however many shorts.
    assert_eq!(count_tasks(pool, t.from_location_id, t.sku_id).await, 1);

    // The lost units left every channel's figure lower, with a new version.
    let figures_after = figures(pool, t.sku_id).await;
    assert!(!figures_after.is_empty(), "the SKU is listed somewhere");
    assert!(
        figures_after
            .iter()
            .any(|(channel, version, _)| figures_before
                .iter()
                .find(|(c, _, _)| c == channel)
                .is_none_or(|(_, v, _)| version > v)),
        "before {figures_before:?}, after {figures_after:?}"
    );

    // The supervisor sees the shorts.
    let open = exceptions::open(pool, floor.wh).await.unwrap();
    assert!(
        open.iter()
            .any(|e| e.kind == "short_pick" && e.scan_id == Some(shorted.scan_id)),
        "{open:?}"
    );
    assert_invariants(pool).await;

    // The new task is picked like any other, and the batch finishes.
    let new: Task = sqlx::query_as(sqlx::AssertSqlSafe(format!("{TASKS} where t.id = $1")))
        .bind(new_task)
        .fetch_one(pool)
        .await
        .unwrap();
    let progress =
        pick_batches::confirm_pick(pool, floor.wh, &floor.picker, &confirm(&new, new.quantity))
            .await
            .unwrap();
    assert_eq!(progress.task_status, "done");
    assert_invariants(pool).await;
}

fn t_status_open(done: i32) -> &'static str {
    if done > 0 { "in_progress" } else { "open" }
}

#[tokio::test]
async fn with_no_other_bin_the_line_is_backordered_and_the_order_says_so() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let floor = claimed_batch(pool).await;
    // A task of an order whose channel does not ship in parts.
    let t = open_tasks(pool, floor.batch, true).await[0].clone();
    let partial: bool = sqlx::query_scalar(
        "select c.allows_partial_shipment from orders o join channels c on c.id = o.channel_id
          where o.id = $1",
    )
    .bind(t.order_id)
    .fetch_one(pool)
    .await
    .unwrap();
    let left = t.quantity - t.done_qty;
    // Every other bin's units of the SKU go to reserve: still sellable, but no bin holds them.
    let reserve: i32 = sqlx::query_scalar(
        "select id from locations where warehouse_id = $1 and kind = 'reserve' and active
          order by id limit 1",
    )
    .bind(floor.wh)
    .fetch_one(pool)
    .await
    .unwrap();
    let others: Vec<(i32, String, i32)> = sqlx::query_as(
        "select s.location_id, s.lot, s.on_hand from stock s
           join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
          where s.warehouse_id = $1 and s.sku_id = $2 and l.kind = 'bin' and s.on_hand > 0
            and s.location_id <> $3",
    )
    .bind(floor.wh)
    .bind(t.sku_id)
    .bind(t.from_location_id)
    .fetch_all(pool)
    .await
    .unwrap();
    for (location, lot, quantity) in others {
        sqlx::query("select aisle_move($1, $2, $3, $4, $5, $6, $7, 'test: empty the other bins')")
            .bind(floor.wh)
            .bind(t.sku_id)
            .bind(location)
            .bind(reserve)
            .bind(quantity)
            .bind(lot)
            .bind(floor.demo_actor.id)
            .execute(pool)
            .await
            .unwrap();
    }
    let reserved_before = reserved(pool, t.order_line_id).await;
    let position_before: (i32, i32) = sqlx::query_as(
        "select sellable_on_hand, open_reserved from sku_positions where sku_id = $1",
    )
    .bind(t.sku_id)
    .fetch_one(pool)
    .await
    .unwrap();
    let bin_before = on_hand(pool, t.from_location_id, t.sku_id, &t.lot).await;

    let out = floor_tasks::short_pick(pool, floor.wh, &floor.picker, &short(t.id, 0))
        .await
        .unwrap();
    assert_eq!(out.new_task_id, None);
    assert_eq!(out.backordered_qty, left);
    assert_eq!(
        reserved(pool, t.order_line_id).await,
        reserved_before - left
    );
    let position_after: (i32, i32) = sqlx::query_as(
        "select sellable_on_hand, open_reserved from sku_positions where sku_id = $1",
    )
    .bind(t.sku_id)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(position_after.0, position_before.0 - bin_before);
    assert!(position_after.1 <= position_before.1 - left);

    // The order's other picks go on; once none is left it is backordered (or picked in part
    // where its channel ships in parts).
    for other in open_tasks(pool, floor.batch, false).await {
        if other.order_id == t.order_id {
            pick_batches::confirm_pick(
                pool,
                floor.wh,
                &floor.picker,
                &confirm(&other, other.quantity - other.done_qty),
            )
            .await
            .unwrap();
        }
    }
    let status: String = sqlx::query_scalar("select status::text from orders where id = $1")
        .bind(t.order_id)
        .fetch_one(pool)
        .await
        .unwrap();
    let picked_any: bool = sqlx::query_scalar(
        "select coalesce(sum(picked_qty), 0) > 0 from order_lines where order_id = $1",
    )
    .bind(t.order_id)
    .fetch_one(pool)
    .await
    .unwrap();
    let expected = if partial && picked_any {
        "picked"
    } else {
        "backordered"
    };
    assert_eq!(status, expected);
    let short_line: i32 = sqlx::query_scalar(
        "select quantity - cancelled_qty - picked_qty from order_lines where id = $1",
    )
    .bind(t.order_line_id)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(short_line, left);
    assert_invariants(pool).await;
}

#[tokio::test]
async fn a_replayed_short_changes_nothing() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let floor = claimed_batch(pool).await;
    let t = open_tasks(pool, floor.batch, false).await[0].clone();
    let once = short(t.id, 0);
    let first = floor_tasks::short_pick(pool, floor.wh, &floor.picker, &once)
        .await
        .unwrap();
    let counts = || async {
        sqlx::query_as::<_, (i64, i64, i64, i64)>(
            "select (select count(*) from ledger), (select count(*) from tasks),
                    (select count(*) from exceptions), (select coalesce(sum(version), 0)::bigint from outbox)",
        )
        .fetch_one(pool)
        .await
        .unwrap()
    };
    let before = counts().await;
    let again = floor_tasks::short_pick(pool, floor.wh, &floor.picker, &once)
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(counts().await, before);
    assert_invariants(pool).await;
}

#[tokio::test]
async fn a_short_on_a_batch_that_is_not_yours_is_refused() {
    let db = common::fresh_db().await;
    let pool = &db.pool;
    let floor = claimed_batch(pool).await;
    let t = open_tasks(pool, floor.batch, false).await[0].clone();
    let err = floor_tasks::short_pick(pool, floor.wh, &floor.other, &short(t.id, 0))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TakenOver(_)), "{err}");
    let ledger: i64 = sqlx::query_scalar("select count(*) from ledger where kind = 'count'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(ledger, 0);
    // Too many found is no short at all.
    let err = floor_tasks::short_pick(
        pool,
        floor.wh,
        &floor.picker,
        &short(t.id, t.quantity - t.done_qty),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("expected the units found from 0 to"),
        "{err}"
    );
    assert_invariants(pool).await;
}
