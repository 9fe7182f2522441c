//! A year of recovery cases drawn from the failed encounters.
//!
//! Which failures become cases: more of those at high-contact touchpoints and of gold and VIP
//! customers, fewer where nobody knows the customer. How the firm learns of them: mostly by
//! complaint; staff report what they see at high-contact touchpoints; monitoring catches the
//! failures of machines, apps and bookings at low-contact ones, before the customer complains.
//!
//! Each case is planned as a whole from its encounter — detection, acknowledgement and the
//! first answer in the unit's business hours (with a tail that misses its targets), waiting on
//! the customer, recovery actions sized to severity and bill (above an agent's authority a
//! manager approves), resolution, the follow-up three days later with the customer's
//! satisfaction, closing with a root cause, now and then a reopen — and then cut at the end of
//! the simulated year, so the newest cases are still open. Satisfaction follows the recovery:
//! fast and generous recoveries are rated high, slow ones low (the recovery paradox).
//!
//! Plans hold no text; the words are written when a chunk is handed to the store, so a large
//! scale does not keep every message in memory.

use std::collections::HashMap;

use chrono::{TimeZone, Timelike};
use chrono_tz::Tz;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, RngExt};
use rapport_domain::business_time::{ClockBasis, add_business_micros};
use rapport_domain::calendar::BusinessCalendar;
use rapport_domain::case::{
    AuthorityPeriod, CaseKind, CaseSource, NewCase, PolicyTargets, Priority, RecoveryKind,
    Severity, Stage, derive_priority,
};
use rapport_domain::compensation::{GuaranteeTerms, NewGuarantee, NewGuideline, PayoutKind};
use rapport_domain::contact::{Channel, ContactLevel, LevelThresholds};
use rapport_domain::customer::{Locale, Tier};
use rapport_domain::encounter::{NewEncounter, Outcome};
use rapport_domain::sla::NewSlaPolicy;
use rapport_domain::text::LocalizedName;
use rapport_domain::time::MICROS_PER_SECOND;
use rapport_domain::{Currency, FieldError, Money, Timestamp};
use rapport_store::{CaseCommand, CaseScript, Change, ScriptAction, ScriptStep, Store, StoreError};
use uuid::Uuid;

use crate::case_texts::{
    APPROVAL_REASONS, ISSUES, Issue, REOPEN_REASONS, Remedy, WAIT_REASONS, close_note, first_reply,
    follow_up_note, issue_index, reopen_reply,
};
use crate::model::{Business, TouchpointDesign};
use crate::sample::{lognormal_mean, normal, pick_weighted};

const MINUTE: i64 = 60 * MICROS_PER_SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// Days from resolution to the follow-up, as in every policy the demo has.
const FOLLOW_UP_DAYS: i64 = 3;

pub(crate) struct Staff {
    pub id: Uuid,
    pub name: String,
}

/// A unit as the cases see it: its clock and the people who handle its cases.
pub(crate) struct CaseUnit {
    pub id: Uuid,
    pub business: Business,
    /// A head-office centre rather than a branch.
    pub centre: bool,
    pub ko: &'static str,
    pub en: &'static str,
    pub tz: Tz,
    pub calendar: BusinessCalendar,
    pub manager: Staff,
    pub agents: Vec<Staff>,
    /// What an agent may grant on their own, per action (won).
    pub agent_limit: i64,
    pub manager_limit: i64,
}

pub(crate) struct CaseCustomer {
    pub id: Uuid,
    pub name: String,
    pub locale: Locale,
    pub tier: Tier,
}

pub(crate) struct CaseTouchpoint {
    pub id: Uuid,
    pub unit: usize,
    pub design: &'static TouchpointDesign,
}

pub(crate) struct World {
    pub units: Vec<CaseUnit>,
    pub touchpoints: Vec<CaseTouchpoint>,
    pub customers: Vec<CaseCustomer>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    Agent,
    Manager,
}

#[derive(Debug, Clone, Copy)]
enum What {
    Acknowledge,
    Respond {
        again: bool,
    },
    Wait(u8),
    Replied(u8),
    Action {
        kind: RecoveryKind,
        amount: Option<i64>,
        /// Given after the follow-up to a customer still unhappy.
        extra: bool,
        /// When a manager approved it, and why (index into the reasons).
        approved: Option<(i64, u8)>,
    },
    Resolve {
        no_reply: bool,
        /// After a reopen.
        again: bool,
    },
    FollowUp(Option<u8>),
    Close(&'static str),
    Reopen(u8),
}

#[derive(Debug, Clone, Copy)]
struct Step {
    at: i64,
    by: By,
    what: What,
}

impl Step {
    /// When the step was complete: an approved action only once the manager approved it.
    fn complete_at(&self) -> i64 {
        match self.what {
            What::Action {
                approved: Some((at, _)),
                ..
            } => at.max(self.at),
            _ => self.at,
        }
    }
}

/// One case, decided but not yet written in words.
pub(crate) struct CasePlan {
    encounter: Uuid,
    touchpoint: u16,
    customer: Option<u32>,
    issue: u8,
    kind: CaseKind,
    source: CaseSource,
    channel: Channel,
    severity: u8,
    agent: u16,
    opened_by: Option<Uuid>,
    on_the_spot: bool,
    occurred: i64,
    detected: i64,
    variant: u32,
    steps: Vec<Step>,
}

impl CasePlan {
    pub fn stage(&self) -> Stage {
        stage_after(&self.steps)
    }
}

fn stage_after(steps: &[Step]) -> Stage {
    steps
        .iter()
        .fold(Stage::PreRecovery, |stage, s| match s.what {
            What::Acknowledge | What::Reopen(_) => Stage::Immediate,
            What::Resolve { .. } => Stage::FollowUp,
            What::Close(_) => Stage::Closed,
            _ => stage,
        })
}

/// Steps in time order: each at least a second after the one before, and nothing after an
/// approved action until the manager approved it.
struct Timeline {
    steps: Vec<Step>,
    last: i64,
}

impl Timeline {
    fn new(start: i64) -> Self {
        Self {
            steps: Vec::new(),
            last: start,
        }
    }

