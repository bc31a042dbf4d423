//! Attainment by OpenSLO's three budgeting methods.

use super::{Counts, Ratio};
use crate::spec::Budgeting;
use crate::spec::units::Percent;

/// Whether a timeslice is good: its share of good events reaches `target`.
pub(super) fn good(c: Counts, target: Percent) -> bool {
    u128::from(c.good) * 1_000_000 >= u128::from(c.total) * u128::from(target.ppm())
}

/// Attainment of `slices` (in time order, one per timeslice) by `method`, as
/// the share of good (events, slices, or mean slice ratio). Slices without
/// events carry no data and are left out; `None` when nothing has data.
/// `target` is the share of good events that makes a timeslice good.
pub fn attainment(method: Budgeting, slices: &[Counts], target: Percent) -> Option<Ratio> {
    let with_data = slices.iter().filter(|c| c.total > 0);
    match method {
        Budgeting::Occurrences => {
            let sum = slices.iter().fold(Counts::default(), |a, c| Counts { good: a.good + c.good, total: a.total + c.total });
            Ratio::new(u128::from(sum.good), u128::from(sum.total))
        }
        Budgeting::Timeslices => {
            let (good, n) = with_data.fold((0u128, 0u128), |(g, n), c| {
                let ok = good(*c, target);
                (g + u128::from(ok), n + 1)
            });
            Ratio::new(good, n)
        }
        Budgeting::RatioTimeslices => {
            // The mean of per-slice ratios over a common denominator: exact.
            let ratios: Vec<Ratio> = with_data.filter_map(|c| Ratio::new(u128::from(c.good), u128::from(c.total))).collect();
            let n = ratios.len() as u128;
            let den = ratios.iter().fold(1u128, |d, r| lcm(d, r.den));
            let num = ratios.iter().fold(0u128, |s, r| s + r.num * (den / r.den));
            Ratio::new(num, den.checked_mul(n)?)
        }
    }
}

fn gcd(a: u128, b: u128) -> u128 {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn lcm(a: u128, b: u128) -> u128 {
    // Denominators are event counts; past u128 the ratio saturates rather than overflowing.
    (a / gcd(a, b).max(1)).saturating_mul(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(good: u64, total: u64) -> Counts {
        Counts { good, total }
    }

    #[test]
    fn the_three_methods_differ_as_they_should() {
        // A quiet minute with one failure, and a busy minute without.
        let slices = [c(0, 1), c(999, 999), c(0, 0)];
        let t = Percent::from_ppm(990_000);
        // 999 of 1000 events were good.
        assert_eq!(attainment(Budgeting::Occurrences, &slices, t), Ratio::new(999, 1000));
        // One of the two slices with data was good.
        assert_eq!(attainment(Budgeting::Timeslices, &slices, t), Ratio::new(1, 2));
        // The mean of 0 and 1.
        assert_eq!(attainment(Budgeting::RatioTimeslices, &slices, t), Ratio::new(1, 2));
        assert_eq!(attainment(Budgeting::Timeslices, &[c(0, 0)], t), None);
        // Mean of 1/3 and 1/2 is 5/12, exactly.
        assert_eq!(attainment(Budgeting::RatioTimeslices, &[c(1, 3), c(1, 2)], t), Ratio::new(5, 12));
    }
}
