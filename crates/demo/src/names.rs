//! Names of people: Korean family names with their share of the population (roughly as the
//! census reports them), given names, English names, and the romanisations used in e-mails.

use rand::{Rng, RngExt};

use crate::sample::Cumulative;

/// Family name, romanisation, share in per mille.
const FAMILY: &[(&str, &str, f64)] = &[
    ("김", "kim", 215.0),
    ("이", "lee", 147.0),
    ("박", "park", 84.0),
    ("최", "choi", 47.0),
    ("정", "jung", 43.0),
    ("강", "kang", 24.0),
    ("조", "cho", 21.0),
    ("윤", "yoon", 21.0),
    ("장", "jang", 20.0),
    ("임", "lim", 17.0),
    ("한", "han", 15.0),
    ("오", "oh", 15.0),
    ("서", "seo", 15.0),
    ("신", "shin", 15.0),
    ("권", "kwon", 14.0),
    ("황", "hwang", 14.0),
    ("안", "ahn", 14.0),
    ("송", "song", 14.0),
    ("전", "jeon", 11.0),
    ("홍", "hong", 11.0),
    ("유", "yoo", 11.0),
    ("고", "ko", 9.0),
    ("문", "moon", 9.0),
    ("양", "yang", 9.0),
    ("손", "son", 9.0),
    ("배", "bae", 8.0),
    ("백", "baek", 8.0),
    ("허", "heo", 7.0),
    ("남", "nam", 5.0),
    ("심", "shim", 5.0),
    ("노", "noh", 4.0),
    ("하", "ha", 4.0),
    ("곽", "kwak", 4.0),
    ("성", "sung", 4.0),
    ("차", "cha", 4.0),
    ("주", "joo", 4.0),
    ("우", "woo", 4.0),
    ("구", "koo", 4.0),
    ("민", "min", 3.0),
    ("류", "ryu", 3.0),
    ("나", "na", 3.0),
    ("진", "jin", 3.0),
    ("지", "ji", 3.0),
    ("엄", "eom", 3.0),
    ("채", "chae", 3.0),
    ("원", "won", 3.0),
    ("천", "cheon", 2.0),
    ("방", "bang", 2.0),
    ("공", "gong", 2.0),
    ("현", "hyun", 2.0),
    ("함", "ham", 2.0),
    ("변", "byun", 2.0),
    ("염", "yeom", 2.0),
    ("여", "yeo", 2.0),
    ("추", "choo", 1.0),
    ("도", "do", 1.0),
    ("소", "so", 1.0),
    ("석", "seok", 1.0),
    ("선", "sun", 1.0),
    ("설", "seol", 1.0),
    ("마", "ma", 1.0),
    ("길", "gil", 1.0),
    ("연", "yeon", 1.0),
    ("위", "wi", 1.0),
    ("표", "pyo", 1.0),
    ("명", "myung", 1.0),
    ("기", "ki", 1.0),
    ("반", "ban", 1.0),
    ("왕", "wang", 1.0),
    ("금", "geum", 1.0),
    ("옥", "ok", 1.0),
    ("육", "yook", 1.0),
    ("인", "in", 1.0),
    ("맹", "maeng", 1.0),
    ("제", "je", 1.0),
    ("모", "mo", 1.0),
    ("탁", "tak", 0.5),
    ("국", "kook", 0.5),
    ("남궁", "namgung", 0.4),
    ("황보", "hwangbo", 0.3),
    ("제갈", "jegal", 0.1),
];

/// Given names across the generations, more common ones first.
const GIVEN_MALE: &[(&str, &str)] = &[
    ("민준", "minjun"),
    ("서준", "seojun"),
    ("지훈", "jihoon"),
    ("현우", "hyunwoo"),
    ("도윤", "doyun"),
    ("성민", "sungmin"),
    ("준호", "junho"),
    ("동현", "donghyun"),
    ("정훈", "junghoon"),
    ("영수", "youngsoo"),
    ("예준", "yejun"),
    ("시우", "siwoo"),
    ("하준", "hajun"),
    ("지호", "jiho"),
    ("주원", "juwon"),
    ("건우", "gunwoo"),
    ("우진", "woojin"),
    ("상현", "sanghyun"),
    ("성호", "sungho"),
    ("영호", "youngho"),
    ("정호", "jungho"),
    ("성진", "sungjin"),
    ("재현", "jaehyun"),
    ("민수", "minsoo"),
    ("진우", "jinwoo"),
    ("승현", "seunghyun"),
    ("태현", "taehyun"),
    ("종민", "jongmin"),
    ("영철", "youngchul"),
    ("상철", "sangchul"),
    ("병철", "byungchul"),
    ("광수", "kwangsoo"),
    ("기현", "kihyun"),
    ("대호", "daeho"),
    ("용준", "yongjun"),
    ("재민", "jaemin"),
    ("승우", "seungwoo"),
    ("형준", "hyungjun"),
    ("동욱", "dongwook"),
    ("준서", "junseo"),
];

