"""From a district spreadsheet's own column names and wording to the layer registry (pure).

Clerks keep their 台账 in their own words: "宗地编号" for the id, "推进情况" for the status,
"总投资（万元）" for the investment, "2026年5月底" for a date. This module suggests which source
column feeds which field (``suggest_field_mapping``), lets the user correct that and applies it
(``apply_field_mapping``), recognises status wording per layer (``map_status_values``), and reads
the many spellings of dates and numbers (``parse_date``, ``parse_number``).

It suggests; it never guesses silently. A status it does not know is listed, not dropped, and a
cell it cannot read becomes empty with a warning that names the rows.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import pandas as pd

from landmap.ingest.problems import MAX_IDS_SHOWN, ImportProblem, Severity, problem
from landmap.layers import FieldKind, FieldSpec, LayerSpec

REQUIRED_KEYS = ("id", "name", "status")


def _words(text: str) -> tuple[str, ...]:
    """Tables of Chinese headers, written as space-separated words to keep them short."""
    return tuple(text.split())


# Area is computed from the geometry; a source area column is kept only so that the validator can
# compare the two (a factor of 666.67 between them means 亩 and m² were mixed up).
SOURCE_AREA_M2 = "source_area_m2"
SOURCE_AREA_MU = "source_area_mu"
SOURCE_AREA_KEYS = (SOURCE_AREA_M2, SOURCE_AREA_MU)

# --- header synonyms ---------------------------------------------------------------------------
# Field key → header spellings seen in Chinese government spreadsheets, written as
# ``normalize_header`` leaves them (no spaces or brackets, no trailing 时间/日期). A key applies
# only to layers that have that field. The registry's own zh/en labels are matched before these.
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    # 序号 is deliberately absent: it counts rows and is renumbered whenever a row is inserted.
    "id": _words(
        "编号 地块编号 宗地编号 项目编号 小区编号 道路编号 图斑编号 统一编号 代码 地块代码 "
        "宗地代码 项目代码 宗地号 地块号"
    ),
    "name": _words("名称 项目名称 地块名称 宗地名称 小区名称 道路名称 地块名 项目名 小区名 道路名"),
    "status": _words(
        "状态 进度 当前进度 项目进度 推进情况 当前状态 项目状态 进展情况 工作进展 项目进展 "
        "盘活进度 盘活状态 建设状态 建设进度 当前阶段 阶段 实施进度 进展"
    ),
    "subdistrict": _words(
        "街道 所属街道 乡镇街道 街道镇 镇街 街镇 所属镇街 所属街镇 街道办 所在街道 所属乡镇街道"
    ),
    "community": _words("社区 所属社区 所在社区 村社区 社区村"),
    "address": _words(
        "位置 坐落 地址 宗地坐落 详细地址 具体位置 地块位置 项目地址 坐落位置 项目位置 所在位置 "
        "小区地址 土地坐落"
    ),
    "responsible_unit": _words("责任单位 牵头单位 实施主体 实施单位 责任部门 牵头部门"),
    "contact": _words("联系人 联系电话 联系方式 责任人 联系人及电话"),
    "data_source": _words("数据来源 来源 资料来源"),
    "coord_quality": _words("坐标质量 坐标精度"),
    "updated_at": _words("更新 填报 统计 更新于"),
    "remarks": _words("备注 说明 备注说明"),
    # idle_land
    "land_category": _words("用地类型 土地类型 存量类型 类型 类别 地块类型"),
    "owner_level": _words("权属主体 权属类型 企业性质 单位性质"),
    "owner_name": _words("权属人 权属单位 土地使用权人 使用权人 产权单位 权利人"),
    "current_use": _words("现状用途 现状 土地现状 现用途 利用现状 现状情况"),
    "planned_use_text": _words("规划用途 规划性质 用地性质 土地用途 规划用地性质"),
    "far_max": _words("容积率 容积率上限 最大容积率"),
    "site_readiness": _words("基础设施条件 基础设施配套 配套情况 基础设施 配套条件"),
    "target_industry": _words("招商方向 意向产业 产业方向 拟引进产业 招商产业"),
    "start_price_wan": _words("起始价 挂牌起始价 起拍价 挂牌价 挂牌起始价格"),
    "constraints": _words("制约因素 存在问题 主要问题 问题及困难 存在困难"),
    "idle_since": _words("闲置起算日 闲置起算 闲置起始 开始闲置 闲置"),
    "reserve_date": _words("收储"),
    "listing_start": _words("挂牌起始日 挂牌 挂牌开始 挂牌起始"),
    # shantytown
    "project_name": _words("棚改项目 棚改项目名称 所属棚改项目 所属项目"),
    "original_owner": _words("原权属单位 原产权单位 原权属人 原使用权人"),
    "households_total": _words("征收户数 总户数 涉及户数 应征收户数"),
    "households_signed": _words("已签约户数 签约户数 已签约"),
    "vacated_date": _words("腾空"),
    "demolished_date": _words("拆除"),
    # renovation
    "build_year": _words("建成年代 建成年份 建成 建设年代 建成年度"),
    "building_count": _words("楼栋数 栋数 幢数 楼栋"),
    "household_count": _words("户数 居民户数 总户数 受益户数 涉及户数"),
    "floor_area_m2": _words("建筑面积 总建筑面积 改造建筑面积"),
    "property_type": _words("产权性质 产权类型 房屋性质"),
    "renovation_tier": _words("改造类别 改造类型"),
    "renovation_items": _words("改造内容 主要改造内容 建设内容"),
    "elevators_added": _words("加装电梯数 加装电梯 电梯数 加装电梯数量"),
    "plan_year": _words("计划年度 年度 改造年度 实施年度 计划年份"),
    # shared by renovation and roads
    "investment_wan": _words("总投资 项目总投资 估算总投资 计划总投资 总投资额 投资额"),
    "invested_to_date_wan": _words(
        "完成投资 累计完成投资 已完成投资 累计投资 累计完成投资额 已完成投资额"
    ),
    "progress_pct": _words("形象进度 进度% 形象进度% 完成进度% 工程进度% 完成比例 完成率 工程进度"),
    "contractor": _words("施工单位 承建单位 中标单位 施工方"),
    "planned_start": _words("计划开工 拟开工 计划开工日"),
    "actual_start": _words("实际开工 开工 开工日"),
    "planned_finish": _words("计划完工 计划竣工 计划完成 拟完工"),
    "actual_finish": _words("实际完工 实际竣工 完工 竣工"),
    # roads
    "road_class": _words("道路等级 等级"),
    "construction_type": _words("建设性质 建设类型"),
    "from_point": _words("起点"),
    "to_point": _words("终点"),
    "row_width_m": _words("红线宽度 道路宽度 路幅宽度 宽度 道路红线宽度"),
    "lanes": _words("车道数 车道"),
    "owner_unit": _words("建设单位 业主单位 项目业主 业主"),
    "issues": _words("存在问题 问题 主要问题 存在困难"),
    "land_clearance_pct": _words("征拆完成率 征拆进度 征拆进度% 征地拆迁进度 征拆完成比例"),
}

# Headers of a plot's area as the source states it; the unit in the header decides the key.
AREA_HEADERS = _words(
    "面积 用地面积 出让面积 占地面积 宗地面积 土地面积 地块面积 总面积 "
    "闲置面积 净地面积 腾空面积 供地面积"
)

# Row counters, never an id (see FIELD_SYNONYMS["id"]).
ROW_COUNTER_HEADERS = frozenset({"序号", "序", "行号", "排序"})

# Scores: a header that is the field key beats the registry label, which beats a synonym.
_SCORE_KEY, _SCORE_LABEL, _SCORE_SYNONYM = 3, 2, 1
# Except a bare "id": GIS software writes one on its own (GDAL turns a GeoJSON feature id into
# an "id" column, and geopandas' to_json numbers the rows 0, 1, 2 there), so a clerk's 编号
# column beats it; alone, "id" is still taken.
_SCORE_BARE_ID = 0


# --- status synonyms ---------------------------------------------------------------------------
# Layer id → status code → wordings, compared after ``_status_key`` (NFKC, no spaces). The code
# itself and the registry's zh/en labels are always accepted as well.
_ON_HOLD = _words("暂缓 停滞 停工 暂停 搁置 缓建")
_LAND_SUPPLY = {
    "reserved": _words("已收储 储备 已储备 收储完成 纳入储备"),
    "ready": _words("净地 具备供地条件 已具备供地条件 具备出让条件"),
    "listed": _words("已挂牌 挂牌中 已公告 挂牌 公告中 挂牌出让中"),
    "supplied": _words("已出让 已成交 已划拨 已供地 已供应 出让完成"),
    "on_hold": _ON_HOLD,
}
STATUS_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "idle_land": {
        "identified": _words("已摸排 已登记 摸排 已调查 已认定"),
        "promoting": _words("招商中 推介中 招商推介 招商 正在招商"),
        "under_construction": _words("已开工 在建 建设中 施工中"),
        "revitalised": _words("已建成 已投产 已盘活 盘活完成 建成投产"),
        **_LAND_SUPPLY,
    },
    "shantytown": {
        "vacating": _words("腾退中 征收中 签约中 征收腾退 搬迁中 腾退"),
        "vacated": _words("已腾空 腾空 已搬迁 搬迁完毕"),
        "demolished": _words("已拆除 拆除完毕 拆除完成"),
        **_LAND_SUPPLY,
    },
    "renovation": {
        "planned": _words("计划 已纳入计划 纳入计划 已纳入年度计划 年度计划"),
        "preparing": _words("前期 前期工作 方案设计 意愿征询 设计中 立项 前期准备"),
        "tendering": _words("招标 招投标 挂网 招标中 招投标中 已挂网"),
        "under_construction": _words("在建 施工中 已开工 开工 正在施工"),
        "works_completed": _words("完工 已完工 施工完成"),
        "accepted": _words("验收 已验收 竣工验收 已竣工验收 验收完成"),
        "on_hold": _ON_HOLD,
    },
    "roads": {
        "planning": _words("谋划 规划 规划谋划 项目谋划 入库 已入库 谋划中"),
        "preliminary": _words("前期 前期工作 立项 可研 初设 初步设计 施工图设计 可研批复"),
        "land_clearance": _words("征拆 征地拆迁 征拆中 征地拆迁中"),
        "tendering": _words("招标 招投标 招标中 挂网"),
        "under_construction": _words("在建 施工中 已开工 正在施工"),
        "open_to_traffic": _words("通车 已通车 交工 已交工 已交工通车 交工通车"),
        "accepted": _words("竣工验收 已竣工验收 已验收"),
        "on_hold": _ON_HOLD,
    },
}


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldMapping:
    """A suggestion: which source column feeds which field."""

    mapping: dict[str, str]  # source column → field key (or a SOURCE_AREA_KEYS pseudo key)
    unmapped: tuple[str, ...]  # source columns that feed nothing
    missing_required: tuple[str, ...]  # among REQUIRED_KEYS, the fields no column feeds


@dataclass(frozen=True)
class StatusMapping:
    codes: dict[str, str]  # raw value → status code
    unknown: tuple[str, ...]  # raw values that match nothing, in order of first appearance


DatePrecision = Literal["day", "month", "year"]


@dataclass(frozen=True)
class ParsedDate:
    iso: str  # YYYY-MM-DD
    precision: DatePrecision  # "month": the day was not given and the 1st is used


# --- text normalisation ------------------------------------------------------------------------

_BRACKETED = re.compile(r"[(\[【{〔<《][^)\]】}〕>》]*[)\]】}〕>》]")
_TRAILING_DATE_WORD = re.compile(r"(时间|日期)$")
_MARKERS = "*:※#＊・"
# Units a header may end with once its brackets are gone ("总投资万元", "面积亩").
_HEADER_UNIT_SUFFIX = re.compile(r"(万元|亿元|元|亩|平方米|m2|公顷|hm2|%|km|m|户|栋|个|部|条)$")


def _nfkc(text: object) -> str:
    # NFKC turns full-width letters, digits and brackets into ASCII and ㎡ into "m2".
    return unicodedata.normalize("NFKC", str(text))


def normalize_header(text: object) -> str:
    """A column name reduced to what identifies it, for matching.

    Full-width/half-width, case, spaces and line breaks, bracketed units and a trailing
    时间/日期 are ignored; a bracketed percent sign is kept, because "进度（%）" is a progress
    percentage while "进度" is a status. ``normalize_header("总投资（万元）") == "总投资"``.
    """
    s = re.sub(r"\s+", "", _nfkc(text).lower())
    s = _BRACKETED.sub(lambda m: "%" if "%" in m.group() else "", s)
    s = s.strip(_MARKERS)
    without_date_word = _TRAILING_DATE_WORD.sub("", s)
    return without_date_word or s


# Checked in this order: "平方公里" must not be read as 平方米, nor "万元" as 元.
_HEADER_UNITS = (
    ("km2", r"平方公里|平方千米|km2"),
    ("ha", r"公顷|hm2|\(ha\)"),
    ("m2", r"平方米|m2|平米"),
    ("亩", r"亩"),
    ("亿元", r"亿元"),
    ("万元", r"万元"),
    ("元", r"元"),
    ("%", r"%"),
)


def header_unit(text: object) -> str | None:
    """The unit a header states: 亩, m2, ha, km2, 元, 万元, 亿元, % (or None)."""
    s = re.sub(r"\s+", "", _nfkc(text).lower())
    for unit, pattern in _HEADER_UNITS:
        if re.search(pattern, s):
            return unit
    return None


def _status_key(text: object) -> str:
    return re.sub(r"\s+", "", _nfkc(text).lower()).strip("。.;；,，!！")


# --- field mapping -----------------------------------------------------------------------------


def _field_keys(layer: LayerSpec) -> tuple[str, ...]:
    return (*REQUIRED_KEYS, *(f.key for f in layer.all_fields))


def _header_lookup(layer: LayerSpec) -> dict[str, tuple[str, int]]:
    """Normalised header → (field key, score); the first, highest-scoring entry wins."""
    lookup: dict[str, tuple[str, int]] = {}
    keys = _field_keys(layer)
    for key in keys:
        lookup.setdefault(normalize_header(key), (key, _SCORE_KEY))
    lookup["id"] = ("id", _SCORE_BARE_ID)
    for spec in layer.all_fields:
        for label in (spec.label.zh, spec.label.en):
            lookup.setdefault(normalize_header(label), (spec.key, _SCORE_LABEL))
    for key in keys:
        for synonym in FIELD_SYNONYMS.get(key, ()):
            lookup.setdefault(normalize_header(synonym), (key, _SCORE_SYNONYM))
    return lookup


def _match_header(header: str, lookup: Mapping[str, tuple[str, int]]) -> tuple[str, int] | None:
    normalized = normalize_header(header)
    if normalized in ROW_COUNTER_HEADERS:
        return None
    # "总投资万元" has no brackets around its unit; try again without it.
    candidates = (normalized, _HEADER_UNIT_SUFFIX.sub("", normalized))
    for candidate in candidates:
        if candidate in lookup:
            return lookup[candidate]
        if candidate in AREA_HEADERS:
            unit = header_unit(header)
            return (SOURCE_AREA_MU if unit == "亩" else SOURCE_AREA_M2), _SCORE_SYNONYM
    return None


def suggest_field_mapping(columns: Sequence[str], layer: LayerSpec) -> FieldMapping:
    """Which source column feeds which of ``layer``'s fields, as a suggestion to confirm.

    Matched in order of strength: the field key itself ("owner_name"), the registry's zh or en
    label ("权属单位"), then ``FIELD_SYNONYMS`` ("土地使用权人"); a bare "id" column ranks last,
    as GIS software adds one of its own. An area column maps to the pseudo key
    ``source_area_mu`` when its header says 亩, else ``source_area_m2``. 序号 maps to nothing.
    No field is fed by two columns: the stronger match wins (the leftmost on a tie) and the
    other column is reported in ``unmapped``.
    """
    lookup = _header_lookup(layer)
    chosen: dict[str, tuple[int, str]] = {}  # field key → (score, column)
    for column in columns:
        match = _match_header(column, lookup)
        if match is None:
            continue
        key, score = match
        if key not in chosen or score > chosen[key][0]:
            chosen[key] = (score, column)
    by_column = {column: key for key, (_score, column) in chosen.items()}
    mapping = {c: by_column[c] for c in columns if c in by_column}
    return FieldMapping(
        mapping=mapping,
        unmapped=tuple(c for c in columns if c not in mapping),
        missing_required=tuple(k for k in REQUIRED_KEYS if k not in mapping.values()),
    )


def find_id_column(columns: Iterable[str]) -> str | None:
    """The first column that holds feature ids (编号, 宗地编号 …; never 序号), or None."""
    names = {normalize_header(n) for n in ("id", *FIELD_SYNONYMS["id"])}
    for column in columns:
        normalized = normalize_header(column)
        if normalized in names and normalized not in ROW_COUNTER_HEADERS:
            return column
    return None


# --- status values -----------------------------------------------------------------------------


def _status_lookup(layer: LayerSpec) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for status in layer.statuses:
        zh = status.label.zh
        # "具备供地条件（净地）": the whole label, the part before the bracket and the bracketed
        # words are all accepted ("在建（已开工）" → 在建, 已开工).
        inside = re.findall(r"[（(]([^）)]*)[）)]", zh)
        parts = [status.code, zh, status.label.en, _BRACKETED.sub("", _nfkc(zh))]
        parts += [p for group in inside for p in re.split(r"[/、,，]", group)]
        for part in parts:
            if part.strip():
                lookup.setdefault(_status_key(part), status.code)
    for code, wordings in STATUS_SYNONYMS.get(layer.id, {}).items():
        if code in layer.status_codes:
            for wording in wordings:
                lookup.setdefault(_status_key(wording), code)
    return lookup


def _match_status(value: str, lookup: Mapping[str, str]) -> str | None:
    key = _status_key(value)
    if key in lookup:
        return lookup[key]
    # "已挂牌（2026.3）": a note in brackets after a known status does not change it.
    bare = _BRACKETED.sub("", key)
    return lookup.get(bare) if bare else None


def map_status_values(values: Iterable[object], layer: LayerSpec) -> StatusMapping:
    """Status codes for the raw status values of a source table.

    Accepted per value: the code ("listed"), the registry's zh or en label ("挂牌公告中",
    "Listed for sale") and the wordings in ``STATUS_SYNONYMS`` for this layer ("已挂牌"), ignoring
    spaces, case and full-width forms. Anything else is listed in ``unknown`` for the user to
    map; nothing is dropped or guessed. Blank values are skipped (the validator reports them).
    """
    lookup = _status_lookup(layer)
    codes: dict[str, str] = {}
    unknown: dict[str, None] = {}
    for raw in values:
        if _is_blank(raw):
            continue
        text = str(raw)
        if text in codes or text in unknown:
            continue
        code = _match_status(text, lookup)
        if code is None:
            unknown[text] = None
        else:
            codes[text] = code
    return StatusMapping(codes=codes, unknown=tuple(unknown))


# --- dates -------------------------------------------------------------------------------------

_SEP = r"\s*[年./\-_]\s*"
_TIME = r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DAY = re.compile(rf"^(\d{{4}}){_SEP}(\d{{1,2}})\s*[月./\-_]\s*(\d{{1,2}})\s*[日号]?{_TIME}$")
_MONTH = re.compile(rf"^(\d{{4}}){_SEP}(\d{{1,2}})\s*月?(?:份)?$")
_YEAR = re.compile(r"^(\d{4})\s*(?:年|年度)?$")
_COMPACT_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YEARS = (1900, 2100)
# Excel stores dates as days since 1899-12-30; 10 000 … 80 000 is 1927 … 2119.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_SERIALS = (10_000, 80_000)


def _date(year: int, month: int, day: int) -> dt.date | None:
    if not _YEARS[0] <= year <= _YEARS[1]:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _parsed(year: int, month: int, day: int, precision: DatePrecision) -> ParsedDate | None:
    found = _date(year, month, day)
    return ParsedDate(found.isoformat(), precision) if found else None


def _date_from_number(number: float) -> ParsedDate | None:
    if number.is_integer() and _YEARS[0] <= number <= _YEARS[1]:
        return _parsed(int(number), 1, 1, "year")
    if number.is_integer() and 19_000_101 <= number <= 21_001_231:
        n = int(number)
        return _parsed(n // 10_000, n // 100 % 100, n % 100, "day")
    if _EXCEL_SERIALS[0] <= number <= _EXCEL_SERIALS[1]:
        day = _EXCEL_EPOCH + dt.timedelta(days=int(number))
        return ParsedDate(day.isoformat(), "day")
    return None


def _date_from_text(text: str) -> ParsedDate | None:
    s = _nfkc(text).strip()
    for pattern in (_DAY, _COMPACT_DAY):
        m = pattern.match(s)
        if m:
            return _parsed(int(m[1]), int(m[2]), int(m[3]), "day")
    m = _MONTH.match(s)
    if m:
        return _parsed(int(m[1]), int(m[2]), 1, "month")
    m = _YEAR.match(s)
    if m:
        return _parsed(int(m[1]), 1, 1, "year")
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return _date_from_number(float(s))
    return None


def parse_date_parts(value: object) -> ParsedDate | None:
    """Like ``parse_date``, but says whether the day (or the month) was really given."""
    if _is_blank(value) or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime | pd.Timestamp):
        return ParsedDate(value.date().isoformat(), "day")
    if isinstance(value, dt.date):
        return ParsedDate(value.isoformat(), "day")
    if isinstance(value, int | float):
        return _date_from_number(float(value))
    return _date_from_text(str(value))


def parse_date(value: object) -> str | None:
    """A date as "YYYY-MM-DD", from the spellings found in Chinese spreadsheets, or None.

    Read: "2026年5月31日" (also 号), "2026.5.31", "2026/05/31", "2026-5-31", "2026-05-31 08:00",
    "20260531", date and datetime objects, and Excel day numbers (10 000 … 80 000, i.e. a date
    cell exported as a number). Month only ("2026-5", "2026年5月", "2026.5") gives the 1st of the
    month and a year only ("2026", "2026年") 1 January: ``parse_date_parts`` tells the caller so
    it can flag them. Not read (None): impossible dates (2026-02-30), years outside 1900–2100,
    two-digit years, and words such as "2026年6月底" or "上半年" (never guessed).
    """
    parsed = parse_date_parts(value)
    return parsed.iso if parsed else None


# --- numbers -----------------------------------------------------------------------------------

# What clerks type for "no value" (compared lower-cased, after NFKC); Excel's error values too.
_PLACEHOLDERS = frozenset(
    _words(r"- -- — —— – / \ 无 暂无 待定 不详 未知 空 na n/a null none nan")
    + _words("#n/a #value! #ref! #div/0!")
)
_SCALES = {"万": 1e4, "亿": 1e8}
# Units that only name what is counted; the number is the same without them.
_COUNT_UNITS = r"元|户|栋|幢|部|台|个|条|处|人|车道|米|m|%"
_NUMBER = re.compile(
    r"^(?:约|大约|~|≈)?"
    r"(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[+-]?\d+)?|[+-]?\.\d+)"
    rf"(?P<scale>万|亿)?(?P<unit>{_COUNT_UNITS})?$"
)


def parse_number(value: object) -> float | None:
    """A number from a spreadsheet cell, or None when the cell holds none.

    Rules: numbers pass through (NaN → None; True/False → None). Text is read after NFKC, so
    full-width digits and signs work ("１２３" → 123.0), and spaces are ignored. Thousands
    separators are accepted only in groups of three ("1,234.5" → 1234.5; "101,5" → None, never
    a decimal comma). "万" and "亿" scale ("12.5万" → 125000.0, "3亿元" → 300000000.0). A
    trailing counting unit (元 户 栋 幢 部 台 个 条 处 人 车道 米 m %) is dropped without scaling:
    "85%" → 85.0, not 0.85. A leading 约/~/≈ ("about") is dropped. Placeholders ("—", "-", "/",
    "无", "待定", "#N/A" …), area units (亩, ㎡: the header says which), ranges ("50-60") and
    any other text give None.
    """
    if isinstance(value, bool) or _is_blank(value):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    s = re.sub(r"\s+", "", _nfkc(value).lower())
    if s in _PLACEHOLDERS:
        return None
    m = _NUMBER.match(s)
    if not m:
        return None
    number = float(m["num"].replace(",", ""))
    if not math.isfinite(number):
        return None
    return number * _SCALES.get(m["scale"] or "", 1.0)


def _has_money_unit(value: object) -> bool:
    return isinstance(value, str) and bool(re.search(r"[万亿元]\s*$", _nfkc(value)))


# --- applying a mapping ------------------------------------------------------------------------


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and not value.strip()


def format_row_numbers(rows: Sequence[object], limit: int = MAX_IDS_SHOWN) -> str:
    """The first ``limit`` row numbers of a problem, then "…": ``"3, 5, 9, …"``."""
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (", …" if len(rows) > limit else "")


def _text(value: object) -> str | None:
    if _is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id typed as a number in Excel: 1001.0 → "1001"
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return unicodedata.normalize("NFC", str(value).strip())


@dataclass
class _Column:
    """One target column being filled, with the rows whose cells could not be read."""

    key: str
    header: str
    values: list[object]
    unreadable: list[tuple[object, object]]  # (row label, raw value)
    month_only: list[object]


def _convert(raw: pd.Series, key: str, header: str, kind: FieldKind) -> _Column:
    column = _Column(key, header, [], [], [])
    convert = _CONVERTERS.get(kind, _convert_text)
    for label, value in raw.items():
        column.values.append(convert(value, header, column, label))
    return column


def _convert_text(value: object, _header: str, _column: _Column, _label: object) -> object:
    return _text(value)


def _unreadable(column: _Column, label: object, value: object) -> None:
    column.unreadable.append((label, value))


def _is_placeholder(value: object) -> bool:
    return re.sub(r"\s+", "", _nfkc(value).lower()) in _PLACEHOLDERS


def _convert_float(value: object, _header: str, column: _Column, label: object) -> object:
    number = parse_number(value)
    if number is None and not _is_blank(value) and not _is_placeholder(value):
        _unreadable(column, label, value)
    return number


def _convert_int(value: object, header: str, column: _Column, label: object) -> object:
    number = _convert_float(value, header, column, label)
    if number is None:
        return None
    if not float(number).is_integer():
        _unreadable(column, label, value)
        return None
    return int(number)


_YEAR_TEXT = re.compile(r"^(\d{4})\s*(?:年|年度|年代|s)?$")


def _convert_year(value: object, _header: str, column: _Column, label: object) -> object:
    if _is_blank(value):
        return None
    if isinstance(value, dt.date):
        return value.year
    m = _YEAR_TEXT.match(_nfkc(value).strip().removesuffix(".0"))
    if m and _YEARS[0] <= int(m[1]) <= _YEARS[1]:
        return int(m[1])
    _unreadable(column, label, value)
    return None


def _convert_date(value: object, _header: str, column: _Column, label: object) -> object:
    if _is_blank(value):
        return None
    parsed = parse_date_parts(value)
    if parsed is None:
        _unreadable(column, label, value)
        return None
    if parsed.precision != "day":
        column.month_only.append(label)
    return parsed.iso


# Header unit → factor to 万元; a bare header means the cells are already 万元 (as the registry).
_TO_WAN = {"元": 1e-4, "万元": 1.0, "亿元": 1e4}


def _convert_money(value: object, header: str, column: _Column, label: object) -> object:
    number = _convert_float(value, header, column, label)
    if number is None:
        return None
    if _has_money_unit(value):
        return number / 1e4  # the cell says its own unit; parse_number gave yuan
    return number * _TO_WAN.get(header_unit(header) or "万元", 1.0)


def _convert_choice(value: object, _header: str, _column: _Column, _label: object) -> object:
    return _text(value)  # matched to codes afterwards, column-wide (``_choice_codes``)


_CONVERTERS: dict[FieldKind, Callable[[object, str, _Column, object], object]] = {
    FieldKind.TEXT: _convert_text,
    FieldKind.INT: _convert_int,
    FieldKind.FLOAT: _convert_float,
    FieldKind.DATE: _convert_date,
    FieldKind.YEAR: _convert_year,
    FieldKind.MONEY_WAN: _convert_money,
    FieldKind.PERCENT: _convert_float,
    FieldKind.CHOICE: _convert_choice,
}

_AREA_TO_M2 = {"km2": 1e6, "ha": 1e4, "m2": 1.0, None: 1.0}


def _convert_area(raw: pd.Series, key: str, header: str) -> _Column:
    column = _Column(key, header, [], [], [])
    factor = 1.0 if key == SOURCE_AREA_MU else _AREA_TO_M2.get(header_unit(header), 1.0)
    for label, value in raw.items():
        number = _convert_float(value, header, column, label)
        column.values.append(None if number is None else number * factor)
    return column


def _choice_codes(column: _Column, spec: FieldSpec) -> list[str]:
    """Replace zh/en labels of a CHOICE field by codes; return the values that match nothing."""
    lookup: dict[str, str] = {}
    for code, label in (spec.choices or {}).items():
        for text in (code, label.zh, label.en):
            lookup.setdefault(_status_key(text), code)
    unknown: dict[str, None] = {}
    for i, value in enumerate(column.values):
        if value is None:
            continue
        code = lookup.get(_status_key(value))
        if code is None:
            unknown[str(value)] = None  # kept as written; shown verbatim, listed for the user
        else:
            column.values[i] = code
    return list(unknown)


def _percent_fractions(column: _Column, raw: pd.Series) -> bool:
    """True when a percent column holds Excel fractions (0.85 for 85 %): scaled ×100 then."""
    numbers = [v for v in column.values if isinstance(v, float)]
    fractional = any(0 < v < 1 for v in numbers)
    explicit = any(isinstance(v, str) and "%" in _nfkc(v) for v in raw)  # "0.5%" means 0.5
    if explicit or not fractional or any(v > 1 for v in numbers):
        return False
    column.values = [v * 100 if isinstance(v, float) else v for v in column.values]
    return True


def _mapping_errors(
    frame: pd.DataFrame, mapping: Mapping[str, str], layer: LayerSpec
) -> list[ImportProblem]:
    errors: list[ImportProblem] = []
    allowed = set(_field_keys(layer)) | set(SOURCE_AREA_KEYS)
    missing = [c for c in mapping if c not in frame.columns]
    if missing:
        errors.append(
            problem(
                "mapping_unknown_column",
                "字段对照中的列在表格中不存在：{columns}。",
                "The field mapping names columns that are not in the table: {columns}.",
                columns="、".join(missing),
            )
        )
    wrong = sorted({k for k in mapping.values() if k not in allowed})
    if wrong:
        errors.append(
            problem(
                "mapping_unknown_field",
                "字段对照中有本图层没有的字段：{fields}。",
                "The field mapping names fields this layer does not have: {fields}.",
                fields="、".join(wrong),
            )
        )
    targets = list(mapping.values())
    for key in dict.fromkeys(k for k in targets if targets.count(k) > 1):
        sources = [c for c, k in mapping.items() if k == key]
        errors.append(
            problem(
                "mapping_duplicate_field",
                "“{field}”对应了多列（{columns}），只能选一列。",
                "Several columns ({columns}) feed “{field}”; choose one.",
                field=_field_label(layer, key),
                columns="、".join(sources),
            )
        )
    return errors


def _field_label(layer: LayerSpec, key: str) -> str:
    names = {"id": "编号", "name": "名称", "status": "状态"}
    names.update({f.key: f.label.zh for f in layer.all_fields})
    names.update({SOURCE_AREA_M2: "面积（m²）", SOURCE_AREA_MU: "面积（亩）"})
    return names.get(key, key)


def _missing_required(mapping: Mapping[str, str], layer: LayerSpec) -> list[ImportProblem]:
    missing = [k for k in REQUIRED_KEYS if k not in mapping.values()]
    if not missing:
        return []
    # A warning, not an error: an update by id may rightly carry only a few fields; the
    # validator turns the consequences (rows without id or status) into errors where they are.
    return [
        problem(
            "required_column_missing",
            "表格中没有找到对应“{fields}”的列，请在字段对照中指定；不指定则这些项为空。",
            "No column was found for {fields_en}; choose one in the field mapping, or these "
            "stay empty.",
            severity=Severity.WARNING,
            fields="”“".join(_field_label(layer, k) for k in missing),
            fields_en=", ".join(missing),
        )
    ]


def _column_problems(
    column: _Column, layer: LayerSpec, ids: Mapping[object, str | None]
) -> list[ImportProblem]:
    found: list[ImportProblem] = []
    label = _field_label(layer, column.key)
    if column.unreadable:
        rows = [r for r, _v in column.unreadable]
        examples = "、".join(dict.fromkeys(str(v) for _r, v in column.unreadable[:5]))
        found.append(
            problem(
                "value_unreadable",
                "“{column}”列（{field}）第 {rows} 行的值无法识别（如“{examples}”），已留空。",
                "Column “{column}” ({field}): the values in row(s) {rows} could not be read "
                "(e.g. “{examples}”) and were left empty.",
                severity=Severity.WARNING,
                feature_ids=_ids_at(rows, ids),
                column=column.header,
                field=label,
                rows=format_row_numbers(rows),
                examples=examples,
            )
        )
    if column.month_only:
        found.append(
            problem(
                "date_month_only",
                "“{column}”列第 {rows} 行只写了年或年月，日期按当月（当年）1日记录，请核对。",
                "Column “{column}”: row(s) {rows} give only a year or month; the 1st was used. "
                "Please check.",
                severity=Severity.WARNING,
                feature_ids=_ids_at(column.month_only, ids),
                column=column.header,
                rows=format_row_numbers(column.month_only),
            )
        )
    return found


def _ids_at(rows: Sequence[object], ids: Mapping[object, str | None]) -> list[str]:
    """The ids of these rows, where the id column has one (problems name features by id)."""
    return [i for i in (ids.get(r) for r in rows) if i]


def apply_field_mapping(
    frame: gpd.GeoDataFrame, mapping: Mapping[str, str], layer: LayerSpec
) -> tuple[gpd.GeoDataFrame, list[ImportProblem]]:
    """The table with the layer's columns, filled from the source columns in ``mapping``.

    The result has ``id``, ``name``, ``status``, every field of the layer (empty where nothing
    feeds it), any mapped ``source_area_*`` column and the geometry; index and CRS are kept.
    Values are converted by field kind: dates to "YYYY-MM-DD", numbers with ``parse_number``,
    money to 万元 (the header's 元/亿元, or a 万/元 in the cell, is honoured), fractions in a
    percent column (0.85) to percent, CHOICE labels to codes. Status values stay as written:
    ``map_status_values`` and the user's corrections turn them into codes. A cell that cannot
    be read becomes empty and is reported with its row; a mapping that names an unknown
    column or field, or feeds one field from two columns, is an error.
    """
    errors = _mapping_errors(frame, mapping, layer)
    if errors:
        return _empty_registry_frame(frame, layer), errors
    problems = _missing_required(mapping, layer)
    specs = {f.key: f for f in layer.all_fields}
    source_of = {key: column for column, key in mapping.items()}
    out = _empty_registry_frame(frame, layer)
    id_column = source_of.get("id")
    ids = {} if id_column is None else {k: _text(v) for k, v in frame[id_column].items()}
    for key, source in source_of.items():
        column = _fill(frame[source], key, source, specs.get(key))
        kind = specs[key].kind if key in specs else FieldKind.TEXT
        if kind is FieldKind.PERCENT and _percent_fractions(column, frame[source]):
            problems.append(_fractions_problem(source))
        if kind is FieldKind.CHOICE:
            problems += _unknown_choices(column, specs[key], source)
        problems += _column_problems(column, layer, ids)
        out[key] = pd.Series(column.values, index=frame.index, dtype=object)
    return out, problems


def _fill(raw: pd.Series, key: str, header: str, spec: FieldSpec | None) -> _Column:
    if key in SOURCE_AREA_KEYS:
        return _convert_area(raw, key, header)
    return _convert(raw, key, header, spec.kind if spec else FieldKind.TEXT)


def _empty_registry_frame(frame: gpd.GeoDataFrame, layer: LayerSpec) -> gpd.GeoDataFrame:
    columns = {key: pd.Series(None, index=frame.index, dtype=object) for key in _field_keys(layer)}
    return gpd.GeoDataFrame(columns, geometry=frame.geometry, crs=frame.crs)


def _fractions_problem(header: str) -> ImportProblem:
    return problem(
        "percent_as_fraction",
        "“{column}”列的数值在 0–1 之间，按百分比的小数处理（0.85 → 85%），请核对。",
        "Column “{column}” holds values between 0 and 1; they were read as fractions "
        "(0.85 → 85 %). Please check.",
        severity=Severity.WARNING,
        column=header,
    )


def _unknown_choices(column: _Column, spec: FieldSpec, header: str) -> list[ImportProblem]:
    unknown = _choice_codes(column, spec)
    if not unknown:
        return []
    allowed = "、".join(label.zh for label in (spec.choices or {}).values())
    return [
        problem(
            "choice_unknown",
            "“{column}”列（{field}）有不在规定选项中的值：{values}，已按原文保存。"
            "规定选项：{allowed}。",
            "Column “{column}” ({field}) has values outside the listed choices: {values}; they "
            "were kept as written. Choices: {allowed}.",
            severity=Severity.WARNING,
            column=header,
            field=spec.label.zh,
            values="、".join(unknown),
            allowed=allowed,
        )
    ]
