"""The 台账 round trip: export, edit in Excel, re-import as status updates with history."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import zipfile

import openpyxl
import pytest

from landmap.dataset import load_dataset
from landmap.export.sanitise import write_text
from landmap.ingest.problems import ImportRejected
from landmap.layers import LAYER_BY_ID, LAYERS
from landmap.ledger import (
    apply_ledger,
    ledger_import_report,
    ledger_workbook,
    read_ledger,
    run_ledger_import,
)
from landmap.store import GpkgStore
from tests.conftest import SAMPLE_GPKG

UPLOADER = "住建局王五"
RENOVATION = LAYER_BY_ID["renovation"]
ROADS = LAYER_BY_ID["roads"]


@pytest.fixture
def store(tmp_path):
    """A copy of the sample: the committed file is never written."""
    return GpkgStore(shutil.copy(SAMPLE_GPKG, tmp_path / "live.gpkg"))


def state(store):
    frames = load_dataset(store).frames
    versions = {layer.id: store.feature_versions(layer.id) for layer in LAYERS}
    return frames, versions


def export(store, frames=None, lang="zh"):
    current, versions = state(store)
    return ledger_workbook(frames or current, lang, versions)


class Ledger:
    """An exported ledger opened as a clerk would, edited cell by cell, saved back to bytes."""

    def __init__(self, data: bytes) -> None:
        self.book = openpyxl.load_workbook(io.BytesIO(data))

    def sheet(self, title):
        return self.book[title]

    def column(self, title, header):
        headers = [c.value for c in self.sheet(title)[1]]
        return headers.index(header) + 1

    def row_of(self, title, feature_id):
        for row in self.sheet(title).iter_rows(min_row=2):
            if row[0].value == feature_id:
                return row[0].row
        raise KeyError(feature_id)

    def cell(self, title, feature_id, header):
        return self.sheet(title).cell(self.row_of(title, feature_id), self.column(title, header))

    def set(self, title, feature_id, header, value):
        self.cell(title, feature_id, header).value = value

    def data(self) -> bytes:
        buffer = io.BytesIO()
        self.book.save(buffer)
        return buffer.getvalue()


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pick(frame, exclude_status=(), count=1):
    """Features of the sample to edit, chosen by what they hold, not by a fixed id."""
    rows = frame[~frame["status"].isin(exclude_status)]
    assert len(rows) >= count
    return list(rows["id"][:count])


def test_a_ledger_sent_back_untouched_changes_nothing(store):
    frames, versions = state(store)
    data = ledger_workbook(frames, "zh", versions)
    resaved = Ledger(data).data()  # opened and saved by a spreadsheet program
    before = digest(store.path)
    for upload in (data, resaved):
        diff = read_ledger(upload, frames, versions)
        assert diff.edits == () and diff.changes == () and diff.errors == ()
        assert diff.rows_read == sum(len(f) for f in frames.values())
        applied = apply_ledger(store, diff, UPLOADER, "周报.xlsx")
        assert applied.history_rows == 0
    assert digest(store.path) == before  # not even rewritten


def test_an_english_ledger_also_round_trips(store):
    frames, versions = state(store)
    data = ledger_workbook(frames, "en", versions)
    assert "Old compounds" in openpyxl.load_workbook(io.BytesIO(data)).sheetnames
    assert read_ledger(data, frames, versions).edits == ()


def test_the_ledger_layout(store):
    ledger = Ledger(export(store))
    assert ledger.book.sheetnames == [*(layer.short_name.zh for layer in LAYERS), "填表说明"]
    sheet = ledger.sheet("老旧小区")
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["编号", "名称（只读）", "状态"]
    assert "形象进度（%）" in headers and "实际完工" in headers
    assert {"街道/镇（只读）", "责任单位（只读）", "面积（亩）（只读）"} <= set(headers)
    assert "长度（km）（只读）" in [c.value for c in ledger.sheet("道路")[1]]
    assert sheet.freeze_panes == "A2"
    version = openpyxl.utils.get_column_letter(headers.index("系统版本（勿改）") + 1)
    assert sheet.column_dimensions[version].hidden
    status_list = next(v for v in sheet.data_validations.dataValidation if v.type == "list")
    assert "在建（已开工）" in status_list.formula1
    first = sheet.cell(2, headers.index("状态") + 1).value
    assert first in {s.label.zh for s in RENOVATION.statuses}  # labels, not codes


def test_edited_status_and_progress_become_edits_and_history(store):
    frames, versions = state(store)
    ledger = Ledger(ledger_workbook(frames, "zh", versions))
    compound, other = pick(frames["renovation"], exclude_status=("works_completed",), count=2)
    road = pick(frames["roads"], exclude_status=("open_to_traffic",))[0]
    ledger.set("老旧小区", compound, "状态", "已完工")
    ledger.set("老旧小区", compound, "形象进度（%）", 100)
    ledger.set("老旧小区", other, "形象进度（%）", "85%")  # typed as text with a unit
    ledger.set("道路", road, "状态", "Open to traffic")  # the English label is read too
    diff = read_ledger(ledger.data(), frames, versions)
    assert diff.errors == ()
    assert {(e.layer_id, e.feature_id) for e in diff.edits} == {
        ("renovation", compound),
        ("renovation", other),
        ("roads", road),
    }
    by_field = {(c.feature_id, c.change.field): c for c in diff.changes}
    status_change = by_field[(compound, "status")]
    assert status_change.change.new == "works_completed"
    assert status_change.change.old == frames["renovation"].loc[compound, "status"]
    assert by_field[(compound, "progress_pct")].change.new == "100"
    assert by_field[(other, "progress_pct")].change.new == "85"
    assert by_field[(road, "status")].change.new == "open_to_traffic"
    fid, name, label, _old, new = status_change.describe("zh")
    assert (fid, label, new) == (compound, "状态", "已完工")
    assert name == frames["renovation"].loc[compound, "name"]
    assert any(line.startswith(compound) and "→ 已完工" in line for line in diff.change_lines("zh"))

    applied = apply_ledger(store, diff, UPLOADER, "/uploads/第12周台账.xlsx")
    assert applied.history_rows == len(diff.changes) == 4
    history = store.history()
    written = history[history["source"] == "ledger"]
    assert set(written["changed_by"]) == {UPLOADER}
    assert set(written["note"]) == {"台账导入 第12周台账.xlsx"}
    now, _ = state(store)
    assert now["renovation"].loc[compound, "status"] == "works_completed"
    assert now["renovation"].loc[compound, "progress_pct"] == 100
    assert now["roads"].loc[road, "status"] == "open_to_traffic"
    # The same ledger again: everything it says is now the stored value.
    again = read_ledger(ledger.data(), now, state(store)[1])
    assert again.edits == ()


def test_dates_in_chinese_spellings_and_excel_dates_are_read(store):
    frames, versions = state(store)
    compound = pick(frames["renovation"])[0]
    ledger = Ledger(ledger_workbook(frames, "zh", versions))
    ledger.set("老旧小区", compound, "计划开工", "2026年3月5日")
    ledger.set("老旧小区", compound, "计划完工", "2026.12.31")
    diff = read_ledger(ledger.data(), frames, versions)
    news = {c.change.field: c.change.new for c in diff.changes}
    assert news == {"planned_start": "2026-03-05", "planned_finish": "2026-12-31"}


def test_unknown_ids_labels_and_broken_rules_are_listed_not_applied(store):
    frames, versions = state(store)
    ledger = Ledger(ledger_workbook(frames, "zh", versions))
    good, bad_label, too_much, backwards, twice = pick(frames["renovation"], count=5)
    ledger.set("老旧小区", good, "形象进度（%）", 55)
    ledger.set("老旧小区", bad_label, "状态", "施工中")  # not a label of this layer
    ledger.set("老旧小区", too_much, "形象进度（%）", 120)
    ledger.set("老旧小区", backwards, "计划开工", "2026-06-01")
    ledger.set("老旧小区", backwards, "计划完工", "2026-01-31")
    sheet = ledger.sheet("老旧小区")
    sheet.append(["XQ-LJ-999", "新小区", "前期工作"])  # an id the layer does not have
    copy = [c.value for c in sheet[ledger.row_of("老旧小区", twice)]]
    copy[ledger.column("老旧小区", "形象进度（%）") - 1] = 10
    sheet.append(copy)
    before = digest(store.path)

    diff = read_ledger(ledger.data(), frames, versions)
    assert [e.feature_id for e in diff.edits] == [good]
    refused = {(p.feature_id, p.row) for p in diff.errors}
    assert ("XQ-LJ-999", sheet.max_row - 1) in refused
    for fid in (bad_label, too_much, backwards):
        assert (fid, ledger.row_of("老旧小区", fid)) in refused
    assert {p.row for p in diff.errors if p.feature_id == twice} == {
        ledger.row_of("老旧小区", twice),
        sheet.max_row,
    }
    texts = "\n".join(p.text("zh") for p in diff.errors)
    assert "施工中" in texts and "120" in texts and "早于" in texts
    assert "工作表“老旧小区”第" in texts

    report = ledger_import_report(diff, "zh")
    assert report[0].startswith("台账：") and "未导入：" in report
    apply_ledger(store, diff, UPLOADER, "t.xlsx")
    assert digest(store.path) != before
    now, _ = state(store)
    assert now["renovation"].loc[good, "progress_pct"] == 55
    for fid in (bad_label, too_much, backwards, twice):
        for key in ("status", "progress_pct", "planned_start", "planned_finish"):
            old, new = frames["renovation"].loc[fid, key], now["renovation"].loc[fid, key]
            assert old == new or (old != old and new != new)  # NaN stays NaN
    assert "XQ-LJ-999" not in now["renovation"].index


def test_a_formula_looking_name_exports_as_literal_text(store):
    frames, versions = state(store)
    renovation = frames["renovation"].copy()
    fid = renovation.index[0]
    renovation.loc[fid, "name"] = '=HYPERLINK("http://x/?"&A1,"点我")'
    data = ledger_workbook({"renovation": renovation}, "zh", versions)
    cell = Ledger(data).cell("老旧小区", fid, "名称（只读）")
    assert cell.value == '=HYPERLINK("http://x/?"&A1,"点我")' and cell.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(re.search(rb"<f[ >]", archive.read(n)) for n in sheets)
    assert read_ledger(data, {**frames, "renovation": renovation}, versions).edits == ()


def with_cached_results(data: bytes, results: dict[str, str]) -> bytes:
    """The workbook as Excel saves it: each formula cell also holds its computed result."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                for formula, result in results.items():
                    kind = b"" if re.fullmatch(r"[\d.]+", result) else b' t="str"'
                    content = re.sub(
                        rb'(<c r="[A-Z]+\d+"[^>]*?)>(<f>'
                        + re.escape(formula.encode())
                        + rb"</f>)<v ?/>",
                        lambda m, k=kind, r=result: m[1] + k + b">" + m[2] + f"<v>{r}</v>".encode(),
                        content,
                    )
            target.writestr(info, content)
    return out.getvalue()


