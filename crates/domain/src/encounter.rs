//! Encounters: one customer meeting one touchpoint, the raw data monitoring stands on.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::money::{Money, MoneyDto};
use crate::{FieldError, Timestamp, Validation};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    #[default]
    Ok,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
        }
    }
    pub fn from_str_opt(s: &str) -> Option<Self> {
        match s {
            "ok" => Some(Outcome::Ok),
            "failed" => Some(Outcome::Failed),
            _ => None,
        }
    }
}

/// Longest encounter accepted: a week (multi-day hotel stays are logged per stay day).
pub const MAX_DURATION_SECONDS: i64 = 7 * 24 * 3600;
pub const MAX_ATTRIBUTES_BYTES: usize = 4096;

/// What a client sends for one encounter.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EncounterInput {
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    pub touchpoint_id: Uuid,
    /// The employee who served; absent for self-service.
    #[serde(default)]
    pub employee_id: Option<Uuid>,
    #[schema(example = "2026-05-01T09:30:00+09:00")]
    pub started_at: String,
    #[schema(example = "2026-05-01T09:42:00+09:00")]
    pub ended_at: String,
    /// Time the customer waited before service began.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 604800)]
    pub waiting_seconds: i64,
    /// Time the customer was present during the service (at most its duration).
    /// Defaults to the whole duration.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 604800)]
    pub presence_seconds: Option<i64>,
    #[serde(default)]
    pub revenue: Option<MoneyDto>,
    #[serde(default)]
    pub outcome: Outcome,
    /// Free attributes (JSON object, at most 4096 bytes).
    #[serde(default)]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A validated encounter.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEncounter {
    pub id: Uuid,
    pub customer_id: Option<Uuid>,
    pub touchpoint_id: Uuid,
    pub employee_id: Option<Uuid>,
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
    pub waiting_seconds: i64,
    pub presence_seconds: i64,
    pub revenue: Option<Money>,
    pub outcome: Outcome,
    pub attributes: Option<String>,
}

impl NewEncounter {
    pub fn duration_seconds(&self) -> i64 {
        (self.ended_at.micros() - self.started_at.micros()) / crate::time::MICROS_PER_SECOND
    }
}

impl EncounterInput {
    /// Validates; `prefix` is prepended to field names (`items[3].` in a batch).
    pub fn parse(&self, prefix: &str) -> Result<NewEncounter, Vec<FieldError>> {
        let f = |name: &str| format!("{prefix}{name}");
        let mut v = Validation::new();
        // Field paths are built only for errors: a batch of 10,000 valid items allocates none.
        let at = |name: &str, e: FieldError| FieldError {
            field: f(name),
            ..e
        };
        let started =
            v.check(Timestamp::parse("", &self.started_at).map_err(|e| at("started_at", e)));
        let ended = v.check(Timestamp::parse("", &self.ended_at).map_err(|e| at("ended_at", e)));
        let mut duration = None;
        if let (Some(s), Some(e)) = (started, ended) {
            let d = (e.micros() - s.micros()) / crate::time::MICROS_PER_SECOND;
            if e < s {
                v.push(FieldError::new(
                    f("ended_at"),
                    "before_start",
                    "must not be before started_at",
                ));
            } else if d > MAX_DURATION_SECONDS {
                v.push(FieldError::new(
                    f("ended_at"),
                    "out_of_range",
                    "an encounter lasts at most 7 days",
                ));
            } else {
                duration = Some(d);
            }
        }
        if !(0..=MAX_DURATION_SECONDS).contains(&self.waiting_seconds) {
            v.push(FieldError::new(
                f("waiting_seconds"),
                "out_of_range",
                "must be between 0 and 604800",
            ));
        }
        let presence = match (self.presence_seconds, duration) {
            (Some(p), _) if p < 0 => {
                v.push(FieldError::new(
                    f("presence_seconds"),
                    "out_of_range",
                    "must not be negative",
                ));
                None
            }
            (Some(p), Some(d)) if p > d => {
                v.push(FieldError::new(
                    f("presence_seconds"),
                    "exceeds_duration",
                    "the customer cannot be present longer than the encounter lasted",
                ));
                None
            }
            (Some(p), _) => Some(p),
            (None, d) => d,
        };
        let revenue = match &self.revenue {
            Some(m) => v.check(
                Money::parse_non_negative("revenue", m.amount_minor, &m.currency)
                    .map(Some)
                    .map_err(|e| FieldError {
                        field: format!("{prefix}{}", e.field),
                        ..e
                    }),
            ),
            None => Some(None),
        };
        let attributes = match &self.attributes {
            None => Some(None),
            Some(map) => {
                let text = serde_json::Value::Object(map.clone()).to_string();
                if text.len() > MAX_ATTRIBUTES_BYTES {
                    v.push(FieldError::new(
                        f("attributes"),
                        "too_large",
                        "must be at most 4096 bytes of JSON",
                    ));
                    None
                } else {
                    Some(Some(text))
                }
            }
        };
        v.finish(|| NewEncounter {
            id: Uuid::now_v7(),
            customer_id: self.customer_id,
            touchpoint_id: self.touchpoint_id,
            employee_id: self.employee_id,
            started_at: started.expect("checked"),
            ended_at: ended.expect("checked"),
            waiting_seconds: self.waiting_seconds,
            presence_seconds: presence.expect("checked"),
            revenue: revenue.flatten(),
            outcome: self.outcome,
            attributes: attributes.flatten(),
        })
    }
}

/// An encounter as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Encounter {
    pub id: Uuid,
    /// The unit of the touchpoint.
    pub unit_id: Uuid,
    pub customer_id: Option<Uuid>,
    pub touchpoint_id: Uuid,
    pub employee_id: Option<Uuid>,
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
    pub waiting_seconds: i64,
    pub presence_seconds: i64,
    pub revenue: Option<MoneyDto>,
    pub outcome: Outcome,
    #[schema(value_type = Object)]
    pub attributes: Option<serde_json::Value>,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(extra: serde_json::Value) -> EncounterInput {
        let mut base = serde_json::json!({
            "touchpoint_id": Uuid::nil(),
            "started_at": "2026-05-01T09:30:00+09:00",
            "ended_at": "2026-05-01T09:42:00+09:00",
        });
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn presence_defaults_to_the_whole_encounter() {
        let e = input(serde_json::json!({})).parse("").unwrap();
        assert_eq!(e.presence_seconds, 12 * 60);
        assert_eq!(e.duration_seconds(), 12 * 60);
    }

    #[test]
    fn an_encounter_ending_before_it_starts_names_ended_at_with_the_batch_index() {
        let e = input(serde_json::json!({"ended_at": "2026-05-01T09:00:00+09:00"}))
            .parse("items[7].")
            .unwrap_err();
        assert_eq!(e[0].field, "items[7].ended_at");
    }

    #[test]
    fn presence_longer_than_the_encounter_is_refused() {
        let e = input(serde_json::json!({"presence_seconds": 721}))
            .parse("")
            .unwrap_err();
        assert_eq!(e[0].code, "exceeds_duration");
    }

    #[test]
    fn negative_revenue_and_negative_waiting_are_both_reported() {
        let e = input(serde_json::json!({"waiting_seconds": -1, "revenue": {"amount_minor": -5, "currency": "KRW"}}))
            .parse("")
            .unwrap_err();
        let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["waiting_seconds", "revenue.amount_minor"]);
    }
}
