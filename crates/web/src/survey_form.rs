//! The public survey form a customer reaches through an invitation link, its thank-you page
//! and the pages for links that no longer work. Pure rendering and form parsing: the caller
//! loads the invitation, checks the answers with the domain and sets the HTTP status.
//!
//! Field names of the POST body: `a.{item}` (one radio group per item), `i.{dimension}`
//! (importance points), `comment`, `submission` (a nonce echoed back) and `lang`.
//! Pages work without JavaScript and carry their own CSS (`templates/public/layout.html`).

use std::collections::BTreeMap;

use askama::Template;
use rapport_domain::FieldError;
use rapport_domain::customer::Locale;
use rapport_domain::survey::{
    COMMENT_MAX, IMPORTANCE_TOTAL, InstrumentDef, InstrumentKind, Section,
};
use rapport_domain::survey_builtin::servqual_dimension_hint;
use rapport_domain::text::LocalizedName;

/// Everything the survey form shows.
pub struct FormPage<'a> {
    /// The invitation token (links on the page are relative, so it is not repeated in them).
    pub token: &'a str,
    pub locale: Locale,
    /// The instrument's name.
    pub title: &'a LocalizedName,
    /// The unit the survey is about.
    pub business: &'a LocalizedName,
    pub def: &'a InstrumentDef,
    pub values: &'a FormValues,
    pub errors: &'a [FieldError],
    /// A nonce sent back in a hidden field, so a resubmitted form is recognised.
    pub submission: &'a str,
}

/// What the respondent has entered so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormValues {
    /// By item code; `None` where the respondent chose "can't say".
    pub answers: BTreeMap<String, Option<i64>>,
    /// Points by dimension code.
    pub importance: BTreeMap<String, i64>,
    pub comment: String,
}

impl FormValues {
    /// The importance points to check, or `None` when the respondent gave none (the
    /// allocation is optional, like every SERVQUAL item).
    pub fn importance_given(&self) -> Option<&BTreeMap<String, i64>> {
        (!self.importance.is_empty()).then_some(&self.importance)
    }
}

/// A POST body read against its instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedForm {
    pub values: FormValues,
    pub submission: String,
    /// Fields that could not be read (not a number, comment too long), named like the API's
    /// (`answers.{code}`, `importance.{code}`, `comment`). An input that was not a number
    /// keeps what was typed in its error, so [`render_form`] can show it again.
    pub errors: Vec<FieldError>,
}

/// Starts the message of an `invalid_value` error made by [`parse_form`]; the typed text
/// follows it.
const TYPED: &str = "not a whole number: ";

/// Why an invitation link shows no form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    Expired,
    Used,
    NotFound,
}

/// The language asked for by the `lang` field or query parameter, if any.
pub fn form_locale(fields: &[(String, String)]) -> Option<Locale> {
    fields
        .iter()
        .rev()
        .find(|(name, _)| name == "lang")
        .and_then(|(_, value)| Locale::from_str_opt(value.trim()))
}

/// Reads the fields of the urlencoded POST body. Fields that name no item or dimension of
/// the instrument are ignored; a repeated field counts once, with its last value.
pub fn parse_form(def: &InstrumentDef, fields: &[(String, String)]) -> ParsedForm {
    let mut values = FormValues::default();
    let mut submission = String::new();
    // Text that did not parse, by error field name.
    let mut typed: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in fields {
        if let Some(code) = name.strip_prefix("a.") {
            if def.item_index(code).is_none() {
                continue;
            }
            let field = format!("answers.{code}");
            match read_integer(value) {
                Ok(v) => {
                    values.answers.insert(code.to_owned(), v);
                    typed.remove(&field);
                }
                Err(()) => {
                    values.answers.remove(code);
                    typed.insert(field, value.clone());
                }
            }
        } else if let Some(code) = name.strip_prefix("i.") {
            if !def.importance || def.dimension_index(code).is_none() {
                continue;
            }
            let field = format!("importance.{code}");
            typed.remove(&field);
            values.importance.remove(code);
            match read_integer(value) {
                Ok(Some(v)) => {
                    values.importance.insert(code.to_owned(), v);
                }
                Ok(None) => {}
                Err(()) => {
                    typed.insert(field, value.clone());
                }
            }
        } else if name == "comment" {
            // Browsers send line breaks as CRLF but count them as one character.
            values.comment = value.replace("\r\n", "\n");
        } else if name == "submission" {
            submission = value.clone();
        }
    }
    let mut errors: Vec<FieldError> = typed
        .into_iter()
        .map(|(field, text)| FieldError::new(field, "invalid_value", format!("{TYPED}{text}")))
        .collect();
    if values.comment.chars().count() > COMMENT_MAX {
        errors.push(FieldError::new(
            "comment",
            "too_long",
            format!("at most {COMMENT_MAX} characters"),
        ));
    }
    ParsedForm {
        values,
        submission,
        errors,
    }
}

