#!/usr/bin/env bash
# Installs what is missing, builds the release when a source changed, and starts Gatehouse on
# 127.0.0.1:3000.
# Flags after the command go to the server, e.g. `./scripts/run.sh --listen 0.0.0.0:8080`.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"

ensure_build_tools
build_release_if_changed
cd "$ROOT"
exec ./target/release/server --site-root target/site "$@"
