"""The layer registry: every fact about a layer lives here, once.

A layer is one table of the store (named by the layer id). Its spec says what it is called in
Chinese and English, which geometry it holds, which status codes it knows (with labels and
colours), and which fields it carries. Everything else — the map, the filters, the detail panel,
the summary, the README check — reads from here, so a fifth layer is one more ``LayerSpec``.

Status codes and fields follow ../shared/docs/domain-china.md §6–§7.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class Label:
    """A text in both UI languages."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


class GeometryKind(StrEnum):
    POLYGON = "polygon"
    LINE = "line"
    POINT = "point"


class FieldKind(StrEnum):
    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    DATE = "date"
    YEAR = "year"
    MONEY_WAN = "money_wan"  # 万元 (10 000 CNY)
    PERCENT = "percent"  # 0–100
    CHOICE = "choice"  # a code with labels in ``choices``
    CHOICES = "choices"  # several codes of ``choices``, stored comma-separated ("road,power")


@dataclass(frozen=True)
class StatusSpec:
    code: str
    label: Label
    color: str
    # Statuses that mean "stopped" are drawn with a dark outline so they stand out at any fill.
    outline: str | None = None
    dashed: bool = False


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: Label
    kind: FieldKind = FieldKind.TEXT
    choices: Mapping[str, Label] | None = None
    # Whether an investor may see it (investor mode, see docs/product.md). Internal facts —
    # disputes, holdouts, contacts — are False so they never reach a public payload.
    public: bool = True
    # Progress that editors keep up to date (status updates with history, ledgers). The
    # other fields change only through an import.
    tracked: bool = False

    def display(self, value: object, lang: str) -> str:
        """Render a stored value as text for the detail panel and the table."""
        if value is None or (isinstance(value, float) and value != value):
            return "—"
        if self.kind is FieldKind.CHOICE and self.choices and str(value) in self.choices:
            return self.choices[str(value)].get(lang)
        if self.kind is FieldKind.CHOICES and self.choices:
            codes = split_codes(value)
            if not codes:
                return "—"
            labels = [self.choices[c].get(lang) if c in self.choices else c for c in codes]
            return ("、" if lang != "en" else ", ").join(labels)
        if self.kind is FieldKind.MONEY_WAN:
            return f"{float(value):,.0f} {'万元' if lang != 'en' else '×10k CNY'}"
        if self.kind is FieldKind.PERCENT:
            return f"{float(value):.0f}%"
        if self.kind in (FieldKind.INT, FieldKind.YEAR):
            try:
                return str(int(float(value)))
            except (TypeError, ValueError):
                return str(value)
        if self.kind is FieldKind.FLOAT:
            try:
                return f"{float(value):g}"
            except (TypeError, ValueError):
                return str(value)
        if self.kind is FieldKind.DATE:
            return str(value)[:10]
        return str(value)


@dataclass(frozen=True)
class LayerSpec:
    id: str
    name: Label
    short_name: Label
    geometry: GeometryKind
    statuses: tuple[StatusSpec, ...]
    # The layer's own fields, shown in the detail panel after the common ones.
    fields: tuple[FieldSpec, ...] = field(default=())
    # Investor mode (docs/product.md): the statuses at which a plot of this layer is offered
    # to investors and shown in the public view; empty for layers that are not offered.
    offered_statuses: tuple[str, ...] = ()
    # A layer not offered itself but shown to investors as the context that sells the plots
    # (road projects serving them, renovated compounds nearby), with public fields only.
    investor_context: bool = False

    @property
    def status_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.statuses)

    def status(self, code: str) -> StatusSpec | None:
        for s in self.statuses:
            if s.code == code:
                return s
        return None

    def status_label(self, code: str, lang: str) -> str:
        spec = self.status(code)
        if spec is None:
            brackets = " ({})" if lang == "en" else "（{}）"
            return UNKNOWN_STATUS_LABEL.get(lang) + brackets.format(code)
        return spec.label.get(lang)

    @property
    def all_fields(self) -> tuple[FieldSpec, ...]:
        return COMMON_FIELDS + self.fields

    @property
    def date_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.kind is FieldKind.DATE)

    @property
    def tracked_fields(self) -> tuple[FieldSpec, ...]:
        """What an editor may change besides the status (the rest comes from imports)."""
        return tuple(f for f in self.all_fields if f.tracked)

    def field_spec(self, key: str) -> FieldSpec | None:
        for f in self.all_fields:
            if f.key == key:
                return f
        return None

    @property
    def public_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.all_fields if f.public)