/// A blank field is `None`; anything else must be a whole number.
fn read_integer(value: &str) -> Result<Option<i64>, ()> {
    let v = value.trim();
    if v.is_empty() {
        Ok(None)
    } else {
        v.parse().map(Some).map_err(|_| ())
    }
}

/// Required items the respondent left blank.
pub fn required_errors(def: &InstrumentDef, values: &FormValues) -> Vec<FieldError> {
    def.items
        .iter()
        .filter(|item| item.required)
        .filter(|item| !matches!(values.answers.get(&item.code), Some(Some(_))))
        .map(|item| {
            FieldError::new(
                format!("answers.{}", item.code),
                "required",
                "answer this question",
            )
        })
        .collect()
}

/// What a field name refers to on the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target<'a> {
    Answers,
    Answer(&'a str),
    Importance,
    Points(&'a str),
    Comment,
    Other,
}

impl<'a> Target<'a> {
    fn of(field: &'a str) -> Self {
        match field.split_once('.') {
            _ if field == "answers" => Target::Answers,
            _ if field == "importance" => Target::Importance,
            _ if field == "comment" => Target::Comment,
            Some(("answers", code)) => Target::Answer(code),
            Some(("importance", code)) => Target::Points(code),
            _ => Target::Other,
        }
    }
}

/// A message for the respondent, from the error's code and the kind of field it names.
pub fn localize_error(locale: Locale, e: &FieldError) -> String {
    use Target::*;
    let (ko, en): (&str, &str) = match (e.code.as_str(), Target::of(&e.field)) {
        ("required", Answer(_)) => ("답을 하나 골라 주세요.", "Please choose an answer."),
        ("required", Answers) => (
            "적어도 한 문항에는 답해 주세요.",
            "Please answer at least one question.",
        ),
        ("required", Importance) => (
            "모든 항목에 점수를 적어 주세요. 0점도 괜찮습니다.",
            "Please give points to every aspect; 0 is fine.",
        ),
        ("required", Points(_)) => (
            "점수를 적어 주세요. 0점도 괜찮습니다.",
            "Please enter points; 0 is fine.",
        ),
        ("required", _) => ("이 칸을 채워 주세요.", "Please fill this in."),
        ("out_of_range" | "invalid_value", Answer(_)) => (
            "보기 중에서 하나를 골라 주세요.",
            "Please choose one of the options shown.",
        ),
        ("out_of_range", Points(_)) => (
            "0점에서 100점 사이로 적어 주세요.",
            "Please enter between 0 and 100 points.",
        ),
        ("invalid_value", Points(_)) => (
            "20처럼 숫자만 적어 주세요.",
            "Please enter a whole number, such as 20.",
        ),
        ("invalid_total", _) => (
            "점수의 합계가 정확히 100점이 되도록 맞춰 주세요.",
            "Please make the points add up to exactly 100.",
        ),
        ("too_long", Comment) => {
            return match locale {
                Locale::Ko => format!("의견은 {COMMENT_MAX}자 이내로 적어 주세요."),
                Locale::En => {
                    format!("Please keep your comment to {COMMENT_MAX} characters or fewer.")
                }
            };
        }
        ("too_long", _) => ("내용이 너무 깁니다.", "This is too long."),
        ("unknown", _) => (
            "이 설문에 없는 항목입니다. 페이지를 새로 고친 뒤 다시 답해 주세요.",
            "This is not part of the survey. Please reload the page and answer again.",
        ),
        ("out_of_range", _) => (
            "허용된 범위를 벗어난 값입니다.",
            "This value is outside the allowed range.",
        ),
        _ => ("입력한 내용을 확인해 주세요.", "Please check this answer."),
    };
    match locale {
        Locale::Ko => ko,
        Locale::En => en,
    }
    .to_owned()
}

/// The words of the public pages in one language.
struct Ui {
    switch_label: &'static str,
    summary_title: &'static str,
    error_prefix: &'static str,
    required_tag: &'static str,
    not_sure: &'static str,
    points_unit: &'static str,
    comment_label: &'static str,
    comment_hint: &'static str,
    comment_name: &'static str,
    submit: &'static str,
    /// `{business}` is replaced.
    servqual_lead: &'static str,
    expectation_heading: &'static str,
    expectation_intro: &'static str,
    expectation_label: &'static str,
    perception_heading: &'static str,
    perception_intro: &'static str,
    perception_label: &'static str,
    more_heading: &'static str,
    /// `{n}` is replaced.
    question_label: &'static str,
    the_question: &'static str,
    answers_name: &'static str,
    importance_heading: &'static str,
    importance_explanation: &'static str,
    importance_name: &'static str,
    importance_total: &'static str,
    thanks_title: &'static str,
    thanks_body: &'static str,
    thanks_close: &'static str,
    expired_title: &'static str,
    expired_body: &'static str,
    used_title: &'static str,
    used_body: &'static str,
    not_found_title: &'static str,
    not_found_body: &'static str,
}

const KO: Ui = Ui {
    switch_label: "언어 선택",
    summary_title: "입력하신 내용을 확인해 주세요",
    error_prefix: "오류:",
    required_tag: "(필수)",
    not_sure: "잘 모르겠음",
    points_unit: "점",
    comment_label: "더 전하고 싶은 말씀이 있으신가요? (선택)",
    comment_hint: "좋았던 점이나 아쉬웠던 점을 자유롭게 적어 주세요.",
    comment_name: "의견",
    submit: "응답 보내기",
    servqual_lead: "{business}의 서비스 품질에 대해 여쭙니다. 답변에는 10분 정도 걸립니다.",
    expectation_heading: "훌륭한 업체에 대한 기대",
    expectation_intro: "먼저 {business}와 같은 업종에서 훌륭하다고 생각하는 업체를 떠올려 보세요. 그런 업체에 대한 다음 문장에 얼마나 동의하시는지 골라 주세요. 정답은 없으며, 판단하기 어려운 문장은 건너뛰셔도 됩니다.",
    expectation_label: "기대 {n}번",
    perception_heading: "{business}에 대한 평가",
    perception_intro: "이제 {business}를 이용하신 경험을 떠올려 보세요. {business}에 대한 다음 문장에 얼마나 동의하시는지 골라 주세요.",
    perception_label: "평가 {n}번",
    more_heading: "몇 가지 더 여쭙니다",
    question_label: "{n}번 문항",
    the_question: "질문",
    answers_name: "응답",
    importance_heading: "무엇이 더 중요한가요?",
    importance_explanation: "아래 {n}가지가 고객님께 각각 얼마나 중요한지 100점을 나누어 적어 주세요. 중요할수록 많은 점수를 주시면 되고, 합계가 100점이 되어야 합니다.",
    importance_name: "중요도 점수",
    importance_total: "지금 합계는 {sum}점입니다. 100점이 되도록 맞춰 주세요.",
    thanks_title: "소중한 의견 감사합니다",
    thanks_body: "{business}에 대한 응답이 잘 전달되었습니다.",
    thanks_close: "보내 주신 의견은 더 나은 서비스를 만드는 데 쓰입니다. 이 창은 닫으셔도 됩니다.",
    expired_title: "설문 기간이 끝났습니다",
    expired_body: "이 설문 링크는 유효 기간이 지났습니다. 참여하려고 해 주셔서 감사합니다.",
    used_title: "이미 응답하신 설문입니다",
    used_body: "이 설문에는 이미 응답이 접수되었습니다. 참여해 주셔서 감사합니다.",
    not_found_title: "설문을 찾을 수 없습니다",
    not_found_body: "링크 주소가 잘렸거나 바뀌었을 수 있습니다. 받으신 메시지의 링크를 다시 눌러 주세요.",
};

const EN: Ui = Ui {
    switch_label: "Language",
    summary_title: "Please check your answers",
    error_prefix: "Error:",
    required_tag: "(required)",
    not_sure: "Can't say",
    points_unit: "points",
    comment_label: "Is there anything else you would like to tell us? (optional)",
    comment_hint: "Tell us in your own words what went well or what could be better.",
    comment_name: "Your comment",
    submit: "Send my answers",
    servqual_lead: "A few questions about the quality of service at {business}. It takes about 10 minutes.",
    expectation_heading: "What you expect of an excellent business",
    expectation_intro: "First, think of an excellent business of the same kind as {business}: one you would be glad to deal with. How far do you agree with each statement about such a business? There are no right or wrong answers, and you may skip any statement you cannot judge.",
    expectation_label: "Expectations, no. {n}",
    perception_heading: "Your experience of {business}",
    perception_intro: "Now think of your own experience of {business}. How far do you agree with each statement about it?",
    perception_label: "Your experience, no. {n}",
    more_heading: "A few more questions",
    question_label: "Question {n}",
    the_question: "The question",
    answers_name: "Answers",
    importance_heading: "What matters most to you?",
    importance_explanation: "Share 100 points among the {n} aspects below according to how much each one matters to you: the more it matters, the more points. The points must add up to 100.",
    importance_name: "Importance points",
    importance_total: "Your points now add up to {sum}. Please make them add up to 100.",
    thanks_title: "Thank you for your answers",
    thanks_body: "Your answers about {business} have reached us.",
    thanks_close: "They help to make the service better. You can close this window now.",
    expired_title: "This survey link has expired",
    expired_body: "The time for answering this survey has passed. Thank you for wanting to take part.",
    used_title: "This survey was already answered",
    used_body: "We have already received the answers to this survey. Thank you for taking part.",
    not_found_title: "We could not find this survey",
    not_found_body: "The link may have been cut short or changed. Please open it again from the message you received.",
};

fn ui(locale: Locale) -> &'static Ui {
    match locale {
        Locale::Ko => &KO,
        Locale::En => &EN,
    }
}

