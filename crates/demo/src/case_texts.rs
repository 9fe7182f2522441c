//! What the demo's recovery cases say: for every kind of failure the encounter model produces
//! (the `issue` of a failed encounter), its category in the taxonomy, how severe it tends to
//! be, its likely root causes, how it is put right, and the words of staff and customers in
//! Korean and English.

use rapport_domain::customer::Locale;

/// How a failure is put right, beyond the apology.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Remedy {
    /// Make or deliver it again (a dish, an order).
    Remake,
    /// Give back money that was charged or taken wrongly.
    Refund,
    /// Nothing to redo: compensate the lost time or the bad moment.
    Goodwill,
    /// Process the request or the record again, correctly.
    Correct,
    /// Explain what happened and how to go on.
    Explain,
    /// Replace the item (a card the ATM kept).
    Exchange,
}

pub(crate) struct Issue {
    /// As the encounter model writes it in the `issue` attribute.
    pub code: &'static str,
    pub category: &'static str,
    /// Weights of severity 1 (critical) to 4 (minor).
    pub severity: [f64; 4],
    pub causes: &'static [(f64, &'static str)],
    /// What staff write down.
    pub note_ko: &'static str,
    /// The customer's own words.
    pub said_ko: &'static str,
    pub said_en: &'static str,
    /// "We are sorry for …".
    pub sorry_ko: &'static str,
    pub sorry_en: &'static str,
    pub remedy: Remedy,
    /// What putting it right looked like, for the resolution note.
    pub fix_ko: &'static str,
}

/// Mostly moderate and minor, some major, rarely critical.
const USUAL: [f64; 4] = [0.01, 0.12, 0.52, 0.35];
/// Money went wrong: more often major.
const MONEY: [f64; 4] = [0.03, 0.25, 0.52, 0.20];
const MINOR: [f64; 4] = [0.0, 0.06, 0.44, 0.50];

const fn issue(
    code: &'static str,
    category: &'static str,
    severity: [f64; 4],
    causes: &'static [(f64, &'static str)],
    remedy: Remedy,
    texts: [&'static str; 6],
) -> Issue {
    let [note_ko, said_ko, said_en, sorry_ko, sorry_en, fix_ko] = texts;
    Issue {
        code,
        category,
        severity,
        causes,
        note_ko,
        said_ko,
        said_en,
        sorry_ko,
        sorry_en,
        remedy,
        fix_ko,
    }
}

const STAFFING: &str = "cause.staffing";
const TRAINING: &str = "cause.training";
const PROCESS: &str = "cause.process_design";
const SYSTEM: &str = "cause.equipment_system";
const SUPPLIER: &str = "cause.supplier";
const POLICY: &str = "cause.policy";
const COMMUNICATION: &str = "cause.communication";
const FACILITY: &str = "cause.facility";
const CUSTOMER: &str = "cause.customer_side";

use Remedy::*;

