"""User content becomes HTML here and nowhere else (DESIGN.md, invariant 3).

``render_post`` turns a post's Markdown into HTML with Python-Markdown, then hands the result
to ``forums.sanitizer.sanitize_html``; the sanitiser always has the last word, whatever the
Markdown stage did. Callers store ``Rendered.html`` in ``Post.body_html`` and use
``mentions`` and ``quoted_post_ids`` to notify people.

What members can write:

- Standard Markdown with tables, sane lists and ``~~strikethrough~~``; a single newline is
  not a line break.
- Fenced code blocks (``` or ~~~, optionally with a language) highlighted by Pygments with
  CSS classes, at the top level and inside quotes and list items. Unknown languages, and
  code beyond a per-post highlighting budget, are shown plain; past ``MAX_CODE_BLOCKS``
  fences are no longer recognised.
- A few inline HTML tags Markdown has no syntax for: ``kbd``, ``sup``, ``sub``, ``del``,
  ``br``, ``img`` (for ``width``/``height``), ``details`` and ``summary``. Any other tag,
  comment or block of HTML is shown as the text that was typed.
- ``@username`` links to the member's profile when an active user has that name
  (case-insensitively). All names in a post are looked up with one query; at most
  ``MAX_MENTIONS`` distinct names per post are considered. Names in code, links, e-mail
  addresses and URLs are left alone. Mentions inside a quoted post are linked but not
  counted, so quoting someone does not notify the people they mentioned.
- An image whose address is an upload's (``![name](/uploads/<key>/<name>)``, as the
  composer inserts it) shows the upload's display-sized copy and links to the original.
- Headings are moved down two levels (``#`` becomes ``h3``) so a post never outranks the
  page it sits on.
- Quotes made by ``quote_markdown`` are styled as quotes and reported in
  ``quoted_post_ids`` (top-level quotes only: quotes inside quotes are history).
  The ids come from what the author typed, so callers must check that each post exists
  and that the reader may see it before acting on it.

Staying fast on hostile input (``tests/test_rendering.py`` times 50,000 characters of each
known bad shape):

- Python-Markdown's link, code-span and raw-HTML parsing scans ahead from every ``[``,
  backtick or ``<``, which is quadratic (minutes, for 50,000 ``[``). Those pieces are
  replaced here with non-backtracking expressions and single-pass scans, and block-level
  raw HTML, whose parser has the same problem, is off.
- Long inline texts are processed in pieces of ``INLINE_SEGMENT`` characters, and after
  ``MAX_INLINE_NODES`` inline elements the rest of the post stays text.
- Quote and list markers on one line nest at most ``MAX_NESTING`` deep (deeper ones used to
  overflow the stack); at most ``MAX_BLOCK_SPLITS`` headings, rules, link definitions and
  fences are cut out of larger blocks; at most ``MAX_RAW_TAGS`` raw tags pass.
- A post whose HTML would still hold more than ``MAX_TAGS`` tags is shown as plain
  paragraphs, without mentions or quotes.
- What remains is the sanitiser's HTML parser: 50,000 ``&`` or ``<`` cost about a second.
"""

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Iterator
from dataclasses import dataclass

import markdown
from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from django.urls import reverse
from markdown import blockprocessors, inlinepatterns, util
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.extensions.tables import TableProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from .sanitizer import sanitize_html
from .uploads.paths import UPLOAD_PATH_RE

__all__ = [
    "Rendered",
    "find_phone_numbers",
    "mask_phone_numbers",
    "quote_markdown",
    "render_post",
    "render_preview",
]

MAX_MENTIONS = 30
MAX_NESTING = 12
MAX_TAGS = 20_000
MAX_BLOCK_SPLITS = 200
MAX_INLINE_NODES = 2_000
MAX_RAW_TAGS = 200
MAX_TABLE_COLUMNS = 64
HIGHLIGHT_BUDGET = 20_000
MAX_HIGHLIGHTED_BLOCKS = 100
MAX_CODE_BLOCKS = 200
INLINE_SEGMENT = 5_000
DENSE_TEXT_RUN = 1_000
RAW_INLINE_TAGS = frozenset({"kbd", "sup", "sub", "del", "br", "img", "details", "summary"})

QUOTE_LINK_TITLE = "Go to the quoted post"


@dataclass(frozen=True)
class Rendered:
    html: str  # safe HTML to store in Post.body_html
    mentions: frozenset[str]  # usernames (lower-cased) @mentioned that exist as active users
    quoted_post_ids: frozenset[int]


