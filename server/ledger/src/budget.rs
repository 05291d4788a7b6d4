//! Budget reservations: reserve a call's worst case atomically across processes, then settle it
//! with the provider's reported usage, or release it if the call never reached a provider.
//!
//! Every reservation carries a lease. A process that crashes between reserve and settle leaves
//! its reservation behind; once the lease runs out it stops counting against the budget, so a
//! crash cannot lock the user out of their own budget for the rest of the day.

use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::Ledger;
use crate::error::{CapScope, LedgerError, Refusal};
use crate::money::{micros_to_usd, usd_to_micros, usd_to_micros_lossy};
use crate::time::{self, Period, add_micros, from_micros, to_micros};

/// How long an expired, unsettled reservation is kept before it is pruned. It stops counting
/// against the budget the moment its lease runs out; it is kept a while longer only so that a
/// late `settle` can still record the call (with its role and model) instead of losing it.
const PRUNE_AFTER_MICROS: i64 = 24 * 60 * 60 * 1_000_000;

/// The budget caps, as configured under `[budget]`. `None` means no cap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Caps {
    /// The most one call may cost in the worst case.
    pub per_request_usd: Option<f64>,
    /// The most all calls of one local calendar day may cost.
    pub per_day_usd: Option<f64>,
    /// The most all calls of one local calendar month may cost.
    pub per_month_usd: Option<f64>,
}

/// Caps in micro-dollars, validated once per operation.
struct CapMicros {
    per_request: Option<i64>,
    per_day: Option<i64>,
    per_month: Option<i64>,
}

impl CapMicros {
    fn new(caps: &Caps) -> Result<CapMicros, LedgerError> {
        let convert = |value: Option<f64>, key: &'static str| {
            value
                .map(|usd| usd_to_micros(usd, || format!("[budget] {key}")))
                .transpose()
        };
        Ok(CapMicros {
            per_request: convert(caps.per_request_usd, "per_request_usd")?,
            per_day: convert(caps.per_day_usd, "per_day_usd")?,
            per_month: convert(caps.per_month_usd, "per_month_usd")?,
        })
    }
}

/// Identifies a reservation; ids are never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReservationId(pub i64);

impl std::fmt::Display for ReservationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a caller wants to reserve before sending a call.
#[derive(Debug, Clone, PartialEq)]
pub struct ReservationRequest {
    /// The trace this call belongs to.
    pub trace_id: String,
    /// The role that asked (e.g. "complete", "chat").
    pub role: String,
    /// The model alias from the config.
    pub model: String,
    /// The provider name from the config.
    pub provider: String,
    /// The most this call can cost: input estimate plus `max_output_tokens`, at the model's
    /// price. NaN or infinite (an unknown price) is refused.
    pub worst_case_usd: f64,
    /// How long the reservation holds if it is never settled. Make it comfortably longer than
    /// the longest call, retries included: after it, other processes stop counting it.
    pub lease: Duration,
}

/// A granted reservation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reservation {
    /// Pass to [`Ledger::settle`] or [`Ledger::release`].
    pub id: ReservationId,
    /// The trace it belongs to.
    pub trace_id: String,
    /// The worst case held against the budget.
    pub worst_case_usd: f64,
    /// When it was made; the call counts towards this instant's local day and month.
    #[serde(serialize_with = "time::rfc3339::serialize")]
    pub reserved_at: Timestamp,
    /// When it stops counting if not settled.
    #[serde(serialize_with = "time::rfc3339::serialize")]
    pub expires_at: Timestamp,
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CallOutcome {
    /// The provider answered.
    Ok,
    /// The call failed after all attempts; `kind` is the provider error's kind (e.g.
    /// "rate_limited", "timeout"). A failed call may still have cost money.
    Error {
        /// The error kind.
        kind: String,
    },
}

/// What actually happened, reported when the call is over.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    /// Input tokens the provider reported.
    pub input_tokens: u64,
    /// Output tokens the provider reported.
    pub output_tokens: u64,
    /// Input tokens served from the provider's cache (a subset of `input_tokens`).
    pub cached_input_tokens: u64,
    /// The real cost from the reported usage.
    pub cost_usd: f64,
    /// How the call ended.
    pub outcome: CallOutcome,
    /// The provider's finish reason, if any ("stop", "length", ...).
    pub finish_reason: Option<String>,
    /// How many attempts the call took (retries and fallbacks included).
    pub attempts: u32,
    /// When the first attempt started.
    pub started_at: Timestamp,
    /// When the call finished; a reservation whose lease ran out by then is settled late.
    pub finished_at: Timestamp,
}

