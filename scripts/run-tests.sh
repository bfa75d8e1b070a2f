#!/usr/bin/env bash
# Run the whole suite. The emulators the tests start record themselves under a home folder
# of this run; whatever happens (failure, Ctrl-C), the trap stops what is still running.
set -uo pipefail
cd "$(dirname "$0")/.."
export DDB_MIGRATE_HOME="$PWD/.local-stack/test-$$"
export DDB_MIGRATE_CACHE="$PWD/.cache"
export PYSPARK_PYTHON="$PWD/.venv/bin/python"
export SPARK_LOCAL_IP=127.0.0.1
unset MOTO_ACCOUNT_ID
mkdir -p "$DDB_MIGRATE_HOME"

cleanup() {
  .venv/bin/ddb-migrate local down >/dev/null 2>&1 || true
  # Anything a killed test left behind: processes started from this run's home.
  pkill -f -- "$DDB_MIGRATE_HOME" 2>/dev/null || true
  for log in "$DDB_MIGRATE_HOME"/*.log; do
    [ -e "$log" ] || continue
    port=$(basename "$log" .log | grep -oE '[0-9]+$')
    [ -n "$port" ] && pkill -f -- "-p(ort)? $port\b" 2>/dev/null || true
  done
  rm -rf "$DDB_MIGRATE_HOME"
}
trap cleanup EXIT INT TERM

.venv/bin/python -m pytest -p no:cacheprovider -W ignore::DeprecationWarning "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$status"
