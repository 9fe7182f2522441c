//! Dates, durations, money and numbers as the UI shows them: in the unit's time zone and
//! the reader's language.

use chrono::{Datelike, Timelike};
use chrono_tz::Tz;
use rapport_domain::customer::Locale;
use rapport_domain::{Money, Timestamp};

/// `2026년 11월 23일 14:05` / `23 Nov 2026, 14:05`, in `tz`.
pub fn datetime(at: Timestamp, tz: Tz, lang: Locale) -> String {
    let t = at.to_datetime().with_timezone(&tz);
    match lang {
        Locale::Ko => format!(
            "{}년 {}월 {}일 {:02}:{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Locale::En => format!(
            "{} {} {}, {:02}:{:02}",
            t.day(),
            MONTHS[t.month0() as usize],
            t.year(),
            t.hour(),
            t.minute()
        ),
    }
}

/// `11월 23일` / `23 Nov`, in `tz`.
pub fn day(at: Timestamp, tz: Tz, lang: Locale) -> String {
    let t = at.to_datetime().with_timezone(&tz);
    month_day(t.month(), t.day(), lang)
}

pub fn month_day(month: u32, day: u32, lang: Locale) -> String {
    match lang {
        Locale::Ko => format!("{month}월 {day}일"),
        Locale::En => format!("{day} {}", MONTHS[(month.clamp(1, 12) - 1) as usize]),
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A length of time in whole minutes: `2일 3시간`, `1 h 05 min`, `12 min`.
pub fn duration(seconds: f64, lang: Locale) -> String {
    let total = (seconds.abs() / 60.0).round() as i64;
    let (d, h, m) = (total / 1440, total / 60 % 24, total % 60);
    match lang {
        Locale::Ko => match (d, h) {
            (0, 0) => format!("{m}분"),
            (0, _) => format!("{h}시간 {m}분"),
            _ => format!("{d}일 {h}시간"),
        },
        Locale::En => match (d, h) {
            (0, 0) => format!("{m} min"),
            (0, _) => format!("{h} h {m:02} min"),
            _ => format!("{d} d {h} h"),
        },
    }
}

/// Time until a deadline (`3시간 5분 남음`) or past it (`1 h 05 min overdue`).
pub fn countdown(now: Timestamp, deadline: Timestamp, lang: Locale) -> String {
    let secs = now.seconds_until(deadline);
    let d = duration(secs, lang);
    match (secs >= 0.0, lang) {
        (true, Locale::Ko) => format!("{d} 남음"),
        (true, Locale::En) => format!("{d} left"),
        (false, Locale::Ko) => format!("{d} 초과"),
        (false, Locale::En) => format!("{d} overdue"),
    }
}

/// Digits with thousands separators.
pub fn integer(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('−');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A decimal with `places` digits and a true minus sign.
pub fn decimal(x: f64, places: usize) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let s = format!("{:.*}", places, x.abs());
    let zero = s.chars().all(|c| c == '0' || c == '.');
    if x < 0.0 && !zero {
        format!("−{s}")
    } else {
        s
    }
}

/// `₩12,000`, `12,000원` style is avoided on purpose: the symbol form reads the same in
/// both languages. Currencies with minor units show them (`$12.50`).
pub fn money(m: &Money) -> String {
    let code = m.currency.code();
    let exp = m.currency.exponent() as u32;
    let symbol = match code {
        "KRW" => "₩",
        "USD" => "$",
        "EUR" => "€",
        "JPY" => "¥",
        "GBP" => "£",
        _ => "",
    };
    let unit = 10_i64.pow(exp);
    let whole = integer(m.amount_minor.abs() / unit);
    let sign = if m.amount_minor < 0 { "−" } else { "" };
    let frac = if exp > 0 {
        format!(
            ".{:0width$}",
            m.amount_minor.abs() % unit,
            width = exp as usize
        )
    } else {
        String::new()
    };
    if symbol.is_empty() {
        format!("{sign}{whole}{frac} {code}")
    } else {
        format!("{sign}{symbol}{whole}{frac}")
    }
}

/// A share as a percentage with one decimal: `42.5%`.
pub fn percent(share: f64) -> String {
    if share.is_finite() {
        format!("{}%", decimal(share * 100.0, 1))
    } else {
        "—".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_domain::money::Currency;

    #[test]
    fn a_time_shows_in_the_units_zone_in_each_language() {
        // 2026-11-23 05:05 UTC is 14:05 in Seoul.
        let at = Timestamp::parse("t", "2026-11-23T05:05:00Z").unwrap();
        let tz: Tz = "Asia/Seoul".parse().unwrap();
        assert_eq!(datetime(at, tz, Locale::Ko), "2026년 11월 23일 14:05");
        assert_eq!(datetime(at, tz, Locale::En), "23 Nov 2026, 14:05");
    }

    #[test]
    fn durations_and_countdowns_read_naturally() {
        assert_eq!(duration(65.0 * 60.0, Locale::En), "1 h 05 min");
        assert_eq!(duration(65.0 * 60.0, Locale::Ko), "1시간 5분");
        assert_eq!(duration(26.0 * 3600.0, Locale::En), "1 d 2 h");
        let now = Timestamp::from_micros(0);
        assert_eq!(
            countdown(now, now.plus_seconds(600), Locale::En),
            "10 min left"
        );
        assert_eq!(
            countdown(now, now.plus_seconds(-600), Locale::Ko),
            "10분 초과"
        );
    }

    #[test]
    fn money_keeps_minor_units_and_separators() {
        let krw = Money {
            amount_minor: 1_234_500,
            currency: Currency::parse("c", "KRW").unwrap(),
        };
        assert_eq!(money(&krw), "₩1,234,500");
        let usd = Money {
            amount_minor: 1_250,
            currency: Currency::parse("c", "USD").unwrap(),
        };
        assert_eq!(money(&usd), "$12.50");
        assert_eq!(integer(-1_000), "−1,000");
        assert_eq!(decimal(-0.0001, 2), "0.00");
        assert_eq!(percent(0.425), "42.5%");
    }
}
