#!/usr/bin/env bash
# Usage: distributed_test.sh <lusifer binary> <repository root>
# A run over 3 processes on loopback (the coordinator and 2 `lusifer worker`s)
# gives exactly the rows of the same run in one process; a worker killed
# mid-run stops the run with an error naming it and a non-zero exit; a worker
# refuses to listen beyond loopback without --allow-remote.
set -uo pipefail
bin="$1"
root="$2"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

cat > "$work/small.toml" <<TOML
[run]
name = "small"
directory = "$work/runs"
[world]
users = 150
items = 120
seed = 5
mean_ratings = 30.0
min_ratings = 12
[data]
source = "synthetic"
path = "$work/world"
[data.split]
method = "holdout"
k = 5
[prompts]
directory = "$root/config/prompts"
[simulation]
seed = 11
horizon = 8
slate_size = 5
update_every = 2
[agents]
run = ["linucb", "random"]
TOML

# start_worker NAME: a worker on a free loopback port; sets $port.
start_worker() {
  "$bin" worker --listen 127.0.0.1:0 --port-file "$work/$1.port" --once >"$work/$1.log" 2>&1 &
  pids+=($!)
  worker_pid=$!
  for _ in $(seq 1 200); do
    [ -s "$work/$1.port" ] && break
    sleep 0.1
  done
  port="$(cat "$work/$1.port" 2>/dev/null)"
  [ -n "$port" ] || fail "worker $1 did not start: $(cat "$work/$1.log")"
}

# wait_gone PID SECONDS: whether the process ended in time.
wait_gone() {
  for _ in $(seq 1 $(($2 * 10))); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# Drops the column named $2 from the CSV file $1 (timings differ run to run).
drop_column() {
  awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i }
    { out = ""; for (i = 1; i <= NF; i++) if (i != c) out = out (out == "" && i == 1 ? "" : ",") $i; print out }' "$1"
}

# ---- the same run in one process and over three ----------------------------
start=$(date +%s.%N)
"$bin" simulate --config "$work/small.toml" --out "$work/one" >"$work/one.out" 2>&1 ||
  fail "one-process simulate exited $?: $(tail -5 "$work/one.out")"
one_seconds=$(echo "$(date +%s.%N) - $start" | bc)

start_worker w1
port1=$port
pid1=$worker_pid
start_worker w2
port2=$port
pid2=$worker_pid
start=$(date +%s.%N)
"$bin" simulate --config "$work/small.toml" --out "$work/three" \
  --workers "127.0.0.1:$port1,127.0.0.1:$port2" >"$work/three.out" 2>&1 ||
  fail "three-process simulate exited $?: $(tail -5 "$work/three.out")"
three_seconds=$(echo "$(date +%s.%N) - $start" | bc)
grep -qF "worker 127.0.0.1:$port1: 75 users up" "$work/three.out" || fail "worker 1 did not host 75 users"
grep -qF "worker 127.0.0.1:$port2: 75 users up" "$work/three.out" || fail "worker 2 did not host 75 users"
grep -qE "^linucb: 1200 user-steps" "$work/three.out" || fail "linucb did not take 150 x 8 user-steps"
wait_gone "$pid1" 20 || fail "worker 1 (--once) did not exit after the run"
wait_gone "$pid2" 20 || fail "worker 2 (--once) did not exit after the run"
echo "one process: ${one_seconds} s; three processes: ${three_seconds} s (load: $(cut -d' ' -f1-3 /proc/loadavg))"
grep -E "calls in [0-9]+ batches" "$work/three.out" | sed 's/^.*\] //'

"$bin" export "$work/one" --format csv >/dev/null || fail "export one failed"
"$bin" export "$work/three" --format csv >/dev/null || fail "export three failed"
for table in users profile_versions feedback episodes llm_calls; do
  [ -f "$work/one/export/$table.csv" ] || { fail "no $table.csv"; continue; }
  cmp -s "$work/one/export/$table.csv" "$work/three/export/$table.csv" ||
    fail "$table differs between one process and three"
done
rows=$(wc -l <"$work/three/export/feedback.csv")
# 2 agents x 150 users x 8 steps x 5 items, plus the header.
[ "$rows" -eq 12001 ] || fail "feedback.csv has $rows lines, expected 12001"
cmp -s <(drop_column "$work/one/export/step_metrics.csv" seconds) \
  <(drop_column "$work/three/export/step_metrics.csv" seconds) ||
  fail "step_metrics differ between one process and three"

# ---- a worker dies mid-run --------------------------------------------------
start_worker k1
port1=$port
pid1=$worker_pid
start_worker k2
port2=$port
pid2=$worker_pid
"$bin" simulate --config "$work/small.toml" --out "$work/killed" --set simulation.horizon=100000 \
  --workers "127.0.0.1:$port1,127.0.0.1:$port2" >"$work/killed.out" 2>&1 &
coordinator=$!
pids+=($coordinator)
for _ in $(seq 1 300); do
  grep -q "agent\|linucb ep" "$work/killed.out" 2>/dev/null && break
  grep -qF "profiles:" "$work/killed.out" 2>/dev/null && break
  sleep 0.1
done
sleep 1
kill -0 "$coordinator" 2>/dev/null || fail "the long run ended before the worker was killed"
kill -9 "$pid1"
if wait_gone "$coordinator" 60; then
  wait "$coordinator"
  status=$?
  [ "$status" -ne 0 ] || fail "the run went on without worker 1 (exit 0)"
  grep -qF "worker 127.0.0.1:$port1 stopped" "$work/killed.out" ||
    fail "no message naming the lost worker: $(tail -5 "$work/killed.out")"
  "$bin" export "$work/killed" --format csv --table runs >/dev/null || fail "export of the failed run failed"
  grep -q ",failed" "$work/killed/export/runs.csv" || fail "the run is not marked failed"
else
  fail "the coordinator did not stop within 60 s of losing a worker"
fi
wait_gone "$pid2" 20 || fail "worker 2 did not end its shard after the coordinator stopped"

# ---- listening beyond loopback is an explicit choice -----------------------
out="$("$bin" worker --listen 0.0.0.0:0 2>&1)"
[ $? -eq 1 ] || fail "a worker listened on 0.0.0.0 without --allow-remote"
grep -qF -- "--allow-remote" <<<"$out" || fail "the refusal does not name --allow-remote: $out"

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all distributed checks passed"
