//! Warehouses: the context every floor query runs in.

use serde::Serialize;
use sqlx::PgPool;

use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Warehouse {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub time_zone: String,
    pub cart_size: i32,
}

/// The warehouse named by `code`, or the only (first) one when none is named, as a single-site
/// deployment expects.
pub async fn resolve(pool: &PgPool, code: Option<&str>) -> Result<Warehouse> {
    let found = sqlx::query_as::<_, Warehouse>(
        "select id, code, name, time_zone, cart_size from warehouses
          where $1::text is null or code = upper($1)
          order by id limit 1",
    )
    .bind(code)
    .fetch_optional(pool)
    .await?;
    found.ok_or_else(|| match code {
        Some(code) => Error::UnknownWarehouse(code.to_string()),
        None => Error::UnknownWarehouse(
            "(none): the database has no warehouse yet; run `aisle demo` to load the demo".into(),
        ),
    })
}
