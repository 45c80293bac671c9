//! `/clients/*` (SPEC 2.4): every call needs the owner feature. Handlers parse, check the rule,
//! and make one store call.

use axum::extract::State;
use axum::Json;
use serde_json::json;

use app::domain::features::{
    self, check_combination, check_owner_change, parse_feature_list_json, Feature,
};
use app::domain::names::validate_name;
use app::domain::whitelist::{check_self_lockout, default_whitelist, parse_whitelist_json};
use app::store::properties::{ApiClient, DeleteOutcome, NewProperty, PropertyRecord};
use app::store::StoreError;

use super::error::{ok, ApiError, ApiResult};
use super::request::ApiRequest;
use crate::state::AppState;

/// `hours_to_live` bounds for reset_secret (one week).
pub const MAX_HOURS_TO_LIVE: i64 = 168;

/// The property `for_client_id` names, or the caller itself when it is absent.
pub async fn target(state: &AppState, request: &ApiRequest) -> Result<PropertyRecord, ApiError> {
    match request.params.get("for_client_id") {
        None => Ok(request.caller.clone()),
        Some(id) => existing_client(state, "for_client_id", id).await,
    }
}

async fn existing_client(
    state: &AppState,
    argument: &str,
    id: &str,
) -> Result<PropertyRecord, ApiError> {
    if !app::domain::tokens::is_token(id) {
        return Err(ApiError::invalid(
            argument,
            format!(
                "{} is not a client id (32 lowercase letters and digits)",
                echo(id)
            ),
        ));
    }
    state
        .store
        .property(id)
        .await?
        .ok_or_else(|| ApiError::invalid(argument, format!("no client has the id {id}")))
}

/// Long or empty input, shortened for an error message.
fn echo(value: &str) -> String {
    if value.is_empty() {
        return "an empty value".into();
    }
    let short: String = value.chars().take(40).collect();
    if short.len() < value.len() {
        format!("\"{short}...\"")
    } else {
        format!("\"{short}\"")
    }
}

/// The `/clients/list` answer, serialized straight from typed rows.
#[derive(serde::Serialize)]
pub struct ClientList {
    results: Vec<ApiClient>,
    stat: &'static str,
}

fn parse_features(text: &str) -> Result<Vec<Feature>, ApiError> {
    let features = parse_feature_list_json(text, false)
        .map_err(|e| ApiError::invalid("features", e.reason()))?;
    check_combination(&features).map_err(|e| ApiError::invalid("features", e.reason()))?;
    Ok(features)
}

fn name_error(error: StoreError, name: &str) -> ApiError {
    match error {
        StoreError::NameTaken => ApiError::invalid(
            "description",
            format!("a client named \"{name}\" already exists; names are unique (ignoring case)"),
        ),
        StoreError::NotFound => ApiError::invalid("for_client_id", "the client no longer exists"),
        other => other.into(),
    }
}

