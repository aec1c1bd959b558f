"""An import killed half-way (SIGKILL, at a random moment, 50 times) leaves the store
readable and either fully as it was or fully imported; the next import still works.

The plan is prepared once (one sandbox read); each trial forks a process that commits it to
the same store and kills it after a random delay spread over a whole commit, so the kill
lands before, during and after the write.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import random
import shutil
import signal
import time
from pathlib import Path

import geopandas as gpd
import pytest

from landmap.dataset import load_dataset
from landmap.ingest.plan import ImportOptions, commit_import, prepare_import
from landmap.store import GpkgStore
from tests.conftest import SAMPLE_GPKG, square_4543

TRIALS = 50
NEW_IDS = ["KILL-1", "KILL-2"]
_FORK = multiprocessing.get_context("fork")


def _commit(plan, store_path: Path) -> None:
    commit_import(plan, GpkgStore(store_path), user="kill-test")


def _ids(store_path: Path) -> list[str]:
    return [str(i) for i in GpkgStore(store_path).read_table("idle_land")["id"]]


@pytest.fixture
def plan_and_store(tmp_path: Path):
    store_path = tmp_path / "store" / "xiqu.gpkg"
    store_path.parent.mkdir()
    shutil.copy(SAMPLE_GPKG, store_path)
    frame = gpd.GeoDataFrame(
        {"编号": NEW_IDS, "名称": ["甲地块", "乙地块"], "状态": ["已挂牌", "已收储"]},
        geometry=[square_4543(3000, 3000, 100), square_4543(3300, 3000, 90)],
        crs=4543,
    ).to_crs(4326)
    data = frame.to_json(ensure_ascii=False, drop_id=True).encode("utf-8")
    plan = prepare_import(
        data, "new.geojson", ImportOptions(layer_id="idle_land"), GpkgStore(store_path), None
    )
    assert plan.can_commit, plan.summary_lines("zh")
    return plan, store_path


def test_an_import_killed_at_random_moments_is_all_or_nothing(plan_and_store) -> None:
    plan, store_path = plan_and_store
    original = store_path.with_name("original.gpkg")
    shutil.copy(store_path, original)
    old_ids = _ids(store_path)
    new_ids = old_ids + NEW_IDS

    def fresh_plan():
        return dataclasses.replace(plan, store_version=GpkgStore(store_path).version())

    # How long one commit takes here, so that the kills spread over all of it.
    started = time.monotonic()
    process = _FORK.Process(target=_commit, args=(fresh_plan(), store_path))
    process.start()
    process.join(60)
    duration = time.monotonic() - started
    assert process.exitcode == 0 and _ids(store_path) == new_ids
    shutil.copy(original, store_path)

    rng = random.Random(20261204)
    outcomes = []
    for _ in range(TRIALS):
        process = _FORK.Process(target=_commit, args=(fresh_plan(), store_path))
        process.start()
        time.sleep(rng.uniform(0, duration * 1.2))
        process.kill()  # SIGKILL: no cleanup, no finally
        process.join(10)
        assert process.exitcode in (0, -signal.SIGKILL)
        ids = _ids(store_path)  # readable …
        assert ids in (old_ids, new_ids)  # … and all or nothing
        load_dataset(GpkgStore(store_path))
        outcomes.append(ids == new_ids)
        if ids == new_ids:
            shutil.copy(original, store_path)

    print(f"\n{TRIALS} kills: {sum(outcomes)} left the new store, the rest the old one")
    # The kills fell on both sides of the swap, so both ends were really tested.
    assert any(outcomes) and not all(outcomes), outcomes
    # No lock or scratch file left behind stops the next import.
    commit_import(fresh_plan(), GpkgStore(store_path), user="after-the-kills")
    assert _ids(store_path) == new_ids
