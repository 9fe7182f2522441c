//! Business-hours clock arithmetic for SLA targets: how much open time lies between two
//! instants, and when a given amount of open time will have elapsed.
//!
//! # Definition
//!
//! A [`BusinessCalendar`] (weekly opening intervals in local minutes of the day, Monday first,
//! an interval's end may be 1440 = 24:00; plus dated holidays that close a whole local date)
//! together with a time zone defines the *open set* of UTC instants: an instant `t` is open iff,
//! with `local` = `t` converted to the zone, `local.date()` is not a holiday and `local.time()`
//! (minutes and seconds since local midnight) lies in some interval `[start, end)` of the
//! intervals of `local.date()`'s weekday.
//!
//! This handles daylight saving time by itself: in a spring-forward gap the skipped local
//! times never occur, so an opening inside the gap contributes nothing (a 00:00–24:00 day is
//! 23 hours long); in a fall-back fold the repeated local hour occurs twice and both UTC
//! instants count when open (a 00:00–24:00 day is 25 hours long, 01:00–03:00 in New York on
//! the fall-back day is 3 hours).
//!
//! Open time is measured in microseconds, like [`Timestamp`]. A span `[from, to)` includes
//! `from` and excludes `to`.
//!
//! # Limits
//!
//! * Only instants from 1900-01-01T00:00Z up to (excluding) 2300-01-01T00:00Z are considered;
//!   outside that window every instant counts as closed, and [`add_business_micros`] answers
//!   `None` for a start outside it. [`Timestamp::parse`] accepts years 1900–2200 only, so real
//!   inputs are always inside; the window exists so that absurd inputs (e.g. `i64::MAX`) cost
//!   bounded time and never reach chrono's range limits.
//! * [`add_business_micros`] looks at most [`HORIZON_MICROS`] (10 years) past its start and
//!   answers `None` beyond that.
//! * The time zone's UTC offset is assumed to change at most once within any local day (true
//!   of every zone in the tz database in the supported window as far as we know). The offset
//!   is only sampled at day boundaries, and a change is then located to the second.

use std::ops::ControlFlow;

use chrono::{DateTime, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::calendar::{BusinessCalendar, OpenInterval};
use crate::time::MICROS_PER_SECOND;

const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;
/// 1900-01-01T00:00:00Z: 25,567 days before the Unix epoch.
const SUPPORTED_FROM: i64 = -25_567 * MICROS_PER_DAY;
/// 2300-01-01T00:00:00Z: 120,530 days after the Unix epoch.
const SUPPORTED_UNTIL: i64 = 120_530 * MICROS_PER_DAY;
/// How far past its start [`add_business_micros`] looks: 10 years of 365.25 days, rounded up.
pub const HORIZON_MICROS: i64 = 3_653 * MICROS_PER_DAY;
/// `NaiveDate::num_days_from_ce` of 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// How an SLA target is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockBasis {
    /// Only time in which the unit is open counts (its [`BusinessCalendar`] in its time zone).
    BusinessHours,
    /// Every microsecond counts.
    Calendar,
}

/// Microseconds of open time in `[from, to)`; 0 when `to <= from`.
pub fn business_micros_between(
    cal: &BusinessCalendar,
    tz: Tz,
    from: Timestamp,
    to: Timestamp,
) -> i64 {
    let from = from.micros().max(SUPPORTED_FROM);
    let to = to.micros().min(SUPPORTED_UNTIL);
    // Without any opening the walk would find nothing, day by day: answer at once.
    if to <= from || cal.weekly_open_minutes() == 0 {
        return 0;
    }
    let mut total = 0;
    // The walk clips every span to [from, to) already; it only gives up (None) where chrono
    // cannot represent an instant, which cannot happen inside the supported window.
    let _ = walk_open_spans(cal, tz, from, to, |start, end| {
        total += end - start;
        ControlFlow::<()>::Continue(())
    });
    total
}

/// The earliest instant `t >= from` such that `business_micros_between(cal, tz, from, t) ==
/// micros`; `from` itself when `micros == 0`.
///
/// For `micros > 0` the answer is the instant at which the required open time has *just*
/// elapsed, so it may be the end of an opening (one hour from 17:00 with closing at 18:00 is
/// 18:00, not 09:00 the next morning).
///
/// `None` when `micros` is negative, when the calendar has no opening at all, when `from` lies
/// outside the supported window (years 1900–2299), or when the answer would lie more than
/// [`HORIZON_MICROS`] (10 years) after `from`, e.g. because holidays close every open weekday.
pub fn add_business_micros(
    cal: &BusinessCalendar,
    tz: Tz,
    from: Timestamp,
    micros: i64,
) -> Option<Timestamp> {
    if micros == 0 {
        return Some(from);
    }
    let from = from.micros();
    // No more than HORIZON_MICROS of open time can lie within HORIZON_MICROS of `from`.
    if !(1..=HORIZON_MICROS).contains(&micros)
        || !(SUPPORTED_FROM..SUPPORTED_UNTIL).contains(&from)
        || cal.weekly_open_minutes() == 0
    {
        return None;
    }
    let limit = (from + HORIZON_MICROS).min(SUPPORTED_UNTIL);
    let mut remaining = micros;
    walk_open_spans(cal, tz, from, limit, |start, end| {
        if remaining <= end - start {
            ControlFlow::Break(start + remaining)
        } else {
            remaining -= end - start;
            ControlFlow::Continue(())
        }
    })
    .map(Timestamp::from_micros)
}

