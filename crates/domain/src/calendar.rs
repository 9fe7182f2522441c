//! A unit's business-hours calendar: weekly opening hours in local time and dated holidays.
//! The clock arithmetic over it (SLA targets) builds on these validated types.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::FieldError;

/// Minutes after local midnight, `0..=1440` (1440 = 24:00, only as an interval's end).
pub type MinuteOfDay = u16;

/// One opening interval within a day, `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenInterval {
    pub start: MinuteOfDay,
    pub end: MinuteOfDay,
}

/// A validated calendar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BusinessCalendar {
    /// Opening intervals per weekday, Monday first, sorted and not overlapping.
    pub weekly: [Vec<OpenInterval>; 7],
    /// Closed days with their names.
    pub holidays: BTreeMap<NaiveDate, String>,
}

/// The JSON shape of a calendar: `"09:00"`-style times, ISO dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CalendarDto {
    pub weekly: WeeklyHoursDto,
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub holidays: Vec<HolidayDto>,
}

/// Opening intervals per weekday as `["09:00", "18:00"]` pairs; a missing day is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHoursDto {
    #[serde(default)]
    pub mon: Vec<[String; 2]>,
    #[serde(default)]
    pub tue: Vec<[String; 2]>,
    #[serde(default)]
    pub wed: Vec<[String; 2]>,
    #[serde(default)]
    pub thu: Vec<[String; 2]>,
    #[serde(default)]
    pub fri: Vec<[String; 2]>,
    #[serde(default)]
    pub sat: Vec<[String; 2]>,
    #[serde(default)]
    pub sun: Vec<[String; 2]>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayDto {
    /// ISO date, `YYYY-MM-DD`.
    #[schema(example = "2026-10-03")]
    pub date: String,
    #[schema(max_length = 100, example = "개천절")]
    pub name: String,
}

const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn parse_time(field: &str, text: &str, allow_24: bool) -> Result<MinuteOfDay, FieldError> {
    let bad = || {
        FieldError::new(
            field,
            "invalid_time",
            "expected a time as HH:MM, e.g. 09:00",
        )
    };
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u16 = h.parse().map_err(|_| bad())?;
    let m: u16 = m.parse().map_err(|_| bad())?;
    if h == 24 && m == 0 && allow_24 {
        return Ok(1440);
    }
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn format_time(minutes: MinuteOfDay) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl CalendarDto {
    pub fn parse(&self, field: &str) -> Result<BusinessCalendar, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut cal = BusinessCalendar::default();
        for (i, key) in DAY_KEYS.iter().enumerate() {
            let mut day = Vec::new();
            for (j, [start, end]) in self.weekly.day(i).iter().enumerate() {
                let path = format!("{field}.weekly.{key}[{j}]");
                match (
                    parse_time(&format!("{path}[0]"), start, false),
                    parse_time(&format!("{path}[1]"), end, true),
                ) {
                    (Ok(s), Ok(e)) if s < e => day.push(OpenInterval { start: s, end: e }),
                    (Ok(_), Ok(_)) => errors.push(FieldError::new(
                        path,
                        "invalid_interval",
                        "an opening interval must end after it starts",
                    )),
                    (s, e) => errors.extend([s.err(), e.err()].into_iter().flatten()),
                }
            }
            day.sort_by_key(|iv| iv.start);
            if day.windows(2).any(|w| w[0].end > w[1].start) {
                errors.push(FieldError::new(
                    format!("{field}.weekly.{key}"),
                    "overlapping_intervals",
                    "opening intervals of one day must not overlap",
                ));
            }
            cal.weekly[i] = day;
        }
        for (j, h) in self.holidays.iter().enumerate() {
            let path = format!("{field}.holidays[{j}]");
            let name = crate::text::required_line(&format!("{path}.name"), &h.name, 100);
            let date = NaiveDate::parse_from_str(&h.date, "%Y-%m-%d").map_err(|_| {
                FieldError::new(
                    format!("{path}.date"),
                    "invalid_date",
                    "expected a date as YYYY-MM-DD",
                )
            });
            match (date, name) {
                (Ok(d), Ok(n)) => {
                    if cal.holidays.insert(d, n).is_some() {
                        errors.push(FieldError::new(
                            format!("{path}.date"),
                            "duplicate",
                            "this date is listed twice",
                        ));
                    }
                }
                (d, n) => errors.extend([d.err(), n.err()].into_iter().flatten()),
            }
        }
        if errors.is_empty() {
            Ok(cal)
        } else {
            Err(errors)
        }
    }
}

