//! Impact assessments in the console: start a DPIA or an AI Act classification for an AI
//! system (or, from the vendors page, a due-diligence review of a vendor), fill it in as a form generated from the questionnaire's definition, see what custos
//! concludes (the tier, the path through the articles, the obligations with their dates; the
//! DPIA screening and the prior consultation flag), submit it, and approve it as a privacy
//! officer. The same result renders as the standalone report (HTML, and PDF through
//! [`crate::pdf`]).

use std::collections::HashMap;

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use custos_govern::questionnaire::{self, Answers, QuestionKind, Questionnaire};
use custos_service::assessments::{AssessmentInput, AssessmentRecord, AssessmentStatus};
use serde::Deserialize;
use serde_json::Value;

use crate::{
    Web,
    format::{When, label_of},
    layout::{OrRefuse, Page, Refusal, html},
    session::{Can, CsrfForm, Posted, ReadAssessments, WriteAssessments},
};

/// One question as the form shows it.
pub(crate) struct Field {
    key: String,
    text: String,
    help: String,
    reference: String,
    required: bool,
    /// `yes_no`, `choice`, `multi`, `text`, `scale`.
    kind: &'static str,
    /// (value, label, selected).
    options: Vec<(String, String, bool)>,
    /// The answer as text (for text fields).
    value: String,
    /// The answer in words (read-only view and report).
    answer: String,
}

pub(crate) struct SectionView {
    title: String,
    fields: Vec<Field>,
}

