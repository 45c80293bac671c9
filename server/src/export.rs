//! `GET /properties/export`: the console's "Export" link. The JSON document `server export`
//! writes, for the list's search and feature filter (`search`, `feature` repeatable) or for its
//! selection (`id` repeatable), as a download. Signed-in console accounts only (viewers too: the
//! document holds no secret); what it holds is decided by `ops::transfer::export`.

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use app::auth::request_actor;
use app::domain::features::Feature;
use app::domain::signature::format_date;
use app::error::ConsoleError;
use app::ops::transfer::{self, ExportFilter};

use crate::state::AppState;

/// The filter an export link asks for; an unknown feature name is refused, not ignored.
fn filter_from_query(query: &str) -> Result<ExportFilter, ConsoleError> {
    let mut filter = ExportFilter::default();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "search" => filter.search = value.into_owned(),
            "feature" => {
                let feature: Feature =
                    value
                        .parse()
                        .map_err(|e: app::domain::features::FeatureError| {
                            ConsoleError::invalid("features", e.to_string())
                        })?;
                if !filter.features.contains(&feature) {
                    filter.features.push(feature);
                }
            }
            "id" => filter.ids.push(value.into_owned()),
            _ => {}
        }
    }
    Ok(filter)
}

pub async fn download(State(state): State<AppState>, request: Parts) -> Response {
    let now = state.clock.now();
    let answer = async {
        let actor = request_actor(&request.extensions, now)?;
        let filter = filter_from_query(request.uri.query().unwrap_or_default())?;
        let document = transfer::export(&state.store, &actor, &filter).await?;
        let mut text = serde_json::to_string_pretty(&document)
            .map_err(|e| ConsoleError::Server(e.to_string()))?;
        text.push('\n');
        Ok::<_, ConsoleError>((document.properties.len(), text))
    };
    match answer.await {
        Ok((count, text)) => {
            tracing::info!(properties = count, "console: properties exported");
            let day = &format_date(now)[..10];
            let disposition = format!("attachment; filename=\"gatehouse-properties-{day}.json\"");
            let mut response = text.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => {
            let status = error.status();
            let mut response = (status, Json(error)).into_response();
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                tracing::error!("console: export failed");
            }
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_gives_search_features_and_ids() {
        let filter = filter_from_query(
            "search=web+shop&feature=owner&feature=owner&feature=login_client&id=a&id=b&x=1",
        )
        .unwrap();
        assert_eq!(filter.search, "web shop");
        assert_eq!(filter.features, [Feature::Owner, Feature::LoginClient]);
        assert_eq!(filter.ids, ["a", "b"]);
        assert!(filter_from_query("feature=nope").is_err());
        assert!(filter_from_query("").unwrap().ids.is_empty());
    }
}
