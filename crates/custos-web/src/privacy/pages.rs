//! The signed-in customer's pages: consents, data (and its download), requests (with
//! corrections) and decisions (with the contest form). Every page shows what the service's
//! privacy-center view models say; nothing is computed here.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use custos_core::{ConsentStatus, DsrType, ObjectionScope};
use custos_service::dsrs::DsrInput;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Center, Customer, CustomerPost, Frame, Stop, message};
use crate::{format::When, layout::html, session::CsrfForm};

/// What the page says once after an action.
#[derive(Deserialize)]
pub(crate) struct Done {
    #[serde(default)]
    done: Option<String>,
}

/// One purpose on the consents page.
struct PurposeRow {
    key: String,
    anchor: String,
    name: String,
    notice: String,
    version: String,
    status: String,
    /// The button withdraws (else it allows).
    granted: bool,
}

#[derive(Template)]
#[template(path = "privacy_consents.html")]
struct ConsentsPage {
    frame: Frame,
    gpc: bool,
    purposes: Vec<PurposeRow>,
}

pub(crate) async fn consents(State(c): State<Center>, customer: Customer, Query(q): Query<Done>) -> Result<Response, Stop> {
    let t = customer.t;
    let purposes = c.service.privacy().consents(&customer.session, t.lang, customer.gpc).await.map_err(|e| customer.failed(&e))?;
    let rows = purposes
        .into_iter()
        .map(|p| PurposeRow {
            anchor: p.purpose.as_str().replace('.', "-"),
            // Under Global Privacy Control a sale or sharing purpose is never shown as allowed
            // unless the customer allowed it over the signal.
            granted: p.status == Some(ConsentStatus::Granted) && !p.gpc_blocks,
            status: if p.gpc_blocks {
                t.gpc_status.to_owned()
            } else if p.overrides_gpc {
                t.gpc_allowed_anyway.to_owned()
            } else {
                p.status.map_or(t.not_asked, |s| status_word(t, s)).to_owned()
            },
            notice: p.notice_text,
            version: p.notice_version,
            key: p.purpose.to_string(),
            name: p.name,
        })
        .collect();
    let notice = q.done.map(|d| if d == ConsentStatus::Granted.as_str() { t.consent_recorded } else { t.consent_withdrawn }.to_owned());
    Ok(html(StatusCode::OK, ConsentsPage { frame: customer.frame(notice), gpc: customer.gpc, purposes: rows }.render()))
}

/// A consent's state in the customer's words.
fn status_word(t: &crate::text::Text, s: ConsentStatus) -> &'static str {
    match s {
        ConsentStatus::Granted => t.status_granted,
        ConsentStatus::Withdrawn => t.status_withdrawn,
        ConsentStatus::Denied => t.status_denied,
    }
}

#[derive(Deserialize)]
pub(crate) struct ConsentForm {
    csrf: String,
    purpose: String,
    status: String,
    /// `1` once the customer confirmed allowing a purpose their GPC signal opts them out of.
    #[serde(default)]
    confirm_gpc: Option<String>,
}

/// The question asked before a customer allows a purpose their Global Privacy Control signal
/// opts them out of (CCPA regulations § 7025(c)(3)).
#[derive(Template)]
#[template(path = "privacy_gpc_conflict.html")]
struct GpcConflictPage {
    frame: Frame,
    key: String,
    anchor: String,
    name: String,
}

impl CsrfForm for ConsentForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn set_consent(State(c): State<Center>, posted: CustomerPost<ConsentForm>) -> Result<Response, Stop> {
    let (customer, form) = (posted.customer, posted.form);
    let t = customer.t;
    let Ok(status) = ConsentStatus::parse(&form.status) else {
        return Err(Stop(message(
            customer.frame(None),
            StatusCode::BAD_REQUEST,
            t.failed_title,
            t.stale_form,
            vec![("/privacy", t.back_to_consents)],
        )));
    };
    let confirmed = form.confirm_gpc.as_deref() == Some("1");
    if status == ConsentStatus::Granted && !confirmed {
        let shown = c.service.privacy().consents(&customer.session, t.lang, customer.gpc).await.map_err(|e| customer.failed(&e))?;
        if let Some(p) = shown.into_iter().find(|p| p.purpose.as_str() == form.purpose && p.gpc_blocks) {
            let page = GpcConflictPage {
                frame: customer.frame(None),
                anchor: p.purpose.as_str().replace('.', "-"),
                key: p.purpose.to_string(),
                name: p.name,
            };
            return Ok(html(StatusCode::OK, page.render()));
        }
    }
    c.service
        .privacy()
        .set_consent(&customer.session, &form.purpose, status, t.lang, customer.gpc, confirmed)
        .await
        .map_err(|e| customer.failed(&e))?;
    Ok(Redirect::to(&format!("/privacy?done={}", status.as_str())).into_response())
}

