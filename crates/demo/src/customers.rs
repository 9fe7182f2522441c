//! Customers: who they are (names, contact data, tier, preferences, important dates) and how
//! they behave (how often they come, which business and which branch they belong to).

use rand::{Rng, RngExt};
use rapport_domain::customer::{CustomerInput, DateKind, ImportantDate, Locale, Tier};

use crate::model::Business;
use crate::names::NameSampler;
use crate::sample::{lognormal_mean, normal, pick, pick_weighted};

/// A generated customer with the behaviour the encounter model needs.
pub(crate) struct CustomerPlan {
    pub input: CustomerInput,
    /// How often the customer comes, relative to others (heavy-tailed: a few come very often).
    pub activity: f64,
    /// Home branch (index into the business's branches) if a customer of the restaurants.
    pub restaurant_home: Option<usize>,
    pub bank_home: Option<usize>,
}

impl CustomerPlan {
    pub fn home(&self, business: Business) -> Option<usize> {
        match business {
            Business::Restaurant => self.restaurant_home,
            Business::Bank => self.bank_home,
        }
    }
}

const RESTAURANT_PREFERENCES: &[(&str, &str)] = &[
    ("창가 자리", "window seat"),
    ("조용한 자리", "quiet table"),
    ("룸 선호", "private room"),
    ("매운 음식 좋아함", "likes it spicy"),
    ("덜 맵게", "mild, please"),
    ("견과류 알레르기", "nut allergy"),
    ("갑각류 알레르기", "shellfish allergy"),
    ("채식", "vegetarian"),
    ("아이 의자 필요", "needs a high chair"),
    ("주차 필요", "needs parking"),
    ("고수 빼고", "no coriander"),
];

const BANK_PREFERENCES: &[(&str, &str)] = &[
    ("창구 상담 선호", "prefers the counter"),
    ("앱 알림 선호", "prefers app notifications"),
    ("전화보다 문자", "texts rather than calls"),
    ("오전 방문", "visits in the morning"),
    ("휠체어 이용", "uses a wheelchair"),
    ("큰 글씨 안내문", "large-print documents"),
    ("보이스피싱 주의 안내 필요", "needs fraud warnings"),
];

const NOTES_KO: &[&str] = &[
    "지난 방문 때 대기가 길어 불편을 겪으셨음. 오시면 먼저 인사드리기.",
    "가족 모임으로 자주 오심. 주말 저녁 예약이 많음.",
    "앱 사용을 어려워하셔서 창구 안내를 선호하심.",
    "개인사업자. 대출 만기와 금리 변동에 관심이 많음.",
    "생일 주간에 방문하시면 디저트를 드린 적이 있음.",
    "단골. 늘 같은 자리와 같은 메뉴를 찾으심.",
];

const NOTES_EN: &[&str] = &[
    "Moved here from Singapore; prefers to be contacted by e-mail.",
    "Regular; usually orders the same set menu.",
    "Had a long wait last time; please greet first.",
    "Visits with family on weekend evenings.",
];

const EMAIL_DOMAINS: &[&str] = &["example.com", "example.net", "example.org"];

/// Generates `n` customers. Phone numbers are unique (an affine permutation of the index).
pub(crate) fn plan<R: Rng>(
    rng: &mut R,
    names: &NameSampler,
    n: usize,
    restaurant_branches: &[f64],
    bank_branches: &[f64],
    this_year: i32,
) -> Vec<CustomerPlan> {
    let restaurant_home = crate::sample::Cumulative::new(restaurant_branches.to_vec());
    let bank_home = crate::sample::Cumulative::new(bank_branches.to_vec());
    let mut phones_taken = std::collections::HashSet::new();
    let mut plans: Vec<CustomerPlan> = (0..n)
        .map(|i| {
            let name = names.any(rng, 0.10);
            let activity = lognormal_mean(rng, 1.0, 1.1);
            let affinity = rng.random::<f64>();
            let (eats, banks) = match affinity {
                a if a < 0.35 => (true, false),
                a if a < 0.70 => (false, true),
                _ => (true, true),
            };
            let restaurant_home =
                (eats && !restaurant_home.is_empty()).then(|| restaurant_home.sample(rng));
            let bank_home = (banks && !bank_home.is_empty()).then(|| bank_home.sample(rng));
            let locale = if name.english { Locale::En } else { Locale::Ko };
            let email = rng
                .random_bool(0.45)
                .then(|| format!("{}{}@{}", name.email_local, i + 1, pick(rng, EMAIL_DOMAINS)));
            let phone = rng
                .random_bool(0.92)
                .then(|| phone_number(rng, &mut phones_taken));
            let mut preferences = Vec::new();
            let count = *pick_weighted(rng, &[(0.45, 0), (0.3, 1), (0.17, 2), (0.08, 3)]);
            for _ in 0..count {
                let pool = match (eats, banks) {
                    (true, false) => RESTAURANT_PREFERENCES,
                    (false, _) => BANK_PREFERENCES,
                    (true, true) if rng.random_bool(0.5) => RESTAURANT_PREFERENCES,
                    _ => BANK_PREFERENCES,
                };
                let (ko, en) = *pick(rng, pool);
                let tag = if name.english { en } else { ko };
                if !preferences.iter().any(|p: &String| p == tag) {
                    preferences.push(tag.to_owned());
                }
            }
            if name.english && rng.random_bool(0.5) {
                preferences.push("English-speaking staff".to_owned());
            }
            let notes = if rng.random_bool(0.06) {
                let pool = if name.english { NOTES_EN } else { NOTES_KO };
                (*pick(rng, pool)).to_owned()
            } else {
                String::new()
            };
            let important_dates = important_dates(rng, name.english, banks, this_year);
            CustomerPlan {
                input: CustomerInput {
                    version: None,
                    name: name.display,
                    email,
                    phone,
                    locale,
                    tier: Tier::Standard,
                    preferences,
                    notes,
                    important_dates,
                    marketing_consent: false,
                },
                activity,
                restaurant_home,
                bank_home,
            }
        })
        .collect();
    assign_tiers(rng, &mut plans);
    for p in &mut plans {
        let share = if p.input.tier >= Tier::Gold {
            0.55
        } else {
            0.38
        };
        p.input.marketing_consent = rng.random_bool(share);
    }
    plans
}

