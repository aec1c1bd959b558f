"""`python -m landmap overdue` and `history`, run as a scheduled job would."""

from __future__ import annotations

import shutil

import openpyxl
import pyogrio
import pytest

from landmap.cli.main import main
from landmap.progress.edits import FeatureEdit, FieldChange
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


def test_export_writes_the_filtered_features(data, tmp_path, capsys):
    out = tmp_path / "roads.gpkg"
    args = ["--data", str(data), "export", "--layer", "roads", "--status", "under_construction"]
    assert main([*args, "--format", "gpkg", "-o", str(out)]) == 0
    assert "状态：在建" in capsys.readouterr().out
    exported = pyogrio.read_dataframe(out, layer="roads")
    stored = pyogrio.read_dataframe(data, layer="roads")
    assert sorted(exported["id"]) == sorted(stored[stored["status"] == "under_construction"]["id"])


def test_an_unedited_ledger_changes_nothing_and_an_edited_one_is_recorded(data, tmp_path, capsys):
    ledger = tmp_path / "台账.xlsx"
    assert main(["--data", str(data), "ledger-export", "--layer", "roads", "-o", str(ledger)]) == 0
    before = data.read_bytes()
    assert main(["--data", str(data), "ledger-import", str(ledger), "--user", "赵六"]) == 0
    assert data.read_bytes() == before  # no change, no history row, not even a touched file

    book = openpyxl.load_workbook(ledger)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    progress = headers.index("形象进度（%）") + 1
    feature_id = sheet.cell(2, 1).value
    sheet.cell(2, progress).value = 77
    book.save(ledger)
    args = ["--data", str(data), "ledger-import", str(ledger), "--user", "赵六"]
    assert main([*args, "--dry-run"]) == 0
    assert data.read_bytes() == before
    assert main(args) == 0
    last = GpkgStore(data).history(feature_id).iloc[-1]
    assert (last["field"], last["new_value"], last["changed_by"]) == ("progress_pct", "77", "赵六")
    assert last["source"] == "ledger"
