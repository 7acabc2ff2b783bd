"""Tests of the Python client and gym wrapper against a running environment
server (docs/env-api.md).

    LUSIFER_SERVER_URL=http://127.0.0.1:8765 python3 -m unittest discover -s tests/python -v

LUSIFER_SERVER_TOKEN is sent as the bearer token when set (and then requests
without it must get 401). Without LUSIFER_SERVER_URL every test here is
skipped with a message. Standard library only.

What the server must offer: at least 16 users and 32 catalog items; sessions
are created with small horizons, so a run costs a few dozen user-steps.
session_busy (two requests on one session at once) is not tested here: with a
fast simulator the first answer usually arrives before the second request;
the C++ tests cover it with a service that holds its answers.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "examples", "python"))

from lusifer_client import LusiferClient, LusiferConnectionError, LusiferError  # noqa: E402
from lusifer_gym import (ListSpace, LusiferEnv, LusiferVecEnv, ObservationSpace,  # noqa: E402
                         SlateSpace)

URL = os.environ.get("LUSIFER_SERVER_URL")
TOKEN = os.environ.get("LUSIFER_SERVER_TOKEN") or None
# Set (to 1) when the server keeps each user in one session at a time, as
# `lusifer serve` does (a user's profile lives in one actor).
EXCLUSIVE_USERS = os.environ.get("LUSIFER_SERVER_EXCLUSIVE_USERS") == "1"
SKIP_MESSAGE = ("set LUSIFER_SERVER_URL to a running environment server "
                "(e.g. lusifer serve) to run the client tests")


@unittest.skipUnless(URL, SKIP_MESSAGE)
class ServerTestCase(unittest.TestCase):
    client: LusiferClient
    item_ids: list

    @classmethod
    def setUpClass(cls) -> None:
        cls.client = LusiferClient(URL, TOKEN, timeout=300)
        cls.item_ids = [item["item_id"] for item in cls.client.catalog(0, 1000)["items"]]

    def new_env(self, **options) -> dict:
        env = self.client.create_env(**options)
        self.addCleanup(self._close_quietly, env["env_id"])
        return env

    def _close_quietly(self, env_id: str) -> None:
        try:
            self.client.close(env_id)
        except LusiferError:
            pass

    def assert_error(self, status: int, type: str, field, call, *args, **kwargs) -> LusiferError:
        with self.assertRaises(LusiferError) as caught:
            call(*args, **kwargs)
        error = caught.exception
        self.assertEqual(error.status, status, error)
        self.assertEqual(error.type, type, error)
        self.assertEqual(error.field, field, error)
        self.assertTrue(error.message)
        body = json.loads(error.body)
        self.assertEqual(body["error"]["type"], type)
        return error

    def assert_raw_error(self, status: int, type: str, field, method: str, path: str,
                         body: bytes = None) -> None:
        got_status, text = self.client.request_raw(method, path, body,
                                                   {"Content-Type": "application/json"})
        self.assertEqual(got_status, status, text)
        error = json.loads(text)["error"]
        self.assertEqual(error["type"], type, text)
        self.assertEqual(error.get("field"), field, text)

    def slates(self, n: int, k: int, offset: int = 0) -> list:
        return [self.item_ids[(offset + u * k):(offset + u * k + k)] for u in range(n)]


class ClientTest(ServerTestCase):
    def test_health_and_metrics(self) -> None:
        health = self.client.health()
        self.assertEqual(health["status"], "ok")
        self.assertGreaterEqual(health["max_sessions"], 1)
        metrics = self.client.metrics()
        self.assertIn("lusifer_env_sessions_open", metrics)
        self.assertIn("lusifer_env_step_latency_seconds_bucket", metrics)

    def test_catalog_pages(self) -> None:
        first = self.client.catalog(0, 5)
        self.assertGreaterEqual(first["total"], 12)
        self.assertEqual(len(first["items"]), 5)
        item = first["items"][0]
        for key in ("item_id", "title", "year", "genres", "text", "tags"):
            self.assertIn(key, item)
        second = self.client.catalog(5, 5)
        ids = [i["item_id"] for i in first["items"] + second["items"]]
        self.assertEqual(len(set(ids)), 10)
        self.assertEqual(ids, sorted(ids))
        beyond = self.client.catalog(first["total"], 10)
        self.assertEqual(beyond["items"], [])
        if first["total"] <= 20000:
            self.assertEqual(sum(1 for _ in self.client.iter_catalog()), first["total"])

    def test_episode(self) -> None:
        env = self.new_env(users=2, horizon=2, slate_size=3, seed=1)
        env_id = env["env_id"]
        self.assertEqual(env["num_envs"], 2)
        self.assertEqual(len(env["user_ids"]), 2)
        self.assertEqual((env["horizon"], env["slate_size"], env["seed"]), (2, 3, 1))
        for key in ("num_items", "rating_scale", "reward", "leaving", "backend"):
            self.assertIn(key, env)
        self.assertLess(env["rating_scale"]["min"], env["rating_scale"]["max"])

        reset = self.client.reset(env_id, seed=3)
        self.assertEqual([o["user_id"] for o in reset["observations"]], env["user_ids"])
        self.assertEqual(reset["infos"], [{}, {}])
        for obs in reset["observations"]:
            self.assertIsInstance(obs["profile"], str)
            self.assertIsInstance(obs["profile_version"], int)
            self.assertIsInstance(obs["recent"], list)

        actions = self.slates(2, 3)
        step = self.client.step(env_id, actions)
        for key in ("observations", "rewards", "terminated", "truncated", "infos"):
            self.assertEqual(len(step[key]), 2, key)
        for slate, info in zip(actions, step["infos"]):
            self.assertTrue(info["active"])
            rated = [r["item_id"] for r in info["ratings"]]
            self.assertTrue(set(rated) <= set(slate))
            self.assertEqual(set(rated) | set(info["missing"]), set(slate))
            for r in info["ratings"]:
                self.assertGreaterEqual(r["rating"], env["rating_scale"]["min"])
                self.assertLessEqual(r["rating"], env["rating_scale"]["max"])
        self.assertFalse(any(step["truncated"]))

        done = [t or u for t, u in zip(step["terminated"], step["truncated"])]
        last = self.client.step(env_id, [None if d else a for d, a in
                                         zip(done, self.slates(2, 3, offset=6))])
        for d, terminated, truncated in zip(done, last["terminated"], last["truncated"]):
            self.assertTrue(terminated or truncated or d)
        self.assert_error(409, "reset_required", None, self.client.step, env_id, actions)

        self.assertEqual(self.client.close(env_id), {"closed": True})
        self.assert_error(404, "unknown_session", None, self.client.step, env_id, actions)
        self.assert_error(404, "unknown_session", None, self.client.close, env_id)

    def test_create_errors(self) -> None:
        create = self.client.create_env
        self.assert_raw_error(400, "invalid_json", None, "POST", "/v1/envs", b"{")
        self.assert_raw_error(400, "invalid_json", None, "POST", "/v1/envs", b"")
        self.assert_raw_error(400, "unknown_field", "colour", "POST", "/v1/envs",
                              b'{"users":1,"colour":"red"}')
        self.assert_raw_error(400, "duplicate_field", "users", "POST", "/v1/envs",
                              b'{"users":1,"users":2}')
        self.assert_raw_error(400, "missing_field", "users", "POST", "/v1/envs", b'{"seed":1}')
        self.assert_raw_error(400, "wrong_type", "users", "POST", "/v1/envs", b'{"users":"2"}')
        self.assert_raw_error(400, "wrong_type", "seed", "POST", "/v1/envs",
                              b'{"users":1,"seed":1.5}')
        self.assert_error(400, "invalid_value", "horizon", create, 1, horizon=0)
        self.assert_error(400, "invalid_value", "reward", create, 1, reward="stars")
        self.assert_error(400, "invalid_value", "users[1]", create, [1, 1])
        self.assert_error(400, "unknown_user", "users[0]", create, [-5])
        self.assert_error(400, "too_many_users", "users", create, 10**8)
        total = self.client.catalog(0, 1)["total"]
        if total < 1000:
            self.assert_error(400, "invalid_value", "slate_size", create, 1, slate_size=total + 1)

    @unittest.skipUnless(EXCLUSIVE_USERS, "set LUSIFER_SERVER_EXCLUSIVE_USERS=1 for a server "
                         "that keeps a user in one session at a time")
    def test_user_in_one_session_at_a_time(self) -> None:
        first = self.new_env(users=2, horizon=1, slate_size=1, seed=4)
        taken = first["user_ids"][1]
        self.assert_error(409, "user_in_use", "users[0]", self.client.create_env, [taken])
        # Sampled users never include those of open sessions.
        other = self.new_env(users=3, horizon=1, slate_size=1, seed=4)
        self.assertFalse(set(other["user_ids"]) & set(first["user_ids"]))
        # Closing a session frees its users.
        self.client.close(first["env_id"])
        again = self.new_env(users=[taken], horizon=1, slate_size=1)
        self.assertEqual(again["user_ids"], [taken])

    def test_step_errors(self) -> None:
        env = self.new_env(users=2, horizon=3, slate_size=2)
        env_id = env["env_id"]
        good = self.slates(2, 2)
        self.assert_error(409, "reset_required", None, self.client.step, env_id, good)
        self.client.reset(env_id)
        step = self.client.step
        self.assert_error(400, "invalid_action", "actions", step, env_id, good[:1])
        self.assert_error(400, "invalid_action", "actions[1]", step, env_id,
                          [good[0], good[1][:1]])
        self.assert_error(400, "invalid_action", "actions[1][1]", step, env_id,
                          [good[0], [good[1][0], good[1][0]]])
        self.assert_error(400, "invalid_action", "actions[0]", step, env_id, [None, good[1]])
        total = self.client.catalog(0, 1)["total"]
        unknown = self.client.catalog(total - 1, 1)["items"][0]["item_id"] + 1000  # ids ascend
        self.assert_error(400, "unknown_item", "actions[1][0]", step, env_id,
                          [good[0], [unknown, good[1][1]]])
        self.assert_raw_error(400, "wrong_type", "actions[0][1]", "POST",
                              f"/v1/envs/{env_id}/step",
                              json.dumps({"actions": [[good[0][0], "x"], good[1]]}).encode())
        self.assert_raw_error(400, "missing_field", "actions", "POST", f"/v1/envs/{env_id}/step",
                              b"{}")
        # None of these moved the episode: a valid step still works.
        self.assertEqual(len(self.client.step(env_id, good)["rewards"]), 2)

    def test_url_and_method_errors(self) -> None:
        self.assert_raw_error(404, "not_found", None, "GET", "/v1/nothing")
        self.assert_raw_error(405, "method_not_allowed", None, "GET", "/v1/envs")
        self.assert_raw_error(405, "method_not_allowed", None, "POST", "/v1/catalog", b"{}")
        self.assert_raw_error(404, "unknown_session", None, "POST", "/v1/envs/no-such-env/reset",
                              b"{}")
        self.assert_error(404, "unknown_session", None, self.client.reset, "no-such-env")
        self.assert_raw_error(400, "invalid_value", "limit", "GET", "/v1/catalog?limit=0")
        self.assert_raw_error(400, "unknown_field", "page", "GET", "/v1/catalog?page=2")
        self.assert_raw_error(400, "wrong_type", "offset", "GET", "/v1/catalog?offset=x")

    def test_too_many_sessions(self) -> None:
        health = self.client.health()
        room = health["max_sessions"] - health["sessions_open"]
        if room > 64:
            self.skipTest(f"the server allows {health['max_sessions']} sessions; "
                          "too many to fill in a test")
        for _ in range(room):
            self.new_env(users=1, horizon=1, slate_size=1)
        self.assert_error(429, "too_many_sessions", None, self.client.create_env, 1)

    def test_concurrent_sessions(self) -> None:
        health = self.client.health()
        clients = min(8, health["max_sessions"] - health["sessions_open"])
        if clients < 2:
            self.skipTest("the server has no room for two more sessions")
        results: list = [None] * clients

        def episode(index: int) -> None:
            client = LusiferClient(URL, TOKEN, timeout=300)
            try:
                env = client.create_env(users=2, horizon=3, slate_size=2, seed=index)
                try:
                    client.reset(env["env_id"], seed=index)
                    rewards = []
                    for step in range(3):
                        answer = client.step(env["env_id"],
                                             self.slates(2, 2, offset=(index + step) * 4))
                        rewards.append(answer["rewards"])
                    results[index] = (env["user_ids"], rewards, answer["truncated"])
                finally:
                    client.close(env["env_id"])
            except Exception as error:  # reported below, with the others
                results[index] = error

        threads = [threading.Thread(target=episode, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        for index, result in enumerate(results):
            self.assertIsInstance(result, tuple, f"session {index}: {result!r}")
            user_ids, rewards, truncated = result
            self.assertEqual(len(user_ids), 2)
            self.assertEqual([len(r) for r in rewards], [2, 2, 2])
            self.assertEqual(truncated, [True, True])

    def test_body_too_large(self) -> None:
        body = b'{"users":[' + b"1," * (4 * 1024 * 1024) + b"1]}"
        try:
            status, text = self.client.request_raw("POST", "/v1/envs", body)
        except LusiferConnectionError:
            self.skipTest("the server closed the connection before reading the whole body")
        if status != 413:
            self.skipTest(f"the server accepts bodies of {len(body)} bytes (got {status})")
        self.assertEqual(json.loads(text)["error"]["type"], "request_too_large")
        self.assertEqual(self.client.health()["status"], "ok")

    @unittest.skipUnless(TOKEN, "set LUSIFER_SERVER_TOKEN to test authentication")
    def test_token_required(self) -> None:
        anonymous = LusiferClient(URL)
        self.assertEqual(anonymous.health()["status"], "ok")
        for call in (lambda: anonymous.catalog(0, 1), lambda: anonymous.create_env(1)):
            with self.assertRaises(LusiferError) as caught:
                call()
            self.assertEqual(caught.exception.status, 401)
            self.assertEqual(caught.exception.type, "authentication_error")
        wrong = LusiferClient(URL, "not-the-token")
        with self.assertRaises(LusiferError) as caught:
            wrong.metrics()
        self.assertEqual(caught.exception.status, 401)

    def test_unreachable_server(self) -> None:
        with self.assertRaises(LusiferConnectionError) as caught:
            LusiferClient("http://127.0.0.1:9", timeout=5).health()
        self.assertEqual(caught.exception.type, "connection_error")
        self.assertIsNone(caught.exception.status)


class GymWrapperTest(ServerTestCase):
    def test_vector_env_runs_episodes(self) -> None:
        env = LusiferVecEnv(self.client, users=3, horizon=3, slate_size=2, seed=5)
        self.addCleanup(env.close)
        self.assertEqual(env.num_envs, 3)
        self.assertIsInstance(env.single_action_space, SlateSpace)
        self.assertIsInstance(env.single_observation_space, ObservationSpace)
        self.assertIsInstance(env.action_space, ListSpace)
        self.assertTrue(env.all_done)

        observations, infos = env.reset(seed=5)
        self.assertFalse(env.all_done)
        self.assertEqual(len(observations), 3)
        self.assertEqual(infos, [{}, {}, {}])
        self.assertIn(observations, env.observation_space)
        steps = 0
        while not env.all_done:
            actions = env.action_space.sample()
            self.assertIn(actions, env.action_space)
            observations, rewards, terminated, truncated, infos = env.step(actions)
            steps += 1
            self.assertEqual(len(rewards), 3)
            self.assertIn(observations, env.observation_space)
            self.assertTrue(all(isinstance(r, (int, float)) for r in rewards))
        self.assertLessEqual(steps, 3)
        self.assertTrue(all(t or u for t, u in zip(terminated, truncated)))
        with self.assertRaises(LusiferError) as caught:
            env.step(env.action_space.sample())
        self.assertEqual(caught.exception.type, "reset_required")
        env.reset()
        self.assertFalse(env.all_done)
        env.close()
        env.close()  # a second close does nothing

    def test_spaces(self) -> None:
        space = SlateSpace([1, 2, 3, 4], 2, seed=3)
        for _ in range(20):
            self.assertIn(space.sample(), space)
        self.assertNotIn([1, 1], space)
        self.assertNotIn([1], space)
        self.assertNotIn([1, 9], space)
        self.assertNotIn([1, True], space)
        self.assertEqual(SlateSpace([1, 2, 3, 4], 2, seed=3).sample(),
                         SlateSpace([1, 2, 3, 4], 2, seed=3).sample())
        vector = ListSpace(space, 2, optional=True)
        self.assertIn([[1, 2], None], vector)
        self.assertNotIn([[1, 2]], vector)
        observations = ObservationSpace([7])
        self.assertIn({"user_id": 7, "profile": "", "profile_version": 0,
                       "recent": [{"item_id": 1, "rating": 4.5}]}, observations)
        self.assertNotIn({"user_id": 7, "profile": 3, "profile_version": 0, "recent": []},
                         observations)
        self.assertNotIn({"user_id": 7}, observations)

    def test_single_user_env(self) -> None:
        with LusiferEnv(self.client, horizon=2, slate_size=2, seed=2) as env:
            observation, info = env.reset(seed=2)
            self.assertIn(observation, env.observation_space)
            self.assertEqual(info, {})
            observation, reward, terminated, truncated, info = env.step(
                env.action_space.sample())
            self.assertIsInstance(reward, (int, float))
            self.assertIsInstance(terminated, bool)
            self.assertIn("ratings", info)


if __name__ == "__main__":
    unittest.main()
