//! Reading a Capture API request: parameters from the query string and the form body, the caller's
//! address, and the caller's credentials, checked before any handler runs.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequest, Request};
use axum::http::{header, HeaderMap, Method};
use base64::Engine;

use app::domain::features::{grants, Feature};
use app::domain::signature;
use app::domain::tokens::{constant_time_eq, is_token};
use app::domain::whitelist;
use app::store::properties::PropertyRecord;

use super::error::ApiError;
use crate::state::{AppState, TrustedProxies};

/// Request bodies larger than this are refused with a clear error.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The parameters of a request, query string and form body together, each name at most once.
#[derive(Clone, Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn parse(query: Option<&str>, body: &[u8]) -> Result<Params, ApiError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let query_pairs = form_urlencoded::parse(query.unwrap_or("").as_bytes());
        let body_pairs = form_urlencoded::parse(body);
        for (key, value) in query_pairs.chain(body_pairs) {
            if pairs.iter().any(|(k, _)| *k == key) {
                return Err(ApiError::invalid(
                    key.as_ref(),
                    "the parameter was given more than once; send each parameter once",
                ));
            }
            pairs.push((key.into_owned(), value.into_owned()));
        }
        Ok(Params { pairs })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn require(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| ApiError::missing(name))
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

/// An authenticated, whitelisted API caller with the request's parameters.
#[derive(Debug)]
pub struct ApiRequest {
    pub caller: PropertyRecord,
    pub address: IpAddr,
    pub params: Params,
    pub now: i64,
}

impl ApiRequest {
    /// 403 unless the caller holds `feature`.
    pub fn require_feature(&self, feature: Feature) -> Result<(), ApiError> {
        if grants(&self.caller.features, feature) {
            Ok(())
        } else {
            Err(ApiError::PermissionDenied(format!(
                "this client does not have the {feature} feature needed for this call"
            )))
        }
    }

    pub fn is_owner(&self) -> bool {
        self.caller.is_owner()
    }
}

impl FromRequest<AppState> for ApiRequest {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if request.method() != Method::GET && request.method() != Method::POST {
            return Err(ApiError::invalid(
                "method",
                format!("{} is not supported; use GET or POST", request.method()),
            ));
        }
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())
            .ok_or_else(|| ApiError::Unexpected("no peer address on the connection".into()))?;
        let (parts, body) = request.into_parts();
        let address = caller_address(peer, &parts.headers, &state.trusted_proxies);
        let body = read_body(&parts.headers, body).await?;
        let params = Params::parse(parts.uri.query(), &body)?;
        let now = state.clock.now();

        let caller = authenticate(state, &parts.headers, parts.uri.path(), &params, now).await?;
        if !whitelist::allows(&caller.whitelist, address) {
            return Err(ApiError::PermissionDenied(format!(
                "this client's IP whitelist does not allow calls from {address}"
            )));
        }
        Ok(ApiRequest {
            caller,
            address,
            params,
            now,
        })
    }
}

async fn read_body(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::invalid(
                "body",
                format!("the request body is larger than the limit of {MAX_BODY_BYTES} bytes"),
            )
        })?;
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return Err(ApiError::invalid(
            "body",
            "send parameters as application/x-www-form-urlencoded fields or in the query string",
        ));
    }
    Ok(bytes.to_vec())
}

/// The socket peer, unless it is a trusted proxy: then the right-most `X-Forwarded-For` address that
/// is not itself a trusted proxy.
pub fn caller_address(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.0.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .unwrap_or(peer)
}

const NO_CREDENTIALS: &str =
    "no client credentials were supplied: use Basic authentication, client_id and \
     client_secret parameters, or a janrain-signed request";
const BAD_CREDENTIALS: &str = "the client_id and client_secret do not match an API client";

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    params: &Params,
    now: i64,
) -> Result<PropertyRecord, ApiError> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or(""));
    match authorization {
        Some(value) if value.len() >= 6 && value[..6].eq_ignore_ascii_case("basic ") => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(value[6..].trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| ApiError::InvalidCredentials("the Basic authorization header is not valid base64 of client_id:client_secret".into()))?;
            let (id, secret) = decoded.split_once(':').ok_or_else(|| {
                ApiError::InvalidCredentials(
                    "the Basic authorization header must encode client_id:client_secret".into(),
                )
            })?;
            check_secret(state, id, secret, now).await
        }
        Some(value) if value.len() >= 10 && value[..10].eq_ignore_ascii_case("signature ") => {
            verify_signed(state, headers, value, path, params, now).await
        }
        Some(_) => Err(ApiError::InvalidCredentials(
            "unsupported Authorization scheme: use Basic or Signature".into(),
        )),
        None => match (params.get("client_id"), params.get("client_secret")) {
            (Some(id), Some(secret)) => check_secret(state, id, secret, now).await,
            _ => Err(ApiError::InvalidCredentials(NO_CREDENTIALS.into())),
        },
    }
}

/// Looks the client up and compares the secret in constant time against the current secret and a
/// previous secret still in its grace period.
async fn check_secret(
    state: &AppState,
    id: &str,
    secret: &str,
    now: i64,
) -> Result<PropertyRecord, ApiError> {
    let record = match lookup(state, id).await? {
        Some(record) => record,
        None => {
            // Same work as a real comparison, so timing does not tell which ids exist.
            let _ = constant_time_eq(secret, "00000000000000000000000000000000");
            return Err(ApiError::InvalidCredentials(BAD_CREDENTIALS.into()));
        }
    };
    let current = constant_time_eq(secret, &record.client_secret);
    let previous = record
        .live_previous_secret(now)
        .map(|old| constant_time_eq(secret, old))
        .unwrap_or(false);
    if current | previous {
        Ok(record)
    } else {
        Err(ApiError::InvalidCredentials(BAD_CREDENTIALS.into()))
    }
}

async fn verify_signed(
    state: &AppState,
    headers: &HeaderMap,
    authorization: &str,
    path: &str,
    params: &Params,
    now: i64,
) -> Result<PropertyRecord, ApiError> {
    let (id, presented) = signature::parse_authorization(authorization).ok_or_else(|| {
        ApiError::InvalidCredentials(
            "the Signature authorization header must read Signature <client_id>:<signature>".into(),
        )
    })?;
    let date = headers
        .get(header::DATE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::InvalidCredentials(
                "a signed request needs a Date header (YYYY-MM-DD HH:MM:SS, UTC)".into(),
            )
        })?;
    let date_unix = signature::parse_date(date).ok_or_else(|| {
        ApiError::InvalidCredentials("the Date header must read YYYY-MM-DD HH:MM:SS (UTC)".into())
    })?;
    if !signature::date_is_fresh(date_unix, now) {
        return Err(ApiError::InvalidCredentials(format!(
            "the Date header is more than {} seconds away from the server clock",
            signature::MAX_CLOCK_SKEW_SECS
        )));
    }
    let record = lookup(state, &id)
        .await?
        .ok_or_else(|| ApiError::InvalidCredentials("the signature does not match".into()))?;
    let pairs = params.pairs();
    let current = signature::verify(&record.client_secret, path, date, pairs, &presented);
    let previous = record
        .live_previous_secret(now)
        .map(|old| signature::verify(old, path, date, pairs, &presented))
        .unwrap_or(false);
    if current | previous {
        Ok(record)
    } else {
        Err(ApiError::InvalidCredentials(
            "the signature does not match".into(),
        ))
    }
}

async fn lookup(state: &AppState, id: &str) -> Result<Option<PropertyRecord>, ApiError> {
    if !is_token(id) {
        return Ok(None);
    }
    Ok(state.store.property_for_auth(id).await?)
}
