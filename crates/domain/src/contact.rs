//! Touchpoints and the customer-contact model: channel, journey stage, contact intensity
//! (share of the service-creation time during which the customer is present) and the level
//! derived from it.

use serde::{Deserialize, Serialize};

use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    InPerson,
    Phone,
    Chat,
    Email,
    Web,
    App,
    /// Kiosk or other self-service machine (ATM, ordering kiosk).
    Kiosk,
    Reservation,
}

impl Channel {
    pub const ALL: [Channel; 8] = [
        Channel::InPerson,
        Channel::Phone,
        Channel::Chat,
        Channel::Email,
        Channel::Web,
        Channel::App,
        Channel::Kiosk,
        Channel::Reservation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::InPerson => "in_person",
            Channel::Phone => "phone",
            Channel::Chat => "chat",
            Channel::Email => "email",
            Channel::Web => "web",
            Channel::App => "app",
            Channel::Kiosk => "kiosk",
            Channel::Reservation => "reservation",
        }
    }

    pub fn from_str_opt(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Where in the customer journey the touchpoint sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JourneyStage {
    Before,
    During,
    After,
}

impl JourneyStage {
    pub fn as_str(self) -> &'static str {
        match self {
            JourneyStage::Before => "before",
            JourneyStage::During => "during",
            JourneyStage::After => "after",
        }
    }

    pub fn from_str_opt(s: &str) -> Option<Self> {
        [Self::Before, Self::During, Self::After]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ContactLevel {
    Low,
    Medium,
    High,
}

/// Thresholds on contact intensity: `>= high` is high, `>= medium` is medium, else low.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelThresholds {
    #[schema(minimum = 0.0, maximum = 1.0, example = 0.3)]
    pub medium: f64,
    #[schema(minimum = 0.0, maximum = 1.0, example = 0.6)]
    pub high: f64,
    /// Encounters needed before the measured intensity replaces the designed one.
    #[schema(minimum = 1, maximum = 1_000_000, example = 30)]
    pub min_encounters: i64,
}

impl Default for LevelThresholds {
    fn default() -> Self {
        Self {
            medium: 0.3,
            high: 0.6,
            min_encounters: 30,
        }
    }
}

impl LevelThresholds {
    pub fn validate(self) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !(self.medium > 0.0 && self.medium < 1.0) {
            errors.push(FieldError::new(
                "medium",
                "out_of_range",
                "must be between 0 and 1 (exclusive)",
            ));
        }
        if !(self.high > 0.0 && self.high <= 1.0) {
            errors.push(FieldError::new(
                "high",
                "out_of_range",
                "must be above 0 and at most 1",
            ));
        } else if self.high <= self.medium {
            errors.push(FieldError::new(
                "high",
                "out_of_order",
                "must be greater than medium",
            ));
        }
        if !(1..=1_000_000).contains(&self.min_encounters) {
            errors.push(FieldError::new(
                "min_encounters",
                "out_of_range",
                "must be between 1 and 1000000",
            ));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }

    pub fn level(&self, intensity: f64) -> ContactLevel {
        if intensity >= self.high {
            ContactLevel::High
        } else if intensity >= self.medium {
            ContactLevel::Medium
        } else {
            ContactLevel::Low
        }
    }
}

/// Designed minutes of one service: the customer is present for `presence` of `creation`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DesignedContact {
    pub presence_minutes: f64,
    pub creation_minutes: f64,
}

pub const MAX_SERVICE_MINUTES: f64 = 60.0 * 24.0 * 30.0;

impl DesignedContact {
    pub fn parse(presence_minutes: f64, creation_minutes: f64) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !(creation_minutes > 0.0 && creation_minutes <= MAX_SERVICE_MINUTES) {
            errors.push(FieldError::new(
                "service_creation_minutes",
                "out_of_range",
                format!("must be above 0 and at most {MAX_SERVICE_MINUTES}"),
            ));
        }
        if !(0.0..=MAX_SERVICE_MINUTES).contains(&presence_minutes) {
            errors.push(FieldError::new(
                "customer_presence_minutes",
                "out_of_range",
                format!("must be between 0 and {MAX_SERVICE_MINUTES}"),
            ));
        } else if errors.is_empty() && presence_minutes > creation_minutes {
            errors.push(FieldError::new(
                "customer_presence_minutes",
                "exceeds_creation_time",
                "the customer cannot be present longer than the service takes to create",
            ));
        }
        if errors.is_empty() {
            Ok(Self {
                presence_minutes,
                creation_minutes,
            })
        } else {
            Err(errors)
        }
    }

    pub fn intensity(self) -> f64 {
        self.presence_minutes / self.creation_minutes
    }
}

/// Sums of logged encounters at one touchpoint, as kept by the pre-aggregated statistics.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, utoipa::ToSchema)]
pub struct EncounterTotals {
    pub encounters: i64,
    pub failed: i64,
    pub presence_seconds: i64,
    pub duration_seconds: i64,
    pub waiting_seconds: i64,
}

impl EncounterTotals {
    /// Measured intensity: customer-presence time over service time, over all encounters.
    pub fn measured_intensity(&self) -> Option<f64> {
        (self.duration_seconds > 0)
            .then(|| (self.presence_seconds as f64 / self.duration_seconds as f64).min(1.0))
    }

