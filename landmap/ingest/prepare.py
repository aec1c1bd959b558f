"""Preparing what GDAL will open: the checked upload, re-written under names we chose.

GeoPackage is opened as uploaded; GeoJSON and KML are re-encoded as UTF-8 (``textencoding``);
a shapefile .zip or a KMZ is checked (``zipcheck``) and only the parts GDAL needs are unpacked,
as ``layer.shp`` or ``doc.kml``. What was learned on the way (encoding, .prj, warnings) travels
with the path in a ``Source``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from landmap.ingest.diagnose import check_kml_has_placemarks, zip_without_shapefile
from landmap.ingest.limits import MIB, Limits
from landmap.ingest.messages import make_problem, reject
from landmap.ingest.problems import ImportProblem
from landmap.ingest.sniff import SNIFF_BYTES, check_content, check_geojson_crs
from landmap.ingest.textencoding import (
    EncodingChoice,
    choose_dbf_encoding,
    dbf_text_sample,
    known_encoding,
    to_utf8,
)
from landmap.ingest.zipcheck import (
    ByteBudget,
    Member,
    check_zip,
    extract,
    open_zip,
    read_small,
)


@dataclass
class Source:
    """The file GDAL opens (named by us), and what we learned before it did."""

    path: Path
    kind: str
    encoding: str  # what the text was read as (RawLayer.encoding)
    gdal_encoding: str | None = None  # passed to pyogrio for shapefiles only
    encoding_overridden: bool = False  # the user chose it: never second-guessed
    layer_name: str | None = None  # display name for single-layer formats
    prj_text: str | None = None
    problems: list[ImportProblem] = field(default_factory=list)


def prepare(upload: Path, kind: str, request: dict, limits: Limits) -> Source:
    ext = str(request["ext"])
    with upload.open("rb") as f:
        check_content(f.read(SNIFF_BYTES), kind, ext)
    if kind == "gpkg":
        return Source(upload, kind, "UTF-8")  # SQLite text is always UTF-8
    override = request.get("encoding") or None
    work = upload.parent / "src"
    work.mkdir()
    if kind in ("geojson", "kml"):
        return _prepare_text(upload.read_bytes(), kind, work, override, request)
    with open_zip(upload) as zf:
        members = check_zip(zf, limits)
        budget = ByteBudget(limits.max_unzipped_bytes, limits.max_unzipped_bytes)
        if kind == "kmz":
            return _prepare_kmz(zf, members, work, override, budget)
        return _prepare_shapefile(zf, members, work, override, budget)


def _prepare_text(data: bytes, kind: str, work: Path, override: str | None, request: dict):
    utf8, encoding, problems = to_utf8(data, override, kind)
    if kind == "geojson":
        check_geojson_crs(utf8)
    else:
        check_kml_has_placemarks(utf8)  # a super-overlay or a link is not a map to import
    target = work / ("source.kml" if kind == "kml" else "source.geojson")
    target.write_bytes(utf8)
    name = request.get("display_name") if kind == "geojson" else None
    return Source(target, kind, encoding, layer_name=name, problems=problems)


def _prepare_kmz(zf, members: list[Member], work: Path, override, budget) -> Source:
    kmls = [m for m in members if m.path.suffix.lower() == ".kml"]
    docs = [m for m in kmls if m.name.lower() == "doc.kml"]
    if not kmls:
        raise reject("kmz_no_kml")
    if not docs and len(kmls) > 1:
        raise reject("kmz_many_kml", names="、".join(sorted(m.name for m in kmls)))
    raw = work / "doc.raw"
    chosen = (docs or kmls)[0]
    extract(zf, chosen, raw, budget)
    with raw.open("rb") as f:
        check_content(f.read(SNIFF_BYTES), "kml", chosen.name)
    source = _prepare_text(raw.read_bytes(), "kml", work, override, {})
    raw.unlink()
    source.kind = "kmz"
    return source


def _prepare_shapefile(zf, members: list[Member], work: Path, override, budget) -> Source:
    shp = _single_shp(members)
    stem = shp.path.with_suffix("")
    by_suffix = {m.path.suffix.lower(): m for m in members if _same_stem(m.path, stem)}
    for part, code in ((".shx", "zip_no_shx"), (".dbf", "zip_no_dbf")):
        if part not in by_suffix:
            raise reject(code, stem=stem.name)
    # Our own names: the entry names never become paths (security.md §2.2 I4, §4.2 item 21).
    for part in (".shp", ".shx", ".dbf", ".prj"):
        if part in by_suffix:
            extract(zf, by_suffix[part], work / f"layer{part}", budget)
    problems: list[ImportProblem] = []
    prj_text = None
    if ".prj" in by_suffix:
        prj_text = (work / "layer.prj").read_bytes()[:65536].decode("utf-8", "replace").strip()
    else:
        problems.append(make_problem("no_prj"))
    choice = _shapefile_encoding(zf, by_suffix, work / "layer.dbf", override)
    return Source(
        work / "layer.shp",
        "shapezip",
        choice.encoding,
        gdal_encoding=choice.encoding,
        encoding_overridden=choice.overridden,
        layer_name=stem.name,
        prj_text=prj_text,
        problems=[*problems, *choice.problems],
    )


def _same_stem(path: PurePosixPath, stem: PurePosixPath) -> bool:
    """Sidecars may differ in case from the .shp (PLOTS.DBF next to plots.shp)."""
    return str(path.with_suffix("")).casefold() == str(stem).casefold()


def _single_shp(members: list[Member]) -> Member:
    shps = [m for m in members if m.path.suffix.lower() == ".shp"]
    if not shps:
        raise zip_without_shapefile([m.name for m in members])
    if len(shps) > 1:
        names = "、".join(sorted(m.name for m in shps))
        raise reject("zip_many_shp", count=len(shps), names=names)
    return shps[0]


_DBF_SAMPLE_BYTES = 8 * MIB


def _shapefile_encoding(zf, by_suffix: dict, dbf_path: Path, override) -> EncodingChoice:
    if override:
        return EncodingChoice(known_encoding(override), overridden=True)
    cpg = read_small(zf, by_suffix[".cpg"], 256) if ".cpg" in by_suffix else None
    with dbf_path.open("rb") as f:
        ldid, sample = dbf_text_sample(f.read(_DBF_SAMPLE_BYTES))
    return choose_dbf_encoding(cpg, sample, ldid)
