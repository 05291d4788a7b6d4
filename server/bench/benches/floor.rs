//! Criterion benchmarks of the in-process floor on the 20,000-line sample: one rope edit plus
//! one incremental reparse (P1's floor, as the server's store does them), and position
//! conversion in utf-16 and utf-8. Quick: about half a minute for all of them.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use switchboard_bench::edits::{CharEdit, random_edits};
use switchboard_bench::floor::Floor;
use switchboard_bench::{corpus, run};
use text::{Position, PositionEncoding, Rope};

/// Edits cycled through; after the last one the document starts again from the sample, off
/// the clock.
const EDITS: usize = 4_000;

fn edit_and_reparse(c: &mut Criterion) {
    let text = corpus::rust_lines(run::LINES, 20_000);
    let edits = random_edits(&text, EDITS, 42);
    let mut group = c.benchmark_group("floor");
    for encoding in [PositionEncoding::Utf16, PositionEncoding::Utf8] {
        group.bench_function(
            format!("edit+reparse 20k lines {}", encoding.as_lsp_str()),
            |b| {
                let mut state = Cycle::new(&text, &edits, encoding);
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += state.step();
                    }
                    total
                });
            },
        );
    }
    group.finish();
}

/// A floor that walks through the edits, restarting from the sample when they run out.
struct Cycle<'a> {
    text: &'a str,
    edits: &'a [CharEdit],
    encoding: PositionEncoding,
    floor: Floor,
    next: usize,
}

impl<'a> Cycle<'a> {
    fn new(text: &'a str, edits: &'a [CharEdit], encoding: PositionEncoding) -> Self {
        Cycle {
            text,
            edits,
            encoding,
            floor: Floor::new(text, encoding).expect("the sample parses"),
            next: 0,
        }
    }

    /// Times one edit and reparse.
    fn step(&mut self) -> Duration {
        if self.next == self.edits.len() {
            self.floor = Floor::new(self.text, self.encoding).expect("the sample parses");
            self.next = 0;
        }
        let edit = &self.edits[self.next];
        self.next += 1;
        let range = self.floor.range(edit);
        let started = Instant::now();
        self.floor
            .step(range, &edit.text)
            .expect("the edits fit the text");
        started.elapsed()
    }
}

fn positions(c: &mut Criterion) {
    let rope = Rope::from_str(&corpus::rust_lines(run::LINES, 20_000));
    let mut rng = StdRng::seed_from_u64(9);
    let chars: Vec<usize> = (0..1_024)
        .map(|_| rng.random_range(0..rope.len_chars()))
        .collect();
    let mut group = c.benchmark_group("position");
    for encoding in [PositionEncoding::Utf16, PositionEncoding::Utf8] {
        let name = encoding.as_lsp_str();
        let lsp: Vec<Position> = chars
            .iter()
            .map(|&i| text::char_to_position(&rope, i, encoding))
            .collect();
        group.bench_function(format!("to char {name}"), |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % lsp.len();
                text::position_to_char(&rope, black_box(lsp[i]), encoding)
            });
        });
        group.bench_function(format!("from char {name}"), |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % chars.len();
                text::char_to_position(&rope, black_box(chars[i]), encoding)
            });
        });
    }
    group.finish();
}

fn quick() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = quick();
    targets = edit_and_reparse, positions
}
criterion_main!(benches);