fn name_in(name: &LocalizedName, locale: Locale) -> &str {
    match locale {
        Locale::Ko => &name.ko,
        Locale::En => &name.en,
    }
}

/// The header every public page shares (the survey form's and the complaint form's).
pub(crate) struct Chrome {
    pub(crate) lang: &'static str,
    pub(crate) title: String,
    pub(crate) brand: Option<String>,
    pub(crate) switch_label: &'static str,
    pub(crate) switch: [LangLink; 2],
}

pub(crate) struct LangLink {
    pub(crate) href: &'static str,
    pub(crate) lang: &'static str,
    pub(crate) label: &'static str,
    pub(crate) current: bool,
}

impl Chrome {
    pub(crate) fn new(locale: Locale, title: String, brand: Option<String>) -> Self {
        let link = |l: Locale, href, label| LangLink {
            href,
            lang: l.as_str(),
            label,
            current: l == locale,
        };
        Self {
            lang: locale.as_str(),
            title,
            brand,
            switch_label: ui(locale).switch_label,
            switch: [
                link(Locale::Ko, "?lang=ko", "한국어"),
                link(Locale::En, "?lang=en", "English"),
            ],
        }
    }
}

#[derive(Template)]
#[template(path = "survey/form.html")]
struct FormTemplate<'a> {
    chrome: Chrome,
    ui: &'static Ui,
    heading: &'a str,
    lead: Option<String>,
    summary: Vec<SummaryEntry>,
    sections: Vec<SectionView>,
    importance: Option<ImportanceView>,
    comment: &'a str,
    comment_error: Option<String>,
    comment_max: usize,
    submission: &'a str,
}

