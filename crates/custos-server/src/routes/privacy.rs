use axum::{Json, Router, extract::State, http::StatusCode, routing::post};

use crate::{
    ApiError, AppState,
    dto::privacy::{PrivacyLinkInput, PrivacyLinkView},
    extract::{ApiJson, Auth, SubjectsWrite},
};

/// Mints a single-use privacy-center sign-in link for a subject (scope `subjects:write`): the
/// business's site hands it to the signed-in customer. Valid 15 minutes.
#[utoipa::path(post, path = "/v1/privacy-center/links", tag = "privacy-center", request_body = PrivacyLinkInput,
    responses((status = 201, body = PrivacyLinkView), (status = 400, body = ApiError), (status = 404, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn create_privacy_link(
    State(s): State<AppState>,
    _auth: Auth<SubjectsWrite>,
    ApiJson(input): ApiJson<PrivacyLinkInput>,
) -> Result<(StatusCode, Json<PrivacyLinkView>), ApiError> {
    Ok((StatusCode::CREATED, Json(s.service().privacy().mint_link(input.into()).await?.into())))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/v1/privacy-center/links", post(create_privacy_link))
}
