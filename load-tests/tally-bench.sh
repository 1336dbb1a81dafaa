#!/usr/bin/env bash
# What the verifiable tally costs: the same vote surge (load tool, same settings) through a fresh LivePoll node
# (Release) on one redis-server, with the tally log off (Tally__Enabled=false) and on, alternated ROUNDS times in one run
# so the figures compare. Per run: the node's CPU per vote while holding the rate (the log's writer runs in that node),
# redis-server's CPU per vote over the run, and with the log on how long answers waited for a signed head
# (livepoll_tally_inclusion_delay from the node's /metrics: per head, the age of the oldest answer it newly covers) and
# whether the final log held every acknowledged answer.
#
#   load-tests/tally-bench.sh                    # the run in load-tests/README.md
#   RATES="2000 8000" ROUNDS=1 load-tests/tally-bench.sh
#
# Settings (environment): RATES (votes/s, "3000 8000"), ROUNDS (2), HOLD (s, 20), RAMP (s, 3), READERS (200),
# CONNECTIONS (64), TRANSPORT (hub|http, hub), REPORTS (load-tests/reports/tally-bench-<time>).
set -euo pipefail
cd "$(dirname "$0")/.."

RATES=${RATES:-"3000 8000"} ROUNDS=${ROUNDS:-2} HOLD=${HOLD:-20} RAMP=${RAMP:-3} READERS=${READERS:-200}
CONNECTIONS=${CONNECTIONS:-64} TRANSPORT=${TRANSPORT:-hub} REPORTS=${REPORTS:-load-tests/reports/tally-bench-$(date +%Y%m%d-%H%M%S)}

. load-tests/bench-lib.sh

# With the log on: wait (at most 60 s) until the poll's newest signed head covers every answer the store counted, then
# print the inclusion delays the node measured.
after_surge() {
  [[ $1 == tally-on ]] || return 0
  local poll
  poll=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["settings"]["poll"].split()[0])' "$REPORTS/$1-$2/report.json" 2>/dev/null) || return 0
  python3 - "http://127.0.0.1:$NODE_PORT" "$key" "$poll" <<'PY'
import json, sys, time, urllib.request
base, key, poll = sys.argv[1:4]
def get(path, auth=False):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {key}"} if auth else {})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.read().decode()
started, head, voters = time.time(), {}, -1
while time.time() - started < 60:
    voters = json.loads(get(f"/api/polls/{poll}"))["totalVoters"]
    try:
        head = json.loads(get(f"/api/polls/{poll}/log"))
    except Exception:
        head = {}
    if head.get("size") == voters:
        break
    time.sleep(0.5)
caught_up = time.time() - started
buckets, count, total = [], 0, 0.0
for line in get("/metrics", auth=True).splitlines():
    if line.startswith("livepoll_tally_inclusion_delay_bucket"):
        le = line.split('le="')[1].split('"')[0]
        buckets.append((float("inf") if le == "+Inf" else float(le), float(line.rsplit(" ", 1)[1])))
    elif line.startswith("livepoll_tally_inclusion_delay_count"):
        count = float(line.rsplit(" ", 1)[1])
    elif line.startswith("livepoll_tally_inclusion_delay_sum"):
        total = float(line.rsplit(" ", 1)[1])
def quantile(q):
    for le, n in sorted(buckets):
        if count and n >= q * count:
            return le
    return float("nan")
print(f"    log: newest head {head.get('size', 0)} leaves for {voters} voters ({'complete' if head.get('size') == voters else 'NOT complete'}) "
      f"{caught_up:.1f} s after the tool finished; {int(count)} heads, inclusion delay mean {total / max(count, 1):.2f} s, "
      f"p99 ≤ {quantile(0.99):.2f} s, max ≤ {quantile(1.0):.2f} s")
PY
}

mkdir -p "$REPORTS"
start_redis 16379
for rate in $RATES; do
  echo "== $rate votes/s"
  for round in $(seq "$ROUNDS"); do
    surge tally-off "$rate" Redis__Configuration="127.0.0.1:$REDIS_PORT" Tally__Enabled=false
    surge tally-on "$rate" Redis__Configuration="127.0.0.1:$REDIS_PORT" Tally__Enabled=true
  done
done
echo "reports: $REPORTS"
