"""The progress dashboard for leaders: exceptions first, then totals, money and movement.

Everything follows the sidebar's filters. Numbers come from ``progress.stats`` and
``deadlines`` (pure, shared with the command line); this module only lays them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import partial

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st

from landmap.escaping import md_escape
from landmap.i18n import plural, t
from landmap.layers import LAYER_BY_ID, GeometryKind, LayerSpec
from landmap.map.view import focus_on
from landmap.progress.deadlines import (
    DeadlineState,
    Milestone,
    overdue_and_due_soon,
    parse_milestones,
)
from landmap.progress.edits import describe_changes
from landmap.progress.followup import (
    DEFAULT_STALE_WEEKS,
    MAX_STALE_WEEKS,
    last_updates,
    silence_text,
    stale_features,
    stale_weeks_setting,
    units_behind,
    with_contacts,
)
from landmap.progress.history import timeline
from landmap.progress.stats import (
    investment_by_layer,
    months_without_updates,
    status_breakdown,
    statuses_reached_by_month,
)
from landmap.progress.tracking import Tracking
from landmap.query import describe_filter, layer_totals
from landmap.reports.brief import make_brief
from landmap.store.open import open_store
from landmap.ui import state
from landmap.ui.data import app_settings

# One late table per responsible unit: "dashboard_late_0", "dashboard_late_1", …
DASHBOARD_LATE_TABLE = "dashboard_late"
STALE_WEEKS_KEY = "dash_stale_weeks__{layer}"
_ROW_PX, _HEADER_PX = 35, 38  # st.dataframe's row and header heights, to show every row


def render_dashboard(
    frames: Mapping[str, gpd.GeoDataFrame],
    tracking: Tracking,
    today: dt.date,
    lang: str,
) -> None:
    st.header(t("dash.title", lang))
    st.caption(t("dash.as_of", lang, date=today.isoformat()))
    milestones = parse_milestones(tracking.milestones).milestones
    updates = last_updates(frames, tracking.history)
    late = with_contacts(
        overdue_and_due_soon(frames, milestones, today, lang), frames, updates, lang
    )
    weeks = _stale_weeks(frames, lang)
    stale = stale_features(frames, updates, today, weeks, lang)
    _render_headline(frames, late, stale, lang)
    _render_brief_download(frames, tracking, milestones, today, weeks, lang)
    _render_late(frames, late, lang)
    _render_stale(frames, stale, weeks, lang)
    _render_by_unit(late, lang)
    _render_breakdown(frames, lang)
    _render_investment(frames, lang)
    _render_monthly(frames, tracking, today, lang)
    _render_recent(frames, tracking, today, lang)


def _stale_weeks(frames: Mapping[str, gpd.GeoDataFrame], lang: str) -> dict[str, int]:
    """Weeks per layer: the setting (``LANDMAP_STALE_WEEKS``), then what the user chose here."""
    try:
        weeks = stale_weeks_setting()
    except ValueError as exc:
        st.warning(t("dash.stale_setting_error", lang, error=exc))
        weeks = dict(DEFAULT_STALE_WEEKS)
    for layer_id in frames:
        chosen = st.session_state.get(STALE_WEEKS_KEY.format(layer=layer_id))
        if chosen:
            weeks[layer_id] = int(chosen)
    return weeks


def _render_headline(
    frames: Mapping[str, gpd.GeoDataFrame], late: pd.DataFrame, stale: pd.DataFrame, lang: str
) -> None:
    totals = layer_totals(frames)
    count = int(sum(total["count"] for total in totals.values()))

    def total_of(key: str, geometry: GeometryKind) -> float:
        return sum(
            total[key] for lid, total in totals.items() if LAYER_BY_ID[lid].geometry is geometry
        )

    area = total_of("area_mu", GeometryKind.POLYGON)
    length = total_of("length_km", GeometryKind.LINE)
    money = investment_by_layer(frames, lang)
    planned, done = float(money["planned_wan"].sum()), float(money["completed_wan"].sum())
    overdue = late[late["state"] == DeadlineState.OVERDUE.value]["feature_id"].nunique()
    due_soon = late[late["state"] == DeadlineState.DUE_SOON.value]["feature_id"].nunique()
    cells = st.columns(7)
    cells[0].metric(t("dash.features", lang), f"{count}")
    cells[1].metric(t("dash.area", lang), f"{area:,.0f}")  # whole 亩: seven figures fit at 1280 px
    cells[2].metric(t("dash.length", lang), f"{length:,.2f}")
    cells[3].metric(t("dash.overdue", lang), f"{overdue}")
    cells[4].metric(t("dash.due_soon", lang), f"{due_soon}")
    cells[5].metric(t("dash.stale", lang), f"{len(stale)}", help=t("dash.stale_help", lang))
    cells[6].metric(
        t("dash.invested", lang),
        f"{done / planned * 100:.0f}%" if planned > 0 else "—",
        help=t("dash.invested_help", lang, done=f"{done:,.0f}", planned=f"{planned:,.0f}"),
    )


def _render_brief_download(
    frames: Mapping[str, gpd.GeoDataFrame],
    tracking: Tracking,
    milestones: tuple[Milestone, ...],
    today: dt.date,
    weeks: dict[str, int],
    lang: str,
) -> None:
    settings = app_settings()
    note = t("picture.note", lang, source=open_store(settings).source_name)
    if settings.is_sample_data:
        note += t("picture.sample", lang)
    # Made only when clicked: drawing the page takes a moment, most reruns never need it.
    brief = partial(
        make_brief,
        frames,
        tracking.history,
        milestones,
        today,
        weeks,
        lang,
        scope=describe_filter(state.current_filter(), lang),
        data_note=note,
    )
    st.download_button(
        t("dash.brief_download", lang),
        data=brief,
        file_name=f"{t('dash.brief_stem', lang)}_{today.isoformat()}.pdf",
        mime="application/pdf",
        help=t("dash.brief_help", lang),
        icon=":material/print:",
        key="dash_brief",
    )


def _render_late(frames: Mapping[str, gpd.GeoDataFrame], late: pd.DataFrame, lang: str) -> None:
    """The late list, one table per responsible unit (most behind first), every row shown."""
    st.subheader(t("dash.late_title", lang))
    if late.empty:
        st.success(t("dash.nothing_late", lang))
        return
    st.caption(t("dash.late_hint", lang))
    units = units_behind(late)
    keys = [f"{DASHBOARD_LATE_TABLE}_{n}" for n in range(len(units))]
    for key, unit in zip(keys, units.itertuples(index=False), strict=True):
        rows = late[late["responsible_unit"].fillna("").str.strip() == unit.unit]
        heading = t(
            "dash.unit_heading",
            lang,
            unit=md_escape(unit.unit or t("dash.no_unit", lang)),
            overdue=unit.overdue,
            due_soon=unit.due_soon,
        )
        if unit.contacts:
            heading += " · " + md_escape(_contacts(unit.contacts, lang))
        st.markdown(f"**{heading}**")
        table = pd.DataFrame(
            {
                t("dash.col_lateness", lang): rows["lateness"],
                t("col.name", lang): rows["name"],
                t("dash.col_due", lang): rows["due_date"],
                t("dash.col_target", lang): rows["target_label"],
                t("dash.col_current", lang): rows["status_label"],
                t("dash.col_contact", lang): rows["contact"],
                t("dash.col_last_update", lang): rows["last_update"],
            }
        )
        event = st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            height=_HEADER_PX + _ROW_PX * len(table),
            column_config=_late_column_widths(lang),
            on_select="rerun",
            selection_mode="single-row",
            key=key,
        )
        chosen = event.selection.rows if event is not None else []
        if chosen:
            _show_on_map(frames, rows.iloc[chosen[0]], keys)


def _late_column_widths(lang: str) -> dict[str, st.column_config.Column]:
    """Widths (px) that add up to the main column of a 1280 px laptop with the sidebar open
    (wider screens stretch them), so no column is pushed out of sight and the unit tables
    line up. The layer and the id are left out for room: the name says what it is, and
    picking the row shows it on the map."""
    english = lang == "en"  # "158 days overdue" is wider than "逾期 158 天"
    widths = {
        "dash.col_lateness": 116 if english else 88,
        "col.name": 182 if english else 210,
        "dash.col_due": 86,
        "dash.col_target": 130,
        "dash.col_current": 130,
        "dash.col_contact": 56,
        "dash.col_last_update": 86,
    }
    return {t(key, lang): st.column_config.Column(width=px) for key, px in widths.items()}


def _contacts(names: list[str], lang: str, most: int = 4) -> str:
    sep = "、" if lang != "en" else ", "
    if len(names) > most:
        return t("dash.unit_contacts_more", lang, names=sep.join(names[:most]), count=len(names))
    return t("dash.unit_contacts", lang, names=sep.join(names))


def _show_on_map(
    frames: Mapping[str, gpd.GeoDataFrame], chosen: pd.Series, table_keys: list[str]
) -> None:
    frame = frames.get(str(chosen["layer_id"]))
    feature_id = str(chosen["feature_id"])
    if frame is not None and feature_id in frame.index:
        shape = frame.loc[feature_id].geometry
        focus = focus_on(shape) if shape is not None and not shape.is_empty else None
        state.select(feature_id, focus=focus)
        state.request_view("map", forget=tuple(table_keys))
        st.rerun()


def _render_stale(
    frames: Mapping[str, gpd.GeoDataFrame], stale: pd.DataFrame, weeks: Mapping[str, int], lang: str
) -> None:
    """Per layer (a tab each), the features without an update for its number of weeks."""
    st.subheader(t("dash.stale_title", lang))
    st.caption(t("dash.stale_intro", lang))
    layer_ids = [layer_id for layer_id in frames if layer_id in weeks]  # the shown layers
    if not layer_ids:
        return
    counts = stale["layer_id"].value_counts()
    tabs = st.tabs(
        [
            t(
                "dash.stale_tab",
                lang,
                layer=LAYER_BY_ID[lid].short_name.get(lang),
                count=int(counts.get(lid, 0)),
            )
            for lid in layer_ids
        ]
    )
    for tab, layer_id in zip(tabs, layer_ids, strict=True):
        with tab:
            layer = LAYER_BY_ID[layer_id].short_name.get(lang)
            limit = weeks[layer_id]
            st.number_input(
                t("dash.stale_weeks", lang),
                min_value=1,
                max_value=MAX_STALE_WEEKS,
                value=limit,
                step=1,
                key=STALE_WEEKS_KEY.format(layer=layer_id),
                width=220,
            )
            rows = stale[stale["layer_id"] == layer_id]
            if rows.empty:
                st.caption(t("dash.stale_none", lang, layer=layer, weeks=limit))
                continue
            st.caption(plural("dash.stale_count", len(rows), lang, layer=layer, weeks=limit))
            silence = [
                silence_text(None if pd.isna(d) else int(d), lang) for d in rows["days_since"]
            ]
            table = pd.DataFrame(
                {
                    t("dash.col_silence", lang): silence,
                    t("col.name", lang): rows["name"],
                    t("col.responsible_unit", lang): rows["responsible_unit"],
                    t("dash.col_contact", lang): rows["contact"],
                    t("dash.col_last_update", lang): rows["last_update"],
                    t("dash.col_current", lang): rows["status_label"],
                    t("col.id", lang): rows["feature_id"],
                }
            )
            st.dataframe(
                table,
                hide_index=True,
                width="stretch",
                column_config={
                    t("col.responsible_unit", lang): st.column_config.TextColumn(width="medium"),
                },
            )


def _render_by_unit(late: pd.DataFrame, lang: str) -> None:
    if late.empty:
        return
    st.subheader(t("dash.by_unit_title", lang))
    units = late.assign(
        unit=late["responsible_unit"].replace("", t("dash.no_unit", lang))
    ).drop_duplicates(["feature_id", "state"])
    counts = units.groupby(["unit", "state_label"], as_index=False).size()
    colours = {DeadlineState(s).label.get(lang): DeadlineState(s).color for s in late["state"]}
    chart = (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            y=alt.Y("unit:N", title=None, sort="-x", axis=alt.Axis(labelLimit=360)),
            x=alt.X(
                "size:Q",
                title=t("dash.count_axis", lang),
                axis=alt.Axis(format="d", tickMinStep=1),
            ),
            color=alt.Color(
                "state_label:N",
                title=None,
                scale=alt.Scale(domain=list(colours), range=list(colours.values())),
            ),
            tooltip=["unit", "state_label", "size"],
        )
    )
    st.altair_chart(chart, width="stretch")


def _render_breakdown(frames: Mapping[str, gpd.GeoDataFrame], lang: str) -> None:
    """Per layer, one bar of its statuses by count and one by area (亩; km for roads), with
    the layer's own legend: one legend of every layer's statuses would repeat colours."""
    st.subheader(t("dash.breakdown_title", lang))
    table = status_breakdown(frames, lang)
    if table.empty:
        st.info(t("summary.empty", lang))
        return
    for layer_id in dict.fromkeys(table["layer_id"]):
        rows = table[table["layer_id"] == layer_id]
        st.altair_chart(_layer_status_chart(rows, LAYER_BY_ID[layer_id], lang), width="content")
    size = [
        f"{r.area_mu:,.1f} {t('dash.mu', lang)}"
        if r.area_mu == r.area_mu
        else f"{r.length_km:,.2f} km"
        for r in table.itertuples()
    ]
    shown = pd.DataFrame(
        {
            t("col.layer", lang): table["layer"],
            t("col.status", lang): table["status_label"],
            t("col.count", lang): table["count"],
            t("dash.size", lang): size,
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")


def _layer_status_chart(rows: pd.DataFrame, layer: LayerSpec, lang: str) -> alt.HConcatChart:
    """Two stacked bars of one layer's statuses: by count, and by area (亩) or length (km)."""
    if layer.geometry is GeometryKind.LINE:
        size_column, size_title, size_format = "length_km", t("dash.breakdown_length", lang), ",.2f"
    else:
        size_column, size_title, size_format = "area_mu", t("dash.breakdown_area", lang), ",.1f"
    colour = alt.Color(
        "status_label:N",
        title=layer.short_name.get(lang),
        scale=alt.Scale(domain=list(rows["status_label"]), range=list(rows["status_color"])),
        legend=alt.Legend(orient="right", labelLimit=200, columns=1),
        sort=list(rows["status_label"]),
    )
    tooltip = [
        alt.Tooltip("status_label:N", title=t("col.status", lang)),
        alt.Tooltip("count:Q", title=t("col.count", lang)),
        alt.Tooltip(f"{size_column}:Q", title=size_title, format=size_format),
    ]
    bars = [
        alt.Chart(rows.assign(value=rows[column]))
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title=title, stack="zero"),
            color=colour,
            order=alt.Order("stage:Q"),
            tooltip=tooltip,
        )
        .properties(height=28, width=330)
        for column, title in (("count", t("dash.count_axis", lang)), (size_column, size_title))
    ]
    return alt.hconcat(*bars).properties(title=layer.name.get(lang))


