//! Which database aisle talks to, and the pool it talks through.
//!
//! `DATABASE_URL` wins; without it aisle starts (or reuses) its embedded cluster.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

use super::data_dir::resolve_data_dir;
use super::embedded::EmbeddedCluster;
use super::migrate;
use crate::{Error, Result};

/// How long a caller waits for a free connection before giving up with an error.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serialises "was this database fresh?" + migrating across processes, so only one caller
/// ever sees `fresh_database: true`. Distinct from sqlx's own migration lock.
const OPEN_LOCK_KEY: i64 = 0x6169_736c_655f_6f70; // "aisle_op"

/// The database aisle will use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseTarget {
    pub url: String,
    /// True when this is aisle's own embedded cluster (which gets the demo warehouse when fresh).
    pub embedded: bool,
}

/// What `open_migrated` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationOutcome {
    /// The database had no applied migrations before this call.
    pub fresh_database: bool,
}

/// `database_url` (the `DATABASE_URL` setting, as the CLI read it) when given and not empty;
/// otherwise the embedded cluster in `data_dir` (or the default data directory), initialised
/// and started as needed.
pub async fn resolve(
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
) -> Result<DatabaseTarget> {
    if let Some(url) = database_url.filter(|url| !url.trim().is_empty()) {
        tracing::info!(url = %redacted_url(&url), "using DATABASE_URL");
        return Ok(DatabaseTarget {
            url,
            embedded: false,
        });
    }
    let cluster = EmbeddedCluster::new(resolve_data_dir(data_dir)?)?;
    let url = cluster.ensure_running().await?;
    tracing::info!(url = %redacted_url(&url), "using the embedded PostgreSQL");
    Ok(DatabaseTarget {
        url,
        embedded: true,
    })
}

/// Parses `url`, naming the application `aisle` unless the URL names one.
pub fn connect_options(url: &str) -> Result<PgConnectOptions> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|err| Error::Invalid(format!("database URL {}: {err}", redacted_url(url))))?;
    Ok(if url.contains("application_name=") {
        options
    } else {
        options.application_name("aisle")
    })
}

/// A pool of at most `max_connections`, with one connection made now so that a wrong URL or a
/// down server shows at once.
pub async fn open(url: &str, max_connections: u32) -> Result<PgPool> {
    let options = connect_options(url)?;
    // One plain connection first: a refused connection fails at once, where the pool would keep
    // retrying until its acquire timeout.
    let first = PgConnection::connect_with(&options)
        .await
        .map_err(|err| connect_error(url, err))?;
    let _ = first.close().await;
    Ok(PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // A ping before each use would make every scan two round trips (DESIGN.md: one). A
        // connection that died is found by the query itself, which fails as a lost connection:
        // terminals keep such a confirm in their journal and replay it.
        .test_before_acquire(false)
        .connect_lazy_with(options))
}

/// [`open`], then apply pending migrations; reports whether the database was fresh (had no
/// migrations applied), which is when the caller loads the demo warehouse into an embedded
/// database. Concurrent callers are serialised, so only one of them sees a fresh database.
pub async fn open_migrated(url: &str, max_connections: u32) -> Result<(PgPool, MigrationOutcome)> {
    let pool = open(url, max_connections).await?;
    // A connection of its own: the pool may hold a single connection, which the migrator needs.
    let mut lock = PgConnection::connect_with(&connect_options(url)?)
        .await
        .map_err(|err| connect_error(url, err))?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(OPEN_LOCK_KEY)
        .execute(&mut lock)
        .await?;
    let applied: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&mut lock)
        .await?;
    let fresh_database = if applied {
        !sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM _sqlx_migrations)")
            .fetch_one(&mut lock)
            .await?
    } else {
        true
    };
    migrate::run(&pool).await?;
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(OPEN_LOCK_KEY)
        .execute(&mut lock)
        .await?;
    lock.close().await?;
    Ok((pool, MigrationOutcome { fresh_database }))
}

fn connect_error(url: &str, err: sqlx::Error) -> Error {
    let hint = if err.as_database_error().is_some() {
        // The server answered (wrong password, missing database): its words are clear.
        String::new()
    } else {
        " (is the server running? check DATABASE_URL, or unset it to use aisle's own cluster)"
            .into()
    };
    Error::Connect {
        url: redacted_url(url),
        reason: format!("{err}{hint}"),
    }
}

/// The URL with any password replaced by `***` (in the user-info part and in `password=`
/// parameters), safe for logs and `aisle db status`. Something that does not look like a URL
/// is not echoed at all.
pub fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(not a URL)".into();
    };
    // The last `@` ends the user info even when a password holds an unencoded `@`; when a
    // later part holds one we redact too much, never too little.
    let rest = match rest.rfind('@') {
        Some(at) => {
            let (userinfo, host_onward) = rest.split_at(at);
            match userinfo.split_once(':') {
                Some((user, _password)) => format!("{user}:***{host_onward}"),
                None => rest.to_string(),
            }
        }
        None => rest.to_string(),
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before.to_string(), Some(query)),
        None => (rest, None),
    };
    let Some(query) = query else {
        return format!("{scheme}://{before_query}");
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.to_ascii_lowercase().contains("password") => {
                format!("{key}=***")
            }
            _ => pair.to_string(),
        })
        .collect();
    format!("{scheme}://{before_query}?{}", query.join("&"))
}

/// The same URL naming another database (the path replaced, user info and parameters kept).
pub fn with_database(url: &str, database: &str) -> Result<String> {
    let invalid = || Error::Invalid(format!("not a database URL: {}", redacted_url(url)));
    let (scheme, rest) = url.split_once("://").ok_or_else(invalid)?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let suffix_start = after.find(['?', '#']).unwrap_or(after.len());
    let suffix = &after[suffix_start..];
    let mut encoded = String::new();
    for byte in database.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(format!("{scheme}://{authority}/{encoded}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redacted_url("postgres://app:s3cret@db.example:5432/aisle"),
            "postgres://app:***@db.example:5432/aisle"
        );
        assert_eq!(
            redacted_url("postgres://app:p@ss@db/aisle?sslmode=require"),
            "postgres://app:***@db/aisle?sslmode=require"
        );
        assert_eq!(
            redacted_url("postgres://db/aisle?user=app&password=s3cret&sslpassword=x"),
            "postgres://db/aisle?user=app&password=***&sslpassword=***"
        );
        assert_eq!(
            redacted_url("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
        assert_eq!(redacted_url("host=db password=x"), "(not a URL)");
    }

    #[test]
    fn database_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1").expect("url"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database(
                "postgres://aisle@localhost:5432/aisle?host=/tmp/x/run&sslmode=disable",
                "aisle_t_1"
            )
            .expect("url"),
            "postgres://aisle@localhost:5432/aisle_t_1?host=/tmp/x/run&sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u:pw@h", "d").expect("url"),
            "postgres://u:pw@h/d"
        );
    }

    #[tokio::test]
    async fn database_url_wins() {
        let target = resolve(Some("postgres://x@y/z".into()), None)
            .await
            .expect("no embedded start");
        assert_eq!(
            target,
            DatabaseTarget {
                url: "postgres://x@y/z".into(),
                embedded: false
            }
        );
    }
}
