//! The demo data set behind `rapport demo`: a restaurant chain and a bank, their branches,
//! touchpoints and staff, customers in Korean and English, and a year of encounters simulated
//! from a model in which failures grow with contact intensity and waiting, and a year of
//! recovery cases drawn from the failed encounters (see `cases`), and a year of survey answers
//! drawn from the encounters (see `surveys`).
//!
//! Everything is drawn from one seed, so the same seed and scale give the same data set
//! (encounter ids included; the store assigns the ids of everything else).

use std::collections::BTreeMap;

use chrono::Datelike;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rapport_domain::calendar::{BusinessCalendar, OpenInterval};
use rapport_domain::contact::{DesignedContact, NewTouchpoint};
use rapport_domain::customer::NewCustomer;
use rapport_domain::org::{NewEmployee, NewUnit, Role};
use rapport_domain::text::LocalizedName;
use rapport_domain::{FieldError, Money, Timestamp};
use rapport_store::{Change, Store, StoreError};

mod case_texts;
mod cases;
mod customers;
mod details;
mod holidays;
mod model;
mod names;
mod sample;
mod simulate;
mod surveys;

use model::{Business, UNITS};
use simulate::{Simulation, TouchpointSim, UnitSim};

/// Customers at scale 1.
pub const CUSTOMERS_PER_SCALE: f64 = 20_000.0;
/// Encounters at scale 1.
pub const ENCOUNTERS_PER_SCALE: f64 = 1_000_000.0;
/// Largest accepted scale: 100 million encounters.
pub const MAX_SCALE: f64 = 100.0;
/// Encounters written per store call (one transaction each). Each customer's index entries
/// land on random pages, and a transaction writes every page it touched once: 25,000 rows per
/// transaction wrote the default demo in about 21 s on SQLite where 10,000 took about 25 s.
const ENCOUNTER_CHUNK: usize = 25_000;
const CUSTOMER_CHUNK: usize = 2_000;
/// Cases written per store call; the store splits them into its own transactions too.
const CASE_CHUNK: usize = 2_000;
/// Staff e-mails live under a reserved domain so they never reach a real mailbox.
pub const STAFF_EMAIL_DOMAIN: &str = "demo.rapport.example";

#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// 1.0 gives 20,000 customers and 1,000,000 encounters; units, touchpoints and staff stay.
    pub scale: f64,
    pub seed: u64,
    /// The year of encounters ends here (exclusive).
    pub year_end: Timestamp,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            scale: 1.0,
            seed: 42,
            year_end: start_of_today_utc(),
        }
    }
}

