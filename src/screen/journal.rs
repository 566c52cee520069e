//! Scan journal entries, made where a screen reads a scan: what was scanned, what it parsed
//! to, and whether it went to the database (`lookup`) or was refused on the terminal
//! (`rejected`). The runtime writes them without the screen waiting. PINs are never journaled.

use serde_json::Value;

use crate::app::command::Command;
use crate::app::notice::Notice;
use crate::db::inquiry::{ScanOutcome, ScanRecord};
use crate::domain::scan::Scan;
use crate::screen::context::Context;

/// Screen names as the journal records them.
pub const LOGIN: &str = "login";
pub const INQUIRY: &str = "inquiry";
pub const UNLOCK: &str = "unlock";
pub const PICK: &str = "pick";
pub const PACK: &str = "pack";

fn record(
    ctx: &Context,
    screen: &'static str,
    raw: &str,
    parsed: Option<Value>,
    outcome: ScanOutcome,
    message: Option<String>,
) -> Command {
    Command::Journal(ScanRecord {
        terminal: ctx.terminal_id.to_string(),
        operator_id: ctx.operator.map(|operator| operator.id),
        screen,
        raw: raw.to_string(),
        parsed,
        outcome,
        message,
    })
}

/// A scan that goes to the database to be looked up.
pub fn lookup(ctx: &Context, screen: &'static str, raw: &str, parsed: Value) -> Command {
    record(ctx, screen, raw, Some(parsed), ScanOutcome::Lookup, None)
}

/// A scan refused on the terminal, with what the operator was told.
pub fn rejected(ctx: &Context, screen: &'static str, raw: &str, notice: &Notice) -> Command {
    record(
        ctx,
        screen,
        raw,
        None,
        ScanOutcome::Rejected,
        Some(notice.long.clone()),
    )
}

/// A scan whose database answer is known: applied, or refused there with a message.
pub fn answered(
    ctx: &Context,
    screen: &'static str,
    raw: &str,
    parsed: Value,
    outcome: ScanOutcome,
    message: Option<String>,
) -> Command {
    record(ctx, screen, raw, Some(parsed), outcome, message)
}

/// What a classified scan said, as the journal keeps it.
pub fn parsed(scan: &Scan) -> Value {
    match scan {
        Scan::Gtin(gtin) => serde_json::json!({ "kind": "gtin", "gtin": gtin.as_str() }),
        Scan::Sscc(sscc) => serde_json::json!({ "kind": "sscc", "sscc": sscc.as_str() }),
        Scan::Gs1(elements) => {
            let mut fields = serde_json::Map::new();
            fields.insert("kind".into(), "gs1".into());
            let mut put = |name: &str, value: Option<Value>| {
                if let Some(value) = value {
                    fields.insert(name.into(), value);
                }
            };
            let text = |s: &str| Value::from(s);
            put("sscc", elements.sscc.as_ref().map(|s| text(s.as_str())));
            put("gtin", elements.gtin.as_ref().map(|g| text(g.as_str())));
            put(
                "content_gtin",
                elements.content_gtin.as_ref().map(|g| text(g.as_str())),
            );
            put("lot", elements.lot.as_deref().map(text));
            put(
                "expiry",
                elements.expiry.map(|d| Value::from(d.to_string())),
            );
            put(
                "best_before",
                elements.best_before.map(|d| Value::from(d.to_string())),
            );
            put("serial", elements.serial.as_deref().map(text));
            put("count", elements.count.map(Value::from));
            Value::Object(fields)
        }
        Scan::Location(code) => serde_json::json!({ "kind": "location", "code": code }),
        Scan::Text(text) => serde_json::json!({ "kind": "text", "text": text }),
    }
}
