//! `/settings/calendar`: a unit's business hours (per weekday, up to two opening intervals,
//! e.g. around a lunch break), its dated holidays and its time zone. Every change goes
//! through the domain's `UnitInput::parse` and `update_unit` with the version the form was
//! read at, like `PUT /api/v1/units/{id}`; the unit's names stay as they are.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate, Weekday};
use rapport_domain::FieldError;
use rapport_domain::calendar::{CalendarDto, HolidayDto, WeeklyHoursDto};
use rapport_domain::customer::Locale;
use rapport_domain::org::{Role, Unit, UnitInput};
use rapport_store::StoreError;
use serde::Deserialize;

use super::{
    ConflictRow, FormErrors, UnitOption, not_found_as, parse_id, time_zone, unit_name, unit_options,
};
use crate::AppState;
use crate::auth::ManagerRole;
use crate::ui::session::{Staff, StaffForm};
use crate::ui::{PageCtx, UiError, i18n, render, render_status, see_other};

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

/// Time zones offered in the picker; any other IANA name may be typed.
const ZONES: &[&str] = &[
    "Asia/Seoul",
    "Asia/Tokyo",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
];

#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    unit: Option<String>,
    saved: Option<String>,
}

pub fn weekday_key(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "cal.day.mon",
        Weekday::Tue => "cal.day.tue",
        Weekday::Wed => "cal.day.wed",
        Weekday::Thu => "cal.day.thu",
        Weekday::Fri => "cal.day.fri",
        Weekday::Sat => "cal.day.sat",
        Weekday::Sun => "cal.day.sun",
    }
}

fn short_weekday(d: Weekday, lang: Locale) -> &'static str {
    let i = d.num_days_from_monday() as usize;
    match lang {
        Locale::Ko => ["월", "화", "수", "목", "금", "토", "일"][i],
        Locale::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i],
    }
}

/// `2026년 10월 3일 (토)` / `Sat 3 Oct 2026`.
pub fn long_date(d: NaiveDate, lang: Locale) -> String {
    let md = crate::ui::format::month_day(d.month(), d.day(), lang);
    match lang {
        Locale::Ko => format!("{}년 {md} ({})", d.year(), short_weekday(d.weekday(), lang)),
        Locale::En => format!("{} {md} {}", short_weekday(d.weekday(), lang), d.year()),
    }
}

/// One weekday's row of the hours form, as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct DayRow {
    pub key: &'static str,
    pub name_key: &'static str,
    pub name: &'static str,
    pub closed: bool,
    pub open: String,
    pub close: String,
    pub open2: String,
    pub close2: String,
}

impl DayRow {
    fn input(&self, suffix: &str) -> String {
        format!("{}_{suffix}", self.key)
    }

    /// `09:00–12:00, 13:00–18:00` or "closed".
    fn describe(&self, lang: Locale) -> String {
        if self.closed {
            return i18n::text("cal.closed", lang).to_owned();
        }
        let mut parts = vec![format!("{}–{}", self.open.trim(), self.close.trim())];
        if !self.open2.trim().is_empty() || !self.close2.trim().is_empty() {
            parts.push(format!("{}–{}", self.open2.trim(), self.close2.trim()));
        }
        parts.join(", ")
    }
}

fn days_of(cal: &CalendarDto, lang: Locale) -> Vec<DayRow> {
    let w = &cal.weekly;
    let lists = [&w.mon, &w.tue, &w.wed, &w.thu, &w.fri, &w.sat, &w.sun];
    DAYS.iter()
        .zip(lists)
        .map(|((key, day), list)| {
            let get = |i: usize, j: usize| list.get(i).map(|iv| iv[j].clone()).unwrap_or_default();
            DayRow {
                key,
                name_key: weekday_key(*day),
                name: i18n::text(weekday_key(*day), lang),
                closed: list.is_empty(),
                open: get(0, 0),
                close: get(0, 1),
                open2: get(1, 0),
                close2: get(1, 1),
            }
        })
        .collect()
}

