//! The Capture error envelope (SPEC 2.3), produced in this one place. Every API failure becomes
//! HTTP 200 with `{"stat":"error","code":..,"error":..,"error_description":..,"request_id":..}`,
//! and the same request id goes into the log line so an operator can find it.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use app::ops::{Field, OpError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 100: a required parameter is absent.
    #[error("missing required argument: {0}")]
    MissingArgument(String),
    /// 200: a parameter is malformed or breaks a rule.
    #[error("{argument} was not valid for the following reason: {reason}")]
    InvalidArgument { argument: String, reason: String },
    /// 402: no, unknown, wrong or stale credentials. The text is safe to show the caller.
    #[error("{0}")]
    InvalidCredentials(String),
    /// 403: authenticated, but not allowed (feature or whitelist).
    #[error("{0}")]
    PermissionDenied(String),
    /// 510: over a rate limit.
    #[error("{0}")]
    RateLimited(String),
    /// 500: details go to the log only.
    #[error("unexpected error")]
    Unexpected(String),
}

impl ApiError {
    pub fn invalid(argument: impl Into<String>, reason: impl Into<String>) -> Self {
        ApiError::InvalidArgument {
            argument: argument.into(),
            reason: reason.into(),
        }
    }

    pub fn missing(argument: impl Into<String>) -> Self {
        ApiError::MissingArgument(argument.into())
    }

    pub fn code(&self) -> u16 {
        match self {
            ApiError::MissingArgument(_) => 100,
            ApiError::InvalidArgument { .. } => 200,
            ApiError::InvalidCredentials(_) => 402,
            ApiError::PermissionDenied(_) => 403,
            ApiError::Unexpected(_) => 500,
            ApiError::RateLimited(_) => 510,
        }
    }

    pub fn error_name(&self) -> &'static str {
        match self {
            ApiError::MissingArgument(_) => "missing_argument",
            ApiError::InvalidArgument { .. } => "invalid_argument",
            ApiError::InvalidCredentials(_) => "invalid_client_credentials",
            ApiError::PermissionDenied(_) => "client_permission_error",
            ApiError::Unexpected(_) => "unexpected_error",
            ApiError::RateLimited(_) => "api_limit_error",
        }
    }

    fn argument_name(&self) -> Option<&str> {
        match self {
            ApiError::MissingArgument(argument) | ApiError::InvalidArgument { argument, .. } => {
                Some(argument)
            }
            _ => None,
        }
    }
}

/// The operations' error in the Capture envelope: each field by its parameter name (`target` names
/// the parameter that holds the property acted on: `for_client_id`, or `client_id_for_deletion`).
pub fn from_op(error: OpError, target: &str) -> ApiError {
    match error {
        OpError::Invalid { field, reason } => {
            let argument = match field {
                Field::Target => target,
                Field::Name => "description",
                Field::Features => "features",
                Field::Whitelist | Field::WhitelistEntry(_) => "whitelist",
                Field::Hours => "hours_to_live",
                Field::Key(Some(key)) | Field::Value(Some(key)) => {
                    return ApiError::invalid("items", format!("{key}: {reason}"))
                }
                Field::Key(None) => "key",
                Field::Value(None) => "value",
                Field::Settings => "items",
                Field::Username
                | Field::Role
                | Field::CurrentPassword
                | Field::NewPassword
                | Field::ConfirmPassword => "account",
            };
            ApiError::invalid(argument, reason)
        }
        OpError::UnknownTarget(id) => {
            ApiError::invalid(target, format!("no client has the id {id}"))
        }
        OpError::Forbidden(reason) => ApiError::PermissionDenied(reason),
        OpError::Conflict | OpError::SettingsConflict { .. } => {
            ApiError::Unexpected(error.to_string())
        }
        OpError::Store(error) => error.into(),
    }
}

impl From<OpError> for ApiError {
    fn from(error: OpError) -> Self {
        from_op(error, "for_client_id")
    }
}

impl From<app::store::StoreError> for ApiError {
    fn from(error: app::store::StoreError) -> Self {
        ApiError::Unexpected(error.to_string())
    }
}

pub use app::auth::new_request_id;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = crate::request_id::current().unwrap_or_else(new_request_id);
        metrics::counter!("gatehouse_capture_errors_total", "code" => self.code().to_string())
            .increment(1);
        match &self {
            ApiError::Unexpected(detail) => {
                tracing::error!(request_id, code = self.code(), detail, "API request failed")
            }
            _ => {
                tracing::info!(request_id, code = self.code(), error = %self, "API request refused")
            }
        }
        let mut body = Map::new();
        body.insert("stat".into(), json!("error"));
        body.insert("code".into(), json!(self.code()));
        body.insert("error".into(), json!(self.error_name()));
        if let Some(argument) = self.argument_name() {
            body.insert("argument_name".into(), json!(argument));
        }
        body.insert("error_description".into(), json!(self.to_string()));
        body.insert("request_id".into(), json!(request_id));
        Json(Value::Object(body)).into_response()
    }
}

/// `{"stat":"ok", ...fields}`.
pub fn ok(fields: Value) -> Json<Value> {
    let mut body = match fields {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    body.insert("stat".into(), json!("ok"));
    Json(Value::Object(body))
}

pub type ApiResult = Result<Json<Value>, ApiError>;
