//! The failure taxonomy: what went wrong (the kind and a finer category) and why it went
//! wrong (the root cause found when the case is closed).
//!
//! A failure is of one of two kinds. In an *outcome* failure the customer did not get what
//! the service exists to deliver: the wrong dish, a transfer booked twice, a room that was
//! not there. In a *process* failure the result may be right, but the way it was delivered
//! was not: a long queue, a cold answer, a promise nobody kept. The two call for different
//! remedies (put the result right versus restore the relationship), so every category
//! belongs to exactly one kind and its code says which: `outcome.wrong_item`,
//! `process.long_wait`. Root causes have codes of the same shape with the prefix `cause`:
//! `cause.staffing`.
//!
//! The defaults below are shipped as data so that a new installation can classify cases on
//! its first day; each business may rename, retire or add categories through the API.
//! They are worded to fit restaurants, banks, hotels, shops and call centres alike.

use serde::{Deserialize, Serialize};

use crate::text::{LocalizedName, free_text};
use crate::{FieldError, Validation};

/// Whether the result of the service or the way it was delivered failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// What the customer received was wrong: the core service failed.
    Outcome,
    /// How it was delivered was wrong: waiting, attitude, information, promises.
    Process,
}

impl FailureKind {
    pub const ALL: [FailureKind; 2] = [FailureKind::Outcome, FailureKind::Process];

    /// The snake_case name, which is also the prefix of the kind's category codes.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Outcome => "outcome",
            FailureKind::Process => "process",
        }
    }

    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                FieldError::new(field, "invalid_value", "expected one of: outcome, process")
            })
    }

    /// The kind a category code belongs to, read from its prefix; `None` for anything that
    /// is not a category code (a root-cause code, say).
    pub fn of_code(code: &str) -> Option<Self> {
        let (prefix, _) = code.split_once('.')?;
        Self::ALL.into_iter().find(|k| k.as_str() == prefix)
    }
}

/// The prefix of every root-cause code.
pub const ROOT_CAUSE_PREFIX: &str = "cause";

/// Longest slug (the part after the dot) of a taxonomy code.
pub const SLUG_MAX: usize = 40;

/// Checks a code of the shape `{prefix}.{slug}` where the prefix is one of `prefixes` and the
/// slug is 1 to [`SLUG_MAX`] characters of `a`–`z`, `0`–`9` and `_`. Surrounding spaces are
/// dropped and ASCII capitals lowered, so `" Process.Long_Wait "` becomes `process.long_wait`.
pub(crate) fn parse_prefixed_code(
    field: &str,
    s: &str,
    prefixes: &[&str],
) -> Result<String, FieldError> {
    let code = s.trim().to_ascii_lowercase();
    let expected = || {
        let shapes: Vec<String> = prefixes.iter().map(|p| format!("`{p}.…`")).collect();
        format!(
            "expected a code such as `{}.example`: one of {} followed by 1 to {SLUG_MAX} \
             lowercase letters, digits or underscores",
            prefixes.first().copied().unwrap_or("prefix"),
            shapes.join(", "),
        )
    };
    if code.is_empty() {
        return Err(FieldError::new(field, "required", "must not be empty"));
    }
    let Some((prefix, slug)) = code.split_once('.') else {
        return Err(FieldError::new(field, "invalid_code", expected()));
    };
    let slug_ok = (1..=SLUG_MAX).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if prefixes.contains(&prefix) && slug_ok {
        Ok(code)
    } else {
        Err(FieldError::new(field, "invalid_code", expected()))
    }
}

/// Validates a category or root-cause code typed by a user: `outcome.{slug}`,
/// `process.{slug}` or `cause.{slug}`, the slug being 1 to 40 characters of `a`–`z`, `0`–`9`
/// and `_`. Returns the normalized code (trimmed, ASCII lowercase).
///
/// Whether the code is a category or a root cause, and whether its prefix fits the kind,
/// is checked by [`CategoryInput::parse`] and [`RootCauseInput::parse`].
pub fn parse_code(field: &str, s: &str) -> Result<String, FieldError> {
    parse_prefixed_code(field, s, &["outcome", "process", ROOT_CAUSE_PREFIX])
}

/// A category of the default taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultCategory {
    pub code: &'static str,
    pub kind: FailureKind,
    pub name_ko: &'static str,
    pub name_en: &'static str,
    pub description_ko: &'static str,
    pub description_en: &'static str,
}

