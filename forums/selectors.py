"""Every read a forum page needs, through the one door (``visible_to``).

Page objects bring everything a template needs — rows, related objects and the viewer's
permission flags — in a fixed number of queries, whatever the size of the data.
"""

import difflib
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from taggit.models import Tag

from accounts import badges
from accounts.backends import members_of

from . import groups, ideas, permissions
from .models import Post, Reaction, ReadState, Space, Thread
from .services import thread_pending_views

STAFF_ROLES = ("Staff", "Admins")

SPACE_SORTS = {
    "activity": ("Latest activity", ("-is_pinned", "-last_activity_at", "-id")),
    "newest": ("Newest", ("-created_at", "-id")),
    "top": ("Top", ("-vote_count", "-post_count", "-last_activity_at")),
}
SPACE_FILTERS = {
    "all": "All",
    "unanswered": "Unanswered",
    "unsolved": "Unsolved",
    "solved": "Solved",
}


def space_get_for_viewer(*, slug: str, viewer) -> Space:
    """The space, or 404 whether it is missing or hidden from this viewer."""
    space = Space.objects.visible_to(viewer).select_related("parent").filter(slug=slug).first()
    if space is None:
        raise Http404("No such space.")
    return space


def thread_get_for_viewer(*, thread_id: int, viewer, with_tags: bool = True) -> Thread:
    """The thread, through the reading door, or 404. Writes that only need the thread to
    exist for the viewer pass ``with_tags=False`` and save the tags' query."""
    threads = Thread.objects.visible_to(viewer).select_related("space", "author", "space__parent")
    if with_tags:
        threads = threads.prefetch_related("tags")
    thread = threads.filter(pk=thread_id).first()
    if thread is None:
        raise Http404("No such thread.")
    return thread


