//! The inventory core from Rust: receive, move and adjust, each one call of the SQL function that
//! keeps DESIGN.md's invariants (ledger, positions, reservations, channel figures) in the same
//! transaction. Permissions are checked here, before anything reaches the database.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::db::catalog::{self, Location, Sku};
use crate::db::operators::Operator;
use crate::domain::availability;
use crate::domain::role::Permission;
use crate::{Error, Result};

/// Units arriving at a location (a receipt from a supplier, or found stock).
#[derive(Debug, Clone, Default)]
pub struct Receipt {
    pub sku: String,
    pub location: String,
    pub quantity: i32,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    pub reason: Option<String>,
    pub scan_id: Option<Uuid>,
}

/// Units moving between two locations of one warehouse.
#[derive(Debug, Clone, Default)]
pub struct Transfer {
    pub sku: String,
    pub from: String,
    pub to: String,
    pub quantity: i32,
    pub lot: Option<String>,
    pub reason: Option<String>,
    pub scan_id: Option<Uuid>,
}

/// A correction of on_hand at a location, up or down, with the reason.
#[derive(Debug, Clone, Default)]
pub struct Adjustment {
    pub sku: String,
    pub location: String,
    pub delta: i32,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    pub reason: String,
    pub scan_id: Option<Uuid>,
}

/// The SKU's position after a change, as the CLI reports it.
#[derive(Debug, Clone, Serialize)]
pub struct StockOutcome {
    pub sku: String,
    pub lot: String,
    /// On hand at each location the change touched, after it.
    pub locations: Vec<LocationOnHand>,
    pub sellable_on_hand: i64,
    pub open_reserved: i64,
    pub available: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LocationOnHand {
    pub location: String,
    pub on_hand: i64,
}

/// Deadlocks are rare (see the lock order in the migration) but possible between unrelated
/// transactions; the function applied nothing, so it is retried.
const ATTEMPTS: usize = 3;

async fn retrying<F, Fut, T>(mut run: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<T, sqlx::Error>>,
{
    let mut attempt = 1;
    loop {
        match run().await.map_err(Error::from) {
            Err(e) if e.is_retryable() && attempt < ATTEMPTS => attempt += 1,
            other => return other,
        }
    }
}

/// Lots are stored trimmed and upper-case; the SQL functions normalise the same way, and the
/// outcome is read back under this form.
fn stored_lot(lot: Option<&str>) -> String {
    lot.map(str::trim).unwrap_or_default().to_uppercase()
}

pub async fn receive(
    pool: &PgPool,
    warehouse_id: i32,
    actor: &Operator,
    receipt: &Receipt,
) -> Result<StockOutcome> {
    actor.role.require(Permission::Receive)?;
    let sku = catalog::find_sku(pool, &receipt.sku).await?;
    let location = catalog::find_location(pool, warehouse_id, &receipt.location).await?;
    let lot = stored_lot(receipt.lot.as_deref());
    retrying(|| {
        sqlx::query("select aisle_receive($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(warehouse_id)
            .bind(sku.id)
            .bind(location.id)
            .bind(receipt.quantity)
            .bind(&lot)
            .bind(receipt.expiry)
            .bind(actor.id)
            .bind(receipt.reason.as_deref().unwrap_or("receipt"))
            .bind(receipt.scan_id)
            .execute(pool)
    })
    .await?;
    outcome(pool, warehouse_id, &sku, &lot, &[location]).await
}

pub async fn transfer(
    pool: &PgPool,
    warehouse_id: i32,
    actor: &Operator,
    transfer: &Transfer,
) -> Result<StockOutcome> {
    actor.role.require(Permission::Move)?;
    let sku = catalog::find_sku(pool, &transfer.sku).await?;
    let from = catalog::find_location(pool, warehouse_id, &transfer.from).await?;
    let to = catalog::find_location(pool, warehouse_id, &transfer.to).await?;
    if from.id == to.id {
        return Err(Error::Invalid(format!(
            "a move needs two different locations, got {} twice",
            from.code
        )));
    }
    let lot = stored_lot(transfer.lot.as_deref());
    retrying(|| {
        sqlx::query("select aisle_move($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(warehouse_id)
            .bind(sku.id)
            .bind(from.id)
            .bind(to.id)
            .bind(transfer.quantity)
            .bind(&lot)
            .bind(actor.id)
            .bind(transfer.reason.as_deref().unwrap_or("move"))
            .bind(transfer.scan_id)
            .execute(pool)
    })
    .await?;
    outcome(pool, warehouse_id, &sku, &lot, &[from, to]).await
}

pub async fn adjust(
    pool: &PgPool,
    warehouse_id: i32,
    actor: &Operator,
    adjustment: &Adjustment,
) -> Result<StockOutcome> {
    actor.role.require(Permission::Adjust)?;
    let sku = catalog::find_sku(pool, &adjustment.sku).await?;
    let location = catalog::find_location(pool, warehouse_id, &adjustment.location).await?;
    let lot = stored_lot(adjustment.lot.as_deref());
    retrying(|| {
        sqlx::query("select aisle_adjust($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(warehouse_id)
            .bind(sku.id)
            .bind(location.id)
            .bind(adjustment.delta)
            .bind(&lot)
            .bind(adjustment.expiry)
            .bind(actor.id)
            .bind(adjustment.reason.trim())
            .bind(adjustment.scan_id)
            .execute(pool)
    })
    .await?;
    outcome(pool, warehouse_id, &sku, &lot, &[location]).await
}

async fn outcome(
    pool: &PgPool,
    warehouse_id: i32,
    sku: &Sku,
    lot: &str,
    touched: &[Location],
) -> Result<StockOutcome> {
    let ids: Vec<i32> = touched.iter().map(|l| l.id).collect();
    let on_hand: Vec<(i32, i64)> = sqlx::query_as(
        "select location_id, on_hand::bigint from stock
          where warehouse_id = $1 and sku_id = $2 and lot = $3 and location_id = any($4)",
    )
    .bind(warehouse_id)
    .bind(sku.id)
    .bind(lot)
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let (sellable_on_hand, open_reserved): (i64, i64) = sqlx::query_as(
        "select coalesce(max(sellable_on_hand), 0)::bigint, coalesce(max(open_reserved), 0)::bigint
           from sku_positions where warehouse_id = $1 and sku_id = $2",
    )
    .bind(warehouse_id)
    .bind(sku.id)
    .fetch_one(pool)
    .await?;
    let locations = touched
        .iter()
        .map(|l| LocationOnHand {
            location: l.code.clone(),
            on_hand: on_hand
                .iter()
                .find(|(id, _)| *id == l.id)
                .map_or(0, |(_, q)| *q),
        })
        .collect();
    Ok(StockOutcome {
        sku: sku.code.clone(),
        lot: lot.to_string(),
        locations,
        sellable_on_hand,
        open_reserved,
        available: availability::available(sellable_on_hand, open_reserved),
    })
}

impl StockOutcome {
    /// One line for the shell: where the units are now and what is left to sell.
    pub fn summary(&self) -> String {
        let at: Vec<String> = self
            .locations
            .iter()
            .map(|l| format!("{} holds {}", l.location, l.on_hand))
            .collect();
        let lot = if self.lot.is_empty() {
            String::new()
        } else {
            format!(" lot {}", self.lot)
        };
        format!(
            "{}{lot}: {}; sellable {}, reserved {}, available {}.",
            self.sku,
            at.join(", "),
            self.sellable_on_hand,
            self.open_reserved,
            self.available
        )
    }
}
