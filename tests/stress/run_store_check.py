#!/usr/bin/python3
"""Checks the run store of a finished `lusifer simulate` against its report.

    run_store_check.py RUN_SQLITE SIMULATE_STDOUT USERS EPISODES AGENT [AGENT ...]

  * the run is marked finished;
  * feedback rows per agent = the "items rated" simulate reported for it, and
    = the rated counts of its step_metrics;
  * episodes rows = users x agents x episodes (per agent: users x episodes),
    every episode as long as the report says;
  * no duplicate (agent, episode, step, user_id, position) feedback key.
Exits 1 on any violation. Part c of bench/stress.sh.
"""

import re
import sqlite3
import sys


def main() -> int:
    store, report_path = sys.argv[1], sys.argv[2]
    users, episodes = int(sys.argv[3]), int(sys.argv[4])
    agents = sys.argv[5:]
    report = open(report_path).read()
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    violations = []

    def check(condition: bool, text: str) -> None:
        print(f"  [{'ok' if condition else 'VIOLATION'}] {text}")
        if not condition:
            violations.append(text)

    status = db.execute("SELECT status FROM runs").fetchall()
    check(status == [("finished",)], f"run status {status}")
    reported = {}
    for agent, user_steps, rated in re.findall(
            r"^(\S+): (\d+) user-steps in [\d.]+ s, (\d+) items rated", report, re.M):
        reported[agent] = (int(user_steps), int(rated))
    check(sorted(reported) == sorted(agents), f"simulate reported agents {sorted(reported)}")
    feedback = dict(db.execute("SELECT agent, COUNT(*) FROM feedback GROUP BY agent").fetchall())
    metrics = {agent: (steps, rated) for agent, steps, rated in db.execute(
        "SELECT agent, SUM(users), SUM(rated) FROM step_metrics GROUP BY agent").fetchall()}
    per_agent = dict(db.execute("SELECT agent, COUNT(*) FROM episodes GROUP BY agent").fetchall())
    for agent in agents:
        user_steps, rated = reported.get(agent, (None, None))
        check(feedback.get(agent) == rated,
              f"{agent}: feedback rows {feedback.get(agent)} = items rated reported {rated}")
        check(metrics.get(agent) == (user_steps, rated),
              f"{agent}: step_metrics (user-steps, rated) {metrics.get(agent)} = reported "
              f"({user_steps}, {rated})")
        check(per_agent.get(agent) == users * episodes,
              f"{agent}: episodes rows {per_agent.get(agent)} = users {users} x episodes "
              f"{episodes}")
    total_episodes = db.execute("SELECT COUNT(*) FROM episodes").fetchone()[0]
    check(total_episodes == users * len(agents) * episodes,
          f"episodes rows {total_episodes} = users {users} x agents {len(agents)} x episodes "
          f"{episodes} = {users * len(agents) * episodes}")
    steps_sum = dict(db.execute("SELECT agent, SUM(steps) FROM episodes GROUP BY agent").fetchall())
    for agent in agents:
        check(steps_sum.get(agent) == reported.get(agent, (None,))[0],
              f"{agent}: sum of episode lengths {steps_sum.get(agent)} = user-steps reported")
    duplicates = db.execute(
        "SELECT COUNT(*) FROM (SELECT 1 FROM feedback GROUP BY agent, episode, step, user_id, "
        "position HAVING COUNT(*) > 1)").fetchone()[0]
    check(duplicates == 0, f"duplicate (agent, episode, step, user, position) keys: {duplicates}")
    rows = sum(feedback.values())
    print(f"run_store feedback_rows={rows} episodes={total_episodes} "
          f"violations={len(violations)}")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