    pub fn failure_rate(&self) -> Option<f64> {
        (self.encounters > 0).then(|| self.failed as f64 / self.encounters as f64)
    }

    pub fn mean_waiting_seconds(&self) -> Option<f64> {
        (self.encounters > 0).then(|| self.waiting_seconds as f64 / self.encounters as f64)
    }
}

/// Which intensity decided the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LevelBasis {
    Designed,
    Measured,
}

/// The level of a touchpoint: measured once enough encounters are logged, designed before.
pub fn derive_level(
    designed: f64,
    totals: &EncounterTotals,
    thresholds: &LevelThresholds,
) -> (ContactLevel, LevelBasis) {
    match totals.measured_intensity() {
        Some(m) if totals.encounters >= thresholds.min_encounters => {
            (thresholds.level(m), LevelBasis::Measured)
        }
        _ => (thresholds.level(designed), LevelBasis::Designed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_teller_counter_where_the_customer_is_there_all_along_is_high_contact() {
        let d = DesignedContact::parse(10.0, 10.0).unwrap();
        assert_eq!(
            LevelThresholds::default().level(d.intensity()),
            ContactLevel::High
        );
    }

    #[test]
    fn a_loan_decided_in_the_back_office_is_low_contact() {
        let d = DesignedContact::parse(20.0, 240.0).unwrap();
        assert_eq!(
            LevelThresholds::default().level(d.intensity()),
            ContactLevel::Low
        );
    }

    #[test]
    fn the_thresholds_are_inclusive_lower_bounds() {
        let t = LevelThresholds::default();
        assert_eq!(t.level(0.3), ContactLevel::Medium);
        assert_eq!(t.level(0.2999), ContactLevel::Low);
        assert_eq!(t.level(0.6), ContactLevel::High);
    }

    #[test]
    fn presence_longer_than_creation_is_refused() {
        let e = DesignedContact::parse(30.0, 10.0).unwrap_err();
        assert_eq!(e[0].field, "customer_presence_minutes");
    }

    #[test]
    fn thresholds_out_of_order_are_refused() {
        let t = LevelThresholds {
            medium: 0.7,
            high: 0.5,
            min_encounters: 30,
        };
        assert_eq!(t.validate().unwrap_err()[0].field, "high");
    }

    #[test]
    fn the_measured_intensity_takes_over_after_enough_encounters() {
        let t = LevelThresholds::default();
        let few = EncounterTotals {
            encounters: 5,
            presence_seconds: 10,
            duration_seconds: 100,
            ..Default::default()
        };
        assert_eq!(
            derive_level(0.9, &few, &t),
            (ContactLevel::High, LevelBasis::Designed)
        );
        let many = EncounterTotals {
            encounters: 50,
            ..few
        };
        assert_eq!(
            derive_level(0.9, &many, &t),
            (ContactLevel::Low, LevelBasis::Measured)
        );
    }
}

/// What a client sends to create or replace a touchpoint.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TouchpointInput {
    /// The version you last read; required when replacing, absent when creating.
    #[serde(default)]
    pub version: Option<i64>,
    /// The unit; fixed once created.
    pub unit_id: uuid::Uuid,
    pub name: crate::text::LocalizedName,
    pub channel: Channel,
    pub journey_stage: JourneyStage,
    /// Designed minutes the customer is present during one service.
    #[schema(minimum = 0.0, maximum = 43200.0, example = 12.0)]
    pub customer_presence_minutes: f64,
    /// Designed minutes it takes to create one service, front and back office together.
    #[schema(exclusive_minimum = 0.0, maximum = 43200.0, example = 15.0)]
    pub service_creation_minutes: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewTouchpoint {
    pub unit_id: uuid::Uuid,
    pub name: crate::text::LocalizedName,
    pub channel: Channel,
    pub journey_stage: JourneyStage,
    pub designed: DesignedContact,
}

impl TouchpointInput {
    pub fn parse(&self) -> Result<NewTouchpoint, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = crate::text::LocalizedName::parse("name", &self.name.ko, &self.name.en)
            .map_err(|e| errors.extend(e))
            .ok();
        let designed = DesignedContact::parse(
            self.customer_presence_minutes,
            self.service_creation_minutes,
        )
        .map_err(|e| errors.extend(e))
        .ok();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewTouchpoint {
            unit_id: self.unit_id,
            name: name.expect("checked"),
            channel: self.channel,
            journey_stage: self.journey_stage,
            designed: designed.expect("checked"),
        })
    }
}

/// A touchpoint as stored and shown, with its contact figures.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Touchpoint {
    pub id: uuid::Uuid,
    pub version: i64,
    pub unit_id: uuid::Uuid,
    pub name: crate::text::LocalizedName,
    pub channel: Channel,
    pub journey_stage: JourneyStage,
    pub customer_presence_minutes: f64,
    pub service_creation_minutes: f64,
    /// Presence over creation time, as designed.
    pub designed_intensity: f64,
    /// Presence over service time, from logged encounters (absent before the first one).
    pub measured_intensity: Option<f64>,
    pub level: ContactLevel,
    pub level_basis: LevelBasis,
    pub totals: EncounterTotals,
    pub failure_rate: Option<f64>,
    pub created_at: crate::Timestamp,
    pub updated_at: crate::Timestamp,
}
