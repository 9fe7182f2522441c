//! The instruments every business starts with: SERVQUAL (22 expectation/perception pairs on
//! the five dimensions, with an importance allocation), CSAT, NPS and a customer effort score.
//!
//! Every question is written for Rapport in Korean and English; they measure what the
//! published scales measure without reusing their wording.

use crate::survey::{
    Dimension, InstrumentDef, InstrumentKind, Item, LocalizedText, Scale, ScaleAnchors, Section,
};
use crate::text::LocalizedName;

/// A built-in instrument with the code and name it is offered under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Builtin {
    pub code: &'static str,
    pub name: LocalizedName,
    pub def: InstrumentDef,
}

/// All built-in instruments, in the order they are offered.
pub fn builtins() -> Vec<Builtin> {
    vec![
        Builtin {
            code: "servqual",
            name: name(
                "SERVQUAL 서비스 품질 설문",
                "SERVQUAL service quality survey",
            ),
            def: servqual(),
        },
        Builtin {
            code: "csat",
            name: name("고객 만족도(CSAT)", "Customer satisfaction (CSAT)"),
            def: csat(),
        },
        Builtin {
            code: "nps",
            name: name("순추천지수(NPS)", "Net Promoter Score (NPS)"),
            def: nps(),
        },
        Builtin {
            code: "effort",
            name: name("고객 노력 점수(CES)", "Customer effort score (CES)"),
            def: effort(),
        },
    ]
}

fn name(ko: &str, en: &str) -> LocalizedName {
    LocalizedName {
        ko: ko.into(),
        en: en.into(),
    }
}

fn text(ko: &str, en: &str) -> LocalizedText {
    LocalizedText {
        ko: ko.into(),
        en: en.into(),
    }
}

fn dimension(code: &str, ko: &str, en: &str) -> Dimension {
    Dimension {
        code: code.into(),
        name: name(ko, en),
    }
}

fn agree_anchors() -> ScaleAnchors {
    ScaleAnchors {
        low: text("전혀 그렇지 않다", "Strongly disagree"),
        high: text("매우 그렇다", "Strongly agree"),
    }
}

/// The five SERVQUAL dimensions: code, Korean name, English name, number of pairs.
const SERVQUAL_DIMENSIONS: [(&str, &str, &str, usize); 5] = [
    ("tangibles", "유형성", "Tangibles", 4),
    ("reliability", "신뢰성", "Reliability", 5),
    ("responsiveness", "반응성", "Responsiveness", 4),
    ("assurance", "확신성", "Assurance", 4),
    ("empathy", "공감성", "Empathy", 5),
];

