"""Celery tasks of insights: thin, idempotent (every rollup rewrites its rows)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import rollups
from .models import ShareOfVoiceTerm

RETRY = {
    "acks_late": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


@shared_task(name="insights.rollup_recent", **RETRY)
def rollup_recent() -> None:
    """Beat: yesterday and today, plus the question and flag facts of recent days."""
    rollups.rollup_recent(facts_days=settings.STOA_INSIGHTS_FACTS_DAYS)


@shared_task(name="insights.backfill_term", **RETRY)
def backfill_term(term_id: int) -> bool:
    """Count a newly followed term's mentions over the last days."""
    term = ShareOfVoiceTerm.objects.filter(pk=term_id).first()
    if term is None:
        return False
    today = timezone.localdate()
    first = today - timedelta(days=settings.STOA_INSIGHTS_TERM_BACKFILL_DAYS)
    rollups.mentions_rollup(first, today, terms=[term])
    return True
