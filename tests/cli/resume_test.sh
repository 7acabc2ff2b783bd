#!/usr/bin/env bash
# Usage: resume_test.sh <lusifer binary> <repository root> [kills] [seed]
# Crash-safe checkpoint and resume: a small synthetic run with the offline
# model (not an LLM) is run once uninterrupted; the same run is then killed
# with SIGKILL at seeded pseudo-random moments, `lusifer simulate --resume`d
# after each kill, and finally resumed to its end. The exports of both
# stores (users, profile versions, feedback, episodes, step metrics; the
# step's wall time left out) must be byte for byte the same: no row lost,
# none duplicated, none different.
set -uo pipefail
bin="$1"
root="$2"
kills="${3:-3}"
seed="${4:-20261126}"
work="$(mktemp -d)"
child=""
trap '[ -n "$child" ] && kill -9 "$child" 2>/dev/null; rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

cat > "$work/resume.toml" <<TOML
[run]
name = "resume"
directory = "runs"
[world]
users = 300
items = 200
seed = 5
mean_ratings = 30.0
min_ratings = 12
[data]
source = "synthetic"
path = "world"  # relative: a resume must resolve it against this file's directory
[data.split]
method = "holdout"
k = 5
[prompts]
directory = "$root/config/prompts"
[simulation]
seed = 13
episodes = 2
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

start=$(date +%s.%N)
"$bin" simulate --config "$work/resume.toml" --out "$work/whole" >"$work/whole.log" 2>&1 ||
  fail "the uninterrupted run failed: $(tail -5 "$work/whole.log")"
whole_seconds=$(echo "$(date +%s.%N) - $start" | bc)
export_run "$work/whole"

# Kill moments: seeded, spread over the uninterrupted run's duration.
RANDOM=$seed
landed=0
run_dir="$work/killed"
for ((k = 1; k <= kills; k++)); do
  if [ "$k" -eq 1 ]; then
    "$bin" simulate --config "$work/resume.toml" --out "$run_dir" >"$work/kill$k.log" 2>&1 &
  else
    "$bin" simulate --resume "$run_dir" >"$work/kill$k.log" 2>&1 &
  fi
  child=$!
  # The run must have recorded itself before a resume can know its config.
  for _ in $(seq 100); do
    [ -s "$run_dir/run.sqlite" ] && break
    sleep 0.05
  done
  # Each attempt runs 5% to 30% of the whole run's time (drawn here: a
  # subshell would not advance RANDOM), so that three kills land before the end.
  percent=$((5 + RANDOM % 26))
  # The first kill comes early, mostly before the first checkpoint: that
  # resume starts the run over from an emptied store.
  [ "$k" -eq 1 ] && percent=$((1 + RANDOM % 8))
  delay=$(echo "scale=3; $whole_seconds * $percent / 100" | bc)
  sleep "$delay"
  if kill -9 "$child" 2>/dev/null; then
    landed=$((landed + 1))
    echo "kill $k: SIGKILL after ${delay}s"
  else
    echo "kill $k: the run had ended before ${delay}s"
  fi
  wait "$child" 2>/dev/null
  child=""
done
"$bin" simulate --resume "$run_dir" >"$work/final.log" 2>&1 ||
  fail "the final resume failed: $(tail -5 "$work/final.log")"
grep -q "resum" "$work/final.log" || fail "the final run did not resume"
grep -h "resuming from\|no checkpoint" "$work"/kill*.log "$work/final.log"
export_run "$run_dir"

for table in "${tables[@]}"; do
  a="$work/whole/export/$table.csv"
  b="$run_dir/export/$table.csv"
  if ! cmp -s "$a" "$b"; then
    fail "$table differs after $landed kills: $(wc -l <"$a") vs $(wc -l <"$b") lines"
    diff "$a" "$b" | head -5
  fi
done
rows=$(wc -l <"$work/whole/export/feedback.csv")
[ "$rows" -gt 1000 ] || fail "only $rows feedback lines: the run is too small to test anything"
[ "$landed" -ge 1 ] || fail "no kill landed during a run"
status=$(sqlite3 "$run_dir/run.sqlite" "SELECT status FROM runs" 2>/dev/null || echo "?")
[ "$status" = "finished" ] || [ "$status" = "?" ] || fail "the resumed run's status is $status"

# Async runs take no checkpoints: --resume says so instead of guessing.
sed 's/^checkpoint_every = 2$/mode = "async"/' "$work/resume.toml" >"$work/async.toml"
mkdir -p "$work/async"
"$bin" simulate --config "$work/async.toml" --out "$work/async" >/dev/null 2>&1 ||
  fail "the async run failed"
out="$("$bin" simulate --resume "$work/async" 2>&1)" && fail "--resume of an async run succeeded"
grep -q "only sync-mode runs can be resumed" <<<"$out" || fail "async --resume: unclear error: $out"
out="$("$bin" simulate --resume "$work/nothing" 2>&1)" && fail "--resume of no run succeeded"
grep -q "no run store" <<<"$out" || fail "--resume of no run: unclear error: $out"

echo "$landed of $kills kills landed; feedback.csv of $rows lines (and 4 more tables) equal"
if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "resume: all checks passed"