impl WeeklyHoursDto {
    fn day(&self, i: usize) -> &Vec<[String; 2]> {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ][i]
    }

    fn day_mut(&mut self, i: usize) -> &mut Vec<[String; 2]> {
        match i {
            0 => &mut self.mon,
            1 => &mut self.tue,
            2 => &mut self.wed,
            3 => &mut self.thu,
            4 => &mut self.fri,
            5 => &mut self.sat,
            _ => &mut self.sun,
        }
    }
}

impl BusinessCalendar {
    /// Weekdays open `open`–`close` (minutes), weekends closed.
    pub fn weekdays(open: MinuteOfDay, close: MinuteOfDay) -> Self {
        let mut cal = Self::default();
        for day in cal.weekly.iter_mut().take(5) {
            day.push(OpenInterval {
                start: open,
                end: close,
            });
        }
        cal
    }

    pub fn every_day(open: MinuteOfDay, close: MinuteOfDay) -> Self {
        let mut cal = Self::default();
        for day in cal.weekly.iter_mut() {
            day.push(OpenInterval {
                start: open,
                end: close,
            });
        }
        cal
    }

    pub fn intervals_on(&self, weekday: Weekday) -> &[OpenInterval] {
        &self.weekly[weekday.num_days_from_monday() as usize]
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.contains_key(&date)
    }

    /// Open minutes in an ordinary week.
    pub fn weekly_open_minutes(&self) -> u32 {
        self.weekly
            .iter()
            .flatten()
            .map(|iv| u32::from(iv.end - iv.start))
            .sum()
    }

    pub fn to_dto(&self) -> CalendarDto {
        let mut weekly = WeeklyHoursDto::default();
        for (i, day) in self.weekly.iter().enumerate() {
            *weekly.day_mut(i) = day
                .iter()
                .map(|iv| [format_time(iv.start), format_time(iv.end)])
                .collect();
        }
        CalendarDto {
            weekly,
            holidays: self
                .holidays
                .iter()
                .map(|(d, n)| HolidayDto {
                    date: d.format("%Y-%m-%d").to_string(),
                    name: n.clone(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dto(mon: &[[&str; 2]]) -> CalendarDto {
        CalendarDto {
            weekly: WeeklyHoursDto {
                mon: mon
                    .iter()
                    .map(|[a, b]| [a.to_string(), b.to_string()])
                    .collect(),
                ..Default::default()
            },
            holidays: vec![],
        }
    }

    #[test]
    fn a_split_day_with_lunch_break_is_accepted_and_round_trips() {
        let d = dto(&[["13:00", "18:00"], ["09:00", "12:00"]]);
        let cal = d.parse("calendar").unwrap();
        assert_eq!(cal.weekly_open_minutes(), 8 * 60);
        assert_eq!(
            cal.to_dto().weekly.mon[0],
            ["09:00".to_string(), "12:00".to_string()]
        );
    }

    #[test]
    fn open_until_midnight_is_written_24_00() {
        let cal = dto(&[["18:00", "24:00"]]).parse("c").unwrap();
        assert_eq!(cal.weekly[0][0].end, 1440);
    }

    #[test]
    fn overlapping_intervals_are_refused_naming_the_day() {
        let e = dto(&[["09:00", "13:00"], ["12:00", "18:00"]])
            .parse("calendar")
            .unwrap_err();
        assert_eq!(e[0].field, "calendar.weekly.mon");
    }

    #[test]
    fn a_reversed_interval_and_a_bad_time_are_both_reported() {
        let e = dto(&[["18:00", "09:00"], ["9:00", "10:00"]])
            .parse("c")
            .unwrap_err();
        let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["c.weekly.mon[0]", "c.weekly.mon[1][0]"]);
    }

    #[test]
    fn a_holiday_listed_twice_is_refused() {
        let mut d = dto(&[]);
        d.holidays = vec![
            HolidayDto {
                date: "2026-10-03".into(),
                name: "개천절".into(),
            },
            HolidayDto {
                date: "2026-10-03".into(),
                name: "again".into(),
            },
        ];
        assert_eq!(d.parse("c").unwrap_err()[0].field, "c.holidays[1].date");
    }
}
