//! Budget arithmetic on a real ledger file: each cap refuses with the right numbers, settled
//! costs replace worst cases, releases and expired leases free budget, and local days follow the
//! user's time zone.

mod common;

use std::time::Duration;

use common::{TempLedger, at, per_day, request, settlement};
use jiff::tz::TimeZone;
use ledger::{CapScope, Caps, GroupBy, LedgerError, ReservationId};

fn refusal(err: LedgerError) -> ledger::Refusal {
    match err {
        LedgerError::Refused(refusal) => refusal,
        other => panic!("expected a budget refusal, got {other:?}"),
    }
}

#[test]
fn the_per_request_cap_refuses_a_large_worst_case() {
    let temp = TempLedger::new();
    let ledger = temp.open();
    let caps = Caps {
        per_request_usd: Some(0.05),
        ..Caps::default()
    };
    let now = at("2025-03-14T12:00:00Z");
    let err = ledger
        .reserve(request("t", "big", 0.084), &caps, now)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "refused: this call could cost up to $0.0840 and the per-request cap is $0.05; raise [budget] per_request_usd or ask for fewer output tokens (max_output_tokens)"
    );
    assert_eq!(refusal(err).scope, CapScope::PerRequest);
    // Exactly the cap is allowed.
    ledger
        .reserve(request("t", "big", 0.05), &caps, now)
        .unwrap();
}

#[test]
fn the_daily_cap_counts_settled_costs_and_calls_in_flight() {
    let temp = TempLedger::new();
    let ledger = temp.open();
    let caps = per_day(5.0);
    let now = at("2025-03-14T12:00:00Z");
    let first = ledger
        .reserve(request("t1", "big", 5.0), &caps, now)
        .unwrap();
    ledger.settle(first.id, settlement(4.969, now)).unwrap();

    let err = ledger
        .reserve(request("t2", "big", 0.084), &caps, now)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "refused: this call could cost up to $0.0840 and today's budget of $5.00 has $0.0310 left (spent $4.9690, $0.0000 reserved by calls in flight); raise [budget] per_day_usd or wait until tomorrow"
    );
    let refused = refusal(err);
    assert_eq!(refused.scope, CapScope::Day);
    assert_eq!(refused.spent_usd, 4.969);

    // A call in flight counts too.
    ledger
        .reserve(request("t3", "small", 0.02), &caps, now)
        .unwrap();
    let err = ledger
        .reserve(request("t4", "small", 0.02), &caps, now)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "refused: this call could cost up to $0.0200 and today's budget of $5.00 has $0.0110 left (spent $4.9690, $0.0200 reserved by calls in flight); raise [budget] per_day_usd or wait until tomorrow"
    );
    // Tomorrow is a new day.
    ledger
        .reserve(request("t5", "big", 4.0), &caps, at("2025-03-15T00:00:00Z"))
        .unwrap();
}

#[test]
fn the_monthly_cap_counts_every_day_of_the_month() {
    let temp = TempLedger::new();
    let ledger = temp.open();
    let caps = Caps {
        per_day_usd: Some(30.0),
        per_month_usd: Some(50.0),
        ..Caps::default()
    };
    for (day, cost) in [("01", 20.0), ("10", 20.0), ("13", 9.95)] {
        let when = at(&format!("2025-03-{day}T09:00:00Z"));
        let res = ledger
            .reserve(request("t", "big", cost), &caps, when)
            .unwrap();
        ledger.settle(res.id, settlement(cost, when)).unwrap();
    }
    // Last month does not count.
    let february = at("2025-02-28T23:59:59Z");
    let res = ledger
        .reserve(request("t", "big", 25.0), &caps, february)
        .unwrap();
    ledger.settle(res.id, settlement(25.0, february)).unwrap();

    let now = at("2025-03-14T12:00:00Z");
    let err = ledger
        .reserve(request("t", "big", 0.084), &caps, now)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "refused: this call could cost up to $0.0840 and this month's budget of $50.00 has $0.0500 left (spent $49.9500, $0.0000 reserved by calls in flight); raise [budget] per_month_usd or wait until next month"
    );
    assert_eq!(refusal(err).scope, CapScope::Month);
    ledger
        .reserve(request("t", "small", 0.05), &caps, now)
        .unwrap();
    ledger
        .reserve(
            request("t", "big", 0.084),
            &caps,
            at("2025-04-01T00:00:00Z"),
        )
        .unwrap();
}

#[test]
fn the_settled_cost_replaces_the_worst_case() {
    let temp = TempLedger::new();
    let ledger = temp.open();
    let caps = per_day(1.0);
    let now = at("2025-03-14T12:00:00Z");
    let first = ledger.reserve(request("t1", "m", 0.6), &caps, now).unwrap();
    assert!(ledger.reserve(request("t2", "m", 0.6), &caps, now).is_err());

    let call = ledger.settle(first.id, settlement(0.1, now)).unwrap();
    assert_eq!(call.cost_usd, 0.1);
    assert_eq!(call.worst_case_usd, 0.6);
    assert!(!call.settled_late);
    ledger.reserve(request("t2", "m", 0.6), &caps, now).unwrap();

    let status = ledger.budget_status(&caps, now).unwrap();
    assert_eq!(status.day, "2025-03-14");
    assert_eq!(status.month, "2025-03");
    assert_eq!(status.spent_today, 0.1);
    assert_eq!(status.reserved_today, 0.6);
    assert_eq!(status.left_today, Some(0.3));
    assert_eq!(status.left_month, None);
}

