from celery import shared_task
from django.core.cache import cache

from . import outbox


@shared_task(name="community.ping")
def ping(token: str) -> str:
    """Leave a mark in the cache: proves a worker consumed a task (used by the worker test)."""
    cache.set(f"ping:{token}", "pong", timeout=300)
    return token


@shared_task(name="community.outbox_relay", acks_late=True, max_retries=5)
def outbox_relay(event_id: int) -> bool:
    return outbox.publish(event_id)


@shared_task(name="community.outbox_sweep", acks_late=True)
def outbox_sweep() -> int:
    return outbox.sweep()
