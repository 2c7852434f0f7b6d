#!/usr/bin/env bash
# Property-based API tests of the REST routes with schemathesis.
#
#   bash .ci/schemathesis.sh target/debug/customer-graph
#
# Makes (once) a virtualenv with a pinned schemathesis, starts the server on a
# throwaway SQLite database with one seeded organization, and runs schemathesis
# against GET /api/v1/openapi.json with that organization's bearer token.
# `org_uuid` is pinned to the real organization and `customer_uuid`,
# `feedback_uuid` and `space_uuid` are drawn mostly from real rows, so the
# data paths are exercised, not only 404s.
# Exits non-zero when schemathesis reports a failure.
#
# Environment (all optional):
#   SCHEMATHESIS_VENV          virtualenv to use (default: target/schemathesis-venv)
#   SCHEMATHESIS_SEED          generation seed (default: 20261128)
#   SCHEMATHESIS_MAX_EXAMPLES  test cases per operation and phase (default: 100)
#   SCHEMATHESIS_REPORT_DIR    if set, a JUnit report is written there
set -euo pipefail

SCHEMATHESIS_VERSION="4.32.5"
CHECKS="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance"

usage() { echo "usage: $0 PATH/TO/customer-graph" >&2; exit 2; }
[ $# -eq 1 ] || usage
BIN="$(realpath "$1")"
[ -x "$BIN" ] || { echo "error: $1 is not an executable" >&2; exit 2; }

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${SCHEMATHESIS_VENV:-$ROOT/target/schemathesis-venv}"
SEED="${SCHEMATHESIS_SEED:-20261128}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-100}"

log() { printf '\n== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- virtualenv
installed_version() {
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true
}
if [ "$(installed_version)" != "$SCHEMATHESIS_VERSION" ]; then
  log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
PY="$VENV/bin/python"
ST="$VENV/bin/st"

# ------------------------------------------------------ temp dir and cleanup
WORK="$(mktemp -d /tmp/customer-graph-schemathesis.XXXXXX)"
SERVER_PID=""
ST_PID=""
cleanup() {
  local status=$?
  if [ -n "$ST_PID" ]; then
    kill -TERM "$ST_PID" 2>/dev/null || true
    wait "$ST_PID" 2>/dev/null || true
  fi
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------ data and server
DB="sqlite://$WORK/st.db?mode=rwc"
log "creating an organization, a token and seed data"
ORG_UUID="$("$BIN" --database-url "$DB" org create --name schemathesis)"
TOKEN="$("$BIN" --database-url "$DB" token create --organization "$ORG_UUID")"
"$BIN" --database-url "$DB" seed --organization "$ORG_UUID" --customers 20 --feedbacks-per-customer 3 >&2

PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
log "starting the server on $BASE"
NO_COLOR=1 "$BIN" --database-url "$DB" serve --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

ready=""
for _ in $(seq 1 150); do # 30 s at most
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "error: the server exited while starting:" >&2
    cat "$WORK/server.log" >&2
    exit 1
  fi
  if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1).read()' \
    "$BASE/healthz" >/dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 0.2
done
if [ -z "$ready" ]; then
  echo "error: $BASE/healthz did not answer within 30 s:" >&2
  cat "$WORK/server.log" >&2
  exit 1
fi

# A few real customers, feedbacks and spaces, for the path's uuids.
real_uuids() { # ROUTE KEY: the uuids of the first five items ROUTE lists under KEY
  "$PY" - "$BASE/api/v1/organizations/$ORG_UUID/$1?page_size=5" "$TOKEN" "$2" <<'PY'
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
items = json.load(urllib.request.urlopen(request, timeout=10))[sys.argv[3]]
if not items:
    sys.exit("error: the seeded organization has no " + sys.argv[3])
print(", ".join(json.dumps(item["uuid"]) for item in items))
PY
}
CUSTOMERS_TOML="$(real_uuids customers customers)"
FEEDBACKS_TOML="$(real_uuids feedbacks feedbacks)"
SPACES_TOML="$(real_uuids spaces spaces)"

# ------------------------------------------------------------- schemathesis
# The token and org uuid reach the config through the environment only.
export CG_SCHEMATHESIS_TOKEN="$TOKEN" CG_SCHEMATHESIS_ORG_UUID="$ORG_UUID"
cat >"$WORK/schemathesis.toml" <<EOF
[auth.openapi.bearer]
bearer = "\${CG_SCHEMATHESIS_TOKEN}"

[parameters]
"path.org_uuid" = "\${CG_SCHEMATHESIS_ORG_UUID}"
# Mostly real rows; now and then a generated uuid (the 404 path).
"path.customer_uuid" = { dictionary = "customers", probability = 0.8 }
"path.feedback_uuid" = { dictionary = "feedbacks", probability = 0.8 }
"path.space_uuid" = { dictionary = "spaces", probability = 0.8 }

[dictionaries.customers]
values = [$CUSTOMERS_TOML]

[dictionaries.feedbacks]
values = [$FEEDBACKS_TOML]

[dictionaries.spaces]
values = [$SPACES_TOML]
EOF

REPORT_ARGS=()
if [ -n "${SCHEMATHESIS_REPORT_DIR:-}" ]; then
  mkdir -p "$SCHEMATHESIS_REPORT_DIR"
  REPORT_ARGS=(--report junit --report-junit-path "$(realpath "$SCHEMATHESIS_REPORT_DIR")/schemathesis-junit.xml")
fi

log "schemathesis $SCHEMATHESIS_VERSION against $BASE/api/v1/openapi.json (seed $SEED, $MAX_EXAMPLES examples)"
# In the background and waited for, so that a signal to this script cleans up
# at once instead of after schemathesis ends.
(
  cd "$WORK" # keeps schemathesis' caches and reports out of the work tree
  exec timeout 600 "$ST" --config-file "$WORK/schemathesis.toml" run "$BASE/api/v1/openapi.json" \
    --checks "$CHECKS" \
    --seed "$SEED" \
    --max-examples "$MAX_EXAMPLES" \
    --generation-database none \
    --request-timeout 30 \
    --no-color \
    "${REPORT_ARGS[@]}"
) &
ST_PID=$!
status=0
wait "$ST_PID" || status=$?
ST_PID=""

if [ "$status" -ne 0 ]; then
  echo "schemathesis exited with $status (1: failures found, 124: timed out); server log tail:" >&2
  tail -n 20 "$WORK/server.log" >&2
fi
exit "$status"
