//! The designed world of the demo: two businesses, their units and opening hours, and the
//! touchpoints of each unit with their designed contact (presence over creation minutes).
//!
//! The designs span the customer-contact model on purpose: table service, the teller counter
//! and loan consultation are high contact; phone reservations, call centres and chat are
//! medium; kiosks, ATMs, apps and back-office work are low.

use chrono::{Datelike, NaiveDate, Weekday};
use rapport_domain::contact::{Channel, JourneyStage};

use crate::holidays::Closes;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Business {
    Restaurant,
    Bank,
}

/// Opening intervals in minutes after local midnight.
pub(crate) struct Hours {
    pub weekday: &'static [(u16, u16)],
    pub saturday: &'static [(u16, u16)],
    pub sunday: &'static [(u16, u16)],
}

impl Hours {
    pub fn on(&self, day: Weekday) -> &'static [(u16, u16)] {
        match day {
            Weekday::Sat => self.saturday,
            Weekday::Sun => self.sunday,
            _ => self.weekday,
        }
    }
}

/// Busy streets: a break between lunch and dinner on weekdays (브레이크 타임), open through
/// on weekends.
const DINING_CITY: Hours = Hours {
    weekday: &[(11 * 60, 15 * 60), (17 * 60, 22 * 60)],
    saturday: &[(11 * 60, 22 * 60)],
    sunday: &[(11 * 60, 22 * 60)],
};

/// An office district: earlier evenings, later weekend mornings.
const DINING_OFFICE: Hours = Hours {
    weekday: &[(11 * 60, 14 * 60 + 30), (17 * 60, 21 * 60 + 30)],
    saturday: &[(11 * 60 + 30, 21 * 60)],
    sunday: &[(11 * 60 + 30, 21 * 60)],
};

const OFFICE: Hours = Hours {
    weekday: &[(9 * 60, 18 * 60)],
    saturday: &[],
    sunday: &[],
};

const BANK_BRANCH: Hours = Hours {
    weekday: &[(9 * 60, 16 * 60)],
    saturday: &[],
    sunday: &[],
};

pub(crate) struct UnitDesign {
    pub business: Business,
    pub ko: &'static str,
    pub en: &'static str,
    /// A head-office centre (calls, chat, digital) rather than a branch customers walk into.
    pub centre: bool,
    /// Relative volume of a branch; a centre serves the whole business.
    pub size: f64,
    pub agents: usize,
    pub hours: &'static Hours,
}

impl UnitDesign {
    /// Whether the unit closes on a holiday of this kind.
    pub fn closes_on(&self, closes: Closes) -> bool {
        match (self.business, self.centre, closes) {
            (_, _, Closes::All) => true,
            (Business::Restaurant, false, _) => false,
            (Business::Restaurant, true, Closes::Offices) => true,
            (Business::Restaurant, true, Closes::Banks) => false,
            (Business::Bank, _, _) => true,
        }
    }
}

pub(crate) const UNITS: &[UnitDesign] = &[
    UnitDesign {
        business: Business::Restaurant,
        ko: "달빛부엌 강남역점",
        en: "Dalbit Kitchen Gangnam Station",
        centre: false,
        size: 1.3,
        agents: 7,
        hours: &DINING_CITY,
    },
    UnitDesign {
        business: Business::Restaurant,
        ko: "달빛부엌 홍대입구점",
        en: "Dalbit Kitchen Hongik Univ. Station",
        centre: false,
        size: 1.1,
        agents: 6,
        hours: &DINING_CITY,
    },
    UnitDesign {
        business: Business::Restaurant,
        ko: "달빛부엌 판교점",
        en: "Dalbit Kitchen Pangyo",
        centre: false,
        size: 1.0,
        agents: 5,
        hours: &DINING_OFFICE,
    },
    UnitDesign {
        business: Business::Restaurant,
        ko: "달빛부엌 부산서면점",
        en: "Dalbit Kitchen Busan Seomyeon",
        centre: false,
        size: 0.9,
        agents: 5,
        hours: &DINING_CITY,
    },
    UnitDesign {
        business: Business::Restaurant,
        ko: "달빛부엌 고객센터",
        en: "Dalbit Kitchen Customer Centre",
        centre: true,
        size: 4.3,
        agents: 4,
        hours: &OFFICE,
    },
    UnitDesign {
        business: Business::Bank,
        ko: "새봄은행 종로지점",
        en: "Saebom Bank Jongno Branch",
        centre: false,
        size: 1.2,
        agents: 6,
        hours: &BANK_BRANCH,
    },
    UnitDesign {
        business: Business::Bank,
        ko: "새봄은행 여의도지점",
        en: "Saebom Bank Yeouido Branch",
        centre: false,
        size: 1.3,
        agents: 7,
        hours: &BANK_BRANCH,
    },
    UnitDesign {
        business: Business::Bank,
        ko: "새봄은행 잠실지점",
        en: "Saebom Bank Jamsil Branch",
        centre: false,
        size: 1.0,
        agents: 5,
        hours: &BANK_BRANCH,
    },
    UnitDesign {
        business: Business::Bank,
        ko: "새봄은행 분당지점",
        en: "Saebom Bank Bundang Branch",
        centre: false,
        size: 0.9,
        agents: 5,
        hours: &BANK_BRANCH,
    },
    UnitDesign {
        business: Business::Bank,
        ko: "새봄은행 대구중앙지점",
        en: "Saebom Bank Daegu Jungang Branch",
        centre: false,
        size: 0.8,
        agents: 4,
        hours: &BANK_BRANCH,
    },
    UnitDesign {
        business: Business::Bank,
        ko: "새봄은행 고객센터·디지털채널",
        en: "Saebom Bank Contact Centre & Digital",
        centre: true,
        size: 5.2,
        agents: 8,
        hours: &OFFICE,
    },
];

