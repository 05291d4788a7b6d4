//! Traces: what the router decided and why, every attempt at a provider, the settled calls, and
//! free-form details, all under one trace id. Failed attempts double as the cross-process
//! cooldown signal: a router in another editor window sees that a model just failed.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use crate::Ledger;
use crate::budget::{CALL_COLUMNS, CallRecord, call_from_row};
use crate::error::LedgerError;
use crate::time::{self, from_micros, to_micros};

/// How one attempt at a provider ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// The provider answered.
    Ok,
    /// The attempt failed.
    Failed {
        /// The error kind ("rate_limited", "timeout", "server_error", ...).
        kind: String,
        /// A human-readable message (never containing credentials).
        message: String,
        /// The HTTP status, when there was a response.
        http_status: Option<u16>,
    },
}

/// One attempt at a provider.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    /// The trace it belongs to.
    pub trace_id: String,
    /// The model alias.
    pub model: String,
    /// The provider name.
    pub provider: String,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: AttemptOutcome,
    /// When it ended.
    #[serde(serialize_with = "time::rfc3339::serialize")]
    pub at: Timestamp,
}

/// A routing decision, as the router explained it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// The role that was routed.
    pub role: String,
    /// The decision and its reasons, in the router's own JSON shape.
    pub decision: serde_json::Value,
    /// When it was made.
    #[serde(serialize_with = "time::rfc3339::serialize")]
    pub at: Timestamp,
}

/// A free-form detail (context sizes, what was redacted, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceDetail {
    /// What kind of detail, chosen by the writer ("context", "redaction", ...).
    pub kind: String,
    /// The detail itself.
    pub detail: serde_json::Value,
    /// When it was recorded.
    #[serde(serialize_with = "time::rfc3339::serialize")]
    pub at: Timestamp,
}

/// Everything recorded under one trace id, each list in time order (ties in recording order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    /// The trace id.
    pub trace_id: String,
    /// Routing decisions.
    pub decisions: Vec<Decision>,
    /// Attempts at providers.
    pub attempts: Vec<Attempt>,
    /// Settled calls.
    pub calls: Vec<CallRecord>,
    /// Free-form details.
    pub details: Vec<TraceDetail>,
}

const ATTEMPT_COLUMNS: &str =
    "trace_id, model, provider, outcome, error_kind, message, http_status, at";

fn attempt_from_row(row: &Row<'_>) -> Result<Attempt, LedgerError> {
    let outcome: String = row.get(3)?;
    let outcome = if outcome == "ok" {
        AttemptOutcome::Ok
    } else {
        let status: Option<i64> = row.get(6)?;
        AttemptOutcome::Failed {
            kind: row.get::<_, Option<String>>(4)?.unwrap_or_default(),
            message: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
            // A status that is not a u16 can only come from a hand-edited file; drop it.
            http_status: status.and_then(|status| u16::try_from(status).ok()),
        }
    };
    Ok(Attempt {
        trace_id: row.get(0)?,
        model: row.get(1)?,
        provider: row.get(2)?,
        outcome,
        at: from_micros(row.get(7)?)?,
    })
}

fn json_from_text(text: &str, what: &'static str) -> Result<serde_json::Value, LedgerError> {
    serde_json::from_str(text).map_err(|err| LedgerError::BadRow {
        what,
        detail: err.to_string(),
    })
}

impl Ledger {
    /// Records one attempt at a provider.
    ///
    /// # Errors
    /// A SQLite error.
    pub fn record_attempt(
        &self,
        trace_id: &str,
        model: &str,
        provider: &str,
        outcome: &AttemptOutcome,
        at: Timestamp,
    ) -> Result<(), LedgerError> {
        let (outcome, kind, message, status) = match outcome {
            AttemptOutcome::Ok => ("ok", None, None, None),
            AttemptOutcome::Failed {
                kind,
                message,
                http_status,
            } => ("failed", Some(kind), Some(message), *http_status),
        };
        self.conn().execute(
            "INSERT INTO attempts
               (trace_id, model, provider, outcome, error_kind, message, http_status, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                trace_id,
                model,
                provider,
                outcome,
                kind,
                message,
                status,
                to_micros(at)
            ],
        )?;
        Ok(())
    }

    /// Records a routing decision with its reasons.
    ///
    /// # Errors
    /// A SQLite error.
    pub fn record_decision(
        &self,
        trace_id: &str,
        role: &str,
        decision: &serde_json::Value,
        at: Timestamp,
    ) -> Result<(), LedgerError> {
        self.conn().execute(
            "INSERT INTO decisions (trace_id, role, decision, at) VALUES (?1, ?2, ?3, ?4)",
            params![trace_id, role, decision.to_string(), to_micros(at)],
        )?;
        Ok(())
    }

