#!/usr/bin/env bash
# Installs what is missing, builds lusifer in Release and runs the main job on
# its offline default (config/default.toml): a synthetic world with known
# tastes, simulated users answered by the offline model (NOT an LLM), and a
# LinUCB agent learning against random and popularity. Then phase 1 alone
# (`lusifer profile`) and the evaluation of the simulated ratings against the
# held-out real ones beside CF baselines (`lusifer evaluate`).
# Extra arguments go to `lusifer simulate` (e.g. --set simulation.horizon=40).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh release lusifer
bin=build/release/cli/lusifer
config=config/default.toml
stamp=$(date -u +%Y%m%d-%H%M%S)

"$bin" simulate --config "$config" --out "runs/default-$stamp/simulate" "$@"
"$bin" profile --config "$config" --out "runs/default-$stamp/profile"
"$bin" evaluate --config "$config" --out "runs/default-$stamp/evaluate"
echo "runs/default-$stamp: simulate/, profile/ and evaluate/ each hold run.sqlite;"
echo "export one with: $bin export runs/default-$stamp/simulate --format csv"
