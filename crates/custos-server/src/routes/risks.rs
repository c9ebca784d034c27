use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::get,
};
use serde::Deserialize;

use crate::{
    ApiError, AppState,
    dto::risks::{RiskInput, RiskView},
    extract::{ApiJson, ApiQuery, Auth, RisksRead, RisksWrite},
};

/// Records a risk, or raises one from an alert with `alert_id` (scope `risks:write`; a ledger
/// event).
#[utoipa::path(post, path = "/v1/risks", tag = "risks", request_body = RiskInput,
    responses((status = 201, body = RiskView), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn create_risk(
    State(s): State<AppState>,
    Auth(p, _): Auth<RisksWrite>,
    ApiJson(mut input): ApiJson<RiskInput>,
) -> Result<(StatusCode, Json<RiskView>), ApiError> {
    let risks = s.service().risks();
    let view = match (input.alert_id.take(), input.incident_id.take()) {
        (Some(_), Some(_)) => {
            return Err(custos_service::ServiceError::from(custos_core::ValidationError::new(
                "incident_id",
                "raise a risk from an alert or from an incident, not both",
            ))
            .into());
        }
        (Some(alert), None) => risks.raise_from_alert(&alert, input.into(), &(&p).into()).await?,
        (None, Some(incident)) => risks.raise_from_incident(&incident, input.into(), &(&p).into()).await?,
        (None, None) => risks.create(input.into(), &(&p).into()).await?,
    };
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// Risk filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct RiskListQuery {
    /// Only this AI system's risks.
    ai_system_id: Option<String>,
    /// Only risks in this status.
    #[param(schema_with = crate::dto::optional_words::<custos_service::risks::RiskStatus>)]
    status: Option<String>,
    /// Only risks not closed whose review date has passed.
    overdue: Option<bool>,
}

/// The risk register, highest inherent score first (scope `risks:read`).
#[utoipa::path(get, path = "/v1/risks", tag = "risks", params(RiskListQuery),
    responses((status = 200, body = Vec<RiskView>), (status = 400, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn list_risks(
    State(s): State<AppState>,
    _auth: Auth<RisksRead>,
    ApiQuery(q): ApiQuery<RiskListQuery>,
) -> Result<Json<Vec<RiskView>>, ApiError> {
    let overdue = q.overdue.unwrap_or(false).then(custos_core::now);
    let risks = s.service().risks().list(q.ai_system_id.as_deref(), q.status.as_deref(), overdue).await?;
    Ok(Json(risks.into_iter().map(Into::into).collect()))
}

/// One risk (scope `risks:read`).
#[utoipa::path(get, path = "/v1/risks/{risk_id}", tag = "risks", params(("risk_id" = String, Path)),
    responses((status = 200, body = RiskView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn get_risk(
    State(s): State<AppState>,
    _auth: Auth<RisksRead>,
    Path(id): Path<String>,
) -> Result<Json<RiskView>, ApiError> {
    Ok(Json(s.service().risks().get(&id).await?.into()))
}

/// Changes the fields given: scores, mitigations, owner, status, review date (scope
/// `risks:write`; a ledger event naming what changed).
#[utoipa::path(patch, path = "/v1/risks/{risk_id}", tag = "risks", params(("risk_id" = String, Path)), request_body = RiskInput,
    responses((status = 200, body = RiskView), (status = 400, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)),
    security(("bearer" = [])))]
pub(crate) async fn patch_risk(
    State(s): State<AppState>,
    _auth: Auth<RisksWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RiskInput>,
) -> Result<Json<RiskView>, ApiError> {
    for (field, given) in [("alert_id", input.alert_id.is_some()), ("incident_id", input.incident_id.is_some())] {
        if given {
            let e = custos_core::ValidationError::new(field, "a risk is raised from its source when it is recorded");
            return Err(custos_service::ServiceError::from(e).into());
        }
    }
    Ok(Json(s.service().risks().update(&id, input.into()).await?.into()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/risks", get(list_risks).post(create_risk)).route("/v1/risks/{risk_id}", get(get_risk).patch(patch_risk))
}