/// Midnight UTC of the current day: the default end of the simulated year.
pub fn start_of_today_utc() -> Timestamp {
    let today = chrono::Utc::now().date_naive();
    Timestamp::from_datetime(today.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    pub units: usize,
    pub touchpoints: usize,
    pub employees: usize,
    pub customers: usize,
    pub encounters: usize,
    /// Recovery cases drawn from the failed encounters.
    pub cases: usize,
    /// Survey responses (SERVQUAL, CSAT, NPS, effort) drawn from the encounters.
    pub surveys: usize,
}

/// Phases reported to the progress callback, in order.
pub const PHASE_ORGANISATION: &str = "organisation";
pub const PHASE_CUSTOMERS: &str = "customers";
pub const PHASE_ENCOUNTERS: &str = "encounters";
pub const PHASE_CASES: &str = "cases";
pub const PHASE_SURVEYS: &str = "surveys";

/// Fills `store` with the demo data set. Meant for an empty database: staff e-mails are fixed,
/// so a second run into the same database fails with a duplicate e-mail.
///
/// Progress: called with (phase name, done, total) as work proceeds, so the CLI can draw a
/// progress bar.
pub async fn generate(
    store: &dyn Store,
    opts: &DemoOptions,
    progress: &(dyn Fn(&str, u64, u64) + Send + Sync),
) -> Result<DemoSummary, StoreError> {
    if !(opts.scale.is_finite() && opts.scale > 0.0 && opts.scale <= MAX_SCALE) {
        return Err(StoreError::Invalid(vec![FieldError::new(
            "scale",
            "out_of_range",
            format!("must be above 0 and at most {MAX_SCALE}"),
        )]));
    }
    let n_customers = (CUSTOMERS_PER_SCALE * opts.scale).round() as usize;
    let n_encounters = (ENCOUNTERS_PER_SCALE * opts.scale).round() as u64;
    let names = names::NameSampler::new();
    // Separate streams, so that e.g. a change in staffing does not reshuffle the customers.
    let stream = |k: u64| {
        Xoshiro256PlusPlus::seed_from_u64(opts.seed ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    };

    let (units, touchpoints, employees, case_units) =
        organisation(store, &names, &mut stream(1), progress).await?;

    let this_year = opts.year_end.to_datetime().year();
    let branch_sizes = |b: Business| -> Vec<f64> {
        UNITS
            .iter()
            .filter(|u| u.business == b && !u.centre)
            .map(|u| u.size)
            .collect()
    };
    let plans = customers::plan(
        &mut stream(2),
        &names,
        n_customers,
        &branch_sizes(Business::Restaurant),
        &branch_sizes(Business::Bank),
        this_year,
    );
    let parsed: Vec<NewCustomer> = plans
        .iter()
        .enumerate()
        .map(|(i, p)| {
            p.input.parse().map_err(|errors| {
                StoreError::Invalid(
                    errors
                        .into_iter()
                        .map(|e| FieldError {
                            field: format!("customers[{i}].{}", e.field),
                            ..e
                        })
                        .collect(),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let mut customer_ids = Vec::with_capacity(parsed.len());
    progress(PHASE_CUSTOMERS, 0, parsed.len() as u64);
    for chunk in parsed.chunks(CUSTOMER_CHUNK) {
        customer_ids.extend(store.insert_customers(&Change::system(), chunk).await?);
        progress(
            PHASE_CUSTOMERS,
            customer_ids.len() as u64,
            parsed.len() as u64,
        );
    }

    let n_units = units.len();
    let n_touchpoints = touchpoints.len();
    let world = cases::World {
        units: case_units,
        touchpoints: touchpoints
            .iter()
            .map(|t| cases::CaseTouchpoint {
                id: t.id,
                unit: t.unit,
                design: t.design,
            })
            .collect(),
        customers: plans
            .iter()
            .zip(&customer_ids)
            .map(|(p, id)| cases::CaseCustomer {
                id: *id,
                name: p.input.name.clone(),
                locale: p.input.locale,
                tier: p.input.tier,
            })
            .collect(),
    };
    let mut planner = cases::Planner::new(world, opts.year_end, stream(4));
    let mut survey_planner = {
        let survey_touchpoints: Vec<surveys::SurveyTouchpoint> = touchpoints
            .iter()
            .map(|t| surveys::SurveyTouchpoint {
                id: t.id,
                business: units[t.unit].design.business,
                design: t.design,
            })
            .collect();
        // Expected encounters per business, as the simulation shares them out.
        let mut volume = [0.0; 2];
        for t in &touchpoints {
            let b = usize::from(units[t.unit].design.business == Business::Bank);
            volume[b] += t.design.volume * units[t.unit].design.size;
        }
        let all: f64 = volume.iter().sum();
        let volume = volume.map(|v| {
            if all > 0.0 {
                v / all * n_encounters as f64
            } else {
                0.0
            }
        });
        let customers = plans
            .iter()
            .zip(&customer_ids)
            .map(|(p, id)| (*id, (p.input.locale, p.input.tier)))
            .collect();
        surveys::SurveyPlanner::new(
            &survey_touchpoints,
            customers,
            volume,
            opts.scale,
            opts.year_end,
            stream(5),
        )
    };
    let mut sim = Simulation::new(
        units,
        touchpoints,
        &plans,
        customer_ids,
        n_encounters,
        opts.year_end,
        stream(3),
    );
    drop(plans);
    progress(PHASE_ENCOUNTERS, 0, n_encounters);
    // The model runs on its own thread one chunk ahead of the writer, so generating the next
    // chunk (and planning the cases of its failures) overlaps with the database writing the
    // last one.
    let (chunks, mut ready) = tokio::sync::mpsc::channel(2);
    let producer = std::thread::spawn(move || {
        let mut chunk = Vec::with_capacity(ENCOUNTER_CHUNK * 2);
        let days = sim.day_count();
        for day in 0..days {
            let first = chunk.len();
            sim.generate_day(day, &mut chunk);
            planner.consider(&chunk[first..]);
            survey_planner.consider(&chunk[first..]);
            while chunk.len() >= ENCOUNTER_CHUNK || (day + 1 == days && !chunk.is_empty()) {
                let rest = chunk.split_off(chunk.len().min(ENCOUNTER_CHUNK));
                if chunks.blocking_send(chunk).is_err() {
                    return None; // The writer failed and stopped listening.
                }
                chunk = rest;
            }
        }
        Some((planner.finish(), survey_planner.finish()))
    });
    let mut written = 0_u64;
    while let Some(chunk) = ready.recv().await {
        store
            .insert_encounters(&Change::system(), None, &chunk, "items")
            .await?;
        written += chunk.len() as u64;
        progress(PHASE_ENCOUNTERS, written, n_encounters);
    }
    // The channel closed, so the producer has returned; a panic there is a bug to surface.
    let (planned, planned_surveys) = match producer.join() {
        Ok(planned) => planned.expect("every chunk was received"),
        Err(panic) => std::panic::resume_unwind(panic),
    };

    cases::configure(store, planned.world_units()).await?;
    let total = planned.plans.len() as u64;
    progress(PHASE_CASES, 0, total);
    let mut imported = 0_usize;
    for chunk in planned.plans.chunks(CASE_CHUNK) {
        let scripts = planned.scripts(chunk);
        imported += store.import_cases(&scripts, opts.year_end).await?;
        progress(PHASE_CASES, imported as u64, total);
    }
    let surveys = surveys::write(store, planned_surveys, progress).await?;
    store.checkpoint().await?;

    Ok(DemoSummary {
        units: n_units,
        touchpoints: n_touchpoints,
        employees,
        customers: n_customers,
        encounters: written as usize,
        cases: imported,
        surveys,
    })
}

fn invalid(errors: Vec<FieldError>) -> StoreError {
    StoreError::Invalid(errors)
}

/// Creates the units with their calendars, their touchpoints and their staff.
async fn organisation(
    store: &dyn Store,
    names: &names::NameSampler,
    rng: &mut Xoshiro256PlusPlus,
    progress: &(dyn Fn(&str, u64, u64) + Send + Sync),
) -> Result<
    (
        Vec<UnitSim>,
        Vec<TouchpointSim>,
        usize,
        Vec<cases::CaseUnit>,
    ),
    StoreError,
> {
    let total: usize = UNITS
        .iter()
        .map(|u| 1 + model::touchpoints_of(u).len() + u.agents + 2)
        .sum();
    let mut done = 0;
    progress(PHASE_ORGANISATION, 0, total as u64);
    let mut units = Vec::new();
    let mut touchpoints = Vec::new();
    let mut employees = 0;
    let mut case_units = Vec::new();
    let mut branch_counter = [0_usize; 2];
    for design in UNITS {
        let new_unit = NewUnit {
            name: LocalizedName::parse("name", design.ko, design.en).map_err(invalid)?,
            time_zone: chrono_tz::Asia::Seoul,
            calendar: calendar_of(design),
            currency: None,
        };
        let unit = store.create_unit(&Change::system(), &new_unit).await?;
        done += 1;
        for t in model::touchpoints_of(design) {
            let new = NewTouchpoint {
                unit_id: unit.id,
                name: LocalizedName::parse("name", t.ko, t.en).map_err(invalid)?,
                channel: t.channel,
                journey_stage: t.stage,
                designed: DesignedContact::parse(t.presence_minutes, t.creation_minutes)
                    .map_err(invalid)?,
            };
            let created = store.create_touchpoint(&Change::system(), &new).await?;
            touchpoints.push(TouchpointSim {
                design: t,
                id: created.id,
                unit: units.len(),
            });
            done += 1;
        }
        let mut servers = Vec::new();
        let mut server_weights = Vec::new();
        let mut manager = None;
        let mut agents = Vec::new();
        let roles = std::iter::once(Role::Manager)
            .chain(std::iter::repeat_n(Role::Agent, design.agents))
            .chain(std::iter::once(Role::Viewer));
        for role in roles {
            employees += 1;
            let name = names.any(rng, 0.08);
            let limit = model::authority_limit(design.business, design.centre, role.as_str());
            let new = NewEmployee {
                name: name.display.clone(),
                email: format!("{}.{employees:03}@{STAFF_EMAIL_DOMAIN}", name.email_local),
                role,
                unit_id: Some(unit.id),
                authority_limit: Money::parse_non_negative("authority_limit", limit, "KRW")
                    .map_err(|e| invalid(vec![e]))?,
                active: true,
            };
            let created = store.create_employee(&Change::system(), &new, None).await?;
            done += 1;
            let staff = cases::Staff {
                id: created.id,
                name: name.display,
            };
            match role {
                Role::Manager => manager = Some(staff),
                Role::Agent => agents.push(staff),
                _ => {}
            }
            // Agents carry the load unevenly; the manager steps in now and then; viewers
            // never serve. Skill shifts each person's failure odds.
            let weight = match role {
                Role::Agent => sample::lognormal_mean(rng, 1.0, 0.3),
                Role::Manager => 0.15,
                _ => continue,
            };
            let skill = sample::normal(rng, 0.0, 0.3);
            servers.push((created.id, skill));
            server_weights.push(weight);
        }
        let b = match design.business {
            Business::Restaurant => 0,
            Business::Bank => 1,
        };
        let branch = (!design.centre).then(|| {
            branch_counter[b] += 1;
            branch_counter[b] - 1
        });
        case_units.push(cases::CaseUnit {
            id: unit.id,
            business: design.business,
            centre: design.centre,
            ko: design.ko,
            en: design.en,
            tz: new_unit.time_zone,
            calendar: new_unit.calendar.clone(),
            manager: manager.expect("every unit has a manager"),
            agents,
            agent_limit: model::authority_limit(design.business, design.centre, "agent"),
            manager_limit: model::authority_limit(design.business, design.centre, "manager"),
        });
        units.push(UnitSim {
            design,
            tz: new_unit.time_zone,
            calendar: new_unit.calendar,
            branch,
            servers,
            server_pick: sample::Cumulative::new(server_weights),
        });
        progress(PHASE_ORGANISATION, done as u64, total as u64);
    }
    Ok((units, touchpoints, employees, case_units))
}

/// Weekly hours of the design and the holidays of 2025–2027 the unit closes on.
fn calendar_of(design: &model::UnitDesign) -> BusinessCalendar {
    let mut weekly: [Vec<OpenInterval>; 7] = Default::default();
    for (i, day) in weekly.iter_mut().enumerate() {
        let weekday = chrono::Weekday::try_from(i as u8).expect("0..7 is a weekday");
        *day = design
            .hours
            .on(weekday)
            .iter()
            .map(|&(start, end)| OpenInterval { start, end })
            .collect();
    }
    let holidays: BTreeMap<_, _> = holidays::all()
        .filter(|h| design.closes_on(h.closes))
        .map(|h| (h.date, h.name.to_owned()))
        .collect();
    BusinessCalendar { weekly, holidays }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};
    use std::sync::Mutex;

    use chrono::Timelike;
    use rapport_domain::case::{CaseSource, Stage};
    use rapport_domain::contact::{ContactLevel, LevelThresholds, Touchpoint};
    use rapport_domain::encounter::{Encounter, Outcome};
    use rapport_domain::org::Unit;
    use rapport_store::testing::{Backend, TestDb};
    use rapport_store::{
        Case, CaseFilter, CustomerFilter, EncounterFilter, PageRequest, SummaryFilter,
        TouchpointFilter,
    };

    use super::*;

    fn options(scale: f64, seed: u64) -> DemoOptions {
        DemoOptions {
            scale,
            seed,
            year_end: Timestamp::parse("year_end", "2026-11-20T00:00:00Z").unwrap(),
        }
    }

    fn quiet(_: &str, _: u64, _: u64) {}

    async fn all_touchpoints(store: &dyn Store) -> Vec<Touchpoint> {
        let page = store
            .list_touchpoints(&TouchpointFilter::default(), &PageRequest::first(1000))
            .await
            .unwrap();
        assert!(page.next_cursor.is_none());
        page.items
    }

    async fn units_by_id(store: &dyn Store) -> HashMap<uuid::Uuid, Unit> {
        let page = store
            .list_units(None, &PageRequest::first(1000))
            .await
            .unwrap();
        page.items.into_iter().map(|u| (u.id, u)).collect()
    }

    async fn all_encounters(store: &dyn Store) -> Vec<Encounter> {
        let mut out = Vec::new();
        let mut page = PageRequest::first(1000);
        loop {
            let p = store
                .list_encounters(&EncounterFilter::default(), &page)
                .await
                .unwrap();
            out.extend(p.items);
            match p.next_cursor {
                Some(c) => page = PageRequest::parse(Some(&c), Some(1000)).unwrap(),
                None => return out,
            }
        }
    }

    fn business_of(unit: &Unit) -> &'static str {
        if unit.name.en.starts_with("Saebom Bank") {
            "bank"
        } else {
            "restaurant"
        }
    }

    rapport_store::both_backends!(
        a_small_demo_matches_its_scale_and_has_every_contact_level_in_both_businesses,
        |db: TestDb| async move {
            let store = db.store.as_ref();
            let summary = generate(store, &options(0.005, 7), &quiet).await.unwrap();
            assert_eq!(summary.customers, 100);
            assert_eq!(summary.encounters, 5_000);
            assert_eq!(summary.units, UNITS.len());

            let customers = store
                .list_customers(&CustomerFilter::default(), &PageRequest::first(1000))
                .await
                .unwrap();
            assert_eq!(customers.items.len(), 100);

            let touchpoints = all_touchpoints(store).await;
            assert_eq!(touchpoints.len(), summary.touchpoints);
            let logged: i64 = touchpoints.iter().map(|t| t.totals.encounters).sum();
            assert_eq!(logged, 5_000);

            let units = units_by_id(store).await;
            let thresholds = LevelThresholds::default();
            let mut levels: BTreeMap<&str, Vec<ContactLevel>> = BTreeMap::new();
            for t in &touchpoints {
                let business = business_of(&units[&t.unit_id]);
                levels
                    .entry(business)
                    .or_default()
                    .push(thresholds.level(t.designed_intensity));
                // The measured intensity agrees with the design once encounters are logged.
                if t.totals.encounters >= thresholds.min_encounters {
                    assert_eq!(
                        t.level,
                        thresholds.level(t.designed_intensity),
                        "{}",
                        t.name.en
                    );
                }
            }
            for (business, mut found) in levels {
                found.sort();
                found.dedup();
                assert_eq!(
                    found,
                    [ContactLevel::Low, ContactLevel::Medium, ContactLevel::High],
                    "{business}"
                );
            }
        }
    );

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn high_contact_touchpoints_fail_clearly_more_often_than_low_contact_ones() {
        let db = TestDb::new(Backend::Sqlite).await.unwrap();
        let store = db.store.as_ref();
        generate(store, &options(0.005, 11), &quiet).await.unwrap();
        let thresholds = LevelThresholds::default();
        let mut by_level: BTreeMap<ContactLevel, (i64, i64)> = BTreeMap::new();
        for t in all_touchpoints(store).await {
            let s = by_level
                .entry(thresholds.level(t.designed_intensity))
                .or_default();
            s.0 += t.totals.failed;
            s.1 += t.totals.encounters;
            // The store's failure rate is the one users see.
            if let Some(rate) = t.failure_rate {
                assert!((0.0..=1.0).contains(&rate));
            }
        }
        let rate = |l| {
            let (failed, all) = by_level[&l];
            failed as f64 / all as f64
        };
        let (low, medium, high) = (
            rate(ContactLevel::Low),
            rate(ContactLevel::Medium),
            rate(ContactLevel::High),
        );
        assert!(high > 2.5 * low, "high {high:.4} vs low {low:.4}");
        assert!(
            high > medium && medium > low,
            "{low:.4} {medium:.4} {high:.4}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn staffed_encounters_start_only_in_opening_hours_and_never_on_a_holiday() {
        let db = TestDb::new(Backend::Sqlite).await.unwrap();
        let store = db.store.as_ref();
        generate(store, &options(0.005, 3), &quiet).await.unwrap();
        let units = units_by_id(store).await;
        let calendars: HashMap<_, _> = units
            .values()
            .map(|u| (u.id, u.calendar.parse("calendar").unwrap()))
            .collect();
        let unit_of: HashMap<_, _> = all_touchpoints(store)
            .await
            .into_iter()
            .map(|t| (t.id, t.unit_id))
            .collect();
        let encounters = all_encounters(store).await;
        assert_eq!(encounters.len(), 5_000);
        let (mut staffed, mut at_night) = (0, 0);
        for e in &encounters {
            let local = e
                .started_at
                .to_datetime()
                .with_timezone(&chrono_tz::Asia::Seoul);
            if e.employee_id.is_none() {
                at_night += usize::from(local.hour() < 6);
                continue;
            }
            staffed += 1;
            let calendar = &calendars[&unit_of[&e.touchpoint_id]];
            let date = local.date_naive();
            assert!(!calendar.is_holiday(date), "{e:?} on a holiday");
            let minute = (local.hour() * 60 + local.minute()) as u16;
            assert!(
                calendar
                    .intervals_on(date.weekday())
                    .iter()
                    .any(|iv| iv.start <= minute && minute < iv.end),
                "{} starts outside opening hours",
                local
            );
        }
        assert!(staffed > 1_000, "{staffed}");
        // ATMs, the banking app and online booking run around the clock.
        assert!(at_night > 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_same_seed_gives_the_same_people_and_the_same_figures() {
        async fn fingerprint(seed: u64) -> (Vec<String>, Vec<(String, String, i64, i64)>) {
            let db = TestDb::new(Backend::Sqlite).await.unwrap();
            let store = db.store.as_ref();
            generate(store, &options(0.003, seed), &quiet)
                .await
                .unwrap();
            let mut names: Vec<String> = store
                .list_customers(&CustomerFilter::default(), &PageRequest::first(1000))
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|c| c.name)
                .collect();
            names.sort();
            let units = units_by_id(store).await;
            let mut employees: Vec<String> = store
                .list_employees(None, &PageRequest::first(1000))
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|e| e.email)
                .collect();
            employees.sort();
            names.extend(employees);
            // Encounter ids come from the seed too.
            let newest = store
                .list_encounters(&EncounterFilter::default(), &PageRequest::first(20))
                .await
                .unwrap();
            names.extend(newest.items.iter().map(|e| e.id.to_string()));
            let mut figures: Vec<_> = all_touchpoints(store)
                .await
                .into_iter()
                .map(|t| {
                    (
                        units[&t.unit_id].name.en.clone(),
                        t.name.en,
                        t.totals.encounters,
                        t.totals.failed,
                    )
                })
                .collect();
            figures.sort();
            (names, figures)
        }
        let a = fingerprint(5).await;
        assert_eq!(a, fingerprint(5).await);
        assert_ne!(a.0, fingerprint(6).await.0);
    }

    async fn all_cases(store: &dyn Store) -> Vec<Case> {
        let mut out = Vec::new();
        let mut page = PageRequest::first(1000);
        loop {
            let p = store
                .list_cases(&CaseFilter::default(), &page)
                .await
                .unwrap();
            out.extend(p.items);
            match p.next_cursor {
                Some(c) => page = PageRequest::parse(Some(&c), Some(1000)).unwrap(),
                None => return out,
            }
        }
    }

    fn mean(values: &[f64]) -> f64 {
        values.iter().sum::<f64>() / values.len() as f64
    }

    rapport_store::both_backends!(
        a_year_of_cases_fills_every_queue_and_shows_the_recovery_paradox,
        |db: TestDb| async move {
            let store = db.store.as_ref();
            let opts = options(0.02, 21);
            let summary = generate(store, &opts, &quiet).await.unwrap();
            let cases = all_cases(store).await;
            assert_eq!(cases.len(), summary.cases);
            // Order of 10,000–30,000 cases per 1,000,000 encounters.
            assert!((200..=600).contains(&cases.len()), "{}", cases.len());

            // Every stage has cases, and some clocks were missed.
            let stages: BTreeMap<Stage, usize> = cases.iter().fold(BTreeMap::new(), |mut m, c| {
                *m.entry(c.stage).or_default() += 1;
                m
            });
            for stage in Stage::ALL {
                assert!(
                    stages.get(stage).copied().unwrap_or(0) > 0,
                    "{stage:?}: {stages:?}"
                );
            }
            let breached = cases.iter().filter(|c| c.breached).count();
            assert!(breached > 0 && breached < cases.len() / 2, "{breached}");
            let open = cases.iter().filter(|c| c.stage != Stage::Closed).count();
            assert!(
                open < cases.len() / 5,
                "most of a year's cases are closed: {open}"
            );

            // Found before the customer complained: staff, monitoring, surveys.
            let found_first = cases
                .iter()
                .filter(|c| c.source != CaseSource::Complaint)
                .count() as f64
                / cases.len() as f64;
            assert!((0.05..=0.6).contains(&found_first), "{found_first}");
            let report = store
                .recovery_summary(&SummaryFilter {
                    unit: None,
                    from: Timestamp::from_micros(opts.year_end.micros() - 400 * 86_400_000_000),
                    to: opts.year_end,
                })
                .await
                .unwrap();
            assert_eq!(report.cases as usize, cases.len());
            assert_eq!(report.found_before_complaint_share.unwrap(), found_first);
            assert!(
                report
                    .compensation
                    .iter()
                    .any(|c| c.currency == "KRW" && c.total_minor > 0)
            );
            // The summary's grouped reads agree with the cases as listed one by one.
            let krw = report
                .compensation
                .iter()
                .find(|c| c.currency == "KRW")
                .unwrap();
            let amounts: Vec<i64> = cases.iter().map(|c| c.compensation.amount_minor).collect();
            assert_eq!(krw.total_minor, amounts.iter().sum::<i64>());
            assert_eq!(
                krw.cases_compensated as usize,
                amounts.iter().filter(|a| **a > 0).count()
            );
            let mut similar: BTreeMap<(String, u8, String), Vec<f64>> = BTreeMap::new();
            for c in &cases {
                similar
                    .entry((c.category.clone(), c.severity, c.tier.as_str().to_owned()))
                    .or_default()
                    .push(c.compensation.amount_minor as f64);
            }
            for row in &report.fairness {
                let groups = similar
                    .iter()
                    .filter(|((category, _, _), _)| *category == row.category)
                    .map(|(_, values)| values.clone());
                let expected = rapport_domain::recovery_stats::fairness(groups);
                assert_eq!(row.figure.cases_compared, expected.cases_compared);
                match (row.figure.cv, expected.cv) {
                    (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "{}", row.category),
                    (a, b) => assert_eq!(a, b, "{}", row.category),
                }
            }
            let mut acknowledged: Vec<f64> = cases
                .iter()
                .filter_map(|c| {
                    c.acknowledged_at
                        .map(|a| (a.micros() - c.detected_at.micros()) as f64 / 1e6)
                })
                .collect();
            acknowledged.sort_by(f64::total_cmp);
            let n = acknowledged.len();
            assert_eq!(report.time_to_acknowledge.n as usize, n);
            let median = if n % 2 == 1 {
                acknowledged[n / 2]
            } else {
                (acknowledged[n / 2 - 1] + acknowledged[n / 2]) / 2.0
            };
            assert_eq!(report.time_to_acknowledge.median_seconds, Some(median));
            // p90, type 7 by hand: h = (n − 1)·0.9 between the ranks around it.
            let h = (n - 1) as f64 * 0.9;
            let lo = h.floor() as usize;
            let p90 =
                acknowledged[lo] + (h - lo as f64) * (acknowledged[lo + 1] - acknowledged[lo]);
            let got = report.time_to_acknowledge.p90_seconds.unwrap();
            assert!((got - p90).abs() < 1e-6, "{got} {p90}");
            for sla in &report.sla {
                let clocks = cases
                    .iter()
                    .flat_map(|c| &c.clocks)
                    .filter(|k| k.target == sla.target)
                    .filter(|k| k.stopped_at.is_some() || k.breached_at.is_some());
                let (measured, met) = clocks.fold((0, 0), |(m, ok), k| {
                    (m + 1, ok + u64::from(k.breached_at.is_none()))
                });
                assert_eq!((sla.measured, sla.met), (measured, met), "{:?}", sla.target);
            }
            let satisfied: Vec<u8> = cases.iter().filter_map(|c| c.satisfaction).collect();
            assert_eq!(report.satisfaction.n as usize, satisfied.len());

            // Each case comes from a failed encounter, at or before the end of the year, and
            // its clock times follow one another.
            let encounters: HashMap<_, _> = all_encounters(store)
                .await
                .into_iter()
                .map(|e| (e.id, e))
                .collect();
            for c in &cases {
                let e = &encounters[&c.encounter_id.expect("linked to its encounter")];
                assert_eq!(e.outcome, Outcome::Failed);
                assert_eq!(Some(e.touchpoint_id), c.touchpoint_id);
                assert_eq!(c.occurred_at, e.started_at);
                assert!(c.assignee_id.is_some());
                let times = [
                    Some(c.occurred_at),
                    Some(c.detected_at),
                    c.acknowledged_at,
                    c.first_response_at,
                    c.resolved_at,
                    c.follow_up_done_at,
                    c.closed_at,
                ];
                let set: Vec<Timestamp> = times.into_iter().flatten().collect();
                assert!(set.windows(2).all(|w| w[0] <= w[1]), "{c:?}");
                assert!(set.iter().all(|t| *t <= opts.year_end), "{c:?}");
            }

            // High-contact touchpoints give more cases per encounter than low-contact ones.
            let thresholds = LevelThresholds::default();
            let touchpoints = all_touchpoints(store).await;
            let mut per_level: BTreeMap<ContactLevel, (f64, f64)> = BTreeMap::new();
            for t in &touchpoints {
                let n = cases
                    .iter()
                    .filter(|c| c.touchpoint_id == Some(t.id))
                    .count();
                let s = per_level
                    .entry(thresholds.level(t.designed_intensity))
                    .or_default();
                s.0 += n as f64;
                s.1 += t.totals.encounters as f64;
            }
            let rate = |l| per_level[&l].0 / per_level[&l].1;
            assert!(
                rate(ContactLevel::High) > 2.0 * rate(ContactLevel::Low),
                "{per_level:?}"
            );

            // The recovery paradox: cases put right within a day are rated higher.
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            for c in &cases {
                if let (Some(s), Some(r)) = (c.satisfaction, c.resolved_at) {
                    let hours = c.detected_at.seconds_until(r) / 3600.0;
                    if hours <= 24.0 { &mut fast } else { &mut slow }.push(f64::from(s));
                }
            }
            assert!(
                fast.len() > 20 && slow.len() > 10,
                "{} {}",
                fast.len(),
                slow.len()
            );
            assert!(
                mean(&fast) > mean(&slow) + 0.5,
                "fast {:.2} vs slow {:.2}",
                mean(&fast),
                mean(&slow)
            );
        }
    );

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_same_seed_gives_the_same_cases() {
        async fn cases_of(seed: u64) -> Vec<(String, String, u8, Stage, Option<u8>, i64)> {
            let db = TestDb::new(Backend::Sqlite).await.unwrap();
            generate(db.store.as_ref(), &options(0.01, seed), &quiet)
                .await
                .unwrap();
            let mut out: Vec<_> = all_cases(db.store.as_ref())
                .await
                .into_iter()
                .map(|c| {
                    (
                        c.number,
                        c.category,
                        c.severity,
                        c.stage,
                        c.satisfaction,
                        c.compensation.amount_minor,
                    )
                })
                .collect();
            out.sort();
            out
        }
        let a = cases_of(4).await;
        assert!(!a.is_empty());
        assert_eq!(a, cases_of(4).await);
        assert_ne!(a, cases_of(8).await);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn progress_reaches_the_end_of_every_phase() {
        let db = TestDb::new(Backend::Sqlite).await.unwrap();
        let seen: Mutex<HashMap<String, (u64, u64)>> = Mutex::default();
        let record = |phase: &str, done: u64, total: u64| {
            seen.lock().unwrap().insert(phase.to_owned(), (done, total));
        };
        generate(db.store.as_ref(), &options(0.002, 1), &record)
            .await
            .unwrap();
        let seen = seen.into_inner().unwrap();
        for phase in [
            PHASE_ORGANISATION,
            PHASE_CUSTOMERS,
            PHASE_ENCOUNTERS,
            PHASE_CASES,
            PHASE_SURVEYS,
        ] {
            let (done, total) = seen[phase];
            assert!(total > 0 && done == total, "{phase}: {done}/{total}");
        }
        assert_eq!(seen[PHASE_ENCOUNTERS], (2_000, 2_000));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_scale_of_zero_is_refused_naming_the_scale() {
        let db = TestDb::new(Backend::Sqlite).await.unwrap();
        let err = generate(db.store.as_ref(), &options(0.0, 1), &quiet)
            .await
            .unwrap_err();
        match err {
            StoreError::Invalid(errors) => assert_eq!(errors[0].field, "scale"),
            other => panic!("{other:?}"),
        }
        let units = units_by_id(db.store.as_ref()).await;
        assert!(units.is_empty(), "nothing is written for a refused scale");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_scale_too_small_for_one_customer_still_logs_its_encounters() {
        let db = TestDb::new(Backend::Sqlite).await.unwrap();
        let summary = generate(db.store.as_ref(), &options(0.00002, 1), &quiet)
            .await
            .unwrap();
        assert_eq!((summary.customers, summary.encounters), (0, 20));
        let encounters = all_encounters(db.store.as_ref()).await;
        assert!(encounters.iter().all(|e| e.customer_id.is_none()));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn encounters_look_like_the_business_they_belong_to() {
        let db = TestDb::new(Backend::Sqlite).await.unwrap();
        let store = db.store.as_ref();
        generate(store, &options(0.003, 9), &quiet).await.unwrap();
        let touchpoints: HashMap<_, _> = all_touchpoints(store)
            .await
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let encounters = all_encounters(store).await;
        let tables: Vec<_> = encounters
            .iter()
            .filter(|e| touchpoints[&e.touchpoint_id].name.en == "Table service")
            .collect();
        assert!(!tables.is_empty());
        for e in &tables {
            let party = e.attributes.as_ref().unwrap()["party_size"]
                .as_i64()
                .unwrap();
            assert!((1..=8).contains(&party));
            let bill = e.revenue.as_ref().unwrap();
            assert_eq!(bill.currency, "KRW");
            assert!(bill.amount_minor >= 500 * party);
            assert!(
                e.presence_seconds <= (e.ended_at.micros() - e.started_at.micros()) / 1_000_000
            );
        }
        let failed_with_issue = encounters
            .iter()
            .filter(|e| e.outcome == Outcome::Failed)
            .all(|e| {
                e.attributes
                    .as_ref()
                    .is_some_and(|a| a.get("issue").is_some())
            });
        assert!(failed_with_issue, "every failure says what went wrong");
        let anonymous = encounters
            .iter()
            .filter(|e| e.customer_id.is_none())
            .count();
        let share = anonymous as f64 / encounters.len() as f64;
        assert!((0.05..0.3).contains(&share), "anonymous share {share}");
    }
}