/// The answer to one question in plain words.
fn in_words(kind: &QuestionKind, v: Option<&Value>) -> String {
    let Some(v) = v else { return "Not answered".into() };
    let label =
        |opts: &[questionnaire::Choice], s: &str| opts.iter().find(|c| c.value == s).map_or_else(|| s.to_owned(), |c| c.label.clone());
    match (kind, v) {
        (QuestionKind::YesNo, Value::Bool(b)) => {
            if *b {
                "Yes".into()
            } else {
                "No".into()
            }
        }
        (QuestionKind::Choice { options }, Value::String(s)) => label(options, s),
        (QuestionKind::MultiChoice { options }, Value::Array(a)) => {
            a.iter().filter_map(Value::as_str).map(|s| label(options, s)).collect::<Vec<_>>().join("; ")
        }
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

pub(crate) fn sections(q: &Questionnaire, answers: &Answers) -> Vec<SectionView> {
    q.sections
        .iter()
        .map(|s| SectionView {
            title: s.title.clone(),
            fields: s
                .questions
                .iter()
                .map(|question| {
                    let a = answers.get(&question.key);
                    let (kind, options) = match &question.kind {
                        QuestionKind::YesNo => (
                            "yes_no",
                            vec![
                                ("yes".to_owned(), "Yes".to_owned(), a == Some(&Value::Bool(true))),
                                ("no".to_owned(), "No".to_owned(), a == Some(&Value::Bool(false))),
                            ],
                        ),
                        QuestionKind::Choice { options } => (
                            "choice",
                            options
                                .iter()
                                .map(|c| (c.value.clone(), c.label.clone(), a.and_then(Value::as_str) == Some(c.value.as_str())))
                                .collect(),
                        ),
                        QuestionKind::MultiChoice { options } => (
                            "multi",
                            options
                                .iter()
                                .map(|c| {
                                    let on =
                                        a.and_then(Value::as_array).is_some_and(|l| l.iter().any(|v| v.as_str() == Some(c.value.as_str())));
                                    (c.value.clone(), c.label.clone(), on)
                                })
                                .collect(),
                        ),
                        QuestionKind::Text { .. } => ("text", Vec::new()),
                        QuestionKind::Scale { min, max } => (
                            "scale",
                            (*min..=*max)
                                .map(|n| (n.to_string(), n.to_string(), a.and_then(Value::as_u64) == Some(u64::from(n))))
                                .collect(),
                        ),
                    };
                    Field {
                        key: question.key.clone(),
                        text: question.text.clone(),
                        help: question.help.clone().unwrap_or_default(),
                        reference: question.reference.clone().unwrap_or_default(),
                        required: question.required,
                        kind,
                        options,
                        value: a.and_then(Value::as_str).unwrap_or_default().to_owned(),
                        answer: in_words(&question.kind, a),
                    }
                })
                .collect(),
        })
        .collect()
}

/// What custos concluded, in words.
pub(crate) struct Conclusion {
    tier: String,
    transparency: bool,
    decided_by: String,
    path: Vec<(String, String, String, String)>,
    obligations: Vec<(String, String, String, String, bool)>,
    dpia: Option<(bool, String, Vec<String>, bool)>,
    /// The vendor review: (outcome in words, insufficient, findings).
    vendor: Option<(String, bool, Vec<FindingRow>)>,
}

/// A vendor review's finding: (its weight in words, what falls short, the provision).
type FindingRow = (String, String, String);

/// A vendor review's outcome in words.
pub(crate) fn outcome_words(outcome: &str) -> &'static str {
    match outcome {
        "sufficient" => custos_govern::vendor::Outcome::Sufficient.label(),
        "conditions" => custos_govern::vendor::Outcome::Conditions.label(),
        "insufficient" => custos_govern::vendor::Outcome::Insufficient.label(),
        _ => "Not concluded",
    }
}

fn tier_words(t: &str) -> String {
    match t {
        "prohibited" => "Prohibited (AI Act Art. 5)".into(),
        "high" => "High-risk".into(),
        "limited" => "Limited: transparency duties".into(),
        "minimal" => "Minimal".into(),
        other => other.to_owned(),
    }
}

pub(crate) fn conclusion(a: &AssessmentRecord) -> Conclusion {
    let r = &a.result;
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    Conclusion {
        tier: r.get("tier").and_then(Value::as_str).map(tier_words).unwrap_or_default(),
        transparency: r.get("transparency").and_then(Value::as_bool).unwrap_or(false),
        decided_by: s(r, "decided_by"),
        path: r
            .get("path")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| (s(p, "article"), s(p, "question"), s(p, "answer"), s(p, "outcome")))
            .collect(),
        obligations: r
            .get("obligations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|o| {
                let from = o.get("applies_from").and_then(Value::as_str).map_or_else(String::new, |d| {
                    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_or_else(|_| d.to_owned(), |d| d.format("%-d %b %Y").to_string())
                });
                (s(o, "id"), s(o, "title"), s(o, "citation"), from, o.get("verified").and_then(Value::as_bool).unwrap_or(false))
            })
            .collect(),
        dpia: r.get("screening").map(|sc| {
            (
                sc.get("required").and_then(Value::as_bool).unwrap_or(false),
                s(sc, "reason"),
                sc.get("criteria_met")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(|k| custos_govern::dpia::WP248_CRITERIA.iter().find(|(key, _)| *key == k).map_or(k, |(_, l)| l).to_owned())
                    .collect(),
                r.get("prior_consultation").and_then(Value::as_bool).unwrap_or(false),
            )
        }),
        vendor: r.get("outcome").and_then(Value::as_str).map(|o| {
            (
                outcome_words(o).to_owned(),
                o == "insufficient",
                r.get("findings")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|f| {
                        let severity = match f.get("severity").and_then(Value::as_str) {
                            Some("high") => "Serious",
                            Some("medium") => "Condition",
                            _ => "Note",
                        };
                        (severity.to_owned(), s(f, "text"), s(f, "reference"))
                    })
                    .collect(),
            )
        }),
    }
}

#[derive(Template)]
#[template(path = "assessment_report_standalone.html")]
struct Standalone<'a> {
    title: String,
    about_kind: &'a str,
    about: &'a str,
    status: String,
    approved: String,
    sections: Vec<SectionView>,
    c: Conclusion,
    css: &'static str,
}

/// An assessment's report as a standalone HTML page (the API's `report`, and the PDF's source);
/// `about` is what it assesses in words: ("AI system" or "Vendor", its name).
pub fn assessment_report_html(a: &AssessmentRecord, about: (&str, String)) -> String {
    let Some(q) = questionnaire::questionnaire(&a.questionnaire, a.version) else { return "unknown questionnaire".into() };
    Standalone {
        title: format!("{} (version {})", q.title, q.version),
        about_kind: about.0,
        about: &about.1,
        status: label_of::<AssessmentStatus>(&a.status),
        approved: match (&a.approved_by, &a.approved_at) {
            (Some(by), Some(at)) => format!("Approved by {by} on {}", When::moment(at).text),
            _ => "Not approved".into(),
        },
        sections: sections(q, &a.answers),
        c: conclusion(a),
        css: crate::fairness::REPORT_CSS,
    }
    .render()
    .unwrap_or_else(|e| format!("assessment report: {e}"))
}

struct Row {
    assessment_id: String,
    system: String,
    title: String,
    status: String,
    result: String,
    changed: String,
}

