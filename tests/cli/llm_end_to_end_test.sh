#!/usr/bin/env bash
# Usage: llm_end_to_end_test.sh <lusifer binary> <repository root>
# The whole LLM path over HTTP: `lusifer mock-llm` answers lusifer's prompts
# with the offline model; `lusifer evaluate` builds profiles and rates test
# items through the gateway pool, the HTTP client and the response cache.
# Then the mock is stopped and the run is replayed from the cache alone
# (replay-only), which must give the same ratings with no HTTP at all.
set -uo pipefail
bin="$1"
root="$2"
work="$(mktemp -d)"
mock_pid=""
cleanup() { [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

cat > "$work/run.toml" <<TOML
[run]
name = "e2e"
directory = "$work/runs"
[world]
users = 40
items = 60
seed = 5
mean_ratings = 25.0
min_ratings = 12
[data]
source = "synthetic"
path = "$work/world"
[data.split]
method = "holdout"
k = 4
[prompts]
directory = "$root/config/prompts"
history_items = 20
batch_size = 10
[simulation]
seed = 3
slate_size = 4
update_every = 0
[llm]
backend = "vllm"
base_url = "http://127.0.0.1:1/v1"   # replaced below
model = "mock-model"
request_timeout = "10s"
[llm.retry]
base_delay = "10ms"
max_delay = "200ms"
[llm.cache]
mode = "read-write"
path = "$work/cache.sqlite"
[evaluation]
calibration_items = 0
TOML

"$bin" data synth --config "$work/run.toml" --out "$work/world" >/dev/null 2>&1 || fail "data synth failed"
"$bin" mock-llm --port 0 --personality vllm --answers offline --prompts "$root/config/prompts" \
  --dataset "$work/world" --holdout-k 4 >"$work/mock.log" 2>&1 &
mock_pid=$!
url=""
for _ in $(seq 1 200); do
  url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+/v1' "$work/mock.log" | head -1)
  [ -n "$url" ] && break
  sleep 0.05
done
if [ -z "$url" ]; then echo "the mock did not start:"; cat "$work/mock.log"; exit 1; fi

out="$("$bin" evaluate --config "$work/run.toml" --set "llm.base_url=\"$url\"" --out "$work/live" 2>&1)"
[ $? -eq 0 ] || fail "evaluate over HTTP failed: $(tail -5 <<<"$out")"
grep -qF "profiles: 40 of 40 users built" <<<"$out" || fail "not every profile was built over HTTP: $(grep profiles <<<"$out")"
grep -qF "simulated ratings: 160 for 40 users" <<<"$out" || fail "not every test item was rated: $(grep simulated <<<"$out")"
grep -qF "Lusifer simulator: vllm/mock-model, raw" <<<"$out" || fail "no simulator row"
"$bin" export "$work/live" --format csv >/dev/null || fail "export failed"
calls=$(($(wc -l < "$work/live/export/llm_calls.csv") - 1))
[ "$calls" -ge 80 ] || fail "expected at least 80 recorded LLM calls (2 profile batches x 40 users), found $calls"

kill "$mock_pid"; wait "$mock_pid" 2>/dev/null; mock_pid=""
out="$("$bin" evaluate --config "$work/run.toml" --set "llm.base_url=\"$url\"" \
        --set 'llm.cache.mode="replay-only"' --out "$work/replay" 2>&1)"
[ $? -eq 0 ] || fail "replay from the cache failed: $(tail -5 <<<"$out")"
grep -qF "simulated ratings: 160 for 40 users" <<<"$out" || fail "the replay did not rate every item"
"$bin" export "$work/replay" --format csv --table feedback >/dev/null || fail "export replay failed"
cmp -s "$work/live/export/feedback.csv" "$work/replay/export/feedback.csv" || fail "the replay's ratings differ from the live run's"

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all end-to-end checks passed"