pub(crate) const ISSUES: &[Issue] = &[
    // ---- the restaurants ----
    issue(
        "food_late",
        "process.slow_service",
        USUAL,
        &[
            (0.5, STAFFING),
            (0.2, PROCESS),
            (0.2, COMMUNICATION),
            (0.1, SUPPLIER),
        ],
        Goodwill,
        [
            "음식 제공이 40분 이상 지연됨",
            "주문하고 40분이 넘도록 음식이 안 나왔어요.",
            "We waited over forty minutes for our food.",
            "음식이 너무 늦게 나온 점",
            "the long wait for your food",
            "지연된 메뉴를 우선 조리하고 음료를 서비스로 드림",
        ],
    ),
    issue(
        "wrong_order",
        "outcome.wrong_item",
        USUAL,
        &[(0.5, COMMUNICATION), (0.3, TRAINING), (0.2, PROCESS)],
        Remake,
        [
            "주문과 다른 메뉴가 제공됨",
            "주문한 메뉴랑 다른 음식이 나왔어요.",
            "We got a different dish from the one we ordered.",
            "주문과 다른 메뉴를 드린 점",
            "serving you a dish you did not order",
            "주문하신 메뉴로 다시 조리해 제공함",
        ],
    ),
    issue(
        "food_quality",
        "outcome.poor_quality",
        [0.02, 0.15, 0.5, 0.33],
        &[
            (0.3, SUPPLIER),
            (0.3, TRAINING),
            (0.2, PROCESS),
            (0.2, SYSTEM),
        ],
        Remake,
        [
            "음식이 덜 익었거나 맛이 변했다는 지적",
            "고기가 덜 익어서 나왔고 맛도 좀 이상했어요.",
            "The meat was undercooked and tasted off.",
            "음식 상태가 기준에 못 미친 점",
            "food that was not up to our standard",
            "새로 조리해 제공하고 해당 메뉴 금액을 조정함",
        ],
    ),
    issue(
        "staff_attitude",
        "process.staff_attitude",
        USUAL,
        &[(0.6, TRAINING), (0.3, STAFFING), (0.1, CUSTOMER)],
        Goodwill,
        [
            "직원 응대가 불친절했다는 불만",
            "직원분이 너무 퉁명스럽게 대해서 기분이 상했어요.",
            "The staff member was curt with us and it spoiled the visit.",
            "직원의 응대로 마음을 상하게 해 드린 점",
            "the way our staff member treated you",
            "책임자가 직접 사과하고 해당 직원과 면담함",
        ],
    ),
    issue(
        "cleanliness",
        "process.facility",
        MINOR,
        &[(0.5, FACILITY), (0.5, STAFFING)],
        Goodwill,
        [
            "테이블·화장실 청결 상태 불량",
            "테이블이 끈적거리고 화장실이 너무 더러웠어요.",
            "The table was sticky and the restroom was dirty.",
            "청결하지 못한 환경으로 불쾌감을 드린 점",
            "the state of our tables and restroom",
            "즉시 청소하고 마감 점검표에 항목을 추가함",
        ],
    ),
    issue(
        "wait_too_long",
        "process.long_wait",
        USUAL,
        &[(0.6, STAFFING), (0.3, PROCESS), (0.1, SYSTEM)],
        Goodwill,
        [
            "대기 시간이 안내보다 크게 길어짐",
            "안내받은 것보다 훨씬 오래, 한 시간 가까이 기다렸어요.",
            "We waited far longer than we were told, almost an hour.",
            "오래 기다리시게 한 점",
            "keeping you waiting so long",
            "대기 안내 방식을 점검하고 다음 방문 때 우선 안내하기로 함",
        ],
    ),
    issue(
        "reservation_missing",
        "outcome.record_error",
        USUAL,
        &[(0.5, COMMUNICATION), (0.3, SYSTEM), (0.2, TRAINING)],
        Goodwill,
        [
            "예약 내역이 확인되지 않아 입장이 지연됨",
            "분명히 예약했는데 예약이 없다고 해서 한참 서 있었어요.",
            "We had a booking, but you had no record of it and we were left standing.",
            "예약이 누락되어 불편을 드린 점",
            "losing your booking",
            "좌석을 우선 배정하고 예약 기록을 확인함",
        ],
    ),
    issue(
        "seating_mixup",
        "process.handoff_failure",
        MINOR,
        &[(0.7, COMMUNICATION), (0.3, PROCESS)],
        Goodwill,
        [
            "좌석 배정 혼선으로 다른 일행과 자리가 겹침",
            "안내받은 자리에 이미 다른 손님이 있어서 두 번이나 옮겼어요.",
            "We were shown to a table that was taken and had to move twice.",
            "자리 안내가 엇갈려 번거롭게 해 드린 점",
            "the mix-up with your table",
            "좌석을 다시 배정하고 홀과 입구 사이 인계 방식을 보완함",
        ],
    ),
    issue(
        "billing_error",
        "outcome.billing_error",
        MONEY,
        &[(0.4, TRAINING), (0.4, SYSTEM), (0.2, PROCESS)],
        Refund,
        [
            "주문하지 않은 메뉴가 계산서에 포함됨",
            "영수증을 보니 시키지 않은 메뉴가 계산돼 있었어요.",
            "The receipt had an item we never ordered.",
            "계산이 잘못된 점",
            "the error on your bill",
            "과다 청구된 금액을 환불함",
        ],
    ),
    issue(
        "card_declined",
        "outcome.unavailable",
        MINOR,
        &[(0.7, SYSTEM), (0.3, CUSTOMER)],
        Goodwill,
        [
            "카드 단말기 오류로 결제가 지연됨",
            "카드 결제가 계속 안 돼서 계산대 앞에 한참 서 있었어요.",
            "The card machine kept failing and we stood at the counter for ages.",
            "결제가 원활하지 않아 불편을 드린 점",
            "the trouble with our card terminal",
            "단말기를 교체하고 간편결제로 결제를 마침",
        ],
    ),
    issue(
        "coupon_not_applied",
        "outcome.billing_error",
        MINOR,
        &[(0.4, SYSTEM), (0.4, TRAINING), (0.2, POLICY)],
        Refund,
        [
            "쿠폰·멤버십 할인이 적용되지 않음",
            "쿠폰을 보여드렸는데 할인이 적용되지 않았어요.",
            "I showed my coupon but the discount was not applied.",
            "할인이 적용되지 않은 점",
            "the missing discount",
            "적용되지 않은 할인 금액을 환불함",
        ],
    ),
    issue(
        "no_answer",
        "process.long_wait",
        MINOR,
        &[(0.8, STAFFING), (0.2, SYSTEM)],
        Goodwill,
        [
            "예약 전화가 여러 번 연결되지 않음",
            "몇 번을 전화해도 받지를 않네요.",
            "I called several times and nobody answered.",
            "전화를 받지 못해 불편을 드린 점",
            "not answering your calls",
            "다시 전화드려 예약을 마침",
        ],
    ),
    issue(
        "booking_error",
        "outcome.record_error",
        USUAL,
        &[(0.4, COMMUNICATION), (0.3, SYSTEM), (0.3, TRAINING)],
        Correct,
        [
            "예약 일시가 잘못 등록됨",
            "예약한 날짜랑 다르게 잡혀 있었어요.",
            "My booking was entered for the wrong date.",
            "예약을 잘못 등록한 점",
            "getting your booking wrong",
            "예약을 바로잡고 확인 문자를 보냄",
        ],
    ),
    issue(
        "double_booking",
        "outcome.record_error",
        USUAL,
        &[(0.8, SYSTEM), (0.2, PROCESS)],
        Goodwill,
        [
            "같은 시간대 좌석이 이중으로 예약됨",
            "예약하고 갔는데 자리가 중복 예약돼 있었어요.",
            "Our table had been booked twice for the same time.",
            "예약이 중복되어 불편을 드린 점",
            "the double booking",
            "좌석을 우선 배정하고 예약 시스템 오류를 신고함",
        ],
    ),
    issue(
        "confirmation_missing",
        "process.no_follow_up",
        MINOR,
        &[(0.8, SYSTEM), (0.2, PROCESS)],
        Correct,
        [
            "예약 확정 문자가 발송되지 않음",
            "예약 확정 문자가 안 와서 예약이 된 건지 모르겠어요.",
            "I never got a confirmation, so I don't know if my booking went through.",
            "예약 확인 안내를 드리지 못한 점",
            "not confirming your booking",
            "예약을 확인하고 확정 문자를 다시 보냄",
        ],
    ),
    issue(
        "kiosk_error",
        "outcome.unavailable",
        MINOR,
        &[(0.9, SYSTEM), (0.1, CUSTOMER)],
        Goodwill,
        [
            "키오스크 화면 멈춤으로 주문 불가",
            "키오스크가 멈춰서 주문을 못 했어요.",
            "The kiosk froze and I couldn't order.",
            "키오스크 오류로 불편을 드린 점",
            "the kiosk breaking down",
            "직원이 직접 주문을 받고 키오스크를 재시작함",
        ],
    ),
    issue(
        "payment_error",
        "outcome.billing_error",
        MONEY,
        &[(0.9, SYSTEM), (0.1, CUSTOMER)],
        Refund,
        [
            "키오스크 결제가 두 번 승인됨",
            "키오스크에서 결제가 두 번 됐어요.",
            "The kiosk charged my card twice.",
            "결제가 중복으로 처리된 점",
            "charging you twice",
            "중복 결제 승인을 취소함",
        ],
    ),
    issue(
        "late_delivery",
        "process.broken_promise",
        USUAL,
        &[(0.6, SUPPLIER), (0.3, STAFFING), (0.1, FACILITY)],
        Refund,
        [
            "배달이 예정 시간보다 50분 이상 늦게 도착함",
            "배달이 한 시간 가까이 늦게 왔어요.",
            "The delivery arrived almost an hour late.",
            "배달이 늦어진 점",
            "your delivery arriving so late",
            "배달 대행사에 지연을 알리고 배달비를 환불함",
        ],
    ),
    issue(
        "missing_item",
        "outcome.wrong_item",
        USUAL,
        &[(0.4, COMMUNICATION), (0.4, PROCESS), (0.2, TRAINING)],
        Remake,
        [
            "배달 주문 중 일부 메뉴가 누락됨",
            "주문한 메뉴 중에 하나가 빠져 있었어요.",
            "One of the dishes was missing from my order.",
            "주문하신 메뉴를 빠뜨린 점",
            "leaving part of your order out",
            "빠진 메뉴를 다시 배달함",
        ],
    ),
    issue(
        "spilled",
        "outcome.damage_loss",
        USUAL,
        &[(0.6, SUPPLIER), (0.4, PROCESS)],
        Remake,
        [
            "배달 중 국물이 새어 포장이 훼손됨",
            "국물이 다 새서 봉투가 엉망이었어요.",
            "The soup leaked everywhere in the bag.",
            "음식이 훼손된 채 도착한 점",
            "your food arriving spilled",
            "새로 조리해 다시 배달하고 포장 용기 교체를 검토함",
        ],
    ),
    issue(
        "cold_food",
        "outcome.poor_quality",
        MINOR,
        &[(0.5, SUPPLIER), (0.3, PROCESS), (0.2, STAFFING)],
        Remake,
        [
            "배달 음식이 식은 상태로 도착함",
            "음식이 다 식어서 왔어요.",
            "The food arrived cold.",
            "음식이 식은 채 도착한 점",
            "your food arriving cold",
            "다시 조리해 배달함",
        ],
    ),
    // ---- contact centres of both businesses ----
    issue(
        "long_hold",
        "process.long_wait",
        MINOR,
        &[(0.8, STAFFING), (0.2, SYSTEM)],
        Goodwill,
        [
            "상담 연결까지 20분 이상 대기",
            "상담원 연결까지 20분 넘게 기다렸어요.",
            "I was on hold for over twenty minutes.",
            "오래 기다리시게 한 점",
            "keeping you on hold so long",
            "먼저 전화드려 상담을 마침",
        ],
    ),
    issue(
        "unresolved",
        "outcome.not_completed",
        USUAL,
        &[(0.4, TRAINING), (0.3, POLICY), (0.3, COMMUNICATION)],
        Correct,
        [
            "상담 후에도 문의가 해결되지 않음",
            "상담을 했는데 결국 해결된 게 없어요.",
            "I talked to your staff but nothing was actually solved.",
            "문의를 해결해 드리지 못한 점",
            "not resolving your request",
            "담당 부서와 확인해 요청 사항을 처리함",
        ],
    ),
    issue(
        "transferred_around",
        "process.handoff_failure",
        USUAL,
        &[(0.5, PROCESS), (0.5, COMMUNICATION)],
        Goodwill,
        [
            "여러 부서로 전화가 돌려짐",
            "전화를 세 번이나 돌려서 같은 얘기를 계속 했어요.",
            "I was transferred three times and had to repeat myself.",
            "같은 설명을 여러 번 하시게 한 점",
            "making you repeat yourself",
            "한 담당자가 끝까지 맡아 처리함",
        ],
    ),
    issue(
        "bot_loop",
        "process.handoff_failure",
        MINOR,
        &[(0.7, SYSTEM), (0.3, PROCESS)],
        Goodwill,
        [
            "챗봇 응답이 반복되어 상담원 연결 실패",
            "챗봇이 같은 말만 반복하고 상담원 연결이 안 돼요.",
            "The chatbot kept repeating itself and never put me through to a person.",
            "상담원 연결이 되지 않아 답답하게 해 드린 점",
            "the chatbot keeping you from a real person",
            "상담원이 직접 응대하고 챗봇 시나리오 수정을 요청함",
        ],
    ),
    issue(
        "slow_reply",
        "process.slow_service",
        MINOR,
        &[(0.8, STAFFING), (0.2, SYSTEM)],
        Goodwill,
        [
            "채팅 답변이 매우 늦음",
            "채팅 답이 너무 늦게 와요.",
            "Replies in the chat took forever.",
            "답변이 늦어진 점",
            "our slow replies",
            "답변을 마치고 채팅 배정 기준을 조정함",
        ],
    ),
    issue(
        "late_reply",
        "process.no_follow_up",
        MINOR,
        &[(0.7, STAFFING), (0.3, PROCESS)],
        Goodwill,
        [
            "문의 회신이 약속한 기한을 넘김",
            "메일 보낸 지 일주일이 넘었는데 답이 없어요.",
            "I wrote over a week ago and heard nothing back.",
            "답변이 늦어진 점",
            "taking so long to get back to you",
            "회신을 마치고 답변 기한 관리를 강화함",
        ],
    ),
    // ---- the bank ----
    issue(
        "wrong_queue",
        "process.wrong_information",
        MINOR,
        &[(0.6, PROCESS), (0.4, SYSTEM)],
        Goodwill,
        [
            "잘못된 창구로 안내되어 다시 대기함",
            "안내받은 창구가 아니라서 번호표를 다시 뽑았어요.",
            "I was sent to the wrong counter and had to queue again.",
            "창구를 잘못 안내해 다시 기다리시게 한 점",
            "sending you to the wrong counter",
            "우선 처리하고 번호표 안내 문구를 고침",
        ],
    ),
    issue(
        "document_error",
        "outcome.record_error",
        USUAL,
        &[(0.6, TRAINING), (0.4, PROCESS)],
        Correct,
        [
            "서류 처리 과정에서 정보가 잘못 입력됨",
            "서류에 제 정보가 잘못 들어가 있었어요.",
            "My details were entered wrongly on the forms.",
            "서류를 잘못 처리한 점",
            "the error in your paperwork",
            "정정 처리 후 사본을 보내 드림",
        ],
    ),
    issue(
        "wrong_amount",
        "outcome.billing_error",
        MONEY,
        &[(0.6, TRAINING), (0.2, SYSTEM), (0.2, PROCESS)],
        Refund,
        [
            "창구 거래 금액 오류",
            "입금한 금액이랑 통장에 찍힌 금액이 달라요.",
            "The amount on my account doesn't match what I deposited.",
            "거래 금액을 잘못 처리한 점",
            "processing the wrong amount",
            "거래를 정정해 차액을 반영하고 수수료를 돌려드림",
        ],
    ),
    issue(
        "system_down",
        "outcome.unavailable",
        USUAL,
        &[(1.0, SYSTEM)],
        Goodwill,
        [
            "전산 장애로 창구 업무 중단",
            "전산 장애라고 해서 한참 기다리다 그냥 돌아왔어요.",
            "The system was down and I left without being served.",
            "전산 장애로 업무를 보지 못하게 한 점",
            "the system outage that stopped your transaction",
            "전산 복구 후 다시 방문하지 않으시도록 처리를 마침",
        ],
    ),
    issue(
        "explanation_unclear",
        "process.wrong_information",
        USUAL,
        &[(0.7, TRAINING), (0.3, PROCESS)],
        Explain,
        [
            "상품·조건 설명이 불충분했다는 지적",
            "설명을 들어도 조건이 뭔지 잘 모르겠어요.",
            "Even after the explanation I don't understand the terms.",
            "충분히 설명드리지 못한 점",
            "not explaining things clearly",
            "상품 조건을 다시 설명하고 요약 안내문을 전달함",
        ],
    ),
    issue(
        "missing_documents",
        "process.wrong_information",
        USUAL,
        &[(0.6, COMMUNICATION), (0.2, CUSTOMER), (0.2, PROCESS)],
        Goodwill,
        [
            "필요 서류를 미리 안내하지 않아 재방문하심",
            "필요한 서류를 미리 말해 줬으면 두 번 올 일은 없었잖아요.",
            "If you had told me which documents to bring, I wouldn't have had to come twice.",
            "필요 서류를 미리 안내하지 못한 점",
            "not telling you which documents to bring",
            "서류 목록을 문자로 보내고 재방문 때 우선 처리함",
        ],
    ),
    issue(
        "review_delayed",
        "process.broken_promise",
        [0.02, 0.25, 0.5, 0.23],
        &[(0.5, STAFFING), (0.3, PROCESS), (0.2, POLICY)],
        Explain,
        [
            "대출 심사 결과가 안내한 기한보다 늦어짐",
            "심사 결과가 일주일이면 나온다더니 아직 소식이 없어요.",
            "You said a week for the loan decision and I still haven't heard.",
            "심사 결과 안내가 늦어진 점",
            "the delay in your loan decision",
            "심사를 마치고 결과를 안내함",
        ],
    ),
    issue(
        "unsuitable_product",
        "process.wrong_information",
        [0.03, 0.27, 0.5, 0.2],
        &[(0.5, TRAINING), (0.5, POLICY)],
        Explain,
        [
            "고객 투자 성향에 맞지 않는 상품을 권유함",
            "위험한 상품인 줄 모르고 가입했어요.",
            "I signed up without being told how risky the product was.",
            "고객님께 맞지 않는 상품을 권해 드린 점",
            "recommending a product that did not suit you",
            "상품을 재검토하고 해지·전환 방법을 안내함",
        ],
    ),
    issue(
        "cash_not_dispensed",
        "outcome.billing_error",
        MONEY,
        &[(0.9, SYSTEM), (0.1, SUPPLIER)],
        Refund,
        [
            "ATM 출금 시 현금이 나오지 않았으나 계좌에서는 출금 처리됨",
            "ATM에서 돈은 안 나왔는데 통장에서는 빠져나갔어요.",
            "The ATM didn't give me the cash but my account was debited.",
            "출금 오류로 걱정을 끼쳐 드린 점",
            "the ATM taking your money without giving you the cash",
            "ATM 시재를 확인해 미지급 금액을 계좌로 돌려드림",
        ],
    ),
    issue(
        "card_retained",
        "outcome.unavailable",
        USUAL,
        &[(0.9, SYSTEM), (0.1, CUSTOMER)],
        Exchange,
        [
            "ATM에 카드가 회수됨",
            "ATM이 카드를 먹고 돌려주지 않았어요.",
            "The ATM swallowed my card.",
            "카드가 기기에 회수되어 불편을 드린 점",
            "the ATM keeping your card",
            "카드를 새로 발급해 드림",
        ],
    ),
    issue(
        "machine_down",
        "outcome.unavailable",
        MINOR,
        &[(0.9, SYSTEM), (0.1, SUPPLIER)],
        Goodwill,
        [
            "ATM 고장으로 이용 불가",
            "ATM이 고장 나서 한 대도 못 썼어요.",
            "None of the ATMs were working.",
            "기기 고장으로 이용하지 못하신 점",
            "our machines being out of order",
            "기기 수리를 마침",
        ],
    ),
    issue(
        "login_failed",
        "outcome.unavailable",
        MINOR,
        &[(0.5, SYSTEM), (0.5, CUSTOMER)],
        Explain,
        [
            "로그인 오류가 반복됨",
            "로그인이 계속 안 돼서 이체를 못 했어요.",
            "I couldn't log in and missed a transfer.",
            "로그인 오류로 불편을 드린 점",
            "the login problems",
            "인증 정보 초기화를 안내해 로그인이 정상화됨",
        ],
    ),
    issue(
        "transfer_error",
        "outcome.billing_error",
        MONEY,
        &[(0.8, SYSTEM), (0.2, PROCESS)],
        Refund,
        [
            "이체가 처리 중 상태로 멈추고 출금만 됨",
            "이체가 안 됐다고 나오는데 돈은 빠져나갔어요.",
            "The transfer failed but the money left my account.",
            "이체 오류로 걱정을 끼쳐 드린 점",
            "the failed transfer",
            "이체를 정정하고 수수료를 돌려드림",
        ],
    ),
    issue(
        "app_crash",
        "outcome.unavailable",
        MINOR,
        &[(1.0, SYSTEM)],
        Explain,
        [
            "앱 실행 중 강제 종료",
            "앱이 계속 꺼져요.",
            "The app keeps crashing.",
            "앱 오류로 불편을 드린 점",
            "the app crashing",
            "수정된 앱 업데이트를 안내함",
        ],
    ),
    issue(
        "certificate_error",
        "outcome.unavailable",
        MINOR,
        &[(0.6, SYSTEM), (0.4, CUSTOMER)],
        Explain,
        [
            "인증서 오류로 거래 불가",
            "인증서 오류 때문에 아무것도 못 하고 있어요.",
            "A certificate error is blocking everything I try to do.",
            "인증서 오류로 불편을 드린 점",
            "the certificate error",
            "인증서 재발급을 안내함",
        ],
    ),
    issue(
        "timeout",
        "outcome.unavailable",
        MINOR,
        &[(1.0, SYSTEM)],
        Explain,
        [
            "인터넷 뱅킹 거래 중 시간 초과",
            "이체하다가 시간 초과로 계속 끊겨요.",
            "My transfer keeps timing out.",
            "거래 중 오류로 불편을 드린 점",
            "the timeouts",
            "서버 증설 후 정상화를 안내함",
        ],
    ),
];

