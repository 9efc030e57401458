"""Reputation and badges follow what members do: outbox handlers (community/events.py) and
the periodic badge sweep (CELERY_BEAT_SCHEDULE).

Thin on purpose: each task takes the event's ids, calls the reputation service that
reconciles that piece of content, then checks the badges the event can affect. Everything
they call is idempotent, so a redelivered message (acks_late) changes nothing. Unknown
payload keys are ignored, so topics can grow without breaking old handlers.
"""

from celery import shared_task
from django.db import DatabaseError

from . import badges, reputation

RETRY = {
    "acks_late": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="accounts.post_badges", **RETRY)
def post_badges(*, post_id: int, **_payload) -> int:
    from forums.models import Post

    post = Post.objects.filter(pk=post_id).values("author_id", "position", "thread__kind").first()
    if post is None:
        return 0
    # Only the rules this post can satisfy: a reply cannot make anyone "Curious".
    triggers = {badges.POST}
    if post["position"] == 1:
        triggers |= {"question": {badges.QUESTION}, "idea": {badges.IDEA_POSTED}}.get(
            post["thread__kind"], set()
        )
    elif post["thread__kind"] == "question":
        triggers.add(badges.ANSWER)
    return len(badges.badges_check(user_ids=[post["author_id"]], triggers=triggers))


@shared_task(name="accounts.answer_accepted", **RETRY)
def answer_accepted(*, post_id: int, actor_id: int, **_payload) -> int:
    from forums.models import Post

    post = Post.objects.filter(pk=post_id).values("thread_id", "author_id").first()
    if post is None:
        return 0
    reputation.reputation_for_acceptance(
        thread_id=post["thread_id"], post_id=post_id, actor_id=actor_id
    )
    # The author, not only "whoever changed": a retry after a crash still grants.
    return len(badges.badges_check(user_ids=[post["author_id"]], triggers={badges.SOLUTION}))


@shared_task(name="accounts.answer_unaccepted", **RETRY)
def answer_unaccepted(*, thread_id: int, **_payload) -> int:
    return len(reputation.reputation_for_acceptance(thread_id=thread_id))


@shared_task(name="accounts.reaction_added", **RETRY)
def reaction_added(*, reaction_id: int, **_payload) -> int:
    from forums.models import Reaction

    reputation.reputation_for_reaction(reaction_id=reaction_id)
    author_id = (
        Reaction.objects.filter(pk=reaction_id).values_list("post__author_id", flat=True).first()
    )
    return len(badges.badges_check(user_ids=[author_id], triggers={badges.HELPFUL}))


@shared_task(name="accounts.reaction_removed", **RETRY)
def reaction_removed(*, post_id: int, user_id: int, kind: str = "helpful", **_payload) -> int:
    if kind != "helpful":
        return 0
    return len(reputation.reputation_for_helpful(post_id=post_id, reactor_id=user_id))


@shared_task(name="accounts.post_deleted", **RETRY)
def post_deleted(*, post_id: int, **_payload) -> int:
    return len(reputation.reputation_for_deletion(post_id=post_id))


@shared_task(name="accounts.idea_status_changed", **RETRY)
def idea_status_changed(
    *, thread_id: int, actor_id: int, status: str, previous_status: str, **_payload
) -> int:
    from forums.models import Thread

    reputation.reputation_for_idea(
        thread_id=thread_id, actor_id=actor_id, status=status, previous_status=previous_status
    )
    author_id = Thread.objects.filter(pk=thread_id).values_list("author_id", flat=True).first()
    return len(badges.badges_check(user_ids=[author_id], triggers={badges.IDEA}))


@shared_task(name="accounts.idea_voted", **RETRY)
def idea_voted(*, thread_id: int, user_id: int, **_payload) -> int:
    from forums.models import Thread

    author_id = Thread.objects.filter(pk=thread_id).values_list("author_id", flat=True).first()
    return len(badges.badges_check(user_ids=[user_id, author_id], triggers={badges.VOTE}))


@shared_task(name="accounts.idea_merged", **RETRY)
def idea_merged(*, into_id: int, **_payload) -> int:
    from forums.models import Thread

    author_id = Thread.objects.filter(pk=into_id).values_list("author_id", flat=True).first()
    return len(badges.badges_check(user_ids=[author_id], triggers={badges.VOTE}))


@shared_task(name="accounts.badges_sweep", acks_late=True)
def badges_sweep() -> int:
    return len(badges.badges_sweep())
