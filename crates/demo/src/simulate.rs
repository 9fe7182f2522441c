//! The encounter model: a year of encounters, day by day, in time order.
//!
//! Volume: each touchpoint has a share of the total, spread over the days of the year in
//! proportion to its open minutes, weekday, season and a little daily noise (weather, events),
//! so the totals match the scale exactly. Within a day, start times follow the touchpoint's
//! hourly load inside the unit's opening hours (self-service around the clock may run at night).
//!
//! Each encounter: waiting time log-normal with a mean that rises with contact intensity and
//! with the hour's load; the service takes about the designed creation minutes; the customer is
//! present for the designed share of it; failure is logistic in contact intensity and waiting
//! (plus the touchpoint's own risks and the serving employee's skill), so high-contact
//! touchpoints fail more, as the customer-contact model predicts.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Weekday};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, RngExt};
use rapport_domain::calendar::BusinessCalendar;
use rapport_domain::customer::Tier;
use rapport_domain::encounter::{MAX_DURATION_SECONDS, NewEncounter, Outcome};
use rapport_domain::time::MICROS_PER_SECOND;
use rapport_domain::{Currency, Money, Timestamp};
use uuid::Uuid;

use crate::customers::CustomerPlan;
use crate::details::{Moment, details};
use crate::model::{Business, TouchpointDesign, UnitDesign};
use crate::sample::{Cumulative, apportion, logistic, lognormal_mean};

const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
const MINUTES_PER_DAY: usize = 1440;
/// Waits are cut at four hours: beyond that the customer has left.
const MAX_WAIT_SECONDS: f64 = 4.0 * 3600.0;

/// A unit as the simulation sees it.
pub(crate) struct UnitSim {
    pub design: &'static UnitDesign,
    pub tz: chrono_tz::Tz,
    pub calendar: BusinessCalendar,
    /// Index among the branches of its business; `None` for a centre.
    pub branch: Option<usize>,
    /// Staff who serve customers: agents and the manager, with their skill (failure log-odds
    /// shift: negative is better).
    pub servers: Vec<(Uuid, f64)>,
    pub server_pick: Cumulative,
}

pub(crate) struct TouchpointSim {
    pub design: &'static TouchpointDesign,
    pub id: Uuid,
    pub unit: usize,
}

struct TouchpointState {
    /// Running sums of minute weights per weekday (Monday first), 1441 entries each.
    cdf: [Vec<f64>; 7],
    hourly: [f64; 24],
    /// Mean hourly weight over the open minutes of a week, to express an hour's load as
    /// "busier than usual".
    mean_load: f64,
}

#[derive(Clone, Copy)]
struct Day {
    date: NaiveDate,
    midnight: i64,
    /// Minutes of the day inside the year window.
    lo: usize,
    hi: usize,
    /// A public holiday runs like a Sunday (even where the unit stays open).
    public_holiday: bool,
}

impl Day {
    fn load_weekday(&self) -> Weekday {
        if self.public_holiday {
            Weekday::Sun
        } else {
            self.date.weekday()
        }
    }
}

struct Pool {
    members: Vec<u32>,
    pick: Cumulative,
}

impl Pool {
    fn new(plans: &[CustomerPlan], keep: impl Fn(&CustomerPlan) -> bool) -> Self {
        let members: Vec<u32> = (0..plans.len() as u32)
            .filter(|&i| keep(&plans[i as usize]))
            .collect();
        let pick = Cumulative::new(
            members
                .iter()
                .map(|&i| plans[i as usize].activity)
                .collect(),
        );
        Self { members, pick }
    }

    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<u32> {
        (!self.pick.is_empty()).then(|| self.members[self.pick.sample(rng)])
    }
}

/// Which customers come to which business and branch.
struct Customers {
    ids: Vec<Uuid>,
    business: [Pool; 2],
    branches: [Vec<Pool>; 2],
    premium: Pool,
}

fn business_index(b: Business) -> usize {
    match b {
        Business::Restaurant => 0,
        Business::Bank => 1,
    }
}

pub(crate) struct Simulation {
    units: Vec<UnitSim>,
    touchpoints: Vec<TouchpointSim>,
    states: Vec<TouchpointState>,
    /// `[unit][day]`.
    days: Vec<Vec<Day>>,
    /// `[touchpoint][day]`.
    counts: Vec<Vec<u32>>,
    customers: Customers,
    window: (i64, i64),
    rng: Xoshiro256PlusPlus,
    krw: Currency,
}