    fn add(&mut self, at: i64, by: By, what: What) -> i64 {
        let at = at.max(self.last + MICROS_PER_SECOND);
        let step = Step { at, by, what };
        self.last = step.complete_at();
        self.steps.push(step);
        at
    }
}

/// A failed encounter, as much of it as a case needs.
struct Failure {
    encounter: Uuid,
    touchpoint: u16,
    customer: Option<u32>,
    employee: Option<Uuid>,
    started: i64,
    ended: i64,
    revenue: Option<i64>,
    issue: u8,
}

/// Draws the cases while the encounters are generated, one failed encounter at a time.
pub(crate) struct Planner {
    world: World,
    touchpoint_index: HashMap<Uuid, u16>,
    customer_index: HashMap<Uuid, u32>,
    /// How generous each agent tends to be (a factor on compensation), per unit.
    generosity: Vec<Vec<f64>>,
    now: i64,
    rng: Xoshiro256PlusPlus,
    plans: Vec<CasePlan>,
}

impl Planner {
    pub fn new(world: World, now: Timestamp, mut rng: Xoshiro256PlusPlus) -> Self {
        let touchpoint_index = world
            .touchpoints
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id, i as u16))
            .collect();
        let customer_index = world
            .customers
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i as u32))
            .collect();
        let generosity = world
            .units
            .iter()
            .map(|u| {
                u.agents
                    .iter()
                    .map(|_| lognormal_mean(&mut rng, 1.0, 0.25))
                    .collect()
            })
            .collect();
        Self {
            world,
            touchpoint_index,
            customer_index,
            generosity,
            now: now.micros(),
            rng,
            plans: Vec::new(),
        }
    }

    /// Looks at a day's encounters (in the order generated) for failures that become cases.
    pub fn consider(&mut self, encounters: &[NewEncounter]) {
        for e in encounters.iter().filter(|e| e.outcome == Outcome::Failed) {
            let Some(&touchpoint) = self.touchpoint_index.get(&e.touchpoint_id) else {
                continue;
            };
            let Some(issue) = e.attributes.as_deref().and_then(issue_of) else {
                continue;
            };
            let failure = Failure {
                encounter: e.id,
                touchpoint,
                customer: e
                    .customer_id
                    .and_then(|c| self.customer_index.get(&c).copied()),
                employee: e.employee_id,
                started: e.started_at.micros(),
                ended: e.ended_at.micros(),
                revenue: e.revenue.map(|m| m.amount_minor),
                issue: issue as u8,
            };
            if let Some(plan) = self.plan(&failure) {
                self.plans.push(plan);
            }
        }
    }

    fn plan(&mut self, f: &Failure) -> Option<CasePlan> {
        let world = &self.world;
        let rng = &mut self.rng;
        let tp = &world.touchpoints[f.touchpoint as usize];
        let design = tp.design;
        let unit = &world.units[tp.unit];
        let issue = &ISSUES[f.issue as usize];
        let level = LevelThresholds::default().level(design.intensity());
        let customer = f.customer.map(|i| &world.customers[i as usize]);
        let tier = customer.map_or(Tier::Standard, |c| c.tier);

        // Most failures at high-contact touchpoints reach someone; valued customers speak up
        // (and are listened to) more; a failure nobody can trace to a customer less often.
        let mut chance: f64 = match level {
            ContactLevel::High => 0.62,
            ContactLevel::Medium => 0.5,
            ContactLevel::Low => 0.42,
        };
        chance *= match tier {
            Tier::Standard => 1.0,
            Tier::Silver => 1.1,
            Tier::Gold => 1.25,
            Tier::Vip => 1.4,
        };
        if customer.is_none() {
            chance *= 0.45;
        }
        if !rng.random_bool(chance.min(0.95)) {
            return None;
        }

        // Monitoring sees machines, apps and bookings; staff see what happens in front of them.
        let (detected_w, staff_w) = match level {
            ContactLevel::Low => (0.38, if design.staffed { 0.06 } else { 0.02 }),
            ContactLevel::Medium => (0.10, 0.10),
            ContactLevel::High => (0.04, 0.20),
        };
        let survey_w = if customer.is_some() { 0.04 } else { 0.0 };
        let source = *pick_weighted(
            rng,
            &[
                (detected_w, CaseSource::Detected),
                (staff_w, CaseSource::StaffReport),
                (survey_w, CaseSource::Survey),
                (1.0 - detected_w - staff_w - survey_w, CaseSource::Complaint),
            ],
        );
        let severity = 1 + *pick_weighted(
            rng,
            &[
                (issue.severity[0], 0_u8),
                (issue.severity[1], 1),
                (issue.severity[2], 2),
                (issue.severity[3], 3),
            ],
        );
        let kind = match issue.code {
            "missing_item" | "spilled" if rng.random_bool(0.25) => CaseKind::Refund,
            "payment_error" if rng.random_bool(0.3) => CaseKind::Refund,
            "card_retained" if rng.random_bool(0.4) => CaseKind::Exchange,
            _ => CaseKind::Failure,
        };
        let face_to_face = matches!(design.channel, Channel::InPerson)
            || (design.channel == Channel::Kiosk && unit.business == Business::Restaurant);
        let on_the_spot = face_to_face
            && matches!(source, CaseSource::Complaint | CaseSource::StaffReport)
            && rng.random_bool(0.65);
        let channel =
            if on_the_spot || matches!(source, CaseSource::Detected | CaseSource::StaffReport) {
                design.channel
            } else if source == CaseSource::Survey {
                Channel::Web
            } else if matches!(
                design.channel,
                Channel::Phone | Channel::Chat | Channel::Email | Channel::Web | Channel::App
            ) && rng.random_bool(0.7)
            {
                design.channel
            } else {
                *pick_weighted(
                    rng,
                    match unit.business {
                        Business::Restaurant => &[
                            (0.35, Channel::Phone),
                            (0.2, Channel::Web),
                            (0.25, Channel::App),
                            (0.1, Channel::Email),
                            (0.1, Channel::Chat),
                        ],
                        Business::Bank => &[
                            (0.45, Channel::Phone),
                            (0.2, Channel::App),
                            (0.15, Channel::Chat),
                            (0.1, Channel::Email),
                            (0.1, Channel::InPerson),
                        ],
                    },
                )
            };

        let mut agent = rng.random_range(0..unit.agents.len().max(1));
        if unit.agents.get(agent).map(|a| a.id) == f.employee && unit.agents.len() > 1 {
            // A complaint about someone goes to a colleague.
            agent = (agent + 1) % unit.agents.len();
        }
        let opened_by = match source {
            CaseSource::Complaint => unit.agents.get(agent).map(|a| a.id),
            CaseSource::StaffReport => f.employee.or(unit.agents.get(agent).map(|a| a.id)),
            _ => None,
        };

        let occurred = f.started;
        let detected = if on_the_spot {
            if source == CaseSource::StaffReport {
                let into = rng.random_range(0.2..0.9) * (f.ended - f.started) as f64;
                occurred + (into as i64).max(30 * MICROS_PER_SECOND)
            } else {
                f.ended + rng.random_range(0..5 * MINUTE)
            }
        } else {
            match source {
                CaseSource::Detected => {
                    f.ended + (lognormal_mean(rng, 15.0, 1.0).min(360.0) * MINUTE as f64) as i64
                }
                CaseSource::StaffReport => f.ended + rng.random_range(MINUTE..90 * MINUTE),
                CaseSource::Survey => {
                    let later = f.ended + rng.random_range(DAY..3 * DAY);
                    waking(rng, later, unit.tz)
                }
                CaseSource::Complaint => {
                    let delay = lognormal_mean(rng, 6.0, 1.3).min(120.0);
                    let at = waking(rng, f.ended + (delay * HOUR as f64) as i64, unit.tz);
                    if matches!(channel, Channel::Phone | Channel::InPerson) {
                        // Someone must pick up the phone or be at the counter.
                        business_after(unit, at, rng.random_range(0.0..30.0))
                    } else {
                        at
                    }
                }
            }
        };
        if detected >= self.now {
            return None; // Nobody knows of it yet.
        }

        let sev = Severity::parse("severity", i64::from(severity)).expect("1 to 4");
        let speed = match derive_priority(sev, tier) {
            Priority::Urgent => 0.35,
            Priority::High => 0.6,
            Priority::Normal => 1.0,
            Priority::Low => 1.3,
        };
        let bill = f.revenue;
        let generosity = self.generosity[tp.unit].get(agent).copied().unwrap_or(1.0)
            * match tier {
                Tier::Gold => 1.2,
                Tier::Vip => 1.5,
                _ => 1.0,
            };
        let actions = compensation(rng, unit, issue, kind, severity, bill, generosity);
        let money: i64 = actions.iter().filter_map(|a| a.1).sum();
        let remade = actions
            .iter()
            .any(|a| matches!(a.0, RecoveryKind::Redo | RecoveryKind::Exchange));

        // Serious cases and complaints about staff get the manager's own apology.
        let apologiser = if severity <= 2 || issue.code == "staff_attitude" {
            By::Manager
        } else {
            By::Agent
        };
        // A critical case does not wait for opening time: the manager on call takes it.
        let on_call = severity == 1;
        let biz = |from: i64, minutes: f64| {
            if on_call {
                from + (minutes * MINUTE as f64) as i64
            } else {
                business_after(unit, from, minutes)
            }
        };
        let mut line = Timeline::new(detected);
        let late_acknowledgement;
        if on_the_spot {
            let ack = line.add(
                detected + rng.random_range(30..240) * MICROS_PER_SECOND,
                By::Agent,
                What::Acknowledge,
            );
            late_acknowledgement = false;
            let said = line.add(
                ack + rng.random_range(30..300) * MICROS_PER_SECOND,
                apologiser,
                What::Respond { again: false },
            );
            line.add(said, apologiser, apology());
            for (kind, amount) in &actions {
                let at = line.last + rng.random_range(MINUTE..10 * MINUTE);
                let approved = needs_approval(unit, *amount).then(|| {
                    (
                        at + rng.random_range(2 * MINUTE..15 * MINUTE),
                        rng.random_range(0..APPROVAL_REASONS.len()) as u8,
                    )
                });
                line.add(at, By::Agent, action(*kind, *amount, approved));
            }
            let minutes = rng.random_range(5.0..30.0) * (1.0 + 0.3 * f64::from(4 - severity));
            line.add(
                line.last + (minutes * MINUTE as f64) as i64,
                By::Agent,
                What::Resolve {
                    no_reply: false,
                    again: false,
                },
            );
        } else {
            let mut ack_minutes = lognormal_mean(rng, 22.0 * speed, 1.0);
            if rng.random_bool(0.05) {
                ack_minutes *= 8.0; // A day when the queue was not watched.
            }
            late_acknowledgement = ack_minutes > 60.0;
            let ack = line.add(biz(detected, ack_minutes), By::Agent, What::Acknowledge);
            let mut respond_minutes = lognormal_mean(rng, 35.0 * speed, 1.0);
            if rng.random_bool(0.03) {
                respond_minutes *= 8.0;
            }
            let responded = line.add(
                biz(ack, respond_minutes),
                apologiser,
                What::Respond { again: false },
            );
            line.add(responded, apologiser, apology());
            let wait_chance = if issue.remedy == Remedy::Refund {
                0.45
            } else {
                0.25
            };
            let mut no_reply = false;
            if customer.is_some() && rng.random_bool(wait_chance) {
                let reason = rng.random_range(0..WAIT_REASONS.len()) as u8;
                let asked = line.add(
                    responded + rng.random_range(MINUTE..20 * MINUTE),
                    By::Agent,
                    What::Wait(reason),
                );
                if rng.random_bool(0.06) {
                    // The customer never answers; the case goes on as offered after three days.
                    no_reply = true;
                    line.last = biz(asked + 3 * DAY, 30.0);
                } else {
                    let hours = lognormal_mean(rng, 16.0, 1.0).min(240.0);
                    let back = waking(rng, asked + (hours * HOUR as f64) as i64, unit.tz);
                    line.add(back, By::Agent, What::Replied(reason));
                }
            }
            for (kind, amount) in &actions {
                let at = biz(line.last, lognormal_mean(rng, 60.0 * speed, 1.0));
                let approved = needs_approval(unit, *amount).then(|| {
                    (
                        biz(at, lognormal_mean(rng, 90.0, 1.0)),
                        rng.random_range(0..APPROVAL_REASONS.len()) as u8,
                    )
                });
                line.add(at, By::Agent, action(*kind, *amount, approved));
            }
            let mut resolve_minutes = lognormal_mean(
                rng,
                150.0 * speed * (1.0 + 0.4 * f64::from(4 - severity)),
                1.0,
            );
            if rng.random_bool(0.05) {
                resolve_minutes *= 6.0;
            }
            line.add(
                biz(line.last, resolve_minutes),
                By::Agent,
                What::Resolve {
                    no_reply,
                    again: false,
                },
            );
        }
        let resolved = line.last;

        // The follow-up: how the customer rates the recovery.
        let hours = (resolved - detected) as f64 / HOUR as f64;
        let fast = match hours {
            h if h < 2.0 => 1.1,
            h if h < 24.0 => 0.6,
            h if h < 72.0 => -0.3,
            _ => -0.9,
        };
        let expected = expected_compensation(unit.business, severity);
        let generous = (money as f64 / expected + if remade { 0.4 } else { 0.0 }).min(2.0);
        let latent = 2.9 + fast + 0.55 * generous
            - 0.3 * f64::from(4 - severity)
            - if late_acknowledgement { 0.4 } else { 0.0 }
            + if on_the_spot { 0.2 } else { 0.0 }
            + normal(rng, 0.0, 0.7);
        let answered = rng.random_bool(if customer.is_some() { 0.88 } else { 0.35 });
        let satisfaction = answered.then(|| latent.round().clamp(1.0, 5.0) as u8);
        follow_up_and_close(
            rng,
            unit,
            issue,
            severity,
            customer.is_some(),
            satisfaction,
            &mut line,
        );

        // The case as it stands at the end of the year.
        let now = self.now;
        let mut steps = line.steps;
        if let Some(cut) = steps.iter().position(|s| s.complete_at() >= now) {
            steps.truncate(cut);
        }
        // Plans wait in memory until the year is done: a million of them at the largest scale.
        steps.shrink_to_fit();
        let variant = rng.random::<u32>();
        Some(CasePlan {
            encounter: f.encounter,
            touchpoint: f.touchpoint,
            customer: f.customer,
            issue: f.issue,
            kind,
            source,
            channel,
            severity,
            agent: agent as u16,
            opened_by,
            on_the_spot,
            occurred,
            detected,
            variant,
            steps,
        })
    }

    /// The plans in order of detection, with a few of the newest held back in earlier stages
    /// where the end of the year left a stage empty (a small demo still shows every queue).
    pub fn finish(self) -> Planned {
        let mut plans = self.plans;
        plans.sort_by_key(|p| p.detected);
        let n = plans.len();
        let recent = self.now - 30 * DAY;
        let mut pinned = vec![false; n];
        for (stage, minimum) in [
            (Stage::PreRecovery, (n / 400).max(2)),
            (Stage::Immediate, (n / 200).max(3)),
            (Stage::FollowUp, (n / 200).max(3)),
        ] {
            let mut have = plans.iter().filter(|p| p.stage() == stage).count();
            for i in (0..n).rev() {
                if have >= minimum || plans[i].detected < recent {
                    break;
                }
                let p = &mut plans[i];
                if pinned[i] || p.stage() == stage {
                    continue;
                }
                let first_resolve = p
                    .steps
                    .iter()
                    .position(|s| matches!(s.what, What::Resolve { .. }));
                let keep = match (stage, first_resolve) {
                    (Stage::PreRecovery, _) => Some(0),
                    (Stage::Immediate, Some(r)) => Some(r),
                    (Stage::FollowUp, Some(r)) => Some(r + 1),
                    _ => None,
                };
                if let Some(keep) = keep
                    && keep < p.steps.len()
                    && stage_after(&p.steps[..keep]) == stage
                {
                    p.steps.truncate(keep);
                    pinned[i] = true;
                    have += 1;
                }
            }
        }
        Planned {
            world: self.world,
            plans,
            krw: Currency::parse("currency", "KRW").expect("KRW is a currency"),
        }
    }
}