#[derive(Template)]
#[template(path = "privacy_data.html")]
struct DataPage {
    frame: Frame,
    data: Vec<(String, String)>,
}

/// A stored value as text.
fn shown(v: &Value) -> String {
    v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())
}

pub(crate) async fn data(State(c): State<Center>, customer: Customer) -> Result<Response, Stop> {
    let t = customer.t;
    let subject = c.service.privacy().data(&customer.session).await.map_err(|e| customer.failed(&e))?;
    let data = subject.data.unwrap_or_default().iter().map(|(k, v)| (t.category(k.as_str()), shown(v))).collect();
    Ok(html(StatusCode::OK, DataPage { frame: customer.frame(None), data }.render()))
}

pub(crate) async fn data_json(State(c): State<Center>, customer: Customer) -> Result<Response, Stop> {
    let privacy = c.service.privacy();
    let subject = privacy.data(&customer.session).await.map_err(|e| customer.failed(&e))?;
    let sid = customer.session.subject_id.to_string();
    let consents = c.service.consents().of_subject(&sid).await.map_err(|e| customer.failed(&e))?;
    let decisions =
        privacy.decisions(&customer.session, Some(customer.t.lang), &customer.t.phrases()).await.map_err(|e| customer.failed(&e))?;
    let (requests, _) = privacy.requests(&customer.session).await.map_err(|e| customer.failed(&e))?;
    let checks = c.service.gate().checks_of_subject(&sid, 10_000).await.map_err(|e| customer.failed(&e))?;
    let ts = custos_core::format_timestamp;
    let doc = json!({
        "format": "custos subject export v2",
        "subject": {
            "subject_id": subject.subject_id.to_string(),
            "external_id": subject.external_id,
            "jurisdiction": subject.jurisdiction.to_string(),
            "created_at": ts(&subject.created_at),
            "gpc": subject.gpc,
            "restricted": subject.restricted,
            "opted_out_of_sale_or_share": subject.opted_out_of_sale_or_share,
            "objections": subject.objections,
            "data": subject.data.unwrap_or_default().into_iter().map(|(k, v)| (k.to_string(), v)).collect::<BTreeMap<_, _>>(),
        },
        "consents": consents.history.iter().map(|e| json!({
            "purpose": e.purpose.as_str(),
            "status": e.status.as_str(),
            "notice_version": e.notice_version,
            "notice_language": e.notice_language,
            "method": e.method.as_str(),
            "captured_at": ts(&e.captured_at),
        })).collect::<Vec<_>>(),
        "decisions": decisions.iter().map(|d| json!({
            "decision_id": d.decision.decision_id.to_string(),
            "purpose": d.decision.purpose.as_str(),
            "purpose_name": d.purpose_name,
            "model": d.decision.model,
            "model_version": d.decision.model_version,
            "outcome": d.decision.outcome,
            "score": d.decision.score,
            "features": d.decision.features,
            "status": d.decision.status.as_str(),
            "decided_by": d.decision.decided_by.as_str(),
            "supersedes": d.decision.supersedes.map(|x| x.to_string()),
            "created_at": ts(&d.decision.created_at),
            "reasons": d.reasons.as_ref().map(|r| r.text.clone()),
            "what_would_have_changed_it": d.counterfactual,
            "review": d.review.as_ref().map(|r| json!({
                "status": r.status.as_str(),
                "due_at": ts(&r.due_at),
                "resolved_at": r.resolved_at.as_ref().map(ts),
                "action": r.action.map(|a| a.as_str()),
                "outcome": r.outcome,
                "reason_code": r.reason_code,
            })),
        })).collect::<Vec<_>>(),
        "requests": requests.iter().map(|r| json!({
            "dsr_id": r.dsr_id.to_string(),
            "type": r.dsr_type.as_str(),
            "status": r.status.as_str(),
            "received_at": ts(&r.received_at),
            "due_at": ts(&r.due_at),
            "closed_at": r.closed_at.as_ref().map(ts),
            "rejection_reason": r.rejection_reason,
        })).collect::<Vec<_>>(),
        "gate_checks": checks.iter().map(|g| json!({
            "check_id": g.check_id.to_string(),
            "purpose": g.purpose,
            "decision": g.decision.as_str(),
            "reasons": g.reasons.iter().map(|x| x.code.as_str()).collect::<Vec<_>>(),
            "released": g.released.iter().map(|x| x.as_str()).collect::<Vec<_>>(),
            "checked_at": ts(&g.checked_at),
        })).collect::<Vec<_>>(),
    });
    // A JSON value always prints; `{:#}` is its pretty form.
    let body = format!("{doc:#}");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"my-data.json\"")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "privacy_requests.html")]
