"""Every file of the peer corpus (other projects' odd and hostile geodata) through the CLI.

``../shared/peer-corpus/`` (beside the checkout, in CI too) holds 151 files from GDAL, Fiona,
pyogrio, geojsonhint, PDOK, pyshp, shapefile-js, togeojson, fastkml and Chinese outlines. Each
goes through ``python -m landmap validate`` (in English) and ``import --mode add`` (in
Chinese, with a default status so that files in the district can really be written) on its own
scratch copy of the sample store, in the real sandbox. Two files at a time (CI has two cores),
and each file is parsed in the sandbox once: the import reuses the validate run's reading of
the same bytes (``_read_once``), since reading is deterministic and is what costs the time.

Owed for every file: no crash, no hang, an exit status of 0 or 1; a refused import leaves the
store byte for byte; an accepted one leaves it readable with the new features; every message
is free of Python exception names and of the "unexpected error" last resort.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import hashlib
import io
import multiprocessing
import re
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, SAMPLE_GPKG

CORPUS = REPO_ROOT.parent / "shared" / "peer-corpus"
DEFAULT_STATUS = {"idle_land": "identified", "roads": "planning"}
# A hang is a file that takes longer than this (the sandbox's own wall clock is 90 s).
HANG_SECONDS = 60.0
# Words of a Python traceback or exception; "Error" alone is fine in English sentences.
_PYTHON_TEXT = re.compile(
    r"Traceback|\b[A-Z]\w*(?:Error|Exception|Warning)\b|DataSourceError|errno|\bNone\b|"
    r"File \"|line \d+, in"
)
_UNEXPECTED = ("意外错误", "unexpected error", "程序异常退出", "stopped unexpectedly")


def corpus_files() -> list[tuple[str, str]]:
    if not (CORPUS / "SOURCES.tsv").exists():
        return []
    with (CORPUS / "SOURCES.tsv").open(encoding="utf-8") as f:
        return [(row["file"], row["layer"]) for row in csv.DictReader(f, delimiter="\t")]


FILES = corpus_files()
pytestmark = pytest.mark.skipif(not FILES, reason=f"no peer corpus at {CORPUS}")


@dataclass(frozen=True)
class Run:
    code: object  # exit status, or the exception's text if the command raised
    out: str
    seconds: float
    store_changed: bool
    err: str = ""  # the terminal's error stream: diagnostics belong in the log, not here


@dataclass(frozen=True)
class Outcome:
    validate: Run
    import_: Run
    readable: str  # "" or why the store could not be read after an accepted import


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(argv: list[str], store: Path) -> Run:
    from landmap.cli.main import main

    before, out, err, started = _digest(store), io.StringIO(), io.StringIO(), time.monotonic()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code: object = main(argv)
    except BaseException as exc:  # a crash is what this test looks for
        code = f"{type(exc).__name__}: {exc}"
    changed = _digest(store) != before
    return Run(code, out.getvalue(), time.monotonic() - started, changed, err.getvalue())


def _readable(store: Path, layer: str) -> str:
    from landmap.dataset import load_dataset
    from landmap.store import GpkgStore

    try:
        gpkg = GpkgStore(store)
        gpkg.read_table(layer)
        load_dataset(gpkg)
    except Exception as exc:  # reported by the test
        return f"{type(exc).__name__}: {exc}"
    return ""


def _read_once() -> None:
    """In this worker process: the sandbox's answer for given bytes is asked for only once."""
    from landmap.ingest import plan, sandbox

    if getattr(plan.sandbox, "read_once", False):
        return

    def cached(read):
        answers: dict[tuple, object] = {}

        def wrapper(data: bytes, filename: str, **kwargs):
            key = (hashlib.sha256(data).hexdigest(), filename, repr(sorted(kwargs.items())))
            if key not in answers:
                try:
                    answers[key] = read(data, filename, **kwargs)
                except Exception as exc:  # a refusal is an answer too
                    answers[key] = exc
            answer = answers[key]
            if isinstance(answer, Exception):
                raise answer
            return copy.deepcopy(answer)

        return wrapper

    class Once:
        read_once = True
        read_geodata = staticmethod(cached(sandbox.read_geodata))
        read_table = staticmethod(cached(sandbox.read_table))

    plan.sandbox = Once  # type: ignore[assignment]


def run_file(name: str, layer: str, workdir: str) -> Outcome:
    """validate (en), then import --mode add (zh), on a private copy of the sample."""
    _read_once()
    store = Path(workdir) / name / "store.gpkg"
    store.parent.mkdir(parents=True)
    shutil.copy(SAMPLE_GPKG, store)
    source = str(CORPUS / "files" / name)
    common = ["--data", str(store)]
    validate = _run([*common, "--lang", "en", "validate", source, "--layer", layer], store)
    import_ = _run(
        [
            *common,
            "import",
            source,
            "--layer",
            layer,
            "--mode",
            "add",
            "--default-status",
            DEFAULT_STATUS[layer],
            "--user",
            "corpus-test",
        ],
        store,
    )
    readable = _readable(store, layer) if import_.code == 0 else ""
    return Outcome(validate, import_, readable)


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    workdir = tempfile.mkdtemp(prefix="landmap-corpus-")
    try:
        # fork: the workers share the imported modules; each file's reading is its own child.
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {name: pool.submit(run_file, name, layer, workdir) for name, layer in FILES}
            return {name: future.result() for name, future in futures.items()}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _check_words(run: Run, lang: str) -> None:
    assert run.code in (0, 1), f"crashed: {run.code}\n{run.out}"
    assert run.out.strip(), "no message at all"
    assert not run.err.strip(), f"written to the terminal's error stream: {run.err}"
    assert not _PYTHON_TEXT.search(run.out), run.out
    assert not any(word in run.out for word in _UNEXPECTED), run.out
    if lang == "zh":
        assert re.search(r"[\u4e00-\u9fff]", run.out), run.out
    else:
        assert "[错误]" not in run.out and "[提示]" not in run.out, run.out


@pytest.mark.parametrize(("name", "layer"), FILES, ids=[f for f, _ in FILES])
def test_corpus_file_is_imported_or_refused_clearly(
    outcomes: dict[str, Outcome], name: str, layer: str
) -> None:
    outcome = outcomes[name]
    for run, lang in ((outcome.validate, "en"), (outcome.import_, "zh")):
        _check_words(run, lang)
        assert run.seconds < HANG_SECONDS, f"took {run.seconds:.0f} s"
    assert not outcome.validate.store_changed, "validate wrote to the store"
    if outcome.import_.code == 0:
        assert outcome.import_.store_changed and not outcome.readable, outcome.readable
    else:
        assert not outcome.import_.store_changed, "a refused import changed the store"


def test_corpus_figures(outcomes: dict[str, Outcome]) -> None:
    """The district's own DataV outline (GCJ-02, nested properties) is imported, not refused."""
    accepted = sorted(n for n, o in outcomes.items() if o.import_.code == 0)
    print(f"\npeer corpus: {len(accepted)} imported, {len(outcomes) - len(accepted)} refused")
    print("imported: " + ", ".join(accepted))
    assert len(outcomes) == len(FILES)
    assert "datav__510403.json" in accepted
