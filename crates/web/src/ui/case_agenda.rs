//! The agenda: follow-ups due today, the approvals I wait for, and my unit's customers'
//! birthdays and anniversaries in the next seven days.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use chrono::{Datelike, TimeZone};
use chrono_tz::Tz;
use rapport_domain::Timestamp;
use rapport_domain::customer::{DateKind, Locale};
use rapport_store::{PageRequest, UpcomingDatesFilter};
use uuid::Uuid;

use super::{Choice, Countdown, PAGE_SIZE, Params, label, tz_of};
use crate::AppState;
use crate::auth::ViewerRole;
use crate::ui::{PageCtx, Staff, UiError, format, render};

/// Days the agenda looks ahead for important dates (today included).
const DATE_WINDOW_DAYS: u32 = 7;
/// A customer belongs to a unit when they visited it in the past year (or have a case
/// there). Each candidate's visits are read from the customer index alone (migration 0006):
/// about 6 ms for the busiest demo unit.
const VISITED_WITHIN_DAYS: i64 = 365;

pub(crate) struct FollowUp {
    pub id: Uuid,
    pub number: String,
    pub customer: Option<(Uuid, String)>,
    pub category: String,
    pub due: String,
    pub countdown: Countdown,
    pub resolved: Option<String>,
}

pub(crate) struct Waiting {
    pub case_id: Uuid,
    pub number: String,
    pub kind: &'static str,
    pub amount: Option<String>,
    pub requested: String,
    pub guideline: Option<String>,
}

pub(crate) struct DateRow {
    pub on: String,
    pub when: String,
    pub today: bool,
    pub customer_id: Uuid,
    pub customer: String,
    pub tier: &'static str,
    pub kind: &'static str,
    pub label: Option<String>,
    /// Years since the year of the date, when it is known (age, years married).
    pub years: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "ui/cases/agenda.html")]
struct AgendaPage {
    ctx: PageCtx,
    today: String,
    units: Vec<Choice>,
    follow_ups: Vec<FollowUp>,
    follow_ups_more: bool,
    waiting: Vec<Waiting>,
    waiting_more: bool,
    dates: Vec<DateRow>,
}

/// The end of the local day containing `now` in `tz`.
fn end_of_day(now: Timestamp, tz: Tz) -> Timestamp {
    let local = now.to_datetime().with_timezone(&tz).date_naive();
    let next = local.succ_opt().unwrap_or(local);
    let midnight = next.and_hms_opt(0, 0, 0).expect("midnight exists");
    tz.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| Timestamp::from_datetime(t.with_timezone(&chrono::Utc)))
        .unwrap_or_else(|| now.plus_seconds(86_400))
}

fn years_text(years: i32, kind: DateKind, lang: Locale) -> String {
    match (kind, lang) {
        (DateKind::Birthday, Locale::Ko) => format!("만 {years}세"),
        (DateKind::Birthday, Locale::En) => format!("turns {years}"),
        (_, Locale::Ko) => format!("{years}주년"),
        (_, Locale::En) => format!("{years} years"),
    }
}

fn in_days_text(days: i64, lang: Locale) -> String {
    match (days, lang) {
        (0, Locale::Ko) => "오늘".into(),
        (0, Locale::En) => "today".into(),
        (1, Locale::Ko) => "내일".into(),
        (1, Locale::En) => "tomorrow".into(),
        (d, Locale::Ko) => format!("{d}일 후"),
        (d, Locale::En) => format!("in {d} days"),
    }
}

