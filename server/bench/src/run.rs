//! One run of the harness: which figures, on which server, in which order, with which sizes.
//! Sizes are fixed here so that runs compare; `--edits`, `--lines` and `--jobs` change the main
//! ones, for quicker runs and for runs under a profiler.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use text::PositionEncoding;

use crate::edits::{CharEdit, random_edits};
use crate::fake::{FakeHost, switchboard_config};
use crate::figures::{self, Probe, Sandbox, Session, Target};
use crate::report::{EndToEnd, Figures, RoundTrip, UnderLoad};
use crate::stats::Summary;
use crate::{corpus, floor, load, packets};

/// The P1 file: 20,000 lines, as the issue asks (`--lines` changes it).
pub const LINES: usize = 20_000;
const TEXT_SEED: u64 = 20_000;
const EDIT_SEED: u64 = 42;
/// Round trips sent before the clock is kept: caches, the allocator and the CPU settle.
const WARMUP: usize = 50;
/// P1 with `switchboard/documentState`: each answer is the whole 20,000-line text and its tree.
const DOCUMENT_STATE_EDITS: usize = 30;
/// P1 with a request the server does not know (see `Probe::Unknown`).
const UNKNOWN_EDITS: usize = 300;
const P2_REQUESTS: usize = 1_000;
/// Implement jobs in flight for P3 (the issue's number; `--jobs` changes it for profiling).
pub const P3_JOBS: usize = 100;
/// The P3 fake: 4,000 characters, 4 a chunk, 200 ms between chunks — 200 s a job, far longer
/// than the round trips take, so every job stays in flight throughout.
const P3_REPLY_CHARS: usize = 4_000;
const P3_CHUNK_CHARS: usize = 4;
const P3_DELAY_MS: u64 = 200;
const P4_FILE_LINES: usize = 1_000;
const P4_SELECTION: (u32, u32) = (250, 750);
const P4_WARMUP: usize = 3;
const P4_RUNS: usize = 30;
/// The P4 fake streams its answer in chunks of this size, with no pause between them.
const P4_CHUNK_CHARS: usize = 2_048;
const P5_DOCUMENTS: usize = 50;
const P5_DOCUMENT_BYTES: usize = 1 << 20;
const P7_RUNS: usize = 20;

/// The figures, by the issue's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Figure {
    P1,
    P2,
    P3,
    P4,
    P5,
    P6,
    P7,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub figures: Vec<Figure>,
    pub target: Target,
    /// The probe for P1 on another server (`None`: codeAction).
    pub request: Option<String>,
    pub edits: usize,
    /// Lines of the P1–P3 file.
    pub lines: usize,
    /// Implement jobs in flight for P3.
    pub jobs: usize,
    /// The repository whose `server/*/src` is P6's sample.
    pub repository: PathBuf,
}

impl Plan {
    fn has(&self, figure: Figure) -> bool {
        self.figures.contains(&figure)
    }
}