/// When in the day a touchpoint is busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    Dining,
    Delivery,
    /// Online booking: people plan meals in the evening.
    Planning,
    Branch,
    Atm,
    Digital,
    CallCentre,
}

impl Profile {
    /// Relative load per hour of the day (00–23).
    pub fn hourly(self) -> [f64; 24] {
        match self {
            Profile::Dining => [
                0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.3, 1.0, 2.6, 1.7, 0.6, 0.4,
                0.5, 1.4, 2.4, 2.2, 1.3, 0.6, 0.3, 0.1,
            ],
            Profile::Delivery => [
                0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.4, 1.2, 1.8, 1.0, 0.5, 0.4,
                0.6, 1.3, 2.2, 2.3, 1.6, 0.9, 0.4, 0.2,
            ],
            Profile::Planning => [
                0.1, 0.05, 0.03, 0.03, 0.03, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.0, 0.8,
                0.8, 0.9, 1.0, 1.0, 1.1, 1.4, 1.5, 1.2, 0.6,
            ],
            Profile::Branch => [
                0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.6, 1.3, 1.2, 1.5, 1.3, 1.0, 1.1,
                0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
            ],
            Profile::Atm => [
                0.1, 0.05, 0.03, 0.03, 0.03, 0.08, 0.3, 0.7, 1.0, 1.0, 1.0, 1.1, 1.5, 1.2, 1.0,
                1.0, 1.0, 1.1, 1.3, 1.2, 1.0, 0.8, 0.5, 0.3,
            ],
            Profile::Digital => [
                0.25, 0.12, 0.06, 0.04, 0.04, 0.08, 0.25, 0.7, 1.1, 1.2, 1.1, 1.0, 1.4, 1.1, 1.0,
                1.0, 1.0, 1.1, 1.2, 1.1, 1.2, 1.3, 1.1, 0.6,
            ],
            Profile::CallCentre => [
                0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.5, 1.6, 1.3, 0.9, 1.2, 1.2, 1.1,
                1.0, 0.8, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
            ],
        }
    }

    /// Relative load of a weekday (Monday first).
    pub fn weekday(self, day: Weekday) -> f64 {
        let table: [f64; 7] = match self {
            Profile::Dining | Profile::Delivery | Profile::Planning => {
                [0.85, 0.9, 0.95, 1.0, 1.25, 1.45, 1.25]
            }
            Profile::Branch | Profile::CallCentre => [1.25, 1.0, 0.95, 0.95, 1.1, 0.5, 0.5],
            Profile::Atm => [1.05, 1.0, 1.0, 1.0, 1.15, 0.8, 0.6],
            Profile::Digital => [1.1, 1.0, 1.0, 1.0, 1.1, 0.75, 0.7],
        };
        table[day.num_days_from_monday() as usize]
    }
}

