//! Rows as the databases return them, and their conversion into domain types.
//! The same structs decode on SQLite and PostgreSQL (uuid, i64, f64, bool, text).

use rapport_domain::Timestamp;
use rapport_domain::calendar::CalendarDto;
use rapport_domain::contact::{
    Channel, EncounterTotals, JourneyStage, LevelThresholds, Touchpoint, derive_level,
};
use rapport_domain::customer::{Customer, DateKind, ImportantDate, Locale, Tier};
use rapport_domain::encounter::{Encounter, Outcome};
use rapport_domain::money::MoneyDto;
use rapport_domain::org::{ApiToken, Employee, Role, Unit};
use rapport_domain::text::LocalizedName;
use uuid::Uuid;

use crate::{AuditEntry, Result, StoreError};

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} `{value}`"))
}

fn ts(micros: i64) -> Timestamp {
    Timestamp::from_micros(micros)
}

#[derive(sqlx::FromRow)]
pub struct UnitRow {
    pub id: Uuid,
    pub version: i64,
    pub name_ko: String,
    pub name_en: String,
    pub time_zone: String,
    pub calendar: String,
    pub currency: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl UnitRow {
    pub fn into_domain(self) -> Result<Unit> {
        let calendar: CalendarDto = serde_json::from_str(&self.calendar)
            .map_err(|e| StoreError::Corrupt(format!("calendar of unit {}: {e}", self.id)))?;
        Ok(Unit {
            id: self.id,
            version: self.version,
            name: LocalizedName {
                ko: self.name_ko,
                en: self.name_en,
            },
            time_zone: self.time_zone,
            calendar,
            currency: self.currency,
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct EmployeeRow {
    pub id: Uuid,
    pub version: i64,
    pub unit_id: Option<Uuid>,
    pub name: String,
    pub email: String,
    pub role: String,
    pub authority_limit_minor: i64,
    pub authority_currency: String,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl EmployeeRow {
    pub fn into_domain(self) -> Result<Employee> {
        let role = Role::parse("role", &self.role).map_err(|_| corrupt("role", &self.role))?;
        Ok(Employee {
            id: self.id,
            version: self.version,
            name: self.name,
            email: self.email,
            role,
            unit_id: self.unit_id,
            authority_limit: MoneyDto {
                amount_minor: self.authority_limit_minor,
                currency: self.authority_currency,
            },
            active: self.active,
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    pub employee_id: Uuid,
    pub name: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl TokenRow {
    pub fn into_domain(self) -> ApiToken {
        ApiToken {
            id: self.id,
            employee_id: self.employee_id,
            name: self.name,
            created_at: ts(self.created_at),
            expires_at: self.expires_at.map(ts),
            revoked_at: self.revoked_at.map(ts),
        }
    }
}

/// A touchpoint joined with its all-time encounter totals.
#[derive(sqlx::FromRow)]
pub struct TouchpointRow {
    pub id: Uuid,
    pub version: i64,
    pub unit_id: Uuid,
    pub name_ko: String,
    pub name_en: String,
    pub channel: String,
    pub journey_stage: String,
    pub presence_minutes: f64,
    pub creation_minutes: f64,
    pub created_at: i64,
    pub updated_at: i64,
    pub encounters: Option<i64>,
    pub failed: Option<i64>,
    pub presence_seconds: Option<i64>,
    pub duration_seconds: Option<i64>,
    pub waiting_seconds: Option<i64>,
}

impl TouchpointRow {
    pub fn into_domain(self, thresholds: &LevelThresholds) -> Result<Touchpoint> {
        let channel = Channel::from_str_opt(&self.channel)
            .ok_or_else(|| corrupt("channel", &self.channel))?;
        let journey_stage = JourneyStage::from_str_opt(&self.journey_stage)
            .ok_or_else(|| corrupt("journey stage", &self.journey_stage))?;
        let totals = EncounterTotals {
            encounters: self.encounters.unwrap_or(0),
            failed: self.failed.unwrap_or(0),
            presence_seconds: self.presence_seconds.unwrap_or(0),
            duration_seconds: self.duration_seconds.unwrap_or(0),
            waiting_seconds: self.waiting_seconds.unwrap_or(0),
        };
        let designed = self.presence_minutes / self.creation_minutes;
        let (level, level_basis) = derive_level(designed, &totals, thresholds);
        Ok(Touchpoint {
            id: self.id,
            version: self.version,
            unit_id: self.unit_id,
            name: LocalizedName {
                ko: self.name_ko,
                en: self.name_en,
            },
            channel,
            journey_stage,
            customer_presence_minutes: self.presence_minutes,
            service_creation_minutes: self.creation_minutes,
            designed_intensity: designed,
            measured_intensity: totals.measured_intensity(),
            level,
            level_basis,
            failure_rate: totals.failure_rate(),
            totals,
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct CustomerRow {
    pub id: Uuid,
    pub version: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub locale: String,
    pub tier: String,
    pub preferences: String,
    pub notes: String,
    pub marketing_consent: bool,
    pub consent_updated_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A customer found by a search, with the name key its matches are ordered by.
#[derive(sqlx::FromRow)]
pub struct CustomerMatchRow {
    #[sqlx(flatten)]
    pub row: CustomerRow,
    pub key_name: String,
}

#[derive(sqlx::FromRow)]
pub struct CustomerDateRow {
    pub customer_id: Uuid,
    pub kind: String,
    pub label: Option<String>,
    pub month: i64,
    pub day: i64,
    pub year: Option<i64>,
}

pub fn date_kind_str(kind: DateKind) -> &'static str {
    match kind {
        DateKind::Birthday => "birthday",
        DateKind::Anniversary => "anniversary",
        DateKind::Other => "other",
    }
}

impl CustomerDateRow {
    fn into_domain(self) -> Result<ImportantDate> {
        let kind = match self.kind.as_str() {
            "birthday" => DateKind::Birthday,
            "anniversary" => DateKind::Anniversary,
            "other" => DateKind::Other,
            other => return Err(corrupt("date kind", other)),
        };
        Ok(ImportantDate {
            kind,
            label: self.label,
            month: self.month as u8,
            day: self.day as u8,
            year: self.year.map(|y| y as i32),
        })
    }
}

impl CustomerRow {
    /// `dates` are this customer's rows in position order.
    pub fn into_domain(self, dates: Vec<CustomerDateRow>) -> Result<Customer> {
        let preferences: Vec<String> = serde_json::from_str(&self.preferences).map_err(|e| {
            StoreError::Corrupt(format!("preferences of customer {}: {e}", self.id))
        })?;
        Ok(Customer {
            id: self.id,
            version: self.version,
            name: self.name,
            email: self.email,
            phone: self.phone,
            locale: Locale::from_str_opt(&self.locale)
                .ok_or_else(|| corrupt("locale", &self.locale))?,
            tier: Tier::from_str_opt(&self.tier).ok_or_else(|| corrupt("tier", &self.tier))?,
            preferences,
            notes: self.notes,
            important_dates: dates
                .into_iter()
                .map(CustomerDateRow::into_domain)
                .collect::<Result<_>>()?,
            marketing_consent: self.marketing_consent,
            consent_updated_at: self.consent_updated_at.map(ts),
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct EncounterRow {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub touchpoint_id: Uuid,
    pub customer_id: Option<Uuid>,
    pub employee_id: Option<Uuid>,
    pub started_at: i64,
    pub ended_at: i64,
    pub waiting_seconds: i64,
    pub presence_seconds: i64,
    pub revenue_minor: Option<i64>,
    pub revenue_currency: Option<String>,
    pub outcome: String,
    pub attributes: Option<String>,
    pub created_at: i64,
}

impl EncounterRow {
    pub fn into_domain(self) -> Result<Encounter> {
        let attributes = match self.attributes {
            Some(a) => Some(serde_json::from_str(&a).map_err(|e| {
                StoreError::Corrupt(format!("attributes of encounter {}: {e}", self.id))
            })?),
            None => None,
        };
        Ok(Encounter {
            id: self.id,
            unit_id: self.unit_id,
            customer_id: self.customer_id,
            touchpoint_id: self.touchpoint_id,
            employee_id: self.employee_id,
            started_at: ts(self.started_at),
            ended_at: ts(self.ended_at),
            waiting_seconds: self.waiting_seconds,
            presence_seconds: self.presence_seconds,
            revenue: match (self.revenue_minor, self.revenue_currency) {
                (Some(amount_minor), Some(currency)) => Some(MoneyDto {
                    amount_minor,
                    currency,
                }),
                _ => None,
            },
            outcome: Outcome::from_str_opt(&self.outcome)
                .ok_or_else(|| corrupt("outcome", &self.outcome))?,
            attributes,
            created_at: ts(self.created_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct AuditRow {
    pub id: Uuid,
    pub at: i64,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<Uuid>,
    pub details: String,
}

impl AuditRow {
    pub fn into_domain(self) -> AuditEntry {
        AuditEntry {
            id: self.id,
            at: ts(self.at),
            actor_id: self.actor_id,
            action: self.action,
            entity: self.entity,
            entity_id: self.entity_id,
            details: serde_json::from_str(&self.details).unwrap_or(serde_json::Value::Null),
        }
    }
}
