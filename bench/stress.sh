#!/usr/bin/env bash
# The stress suite: one command, exits non-zero on any violation (ctest: `stress`, LABEL stress,
# kept out of the default test run).
#
#   bench/stress.sh [all | gateway env simulate workers ...]    (default all)
#
#   a. gateway:  the LLM gateway pool (bench_gateway) at concurrency 256 against `lusifer mock-llm`
#                injecting 20% faults spread over every kind (--fault-all 0.2: rate_limit,
#                server_error, overloaded, insufficient_quota, connection_reset, hang,
#                truncated_body, malformed_json, wrong_content); every logical request must end
#                in success or a classified terminal error, and the gateway's counts must
#                reconcile with the mock's (tests/stress/gateway_storm_check.py).
#   b. env:      `lusifer serve` with 64 concurrent keep-alive clients stepping valid slates, one
#                bad request (33 kinds: malformed JSON, wrong shapes, unknown sessions, users,
#                items, oversized bodies, ...) after every 3rd good one (bench/env_load.py
#                --bad-every 3): every bad request gets its 4xx JSON error, every good one
#                succeeds, /healthz is ok at the end and /metrics agrees with the clients.
#   c. simulate: `lusifer simulate` over a synthetic world of 20,000 users, 3 agents, 2 episodes
#                (bench/configs/stress-simulate.toml), then the run store is checked row by row
#                (tests/stress/run_store_check.py).
#   d. workers:  a distributed simulation (this coordinator and 2 `lusifer worker`s on loopback,
#                2,000 users, 4 episodes) whose workers are killed with SIGKILL and restarted
#                4 times at seeded moments, then the coordinator once; each time the run must stop
#                naming the dead worker, and `--resume RUN --workers ...` continues it; the final
#                store must equal that of the same run made in one process, byte for byte
#                (tests/cli/worker_crash_test.sh).
#
# Environment: LUSIFER_BIN (default: the newest of build/lead/cli/lusifer and
# build/release/cli/lusifer), BENCH_GATEWAY (default build/gateway/bench/bench_gateway; built
# with -DLUSIFER_BUILD_BENCHMARKS=ON), STRESS_WORK (default: a temporary directory, removed on
# success), and sizes STRESS_GATEWAY_REQUESTS (20000), STRESS_ENV_CLIENTS (64),
# STRESS_ENV_STEPS (100 per client), STRESS_SIM_USERS (20000), STRESS_WORKER_USERS (2000),
# STRESS_WORKER_KILLS (4), STRESS_WORKER_EPISODES (4), STRESS_SEED (20261126).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3

newest() {
  local best=
  for candidate in "$@"; do
    [[ -x "$candidate" ]] || continue
    if [[ -z "$best" || "$candidate" -nt "$best" ]]; then best=$candidate; fi
  done
  echo "${best:-$1}"
}
LUSIFER=${LUSIFER_BIN:-$(newest "$ROOT/build/lead/cli/lusifer" "$ROOT/build/release/cli/lusifer")}
BENCH=${BENCH_GATEWAY:-$ROOT/build/gateway/bench/bench_gateway}
GATEWAY_REQUESTS=${STRESS_GATEWAY_REQUESTS:-20000}
ENV_CLIENTS=${STRESS_ENV_CLIENTS:-64}
ENV_STEPS=${STRESS_ENV_STEPS:-100}
SIM_USERS=${STRESS_SIM_USERS:-20000}
WORKER_USERS=${STRESS_WORKER_USERS:-2000}
WORKER_KILLS=${STRESS_WORKER_KILLS:-4}
WORKER_EPISODES=${STRESS_WORKER_EPISODES:-4}
SEED=${STRESS_SEED:-20261126}
SIM_AGENTS=(linucb popularity random)  # bench/configs/stress-simulate.toml [agents] run
SIM_EPISODES=2                         # and its [simulation] episodes
WORK=${STRESS_WORK:-$(mktemp -d /tmp/lusifer-stress-XXXXXX)}
mkdir -p "$WORK"
MOCK_PID=
FAILED=()
SUMMARY=()

stop_mock() {
  if [[ -n "$MOCK_PID" ]]; then
    kill -INT "$MOCK_PID" 2>/dev/null || true
    wait "$MOCK_PID" 2>/dev/null || true
    MOCK_PID=
  fi
}
trap stop_mock EXIT

need() {
  if [[ ! -x "$1" ]]; then
    echo "missing executable $1 ($2)" >&2
    exit 2
  fi
}