#[derive(Template)]
#[template(path = "assessments.html")]
struct ListPage {
    page: Page,
    rows: Vec<Row>,
    systems: Vec<(String, String)>,
    questionnaires: Vec<(String, String)>,
    can_write: bool,
}

fn summary(a: &AssessmentRecord) -> String {
    if let Some(t) = a.result.get("tier").and_then(Value::as_str) {
        return tier_words(t);
    }
    if let Some(o) = a.result.get("outcome").and_then(Value::as_str) {
        return outcome_words(o).to_owned();
    }
    match a.result.pointer("/screening/required").and_then(Value::as_bool) {
        Some(true) => "DPIA required".into(),
        Some(false) => "DPIA not required by the screening".into(),
        None => String::new(),
    }
}

pub(crate) async fn list(State(web): State<Web>, Can(staff, _): Can<ReadAssessments>) -> Result<Response, Refusal> {
    let all = web.service.assessments().list(None, None).await.or_refuse(&staff)?;
    let systems = web.service.ai_systems().list().await.or_refuse(&staff)?;
    let vendors = web.service.vendors().list().await.or_refuse(&staff)?;
    let name = |a: &AssessmentRecord| match (&a.ai_system_id, &a.vendor_id) {
        (Some(id), _) => systems.iter().find(|s| &s.ai_system_id == id).map_or_else(|| id.to_string(), |s| s.name.clone()),
        (None, Some(id)) => {
            vendors.iter().find(|v| &v.vendor.vendor_id == id).map_or_else(|| id.to_string(), |v| format!("{} (vendor)", v.vendor.name))
        }
        (None, None) => String::new(),
    };
    let page = ListPage {
        page: Page::staff(&staff, "/console/assessments"),
        rows: all
            .iter()
            .map(|a| Row {
                assessment_id: a.assessment_id.to_string(),
                system: name(a),
                title: questionnaire::questionnaire(&a.questionnaire, a.version)
                    .map_or_else(|| a.questionnaire.clone(), |q| q.title.clone()),
                status: label_of::<AssessmentStatus>(&a.status),
                result: summary(a),
                changed: When::moment(&a.updated_at).text,
            })
            .collect(),
        systems: systems.iter().map(|s| (s.ai_system_id.to_string(), s.name.clone())).collect(),
        questionnaires: questionnaire::questionnaires()
            .iter()
            .filter(|q| questionnaire::latest(&q.key).is_some_and(|l| l.version == q.version))
            // A vendor review starts from the vendors page.
            .filter(|q| q.key != custos_govern::vendor::VENDOR_KEY)
            .map(|q| (q.key.clone(), q.title.clone()))
            .collect(),
        can_write: staff.session.may(custos_service::permissions::Action::Write, custos_service::permissions::Resource::Assessments),
    };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Deserialize)]
pub(crate) struct StartForm {
    csrf: String,
    ai_system_id: Option<String>,
    vendor_id: Option<String>,
    questionnaire: String,
}

impl CsrfForm for StartForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn start(State(web): State<Web>, posted: Posted<WriteAssessments, StartForm>) -> Result<Response, Refusal> {
    let (staff, form) = (posted.staff, posted.form);
    let input = AssessmentInput {
        ai_system_id: form.ai_system_id,
        vendor_id: form.vendor_id,
        questionnaire: Some(form.questionnaire),
        ..Default::default()
    };
    let v = web.service.assessments().create(input, &format!("staff:{}", staff.session.user_id)).await.or_refuse(&staff)?;
    Ok(Redirect::to(&format!("/console/assessments/{}", v.assessment.assessment_id)).into_response())
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct DetailPage {
    page: Page,
    assessment_id: String,
    title: String,
    about_kind: &'static str,
    about: String,
    status: String,
    editable: bool,
    can_write: bool,
    can_approve: bool,
    submitted: bool,
    review_reason: String,
    approved: String,
    sections: Vec<SectionView>,
    c: Conclusion,
}

pub(crate) async fn detail(
    State(web): State<Web>,
    Path(id): Path<String>,
    Can(staff, _): Can<ReadAssessments>,
) -> Result<Response, Refusal> {
    let a = web.service.assessments().get(&id).await.or_refuse(&staff)?;
    let (about_kind, about) = web.service.assessments().about(&a).await.or_refuse(&staff)?;
    let q = questionnaire::questionnaire(&a.questionnaire, a.version)
        .ok_or_else(|| Refusal::failed(Page::staff(&staff, ""), &custos_service::ServiceError::NotFound { resource: "questionnaire" }))?;
    let status = AssessmentStatus::parse(&a.status).unwrap_or(AssessmentStatus::Draft);
    let can_write = staff.session.may(custos_service::permissions::Action::Write, custos_service::permissions::Resource::Assessments);
    let page = DetailPage {
        page: Page::staff(&staff, "/console/assessments"),
        assessment_id: a.assessment_id.to_string(),
        title: q.title.clone(),
        about_kind,
        about,
        status: status.label().to_owned(),
        editable: can_write && matches!(status, AssessmentStatus::Draft | AssessmentStatus::NeedsReview),
        can_write,
        can_approve: can_write && status == AssessmentStatus::Submitted && staff.session.roles.contains(&custos_core::Role::PrivacyOfficer),
        submitted: status == AssessmentStatus::Submitted,
        review_reason: a.review_reason.clone().unwrap_or_default(),
        approved: match (&a.approved_by, &a.approved_at) {
            (Some(by), Some(at)) => format!("Approved by {by} on {}", When::moment(at).text),
            _ => String::new(),
        },
        sections: sections(q, &a.answers),
        c: conclusion(&a),
    };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Deserialize)]