pub(crate) struct Planned {
    world: World,
    pub plans: Vec<CasePlan>,
    krw: Currency,
}

impl Planned {
    pub fn world_units(&self) -> &[CaseUnit] {
        &self.world.units
    }

    /// Writes the plans out as scripts for the store.
    pub fn scripts(&self, plans: &[CasePlan]) -> Vec<CaseScript> {
        plans.iter().map(|p| self.script(p)).collect()
    }

    fn script(&self, p: &CasePlan) -> CaseScript {
        let tp = &self.world.touchpoints[p.touchpoint as usize];
        let unit = &self.world.units[tp.unit];
        let issue = &ISSUES[p.issue as usize];
        let customer = p.customer.map(|i| &self.world.customers[i as usize]);
        let locale = customer.map_or(Locale::Ko, |c| c.locale);
        let name = customer.map(|c| c.name.as_str());
        let agent = unit.agents.get(p.agent as usize).unwrap_or(&unit.manager);
        let variant = p.variant as usize;
        let said = match locale {
            Locale::Ko => issue.said_ko,
            Locale::En => issue.said_en,
        };
        let request = match p.kind {
            CaseKind::Refund => "[환불 요청] ",
            CaseKind::Exchange => "[교환 요청] ",
            CaseKind::Repair => "[수리 요청] ",
            CaseKind::Failure => "",
        };
        let description = match p.source {
            CaseSource::Complaint => format!(
                "{request}{said}\n— {} 접수, {}",
                channel_ko(p.channel),
                tp.design.ko
            ),
            CaseSource::StaffReport => {
                format!("{request}[직원 보고] {}: {}", tp.design.ko, issue.note_ko)
            }
            CaseSource::Detected => {
                format!("{request}[자동 감지] {}: {}", tp.design.ko, issue.note_ko)
            }
            CaseSource::Survey => format!("{request}[설문 응답] 만족도 1점. “{said}”"),
        };
        let case = NewCase {
            kind: p.kind,
            source: p.source,
            channel: p.channel,
            unit_id: Some(unit.id),
            touchpoint_id: Some(tp.id),
            customer_id: customer.map(|c| c.id),
            encounter_id: Some(p.encounter),
            category: issue.category.to_owned(),
            severity: Severity::parse("severity", i64::from(p.severity)).expect("1 to 4"),
            assignee_id: Some(agent.id),
            description,
            occurred_at: Timestamp::from_micros(p.occurred),
            detected_at: Timestamp::from_micros(p.detected),
        };
        let found_first = matches!(p.source, CaseSource::Detected | CaseSource::StaffReport);
        let steps = p
            .steps
            .iter()
            .map(|s| {
                let actor = match s.by {
                    By::Agent => agent,
                    By::Manager => &unit.manager,
                };
                let action = match s.what {
                    What::Acknowledge => ScriptAction::Command(CaseCommand::Acknowledge {
                        note: (!p.on_the_spot && variant.is_multiple_of(4))
                            .then(|| "담당자 배정, 고객께 연락 예정".to_owned()),
                    }),
                    What::Respond { again: false } => {
                        let body = if customer.is_none() && !p.on_the_spot {
                            "연락처가 없어 현장 안내문과 홈페이지 공지로 사과와 처리 방법을 알림"
                                .to_owned()
                        } else {
                            let reply = first_reply(
                                issue,
                                &crate::case_texts::Addressee {
                                    name,
                                    locale,
                                    unit_ko: unit.ko,
                                    unit_en: unit.en,
                                    agent: &actor.name,
                                },
                                found_first,
                                variant,
                            );
                            if p.on_the_spot {
                                format!("(현장에서 직접 말씀드림) {reply}")
                            } else {
                                reply
                            }
                        };
                        ScriptAction::Command(CaseCommand::Respond { body })
                    }
                    What::Respond { again: true } => ScriptAction::Command(CaseCommand::Respond {
                        body: reopen_reply(name, locale, &actor.name),
                    }),
                    What::Wait(r) => ScriptAction::Command(CaseCommand::WaitForCustomer {
                        note: Some(WAIT_REASONS[r as usize].0.to_owned()),
                    }),
                    What::Replied(r) => {
                        let (_, ko, en) = WAIT_REASONS[r as usize];
                        let body = match locale {
                            Locale::Ko => ko,
                            Locale::En => en,
                        };
                        ScriptAction::Command(CaseCommand::CustomerReplied {
                            body: Some(body.to_owned()),
                        })
                    }
                    What::Action {
                        kind,
                        amount,
                        extra,
                        approved,
                    } => ScriptAction::Recovery {
                        kind,
                        amount: amount.map(|a| Money {
                            amount_minor: a,
                            currency: self.krw,
                        }),
                        note: action_note(kind, amount, extra, issue, unit.business, p.channel),
                        approval: approved.map(|(at, reason)| {
                            (
                                unit.manager.id,
                                Timestamp::from_micros(at),
                                APPROVAL_REASONS[reason as usize].to_owned(),
                            )
                        }),
                    },
                    What::Resolve { no_reply, again } => {
                        ScriptAction::Command(CaseCommand::Resolve {
                            summary: if again {
                                "재확인 후 추가 조치를 마침. 고객께서 결과를 확인하심".to_owned()
                            } else if no_reply {
                                format!("고객 회신이 없어 안내드린 대로 처리함: {}", issue.fix_ko)
                            } else {
                                format!("{}. 고객께서 조치에 동의하심", issue.fix_ko)
                            },
                        })
                    }
                    What::FollowUp(satisfaction) => {
                        ScriptAction::Command(CaseCommand::CompleteFollowUp {
                            satisfaction,
                            note: Some(follow_up_note(satisfaction, variant).to_owned()),
                        })
                    }
                    What::Close(cause) => ScriptAction::Command(CaseCommand::Close {
                        root_cause: cause.to_owned(),
                        note: close_note(cause).to_owned(),
                    }),
                    What::Reopen(r) => ScriptAction::Command(CaseCommand::Reopen {
                        reason: REOPEN_REASONS[r as usize].to_owned(),
                    }),
                };
                ScriptStep {
                    at: Timestamp::from_micros(s.at),
                    actor: Some(actor.id),
                    action,
                }
            })
            .collect();
        CaseScript {
            case,
            opened_by: p.opened_by,
            steps,
        }
    }
}

