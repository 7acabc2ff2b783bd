#!/usr/bin/env python3
"""Runs the Python side of the environment server end to end: starts a
server on a free port, then

  1. tests/python (unittest) against it, without a token;
  2. examples/python/train_agent.py --require-better: the example agent must
     beat a random policy;
  3. tests/python/test_client.py again against a server that requires a
     bearer token.

The server is env_fixture_server (--server: the env server over the
synthetic world's ground truth, a test fixture; ctest envserver_python) or
the real `lusifer serve` (--lusifer with --config and --work-dir; ctest
envserver_serve), which also makes the tests check that a user is in one
session at a time. Exits non-zero when any part fails. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import shutil
import sys
import tempfile
import time


def start_server(command: list, env: dict, log_path: str) -> tuple[subprocess.Popen, str]:
    # The server's log goes to a file: a pipe nobody reads would fill and
    # stall it.
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    line = process.stdout.readline()
    if not line.startswith("listening on "):
        process.kill()
        process.communicate(timeout=30)
        with open(log_path) as log:
            raise RuntimeError(f"{command[0]} did not start: {line!r}\n{log.read()[-4000:]}")
    return process, line[len("listening on "):].strip()


def stop_server(process: subprocess.Popen) -> int:
    """SIGTERM, then the exit code: 0 when the server shut down cleanly."""
    process.terminate()
    try:
        process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        print("  the server did not stop within 60 s of SIGTERM", flush=True)
        process.kill()
        process.communicate()
        return -1
    print(f"  server exit {process.returncode} after SIGTERM", flush=True)
    return process.returncode


def run(command: list, env: dict, cwd: str) -> int:
    print("+", " ".join(command), flush=True)
    started = time.monotonic()
    code = subprocess.call(command, env=env, cwd=cwd)
    print(f"  exit {code} after {time.monotonic() - started:.1f} s", flush=True)
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", help="the env_fixture_server executable")
    parser.add_argument("--lusifer", help="the lusifer executable (runs `lusifer serve`)")
    parser.add_argument("--config", help="with --lusifer: the run configuration")
    parser.add_argument("--work-dir", help="with --lusifer: where the world and runs go")
    parser.add_argument("--source-dir", required=True, help="the repository's root")
    args = parser.parse_args()
    args.source_dir = os.path.abspath(args.source_dir)
    if bool(args.server) == bool(args.lusifer):
        parser.error("give exactly one of --server and --lusifer")
    if args.lusifer and not (args.config and args.work_dir):
        parser.error("--lusifer needs --config and --work-dir")

    python = sys.executable
    tests = os.path.join(args.source_dir, "tests", "python")
    examples = os.path.join(args.source_dir, "examples", "python")
    base_env = dict(os.environ)
    for name in ("LUSIFER_SERVER_TOKEN", "LUSIFER_SERVER_URL", "LUSIFER_SERVER_EXCLUSIVE_USERS"):
        base_env.pop(name, None)
    token_variable = "LUSIFER_FIXTURE_TOKEN"
    log_dir = tempfile.mkdtemp(prefix="envserver-python-")

    def command(run: int, with_token: bool) -> list:
        if args.server:
            return [args.server, "--port", "0",
                    *(["--token-env", token_variable] if with_token else [])]
        work = os.path.abspath(args.work_dir)
        world = os.path.join(work, "world")
        out = os.path.join(work, f"run-{run}")
        shutil.rmtree(out, ignore_errors=True)  # the previous test run's store
        return [args.lusifer, "serve", "--config", args.config, "--port", "0", "--out", out,
                "--set", f'data.path="{world}"',
                *(["--set", f'server.token_env="{token_variable}"'] if with_token else [])]

    if args.lusifer:
        base_env["LUSIFER_SERVER_EXCLUSIVE_USERS"] = "1"
    failures = 0

    process, url = start_server(command(1, False), base_env, os.path.join(log_dir, "server-1.log"))
    try:
        env = dict(base_env, LUSIFER_SERVER_URL=url)
        failures += run([python, "-m", "unittest", "discover", "-s", tests, "-v"], env,
                        args.source_dir) != 0
        failures += run([python, os.path.join(examples, "train_agent.py"), "--url", url,
                         "--users", "16", "--episodes", "3", "--horizon", "10",
                         "--slate-size", "5", "--require-better", "--quiet"], env, examples) != 0
    finally:
        failures += stop_server(process) != 0

    token = "envserver-python-test-token"
    token_env = dict(base_env, **{token_variable: token})
    process, url = start_server(command(2, True), token_env, os.path.join(log_dir, "server-2.log"))
    try:
        env = dict(base_env, LUSIFER_SERVER_URL=url, LUSIFER_SERVER_TOKEN=token)
        failures += run([python, "-m", "unittest", "-v", "test_client"], env, tests) != 0
    finally:
        failures += stop_server(process) != 0

    # Three test runs and two clean shutdowns.
    print(f"{5 - failures} passed, {failures} failed", flush=True)
    if failures:
        print(f"server logs: {log_dir}", flush=True)
    else:
        shutil.rmtree(log_dir, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
