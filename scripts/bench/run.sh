#!/usr/bin/env bash
# The benchmark suite: seeds a portfolio-scale organisation on SQLite and on PostgreSQL, puts
# each under load with oha and wrk (server pinned to core 0, load on core 1), and writes
# docs/benchmarks.md with the machine, the date and the commit. Installs oha and wrk if missing.
#
#   BENCH_POSTGRES_SCALE=0.1 scripts/bench/run.sh   # how docs/benchmarks.md was made (~15 min)
#   scripts/bench/run.sh                     # both at full size (PostgreSQL seeds and loads 100,000 vendors)
#   BENCH_SCALE=0.002 BENCH_DURATION=1 BENCH_ENTRIES=200 BENCH_QUESTIONS=20 BENCH_EVENTS=200 \
#     BENCH_PROFILE=debug BENCH_REPORT=/tmp/benchmarks.md scripts/bench/run.sh    # smoke
#
# BENCH_BACKENDS="sqlite" limits the run to one backend; BENCH_POSTGRES_SCALE sizes the
# PostgreSQL portfolio apart from BENCH_SCALE; BENCH_POSTGRES_URL names the
# PostgreSQL server (a database annexa_bench is dropped and created on it).
set -euo pipefail
cd "$(dirname "$0")/../.."

PROFILE="${BENCH_PROFILE:-release}"
REPORT="${BENCH_REPORT:-docs/benchmarks.md}"
BACKENDS="${BENCH_BACKENDS:-sqlite postgres}"
PG_SERVER="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
OHA_VERSION=1.16.0

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v oha >/dev/null 2>&1; then
    echo "== installing oha $OHA_VERSION"
    cargo install oha --locked --version "$OHA_VERSION" --quiet
fi
if ! command -v wrk >/dev/null 2>&1; then
    echo "== installing wrk"
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

if [ "$PROFILE" = release ]; then
    cargo build --quiet --release
else
    cargo build --quiet
fi
export BENCH_BIN="./target/$PROFILE/annexa"
RESULTS_DIR="$(mktemp -d)"
trap 'rm -rf "$RESULTS_DIR"' EXIT

results=()
for backend in $BACKENDS; do
    echo "== $backend"
    url=""
    scale="${BENCH_SCALE:-1}"
    if [ "$backend" = postgres ]; then
        scale="${BENCH_POSTGRES_SCALE:-$scale}"
        psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS annexa_bench" -c "CREATE DATABASE annexa_bench"
        url="$PG_SERVER/annexa_bench"
    fi
    BENCH_BACKEND="$backend" BENCH_DATABASE_URL="$url" BENCH_SCALE="$scale" BENCH_RESULTS="$RESULTS_DIR/$backend.json" \
        python3 scripts/bench/portfolio.py run >"$RESULTS_DIR/$backend.log"
    results+=("$RESULTS_DIR/$backend.json")
    if [ "$backend" = postgres ]; then
        psql "$PG_SERVER/postgres" -qc "DROP DATABASE IF EXISTS annexa_bench"
    fi
done

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
{
    echo "# Benchmarks"
    echo
    echo "Written by \`scripts/bench/run.sh\` on $(date -u +%Y-%m-%d) at commit \`$(git rev-parse --short HEAD)\`"
    echo "($PROFILE build; the seeded sizes are under the tables)."
    echo "Machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr);"
    echo "PostgreSQL $(psql "$PG_SERVER/postgres" -tAc 'SHOW server_version' 2>/dev/null || echo '?') on the same machine."
    echo "The server runs with one worker pinned to core 0; oha, wrk, the webhook receivers and the"
    echo "driver share core 1. Targets are the ones the product commits to on this machine."
    echo
    python3 scripts/bench/portfolio.py report "${results[@]}"
    if [ -f docs/benchmarks-notes.md ]; then
        echo
        cat docs/benchmarks-notes.md
    fi
} >"$REPORT"
echo "== report written to $REPORT"
