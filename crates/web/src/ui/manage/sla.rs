//! `/settings/sla`: the SLA policies that can apply in a unit, in matching order, with forms
//! to add, change and delete them. The rules are the JSON API's: a unit's policy is its
//! managers' (and admins'), a policy for every unit only admins'. Forms go through the
//! domain's `SlaPolicyInput::parse` and the same store calls as `routes/recovery_config.rs`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rapport_domain::FieldError;
use rapport_domain::business_time::ClockBasis;
use rapport_domain::contact::Channel;
use rapport_domain::customer::{Locale, Tier};
use rapport_domain::org::{Actor, Role};
use rapport_domain::sla::{NewSlaPolicy, SlaPolicy, SlaPolicyInput};
use rapport_store::StoreError;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ConflictRow, FormErrors, UnitCache, UnitOption, not_found_as, parse_decimal, parse_id,
    parse_int, scope_unit, unit_name, unit_options,
};
use crate::AppState;
use crate::auth::ManagerRole;
use crate::ui::session::{Staff, StaffForm};
use crate::ui::{PageCtx, UiError, format, i18n, render, render_status, see_other};

#[derive(Deserialize, Default)]
pub struct SlaQuery {
    unit: Option<String>,
    saved: Option<String>,
    deleted: Option<String>,
}

/// Something of one unit is its managers' to change; something of every unit only admins'.
fn may_change(actor: &Actor, unit: Option<Uuid>) -> bool {
    match unit {
        Some(u) => actor.require_in_unit(Role::Manager, u).is_ok(),
        None => actor.is_admin(),
    }
}

fn visible(actor: &Actor, unit: Option<Uuid>) -> bool {
    unit.is_none_or(|u| actor.can_see_unit(u))
}

pub fn tier_key(t: Tier) -> &'static str {
    match t {
        Tier::Standard => "customer.tier.standard",
        Tier::Silver => "customer.tier.silver",
        Tier::Gold => "customer.tier.gold",
        Tier::Vip => "customer.tier.vip",
    }
}

pub fn channel_key(c: Channel) -> &'static str {
    match c {
        Channel::InPerson => "sla.channel.in_person",
        Channel::Phone => "sla.channel.phone",
        Channel::Chat => "sla.channel.chat",
        Channel::Email => "sla.channel.email",
        Channel::Web => "sla.channel.web",
        Channel::App => "sla.channel.app",
        Channel::Kiosk => "sla.channel.kiosk",
        Channel::Reservation => "sla.channel.reservation",
    }
}

fn basis_key(b: ClockBasis) -> &'static str {
    match b {
        ClockBasis::BusinessHours => "sla.basis.business_hours",
        ClockBasis::Calendar => "sla.basis.calendar",
    }
}

fn minutes(m: Option<i64>, lang: Locale) -> String {
    m.map(|m| format::duration((m * 60) as f64, lang))
        .unwrap_or_else(|| "—".into())
}

// ---- the list ---------------------------------------------------------------------------

pub struct PolicyRow {
    pub href: String,
    pub delete_href: String,
    pub name: String,
    pub position: String,
    pub scope: String,
    pub severities: String,
    pub tiers: String,
    pub channels: String,
    pub basis: &'static str,
    pub acknowledge: String,
    pub first_response: String,
    pub resolve: String,
    pub follow_up: String,
    pub follow_up_after: String,
    pub warn: String,
    pub active: bool,
    pub editable: bool,
}

#[derive(askama::Template)]
#[template(path = "ui/manage/sla_list.html")]
struct ListPage {
    ctx: PageCtx,
    units: Vec<UnitOption>,
    new_href: String,
    policies: Vec<PolicyRow>,
}

fn any_or(items: Vec<String>, lang: Locale) -> String {
    if items.is_empty() {
        i18n::text("sla.any", lang).to_owned()
    } else {
        items.join(", ")
    }
}