def render_post(body: str, *, mask_phones: bool = False) -> Rendered:
    """Markdown -> HTML -> sanitise; never the reverse.

    ``mask_phones`` replaces phone numbers with a marker before anything else reads the text
    (moderation holds low-trust posts with numbers that way until a moderator approves).
    """
    text = body.replace("\x00", "\ufffd")
    if mask_phones:
        text = mask_phone_numbers(text)
    state = _RenderState()
    md = markdown.Markdown(
        extensions=[
            "sane_lists",
            _StoaExtension(state=state),
        ],
        output_format="html",
    )
    try:
        fragment = md.convert(text)
    except RecursionError:
        # Nesting is capped before parsing; this is the net under that cap.
        fragment = None
    if fragment is None or fragment.count("<") > MAX_TAGS:
        return Rendered(
            html=sanitize_html(_plain_html(text)),
            mentions=frozenset(),
            quoted_post_ids=frozenset(),
        )
    # ">" needs no escaping in text or quoted attributes, and each entity costs the
    # sanitiser's HTML parser far more than a character.
    fragment = fragment.replace("&gt;", ">")
    return Rendered(
        html=sanitize_html(fragment),
        mentions=frozenset(state.mentions),
        quoted_post_ids=frozenset(state.quoted_post_ids),
    )


def _plain_html(text: str) -> str:
    """The post as escaped paragraphs: for input that would make an absurd page."""
    out = []
    for paragraph in _BLANK_LINE_RE.split(text):
        paragraph = paragraph.strip()
        if paragraph:
            chunks = _dense_chunks(paragraph) if _is_dense(paragraph) else [paragraph]
            out.append(
                "<p>" + "<span></span>".join(html.escape(c, quote=False) for c in chunks) + "</p>"
            )
    return "\n".join(out)


def render_preview(body: str) -> str:
    """The live preview: exactly what ``render_post`` would store."""
    return render_post(body).html


def quote_markdown(*, author_username: str, post_url: str, post_id: int, body: str) -> str:
    """Markdown a composer inserts to quote another post.

    The first line attributes the quote and links to the post; the link's title carries the
    post id, which is how ``render_post`` recognises the quote::

        > **@alice** [wrote](/t/slug/12/3/ "post:345"):
        >
        > the quoted text
    """
    if not _is_post_path(post_url):
        raise ValueError(f"not a post path on this site: {post_url!r}")
    post_id = int(post_id)
    if post_id < 1:
        raise ValueError(f"not a post id: {post_id!r}")
    name = _MARKDOWN_SPECIAL_RE.sub(r"\\\g<0>", author_username)
    lines = [f'> **@{name}** [wrote]({post_url} "post:{post_id}"):', ">"]
    for line in body.replace("\r\n", "\n").replace("\r", "\n").strip("\n").split("\n"):
        lines.append(f"> {line}" if line.strip() else ">")
    return "\n".join(lines) + "\n\n"


# --- shared patterns -----------------------------------------------------------------------

# A post's permalink on this site: /t/<slug>/<thread id>/<position>/, possibly under a
# script prefix; the position is optional.
_POST_PATH_TAIL_RE = re.compile(r"/t/[A-Za-z0-9_-]+/[0-9]+/(?:[0-9]+/)?(?:#[A-Za-z0-9_-]*)?\Z")
_PATH_PREFIX_RE = re.compile(r"(?:/[A-Za-z0-9_.~-]+)*")
_POST_TITLE_RE = re.compile(r"post:([0-9]{1,18})\Z")
_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")
_MARKDOWN_SPECIAL_RE = re.compile(r"[\\`*_{}\[\]()#+\-.!]")
# A mention is "@" not glued to a word, address or path, then a name, and not followed by a
# character that would make it an e-mail address or a longer name. The name's trailing dots
# and hyphens are punctuation ("thanks @bob.").
_MENTION_RE = re.compile(r"(?<![\w@/.:=+\-])@([\w.\-]++)(?![@+])")
_NO_MENTIONS_IN = frozenset({"a", "code", "pre"})
_DEMOTED_HEADINGS = {"h1": "h3", "h2": "h4", "h3": "h5", "h4": "h6", "h5": "h6"}
_HTML_PLACEHOLDER_RE = re.compile(util.HTML_PLACEHOLDER % r"[0-9]+")


class _RenderState:
    """What one render collects and spends as it goes."""

    def __init__(self) -> None:
        self.highlight_left = HIGHLIGHT_BUDGET
        self.highlight_blocks_left = MAX_HIGHLIGHTED_BLOCKS
        self.code_blocks_left = MAX_CODE_BLOCKS
        self.raw_tags_left = MAX_RAW_TAGS
        self.block_splits_left = MAX_BLOCK_SPLITS
        self.code_spans_left = MAX_INLINE_NODES
        self.plain_text: dict[str, str] = {}  # placeholder of a code span -> its text
        self.mentions: set[str] = set()
        self.quoted_post_ids: set[int] = set()
        self._formatter: HtmlFormatter | None = None

    def code_block_html(self, code: str, language: str) -> str:
        self.code_blocks_left -= 1
        if self.highlight_blocks_left <= 0:
            # Past the budget, skip Pygments altogether: same markup, no colours.
            code = html.escape(code.strip("\n"), quote=False)
            return f'<div class="codehilite"><pre><code>{code}\n</code></pre></div>\n'
        self.highlight_blocks_left -= 1
        lexer = None
        if language and len(code) <= self.highlight_left:
            try:
                lexer = get_lexer_by_name(language, startinline=True)
            except ClassNotFound:
                lexer = None
        if lexer is None:
            lexer = TextLexer()
        else:
            self.highlight_left -= len(code)
        if self._formatter is None:
            self._formatter = HtmlFormatter(cssclass="codehilite", wrapcode=True)
        out = highlight(code, lexer, self._formatter)
        if not isinstance(lexer, TextLexer) and lexer.aliases:
            out = out.replace("<code>", f'<code class="language-{lexer.aliases[0]}">', 1)
        return out


