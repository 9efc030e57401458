"""Celery tasks: thin wrappers that load by id, call ``fanout`` or ``mail``, own the retries.

The fan-out tasks handle outbox topics (community/events.py). Payloads may grow new keys over
time, so the handlers take the ones they use and ignore the rest.
"""

import logging

from celery import shared_task
from django.db import DatabaseError

from . import fanout, mail
from .models import Channel

log = logging.getLogger(__name__)

FANOUT_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="notifications.post_created", **FANOUT_OPTIONS)
def post_created(*, post_id: int, **_payload) -> int:
    return fanout.notify_post_created(post_id=post_id)


@shared_task(name="notifications.post_edited", **FANOUT_OPTIONS)
def post_edited(*, post_id: int, editor_id: int | None = None, **_payload) -> int:
    return fanout.notify_post_edited(post_id=post_id, editor_id=editor_id)


@shared_task(name="notifications.answer_accepted", **FANOUT_OPTIONS)
def answer_accepted(*, post_id: int, actor_id: int | None = None, **_payload) -> int:
    return fanout.notify_answer_accepted(post_id=post_id, actor_id=actor_id)


@shared_task(name="notifications.post_official", **FANOUT_OPTIONS)
def post_official(*, post_id: int, actor_id: int | None = None, **_payload) -> int:
    return fanout.notify_post_official(post_id=post_id, actor_id=actor_id)


@shared_task(name="notifications.reaction_added", **FANOUT_OPTIONS)
def reaction_added(*, reaction_id: int, **_payload) -> bool:
    return fanout.notify_reaction_added(reaction_id=reaction_id)


@shared_task(name="notifications.post_published", **FANOUT_OPTIONS)
def post_published(*, post_id: int, **_payload) -> int:
    return fanout.notify_post_published(post_id=post_id)


@shared_task(name="notifications.message_created", **FANOUT_OPTIONS)
def message_created(*, post_id: int, **_payload) -> int:
    return fanout.notify_message_created(post_id=post_id)


@shared_task(name="notifications.moderation_decided", **FANOUT_OPTIONS)
def moderation_decided(*, action_id: int, **_payload) -> int:
    return fanout.notify_moderation_decided(action_id=action_id)


@shared_task(name="notifications.flag_resolved", **FANOUT_OPTIONS)
def flag_resolved(*, flag_id: int, **_payload) -> int:
    return fanout.notify_flag_resolved(flag_id=flag_id)


@shared_task(name="notifications.idea_status_changed", **FANOUT_OPTIONS)
def idea_status_changed(
    *,
    thread_id: int,
    status: str = "",
    actor_id: int | None = None,
    post_id: int | None = None,
    **_payload,
) -> int:
    return fanout.notify_idea_status_changed(
        thread_id=thread_id, status=status, actor_id=actor_id, post_id=post_id
    )


@shared_task(name="notifications.badge_granted", **FANOUT_OPTIONS)
def badge_granted(*, user_badge_id: int, **_payload) -> int:
    return fanout.notify_badge_granted(user_badge_id=user_badge_id)


@shared_task(name="notifications.space_invited", **FANOUT_OPTIONS)
def space_invited(*, invitation_id: int, **_payload) -> int:
    return fanout.notify_space_invited(invitation_id=invitation_id)


@shared_task(name="notifications.join_requested", **FANOUT_OPTIONS)
def join_requested(*, join_request_id: int, **_payload) -> int:
    return fanout.notify_join_requested(join_request_id=join_request_id)


@shared_task(name="notifications.join_decided", **FANOUT_OPTIONS)
def join_decided(*, join_request_id: int, **_payload) -> int:
    return fanout.notify_join_decided(join_request_id=join_request_id)


# --- e-mail ---------------------------------------------------------------------------------


@shared_task(name="notifications.send_due_email", acks_late=True)
def send_due_email() -> int:
    """celery beat, every minute: bundle immediate mail whose collapse window passed."""
    return mail.email_schedule_due()


@shared_task(name="notifications.send_digests", acks_late=True)
def send_digests(channel: str = Channel.DAILY) -> int:
    """celery beat: the daily digest every morning, the weekly one on Mondays."""
    return mail.email_schedule_digests(channel=channel)


@shared_task(
    bind=True,
    name="notifications.send_email",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # mail.delivery_send counts attempts and gives up itself
)
def send_email(self, *, delivery_id: int) -> str:
    try:
        return mail.delivery_send(delivery_id=delivery_id)
    except mail.DeliveryFailed as exc:
        if exc.retry_in is None:
            log.warning("E-mail delivery %s failed for good: %s", delivery_id, exc)
            return "failed"
        log.info("E-mail delivery %s refused, retrying in %ss: %s", delivery_id, exc.retry_in, exc)
        raise self.retry(countdown=exc.retry_in, exc=exc) from exc
