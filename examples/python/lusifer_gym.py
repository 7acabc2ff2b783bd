"""Gymnasium-style environments over lusifer's environment server.

``LusiferVecEnv`` wraps one server session of n simulated users with vector
semantics, as plain Python lists (no numpy needed):

    env = LusiferVecEnv("http://127.0.0.1:8765", users=8, horizon=20, slate_size=10)
    observations, infos = env.reset(seed=1)           # lists of n
    actions = env.action_space.sample()               # n slates of item ids
    observations, rewards, terminated, truncated, infos = env.step(actions)
    env.close()

``LusiferEnv`` is the single-user case with scalar results.

When the ``gymnasium`` package is importable, both classes subclass
``gymnasium.Env`` and their spaces subclass ``gymnasium.spaces.Space``;
otherwise they use the small local base classes below, with the same methods
(Debian has no gymnasium package, and none is needed).

Spaces (described here because no stock space fits text profiles and slates
of distinct catalog ids):

* ``single_action_space`` (SlateSpace): a list of ``slate_size`` distinct item
  ids from the catalog. ``sample()`` draws one uniformly; ``contains(x)`` checks
  length, distinctness and membership.
* ``action_space`` (ListSpace): a list with one slate per user; an entry may be
  None for a user who is done.
* ``single_observation_space`` (ObservationSpace): a dict
  ``{"user_id": int, "profile": str, "profile_version": int,
  "recent": [{"item_id": int, "rating": float}, ...], "features": [float, ...]
  (optional)}``.
* ``observation_space`` (ListSpace): one such dict per user.

Episode semantics are Gymnasium's: ``terminated[i]`` means user i left,
``truncated[i]`` that the horizon was reached. Users who are done stay done
until ``reset``; ``step`` sends None for them whatever the action says (the
server ignores their slates) and returns reward 0 and ``info["active"] ==
False`` for them. Once every user is done, call ``reset`` (``all_done`` tells).
There is no automatic reset.
"""

from __future__ import annotations

import random
from typing import Any, Optional, Sequence, Union

from lusifer_client import LusiferClient

try:  # Optional: the wrapper works the same without it.
    import gymnasium as _gym
    from gymnasium import spaces as _spaces

    HAVE_GYMNASIUM = True
    _EnvBase: Any = _gym.Env
    _SpaceBase: Any = _spaces.Space
except ImportError:  # pragma: no cover - depends on the machine
    HAVE_GYMNASIUM = False

    class _EnvBase:  # type: ignore[no-redef]
        """The parts of gymnasium.Env the wrappers use."""

        metadata: dict = {"render_modes": []}
        render_mode = None
        spec = None

        def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
            return None

        def render(self):
            return None

        def close(self):
            return None

        @property
        def unwrapped(self):
            return self

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.close()
            return False

    class _SpaceBase:  # type: ignore[no-redef]
        """The parts of gymnasium.spaces.Space the spaces use."""

        def __init__(self, shape=None, dtype=None, seed=None):
            self._shape = shape
            self.dtype = dtype

        @property
        def shape(self):
            return self._shape

        def __contains__(self, x) -> bool:
            return self.contains(x)


class _StdlibSpace(_SpaceBase):
    """A space drawing from Python's random module, with gymnasium's seed API."""

    def __init__(self, seed: Optional[int] = None) -> None:
        super().__init__(None, None, None)
        self._rng = random.Random(seed)

    def seed(self, seed: Optional[int] = None) -> list:
        self._rng = random.Random(seed)
        return [seed]

    @property
    def is_np_flattenable(self) -> bool:
        return False


class SlateSpace(_StdlibSpace):
    """Lists of ``slate_size`` distinct item ids out of ``item_ids``."""

    def __init__(self, item_ids: Sequence[int], slate_size: int, seed: Optional[int] = None):
        super().__init__(seed)
        if slate_size < 1 or slate_size > len(item_ids):
            raise ValueError(f"slate_size {slate_size} must be within 1..{len(item_ids)}")
        self.item_ids = list(item_ids)
        self._known = set(self.item_ids)
        self.slate_size = slate_size

    def sample(self, mask: Any = None, **kwargs: Any) -> list:
        return self._rng.sample(self.item_ids, self.slate_size)

    def contains(self, x: Any) -> bool:
        if not isinstance(x, (list, tuple)) or len(x) != self.slate_size:
            return False
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in x):
            return False
        return len(set(x)) == len(x) and all(i in self._known for i in x)

    def __repr__(self) -> str:
        return f"SlateSpace({len(self.item_ids)} items, slate_size={self.slate_size})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, SlateSpace) and other.slate_size == self.slate_size
                and other.item_ids == self.item_ids)


class ObservationSpace(_StdlibSpace):
    """One user's observation dict (see the module documentation)."""

    KEYS = ("user_id", "profile", "profile_version", "recent")

    def __init__(self, user_ids: Sequence[int], seed: Optional[int] = None):
        super().__init__(seed)
        self.user_ids = list(user_ids)

    def sample(self, mask: Any = None, **kwargs: Any) -> dict:
        return {"user_id": self._rng.choice(self.user_ids), "profile": "",
                "profile_version": 0, "recent": []}

    def contains(self, x: Any) -> bool:
        if not isinstance(x, dict) or any(k not in x for k in self.KEYS):
            return False
        if set(x) - set(self.KEYS) - {"features"}:
            return False
        if not isinstance(x["profile"], str) or not isinstance(x["profile_version"], int):
            return False
        if not isinstance(x["user_id"], int) or not isinstance(x["recent"], list):
            return False
        for entry in x["recent"]:
            if not (isinstance(entry, dict) and isinstance(entry.get("item_id"), int)
                    and isinstance(entry.get("rating"), (int, float))):
                return False
        features = x.get("features")
        return features is None or (isinstance(features, list) and all(
            isinstance(f, (int, float)) or f is None for f in features))

    def __repr__(self) -> str:
        return f"ObservationSpace({len(self.user_ids)} users)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ObservationSpace) and other.user_ids == self.user_ids


