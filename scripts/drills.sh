#!/usr/bin/env bash
# Reliability drills against the release server (server/examples/drill.rs):
#   scripts/drills.sh short   20 kill -9 trials and 5 SIGTERM trials (the test command runs this)
#   scripts/drills.sh long    500 kill -9 trials and 100 SIGTERM trials
# Each trial runs a write storm, stops the server, restarts it and checks every acknowledged write.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$ROOT"

mode="${1:-short}"
case "$mode" in
  short) crash=20; shutdown=5 ;;
  long) crash=500; shutdown=100 ;;
  *) echo "usage: scripts/drills.sh short|long" >&2; exit 2 ;;
esac

say "Reliability drills ($mode): building the drill"
cargo build -p server --release --example drill
drill=target/release/examples/drill
[[ -x target/release/server ]] || { echo "build the release server first (cargo leptos build --release)" >&2; exit 1; }

say "Crash drill: the checker itself catches a lost write"
"$drill" crash --trials 2 --self-test
say "Crash drill: kill -9 during a write storm, $crash trials"
"$drill" crash --trials "$crash"
say "Graceful shutdown drill: SIGTERM during a write storm, $shutdown trials"
"$drill" shutdown --trials "$shutdown"
