"""Problems found while importing: values the UI and the CLI render the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from landmap.layers import Label

# Listing every id of a 10 000-feature problem helps nobody; the count is always given.
MAX_IDS_SHOWN = 20


class Severity(StrEnum):
    ERROR = "error"  # the file (or these features) cannot be imported as they are
    WARNING = "warning"  # imported, but a person should look


@dataclass(frozen=True)
class ImportProblem:
    """One problem, in words a clerk understands, with the features it concerns.

    ``message`` holds the zh and en text with ``{placeholders}`` filled from ``values``.
    """

    code: str
    message: Label
    severity: Severity = Severity.ERROR
    feature_ids: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def text(self, lang: str) -> str:
        body = self.message.get(lang).format(**dict(self.values))
        if not self.feature_ids:
            return body
        shown = [render_feature(i, lang) for i in self.feature_ids[:MAX_IDS_SHOWN]]
        sep = ", " if lang == "en" else "、"
        ids = sep.join(shown)
        more = len(self.feature_ids) - len(shown)
        if more > 0:
            ids += f" (+{more})" if lang == "en" else f" 等（另有 {more} 个）"
        label = "Features" if lang == "en" else "涉及要素"
        return f"{body} {label}: {ids}" if lang == "en" else f"{body}{label}：{ids}"


# A feature without id or name is named by its place in the file: a marker here, words in
# ``render_feature`` ("第 3 行" / "row 3"), so the same problem reads right in either language.
_PLACE = "\x1f"
_PLACE_WORDS = {"row": ("第 {n} 行", "row {n}"), "feature": ("第 {n} 个要素", "feature {n}")}


def place_label(n: int, kind: str, *, aside: bool = False) -> str:
    """A feature named by its row of a table (``kind="row"``) or its order in a file.

    ``aside``: in brackets after a name several features share ("0（第 2 个要素）").
    """
    return f"{_PLACE}{kind}{'+' if aside else ''}:{n}"


_PLACE_MARK = re.compile(_PLACE + r"(row|feature)(\+?):(\d+)")
_ASIDE = ("（{}）", " ({})")


def render_feature(label: str, lang: str) -> str:
    """A feature id or name as given, with any ``place_label`` in it in words of ``lang``."""
    if _PLACE not in label:
        return label
    index = 1 if lang == "en" else 0

    def words(m: re.Match) -> str:
        text = _PLACE_WORDS[m[1]][index].format(n=m[3])
        return _ASIDE[index].format(text) if m[2] else text

    return _PLACE_MARK.sub(words, label)


def problem(
    code: str,
    zh: str,
    en: str,
    *,
    severity: Severity = Severity.ERROR,
    feature_ids: tuple[str, ...] | list[str] = (),
    **values: object,
) -> ImportProblem:
    """Shorthand: ``problem("zip_traversal", "压缩包…{name}", "The zip…{name}", name=n)``."""
    return ImportProblem(
        code,
        Label(zh, en),
        severity,
        tuple(str(i) for i in feature_ids),
        tuple((k, str(v)) for k, v in values.items()),
    )


class ImportRejected(Exception):
    """The whole file is refused; ``problem`` says why."""

    def __init__(self, problem: ImportProblem) -> None:
        super().__init__(problem.text("en"))
        self.problem = problem
