#!/usr/bin/env bash
# The floor under an HTTP vote on this machine (issue 30): the request ../shared/peer-bench's wrk sends LivePoll
# (a fresh voter each time, 64 connections, closed loop), answered by
#
#   bare      a Kestrel endpoint that parses the vote and answers it with a voter token's worth of JSON (VoteFloor)
#   redis     the same, and one Redis call (HINCRBY through StackExchange.Redis) per vote (VoteFloor)
#   livepoll  a LivePoll node (Release, Production settings, on redis-server as peer-bench runs it)
#   livepoll:VAR=value,VAR=value   the same with those settings (e.g. livepoll:Tally__Enabled=false)
#   peer      the Socket.IO + Redis peer of ../shared/peer-bench (only when that folder and its node_modules exist)
#
# each in a fresh process on a fresh redis-server, the modes alternated for ROUNDS rounds, no readers. Each line: votes
# a second, the server's and redis-server's CPU per vote over the measured seconds (after WARMUP seconds of the same).
#
#   load-tests/vote-floor.sh                                   # the run in load-tests/README.md
#   MODES="bare livepoll" ROUNDS=1 load-tests/vote-floor.sh
#   LIVEPOLL_ENV="Tally__Enabled=false" MODES=livepoll load-tests/vote-floor.sh
#
# Settings (environment): MEASURE (s, 15), WARMUP (s, 8), CONNECTIONS (64), MODES ("bare redis livepoll peer"),
# ROUNDS (3), LIVEPOLL_ENV (VAR=value settings for the LivePoll node).
set -euo pipefail
cd "$(dirname "$0")/.."

MEASURE=${MEASURE:-15} WARMUP=${WARMUP:-8} CONNECTIONS=${CONNECTIONS:-64} ROUNDS=${ROUNDS:-3}
MODES=${MODES:-"bare redis livepoll peer"} LIVEPOLL_ENV=${LIVEPOLL_ENV:-}

. load-tests/bench-lib.sh

need wrk wrk  # the load generator

dotnet build -c Release -v q --nologo load-tests/VoteFloor >/dev/null
floor_dll=load-tests/VoteFloor/bin/Release/net10.0/VoteFloor.dll
# The peer runs from a copy with its npm packages, as peer-bench.sh itself does (../shared is read-only).
peer_src=$(cd .. && pwd)/shared/peer-bench peer_dir=/tmp/livepoll-peer-bench
if [[ " $MODES " == *" peer "* ]]; then
  if [[ -f $peer_src/socketio-server.mjs ]] && mkdir -p "$peer_dir" && cp "$peer_src"/*.mjs "$peer_src"/package*.json "$peer_dir"/ \
    && { [[ -d $peer_dir/node_modules ]] || (cd "$peer_dir" && npm ci --silent >/dev/null 2>&1); }; then :
  else
    echo "  (no peer: $peer_src or its npm packages are missing)"; MODES=${MODES//peer/}
  fi
fi

# wrk against $2 with script $3 while measuring the processes $4 (server) and $5 (redis-server): one line for mode $1.
measure() {
  local mode=$1 url=$2 script=$3 server=$4 store=$5 s0 s1 r0 r1
  wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" -s "$script" "$url" >"$work/wrk-$mode-warm-up.txt" 2>&1 || { echo "  $mode: wrk failed: $(tail -n 3 "$work/wrk-$mode-warm-up.txt")"; return; }
  s0=$(cpu_ticks "$server"); r0=$(cpu_ticks "$store")
  wrk -t1 -c"$CONNECTIONS" -d"${MEASURE}s" -s "$script" "$url" >"$work/wrk-$mode.txt" 2>&1
  s1=$(cpu_ticks "$server"); r1=$(cpu_ticks "$store")
  local rps non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk-$mode.txt")
  non2xx=$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$work/wrk-$mode.txt" | grep -o '[0-9]*$' || echo 0)
  awk -v m="$mode" -v s=$((s1 - s0)) -v r=$((r1 - r0)) -v rps="${rps:-0}" -v d="$MEASURE" -v hz="$(getconf CLK_TCK)" -v bad="$non2xx" \
    'BEGIN { n = rps * d; if (n == 0) n = 1; printf "  %-9s %7.0f votes/s (non-2xx %d)  server %5.1f us/vote  redis-server %5.1f us/vote\n", m, rps, bad, s / hz * 1e6 / n, r / hz * 1e6 / n }'
}

one() {
  local mode=$1
  start_redis 16390
  case $mode in
    bare | redis)
      free_port 15310; local port=$FREE_PORT
      dotnet "$floor_dll" --mode "$mode" --port "$port" --redis "127.0.0.1:$REDIS_PORT" >"$work/floor-$mode.log" 2>&1 &
      local pid=$!; pids+=($pid)
      for _ in $(seq 100); do grep -q listening "$work/floor-$mode.log" && break; sleep 0.1; done
      LIVEPOLL_KEY=none measure "$mode" "http://127.0.0.1:$port/api/polls/1/votes" load-tests/VoteFloor/votes.lua "$pid" "${STORE_PIDS# }" ;;
    livepoll | livepoll:*)
      local settings=""
      [[ $mode == livepoll:* ]] && settings=${mode#livepoll:} && settings=${settings//,/ }
      # shellcheck disable=SC2086 # LIVEPOLL_ENV and settings are lists of VAR=value
      start_node "livepoll-$round" Redis__Configuration="127.0.0.1:$REDIS_PORT" Limits__ConnectionsPerIp=1000000 $LIVEPOLL_ENV $settings
      local poll
      poll=$(curl -fs -X POST "http://127.0.0.1:$NODE_PORT/api/newsroom/polls" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        -d '{"question":"Floor","options":[{"text":"a"},{"text":"b"},{"text":"c"}],"maxChoices":1,"allowVoteChange":false,"resultVisibility":"Always"}' \
        | sed -n 's/.*"pollId":"\([^"]*\)".*/\1/p')
      LIVEPOLL_KEY=$key measure "$mode" "http://127.0.0.1:$NODE_PORT/api/polls/$poll/votes" load-tests/VoteFloor/votes.lua "$NODE_PID" "${STORE_PIDS# }" ;;
    peer)
      free_port 15330; local port=$FREE_PORT
      node "$peer_dir/socketio-server.mjs" "$port" "$REDIS_PORT" >"$work/peer.log" 2>&1 &
      local pid=$!; pids+=($pid)
      for _ in $(seq 100); do grep -q listening "$work/peer.log" && break; sleep 0.1; done
      curl -fs -X PUT "http://127.0.0.1:$port/api/polls/p1" >/dev/null
      measure peer "http://127.0.0.1:$port/api/polls/p1/votes" load-tests/VoteFloor/peer-votes.lua "$pid" "${STORE_PIDS# }" ;;
    *) echo "  unknown mode $mode" ;;
  esac
}

echo "== HTTP votes from fresh voters, wrk -c$CONNECTIONS, $WARMUP s warm-up then $MEASURE s measured, $ROUNDS rounds"
for round in $(seq "$ROUNDS"); do
  echo "== round $round"
  for mode in $MODES; do
    one "$mode"
    stop_all
  done
done