impl DefaultCategory {
    /// The category as a new record, e.g. to seed a fresh database.
    pub fn to_new(&self) -> NewCategory {
        NewCategory {
            code: self.code.to_owned(),
            kind: self.kind,
            name: LocalizedName {
                ko: self.name_ko.to_owned(),
                en: self.name_en.to_owned(),
            },
            description: Some(LocalizedDescription {
                ko: self.description_ko.to_owned(),
                en: self.description_en.to_owned(),
            }),
            active: true,
        }
    }
}

const fn category(
    code: &'static str,
    kind: FailureKind,
    name_ko: &'static str,
    name_en: &'static str,
    description_ko: &'static str,
    description_en: &'static str,
) -> DefaultCategory {
    DefaultCategory {
        code,
        kind,
        name_ko,
        name_en,
        description_ko,
        description_en,
    }
}

use FailureKind::{Outcome, Process};

/// The failure categories a new installation starts with: 7 outcome and 10 process failures.
pub const DEFAULT_CATEGORIES: &[DefaultCategory] = &[
    category(
        "outcome.wrong_item",
        Outcome,
        "잘못 제공되거나 빠진 항목",
        "Wrong or missing item",
        "요청하신 것과 다른 메뉴·상품·서비스가 제공되었거나 일부가 빠졌습니다. \
         예: 다른 음식이 나옴, 주문한 상품 중 하나가 빠짐, 신청하지 않은 카드가 발급됨.",
        "The customer got something other than what was ordered or requested, or part of it \
         was missing: another dish, an item left out of the bag, the wrong card issued.",
    ),
    category(
        "outcome.poor_quality",
        Outcome,
        "품질 불량",
        "Defective or poor quality",
        "제공된 음식·상품·서비스 자체의 품질이 기준에 못 미쳤습니다. \
         예: 덜 익거나 식은 음식, 고장 난 상품, 청소되지 않은 객실.",
        "What was delivered fell short of the standard itself: food undercooked or cold, \
         a product that does not work, a room that was not cleaned.",
    ),
    category(
        "outcome.billing_error",
        Outcome,
        "결제·거래 오류",
        "Billing or transaction error",
        "금액이 잘못 청구되었거나 거래가 잘못 처리되었습니다. \
         예: 과다·중복 청구, 다른 계좌로 이체, 할인이나 우대금리 미적용.",
        "Money was charged or moved wrongly: an overcharge or a double charge, a transfer to \
         the wrong account, a discount or a preferential rate that was not applied.",
    ),
    category(
        "outcome.unavailable",
        Outcome,
        "이용 불가·품절",
        "Service unavailable or out of stock",
        "약속하거나 안내한 서비스를 그 시점에 제공할 수 없었습니다. \
         예: 품절된 메뉴, 전산 장애로 업무 중단, 현금이 없는 ATM, 예약한 객실 부족.",
        "The service that was offered or announced could not be provided at the time: a sold-out \
         dish, a system outage stopping transactions, an ATM out of cash, an overbooked room.",
    ),
    category(
        "outcome.not_completed",
        Outcome,
        "처리 누락·미완료",
        "Request not carried out",
        "접수된 요청이 처리되지 않았거나 일부만 처리되었습니다. \
         예: 접수된 해지 신청이 처리되지 않음, 배달되지 않은 주문, 끝나지 않은 수리.",
        "A request that was accepted was not carried out, or only in part: a cancellation \
         that never went through, an order that never arrived, a repair left unfinished.",
    ),
    category(
        "outcome.damage_loss",
        Outcome,
        "파손·분실",
        "Damage or loss",
        "고객의 물건이나 서류가 저희가 맡고 있는 동안 파손되거나 분실되었습니다. \
         예: 맡긴 짐의 파손, 분실된 제출 서류, 배송 중 깨진 상품.",
        "Something of the customer's was damaged or lost while in our care: luggage broken \
         in storage, submitted documents mislaid, goods broken in delivery.",
    ),
    category(
        "outcome.record_error",
        Outcome,
        "계정·기록 오류",
        "Account or record error",
        "고객 정보나 거래 기록이 잘못 등록·변경되었습니다. \
         예: 잘못 입력된 이름이나 주소, 사라진 예약, 적립되지 않은 포인트.",
        "The customer's details or history were recorded or changed wrongly: a misspelt name \
         or address, a booking that vanished, loyalty points that were never credited.",
    ),
    category(
        "process.long_wait",
        Process,
        "긴 대기",
        "Long wait",
        "응대를 받기까지 기다린 시간이 지나치게 길었습니다. \
         예: 창구 대기, 전화 연결 대기, 주문 후 음식이 나오기까지의 시간.",
        "The customer waited far too long before being served: in the queue at the counter, \
         on hold on the phone, for food after ordering.",
    ),
    category(
        "process.slow_service",
        Process,
        "처리 지연",
        "Slow service",
        "응대가 시작된 뒤 처리 자체가 지나치게 오래 걸렸습니다. \
         예: 간단한 업무에 30분 이상 소요, 체크인 처리 지연.",
        "Once served, the service itself took much longer than it should: half an hour for \
         a simple request, a check-in that dragged on.",
    ),
    category(
        "process.staff_attitude",
        Process,
        "불친절·무성의한 응대",
        "Rude or indifferent staff",
        "직원의 말투나 태도가 무례하거나 무관심했고, 고객이 존중받지 못한다고 느꼈습니다.",
        "Staff were rude, dismissive or indifferent, and the customer did not feel respected.",
    ),
    category(
        "process.wrong_information",
        Process,
        "잘못되거나 부족한 안내",
        "Wrong or missing information",
        "안내가 틀렸거나 꼭 필요한 설명이 빠져 고객이 손해나 불편을 겪었습니다. \
         예: 잘못 안내된 수수료, 알려주지 않은 구비 서류, 틀린 영업시간.",
        "The customer was told something wrong, or not told something they needed: \
         a fee quoted wrongly, a required document never mentioned, wrong opening hours.",
    ),
    category(
        "process.broken_promise",
        Process,
        "약속 불이행",
        "Broken promise or missed appointment",
        "고객과 한 약속이나 예약을 지키지 못했습니다. \
         예: 약속한 회신 전화 누락, 예약 시간 미준수, 방문 약속 불이행.",
        "Something promised to the customer did not happen: a call-back that never came, \
         an appointment not kept, a visit that did not take place.",
    ),
    category(
        "process.no_follow_up",
        Process,
        "무응답·후속 조치 지연",
        "No response or slow follow-up",
        "문의나 불만에 답이 없거나 후속 조치가 늦어 고객이 다시 연락해야 했습니다.",
        "A question or complaint went unanswered, or its follow-up was so slow that the \
         customer had to chase us.",
    ),
    category(
        "process.handoff_failure",
        Process,
        "직원·부서 간 인계 실패",
        "Hand-off failure between staff",
        "담당자나 부서가 바뀌면서 내용이 전달되지 않아 고객이 같은 설명을 되풀이하거나 \
         여러 곳으로 돌려졌습니다.",
        "Information was lost when the customer was passed between staff or departments, \
         so they had to explain again or were sent from desk to desk.",
    ),
    category(
        "process.inflexible_policy",
        Process,
        "융통성 없는 규정 적용",
        "Inflexible policy",
        "고객의 사정을 고려하지 않고 규정만 내세워 합리적인 요청을 거절했습니다.",
        "A reasonable request was refused by applying a rule to the letter, without regard \
         for the customer's situation.",
    ),
    category(
        "process.privacy_safety",
        Process,
        "개인정보·안전 소홀",
        "Privacy or safety lapse",
        "고객의 개인정보가 노출될 뻔했거나 노출되었고, 또는 고객의 안전이 위협받았습니다. \
         예: 다른 사람이 들을 수 있는 곳에서 계좌 정보를 말함, 미끄러운 바닥.",
        "The customer's personal data was exposed, or nearly, or their safety was put at \
         risk: account details read out where others could hear, a slippery floor.",
    ),
    category(
        "process.facility",
        Process,
        "불편한 시설·환경",
        "Uncomfortable facility",
        "서비스가 이루어지는 공간이 불결하거나 시끄럽거나 이용하기 불편했습니다. \
         예: 더러운 화장실, 고장 난 번호표 발행기, 휠체어로 들어갈 수 없는 입구.",
        "The place where the service happened was dirty, noisy or hard to use: unclean \
         toilets, a broken queue-ticket machine, an entrance a wheelchair cannot pass.",
    ),
];

