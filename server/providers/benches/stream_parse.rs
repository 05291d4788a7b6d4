//! Stream parsing throughput on long recorded-style streams (the recordings' own events,
//! repeated to ~8 MB), our SSE framing against eventsource-stream's, and the client's cost per
//! chunk over loopback against reading the same body with bare reqwest.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark setup")]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use eventsource_stream::Eventsource;
use futures::StreamExt;
use providers::decode::decode_all;
use providers::fake::{FakeProvider, Reply, Scenario};
use providers::sse::{SseDecoder, SseItem};
use providers::{CallContext, ModelSettings, ProviderKind, ProviderSettings, Request, StreamEvent};

const TARGET_BYTES: usize = 8 << 20;
/// Pieces as a socket read hands them over.
const READ_SIZE: usize = 16 << 10;

fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    std::fs::read(path).unwrap()
}

/// Splits after each `sep`, keeping it.
fn split_keep<'a>(bytes: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + sep.len() <= bytes.len() {
        if &bytes[i..i + sep.len()] == sep {
            out.push(&bytes[start..i + sep.len()]);
            start = i + sep.len();
            i = start;
        } else {
            i += 1;
        }
    }
    if start < bytes.len() {
        out.push(&bytes[start..]);
    }
    out
}

/// A recording with its content events (`repeat`) repeated until the body is ~8 MB.
fn long_stream(
    rel: &str,
    sep: &[u8],
    repeat: std::ops::Range<usize>,
    end_from: usize,
) -> (Vec<u8>, usize) {
    let raw = fixture(rel);
    let events = split_keep(&raw, sep);
    let mut body: Vec<u8> = events[..repeat.start].concat();
    let block: Vec<u8> = events[repeat.clone()].concat();
    let mut copies = 0;
    while body.len() + block.len() < TARGET_BYTES {
        body.extend_from_slice(&block);
        copies += 1;
    }
    body.extend(events[end_from..].concat());
    (body, copies)
}

fn streams() -> Vec<(ProviderKind, &'static str, Vec<u8>)> {
    let (openai, _) = long_stream(
        "openai-chat/real-stream-text-with-usage.sse",
        b"\n\n",
        1..31,
        31,
    );
    let (anthropic, _) = long_stream("anthropic/real-stream-padded-json.sse", b"\n\n", 3..7, 7);
    let (gemini, _) = long_stream(
        "gemini/real-stream-basic-reply-short.sse",
        b"\r\n\r\n",
        0..2,
        2,
    );
    let (ollama, _) = long_stream("ollama/docs-generate-stream.ndjson", b"\n", 0..6, 6);
    vec![
        (ProviderKind::OpenAi, "openai", openai),
        (ProviderKind::Anthropic, "anthropic", anthropic),
        (ProviderKind::Gemini, "gemini", gemini),
        (ProviderKind::Ollama, "ollama", ollama),
    ]
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(4));
    for (kind, name, body) in streams() {
        // The decoder must really decode it, or the figure means nothing.
        let (text, _) = decode_all(CallContext::new(kind, "m"), body.chunks(READ_SIZE)).unwrap();
        assert!(text.len() > 10_000, "{name}: {}", text.len());
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("decode", name), &body, |b, body| {
            b.iter(|| decode_all(CallContext::new(kind, "m"), body.chunks(READ_SIZE)).unwrap());
        });
    }
    group.finish();
}

fn framing(c: &mut Criterion) {
    let (_, _, body) = streams().remove(0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("sse_framing");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("ours", |b| {
        b.iter(|| {
            let mut n = 0usize;
            let mut d = SseDecoder::new();
            let mut count = |item: SseItem<'_>| -> Result<(), Infallible> {
                if let SseItem::Event { data, .. } = item {
                    n += data.len();
                }
                Ok(())
            };
            for piece in body.chunks(READ_SIZE) {
                d.feed(piece, &mut count).unwrap();
            }
            d.finish(&mut count).unwrap();
            n
        });
    });
    group.bench_function("eventsource-stream", |b| {
        b.iter(|| {
            rt.block_on(async {
                let pieces = body.chunks(READ_SIZE).map(Ok::<_, Infallible>);
                futures::stream::iter(pieces)
                    .eventsource()
                    .fold(0usize, |n, e| async move { n + e.unwrap().data.len() })
                    .await
            })
        });
    });
    group.finish();
}

/// Events in the loopback stream; each is its own write on the fake's side.
const EVENTS: usize = 2000;

fn loopback(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // A recorded-style OpenAI stream of EVENTS content events, each sent as its own piece.
    let raw = fixture("openai-chat/real-stream-text-with-usage.sse");
    let events = split_keep(&raw, b"\n\n");
    let mut body = events[0].to_vec();
    let mut cuts = Vec::new();
    for i in 0..EVENTS {
        cuts.push(body.len());
        body.extend_from_slice(events[1 + i % 30]);
    }
    cuts.push(body.len());
    body.extend(events[31..].concat());

    let mut reply = Reply::replaying(body.clone(), "text/event-stream");
    reply.split_at = cuts;
    let mut scenario = Scenario::default();
    scenario.auth.required = false;
    scenario.push(reply);
    let fake = rt
        .block_on(FakeProvider::start(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            scenario,
        ))
        .unwrap();
    let mut settings = ProviderSettings::new(ProviderKind::OpenAiCompatible);
    settings.base_url = Some(format!("{}/v1", fake.url()));
    let client = providers::client_for(&settings).unwrap();
    let model = ModelSettings::new("m");
    let request = Request::user("hi");
    let http = reqwest::Client::new();
    let url = format!("{}/v1/chat/completions", fake.url());

    let mut group = c.benchmark_group("loopback");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("bare_reqwest_read", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut response = http.post(&url).body("{}").send().await.unwrap();
                let mut n = 0;
                while let Some(chunk) = response.chunk().await.unwrap() {
                    n += chunk.len();
                }
                assert_eq!(n, body.len());
            })
        });
    });
    group.bench_function("client_stream", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut stream = client.stream(&model, &request);
                let mut deltas = 0;
                while let Some(item) = stream.next().await {
                    match item.unwrap() {
                        StreamEvent::Text(_) => deltas += 1,
                        // The benchmark's answer is text only.
                        StreamEvent::ToolCall(call) => panic!("unexpected tool call {call:?}"),
                        StreamEvent::Done(_) => break,
                    }
                }
                assert!(deltas >= EVENTS - EVENTS / 30);
            })
        });
    });
    group.finish();
    drop(fake);
}

criterion_group!(benches, parse, framing, loopback);
criterion_main!(benches);
