//! Organisation: units, employees, roles and what each role may do.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::FieldError;

/// A role, from least to most powerful.
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
pub enum Role {
    /// Reads the figures of their unit.
    Viewer,
    /// Front-line staff: works with customers and encounters in their unit.
    Agent,
    /// Also configures their unit: touchpoints, calendar, staff.
    Manager,
    /// Everything, in every unit.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Agent => "agent",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "agent" => Ok(Role::Agent),
            "manager" => Ok(Role::Manager),
            "admin" => Ok(Role::Admin),
            _ => Err(FieldError::new(
                field,
                "invalid_value",
                "must be one of viewer, agent, manager, admin",
            )),
        }
    }
}

/// Who is acting: the employee behind a session or an API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub employee_id: Uuid,
    pub role: Role,
    /// `None` only for admins, who belong to the whole organisation.
    pub unit_id: Option<Uuid>,
}

/// Why an actor may not do something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("this needs the role {0:?} or higher")]
    Role(Role),
    #[error("this belongs to another unit")]
    OtherUnit,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn require(&self, role: Role) -> Result<(), Denied> {
        if self.role >= role {
            Ok(())
        } else {
            Err(Denied::Role(role))
        }
    }

    /// May this actor see things of `unit`? Admins see all units, others their own.
    pub fn can_see_unit(&self, unit: Uuid) -> bool {
        self.is_admin() || self.unit_id == Some(unit)
    }

    /// May this actor act with `role`'s powers on things of `unit`?
    pub fn require_in_unit(&self, role: Role, unit: Uuid) -> Result<(), Denied> {
        self.require(role)?;
        if self.can_see_unit(unit) {
            Ok(())
        } else {
            Err(Denied::OtherUnit)
        }
    }

    /// The unit a listing is confined to: `None` means every unit (admins).
    pub fn unit_scope(&self) -> Option<Uuid> {
        if self.is_admin() { None } else { self.unit_id }
    }

    /// A manager may hire and configure staff of their own unit, up to agents and viewers
    /// and other managers; only an admin creates admins.
    pub fn may_assign_role(&self, role: Role) -> bool {
        self.is_admin() || (self.role == Role::Manager && role <= Role::Manager)
    }
}

/// Checks an e-mail address loosely (one `@`, a dot in the domain, no spaces) and lowercases it.
pub fn parse_email(field: &str, text: &str) -> Result<String, FieldError> {
    let email = text.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(email)
    } else {
        Err(FieldError::new(
            field,
            "invalid_email",
            "must be an e-mail address like name@example.com",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, unit: Option<Uuid>) -> Actor {
        Actor {
            employee_id: Uuid::nil(),
            role,
            unit_id: unit,
        }
    }

    #[test]
    fn an_agent_may_not_do_what_needs_a_manager() {
        assert_eq!(
            actor(Role::Agent, None).require(Role::Manager),
            Err(Denied::Role(Role::Manager))
        );
    }

    #[test]
    fn a_manager_is_confined_to_their_own_unit() {
        let own = Uuid::from_u128(1);
        let other = Uuid::from_u128(2);
        let m = actor(Role::Manager, Some(own));
        assert!(m.require_in_unit(Role::Manager, own).is_ok());
        assert_eq!(
            m.require_in_unit(Role::Agent, other),
            Err(Denied::OtherUnit)
        );
    }

    #[test]
    fn an_admin_sees_every_unit() {
        assert!(actor(Role::Admin, None).can_see_unit(Uuid::from_u128(9)));
    }

    #[test]
    fn only_an_admin_creates_admins() {
        assert!(!actor(Role::Manager, None).may_assign_role(Role::Admin));
        assert!(actor(Role::Manager, None).may_assign_role(Role::Agent));
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            parse_email("e", " Kim@Example.COM ").unwrap(),
            "kim@example.com"
        );
        assert!(parse_email("e", "kim@example").is_err());
        assert!(parse_email("e", "kim example@x.com").is_err());
    }
}

/// What a client sends to create or replace a unit.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitInput {
    /// The version you last read; required when replacing, absent when creating.
    #[serde(default)]
    pub version: Option<i64>,
    pub name: crate::text::LocalizedName,
    /// IANA time zone, e.g. `Asia/Seoul`.
    #[schema(example = "Asia/Seoul")]
    pub time_zone: String,
    /// Business hours; absent means open around the clock every day.
    #[serde(default)]
    pub calendar: Option<crate::calendar::CalendarDto>,
    /// ISO 4217 code the unit's compensation and authority limits are counted in. Absent:
    /// `KRW` for a new unit, unchanged for an existing one. It can change only while the unit
    /// has no cases and no staff with an authority limit.
    #[serde(default)]
    #[schema(example = "KRW")]
    pub currency: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewUnit {
    pub name: crate::text::LocalizedName,
    pub time_zone: chrono_tz::Tz,
    pub calendar: crate::calendar::BusinessCalendar,
    /// `None`: KRW for a new unit, the stored one for an existing unit.
    pub currency: Option<crate::money::Currency>,
}

