//! Instants in UTC with microsecond precision.
//!
//! Stored as microseconds since the Unix epoch in a BIGINT column on both databases: that
//! sorts and compares the same everywhere and avoids the precision and format differences
//! between SQLite text timestamps and PostgreSQL `timestamptz`.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const MICROS_PER_HOUR: i64 = 3_600 * MICROS_PER_SECOND;

impl Timestamp {
    pub fn now() -> Self {
        Self::from_datetime(Utc::now())
    }

    /// Truncates to whole microseconds.
    pub fn from_datetime(dt: DateTime<Utc>) -> Self {
        Self(dt.timestamp_micros())
    }

    pub fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    pub fn micros(self) -> i64 {
        self.0
    }

    pub fn to_datetime(self) -> DateTime<Utc> {
        Utc.timestamp_micros(self.0)
            .single()
            .expect("a stored timestamp is always in chrono's range")
    }

    pub fn to_rfc3339(self) -> String {
        self.to_datetime()
            .to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }

    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0 + seconds * MICROS_PER_SECOND)
    }

    pub fn plus_micros(self, micros: i64) -> Self {
        Self(self.0.saturating_add(micros))
    }

    /// Seconds from `self` to `later` (negative when `later` is earlier).
    pub fn seconds_until(self, later: Timestamp) -> f64 {
        (later.0 - self.0) as f64 / MICROS_PER_SECOND as f64
    }

    /// Parses an RFC 3339 instant; an explicit offset is required so no instant is ambiguous.
    /// Years outside 1900..=2200 are refused: they are always typing mistakes here.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        let dt = DateTime::parse_from_rfc3339(text.trim()).map_err(|_| {
            FieldError::new(
                field,
                "invalid_timestamp",
                "expected an RFC 3339 timestamp with offset, e.g. 2026-05-01T09:30:00+09:00",
            )
        })?;
        let utc = dt.with_timezone(&Utc);
        let year = chrono::Datelike::year(&utc);
        if !(1900..=2200).contains(&year) {
            return Err(FieldError::new(
                field,
                "out_of_range",
                "timestamp must lie between the years 1900 and 2200",
            ));
        }
        Ok(Self::from_datetime(utc))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse("", &text).map_err(|e| serde::de::Error::custom(e.message))
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .description(Some(
                "RFC 3339 instant with offset; stored in UTC with microsecond precision",
            ))
            .into()
    }
}
impl utoipa::ToSchema for Timestamp {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seoul_time_is_stored_as_the_same_instant_in_utc() {
        let t = Timestamp::parse("at", "2026-05-01T09:30:00+09:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-05-01T00:30:00Z");
    }

    #[test]
    fn nanoseconds_are_truncated_to_microseconds() {
        let t = Timestamp::parse("at", "2026-05-01T00:00:00.123456789Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-05-01T00:00:00.123456Z");
    }

    #[test]
    fn a_timestamp_without_offset_is_refused_naming_the_field() {
        let e = Timestamp::parse("started_at", "2026-05-01T09:30:00").unwrap_err();
        assert_eq!(e.field, "started_at");
        assert_eq!(e.code, "invalid_timestamp");
    }

    #[test]
    fn an_absurd_year_is_refused() {
        assert!(Timestamp::parse("at", "0026-05-01T09:30:00Z").is_err());
    }
}

/// The local calendar day of an instant in a time zone, as days since 1970-01-01.
/// Daily statistics are kept per local day of the unit, so reports match its calendar.
pub fn local_day(at: Timestamp, tz: chrono_tz::Tz) -> i32 {
    let local = at.to_datetime().with_timezone(&tz).date_naive();
    (local - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date")).num_days() as i32
}

#[cfg(test)]
mod local_day_tests {
    use super::*;

    #[test]
    fn late_evening_utc_is_already_the_next_day_in_seoul() {
        let t = Timestamp::parse("t", "2026-01-01T16:00:00Z").unwrap();
        assert_eq!(
            local_day(t, chrono_tz::Asia::Seoul) - local_day(t, chrono_tz::UTC),
            1
        );
        assert_eq!(local_day(Timestamp::from_micros(0), chrono_tz::UTC), 0);
    }
}
