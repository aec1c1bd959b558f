"""Shared import-test helpers: a private copy of the sample store, and a byte-for-byte digest."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_GPKG


def digest(path: Path) -> str:
    """SHA-256 of a file: "the store is unchanged" means exactly this digest is unchanged."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store" / "xiqu.gpkg"
    path.parent.mkdir()
    shutil.copy(SAMPLE_GPKG, path)
    return path
