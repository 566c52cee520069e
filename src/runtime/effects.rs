//! Carries out the database requests `update` asks for, each in its own task so the screen keeps
//! drawing and keys keep coming while the database answers; each answer comes back as a
//! [`Reply`] for `update`. Scan journal writes run the same way but answer nothing: the screen
//! never waits for them, and a failed write is logged, not shown.

use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::Result;
use crate::app::command::{Found, InquiryTarget, Request};
use crate::app::event::Reply;
use crate::db::inquiry::ScanRecord;
use crate::db::{inquiry, operators};

/// How long leaving waits for journal writes still in flight.
const JOURNAL_GRACE: Duration = Duration::from_secs(2);

pub struct Effects {
    pool: PgPool,
    warehouse_id: i32,
    running: JoinSet<Reply>,
    journal: JoinSet<()>,
}

impl Effects {
    pub fn new(pool: PgPool, warehouse_id: i32) -> Effects {
        Effects {
            pool,
            warehouse_id,
            running: JoinSet::new(),
            journal: JoinSet::new(),
        }
    }

    /// Journals one scan under a fresh UUIDv7, in the background.
    pub fn journal(&mut self, record: ScanRecord) {
        let pool = self.pool.clone();
        let warehouse_id = self.warehouse_id;
        let scan_id = Uuid::now_v7();
        self.journal.spawn(async move {
            if let Err(error) = inquiry::journal_scan(&pool, warehouse_id, scan_id, &record).await {
                tracing::warn!(%error, %scan_id, screen = record.screen, "scan not journaled");
            }
        });
        // Finished writes are reaped as new ones start, so the set stays small.
        while let Some(done) = self.journal.try_join_next() {
            if let Err(error) = done {
                tracing::error!(%error, "scan journal write failed to finish");
            }
        }
    }

    /// Waits for the journal writes in flight (tests, and leaving).
    pub async fn journal_written(&mut self) {
        while let Some(done) = self.journal.join_next().await {
            if let Err(error) = done {
                tracing::error!(%error, "scan journal write failed to finish");
            }
        }
    }

    /// Gives journal writes in flight a moment to finish before the terminal goes.
    pub async fn finish(&mut self) {
        if tokio::time::timeout(JOURNAL_GRACE, self.journal_written())
            .await
            .is_err()
        {
            tracing::warn!(
                left = self.journal.len(),
                "leaving with scan journal writes unfinished"
            );
        }
    }

    /// No command is being carried out.
    pub fn is_idle(&self) -> bool {
        self.running.is_empty()
    }

    pub fn start(&mut self, request: Request) {
        let pool = self.pool.clone();
        let warehouse_id = self.warehouse_id;
        tracing::debug!(?request, "database request");
        self.running
            .spawn(async move { execute(&pool, warehouse_id, request).await });
    }

    /// The next answer; pending forever when nothing runs, so guard it with
    /// [`is_idle`](Self::is_idle) in a `select!`.
    pub async fn next_reply(&mut self) -> Option<Reply> {
        loop {
            match self.running.join_next().await? {
                Ok(reply) => return Some(reply),
                // Our database code does not panic; if it ever does, the screen's Esc still
                // leaves the step that waits.
                Err(error) => tracing::error!(%error, "database request failed to finish"),
            }
        }
    }

    /// An answer that is already in, without waiting.
    pub fn try_next_reply(&mut self) -> Option<Reply> {
        loop {
            match self.running.try_join_next()? {
                Ok(reply) => return Some(reply),
                Err(error) => tracing::error!(%error, "database request failed to finish"),
            }
        }
    }
}

async fn execute(pool: &PgPool, warehouse_id: i32, request: Request) -> Reply {
    let started = Instant::now();
    let reply = match request {
        Request::LookupBadge { request, badge } => Reply::BadgeLookedUp {
            request,
            result: operators::lookup_badge(pool, &badge).await,
        },
        Request::Authenticate {
            request,
            badge,
            pin,
        } => Reply::Authenticated {
            request,
            result: operators::authenticate(pool, &badge, pin.reveal()).await,
        },
        Request::Inquire { request, target } => {
            let result = inquire(pool, warehouse_id, &target).await;
            Reply::Inquired {
                request,
                target,
                result,
            }
        }
        Request::Unlock {
            request,
            actor,
            badge,
        } => {
            let result = operators::unlock(pool, &actor, &badge).await;
            Reply::Unlocked {
                request,
                badge,
                result,
            }
        }
        Request::LockedBadges { request } => Reply::LockedBadges {
            request,
            result: inquiry::locked_badges(pool).await,
        },
    };
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        ?reply,
        "database reply"
    );
    reply
}

/// An item by barcode or code; a bare code that is no SKU may be a location.
async fn inquire(
    pool: &PgPool,
    warehouse_id: i32,
    target: &InquiryTarget,
) -> Result<Option<Found>> {
    match target {
        InquiryTarget::Item(query) => Ok(inquiry::item(pool, warehouse_id, query)
            .await?
            .map(|item| Found::Item(Box::new(item)))),
        InquiryTarget::Code(code) => {
            let query = inquiry::ItemQuery::Code(code.clone());
            if let Some(item) = inquiry::item(pool, warehouse_id, &query).await? {
                return Ok(Some(Found::Item(Box::new(item))));
            }
            Ok(inquiry::location(pool, warehouse_id, code)
                .await?
                .map(|location| Found::Location(Box::new(location))))
        }
    }
}
