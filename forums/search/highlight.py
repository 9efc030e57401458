"""Snippets and titles with the matched words marked, as safe HTML.

The engines return plain text with MARK_START/MARK_END around matched words. Here the text
is tidied (Markdown punctuation that reads as noise in a one-line excerpt is removed),
escaped piece by piece, and the marks become ``<mark>``. Nothing else survives as markup,
whatever the post contained, and a stray or unbalanced mark cannot open an element that is
never closed.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .backends import MARK_END, MARK_START

_MARKS_RE = re.compile(f"([{MARK_START}{MARK_END}])")
_MARKDOWN_NOISE = (
    # [text](url "title") -> text; ![alt](src) -> alt
    (re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)"), r"\1"),
    # ... and one a snippet cut off before its closing parenthesis
    (re.compile(r"!?\[([^\]\n]*)\]\([^)\s]*"), r"\1"),
    # fenced code markers and their language
    (re.compile(r"(?:`{3,}|~{3,})[\w+#.-]*"), " "),
    # headings, quotes and list bullets at line starts
    (re.compile(r"(?m)^\s*(?:#{1,6}|>+|[-*+]|\d+\.)\s+"), ""),
    # emphasis and inline code markers (an underscore inside a word stays)
    (re.compile(r"\*\*|__|`"), ""),
    (re.compile(r"(?<![\w*])[*_](?=\S)|(?<=\S)[*_](?![\w*])"), ""),
    # table rules
    (re.compile(r"\|?\s*:?-{3,}:?\s*(?=\||$)"), " "),
    (re.compile(r"\s*\|\s*"), " · "),
)


def tidy(text: str) -> str:
    for pattern, replacement in _MARKDOWN_NOISE:
        text = pattern.sub(replacement, text)
    text = " ".join(text.split())
    return text.strip(" ·")


def marked_html(text: str, *, markdown: bool = True) -> SafeString:
    """Escape ``text`` and turn its marks into <mark> elements."""
    if markdown:
        text = tidy(text or "")
    parts = []
    open_mark = False
    for piece in _MARKS_RE.split(text or ""):
        if piece == MARK_START:
            if not open_mark:
                parts.append("<mark>")
                open_mark = True
        elif piece == MARK_END:
            if open_mark:
                parts.append("</mark>")
                open_mark = False
        elif piece:
            parts.append(escape(piece))
    if open_mark:
        parts.append("</mark>")
    return mark_safe("".join(parts))  # every piece was escaped above


def excerpt(text: str, *, limit: int = 220) -> SafeString:
    """The start of a post, tidied and escaped, for results without a highlighted match."""
    text = tidy(text or "").replace(MARK_START, "").replace(MARK_END, "")
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return marked_html(text, markdown=False)
