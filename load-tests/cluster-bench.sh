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

. load-tests/bench-lib.sh

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

mkdir -p "$REPORTS"
for rate in $RATES; do
  echo "== $rate votes/s: one redis-server"
  start_redis 16379
  surge single "$rate" Redis__Configuration="127.0.0.1:$REDIS_PORT"
  stop_all
  echo "== $rate votes/s: Redis Cluster, 3 primaries + 3 replicas"
  start_cluster
  surge cluster "$rate" Redis__Configuration="$SEEDS"
  echo "== $rate votes/s: the same cluster, AckAfterReplicas=1"
  surge cluster-ack "$rate" Redis__Configuration="$SEEDS" Redis__AckAfterReplicas=1
  stop_all
done
echo "== reports in $REPORTS"
