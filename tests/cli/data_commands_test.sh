#!/usr/bin/env bash
# Usage: data_commands_test.sh <lusifer binary> <fixtures dir>
set -uo pipefail
bin="$1"
fixtures="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0

# expect <description> <expected exit code> <pattern expected in stdout+stderr> -- command...
expect() {
  local what="$1" code="$2" pattern="$3"
  shift 4
  local out status
  out="$("$@" 2>&1)"
  status=$?
  if [ "$status" -ne "$code" ]; then
    echo "FAIL: $what: exit $status, expected $code"; echo "$out" | head -20; failures=$((failures + 1)); return
  fi
  if ! grep -qF -- "$pattern" <<<"$out"; then
    echo "FAIL: $what: output lacks '$pattern'"; echo "$out" | head -20; failures=$((failures + 1)); return
  fi
  echo "ok: $what"
}

expect "info on the latest format" 0 "ratings               10" -- "$bin" data info "$fixtures/ml-latest-mini"
expect "info on MovieLens 100K" 0 "format                movielens-100k" -- "$bin" data info "$fixtures/ml-100k-mini"
expect "info on MovieLens 1M as JSON" 0 '"format":"movielens-1m"' -- "$bin" data info --json "$fixtures/ml-1m-mini"
expect "info joins item text" 0 "2 with text" -- "$bin" data info "$fixtures/ml-100k-mini" --item-text "$fixtures/item-text/by_id.csv"

cp -r "$fixtures/ml-latest-mini" "$work/damaged"
sed -i '3s/.*/1,99999,4.5,964981247\r/' "$work/damaged/ratings.csv"
expect "a bad line fails with file and line" 1 "ratings.csv:3: expected a movieId listed in movies.csv, found movie 99999" -- "$bin" data info "$work/damaged"
expect "lenient mode reports and goes on" 0 "skipped lines         1 (lenient mode)" -- "$bin" data info --lenient "$work/damaged"
expect "a missing directory fails" 1 "expected a dataset directory" -- "$bin" data info "$work/nope"
expect "an unknown format name fails" 1 "unknown dataset format 'csv'" -- "$bin" data info --format csv "$fixtures/ml-latest-mini"
expect "json logs are one object per line" 1 '"level":"error"' -- "$bin" --log-format json data info "$work/nope"

expect "official split" 0 "u1: 15 train, 5 test" -- "$bin" data split "$fixtures/ml-100k-mini" --method official --name u1 --out "$work/split"
lines=$(wc -l < "$work/split/u1.test.csv")
[ "$lines" -eq 6 ] && echo "ok: split file has a header and 5 rows" || { echo "FAIL: u1.test.csv has $lines lines"; failures=$((failures + 1)); }
expect "k-fold split" 0 "fold-3-of-3" -- "$bin" data split "$fixtures/ml-latest-mini" --method kfold --folds 3 --seed 1 --out "$work/kfold"
expect "hold-out split" 0 "holdout-last-1: 7 train, 3 test" -- "$bin" data split "$fixtures/ml-latest-mini" --method holdout --k 1 --out "$work/holdout"
expect "a bad command line fails" 109 "was not expected" -- "$bin" data info --no-such-flag "$fixtures/ml-latest-mini"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