def test_a_formula_in_the_ledger_is_never_taken_as_its_result(store):
    frames, versions = state(store)
    ledger = Ledger(ledger_workbook(frames, "zh", versions))
    by_formula, as_text, status_formula = pick(frames["renovation"], count=3)
    ledger.set("老旧小区", by_formula, "形象进度（%）", "=50+10")  # a live formula
    write_text(ledger.cell("老旧小区", as_text, "形象进度（%）"), "=1+1")  # typed as text
    ledger.set("老旧小区", status_formula, "状态", '=IF(1,"已完工","")')
    data = with_cached_results(ledger.data(), {"50+10": "60", 'IF(1,"已完工","")': "已完工"})
    shown = openpyxl.load_workbook(io.BytesIO(data), data_only=True)["老旧小区"]
    header = [c.value for c in shown[1]]
    rows = {r[0].value: r for r in shown.iter_rows(min_row=2)}
    assert rows[by_formula][header.index("形象进度（%）")].value == 60  # what Excel shows
    assert rows[status_formula][header.index("状态")].value == "已完工"

    diff = read_ledger(data, frames, versions)
    assert diff.edits == ()
    refused = {p.feature_id: p.text("zh") for p in diff.errors}
    assert "公式" in refused[by_formula] and "=50+10" in refused[by_formula]
    assert "=1+1" in refused[as_text] and "不是数字" in refused[as_text]
    assert "公式" in refused[status_formula]