struct SummaryEntry {
    href: Option<String>,
    text: String,
}

struct SectionView {
    id: String,
    heading: Option<String>,
    intro: Option<String>,
    questions: Vec<QuestionView>,
}

struct QuestionView {
    /// Of the fieldset; the radios are `{id}-{value}` and `{id}-na`.
    id: String,
    name: String,
    number: Option<usize>,
    text: String,
    required: bool,
    required_tag: bool,
    error: Option<String>,
    options: Vec<OptionView>,
    anchors: Option<AnchorsView>,
    not_sure: Option<NotSureView>,
}

struct OptionView {
    id: String,
    value: i64,
    checked: bool,
    /// Read out after the number at the two ends of the scale.
    anchor: Option<String>,
}

struct AnchorsView {
    low: String,
    high: String,
}

struct NotSureView {
    id: String,
    checked: bool,
}

struct ImportanceView {
    heading: &'static str,
    explanation: String,
    error: Option<String>,
    dimensions: Vec<PointsView>,
    total: Option<String>,
}

struct PointsView {
    id: String,
    name_attr: String,
    name: String,
    hint: Option<String>,
    value: String,
    error: Option<String>,
    describedby: String,
}

#[derive(Template)]
#[template(path = "public/message.html")]
struct MessageTemplate {
    chrome: Chrome,
    heading: String,
    paragraphs: Vec<String>,
}

fn render(template: &impl Template) -> String {
    template.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "a public page failed to render");
        String::from("<!doctype html><title>Error</title><p>Sorry, something went wrong.</p>")
    })
}

