//! The cost ledger: calls, budget reservations and traces in one SQLite file shared by every
//! switchboard process of a user.
//!
//! Money is explicit. Every call is estimated before it is sent (worst case: input estimate plus
//! `max_output_tokens`), reserved against the budget atomically across processes
//! ([`Ledger::reserve`]), and settled with the provider's reported usage ([`Ledger::settle`]).
//! A call whose price is unknown has no finite worst case and is refused. API keys never reach
//! the ledger: nothing here takes one.
//!
//! Concurrency: each process (and, if it likes, each thread) opens its own [`Ledger`] on the same
//! file. SQLite's write lock, taken up front by `BEGIN IMMEDIATE`, makes "check the budget, then
//! reserve" one atomic step across all of them; WAL mode lets reports read meanwhile.
//!
//! Time: every operation that depends on "now" takes it as a parameter, and the local time zone
//! that defines "today" and "this month" is held by the [`Ledger`] (the system's by default), so
//! tests control both.

mod budget;
mod error;
mod money;
mod paths;
mod report;
pub mod schema;
mod time;
mod trace;

use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use jiff::tz::TimeZone;
use jiff::{Timestamp, civil};
use rusqlite::Connection;

pub use budget::{
    CallOutcome, CallRecord, Caps, Reservation, ReservationId, ReservationRequest, Settlement,
};
pub use error::{CapScope, LedgerError, Refusal};
pub use paths::{LEDGER_FILE_NAME, STATE_DIR_ENV, state_dir_from};
pub use report::{BudgetStatus, CostRow, CostSummary, GroupBy};
pub use trace::{Attempt, AttemptOutcome, Decision, Trace, TraceDetail};

/// An open ledger file.
///
/// `Ledger` is `Send + Sync`: its one connection sits behind a mutex, so a server can share it
/// between tasks. Separate processes each open their own.
#[derive(Debug)]
pub struct Ledger {
    conn: Mutex<Connection>,
    tz: TimeZone,
    path: PathBuf,
}

impl Ledger {
    /// Opens the ledger at `path`, creating and migrating it as needed.
    ///
    /// # Errors
    /// [`LedgerError::CannotOpen`] (missing or read-only directory), [`LedgerError::IsADirectory`],
    /// [`LedgerError::NotADatabase`] or [`LedgerError::Corrupt`] (move the file aside),
    /// [`LedgerError::NewerSchema`] (written by a newer switchboard), or a SQLite error.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let conn = schema::open(path)?;
        Ok(Ledger {
            conn: Mutex::new(conn),
            tz: TimeZone::system(),
            path: path.to_owned(),
        })
    }

    /// Opens `ledger.sqlite` in the state directory (see [`state_dir_from`]), creating the
    /// directory if needed.
    ///
    /// # Errors
    /// [`LedgerError::NoStateDir`], [`LedgerError::CannotCreateDir`], or anything
    /// [`Ledger::open`] returns.
    pub fn open_in_state_dir() -> Result<Ledger, LedgerError> {
        let dir = state_dir_from(|name| std::env::var_os(name))?;
        std::fs::create_dir_all(&dir).map_err(|source| LedgerError::CannotCreateDir {
            path: dir.clone(),
            source,
        })?;
        Ledger::open(&dir.join(LEDGER_FILE_NAME))
    }

    /// Uses `tz` instead of the system time zone for "today" and "this month".
    #[must_use]
    pub fn with_time_zone(mut self, tz: TimeZone) -> Ledger {
        self.tz = tz;
        self
    }

    /// The time zone that defines local days and months.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The ledger file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The instant a local calendar date begins, for `switchboard costs --since DATE`.
    ///
    /// # Errors
    /// [`LedgerError::Time`] for dates at the edge of the supported range.
    pub fn local_day_start(&self, date: civil::Date) -> Result<Timestamp, LedgerError> {
        time::day_start(date, &self.tz)
    }

    /// The connection. A panic while it was held cannot leave a transaction half-applied (an
    /// unfinished rusqlite transaction rolls back when dropped), so a poisoned lock is still fine.
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A new trace id: 12 lowercase hex characters, unique enough to tell apart every call a user
/// makes (48 bits; a collision needs millions of traces and merely mixes two traces' rows).
///
/// Made from the time, the process id and a counter, hashed with std's randomly keyed SipHash
/// (`RandomState`), which gives per-process randomness without another dependency.
pub fn new_trace_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    format!("{:012x}", hasher.finish() >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_are_short_hex_and_distinct() {
        let ids: std::collections::HashSet<String> = (0..10_000).map(|_| new_trace_id()).collect();
        assert_eq!(ids.len(), 10_000);
        for id in &ids {
            assert_eq!(id.len(), 12);
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
        }
    }

    #[test]
    fn ledger_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Ledger>();
    }
}