impl Business {
    /// Seasons and pay days: December year-end parties fill restaurants, the 25th (pay day)
    /// and month ends fill banks.
    pub fn date_factor(self, date: NaiveDate) -> f64 {
        match self {
            Business::Restaurant => [
                0.9, 0.85, 0.95, 1.0, 1.1, 1.0, 1.0, 1.0, 0.95, 1.0, 1.0, 1.25,
            ][date.month0() as usize],
            Business::Bank => {
                let next = date.succ_opt().map(|d| d.month() != date.month());
                match date.day() {
                    24..=26 => 1.3,
                    1..=3 => 1.1,
                    _ if next == Some(true) => 1.2,
                    _ => 1.0,
                }
            }
        }
    }
}

/// What an encounter at the touchpoint is about: decides attributes, revenue and the kinds of
/// failure that occur there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    TableService,
    HostStand,
    Checkout,
    PhoneBooking,
    OnlineBooking,
    OrderKiosk,
    DeliveryApp,
    ServiceLine,
    ChatSupport,
    EmailEnquiry,
    ReviewReply,
    Greeter,
    Teller,
    LoanConsultation,
    LoanReview,
    WealthAdvice,
    Atm,
    BranchBooking,
    MobileApp,
    InternetBanking,
    BankCall,
    BankChat,
    BankEmail,
}

pub(crate) struct TouchpointDesign {
    pub ko: &'static str,
    pub en: &'static str,
    pub channel: Channel,
    pub stage: JourneyStage,
    pub presence_minutes: f64,
    pub creation_minutes: f64,
    /// An employee serves every encounter; staffed touchpoints work only in opening hours.
    pub staffed: bool,
    /// Runs around the clock regardless of the unit's hours (ATM, app, online booking).
    pub all_day: bool,
    pub profile: Profile,
    /// Encounters per year per unit of `UnitDesign::size`, relative to the other touchpoints.
    pub volume: f64,
    /// Share of encounters with no known customer.
    pub anonymous: f64,
    /// Scales the waiting time the contact level implies.
    pub wait_factor: f64,
    /// Shifts the failure log-odds for what can go wrong beyond contact and waiting.
    pub fail_bias: f64,
    /// Served only to gold and VIP customers where there are some.
    pub premium: bool,
    pub kind: Kind,
}

impl TouchpointDesign {
    pub fn intensity(&self) -> f64 {
        self.presence_minutes / self.creation_minutes
    }
}

const fn tp(
    ko: &'static str,
    en: &'static str,
    channel: Channel,
    stage: JourneyStage,
    presence_minutes: f64,
    creation_minutes: f64,
    kind: Kind,
) -> TouchpointDesign {
    TouchpointDesign {
        ko,
        en,
        channel,
        stage,
        presence_minutes,
        creation_minutes,
        staffed: true,
        all_day: false,
        profile: Profile::Branch,
        volume: 1.0,
        anonymous: 0.05,
        wait_factor: 1.0,
        fail_bias: 0.0,
        premium: false,
        kind,
    }
}

use Channel as C;
use JourneyStage as J;

const RESTAURANT_BRANCH: &[TouchpointDesign] = &[
    TouchpointDesign {
        profile: Profile::Dining,
        volume: 30.0,
        anonymous: 0.25,
        ..tp(
            "홀 테이블 서비스",
            "Table service",
            C::InPerson,
            J::During,
            55.0,
            70.0,
            Kind::TableService,
        )
    },
    TouchpointDesign {
        profile: Profile::Dining,
        volume: 10.0,
        anonymous: 0.35,
        wait_factor: 1.6,
        ..tp(
            "입구 안내·웨이팅",
            "Host stand and waiting list",
            C::InPerson,
            J::Before,
            3.0,
            4.0,
            Kind::HostStand,
        )
    },
    TouchpointDesign {
        profile: Profile::Dining,
        volume: 22.0,
        anonymous: 0.25,
        wait_factor: 0.5,
        ..tp(
            "계산대",
            "Checkout counter",
            C::InPerson,
            J::After,
            2.5,
            3.0,
            Kind::Checkout,
        )
    },
    TouchpointDesign {
        profile: Profile::Dining,
        volume: 5.0,
        ..tp(
            "매장 전화 예약",
            "Phone reservations",
            C::Phone,
            J::Before,
            2.5,
            5.0,
            Kind::PhoneBooking,
        )
    },
    TouchpointDesign {
        staffed: false,
        all_day: true,
        profile: Profile::Planning,
        volume: 6.0,
        // Waiting here is page loads and sign-in, not a queue.
        wait_factor: 0.3,
        anonymous: 0.0,
        ..tp(
            "온라인 예약",
            "Online booking",
            C::Reservation,
            J::Before,
            1.0,
            8.0,
            Kind::OnlineBooking,
        )
    },
    TouchpointDesign {
        staffed: false,
        profile: Profile::Dining,
        volume: 12.0,
        anonymous: 0.3,
        fail_bias: 0.3,
        ..tp(
            "테이블 주문 키오스크",
            "Ordering kiosk",
            C::Kiosk,
            J::During,
            1.5,
            10.0,
            Kind::OrderKiosk,
        )
    },
    TouchpointDesign {
        staffed: false,
        profile: Profile::Delivery,
        volume: 16.0,
        // Orders through delivery platforms reach us without the customer's identity.
        anonymous: 0.4,
        fail_bias: 0.5,
        ..tp(
            "배달·포장 앱 주문",
            "Delivery and takeaway orders",
            C::App,
            J::During,
            2.0,
            35.0,
            Kind::DeliveryApp,
        )
    },
];

