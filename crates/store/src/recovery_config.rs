//! Recovery configuration in storage: the failure taxonomy (categories and root causes),
//! response templates, SLA policies, compensation guidelines, service guarantees and the
//! authority period, with the defaults every new database starts with.
//!
//! Written once for both backends like `shared.rs`: `impl_recovery_config_store!` expands in
//! `sqlite.rs` and `postgres.rs`, after `impl_shared_store!`, whose private helpers (`audit`,
//! `missing_or_stale`, `delete_versioned`, `unit_exists`) it uses.

use async_trait::async_trait;
use rapport_domain::Timestamp;
use rapport_domain::compensation::{
    AuthorityPeriod, Guarantee, GuaranteeTerms, Guideline, NewGuarantee, NewGuideline, PayoutKind,
};
use rapport_domain::customer::Locale;
use rapport_domain::money::MoneyDto;
use rapport_domain::sla::{NewSlaPolicy, SlaPolicy};
use rapport_domain::taxonomy::{FailureKind, LocalizedDescription, NewCategory, NewRootCause};
use rapport_domain::templates::{NewTemplate, TemplatePart};
use rapport_domain::text::LocalizedName;
use serde::Serialize;
use uuid::Uuid;

use crate::cases::ts;
use crate::page::{Page, PageRequest};
use crate::{Change, Result, StoreError};

/// A failure category of the taxonomy.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FailureCategory {
    /// `outcome.{slug}` or `process.{slug}`; never changes.
    #[schema(example = "process.long_wait")]
    pub code: String,
    pub version: i64,
    pub kind: FailureKind,
    pub name: LocalizedName,
    pub description: Option<LocalizedDescription>,
    /// Inactive categories stay on the cases filed under them but are not offered for new ones.
    pub active: bool,
    /// Listing order: the defaults in their shipped order, new ones after them.
    pub position: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A root cause, recorded when a case is closed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RootCause {
    /// `cause.{slug}`; never changes.
    #[schema(example = "cause.staffing")]
    pub code: String,
    pub version: i64,
    pub name: LocalizedName,
    pub description: Option<LocalizedDescription>,
    /// Inactive root causes stay on old cases but are not offered when closing.
    pub active: bool,
    pub position: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A response template: one part (apology, explanation, next steps) of a first answer, in
/// one language.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ResponseTemplate {
    pub id: Uuid,
    pub version: i64,
    /// `{part}.{slug}`; one template per code and locale.
    #[schema(example = "apology.general")]
    pub code: String,
    pub locale: Locale,
    pub part: TemplatePart,
    /// The kind of failure the wording fits; absent fits any.
    pub kind: Option<FailureKind>,
    pub title: String,
    /// Text with `{{placeholder}}`s.
    pub body: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Filters of the template listing.
#[derive(Debug, Clone, Default)]
pub struct TemplateFilter {
    pub locale: Option<Locale>,
    pub part: Option<TemplatePart>,
    pub code: Option<String>,
}

/// Filters of the guideline listing.
#[derive(Debug, Clone, Default)]
pub struct GuidelineFilter {
    pub category: Option<String>,
}

/// Filters of the guarantee listing.
#[derive(Debug, Clone, Default)]
pub struct GuaranteeFilter {
    /// Only what this unit offers: the guarantees of every unit and this unit's own.
    pub unit: Option<Uuid>,
    pub active: Option<bool>,
}

#[async_trait]
pub trait RecoveryConfigStore: Send + Sync {
    /// Every category (a short list by nature), by position, then code.
    async fn list_categories(&self) -> Result<Vec<FailureCategory>>;
    async fn get_category(&self, code: &str) -> Result<FailureCategory>;
    /// A taken code answers `Duplicate { field: "code" }`.
    async fn create_category(
        &self,
        change: &Change,
        category: &NewCategory,
    ) -> Result<FailureCategory>;
    /// The code stays; `category.code` must be `code`. Deactivate with `active: false`.
    async fn update_category(
        &self,
        change: &Change,
        code: &str,
        version: i64,
        category: &NewCategory,
    ) -> Result<FailureCategory>;

    /// Every root cause (a short list by nature), by position, then code.
    async fn list_root_causes(&self) -> Result<Vec<RootCause>>;
    async fn get_root_cause(&self, code: &str) -> Result<RootCause>;
    async fn create_root_cause(&self, change: &Change, cause: &NewRootCause) -> Result<RootCause>;
    async fn update_root_cause(
        &self,
        change: &Change,
        code: &str,
        version: i64,
        cause: &NewRootCause,
    ) -> Result<RootCause>;

    /// Ordered by id (creation).
    async fn list_templates(
        &self,
        filter: &TemplateFilter,
        page: &PageRequest,
    ) -> Result<Page<ResponseTemplate>>;
    async fn get_template(&self, id: Uuid) -> Result<ResponseTemplate>;
    /// A taken code and locale answers `Duplicate { field: "code" }`.
    async fn create_template(
        &self,
        change: &Change,
        template: &NewTemplate,
    ) -> Result<ResponseTemplate>;
    async fn update_template(
        &self,
        change: &Change,
        id: Uuid,
        version: i64,
        template: &NewTemplate,
    ) -> Result<ResponseTemplate>;
    async fn delete_template(&self, change: &Change, id: Uuid, version: i64) -> Result<()>;
    /// All SLA policies in matching order (position, then id). `unit`: only those that can
    /// apply in this unit (global ones and the unit's own).
    async fn list_sla_policies(&self, unit: Option<Uuid>) -> Result<Vec<SlaPolicy>>;
    async fn get_sla_policy(&self, id: Uuid) -> Result<SlaPolicy>;
    async fn create_sla_policy(&self, change: &Change, policy: &NewSlaPolicy) -> Result<SlaPolicy>;
    async fn update_sla_policy(
        &self,
        change: &Change,
        id: Uuid,
        version: i64,
        policy: &NewSlaPolicy,
    ) -> Result<SlaPolicy>;
    /// Refused with `InUse` while a case refers to the policy: deactivate it instead.
    async fn delete_sla_policy(&self, change: &Change, id: Uuid, version: i64) -> Result<()>;

    /// Ordered by id (creation).
    async fn list_guidelines(
        &self,
        filter: &GuidelineFilter,
        page: &PageRequest,
    ) -> Result<Page<Guideline>>;
    async fn get_guideline(&self, id: Uuid) -> Result<Guideline>;
    async fn create_guideline(
        &self,
        change: &Change,
        guideline: &NewGuideline,
    ) -> Result<Guideline>;
    async fn update_guideline(
        &self,
        change: &Change,
        id: Uuid,
        version: i64,
        guideline: &NewGuideline,
    ) -> Result<Guideline>;
    async fn delete_guideline(&self, change: &Change, id: Uuid, version: i64) -> Result<()>;

    /// Ordered by id (creation).
    async fn list_guarantees(
        &self,
        filter: &GuaranteeFilter,
        page: &PageRequest,
    ) -> Result<Page<Guarantee>>;
    async fn get_guarantee(&self, id: Uuid) -> Result<Guarantee>;
    async fn create_guarantee(
        &self,
        change: &Change,
        guarantee: &NewGuarantee,
    ) -> Result<Guarantee>;
    async fn update_guarantee(
        &self,
        change: &Change,
        id: Uuid,
        version: i64,
        guarantee: &NewGuarantee,
    ) -> Result<Guarantee>;
    /// Refused with `InUse` once a recovery action invoked it: deactivate it instead.
    async fn delete_guarantee(&self, change: &Change, id: Uuid, version: i64) -> Result<()>;

    /// Over which period authority limits are counted; `month` when never set.
    async fn authority_period(&self) -> Result<AuthorityPeriod>;
    async fn set_authority_period(&self, change: &Change, period: AuthorityPeriod) -> Result<()>;

    /// Inserts the default taxonomy, templates and a catch-all SLA policy where they are
    /// missing; never overwrites what users changed. Run by `migrate`.
    async fn seed_recovery_defaults(&self) -> Result<()>;
}

/// The id of the catch-all policy seeded into an empty `sla_policies`: fixed, so that
/// several nodes starting at once on one PostgreSQL seed it once.
pub const DEFAULT_POLICY_ID: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0001);

