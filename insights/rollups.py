"""Turn a day of community activity into the rollup rows the dashboard reads.

``rollup_day(day)`` rewrites everything about one day (in the site's time zone) in one
transaction: delete that day's rows, insert them again. Running it twice leaves the same rows,
so the beat task, the rebuild command and a retried task can all call it freely.

What counts:

- content lives in a space (private conversations, kind ``message``, never count) and is
  published: a thread that is not deleted and whose opening post is visible, a post that is
  visible and not deleted;
- a member belongs to the organization of their first organization membership;
- "staff" are those who may write official answers (``forums.permissions.is_staff_author``);
- a question is *answered* once someone other than the asker replied, *answered by a peer*
  when that first reply came from a customer rather than staff, *solved* once an answer is
  accepted; reply times run from the question to ``Thread.first_reply_at`` and
  ``first_staff_reply_at``, which the forum keeps;
- a *deflection* is a suggested thread opened while asking that was not followed by the
  question (``DeflectionEvent.converted`` false);
- a *mention* of a share-of-voice term is a published post whose body has the term as a whole
  word, in any case (a post counts once per term however often it repeats it);
- a member was *active* on a day they posted or reacted (per space) or visited (their last
  log-in or last-seen time fell on it). Only the latest visit is stored on the account, so
  visit rows are added as they are seen and never deleted: a rebuild keeps the visits earlier
  runs saw and cannot recover older ones.

Question and flag facts change after the day they belong to (an answer arrives, a flag is
decided), so the beat task refreshes the facts of the last ``STOA_INSIGHTS_FACTS_DAYS`` days
each run; the rebuild command refreshes any range.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import OrganizationMembership, User
from forums.models import DeflectionEvent, Post, Reaction, Thread
from moderation.models import Flag

from .models import (
    DailyMemberActivity,
    DailyMemberStats,
    DailyStats,
    DailyTagStats,
    DailyTermMentions,
    FlagFacts,
    QuestionFacts,
    ShareOfVoiceTerm,
)

STAFF_PERMISSION = ("forums", "mark_official")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first instant of ``day`` and of the day after, in the site's time zone."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), tz)
    return start, end


def local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def published_threads():
    held_opening = Post.objects.filter(thread=OuterRef("pk"), position=1).exclude(
        state=Post.State.VISIBLE
    )
    return (
        Thread.objects.filter(space__isnull=False, is_deleted=False)
        .exclude(kind=Thread.Kind.MESSAGE)
        .exclude(Exists(held_opening))
    )


def published_posts():
    return Post.objects.filter(
        state=Post.State.VISIBLE,
        is_deleted=False,
        thread__space__isnull=False,
        thread__is_deleted=False,
    ).exclude(thread__kind=Thread.Kind.MESSAGE)


def mention_pattern(term: str) -> re.Pattern:
    """The term as a whole word, any case: "Lumen" matches "lumen," but not "Lumenate"."""
    return re.compile(r"(?<!\w)" + re.escape(term.strip()) + r"(?!\w)", re.IGNORECASE)


@dataclass
class People:
    """Who belongs to which organization, and who is staff: loaded once per run."""

    organization_of: dict[int, int]
    staff: frozenset[int]

    @classmethod
    def load(cls) -> "People":
        organization_of: dict[int, int] = {}
        rows = OrganizationMembership.objects.order_by("joined_at", "pk").values_list(
            "user_id", "organization_id"
        )
        for user_id, organization_id in rows:
            organization_of.setdefault(user_id, organization_id)
        app_label, codename = STAFF_PERMISSION
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        staff_q = Q(is_superuser=True)
        if permission is not None:
            staff_q |= Q(groups__permissions=permission) | Q(user_permissions=permission)
        staff = frozenset(
            User.objects.filter(staff_q, is_active=True).values_list("pk", flat=True).distinct()
        )
        return cls(organization_of=organization_of, staff=staff)

    def org(self, user_id: int | None) -> int | None:
        return self.organization_of.get(user_id) if user_id else None


def rollup_day(day: date, *, people: People | None = None) -> None:
    """Rewrite every rollup row of ``day``. Idempotent."""
    people = people or People.load()
    start, end = day_bounds(day)
    with transaction.atomic():
        _space_stats(day, start, end, people)
        _member_stats(day, start, end, people)
        _tag_stats(day, start, end, people)
        _visits(day, start, end, people)
        mentions_rollup(day, day, people=people)
        facts_refresh(day, day, people=people)


def rollup_range(first: date, last: date, *, on_day=None) -> int:
    """Roll up every day from ``first`` to ``last`` included; returns the number of days."""
    people = People.load()
    days = 0
    day = first
    while day <= last:
        rollup_day(day, people=people)
        days += 1
        if on_day is not None:
            on_day(day)
        day += timedelta(days=1)
    return days


def rollup_recent(*, today: date | None = None, facts_days: int = 30) -> None:
    """What the beat task runs: yesterday and today, and the recent facts."""
    today = today or timezone.localdate()
    people = People.load()
    rollup_day(today - timedelta(days=1), people=people)
    rollup_day(today, people=people)
    facts_refresh(today - timedelta(days=max(facts_days, 1)), today, people=people)


def _space_stats(day: date, start: datetime, end: datetime, people: People) -> None:
    counts: dict[tuple[int, int | None], Counter] = defaultdict(Counter)
    activity: dict[tuple[int, int], Counter] = defaultdict(Counter)

    threads = (
        published_threads()
        .filter(created_at__gte=start, created_at__lt=end)
        .values("space_id", "author_id")
        .annotate(threads=Count("pk"), questions=Count("pk", filter=Q(kind=Thread.Kind.QUESTION)))
    )
    for row in threads:
        key = (row["space_id"], people.org(row["author_id"]))
        counts[key]["threads"] += row["threads"]
        counts[key]["questions"] += row["questions"]

    posts = (
        published_posts()
        .filter(created_at__gte=start, created_at__lt=end)
        .values("thread__space_id", "author_id")
        .annotate(posts=Count("pk"), replies=Count("pk", filter=Q(position__gt=1)))
    )
    for row in posts:
        space_id, user_id = row["thread__space_id"], row["author_id"]
        key = (space_id, people.org(user_id))
        counts[key]["posts"] += row["posts"]
        counts[key]["replies"] += row["replies"]
        activity[(user_id, space_id)]["posts"] += row["posts"]

    reactions = (
        Reaction.objects.filter(
            created_at__gte=start, created_at__lt=end, post__in=published_posts()
        )
        .values("post__thread__space_id", "user_id")
        .annotate(n=Count("pk"))
    )
    for row in reactions:
        space_id, user_id = row["post__thread__space_id"], row["user_id"]
        counts[(space_id, people.org(user_id))]["reactions"] += row["n"]
        activity[(user_id, space_id)]["reactions"] += row["n"]

    solutions = (
        published_threads()
        .filter(
            kind=Thread.Kind.QUESTION,
            accepted_post__created_at__gte=start,
            accepted_post__created_at__lt=end,
            accepted_post__state=Post.State.VISIBLE,
            accepted_post__is_deleted=False,
        )
        .values("space_id", "accepted_post__author_id")
        .annotate(n=Count("pk"))
    )
    for row in solutions:
        activity[(row["accepted_post__author_id"], row["space_id"])]["solutions"] += row["n"]

    deflections = (
        DeflectionEvent.objects.filter(created_at__gte=start, created_at__lt=end, converted=False)
        .exclude(thread__kind=Thread.Kind.MESSAGE)
        .values("space_id", "thread__space_id", "user_id")
        .annotate(n=Count("pk"))
    )
    for row in deflections:
        space_id = row["space_id"] or row["thread__space_id"]
        if space_id:
            counts[(space_id, people.org(row["user_id"]))]["deflections"] += row["n"]

    DailyStats.objects.filter(date=day).delete()
    DailyStats.objects.bulk_create(
        DailyStats(date=day, space_id=space_id, organization_id=org_id, **values)
        for (space_id, org_id), values in counts.items()
    )
    DailyMemberActivity.objects.filter(date=day, space__isnull=False).delete()
    DailyMemberActivity.objects.bulk_create(
        DailyMemberActivity(
            date=day,
            user_id=user_id,
            space_id=space_id,
            organization_id=people.org(user_id),
            is_staff_member=user_id in people.staff,
            **values,
        )
        for (user_id, space_id), values in activity.items()
    )


def _member_stats(day: date, start: datetime, end: datetime, people: People) -> None:
    joined = User.objects.filter(date_joined__gte=start, date_joined__lt=end).values_list(
        "pk", flat=True
    )
    counts = Counter(people.org(user_id) for user_id in joined)
    DailyMemberStats.objects.filter(date=day).delete()
    DailyMemberStats.objects.bulk_create(
        DailyMemberStats(date=day, organization_id=org_id, new_members=n)
        for org_id, n in counts.items()
    )


def _visits(day: date, start: datetime, end: datetime, people: People) -> None:
    """Add a visit row for each member last seen on ``day``; earlier rows stay."""
    seen = set(
        User.objects.filter(
            Q(last_login__gte=start, last_login__lt=end)
            | Q(last_seen_at__gte=start, last_seen_at__lt=end),
            is_active=True,
        ).values_list("pk", flat=True)
    )
    if not seen:
        return
    known = set(
        DailyMemberActivity.objects.filter(date=day, space__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    DailyMemberActivity.objects.bulk_create(
        DailyMemberActivity(
            date=day,
            user_id=user_id,
            space=None,
            organization_id=people.org(user_id),
            is_staff_member=user_id in people.staff,
        )
        for user_id in sorted(seen - known)
    )


def _tag_stats(day: date, start: datetime, end: datetime, people: People) -> None:
    rows = (
        published_threads()
        .filter(created_at__gte=start, created_at__lt=end, tags__isnull=False)
        .values_list("space_id", "author_id", "tags")
    )
    counts = Counter(
        (tag_id, space_id, people.org(author_id)) for space_id, author_id, tag_id in rows
    )
    DailyTagStats.objects.filter(date=day).delete()
    DailyTagStats.objects.bulk_create(
        DailyTagStats(date=day, tag_id=tag_id, space_id=space_id, organization_id=org_id, threads=n)
        for (tag_id, space_id, org_id), n in counts.items()
    )


def mentions_rollup(
    first: date,
    last: date,
    *,
    terms: Iterable[ShareOfVoiceTerm] | None = None,
    people: People | None = None,
) -> None:
    """Count mentions of ``terms`` (all of them by default) from ``first`` to ``last``."""
    terms = list(ShareOfVoiceTerm.objects.all() if terms is None else terms)
    if not terms:
        return
    people = people or People.load()
    patterns = [(term.pk, mention_pattern(term.term)) for term in terms]
    start, _ = day_bounds(first)
    _, end = day_bounds(last)
    counts: Counter = Counter()
    posts = (
        published_posts()
        .filter(created_at__gte=start, created_at__lt=end)
        .values_list("created_at", "thread__space_id", "author_id", "body")
        .order_by()
    )
    for created_at, space_id, author_id, body in posts.iterator(chunk_size=2000):
        found = [term_id for term_id, pattern in patterns if pattern.search(body)]
        if found:
            day, org_id = local_date(created_at), people.org(author_id)
            for term_id in found:
                counts[(day, term_id, space_id, org_id)] += 1
    with transaction.atomic():
        DailyTermMentions.objects.filter(
            date__gte=first, date__lte=last, term_id__in=[pk for pk, _ in patterns]
        ).delete()
        DailyTermMentions.objects.bulk_create(
            (
                DailyTermMentions(
                    date=day, term_id=term_id, space_id=space_id, organization_id=org_id, mentions=n
                )
                for (day, term_id, space_id, org_id), n in counts.items()
            ),
            batch_size=1000,
        )


def _seconds(later: datetime | None, earlier: datetime) -> int | None:
    if later is None:
        return None
    return max(int((later - earlier).total_seconds()), 0)


def facts_refresh(first: date, last: date, *, people: People | None = None) -> None:
    """Rewrite the question and flag facts of questions asked and flags raised in the range."""
    people = people or People.load()
    start, _ = day_bounds(first)
    _, end = day_bounds(last)
    questions = (
        published_threads()
        .filter(kind=Thread.Kind.QUESTION, created_at__gte=start, created_at__lt=end)
        .values_list(
            "pk",
            "space_id",
            "author_id",
            "created_at",
            "first_reply_at",
            "first_staff_reply_at",
            "accepted_post_id",
        )
        .order_by()
    )
    question_rows = []
    for pk, space_id, author_id, asked, first_reply, first_staff, accepted in questions.iterator(
        chunk_size=2000
    ):
        question_rows.append(
            QuestionFacts(
                thread_id=pk,
                asked_on=local_date(asked),
                space_id=space_id,
                organization_id=people.org(author_id),
                first_reply_seconds=_seconds(first_reply, asked),
                first_staff_reply_seconds=_seconds(first_staff, asked),
                answered=first_reply is not None,
                answered_by_peer=first_reply is not None
                and (first_staff is None or first_reply < first_staff),
                solved=accepted is not None,
            )
        )
    flags = (
        Flag.objects.filter(
            created_at__gte=start,
            created_at__lt=end,
            post__thread__space__isnull=False,
        )
        .exclude(post__thread__kind=Thread.Kind.MESSAGE)
        .values_list("pk", "post__thread__space_id", "post__author_id", "created_at", "resolved_at")
        .order_by()
    )
    flag_rows = [
        FlagFacts(
            flag_id=pk,
            raised_on=local_date(raised),
            space_id=space_id,
            organization_id=people.org(author_id),
            turnaround_seconds=_seconds(resolved, raised),
        )
        for pk, space_id, author_id, raised, resolved in flags.iterator(chunk_size=2000)
    ]
    with transaction.atomic():
        QuestionFacts.objects.filter(asked_on__gte=first, asked_on__lte=last).delete()
        QuestionFacts.objects.bulk_create(question_rows, batch_size=1000)
        FlagFacts.objects.filter(raised_on__gte=first, raised_on__lte=last).delete()
        FlagFacts.objects.bulk_create(flag_rows, batch_size=1000)
