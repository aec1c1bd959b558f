"""The progress dashboard for leaders: exceptions first, then totals, money and movement.

Everything follows the sidebar's filters. Numbers come from ``progress_stats`` and
``deadlines`` (pure, shared with the command line); this module only lays them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st

from landmap.deadlines import DeadlineState, overdue_and_due_soon, parse_milestones
from landmap.edits import describe_changes
from landmap.history import timeline
from landmap.i18n import t
from landmap.layers import LAYER_BY_ID, GeometryKind
from landmap.mapview import focus_on
from landmap.progress_stats import (
    investment_by_layer,
    status_breakdown,
    statuses_reached_by_month,
)
from landmap.query import layer_totals
from landmap.tracking import Tracking
from landmap.ui import state

DASHBOARD_LATE_TABLE = "dashboard_late"


def render_dashboard(
    frames: Mapping[str, gpd.GeoDataFrame],
    tracking: Tracking,
    today: dt.date,
    lang: str,
) -> None:
    st.header(t("dash.title", lang))
    st.caption(t("dash.as_of", lang, date=today.isoformat()))
    milestones = parse_milestones(tracking.milestones).milestones
    late = overdue_and_due_soon(frames, milestones, today, lang)
    _render_headline(frames, late, lang)
    _render_late(frames, late, lang)
    _render_by_unit(late, lang)
    _render_breakdown(frames, lang)
    _render_investment(frames, lang)
    _render_monthly(frames, tracking, lang)
    _render_recent(frames, tracking, today, lang)


def _render_headline(frames: Mapping[str, gpd.GeoDataFrame], late: pd.DataFrame, lang: str) -> None:
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
    cells = st.columns(6)
    cells[0].metric(t("dash.features", lang), f"{count}")
    cells[1].metric(t("dash.area", lang), f"{area:,.1f}")
    cells[2].metric(t("dash.length", lang), f"{length:,.2f}")
    cells[3].metric(t("dash.overdue", lang), f"{overdue}")
    cells[4].metric(t("dash.due_soon", lang), f"{due_soon}")
    cells[5].metric(
        t("dash.invested", lang),
        f"{done / planned * 100:.0f}%" if planned > 0 else "—",
        help=t("dash.invested_help", lang, done=f"{done:,.0f}", planned=f"{planned:,.0f}"),
    )


def _render_late(frames: Mapping[str, gpd.GeoDataFrame], late: pd.DataFrame, lang: str) -> None:
    st.subheader(t("dash.late_title", lang))
    if late.empty:
        st.success(t("dash.nothing_late", lang))
        return
    table = pd.DataFrame(
        {
            t("dash.col_state", lang): late["state_label"],
            t("col.name", lang): late["name"],
            t("col.layer", lang): late["layer"],
            t("col.responsible_unit", lang): late["responsible_unit"],
            t("dash.col_target", lang): late["target_label"],
            t("dash.col_due", lang): late["due_date"],
            t("dash.col_days", lang): late["days_left"],
            t("col.status", lang): late["status_label"],
            t("col.id", lang): late["feature_id"],
        }
    )
    st.caption(t("dash.late_hint", lang))
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=DASHBOARD_LATE_TABLE,
    )
    rows = event.selection.rows if event is not None else []
    if rows:
        chosen = late.iloc[rows[0]]
        frame = frames.get(str(chosen["layer_id"]))
        feature_id = str(chosen["feature_id"])
        if frame is not None and feature_id in frame.index:
            shape = frame.loc[feature_id].geometry
            focus = focus_on(shape) if shape is not None and not shape.is_empty else None
            state.select(feature_id, focus=focus)
            state.request_view("map", forget=(DASHBOARD_LATE_TABLE,))
            st.rerun()


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
            y=alt.Y("unit:N", title=None, sort="-x"),
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
    st.subheader(t("dash.breakdown_title", lang))
    table = status_breakdown(frames, lang)
    if table.empty:
        st.info(t("summary.empty", lang))
        return
    domain = [f"{r.layer} · {r.status_label}" for r in table.itertuples()]
    table = table.assign(key=domain)
    chart = (
        alt.Chart(table)
        .mark_bar()
        .encode(
            y=alt.Y("layer:N", title=None, sort=list(dict.fromkeys(table["layer"]))),
            x=alt.X("count:Q", title=t("dash.count_axis", lang)),
            color=alt.Color(
                "key:N",
                legend=None,
                scale=alt.Scale(domain=domain, range=list(table["status_color"])),
            ),
            order=alt.Order("stage:Q"),
            tooltip=[
                alt.Tooltip("layer:N", title=t("col.layer", lang)),
                alt.Tooltip("status_label:N", title=t("col.status", lang)),
                alt.Tooltip("count:Q", title=t("col.count", lang)),
                alt.Tooltip("area_mu:Q", title=t("col.area_mu", lang), format=",.1f"),
                alt.Tooltip("length_km:Q", title=t("col.length_km", lang), format=",.2f"),
            ],
        )
    )
    st.altair_chart(chart, width="stretch")
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


def _render_monthly(frames: Mapping[str, gpd.GeoDataFrame], tracking: Tracking, lang: str) -> None:
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
    table = table[table["layer_id"] == (chosen or layer_ids[0])]
    table = table.assign(key=table["status_label"])
    keys = table.sort_values("stage").drop_duplicates("key")
    chart = (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=alt.X("month:O", title=t("dash.month_axis", lang)),
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
    st.altair_chart(chart, width="stretch")


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
