//! Calendar months as small integers, for the monthly message counts that draw a relationship
//! over time (see [`crate::stats::AuthorStats::months`]).

use chrono::{Datelike, NaiveDate};

/// A calendar month: months since January 1970 (0 is 1970-01, -1 is 1969-12).
pub type Month = i32;

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const UNIX_EPOCH_FROM_CE: i64 = 719_163;

/// The month of a local day number (days since 1970-01-01); `None` outside chrono's range,
/// which a crafted date can reach. Never inlined: it is asked once a month of messages, and
/// each inlined copy of the calendar code costs the wasm build a kilobyte.
#[inline(never)]
pub fn month_of_day(day: i64) -> Option<Month> {
    let from_ce = i32::try_from(day.checked_add(UNIX_EPOCH_FROM_CE)?).ok()?;
    let date = NaiveDate::from_num_days_from_ce_opt(from_ce)?;
    Some((date.year() - 1970) * 12 + date.month0() as i32)
}

/// The first and one-past-last local day numbers of `month`, so that the days of one month
/// are told apart by two comparisons instead of a calendar computation.
pub fn day_range(month: Month) -> Option<(i64, i64)> {
    let first = |m: Month| -> Option<i64> {
        let date = NaiveDate::from_ymd_opt(1970 + m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1)?;
        Some(crate::time::date_to_days(date))
    };
    Some((first(month)?, first(month.checked_add(1)?)?))
}

/// `"2024-03"` for the month of March 2024.
pub fn label(month: Month) -> String {
    let year = 1970 + month.div_euclid(12);
    format!("{year:04}-{:02}", month.rem_euclid(12) + 1)
}

/// The month of an instant in UTC (the popup asks for "the last 24 months" from now).
pub fn month_of_instant(seconds: i64) -> Option<Month> {
    month_of_day(seconds.div_euclid(86_400))
}

/// Remembers the month of the last day asked about: messages of one month come together, and a
/// calendar computation per message would cost a noticeable share of an import.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MonthMemo {
    days: Option<(i64, i64, Month)>,
}

impl MonthMemo {
    pub(crate) fn month(&mut self, day: i64) -> Option<Month> {
        if let Some((first, end, month)) = self.days {
            if (first..end).contains(&day) {
                return Some(month);
            }
        }
        let month = month_of_day(day)?;
        let (first, end) = day_range(month)?;
        self.days = Some((first, end, month));
        Some(month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_count_from_january_1970() {
        assert_eq!(month_of_day(0), Some(0));
        assert_eq!(month_of_day(30), Some(0));
        assert_eq!(month_of_day(31), Some(1));
        assert_eq!(month_of_day(-1), Some(-1));
        // 2024-02-29 is day 19,782.
        assert_eq!(month_of_day(19_782), Some(54 * 12 + 1));
        assert_eq!(label(54 * 12 + 1), "2024-02");
        assert_eq!(label(-1), "1969-12");
        assert_eq!(month_of_day(i64::MAX), None);
    }

    #[test]
    fn a_months_day_range_holds_exactly_its_days() {
        for month in [-13, -1, 0, 1, 11, 12, 54 * 12 + 1, 100 * 12 + 11] {
            let (first, end) = day_range(month).expect("in range");
            assert_eq!(month_of_day(first), Some(month));
            assert_eq!(month_of_day(end - 1), Some(month));
            assert_eq!(month_of_day(first - 1), Some(month - 1));
            assert_eq!(month_of_day(end), Some(month + 1));
        }
    }

    #[test]
    fn the_memo_agrees_with_the_calendar_in_any_order() {
        let mut memo = MonthMemo::default();
        let days: Vec<i64> = (0..2_000).map(|i| (i * 7_919) % 40_000 - 5_000).collect();
        for day in days.iter().chain(days.iter().rev()) {
            assert_eq!(memo.month(*day), month_of_day(*day), "day {day}");
        }
    }
}