pub(crate) fn issue_index(code: &str) -> Option<usize> {
    ISSUES.iter().position(|i| i.code == code)
}

/// The customer as addressed in a reply.
pub(crate) fn salutation(name: Option<&str>, locale: Locale) -> String {
    match (name, locale) {
        (Some(n), Locale::Ko) => format!("{n} 고객님"),
        (None, Locale::Ko) => "고객님".to_owned(),
        (Some(n), Locale::En) => format!("Dear {n}"),
        (None, Locale::En) => "Dear customer".to_owned(),
    }
}

/// Who a reply goes to and who signs it.
pub(crate) struct Addressee<'a> {
    pub name: Option<&'a str>,
    pub locale: Locale,
    pub unit_ko: &'a str,
    pub unit_en: &'a str,
    pub agent: &'a str,
}

/// The first answer: an apology, the promise of what happens next, a signature.
pub(crate) fn first_reply(
    issue: &Issue,
    to: &Addressee,
    found_first: bool,
    variant: usize,
) -> String {
    let Addressee {
        name,
        locale,
        unit_ko,
        unit_en,
        agent,
    } = *to;
    let hello = salutation(name, locale);
    match locale {
        Locale::Ko => {
            let opening = if found_first {
                format!(
                    "{hello}, {unit_ko}입니다. 저희가 먼저 확인한 일이 있어 연락드립니다. {} 진심으로 사과드립니다.",
                    issue.sorry_ko
                )
            } else {
                [
                    format!(
                        "{hello}, 말씀 주셔서 감사합니다. {} 진심으로 사과드립니다.",
                        issue.sorry_ko
                    ),
                    format!(
                        "{hello}, {unit_ko}입니다. {} 깊이 사과드립니다.",
                        issue.sorry_ko
                    ),
                    format!(
                        "{hello}, 이용 중 불편을 드려 정말 죄송합니다. 무엇보다 {} 사과드립니다.",
                        issue.sorry_ko
                    ),
                ][variant % 3]
                    .clone()
            };
            let next = match issue.remedy {
                Remake => "바로 다시 준비해 드리겠습니다.",
                Refund => "확인되는 대로 바로 환불해 드리겠습니다.",
                Correct => "잘못된 부분은 오늘 안에 바로잡겠습니다.",
                Exchange => "새로 발급해 드리는 절차를 바로 시작하겠습니다.",
                Explain => "어떻게 된 일인지 확인해 자세히 설명드리겠습니다.",
                Goodwill => "경위를 확인해 다시 연락드리겠습니다.",
            };
            format!("{opening} {next}\n담당 {agent} 드림")
        }
        Locale::En => {
            let opening = if found_first {
                format!(
                    "{hello}, this is {unit_en}. We noticed a problem before you told us, and we are sincerely sorry for {}.",
                    issue.sorry_en
                )
            } else {
                [
                    format!(
                        "{hello}, thank you for telling us. We are sincerely sorry for {}.",
                        issue.sorry_en
                    ),
                    format!(
                        "{hello}, this is {unit_en}. Please accept our apologies for {}.",
                        issue.sorry_en
                    ),
                    format!("{hello}, we are very sorry for {}.", issue.sorry_en),
                ][variant % 3]
                    .clone()
            };
            let next = match issue.remedy {
                Remake => "We will prepare it again for you right away.",
                Refund => "We will refund you as soon as we have checked the charge.",
                Correct => "We will put it right today.",
                Exchange => "We are issuing a replacement for you now.",
                Explain => "We are looking into what happened and will explain it in full.",
                Goodwill => "We are looking into it and will get back to you shortly.",
            };
            format!("{opening} {next}\n{agent}")
        }
    }
}

