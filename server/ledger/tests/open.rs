//! Opening ledger files: fresh and old schemas, files from newer builds, garbage, and places
//! that cannot hold a ledger. Every failure must be a clear error, never a panic.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;

use common::{TempLedger, at, request, settlement};
use ledger::schema::{MIGRATIONS, SCHEMA_VERSION};
use ledger::{GroupBy, Ledger, LedgerError};
use rusqlite::Connection;

fn user_version(path: &std::path::Path) -> i64 {
    let conn = Connection::open(path).expect("open with plain rusqlite");
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("read user_version")
}

#[test]
fn a_fresh_file_gets_the_latest_schema_in_wal_mode() {
    let temp = TempLedger::new();
    let ledger = temp.open();
    assert_eq!(ledger.path(), temp.path);
    drop(ledger);
    assert_eq!(user_version(&temp.path), SCHEMA_VERSION);
    let conn = Connection::open(&temp.path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn reopening_keeps_the_data() {
    let temp = TempLedger::new();
    let ledger = temp.open();
    let now = at("2025-03-14T12:00:00Z");
    let res = ledger
        .reserve(request("t1", "fast", 0.5), &Default::default(), now)
        .unwrap();
    ledger.settle(res.id, settlement(0.25, now)).unwrap();
    drop(ledger);
    let ledger = temp.open();
    let summary = ledger.summary(None, GroupBy::Model).unwrap();
    assert_eq!(summary.totals.calls, 1);
    assert_eq!(summary.totals.cost_usd, 0.25);
}

#[test]
fn a_v1_file_is_migrated_and_keeps_its_rows() {
    let temp = TempLedger::new();
    {
        // Build a v1 file the way the v1 build did: its migration only.
        let conn = Connection::open(&temp.path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO calls (reservation_id, trace_id, role, model, provider, input_tokens,
               output_tokens, cached_input_tokens, cost_micros, worst_case_micros, outcome,
               attempts, charged_at, started_at, finished_at)
             VALUES (1, 'old', 'chat', 'fast', 'fake', 10, 20, 0, 123456, 200000, 'ok', 1,
               1741953600000000, 1741953600000000, 1741953601000000)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO decisions (trace_id, role, decision, at)
             VALUES ('old', 'chat', '{\"model\":\"fast\"}', 1741953600000000)",
            [],
        )
        .unwrap();
    }
    let ledger = temp.open();
    let trace = ledger.trace("old").unwrap().expect("the v1 rows survive");
    assert_eq!(trace.decisions.len(), 1);
    assert_eq!(trace.calls.len(), 1);
    assert_eq!(trace.calls[0].cost_usd, 0.123456);
    // The v2 table exists now.
    ledger
        .record_trace_detail(
            "old",
            "context",
            &serde_json::json!({"tokens": 10}),
            at("2025-03-14T12:00:02Z"),
        )
        .unwrap();
    assert_eq!(ledger.trace("old").unwrap().unwrap().details.len(), 1);
    drop(ledger);
    assert_eq!(user_version(&temp.path), SCHEMA_VERSION);
}

#[test]
fn a_file_from_a_newer_build_is_refused_clearly() {
    let temp = TempLedger::new();
    drop(temp.open());
    Connection::open(&temp.path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 5)
        .unwrap();
    let err = Ledger::open(&temp.path).unwrap_err();
    assert!(
        matches!(err, LedgerError::NewerSchema { found, known, .. } if found == SCHEMA_VERSION + 5 && known == SCHEMA_VERSION),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("written by a newer switchboard"),
        "{message}"
    );
    assert!(message.contains("upgrade"), "{message}");
    // Refusing must not have touched the file.
    assert_eq!(user_version(&temp.path), SCHEMA_VERSION + 5);
}

/// Deterministic garbage that does not start with SQLite's magic header.
fn garbage(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect()
}

#[test]
fn a_garbage_file_is_a_clear_error_and_is_left_alone() {
    for len in [4096, 10] {
        let temp = TempLedger::new();
        let bytes = garbage(len);
        fs::write(&temp.path, &bytes).unwrap();
        let err = Ledger::open(&temp.path).unwrap_err();
        assert!(matches!(err, LedgerError::NotADatabase { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "the ledger at {} is not a SQLite database (file is not a database); move it aside and switchboard will start a new one",
                temp.path.display()
            )
        );
        assert_eq!(
            fs::read(&temp.path).unwrap(),
            bytes,
            "the file must not be overwritten"
        );
    }
}

#[test]
fn a_damaged_schema_page_is_a_clear_error() {
    let temp = TempLedger::new();
    drop(temp.open());
    // Keep the 100-byte header (so it still looks like SQLite) and smash the rest of page 1,
    // which holds the schema table.
    let mut bytes = fs::read(&temp.path).unwrap();
    let end = bytes.len().min(4096);
    bytes[100..end].copy_from_slice(&garbage(end - 100));
    fs::write(&temp.path, &bytes).unwrap();
    let err = Ledger::open(&temp.path).unwrap_err();
    assert!(
        matches!(
            err,
            LedgerError::Corrupt { .. } | LedgerError::NotADatabase { .. }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("move it aside"), "{err}");
}

#[test]
fn a_directory_in_the_way_is_a_clear_error() {
    let temp = TempLedger::new();
    fs::create_dir(&temp.path).unwrap();
    let err = Ledger::open(&temp.path).unwrap_err();
    assert!(matches!(err, LedgerError::IsADirectory { .. }), "{err:?}");
    assert!(err.to_string().contains("is a directory"), "{err}");
}

#[test]
fn a_parent_that_is_a_regular_file_is_a_clear_error() {
    let temp = TempLedger::new();
    let parent = temp.dir.path().join("not-a-dir");
    fs::write(&parent, b"just a file").unwrap();
    let err = Ledger::open(&parent.join("ledger.sqlite")).unwrap_err();
    assert!(matches!(err, LedgerError::CannotOpen { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with("cannot open the ledger at "),
        "{message}"
    );
    assert!(message.contains("writable"), "{message}");
}

#[test]
fn a_read_only_directory_is_a_clear_error() {
    let temp = TempLedger::new();
    let dir = temp.dir.path().join("read-only");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
    // Root (CAP_DAC_OVERRIDE) writes through 0o555; if this process can, the directory proves
    // nothing, so test the other unwritable place instead: a path whose parent is a file.
    let probe = dir.join("probe");
    let path = if fs::write(&probe, b"").is_ok() {
        fs::remove_file(&probe).unwrap();
        let parent = temp.dir.path().join("file-parent");
        fs::write(&parent, b"").unwrap();
        parent.join("ledger.sqlite")
    } else {
        dir.join("ledger.sqlite")
    };
    let result = Ledger::open(&path);
    // Give the directory back its permissions before asserting, so the temp dir can be removed.
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    let err = result.unwrap_err();
    assert!(matches!(err, LedgerError::CannotOpen { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "cannot open the ledger at {} (unable to open database file); check that its directory exists and is writable, or set SWITCHBOARD_STATE_DIR to a writable directory",
            path.display()
        )
    );
}

#[test]
fn a_read_only_file_is_a_clear_error() {
    let temp = TempLedger::new();
    drop(temp.open());
    fs::set_permissions(&temp.path, fs::Permissions::from_mode(0o444)).unwrap();
    // Root writes through 0o444 too, and then SQLite opens the file read-write as it should;
    // there is nothing read-only to detect, so only check that opening still works.
    let root = fs::OpenOptions::new().append(true).open(&temp.path).is_ok();
    let result = Ledger::open(&temp.path);
    fs::set_permissions(&temp.path, fs::Permissions::from_mode(0o644)).unwrap();
    if root {
        result.unwrap();
        return;
    }
    let err = result.unwrap_err();
    assert!(matches!(err, LedgerError::CannotOpen { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "cannot open the ledger at {} (the file is read-only); check that its directory exists and is writable, or set SWITCHBOARD_STATE_DIR to a writable directory",
            temp.path.display()
        )
    );
}
