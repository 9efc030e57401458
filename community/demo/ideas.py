"""The ideas board in the demo: more ideas, their votes and official statuses, a merged
duplicate, and the reputation and badges everyone's demo activity earned.

The ideas themselves are content (``threads_platform`` and ``threads_ideas``), created by
the loader with the other threads. ``seed_ideas`` then plays what members and staff would
have done on the board, through the services, and is safe to run again:

- votes: each idea's ``idea_voters`` vote (a vote that exists is left alone);
- statuses: ``STEPS`` (or the idea's ``idea_status``) become official replies by Sam,
  dated after the idea's replies; an idea that has any status reply is left alone;
- ``MERGES``: the duplicate moves its votes into the original and is locked;
- reputation is rebuilt from all this content and badges are granted, then dated when the
  things that earned them happened, so the leaderboard's week and month look lived-in.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Max

from accounts import badges, reputation
from accounts.models import ReputationEvent, User
from forums import ideas, services
from forums.models import IdeaVote, Post, Space, Thread

from .specs import IDEA, ThreadSpec
from .threads_ideas import MERGE_AFTER_HOURS, MERGES, STAFF_VOICE, STEPS

ACCEPTED_DELAY = timedelta(hours=3)


def seed_ideas(*, specs: Iterable[ThreadSpec], now: datetime, result) -> None:
    """Votes, statuses, merges, then reputation and badges. ``result`` counts what was
    created (``SeedResult.created``)."""
    specs = [spec for spec in specs if spec.kind == IDEA]
    users = {user.username: user for user in User.objects.all()}
    staff = users[STAFF_VOICE]
    touched: set[int] = set()
    threads = {}
    for spec in specs:
        thread = Thread.objects.filter(space__slug=spec.space, title=spec.title).first()
        if thread is None:
            continue
        threads[spec.title] = thread
        result.created["votes"] += _vote(thread, spec, users=users, now=now)
        if _apply_statuses(thread, spec, staff=staff, now=now):
            touched.add(thread.space_id)
            result.created["status changes"] += 1
    for duplicate_title, original_title in MERGES:
        duplicate, original = threads.get(duplicate_title), threads.get(original_title)
        if duplicate and original and _merge(duplicate, original, staff=staff, now=now):
            touched.add(duplicate.space_id)
            result.created["merges"] += 1
    for space in Space.objects.filter(pk__in=touched):
        services.space_synchronize(space=space)

    report = reputation.reputation_rebuild()
    result.created["reputation events"] += report.added
    _date_reputation(now=now)
    result.created["badges"] += len(badges.badges_sweep())


def _vote(thread: Thread, spec: ThreadSpec, *, users, now: datetime) -> int:
    """Each voter votes once; new votes are spread over the idea's life so far."""
    have = set(IdeaVote.objects.filter(thread=thread).values_list("user__username", flat=True))
    missing = [u for u in spec.idea_voters if u not in have]
    if not missing or thread.is_locked:
        return 0
    for username in missing:
        ideas.idea_vote_toggle(user=users[username], thread=thread, voted=True)
    opened = thread.created_at
    span = max(now - opened - timedelta(hours=1), timedelta(hours=1))
    voters = list(spec.idea_voters)
    for vote in IdeaVote.objects.filter(thread=thread, user__username__in=missing):
        step = (voters.index(vote.user.username) + 1) / (len(voters) + 1)
        IdeaVote.objects.filter(pk=vote.pk).update(created_at=opened + span * step)
    return len(missing)


def _steps(spec: ThreadSpec) -> tuple[tuple[str, float, str], ...]:
    if spec.title in STEPS:
        return STEPS[spec.title]
    if spec.idea_status and spec.idea_status != Thread.IdeaStatus.UNDER_REVIEW:
        return ((spec.idea_status, spec.days_ago * 12, "Status updated."),)
    return ()


def _apply_statuses(thread: Thread, spec: ThreadSpec, *, staff: User, now: datetime) -> bool:
    steps = _steps(spec)
    already = Post.objects.filter(
        thread=thread, is_official=True, body__startswith="**Status:"
    ).exists()
    if not steps or already:
        return False
    for status, hours, comment in steps:
        post = ideas.idea_set_status(
            actor=staff, thread=Thread.objects.get(pk=thread.pk), status=status, comment=comment
        )
        _after_the_rest(post, at=thread.created_at + timedelta(hours=hours), now=now)
    services.thread_synchronize(thread=thread)
    return True


def _merge(duplicate: Thread, original: Thread, *, staff: User, now: datetime) -> bool:
    duplicate.refresh_from_db()
    if duplicate.is_locked:
        return False
    ideas.idea_merge(actor=staff, duplicate=duplicate, into=original)
    pointer = Post.objects.filter(thread=duplicate).order_by("-position").first()
    _after_the_rest(pointer, at=duplicate.created_at + timedelta(hours=MERGE_AFTER_HOURS), now=now)
    services.thread_synchronize(thread=duplicate)
    services.thread_synchronize(thread=original)
    return True


def _after_the_rest(post: Post, *, at: datetime, now: datetime) -> None:
    """Date a post just made at ``at``, but never before the posts above it or after now."""
    earlier = Post.objects.filter(thread_id=post.thread_id, position__lt=post.position).aggregate(
        m=Max("created_at")
    )["m"]
    if earlier is not None:
        at = max(at, earlier + timedelta(minutes=20))
    Post.objects.filter(pk=post.pk).update(created_at=min(at, now - timedelta(minutes=5)))


def _date_reputation(*, now: datetime) -> None:
    """Date events from the demo's accepted answers and roadmap ideas when those happened;
    the helpful ones already carry their reaction's date."""
    accepted = ReputationEvent.objects.filter(kind=reputation.ACCEPTED)
    for event in accepted:
        post_id = int(event.key.split(":p", 1)[1].split(":", 1)[0])
        created = Post.objects.filter(pk=post_id).values_list("created_at", flat=True).first()
        if created is not None:
            at = min(created + ACCEPTED_DELAY, now)
            ReputationEvent.objects.filter(pk=event.pk).update(created_at=at)
    for event in ReputationEvent.objects.filter(kind=reputation.IDEA):
        thread_id = int(event.key.split(":t", 1)[1].split(":", 1)[0])
        moved = (
            Post.objects.filter(thread_id=thread_id, is_official=True, body__startswith="**Status:")
            .order_by("position")
            .values_list("created_at", flat=True)
            .first()
        )
        if moved is not None:
            ReputationEvent.objects.filter(pk=event.pk).update(created_at=moved)
