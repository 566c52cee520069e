//! The inventory core against a real Postgres: receive, move, adjust, reservations and channel
//! figures, refused input that changes nothing, and 32 concurrent connections on one SKU.

mod common;
mod fixture;

use aisle::Error;
use aisle::db::invariants;
use aisle::db::inventory::{self, Adjustment, Receipt, Transfer};
use chrono::NaiveDate;
use fixture::{Fixture, order, order_status, small_warehouse, snapshot};
use sqlx::PgPool;

fn receipt(f: &Fixture, location: &str, quantity: i32) -> Receipt {
    Receipt {
        sku: f.sku.clone(),
        location: location.into(),
        quantity,
        ..Receipt::default()
    }
}

async fn figure(pool: &PgPool, channel: &str, sku: &str) -> i32 {
    sqlx::query_scalar(
        "select o.quantity from outbox o join channels c on c.id = o.channel_id
          join skus s on s.id = o.sku_id where c.name = $1 and s.code = $2 and o.kind = 'stock'",
    )
    .bind(channel)
    .bind(sku)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn assert_invariants(pool: &PgPool) {
    let found = invariants::violations(pool).await.unwrap();
    assert!(found.is_empty(), "invariants broken: {found:#?}");
}

#[tokio::test]
async fn receive_move_adjust_keep_ledger_positions_and_channel_figures() {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    let wh = f.warehouse_id;

    let out = inventory::receive(&db.pool, wh, &f.picker, &receipt(&f, &f.bins[0], 20))
        .await
        .unwrap();
    assert_eq!(out.locations[0].on_hand, 20);
    assert_eq!((out.sellable_on_hand, out.available), (20, 20));
    assert_eq!(figure(&db.pool, "shopify-main", &f.sku).await, 20);
    assert_eq!(figure(&db.pool, "amazon-us", &f.sku).await, 14); // floor(20 * 0.8) - 2
    assert_eq!(figure(&db.pool, "edi-bigbox", &f.sku).await, 7); // capped

    // Bin to bin leaves sellable stock alone; bin to tote takes it out of what can be sold.
    let bin_to_bin = Transfer {
        sku: f.sku_gtin.clone(),
        from: f.bins[0].clone(),
        to: f.bins[1].clone(),
        quantity: 5,
        ..Transfer::default()
    };
    let out = inventory::transfer(&db.pool, wh, &f.picker, &bin_to_bin)
        .await
        .unwrap();
    assert_eq!(
        (
            out.locations[0].on_hand,
            out.locations[1].on_hand,
            out.sellable_on_hand
        ),
        (15, 5, 20)
    );
    let to_tote = Transfer {
        sku: f.sku.clone(),
        from: f.bins[1].clone(),
        to: f.tote.clone(),
        quantity: 3,
        ..Transfer::default()
    };
    let out = inventory::transfer(&db.pool, wh, &f.picker, &to_tote)
        .await
        .unwrap();
    assert_eq!((out.sellable_on_hand, out.available), (17, 17));
    assert_eq!(figure(&db.pool, "amazon-us", &f.sku).await, 11); // floor(17 * 0.8) - 2

    let damaged = Adjustment {
        sku: f.sku.clone(),
        location: f.bins[1].clone(),
        delta: -2,
        reason: "damaged".into(),
        ..Adjustment::default()
    };
    let out = inventory::adjust(&db.pool, wh, &f.supervisor, &damaged)
        .await
        .unwrap();
    assert_eq!((out.locations[0].on_hand, out.available), (0, 15));
    assert_eq!(figure(&db.pool, "shopify-main", &f.sku).await, 15);

    let kinds: Vec<(String, i32)> =
        sqlx::query_as("select kind::text, quantity from ledger order by id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        kinds,
        vec![
            ("receive".into(), 20),
            ("move".into(), 5),
            ("move".into(), 3),
            ("adjust".into(), 2)
        ]
    );
    let actors: Vec<String> = sqlx::query_scalar(
        "select o.badge from ledger l join operators o on o.id = l.actor_id order by l.id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(actors, ["P1", "P1", "P1", "S1"]);
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn lots_are_required_kept_and_carry_their_expiry() {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    let wh = f.warehouse_id;
    let no_lot = Receipt {
        sku: f.lot_sku.clone(),
        location: f.bins[2].clone(),
        quantity: 4,
        ..Receipt::default()
    };
    let err = inventory::receive(&db.pool, wh, &f.picker, &no_lot)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LotRule(_)), "{err}");

    let expiry = NaiveDate::from_ymd_opt(2027, 3, 31).unwrap();
    let with_lot = Receipt {
        lot: Some("l2403".into()),
        expiry: Some(expiry),
        ..no_lot
    };
    let out = inventory::receive(&db.pool, wh, &f.picker, &with_lot)
        .await
        .unwrap();
    assert_eq!(out.lot, "L2403");
    let moved = Transfer {
        sku: f.lot_sku.clone(),
        from: f.bins[2].clone(),
        to: f.reserve.clone(),
        quantity: 3,
        lot: Some("L2403".into()),
        ..Transfer::default()
    };
    inventory::transfer(&db.pool, wh, &f.picker, &moved)
        .await
        .unwrap();
    let kept: (String, NaiveDate, i32) = sqlx::query_as(
        "select s.lot, s.expiry, s.on_hand from stock s join locations l on l.id = s.location_id where l.code = $1",
    )
    .bind(&f.reserve)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(kept, ("L2403".into(), expiry, 3));

    let plain_with_lot = Receipt {
        lot: Some("X1".into()),
        ..receipt(&f, &f.bins[0], 1)
    };
    let err = inventory::receive(&db.pool, wh, &f.picker, &plain_with_lot)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LotRule(_)), "{err}");
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn refused_changes_say_why_and_change_nothing() {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    let wh = f.warehouse_id;
    inventory::receive(&db.pool, wh, &f.picker, &receipt(&f, &f.bins[0], 5))
        .await
        .unwrap();
    let before = snapshot(&db.pool).await;

    let unknown_sku = Receipt {
        sku: "NO-SUCH".into(),
        ..receipt(&f, &f.bins[0], 1)
    };
    let err = inventory::receive(&db.pool, wh, &f.picker, &unknown_sku)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownSku(_)), "{err}");

    let bad_check_digit = Receipt {
        sku: "012345678904".into(),
        ..receipt(&f, &f.bins[0], 1)
    };
    let err = inventory::receive(&db.pool, wh, &f.picker, &bad_check_digit)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("check digit"), "{err}");

    let err = inventory::receive(&db.pool, wh, &f.picker, &receipt(&f, "Z-99-99-9", 1))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UnknownLocation(_)), "{err}");

    let too_many = Adjustment {
        sku: f.sku.clone(),
        location: f.bins[0].clone(),
        delta: -6,
        reason: "count".into(),
        ..Adjustment::default()
    };
    let err = inventory::adjust(&db.pool, wh, &f.supervisor, &too_many)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InsufficientStock(_)), "{err}");
    assert!(err.to_string().contains("holds 5"), "{err}");

    let overdraw = Transfer {
        sku: f.sku.clone(),
        from: f.bins[0].clone(),
        to: f.bins[1].clone(),
        quantity: 9,
        ..Transfer::default()
    };
    let err = inventory::transfer(&db.pool, wh, &f.picker, &overdraw)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InsufficientStock(_)), "{err}");

    let by_picker = Adjustment {
        delta: -1,
        ..too_many.clone()
    };
    let err = inventory::adjust(&db.pool, wh, &f.picker, &by_picker)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotAllowed { .. }), "{err}");

    let no_reason = Adjustment {
        reason: " ".into(),
        ..by_picker.clone()
    };
    let err = inventory::adjust(&db.pool, wh, &f.supervisor, &no_reason)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err}");

    let err = inventory::receive(&db.pool, wh, &f.picker, &receipt(&f, &f.bins[0], 0))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err}");

    assert_eq!(snapshot(&db.pool).await, before);
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn short_stock_backorders_visibly_and_arrivals_fill_the_most_urgent_first() {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    let wh = f.warehouse_id;
    inventory::receive(&db.pool, wh, &f.picker, &receipt(&f, &f.bins[0], 10))
        .await
        .unwrap();

    let first = order(&db.pool, &f, "#1001", &f.sku, 6, 0).await;
    let second = order(&db.pool, &f, "#1002", &f.sku, 6, 0).await;
    assert_eq!(order_status(&db.pool, &f, first).await, "reserved");
    assert_eq!(order_status(&db.pool, &f, second).await, "backordered");
    assert_eq!(figure(&db.pool, "shopify-main", &f.sku).await, 0);

    // Six units found broken: the least urgent order gives its units back first.
    let broken = Adjustment {
        sku: f.sku.clone(),
        location: f.bins[0].clone(),
        delta: -6,
        reason: "broken".into(),
        ..Adjustment::default()
    };
    let out = inventory::adjust(&db.pool, wh, &f.supervisor, &broken)
        .await
        .unwrap();
    assert_eq!((out.sellable_on_hand, out.open_reserved), (4, 4));
    assert_eq!(order_status(&db.pool, &f, first).await, "backordered");
    assert_eq!(order_status(&db.pool, &f, second).await, "backordered");
    let reserved: Vec<i32> =
        sqlx::query_scalar("select quantity from reservations order by order_line_id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(reserved, [4, 0]);

    // A higher-priority order arriving short waits behind nobody when stock comes in.
    let urgent = order(&db.pool, &f, "#1003", &f.sku, 3, 5).await;
    assert_eq!(order_status(&db.pool, &f, urgent).await, "backordered");
    inventory::receive(&db.pool, wh, &f.picker, &receipt(&f, &f.bins[1], 5))
        .await
        .unwrap();
    assert_eq!(order_status(&db.pool, &f, urgent).await, "reserved");
    assert_eq!(order_status(&db.pool, &f, first).await, "reserved");
    assert_eq!(order_status(&db.pool, &f, second).await, "backordered");

    // Cancelling releases the reservation and hands the units on.
    let released: i32 = sqlx::query_scalar("select aisle_release_order($1, $2)")
        .bind(wh)
        .bind(first)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(released, 6);
    assert_eq!(order_status(&db.pool, &f, second).await, "reserved");
    assert_invariants(&db.pool).await;
}

/// A small, seedable generator: tests stay reproducible without another dependency.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % sides
    }
}

