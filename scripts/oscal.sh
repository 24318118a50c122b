#!/usr/bin/env bash
# Validates the OSCAL exports of a freshly started server with compliance-trestle's OSCAL
# models: every framework's catalog (an organisation-defined one included) and every tier's
# profile, and the assessment-results of an assessment.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${OSCAL_VENV:-target/oscal-venv}"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import trestle" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "compliance-trestle>=5,<6"
fi

scripts/with-server.sh "$VENV/bin/python" scripts/oscal_validate.py
