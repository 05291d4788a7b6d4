//! `switchboard/costs`: today's spend against the budget and how many jobs are running, for an
//! editor's status bar. Reads the local ledger only.

use serde_json::{Value, json};
use tower_lsp_server::jsonrpc;

use crate::session::Session;

/// `{day, spent_today, reserved_today, left_today, per_day_usd, spent_month, left_month,
/// running}`; the money fields are `null` when the ledger cannot be read (with `error` saying why).
///
/// # Errors
/// Never: a ledger problem is part of the answer, so the status bar can show it.
pub fn costs(session: &Session) -> jsonrpc::Result<Value> {
    let running = session.jobs.running();
    let Some(caller) = session.caller() else {
        return Ok(json!({ "running": running, "error": "no config yet" }));
    };
    let caps = caller.caps();
    let status = caller.ledger().map_err(str::to_string).and_then(|ledger| {
        ledger
            .budget_status(&caps, jiff::Timestamp::now())
            .map_err(|err| err.to_string())
    });
    Ok(match status {
        Ok(status) => json!({
            "day": status.day,
            "spent_today": status.spent_today,
            "reserved_today": status.reserved_today,
            "left_today": status.left_today,
            "per_day_usd": caps.per_day_usd,
            "spent_month": status.spent_month,
            "left_month": status.left_month,
            "running": running,
        }),
        Err(error) => {
            json!({ "running": running, "per_day_usd": caps.per_day_usd, "error": error })
        }
    })
}
