"""The transactional outbox: ``emit`` inside a service's transaction, publish after commit.

Publishing goes through Celery; a dead broker never fails the user's request. Pending rows
are published again by ``outbox_sweep`` (celery beat), so nothing is lost.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .events import HANDLERS
from .models import OutboxEvent

log = logging.getLogger(__name__)


def emit(topic: str, **payload) -> OutboxEvent | None:
    """Record an event in the current transaction and publish it once that commits."""
    if topic not in HANDLERS:
        raise ValueError(f"Unknown outbox topic {topic!r}; add it to community/events.py.")
    if not HANDLERS[topic]:
        return None
    event = OutboxEvent.objects.create(topic=topic, payload=payload)
    transaction.on_commit(lambda: publish_soon(event.pk))
    return event


def publish_soon(event_id: int) -> None:
    """Hand the event to the relay task; if the broker is unreachable, leave it for the sweep."""
    from .tasks import outbox_relay

    try:
        outbox_relay.delay(event_id=event_id)
    except Exception as exc:  # any broker failure: the row stays pending, the sweep retries
        log.warning("Outbox event %s left pending: %s", event_id, exc)
        OutboxEvent.objects.filter(pk=event_id).update(last_error=str(exc)[:500])


def publish(event_id: int) -> bool:
    """Send the event to each of its handlers and mark it published. At least once."""
    from celery import current_app

    with transaction.atomic():
        event = (
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, published_at__isnull=True)
            .first()
        )
        if event is None:
            return False  # already published, or another relay holds it
        event.attempts += 1
        for task_name in HANDLERS.get(event.topic, []):
            # A signature resolves to the registered task, so eager mode (the embedded
            # default) runs the handler here; send_task alone would ignore eager mode.
            current_app.signature(task_name, kwargs=event.payload).apply_async()
        event.published_at = timezone.now()
        event.last_error = ""
        event.save(update_fields=["attempts", "published_at", "last_error"])
    return True


def pending(older_than: timedelta = timedelta(seconds=30)):
    cutoff = timezone.now() - older_than
    return OutboxEvent.objects.filter(published_at__isnull=True, created_at__lte=cutoff)


def sweep(*, older_than: timedelta = timedelta(seconds=30), limit: int = 500) -> int:
    """Publish events that were left pending (the broker was down when they were made)."""
    published = 0
    for event_id in pending(older_than).order_by("created_at").values_list("pk", flat=True)[:limit]:
        try:
            if publish(event_id):
                published += 1
        except Exception as exc:  # keep sweeping; the row records why it is still pending
            OutboxEvent.objects.filter(pk=event_id).update(
                attempts=F("attempts") + 1, last_error=str(exc)[:500]
            )
    return published