/// Runs the plan's figures, printing progress to stderr.
///
/// # Errors
/// The first figure that fails.
pub async fn run(plan: &Plan) -> anyhow::Result<Figures> {
    let started = Instant::now();
    let load_before = load_average();
    let target = &plan.target;
    let mut figures = Figures {
        server: target.argv.join(" "),
        lines: plan.lines,
        edits: plan.edits,
        ..Figures::default()
    };
    let text = corpus::rust_lines(plan.lines, TEXT_SEED);
    figures.bytes = text.len();
    let edits = random_edits(
        &text,
        WARMUP + plan.edits + DOCUMENT_STATE_EDITS + UNKNOWN_EDITS,
        EDIT_SEED,
    );
    let (p1_edits, more) = edits.split_at(WARMUP + plan.edits);
    // Each phase's edits follow the last phase's text; documentState (switchboard only) comes
    // last, so that skipping it leaves no gap.
    let (unknown_edits, state_edits) = more.split_at(UNKNOWN_EDITS);
    let probe = match &plan.request {
        Some(method) if !target.switchboard => Probe::Method(method.clone()),
        _ => Probe::CodeAction,
    };
    let probe_name = match &probe {
        Probe::Method(method) => method.clone(),
        _ => "codeAction".to_string(),
    };

    if plan.has(Figure::P1) || plan.has(Figure::P2) {
        for offer in [PositionEncoding::Utf16, PositionEncoding::Utf8] {
            let utf16 = offer == PositionEncoding::Utf16;
            let p2_here = plan.has(Figure::P2) && utf16;
            if !plan.has(Figure::P1) && !p2_here {
                continue;
            }
            eprintln!("P1: round trips offering {}...", offer.as_lsp_str());
            let sandbox = Sandbox::new()?;
            let options = target
                .switchboard
                .then(|| switchboard_config("http://127.0.0.1:9", "unused"));
            let mut session =
                Session::start(target, &sandbox, offer, options.as_ref(), "big.rs", &text).await?;
            let trips = figures::round_trips(&mut session, p1_edits, WARMUP, &probe).await?;
            if trips.errors > 0 {
                figures.notes.push(format!(
                    "P1 {}: {} of {} {probe_name} requests were answered with an error (timed all the same)",
                    offer.as_lsp_str(),
                    trips.errors,
                    trips.samples.len()
                ));
            }
            let summary = Summary::of(&trips.samples).context("no P1 samples")?;
            if offer != session.encoding {
                figures.notes.push(format!(
                    "the server chose {} when offered only {}",
                    session.encoding.as_lsp_str(),
                    offer.as_lsp_str()
                ));
            }
            if offer == PositionEncoding::Utf16 {
                let trips =
                    figures::round_trips(&mut session, unknown_edits, 20, &Probe::Unknown).await?;
                figures.p1_unknown = Summary::of(&trips.samples);
            }
            if target.switchboard && offer == PositionEncoding::Utf16 {
                let trips =
                    figures::round_trips(&mut session, state_edits, 5, &Probe::DocumentState)
                        .await?;
                anyhow::ensure!(trips.errors == 0, "switchboard/documentState failed");
                figures.p1_document_state = Summary::of(&trips.samples);
            }
            if p2_here {
                eprintln!("P2: code actions...");
                let trips = figures::code_actions(&session, P2_REQUESTS, 7).await?;
                if trips.errors > 0 {
                    figures.notes.push(format!(
                        "P2: {} of {} codeAction requests were answered with an error (timed all the same)",
                        trips.errors,
                        trips.samples.len()
                    ));
                }
                figures.p2 = Summary::of(&trips.samples);
            }
            let negotiated = session.encoding;
            session.server.stop().await;
            // The floor right after the round trips, so that both see the machine as alike as
            // can be, but with the server gone: measured while it ran, the same steps took up
            // to twice as long (its threads and this one share the cores).
            let samples = floor::measure(&text, p1_edits, negotiated)?;
            figures.p1.push(RoundTrip {
                offered: offer,
                negotiated,
                probe: probe_name.clone(),
                summary,
                floor: Summary::of(samples.get(WARMUP..).unwrap_or_default())
                    .context("no floor samples")?,
            });
        }
    }

    if !target.switchboard {
        if plan
            .figures
            .iter()
            .any(|f| (Figure::P3..=Figure::P5).contains(f))
        {
            figures.notes.push(
                "P3, P4 and P5 drive switchboard's own commands and config: skipped for another server"
                    .to_string(),
            );
        }
    } else {
        if plan.has(Figure::P3) {
            eprintln!(
                "P3: round trips with {} implement jobs in flight...",
                plan.jobs
            );
            figures.p3 = Some(under_load(target, &text, p1_edits, plan.jobs).await?);
        }
        if plan.has(Figure::P4) {
            eprintln!("P4: implement end to end...");
            figures.p4 = Some(end_to_end(target).await?);
        }
        if plan.has(Figure::P5) {
            eprintln!("P5: memory with {P5_DOCUMENTS} open documents...");
            figures.p5 = Some(figures::memory(target, P5_DOCUMENTS, P5_DOCUMENT_BYTES).await?);
        }
    }
    if plan.has(Figure::P6) {
        eprintln!("P6: context packets over {}...", plan.repository.display());
        figures.p6 = Some(packets::measure(&plan.repository, true)?);
        figures.p6_file_only = Some(packets::measure(&plan.repository, false)?);
    }
    if plan.has(Figure::P7) {
        eprintln!("P7: start-up...");
        figures.p7 = Summary::of(&figures::startups(target, P7_RUNS).await?);
    }
    figures.elapsed = started.elapsed();
    figures.load_average = (load_before, load_average());
    Ok(figures)
}

