"""What the progress features read besides the layers: history, milestones, versions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from landmap.layers import LAYERS, LayerSpec
from landmap.progress.edits import current_values, milestone_field
from landmap.store.base import TrackingStore


@dataclass(frozen=True)
class Tracking:
    history: pd.DataFrame  # GpkgStore.history() rows, oldest first
    milestones: pd.DataFrame  # layer, feature_id, target_status, due_date
    versions: dict[tuple[str, str], int] = field(default_factory=dict)  # (layer, id) -> version

    def version(self, layer_id: str, feature_id: str) -> int:
        return self.versions.get((layer_id, feature_id), 0)

    def feature_history(self, feature_id: str) -> pd.DataFrame:
        return self.history[self.history["feature_id"] == feature_id]

    def feature_milestones(self, layer_id: str, feature_id: str) -> dict[str, str]:
        """Target status -> due date of one feature, in the layer's status order."""
        rows = self.milestones[
            (self.milestones["layer"] == layer_id) & (self.milestones["feature_id"] == feature_id)
        ]
        return {str(r.target_status): str(r.due_date)[:10] for r in rows.itertuples()}

    def editable_values(self, layer: LayerSpec, row: Mapping[str, object]) -> dict[str, str | None]:
        """Everything an editor may change on a feature, as canonical text: its tracked
        fields (from ``row``) and its deadlines (from the milestones table)."""
        return {
            **current_values(layer, row),
            **self.milestone_values(layer.id, str(row["id"])),
        }

    def milestone_values(self, layer_id: str, feature_id: str) -> dict[str, str | None]:
        """The milestones as edit fields ("milestone:<target>" -> due date)."""
        return {
            milestone_field(target): due
            for target, due in self.feature_milestones(layer_id, feature_id).items()
        }


def load_tracking(store: TrackingStore, layers: tuple[LayerSpec, ...] = LAYERS) -> Tracking:
    versions = {
        (layer_id, feature_id): version
        for layer_id, by_id in store.versions_by_layer(layer.id for layer in layers).items()
        for feature_id, version in by_id.items()
    }
    return Tracking(store.history(), store.milestones(), versions)
