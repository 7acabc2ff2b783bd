#!/usr/bin/python3
"""Load benchmark (and, with --bad-every, stress check) of `lusifer serve`.

    bench/env_load.py [--lusifer BIN] [--clients 64] [--users 16] [--steps 200]
                      [--bad-every N] [--config bench/configs/env-load.toml]

Starts `lusifer serve` on a free port over the synthetic world of
bench/configs/env-load.toml (offline model: no LLM, no network), in a temporary
work directory. Then --clients threads, each with its own keep-alive
http.client connection, create a session of --users users, reset it and step
random valid slates (distinct catalog items) --steps times, resetting whenever
every user is done. Prints env steps/s, user-steps/s, step latency p50/p99 and
the server's /metrics counters.

With --bad-every N every client also sends, after every N-th good request, one
bad request drawn from a fixed list (malformed JSON, invalid UTF-8, wrong
shapes and types, unknown sessions/users/items/fields/endpoints, oversized
bodies, ...). It then checks, and exits 1 when any check fails:
  * every bad request got its documented 4xx status and error type, as JSON;
  * every good request succeeded (no 5xx, no session_busy, nothing else);
  * a refused request changed nothing: each episode truncates exactly at the
    horizon counted in good steps only;
  * GET /healthz answers ok at the end, and no session is left open;
  * /metrics agrees with the counts the clients saw: requests per endpoint,
    sessions created, resets, steps, user-steps and errors by status and type
    (413s are answered before the environment layer and are not counted there);
  * the server exits 0 on SIGTERM.

Randomness is Python's random.Random seeded per client (--seed): the same
command sends the same requests. Standard library only (/usr/bin/python3).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from typing import Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_lusifer() -> str:
    """The newest lusifer executable of the usual build directories."""
    found = [os.path.join(ROOT, "build", name, "cli", "lusifer") for name in ("lead", "release")]
    found = [path for path in found if os.access(path, os.X_OK)]
    if not found:
        return os.path.join(ROOT, "build", "release", "cli", "lusifer")
    return max(found, key=os.path.getmtime)


def percentile(sorted_values: list, fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


class Server:
    """`lusifer serve` in a child process, its log in a file (a pipe nobody reads would fill)."""

    def __init__(self, lusifer: str, config: str, work: str, overrides: list) -> None:
        self.log_path = os.path.join(work, "serve.log")
        command = [lusifer, "serve", "--config", config, "--port", "0",
                   "--out", os.path.join(work, "run"),
                   "--set", f'data.path="{os.path.join(work, "world")}"']
        for override in overrides:
            command += ["--set", override]
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("listening on http://"):
            self.process.kill()
            self.process.communicate(timeout=30)
            raise RuntimeError(f"lusifer serve did not start: {line!r}\n{self.log_tail()}")
        self.url = line[len("listening on "):].strip()
        host_port = self.url[len("http://"):]
        self.host, port = host_port.rsplit(":", 1)
        self.port = int(port)
        self.run_store = os.path.join(work, "run", "run.sqlite")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process so far."""
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self) -> str:
        with open(self.log_path) as log:
            return log.read()[-4000:]

    def stop(self) -> int:
        self.process.terminate()
        try:
            self.process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            return -1
        return self.process.returncode


