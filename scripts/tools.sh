# Sourced by scripts/run.sh and scripts/test.sh: installs what is missing, and only that.
# Every step checks first, so a second run spends no time here.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION="0.3.10"
export PATH="$ROOT/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_wasm_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

# Downloads URL to FILE: with curl, or with Python where a minimal image has no curl.
download() {
  if command -v curl >/dev/null; then
    curl -sSfL "$1" -o "$2"
  else
    python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' "$1" "$2"
  fi
}

# cargo-leptos, built with Gatehouse's patched wasm-split (vendor/wasm_split_cli_support; why:
# vendor/README.md), into a directory of its own named by the patch's content: a change to the
# patch builds it again, and a stock cargo-leptos elsewhere never splits this bundle.
CARGO_LEPTOS_SHA256="fb2e3a063d96743a5a051b956fef947b47af568d42f3603183e13c4fe1855737"
CARGO_LEPTOS_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/cargo-leptos-$CARGO_LEPTOS_VERSION-$(
  cd "$ROOT/vendor/wasm_split_cli_support" && find . -type f -not -path './target/*' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12
)"
export PATH="$CARGO_LEPTOS_ROOT/bin:$PATH"

ensure_cargo_leptos() {
  if [ ! -x "$CARGO_LEPTOS_ROOT/bin/cargo-leptos" ]; then
    say "Building cargo-leptos $CARGO_LEPTOS_VERSION with the wasm-split patch (about 18 minutes on 2 cores, once)"
    local src
    src="$(mktemp -d)"
    download "https://static.crates.io/crates/cargo-leptos/cargo-leptos-$CARGO_LEPTOS_VERSION.crate" "$src/cargo-leptos.crate"
    echo "$CARGO_LEPTOS_SHA256  $src/cargo-leptos.crate" | sha256sum --check --quiet
    tar xzf "$src/cargo-leptos.crate" -C "$src"
    local dir="$src/cargo-leptos-$CARGO_LEPTOS_VERSION"
    printf '\n[patch.crates-io]\nwasm_split_cli_support = { path = "%s" }\n' "$ROOT/vendor/wasm_split_cli_support" >>"$dir/Cargo.toml"
    # Its lock file names the registry copy (source and checksum); a path has neither.
    awk '/^name = "wasm_split_cli_support"$/ { patched = 1 } /^$/ { patched = 0 }
         !(patched && /^(source|checksum) = /)' "$dir/Cargo.lock" >"$dir/Cargo.lock.new"
    mv "$dir/Cargo.lock.new" "$dir/Cargo.lock"
    cargo install --locked --path "$dir" --root "$CARGO_LEPTOS_ROOT"
    rm -rf "$src"
  fi
}

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
ensure_wasm_bindgen() {
  local want
  want="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' "$ROOT/Cargo.lock")"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    say "Installing wasm-bindgen-cli $want (about 3 minutes, once)"
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

# npm install only when package.json changed since the last install.
ensure_npm_packages() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.installed" ] || [ "$dir/package.json" -nt "$dir/node_modules/.installed" ] \
    || { [ -f "$dir/package-lock.json" ] && [ "$dir/package-lock.json" -nt "$dir/node_modules/.installed" ]; }; then
    say "Installing npm packages in ${dir#$ROOT/}"
    if [ -f "$dir/package-lock.json" ]; then
      (cd "$dir" && npm ci --no-audit --no-fund)
    else
      (cd "$dir" && npm install --no-audit --no-fund)
    fi
    touch "$dir/node_modules/.installed"
  fi
}

# wasm-opt from npm's binaryen: Debian's older binaryen produces a wasm that fails to hydrate,
# so ours must come first on PATH (it does: see PATH above).
ensure_wasm_opt() {
  ensure_npm_packages "$ROOT/tools"
  if [ "$(command -v wasm-opt)" != "$ROOT/tools/node_modules/.bin/wasm-opt" ]; then
    echo "wasm-opt on PATH is $(command -v wasm-opt), expected the npm binaryen one" >&2
    exit 1
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    say "Installing Chromium (Debian package)"
    as_root apt-get update
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y chromium
  fi
}

ensure_build_tools() {
  ensure_wasm_target
  ensure_wasm_bindgen
  ensure_wasm_opt
  ensure_cargo_leptos
}

# The release site (target/site) and server binary (target/release/server). `--split` is required:
# every page is a lazy route in its own wasm chunk, and a build without it does not hydrate.
# `--precompress` writes .gz and .br twins of the bundle, which the server sends as they are.
build_release() {
  say "Building Gatehouse (release)"
  # File names carry content hashes (hash-files): start from an empty /pkg so old builds' files
  # do not pile up there, or get hashed a second time.
  rm -rf "$ROOT/target/site/pkg"
  (cd "$ROOT" && cargo leptos build --release --split --precompress)
  touch "$RELEASE_STAMP"
}

# Written after every successful release build; a source file newer than it means "build again".
RELEASE_STAMP="$ROOT/target/.release-built"

# Builds only when a source, style, public file or the manifests changed since the last release
# build (or it never ran), so a restart with nothing changed takes seconds.
build_release_if_changed() {
  if [[ -x "$ROOT/target/release/server" && -d "$ROOT/target/site/pkg" && -f "$RELEASE_STAMP" ]] &&
    [[ -z "$(cd "$ROOT" && find app server frontend style public Cargo.toml Cargo.lock -newer "$RELEASE_STAMP" -type f -print -quit 2>/dev/null)" ]]; then
    say "Release build is up to date (nothing changed since the last build)"
    return
  fi
  build_release
}
