//! What each kind of encounter carries beyond its times: revenue in won where money changes
//! hands, a few attributes that give it meaning, and what went wrong when it failed.

use rand::{Rng, RngExt};
use serde_json::{Map, Value, json};

use crate::model::Kind;
use crate::sample::{lognormal_mean, pick, pick_weighted};

pub(crate) struct Details {
    pub revenue_won: Option<i64>,
    pub attributes: Option<String>,
}

/// Context of one encounter that its details depend on.
pub(crate) struct Moment {
    pub hour: u32,
    pub weekend: bool,
    pub failed: bool,
    /// For delivery orders: placed through our own app (customer known) or a platform.
    pub known_customer: bool,
}

fn round_to(amount: f64, step: i64) -> i64 {
    ((amount / step as f64).round() as i64 * step).max(step)
}

fn party_size<R: Rng + ?Sized>(rng: &mut R) -> i64 {
    *pick_weighted(
        rng,
        &[
            (0.12, 1),
            (0.38, 2),
            (0.18, 3),
            (0.2, 4),
            (0.06, 5),
            (0.04, 6),
            (0.02, 8),
        ],
    )
}

/// Failure codes per kind: what typically goes wrong there.
pub(crate) fn issues(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::TableService => &[
            "food_late",
            "wrong_order",
            "food_quality",
            "staff_attitude",
            "cleanliness",
        ],
        Kind::HostStand => &["wait_too_long", "reservation_missing", "seating_mixup"],
        Kind::Checkout => &["billing_error", "card_declined", "coupon_not_applied"],
        Kind::PhoneBooking | Kind::BranchBooking => &["no_answer", "booking_error"],
        Kind::OnlineBooking => &["double_booking", "confirmation_missing"],
        Kind::OrderKiosk => &["kiosk_error", "payment_error", "wrong_order"],
        Kind::DeliveryApp => &["late_delivery", "missing_item", "spilled", "cold_food"],
        Kind::ServiceLine | Kind::BankCall => &["long_hold", "unresolved", "transferred_around"],
        Kind::ChatSupport | Kind::BankChat => &["bot_loop", "unresolved", "slow_reply"],
        Kind::EmailEnquiry | Kind::BankEmail | Kind::ReviewReply => &["late_reply", "unresolved"],
        Kind::Greeter => &["wait_too_long", "wrong_queue"],
        Kind::Teller => &[
            "wait_too_long",
            "document_error",
            "wrong_amount",
            "staff_attitude",
            "system_down",
        ],
        Kind::LoanConsultation => &[
            "explanation_unclear",
            "missing_documents",
            "wait_too_long",
            "staff_attitude",
        ],
        Kind::LoanReview => &["review_delayed", "missing_documents", "document_error"],
        Kind::WealthAdvice => &["explanation_unclear", "unsuitable_product"],
        Kind::Atm => &["cash_not_dispensed", "card_retained", "machine_down"],
        Kind::MobileApp => &["login_failed", "transfer_error", "app_crash"],
        Kind::InternetBanking => &["login_failed", "certificate_error", "timeout"],
    }
}