/// One pair: (expectation ko, expectation en, perception ko, perception en), in dimension order.
const SERVQUAL_PAIRS: [(&str, &str, &str, &str); 22] = [
    // Tangibles
    (
        "이 업종의 훌륭한 업체는 최신 장비와 도구를 갖추고 있다.",
        "An excellent business of this kind works with up-to-date equipment and tools.",
        "이 업체는 최신 장비와 도구를 갖추고 있다.",
        "This business works with up-to-date equipment and tools.",
    ),
    (
        "이 업종의 훌륭한 업체는 공간과 시설이 쾌적하고 보기 좋다.",
        "The premises of an excellent business of this kind are pleasant and inviting.",
        "이 업체는 공간과 시설이 쾌적하고 보기 좋다.",
        "This business's premises are pleasant and inviting.",
    ),
    (
        "이 업종의 훌륭한 업체에서는 직원의 차림새가 단정하고 전문가답다.",
        "Staff of an excellent business of this kind look tidy and professional.",
        "이 업체의 직원은 차림새가 단정하고 전문가답다.",
        "This business's staff look tidy and professional.",
    ),
    (
        "이 업종의 훌륭한 업체는 안내문, 영수증, 명세서, 웹 화면 같은 자료가 깔끔하고 알아보기 쉽다.",
        "The leaflets, receipts, statements and web pages of an excellent business of this kind are clear and easy on the eye.",
        "이 업체는 안내문, 영수증, 명세서, 웹 화면 같은 자료가 깔끔하고 알아보기 쉽다.",
        "This business's leaflets, receipts, statements and web pages are clear and easy on the eye.",
    ),
    // Reliability
    (
        "이 업종의 훌륭한 업체는 언제까지 해 주겠다고 한 일을 그때까지 해낸다.",
        "When an excellent business of this kind says something will be done by a certain time, it is done by then.",
        "이 업체는 언제까지 해 주겠다고 한 일을 그때까지 해낸다.",
        "When this business says something will be done by a certain time, it is done by then.",
    ),
    (
        "고객에게 문제가 생기면 이 업종의 훌륭한 업체는 진심으로 해결하려고 애쓴다.",
        "When a customer runs into a problem, an excellent business of this kind genuinely tries to sort it out.",
        "내게 문제가 생기면 이 업체는 진심으로 해결하려고 애쓴다.",
        "When I run into a problem, this business genuinely tries to sort it out.",
    ),
    (
        "이 업종의 훌륭한 업체는 다시 할 필요가 없도록 처음부터 제대로 서비스한다.",
        "An excellent business of this kind does the job properly at the first attempt, so nothing has to be redone.",
        "이 업체는 다시 할 필요가 없도록 처음부터 제대로 서비스한다.",
        "This business does the job properly at the first attempt, so nothing has to be redone.",
    ),
    (
        "이 업종의 훌륭한 업체는 고객과 정한 예약 시간과 일정을 지킨다.",
        "An excellent business of this kind keeps to the appointments and schedules it agrees with customers.",
        "이 업체는 나와 정한 예약 시간과 일정을 지킨다.",
        "This business keeps to the appointments and schedules it agrees with me.",
    ),
    (
        "이 업종의 훌륭한 업체는 예약, 청구, 거래 내역 같은 고객 기록을 정확하게 관리한다.",
        "An excellent business of this kind keeps customer records such as bookings, bills and transactions accurate.",
        "이 업체는 예약, 청구, 거래 내역 같은 내 기록을 정확하게 관리한다.",
        "This business keeps my records such as bookings, bills and transactions accurate.",
    ),
    // Responsiveness
    (
        "이 업종의 훌륭한 업체에서는 직원이 일이 언제 처리될지 고객에게 정확히 알려 준다.",
        "Staff of an excellent business of this kind tell customers exactly when things will happen.",
        "이 업체의 직원은 일이 언제 처리될지 정확히 알려 준다.",
        "This business's staff tell me exactly when things will happen.",
    ),
    (
        "이 업종의 훌륭한 업체에서는 직원이 고객을 기다리게 하지 않고 신속하게 응대한다.",
        "Staff of an excellent business of this kind attend to customers quickly, without keeping them waiting.",
        "이 업체의 직원은 나를 기다리게 하지 않고 신속하게 응대한다.",
        "This business's staff attend to me quickly, without keeping me waiting.",
    ),
    (
        "이 업종의 훌륭한 업체에서는 고객이 도움을 청하면 직원이 기꺼이 나선다.",
        "Staff of an excellent business of this kind gladly step in when a customer asks for help.",
        "이 업체에서는 내가 도움을 청하면 직원이 기꺼이 나선다.",
        "This business's staff gladly step in when I ask for help.",
    ),
    (
        "이 업종의 훌륭한 업체에서는 직원이 바쁠 때에도 고객의 요청에 시간을 내어 응한다.",
        "Staff of an excellent business of this kind make time for customers' requests even when they are busy.",
        "이 업체의 직원은 바쁠 때에도 내 요청에 시간을 내어 응한다.",
        "This business's staff make time for my requests even when they are busy.",
    ),
    // Assurance
    (
        "이 업종의 훌륭한 업체에서는 직원의 태도와 행동이 고객에게 믿음을 준다.",
        "The way staff of an excellent business of this kind conduct themselves makes customers trust the business.",
        "이 업체 직원의 태도와 행동은 내게 믿음을 준다.",
        "The way this business's staff conduct themselves makes me trust the business.",
    ),
    (
        "이 업종의 훌륭한 업체와 거래하는 고객은 결제, 개인정보, 상담 등에서 안심할 수 있다.",
        "Customers of an excellent business of this kind can deal with it without worry, whether paying, sharing personal details or taking advice.",
        "나는 이 업체와 거래할 때 결제, 개인정보, 상담 등에서 안심할 수 있다.",
        "I can deal with this business without worry, whether paying, sharing personal details or taking advice.",
    ),
    (
        "이 업종의 훌륭한 업체에서는 직원이 언제나 고객을 예의 바르게 대한다.",
        "Staff of an excellent business of this kind treat customers with good manners every time.",
        "이 업체의 직원은 언제나 나를 예의 바르게 대한다.",
        "This business's staff treat me with good manners every time.",
    ),
    (
        "이 업종의 훌륭한 업체에서는 직원이 고객의 질문에 답할 수 있을 만큼 업무를 잘 안다.",
        "Staff of an excellent business of this kind know their work well enough to answer customers' questions.",
        "이 업체의 직원은 내 질문에 답할 수 있을 만큼 업무를 잘 안다.",
        "This business's staff know their work well enough to answer my questions.",
    ),
    // Empathy
    (
        "이 업종의 훌륭한 업체는 고객 한 사람 한 사람을 개별적으로 대한다.",
        "An excellent business of this kind deals with each customer as an individual.",
        "이 업체는 나를 한 사람의 고객으로서 개별적으로 대한다.",
        "This business deals with me as an individual.",
    ),
    (
        "이 업종의 훌륭한 업체는 고객이 이용하기 편한 시간에 문을 열거나 연락이 닿는다.",
        "An excellent business of this kind is open, or can be reached, at times that suit its customers.",
        "이 업체는 내가 이용하기 편한 시간에 문을 열거나 연락이 닿는다.",
        "This business is open, or can be reached, at times that suit me.",
    ),
    (
        "이 업종의 훌륭한 업체에서는 직원이 시간을 들여 고객을 한 명씩 직접 챙긴다.",
        "Staff of an excellent business of this kind take the time to look after each customer themselves.",
        "이 업체의 직원은 시간을 들여 나를 직접 챙겨 준다.",
        "This business's staff take the time to look after me themselves.",
    ),
    (
        "이 업종의 훌륭한 업체는 무엇이 고객에게 이로운지를 먼저 생각한다.",
        "An excellent business of this kind thinks first of what is good for the customer.",
        "이 업체는 무엇이 나에게 이로운지를 먼저 생각한다.",
        "This business thinks first of what is good for me.",
    ),
    (
        "이 업종의 훌륭한 업체에서는 직원이 고객마다 무엇이 필요한지 이해한다.",
        "Staff of an excellent business of this kind understand what each customer in particular needs.",
        "이 업체의 직원은 내게 특히 무엇이 필요한지 이해한다.",
        "This business's staff understand what I in particular need.",
    ),
];

