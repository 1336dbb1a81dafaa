#!/usr/bin/env bash
# LivePoll's reference benchmark: raw Redis running the vote script (redis-benchmark), then a vote surge
# and a feed fan-out through a LivePoll node, all on this machine, in one run.
#
#   load-tests/bench.sh                       # the reference run (see load-tests/README.md for its figures)
#   RATE=10000 HOLD=20 READERS=2000 load-tests/bench.sh
#   STORE=embedded load-tests/bench.sh        # against the embedded Garnet instead of redis-server
#
# Settings (environment): RATE (votes/s, 25000), HOLD (s, 60), RAMP (s, 5), READERS (5000), VOTERS (100000),
# CONNECTIONS (vote connections, 128), PROTOCOL (messagepack|json), TRANSPORT (hub|http),
# FEED_READERS (5000), ARTICLES (100), STORE (redis|embedded), REPORTS (folder, load-tests/reports/bench-<time>).
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-25000} HOLD=${HOLD:-60} RAMP=${RAMP:-5} READERS=${READERS:-5000} VOTERS=${VOTERS:-100000}
CONNECTIONS=${CONNECTIONS:-128} PROTOCOL=${PROTOCOL:-messagepack} TRANSPORT=${TRANSPORT:-hub}
FEED_READERS=${FEED_READERS:-5000} ARTICLES=${ARTICLES:-100} STORE=${STORE:-redis}
REPORTS=${REPORTS:-load-tests/reports/bench-$(date +%Y%m%d-%H%M%S)}

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null
  else
    echo "bench.sh: needs redis-server and redis-benchmark: sudo apt-get install redis-server redis-tools" >&2; exit 1
  fi
fi

free_port() {
  local port
  for port in $(seq "$1" "$(($1 + 500))"); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "bench.sh: no free port near $1" >&2; exit 1
}

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

echo "== building (Release)"
dotnet build -c Release -v q --nologo src/LivePoll.Server >/dev/null
dotnet build -c Release -v q --nologo load-tests/LivePoll.LoadTests >/dev/null
server_dll=src/LivePoll.Server/bin/Release/net10.0/LivePoll.Server.dll
tool_dll=load-tests/LivePoll.LoadTests/bin/Release/net10.0/LivePoll.LoadTests.dll

redis_config=""
if [[ $STORE == redis ]]; then
  redis_port=$(free_port 16379)
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --save "" --appendonly no --daemonize no >"$work/redis.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis_config="127.0.0.1:$redis_port"

  echo "== raw Redis: the vote script itself (redis-benchmark, 50 clients)"
  sha=$(redis-cli -p "$redis_port" SCRIPT LOAD "$(dotnet "$server_dll" --print-vote-script)")
  redis-cli -p "$redis_port" HSET 'bench:poll:{b}:meta' state open opensAt '' closesAt '' maxChoices 1 allowChange 0 >/dev/null
  redis-cli -p "$redis_port" HSET 'bench:poll:{b}:counts' 1 0 2 0 _total 0 _version 0 >/dev/null
  now=$(($(date +%s) * 1000))
  keys=('bench:poll:{b}:meta' 'bench:poll:{b}:counts' 'bench:poll:{b}:voters' 'bench:poll:{b}:audit'
        'bench:poll:{b}:held' 'bench:poll:{b}:networks' 'bench:poll:{b}:excluded' 'bench:poll:{b}:admitted'
        'bench:poll:{b}:outcomes')
  # One vote per call (ARGV: now, node, per-network cap, then voter, origin, 1 choice, option) unpipelined and pipelined,
  # then batches of 16
  # votes per call as the server sends them under a surge (each __rand_int__ is a new random voter).
  for pipeline in 1 16; do
    redis-benchmark -p "$redis_port" -c 50 -n 1000000 -r 100000000 -P "$pipeline" -q \
      EVALSHA "$sha" 9 "${keys[@]}" "$now" bench 0 'v:__rand_int__' 'exempt|http' 1 1 \
      | tr '\r' '\n' | tail -n 1 | sed "s/^/  1 vote a call, pipeline $pipeline: /"
  done
  batch=()
  for _ in $(seq 16); do batch+=('v:__rand_int__' 'exempt|http' 1 1); done
  redis-benchmark -p "$redis_port" -c 50 -n 100000 -r 100000000 -q EVALSHA "$sha" 9 "${keys[@]}" "$now" bench 0 "${batch[@]}" \
    | tr '\r' '\n' | tail -n 1 | sed "s/^/  16 votes a call (multiply by 16 for votes): /"
fi

echo "== LivePoll node (Release, store: ${redis_config:-embedded Garnet})"
key="lpk_bench_$RANDOM$RANDOM"
server_port=$(free_port 15080)
ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$server_port" \
  Redis__Configuration="$redis_config" Logging__LogLevel__Default=Warning Polls__SeedDemoData=false Feed__SeedDemoData=false \
  Newsroom__ApiKeys__0__Name=bench Newsroom__ApiKeys__0__Role=editor Newsroom__ApiKeys__0__ExemptFromLimits=true \
  Newsroom__ApiKeys__0__KeyHash="$(dotnet "$server_dll" --hash-key "$key")" \
  dotnet "$server_dll" >"$work/server.log" 2>&1 &
server_pid=$!
pids+=($server_pid)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$server_port/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$server_port/health/ready" >/dev/null || { echo "bench.sh: the server did not become ready:"; cat "$work/server.log"; exit 1; }

status=0
echo "== surge: $READERS readers, $VOTERS voters, $RATE votes/s for ${HOLD}s over $TRANSPORT/$PROTOCOL"
dotnet "$tool_dll" surge -t "http://127.0.0.1:$server_port" -k "$key" --protocol "$PROTOCOL" --transport "$TRANSPORT" \
  --readers "$READERS" --voters "$VOTERS" --rate "$RATE" --ramp-up "$RAMP" --hold "$HOLD" --ramp-down "$RAMP" \
  --connections "$CONNECTIONS" --server-pid "$server_pid" --report "$REPORTS/surge" || status=$?

echo "== feed: $FEED_READERS readers, $ARTICLES articles"
dotnet "$tool_dll" feed -t "http://127.0.0.1:$server_port" -k "$key" --protocol "$PROTOCOL" \
  --readers "$FEED_READERS" --articles "$ARTICLES" --publish-rate 10 --server-pid "$server_pid" --report "$REPORTS/feed" || status=$?

echo "== reports in $REPORTS"
exit "$status"