const RESTAURANT_CENTRE: &[TouchpointDesign] = &[
    TouchpointDesign {
        profile: Profile::CallCentre,
        volume: 4.0,
        anonymous: 0.1,
        ..tp(
            "고객 상담 전화",
            "Customer service line",
            C::Phone,
            J::After,
            5.0,
            10.0,
            Kind::ServiceLine,
        )
    },
    TouchpointDesign {
        profile: Profile::CallCentre,
        volume: 3.0,
        anonymous: 0.1,
        wait_factor: 0.6,
        ..tp(
            "채팅 상담",
            "Chat support",
            C::Chat,
            J::After,
            4.0,
            10.0,
            Kind::ChatSupport,
        )
    },
    TouchpointDesign {
        profile: Profile::CallCentre,
        volume: 1.2,
        wait_factor: 20.0,
        ..tp(
            "이메일 문의",
            "E-mail enquiries",
            C::Email,
            J::After,
            0.0,
            15.0,
            Kind::EmailEnquiry,
        )
    },
    TouchpointDesign {
        profile: Profile::CallCentre,
        volume: 2.0,
        anonymous: 0.2,
        wait_factor: 20.0,
        ..tp(
            "온라인 리뷰 답변",
            "Online review replies",
            C::Web,
            J::After,
            0.5,
            10.0,
            Kind::ReviewReply,
        )
    },
];

const BANK_BRANCH_TOUCHPOINTS: &[TouchpointDesign] = &[
    TouchpointDesign {
        volume: 10.0,
        anonymous: 0.3,
        wait_factor: 0.4,
        ..tp(
            "번호표·안내 데스크",
            "Greeting and queue desk",
            C::InPerson,
            J::Before,
            2.0,
            2.5,
            Kind::Greeter,
        )
    },
    TouchpointDesign {
        volume: 22.0,
        anonymous: 0.03,
        wait_factor: 1.4,
        ..tp(
            "입출금·송금 창구",
            "Teller counter",
            C::InPerson,
            J::During,
            8.0,
            10.0,
            Kind::Teller,
        )
    },
    TouchpointDesign {
        volume: 3.0,
        anonymous: 0.0,
        wait_factor: 1.6,
        ..tp(
            "대출 상담",
            "Loan consultation",
            C::InPerson,
            J::Before,
            35.0,
            50.0,
            Kind::LoanConsultation,
        )
    },
    TouchpointDesign {
        volume: 2.0,
        anonymous: 0.0,
        wait_factor: 0.5,
        ..tp(
            "대출 심사·약정",
            "Loan review and signing",
            C::InPerson,
            J::During,
            20.0,
            240.0,
            Kind::LoanReview,
        )
    },
    TouchpointDesign {
        volume: 2.0,
        anonymous: 0.0,
        wait_factor: 0.8,
        premium: true,
        ..tp(
            "자산관리(PB) 상담",
            "Wealth management advice",
            C::InPerson,
            J::During,
            45.0,
            60.0,
            Kind::WealthAdvice,
        )
    },
    TouchpointDesign {
        staffed: false,
        all_day: true,
        profile: Profile::Atm,
        volume: 28.0,
        anonymous: 0.25,
        fail_bias: 0.2,
        ..tp(
            "ATM·공과금 자동화기기",
            "ATMs and bill-payment machines",
            C::Kiosk,
            J::During,
            2.5,
            10.0,
            Kind::Atm,
        )
    },
    TouchpointDesign {
        volume: 3.0,
        anonymous: 0.0,
        wait_factor: 0.6,
        ..tp(
            "방문 상담 예약",
            "Branch appointment booking",
            C::Reservation,
            J::Before,
            2.0,
            5.0,
            Kind::BranchBooking,
        )
    },
];