pub(crate) struct AnswerForm {
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

impl CsrfForm for AnswerForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The answers a whole form carries: every question of the questionnaire answered or cleared.
fn answers_of(q: &Questionnaire, fields: &HashMap<String, String>) -> Answers {
    let mut out = Answers::new();
    for question in q.questions() {
        let given = fields.get(&format!("a.{}", question.key)).map(|s| s.trim()).filter(|s| !s.is_empty());
        let v = match &question.kind {
            QuestionKind::YesNo => given.map(|s| Value::Bool(s == "yes")),
            QuestionKind::Choice { .. } => given.map(|s| Value::String(s.to_owned())),
            QuestionKind::Text { .. } => given.map(|s| Value::String(s.to_owned())),
            QuestionKind::Scale { .. } => given.and_then(|s| s.parse::<u64>().ok()).map(Value::from),
            QuestionKind::MultiChoice { options } => {
                let on: Vec<Value> = options
                    .iter()
                    .filter(|c| fields.contains_key(&format!("m.{}.{}", question.key, c.value)))
                    .map(|c| Value::String(c.value.clone()))
                    .collect();
                (!on.is_empty()).then_some(Value::Array(on))
            }
        };
        out.insert(question.key.clone(), v.unwrap_or(Value::Null));
    }
    out
}

/// Saves the form's answers; with `action=submit` also submits, with `action=approve`
/// approves (a privacy officer), with `action=reopen` sends it back to draft.
pub(crate) async fn save(
    State(web): State<Web>,
    Path(id): Path<String>,
    posted: Posted<WriteAssessments, AnswerForm>,
) -> Result<Response, Refusal> {
    let (staff, form) = (posted.staff, posted.form);
    let service = web.service.assessments();
    let who = staff.session.identity();
    let input = match form.action.as_str() {
        "approve" => AssessmentInput { status: Some("approved".into()), ..Default::default() },
        "reopen" => AssessmentInput { status: Some("draft".into()), ..Default::default() },
        action => {
            let a = service.get(&id).await.or_refuse(&staff)?;
            let q = questionnaire::questionnaire(&a.questionnaire, a.version).ok_or_else(|| {
                Refusal::failed(Page::staff(&staff, ""), &custos_service::ServiceError::NotFound { resource: "questionnaire" })
            })?;
            AssessmentInput {
                answers: Some(answers_of(q, &form.fields)),
                status: (action == "submit").then(|| "submitted".to_owned()),
                ..Default::default()
            }
        }
    };
    service.update_by(&id, input, &who).await.or_refuse(&staff)?;
    Ok(Redirect::to(&format!("/console/assessments/{id}")).into_response())
}

#[derive(Deserialize)]
pub(crate) struct ReportQuery {
    format: Option<String>,
}

/// The report in the console: the standalone page, or its PDF.
pub(crate) async fn report(
    State(web): State<Web>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ReportQuery>,
    Can(staff, _): Can<ReadAssessments>,
) -> Result<Response, Refusal> {
    let a = web.service.assessments().get(&id).await.or_refuse(&staff)?;
    let about = web.service.assessments().about(&a).await.or_refuse(&staff)?;
    crate::pdf::page_or_pdf(&staff, q.format.as_deref(), assessment_report_html(&a, about), &format!("assessment-{id}")).await
}
