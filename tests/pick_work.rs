//! The work a picker's terminal holds, on the demo warehouse: a claimed batch loads with its
//! cart slots and tasks as the database has them; "Get work" releases batches when none waits;
//! and a replenishment the bins need is handed out before the picks that wait for it.

mod common;

use aisle::db::floor_tasks::{self, MoveConfirm};
use aisle::db::operators::{self, Operator, SystemActor};
use aisle::db::pick_batches::{self, PickConfirm};
use aisle::db::{pick_work, planner};
use aisle::domain::pick_work::WorkKind;
use common::floor::{
    Floor, Totes, assert_invariants, claimed_batch_with, demo_warehouse, operator, planner_actor,
};
use uuid::Uuid;

#[tokio::test]
async fn a_claimed_batch_loads_as_the_database_holds_it() {
    let db = common::fresh_db().await;
    let Floor {
        wh, batch, picker, ..
    } = claimed_batch_with(&db.pool, 2, Totes::None).await;
    let work = pick_work::load(&db.pool, wh, batch).await.unwrap().unwrap();
    assert_eq!(work.batch_id, batch);
    let lease: i32 = sqlx::query_scalar("select pick_lease_seconds from warehouses where id = $1")
        .bind(wh)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(work.lease_seconds, lease);
    assert!(work.route_m.is_some_and(|m| m > 0.0));

    // Slots in slot order, each with its order's channel reference and no tote yet.
    let slots: Vec<(i32, i64, String)> = sqlx::query_as(
        "select bo.slot, bo.order_id, coalesce(o.reference, o.external_id) from batch_orders bo
           join orders o on o.warehouse_id = bo.warehouse_id and o.id = bo.order_id
          where bo.warehouse_id = $1 and bo.batch_id = $2 order by bo.slot",
    )
    .bind(wh)
    .bind(batch)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert!(!slots.is_empty());
    assert_eq!(
        work.slots
            .iter()
            .map(|s| (s.slot, s.order_id, s.order_ref.clone()))
            .collect::<Vec<_>>(),
        slots
    );
    assert!(work.slots.iter().all(|s| s.tote.is_none()));

    // Tasks in route order with their bins, SKUs, quantities and slots.
    let tasks: Vec<(i64, i32, String, String, i32, i32, i64)> = sqlx::query_as(
        "select t.id, t.seq, l.code, k.code, t.quantity, bo.slot,
                (select count(*) from barcodes b where b.sku_id = t.sku_id)
           from tasks t
           join locations l on l.warehouse_id = t.warehouse_id and l.id = t.from_location_id
           join skus k on k.id = t.sku_id
           join order_lines ol on ol.warehouse_id = t.warehouse_id and ol.id = t.order_line_id
           join batch_orders bo on bo.warehouse_id = t.warehouse_id and bo.batch_id = t.batch_id
                               and bo.order_id = ol.order_id
          where t.warehouse_id = $1 and t.batch_id = $2 order by t.seq",
    )
    .bind(wh)
    .bind(batch)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(work.tasks.len(), tasks.len());
    for (task, (id, seq, bin, sku, quantity, slot, barcodes)) in work.tasks.iter().zip(&tasks) {
        assert_eq!(task.task_id, *id);
        assert_eq!(task.kind, WorkKind::Pick);
        assert_eq!(task.seq, *seq);
        assert_eq!(&task.from_location, bin);
        assert_eq!(&task.sku, sku);
        assert_eq!(task.quantity, *quantity);
        assert_eq!(task.done_qty, 0);
        assert_eq!(task.slot, Some(*slot));
        assert_eq!(task.to_location_id, None);
        assert_eq!(task.barcodes.len() as i64, *barcodes);
        assert!(
            task.barcodes
                .iter()
                .all(|b| b.gtin.len() == 14 && b.units >= 1)
        );
        assert_eq!(
            task.scan_each, task.lot_controlled,
            "the demo scans its lot-controlled SKUs unit by unit"
        );
    }
    assert_eq!(work.position(), (1, tasks.len()));

    // Bind the first task's tote, pick it, and load again: the tote and the progress show.
    let first = &work.tasks[0];
    let slot = first.slot.unwrap();
    let tote: (i32, String) = sqlx::query_as(
        "select id, code from locations where warehouse_id = $1 and code = 'TOTE-0001'",
    )
    .bind(wh)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    pick_batches::bind_tote(&db.pool, wh, batch, slot, tote.0, &picker)
        .await
        .unwrap();
    pick_batches::confirm_pick(
        &db.pool,
        wh,
        &picker,
        &PickConfirm {
            task_id: first.task_id,
            tote_location_id: tote.0,
            quantity: first.quantity,
            scan_id: Uuid::now_v7(),
            terminal: "test".into(),
            raw: tote.1.clone(),
        },
    )
    .await
    .unwrap();
    let again = pick_work::load(&db.pool, wh, batch).await.unwrap().unwrap();
    let bound = again.slot(slot).unwrap();
    assert_eq!(bound.tote_location_id, Some(tote.0));
    assert_eq!(bound.tote.as_deref(), Some(tote.1.as_str()));
    assert!(again.tasks[0].is_finished(), "done tasks stay in the list");
    assert_eq!(again.tasks.len(), tasks.len());
    if tasks.len() > 1 {
        assert_eq!(again.position(), (2, tasks.len()));
    }

    // A batch that is not there loads as nothing.
    assert!(pick_work::load(&db.pool, wh, -1).await.unwrap().is_none());
}