/// The follow-up three days after resolution, extra compensation for a customer still
/// unhappy, closing with a root cause, and now and then a reopen that runs the recovery again.
fn follow_up_and_close<R: Rng>(
    rng: &mut R,
    unit: &CaseUnit,
    issue: &Issue,
    severity: u8,
    known: bool,
    satisfaction: Option<u8>,
    line: &mut Timeline,
) {
    let biz = |from: i64, minutes: f64| business_after(unit, from, minutes);
    // The manager on call follows up a critical case on the day, weekend or not.
    let on_call = severity == 1;
    let follow_up = |rng: &mut R, line: &mut Timeline, satisfaction: Option<u8>| {
        let due = line.last + FOLLOW_UP_DAYS * DAY;
        let mut minutes = lognormal_mean(rng, 150.0, 1.1);
        if rng.random_bool(0.04) {
            minutes *= 15.0; // Forgotten for a while: the follow-up target is missed.
        }
        let at = if on_call {
            waking(rng, due + (minutes * MINUTE as f64) as i64, unit.tz)
        } else {
            biz(due, minutes)
        };
        line.add(at, By::Agent, What::FollowUp(satisfaction));
        let unhappy = satisfaction.is_some_and(|s| s <= 2);
        if unhappy && known && rng.random_bool(0.45) {
            let amount = round_to(
                expected_compensation(unit.business, severity) * rng.random_range(0.5..1.0),
                1_000,
            )
            .min(unit.manager_limit);
            let at = line.last + rng.random_range(5 * MINUTE..60 * MINUTE);
            let approved = needs_approval(unit, Some(amount)).then(|| {
                (
                    biz(at, lognormal_mean(rng, 60.0, 1.0)),
                    rng.random_range(0..APPROVAL_REASONS.len()) as u8,
                )
            });
            line.add(
                at,
                By::Agent,
                What::Action {
                    kind: RecoveryKind::Voucher,
                    amount: Some(amount),
                    extra: true,
                    approved,
                },
            );
        }
        let cause = if rng.random_bool(0.03) {
            "cause.unknown"
        } else {
            *pick_weighted(rng, issue.causes)
        };
        line.add(
            biz(line.last, lognormal_mean(rng, 90.0, 1.0)),
            By::Agent,
            What::Close(cause),
        );
    };
    follow_up(rng, line, satisfaction);

    let unhappy = satisfaction.is_some_and(|s| s <= 2);
    let reopen = if unhappy { 0.12 } else { 0.012 };
    if known && rng.random_bool(reopen) {
        let reason = if unhappy {
            rng.random_range(2..4)
        } else {
            rng.random_range(0..2)
        };
        let at = biz(line.last, lognormal_mean(rng, 900.0, 1.0));
        line.add(at, By::Agent, What::Reopen(reason));
        let again = line.add(
            biz(at, lognormal_mean(rng, 40.0, 1.0)),
            By::Agent,
            What::Respond { again: true },
        );
        let amount = round_to(
            expected_compensation(unit.business, severity) * rng.random_range(0.5..1.2),
            1_000,
        )
        .min(unit.manager_limit);
        let kind = if issue.remedy == Remedy::Refund {
            RecoveryKind::Refund
        } else {
            RecoveryKind::Voucher
        };
        let approved = needs_approval(unit, Some(amount)).then(|| {
            (
                biz(again, lognormal_mean(rng, 60.0, 1.0)),
                rng.random_range(0..APPROVAL_REASONS.len()) as u8,
            )
        });
        line.add(
            biz(again, 10.0),
            By::Agent,
            What::Action {
                kind,
                amount: Some(amount),
                extra: false,
                approved,
            },
        );
        line.add(
            biz(line.last, lognormal_mean(rng, 200.0, 1.0)),
            By::Agent,
            What::Resolve {
                no_reply: false,
                again: true,
            },
        );
        // A second recovery done properly wins some back.
        let second = satisfaction.map(|s| (s + rng.random_range(0..3)).clamp(1, 5));
        follow_up(rng, line, second);
    }
}

