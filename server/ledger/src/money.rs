//! Money at the API edge: dollars as `f64` outside, whole micro-dollars (1e-6 USD, `i64`) inside,
//! so that sums in SQLite are exact integer sums and never drift the way float sums do.

use crate::error::LedgerError;

/// Micro-dollars in one dollar.
pub(crate) const MICROS_PER_USD: i64 = 1_000_000;

/// The largest amount the ledger accepts: a trillion dollars. Far above any real bill, and far
/// below `i64::MAX` micro-dollars, so that sums of many such amounts cannot overflow either.
const MAX_USD: f64 = 1e12;

/// Converts dollars to whole micro-dollars, rejecting NaN, infinities, negatives and absurd sizes.
///
/// Rounds to the nearest micro-dollar: rounding up "to be safe" would turn `0.084` (which is
/// `84000.00000000001` micro-dollars in binary floating point) into a visible extra micro-dollar.
///
/// # Errors
/// [`LedgerError::InvalidAmount`] naming `what` when the value is not a usable amount.
pub(crate) fn usd_to_micros(value: f64, what: impl FnOnce() -> String) -> Result<i64, LedgerError> {
    if !value.is_finite() || !(0.0..=MAX_USD).contains(&value) {
        return Err(LedgerError::InvalidAmount {
            what: what(),
            value,
        });
    }
    // In range by the check above, so the cast neither saturates nor wraps.
    Ok((value * MICROS_PER_USD as f64).round() as i64)
}

/// Like [`usd_to_micros`] but for display only: out-of-range values saturate instead of failing.
pub(crate) fn usd_to_micros_lossy(value: f64) -> i64 {
    // `as` saturates and maps NaN to zero, which is fine for a message.
    (value * MICROS_PER_USD as f64).round() as i64
}

/// Converts micro-dollars back to dollars for the API.
pub(crate) fn micros_to_usd(micros: i64) -> f64 {
    // Exact below 2^53 micro-dollars (about $9 billion).
    micros as f64 / MICROS_PER_USD as f64
}

/// Formats an amount with four decimals (`$0.0840`): calls often cost fractions of a cent, and
/// two decimals would show most of them as `$0.00`.
pub(crate) fn format_usd(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    // Round half away from zero to units of $0.0001 (100 micro-dollars).
    let units = (micros.unsigned_abs() + 50) / 100;
    format!("{sign}${}.{:04}", units / 10_000, units % 10_000)
}

/// Formats a cap the way a user wrote it in their config: `$5.00` for whole cents, and four
/// decimals only when the cap itself has fractions of a cent.
pub(crate) fn format_cap(micros: i64) -> String {
    if micros % 10_000 == 0 {
        let cents = micros.unsigned_abs() / 10_000;
        let sign = if micros < 0 { "-" } else { "" };
        format!("{sign}${}.{:02}", cents / 100, cents % 100)
    } else {
        format_usd(micros)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_to_the_nearest_micro_dollar() {
        let what = || "x".to_owned();
        assert_eq!(usd_to_micros(0.084, what).unwrap(), 84_000);
        assert_eq!(usd_to_micros(4.969, what).unwrap(), 4_969_000);
        assert_eq!(usd_to_micros(0.0, what).unwrap(), 0);
        assert!(usd_to_micros(f64::NAN, what).is_err());
        assert!(usd_to_micros(f64::INFINITY, what).is_err());
        assert!(usd_to_micros(-0.01, what).is_err());
        assert!(usd_to_micros(2e12, what).is_err());
        assert_eq!(micros_to_usd(84_000), 0.084);
    }

    #[test]
    fn formatting() {
        assert_eq!(format_usd(84_000), "$0.0840");
        assert_eq!(format_usd(4_969_000), "$4.9690");
        assert_eq!(format_usd(0), "$0.0000");
        assert_eq!(format_usd(49), "$0.0000");
        assert_eq!(format_usd(50), "$0.0001");
        assert_eq!(format_usd(-31_000), "-$0.0310");
        assert_eq!(format_cap(5_000_000), "$5.00");
        assert_eq!(format_cap(50_000), "$0.05");
        assert_eq!(format_cap(5_000), "$0.0050");
    }
}
