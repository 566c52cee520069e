//! EDI intake: one interchange of 850 purchase orders in, its orders stored and reserved, and a 997
//! per functional group appended to the outbox **in the same transaction**, with control numbers
//! from the partner's sequence (`edi_control_numbers`, shared with the 846s and 856s that channel
//! sync will send). Only after commit is each 997 written into the partner's acknowledgement
//! directory and marked delivered, so a crash in between leaves it pending, to be written by the
//! next intake (or the sync worker), never lost and never sent twice under different numbers.

use std::path::{Path, PathBuf};

use chrono::Utc;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

use crate::channels::Rejection;
use crate::channels::edi::{self, ControlNumbers, EdiFile};
use crate::db::channels::Channel;
use crate::db::intake::{self, IntakeReport};
use crate::db::operators::Operator;
use crate::{Error, Result};

/// What one interchange gave.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EdiIntakeReport {
    #[serde(flatten)]
    pub intake: IntakeReport,
    /// The 997 files written into the acknowledgement directory.
    pub acknowledgements: Vec<PathBuf>,
}

/// Where a partner's 997s go: its `ack_dir` setting, else its `outbound_dir`, else
/// `edi/<channel>/out`; relative paths are taken from `base` (aisle's data directory).
pub fn acknowledgement_dir(channel: &Channel, base: &Path) -> PathBuf {
    let configured = channel
        .setting("ack_dir")
        .or_else(|| channel.setting("outbound_dir"))
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new("edi").join(&channel.name).join("out"));
    if configured.is_absolute() {
        configured
    } else {
        base.join(configured)
    }
}

/// Ingests one EDI file for a partner channel and acknowledges it. A file whose envelope cannot
/// be read is refused whole (recorded in `intake_errors`, no 997: X12 answers those with a TA1,
/// which we do not send).
pub async fn ingest_file(
    pool: &PgPool,
    channel: &Channel,
    source: &Path,
    bytes: &[u8],
    actor: &Operator,
    ack_dir: &Path,
) -> Result<EdiIntakeReport> {
    refuse_acknowledging_next_to_input(source, ack_dir)?;
    let source_name = source.display().to_string();
    let mut file = match edi::parse_file(bytes) {
        Ok(file) => file,
        Err(rejection) => {
            let intake =
                intake::ingest(pool, channel, &source_name, vec![Err(rejection)], actor).await?;
            return Ok(EdiIntakeReport {
                intake,
                acknowledgements: Vec::new(),
            });
        }
    };
    let mut tx = pool.begin().await?;
    let intake =
        intake::ingest_in(&mut tx, channel, &source_name, file.orders.clone(), actor).await?;
    mark_rejected_sets(&mut file, &intake.rejected);
    for group in 0..file.acks.len() {
        append_997(&mut tx, channel, &file, group).await?;
    }
    tx.commit().await?;
    let acknowledgements = deliver_pending(pool, channel, ack_dir).await?;
    Ok(EdiIntakeReport {
        intake,
        acknowledgements,
    })
}

fn refuse_acknowledging_next_to_input(source: &Path, ack_dir: &Path) -> Result<()> {
    let input_dir = source
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .and_then(|p| p.canonicalize().ok());
    let ack = ack_dir.canonicalize().ok();
    if input_dir.is_some() && input_dir == ack {
        return Err(Error::Invalid(format!(
            "{}: the partner's acknowledgement directory {} is the input's own directory; \
             expected them apart, so that a 997 is never read back as input",
            source.display(),
            ack_dir.display()
        )));
    }
    Ok(())
}

/// Sets that intake refused after parsing (an unknown SKU, say) are rejected in the 997 too.
fn mark_rejected_sets(file: &mut EdiFile, rejected: &[Rejection]) {
    let refused: Vec<(usize, Option<i32>, String)> = file
        .orders
        .iter()
        .enumerate()
        .filter_map(|(index, order)| {
            let order = order.as_ref().ok()?;
            let rejection = rejected
                .iter()
                .find(|r| r.external_id.as_deref() == Some(order.external_id.as_str()))?;
            let line_no = rejection
                .place
                .strip_prefix("line ")
                .and_then(|n| n.trim().parse::<i32>().ok());
            Some((index, line_no, rejection.message.clone()))
        })
        .collect();
    for (index, line_no, message) in refused {
        file.reject_order(index, line_no, message);
    }
}