class Connection:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.conn: Optional[http.client.HTTPConnection] = None

    def request(self, method: str, path: str, body: Optional[bytes] = None) -> tuple[int, bytes]:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
            try:
                headers = {"Content-Type": "application/json"} if body is not None else {}
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.will_close:
                    self.close()
                return response.status, data
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                # A keep-alive connection the server closed between requests: resend once on
                # a fresh one (a request the server never read cannot have changed anything).
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def oversized_request(host: str, port: int, path: str, size: int) -> tuple[int, bytes]:
    """POSTs `size` bytes on a fresh socket and reads the answer, even when the server
    answers (and closes) before the whole body is sent."""
    with socket.create_connection((host, port), timeout=120) as sock:
        head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n")
        try:
            sock.sendall(head.encode())
            chunk = b"[" * 65536
            sent = 0
            while sent < size:
                part = chunk[:min(len(chunk), size - sent)]
                sock.sendall(part)
                sent += len(part)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early and closed; its answer may still be readable
        data = b""
        try:
            while True:
                piece = sock.recv(65536)
                if not piece:
                    break
                data += piece
                if b"\r\n\r\n" in data:
                    header, _, rest = data.partition(b"\r\n\r\n")
                    match = re.search(rb"content-length:\s*(\d+)", header, re.I)
                    if match and len(rest) >= int(match.group(1)):
                        break
        except (ConnectionResetError, socket.timeout):
            pass
    if not data.startswith(b"HTTP/1.1 "):
        return 0, data
    header, _, rest = data.partition(b"\r\n\r\n")
    return int(header[9:12]), rest


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list = []       # seconds, good steps
        self.requests = Counter()       # endpoint -> requests sent (as the server labels them)
        self.errors = Counter()         # (status, type) -> bad requests refused as expected
        self.bad_kinds = Counter()      # bad request kind -> count
        self.good = Counter()           # creates, resets, steps, user_steps, closes
        self.violations: list = []
        self.too_large = 0

    def violation(self, text: str) -> None:
        with self.lock:
            if len(self.violations) < 50:
                self.violations.append(text)
            else:
                self.violations[-1] = f"... and more (last: {text})"


def error_of(status: int, data: bytes) -> Optional[str]:
    """The error type of a JSON error answer, or None when the body is not one."""
    try:
        body = json.loads(data)
        kind = body["error"]["type"]
        return kind if isinstance(kind, str) else None
    except (ValueError, KeyError, TypeError):
        return None


