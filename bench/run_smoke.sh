#!/usr/bin/env bash
# Run every benchmark at smoke scale, so they keep working. Exits non-zero only
# when a script crashes or prints no result line; a missed target is not a
# failure here (smoke figures measure nothing). Each uses and then drops its
# own bench_*_smoke database on PostgreSQL (BENCH_PG, default
# postgres://postgres@127.0.0.1:5432).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}

# The load client (aiohttp) is the benches' own dependency.
"$PY" -c 'import aiohttp' 2>/dev/null || "$PY" -m pip install --quiet -r bench/requirements.txt

failed=()
run() {
  local name=$1
  shift
  echo "== bench: $name ($*)"
  local log
  log=$(mktemp)
  "$PY" -m "bench.$name" --smoke --drop "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  if [ "$status" -ne 0 ]; then
    echo "== bench: $name crashed (exit $status)"
    failed+=("$name")
  elif ! tail -n 1 "$log" | "$PY" -c 'import json, sys; r = json.loads(sys.stdin.read()); assert {"metric", "value", "unit", "target", "ok"} <= set(r)'; then
    echo "== bench: $name printed no result line"
    failed+=("$name")
  fi
  rm -f "$log"
}

run intake
run intake --profile
run bulk
run bulk --profile --rows 300
run bulk --xlsx
run queue
run audit
run letters
run figures
run ddas

if [ ${#failed[@]} -ne 0 ]; then
  echo "Benchmarks that failed at smoke scale: ${failed[*]}"
  exit 1
fi
echo "All benchmarks ran at smoke scale."