pub fn parse_time_zone(field: &str, text: &str) -> Result<chrono_tz::Tz, FieldError> {
    text.trim().parse::<chrono_tz::Tz>().map_err(|_| {
        FieldError::new(
            field,
            "unknown_time_zone",
            "must be an IANA time zone such as Asia/Seoul",
        )
    })
}

impl UnitInput {
    pub fn parse(&self) -> Result<NewUnit, Vec<FieldError>> {
        let mut v = crate::Validation::new();
        let name = match crate::text::LocalizedName::parse("name", &self.name.ko, &self.name.en) {
            Ok(n) => Some(n),
            Err(e) => {
                v.extend(e);
                None
            }
        };
        let tz = v.check(parse_time_zone("time_zone", &self.time_zone));
        let calendar = match &self.calendar {
            None => Some(crate::calendar::BusinessCalendar::every_day(0, 1440)),
            Some(c) => match c.parse("calendar") {
                Ok(c) => Some(c),
                Err(e) => {
                    v.extend(e);
                    None
                }
            },
        };
        let currency = match self.currency.as_deref() {
            None => Some(None),
            Some(code) => v
                .check(crate::money::Currency::parse("currency", code.trim()))
                .map(Some),
        };
        v.finish(|| NewUnit {
            name: name.expect("checked"),
            time_zone: tz.expect("checked"),
            calendar: calendar.expect("checked"),
            currency: currency.expect("checked"),
        })
    }
}

/// A unit (branch, department) as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Unit {
    pub id: Uuid,
    pub version: i64,
    pub name: crate::text::LocalizedName,
    pub time_zone: String,
    pub calendar: crate::calendar::CalendarDto,
    /// ISO 4217 code the unit's compensation and authority limits are counted in.
    #[schema(example = "KRW")]
    pub currency: String,
    pub created_at: crate::Timestamp,
    pub updated_at: crate::Timestamp,
}

/// What a client sends to create or replace an employee.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeeInput {
    /// The version you last read; required when replacing, absent when creating.
    #[serde(default)]
    pub version: Option<i64>,
    #[schema(min_length = 1, max_length = 200, example = "박지은")]
    pub name: String,
    #[schema(max_length = 254, example = "jieun.park@example.com")]
    pub email: String,
    pub role: Role,
    /// Required for every role but admin.
    #[serde(default)]
    pub unit_id: Option<Uuid>,
    /// The most compensation this employee may grant per period without a manager's approval.
    pub authority_limit: crate::money::MoneyDto,
    #[serde(default = "default_true")]
    pub active: bool,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewEmployee {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub authority_limit: crate::Money,
    pub active: bool,
}

impl EmployeeInput {
    pub fn parse(&self) -> Result<NewEmployee, Vec<FieldError>> {
        let mut v = crate::Validation::new();
        let name = v.check(crate::text::required_line("name", &self.name, 200));
        let email = v.check(parse_email("email", &self.email));
        let limit = v.check(crate::Money::parse_non_negative(
            "authority_limit",
            self.authority_limit.amount_minor,
            &self.authority_limit.currency,
        ));
        if self.role != Role::Admin && self.unit_id.is_none() {
            v.push(FieldError::new(
                "unit_id",
                "required",
                "every role but admin belongs to a unit",
            ));
        }
        v.finish(|| NewEmployee {
            name: name.expect("checked"),
            email: email.expect("checked"),
            role: self.role,
            unit_id: self.unit_id,
            authority_limit: limit.expect("checked"),
            active: self.active,
        })
    }
}

/// An employee as stored and shown (never with credentials).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Employee {
    pub id: Uuid,
    pub version: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub authority_limit: crate::money::MoneyDto,
    pub active: bool,
    pub created_at: crate::Timestamp,
    pub updated_at: crate::Timestamp,
}

impl Employee {
    pub fn actor(&self) -> Actor {
        Actor {
            employee_id: self.id,
            role: self.role,
            unit_id: self.unit_id,
        }
    }
}

/// An API token's metadata; the secret itself is shown once, at creation.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: Uuid,
    pub employee_id: Uuid,
    pub name: String,
    pub created_at: crate::Timestamp,
    pub expires_at: Option<crate::Timestamp>,
    pub revoked_at: Option<crate::Timestamp>,
}
