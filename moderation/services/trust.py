"""Trust levels (0 new, 1 basic, 2 member, 3 regular, 4 leader) from what members do.

``trust_levels_recompute`` counts, for every active member, over their whole history:

- days visited: distinct days on which they read a thread, posted or reacted (the forum
  keeps no separate visit log, so a day spent only browsing lists does not count);
- posts read: the sum of how far they have read each thread;
- replies: their visible replies;
- reactions received: likes and "helpful" marks on their posts;
- flags upheld against them.

A member rises to the highest level whose requirements (``STOA_TRUST_REQUIREMENTS``) they
meet. Levels are not lost through inactivity; they are lost when the flags upheld against a
member exceed what their level allows. Every change writes a ``ModerationAction``.
"""

from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from accounts.models import User
from forums.models import Post, Reaction, ReadState

from ..models import Flag, ModerationAction

METRICS = ("days_visited", "posts_read", "replies", "reactions_received")


def _activity(user_ids: list[int]) -> dict[int, dict[str, int]]:
    stats: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(METRICS, 0))
    days: dict[int, set] = defaultdict(set)
    sources = (
        ReadState.objects.filter(user_id__in=user_ids).values_list(
            "user_id", TruncDate("updated_at")
        ),
        Post.objects.filter(author_id__in=user_ids).values_list(
            "author_id", TruncDate("created_at")
        ),
        Reaction.objects.filter(user_id__in=user_ids).values_list(
            "user_id", TruncDate("created_at")
        ),
    )
    for source in sources:
        for user_id, day in source.distinct():
            days[user_id].add(day)
    for user_id, found in days.items():
        stats[user_id]["days_visited"] = len(found)
    for user_id, n in (
        ReadState.objects.filter(user_id__in=user_ids)
        .values("user_id")
        .annotate(n=Sum("last_read_position"))
        .values_list("user_id", "n")
    ):
        stats[user_id]["posts_read"] = n or 0
    for user_id, n in (
        Post.objects.filter(
            author_id__in=user_ids, position__gt=1, state=Post.State.VISIBLE, is_deleted=False
        )
        .values("author_id")
        .annotate(n=Count("id"))
        .values_list("author_id", "n")
    ):
        stats[user_id]["replies"] = n
    for user_id, n in (
        Reaction.objects.filter(post__author_id__in=user_ids)
        .values("post__author_id")
        .annotate(n=Count("id"))
        .values_list("post__author_id", "n")
    ):
        stats[user_id]["reactions_received"] = n
    for user_id, n in (
        Flag.objects.filter(post__author_id__in=user_ids, status=Flag.Status.UPHELD)
        .values("post__author_id")
        .annotate(n=Count("id"))
        .values_list("post__author_id", "n")
    ):
        stats[user_id]["flags_upheld"] = n
    return stats


def level_for(stats: dict[str, int]) -> int:
    """The highest level whose requirements these counts meet (levels build on each other)."""
    level = 0
    for candidate in sorted(settings.STOA_TRUST_REQUIREMENTS):
        needs = settings.STOA_TRUST_REQUIREMENTS[candidate]
        meets = all(stats.get(m, 0) >= needs.get(m, 0) for m in METRICS)
        allowed = stats.get("flags_upheld", 0) <= needs.get("max_flags_upheld", 10**9)
        if not (meets and allowed):
            break
        level = candidate
    return level


def _allowance(level: int) -> int:
    if level == 0:
        return 10**9
    return settings.STOA_TRUST_REQUIREMENTS.get(level, {}).get("max_flags_upheld", 10**9)


def trust_levels_recompute(*, batch_size: int = 2000) -> int:
    """Recompute every active member's level; returns how many changed."""
    changed = 0
    ids = list(User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        changed += _recompute_batch(ids[start : start + batch_size])
    return changed


@transaction.atomic
def _recompute_batch(user_ids: list[int]) -> int:
    stats = _activity(user_ids)
    users = list(User.objects.select_for_update().filter(pk__in=user_ids))
    updated, actions = [], []
    for user in users:
        counts = stats.get(user.pk, dict.fromkeys(METRICS, 0))
        computed = level_for(counts)
        current = user.trust_level
        flags = counts.get("flags_upheld", 0)
        if computed > current or (computed < current and flags > _allowance(current)):
            new = computed
        else:
            new = current
        if new == current:
            continue
        user.trust_level = new
        updated.append(user)
        summary = ", ".join(f"{m.replace('_', ' ')} {counts.get(m, 0)}" for m in METRICS)
        why = "promoted" if new > current else "lowered after flags were upheld"
        actions.append(
            ModerationAction(
                actor=None,
                action=ModerationAction.Action.TRUST_LEVEL,
                target_user=user,
                reason=f"Trust level {why}: {summary}, flags upheld {flags}.",
                changes={"trust_level": [current, new]},
            )
        )
    if updated:
        User.objects.bulk_update(updated, ["trust_level"])
        ModerationAction.objects.bulk_create(actions)
    return len(updated)