    /// Records a free-form detail of a trace, so later features can add to traces without a
    /// schema migration.
    ///
    /// # Errors
    /// A SQLite error.
    pub fn record_trace_detail(
        &self,
        trace_id: &str,
        kind: &str,
        detail: &serde_json::Value,
        at: Timestamp,
    ) -> Result<(), LedgerError> {
        self.conn().execute(
            "INSERT INTO trace_details (trace_id, kind, detail, at) VALUES (?1, ?2, ?3, ?4)",
            params![trace_id, kind, detail.to_string(), to_micros(at)],
        )?;
        Ok(())
    }

    /// Everything recorded under `trace_id`, or `None` if nothing was.
    ///
    /// # Errors
    /// [`LedgerError::BadRow`] for rows that do not read back, or a SQLite error.
    pub fn trace(&self, trace_id: &str) -> Result<Option<Trace>, LedgerError> {
        let conn = self.conn();

        let mut stmt = conn.prepare_cached(
            "SELECT role, decision, at FROM decisions WHERE trace_id = ?1 ORDER BY at, id",
        )?;
        let mut rows = stmt.query([trace_id])?;
        let mut decisions = Vec::new();
        while let Some(row) = rows.next()? {
            decisions.push(Decision {
                role: row.get(0)?,
                decision: json_from_text(&row.get::<_, String>(1)?, "decision")?,
                at: from_micros(row.get(2)?)?,
            });
        }

        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE trace_id = ?1 ORDER BY at, id"
        ))?;
        let mut rows = stmt.query([trace_id])?;
        let mut attempts = Vec::new();
        while let Some(row) = rows.next()? {
            attempts.push(attempt_from_row(row)?);
        }

        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE trace_id = ?1 ORDER BY started_at, id"
        ))?;
        let mut rows = stmt.query([trace_id])?;
        let mut calls = Vec::new();
        while let Some(row) = rows.next()? {
            calls.push(call_from_row(row)?);
        }

        let mut stmt = conn.prepare_cached(
            "SELECT kind, detail, at FROM trace_details WHERE trace_id = ?1 ORDER BY at, id",
        )?;
        let mut rows = stmt.query([trace_id])?;
        let mut details = Vec::new();
        while let Some(row) = rows.next()? {
            details.push(TraceDetail {
                kind: row.get(0)?,
                detail: json_from_text(&row.get::<_, String>(1)?, "trace detail")?,
                at: from_micros(row.get(2)?)?,
            });
        }

        if decisions.is_empty() && attempts.is_empty() && calls.is_empty() && details.is_empty() {
            return Ok(None);
        }
        Ok(Some(Trace {
            trace_id: trace_id.to_owned(),
            decisions,
            attempts,
            calls,
            details,
        }))
    }

    /// How many attempts at `model` failed at or after `since`, in any process.
    ///
    /// # Errors
    /// A SQLite error.
    pub fn failures_since(&self, model: &str, since: Timestamp) -> Result<u32, LedgerError> {
        let count: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM attempts WHERE model = ?1 AND outcome = 'failed' AND at >= ?2",
            params![model, to_micros(since)],
            |row| row.get(0),
        )?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// When `model` failed since `since`, oldest first, in any process: what the router's
    /// cooldown policy reads.
    ///
    /// # Errors
    /// A SQLite error.
    pub fn failure_times(
        &self,
        model: &str,
        since: Timestamp,
    ) -> Result<Vec<Timestamp>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT at FROM attempts WHERE model = ?1 AND outcome = 'failed' AND at >= ?2 ORDER BY at",
        )?;
        let rows = stmt.query_map(params![model, to_micros(since)], |row| row.get::<_, i64>(0))?;
        let mut times = Vec::new();
        for micros in rows {
            times.push(from_micros(micros?)?);
        }
        Ok(times)
    }

    /// The most recent failed attempt at `model`, in any process.
    ///
    /// # Errors
    /// [`LedgerError::BadRow`] for a row that does not read back, or a SQLite error.
    pub fn last_failure(&self, model: &str) -> Result<Option<Attempt>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE model = ?1 AND outcome = 'failed'
             ORDER BY at DESC, id DESC LIMIT 1"
        ))?;
        let row = stmt
            .query_row([model], |row| Ok(attempt_from_row(row)))
            .optional()?;
        row.transpose()
    }
}
