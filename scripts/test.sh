#!/usr/bin/env bash
# Installs what is missing and runs every test: Rust unit and integration tests, then the
# Playwright suite in Chromium against a freshly started release server on a temporary database.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"

ensure_build_tools
ensure_chromium
ensure_npm_packages "$ROOT/end2end"

cd "$ROOT"
say "Rust tests: app (with the server-side code)"
cargo test -p app --features ssr
say "Rust tests: server (unit and HTTP integration)"
cargo test -p server

build_release

say "Bundle size: every page's first visit, and the whole bundle, within its ceiling"
node scripts/bundle-size.mjs --check

say "Page speed in Chromium: what each page transfers, when it is hydrated, and that a repeat visit fetches no /pkg file"
node scripts/page-speed.mjs --runs 3 --check

"$ROOT/scripts/drills.sh" short

say "Fuzzing the API with schemathesis against server/openapi.json (short)"
"$ROOT/scripts/fuzz-api.sh"

say "Playwright tests in Chromium"
cd "$ROOT/end2end"
npx playwright test
