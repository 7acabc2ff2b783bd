#!/usr/bin/env bash
# Installs what is missing, builds the release preset if needed, and runs the
# test suite (labels unit and integration; stress runs only from bench/).
# Tests on the real MovieLens data run when LUSIFER_DATA_DIR points at it and
# skip with a message otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh release
log="build/release/ctest.log"
set +e
ctest --preset release -j "$(nproc)" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# End on ctest's summary line, whatever else was printed.
grep -E "tests passed|tests failed" "$log" | tail -n 1
exit "$status"
