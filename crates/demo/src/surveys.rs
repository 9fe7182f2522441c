//! A year of survey answers drawn from the encounters.
//!
//! Who answers what: about 8% of encounters get a CSAT answer, 2% an NPS answer, 1% of those at
//! self-service and phone touchpoints an effort answer, and about 3,000 customers per business
//! (at scale 1) fill in the long SERVQUAL questionnaire a day or two after a visit. Answers
//! follow what happened: lower after a failed encounter and after a wait long for the
//! touchpoint, higher at low-contact touchpoints that went fine. SERVQUAL perceptions fall
//! short of expectations, most in responsiveness and empathy at high-contact touchpoints, and
//! customers give reliability the largest share of their importance points. A few answers carry
//! a short comment in the customer's language.
//!
//! The answers are planned in the encounter thread, one day's encounters at a time, and
//! written once the encounters are stored (`write`). Only then does the CSAT instrument get its
//! recovery rule, so that the demo's history opens no cases by itself; last come about 200
//! invitations still waiting for an answer.

use std::collections::{BTreeMap, HashMap};

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, RngExt};
use rapport_domain::Timestamp;
use rapport_domain::contact::Channel;
use rapport_domain::customer::{Locale, Tier};
use rapport_domain::encounter::{NewEncounter, Outcome};
use rapport_domain::survey::{Answers, RecoveryRule, ResponseSource};
use rapport_domain::time::MICROS_PER_SECOND;
use rapport_store::{Change, NewInstrument, NewInvitation, NewResponse, Store, StoreError};
use uuid::Uuid;

use crate::model::{Business, TouchpointDesign};
use crate::sample::{lognormal_mean, normal};

const MINUTE: i64 = 60 * MICROS_PER_SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Share of encounters answered with each short instrument.
const CSAT_SHARE: f64 = 0.08;
const NPS_SHARE: f64 = 0.02;
/// Of the encounters at self-service and phone touchpoints only.
const EFFORT_SHARE: f64 = 0.01;
/// SERVQUAL responses per business at scale 1, and at least this many at any scale.
const SERVQUAL_PER_BUSINESS: f64 = 3_000.0;
const SERVQUAL_MIN: f64 = 50.0;
/// Share of answers with a comment.
const COMMENT_SHARE: f64 = 0.12;
/// Invitations sent after the last days' encounters and not answered yet.
const OPEN_INVITATIONS: usize = 200;
const INVITATION_DAYS: i64 = 14;
/// Responses per store call.
const RESPONSE_CHUNK: usize = 50_000;

/// The demo's low-score rule on CSAT: a 1 or a 2 opens a case for the staff's manner.
pub const CSAT_RULE_CATEGORY: &str = "process.staff_attitude";

/// The built-in instruments, in the order written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Which {
    Servqual,
    Csat,
    Nps,
    Effort,
}

impl Which {
    const ALL: [Which; 4] = [Which::Servqual, Which::Csat, Which::Nps, Which::Effort];

    fn code(self) -> &'static str {
        match self {
            Which::Servqual => "servqual",
            Which::Csat => "csat",
            Which::Nps => "nps",
            Which::Effort => "effort",
        }
    }
}

enum Answer {
    Single(u8),
    Servqual(Box<ServqualAnswer>),
}

struct ServqualAnswer {
    /// In the instrument's item order (`e01`..`e22`, `p01`..`p22`); 0 where skipped.
    values: [u8; 44],
    /// Points per dimension, adding up to 100.
    importance: [u8; 5],
}

/// One response, decided but not yet written.
struct SurveyPlan {
    which: Which,
    encounter: Uuid,
    touchpoint: Uuid,
    customer: Option<Uuid>,
    locale: Locale,
    at: i64,
    answer: Answer,
    comment: Option<&'static str>,
}

/// An encounter of the last days that may still get an invitation.
struct Candidate {
    encounter: Uuid,
    touchpoint: Uuid,
    customer: Uuid,
    locale: Locale,
    ended: i64,
}

/// A touchpoint as the surveys see it.
pub(crate) struct SurveyTouchpoint {
    pub id: Uuid,
    pub business: Business,
    pub design: &'static TouchpointDesign,
}

