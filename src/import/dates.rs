//! Deciding whether `03/04/22` is the 3rd of April or March 4th, once per file, by the rules of
//! FORMATS.md §1 — and turning raw dates into calendar dates.

#[cfg(test)]
use chrono::Datelike;
use chrono::NaiveDate;

use super::whatsapp::RawDate;

/// Day/month order of a file's numeric dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// Day first (`18/03/2022`).
    DayMonth,
    /// Month first (`3/18/22`).
    MonthDay,
}

impl DateOrder {
    /// `dmy` or `mdy`, as reported.
    pub fn code(self) -> &'static str {
        match self {
            DateOrder::DayMonth => "dmy",
            DateOrder::MonthDay => "mdy",
        }
    }
}

/// Why the order is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderReason {
    DayAbove12,
    DayDecreases,
    DayChangesMore,
    Fallback,
}

impl OrderReason {
    pub(crate) fn code(self) -> &'static str {
        match self {
            OrderReason::DayAbove12 => "dayAbove12",
            OrderReason::DayDecreases => "dayDecreases",
            OrderReason::DayChangesMore => "dayChangesMore",
            OrderReason::Fallback => "fallback",
        }
    }
}

/// Watches a file's ambiguous dates as they stream past and decides their order.
#[derive(Debug, Default)]
pub(crate) struct OrderInference {
    decided: Option<(DateOrder, OrderReason)>,
    /// Distinct consecutive dates seen while undecided, for the slower rules.
    undecided_dates: Vec<(u8, u8, i32)>,
}

impl OrderInference {
    pub(crate) fn decided(&self) -> Option<(DateOrder, OrderReason)> {
        self.decided
    }

    /// Looks at one more date. A component above 12 decides at once: only a day can be.
    pub(crate) fn observe(&mut self, first: u8, second: u8, year: i32) {
        if self.decided.is_some() {
            return;
        }
        if first > 12 {
            self.decided = Some((DateOrder::DayMonth, OrderReason::DayAbove12));
        } else if second > 12 {
            self.decided = Some((DateOrder::MonthDay, OrderReason::DayAbove12));
        } else if self.undecided_dates.last() != Some(&(first, second, year)) {
            self.undecided_dates.push((first, second, year));
        }
    }

    /// Decides at the end of the file: within one year the component that decreases is the
    /// day (a new month starts the days again); else the one that changes more often; else the
    /// fallback.
    pub(crate) fn finish(&mut self, fallback: DateOrder) -> (DateOrder, OrderReason) {
        if let Some(decided) = self.decided {
            return decided;
        }
        let (mut first_decreases, mut second_decreases) = (0, 0);
        let (mut first_changes, mut second_changes) = (0, 0);
        for pair in self.undecided_dates.windows(2) {
            let ((a1, b1, y1), (a2, b2, y2)) = (pair[0], pair[1]);
            if y1 == y2 {
                if a2 < a1 {
                    first_decreases += 1;
                }
                if b2 < b1 {
                    second_decreases += 1;
                }
            }
            first_changes += u32::from(a1 != a2);
            second_changes += u32::from(b1 != b2);
        }
        let decided = if first_decreases > second_decreases {
            (DateOrder::DayMonth, OrderReason::DayDecreases)
        } else if second_decreases > first_decreases {
            (DateOrder::MonthDay, OrderReason::DayDecreases)
        } else if first_changes > second_changes {
            (DateOrder::DayMonth, OrderReason::DayChangesMore)
        } else if second_changes > first_changes {
            (DateOrder::MonthDay, OrderReason::DayChangesMore)
        } else {
            (fallback, OrderReason::Fallback)
        };
        self.decided = Some(decided);
        decided
    }
}

/// The calendar date of a raw date, given the file's order; `None` for impossible dates and
/// for dates without a year (see [`YearlessDates`]).
pub(crate) fn resolve(date: RawDate, order: Option<DateOrder>) -> Option<NaiveDate> {
    let (year, month, day) = match date {
        RawDate::Known { year: Some(y), month, day } => (y, month, day),
        RawDate::Known { year: None, .. } => return None,
        RawDate::Ambiguous { first, second, year } => {
            let (month, day) = match order? {
                DateOrder::DayMonth => (second, first),
                DateOrder::MonthDay => (first, second),
            };
            (full_year(year), month, day)
        }
    };
    NaiveDate::from_ymd_opt(year, u32::from(month), u32::from(day))
}

/// Two-digit years are 20xx.
fn full_year(year: i32) -> i32 {
    if year < 100 {
        2000 + year
    } else {
        year
    }
}

/// Old exports write `Mar 5` with no year. Years are counted back from the last message, which
/// is taken to lie within the twelve months before `today`; each time the month goes down in
/// file order a year has turned.
#[cfg(test)]
pub(crate) fn yearless_years(months_in_order: &[u8], today: NaiveDate) -> Vec<i32> {
    let rollovers = months_in_order.windows(2).filter(|w| w[1] < w[0]).count() as i32;
    let last_month = months_in_order.last().copied().unwrap_or(1);
    let last_year = if u32::from(last_month) > today.month() { today.year() - 1 } else { today.year() };
    let mut year = last_year - rollovers;
    let mut out = Vec::with_capacity(months_in_order.len());
    let mut previous = 0;
    for &month in months_in_order {
        if month < previous {
            year += 1;
        }
        previous = month;
        out.push(year);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn above_12_decides_at_once() {
        let mut o = OrderInference::default();
        o.observe(3, 4, 2022);
        assert_eq!(o.decided(), None);
        o.observe(3, 18, 2022);
        assert_eq!(o.decided(), Some((DateOrder::MonthDay, OrderReason::DayAbove12)));
    }

    #[test]
    fn decreasing_component_is_the_day() {
        let mut o = OrderInference::default();
        for (a, b) in [(11, 1), (12, 1), (2, 2), (3, 2)] {
            o.observe(a, b, 2022);
        }
        assert_eq!(o.finish(DateOrder::MonthDay), (DateOrder::DayMonth, OrderReason::DayDecreases));
    }

    #[test]
    fn fallback_when_nothing_decides() {
        let mut o = OrderInference::default();
        o.observe(5, 5, 2022);
        assert_eq!(o.finish(DateOrder::MonthDay), (DateOrder::MonthDay, OrderReason::Fallback));
    }

    #[test]
    fn lone_year_first_date_is_year_month_day() {
        let d = resolve(RawDate::Known { year: Some(2019), month: 5, day: 2 }, None);
        assert_eq!(d, NaiveDate::from_ymd_opt(2019, 5, 2));
    }

    #[test]
    fn yearless_dates_count_back_from_today() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
        assert_eq!(yearless_years(&[11, 12, 1, 3], today), vec![2025, 2025, 2026, 2026]);
        assert_eq!(yearless_years(&[12], today), vec![2025]);
    }
}
