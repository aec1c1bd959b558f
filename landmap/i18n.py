"""UI texts in Chinese (default) and English, one key per text, from ``locales/*.toml``.

Layer, status and field names are not here: they live in the layer registry (``layers.py``).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
_LOCALE_DIR = Path(__file__).resolve().parent / "locales"


@cache
def catalog(lang: str) -> dict[str, str]:
    with open(_LOCALE_DIR / f"{lang}.toml", "rb") as fh:
        return _flatten(tomllib.load(fh))


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def normalise_language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``.

    A missing key shows the key itself rather than failing: a gap in a translation must not
    take the map down. A test keeps both catalogues complete.
    """
    text = catalog(normalise_language(lang)).get(key)
    if text is None:
        text = catalog(DEFAULT_LANGUAGE).get(key, key)
    return text.format(**values) if values else text


def plural(key: str, count: int, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """``{key}.one`` when ``count`` is 1, else ``{key}.other``, filled with ``count``.

    English needs both ("1 change", "2 changes"); Chinese gives the same text to both keys.
    """
    form = "one" if count == 1 else "other"
    return t(f"{key}.{form}", lang, count=count, **values)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in text)


def mark_chinese(text: str, lang: str) -> str:
    """Free text as it was written, marked as Chinese in English mode (investors see that
    it is a name or a note in Chinese, not a missing translation)."""
    if lang == "en" and _has_cjk(text):
        return f"{text} {t('i18n.in_chinese', lang)}"
    return text