# Shown grey with a dashed outline, and listed in the data-quality notice: never dropped.
UNKNOWN_STATUS_LABEL = Label("未知状态", "Unknown status")
UNKNOWN_STATUS_STYLE = StatusSpec(
    "", UNKNOWN_STATUS_LABEL, "#bdbdbd", outline="#424242", dashed=True
)

# Palette from domain-china.md §6 (grey → purple → blue → cyan → orange → greens) for the land
# layers. The project layers (compounds, roads) follow the same order in hues of their own —
# indigo, yellow, brown, teal — so that on a map of all layers one colour means one status
# (tests/unit/test_layer_colours.py checks it, as drawn). Statuses that share a code or a
# Chinese name across layers are one status and share a colour.
_GREY = "#78909c"
_PURPLE = "#8e24aa"
_PURPLE_LIGHT = "#ba68c8"
_PURPLE_LIGHTER = "#ce93d8"
_BLUE = "#1e88e5"
_CYAN = "#00acc1"
_YELLOW = "#fdd835"
_ORANGE = "#fb8c00"
_ORANGE_DARK = "#e65100"
_GREEN_LIGHT = "#9ccc65"
_GREEN = "#43a047"
_GREEN_DARK = "#1b5e20"
_BLUE_GREY_DARK = "#607d8b"
_INDIGO_DARK = "#283593"
_INDIGO = "#5c6bc0"
_PINK = "#d81b60"
_BROWN = "#6d4c41"
_TEAL_LIGHT = "#4db6ac"
_TEAL = "#26a69a"
_TEAL_DARK = "#00796b"
_ON_HOLD_FILL = "#e0e0e0"
_BLACK = "#212121"


def _on_hold(zh: str = "暂缓", en: str = "On hold", dashed: bool = False) -> StatusSpec:
    return StatusSpec("on_hold", Label(zh, en), _ON_HOLD_FILL, outline=_BLACK, dashed=dashed)


_COORD_QUALITY = {
    "surveyed": Label("实测", "Surveyed"),
    "digitized": Label("数字化", "Digitised"),
    "illustrative": Label("示意", "Illustrative"),
}

COMMON_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("subdistrict", Label("街道/镇", "Subdistrict / town")),
    FieldSpec("community", Label("社区", "Community")),
    FieldSpec("address", Label("坐落", "Location")),
    FieldSpec("responsible_unit", Label("责任单位", "Responsible unit")),
    FieldSpec("contact", Label("联系人", "Contact"), public=False),
    FieldSpec("data_source", Label("数据来源", "Data source")),
    FieldSpec(
        "coord_quality", Label("坐标质量", "Location quality"), FieldKind.CHOICE, _COORD_QUALITY
    ),
    FieldSpec("updated_at", Label("更新日期", "Updated"), FieldKind.DATE),
    FieldSpec("remarks", Label("备注", "Remarks"), public=False),
)

_LAND_CATEGORY = {
    "idle_statutory": Label("闲置土地", "Idle land (statutory)"),
    "approved_unsupplied": Label("批而未供", "Approved but not supplied"),
    "supplied_unused": Label("供而未用", "Supplied but unused"),
    "underused": Label("用而未尽", "Under-used"),
    "inefficient": Label("低效用地", "Inefficient land"),
    "shantytown_vacated": Label("棚改腾空土地", "Vacated shantytown land"),
    "soe_stock": Label("国有企业存量土地", "SOE stock land"),
    "reserve": Label("储备土地", "Government reserve land"),
}

_OWNER_LEVEL = {
    "central_soe": Label("中央企业", "Central SOE"),
    "provincial_soe": Label("省属国企", "Provincial SOE"),
    "municipal_soe": Label("市属国企", "Municipal SOE"),
    "district_soe": Label("区属国企", "District SOE"),
    "private": Label("民营企业", "Private company"),
    "government": Label("政府/土地储备中心", "Government / land reserve"),
    "collective": Label("农村集体", "Rural collective"),
    "other": Label("其他", "Other"),
}

