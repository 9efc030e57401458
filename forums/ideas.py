"""Ideas: threads of kind ``idea`` that members vote on and staff answer with a status.

Services (writes) come first, then selectors (reads for the board, the roadmap and the idea
panel of a thread page). Rules live in ``forums.permissions``; counters move with ``F()``
under a lock on the thread row, and ``idea_votes_synchronize`` recomputes them from the
votes themselves.

Decisions:

- A vote is set, not flipped, by the page: the button says which state it asks for
  (``voted=True`` or ``False``), so a double click or two tabs sending the same request
  leave one vote. ``voted=None`` flips, for callers without a page.
- An idea takes votes until it is done, locked (merging locks the duplicate) or deleted;
  declined ideas still take votes, so demand stays visible.
- Each status change is an official reply by the staff member who made it: the first line
  names the change, their comment follows. ``idea.status_changed`` goes out through the
  outbox so voters are told and reputation follows.
- Merging moves the duplicate's votes to the original, dropping those of members who had
  voted for both, so no one counts twice; the duplicate is locked with a reply pointing to
  the original and leaves the board.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from community import pagecache
from community.outbox import emit

from . import permissions
from .models import IdeaVote, Post, Space, Thread
from .permissions import check

IdeaStatus = Thread.IdeaStatus

STATUSES = (
    IdeaStatus.UNDER_REVIEW,
    IdeaStatus.PLANNED,
    IdeaStatus.IN_PROGRESS,
    IdeaStatus.DONE,
    IdeaStatus.DECLINED,
)
# What staff have committed to: reaching one of these is what earns the author reputation.
COMMITTED = frozenset({IdeaStatus.PLANNED, IdeaStatus.IN_PROGRESS, IdeaStatus.DONE})
TRENDING_WINDOW = timedelta(days=14)
ROADMAP_COLUMNS = (
    IdeaStatus.UNDER_REVIEW,
    IdeaStatus.PLANNED,
    IdeaStatus.IN_PROGRESS,
    IdeaStatus.DONE,
)
ROADMAP_LIMIT = 12
# What each status means to a member reading the idea.
STATUS_HELP = {
    IdeaStatus.UNDER_REVIEW: "The team is looking at this idea. Vote to show it matters to you.",
    IdeaStatus.PLANNED: "On the roadmap: the team plans to build this.",
    IdeaStatus.IN_PROGRESS: "Being built right now.",
    IdeaStatus.DONE: "Shipped! Voting on it is closed.",
    IdeaStatus.DECLINED: "Not planned for now. Votes still count if things change.",
}

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!>|~])")


def _markdown_escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _visible_idea(viewer, thread_id: int) -> Thread:
    """The idea as this viewer may see it, or 404 (hidden looks like missing)."""
    thread = Thread.objects.visible_to(viewer).select_related("space").filter(pk=thread_id).first()
    if thread is None or thread.kind != Thread.Kind.IDEA:
        raise Http404("No such idea.")
    return thread


# --- services ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteState:
    voted: bool
    count: int
    changed: bool


def idea_vote_toggle(*, user, thread: Thread, voted: bool | None = None) -> VoteState:
    """Vote for an idea or take the vote back; ``voted`` names the wanted state.

    The thread row is locked first, so concurrent requests from one member line up and the
    second sees the first one's vote; the unique constraint is the last line of defence.
    """
    with transaction.atomic():
        locked = (
            Thread.objects.select_for_update(of=("self",)).select_related("space").get(pk=thread.pk)
        )
        _visible_idea(user, locked.pk)
        check(permissions.can_vote_idea(user, locked), permissions.vote_refusal(user, locked))
        existing = IdeaVote.objects.filter(thread=locked, user=user)
        has_vote = existing.exists()
        want = (not has_vote) if voted is None else bool(voted)
        changed = False
        if want and not has_vote:
            try:
                with transaction.atomic():
                    IdeaVote.objects.create(thread=locked, user=user)
            except IntegrityError:
                pass  # a concurrent request got there first: one vote either way
            else:
                Thread.objects.filter(pk=locked.pk).update(vote_count=F("vote_count") + 1)
                emit("idea.voted", thread_id=locked.pk, user_id=user.pk)
                changed = True
        elif not want and has_vote:
            deleted, _ = existing.delete()
            if deleted:
                Thread.objects.filter(pk=locked.pk).update(vote_count=F("vote_count") - deleted)
                changed = True
        count = Thread.objects.values_list("vote_count", flat=True).get(pk=locked.pk)
        if changed:
            # Visitors' cached copy of the idea page shows the count (counters move with
            # update(), which sends no model signal).
            pagecache.bump(f"thread:{locked.pk}")
    return VoteState(voted=want, count=count, changed=changed)


def _clean_status(status: str) -> str:
    if status not in STATUSES:
        raise ValidationError({"status": "Choose one of the statuses in the list."})
    return status


def idea_set_status(
    *, actor, thread: Thread, status: str, comment: str, client_token: str = ""
) -> Post:
    """Move an idea to ``status`` and post ``comment`` as the official reply that says so.

    Returns that reply. A repeated ``client_token`` (a double-clicked form) returns the
    reply the first request made and changes nothing else.
    """
    from .services import reply_create

    status = _clean_status(status)
    if not (comment or "").strip():
        raise ValidationError(
            {"comment": "Explain the decision in a comment: voters are told and will read it."}
        )
    with transaction.atomic():
        locked = (
            Thread.objects.select_for_update(of=("self",)).select_related("space").get(pk=thread.pk)
        )
        _visible_idea(actor, locked.pk)
        check(
            permissions.can_set_idea_status(actor, locked),
            "Only staff can change an idea's status.",
        )
        if client_token:
            # Under the lock: the second of two identical submits waits, then finds the first.
            earlier = Post.objects.filter(author=actor, client_token=client_token).first()
            if earlier is not None:
                return earlier
        previous = locked.idea_status or IdeaStatus.UNDER_REVIEW
        if previous == status:
            raise ValidationError(
                {"status": f"This idea is already “{IdeaStatus(status).label}”. Pick another."}
            )
        heading = f"**Status: {IdeaStatus(previous).label} → {IdeaStatus(status).label}**"
        try:
            post = reply_create(
                author=actor,
                thread=locked,
                body=f"{heading}\n\n{comment.strip()}",
                official=True,
                client_token=client_token,
            )
        except ValidationError as error:
            # The comment is the reply's body: report its problems on the comment field.
            if hasattr(error, "error_dict") and "body" in error.error_dict:
                raise ValidationError({"comment": error.error_dict["body"]}) from error
            raise
        Thread.objects.filter(pk=locked.pk).update(idea_status=status)
        emit(
            "idea.status_changed",
            thread_id=locked.pk,
            actor_id=actor.pk,
            status=status,
            previous_status=previous,
            post_id=post.pk,
        )
    thread.idea_status = status
    return post


def idea_merge(*, actor, duplicate: Thread, into: Thread, comment: str = "") -> Thread:
    """Fold ``duplicate`` into ``into``: move its votes without counting anyone twice, then
    lock it with a reply that points to ``into``. Returns ``into`` as it is now."""
    from .services import reply_create

    if duplicate.pk == into.pk:
        raise ValidationError({"into": "An idea cannot be merged into itself."})
    with transaction.atomic():
        # Both rows locked, always in id order, so two merges of the same pair cannot deadlock.
        rows = {
            t.pk: t
            for t in Thread.objects.select_for_update(of=("self",))
            .select_related("space")
            .filter(pk__in=[duplicate.pk, into.pk])
            .order_by("pk")
        }
        duplicate = rows.get(duplicate.pk)
        into = rows.get(into.pk)
        visible = set(
            Thread.objects.visible_to(actor).filter(pk__in=list(rows)).values_list("pk", flat=True)
        )
        if duplicate is None or duplicate.pk not in visible or duplicate.kind != "idea":
            raise Http404("No such idea.")
        check(
            permissions.can_merge_idea(actor, duplicate), "Only staff and moderators merge ideas."
        )
        if into is None or into.pk not in visible:
            raise ValidationError({"into": "There is no idea with that address or number."})
        if into.kind != Thread.Kind.IDEA:
            raise ValidationError(
                {"into": "That thread is not an idea; pick an idea to merge into."}
            )
        if duplicate.is_locked:
            raise ValidationError({"into": "This idea is already closed, so it cannot be merged."})
        if into.is_locked:
            raise ValidationError(
                {"into": "That idea is closed (perhaps merged itself); merge into an open idea."}
            )
        both = IdeaVote.objects.filter(thread=into).values("user_id")
        moved = (
            IdeaVote.objects.filter(thread=duplicate).exclude(user_id__in=both).update(thread=into)
        )
        IdeaVote.objects.filter(thread=duplicate).delete()
        link = f"[{_markdown_escape(into.title)}]({into.get_absolute_url()})"
        votes = f"{moved} vote{'s' if moved != 1 else ''}"
        body = f"**Merged into {link}.** {votes} moved there; please follow that idea instead."
        if (comment or "").strip():
            body = f"{body}\n\n{comment.strip()}"
        reply_create(
            author=actor,
            thread=duplicate,
            body=body,
            official=permissions.is_staff_author(actor),
        )
        Thread.objects.filter(pk=duplicate.pk).update(is_locked=True)
        _recount_votes([duplicate.pk, into.pk])
        pagecache.bump(f"thread:{duplicate.pk}", f"thread:{into.pk}")
        emit(
            "idea.merged",
            duplicate_id=duplicate.pk,
            into_id=into.pk,
            actor_id=actor.pk,
            moved_votes=moved,
        )
    into.refresh_from_db()
    return into


def _recount_votes(thread_ids) -> None:
    for thread_id in thread_ids:
        Thread.objects.filter(pk=thread_id).update(
            vote_count=IdeaVote.objects.filter(thread_id=thread_id).count()
        )


def idea_votes_synchronize(*, thread: Thread) -> Thread:
    """Recompute an idea's vote count from its votes (repair)."""
    _recount_votes([thread.pk])
    thread.refresh_from_db(fields=["vote_count"])
    return thread