def post_get_for_viewer(*, post_id: int, viewer) -> Post:
    post = (
        Post.objects.visible_to(viewer)
        .select_related("thread", "thread__space", "author")
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        raise Http404("No such post.")
    return post


def _unread_map(viewer, threads) -> dict[int, int]:
    """thread id -> first unread position, for threads this member has opened before."""
    if not viewer.is_authenticated or not threads:
        return {}
    states = ReadState.objects.filter(user=viewer, thread__in=[t.pk for t in threads]).values_list(
        "thread_id", "last_read_position"
    )
    return dict(states)


def _decorate_threads(viewer, threads: list[Thread]) -> list[Thread]:
    read = _unread_map(viewer, threads)
    for thread in threads:
        last_read = read.get(thread.pk)
        thread.viewer_seen = last_read is not None
        thread.viewer_unread = 0 if last_read is None else max(thread.last_position - last_read, 0)
        thread.viewer_first_unread = (last_read or 0) + 1
    ideas.decorate_ideas(viewer, threads)  # vote buttons: one query, only if ideas are listed
    return threads


class Window:
    """One page of a list without counting the whole list: it fetches one row more than it
    shows to know whether a next page exists. Offers the parts of Django's ``Page`` that the
    pagination template uses."""

    def __init__(self, rows: list, number: int, size: int):
        self.number = number
        self.object_list = rows[:size]
        self._has_next = len(rows) > size

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def _page_number(raw) -> int:
    try:
        return min(max(int(raw), 1), 10_000)
    except (TypeError, ValueError):
        return 1


@dataclass
class ThreadList:
    page: Window
    threads: list[Thread]


def _thread_list(viewer, qs: QuerySet, page_number) -> ThreadList:
    size = settings.STOA_LIST_PAGE_SIZE
    number = _page_number(page_number)
    start = (number - 1) * size
    page = Window(list(qs.for_list()[start : start + size + 1]), number, size)
    threads = _decorate_threads(viewer, page.object_list)
    return ThreadList(page=page, threads=threads)


@dataclass
class HomePage:
    spaces: list[Space]
    latest: ThreadList
    can_manage_spaces: bool
    # Member groups in the spotlight, and the signed-in member's own groups, invitations
    # and organization spaces (forums.groups.my_spaces).
    featured_groups: list[Space] = field(default_factory=list)
    mine: groups.MySpaces | None = None


def home_page(*, viewer, params) -> HomePage:
    spaces = list(
        Space.objects.visible_to(viewer).listed().filter(parent__isnull=True).exclude(kind="group")
    )
    threads = (
        Thread.objects.visible_to(viewer)
        .exclude(kind="message")
        .order_by("-last_activity_at", "-id")
    )
    featured = (
        Space.objects.discoverable_to(viewer)
        .filter(kind=Space.Kind.GROUP, is_featured=True, is_archived=False)
        .order_by("-last_activity_at", "name")[:5]
    )
    mine = groups.my_spaces(viewer=viewer)
    if mine:
        # The member's own private spaces are listed once, under "Your spaces".
        own = {space.pk for space in mine.all_spaces}
        spaces = [space for space in spaces if space.pk not in own]
    return HomePage(
        spaces=spaces,
        latest=_thread_list(viewer, threads, params.get("page")),
        can_manage_spaces=permissions.can_manage_spaces(viewer),
        featured_groups=list(featured),
        mine=mine,
    )


@dataclass
class SpacePage:
    space: Space
    children: list[Space]
    listing: ThreadList
    sort: str
    show: str
    tag: Tag | None
    sorts: dict = field(default_factory=lambda: {k: v[0] for k, v in SPACE_SORTS.items()})
    filters: dict = field(default_factory=lambda: dict(SPACE_FILTERS))
    can_start_thread: bool = False
    can_manage: bool = False


def space_page(*, space: Space, viewer, params) -> SpacePage:
    sort = params.get("sort") if params.get("sort") in SPACE_SORTS else "activity"
    show = params.get("show") if params.get("show") in SPACE_FILTERS else "all"
    threads = Thread.objects.visible_to(viewer).filter(space=space)
    if show == "unanswered":
        threads = threads.filter(post_count__lte=1)
    elif show == "unsolved":
        threads = threads.filter(kind=Thread.Kind.QUESTION, accepted_post__isnull=True)
    elif show == "solved":
        threads = threads.filter(accepted_post__isnull=False)
    tag = None
    if params.get("tag"):
        tag = Tag.objects.filter(slug=params["tag"]).first()
        threads = threads.filter(tags=tag) if tag else threads.none()
    threads = threads.order_by(*SPACE_SORTS[sort][1])
    children = list(Space.objects.visible_to(viewer).listed().filter(parent=space))
    return SpacePage(
        space=space,
        children=children,
        listing=_thread_list(viewer, threads, params.get("page")),
        sort=sort,
        show=show,
        tag=tag,
        can_start_thread=permissions.can_start_thread(viewer, space),
        can_manage=permissions.can_manage_spaces(viewer),
    )


@dataclass
class TagPage:
    tag: Tag
    listing: ThreadList


def tag_page(*, slug: str, viewer, params) -> TagPage:
    tag = Tag.objects.filter(slug=slug).first()
    threads = (
        Thread.objects.visible_to(viewer).filter(tags=tag).order_by("-last_activity_at")
        if tag
        else None
    )
    if tag is None or not threads.exists():
        # A tag used only on threads this viewer cannot read does not exist for them.
        raise Http404("No such tag.")
    return TagPage(tag=tag, listing=_thread_list(viewer, threads, params.get("page")))


@dataclass
class ThreadPage:
    thread: Thread
    posts: list[Post]
    page_number: int
    num_pages: int
    opening: Post | None
    accepted: Post | None
    official: Post | None
    view_count: int
    can_reply: bool
    reply_refusal: str
    can_accept: bool
    can_pin: bool
    can_lock: bool
    can_post_official: bool
    viewer_last_read: int = 0
    # An idea's votes, status and staff tools (forums.ideas.IdeaPanel); None for other kinds.
    idea: ideas.IdeaPanel | None = None

    @property
    def page_range(self) -> range:
        return range(1, self.num_pages + 1)

    @property
    def has_previous(self) -> bool:
        return self.page_number > 1

    @property
    def has_next(self) -> bool:
        return self.page_number < self.num_pages


def page_for_position(position: int) -> int:
    return max(1, math.ceil(position / settings.STOA_THREAD_PAGE_SIZE))


def _staff_ids(user_ids) -> set[int]:
    return set(members_of(STAFF_ROLES)) & set(user_ids)


def thread_page(*, thread: Thread, viewer, page: int) -> ThreadPage:
    """Posts of one page, selected by position range (never OFFSET), with everything else
    the page shows: the accepted and official answers, reactions and permission flags."""
    size = settings.STOA_THREAD_PAGE_SIZE
    num_pages = page_for_position(max(thread.last_position, 1))
    page = min(max(page, 1), num_pages)
    first, last = (page - 1) * size + 1, page * size

    visible = Post.objects.in_visible_thread(viewer, thread)
    wanted = Q(position__range=(first, last))
    extra_ids = {pid for pid in (thread.accepted_post_id, thread.official_post_id) if pid}
    if page > 1:
        wanted |= Q(position=1)
    if extra_ids:
        wanted |= Q(pk__in=extra_ids)
    loaded = list(
        visible.filter(wanted).select_related("author", "reply_to__author").order_by("position")
    )
    by_id = {p.pk: p for p in loaded}
    posts = [p for p in loaded if first <= p.position <= last]
    opening = next((p for p in loaded if p.position == 1), None)

    staff = _staff_ids({p.author_id for p in loaded})
    top_badges = badges.top_badges({p.author_id for p in loaded})
    mine: set[tuple[int, str]] = set()
    if viewer.is_authenticated and posts:
        mine = set(
            Reaction.objects.filter(user=viewer, post__in=[p.pk for p in posts]).values_list(
                "post_id", "kind"
            )
        )
    can_accept = permissions.can_accept_answer(viewer, thread)
    for post in loaded:
        post.thread = thread
        post.author_is_staff = post.author_id in staff
        post.author_top_badge = top_badges.get(post.author_id)
        post.is_accepted = post.pk == thread.accepted_post_id
        post.viewer_liked = (post.pk, "like") in mine
        post.viewer_helpful = (post.pk, "helpful") in mine
        post.can_edit = permissions.can_edit_post(viewer, post)
        post.can_delete = permissions.can_delete_post(viewer, post)
        post.can_react = permissions.can_react(viewer, post)
        post.can_accept = can_accept and permissions.can_accept_post(viewer, post)
        post.can_mark_official = permissions.can_mark_official(
            viewer, post, author_is_staff=post.author_is_staff
        )

    last_read = 0
    if viewer.is_authenticated:
        last_read = (
            ReadState.objects.filter(user=viewer, thread=thread)
            .values_list("last_read_position", flat=True)
            .first()
            or 0
        )
    return ThreadPage(
        thread=thread,
        posts=posts,
        page_number=page,
        num_pages=num_pages,
        opening=opening,
        accepted=by_id.get(thread.accepted_post_id),
        official=by_id.get(thread.official_post_id),
        view_count=thread.view_count + thread_pending_views(thread_id=thread.pk),
        can_reply=permissions.can_reply(viewer, thread),
        reply_refusal=permissions.reply_refusal(viewer, thread),
        can_accept=can_accept,
        can_pin=permissions.can_pin(viewer, thread),
        can_lock=permissions.can_lock(viewer, thread),
        can_post_official=viewer.is_authenticated and viewer.has_perm("forums.mark_official"),
        viewer_last_read=last_read,
        idea=ideas.idea_panel(thread=thread, viewer=viewer)
        if thread.kind == Thread.Kind.IDEA
        else None,
    )


def _diff_lines(before: str, after: str) -> list[dict]:
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=2)
    rows = []
    for line in list(lines)[2:]:
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        rows.append({"kind": kind, "text": line})
    return rows


