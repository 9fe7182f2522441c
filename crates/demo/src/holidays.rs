//! Korean public holidays of 2025–2027 as a fixed table: the lunar ones (Seollal, Chuseok,
//! Buddha's Birthday) and substitute holidays cannot be computed without a lunar calendar.

use chrono::NaiveDate;

/// Which businesses close on a holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Closes {
    /// Every unit closes (Seollal and Chuseok): even restaurants shut for the family holidays.
    All,
    /// Offices and banks close; restaurants stay open and are busier than usual.
    Offices,
    /// Banks only (Labour Day and the year-end settlement day).
    Banks,
}

pub(crate) struct Holiday {
    pub date: NaiveDate,
    pub name: &'static str,
    pub closes: Closes,
}

const TABLE: &[(i32, u32, u32, &str, Closes)] = &[
    (2025, 1, 1, "신정", Closes::Offices),
    (2025, 1, 27, "임시공휴일", Closes::Offices),
    (2025, 1, 28, "설날 연휴", Closes::All),
    (2025, 1, 29, "설날", Closes::All),
    (2025, 1, 30, "설날 연휴", Closes::All),
    (2025, 3, 1, "삼일절", Closes::Offices),
    (2025, 3, 3, "대체공휴일(삼일절)", Closes::Offices),
    (2025, 5, 1, "근로자의 날", Closes::Banks),
    (2025, 5, 5, "어린이날·부처님오신날", Closes::Offices),
    (2025, 5, 6, "대체공휴일", Closes::Offices),
    (2025, 6, 3, "제21대 대통령 선거일", Closes::Offices),
    (2025, 6, 6, "현충일", Closes::Offices),
    (2025, 8, 15, "광복절", Closes::Offices),
    (2025, 10, 3, "개천절", Closes::Offices),
    (2025, 10, 5, "추석 연휴", Closes::All),
    (2025, 10, 6, "추석", Closes::All),
    (2025, 10, 7, "추석 연휴", Closes::All),
    (2025, 10, 8, "대체공휴일(추석)", Closes::Offices),
    (2025, 10, 9, "한글날", Closes::Offices),
    (2025, 12, 25, "성탄절", Closes::Offices),
    (2025, 12, 31, "은행 연말 휴무", Closes::Banks),
    (2026, 1, 1, "신정", Closes::Offices),
    (2026, 2, 16, "설날 연휴", Closes::All),
    (2026, 2, 17, "설날", Closes::All),
    (2026, 2, 18, "설날 연휴", Closes::All),
    (2026, 3, 1, "삼일절", Closes::Offices),
    (2026, 3, 2, "대체공휴일(삼일절)", Closes::Offices),
    (2026, 5, 1, "노동절", Closes::Banks),
    (2026, 5, 5, "어린이날", Closes::Offices),
    (2026, 5, 24, "부처님오신날", Closes::Offices),
    (2026, 5, 25, "대체공휴일(부처님오신날)", Closes::Offices),
    (2026, 6, 3, "전국동시지방선거일", Closes::Offices),
    (2026, 6, 6, "현충일", Closes::Offices),
    (2026, 8, 15, "광복절", Closes::Offices),
    (2026, 8, 17, "대체공휴일(광복절)", Closes::Offices),
    (2026, 9, 24, "추석 연휴", Closes::All),
    (2026, 9, 25, "추석", Closes::All),
    (2026, 9, 26, "추석 연휴", Closes::All),
    (2026, 10, 3, "개천절", Closes::Offices),
    (2026, 10, 5, "대체공휴일(개천절)", Closes::Offices),
    (2026, 10, 9, "한글날", Closes::Offices),
    (2026, 12, 25, "성탄절", Closes::Offices),
    (2026, 12, 31, "은행 연말 휴무", Closes::Banks),
    (2027, 1, 1, "신정", Closes::Offices),
    (2027, 2, 6, "설날 연휴", Closes::All),
    (2027, 2, 7, "설날", Closes::All),
    (2027, 2, 8, "설날 연휴", Closes::All),
    (2027, 2, 9, "대체공휴일(설날)", Closes::Offices),
    (2027, 3, 1, "삼일절", Closes::Offices),
    (2027, 5, 1, "노동절", Closes::Banks),
    (2027, 5, 5, "어린이날", Closes::Offices),
    (2027, 5, 13, "부처님오신날", Closes::Offices),
    (2027, 6, 6, "현충일", Closes::Offices),
    (2027, 8, 15, "광복절", Closes::Offices),
    (2027, 8, 16, "대체공휴일(광복절)", Closes::Offices),
    (2027, 9, 14, "추석 연휴", Closes::All),
    (2027, 9, 15, "추석", Closes::All),
    (2027, 9, 16, "추석 연휴", Closes::All),
    (2027, 10, 3, "개천절", Closes::Offices),
    (2027, 10, 4, "대체공휴일(개천절)", Closes::Offices),
    (2027, 10, 9, "한글날", Closes::Offices),
    (2027, 10, 11, "대체공휴일(한글날)", Closes::Offices),
    (2027, 12, 25, "성탄절", Closes::Offices),
    (2027, 12, 27, "대체공휴일(성탄절)", Closes::Offices),
    (2027, 12, 31, "은행 연말 휴무", Closes::Banks),
];

pub(crate) fn all() -> impl Iterator<Item = Holiday> {
    TABLE.iter().map(|&(y, m, d, name, closes)| Holiday {
        date: NaiveDate::from_ymd_opt(y, m, d).expect("the holiday table holds real dates"),
        name,
        closes,
    })
}

/// Is `date` a public holiday (any kind, even one a restaurant stays open on)?
pub(crate) fn is_public_holiday(date: NaiveDate) -> bool {
    TABLE
        .binary_search_by(|&(y, m, d, _, _)| {
            NaiveDate::from_ymd_opt(y, m, d)
                .expect("real date")
                .cmp(&date)
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn the_table_is_sorted_and_has_no_date_twice() {
        let dates: Vec<_> = all().map(|h| h.date).collect();
        assert!(dates.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn seollal_and_chuseok_2026_fall_on_their_real_dates() {
        let named = |n: &str| {
            all()
                .filter(|h| h.name == n && h.date.year() == 2026)
                .map(|h| h.date.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(named("설날"), ["2026-02-17"]);
        assert_eq!(named("추석"), ["2026-09-25"]);
    }

    #[test]
    fn a_substitute_holiday_follows_a_holiday_on_a_weekend() {
        for h in all().filter(|h| h.name.starts_with("대체공휴일")) {
            assert!(
                !matches!(
                    h.date.weekday(),
                    chrono::Weekday::Sat | chrono::Weekday::Sun
                ),
                "{} {}",
                h.date,
                h.name
            );
        }
        assert!(is_public_holiday(
            NaiveDate::from_ymd_opt(2026, 8, 17).unwrap()
        ));
    }
}
