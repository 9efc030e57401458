"""The leaderboard: who earned the most reputation this week, this month or ever, across the
community or in one space. Sums of ReputationEvents (a space's events share a key prefix,
see ``accounts.reputation``); staff are left out unless asked for. Bounded queries: the
spaces for the filter, the sums, their members and their badges (plus the viewer's own
standing when signed in)."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import Group
from django.db.models import Q, Sum
from django.http import Http404
from django.utils import timezone

from forums.models import Space

from . import badges, reputation, roles
from .models import Badge, ReputationEvent, User

PERIODS = {"week": ("This week", 7), "month": ("This month", 30), "all": ("All time", None)}
STAFF_ROLES = (roles.STAFF, roles.ADMINS)
LIMIT = 25


@dataclass(frozen=True)
class LeaderRow:
    rank: int
    user: User
    points: int
    top_badge: Badge | None
    is_staff: bool


@dataclass
class Standing:
    rank: int
    points: int


@dataclass
class Leaderboard:
    rows: list[LeaderRow]
    period: str
    space: Space | None
    spaces: list[Space]
    include_staff: bool
    viewer_standing: Standing | None = None
    periods: dict = field(default_factory=lambda: {k: v[0] for k, v in PERIODS.items()})

    @property
    def period_label(self) -> str:
        return PERIODS[self.period][0]


def _events(*, period: str, space: Space | None, include_staff: bool):
    events = ReputationEvent.objects.filter(user__is_active=True)
    days = PERIODS[period][1]
    if days:
        events = events.filter(created_at__gte=timezone.now() - timedelta(days=days))
    if space is not None:
        events = events.filter(key__startswith=reputation.space_prefix(space.pk))
    if not include_staff:
        staff = User.objects.filter(groups__name__in=STAFF_ROLES).values("pk")
        events = events.exclude(user_id__in=staff)
    return events


def leaderboard(*, viewer, params) -> Leaderboard:
    period = params.get("period") if params.get("period") in PERIODS else "month"
    include_staff = params.get("staff") == "1"
    spaces = list(Space.objects.visible_to(viewer).listed())
    space = None
    if params.get("space"):
        space = next((s for s in spaces if s.slug == params["space"]), None)
        if space is None:
            raise Http404("No such space.")  # hidden looks like missing
    events = _events(period=period, space=space, include_staff=include_staff)
    totals = (
        events.values("user_id")
        .annotate(points=Sum("points"))
        .filter(points__gt=0)
        .order_by("-points", "user_id")
    )
    top = list(totals[:LIMIT])
    ids = [row["user_id"] for row in top]
    users = User.objects.in_bulk(ids)
    best = badges.top_badges(ids)
    staff_ids = set()
    if include_staff and ids:
        staff_ids = set(
            Group.objects.filter(name__in=STAFF_ROLES, user__id__in=ids).values_list(
                "user__id", flat=True
            )
        )
    rows = []
    for position, row in enumerate(top, start=1):
        user = users.get(row["user_id"])
        if user is not None:
            rows.append(
                LeaderRow(
                    rank=position,
                    user=user,
                    points=row["points"],
                    top_badge=best.get(user.pk),
                    is_staff=user.pk in staff_ids,
                )
            )
    standing = None
    if viewer.is_authenticated and viewer.pk not in users:
        mine = events.filter(user_id=viewer.pk).aggregate(points=Sum("points"))["points"] or 0
        if mine > 0:
            ahead = totals.filter(Q(points__gt=mine)).count()
            standing = Standing(rank=ahead + 1, points=mine)
    return Leaderboard(
        rows=rows,
        period=period,
        space=space,
        spaces=spaces,
        include_staff=include_staff,
        viewer_standing=standing,
    )