fn scope_name(unit: Option<&rapport_domain::org::Unit>, lang: Locale) -> String {
    match unit {
        Some(u) => unit_name(u, lang),
        None => i18n::text("sla.every_unit", lang).to_owned(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff<ManagerRole>,
    Query(q): Query<SlaQuery>,
) -> Result<Response, UiError> {
    let lang = staff.lang;
    let unit = scope_unit(&state, &staff, q.unit.as_deref()).await?;
    let unit_id = unit.as_ref().map(|u| u.id);
    let policies = state.store.list_sla_policies(unit_id).await?;
    let mut cache = UnitCache::default();
    let mut rows = Vec::with_capacity(policies.len());
    for p in &policies {
        let scope = match p.unit_id {
            Some(u) => scope_name(cache.get(&state, u).await?, lang),
            None => scope_name(None, lang),
        };
        rows.push(PolicyRow {
            href: format!("/settings/sla/{}", p.id),
            delete_href: format!("/settings/sla/{}/delete", p.id),
            name: p.name.clone(),
            position: format::integer(p.position),
            scope,
            severities: any_or(p.severities.iter().map(u8::to_string).collect(), lang),
            tiers: any_or(
                p.tiers
                    .iter()
                    .map(|t| staff.t(tier_key(*t)).to_owned())
                    .collect(),
                lang,
            ),
            channels: any_or(
                p.channels
                    .iter()
                    .map(|c| staff.t(channel_key(*c)).to_owned())
                    .collect(),
                lang,
            ),
            basis: staff.t(basis_key(p.basis)),
            acknowledge: minutes(p.acknowledge_minutes, lang),
            first_response: minutes(p.first_response_minutes, lang),
            resolve: minutes(p.resolve_minutes, lang),
            follow_up: minutes(p.follow_up_minutes, lang),
            follow_up_after: match lang {
                Locale::Ko => format!("{}{}", p.follow_up_after_days, staff.t("sla.days")),
                Locale::En => format!("{} {}", p.follow_up_after_days, staff.t("sla.days")),
            },
            warn: format::percent(p.warn_share),
            active: p.active,
            editable: may_change(&staff.actor, p.unit_id),
        });
    }
    let units = if staff.actor.is_admin() {
        unit_options(&state, lang, unit_id).await?
    } else {
        vec![]
    };
    let mut ctx = staff.ctx(staff.t("nav.sla"), "sla");
    if q.saved.is_some() {
        ctx = ctx.with_notice(staff.t("sla.saved"));
    } else if q.deleted.is_some() {
        ctx = ctx.with_notice(staff.t("sla.deleted"));
    }
    Ok(render(&ListPage {
        ctx,
        units,
        new_href: match unit_id {
            Some(u) if staff.actor.is_admin() => format!("/settings/sla/new?unit={u}"),
            _ => "/settings/sla/new".into(),
        },
        policies: rows,
    }))
}

// ---- the form ---------------------------------------------------------------------------

/// What the form holds, as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyForm {
    pub version: String,
    pub name: String,
    pub position: String,
    /// A unit id, or "" for every unit.
    pub unit_id: String,
    pub severities: Vec<String>,
    pub tiers: Vec<String>,
    pub channels: Vec<String>,
    pub basis: String,
    pub acknowledge_minutes: String,
    pub first_response_minutes: String,
    pub resolve_minutes: String,
    pub follow_up_minutes: String,
    pub follow_up_after_days: String,
    pub warn_percent: String,
    pub active: bool,
}

fn opt_num(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn percent_input(share: f64) -> String {
    let p = (share * 1000.0).round() / 10.0;
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p:.1}")
    }
}

impl PolicyForm {
    fn new(unit: Option<Uuid>) -> Self {
        Self {
            version: String::new(),
            name: String::new(),
            position: "100".into(),
            unit_id: unit.map(|u| u.to_string()).unwrap_or_default(),
            severities: vec![],
            tiers: vec![],
            channels: vec![],
            basis: "business_hours".into(),
            acknowledge_minutes: "60".into(),
            first_response_minutes: "240".into(),
            resolve_minutes: "1440".into(),
            follow_up_minutes: "2880".into(),
            follow_up_after_days: "3".into(),
            warn_percent: "75".into(),
            active: true,
        }
    }

