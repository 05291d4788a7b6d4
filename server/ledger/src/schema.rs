//! Opening the SQLite file (WAL, busy timeout, foreign keys) and its versioned schema.
//!
//! The schema version is `PRAGMA user_version`. [`MIGRATIONS`] is an append-only list: entry `i`
//! takes a file from version `i` to `i + 1`. Never edit a released entry; add a new one.
//!
//! Conventions of every table: times are INTEGER microseconds since the Unix epoch (UTC), money
//! is INTEGER micro-dollars (1e-6 USD), JSON is TEXT checked with `json_valid`, and ids are
//! AUTOINCREMENT so that an id is never reused (a late `settle` must not hit a newer reservation).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, MAIN_DB, OpenFlags, TransactionBehavior};

use crate::error::LedgerError;

/// How long a statement waits for another process's lock before giving up. Ledger transactions
/// are a handful of small statements, so 5 s only runs out when a process is stuck.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The migrations, in order; `MIGRATIONS.len()` is the schema version this build writes.
pub const MIGRATIONS: &[&str] = &[
    // v1: reservations, settled calls, attempts and routing decisions.
    r"
    CREATE TABLE reservations (
        id                INTEGER PRIMARY KEY AUTOINCREMENT,
        trace_id          TEXT    NOT NULL,
        role              TEXT    NOT NULL,
        model             TEXT    NOT NULL,
        provider          TEXT    NOT NULL,
        worst_case_micros INTEGER NOT NULL CHECK (worst_case_micros >= 0),
        reserved_at       INTEGER NOT NULL,
        expires_at        INTEGER NOT NULL
    );
    CREATE INDEX reservations_by_reserved_at ON reservations (reserved_at);

    CREATE TABLE calls (
        id                  INTEGER PRIMARY KEY AUTOINCREMENT,
        -- The reservation this call settled; UNIQUE so a second settle is caught by the schema.
        -- Not a foreign key: the reservation row is deleted when the call is recorded.
        reservation_id      INTEGER NOT NULL UNIQUE,
        trace_id            TEXT    NOT NULL,
        role                TEXT    NOT NULL,
        model               TEXT    NOT NULL,
        provider            TEXT    NOT NULL,
        input_tokens        INTEGER NOT NULL CHECK (input_tokens >= 0),
        output_tokens       INTEGER NOT NULL CHECK (output_tokens >= 0),
        cached_input_tokens INTEGER NOT NULL CHECK (cached_input_tokens >= 0),
        cost_micros         INTEGER NOT NULL CHECK (cost_micros >= 0),
        worst_case_micros   INTEGER NOT NULL CHECK (worst_case_micros >= 0),
        outcome             TEXT    NOT NULL CHECK (outcome IN ('ok', 'error')),
        error_kind          TEXT,
        finish_reason       TEXT,
        attempts            INTEGER NOT NULL CHECK (attempts >= 0),
        -- When the budget was checked: the call counts towards this instant's local day and
        -- month, so a call never moves between days between its reservation and settlement.
        charged_at          INTEGER NOT NULL,
        started_at          INTEGER NOT NULL,
        finished_at         INTEGER NOT NULL,
        -- 1 when the reservation's lease had run out before the call was settled.
        settled_late        INTEGER NOT NULL DEFAULT 0 CHECK (settled_late IN (0, 1))
    );
    CREATE INDEX calls_by_charged_at ON calls (charged_at);
    CREATE INDEX calls_by_trace ON calls (trace_id);

    CREATE TABLE attempts (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        trace_id    TEXT    NOT NULL,
        model       TEXT    NOT NULL,
        provider    TEXT    NOT NULL,
        outcome     TEXT    NOT NULL CHECK (outcome IN ('ok', 'failed')),
        error_kind  TEXT,
        message     TEXT,
        http_status INTEGER,
        at          INTEGER NOT NULL
    );
    CREATE INDEX attempts_by_trace ON attempts (trace_id);

    CREATE TABLE decisions (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        trace_id TEXT    NOT NULL,
        role     TEXT    NOT NULL,
        decision TEXT    NOT NULL CHECK (json_valid(decision)),
        at       INTEGER NOT NULL
    );
    CREATE INDEX decisions_by_trace ON decisions (trace_id);
    ",
    // v2: free-form trace details (context sizes, redactions, ...) so later features can add to
    // a trace without a migration each; and an index for cross-process cooldown lookups, which
    // run before every routed call.
    r"
    CREATE TABLE trace_details (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        trace_id TEXT    NOT NULL,
        kind     TEXT    NOT NULL,
        detail   TEXT    NOT NULL CHECK (json_valid(detail)),
        at       INTEGER NOT NULL
    );
    CREATE INDEX trace_details_by_trace ON trace_details (trace_id);
    CREATE INDEX attempts_failed_by_model ON attempts (model, at) WHERE outcome = 'failed';
    ",
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Opens (creating if needed) and migrates the ledger file.
pub(crate) fn open(path: &Path) -> Result<Connection, LedgerError> {
    // SQLite's own message for a directory is a bare "unable to open database file"; say it.
    if path.is_dir() {
        return Err(LedgerError::IsADirectory {
            path: path.to_owned(),
        });
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(|err| classify(path, err))?;
    // SQLite quietly falls back to read-only for a file it may not write; every reservation
    // would then fail later with a vaguer message, so refuse now.
    if conn
        .is_readonly(MAIN_DB)
        .map_err(|err| classify(path, err))?
    {
        return Err(LedgerError::CannotOpen {
            path: path.to_owned(),
            detail: "the file is read-only".to_owned(),
        });
    }
    configure(&conn).map_err(|err| classify(path, err))?;
    migrate(&mut conn, path)?;
    Ok(conn)
}

/// Connection settings; none of them is stored in the file except the journal mode.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // WAL lets readers (reports, `switchboard costs`) run while another process writes. Turning
    // it on needs a moment of exclusive access, and several processes opening a brand-new file at
    // once can see SQLITE_BUSY here without the busy handler being consulted, so retry briefly.
    // On file systems without shared memory SQLite keeps its rollback journal and says so in the
    // returned mode; that is still correct across processes, only slower, so it is accepted.
    let mut tries = 0;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
            row.get::<_, String>(0)
        }) {
            Ok(_mode) => break,
            Err(err) if is_busy(&err) && tries < 200 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(5 + tries % 20));
            }
            Err(err) => return Err(err),
        }
    }
    // No table uses foreign keys yet, but later migrations may, and SQLite leaves them off by
    // default per connection.
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Brings the file to [`SCHEMA_VERSION`] in one transaction.
fn migrate(conn: &mut Connection, path: &Path) -> Result<(), LedgerError> {
    let found = user_version(conn).map_err(|err| classify(path, err))?;
    check_version(path, found)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    // IMMEDIATE takes the write lock up front, so two processes migrating the same file serialise
    // here; the loser then re-reads the version and finds nothing left to do.
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|err| classify(path, err))?;
    let found = user_version(&tx).map_err(|err| classify(path, err))?;
    check_version(path, found)?;
    let from = usize::try_from(found).expect("check_version rejects negative versions");
    for sql in &MIGRATIONS[from..] {
        tx.execute_batch(sql).map_err(|err| classify(path, err))?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(|err| classify(path, err))?;
    tx.commit().map_err(|err| classify(path, err))?;
    Ok(())
}

