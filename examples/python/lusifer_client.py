"""A small client for lusifer's environment server (docs/env-api.md).

Standard library only (urllib, json). One method per endpoint; every answer is
the server's JSON as plain Python dicts and lists::

    from lusifer_client import LusiferClient

    client = LusiferClient("http://127.0.0.1:8765")           # token=... when the server has one
    env = client.create_env(users=8, horizon=20, slate_size=10, seed=1)
    obs = client.reset(env["env_id"], seed=1)["observations"]
    result = client.step(env["env_id"], [[1, 2, 3, ...], ...])  # one slate of item ids per user
    client.close(env["env_id"])

Errors: every 4xx/5xx answer raises LusiferError carrying the server's error
(``status``, ``type``, ``message``, ``field``); a server that cannot be reached
raises LusiferConnectionError. A client object holds no connection and may be
used from several threads.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Iterator, Optional, Sequence, Union

__all__ = ["LusiferClient", "LusiferError", "LusiferConnectionError"]


class LusiferError(Exception):
    """An error answer of the server.

    Attributes:
        status:  the HTTP status (400, 404, 409, ...).
        type:    the error type, e.g. "invalid_action", "unknown_session".
        message: the server's explanation.
        field:   the JSON path of the offending value ("actions[2][1]"), or None.
        body:    the raw answer body.
    """

    def __init__(self, status: Optional[int], type: str, message: str,
                 field: Optional[str] = None, body: str = "") -> None:
        self.status = status
        self.type = type
        self.message = message
        self.field = field
        self.body = body
        where = f" (field {field})" if field else ""
        prefix = f"HTTP {status} " if status is not None else ""
        super().__init__(f"{prefix}{type}: {message}{where}")


class LusiferConnectionError(LusiferError):
    """The server could not be reached, or the connection broke."""

    def __init__(self, message: str) -> None:
        super().__init__(None, "connection_error", message)


def _error_from(status: int, body: str) -> LusiferError:
    try:
        error = json.loads(body)["error"]
        return LusiferError(status, str(error.get("type", "unknown")),
                            str(error.get("message", "")), error.get("field"), body)
    except (ValueError, KeyError, TypeError, AttributeError):
        return LusiferError(status, "http_error", body.strip()[:500] or f"HTTP {status}",
                            None, body)


class LusiferClient:
    """Talks to one environment server.

    Args:
        url: the server's base URL, e.g. "http://127.0.0.1:8765".
        token: the bearer token, when the server requires one.
        timeout: seconds to wait for an answer (a step with LLM users can take
            minutes; the server's own step deadline is usually shorter).
    """

    def __init__(self, url: str, token: Optional[str] = None, timeout: float = 600.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"expected an http:// or https:// URL, got {url!r}")
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    # -- endpoints ---------------------------------------------------------

    def health(self) -> dict:
        """GET /healthz: {"status": "ok", "sessions_open": n, "max_sessions": m}."""
        return self._json("GET", "/healthz")

    def metrics(self) -> str:
        """GET /metrics: the Prometheus text."""
        return self._request("GET", "/metrics")[1]

    def create_env(self, users: Union[int, Sequence[int]], seed: Optional[int] = None,
                   horizon: Optional[int] = None, slate_size: Optional[int] = None,
                   reward: Optional[str] = None, leaving: Optional[bool] = None) -> dict:
        """POST /v1/envs: opens a session.

        ``users`` is a number of users (a seeded sample) or a list of user ids.
        ``reward`` is "rating", "normalized-rating" or "click". Options left as
        None take the server's defaults; the answer tells what was used:
        env_id, num_envs, user_ids, seed, horizon, slate_size, num_items,
        rating_scale, reward, leaving, backend.
        """
        body: dict[str, Any] = {"users": users if isinstance(users, int) else list(users)}
        for key, value in (("seed", seed), ("horizon", horizon), ("slate_size", slate_size),
                           ("reward", reward), ("leaving", leaving)):
            if value is not None:
                body[key] = value
        return self._json("POST", "/v1/envs", body)

    def reset(self, env_id: str, seed: Optional[int] = None) -> dict:
        """POST /v1/envs/{id}/reset: {"observations": [...], "infos": [...]}."""
        return self._json("POST", f"/v1/envs/{_quote(env_id)}/reset",
                          {} if seed is None else {"seed": seed})

    def step(self, env_id: str, actions: Sequence[Optional[Sequence[int]]]) -> dict:
        """POST /v1/envs/{id}/step with one slate (item ids) per user, in user
        order; None for users who are done.

        Returns {"observations", "rewards", "terminated", "truncated", "infos"}.
        """
        payload = [None if a is None else [int(i) for i in a] for a in actions]
        return self._json("POST", f"/v1/envs/{_quote(env_id)}/step", {"actions": payload})

    def close(self, env_id: str) -> dict:
        """DELETE /v1/envs/{id}: {"closed": true}."""
        return self._json("DELETE", f"/v1/envs/{_quote(env_id)}")

    def catalog(self, offset: int = 0, limit: int = 100) -> dict:
        """GET /v1/catalog: {"total", "offset", "limit", "items": [...]}; each
        item has item_id, title, year, genres, text and tags. limit <= 1000."""
        query = urllib.parse.urlencode({"offset": offset, "limit": limit})
        return self._json("GET", f"/v1/catalog?{query}")

    def iter_catalog(self, page_size: int = 1000) -> Iterator[dict]:
        """Every item of the catalog, page by page."""
        offset = 0
        while True:
            page = self.catalog(offset, page_size)
            yield from page["items"]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return

    # -- plumbing ----------------------------------------------------------

    def request_raw(self, method: str, path: str, body: Optional[bytes] = None,
                    headers: Optional[dict] = None) -> tuple[int, str]:
        """Sends raw bytes and returns (status, body) for any status; for
        tests and debugging. Raises LusiferConnectionError only."""
        request = urllib.request.Request(self.url + path, data=body, method=method)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        if self.token and "Authorization" not in (headers or {}):
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            try:
                text = e.read().decode("utf-8", "replace")
            except OSError:
                text = ""
            return e.code, text
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise LusiferConnectionError(f"cannot reach {self.url}: {reason}") from e

    def _request(self, method: str, path: str, payload: Any = None) -> tuple[int, str]:
        body = None
        headers = {}
        if payload is not None:
            body = json.dumps(payload).encode("utf-8")
            headers["Content-Type"] = "application/json"
        status, text = self.request_raw(method, path, body, headers)
        if status >= 400:
            raise _error_from(status, text)
        return status, text

    def _json(self, method: str, path: str, payload: Any = None) -> Any:
        status, text = self._request(method, path, payload)
        try:
            return json.loads(text)
        except ValueError as e:
            raise LusiferError(status, "invalid_response",
                               f"the server's answer is not JSON: {text[:200]!r}") from e


def _quote(env_id: str) -> str:
    return urllib.parse.quote(str(env_id), safe="")
