"""Reputation: points for contributions others valued, kept as a ledger of ReputationEvents.

The rules (``POINTS``):

- **Accepted answer, +15** to the answer's author, unless they accepted it themselves.
- **Helpful reaction received, +5** to the post's author, one per reacting member; it goes
  when the reaction is taken back, or when the reacting member deletes their account.
- **Idea on the roadmap, +10** to the idea's author when staff move it to planned, in
  progress or done; it goes if the idea is later declined or sent back to review. Nothing
  when the author moved their own idea.
- Nothing for private conversations, and everything tied to content goes when that content
  is deleted (a deleted thread takes its answers' and replies' points with it).

Each event has a key naming the space, thread and post it came from
(``s3:t41:p97:accepted``), unique per member, so a replayed outbox message changes nothing,
and the leaderboard can sum a space's events by key prefix. ``User.reputation`` is the sum
of a member's events, moved with ``F()`` in the same transaction as the event row.

The outbox handlers (``accounts.tasks``) reconcile one piece of content at a time with what
is true now, under a lock on that content's row. ``reputation_rebuild`` (``manage.py
rebuild_reputation``) derives the whole ledger from the content instead and repairs the
difference. Two facts are not stored on the content, so it reads them from the outbox
history: who accepted an answer and who moved an idea onto the roadmap. Without that
history it assumes the question's author accepted, and that nobody moved their own idea
unless its author is staff.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from community.models import OutboxEvent
from forums import permissions as forum_permissions
from forums.ideas import COMMITTED
from forums.models import Post, Reaction, Thread

from .models import ReputationEvent, User

ACCEPTED = "answer_accepted"
HELPFUL = "helpful_received"
IDEA = "idea_planned"
POINTS = {ACCEPTED: 15, HELPFUL: 5, IDEA: 10}
LABELS = {
    ACCEPTED: "Accepted answer",
    HELPFUL: "Helpful reaction received",
    IDEA: "Idea on the roadmap",
}


def accepted_key(*, space_id, thread_id, post_id) -> str:
    return f"s{space_id}:t{thread_id}:p{post_id}:accepted"


def helpful_key(*, space_id, thread_id, post_id, reactor_id) -> str:
    return f"s{space_id}:t{thread_id}:p{post_id}:helpful:u{reactor_id}"


def idea_key(*, space_id, thread_id) -> str:
    return f"s{space_id}:t{thread_id}:idea"


def space_prefix(space_id) -> str:
    """Every key of events earned in this space starts with this."""
    return f"s{space_id}:"


@dataclass(frozen=True)
class Entry:
    """An event as the rules say it should exist."""

    user_id: int
    kind: str
    key: str
    at: datetime | None = None

    @property
    def points(self) -> int:
        return POINTS[self.kind]


def _counts(thread: Thread) -> bool:
    """Content in a community space counts; private conversations and deleted threads don't."""
    return thread.space_id is not None and thread.kind != "message" and not thread.is_deleted


# --- the ledger's two moves -------------------------------------------------------------


def _award(entry: Entry) -> bool:
    """Add the event and its points once; a second call with the same key does nothing."""
    try:
        with transaction.atomic():
            event = ReputationEvent.objects.create(
                user_id=entry.user_id, kind=entry.kind, points=entry.points, key=entry.key
            )
            if entry.at is not None:
                ReputationEvent.objects.filter(pk=event.pk).update(created_at=entry.at)
            User.objects.filter(pk=entry.user_id).update(reputation=F("reputation") + entry.points)
    except IntegrityError:
        return False
    return True


def _revoke(events: Iterable[ReputationEvent]) -> int:
    """Remove events and their points; an event another worker removed first is skipped."""
    removed = 0
    for event in events:
        with transaction.atomic():
            deleted, _ = ReputationEvent.objects.filter(pk=event.pk).delete()
            if deleted:
                User.objects.filter(pk=event.user_id).update(
                    reputation=F("reputation") - event.points
                )
                removed += 1
    return removed


