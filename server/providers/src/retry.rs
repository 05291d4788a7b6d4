//! When and how long to wait before trying a failed request again, as the official SDKs do.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// The longest wait a server's `retry-after` may impose: beyond it the user is better served by
/// an error (and a fallback model) than by a silent minute-long pause.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Exponential backoff used when the server names no wait: `initial * 2^n`, capped at `max`,
/// then shortened by up to 25% at random so that many clients do not retry in lockstep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    /// The SDKs' values: 0.5 s doubling up to 8 s.
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(8),
        }
    }
}

impl Backoff {
    /// The wait before retry number `retry` (0 for the first retry), given a uniform `random`
    /// in `[0, 1)`.
    pub fn delay(&self, retry: u32, random: f64) -> Duration {
        let factor = 2f64.powi(i32::try_from(retry.min(30)).unwrap_or(30));
        let base = (self.initial.as_secs_f64() * factor).min(self.max.as_secs_f64());
        let jitter = 1.0 - 0.25 * random.clamp(0.0, 1.0);
        Duration::from_secs_f64(base * jitter)
    }
}

/// 408 request timeout, 409 conflict, 429 rate limit and every 5xx (Anthropic's 529 overloaded
/// included): the statuses the Anthropic and OpenAI SDKs retry.
pub fn status_is_retryable(status: u16) -> bool {
    matches!(status, 408 | 409 | 429) || status >= 500
}

/// The server's own verdict, which the SDKs obey over the status: `x-should-retry: true|false`.
pub fn should_retry_header(headers: &HeaderMap) -> Option<bool> {
    match headers.get("x-should-retry")?.to_str().ok()?.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// The wait a response asks for: `retry-after-ms` (milliseconds), else `retry-after` as
/// seconds (fractions allowed) or as an HTTP date, capped at [`MAX_RETRY_AFTER`]. O(header).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let parsed = if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        seconds(ms / 1000.0)
    } else {
        let value = header("retry-after")?;
        match value.parse::<f64>() {
            Ok(s) => seconds(s),
            Err(_) => {
                let when = httpdate::parse_http_date(value).ok()?;
                Some(when.duration_since(now).unwrap_or(Duration::ZERO))
            }
        }
    }?;
    Some(parsed.min(MAX_RETRY_AFTER))
}

fn seconds(s: f64) -> Option<Duration> {
    if s.is_finite() && s >= 0.0 {
        Some(Duration::from_secs_f64(
            s.min(MAX_RETRY_AFTER.as_secs_f64()),
        ))
    } else {
        None
    }
}

/// How long to wait before retry number `retry` after a response with `headers` (if any).
pub fn wait_before_retry(
    backoff: &Backoff,
    retry: u32,
    headers: Option<&HeaderMap>,
    random: f64,
) -> Duration {
    headers
        .and_then(|h| retry_after(h, SystemTime::now()))
        .unwrap_or_else(|| backoff.delay(retry, random))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            if let Ok(v) = HeaderValue::from_str(v) {
                h.insert(*k, v);
            }
        }
        h
    }

    #[test]
    fn retry_after_ms_wins_over_retry_after() {
        let h = headers(&[("retry-after-ms", "250"), ("retry-after", "7")]);
        assert_eq!(
            retry_after(&h, SystemTime::now()),
            Some(Duration::from_millis(250))
        );
    }

    #[test]
    fn retry_after_takes_fractional_seconds() {
        let h = headers(&[("retry-after", "1.5")]);
        assert_eq!(
            retry_after(&h, SystemTime::now()),
            Some(Duration::from_millis(1500))
        );
    }

    #[test]
    fn retry_after_takes_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let later = httpdate::fmt_http_date(now + Duration::from_secs(12));
        let h = headers(&[("retry-after", &later)]);
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(12)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(12));
        let h = headers(&[("retry-after", &earlier)]);
        assert_eq!(retry_after(&h, now), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_is_capped_at_a_minute() {
        let h = headers(&[("retry-after", "3600")]);
        assert_eq!(retry_after(&h, SystemTime::now()), Some(MAX_RETRY_AFTER));
        let h = headers(&[("retry-after-ms", "9999999")]);
        assert_eq!(retry_after(&h, SystemTime::now()), Some(MAX_RETRY_AFTER));
    }

    #[test]
    fn garbage_retry_after_is_ignored() {
        let h = headers(&[("retry-after", "soon"), ("retry-after-ms", "-5")]);
        assert_eq!(retry_after(&h, SystemTime::now()), None);
    }

    #[test]
    fn backoff_doubles_caps_and_jitters_down_by_at_most_a_quarter() {
        let b = Backoff::default();
        assert_eq!(b.delay(0, 0.0), Duration::from_millis(500));
        assert_eq!(b.delay(1, 0.0), Duration::from_secs(1));
        assert_eq!(b.delay(10, 0.0), Duration::from_secs(8));
        assert_eq!(b.delay(0, 1.0), Duration::from_millis(375));
    }

    #[test]
    fn retryable_statuses_match_the_sdks() {
        for s in [408, 409, 429, 500, 502, 503, 504, 529] {
            assert!(status_is_retryable(s), "{s}");
        }
        for s in [400, 401, 402, 403, 404, 413, 422] {
            assert!(!status_is_retryable(s), "{s}");
        }
    }
}
