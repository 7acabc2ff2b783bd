#!/usr/bin/env bash
# The LLM gateway benchmarks, each against `lusifer mock-llm` running as a separate process.
#
#   bench/gateway.sh [all|throughput|python|latency|ratelimit|faults|render] ...
#
# Environment: BUILD (default build/gateway; needs bench/bench_gateway), LUSIFER_BIN (the
# lusifer executable with mock-llm; default $BUILD/cli/lusifer), and per-scenario sizes
# THROUGHPUT_REQUESTS, PYTHON_REQUESTS, LATENCY_REQUESTS, RATELIMIT_SECONDS, FAULT_REQUESTS.
# Prints one key=value line per scenario (see bench/gateway_bench.cpp); bench/README.md
# has the figures and what they mean.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/gateway}
LUSIFER=${LUSIFER_BIN:-$BUILD/cli/lusifer}
BENCH=$BUILD/bench/bench_gateway
WORK=$(mktemp -d)
MOCK_PID=
trap 'stop_mock; rm -rf "$WORK"' EXIT

start_mock() {
  "$LUSIFER" mock-llm --port 0 --threads 1 "$@" >"$WORK/mock.log" 2>&1 &
  MOCK_PID=$!
  for _ in $(seq 100); do
    URL=$(grep -o 'http://127.0.0.1:[0-9]*/v1' "$WORK/mock.log" | head -1 || true)
    [[ -n "$URL" ]] && return 0
    sleep 0.1
  done
  echo "the mock did not start:" >&2
  cat "$WORK/mock.log" >&2
  exit 1
}

stop_mock() {
  if [[ -n "$MOCK_PID" ]]; then
    kill -INT "$MOCK_PID" 2>/dev/null || true
    wait "$MOCK_PID" 2>/dev/null || true
    MOCK_PID=
  fi
}

throughput() {
  start_mock
  "$BENCH" --url "$URL" --label throughput --requests "${THROUGHPUT_REQUESTS:-50000}" --concurrency 256
  stop_mock
}

python_client() {
  start_mock
  /usr/bin/python3 bench/gateway_aiohttp.py "$URL" --requests "${PYTHON_REQUESTS:-10000}" --concurrency 256
  stop_mock
}

latency() {
  start_mock --latency fixed --latency-fixed 100ms --max-connections 4096
  "$BENCH" --url "$URL" --label latency-100ms --requests "${LATENCY_REQUESTS:-50000}" --concurrency 1000
  stop_mock
}

ratelimit() {
  local seconds=${RATELIMIT_SECONDS:-60}
  start_mock --rpm 6000 --tpm 2000000
  # 100 requests/s at 6,000 RPM: `seconds` of load. ~500-byte prompts keep a request's TPM
  # charge (prompt estimate + max_tokens) under 2,000,000 / 6,000 = 333 tokens, so RPM binds.
  "$BENCH" --url "$URL" --label ratelimit --requests $((seconds * 100)) --concurrency 64 \
    --prompt-bytes 500 --rpm 6000 --tpm 2000000
  stop_mock
}

faults() {
  start_mock --fault-all 0.2 --latency fixed --latency-fixed 20ms --max-hang 5s --seed 3 --fault-retry-after 100ms
  # Known limits far above the load: the mock's rate_limit faults announce 500 RPM, which a
  # gateway with unknown limits would learn and keep to (correct, but slow to measure).
  "$BENCH" --url "$URL" --label faults-20pct --requests "${FAULT_REQUESTS:-5000}" --concurrency 256 \
    --timeout-ms 2000 --rpm 1000000 --tpm 1000000000
  stop_mock
}

render() {
  "$BENCH" --render-only --label render-compact-codec --requests 200000
}

echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
case "${1:-all}" in
  throughput) throughput ;;
  python) python_client ;;
  latency) latency ;;
  ratelimit) ratelimit ;;
  faults) faults ;;
  render) render ;;
  all) render; throughput; python_client; latency; ratelimit; faults ;;
  *) echo "usage: $0 [all|throughput|python|latency|ratelimit|faults|render]" >&2; exit 2 ;;
esac