/// The survey form, with the respondent's values and errors when it is shown again.
pub fn render_form(page: &FormPage) -> String {
    let locale = page.locale;
    let t = ui(locale);
    let def = page.def;
    let business = name_in(page.business, locale);
    let heading = name_in(page.title, locale);
    let with_business = |s: &str| s.replace("{business}", business);

    // One message per field, the first given (a value that was no number is also blank).
    let mut messages: BTreeMap<&str, String> = BTreeMap::new();
    let mut typed: BTreeMap<&str, &str> = BTreeMap::new();
    for e in page.errors {
        messages
            .entry(e.field.as_str())
            .or_insert_with(|| localize_error(locale, e));
        if let Some(text) = e.message.strip_prefix(TYPED)
            && e.code == "invalid_value"
        {
            typed.insert(e.field.as_str(), text);
        }
    }
    let mut message_of = |field: &str| messages.remove(field);
    let mut summary = Vec::new();
    let mut note = |href: Option<String>, label: Option<&str>, message: &str| {
        summary.push(SummaryEntry {
            href,
            text: match label {
                Some(label) => format!("{label}: {message}"),
                None => message.to_owned(),
            },
        });
    };

    let first_radio = def
        .items
        .first()
        .map(|i| format!("#answers-{}-{}", i.code, def.scale.min));
    if let Some(m) = message_of("answers") {
        note(first_radio.clone(), Some(t.answers_name), &m);
    }

    let many = def.items.len() > 1;
    let has_pairs = def.items.iter().any(|i| i.section != Section::Single);
    let mixed_required =
        def.items.iter().any(|i| i.required) && def.items.iter().any(|i| !i.required);
    let mut sections: Vec<SectionView> = Vec::new();
    let mut current: Option<Section> = None;
    let mut number = 0;
    for item in &def.items {
        if current != Some(item.section) {
            current = Some(item.section);
            number = 0;
            let (heading, intro) = match item.section {
                Section::Expectation => (
                    Some(t.expectation_heading.to_owned()),
                    Some(with_business(t.expectation_intro)),
                ),
                Section::Perception => (
                    Some(with_business(t.perception_heading)),
                    Some(with_business(t.perception_intro)),
                ),
                Section::Single => (has_pairs.then(|| t.more_heading.to_owned()), None),
            };
            sections.push(SectionView {
                id: format!("part-{}", sections.len() + 1),
                heading,
                intro,
                questions: Vec::new(),
            });
        }
        number += 1;
        let id = format!("answers-{}", item.code);
        let error = message_of(&format!("answers.{}", item.code));
        if let Some(m) = &error {
            let label = match item.section {
                Section::Expectation => t.expectation_label,
                Section::Perception => t.perception_label,
                Section::Single if many => t.question_label,
                Section::Single => t.the_question,
            }
            .replace("{n}", &number.to_string());
            note(Some(format!("#{id}-{}", def.scale.min)), Some(&label), m);
        }
        let chosen = page.values.answers.get(&item.code);
        let anchor = |high: bool| {
            def.anchors.as_ref().map(|a| {
                let text = if high { &a.high } else { &a.low };
                text.get(locale).to_owned()
            })
        };
        let options = (def.scale.min..=def.scale.max)
            .map(|v| {
                let v = i64::from(v);
                OptionView {
                    id: format!("{id}-{v}"),
                    value: v,
                    checked: chosen == Some(&Some(v)),
                    anchor: if v == i64::from(def.scale.min) {
                        anchor(false)
                    } else if v == i64::from(def.scale.max) {
                        anchor(true)
                    } else {
                        None
                    },
                }
            })
            .collect();
        let question = QuestionView {
            name: format!("a.{}", item.code),
            number: many.then_some(number),
            text: item.text.get(locale).to_owned(),
            required: item.required,
            required_tag: item.required && mixed_required,
            error,
            options,
            anchors: anchor(false)
                .zip(anchor(true))
                .map(|(low, high)| AnchorsView { low, high }),
            not_sure: (!item.required).then(|| NotSureView {
                id: format!("{id}-na"),
                checked: chosen == Some(&None),
            }),
            id,
        };
        if let Some(s) = sections.last_mut() {
            s.questions.push(question);
        }
    }

    let importance = def.importance.then(|| {
        let first_input = def
            .dimensions
            .first()
            .map(|d| format!("#importance-{}", d.code));
        let error = message_of("importance");
        if let Some(m) = &error {
            note(first_input, Some(t.importance_name), m);
        }
        let dimensions = def
            .dimensions
            .iter()
            .map(|d| {
                let id = format!("importance-{}", d.code);
                let name_attr = format!("i.{}", d.code);
                let name = name_in(&d.name, locale).to_owned();
                let field = format!("importance.{}", d.code);
                let error = message_of(&field);
                if let Some(m) = &error {
                    note(Some(format!("#{id}")), Some(&name), m);
                }
                let hint = (def.kind == InstrumentKind::Servqual)
                    .then(|| servqual_dimension_hint(&d.code))
                    .flatten()
                    .map(|h| h.get(locale).to_owned());
                let mut describedby = Vec::new();
                if hint.is_some() {
                    describedby.push(format!("{id}-hint"));
                }
                if error.is_some() {
                    describedby.push(format!("{id}-error"));
                }
                let value = match typed.get(field.as_str()) {
                    Some(text) => (*text).to_owned(),
                    None => page
                        .values
                        .importance
                        .get(&d.code)
                        .map(i64::to_string)
                        .unwrap_or_default(),
                };
                PointsView {
                    describedby: describedby.join(" "),
                    id,
                    name_attr,
                    name,
                    hint,
                    value,
                    error,
                }
            })
            .collect();
        let sum: i64 = page.values.importance.values().sum();
        ImportanceView {
            heading: t.importance_heading,
            explanation: t
                .importance_explanation
                .replace("{n}", &def.dimensions.len().to_string()),
            error,
            dimensions,
            total: (!page.values.importance.is_empty() && sum != i64::from(IMPORTANCE_TOTAL))
                .then(|| t.importance_total.replace("{sum}", &sum.to_string())),
        }
    });

    let comment_error = message_of("comment");
    if let Some(m) = &comment_error {
        note(Some("#comment".to_owned()), Some(t.comment_name), m);
    }
    // Errors of fields the page does not show (e.g. an unknown item) still reach the summary.
    for e in page.errors {
        if let Some(m) = message_of(&e.field) {
            let href = match Target::of(&e.field) {
                Target::Answer(_) | Target::Answers => first_radio.clone(),
                _ => None,
            };
            note(href, None, &m);
        }
    }

    render(&FormTemplate {
        chrome: Chrome::new(
            locale,
            format!("{heading} · {business}"),
            Some(business.to_owned()),
        ),
        ui: t,
        heading,
        lead: has_pairs.then(|| with_business(t.servqual_lead)),
        summary,
        sections,
        importance,
        comment: &page.values.comment,
        comment_error,
        comment_max: COMMENT_MAX,
        submission: page.submission,
    })
}

