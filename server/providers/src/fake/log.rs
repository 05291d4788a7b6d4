//! The fake provider's request log: every request it received, in memory for tests and as
//! JSON lines in a file, with secrets masked.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::FakeError;
use super::scenario::{Fault, Format};

/// One request the fake received, and how its answer ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// 0, 1, 2… in arrival order.
    pub seq: u64,
    /// Arrival, in ms since the fake started (for asserting gaps between retries).
    pub at_ms: f64,
    /// Arrival, in ms since the Unix epoch.
    pub unix_ms: u64,
    pub method: String,
    /// Path and query, with a `key=` query parameter masked.
    pub path: String,
    pub format: Option<Format>,
    pub model: Option<String>,
    /// Lowercase names; auth headers' values are `***`.
    pub headers: BTreeMap<String, String>,
    /// The JSON body, or the body as a string when it is not JSON.
    pub body: Value,
    pub status: u16,
    /// Index of the scenario reply that answered; `None` for the default echo or an error.
    pub reply: Option<usize>,
    pub fault: Option<Fault>,
    /// The whole answer was handed to the connection.
    pub completed: bool,
    /// The client closed the connection before the whole answer was sent.
    pub disconnected_early: bool,
    /// When the answer ended (completed, cut by a fault, or abandoned by the client).
    pub ended_ms: Option<f64>,
}

/// Header names whose values are secrets.
const SECRET_HEADERS: [&str; 6] = [
    "authorization",
    "x-api-key",
    "x-goog-api-key",
    "api-key",
    "proxy-authorization",
    "cookie",
];

pub(crate) fn mask_headers(headers: &axum::http::HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .map(|(name, value)| {
            let name = name.as_str().to_ascii_lowercase();
            let value = if SECRET_HEADERS.contains(&name.as_str()) {
                "***".to_string()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name, value)
        })
        .collect()
}

/// `key=SECRET` in a query becomes `key=***` (Gemini accepts the key as a query parameter).
pub(crate) fn mask_query(path_and_query: &str) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return path_and_query.to_string();
    };
    let masked: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("key", _)) => "key=***".to_string(),
            _ => pair.to_string(),
        })
        .collect();
    format!("{path}?{}", masked.join("&"))
}

pub(crate) struct RequestLog {
    start: Instant,
    records: Mutex<Vec<RecordedRequest>>,
    file: Option<Mutex<File>>,
    changed: tokio::sync::Notify,
}

impl RequestLog {
    pub(crate) fn new(path: Option<&Path>) -> Result<Self, FakeError> {
        let file = match path {
            Some(p) => Some(Mutex::new(File::create(p).map_err(|e| FakeError::Io {
                what: format!("cannot create the request log {}", p.display()),
                source: e,
            })?)),
            None => None,
        };
        Ok(RequestLog {
            start: Instant::now(),
            records: Mutex::new(Vec::new()),
            file,
            changed: tokio::sync::Notify::new(),
        })
    }

    /// Milliseconds since start, to the microsecond.
    pub(crate) fn now_ms(&self) -> f64 {
        (self.start.elapsed().as_secs_f64() * 1e6).round() / 1000.0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RecordedRequest>> {
        // A panic while holding the lock leaves the records readable; keep serving.
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records an arrival; returns its `seq`.
    pub(crate) fn begin(&self, mut record: RecordedRequest) -> u64 {
        let mut records = self.lock();
        record.seq = records.len() as u64;
        record.at_ms = self.now_ms();
        record.unix_ms = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        records.push(record);
        self.changed.notify_waiters();
        (records.len() - 1) as u64
    }

    /// Corrects the status logged for `seq` (a replayed record carries its own).
    pub(crate) fn set_status(&self, seq: u64, status: u16) {
        if let Some(r) = self.lock().get_mut(seq as usize) {
            r.status = status;
        }
    }

    /// Records how the answer to `seq` ended, and appends the request to the log file.
    pub(crate) fn end(&self, seq: u64, completed: bool, disconnected_early: bool) {
        let line = {
            let mut records = self.lock();
            let Some(r) = records.get_mut(seq as usize) else {
                return;
            };
            if r.ended_ms.is_some() {
                return;
            }
            r.completed = completed;
            r.disconnected_early = disconnected_early;
            r.ended_ms = Some(self.now_ms());
            serde_json::to_string(r).unwrap_or_default()
        };
        if let Some(file) = &self.file {
            let mut f = file.lock().unwrap_or_else(|e| e.into_inner());
            // A full disk must not take the fake down mid-answer; the in-memory log remains.
            let _ = writeln!(f, "{line}").and_then(|()| f.flush());
        }
        tracing::debug!(
            seq,
            completed,
            disconnected_early,
            "fake provider: answer ended"
        );
        self.changed.notify_waiters();
    }

    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        self.lock().clone()
    }

    /// Waits until `done` holds for the records (checked at each change), or `timeout`.
    pub(crate) async fn wait_for(
        &self,
        timeout: Duration,
        done: impl Fn(&[RecordedRequest]) -> bool,
    ) -> Vec<RecordedRequest> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let records = self.snapshot();
            if done(&records) || tokio::time::Instant::now() >= deadline {
                return records;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_key_is_masked() {
        assert_eq!(
            mask_query("/v1beta/models/m:streamGenerateContent?alt=sse&key=abc"),
            "/v1beta/models/m:streamGenerateContent?alt=sse&key=***"
        );
    }
}