def bad_requests(env_id: str, users: int, slate: int, items: list, max_users: int,
                 max_body: int) -> list:
    """(kind, method, path, body, endpoint, status, type) of every bad request tried.
    Every one is refused by the environment layer (or by the HTTP layer for 413)."""
    good_slate = items[:slate]
    base = f"/v1/envs/{env_id}"

    def actions(replace_first) -> bytes:
        rows = [list(good_slate) for _ in range(users)]
        rows[0] = replace_first
        return json.dumps({"actions": rows}).encode()

    far_item = max(items) + 1_000_000
    return [
        ("malformed_json", "POST", base + "/step", b'{"actions": [[1, 2', "step", 400, "invalid_json"),
        ("invalid_utf8", "POST", base + "/step", b'{"actions": "\xff\xfe"}', "step", 400, "invalid_json"),
        ("too_deep", "POST", base + "/step", b"[" * 5000, "step", 400, "invalid_json"),
        ("empty_step_body", "POST", base + "/step", b"", "step", 400, "invalid_json"),
        ("trailing_bytes", "POST", base + "/step",
         json.dumps({"actions": [good_slate] * users}).encode() + b" x", "step", 400, "invalid_json"),
        ("body_not_object", "POST", base + "/step", b"[1, 2, 3]", "step", 400, "wrong_type"),
        ("actions_not_list", "POST", base + "/step", b'{"actions": 5}', "step", 400, "wrong_type"),
        ("missing_actions", "POST", base + "/step", b"{}", "step", 400, "missing_field"),
        ("unknown_field", "POST", base + "/step",
         json.dumps({"actions": [good_slate] * users, "colour": 1}).encode(), "step", 400,
         "unknown_field"),
        ("duplicate_field", "POST", base + "/step",
         b'{"actions": null, "actions": null}', "step", 400, "duplicate_field"),
        ("too_few_actions", "POST", base + "/step",
         json.dumps({"actions": [good_slate] * (users - 1)}).encode(), "step", 400,
         "invalid_action"),
        ("short_slate", "POST", base + "/step", actions(good_slate[:-1]), "step", 400,
         "invalid_action"),
        ("repeated_item", "POST", base + "/step", actions([good_slate[0]] * slate), "step", 400,
         "invalid_action"),
        ("null_for_active_user", "POST", base + "/step", actions(None), "step", 400,
         "invalid_action"),
        ("decimal_item", "POST", base + "/step",
         actions([float(good_slate[0])] + good_slate[1:]), "step", 400, "wrong_type"),
        ("string_item", "POST", base + "/step",
         actions([str(good_slate[0])] + good_slate[1:]), "step", 400, "wrong_type"),
        ("unknown_item", "POST", base + "/step", actions([far_item] + good_slate[1:]), "step", 400,
         "unknown_item"),
        ("unknown_session_step", "POST", "/v1/envs/env-no-such-session/step",
         json.dumps({"actions": [good_slate] * users}).encode(), "step", 404, "unknown_session"),
        ("unknown_session_reset", "POST", "/v1/envs/env-no-such-session/reset", b"{}", "reset", 404,
         "unknown_session"),
        ("unknown_session_close", "DELETE", "/v1/envs/env-no-such-session", None, "close", 404,
         "unknown_session"),
        ("negative_seed", "POST", base + "/reset", b'{"seed": -1}', "reset", 400, "invalid_value"),
        ("reset_unknown_field", "POST", base + "/reset", b'{"sed": 1}', "reset", 400,
         "unknown_field"),
        ("unknown_user", "POST", "/v1/envs", b'{"users": [987654321]}', "create", 400,
         "unknown_user"),
        ("zero_users", "POST", "/v1/envs", b'{"users": 0}', "create", 400, "invalid_value"),
        ("too_many_users", "POST", "/v1/envs", json.dumps({"users": max_users + 1}).encode(),
         "create", 400, "too_many_users"),
        ("users_as_string", "POST", "/v1/envs", b'{"users": "3"}', "create", 400, "wrong_type"),
        ("bad_reward", "POST", "/v1/envs", b'{"users": 1, "reward": "money"}', "create", 400,
         "invalid_value"),
        ("create_missing_users", "POST", "/v1/envs", b'{"seed": 1}', "create", 400,
         "missing_field"),
        ("catalog_limit_zero", "GET", "/v1/catalog?limit=0", None, "catalog", 400,
         "invalid_value"),
        ("catalog_unknown_param", "GET", "/v1/catalog?colour=red", None, "catalog", 400,
         "unknown_field"),
        ("unknown_endpoint", "GET", "/v1/nothing-here", None, "other", 404, "not_found"),
        ("wrong_method", "GET", base + "/step", None, "step", 405, "method_not_allowed"),
        ("oversized_body", "POST", base + "/step", max_body + 1, None, 413, "request_too_large"),
    ]


