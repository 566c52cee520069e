//! Channels as configured: the warehouse that feeds each, its kind and its non-secret settings.

use serde::Serialize;
use sqlx::PgPool;

use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Channel {
    pub id: i32,
    pub name: String,
    /// shopify, amazon, edi or manual.
    pub kind: String,
    pub warehouse_id: i32,
    pub allows_partial_shipment: bool,
    pub active: bool,
    pub settings: serde_json::Value,
}

impl Channel {
    /// A string setting, e.g. `ack_dir` of an EDI partner.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings.get(key).and_then(serde_json::Value::as_str)
    }

    /// The environment variable that holds one of this channel's secrets:
    /// `AISLE_CHANNEL_<NAME>_<WHAT>`, e.g. `AISLE_CHANNEL_SHOPIFY_MAIN_WEBHOOK_SECRET`. Secrets
    /// never live in the database.
    pub fn secret_variable(&self, what: &str) -> String {
        let name: String = self
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        format!("AISLE_CHANNEL_{name}_{}", what.to_ascii_uppercase())
    }
}

pub async fn by_name(pool: &PgPool, name: &str) -> Result<Channel> {
    sqlx::query_as::<_, Channel>(
        "select id, name, kind::text as kind, warehouse_id, allows_partial_shipment, active, settings
           from channels where name = lower($1)",
    )
    .bind(name.trim())
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| {
        Error::Invalid(format!(
            "unknown channel {:?}: expected a configured channel name such as shopify-main",
            name.trim()
        ))
    })
}