fn days_posted(f: &StaffForm<ManagerRole>, lang: Locale) -> Vec<DayRow> {
    DAYS.iter()
        .map(|(key, day)| {
            let get = |s: &str| f.get(&format!("{key}_{s}")).trim().to_owned();
            DayRow {
                key,
                name_key: weekday_key(*day),
                name: i18n::text(weekday_key(*day), lang),
                closed: f.opt(&format!("{key}_closed")).is_some(),
                open: get("open"),
                close: get("close"),
                open2: get("open2"),
                close2: get("close2"),
            }
        })
        .collect()
}

pub struct HolidayRow {
    pub date: String,
    pub label: String,
    pub name: String,
}

#[derive(askama::Template)]
#[template(path = "ui/manage/calendar.html")]
struct CalendarPage {
    ctx: PageCtx,
    units: Vec<UnitOption>,
    unit_id: String,
    unit_name: String,
    version: i64,
    time_zone: String,
    zones: &'static [&'static str],
    days: Vec<DayRow>,
    holidays: Vec<HolidayRow>,
    older_hidden: usize,
    holiday_date: String,
    holiday_name: String,
    errors: FormErrors,
    conflict: Vec<ConflictRow>,
}

impl CalendarPage {
    /// The four time inputs of a day: input suffix, value, label key, placeholder.
    fn cells<'a>(&self, d: &'a DayRow) -> Vec<(&'static str, &'a str, &'static str, &'static str)> {
        vec![
            ("open", d.open.as_str(), "cal.open", "09:00"),
            ("close", d.close.as_str(), "cal.close", "18:00"),
            ("open2", d.open2.as_str(), "cal.open2", ""),
            ("close2", d.close2.as_str(), "cal.close2", ""),
        ]
    }

    fn err(&self, day: &DayRow, suffix: &str) -> Option<&'static str> {
        self.errors.on(&day.input(suffix))
    }

    fn label(&self, day: &DayRow, what: &str) -> String {
        format!("{} {}", day.name, self.ctx.t(what))
    }
}

struct Draft {
    /// The version the form was read at.
    version: i64,
    time_zone: String,
    days: Vec<DayRow>,
    holiday_date: String,
    holiday_name: String,
}

fn page_of(
    staff: &Staff<ManagerRole>,
    unit: &Unit,
    units: Vec<UnitOption>,
    draft: Draft,
    errors: FormErrors,
    conflict: Vec<ConflictRow>,
) -> CalendarPage {
    let lang = staff.lang;
    let tz = time_zone(unit);
    let this_year = rapport_domain::Timestamp::now()
        .to_datetime()
        .with_timezone(&tz)
        .year();
    let mut holidays = Vec::new();
    let mut older_hidden = 0;
    for h in &unit.calendar.holidays {
        match NaiveDate::parse_from_str(&h.date, "%Y-%m-%d") {
            Ok(d) if d.year() < this_year => older_hidden += 1,
            Ok(d) => holidays.push(HolidayRow {
                date: h.date.clone(),
                label: long_date(d, lang),
                name: h.name.clone(),
            }),
            Err(_) => holidays.push(HolidayRow {
                date: h.date.clone(),
                label: h.date.clone(),
                name: h.name.clone(),
            }),
        }
    }
    holidays.sort_by(|a, b| a.date.cmp(&b.date));
    let mut ctx = staff.ctx(
        format!("{} · {}", staff.t("nav.calendar"), unit_name(unit, lang)),
        "calendar",
    );
    ctx.path = format!("/settings/calendar?unit={}", unit.id);
    CalendarPage {
        ctx,
        units,
        unit_id: unit.id.to_string(),
        unit_name: unit_name(unit, lang),
        version: draft.version,
        time_zone: draft.time_zone,
        zones: ZONES,
        days: draft.days,
        holidays,
        older_hidden,
        holiday_date: draft.holiday_date,
        holiday_name: draft.holiday_name,
        errors,
        conflict,
    }
}

