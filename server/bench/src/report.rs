//! The figures of one run and how they are shown: one table, ratios first (they hold across
//! machines), then medians and 99th percentiles, each against its target; or the same as JSON.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Value, json};
use text::PositionEncoding;

use crate::figures::{Finished, Memory};
use crate::load::Load;
use crate::packets::PacketFigures;
use crate::stats::{Summary, show};

/// P1 for one offered encoding.
#[derive(Debug, Clone)]
pub struct RoundTrip {
    pub offered: PositionEncoding,
    /// What the server chose; the floor compared with is measured in this encoding.
    pub negotiated: PositionEncoding,
    pub probe: String,
    pub summary: Summary,
    pub floor: Summary,
}

/// P3's readings.
#[derive(Debug, Clone)]
pub struct UnderLoad {
    /// The server with the jobs in flight.
    pub summary: Summary,
    /// Its twin without jobs, the same edits timed in turn: the ratio's reference.
    pub twin: Summary,
    pub jobs: usize,
    pub load: Load,
}

/// P4's readings.
#[derive(Debug, Clone)]
pub struct EndToEnd {
    pub summary: Summary,
    pub lines: usize,
    /// The fake's own pauses, already taken off every sample.
    pub fake_delays: Duration,
    pub last: Finished,
}

/// Everything one run measured; a figure not run is `None`.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub server: String,
    pub lines: usize,
    /// Size of the P1–P3 file.
    pub bytes: usize,
    pub edits: usize,
    pub p1: Vec<RoundTrip>,
    /// P1 with `switchboard/documentState` as the probe, utf-16 (for the record).
    pub p1_document_state: Option<Summary>,
    /// P1 with a request the server does not know: didChange and the transport alone, utf-16.
    pub p1_unknown: Option<Summary>,
    pub p2: Option<Summary>,
    pub p3: Option<UnderLoad>,
    pub p4: Option<EndToEnd>,
    pub p5: Option<Memory>,
    pub p6: Option<PacketFigures>,
    /// P6 with definitions from the file alone (no workspace index), for comparison.
    pub p6_file_only: Option<PacketFigures>,
    pub p7: Option<Summary>,
    pub notes: Vec<String>,
    pub elapsed: Duration,
    /// The machine's one-minute load average when the run began and ended.
    pub load_average: (Option<f64>, Option<f64>),
}

const P1_RATIO: f64 = 2.0;
const P2_LIMIT: Duration = Duration::from_millis(1);
const P3_RATIO: f64 = 1.2;
const P4_LIMIT: Duration = Duration::from_millis(5);
const P5_RATIO: f64 = 4.0;
const P6_RATIO: f64 = 0.3;
const P7_LIMIT: Duration = Duration::from_millis(20);

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

impl Figures {
    /// The utf-16 P1 run (P3's reference), if there was one.
    fn p1_utf16(&self) -> Option<&RoundTrip> {
        self.p1
            .iter()
            .find(|run| run.negotiated == PositionEncoding::Utf16)
    }