pub(crate) fn details<R: Rng + ?Sized>(rng: &mut R, kind: Kind, m: &Moment) -> Details {
    let mut a = Map::new();
    let mut revenue = None;
    let dinner = m.hour >= 17;
    match kind {
        Kind::TableService => {
            let party = party_size(rng);
            let per_head = lognormal_mean(rng, if dinner { 24_000.0 } else { 15_000.0 }, 0.3);
            revenue = Some(round_to(per_head * party as f64, 500));
            a.insert("party_size".into(), json!(party));
            let seating = *pick_weighted(rng, &[(0.7, "홀"), (0.2, "룸"), (0.1, "테라스")]);
            a.insert("seating".into(), json!(seating));
        }
        Kind::HostStand => {
            a.insert("party_size".into(), json!(party_size(rng)));
            let walk_in = rng.random_bool(0.65);
            a.insert("walk_in".into(), json!(walk_in));
        }
        Kind::PhoneBooking | Kind::OnlineBooking => {
            a.insert("party_size".into(), json!(party_size(rng)));
            if rng.random_bool(0.3) {
                let occasion = *pick(rng, &["생일", "기념일", "회식", "가족 모임", "상견례"]);
                a.insert("occasion".into(), json!(occasion));
            }
        }
        Kind::OrderKiosk => {
            let items = *pick_weighted(rng, &[(0.35, 1), (0.35, 2), (0.2, 3), (0.1, 4)]);
            let total: f64 = (0..items)
                .map(|_| lognormal_mean(rng, 11_000.0, 0.25))
                .sum();
            revenue = Some(round_to(total, 500));
            a.insert("items".into(), json!(items));
        }
        Kind::DeliveryApp => {
            let delivery = rng.random_bool(if m.weekend { 0.75 } else { 0.65 });
            let mean = if delivery { 29_000.0 } else { 21_000.0 };
            revenue = Some(round_to(lognormal_mean(rng, mean, 0.35), 100));
            a.insert(
                "order_type".into(),
                json!(if delivery { "배달" } else { "포장" }),
            );
            a.insert(
                "platform".into(),
                json!(if m.known_customer {
                    "자체 앱"
                } else {
                    "배달 플랫폼"
                }),
            );
        }
        Kind::ServiceLine | Kind::ChatSupport => {
            let reason = *pick(
                rng,
                &[
                    "예약 변경",
                    "배달 지연",
                    "메뉴 문의",
                    "알레르기 문의",
                    "주차 문의",
                    "불만 접수",
                    "단체 예약",
                ],
            );
            a.insert("reason".into(), json!(reason));
        }
        Kind::EmailEnquiry => {
            let topic = *pick(
                rng,
                &["영수증 재발행", "단체 예약", "제휴 문의", "불만 접수"],
            );
            a.insert("topic".into(), json!(topic));
        }
        Kind::ReviewReply => {
            // Failed service shows in the rating the reply answers.
            let rating = if m.failed {
                *pick_weighted(rng, &[(0.6, 1), (0.3, 2), (0.1, 3)])
            } else {
                *pick_weighted(rng, &[(0.05, 2), (0.15, 3), (0.3, 4), (0.5, 5)])
            };
            a.insert("rating".into(), json!(rating));
            let platform = *pick(rng, &["지도 앱", "자체 앱", "블로그"]);
            a.insert("platform".into(), json!(platform));
        }
        Kind::Greeter => {
            let queue =
                *pick_weighted(rng, &[(0.7, "일반 업무"), (0.2, "대출"), (0.1, "자산관리")]);
            a.insert("queue".into(), json!(queue));
        }
        Kind::Teller => {
            let product = *pick_weighted(
                rng,
                &[
                    (0.3, "입출금"),
                    (0.2, "송금"),
                    (0.15, "예금"),
                    (0.1, "적금"),
                    (0.1, "공과금"),
                    (0.08, "환전"),
                    (0.07, "카드"),
                ],
            );
            revenue = match product {
                "송금" => Some(*pick(rng, &[500, 1_000, 2_000])),
                "환전" => Some(round_to(lognormal_mean(rng, 9_000.0, 0.6), 100)),
                _ => None,
            };
            a.insert("product".into(), json!(product));
        }
        Kind::LoanConsultation | Kind::LoanReview => {
            let product = *pick_weighted(
                rng,
                &[
                    (0.35, "주택담보대출"),
                    (0.3, "전세자금대출"),
                    (0.25, "신용대출"),
                    (0.1, "사업자대출"),
                ],
            );
            a.insert("product".into(), json!(product));
        }
        Kind::WealthAdvice => {
            let product = *pick(rng, &["펀드", "ISA", "연금저축", "채권", "정기예금"]);
            if product == "펀드" && !m.failed && rng.random_bool(0.5) {
                revenue = Some(round_to(lognormal_mean(rng, 120_000.0, 0.7), 1_000));
            }
            a.insert("product".into(), json!(product));
        }
        Kind::Atm => {
            let tx = *pick_weighted(
                rng,
                &[(0.5, "출금"), (0.2, "입금"), (0.2, "이체"), (0.1, "조회")],
            );
            // Fees apply out of hours and on weekends for withdrawals and transfers.
            let off_hours = m.weekend || !(8..18).contains(&m.hour);
            if matches!(tx, "출금" | "이체") && !m.failed {
                if off_hours {
                    revenue = Some(*pick(rng, &[800, 1_000]));
                } else if rng.random_bool(0.15) {
                    revenue = Some(1_300);
                }
            }
            a.insert("transaction".into(), json!(tx));
        }
        Kind::MobileApp | Kind::InternetBanking => {
            let tx = *pick_weighted(
                rng,
                &[
                    (0.45, "이체"),
                    (0.3, "조회"),
                    (0.1, "공과금"),
                    (0.05, "상품 가입"),
                    (0.05, "카드"),
                    (0.03, "환전"),
                    (0.02, "대출 신청"),
                ],
            );
            a.insert("transaction".into(), json!(tx));
        }
        Kind::BankCall | Kind::BankChat => {
            let reason = *pick(
                rng,
                &[
                    "카드 분실 신고",
                    "이체 한도",
                    "대출 문의",
                    "인증서 문제",
                    "앱 로그인 문제",
                    "수수료 문의",
                    "계좌 개설",
                ],
            );
            a.insert("reason".into(), json!(reason));
        }
        Kind::BankEmail => {
            let topic = *pick(
                rng,
                &["민원", "증명서 발급", "수수료 이의", "개인정보 열람"],
            );
            a.insert("topic".into(), json!(topic));
        }
        Kind::Checkout => {
            let payment = *pick_weighted(rng, &[(0.6, "카드"), (0.3, "간편결제"), (0.1, "현금")]);
            a.insert("payment".into(), json!(payment));
        }
        Kind::BranchBooking => {
            let purpose = *pick(rng, &["대출 상담", "자산관리 상담", "외환", "상속·증여"]);
            a.insert("purpose".into(), json!(purpose));
        }
    }
    if m.failed {
        a.insert("issue".into(), json!(*pick(rng, issues(kind))));
    }
    Details {
        revenue_won: revenue,
        attributes: (!a.is_empty()).then(|| Value::Object(a).to_string()),
    }
}
