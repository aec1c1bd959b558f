"""One connection pool per database URL, shared by every ``PostgisStore`` of the process.

Streamlit reruns a script per click and makes store objects freely; a pool per URL (created on
first use) keeps the number of server connections small whatever the number of sessions.
``check_connection`` tests a pooled connection before handing it out, so connections left dead
by a server restart are replaced instead of failing the next operation; ``min_size=0`` and a
short ``max_idle`` let an idle app hold no connection at all.
"""

from __future__ import annotations

import threading

from psycopg_pool import ConnectionPool

POOL_MAX_SIZE = 8
# How long an operation waits for a connection (a server that is down: this long, then a
# StoreError), and how long the pool keeps retrying one failed connection attempt.
POOL_TIMEOUT_S = 5.0
RECONNECT_TIMEOUT_S = 5.0
MAX_IDLE_S = 60.0
CONNECT_TIMEOUT_S = 10

_pools: dict[str, ConnectionPool] = {}
_lock = threading.Lock()


def shared_pool(url: str, name: str) -> ConnectionPool:
    """The pool of ``url`` (``name`` for its log lines: never the URL, it may hold a password)."""
    with _lock:
        pool = _pools.get(url)
        if pool is None or pool.closed:
            pool = ConnectionPool(
                url,
                name=name,
                min_size=0,
                max_size=POOL_MAX_SIZE,
                open=True,
                check=ConnectionPool.check_connection,
                timeout=POOL_TIMEOUT_S,
                reconnect_timeout=RECONNECT_TIMEOUT_S,
                max_idle=MAX_IDLE_S,
                num_workers=1,
                kwargs={"connect_timeout": CONNECT_TIMEOUT_S},
            )
            _pools[url] = pool
        return pool


def close_pool(url: str) -> None:
    """Close the pool of ``url``, if any (e.g. before the database is used as a template)."""
    with _lock:
        pool = _pools.pop(url, None)
    if pool is not None:
        pool.close(timeout=2.0)


def close_pools() -> None:
    """Close every pool (at exit, or after a test that made its own database)."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close(timeout=2.0)
