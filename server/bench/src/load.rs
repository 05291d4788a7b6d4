//! P3: round trips while a hundred implement jobs are in flight. Two servers run side by side
//! on the same text: one with the jobs, and a twin with none, and each edit is timed on both,
//! in turn. On a shared machine the background load drifts by tens of percent within a minute;
//! taken in turn, both servers see the same drift, so their ratio is the jobs' cost alone.
//! (The twin shares the cores with the jobs too; the CPU readings below show how little
//! streaming jobs take, so that is no hidden discount.)

use std::time::{Duration, Instant};

use anyhow::bail;

use crate::edits::CharEdit;
use crate::fake::FakeHost;
use crate::figures::{Probe, RoundTrips, Session, round_trip, round_trips_while, start_implements};

/// CPU time a process has used so far (user and system), from `/proc/PID/stat`; `pid` may be
/// `"self"`. `None` where that cannot be read.
pub fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name, in parentheses, may hold spaces: fields are counted after it.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ: /proc counts in hundredths of a second on every Linux that matters here.
    Some(Duration::from_millis(ticks * 10))
}

/// How busy the two servers and the harness were during the interleaved round trips, in cores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Busy {
    pub loaded: f64,
    pub twin: f64,
    pub harness: f64,
}

/// What P3 measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    /// Round trips to the server with the jobs in flight.
    pub loaded: Vec<Duration>,
    /// The same edits, each timed on the twin just before or after.
    pub twin: Vec<Duration>,
    /// From the first executeCommand until every job's request had reached the fake.
    pub ramp_up: Duration,
    /// Round trips made during the ramp-up, while the jobs were building their packets (from
    /// the first edit on, no warm-up).
    pub during_ramp_up: Vec<Duration>,
    /// Jobs that finished before the round trips were done (none should: the fake's answer
    /// lasts minutes).
    pub finished_early: usize,
    /// Notifications (`$/progress` mostly) the client read per second during the round trips.
    pub notifications_per_second: f64,
    pub busy: Option<Busy>,
}

/// Starts `jobs` implements on `loaded` (whose fake answers slowly), times round trips while
/// they start, then, once every job is streaming, reopens the document on both servers with
/// `text` and times each edit on both in turn.
///
/// # Errors
/// A server that stops answering or answers an error, or jobs that do not all reach the fake.
pub async fn under_load(
    twin: &mut Session,
    loaded: &mut Session,
    fake: &FakeHost,
    jobs: usize,
    text: &str,
    edits: &[CharEdit],
    warmup: usize,
) -> anyhow::Result<Load> {
    let started = Instant::now();
    start_implements(loaded, jobs, 17).await?;
    // The log copies every request body when read, so it is read five times a second only.
    let mut checked = Instant::now();
    let mut all_in = false;
    let ramp = round_trips_while(loaded, edits, 0, &Probe::CodeAction, || {
        if checked.elapsed() >= Duration::from_millis(200) {
            checked = Instant::now();
            all_in = fake.requests().len() >= jobs;
        }
        !all_in
    })
    .await?;
    let arrived = fake
        .wait_for(Duration::from_secs(300), |requests| requests.len() >= jobs)
        .await;
    if arrived.len() < jobs {
        bail!(
            "only {} of {jobs} implement jobs reached the fake provider",
            arrived.len()
        );
    }
    let ramp_up = started.elapsed();

    loaded.reopen(text).await?;
    twin.reopen(text).await?;
    let pids = [loaded.server.pid(), twin.server.pid()];
    let cpu_before = cpu_readings(pids);
    let (seen, started) = (loaded.server.notifications_seen(), Instant::now());
    let mut on_loaded = RoundTrips::default();
    let mut on_twin = RoundTrips::default();
    for (i, edit) in edits.iter().enumerate() {
        // Alternate which goes first, so that neither always follows the other's answer.
        let order = if i % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for is_loaded in order {
            let (session, out) = if is_loaded {
                (&mut *loaded, &mut on_loaded)
            } else {
                (&mut *twin, &mut on_twin)
            };
            let (elapsed, failed) = round_trip(session, edit, &Probe::CodeAction).await?;
            if i >= warmup {
                out.samples.push(elapsed);
                out.errors += usize::from(failed);
            }
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let busy = cpu_before
        .zip(cpu_readings(pids))
        .map(|((l0, t0, h0), (l1, t1, h1))| Busy {
            loaded: (l1 - l0).as_secs_f64() / wall,
            twin: (t1 - t0).as_secs_f64() / wall,
            harness: (h1 - h0).as_secs_f64() / wall,
        });
    let errors = on_loaded.errors + on_twin.errors + ramp.errors;
    if errors > 0 {
        bail!("{errors} codeAction requests failed in P3");
    }
    let notifications = loaded.server.notifications_seen() - seen;
    let mut finished_early = 0;
    while let Some(message) = loaded.server.try_notification() {
        finished_early += usize::from(message["method"] == "switchboard/finished");
    }
    Ok(Load {
        loaded: on_loaded.samples,
        twin: on_twin.samples,
        ramp_up,
        during_ramp_up: ramp.samples,
        finished_early,
        notifications_per_second: notifications as f64 / wall,
        busy,
    })
}

/// CPU time so far of the two servers and of this process.
fn cpu_readings(pids: [Option<u32>; 2]) -> Option<(Duration, Duration, Duration)> {
    let of = |pid: Option<u32>| cpu_time(&pid?.to_string());
    Some((of(pids[0])?, of(pids[1])?, cpu_time("self")?))
}
