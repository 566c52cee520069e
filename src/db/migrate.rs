//! The migrator: every file in `migrations/`, embedded in the binary at build time.

use sqlx::PgPool;
use sqlx::migrate::Migrator;

use crate::Result;

/// All migrations, embedded from `./migrations`.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Applies every pending migration (sqlx serialises concurrent runs with an advisory lock).
pub async fn run(pool: &PgPool) -> Result<()> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// A short, stable fingerprint of the embedded migrations (versions and checksums): 12 hex
/// digits of FNV-1a, which unlike `DefaultHasher` does not change between Rust releases.
/// Tests name their template database after it.
pub fn fingerprint() -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for migration in MIGRATOR.iter() {
        feed(&migration.version.to_le_bytes());
        feed(&migration.checksum);
        feed(&[u8::from(migration.migration_type.is_down_migration())]);
    }
    format!("{:012x}", hash & 0xffff_ffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_short_and_stable() {
        let first = fingerprint();
        assert_eq!(first.len(), 12);
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(first, fingerprint());
    }
}