const GIVEN_FEMALE: &[(&str, &str)] = &[
    ("서연", "seoyeon"),
    ("지영", "jiyoung"),
    ("민지", "minji"),
    ("수진", "sujin"),
    ("지은", "jieun"),
    ("서윤", "seoyun"),
    ("혜진", "hyejin"),
    ("은영", "eunyoung"),
    ("지민", "jimin"),
    ("하은", "haeun"),
    ("서현", "seohyun"),
    ("민서", "minseo"),
    ("지우", "jiwoo"),
    ("하윤", "hayun"),
    ("윤서", "yunseo"),
    ("수빈", "subin"),
    ("지현", "jihyun"),
    ("은지", "eunji"),
    ("미경", "mikyung"),
    ("미영", "miyoung"),
    ("영희", "younghee"),
    ("현정", "hyunjung"),
    ("소영", "soyoung"),
    ("유진", "yujin"),
    ("예린", "yerin"),
    ("다은", "daeun"),
    ("채원", "chaewon"),
    ("수아", "sua"),
    ("나연", "nayeon"),
    ("혜원", "hyewon"),
    ("선영", "sunyoung"),
    ("경희", "kyunghee"),
    ("미숙", "misook"),
    ("은주", "eunju"),
    ("정숙", "jungsook"),
    ("순자", "soonja"),
    ("아름", "areum"),
    ("보람", "boram"),
    ("정민", "jungmin"),
    ("지유", "jiyu"),
];

const ENGLISH_FIRST: &[&str] = &[
    "James",
    "Emma",
    "Olivia",
    "Liam",
    "Noah",
    "Sophia",
    "Daniel",
    "Grace",
    "Michael",
    "Sarah",
    "David",
    "Emily",
    "Ryan",
    "Hannah",
    "Lucas",
    "Chloe",
    "Ethan",
    "Mia",
    "Benjamin",
    "Amelia",
    "Thomas",
    "Jessica",
    "Andrew",
    "Laura",
    "Samuel",
    "Rachel",
    "Matthew",
    "Julia",
    "Oliver",
    "Charlotte",
];

const ENGLISH_LAST: &[&str] = &[
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Miller", "Davis", "Anderson", "Thompson",
    "White", "Martin", "Clark", "Walker", "Hall", "Young", "Wright", "Green", "Baker", "Adams",
    "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Evans", "Murphy",
    "Cooper", "Reed",
];

/// A generated person's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PersonName {
    /// As shown: "김민준" or "Grace Park".
    pub display: String,
    /// Lowercase ASCII for e-mail addresses: "minjun.kim".
    pub email_local: String,
    pub english: bool,
}

/// Draws names with realistic frequencies.
pub(crate) struct NameSampler {
    family: Cumulative,
    male: Cumulative,
    female: Cumulative,
}

impl NameSampler {
    pub fn new() -> Self {
        // Given names follow a gentle Zipf curve: the first in each list is about four times
        // as common as the last.
        let zipf = |n: usize| (0..n).map(|i| 1.0 / (1.0 + i as f64 * 0.08)).collect();
        Self {
            family: Cumulative::new(FAMILY.iter().map(|f| f.2).collect()),
            male: Cumulative::new(zipf(GIVEN_MALE.len())),
            female: Cumulative::new(zipf(GIVEN_FEMALE.len())),
        }
    }

    pub fn korean<R: Rng>(&self, rng: &mut R) -> PersonName {
        let (family, family_rom, _) = FAMILY[self.family.sample(rng)];
        let (given, given_rom) = if rng.random_bool(0.5) {
            GIVEN_MALE[self.male.sample(rng)]
        } else {
            GIVEN_FEMALE[self.female.sample(rng)]
        };
        PersonName {
            display: format!("{family}{given}"),
            email_local: format!("{given_rom}.{family_rom}"),
            english: false,
        }
    }

    pub fn english<R: Rng>(&self, rng: &mut R) -> PersonName {
        let first = ENGLISH_FIRST[rng.random_range(0..ENGLISH_FIRST.len())];
        // Many English-speaking customers in Korea are Korean diaspora: "Grace Park".
        let last = if rng.random_bool(0.25) {
            let rom = FAMILY[self.family.sample(rng)].1;
            let mut c = rom.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        } else {
            ENGLISH_LAST[rng.random_range(0..ENGLISH_LAST.len())].to_owned()
        };
        PersonName {
            email_local: format!("{}.{}", first.to_lowercase(), last.to_lowercase()),
            display: format!("{first} {last}"),
            english: true,
        }
    }

    /// Korean with probability `1 - english_share`.
    pub fn any<R: Rng>(&self, rng: &mut R, english_share: f64) -> PersonName {
        if rng.random_bool(english_share) {
            self.english(rng)
        } else {
            self.korean(rng)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn kim_lee_and_park_are_the_most_common_family_names() {
        let names = NameSampler::new();
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
        let n = 20_000;
        let kims = (0..n)
            .filter(|_| names.korean(&mut rng).display.starts_with('김'))
            .count();
        let share = kims as f64 / n as f64;
        assert!((0.19..0.24).contains(&share), "김 share {share}");
    }

    #[test]
    fn a_korean_name_has_three_syllables_and_an_ascii_email_part() {
        let names = NameSampler::new();
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(2);
        let n = names.korean(&mut rng);
        assert!(n.display.chars().count() >= 3);
        assert!(n.email_local.is_ascii() && n.email_local.contains('.'));
    }
}
