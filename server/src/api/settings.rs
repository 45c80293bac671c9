//! `/settings/*` (SPEC 2.5). Any client reads and writes its own property settings; only an owner
//! may name another client with `for_client_id` or change the global ("default") settings.

use std::collections::BTreeMap;

use axum::extract::State;
use serde_json::{json, Map, Value};

use app::domain::features::Feature;
use app::domain::setting_keys::{validate_key, validate_value};
use app::store::properties::PropertyRecord;
use app::store::settings::{Scope, SettingsMap};

use super::clients;
use super::error::{ok, ApiError, ApiResult};
use super::request::ApiRequest;
use crate::state::AppState;

/// The caller itself, or (owners only) the client `for_client_id` names.
async fn property_target(
    state: &AppState,
    request: &ApiRequest,
) -> Result<PropertyRecord, ApiError> {
    if request.params.get("for_client_id").is_some() {
        request.require_feature(Feature::Owner)?;
    }
    clients::target(state, request).await
}

fn key_param<'a>(request: &'a ApiRequest, name: &str) -> Result<&'a str, ApiError> {
    let key = request.params.require(name)?;
    validate_key(key).map_err(|e| ApiError::invalid(name, e.reason()))?;
    Ok(key)
}

fn value_param(request: &ApiRequest) -> Result<&str, ApiError> {
    let value = request.params.require("value")?;
    validate_value(value).map_err(|e| ApiError::invalid("value", e.reason()))?;
    Ok(value)
}

/// `keys`: a JSON array of valid keys.
fn keys_param(request: &ApiRequest) -> Result<Vec<String>, ApiError> {
    let text = request.params.require("keys")?;
    let keys: Vec<Value> = match serde_json::from_str(text) {
        Ok(Value::Array(keys)) => keys,
        _ => {
            return Err(ApiError::invalid(
                "keys",
                "expected a JSON array of setting keys, e.g. [\"site_name\"]",
            ))
        }
    };
    keys.into_iter()
        .enumerate()
        .map(|(index, key)| match key {
            Value::String(key) => {
                validate_key(&key).map_err(|e| ApiError::invalid("keys", e.reason()))?;
                Ok(key)
            }
            other => Err(ApiError::invalid(
                "keys",
                format!("element {index} is {other}, not a string"),
            )),
        })
        .collect()
}

/// `items`: a JSON object of valid keys to string values. Checked whole before anything is written.
fn items_param(request: &ApiRequest) -> Result<SettingsMap, ApiError> {
    let text = request.params.require("items")?;
    let items: Map<String, Value> = match serde_json::from_str(text) {
        Ok(Value::Object(items)) => items,
        _ => {
            return Err(ApiError::invalid(
                "items",
                "expected a JSON object of key to string value, e.g. {\"site_name\":\"Shop\"}",
            ))
        }
    };
    let mut settings = SettingsMap::new();
    for (key, value) in items {
        validate_key(&key)
            .map_err(|e| ApiError::invalid("items", format!("{key}: {}", e.reason())))?;
        let Value::String(value) = value else {
            return Err(ApiError::invalid(
                "items",
                format!("the value of {key} is {value}, not a string"),
            ));
        };
        validate_value(&value)
            .map_err(|e| ApiError::invalid("items", format!("{key}: {}", e.reason())))?;
        settings.insert(key, value);
    }
    Ok(settings)
}

fn optional(value: Option<String>) -> Value {
    value.map(Value::String).unwrap_or(Value::Null)
}

pub async fn get(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let target = property_target(&state, &request).await?;
    let key = key_param(&request, "key")?;
    let value = state
        .store
        .effective_setting(&target.client_id, key)
        .await?;
    Ok(ok(json!({ "result": optional(value) })))
}

pub async fn get_multi(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let target = property_target(&state, &request).await?;
    let keys = keys_param(&request)?;
    let effective = state.store.effective_settings(&target.client_id).await?;
    let result: Map<String, Value> = keys
        .into_iter()
        .map(|key| {
            let value = optional(effective.get(&key).cloned());
            (key, value)
        })
        .collect();
    Ok(ok(json!({ "result": result })))
}

pub async fn items(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let target = property_target(&state, &request).await?;
    let effective = state.store.effective_settings(&target.client_id).await?;
    Ok(ok(json!({ "result": effective })))
}

pub async fn keys(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let target = property_target(&state, &request).await?;
    let effective = state.store.effective_settings(&target.client_id).await?;
    Ok(ok(
        json!({ "result": effective.keys().collect::<Vec<_>>() }),
    ))
}

pub async fn set(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let target = property_target(&state, &request).await?;
    let key = key_param(&request, "key")?;
    let value = value_param(&request)?;
    let existed = state
        .store
        .set_setting(Scope::Property(&target.client_id), key, value, request.now)
        .await?;
    Ok(ok(json!({ "result": existed })))
}

pub async fn set_multi(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let target = property_target(&state, &request).await?;
    let items = items_param(&request)?;
    let results: BTreeMap<String, bool> = state
        .store
        .set_settings(Scope::Property(&target.client_id), &items, request.now)
        .await?;
    Ok(ok(json!({ "result": results })))
}

pub async fn delete(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let target = property_target(&state, &request).await?;
    let key = key_param(&request, "key")?;
    let existed = state
        .store
        .delete_setting(Scope::Property(&target.client_id), key)
        .await?;
    Ok(ok(json!({ "result": existed })))
}

pub async fn get_default(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let key = key_param(&request, "key")?;
    let value = state.store.global_setting(key).await?;
    Ok(ok(json!({ "result": optional(value) })))
}

pub async fn set_default(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    request.require_feature(Feature::Owner)?;
    let key = key_param(&request, "key")?;
    let value = value_param(&request)?;
    let existed = state
        .store
        .set_setting(Scope::Global, key, value, request.now)
        .await?;
    Ok(ok(json!({ "result": existed })))
}

pub async fn set_default_multi(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    request.require_feature(Feature::Owner)?;
    let items = items_param(&request)?;
    let results = state
        .store
        .set_settings(Scope::Global, &items, request.now)
        .await?;
    Ok(ok(json!({ "result": results })))
}

pub async fn delete_default(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    request.require_feature(Feature::Owner)?;
    let key = key_param(&request, "key")?;
    let existed = state.store.delete_setting(Scope::Global, key).await?;
    Ok(ok(json!({ "result": existed })))
}

/// Not wrapped in `result`: `{"default_settings":{..},"client_settings":{"<id>":{..}},"stat":"ok"}`.
pub async fn get_all(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    request.require_feature(Feature::Owner)?;
    let all = state.store.all_settings().await?;
    Ok(ok(
        json!({ "default_settings": all.global, "client_settings": all.by_property }),
    ))
}