pub(crate) async fn agenda(
    State(state): State<AppState>,
    staff: Staff<ViewerRole>,
    RawQuery(raw): RawQuery,
) -> Result<Response, UiError> {
    let p = Params::parse(raw.as_deref());
    let lang = staff.lang;
    let admin = staff.actor.is_admin();
    let scope = if admin {
        p.uuid("unit")
    } else {
        staff.actor.unit_id
    };
    let now = Timestamp::now();
    // Today is the unit's: mine, the chosen one, or for an admin over all units the
    // first unit's (each follow-up is still checked against its own unit's day).
    let all_units = if admin {
        super::unit_choices(&state, lang).await?
    } else {
        vec![]
    };
    let home = match scope {
        Some(u) => Some(u),
        None => all_units.first().map(|(id, _)| *id),
    };
    let home_unit = match home {
        Some(u) => Some(state.store.get_unit(u).await?),
        None => None,
    };
    let home_tz = home_unit.as_ref().map(tz_of).unwrap_or(chrono_tz::UTC);
    let today = now.to_datetime().with_timezone(&home_tz).date_naive();

    // Follow-ups: for an admin over all units, due before the latest end of today anywhere,
    // then each against its unit's own day.
    let all_unit_ids: Vec<Uuid> = all_units.iter().map(|(id, _)| *id).collect();
    let unit_infos = super::units(
        &state,
        scope.into_iter().chain(if scope.is_none() {
            all_unit_ids.clone()
        } else {
            vec![]
        }),
    )
    .await?;
    let due_before = unit_infos
        .values()
        .map(|u| end_of_day(now, tz_of(u)))
        .max()
        .unwrap_or_else(|| end_of_day(now, home_tz));
    let follow_ups = state
        .store
        .list_follow_ups_due(scope, due_before, &PageRequest::first(PAGE_SIZE))
        .await?;
    let mut waiting = state
        .store
        .list_pending_requested_by(staff.actor.employee_id, staff.actor.unit_id, PAGE_SIZE + 1)
        .await?;
    let waiting_more = waiting.len() as i64 > PAGE_SIZE;
    waiting.truncate(PAGE_SIZE as usize);
    let dates = state
        .store
        .upcoming_dates(&UpcomingDatesFilter {
            from: today,
            days: DATE_WINDOW_DAYS,
            unit: scope,
            visited_since: now.plus_seconds(-VISITED_WITHIN_DAYS * 86_400),
            limit: PAGE_SIZE,
        })
        .await?;

    let waiting_case_ids: Vec<Uuid> = waiting.iter().map(|a| a.case_id).collect();
    let (categories, customers, waiting_cases) = tokio::try_join!(
        super::category_names(&state, lang),
        super::customer_names(
            &state,
            follow_ups.items.iter().filter_map(|c| c.customer_id)
        ),
        super::fetch_many(waiting_case_ids, |id| {
            let s = state.store.clone();
            async move { s.get_case(id).await }
        }),
    )?;

    let follow_up_rows: Vec<FollowUp> = follow_ups
        .items
        .iter()
        .filter_map(|c| {
            let due = c.follow_up_due_at?;
            let tz = unit_infos.get(&c.unit_id).map(tz_of).unwrap_or(home_tz);
            (due < end_of_day(now, tz)).then(|| FollowUp {
                id: c.id,
                number: c.number.clone(),
                customer: c
                    .customer_id
                    .and_then(|id| customers.get(&id).map(|cu| (id, cu.0.clone()))),
                category: categories
                    .get(&c.category)
                    .cloned()
                    .unwrap_or_else(|| c.category.clone()),
                due: format::datetime(due, tz, lang),
                countdown: Countdown::new(due, None, now, tz, lang),
                resolved: c.resolved_at.map(|r| format::datetime(r, tz, lang)),
            })
        })
        .collect();
    let waiting_rows = waiting
        .iter()
        .map(|a| {
            let tz = unit_infos.get(&a.unit_id).map(tz_of).unwrap_or(home_tz);
            let currency = a
                .amount
                .as_ref()
                .map(|m| m.currency.clone())
                .unwrap_or_default();
            Waiting {
                case_id: a.case_id,
                number: waiting_cases
                    .get(&a.case_id)
                    .map(|c| c.number.clone())
                    .unwrap_or_default(),
                kind: label(lang, "recovery", a.kind.as_str()),
                amount: a.amount.as_ref().map(super::money_dto),
                requested: format::datetime(a.requested_at, tz, lang),
                guideline: match (a.guideline_min_minor, a.guideline_max_minor) {
                    (Some(lo), Some(hi)) => Some(format!(
                        "{} – {}",
                        super::money(lo, &currency),
                        super::money(hi, &currency)
                    )),
                    _ => None,
                },
            }
        })
        .collect();
    let date_rows = dates
        .iter()
        .map(|d| {
            let days = (d.on - today).num_days();
            let kind = match d.kind {
                DateKind::Birthday => "birthday",
                DateKind::Anniversary => "anniversary",
                DateKind::Other => "other",
            };
            DateRow {
                on: format::month_day(d.on.month(), d.on.day(), lang),
                when: in_days_text(days, lang),
                today: days == 0,
                customer_id: d.customer_id,
                customer: d.customer_name.clone(),
                tier: label(lang, "tier", d.tier.as_str()),
                kind: label(lang, "date", kind),
                label: d.label.clone(),
                years: d
                    .year
                    .map(|y| d.on.year() - y)
                    .filter(|y| *y > 0)
                    .map(|y| years_text(y, d.kind, lang)),
            }
        })
        .collect();
    let scope_text = scope.map(|u| u.to_string()).unwrap_or_default();
    let page = AgendaPage {
        ctx: staff.ctx(staff.t("agenda.title"), "agenda"),
        today: format::datetime(now, home_tz, lang),
        units: all_units
            .into_iter()
            .map(|(id, name)| Choice::new(id.to_string(), name, &scope_text))
            .collect(),
        follow_ups_more: follow_ups.next_cursor.is_some(),
        follow_ups: follow_up_rows,
        waiting_more,
        waiting: waiting_rows,
        dates: date_rows,
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_ends_at_local_midnight() {
        let tz: Tz = "Asia/Seoul".parse().unwrap();
        let now = Timestamp::parse("t", "2026-11-23T20:00:00Z").unwrap(); // 05:00 on the 24th in Seoul
        assert_eq!(
            end_of_day(now, tz),
            Timestamp::parse("t", "2026-11-25T00:00:00+09:00").unwrap()
        );
    }

    #[test]
    fn dates_read_naturally() {
        assert_eq!(in_days_text(0, Locale::Ko), "오늘");
        assert_eq!(in_days_text(3, Locale::En), "in 3 days");
        assert_eq!(years_text(36, DateKind::Birthday, Locale::Ko), "만 36세");
        assert_eq!(years_text(5, DateKind::Anniversary, Locale::En), "5 years");
    }
}
