use axum::{Json, Router, extract::State, routing::post};
use custos_service::dto::{GateCheckInput, GateCheckView};

use crate::{
    ApiError, AppState,
    extract::{ApiJson, Auth, Gate, Gpc},
};

/// Asks whether a purpose may use a subject's data (scope `gate`). A deny is a 200 answer with
/// reasons; `Sec-GPC: 1` opts the subject out of sale/sharing for this check.
#[utoipa::path(post, path = "/v1/gate/check", tag = "gate", request_body = GateCheckInput,
    responses((status = 200, body = GateCheckView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn gate_check(
    State(s): State<AppState>,
    Auth(p, _): Auth<Gate>,
    Gpc(gpc): Gpc,
    ApiJson(input): ApiJson<GateCheckInput>,
) -> Result<Json<GateCheckView>, ApiError> {
    Ok(Json(s.service().gate().check(input, gpc, Some(p.key_id)).await?))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/gate/check", post(gate_check))
}