_RENOVATION_TIER = {
    "basic": Label("基础类", "Basic"),
    "improvement": Label("完善类", "Improvement"),
    "upgrade": Label("提升类", "Upgrade"),
}

_MONEY_TOTAL = FieldSpec("investment_wan", Label("总投资", "Total investment"), FieldKind.MONEY_WAN)
_MONEY_DONE = FieldSpec(
    "invested_to_date_wan",
    Label("累计完成投资", "Invested to date"),
    FieldKind.MONEY_WAN,
    tracked=True,
)
_PROGRESS = FieldSpec(
    "progress_pct", Label("形象进度", "Physical progress"), FieldKind.PERCENT, tracked=True
)
_CONTRACTOR = FieldSpec("contractor", Label("施工单位", "Contractor"))
_SCHEDULE = (
    FieldSpec("planned_start", Label("计划开工", "Planned start"), FieldKind.DATE, tracked=True),
    FieldSpec("actual_start", Label("实际开工", "Actual start"), FieldKind.DATE, tracked=True),
    FieldSpec("planned_finish", Label("计划完工", "Planned finish"), FieldKind.DATE, tracked=True),
    FieldSpec("actual_finish", Label("实际完工", "Actual finish"), FieldKind.DATE, tracked=True),
)
# A finish before its start is refused (start key, finish key).
DATE_ORDER: tuple[tuple[str, str], ...] = (
    ("planned_start", "planned_finish"),
    ("actual_start", "actual_finish"),
)
_RESERVE_DATE = FieldSpec(
    "reserve_date", Label("收储日期", "Reserved on"), FieldKind.DATE, tracked=True
)
_LISTING_START = FieldSpec(
    "listing_start", Label("挂牌起始日", "Listing starts"), FieldKind.DATE, tracked=True
)
_HANDOVER_DATE = FieldSpec(
    "handover_date", Label("交地日期", "Land handed over"), FieldKind.DATE, tracked=True
)
_CONSTRAINTS = FieldSpec("constraints", Label("制约因素", "Constraints"), public=False)
_PLANNED_USE = FieldSpec("planned_use_text", Label("规划用途", "Planned use"))