#[tokio::test]
async fn get_work_releases_batches_when_none_waits() {
    let db = common::fresh_db().await;
    let wh = demo_warehouse(&db.pool).await;
    let batches: i64 = sqlx::query_scalar("select count(*) from pick_batches")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(batches, 0, "the demo starts with nothing released");
    let picker = operator(&db.pool, "P1001").await;
    let work = pick_work::get_work(&db.pool, wh, &picker)
        .await
        .unwrap()
        .expect("work released on demand");
    assert!(!work.tasks.is_empty() && !work.slots.is_empty());
    let (claimed_by, released_by): (Option<i32>, String) = sqlx::query_as(
        "select b.claimed_by, o.badge from pick_batches b join operators o on o.id = b.released_by
          where b.id = $1",
    )
    .bind(work.batch_id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(claimed_by, Some(picker.id));
    assert_eq!(released_by, "system:planner");
    let batches: Vec<(i64, i32, String, i64)> = sqlx::query_as(
        "select b.id, b.priority, b.status::text,
                (select count(*) from batch_orders bo where bo.batch_id = b.id)
           from pick_batches b where b.warehouse_id = $1 order by b.id",
    )
    .bind(wh)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let pick_batches = batches.iter().filter(|b| b.3 > 0).count();
    assert!(
        (1..=pick_work::RELEASE_ON_DEMAND).contains(&pick_batches),
        "{batches:?}"
    );
    let released = batches.len() as i64;

    // Asking again hands back the same batch (its lease renewed), releasing nothing more.
    let again = pick_work::get_work(&db.pool, wh, &picker)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.batch_id, work.batch_id);
    let after: i64 = sqlx::query_scalar("select count(*) from pick_batches")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(after, released);
}

