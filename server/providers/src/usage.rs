//! Token usage as every provider reports it, normalised, and the one function that turns usage into dollars.

use serde::{Deserialize, Serialize};

/// Tokens of one call, normalised across providers.
///
/// `input` is every prompt token the provider processed, cached or not (OpenAI and Gemini report it
/// that way; the Anthropic client adds cache reads and writes back in). `cached_input` and
/// `cache_write` are the parts of `input` read from or written to the provider's prompt cache.
/// `output` includes thinking (reasoning) tokens, since every provider bills them as output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input: u64,
    pub output: u64,
    pub cached_input: u64,
    pub cache_write: u64,
}

/// A model's price in USD per million tokens.
///
/// A missing `cached_input` or `cache_write` price falls back to `input`: an unknown discount is
/// never assumed, so the cost is never under-stated by a missing field.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Price {
    pub input: f64,
    pub output: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
}

/// The cost in USD of `usage` at `price`. This is the only place cost is computed.
///
/// Uncached input is `input - cached_input - cache_write` (saturating, so a provider that reports
/// inconsistent counts cannot make the cost negative). O(1).
pub fn cost_usd(price: &Price, usage: &Usage) -> f64 {
    let uncached = usage
        .input
        .saturating_sub(usage.cached_input)
        .saturating_sub(usage.cache_write);
    let per_million = uncached as f64 * price.input
        + usage.cached_input as f64 * price.cached_input.unwrap_or(price.input)
        + usage.cache_write as f64 * price.cache_write.unwrap_or(price.input)
        + usage.output as f64 * price.output;
    per_million / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_splits_cached_and_uncached_input() {
        let price = Price {
            input: 5.0,
            output: 25.0,
            cached_input: Some(0.5),
            cache_write: Some(6.25),
        };
        let usage = Usage {
            input: 1_000_000,
            output: 100_000,
            cached_input: 400_000,
            cache_write: 100_000,
        };
        // 500k uncached * 5 + 400k * 0.5 + 100k * 6.25 + 100k * 25, per million.
        let expected = 2.5 + 0.2 + 0.625 + 2.5;
        assert!((cost_usd(&price, &usage) - expected).abs() < 1e-12);
    }

    #[test]
    fn missing_cache_prices_fall_back_to_input() {
        let price = Price {
            input: 2.0,
            output: 8.0,
            cached_input: None,
            cache_write: None,
        };
        let usage = Usage {
            input: 10,
            output: 0,
            cached_input: 4,
            cache_write: 2,
        };
        assert!((cost_usd(&price, &usage) - 20.0 / 1e6).abs() < 1e-15);
    }

    #[test]
    fn inconsistent_counts_never_go_negative() {
        let price = Price {
            input: 1.0,
            output: 1.0,
            cached_input: Some(0.1),
            cache_write: None,
        };
        let usage = Usage {
            input: 1,
            output: 0,
            cached_input: 5,
            cache_write: 0,
        };
        assert!(cost_usd(&price, &usage) >= 0.0);
    }
}