struct RequestsPage {
    frame: Frame,
    requests: Vec<(String, &'static str, When)>,
    /// (data category, its name) of the data held, for corrections.
    categories: Vec<(String, String)>,
    /// (value, words) of the requests a customer can make here.
    kinds: Vec<(&'static str, &'static str)>,
}

fn describe(t: &crate::text::Text, kind: DsrType) -> &'static str {
    match kind {
        DsrType::Access => t.kind_access,
        DsrType::Portability => t.kind_portability,
        DsrType::Erasure => t.kind_erasure,
        DsrType::OptOutOfSaleOrShare => t.kind_opt_out,
        DsrType::Objection => t.kind_objection,
        DsrType::Rectification => t.kind_rectification,
        DsrType::Contest => t.kind_contest,
        DsrType::Restriction => t.kind_restriction,
    }
}

pub(crate) async fn requests(State(c): State<Center>, customer: Customer, Query(q): Query<Done>) -> Result<Response, Stop> {
    let t = customer.t;
    let (list, categories) = c.service.privacy().requests(&customer.session).await.map_err(|e| customer.failed(&e))?;
    let requests =
        list.into_iter().map(|r| (describe(t, r.dsr_type).to_owned(), t.request_state(r.status), When::date_in(t, &r.due_at))).collect();
    let categories = categories.into_iter().map(|k| (k.to_string(), t.category(k.as_str()))).collect();
    let kinds = [DsrType::Access, DsrType::Portability, DsrType::Erasure, DsrType::OptOutOfSaleOrShare, DsrType::Objection]
        .into_iter()
        .map(|k| (k.as_str(), describe(t, k)))
        .collect();
    let notice = q.done.map(|_| t.request_recorded.to_owned());
    Ok(html(StatusCode::OK, RequestsPage { frame: customer.frame(notice), requests, categories, kinds }.render()))
}

/// Files a request for the customer, then shows the request list.
async fn file(c: &Center, customer: &Customer, input: DsrInput) -> Result<Response, Stop> {
    c.service.privacy().file_request(&customer.session, input).await.map_err(|e| customer.failed(&e))?;
    Ok(Redirect::to("/privacy/requests?done=1").into_response())
}

#[derive(Deserialize)]
pub(crate) struct RequestForm {
    csrf: String,
    kind: String,
}

impl CsrfForm for RequestForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn make_request(State(c): State<Center>, posted: CustomerPost<RequestForm>) -> Result<Response, Stop> {
    let (customer, form) = (posted.customer, posted.form);
    let kind = DsrType::parse(&form.kind).map_err(|e| customer.failed(&e.into()))?;
    let mut input = DsrInput::new("", kind);
    if kind == DsrType::Objection {
        input.objection = Some(ObjectionScope::Profiling);
    }
    file(&c, &customer, input).await
}

#[derive(Deserialize)]
pub(crate) struct RectifyForm {
    csrf: String,
    category: String,
    value: String,
}

impl CsrfForm for RectifyForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Asks for a correction (GDPR Art. 16): a rectification request carrying the new value, which
/// completing the request writes.
pub(crate) async fn rectify(State(c): State<Center>, posted: CustomerPost<RectifyForm>) -> Result<Response, Stop> {
    let (customer, form) = (posted.customer, posted.form);
    let mut input = DsrInput::new("", DsrType::Rectification);
    input.data = Some(BTreeMap::from([(form.category, Value::String(form.value.trim().to_owned()))]));
    file(&c, &customer, input).await
}

