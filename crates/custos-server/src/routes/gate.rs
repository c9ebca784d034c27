use axum::{Json, Router, extract::State, routing::post};

use crate::{
    ApiError, AppState,
    dto::gate::{GateCheckInput, GateCheckView},
    extract::{ApiJson, Auth, ChecksWrite, Gpc},
};

/// Asks whether a purpose may use a subject's data (scope `checks:write`). A deny is a 200 answer with
/// reasons; `Sec-GPC: 1` opts the subject out of sale/sharing for this check.
#[utoipa::path(post, path = "/v1/gate/check", tag = "gate", request_body = GateCheckInput,
    responses((status = 200, body = GateCheckView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn gate_check(
    State(s): State<AppState>,
    Auth(p, _): Auth<ChecksWrite>,
    Gpc(gpc): Gpc,
    ApiJson(input): ApiJson<GateCheckInput>,
) -> Result<Json<GateCheckView>, ApiError> {
    if input.recipient.as_ref().is_some_and(|r| r.vendor_id.is_none() && r.tcf_vendor_id.is_none()) {
        return Err(crate::ApiError::invalid(Some("recipient".into()), "name a `vendor_id`, a `tcf_vendor_id` or both"));
    }
    let view = s.service().gate().check(input.into(), gpc, Some(p.key_id)).await?;
    let reasons: Vec<&str> = view.reasons.iter().map(|r| r.code.as_str()).collect();
    s.metrics.gate_check(view.decision.as_str(), &reasons);
    Ok(Json(view.into()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/gate/check", post(gate_check))
}