fn apology() -> What {
    action(RecoveryKind::Apology, None, None)
}

fn action(kind: RecoveryKind, amount: Option<i64>, approved: Option<(i64, u8)>) -> What {
    What::Action {
        kind,
        amount,
        extra: false,
        approved,
    }
}

fn needs_approval(unit: &CaseUnit, amount: Option<i64>) -> bool {
    amount.is_some_and(|a| a > unit.agent_limit)
}

/// `minutes` of the unit's open time after `from`: staff act in business hours.
fn business_after(unit: &CaseUnit, from: i64, minutes: f64) -> i64 {
    let micros = (minutes.max(0.0) * MINUTE as f64) as i64;
    add_business_micros(
        &unit.calendar,
        unit.tz,
        Timestamp::from_micros(from),
        micros,
    )
    .map_or(from + micros, Timestamp::micros)
}

/// Customers write between seven in the morning and eleven at night.
fn waking<R: Rng>(rng: &mut R, at: i64, tz: Tz) -> i64 {
    let local = Timestamp::from_micros(at).to_datetime().with_timezone(&tz);
    let hour = local.hour();
    if (7..23).contains(&hour) {
        return at;
    }
    let date = if hour >= 23 {
        local.date_naive().succ_opt().unwrap_or(local.date_naive())
    } else {
        local.date_naive()
    };
    let seven = date
        .and_hms_opt(7, 0, 0)
        .and_then(|t| tz.from_local_datetime(&t).earliest())
        .map_or(at, |t| t.timestamp_micros());
    seven + rng.random_range(0..150) * MINUTE
}