# --- selectors ---------------------------------------------------------------------------


def voted_thread_ids(viewer, thread_ids) -> set[int]:
    """Which of these ideas the viewer has voted for: one query, none for visitors."""
    thread_ids = list(thread_ids)
    if not viewer.is_authenticated or not thread_ids:
        return set()
    return set(
        IdeaVote.objects.filter(user=viewer, thread_id__in=thread_ids).values_list(
            "thread_id", flat=True
        )
    )


def decorate_ideas(viewer, threads) -> None:
    """Give each idea in a list what its vote button needs (one query for the whole list)."""
    ideas = [t for t in threads if t.kind == Thread.Kind.IDEA]
    voted = voted_thread_ids(viewer, [t.pk for t in ideas])
    for thread in ideas:
        thread.viewer_voted = thread.pk in voted
        thread.can_vote = permissions.can_vote_idea(viewer, thread)
        thread.vote_refusal = "" if thread.can_vote else permissions.vote_refusal(viewer, thread)


def vote_state_for_viewer(*, thread_id: int, viewer) -> Thread:
    """One idea with its vote button's state (the htmx partial after a vote)."""
    thread = _visible_idea(viewer, thread_id)
    decorate_ideas(viewer, [thread])
    return thread


@dataclass
class IdeaPanel:
    """The idea box on a thread page: votes, status and the staff tools with their forms
    (a view that failed to save one puts the bound form back, so nothing typed is lost)."""

    thread: Thread
    can_set_status: bool
    can_merge: bool
    status_form: object = None
    merge_form: object = None
    open_tool: str = ""

    @property
    def status_help(self) -> str:
        if self.thread.is_locked:
            return "This idea is closed: see the last replies for where the conversation went."
        return STATUS_HELP.get(self.thread.idea_status, "")


