"""A throw-away PostgreSQL + PostGIS holding a copy of a store, for the benchmarks.

The cluster is the tests' (``tests/postgis_server.py``); the store goes in with the app's own
commands, ``python -m landmap db init`` and ``db copy``: the load an operator runs.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.postgis_server import running_postgres  # noqa: E402


@contextmanager
def postgis_copy(gpkg: Path) -> Iterator[tuple[str, float]]:
    """A throw-away PostGIS with the store ``gpkg`` copied in: (URL, seconds of the copy)."""
    with running_postgres() as server:
        url = server.new_database()
        landmap = [sys.executable, "-m", "landmap", "db"]
        subprocess.run([*landmap, "--url", url, "init"], cwd=REPO_ROOT, check=True)
        start = time.perf_counter()
        subprocess.run([*landmap, "copy", str(gpkg), url], cwd=REPO_ROOT, check=True)
        yield url, time.perf_counter() - start
