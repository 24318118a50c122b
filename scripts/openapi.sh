#!/usr/bin/env bash
# Regenerates openapi/openapi.json from the code.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet -- openapi > openapi/openapi.json
echo "wrote openapi/openapi.json"
