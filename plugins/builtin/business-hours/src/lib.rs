//! A custom strategy: gates follow Lift's standard policy, but a step only goes
//! on inside business hours (Monday to Friday, 09:00 to 17:00 UTC). Outside
//! them a passing step waits for a person's approval; a failing one still rolls
//! back, because a bad version should not wait for Monday.

use lift_plugin_sdk::strategy::{Guest, Level, Next, NoDataPolicy, Retry, RolloutView, Verdict, log};

struct BusinessHours;

const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;

/// Inside 09:00 to 17:00 UTC on a weekday. 1970-01-01 was a Thursday.
fn in_business_hours(now_ms: u64) -> bool {
    let day = now_ms / DAY_MS;
    let weekday = (day + 3) % 7; // 0 = Monday
    let hour = (now_ms % DAY_MS) / HOUR_MS;
    weekday < 5 && (9..17).contains(&hour)
}

impl Guest for BusinessHours {
    fn name() -> String {
        "business-hours".into()
    }

    fn decide(view: RolloutView) -> Next {
        let verdict = match (view.verdict, view.no_data) {
            (Verdict::NoData, NoDataPolicy::Pass) => Verdict::Pass,
            (Verdict::NoData, NoDataPolicy::Fail) => Verdict::Fail,
            (Verdict::NoData, NoDataPolicy::Wait) => Verdict::Error,
            (v, _) => v,
        };
        match verdict {
            Verdict::Pass | Verdict::NoData if in_business_hours(view.now_ms) => {
                Next::Continue(format!("step {} passed inside business hours", view.step + 1))
            }
            Verdict::Pass | Verdict::NoData => {
                log(Level::Info, &format!("step {} passed outside business hours; asking for approval", view.step + 1));
                Next::AskPerson("outside business hours (Mon-Fri 09:00-17:00 UTC): a person approves".into())
            }
            Verdict::Fail if view.failures_in_a_row + 1 >= view.failure_limit => {
                Next::RollBack(format!("gate of step {} failed", view.step + 1))
            }
            Verdict::Fail => Next::Retry(Retry {
                why: format!("{} of {} failed checks allowed", view.failures_in_a_row + 1, view.failure_limit),
                after_ms: 60_000,
                failed: true,
            }),
            Verdict::Inconclusive => Next::AskPerson("gate inconclusive".into()),
            Verdict::Error if view.errors_in_a_row + 1 >= view.error_limit => {
                Next::AskPerson(format!("{} broken measurements in a row", view.errors_in_a_row + 1))
            }
            Verdict::Error => Next::Retry(Retry { why: "measurement failed".into(), after_ms: 60_000, failed: false }),
        }
    }
}

lift_plugin_sdk::export_strategy!(BusinessHours);
