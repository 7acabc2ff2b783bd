#!/usr/bin/env python3
"""Plots a lusifer run: reward curves per agent and rating distributions.

Reads a run store (the SQLite file ``run.sqlite`` in a run directory; see
engine/store/run_store.cpp for its schema) and writes PNG files:

  reward_curves.png         per agent: the mean reward per rated item at every step
                            of the run (episodes one after another), and the
                            mean over episodes at each step of an episode
  episode_returns.png       per agent: the mean total reward per user of each
                            episode, and how episodes ended (truncated,
                            terminated, failed)
  rating_distributions.png  per agent: how often each rating was given (raw,
                            and calibrated where the run calibrated)

Where the figures come from, by schema version:
  * version 2 and later: reward curves from the step_metrics table, episode
    returns from episodes, ratings from feedback (with its agent column).
    If step_metrics is empty but feedback has rewards, curves are computed
    from feedback (sum of item rewards per user and step).
  * version 1 (no episodes/step_metrics, no feedback.agent or reward): there
    are no rewards to plot; the "reward" curve falls back to the mean raw
    rating per step of the feedback rows inside episodes, labelled as such,
    and ratings are plotted for all feedback as one group.
A figure with nothing to show is not written; the script says why.

Usage:
    python3 plot_run.py runs/2024-05-01-offline          # or .../run.sqlite
    python3 plot_run.py run.sqlite --out plots/ --title "offline, 64 users"

Needs matplotlib (Debian: python3-matplotlib); everything else is stdlib.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections import defaultdict
from typing import Optional


def open_store(path: str) -> sqlite3.Connection:
    """Opens the run store read-only; ``path`` is the file or its run directory."""
    if os.path.isdir(path):
        path = os.path.join(path, "run.sqlite")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no run store at {path}")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # fails early on non-databases
    return db


def tables(db: sqlite3.Connection) -> set:
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def columns(db: sqlite3.Connection, table: str) -> set:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def reward_curves(db: sqlite3.Connection) -> tuple[str, dict]:
    """Returns (what the values are, {agent: [(episode, step, value), ...]})."""
    have = tables(db)
    curves: dict = defaultdict(list)
    if "step_metrics" in have:
        for row in db.execute("SELECT agent, episode, step, mean_reward FROM step_metrics "
                              "ORDER BY agent, episode, step"):
            curves[row["agent"] or "agent"].append((row["episode"], row["step"],
                                                    row["mean_reward"]))
        if curves:
            # The coordinator and the env server both record the step's
            # reward sum over the items rated at that step.
            return "mean reward per rated item", dict(curves)
    if "feedback" not in have:
        return "", {}
    cols = columns(db, "feedback")
    agent = "agent" if "agent" in cols else "''"
    if "reward" in cols:
        query = (f"SELECT a, episode, step, AVG(user_reward) AS value FROM ("
                 f"  SELECT {agent} AS a, episode, step, user_id, SUM(reward) AS user_reward"
                 f"  FROM feedback WHERE episode >= 0 AND reward IS NOT NULL"
                 f"  GROUP BY a, episode, step, user_id)"
                 f" GROUP BY a, episode, step ORDER BY a, episode, step")
        for row in db.execute(query):
            curves[row["a"] or "agent"].append((row["episode"], row["step"], row["value"]))
        if curves:
            return "mean reward per user (from feedback)", dict(curves)
    query = (f"SELECT {agent} AS a, episode, step, AVG(raw_rating) AS value FROM feedback "
             f"WHERE episode >= 0 GROUP BY a, episode, step ORDER BY a, episode, step")
    for row in db.execute(query):
        curves[row["a"] or "all feedback"].append((row["episode"], row["step"], row["value"]))
    if curves:
        return "mean raw rating (the run store has no rewards)", dict(curves)
    return "", {}


def episode_returns(db: sqlite3.Connection) -> dict:
    """{agent: {"returns": [(episode, mean total reward)], "outcomes": {outcome: count}}}."""
    if "episodes" not in tables(db):
        return {}
    result: dict = {}
    for row in db.execute("SELECT agent, episode, AVG(total_reward) AS mean_return "
                          "FROM episodes GROUP BY agent, episode ORDER BY agent, episode"):
        entry = result.setdefault(row["agent"] or "agent", {"returns": [], "outcomes": {}})
        entry["returns"].append((row["episode"], row["mean_return"]))
    for row in db.execute("SELECT agent, outcome, count(*) AS n FROM episodes "
                          "GROUP BY agent, outcome"):
        result.setdefault(row["agent"] or "agent", {"returns": [], "outcomes": {}})
        result[row["agent"] or "agent"]["outcomes"][row["outcome"]] = row["n"]
    return result


def rating_counts(db: sqlite3.Connection) -> dict:
    """{agent: {"raw": {rating: count}, "calibrated": {rating: count}}}."""
    if "feedback" not in tables(db):
        return {}
    agent = "agent" if "agent" in columns(db, "feedback") else "''"
    result: dict = {}
    for row in db.execute(f"SELECT {agent} AS a, raw_rating, count(*) AS n FROM feedback "
                          f"GROUP BY a, raw_rating"):
        name = row["a"] or "all feedback"
        result.setdefault(name, {"raw": {}, "calibrated": {}})["raw"][row["raw_rating"]] = row["n"]
    # Calibrated ratings are continuous: bin them to the nearest half star.
    for row in db.execute(f"SELECT {agent} AS a, ROUND(calibrated_rating * 2) / 2.0 AS r, "
                          f"count(*) AS n FROM feedback WHERE calibrated_rating IS NOT NULL "
                          f"GROUP BY a, r"):
        name = row["a"] or "all feedback"
        result.setdefault(name, {"raw": {}, "calibrated": {}})["calibrated"][row["r"]] = row["n"]
    return result


def run_label(db: sqlite3.Connection) -> str:
    if "runs" not in tables(db):
        return ""
    row = db.execute("SELECT run_id, backend, dataset FROM runs LIMIT 1").fetchone()
    return f"run {row['run_id']} ({row['backend']}, {row['dataset']})" if row else ""


def plot(store: str, out_dir: str, title: Optional[str] = None) -> list:
    """Writes the figures; returns the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    db = open_store(store)
    label = title or run_label(db)
    os.makedirs(out_dir, exist_ok=True)
    written = []

    what, curves = reward_curves(db)
    if curves:
        fig, (over_run, by_step) = plt.subplots(1, 2, figsize=(13, 4.8))
        for agent, points in sorted(curves.items()):
            over_run.plot(range(1, len(points) + 1), [p[2] for p in points], label=agent,
                          linewidth=1.2)
            per_step: dict = defaultdict(list)
            for _, step, value in points:
                per_step[step].append(value)
            steps = sorted(per_step)
            by_step.plot(steps, [sum(per_step[s]) / len(per_step[s]) for s in steps],
                         marker="o", markersize=3, label=agent)
        over_run.set_xlabel("step of the run (episodes in order)")
        over_run.set_ylabel(what)
        over_run.set_title("over the run")
        by_step.set_xlabel("step of the episode")
        by_step.set_ylabel(what)
        by_step.set_title("mean over episodes")
        for axes in (over_run, by_step):
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
            axes.grid(alpha=0.3)
            axes.legend()
        fig.suptitle(f"Reward curves {label}".strip())
        fig.tight_layout()
        path = os.path.join(out_dir, "reward_curves.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    else:
        print("reward_curves.png: the run store has no episode feedback to plot", file=sys.stderr)

    returns = episode_returns(db)
    if returns:
        fig, (curve, outcomes) = plt.subplots(1, 2, figsize=(13, 4.8))
        names = sorted(returns)
        for agent in names:
            points = returns[agent]["returns"]
            curve.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                       markersize=3, label=agent)
        curve.set_xlabel("episode")
        curve.xaxis.set_major_locator(MaxNLocator(integer=True))
        curve.set_ylabel("mean total reward per user")
        curve.grid(alpha=0.3)
        curve.legend()
        kinds = sorted({k for a in names for k in returns[a]["outcomes"]})
        width = 0.8 / max(len(kinds), 1)
        for k, kind in enumerate(kinds):
            outcomes.bar([i + k * width for i in range(len(names))],
                         [returns[a]["outcomes"].get(kind, 0) for a in names], width, label=kind)
        outcomes.set_xticks([i + width * (len(kinds) - 1) / 2 for i in range(len(names))])
        outcomes.set_xticklabels(names)
        outcomes.set_ylabel("user-episodes")
        outcomes.set_title("how episodes ended")
        outcomes.legend()
        fig.suptitle(f"Episode returns {label}".strip())
        fig.tight_layout()
        path = os.path.join(out_dir, "episode_returns.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    else:
        print("episode_returns.png: the run store has no episodes table or no episodes",
              file=sys.stderr)

    counts = rating_counts(db)
    if counts:
        calibrated = any(c["calibrated"] for c in counts.values())
        panels = 2 if calibrated else 1
        fig, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 4.8), squeeze=False)
        names = sorted(counts)
        for p, kind in enumerate(["raw", "calibrated"][:panels]):
            ax = axes[0][p]
            levels = sorted({r for a in names for r in counts[a][kind]})
            width = 0.8 / len(names) * (min(
                (b - a for a, b in zip(levels, levels[1:])), default=1.0))
            for i, agent in enumerate(names):
                total = sum(counts[agent][kind].values()) or 1
                ax.bar([r + (i - (len(names) - 1) / 2) * width for r in levels],
                       [counts[agent][kind].get(r, 0) / total for r in levels], width,
                       label=f"{agent} ({total} ratings)")
            ax.set_xlabel(f"{kind} rating")
            ax.set_ylabel("share of ratings")
            ax.set_xticks(levels)
            ax.grid(alpha=0.3, axis="y")
            ax.legend()
        fig.suptitle(f"Rating distributions {label}".strip())
        fig.tight_layout()
        path = os.path.join(out_dir, "rating_distributions.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    else:
        print("rating_distributions.png: the run store has no feedback", file=sys.stderr)

    db.close()
    return written


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store", help="the run directory or its run.sqlite")
    parser.add_argument("--out", default=None,
                        help="where to write the PNG files (default: the run directory)")
    parser.add_argument("--title", default=None, help="a label for the figures")
    args = parser.parse_args(argv)
    out = args.out or (args.store if os.path.isdir(args.store)
                       else os.path.dirname(os.path.abspath(args.store)))
    try:
        written = plot(args.store, out, args.title)
    except (FileNotFoundError, sqlite3.DatabaseError) as e:
        print(f"plot_run.py: {e}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