/// The seeded policy comes after any policy users add.
pub const DEFAULT_POLICY_POSITION: i64 = 1_000_000;

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} `{value}`"))
}

/// A match list as stored: a JSON array, NULL when it matches anything.
pub(crate) fn match_list<T: serde::Serialize>(items: &[T]) -> Option<String> {
    if items.is_empty() {
        None
    } else {
        Some(serde_json::to_string(items).expect("match lists serialize"))
    }
}

pub(crate) fn policy_json(p: &NewSlaPolicy) -> serde_json::Value {
    serde_json::json!({
        "name": p.name, "position": p.position, "unit_id": p.unit_id,
        "severities": p.severities, "tiers": p.tiers, "channels": p.channels,
        "basis": crate::cases::basis_str(p.targets.basis),
        "acknowledge_minutes": p.targets.acknowledge_minutes,
        "first_response_minutes": p.targets.first_response_minutes,
        "resolve_minutes": p.targets.resolve_minutes,
        "follow_up_minutes": p.targets.follow_up_minutes,
        "follow_up_after_days": p.targets.follow_up_after_days,
        "warn_share": p.targets.warn_share, "active": p.active,
    })
}

pub(crate) fn guideline_json(g: &NewGuideline) -> serde_json::Value {
    serde_json::json!({
        "category": g.category, "severity": g.severity.get(), "tier": g.tier_str(),
        "currency": g.currency.code(), "min_minor": g.min_minor, "max_minor": g.max_minor,
        "note": g.note,
    })
}

pub(crate) fn guarantee_json(g: &NewGuarantee) -> serde_json::Value {
    serde_json::json!({
        "name": g.name, "terms": g.terms, "payout_kind": g.payout_kind,
        "payout": g.payout.map(MoneyDto::from), "unit_id": g.unit_id, "active": g.active,
    })
}

pub(crate) fn category_json(c: &NewCategory) -> serde_json::Value {
    serde_json::json!({
        "code": c.code, "kind": c.kind, "name": c.name, "description": c.description, "active": c.active,
    })
}

pub(crate) fn root_cause_json(c: &NewRootCause) -> serde_json::Value {
    serde_json::json!({
        "code": c.code, "name": c.name, "description": c.description, "active": c.active,
    })
}

pub(crate) fn template_json(t: &NewTemplate) -> serde_json::Value {
    serde_json::json!({
        "code": t.code, "locale": t.locale, "part": t.part, "kind": t.kind, "title": t.title, "body": t.body,
    })
}

/// A description as stored: empty texts when there is none.
pub(crate) fn description_columns(d: &Option<LocalizedDescription>) -> (&str, &str) {
    match d {
        Some(d) => (d.ko.as_str(), d.en.as_str()),
        None => ("", ""),
    }
}

fn description_of(ko: String, en: String) -> Option<LocalizedDescription> {
    (!ko.is_empty() || !en.is_empty()).then_some(LocalizedDescription { ko, en })
}

pub(crate) const CATEGORY_COLUMNS: &str = "code, version, kind, name_ko, name_en, description_ko, description_en, active, position, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct CategoryRow {
    pub code: String,
    pub version: i64,
    pub kind: String,
    pub name_ko: String,
    pub name_en: String,
    pub description_ko: String,
    pub description_en: String,
    pub active: bool,
    pub position: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl CategoryRow {
    pub fn into_domain(self) -> Result<FailureCategory> {
        let kind = FailureKind::parse("kind", &self.kind)
            .map_err(|_| corrupt("failure kind", &self.kind))?;
        Ok(FailureCategory {
            code: self.code,
            version: self.version,
            kind,
            name: LocalizedName {
                ko: self.name_ko,
                en: self.name_en,
            },
            description: description_of(self.description_ko, self.description_en),
            active: self.active,
            position: self.position,
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
        })
    }
}

pub(crate) const ROOT_CAUSE_COLUMNS: &str = "code, version, name_ko, name_en, description_ko, description_en, active, position, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct RootCauseRow {
    pub code: String,
    pub version: i64,
    pub name_ko: String,
    pub name_en: String,
    pub description_ko: String,
    pub description_en: String,
    pub active: bool,
    pub position: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl RootCauseRow {
    pub fn into_domain(self) -> RootCause {
        RootCause {
            code: self.code,
            version: self.version,
            name: LocalizedName {
                ko: self.name_ko,
                en: self.name_en,
            },
            description: description_of(self.description_ko, self.description_en),
            active: self.active,
            position: self.position,
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
        }
    }
}