/// A second answer after the case was reopened.
pub(crate) fn reopen_reply(name: Option<&str>, locale: Locale, agent: &str) -> String {
    let hello = salutation(name, locale);
    match locale {
        Locale::Ko => format!(
            "{hello}, 다시 연락하시게 해 드려 정말 죄송합니다. 이번에는 제가 끝까지 직접 확인해 마무리하겠습니다.\n담당 {agent} 드림"
        ),
        Locale::En => format!(
            "{hello}, we are sorry you had to come back to us. This time I will see it through myself.\n{agent}"
        ),
    }
}

/// Why staff wait on the customer, and what the customer sends back.
pub(crate) const WAIT_REASONS: &[(&str, &str, &str)] = &[
    (
        "영수증 사진 요청, 회신 대기",
        "영수증 사진 보내드렸어요.",
        "I've sent a photo of the receipt.",
    ),
    (
        "환불 받으실 계좌 확인 요청, 회신 대기",
        "환불 계좌 정보 보내드립니다.",
        "Here are my account details for the refund.",
    ),
    (
        "통화 가능한 시간 문의, 회신 대기",
        "내일 오후에는 통화 괜찮아요.",
        "Tomorrow afternoon works for a call.",
    ),
    (
        "거래 내역 확인을 위한 추가 정보 요청",
        "말씀하신 거래 내역 캡처해서 보냈습니다.",
        "I've sent the screenshot of the transaction.",
    ),
    (
        "원하시는 처리 방법 문의, 회신 대기",
        "네, 말씀하신 대로 처리해 주세요.",
        "Yes, please go ahead as you suggested.",
    ),
];

