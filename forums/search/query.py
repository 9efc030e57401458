"""What a reader typed, parsed once into a small query tree both backends translate.

The syntax is the web-search one people already know::

    export csv            both words (in any order, anywhere in the thread's post)
    "export to csv"       the exact phrase
    export -pdf           export, but not pdf
    csv or excel          either word
    -"read only"          not this phrase

Everything else is text. Operators of the engines underneath (``& | ! : * ( ) < >``, FTS5's
``NEAR``/``AND``, column filters, quotes left open, SQL) never reach them as syntax: a
query is reduced to words made of letters and digits, and each backend quotes those words
itself. So no input can raise a syntax error in PostgreSQL or SQLite, and a NUL byte, an
emoji or a 10,000-character paste simply become fewer words.
"""

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 256
MAX_ITEMS = 12
MAX_WORD_CHARS = 60

# Letters and digits in any script; the underscore and everything else separate words.
_WORD_RE = re.compile(r"[^\W_]+")
# A token: an optional minus, then a quoted phrase (its closing quote optional) or a run of
# non-space characters.
_TOKEN_RE = re.compile(r'(?P<neg>-?)(?:"(?P<phrase>[^"]*)"?|(?P<bare>[^\s"]+))')
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Words too common to narrow a search down, in the four languages Stoa ships with. PostgreSQL
# drops them through its language configurations; SQLite's FTS5 has no stop words, so the
# SQLite backend and the title suggestions drop these before querying.
_STOP_WORDS_TEXT = """
    a about an and are as at be but by can could do does for from had has have how i if in
    into is it its me my no not of on or our so that the their them then there these this to
    too was we were what when where which who why will with would you your
    aan als bij dat de deze die dit een en er het hoe ik in is je kan met mijn na naar niet
    of om op te van voor wat we wij ze zijn
    ada adalah akan apa atau bisa dan dari dengan di ini itu ke kami kita saya tidak untuk
    yang
    al como con cual cuando de del el en es esta este hay la las lo los me mi no para pero
    por que se si sin su un una y yo
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@dataclass(frozen=True)
class Term:
    """One word, or a phrase of words that must appear next to each other."""

    words: tuple[str, ...]

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def is_stop_word(self) -> bool:
        return not self.is_phrase and self.words[0] in STOP_WORDS


@dataclass(frozen=True)
class ParsedQuery:
    """An AND of groups, each group an OR of terms; minus the excluded terms."""

    text: str = ""
    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    notices: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def terms(self) -> list[Term]:
        return [term for group in self.groups for term in group]

    @property
    def words(self) -> list[str]:
        seen: list[str] = []
        for term in self.terms:
            for word in term.words:
                if word not in seen:
                    seen.append(word)
        return seen

    @property
    def only_common_words(self) -> bool:
        """Every group would be satisfied by a stop word: nothing distinctive to look for."""
        return bool(self.groups) and all(
            any(term.is_stop_word for term in group) for group in self.groups
        )

    def without_stop_words(self) -> "ParsedQuery":
        """The same query without groups that a stop word would satisfy ("csv or the" matches
        nearly everything), unless that would leave nothing to look for."""
        groups = tuple(g for g in self.groups if not any(t.is_stop_word for t in g))
        if not groups:
            return self
        return ParsedQuery(
            text=self.text, groups=groups, excluded=self.excluded, notices=self.notices
        )

    def as_websearch(self) -> str:
        """The query in web-search syntax again, normalised (what the page shows back)."""
        parts = []
        for group in self.groups:
            parts.append(" or ".join(_websearch_term(term) for term in group))
        parts.extend("-" + _websearch_term(term) for term in self.excluded)
        return " ".join(parts)


def _websearch_term(term: Term) -> str:
    return f'"{term.text}"' if term.is_phrase else term.text


def clean_text(value: str, *, limit: int = MAX_QUERY_CHARS) -> tuple[str, bool]:
    """Printable text of at most ``limit`` characters, and whether it had to be cut."""
    value = unicodedata.normalize("NFC", str(value or ""))
    value = _CONTROL_RE.sub(" ", value).replace("\t", " ").replace("\n", " ").replace("\r", " ")
    value = " ".join(value.split())
    if len(value) > limit:
        return value[:limit].rstrip(), True
    return value, False


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.lower()[:MAX_WORD_CHARS] for w in _WORD_RE.findall(text))


def parse_query(raw: str) -> ParsedQuery:
    """Parse what a reader typed. Never raises; the worst input gives an empty query."""
    text, truncated = clean_text(raw)
    notices = []
    if truncated:
        notices.append(f"Only the first {MAX_QUERY_CHARS} characters of your search were used.")
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join_next = False
    for match in _TOKEN_RE.finditer(text):
        negative = bool(match["neg"])
        chunk = match["phrase"] if match["phrase"] is not None else match["bare"]
        if match["bare"] is not None and chunk.lower() == "or" and not negative:
            join_next = bool(groups)
            continue
        words = _words(chunk)
        if not words:
            continue
        term = Term(words)
        if negative:
            excluded.append(term)
            join_next = False
        elif join_next and groups:
            if term not in groups[-1]:
                groups[-1].append(term)
            join_next = False
        elif not any(group == [term] for group in groups):
            groups.append([term])
        if len(groups) + len(excluded) >= MAX_ITEMS:
            notices.append(f"Only the first {MAX_ITEMS} words or phrases were used.")
            break
    if text and not groups:
        if excluded:
            notices.append("Add a word to look for: a search cannot only leave words out.")
        else:
            notices.append("Search for words or numbers; symbols on their own are ignored.")
        excluded = []
    return ParsedQuery(
        text=text,
        groups=tuple(tuple(group) for group in groups),
        excluded=tuple(excluded),
        notices=tuple(dict.fromkeys(notices)),
    )


def title_words(title: str, *, limit: int = 12) -> list[str]:
    """The distinctive words of a title as it is typed (suggestions ignore search syntax)."""
    text, _ = clean_text(title, limit=300)
    words = []
    for word in _words(text):
        if word not in words:
            words.append(word)
    distinctive = [w for w in words if w not in STOP_WORDS]
    return (distinctive or words)[:limit]
