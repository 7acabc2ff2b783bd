#!/usr/bin/env python3
"""Data-layer benchmark: load time and peak memory of `lusifer data info`.

Measures, each in a fresh process (wall time and the peak resident set size
reported by the kernel for the child):
  * MovieLens 100K from $LUSIFER_DATA_DIR/ml-100k (skipped when absent);
  * a synthetic world in the MovieLens "latest" CSV format with 25 million
    ratings (ml-25m's shape: 162,541 users, 59,047 items), generated once by
    `lusifer data synth` and kept in build/bench-data/.

Usage: bench/data_load.py [--lusifer PATH] [--repeat N] [--ratings-scale X]
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(cmd, repeat):
    walls, cpus, rss = [], [], []
    for _ in range(repeat):
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.execv(cmd[0], [str(c) for c in cmd])
        _, status, usage = os.wait4(pid, 0)
        walls.append(time.monotonic() - start)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"command failed: {' '.join(map(str, cmd))}")
        rss.append(usage.ru_maxrss / 1024.0)  # KiB -> MiB
        cpus.append(usage.ru_utime + usage.ru_stime)
    walls.sort()
    cpus.sort()
    return walls[len(walls) // 2], cpus[len(cpus) // 2], max(rss)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lusifer", default=str(ROOT / "build/release/cli/lusifer"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--ratings-scale", type=float, default=1.0,
                        help="scale the 25M world down for a quick check (0.1 = 2.5M ratings)")
    args = parser.parse_args()
    lusifer = Path(args.lusifer)
    if not lusifer.exists():
        sys.exit(f"{lusifer} not found: build it first (./scripts/build.sh release lusifer)")

    print(f"machine: {os.cpu_count()} cores, {os.uname().machine}, {os.uname().release}")
    data_dir = os.environ.get("LUSIFER_DATA_DIR")
    if data_dir and (Path(data_dir) / "ml-100k").exists():
        wall, cpu, rss = measure([lusifer, "data", "info", Path(data_dir) / "ml-100k"], args.repeat)
        print(f"ml-100k (100,000 ratings): {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU "
              f"(medians of {args.repeat} runs), peak RSS {rss:.0f} MiB")
    else:
        print("ml-100k: skipped (set LUSIFER_DATA_DIR to the shared data directory)")

    users = int(162541 * args.ratings_scale)
    target_ratings = 25_000_095 * args.ratings_scale
    world = ROOT / "build" / "bench-data" / f"latest-{users}-users"
    if not (world / "ratings.csv").exists():
        print(f"generating {world} ...", flush=True)
        start = time.monotonic()
        subprocess.run([lusifer, "data", "synth", "--users", str(users), "--items", "59047",
                        "--mean-ratings", f"{target_ratings / users:.3f}", "--max-ratings", "32202",
                        "--seed", "25", "--out", world, "--force"], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"  generated in {time.monotonic() - start:.1f} s")
    ratings = sum(1 for _ in open(world / "ratings.csv", "rb")) - 1
    size_mb = (world / "ratings.csv").stat().st_size / 1e6
    runs = max(1, args.repeat // 2)
    wall, cpu, rss = measure([lusifer, "data", "info", world], runs)
    print(f"latest CSV ({ratings:,} ratings, ratings.csv {size_mb:.0f} MB): {wall:.2f} s wall, "
          f"{cpu:.2f} s CPU (medians of {runs}), peak RSS {rss:.0f} MiB "
          f"({rss * 1024 * 1024 / ratings:.1f} bytes per rating)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (other work slows the wall time)")


if __name__ == "__main__":
    main()
