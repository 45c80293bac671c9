//! `/clients/*` (SPEC 2.4): each handler reads its parameters, calls one operation and answers in
//! the Capture format. The operations check, authorize (owners only) and audit.

use axum::extract::State;
use axum::Json;
use serde_json::json;

use app::domain::accounts::Permission;
use app::domain::features::{parse_feature_list_json, Feature};
use app::domain::secrets::parse_hours;
use app::domain::whitelist::parse_whitelist_json;
use app::ops::{self, properties as op};
use app::store::properties::ApiClient;

use super::error::{from_op, ok, ApiError, ApiResult};
use super::request::ApiRequest;
use crate::state::AppState;

/// The client `for_client_id` names, or the caller itself when it is absent.
pub fn target(request: &ApiRequest) -> &str {
    request
        .params
        .get("for_client_id")
        .unwrap_or(&request.caller.client_id)
}

/// The `/clients/list` answer, serialized straight from typed rows.
#[derive(serde::Serialize)]
pub struct ClientList {
    results: Vec<ApiClient>,
    stat: &'static str,
}

/// A JSON array of feature names. `metadata` parses here; the operation refuses it for the API.
fn features(text: &str, argument: &str) -> Result<Vec<Feature>, ApiError> {
    parse_feature_list_json(text, true).map_err(|e| ApiError::invalid(argument, e.reason()))
}

pub async fn list(
    State(state): State<AppState>,
    request: ApiRequest,
) -> Result<Json<ClientList>, ApiError> {
    request.actor().require(Permission::Read)?;
    let filter = match request.params.get("has_features") {
        Some(text) => features(text, "has_features")?,
        None => Vec::new(),
    };
    let results = state.store.api_clients(&filter).await?;
    Ok(Json(ClientList {
        results,
        stat: "ok",
    }))
}

pub async fn add(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let actor = request.actor();
    actor.require(Permission::Write)?;
    let name = request.params.require("description")?;
    let features = match request.params.get("features") {
        Some(text) => features(text, "features")?,
        None => Vec::new(),
    };
    let record = op::create(&state.store, &actor, name, &features, &[]).await?;
    Ok(ok(
        json!({ "client_id": record.client_id, "client_secret": record.client_secret.expose() }),
    ))
}

pub async fn delete(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let actor = request.actor();
    actor.require(Permission::Write)?;
    let id = request.params.require("client_id_for_deletion")?;
    op::delete(&state.store, &actor, id)
        .await
        .map_err(|e| from_op(e, "client_id_for_deletion"))?;
    Ok(ok(json!({})))
}

pub async fn reset_secret(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let actor = request.actor();
    actor.require(Permission::Write)?;
    let hours = match request.params.get("hours_to_live") {
        None => 0,
        Some(text) => {
            parse_hours(text).map_err(|reason| ops::OpError::invalid(ops::Field::Hours, reason))?
        }
    };
    let new_secret = op::reset_secret(&state.store, &actor, target(&request), hours).await?;
    Ok(ok(json!({ "new_secret": new_secret })))
}

pub async fn set_description(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let actor = request.actor();
    actor.require(Permission::Write)?;
    let name = request.params.require("description")?;
    op::rename(&state.store, &actor, target(&request), name).await?;
    Ok(ok(json!({})))
}

pub async fn set_features(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let actor = request.actor();
    actor.require(Permission::Write)?;
    let new = features(request.params.require("features")?, "features")?;
    op::set_features(&state.store, &actor, target(&request), &new).await?;
    Ok(ok(json!({})))
}

pub async fn set_whitelist(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let actor = request.actor();
    actor.require(Permission::Write)?;
    let entries = parse_whitelist_json(request.params.require("whitelist")?)
        .map_err(|e| ApiError::invalid("whitelist", e.reason()))?;
    op::set_whitelist(&state.store, &actor, target(&request), Some(&entries)).await?;
    Ok(ok(json!({})))
}

pub async fn clear_whitelist(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let actor = request.actor();
    actor.require(Permission::Write)?;
    op::set_whitelist(&state.store, &actor, target(&request), None).await?;
    Ok(ok(json!({})))
}