/// The page shown once the answers are stored.
pub fn render_thanks(locale: Locale, business: &LocalizedName, token: &str) -> String {
    // The language links are relative to the invitation's own address, so the token is not
    // needed to build them.
    let _ = token;
    let t = ui(locale);
    let business = name_in(business, locale);
    render(&MessageTemplate {
        chrome: Chrome::new(
            locale,
            format!("{} · {business}", t.thanks_title),
            Some(business.to_owned()),
        ),
        heading: t.thanks_title.to_owned(),
        paragraphs: vec![
            t.thanks_body.replace("{business}", business),
            t.thanks_close.to_owned(),
        ],
    })
}

/// The page for a link that shows no form; the caller answers 410 (expired), 409 (used) or
/// 404 (not found).
pub fn render_gone(locale: Locale, why: Gone) -> String {
    let t = ui(locale);
    let (heading, body) = match why {
        Gone::Expired => (t.expired_title, t.expired_body),
        Gone::Used => (t.used_title, t.used_body),
        Gone::NotFound => (t.not_found_title, t.not_found_body),
    };
    render(&MessageTemplate {
        chrome: Chrome::new(locale, heading.to_owned(), None),
        heading: heading.to_owned(),
        paragraphs: vec![body.to_owned()],
    })
}

#[cfg(test)]
mod tests {
    use rapport_domain::survey::{InstrumentDef, LocalizedText};
    use rapport_domain::survey_builtin::{builtins, csat, nps, servqual};

    use super::*;

    fn name(ko: &str, en: &str) -> LocalizedName {
        LocalizedName {
            ko: ko.into(),
            en: en.into(),
        }
    }

