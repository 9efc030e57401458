"""The allowlist for user content and the one function that enforces it.

``sanitize_html`` is the last step of rendering (see ``forums.rendering``): whatever the
Markdown stage produced, only what is listed here reaches a page. Everything outside this
module talks to ``sanitize_html`` and the constants below, never to bleach, so the library
can be swapped without touching callers; ``tests/test_rendering.py`` pins the allowlist, so
widening it is a deliberate, reviewed change.

Decisions:

- Tags outside the allowlist are escaped, not dropped: a member who types ``<div>`` outside
  backticks sees ``<div>`` rather than losing words. Comments are removed.
- ``class`` is allowed on a few tags and only with known values: Pygments token classes on
  ``span``, ``codehilite`` on ``div``, ``language-<Pygments alias>`` on ``code``, ``mention``
  on ``a``, ``quote`` on ``blockquote``. An attribute with any unknown value is dropped whole.
- Links may point to http, https and mailto URLs or to a path on this site; ``//host``
  (scheme-relative) is refused. Images may only come from http(s) or a path on this site.
  Schemes are judged after decoding entities and removing whitespace and control
  characters, the way a browser reads them.
- Every surviving link gets ``rel="nofollow ugc noopener"``; a link whose ``href`` did not
  survive becomes plain text.
- Bare ``http(s)://`` and ``www.`` addresses in text become links (never inside ``code``,
  ``pre`` or an existing link). Bare domains such as ``setup.py`` and e-mail addresses
  stay text.
"""

import html
import re
import threading
from collections.abc import Mapping
from functools import cache, partial
from types import MappingProxyType

import bleach
from bleach.linkifier import LinkifyFilter
from pygments.lexers import get_all_lexers
from pygments.token import STANDARD_TYPES

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "FIXED_CLASSES",
    "IMAGE_SCHEMES",
    "LINK_REL",
    "LINK_SCHEMES",
    "allowed_classes",
    "sanitize_html",
]

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr",
        # Headings start at h3: the page title and section headings own h1 and h2.
        "h3", "h4", "h5", "h6",
        "strong", "em", "del", "code", "pre", "kbd", "sup", "sub",
        "blockquote", "ul", "ol", "li",
        "a", "img",
        "table", "thead", "tbody", "tr", "th", "td",
        "span", "div",
        "details", "summary",
    }
)  # fmt: skip

ALLOWED_ATTRIBUTES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "a": frozenset({"href", "title", "class"}),
        "img": frozenset({"src", "alt", "title", "width", "height"}),
        "span": frozenset({"class"}),
        "div": frozenset({"class"}),
        "code": frozenset({"class"}),
        "blockquote": frozenset({"class"}),
        "th": frozenset({"align"}),
        "td": frozenset({"align"}),
        "ol": frozenset({"start"}),
    }
)

# Class values that do not depend on Pygments; ``allowed_classes`` adds the Pygments ones.
FIXED_CLASSES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "a": frozenset({"mention"}),
        "blockquote": frozenset({"quote"}),
        "div": frozenset({"codehilite"}),
    }
)

LINK_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES: frozenset[str] = frozenset({"http", "https"})
LINK_REL = "nofollow ugc noopener"

_ALIGN_VALUES = frozenset({"left", "right", "center"})
_SIZE_RE = re.compile(r"[0-9]{1,4}\Z")
_START_RE = re.compile(r"[0-9]{1,9}\Z")
_ALIAS_RE = re.compile(r"[A-Za-z0-9_+#.\-]+")
_SCHEME_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
# Browsers ignore ASCII whitespace and C0 controls around a URL and tabs and newlines inside
# it, so "jav&#x09;ascript:" is javascript:. Removing all of them before reading the scheme
# is stricter than any browser.
_IGNORED_URL_CHARS_RE = re.compile(r"[\x00-\x20\x7f]+")
# Bare addresses worth linking: an explicit http(s) scheme or a www. host. The character
# class stops at whitespace and at characters that cannot appear unescaped in a URL, and the
# last character is not sentence punctuation; bleach then trims unbalanced parentheses.
_BARE_URL_RE = re.compile(
    r"(?<![\w@/.:=+\-])(?:https?://|www\.)"
    r"[^\s<>\"'`{}|\\^\[\]]*[^\s<>\"'`{}|\\^\[\]!?:;,.*_~]",
    re.IGNORECASE,
)