# Planned land uses, coded after the national land-use classification the notices quote.
PLANNED_USES = {
    "industrial_m1": Label("一类工业用地（M1）", "Class-1 industrial (M1)"),
    "industrial_m2": Label("二类工业用地（M2）", "Class-2 industrial (M2)"),
    "logistics_w1": Label("物流仓储用地（W1）", "Logistics & warehousing (W1)"),
    "residential_r2": Label("城镇住宅用地（R2）", "Urban residential (R2)"),
    "commercial_b1": Label("商业用地（B1）", "Commercial (B1)"),
    "mixed_rb": Label("商住混合用地（RB）", "Mixed commercial & residential (RB)"),
    "tourism_wellness": Label("文旅康养用地", "Tourism & wellness"),
    "park_g1": Label("公园绿地（G1）", "Park & green space (G1)"),
    "parking_s42": Label("社会停车场用地（S42）", "Public parking (S42)"),
}
# 七通一平: seven utilities connected and the site levelled (五通一平: the first five).
UTILITIES = {
    "road": Label("通路", "Road access"),
    "water": Label("通给水", "Water supply"),
    "drainage": Label("通排水", "Drainage"),
    "power": Label("通电", "Power"),
    "telecom": Label("通讯", "Telecoms"),
    "gas": Label("通燃气", "Gas"),
    "heat": Label("通热力", "Heating"),
    "levelled": Label("场地平整", "Site levelled"),
}
# An editor's override of the offer rule for one plot: put it on offer whatever its status, or
# take it off (a dispute, a deal in progress). Blank: offered by status. Internal, tracked.
PUBLISH = FieldSpec(
    "publish",
    Label("招商推介", "Offered to investors"),
    FieldKind.CHOICE,
    {"on": Label("推介（上架）", "Offered"), "off": Label("不推介（下架）", "Not offered")},
    public=False,
    tracked=True,
)
_FAR_MAX = FieldSpec("far_max", Label("容积率上限", "Max. floor-area ratio"), FieldKind.FLOAT)
_TARGET_INDUSTRY = FieldSpec("target_industry", Label("招商方向", "Target industry"))
_START_PRICE = FieldSpec("start_price_wan", Label("起始价", "Starting price"), FieldKind.MONEY_WAN)
# What a land notice (出让公告) gives and investors compare; blank where not yet known. The
# detail panel shows these (with far_max, target industry and price) as the 招商要点.
_SELLING_FIELDS = (
    FieldSpec("name_en", Label("英文名称", "Name in English")),
    FieldSpec("planned_use", Label("用地性质", "Land use"), FieldKind.CHOICE, PLANNED_USES),
    FieldSpec(
        "land_use_term_years", Label("出让年限（年）", "Land-use term (years)"), FieldKind.INT
    ),
    FieldSpec("far_min", Label("容积率下限", "Min. floor-area ratio"), FieldKind.FLOAT),
    FieldSpec(
        "building_density_max_pct",
        Label("建筑密度上限", "Max. building density"),
        FieldKind.PERCENT,
    ),
    FieldSpec("green_ratio_min_pct", Label("绿地率下限", "Min. green ratio"), FieldKind.PERCENT),
    FieldSpec("height_limit_m", Label("建筑限高（m）", "Height limit (m)"), FieldKind.FLOAT),
    FieldSpec("deposit_wan", Label("竞买保证金", "Bid deposit"), FieldKind.MONEY_WAN),
    FieldSpec(
        "utilities_ready",
        Label("已通（七通一平）", "Utilities in place"),
        FieldKind.CHOICES,
        UTILITIES,
    ),
    FieldSpec(
        "utilities_planned",
        Label("在建/计划接通", "Utilities coming"),
        FieldKind.CHOICES,
        UTILITIES,
    ),
    FieldSpec(
        "investment_intensity_wan_per_mu",
        Label("投资强度（万元/亩）", "Investment intensity (10k CNY per mu)"),
        FieldKind.FLOAT,
    ),
    FieldSpec(
        "tax_per_mu_wan",
        Label("亩均税收（万元/亩·年）", "Tax per mu (10k CNY per mu per year)"),
        FieldKind.FLOAT,
    ),
)


IDLE_LAND = LayerSpec(
    id="idle_land",
    name=Label("闲置低效用地", "Idle & inefficient land"),
    short_name=Label("闲置地", "Idle land"),
    geometry=GeometryKind.POLYGON,
    statuses=(
        StatusSpec("identified", Label("已摸排", "Identified"), _GREY),
        StatusSpec("reserved", Label("已收储", "In land reserve"), _BLUE),
        StatusSpec("ready", Label("具备供地条件（净地）", "Ready for supply"), _CYAN),
        StatusSpec("promoting", Label("招商推介中", "Being promoted"), _ORANGE),
        StatusSpec("listed", Label("挂牌公告中", "Listed for sale"), _ORANGE_DARK),
        StatusSpec("supplied", Label("已供地", "Supplied"), _GREEN_LIGHT),
        StatusSpec("under_construction", Label("已开工", "Construction started"), _GREEN),
        StatusSpec("revitalised", Label("已盘活", "Revitalised"), _GREEN_DARK),
        _on_hold(),
    ),
    fields=(
        FieldSpec(
            "land_category", Label("用地类型", "Land category"), FieldKind.CHOICE, _LAND_CATEGORY
        ),
        FieldSpec("owner_level", Label("权属主体", "Owner type"), FieldKind.CHOICE, _OWNER_LEVEL),
        FieldSpec("owner_name", Label("权属单位", "Holder")),
        FieldSpec("current_use", Label("现状用途", "Current use")),
        _PLANNED_USE,
        _FAR_MAX,
        FieldSpec("site_readiness", Label("基础设施条件", "Site readiness")),
        _TARGET_INDUSTRY,
        _START_PRICE,
        *_SELLING_FIELDS,
        _CONSTRAINTS,
        FieldSpec("idle_since", Label("闲置起算日", "Idle since"), FieldKind.DATE, public=False),
        _RESERVE_DATE,
        _LISTING_START,
        _HANDOVER_DATE,
        PUBLISH,
    ),
    offered_statuses=("ready", "promoting", "listed"),
)