def test_a_row_changed_since_the_export_is_not_overwritten(store):
    frames, versions = state(store)
    compound = pick(frames["renovation"])[0]
    ledger = Ledger(ledger_workbook(frames, "zh", versions))  # version 0 written in the file
    ledger.set("老旧小区", compound, "形象进度（%）", 33)
    edited = ledger.data()
    # Meanwhile a colleague saves a change in the app.
    meanwhile = read_ledger(
        _with_progress(ledger_workbook(frames, "zh", versions), compound, 44), frames, versions
    )
    apply_ledger(store, meanwhile, "李四", "app.xlsx")
    now, now_versions = state(store)
    diff = read_ledger(edited, now, now_versions)
    assert diff.edits == ()
    assert "已被他人修改" in diff.errors[0].text("zh")


def _with_progress(data: bytes, feature_id: str, value: float) -> bytes:
    ledger = Ledger(data)
    ledger.set("老旧小区", feature_id, "形象进度（%）", value)
    return ledger.data()


def test_sheets_that_are_not_layers_are_skipped_with_a_note(store):
    frames, versions = state(store)
    ledger = Ledger(ledger_workbook(frames, "zh", versions))
    ledger.book.create_sheet("汇总")["A1"] = "合计"
    diff = read_ledger(ledger.data(), frames, versions)
    assert diff.edits == () and diff.errors == ()
    assert [p.sheet for p in diff.warnings] == ["汇总"]


