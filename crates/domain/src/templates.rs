//! Response templates for the first contact with a customer after a failure.
//!
//! The first answer should come fast and carry feeling, so staff start from a template
//! made of three parts: an apology, an explanation of what happened, and what happens
//! next. Each part exists in Korean and in English, in a general form and, where the
//! wording really differs, in forms for outcome and process failures
//! ([`FailureKind`]).
//!
//! Bodies contain placeholders written `{{name}}` (spaces inside the braces are allowed:
//! `{{ customer_name }}`); the names are listed in [`PLACEHOLDERS`]. [`check_template`]
//! refuses unknown names and broken braces when a template is saved, and [`render`] fills
//! in the case's values when it is used.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::customer::Locale;
use crate::taxonomy::{FailureKind, parse_prefixed_code};
use crate::text::{free_text, required_line};
use crate::{FieldError, Validation};

/// The three parts of an empathetic first contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TemplatePart {
    /// Saying sorry, sincerely and without excuses.
    Apology,
    /// What happened, as far as it is known.
    Explanation,
    /// What the firm will do now and when the customer hears back.
    NextSteps,
}

impl TemplatePart {
    pub const ALL: [TemplatePart; 3] = [
        TemplatePart::Apology,
        TemplatePart::Explanation,
        TemplatePart::NextSteps,
    ];

    /// The snake_case name, which is also the prefix of the part's template codes.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplatePart::Apology => "apology",
            TemplatePart::Explanation => "explanation",
            TemplatePart::NextSteps => "next_steps",
        }
    }

    pub fn parse(field: &str, s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    "invalid_value",
                    "expected one of: apology, explanation, next_steps",
                )
            })
    }
}

/// The placeholder names a template body may use.
pub const PLACEHOLDERS: &[&str] = &[
    "customer_name",
    "case_number",
    "unit_name",
    "touchpoint_name",
    "category",
    "agent_name",
    "follow_up_date",
    "occurred_date",
];

/// Longest template title and body, in characters.
pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 5000;