/// The unit whose calendar the page edits: a manager's own; for an admin the one asked for,
/// else the first by name.
async fn calendar_unit(
    state: &AppState,
    staff: &Staff<ManagerRole>,
    requested: Option<&str>,
) -> Result<Option<Unit>, UiError> {
    let requested = requested.map(str::trim).filter(|s| !s.is_empty());
    if staff.actor.is_admin() {
        let id = match requested {
            Some(t) => parse_id(t, staff.lang)?,
            None => match unit_options(state, staff.lang, None).await?.first() {
                Some(u) => parse_id(&u.id, staff.lang)?,
                None => return Ok(None),
            },
        };
        return Ok(Some(
            state
                .store
                .get_unit(id)
                .await
                .map_err(|e| not_found_as(e, staff.lang))?,
        ));
    }
    super::scope_unit(state, staff, requested).await
}

#[derive(askama::Template)]
#[template(path = "ui/manage/no_unit.html")]
struct NoUnitPage {
    ctx: PageCtx,
}

pub async fn page(
    State(state): State<AppState>,
    staff: Staff<ManagerRole>,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, UiError> {
    let Some(unit) = calendar_unit(&state, &staff, q.unit.as_deref()).await? else {
        return Ok(render(&NoUnitPage {
            ctx: staff.ctx(staff.t("nav.calendar"), "calendar"),
        }));
    };
    let units = if staff.actor.is_admin() {
        unit_options(&state, staff.lang, Some(unit.id)).await?
    } else {
        vec![]
    };
    let draft = Draft {
        version: unit.version,
        time_zone: unit.time_zone.clone(),
        days: days_of(&unit.calendar, staff.lang),
        holiday_date: String::new(),
        holiday_name: String::new(),
    };
    let mut page = page_of(&staff, &unit, units, draft, FormErrors::default(), vec![]);
    if q.saved.is_some() {
        page.ctx = page.ctx.with_notice(staff.t("cal.saved"));
    }
    Ok(render(&page))
}

/// Where a domain error of the calendar belongs: `calendar.weekly.mon[1][0]` → `mon_open2`.
fn input_of(
    e: &FieldError,
    slots: &[(&'static str, Vec<&'static str>)],
    new_holiday: Option<usize>,
) -> Option<(String, Option<&'static str>)> {
    if e.field == "time_zone" {
        return Some(("time_zone".into(), None));
    }
    if let Some(rest) = e.field.strip_prefix("calendar.weekly.") {
        let (day, tail) = rest.split_at(rest.find('[').unwrap_or(rest.len()));
        let (_, suffixes) = slots.iter().find(|(d, _)| *d == day)?;
        let idx: Vec<usize> = tail
            .split(['[', ']'])
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        let key = match e.code.as_str() {
            "invalid_interval" => Some("cal.err.invalid_interval"),
            "overlapping_intervals" => Some("cal.err.overlapping"),
            _ => None,
        };
        let input = match idx.as_slice() {
            [] => format!("{day}_open2"),
            [i] => format!("{day}_close{}", suffixes.get(*i).copied().unwrap_or("")),
            [i, 0, ..] => format!("{day}_open{}", suffixes.get(*i).copied().unwrap_or("")),
            [i, _, ..] => format!("{day}_close{}", suffixes.get(*i).copied().unwrap_or("")),
        };
        return Some((input, key));
    }
    if let Some(rest) = e.field.strip_prefix("calendar.holidays[") {
        let (j, tail) = rest.split_once(']')?;
        if new_holiday.is_some_and(|n| j.parse() == Ok(n)) {
            let input = if tail.ends_with("name") {
                "holiday_name"
            } else {
                "holiday_date"
            };
            let key = (e.code == "duplicate").then_some("cal.err.duplicate");
            return Some((input.into(), key));
        }
    }
    None
}

/// The weekly hours of the rows, with the input suffix of each interval per day.
fn weekly_of(
    days: &[DayRow],
    errors: &mut FormErrors,
) -> (WeeklyHoursDto, Vec<(&'static str, Vec<&'static str>)>) {
    let mut weekly = WeeklyHoursDto::default();
    let mut slots = Vec::new();
    for d in days {
        let mut intervals = Vec::new();
        let mut suffixes = Vec::new();
        if !d.closed {
            for (suffix, open, close, required) in [
                ("", &d.open, &d.close, true),
                ("2", &d.open2, &d.close2, false),
            ] {
                match (open.is_empty(), close.is_empty()) {
                    (true, true) if !required => {}
                    (true, true) => errors.add(d.input("open"), "cal.err.hours_required"),
                    (true, false) => errors.add(d.input(&format!("open{suffix}")), "form.required"),
                    (false, true) => {
                        errors.add(d.input(&format!("close{suffix}")), "form.required")
                    }
                    (false, false) => {
                        intervals.push([open.clone(), close.clone()]);
                        suffixes.push(suffix);
                    }
                }
            }
        }
        match d.key {
            "mon" => weekly.mon = intervals,
            "tue" => weekly.tue = intervals,
            "wed" => weekly.wed = intervals,
            "thu" => weekly.thu = intervals,
            "fri" => weekly.fri = intervals,
            "sat" => weekly.sat = intervals,
            _ => weekly.sun = intervals,
        }
        slots.push((d.key, suffixes));
    }
    (weekly, slots)
}

pub async fn save(
    State(state): State<AppState>,
    form: StaffForm<ManagerRole>,
) -> Result<Response, UiError> {
    let staff = &form.staff;
    let lang = staff.lang;
    let unit_id = parse_id(form.get("unit"), lang)?;
    if staff.actor.require_in_unit(Role::Manager, unit_id).is_err() {
        return Err(UiError::NotFound(Some(lang)));
    }
    let unit = state
        .store
        .get_unit(unit_id)
        .await
        .map_err(|e| not_found_as(e, lang))?;
    let Some(version) = form.get("version").trim().parse::<i64>().ok() else {
        return Err(UiError::BadRequest("version: required".into()));
    };
    let action = form.get("action");
    let mut errors = FormErrors::default();
    let stored_days = days_of(&unit.calendar, lang);
    let mut draft = Draft {
        version,
        time_zone: unit.time_zone.clone(),
        days: stored_days.clone(),
        holiday_date: String::new(),
        holiday_name: String::new(),
    };
    let mut calendar = unit.calendar.clone();
    let mut slots = Vec::new();
    let mut new_holiday = None;
    match action {
        "hours" => {
            draft.time_zone = form.get("time_zone").trim().to_owned();
            draft.days = days_posted(&form, lang);
            let (weekly, s) = weekly_of(&draft.days, &mut errors);
            calendar.weekly = weekly;
            slots = s;
        }
        "add_holiday" => {
            draft.holiday_date = form.get("holiday_date").trim().to_owned();
            draft.holiday_name = form.get("holiday_name").to_owned();
            if draft.holiday_date.is_empty() {
                errors.add("holiday_date", "form.required");
            }
            new_holiday = Some(calendar.holidays.len());
            calendar.holidays.push(HolidayDto {
                date: draft.holiday_date.clone(),
                name: draft.holiday_name.clone(),
            });
        }
        "remove_holiday" => {
            let date = form.get("date").trim();
            let before = calendar.holidays.len();
            calendar.holidays.retain(|h| h.date != date);
            if calendar.holidays.len() == before {
                // Already gone: nothing to do.
                return Ok(see_other(&format!(
                    "/settings/calendar?unit={}&saved=1",
                    unit.id
                )));
            }
        }
        _ => return Err(UiError::BadRequest("action: unknown".into())),
    }
    let input = UnitInput {
        version: Some(version),
        name: unit.name.clone(),
        time_zone: draft.time_zone.clone(),
        calendar: Some(calendar),
        currency: None,
    };
    let parsed = input.parse();
    if let Err(domain) = &parsed {
        errors.domain(domain, lang, |e| input_of(e, &slots, new_holiday));
    }
    let units = if staff.actor.is_admin() {
        unit_options(&state, lang, Some(unit.id)).await?
    } else {
        vec![]
    };
    let new_unit = match parsed {
        Ok(u) if errors.is_empty() => u,
        _ => {
            let page = page_of(staff, &unit, units, draft, errors, vec![]);
            return Ok(render_status(&page, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    match state
        .store
        .update_unit(&staff.change(), unit.id, version, &new_unit)
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/settings/calendar?unit={}&saved=1",
            unit.id
        ))),
        Err(StoreError::VersionConflict { .. }) => {
            let now = state
                .store
                .get_unit(unit.id)
                .await
                .map_err(|e| not_found_as(e, lang))?;
            let mut rows = Vec::new();
            match action {
                "hours" => {
                    if now.time_zone != draft.time_zone {
                        rows.push(ConflictRow {
                            label: "cal.time_zone",
                            current: now.time_zone.clone(),
                            yours: draft.time_zone.clone(),
                        });
                    }
                    for (cur, yours) in days_of(&now.calendar, lang).iter().zip(&draft.days) {
                        let (c, y) = (cur.describe(lang), yours.describe(lang));
                        if c != y {
                            rows.push(ConflictRow {
                                label: cur.name_key,
                                current: c,
                                yours: y,
                            });
                        }
                    }
                }
                _ => {
                    let date = if action == "add_holiday" {
                        draft.holiday_date.clone()
                    } else {
                        form.get("date").trim().to_owned()
                    };
                    let current = now
                        .calendar
                        .holidays
                        .iter()
                        .find(|h| h.date == date)
                        .map(|h| format!("{date} {}", h.name))
                        .unwrap_or_else(|| format!("{date} —"));
                    let yours = if action == "add_holiday" {
                        format!("{date} {}", draft.holiday_name)
                    } else {
                        format!("{date} —")
                    };
                    rows.push(ConflictRow {
                        label: "cal.holidays",
                        current,
                        yours,
                    });
                }
            }
            if rows.is_empty() {
                rows.push(ConflictRow {
                    label: "cal.other_changes",
                    current: String::new(),
                    yours: String::new(),
                });
            }
            // The form now carries the current version: saving again is a knowing choice.
            draft.version = now.version;
            let page = page_of(staff, &now, units, draft, FormErrors::default(), rows);
            Ok(render_status(&page, StatusCode::CONFLICT))
        }
        Err(StoreError::Invalid(domain)) => {
            let mut errors = FormErrors::default();
            errors.domain(&domain, lang, |e| input_of(e, &slots, new_holiday));
            let page = page_of(staff, &unit, units, draft, errors, vec![]);
            Ok(render_status(&page, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(not_found_as(e, lang)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_errors_land_on_their_inputs() {
        let slots = vec![("mon", vec!["", "2"]), ("tue", vec!["2"])];
        let at = |field: &str, code: &str| {
            input_of(&FieldError::new(field, code, "x"), &slots, Some(3)).map(|(i, _)| i)
        };
        assert_eq!(
            at("calendar.weekly.mon[0][0]", "invalid_time").as_deref(),
            Some("mon_open")
        );
        assert_eq!(
            at("calendar.weekly.mon[1][1]", "invalid_time").as_deref(),
            Some("mon_close2")
        );
        assert_eq!(
            at("calendar.weekly.mon[1]", "invalid_interval").as_deref(),
            Some("mon_close2")
        );
        assert_eq!(
            at("calendar.weekly.mon", "overlapping_intervals").as_deref(),
            Some("mon_open2")
        );
        // Tuesday's first interval was left blank: its only interval is the second row.
        assert_eq!(
            at("calendar.weekly.tue[0][0]", "invalid_time").as_deref(),
            Some("tue_open2")
        );
        assert_eq!(
            at("calendar.holidays[3].date", "invalid_date").as_deref(),
            Some("holiday_date")
        );
        assert_eq!(
            at("calendar.holidays[3].name", "required").as_deref(),
            Some("holiday_name")
        );
        assert_eq!(at("calendar.holidays[1].date", "invalid_date"), None);
        assert_eq!(
            at("time_zone", "unknown_time_zone").as_deref(),
            Some("time_zone")
        );
    }

    #[test]
    fn holidays_read_with_their_weekday() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 3).unwrap();
        assert_eq!(long_date(d, Locale::Ko), "2026년 10월 3일 (토)");
        assert_eq!(long_date(d, Locale::En), "Sat 3 Oct 2026");
    }
}
