#!/usr/bin/env bash
# Runs schemathesis against a freshly started server: every operation in /openapi.json with
# an admin token; fails on any 5xx or any response that does not match its schema.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${SCHEMATHESIS_VENV:-target/schemathesis-venv}"
if [ ! -x "$VENV/bin/schemathesis" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis>=4,<5"
fi

cargo build --quiet
WORK="$(mktemp -d)"
PORT="${SCHEMATHESIS_PORT:-18080}"
export ANNEXA_DATA_DIR="$WORK" ANNEXA_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn
./target/debug/annexa serve >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.2
done
TOKEN="$(./target/debug/annexa token --org schemathesis --role admin --sub schemathesis)"

"$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/openapi.json" \
    --header "Authorization: Bearer $TOKEN" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}" \
    --seed 42 \
    --no-color