const BANK_CENTRE: &[TouchpointDesign] = &[
    TouchpointDesign {
        staffed: false,
        all_day: true,
        profile: Profile::Digital,
        volume: 70.0,
        // Waiting here is page loads and sign-in, not a queue.
        wait_factor: 0.3,
        anonymous: 0.05,
        ..tp(
            "모바일 뱅킹 앱",
            "Mobile banking app",
            C::App,
            J::During,
            3.0,
            20.0,
            Kind::MobileApp,
        )
    },
    TouchpointDesign {
        staffed: false,
        all_day: true,
        profile: Profile::Digital,
        volume: 15.0,
        // Waiting here is page loads and sign-in, not a queue.
        wait_factor: 0.3,
        anonymous: 0.2,
        ..tp(
            "인터넷 뱅킹",
            "Internet banking",
            C::Web,
            J::During,
            4.0,
            25.0,
            Kind::InternetBanking,
        )
    },
    TouchpointDesign {
        profile: Profile::CallCentre,
        volume: 14.0,
        anonymous: 0.1,
        ..tp(
            "고객센터 전화 상담",
            "Contact centre calls",
            C::Phone,
            J::During,
            5.0,
            10.0,
            Kind::BankCall,
        )
    },
    TouchpointDesign {
        profile: Profile::CallCentre,
        volume: 6.0,
        anonymous: 0.1,
        wait_factor: 0.6,
        ..tp(
            "채팅 상담",
            "Chat support",
            C::Chat,
            J::During,
            6.0,
            15.0,
            Kind::BankChat,
        )
    },
    TouchpointDesign {
        profile: Profile::CallCentre,
        volume: 1.5,
        wait_factor: 20.0,
        ..tp(
            "이메일 민원",
            "E-mail enquiries",
            C::Email,
            J::After,
            0.0,
            30.0,
            Kind::BankEmail,
        )
    },
];

/// The touchpoints a unit of this design has.
pub(crate) fn touchpoints_of(unit: &UnitDesign) -> &'static [TouchpointDesign] {
    match (unit.business, unit.centre) {
        (Business::Restaurant, false) => RESTAURANT_BRANCH,
        (Business::Restaurant, true) => RESTAURANT_CENTRE,
        (Business::Bank, false) => BANK_BRANCH_TOUCHPOINTS,
        (Business::Bank, true) => BANK_CENTRE,
    }
}

/// Authority limits in won: how much compensation staff may grant without approval.
pub(crate) fn authority_limit(business: Business, centre: bool, role: &str) -> i64 {
    match (business, centre, role) {
        (_, _, "viewer") => 0,
        (Business::Restaurant, _, "manager") => 200_000,
        (Business::Bank, _, "manager") => 500_000,
        (Business::Restaurant, false, _) => 30_000,
        (Business::Restaurant, true, _) => 50_000,
        (Business::Bank, false, _) => 50_000,
        (Business::Bank, true, _) => 30_000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_domain::contact::{ContactLevel, LevelThresholds};

    #[test]
    fn every_designed_contact_is_valid() {
        for u in UNITS {
            for t in touchpoints_of(u) {
                rapport_domain::contact::DesignedContact::parse(
                    t.presence_minutes,
                    t.creation_minutes,
                )
                .unwrap_or_else(|e| panic!("{}: {e:?}", t.en));
            }
        }
    }

    #[test]
    fn each_business_has_touchpoints_of_every_contact_level() {
        let th = LevelThresholds::default();
        for business in [Business::Restaurant, Business::Bank] {
            let mut levels: Vec<ContactLevel> = UNITS
                .iter()
                .filter(|u| u.business == business)
                .flat_map(touchpoints_of)
                .map(|t| th.level(t.intensity()))
                .collect();
            levels.sort();
            levels.dedup();
            assert_eq!(levels.len(), 3, "{business:?}");
        }
    }

    #[test]
    fn pay_day_is_busier_at_the_bank() {
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert!(Business::Bank.date_factor(d(6, 25)) > Business::Bank.date_factor(d(6, 15)));
        assert!(Business::Bank.date_factor(d(6, 30)) > 1.0);
    }
}