class _SplitBudgetMixin:
    """Counts the blocks this processor carves out of a larger block.

    Headings, rules, link definitions and fences take their lines out of a block and hand the
    rest back, and every processor then reads that rest again: fine for a few, quadratic for
    thousands. Past MAX_BLOCK_SPLITS such lines are left to the paragraph they sit in.
    """

    state: _RenderState

    def test(self, parent: etree.Element, block: str) -> bool:
        return self.state.block_splits_left > 0 and super().test(parent, block)

    def run(self, parent: etree.Element, blocks: list[str]) -> bool | None:
        self.state.block_splits_left -= 1
        return super().run(parent, blocks)


# --- fenced code ---------------------------------------------------------------------------

_FENCE_OPEN_RE = re.compile(r"(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)\Z")
_LANGUAGE_RE = re.compile(r"[\w+#.\-]{1,40}")


def _fence_opening(line: str, max_indent: int | None = 3) -> re.Match[str] | None:
    match = _FENCE_OPEN_RE.match(line)
    if match is None or (match["fence"][0] == "`" and "`" in match["info"]):
        return None
    if max_indent is not None and len(match["indent"]) > max_indent:
        return None
    return match


def _fence_closes(line: str, fence: str, max_indent: int) -> bool:
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > max_indent:
        return False
    stripped = stripped.rstrip()
    return len(stripped) >= len(fence) and stripped == fence[0] * len(stripped)


def _fence_language(info: str) -> str:
    words = info.split(maxsplit=1)
    if not words:
        return ""
    word = words[0].strip("{}").lstrip(".")
    return word if _LANGUAGE_RE.fullmatch(word) else ""


def _dedent(lines: list[str], indent: int) -> str:
    if not indent:
        return "\n".join(lines)
    return "\n".join(line[min(indent, len(line) - len(line.lstrip(" "))) :] for line in lines)


class _FencePreprocessor(Preprocessor):
    """Top-level fences, taken out before anything else can read their contents."""

    def __init__(self, md: markdown.Markdown, state: _RenderState) -> None:
        super().__init__(md)
        self.state = state

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        i, count = 0, len(lines)
        while i < count:
            opening = _fence_opening(lines[i]) if self.state.code_blocks_left > 0 else None
            if opening is None:
                out.append(lines[i])
                i += 1
                continue
            end = i + 1
            while end < count and not _fence_closes(lines[end], opening["fence"], 3):
                end += 1
            # An unclosed fence runs to the end of the post.
            code = _dedent(lines[i + 1 : end], len(opening["indent"]))
            block = self.state.code_block_html(code, _fence_language(opening["info"]))
            out.extend(["", self.md.htmlStash.store(block), ""])
            i = end + 1
        return out


def _first_line(block: str) -> str:
    end = block.find("\n")
    return block if end < 0 else block[:end]


class _NestedFenceProcessor(BlockProcessor):
    """Fences inside quotes and list items, which the preprocessor cannot see."""

    def __init__(self, parser, state: _RenderState) -> None:
        super().__init__(parser)
        self.state = state

    def test(self, parent: etree.Element, block: str) -> bool:
        return (
            self.state.code_blocks_left > 0
            and self.state.block_splits_left > 0
            and _fence_opening(_first_line(block)) is not None
        )

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        self.state.block_splits_left -= 1
        block = blocks.pop(0)
        first = _first_line(block)
        opening = _fence_opening(first)
        fence, indent = opening["fence"], len(opening["indent"])
        code: list[str] = []
        position, rest, closed = len(first) + 1, "", False
        while True:
            # Line by line, without splitting the whole (possibly huge) block.
            while position <= len(block) and not closed:
                end = block.find("\n", position)
                end = len(block) if end < 0 else end
                line = block[position:end]
                if _fence_closes(line, fence, 3):
                    rest, closed = block[end + 1 :], True
                else:
                    code.append(line)
                position = end + 1
            if closed or not blocks:
                break
            # The fence swallows the blank line between blocks and carries on.
            code.append("")
            block, position = blocks.pop(0), 0
        if rest:
            blocks.insert(0, rest)
        html_block = self.state.code_block_html(
            _dedent(code, indent), _fence_language(opening["info"])
        )
        etree.SubElement(parent, "p").text = self.parser.md.htmlStash.store(html_block)


