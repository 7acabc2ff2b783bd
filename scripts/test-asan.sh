#!/usr/bin/env bash
# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer, the CI job
# that .ci/run runs after scripts/test.sh. Builds, with the `asan` preset,
# only the unit-test executables whose name matches LUSIFER_ASAN_TESTS (set
# in CMakePresets.json; target lusifer_asan_tests): a subset of the plain C++
# libraries' tests that fits CI's time budget. Then runs the `asan` test
# preset (label unit: the tests of the executables built).
#
# Any sanitizer report fails the test that hit it, and so this script: ASan
# aborts on its first error, UBSan is compiled with -fno-sanitize-recover
# (cmake/LusiferCompileOptions.cmake), LeakSanitizer fails the process at
# exit. Ends on ctest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# Always configured, so the preset's LUSIFER_ASAN_TESTS is the one in use.
cmake --preset asan >/dev/null
cmake --build --preset asan --target lusifer_asan_tests
log="build/asan/ctest.log"
set +e
ctest --preset asan -j "$(nproc)" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# A failing test's output (shown by the preset) holds the report; point at it.
if [ "$status" -ne 0 ] && grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error: " "$log"; then
  echo "test-asan: sanitizer reports in $log (search for 'Sanitizer' or 'runtime error')"
fi
grep -E "tests passed|tests failed" "$log" | tail -n 1
exit "$status"
