"""Several processes, one database: two editors × 500 interleaved saves lose nothing.

Each editor runs in its own OS process with its own connections (as two app servers behind a
proxy do) and saves the way the edit form does (``edit_worker``). Every third round both pick
the same feature from the same reading: exactly one save wins and the other is refused as a
conflict. Afterwards every saved value is in the history, in order, with nothing overwritten
unseen: each history row's old value is the previous row's new value.
"""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path

import pytest

from landmap.store import GpkgStore
from landmap.store.postgis import PostgisStore
from landmap.store.transfer import copy_store
from tests.store.edit_worker import LAYER, run_editor

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "xiqu_sample.gpkg"
ROUNDS = 500
SAME_EVERY = 3
EDITORS = 2


@pytest.mark.postgis
@pytest.mark.timeout(600)
def test_two_editor_processes_500_saves_each_lose_no_update(database_url, tmp_path):
    scratch = tmp_path / "sample.gpkg"
    shutil.copy(SAMPLE, scratch)
    database = PostgisStore(database_url)
    copy_store(GpkgStore(scratch), database)
    history_before = len(database.history())
    feature_ids = sorted(database.read_table(LAYER)["id"].astype(str))[:6]

    context = multiprocessing.get_context("spawn")  # fresh interpreters: no shared connections
    barrier = context.Barrier(EDITORS, timeout=120)
    results = context.Queue()
    editors = [
        context.Process(
            target=run_editor,
            args=(database_url, n, feature_ids, ROUNDS, SAME_EVERY, barrier, results),
        )
        for n in range(EDITORS)
    ]
    for process in editors:
        process.start()
    outcomes = dict(results.get(timeout=540) for _ in editors)
    for process in editors:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert all(len(outcomes[n]) == ROUNDS for n in range(EDITORS)), "an editor stopped early"

    # Same feature from the same reading: one wins, one is told of the conflict.
    contested = 0
    for first, second in zip(outcomes[0], outcomes[1], strict=True):
        if first.feature_id == second.feature_id:
            contested += 1
            assert first.saved != second.saved, f"round {first.round}: both or neither saved"
        else:
            assert first.saved and second.saved, f"round {first.round}: a free save refused"
    assert contested == len(range(0, ROUNDS, SAME_EVERY))
    saved = [o for n in range(EDITORS) for o in outcomes[n] if o.saved]
    assert len(saved) == EDITORS * ROUNDS - contested

    # Versions: each feature moved once per saved edit, in the order the saves were made.
    versions = database.feature_versions(LAYER)
    for feature_id in feature_ids:
        wins = sorted(o.new_version for o in saved if o.feature_id == feature_id)
        assert wins == list(range(1, len(wins) + 1)), feature_id
        assert versions.get(feature_id, 0) == len(wins)

    # History: a status row per saved edit that changed it, chained without a gap.
    history = database.history().iloc[history_before:]
    assert set(history["source"]) == {"app"}
    for feature_id in feature_ids:
        rows = history[(history["feature_id"] == feature_id) & (history["field"] == "status")]
        wins = sorted((o for o in saved if o.feature_id == feature_id), key=lambda o: o.new_version)
        assert list(rows["new_value"]) == [o.new_status for o in wins]
        olds, news = list(rows["old_value"])[1:], list(rows["new_value"])[:-1]
        assert olds == news, f"{feature_id}: a save overwrote a value its editor never saw"
        stored = database.read_table(LAYER).set_index("id").loc[feature_id, "status"]
        assert stored == (wins[-1].new_status if wins else stored)