def run_client(index: int, args, server: Server, items: list, results: Results,
               deadline: float) -> None:
    rng = random.Random(args.seed * 1_000_003 + index)
    conn = Connection(server.host, server.port)
    local_lat = []
    req = Counter()
    err = Counter()
    kinds = Counter()
    good = Counter()
    too_large = 0
    env_id = None

    def call(method, path, body, endpoint):
        req[endpoint] += 1
        return conn.request(method, path, body)

    try:
        body = json.dumps({"users": args.users, "seed": args.seed * 1000 + index,
                           "horizon": args.horizon, "slate_size": args.slate_size}).encode()
        status, data = call("POST", "/v1/envs", body, "create")
        if status != 201:
            results.violation(f"client {index}: create answered {status} {data[:200]!r}")
            return
        good["creates"] += 1
        env_id = json.loads(data)["env_id"]
        users = json.loads(data)["num_envs"]
        bad_list = bad_requests(env_id, users, args.slate_size, items, args.max_users,
                                args.max_body)
        done = [True] * users
        steps_in_episode = 0
        good_requests = 0

        def maybe_bad() -> None:
            nonlocal too_large
            if not args.bad_every or good_requests % args.bad_every != 0:
                return
            kind, method, path, body, endpoint, want_status, want_type = rng.choice(bad_list)
            kinds[kind] += 1
            if endpoint is None:
                status, data = oversized_request(server.host, server.port, path, body)
                too_large += 1
            else:
                status, data = call(method, path, body, endpoint)
            got_type = error_of(status, data)
            if endpoint is not None and status >= 400:
                err[(status, got_type)] += 1
            if status != want_status or got_type != want_type:
                results.violation(f"client {index}: bad request {kind} answered {status} "
                                  f"{got_type} (expected {want_status} {want_type}): "
                                  f"{data[:200]!r}")
            if endpoint == "create" and status == 201:
                # Refused creates open nothing; one that was accepted must not leak a slot.
                conn.request("DELETE", f"/v1/envs/{json.loads(data)['env_id']}")
                req["close"] += 1

        for _ in range(args.steps):
            if time.monotonic() > deadline:
                break
            if all(done):
                status, data = call("POST", f"/v1/envs/{env_id}/reset",
                                    json.dumps({"seed": rng.randrange(1 << 30)}).encode(), "reset")
                if status != 200:
                    results.violation(f"client {index}: reset answered {status} {data[:200]!r}")
                    return
                good["resets"] += 1
                good_requests += 1
                maybe_bad()
                done = [False] * users
                steps_in_episode = 0
            actions = [None if done[u] else rng.sample(items, args.slate_size) for u in range(users)]
            body = json.dumps({"actions": actions}).encode()
            started = time.perf_counter()
            status, data = call("POST", f"/v1/envs/{env_id}/step", body, "step")
            local_lat.append(time.perf_counter() - started)
            if status != 200:
                results.violation(f"client {index}: step answered {status} {data[:200]!r}")
                return
            answer = json.loads(data)
            steps_in_episode += 1
            good["steps"] += 1
            good["user_steps"] += sum(1 for u in range(users) if not done[u])
            good["late"] += sum(1 for info in answer["infos"] if info.get("late"))
            good["failed"] += sum(1 for info in answer["infos"] if info.get("failure"))
            for u in range(users):
                if answer["terminated"][u] or answer["truncated"][u]:
                    done[u] = True
            # Leaving is off: every user truncates exactly at the horizon of good steps. A
            # refused request that advanced the episode would show here.
            expect_done = steps_in_episode >= args.horizon
            if any(answer["terminated"]) or any(t != expect_done for t in answer["truncated"]):
                results.violation(f"client {index}: after {steps_in_episode} good steps "
                                  f"truncated={answer['truncated']} terminated="
                                  f"{answer['terminated']} (horizon {args.horizon})")
                return
            good_requests += 1
            if not all(done):  # a bad step after the last one would get 409 reset_required
                maybe_bad()
    except Exception as error:  # a broken connection or a malformed answer is a violation
        results.violation(f"client {index}: {type(error).__name__}: {error}")
    finally:
        if env_id is not None:
            try:
                req["close"] += 1
                status, data = conn.request("DELETE", f"/v1/envs/{env_id}")
                if status == 200:
                    good["closes"] += 1
                else:
                    results.violation(f"client {index}: close answered {status} {data[:200]!r}")
            except Exception as error:
                results.violation(f"client {index}: close: {type(error).__name__}: {error}")
        conn.close()
        with results.lock:
            results.latencies.extend(local_lat)
            results.requests.update(req)
            results.errors.update(err)
            results.bad_kinds.update(kinds)
            results.good.update(good)
            results.too_large += too_large


def parse_metrics(text: str) -> dict:
    values = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        values[name] = float(value)
    return values


def fetch_catalog(conn: Connection, requests: Counter) -> list:
    items = []
    offset = 0
    while True:
        requests["catalog"] += 1
        status, data = conn.request("GET", f"/v1/catalog?offset={offset}&limit=1000")
        if status != 200:
            raise RuntimeError(f"catalog answered {status}: {data[:200]!r}")
        page = json.loads(data)
        items += [item["item_id"] for item in page["items"]]
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            return items


