"""Failed sign-ins counted per account name and per client address, for the whole server.

Streamlit keeps one process for all browser sessions, so one ``SignInThrottle`` shared by
them (``st.cache_resource`` in ``ui/auth.py``) makes a fresh browser session no way around
the count. Names that match no account are counted and locked exactly like real ones, so the
lockout never tells whether an account exists.

Limits (README, Security): after 5 wrong passwords in a row an account name is locked for
1 minute; each further lockout of the same name doubles that (2, 4, 8 … minutes), up to
1 hour. A client address is locked the same way after 20 failures in a row, whatever names
they were for (behind a proxy every user shares one address, so its limit is higher). A
successful sign-in clears the name's and the address's counts. Counts are forgotten after a
day without failures, and live in memory: a server restart clears them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
FIRST_LOCKOUT_S = 60.0
MAX_LOCKOUT_S = 3600.0
FORGET_AFTER_S = 86400.0
# Enough for every real account and address many times over; bounded so that guessing with
# made-up names cannot grow the server's memory without end.
MAX_RECORDS = 20000


@dataclass
class _Record:
    failures: int = 0  # since the last lockout or success
    lockouts: int = 0  # since the last success: each doubles the next lockout
    locked_until: float = 0.0
    last_failure: float = field(default=0.0)


class SignInThrottle:
    """Thread-safe counts of failed sign-ins with a growing lockout (see module docstring)."""

    def __init__(
        self,
        *,
        account_limit: int = ACCOUNT_LIMIT,
        address_limit: int = ADDRESS_LIMIT,
        first_lockout_s: float = FIRST_LOCKOUT_S,
        max_lockout_s: float = MAX_LOCKOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = {"account": account_limit, "address": address_limit}
        self._first = first_lockout_s
        self._max = max_lockout_s
        self._clock = clock
        self._records: dict[tuple[str, str], _Record] = {}
        self._lock = threading.Lock()

    def seconds_locked(self, name: str, address: str | None) -> float:
        """How long sign-in stays refused for ``name`` from ``address`` (0 when it is open)."""
        now = self._clock()
        with self._lock:
            return max(
                (max(0.0, r.locked_until - now) for r in self._records_of(name, address, now)),
                default=0.0,
            )

    def failed(self, name: str, address: str | None) -> None:
        """Count a wrong name or password; lock the name or address when its limit is hit."""
        now = self._clock()
        with self._lock:
            for key in _keys(name, address):
                record = self._records.get(key)
                if record is None or now - record.last_failure > FORGET_AFTER_S:
                    record = self._records[key] = _Record()
                record.failures += 1
                record.last_failure = now
                if record.failures >= self._limits[key[0]]:
                    lockout = min(self._first * 2**record.lockouts, self._max)
                    record.locked_until = now + lockout
                    record.lockouts += 1
                    record.failures = 0
            self._prune(now)

    def succeeded(self, name: str, address: str | None) -> None:
        """A correct sign-in: the name and the address start again from zero."""
        with self._lock:
            for key in _keys(name, address):
                self._records.pop(key, None)

    def _records_of(self, name: str, address: str | None, now: float) -> list[_Record]:
        found = []
        for key in _keys(name, address):
            record = self._records.get(key)
            if record is not None and now - record.last_failure <= FORGET_AFTER_S:
                found.append(record)
        return found

    def _prune(self, now: float) -> None:
        if len(self._records) <= MAX_RECORDS:
            return
        # Drop the oldest records that lock nothing; locked ones are kept whatever it costs.
        idle = sorted(
            (r.last_failure, key) for key, r in self._records.items() if r.locked_until <= now
        )
        for _, key in idle[: len(self._records) - MAX_RECORDS]:
            del self._records[key]


def _keys(name: str, address: str | None) -> list[tuple[str, str]]:
    keys = [("account", name)]
    if address:  # None for a browser on the server itself (Streamlit hides loopback)
        keys.append(("address", address))
    return keys