pub(crate) const APPROVAL_REASONS: &[&str] = &[
    "보상 기준 범위 안, 승인",
    "심각도와 고객 불편 정도를 감안해 승인",
    "단골 고객 재방문을 고려해 승인",
    "결제 내역 확인 후 승인",
];

/// The follow-up as staff record it, by satisfaction (1–5) or no answer.
pub(crate) fn follow_up_note(satisfaction: Option<u8>, variant: usize) -> &'static str {
    match satisfaction {
        Some(5) => [
            "재방문 의사를 밝히심. 빠른 처리에 고마워하심",
            "매우 만족. 오히려 더 믿음이 간다고 하심",
        ][variant % 2],
        Some(4) => [
            "대체로 만족하심",
            "처리 결과에 만족, 다음에도 이용하겠다고 하심",
        ][variant % 2],
        Some(3) => [
            "보통. 처리가 좀 더 빨랐으면 좋겠다고 하심",
            "처리는 되었지만 번거로웠다고 하심",
        ][variant % 2],
        Some(2) => [
            "불만이 남음. 보상이 부족하다고 하심",
            "처리가 늦어 실망했다고 하심",
        ][variant % 2],
        Some(_) => [
            "매우 불만. 다시 이용하지 않겠다고 하심",
            "처리 과정 전반에 불만을 표하심",
        ][variant % 2],
        None => "두 차례 연락했으나 닿지 않음",
    }
}