#[derive(Deserialize)]
pub(crate) struct ContestForm {
    csrf: String,
    decision_id: String,
    statement: String,
}

impl CsrfForm for ContestForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// "Contest this decision": a request for human review (GDPR Art. 22(3)) naming the decision and
/// carrying the customer's statement; it appears in the console's request queue.
pub(crate) async fn contest(State(c): State<Center>, posted: CustomerPost<ContestForm>) -> Result<Response, Stop> {
    let (customer, form) = (posted.customer, posted.form);
    let mut input = DsrInput::new("", DsrType::Contest);
    input.statement = Some(form.statement.trim().to_owned()).filter(|t| !t.is_empty());
    input.decision_id = Some(form.decision_id);
    file(&c, &customer, input).await
}

/// One decision on the decisions page.
struct DecisionRow {
    id: String,
    when: When,
    purpose: String,
    model: String,
    outcome: String,
    reasons: Option<String>,
    hints: Vec<String>,
    /// Where a person's review stands, in plain words (none: never reviewed).
    review: Option<String>,
    /// Whether the customer may contest it now (it stands, and no review is open).
    can_contest: bool,
    /// Whether a reviewer made it in place of the model.
    by_person: bool,
    /// What would have changed the outcome.
    counterfactual: Option<String>,
}

/// The customer's words for the latest review of a decision (`outcome`: the label of the
/// outcome a reviewer put in place, when the model's dictionary has one).
fn review_text(t: &crate::text::Text, r: &custos_service::reviews::ReviewRecord, outcome: Option<&str>) -> String {
    use custos_core::{ReviewAction, ReviewStatus, ReviewTrigger};
    let by = t.date(&r.due_at);
    match r.status {
        ReviewStatus::Resolved => {
            let on = r.resolved_at.as_ref().map(|at| t.date(at)).unwrap_or_default();
            let what = match (r.action, &r.outcome) {
                (Some(ReviewAction::Override), Some(o)) => {
                    format!("{} “{}”.", t.review_changed, outcome.map_or_else(|| o.replace('_', " "), str::to_owned))
                }
                _ => t.review_kept.to_owned(),
            };
            let why = r.reason_code.as_deref().map(|c| format!(" {} {}.", t.review_reason, c.replace('_', " "))).unwrap_or_default();
            format!("{} {on}. {what}{why}", t.review_done_on)
        }
        _ if r.reasons.iter().any(|x| x.code == ReviewTrigger::Contest) => {
            format!("{} {}; {} {by}.", t.review_asked_on, t.date(&r.created_at), t.review_answer_by)
        }
        _ => format!("{} {by}.", t.review_pending),
    }
}

#[derive(Template)]
#[template(path = "privacy_decisions.html")]
struct DecisionsPage {
    frame: Frame,
    decisions: Vec<DecisionRow>,
}

pub(crate) async fn decisions(State(c): State<Center>, customer: Customer) -> Result<Response, Stop> {
    let t = customer.t;
    let list = c.service.privacy().decisions(&customer.session, Some(t.lang), &t.phrases()).await.map_err(|e| customer.failed(&e))?;
    let rows = list
        .into_iter()
        .map(|d| DecisionRow {
            id: d.decision.decision_id.to_string(),
            when: When::date_in(t, &d.decision.created_at),
            purpose: d.purpose_name,
            model: format!("{} {}", d.decision.model, d.decision.model_version),
            outcome: d.outcome_label.unwrap_or_else(|| d.decision.outcome.replace('_', " ")),
            hints: d.reasons.as_ref().map(|r| r.hints.clone()).unwrap_or_default(),
            reasons: d.reasons.map(|r| r.text),
            can_contest: d.decision.status == custos_core::DecisionStatus::Final
                && d.review.as_ref().is_none_or(|r| r.status == custos_core::ReviewStatus::Resolved),
            by_person: d.decision.decided_by == custos_core::DecidedBy::Human,
            counterfactual: d.counterfactual.clone(),
            review: d.review.as_ref().map(|r| review_text(t, r, d.review_outcome_label.as_deref())),
        })
        .collect();
    Ok(html(StatusCode::OK, DecisionsPage { frame: customer.frame(None), decisions: rows }.render()))
}