    fn of(p: &SlaPolicy) -> Self {
        Self {
            version: p.version.to_string(),
            name: p.name.clone(),
            position: p.position.to_string(),
            unit_id: p.unit_id.map(|u| u.to_string()).unwrap_or_default(),
            severities: p.severities.iter().map(u8::to_string).collect(),
            tiers: p.tiers.iter().map(|t| t.as_str().to_owned()).collect(),
            channels: p.channels.iter().map(|c| c.as_str().to_owned()).collect(),
            basis: match p.basis {
                ClockBasis::BusinessHours => "business_hours".into(),
                ClockBasis::Calendar => "calendar".into(),
            },
            acknowledge_minutes: opt_num(p.acknowledge_minutes),
            first_response_minutes: opt_num(p.first_response_minutes),
            resolve_minutes: opt_num(p.resolve_minutes),
            follow_up_minutes: opt_num(p.follow_up_minutes),
            follow_up_after_days: p.follow_up_after_days.to_string(),
            warn_percent: percent_input(p.warn_share),
            active: p.active,
        }
    }

    fn posted(f: &StaffForm<ManagerRole>) -> Self {
        let list = |name: &str| f.all(name).into_iter().map(str::to_owned).collect();
        Self {
            version: f.get("version").trim().to_owned(),
            name: f.get("name").to_owned(),
            position: f.get("position").to_owned(),
            unit_id: f.get("unit_id").trim().to_owned(),
            severities: list("severity"),
            tiers: list("tier"),
            channels: list("channel"),
            basis: f.get("basis").to_owned(),
            acknowledge_minutes: f.get("acknowledge_minutes").to_owned(),
            first_response_minutes: f.get("first_response_minutes").to_owned(),
            resolve_minutes: f.get("resolve_minutes").to_owned(),
            follow_up_minutes: f.get("follow_up_minutes").to_owned(),
            follow_up_after_days: f.get("follow_up_after_days").to_owned(),
            warn_percent: f.get("warn_percent").to_owned(),
            active: f.opt("active").is_some(),
        }
    }

    /// The policy, or the errors by input.
    fn parse(&self, actor: &Actor, lang: Locale) -> Result<NewSlaPolicy, FormErrors> {
        let mut errors = FormErrors::default();
        let mut int = |input: &str, text: &str, required: bool| -> Option<i64> {
            match parse_int(text) {
                Ok(Some(v)) => Some(v),
                Ok(None) => {
                    if required {
                        errors.add(input, "form.required");
                    }
                    None
                }
                Err(super::NotANumber) => {
                    errors.add(input, "customer.err.not_a_number");
                    None
                }
            }
        };
        let position = int("position", &self.position, true);
        let ack = int("acknowledge_minutes", &self.acknowledge_minutes, false);
        let first = int(
            "first_response_minutes",
            &self.first_response_minutes,
            false,
        );
        let resolve = int("resolve_minutes", &self.resolve_minutes, false);
        let follow = int("follow_up_minutes", &self.follow_up_minutes, false);
        let days = int("follow_up_after_days", &self.follow_up_after_days, true);
        let warn = match parse_decimal(&self.warn_percent) {
            Ok(Some(p)) => Some(p / 100.0),
            Ok(None) => {
                errors.add("warn_percent", "form.required");
                None
            }
            Err(super::NotANumber) => {
                errors.add("warn_percent", "customer.err.not_a_number");
                None
            }
        };
        let unit_id = super::optional_unit(&self.unit_id, &mut errors);
        if !may_change(actor, unit_id) {
            errors.add("unit_id", "sla.err.scope");
        }
        let mut severities = Vec::new();
        for s in &self.severities {
            match s.parse::<i64>() {
                Ok(v) => severities.push(v),
                Err(_) => errors.add("severity", "customer.err.invalid"),
            }
        }
        let mut tiers = Vec::new();
        for t in &self.tiers {
            match Tier::from_str_opt(t) {
                Some(t) => tiers.push(t),
                None => errors.add("tier", "customer.err.invalid"),
            }
        }
        let mut channels = Vec::new();
        for c in &self.channels {
            match Channel::from_str_opt(c) {
                Some(c) => channels.push(c),
                None => errors.add("channel", "customer.err.invalid"),
            }
        }
        let basis = match self.basis.as_str() {
            "business_hours" => ClockBasis::BusinessHours,
            "calendar" => ClockBasis::Calendar,
            _ => {
                errors.add("basis", "form.required");
                ClockBasis::BusinessHours
            }
        };
        // Placeholders where the typing already failed, so the domain reports the rest.
        let input = SlaPolicyInput {
            version: None,
            name: self.name.clone(),
            position: position.unwrap_or(0),
            unit_id,
            severities,
            tiers,
            channels,
            basis,
            acknowledge_minutes: ack,
            first_response_minutes: first,
            resolve_minutes: resolve,
            follow_up_minutes: follow,
            follow_up_after_days: days.unwrap_or(0),
            warn_share: warn.unwrap_or(0.5),
            active: self.active,
        };
        match input.parse() {
            Ok(policy) if errors.is_empty() => Ok(policy),
            Ok(_) => Err(errors),
            Err(domain) => {
                errors.domain(&domain, lang, input_of);
                Err(errors)
            }
        }
    }
}