#[tokio::test]
async fn a_replenishment_is_handed_out_before_the_picks_that_need_it() {
    let db = common::fresh_db().await;
    let wh = demo_warehouse(&db.pool).await;
    let planner_actor = planner_actor(&db.pool).await;
    // The most urgent reserved order's SKU: every bin of it emptied into a reserve location,
    // so that only the reserve can cover the order.
    let (order_id, sku_id): (i64, i32) = sqlx::query_as(
        "select o.id, l.sku_id from orders o
           join order_lines l on l.warehouse_id = o.warehouse_id and l.order_id = o.id
          where o.warehouse_id = $1 and o.status = 'reserved' and l.requires_shipping
          order by o.priority desc, o.due_at nulls last, o.ordered_at, o.id limit 1",
    )
    .bind(wh)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let reserve: i32 = sqlx::query_scalar(
        "select id from locations where warehouse_id = $1 and kind = 'reserve' order by code limit 1",
    )
    .bind(wh)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let admin = operators::system_actor(&db.pool, SystemActor::Demo)
        .await
        .unwrap();
    let bins: Vec<(i32, String, i32)> = sqlx::query_as(
        "select s.location_id, s.lot, s.on_hand from stock s
           join locations l on l.warehouse_id = s.warehouse_id and l.id = s.location_id
          where s.warehouse_id = $1 and s.sku_id = $2 and l.kind = 'bin' and s.on_hand > 0",
    )
    .bind(wh)
    .bind(sku_id)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    for (bin, lot, on_hand) in bins {
        sqlx::query(
            "select aisle_move($1, $2, $3, $4, $5, nullif($6, ''), $7, 'test: empty the bins')",
        )
        .bind(wh)
        .bind(sku_id)
        .bind(bin)
        .bind(reserve)
        .bind(on_hand)
        .bind(&lot)
        .bind(admin.id)
        .execute(&db.pool)
        .await
        .unwrap();
    }

    let report = planner::release(&db.pool, wh, &planner_actor, 5)
        .await
        .unwrap();
    assert!(report.replenishments_created >= 1, "{report:?}");
    assert!(!report.batches.is_empty());
    let move_batch: i64 = sqlx::query_scalar(
        "select batch_id from tasks
          where warehouse_id = $1 and kind = 'replenish' and sku_id = $2 and status = 'open'",
    )
    .bind(wh)
    .bind(sku_id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(
        report.move_batches.iter().any(|b| b.id == move_batch),
        "{report:?}"
    );
    // Ranked above every pick batch (the order is the most urgent): handed out first, although
    // released in the same run.
    let (move_priority, top_pick): (i32, i32) = sqlx::query_as(
        "select (select priority from pick_batches where id = $1),
                (select max(priority) from pick_batches b
                  where exists (select 1 from batch_orders bo where bo.batch_id = b.id))",
    )
    .bind(move_batch)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(move_priority > top_pick, "{move_priority} vs {top_pick}");

    let replenisher = operator(&db.pool, "P1001").await;
    let work = pick_work::get_work(&db.pool, wh, &replenisher)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(work.batch_id, move_batch);
    assert!(work.slots.is_empty(), "a replenishment batch has no cart");
    let seqs: Vec<i32> = work.tasks.iter().map(|t| t.seq).collect();
    assert_eq!(seqs, (1..=work.tasks.len() as i32).collect::<Vec<_>>());
    let task = work.tasks.iter().find(|t| t.sku_id == sku_id).unwrap();
    assert_eq!(task.kind, WorkKind::Replenish);
    let from_kind: String =
        sqlx::query_scalar("select kind::text from locations where warehouse_id = $1 and id = $2")
            .bind(wh)
            .bind(task.from_location_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(from_kind, "reserve", "sent down from the reserve");
    assert!(task.to_location_id.is_some() && task.to_location.is_some());
    assert_eq!(task.slot, None);
    assert!(
        work.tasks
            .iter()
            .all(|t| t.kind != WorkKind::Pick && t.to_location_id.is_some())
    );

    // The next picker gets a pick batch; the order that needs the replenishment still waits.
    let picker = operator(&db.pool, "P1002").await;
    let other = pick_work::get_work(&db.pool, wh, &picker)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(other.batch_id, move_batch);
    assert!(other.slots.iter().all(|s| s.order_id != order_id));

    // The replenishments are done; the order goes in the next release, claimed after them.
    for task in &work.tasks {
        floor_tasks::confirm_move(
            &db.pool,
            wh,
            &replenisher,
            &MoveConfirm {
                task_id: task.task_id,
                from_location_id: task.from_location_id,
                to_location_id: task.to_location_id.unwrap(),
                quantity: task.quantity,
                scan_id: Uuid::now_v7(),
                terminal: "test".into(),
                raw: task.to_location.clone().unwrap(),
            },
        )
        .await
        .unwrap();
    }
    let status: String = sqlx::query_scalar("select status::text from pick_batches where id = $1")
        .bind(move_batch)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(status, "done");
    planner::release(&db.pool, wh, &planner_actor, 50)
        .await
        .unwrap();
    let needing: i64 = sqlx::query_scalar(
        "select batch_id from batch_orders where warehouse_id = $1 and order_id = $2",
    )
    .bind(wh)
    .bind(order_id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    // Pickers take batches in claim order until one takes the order's batch.
    let mut taken = false;
    for n in 1..=100 {
        let next: Operator = sqlx::query_as(
            "insert into operators (badge, name, role) values ('system:t-' || $1, 'Test picker', 'system')
             returning id, badge, name, role",
        )
        .bind(n)
        .fetch_one(&db.pool)
        .await
        .unwrap();
        match pick_batches::claim(&db.pool, wh, &next).await.unwrap() {
            Some(batch) if batch == needing => {
                taken = true;
                break;
            }
            Some(_) => {}
            None => break,
        }
    }
    assert!(taken, "the order's batch is handed out");
    let claims: Vec<String> = sqlx::query_scalar(
        "select subject from audit_log where action = 'batch.claim' and subject in ($1, $2)
          order by id",
    )
    .bind(move_batch.to_string())
    .bind(needing.to_string())
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(claims, vec![move_batch.to_string(), needing.to_string()]);
    assert_invariants(&db.pool).await;
}
