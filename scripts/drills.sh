#!/usr/bin/env bash
# Reliability drills against the release server (server/examples/drill.rs):
#   scripts/drills.sh short   20 kill -9 trials, 5 SIGTERM trials, 2 s per concurrency case (the
#                             test command runs this; about a minute)
#   scripts/drills.sh long    500 kill -9 trials, 100 SIGTERM trials, 30 s per concurrency case
# Each crash or shutdown trial runs a write storm, stops the server, restarts it and checks every
# acknowledged write. The concurrency drill puts 1, 4 and 16 writers on one property through the API
# and the console together, on a fresh database and on one of 100,000 properties.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
cd "$ROOT"

mode="${1:-short}"
case "$mode" in
  short) crash=20; shutdown=5; seconds=2 ;;
  long) crash=500; shutdown=100; seconds=30 ;;
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
say "Concurrency drill: 1, 4 and 16 writers on one property, ${seconds} s per case"
"$drill" concurrency --properties 100000 --seconds "$seconds"
