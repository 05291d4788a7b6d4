//! Traces, cooldown lookups and cost reports on a real ledger file.

mod common;

use common::{TempLedger, at, request, settlement};
use ledger::{AttemptOutcome, CallOutcome, Caps, GroupBy, Settlement};
use serde_json::json;

fn failed(kind: &str, status: Option<u16>) -> AttemptOutcome {
    AttemptOutcome::Failed {
        kind: kind.to_owned(),
        message: format!("{kind} happened"),
        http_status: status,
    }
}

#[test]
fn a_trace_comes_back_in_order() {
    let temp = TempLedger::new();
    let ledger = temp.open();
    let id = ledger::new_trace_id();
    let other = ledger::new_trace_id();
    assert!(ledger.trace(&id).unwrap().is_none());

    // Recorded out of time order on purpose: the trace sorts by time.
    ledger
        .record_decision(
            &id,
            "chat",
            &json!({"pick": "fallback"}),
            at("2025-03-14T12:00:05Z"),
        )
        .unwrap();
    ledger
        .record_decision(
            &id,
            "chat",
            &json!({"pick": "fast", "why": ["cheapest"]}),
            at("2025-03-14T12:00:00Z"),
        )
        .unwrap();
    ledger
        .record_attempt(
            &id,
            "fast",
            "openai",
            &failed("rate_limited", Some(429)),
            at("2025-03-14T12:00:01Z"),
        )
        .unwrap();
    ledger
        .record_attempt(
            &id,
            "fallback",
            "anthropic",
            &AttemptOutcome::Ok,
            at("2025-03-14T12:00:06Z"),
        )
        .unwrap();
    ledger
        .record_attempt(
            &other,
            "fast",
            "openai",
            &AttemptOutcome::Ok,
            at("2025-03-14T12:00:02Z"),
        )
        .unwrap();
    ledger
        .record_trace_detail(
            &id,
            "context",
            &json!({"tokens": 1234}),
            at("2025-03-14T12:00:00Z"),
        )
        .unwrap();
    let now = at("2025-03-14T12:00:05Z");
    let res = ledger
        .reserve(request(&id, "fallback", 0.2), &Caps::default(), now)
        .unwrap();
    let settled = Settlement {
        attempts: 2,
        started_at: at("2025-03-14T12:00:00Z"),
        ..settlement(0.0123, at("2025-03-14T12:00:07Z"))
    };
    ledger.settle(res.id, settled).unwrap();

    let trace = ledger.trace(&id).unwrap().unwrap();
    assert_eq!(trace.trace_id, id);
    let picks: Vec<&str> = trace
        .decisions
        .iter()
        .map(|d| d.decision["pick"].as_str().unwrap())
        .collect();
    assert_eq!(picks, ["fast", "fallback"]);
    assert_eq!(trace.decisions[0].decision["why"], json!(["cheapest"]));
    let attempts: Vec<(&str, &AttemptOutcome)> = trace
        .attempts
        .iter()
        .map(|a| (a.model.as_str(), &a.outcome))
        .collect();
    assert_eq!(
        attempts,
        [
            ("fast", &failed("rate_limited", Some(429))),
            ("fallback", &AttemptOutcome::Ok)
        ]
    );
    assert_eq!(trace.calls.len(), 1);
    let call = &trace.calls[0];
    assert_eq!(
        (call.model.as_str(), call.attempts, call.cost_usd),
        ("fallback", 2, 0.0123)
    );
    assert_eq!(call.outcome, CallOutcome::Ok);
    assert_eq!(call.finish_reason.as_deref(), Some("stop"));
    assert_eq!(trace.details[0].detail, json!({"tokens": 1234}));

    // The whole trace serialises for `--json`, with readable times.
    let text = serde_json::to_value(&trace).unwrap();
    assert_eq!(text["calls"][0]["charged_at"], "2025-03-14T12:00:05Z");
    assert_eq!(text["calls"][0]["outcome"], "ok");
    assert_eq!(text["attempts"][0]["outcome"], "failed");
    assert_eq!(text["attempts"][0]["http_status"], 429);
}