fn issue_of(attributes: &str) -> Option<usize> {
    let value: serde_json::Value = serde_json::from_str(attributes).ok()?;
    issue_index(value.get("issue")?.as_str()?)
}

/// What a case of this severity usually costs in compensation (won): the scale against which
/// the customer judges how generous the recovery was.
fn expected_compensation(business: Business, severity: u8) -> f64 {
    let by_severity = match business {
        Business::Restaurant => [100_000.0, 40_000.0, 12_000.0, 5_000.0],
        Business::Bank => [150_000.0, 35_000.0, 8_000.0, 3_000.0],
    };
    by_severity[usize::from(severity.clamp(1, 4) - 1)]
}

fn round_to(amount: f64, step: i64) -> i64 {
    ((amount / step as f64).round() as i64 * step).max(step)
}

/// The recovery actions beyond the apology, with their amounts in won: what the failure
/// needs put right, then compensation growing with severity and the bill, shaped by the
/// agent's generosity and the customer's tier, never above the manager's limit.
fn compensation<R: Rng>(
    rng: &mut R,
    unit: &CaseUnit,
    issue: &Issue,
    kind: CaseKind,
    severity: u8,
    bill: Option<i64>,
    generosity: f64,
) -> Vec<(RecoveryKind, Option<i64>)> {
    let mut out = Vec::new();
    let cap = |a: i64| a.min(unit.manager_limit);
    let s = usize::from(severity - 1);
    match unit.business {
        Business::Restaurant => {
            let bill = bill.unwrap_or(35_000).clamp(8_000, 400_000) as f64;
            let goodwill = |rng: &mut R, out: &mut Vec<(RecoveryKind, Option<i64>)>| {
                let g = generosity;
                match severity {
                    4 => out.push((
                        RecoveryKind::Gift,
                        Some(round_to(rng.random_range(3_000.0..6_000.0) * g, 1_000)),
                    )),
                    3 if rng.random_bool(0.5) => out.push((
                        RecoveryKind::Discount,
                        Some(round_to(
                            (bill * rng.random_range(0.1..0.2)).max(5_000.0) * g,
                            1_000,
                        )),
                    )),
                    3 => out.push((RecoveryKind::Voucher, Some(round_to(10_000.0 * g, 1_000)))),
                    2 => out.push((
                        RecoveryKind::Voucher,
                        Some(cap(round_to(
                            rng.random_range(30_000.0..50_000.0) * g,
                            1_000,
                        ))),
                    )),
                    _ => {
                        out.push((RecoveryKind::Refund, Some(cap(round_to(bill, 100)))));
                        out.push((
                            RecoveryKind::Voucher,
                            Some(cap(round_to(
                                rng.random_range(50_000.0..100_000.0) * g,
                                1_000,
                            ))),
                        ));
                    }
                }
            };
            if kind == CaseKind::Refund {
                let share = if issue.code == "missing_item" {
                    rng.random_range(0.25..0.5)
                } else {
                    1.0
                };
                out.push((RecoveryKind::Refund, Some(cap(round_to(bill * share, 100)))));
                return out;
            }
            match issue.remedy {
                Remedy::Remake | Remedy::Exchange => {
                    out.push((RecoveryKind::Redo, None));
                    if rng.random_bool([1.0, 0.9, 0.6, 0.35][s]) {
                        if severity == 2 {
                            out.push((
                                RecoveryKind::Refund,
                                Some(cap(round_to(bill * rng.random_range(0.5..1.0), 100))),
                            ));
                        } else {
                            goodwill(rng, &mut out);
                        }
                    }
                }
                Remedy::Refund => {
                    let amount = match issue.code {
                        "coupon_not_applied" => round_to(rng.random_range(2_000.0..5_000.0), 500),
                        "payment_error" => round_to(bill, 100),
                        "late_delivery" => *pick_weighted(rng, &[(0.6, 3_000), (0.4, 4_000)]),
                        _ => round_to(bill * rng.random_range(0.08..0.3), 100).max(2_000),
                    };
                    out.push((RecoveryKind::Refund, Some(cap(amount))));
                    if rng.random_bool([1.0, 0.8, 0.35, 0.1][s]) {
                        goodwill(rng, &mut out);
                    }
                }
                Remedy::Goodwill | Remedy::Correct | Remedy::Explain => {
                    match issue.remedy {
                        Remedy::Correct => out.push((RecoveryKind::Redo, None)),
                        Remedy::Explain => out.push((RecoveryKind::Explanation, None)),
                        _ => {}
                    }
                    if rng.random_bool([1.0, 0.95, 0.75, 0.45][s]) {
                        goodwill(rng, &mut out);
                    }
                }
            }
        }
        Business::Bank => {
            let goodwill = |rng: &mut R, out: &mut Vec<(RecoveryKind, Option<i64>)>| {
                let g = generosity;
                let (kind, amount) = match severity {
                    4 => (RecoveryKind::Gift, 5_000.0 * g),
                    3 => (RecoveryKind::Gift, 10_000.0 * g),
                    2 => (
                        RecoveryKind::Voucher,
                        rng.random_range(30_000.0..50_000.0) * g,
                    ),
                    _ => (
                        RecoveryKind::Voucher,
                        rng.random_range(100_000.0..300_000.0) * g,
                    ),
                };
                out.push((kind, Some(cap(round_to(amount, 1_000)))));
            };
            let chance = match issue.remedy {
                Remedy::Refund => {
                    let fee = bill.unwrap_or(*pick_weighted(
                        rng,
                        &[(0.4, 500), (0.4, 1_000), (0.2, 2_000)],
                    ));
                    out.push((RecoveryKind::Refund, Some(fee)));
                    [1.0, 0.85, 0.4, 0.1]
                }
                Remedy::Correct => {
                    out.push((RecoveryKind::Redo, None));
                    [1.0, 0.7, 0.25, 0.05]
                }
                Remedy::Explain => {
                    out.push((RecoveryKind::Explanation, None));
                    [1.0, 0.6, 0.2, 0.05]
                }
                Remedy::Exchange => {
                    out.push((RecoveryKind::Exchange, None));
                    [1.0, 0.7, 0.3, 0.1]
                }
                Remedy::Goodwill | Remedy::Remake => [1.0, 0.85, 0.5, 0.3],
            };
            if rng.random_bool(chance[s]) {
                goodwill(rng, &mut out);
            }
        }
    }
    out
}