/// Draws the survey answers while the encounters are generated.
pub(crate) struct SurveyPlanner {
    touchpoints: HashMap<Uuid, (Business, &'static TouchpointDesign)>,
    customers: HashMap<Uuid, (Locale, Tier)>,
    /// Chance that an encounter of each business (restaurant, bank) leads to a SERVQUAL answer.
    servqual_odds: [f64; 2],
    /// Dimension of each of the 22 SERVQUAL pairs.
    pair_dimension: [usize; 22],
    end: i64,
    rng: Xoshiro256PlusPlus,
    plans: Vec<SurveyPlan>,
    candidates: Vec<Candidate>,
}

fn business_index(b: Business) -> usize {
    match b {
        Business::Restaurant => 0,
        Business::Bank => 1,
    }
}

/// Touchpoints where customers serve themselves or call: the effort score is asked there.
fn effort_touchpoint(channel: Channel) -> bool {
    matches!(
        channel,
        Channel::Kiosk | Channel::App | Channel::Web | Channel::Reservation | Channel::Phone
    )
}

/// The waiting time the simulation expects at a touchpoint (see `simulate`), to tell a long
/// wait from a usual one.
fn usual_wait_seconds(design: &TouchpointDesign) -> f64 {
    (20.0 + 600.0 * design.intensity().powf(1.5)) * design.wait_factor
}

impl SurveyPlanner {
    /// `volume` is the expected number of encounters per business over the year (restaurant,
    /// bank); `scale` sizes the SERVQUAL samples.
    pub fn new(
        touchpoints: &[SurveyTouchpoint],
        customers: HashMap<Uuid, (Locale, Tier)>,
        volume: [f64; 2],
        scale: f64,
        end: Timestamp,
        rng: Xoshiro256PlusPlus,
    ) -> Self {
        let target = (SERVQUAL_PER_BUSINESS * scale).max(SERVQUAL_MIN);
        let def = rapport_domain::survey_builtin::servqual();
        let dims = def.item_dimensions();
        Self {
            touchpoints: touchpoints
                .iter()
                .map(|t| (t.id, (t.business, t.design)))
                .collect(),
            customers,
            servqual_odds: volume.map(|v| if v > 0.0 { (target / v).min(0.5) } else { 0.0 }),
            pair_dimension: std::array::from_fn(|q| dims[q]),
            end: end.micros(),
            rng,
            plans: Vec::new(),
            candidates: Vec::new(),
        }
    }

    /// Looks at a day's encounters (in the order generated) for the ones that get answered.
    pub fn consider(&mut self, encounters: &[NewEncounter]) {
        for e in encounters {
            let Some(&(business, design)) = self.touchpoints.get(&e.touchpoint_id) else {
                continue;
            };
            // One draw decides which survey, if any, follows the encounter.
            let u: f64 = self.rng.random();
            let effort = if effort_touchpoint(design.channel) {
                EFFORT_SHARE
            } else {
                0.0
            };
            let servqual = self.servqual_odds[business_index(business)];
            let which = if u < CSAT_SHARE {
                Which::Csat
            } else if u < CSAT_SHARE + NPS_SHARE {
                Which::Nps
            } else if u < CSAT_SHARE + NPS_SHARE + effort {
                Which::Effort
            } else if u < CSAT_SHARE + NPS_SHARE + effort + servqual {
                Which::Servqual
            } else {
                let ended = e.ended_at.micros();
                if let Some(customer) = e.customer_id
                    && ended >= self.end - 3 * DAY
                    && ended < self.end - 15 * MINUTE
                {
                    let locale = self.locale_of(Some(customer));
                    self.candidates.push(Candidate {
                        encounter: e.id,
                        touchpoint: e.touchpoint_id,
                        customer,
                        locale,
                        ended,
                    });
                }
                continue;
            };
            if let Some(plan) = self.plan(which, e, business, design) {
                self.plans.push(plan);
            }
        }
    }

    fn locale_of(&mut self, customer: Option<Uuid>) -> Locale {
        match customer.and_then(|c| self.customers.get(&c)) {
            Some((locale, _)) => *locale,
            // Walk-in customers answer the Korean form, now and then a visitor the English.
            None if self.rng.random_bool(0.06) => Locale::En,
            None => Locale::Ko,
        }
    }