/// A settled call, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRecord {
    /// The call's row id.
    pub id: i64,
    /// The reservation it settled.
    pub reservation_id: ReservationId,
    /// The trace it belongs to.
    pub trace_id: String,
    /// The role that asked.
    pub role: String,
    /// The model alias.
    pub model: String,
    /// The provider name.
    pub provider: String,
    /// Input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Cached input tokens.
    pub cached_input_tokens: u64,
    /// The real cost.
    pub cost_usd: f64,
    /// The worst case that was reserved for it.
    pub worst_case_usd: f64,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: CallOutcome,
    /// The provider's finish reason.
    pub finish_reason: Option<String>,
    /// Attempts taken.
    pub attempts: u32,
    /// The instant whose local day and month the cost counts towards (the reservation time).
    #[serde(serialize_with = "time::rfc3339::serialize")]
    pub charged_at: Timestamp,
    /// When the first attempt started.
    #[serde(serialize_with = "time::rfc3339::serialize")]
    pub started_at: Timestamp,
    /// When it finished.
    #[serde(serialize_with = "time::rfc3339::serialize")]
    pub finished_at: Timestamp,
    /// True when the reservation's lease had run out before the call was settled, so the call
    /// ran partly outside the budget check.
    pub settled_late: bool,
}

impl CallRecord {
    pub(crate) fn cost_micros(&self) -> i64 {
        usd_to_micros_lossy(self.cost_usd)
    }
}

/// The `calls` columns [`call_from_row`] reads, in order.
pub(crate) const CALL_COLUMNS: &str = "id, reservation_id, trace_id, role, model, provider, \
     input_tokens, output_tokens, cached_input_tokens, cost_micros, worst_case_micros, outcome, \
     error_kind, finish_reason, attempts, charged_at, started_at, finished_at, settled_late";

/// Reads a [`CallRecord`] from a row selected with [`CALL_COLUMNS`].
pub(crate) fn call_from_row(row: &Row<'_>) -> Result<CallRecord, LedgerError> {
    let count = |index: usize| -> Result<u64, LedgerError> {
        let value: i64 = row.get(index)?;
        u64::try_from(value).map_err(|_| LedgerError::BadRow {
            what: "call",
            detail: format!("negative count {value}"),
        })
    };
    let outcome: String = row.get(11)?;
    let outcome = match outcome.as_str() {
        "ok" => CallOutcome::Ok,
        _ => CallOutcome::Error {
            kind: row.get::<_, Option<String>>(12)?.unwrap_or_default(),
        },
    };
    let attempts: i64 = row.get(14)?;
    Ok(CallRecord {
        id: row.get(0)?,
        reservation_id: ReservationId(row.get(1)?),
        trace_id: row.get(2)?,
        role: row.get(3)?,
        model: row.get(4)?,
        provider: row.get(5)?,
        input_tokens: count(6)?,
        output_tokens: count(7)?,
        cached_input_tokens: count(8)?,
        cost_usd: micros_to_usd(row.get(9)?),
        worst_case_usd: micros_to_usd(row.get(10)?),
        outcome,
        finish_reason: row.get(13)?,
        attempts: u32::try_from(attempts).map_err(|_| LedgerError::BadRow {
            what: "call",
            detail: format!("attempt count {attempts}"),
        })?,
        charged_at: from_micros(row.get(15)?)?,
        started_at: from_micros(row.get(16)?)?,
        finished_at: from_micros(row.get(17)?)?,
        settled_late: row.get(18)?,
    })
}

/// Settled spending and live reservations in `period`, in micro-dollars. A reservation is live
/// while its lease has not run out at `now`.
pub(crate) fn period_sums(
    conn: &Connection,
    period: Period,
    now: i64,
) -> Result<(i64, i64), LedgerError> {
    // Cached statements: every code-action listing asks, and preparing cost more than the query.
    let spent = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(cost_micros), 0) FROM calls WHERE charged_at >= ?1 AND charged_at < ?2",
        )?
        .query_row(params![period.start, period.end], |row| row.get(0))?;
    let reserved = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(worst_case_micros), 0) FROM reservations
             WHERE reserved_at >= ?1 AND reserved_at < ?2 AND expires_at > ?3",
        )?
        .query_row(params![period.start, period.end, now], |row| row.get(0))?;
    Ok((spent, reserved))
}