def idea_panel(*, thread: Thread, viewer) -> IdeaPanel:
    from .idea_forms import IdeaMergeForm, IdeaStatusForm

    decorate_ideas(viewer, [thread])
    can_set_status = permissions.can_set_idea_status(viewer, thread)
    can_merge = permissions.can_merge_idea(viewer, thread) and not thread.is_locked
    return IdeaPanel(
        thread=thread,
        can_set_status=can_set_status,
        can_merge=can_merge,
        status_form=IdeaStatusForm(current=thread.idea_status) if can_set_status else None,
        merge_form=IdeaMergeForm() if can_merge else None,
    )


def _board_ideas(viewer):
    """Ideas on the board and the roadmap: visible to the viewer, not closed by a merge."""
    return Thread.objects.visible_to(viewer).filter(kind=Thread.Kind.IDEA, is_locked=False)


BOARD_SORTS = {
    "top": "Top",
    "trending": "Trending",
    "newest": "Newest",
}
BOARD_FILTERS = {
    "open": "Open",
    **{s.value: s.label for s in STATUSES},
    "all": "All",
}


class BoardPage:
    """One page of the board, numbered from 1; offers what ``_pagination.html`` reads."""

    def __init__(self, *, number, total: int):
        self.size = settings.STOA_LIST_PAGE_SIZE
        self.paginator = SimpleNamespace(num_pages=max(1, math.ceil(total / self.size)))
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        self.number = min(max(number, 1), self.paginator.num_pages)
        self.start = (self.number - 1) * self.size

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.paginator.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


@dataclass
class IdeaBoard:
    page: BoardPage
    ideas: list[Thread]
    sort: str
    status: str
    space: Space | None
    spaces: list[Space]
    counts: dict[str, int]
    post_spaces: list[Space]
    sorts: dict = field(default_factory=lambda: dict(BOARD_SORTS))
    filters: dict = field(default_factory=lambda: dict(BOARD_FILTERS))
    trending_days: int = TRENDING_WINDOW.days

    @property
    def tabs(self) -> list[tuple[str, str, int]]:
        return [(key, label, self.counts.get(key, 0)) for key, label in self.filters.items()]


