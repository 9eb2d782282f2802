"""Failed-authentication throttling, per IP and per username, inside one process."""

from __future__ import annotations

import time
from collections import deque


class FailureThrottle:
    """Sliding-window failure counter.

    Kept in process memory on purpose: it guards against guessing, so a limit that is N times
    looser across N workers is acceptable, while a database write per failed request would let
    an attacker load the database instead.
    """

    def __init__(self, limit: int, window: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}

    def _prune(self, key: str, now: float) -> deque[float] | None:
        hits = self._hits.get(key)
        if hits is None:
            return None
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._hits[key]
            return None
        return hits

    def retry_after(self, *keys: str) -> int:
        """Seconds to wait when any key is over the limit, else 0."""
        if self.limit <= 0:
            return 0
        now = time.monotonic()
        wait = 0.0
        for key in keys:
            hits = self._prune(key, now)
            if hits is not None and len(hits) >= self.limit:
                wait = max(wait, hits[0] + self.window - now)
        return int(wait) + 1 if wait > 0 else 0

    def record(self, *keys: str) -> None:
        if self.limit <= 0:
            return
        now = time.monotonic()
        if len(self._hits) >= self.max_keys:
            # Bounded memory under a spray of random usernames: drop the oldest half.
            for key in list(self._hits)[: self.max_keys // 2]:
                del self._hits[key]
        for key in keys:
            self._hits.setdefault(key, deque()).append(now)

    def reset(self, *keys: str) -> None:
        for key in keys:
            self._hits.pop(key, None)
