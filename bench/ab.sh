#!/usr/bin/env bash
# Two commits side by side on the REST reads: Q2 (GET …/customers?page_size=25)
# and Q3 (GET …/customers/{first}/feedbacks), at 1 and 32 connections, in
# rounds that alternate the two servers, on one PostgreSQL cluster.
#
#   bash bench/ab.sh BEFORE_REV AFTER_REV [--rounds 3] [--seconds 8] [--customers 10000]
#
# Builds both revisions in release mode (git worktrees under a temporary
# directory, one shared target directory), starts a throwaway PostgreSQL 15
# (as bench/run.sh does), seeds one database per revision with the same
# command (`seed --random-seed 42`, 20 feedbacks per customer), then runs wrk
# (1 thread) against each. Prints one line per run and the medians per
# query, connections and revision. Figures are reported, never checked.
set -euo pipefail

usage() { echo "usage: $0 BEFORE_REV AFTER_REV [--rounds N] [--seconds S] [--customers N]" >&2; exit 2; }
[ $# -ge 2 ] || usage
BEFORE="$1"; AFTER="$2"; shift 2
ROUNDS=3; SECONDS_PER_RUN=8; CUSTOMERS=10000
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --customers) CUSTOMERS="$2"; shift 2 ;;
    *) usage ;;
  esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d /tmp/customer-graph-ab.XXXXXX)"
chmod 755 "$WORK"  # the postgres user runs initdb inside it
PIDS=()
log() { printf '\n== %s\n' "$*" >&2; }

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$PG_BIN" ] || ! command -v wrk >/dev/null; then
  log "installing PostgreSQL and wrk"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql wrk >/dev/null
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  su postgres -s /bin/sh -c "'$PG_BIN/pg_ctl' -D '$WORK/pg' -m immediate stop" >/dev/null 2>&1 || true
  for side in before after; do git -C "$ROOT" worktree remove --force "$WORK/$side" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

declare -A REV=([before]="$BEFORE" [after]="$AFTER")
for side in before after; do
  log "building $side (${REV[$side]}) in release mode"
  git -C "$ROOT" worktree add -q --detach "$WORK/$side" "${REV[$side]}"
  (cd "$WORK/$side" && CARGO_TARGET_DIR="$ROOT/target/ab" cargo build --release --quiet)
  cp "$ROOT/target/ab/release/customer-graph" "$WORK/cg-$side"
done

log "starting a throwaway PostgreSQL cluster"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p "$WORK/pg"; chown postgres:postgres "$WORK/pg"
su postgres -s /bin/sh -c "'$PG_BIN/initdb' -D '$WORK/pg' -A trust -U postgres -E UTF8 --no-locale" >/dev/null
su postgres -s /bin/sh -c "'$PG_BIN/pg_ctl' -D '$WORK/pg' -l '$WORK/pg/log' -w -o \"-p $PORT -k '$WORK/pg' -c listen_addresses=127.0.0.1 -c fsync=off\" start" >/dev/null
PG="postgres://postgres@127.0.0.1:$PORT"

declare -A BASE TOKEN FIRST HTTP=([before]=0 [after]=0)
for side in before after; do
  log "seeding $CUSTOMERS customers for $side"
  bin="$WORK/cg-$side"; url="$PG/ab_$side"
  psql -q -h 127.0.0.1 -p "$PORT" -U postgres -c "CREATE DATABASE ab_$side" >/dev/null
  "$bin" migrate --database-url "$url" 2>/dev/null
  org="$("$bin" org create --name Bench --database-url "$url" 2>/dev/null)"
  TOKEN[$side]="$("$bin" token create --organization "$org" --database-url "$url" 2>/dev/null)"
  "$bin" seed --organization "$org" --customers "$CUSTOMERS" --feedbacks-per-customer 20 \
    --random-seed 42 --database-url "$url" >/dev/null 2>&1
  psql -q -h 127.0.0.1 -p "$PORT" -U postgres -d "ab_$side" -c "VACUUM ANALYZE" >/dev/null
  HTTP[$side]="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "$bin" serve --listen "127.0.0.1:${HTTP[$side]}" --database-url "$url" >"$WORK/$side.log" 2>&1 &
  PIDS+=("$!")
  BASE[$side]="http://127.0.0.1:${HTTP[$side]}/api/v1/organizations/$org/customers"
done
for side in before after; do
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:${HTTP[$side]}/healthz" >/dev/null && break; sleep 0.2; done
  FIRST[$side]="$(curl -sf -H "Authorization: Bearer ${TOKEN[$side]}" "${BASE[$side]}?page_size=1" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["customers"][0]["uuid"])')"
done

log "load: wrk, 1 thread, $SECONDS_PER_RUN s per run, $ROUNDS alternating rounds"
RESULTS="$WORK/results"
for round in $(seq "$ROUNDS"); do
  for query in Q2 Q3; do
    for clients in 1 32; do
      for side in before after; do
        if [ "$query" = Q2 ]; then url="${BASE[$side]}?page_size=25"; else url="${BASE[$side]}/${FIRST[$side]}/feedbacks"; fi
        for _ in $(seq 20); do curl -s -o /dev/null -H "Authorization: Bearer ${TOKEN[$side]}" "$url"; done
        out="$(wrk -t1 -c"$clients" -d"${SECONDS_PER_RUN}s" --latency -H "Authorization: Bearer ${TOKEN[$side]}" "$url")"
        rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
        p50="$(echo "$out" | awk '$1=="50%" {print $2}')"
        errors="$(echo "$out" | awk '/Non-2xx/ {print $NF}')"
        echo "$round $query $clients $side $rps $p50 ${errors:-0}" | tee -a "$RESULTS"
      done
    done
  done
done

python3 - "$RESULTS" "$BEFORE" "$AFTER" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
def ms(text):
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)
print(f"\nmedians of the rounds; before = {sys.argv[2]}, after = {sys.argv[3]}")
print("| query | connections | req/s before | req/s after | p50 ms before | p50 ms after | non-2xx |")
print("|---|---:|---:|---:|---:|---:|---:|")
for query in ("Q2", "Q3"):
    for clients in ("1", "32"):
        pick = lambda side: [r for r in rows if r[1] == query and r[2] == clients and r[3] == side]
        b, a = pick("before"), pick("after")
        rps = lambda rs: statistics.median(float(r[4]) for r in rs)
        p50 = lambda rs: statistics.median(ms(r[5]) for r in rs)
        errors = sum(int(r[6]) for r in b + a)
        print(f"| {query} | {clients} | {rps(b):.0f} | {rps(a):.0f} | {p50(b):.2f} | {p50(a):.2f} | {errors} |")
PY
