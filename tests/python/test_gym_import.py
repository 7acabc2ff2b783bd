"""The gym wrapper's two bases: without gymnasium (the local base classes)
and with it. Debian has no gymnasium package, so the second case imports the
wrapper with a minimal stand-in module named gymnasium (Env and spaces.Space
with gymnasium's constructor and reset signatures) on sys.path, which checks
that the wrapper subclasses and calls them as gymnasium expects. No server
needed.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import textwrap
import unittest

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                        "python")
sys.path.insert(0, EXAMPLES)

STAND_IN = textwrap.dedent('''
    class Env:
        metadata = {"render_modes": []}
        render_mode = None
        reset_seeds = []

        def reset(self, *, seed=None, options=None):
            Env.reset_seeds.append(seed)

        def close(self):
            pass

        @property
        def unwrapped(self):
            return self
    ''')

SPACES = textwrap.dedent('''
    class Space:
        def __init__(self, shape=None, dtype=None, seed=None):
            self._shape = shape
            self.dtype = dtype

        def __contains__(self, x):
            return self.contains(x)
    ''')


def import_wrapper():
    sys.modules.pop("lusifer_gym", None)
    return importlib.import_module("lusifer_gym")


class GymImportTest(unittest.TestCase):
    def tearDown(self) -> None:
        for name in ("gymnasium", "gymnasium.spaces", "lusifer_gym"):
            sys.modules.pop(name, None)

    def test_without_gymnasium(self) -> None:
        try:
            import gymnasium  # noqa: F401
            self.skipTest("gymnasium is installed here")
        except ImportError:
            pass
        gym = import_wrapper()
        self.assertFalse(gym.HAVE_GYMNASIUM)
        space = gym.SlateSpace([1, 2, 3], 2, seed=1)
        self.assertIn(space.sample(), space)
        self.assertEqual(space.seed(4), [4])

    def test_with_gymnasium(self) -> None:
        with tempfile.TemporaryDirectory() as root:
            package = os.path.join(root, "gymnasium")
            os.makedirs(package)
            with open(os.path.join(package, "__init__.py"), "w") as f:
                f.write(STAND_IN)
            with open(os.path.join(package, "spaces.py"), "w") as f:
                f.write(SPACES)
            sys.path.insert(0, root)
            try:
                for name in ("gymnasium", "gymnasium.spaces"):
                    sys.modules.pop(name, None)
                gym = import_wrapper()
                import gymnasium
                from gymnasium import spaces
            finally:
                sys.path.remove(root)
        self.assertTrue(gym.HAVE_GYMNASIUM)
        self.assertTrue(issubclass(gym.LusiferVecEnv, gymnasium.Env))
        self.assertTrue(issubclass(gym.LusiferEnv, gymnasium.Env))
        slate = gym.SlateSpace([5, 6, 7, 8], 3, seed=2)
        self.assertIsInstance(slate, spaces.Space)
        self.assertIn(slate.sample(), slate)
        vector = gym.ListSpace(slate, 2, optional=True, seed=2)
        self.assertIsInstance(vector, spaces.Space)
        self.assertIn([None, slate.sample()], vector)
        self.assertIn({"user_id": 1, "profile": "", "profile_version": 0, "recent": []},
                      gym.ObservationSpace([1]))

        # reset() hands the seed to gymnasium.Env.reset before asking the server.
        class FakeClient:
            def reset(self, env_id, seed=None):
                return {"observations": [{"user_id": 1}], "infos": [{}]}

        env = gym.LusiferVecEnv.__new__(gym.LusiferVecEnv)
        env.client, env.env_id, env.num_envs = FakeClient(), "e", 1
        env.action_space = vector
        observations, infos = env.reset(seed=9)
        self.assertEqual(gymnasium.Env.reset_seeds, [9])
        self.assertEqual(observations, [{"user_id": 1}])
        self.assertEqual(env.done, [False])


if __name__ == "__main__":
    unittest.main()
