//! Console administration: purposes and notice versions, API keys, the audit ledger's latest
//! checkpoint with a "verify now" button, and the registered models. Each section shows to
//! whoever may read it; its forms only to whoever may change it.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use custos_core::LegalBasis;
use custos_service::{
    KeyIssuer, Scope,
    keys::{ApiKeyInput, ApiKeyView},
    permissions::{Action, Resource},
    purposes::{NoticeInput, PurposeInput},
};
use serde::Deserialize;

use crate::{
    Web,
    format::{When, label},
    layout::{OrRefuse, Page, Refusal, html},
    session::{CsrfForm, CsrfOnly, Posted, ReadLedger, SignedInStaff, WriteKeys, WritePurposes},
};

/// One API key in the table.
struct KeyRow {
    id: String,
    scopes: String,
    label: String,
    revoked: Option<When>,
}

fn key_row(k: &ApiKeyView) -> KeyRow {
    KeyRow {
        id: k.key_id.to_string(),
        scopes: k.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
        label: k.label.clone(),
        revoked: k.revoked_at.as_ref().map(When::date),
    }
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    page: Page,
    /// (what the section shows, whether its forms show).
    purposes_section: Option<bool>,
    keys_section: Option<bool>,
    ledger_section: bool,
    models_section: bool,
    bases: Vec<(&'static str, &'static str)>,
    purposes: Vec<(String, String, &'static str, String)>,
    keys: Vec<KeyRow>,
    scopes: Vec<(&'static str, &'static str)>,
    new_key: Option<String>,
    checkpoint: String,
    verify: Option<String>,
    models: Vec<(String, String, String, String, String, When)>,
}

/// What the page shows once after an action.
#[derive(Deserialize, Default)]
pub(crate) struct Shown {
    #[serde(default)]
    done: Option<String>,
}

/// The administration page for `staff`, with a notice, a new key shown once, or a
/// verification result.
async fn render(
    web: &Web,
    staff: &SignedInStaff,
    notice: Option<String>,
    new_key: Option<String>,
    verify: Option<String>,
) -> Result<Response, Refusal> {
    let s = &staff.session;
    let section = |r: Resource| s.may(Action::Read, r).then(|| s.may(Action::Write, r));
    let (purposes_section, keys_section) = (section(Resource::Purposes), section(Resource::Keys));
    let (ledger_section, models_section) = (s.may(Action::Read, Resource::Ledger), s.may(Action::Read, Resource::Models));
    if purposes_section.is_none() && keys_section.is_none() && !ledger_section && !models_section {
        return Err(Refusal::not_allowed(Page::staff(staff, "/console/admin"), Resource::Purposes));
    }
    let service = &web.service;
    let purposes = if purposes_section.is_some() {
        let notices = service.purposes().notices(None).await.or_refuse(staff)?;
        service
            .purposes()
            .all()
            .await
            .or_refuse(staff)?
            .into_iter()
            .map(|v| {
                let p = v.purpose;
                let versions: Vec<String> = notices
                    .iter()
                    .map(|n| &n.notice)
                    .filter(|n| n.purpose == p.purpose)
                    .map(|n| format!("{} ({})", n.version, n.notice_language))
                    .collect();
                (p.purpose.to_string(), p.name, label(p.legal_basis), versions.join(", "))
            })
            .collect()
    } else {
        Vec::new()
    };
    let keys = if keys_section.is_some() { service.keys().all().await.or_refuse(staff)?.iter().map(key_row).collect() } else { Vec::new() };
    let checkpoint = if ledger_section {
        match service.ledger().checkpoint().await {
            Ok(c) => c,
            Err(custos_service::ServiceError::NotFound { .. }) => "No checkpoint yet: the ledger has no leaves.".to_owned(),
            Err(e) => return Err(Refusal::failed(Page::staff(staff, "/console/admin"), &e)),
        }
    } else {
        String::new()
    };
    let models = if models_section {
        service
            .models()
            .all()
            .await
            .or_refuse(staff)?
            .into_iter()
            .map(|m| {
                (
                    m.name,
                    m.version,
                    format!("{} ({} trees)", m.library, m.trees),
                    m.owner,
                    m.purpose.unwrap_or_default(),
                    When::date(&m.created_at),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = AdminPage {
        page: Page::staff(staff, "/console/admin").with_notice(notice),
        purposes_section,
        keys_section,
        ledger_section,
        models_section,
        bases: LegalBasis::ALL.iter().map(|b| (b.as_str(), b.label())).collect(),
        purposes,
        keys,
        scopes: Scope::ALL.iter().filter(|s| **s != Scope::All).map(|s| (s.as_str(), s.label())).collect(),
        new_key,
        checkpoint,
        verify,
        models,
    };
    Ok(html(StatusCode::OK, page.render()))
}

pub(crate) async fn page(State(web): State<Web>, staff: SignedInStaff, Query(q): Query<Shown>) -> Result<Response, Refusal> {
    render(&web, &staff, q.done, None, None).await
}

#[derive(Deserialize)]
pub(crate) struct PurposeForm {
    csrf: String,
    purpose: String,
    name: String,
    legal_basis: String,
    data_categories: String,
    retention_days: u32,
    #[serde(default)]
    profiling: Option<String>,
    #[serde(default)]
    sale_or_share: Option<String>,
    #[serde(default)]
    pseudonymize: Option<String>,
    #[serde(default)]
    significant_effect: Option<String>,
}

impl CsrfForm for PurposeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn create_purpose(State(web): State<Web>, posted: Posted<WritePurposes, PurposeForm>) -> Result<Response, Refusal> {
    let (staff, f) = (posted.staff, posted.form);
    let legal_basis = LegalBasis::parse(&f.legal_basis).map_err(custos_service::ServiceError::from).or_refuse(&staff)?;
    let input = PurposeInput {
        purpose: f.purpose.trim().to_owned(),
        name: f.name.trim().to_owned(),
        legal_basis,
        data_categories: f.data_categories.split(',').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect(),
        sale_or_share: f.sale_or_share.is_some(),
        profiling: f.profiling.is_some(),
        sensitive: false,
        pseudonymize: f.pseudonymize.is_some(),
        significant_effect: f.significant_effect.is_some(),
        retention_days: f.retention_days,
    };
    let p = web.service.purposes().create(input).await.or_refuse(&staff)?;
    Ok(Redirect::to(&format!("/console/admin?done=purpose+{}+created", p.purpose.purpose)).into_response())
}

#[derive(Deserialize)]
pub(crate) struct NoticeForm {
    csrf: String,
    purpose: String,
    version: String,
    #[serde(default = "english")]
    notice_language: String,
    text: String,
}

fn english() -> String {
    "en".to_owned()
}

impl CsrfForm for NoticeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn create_notice(State(web): State<Web>, posted: Posted<WritePurposes, NoticeForm>) -> Result<Response, Refusal> {
    let (staff, f) = (posted.staff, posted.form);
    let input = NoticeInput {
        purpose: f.purpose,
        version: f.version.trim().to_owned(),
        notice_language: f.notice_language.trim().to_owned(),
        text: f.text.trim().to_owned(),
    };
    let n = web.service.purposes().create_notice(input).await.or_refuse(&staff)?.notice;
    Ok(Redirect::to(&format!("/console/admin?done=notice+{}+{}+published", n.purpose, n.version)).into_response())
}

#[derive(Deserialize)]
pub(crate) struct KeyForm {
    csrf: String,
    scopes: String,
    #[serde(default)]
    label: String,
}

impl CsrfForm for KeyForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn create_key(State(web): State<Web>, posted: Posted<WriteKeys, KeyForm>) -> Result<Response, Refusal> {
    let (staff, f) = (posted.staff, posted.form);
    let mut scopes = Vec::new();
    for name in f.scopes.split(',').map(str::trim).filter(|x| !x.is_empty()) {
        scopes.extend(Scope::expand(name).map_err(custos_service::ServiceError::from).or_refuse(&staff)?);
    }
    let key = web
        .service
        .keys()
        .create(ApiKeyInput { scopes, label: f.label, ..Default::default() }, KeyIssuer::Staff)
        .await
        .or_refuse(&staff)?;
    // The secret is shown once, on this response only (never in a URL or a log).
    let secret = key.key.as_ref().map(|t| t.expose().to_owned());
    render(&web, &staff, Some(format!("Key {} created.", key.key_id)), secret, None).await
}

pub(crate) async fn revoke_key(
    State(web): State<Web>,
    Path(id): Path<String>,
    posted: Posted<WriteKeys, CsrfOnly>,
) -> Result<Response, Refusal> {
    let staff = posted.staff;
    let k = web.service.keys().revoke(&id).await.or_refuse(&staff)?;
    Ok(Redirect::to(&format!("/console/admin?done=key+{}+revoked", k.key_id)).into_response())
}

pub(crate) async fn verify_ledger(State(web): State<Web>, posted: Posted<ReadLedger, CsrfOnly>) -> Result<Response, Refusal> {
    let staff = posted.staff;
    let result = match web.service.ledger().verify(|_, _| {}).await {
        Ok(r) => match &r.divergence {
            None => format!(
                "Verified: {} leaves, {} checkpoints and {} stored nodes agree with the signed tree (signed size {}).",
                r.leaves, r.checkpoints, r.nodes, r.signed_size
            ),
            Some(d) => format!("VERIFICATION FAILED: {d}"),
        },
        Err(e) => format!("Verification could not run: {}", crate::format::problem(&e)),
    };
    render(&web, &staff, None, None, Some(result)).await
}
