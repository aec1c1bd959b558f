"""The store's write lock: one lock file beside the GeoPackage, shared by every writer.

``flock`` locks belong to an open file description, so two threads of the Streamlit server
exclude each other as well as two processes do (the app, the SQLite edit worker, the CLI).
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterator
from pathlib import Path

LOCK_TIMEOUT_S = 30.0


class LockTimeout(Exception):
    """Another change held the lock for longer than the caller is willing to wait."""


def lock_path_for(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".lock")


@contextlib.contextmanager
def store_lock(store_path: Path, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    store_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path_for(store_path), "a+") as lock:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LockTimeout(str(store_path)) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