    fn plan(
        &mut self,
        which: Which,
        e: &NewEncounter,
        business: Business,
        design: &'static TouchpointDesign,
    ) -> Option<SurveyPlan> {
        let locale = self.locale_of(e.customer_id);
        let tier = e
            .customer_id
            .and_then(|c| self.customers.get(&c))
            .map(|(_, t)| *t);
        let rng = &mut self.rng;
        let failed = e.outcome == Outcome::Failed;
        // 0 for a usual wait, about 0.7 for one twice the usual, 1.6 for five times.
        let long_wait = (1.0 + e.waiting_seconds as f64 / usual_wait_seconds(design)).ln() - 0.4;
        let long_wait = long_wait.max(0.0);
        let low_contact = design.intensity() < 0.35;
        let (delay, answer) = match which {
            Which::Csat => {
                let mut x = if failed { 2.1 } else { 4.3 };
                x -= 0.8 * long_wait;
                if !failed && low_contact {
                    x += 0.35;
                }
                let score = (x + normal(rng, 0.0, 0.7)).round().clamp(1.0, 5.0) as u8;
                (lognormal_mean(rng, 45.0 * MINUTE as f64, 1.0), score)
            }
            Which::Nps => {
                let mut x = if failed { 4.5 } else { 8.2 };
                x -= 1.2 * long_wait;
                if matches!(tier, Some(Tier::Gold | Tier::Vip)) {
                    x += 0.4;
                }
                let score = (x + normal(rng, 0.0, 1.5)).round().clamp(0.0, 10.0) as u8;
                (lognormal_mean(rng, 20.0 * HOUR as f64, 0.8), score)
            }
            Which::Effort => {
                // CES 2.0: agreement that the request was easy to get dealt with.
                let mut x = if failed { 3.0 } else { 5.7 };
                x -= 0.9 * long_wait;
                let score = (x + normal(rng, 0.0, 0.9)).round().clamp(1.0, 7.0) as u8;
                (lognormal_mean(rng, 15.0 * MINUTE as f64, 1.0), score)
            }
            Which::Servqual => {
                let answer = servqual_answer(rng, &self.pair_dimension, design, failed);
                let delay = lognormal_mean(rng, 36.0 * HOUR as f64, 0.6);
                let at = e.ended_at.micros() + delay as i64;
                if at >= self.end {
                    return None;
                }
                let mean_gap = (0..22)
                    .filter(|&q| answer.values[q] > 0 && answer.values[22 + q] > 0)
                    .map(|q| f64::from(answer.values[22 + q]) - f64::from(answer.values[q]))
                    .sum::<f64>()
                    / 22.0;
                let band = if mean_gap <= -1.2 {
                    Band::Low
                } else if mean_gap >= -0.2 {
                    Band::High
                } else {
                    Band::Middle
                };
                let comment = rng
                    .random_bool(COMMENT_SHARE)
                    .then(|| comment(rng, band, business, design, failed, long_wait > 0.5, locale));
                return Some(SurveyPlan {
                    which,
                    encounter: e.id,
                    touchpoint: e.touchpoint_id,
                    customer: e.customer_id,
                    locale,
                    at,
                    answer: Answer::Servqual(Box::new(answer)),
                    comment,
                });
            }
        };
        let at = e.ended_at.micros() + delay as i64;
        if at >= self.end {
            // Not answered yet when the year ends.
            return None;
        }
        let band = match (which, answer) {
            (Which::Csat, 1..=2) | (Which::Nps, 0..=6) | (Which::Effort, 1..=3) => Band::Low,
            (Which::Csat, 3) | (Which::Nps, 7..=8) | (Which::Effort, 4..=5) => Band::Middle,
            _ => Band::High,
        };
        // Unhappy customers say why more often than happy ones explain their praise.
        let odds = if band == Band::Low {
            2.0 * COMMENT_SHARE
        } else {
            COMMENT_SHARE
        };
        let comment = rng
            .random_bool(odds)
            .then(|| comment(rng, band, business, design, failed, long_wait > 0.5, locale));
        Some(SurveyPlan {
            which,
            encounter: e.id,
            touchpoint: e.touchpoint_id,
            customer: e.customer_id,
            locale,
            at,
            answer: Answer::Single(answer),
            comment,
        })
    }