_FENCE_CANDIDATE_RE = re.compile(r"^ *(?:`{3}|~{3})", re.MULTILINE)


def _fence_inside(block: str) -> int | None:
    """Where a fence opens on a line after the first one, if it does."""
    if block.startswith(" " * 4):
        return None  # an indented code block, whose lines are all code
    position = block.find("\n")
    while position >= 0:
        candidate = _FENCE_CANDIDATE_RE.search(block, position + 1)
        if candidate is None:
            return None
        end = block.find("\n", candidate.start())
        line = block[candidate.start() : len(block) if end < 0 else end]
        if _fence_opening(line, max_indent=None):
            return candidate.start()
        position = end
    return None


class _FenceInParagraphProcessor(BlockProcessor):
    """A fence that starts inside a paragraph ends it, as on GitHub.

    Registered just above the paragraph processor, so lists, quotes and headings have taken
    their share of the block first. Inside a list item the fence may keep the item's
    indentation; the list-indent processor then hands it back without it.
    """

    def __init__(self, parser, state: _RenderState) -> None:
        super().__init__(parser)
        self.state = state

    def test(self, parent: etree.Element, block: str) -> bool:
        return (
            self.state.code_blocks_left > 0
            and self.state.block_splits_left > 0
            and ("```" in block or "~~~" in block)
            and _fence_inside(block) is not None
        )

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        self.state.block_splits_left -= 1
        start = _fence_inside(blocks[0])
        before, blocks[0] = blocks[0][: start - 1], blocks[0][start:]
        self.parser.parseBlocks(parent, [before])


# --- bounded structure ---------------------------------------------------------------------


class _HashHeader(_SplitBudgetMixin, blockprocessors.HashHeaderProcessor):
    def __init__(self, parser, state: _RenderState) -> None:
        super().__init__(parser)
        self.state = state

    def test(self, parent: etree.Element, block: str) -> bool:
        # The heading expression has no literal prefix, so searching is slow; most blocks
        # have no "#" at all.
        return "#" in block and super().test(parent, block)


class _BlockQuote(blockprocessors.BlockQuoteProcessor):
    def test(self, parent: etree.Element, block: str) -> bool:
        return ">" in block and super().test(parent, block)


class _SetextHeader(_SplitBudgetMixin, blockprocessors.SetextHeaderProcessor):
    def __init__(self, parser, state: _RenderState) -> None:
        super().__init__(parser)
        self.state = state

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        # As Python-Markdown's, without splitting the whole rest of the block into lines.
        self.state.block_splits_left -= 1
        block = blocks.pop(0)
        title_end = block.find("\n")
        underline_end = block.find("\n", title_end + 1)
        level = 1 if block.startswith("=", title_end + 1) else 2
        etree.SubElement(parent, f"h{level}").text = block[:title_end].strip()
        if underline_end >= 0:
            blocks.insert(0, block[underline_end + 1 :])


class _HorizontalRule(_SplitBudgetMixin, blockprocessors.HRProcessor):
    def __init__(self, parser, state: _RenderState) -> None:
        super().__init__(parser)
        self.state = state


class _Reference(_SplitBudgetMixin, blockprocessors.ReferenceProcessor):
    def __init__(self, parser, state: _RenderState) -> None:
        super().__init__(parser)
        self.state = state


class _Table(TableProcessor):
    """Python-Markdown's table, recognised from its first two lines only, and at most
    MAX_TABLE_COLUMNS wide.

    The original splits the whole block into lines every time it is asked, which makes a
    long block that others keep splitting quadratic. A one-column table with borders is
    now recognised from its first two rows, not all of them.
    """

    def test(self, parent: etree.Element, block: str) -> bool:
        first = block.find("\n")
        if first < 0 or block.count("|", 0, first) > MAX_TABLE_COLUMNS + 1:
            return False
        second = block.find("\n", first + 1)
        return super().test(parent, block if second < 0 else block[:second])


# A quote or list marker at the start of a line (after other markers).
_MARKER = r"(?:>|[-*+](?=[ \t]|\Z)|[0-9]{1,9}[.)](?=[ \t]|\Z))"
_DEEP_PREFIX_RE = re.compile(rf"[ \t]*+(?:{_MARKER}[ \t]*+){{{MAX_NESTING}}}(?={_MARKER})")
_DIGITS_RE = re.compile(r"[0-9]+")
_THEMATIC_BREAK_RE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*\Z")


class _NestingPreprocessor(Preprocessor):
    """Quotes and lists opened on one line nest at most MAX_NESTING deep.

    Python-Markdown parses nested containers recursively and re-reads the rest of the line
    at every level, so "1. 1. 1. ..." or "> - > - ..." is slow and, deep enough, overflows
    the stack. The first marker past the limit is escaped, which leaves the rest of the
    line as text.
    """

    def run(self, lines: list[str]) -> list[str]:
        out = []
        for line in lines:
            match = _DEEP_PREFIX_RE.match(line)
            if match is None or _THEMATIC_BREAK_RE.match(line):
                out.append(line)
                continue
            # Escape the marker's punctuation: \> and \- and 1\. are text.
            digits = _DIGITS_RE.match(line, match.end())
            cut = match.end() if digits is None else digits.end()
            out.append(f"{line[:cut]}\\{line[cut:]}")
        return out