/// A root cause of the default taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultRootCause {
    pub code: &'static str,
    pub name_ko: &'static str,
    pub name_en: &'static str,
    pub description_ko: &'static str,
    pub description_en: &'static str,
}

impl DefaultRootCause {
    /// The root cause as a new record, e.g. to seed a fresh database.
    pub fn to_new(&self) -> NewRootCause {
        NewRootCause {
            code: self.code.to_owned(),
            name: LocalizedName {
                ko: self.name_ko.to_owned(),
                en: self.name_en.to_owned(),
            },
            description: Some(LocalizedDescription {
                ko: self.description_ko.to_owned(),
                en: self.description_en.to_owned(),
            }),
            active: true,
        }
    }
}

const fn root_cause(
    code: &'static str,
    name_ko: &'static str,
    name_en: &'static str,
    description_ko: &'static str,
    description_en: &'static str,
) -> DefaultRootCause {
    DefaultRootCause {
        code,
        name_ko,
        name_en,
        description_ko,
        description_en,
    }
}

/// The root causes a new installation starts with.
pub const DEFAULT_ROOT_CAUSES: &[DefaultRootCause] = &[
    root_cause(
        "cause.staffing",
        "인력 부족·업무 과부하",
        "Staffing and workload",
        "필요한 시간대에 일할 사람이 모자랐거나 한 사람에게 일이 몰렸습니다.",
        "Too few people at the time they were needed, or too much work on one person.",
    ),
    root_cause(
        "cause.training",
        "교육·숙련 부족",
        "Training and skill",
        "담당 직원이 업무 지식이나 응대 기술을 충분히 익히지 못한 상태였습니다.",
        "The staff member had not yet learned enough of the task or of how to deal with \
         customers.",
    ),
    root_cause(
        "cause.process_design",
        "업무 절차 설계",
        "Process design",
        "절차 자체에 빈틈이나 불필요한 단계가 있어, 규정대로 해도 실패가 생길 수 있었습니다.",
        "The procedure itself has a gap or a needless step, so failures happen even when \
         it is followed.",
    ),
    root_cause(
        "cause.equipment_system",
        "설비·전산 장애",
        "Equipment or system",
        "기계, 단말기, 전산 시스템이 고장 나거나 느리거나 잘못 작동했습니다.",
        "A machine, terminal or computer system broke down, was slow or behaved wrongly.",
    ),
    root_cause(
        "cause.supplier",
        "협력업체·공급처",
        "Supplier or partner",
        "재료나 상품의 공급처, 배송·외주 업체 등 외부 협력사에서 문제가 생겼습니다.",
        "Something went wrong at an outside party: a supplier of goods or ingredients, \
         a delivery firm, an outsourced service.",
    ),
    root_cause(
        "cause.policy",
        "규정·정책",
        "Policy and rules",
        "규정이 현실에 맞지 않거나, 직원에게 상황에 맞게 판단할 재량이 주어지지 않았습니다.",
        "A rule does not fit real situations, or staff were given no discretion to act on \
         the customer's circumstances.",
    ),
    root_cause(
        "cause.communication",
        "의사소통·인계",
        "Communication and hand-off",
        "직원 사이, 부서 사이, 교대 사이에 정보가 제대로 전달되지 않았습니다.",
        "Information did not pass properly between staff, departments or shifts.",
    ),
    root_cause(
        "cause.facility",
        "시설·환경",
        "Facility and environment",
        "공간 배치, 청결, 소음, 날씨 등 서비스가 이루어지는 환경이 원인이었습니다.",
        "The setting of the service was the cause: layout, cleanliness, noise, weather.",
    ),
    root_cause(
        "cause.customer_side",
        "고객 측 사정",
        "Circumstances on the customer's side",
        "고객 쪽 사정이 함께 작용했습니다(예: 일정 변경, 전달되지 않은 정보). \
         잘못을 따지려는 것이 아니라 안내와 절차를 보완하기 위해 기록합니다.",
        "Circumstances on the customer's side played a part, such as a change of plans or \
         information that did not reach us. Recorded to improve our guidance and process, \
         not to assign blame.",
    ),
    root_cause(
        "cause.unknown",
        "원인 미상",
        "Unknown",
        "조사했지만 원인을 밝히지 못했습니다.",
        "Looked into, but the cause could not be established.",
    ),
];

