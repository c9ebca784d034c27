use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::StatusCode,
    routing::{get, post},
};

use crate::{
    ApiError, AppState,
    dto::consents::{ConsentEventView, ConsentInput, SignalInput, SignalView, VendorListView},
    extract::{ApiJson, Auth, ConsentsWrite, Gpc, SignalsWrite, TcfAdmin},
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

/// Uploads a version of the IAB's Global Vendor List (scope `tcf:admin`): the
/// `vendor-list.json` file as the IAB publishes it (GVL specification v2 or v3), read strictly
/// and stored reduced to the vendors and what they declare; a ledger event. 201 for a new
/// version, 200 for the same file again, 409 for another file under a stored version.
/// custos downloads nothing at run time: TC strings naming a version not uploaded are refused
/// in strict mode (`gvl_version_unknown`).
#[utoipa::path(post, path = "/v1/tcf/gvl", tag = "consents", request_body(content = String, content_type = "application/json"),
    responses((status = 201, body = VendorListView), (status = 200, body = VendorListView), (status = 400, body = ApiError),
        (status = 409, body = ApiError), (status = 413, body = ApiError)), security(("bearer" = [])))]
pub(crate) async fn load_vendor_list(
    State(s): State<AppState>,
    _auth: Auth<TcfAdmin>,
    body: Bytes,
) -> Result<(StatusCode, Json<VendorListView>), ApiError> {
    let v = s.service().signals().load_vendor_list(&body).await?;
    let status = if v.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(VendorListView::of(v.list, v.receipt))))
}

/// The uploaded Global Vendor List versions, newest first (scope `tcf:admin`).
#[utoipa::path(get, path = "/v1/tcf/gvl", tag = "consents", responses((status = 200, body = Vec<VendorListView>)), security(("bearer" = [])))]
pub(crate) async fn list_vendor_lists(State(s): State<AppState>, _auth: Auth<TcfAdmin>) -> Result<Json<Vec<VendorListView>>, ApiError> {
    Ok(Json(s.service().signals().vendor_lists().await?.into_iter().map(|l| VendorListView::of(l, None)).collect()))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/consents", post(record_consent))
        .route(
            "/v1/consents/signals",
            post(record_signal).layer(axum::extract::DefaultBodyLimit::max(2 * custos_service::signals::MAX_SIGNAL_CHARS + 4096)),
        )
        .route(
            "/v1/tcf/gvl",
            get(list_vendor_lists)
                .post(load_vendor_list)
                .layer(axum::extract::DefaultBodyLimit::max(custos_service::signals::MAX_VENDOR_LIST_BYTES)),
        )
}
