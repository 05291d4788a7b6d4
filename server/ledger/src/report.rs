//! Reports for `switchboard costs [--since DATE] [--by model|role|day]` and the budget status
//! line; every type serialises for `--json`.

use std::collections::BTreeMap;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::Ledger;
use crate::budget::{Caps, period_sums};
use crate::error::LedgerError;
use crate::money::{micros_to_usd, usd_to_micros};
use crate::time::{self, from_micros, to_micros};

/// How to group a cost summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// By model alias, most expensive first.
    Model,
    /// By role, most expensive first.
    Role,
    /// By local calendar day (`2025-03-14`), oldest first.
    Day,
}

impl FromStr for GroupBy {
    type Err = String;

    fn from_str(s: &str) -> Result<GroupBy, String> {
        match s {
            "model" => Ok(GroupBy::Model),
            "role" => Ok(GroupBy::Role),
            "day" => Ok(GroupBy::Day),
            other => Err(format!(
                "cannot group costs by {other:?}; use model, role or day"
            )),
        }
    }
}

/// One line of a cost summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CostRow {
    /// The model alias, role or day (`YYYY-MM-DD`); `total` in [`CostSummary::totals`].
    pub key: String,
    /// Settled calls.
    pub calls: u64,
    /// Input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Cached input tokens.
    pub cached_input_tokens: u64,
    /// Cost in dollars.
    pub cost_usd: f64,
}

/// A cost summary: one row per group, and the totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostSummary {
    /// The grouping.
    pub by: GroupBy,
    /// Only calls charged at or after this instant, if given.
    #[serde(serialize_with = "time::rfc3339::option")]
    pub since: Option<Timestamp>,
    /// One row per group.
    pub rows: Vec<CostRow>,
    /// All rows added up.
    pub totals: CostRow,
}

/// Where the budget stands at an instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetStatus {
    /// The local day (`YYYY-MM-DD`).
    pub day: String,
    /// Settled spending today.
    pub spent_today: f64,
    /// Worst cases of calls in flight today.
    pub reserved_today: f64,
    /// What a new call may still use today (never below zero); `None` without a daily cap.
    pub left_today: Option<f64>,
    /// The local month (`YYYY-MM`).
    pub month: String,
    /// Settled spending this month.
    pub spent_month: f64,
    /// Worst cases of calls in flight this month.
    pub reserved_month: f64,
    /// What a new call may still use this month (never below zero); `None` without a monthly cap.
    pub left_month: Option<f64>,
}

/// Running sums in integers, converted to dollars once at the end.
#[derive(Default)]
struct Sums {
    calls: i64,
    input: i64,
    output: i64,
    cached: i64,
    cost: i64,
}

impl Sums {
    fn add(&mut self, other: &Sums) {
        self.calls += other.calls;
        self.input += other.input;
        self.output += other.output;
        self.cached += other.cached;
        self.cost += other.cost;
    }

    fn into_row(self, key: String) -> CostRow {
        // The sums come from non-negative columns (CHECK constraints), so they are not negative.
        let count = |value: i64| u64::try_from(value).unwrap_or(0);
        CostRow {
            key,
            calls: count(self.calls),
            input_tokens: count(self.input),
            output_tokens: count(self.output),
            cached_input_tokens: count(self.cached),
            cost_usd: micros_to_usd(self.cost),
        }
    }
}