impl Simulation {
    /// Plans the year ending at `end`: how many encounters each touchpoint has on each day.
    pub fn new(
        units: Vec<UnitSim>,
        touchpoints: Vec<TouchpointSim>,
        plans: &[CustomerPlan],
        customer_ids: Vec<Uuid>,
        total: u64,
        end: Timestamp,
        mut rng: Xoshiro256PlusPlus,
    ) -> Self {
        let start = end.micros() - 365 * 24 * 3600 * MICROS_PER_SECOND;
        let window = (start, end.micros());
        let days: Vec<Vec<Day>> = units.iter().map(|u| days_of(u.tz, window)).collect();
        let states: Vec<TouchpointState> = touchpoints
            .iter()
            .map(|t| TouchpointState::new(t.design, &units[t.unit].calendar))
            .collect();

        // Daily noise is shared by all touchpoints of a unit (a rainy day, a nearby event).
        let noise: Vec<Vec<f64>> = days
            .iter()
            .map(|ds| {
                ds.iter()
                    .map(|_| lognormal_mean(&mut rng, 1.0, 0.12))
                    .collect()
            })
            .collect();
        let shares: Vec<f64> = touchpoints
            .iter()
            .map(|t| t.design.volume * units[t.unit].design.size)
            .collect();
        let per_touchpoint = apportion(total, &shares);
        let counts = touchpoints
            .iter()
            .zip(&states)
            .zip(per_touchpoint)
            .map(|((t, state), n)| {
                let unit = &units[t.unit];
                let weights: Vec<f64> = days[t.unit]
                    .iter()
                    .zip(&noise[t.unit])
                    .map(|(day, noise)| day_weight(t.design, unit, state, day) * noise)
                    .collect();
                apportion(n, &weights)
                    .into_iter()
                    .map(|c| c as u32)
                    .collect()
            })
            .collect();

        let customers = Customers::new(plans, customer_ids, &units);
        Self {
            units,
            touchpoints,
            states,
            days,
            counts,
            customers,
            window,
            rng,
            krw: Currency::parse("revenue.currency", "KRW").expect("KRW is a currency"),
        }
    }

    pub fn day_count(&self) -> usize {
        self.days.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// Appends the encounters of day `index` (counted from the start of the window), in order
    /// of their start.
    pub fn generate_day(&mut self, index: usize, out: &mut Vec<NewEncounter>) {
        let first = out.len();
        for t in 0..self.touchpoints.len() {
            let n = self.counts[t].get(index).copied().unwrap_or(0);
            for _ in 0..n {
                let e = self.encounter(t, index);
                out.push(e);
            }
        }
        let day = &mut out[first..];
        day.sort_unstable_by_key(|e| e.started_at);
        // Ids are version 7 UUIDs of the start time, so they follow the encounters in time
        // (indexes grow at their end, pages can keep the newest first) and the seed fixes them.
        for e in day {
            e.id = time_ordered_id(&mut self.rng, e.started_at);
        }
    }

    fn encounter(&mut self, t: usize, day_index: usize) -> NewEncounter {
        let tp = &self.touchpoints[t];
        let design = tp.design;
        let unit = &self.units[tp.unit];
        let state = &self.states[t];
        let day = self.days[tp.unit][day_index];
        let rng = &mut self.rng;

        let weekday = day.date.weekday();
        let minute = sample_minute(
            &state.cdf[weekday.num_days_from_monday() as usize],
            &day,
            rng,
        );
        let offset = rng.random_range(0..MICROS_PER_MINUTE);
        let started = (day.midnight + minute as i64 * MICROS_PER_MINUTE + offset)
            .clamp(self.window.0, self.window.1 - 1);
        let hour = (minute / 60) as u32;

        let intensity = design.intensity();
        let busy = state.hourly[hour as usize] / state.mean_load
            * design.profile.weekday(day.load_weekday());
        let mean_wait = (20.0 + 600.0 * intensity.powf(1.5)) * design.wait_factor;
        let waiting = lognormal_mean(rng, mean_wait * (0.5 + 0.5 * busy), 0.8)
            .min(MAX_WAIT_SECONDS)
            .round();

        let server = if design.staffed && !unit.servers.is_empty() {
            Some(unit.servers[unit.server_pick.sample(rng)])
        } else {
            None
        };
        let skill = server.map_or(0.0, |s| s.1);
        let risk =
            -5.2 + 2.2 * intensity + 0.7 * (1.0 + waiting / 300.0).ln() + design.fail_bias + skill;
        let failed = rng.random_bool(logistic(risk));

        let stretch = if failed { 1.4 } else { 1.0 };
        let duration = (design.creation_minutes * 60.0 * lognormal_mean(rng, 1.0, 0.35) * stretch)
            .round()
            .clamp(10.0, (MAX_DURATION_SECONDS - 1) as f64) as i64;
        let presence = ((duration as f64) * intensity * lognormal_mean(rng, 1.0, 0.12))
            .round()
            .clamp(0.0, duration as f64) as i64;

        let known = !rng.random_bool(design.anonymous);
        let customer = if known {
            self.customers.draw(rng, unit, design.premium)
        } else {
            None
        };
        let weekend = matches!(day.load_weekday(), Weekday::Sat | Weekday::Sun);
        let d = details(
            rng,
            design.kind,
            &Moment {
                hour,
                weekend,
                failed,
                known_customer: customer.is_some(),
            },
        );
        NewEncounter {
            id: Uuid::nil(),
            customer_id: customer,
            touchpoint_id: tp.id,
            employee_id: server.map(|s| s.0),
            started_at: Timestamp::from_micros(started),
            ended_at: Timestamp::from_micros(started + duration * MICROS_PER_SECOND),
            waiting_seconds: waiting as i64,
            presence_seconds: presence,
            revenue: d.revenue_won.map(|amount_minor| Money {
                amount_minor,
                currency: self.krw,
            }),
            outcome: if failed { Outcome::Failed } else { Outcome::Ok },
            attributes: d.attributes,
        }
    }
}

impl Customers {
    fn new(plans: &[CustomerPlan], ids: Vec<Uuid>, units: &[UnitSim]) -> Self {
        let branches = |b: Business| -> Vec<Pool> {
            let n = units
                .iter()
                .filter(|u| u.design.business == b && u.branch.is_some())
                .count();
            (0..n)
                .map(|k| Pool::new(plans, |p| p.home(b) == Some(k)))
                .collect()
        };
        Self {
            ids,
            business: [
                Pool::new(plans, |p| p.restaurant_home.is_some()),
                Pool::new(plans, |p| p.bank_home.is_some()),
            ],
            branches: [branches(Business::Restaurant), branches(Business::Bank)],
            premium: Pool::new(plans, |p| {
                p.bank_home.is_some() && p.input.tier >= Tier::Gold
            }),
        }
    }