fn won(amount: i64) -> String {
    let digits = amount.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{}{out}원", if amount < 0 { "-" } else { "" })
}

fn channel_ko(channel: Channel) -> &'static str {
    match channel {
        Channel::InPerson => "현장",
        Channel::Phone => "전화",
        Channel::Chat => "채팅",
        Channel::Email => "이메일",
        Channel::Web => "웹",
        Channel::App => "앱",
        Channel::Kiosk => "키오스크",
        Channel::Reservation => "예약",
    }
}

fn action_note(
    kind: RecoveryKind,
    amount: Option<i64>,
    extra: bool,
    issue: &Issue,
    business: Business,
    channel: Channel,
) -> String {
    let money = amount.map(won).unwrap_or_default();
    let note = match kind {
        RecoveryKind::Apology => match channel {
            Channel::InPerson | Channel::Kiosk => "현장에서 직접 사과드림".to_owned(),
            Channel::Phone => "전화로 사과드림".to_owned(),
            _ => "답변으로 사과드림".to_owned(),
        },
        RecoveryKind::Explanation => "경위와 앞으로의 처리 방법을 설명드림".to_owned(),
        RecoveryKind::Redo | RecoveryKind::Exchange | RecoveryKind::Repair => {
            issue.fix_ko.to_owned()
        }
        RecoveryKind::Refund if issue.remedy == Remedy::Refund => {
            format!("{} ({money} 환불)", issue.fix_ko)
        }
        RecoveryKind::Refund => format!("결제 금액 중 {money} 환불"),
        RecoveryKind::Discount => format!("계산 금액에서 {money} 할인"),
        RecoveryKind::Voucher => match business {
            Business::Restaurant => format!("식사권 {money} 발송"),
            Business::Bank => format!("모바일 상품권 {money} 발송"),
        },
        RecoveryKind::Gift => match business {
            Business::Restaurant => format!("디저트와 음료를 서비스로 드림 ({money} 상당)"),
            Business::Bank => format!("커피 쿠폰 발송 ({money} 상당)"),
        },
    };
    if extra {
        format!("사후 추가 보상: {note}")
    } else {
        note
    }
}

fn invalid(errors: Vec<FieldError>) -> StoreError {
    StoreError::Invalid(errors)
}

