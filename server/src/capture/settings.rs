//! `/settings/*` (SPEC 2.5). Any client reads and writes its own property settings; only an owner
//! may name another client with `for_client_id` or change the global ("default") settings.

use std::collections::BTreeMap;

use axum::extract::State;
use serde_json::{json, Map, Value};

use app::domain::accounts::Permission;
use app::domain::echo;
use app::domain::features::json_kind;
use app::domain::setting_keys::validate_key;
use app::ops::settings::{self as settings_op, Target};
use app::store::settings::SettingsMap;

use super::clients;
use super::error::{ok, ApiError, ApiResult};
use super::request::ApiRequest;
use crate::state::AppState;

/// The property whose settings are read: the caller itself, or the client `for_client_id` names
/// (another client's only for owners), checked to exist.
async fn readable_target<'r>(
    state: &AppState,
    request: &'r ApiRequest,
) -> Result<&'r str, ApiError> {
    let id = clients::target(request);
    settings_op::check_readable(&state.store, &request.actor(), id).await?;
    Ok(id)
}

fn key_param<'a>(request: &'a ApiRequest, name: &str) -> Result<&'a str, ApiError> {
    let key = request.params.require(name)?;
    validate_key(key).map_err(|e| ApiError::invalid(name, e.reason()))?;
    Ok(key)
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
                format!("element {index} is {}, not a string", json_kind(&other)),
            )),
        })
        .collect()
}

/// `items`: a JSON object of keys to string values (the operation checks each key and value).
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
        let Value::String(value) = value else {
            return Err(ApiError::invalid(
                "items",
                format!(
                    "the value of {} is {}, not a string",
                    echo(&key),
                    json_kind(&value)
                ),
            ));
        };
        settings.insert(key, value);
    }
    Ok(settings)
}

fn optional(value: Option<String>) -> Value {
    value.map(Value::String).unwrap_or(Value::Null)
}

pub async fn get(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let target = readable_target(&state, &request).await?;
    let key = key_param(&request, "key")?;
    let value = state.store.effective_setting(target, key).await?;
    Ok(ok(json!({ "result": optional(value) })))
}

pub async fn get_multi(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let target = readable_target(&state, &request).await?;
    let keys = keys_param(&request)?;
    let effective = state.store.effective_settings(target).await?;
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
    let target = readable_target(&state, &request).await?;
    let effective = state.store.effective_settings(target).await?;
    Ok(ok(json!({ "result": effective })))
}

pub async fn keys(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let target = readable_target(&state, &request).await?;
    let effective = state.store.effective_settings(target).await?;
    Ok(ok(
        json!({ "result": effective.keys().collect::<Vec<_>>() }),
    ))
}

/// `key` and `value` as a one-item change.
fn one_item(request: &ApiRequest) -> Result<SettingsMap, ApiError> {
    let key = request.params.require("key")?;
    let value = request.params.require("value")?;
    Ok(SettingsMap::from([(key.to_string(), value.to_string())]))
}

/// The single answer of a one-item set.
fn only_result(results: BTreeMap<String, bool>) -> Value {
    json!(results.into_values().next().unwrap_or(false))
}

pub async fn set(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let items = one_item(&request)?;
    let target = Target::Property(clients::target(&request));
    let results = settings_op::set(&state.store, &request.actor(), target, &items).await?;
    Ok(ok(json!({ "result": only_result(results) })))
}

pub async fn set_multi(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let items = items_param(&request)?;
    let target = Target::Property(clients::target(&request));
    let results = settings_op::set(&state.store, &request.actor(), target, &items).await?;
    Ok(ok(json!({ "result": results })))
}

pub async fn delete(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let key = request.params.require("key")?;
    let target = Target::Property(clients::target(&request));
    let existed = settings_op::delete(&state.store, &request.actor(), target, key).await?;
    Ok(ok(json!({ "result": existed })))
}

pub async fn get_default(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let key = key_param(&request, "key")?;
    let value = state.store.global_setting(key).await?;
    Ok(ok(json!({ "result": optional(value) })))
}

pub async fn set_default(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let actor = request.actor();
    actor.require(Permission::Write)?;
    let items = one_item(&request)?;
    let results = settings_op::set(&state.store, &actor, Target::Global, &items).await?;
    Ok(ok(json!({ "result": only_result(results) })))
}

pub async fn set_default_multi(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let actor = request.actor();
    actor.require(Permission::Write)?;
    let items = items_param(&request)?;
    let results = settings_op::set(&state.store, &actor, Target::Global, &items).await?;
    Ok(ok(json!({ "result": results })))
}

pub async fn delete_default(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    let actor = request.actor();
    actor.require(Permission::Write)?;
    let key = request.params.require("key")?;
    let existed = settings_op::delete(&state.store, &actor, Target::Global, key).await?;
    Ok(ok(json!({ "result": existed })))
}

/// Not wrapped in `result`: `{"default_settings":{..},"client_settings":{"<id>":{..}},"stat":"ok"}`.
pub async fn get_all(State(state): State<AppState>, request: ApiRequest) -> ApiResult {
    request.actor().require(Permission::Read)?;
    let all = state.store.all_settings().await?;
    Ok(ok(
        json!({ "default_settings": all.global, "client_settings": all.by_property }),
    ))
}