/// A short, customer-facing account of a SERVQUAL dimension (shown beside the importance
/// allocation, where the dimension's name alone would be jargon).
pub fn servqual_dimension_hint(code: &str) -> Option<LocalizedText> {
    let (ko, en) = match code {
        "tangibles" => (
            "시설, 장비, 직원의 차림새, 안내 자료의 겉모습",
            "How the premises, equipment, staff and printed material look",
        ),
        "reliability" => (
            "약속한 것을 매번 정확하게 지키는 것",
            "Doing what was promised, correctly, every time",
        ),
        "responsiveness" => (
            "기꺼이 돕고 빠르게 응대하는 것",
            "Readiness to help and quick attention",
        ),
        "assurance" => (
            "직원의 전문 지식과 예의, 그리고 믿고 맡길 수 있다는 느낌",
            "Staff who know their work and are courteous, so you feel in safe hands",
        ),
        "empathy" => (
            "고객 한 사람 한 사람에 대한 세심한 배려와 관심",
            "Personal care and attention for each customer",
        ),
        _ => return None,
    };
    Some(text(ko, en))
}

/// SERVQUAL: 22 pairs, all expectation items first (`e01`..`e22`), then the perception items
/// (`p01`..`p22`), paired by `q01`..`q22`, on a 1–7 agreement scale, with importance points.
pub fn servqual() -> InstrumentDef {
    let dims: Vec<&str> = SERVQUAL_DIMENSIONS
        .iter()
        .flat_map(|&(code, _, _, n)| std::iter::repeat_n(code, n))
        .collect();
    let item = |i: usize, section: Section, ko: &str, en: &str| {
        let prefix = if section == Section::Expectation {
            'e'
        } else {
            'p'
        };
        Item {
            code: format!("{prefix}{:02}", i + 1),
            dimension: dims[i].into(),
            section,
            pair: Some(format!("q{:02}", i + 1)),
            text: text(ko, en),
            required: false,
        }
    };
    let expectations = SERVQUAL_PAIRS
        .iter()
        .enumerate()
        .map(|(i, &(ko, en, _, _))| item(i, Section::Expectation, ko, en));
    let perceptions = SERVQUAL_PAIRS
        .iter()
        .enumerate()
        .map(|(i, &(_, _, ko, en))| item(i, Section::Perception, ko, en));
    InstrumentDef {
        kind: InstrumentKind::Servqual,
        scale: Scale { min: 1, max: 7 },
        anchors: Some(agree_anchors()),
        dimensions: SERVQUAL_DIMENSIONS
            .iter()
            .map(|&(code, ko, en, _)| dimension(code, ko, en))
            .collect(),
        items: expectations.chain(perceptions).collect(),
        importance: true,
        higher_is_better: true,
        scale_version: None,
    }
}

