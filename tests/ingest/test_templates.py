"""A blank template, filled in with one row, imports cleanly through the real import path."""

from __future__ import annotations

import csv
import io

import geopandas as gpd
import pytest
import shapely
from openpyxl import load_workbook

from landmap.ingest.limits import Limits
from landmap.ingest.mapping import suggest_field_mapping
from landmap.ingest.plan import ImportOptions, commit_import, prepare_import
from landmap.ingest.templates import (
    WKT_HEADER,
    template_csv,
    template_fields,
    template_headers,
    template_xlsx,
)
from landmap.layers import LAYERS, FieldKind, FieldSpec, GeometryKind, LayerSpec
from landmap.store import GpkgStore
from tests.conftest import ORIGIN_4543, square_4543

NEW_ID = "TPL-001"


def shape(layer: LayerSpec) -> str:
    """A shape inside the district, as WGS84 lon/lat WKT."""
    if layer.geometry is GeometryKind.LINE:
        x, y = ORIGIN_4543
        geometry = shapely.LineString([(x + 2000, y + 2000), (x + 2600, y + 2000)])
    else:
        geometry = square_4543(2000, 2000, 80)
    lonlat = gpd.GeoSeries([geometry], crs=4543).to_crs(4326).iloc[0]
    return shapely.to_wkt(lonlat, rounding_precision=7)


def example(spec: FieldSpec) -> object:
    """A value a clerk would type for ``spec``."""
    if spec.key == "subdistrict":
        return "格里坪镇"
    if spec.kind is FieldKind.CHOICE:
        return next(iter(spec.choices.values())).zh
    if spec.kind is FieldKind.CHOICES:
        return ",".join(list(spec.choices)[:2])
    return {
        FieldKind.INT: 3,
        FieldKind.FLOAT: 1.5,
        FieldKind.DATE: "2026-05-31",
        FieldKind.YEAR: 1998,
        FieldKind.MONEY_WAN: 120,
        FieldKind.PERCENT: 45,
    }.get(spec.kind, f"示例{spec.label.zh}")


def row_for(layer: LayerSpec) -> list[object]:
    values: list[object] = [NEW_ID, "模板示例地块", layer.statuses[0].label.zh]
    values += [example(layer.field_spec(key)) for _header, key in template_fields(layer)[3:]]
    return [*values, shape(layer)]


def filled_csv(layer: LayerSpec) -> bytes:
    blank = template_csv(layer).decode("utf-8-sig")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(row_for(layer))
    return (blank + buffer.getvalue()).encode("utf-8-sig")


def filled_xlsx(layer: LayerSpec) -> bytes:
    book = load_workbook(io.BytesIO(template_xlsx(layer)))
    book.worksheets[0].append(row_for(layer))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: layer.id)
def test_every_template_header_is_one_the_importer_maps(layer):
    headers = template_headers(layer)
    assert headers[0] == "编号" and headers[-1] == WKT_HEADER
    suggested = suggest_field_mapping(headers[:-1], layer)
    assert suggested.mapping == {header: key for header, key in template_fields(layer)}
    assert not suggested.missing_required


def test_the_blank_files_hold_only_the_headers():
    layer = LAYERS[0]
    rows = list(csv.reader(io.StringIO(template_csv(layer).decode("utf-8-sig"))))
    assert rows == [template_headers(layer)]
    assert template_csv(layer).startswith(b"\xef\xbb\xbf")  # Chinese Excel reads it as UTF-8
    book = load_workbook(io.BytesIO(template_xlsx(layer)))
    [sheet] = book.worksheets  # one sheet: the importer would warn about a second
    assert [c.value for c in sheet[1]] == template_headers(layer) and sheet.max_row == 1
    notes = {c.value: c.comment.text for c in sheet[1]}
    assert "已摸排" in notes["状态"] and "清香坪街道" in notes["街道/镇"]
    assert "内部字段" in notes["联系人"] and "POLYGON" in notes[WKT_HEADER]
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert "已摸排" in lists["C2:C2001"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: layer.id)
def test_a_filled_template_imports_cleanly(layer, kind, store_path):
    data = filled_csv(layer) if kind == "csv" else filled_xlsx(layer)
    store = GpkgStore(store_path)
    plan = prepare_import(
        data, f"模板.{kind}", ImportOptions(layer_id=layer.id), store, None, Limits()
    )
    assert plan.can_commit, plan.summary_lines("zh")
    # A table states no coordinate system: the guess (CGCS2000 lon/lat) is for the editor to
    # confirm, and is the only remark on a correctly filled template.
    remarks = {p.code for p in plan.problems if p.severity.value != "info"}
    assert remarks == {"crs_guessed"}, plan.summary_lines("zh")
    assert plan.crs_epsg == 4490
    mapped = set(plan.field_mapping)
    assert mapped == {h for h, _key in template_fields(layer)}
    assert set(plan.unmapped_columns) <= {WKT_HEADER}
    commit_import(plan, store, user="template-test")
    stored = store.read_table(layer.id).set_index("id").loc[NEW_ID]
    assert stored["name"] == "模板示例地块" and stored["status"] == layer.statuses[0].code
    assert stored["subdistrict"] == "格里坪镇"
    for _header, key in template_fields(layer)[3:]:
        assert stored[key] is not None and stored[key] == stored[key], key  # not blank, not NaN
