"""Internal fields never reach a public output; staff outputs keep them.

Every registry field marked ``public=False`` is given a distinctive value on every sample
feature; then each output a public reader can get — detail rows, table, summary, the six
export formats, the map picture and the map payload — is read back *as the user gets it* (the
file's bytes, unzipped where zipped; the PDF's text) and searched for those values. The same
outputs for staff must contain them, so the search is known to work.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile

import pandas as pd
import pytest

from landmap.access import Audience, audience_for, project_frames, visible_columns
from landmap.dataset import load_dataset
from landmap.export import ExportFormat, export_features
from landmap.facts import feature_facts
from landmap.layers import LAYERS, FieldKind
from landmap.map.view import feature_strings
from landmap.progress.deadlines import parse_milestones, with_deadline_columns
from landmap.progress.tracking import load_tracking
from landmap.query import feature_table, summarise
from landmap.reports.picture import map_picture
from landmap.store import GpkgStore
from tests.conftest import BOUNDARY, SAMPLE_GPKG

INTERNAL = sorted({f.key for spec in LAYERS for f in spec.all_fields if not f.public})
TODAY = pd.Timestamp("2026-11-25").date()


def secret_for(key: str, kind: FieldKind) -> object:
    """A value no other field or label could contain by chance."""
    if kind is FieldKind.DATE:
        return "1987-06-05"
    if kind in (FieldKind.INT, FieldKind.FLOAT, FieldKind.MONEY_WAN, FieldKind.PERCENT):
        return 987654321
    return f"内部{key}值ZQX"


def secret_texts() -> list[str]:
    texts = {str(secret_for(f.key, f.kind)) for s in LAYERS for f in s.all_fields if not f.public}
    return sorted(texts)


@pytest.fixture(scope="module")
def staff_frames(tmp_path_factory):
    """The sample as staff see it (deadline columns included), every internal field filled."""
    path = tmp_path_factory.mktemp("audience") / "sample.gpkg"
    shutil.copyfile(SAMPLE_GPKG, path)
    store = GpkgStore(path)
    dataset = load_dataset(store, BOUNDARY)
    milestones = parse_milestones(load_tracking(store).milestones).milestones
    frames = with_deadline_columns(dataset.frames, milestones, TODAY)
    filled = {}
    for spec in LAYERS:
        frame = frames[spec.id].copy()
        for field in spec.all_fields:
            if not field.public:
                secret = secret_for(field.key, field.kind)
                frame[field.key] = pd.Series([secret] * len(frame), index=frame.index, dtype=object)
        filled[spec.id] = frame
    return filled


@pytest.fixture(scope="module")
def public_frames(staff_frames):
    return project_frames(staff_frames, Audience.PUBLIC)


def contains_secret(blob: bytes | str) -> list[str]:
    text = blob if isinstance(blob, str) else None
    found = []
    for secret in secret_texts():
        if text is not None:
            if secret in text:
                found.append(secret)
        elif secret.encode("utf-8") in blob or secret.encode("utf-16-le") in blob:
            found.append(secret)
    return found


def readable_bytes(data: bytes) -> bytes:
    """A file's bytes as a reader gets to them: zip members unpacked (xlsx, shp.zip)."""
    if not data.startswith(b"PK"):
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"\n".join(readable_bytes(archive.read(n)) for n in archive.namelist())


def test_there_are_internal_fields_to_protect():
    assert {"contact", "remarks", "constraints", "idle_since", "households_signed"} <= set(INTERNAL)
    assert "issues" in INTERNAL


def test_the_audience_comes_from_the_account_or_an_explicit_setting():
    assert audience_for(False) is Audience.PUBLIC
    assert audience_for(True) is Audience.STAFF
    assert audience_for(False, internal_without_sign_in=True) is Audience.STAFF


def test_public_frames_hold_no_internal_or_deadline_column(public_frames, staff_frames):
    for spec in LAYERS:
        columns = set(public_frames[spec.id].columns)
        assert not columns & set(INTERNAL)
        assert not any(c.startswith("deadline") for c in columns)
        assert columns - {"geometry"} <= set(visible_columns(spec, Audience.PUBLIC))
        public_statuses = set(public_frames[spec.id]["status"])
        assert public_statuses <= set(Audience.PUBLIC.statuses(spec))
    assert "deadline_state" in staff_frames["renovation"].columns


def test_the_public_sees_offered_plots_and_the_context_layers_whole(public_frames, staff_frames):
    for spec in LAYERS:
        staff, public = staff_frames[spec.id], public_frames[spec.id]
        if spec.offered_statuses:
            expected = staff.index[staff["status"].isin(spec.offered_statuses)]
            assert 0 < len(expected) < len(staff)  # some offered, some not (e.g. 已摸排)
            assert list(public.index) == list(expected)
        else:
            assert spec.investor_context and list(public.index) == list(staff.index)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_public_detail_rows_leave_internal_fields_out_entirely(public_frames, staff_frames, lang):
    for spec in LAYERS:
        internal_labels = {f.label.get(lang) for f in spec.all_fields if not f.public}
        for fid in public_frames[spec.id].index[:5]:
            facts = feature_facts(spec, public_frames[spec.id].loc[fid], Audience.PUBLIC, lang)
            labels = {label for label, _ in facts.all_rows()}
            assert not labels & internal_labels, (spec.id, labels & internal_labels)
            assert not contains_secret(repr(facts.all_rows()))
            staff = feature_facts(spec, staff_frames[spec.id].loc[fid], Audience.STAFF, lang)
            assert internal_labels <= {label for label, _ in staff.all_rows()}
            assert contains_secret(repr(staff.all_rows()))


def test_public_table_and_summary_carry_no_internal_value(public_frames):
    assert not contains_secret(feature_table(public_frames, "zh").to_string())
    assert not contains_secret(summarise(public_frames, "zh").to_string())


def test_the_public_map_payload_has_no_internal_value_and_no_deadline(public_frames, staff_frames):
    public = "".join("".join(feature_strings(f)) for f in public_frames.values())
    staff = "".join("".join(feature_strings(f)) for f in staff_frames.values())
    assert not contains_secret(public)
    assert '"d":' not in public
    assert '"d": "overdue"' in staff  # the staff map can be coloured by deadline


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_public_exports_carry_no_internal_value(public_frames, staff_frames, fmt):
    public = export_features(public_frames, fmt, audience=Audience.PUBLIC, filter_text="全部")
    found = contains_secret(readable_bytes(public.data))
    assert not found, f"{fmt}: {found}"
    assert "内部使用".encode() not in readable_bytes(public.data)
    staff = export_features(staff_frames, fmt, audience=Audience.STAFF, filter_text="全部")
    assert contains_secret(readable_bytes(staff.data)), f"{fmt}: the search itself is broken"


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def test_the_public_map_picture_prints_no_internal_value_and_no_deadline(public_frames):
    common = {"lang": "zh", "filter_text": "全部", "source_name": "x.gpkg", "is_sample": True}
    text = pdf_text(map_picture(public_frames, fmt="pdf", colour="status", **common))
    assert "西区" in text  # the text layer is readable, so the search below means something
    assert not contains_secret(text)
    assert "已逾期" not in text


def test_an_editors_publish_choice_overrides_the_status_rule():
    from landmap.access.audience import public_row_mask
    from landmap.layers import LAYER_BY_ID

    spec = LAYER_BY_ID["idle_land"]
    frame = pd.DataFrame(
        {
            "status": ["listed", "listed", "identified", "identified"],
            "publish": [None, "off", None, "on"],
        }
    )
    assert public_row_mask(frame, spec).tolist() == [True, False, False, True]