/// Refuses when `worst` does not fit under `cap` next to what is spent and reserved.
fn check_cap(
    scope: CapScope,
    cap: i64,
    (spent, reserved): (i64, i64),
    worst: i64,
) -> Result<(), LedgerError> {
    // Equal is allowed: a cap of $1.00 affords exactly four calls of $0.25.
    if spent.saturating_add(reserved).saturating_add(worst) <= cap {
        return Ok(());
    }
    Err(LedgerError::Refused(Refusal {
        scope,
        cap_usd: micros_to_usd(cap),
        spent_usd: micros_to_usd(spent),
        reserved_usd: micros_to_usd(reserved),
        left_usd: micros_to_usd((cap - spent - reserved).max(0)),
        worst_case_usd: micros_to_usd(worst),
    }))
}

fn token_count(value: u64, what: &'static str) -> Result<i64, LedgerError> {
    i64::try_from(value).map_err(|_| LedgerError::OutOfRange { what, value })
}

impl Ledger {
    /// Reserves a call's worst case against the caps, atomically across every process using
    /// this file: either the whole check-and-insert happens with no other reservation in between,
    /// or nothing is written.
    ///
    /// Checks, in order: the per-request cap; the local day (settled calls of the day, plus live
    /// reservations made that day, plus this worst case); the local month, likewise. Expired
    /// reservations are ignored, and pruned a day after they expire.
    ///
    /// # Errors
    /// [`LedgerError::Refused`] naming the cap that does not allow the call;
    /// [`LedgerError::InvalidAmount`] for a NaN, infinite or negative worst case or cap (an
    /// unknown price is refused, never guessed); [`LedgerError::Busy`] or another SQLite error.
    pub fn reserve(
        &self,
        req: ReservationRequest,
        caps: &Caps,
        now: Timestamp,
    ) -> Result<Reservation, LedgerError> {
        let worst = usd_to_micros(req.worst_case_usd, || {
            format!("worst_case_usd for model {}", req.model)
        })?;
        let caps = CapMicros::new(caps)?;
        if let Some(cap) = caps.per_request {
            check_cap(CapScope::PerRequest, cap, (0, 0), worst)?;
        }
        let now_us = to_micros(now);
        let expires_at = add_micros(now_us, req.lease.as_micros());
        let day = time::day_of(now, &self.tz)?;
        let month = time::month_of(now, &self.tz)?;

        let mut conn = self.conn();
        // IMMEDIATE: take the write lock before reading the sums, so no other process can
        // reserve between our check and our insert. A DEFERRED transaction would read first and
        // could then fail to upgrade its lock (SQLITE_BUSY_SNAPSHOT) under contention.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM reservations WHERE expires_at < ?1",
            [now_us.saturating_sub(PRUNE_AFTER_MICROS)],
        )?;
        if let Some(cap) = caps.per_day {
            check_cap(CapScope::Day, cap, period_sums(&tx, day, now_us)?, worst)?;
        }
        if let Some(cap) = caps.per_month {
            check_cap(
                CapScope::Month,
                cap,
                period_sums(&tx, month, now_us)?,
                worst,
            )?;
        }
        tx.execute(
            "INSERT INTO reservations
               (trace_id, role, model, provider, worst_case_micros, reserved_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                req.trace_id,
                req.role,
                req.model,
                req.provider,
                worst,
                now_us,
                expires_at
            ],
        )?;
        let id = ReservationId(tx.last_insert_rowid());
        tx.commit()?;
        Ok(Reservation {
            id,
            trace_id: req.trace_id,
            worst_case_usd: micros_to_usd(worst),
            reserved_at: now,
            expires_at: from_micros(expires_at)?,
        })
    }

    /// Replaces a reservation with the settled call: from now on the day and month count the
    /// real cost instead of the worst case.
    ///
    /// A reservation whose lease ran out before `finished_at` is still recorded, because a call
    /// that happened cost money and hiding it would make the ledger lie; but other processes may
    /// have spent its budget in the meantime, so this returns
    /// [`LedgerError::ReservationExpired`] carrying the recorded call, for the caller to warn.
    ///
    /// # Errors
    /// [`LedgerError::ReservationExpired`] (recorded anyway, see above),
    /// [`LedgerError::AlreadySettled`], [`LedgerError::UnknownReservation`] (released, or pruned
    /// a day after expiry: nothing is recorded), [`LedgerError::InvalidAmount`] for a NaN or
    /// negative cost, or a SQLite error.
    pub fn settle(
        &self,
        id: ReservationId,
        settlement: Settlement,
    ) -> Result<CallRecord, LedgerError> {
        let cost = usd_to_micros(settlement.cost_usd, || {
            format!("cost_usd of reservation {id}")
        })?;
        let input = token_count(settlement.input_tokens, "input_tokens")?;
        let output = token_count(settlement.output_tokens, "output_tokens")?;
        let cached = token_count(settlement.cached_input_tokens, "cached_input_tokens")?;
        let finished_us = to_micros(settlement.finished_at);

        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = tx
            .query_row(
                "SELECT trace_id, role, model, provider, worst_case_micros, reserved_at, expires_at
                 FROM reservations WHERE id = ?1",
                [id.0],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, i64>(4)?,
                        row.get::<_, i64>(5)?,
                        row.get::<_, i64>(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((trace_id, role, model, provider, worst, reserved_at, expires_at)) = found else {
            return Err(missing_reservation(&tx, id)?);
        };
        let settled_late = expires_at <= finished_us;
        let (outcome, error_kind) = match &settlement.outcome {
            CallOutcome::Ok => ("ok", None),
            CallOutcome::Error { kind } => ("error", Some(kind.as_str())),
        };
        tx.execute(
            "INSERT INTO calls
               (reservation_id, trace_id, role, model, provider, input_tokens, output_tokens,
                cached_input_tokens, cost_micros, worst_case_micros, outcome, error_kind,
                finish_reason, attempts, charged_at, started_at, finished_at, settled_late)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            params![
                id.0,
                trace_id,
                role,
                model,
                provider,
                input,
                output,
                cached,
                cost,
                worst,
                outcome,
                error_kind,
                settlement.finish_reason,
                settlement.attempts,
                reserved_at,
                to_micros(settlement.started_at),
                finished_us,
                settled_late,
            ],
        )?;
        let call_id = tx.last_insert_rowid();
        tx.execute("DELETE FROM reservations WHERE id = ?1", [id.0])?;
        tx.commit()?;

        let call = CallRecord {
            id: call_id,
            reservation_id: id,
            trace_id,
            role,
            model,
            provider,
            input_tokens: settlement.input_tokens,
            output_tokens: settlement.output_tokens,
            cached_input_tokens: settlement.cached_input_tokens,
            cost_usd: micros_to_usd(cost),
            worst_case_usd: micros_to_usd(worst),
            outcome: settlement.outcome,
            finish_reason: settlement.finish_reason,
            attempts: settlement.attempts,
            charged_at: from_micros(reserved_at)?,
            started_at: settlement.started_at,
            finished_at: settlement.finished_at,
            settled_late,
        };
        if settled_late {
            return Err(LedgerError::ReservationExpired {
                call: Box::new(call),
            });
        }
        Ok(call)
    }

    /// Gives back a reservation whose call never reached a provider (refused by a later check,
    /// cancelled before sending, no network). Releasing an expired reservation is fine.
    ///
    /// # Errors
    /// [`LedgerError::AlreadySettled`], [`LedgerError::UnknownReservation`], or a SQLite error.
    pub fn release(&self, id: ReservationId) -> Result<(), LedgerError> {
        let conn = self.conn();
        let deleted = conn.execute("DELETE FROM reservations WHERE id = ?1", [id.0])?;
        if deleted == 0 {
            return Err(missing_reservation(&conn, id)?);
        }
        Ok(())
    }
}

/// The error for a reservation id that is not in `reservations`: settled, or unknown.
fn missing_reservation(conn: &Connection, id: ReservationId) -> Result<LedgerError, LedgerError> {
    let settled: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM calls WHERE reservation_id = ?1)",
        [id.0],
        |row| row.get(0),
    )?;
    Ok(if settled {
        LedgerError::AlreadySettled { id: id.0 }
    } else {
        LedgerError::UnknownReservation { id: id.0 }
    })
}
