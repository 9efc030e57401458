"""Deflection: a member about to ask opens a suggested thread and finds the answer there.

Suggestion links in the composer carry ``?from=ask&q=<title typed>``; the thread view calls
:func:`deflection_record`, which stores one "suggestion opened" event (once per member and
thread per window, however often the link is followed). If the same member posts a thread
anyway within ``STOA_DEFLECTION_WINDOW_MINUTES``, :func:`deflection_convert` (called by
``thread_create``) marks their recent events converted. Events left unconverted once the
window has passed are deflections: questions that never needed asking.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ..models import DeflectionEvent, Space, Thread
from .query import clean_text

DEFAULT_WINDOW_MINUTES = 30


def window() -> timedelta:
    return timedelta(
        minutes=getattr(settings, "STOA_DEFLECTION_WINDOW_MINUTES", DEFAULT_WINDOW_MINUTES)
    )


def deflection_record(
    *, viewer, thread: Thread, query: str, session_key: str = "", space: Space | None = None
) -> DeflectionEvent | None:
    """Remember that ``viewer`` opened ``thread`` from the composer's suggestions.

    The caller already fetched ``thread`` through ``visible_to``. Visitors without a session
    are not recorded (there is nobody to follow up on).
    """
    user = viewer if viewer.is_authenticated else None
    if user is None and not session_key:
        return None
    text, _ = clean_text(query, limit=200)
    recent = DeflectionEvent.objects.filter(
        thread=thread, converted=False, created_at__gte=timezone.now() - window()
    )
    recent = recent.filter(user=user) if user else recent.filter(session_key=session_key)
    existing = recent.first()
    if existing is not None:
        return existing
    return DeflectionEvent.objects.create(
        user=user,
        session_key="" if user else session_key[:40],
        space=space or thread.space,
        query=text,
        thread=thread,
    )


def deflection_convert(*, author, thread: Thread) -> int:
    """``author`` posted ``thread``: their suggestion opens of the last window did not
    deflect the question. Returns how many events were marked."""
    return DeflectionEvent.objects.filter(
        user=author, converted=False, created_at__gte=timezone.now() - window()
    ).update(converted=True, converted_thread=thread)


@dataclass(frozen=True)
class DeflectionSummary:
    opened: int  # suggestions opened from the composer
    deflected: int  # ... after which the member did not post within the window
    converted: int  # ... after which the member asked anyway
    pending: int  # still inside the window: too early to tell

    @property
    def rate(self) -> float:
        decided = self.deflected + self.converted
        return self.deflected / decided if decided else 0.0


def deflection_summary(*, since: datetime, until: datetime | None = None) -> DeflectionSummary:
    """Counts for insights, in one query."""
    from django.db.models import Count, Q

    until = until or timezone.now()
    cutoff = timezone.now() - window()
    counts = DeflectionEvent.objects.filter(created_at__gte=since, created_at__lt=until).aggregate(
        n_opened=Count("id"),
        n_converted=Count("id", filter=Q(converted=True)),
        n_deflected=Count("id", filter=Q(converted=False, created_at__lt=cutoff)),
        n_pending=Count("id", filter=Q(converted=False, created_at__gte=cutoff)),
    )
    return DeflectionSummary(**{name[2:]: value for name, value in counts.items()})