    pub fn finish(self) -> PlannedSurveys {
        let mut candidates = self.candidates;
        candidates.sort_by_key(|c| c.ended);
        // Every n-th one, so the invitations spread over the last days.
        let n = candidates.len();
        let picked: Vec<Candidate> = if n <= OPEN_INVITATIONS {
            candidates
        } else {
            let mut taken = vec![false; n];
            for k in 0..OPEN_INVITATIONS {
                taken[k * n / OPEN_INVITATIONS] = true;
            }
            candidates
                .into_iter()
                .zip(taken)
                .filter_map(|(c, t)| t.then_some(c))
                .collect()
        };
        PlannedSurveys {
            plans: self.plans,
            invitations: picked,
            end: self.end,
            rng: self.rng,
        }
    }
}

/// How a SERVQUAL respondent answers after an encounter at `design`.
///
/// Expectations are high (mostly 5–7) and move with the respondent's own standard;
/// perceptions move with their overall impression and a factor per dimension, so the items of
/// one dimension hang together. Perceptions fall short most in reliability after a failure,
/// and in responsiveness and empathy the more, the higher the touchpoint's contact.
fn servqual_answer<R: Rng + ?Sized>(
    rng: &mut R,
    pair_dimension: &[usize; 22],
    design: &TouchpointDesign,
    failed: bool,
) -> ServqualAnswer {
    // tangibles, reliability, responsiveness, assurance, empathy
    const GAP: [f64; 5] = [-0.15, -0.45, -0.35, -0.25, -0.3];
    const CONTACT_GAP: [f64; 5] = [0.0, -0.1, -1.0, -0.2, -0.9];
    const FAILURE_GAP: [f64; 5] = [-0.2, -1.3, -0.8, -0.5, -0.5];
    const IMPORTANCE: [f64; 5] = [13.0, 32.0, 22.0, 18.0, 15.0];
    let contact = design.intensity();
    let standard = normal(rng, 0.0, 0.5);
    let impression = normal(rng, 0.0, 0.8);
    let e_factor: [f64; 5] = std::array::from_fn(|_| normal(rng, 0.0, 0.3));
    let p_factor: [f64; 5] = std::array::from_fn(|_| normal(rng, 0.0, 0.5));
    let point = |x: f64| x.round().clamp(1.0, 7.0) as u8;
    let mut values = [0_u8; 44];
    for q in 0..22 {
        let d = pair_dimension[q];
        let e = 6.0 + standard + e_factor[d] + normal(rng, 0.0, 0.5);
        let mut p = 5.9 + GAP[d] + CONTACT_GAP[d] * contact + impression + p_factor[d];
        if failed {
            p += FAILURE_GAP[d];
        }
        p += normal(rng, 0.0, 0.55);
        // A few items are left blank, now and then only the perception half.
        let skip = rng.random_bool(0.01);
        values[q] = if skip { 0 } else { point(e) };
        values[22 + q] = if skip || rng.random_bool(0.005) {
            0
        } else {
            point(p)
        };
    }
    let weights: [f64; 5] = std::array::from_fn(|d| IMPORTANCE[d] * lognormal_mean(rng, 1.0, 0.35));
    let total: f64 = weights.iter().sum();
    // People allocate in fives more often than not.
    let step = if rng.random_bool(0.6) { 5.0 } else { 1.0 };
    let mut importance: [i32; 5] =
        std::array::from_fn(|d| ((100.0 * weights[d] / total / step).round() * step) as i32);
    let top = (0..5)
        .max_by_key(|&d| importance[d])
        .expect("five dimensions");
    importance[top] += 100 - importance.iter().sum::<i32>();
    ServqualAnswer {
        values,
        importance: importance.map(|p| p.clamp(0, 100) as u8),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Band {
    Low,
    Middle,
    High,
}

/// (Korean, English) comments, written for the demo.
type Said = (&'static str, &'static str);

const PRAISE: &[Said] = &[
    ("직원분이 친절했어요", "The staff were lovely"),
    (
        "설명을 차근차근 해 주셔서 감사합니다",
        "Thank you for explaining everything so patiently",
    ),
    ("빠르고 깔끔했어요", "Quick and tidy"),
    ("다음에도 또 이용할게요", "I will definitely be back"),
    ("기대 이상이었습니다", "Better than I expected"),
];
const PRAISE_RESTAURANT: &[Said] = &[
    ("음식이 정말 맛있었어요", "The food was delicious"),
    (
        "분위기가 좋아서 편하게 식사했어요",
        "Nice atmosphere, a relaxed meal",
    ),
];
const PRAISE_BANK: &[Said] = &[
    (
        "상담을 꼼꼼하게 해 주셨어요",
        "A very thorough consultation",
    ),
    ("업무가 금방 끝났어요", "All done in no time"),
];
const PRAISE_SELF_SERVICE: &[Said] = &[
    ("혼자서도 쉽게 할 수 있었어요", "Easy to do on my own"),
    ("앱이 편리해요", "The app is really convenient"),
];
const SO_SO: &[Said] = &[
    ("무난했어요", "It was fine"),
    (
        "조금만 더 빨랐으면 좋겠어요",
        "Could have been a little quicker",
    ),
    ("보통이었습니다", "Nothing special"),
    ("나쁘지 않았어요", "Not bad"),
];
const COMPLAINT: &[Said] = &[
    ("직원 응대가 아쉬웠습니다", "The staff did not seem to care"),
    (
        "문제가 아직 해결되지 않았어요",
        "My problem is still not sorted",
    ),
    (
        "다시는 이런 일이 없었으면 합니다",
        "I hope this never happens again",
    ),
];
const COMPLAINT_RESTAURANT: &[Said] = &[
    ("주문한 메뉴가 잘못 나왔어요", "My order came out wrong"),
    ("음식이 식어서 나왔어요", "The food arrived cold"),
];
const COMPLAINT_BANK: &[Said] = &[
    (
        "안내받은 내용이 창구마다 달랐어요",
        "Every desk told me something different",
    ),
    (
        "업무 처리가 너무 오래 걸렸어요",
        "The paperwork took far too long",
    ),
];
const COMPLAINT_SELF_SERVICE: &[Said] = &[
    (
        "오류가 나서 처음부터 다시 했어요",
        "It crashed and I had to start over",
    ),
    ("화면이 너무 복잡해요", "The screens are far too confusing"),
];
const WAITED_IN_PERSON: Said = (
    "대기 시간이 너무 길었어요",
    "Waited too long at the counter",
);
const WAITED_ON_THE_LINE: Said = (
    "연결되기까지 너무 오래 기다렸어요",
    "I was on hold far too long",
);
const WAITED_ONLINE: Said = (
    "답변을 받기까지 너무 오래 걸렸어요",
    "It took ages to get an answer",
);

fn comment<R: Rng + ?Sized>(
    rng: &mut R,
    band: Band,
    business: Business,
    design: &TouchpointDesign,
    failed: bool,
    waited: bool,
    locale: Locale,
) -> &'static str {
    let self_service = !design.staffed;
    let said: Said = match band {
        Band::Low if waited && !self_service && (!failed || rng.random_bool(0.5)) => {
            match design.channel {
                Channel::InPerson => WAITED_IN_PERSON,
                Channel::Phone => WAITED_ON_THE_LINE,
                _ => WAITED_ONLINE,
            }
        }
        Band::Low => {
            let specific = match (self_service, business) {
                (true, _) => COMPLAINT_SELF_SERVICE,
                (false, Business::Restaurant) => COMPLAINT_RESTAURANT,
                (false, Business::Bank) => COMPLAINT_BANK,
            };
            if failed && rng.random_bool(0.6) {
                specific[rng.random_range(0..specific.len())]
            } else {
                COMPLAINT[rng.random_range(0..COMPLAINT.len())]
            }
        }
        Band::Middle => SO_SO[rng.random_range(0..SO_SO.len())],
        Band::High => {
            let specific = match (self_service, business) {
                (true, _) => PRAISE_SELF_SERVICE,
                (false, Business::Restaurant) => PRAISE_RESTAURANT,
                (false, Business::Bank) => PRAISE_BANK,
            };
            if rng.random_bool(0.5) {
                specific[rng.random_range(0..specific.len())]
            } else {
                PRAISE[rng.random_range(0..PRAISE.len())]
            }
        }
    };
    match locale {
        Locale::Ko => said.0,
        Locale::En => said.1,
    }
}

/// The answers of the year, ready to write.
pub(crate) struct PlannedSurveys {
    plans: Vec<SurveyPlan>,
    invitations: Vec<Candidate>,
    end: i64,
    rng: Xoshiro256PlusPlus,
}

fn new_response(p: &SurveyPlan) -> NewResponse {
    let (values, importance) = match &p.answer {
        Answer::Single(v) => (vec![Some(i32::from(*v))], None),
        Answer::Servqual(a) => (
            a.values
                .iter()
                .map(|&v| (v > 0).then_some(i32::from(v)))
                .collect(),
            Some(a.importance.iter().map(|&x| i32::from(x)).collect()),
        ),
    };
    NewResponse {
        unit_id: None,
        touchpoint_id: Some(p.touchpoint),
        customer_id: p.customer,
        encounter_id: Some(p.encounter),
        case_id: None,
        locale: Some(p.locale),
        // The long questionnaire comes back through a research panel's export.
        source: if p.which == Which::Servqual {
            ResponseSource::Import
        } else {
            ResponseSource::Api
        },
        external_id: None,
        submitted_at: Timestamp::from_micros(p.at),
        answers: Answers { values, importance },
        comment: p.comment.map(str::to_owned),
    }
}

/// Writes the responses (with their statistics), then the CSAT recovery rule, then the open
/// invitations. Returns the number of responses written.
pub(crate) async fn write(
    store: &dyn Store,
    planned: PlannedSurveys,
    progress: &(dyn Fn(&str, u64, u64) + Send + Sync),
) -> Result<usize, StoreError> {
    let PlannedSurveys {
        mut plans,
        invitations,
        end,
        mut rng,
    } = planned;
    // Per instrument, in time order.
    plans.sort_by_key(|p| (p.which, p.at));
    let total = plans.len() as u64;
    progress(crate::PHASE_SURVEYS, 0, total);
    let mut instruments = BTreeMap::new();
    for which in Which::ALL {
        instruments.insert(which, store.find_instrument(which.code()).await?);
    }
    let mut written = 0_usize;
    for which in Which::ALL {
        let start = plans.partition_point(|p| p.which < which);
        let stop = plans.partition_point(|p| p.which <= which);
        for chunk in plans[start..stop].chunks(RESPONSE_CHUNK) {
            let items: Vec<NewResponse> = chunk.iter().map(new_response).collect();
            written += store
                .insert_responses(
                    &Change::system(),
                    None,
                    &instruments[&which],
                    &items,
                    "items",
                )
                .await?
                .len();
            progress(crate::PHASE_SURVEYS, written as u64, total);
        }
    }

    // From now on a CSAT answer of 1 or 2 opens a case; the history above opened none.
    let csat = &instruments[&Which::Csat];
    store
        .update_instrument(
            &Change::system(),
            csat.id,
            csat.version,
            &NewInstrument {
                code: csat.code.clone(),
                name: csat.name.clone(),
                definition: csat.definition.clone(),
                recovery_rule: Some(RecoveryRule {
                    score_threshold: Some(2),
                    gap_threshold: None,
                    category: CSAT_RULE_CATEGORY.to_owned(),
                    severity: 3,
                }),
                active: csat.active,
            },
        )
        .await?;

    // Invitations go out once a day, by text message, after the last of the visits they ask
    // about; most of them ask for a CSAT answer.
    /// An invitation to send: whom, which instrument, the hash of its (never shown) token.
    type Outgoing<'a> = (&'a Candidate, Which, [u8; 32]);
    let mut by_day: BTreeMap<i64, Vec<Outgoing>> = BTreeMap::new();
    for c in &invitations {
        let which = if rng.random_bool(0.8) {
            Which::Csat
        } else {
            Which::Nps
        };
        by_day
            .entry(c.ended / DAY)
            .or_default()
            .push((c, which, rng.random()));
    }
    for group in by_day.into_values() {
        let last = group.iter().map(|(c, _, _)| c.ended).max().unwrap_or(end);
        let sent = (last + 10 * MINUTE).min(end - MINUTE);
        let expires_at = Timestamp::from_micros(sent + INVITATION_DAYS * DAY);
        let items: Vec<NewInvitation> = group
            .into_iter()
            .map(|(c, which, token_hash)| NewInvitation {
                instrument_id: instruments[&which].id,
                unit_id: None,
                touchpoint_id: Some(c.touchpoint),
                customer_id: Some(c.customer),
                encounter_id: Some(c.encounter),
                case_id: None,
                locale: Some(c.locale),
                expires_at,
                token_hash: token_hash.to_vec(),
            })
            .collect();
        let change = Change {
            actor: None,
            at: Timestamp::from_micros(sent),
        };
        store
            .create_invitations(&change, None, &items, "invitations")
            .await?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use rapport_domain::contact::{ContactLevel, LevelThresholds, Touchpoint};
    use rapport_domain::customer::Customer;
    use rapport_domain::encounter::Encounter;
    use rapport_domain::survey::InvitationStatus;
    use rapport_domain::survey_stats::{StatsLayout, SurveyStats};
    use rapport_store::testing::{Backend, TestDb};
    use rapport_store::{
        CaseFilter, CustomerFilter, EncounterFilter, Grain, InvitationFilter, PageRequest,
        ResponseFilter, StatsQuery, SurveyResponse, TouchpointFilter,
    };

    use super::*;
    use crate::{DemoOptions, generate};

    fn options(scale: f64, seed: u64) -> DemoOptions {
        DemoOptions {
            scale,
            seed,
            year_end: Timestamp::parse("year_end", "2026-11-20T00:00:00Z").unwrap(),
        }
    }

    fn quiet(_: &str, _: u64, _: u64) {}

    /// Reads every page of a listing.
    macro_rules! all {
        ($page:ident => $list:expr) => {{
            let mut out = Vec::new();
            let mut $page = PageRequest::first(1000);
            loop {
                let p = $list.await.unwrap();
                out.extend(p.items);
                match p.next_cursor {
                    Some(c) => $page = PageRequest::parse(Some(&c), Some(1000)).unwrap(),
                    None => break out,
                }
            }
        }};
    }

    async fn responses_of(store: &dyn Store, instrument: Uuid) -> Vec<SurveyResponse> {
        let filter = ResponseFilter {
            instrument: Some(instrument),
            ..ResponseFilter::default()
        };
        all!(page => store.list_responses(&filter, &page))
    }

    fn mean(values: &[f64]) -> f64 {
        values.iter().sum::<f64>() / values.len() as f64
    }

    rapport_store::both_backends!(
        a_small_demo_answers_every_builtin_survey_as_its_encounters_went,
        |db: TestDb| async move {
            let store = db.store.as_ref();
            let opts = options(0.01, 17);
            let summary = generate(store, &opts, &quiet).await.unwrap();
            let encounters: HashMap<Uuid, Encounter> =
                all!(page => store.list_encounters(&EncounterFilter::default(), &page))
                    .into_iter()
                    .map(|e: Encounter| (e.id, e))
                    .collect();
            let touchpoints: HashMap<Uuid, Touchpoint> =
                all!(page => store.list_touchpoints(&TouchpointFilter::default(), &page))
                    .into_iter()
                    .map(|t: Touchpoint| (t.id, t))
                    .collect();
            let customers: HashMap<Uuid, Customer> =
                all!(page => store.list_customers(&CustomerFilter::default(), &page))
                    .into_iter()
                    .map(|c: Customer| (c.id, c))
                    .collect();
            let mut responses = BTreeMap::new();
            for code in ["servqual", "csat", "nps", "effort"] {
                let instrument = store.find_instrument(code).await.unwrap();
                let found = responses_of(store, instrument.id).await;
                assert!(!found.is_empty(), "no {code} responses");
                responses.insert(code, (instrument, found));
            }
            let total: usize = responses.values().map(|(_, r)| r.len()).sum();
            assert_eq!(total, summary.surveys);

            // Every answer follows its encounter, at its touchpoint, from its customer, in the
            // customer's language, before the year ends.
            let mut languages = BTreeMap::new();
            for (code, (_, found)) in &responses {
                for r in found {
                    let e = &encounters[&r.encounter_id.expect("tied to its encounter")];
                    assert_eq!(r.touchpoint_id, Some(e.touchpoint_id), "{code}");
                    assert_eq!(r.customer_id, e.customer_id, "{code}");
                    assert!(r.submitted_at > e.ended_at && r.submitted_at < opts.year_end);
                    if let Some(c) = r.customer_id {
                        assert_eq!(r.locale, Some(customers[&c].locale), "{code}");
                        assert_eq!(r.tier, customers[&c].tier.as_str());
                    }
                    if let Some(comment) = &r.comment {
                        let korean = comment.chars().any(|ch| ('가'..='힣').contains(&ch));
                        assert_eq!(korean, r.locale == Some(Locale::Ko), "{comment}");
                        *languages.entry(korean).or_insert(0) += 1;
                    }
                }
            }
            assert!(
                languages.len() == 2,
                "comments in both languages: {languages:?}"
            );

            // About 8% of encounters get a CSAT answer, 2% an NPS answer; effort is asked
            // only where customers serve themselves or call.
            let share = |code: &str| responses[code].1.len() as f64 / encounters.len() as f64;
            assert!((0.06..0.09).contains(&share("csat")), "{}", share("csat"));
            assert!((0.012..0.028).contains(&share("nps")), "{}", share("nps"));
            for r in &responses["effort"].1 {
                let channel = touchpoints[&r.touchpoint_id.unwrap()].channel;
                assert!(
                    matches!(
                        channel,
                        Channel::Kiosk
                            | Channel::App
                            | Channel::Web
                            | Channel::Reservation
                            | Channel::Phone
                    ),
                    "{channel:?}"
                );
            }
            let servqual = &responses["servqual"].1;
            assert!((60..=140).contains(&servqual.len()), "{}", servqual.len());

            // CSAT is clearly lower after a failed encounter.
            let (mut failed, mut fine) = (Vec::new(), Vec::new());
            for r in &responses["csat"].1 {
                let score = r.answers["csat"].expect("answered") as f64;
                assert!((1.0..=5.0).contains(&score));
                let e = &encounters[&r.encounter_id.unwrap()];
                if e.outcome == Outcome::Failed {
                    failed.push(score);
                } else {
                    fine.push(score);
                }
            }
            assert!(
                failed.len() >= 5 && fine.len() > 100,
                "{} {}",
                failed.len(),
                fine.len()
            );
            assert!(
                mean(&failed) + 1.0 < mean(&fine),
                "failed {:.2} vs fine {:.2}",
                mean(&failed),
                mean(&fine)
            );

            // SERVQUAL, from the raw answers: perceptions fall short of expectations on
            // average; at high-contact touchpoints most in responsiveness and empathy; and
            // reliability gets the most importance points.
            let def = &responses["servqual"].0.definition;
            let thresholds = LevelThresholds::default();
            let mut gaps: BTreeMap<(bool, String), Vec<f64>> = BTreeMap::new();
            let mut all_gaps = Vec::new();
            let mut points: BTreeMap<String, Vec<f64>> = BTreeMap::new();
            for r in servqual {
                let level =
                    thresholds.level(touchpoints[&r.touchpoint_id.unwrap()].designed_intensity);
                for q in 1..=22 {
                    let (e, p) = (
                        &r.answers[&format!("e{q:02}")],
                        &r.answers[&format!("p{q:02}")],
                    );
                    if let (Some(e), Some(p)) = (e, p) {
                        let item = def
                            .items
                            .iter()
                            .find(|i| i.code == format!("p{q:02}"))
                            .unwrap();
                        let gap = (p - e) as f64;
                        all_gaps.push(gap);
                        gaps.entry((level == ContactLevel::High, item.dimension.clone()))
                            .or_default()
                            .push(gap);
                    }
                }
                let importance = r.importance.as_ref().expect("points allocated");
                assert_eq!(importance.values().sum::<i64>(), 100);
                for (d, p) in importance {
                    points.entry(d.clone()).or_default().push(*p as f64);
                }
            }
            assert!(mean(&all_gaps) < -0.2, "mean gap {:.2}", mean(&all_gaps));
            let high: Vec<(f64, &str)> = gaps
                .iter()
                .filter(|((h, _), _)| *h)
                .map(|((_, d), g)| (mean(g), d.as_str()))
                .collect();
            assert_eq!(high.len(), 5, "{gaps:?}");
            let mut worst = high.clone();
            worst.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut two: Vec<&str> = worst[..2].iter().map(|(_, d)| *d).collect();
            two.sort();
            assert_eq!(two, ["empathy", "responsiveness"], "{worst:?}");
            let favourite = points
                .iter()
                .max_by(|a, b| mean(a.1).total_cmp(&mean(b.1)))
                .unwrap()
                .0;
            assert_eq!(favourite, "reliability", "{points:?}");

            // The statistics the reports read hold every CSAT response.
            let (csat, csat_responses) = &responses["csat"];
            let rows = store
                .survey_stats(&StatsQuery {
                    instrument_id: csat.id,
                    ranges: vec![(Grain::Month, 0, 100_000)],
                    units: None,
                    touchpoints: None,
                    tiers: None,
                })
                .await
                .unwrap();
            let layout = StatsLayout::new(&csat.definition);
            let counted: i64 = rows
                .iter()
                .map(|row| {
                    SurveyStats::from_bytes(&layout, &row.data)
                        .unwrap()
                        .respondents()
                })
                .sum();
            assert_eq!(counted, csat_responses.len() as i64);

            // The CSAT rule is in place, yet the history opened no case by itself.
            let csat = store.find_instrument("csat").await.unwrap();
            let rule = csat.recovery_rule.as_ref().expect("a recovery rule");
            assert_eq!((rule.score_threshold, rule.severity), (Some(2), 3));
            assert_eq!(rule.category, CSAT_RULE_CATEGORY);
            let cases = all!(page => store.list_cases(&CaseFilter::default(), &page));
            assert_eq!(cases.len(), summary.cases);
            for (_, found) in responses.values() {
                assert!(found.iter().all(|r| r.recovery_case_id.is_none()));
            }

            // Invitations of the last days wait for an answer for 14 days.
            let invitations =
                all!(page => store.list_invitations(&InvitationFilter::default(), &page));
            assert!(!invitations.is_empty() && invitations.len() <= OPEN_INVITATIONS);
            for i in &invitations {
                let i: &rapport_store::Invitation = i;
                assert!(i.responded_at.is_none() && i.response_id.is_none());
                assert_ne!(i.status, InvitationStatus::Answered);
                assert_eq!(
                    i.expires_at.micros() - i.created_at.micros(),
                    INVITATION_DAYS * DAY
                );
                assert!(
                    i.created_at <= opts.year_end
                        && i.created_at.micros() > opts.year_end.micros() - 4 * DAY
                );
                let e = &encounters[&i.encounter_id.unwrap()];
                assert!(i.created_at > e.ended_at);
                assert_eq!(i.customer_id, e.customer_id);
            }
        }
    );

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_same_seed_gives_the_same_answers() {
        async fn answers(seed: u64) -> Vec<(i64, String, Option<String>)> {
            let db = TestDb::new(Backend::Sqlite).await.unwrap();
            let store = db.store.as_ref();
            generate(store, &options(0.003, seed), &quiet)
                .await
                .unwrap();
            let mut out = Vec::new();
            for code in ["servqual", "csat"] {
                let instrument = store.find_instrument(code).await.unwrap();
                out.extend(
                    responses_of(store, instrument.id)
                        .await
                        .into_iter()
                        .map(|r| {
                            (
                                r.submitted_at.micros(),
                                format!("{:?} {:?} {:?}", r.encounter_id, r.answers, r.importance),
                                r.comment,
                            )
                        }),
                );
            }
            out.sort();
            out
        }
        let a = answers(3).await;
        assert!(!a.is_empty());
        assert_eq!(a, answers(3).await);
        assert_ne!(a, answers(4).await);
    }
}