#[tokio::test]
async fn thirty_two_connections_on_one_sku_never_break_the_invariants() {
    let _heavy = common::heavy_lock().await;
    let db = common::fresh_db_with(34).await;
    let f = std::sync::Arc::new(small_warehouse(&db.pool).await);
    let wh = f.warehouse_id;
    for bin in &f.bins {
        inventory::receive(&db.pool, wh, &f.picker, &receipt(&f, bin, 10))
            .await
            .unwrap();
    }
    for n in 0..6 {
        order(&db.pool, &f, &format!("#20{n}"), &f.sku, 4, n % 3).await;
    }

    let mut tasks = Vec::new();
    for worker in 0..32u64 {
        let pool = db.pool.clone();
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ ((worker + 1) * 7919));
            let (mut applied, mut refused) = (0, 0);
            for _ in 0..25 {
                let bin = f.bins[dice.roll(4) as usize].clone();
                let other = f.bins[dice.roll(4) as usize].clone();
                let result = match dice.roll(4) {
                    0 => {
                        inventory::receive(
                            &pool,
                            wh,
                            &f.picker,
                            &receipt(&f, &bin, 1 + dice.roll(4) as i32),
                        )
                        .await
                    }
                    1 => {
                        let to = if other == bin {
                            f.reserve.clone()
                        } else {
                            other
                        };
                        let t = Transfer {
                            sku: f.sku.clone(),
                            from: bin,
                            to,
                            quantity: 1 + dice.roll(3) as i32,
                            ..Transfer::default()
                        };
                        inventory::transfer(&pool, wh, &f.picker, &t).await
                    }
                    2 => {
                        let t = Transfer {
                            sku: f.sku.clone(),
                            from: bin,
                            to: f.tote.clone(),
                            quantity: 1,
                            ..Transfer::default()
                        };
                        inventory::transfer(&pool, wh, &f.packer, &t).await
                    }
                    _ => {
                        let delta = if dice.roll(2) == 0 {
                            -(1 + dice.roll(3) as i32)
                        } else {
                            1 + dice.roll(3) as i32
                        };
                        let a = Adjustment {
                            sku: f.sku.clone(),
                            location: bin,
                            delta,
                            reason: "cycle count".into(),
                            ..Adjustment::default()
                        };
                        inventory::adjust(&pool, wh, &f.supervisor, &a).await
                    }
                };
                match result {
                    Ok(_) => applied += 1,
                    Err(Error::InsufficientStock(_)) => refused += 1,
                    Err(e) => panic!("worker {worker}: unexpected error: {e}"),
                }
            }
            (applied, refused)
        }));
    }
    let (mut applied, mut refused) = (0, 0);
    for task in tasks {
        let (a, r) = task.await.unwrap();
        applied += a;
        refused += r;
    }
    assert_eq!(applied + refused, 32 * 25);
    assert!(
        applied > 400,
        "too few changes applied to prove anything: {applied}"
    );

    // The ledger rows of one stock row are written while holding its lock, so in id order their
    // running sum is the on_hand each transaction saw: it must never dip below zero.
    let dipped: i64 = sqlx::query_scalar(
        "select count(*) from (
             select sum(case when to_location_id = loc then quantity else -quantity end)
                        over (partition by loc, lot order by id) as running
               from (select l.*, unnest(array_remove(array[from_location_id, to_location_id], null)) as loc
                       from ledger l) x
         ) y where running < 0",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(dipped, 0, "on_hand went negative at some point");
    assert_invariants(&db.pool).await;
    let outbox_versions: i64 = sqlx::query_scalar("select max(version) from outbox")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(outbox_versions > 1, "figures should have moved under load");
}

