//! Operators: badges, PINs (argon2), roles, lockout after wrong PINs, and the named system
//! actors that work no person does is attributed to.

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use serde::Serialize;
use sqlx::PgPool;

use crate::domain::role::{Permission, Role};
use crate::{Error, Result};

/// Wrong PINs in a row that lock a badge, and for how long.
pub const MAX_PIN_ATTEMPTS: i32 = 3;
pub const LOCK_SECONDS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Operator {
    pub id: i32,
    pub badge: String,
    pub name: String,
    pub role: Role,
}

/// What `aisle operator list` shows: never the PIN hash.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OperatorSummary {
    pub badge: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub failed_attempts: i32,
    pub locked_seconds: i64,
}

/// The named system actors the migrations create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemActor {
    Intake,
    Planner,
    Sync,
    Demo,
    Simulator,
}

impl SystemActor {
    pub fn badge(self) -> &'static str {
        match self {
            SystemActor::Intake => "system:intake",
            SystemActor::Planner => "system:planner",
            SystemActor::Sync => "system:sync",
            SystemActor::Demo => "system:demo",
            SystemActor::Simulator => "system:simulator",
        }
    }
}

#[derive(sqlx::FromRow)]
struct Credentials {
    id: i32,
    badge: String,
    name: String,
    role: Role,
    pin_hash: Option<String>,
    active: bool,
    locked_seconds: i64,
}

impl Credentials {
    fn operator(&self) -> Operator {
        Operator {
            id: self.id,
            badge: self.badge.clone(),
            name: self.name.clone(),
            role: self.role,
        }
    }
}

/// A PIN is 4 to 8 digits: typed on a handheld's keypad.
pub fn validate_pin(pin: &str) -> Result<()> {
    if (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Error::Invalid("a PIN is 4 to 8 digits".into()))
    }
}

/// An argon2id PHC string for a PIN, with a random salt.
pub fn hash_pin(pin: &str) -> Result<String> {
    validate_pin(pin)?;
    Argon2::default()
        .hash_password(pin.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| Error::Invalid(format!("could not hash the PIN: {e}")))
}

fn pin_matches(pin: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(pin.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

async fn credentials(pool: &PgPool, badge: &str) -> Result<Credentials> {
    sqlx::query_as::<_, Credentials>(
        "select id, badge, name, role, pin_hash, active,
                greatest(0, ceil(extract(epoch from locked_until - now())))::bigint as locked_seconds
           from operators where badge = $1 and role <> 'system'",
    )
    .bind(badge.trim())
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| Error::UnknownBadge(badge.trim().to_string()))
}

fn refuse_if_unusable(found: &Credentials) -> Result<()> {
    if !found.active {
        return Err(Error::BadgeInactive {
            badge: found.badge.clone(),
        });
    }
    if found.locked_seconds > 0 {
        return Err(Error::BadgeLocked {
            badge: found.badge.clone(),
            seconds: found.locked_seconds,
        });
    }
    Ok(())
}

/// The operator behind a scanned badge, before the PIN is asked; refuses unknown, inactive and
/// locked badges at once so the operator is not asked for a PIN in vain.
pub async fn lookup_badge(pool: &PgPool, badge: &str) -> Result<Operator> {
    let found = credentials(pool, badge).await?;
    refuse_if_unusable(&found)?;
    Ok(found.operator())
}

/// Checks a badge's PIN. Wrong PINs count up; the third in a row locks the badge for a minute
/// (recorded in the audit trail). A right PIN resets the count. The operator row stays locked
/// from the lock check to the count, so PINs tried in parallel are counted one after another and
/// cannot slip past the lockout.
pub async fn authenticate(pool: &PgPool, badge: &str, pin: &str) -> Result<Operator> {
    let mut tx = pool.begin().await?;
    let found = sqlx::query_as::<_, Credentials>(
        "select id, badge, name, role, pin_hash, active,
                greatest(0, ceil(extract(epoch from locked_until - now())))::bigint as locked_seconds
           from operators where badge = $1 and role <> 'system' for update",
    )
    .bind(badge.trim())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::UnknownBadge(badge.trim().to_string()))?;
    refuse_if_unusable(&found)?;
    let stored = found.pin_hash.clone().unwrap_or_default();
    let pin = pin.to_string();
    // argon2 is deliberately slow: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || pin_matches(&pin, &stored))
        .await
        .unwrap_or(false);
    if matches {
        sqlx::query("update operators set failed_attempts = 0, locked_until = null where id = $1")
            .bind(found.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Ok(found.operator());
    }
    // An expired lock starts the count over.
    let attempts: i32 = sqlx::query_scalar(
        "update operators
            set failed_attempts = case when locked_until is not null and locked_until <= now()
                                       then 1 else failed_attempts + 1 end,
                locked_until = case when (case when locked_until is not null and locked_until <= now()
                                               then 1 else failed_attempts + 1 end) >= $2
                                    then now() + make_interval(secs => $3) end
          where id = $1
          returning failed_attempts",
    )
    .bind(found.id)
    .bind(MAX_PIN_ATTEMPTS)
    .bind(LOCK_SECONDS as f64)
    .fetch_one(&mut *tx)
    .await?;
    if attempts >= MAX_PIN_ATTEMPTS {
        sqlx::query(
            "insert into audit_log (actor_id, action, subject) values ($1, 'operator.locked', $2)",
        )
        .bind(found.id)
        .bind(&found.badge)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Err(Error::BadgeLocked {
            badge: found.badge,
            seconds: LOCK_SECONDS,
        })
    } else {
        tx.commit().await?;
        Err(Error::WrongPin {
            badge: found.badge,
            attempts_left: MAX_PIN_ATTEMPTS - attempts,
        })
    }
}

async fn audit(pool: &PgPool, actor_id: i32, action: &str, subject: &str) -> Result<()> {
    sqlx::query("insert into audit_log (actor_id, action, subject) values ($1, $2, $3)")
        .bind(actor_id)
        .bind(action)
        .bind(subject)
        .execute(pool)
        .await?;
    Ok(())
}

/// What an unlock found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnlockOutcome {
    /// The badge was locked (or had wrong PINs counted) and is clear now.
    Unlocked,
    /// The badge was not locked: nothing changed.
    WasNotLocked,
}

