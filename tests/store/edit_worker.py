"""One editor in its own process, saving the way the app's edit form does (for the two-process
test): read the feature's values and version (the form opens), wait for the other editor, save
through the same rules (``changed_fields``, ``check_edit``) and ``PostgisStore.apply_edits``.

Both processes read before either writes (a barrier), then both write before either reads
again, so whenever they picked the same feature exactly one of them must be refused.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from landmap.layers import get_layer
from landmap.progress.edits import FeatureEdit, changed_fields, check_edit, current_values
from landmap.store import EditConflict
from landmap.store.postgis import PostgisStore

LAYER = "idle_land"


@dataclass(frozen=True)
class Outcome:
    round: int
    feature_id: str
    expected_version: int
    saved: bool
    new_version: int | None
    new_status: str | None
    new_publish: str | None


def run_editor(
    url: str,
    editor: int,
    feature_ids: list[str],
    rounds: int,
    same_every: int,
    barrier,  # multiprocessing.Barrier shared by both editors
    results,  # multiprocessing.Queue: this editor's outcomes, then None
) -> None:
    """``rounds`` saves; every ``same_every``-th round both editors take the same feature."""
    spec = get_layer(LAYER)
    store = PostgisStore(url)
    shared = random.Random(1)  # the same sequence in both processes
    own = random.Random(100 + editor)
    codes = list(spec.status_codes)
    outcomes: list[Outcome] = []
    try:
        for n in range(rounds):
            pick = shared.randrange(len(feature_ids))
            if n % same_every:  # the two editors on different features this round
                pick = (pick + editor) % len(feature_ids)
            feature_id = feature_ids[pick]
            frame = store.read_table(LAYER)
            row = frame[frame["id"] == feature_id].iloc[0]
            current = current_values(spec, row.to_dict())
            version = store.feature_versions(LAYER).get(feature_id, 0)
            wanted = {
                "status": own.choice([c for c in codes if c != current["status"]]),
                "publish": own.choice(["on", "off", None]),
            }
            changes = changed_fields(spec, current, wanted)
            edit = FeatureEdit(LAYER, feature_id, version, changes)
            assert not check_edit(spec, edit, current, f"第 {n} 轮"), "the form would refuse"
            barrier.wait()
            try:
                applied = store.apply_edits(
                    [edit], user=f"editor{editor}", note=f"第 {n} 轮", source="app"
                )
                saved, new_version = True, applied.versions[feature_id]
            except EditConflict:
                saved, new_version = False, None
            values = {c.field: c.new for c in changes}
            outcomes.append(
                Outcome(
                    n,
                    feature_id,
                    version,
                    saved,
                    new_version,
                    values.get("status", current["status"]),
                    values.get("publish", current["publish"]),
                )
            )
            barrier.wait()
    finally:
        results.put((editor, outcomes))
