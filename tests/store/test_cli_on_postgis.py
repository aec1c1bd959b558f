"""The commands on PostGIS: with ``LANDMAP_DATABASE_URL`` set, ``overdue``, ``history`` and
``export`` read the database and say what the GeoPackage it was copied from says; ``import``,
``backups`` and ``restore`` write it, back it up and put a backup back."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from PIL import Image

from landmap.cli.main import main
from landmap.photos import save_upload
from landmap.progress.edits import FeatureEdit, FieldChange
from landmap.store.postgis import PostgisStore
from tests.conftest import REPO_ROOT, SAMPLE_GPKG, square_4543
from tests.pdf_reading import needs_pdftotext, pdf_text

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


def new_plots(tmp_path) -> Path:
    frame = gpd.GeoDataFrame(
        {"编号": ["NEW-1", "NEW-2"], "地块名称": ["陶家渡新增地块", "大水井新增地块"]},
        geometry=[square_4543(3000, 3000, 120), square_4543(3300, 3000, 90)],
        crs=4543,
    ).to_crs(4326)
    frame["状态"] = ["已挂牌", "招商中"]
    path = tmp_path / "new.geojson"
    path.write_text(frame.to_json(), encoding="utf-8")
    return path


def layer_ids(url: str) -> list[str]:
    return sorted(PostgisStore(url).read_table("idle_land")["id"])


def test_import_backups_and_restore_on_postgis_as_the_app_role(
    copied, tmp_path, capsys, postgres_server, monkeypatch
):
    _path, url = copied
    role = f"app_{uuid.uuid4().hex[:8]}"
    postgres_server.admin(f'CREATE ROLE "{role}" LOGIN')
    assert main(["db", "--url", url, "init", "--app-role", role]) == 0
    monkeypatch.setenv("LANDMAP_DATABASE_URL", url.replace("postgres@", f"{role}@", 1))
    capsys.readouterr()
    before = layer_ids(url)
    code, out = run(capsys, "--lang", "en", "backups")
    assert (code, out) == (0, "")  # none yet

    args = ["import", str(new_plots(tmp_path)), "--layer", "idle_land", "--mode", "replace"]
    code, out = run(capsys, *args, "--user", "clerk")
    assert code == 0, out
    assert "已导入。原数据已备份为" in out
    imported = out.strip().split()[-1]
    assert layer_ids(url) == ["NEW-1", "NEW-2"]
    statuses = PostgisStore(url).read_table("idle_land").set_index("id")["status"]
    assert statuses.to_dict() == {"NEW-1": "listed", "NEW-2": "promoting"}

    code, listing = run(capsys, "backups")
    assert code == 0
    (line,) = listing.splitlines()
    assert line.split("\t")[0] == imported
    assert line.split("\t")[2:5] == ["import:replace", "idle_land", "clerk"]

    code, out = run(capsys, "--lang", "en", "restore", imported, "--user", "clerk")
    assert code == 0, out
    assert out.startswith("Restored. The replaced version is backup")
    undo = out.strip().split()[-1]
    assert layer_ids(url) == before
    code, listing = run(capsys, "backups")
    assert [row.split("\t")[0] for row in listing.splitlines()] == [undo, imported]

    assert run(capsys, "restore", undo)[0] == 0  # the restore itself can be undone
    assert layer_ids(url) == ["NEW-1", "NEW-2"]


def test_a_refused_import_and_an_unknown_backup_change_nothing_on_postgis(copied, tmp_path, capsys):
    _path, url = copied
    before = layer_ids(url)
    version = PostgisStore(url).version()
    bad = tmp_path / "bad.geojson"
    frame = gpd.GeoDataFrame(
        {"编号": ["XQ-XZ-001"], "状态": ["不存在的状态"]},
        geometry=[square_4543(3000, 3000, 120)],
        crs=4543,
    ).to_crs(4326)
    bad.write_text(frame.to_json(), encoding="utf-8")
    code, out = run(capsys, "import", str(bad), "--layer", "idle_land", "--mode", "add")
    assert code == 1 and "不能导入" in out
    code, out = run(capsys, "restore", "20260101T000000-abcdef")
    assert code == 1 and "not found" in out and "Traceback" not in out
    assert PostgisStore(url).backups() == []
    assert layer_ids(url) == before and PostgisStore(url).version() == version


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 140, 90)).save(out, "JPEG")
    return out.getvalue()


@needs_pdftotext
def test_the_brochure_on_postgis_prints_the_public_photo_only(copied, tmp_path, capsys):
    _path, url = copied
    store = PostgisStore(url)
    for caption, public in (("内部界桩秘密", False), ("公开全景远眺", True)):
        save_upload(
            store, "idle_land", "XQ-XZ-004", jpeg(), caption=caption, public=public, user="ed"
        )
    out = tmp_path / "推介单页.pdf"
    code, _said = run(capsys, "brochure", "XQ-XZ-004", "-o", str(out))
    assert code == 0
    text = pdf_text(out.read_bytes())
    assert "公开全景远眺" in text and "内部界桩秘密" not in text
