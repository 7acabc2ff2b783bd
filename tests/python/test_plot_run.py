"""Tests of examples/python/plot_run.py on run stores built with the real
schema: the migrations are read from engine/store/run_store.cpp, so these
tests follow the schema as it changes. Needs matplotlib (Debian:
python3-matplotlib); skipped with a message without it. No server needed.
"""

from __future__ import annotations

import os
import re
import sqlite3
import struct
import sys
import tempfile
import unittest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))

import plot_run  # noqa: E402

try:
    import matplotlib  # noqa: F401

    HAVE_MATPLOTLIB = True
except ImportError:
    HAVE_MATPLOTLIB = False


def migrations() -> list:
    """The SQL of each migration of the run store, in order."""
    with open(os.path.join(ROOT, "engine", "store", "run_store.cpp"), encoding="utf-8") as f:
        source = f.read()
    block = source[source.index("kMigrations[]"):]
    return re.findall(r'R"sql\((.*?)\)sql"', block, flags=re.S)


def make_store(path: str, version: int) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    for v, sql in enumerate(migrations()[:version]):
        db.executescript(sql)
        db.execute(f"PRAGMA user_version = {v + 1}")
    db.execute("INSERT INTO runs VALUES ('r1', '2024-01-01T00:00:00Z', '', 'abc', 1, "
               "'offline', 'synthetic', 'finished')")
    return db


def png_size(path: str) -> tuple:
    with open(path, "rb") as f:
        header = f.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", header[16:24])


@unittest.skipUnless(HAVE_MATPLOTLIB, "matplotlib is not installed (Debian: python3-matplotlib)")
class PlotRunTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.store = os.path.join(self.dir.name, "run.sqlite")

    def test_current_schema_has_reward_curves(self) -> None:
        self.assertGreaterEqual(len(migrations()), 2)
        db = make_store(self.store, len(migrations()))
        for agent, base in (("random", 2.0), ("linucb", 3.0)):
            for episode in (0, 1):
                for step in range(5):
                    db.execute("INSERT INTO step_metrics VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                               (agent, episode, step, 4, base + 0.1 * step, 3.5, 20, 0, 0, 0,
                                0.01))
                for user in (1, 2):
                    db.execute("INSERT INTO episodes VALUES (?,?,?,?,?,?,?)",
                               (agent, episode, user, 5, base * 5, "truncated", ""))
                    for step in range(5):
                        db.execute("INSERT INTO feedback (episode, step, user_id, item_id, "
                                   "position, raw_rating, calibrated_rating, explanation, "
                                   "profile_version, agent, reward) VALUES "
                                   "(?,?,?,?,?,?,?,?,?,?,?)",
                                   (episode, step, user, step + 10, 0, 1.0 + (step % 5),
                                    1.2 + (step % 5), "", 1, agent, 1.0 + (step % 5)))
        db.commit()
        db.close()

        with sqlite3.connect(self.store) as check:
            self.assertEqual(check.execute("PRAGMA user_version").fetchone()[0],
                             len(migrations()))
        what, curves = plot_run.reward_curves(plot_run.open_store(self.store))
        self.assertEqual(what, "mean reward per rated item")
        self.assertEqual(sorted(curves), ["linucb", "random"])
        self.assertEqual(len(curves["random"]), 10)
        self.assertAlmostEqual(curves["linucb"][4][2], 3.4)
        returns = plot_run.episode_returns(plot_run.open_store(self.store))
        self.assertEqual(returns["random"]["returns"], [(0, 10.0), (1, 10.0)])
        self.assertEqual(returns["random"]["outcomes"], {"truncated": 4})  # 2 episodes x 2 users

        written = plot_run.plot(self.dir.name, os.path.join(self.dir.name, "plots"))
        names = sorted(os.path.basename(p) for p in written)
        self.assertEqual(names, ["episode_returns.png", "rating_distributions.png",
                                 "reward_curves.png"])
        for path in written:
            width, height = png_size(path)
            self.assertGreater(width, 500)
            self.assertGreater(height, 300)

    def test_rewards_from_feedback_when_step_metrics_is_empty(self) -> None:
        db = make_store(self.store, len(migrations()))
        for step in range(3):
            for user in (1, 2):
                for position in range(2):
                    db.execute("INSERT INTO feedback (episode, step, user_id, item_id, position, "
                               "raw_rating, explanation, profile_version, agent, reward) "
                               "VALUES (0,?,?,?,?,4.0,'',1,'eps',?)",
                               (step, user, 10 * step + position, position, float(step)))
        db.commit()
        db.close()
        what, curves = plot_run.reward_curves(plot_run.open_store(self.store))
        self.assertEqual(what, "mean reward per user (from feedback)")
        # Two items per user and step, each worth `step`: a user's reward is 2 * step.
        self.assertEqual(curves["eps"], [(0, 0, 0.0), (0, 1, 2.0), (0, 2, 4.0)])

    def test_first_schema_plots_ratings_only(self) -> None:
        db = make_store(self.store, 1)
        for step in range(4):
            db.execute("INSERT INTO feedback VALUES (0, ?, 1, ?, 0, ?, NULL, '', 1)",
                       (step, step, 2.0 + step % 3))
        db.execute("INSERT INTO feedback VALUES (-1, -1, 1, 99, 0, 5.0, NULL, '', 1)")
        db.commit()
        db.close()
        what, curves = plot_run.reward_curves(plot_run.open_store(self.store))
        self.assertEqual(what, "mean raw rating (the run store has no rewards)")
        self.assertEqual(len(curves["all feedback"]), 4)
        self.assertEqual(plot_run.episode_returns(plot_run.open_store(self.store)), {})
        counts = plot_run.rating_counts(plot_run.open_store(self.store))
        self.assertEqual(counts["all feedback"]["raw"], {2.0: 2, 3.0: 1, 4.0: 1, 5.0: 1})
        written = plot_run.plot(self.store, self.dir.name)
        self.assertEqual(sorted(os.path.basename(p) for p in written),
                         ["rating_distributions.png", "reward_curves.png"])

    def test_empty_store_and_missing_file(self) -> None:
        make_store(self.store, len(migrations())).close()
        self.assertEqual(plot_run.plot(self.store, self.dir.name), [])
        self.assertEqual(plot_run.main([self.store, "--out", self.dir.name]), 1)
        self.assertEqual(plot_run.main([os.path.join(self.dir.name, "nope")]), 2)
        garbage = os.path.join(self.dir.name, "garbage.sqlite")
        with open(garbage, "w") as f:
            f.write("this is not a database")
        self.assertEqual(plot_run.main([garbage]), 2)


if __name__ == "__main__":
    unittest.main()
