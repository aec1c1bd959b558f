"""CSV and Excel are parsed in the child process too, and arrive exactly as read."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from landmap.ingest import sandbox, tabular
from landmap.ingest.limits import Limits
from landmap.ingest.problems import ImportRejected


def ledger_xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["西区闲置土地台账（2026年）"])
    sheet.merge_cells("A1:F1")
    sheet.append(["编号", "地块名称", "状态", "经度", "纬度", "挂牌日期"])
    sheet.append(["A-1", "陶家渡地块", "已挂牌", 101.642, 26.588, dt.datetime(2026, 5, 31)])
    sheet.append(["A-2", "大水井地块", "在建", 101.622, 26.606, None])
    sheet.append(["A-3", "待定地块", "已摸排", "待定", "待定", None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


CSV = "编号,名称,状态,lat,lon\nB-1,乙,ready,101.61,26.60\n".encode("gbk")


@pytest.mark.parametrize(("name", "data"), [("ledger.xlsx", ledger_xlsx()), ("gbk.csv", CSV)])
def test_sandboxed_read_equals_the_direct_read(name, data):
    direct = tabular.read_table_bytes(data, name)
    boxed = sandbox.read_table(data, name)
    assert list(boxed.frame.columns) == list(direct.frame.columns)
    assert list(boxed.frame.index) == list(direct.frame.index)
    columns = [c for c in direct.frame.columns if c != "geometry"]
    assert boxed.frame[columns].astype(str).equals(direct.frame[columns].astype(str))
    assert list(boxed.frame.geometry.to_wkt()) == list(direct.frame.geometry.to_wkt())
    assert (boxed.kind, boxed.coordinate_columns, boxed.encoding, boxed.sheet) == (
        direct.kind,
        direct.coordinate_columns,
        direct.encoding,
        direct.sheet,
    )
    assert [p.text("zh") for p in boxed.problems] == [p.text("zh") for p in direct.problems]
    assert [p.text("en") for p in boxed.problems] == [p.text("en") for p in direct.problems]


def test_dates_keep_their_type_across_the_process_boundary():
    boxed = sandbox.read_table(ledger_xlsx(), "ledger.xlsx")
    assert isinstance(boxed.frame.iloc[0]["挂牌日期"], dt.datetime)


def test_table_parsing_is_bounded_by_the_child_limits():
    with pytest.raises(ImportRejected):
        sandbox.read_table(
            ledger_xlsx(), "ledger.xlsx", limits=Limits(child_memory_bytes=64 * 1024 * 1024)
        )


def test_only_csv_and_xlsx_go_this_way():
    with pytest.raises(ImportRejected) as caught:
        sandbox.read_table(b"x", "plots.exe")
    assert caught.value.problem.text("zh")
