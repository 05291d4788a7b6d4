//! Reservations racing for the last of the budget: eight threads, then eight processes, each
//! with its own connection to one file, against a daily cap that affords exactly four calls.
//! Exactly four must win, every time.
//!
//! The process race re-executes this test binary: with `LEDGER_RACE_CHILD` set, the test
//! `race_child` plays one racing process and reports on stdout; without it, it does nothing.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::{TempLedger, at, per_day, request, settlement};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use ledger::{CapScope, GroupBy, Ledger, LedgerError, ReservationId};

const RACERS: usize = 8;
const WORST_CASE: f64 = 0.25;
const DAILY_CAP: f64 = 1.0;
const NOW: &str = "2025-03-14T12:00:00Z";
/// What each loser must be told: all four winners are in flight, nothing is settled yet.
const REFUSAL: &str = "refused: this call could cost up to $0.2500 and today's budget of $1.00 has $0.0000 left (spent $0.0000, $1.0000 reserved by calls in flight); raise [budget] per_day_usd or wait until tomorrow";

/// Settles the winners with small, uneven real costs and checks the day adds up exactly.
fn settle_winners(path: &Path, winners: &[ReservationId]) {
    let ledger = Ledger::open(path)
        .expect("reopen the raced ledger")
        .with_time_zone(TimeZone::UTC);
    let now = at(NOW);
    let mut expected_micros = 0_i64;
    for (i, id) in winners.iter().enumerate() {
        // 0.012345, 0.023456, ...: amounts whose float sum would drift in the last digits.
        let micros = 12_345 + 11_111 * i64::try_from(i).expect("a small index");
        expected_micros += micros;
        let cost = micros as f64 / 1e6;
        let call = ledger
            .settle(*id, settlement(cost, now))
            .expect("settle a winner");
        assert_eq!(call.cost_usd, cost);
    }
    let status = ledger
        .budget_status(&per_day(DAILY_CAP), now)
        .expect("budget status");
    let expected = expected_micros as f64 / 1e6;
    assert_eq!(status.spent_today, expected);
    assert_eq!(status.reserved_today, 0.0);
    assert_eq!(
        status.left_today,
        Some((1_000_000 - expected_micros) as f64 / 1e6)
    );
    let summary = ledger.summary(None, GroupBy::Day).expect("summary");
    assert_eq!(summary.totals.calls, 4);
    assert_eq!(summary.totals.cost_usd, expected);
}

#[test]
fn eight_threads_race_for_four_calls() {
    for round in 0..20 {
        // A fresh, not yet created file each round: the racers also race to create and migrate.
        let temp = TempLedger::new();
        let barrier = Arc::new(Barrier::new(RACERS));
        let racers: Vec<_> = (0..RACERS)
            .map(|i| {
                let path = temp.path.clone();
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    let ledger = Ledger::open(&path).unwrap().with_time_zone(TimeZone::UTC);
                    barrier.wait();
                    let req = request(&format!("round{round}-{i}"), "m", WORST_CASE);
                    ledger.reserve(req, &per_day(DAILY_CAP), at(NOW))
                })
            })
            .collect();
        let mut winners = Vec::new();
        let mut losers = 0;
        for racer in racers {
            match racer.join().unwrap() {
                Ok(reservation) => winners.push(reservation.id),
                Err(LedgerError::Refused(refusal)) => {
                    assert_eq!(refusal.scope, CapScope::Day);
                    assert_eq!(refusal.to_string(), REFUSAL);
                    losers += 1;
                }
                Err(other) => panic!("round {round}: unexpected error {other}"),
            }
        }
        assert_eq!((winners.len(), losers), (4, 4), "round {round}");
        settle_winners(&temp.path, &winners);
    }
}

const CHILD_ENV: &str = "LEDGER_RACE_CHILD";
const CHILD_TIMEOUT: Duration = Duration::from_secs(60);

/// Waits for a file to appear, polling; false on timeout.
fn wait_for(path: &Path, timeout: Duration) -> bool {
    let start = Instant::now();
    while !path.exists() {
        if start.elapsed() > timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

/// One racing process. `LEDGER_RACE_CHILD` holds `index|ledger path|run dir|now`.
#[test]
fn race_child() {
    let Some(spec) = std::env::var_os(CHILD_ENV) else {
        return; // Not a child: the ordinary test run.
    };
    let spec = spec.into_string().unwrap();
    let mut parts = spec.split('|');
    let (index, path, run_dir, now) = (
        parts.next().unwrap(),
        PathBuf::from(parts.next().unwrap()),
        PathBuf::from(parts.next().unwrap()),
        parts.next().unwrap().parse::<Timestamp>().unwrap(),
    );
    let ledger = match Ledger::open(&path) {
        Ok(ledger) => ledger.with_time_zone(TimeZone::UTC),
        Err(err) => {
            println!("race-child error {err}");
            return;
        }
    };
    std::fs::write(run_dir.join(format!("ready-{index}")), b"").unwrap();
    if !wait_for(&run_dir.join("go"), CHILD_TIMEOUT) {
        println!("race-child error no go signal");
        return;
    }
    let req = request(&format!("process-{index}"), "m", WORST_CASE);
    match ledger.reserve(req, &per_day(DAILY_CAP), now) {
        Ok(reservation) => println!("race-child reserved {}", reservation.id),
        Err(err) => println!("race-child refused {err}"),
    }
}

#[test]
fn eight_processes_race_for_four_calls() {
    let exe = std::env::current_exe().unwrap();
    for round in 0..5 {
        let temp = TempLedger::new();
        let run_dir = temp.dir.path().join("run");
        std::fs::create_dir(&run_dir).unwrap();
        let children: Vec<_> = (0..RACERS)
            .map(|i| {
                let spec = format!("{i}|{}|{}|{NOW}", temp.path.display(), run_dir.display());
                Command::new(&exe)
                    .args(["race_child", "--exact", "--nocapture", "--test-threads=1"])
                    .env(CHILD_ENV, spec)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        // Start the race only once every process has its connection open, so they really race
        // on `reserve` rather than on process start-up.
        for i in 0..RACERS {
            assert!(
                wait_for(&run_dir.join(format!("ready-{i}")), CHILD_TIMEOUT),
                "round {round}: child {i} never got ready"
            );
        }
        std::fs::write(run_dir.join("go"), b"").unwrap();

        let mut winners = Vec::new();
        let mut losers = 0;
        for child in children {
            let output = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "round {round}: child failed: {stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            let line = stdout
                .lines()
                // The harness prints "test race_child ... " on the same line, before the report.
                .find_map(|line| line.split_once("race-child ").map(|(_, report)| report))
                .unwrap_or_else(|| panic!("round {round}: no report from child: {stdout}"));
            if let Some(id) = line.strip_prefix("reserved ") {
                winners.push(ReservationId(id.parse().unwrap()));
            } else if let Some(message) = line.strip_prefix("refused ") {
                assert_eq!(message, REFUSAL, "round {round}");
                losers += 1;
            } else {
                panic!("round {round}: child reported {line}");
            }
        }
        assert_eq!((winners.len(), losers), (4, 4), "round {round}");
        settle_winners(&temp.path, &winners);
    }
}
