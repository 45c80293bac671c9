//! What a page's head tells the browser to load, and when to start: the entry bundle and the
//! script that hydrates the page's islands ([`IslandScripts`]), and preload hints for a lazy page
//! island's wasm chunks ([`PreloadIsland`]), which are otherwise fetched only once the entry has
//! been downloaded, compiled and has reached the island. Rendered on the server only (the frame
//! never runs in a browser), from the hash file and split manifest of the build being served.

use leptos::prelude::*;

/// Loads the entry bundle and hydrates the page's islands as early as the browser allows. leptos's
/// `HydrationScripts` waits for an idle moment before it even imports the bundle (in Chromium that
/// came about 100 ms after the load event) and compiles the wasm only then. Here a classic script
/// in the head starts fetching and compiling the wasm while the HTML is still being parsed, the
/// entry's JavaScript and the wasm-split loader it imports are preloaded, and the module script
/// hydrates as soon as the document is parsed.
#[component]
pub fn IslandScripts() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        // As in leptos's islands mode: outside the islands, nothing on the page hydrates, so the
        // server writes no hydration data for it.
        if let Some(context) = Owner::current_shared_context() {
            context.set_is_hydrating(false);
        }
        let files = use_context::<LeptosOptions>().map(|options| server::entry_urls(&options));
        let nonce = leptos::nonce::use_nonce();
        files.map(|files| {
            let (compile, hydrate) = island_scripts(&files.js, &files.wasm);
            view! {
                <link rel="modulepreload" href=files.js.clone()/>
                <link rel="modulepreload" href=files.split.clone()/>
                <script nonce=nonce.clone()>{compile}</script>
                <script type="module" nonce=nonce>{hydrate}</script>
            }
        })
    }
}

/// The two scripts of [`IslandScripts`]: a classic one that starts compiling the wasm at once,
/// and the module that instantiates it and hydrates every island. If compiling as it streams
/// fails (a proxy that changes the content type, say) or never started, the module loads the wasm
/// by its URL; the failure is caught where it happens, so it is not reported as an unhandled
/// rejection while the page is still being parsed. A lazy island's function starts loading its
/// chunks as a task and returns (see vendor/README.md, leptos_macro); the islands are started
/// last to first, so the page's own island (after the header's, and usually lazy) has its chunks
/// loading while the header's hydrates. Islands are never nested in this console.
pub fn island_scripts(js_url: &str, wasm_url: &str) -> (String, String) {
    let compile = format!(
        r#"self.gatehouseWasm = WebAssembly.compileStreaming(fetch("{wasm_url}")).catch(() => "{wasm_url}");"#
    );
    let hydrate = format!(
        r#"import * as bundle from "{js_url}";
try {{
  const wasm = await (self.gatehouseWasm ?? "{wasm_url}");
  await bundle.default({{ module_or_path: wasm }});
  bundle.hydrate();
  for (const island of [...document.querySelectorAll("leptos-island")].reverse()) {{
    const hydrateIsland = bundle[island.dataset.component];
    if (hydrateIsland) hydrateIsland(island);
    else console.error("No wasm function for the island " + island.dataset.component);
  }}
}} catch (error) {{
  console.error("The console's wasm did not load", error);
}}"#
    );
    (compile, hydrate)
}

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

/// A bundle file's name: `<stem>.<hash>.<ext>` when the build's `hash.txt` names a hash for
/// `kind` (`js`, `wasm`, `split`, `manifest`), else `<stem>.<ext>`.
pub fn bundle_file_name(stem: &str, kind: &str, ext: &str, hash_txt: Option<&str>) -> String {
    let hash = hash_txt.into_iter().flat_map(str::lines).find_map(|line| {
        let (named, hash) = line.split_once(':')?;
        (named.trim() == kind).then(|| hash.trim().to_string())
    });
    match hash {
        Some(hash) if !hash.is_empty() => format!("{stem}.{hash}.{ext}"),
        _ => format!("{stem}.{ext}"),
    }
}