/// Longest description, per language.
pub const DESCRIPTION_MAX: usize = 1000;

/// A longer text given in Korean and in English. When given, both languages are required,
/// so every page can show either.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocalizedDescription {
    #[schema(
        max_length = 1000,
        example = "응대를 받기까지 기다린 시간이 지나치게 길었습니다."
    )]
    pub ko: String,
    #[schema(
        max_length = 1000,
        example = "The customer waited far too long before being served."
    )]
    pub en: String,
}

impl LocalizedDescription {
    /// Both languages blank means "no description" (`None`); one blank and the other not is
    /// an error naming the blank one.
    pub fn parse(field: &str, ko: &str, en: &str) -> Result<Option<Self>, Vec<FieldError>> {
        let mut v = Validation::new();
        let ko = v.check(free_text(
            &format!("{field}.ko"),
            ko.trim(),
            DESCRIPTION_MAX,
        ));
        let en = v.check(free_text(
            &format!("{field}.en"),
            en.trim(),
            DESCRIPTION_MAX,
        ));
        if let (Some(ko), Some(en)) = (&ko, &en) {
            for (lang, text, other) in [("ko", ko, en), ("en", en, ko)] {
                if text.is_empty() && !other.is_empty() {
                    v.push(FieldError::new(
                        format!("{field}.{lang}"),
                        "required",
                        "give the description in both Korean and English",
                    ));
                }
            }
        }
        v.finish(|| {
            let (ko, en) = (ko.unwrap_or_default(), en.unwrap_or_default());
            (!ko.is_empty()).then_some(Self { ko, en })
        })
    }
}

