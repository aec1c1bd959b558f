"""Text from data shown by the UI: always as text, never as markup (security.md §2.1)."""

from __future__ import annotations

import html
import re

# Every ASCII punctuation mark may be backslash-escaped in CommonMark; escaping them all turns
# links, images (tracking beacons), emphasis, HTML and Streamlit's :color[...] directives into
# plain characters.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^%@;,?/])")


def md_escape(value: object) -> str:
    """A value for ``st.markdown`` and friends, shown literally."""
    text = "" if value is None else str(value)
    text = text.replace("\r", " ").replace("\n", " ")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def md_text(value: object) -> str:
    """Possibly multi-line text for ``st.error``/``st.warning``/``st.markdown``: every line
    shown literally, line breaks kept. For messages that can carry a file's or a form's
    values (report lines, problems, errors): no image, link or HTML from data is rendered."""
    text = "" if value is None else str(value)
    return "  \n".join(md_escape(line) for line in text.splitlines())


def html_text(value: object) -> str:
    """A value for an HTML context (attribute or element text)."""
    return "" if value is None else html.escape(str(value), quote=True)