class ListSpace(_StdlibSpace):
    """A list of ``n`` elements of ``single`` (None allowed where ``optional``)."""

    def __init__(self, single: _StdlibSpace, n: int, optional: bool = False,
                 seed: Optional[int] = None):
        super().__init__(seed)
        self.single = single
        self.n = n
        self.optional = optional

    def seed(self, seed: Optional[int] = None) -> list:
        super().seed(seed)
        return [seed] + self.single.seed(None if seed is None else seed + 1)

    def sample(self, mask: Any = None, **kwargs: Any) -> list:
        return [self.single.sample() for _ in range(self.n)]

    def contains(self, x: Any) -> bool:
        return (isinstance(x, (list, tuple)) and len(x) == self.n and all(
            (e is None and self.optional) or self.single.contains(e) for e in x))

    def __repr__(self) -> str:
        return f"ListSpace({self.single!r}, n={self.n})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ListSpace) and other.n == self.n
                and other.single == self.single and other.optional == self.optional)


class LusiferVecEnv(_EnvBase):
    """One session of ``num_envs`` simulated users (see the module docs).

    Args:
        server: a LusiferClient, or the server's URL.
        users: a number of users (a seeded sample) or a list of user ids.
        seed, horizon, slate_size, reward, leaving: the session's options
            (None: the server's defaults).
        token: the bearer token, when ``server`` is a URL.
    """

    metadata = {"render_modes": []}

    def __init__(self, server: Union[LusiferClient, str], users: Union[int, Sequence[int]] = 1,
                 seed: Optional[int] = None, horizon: Optional[int] = None,
                 slate_size: Optional[int] = None, reward: Optional[str] = None,
                 leaving: Optional[bool] = None, token: Optional[str] = None) -> None:
        self.client = server if isinstance(server, LusiferClient) else LusiferClient(server, token)
        self.session = self.client.create_env(users, seed=seed, horizon=horizon,
                                              slate_size=slate_size, reward=reward,
                                              leaving=leaving)
        self.env_id: str = self.session["env_id"]
        self.num_envs: int = self.session["num_envs"]
        self.user_ids: list = list(self.session["user_ids"])
        self.horizon: int = self.session["horizon"]
        self.slate_size: int = self.session["slate_size"]
        self.rating_scale: dict = self.session["rating_scale"]
        self.backend: str = self.session["backend"]
        self._closed = False
        try:
            self.items: list = list(self.client.iter_catalog())
        except Exception:
            self.close()
            raise
        self.item_ids: list = [item["item_id"] for item in self.items]
        self.single_action_space = SlateSpace(self.item_ids, self.slate_size, seed)
        self.single_observation_space = ObservationSpace(self.user_ids, seed)
        self.action_space = ListSpace(self.single_action_space, self.num_envs, optional=True,
                                      seed=seed)
        self.observation_space = ListSpace(self.single_observation_space, self.num_envs,
                                           seed=seed)
        self.done: list = [False] * self.num_envs
        self._needs_reset = True

    @property
    def all_done(self) -> bool:
        """True when every user is done (or before the first reset)."""
        return self._needs_reset or all(self.done)

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
        """Starts an episode for every user; returns (observations, infos)."""
        if HAVE_GYMNASIUM:
            super().reset(seed=seed)
        if seed is not None:
            self.action_space.seed(seed)
        answer = self.client.reset(self.env_id, seed=seed)
        self.done = [False] * self.num_envs
        self._needs_reset = False
        return answer["observations"], answer["infos"]

    def step(self, actions: Sequence[Optional[Sequence[int]]]):
        """One slate per user; returns (observations, rewards, terminated,
        truncated, infos), each a list of ``num_envs``."""
        if len(actions) != self.num_envs:
            raise ValueError(f"expected {self.num_envs} actions, got {len(actions)}")
        sent = [None if done else action for done, action in zip(self.done, actions)]
        answer = self.client.step(self.env_id, sent)
        terminated = answer["terminated"]
        truncated = answer["truncated"]
        self.done = [d or te or tr for d, te, tr in zip(self.done, terminated, truncated)]
        return (answer["observations"], answer["rewards"], terminated, truncated,
                answer["infos"])

    def close(self) -> None:
        """Closes the server session (once; later calls do nothing)."""
        if self._closed:
            return
        self._closed = True
        self.client.close(self.env_id)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class LusiferEnv(_EnvBase):
    """A single simulated user as a plain Gymnasium environment: the action is
    one slate, and reset/step return a single observation, reward and flags."""

    metadata = {"render_modes": []}

    def __init__(self, server: Union[LusiferClient, str], user: Optional[int] = None,
                 **options: Any) -> None:
        self.vec = LusiferVecEnv(server, users=[user] if user is not None else 1, **options)
        self.action_space = self.vec.single_action_space
        self.observation_space = self.vec.single_observation_space

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
        if HAVE_GYMNASIUM:
            super().reset(seed=seed)
        observations, infos = self.vec.reset(seed=seed, options=options)
        return observations[0], infos[0]

    def step(self, action: Sequence[int]):
        observations, rewards, terminated, truncated, infos = self.vec.step([action])
        return observations[0], rewards[0], terminated[0], truncated[0], infos[0]

    def close(self) -> None:
        self.vec.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