fn default_true() -> bool {
    true
}

fn parse_description(
    v: &mut Validation,
    d: &Option<LocalizedDescription>,
) -> Option<LocalizedDescription> {
    let d = d.as_ref()?;
    match LocalizedDescription::parse("description", &d.ko, &d.en) {
        Ok(d) => d,
        Err(e) => {
            v.extend(e);
            None
        }
    }
}

fn parse_name(v: &mut Validation, name: &LocalizedName) -> Option<LocalizedName> {
    match LocalizedName::parse("name", &name.ko, &name.en) {
        Ok(n) => Some(n),
        Err(e) => {
            v.extend(e);
            None
        }
    }
}

/// What a client sends to create or replace a failure category.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    /// The version you last read; required when replacing, absent when creating.
    #[serde(default)]
    pub version: Option<i64>,
    /// `outcome.{slug}` or `process.{slug}`; the prefix must match `kind`.
    #[schema(min_length = 9, max_length = 48, example = "process.long_wait")]
    pub code: String,
    pub kind: FailureKind,
    pub name: LocalizedName,
    #[serde(default)]
    pub description: Option<LocalizedDescription>,
    /// Retired categories stay on old cases but are no longer offered for new ones.
    #[serde(default = "default_true")]
    pub active: bool,
}

/// A validated failure category, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCategory {
    pub code: String,
    pub kind: FailureKind,
    pub name: LocalizedName,
    pub description: Option<LocalizedDescription>,
    pub active: bool,
}

impl CategoryInput {
    pub fn parse(&self) -> Result<NewCategory, Vec<FieldError>> {
        let mut v = Validation::new();
        let code = v.check(parse_code("code", &self.code).and_then(
            |code| match FailureKind::of_code(&code) {
                Some(k) if k == self.kind => Ok(code),
                Some(_) => Err(FieldError::new(
                    "code",
                    "kind_mismatch",
                    format!(
                        "a {} category's code must start with `{}.`",
                        self.kind.as_str(),
                        self.kind.as_str()
                    ),
                )),
                None => Err(FieldError::new(
                    "code",
                    "invalid_code",
                    format!(
                        "a category code starts with `outcome.` or `process.`, e.g. `{}.example`",
                        self.kind.as_str()
                    ),
                )),
            },
        ));
        let name = parse_name(&mut v, &self.name);
        let description = parse_description(&mut v, &self.description);
        v.finish(|| NewCategory {
            code: code.expect("checked"),
            kind: self.kind,
            name: name.expect("checked"),
            description,
            active: self.active,
        })
    }
}