def _render_investment(frames: Mapping[str, gpd.GeoDataFrame], lang: str) -> None:
    money = investment_by_layer(frames, lang)
    if money.empty:
        return
    st.subheader(t("dash.money_title", lang))
    planned, done = t("dash.planned", lang), t("dash.completed", lang)
    long = money.melt(
        id_vars=["layer"], value_vars=["planned_wan", "completed_wan"], var_name="kind"
    ).replace({"kind": {"planned_wan": planned, "completed_wan": done}})
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("layer:N", title=None),
            yOffset=alt.YOffset("kind:N", sort=[planned, done]),
            x=alt.X("value:Q", title=t("dash.money_axis", lang)),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=[planned, done], range=["#90a4ae", "#43a047"]),
            ),
            tooltip=["layer", "kind", alt.Tooltip("value:Q", format=",.0f")],
        )
    )
    st.altair_chart(chart, width="stretch")
    gaps = money[(money["no_planned_figure"] > 0) | (money["no_completed_figure"] > 0)]
    for row in gaps.itertuples():
        st.caption(
            t(
                "dash.money_gaps",
                lang,
                layer=row.layer,
                planned=row.no_planned_figure,
                completed=row.no_completed_figure,
            )
        )


def _render_monthly(
    frames: Mapping[str, gpd.GeoDataFrame], tracking: Tracking, today: dt.date, lang: str
) -> None:
    st.subheader(t("dash.monthly_title", lang))
    table = statuses_reached_by_month(tracking.history, frames, lang)
    if table.empty:
        st.info(t("dash.no_history", lang))
        return
    # One layer at a time: each layer has its own stages, and a legend of all is unreadable.
    layer_ids = list(dict.fromkeys(table["layer_id"]))
    chosen = st.radio(
        t("col.layer", lang),
        layer_ids,
        format_func=lambda lid: LAYER_BY_ID[lid].name.get(lang),
        horizontal=True,
        key="dash_monthly_layer",
        label_visibility="collapsed",
    )
    layer_id = chosen or layer_ids[0]
    table = table[table["layer_id"] == layer_id]
    table = table.assign(key=table["status_label"])
    keys = table.sort_values("stage").drop_duplicates("key")
    # Months without any update on this layer (up to this month) get a band: silence is news.
    silent = months_without_updates(tracking.history, {layer_id: frames[layer_id]}, today)
    months = sorted({*table["month"], *silent})
    x = alt.X("month:O", title=t("dash.month_axis", lang), scale=alt.Scale(domain=months))
    bars = (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("count:Q", title=t("dash.reached_axis", lang)),
            color=alt.Color(
                "key:N",
                title=None,
                scale=alt.Scale(domain=list(keys["key"]), range=list(keys["status_color"])),
                legend=alt.Legend(labelLimit=220),
            ),
            order=alt.Order("stage:Q"),
            tooltip=["month", "layer", "status_label", "count"],
        )
    )
    chart = bars
    if silent:
        flags = pd.DataFrame({"month": silent, "label": t("dash.no_update_label", lang)})
        band = alt.Chart(flags).mark_rect(color="#ffcdd2", opacity=0.55).encode(x=x)
        words = (
            alt.Chart(flags)
            .mark_text(color="#b71c1c", angle=270, align="right", dy=0, fontSize=12)
            .encode(x=x, y=alt.value(8), text="label:N")
        )
        chart = alt.layer(band, bars, words)
        st.caption(
            t("dash.no_update_months", lang, months=_month_ranges(silent, lang)),
        )
    st.altair_chart(chart, width="stretch")