/// The input of a domain field of `SlaPolicyInput`, with a message that names the range.
fn input_of(e: &FieldError) -> Option<(String, Option<&'static str>)> {
    let range = e.code == "out_of_range";
    let (input, key) = match e.field.as_str() {
        "name" => ("name", None),
        "position" => ("position", range.then_some("sla.err.position")),
        "acknowledge_minutes"
        | "first_response_minutes"
        | "resolve_minutes"
        | "follow_up_minutes" => (e.field.as_str(), range.then_some("sla.err.minutes")),
        "follow_up_after_days" => ("follow_up_after_days", range.then_some("sla.err.days")),
        "warn_share" => ("warn_percent", range.then_some("sla.err.warn")),
        f if f.starts_with("severities") => ("severity", Some("customer.err.invalid")),
        "unit_id" => ("unit_id", None),
        _ => return None,
    };
    Some((input.to_owned(), key))
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

#[derive(askama::Template)]
#[template(path = "ui/manage/sla_form.html")]
struct FormPage {
    ctx: PageCtx,
    form: PolicyForm,
    errors: FormErrors,
    action: String,
    is_new: bool,
    readonly: bool,
    scopes: Vec<UnitOption>,
    severities: Vec<Choice>,
    tiers: Vec<Choice>,
    channels: Vec<Choice>,
    conflict: Vec<ConflictRow>,
    delete_href: Option<String>,
}

impl FormPage {
    fn business_hours(&self) -> bool {
        self.form.basis != "calendar"
    }
}

async fn form_page(
    state: &AppState,
    staff: &Staff<ManagerRole>,
    form: PolicyForm,
    errors: FormErrors,
    existing: Option<&SlaPolicy>,
    conflict: Vec<ConflictRow>,
) -> Result<FormPage, UiError> {
    let lang = staff.lang;
    let readonly = existing.is_some_and(|p| !may_change(&staff.actor, p.unit_id));
    // Scopes: an admin picks any unit or every unit; a manager has their own unit (and sees
    // "every unit" only on a policy that already is one, read-only).
    let mut scopes = Vec::new();
    if staff.actor.is_admin() || form.unit_id.is_empty() {
        scopes.push(UnitOption {
            id: String::new(),
            name: staff.t("sla.every_unit").to_owned(),
            selected: form.unit_id.is_empty(),
        });
    }
    if staff.actor.is_admin() {
        let selected = Uuid::parse_str(&form.unit_id).ok();
        scopes.extend(unit_options(state, lang, selected).await?);
    } else if let Some(own) = staff.actor.unit_id {
        let unit = state.store.get_unit(own).await?;
        scopes.push(UnitOption {
            id: own.to_string(),
            name: unit_name(&unit, lang),
            selected: form.unit_id == own.to_string(),
        });
    }
    let choice = |value: String, label: String, list: &[String]| Choice {
        checked: list.contains(&value),
        value,
        label,
    };
    let severities = (1..=4)
        .map(|s: u8| {
            choice(
                s.to_string(),
                format!("{s} · {}", staff.t(severity_key(s))),
                &form.severities,
            )
        })
        .collect();
    let tiers = Tier::ALL
        .iter()
        .map(|t| {
            choice(
                t.as_str().to_owned(),
                staff.t(tier_key(*t)).to_owned(),
                &form.tiers,
            )
        })
        .collect();
    let channels = Channel::ALL
        .iter()
        .map(|c| {
            choice(
                c.as_str().to_owned(),
                staff.t(channel_key(*c)).to_owned(),
                &form.channels,
            )
        })
        .collect();
    let title = match existing {
        Some(p) => format!("{} · {}", staff.t("nav.sla"), p.name),
        None => staff.t("sla.new").to_owned(),
    };
    Ok(FormPage {
        ctx: staff.ctx(title, "sla"),
        action: match existing {
            Some(p) => format!("/settings/sla/{}", p.id),
            None => "/settings/sla".into(),
        },
        is_new: existing.is_none(),
        readonly,
        scopes,
        severities,
        tiers,
        channels,
        conflict,
        delete_href: existing
            .filter(|_| !readonly)
            .map(|p| format!("/settings/sla/{}/delete", p.id)),
        form,
        errors,
    })
}

fn severity_key(s: u8) -> &'static str {
    match s {
        1 => "sla.severity.1",
        2 => "sla.severity.2",
        3 => "sla.severity.3",
        _ => "sla.severity.4",
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    staff: Staff<ManagerRole>,
    Query(q): Query<SlaQuery>,
) -> Result<Response, UiError> {
    let unit = scope_unit(&state, &staff, q.unit.as_deref()).await?;
    let form = PolicyForm::new(unit.map(|u| u.id));
    let page = form_page(&state, &staff, form, FormErrors::default(), None, vec![]).await?;
    Ok(render(&page))
}

pub async fn create(
    State(state): State<AppState>,
    form: StaffForm<ManagerRole>,
) -> Result<Response, UiError> {
    let staff = &form.staff;
    let typed = PolicyForm::posted(&form);
    let policy = match typed.parse(&staff.actor, staff.lang) {
        Ok(p) => p,
        Err(errors) => return invalid(&state, staff, typed, errors, None).await,
    };
    match state
        .store
        .create_sla_policy(&staff.change(), &policy)
        .await
    {
        Ok(_) => Ok(see_other(&back_to_list(staff, policy.unit_id))),
        Err(StoreError::Invalid(domain)) => {
            let mut errors = FormErrors::default();
            errors.domain(&domain, staff.lang, input_of);
            invalid(&state, staff, typed, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

fn back_to_list(staff: &Staff<ManagerRole>, unit: Option<Uuid>) -> String {
    match unit {
        Some(u) if staff.actor.is_admin() => format!("/settings/sla?unit={u}&saved=1"),
        _ => "/settings/sla?saved=1".into(),
    }
}

async fn invalid(
    state: &AppState,
    staff: &Staff<ManagerRole>,
    typed: PolicyForm,
    errors: FormErrors,
    existing: Option<&SlaPolicy>,
) -> Result<Response, UiError> {
    let page = form_page(state, staff, typed, errors, existing, vec![]).await?;
    Ok(render_status(&page, StatusCode::UNPROCESSABLE_ENTITY))
}

/// The policy, when the actor may see it; otherwise 404.
async fn visible_policy(
    state: &AppState,
    staff: &Staff<ManagerRole>,
    id: &str,
) -> Result<SlaPolicy, UiError> {
    let id = parse_id(id, staff.lang)?;
    let p = state
        .store
        .get_sla_policy(id)
        .await
        .map_err(|e| not_found_as(e, staff.lang))?;
    if !visible(&staff.actor, p.unit_id) {
        return Err(UiError::NotFound(Some(staff.lang)));
    }
    Ok(p)
}

pub async fn edit_form(
    State(state): State<AppState>,
    staff: Staff<ManagerRole>,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let p = visible_policy(&state, &staff, &id).await?;
    let page = form_page(
        &state,
        &staff,
        PolicyForm::of(&p),
        FormErrors::default(),
        Some(&p),
        vec![],
    )
    .await?;
    Ok(render(&page))
}

fn version_of(text: &str) -> Option<i64> {
    text.trim().parse::<i64>().ok().filter(|v| *v >= 1)
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: StaffForm<ManagerRole>,
) -> Result<Response, UiError> {
    let staff = &form.staff;
    let current = visible_policy(&state, staff, &id).await?;
    if !may_change(&staff.actor, current.unit_id) {
        return Err(UiError::Forbidden(staff.lang));
    }
    let typed = PolicyForm::posted(&form);
    let Some(version) = version_of(&typed.version) else {
        return Err(UiError::BadRequest("version: required".into()));
    };
    let policy = match typed.parse(&staff.actor, staff.lang) {
        Ok(p) => p,
        Err(errors) => return invalid(&state, staff, typed, errors, Some(&current)).await,
    };
    match state
        .store
        .update_sla_policy(&staff.change(), current.id, version, &policy)
        .await
    {
        Ok(_) => Ok(see_other(&back_to_list(staff, policy.unit_id))),
        Err(StoreError::VersionConflict { .. }) => {
            let now = state
                .store
                .get_sla_policy(current.id)
                .await
                .map_err(|e| not_found_as(e, staff.lang))?;
            let rows = conflict_rows(&state, staff, &now, &typed).await?;
            let mut typed = typed;
            // Saving again now replaces the current version, knowingly.
            typed.version = now.version.to_string();
            let page = form_page(
                &state,
                staff,
                typed,
                FormErrors::default(),
                Some(&now),
                rows,
            )
            .await?;
            Ok(render_status(&page, StatusCode::CONFLICT))
        }
        Err(StoreError::Invalid(domain)) => {
            let mut errors = FormErrors::default();
            errors.domain(&domain, staff.lang, input_of);
            invalid(&state, staff, typed, errors, Some(&current)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The fields where the stored policy now differs from what was typed, both shown.
async fn conflict_rows(
    state: &AppState,
    staff: &Staff<ManagerRole>,
    now: &SlaPolicy,
    typed: &PolicyForm,
) -> Result<Vec<ConflictRow>, UiError> {
    let lang = staff.lang;
    let stored = PolicyForm::of(now);
    let mut cache = UnitCache::default();
    let scope_of = |id: &str| -> Option<Uuid> { Uuid::parse_str(id).ok() };
    let cur_scope = match scope_of(&stored.unit_id) {
        Some(u) => scope_name(cache.get(state, u).await?, lang),
        None => scope_name(None, lang),
    };
    let your_scope = match scope_of(&typed.unit_id) {
        Some(u) => scope_name(cache.get(state, u).await?, lang),
        None => scope_name(None, lang),
    };
    let severities_of = |list: &[String]| -> String {
        let mut v = list.to_vec();
        v.sort();
        any_or(v, lang)
    };
    let same_set = |a: &[String], b: &[String]| {
        let (mut a, mut b) = (a.to_vec(), b.to_vec());
        a.sort();
        b.sort();
        a == b
    };
    let mut rows = Vec::new();
    let mut push = |label: &'static str, current: String, yours: String| {
        if current.trim() != yours.trim() {
            rows.push(ConflictRow {
                label,
                current,
                yours,
            });
        }
    };
    push("sla.field.name", stored.name.clone(), typed.name.clone());
    push(
        "sla.field.position",
        stored.position.clone(),
        typed.position.clone(),
    );
    push("sla.field.scope", cur_scope, your_scope);
    let tiers_of = |list: &[String]| -> String {
        let v: Vec<String> = list
            .iter()
            .map(|s| {
                Tier::from_str_opt(s)
                    .map(|t| i18n::text(tier_key(t), lang).to_owned())
                    .unwrap_or_else(|| s.clone())
            })
            .collect();
        any_or(v, lang)
    };
    let channels_of = |list: &[String]| -> String {
        let v: Vec<String> = list
            .iter()
            .map(|s| {
                Channel::from_str_opt(s)
                    .map(|c| i18n::text(channel_key(c), lang).to_owned())
                    .unwrap_or_else(|| s.clone())
            })
            .collect();
        any_or(v, lang)
    };
    if !same_set(&stored.severities, &typed.severities) {
        push(
            "sla.field.severities",
            severities_of(&stored.severities),
            severities_of(&typed.severities),
        );
    }
    if !same_set(&stored.tiers, &typed.tiers) {
        push(
            "sla.field.tiers",
            tiers_of(&stored.tiers),
            tiers_of(&typed.tiers),
        );
    }
    if !same_set(&stored.channels, &typed.channels) {
        push(
            "sla.field.channels",
            channels_of(&stored.channels),
            channels_of(&typed.channels),
        );
    }
    let basis = |b: &str| -> String {
        match b {
            "calendar" => i18n::text("sla.basis.calendar", lang),
            _ => i18n::text("sla.basis.business_hours", lang),
        }
        .to_owned()
    };
    push("sla.field.basis", basis(&stored.basis), basis(&typed.basis));
    for (label, a, b) in [
        (
            "sla.target.acknowledge",
            &stored.acknowledge_minutes,
            &typed.acknowledge_minutes,
        ),
        (
            "sla.target.first_response",
            &stored.first_response_minutes,
            &typed.first_response_minutes,
        ),
        (
            "sla.target.resolve",
            &stored.resolve_minutes,
            &typed.resolve_minutes,
        ),
        (
            "sla.target.follow_up",
            &stored.follow_up_minutes,
            &typed.follow_up_minutes,
        ),
        (
            "sla.field.follow_up_after",
            &stored.follow_up_after_days,
            &typed.follow_up_after_days,
        ),
        ("sla.field.warn", &stored.warn_percent, &typed.warn_percent),
    ] {
        push(label, a.clone(), b.clone());
    }
    let yes_no =
        |b: bool| i18n::text(if b { "sla.active" } else { "sla.inactive" }, lang).to_owned();
    push(
        "sla.field.active",
        yes_no(stored.active),
        yes_no(typed.active),
    );
    Ok(rows)
}

// ---- delete -----------------------------------------------------------------------------

#[derive(askama::Template)]
#[template(path = "ui/manage/sla_delete.html")]
struct DeletePage {
    ctx: PageCtx,
    name: String,
    scope: String,
    action: String,
    back: String,
    version: i64,
    /// Why the deletion did not happen (a catalog key).
    problem: Option<&'static str>,
}

async fn delete_page(
    state: &AppState,
    staff: &Staff<ManagerRole>,
    p: &SlaPolicy,
    problem: Option<&'static str>,
) -> Result<DeletePage, UiError> {
    let scope = match p.unit_id {
        Some(u) => scope_name(UnitCache::default().get(state, u).await?, staff.lang),
        None => scope_name(None, staff.lang),
    };
    Ok(DeletePage {
        ctx: staff.ctx(staff.t("sla.delete_title"), "sla"),
        name: p.name.clone(),
        scope,
        action: format!("/settings/sla/{}/delete", p.id),
        back: format!("/settings/sla/{}", p.id),
        version: p.version,
        problem,
    })
}

pub async fn confirm_delete(
    State(state): State<AppState>,
    staff: Staff<ManagerRole>,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let p = visible_policy(&state, &staff, &id).await?;
    if !may_change(&staff.actor, p.unit_id) {
        return Err(UiError::Forbidden(staff.lang));
    }
    Ok(render(&delete_page(&state, &staff, &p, None).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: StaffForm<ManagerRole>,
) -> Result<Response, UiError> {
    let staff = &form.staff;
    let p = visible_policy(&state, staff, &id).await?;
    if !may_change(&staff.actor, p.unit_id) {
        return Err(UiError::Forbidden(staff.lang));
    }
    let Some(version) = version_of(form.get("version")) else {
        return Err(UiError::BadRequest("version: required".into()));
    };
    match state
        .store
        .delete_sla_policy(&staff.change(), p.id, version)
        .await
    {
        Ok(()) => Ok(see_other(&match p.unit_id {
            Some(u) if staff.actor.is_admin() => format!("/settings/sla?unit={u}&deleted=1"),
            _ => "/settings/sla?deleted=1".into(),
        })),
        Err(StoreError::InUse(_)) => Ok(render_status(
            &delete_page(&state, staff, &p, Some("sla.in_use")).await?,
            StatusCode::CONFLICT,
        )),
        Err(StoreError::VersionConflict { .. }) => Ok(render_status(
            &delete_page(&state, staff, &p, Some("sla.delete_conflict")).await?,
            StatusCode::CONFLICT,
        )),
        Err(e) => Err(not_found_as(e, staff.lang)),
    }
}
