#!/usr/bin/env bash
# Fan-out on each hub transport: the same surge (READERS readers on the full .NET client, votes over HTTP at RATE/s)
# through one LivePoll node (Release) on redis-server, with the readers on WebSockets (negotiation skipped, what pages try
# first) with MessagePack and with JSON, Server-Sent Events (JSON) and long polling (MessagePack), the last two as pages
# use them behind a proxy that refuses WebSockets. One run, so the figures compare: the server's CPU per delivered
# message on each (WebSockets with JSON tells the transport's cost from the protocol's).
#
#   load-tests/transport-bench.sh                      # the run in load-tests/README.md
#   READERS=1000 RATE=200 load-tests/transport-bench.sh
#
# Settings (environment): READERS (500), RATE (votes/s, 100), HOLD (s, 20), RAMP (s, 3), RUNS (transport:protocol
# pairs, "websockets:messagepack websockets:json serversentevents:json longpolling:messagepack"),
# REPORTS (load-tests/reports/transport-bench-<time>).
set -euo pipefail
cd "$(dirname "$0")/.."

READERS=${READERS:-500} RATE=${RATE:-100} HOLD=${HOLD:-20} RAMP=${RAMP:-3} CONNECTIONS=16 TRANSPORT=http
RUNS=${RUNS:-"websockets:messagepack websockets:json serversentevents:json longpolling:messagepack"}
REPORTS=${REPORTS:-load-tests/reports/transport-bench-$(date +%Y%m%d-%H%M%S)}

. load-tests/bench-lib.sh

mkdir -p "$REPORTS"
start_redis 16379
for run in $RUNS; do
  hub=${run%%:*} protocol=${run##*:}
  start_node "$hub" Redis__Configuration="127.0.0.1:$REDIS_PORT"
  hub="$hub-$protocol"
  dotnet "$tool_dll" surge -t "http://127.0.0.1:$NODE_PORT" -k "$key" --transport http --client full --hub-transport "${hub%%-*}" --protocol "$protocol" \
    --readers "$READERS" --voters $((RATE * (HOLD + 2 * RAMP) + 1000)) --rate "$RATE" --ramp-up "$RAMP" --hold "$HOLD" \
    --ramp-down "$RAMP" --connections "$CONNECTIONS" --server-pid "$NODE_PID" --report "$REPORTS/$hub" >"$work/tool-$hub.log" 2>&1 || true
  kill "$NODE_PID" 2>/dev/null || true; wait "$NODE_PID" 2>/dev/null || true
  cp "$work/tool-$hub.log" "$REPORTS/" 2>/dev/null || true
  if [[ ! -f $REPORTS/$hub/report.json ]]; then
    echo "  $hub: no report; the tool said:"; tail -n 15 "$work/tool-$hub.log"; continue
  fi
  python3 - "$REPORTS/$hub/report.json" "$hub" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
cpu, lat = r.get("cpu") or {}, r.get("voteToReaderLatency") or {}
print(f"  {sys.argv[2]:<28} {r['settings'].get('protocol', '?')}, {r['settings'].get('readers', '?')} readers, {r.get('snapshotsPerReaderPerSecond', 0)} snapshots per reader per s: delivered {cpu.get('delivered', 0):>8,} in the window, "
      f"server {cpu.get('serverCores', 0):.2f} cores, {cpu.get('serverMicrosPerDelivered', '?')} us per delivered message, "
      f"vote-to-reader p50 {lat.get('p50', 0):.0f} / p99 {lat.get('p99', 0):.0f} ms, verdict {'PASS' if r['verdict']['passed'] else 'FAIL'}")
PY
done
echo "== reports in $REPORTS"