/// Time counted from `from` to `to` on the given basis, 0 when `to <= from`:
/// [`business_micros_between`] for business hours, plain elapsed time for the calendar.
pub fn elapsed_micros(
    basis: ClockBasis,
    cal: &BusinessCalendar,
    tz: Tz,
    from: Timestamp,
    to: Timestamp,
) -> i64 {
    match basis {
        ClockBasis::BusinessHours => business_micros_between(cal, tz, from, to),
        ClockBasis::Calendar => to.micros().saturating_sub(from.micros()).max(0),
    }
}

/// When `micros` of time counted on the given basis will have elapsed after `from`:
/// [`add_business_micros`] for business hours, `from + micros` for the calendar.
///
/// Both bases answer `None` for a negative `micros` or a target beyond [`HORIZON_MICROS`]
/// (10 years), so a caller sees the same limits whichever basis a target uses, and no
/// instant beyond chrono's range can come out of here.
pub fn deadline(
    basis: ClockBasis,
    cal: &BusinessCalendar,
    tz: Tz,
    from: Timestamp,
    micros: i64,
) -> Option<Timestamp> {
    match basis {
        ClockBasis::BusinessHours => add_business_micros(cal, tz, from, micros),
        ClockBasis::Calendar => {
            if !(0..=HORIZON_MICROS).contains(&micros) {
                return None;
            }
            from.micros()
                .checked_add(micros)
                .map(Timestamp::from_micros)
        }
    }
}

/// Calls `visit(start, end)` for every maximal piece of open time in `[from, limit)`, in
/// increasing order, until it breaks; returns the break value, or `None` when the walk reached
/// `limit` (or chrono could not represent an instant, which the supported window rules out).
///
/// The walk goes through UTC in *segments*: runs of instants that share one local date and one
/// UTC offset. Inside a segment, local time is UTC plus a constant, so each opening interval
/// of that local date maps to UTC by subtracting the offset and clipping to the segment. That
/// is the open-set definition applied literally, which is why gaps and folds need no special
/// case: after a fall-back change the next segment starts again at a local time already seen
/// (the repeated hour is visited twice); after a spring-forward change it starts at a later
/// local time (the skipped hour is never visited). A segment normally is a whole local day;
/// only a day with an offset change is cut in two at the change.
///
/// Cost: one offset lookup per local day (a binary search in chrono-tz's table) plus about 17
/// more on the two days a year with a change; no allocation.
fn walk_open_spans<B>(
    cal: &BusinessCalendar,
    tz: Tz,
    from: i64,
    limit: i64,
    mut visit: impl FnMut(i64, i64) -> ControlFlow<B>,
) -> Option<B> {
    let mut start = from;
    let mut offset = utc_offset(tz, start)?;
    while start < limit {
        let local_day = (start + offset).div_euclid(MICROS_PER_DAY);
        // The UTC instant whose local time, at this segment's offset, is 00:00 of `local_day`.
        // It may lie before `start`, or not occur at all if the offset changed in between;
        // it is only a reference point from which the intervals are laid out.
        let midnight = local_day * MICROS_PER_DAY - offset;
        let day_end = midnight + MICROS_PER_DAY;
        let offset_at_day_end = utc_offset(tz, day_end)?;
        let (end, next_offset) = if offset_at_day_end == offset {
            (day_end, offset)
        } else {
            find_offset_change(tz, start, day_end, offset, offset_at_day_end)?
        };
        let stop = end.min(limit);
        for iv in open_intervals(cal, local_day) {
            let iv_start = midnight + i64::from(iv.start) * MICROS_PER_MINUTE;
            if iv_start >= stop {
                break; // intervals are sorted: the rest start even later
            }
            let iv_end = midnight + i64::from(iv.end) * MICROS_PER_MINUTE;
            let (s, e) = (iv_start.max(start), iv_end.min(stop));
            if s < e
                && let ControlFlow::Break(b) = visit(s, e)
            {
                return Some(b);
            }
        }
        // `end > start` always (see find_offset_change), so the walk advances.
        start = end;
        offset = next_offset;
    }
    None
}

/// The first instant in `(start, day_end]` at which the offset is no longer `offset`, and the
/// offset from there on, given that it is `offset` at `start` and `offset_at_day_end` at
/// `day_end` (a whole second).
///
/// The tz database changes offsets only on whole UTC seconds, so the offset is constant over
/// each second and a binary search over the seconds finds the change exactly. The result is a
/// whole second after `start`'s second, hence strictly after `start`.
fn find_offset_change(
    tz: Tz,
    start: i64,
    day_end: i64,
    offset: i64,
    offset_at_day_end: i64,
) -> Option<(i64, i64)> {
    let (mut lo, mut hi) = (
        start.div_euclid(MICROS_PER_SECOND),
        day_end.div_euclid(MICROS_PER_SECOND),
    );
    let mut hi_offset = offset_at_day_end;
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let mid_offset = utc_offset(tz, mid * MICROS_PER_SECOND)?;
        if mid_offset == offset {
            lo = mid;
        } else {
            hi = mid;
            hi_offset = mid_offset;
        }
    }
    Some((hi * MICROS_PER_SECOND, hi_offset))
}

