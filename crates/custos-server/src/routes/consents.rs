use axum::{Json, Router, extract::State, http::StatusCode, routing::post};

use crate::{
    ApiError, AppState,
    dto::consents::{ConsentEventView, ConsentInput},
    extract::{ApiJson, Auth, ConsentsWrite, Gpc},
};

/// Records a consent event (scope `consents:write`). `Sec-GPC: 1` is stored with the event and
/// on the subject.
#[utoipa::path(post, path = "/v1/consents", tag = "consents", request_body = ConsentInput,
    responses((status = 201, body = ConsentEventView), (status = 400, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn record_consent(
    State(s): State<AppState>,
    Auth(_caller, _): Auth<ConsentsWrite>,
    Gpc(gpc): Gpc,
    ApiJson(input): ApiJson<ConsentInput>,
) -> Result<(StatusCode, Json<ConsentEventView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().consents().record(input.into(), gpc).await?.into())))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/consents", post(record_consent))
}