/// Clears a badge's lock and wrong-PIN count: supervisors and admins; an admin's badge only by an
/// admin. Recorded in the audit trail when something was cleared.
pub async fn unlock(pool: &PgPool, actor: &Operator, badge: &str) -> Result<UnlockOutcome> {
    actor.role.require(Permission::UnlockBadge)?;
    let badge = badge.trim();
    let mut tx = pool.begin().await?;
    let target: Option<(Role, bool)> = sqlx::query_as(
        "select role, (failed_attempts > 0 or coalesce(locked_until > now(), false)) from operators
          where badge = $1 and role <> 'system' for update",
    )
    .bind(badge)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((role, locked)) = target else {
        return Err(Error::UnknownBadge(badge.to_string()));
    };
    if role == Role::Admin && actor.role != Role::Admin {
        return Err(Error::NotAllowed {
            role: actor.role,
            action: "unlock an admin's badge",
            needs: "an admin",
        });
    }
    if !locked {
        return Ok(UnlockOutcome::WasNotLocked);
    }
    sqlx::query("update operators set failed_attempts = 0, locked_until = null where badge = $1")
        .bind(badge)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into audit_log (actor_id, action, subject) values ($1, 'operator.unlock', $2)",
    )
    .bind(actor.id)
    .bind(badge)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(UnlockOutcome::Unlocked)
}

/// Adds an operator (admins only). The PIN is stored only as an argon2 hash.
pub async fn add(
    pool: &PgPool,
    actor: &Operator,
    badge: &str,
    name: &str,
    role: Role,
    pin: &str,
) -> Result<Operator> {
    actor.role.require(Permission::ManageOperators)?;
    if role == Role::System {
        return Err(Error::Invalid("system actors are not added by hand".into()));
    }
    let pin_hash = hash_pin(pin)?;
    let mut tx = pool.begin().await?;
    let operator = sqlx::query_as::<_, Operator>(
        "insert into operators (badge, name, role, pin_hash) values ($1, $2, $3, $4)
         on conflict (badge) do nothing
         returning id, badge, name, role",
    )
    .bind(badge.trim())
    .bind(name.trim())
    .bind(role)
    .bind(pin_hash)
    .fetch_optional(&mut *tx)
    .await
    .map_err(|e| match e.as_database_error().and_then(|d| d.code()) {
        Some(code) if code == "23514" => Error::Invalid(format!(
            "badge {badge:?}: expected 1 to 32 letters, digits, '.', '_' or '-'"
        )),
        _ => Error::from(e),
    })?
    .ok_or_else(|| Error::Invalid(format!("badge {} already exists", badge.trim())))?;
    sqlx::query("insert into audit_log (actor_id, action, subject, details) values ($1, 'operator.add', $2, $3)")
        .bind(actor.id)
        .bind(&operator.badge)
        .bind(serde_json::json!({ "role": role, "name": operator.name }))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(operator)
}

/// Sets a new PIN for a badge (admins only) and clears any lock.
pub async fn set_pin(pool: &PgPool, actor: &Operator, badge: &str, pin: &str) -> Result<()> {
    actor.role.require(Permission::ManageOperators)?;
    let pin_hash = hash_pin(pin)?;
    let updated = sqlx::query(
        "update operators set pin_hash = $2, failed_attempts = 0, locked_until = null
          where badge = $1 and role <> 'system'",
    )
    .bind(badge.trim())
    .bind(pin_hash)
    .execute(pool)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(Error::UnknownBadge(badge.trim().to_string()));
    }
    audit(pool, actor.id, "operator.set_pin", badge.trim()).await
}

pub async fn list(pool: &PgPool) -> Result<Vec<OperatorSummary>> {
    Ok(sqlx::query_as::<_, OperatorSummary>(
        "select badge, name, role, active, failed_attempts,
                greatest(0, ceil(extract(epoch from locked_until - now())))::bigint as locked_seconds
           from operators where role <> 'system' order by badge",
    )
    .fetch_all(pool)
    .await?)
}

/// The operator row of a named system actor.
pub async fn system_actor(pool: &PgPool, actor: SystemActor) -> Result<Operator> {
    sqlx::query_as::<_, Operator>(
        "select id, badge, name, role from operators where badge = $1 and role = 'system'",
    )
    .bind(actor.badge())
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| Error::UnknownBadge(actor.badge().to_string()))
}

/// The operator with this id: whose journaled confirms a terminal replays.
pub async fn by_id(pool: &PgPool, id: i32) -> Result<Operator> {
    sqlx::query_as::<_, Operator>("select id, badge, name, role from operators where id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| Error::UnknownBadge(format!("operator id {id}")))
}
