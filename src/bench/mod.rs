//! Benchmarks that print figures beside a baseline run in the same process (DESIGN.md,
//! "Performance rules"): each alternates its two sides several times (A B A B …) on a scratch
//! database of its own, and reports per-round figures, medians and the ratio, never a pass or
//! fail on wall-clock time.
//!
//! This module holds what every benchmark needs: the scratch database, a seeded random source
//! (so that every run generates the same data), medians, and notes on the machine.

pub mod intake;
pub mod walking;

use std::sync::atomic::{AtomicU32, Ordering};

use serde::Serialize;
use sqlx::{Connection, PgConnection, PgPool};

use crate::Result;
use crate::db::connect::{self, with_database};

/// A database of the benchmark's own on the server, created empty and dropped by
/// [`ScratchDatabase::drop_now`]; its name says which process made it.
pub struct ScratchDatabase {
    server_url: String,
    pub name: String,
    pub url: String,
}

impl ScratchDatabase {
    /// Creates `aisle_bench_<pid>_<n>` on the server `server_url` points at (any database of
    /// it: the URL's database is only used to connect).
    pub async fn create(server_url: &str) -> Result<ScratchDatabase> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "aisle_bench_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = PgConnection::connect_with(&connect::connect_options(server_url)?).await?;
        // Only [a-z0-9_] in the name, so quoting it is enough.
        // Two statements: neither may run inside a transaction block.
        for sql in [
            format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            format!("CREATE DATABASE \"{name}\" TEMPLATE template0"),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut admin)
                .await?;
        }
        admin.close().await?;
        Ok(ScratchDatabase {
            server_url: server_url.to_string(),
            url: with_database(server_url, &name)?,
            name,
        })
    }

    /// Closes `pool` (if given) and drops the database, even while something still holds a
    /// connection to it.
    pub async fn drop_now(self, pool: Option<&PgPool>) -> Result<()> {
        if let Some(pool) = pool {
            pool.close().await;
        }
        let mut admin =
            PgConnection::connect_with(&connect::connect_options(&self.server_url)?).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        )))
        .execute(&mut admin)
        .await?;
        admin.close().await?;
        Ok(())
    }
}

/// SplitMix64: small, fast and the same on every platform and release, so a seed always
/// generates the same orders. Not for anything that needs real randomness.
#[derive(Debug, Clone)]
pub struct SeededRng(u64);

impl SeededRng {
    pub fn new(seed: u64) -> Self {
        SeededRng(seed)
    }

    /// A generator for one stream of a seed (a round, a side), independent of the others.
    pub fn stream(seed: u64, stream: u64) -> Self {
        let mut mixer = SeededRng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        SeededRng(mixer.next_u64())
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` ≥ 1; 0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Multiply-shift: unbiased enough for generating test data.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// True with probability `p` (0 to 1).
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// An index into `weights`, drawn in proportion to them.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut pick = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if pick < *w {
                return i;
            }
            pick -= w;
        }
        weights.len().saturating_sub(1)
    }
}

/// The median of some figures (the mean of the middle two for an even count; 0 for none).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return 0.0;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// What the figures were measured on: only ratios measured in one run compare across machines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MachineNotes {
    /// CPUs this process may use.
    pub cpus: usize,
    pub os: String,
    /// `release` or `debug`: debug builds are far slower on the client side.
    pub build: String,
    pub postgres: String,
    pub synchronous_commit: String,
    pub shared_buffers: String,
    /// `on` or `off`: without autovacuum, tables keep the statistics they were last analyzed
    /// with.
    pub autovacuum: String,
}

impl MachineNotes {
    pub async fn gather(pool: &PgPool) -> Result<MachineNotes> {
        let (postgres, synchronous_commit, shared_buffers, autovacuum): (
            String,
            String,
            String,
            String,
        ) = sqlx::query_as(
            "select current_setting('server_version'), current_setting('synchronous_commit'),
                    current_setting('shared_buffers'), current_setting('autovacuum')",
        )
        .fetch_one(pool)
        .await?;
        Ok(MachineNotes {
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            build: if cfg!(debug_assertions) {
                "debug".into()
            } else {
                "release".into()
            },
            postgres,
            synchronous_commit,
            shared_buffers,
            autovacuum,
        })
    }

    pub fn to_text(&self) -> String {
        format!(
            "{} CPU(s), {}, {} build; PostgreSQL {} (synchronous_commit {}, shared_buffers {}, autovacuum {})",
            self.cpus,
            self.os,
            self.build,
            self.postgres,
            self.synchronous_commit,
            self.shared_buffers,
            self.autovacuum
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[]), 0.0);
        assert_eq!(median(&[3.0]), 3.0);
        assert_eq!(median(&[5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn seeded_streams_repeat_and_differ() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = SeededRng::stream(7, 1);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = SeededRng::stream(7, 1);
                move |_| r.next_u64()
            })
            .collect();
        let c = SeededRng::stream(7, 2).next_u64();
        assert_eq!(a, b);
        assert_ne!(a[0], c);
        let mut r = SeededRng::new(1);
        assert!((0..1000).all(|_| r.below(6) < 6));
        assert!((0..1000).all(|_| r.weighted(&[0, 5, 0]) == 1));
    }
}