#[tokio::test]
async fn a_replayed_scan_changes_nothing() {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    let scan = uuid::Uuid::now_v7();
    let scanned = Receipt {
        scan_id: Some(scan),
        ..receipt(&f, &f.bins[0], 3)
    };
    let first = inventory::receive(&db.pool, f.warehouse_id, &f.picker, &scanned)
        .await
        .unwrap();
    let again = inventory::receive(&db.pool, f.warehouse_id, &f.picker, &scanned)
        .await
        .unwrap();
    assert_eq!(
        (first.locations[0].on_hand, again.locations[0].on_hand),
        (3, 3)
    );

    let count = Adjustment {
        sku: f.sku.clone(),
        location: f.bins[0].clone(),
        delta: -1,
        reason: "count".into(),
        scan_id: Some(uuid::Uuid::now_v7()),
        ..Adjustment::default()
    };
    inventory::adjust(&db.pool, f.warehouse_id, &f.supervisor, &count)
        .await
        .unwrap();
    let out = inventory::adjust(&db.pool, f.warehouse_id, &f.supervisor, &count)
        .await
        .unwrap();
    assert_eq!(out.locations[0].on_hand, 2);
    let rows: i64 = sqlx::query_scalar("select count(*) from ledger")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 2);
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn lots_have_one_expiry_and_plain_skus_take_none() {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    let wh = f.warehouse_id;
    let lot = |lot: &str, expiry: Option<(i32, u32, u32)>| Receipt {
        sku: f.lot_sku.clone(),
        location: f.bins[3].clone(),
        quantity: 2,
        lot: Some(lot.into()),
        expiry: expiry.map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap()),
        ..Receipt::default()
    };
    let err = inventory::receive(&db.pool, wh, &f.picker, &lot("N1", None))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("give its expiry"), "{err}");
    inventory::receive(&db.pool, wh, &f.picker, &lot("N1", Some((2027, 5, 31))))
        .await
        .unwrap();
    // The same lot arriving again needs no expiry, but may not contradict it.
    inventory::receive(&db.pool, wh, &f.picker, &lot("n1", None))
        .await
        .unwrap();
    let err = inventory::receive(&db.pool, wh, &f.picker, &lot("N1", Some((2030, 1, 1))))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("expires on 2027-05-31"), "{err}");
    let err = inventory::receive(&db.pool, wh, &f.picker, &lot("a b;c", Some((2027, 1, 1))))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LotRule(_)), "{err}");

    let plain_with_expiry = Receipt {
        expiry: NaiveDate::from_ymd_opt(2027, 1, 1),
        ..receipt(&f, &f.bins[0], 1)
    };
    let err = inventory::receive(&db.pool, wh, &f.picker, &plain_with_expiry)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("takes no expiry"), "{err}");
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn only_queued_orders_are_reserved_and_a_release_never_feeds_its_own_order() {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    let wh = f.warehouse_id;
    inventory::receive(&db.pool, wh, &f.picker, &receipt(&f, &f.bins[0], 4))
        .await
        .unwrap();
    let short = order(&db.pool, &f, "#3001", &f.sku, 6, 0).await;
    assert_eq!(order_status(&db.pool, &f, short).await, "backordered");

    let released: i32 = sqlx::query_scalar("select aisle_release_order($1, $2)")
        .bind(wh)
        .bind(short)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(released, 4);
    let kept: i64 =
        sqlx::query_scalar("select coalesce(sum(quantity), 0)::bigint from reservations")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        kept, 0,
        "the released units must not go straight back to the same order"
    );

    sqlx::query("update orders set status = 'cancelled' where id = $1")
        .bind(short)
        .execute(&db.pool)
        .await
        .unwrap();
    let err = sqlx::query("select aisle_reserve_order($1, $2)")
        .bind(wh)
        .bind(short)
        .execute(&db.pool)
        .await
        .unwrap_err();
    assert!(
        Error::from(err)
            .to_string()
            .contains("only orders still in the queue")
    );
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn changing_an_allocation_rule_recomputes_the_channel_figure() {
    let db = common::fresh_db().await;
    let f = small_warehouse(&db.pool).await;
    inventory::receive(
        &db.pool,
        f.warehouse_id,
        &f.picker,
        &receipt(&f, &f.bins[0], 50),
    )
    .await
    .unwrap();
    assert_eq!(figure(&db.pool, "amazon-us", &f.sku).await, 38); // floor(50 * 0.8) - 2
    sqlx::query(
        "update channel_listings set share_pct = 50, buffer = 5 where channel_sku = 'AMZ-MUG-BLUE'",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    assert_eq!(figure(&db.pool, "amazon-us", &f.sku).await, 20);
    sqlx::query("update channel_listings set cap = 3 where channel_sku = 'AMZ-MUG-BLUE'")
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(figure(&db.pool, "amazon-us", &f.sku).await, 3);
    assert_invariants(&db.pool).await;
}

#[tokio::test]
async fn reservations_and_releases_racing_stock_changes_neither_deadlock_nor_overreserve() {
    let _heavy = common::heavy_lock().await;
    let db = common::fresh_db_with(20).await;
    let f = std::sync::Arc::new(small_warehouse(&db.pool).await);
    let wh = f.warehouse_id;
    for bin in &f.bins {
        inventory::receive(&db.pool, wh, &f.picker, &receipt(&f, bin, 6))
            .await
            .unwrap();
    }
    let mut orders = Vec::new();
    for n in 0..16 {
        orders.push(
            order(
                &db.pool,
                &f,
                &format!("#40{n:02}"),
                &f.sku,
                2 + n % 3,
                n % 4,
            )
            .await,
        );
    }
    let orders = std::sync::Arc::new(orders);
    let mut tasks = Vec::new();
    for worker in 0..16u64 {
        let (pool, f, orders) = (db.pool.clone(), f.clone(), orders.clone());
        tasks.push(tokio::spawn(async move {
            let mut dice = Dice(0xA076_1D64_78BD_642F ^ ((worker + 3) * 104_729));
            for _ in 0..20 {
                let order_id = orders[dice.roll(orders.len() as u64) as usize];
                let bin = f.bins[dice.roll(4) as usize].clone();
                let result: Result<(), Error> = match dice.roll(4) {
                    0 => sqlx::query("select aisle_reserve_order($1, $2)")
                        .bind(wh)
                        .bind(order_id)
                        .execute(&pool)
                        .await
                        .map(drop)
                        .map_err(Error::from),
                    1 => sqlx::query("select aisle_release_order($1, $2)")
                        .bind(wh)
                        .bind(order_id)
                        .execute(&pool)
                        .await
                        .map(drop)
                        .map_err(Error::from),
                    2 => inventory::receive(
                        &pool,
                        wh,
                        &f.picker,
                        &receipt(&f, &bin, 1 + dice.roll(3) as i32),
                    )
                    .await
                    .map(drop),
                    _ => {
                        let a = Adjustment {
                            sku: f.sku.clone(),
                            location: bin,
                            delta: -(1 + dice.roll(3) as i32),
                            reason: "damaged".into(),
                            ..Adjustment::default()
                        };
                        inventory::adjust(&pool, wh, &f.supervisor, &a)
                            .await
                            .map(drop)
                    }
                };
                match result {
                    Ok(()) | Err(Error::InsufficientStock(_)) => {}
                    Err(e) => panic!("worker {worker}: {e}"),
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_invariants(&db.pool).await;
}