pub(crate) const TEMPLATE_COLUMNS: &str =
    "id, version, code, locale, part, kind, title, body, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct TemplateRow {
    pub id: Uuid,
    pub version: i64,
    pub code: String,
    pub locale: String,
    pub part: String,
    pub kind: Option<String>,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TemplateRow {
    pub fn into_domain(self) -> Result<ResponseTemplate> {
        let locale =
            Locale::from_str_opt(&self.locale).ok_or_else(|| corrupt("locale", &self.locale))?;
        let part = TemplatePart::parse("part", &self.part)
            .map_err(|_| corrupt("template part", &self.part))?;
        let kind = match self.kind.as_deref() {
            None => None,
            Some(k) => Some(FailureKind::parse("kind", k).map_err(|_| corrupt("failure kind", k))?),
        };
        Ok(ResponseTemplate {
            id: self.id,
            version: self.version,
            code: self.code,
            locale,
            part,
            kind,
            title: self.title,
            body: self.body,
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
        })
    }
}

/// The settings key that records which default templates were ever seeded, so that a
/// default template a user deleted does not come back on the next start.
pub(crate) const SEEDED_TEMPLATES_KEY: &str = "seeded_templates";

pub(crate) fn template_seed_key(code: &str, locale: Locale) -> String {
    format!("{code}/{}", locale.as_str())
}

pub(crate) const GUIDELINE_COLUMNS: &str = "id, version, category, severity, tier, currency, min_minor, max_minor, note, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct GuidelineRow {
    pub id: Uuid,
    pub version: i64,
    pub category: String,
    pub severity: i64,
    pub tier: String,
    pub currency: String,
    pub min_minor: i64,
    pub max_minor: i64,
    pub note: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl GuidelineRow {
    pub fn into_domain(self) -> Result<Guideline> {
        let severity = u8::try_from(self.severity)
            .ok()
            .filter(|s| (1..=4).contains(s))
            .ok_or_else(|| corrupt("severity", &self.severity.to_string()))?;
        Ok(Guideline {
            id: self.id,
            version: self.version,
            category: self.category,
            severity,
            tier: self.tier,
            currency: self.currency,
            min_minor: self.min_minor,
            max_minor: self.max_minor,
            note: self.note,
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
        })
    }
}

pub(crate) const GUARANTEE_COLUMNS: &str = "id, version, unit_id, name_ko, name_en, terms_ko, terms_en, payout_kind, \
     payout_minor, payout_currency, active, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct GuaranteeRow {
    pub id: Uuid,
    pub version: i64,
    pub unit_id: Option<Uuid>,
    pub name_ko: String,
    pub name_en: String,
    pub terms_ko: String,
    pub terms_en: String,
    pub payout_kind: String,
    pub payout_minor: Option<i64>,
    pub payout_currency: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl GuaranteeRow {
    pub fn into_domain(self) -> Result<Guarantee> {
        let payout_kind = PayoutKind::from_str_opt(&self.payout_kind)
            .ok_or_else(|| corrupt("payout kind", &self.payout_kind))?;
        Ok(Guarantee {
            id: self.id,
            version: self.version,
            name: LocalizedName {
                ko: self.name_ko,
                en: self.name_en,
            },
            terms: GuaranteeTerms {
                ko: self.terms_ko,
                en: self.terms_en,
            },
            payout_kind,
            payout: match (self.payout_minor, self.payout_currency) {
                (Some(amount_minor), Some(currency)) => Some(MoneyDto {
                    amount_minor,
                    currency,
                }),
                _ => None,
            },
            unit_id: self.unit_id,
            active: self.active,
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
        })
    }
}

