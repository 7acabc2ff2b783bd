#!/usr/bin/env bash
# The RL simulation benchmark: `lusifer simulate` on a 100,000-user synthetic
# world, 20 steps, slates of 10, users answered by the offline model (NOT an
# LLM), one in-process LinUCB agent, only the summary recorded
# (bench/configs/rl-100k.toml).
#
#   bench/rl_simulate.sh [--set key=value ...]
#
# Builds lusifer in release (scripts/build.sh release lusifer; a no-op when up
# to date) unless LUSIFER_BIN names an executable; generates the world once
# under build/bench-data/ (never committed); runs the simulation under
# /usr/bin/time -v; prints user-steps/s over the wall clock and per CPU-second
# (user + sys) of the episode phase, and the peak RSS. Arguments go to
# `lusifer simulate`; a smaller world, e.g.:
#   bench/rl_simulate.sh --set world.users=2000 --set 'data.path="../../build/bench-data/rl-2k-world"'
# CONFIG overrides the config file.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-bench/configs/rl-100k.toml}
if [[ -n "${LUSIFER_BIN:-}" ]]; then
  LUSIFER=$LUSIFER_BIN
else
  scripts/build.sh release lusifer >&2
  LUSIFER=build/release/cli/lusifer
fi
WORLD=$(sed -n 's/^path *= *"\(.*\)".*/\1/p' "$CONFIG" | head -1)
WORLD=$(dirname "$CONFIG")/$WORLD
for arg in "$@"; do
  case "$arg" in data.path=*) v=${arg#data.path=}; v=${v#\"}; WORLD=$(dirname "$CONFIG")/${v%\"} ;; esac
done
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CLK_TCK=$(getconf CLK_TCK)

if [[ ! -f "$WORLD/ratings.csv" ]]; then
  echo "generating the synthetic world in $WORLD (once)" >&2
  world_args=()
  for arg in "$@"; do
    case "$arg" in world.users=*) world_args+=(--users "${arg#world.users=}") ;; esac
  done
  "$LUSIFER" data synth --config "$CONFIG" --out "$WORLD" "${world_args[@]}" >&2
fi

# user + sys CPU seconds of a running process.
cpu_of() { awk -v t="$CLK_TCK" '{ print ($14 + $15) / t }' "/proc/$1/stat" 2>/dev/null; }
# Resident KB of a running process.
rss_of() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

/usr/bin/time -v -o "$WORK/time.txt" stdbuf -oL "$LUSIFER" simulate --config "$CONFIG" "$@" \
  >"$WORK/out.txt" 2>"$WORK/err.txt" &
TIME_PID=$!
# The CPU time of the episodes alone: sampled when phase 1 ends (the
# "profiles:" line), subtracted from the total at the end.
CPU_AT_PHASE2=
SIM_PID=
# Where the memory goes, phase by phase: resident KB when the dataset is
# loaded, when the offline model is fitted (and the highest before that),
# when phase 1 ends (every user actor spawned with its profile: their bytes
# are the difference from the fitted point), and the highest during the
# episodes (the agent is built after phase 1, so its state counts there). Sampled every 50 ms, so a short-lived peak
# can be missed; /usr/bin/time's peak RSS below is exact.
RSS_LOADED= RSS_FITTED= RSS_PHASE1= PEAK_SETUP=0 PEAK_EPISODES=0
while kill -0 "$TIME_PID" 2>/dev/null; do
  [[ -z "$SIM_PID" ]] && SIM_PID=$(pgrep -P "$TIME_PID" | head -1 || true)
  if [[ -n "$SIM_PID" ]]; then
    rss=$(rss_of "$SIM_PID")
    rss=${rss:-0}
    if [[ -z "$CPU_AT_PHASE2" ]]; then
      ((rss > PEAK_SETUP)) && PEAK_SETUP=$rss
      [[ -z "$RSS_LOADED" ]] && grep -q '\] dataset .* (loaded in' "$WORK/err.txt" && RSS_LOADED=$rss
      [[ -z "$RSS_FITTED" ]] && grep -q 'fitted in' "$WORK/err.txt" && RSS_FITTED=$rss
      if grep -q '^profiles:' "$WORK/out.txt"; then
        CPU_AT_PHASE2=$(cpu_of "$SIM_PID")
        RSS_PHASE1=$rss
      fi
    elif ((rss > PEAK_EPISODES)); then
      PEAK_EPISODES=$rss
    fi
  fi
  sleep 0.05
done
status=0
wait "$TIME_PID" || status=$?
cat "$WORK/out.txt"
if [[ $status -ne 0 ]]; then
  echo "lusifer simulate failed ($status):" >&2
  tail -20 "$WORK/err.txt" >&2
  exit "$status"
fi

user_s=$(sed -n 's/^\tUser time (seconds): //p' "$WORK/time.txt")
sys_s=$(sed -n 's/^\tSystem time (seconds): //p' "$WORK/time.txt")
wall=$(sed -n 's/^\tElapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time.txt")
rss_kb=$(sed -n 's/^\tMaximum resident set size (kbytes): //p' "$WORK/time.txt")
# "linucb: 2000000 user-steps in 9.9 s, ..."
read -r agent steps seconds < <(sed -n 's/^\([a-z-]*\): \([0-9]*\) user-steps in \([0-9.]*\) s.*/\1 \2 \3/p' \
  "$WORK/out.txt" | head -1)
cpu_total=$(awk -v u="$user_s" -v s="$sys_s" 'BEGIN { print u + s }')
cpu_steps=$(awk -v t="$cpu_total" -v p="${CPU_AT_PHASE2:-0}" 'BEGIN { print t - p }')
echo
echo "== RL simulation benchmark ($(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ))"
echo "config:                 $CONFIG $*"
echo "process:                wall $wall, CPU ${cpu_total} s (user $user_s + sys $sys_s), peak RSS $((rss_kb / 1024)) MiB"
awk -v a="$agent" -v n="$steps" -v w="$seconds" -v c="$cpu_steps" -v p="${CPU_AT_PHASE2:-}" 'BEGIN {
  printf "episodes (%s):       %d user-steps in %.1f s wall: %.0f user-steps/s wall\n", a, n, w, n / w
  if (p != "" && c > 0)
    printf "                        %.1f CPU-s after phase 1: %.0f user-steps per CPU-second\n", c, n / c
  else
    printf "                        (phase 1 end not seen: no per-CPU-second figure)\n"
}'
users=$(sed -n 's/^profiles: [0-9]* of \([0-9]*\) users.*/\1/p' "$WORK/out.txt" | head -1)
awk -v l="${RSS_LOADED:-}" -v f="${RSS_FITTED:-}" -v s="$PEAK_SETUP" -v p="${RSS_PHASE1:-}" \
    -v e="$PEAK_EPISODES" -v u="${users:-0}" 'BEGIN {
  mib = 1024
  printf "memory (MiB, sampled):  "
  if (l != "") printf "dataset loaded %d, ", l / mib
  if (f != "") printf "model fitted %d, ", f / mib
  printf "highest before the episodes %d", s / mib
  if (p != "") printf ", phase 1 done %d", p / mib
  printf ", highest in the episodes %d\n", e / mib
  if (p != "" && f != "" && u > 0)
    printf "                        %.0f bytes a user from fitted to phase 1 done (user actors and their profiles)\n", (p - f) * 1024 / u
  if (u > 0 && e > 0)
    printf "                        %.0f bytes a user at the highest in the episodes (everything, the agent included)\n", e * 1024 / u
}'
