# Sourced by the CLI tests that compare a run's store with another run's
# (resume_test.sh, worker_crash_test.sh): the tables compared, and their
# export. The caller defines `bin` (the lusifer executable) and `fail`.

tables=(users profile_versions feedback episodes step_metrics)

# export_run RUN_DIR: exports the compared tables to RUN_DIR/export as CSV,
# step_metrics without its last column (wall seconds, which no two runs share).
export_run() {
  "$bin" export "$1" --format csv $(printf -- '--table %s ' "${tables[@]}") >/dev/null ||
    fail "export $1 failed"
  sed -i 's/,[^,]*$//' "$1/export/step_metrics.csv"
}