/// The recovery set-up the cases are handled under: authority counted per action, SLA
/// policies tighter for critical cases and valued customers and on calendar hours for the
/// bank's phone line, compensation guidelines and service guarantees.
pub(crate) async fn configure(store: &dyn Store, units: &[CaseUnit]) -> Result<(), StoreError> {
    let change = Change::system();
    // The demo's limits (30,000 won for a restaurant server) are what staff may give for one
    // failure; counted per month they would send nearly every compensation to a manager.
    store
        .set_authority_period(&change, AuthorityPeriod::PerAction)
        .await?;
    let targets = |basis, ack, first, resolve, follow_up| PolicyTargets {
        basis,
        acknowledge_minutes: Some(ack),
        first_response_minutes: Some(first),
        resolve_minutes: Some(resolve),
        follow_up_minutes: Some(follow_up),
        follow_up_after_days: FOLLOW_UP_DAYS,
        warn_share: 0.75,
    };
    let bank_centre = units
        .iter()
        .find(|u| u.business == Business::Bank && u.centre);
    let mut policies = vec![
        NewSlaPolicy {
            name: "긴급 (심각도 1) / Critical (severity 1)".to_owned(),
            position: 10,
            unit_id: None,
            severities: vec![1],
            tiers: vec![],
            channels: vec![],
            targets: targets(ClockBasis::Calendar, 30, 60, 480, 1_440),
            active: true,
        },
        NewSlaPolicy {
            name: "VIP·골드 고객 / VIP and gold customers".to_owned(),
            position: 20,
            unit_id: None,
            severities: vec![],
            tiers: vec![Tier::Gold, Tier::Vip],
            channels: vec![],
            targets: targets(ClockBasis::BusinessHours, 30, 120, 960, 1_440),
            active: true,
        },
    ];
    if let Some(centre) = bank_centre {
        policies.push(NewSlaPolicy {
            name: "은행 전화 상담 (달력 시간) / Bank phone line (calendar hours)".to_owned(),
            position: 30,
            unit_id: Some(centre.id),
            severities: vec![],
            tiers: vec![],
            channels: vec![Channel::Phone],
            targets: targets(ClockBasis::Calendar, 240, 600, 4_320, 4_320),
            active: true,
        });
    }
    for p in &policies {
        store.create_sla_policy(&change, p).await?;
    }

    let krw = Currency::parse("currency", "KRW").map_err(|e| invalid(vec![e]))?;
    let guidelines: &[(&str, u8, Option<Tier>, i64, i64)] = &[
        ("outcome.wrong_item", 4, None, 0, 6_000),
        ("outcome.wrong_item", 3, None, 5_000, 20_000),
        ("outcome.wrong_item", 3, Some(Tier::Vip), 10_000, 30_000),
        ("outcome.wrong_item", 2, None, 20_000, 80_000),
        ("outcome.poor_quality", 4, None, 0, 6_000),
        ("outcome.poor_quality", 3, None, 5_000, 20_000),
        ("outcome.poor_quality", 2, None, 20_000, 80_000),
        ("process.slow_service", 4, None, 0, 6_000),
        ("process.slow_service", 3, None, 5_000, 15_000),
        ("process.slow_service", 2, None, 20_000, 50_000),
        ("process.long_wait", 4, None, 0, 6_000),
        ("process.long_wait", 3, None, 0, 15_000),
        ("process.long_wait", 2, None, 20_000, 50_000),
        ("process.staff_attitude", 4, None, 0, 6_000),
        ("process.staff_attitude", 3, None, 5_000, 15_000),
        ("process.staff_attitude", 2, None, 20_000, 50_000),
        ("process.staff_attitude", 1, None, 50_000, 150_000),
        ("outcome.billing_error", 3, None, 500, 20_000),
        ("outcome.billing_error", 2, None, 10_000, 80_000),
    ];
    for &(category, severity, tier, min, max) in guidelines {
        let g = NewGuideline {
            category: category.to_owned(),
            severity: Severity::parse("severity", i64::from(severity))
                .map_err(|e| invalid(vec![e]))?,
            tier,
            currency: krw,
            min_minor: min,
            max_minor: max,
            note: "데모 보상 기준 / demo guideline".to_owned(),
        };
        store.create_guideline(&change, &g).await?;
    }

    let restaurant_branches = units
        .iter()
        .filter(|u| u.business == Business::Restaurant && !u.centre);
    for unit in restaurant_branches {
        let g = NewGuarantee {
            name: LocalizedName::parse("name", "30분 서빙 보장", "30-minute serving guarantee")
                .map_err(invalid)?,
            terms: GuaranteeTerms {
                ko: "주문하신 식사가 30분 안에 나오지 않으면 10,000원 식사권을 드립니다. \
                     단체 예약과 코스 요리는 제외합니다."
                    .to_owned(),
                en: "If your meal is not served within 30 minutes of ordering, we give you a \
                     10,000 won meal voucher. Group bookings and set courses are excluded."
                    .to_owned(),
            },
            payout_kind: PayoutKind::Voucher,
            payout: Some(Money {
                amount_minor: 10_000,
                currency: krw,
            }),
            unit_id: Some(unit.id),
            active: true,
        };
        store.create_guarantee(&change, &g).await?;
    }
    if let Some(centre) = bank_centre {
        let g = NewGuarantee {
            name: LocalizedName::parse("name", "이체 오류 당일 해결 보장", "Same-day transfer fix")
                .map_err(invalid)?,
            terms: GuaranteeTerms {
                ko: "앱이나 인터넷 뱅킹의 이체 오류를 신고하신 날 안에 바로잡지 못하면 \
                     수수료를 돌려드리고 5,000원 상품권을 드립니다."
                    .to_owned(),
                en: "If a transfer error in the app or internet banking is not put right on \
                     the day you report it, we refund the fee and give you a 5,000 won voucher."
                    .to_owned(),
            },
            payout_kind: PayoutKind::Voucher,
            payout: Some(Money {
                amount_minor: 5_000,
                currency: krw,
            }),
            unit_id: Some(centre.id),
            active: true,
        };
        store.create_guarantee(&change, &g).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn won_amounts_are_written_with_thousands_separators() {
        assert_eq!(won(500), "500원");
        assert_eq!(won(12_000), "12,000원");
        assert_eq!(won(1_234_567), "1,234,567원");
    }

    #[test]
    fn customers_write_only_in_waking_hours() {
        let mut rng = rand::SeedableRng::seed_from_u64(1);
        let tz = chrono_tz::Asia::Seoul;
        // 02:30 in Seoul moves to the morning of the same day.
        let night = Timestamp::parse("t", "2026-05-04T02:30:00+09:00").unwrap();
        let moved = waking::<Xoshiro256PlusPlus>(&mut rng, night.micros(), tz);
        let local = Timestamp::from_micros(moved)
            .to_datetime()
            .with_timezone(&tz);
        assert!((7..10).contains(&local.hour()), "{local}");
        let noon = Timestamp::parse("t", "2026-05-04T12:00:00+09:00").unwrap();
        assert_eq!(waking(&mut rng, noon.micros(), tz), noon.micros());
    }

    #[test]
    fn the_stage_follows_the_steps_taken() {
        let step = |what| Step {
            at: 0,
            by: By::Agent,
            what,
        };
        assert_eq!(stage_after(&[]), Stage::PreRecovery);
        let steps = [
            step(What::Acknowledge),
            step(What::Respond { again: false }),
            step(What::Resolve {
                no_reply: false,
                again: false,
            }),
            step(What::FollowUp(Some(4))),
            step(What::Close("cause.staffing")),
        ];
        assert_eq!(stage_after(&steps[..2]), Stage::Immediate);
        assert_eq!(stage_after(&steps[..3]), Stage::FollowUp);
        assert_eq!(stage_after(&steps), Stage::Closed);
    }
}
