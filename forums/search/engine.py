"""Search and similar-question suggestions: one interface over both backends.

Reading goes through the one door. A search takes the posts the viewer may read as posts
(``PostQuerySet``'s own rule: deleted, hidden and others' pending posts left out), asks the
engine for the newest matching ones, and keeps those whose thread
``Thread.objects.visible_to(viewer)`` returns; suggestions match titles within
``Thread.objects.visible_to(viewer)``. So a private, deleted, hidden or pending post never
shows up for a reader who could not open it, and a private thread's title never leaks.

Results are threads. Every post of a thread is searched (the opening post with the title);
a thread ranks by its best-matching post, times boosts:

    score = relevance * (1.5 if solved) * (1.2 if it has an official answer)
            * (1 + 1 / (1 + days since its last activity / 90))

so a solved, recently active thread wins a close call, but a clearly better match still
ranks first. "Newest" sorts by when the thread was started instead.

A page costs a fixed number of queries whatever the data size: the candidates (the newest
id and one to three slices on PostgreSQL, one query on SQLite), the readable threads among
them, the page's threads, their tags, the snippets and titles (two on SQLite), and, for
members, their read positions.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString

from ..models import Post, Space, Thread
from .backends import get_backend
from .highlight import excerpt, marked_html
from .query import ParsedQuery, parse_query, title_words

PAGE_SIZE = 20
MAX_PAGES = 50
LANGUAGES_CACHE_KEY = "search:languages"
LANGUAGES_CACHE_SECONDS = 300

SOLVED_BOOST = 1.5
OFFICIAL_BOOST = 1.2
RECENCY_DAYS = 90.0

SORTS = {"relevance": "Best match", "newest": "Newest"}

# How many of the newest matching posts a search ranks, and how far it widens that window
# when private or hidden posts took most of it.
CANDIDATES = 300
MAX_CANDIDATES = 4_800


@dataclass(frozen=True)
class SearchFilters:
    """What narrows a search. Objects, not ids: the form resolved and checked them."""

    space: Space | None = None
    tag: object | None = None  # taggit's Tag
    author: object | None = None  # accounts.User
    kind: str = ""
    solved: bool | None = None
    official: bool = False
    after: date | None = None
    before: date | None = None
    sort: str = "relevance"

    @property
    def narrows(self) -> bool:
        return any(
            (
                self.space,
                self.tag,
                self.author,
                self.kind,
                self.solved is not None,
                self.official,
                self.after,
                self.before,
            )
        )

    def thread_q(self, prefix: str = "") -> Q:
        q = Q()
        if self.space is not None:
            q &= Q(**{f"{prefix}space": self.space}) | Q(**{f"{prefix}space__parent": self.space})
        if self.tag is not None:
            q &= Q(**{f"{prefix}tags": self.tag})
        if self.kind:
            q &= Q(**{f"{prefix}kind": self.kind})
        if self.solved is not None:
            q &= Q(**{f"{prefix}accepted_post__isnull": not self.solved})
        if self.official:
            q &= Q(**{f"{prefix}official_post__isnull": False})
        return q

    def post_q(self) -> Q:
        q = Q()
        if self.author is not None:
            q &= Q(author=self.author)
        tz = timezone.get_current_timezone()
        if self.after is not None:
            q &= Q(created_at__gte=datetime.combine(self.after, time.min, tzinfo=tz))
        if self.before is not None:
            end = datetime.combine(self.before + timedelta(days=1), time.min, tzinfo=tz)
            q &= Q(created_at__lt=end)
        return q


@dataclass
class SearchHit:
    thread: Thread
    title_html: SafeString
    snippet_html: SafeString
    post_id: int | None = None
    post_position: int | None = None
    score: float = 0.0

    @property
    def url(self) -> str:
        return self.thread.get_absolute_url()

    @property
    def in_reply(self) -> bool:
        """The best match is a reply, not the question itself."""
        return bool(self.post_position and self.post_position > 1)

    @property
    def post_url(self) -> str:
        return self.thread.get_post_url(self.post_position or 1)


@dataclass
class SearchPage:
    query: ParsedQuery
    filters: SearchFilters
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    number: int = 1
    mode: str = "empty"  # "empty": nothing asked; "search": words; "browse": filters only
    more: bool = False  # there are more matches than were ranked or counted

    @property
    def num_pages(self) -> int:
        return max(1, min(MAX_PAGES, math.ceil(self.total / PAGE_SIZE)))

    @property
    def capped(self) -> bool:
        return self.more or self.total > MAX_PAGES * PAGE_SIZE

    # The attributes includes/_pagination.html reads from a Django Page.
    @property
    def paginator(self) -> "SearchPage":
        return self

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def notices(self) -> tuple[str, ...]:
        return self.query.notices


def search_languages(space: Space | None = None) -> list[str]:
    """The languages whose stemming a query is run through: the filtered space's, or every
    language a space uses (cached: the set changes when staff create a space)."""
    if space is not None:
        return [space.language]
    languages = cache.get(LANGUAGES_CACHE_KEY)
    if languages is None:
        languages = sorted(set(Space.objects.values_list("language", flat=True))) or [
            settings.LANGUAGE_CODE
        ]
        cache.set(LANGUAGES_CACHE_KEY, languages, LANGUAGES_CACHE_SECONDS)
    return languages


def _page_number(page) -> int:
    try:
        number = int(page)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGES)


def _candidate_posts(viewer, filters: SearchFilters):
    """Posts the viewer may read as posts (deleted, hidden and others' pending ones left
    out) within the filters. Whether their *thread* is readable is checked afterwards,
    through ``Thread.objects.visible_to``, for the few threads the candidates belong to:
    that check costs a primary-key lookup per thread, where filtering a million posts by
    the set of all readable threads would cost a scan of every thread first."""
    posts = Post.objects.all()._readable_by(viewer)  # the door's own post rule
    return posts.filter(filters.thread_q("thread__"), filters.post_q()).order_by()


def _visible_threads(viewer, thread_ids, backend) -> dict[int, tuple]:
    """thread id -> (solved, has official answer, last activity, created), for the threads
    among ``thread_ids`` that ``viewer`` may read. One query, by primary key."""
    if not thread_ids:
        return {}
    rows = (
        Thread.objects.visible_to(viewer)
        .exclude(kind=Thread.Kind.MESSAGE)
        .filter(backend.ids_condition('"forums_thread"."id"', thread_ids))
        .values_list("id", "accepted_post_id", "official_post_id", "last_activity_at", "created_at")
    )
    return {row[0]: row[1:] for row in rows}


def _rank(candidates, threads: dict[int, tuple], sort: str) -> list[tuple]:
    """Group candidate posts by thread (its best post wins), apply the boosts and sort.
    Returns (thread id, post id, position, score) tuples, best first."""
    best: dict[int, tuple] = {}
    for post_id, thread_id, position, relevance in candidates:
        relevance = relevance or 0.0
        if thread_id in threads and (thread_id not in best or relevance > best[thread_id][2]):
            best[thread_id] = (post_id, position, relevance)
    now = timezone.now()
    ranked = []
    for thread_id, (post_id, position, relevance) in best.items():
        accepted, official, last_activity, created = threads[thread_id]
        days = max((now - last_activity).total_seconds() / 86400, 0.0) if last_activity else 0.0
        score = (
            relevance
            * (SOLVED_BOOST if accepted else 1.0)
            * (OFFICIAL_BOOST if official else 1.0)
            * (1.0 + 1.0 / (1.0 + days / RECENCY_DAYS))
        )
        key = created.timestamp() if sort == "newest" else score
        ranked.append((key, thread_id, post_id, position, score))
    ranked.sort(reverse=True)
    return [
        (thread_id, post_id, position, score) for _, thread_id, post_id, position, score in ranked
    ]


def search_threads(*, viewer, query: str, filters: SearchFilters, page=1) -> SearchPage:
    """One page of threads matching ``query`` that ``viewer`` may read.

    The engine returns the newest ``CANDIDATES`` matching posts (all of them when fewer
    match) with their relevance; those are grouped into threads, checked against
    ``visible_to`` and ranked. So a word found in 200,000 posts costs what one found in
    2,000 does, and for such a word "best match" means the best among its recent uses.
    """
    parsed = parse_query(query)
    number = _page_number(page)
    if parsed.only_common_words:
        # "how to" matches nearly everything in SQLite and nothing in PostgreSQL (which drops
        # stop words): neither helps, so say what would.
        notice = "Words like “the” or “how” are too common to search for; add a more specific word."
        parsed = ParsedQuery(text=parsed.text, notices=(*parsed.notices, notice))
    if parsed.is_empty:
        if filters.narrows:
            return _browse(viewer=viewer, parsed=parsed, filters=filters, number=number)
        return SearchPage(query=parsed, filters=filters, number=number)

    backend = get_backend()
    languages = search_languages(filters.space)
    posts = _candidate_posts(viewer, filters)
    limit = CANDIDATES
    while True:
        candidates = backend.candidates(posts, parsed, languages, limit=limit)
        threads = _visible_threads(viewer, {c[1] for c in candidates}, backend)
        ranked = _rank(candidates, threads, filters.sort)
        capped = len(candidates) >= limit
        # Rare: private or hidden posts crowded the readable ones out of the newest matches.
        if not capped or len(ranked) >= number * PAGE_SIZE or limit >= MAX_CANDIDATES:
            break
        limit *= 4

    total = len(ranked)
    last_page = max(1, min(MAX_PAGES, math.ceil(total / PAGE_SIZE)))
    number = min(number, last_page)
    page_items = ranked[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    loaded = _load_threads(viewer, [item[0] for item in page_items])
    snippets, titles = backend.highlights(
        best={thread_id: post_id for thread_id, post_id, _, _ in page_items},
        query=parsed,
        languages=languages,
    )
    by_thread = {item[0]: item for item in page_items}
    hits = []
    for thread in loaded:
        _, post_id, position, score = by_thread[thread.pk]
        snippet = snippets.get(post_id)
        hits.append(
            SearchHit(
                thread=thread,
                title_html=marked_html(titles.get(thread.pk) or thread.title, markdown=False),
                snippet_html=marked_html(snippet) if snippet else SafeString(""),
                post_id=post_id,
                post_position=position,
                score=score,
            )
        )
    return SearchPage(
        query=parsed,
        filters=filters,
        hits=hits,
        total=total,
        number=number,
        mode="search",
        more=capped,
    )


# What a result row, the read markers and idea vote buttons use; loading only these makes a
# page of results noticeably cheaper to build than whole users and spaces.
_HIT_FIELDS = (
    *(
        f.name
        for f in Thread._meta.concrete_fields
        if f.name not in {"first_reply_at", "first_staff_reply_at"}
    ),
    "space__id",
    "space__slug",
    "space__name",
    "space__icon",
    "space__kind",
    "space__visibility",
    "space__is_archived",
    "space__parent_id",
    "author__id",
    "author__username",
    "author__display_name",
    "author__is_active",
)


def _load_threads(viewer, ids: list[int]) -> list[Thread]:
    """The threads of a page in the order given, decorated like every thread list, each
    with ``search_tags``: (name, slug) pairs, read in one query (taggit's prefetch builds a
    queryset per thread, which costs more than the rest of a search)."""
    from django.contrib.contenttypes.models import ContentType
    from taggit.models import TaggedItem

    from ..selectors import _decorate_threads

    if not ids:
        return []
    threads = Thread.objects.filter(pk__in=ids).select_related("space", "author").only(*_HIT_FIELDS)
    by_id = {t.pk: t for t in threads}
    tags: dict[int, list[tuple[str, str]]] = {}
    tagged = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Thread), object_id__in=ids
    ).values_list("object_id", "tag__name", "tag__slug")
    for thread_id, name, slug in tagged.order_by("tag__name"):
        tags.setdefault(thread_id, []).append((name, slug))
    for thread in by_id.values():
        thread.search_tags = tags.get(thread.pk, [])
    return _decorate_threads(viewer, [by_id[i] for i in ids if i in by_id])


def _browse(*, viewer, parsed: ParsedQuery, filters: SearchFilters, number: int) -> SearchPage:
    """No words, only filters: the matching threads, newest first, with their openings."""
    threads = (
        Thread.objects.visible_to(viewer)
        .exclude(kind=Thread.Kind.MESSAGE)
        .filter(filters.thread_q())
    )
    post_q = filters.post_q()
    if post_q:
        threads = threads.filter(
            id__in=Post.objects.visible_to(viewer).filter(post_q).values("thread_id")
        )
    threads = threads.order_by("-created_at", "-id")
    # Counting every readable thread of a big community would cost more than the page; the
    # count stops where the pages do.
    limit = MAX_PAGES * PAGE_SIZE
    total = threads[: limit + 1].count()
    number = min(number, max(1, math.ceil(min(total, limit) / PAGE_SIZE)))
    start = (number - 1) * PAGE_SIZE
    page_ids = list(threads.values_list("id", flat=True)[start : start + PAGE_SIZE])
    loaded = _load_threads(viewer, page_ids)
    openings = dict(
        Post.objects.filter(thread_id__in=page_ids, position=1).values_list("thread_id", "body")
    )
    hits = [
        SearchHit(
            thread=thread,
            title_html=marked_html(thread.title, markdown=False),
            snippet_html=excerpt(openings.get(thread.pk, "")),
        )
        for thread in loaded
    ]
    return SearchPage(
        query=parsed,
        filters=filters,
        hits=hits,
        total=min(total, limit),
        number=number,
        mode="browse",
        more=total > limit,
    )


# --- similar questions while composing ---------------------------------------------------

MIN_TITLE_CHARS = 8


@dataclass
class Suggestion:
    thread: Thread
    complete: bool  # the title has every distinctive word typed so far

    @property
    def is_solved(self) -> bool:
        return self.thread.accepted_post_id is not None


def similar_threads(*, viewer, title: str, space: Space | None = None, limit: int = 5):
    """Threads like the one being asked, as the title is typed: those whose title has every
    distinctive word first (solved ones first among them), then those sharing some words
    (ranked, solved ones boosted). At most seven queries whatever the data size (on
    PostgreSQL, per tier: the newest id and two slices of titles; then the threads)."""
    words = title_words(title)
    if len(" ".join(words)) < MIN_TITLE_CHARS - 2 or not any(len(w) > 2 for w in words):
        return []
    backend = get_backend()
    languages = search_languages(space)
    visible = (
        Thread.objects.visible_to(viewer)
        .exclude(kind=Thread.Kind.MESSAGE)
        .filter(space__isnull=False)
    )
    complete = backend.similar_ids(visible, words, languages, every=True, limit=limit * 3)
    partial = []
    if len(complete) < limit and len(words) > 1:
        seen = {thread_id for thread_id, _ in complete}
        partial = [
            row
            for row in backend.similar_ids(visible, words, languages, every=False, limit=limit * 3)
            if row[0] not in seen
        ]
    ids = [thread_id for thread_id, _ in complete + partial]
    threads = {t.pk: t for t in Thread.objects.filter(pk__in=ids).select_related("space")}

    def solved(thread_id):
        thread = threads.get(thread_id)
        return bool(thread and thread.accepted_post_id)

    # Among full matches, solved ones first; among partial ones, relevance with a boost.
    complete.sort(key=lambda row: (not solved(row[0]), -(row[1] or 0)))
    partial.sort(key=lambda row: -(row[1] or 0) * (SOLVED_BOOST if solved(row[0]) else 1.0))
    suggestions = [
        Suggestion(thread=threads[thread_id], complete=True)
        for thread_id, _ in complete
        if thread_id in threads
    ]
    suggestions += [
        Suggestion(thread=threads[thread_id], complete=False)
        for thread_id, _ in partial
        if thread_id in threads
    ]
    return suggestions[:limit]
