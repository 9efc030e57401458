"""Leave the demo's dashboard full: follow a few terms and roll up every day of the demo."""

from datetime import timedelta

from django.db.models import Min
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from forums.models import Post

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
    today = timezone.localdate()
    first = Post.objects.aggregate(first=Min("created_at"))["first"]
    start = rollups.local_date(first) if first else today
    start = max(start, today - timedelta(days=MAX_DAYS))
    return rollups.rollup_range(start, today)
