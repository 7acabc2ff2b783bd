#!/usr/bin/env bash
# End-to-end checks of `lusifer mock-llm`: flags and the [mock] section,
# what it prints, what it serves, and a clean stop on SIGTERM.
# Usage: mock_cli_test.sh <lusifer binary> <fixtures dir> <prompts dir>
set -uo pipefail
bin="$1"
fixtures="$2"
prompts="$3"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# start <log name> <args...>: starts the server, sets $url (the /v1 base) or fails.
start() {
  local log="$work/$1.out"
  shift
  "$bin" mock-llm --port 0 "$@" >"$log" 2>"$log.err" &
  server_pid=$!
  url=""
  for _ in $(seq 1 300); do
    url="$(sed -n 's/^listening on //p' "$log")"
    [ -n "$url" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  fail "the server did not start: $(cat "$log.err")"
  return 1
}

stop() {
  kill -TERM "$server_pid"
  wait "$server_pid"
  local status=$?
  server_pid=""
  return $status
}

chat='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Answer in JSON: {\"mood\": \"...\", \"score\": <one of: 1, 2, 3>}"}],"response_format":{"type":"json_object"}}'

cat >"$work/mock.toml" <<'TOML'
[mock]
models = ["gpt-4o-mini", "tiny"]
seed = 3

[mock.limits]
rpm = 2

[mock.latency]
distribution = "fixed"
fixed = "5ms"
TOML

if start config --config "$work/mock.toml"; then
  case "$url" in http://127.0.0.1:*/v1) ok "prints the /v1 URL it listens on" ;; *) fail "odd URL '$url'" ;; esac
  body="$(curl -s -X POST "$url/chat/completions" -H 'content-type: application/json' -d "$chat")"
  if grep -q '"object":"chat.completion"' <<<"$body" && grep -q 'mood' <<<"$body"; then
    ok "answers a chat completion with the shape the prompt shows"
  else
    fail "unexpected answer: $body"
  fi
  headers="$(curl -s -D - -o /dev/null -X POST "$url/chat/completions" -H 'content-type: application/json' -d "$chat")"
  grep -qi '^x-ratelimit-remaining-requests: 0' <<<"$headers" && ok "rpm from the [mock] section" || fail "headers: $headers"
  grep -qi '^openai-processing-ms: 5' <<<"$headers" && ok "latency from the [mock] section" || fail "headers: $headers"
  status="$(curl -s -o "$work/429.json" -w '%{http_code}' -X POST "$url/chat/completions" -H 'content-type: application/json' -d "$chat")"
  [ "$status" = "429" ] && grep -q 'requests per min (RPM): Limit 2, Used 2' "$work/429.json" && ok "the third request is rate-limited" || fail "status $status: $(cat "$work/429.json")"
  grep -q '"id":"tiny"' <<<"$(curl -s "$url/models")" && ok "serves the configured models" || fail "models"
  metrics="$(curl -s "${url%/v1}/metrics")"
  grep -q '^mock_llm_chat_requests_total 3$' <<<"$metrics" && ok "metrics count the requests" || fail "metrics: $metrics"
  if stop; then ok "stops cleanly on SIGTERM"; else fail "exit status after SIGTERM"; fi
  grep -q 'served 5 requests (3 chat: 2 succeeded' "$work/config.out" && ok "prints a summary" || fail "summary: $(cat "$work/config.out")"
fi

# Flags override the file.
if start override --config "$work/mock.toml" --rpm 0 --fault server_error=1; then
  status="$(curl -s -o "$work/500.json" -w '%{http_code}' -X POST "$url/chat/completions" -H 'content-type: application/json' -d "$chat")"
  [ "$status" = "500" ] && grep -q '"type":"server_error"' "$work/500.json" && ok "--fault overrides" || fail "status $status"
  stop
fi

# The token is required and checked.
if MOCK_TEST_TOKEN=secret-token-123 start token --token-env MOCK_TEST_TOKEN; then
  status="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/chat/completions" -H 'content-type: application/json' -d "$chat")"
  [ "$status" = "401" ] && ok "401 without the token" || fail "status $status without token"
  status="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/chat/completions" -H 'authorization: Bearer secret-token-123' -H 'content-type: application/json' -d "$chat")"
  [ "$status" = "200" ] && ok "200 with the token" || fail "status $status with token"
  stop
fi

# Offline answers load the dataset and train the offline model; other requests still get filler.
if start offline --answers offline --dataset "$fixtures/ml-100k-mini" --prompts "$prompts" --holdout-k 1; then
  grep -q 'offline answers from' "$work/offline.out.err" && ok "offline answers: the model is trained" || fail "log: $(cat "$work/offline.out.err")"
  body="$(curl -s -X POST "$url/chat/completions" -H 'content-type: application/json' -d "$chat")"
  grep -q '"finish_reason":"stop"' <<<"$body" && ok "offline mode answers other requests too" || fail "$body"
  stop
fi

# Mistakes are reported.
printf '[mock]\nmodles = ["x"]\n' >"$work/typo.toml"
out="$("$bin" mock-llm --port 0 --config "$work/typo.toml" 2>&1)"
status=$?
[ "$status" -eq 1 ] && grep -q 'typo.toml:2' <<<"$out" && grep -q 'mock.models' <<<"$out" && ok "an unknown [mock] key names file, line and the likely key" || fail "typo: exit $status: $out"
out="$("$bin" mock-llm --port 0 --fault meltdown=0.1 2>&1)"
status=$?
[ "$status" -ne 0 ] && grep -q 'KIND=RATE' <<<"$out" && ok "an unknown fault kind is refused" || fail "fault: exit $status: $out"
out="$("$bin" mock-llm --port 0 --fault-all 0.8 --fault hang=0.5 2>&1)"
status=$?
[ "$status" -ne 0 ] && grep -q 'more than 1' <<<"$out" && ok "fault rates above 1 in total are refused" || fail "rates: exit $status: $out"
out="$("$bin" mock-llm --bind 0.0.0.0 --port 0 2>&1)"
status=$?
[ "$status" -eq 1 ] && grep -q 'requires a bearer token' <<<"$out" && ok "binding off loopback needs a token" || fail "bind: exit $status: $out"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
