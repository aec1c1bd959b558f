"""Who a page, a download or a payload is for, and the frames that audience may see (pure).

Two audiences, decided on the server from the signed-in account (never from the URL or a
widget): **public** (nobody signed in: an investor at a meeting, a resident on the district
network) and **staff** (any signed-in account: viewer, editor, admin).

The public view is built from *projected* frames that hold only the registry's public fields:
what is not in the frame cannot reach a map payload, a table, a detail panel or a download by
a slip in one renderer (security.md §2.1 X6, A7).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import geopandas as gpd
import pandas as pd

from landmap.layers import LAYER_BY_ID, FieldSpec, Label, LayerSpec

# Structural and computed columns every audience sees: the id (links), name, status code,
# the measures the app computes in EPSG:4543, and the shape itself.
PUBLIC_CORE_COLUMNS = ("id", "name", "status", "area_m2", "area_mu", "length_km")

_LABELS = {
    "staff": Label("内部视图", "Internal view"),
    "public": Label("公开视图", "Public view"),
}


class Audience(StrEnum):
    """Who an output is for, which decides the fields it carries.

    Staff outputs carry internal fields (contacts, disputes, holdouts, history, deadlines); a
    public output carries only the fields the registry marks ``public`` (docs/product.md).
    """

    STAFF = "staff"
    PUBLIC = "public"

    @property
    def is_staff(self) -> bool:
        return self is Audience.STAFF

    def fields(self, layer: LayerSpec) -> tuple[FieldSpec, ...]:
        """The registry fields of ``layer`` this audience may see, in registry order."""
        return layer.all_fields if self.is_staff else layer.public_fields

    def statuses(self, layer: LayerSpec) -> tuple[str, ...]:
        """The status codes of ``layer`` this audience can meet (the status filter's choices)."""
        if self.is_staff or not layer.offered_statuses:
            return layer.status_codes if self.is_staff or layer.investor_context else ()
        return tuple(c for c in layer.status_codes if c in layer.offered_statuses)

    def label(self, lang: str) -> str:
        """The marker shown on every page: 公开视图 / 内部视图."""
        return _LABELS[self.value].get(lang)


def audience_for(signed_in: bool, *, internal_without_sign_in: bool = False) -> Audience:
    """The audience of a request: staff when an account is signed in, else public.

    ``internal_without_sign_in`` is the deployment's explicit choice (``Settings``) to show
    internal data to everyone who reaches the app; it never comes from the request.
    """
    if signed_in or internal_without_sign_in:
        return Audience.STAFF
    return Audience.PUBLIC


def visible_columns(layer: LayerSpec, audience: Audience) -> tuple[str, ...]:
    """The attribute columns (geometry aside) ``audience`` may receive for ``layer``."""
    return (*PUBLIC_CORE_COLUMNS, *(f.key for f in audience.fields(layer)))


def public_row_mask(frame: gpd.GeoDataFrame, layer: LayerSpec) -> pd.Series:
    """Which features of ``layer`` the public sees (investor mode, docs/product.md).

    Plots of an offered layer only at the statuses the registry offers (具备供地条件, 招商推介中,
    挂牌公告中 …): a plot still under expropriation or in a dispute is not advertised. Layers
    that sell the plots (road projects, renovated compounds) are shown whole; others not at all.
    """
    if layer.offered_statuses:
        by_status = frame["status"].isin(layer.offered_statuses)
        if "publish" not in frame:
            return by_status
        # An editor's override (the tracked ``publish`` field) wins over the status rule.
        publish = frame["publish"].astype(object).where(frame["publish"].notna(), "")
        return (by_status & (publish != "off")) | (publish == "on")
    return pd.Series(layer.investor_context, index=frame.index, dtype=bool)


def project_frame(
    frame: gpd.GeoDataFrame, layer: LayerSpec, audience: Audience
) -> gpd.GeoDataFrame:
    """``frame`` with only what ``audience`` may see; staff get the frame unchanged.

    Public: the rows of ``public_row_mask`` and the public columns. Both are allowlists: a
    column added to the data later (an internal score, a deadline state) stays out until the
    registry declares it public, and a new status stays private until the registry offers it.
    """
    if audience.is_staff:
        return frame
    allowed = set(visible_columns(layer, audience))
    keep = [c for c in frame.columns if c in allowed or c == frame.geometry.name]
    return frame.loc[public_row_mask(frame, layer), keep]


def project_frames(
    frames: Mapping[str, gpd.GeoDataFrame], audience: Audience
) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of ``frames`` projected for ``audience`` (see ``project_frame``)."""
    return {
        layer_id: project_frame(frame, LAYER_BY_ID[layer_id], audience)
        for layer_id, frame in frames.items()
    }
