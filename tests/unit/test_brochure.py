"""The plot brochure as an investor gets it: the PDF's text, its QR code, its map, its fonts."""

from __future__ import annotations

import subprocess
from datetime import datetime

import numpy as np
import pytest
from matplotlib.image import imread

from landmap.access import Audience, project_frames
from landmap.clock import SHANGHAI
from landmap.dataset import load_dataset
from landmap.promotion.brochure import PlotNotOffered, make_brochure, plot_link
from landmap.store import GpkgStore
from tests.conftest import BOUNDARY, SAMPLE_GPKG
from tests.pdf_reading import pdf_text

AS_OF = datetime(2026, 12, 4, 10, 30, tzinfo=SHANGHAI)
CONTACT = "西区投资促进局 0812-1234567"
BASE = "https://land.xiqu.example.gov.cn"
PLOT = "XQ-XZ-004"  # 招商推介中 in the sample


@pytest.fixture(scope="module")
def sample():
    return load_dataset(GpkgStore(SAMPLE_GPKG), BOUNDARY)


@pytest.fixture(scope="module")
def public(sample):
    return project_frames(sample.frames, Audience.PUBLIC)


def brochure(sample, public, ids=(PLOT,), lang="zh"):
    return make_brochure(
        list(ids),
        public,
        lang=lang,
        base_url=BASE,
        contact=CONTACT,
        boundary=sample.boundary,
        as_of=AS_OF,
        is_sample=True,
    )


def page_png(pdf: bytes, tmp_path, page: int = 1, dpi: int = 150):
    stem = tmp_path / f"page{page}"
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile",
         "-", str(stem)],
        input=pdf,
        check=True,
        capture_output=True,
    )  # fmt: skip
    return stem.with_suffix(".png")


def test_the_brochure_prints_the_plot_its_facts_contact_and_date(sample, public):
    text = pdf_text(brochure(sample, public))
    assert "格里坪工业园区土地整理一期A-04地块" in text
    for label in ("面积", "用地性质", "容积率", "起始价", "竞买保证金", "招商联系", "已通"):
        assert label in text, label
    assert "亩" in text and "公顷" in text
    assert CONTACT in text
    assert "2026年12月4日" in text  # 数据截至
    assert "示例数据" in text


def test_a_bilingual_brochure_has_both_languages_and_the_english_name(sample, public):
    text = pdf_text(brochure(sample, public, lang="both"))
    assert "格里坪工业园区土地整理一期A-04地块" in text
    assert "Geliping Industrial Park, Phase I Lot A-04" in text
    assert "用地性质" in text and "Land use" in text and "Logistics & warehousing (W1)" in text
    assert "4 Dec 2026" in text


def test_the_qr_code_opens_the_plots_public_link(sample, public, tmp_path):
    png = page_png(brochure(sample, public), tmp_path, dpi=200)
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert decoded == plot_link(BASE, PLOT, "zh") == f"{BASE}/?plot={PLOT}"


def test_the_map_highlights_the_plot(sample, public, tmp_path):
    pixels = np.round(imread(page_png(brochure(sample, public), tmp_path))[..., :3] * 255)
    highlight = (np.abs(pixels - np.array([0xD5, 0x00, 0x00])).max(axis=2) <= 8).sum()
    assert highlight > 200  # the red outline of the plot is drawn


def test_every_character_is_in_the_embedded_font(sample, public):
    pdf = brochure(sample, public, lang="both")
    assert b"LandmapSansSC-Regular" in pdf and b"/FontFile2" in pdf
    assert b"/Type3" not in pdf  # no glyph fell back to drawings of another font


def test_a_shortlist_brochure_starts_with_the_comparison(sample, public):
    ids = ("XQ-XZ-004", "XQ-XZ-015", "XQ-PG-001")
    pdf = brochure(sample, public, ids=ids)
    pages = pdf_text(pdf).split("\f")
    assert "招商地块比选" in pages[0] and "★" in pages[0]
    assert all(fid in pages[0] for fid in ids)
    assert len([p for p in pages if p.strip()]) == 4


def test_a_plot_not_on_offer_gets_no_brochure_whoever_asks(sample, public):
    with pytest.raises(PlotNotOffered) as refused:
        brochure(sample, public, ids=("XQ-XZ-001",))  # 已摸排
    assert refused.value.feature_id == "XQ-XZ-001"


def test_no_internal_value_reaches_a_brochure(sample, public):
    internal = []
    for frame in sample.frames.values():
        for key in ("contact", "remarks", "constraints", "issues"):
            if key in frame:
                internal += [str(v) for v in frame[key].dropna() if len(str(v)) > 2]
    text = pdf_text(brochure(sample, public, ids=("XQ-XZ-004", "XQ-PG-001"), lang="both"))
    assert internal and not [v for v in set(internal) if v in text]


def test_the_brochure_command_writes_a_pdf_or_says_why_not(tmp_path, capsys):
    import shutil

    from landmap.cli.main import main

    data = tmp_path / "live.gpkg"
    shutil.copyfile(SAMPLE_GPKG, data)
    out = tmp_path / "推介单页.pdf"
    code = main(["--data", str(data), "brochure", PLOT, "--in", "both", "-o", str(out)])
    assert code == 0 and out.read_bytes().startswith(b"%PDF")
    assert "Geliping Industrial Park" in pdf_text(out.read_bytes())
    assert main(["--data", str(data), "brochure", "XQ-XZ-001", "-o", str(tmp_path / "x.pdf")]) == 1
    assert "不是正在推介的地块" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