/// What was done about the root cause, written on close.
pub(crate) fn close_note(cause: &str) -> &'static str {
    match cause {
        "cause.staffing" => "피크 시간대 인력 배치를 조정하도록 요청함",
        "cause.training" => "담당 직원 재교육 실시",
        "cause.process_design" => "절차 개선 과제로 등록함",
        "cause.equipment_system" => "설비·전산 점검과 교체를 요청함",
        "cause.supplier" => "협력업체에 재발 방지를 요청함",
        "cause.policy" => "규정의 예외 기준 검토를 요청함",
        "cause.communication" => "인수인계 체크리스트를 보완함",
        "cause.facility" => "시설 보수를 요청함",
        "cause.customer_side" => "고객 안내 문구를 보완함",
        _ => "원인을 특정하지 못함. 재발하면 다시 검토",
    }
}

pub(crate) const REOPEN_REASONS: &[&str] = &[
    "고객 재문의: 약속한 환불이 아직 입금되지 않음",
    "고객 재문의: 같은 문제가 다시 생김",
    "고객 재문의: 보상 내용에 이의를 제기하심",
    "사후 연락에서 불만이 남아 다시 처리함",
];

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_domain::taxonomy::{DEFAULT_CATEGORIES, DEFAULT_ROOT_CAUSES};

    #[test]
    fn every_issue_the_encounter_model_writes_has_a_case_design() {
        for unit in crate::model::UNITS {
            for t in crate::model::touchpoints_of(unit) {
                for code in crate::details::issues(t.kind) {
                    assert!(issue_index(code).is_some(), "{code} at {}", t.en);
                }
            }
        }
    }

    #[test]
    fn categories_and_root_causes_are_the_seeded_ones() {
        for i in ISSUES {
            assert!(
                DEFAULT_CATEGORIES.iter().any(|c| c.code == i.category),
                "{}",
                i.category
            );
            for (_, cause) in i.causes {
                assert!(
                    DEFAULT_ROOT_CAUSES.iter().any(|r| r.code == *cause),
                    "{cause}"
                );
            }
            let total: f64 = i.severity.iter().sum();
            assert!((total - 1.0).abs() < 1e-9, "{}", i.code);
        }
    }
}
