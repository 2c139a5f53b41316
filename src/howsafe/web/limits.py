"""Per-token upload rate limit (a sliding one-minute window, in this process's memory)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most ``per_minute`` events per key in any 60-second window."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._events: dict[int, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: int) -> float | None:
        """None when allowed (and counted); else the seconds to wait."""
        now = self.clock()
        with self._lock:
            q = self._events.setdefault(key, deque())
            while q and now - q[0] >= 60.0:
                q.popleft()
            if len(q) >= self.per_minute:
                return max(0.0, 60.0 - (now - q[0]))
            q.append(now)
            return None
