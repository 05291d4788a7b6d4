//! Helpers shared by the ledger's integration tests: real files in temporary directories, fixed
//! instants, and requests and settlements with only the interesting fields spelled out.

#![allow(
    dead_code,
    reason = "each test binary uses a different subset of the helpers"
)]

use std::path::PathBuf;
use std::time::Duration;

use jiff::Timestamp;
use ledger::{CallOutcome, Caps, Ledger, ReservationRequest, Settlement};

/// A temporary directory and the ledger path inside it; the directory lives as long as this.
pub struct TempLedger {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl TempLedger {
    pub fn new() -> TempLedger {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let path = dir.path().join("ledger.sqlite");
        TempLedger { dir, path }
    }

    /// Opens the ledger in UTC, so tests say exactly which day an instant falls on.
    pub fn open(&self) -> Ledger {
        Ledger::open(&self.path)
            .expect("open the ledger")
            .with_time_zone(jiff::tz::TimeZone::UTC)
    }
}

/// An RFC 3339 instant.
pub fn at(text: &str) -> Timestamp {
    text.parse().expect("a valid RFC 3339 instant")
}

/// A request with a ten-minute lease.
pub fn request(trace_id: &str, model: &str, worst_case_usd: f64) -> ReservationRequest {
    ReservationRequest {
        trace_id: trace_id.to_owned(),
        role: "chat".to_owned(),
        model: model.to_owned(),
        provider: "fake".to_owned(),
        worst_case_usd,
        lease: Duration::from_secs(600),
    }
}

/// A successful settlement that finished at `finished_at`.
pub fn settlement(cost_usd: f64, finished_at: Timestamp) -> Settlement {
    Settlement {
        input_tokens: 1_000,
        output_tokens: 200,
        cached_input_tokens: 100,
        cost_usd,
        outcome: CallOutcome::Ok,
        finish_reason: Some("stop".to_owned()),
        attempts: 1,
        started_at: finished_at,
        finished_at,
    }
}

/// A daily cap only.
pub fn per_day(usd: f64) -> Caps {
    Caps {
        per_day_usd: Some(usd),
        ..Caps::default()
    }
}
