#!/usr/bin/env bash
# Reproduces Garnet replaying part of a Lua script after a kill -9, with the embedded store's own settings
# (src/LivePoll.Server/Storage/EmbeddedGarnet.cs), outside LivePoll: redis-benchmark runs a script of three writes
# (HINCRBY a, RPUSH audit, HINCRBY _total) as fast as it can, Garnet is killed with SIGKILL at a random moment, started
# again on the same folder, and the three must agree. Garnet 2.2.11 here: a disagreement in about one cycle of three
# (e.g. a=75513 total=75512 audit=75512: the script's first write replayed without the rest), with and without
# --fast-commit-throttle. LivePoll repairs such a poll at start (Polls/PollRepair.cs); this script is the evidence for
# a report to Garnet.
#
# Usage: load-tests/garnet-torn-script.sh [CYCLES]   (needs redis-cli and redis-benchmark: apt-get install redis-tools)
set -euo pipefail
cycles=${1:-20}
port=${GARNET_PORT:-6399}
tool=${TMPDIR:-/tmp}/livepoll-garnet-tool
folder=$(mktemp -d)
trap 'kill -9 "${pid:-0}" 2>/dev/null || true; rm -rf "$folder"' EXIT
[ -x "$tool/garnet-server" ] || dotnet tool install --tool-path "$tool" garnet-server --version 2.2.11 >/dev/null

start() {
  "$tool/garnet-server" --port "$port" --bind 127.0.0.1 --lua true --lua-transaction-mode true --index 16m -q \
    --checkpointdir "$folder" --recover --aof --aof-commit-freq 5 --fast-commit-throttle 1000 --aof-segment-size 64m \
    --device-type RandomAccess > "$folder.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do redis-cli -p "$port" ping > /dev/null 2>&1 && return; sleep 0.1; done
  echo "garnet did not start: $(cat "$folder.log")" >&2; exit 2
}

script="redis.call('HINCRBY', KEYS[1], 'a', 1); redis.call('RPUSH', KEYS[2], ARGV[1]); redis.call('HINCRBY', KEYS[1], '_total', 1); return 1"
torn=0
for cycle in $(seq 1 "$cycles"); do
  rm -rf "${folder:?}"/*
  start
  sha=$(redis-cli -p "$port" script load "$script")
  timeout 20 redis-benchmark -p "$port" -c 32 -n 2000000 -P 8 -q evalsha "$sha" 2 counts audit x > /dev/null 2>&1 &
  bench=$!
  sleep "$(awk -v seed="$RANDOM" 'BEGIN { srand(seed); printf "%.2f", 1 + rand() * 1.5 }')"
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true
  kill "$bench" 2>/dev/null || true; wait "$bench" 2>/dev/null || true
  start
  a=$(redis-cli -p "$port" hget counts a); total=$(redis-cli -p "$port" hget counts _total); audit=$(redis-cli -p "$port" llen audit)
  if [ "$a" = "$total" ] && [ "$a" = "$audit" ]; then verdict=whole; else verdict=TORN; torn=$((torn + 1)); fi
  echo "cycle $cycle: a=$a total=$total audit=$audit $verdict"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
echo "$torn of $cycles cycles replayed part of a script"