def _reconcile(existing, wanted: Iterable[Entry]) -> set[int]:
    """Make the events in ``existing`` (a queryset scoped to one piece of content) match
    ``wanted``. Returns the members whose reputation changed."""
    have = {(e.user_id, e.key): e for e in existing}
    want = {(w.user_id, w.key): w for w in wanted}
    stale = [e for k, e in have.items() if k not in want or e.points != want[k].points]
    changed = {e.user_id for e in stale if _revoke([e])}
    for k, entry in want.items():
        if (k not in have or have[k].points != entry.points) and _award(entry):
            changed.add(entry.user_id)
    return changed


# --- handlers: one piece of content at a time -------------------------------------------


def _acceptance_events(thread: Thread):
    authors = Post.objects.filter(thread_id=thread.pk).values("author_id")
    return ReputationEvent.objects.filter(
        kind=ACCEPTED, user_id__in=authors, key__contains=f":t{thread.pk}:p"
    )


@transaction.atomic
def reputation_for_acceptance(
    *, thread_id: int, post_id: int | None = None, actor_id: int | None = None
) -> set[int]:
    """After an answer is accepted (``post_id`` by ``actor_id``) or the acceptance is undone:
    the thread's accepted answer earns its author points, no other post of it does."""
    thread = Thread.objects.select_for_update().filter(pk=thread_id).first()
    if thread is None:
        return set()
    existing = list(_acceptance_events(thread))
    current = None
    if _counts(thread) and thread.kind == "question" and thread.accepted_post_id:
        current = Post.objects.filter(pk=thread.accepted_post_id, is_deleted=False).first()
    wanted = []
    if current is not None:
        key = accepted_key(space_id=thread.space_id, thread_id=thread.pk, post_id=current.pk)
        if current.pk == post_id:
            if actor_id != current.author_id:
                wanted.append(Entry(current.author_id, ACCEPTED, key))
        else:
            # Accepted by an event not handled yet (or long ago): its own handler decides.
            wanted.extend(
                Entry(e.user_id, e.kind, e.key)
                for e in existing
                if e.key.endswith(f":p{current.pk}:accepted")
            )
    return _reconcile(existing, wanted)


@transaction.atomic
def reputation_for_helpful(*, post_id: int, reactor_id: int) -> set[int]:
    """After a helpful reaction is added or taken back: the post's author holds the points
    exactly while the reaction exists. The post row is locked, as the reaction service locks
    it, so a quick add-remove-add always ends in the state of the last click."""
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("thread")
        .filter(pk=post_id)
        .first()
    )
    if post is None:
        return set()
    thread = post.thread
    existing = ReputationEvent.objects.filter(
        user_id=post.author_id,
        kind=HELPFUL,
        key__endswith=f":t{thread.pk}:p{post.pk}:helpful:u{reactor_id}",
    )
    wanted = []
    reaction = Reaction.objects.filter(post=post, user_id=reactor_id, kind="helpful").first()
    if reaction and _counts(thread) and not post.is_deleted and reactor_id != post.author_id:
        key = helpful_key(
            space_id=thread.space_id, thread_id=thread.pk, post_id=post.pk, reactor_id=reactor_id
        )
        wanted.append(Entry(post.author_id, HELPFUL, key, at=reaction.created_at))
    return _reconcile(existing, wanted)


def reputation_for_reaction(*, reaction_id: int) -> set[int]:
    reaction = Reaction.objects.filter(pk=reaction_id, kind="helpful").first()
    if reaction is None:
        return set()  # a like, or already taken back: the removal's handler settles it
    return reputation_for_helpful(post_id=reaction.post_id, reactor_id=reaction.user_id)


@transaction.atomic
def reputation_for_idea(
    *, thread_id: int, actor_id: int, status: str, previous_status: str
) -> set[int]:
    """After staff change an idea's status: reaching planned, in progress or done from
    outside those earns the author points (unless they moved it); leaving them takes the
    points back; moving between them changes nothing."""
    thread = Thread.objects.select_for_update().filter(pk=thread_id).first()
    if thread is None:
        return set()
    existing = list(
        ReputationEvent.objects.filter(
            user_id=thread.author_id, kind=IDEA, key__endswith=f":t{thread.pk}:idea"
        )
    )
    if not _counts(thread) or thread.idea_status not in COMMITTED:
        return _reconcile(existing, [])
    if thread.idea_status != status:
        return set()  # a later change is on its way and will decide
    if previous_status in COMMITTED:
        return set()
    wanted = []
    if actor_id != thread.author_id:
        key = idea_key(space_id=thread.space_id, thread_id=thread.pk)
        wanted.append(Entry(thread.author_id, IDEA, key))
    return _reconcile(existing, wanted)