def post_revisions(*, post: Post) -> list[dict]:
    """Every edit of a post, newest first, each with a line diff of what it changed.

    Revision k keeps the text as it was before edit k, who made edit k and when.
    """
    revisions = list(post.revisions.select_related("editor").order_by("number"))
    texts = [(r.title, r.body) for r in revisions] + [
        (post.thread.title if post.is_opening else "", post.body)
    ]
    edits = []
    for k, revision in enumerate(revisions):
        (title_before, body_before), (title_after, body_after) = texts[k], texts[k + 1]
        edits.append(
            {
                "number": revision.number,
                "editor": revision.editor,
                "edited_at": revision.created_at,
                "title_before": title_before,
                "title_after": title_after,
                "title_changed": post.is_opening and title_before != title_after,
                "diff": _diff_lines(body_before, body_after),
            }
        )
    return list(reversed(edits))


def post_for_reactions(*, post_id: int, viewer) -> Post:
    """A post with fresh reaction counts and the viewer's own reactions (htmx partial)."""
    post = post_get_for_viewer(post_id=post_id, viewer=viewer)
    mine = set(Reaction.objects.filter(user=viewer, post=post).values_list("kind", flat=True))
    post.viewer_liked = "like" in mine
    post.viewer_helpful = "helpful" in mine
    post.can_react = permissions.can_react(viewer, post)
    return post


def user_activity(*, person, viewer, limit: int = 20) -> list[Post]:
    """A member's latest posts that this viewer may read. Private messages never show on a
    profile, not even to someone who was in the conversation."""
    return list(
        Post.objects.visible_to(viewer)
        .filter(author=person, state=Post.State.VISIBLE)
        .exclude(thread__kind=Thread.Kind.MESSAGE)
        .select_related("thread", "thread__space")
        .order_by("-created_at")[:limit]
    )
