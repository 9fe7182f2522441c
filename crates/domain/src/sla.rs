//! SLA policies: which targets apply to a case, matched on severity, customer tier, channel
//! and unit, first match by position.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::business_time::ClockBasis;
use crate::case::{PolicyTargets, Severity};
use crate::contact::Channel;
use crate::customer::Tier;
use crate::{FieldError, Validation};

/// Longest target accepted: a year of minutes. Longer ones are typing mistakes, and the
/// deadline search is bounded.
pub const MAX_TARGET_MINUTES: i64 = 366 * 24 * 60;

/// Input of `POST`/`PUT /api/v1/sla-policies`.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicyInput {
    /// Required on update, absent on create.
    #[serde(default)]
    pub version: Option<i64>,
    #[schema(max_length = 100)]
    pub name: String,
    /// Policies are tried in ascending position; the first that matches applies.
    pub position: i64,
    /// Only cases of this unit; absent: every unit.
    #[serde(default)]
    pub unit_id: Option<Uuid>,
    /// Severities matched (1–4); absent or empty: any.
    #[serde(default)]
    pub severities: Vec<i64>,
    /// Customer tiers matched; absent or empty: any (cases without a customer count as standard).
    #[serde(default)]
    pub tiers: Vec<Tier>,
    /// Channels matched; absent or empty: any.
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// Count targets in the unit's business hours or in calendar time.
    pub basis: ClockBasis,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 527040)]
    pub acknowledge_minutes: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 527040)]
    pub first_response_minutes: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 527040)]
    pub resolve_minutes: Option<i64>,
    /// Counted from the follow-up's due time to the follow-up being done.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 527040)]
    pub follow_up_minutes: Option<i64>,
    /// Days after resolution at which the follow-up with the customer is due.
    #[schema(minimum = 0, maximum = 365)]
    pub follow_up_after_days: i64,
    /// Share of a target at which a warning fires, e.g. 0.75.
    #[schema(minimum = 0.05, maximum = 0.99)]
    pub warn_share: f64,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A validated policy.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSlaPolicy {
    pub name: String,
    pub position: i64,
    pub unit_id: Option<Uuid>,
    pub severities: Vec<u8>,
    pub tiers: Vec<Tier>,
    pub channels: Vec<Channel>,
    pub targets: PolicyTargets,
    pub active: bool,
}

impl SlaPolicyInput {
    pub fn parse(&self) -> Result<NewSlaPolicy, Vec<FieldError>> {
        let mut v = Validation::new();
        let name = v.check(crate::text::required_line("name", &self.name, 100));
        let mut severities = Vec::new();
        for (i, s) in self.severities.iter().enumerate() {
            if let Some(s) = v.check(Severity::parse(&format!("severities[{i}]"), *s)) {
                severities.push(s.get());
            }
        }
        severities.sort_unstable();
        severities.dedup();
        for (field, value) in [
            ("acknowledge_minutes", self.acknowledge_minutes),
            ("first_response_minutes", self.first_response_minutes),
            ("resolve_minutes", self.resolve_minutes),
            ("follow_up_minutes", self.follow_up_minutes),
        ] {
            if let Some(m) = value
                && !(1..=MAX_TARGET_MINUTES).contains(&m)
            {
                v.push(FieldError::new(
                    field,
                    "out_of_range",
                    format!("a target must be between 1 and {MAX_TARGET_MINUTES} minutes"),
                ));
            }
        }
        if !(0..=365).contains(&self.follow_up_after_days) {
            v.push(FieldError::new(
                "follow_up_after_days",
                "out_of_range",
                "must be between 0 and 365 days",
            ));
        }
        if !(0.05..=0.99).contains(&self.warn_share) {
            v.push(FieldError::new(
                "warn_share",
                "out_of_range",
                "the warning share must be between 0.05 and 0.99 of a target",
            ));
        }
        if !(-1_000_000..=1_000_000).contains(&self.position) {
            v.push(FieldError::new(
                "position",
                "out_of_range",
                "must be between -1000000 and 1000000",
            ));
        }
        let mut tiers = self.tiers.clone();
        tiers.sort_by_key(|t| t.as_str());
        tiers.dedup();
        let mut channels = self.channels.clone();
        channels.sort_by_key(|c| c.as_str());
        channels.dedup();
        v.finish(|| NewSlaPolicy {
            name: name.unwrap(),
            position: self.position,
            unit_id: self.unit_id,
            severities,
            tiers,
            channels,
            targets: PolicyTargets {
                basis: self.basis,
                acknowledge_minutes: self.acknowledge_minutes,
                first_response_minutes: self.first_response_minutes,
                resolve_minutes: self.resolve_minutes,
                follow_up_minutes: self.follow_up_minutes,
                follow_up_after_days: self.follow_up_after_days,
                warn_share: self.warn_share,
            },
            active: self.active,
        })
    }
}