/// One piece of a template body.
enum Piece<'a> {
    Text(&'a str),
    /// `{{name}}`: the trimmed name and the placeholder as written, braces included.
    Placeholder {
        name: &'a str,
        raw: &'a str,
    },
    /// `{{` with no `}}` after it: the rest of the body.
    Unclosed(&'a str),
}

fn pieces(body: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        let after = &rest[open + 2..];
        match after.find("}}") {
            Some(close) => {
                out.push(Piece::Placeholder {
                    name: after[..close].trim(),
                    raw: &rest[open..open + 2 + close + 2],
                });
                rest = &after[close + 2..];
            }
            None => {
                out.push(Piece::Unclosed(&rest[open..]));
                rest = "";
            }
        }
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

fn known_names() -> String {
    PLACEHOLDERS
        .iter()
        .map(|p| format!("{{{{{p}}}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks a template body: placeholders are written `{{name}}` with a name from
/// [`PLACEHOLDERS`]. Refused, with an error naming `field`:
/// - an unknown name (`unknown_placeholder`),
/// - `{{` without a closing `}}` (`unclosed_placeholder`),
/// - `}}` without an opening `{{` (`unmatched_braces`),
/// - a known name in single braces such as `{customer_name}`, which would reach the customer
///   as written (`single_braces`).
///
/// Single `{` and `}` elsewhere are ordinary text.
pub fn check_template(field: &str, body: &str) -> Result<(), FieldError> {
    for piece in pieces(body) {
        match piece {
            Piece::Placeholder { name, raw } => {
                if !PLACEHOLDERS.contains(&name) {
                    return Err(FieldError::new(
                        field,
                        "unknown_placeholder",
                        format!("unknown placeholder `{raw}`; known are {}", known_names()),
                    ));
                }
            }
            Piece::Unclosed(rest) => {
                let start: String = rest.chars().take(30).collect();
                return Err(FieldError::new(
                    field,
                    "unclosed_placeholder",
                    format!(
                        "`{start}` opens a placeholder with `{{{{` but never closes it with `}}}}`"
                    ),
                ));
            }
            Piece::Text(text) => {
                if text.contains("}}") {
                    return Err(FieldError::new(
                        field,
                        "unmatched_braces",
                        "`}}` closes a placeholder that was never opened with `{{`",
                    ));
                }
                if let Some(name) = PLACEHOLDERS
                    .iter()
                    .find(|name| text.contains(&format!("{{{name}}}")))
                {
                    return Err(FieldError::new(
                        field,
                        "single_braces",
                        format!("write placeholders with double braces: {{{{{name}}}}}"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A value that counts as given: present and not blank.
fn value_of<'v>(values: &'v HashMap<&str, String>, name: &str) -> Option<&'v str> {
    values
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
}

/// Fills the placeholders of `body` with `values` (name → value), in one pass: a value that
/// itself contains `{{…}}` is inserted as it is, never expanded again.
///
/// **A placeholder without a value stays in the text exactly as written** (`{{follow_up_date}}`);
/// a blank value counts as no value. An agent reading the draft sees at once what is still to
/// be filled in, the marker cannot be mistaken for real content the way `[follow_up_date]` or
/// an empty gap could, and [`unfilled_placeholders`] lets the application warn before the
/// message goes out. Unclosed or unknown placeholders are also left as written.
///
/// The result is plain text; escaping for HTML or e-mail is the caller's business.
pub fn render(body: &str, values: &HashMap<&str, String>) -> String {
    let mut out = String::with_capacity(body.len() + 64);
    for piece in pieces(body) {
        match piece {
            Piece::Text(t) | Piece::Unclosed(t) => out.push_str(t),
            Piece::Placeholder { name, raw } => match value_of(values, name) {
                Some(v) => out.push_str(v),
                None => out.push_str(raw),
            },
        }
    }
    out
}

/// The placeholder names in `body` that [`render`] would leave unfilled with `values`,
/// each once, in order of first appearance. With an empty map: every placeholder used.
pub fn unfilled_placeholders<'a>(body: &'a str, values: &HashMap<&str, String>) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    for piece in pieces(body) {
        if let Piece::Placeholder { name, .. } = piece
            && value_of(values, name).is_none()
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    names
}

/// Checks a template code: `{part}.{slug}`, e.g. `apology.general`; returns it normalized.
pub fn parse_template_code(field: &str, s: &str) -> Result<String, FieldError> {
    parse_prefixed_code(field, s, &["apology", "explanation", "next_steps"])
}

/// A template shipped with the product. The same code exists once per locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultTemplate {
    pub code: &'static str,
    pub locale: Locale,
    pub part: TemplatePart,
    /// The kind of failure the wording fits; `None` fits any.
    pub kind: Option<FailureKind>,
    pub title: &'static str,
    pub body: &'static str,
}

impl DefaultTemplate {
    /// The template as a new record, e.g. to seed a fresh database.
    pub fn to_new(&self) -> NewTemplate {
        NewTemplate {
            code: self.code.to_owned(),
            locale: self.locale,
            part: self.part,
            kind: self.kind,
            title: self.title.to_owned(),
            body: self.body.to_owned(),
        }
    }
}

/// The best default template for a part of the answer: the one written for the failure's
/// kind when there is one, else the general one.
pub fn default_template(
    locale: Locale,
    part: TemplatePart,
    kind: Option<FailureKind>,
) -> Option<&'static DefaultTemplate> {
    let of = |k: Option<FailureKind>| {
        DEFAULT_TEMPLATES
            .iter()
            .find(|t| t.locale == locale && t.part == part && t.kind == k)
    };
    kind.and_then(|k| of(Some(k))).or_else(|| of(None))
}

const fn template(
    code: &'static str,
    locale: Locale,
    part: TemplatePart,
    kind: Option<FailureKind>,
    title: &'static str,
    body: &'static str,
) -> DefaultTemplate {
    DefaultTemplate {
        code,
        locale,
        part,
        kind,
        title,
        body,
    }
}

use FailureKind::{Outcome, Process};
use Locale::{En, Ko};
use TemplatePart::{Apology, Explanation, NextSteps};

/// The templates a new installation starts with: for each locale, a general apology,
/// explanation and next steps, plus outcome- and process-specific forms of each.
pub const DEFAULT_TEMPLATES: &[DefaultTemplate] = &[
    // ---- Korean ----
    template(
        "apology.general",
        Ko,
        Apology,
        None,
        "사과 (일반)",
        "{{customer_name}} 고객님, 안녕하십니까. {{unit_name}}의 {{agent_name}}입니다.\n\
         \n\
         {{occurred_date}}에 저희를 이용하시면서 불편을 겪으셨다는 말씀을 듣고 연락드렸습니다. \
         먼저 진심으로 사과드립니다. 믿고 찾아 주셨는데 실망을 안겨 드려 무척 송구합니다.\n\
         \n\
         말씀해 주신 내용은 바로 접수했습니다(접수번호 {{case_number}}). \
         마무리될 때까지 제가 직접 챙기겠습니다.",
    ),
    template(
        "apology.outcome",
        Ko,
        Apology,
        Some(Outcome),
        "사과 (결과가 잘못된 경우)",
        "{{customer_name}} 고객님, 안녕하십니까. {{unit_name}}의 {{agent_name}}입니다.\n\
         \n\
         {{occurred_date}}에 {{touchpoint_name}}에서 ‘{{category}}’ 건으로 \
         제대로 된 서비스를 받지 못하신 점, 진심으로 사과드립니다. \
         고객님께서 당연히 받으셨어야 할 결과를 드리지 못한 것은 저희의 잘못입니다. \
         이 일로 다시 연락하시는 수고까지 끼쳐 드려 더욱 죄송합니다.\n\
         \n\
         말씀해 주신 내용은 바로 접수했습니다(접수번호 {{case_number}}). \
         바로잡힐 때까지 제가 직접 챙기겠습니다.",
    ),
    template(
        "apology.process",
        Ko,
        Apology,
        Some(Process),
        "사과 (응대 과정이 잘못된 경우)",
        "{{customer_name}} 고객님, 안녕하십니까. {{unit_name}}의 {{agent_name}}입니다.\n\
         \n\
         {{occurred_date}}에 {{touchpoint_name}}에서 ‘{{category}}’ 건으로 \
         불편을 드린 점 깊이 사과드립니다. 고객님을 어떻게 모시는지도 저희 서비스의 \
         중요한 부분인데, 그날 저희는 고객님의 시간과 마음을 충분히 헤아리지 못했습니다.\n\
         \n\
         말씀해 주신 내용은 바로 접수했습니다(접수번호 {{case_number}}). \
         끝까지 제가 직접 챙기겠습니다.",
    ),
    template(
        "explanation.general",
        Ko,
        Explanation,
        None,
        "경위 설명 (일반)",
        "어떻게 된 일인지 지금까지 확인한 내용을 있는 그대로 말씀드리겠습니다. \
         {{unit_name}}에서 당시 기록을 살펴보고 관련 직원의 이야기를 듣고 있으며, \
         아직 확인 중인 부분이 남아 있습니다. 원인이 밝혀지는 대로 짐작이 아닌 사실로 \
         다시 설명드리겠습니다. 그동안 고객님께서 따로 준비하시거나 같은 내용을 \
         다시 설명하실 필요는 없습니다.",
    ),
    template(
        "explanation.outcome",
        Ko,
        Explanation,
        Some(Outcome),
        "경위 설명 (결과가 잘못된 경우)",
        "확인해 보니 이번 ‘{{category}}’ 건은 고객님의 요청을 처리하는 과정에서 \
         저희가 한 번 더 확인했어야 할 단계를 놓쳐 생긴 일이었습니다. \
         고객님께서 하신 일 때문에 생긴 문제가 아닙니다. 다른 고객님께도 같은 일이 \
         생기지 않도록 해당 단계를 다시 점검하고 있습니다.",
    ),
    template(
        "explanation.process",
        Ko,
        Explanation,
        Some(Process),
        "경위 설명 (응대 과정이 잘못된 경우)",
        "당시 상황을 확인해 보니 {{touchpoint_name}}에서 고객님을 응대하는 동안 \
         저희가 스스로 정한 응대 기준을 지키지 못했습니다. 어떤 사정이 있었더라도 \
         그 불편을 고객님께서 떠안으실 이유는 없었습니다. 관련 직원과 함께 이번 일을 \
         돌아보았고, 비슷한 상황에서 어떻게 모셔야 하는지 다시 정리하고 있습니다.",
    ),
    template(
        "next_steps.general",
        Ko,
        NextSteps,
        None,
        "향후 조치 (일반)",
        "앞으로 이렇게 진행하겠습니다.\n\
         - 이 건은 담당자인 제가 끝까지 맡아 처리하겠습니다.\n\
         - {{follow_up_date}}까지 진행 결과를 직접 연락드려 말씀드리겠습니다.\n\
         - 그 전이라도 궁금하신 점이 있으시면 편하게 연락 주십시오. \
         접수번호 {{case_number}}만 말씀해 주시면 바로 확인해 드리겠습니다.\n\
         \n\
         다시 한번 불편을 드려 죄송합니다.\n\
         {{agent_name}} 드림",
    ),
    template(
        "next_steps.outcome",
        Ko,
        NextSteps,
        Some(Outcome),
        "향후 조치 (결과 바로잡기)",
        "잘못된 부분은 저희가 바로잡아 드리겠습니다. 다시 제공해 드리는 방법, \
         교환해 드리는 방법, 환불해 드리는 방법 가운데 고객님께 가장 편한 쪽을 \
         말씀해 주시면 그대로 진행하겠습니다. 처리가 끝난 뒤 {{follow_up_date}}에 \
         한 번 더 연락드려 불편한 점이 남아 있지 않은지 여쭙겠습니다. \
         문의하실 때는 접수번호 {{case_number}}만 알려 주시면 됩니다.\n\
         \n\
         {{agent_name}} 드림",
    ),
    template(
        "next_steps.process",
        Ko,
        NextSteps,
        Some(Process),
        "향후 조치 (응대 개선)",
        "이번 일은 {{unit_name}} 직원 모두가 함께 돌아보고, 비슷한 상황에서 고객님을 \
         더 세심하게 모실 수 있도록 응대 방식을 고치겠습니다. {{follow_up_date}}에 \
         다시 연락드려 무엇이 달라졌는지 말씀드리고 고객님의 의견도 여쭙겠습니다. \
         그 전이라도 불편하신 점이 있으시면 언제든 연락 주십시오(접수번호 {{case_number}}).\n\
         \n\
         {{agent_name}} 드림",
    ),
    // ---- English ----
    template(
        "apology.general",
        En,
        Apology,
        None,
        "Apology (general)",
        "Dear {{customer_name}},\n\
         \n\
         This is {{agent_name}} from {{unit_name}}. I'm truly sorry that your experience with \
         us on {{occurred_date}} was not what it should have been. You put your trust in us, \
         and we let you down.\n\
         \n\
         I have logged what you told us as case {{case_number}}, and I will personally see it \
         through until it is settled.",
    ),
    template(
        "apology.outcome",
        En,
        Apology,
        Some(Outcome),
        "Apology (the result was wrong)",
        "Dear {{customer_name}},\n\
         \n\
         This is {{agent_name}} from {{unit_name}}. I'm very sorry that what you received at \
         {{touchpoint_name}} on {{occurred_date}} was not right ({{category}}). You should \
         have got exactly what you asked for, and it is our mistake that you did not. \
         I'm sorry, too, that you had to spend your own time telling us about it.\n\
         \n\
         Your case number is {{case_number}}, and I will stay with it until it is put right.",
    ),
    template(
        "apology.process",
        En,
        Apology,
        Some(Process),
        "Apology (the way we served you was wrong)",
        "Dear {{customer_name}},\n\
         \n\
         This is {{agent_name}} from {{unit_name}}. I'm sincerely sorry for how you were \
         treated at {{touchpoint_name}} on {{occurred_date}} ({{category}}). How we look after \
         you matters as much as what we deliver, and that day we did not give you the time, \
         attention and respect you deserve.\n\
         \n\
         Your case number is {{case_number}}, and I will follow it through myself.",
    ),
    template(
        "explanation.general",
        En,
        Explanation,
        None,
        "Explanation (general)",
        "I want to be open with you about what happened. At {{unit_name}} we are going \
         through our records and talking with the colleagues who were involved, and some \
         of it is still being checked. As soon as we know the cause, I will explain it to you \
         plainly, with facts rather than guesses. In the meantime you don't need to do \
         anything or explain it all again.",
    ),
    template(
        "explanation.outcome",
        En,
        Explanation,
        Some(Outcome),
        "Explanation (the result was wrong)",
        "Here is what we found. While your request was being handled, we missed a check on \
         our side that should have caught the problem, and so the result you received was \
         wrong ({{category}}). Nothing you did caused this. We are reviewing that step so it \
         does not happen to you, or to anyone else, again.",
    ),
    template(
        "explanation.process",
        En,
        Explanation,
        Some(Process),
        "Explanation (the way we served you was wrong)",
        "Looking into it, we did not keep to our own standards while serving you at \
         {{touchpoint_name}}. Whatever was going on that day, it was not yours to carry. \
         We have talked it through with the colleagues involved and are setting out clearly \
         how a situation like yours should be handled.",
    ),
    template(
        "next_steps.general",
        En,
        NextSteps,
        None,
        "Next steps (general)",
        "Here is what happens next:\n\
         - I will stay responsible for your case until it is closed.\n\
         - By {{follow_up_date}} I will contact you myself with the outcome.\n\
         - If anything comes up before then, just get in touch and mention case number \
         {{case_number}}, and I'll pick it up straight away.\n\
         \n\
         Once again, I'm sorry for the trouble.\n\
         {{agent_name}}",
    ),
    template(
        "next_steps.outcome",
        En,
        NextSteps,
        Some(Outcome),
        "Next steps (putting the result right)",
        "We will put this right. We can provide it again, exchange it or refund you, so \
         please tell us which suits you best and we will arrange it. Once that is done, I will \
         check in with you on {{follow_up_date}} to make sure nothing is still outstanding. \
         If you need us, your case number is {{case_number}}.\n\
         \n\
         {{agent_name}}",
    ),
    template(
        "next_steps.process",
        En,
        NextSteps,
        Some(Process),
        "Next steps (improving how we serve you)",
        "Everyone at {{unit_name}} will learn from this, and we are changing how we handle \
         situations like yours. I will get back to you on {{follow_up_date}} to tell you what \
         has changed and to hear what you think. If you need us before then, please get in \
         touch and quote case number {{case_number}}.\n\
         \n\
         {{agent_name}}",
    ),
];

/// What a client sends to create or replace a response template.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    /// The version you last read; required when replacing, absent when creating.
    #[serde(default)]
    pub version: Option<i64>,
    /// `{part}.{slug}`: the prefix must match `part`. One code per locale.
    #[schema(min_length = 9, max_length = 51, example = "apology.general")]
    pub code: String,
    pub locale: Locale,
    pub part: TemplatePart,
    /// The kind of failure the wording fits; absent fits any.
    #[serde(default)]
    pub kind: Option<FailureKind>,
    #[schema(min_length = 1, max_length = 200, example = "사과 (일반)")]
    pub title: String,
    /// Text with `{{placeholder}}`s; see the list of placeholder names.
    #[schema(
        min_length = 1,
        max_length = 5000,
        example = "{{customer_name}} 고객님, 불편을 드려 죄송합니다."
    )]
    pub body: String,
}

/// A validated response template, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTemplate {
    pub code: String,
    pub locale: Locale,
    pub part: TemplatePart,
    pub kind: Option<FailureKind>,
    pub title: String,
    pub body: String,
}

impl TemplateInput {
    pub fn parse(&self) -> Result<NewTemplate, Vec<FieldError>> {
        let mut v = Validation::new();
        let code = v.check(parse_template_code("code", &self.code).and_then(|code| {
            let prefix = self.part.as_str();
            if code.split_once('.').is_some_and(|(p, _)| p == prefix) {
                Ok(code)
            } else {
                Err(FieldError::new(
                    "code",
                    "part_mismatch",
                    format!("the code of a {prefix} template must start with `{prefix}.`"),
                ))
            }
        }));
        let title = v.check(required_line("title", &self.title, TITLE_MAX));
        let body = v.check(free_text("body", &self.body, BODY_MAX).and_then(|body| {
            if body.trim().is_empty() {
                Err(FieldError::new("body", "required", "must not be empty"))
            } else {
                check_template("body", &body).map(|()| body)
            }
        }));
        v.finish(|| NewTemplate {
            code: code.expect("checked"),
            locale: self.locale,
            part: self.part,
            kind: self.kind,
            title: title.expect("checked"),
            body: body.expect("checked"),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn all_values() -> HashMap<&'static str, String> {
        PLACEHOLDERS
            .iter()
            .map(|&p| (p, format!("<{p}>")))
            .collect()
    }

    fn is_hangul(c: char) -> bool {
        ('가'..='힣').contains(&c)
    }

    #[test]
    fn every_default_template_passes_the_check_and_has_a_fitting_code() {
        for t in DEFAULT_TEMPLATES {
            check_template("body", t.body).unwrap_or_else(|e| panic!("{}: {e:?}", t.code));
            assert_eq!(parse_template_code("code", t.code).unwrap(), t.code);
            assert!(t.code.starts_with(&format!("{}.", t.part.as_str())));
            assert!(!t.title.trim().is_empty() && t.title.chars().count() <= TITLE_MAX);
            assert!(t.body.chars().count() <= BODY_MAX);
            // Line continuations in the source must not leave double spaces behind.
            assert!(!t.body.contains("  "), "{}", t.code);
            assert!(!t.body.contains(" \n"), "{}", t.code);
        }
    }

    #[test]
    fn every_default_template_is_accepted_by_the_input_validation() {
        for t in DEFAULT_TEMPLATES {
            let new = t.to_new();
            let input = TemplateInput {
                version: None,
                code: new.code.clone(),
                locale: new.locale,
                part: new.part,
                kind: new.kind,
                title: new.title.clone(),
                body: new.body.clone(),
            };
            assert_eq!(input.parse().unwrap(), new);
        }
    }

    #[test]
    fn both_locales_have_every_part_in_general_and_kind_specific_forms() {
        for locale in [Locale::Ko, Locale::En] {
            for part in TemplatePart::ALL {
                let kinds: HashSet<Option<FailureKind>> = DEFAULT_TEMPLATES
                    .iter()
                    .filter(|t| t.locale == locale && t.part == part)
                    .map(|t| t.kind)
                    .collect();
                assert!(kinds.contains(&None), "{locale:?} {part:?}");
                if part != TemplatePart::NextSteps {
                    assert!(kinds.contains(&Some(FailureKind::Outcome)));
                    assert!(kinds.contains(&Some(FailureKind::Process)));
                }
            }
        }
    }

    #[test]
    fn each_code_exists_once_per_locale_with_the_same_part_and_kind() {
        let mut seen = HashSet::new();
        for t in DEFAULT_TEMPLATES {
            assert!(seen.insert((t.code, t.locale)), "{} twice", t.code);
        }
        for t in DEFAULT_TEMPLATES {
            let other = if t.locale == Locale::Ko {
                Locale::En
            } else {
                Locale::Ko
            };
            let twin = DEFAULT_TEMPLATES
                .iter()
                .find(|u| u.code == t.code && u.locale == other)
                .unwrap_or_else(|| panic!("{} has no {other:?} twin", t.code));
            assert_eq!((twin.part, twin.kind), (t.part, t.kind));
        }
    }

    #[test]
    fn korean_templates_are_in_korean_and_polite_and_english_ones_in_english() {
        for t in DEFAULT_TEMPLATES {
            match t.locale {
                Locale::Ko => {
                    assert!(t.body.chars().any(is_hangul), "{}", t.code);
                    assert!(t.title.chars().any(is_hangul), "{}", t.code);
                    assert!(t.body.contains("니다"), "{}", t.code);
                }
                Locale::En => {
                    assert!(!t.body.chars().any(is_hangul), "{}", t.code);
                    assert!(!t.title.chars().any(is_hangul), "{}", t.code);
                }
            }
        }
    }

    #[test]
    fn rendering_with_every_value_leaves_no_placeholder() {
        let values = all_values();
        for t in DEFAULT_TEMPLATES {
            let text = render(t.body, &values);
            assert!(!text.contains("{{") && !text.contains("}}"), "{}", t.code);
            assert!(unfilled_placeholders(t.body, &values).is_empty());
        }
    }

    #[test]
    fn the_defaults_use_the_case_number_and_the_customer_name() {
        for t in DEFAULT_TEMPLATES {
            let used = unfilled_placeholders(t.body, &HashMap::new());
            if t.part == TemplatePart::Apology {
                assert!(used.contains(&"customer_name"), "{}", t.code);
            }
            if t.part != TemplatePart::Explanation {
                assert!(used.contains(&"case_number"), "{}", t.code);
            }
        }
    }

    #[test]
    fn values_fill_their_placeholders_and_spaces_in_braces_are_allowed() {
        let values = HashMap::from([
            ("customer_name", "김민수".to_owned()),
            ("case_number", "R-1042".to_owned()),
        ]);
        assert_eq!(
            render(
                "{{customer_name}} 고객님, 접수번호 {{ case_number }}",
                &values
            ),
            "김민수 고객님, 접수번호 R-1042"
        );
    }

    #[test]
    fn a_missing_or_blank_value_leaves_the_placeholder_visible() {
        let values = HashMap::from([
            ("customer_name", "Ana".to_owned()),
            ("follow_up_date", "  ".to_owned()),
        ]);
        let body = "Dear {{customer_name}}, by {{follow_up_date}} ({{ case_number }}) \
                    and again {{follow_up_date}}";
        assert_eq!(
            render(body, &values),
            "Dear Ana, by {{follow_up_date}} ({{ case_number }}) and again {{follow_up_date}}"
        );
        assert_eq!(
            unfilled_placeholders(body, &values),
            ["follow_up_date", "case_number"]
        );
    }

    #[test]
    fn a_value_is_inserted_once_and_never_expanded_again() {
        let values = HashMap::from([
            ("customer_name", "{{agent_name}}".to_owned()),
            ("agent_name", "Kim".to_owned()),
        ]);
        assert_eq!(render("Hi {{customer_name}}", &values), "Hi {{agent_name}}");
    }

    #[test]
    fn broken_placeholders_are_left_as_written_when_rendering() {
        let values = all_values();
        assert_eq!(render("a {{nope}} b", &values), "a {{nope}} b");
        assert_eq!(render("a {{customer_name", &values), "a {{customer_name");
        assert_eq!(render("", &values), "");
    }

    #[test]
    fn the_check_names_the_field_and_the_problem() {
        let cases = [
            ("Hello {{customer}}", "unknown_placeholder"),
            ("Hello {{}}", "unknown_placeholder"),
            ("Hello {{customer_name", "unclosed_placeholder"),
            ("Hello {{customer_name}", "unclosed_placeholder"),
            ("Hello customer_name}}", "unmatched_braces"),
            ("Hello {customer_name}", "single_braces"),
            ("Hello {{{customer_name}}}", "unknown_placeholder"),
        ];
        for (body, code) in cases {
            let e = check_template("body", body).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.code.as_str()),
                ("body", code),
                "{body}"
            );
        }
        assert!(check_template("body", "Set {a} and } or { alone, {{ agent_name }}").is_ok());
        assert!(check_template("body", "").is_ok());
    }

    #[test]
    fn the_unknown_placeholder_message_quotes_it_and_lists_the_known_ones() {
        let e = check_template("body", "x {{customer}} y").unwrap_err();
        assert!(e.message.contains("`{{customer}}`"), "{}", e.message);
        assert!(e.message.contains("{{customer_name}}"), "{}", e.message);
    }

    #[test]
    fn the_part_parses_its_own_names_only() {
        for p in TemplatePart::ALL {
            assert_eq!(TemplatePart::parse("part", p.as_str()).unwrap(), p);
        }
        assert!(TemplatePart::parse("part", "next-steps").is_err());
        assert_eq!(
            serde_json::to_value(TemplatePart::NextSteps).unwrap(),
            serde_json::json!("next_steps")
        );
    }

    #[test]
    fn the_best_default_is_kind_specific_with_the_general_one_as_fallback() {
        let t = default_template(
            Locale::En,
            TemplatePart::Apology,
            Some(FailureKind::Process),
        )
        .unwrap();
        assert_eq!((t.code, t.locale), ("apology.process", Locale::En));
        let t = default_template(Locale::Ko, TemplatePart::Explanation, None).unwrap();
        assert_eq!(t.code, "explanation.general");
    }

    fn input(json: serde_json::Value) -> TemplateInput {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_template_input_is_parsed_with_kind_defaulting_to_any() {
        let t = input(serde_json::json!({
            "code": " Apology.Short ", "locale": "en", "part": "apology",
            "title": " Short apology ", "body": "Sorry, {{customer_name}}.\n"
        }))
        .parse()
        .unwrap();
        assert_eq!(t.code, "apology.short");
        assert_eq!(t.kind, None);
        assert_eq!(t.title, "Short apology");
        assert_eq!(t.body, "Sorry, {{customer_name}}.");
    }

    #[test]
    fn every_bad_template_field_is_reported_at_once() {
        let t = input(serde_json::json!({
            "code": "explanation.short", "locale": "ko", "part": "apology",
            "kind": "outcome", "title": "", "body": "{{고객명}}"
        }));
        let errors: Vec<_> = t
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            errors,
            [
                ("code".to_owned(), "part_mismatch".to_owned()),
                ("title".to_owned(), "required".to_owned()),
                ("body".to_owned(), "unknown_placeholder".to_owned()),
            ]
        );
    }

    #[test]
    fn a_blank_body_is_required() {
        let t = input(serde_json::json!({
            "code": "apology.x", "locale": "ko", "part": "apology",
            "title": "x", "body": " \n "
        }));
        assert_eq!(t.parse().unwrap_err()[0].code, "required");
    }
}
