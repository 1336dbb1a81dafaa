#!/usr/bin/env bash
# The floor under a delivered message on this machine (issue 30): the same broadcast, CONNECTIONS sockets × RATE
# messages a second, through four send paths, each in a fresh process, the paths alternated for ROUNDS rounds; the
# readers are one C process (SendFloor/readers.c, one epoll thread) so they take little of the two cores:
#
#   frame      a WebSocket frame encoded once per broadcast, written as is into every upgraded connection (SendFloor)
#   websocket  ASP.NET Core's WebSocket.SendAsync of the same bytes on every socket (SendFloor)
#   signalr    a bare SignalR hub's Clients.All.SendAsync, JSON protocol (SendFloor)
#   livepoll   a LivePoll node (Release, in-memory embedded store): the readers call SubscribeFeed (JSON) and the script
#              publishes articles over HTTP at RATE a second; every reader gets every article as a feed event
#
# Each line: the server's CPU per delivered message over the measured broadcasts (after WARMUP seconds of the same,
# not measured) and whether every reader got every message.
#
#   load-tests/send-floor.sh                                   # the run in load-tests/README.md
#   CONNECTIONS=2000 MODES="frame signalr" ROUNDS=1 load-tests/send-floor.sh
#
# Settings (environment): CONNECTIONS (5000), RATE (10), MEASURE (s, 20), WARMUP (s, 20), BYTES (400), MODES ("frame
# websocket signalr livepoll"), ROUNDS (2).
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS=${CONNECTIONS:-5000} RATE=${RATE:-10} MEASURE=${MEASURE:-20} WARMUP=${WARMUP:-20} BYTES=${BYTES:-400}
MODES=${MODES:-"frame websocket signalr livepoll"} ROUNDS=${ROUNDS:-2}

. load-tests/bench-lib.sh

need cc gcc libc6-dev  # the C readers are built here

dotnet build -c Release -v q --nologo load-tests/SendFloor >/dev/null
floor_dll=load-tests/SendFloor/bin/Release/net10.0/SendFloor.dll
cc -O2 -o "$work/readers" load-tests/SendFloor/readers.c
expected=$(( (WARMUP + MEASURE) * RATE ))
measured=$(( MEASURE * RATE ))
ulimit -n $((CONNECTIONS + 1000)) 2>/dev/null || true

# The readers in the background on path $2 (kind $3), their output in $work/readers-$1.log: READERS_PID.
start_readers() {
  "$work/readers" 127.0.0.1 "$NODE_PORT" "$2" "$3" "$CONNECTIONS" "$expected" $((WARMUP + MEASURE + 180)) \
    >"$work/readers-$1.log" 2>&1 &
  READERS_PID=$!
  pids+=($READERS_PID)
}

floor() {
  local mode=$1 path kind=plain
  case $mode in frame) path=/frame ;; websocket) path=/ws ;; signalr) path=/hub kind=signalr ;; esac
  free_port 15090; NODE_PORT=$FREE_PORT
  dotnet "$floor_dll" --mode "$mode" --port "$NODE_PORT" --connections "$CONNECTIONS" --rate "$RATE" --warm-up "$WARMUP" \
    --seconds "$MEASURE" --bytes "$BYTES" >"$work/floor-$mode.log" 2>&1 &
  NODE_PID=$!
  pids+=($NODE_PID)
  for _ in $(seq 100); do grep -q listening "$work/floor-$mode.log" && break; sleep 0.1; done
  start_readers "$mode" "$path" "$kind"
  wait "$READERS_PID" || true
  wait "$NODE_PID" || true
  local line; line=$(grep '^mode' "$work/floor-$mode.log" || echo "mode $mode: no result: $(tail -n 3 "$work/floor-$mode.log")")
  echo "  $line"
  echo "    $(tail -n 1 "$work/readers-$mode.log")"
}

livepoll() {
  start_node "livepoll-$round" Store__Embedded__Persist=false
  start_readers livepoll "/hubs/live?access_token=$key" feed  # the newsroom key: exempt from the per-IP connection limit
  for _ in $(seq 600); do grep -q connected "$work/readers-livepoll.log" && break; sleep 0.2; done
  sleep 2
  publish() { # $1 articles at RATE a second (article n due n/RATE s after the first), titled $2
    local n start now due posts=()
    start=${EPOCHREALTIME/./}
    for n in $(seq 0 $(($1 - 1))); do
      due=$((start + n * 1000000 / RATE)) now=${EPOCHREALTIME/./}
      ((due > now)) && sleep "$(printf '%d.%06d' $(((due - now) / 1000000)) $(((due - now) % 1000000)))"
      curl -fs -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        -d "{\"title\":\"$2 $n\",\"lead\":\"Load test\",\"body\":\"<p>Article $n of the send floor.</p>\"}" \
        "http://127.0.0.1:$NODE_PORT/api/newsroom/articles" &
      posts+=($!)
    done
    wait "${posts[@]}" || true
  }
  publish $((WARMUP * RATE)) "Warm-up"
  local before after started ended
  before=$(cpu_ticks "$NODE_PID"); started=$(date +%s.%N)
  publish "$measured" "Measured"
  wait "$READERS_PID" || true
  after=$(cpu_ticks "$NODE_PID"); ended=$(date +%s.%N)
  kill "$NODE_PID" 2>/dev/null || true; wait "$NODE_PID" 2>/dev/null || true
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n=$((CONNECTIONS * measured)) -v s="$started" -v e="$ended" \
    -v c="$CONNECTIONS" 'BEGIN { cpu = t / hz; printf "  mode livepoll: %d connections, %d articles measured, server CPU %.2f s over %.1f s (%.2f cores), %.1f us per message delivered\n", c, n / c, cpu, e - s, cpu / (e - s), cpu * 1e6 / n }'
  echo "    $(tail -n 1 "$work/readers-livepoll.log")"
}

echo "== $CONNECTIONS connections, $RATE messages a second each, $WARMUP s warm-up then $MEASURE s measured, $ROUNDS rounds"
for round in $(seq "$ROUNDS"); do
  echo "== round $round"
  for mode in $MODES; do
    if [[ $mode == livepoll ]]; then livepoll; else floor "$mode"; fi
    stop_all
  done
done
