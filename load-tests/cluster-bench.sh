#!/usr/bin/env bash
# The Redis Cluster benchmark: the same vote surge (load tool, same settings) through one LivePoll node (Release) on
#   1. one redis-server,
#   2. a Redis Cluster of 3 primaries and 3 replicas (redis-cli --cluster create),
#   3. the same cluster with Redis__AckAfterReplicas=1 (every vote batch waits for a replica: WAIT 1),
# one after another in one run, so the figures compare. No persistence on any of them: what differs is the cluster and WAIT.
#
#   load-tests/cluster-bench.sh                          # the run in load-tests/README.md
#   RATES="2000 20000" HOLD=20 READERS=500 load-tests/cluster-bench.sh
#
# Settings (environment): RATES (votes/s, one surge per rate per store, "3000 20000"), HOLD (s, 20), RAMP (s, 3),
# READERS (500), CONNECTIONS (vote connections, 128), TRANSPORT (hub|http), REPORTS (load-tests/reports/cluster-bench-<time>).
set -euo pipefail
cd "$(dirname "$0")/.."

RATES=${RATES:-"3000 20000"} HOLD=${HOLD:-20} RAMP=${RAMP:-3} READERS=${READERS:-500} CONNECTIONS=${CONNECTIONS:-128}
TRANSPORT=${TRANSPORT:-hub} REPORTS=${REPORTS:-load-tests/reports/cluster-bench-$(date +%Y%m%d-%H%M%S)}

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null
  else
    echo "cluster-bench.sh: needs redis-server and redis-cli: sudo apt-get install redis-server redis-tools" >&2; exit 1
  fi
fi

taken=()
# A free loopback port at or above $1 that this script has not handed out yet.
free_port() {
  local port
  for port in $(seq "$1" "$(($1 + 2000))"); do
    [[ " ${taken[*]} " == *" $port "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then taken+=("$port"); FREE_PORT=$port; return; fi
  done
  echo "cluster-bench.sh: no free port near $1" >&2; exit 1
}

work=$(mktemp -d)
pids=()
stop_all() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=(); taken=(); }
trap 'stop_all; rm -rf "$work"' EXIT INT TERM

echo "== building (Release)"
dotnet build -c Release -v q --nologo src/LivePoll.Server >/dev/null
dotnet build -c Release -v q --nologo load-tests/LivePoll.LoadTests >/dev/null
server_dll=src/LivePoll.Server/bin/Release/net10.0/LivePoll.Server.dll
tool_dll=load-tests/LivePoll.LoadTests/bin/Release/net10.0/LivePoll.LoadTests.dll
key="lpk_bench_$RANDOM$RANDOM"
key_hash=$(dotnet "$server_dll" --hash-key "$key")

# Starts redis-server on a free port at or above $1 in its own folder (more settings as arguments): REDIS_PORT.
start_redis() {
  local dir
  free_port "$1"; shift
  REDIS_PORT=$FREE_PORT
  dir="$work/redis-$REDIS_PORT"; mkdir -p "$dir"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no --daemonize no "$@" >"$dir/log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
}

# Starts a Redis Cluster of 3 primaries and 3 replicas: SEEDS, its seed list.
start_cluster() {
  local ports=() p ok
  for _ in 1 2 3 4 5 6; do
    free_port 37000
    start_redis 17000 --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
      --cluster-require-full-coverage no --cluster-port "$FREE_PORT"
    ports+=("$REDIS_PORT")
  done
  redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 1 --cluster-yes >"$work/cluster-create.log" 2>&1
  for _ in $(seq 150); do
    ok=0
    for p in "${ports[@]}"; do
      redis-cli -p "$p" cluster info | grep -q cluster_state:ok && ok=$((ok + 1))
      redis-cli -p "$p" info replication | grep -q master_link_status:up && ok=$((ok + 1))
    done
    ((ok == 9)) && break
    sleep 0.2
  done
  SEEDS=$(printf '127.0.0.1:%s,' "${ports[@]}" | sed 's/,$//')
}

# One surge through a fresh node on the given store; the summary line goes to stdout.
surge() {
  local name=$1 configuration=$2 ack=$3 rate=$4 port pid
  free_port 15080; port=$FREE_PORT
  ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$port" Redis__Configuration="$configuration" \
    Redis__AckAfterReplicas="$ack" Redis__KeyPrefix="b$RANDOM" Logging__LogLevel__Default=Warning \
    Polls__SeedDemoData=false Feed__SeedDemoData=false \
    Newsroom__ApiKeys__0__Name=bench Newsroom__ApiKeys__0__Role=editor Newsroom__ApiKeys__0__ExemptFromLimits=true \
    Newsroom__ApiKeys__0__KeyHash="$key_hash" dotnet "$server_dll" >"$work/server-$name-$rate.log" 2>&1 &
  pid=$!
  pids+=($pid)
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
  dotnet "$tool_dll" surge -t "http://127.0.0.1:$port" -k "$key" --transport "$TRANSPORT" --readers "$READERS" \
    --voters $((rate * (HOLD + 2 * RAMP) + 1000)) --rate "$rate" --ramp-up "$RAMP" --hold "$HOLD" --ramp-down "$RAMP" \
    --connections "$CONNECTIONS" --server-pid "$pid" --report "$REPORTS/$name-$rate" >"$work/tool-$name-$rate.log" 2>&1 || true
  cp "$work/tool-$name-$rate.log" "$work/server-$name-$rate.log" "$REPORTS/" 2>/dev/null || true
  if [[ ! -f $REPORTS/$name-$rate/report.json ]]; then
    echo "  $name at $rate/s: no report; the tool said:"; tail -n 15 "$work/tool-$name-$rate.log"; return
  fi
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  python3 - "$REPORTS/$name-$rate/report.json" "$name" "$rate" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ack, cpu = r.get("ackLatency") or {}, r.get("cpu") or {}
print(f"  {sys.argv[2]:<12} target {sys.argv[3]:>6}/s: acknowledged {r['holdAcknowledgedPerSecond']:>8.0f}/s while holding (peak {r['peakAcknowledgedPerSecond']}), "
      f"ack p50 {ack.get('p50', 0):.1f} / p99 {ack.get('p99', 0):.1f} ms, server {cpu.get('serverMicrosPerVote', '?')} us/vote, "
      f"sent {r['sent']}, acknowledged {r['acknowledged']}, failed {r['failed']}, not sent {r['notSent']}, verdict {'PASS' if r['verdict']['passed'] else 'FAIL'}")
PY
}

mkdir -p "$REPORTS"
for rate in $RATES; do
  echo "== $rate votes/s: one redis-server"
  start_redis 16379
  surge single "127.0.0.1:$REDIS_PORT" 0 "$rate"
  stop_all
  echo "== $rate votes/s: Redis Cluster, 3 primaries + 3 replicas"
  start_cluster
  surge cluster "$SEEDS" 0 "$rate"
  echo "== $rate votes/s: the same cluster, AckAfterReplicas=1"
  surge cluster-ack "$SEEDS" 1 "$rate"
  stop_all
done
echo "== reports in $REPORTS"
