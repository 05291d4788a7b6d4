//! The ledger's errors: every message is lowercase and says what to do next, because most of
//! them end up in front of a user (an editor notification or `switchboard ask` on a terminal).

use std::path::PathBuf;

use serde::Serialize;

use crate::budget::CallRecord;
use crate::money::{format_cap, format_usd};

/// Everything that can go wrong in the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// No state directory could be worked out from the environment.
    #[error(
        "cannot find a state directory for the ledger: none of SWITCHBOARD_STATE_DIR, XDG_STATE_HOME or HOME is set; set SWITCHBOARD_STATE_DIR to a writable directory"
    )]
    NoStateDir,

    /// The state directory could not be created.
    #[error(
        "cannot create the ledger's directory {path}: {source}; create it yourself or set SWITCHBOARD_STATE_DIR to a writable directory"
    )]
    CannotCreateDir {
        /// The directory that could not be created.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },

    /// The ledger path names a directory.
    #[error(
        "the ledger path {path} is a directory, not a file; move it aside or set SWITCHBOARD_STATE_DIR elsewhere"
    )]
    IsADirectory {
        /// The offending path.
        path: PathBuf,
    },

    /// SQLite could not open or create the file (missing or read-only directory, permissions).
    #[error(
        "cannot open the ledger at {path} ({detail}); check that its directory exists and is writable, or set SWITCHBOARD_STATE_DIR to a writable directory"
    )]
    CannotOpen {
        /// The ledger file.
        path: PathBuf,
        /// SQLite's own words.
        detail: String,
    },

    /// The file exists but is not a SQLite database at all.
    #[error(
        "the ledger at {path} is not a SQLite database ({detail}); move it aside and switchboard will start a new one"
    )]
    NotADatabase {
        /// The ledger file.
        path: PathBuf,
        /// SQLite's own words.
        detail: String,
    },

    /// The file is a SQLite database whose pages are damaged.
    #[error(
        "the ledger at {path} is corrupt ({detail}); move it aside and switchboard will start a new one"
    )]
    Corrupt {
        /// The ledger file.
        path: PathBuf,
        /// SQLite's own words.
        detail: String,
    },

    /// The file was written by a newer switchboard whose schema this build does not know.
    #[error(
        "the ledger at {path} has schema version {found}, but this switchboard only knows versions up to {known}; it was written by a newer switchboard: upgrade this one, or move the file aside to start a new ledger"
    )]
    NewerSchema {
        /// The ledger file.
        path: PathBuf,
        /// `PRAGMA user_version` of the file.
        found: i64,
        /// The newest version this build can migrate to.
        known: i64,
    },

    /// The budget does not allow this call.
    #[error("{0}")]
    Refused(Refusal),

    /// A money amount was NaN, infinite, negative or absurdly large.
    #[error(
        "{what} must be a finite, non-negative number of dollars, got {value}; a call whose price is unknown cannot be bounded, so it is refused: give the model a price"
    )]
    InvalidAmount {
        /// Which amount (e.g. "worst_case_usd for model fast").
        what: String,
        /// The value as given.
        value: f64,
    },

    /// A token count or similar does not fit the database's integers.
    #[error("{what} is too large to record ({value})")]
    OutOfRange {
        /// Which number.
        what: &'static str,
        /// The value as given.
        value: u64,
    },

    /// No reservation with this id exists.
    #[error(
        "no reservation {id} in the ledger: it was released, or it expired more than a day ago and was pruned; reserve again before calling the provider"
    )]
    UnknownReservation {
        /// The reservation id.
        id: i64,
    },

    /// The reservation was already settled into a call.
    #[error(
        "reservation {id} was already settled; each reservation is settled (or released) exactly once"
    )]
    AlreadySettled {
        /// The reservation id.
        id: i64,
    },

    /// The reservation's lease ran out before it was settled. The call was recorded anyway (a
    /// call that happened cost money), but other processes may have spent its budget meanwhile.
    #[error(
        "reservation {} expired before it was settled (the call finished after its lease ran out); the call was recorded anyway at {} because it cost money, but it ran outside the budget check: give calls a longer lease", call.reservation_id, format_usd(call.cost_micros())
    )]
    ReservationExpired {
        /// The call as recorded.
        call: Box<CallRecord>,
    },

    /// Another process held the ledger locked for longer than the busy timeout.
    #[error(
        "the ledger is locked by another switchboard process for more than {seconds} s ({detail}); try again, and if it persists look for a stuck switchboard process"
    )]
    Busy {
        /// The busy timeout in seconds.
        seconds: u64,
        /// SQLite's own words.
        detail: String,
    },

    /// A row read back from the file does not make sense (hand-edited or damaged file).
    #[error(
        "the ledger holds a bad {what}: {detail}; if the file was edited by hand, move it aside and switchboard will start a new one"
    )]
    BadRow {
        /// What was being read.
        what: &'static str,
        /// What was wrong with it.
        detail: String,
    },

    /// Local calendar arithmetic failed (a time far outside the supported range).
    #[error("cannot work out the local day or month: {0}")]
    Time(#[from] jiff::Error),

    /// Any other SQLite error.
    #[error(
        "ledger database error: {0}; if it persists, move the ledger file aside and switchboard will start a new one"
    )]
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for LedgerError {
    fn from(err: rusqlite::Error) -> Self {
        // A lock held past the busy timeout is the one failure a user can act on ("try again"),
        // so it gets its own message instead of a generic database error.
        if let rusqlite::Error::SqliteFailure(code, _) = &err
            && matches!(
                code.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            )
        {
            return LedgerError::Busy {
                seconds: crate::schema::BUSY_TIMEOUT.as_secs(),
                detail: err.to_string(),
            };
        }
        LedgerError::Sqlite(err)
    }
}

/// Which budget cap refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CapScope {
    /// `per_request_usd`: the worst case of one call alone.
    PerRequest,
    /// `per_day_usd`: the user's local calendar day.
    Day,
    /// `per_month_usd`: the user's local calendar month.
    Month,
}

/// Why the budget refused a call, with the numbers that made it so.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refusal {
    /// Which cap.
    pub scope: CapScope,
    /// The cap in dollars.
    pub cap_usd: f64,
    /// Settled spending in the cap's period (zero for the per-request cap).
    pub spent_usd: f64,
    /// Worst cases of calls in flight in the cap's period (zero for the per-request cap).
    pub reserved_usd: f64,
    /// What is left under the cap before this call (never below zero).
    pub left_usd: f64,
    /// The worst case this call asked for.
    pub worst_case_usd: f64,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::money::usd_to_micros_lossy as m;
        let worst = format_usd(m(self.worst_case_usd));
        let cap = format_cap(m(self.cap_usd));
        let (period, key, hint) = match self.scope {
            CapScope::PerRequest => {
                return write!(
                    f,
                    "refused: this call could cost up to {worst} and the per-request cap is {cap}; raise [budget] per_request_usd or ask for fewer output tokens (max_output_tokens)"
                );
            }
            CapScope::Day => ("today's", "per_day_usd", "wait until tomorrow"),
            CapScope::Month => ("this month's", "per_month_usd", "wait until next month"),
        };
        write!(
            f,
            "refused: this call could cost up to {worst} and {period} budget of {cap} has {left} left (spent {spent}, {reserved} reserved by calls in flight); raise [budget] {key} or {hint}",
            left = format_usd(m(self.left_usd)),
            spent = format_usd(m(self.spent_usd)),
            reserved = format_usd(m(self.reserved_usd)),
        )
    }
}