macro_rules! impl_recovery_config_store {
    ($store:ty, $db:ty) => {
        mod recovery_config_impl {
            use rapport_domain::compensation::{
                AuthorityPeriod, DEFAULT_AUTHORITY_PERIOD, Guarantee, Guideline, NewGuarantee,
                NewGuideline,
            };
            use rapport_domain::sla::{NewSlaPolicy, SlaPolicy};
            use rapport_domain::taxonomy::{DEFAULT_CATEGORIES, DEFAULT_ROOT_CAUSES, NewCategory, NewRootCause};
            use rapport_domain::templates::{DEFAULT_TEMPLATES, NewTemplate};

            use super::*;
            use crate::cases::{POLICY_COLUMNS, PolicyRow, basis_str};

            const AUTHORITY_PERIOD_KEY: &str = "authority_period";

            fn unknown_unit() -> StoreError {
                StoreError::Invalid(vec![FieldError::new("unit_id", "unknown", "no unit has this id")])
            }

            impl $store {
                /// After an update by code matched nothing: was the record gone, or the version stale?
                async fn rc_code_missing_or_stale(tx: &mut Tx<'_>, table: &str, code: &str) -> StoreError {
                    let current: std::result::Result<Option<(i64,)>, _> =
                        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT version FROM {table} WHERE code = $1")))
                            .bind(code)
                            .fetch_optional(&mut **tx)
                            .await;
                    match current {
                        Ok(Some((current,))) => StoreError::VersionConflict { current },
                        Ok(None) => StoreError::NotFound,
                        Err(e) => e.into(),
                    }
                }

                async fn rc_category_in(tx: &mut Tx<'_>, code: &str) -> Result<FailureCategory> {
                    let row: Option<CategoryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {CATEGORY_COLUMNS} FROM failure_categories WHERE code = $1"
                    )))
                    .bind(code)
                    .fetch_optional(&mut **tx)
                    .await?;
                    row.ok_or(StoreError::NotFound)?.into_domain()
                }

                async fn rc_root_cause_in(tx: &mut Tx<'_>, code: &str) -> Result<RootCause> {
                    let row: Option<RootCauseRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {ROOT_CAUSE_COLUMNS} FROM root_causes WHERE code = $1"
                    )))
                    .bind(code)
                    .fetch_optional(&mut **tx)
                    .await?;
                    Ok(row.ok_or(StoreError::NotFound)?.into_domain())
                }

                async fn rc_template_in(tx: &mut Tx<'_>, id: Uuid) -> Result<ResponseTemplate> {
                    let row: Option<TemplateRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {TEMPLATE_COLUMNS} FROM response_templates WHERE id = $1"
                    )))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                    row.ok_or(StoreError::NotFound)?.into_domain()
                }

                /// Inserts a category unless its code exists; true when inserted.
                async fn rc_insert_category(tx: &mut Tx<'_>, at: i64, c: &NewCategory, position: Option<i64>) -> Result<bool> {
                    let (description_ko, description_en) = description_columns(&c.description);
                    // Without a position the category goes after all others.
                    let done = sqlx::query(
                        "INSERT INTO failure_categories (code, version, kind, name_ko, name_en, description_ko, \
                         description_en, active, position, created_at, updated_at) \
                         SELECT $1, 1, $2, $3, $4, $5, $6, $7, \
                         COALESCE($8, (SELECT COALESCE(MAX(position), 0) + 1 FROM failure_categories)), $9, $9 \
                         WHERE TRUE ON CONFLICT (code) DO NOTHING",
                    )
                    .bind(&c.code)
                    .bind(c.kind.as_str())
                    .bind(&c.name.ko)
                    .bind(&c.name.en)
                    .bind(description_ko)
                    .bind(description_en)
                    .bind(c.active)
                    .bind(position)
                    .bind(at)
                    .execute(&mut **tx)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }

                async fn rc_insert_root_cause(tx: &mut Tx<'_>, at: i64, c: &NewRootCause, position: Option<i64>) -> Result<bool> {
                    let (description_ko, description_en) = description_columns(&c.description);
                    let done = sqlx::query(
                        "INSERT INTO root_causes (code, version, name_ko, name_en, description_ko, description_en, \
                         active, position, created_at, updated_at) \
                         SELECT $1, 1, $2, $3, $4, $5, $6, \
                         COALESCE($7, (SELECT COALESCE(MAX(position), 0) + 1 FROM root_causes)), $8, $8 \
                         WHERE TRUE ON CONFLICT (code) DO NOTHING",
                    )
                    .bind(&c.code)
                    .bind(&c.name.ko)
                    .bind(&c.name.en)
                    .bind(description_ko)
                    .bind(description_en)
                    .bind(c.active)
                    .bind(position)
                    .bind(at)
                    .execute(&mut **tx)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }

                /// Inserts a template unless its code and locale exist; true when inserted.
                async fn rc_insert_template(tx: &mut Tx<'_>, at: i64, id: Uuid, t: &NewTemplate) -> Result<bool> {
                    let done = sqlx::query(
                        "INSERT INTO response_templates (id, version, code, locale, part, kind, title, body, active, \
                         created_at, updated_at) VALUES ($1, 1, $2, $3, $4, $5, $6, $7, TRUE, $8, $8) \
                         ON CONFLICT (code, locale) DO NOTHING",
                    )
                    .bind(id)
                    .bind(&t.code)
                    .bind(t.locale.as_str())
                    .bind(t.part.as_str())
                    .bind(t.kind.map(|k| k.as_str()))
                    .bind(&t.title)
                    .bind(&t.body)
                    .bind(at)
                    .execute(&mut **tx)
                    .await?;
                    Ok(done.rows_affected() > 0)
                }

                /// The default taxonomy and templates, in one transaction. Categories and root
                /// causes cannot be deleted, so a missing default is simply inserted; templates
                /// can, so each default template is inserted only the first time.
                async fn rc_seed_taxonomy(&self, change: &Change) -> Result<()> {
                    let at = change.at.micros();
                    let mut tx = self.write.begin().await?;
                    let mut categories = 0;
                    for (i, c) in DEFAULT_CATEGORIES.iter().enumerate() {
                        categories += i64::from(Self::rc_insert_category(&mut tx, at, &c.to_new(), Some(i as i64 + 1)).await?);
                    }
                    let mut causes = 0;
                    for (i, c) in DEFAULT_ROOT_CAUSES.iter().enumerate() {
                        causes += i64::from(Self::rc_insert_root_cause(&mut tx, at, &c.to_new(), Some(i as i64 + 1)).await?);
                    }
                    let seeded: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
                        .bind(SEEDED_TEMPLATES_KEY)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let mut seeded: Vec<String> = match seeded {
                        None => vec![],
                        Some((json,)) => serde_json::from_str(&json)
                            .map_err(|e| StoreError::Corrupt(format!("seeded templates: {e}")))?,
                    };
                    let mut templates = 0;
                    let mut marked = false;
                    for t in DEFAULT_TEMPLATES {
                        let key = template_seed_key(t.code, t.locale);
                        if seeded.contains(&key) {
                            continue;
                        }
                        templates += i64::from(Self::rc_insert_template(&mut tx, at, Uuid::now_v7(), &t.to_new()).await?);
                        seeded.push(key);
                        marked = true;
                    }
                    if marked {
                        sqlx::query(
                            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
                             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                        )
                        .bind(SEEDED_TEMPLATES_KEY)
                        .bind(serde_json::to_string(&seeded).expect("strings serialize"))
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                    }
                    if categories + causes + templates > 0 {
                        Self::audit(
                            &mut tx,
                            change,
                            "recovery_defaults.seed",
                            "recovery_defaults",
                            None,
                            serde_json::json!({
                                "failure_categories": categories, "root_causes": causes, "response_templates": templates,
                            }),
                        )
                        .await?;
                    }
                    tx.commit().await?;
                    if categories > 0 {
                        self.recovery.clear();
                    }
                    Ok(())
                }

                async fn rc_policy_in(tx: &mut Tx<'_>, id: Uuid) -> Result<SlaPolicy> {
                    let row: Option<PolicyRow> =
                        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {POLICY_COLUMNS} FROM sla_policies WHERE id = $1")))
                            .bind(id)
                            .fetch_optional(&mut **tx)
                            .await?;
                    row.ok_or(StoreError::NotFound)?.into_domain()
                }

                async fn rc_guideline_in(tx: &mut Tx<'_>, id: Uuid) -> Result<Guideline> {
                    let row: Option<GuidelineRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {GUIDELINE_COLUMNS} FROM compensation_guidelines WHERE id = $1"
                    )))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                    row.ok_or(StoreError::NotFound)?.into_domain()
                }

                async fn rc_guarantee_in(tx: &mut Tx<'_>, id: Uuid) -> Result<Guarantee> {
                    let row: Option<GuaranteeRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {GUARANTEE_COLUMNS} FROM service_guarantees WHERE id = $1"
                    )))
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                    row.ok_or(StoreError::NotFound)?.into_domain()
                }

                /// The category of a guideline must exist (it may be inactive: guidelines
                /// of retired categories stay for the cases filed under them).
                async fn rc_check_category(tx: &mut Tx<'_>, code: &str) -> Result<()> {
                    let found: Option<(String,)> = sqlx::query_as("SELECT code FROM failure_categories WHERE code = $1")
                        .bind(code)
                        .fetch_optional(&mut **tx)
                        .await?;
                    if found.is_none() {
                        return Err(StoreError::Invalid(vec![FieldError::new(
                            "category",
                            "unknown",
                            "no failure category has this code",
                        )]));
                    }
                    Ok(())
                }

                async fn rc_seed_default_policy(&self, change: &Change) -> Result<()> {
                    let at = change.at.micros();
                    let mut tx = self.write.begin().await?;
                    // Only into an empty table, under a fixed id: several nodes starting at once
                    // insert it once.
                    let done = sqlx::query(
                        "INSERT INTO sla_policies (id, version, name, position, unit_id, severities, tiers, channels, \
                         basis, acknowledge_minutes, first_response_minutes, resolve_minutes, follow_up_minutes, \
                         follow_up_after_days, warn_share, active, created_at, updated_at) \
                         SELECT $1, 1, $2, $3, NULL, NULL, NULL, NULL, 'business_hours', 60, 240, 1440, 2880, 3, 0.75, \
                         TRUE, $4, $4 WHERE NOT EXISTS (SELECT 1 FROM sla_policies) \
                         ON CONFLICT (id) DO NOTHING",
                    )
                    .bind(DEFAULT_POLICY_ID)
                    .bind("기본 / Default")
                    .bind(DEFAULT_POLICY_POSITION)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() > 0 {
                        Self::audit(
                            &mut tx,
                            change,
                            "sla_policy.seed",
                            "sla_policy",
                            Some(DEFAULT_POLICY_ID),
                            serde_json::json!({ "name": "기본 / Default" }),
                        )
                        .await?;
                    }
                    tx.commit().await?;
                    if done.rows_affected() > 0 {
                        self.recovery.clear();
                    }
                    Ok(())
                }
            }

            #[async_trait]
            impl RecoveryConfigStore for $store {
                async fn list_categories(&self) -> Result<Vec<FailureCategory>> {
                    let rows: Vec<CategoryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {CATEGORY_COLUMNS} FROM failure_categories ORDER BY position, code"
                    )))
                    .fetch_all(&self.read)
                    .await?;
                    rows.into_iter().map(CategoryRow::into_domain).collect()
                }

                async fn get_category(&self, code: &str) -> Result<FailureCategory> {
                    let row: Option<CategoryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {CATEGORY_COLUMNS} FROM failure_categories WHERE code = $1"
                    )))
                    .bind(code)
                    .fetch_optional(&self.read)
                    .await?;
                    row.ok_or(StoreError::NotFound)?.into_domain()
                }

                async fn create_category(&self, change: &Change, c: &NewCategory) -> Result<FailureCategory> {
                    let mut tx = self.write.begin().await?;
                    if !Self::rc_insert_category(&mut tx, change.at.micros(), c, None).await? {
                        return Err(StoreError::Duplicate { field: "code" });
                    }
                    Self::audit(&mut tx, change, "failure_category.create", "failure_category", None, category_json(c))
                        .await?;
                    let created = Self::rc_category_in(&mut tx, &c.code).await?;
                    tx.commit().await?;
                    self.recovery.clear();
                    Ok(created)
                }

                async fn update_category(
                    &self,
                    change: &Change,
                    code: &str,
                    version: i64,
                    c: &NewCategory,
                ) -> Result<FailureCategory> {
                    if c.code != code {
                        return Err(StoreError::Invalid(vec![FieldError::new(
                            "code",
                            "immutable",
                            "a category keeps its code; create a new one and deactivate this one instead",
                        )]));
                    }
                    let (description_ko, description_en) = description_columns(&c.description);
                    let mut tx = self.write.begin().await?;
                    let done = sqlx::query(
                        "UPDATE failure_categories SET version = version + 1, kind = $3, name_ko = $4, name_en = $5, \
                         description_ko = $6, description_en = $7, active = $8, updated_at = $9 \
                         WHERE code = $1 AND version = $2",
                    )
                    .bind(code)
                    .bind(version)
                    .bind(c.kind.as_str())
                    .bind(&c.name.ko)
                    .bind(&c.name.en)
                    .bind(description_ko)
                    .bind(description_en)
                    .bind(c.active)
                    .bind(change.at.micros())
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(Self::rc_code_missing_or_stale(&mut tx, "failure_categories", code).await);
                    }
                    Self::audit(&mut tx, change, "failure_category.update", "failure_category", None, category_json(c))
                        .await?;
                    let updated = Self::rc_category_in(&mut tx, code).await?;
                    tx.commit().await?;
                    self.recovery.clear();
                    Ok(updated)
                }

                async fn list_root_causes(&self) -> Result<Vec<RootCause>> {
                    let rows: Vec<RootCauseRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {ROOT_CAUSE_COLUMNS} FROM root_causes ORDER BY position, code"
                    )))
                    .fetch_all(&self.read)
                    .await?;
                    Ok(rows.into_iter().map(RootCauseRow::into_domain).collect())
                }

                async fn get_root_cause(&self, code: &str) -> Result<RootCause> {
                    let row: Option<RootCauseRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {ROOT_CAUSE_COLUMNS} FROM root_causes WHERE code = $1"
                    )))
                    .bind(code)
                    .fetch_optional(&self.read)
                    .await?;
                    Ok(row.ok_or(StoreError::NotFound)?.into_domain())
                }

                async fn create_root_cause(&self, change: &Change, c: &NewRootCause) -> Result<RootCause> {
                    let mut tx = self.write.begin().await?;
                    if !Self::rc_insert_root_cause(&mut tx, change.at.micros(), c, None).await? {
                        return Err(StoreError::Duplicate { field: "code" });
                    }
                    Self::audit(&mut tx, change, "root_cause.create", "root_cause", None, root_cause_json(c)).await?;
                    let created = Self::rc_root_cause_in(&mut tx, &c.code).await?;
                    tx.commit().await?;
                    Ok(created)
                }

                async fn update_root_cause(
                    &self,
                    change: &Change,
                    code: &str,
                    version: i64,
                    c: &NewRootCause,
                ) -> Result<RootCause> {
                    if c.code != code {
                        return Err(StoreError::Invalid(vec![FieldError::new(
                            "code",
                            "immutable",
                            "a root cause keeps its code; create a new one and deactivate this one instead",
                        )]));
                    }
                    let (description_ko, description_en) = description_columns(&c.description);
                    let mut tx = self.write.begin().await?;
                    let done = sqlx::query(
                        "UPDATE root_causes SET version = version + 1, name_ko = $3, name_en = $4, \
                         description_ko = $5, description_en = $6, active = $7, updated_at = $8 \
                         WHERE code = $1 AND version = $2",
                    )
                    .bind(code)
                    .bind(version)
                    .bind(&c.name.ko)
                    .bind(&c.name.en)
                    .bind(description_ko)
                    .bind(description_en)
                    .bind(c.active)
                    .bind(change.at.micros())
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(Self::rc_code_missing_or_stale(&mut tx, "root_causes", code).await);
                    }
                    Self::audit(&mut tx, change, "root_cause.update", "root_cause", None, root_cause_json(c)).await?;
                    let updated = Self::rc_root_cause_in(&mut tx, code).await?;
                    tx.commit().await?;
                    Ok(updated)
                }

                async fn list_templates(&self, f: &TemplateFilter, page: &PageRequest) -> Result<Page<ResponseTemplate>> {
                    let rows: Vec<TemplateRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {TEMPLATE_COLUMNS} FROM response_templates \
                         WHERE ($1 IS NULL OR locale = $1) AND ($2 IS NULL OR part = $2) AND ($3 IS NULL OR code = $3) \
                         AND ($4 IS NULL OR id > $4) ORDER BY id LIMIT $5"
                    )))
                    .bind(f.locale.map(|l| l.as_str()))
                    .bind(f.part.map(|p| p.as_str()))
                    .bind(f.code.as_deref())
                    .bind(page.after.as_ref().map(|c| c.id))
                    .bind(page.limit + 1)
                    .fetch_all(&self.read)
                    .await?;
                    let items = rows.into_iter().map(TemplateRow::into_domain).collect::<Result<Vec<_>>>()?;
                    Ok(Page::from_overfetch(items, page.limit, |t| Cursor { key: 0, id: t.id, ..Cursor::default() }))
                }

                async fn get_template(&self, id: Uuid) -> Result<ResponseTemplate> {
                    let row: Option<TemplateRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {TEMPLATE_COLUMNS} FROM response_templates WHERE id = $1"
                    )))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                    row.ok_or(StoreError::NotFound)?.into_domain()
                }

                async fn create_template(&self, change: &Change, t: &NewTemplate) -> Result<ResponseTemplate> {
                    let id = Uuid::now_v7();
                    let mut tx = self.write.begin().await?;
                    if !Self::rc_insert_template(&mut tx, change.at.micros(), id, t).await? {
                        return Err(StoreError::Duplicate { field: "code" });
                    }
                    Self::audit(&mut tx, change, "response_template.create", "response_template", Some(id), template_json(t))
                        .await?;
                    let created = Self::rc_template_in(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(created)
                }

                async fn update_template(
                    &self,
                    change: &Change,
                    id: Uuid,
                    version: i64,
                    t: &NewTemplate,
                ) -> Result<ResponseTemplate> {
                    let mut tx = self.write.begin().await?;
                    let taken: Option<(Uuid,)> =
                        sqlx::query_as("SELECT id FROM response_templates WHERE code = $1 AND locale = $2 AND id <> $3")
                            .bind(&t.code)
                            .bind(t.locale.as_str())
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if taken.is_some() {
                        return Err(StoreError::Duplicate { field: "code" });
                    }
                    let done = sqlx::query(
                        "UPDATE response_templates SET version = version + 1, code = $3, locale = $4, part = $5, \
                         kind = $6, title = $7, body = $8, updated_at = $9 WHERE id = $1 AND version = $2",
                    )
                    .bind(id)
                    .bind(version)
                    .bind(&t.code)
                    .bind(t.locale.as_str())
                    .bind(t.part.as_str())
                    .bind(t.kind.map(|k| k.as_str()))
                    .bind(&t.title)
                    .bind(&t.body)
                    .bind(change.at.micros())
                    .execute(&mut *tx)
                    .await;
                    let done = match done {
                        Err(e) if is_unique_violation(&e) => return Err(StoreError::Duplicate { field: "code" }),
                        other => other?,
                    };
                    if done.rows_affected() == 0 {
                        return Err(Self::missing_or_stale(&mut tx, "response_templates", id).await);
                    }
                    Self::audit(&mut tx, change, "response_template.update", "response_template", Some(id), template_json(t))
                        .await?;
                    let updated = Self::rc_template_in(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(updated)
                }

                async fn delete_template(&self, change: &Change, id: Uuid, version: i64) -> Result<()> {
                    let mut tx = self.write.begin().await?;
                    Self::delete_versioned(&mut tx, "response_templates", id, version).await?;
                    Self::audit(&mut tx, change, "response_template.delete", "response_template", Some(id), serde_json::json!({}))
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn list_sla_policies(&self, unit: Option<Uuid>) -> Result<Vec<SlaPolicy>> {
                    let rows: Vec<PolicyRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {POLICY_COLUMNS} FROM sla_policies \
                         WHERE ($1 IS NULL OR unit_id IS NULL OR unit_id = $1) ORDER BY position, id"
                    )))
                    .bind(unit)
                    .fetch_all(&self.read)
                    .await?;
                    rows.into_iter().map(PolicyRow::into_domain).collect()
                }

                async fn get_sla_policy(&self, id: Uuid) -> Result<SlaPolicy> {
                    let row: Option<PolicyRow> =
                        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {POLICY_COLUMNS} FROM sla_policies WHERE id = $1")))
                            .bind(id)
                            .fetch_optional(&self.read)
                            .await?;
                    row.ok_or(StoreError::NotFound)?.into_domain()
                }

                async fn create_sla_policy(&self, change: &Change, p: &NewSlaPolicy) -> Result<SlaPolicy> {
                    let id = Uuid::now_v7();
                    let mut tx = self.write.begin().await?;
                    if let Some(u) = p.unit_id
                        && !Self::unit_exists(&mut tx, u).await?
                    {
                        return Err(unknown_unit());
                    }
                    sqlx::query(
                        "INSERT INTO sla_policies (id, version, name, position, unit_id, severities, tiers, channels, \
                         basis, acknowledge_minutes, first_response_minutes, resolve_minutes, follow_up_minutes, \
                         follow_up_after_days, warn_share, active, created_at, updated_at) \
                         VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)",
                    )
                    .bind(id)
                    .bind(&p.name)
                    .bind(p.position)
                    .bind(p.unit_id)
                    .bind(match_list(&p.severities))
                    .bind(match_list(&p.tiers))
                    .bind(match_list(&p.channels))
                    .bind(basis_str(p.targets.basis))
                    .bind(p.targets.acknowledge_minutes)
                    .bind(p.targets.first_response_minutes)
                    .bind(p.targets.resolve_minutes)
                    .bind(p.targets.follow_up_minutes)
                    .bind(p.targets.follow_up_after_days)
                    .bind(p.targets.warn_share)
                    .bind(p.active)
                    .bind(change.at.micros())
                    .execute(&mut *tx)
                    .await?;
                    Self::audit(&mut tx, change, "sla_policy.create", "sla_policy", Some(id), policy_json(p)).await?;
                    let created = Self::rc_policy_in(&mut tx, id).await?;
                    tx.commit().await?;
                    self.recovery.clear();
                    Ok(created)
                }

                async fn update_sla_policy(
                    &self,
                    change: &Change,
                    id: Uuid,
                    version: i64,
                    p: &NewSlaPolicy,
                ) -> Result<SlaPolicy> {
                    let mut tx = self.write.begin().await?;
                    if let Some(u) = p.unit_id
                        && !Self::unit_exists(&mut tx, u).await?
                    {
                        return Err(unknown_unit());
                    }
                    let done = sqlx::query(
                        "UPDATE sla_policies SET version = version + 1, name = $3, position = $4, unit_id = $5, \
                         severities = $6, tiers = $7, channels = $8, basis = $9, acknowledge_minutes = $10, \
                         first_response_minutes = $11, resolve_minutes = $12, follow_up_minutes = $13, \
                         follow_up_after_days = $14, warn_share = $15, active = $16, updated_at = $17 \
                         WHERE id = $1 AND version = $2",
                    )
                    .bind(id)
                    .bind(version)
                    .bind(&p.name)
                    .bind(p.position)
                    .bind(p.unit_id)
                    .bind(match_list(&p.severities))
                    .bind(match_list(&p.tiers))
                    .bind(match_list(&p.channels))
                    .bind(basis_str(p.targets.basis))
                    .bind(p.targets.acknowledge_minutes)
                    .bind(p.targets.first_response_minutes)
                    .bind(p.targets.resolve_minutes)
                    .bind(p.targets.follow_up_minutes)
                    .bind(p.targets.follow_up_after_days)
                    .bind(p.targets.warn_share)
                    .bind(p.active)
                    .bind(change.at.micros())
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(Self::missing_or_stale(&mut tx, "sla_policies", id).await);
                    }
                    Self::audit(&mut tx, change, "sla_policy.update", "sla_policy", Some(id), policy_json(p)).await?;
                    let updated = Self::rc_policy_in(&mut tx, id).await?;
                    tx.commit().await?;
                    self.recovery.clear();
                    Ok(updated)
                }

                async fn delete_sla_policy(&self, change: &Change, id: Uuid, version: i64) -> Result<()> {
                    let mut tx = self.write.begin().await?;
                    let used: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM cases WHERE policy_id = $1 LIMIT 1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if used.is_some() {
                        return Err(StoreError::InUse("cases; set `active` to false instead"));
                    }
                    Self::delete_versioned(&mut tx, "sla_policies", id, version).await?;
                    Self::audit(&mut tx, change, "sla_policy.delete", "sla_policy", Some(id), serde_json::json!({})).await?;
                    tx.commit().await?;
                    self.recovery.clear();
                    Ok(())
                }

                async fn list_guidelines(&self, f: &GuidelineFilter, page: &PageRequest) -> Result<Page<Guideline>> {
                    let rows: Vec<GuidelineRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {GUIDELINE_COLUMNS} FROM compensation_guidelines \
                         WHERE ($1 IS NULL OR category = $1) AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
                    )))
                    .bind(f.category.as_deref())
                    .bind(page.after.as_ref().map(|c| c.id))
                    .bind(page.limit + 1)
                    .fetch_all(&self.read)
                    .await?;
                    let items = rows.into_iter().map(GuidelineRow::into_domain).collect::<Result<Vec<_>>>()?;
                    Ok(Page::from_overfetch(items, page.limit, |g| Cursor { key: 0, id: g.id, ..Cursor::default() }))
                }

                async fn get_guideline(&self, id: Uuid) -> Result<Guideline> {
                    let row: Option<GuidelineRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {GUIDELINE_COLUMNS} FROM compensation_guidelines WHERE id = $1"
                    )))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                    row.ok_or(StoreError::NotFound)?.into_domain()
                }

                async fn create_guideline(&self, change: &Change, g: &NewGuideline) -> Result<Guideline> {
                    let id = Uuid::now_v7();
                    let mut tx = self.write.begin().await?;
                    Self::rc_check_category(&mut tx, &g.category).await?;
                    let done = sqlx::query(
                        "INSERT INTO compensation_guidelines (id, version, category, severity, tier, currency, \
                         min_minor, max_minor, note, created_at, updated_at) \
                         VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
                         ON CONFLICT (category, severity, tier, currency) DO NOTHING",
                    )
                    .bind(id)
                    .bind(&g.category)
                    .bind(i64::from(g.severity.get()))
                    .bind(g.tier_str())
                    .bind(g.currency.code())
                    .bind(g.min_minor)
                    .bind(g.max_minor)
                    .bind(&g.note)
                    .bind(change.at.micros())
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::Duplicate { field: "category" });
                    }
                    Self::audit(&mut tx, change, "guideline.create", "compensation_guideline", Some(id), guideline_json(g))
                        .await?;
                    let created = Self::rc_guideline_in(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(created)
                }

                async fn update_guideline(
                    &self,
                    change: &Change,
                    id: Uuid,
                    version: i64,
                    g: &NewGuideline,
                ) -> Result<Guideline> {
                    let mut tx = self.write.begin().await?;
                    Self::rc_check_category(&mut tx, &g.category).await?;
                    let taken: Option<(Uuid,)> = sqlx::query_as(
                        "SELECT id FROM compensation_guidelines \
                         WHERE category = $1 AND severity = $2 AND tier = $3 AND currency = $4 AND id <> $5",
                    )
                    .bind(&g.category)
                    .bind(i64::from(g.severity.get()))
                    .bind(g.tier_str())
                    .bind(g.currency.code())
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if taken.is_some() {
                        return Err(StoreError::Duplicate { field: "category" });
                    }
                    let done = sqlx::query(
                        "UPDATE compensation_guidelines SET version = version + 1, category = $3, severity = $4, \
                         tier = $5, currency = $6, min_minor = $7, max_minor = $8, note = $9, updated_at = $10 \
                         WHERE id = $1 AND version = $2",
                    )
                    .bind(id)
                    .bind(version)
                    .bind(&g.category)
                    .bind(i64::from(g.severity.get()))
                    .bind(g.tier_str())
                    .bind(g.currency.code())
                    .bind(g.min_minor)
                    .bind(g.max_minor)
                    .bind(&g.note)
                    .bind(change.at.micros())
                    .execute(&mut *tx)
                    .await;
                    let done = match done {
                        Err(e) if is_unique_violation(&e) => return Err(StoreError::Duplicate { field: "category" }),
                        other => other?,
                    };
                    if done.rows_affected() == 0 {
                        return Err(Self::missing_or_stale(&mut tx, "compensation_guidelines", id).await);
                    }
                    Self::audit(&mut tx, change, "guideline.update", "compensation_guideline", Some(id), guideline_json(g))
                        .await?;
                    let updated = Self::rc_guideline_in(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(updated)
                }

                async fn delete_guideline(&self, change: &Change, id: Uuid, version: i64) -> Result<()> {
                    let mut tx = self.write.begin().await?;
                    Self::delete_versioned(&mut tx, "compensation_guidelines", id, version).await?;
                    Self::audit(&mut tx, change, "guideline.delete", "compensation_guideline", Some(id), serde_json::json!({}))
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn list_guarantees(&self, f: &GuaranteeFilter, page: &PageRequest) -> Result<Page<Guarantee>> {
                    let rows: Vec<GuaranteeRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {GUARANTEE_COLUMNS} FROM service_guarantees \
                         WHERE ($1 IS NULL OR unit_id IS NULL OR unit_id = $1) AND ($2 IS NULL OR active = $2) \
                         AND ($3 IS NULL OR id > $3) ORDER BY id LIMIT $4"
                    )))
                    .bind(f.unit)
                    .bind(f.active)
                    .bind(page.after.as_ref().map(|c| c.id))
                    .bind(page.limit + 1)
                    .fetch_all(&self.read)
                    .await?;
                    let items = rows.into_iter().map(GuaranteeRow::into_domain).collect::<Result<Vec<_>>>()?;
                    Ok(Page::from_overfetch(items, page.limit, |g| Cursor { key: 0, id: g.id, ..Cursor::default() }))
                }

                async fn get_guarantee(&self, id: Uuid) -> Result<Guarantee> {
                    let row: Option<GuaranteeRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {GUARANTEE_COLUMNS} FROM service_guarantees WHERE id = $1"
                    )))
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                    row.ok_or(StoreError::NotFound)?.into_domain()
                }

                async fn create_guarantee(&self, change: &Change, g: &NewGuarantee) -> Result<Guarantee> {
                    let id = Uuid::now_v7();
                    let mut tx = self.write.begin().await?;
                    if let Some(u) = g.unit_id
                        && !Self::unit_exists(&mut tx, u).await?
                    {
                        return Err(unknown_unit());
                    }
                    sqlx::query(
                        "INSERT INTO service_guarantees (id, version, unit_id, name_ko, name_en, terms_ko, terms_en, \
                         payout_kind, payout_minor, payout_currency, active, created_at, updated_at) \
                         VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
                    )
                    .bind(id)
                    .bind(g.unit_id)
                    .bind(&g.name.ko)
                    .bind(&g.name.en)
                    .bind(&g.terms.ko)
                    .bind(&g.terms.en)
                    .bind(g.payout_kind.as_str())
                    .bind(g.payout.map(|m| m.amount_minor))
                    .bind(g.payout.map(|m| m.currency.code()))
                    .bind(g.active)
                    .bind(change.at.micros())
                    .execute(&mut *tx)
                    .await?;
                    Self::audit(&mut tx, change, "guarantee.create", "service_guarantee", Some(id), guarantee_json(g)).await?;
                    let created = Self::rc_guarantee_in(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(created)
                }

                async fn update_guarantee(
                    &self,
                    change: &Change,
                    id: Uuid,
                    version: i64,
                    g: &NewGuarantee,
                ) -> Result<Guarantee> {
                    let mut tx = self.write.begin().await?;
                    if let Some(u) = g.unit_id
                        && !Self::unit_exists(&mut tx, u).await?
                    {
                        return Err(unknown_unit());
                    }
                    let done = sqlx::query(
                        "UPDATE service_guarantees SET version = version + 1, unit_id = $3, name_ko = $4, name_en = $5, \
                         terms_ko = $6, terms_en = $7, payout_kind = $8, payout_minor = $9, payout_currency = $10, \
                         active = $11, updated_at = $12 WHERE id = $1 AND version = $2",
                    )
                    .bind(id)
                    .bind(version)
                    .bind(g.unit_id)
                    .bind(&g.name.ko)
                    .bind(&g.name.en)
                    .bind(&g.terms.ko)
                    .bind(&g.terms.en)
                    .bind(g.payout_kind.as_str())
                    .bind(g.payout.map(|m| m.amount_minor))
                    .bind(g.payout.map(|m| m.currency.code()))
                    .bind(g.active)
                    .bind(change.at.micros())
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(Self::missing_or_stale(&mut tx, "service_guarantees", id).await);
                    }
                    Self::audit(&mut tx, change, "guarantee.update", "service_guarantee", Some(id), guarantee_json(g)).await?;
                    let updated = Self::rc_guarantee_in(&mut tx, id).await?;
                    tx.commit().await?;
                    Ok(updated)
                }

                async fn delete_guarantee(&self, change: &Change, id: Uuid, version: i64) -> Result<()> {
                    let mut tx = self.write.begin().await?;
                    let used: Option<(Uuid,)> =
                        sqlx::query_as("SELECT id FROM recovery_actions WHERE guarantee_id = $1 LIMIT 1")
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if used.is_some() {
                        return Err(StoreError::InUse("recovery actions; set `active` to false instead"));
                    }
                    Self::delete_versioned(&mut tx, "service_guarantees", id, version).await?;
                    Self::audit(&mut tx, change, "guarantee.delete", "service_guarantee", Some(id), serde_json::json!({}))
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn authority_period(&self) -> Result<AuthorityPeriod> {
                    let row: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
                        .bind(AUTHORITY_PERIOD_KEY)
                        .fetch_optional(&self.read)
                        .await?;
                    match row {
                        None => Ok(DEFAULT_AUTHORITY_PERIOD),
                        Some((json,)) => serde_json::from_str(&json)
                            .map_err(|e| StoreError::Corrupt(format!("authority period `{json}`: {e}"))),
                    }
                }

                async fn set_authority_period(&self, change: &Change, period: AuthorityPeriod) -> Result<()> {
                    let value = serde_json::to_value(period).expect("a period serializes");
                    let mut tx = self.write.begin().await?;
                    sqlx::query(
                        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    )
                    .bind(AUTHORITY_PERIOD_KEY)
                    .bind(value.to_string())
                    .bind(change.at.micros())
                    .execute(&mut *tx)
                    .await?;
                    Self::audit(&mut tx, change, "settings.update", AUTHORITY_PERIOD_KEY, None, serde_json::json!({ "period": value }))
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn seed_recovery_defaults(&self) -> Result<()> {
                    let change = Change::system();
                    self.rc_seed_taxonomy(&change).await?;
                    self.rc_seed_default_policy(&change).await?;
                    Ok(())
                }
            }
        }
    };
}

pub(crate) use impl_recovery_config_store;