@pytest.mark.parametrize(
    "data",
    [b"not a workbook", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, b""],
)
def test_files_that_are_not_xlsx_are_refused_in_words(store, data):
    frames, versions = state(store)
    with pytest.raises(ImportRejected) as err:
        read_ledger(data, frames, versions)
    assert err.value.problem.text("zh")


def test_a_workbook_with_a_dtd_is_refused(store):
    frames, versions = state(store)
    data = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(export(store))) as source,
        zipfile.ZipFile(data, "w") as target,
    ):
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/workbook.xml":
                content = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + content
            target.writestr(info, content)
    with pytest.raises(ImportRejected) as err:
        read_ledger(data.getvalue(), frames, versions)
    assert err.value.problem.code == "xlsx_unsafe_xml"


def test_run_ledger_import_reports_and_applies(store, tmp_path, capsys):
    frames, versions = state(store)
    compound = pick(frames["renovation"])[0]
    path = tmp_path / "台账.xlsx"
    path.write_bytes(_with_progress(ledger_workbook(frames, "zh", versions), compound, 61))
    before = digest(store.path)
    assert run_ledger_import(store, path, UPLOADER, dry_run=True) == 0
    out = capsys.readouterr().out
    assert "1 处改动" in out and "→ 61%" in out and "试运行" in out
    assert digest(store.path) == before
    assert run_ledger_import(store, path, UPLOADER) == 0
    assert "历史记录 1 条" in capsys.readouterr().out
    last = store.history(compound).iloc[-1]
    assert (last["changed_by"], last["new_value"], last["source"]) == (UPLOADER, "61", "ledger")


def test_changes_in_columns_the_import_does_not_apply_are_listed_by_row(store):
    """A status typed into an added 状态代码 column, a renamed read-only 名称: never dropped."""
    frames, versions = state(store)
    ledger = Ledger(ledger_workbook(frames, "zh", versions))
    first, second, third = pick(frames["renovation"], count=3)
    sheet = ledger.sheet("老旧小区")
    code_column = sheet.max_column + 1
    sheet.cell(1, code_column).value = "状态代码"
    sheet.cell(ledger.row_of("老旧小区", first), code_column).value = "accepted"
    ledger.set("老旧小区", second, "名称（只读）", "改过的名称")
    ledger.set("老旧小区", third, "形象进度（%）", 55)  # a real change, still applied
    diff = read_ledger(ledger.data(), frames, versions)
    assert {p.feature_id for p in diff.errors} == {first, second}
    by_id = {p.feature_id: p for p in diff.errors}
    assert by_id[first].row == ledger.row_of("老旧小区", first)
    assert "状态代码" in by_id[first].text("zh") and "“状态”列" in by_id[first].text("zh")
    assert "read-only" in by_id[second].text("en") and "改过的名称" in by_id[second].text("zh")
    assert [e.feature_id for e in diff.edits] == [third]
    assert "2 个问题" in ledger_import_report(diff, "zh")[0]
