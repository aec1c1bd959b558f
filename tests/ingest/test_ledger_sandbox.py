"""A 台账 upload is parsed in the sandboxed child, like every other upload, and arrives as read.

``sandbox.read_workbook_cells`` reads every sheet's cells in the child process; the server gets
them through Arrow IPC and JSON. A hostile workbook (an entity bomb, a DTD, a cell bomb, a sheet
too long to read) is refused there in the clerk's words, never parsed in the server.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import time
import zipfile

import openpyxl
import pytest

from landmap.dataset import load_dataset
from landmap.ingest import sandbox, table_transport, table_xlsx
from landmap.ingest.limits import MIB
from landmap.ingest.problems import ImportRejected
from landmap.ingest.table_xlsx import WorkbookCell, WorkbookRow
from landmap.layers import LAYERS
from landmap.ledger import ledger_workbook, read_ledger
from landmap.ledger.reader import read_ledger_cells
from landmap.store import GpkgStore
from tests.conftest import SAMPLE_GPKG

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
SHEET_PART = "xl/worksheets/sheet1.xml"
SHARED_STRINGS_PART = "xl/sharedStrings.xml"


@pytest.fixture(scope="module")
def sample():
    store = GpkgStore(SAMPLE_GPKG)  # read only
    frames = load_dataset(store).frames
    versions = {layer.id: store.feature_versions(layer.id) for layer in LAYERS}
    return frames, versions


@pytest.fixture(scope="module")
def exported(sample) -> bytes:
    frames, versions = sample
    return ledger_workbook(frames, "zh", versions)


def workbook_with(parts: dict[str, bytes], title: str = "老旧小区") -> bytes:
    """A one-sheet .xlsx written part by part (openpyxl writes no shared strings), then
    ``parts`` put in: a sheet, the shared strings, or anything else."""
    package = {
        "[Content_Types].xml": f"""<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{XLSX_TYPE}.sheet.main+xml"/>
<Override PartName="/{SHEET_PART}" ContentType="{XLSX_TYPE}.worksheet+xml"/>
<Override PartName="/{SHARED_STRINGS_PART}" ContentType="{XLSX_TYPE}.sharedStrings+xml"/>
</Types>""",
        "_rels/.rels": f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{RELS_NS}"><Relationship Id="rId1" Target="xl/workbook.xml"
Type="{DOC_REL}/officeDocument"/></Relationships>""",
        "xl/workbook.xml": f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{MAIN_NS}" xmlns:r="{DOC_REL}"><sheets>
<sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>""",
        "xl/_rels/workbook.xml.rels": f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{RELS_NS}">
<Relationship Id="rId1" Type="{DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{DOC_REL}/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>""",
        SHEET_PART: sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
        SHARED_STRINGS_PART: shared_strings("编号"),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in {**package, **parts}.items():
            target.writestr(name, content)
    return out.getvalue()


def replace_parts(data: bytes, parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, parts.get(info.filename, source.read(info)))
    return out.getvalue()


def sheet_xml(rows: str, dimension: str = "A1") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">'
        f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    ).encode()


def shared_strings(*texts: str) -> bytes:
    items = "".join(f"<si><t>{t}</t></si>" for t in texts)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="{len(texts)}" '
        f'uniqueCount="{len(texts)}">{items}</sst>'
    ).encode()


BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE sst [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>&g;</t></si></sst>""".encode()


def refusal(data: bytes, **kwargs) -> ImportRejected:
    with pytest.raises(ImportRejected) as refused:
        sandbox.read_workbook_cells(data, **kwargs)
    problem = refused.value.problem
    assert problem.text("zh") and problem.text("en")
    return refused.value


# -- A normal ledger -------------------------------------------------------------------------


def test_an_exported_ledger_arrives_exactly_as_read_in_process(exported, sample):
    boxed = sandbox.read_workbook_cells(exported)
    direct = table_xlsx.workbook_cells(exported, max_unpacked_bytes=100 * MIB)
    assert boxed == direct
    assert [s.title for s in boxed] == [*(layer.short_name.zh for layer in LAYERS), "填表说明"]
    header = boxed[0].rows[0]
    assert (header.number, header.cell(0).value) == (1, "编号")
    frames, versions = sample
    assert read_ledger(exported, frames, versions).edits == ()  # still a round trip


def test_the_server_process_never_parses_the_workbook(exported, monkeypatch):
    def not_here(*_args, **_kwargs):
        raise AssertionError("parsed in the server process")

    monkeypatch.setattr(table_xlsx, "workbook_cells", not_here)
    monkeypatch.setattr(table_xlsx, "load_workbook", not_here)
    monkeypatch.setattr(openpyxl, "load_workbook", not_here)
    assert read_ledger_cells(exported)[0].rows[0].cell(0).value == "编号"


def test_cells_keep_their_types_and_row_numbers():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "老旧小区"
    sheet.append(["  编号 ", "进度", "进度文本", "完工", "时间", "核实"])
    sheet.append([])  # a blank row: left out, the next keeps its number
    sheet.append(["XQ-LJ-001", 0.9, 0.9, dt.datetime(2026, 5, 31), dt.time(8, 30), True])
    sheet["B3"].number_format = "0%"
    sheet["C3"].number_format = '0.0"%"'  # a literal % sign: not a percentage
    sheet["A40"] = "   "  # whitespace only: blank
    sheet["CV41"] = "第100列"
    sheet["CW41"] = "第101列：不读"
    buffer = io.BytesIO()
    book.save(buffer)

    (read,) = sandbox.read_workbook_cells(buffer.getvalue())
    assert [r.number for r in read.rows] == [1, 3, 41]
    assert read.rows[0].cell(0) == WorkbookCell("编号")
    assert read.rows[1].cells == (
        WorkbookCell("XQ-LJ-001"),
        WorkbookCell(0.9, percent=True),
        WorkbookCell(0.9),
        WorkbookCell(dt.datetime(2026, 5, 31)),
        WorkbookCell("08:30:00"),
        WorkbookCell(True),
    )
    assert len(read.rows[2].cells) == table_xlsx.MAX_WORKBOOK_COLUMNS
    assert read.rows[2].cell(99).value == "第100列"
    assert read.rows[2].cell(100) == WorkbookCell(None)


def test_a_formula_is_reported_as_a_formula_never_as_its_cached_value():
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>形象进度（%）</t></is></c></row>'
        '<row r="2"><c r="A2"><f>50+10</f><v>60</v></c>'
        '<c r="B2" t="str"><f>IF(1,"已完工","")</f><v>已完工</v></c>'
        '<c r="C2"><f t="array" ref="C2">SUM(A2:A2)</f><v>60</v></c></row>'
    )
    data = workbook_with({SHEET_PART: sheet_xml(rows, "A1:C2")})
    assert openpyxl.load_workbook(io.BytesIO(data), data_only=True).active["A2"].value == 60

    (read,) = sandbox.read_workbook_cells(data)
    assert read.rows[1] == WorkbookRow(
        2,
        (
            WorkbookCell("=50+10", formula=True),
            WorkbookCell('=IF(1,"已完工","")', formula=True),
            WorkbookCell("=SUM(A2:A2)", formula=True),
        ),
    )


def test_a_cell_far_down_a_sheet_with_a_huge_dimension_is_read_quickly():
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>编号</t></is></c></row>'
        '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>XQ-LJ-001</t></is></c></row>'
    )
    data = workbook_with({SHEET_PART: sheet_xml(rows, "A1:XFD1048576")})
    started = time.monotonic()
    (read,) = sandbox.read_workbook_cells(data)
    assert [(r.number, r.cell(0).value) for r in read.rows] == [
        (1, "编号"),
        (1_048_576, "XQ-LJ-001"),
    ]
    assert time.monotonic() - started < 30


# -- Hostile or broken workbooks ---------------------------------------------------------------


def test_an_entity_bomb_is_refused_in_words():
    refused = refusal(workbook_with({SHARED_STRINGS_PART: BILLION_LAUGHS}))
    assert refused.problem.code == "xlsx_unsafe_xml"
    assert SHARED_STRINGS_PART in refused.problem.text("zh")
    assert SHARED_STRINGS_PART in refused.problem.text("en")


def test_a_dtd_pointing_at_a_server_is_refused(exported):
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        workbook = archive.read("xl/workbook.xml")
    declared = (
        b'<!DOCTYPE workbook SYSTEM "http://127.0.0.1:9/evil.dtd">' + workbook.split(b"?>", 1)[-1]
    )
    refused = refusal(replace_parts(exported, {"xl/workbook.xml": declared}))
    assert refused.problem.code == "xlsx_unsafe_xml"
    assert "xl/workbook.xml" in refused.problem.text("en")


def test_defusedxml_refuses_the_bomb_even_without_our_dtd_check(monkeypatch):
    # Defence in depth inside the child: openpyxl parses through defusedxml. Checked in
    # process, since a monkeypatch does not reach the child.
    assert openpyxl.DEFUSEDXML is True
    monkeypatch.setattr(table_xlsx, "_refuse_doctypes", lambda archive: None)
    bomb = workbook_with({SHARED_STRINGS_PART: BILLION_LAUGHS})
    with pytest.raises(ImportRejected) as refused:
        table_xlsx.workbook_cells(bomb, max_unpacked_bytes=100 * MIB)
    assert refused.value.problem.code == "xlsx_unsafe_xml"


def test_one_long_text_in_every_cell_is_stopped_in_the_child():
    # 30 000 characters stored once, shown in 2 000 cells: a 60 MB ledger from a tiny file.
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(1, 2001))
    bomb = workbook_with(
        {SHEET_PART: sheet_xml(rows), SHARED_STRINGS_PART: shared_strings("进" * 30_000)}
    )
    assert len(bomb) < 100_000
    refused = refusal(bomb)
    assert refused.problem.code == "ledger_too_much_content"
    assert str(table_transport.MAX_WORKBOOK_CELL_BYTES // MIB) in refused.problem.text("zh")


def test_a_member_that_unpacks_beyond_the_cap_is_refused():
    padding = b"\0" * (101 * MIB)  # deflates to about 100 KB
    bomb = workbook_with({"xl/media/padding.bin": padding})
    assert len(bomb) < sandbox.WORKBOOK_LIMITS.max_upload_bytes
    refused = refusal(bomb)
    assert refused.problem.code == "ledger_too_large"
    assert "101" in refused.problem.text("en") and "100" in refused.problem.text("en")


def test_a_sheet_too_slow_to_read_is_stopped_by_the_child_cpu_limit():
    cells = "".join(f"<c><v>{i}</v></c>" for i in range(25))
    rows = "".join(f"<row>{cells}</row>" for _ in range(40_000))  # a million numbers
    data = workbook_with({SHEET_PART: sheet_xml(rows)})
    limits = dataclasses.replace(sandbox.WORKBOOK_LIMITS, child_cpu_seconds=1, wall_seconds=30)
    started = time.monotonic()
    refused = refusal(data, limits=limits)
    assert refused.problem.code in {"cpu_limit", "timeout"}
    assert time.monotonic() - started < 30


def test_too_many_sheets_are_refused():
    book = openpyxl.Workbook()
    for n in range(table_xlsx.MAX_WORKBOOK_SHEETS):
        book.create_sheet(f"表{n}")
    buffer = io.BytesIO()
    book.save(buffer)
    refused = refusal(buffer.getvalue())
    assert refused.problem.code == "ledger_too_many_sheets"
    assert "51" in refused.problem.text("zh")


def test_too_many_rows_are_refused_naming_the_sheet():
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>'
        for n in range(1, table_xlsx.MAX_WORKBOOK_ROWS + 2)
    )
    refused = refusal(workbook_with({SHEET_PART: sheet_xml(rows)}, title="道路"))
    assert refused.problem.code == "ledger_too_many_rows"
    assert "道路" in refused.problem.text("zh") and "50,000" in refused.problem.text("en")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"not a workbook", "not_xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "legacy_excel"),
        (b"PK\x03\x04" + b"\0" * 100, "xlsx_unreadable"),
        (b"PK\x03\x04" + b"\0" * (21 * MIB), "too_large"),
    ],
)
def test_files_that_are_not_a_workbook_are_refused_in_words(data, code):
    assert refusal(data).problem.code == code


def test_a_table_import_refusal_keeps_its_words_too():
    # The CSV/Excel import shares the child: its reader's own refusals now reach the clerk
    # (they used to arrive as "unexpected error").
    bomb = workbook_with({SHARED_STRINGS_PART: BILLION_LAUGHS})
    with pytest.raises(ImportRejected) as refused:
        sandbox.read_table(bomb, "bomb.xlsx")
    assert refused.value.problem.code == "xlsx_unsafe_xml"
    no_coordinates = "编号,名称,状态\nA,甲,ready\n".encode()
    with pytest.raises(ImportRejected) as refused:
        sandbox.read_table(no_coordinates, "a.csv")
    assert refused.value.problem.code == "no_coordinate_columns"
    assert "编号、名称、状态" in refused.value.problem.text("zh")