def reconcile(results: Results, metrics: dict, main_requests: Counter) -> list:
    """Differences between what the clients saw and what the server counted."""
    problems = []
    sent = results.requests + main_requests
    for endpoint in ("create", "reset", "step", "close", "catalog", "healthz", "other"):
        counted = metrics.get(f'lusifer_env_requests_total{{endpoint="{endpoint}"}}', 0)
        if counted != sent[endpoint]:
            problems.append(f"requests_total{{endpoint={endpoint}}} = {counted:.0f}, "
                            f"clients sent {sent[endpoint]}")
    # The /metrics request being answered is counted in its own answer.
    counted = metrics.get('lusifer_env_requests_total{endpoint="metrics"}', 0)
    if counted != sent["metrics"] + 1:
        problems.append(f"requests_total{{endpoint=metrics}} = {counted:.0f}, "
                        f"clients sent {sent['metrics'] + 1}")
    checks = [("sessions_created_total", results.good["creates"]),
              ("resets_total", results.good["resets"]),
              ("steps_total", results.good["steps"]),
              ("user_steps_total", results.good["user_steps"]),
              ("late_user_steps_total", results.good["late"]),
              ("failed_user_steps_total", results.good["failed"]),
              ("sessions_open", 0),
              ("step_latency_seconds_count", results.good["steps"])]
    for name, expected in checks:
        counted = metrics.get(f"lusifer_env_{name}")
        if counted != expected:
            problems.append(f"{name} = {counted}, clients saw {expected}")
    counted_errors = {}
    for name, value in metrics.items():
        match = re.fullmatch(r'lusifer_env_errors_total\{status="(\d+)",type="([a-z_]+)"\}', name)
        if match and value:
            counted_errors[(int(match.group(1)), match.group(2))] = value
    seen = {key: value for key, value in results.errors.items() if value}
    if counted_errors != seen:
        problems.append(f"errors_total {sorted(counted_errors.items())} != clients saw "
                        f"{sorted(seen.items())}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lusifer", default=os.environ.get("LUSIFER_BIN") or default_lusifer())
    parser.add_argument("--config", default=os.path.join(ROOT, "bench", "configs", "env-load.toml"))
    parser.add_argument("--set", action="append", default=[], dest="overrides",
                        help="passed to lusifer serve --set (repeatable)")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--users", type=int, default=16, help="users per session")
    parser.add_argument("--steps", type=int, default=200, help="good steps per client")
    parser.add_argument("--horizon", type=int, default=20)
    parser.add_argument("--slate-size", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-seconds", type=float, default=600,
                        help="clients stop stepping after this long")
    parser.add_argument("--bad-every", type=int, default=0,
                        help="stress: one bad request after every N good ones (0: none)")
    parser.add_argument("--max-users", type=int, default=64,
                        help="the config's server.max_users_per_session")
    parser.add_argument("--max-body", type=int, default=1048576,
                        help="the config's server.max_body_bytes")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="lusifer-env-load-")
    print(f"# {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {os.cpu_count()} cores, "
          f"load: {' '.join(open('/proc/loadavg').read().split()[:3])}", flush=True)
    print(f"# {args.lusifer} serve --config {os.path.relpath(args.config, ROOT)}", flush=True)
    server = Server(args.lusifer, args.config, work, args.overrides)
    failed = False
    try:
        main_conn = Connection(server.host, server.port)
        main_requests = Counter()
        items = fetch_catalog(main_conn, main_requests)
        results = Results()
        deadline = time.monotonic() + args.max_seconds
        threads = [threading.Thread(target=run_client,
                                    args=(i, args, server, items, results, deadline))
                   for i in range(args.clients)]
        server_cpu0 = server.cpu_seconds()
        client_cpu0 = sum(os.times()[:2])
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
        server_cpu = server.cpu_seconds() - server_cpu0
        client_cpu = sum(os.times()[:2]) - client_cpu0

        main_requests["healthz"] += 1
        status, data = main_conn.request("GET", "/healthz")
        health = json.loads(data) if status == 200 else {}
        if status != 200 or health.get("status") != "ok" or health.get("sessions_open") != 0:
            results.violation(f"GET /healthz at the end answered {status} {data[:200]!r}")
        status, data = main_conn.request("GET", "/metrics")
        metrics = parse_metrics(data.decode()) if status == 200 else {}
        if status != 200:
            results.violation(f"GET /metrics answered {status}")
        main_conn.close()
        problems = reconcile(results, metrics, main_requests) if metrics else []

        latencies = sorted(results.latencies)
        steps = results.good["steps"]
        user_steps = results.good["user_steps"]
        rows = [
            ("clients (connections, sessions)", f"{args.clients}"),
            ("users per session", f"{args.users}"),
            ("slate size, horizon", f"{args.slate_size}, {args.horizon}"),
            ("wall time", f"{wall:.1f} s"),
            ("env steps (good)", f"{steps}"),
            ("env steps/s", f"{steps / wall:.0f}"),
            ("user-steps", f"{user_steps}"),
            ("user-steps/s", f"{user_steps / wall:.0f}"),
            ("step latency p50", f"{percentile(latencies, 0.50) * 1000:.1f} ms"),
            ("step latency p99", f"{percentile(latencies, 0.99) * 1000:.1f} ms"),
            ("step latency max", f"{(latencies[-1] if latencies else 0) * 1000:.1f} ms"),
            ("resets (good)", f"{results.good['resets']}"),
            ("server CPU (user+sys)", f"{server_cpu:.1f} s"),
            ("server CPU per env step", f"{server_cpu / max(steps, 1) * 1e3:.2f} ms"),
            ("client CPU (Python)", f"{client_cpu:.1f} s"),
        ]
        if args.bad_every:
            rows.append(("bad requests sent", f"{sum(results.bad_kinds.values())} of "
                                              f"{len(results.bad_kinds)} kinds"))
        width = max(len(name) for name, _ in rows)
        print()
        for name, value in rows:
            print(f"{name:<{width}}  {value:>14}")
        print("\nserver /metrics at the end:")
        for name, value in metrics.items():
            if "_bucket" in name or (name.startswith("lusifer_env_errors_total") and not value):
                continue
            print(f"  {name} {value:g}")
        if args.bad_every:
            print("\nbad requests by kind: " + ", ".join(
                f"{kind} {count}" for kind, count in sorted(results.bad_kinds.items())))
        exit_code = server.stop()
        server = None
        if exit_code != 0:
            results.violation(f"lusifer serve exited {exit_code} after SIGTERM")
        violations = results.violations + problems
        print(f"\nmetrics reconcile with the clients: {'yes' if not problems else 'NO'}")
        steps_line = (f"env_load steps={steps} user_steps={user_steps} wall_s={wall:.1f} "
                      f"steps_per_s={steps / wall:.0f} user_steps_per_s={user_steps / wall:.0f} "
                      f"p50_ms={percentile(latencies, 0.5) * 1000:.1f} "
                      f"p99_ms={percentile(latencies, 0.99) * 1000:.1f} "
                      f"server_cpu_s={server_cpu:.1f} client_cpu_s={client_cpu:.1f}")
        if args.bad_every:
            steps_line += (f" bad_requests={sum(results.bad_kinds.values())} "
                           f"bad_kinds={len(results.bad_kinds)} clients={args.clients}")
        print(steps_line)
        if violations:
            failed = True
            print(f"\nVIOLATIONS ({len(violations)}):")
            for text in violations:
                print(f"  {text}")
    finally:
        if server is not None:
            server.stop()
        if args.keep or failed:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
