"""The benchmark keeps running (speed targets live in bench/, not in tests)."""

from __future__ import annotations

import importlib.util

from tests.conftest import REPO_ROOT


def test_benchmark_smoke_run_sends_fewer_bytes_than_explore(capsys):
    spec = importlib.util.spec_from_file_location("bench_map", REPO_ROOT / "bench" / "bench_map.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    results = bench.main(["--plots", "300", "--repeat", "1", "--no-rerun"])
    sample, synthetic = results["rows"]
    assert sample["features"] > 80 and synthetic["features"] == 300
    # Bytes are deterministic: the payload must be smaller than explore()'s on both sets.
    assert sample["bytes_ratio"] > 1.5 and synthetic["bytes_ratio"] > 3
    assert "explore" in capsys.readouterr().out