/// The zone's UTC offset (local minus UTC) at an instant, in microseconds.
fn utc_offset(tz: Tz, at: i64) -> Option<i64> {
    let utc = DateTime::from_timestamp_secs(at.div_euclid(MICROS_PER_SECOND))?.naive_utc();
    let seconds = tz.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    Some(i64::from(seconds) * MICROS_PER_SECOND)
}

/// The opening intervals of a local date given as days since 1970-01-01; empty on holidays.
fn open_intervals(cal: &BusinessCalendar, local_day: i64) -> &[OpenInterval] {
    // 1970-01-01 was a Thursday, index 3 counting from Monday.
    let weekday = (local_day + 3).rem_euclid(7) as usize;
    let intervals = cal.weekly[weekday].as_slice();
    // The holiday look-up needs a NaiveDate: only build one when it can matter.
    if intervals.is_empty() || cal.holidays.is_empty() {
        return intervals;
    }
    let date = i32::try_from(local_day + UNIX_EPOCH_DAYS_FROM_CE)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt);
    match date {
        Some(date) if cal.is_holiday(date) => &[],
        _ => intervals,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Instant;

    use chrono::{Datelike, Timelike, Utc};
    use rand::rngs::Xoshiro256PlusPlus;
    use rand::{RngExt, SeedableRng};

    use super::*;
    use crate::time::MICROS_PER_HOUR;

    const H: i64 = MICROS_PER_HOUR;
    const M: i64 = MICROS_PER_MINUTE;
    const S: i64 = MICROS_PER_SECOND;
    const SEOUL: Tz = chrono_tz::Asia::Seoul;
    const NEW_YORK: Tz = chrono_tz::America::New_York;
    const BERLIN: Tz = chrono_tz::Europe::Berlin;
    const LORD_HOWE: Tz = chrono_tz::Australia::Lord_Howe;

    /// A local wall-clock time that occurs exactly once.
    fn at(tz: Tz, (y, mo, d): (i32, u32, u32), h: u32, mi: u32) -> Timestamp {
        let dt = tz.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap();
        Timestamp::from_datetime(dt.with_timezone(&Utc))
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn iv(start: u16, end: u16) -> OpenInterval {
        OpenInterval { start, end }
    }

    fn office() -> BusinessCalendar {
        BusinessCalendar::weekdays(9 * 60, 18 * 60)
    }

    fn add(cal: &BusinessCalendar, tz: Tz, from: Timestamp, micros: i64) -> Timestamp {
        add_business_micros(cal, tz, from, micros).unwrap()
    }

    // 2026-06-05 is a Friday, 06-06 Saturday, 06-08 Monday.
    const FRI: (i32, u32, u32) = (2026, 6, 5);
    const SAT: (i32, u32, u32) = (2026, 6, 6);
    const MON: (i32, u32, u32) = (2026, 6, 8);
    const TUE: (i32, u32, u32) = (2026, 6, 9);

    #[test]
    fn the_supported_window_constants_are_the_dates_they_claim() {
        let day = |d: NaiveDate| (d - date(1970, 1, 1)).num_days() * MICROS_PER_DAY;
        assert_eq!(SUPPORTED_FROM, day(date(1900, 1, 1)));
        assert_eq!(SUPPORTED_UNTIL, day(date(2300, 1, 1)));
        assert_eq!(
            i64::from(date(1970, 1, 1).num_days_from_ce()),
            UNIX_EPOCH_DAYS_FROM_CE
        );
    }

    #[test]
    fn four_business_hours_from_friday_16_00_end_monday_11_00() {
        // Friday 16:00–18:00 gives 2 h, Monday 09:00–11:00 the other 2 h.
        let from = at(SEOUL, FRI, 16, 0);
        assert_eq!(add(&office(), SEOUL, from, 4 * H), at(SEOUL, MON, 11, 0));
        assert_eq!(
            business_micros_between(&office(), SEOUL, from, at(SEOUL, MON, 11, 0)),
            4 * H
        );
        // A whole week from Friday 16:00 is 45 h of open time.
        assert_eq!(
            business_micros_between(&office(), SEOUL, from, at(SEOUL, (2026, 6, 12), 16, 0)),
            45 * H
        );
    }

    #[test]
    fn a_start_on_saturday_counts_from_monday_opening() {
        let from = at(SEOUL, SAT, 10, 30);
        assert_eq!(add(&office(), SEOUL, from, 2 * H), at(SEOUL, MON, 11, 0));
        assert_eq!(add(&office(), SEOUL, from, 9 * H), at(SEOUL, MON, 18, 0));
        assert_eq!(add(&office(), SEOUL, from, 9 * H + M), at(SEOUL, TUE, 9, 1));
    }

    #[test]
    fn a_holiday_on_monday_pushes_the_deadline_to_tuesday() {
        let mut cal = office();
        cal.holidays.insert(date(2026, 6, 8), "holiday".into());
        let from = at(SEOUL, FRI, 16, 0);
        assert_eq!(add(&cal, SEOUL, from, 4 * H), at(SEOUL, TUE, 11, 0));
        assert_eq!(
            business_micros_between(&cal, SEOUL, from, at(SEOUL, TUE, 11, 0)),
            4 * H
        );
    }

    #[test]
    fn a_lunch_break_is_not_counted() {
        let mut cal = BusinessCalendar::default();
        for day in cal.weekly.iter_mut().take(5) {
            *day = vec![iv(9 * 60, 12 * 60), iv(13 * 60, 18 * 60)];
        }
        let mon = |h, m| at(SEOUL, MON, h, m);
        // 11:00–12:00 and 13:00–14:00.
        assert_eq!(add(&cal, SEOUL, mon(11, 0), 2 * H), mon(14, 0));
        // Exactly the morning's remainder ends at 12:00, not 13:00.
        assert_eq!(add(&cal, SEOUL, mon(11, 0), H), mon(12, 0));
        assert_eq!(add(&cal, SEOUL, mon(12, 30), M), mon(13, 1));
        assert_eq!(
            business_micros_between(&cal, SEOUL, mon(8, 0), mon(20, 0)),
            8 * H
        );
        assert_eq!(
            business_micros_between(&cal, SEOUL, mon(12, 0), mon(13, 0)),
            0
        );
    }

    #[test]
    fn an_opening_until_24_00_runs_into_the_next_day() {
        let evenings = BusinessCalendar::every_day(18 * 60, 1440);
        // Monday 23:00–24:00 and Tuesday 18:00–19:00.
        assert_eq!(
            add(&evenings, SEOUL, at(SEOUL, MON, 23, 0), 2 * H),
            at(SEOUL, TUE, 19, 0)
        );
        assert_eq!(
            add(&evenings, SEOUL, at(SEOUL, MON, 23, 0), H),
            at(SEOUL, TUE, 0, 0)
        );
        // Open all day every day: business time is elapsed time.
        let always = BusinessCalendar::every_day(0, 1440);
        let from = at(SEOUL, MON, 13, 17);
        assert_eq!(
            add(&always, SEOUL, from, 48 * H),
            from.plus_seconds(48 * 3600)
        );
        assert_eq!(
            business_micros_between(&always, SEOUL, from, from.plus_seconds(1_000_000)),
            1_000_000 * S
        );
    }

    #[test]
    fn zero_micros_is_the_start_itself_even_when_closed() {
        let sat = at(SEOUL, SAT, 3, 0);
        assert_eq!(add(&office(), SEOUL, sat, 0), sat);
        assert_eq!(add(&BusinessCalendar::default(), SEOUL, sat, 0), sat);
        assert_eq!(business_micros_between(&office(), SEOUL, sat, sat), 0);
    }

    #[test]
    fn an_instant_exactly_at_closing_is_closed() {
        let closing = at(SEOUL, FRI, 18, 0);
        assert_eq!(add(&office(), SEOUL, closing, H), at(SEOUL, MON, 10, 0));
        assert_eq!(
            business_micros_between(&office(), SEOUL, closing, at(SEOUL, MON, 9, 0)),
            0
        );
        // The last hour before closing ends at closing, not at the next opening.
        assert_eq!(add(&office(), SEOUL, at(SEOUL, FRI, 17, 0), H), closing);
        // Opening is open: one microsecond from 09:00 is counted.
        let opening = at(SEOUL, MON, 9, 0);
        assert_eq!(
            business_micros_between(
                &office(),
                SEOUL,
                opening,
                Timestamp::from_micros(opening.micros() + 1)
            ),
            1
        );
    }

    #[test]
    fn sub_second_parts_are_kept() {
        let from = Timestamp::from_micros(at(SEOUL, FRI, 17, 59).micros() + 59 * S + S / 2);
        // Half a second on Friday, the other half on Monday.
        assert_eq!(
            add(&office(), SEOUL, from, S),
            Timestamp::from_micros(at(SEOUL, MON, 9, 0).micros() + S / 2)
        );
        let a = Timestamp::from_micros(at(SEOUL, FRI, 17, 59).micros() + 59 * S + 250_000);
        let b = Timestamp::from_micros(at(SEOUL, MON, 9, 0).micros() + 1);
        assert_eq!(business_micros_between(&office(), SEOUL, a, b), 750_001);
    }

    #[test]
    fn a_calendar_without_openings_never_reaches_a_deadline() {
        let closed = BusinessCalendar::default();
        let from = at(SEOUL, MON, 9, 0);
        assert_eq!(add_business_micros(&closed, SEOUL, from, 1), None);
        assert_eq!(
            business_micros_between(&closed, SEOUL, from, at(SEOUL, TUE, 9, 0)),
            0
        );
        // Open only on Mondays, and every Monday for over 10 years is a holiday.
        let mut cal = BusinessCalendar::default();
        cal.weekly[0] = vec![iv(9 * 60, 18 * 60)];
        let mut d = date(2026, 6, 8);
        while d < date(2037, 1, 1) {
            cal.holidays.insert(d, "closed".into());
            d += chrono::Duration::days(7);
        }
        assert_eq!(add_business_micros(&cal, SEOUL, from, H), None);
    }

    #[test]
    fn the_calendar_basis_counts_every_microsecond() {
        let (a, b) = (at(SEOUL, FRI, 16, 0), at(SEOUL, MON, 11, 0));
        let cal = office();
        assert_eq!(
            elapsed_micros(ClockBasis::Calendar, &cal, SEOUL, a, b),
            67 * H
        );
        assert_eq!(elapsed_micros(ClockBasis::Calendar, &cal, SEOUL, b, a), 0);
        assert_eq!(
            elapsed_micros(ClockBasis::BusinessHours, &cal, SEOUL, a, b),
            4 * H
        );
        assert_eq!(
            deadline(ClockBasis::Calendar, &cal, SEOUL, a, 67 * H),
            Some(b)
        );
        assert_eq!(
            deadline(ClockBasis::BusinessHours, &cal, SEOUL, a, 4 * H),
            Some(b)
        );
        assert_eq!(deadline(ClockBasis::Calendar, &cal, SEOUL, a, -1), None);
        assert_eq!(
            serde_json::to_string(&ClockBasis::BusinessHours).unwrap(),
            "\"business_hours\""
        );
    }

    #[test]
    fn extreme_inputs_answer_without_panicking() {
        let cal = BusinessCalendar::every_day(0, 1440);
        let (min, max) = (
            Timestamp::from_micros(i64::MIN),
            Timestamp::from_micros(i64::MAX),
        );
        let now = at(SEOUL, MON, 9, 0);
        for basis in [ClockBasis::BusinessHours, ClockBasis::Calendar] {
            for from in [min, max, now] {
                for micros in [i64::MIN, -1, 1, H, i64::MAX] {
                    let _ = deadline(basis, &cal, SEOUL, from, micros);
                }
            }
        }
        assert_eq!(add_business_micros(&cal, SEOUL, max, 1), None);
        assert_eq!(add_business_micros(&cal, SEOUL, min, 1), None);
        assert_eq!(add_business_micros(&cal, SEOUL, now, i64::MAX), None);
        assert_eq!(add_business_micros(&cal, SEOUL, now, -1), None);
        assert_eq!(business_micros_between(&cal, SEOUL, max, min), 0);
        assert_eq!(business_micros_between(&cal, SEOUL, max, max), 0);
        assert_eq!(
            elapsed_micros(ClockBasis::Calendar, &cal, SEOUL, min, max),
            i64::MAX
        );
        // A span reaching out of the window counts only its part inside: here the 1,000 s
        // before the window's end.
        let late = Timestamp::from_micros(SUPPORTED_UNTIL - 1_000 * S);
        assert_eq!(business_micros_between(&cal, SEOUL, late, max), 1_000 * S);
        // Ten years of open time is found; a bit more is not.
        assert!(add_business_micros(&cal, SEOUL, now, HORIZON_MICROS).is_some());
        assert_eq!(
            add_business_micros(&cal, SEOUL, now, HORIZON_MICROS + 1),
            None
        );
    }

    /// Business time from local midnight of `day` to local midnight of the next day.
    fn day_length(cal: &BusinessCalendar, tz: Tz, day: (i32, u32, u32)) -> i64 {
        let next = date(day.0, day.1, day.2).succ_opt().unwrap();
        let next = (next.year(), next.month(), next.day());
        business_micros_between(cal, tz, at(tz, day, 0, 0), at(tz, next, 0, 0))
    }

    fn open_every_day(start: u16, end: u16) -> BusinessCalendar {
        BusinessCalendar::every_day(start, end)
    }

    #[test]
    fn new_york_spring_forward_day_has_23_hours_and_no_02_00_hour() {
        const DAY: (i32, u32, u32) = (2026, 3, 8);
        assert_eq!(day_length(&open_every_day(0, 1440), NEW_YORK, DAY), 23 * H);
        assert_eq!(day_length(&open_every_day(120, 180), NEW_YORK, DAY), 0);
        assert_eq!(day_length(&open_every_day(60, 240), NEW_YORK, DAY), 2 * H);
        // The day before is ordinary.
        assert_eq!(
            day_length(&open_every_day(120, 180), NEW_YORK, (2026, 3, 7)),
            H
        );
        // 01:00 EST + 90 minutes: 01:00–02:00, then 03:00–03:30 EDT.
        let cal = open_every_day(60, 240);
        assert_eq!(
            add(&cal, NEW_YORK, at(NEW_YORK, DAY, 1, 0), 90 * M),
            at(NEW_YORK, DAY, 3, 30)
        );
        assert_eq!(
            at(NEW_YORK, DAY, 3, 30).micros() - at(NEW_YORK, DAY, 1, 0).micros(),
            90 * M
        );
    }

    #[test]
    fn new_york_fall_back_day_has_25_hours_and_01_00_twice() {
        const DAY: (i32, u32, u32) = (2026, 11, 1);
        assert_eq!(day_length(&open_every_day(0, 1440), NEW_YORK, DAY), 25 * H);
        assert_eq!(day_length(&open_every_day(60, 180), NEW_YORK, DAY), 3 * H);
        assert_eq!(day_length(&open_every_day(60, 120), NEW_YORK, DAY), 2 * H);
        assert_eq!(day_length(&open_every_day(120, 180), NEW_YORK, DAY), H);
        // From 01:00 EDT, 90 minutes of a 01:00–02:00 opening end at 01:30 EST.
        let first_1am = NEW_YORK
            .with_ymd_and_hms(2026, 11, 1, 1, 0, 0)
            .earliest()
            .unwrap();
        let second_1_30 = NEW_YORK
            .with_ymd_and_hms(2026, 11, 1, 1, 30, 0)
            .latest()
            .unwrap();
        assert_eq!(
            add(
                &open_every_day(60, 120),
                NEW_YORK,
                Timestamp::from_datetime(first_1am.with_timezone(&Utc)),
                90 * M
            ),
            Timestamp::from_datetime(second_1_30.with_timezone(&Utc))
        );
    }

    #[test]
    fn berlin_days_of_change_count_their_real_length() {
        // Spring 2026-03-29 02:00 → 03:00; autumn 2026-10-25 03:00 → 02:00.
        let all = open_every_day(0, 1440);
        assert_eq!(day_length(&all, BERLIN, (2026, 3, 29)), 23 * H);
        assert_eq!(day_length(&all, BERLIN, (2026, 10, 25)), 25 * H);
        assert_eq!(
            day_length(&open_every_day(120, 180), BERLIN, (2026, 3, 29)),
            0
        );
        assert_eq!(
            day_length(&open_every_day(60, 180), BERLIN, (2026, 10, 25)),
            3 * H
        );
        assert_eq!(
            day_length(&open_every_day(120, 180), BERLIN, (2026, 10, 25)),
            2 * H
        );
    }

    #[test]
    fn lord_howe_changes_by_half_an_hour() {
        // Fall back 2026-04-05 02:00 → 01:30; spring forward 2026-10-04 02:00 → 02:30.
        let all = open_every_day(0, 1440);
        assert_eq!(day_length(&all, LORD_HOWE, (2026, 4, 5)), 24 * H + 30 * M);
        assert_eq!(day_length(&all, LORD_HOWE, (2026, 10, 4)), 23 * H + 30 * M);
        assert_eq!(
            day_length(&open_every_day(90, 150), LORD_HOWE, (2026, 4, 5)),
            H + 30 * M
        );
        assert_eq!(
            day_length(&open_every_day(90, 150), LORD_HOWE, (2026, 10, 4)),
            30 * M
        );
    }

    // ---------------------------------------------------------------------------------------
    // Property test against an independent oracle.

    /// Open time counted the slow, obvious way: one UTC minute at a time, each minute's start
    /// converted to local time by chrono-tz and judged by the definition. Every offset of the
    /// zones used here is a whole number of minutes, and openings start and end on whole local
    /// minutes, so each UTC minute is either open or closed as a whole.
    struct Oracle {
        from: i64,
        open: Vec<bool>,
        /// `prefix[i]`: open minutes among the first `i`.
        prefix: Vec<i64>,
    }

    impl Oracle {
        fn new(cal: &BusinessCalendar, tz: Tz, from: i64, minutes: usize) -> Self {
            let mut open = Vec::with_capacity(minutes);
            let mut prefix = Vec::with_capacity(minutes + 1);
            prefix.push(0);
            for i in 0..minutes {
                let t = Utc.timestamp_micros(from + i as i64 * M).unwrap();
                let local = t.with_timezone(&tz);
                assert_eq!(local.second(), 0, "offsets are whole minutes");
                let day = local.date_naive();
                let minute = local.hour() * 60 + local.minute();
                let is_open = !cal.holidays.contains_key(&day)
                    && cal.weekly[day.weekday().num_days_from_monday() as usize]
                        .iter()
                        .any(|iv| u32::from(iv.start) <= minute && minute < u32::from(iv.end));
                open.push(is_open);
                prefix.push(prefix[i] + i64::from(is_open));
            }
            Oracle { from, open, prefix }
        }

        fn end(&self) -> i64 {
            self.from + self.open.len() as i64 * M
        }

        /// Open microseconds in `[from, x)`, for any `x` in `[from, end]`.
        fn open_until(&self, x: i64) -> i64 {
            let (i, r) = ((x - self.from) / M, (x - self.from) % M);
            let i = i as usize;
            self.prefix[i] * M
                + if i < self.open.len() && self.open[i] {
                    r
                } else {
                    0
                }
        }

        /// The earliest `x >= a` with `open_until(x) - open_until(a) == micros`, if `<= end`.
        fn add(&self, a: i64, micros: i64) -> Option<i64> {
            if micros == 0 {
                return Some(a);
            }
            let target = self.open_until(a) + micros;
            // First k with prefix[k] * M >= target: the answer lies in minute k - 1, which is
            // open and has prefix[k - 1] * M < target.
            let k = self.prefix.partition_point(|&p| p * M < target);
            if k == self.prefix.len() {
                return None;
            }
            Some(self.from + (k as i64 - 1) * M + target - self.prefix[k - 1] * M)
        }
    }

    const ZONES: [Tz; 7] = [
        chrono_tz::Asia::Seoul,
        chrono_tz::America::New_York,
        chrono_tz::Europe::Berlin,
        // Daylight saving time of 30 minutes.
        chrono_tz::Australia::Lord_Howe,
        // UTC+05:45.
        chrono_tz::Asia::Kathmandu,
        chrono_tz::UTC,
        // Changes at local midnight: in April 00:00 falls back to 23:00 of the day before, so
        // the fold spans two local dates; in September 00:00 jumps to 01:00.
        chrono_tz::America::Santiago,
    ];

    /// The hours (UTC, as micros) in 2025–2027 during which the zone's offset changes, found by
    /// sampling every hour with chrono-tz.
    fn offset_changes(tz: Tz) -> Vec<i64> {
        let start = Utc
            .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp_micros();
        let end = Utc
            .with_ymd_and_hms(2028, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp_micros();
        let offset = |t: i64| {
            Utc.timestamp_micros(t)
                .unwrap()
                .with_timezone(&tz)
                .offset()
                .fix()
        };
        (start..end)
            .step_by(H as usize)
            .filter(|&t| offset(t) != offset(t + H))
            .collect()
    }

    /// A minute of the day for an interval boundary, biased towards the small hours where
    /// offset changes happen, and towards the day's ends.
    fn random_boundary(rng: &mut Xoshiro256PlusPlus) -> u16 {
        match rng.random_range(0..10) {
            0 => 0,
            1 => 1440,
            2..=4 => rng.random_range(0..=8) * 30,
            _ => rng.random_range(0..=1440),
        }
    }

    fn random_calendar(
        rng: &mut Xoshiro256PlusPlus,
        near: NaiveDate,
        days: i64,
    ) -> BusinessCalendar {
        let mut cal = BusinessCalendar::default();
        for day in cal.weekly.iter_mut() {
            let count = rng.random_range(0..=3usize);
            let mut points: Vec<u16> = Vec::new();
            while points.len() < 2 * count {
                let p = random_boundary(rng);
                if !points.contains(&p) {
                    points.push(p);
                }
            }
            points.sort_unstable();
            *day = points.chunks(2).map(|p| iv(p[0], p[1])).collect();
            // Sometimes two openings touch (09:00–12:00, 12:00–18:00), which is allowed.
            if day.len() >= 2 && rng.random_bool(0.2) {
                day[1].start = day[0].end;
            }
        }
        for _ in 0..rng.random_range(0..=4) {
            let d = near + chrono::Duration::days(rng.random_range(-2..=days + 2));
            cal.holidays.insert(d, "holiday".into());
        }
        cal
    }

    struct Stats {
        cases: usize,
        checks: usize,
        minutes: usize,
    }

    fn run_case(
        rng: &mut Xoshiro256PlusPlus,
        changes: &BTreeMap<usize, Vec<i64>>,
        stats: &mut Stats,
    ) {
        let zone = rng.random_range(0..ZONES.len());
        let tz = ZONES[zone];
        // Mostly a few hours to two days; some up to a week, a few up to three weeks.
        let minutes: i64 = match rng.random_range(0..10) {
            0..=5 => rng.random_range(60..=2 * 1440),
            6..=8 => rng.random_range(2 * 1440..=7 * 1440),
            _ => rng.random_range(7 * 1440..=21 * 1440),
        };
        let range_start = Utc
            .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp_micros();
        let range_minutes = 3 * 365 * 1440 - 22 * 1440;
        let from = match changes[&zone].as_slice() {
            // A third of the cases deliberately start up to two days before an offset change,
            // so that the change lies inside the range.
            c if !c.is_empty() && rng.random_bool(0.35) => {
                let change = c[rng.random_range(0..c.len())];
                change - rng.random_range(0..=(2 * 1440).min(minutes - 1)) * M
            }
            _ => range_start + rng.random_range(0..range_minutes) * M,
        };
        let from_date = Utc.timestamp_micros(from).unwrap().date_naive();
        let cal = random_calendar(rng, from_date, minutes / 1440 + 1);
        let oracle = Oracle::new(&cal, tz, from, minutes as usize);
        stats.cases += 1;
        stats.minutes += minutes as usize;
        let to = oracle.end();
        let between = |a: i64, b: i64| {
            business_micros_between(
                &cal,
                tz,
                Timestamp::from_micros(a),
                Timestamp::from_micros(b),
            )
        };
        let context = || format!("tz {tz}, from {from}, minutes {minutes}, calendar {cal:?}");
        assert_eq!(between(from, to), oracle.open_until(to), "{}", context());

        // A random instant in [from, to]: half on whole minutes, the rest anywhere.
        let point = |rng: &mut Xoshiro256PlusPlus| {
            let x = if rng.random_bool(0.5) {
                from + rng.random_range(0..=minutes) * M
            } else {
                rng.random_range(from..=to)
            };
            x.min(to)
        };
        for _ in 0..12 {
            let (mut a, mut b, mut c) = (point(rng), point(rng), point(rng));
            if a > b {
                std::mem::swap(&mut a, &mut b);
            }
            if b > c {
                std::mem::swap(&mut b, &mut c);
            }
            if a > b {
                std::mem::swap(&mut a, &mut b);
            }
            let expected = oracle.open_until(c) - oracle.open_until(a);
            assert_eq!(between(a, c), expected, "[{a}, {c}) {}", context());
            assert_eq!(
                between(a, b) + between(b, c),
                expected,
                "additivity at {b}, {}",
                context()
            );
            assert_eq!(between(c, a), 0, "a reversed span is empty");
            stats.checks += 3;
        }

        for _ in 0..10 {
            let a = point(rng);
            let available = oracle.open_until(to) - oracle.open_until(a);
            let micros = match rng.random_range(0..6) {
                0 => 0,
                1 => available,
                2 => available + rng.random_range(1..=H),
                3 if available >= M => rng.random_range(0..=available / M) * M,
                _ => rng.random_range(0..=available),
            };
            let got = add_business_micros(&cal, tz, Timestamp::from_micros(a), micros)
                .map(Timestamp::micros);
            let expected = oracle.add(a, micros);
            let what = || format!("{micros} µs from {a}, {}", context());
            match expected {
                Some(r) => {
                    assert_eq!(got, Some(r), "{}", what());
                    assert_eq!(between(a, r), micros, "{}", what());
                    if r > a {
                        assert!(between(a, r - 1) < micros, "not minimal: {}", what());
                    }
                }
                // Beyond the oracle's range: the answer lies after `to` (or there is none).
                None => {
                    assert!(micros > available, "{}", what());
                    if let Some(r) = got {
                        assert!(r > to, "{}", what());
                        assert_eq!(between(a, r), micros, "{}", what());
                        assert!(between(a, r - 1) < micros, "not minimal: {}", what());
                    }
                }
            }
            assert_eq!(
                deadline(
                    ClockBasis::BusinessHours,
                    &cal,
                    tz,
                    Timestamp::from_micros(a),
                    micros
                )
                .map(Timestamp::micros),
                got
            );
            stats.checks += 1;
        }
    }

    #[test]
    fn random_calendars_agree_with_a_minute_by_minute_oracle() {
        let started = Instant::now();
        let changes: BTreeMap<usize, Vec<i64>> = (0..ZONES.len())
            .map(|i| (i, offset_changes(ZONES[i])))
            .collect();
        // Two changes a year in the DST zones, none in the others.
        assert_eq!(changes[&1].len(), 6); // New York
        assert_eq!(changes[&3].len(), 6); // Lord Howe
        assert_eq!(changes[&6].len(), 6); // Santiago
        assert!(changes[&0].is_empty() && changes[&4].is_empty() && changes[&5].is_empty());
        let mut stats = Stats {
            cases: 0,
            checks: 0,
            minutes: 0,
        };
        for seed in [1, 2, 3, 4, 5, 20260308] {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            for _ in 0..250 {
                run_case(&mut rng, &changes, &mut stats);
            }
        }
        eprintln!(
            "{} random cases, {} checks, {} oracle minutes in {:?}",
            stats.cases,
            stats.checks,
            stats.minutes,
            started.elapsed()
        );
    }

    /// How long one typical deadline takes; run with
    /// `cargo test --release -p rapport-domain timing -- --ignored --nocapture`.
    #[test]
    #[ignore = "a timing, not a check"]
    fn timing_of_typical_deadlines() {
        let mut cal = office();
        cal.holidays.insert(date(2026, 6, 8), "holiday".into());
        let from = at(SEOUL, FRI, 16, 0);
        let n = 100_000;
        for tz in [SEOUL, NEW_YORK] {
            let started = Instant::now();
            let mut sum = 0;
            for i in 0..n {
                let t = Timestamp::from_micros(from.micros() + i * 7 * M);
                sum += add_business_micros(&cal, tz, t, 3 * 9 * H)
                    .unwrap()
                    .micros()
                    % 7;
            }
            eprintln!(
                "{tz}: add 3 business days: {:?} per call ({sum})",
                started.elapsed() / n as u32
            );
            let started = Instant::now();
            for i in 0..n {
                let t = Timestamp::from_micros(from.micros() + i * 7 * M);
                let u = Timestamp::from_micros(t.micros() + 5 * 24 * H);
                sum += business_micros_between(&cal, tz, t, u) % 7;
            }
            eprintln!(
                "{tz}: between over 5 days: {:?} per call ({sum})",
                started.elapsed() / n as u32
            );
        }
        // The worst cases: a span over the whole supported window, a 10-year search in vain.
        let (min, max) = (
            Timestamp::from_micros(i64::MIN),
            Timestamp::from_micros(i64::MAX),
        );
        let started = Instant::now();
        let all = business_micros_between(&cal, NEW_YORK, min, max);
        eprintln!("1900–2300 in New York: {:?} ({all})", started.elapsed());
        let mut mondays = BusinessCalendar::default();
        mondays.weekly[0] = vec![iv(9 * 60, 18 * 60)];
        let mut d = date(2026, 6, 8);
        while d < date(2037, 1, 1) {
            mondays.holidays.insert(d, "closed".into());
            d += chrono::Duration::days(7);
        }
        let started = Instant::now();
        let none = add_business_micros(&mondays, NEW_YORK, from, H);
        eprintln!("10 years in vain: {:?} ({none:?})", started.elapsed());
    }
}
