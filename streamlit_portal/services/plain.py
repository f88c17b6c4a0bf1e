"""Text from clients, imports and vendors is shown as it was typed, never rendered.

Most Streamlit elements (markdown, caption, info, warning, subheader, expander labels) render their
string as Markdown: a client's feedback could show a remote image in the admin's browser (a tracking
pixel) or a live link. Free text goes through `st.text` (`quoted`); short values inside a Markdown
line (a name, a subject) go through `md_escape`.
"""

from __future__ import annotations

import re

import streamlit as st

# CommonMark lets any ASCII punctuation be escaped with a backslash, and then shows it literally. That
# covers links, images, emphasis, headings, tables, HTML, Streamlit's :icon: and :color[...] directives
# and $math$. Line breaks become spaces so nothing can start a new block.
_PUNCTUATION = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")


def md_escape(text: object) -> str:
    """`text` for use inside a Markdown string, shown exactly as typed (None shows as an empty string)."""
    if text is None:
        return ""
    return _PUNCTUATION.sub(r"\\\1", re.sub(r"\s*[\r\n]+\s*", " ", str(text)))


def quoted(label: str, text: str, icon: str = ":material/format_quote:") -> None:
    """A fixed label of ours, then someone else's text as plain text (no Markdown, images or links)."""
    st.caption(f"{icon} {label}")
    st.text(text)
