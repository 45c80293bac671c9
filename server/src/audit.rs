//! The audit log outside the console: `server audit export` (JSON lines for a SIEM) and the daily
//! retention prune (`--audit-retention-days`).

use std::time::Duration;

use serde_json::{json, Value};

use app::clock::Clock;
use app::domain::audit::AuditEntry;
use app::domain::signature::{format_date, parse_date};
use app::store::{Store, StoreError};

/// One entry as one JSON object with every field of the log, times as unix seconds and as UTC text.
pub fn entry_json(entry: &AuditEntry) -> Value {
    json!({
        "id": entry.id,
        "at": entry.at,
        "time": format_date(entry.at).replace(' ', "T") + "Z",
        "door": entry.door.as_str(),
        "actor_kind": entry.actor_kind.as_str(),
        "actor": entry.actor,
        "actor_name": entry.actor_name,
        "source": entry.source,
        "request_id": entry.request_id,
        "action": entry.action,
        "client_id": entry.client_id,
        "property_name": entry.property_name,
        "before": entry.before,
        "after": entry.after,
    })
}

/// Reads `--since`: `YYYY-MM-DDTHH:MM:SSZ` (UTC), or a plain date `YYYY-MM-DD`.
pub fn parse_since(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let full = if text.len() == 10 {
        format!("{text} 00:00:00")
    } else {
        text.trim_end_matches('Z').replacen('T', " ", 1)
    };
    parse_date(&full).ok_or_else(|| {
        format!("--since must read YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD (UTC), not {text:?}")
    })
}

/// Every entry at or after `since`, oldest first, one JSON object per line.
pub async fn export(
    store: &Store,
    since: i64,
    out: &mut impl std::io::Write,
) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let entries = store.audit_since(since).await?;
    for entry in &entries {
        writeln!(out, "{}", entry_json(entry))?;
    }
    Ok(entries.len())
}

/// Deletes entries older than `days` days now, then once a day, for as long as the server runs.
pub fn spawn_retention(store: Store, clock: Clock, days: u32) {
    tokio::spawn(async move {
        loop {
            if let Err(error) = prune(&store, &clock, days).await {
                tracing::error!(%error, "audit retention: pruning failed; will try again tomorrow");
            }
            tokio::time::sleep(Duration::from_secs(24 * 3600)).await;
        }
    });
}

pub async fn prune(store: &Store, clock: &Clock, days: u32) -> Result<u64, StoreError> {
    let cutoff = clock.now() - i64::from(days) * 86_400;
    let pruned = store.prune_audit(cutoff).await?;
    tracing::info!(
        pruned,
        days,
        "audit retention: removed entries older than the retention period"
    );
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_utc_times_and_days() {
        assert_eq!(parse_since("1970-01-02T00:00:00Z"), Ok(86_400));
        assert_eq!(parse_since("1970-01-02"), Ok(86_400));
        assert_eq!(parse_since("2026-01-01T00:00:00Z"), Ok(1_767_225_600));
        assert!(parse_since("yesterday").is_err());
        assert!(parse_since("2026-13-01T00:00:00Z").is_err());
    }
}