gateway() {
  echo "== a. gateway fault storm: $GATEWAY_REQUESTS requests, concurrency 256, 20% faults of every kind"
  need "$BENCH" "build bench_gateway with -DLUSIFER_BUILD_BENCHMARKS=ON, or set BENCH_GATEWAY"
  local dir=$WORK/gateway
  mkdir -p "$dir"
  "$LUSIFER" mock-llm --port 0 --threads 1 --fault-all 0.2 --latency fixed --latency-fixed 20ms \
    --max-hang 5s --seed 3 --fault-retry-after 100ms >"$dir/mock.log" 2>&1 &
  MOCK_PID=$!
  local url=
  for _ in $(seq 200); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*/v1' "$dir/mock.log" | head -1 || true)
    [[ -n "$url" ]] && break
    sleep 0.1
  done
  if [[ -z "$url" ]]; then
    echo "the mock did not start:" >&2
    cat "$dir/mock.log" >&2
    stop_mock
    FAILED+=(gateway)
    return
  fi
  local counters=${url%/v1}/counters
  $PY -c 'import sys,urllib.request;print(urllib.request.urlopen(sys.argv[1]).read().decode())' \
    "$counters" >"$dir/before.json"
  # Known limits far above the load: the mock's rate_limit faults announce 500 RPM, which a
  # gateway with unknown limits would learn and keep to (correct, but slow).
  "$BENCH" --url "$url" --label stress-faults-20pct --requests "$GATEWAY_REQUESTS" \
    --concurrency 256 --timeout-ms 2000 --rpm 1000000 --tpm 1000000000 | tee "$dir/bench.txt"
  local bench_status=${PIPESTATUS[0]}
  $PY -c 'import sys,urllib.request;print(urllib.request.urlopen(sys.argv[1]).read().decode())' \
    "$counters" >"$dir/after.json"
  stop_mock
  if [[ $bench_status -ne 0 ]]; then
    echo "bench_gateway exited $bench_status" >&2
    FAILED+=(gateway)
    SUMMARY+=("a. gateway:  bench_gateway exited $bench_status")
    return
  fi
  $PY "$ROOT/tests/stress/gateway_storm_check.py" "$dir/bench.txt" "$dir/before.json" \
    "$dir/after.json" | tee "$dir/check.txt"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || FAILED+=(gateway)
  SUMMARY+=("a. gateway:  $(grep '^gateway_storm' "$dir/check.txt" | cut -d' ' -f2-)")
}

env_server() {
  echo "== b. env server: $ENV_CLIENTS concurrent clients, 16 users each, bad requests mixed in"
  local dir=$WORK/env
  mkdir -p "$dir"
  $PY "$ROOT/bench/env_load.py" --lusifer "$LUSIFER" --clients "$ENV_CLIENTS" --users 16 \
    --steps "$ENV_STEPS" --bad-every 3 | tee "$dir/env_load.txt"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || FAILED+=(env)
  SUMMARY+=("b. env:      $(grep '^env_load' "$dir/env_load.txt" | cut -d' ' -f2-)")
}

simulate() {
  echo "== c. long offline simulation: $SIM_USERS users x ${#SIM_AGENTS[@]} agents x $SIM_EPISODES episodes"
  local dir=$WORK/simulate
  rm -rf "$dir/run"
  mkdir -p "$dir"
  local started=$SECONDS
  "$LUSIFER" --log-level warn simulate --config "$ROOT/bench/configs/stress-simulate.toml" \
    --set "world.users=$SIM_USERS" --set "data.path=\"$dir/world\"" --out "$dir/run" \
    >"$dir/simulate.txt" 2>"$dir/simulate.log"
  local status=$?
  cat "$dir/simulate.txt"
  echo "  simulate exited $status after $((SECONDS - started)) s"
  if [[ $status -ne 0 ]]; then
    tail -20 "$dir/simulate.log" >&2
    FAILED+=(simulate)
    SUMMARY+=("c. simulate: lusifer simulate exited $status")
    return
  fi
  $PY "$ROOT/tests/stress/run_store_check.py" "$dir/run/run.sqlite" "$dir/simulate.txt" \
    "$SIM_USERS" "$SIM_EPISODES" "${SIM_AGENTS[@]}" | tee "$dir/check.txt"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || FAILED+=(simulate)
  local rows
  rows=$(grep '^run_store' "$dir/check.txt" | cut -d' ' -f2-)
  SUMMARY+=("c. simulate: users=$SIM_USERS agents=${#SIM_AGENTS[@]} episodes=$SIM_EPISODES $rows \
seconds=$((SECONDS - started))")
  # The store is large (~0.3 KB a feedback row); keep it only when a check failed.
  [[ " ${FAILED[*]} " == *" simulate "* ]] || rm -rf "$dir/run" "$dir/world"
}

workers() {
  echo "== d. distributed simulation: $WORKER_USERS users on 2 workers, $WORKER_EPISODES episodes;" \
    "$WORKER_KILLS worker kills and 1 coordinator kill, each resumed"
  local dir=$WORK/workers
  mkdir -p "$dir"
  local started=$SECONDS
  bash "$ROOT/tests/cli/worker_crash_test.sh" "$LUSIFER" "$ROOT" "$WORKER_KILLS" "$SEED" \
    "$WORKER_USERS" "$WORKER_EPISODES" | tee "$dir/check.txt"
  local status=${PIPESTATUS[0]}
  echo "  worker_crash_test exited $status after $((SECONDS - started)) s"
  [[ $status -eq 0 ]] || FAILED+=(workers)
  SUMMARY+=("d. workers:  $(grep '^worker_crash' "$dir/check.txt" | cut -d' ' -f2-)")
}

need "$LUSIFER" "build it with scripts/build.sh release lusifer, or set LUSIFER_BIN"
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg); $LUSIFER"
PARTS=("$@")
[[ ${#PARTS[@]} -gt 0 ]] || PARTS=(all)
for part in "${PARTS[@]}"; do
  case "$part" in
    gateway) gateway ;;
    env) env_server ;;
    simulate) simulate ;;
    workers) workers ;;
    all) gateway; env_server; simulate; workers ;;
    *) echo "usage: $0 [all | gateway env simulate workers ...]" >&2; exit 2 ;;
  esac
done

echo
echo "== stress report ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
for line in "${SUMMARY[@]}"; do echo "  $line"; done
if [[ ${#FAILED[@]} -gt 0 ]]; then
  echo "FAILED: ${FAILED[*]} (work directory kept: $WORK)"
  exit 1
fi
echo "PASSED"
[[ -n "${STRESS_WORK:-}" ]] || rm -rf "$WORK"
exit 0