/// The split manifest's file name (see [`bundle_file_name`]).
pub fn manifest_file_name(hash_txt: Option<&str>) -> String {
    bundle_file_name("__wasm_split_manifest", "manifest", "json", hash_txt)
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

    /// The URLs of the entry's files in the build being served.
    pub struct EntryUrls {
        pub js: String,
        pub wasm: String,
        /// The wasm-split loader, which the entry's JavaScript imports.
        pub split: String,
    }

    /// The build's `hash.txt` (when it hashes file names), read once: a new build means a new
    /// process.
    fn hash_txt(options: &LeptosOptions) -> Option<&'static str> {
        static HASH_TXT: OnceLock<Option<String>> = OnceLock::new();
        HASH_TXT
            .get_or_init(|| {
                options
                    .hash_files
                    .then(|| bundle_hash_file(&options.hash_file))
                    .flatten()
            })
            .as_deref()
    }

    /// Worked out once, as the build being served does not change.
    pub fn entry_urls(options: &LeptosOptions) -> &'static EntryUrls {
        static ENTRY: OnceLock<EntryUrls> = OnceLock::new();
        ENTRY.get_or_init(|| {
            let hash_txt = hash_txt(options);
            let pkg = format!("/{}", options.site_pkg_dir);
            let name = &options.output_name;
            let file = |stem: &str, kind: &str, ext: &str| {
                format!(
                    "{pkg}/{}",
                    super::bundle_file_name(stem, kind, ext, hash_txt)
                )
            };
            let hashed = hash_txt.is_some();
            EntryUrls {
                js: file(name, "js", "js"),
                // Unhashed, the wasm is `<name>_bg.wasm` unless cargo-leptos named the output (as
                // leptos's `HydrationScripts` reckons), and the loader has a placeholder for a hash.
                wasm: if hashed || option_env!("LEPTOS_OUTPUT_NAME").is_some() {
                    file(name, "wasm", "wasm")
                } else {
                    format!("{pkg}/{name}_bg.wasm")
                },
                split: if hashed {
                    file("__wasm_split", "split", "js")
                } else {
                    format!("{pkg}/__wasm_split.______________________.js")
                },
            }
        })
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
        let path = PathBuf::from(options.site_root.as_ref())
            .join(options.site_pkg_dir.as_ref())
            .join(super::manifest_file_name(hash_txt(options)));
        let text = std::fs::read_to_string(path).ok()?;
        serde_json::from_str(&text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn bundle_files_are_named_by_the_hash_of_their_kind() {
        let hash_txt = "js: abc\nwasm: def\nsplit: q\n";
        assert_eq!(
            bundle_file_name("gatehouse", "js", "js", Some(hash_txt)),
            "gatehouse.abc.js"
        );
        assert_eq!(
            bundle_file_name("gatehouse", "wasm", "wasm", Some(hash_txt)),
            "gatehouse.def.wasm"
        );
        assert_eq!(
            bundle_file_name("__wasm_split", "split", "js", Some(hash_txt)),
            "__wasm_split.q.js"
        );
        // A kind the file does not name, or no hash file at all: the plain name.
        assert_eq!(
            bundle_file_name("gatehouse", "css", "css", Some(hash_txt)),
            "gatehouse.css"
        );
        assert_eq!(
            bundle_file_name("gatehouse", "js", "js", None),
            "gatehouse.js"
        );
    }

    #[test]
    fn the_island_scripts_compile_the_named_wasm_and_hydrate_every_island() {
        let (compile, hydrate) = island_scripts("/pkg/gatehouse.abc.js", "/pkg/gatehouse.def.wasm");
        assert_eq!(
            compile,
            "self.gatehouseWasm = WebAssembly.compileStreaming(fetch(\"/pkg/gatehouse.def.wasm\"))\
             .catch(() => \"/pkg/gatehouse.def.wasm\");"
        );
        assert!(hydrate.starts_with("import * as bundle from \"/pkg/gatehouse.abc.js\";"));
        assert!(hydrate.contains("await (self.gatehouseWasm ?? \"/pkg/gatehouse.def.wasm\")"));
        assert!(hydrate.contains("document.querySelectorAll(\"leptos-island\")"));
        // Inside <script>: nothing the HTML parser would read as the end of the element.
        assert!(!compile.contains("</") && !hydrate.contains("</"));
    }

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