def idea_spaces(viewer) -> list[Space]:
    """Spaces with an ideas board that this viewer can read."""
    return list(Space.objects.visible_to(viewer).listed().filter(allow_ideas=True))


def idea_board(*, viewer, params) -> IdeaBoard:
    """The ideas board: top (most votes), trending (most votes in the last 14 days) or newest,
    filtered by status and optionally by space; a fixed number of queries for any size."""
    sort = params.get("sort") if params.get("sort") in BOARD_SORTS else "top"
    status = params.get("status") if params.get("status") in BOARD_FILTERS else "open"
    spaces = idea_spaces(viewer)
    space = next((s for s in spaces if s.slug == params.get("space")), None)

    ideas = _board_ideas(viewer)
    if space is not None:
        ideas = ideas.filter(space=space)
    counts = {
        row["idea_status"]: row["n"]
        for row in ideas.values("idea_status").annotate(n=Count("id")).order_by()
    }
    counts["all"] = sum(counts.values())
    counts["open"] = sum(
        counts.get(s, 0) for s in STATUSES if s not in (IdeaStatus.DONE, IdeaStatus.DECLINED)
    )

    if status == "open":
        ideas = ideas.exclude(idea_status__in=[IdeaStatus.DONE, IdeaStatus.DECLINED])
    elif status != "all":
        ideas = ideas.filter(idea_status=status)
    if sort == "trending":
        since = timezone.now() - TRENDING_WINDOW
        ideas = ideas.annotate(
            recent_votes=Count("votes", filter=Q(votes__created_at__gte=since))
        ).order_by("-recent_votes", "-vote_count", "-created_at", "-id")
    elif sort == "newest":
        ideas = ideas.order_by("-created_at", "-id")
    else:
        ideas = ideas.order_by("-vote_count", "-created_at", "-id")

    # The tab counts already say how many ideas match, so paging needs no COUNT of its own.
    page = BoardPage(number=params.get("page"), total=counts.get(status, 0))
    rows = list(ideas.for_list()[page.start : page.start + page.size])
    decorate_ideas(viewer, rows)
    return IdeaBoard(
        page=page,
        ideas=rows,
        sort=sort,
        status=status,
        space=space,
        spaces=spaces,
        counts=counts,
        post_spaces=[
            s for s in spaces if permissions.can_start_thread(viewer, s, Thread.Kind.IDEA)
        ],
    )


@dataclass
class RoadmapColumn:
    status: str
    label: str
    ideas: list[Thread]
    total: int

    @property
    def more(self) -> int:
        return max(self.total - len(self.ideas), 0)


@dataclass
class Roadmap:
    columns: list[RoadmapColumn]
    declined: int
    space: Space | None
    spaces: list[Space]


def roadmap_page(*, viewer, params) -> Roadmap:
    """Ideas grouped by status, the most voted first in each group: three queries in all."""
    spaces = idea_spaces(viewer)
    space = next((s for s in spaces if s.slug == params.get("space")), None)
    ideas = _board_ideas(viewer)
    if space is not None:
        ideas = ideas.filter(space=space)
    counts = {
        row["idea_status"]: row["n"]
        for row in ideas.values("idea_status").annotate(n=Count("id")).order_by()
    }
    ranked = (
        ideas.filter(idea_status__in=ROADMAP_COLUMNS)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("idea_status")],
                order_by=[F("vote_count").desc(), F("last_activity_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=ROADMAP_LIMIT)
        .select_related("space")
        .order_by("rank")
    )
    grouped: dict[str, list[Thread]] = {s: [] for s in ROADMAP_COLUMNS}
    for thread in ranked:
        grouped[thread.idea_status].append(thread)
    columns = [
        RoadmapColumn(status=s, label=IdeaStatus(s).label, ideas=grouped[s], total=counts.get(s, 0))
        for s in ROADMAP_COLUMNS
    ]
    return Roadmap(
        columns=columns,
        declined=counts.get(IdeaStatus.DECLINED, 0),
        space=space,
        spaces=spaces,
    )


def idea_get_for_viewer(*, thread_id: int, viewer) -> Thread:
    return _visible_idea(viewer, thread_id)


def idea_find_for_merge(*, reference: str, viewer) -> Thread | None:
    """The idea a staff member means by ``reference``: its number or its address."""
    reference = (reference or "").strip()
    match = re.search(r"/t/[^/]+/(\d+)/?", reference) or re.fullmatch(r"#?(\d+)", reference)
    if match is None:
        return None
    return (
        Thread.objects.visible_to(viewer)
        .select_related("space")
        .filter(pk=int(match.group(1)))
        .first()
    )
