#!/usr/bin/env bash
# Usage: worker_crash_test.sh <lusifer binary> <repository root> [worker kills] [seed] [users]
#                             [episodes]
#
# A distributed run survives its processes being killed: the same run is made
# once in one process, uninterrupted, and once over 3 processes on loopback
# (this coordinator and 2 `lusifer worker`s) that are killed with SIGKILL at
# seeded moments: `worker kills` times (default 2) a worker, drawn by the
# seed, then once the coordinator itself. After a worker's death the run must
# stop by itself, non-zero, naming the worker and saying how to resume; the
# worker is restarted on its port and the run resumed with `--resume RUN
# --workers ...`; the last resume gets one worker only, so the users of the
# other move to it from the checkpoint. At the end the exports of both runs (users, profile
# versions, feedback, episodes, step metrics without their wall time) must be
# byte for byte equal: no row lost, duplicated or different.
#
# The last line, "worker_crash ...", sums up what was held (bench/stress.sh reads it).
set -uo pipefail
bin="$1"
root="$2"
worker_kills="${3:-2}"
seed="${4:-20261126}"
users="${5:-300}"
episodes="${6:-4}"
work="$(mktemp -d)"
worker_pid=(0 0)
worker_port=(0 0)
coordinator=""
cleanup() {
  for pid in "${worker_pid[@]}" $coordinator; do
    [ "$pid" != 0 ] && kill -9 "$pid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

cat >"$work/crash.toml" <<TOML
[run]
name = "crash"
directory = "$work/runs"
[world]
users = $users
items = 200
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
seed = 13
episodes = $episodes
horizon = 12
slate_size = 5
update_every = 2
checkpoint_every = 2
[simulation.leaving]
enabled = true
[agents]
run = ["linucb", "random"]
TOML

# shellcheck source=tests/cli/run_tables.sh
source "$(dirname "$0")/run_tables.sh"

# start_worker I [PORT]: worker I on PORT (default: a free one), serving runs
# one after another (no --once: it outlives the coordinator's death).
start_worker() {
  local i=$1 port=${2:-0}
  rm -f "$work/w$i.port"
  "$bin" worker --listen "127.0.0.1:$port" --port-file "$work/w$i.port" >>"$work/w$i.log" 2>&1 &
  worker_pid[$i]=$!
  for _ in $(seq 1 300); do
    [ -s "$work/w$i.port" ] && break
    kill -0 "${worker_pid[$i]}" 2>/dev/null || break
    sleep 0.1
  done
  if [ -s "$work/w$i.port" ]; then
    worker_port[$i]=$(cat "$work/w$i.port")
    return 0
  fi
  return 1
}

# start_worker_again I: on its old port; the port may take a moment to free.
start_worker_again() {
  for _ in $(seq 1 20); do
    start_worker "$1" "${worker_port[$1]}" && return 0
    sleep 0.5
  done
  fail "worker $1 could not listen on port ${worker_port[$1]} again: $(tail -3 "$work/w$1.log")"
  return 1
}

wait_gone() { # PID SECONDS: whether the process ended in time
  for _ in $(seq 1 $(($2 * 10))); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

started=$SECONDS
start=$(date +%s.%N)
"$bin" simulate --config "$work/crash.toml" --out "$work/whole" >"$work/whole.log" 2>&1 ||
  fail "the one-process run failed: $(tail -5 "$work/whole.log")"
whole_seconds=$(echo "$(date +%s.%N) - $start" | bc)
export_run "$work/whole"

start_worker 0 || fail "worker 0 did not start: $(cat "$work/w0.log")"
start_worker 1 || fail "worker 1 did not start: $(cat "$work/w1.log")"
workers() { echo "127.0.0.1:${worker_port[0]},127.0.0.1:${worker_port[1]}"; }

RANDOM=$seed
run_dir="$work/crashed"
worker_landed=0
coordinator_landed=0
attempt=0
# Attempts 1..worker_kills kill a worker, the next one the coordinator, the last runs to the end.
for ((attempt = 1; attempt <= worker_kills + 2; attempt++)); do
  log="$work/attempt$attempt.log"
  if [ "$attempt" -eq 1 ]; then
    "$bin" simulate --config "$work/crash.toml" --out "$run_dir" --workers "$(workers)" >"$log" 2>&1 &
  elif [ "$attempt" -eq $((worker_kills + 2)) ]; then
    # The last resume has one worker fewer, as when a machine is lost for
    # good: worker 1's users move to worker 0, restored from the checkpoint.
    "$bin" simulate --resume "$run_dir" --workers "127.0.0.1:${worker_port[0]}" >"$log" 2>&1 &
  else
    "$bin" simulate --resume "$run_dir" --workers "$(workers)" >"$log" 2>&1 &
  fi
  coordinator=$!
  if [ "$attempt" -eq $((worker_kills + 2)) ]; then
    wait "$coordinator"
    status=$?
    coordinator=""
    [ "$status" -eq 0 ] || fail "the final resume exited $status: $(tail -5 "$log")"
    break
  fi
  # Once the workers host their users (the setup's time is not the run's),
  # wait 5% to 15% of the one-process run's duration, drawn from the seed:
  # each resume has less left to run, and all three kills must land before
  # the end even on a slow machine (at most 45% of the run in all).
  for _ in $(seq 1 600); do
    grep -q "users up in" "$log" 2>/dev/null && break
    kill -0 "$coordinator" 2>/dev/null || break
    sleep 0.05
  done
  percent=$((5 + RANDOM % 11))
  victim=$((RANDOM % 2))
  delay=$(echo "scale=2; $whole_seconds * $percent / 100" | bc)
  sleep "$delay"
  if [ "$attempt" -le "$worker_kills" ]; then
    if ! kill -0 "$coordinator" 2>/dev/null; then
      echo "attempt $attempt: the run had ended before ${delay}s; no worker killed"
      wait "$coordinator"
      coordinator=""
      break
    fi
    kill -9 "${worker_pid[$victim]}"
    wait "${worker_pid[$victim]}" 2>/dev/null
    lost="127.0.0.1:${worker_port[$victim]}"
    if wait_gone "$coordinator" 60; then
      wait "$coordinator"
      status=$?
      worker_landed=$((worker_landed + 1))
      echo "attempt $attempt: worker $victim ($lost) killed after ${delay}s; the run exited $status"
      [ "$status" -ne 0 ] || fail "the run went on without worker $lost (exit 0)"
      grep -qF "worker $lost stopped" "$log" || fail "no message naming worker $lost: $(tail -3 "$log")"
      grep -qF -- "--resume $run_dir --workers" "$log" ||
        fail "the message does not say how to resume: $(tail -3 "$log")"
    else
      fail "the coordinator did not stop within 60 s of losing worker $lost"
      kill -9 "$coordinator" 2>/dev/null
      wait "$coordinator" 2>/dev/null
    fi
    coordinator=""
    start_worker_again "$victim" || break
  else
    if kill -9 "$coordinator" 2>/dev/null; then
      coordinator_landed=1
      echo "attempt $attempt: the coordinator killed after ${delay}s"
    else
      echo "attempt $attempt: the run had ended before ${delay}s; the coordinator not killed"
    fi
    wait "$coordinator" 2>/dev/null
    coordinator=""
    # The workers drop the dead coordinator's shards and wait for the next run.
    for i in 0 1; do
      kill -0 "${worker_pid[$i]}" 2>/dev/null ||
        fail "worker $i exited with the coordinator: $(tail -3 "$work/w$i.log")"
    done
  fi
done
grep -h "resuming from\|no checkpoint:" "$work"/attempt*.log | sed 's/^.*\] //'
export_run "$run_dir"

rows=0
for table in "${tables[@]}"; do
  a="$work/whole/export/$table.csv"
  b="$run_dir/export/$table.csv"
  if ! cmp -s "$a" "$b"; then
    fail "$table differs: $(wc -l <"$a") lines in one process, $(wc -l <"$b") after the kills"
    diff "$a" "$b" | head -5
  fi
  rows=$((rows + $(wc -l <"$a") - 1))
done
feedback=$(($(wc -l <"$work/whole/export/feedback.csv") - 1))
[ "$feedback" -gt 1000 ] || fail "only $feedback feedback rows: the run is too small to test anything"
[ "$worker_landed" -ge 1 ] || fail "no worker kill landed during a run"
[ "$coordinator_landed" -eq 1 ] || fail "the coordinator kill did not land during a run"
status=$(sqlite3 "$run_dir/run.sqlite" "SELECT status FROM runs" 2>/dev/null || echo "?")
[ "$status" = "finished" ] || [ "$status" = "?" ] || fail "the resumed run's status is $status"

echo "worker_crash users=$users episodes=$episodes workers=2 last_resume_workers=1 worker_kills=$worker_landed" \
  "coordinator_kills=$coordinator_landed resumes=$((attempt - 1)) rows_compared=$rows" \
  "feedback_rows=$feedback tables_equal=$([ "$failures" -eq 0 ] && echo 5 || echo no)" \
  "seconds=$((SECONDS - started))"
if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "worker crash: all checks passed"