SHANTYTOWN = LayerSpec(
    id="shantytown",
    name=Label("棚改腾空地块", "Vacated shantytown plots"),
    short_name=Label("棚改地块", "Shantytown"),
    geometry=GeometryKind.POLYGON,
    statuses=(
        StatusSpec("vacating", Label("征收腾退中", "Vacating"), _PURPLE),
        StatusSpec("vacated", Label("已腾空", "Vacated"), _PURPLE_LIGHT),
        StatusSpec("demolished", Label("已拆除", "Demolished"), _PURPLE_LIGHTER),
        StatusSpec("reserved", Label("已收储", "In land reserve"), _BLUE),
        StatusSpec("ready", Label("具备供地条件（净地）", "Ready for supply"), _CYAN),
        StatusSpec("listed", Label("挂牌公告中", "Listed for sale"), _ORANGE_DARK),
        StatusSpec("supplied", Label("已供地", "Supplied"), _GREEN_LIGHT),
        _on_hold(),
    ),
    fields=(
        FieldSpec("project_name", Label("棚改项目", "Renovation project")),
        FieldSpec("original_owner", Label("原权属单位", "Former holder")),
        FieldSpec("households_total", Label("征收户数", "Households to relocate"), FieldKind.INT),
        FieldSpec(
            "households_signed",
            Label("已签约户数", "Households signed"),
            FieldKind.INT,
            public=False,
            tracked=True,
        ),
        _PLANNED_USE,
        _FAR_MAX,
        _TARGET_INDUSTRY,
        _START_PRICE,
        *_SELLING_FIELDS,
        _CONSTRAINTS,
        FieldSpec("vacated_date", Label("腾空日期", "Vacated on"), FieldKind.DATE, tracked=True),
        FieldSpec(
            "demolished_date", Label("拆除日期", "Demolished on"), FieldKind.DATE, tracked=True
        ),
        _RESERVE_DATE,
        _LISTING_START,
        _HANDOVER_DATE,
        PUBLISH,
    ),
    offered_statuses=("ready", "listed"),
)

RENOVATION = LayerSpec(
    id="renovation",
    name=Label("老旧小区改造", "Old residential compound renovation"),
    short_name=Label("老旧小区", "Old compounds"),
    geometry=GeometryKind.POLYGON,
    statuses=(
        StatusSpec("planned", Label("已纳入年度计划", "In annual plan"), _INDIGO_DARK),
        StatusSpec("preparing", Label("前期工作", "Preparation"), _INDIGO),
        StatusSpec("tendering", Label("招投标", "Tendering"), _YELLOW),
        StatusSpec("under_construction", Label("在建（已开工）", "Under construction"), _BROWN),
        StatusSpec("works_completed", Label("已完工", "Works completed"), _TEAL_LIGHT),
        StatusSpec("accepted", Label("已竣工验收", "Accepted"), _TEAL_DARK),
        _on_hold(),
    ),
    fields=(
        FieldSpec("build_year", Label("建成年代", "Year built"), FieldKind.YEAR),
        FieldSpec("building_count", Label("楼栋数", "Buildings"), FieldKind.INT),
        FieldSpec("household_count", Label("户数", "Households"), FieldKind.INT),
        FieldSpec("floor_area_m2", Label("建筑面积（m²）", "Floor area (m²)"), FieldKind.FLOAT),
        FieldSpec("property_type", Label("产权性质", "Ownership")),
        FieldSpec(
            "renovation_tier",
            Label("改造类别", "Renovation tier"),
            FieldKind.CHOICE,
            _RENOVATION_TIER,
        ),
        FieldSpec("renovation_items", Label("改造内容", "Renovation items")),
        FieldSpec("elevators_added", Label("加装电梯数", "Lifts added"), FieldKind.INT),
        FieldSpec("plan_year", Label("计划年度", "Plan year"), FieldKind.YEAR),
        _MONEY_TOTAL,
        _MONEY_DONE,
        _PROGRESS,
        _CONTRACTOR,
        *_SCHEDULE,
    ),
    investor_context=True,
)

