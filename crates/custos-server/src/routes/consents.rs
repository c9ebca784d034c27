use axum::{Json, Router, extract::State, http::StatusCode, routing::post};

use crate::{
    ApiError, AppState,
    dto::consents::{ConsentEventView, ConsentInput, SignalInput, SignalView},
    extract::{ApiJson, Auth, ConsentsWrite, Gpc, SignalsWrite},
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

/// Records a consent signal (scope `signals:write`): a TC string and/or a GPP string, decoded
/// strictly (a string that breaks a rule is a 422 naming the field and the rule, and nothing
/// is recorded), stored sealed as proof, and turned into consent events per purpose (TCF
/// purposes through fideslang data uses), objections for purposes under legitimate interest,
/// and opt-outs (GPP sale, sharing, targeted advertising and sensitive data; GPC; US Privacy).
/// Only what changes the subject's state is written.
#[utoipa::path(post, path = "/v1/consents/signals", tag = "consents", request_body = SignalInput,
    responses((status = 201, body = SignalView), (status = 400, body = ApiError), (status = 422, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn record_signal(
    State(s): State<AppState>,
    Auth(caller, _): Auth<SignalsWrite>,
    ApiJson(input): ApiJson<SignalInput>,
) -> Result<(StatusCode, Json<SignalView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().signals().record(input.into(), Some(caller.key_id)).await?.into())))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/consents", post(record_consent)).route(
        "/v1/consents/signals",
        post(record_signal).layer(axum::extract::DefaultBodyLimit::max(2 * custos_service::signals::MAX_SIGNAL_CHARS + 4096)),
    )
}