    /// The table: ratios, then times, then notes. Targets are judged on the median.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "lsp-bench: {} — {} edits of a {}-line ({} KB) Rust file; took {}",
            self.server,
            self.edits,
            self.lines,
            self.bytes / 1024,
            show(self.elapsed)
        );
        if let (Some(before), Some(after)) = self.load_average {
            let cores = std::thread::available_parallelism().map_or(0, usize::from);
            let _ = writeln!(
                out,
                "machine: {cores} cores, load average {before:.2} at the start, {after:.2} at the end"
            );
        }
        let _ = writeln!(
            out,
            "\n{:<58} {:>9} {:>9} {:>9}  verdict (on the median)",
            "ratio", "median", "p99", "target"
        );
        for run in &self.p1 {
            let (m, p) = (
                ratio(run.summary.median, run.floor.median),
                ratio(run.summary.p99, run.floor.p99),
            );
            let _ = writeln!(
                out,
                "{:<58} {:>8.2}× {:>8.2}× {:>9}  {}",
                format!(
                    "P1 didChange+{} / floor, {}",
                    run.probe,
                    run.negotiated.as_lsp_str()
                ),
                m,
                p,
                "≤ 2×",
                verdict(m <= P1_RATIO)
            );
        }
        if let (Some(unknown), Some(base)) = (&self.p1_unknown, self.p1_utf16()) {
            let _ = writeln!(
                out,
                "{:<58} {:>8.2}× {:>8.2}×            (didChange and transport alone)",
                "P1 didChange+unknown method / floor, utf-16",
                ratio(unknown.median, base.floor.median),
                ratio(unknown.p99, base.floor.p99),
            );
        }
        if let Some(load) = &self.p3 {
            let (m, p) = (
                ratio(load.summary.median, load.twin.median),
                ratio(load.summary.p99, load.twin.p99),
            );
            let _ = writeln!(
                out,
                "{:<58} {:>8.2}× {:>8.2}× {:>9}  {}",
                format!(
                    "P3 P1 with {} implements in flight / twin without",
                    load.jobs
                ),
                m,
                p,
                "≤ 1.2×",
                verdict(m <= P3_RATIO)
            );
            if let Some(base) = self.p1_utf16() {
                let _ = writeln!(
                    out,
                    "{:<58} {:>8.2}× {:>8.2}×",
                    "P3 the same / P1's utf-16 run (earlier, alone)",
                    ratio(load.summary.median, base.summary.median),
                    ratio(load.summary.p99, base.summary.p99),
                );
            }
        }
        if let Some(memory) = &self.p5 {
            let per = memory.per_byte();
            let _ = writeln!(
                out,
                "{:<58} {:>9} {:>9} {:>9}  {}",
                "P5 resident MB per MB of open document",
                format!("{per:.2}"),
                "",
                "≤ 4",
                verdict(per <= P5_RATIO)
            );
        }
        for (name, packets) in [
            ("P6 packet tokens / file tokens, per action", &self.p6),
            (
                "P6 the same, definitions from the file only",
                &self.p6_file_only,
            ),
        ] {
            let Some(packets) = packets else { continue };
            let _ = writeln!(
                out,
                "{:<58} {:>9} {:>9} {:>9}  {} (aggregate {:.3})",
                name,
                format!("{:.3}", packets.median),
                format!("{:.3}", packets.p99),
                "≤ 0.3",
                verdict(packets.aggregate <= P6_RATIO && packets.median <= P6_RATIO),
                packets.aggregate
            );
        }

        let any_time = !self.p1.is_empty() || self.p2.is_some() || self.p4.is_some();
        if any_time || self.p7.is_some() {
            let _ = writeln!(
                out,
                "\n{:<58} {:>9} {:>9} {:>9}  verdict",
                "time", "median", "p99", "target"
            );
        }
        let row = |out: &mut String, name: String, s: &Summary, target: Option<Duration>| {
            let (target, verdict) = match target {
                Some(limit) => (
                    format!("≤ {} ms", limit.as_millis()),
                    verdict(s.median <= limit).to_string(),
                ),
                None => (String::new(), String::new()),
            };
            let _ = writeln!(
                out,
                "{:<58} {:>9} {:>9} {:>9}  {verdict}",
                format!("{name} (n={})", s.n),
                show(s.median),
                show(s.p99),
                target
            );
        };
        for run in &self.p1 {
            let enc = run.negotiated.as_lsp_str();
            row(
                &mut out,
                format!("P1 floor: rope edit + incremental reparse, {enc}"),
                &run.floor,
                None,
            );
            row(
                &mut out,
                format!("P1 didChange + {}, {enc}", run.probe),
                &run.summary,
                None,
            );
        }
        if let Some(s) = &self.p1_document_state {
            row(
                &mut out,
                "P1 didChange + documentState (whole text), utf-16".into(),
                s,
                None,
            );
        }
        if let Some(s) = &self.p1_unknown {
            row(
                &mut out,
                "P1 didChange + unknown method (-32601), utf-16".into(),
                s,
                None,
            );
        }
        if let Some(s) = &self.p2 {
            row(&mut out, "P2 codeAction listing".into(), s, Some(P2_LIMIT));
        }
        if let Some(load) = &self.p3 {
            row(
                &mut out,
                "P3 didChange + codeAction, twin server without jobs".into(),
                &load.twin,
                None,
            );
            row(
                &mut out,
                format!("P3 didChange + codeAction, {} jobs in flight", load.jobs),
                &load.summary,
                None,
            );
            if let Some(ramp) = Summary::of(&load.load.during_ramp_up) {
                row(
                    &mut out,
                    "P3 the same while the jobs start (build packets)".into(),
                    &ramp,
                    None,
                );
            }
        }
        if let Some(e2e) = &self.p4 {
            row(
                &mut out,
                format!("P4 implement end to end, {}-line selection", e2e.lines),
                &e2e.summary,
                Some(P4_LIMIT),
            );
        }
        if let Some(s) = &self.p7 {
            row(
                &mut out,
                "P7 spawn → initialize answer".into(),
                s,
                Some(P7_LIMIT),
            );
        }

        let mut notes = self.notes.clone();
        if let Some(memory) = &self.p5 {
            notes.push(format!(
                "P5: VmRSS {:.1} MB with no document, {:.1} MB with {} documents of {:.2} MB",
                mb(memory.empty),
                mb(memory.open),
                memory.documents,
                memory.document_bytes as f64 / 1_048_576.0
            ));
        }
        if let Some(load) = &self.p3 {
            notes.push(format!(
                "P3: the {} jobs were all streaming {} after the first executeCommand; {} finished before the round trips ended; the client read {:.0} notifications a second during them",
                load.jobs,
                show(load.load.ramp_up),
                load.load.finished_early,
                load.load.notifications_per_second
            ));
            if let Some(busy) = load.load.busy {
                notes.push(format!(
                    "P3: CPU during the interleaved round trips, in cores: server with the jobs {:.2}, twin {:.2}, harness (client and fake provider) {:.2}",
                    busy.loaded, busy.twin, busy.harness
                ));
            }
        }
        if let Some(e2e) = &self.p4 {
            notes.push(format!(
                "P4: {} of the fake's own delays taken off each sample; last outcome: {}{}",
                show(e2e.fake_delays),
                e2e.last.outcome,
                if e2e.last.message.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", e2e.last.message)
                }
            ));
        }
        if let Some(p) = &self.p6 {
            let total: u64 = p.by_section.iter().map(|(_, tokens)| tokens).sum();
            let shares: Vec<String> = p
                .by_section
                .iter()
                .map(|(kind, tokens)| {
                    format!(
                        "{kind:?} {:.0}%",
                        100.0 * *tokens as f64 / total.max(1) as f64
                    )
                })
                .collect();
            notes.push(format!(
                "P6: {} actions over {} files; {} kept scope, outline and imports; {} had a section cut; tokens sent by section: {}",
                p.actions,
                p.files,
                p.kept_all,
                p.cut,
                shares.join(", ")
            ));
        }
        if !notes.is_empty() {
            let _ = writeln!(out);
            for note in notes {
                let _ = writeln!(out, "note: {note}");
            }
        }
        out
    }

    /// The same figures as JSON (durations in microseconds).
    pub fn json(&self) -> Value {
        let summary = |s: &Summary| json!({ "n": s.n, "median_us": micros(s.median), "p99_us": micros(s.p99) });
        json!({
            "server": self.server,
            "lines": self.lines,
            "bytes": self.bytes,
            "edits": self.edits,
            "elapsed_s": self.elapsed.as_secs_f64(),
            "load_average": [self.load_average.0, self.load_average.1],
            "p1": self.p1.iter().map(|run| json!({
                "offered": run.offered.as_lsp_str(),
                "negotiated": run.negotiated.as_lsp_str(),
                "probe": run.probe,
                "round_trip": summary(&run.summary),
                "floor": summary(&run.floor),
                "ratio_median": ratio(run.summary.median, run.floor.median),
                "ratio_p99": ratio(run.summary.p99, run.floor.p99),
            })).collect::<Vec<_>>(),
            "p1_document_state": self.p1_document_state.as_ref().map(summary),
            "p1_unknown_method": self.p1_unknown.as_ref().map(summary),
            "p2": self.p2.as_ref().map(summary),
            "p3": self.p3.as_ref().map(|load| json!({
                "round_trip": summary(&load.summary),
                "round_trip_twin": summary(&load.twin),
                "ratio_median": ratio(load.summary.median, load.twin.median),
                "ratio_p99": ratio(load.summary.p99, load.twin.p99),
                "jobs": load.jobs,
                "ramp_up_s": load.load.ramp_up.as_secs_f64(),
                "round_trip_during_ramp_up": Summary::of(&load.load.during_ramp_up).as_ref().map(summary),
                "finished_early": load.load.finished_early,
                "notifications_per_second": load.load.notifications_per_second,
                "cpu_cores": load.load.busy.map(|b| json!({ "loaded": b.loaded, "twin": b.twin, "harness": b.harness })),
                "ratio_median_vs_p1_process": self.p1_utf16().map(|b| ratio(load.summary.median, b.summary.median)),
                "ratio_p99_vs_p1_process": self.p1_utf16().map(|b| ratio(load.summary.p99, b.summary.p99)),
            })),
            "p4": self.p4.as_ref().map(|e| json!({
                "end_to_end": summary(&e.summary),
                "lines": e.lines,
                "fake_delays_us": micros(e.fake_delays),
                "outcome": e.last.outcome,
            })),
            "p5": self.p5.as_ref().map(|m| json!({
                "rss_empty_bytes": m.empty,
                "rss_open_bytes": m.open,
                "documents": m.documents,
                "document_bytes": m.document_bytes,
                "mb_per_mb": m.per_byte(),
            })),
            "p6": self.p6.as_ref().map(packets_json),
            "p6_file_only": self.p6_file_only.as_ref().map(packets_json),
            "p7": self.p7.as_ref().map(summary),
            "notes": self.notes,
        })
    }
}

fn packets_json(p: &PacketFigures) -> Value {
    json!({
        "files": p.files, "actions": p.actions, "median": p.median, "p99": p.p99,
        "aggregate": p.aggregate, "kept_all": p.kept_all, "cut": p.cut,
        "tokens_by_section": p.by_section.iter()
            .map(|(kind, tokens)| (format!("{kind:?}"), json!(tokens)))
            .collect::<serde_json::Map<_, _>>(),
    })
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}
