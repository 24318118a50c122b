#!/usr/bin/env bash
# Starts a debug build of the server on a fresh data directory and runs the given command with
# API_URL and API_TOKEN (an admin token) set; the server stops when the command ends.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet
WORK="$(mktemp -d)"
PORT="${SCRIPT_PORT:-18080}"
export ANNEXA_DATA_DIR="$WORK" ANNEXA_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn
./target/debug/annexa serve >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.2
done
API_URL="http://127.0.0.1:$PORT"
API_TOKEN="$(./target/debug/annexa token --org "${SCRIPT_ORG:-scripts}" --role admin --sub scripts)"
export API_URL API_TOKEN
"$@"
