#!/usr/bin/env bash
# Usage: run_commands_test.sh <lusifer binary> <repository root>
# simulate, profile, evaluate and export on a tiny synthetic world with the
# offline model (not an LLM): what they print, what the run store holds, and
# that the same seed gives the same run.
set -uo pipefail
bin="$1"
root="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

cat > "$work/tiny.toml" <<TOML
[run]
name = "tiny"
directory = "$work/runs"
[world]
users = 60
items = 80
seed = 3
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
horizon = 6
slate_size = 4
update_every = 2
[agents]
run = ["linucb", "random"]
[evaluation]
calibration_items = 5
TOML

out="$("$bin" simulate --config "$work/tiny.toml" --out "$work/a" 2>&1)" || fail "simulate exited $?: $out"
grep -qF "profiles: 60 of 60 users built" <<<"$out" || fail "simulate: no profile report"
grep -qE "^linucb: 360 user-steps" <<<"$out" || fail "simulate: linucb did not take 60 x 6 user-steps"
grep -qE "^random: 360 user-steps" <<<"$out" || fail "simulate: random did not take 60 x 6 user-steps"
grep -qF "run store: $work/a/run.sqlite" <<<"$out" || fail "simulate: no run store line"

"$bin" simulate --config "$work/tiny.toml" --out "$work/b" >/dev/null 2>&1 || fail "second simulate failed"
"$bin" export "$work/a" --format csv >/dev/null || fail "export a failed"
"$bin" export "$work/b" --format csv >/dev/null || fail "export b failed"
# 2 agents x 60 users x 6 steps x 4 items, plus the header.
rows=$(wc -l < "$work/a/export/feedback.csv")
[ "$rows" -eq 2881 ] || fail "feedback.csv has $rows lines, expected 2881"
cmp -s "$work/a/export/feedback.csv" "$work/b/export/feedback.csv" || fail "same seed, different feedback"
cmp -s "$work/a/export/profile_versions.csv" "$work/b/export/profile_versions.csv" || fail "same seed, different profiles"
episodes=$(grep -c ',truncated,' "$work/a/export/episodes.csv")
[ "$episodes" -eq 120 ] || fail "expected 120 truncated episodes, found $episodes"

"$bin" simulate --config "$work/tiny.toml" --out "$work/c" --set simulation.seed=12 >/dev/null 2>&1 || fail "simulate with another seed failed"
"$bin" export "$work/c" --format csv --table feedback >/dev/null || fail "export c failed"
cmp -s "$work/a/export/feedback.csv" "$work/c/export/feedback.csv" && fail "another seed gave the same feedback"

"$bin" export "$work/a" --format jsonl --table feedback --out "$work/jsonl" >/dev/null || fail "jsonl export failed"
head -1 "$work/jsonl/feedback.jsonl" | grep -q '"explanation":"' || fail "jsonl rows lack explanations"

out="$("$bin" profile --config "$work/tiny.toml" --out "$work/p" 2>&1)" || fail "profile exited $?"
grep -qF "profiles: 60 of 60 users built" <<<"$out" || fail "profile: no report"
grep -q "user-steps" <<<"$out" && fail "profile ran episodes"

out="$("$bin" evaluate --config "$work/tiny.toml" --out "$work/e" 2>&1)" || fail "evaluate exited $?: $out"
grep -qF "simulated ratings: 300 for 60 users" <<<"$out" || fail "evaluate: the simulator did not rate 60 x 5 test items: $(grep simulated <<<"$out")"
for method in "user mean" "BaselineOnly" "SVD" "offline model (not an LLM), raw" \
              "Lusifer simulator: offline model (not an LLM), raw" "Lusifer simulator: offline model (not an LLM), calibrated"; do
  grep -qF "$method" <<<"$out" || fail "evaluate: no row for $method"
done
[ -s "$work/e/evaluation.md" ] && [ -s "$work/e/evaluation.json" ] || fail "evaluate wrote no report files"
"$bin" export "$work/e" --format csv --table feedback >/dev/null
evals=$(grep -c '^-1,' "$work/e/export/feedback.csv")
[ "$evals" -eq 300 ] || fail "expected 300 evaluation feedback rows (episode -1), found $evals"

out="$("$bin" simulate --config "$work/tiny.toml" --set simulation.horizonn=3 2>&1)"
[ $? -eq 1 ] || fail "an unknown key did not fail"
grep -qF "horizonn" <<<"$out" || fail "the unknown key is not named: $out"
"$bin" profile --config "$work/tiny.toml" --out "$work/opt" --set agents.linucb.alpha=0.5 \
  --set agents.random.avoid_seen=false >/dev/null 2>&1 || fail "agent options were refused"
out="$("$bin" profile --config "$work/tiny.toml" --out "$work/opt2" --set agents.linucb.alpah=0.5 2>&1)"
[ $? -eq 1 ] || fail "a misspelt agent option did not fail"
grep -qF "alpah" <<<"$out" || fail "the misspelt agent option is not named: $out"
out="$("$bin" export "$work/nothing" 2>&1)"
[ $? -eq 1 ] || fail "export of a missing run did not fail"

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all run-command checks passed"