#[test]
fn release_frees_the_budget_and_ids_are_used_once() {
    let temp = TempLedger::new();
    let ledger = temp.open();
    let caps = per_day(1.0);
    let now = at("2025-03-14T12:00:00Z");
    let first = ledger.reserve(request("t1", "m", 0.6), &caps, now).unwrap();
    ledger.release(first.id).unwrap();
    let second = ledger.reserve(request("t2", "m", 0.6), &caps, now).unwrap();
    assert_ne!(first.id, second.id);

    let err = ledger.release(first.id).unwrap_err();
    assert!(
        matches!(err, LedgerError::UnknownReservation { .. }),
        "{err:?}"
    );
    let err = ledger.settle(first.id, settlement(0.1, now)).unwrap_err();
    assert!(
        matches!(err, LedgerError::UnknownReservation { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("reserve again"), "{err}");

    ledger.settle(second.id, settlement(0.2, now)).unwrap();
    let err = ledger.settle(second.id, settlement(0.2, now)).unwrap_err();
    assert!(matches!(err, LedgerError::AlreadySettled { .. }), "{err:?}");
    let err = ledger.release(second.id).unwrap_err();
    assert!(matches!(err, LedgerError::AlreadySettled { .. }), "{err:?}");
    let err = ledger.release(ReservationId(9_999)).unwrap_err();
    assert!(
        matches!(err, LedgerError::UnknownReservation { id: 9_999 }),
        "{err:?}"
    );

    // Only the one settled call costs anything.
    let status = ledger.budget_status(&caps, now).unwrap();
    assert_eq!((status.spent_today, status.reserved_today), (0.2, 0.0));
}

#[test]
fn expired_reservations_stop_counting_but_late_settlements_are_recorded() {
    let temp = TempLedger::new();
    let ledger = temp.open();
    let caps = per_day(1.0);
    let t0 = at("2025-03-14T12:00:00Z");
    let mut short = request("crashed", "m", 0.6);
    short.lease = Duration::from_secs(60);
    let stale = ledger.reserve(short, &caps, t0).unwrap();
    assert_eq!(stale.expires_at, at("2025-03-14T12:01:00Z"));

    // Within the lease it still counts.
    assert!(
        ledger
            .reserve(request("t", "m", 0.6), &caps, at("2025-03-14T12:00:59Z"))
            .is_err()
    );
    let status = ledger
        .budget_status(&caps, at("2025-03-14T12:00:59Z"))
        .unwrap();
    assert_eq!(status.reserved_today, 0.6);
    // After it, it does not.
    let later = at("2025-03-14T12:01:00Z");
    assert_eq!(
        ledger.budget_status(&caps, later).unwrap().reserved_today,
        0.0
    );
    let fresh = ledger
        .reserve(request("t", "m", 0.6), &caps, later)
        .unwrap();

    // The "crashed" call turns out to have finished after its lease: it cost money, so it is
    // recorded, and the caller hears that it ran outside the budget check.
    let err = ledger
        .settle(stale.id, settlement(0.5, at("2025-03-14T12:01:30Z")))
        .unwrap_err();
    let LedgerError::ReservationExpired { call } = &err else {
        panic!("expected an expired reservation, got {err:?}");
    };
    assert!(call.settled_late);
    assert_eq!(call.cost_usd, 0.5);
    assert!(
        err.to_string().contains("recorded anyway at $0.5000"),
        "{err}"
    );
    let trace = ledger.trace("crashed").unwrap().unwrap();
    assert_eq!(trace.calls.len(), 1);
    assert!(trace.calls[0].settled_late);
    let status = ledger.budget_status(&caps, later).unwrap();
    assert_eq!((status.spent_today, status.reserved_today), (0.5, 0.6));
    // The day is now over its cap; that is the truth, and nothing more fits.
    assert_eq!(status.left_today, Some(0.0));
    ledger.release(fresh.id).unwrap();
}

#[test]
fn expired_reservations_are_pruned_a_day_later() {
    let temp = TempLedger::new();
    let ledger = temp.open();
    let caps = Caps::default();
    let mut short = request("t", "m", 0.6);
    short.lease = Duration::from_secs(60);
    let stale = ledger
        .reserve(short, &caps, at("2025-03-14T12:00:00Z"))
        .unwrap();
    ledger
        .reserve(request("t", "m", 0.1), &caps, at("2025-03-15T12:01:01Z"))
        .unwrap();
    let err = ledger
        .settle(stale.id, settlement(0.5, at("2025-03-15T12:02:00Z")))
        .unwrap_err();
    assert!(
        matches!(err, LedgerError::UnknownReservation { .. }),
        "{err:?}"
    );
}

fn new_york() -> TimeZone {
    // The system database when there is one; the equivalent POSIX rule otherwise, so the test
    // does not depend on the machine's tzdata.
    TimeZone::get("America/New_York")
        .unwrap_or_else(|_| TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").expect("a valid POSIX TZ"))
}

#[test]
fn days_and_months_are_local_calendar_days_and_months() {
    let temp = TempLedger::new();
    let ledger = temp.open().with_time_zone(new_york());
    let caps = Caps {
        per_day_usd: Some(1.5),
        ..Caps::default()
    };
    // 23:30 on the 14th in New York (EDT, UTC-4), and 00:30 on the 15th.
    let late_14th = at("2025-03-15T03:30:00Z");
    let early_15th = at("2025-03-15T04:30:00Z");
    let res = ledger
        .reserve(request("a", "m", 1.0), &caps, late_14th)
        .unwrap();
    ledger.settle(res.id, settlement(1.0, late_14th)).unwrap();

    // Still the 14th: the dollar spent counts.
    let err = ledger
        .reserve(request("b", "m", 0.6), &caps, at("2025-03-15T03:59:59Z"))
        .unwrap_err();
    assert_eq!(refusal(err).spent_usd, 1.0);
    // The 15th has begun in New York although it began four hours earlier in UTC.
    let res = ledger
        .reserve(request("b", "m", 1.0), &caps, early_15th)
        .unwrap();
    ledger.settle(res.id, settlement(1.0, early_15th)).unwrap();

    let status = ledger
        .budget_status(&caps, at("2025-03-15T05:00:00Z"))
        .unwrap();
    assert_eq!(status.day, "2025-03-15");
    assert_eq!((status.spent_today, status.spent_month), (1.0, 2.0));
    assert_eq!(status.left_today, Some(0.5));

    let by_day = ledger.summary(None, GroupBy::Day).unwrap();
    let days: Vec<(&str, f64)> = by_day
        .rows
        .iter()
        .map(|row| (row.key.as_str(), row.cost_usd))
        .collect();
    assert_eq!(days, [("2025-03-14", 1.0), ("2025-03-15", 1.0)]);

    // 22:00 on 31 March in New York is still March, though April in UTC.
    let status = ledger
        .budget_status(&caps, at("2025-04-01T02:00:00Z"))
        .unwrap();
    assert_eq!(
        (status.month.as_str(), status.spent_month),
        ("2025-03", 2.0)
    );
    let status = ledger
        .budget_status(&caps, at("2025-04-01T04:00:00Z"))
        .unwrap();
    assert_eq!(
        (status.month.as_str(), status.spent_month),
        ("2025-04", 0.0)
    );

    // A fixed offset works the same way.
    let ledger = temp
        .open()
        .with_time_zone(TimeZone::fixed(jiff::tz::offset(-4)));
    let status = ledger.budget_status(&caps, late_14th).unwrap();
    assert_eq!(
        (status.day.as_str(), status.spent_today),
        ("2025-03-14", 1.0)
    );
}

#[test]
fn unpriceable_calls_and_bad_caps_are_refused() {
    let temp = TempLedger::new();
    let ledger = temp.open();
    let now = at("2025-03-14T12:00:00Z");
    for worst in [f64::NAN, f64::INFINITY, -0.01] {
        let err = ledger
            .reserve(request("t", "mystery", worst), &Caps::default(), now)
            .unwrap_err();
        assert!(matches!(err, LedgerError::InvalidAmount { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains("worst_case_usd for model mystery"),
            "{message}"
        );
        assert!(message.contains("give the model a price"), "{message}");
    }
    let err = ledger
        .reserve(request("t", "m", 0.1), &per_day(-1.0), now)
        .unwrap_err();
    assert!(err.to_string().contains("[budget] per_day_usd"), "{err}");
    let res = ledger
        .reserve(request("t", "m", 0.1), &Caps::default(), now)
        .unwrap();
    let err = ledger
        .settle(res.id, settlement(f64::NAN, now))
        .unwrap_err();
    assert!(matches!(err, LedgerError::InvalidAmount { .. }), "{err:?}");
    // The failed settle left the reservation in place to be settled properly.
    ledger.settle(res.id, settlement(0.05, now)).unwrap();
}

#[test]
fn without_caps_anything_priced_is_reserved() {
    let temp = TempLedger::new();
    let ledger = temp.open();
    let now = at("2025-03-14T12:00:00Z");
    ledger
        .reserve(request("t", "m", 1_000.0), &Caps::default(), now)
        .unwrap();
    let status = ledger.budget_status(&Caps::default(), now).unwrap();
    assert_eq!(status.reserved_today, 1_000.0);
    assert_eq!((status.left_today, status.left_month), (None, None));
}