fn single(
    kind: InstrumentKind,
    scale: Scale,
    anchors: ScaleAnchors,
    dim: Dimension,
    code: &str,
    question: LocalizedText,
) -> InstrumentDef {
    InstrumentDef {
        kind,
        scale,
        anchors: Some(anchors),
        items: vec![Item {
            code: code.into(),
            dimension: dim.code.clone(),
            section: Section::Single,
            pair: None,
            text: question,
            required: true,
        }],
        dimensions: vec![dim],
        importance: false,
        higher_is_better: true,
        scale_version: None,
    }
}

/// Customer satisfaction with today's service, 1–5.
pub fn csat() -> InstrumentDef {
    single(
        InstrumentKind::Csat,
        Scale { min: 1, max: 5 },
        ScaleAnchors {
            low: text("매우 불만족", "Very dissatisfied"),
            high: text("매우 만족", "Very satisfied"),
        },
        dimension("satisfaction", "만족도", "Satisfaction"),
        "csat",
        text(
            "오늘 받으신 서비스에 전반적으로 얼마나 만족하셨나요?",
            "Overall, how satisfied are you with the service you received today?",
        ),
    )
}

/// Likelihood to recommend, 0–10.
pub fn nps() -> InstrumentDef {
    single(
        InstrumentKind::Nps,
        Scale { min: 0, max: 10 },
        ScaleAnchors {
            low: text("전혀 추천하지 않겠다", "Not at all likely"),
            high: text("꼭 추천하겠다", "Extremely likely"),
        },
        dimension("loyalty", "충성도", "Loyalty"),
        "nps",
        text(
            "저희를 친구나 동료에게 추천하실 가능성은 얼마나 되나요?",
            "How likely are you to recommend us to a friend or colleague?",
        ),
    )
}

