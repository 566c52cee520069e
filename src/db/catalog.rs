//! Finding SKUs and locations from what an operator typed or scanned.

use serde::Serialize;
use sqlx::PgPool;

use crate::domain::barcode::Gtin;
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Sku {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub lot_controlled: bool,
    pub case_pack: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Location {
    pub id: i32,
    pub code: String,
    pub kind: String,
}

/// A SKU by its code or by any of its barcodes. All-digit input is a barcode and must carry a
/// valid check digit; anything else is a SKU code (case-insensitive).
pub async fn find_sku(pool: &PgPool, text: &str) -> Result<Sku> {
    let text = text.trim();
    let found = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let gtin = Gtin::parse(text).map_err(|e| Error::Invalid(format!("barcode {text}: {e}")))?;
        sqlx::query_as::<_, Sku>(
            "select s.id, s.code, s.name, s.lot_controlled, s.case_pack
               from barcodes b join skus s on s.id = b.sku_id where b.gtin = $1",
        )
        .bind(gtin.as_str())
        .fetch_optional(pool)
        .await?
    } else {
        sqlx::query_as::<_, Sku>(
            "select id, code, name, lot_controlled, case_pack from skus where code = upper($1)",
        )
        .bind(text)
        .fetch_optional(pool)
        .await?
    };
    found.ok_or_else(|| Error::UnknownSku(text.to_string()))
}

/// A location of a warehouse by its code (case-insensitive).
pub async fn find_location(pool: &PgPool, warehouse_id: i32, code: &str) -> Result<Location> {
    sqlx::query_as::<_, Location>(
        "select id, code, kind::text as kind from locations
          where warehouse_id = $1 and code = upper($2) and active",
    )
    .bind(warehouse_id)
    .bind(code.trim())
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| Error::UnknownLocation(code.trim().to_string()))
}