/// Tier follows how much a customer comes, with some noise: about 2 % VIP, 6 % gold,
/// 14 % silver.
fn assign_tiers<R: Rng>(rng: &mut R, plans: &mut [CustomerPlan]) {
    let mut scored: Vec<(f64, usize)> = plans
        .iter()
        .enumerate()
        .map(|(i, p)| (p.activity.ln() + normal(rng, 0.0, 0.5), i))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let n = plans.len() as f64;
    for (rank, (_, i)) in scored.into_iter().enumerate() {
        let q = rank as f64 / n;
        plans[i].input.tier = match q {
            q if q < 0.02 => Tier::Vip,
            q if q < 0.08 => Tier::Gold,
            q if q < 0.22 => Tier::Silver,
            _ => Tier::Standard,
        };
    }
}

/// A mobile number 010-2000-0000 … 010-9999-9999 no other customer has (80 million exist, so
/// redraws are rare).
fn phone_number<R: Rng>(rng: &mut R, taken: &mut std::collections::HashSet<u32>) -> String {
    loop {
        let n = rng.random_range(0..80_000_000_u32);
        if taken.insert(n) {
            return format!("010-{:04}-{:04}", 2000 + n / 10_000, n % 10_000);
        }
    }
}

fn important_dates<R: Rng>(
    rng: &mut R,
    english: bool,
    banks: bool,
    this_year: i32,
) -> Vec<ImportantDate> {
    let mut dates = Vec::new();
    let birth_year = (this_year - 20 - (normal(rng, 22.0, 12.0).abs() as i32)).max(1935);
    if rng.random_bool(0.7) {
        let year = rng.random_bool(0.55).then_some(birth_year);
        let (month, day) = day_of_year(rng, year);
        dates.push(ImportantDate {
            kind: DateKind::Birthday,
            label: None,
            month,
            day,
            year,
        });
    }
    if rng.random_bool(0.15) {
        let year = rng
            .random_bool(0.6)
            .then(|| rng.random_range((birth_year + 22).min(this_year)..=this_year));
        let (month, day) = day_of_year(rng, year);
        dates.push(ImportantDate {
            kind: DateKind::Anniversary,
            label: Some(
                if english {
                    "wedding anniversary"
                } else {
                    "결혼기념일"
                }
                .to_owned(),
            ),
            month,
            day,
            year,
        });
    }
    if banks && rng.random_bool(0.05) {
        let year = Some(rng.random_range((birth_year + 19).min(this_year)..=this_year));
        let (month, day) = day_of_year(rng, year);
        dates.push(ImportantDate {
            kind: DateKind::Other,
            label: Some(
                if english {
                    "first account opened"
                } else {
                    "첫 거래일"
                }
                .to_owned(),
            ),
            month,
            day,
            year,
        });
    }
    dates
}

/// A uniformly drawn calendar day that exists in `year` (any day of a leap year without one).
fn day_of_year<R: Rng>(rng: &mut R, year: Option<i32>) -> (u8, u8) {
    let y = year.unwrap_or(2024);
    let first = chrono::NaiveDate::from_ymd_opt(y, 1, 1).expect("valid year");
    let days = if chrono::NaiveDate::from_ymd_opt(y, 2, 29).is_some() {
        366
    } else {
        365
    };
    let d = first + chrono::Days::new(rng.random_range(0..days));
    (
        chrono::Datelike::month(&d) as u8,
        chrono::Datelike::day(&d) as u8,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn customers(n: usize) -> Vec<CustomerPlan> {
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(7);
        plan(&mut rng, &NameSampler::new(), n, &[1.0, 1.0], &[1.0], 2026)
    }

    #[test]
    fn every_generated_customer_passes_validation() {
        for c in customers(3000) {
            c.input
                .parse()
                .unwrap_or_else(|e| panic!("{}: {e:?}", c.input.name));
        }
    }

    #[test]
    fn phone_numbers_are_unique_mobile_numbers() {
        let plans = customers(5000);
        let mut phones: Vec<_> = plans.iter().filter_map(|c| c.input.phone.clone()).collect();
        assert!(
            phones
                .iter()
                .all(|p| p.starts_with("010-") && p.len() == 13)
        );
        let n = phones.len();
        phones.sort();
        phones.dedup();
        assert_eq!(phones.len(), n);
    }

    #[test]
    fn most_customers_are_standard_and_few_are_vip() {
        let plans = customers(5000);
        let count = |t| plans.iter().filter(|c| c.input.tier == t).count();
        assert!(count(Tier::Standard) > 3500);
        assert!((50..=150).contains(&count(Tier::Vip)));
    }

    #[test]
    fn english_names_speak_english() {
        let plans = customers(2000);
        let english: Vec<_> = plans
            .iter()
            .filter(|c| c.input.locale == Locale::En)
            .collect();
        assert!((120..=300).contains(&english.len()), "{}", english.len());
        assert!(english.iter().all(|c| c.input.name.is_ascii()));
    }
}