/// The one-minute load average (`/proc/loadavg`), to show how busy the machine was; `None`
/// where there is no such file.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

async fn under_load(
    target: &Target,
    text: &str,
    edits: &[CharEdit],
    jobs: usize,
) -> anyhow::Result<UnderLoad> {
    let reply = format!(
        "```rust\n{}```\n",
        "// streamed slowly by the fake provider\n".repeat(P3_REPLY_CHARS / 40)
    );
    let fake = FakeHost::start("m-slow", reply, P3_CHUNK_CHARS, P3_DELAY_MS)?;
    let (loaded_box, twin_box) = (Sandbox::new()?, Sandbox::new()?);
    let mut loaded = Session::start(
        target,
        &loaded_box,
        PositionEncoding::Utf16,
        Some(&switchboard_config(&fake.url(), "m-slow")),
        "big.rs",
        text,
    )
    .await?;
    let mut twin = Session::start(
        target,
        &twin_box,
        PositionEncoding::Utf16,
        Some(&switchboard_config("http://127.0.0.1:9", "unused")),
        "big.rs",
        text,
    )
    .await?;
    let load = load::under_load(&mut twin, &mut loaded, &fake, jobs, text, edits, WARMUP).await;
    loaded.server.stop().await;
    twin.server.stop().await;
    let load = load?;
    Ok(UnderLoad {
        summary: Summary::of(&load.loaded).context("no P3 samples")?,
        twin: Summary::of(&load.twin).context("no P3 reference samples")?,
        jobs,
        load,
    })
}

async fn end_to_end(target: &Target) -> anyhow::Result<EndToEnd> {
    let text = corpus::rust_lines(P4_FILE_LINES, 77);
    let rope = text::Rope::from_str(&text);
    let (first, last) = P4_SELECTION;
    let selected = rope
        .slice(rope.line_to_char(first as usize)..rope.line_to_char(last as usize))
        .to_string();
    // The full replacement of the selection, one line added: a real edit to apply.
    let reply = format!("```rust\n// implemented by the fake provider\n{selected}```\n");
    let chunks = reply.chars().count().div_ceil(P4_CHUNK_CHARS);
    let fake_delay_ms = 0;
    let fake_delays = Duration::from_millis(fake_delay_ms * (chunks as u64 - 1));
    let fake = FakeHost::start("m-coder", reply, P4_CHUNK_CHARS, fake_delay_ms)?;
    let sandbox = Sandbox::new()?;
    let options = switchboard_config(&fake.url(), "m-coder");
    let mut session = Session::start(
        target,
        &sandbox,
        PositionEncoding::Utf16,
        Some(&options),
        "p4.rs",
        &text,
    )
    .await?;
    let range = text::Range::new(text::Position::new(first, 0), text::Position::new(last, 0));
    let mut samples = Vec::with_capacity(P4_RUNS);
    let mut last_finished = None;
    for run in 0..P4_WARMUP + P4_RUNS {
        let (elapsed, finished) = figures::implement_end_to_end(&mut session, range).await?;
        if run >= P4_WARMUP {
            samples.push(elapsed.saturating_sub(fake_delays));
        }
        last_finished = Some(finished);
    }
    session.server.stop().await;
    Ok(EndToEnd {
        summary: Summary::of(&samples).context("no P4 samples")?,
        lines: (last - first) as usize,
        fake_delays,
        last: last_finished.context("no P4 run")?,
    })
}