/// Customer effort in the CES 2.0 form: agreement, 1–7, that handling the request was easy
/// (so a higher answer is the better one).
pub fn effort() -> InstrumentDef {
    InstrumentDef {
        scale_version: Some("CES 2.0".into()),
        ..single(
            InstrumentKind::Effort,
            Scale { min: 1, max: 7 },
            agree_anchors(),
            dimension("effort", "고객 노력", "Customer effort"),
            "effort",
            text(
                "이 업체 덕분에 제 요청을 수월하게 해결할 수 있었다.",
                "This business made it easy for me to get my request dealt with.",
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_builtin_is_a_valid_instrument() {
        for b in builtins() {
            if let Err(e) = b.def.clone().validate("definition") {
                panic!("{} is invalid: {e:?}", b.code);
            }
        }
    }

    #[test]
    fn builtins_come_in_the_offered_order() {
        let codes: Vec<_> = builtins().iter().map(|b| b.code).collect();
        assert_eq!(codes, ["servqual", "csat", "nps", "effort"]);
    }

    #[test]
    fn servqual_has_22_pairs_spread_4_5_4_4_5_over_the_dimensions() {
        let def = servqual();
        let pairs = def.pairs();
        assert_eq!(pairs.len(), 22);
        let mut per_dimension = vec![0; def.dimensions.len()];
        for p in &pairs {
            per_dimension[p.dimension] += 1;
            let (e, p) = (&def.items[p.expectation], &def.items[p.perception]);
            assert_eq!(e.code[1..], p.code[1..]);
            assert_eq!(e.pair, p.pair);
        }
        assert_eq!(per_dimension, [4, 5, 4, 4, 5]);
        let codes: Vec<_> = def.dimensions.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "tangibles",
                "reliability",
                "responsiveness",
                "assurance",
                "empathy"
            ]
        );
    }

    #[test]
    fn servqual_asks_all_expectations_before_any_perception() {
        let def = servqual();
        let codes: Vec<_> = def.items.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(codes[0], "e01");
        assert_eq!(codes[21], "e22");
        assert_eq!(codes[22], "p01");
        assert_eq!(codes[43], "p22");
        assert!(
            def.items[..22]
                .iter()
                .all(|i| i.section == Section::Expectation)
        );
        assert!(
            def.items[22..]
                .iter()
                .all(|i| i.section == Section::Perception)
        );
        assert!(def.items.iter().all(|i| !i.required));
        assert!(def.importance && def.higher_is_better);
        assert_eq!(def.scale, Scale { min: 1, max: 7 });
    }

    #[test]
    fn short_instruments_ask_one_required_question() {
        for (def, code, dim, scale) in [
            (csat(), "csat", "satisfaction", (1, 5)),
            (nps(), "nps", "loyalty", (0, 10)),
            (effort(), "effort", "effort", (1, 7)),
        ] {
            assert_eq!(def.items.len(), 1);
            assert_eq!(def.items[0].code, code);
            assert_eq!(def.items[0].dimension, dim);
            assert!(def.items[0].required);
            assert_eq!((def.scale.min, def.scale.max), scale);
            assert!(def.anchors.is_some());
        }
        assert_eq!(effort().scale_version.as_deref(), Some("CES 2.0"));
        assert!(effort().higher_is_better);
    }

    #[test]
    fn no_text_is_empty_or_repeated_within_an_instrument() {
        for b in builtins() {
            let mut texts: Vec<(&str, &str)> = vec![(&b.name.ko, &b.name.en)];
            texts.extend(b.def.items.iter().map(|i| (&*i.text.ko, &*i.text.en)));
            texts.extend(b.def.dimensions.iter().map(|d| (&*d.name.ko, &*d.name.en)));
            if let Some(a) = &b.def.anchors {
                texts.push((&a.low.ko, &a.low.en));
                texts.push((&a.high.ko, &a.high.en));
            }
            let mut ko = HashSet::new();
            let mut en = HashSet::new();
            for (k, e) in texts {
                assert!(!k.trim().is_empty() && !e.trim().is_empty(), "{}", b.code);
                assert!(ko.insert(k), "{}: repeated Korean text {k}", b.code);
                assert!(en.insert(e), "{}: repeated English text {e}", b.code);
            }
        }
    }

    #[test]
    fn every_servqual_dimension_has_a_hint() {
        for d in servqual().dimensions {
            let hint = servqual_dimension_hint(&d.code).unwrap();
            assert!(!hint.ko.is_empty() && !hint.en.is_empty());
        }
        assert!(servqual_dimension_hint("loyalty").is_none());
    }
}