@transaction.atomic
def reputation_for_deletion(*, post_id: int) -> set[int]:
    """Deleted content takes its points with it: a post's own, or a whole thread's."""
    post = Post.objects.select_related("thread").filter(pk=post_id).first()
    if post is None:
        return set()
    thread = post.thread
    if thread.is_deleted:
        authors = Post.objects.filter(thread_id=thread.pk).values("author_id")
        events = ReputationEvent.objects.filter(
            user_id__in=authors, key__contains=f":t{thread.pk}:"
        )
    elif post.is_deleted:
        events = ReputationEvent.objects.filter(
            user_id=post.author_id, key__contains=f":t{thread.pk}:p{post.pk}:"
        )
    else:
        return set()
    events = list(events.select_for_update())
    _revoke(events)
    return {e.user_id for e in events}


@transaction.atomic
def reputation_for_account_deletion(*, user_id: int) -> set[int]:
    """A deleted account's helpful reactions are gone, so are the points they earned others.

    The member's own events go with their account row. Call it after the reactions' posts
    are locked (as ``reputation_for_helpful`` locks them), so a handler still working on one
    of these reactions has either finished or will find the reaction gone. One UPDATE moves
    every author's total, however many reactions there were. Returns the authors changed.
    """
    given = ReputationEvent.objects.filter(
        kind=HELPFUL, key__endswith=f":helpful:u{user_id}"
    ).exclude(user_id=user_id)
    authors = set(given.values_list("user_id", flat=True).distinct())
    if not authors:
        return set()
    lost = (
        given.filter(user_id=OuterRef("pk"))
        .order_by()
        .values("user_id")
        .annotate(total=Sum("points"))
        .values("total")
    )
    User.objects.filter(pk__in=authors).update(
        reputation=F("reputation") - Subquery(lost, output_field=IntegerField())
    )
    given.delete()
    return authors


# --- rebuild: the whole ledger from the content -----------------------------------------


def _latest_actors(topic: str, id_field: str) -> dict[int, tuple[int, datetime]]:
    """For each object id, who acted last in ``topic`` events, and when."""
    actors = {}
    events = OutboxEvent.objects.filter(topic=topic).order_by("id")
    for payload, created_at in events.values_list("payload", "created_at").iterator():
        if id_field in payload and "actor_id" in payload:
            actors[payload[id_field]] = (payload["actor_id"], created_at)
    return actors


def _roadmap_movers() -> dict[int, tuple[int, datetime]]:
    """For each idea, who last moved it from outside the roadmap statuses onto them."""
    movers = {}
    events = OutboxEvent.objects.filter(topic="idea.status_changed").order_by("id")
    for payload, created_at in events.values_list("payload", "created_at").iterator():
        if payload.get("status") in COMMITTED and payload.get("previous_status") not in COMMITTED:
            movers[payload["thread_id"]] = (payload.get("actor_id"), created_at)
    return movers


