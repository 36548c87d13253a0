//! The HTTP routes: each handler checks the token, reads its input, and hands the store
//! work to a blocking thread.

use super::Server;
use super::auth::authorize;
use super::deploy;
use super::error::ApiError;
use super::run::{self, RunResponse};
use super::tokens::Scope;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::Arc;

/// The service's routes over `server`.
pub(super) fn router(server: Arc<Server>, max_body: usize) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/v1/dots", post(deploy_dot).get(list_dots))
        .route("/v1/dots/{id}", get(get_dot).delete(delete_dot))
        .route("/v1/dots/{id}/run", post(run_dot))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(server)
}

/// Shared handler state.
type Shared = State<Arc<Server>>;

/// Checks the request's token against `needed`.
fn check(server: &Server, headers: &HeaderMap, needed: &[Scope]) -> Result<(), ApiError> {
    authorize(server.tokens().as_deref(), headers, needed)
}

/// The body, or the reason it cannot be read (413 past the size limit).
fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body exceeds the server's --max-body limit",
        ),
        status => ApiError::new(status, rejection.body_text()),
    })
}

/// Runs blocking store work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(format!("the request's worker failed: {e}")))?
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such endpoint")
}

async fn metrics(State(server): Shared, headers: HeaderMap) -> Result<Response, ApiError> {
    check(&server, &headers, &[Scope::Admin])?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        server.metrics.render(),
    )
        .into_response())
}

async fn deploy_dot(
    State(server): Shared,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    check(&server, &headers, &[Scope::Deploy])?;
    let raw = body(raw)?;
    let (info, created) = blocking(move || {
        let decoded = deploy::decode(&raw)?;
        let created = server.deployments.deploy(&server.store, &decoded)?;
        if created {
            server.metrics.deployed();
        }
        Ok((decoded.info, created))
    })
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(info)).into_response())
}

async fn list_dots(State(server): Shared, headers: HeaderMap) -> Result<Response, ApiError> {
    check(&server, &headers, &[Scope::Deploy, Scope::Run])?;
    let dots = blocking(move || server.deployments.list(&server.store)).await?;
    Ok(Json(serde_json::json!({ "dots": dots })).into_response())
}

async fn get_dot(
    State(server): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    check(&server, &headers, &[Scope::Deploy, Scope::Run])?;
    let info = blocking(move || server.deployments.get(&server.store, &id)).await?;
    Ok(Json(info).into_response())
}

async fn delete_dot(
    State(server): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    check(&server, &headers, &[Scope::Admin])?;
    let deleted = id.clone();
    blocking(move || server.deployments.delete(&server.store, &id)).await?;
    Ok(Json(serde_json::json!({ "deleted": deleted })).into_response())
}

async fn run_dot(
    State(server): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    raw: Result<Bytes, BytesRejection>,
) -> Result<Json<RunResponse>, ApiError> {
    check(&server, &headers, &[Scope::Run])?;
    let request = run::parse_request(&body(raw)?)?;
    let Ok(permit) = server.runs.clone().try_acquire_owned() else {
        server.metrics.busy();
        return Err(ApiError::unavailable(format!(
            "busy: {} runs in progress (--max-concurrent); try again",
            server.max_concurrent
        )));
    };
    let response = blocking(move || {
        let _permit = permit;
        run::run(
            &server.store,
            &server.deployments,
            &server.limits,
            &server.metrics,
            &id,
            &request,
        )
    })
    .await?;
    Ok(Json(response))
}
