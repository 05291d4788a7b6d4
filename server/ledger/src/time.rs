//! Time at the storage edge: instants are stored as INTEGER microseconds since the Unix epoch,
//! and budget periods are the user's local calendar day and month, turned into half-open UTC
//! ranges `[start, end)` so SQLite can compare plain integers whatever the time zone.

use jiff::tz::TimeZone;
use jiff::{Timestamp, civil};

use crate::error::LedgerError;

/// An instant as stored.
pub(crate) fn to_micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

/// An instant read back.
pub(crate) fn from_micros(micros: i64) -> Result<Timestamp, LedgerError> {
    Timestamp::from_microsecond(micros).map_err(|err| LedgerError::BadRow {
        what: "timestamp",
        detail: format!("{micros} µs since the epoch: {err}"),
    })
}

/// `at + micros`, clamped to what a timestamp can hold (a lease of "forever" must not overflow).
pub(crate) fn add_micros(at: i64, micros: u128) -> i64 {
    let max = Timestamp::MAX.as_microsecond();
    let micros = i64::try_from(micros).unwrap_or(i64::MAX);
    at.saturating_add(micros).min(max)
}

/// A half-open range of instants in stored form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Period {
    pub start: i64,
    pub end: i64,
}

/// The start of a local calendar day. Days that begin inside a DST gap (some zones skip
/// midnight) begin at the first instant that exists, which is what `Date::to_zoned` gives.
pub(crate) fn day_start(date: civil::Date, tz: &TimeZone) -> Result<Timestamp, LedgerError> {
    Ok(date.to_zoned(tz.clone())?.timestamp())
}

/// The local calendar day containing `now`.
pub(crate) fn day_of(now: Timestamp, tz: &TimeZone) -> Result<Period, LedgerError> {
    let date = now.to_zoned(tz.clone()).date();
    Ok(Period {
        start: to_micros(day_start(date, tz)?),
        end: to_micros(day_start(date.tomorrow()?, tz)?),
    })
}

/// The local calendar month containing `now`.
pub(crate) fn month_of(now: Timestamp, tz: &TimeZone) -> Result<Period, LedgerError> {
    let date = now.to_zoned(tz.clone()).date();
    Ok(Period {
        start: to_micros(day_start(date.first_of_month(), tz)?),
        end: to_micros(day_start(date.last_of_month().tomorrow()?, tz)?),
    })
}

/// Serde for timestamps as RFC 3339 strings (`2025-03-14T15:00:00Z`), the form `--json` users
/// expect, without turning on jiff's own serde feature for one format.
pub(crate) mod rfc3339 {
    use jiff::Timestamp;
    use serde::Serializer;

    /// Serialises a timestamp as RFC 3339.
    pub(crate) fn serialize<S: Serializer>(at: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(at)
    }

    /// Serialises an optional timestamp as RFC 3339 or null.
    pub(crate) fn option<S: Serializer>(at: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.collect_str(at),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_york_day_and_month() {
        let tz = TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap();
        // 2025-03-15 03:30 UTC is still the 14th in New York (EDT, UTC-4).
        let now: Timestamp = "2025-03-15T03:30:00Z".parse().unwrap();
        let day = day_of(now, &tz).unwrap();
        let start: Timestamp = "2025-03-14T04:00:00Z".parse().unwrap();
        let end: Timestamp = "2025-03-15T04:00:00Z".parse().unwrap();
        assert_eq!(
            day,
            Period {
                start: to_micros(start),
                end: to_micros(end)
            }
        );
        // March holds the DST change, so the month starts at UTC-5 and ends at UTC-4.
        let month = month_of(now, &tz).unwrap();
        let start: Timestamp = "2025-03-01T05:00:00Z".parse().unwrap();
        let end: Timestamp = "2025-04-01T04:00:00Z".parse().unwrap();
        assert_eq!(
            month,
            Period {
                start: to_micros(start),
                end: to_micros(end)
            }
        );
    }

    #[test]
    fn leases_do_not_overflow() {
        assert_eq!(add_micros(0, u128::MAX), Timestamp::MAX.as_microsecond());
        assert_eq!(add_micros(10, 5), 15);
    }
}