    /// Most visits to a branch come from its own neighbourhood; centres serve everyone.
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R, unit: &UnitSim, premium: bool) -> Option<Uuid> {
        let b = business_index(unit.design.business);
        let chosen = if premium && rng.random_bool(0.85) {
            self.premium.draw(rng)
        } else {
            None
        };
        let chosen = chosen.or_else(|| match unit.branch {
            Some(k) if rng.random_bool(0.8) => self.branches[b][k].draw(rng),
            _ => None,
        });
        chosen
            .or_else(|| self.business[b].draw(rng))
            .map(|i| self.ids[i as usize])
    }
}

impl TouchpointState {
    fn new(design: &TouchpointDesign, calendar: &BusinessCalendar) -> Self {
        let hourly = design.profile.hourly();
        let mut open_weight = 0.0;
        let mut open_minutes = 0.0;
        let cdf = std::array::from_fn(|i| {
            let weekday = Weekday::try_from(i as u8).expect("0..7 is a weekday");
            let mut mask = [design.all_day; MINUTES_PER_DAY];
            if !design.all_day {
                for iv in calendar.intervals_on(weekday) {
                    mask[iv.start as usize..iv.end as usize].fill(true);
                }
            }
            let mut sums = Vec::with_capacity(MINUTES_PER_DAY + 1);
            let mut total = 0.0;
            sums.push(0.0);
            for (m, open) in mask.iter().enumerate() {
                if *open {
                    total += hourly[m / 60];
                    open_weight += hourly[m / 60];
                    open_minutes += 1.0;
                }
                sums.push(total);
            }
            sums
        });
        Self {
            cdf,
            hourly,
            mean_load: if open_minutes > 0.0 {
                open_weight / open_minutes
            } else {
                1.0
            },
        }
    }
}

/// The local days overlapping the window, each with its minutes inside the window.
fn days_of(tz: chrono_tz::Tz, (start, end): (i64, i64)) -> Vec<Day> {
    let local = |micros: i64| {
        Timestamp::from_micros(micros)
            .to_datetime()
            .with_timezone(&tz)
            .date_naive()
    };
    let (first, last) = (local(start), local(end - 1));
    let mut days = Vec::new();
    let mut date = first;
    while date <= last {
        let midnight = tz
            .from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight exists"))
            .earliest()
            .map(|d| d.timestamp_micros())
            // A zone that skips midnight: count from the UTC midnight instead.
            .unwrap_or_else(|| {
                date.and_hms_opt(0, 0, 0)
                    .expect("valid")
                    .and_utc()
                    .timestamp_micros()
            });
        let minute = |t: i64| (t - midnight) as f64 / MICROS_PER_MINUTE as f64;
        let lo = minute(start).floor().clamp(0.0, MINUTES_PER_DAY as f64) as usize;
        let hi = minute(end).ceil().clamp(0.0, MINUTES_PER_DAY as f64) as usize;
        days.push(Day {
            date,
            midnight,
            lo,
            hi,
            public_holiday: crate::holidays::is_public_holiday(date),
        });
        date += Duration::days(1);
    }
    days
}

