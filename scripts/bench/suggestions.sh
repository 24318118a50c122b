#!/usr/bin/env bash
# Answer-library suggestion benchmark: starts a server on a fresh SQLite data directory (or on
# ANNEXA_DATABASE_URL), builds a library of BENCH_ENTRIES approved entries over HTTP, then times
# suggestions for a BENCH_QUESTIONS-question customer questionnaire BENCH_RUNS times and prints
# percentiles. The server is pinned to core 0 and the client to core 1 where taskset exists.
#
#   scripts/bench/suggestions.sh                      # 10,000 entries, 300 questions, release
#   BENCH_PROFILE=debug BENCH_ENTRIES=200 BENCH_QUESTIONS=30 BENCH_RUNS=3 scripts/bench/suggestions.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

PROFILE="${BENCH_PROFILE:-release}"
if [ "$PROFILE" = release ]; then
    cargo build --quiet --release
else
    cargo build --quiet
fi
BIN="./target/$PROFILE/annexa"
WORK="$(mktemp -d)"
PORT="${BENCH_PORT:-18181}"
export ANNEXA_DATA_DIR="$WORK" ANNEXA_LISTEN="127.0.0.1:$PORT" ANNEXA_WORKERS=1 RUST_LOG=warn
export ANNEXA_BODY_LIMIT_BYTES=4194304
SERVER_PIN=() CLIENT_PIN=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
    SERVER_PIN=(taskset -c 0) CLIENT_PIN=(taskset -c 1)
fi
"${SERVER_PIN[@]}" "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
API_URL="http://127.0.0.1:$PORT"
API_TOKEN="$("$BIN" token --org bench --role admin --sub bench)"
export API_URL API_TOKEN BENCH_SERVER_PID=$SERVER BENCH_PROFILE="$PROFILE"
"${CLIENT_PIN[@]}" python3 scripts/bench/suggestions.py