/// The partner's next control numbers, taken in the caller's transaction (they never repeat,
/// and a rolled-back intake gives its numbers back).
async fn next_control_numbers(
    conn: &mut PgConnection,
    channel: &Channel,
) -> Result<ControlNumbers> {
    let (interchange, group, set): (i64, i64, i64) = sqlx::query_as(
        "insert into edi_control_numbers as n (channel_id, last_interchange, last_group, last_set)
         values ($1, 1, 1, 1)
         on conflict (channel_id) do update
            set last_interchange = n.last_interchange % 999999999 + 1,
                last_group = n.last_group % 999999999 + 1,
                last_set = n.last_set % 999999999 + 1
         returning last_interchange, last_group, last_set",
    )
    .bind(channel.id)
    .fetch_one(&mut *conn)
    .await?;
    let number = |n: i64| {
        u32::try_from(n).map_err(|_| Error::Invalid(format!("control number {n} out of range")))
    };
    Ok(ControlNumbers {
        interchange: number(interchange)?,
        group: number(group)?,
        set: number(set)?,
    })
}

async fn append_997(
    conn: &mut PgConnection,
    channel: &Channel,
    file: &EdiFile,
    group: usize,
) -> Result<()> {
    let controls = next_control_numbers(conn, channel).await?;
    let Some(envelope) = file.reply_envelope(group, controls, Utc::now().naive_utc()) else {
        return Ok(());
    };
    let Some(ack) = file.acks.get(group) else {
        return Ok(());
    };
    let content = edi::render_997(ack, &envelope);
    let file_name = format!("997_{}_{:09}.edi", channel.name, controls.interchange);
    sqlx::query(
        "insert into outbox (warehouse_id, channel_id, kind, payload)
         values ($1, $2, 'edi_997', $3)",
    )
    .bind(channel.warehouse_id)
    .bind(channel.id)
    .bind(serde_json::json!({
        "file_name": file_name,
        "content": content,
        "acknowledges": {
            "interchange": file.interchange.control_number,
            "group": file.interchange.groups.get(group).map(|g| g.control_number.clone()),
            "status": ack.status().code(),
        },
    }))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes every pending EDI file of a channel into `dir` and marks it delivered. A file is
/// written under a temporary name and renamed, so a reader never sees half a 997; a crash after
/// the rename and before the mark rewrites the same bytes under the same name next time.
pub async fn deliver_pending(pool: &PgPool, channel: &Channel, dir: &Path) -> Result<Vec<PathBuf>> {
    let pending: Vec<(i64, serde_json::Value)> = sqlx::query_as(
        "select id, payload from outbox
          where warehouse_id = $1 and channel_id = $2 and kind in ('edi_997', 'edi_846', 'edi_856')
            and status = 'pending'
          order by id",
    )
    .bind(channel.warehouse_id)
    .bind(channel.id)
    .fetch_all(pool)
    .await?;
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let mut written = Vec::new();
    for (id, payload) in pending {
        let (Some(name), Some(content)) = (
            payload.get("file_name").and_then(|v| v.as_str()),
            payload.get("content").and_then(|v| v.as_str()),
        ) else {
            continue;
        };
        let path = dir.join(name);
        let partial = dir.join(format!(".{name}.partial"));
        std::fs::write(&partial, content)
            .map_err(|e| Error::io(format!("writing {}", partial.display()), e))?;
        std::fs::rename(&partial, &path)
            .map_err(|e| Error::io(format!("renaming to {}", path.display()), e))?;
        sqlx::query(
            "update outbox set status = 'delivered', delivered_at = now(), updated_at = now()
              where warehouse_id = $1 and id = $2 and status = 'pending'",
        )
        .bind(channel.warehouse_id)
        .bind(id)
        .execute(pool)
        .await?;
        written.push(path);
    }
    Ok(written)
}