/// How much of a touchpoint's yearly volume falls on one day.
fn day_weight(
    design: &TouchpointDesign,
    unit: &UnitSim,
    state: &TouchpointState,
    day: &Day,
) -> f64 {
    let closed = unit.calendar.is_holiday(day.date);
    if closed && !design.all_day {
        return 0.0;
    }
    let weekday = day.date.weekday();
    let cdf = &state.cdf[weekday.num_days_from_monday() as usize];
    let minutes = cdf[day.hi.max(day.lo)] - cdf[day.lo];
    // Busy restaurants, quiet ATMs and apps on a public holiday.
    minutes
        * design.profile.weekday(day.load_weekday())
        * unit.design.business.date_factor(day.date)
}

/// A version 7 UUID of `at`, with its microseconds in the 12 bits the layout leaves for
/// sub-millisecond precision and the rest drawn from the seeded generator.
fn time_ordered_id<R: Rng + ?Sized>(rng: &mut R, at: Timestamp) -> Uuid {
    let micros = at.micros();
    let sub = (micros.rem_euclid(1000) * 4096 / 1000) as u16;
    let mut bytes: [u8; 10] = rng.random();
    bytes[0] = (sub >> 8) as u8;
    bytes[1] = (sub & 0xFF) as u8;
    uuid::Builder::from_unix_timestamp_millis(micros.div_euclid(1000) as u64, &bytes).into_uuid()
}

/// A minute of the day in `[lo, hi)` drawn by the touchpoint's load; never a closed minute.
fn sample_minute<R: Rng + ?Sized>(cdf: &[f64], day: &Day, rng: &mut R) -> usize {
    let (lo, hi) = (day.lo, day.hi.max(day.lo + 1).min(MINUTES_PER_DAY));
    let (a, b) = (cdf[lo], cdf[hi]);
    let u = a + rng.random::<f64>() * (b - a);
    let m = cdf.partition_point(|&s| s <= u).saturating_sub(1);
    let m = m.clamp(lo, hi - 1);
    if cdf[m + 1] > cdf[m] {
        return m;
    }
    // Rounding landed on a closed minute at the edge: take the nearest open one before it.
    (lo..m)
        .rev()
        .chain(m + 1..hi)
        .find(|&k| cdf[k + 1] > cdf[k])
        .unwrap_or(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn minutes_are_drawn_only_inside_opening_hours() {
        let calendar = BusinessCalendar::weekdays(9 * 60, 16 * 60);
        let design = &crate::model::touchpoints_of(&crate::model::UNITS[5])[1];
        let state = TouchpointState::new(design, &calendar);
        let day = Day {
            date: NaiveDate::from_ymd_opt(2026, 6, 10).unwrap(),
            midnight: 0,
            lo: 0,
            hi: 1440,
            public_holiday: false,
        };
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        for _ in 0..20_000 {
            let m = sample_minute(&state.cdf[2], &day, &mut rng);
            assert!((540..960).contains(&m), "{m}");
        }
    }

    #[test]
    fn ids_sort_like_the_start_times_they_carry() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(6);
        let base = Timestamp::parse("t", "2026-03-01T12:00:00Z")
            .unwrap()
            .micros();
        let ids: Vec<Uuid> = [0, 1, 999, 1_000, 1_001, 60_000_000]
            .iter()
            .map(|d| time_ordered_id(&mut rng, Timestamp::from_micros(base + d)))
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ids[0].get_version_num(), 7);
    }

    #[test]
    fn a_year_window_covers_366_local_days_or_so() {
        let end = Timestamp::parse("t", "2026-11-20T00:00:00Z").unwrap();
        let days = days_of(
            chrono_tz::Asia::Seoul,
            (
                end.micros() - 365 * 86_400 * MICROS_PER_SECOND,
                end.micros(),
            ),
        );
        assert_eq!(days.len(), 366);
        // The window starts and ends at 09:00 Seoul time.
        assert_eq!((days[0].lo, days[0].hi), (540, 1440));
        assert_eq!((days[365].lo, days[365].hi), (0, 540));
    }
}
