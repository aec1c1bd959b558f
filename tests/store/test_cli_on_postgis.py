"""The commands on PostGIS: with ``LANDMAP_DATABASE_URL`` set, ``overdue``, ``history`` and
``export`` read the database and say what the GeoPackage it was copied from says."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pyogrio
import pytest

from landmap.cli import main
from landmap.edits import FeatureEdit, FieldChange
from landmap.store.postgis import PostgisStore
from tests.conftest import REPO_ROOT, SAMPLE_GPKG

pytestmark = pytest.mark.postgis


@pytest.fixture
def copied(tmp_path, database_url, monkeypatch, capsys):
    """The sample in a GeoPackage and the same data in PostGIS, the URL in the environment."""
    path = tmp_path / "live.gpkg"
    shutil.copyfile(SAMPLE_GPKG, path)
    assert main(["db", "copy", str(path), database_url]) == 0
    capsys.readouterr()
    monkeypatch.delenv("LANDMAP_DATA", raising=False)
    monkeypatch.setenv("LANDMAP_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml of the repository
    return path, database_url


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_overdue_on_postgis_says_what_it_says_on_the_geopackage(copied, capsys):
    path, _url = copied
    code, on_db = run(capsys, "overdue", "--within", "30")
    assert code == 0
    assert on_db.startswith("截至") and "【逾期" in on_db
    assert run(capsys, "--data", str(path), "overdue", "--within", "30") == (0, on_db)


def test_history_on_postgis_includes_a_change_made_there(copied, capsys):
    path, url = copied
    code, before = run(capsys, "--lang", "en", "history", "XQ-LJ-003")
    assert code == 0
    assert before == run(capsys, "--data", str(path), "--lang", "en", "history", "XQ-LJ-003")[1]
    store = PostgisStore(url)
    edit = FeatureEdit("renovation", "XQ-LJ-003", 0, (FieldChange("progress_pct", "0", "15"),))
    store.apply_edits([edit], user="王五", note="进场", source="app")
    code, after = run(capsys, "--lang", "en", "history", "XQ-LJ-003")
    assert code == 0 and after.startswith(before.rstrip("\n"))
    assert "王五  [app] — 进场" in after and "Physical progress: 0% → 15%" in after


def test_export_on_postgis_writes_the_filtered_features(copied, tmp_path, capsys):
    path, _url = copied
    out = tmp_path / "roads.gpkg"
    args = ["export", "--layer", "roads", "--status", "under_construction", "--format", "gpkg"]
    code, said = run(capsys, *args, "-o", str(out))
    assert code == 0 and "状态：在建" in said
    exported = pyogrio.read_dataframe(out, layer="roads")
    stored = pyogrio.read_dataframe(path, layer="roads")
    assert sorted(exported["id"]) == sorted(stored[stored["status"] == "under_construction"]["id"])


def test_the_real_command_reads_the_database_from_the_environment(copied, capsys):
    path, url = copied
    env = {k: v for k, v in os.environ.items() if k != "LANDMAP_DATA"}
    done = subprocess.run(
        [sys.executable, "-m", "landmap", "overdue"],
        cwd=REPO_ROOT,
        env={**env, "LANDMAP_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == run(capsys, "--data", str(path), "overdue")[1]


def test_an_unreachable_database_is_a_message_not_a_traceback(postgres_server, monkeypatch, capsys):
    closed = f"postgresql://postgres:pw-xyz@127.0.0.1:{postgres_server.port + 1}/nothing"
    monkeypatch.setenv("LANDMAP_DATABASE_URL", closed)
    code, out = run(capsys, "overdue")
    assert code == 1
    assert "无法读写" in out and "PostGIS nothing" in out
    assert "Traceback" not in out and "pw-xyz" not in out
