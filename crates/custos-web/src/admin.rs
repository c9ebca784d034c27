//! Console administration (role `admin`): purposes and notice versions, API keys, the audit
//! ledger's latest checkpoint with a "verify now" button, and the registered models.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use custos_service::dto::{ApiKeyInput, ApiKeyView, NoticeInput, PurposeInput};
use custos_service::models::ModelView;
use serde::Deserialize;

use crate::{Web, error_page, html, message_page, role_refusal, same, session};

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    signed_in: Option<String>,
    csrf: String,
    notice: Option<String>,
    purposes: Vec<(String, String, String, String)>,
    keys: Vec<ApiKeyView>,
    new_key: Option<String>,
    checkpoint: String,
    verify: Option<String>,
    models: Vec<ModelView>,
}

/// What the page shows once after an action.
#[derive(Deserialize, Default)]
pub(crate) struct Shown {
    #[serde(default)]
    done: Option<String>,
}

async fn render(
    web: &Web,
    s: &custos_service::staff::StaffSession,
    notice: Option<String>,
    new_key: Option<String>,
    verify: Option<String>,
) -> Response {
    let service = &web.service;
    let (purposes, notices, keys, models) = match (
        service.purposes().all().await,
        service.purposes().notices(None).await,
        service.keys().all().await,
        service.models().all().await,
    ) {
        (Ok(p), Ok(n), Ok(k), Ok(m)) => (p, n, k, m),
        (Err(e), _, _, _) | (_, Err(e), _, _) | (_, _, Err(e), _) | (_, _, _, Err(e)) => return error_page(Some(s), &e),
    };
    let purposes = purposes
        .into_iter()
        .map(|p| {
            let versions: Vec<String> =
                notices.iter().filter(|n| n.purpose == p.key).map(|n| format!("{} ({})", n.version, n.language)).collect();
            (p.key, p.name, p.legal_basis, versions.join(", "))
        })
        .collect();
    let checkpoint = service.ledger().checkpoint().await.unwrap_or_else(|_| "no checkpoint yet".into());
    html(
        StatusCode::OK,
        AdminPage { signed_in: Some(s.email.clone()), csrf: s.csrf.clone(), notice, purposes, keys, new_key, checkpoint, verify, models }
            .render(),
    )
}

pub(crate) async fn page(State(web): State<Web>, headers: HeaderMap, Query(q): Query<Shown>) -> Response {
    let (s, _) = match session(&web, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(r) = role_refusal(&s, "admin") {
        return r;
    }
    render(&web, &s, q.done, None, None).await
}

/// Signs in, checks the role and the form's CSRF token.
async fn guard(web: &Web, headers: &HeaderMap, csrf: &str) -> Result<custos_service::staff::StaffSession, Response> {
    let (s, _) = session(web, headers).await?;
    if !same(&s.csrf, csrf) {
        return Err(message_page(
            Some(&s),
            StatusCode::FORBIDDEN,
            "This form is out of date or did not come from the console. Reload the page and try again.",
        ));
    }
    if let Some(r) = role_refusal(&s, "admin") {
        return Err(r);
    }
    Ok(s)
}

#[derive(Deserialize)]
pub(crate) struct PurposeForm {
    csrf: String,
    key: String,
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
}

pub(crate) async fn create_purpose(State(web): State<Web>, headers: HeaderMap, Form(f): Form<PurposeForm>) -> Response {
    let s = match guard(&web, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let input = PurposeInput {
        key: f.key.trim().to_owned(),
        name: f.name.trim().to_owned(),
        legal_basis: f.legal_basis,
        data_categories: f.data_categories.split(',').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect(),
        sale_or_share: f.sale_or_share.is_some(),
        profiling: f.profiling.is_some(),
        sensitive: false,
        pseudonymize: f.pseudonymize.is_some(),
        retention_days: f.retention_days,
    };
    match web.service.purposes().create(input).await {
        Ok(p) => Redirect::to(&format!("/console/admin?done=purpose+{}+created", p.key)).into_response(),
        Err(e) => error_page(Some(&s), &e),
    }
}

#[derive(Deserialize)]
pub(crate) struct NoticeForm {
    csrf: String,
    purpose: String,
    version: String,
    text: String,
}

pub(crate) async fn create_notice(State(web): State<Web>, headers: HeaderMap, Form(f): Form<NoticeForm>) -> Response {
    let s = match guard(&web, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let input =
        NoticeInput { purpose: f.purpose, version: f.version.trim().to_owned(), language: "en".into(), text: f.text.trim().to_owned() };
    match web.service.purposes().create_notice(input).await {
        Ok(n) => Redirect::to(&format!("/console/admin?done=notice+{}+{}+published", n.purpose, n.version)).into_response(),
        Err(e) => error_page(Some(&s), &e),
    }
}

#[derive(Deserialize)]
pub(crate) struct KeyForm {
    csrf: String,
    scopes: String,
    #[serde(default)]
    label: String,
}

pub(crate) async fn create_key(State(web): State<Web>, headers: HeaderMap, Form(f): Form<KeyForm>) -> Response {
    let s = match guard(&web, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let scopes = f.scopes.split(',').map(|x| x.trim().to_owned()).filter(|x| !x.is_empty()).collect();
    match web.service.keys().create(ApiKeyInput { scopes, label: f.label }, custos_service::KeyIssuer::Staff).await {
        // The secret is shown once, on this response only (never in a URL or a log).
        Ok(k) => render(&web, &s, Some(format!("Key {} created.", k.key_id)), k.key, None).await,
        Err(e) => error_page(Some(&s), &e),
    }
}

#[derive(Deserialize)]
pub(crate) struct CsrfOnly {
    csrf: String,
}

pub(crate) async fn revoke_key(State(web): State<Web>, headers: HeaderMap, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    let s = match guard(&web, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match web.service.keys().revoke(&id).await {
        Ok(k) => Redirect::to(&format!("/console/admin?done=key+{}+revoked", k.key_id)).into_response(),
        Err(e) => error_page(Some(&s), &e),
    }
}

pub(crate) async fn verify_ledger(State(web): State<Web>, headers: HeaderMap, Form(f): Form<CsrfOnly>) -> Response {
    let s = match guard(&web, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let result = match web.service.ledger().verify(|_, _| {}).await {
        Ok(r) => match &r.divergence {
            None => format!(
                "Verified: {} leaves, {} checkpoints and {} stored nodes agree with the signed tree (signed size {}).",
                r.leaves, r.checkpoints, r.nodes, r.signed_size
            ),
            Some(d) => format!("VERIFICATION FAILED: {d}"),
        },
        Err(e) => format!("Verification could not run: {e}"),
    };
    render(&web, &s, None, None, Some(result)).await
}
