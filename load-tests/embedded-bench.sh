#!/usr/bin/env bash
# The embedded store's benchmark: the same vote surge (load tool, same settings) through one LivePoll node (Release) on
#   1. the embedded Garnet in memory only (Store__Embedded__Persist=false),
#   2. the embedded Garnet on disk (the default: a vote is answered only after the append-only file holds it),
#   3. redis-server with appendonly yes + appendfsync always (the same promise from Redis),
#   4. redis-server without persistence (for reference),
# one after another in one run, so the figures compare; then the recovery time of the embedded store holding
# RECOVERY_VOTES votes: after kill -9 (the whole append-only file replayed, no checkpoint since the votes) and after a
# clean stop (a checkpoint is taken as the server stops, and loaded).
#
#   load-tests/embedded-bench.sh                               # the run in load-tests/README.md
#   RATES=3000 RECOVERY_VOTES=0 load-tests/embedded-bench.sh   # only the comparison
#
# Settings (environment): RATES (votes/s, one surge per rate per store, "3000 20000"), HOLD (s, 20), RAMP (s, 3),
# READERS (500), CONNECTIONS (vote connections, 128), TRANSPORT (hub|http), RECOVERY_VOTES (1000000; 0 skips),
# RECOVERY_RATE (votes/s while filling, 8000), REPORTS (load-tests/reports/embedded-bench-<time>).
set -euo pipefail
cd "$(dirname "$0")/.."

RATES=${RATES:-"3000 20000"} HOLD=${HOLD:-20} RAMP=${RAMP:-3} READERS=${READERS:-500} CONNECTIONS=${CONNECTIONS:-128}
TRANSPORT=${TRANSPORT:-hub} REPORTS=${REPORTS:-load-tests/reports/embedded-bench-$(date +%Y%m%d-%H%M%S)}
RECOVERY_VOTES=${RECOVERY_VOTES:-1000000} RECOVERY_RATE=${RECOVERY_RATE:-8000}

. load-tests/bench-lib.sh

mkdir -p "$REPORTS"
for rate in $RATES; do
  echo "== $rate votes/s"
  surge embedded-memory "$rate" Redis__Configuration= Store__Embedded__Persist=false
  surge embedded-disk "$rate" Redis__Configuration= Store__Embedded__Persist=true Store__DataDirectory="$work/data-$rate"
  du -sh "$work/data-$rate" | sed 's/^/  embedded data folder after the run: /'
  start_redis 16379 --appendonly yes --appendfsync always
  surge redis-always "$rate" Redis__Configuration="127.0.0.1:$REDIS_PORT"
  stop_all
  start_redis 16379
  surge redis-memory "$rate" Redis__Configuration="127.0.0.1:$REDIS_PORT"
  stop_all
done

if ((RECOVERY_VOTES > 0)); then
  data="$work/data-recovery"
  settings=(Redis__Configuration= Store__Embedded__Persist=true Store__DataDirectory="$data" Store__Embedded__CheckpointIntervalSeconds=0
    Logging__LogLevel__LivePoll.Server.Storage=Information)
  # The time from starting the node to its readiness, and what it said it recovered.
  restart() {
    local started ready
    started=$(date +%s.%N)
    start_node "recovery-$1" "${settings[@]}"
    ready=$(date +%s.%N)
    printf '  %-28s ready %.1f s after start; ' "$1:" "$(echo "$ready - $started" | bc)"
    grep -o 'Recovered the embedded store from /[^"]*' "$work/server-recovery-$1.log" | head -n 1 || echo "(no recovery line)"
  }
  echo "== recovery: filling the embedded store with $RECOVERY_VOTES votes at $RECOVERY_RATE/s (no checkpoint meanwhile)"
  start_node recovery-fill "${settings[@]}"
  hold=$((RECOVERY_VOTES / ${RECOVERY_RATE%.*}))
  dotnet "$tool_dll" surge -t "http://127.0.0.1:$NODE_PORT" -k "$key" --transport hub --readers 10 --voters "$RECOVERY_VOTES" \
    --rate "$RECOVERY_RATE" --ramp-up 0 --hold "$hold" --ramp-down 0 --connections "$CONNECTIONS" \
    --report "$REPORTS/recovery-fill" >"$work/tool-recovery-fill.log" 2>&1 || true
  python3 - "$REPORTS/recovery-fill/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"  filled: sent {r['sent']}, acknowledged {r['acknowledged']} ({r['outcomes']}), {r['holdAcknowledgedPerSecond']:.0f}/s while holding, verdict {'PASS' if r['verdict']['passed'] else 'FAIL'}")
PY
  du -sh "$data" | sed 's/^/  data folder: /'
  kill -9 "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true
  restart "after kill -9"
  # A clean stop takes a checkpoint; the next start loads it instead of replaying.
  kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true
  grep -o 'Took a checkpoint of the embedded store in /[^"]*' "$work/server-recovery-after kill -9.log" | head -n 1 | sed 's/^/  at the clean stop: /' || true
  restart "after a clean stop"
  du -sh "$data" | sed 's/^/  data folder: /'
  kill "$NODE_PID"; wait "$NODE_PID" 2>/dev/null || true
  cp "$work"/server-recovery-*.log "$REPORTS/" 2>/dev/null || true
fi
echo "== reports in $REPORTS"