    /// A text as askama writes it into HTML.
    fn escaped(text: &str) -> String {
        text.replace('&', "&#38;")
            .replace('<', "&#60;")
            .replace('>', "&#62;")
            .replace('"', "&#34;")
            .replace('\'', "&#39;")
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn form(
        locale: Locale,
        def: &InstrumentDef,
        values: &FormValues,
        errors: &[FieldError],
    ) -> String {
        let title = builtins()
            .into_iter()
            .find(|b| b.def.kind == def.kind)
            .map(|b| b.name)
            .unwrap_or_else(|| name("설문", "Survey"));
        render_form(&FormPage {
            token: "tok",
            locale,
            title: &title,
            business: &name("강남점", "Gangnam branch"),
            def,
            values,
            errors,
            submission: "nonce-1",
        })
    }

    #[test]
    fn the_korean_servqual_form_speaks_korean() {
        let def = servqual();
        let html = form(Locale::Ko, &def, &FormValues::default(), &[]);
        assert!(html.starts_with("<!doctype html>"));
        assert!(html.contains(r#"<html lang="ko">"#));
        assert!(html.contains(r#"<meta name="viewport""#));
        assert!(html.contains("SERVQUAL 서비스 품질 설문"));
        assert!(html.contains("훌륭한 업체에 대한 기대"));
        assert!(html.contains("강남점에 대한 평가"));
        assert!(html.contains(&escaped(&def.items[0].text.ko)));
        assert!(html.contains(&escaped(&def.items[43].text.ko)));
        assert!(html.contains("유형성") && html.contains("공감성"));
        assert!(html.contains("전혀 그렇지 않다") && html.contains("매우 그렇다"));
        assert!(html.contains(r#"href="?lang=en""#) && html.contains(r#"href="?lang=ko""#));
        assert!(html.contains(r#"name="submission" value="nonce-1""#));
        assert!(!html.contains("Strongly agree"));
        assert_eq!(html.matches("<fieldset").count(), 44 + 1);
        assert_eq!(html.matches("<legend>").count(), 44 + 1);
        // Seven points and "can't say" per item, each with a visible label.
        assert_eq!(html.matches(r#"name="a.e01""#).count(), 8);
        assert_eq!(
            html.matches(r#"<label class="pt" for="answers-e01-"#)
                .count(),
            7
        );
        assert_eq!(html.matches(r#"name="i."#).count(), 5);
        assert!(!html.contains("role=\"alert\""));
    }

    #[test]
    fn the_english_form_speaks_english() {
        let def = servqual();
        let html = form(Locale::En, &def, &FormValues::default(), &[]);
        assert!(html.contains(r#"<html lang="en">"#));
        assert!(html.contains("What you expect of an excellent business"));
        assert!(html.contains("Your experience of Gangnam branch"));
        assert!(html.contains(&escaped(&def.items[0].text.en)));
        assert!(html.contains(&escaped(&def.items[43].text.en)));
        assert!(html.contains("Strongly disagree"));
        assert!(html.contains("What matters most to you?"));
        assert!(!html.contains("유형성"));
    }

    #[test]
    fn a_short_instrument_shows_just_its_question() {
        let def = nps();
        let html = form(Locale::En, &def, &FormValues::default(), &[]);
        assert!(html.contains(&escaped(&def.items[0].text.en)));
        for v in 0..=10 {
            assert!(html.contains(&format!(r#"id="answers-nps-{v}" name="a.nps" value="{v}""#)));
        }
        assert!(html.contains(r#"aria-required="true""#));
        assert!(!html.contains("Can't say"));
        assert!(!html.contains("What you expect"));
        assert!(!html.contains(r#"name="i."#));
        assert!(html.contains(r#"name="comment""#));
    }

    #[test]
    fn errors_show_in_the_summary_and_beside_their_fields_with_the_values_kept() {
        let def = servqual();
        let parsed = parse_form(
            &def,
            &fields(&[
                ("a.e01", "5"),
                ("i.tangibles", "abc"),
                ("i.reliability", "30"),
                ("comment", "good"),
            ]),
        );
        let mut errors = parsed.errors.clone();
        errors.push(FieldError::new("importance", "invalid_total", "x"));
        let html = form(Locale::En, &def, &parsed.values, &errors);
        assert!(html.contains(r#"role="alert""#));
        assert!(html.contains(r##"<a href="#importance-tangibles">Tangibles: Please enter a whole number, such as 20.</a>"##));
        assert!(html.contains(r##"<a href="#importance-tangibles">Importance points: Please make the points add up to exactly 100.</a>"##));
        assert!(html.contains(r#"id="importance-tangibles-error""#));
        assert!(html.contains(
            r#"aria-describedby="importance-tangibles-hint importance-tangibles-error" aria-invalid="true""#
        ));
        assert!(html.contains(r#"aria-describedby="importance-hint importance-error""#));
        assert!(html.contains(r#"name="i.tangibles" value="abc""#));
        assert!(html.contains(r#"name="i.reliability" value="30""#));
        assert!(html.contains(r#"id="answers-e01-5" name="a.e01" value="5" checked"#));
        assert!(html.contains("Your points now add up to 30."));
        assert!(html.contains(">good</textarea>"));

        let def = csat();
        let values = FormValues::default();
        let errors = required_errors(&def, &values);
        let html = form(Locale::Ko, &def, &values, &errors);
        assert!(html.contains(r##"<a href="#answers-csat-1">질문: 답을 하나 골라 주세요.</a>"##));
        assert!(html.contains(r#"aria-invalid="true" aria-describedby="answers-csat-error""#));
        assert!(html.contains(r#"<p class="error" id="answers-csat-error">"#));
    }

    #[test]
    fn errors_of_fields_the_page_does_not_show_still_reach_the_summary() {
        let def = csat();
        let errors = [FieldError::new("answers.zzz", "unknown", "x")];
        let html = form(Locale::En, &def, &FormValues::default(), &errors);
        assert!(html.contains("This is not part of the survey."));
    }

    #[test]
    fn instrument_texts_names_and_comments_are_escaped() {
        let mut def = csat();
        def.items[0].text = LocalizedText {
            ko: "<script>alert(1)</script>".into(),
            en: "<script>alert(1)</script>".into(),
        };
        let values = FormValues {
            comment: "</textarea><script>alert(2)</script>".into(),
            ..FormValues::default()
        };
        let html = render_form(&FormPage {
            token: "t",
            locale: Locale::En,
            title: &name("<i>t</i>", "<i>t</i>"),
            business: &name("<b>b</b>", "<b>b</b>"),
            def: &def,
            values: &values,
            errors: &[],
            submission: "\"><script>",
        });
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
        assert!(!html.contains("<b>b</b>") && !html.contains("<i>t</i>"));
        assert!(!html.contains("</textarea><"));
        assert!(html.contains("alert(1)") && html.contains("alert(2)"));
    }

    #[test]
    fn parse_form_maps_the_fields_and_ignores_unknown_ones() {
        let def = servqual();
        let parsed = parse_form(
            &def,
            &fields(&[
                ("a.e01", "7"),
                ("a.p01", ""),
                ("a.zzz", "3"),
                ("i.empathy", " 20 "),
                ("i.tangibles", ""),
                ("i.nope", "4"),
                ("x", "1"),
                ("comment", "line one\r\nline two"),
                ("submission", "n-1"),
                ("lang", "en"),
            ]),
        );
        assert_eq!(parsed.errors, []);
        assert_eq!(
            parsed.values.answers,
            BTreeMap::from([("e01".to_owned(), Some(7)), ("p01".to_owned(), None)])
        );
        assert_eq!(
            parsed.values.importance,
            BTreeMap::from([("empathy".to_owned(), 20)])
        );
        assert_eq!(parsed.values.comment, "line one\nline two");
        assert_eq!(parsed.submission, "n-1");
        assert_eq!(form_locale(&fields(&[("lang", "en")])), Some(Locale::En));
    }

    #[test]
    fn input_that_is_not_a_whole_number_is_an_error_on_its_field() {
        let def = servqual();
        let parsed = parse_form(
            &def,
            &fields(&[("a.e02", "seven"), ("i.tangibles", "12.5"), ("a.e03", "2")]),
        );
        let named: Vec<_> = parsed
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("answers.e02", "invalid_value"),
                ("importance.tangibles", "invalid_value")
            ]
        );
        assert!(!parsed.values.answers.contains_key("e02"));
        assert!(parsed.values.importance.is_empty());
        assert_eq!(parsed.values.answers["e03"], Some(2));
    }

    #[test]
    fn a_comment_longer_than_the_limit_is_refused() {
        let long = "가".repeat(COMMENT_MAX + 1);
        let parsed = parse_form(&csat(), &fields(&[("comment", &long)]));
        assert_eq!(parsed.errors[0].field, "comment");
        assert_eq!(parsed.errors[0].code, "too_long");
        assert_eq!(parsed.values.comment, long);
    }

    #[test]
    fn required_errors_name_the_blank_required_items() {
        let def = csat();
        let blank = FormValues::default();
        let fields: Vec<_> = required_errors(&def, &blank)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["answers.csat"]);
        let skipped = FormValues {
            answers: BTreeMap::from([("csat".to_owned(), None)]),
            ..FormValues::default()
        };
        assert_eq!(required_errors(&def, &skipped).len(), 1);
        let answered = FormValues {
            answers: BTreeMap::from([("csat".to_owned(), Some(4))]),
            ..FormValues::default()
        };
        assert!(required_errors(&def, &answered).is_empty());
        assert!(required_errors(&servqual(), &blank).is_empty());
    }

    #[test]
    fn a_parsed_form_is_accepted_by_the_instrument() {
        let def = servqual();
        let parsed = parse_form(
            &def,
            &fields(&[
                ("a.e01", "6"),
                ("a.p01", "4"),
                ("i.tangibles", "10"),
                ("i.reliability", "30"),
                ("i.responsiveness", "20"),
                ("i.assurance", "20"),
                ("i.empathy", "20"),
            ]),
        );
        let answers = def
            .parse_answers("", &parsed.values.answers, parsed.values.importance_given())
            .unwrap();
        assert_eq!(answers.importance, Some(vec![10, 30, 20, 20, 20]));
    }

    #[test]
    fn every_error_code_has_a_message_in_both_languages() {
        for (field, code) in [
            ("answers.e01", "required"),
            ("answers", "required"),
            ("answers.e01", "out_of_range"),
            ("answers.e01", "invalid_value"),
            ("importance", "required"),
            ("importance", "invalid_total"),
            ("importance.empathy", "out_of_range"),
            ("importance.empathy", "invalid_value"),
            ("comment", "too_long"),
            ("answers.x", "unknown"),
            ("submission", "something_else"),
        ] {
            let e = FieldError::new(field, code, "x");
            let (ko, en) = (
                localize_error(Locale::Ko, &e),
                localize_error(Locale::En, &e),
            );
            assert!(
                !ko.is_empty() && !en.is_empty() && ko != en,
                "{field} {code}"
            );
        }
        let e = FieldError::new("comment", "too_long", "x");
        assert!(localize_error(Locale::En, &e).contains("4000"));
    }

    #[test]
    fn thanks_and_gone_pages_speak_the_customers_language() {
        let business = name("강남점", "Gangnam branch");
        let html = render_thanks(Locale::Ko, &business, "tok");
        assert!(html.contains(r#"<html lang="ko">"#) && html.contains("감사합니다"));
        assert!(html.contains("강남점") && html.contains(r#"href="?lang=en""#));
        let html = render_thanks(Locale::En, &business, "tok");
        assert!(html.contains(r#"<html lang="en">"#) && html.contains("Gangnam branch"));

        let expired = render_gone(Locale::En, Gone::Expired);
        assert!(expired.contains("This survey link has expired"));
        assert!(expired.contains(r#"href="?lang=ko""#));
        let used = render_gone(Locale::En, Gone::Used);
        assert!(used.contains("already answered") && used.contains("Thank you"));
        assert!(render_gone(Locale::En, Gone::NotFound).contains("could not find"));
        let used = render_gone(Locale::Ko, Gone::Used);
        assert!(used.contains(r#"<html lang="ko">"#) && used.contains("이미 응답하신 설문입니다"));
    }
}
