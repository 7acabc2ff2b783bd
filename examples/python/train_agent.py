#!/usr/bin/env python3
"""An example recommender that learns from lusifer's simulated users.

The agent keeps, from every rating it sees (the users' recent history at
reset, then the ratings of each slate):
  * an estimate of each item's quality: its mean rating, shrunk towards the
    global mean while it has few ratings;
  * per user, a preference for each genre: the mean amount by which the user
    rated items of that genre above their estimated quality, shrunk to zero.
It scores an item for a user as quality + the user's mean preference over the
item's genres, fills each slate with the best items the user has not been
shown in this episode, and explores with probability epsilon per slot (an
epsilon-greedy bandit over items, with genres sharing what is learned).

It prints the mean reward per active user at every step, per episode, and, with
--compare-random, runs a random policy on a second session with the same users
and seeds, so the two can be compared; --require-better makes the exit status
1 unless the agent's mean reward beats the random policy's.

Usage:
    python3 train_agent.py --url http://127.0.0.1:8765 --users 16 --episodes 5 \\
        --horizon 10 --slate-size 5 --compare-random

Standard library only; runs against any lusifer environment server.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from typing import Optional

from lusifer_client import LusiferClient
from lusifer_gym import LusiferVecEnv


class PreferenceAgent:
    """Epsilon-greedy over items, scored by item quality plus genre taste."""

    def __init__(self, items: list, epsilon: float = 0.1, seed: int = 0,
                 item_prior: float = 3.0, taste_prior: float = 2.0) -> None:
        self.items = [item["item_id"] for item in items]
        self.genres = {item["item_id"]: list(item.get("genres") or []) for item in items}
        self.epsilon = epsilon
        self.rng = random.Random(seed)
        self.item_prior = item_prior
        self.taste_prior = taste_prior
        self.item_sum: dict = defaultdict(float)
        self.item_count: dict = defaultdict(int)
        self.rating_sum = 0.0
        self.rating_count = 0
        self.taste_sum: dict = defaultdict(float)  # (user, genre) -> residual sum
        self.taste_count: dict = defaultdict(int)
        self.shown: dict = defaultdict(set)  # user -> items shown this episode

    def global_mean(self) -> float:
        return self.rating_sum / self.rating_count if self.rating_count else 3.0

    def quality(self, item: int) -> float:
        n = self.item_count[item]
        return (self.item_sum[item] + self.item_prior * self.global_mean()) / (n + self.item_prior)

    def taste(self, user: int, item: int) -> float:
        genres = self.genres.get(item) or []
        if not genres:
            return 0.0
        total = 0.0
        for g in genres:
            key = (user, g)
            total += self.taste_sum[key] / (self.taste_count[key] + self.taste_prior)
        return total / len(genres)

    def score(self, user: int, item: int) -> float:
        return self.quality(item) + self.taste(user, item)

    def learn(self, user: int, item: int, rating: float) -> None:
        residual = rating - self.quality(item)
        self.item_sum[item] += rating
        self.item_count[item] += 1
        self.rating_sum += rating
        self.rating_count += 1
        for g in self.genres.get(item) or []:
            self.taste_sum[(user, g)] += residual
            self.taste_count[(user, g)] += 1

    def start_episode(self, observations: list) -> None:
        self.shown.clear()
        for obs in observations:
            for entry in obs.get("recent", []):
                self.learn(obs["user_id"], entry["item_id"], entry["rating"])

    def recommend(self, user: int, slate_size: int) -> list:
        shown = self.shown[user]
        candidates = [i for i in self.items if i not in shown]
        if len(candidates) < slate_size:  # the user saw nearly everything: start over
            shown.clear()
            candidates = list(self.items)
        ranked = sorted(candidates, key=lambda i: self.score(user, i), reverse=True)
        slate: list = []
        best = iter(ranked)
        chosen = set()
        while len(slate) < slate_size:
            if self.rng.random() < self.epsilon:
                item = self.rng.choice(candidates)
            else:
                item = next(best)
            if item not in chosen:
                chosen.add(item)
                slate.append(item)
        shown.update(slate)
        return slate


class RandomAgent:
    """A uniformly random slate of distinct items: the baseline to beat."""

    def __init__(self, items: list, seed: int = 0) -> None:
        self.items = [item["item_id"] for item in items]
        self.rng = random.Random(seed)

    def start_episode(self, observations: list) -> None:
        pass

    def learn(self, user: int, item: int, rating: float) -> None:
        pass

    def recommend(self, user: int, slate_size: int) -> list:
        return self.rng.sample(self.items, slate_size)


def run(name: str, env: LusiferVecEnv, agent, episodes: int, seed: int, quiet: bool) -> list:
    """Runs the episodes; returns the mean reward per active user at each step."""
    curve = []
    for episode in range(1, episodes + 1):
        observations, _ = env.reset(seed=seed + episode)
        agent.start_episode(observations)
        step = 0
        episode_rewards = []
        while not env.all_done:
            step += 1
            actions = [None if done else agent.recommend(obs["user_id"], env.slate_size)
                       for done, obs in zip(env.done, observations)]
            active = [not done for done in env.done]
            started = time.monotonic()
            observations, rewards, terminated, truncated, infos = env.step(actions)
            seconds = time.monotonic() - started
            for obs, info in zip(observations, infos):
                for rated in info.get("ratings", []):
                    agent.learn(obs["user_id"], rated["item_id"], rated["rating"])
            step_rewards = [r for r, a in zip(rewards, active) if a and r is not None]
            mean = sum(step_rewards) / len(step_rewards) if step_rewards else 0.0
            curve.append(mean)
            episode_rewards.append(mean)
            if not quiet:
                left = sum(1 for t in terminated if t)
                print(f"{name:>7}  episode {episode:3d}  step {step:3d}  "
                      f"mean reward {mean:8.3f}  users {len(step_rewards):4d}  "
                      f"left {left:3d}  ({seconds * 1000:.0f} ms)", flush=True)
        if episode_rewards:
            print(f"{name:>7}  episode {episode:3d}  mean reward per step "
                  f"{sum(episode_rewards) / len(episode_rewards):.3f}", flush=True)
    return curve


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("LUSIFER_SERVER_URL",
                                                        "http://127.0.0.1:8765"))
    parser.add_argument("--token-env", default="LUSIFER_SERVER_TOKEN",
                        help="environment variable holding the bearer token, if any")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--episodes", type=int, default=5)
    parser.add_argument("--horizon", type=int, default=10)
    parser.add_argument("--slate-size", type=int, default=5)
    parser.add_argument("--reward", choices=["rating", "normalized-rating", "click"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epsilon", type=float, default=0.1)
    parser.add_argument("--compare-random", action="store_true",
                        help="also run a random policy on the same users and seeds")
    parser.add_argument("--require-better", action="store_true",
                        help="exit 1 unless the agent beats the random policy (implies "
                             "--compare-random)")
    parser.add_argument("--quiet", action="store_true", help="print only per-episode lines")
    args = parser.parse_args(argv)

    client = LusiferClient(args.url, os.environ.get(args.token_env) or None)
    options = dict(users=args.users, seed=args.seed, horizon=args.horizon,
                   slate_size=args.slate_size, reward=args.reward)
    compare = args.compare_random or args.require_better
    policies = [("agent", lambda items: PreferenceAgent(items, args.epsilon, args.seed))]
    if compare:
        policies.append(("random", lambda items: RandomAgent(items, args.seed)))

    results = {}
    for name, make in policies:
        with LusiferVecEnv(client, **options) as env:
            if name == "agent":
                print(f"session {env.env_id}: {env.num_envs} users, {len(env.items)} items, "
                      f"slate {env.slate_size}, horizon {env.horizon}, backend: {env.backend}",
                      flush=True)
            curve = run(name, env, make(env.items), args.episodes, args.seed, args.quiet)
        results[name] = sum(curve) / len(curve) if curve else 0.0
        print(f"{name:>7}  mean reward per step over all episodes: {results[name]:.3f}",
              flush=True)

    if compare:
        better = results["agent"] > results["random"]
        print(f"agent {results['agent']:.3f} vs random {results['random']:.3f}: "
              f"{'the agent is better' if better else 'the agent is NOT better'}", flush=True)
        if args.require_better and not better:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
