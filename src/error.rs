//! The library's one error type. Database errors that carry a meaning for the floor (a named
//! constraint, one of our own SQLSTATEs raised by the inventory functions) are mapped to domain
//! variants, so that every caller can say plainly what was expected.

use crate::domain::role::Role;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown SKU or barcode {0:?}: expected a SKU code or a GTIN on file")]
    UnknownSku(String),
    #[error("unknown location {0:?}: expected a location code such as A-03-02-1")]
    UnknownLocation(String),
    #[error("unknown warehouse {0:?}")]
    UnknownWarehouse(String),
    #[error("unknown badge {0:?}: expected a badge on file; a supervisor can add it")]
    UnknownBadge(String),
    #[error("wrong PIN for badge {badge}: {attempts_left} attempt(s) left before it locks")]
    WrongPin { badge: String, attempts_left: i32 },
    #[error(
        "badge {badge} is locked for {seconds}s after too many wrong PINs; a supervisor can unlock it"
    )]
    BadgeLocked { badge: String, seconds: i64 },
    #[error("badge {badge} is inactive")]
    BadgeInactive { badge: String },
    #[error("{role} may not {action}: it needs {needs}")]
    NotAllowed {
        role: Role,
        action: &'static str,
        needs: &'static str,
    },
    #[error("not enough stock: {0}")]
    InsufficientStock(String),
    #[error("stock is promised to released work: {0}")]
    PromisedToReleasedWork(String),
    #[error("lot: {0}")]
    LotRule(String),
    /// The work is no longer this operator's (a lease expired and someone else took it).
    #[error("work taken over: {0}")]
    TakenOver(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("database: {0}")]
    Database(#[source] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Embedded(String),
    #[error("cannot connect to {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// SQLSTATEs raised by our SQL functions (`RAISE ... USING ERRCODE`), class `AS` ("aisle").
pub mod sqlstate {
    pub const UNKNOWN_SKU: &str = "AS001";
    pub const UNKNOWN_LOCATION: &str = "AS002";
    pub const INSUFFICIENT_STOCK: &str = "AS003";
    pub const LOT_RULE: &str = "AS004";
    pub const INVALID: &str = "AS005";
    pub const PROMISED_TO_RELEASED_WORK: &str = "AS006";
    pub const TAKEN_OVER: &str = "AS007";
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        let Some(db) = err.as_database_error() else {
            return Error::Database(err);
        };
        let message = db.message().to_string();
        match (db.code().as_deref(), db.constraint()) {
            (Some(sqlstate::UNKNOWN_SKU), _) => Error::UnknownSku(message),
            (Some(sqlstate::UNKNOWN_LOCATION), _) => Error::UnknownLocation(message),
            (Some(sqlstate::INSUFFICIENT_STOCK), _) => Error::InsufficientStock(message),
            (Some(sqlstate::LOT_RULE), _) => Error::LotRule(message),
            (Some(sqlstate::INVALID), _) => Error::Invalid(message),
            (Some(sqlstate::PROMISED_TO_RELEASED_WORK), _) => {
                Error::PromisedToReleasedWork(message)
            }
            (Some(sqlstate::TAKEN_OVER), _) => Error::TakenOver(message),
            (_, Some("stock_on_hand_not_negative")) => Error::InsufficientStock(
                "the change would take on_hand below zero at that location".into(),
            ),
            _ => Error::Database(err),
        }
    }
}

impl Error {
    /// Deadlocks and serialisation failures are safe to retry: the transaction applied nothing.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Database(err) => err
                .as_database_error()
                .and_then(|db| db.code())
                .is_some_and(|code| code == "40P01" || code == "40001"),
            _ => false,
        }
    }

    /// The database could not be reached or dropped the connection (network, a restart, an
    /// administrator's `pg_terminate_backend`): what was asked may or may not have applied, so
    /// a terminal keeps it and replays it under the same scan id.
    pub fn is_connection_lost(&self) -> bool {
        match self {
            Error::Connect { .. } => true,
            Error::Database(err) => match err {
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed
                | sqlx::Error::Protocol(_)
                | sqlx::Error::Tls(_) => true,
                // Class 08 (connection exception) and 57P01..03 (the server shut the session).
                _ => err
                    .as_database_error()
                    .and_then(|db| db.code())
                    .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
            },
            _ => false,
        }
    }

    /// Nothing was applied and the same request may succeed later: a lost connection, a
    /// deadlock or serialisation failure, a server out of connections or resources (53xxx), a
    /// lock not available (55P03) or a cancelled statement (57014). A terminal keeps such a
    /// confirm and sends it again under the same scan id, rather than call it refused.
    pub fn is_transient(&self) -> bool {
        if self.is_connection_lost() || self.is_retryable() {
            return true;
        }
        match self {
            Error::Database(err) => err
                .as_database_error()
                .and_then(|db| db.code())
                .is_some_and(|code| code.starts_with("53") || code == "55P03" || code == "57014"),
            _ => false,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}