@cache
def allowed_classes(tag: str) -> frozenset[str]:
    """Every class value ``tag`` may carry."""
    if tag == "span":
        return frozenset(name for name in STANDARD_TYPES.values() if name)
    if tag == "code":
        return frozenset(
            f"language-{alias}"
            for _name, aliases, _files, _mimetypes in get_all_lexers(plugins=False)
            for alias in aliases
            if _ALIAS_RE.fullmatch(alias)
        )
    return FIXED_CLASSES.get(tag, frozenset())


def _url_is_allowed(value: str, schemes: frozenset[str]) -> bool:
    # Entities are decoded once more than a browser would, so that a doubly encoded scheme
    # is judged by what it spells; that only ever makes the check stricter.
    url = _IGNORED_URL_CHARS_RE.sub("", html.unescape(value))
    if url.startswith(("//", "\\\\", "/\\", "\\/")):
        return False
    match = _SCHEME_RE.match(url)
    if match is None:
        # No scheme: a path, query or fragment on this site.
        return True
    return match.group(1).lower() in schemes


def _allow_attribute(tag: str, name: str, value: str) -> bool:
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()):
        return False
    match name:
        case "class":
            values = value.split()
            return bool(values) and allowed_classes(tag).issuperset(values)
        case "href":
            return _url_is_allowed(value, LINK_SCHEMES)
        case "src":
            return _url_is_allowed(value, IMAGE_SCHEMES)
        case "width" | "height":
            return _SIZE_RE.match(value.strip()) is not None
        case "start":
            return _START_RE.match(value.strip()) is not None
        case "align":
            return value.strip().lower() in _ALIGN_VALUES
        case _:
            return True


def _finish_link(attrs: dict, new: bool = False) -> dict | None:
    """Give every link the same ``rel``; a link left without a target becomes plain text."""
    if not attrs.get((None, "href")):
        return None
    attrs[(None, "rel")] = LINK_REL
    attrs.pop((None, "target"), None)
    return attrs


def _build_cleaner(*, links: bool) -> bleach.sanitizer.Cleaner:
    link_filter = partial(
        LinkifyFilter,
        callbacks=[_finish_link],
        skip_tags={"pre", "code"},
        parse_email=False,
        url_re=_BARE_URL_RE,
    )
    return bleach.sanitizer.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allow_attribute,
        protocols=LINK_SCHEMES,
        strip=False,
        strip_comments=True,
        filters=[link_filter] if links else [],
    )


# bleach's Cleaner keeps parser state, so each thread gets its own pair.
_local = threading.local()


def _cleaner(*, links: bool) -> bleach.sanitizer.Cleaner:
    name = "with_links" if links else "without_links"
    cleaner = getattr(_local, name, None)
    if cleaner is None:
        cleaner = _build_cleaner(links=links)
        setattr(_local, name, cleaner)
    return cleaner


def sanitize_html(fragment: str) -> str:
    """Return ``fragment`` reduced to the allowlist, with links made safe and bare URLs linked.

    The input is parsed as a browser would parse it, so broken nesting and unclosed tags are
    repaired rather than passed on.
    """
    # The link pass costs time on every character; skip it when the fragment can neither
    # contain an <a> element nor a bare address to link.
    lowered = fragment.lower()
    links = "<a" in lowered or "http" in lowered or "www." in lowered
    return _cleaner(links=links).clean(fragment)
