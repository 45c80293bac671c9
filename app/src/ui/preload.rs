//! Preload hints for a page island's wasm chunks. A lazy island's chunks are otherwise fetched
//! only once the entry has been downloaded, compiled and has reached the island; named in the
//! page's head, the browser fetches them alongside the entry. Rendered on the server only (the
//! frame never runs in a browser), from the split manifest of the build being served.

use leptos::prelude::*;

/// `<link rel="preload">` in the head for each wasm file a first visit to the lazy island
/// `island` needs (its name in snake case, `settings_page`, as wasm-split names the split).
/// Nothing when the build has no split manifest (tests, a build without `--split`).
#[component]
pub fn PreloadIsland(island: &'static str) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        let hrefs = use_context::<LeptosOptions>()
            .map(|options| server::island_chunk_urls(&options, island))
            .unwrap_or_default();
        hrefs
            .into_iter()
            .map(|href| {
                // `fetch()` (how the chunks are loaded) asks in CORS mode with same-origin
                // credentials; `crossorigin` (anonymous) makes the preload match it.
                view! { <leptos_meta::Link rel="preload" href as_="fetch" crossorigin=""/> }
            })
            .collect_view()
    }
    #[cfg(not(feature = "ssr"))]
    let _ = island;
}

/// The split manifest's file name: `__wasm_split_manifest.<hash>.json` when the build's
/// `hash.txt` names a manifest hash, else the plain name.
pub fn manifest_file_name(hash_txt: Option<&str>) -> String {
    let hash = hash_txt.into_iter().flat_map(str::lines).find_map(|line| {
        let (kind, hash) = line.split_once(':')?;
        (kind.trim() == "manifest").then(|| hash.trim().to_string())
    });
    match hash {
        Some(hash) if !hash.is_empty() => format!("__wasm_split_manifest.{hash}.json"),
        _ => "__wasm_split_manifest.json".to_string(),
    }
}

/// The files (without `.wasm`) a first visit to `island` loads, given the manifest: splits are
/// keyed `<island>_loader_<number>` (`settings_page_loader_1506…`).
pub fn island_chunks(
    manifest: &std::collections::HashMap<String, Vec<String>>,
    island: &str,
) -> Vec<String> {
    let prefix = format!("{island}_loader_");
    manifest
        .iter()
        .find(|(split, _)| {
            split
                .strip_prefix(&prefix)
                .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(|(_, files)| files.clone())
        .unwrap_or_default()
}

#[cfg(feature = "ssr")]
pub use server::bundle_hash_file;

#[cfg(feature = "ssr")]
mod server {
    use std::collections::HashMap;
    use std::path::PathBuf;
    use std::sync::OnceLock;

    use leptos::prelude::LeptosOptions;

    /// The hash file cargo-leptos writes beside the server binary when the build gives the
    /// bundle's files content hashes (`hash-files`); leptos reads it there to name them too.
    pub fn bundle_hash_file(name: &str) -> Option<String> {
        let exe = std::env::current_exe().ok()?;
        std::fs::read_to_string(exe.parent()?.join(name)).ok()
    }

    /// The manifest of the build being served, read once (a new build means a new process).
    static MANIFEST: OnceLock<Option<HashMap<String, Vec<String>>>> = OnceLock::new();

    pub fn island_chunk_urls(options: &LeptosOptions, island: &str) -> Vec<String> {
        let Some(manifest) = MANIFEST.get_or_init(|| read_manifest(options)) else {
            return Vec::new();
        };
        super::island_chunks(manifest, island)
            .into_iter()
            .map(|file| format!("/{}/{file}.wasm", options.site_pkg_dir))
            .collect()
    }

    fn read_manifest(options: &LeptosOptions) -> Option<HashMap<String, Vec<String>>> {
        let hash_txt = options
            .hash_files
            .then(|| bundle_hash_file(&options.hash_file))
            .flatten();
        let path = PathBuf::from(options.site_root.as_ref())
            .join(options.site_pkg_dir.as_ref())
            .join(super::manifest_file_name(hash_txt.as_deref()));
        let text = std::fs::read_to_string(path).ok()?;
        serde_json::from_str(&text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn the_manifest_is_named_by_its_hash_when_the_build_hashes_file_names() {
        let hash_txt = "js: abc\nwasm: def\nmanifest: Xy_z-1\nsplit: q\n";
        assert_eq!(
            manifest_file_name(Some(hash_txt)),
            "__wasm_split_manifest.Xy_z-1.json"
        );
        assert_eq!(manifest_file_name(None), "__wasm_split_manifest.json");
        assert_eq!(
            manifest_file_name(Some("js: abc\n")),
            "__wasm_split_manifest.json"
        );
    }

    #[test]
    fn an_island_gets_the_files_of_its_own_split_only() {
        let manifest: HashMap<String, Vec<String>> = HashMap::from([
            (
                "settings_page_loader_15060508653954117016".to_string(),
                vec![
                    "chunk_9.a".to_string(),
                    "split_settings_page_loader_1.b".to_string(),
                ],
            ),
            (
                "new_property_page_loader_143".to_string(),
                vec!["chunk_65.c".to_string()],
            ),
            (
                "property_page_loader_245".to_string(),
                vec!["chunk_66.d".to_string()],
            ),
        ]);
        assert_eq!(
            island_chunks(&manifest, "settings_page"),
            ["chunk_9.a", "split_settings_page_loader_1.b"]
        );
        // `property_page` is not `new_property_page`, nor the other way round.
        assert_eq!(island_chunks(&manifest, "property_page"), ["chunk_66.d"]);
        assert_eq!(
            island_chunks(&manifest, "new_property_page"),
            ["chunk_65.c"]
        );
        assert!(island_chunks(&manifest, "users_page").is_empty());
    }
}