ROADS = LayerSpec(
    id="roads",
    name=Label("道路工程", "Road projects"),
    short_name=Label("道路", "Roads"),
    geometry=GeometryKind.LINE,
    statuses=(
        StatusSpec("planning", Label("规划谋划", "Planning"), _BLUE_GREY_DARK),
        StatusSpec("preliminary", Label("前期工作", "Preliminary approvals & design"), _INDIGO),
        StatusSpec("land_clearance", Label("征地拆迁", "Land acquisition & demolition"), _PINK),
        StatusSpec("tendering", Label("招投标", "Tendering"), _YELLOW),
        StatusSpec("under_construction", Label("在建", "Under construction"), _BROWN),
        StatusSpec("open_to_traffic", Label("已交工通车", "Open to traffic"), _TEAL),
        StatusSpec("accepted", Label("已竣工验收", "Final acceptance"), _TEAL_DARK),
        _on_hold("暂缓/停工", "On hold / suspended", dashed=True),
    ),
    fields=(
        FieldSpec("road_class", Label("道路等级", "Road class")),
        FieldSpec("construction_type", Label("建设性质", "Type of works")),
        FieldSpec("from_point", Label("起点", "From")),
        FieldSpec("to_point", Label("终点", "To")),
        FieldSpec("row_width_m", Label("红线宽度（m）", "Right-of-way width (m)"), FieldKind.FLOAT),
        FieldSpec("lanes", Label("车道数", "Lanes"), FieldKind.INT),
        FieldSpec("owner_unit", Label("建设单位", "Owner")),
        _MONEY_TOTAL,
        _MONEY_DONE,
        _PROGRESS,
        FieldSpec(
            "land_clearance_pct",
            Label("征拆完成率", "Land clearance done"),
            FieldKind.PERCENT,
            tracked=True,
        ),
        _CONTRACTOR,
        FieldSpec("issues", Label("存在问题", "Open issues"), public=False),
        *_SCHEDULE,
    ),
    investor_context=True,
)

# The fields the 招商要点 (landmap.promotion.facts) presents for an offered plot.
SELLING_FIELD_KEYS = frozenset(
    {f.key for f in _SELLING_FIELDS} | {"far_max", "target_industry", "start_price_wan"}
)

LAYERS: tuple[LayerSpec, ...] = (IDLE_LAND, SHANTYTOWN, RENOVATION, ROADS)
LAYER_BY_ID: dict[str, LayerSpec] = {layer.id: layer for layer in LAYERS}

# The 5 subdistricts and 1 town of 西区 (domain-china.md §3.1). Data stores the Chinese name.
SUBDISTRICTS: dict[str, Label] = {
    "清香坪街道": Label("清香坪街道", "Qingxiangping"),
    "大宝鼎街道": Label("大宝鼎街道", "Dabaoding"),
    "河门口街道": Label("河门口街道", "Hemenkou"),
    "摩梭河街道": Label("摩梭河街道", "Mosuohe"),
    "玉泉街道": Label("玉泉街道", "Yuquan"),
    "格里坪镇": Label("格里坪镇", "Geliping town"),
}


def split_codes(value: object) -> list[str]:
    """The codes of a ``CHOICES`` value ("road,power" → ["road", "power"]); blanks dropped."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [c.strip() for c in str(value).replace("，", ",").split(",") if c.strip()]


def subdistrict_label(name: str, lang: str) -> str:
    label = SUBDISTRICTS.get(name)
    return label.get(lang) if label else name


def get_layer(layer_id: str) -> LayerSpec:
    """The spec for ``layer_id``; raises KeyError with the known ids for a typo."""
    try:
        return LAYER_BY_ID[layer_id]
    except KeyError:
        raise KeyError(f"unknown layer {layer_id!r}; known: {', '.join(LAYER_BY_ID)}") from None


def all_status_codes(layers: Iterable[LayerSpec] = LAYERS) -> tuple[str, ...]:
    """Every status code, in the order the layers list them, each once."""
    seen: dict[str, None] = {}
    for layer in layers:
        for code in layer.status_codes:
            seen.setdefault(code)
    return tuple(seen)


def layers_with_status(code: str, layers: Iterable[LayerSpec] = LAYERS) -> tuple[LayerSpec, ...]:
    return tuple(layer for layer in layers if code in layer.status_codes)
