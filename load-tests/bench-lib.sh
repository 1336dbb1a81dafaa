# Shared parts of the store and floor benchmarks (cluster-bench.sh, embedded-bench.sh, send-floor.sh, vote-floor.sh):
# source it (after RATES, HOLD, RAMP, READERS, CONNECTIONS, TRANSPORT and REPORTS where a script runs surges). It
# installs what is missing, builds the server and the load tool (Release), hands out free loopback ports, starts
# redis-server, and runs one load-tool surge through a fresh LivePoll node, printing one summary line.
# Every process it starts is stopped on exit.

# Installs the Debian packages $2… when the command $1 is missing (as root, with apt-get), or says what to install.
need() {
  local command=$1; shift
  command -v "$command" >/dev/null && return
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "$(basename "$0"): needs $command: sudo apt-get install $*" >&2; exit 1
  fi
}
need redis-server redis-server redis-tools
need redis-cli redis-server redis-tools

taken=()
STORE_PIDS=""
# A free loopback port at or above $1 that this script has not handed out yet: FREE_PORT.
free_port() {
  local port
  for port in $(seq "$1" "$(($1 + 2000))"); do
    [[ " ${taken[*]} " == *" $port "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then taken+=("$port"); FREE_PORT=$port; return; fi
  done
  echo "$(basename "$0"): no free port near $1" >&2; exit 1
}

work=$(mktemp -d)
pids=()
stop_all() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=(); taken=(); STORE_PIDS=""; }

# CPU time (clock ticks, user + system) the given processes have used so far.
cpu_ticks() {
  local total=0 pid
  for pid in "$@"; do
    [[ -r /proc/$pid/stat ]] && total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
trap 'stop_all; rm -rf "$work"' EXIT INT TERM

echo "== building (Release)"
dotnet build -c Release -v q --nologo src/LivePoll.Server >/dev/null
dotnet build -c Release -v q --nologo load-tests/LivePoll.LoadTests >/dev/null
server_dll=src/LivePoll.Server/bin/Release/net10.0/LivePoll.Server.dll
tool_dll=load-tests/LivePoll.LoadTests/bin/Release/net10.0/LivePoll.LoadTests.dll
key="lpk_bench_$RANDOM$RANDOM"
key_hash=$(dotnet "$server_dll" --hash-key "$key")

# Starts redis-server on a free port at or above $1 in its own folder (more settings as arguments): REDIS_PORT, REDIS_DIR.
start_redis() {
  free_port "$1"; shift
  REDIS_PORT=$FREE_PORT
  REDIS_DIR="$work/redis-$REDIS_PORT"; mkdir -p "$REDIS_DIR"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" --save "" --appendonly no --daemonize no "$@" >"$REDIS_DIR/log" 2>&1 &
  pids+=($!)
  STORE_PIDS="${STORE_PIDS:-} $!"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
}

# Starts a LivePoll node (Release, Production) on a free port with the given VAR=value settings: NODE_PORT, NODE_PID.
# Its log is $work/server-$1.log.
start_node() {
  local name=$1; shift
  free_port 15080; NODE_PORT=$FREE_PORT
  env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$NODE_PORT" Redis__KeyPrefix="b$RANDOM" \
    Logging__LogLevel__Default=Warning Polls__SeedDemoData=false Feed__SeedDemoData=false \
    Newsroom__ApiKeys__0__Name=bench Newsroom__ApiKeys__0__Role=editor Newsroom__ApiKeys__0__ExemptFromLimits=true \
    Newsroom__ApiKeys__0__KeyHash="$key_hash" "$@" dotnet "$server_dll" >"$work/server-$name.log" 2>&1 &
  NODE_PID=$!
  pids+=($NODE_PID)
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$NODE_PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
}

# One surge at $2 votes/s through a fresh node named $1 with the VAR=value settings that follow; one summary line.
surge() {
  local name=$1 rate=$2 store_before store_after; shift 2
  start_node "$name-$rate" "$@"
  store_before=$(cpu_ticks ${STORE_PIDS:-})
  dotnet "$tool_dll" surge -t "http://127.0.0.1:$NODE_PORT" -k "$key" --transport "$TRANSPORT" --readers "$READERS" \
    --voters $((rate * (HOLD + 2 * RAMP) + 1000)) --rate "$rate" --ramp-up "$RAMP" --hold "$HOLD" --ramp-down "$RAMP" \
    --connections "$CONNECTIONS" --server-pid "$NODE_PID" --report "$REPORTS/$name-$rate" >"$work/tool-$name-$rate.log" 2>&1 || true
  store_after=$(cpu_ticks ${STORE_PIDS:-})
  # A script may look at the node before it stops (e.g. its /metrics): define after_surge NAME RATE.
  if declare -F after_surge >/dev/null; then after_surge "$name" "$rate"; fi
  cp "$work/tool-$name-$rate.log" "$work/server-$name-$rate.log" "$REPORTS/" 2>/dev/null || true
  kill "$NODE_PID" 2>/dev/null || true; wait "$NODE_PID" 2>/dev/null || true
  if [[ ! -f $REPORTS/$name-$rate/report.json ]]; then
    echo "  $name at $rate/s: no report; the tool said:"; tail -n 15 "$work/tool-$name-$rate.log"; return
  fi
  python3 - "$REPORTS/$name-$rate/report.json" "$name" "$rate" "$((store_after - store_before))" "$(getconf CLK_TCK)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ack, cpu = r.get("ackLatency") or {}, r.get("cpu") or {}
store_ticks, hz = int(sys.argv[4]), int(sys.argv[5])
# The separate store processes' CPU over the whole run (setup and ramps included), per acknowledged vote.
store = f", redis-server {store_ticks / hz * 1e6 / max(1, r['acknowledged']):.0f} us/vote over the run" if store_ticks > 0 else ""
print(f"  {sys.argv[2]:<16} target {sys.argv[3]:>6}/s: acknowledged {r['holdAcknowledgedPerSecond']:>8.0f}/s while holding (peak {r['peakAcknowledgedPerSecond']}), "
      f"ack p50 {ack.get('p50', 0):.1f} / p99 {ack.get('p99', 0):.1f} ms, server {cpu.get('serverMicrosPerVote', '?')} us/vote{store}, "
      f"sent {r['sent']}, acknowledged {r['acknowledged']}, failed {r['failed']}, not sent {r['notSent']}, verdict {'PASS' if r['verdict']['passed'] else 'FAIL'}")
PY
}