fn sums_from_row(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Sums> {
    Ok(Sums {
        calls: row.get(first)?,
        input: row.get(first + 1)?,
        output: row.get(first + 2)?,
        cached: row.get(first + 3)?,
        cost: row.get(first + 4)?,
    })
}

impl Ledger {
    /// Settled costs grouped by model, role or local day, with totals. Costs count towards the
    /// instant their call was reserved (see [`crate::CallRecord::charged_at`]).
    ///
    /// # Errors
    /// [`LedgerError::BadRow`] for a bad timestamp, or a SQLite error.
    pub fn summary(
        &self,
        since: Option<Timestamp>,
        by: GroupBy,
    ) -> Result<CostSummary, LedgerError> {
        let since_us = since.map_or(i64::MIN, to_micros);
        let conn = self.conn();
        let mut groups: Vec<(String, Sums)> = Vec::new();
        match by {
            GroupBy::Model | GroupBy::Role => {
                let column = if by == GroupBy::Model {
                    "model"
                } else {
                    "role"
                };
                // Aggregating in SQL keeps the sums exact integer sums.
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {column}, COUNT(*), SUM(input_tokens), SUM(output_tokens),
                            SUM(cached_input_tokens), SUM(cost_micros)
                     FROM calls WHERE charged_at >= ?1
                     GROUP BY {column} ORDER BY SUM(cost_micros) DESC, {column}"
                ))?;
                let mut rows = stmt.query([since_us])?;
                while let Some(row) = rows.next()? {
                    groups.push((row.get(0)?, sums_from_row(row, 1)?));
                }
            }
            GroupBy::Day => {
                // Local days depend on the time zone, which SQLite does not know; group here.
                let mut days: BTreeMap<Date, Sums> = BTreeMap::new();
                let mut stmt = conn.prepare_cached(
                    "SELECT charged_at, 1, input_tokens, output_tokens, cached_input_tokens,
                            cost_micros
                     FROM calls WHERE charged_at >= ?1 ORDER BY charged_at",
                )?;
                let mut rows = stmt.query([since_us])?;
                while let Some(row) = rows.next()? {
                    let at = from_micros(row.get(0)?)?;
                    let date = at.to_zoned(self.tz.clone()).date();
                    days.entry(date).or_default().add(&sums_from_row(row, 1)?);
                }
                groups.extend(
                    days.into_iter()
                        .map(|(date, sums)| (date.to_string(), sums)),
                );
            }
        }
        let mut totals = Sums::default();
        let rows = groups
            .into_iter()
            .map(|(key, sums)| {
                totals.add(&sums);
                sums.into_row(key)
            })
            .collect();
        Ok(CostSummary {
            by,
            since,
            rows,
            totals: totals.into_row("total".to_owned()),
        })
    }

    /// The last `limit` settled calls, newest first: what `switchboard costs` lists so that a
    /// trace id is at hand.
    ///
    /// # Errors
    /// [`LedgerError::BadRow`] for a bad row, or a SQLite error.
    pub fn recent_calls(&self, limit: usize) -> Result<Vec<crate::CallRecord>, LedgerError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {} FROM calls ORDER BY finished_at DESC, id DESC LIMIT ?1",
            crate::budget::CALL_COLUMNS
        ))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows = stmt.query([limit])?;
        let mut calls = Vec::new();
        while let Some(row) = rows.next()? {
            calls.push(crate::budget::call_from_row(row)?);
        }
        Ok(calls)
    }

    /// Spending and live reservations of the local day and month containing `now`, and what is
    /// left under `caps`.
    ///
    /// # Errors
    /// [`LedgerError::InvalidAmount`] for a NaN or negative cap, or a SQLite error.
    pub fn budget_status(&self, caps: &Caps, now: Timestamp) -> Result<BudgetStatus, LedgerError> {
        let day = time::day_of(now, &self.tz)?;
        let month = time::month_of(now, &self.tz)?;
        let now_us = to_micros(now);
        let (day_sums, month_sums) = {
            let conn = self.conn();
            // One read transaction, so the day and the month come from the same snapshot.
            let tx = conn.unchecked_transaction()?;
            let sums = (
                period_sums(&tx, day, now_us)?,
                period_sums(&tx, month, now_us)?,
            );
            tx.finish()?;
            sums
        };
        let left = |cap: Option<f64>, key: &'static str, (spent, reserved): (i64, i64)| {
            cap.map(|usd| {
                let cap = usd_to_micros(usd, || format!("[budget] {key}"))?;
                Ok::<f64, LedgerError>(micros_to_usd((cap - spent - reserved).max(0)))
            })
            .transpose()
        };
        let local = now.to_zoned(self.tz.clone());
        Ok(BudgetStatus {
            day: local.date().to_string(),
            spent_today: micros_to_usd(day_sums.0),
            reserved_today: micros_to_usd(day_sums.1),
            left_today: left(caps.per_day_usd, "per_day_usd", day_sums)?,
            month: local.strftime("%Y-%m").to_string(),
            spent_month: micros_to_usd(month_sums.0),
            reserved_month: micros_to_usd(month_sums.1),
            left_month: left(caps.per_month_usd, "per_month_usd", month_sums)?,
        })
    }
}
