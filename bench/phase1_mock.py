#!/usr/bin/env python3
"""Phase 1 and rating cost through the mock LLM server, on MovieLens 100K.

Starts `lusifer mock-llm` (zero latency, answers from the offline model, so
the answers are meaningful), then runs with config/ml-100k.toml pointed at it:
  1. `lusifer profile`: phase 1 for all 943 users (last 40 training ratings,
     oldest first, batches of 10): wall time, LLM calls and tokens per user;
  2. `lusifer evaluate` twice on the paper's 4,292 test ratings:
     - batched: up to 10 items per rating call (lusifer's way);
     - the authors' pattern: one call per (user, item), each carrying the
       profile and the user's 10 recent ratings;
     and reports prompt tokens per rated item of each, from the run store's
     llm_calls table.
Tokens are counted by the mock the way the gateway's usage reports them.

Usage: bench/phase1_mock.py [--lusifer PATH] [--data DIR]
  DIR holds ml-100k/ (default: $LUSIFER_DATA_DIR, else ../shared/data).
"""
import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_mock(lusifer, data_dir, log_path):
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [lusifer, "mock-llm", "--port", "0", "--threads", "1", "--personality", "vllm",
         "--answers", "offline", "--prompts", str(ROOT / "config" / "prompts"),
         "--dataset", str(data_dir / "ml-100k"), "--context-window", "0"],
        stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        text = Path(log_path).read_text()
        m = re.search(r"http://127\.0\.0\.1:\d+/v1", text)
        if m:
            return proc, m.group(0)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    sys.exit("the mock did not start:\n" + Path(log_path).read_text())


def write_config(data_dir, path):
    """config/ml-100k.toml with its paths made absolute (data from data_dir)."""
    text = (ROOT / "config" / "ml-100k.toml").read_text()
    text = text.replace('"../../shared/data/', f'"{data_dir}/')
    text = text.replace("[prompts]\n", f'[prompts]\ndirectory = "{ROOT / "config" / "prompts"}"\n')
    path.write_text(text)
    return path


def run(lusifer, command, config, out_dir, url, extra):
    cmd = [lusifer, command, "--config", str(config), "--out", str(out_dir),
           "--set", 'llm.backend="vllm"', "--set", f'llm.base_url="{url}"',
           "--set", 'llm.model="mock"', "--set", 'llm.cache.mode="off"',
           "--set", "llm.limits.initial_concurrency=64", "--set", "llm.limits.max_concurrency=256",
           "--set", "evaluation.calibration_items=0"] + extra
    start = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - start
    if done.returncode != 0:
        sys.exit(f"{command} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return wall, done.stdout


def calls(store, task_like):
    c = sqlite3.connect(store)
    return c.execute(
        "SELECT COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), COUNT(DISTINCT user_id) "
        "FROM llm_calls WHERE task LIKE ? AND status = 'ok'", (task_like,)).fetchone()


def rated_items(store):
    c = sqlite3.connect(store)
    return c.execute("SELECT COUNT(*) FROM feedback WHERE episode = -1").fetchone()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lusifer", default=str(ROOT / "build/release/cli/lusifer"))
    parser.add_argument("--data", default=os.environ.get("LUSIFER_DATA_DIR", str(ROOT.parent / "shared/data")))
    args = parser.parse_args()
    data_dir = Path(args.data).resolve()
    if not (data_dir / "ml-100k" / "u.data").exists():
        sys.exit(f"no ml-100k under {data_dir}: set LUSIFER_DATA_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        mock, url = start_mock(args.lusifer, data_dir, tmp / "mock.log")
        try:
            config = write_config(data_dir, tmp / "ml-100k.toml")
            wall, out = run(args.lusifer, "profile", config, tmp / "profile", url, [])
            n, prompt, completion, users = calls(tmp / "profile" / "run.sqlite", "%profile%")
            print(re.search(r"profiles: .*", out).group(0))
            print(f"phase 1: {users} users in {wall:.1f} s wall; {n} LLM calls ({n / users:.2f} per user); "
                  f"{prompt / users:,.0f} prompt + {completion / users:,.0f} completion tokens per user")
            rows = []
            for name, extra in [
                ("batched, up to 10 items per call", ["--set", "simulation.slate_size=10",
                                                      "--set", "llm.batching.max_items_per_call=10"]),
                ("authors' pattern, 1 item per call", ["--set", "simulation.slate_size=1",
                                                       "--set", "llm.batching.max_items_per_call=1"]),
            ]:
                out_dir = tmp / ("eval-" + str(len(rows)))
                wall, _ = run(args.lusifer, "evaluate", config, out_dir, url,
                              extra + ["--set", "simulation.update_every=0"])
                store = out_dir / "run.sqlite"
                n, prompt, completion, _ = calls(store, "%rat%")
                items = rated_items(store)
                rows.append((name, n, items, prompt, completion, wall))
            print(f"\n{'rating calls':<36}{'calls':>8}{'items':>8}{'prompt tok/item':>17}{'completion tok/item':>21}{'wall s':>8}")
            for name, n, items, prompt, completion, wall in rows:
                print(f"{name:<36}{n:>8}{items:>8}{prompt / items:>17,.0f}{completion / items:>21,.0f}{wall:>8.1f}")
            ratio = (rows[1][3] / rows[1][2]) / (rows[0][3] / rows[0][2])
            print(f"\nbatching cuts prompt tokens per rated item {ratio:.1f}x (target: at least 2x)")
        finally:
            mock.terminate()
            mock.wait()


if __name__ == "__main__":
    main()