#[test]
fn failures_are_visible_to_every_process() {
    let temp = TempLedger::new();
    let writer = temp.open();
    // Another window's ledger on the same file.
    let reader = temp.open();
    assert_eq!(
        reader
            .failures_since("fast", at("2025-03-14T00:00:00Z"))
            .unwrap(),
        0
    );
    assert!(reader.last_failure("fast").unwrap().is_none());

    writer
        .record_attempt(
            "a",
            "fast",
            "openai",
            &failed("timeout", None),
            at("2025-03-14T12:00:00Z"),
        )
        .unwrap();
    writer
        .record_attempt(
            "b",
            "fast",
            "openai",
            &failed("server_error", Some(503)),
            at("2025-03-14T12:01:00Z"),
        )
        .unwrap();
    writer
        .record_attempt(
            "c",
            "fast",
            "openai",
            &AttemptOutcome::Ok,
            at("2025-03-14T12:02:00Z"),
        )
        .unwrap();
    writer
        .record_attempt(
            "d",
            "slow",
            "openai",
            &failed("timeout", None),
            at("2025-03-14T12:03:00Z"),
        )
        .unwrap();

    assert_eq!(
        reader
            .failures_since("fast", at("2025-03-14T00:00:00Z"))
            .unwrap(),
        2
    );
    assert_eq!(
        reader
            .failures_since("fast", at("2025-03-14T12:01:00Z"))
            .unwrap(),
        1
    );
    assert_eq!(
        reader
            .failures_since("fast", at("2025-03-14T12:01:01Z"))
            .unwrap(),
        0
    );
    let last = reader.last_failure("fast").unwrap().unwrap();
    assert_eq!(last.at, at("2025-03-14T12:01:00Z"));
    assert_eq!(last.outcome, failed("server_error", Some(503)));
}

#[test]
fn summaries_group_and_total_exactly() {
    let temp = TempLedger::new();
    let ledger = temp.open();
    let caps = Caps::default();
    let calls = [
        ("2025-03-13T10:00:00Z", "fast", "complete", 0.1),
        ("2025-03-14T10:00:00Z", "fast", "chat", 0.2),
        ("2025-03-14T11:00:00Z", "smart", "chat", 0.7),
        ("2025-03-15T10:00:00Z", "fast", "complete", 0.0001),
    ];
    for (when, model, role, cost) in calls {
        let mut req = request("t", model, 1.0);
        req.role = role.to_owned();
        let res = ledger.reserve(req, &caps, at(when)).unwrap();
        let mut done = settlement(cost, at(when));
        if model == "smart" {
            done.outcome = CallOutcome::Error {
                kind: "stream_cut".to_owned(),
            };
        }
        ledger.settle(res.id, done).unwrap();
    }

    let by_model = ledger.summary(None, GroupBy::Model).unwrap();
    let rows: Vec<(&str, u64, f64)> = by_model
        .rows
        .iter()
        .map(|r| (r.key.as_str(), r.calls, r.cost_usd))
        .collect();
    assert_eq!(rows, [("smart", 1, 0.7), ("fast", 3, 0.3001)]);
    assert_eq!(by_model.totals.key, "total");
    assert_eq!(by_model.totals.calls, 4);
    assert_eq!(by_model.totals.cost_usd, 1.0001);
    assert_eq!(by_model.totals.input_tokens, 4_000);
    assert_eq!(by_model.totals.output_tokens, 800);
    assert_eq!(by_model.totals.cached_input_tokens, 400);

    let since = Some(at("2025-03-14T00:00:00Z"));
    let by_role = ledger.summary(since, GroupBy::Role).unwrap();
    let rows: Vec<(&str, f64)> = by_role
        .rows
        .iter()
        .map(|r| (r.key.as_str(), r.cost_usd))
        .collect();
    assert_eq!(rows, [("chat", 0.9), ("complete", 0.0001)]);

    let by_day = ledger.summary(None, GroupBy::Day).unwrap();
    let keys: Vec<&str> = by_day.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["2025-03-13", "2025-03-14", "2025-03-15"]);
    assert_eq!(by_day.totals, by_model.totals);

    let json = serde_json::to_value(&by_day).unwrap();
    assert_eq!(json["by"], "day");
    assert_eq!(json["since"], serde_json::Value::Null);
    assert_eq!(json["rows"][1]["cost_usd"], 0.9);
    assert_eq!("role".parse::<GroupBy>().unwrap(), GroupBy::Role);
    assert!(
        "week"
            .parse::<GroupBy>()
            .unwrap_err()
            .contains("model, role or day")
    );
}

#[test]
fn a_hundred_small_costs_add_up_exactly() {
    // 0.1 added a hundred times in floating point is 9.99999999999998; the ledger sums integers.
    let temp = TempLedger::new();
    let ledger = temp.open();
    let now = at("2025-03-14T12:00:00Z");
    for _ in 0..100 {
        let res = ledger
            .reserve(request("t", "m", 0.1), &Caps::default(), now)
            .unwrap();
        ledger.settle(res.id, settlement(0.1, now)).unwrap();
    }
    assert_eq!(
        ledger
            .budget_status(&Caps::default(), now)
            .unwrap()
            .spent_today,
        10.0
    );
    assert_eq!(
        ledger
            .summary(None, GroupBy::Model)
            .unwrap()
            .totals
            .cost_usd,
        10.0
    );
}
