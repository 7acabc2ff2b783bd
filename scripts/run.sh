#!/usr/bin/env bash
# Installs what is missing, builds lusifer in Release and runs the main job on
# its offline default (config/default.toml): a synthetic world with known
# tastes, described by `data info`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh release lusifer
bin=build/release/cli/lusifer
world=runs/default-world
if [ ! -f "$world/ratings.csv" ]; then
  "$bin" data synth --config config/default.toml --out "$world"
fi
"$bin" data info "$world"
