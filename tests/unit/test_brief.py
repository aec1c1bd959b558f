"""The 督办 brief: what the page says (read back from the PDF as a reader's tool reads it)."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime

import pandas as pd
import pytest

from landmap.cli.main import main
from landmap.clock import SHANGHAI
from landmap.progress.deadlines import Milestone
from landmap.progress.followup import DEFAULT_STALE_WEEKS
from landmap.reports.brief import make_brief, plan_brief
from tests.conftest import SAMPLE_GPKG
from tests.pdf_reading import creation_date, needs_pdftotext, pdf_text

TODAY = date(2026, 11, 24)
MADE = datetime(2026, 11, 24, 9, 30, tzinfo=SHANGHAI)


def layer(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame.index = frame["id"]
    return frame


def plot(fid: str, name: str, unit: str, contact: str, updated: str | None, status="ready"):
    return {
        "id": fid,
        "name": name,
        "status": status,
        "responsible_unit": unit,
        "contact": contact,
        "updated_at": updated,
    }


@pytest.fixture
def frames() -> dict[str, pd.DataFrame]:
    return {
        "idle_land": layer(
            [
                plot("T-1", "大水井地块", "西区自然资源局", "王某", "2026-11-01"),
                plot("T-2", "陶家渡地块", "西区自然资源局", "李某", "2026-11-20"),
                plot("T-3", "金沙湖地块", "格里坪特色产业园区管委会", "赵某", "2026-03-02"),
                plot("T-4", "清香坪地块", "", "", None),
            ]
        ),
        "roads": layer(
            [
                {
                    **plot("D-1", "金竹路后段", "西区住建局", "吴某", "2026-11-20"),
                    "status": "tendering",
                }
            ]
        ),
    }


MILESTONES = (
    Milestone("idle_land", "T-1", "listed", date(2026, 6, 20)),  # 157 days overdue
    Milestone("roads", "D-1", "under_construction", date(2026, 12, 4)),  # due in 10 days
)


def brief_pdf(frames, lang="zh", **kwargs) -> bytes:
    return make_brief(
        frames,
        pd.DataFrame(),
        MILESTONES,
        TODAY,
        DEFAULT_STALE_WEEKS,
        lang,
        scope="图层：闲置地、道路" if lang == "zh" else "Layers: idle land, roads",
        now=MADE,
        **kwargs,
    )


@needs_pdftotext
def test_the_brief_lists_late_and_stale_work_by_unit_with_contacts(frames):
    pdf = brief_pdf(frames, data_note="数据来源：xiqu.gpkg")
    text = pdf_text(pdf)
    assert "西区土地与项目督办简报" in text
    assert "截至 2026年11月24日（北京时间）" in text
    assert "图层：闲置地、道路" in text and "范围：图层" not in text
    assert "逾期 1 项" in text and "30 天内到期 1 项" in text
    # Stale: T-3 silent since March (8 weeks for idle land), T-4 never updated.
    assert "超期未更新 2 项" in text and "涉及责任单位 4 个" in text
    assert "闲置地 8 周、道路 4 周" in text and "老旧小区" not in text  # the shown layers' weeks
    lines = text.splitlines()

    def line_of(needle: str) -> str:
        return next(line for line in lines if needle in line)

    overdue = line_of("大水井地块")
    assert "逾期 157 天" in overdue and "2026-06-20 前挂牌公告中" in overdue
    assert "王某" in overdue and "2026-11-01" in overdue and "-157" not in text
    assert "10 天后到期" in line_of("金竹路后段")
    assert "38 周未更新" in line_of("金沙湖地块")
    assert "从未更新" in line_of("清香坪地块")
    assert "陶家渡地块" not in text  # updated four days ago, nothing due
    # Units in order of who is most behind; the unit without a name is said so, last.
    order = [
        text.index(u) for u in ("1. 西区自然资源局", "2. 西区住建局", "3. 格里坪特色产业园区管委会")
    ]
    assert order == sorted(order)
    assert "4. （未填写责任单位）" in text
    assert "联系人：王某" in text and "联系人：赵某" in text
    assert "内部资料" in text and "数据来源：xiqu.gpkg" in text


@needs_pdftotext
def test_the_brief_in_english(frames):
    text = pdf_text(brief_pdf(frames, lang="en"))
    assert "follow-up brief" in text and "As of 24 Nov 2026 (Beijing time)" in text
    assert "157 days overdue" in text and "due in 10 days" in text
    assert "never updated" in text and "(no responsible unit)" in text


def test_the_brief_is_one_a4_page_with_the_right_creation_date(frames):
    pdf = brief_pdf(frames)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 1
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box and [round(float(v)) for v in box.groups()] == [595, 842]  # A4 in points
    assert creation_date(pdf) == MADE
    assert b"LandmapSansSC-Regular" in pdf  # the vendored CJK font, embedded


def test_nothing_late_or_stale_says_so(frames):
    quiet = {"idle_land": frames["idle_land"].loc[["T-2"]]}
    plan = plan_brief(
        pd.DataFrame(columns=["layer_id", "feature_id", "state", "days_left", "responsible_unit"]),
        pd.DataFrame(columns=["layer_id", "feature_id", "responsible_unit", "contact"]),
        TODAY,
        "zh",
    )
    assert plan.units == () and plan.overdue == 0
    if shutil.which("pdftotext"):
        text = pdf_text(brief_pdf(quiet))
        assert "当前范围内没有逾期、即将到期或长期未更新的事项" in text


def late_row(n: int, unit: str, days_left: int) -> dict:
    return {
        "layer_id": "idle_land",
        "feature_id": f"L-{unit}-{n}",
        "name": f"{unit}地块{n}",
        "layer": "闲置地",
        "responsible_unit": unit,
        "status": "ready",
        "status_label": "具备供地条件（净地）",
        "target_status": "listed",
        "target_label": "挂牌公告中",
        "due_date": "2026-06-30",
        "days_left": days_left,
        "state": "overdue" if days_left < 0 else "due_soon",
        "state_label": "",
        "contact": "王某",
        "last_update": "2026-03-01",
        "lateness": f"{days_left}",
    }


def stale_row(n: int, unit: str) -> dict:
    return {
        "layer_id": "idle_land",
        "feature_id": f"S-{unit}-{n}",
        "name": f"{unit}旧地块{n}",
        "layer": "闲置地",
        "responsible_unit": unit,
        "contact": "李某",
        "status_label": "已收储",
        "last_update": "2026-01-01",
        "days_since": 300,
        "threshold_weeks": 8,
    }


def test_a_full_page_keeps_overdue_lines_first_shares_room_and_counts_what_is_left_off():
    late = pd.DataFrame(
        [late_row(n, "甲单位", -100 + n) for n in range(30)]
        + [late_row(n, "乙单位", -50 + n) for n in range(5)]
        + [late_row(n, "乙单位", 5 + n) for n in range(3)]
    )
    stale = pd.DataFrame([stale_row(n, "丙单位") for n in range(40)])
    plan = plan_brief(late, stale, TODAY, "zh", max_lines=30)
    by_unit = {u.unit: u for u in plan.units}
    assert list(by_unit) == ["甲单位", "乙单位", "丙单位"]
    # 30 lines less 3 × (heading + a "not listed" line) = 21: overdue lines take turns first.
    assert sum(len(u.lines) for u in plan.units) == 21
    assert {line.kind for line in by_unit["甲单位"].lines} == {"overdue"}
    assert [line.kind for line in by_unit["乙单位"].lines] == ["overdue"] * 5
    assert by_unit["丙单位"].lines == ()  # stale lines come after every overdue one
    assert by_unit["甲单位"].not_listed == 30 - len(by_unit["甲单位"].lines) > 0
    assert by_unit["丙单位"].not_listed == 40 and by_unit["丙单位"].stale == 40
    assert by_unit["甲单位"].lines[0].name == "甲单位地块0"  # most overdue first


@needs_pdftotext
def test_python_m_landmap_brief_writes_the_pdf(tmp_path, capsys):
    data = tmp_path / "live.gpkg"
    shutil.copyfile(SAMPLE_GPKG, data)
    out = tmp_path / "督办简报.pdf"
    assert main(["--data", str(data), "brief", "-o", str(out), "--stale-weeks", "roads=2"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    text = pdf_text(out.read_bytes())
    assert "西区土地与项目督办简报" in text and "范围：全部图层、全部要素" in text
    assert "道路 2 周" in text and "闲置地 8 周" in text
    assert re.search(r"逾期 \d+ 天", text) and "西区住建局" in text
    assert "数据来源：live.gpkg" in text


def test_a_bad_weeks_setting_is_a_usage_error(tmp_path, capsys):
    data = tmp_path / "live.gpkg"
    shutil.copyfile(SAMPLE_GPKG, data)
    out = tmp_path / "brief.pdf"
    assert main(["--data", str(data), "brief", "-o", str(out), "--stale-weeks", "rivers=2"]) == 2
    assert "rivers" in capsys.readouterr().err and not out.exists()