fn gone(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::invalid("for_client_id", "the client no longer exists"),
        other => other.into(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    request: ApiRequest,
) -> Result<Json<ClientList>, ApiError> {
    request.require_feature(Feature::Owner)?;
    let filter = match request.params.get("has_features") {
        Some(text) => parse_feature_list_json(text, true)
            .map_err(|e| ApiError::invalid("has_features", e.reason()))?,
        None => Vec::new(),
    };
    let results = state.store.api_clients(&filter).await?;
    Ok(Json(ClientList {
        results,
        stat: "ok",
    }))
}

pub async fn add(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    request.require_feature(Feature::Owner)?;
    let name = validate_name(request.params.require("description")?)
        .map_err(|e| ApiError::invalid("description", e.reason()))?;
    let features = match request.params.get("features") {
        Some(text) => parse_features(text)?,
        None => Vec::new(),
    };
    let new = NewProperty {
        name: name.clone(),
        features,
        whitelist: default_whitelist(),
    };
    let record = state
        .store
        .create_property(new, request.now)
        .await
        .map_err(|e| name_error(e, &name))?;
    tracing::info!(client_id = %record.client_id, by = %request.caller.client_id, "API client added");
    Ok(ok(
        json!({ "client_id": record.client_id, "client_secret": record.client_secret }),
    ))
}

pub async fn delete(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    request.require_feature(Feature::Owner)?;
    let id = request.params.require("client_id_for_deletion")?;
    let target = existing_client(&state, "client_id_for_deletion", id).await?;
    match state.store.delete_property(&target.client_id).await {
        Ok(DeleteOutcome::Deleted) => {
            tracing::info!(client_id = %target.client_id, by = %request.caller.client_id, "API client deleted");
            Ok(ok(json!({})))
        }
        Ok(DeleteOutcome::IsOwner) => Err(ApiError::invalid(
            "client_id_for_deletion",
            "the client has the owner feature, and owner clients cannot be deleted",
        )),
        Err(StoreError::NotFound) => Err(ApiError::invalid(
            "client_id_for_deletion",
            "the client no longer exists",
        )),
        Err(other) => Err(other.into()),
    }
}

pub async fn reset_secret(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    request.require_feature(Feature::Owner)?;
    let target = target(&state, &request).await?;
    let hours = match request.params.get("hours_to_live") {
        None => 0,
        Some(text) => parse_hours(text)?,
    };
    let new_secret = state
        .store
        .reset_secret(&target.client_id, hours * 3600, request.now)
        .await
        .map_err(gone)?;
    tracing::info!(client_id = %target.client_id, hours, by = %request.caller.client_id, "API client secret reset");
    Ok(ok(json!({ "new_secret": new_secret })))
}

/// An integer number of hours, 0 to 168.
pub fn parse_hours(text: &str) -> Result<i64, ApiError> {
    let hours: i64 = text.trim().parse().map_err(|_| {
        ApiError::invalid(
            "hours_to_live",
            format!(
                "{} is not a whole number of hours between 0 and {MAX_HOURS_TO_LIVE}",
                echo(text)
            ),
        )
    })?;
    if !(0..=MAX_HOURS_TO_LIVE).contains(&hours) {
        return Err(ApiError::invalid(
            "hours_to_live",
            format!("{hours} is out of range; use 0 to {MAX_HOURS_TO_LIVE} hours"),
        ));
    }
    Ok(hours)
}

pub async fn set_description(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    request.require_feature(Feature::Owner)?;
    let target = target(&state, &request).await?;
    let name = validate_name(request.params.require("description")?)
        .map_err(|e| ApiError::invalid("description", e.reason()))?;
    state
        .store
        .rename_property(&target.client_id, &name, request.now)
        .await
        .map_err(|e| name_error(e, &name))?;
    Ok(ok(json!({})))
}

pub async fn set_features(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    request.require_feature(Feature::Owner)?;
    let target = target(&state, &request).await?;
    let new = parse_features(request.params.require("features")?)?;
    let is_self = target.client_id == request.caller.client_id;
    check_owner_change(is_self, &target.features, &new)
        .map_err(|e| ApiError::invalid("features", e.reason()))?;
    state
        .store
        .set_features(&target.client_id, &features::normalize(&new), request.now)
        .await
        .map_err(gone)?;
    tracing::info!(client_id = %target.client_id, by = %request.caller.client_id, "API client features set");
    Ok(ok(json!({})))
}

pub async fn set_whitelist(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    request.require_feature(Feature::Owner)?;
    let target = target(&state, &request).await?;
    let whitelist = parse_whitelist_json(request.params.require("whitelist")?)
        .map_err(|e| ApiError::invalid("whitelist", e.reason()))?;
    if target.client_id == request.caller.client_id {
        check_self_lockout(&whitelist, request.address)
            .map_err(|e| ApiError::invalid("whitelist", e.reason()))?;
    }
    state
        .store
        .set_whitelist(&target.client_id, &whitelist, request.now)
        .await
        .map_err(gone)?;
    tracing::info!(client_id = %target.client_id, by = %request.caller.client_id, "API client whitelist set");
    Ok(ok(json!({})))
}

pub async fn clear_whitelist(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    request.require_feature(Feature::Owner)?;
    let target = target(&state, &request).await?;
    state
        .store
        .set_whitelist(&target.client_id, &default_whitelist(), request.now)
        .await
        .map_err(gone)?;
    Ok(ok(json!({})))
}