def _segments(text: str, size: int) -> Iterator[str]:
    """Split ``text`` into pieces of at most about ``size`` characters, preferably at line
    breaks, then at spaces, and never inside a stash placeholder."""
    start, length = 0, len(text)
    while length - start > size:
        limit = start + size
        cut = text.rfind("\n", start + size // 2, limit)
        if cut == -1:
            cut = text.rfind(" ", start + size // 2, limit)
        if cut == -1:
            cut = limit - 1
            opener = text.rfind(util.STX, start, limit)
            if opener > text.rfind(util.ETX, start, limit):
                # The limit falls inside a placeholder: cut before it, or after it if the
                # piece would otherwise be empty.
                cut = opener - 1 if opener > start else text.find(util.ETX, limit)
                if cut < start:
                    cut = length - 1
        yield text[start : cut + 1]
        start = cut + 1
    yield text[start:]


class _BoundedInlineProcessor(InlineProcessor):
    """Python-Markdown's inline pass, fed long texts a piece at a time, within a budget.

    Each inline match rebuilds the text it was found in, so a long paragraph full of
    markup costs time proportional to its length squared. Pieces of INLINE_SEGMENT keep that
    bounded; a construct that straddles a cut in a paragraph that long renders as text.
    Once MAX_INLINE_NODES inline elements exist, the rest of the post is left as text.
    """

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        handle = super()._InlineProcessor__handleInline
        if len(self.stashed_nodes) >= MAX_INLINE_NODES:
            return data
        if isinstance(data, util.AtomicString) or len(data) <= INLINE_SEGMENT:
            return handle(data, patternIndex)
        return "".join(
            piece if len(self.stashed_nodes) >= MAX_INLINE_NODES else handle(piece, patternIndex)
            for piece in _segments(data, INLINE_SEGMENT)
        )


# --- links without look-ahead scans --------------------------------------------------------

# Link text: anything up to the matching "]", with brackets nested two deep at most.
# Possessive quantifiers and disjoint alternatives make every attempt fail or succeed in one
# pass over the text it covers.
_LINK_TEXT_RE = re.compile(r"(?:[^\[\]]|\[(?:[^\[\]]|\[[^\[\]]*+\])*+\])*+\]")
# Link target: (url), (<url>), optionally with a "title", 'title' or (title).
# Parentheses inside a bare URL nest one deep, as in Wikipedia links.
_LINK_TARGET_RE = re.compile(
    r"""\(\s*+
    (?: <(?P<angled>[^<>\n]*+)> | (?P<bare>(?:[^\s()]|\([^\s()]*+\))*+) )
    (?: \s++ (?: "(?P<dq>[^"]*+)" | '(?P<sq>[^']*+)' | \((?P<pq>[^()]*+)\) ) )?+
    \s*+\)""",
    re.VERBOSE,
)


class _BoundedLinkMixin:
    def getText(self, data: str, index: int) -> tuple[str, int, bool]:
        match = _LINK_TEXT_RE.match(data, index)
        if match is None:
            return "", index, False
        return data[index : match.end() - 1], match.end(), True

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:
        match = _LINK_TARGET_RE.match(data, index)
        if match is None:
            return "", None, index, False
        href = match["angled"] if match["angled"] is not None else match["bare"]
        title = next((t for t in (match["dq"], match["sq"], match["pq"]) if t is not None), None)
        if title is not None:
            title = self.RE_TITLE_CLEAN.sub(" ", self.unescape(title.strip()))
        return self.unescape(href).strip(), title, match.end(), True


class _Link(_BoundedLinkMixin, inlinepatterns.LinkInlineProcessor):
    pass


class _Image(_BoundedLinkMixin, inlinepatterns.ImageInlineProcessor):
    pass


class _ReferenceLink(_BoundedLinkMixin, inlinepatterns.ReferenceInlineProcessor):
    pass


class _ShortReference(_BoundedLinkMixin, inlinepatterns.ShortReferenceInlineProcessor):
    pass


class _ImageReference(_BoundedLinkMixin, inlinepatterns.ImageReferenceInlineProcessor):
    pass


class _ShortImageReference(_BoundedLinkMixin, inlinepatterns.ShortImageReferenceInlineProcessor):
    pass


# --- raw HTML and code spans ---------------------------------------------------------------

_RAW_TAG_NAME_RE = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")


class _RawHtmlInlineProcessor(inlinepatterns.HtmlInlineProcessor):
    """Passes the few useful inline tags on to the sanitiser; shows the rest as typed."""

    def __init__(self, pattern: str, md: markdown.Markdown, state: _RenderState) -> None:
        super().__init__(pattern, md)
        self.state = state

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[str, int, int]:
        name = _RAW_TAG_NAME_RE.match(m.group(1))
        if name and name.group(1).lower() in RAW_INLINE_TAGS and self.state.raw_tags_left:
            self.state.raw_tags_left -= 1
            return super().handleMatch(m, data)
        return m.group(1), m.start(0), m.end(0)


_TICKS_RE = re.compile(r"`+")


class _CodeSpanTreeprocessor(Treeprocessor):
    """Code spans, found in one pass over each text and stashed before inline parsing.

    A run of n backticks opens a span closed by the next run of exactly n; one preceded by
    an odd number of backslashes loses its first backtick to the escape. Nothing else
    looks inside a span afterwards: not links, emphasis, raw HTML or mentions. Past
    MAX_INLINE_NODES spans, backticks stay as typed.
    """

    def __init__(self, md: markdown.Markdown, state: _RenderState) -> None:
        super().__init__(md)
        self.state = state

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.text and not isinstance(element.text, util.AtomicString):
                element.text = self._extract(element.text)
            if element.tail and not isinstance(element.tail, util.AtomicString):
                element.tail = self._extract(element.tail)

    def _extract(self, text: str) -> str:
        if "`" not in text:
            return text
        runs = [match.span() for match in _TICKS_RE.finditer(text)]
        opens = []
        for start, _end in runs:
            backslash = start
            while backslash > 0 and text[backslash - 1] == "\\":
                backslash -= 1
            opens.append(start + (start - backslash) % 2)
        closer: list[int | None] = [None] * len(runs)
        latest: dict[int, int] = {}
        for i in range(len(runs) - 1, -1, -1):
            wanted = runs[i][1] - opens[i]
            closer[i] = latest.get(wanted) if wanted else None
            latest[runs[i][1] - runs[i][0]] = i
        pieces, position, i = [], 0, 0
        while i < len(runs) and self.state.code_spans_left > 0:
            j = closer[i]
            if j is None:
                i += 1
                continue
            content = text[runs[i][1] : runs[j][0]].strip()
            placeholder = self.md.htmlStash.store(
                f"<code>{html.escape(content, quote=False)}</code>"
            )
            self.state.plain_text[placeholder] = content
            self.state.code_spans_left -= 1
            pieces += [text[position : opens[i]], placeholder]
            position, i = runs[j][1], j + 1
        pieces.append(text[position:])
        return "".join(pieces)


# --- after inline parsing: headings, quotes, mentions --------------------------------------


def _is_post_path(url: str) -> bool:
    tail = _POST_PATH_TAIL_RE.search(url)
    return tail is not None and _PATH_PREFIX_RE.fullmatch(url, 0, tail.start()) is not None


def _quoted_post_id(blockquote: etree.Element) -> int | None:
    """The post a quote_markdown attribution in this quote's first paragraph links to."""
    if not len(blockquote) or blockquote[0].tag != "p":
        return None
    for child in blockquote[0]:
        if child.tag != "a":
            continue
        title = _POST_TITLE_RE.match(child.get("title") or "")
        if title and _is_post_path(child.get("href") or ""):
            child.set("title", QUOTE_LINK_TITLE)
            return int(title.group(1))
    return None


class _FinishTreeprocessor(Treeprocessor):
    def __init__(self, md: markdown.Markdown, state: _RenderState) -> None:
        super().__init__(md)
        self.state = state

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag in _DEMOTED_HEADINGS:
                element.tag = _DEMOTED_HEADINGS[element.tag]
            for name in ("href", "src", "title", "alt"):
                value = element.get(name)
                if value and util.STX in value:
                    element.set(name, _HTML_PLACEHOLDER_RE.sub(self._plain, value))
        top_level = set(root)
        for element in root.iter("blockquote"):
            post_id = _quoted_post_id(element)
            if post_id is not None:
                element.set("class", "quote")
                if element in top_level:
                    self.state.quoted_post_ids.add(post_id)
        self._link_mentions(root)
        _link_upload_images(root)
        _break_dense_text(root)

    def _plain(self, match: re.Match[str]) -> str:
        return self.state.plain_text.get(match.group(0), "")

    def _link_mentions(self, root: etree.Element) -> None:
        # Elements whose own text and whose children's tails may hold mentions, and whether
        # they sit inside a quoted post.
        slots: list[tuple[etree.Element, bool]] = []
        stack = [(root, False)]
        while stack:
            element, quoted = stack.pop()
            quoted = quoted or (element.tag == "blockquote" and element.get("class") == "quote")
            slots.append((element, quoted))
            stack.extend((child, quoted) for child in element if child.tag not in _NO_MENTIONS_IN)

        wanted: dict[str, None] = {}  # lower-cased names in order of appearance
        for element, _quoted in slots:
            for text in (element.text, *(child.tail for child in element)):
                for name in _mention_names(text):
                    if len(wanted) < MAX_MENTIONS:
                        wanted.setdefault(name.lower())
        if not wanted:
            return
        user_model = get_user_model()
        field = user_model.USERNAME_FIELD
        usernames = (
            user_model.objects.filter(is_active=True)
            .annotate(mention_key=Lower(field))
            .filter(mention_key__in=list(wanted))
            .values_list(field, flat=True)
        )
        known = {username.lower(): username for username in usernames}
        if not known:
            return
        for element, quoted in slots:
            self._rewrite(element, known, counted=not quoted)

    def _rewrite(self, element: etree.Element, known: dict[str, str], *, counted: bool) -> None:
        element.text, anchors = self._split(element.text, known, counted=counted)
        children = list(element)
        if not anchors and not any(child.tail and "@" in child.tail for child in children):
            return
        rebuilt = list(anchors)
        for child in children:
            rebuilt.append(child)
            child.tail, anchors = self._split(child.tail, known, counted=counted)
            rebuilt.extend(anchors)
        element[:] = rebuilt

    def _split(
        self, text: str | None, known: dict[str, str], *, counted: bool
    ) -> tuple[str | None, list[etree.Element]]:
        """``text`` up to its first linked mention, and the links with the rest as tails."""
        if not text or "@" not in text:
            return text, []
        head, anchors, position = text, [], 0
        for match in _MENTION_RE.finditer(text):
            name = match.group(1).rstrip(".-")
            username = known.get(name.lower())
            if username is None:
                continue
            before = text[position : match.start()]
            if anchors:
                anchors[-1].tail = before
            else:
                head = before
            anchor = etree.Element(
                "a",
                {"href": reverse("accounts:profile", kwargs={"username": username})},
            )
            anchor.set("class", "mention")
            anchor.text = f"@{username}"
            anchors.append(anchor)
            position = match.start(1) + len(name)
            if counted:
                self.state.mentions.add(name.lower())
        if anchors:
            anchors[-1].tail = text[position:]
        return head, anchors


def _link_upload_images(root: etree.Element) -> None:
    """``<img src="/uploads/k/n">`` becomes the display copy inside a link to the original.

    Only exact upload paths are touched; whether the reader may see the file is decided when
    it is requested, not here."""
    for parent in list(root.iter()):
        for index, child in enumerate(list(parent)):
            if child.tag != "img":
                continue
            src = child.get("src") or ""
            if UPLOAD_PATH_RE.fullmatch(src) is None:
                continue
            child.set("src", f"{src}?size=display")
            if parent.tag == "a":
                continue
            link = etree.Element("a", {"href": src})
            link.tail, child.tail = child.tail, None
            parent.remove(child)
            link.append(child)
            parent.insert(index, link)


_ESCAPED_CHARS_RE = re.compile(r"[<&]")


def _break_dense_text(root: etree.Element) -> None:
    """Put empty ``span`` boundaries into long runs of text that is mostly "<" and "&".

    Each of those becomes an entity, and the sanitiser's HTML parser appends every entity to
    the text it has built so far, which is quadratic in the length of one uninterrupted run.
    Only input such as 50,000 "<" in a row is touched.
    """
    for element in list(root.iter()):
        if _is_dense(element.text):
            first, *rest = _dense_chunks(element.text)
            element.text = first
            for index, chunk in enumerate(rest):
                element.insert(index, _boundary(chunk))
        for child in list(element):
            if _is_dense(child.tail):
                first, *rest = _dense_chunks(child.tail)
                child.tail = first
                position = list(element).index(child) + 1
                for offset, chunk in enumerate(rest):
                    element.insert(position + offset, _boundary(chunk))


def _is_dense(text: str | None) -> bool:
    if not text or len(text) < 2 * DENSE_TEXT_RUN:
        return False
    return text.count("<") + text.count("&") > len(text) // 4


def _dense_chunks(text: str) -> Iterator[str]:
    """``text`` cut into runs of about DENSE_TEXT_RUN, each cut just before a "<" or "&"."""
    start = 0
    while len(text) - start > DENSE_TEXT_RUN:
        cut = _ESCAPED_CHARS_RE.search(text, start + DENSE_TEXT_RUN)
        if cut is None:
            break
        yield text[start : cut.start()]
        start = cut.start()
    yield text[start:]


def _boundary(tail: str) -> etree.Element:
    span = etree.Element("span")
    span.tail = tail
    return span


def _mention_names(text: str | None) -> Iterator[str]:
    if not text or "@" not in text:
        return
    for match in _MENTION_RE.finditer(text):
        name = match.group(1).rstrip(".-")
        if name and len(name) <= 150:
            yield name


# --- wiring --------------------------------------------------------------------------------


class _StoaExtension(Extension):
    def __init__(self, *, state: _RenderState) -> None:
        super().__init__()
        self.state = state

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        state = self.state
        # Block-level raw HTML is off: the parser behind it is quadratic on "<a<a<a..." and
        # members have no use for it. The few useful tags work inline.
        md.preprocessors.deregister("html_block")
        md.preprocessors.register(_FencePreprocessor(md, state), "stoa_fences", 25)
        md.preprocessors.register(_NestingPreprocessor(md), "stoa_nesting", 24)
        blocks = md.parser.blockprocessors
        blocks.register(_NestedFenceProcessor(md.parser, state), "stoa_fences", 85)
        blocks.register(_Table(md.parser, {"use_align_attribute": True}), "table", 75)
        blocks.register(_HashHeader(md.parser, state), "hashheader", 70)
        blocks.register(_SetextHeader(md.parser, state), "setextheader", 60)
        blocks.register(_HorizontalRule(md.parser, state), "hr", 50)
        blocks.register(_BlockQuote(md.parser), "quote", 20)
        blocks.register(_Reference(md.parser, state), "reference", 15)
        blocks.register(_FenceInParagraphProcessor(md.parser, state), "stoa_fence_in_paragraph", 11)

        md.inlinePatterns.deregister("backtick")
        for cls, pattern, name, priority in (
            (_ReferenceLink, inlinepatterns.REFERENCE_RE, "reference", 170),
            (_Link, inlinepatterns.LINK_RE, "link", 160),
            (_Image, inlinepatterns.IMAGE_LINK_RE, "image_link", 150),
            (_ImageReference, inlinepatterns.IMAGE_REFERENCE_RE, "image_reference", 140),
            (_ShortReference, inlinepatterns.REFERENCE_RE, "short_reference", 130),
            (_ShortImageReference, inlinepatterns.IMAGE_REFERENCE_RE, "short_image_ref", 125),
        ):
            md.inlinePatterns.register(cls(pattern, md), name, priority)
        md.inlinePatterns.register(
            _RawHtmlInlineProcessor(inlinepatterns.HTML_RE, md, state), "html", 90
        )
        md.delimiters.add("~", "del", smart=False, double=True)

        md.treeprocessors.register(_CodeSpanTreeprocessor(md, state), "stoa_code_spans", 25)
        md.treeprocessors.register(_BoundedInlineProcessor(md), "inline", 20)
        # After "unescape" (0), so mentions and quote links see the text as typed.
        md.treeprocessors.register(_FinishTreeprocessor(md, state), "stoa_finish", -10)


# --- phone numbers ---------------------------------------------------------------------------

# A run that could be a phone number: digits with spaces, dots, dashes, slashes or brackets
# between them, optionally led by "+". Each candidate is then judged by ``_is_phone``.
_PHONE_CANDIDATE_RE = re.compile(r"(?<![\w+.\-/])\+?\(?\d[\d \t\u00a0().\-/]{5,24}\d(?![\w])")
_PHONE_CONTEXT_RE = re.compile(
    r"(?:call|phone|tel|mobile|whats\s?app|telegram|helpline|hotline|toll|dial|sms|contact|"
    r"support|number|ring|☎|📞)\W{0,12}$",
    re.IGNORECASE,
)
_DATE_LIKE_RE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?!\d)")
_IP_LIKE_RE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
PHONE_MASK = "\u2039phone number hidden\u203a"


def _is_phone(candidate: str, before: str) -> bool:
    digits = sum(c.isdigit() for c in candidate)
    if not 9 <= digits <= 15:
        return False
    if _IP_LIKE_RE.fullmatch(candidate) or _DATE_LIKE_RE.match(candidate.lstrip("+(")):
        return False
    separated = candidate.startswith(("+", "(")) or any(c in candidate for c in " \t\u00a0-()/")
    if separated:
        groups = [g for g in re.split(r"[^\d]+", candidate) if g]
        return candidate.startswith("+") or len(groups) >= 3 or "(" in candidate
    if "." in candidate:
        return len(re.split(r"\.", candidate)) >= 3 and _PHONE_CONTEXT_RE.search(before) is not None
    # A bare run of digits is an order or ticket number unless the words before it say phone.
    return _PHONE_CONTEXT_RE.search(before) is not None


def _phone_matches(text: str):
    for match in _PHONE_CANDIDATE_RE.finditer(text):
        candidate = match.group(0)
        if _is_phone(candidate, text[max(0, match.start() - 40) : match.start()]):
            yield match


def find_phone_numbers(text: str) -> list[str]:
    """Phone numbers written in ``text``, normalised to digits (with a leading "+" if typed).

    Dates, IP addresses, versions and bare order numbers are left out; a bare run of digits
    counts only after a word such as "call", "phone" or "WhatsApp".
    """
    found = []
    for match in _phone_matches(text or ""):
        raw = match.group(0)
        number = ("+" if raw.startswith("+") else "") + "".join(c for c in raw if c.isdigit())
        if number not in found:
            found.append(number)
    return found


def mask_phone_numbers(text: str) -> str:
    """``text`` with every phone number ``find_phone_numbers`` sees replaced by a marker."""
    pieces, position = [], 0
    for match in _phone_matches(text or ""):
        pieces += [text[position : match.start()], PHONE_MASK]
        position = match.end()
    pieces.append((text or "")[position:])
    return "".join(pieces)
