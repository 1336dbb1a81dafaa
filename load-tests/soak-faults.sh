#!/usr/bin/env bash
# A soak with faults: two LivePoll nodes on one redis-server (AOF, appendfsync always), the load tool's soak against
# both, and every FAULT_EVERY seconds a fault, in turn: node 1 killed with SIGKILL (restarted after 3 s), Redis
# restarted (SIGTERM, then started again on its AOF), node 2 killed and restarted, Redis again... The soak's own
# verdict decides: every acknowledged vote counted (none twice), every feed reader got every article once. Each vote
# comes from a new voter (RATE x DURATION voters), so every acknowledged vote is an Accepted one the verdict checks.
#
#   load-tests/soak-faults.sh                          # 10 minutes, a fault every minute (each kind every ~2 min)
#   DURATION=180 FAULT_EVERY=45 load-tests/soak-faults.sh
#
# Settings (environment): DURATION (s, 600), FAULT_EVERY (s, 60), RATE (votes/s, 300), POLL_READERS (200),
# FEED_READERS (200), REPORTS (folder, load-tests/reports/soak-faults-<time>).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-600} FAULT_EVERY=${FAULT_EVERY:-60} RATE=${RATE:-300}
POLL_READERS=${POLL_READERS:-200} FEED_READERS=${FEED_READERS:-200}
REPORTS=${REPORTS:-load-tests/reports/soak-faults-$(date +%Y%m%d-%H%M%S)}

command -v redis-server >/dev/null || { echo "soak-faults.sh: needs redis-server (sudo apt-get install redis-server)" >&2; exit 1; }

free_port() {
  local port
  for port in $(seq "$1" "$(($1 + 500))"); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "soak-faults.sh: no free port near $1" >&2; exit 1
}

work=$(mktemp -d)
mkdir -p "$REPORTS"
declare -A pid
cleanup() {
  for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "== building (Release)"
dotnet build -c Release -v q --nologo src/LivePoll.Server >/dev/null
dotnet build -c Release -v q --nologo load-tests/LivePoll.LoadTests >/dev/null
server_dll=src/LivePoll.Server/bin/Release/net10.0/LivePoll.Server.dll
tool_dll=load-tests/LivePoll.LoadTests/bin/Release/net10.0/LivePoll.LoadTests.dll

redis_port=$(free_port 26379)
start_redis() {
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --save "" --appendonly yes --appendfsync always \
    --daemonize no >>"$REPORTS/redis.log" 2>&1 &
  pid[redis]=$!
  for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return; sleep 0.1; done
}
start_redis

key="lpk_soak_$RANDOM$RANDOM"
key_hash=$(dotnet "$server_dll" --hash-key "$key")
port1=$(free_port 25080); port2=$(free_port $((port1 + 1)))
start_node() {  # start_node NAME PORT
  ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$2" Node__Name="$1" \
    Redis__Configuration="127.0.0.1:$redis_port" Logging__LogLevel__Default=Warning Polls__SeedDemoData=false Feed__SeedDemoData=false \
    Newsroom__ApiKeys__0__Name=soak Newsroom__ApiKeys__0__Role=editor Newsroom__ApiKeys__0__ExemptFromLimits=true \
    Newsroom__ApiKeys__0__KeyHash="$key_hash" Logging__LogLevel__LivePoll=Information \
    dotnet "$server_dll" --contentRoot "$PWD/src/LivePoll.Server" >>"$REPORTS/$1.log" 2>&1 &
  pid[$1]=$!
  for _ in $(seq 150); do curl -fs "http://127.0.0.1:$2/health/ready" >/dev/null 2>&1 && return; sleep 0.2; done
  echo "soak-faults.sh: node $1 did not become ready" >&2
}
start_node node1 "$port1"
start_node node2 "$port2"

echo "== soak: ${DURATION}s, $RATE votes/s, $POLL_READERS poll readers, $FEED_READERS feed readers, a fault every ${FAULT_EVERY}s"
dotnet "$tool_dll" soak -t "http://127.0.0.1:$port1" -t "http://127.0.0.1:$port2" -k "$key" \
  --duration "$DURATION" --rate "$RATE" --voters "$((RATE * DURATION))" --poll-readers "$POLL_READERS" --feed-readers "$FEED_READERS" \
  --report "$REPORTS/soak" &
tool=$!

log() { echo "[$(date +%T)] $*" | tee -a "$REPORTS/faults.log"; }
# Waits up to $1 seconds, returning early (1) when the soak has ended.
wait_or_end() { for _ in $(seq "$1"); do kill -0 "$tool" 2>/dev/null || return 1; sleep 1; done; }

# The faults run in this shell, so the nodes and Redis they restart are the ones cleanup stops. None in the last
# 30 s: the soak's verdict reads the poll and the readers' state from the nodes then.
started=$SECONDS
round=0
while wait_or_end "$FAULT_EVERY" && (( SECONDS - started + 30 <= DURATION )); do
  case $((round % 4)) in
    0) log "kill -9 node1"; kill -9 "${pid[node1]}" 2>/dev/null || true; wait "${pid[node1]}" 2>/dev/null || true; sleep 3; start_node node1 "$port1"; log "node1 back" ;;
    1|3) log "restart redis"; kill "${pid[redis]}" 2>/dev/null || true; wait "${pid[redis]}" 2>/dev/null || true; sleep 2; start_redis; log "redis back" ;;
    2) log "kill -9 node2"; kill -9 "${pid[node2]}" 2>/dev/null || true; wait "${pid[node2]}" 2>/dev/null || true; sleep 3; start_node node2 "$port2"; log "node2 back" ;;
  esac
  round=$((round + 1))
done

status=0
wait "$tool" || status=$?
for name in node1 node2 redis; do kill -0 "${pid[$name]}" 2>/dev/null && log "$name running at the end" || log "$name NOT running at the end"; done
echo "== faults"; cat "$REPORTS/faults.log" 2>/dev/null || true
echo "== reports in $REPORTS (exit $status)"
exit "$status"
