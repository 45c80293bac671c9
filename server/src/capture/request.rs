//! Reading a Capture API request: parameters from the query string and the form body, the caller's
//! address, and the caller's credentials, checked before any handler runs.

use std::collections::HashSet;
use std::net::IpAddr;

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, Method};
use base64::Engine;

use app::auth::CallerAddress;
use app::domain::params::{check_param_name, printable_name, ParamNameError, MAX_PARAMS};
use app::domain::signature;
use app::domain::tokens::{constant_time_eq, is_token};
use app::domain::usage::SecretSlot;
use app::domain::whitelist;
use app::ops::Actor;
use app::store::properties::PropertyRecord;

use super::error::ApiError;
use crate::state::AppState;

/// Request bodies larger than this are refused with a clear error.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The parameters of a request, query string and form body together, each name at most once.
#[derive(Clone, Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Reads the query string and the body, refusing (code 200, before anything else) more than
    /// [`MAX_PARAMS`] parameters, a name given twice, and names a signed request could be re-split
    /// on. Stops at the first problem, so a hostile request costs at most one pass over its bytes.
    pub fn parse(query: Option<&str>, body: &[u8]) -> Result<Params, ApiError> {
        let query_pairs = form_urlencoded::parse(query.unwrap_or("").as_bytes());
        let body_pairs = form_urlencoded::parse(body);
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for (key, value) in query_pairs.chain(body_pairs) {
            if pairs.len() == MAX_PARAMS {
                return Err(ApiError::invalid(
                    "parameters",
                    format!("a request may carry at most {MAX_PARAMS} parameters"),
                ));
            }
            check_param_name(&key).map_err(|problem| {
                let argument = match problem {
                    ParamNameError::Empty => "parameters".to_string(),
                    ParamNameError::Forbidden(_) => printable_name(&key),
                };
                ApiError::invalid(argument, problem.to_string())
            })?;
            if !seen.insert(key.to_string()) {
                return Err(ApiError::invalid(
                    printable_name(&key),
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
    /// Names this request in the audit log and the server log.
    pub request_id: String,
}

impl ApiRequest {
    /// The caller as the actor of an operation.
    pub fn actor(&self) -> Actor {
        Actor::client(
            &self.caller,
            self.address,
            self.request_id.clone(),
            self.now,
        )
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
        let address = request
            .extensions()
            .get::<CallerAddress>()
            .map(|caller| caller.0)
            .ok_or_else(|| ApiError::Unexpected("no caller address on the request".into()))?;
        state.api_limits.check_address(address)?;
        let (parts, body) = request.into_parts();
        let body = read_body(&parts.headers, body).await?;
        let params = Params::parse(parts.uri.query(), &body)?;
        let now = state.clock.now();

        let caller = Caller { address, now };
        let (caller, slot) = caller
            .authenticate(state, &parts.headers, parts.uri.path(), &params)
            .await
            .inspect_err(|error| {
                if matches!(error, ApiError::InvalidCredentials(_)) {
                    state.api_limits.authentication_failed(address);
                    let scheme = scheme_of(&parts.headers, &params);
                    metrics::counter!("gatehouse_api_authentication_failures_total", "scheme" => scheme)
                        .increment(1);
                }
            })?;
        state.store.record_secret_use(&caller, slot, now, address);
        state.api_limits.check_client(&caller.client_id)?;
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
            request_id: crate::request_id::current().unwrap_or_else(super::error::new_request_id),
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

const NO_CREDENTIALS: &str =
    "no client credentials were supplied: use Basic authentication, client_id and \
     client_secret parameters, or a janrain-signed request";
const BAD_CREDENTIALS: &str = "the client_id and client_secret do not match an API client";
const BAD_SIGNATURE: &str = "the signature does not match";

/// Which authentication scheme a request tried (a metrics label).
fn scheme_of(headers: &HeaderMap, params: &Params) -> &'static str {
    match headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_whitespace().next())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("basic") => "basic",
        Some("signature") => "signature",
        Some(_) => "other",
        None if params.get("client_id").is_some() => "params",
        None => "none",
    }
}

/// Who is calling, as far as is known before the credentials are checked.
#[derive(Clone, Copy)]
struct Caller {
    address: IpAddr,
    now: i64,
}

impl Caller {
    /// The client the credentials name, and which of its secrets they match.
    async fn authenticate(
        self,
        state: &AppState,
        headers: &HeaderMap,
        path: &str,
        params: &Params,
    ) -> Result<(PropertyRecord, SecretSlot), ApiError> {
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
                self.check_secret(state, id, secret).await
            }
            Some(value) if value.len() >= 10 && value[..10].eq_ignore_ascii_case("signature ") => {
                self.verify_signed(state, headers, value, path, params)
                    .await
            }
            Some(_) => Err(ApiError::InvalidCredentials(
                "unsupported Authorization scheme: use Basic or Signature".into(),
            )),
            None => match (params.get("client_id"), params.get("client_secret")) {
                (Some(id), Some(secret)) => self.check_secret(state, id, secret).await,
                _ => Err(ApiError::InvalidCredentials(NO_CREDENTIALS.into())),
            },
        }
    }

    /// Looks the client up and compares the secret in constant time against the current secret
    /// and a previous secret still in its grace period.
    async fn check_secret(
        self,
        state: &AppState,
        id: &str,
        secret: &str,
    ) -> Result<(PropertyRecord, SecretSlot), ApiError> {
        let record = match lookup(state, id).await? {
            Some(record) => record,
            None => {
                // Same work as a real comparison, so timing does not tell which ids exist.
                let _ = constant_time_eq(secret, "00000000000000000000000000000000");
                return Err(ApiError::InvalidCredentials(BAD_CREDENTIALS.into()));
            }
        };
        let current = constant_time_eq(secret, record.client_secret.expose());
        let previous = record
            .live_previous_secret(self.now)
            .map(|old| constant_time_eq(secret, old))
            .unwrap_or(false);
        self.matched(state, record, current, previous, BAD_CREDENTIALS)
    }

    async fn verify_signed(
        self,
        state: &AppState,
        headers: &HeaderMap,
        authorization: &str,
        path: &str,
        params: &Params,
    ) -> Result<(PropertyRecord, SecretSlot), ApiError> {
        let (id, presented) = signature::parse_authorization(authorization).ok_or_else(|| {
            ApiError::InvalidCredentials(
                "the Signature authorization header must read Signature <client_id>:<signature>"
                    .into(),
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
            ApiError::InvalidCredentials(
                "the Date header must read YYYY-MM-DD HH:MM:SS (UTC)".into(),
            )
        })?;
        if !signature::date_is_fresh(date_unix, self.now) {
            return Err(ApiError::InvalidCredentials(format!(
                "the Date header is more than {} seconds away from the server clock",
                signature::MAX_CLOCK_SKEW_SECS
            )));
        }
        let record = lookup(state, &id)
            .await?
            .ok_or_else(|| ApiError::InvalidCredentials(BAD_SIGNATURE.into()))?;
        let pairs = params.pairs();
        let current =
            signature::verify(record.client_secret.expose(), path, date, pairs, &presented);
        let previous = record
            .live_previous_secret(self.now)
            .map(|old| signature::verify(old, path, date, pairs, &presented))
            .unwrap_or(false);
        self.matched(state, record, current, previous, BAD_SIGNATURE)
    }

    /// Which secret matched; when neither did, the failure is counted against the client (shown
    /// on its property page) and refused with `refusal`.
    fn matched(
        self,
        state: &AppState,
        record: PropertyRecord,
        current: bool,
        previous: bool,
        refusal: &str,
    ) -> Result<(PropertyRecord, SecretSlot), ApiError> {
        match (current, previous) {
            (true, _) => Ok((record, SecretSlot::Current)),
            (false, true) => Ok((record, SecretSlot::Previous)),
            (false, false) => {
                state
                    .store
                    .record_failed_authentication(&record.client_id, self.now, self.address);
                Err(ApiError::InvalidCredentials(refusal.into()))
            }
        }
    }
}

async fn lookup(state: &AppState, id: &str) -> Result<Option<PropertyRecord>, ApiError> {
    if !is_token(id) {
        return Ok(None);
    }
    Ok(state.store.property_for_auth(id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn form(pairs: &[(String, String)]) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    }

    /// Names the parser accepts: no `=`, `&`, control characters, not empty.
    fn valid_name() -> impl Strategy<Value = String> {
        "[^=&\\p{Cc}]{1,20}"
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn never_panics(query in ".{0,200}", body in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = Params::parse(Some(&query), &body);
        }

        #[test]
        fn distinct_valid_parameters_round_trip(
            map in proptest::collection::btree_map(valid_name(), ".{0,30}", 0..40),
            split in 0usize..40,
        ) {
            let pairs: Vec<(String, String)> = map.into_iter().collect();
            let split = split.min(pairs.len());
            let parsed = Params::parse(Some(&form(&pairs[..split])), form(&pairs[split..]).as_bytes()).unwrap();
            prop_assert_eq!(parsed.pairs(), &pairs[..]);
            for (name, value) in &pairs {
                prop_assert_eq!(parsed.get(name), Some(value.as_str()));
            }
        }

        #[test]
        fn a_repeated_name_is_refused(name in valid_name(), a in ".{0,10}", b in ".{0,10}") {
            let body = form(&[(name.clone(), a), (name, b)]);
            prop_assert_eq!(Params::parse(None, body.as_bytes()).unwrap_err().code(), 200);
        }

        #[test]
        fn names_that_could_reshape_a_signed_string_are_refused(
            before in "[a-z]{0,5}",
            bad in prop::sample::select(vec!["=", "&", "\n", "\r", "\u{0}", "\u{7f}"]),
            after in "[a-z]{0,5}",
        ) {
            let body = form(&[(format!("{before}{bad}{after}"), "1".to_string())]);
            prop_assert_eq!(Params::parse(None, body.as_bytes()).unwrap_err().code(), 200);
        }

        #[test]
        fn more_than_the_limit_is_refused(extra in 1usize..50) {
            let pairs: Vec<(String, String)> =
                (0..MAX_PARAMS + extra).map(|i| (format!("p{i}"), String::new())).collect();
            prop_assert_eq!(Params::parse(None, form(&pairs).as_bytes()).unwrap_err().code(), 200);
            prop_assert!(Params::parse(None, form(&pairs[..MAX_PARAMS]).as_bytes()).is_ok());
        }
    }
}
