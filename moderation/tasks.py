"""Celery tasks: thin wrappers over ``moderation.services``; each is safe to run twice."""

from celery import shared_task

from . import services

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="moderation.score_post", acks_late=True, **RETRY)
def score_post(post_id: int, editor_id: int | None = None) -> float | None:
    """Outbox handler of post.created and post.edited."""
    verdict = services.post_score(post_id=post_id, editor_id=editor_id)
    return verdict.score if verdict else None


@shared_task(name="moderation.score_profile", acks_late=True, **RETRY)
def score_profile(user_id: int) -> float | None:
    """Outbox handler of user.signed_up and user.profile_updated."""
    verdict = services.profile_score(user_id=user_id)
    return verdict.score if verdict else None


@shared_task(name="moderation.learn_from_decision", acks_late=True, **RETRY)
def learn_from_decision(action_id: int) -> int:
    """Outbox handler of moderation.decided: what the filter learns from a moderator."""
    return services.learn_from_decision(action_id=action_id)


@shared_task(name="moderation.remind_moderators", acks_late=True, **RETRY)
def remind_moderators(item_ids: list[int]) -> int:
    """Outbox handler of moderation.overdue."""
    return services.moderators_remind(item_ids=item_ids)


@shared_task(name="moderation.housekeeping", acks_late=True)
def housekeeping() -> dict:
    """Beat: close stale flags, queue held posts, mark overdue items, end suspensions."""
    return services.housekeeping()


@shared_task(name="moderation.recompute_trust_levels", acks_late=True)
def recompute_trust_levels() -> int:
    """Beat: trust levels from activity."""
    return services.trust_levels_recompute()
