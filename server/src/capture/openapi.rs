//! The API as a published contract: the OpenAPI 3 document `server/openapi.json`, kept by hand
//! beside the handlers and served at `/openapi.json`. A test holds it to the router's endpoint
//! list, both ways; `scripts/fuzz-api.sh` holds the server to it with schemathesis.

use axum::http::header;
use axum::response::IntoResponse;

/// The document, compiled into the binary.
pub const DOCUMENT: &str = include_str!("../../openapi.json");

pub async fn document() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        DOCUMENT,
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    #[test]
    fn the_document_describes_exactly_the_endpoints_the_router_serves() {
        let document: Value = serde_json::from_str(super::DOCUMENT).expect("openapi.json is JSON");
        assert!(document["openapi"].as_str().unwrap_or("").starts_with("3."));
        let documented: BTreeSet<String> = document["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .cloned()
            .collect();
        let served: BTreeSet<String> = super::super::endpoints()
            .into_iter()
            .map(|(path, _)| path.to_string())
            .collect();
        assert_eq!(
            documented.difference(&served).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "documented but not served"
        );
        assert_eq!(
            served.difference(&documented).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "served but not documented"
        );
    }
}
