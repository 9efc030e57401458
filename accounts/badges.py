"""Badges: recognition for milestones, each granted once per member and never taken back.

``RULES`` is the catalogue: each rule names the events that may earn it (``triggers``) and
answers, in one query, which of some members (or of everyone) qualify. Outbox handlers
(``accounts.tasks``) check the rules an event can affect for the members it touched; the
periodic ``accounts.badges_sweep`` checks every rule for everyone, which grants the
time-based badges and catches up anything a lost event missed.

Counts of accepted answers and helpful reactions come from the reputation ledger, so a
badge follows the same rules as points (nothing for one's own content). A grant emits
``badge.granted`` for the notifications engineer; the unique (user, badge) constraint makes
a second grant a no-op, so handlers and the sweep may race safely.

The rows of ``Badge`` are created by the ``badges_catalogue`` migration; ``catalogue_sync``
adds or updates any that differ from ``RULES`` (the sweep calls it).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.utils import timezone

from community.outbox import emit
from forums.models import IdeaVote, Post, Thread

from . import reputation
from .models import Badge, ReputationEvent, User, UserBadge

POST = "post"  # any post
QUESTION = "question"  # the opening post of a question
IDEA_POSTED = "idea_posted"  # the opening post of an idea
ANSWER = "answer"  # a reply in a question
SOLUTION = "solution"
HELPFUL = "helpful"
VOTE = "vote"
IDEA = "idea"
TIME = "time"

LEVEL_RANK = {Badge.Level.GOLD: 3, Badge.Level.SILVER: 2, Badge.Level.BRONZE: 1}

Holders = Callable[[list[int] | None], set[int]]


def _among(queryset, field: str, user_ids: list[int] | None):
    return queryset if user_ids is None else queryset.filter(**{f"{field}__in": user_ids})


def _ids(queryset, field: str) -> set[int]:
    return set(queryset.order_by().values_list(field, flat=True).distinct())


def _published_posts():
    return Post.objects.filter(
        state=Post.State.VISIBLE, is_deleted=False, thread__is_deleted=False
    ).exclude(thread__kind=Thread.Kind.MESSAGE)


def _posted() -> Holders:
    def holders(user_ids):
        return _ids(_among(_published_posts(), "author_id", user_ids), "author_id")

    return holders


def _started(kind: str) -> Holders:
    def holders(user_ids):
        openings = _published_posts().filter(position=1, thread__kind=kind)
        return _ids(_among(openings, "author_id", user_ids), "author_id")

    return holders


def _ledger(kind: str, at_least: int) -> Holders:
    def holders(user_ids):
        events = _among(ReputationEvent.objects.filter(kind=kind), "user_id", user_ids)
        rows = events.values("user_id").annotate(n=Count("id")).filter(n__gte=at_least)
        return {row["user_id"] for row in rows.order_by()}

    return holders


def _welcomed(at_least: int) -> Holders:
    """Replied to at least ``at_least`` members' very first questions (not one's own)."""

    def holders(user_ids):
        first_question = (
            Thread.objects.filter(author=OuterRef("thread__author"), kind=Thread.Kind.QUESTION)
            .order_by("created_at", "pk")
            .values("pk")[:1]
        )
        replies = (
            _published_posts()
            .filter(position__gt=1, thread__kind=Thread.Kind.QUESTION)
            .exclude(author=F("thread__author"))
            .filter(thread_id=Subquery(first_question))
        )
        rows = (
            _among(replies, "author_id", user_ids)
            .values("author_id")
            .annotate(n=Count("thread_id", distinct=True))
            .filter(n__gte=at_least)
        )
        return {row["author_id"] for row in rows.order_by()}

    return holders


def _voted(at_least: int) -> Holders:
    def holders(user_ids):
        votes = _among(IdeaVote.objects.filter(thread__is_deleted=False), "user_id", user_ids)
        rows = votes.values("user_id").annotate(n=Count("id")).filter(n__gte=at_least)
        return {row["user_id"] for row in rows.order_by()}

    return holders


def _ideas(**conditions) -> Holders:
    def holders(user_ids):
        ideas = Thread.objects.filter(kind=Thread.Kind.IDEA, is_deleted=False, **conditions)
        return _ids(_among(ideas, "author_id", user_ids), "author_id")

    return holders


def _member_for(days: int) -> Holders:
    def holders(user_ids):
        since = timezone.now() - timedelta(days=days)
        members = User.objects.filter(is_active=True, date_joined__lte=since)
        return _ids(_among(members, "pk", user_ids), "pk")

    return holders


def _reputation(at_least: int) -> Holders:
    def holders(user_ids):
        return _ids(_among(User.objects.filter(reputation__gte=at_least), "pk", user_ids), "pk")

    return holders


@dataclass(frozen=True)
class BadgeRule:
    slug: str
    name: str
    description: str
    icon: str
    level: str
    triggers: frozenset[str]
    holders: Holders


def _rule(slug, name, description, icon, level, triggers, holders) -> BadgeRule:
    return BadgeRule(slug, name, description, icon, level, frozenset(triggers), holders)


BRONZE, SILVER, GOLD = Badge.Level.BRONZE, Badge.Level.SILVER, Badge.Level.GOLD

RULES: tuple[BadgeRule, ...] = (
    _rule("first-post", "First post", "Wrote a first post.", "🌱", BRONZE, {POST}, _posted()),
    _rule(
        "curious", "Curious", "Asked a first question.", "❓", BRONZE, {QUESTION},
        _started(Thread.Kind.QUESTION),
    ),
    _rule(
        "idea-starter", "Idea starter", "Shared a first idea.", "💡", BRONZE, {IDEA_POSTED},
        _started(Thread.Kind.IDEA),
    ),
    _rule(
        "voter", "Voice of the customer", "Voted for five ideas.", "🗳️", BRONZE, {VOTE},
        _voted(5),
    ),
    _rule(
        "first-solution", "Problem solver", "Wrote a first accepted answer.", "✅", BRONZE,
        {SOLUTION}, _ledger(reputation.ACCEPTED, 1),
    ),
    _rule(
        "solutions-10", "Solution expert", "Wrote 10 accepted answers.", "🧩", SILVER,
        {SOLUTION}, _ledger(reputation.ACCEPTED, 10),
    ),
    _rule(
        "solutions-100", "Guru", "Wrote 100 accepted answers.", "🏆", GOLD, {SOLUTION},
        _ledger(reputation.ACCEPTED, 100),
    ),
    _rule(
        "helpful", "Helpful", "Received a first helpful reaction.", "🙌", BRONZE, {HELPFUL},
        _ledger(reputation.HELPFUL, 1),
    ),
    _rule(
        "helping-hand", "Helping hand", "Received 25 helpful reactions.", "🤝", SILVER,
        {HELPFUL}, _ledger(reputation.HELPFUL, 25),
    ),
    _rule(
        "welcome-committee", "Welcome committee", "Answered three newcomers' first questions.",
        "👋", SILVER, {ANSWER}, _welcomed(3),
    ),
    _rule(
        "crowd-favourite", "Crowd favourite", "Shared an idea that gathered 10 votes.", "📣",
        SILVER, {VOTE}, _ideas(vote_count__gte=10),
    ),
    _rule(
        "on-the-roadmap", "On the roadmap", "Shared an idea that staff planned.", "🗺️",
        SILVER, {IDEA}, _ideas(idea_status__in=["planned", "in_progress", "done"]),
    ),
    _rule(
        "shipped", "Shipped it", "Shared an idea that shipped.", "🚀", GOLD, {IDEA},
        _ideas(idea_status="done"),
    ),
    _rule(
        "one-year", "One year in", "A member of the community for a year.", "🎂", SILVER,
        {TIME}, _member_for(365),
    ),
    _rule(
        "trusted-voice", "Trusted voice", "Earned 250 reputation.", "⭐", GOLD,
        {SOLUTION, HELPFUL, IDEA}, _reputation(250),
    ),
)  # fmt: skip
RULES_BY_SLUG = {rule.slug: rule for rule in RULES}


def catalogue_sync() -> dict[str, int]:
    """Make the Badge rows match ``RULES``; returns slug -> badge id."""
    ids = {}
    existing = {badge.slug: badge for badge in Badge.objects.filter(slug__in=RULES_BY_SLUG)}
    for rule in RULES:
        values = {
            "name": rule.name,
            "description": rule.description,
            "icon": rule.icon,
            "level": rule.level,
        }
        badge = existing.get(rule.slug)
        if badge is None:
            badge, _ = Badge.objects.get_or_create(slug=rule.slug, defaults=values)
        elif any(getattr(badge, k) != v for k, v in values.items()):
            Badge.objects.filter(pk=badge.pk).update(**values)
        ids[rule.slug] = badge.pk
    return ids


def _badge_ids(slugs: Iterable[str]) -> dict[str, int]:
    slugs = list(slugs)
    ids = dict(Badge.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    if len(ids) < len(slugs):
        ids = {slug: pk for slug, pk in catalogue_sync().items() if slug in slugs}
    return ids


def _grant(*, user_id: int, rule: BadgeRule, badge_id: int) -> UserBadge | None:
    try:
        with transaction.atomic():
            grant = UserBadge.objects.create(
                user_id=user_id, badge_id=badge_id, reason=rule.description
            )
            emit("badge.granted", user_badge_id=grant.pk, user_id=user_id, badge=rule.slug)
    except IntegrityError:
        return None  # granted meanwhile by another handler or the sweep
    return grant


def _grant_missing(rules: list[BadgeRule], user_ids: list[int] | None) -> list[UserBadge]:
    """Grant each rule's badge to the members who qualify and lack it. Queries: what they
    hold, one per rule someone still lacks, and the badge ids only when granting."""
    if not rules or user_ids == []:
        return []
    held = UserBadge.objects.filter(badge__slug__in=[rule.slug for rule in rules])
    holding = set(_among(held, "user_id", user_ids).values_list("user_id", "badge__slug"))
    ids: dict[str, int] = {}
    granted = []
    for rule in rules:
        candidates = user_ids
        if user_ids is not None:
            candidates = [u for u in user_ids if (u, rule.slug) not in holding]
            if not candidates:
                continue
        for user_id in sorted(rule.holders(candidates)):
            if (user_id, rule.slug) in holding:
                continue
            ids = ids or _badge_ids(r.slug for r in rules)
            grant = _grant(user_id=user_id, rule=rule, badge_id=ids[rule.slug])
            if grant is not None:
                granted.append(grant)
    return granted


def badges_check(*, user_ids: Iterable[int], triggers: Iterable[str]) -> list[UserBadge]:
    """Grant what these members have just earned through events of these kinds."""
    triggers = set(triggers)
    user_ids = sorted({u for u in user_ids if u})
    rules = [rule for rule in RULES if rule.triggers & triggers]
    return _grant_missing(rules, user_ids)


def badges_sweep() -> list[UserBadge]:
    """Check every rule for every member: the periodic task (time-based badges, catch-up)."""
    catalogue_sync()
    return _grant_missing(list(RULES), None)


def _by_level(grants: list[UserBadge]) -> list[UserBadge]:
    return sorted(
        grants, key=lambda g: (-LEVEL_RANK.get(g.badge.level, 0), -g.granted_at.timestamp())
    )


def badges_for(*, user) -> list[UserBadge]:
    """A member's badges, gold first, newest first within a level: one query."""
    return _by_level(list(UserBadge.objects.filter(user=user).select_related("badge")))


def top_badges(user_ids: Iterable[int]) -> dict[int, Badge]:
    """Each member's highest badge (the one shown beside their name): one query."""
    user_ids = list(set(user_ids))
    if not user_ids:
        return {}
    best: dict[int, UserBadge] = {}
    for grant in _by_level(
        list(UserBadge.objects.filter(user_id__in=user_ids).select_related("badge"))
    ):
        best.setdefault(grant.user_id, grant)
    return {user_id: grant.badge for user_id, grant in best.items()}