fn check_version(path: &Path, found: i64) -> Result<(), LedgerError> {
    if found > SCHEMA_VERSION {
        return Err(LedgerError::NewerSchema {
            path: path.to_owned(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    if found < 0 {
        return Err(LedgerError::Corrupt {
            path: path.to_owned(),
            detail: format!("schema version {found} is negative"),
        });
    }
    Ok(())
}

/// Turns SQLite's open-time errors into ones that name the file and say what to do.
fn classify(path: &Path, err: rusqlite::Error) -> LedgerError {
    let detail = match &err {
        rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
        rusqlite::Error::SqliteFailure(code, None) => code.to_string(),
        other => other.to_string(),
    };
    // rusqlite appends the path to open errors; the message names it already.
    let suffix = format!(": {}", path.display());
    let detail = detail.strip_suffix(&suffix).unwrap_or(&detail).to_owned();
    let path = path.to_owned();
    match err.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => LedgerError::NotADatabase { path, detail },
        Some(ErrorCode::DatabaseCorrupt) => LedgerError::Corrupt { path, detail },
        Some(
            ErrorCode::CannotOpen
            | ErrorCode::ReadOnly
            | ErrorCode::PermissionDenied
            | ErrorCode::SystemIoFailure,
        ) => LedgerError::CannotOpen { path, detail },
        _ => LedgerError::from(err),
    }
}