def expected_entries() -> dict[tuple[int, str], Entry]:
    """Every event the rules call for, derived from the content as it is now."""
    entries: list[Entry] = []
    acceptors = _latest_actors("answer.accepted", "post_id")
    solved = (
        Thread.objects.filter(
            kind="question",
            is_deleted=False,
            space__isnull=False,
            accepted_post__isnull=False,
            accepted_post__is_deleted=False,
        )
        .values_list("pk", "space_id", "author_id", "accepted_post_id", "accepted_post__author_id")
        .iterator()
    )
    for thread_id, space_id, asker_id, post_id, answerer_id in solved:
        acceptor, at = acceptors.get(post_id, (asker_id, None))
        if acceptor != answerer_id:
            key = accepted_key(space_id=space_id, thread_id=thread_id, post_id=post_id)
            entries.append(Entry(answerer_id, ACCEPTED, key, at=at))

    helpful = (
        Reaction.objects.filter(
            kind="helpful",
            post__is_deleted=False,
            post__thread__is_deleted=False,
            post__thread__space__isnull=False,
        )
        .exclude(post__thread__kind="message")
        .exclude(user_id=F("post__author_id"))
        .values_list(
            "post_id",
            "user_id",
            "post__author_id",
            "post__thread_id",
            "post__thread__space_id",
            "created_at",
        )
        .iterator()
    )
    for post_id, reactor_id, author_id, thread_id, space_id, at in helpful:
        key = helpful_key(
            space_id=space_id, thread_id=thread_id, post_id=post_id, reactor_id=reactor_id
        )
        entries.append(Entry(author_id, HELPFUL, key, at=at))

    movers = _roadmap_movers()
    ideas = Thread.objects.filter(
        kind="idea", is_deleted=False, space__isnull=False, idea_status__in=COMMITTED
    ).select_related("author")
    for thread in ideas.iterator():
        if thread.pk in movers:
            mover, at = movers[thread.pk]
            earns = mover != thread.author_id
        else:
            at, earns = None, not forum_permissions.is_staff_author(thread.author)
        if earns:
            key = idea_key(space_id=thread.space_id, thread_id=thread.pk)
            entries.append(Entry(thread.author_id, IDEA, key, at=at))
    return {(e.user_id, e.key): e for e in entries}


@dataclass(frozen=True)
class RebuildReport:
    added: int
    removed: int
    members_changed: int


@transaction.atomic
def reputation_rebuild() -> RebuildReport:
    """Recompute every member's reputation from scratch: derive the ledger from the content,
    add what is missing, remove what no longer holds (events that stay keep their dates),
    then set each ``User.reputation`` to the sum of their events."""
    wanted = expected_entries()
    have = {
        (user_id, key): (pk, points)
        for pk, user_id, key, points in (
            ReputationEvent.objects.values_list("pk", "user_id", "key", "points").iterator()
        )
    }
    stale = [
        pk for k, (pk, points) in have.items() if k not in wanted or wanted[k].points != points
    ]
    missing = [e for k, e in wanted.items() if k not in have or have[k][1] != e.points]
    for start in range(0, len(stale), 500):
        ReputationEvent.objects.filter(pk__in=stale[start : start + 500]).delete()
    created = ReputationEvent.objects.bulk_create(
        [
            ReputationEvent(user_id=e.user_id, kind=e.kind, points=e.points, key=e.key)
            for e in missing
        ],
        batch_size=500,
    )
    dated = []
    for event, entry in zip(created, missing, strict=True):
        if entry.at is not None and event.pk is not None:
            event.created_at = entry.at
            dated.append(event)
    ReputationEvent.objects.bulk_update(dated, ["created_at"], batch_size=500)

    totals = (
        ReputationEvent.objects.filter(user_id=OuterRef("pk"))
        .order_by()
        .values("user_id")
        .annotate(total=Sum("points"))
        .values("total")
    )
    correct = Coalesce(Subquery(totals, output_field=IntegerField()), Value(0))
    wrong = User.objects.annotate(correct=correct).exclude(reputation=F("correct"))
    changed = wrong.count()
    if changed:
        User.objects.filter(pk__in=wrong.values("pk")).update(reputation=correct)
    return RebuildReport(added=len(missing), removed=len(stale), members_changed=changed)


def reputation_of(user_ids: Iterable[int]) -> dict[int, int]:
    """Each member's reputation summed from the ledger (what the rebuild would set)."""
    rows = (
        ReputationEvent.objects.filter(user_id__in=list(user_ids))
        .values("user_id")
        .annotate(total=Sum("points"))
        .order_by()
    )
    return {row["user_id"]: row["total"] for row in rows}


def recent_events(*, user, limit: int = 10) -> list[ReputationEvent]:
    return list(ReputationEvent.objects.filter(user=user).order_by("-created_at", "-id")[:limit])
