"""`python -m landmap overdue` and `history`, run as a scheduled job would."""

from __future__ import annotations

import shutil

import pytest

from landmap.cli import main
from landmap.edits import FeatureEdit, FieldChange
from landmap.store import GpkgStore
from tests.conftest import SAMPLE_GPKG


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "live.gpkg"
    shutil.copyfile(SAMPLE_GPKG, path)
    return path


def test_overdue_lists_the_most_overdue_first(data, capsys):
    assert main(["--data", str(data), "overdue", "--within", "30"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("截至") and "逾期" in lines[0]
    late = [line for line in lines[1:] if line.startswith("【逾期")]
    days = [int(line[3 : line.index("天")]) for line in late]
    assert days and days == sorted(days, reverse=True)


def test_overdue_refuses_a_negative_window(data, capsys):
    assert main(["--data", str(data), "overdue", "--within", "-1"]) == 2


def test_history_prints_the_changes_of_a_feature_in_order(data, capsys):
    store = GpkgStore(data)
    before = len(store.history("XQ-LJ-003"))
    version = store.feature_versions("renovation").get("XQ-LJ-003", 0)
    store.apply_edits(
        [
            FeatureEdit(
                "renovation", "XQ-LJ-003", version, (FieldChange("progress_pct", "0", "15"),)
            )
        ],
        user="王五",
        note="进场",
        source="app",
    )
    assert main(["--data", str(data), "--lang", "en", "history", "XQ-LJ-003"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith("(Old residential compound renovation, XQ-LJ-003)")
    assert "王五  [app] — 进场" in out and "Physical progress: 0% → 15%" in out
    assert len(GpkgStore(data).history("XQ-LJ-003")) == before + 1


def test_history_of_an_unknown_feature_fails(data, capsys):
    assert main(["--data", str(data), "history", "NOPE-1"]) == 1
    assert "NOPE-1" in capsys.readouterr().out