def _month_ranges(months: list[str], lang: str) -> str:
    """'2026-05 至 2026-11、2026-01' from sorted 'YYYY-MM' months: runs of months as ranges."""
    runs: list[list[str]] = []
    for month in months:
        if runs and pd.Period(runs[-1][-1], "M") + 1 == pd.Period(month, "M"):
            runs[-1].append(month)
        else:
            runs.append([month])
    sep = "、" if lang != "en" else ", "
    return sep.join(
        run[0] if len(run) == 1 else t("dash.month_range", lang, start=run[0], end=run[-1])
        for run in runs
    )


def _render_recent(
    frames: Mapping[str, gpd.GeoDataFrame], tracking: Tracking, today: dt.date, lang: str
) -> None:
    """What moved this month: the latest saves on the shown features, newest first."""
    st.subheader(t("dash.recent_title", lang))
    history = tracking.history
    month = today.strftime("%Y-%m")
    shown = {fid: lid for lid, frame in frames.items() for fid in frame.index}
    rows = []
    if not history.empty:
        recent = history[
            history["changed_at"].astype(str).str.startswith(month)
            & history["feature_id"].isin(shown)
        ]
        for feature_id, group in recent.groupby("feature_id", sort=False):
            layer = LAYER_BY_ID[shown[feature_id]]
            name = frames[layer.id].loc[feature_id, "name"]
            for entry in timeline(group):
                changes = "；".join(
                    f"{label}：{old} → {new}"
                    for label, old, new in describe_changes(layer, entry.changes, lang)
                )
                rows.append(
                    (
                        entry.when,
                        name,
                        layer.short_name.get(lang),
                        changes,
                        entry.changed_by,
                        entry.note,
                    )
                )
    if not rows:
        st.caption(t("dash.nothing_recent", lang))
        return
    rows.sort(reverse=True)
    st.dataframe(
        pd.DataFrame(
            rows,
            columns=[
                t("dash.col_when", lang),
                t("col.name", lang),
                t("col.layer", lang),
                t("dash.col_changes", lang),
                t("dash.col_who", lang),
                t("dash.col_note", lang),
            ],
        ),
        hide_index=True,
        width="stretch",
    )
