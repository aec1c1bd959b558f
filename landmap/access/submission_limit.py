"""How often the public may submit a form (意向登记): per browser session, per client address
and for the whole server process.

The form is the only thing an unsigned visitor can write, so it is the one a script would
flood. A fresh browser session resets the per-session count, so the address and the server
limits stand behind it: one ``SubmissionLimiter`` is shared by every session of the process
(``st.cache_resource``). Counts live in memory; a restart clears them.

Limits (README): 3 submissions per session in 10 minutes, 10 per address per hour (behind a
proxy everyone shares an address, so that one is higher) and 60 per hour for the server.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

# Bounded so that made-up session ids cannot grow the server's memory without end.
MAX_KEYS = 20000


@dataclass(frozen=True)
class Window:
    count: int
    seconds: float


SESSION_WINDOW = Window(3, 600.0)
ADDRESS_WINDOW = Window(10, 3600.0)
SERVER_WINDOW = Window(60, 3600.0)


class SubmissionLimiter:
    """Thread-safe sliding-window counts of accepted submissions (see module docstring)."""

    def __init__(
        self,
        *,
        session: Window = SESSION_WINDOW,
        address: Window = ADDRESS_WINDOW,
        server: Window = SERVER_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._windows = {"session": session, "address": address, "server": server}
        self._clock = clock
        self._times: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def try_acquire(self, session_id: str, address: str | None) -> float:
        """Count one submission and return 0, or return the seconds to wait (nothing counted)."""
        now = self._clock()
        keys = _keys(session_id, address)
        with self._lock:
            wait = max(self._wait(key, now) for key in keys)
            if wait > 0:
                return wait
            for key in keys:
                self._times.setdefault(key, deque()).append(now)
            self._prune(now)
            return 0.0

    def _wait(self, key: tuple[str, str], now: float) -> float:
        window = self._windows[key[0]]
        times = self._times.get(key)
        if times is None:
            return 0.0
        while times and now - times[0] >= window.seconds:
            times.popleft()
        if len(times) < window.count:
            return 0.0
        return times[0] + window.seconds - now

    def _prune(self, now: float) -> None:
        if len(self._times) <= MAX_KEYS:
            return
        longest = max(w.seconds for w in self._windows.values())
        for key in [k for k, v in self._times.items() if not v or now - v[-1] >= longest]:
            del self._times[key]


def _keys(session_id: str, address: str | None) -> list[tuple[str, str]]:
    keys = [("session", session_id), ("server", "")]
    if address:  # None for a browser on the server itself
        keys.append(("address", address))
    return keys