/// A stored policy.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SlaPolicy {
    pub id: Uuid,
    pub version: i64,
    pub name: String,
    pub position: i64,
    pub unit_id: Option<Uuid>,
    pub severities: Vec<u8>,
    pub tiers: Vec<Tier>,
    pub channels: Vec<Channel>,
    pub basis: ClockBasis,
    pub acknowledge_minutes: Option<i64>,
    pub first_response_minutes: Option<i64>,
    pub resolve_minutes: Option<i64>,
    pub follow_up_minutes: Option<i64>,
    pub follow_up_after_days: i64,
    pub warn_share: f64,
    pub active: bool,
    pub created_at: crate::Timestamp,
    pub updated_at: crate::Timestamp,
}

impl SlaPolicy {
    pub fn matches(&self, unit: Uuid, severity: Severity, tier: Tier, channel: Channel) -> bool {
        self.active
            && self.unit_id.is_none_or(|u| u == unit)
            && (self.severities.is_empty() || self.severities.contains(&severity.get()))
            && (self.tiers.is_empty() || self.tiers.contains(&tier))
            && (self.channels.is_empty() || self.channels.contains(&channel))
    }

    pub fn targets(&self) -> PolicyTargets {
        PolicyTargets {
            basis: self.basis,
            acknowledge_minutes: self.acknowledge_minutes,
            first_response_minutes: self.first_response_minutes,
            resolve_minutes: self.resolve_minutes,
            follow_up_minutes: self.follow_up_minutes,
            follow_up_after_days: self.follow_up_after_days,
            warn_share: self.warn_share,
        }
    }
}

/// The first matching policy of `policies` (already sorted by position, then id).
pub fn choose_policy(
    policies: &[SlaPolicy],
    unit: Uuid,
    severity: Severity,
    tier: Tier,
    channel: Channel,
) -> Option<&SlaPolicy> {
    policies
        .iter()
        .find(|p| p.matches(unit, severity, tier, channel))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(position: i64, severities: Vec<u8>, tiers: Vec<Tier>) -> SlaPolicy {
        SlaPolicy {
            id: Uuid::now_v7(),
            version: 1,
            name: format!("p{position}"),
            position,
            unit_id: None,
            severities,
            tiers,
            channels: vec![],
            basis: ClockBasis::BusinessHours,
            acknowledge_minutes: Some(60),
            first_response_minutes: None,
            resolve_minutes: None,
            follow_up_minutes: None,
            follow_up_after_days: 3,
            warn_share: 0.75,
            active: true,
            created_at: crate::Timestamp::from_micros(0),
            updated_at: crate::Timestamp::from_micros(0),
        }
    }

    #[test]
    fn the_first_matching_policy_applies() {
        let sev = |n| Severity::parse("s", n).unwrap();
        let policies = vec![
            policy(1, vec![1], vec![Tier::Vip]),
            policy(2, vec![1, 2], vec![]),
            policy(3, vec![], vec![]),
        ];
        let unit = Uuid::now_v7();
        let pick = |s, t| {
            choose_policy(&policies, unit, sev(s), t, Channel::Phone)
                .unwrap()
                .position
        };
        assert_eq!(pick(1, Tier::Vip), 1);
        assert_eq!(pick(1, Tier::Standard), 2);
        assert_eq!(pick(4, Tier::Vip), 3);
    }

    #[test]
    fn bad_targets_name_their_fields() {
        let input: SlaPolicyInput = serde_json::from_value(serde_json::json!({
            "name": "x", "position": 1, "basis": "calendar", "severities": [0],
            "acknowledge_minutes": 0, "follow_up_after_days": 400, "warn_share": 1.5
        }))
        .unwrap();
        let fields: Vec<_> = input
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "severities[0]",
                "acknowledge_minutes",
                "follow_up_after_days",
                "warn_share"
            ]
        );
    }
}
