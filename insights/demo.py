"""Leave the demo's dashboard full: follow a few terms and roll up every day of the demo."""

from datetime import timedelta

from django.db.models import Min
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from forums.models import DeflectionEvent, Post, Thread

from . import rollups
from .models import ShareOfVoiceTerm

DEMO_TERMS = [("Lumen", "Lumen (ours)"), ("Snowflake", ""), ("BigQuery", "")]
MAX_DAYS = 731


def seed_insights(*, actor: User | None = None) -> int:
    """Add the demo terms that are missing and roll up the demo's dates; returns the days."""
    known = set(
        ShareOfVoiceTerm.objects.annotate(lower=Lower("term")).values_list("lower", flat=True)
    )
    for term, label in DEMO_TERMS:
        if term.lower() not in known:
            ShareOfVoiceTerm.objects.create(term=term, label=label, created_by=actor)
    _seed_deflections()
    today = timezone.localdate()
    first = Post.objects.aggregate(first=Min("created_at"))["first"]
    start = rollups.local_date(first) if first else today
    start = max(start, today - timedelta(days=MAX_DAYS))
    return rollups.rollup_range(start, today)


DEFLECTED = [  # (member, days ago, the title they were typing)
    ("diego", 2, "dashboard export csv fails"),
    ("tom", 5, "invite team read only"),
    ("lucia", 9, "signature expired embedded dashboard"),
    ("bob", 16, "no data in selected range"),
    ("budi", 23, "export dashboard csv"),
]


def _seed_deflections() -> None:
    """Members who opened a suggested, solved question while asking and did not post: what
    the Deflections card counts. Only on a demo that has none yet."""
    if DeflectionEvent.objects.exists():
        return
    solved = list(
        Thread.objects.filter(kind=Thread.Kind.QUESTION, accepted_post__isnull=False)
        .filter(space__visibility="public")
        .order_by("created_at")[: len(DEFLECTED)]
    )
    members = {u.username: u for u in User.objects.filter(username__in=[d[0] for d in DEFLECTED])}
    now = timezone.now()
    for (username, days_ago, typed), thread in zip(DEFLECTED, solved, strict=False):
        if username not in members:
            continue
        event = DeflectionEvent.objects.create(
            user=members[username], space=thread.space, query=typed, thread=thread
        )
        DeflectionEvent.objects.filter(pk=event.pk).update(
            created_at=now - timedelta(days=days_ago, hours=3)
        )