/// What a client sends to create or replace a root cause.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RootCauseInput {
    /// The version you last read; required when replacing, absent when creating.
    #[serde(default)]
    pub version: Option<i64>,
    /// `cause.{slug}`.
    #[schema(min_length = 7, max_length = 46, example = "cause.staffing")]
    pub code: String,
    pub name: LocalizedName,
    #[serde(default)]
    pub description: Option<LocalizedDescription>,
    /// Retired root causes stay on old cases but are no longer offered on close.
    #[serde(default = "default_true")]
    pub active: bool,
}

/// A validated root cause, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRootCause {
    pub code: String,
    pub name: LocalizedName,
    pub description: Option<LocalizedDescription>,
    pub active: bool,
}

impl RootCauseInput {
    pub fn parse(&self) -> Result<NewRootCause, Vec<FieldError>> {
        let mut v = Validation::new();
        let code = v.check(parse_prefixed_code(
            "code",
            &self.code,
            &[ROOT_CAUSE_PREFIX],
        ));
        let name = parse_name(&mut v, &self.name);
        let description = parse_description(&mut v, &self.description);
        v.finish(|| NewRootCause {
            code: code.expect("checked"),
            name: name.expect("checked"),
            description,
            active: self.active,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn default_codes_are_unique_across_categories_and_root_causes() {
        let codes: Vec<&str> = DEFAULT_CATEGORIES
            .iter()
            .map(|c| c.code)
            .chain(DEFAULT_ROOT_CAUSES.iter().map(|r| r.code))
            .collect();
        let unique: HashSet<&str> = codes.iter().copied().collect();
        assert_eq!(unique.len(), codes.len());
    }

    #[test]
    fn every_default_code_parses_unchanged_and_its_prefix_matches_its_kind() {
        for c in DEFAULT_CATEGORIES {
            assert_eq!(parse_code("code", c.code).unwrap(), c.code);
            assert_eq!(FailureKind::of_code(c.code), Some(c.kind), "{}", c.code);
        }
        for r in DEFAULT_ROOT_CAUSES {
            assert_eq!(parse_code("code", r.code).unwrap(), r.code);
            assert_eq!(FailureKind::of_code(r.code), None, "{}", r.code);
            assert!(r.code.starts_with("cause."));
        }
    }

    #[test]
    fn the_defaults_cover_both_kinds_in_sensible_numbers() {
        let count = |k| DEFAULT_CATEGORIES.iter().filter(|c| c.kind == k).count();
        assert!((6..=8).contains(&count(FailureKind::Outcome)));
        assert!((8..=10).contains(&count(FailureKind::Process)));
        assert!((8..=10).contains(&DEFAULT_ROOT_CAUSES.len()));
    }

    #[test]
    fn every_default_name_and_description_is_present_in_both_languages() {
        let all = DEFAULT_CATEGORIES
            .iter()
            .map(|c| [c.name_ko, c.name_en, c.description_ko, c.description_en])
            .chain(
                DEFAULT_ROOT_CAUSES
                    .iter()
                    .map(|r| [r.name_ko, r.name_en, r.description_ko, r.description_en]),
            );
        for [name_ko, name_en, desc_ko, desc_en] in all {
            for name in [name_ko, name_en] {
                assert!(!name.trim().is_empty());
                assert!(name.chars().count() <= 100, "{name}");
                assert_eq!(name, name.trim());
            }
            for desc in [desc_ko, desc_en] {
                assert!(!desc.trim().is_empty());
                assert!(desc.chars().count() <= DESCRIPTION_MAX, "{desc}");
                // Line continuations in the source must not leave double spaces behind.
                assert!(!desc.contains("  "), "{desc}");
            }
            assert!(name_ko.chars().any(|c| ('가'..='힣').contains(&c)));
            assert!(!name_en.chars().any(|c| ('가'..='힣').contains(&c)));
        }
    }

    #[test]
    fn every_default_seeds_a_record_that_passes_its_own_input_validation() {
        for c in DEFAULT_CATEGORIES {
            let new = c.to_new();
            let input = CategoryInput {
                version: None,
                code: new.code.clone(),
                kind: new.kind,
                name: new.name.clone(),
                description: new.description.clone(),
                active: true,
            };
            assert_eq!(input.parse().unwrap(), new);
        }
        for r in DEFAULT_ROOT_CAUSES {
            let new = r.to_new();
            let input = RootCauseInput {
                version: None,
                code: new.code.clone(),
                name: new.name.clone(),
                description: new.description.clone(),
                active: true,
            };
            assert_eq!(input.parse().unwrap(), new);
        }
    }

    #[test]
    fn a_code_is_trimmed_and_lowercased() {
        assert_eq!(
            parse_code("c", "  Process.Long_Wait ").unwrap(),
            "process.long_wait"
        );
    }

    #[test]
    fn malformed_codes_are_refused_with_the_field_named() {
        for bad in [
            "",
            "long_wait",
            "process.",
            "process.long-wait",
            "process.long wait",
            "process.긴대기",
            "service.long_wait",
            "process.long.wait",
            ".long_wait",
        ] {
            let e = parse_code("category", bad).unwrap_err();
            assert_eq!(e.field, "category", "{bad:?}");
            assert!(["invalid_code", "required"].contains(&e.code.as_str()));
        }
        let slug40 = "a".repeat(40);
        assert!(parse_code("c", &format!("outcome.{slug40}")).is_ok());
        assert!(parse_code("c", &format!("outcome.{slug40}a")).is_err());
    }

    #[test]
    fn failure_kind_parses_its_own_names_only() {
        for k in FailureKind::ALL {
            assert_eq!(FailureKind::parse("kind", k.as_str()).unwrap(), k);
        }
        assert_eq!(
            FailureKind::parse("kind", "Outcome").unwrap_err().field,
            "kind"
        );
        assert_eq!(
            serde_json::to_value(FailureKind::Process).unwrap(),
            serde_json::json!("process")
        );
    }

    fn category_input(json: serde_json::Value) -> CategoryInput {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_category_code_must_carry_its_kind_as_prefix() {
        let input = category_input(serde_json::json!({
            "code": "outcome.queue", "kind": "process",
            "name": {"ko": "대기", "en": "Queue"}
        }));
        let e = input.parse().unwrap_err();
        assert_eq!(
            (e[0].field.as_str(), e[0].code.as_str()),
            ("code", "kind_mismatch")
        );

        let input = category_input(serde_json::json!({
            "code": "cause.queue", "kind": "process",
            "name": {"ko": "대기", "en": "Queue"}
        }));
        assert_eq!(input.parse().unwrap_err()[0].code, "invalid_code");
    }

    #[test]
    fn a_new_category_is_active_and_needs_no_description() {
        let new = category_input(serde_json::json!({
            "code": " process.Parking ", "kind": "process",
            "name": {"ko": " 주차 불편 ", "en": "Parking trouble"}
        }))
        .parse()
        .unwrap();
        assert_eq!(new.code, "process.parking");
        assert_eq!(new.name.ko, "주차 불편");
        assert!(new.active);
        assert_eq!(new.description, None);
    }

    #[test]
    fn every_bad_category_field_is_reported_at_once() {
        let input = category_input(serde_json::json!({
            "code": "process", "kind": "process",
            "name": {"ko": "", "en": "Queue"},
            "description": {"ko": "", "en": "Waiting in line"},
            "active": false
        }));
        let fields: Vec<_> = input
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["code", "name.ko", "description.ko"]);
    }

    #[test]
    fn a_blank_description_in_both_languages_means_none() {
        assert_eq!(LocalizedDescription::parse("d", "  ", "\n").unwrap(), None);
        let d = LocalizedDescription::parse("d", "설명\n둘째 줄", "Two\nlines ")
            .unwrap()
            .unwrap();
        assert_eq!(d.en, "Two\nlines");
    }

    #[test]
    fn a_root_cause_code_starts_with_cause() {
        let input: RootCauseInput = serde_json::from_value(serde_json::json!({
            "code": "process.staffing",
            "name": {"ko": "인력", "en": "Staffing"}
        }))
        .unwrap();
        assert_eq!(input.parse().unwrap_err()[0].code, "invalid_code");
        let input = RootCauseInput {
            code: "cause.night_shift".into(),
            ..input
        };
        assert_eq!(input.parse().unwrap().code, "cause.night_shift");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let r: Result<CategoryInput, _> = serde_json::from_value(serde_json::json!({
            "code": "process.x", "kind": "process",
            "name": {"ko": "가", "en": "A"}, "colour": "red"
        }));
        assert!(r.is_err());
    }
}
